"""Which actions apply to which physician, and the input changes each one makes (vectorized).

An action applies when it changes an input the physician has not already maxed out: an activity
not done, a PI score below 100%, a scored measure below its most points, a measure with data below
the completeness threshold, a cohort measure not reported at all (scored on its ladder, or excluded
where it has none), a missed minimum submission, cost points below 10, too few cost
episodes. Physicians whose final score cannot be computed, or who have an exception (neutral factor
whatever they do [ASSUMPTION]), get no actions. Each :class:`ActionSet` holds one kind of action
for one measure: the physicians it applies to and the new input values, which
:meth:`~asm_xl.model.rescoring.Baseline.rescore` scores.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from asm_xl.model.action_catalogue import ACTIONS
from asm_xl.model.benchmarks import Ladder
from asm_xl.model import categories
from asm_xl.model.categories import MeasureStatus
from asm_xl.model.columns import measure_columns
from asm_xl.model.points import most_points, points_on_ladder
from asm_xl.model.rescoring import Baseline, final_scores, minimum_submission

__all__ = ["ActionSet", "candidate_actions", "rate_at_points", "normalize_ia_columns"]


@dataclass
class ActionSet:
    """One action (and measure) for the physicians at ``positions`` (rows of the baseline)."""

    action: str
    measure: str
    positions: np.ndarray
    edits: dict
    effort: np.ndarray
    note: np.ndarray


def rate_at_points(points, ladder: Ladder) -> np.ndarray:
    """The rate (user units) at which a ladder gives ``points``: the ladder read backwards [MIPS].

    Inside decile k (points k + f, 0 <= f < 1) the rate is the same share f of the way from B_k to
    B_(k+1), which inverts :func:`~asm_xl.model.points.points_on_ladder`'s partial points::

        k = floor(points),  value = B_k + (points - k) x (B_(k+1) - B_k),  value = B_10 at 10 points
        rate = value / ladder.scale

    Works in either direction (inverse ladders run downwards). An empty decile (B_k = B_(k+1)) gives
    B_k, which scores at least ``points``.
    """
    t = np.clip(np.asarray(points, dtype=float), 1.0, 10.0)
    b = np.asarray(ladder.starts, dtype=float)
    k = np.floor(t).astype(int)
    lo, hi = b[k - 1], b[np.minimum(k, 9)]
    value = np.where(k >= 10, b[9], lo + (t - k) * (hi - lo))
    return value / ladder.scale


def normalize_ia_columns(base: Baseline) -> None:
    """Write an ``ia_done`` count of 0 or 2 as ``ia1_done``/``ia2_done`` (same score) so that IA-1 and
    IA-2 can be completed one at a time; a count of 1 (which one is unknown) stays a count."""
    df = base.df
    given = base.parsed["ia_count_given"] & (base.ia_done != 1)
    if not given.any():
        return
    for col in ("ia1_done", "ia2_done"):
        if col not in df.columns:
            df[col] = pd.Series([None] * len(df), index=df.index, dtype=object)
        df[col] = df[col].astype(object)
        df.loc[given, col] = base.ia_done[given] == 2
    df["ia_done"] = df["ia_done"].astype(object)
    df.loc[given, "ia_done"] = None
    base.parsed["ia1"] = np.where(given, base.ia_done == 2, base.parsed["ia1"])
    base.parsed["ia2"] = np.where(given, base.ia_done == 2, base.parsed["ia2"])
    base.parsed["ia_count_given"] = base.parsed["ia_count_given"] & ~given


def candidate_actions(base: Baseline) -> list[ActionSet]:
    """Every applicable action of every physician, grouped by action and measure (catalogue order)."""
    s = base.settings
    n = len(base.df)
    if not n:  # every row had an error (errors="skip"): the scores have no columns to read
        return []
    ok = np.isfinite(final_scores(base.scores)) & ~base.parsed["excepted"]
    out: list[ActionSet] = []

    def add(action, measure, mask, edits, effort=1.0, note=""):
        pos = np.flatnonzero(mask & ok)
        if pos.size:
            weight = getattr(s, ACTIONS[action].effort_setting)
            out.append(ActionSet(action, measure, pos,
                                 {c: np.broadcast_to(np.asarray(v), (n,))[pos] for c, v in edits.items()},
                                 weight * np.broadcast_to(np.asarray(effort, dtype=float), (n,))[pos],
                                 np.broadcast_to(np.asarray(note, dtype=object), (n,))[pos].copy()))

    p = base.parsed
    count_given, count = p["ia_count_given"], base.ia_done
    add("ia1", "", np.where(count_given, count == 0, p["ia1"] == 0), {"ia1_done": True})
    add("ia2", "", np.where(count_given, count == 0, p["ia2"] == 0), {"ia2_done": True})
    add("ia_remaining", "", count_given & (count == 1), {"ia_done": 2})
    with np.errstate(invalid="ignore"):
        add("pi_full", "", p["pi_score"] < 1.0, {"pi_score": 1.0})
    completable = {}
    for code in np.unique(base.cohort):
        mine = base.cohort == code
        for m in base.cohort_measures(code):
            completable[m.label] = _quality_actions(base, code, m, mine, add)
    _minimum_submission(base, completable, add)
    _cost_actions(base, add)
    order = {a: i for i, a in enumerate(ACTIONS)}
    return sorted(out, key=lambda a: order[a.action])


def _quality_actions(base: Baseline, code: str, m, mine, add) -> np.ndarray:
    """Decile / top-decile actions of a scored measure, completeness of an incomplete one. Returns
    where the measure could be completed (for the minimum submission)."""
    s, cols, mi = base.settings, measure_columns(m.key), base.inputs[code][m.id]
    counted = pd.to_numeric(base.scores[f"{m.key}_points"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    scored = mine & (mi["status"] == MeasureStatus.SCORED)
    scored[scored] = base.scores[f"{m.key}_benchmark"].to_numpy(dtype=object)[scored] != "none"  # (text of these)
    entered = scored & ~np.isnan(mi["points"])
    pts = np.nan_to_num(mi["points"])
    add("quality_decile", m.label, entered & (pts < 10), {cols["points"]: np.minimum(pts + 1, 10.0)})
    add("quality_top", m.label, entered & (pts < 9), {cols["points"]: 10.0},
        effort=np.ceil(10.0 - pts))
    years = base.years
    by_rate = scored & ~entered & ~np.isnan(mi["rate"])
    for year in np.unique(years[by_rate]):
        quality, _ = base.year_ladders(int(year))
        for ctype in m.collection_types:
            sel = by_rate & (years == year) & (mi["ctype"] == ctype)
            ladder = quality.get((m.label, ctype))
            if not sel.any() or ladder is None:
                continue
            u = np.where(sel, points_on_ladder(np.nan_to_num(mi["rate"]), ladder, cap=10.0), 10.0)
            limit = most_points(ladder, cap=s.topped_out_cap)
            with np.errstate(invalid="ignore"):
                up = sel & (u < limit) & (counted < limit)
            add("quality_decile", m.label, up, {cols["rate"]: rate_at_points(np.minimum(u + 1, 10.0), ladder)})
            add("quality_top", m.label, up & (u + 1 < limit), {cols["rate"]: rate_at_points(limit, ladder)},
                effort=np.ceil(limit - u))
    has_value = ~np.isnan(mi["rate"]) | ~np.isnan(mi["points"]) | categories.too_few_cases(mi["eligible"], settings=s)
    can_complete = mine & ~mi["admin"] & (mi["status"] == MeasureStatus.INCOMPLETE) & has_value
    add("completeness", m.label, can_complete, {cols["completeness"]: s.completeness_threshold},
        note=f"Assumes the {m.label} rate stays as reported.")
    _report_measure(base, m, mi, mine & ~mi["admin"] & (mi["status"] == MeasureStatus.NOT_REPORTED), add)
    return np.where(can_complete, mi["completeness"], -1.0)


def _report_measure(base: Baseline, m, mi: dict, unreported: np.ndarray, add) -> None:
    """Report a cohort measure not reported today (0 points, counted [CMS]): its data completeness ->
    the threshold, eligible cases -> the case minimum, collection type as given (the row's, blank = the
    measure's first). Not for an administrative-claims measure (CMS computes it; ``unreported``
    excludes them). Two actions, by whether that collection type has a ladder
    (:meth:`~asm_xl.model.rescoring.Baseline.quality_ladder`, the one a copy is scored on):

    * ``report_measure`` (a ladder): points -> ``action_assumed_measure_points`` [ASSUMPTION], at most
      the topped-out cap on a topped-out ladder (as "to its top decile" stops there)::

          quality after = (S + points) / (10 x n)          (n measures counted, the denominator unchanged)

    * ``report_no_benchmark`` (no ladder): reported, the measure is excluded for want of a benchmark
      [spec 8.1] instead of counting 0, so the denominator loses it::

          quality after = S / (10 x (n - 1))               (not scored when n = 1: cost takes the weight)

      The scoring core needs a rate for a complete measure with enough cases; with no ladder it is
      not scored, so any rate gives the same score (0 is entered).
    """
    s, cols, years = base.settings, measure_columns(m.key), base.years
    points = np.full(len(base.df), np.nan)
    no_ladder = np.zeros(len(base.df), dtype=bool)
    for year in np.unique(years[unreported]):
        for ctype in m.collection_types:
            sel = unreported & (years == year) & (mi["ctype"] == ctype)
            if not sel.any():
                continue
            ladder = base.quality_ladder(m, ctype, int(year))
            if ladder is None:
                no_ladder |= sel
            else:
                points[sel] = min(s.action_assumed_measure_points, most_points(ladder, cap=s.topped_out_cap))
    assumed = (f"{s.action_assumed_measure_points:g} {m.label} points assumed [ASSUMPTION action_assumed_measure_points]"
               f", {s.case_minimum} eligible cases")
    capped = f"{assumed}; capped at {s.topped_out_cap:g}: topped out [ASSUMPTION]"
    with np.errstate(invalid="ignore"):
        note = np.where(points < s.action_assumed_measure_points, capped + ".", assumed + ".")
    reported = {cols["completeness"]: s.completeness_threshold, cols["eligible"]: float(s.case_minimum)}
    add("report_measure", m.label, ~np.isnan(points), {**reported, cols["points"]: points}, note=note)
    add("report_no_benchmark", m.label, no_ladder, {**reported, cols["rate"]: 0.0},
        note=f"No {m.label} benchmark in its collection type: reported ({s.case_minimum} eligible cases), it is "
             "excluded [spec 8.1] instead of counting 0 points [CMS].")


def _minimum_submission(base: Baseline, completable: dict, add) -> None:
    """Submit on time and, where no measure meets the completeness threshold, complete the measure
    closest to it (highest completeness; first in the cohort's list on a tie)."""
    s = base.settings
    missed = ~minimum_submission(base.scores)
    met_any = np.zeros(len(base.df), dtype=bool)
    for code in np.unique(base.cohort):   # the completeness part of the rule, as the core applies it
        given = [base.inputs[code][m.id] for m in base.cohort_measures(code)]
        if given:
            met = categories.minimum_submission_met(np.column_stack([mi["completeness"] for mi in given]),
                                                    np.column_stack([mi["admin"] for mi in given]), settings=s)
            met_any |= (base.cohort == code) & met
    add("minimum_submission", "", missed & met_any, {"submitted_on_time": True})
    labels = list(completable)
    if not labels:
        return
    comp = np.column_stack([completable[k] for k in labels])
    best = np.argmax(comp, axis=1)
    for j, label in enumerate(labels):
        m_key = "q" + label[1:]
        sel = missed & ~met_any & (best == j) & (comp[:, j] >= 0)
        add("minimum_submission", label, sel, {"submitted_on_time": True,
                                               measure_columns(m_key)["completeness"]: s.completeness_threshold},
            note=f"Completes {label} (closest to the threshold); assumes its rate stays as reported.")


def _cost_actions(base: Baseline, add) -> None:
    s, p = base.settings, base.parsed
    scored = pd.to_numeric(base.scores["cost"], errors="coerce").notna().to_numpy()
    cpts = pd.to_numeric(base.scores["cost_points"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        add("cost_point", "", scored & (cpts < 10), {"cost_points": np.minimum(cpts + 1, 10.0)})
    eps = p["cost_episodes"]
    years = base.years
    ladder = np.zeros(len(years), dtype=bool)
    for code, year in set(zip(base.cohort.tolist(), years.tolist())):
        ladder[(base.cohort == code) & (years == year)] = base.cost_ladder(code, int(year)) is not None
    known = ~np.isnan(p["cost_points"]) | (~np.isnan(p["episode_cost"]) & ladder)
    points = np.where(~np.isnan(p["cost_points"]), p["cost_points"], np.where(known, np.nan, s.action_assumed_cost_points))
    note = np.where(known, "", f"Cost points assumed {s.action_assumed_cost_points:g} [ASSUMPTION "
                    "action_assumed_cost_points].")
    add("cost_episodes", "", ~categories.enough_episodes(eps, settings=s),
        {"cost_episodes": float(s.cost_episode_minimum), "cost_points": points}, note=note)
