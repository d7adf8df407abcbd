"""The vectorized cohort API: a DataFrame of participants in, one DataFrame of scores out.

Each pool is one cohort in one performance year (HF and LBP never share a pool): its scaling
factor is computed from the pool itself, then each participant's factor, dollar impact and
percentile rank. Bad rows are reported one by one (row, column, value, reason) and left out;
every good row is still scored (the checks are in :mod:`asm_xl.model.cohort_checks`).

>>> import pandas as pd
>>> from asm_xl.model.cohort import score_cohort
>>> df = pd.DataFrame({"cohort": ["HF", "HF"], "performance_year": 2027, "practice_size": 20,
...                    "part_b_payments": [100_000, 300_000], "cost_episodes": 25,
...                    "cost_points": [4, 9], "ia_done": 2, "pi_score": 1.0,
...                    "q236_eligible": 50, "q236_reported": 50, "q236_rate": [0.55, 0.85]})
>>> res = score_cohort(df)
>>> res.scores["final_score"].round(4).tolist()
[23.6819, 57.5]
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from asm_xl.model import adjustments, categories, exceptions, final_score as final_mod, payment
from asm_xl.model.identifiers import tin_with_zeros, tins_restored_warning
from asm_xl.model.benchmarks import BenchmarkTable, LadderOverrides, ladder_from_rates, packaged_benchmarks
from asm_xl.model.categories import MeasureStatus
from asm_xl.model.cost_ladders import BUILD, given_cost_ladder, roster_cost_ladder, roster_gives_cost_ladder
from asm_xl.model.measure_checks import measure_inputs
from asm_xl.model.cohort_checks import (Checker, cohort_codes, ia_done_column, report_duplicates,
                                        report_identifiers)
from asm_xl.model.errors import ASMInputError
from asm_xl.model.parameters import cohorts, performance_years, year_parameters
from asm_xl.model.points import cap_bites, points_on_ladder
from asm_xl.model.pool_choice import cohort_settings, reference_point
from asm_xl.model.pool_warnings import (given_pool_warning, roster_budget_warning, roster_pool_warning,
                                        steepness_warnings)
from asm_xl.model.settings import DEFAULT_SETTINGS, Settings
from asm_xl.model.validation import DOLLARS_ALLOWED, FRACTION_ALLOWED, MAX_DOLLARS

__all__ = ["CohortResult", "CheckedInputs", "score_cohort", "score_checked", "ERROR_COLUMNS"]

ERROR_COLUMNS = ["row", "npi", "column", "value", "reason"]
_STATUS_LABELS = np.array([MeasureStatus.LABELS[k] for k in sorted(MeasureStatus.LABELS)], dtype=object)


@dataclass
class CohortResult:
    """``scores``: one row per good participant (index = input index); ``errors``: one row per bad
    value (row, npi, column, value, reason), where ``row`` is the row label of the DataFrame given
    (``read_roster`` labels rows by their file row, so it is the row a user sees in the file);
    ``pools``: one row per (cohort, performance year)."""

    scores: pd.DataFrame
    errors: pd.DataFrame
    pools: pd.DataFrame
    ladders: dict = field(default_factory=dict)
    #: things worth knowing that reject nothing (a 'roster' pool far smaller than CMS's cohort)
    warnings: list = field(default_factory=list)

    @property
    def cost_ladders(self) -> dict:
        """The cost ladders the scoring used, as ``cost_ladders`` of :func:`score_cohort` takes them
        (``{(cohort, performance year): Ladder}``): a what-if that re-scores a physician alone, or under
        another pool, scores his episode cost on the ladder his roster gave it."""
        return {(c, y): ladder for (c, y, _id, kind), ladder in self.ladders.items() if kind == "cost"}


@dataclass
class CheckedInputs:
    """What :func:`score_checked` read from the table, row by row (rows with errors included): the
    :class:`~asm_xl.model.cohort_checks.Checker` of its cells (each read once; ``checker.df`` is the
    table with its column names case-folded), each row's cohort code, its measure inputs
    (:func:`~asm_xl.model.cohort_checks.measure_inputs`) and improvement activities done."""

    checker: Checker
    cohort: np.ndarray
    measures: dict
    ia_done: np.ndarray


def score_cohort(participants: pd.DataFrame, *, settings: Settings = DEFAULT_SETTINGS,
                 benchmarks: BenchmarkTable | None = None, ladders: dict | None = None,
                 benchmark_source: str = "packaged", cost_ladders: dict | None = None,
                 performance_year: int | None = None, columns: Collection[str] | None = None) -> CohortResult:
    """Score every participant of a table, pool by cohort and performance year.

    Parameters
    ----------
    participants : DataFrame
        One row per participant; columns as in :mod:`asm_xl.model.columns` (README: "Roster columns").
    settings : Settings
    benchmarks : BenchmarkTable, optional
        Default: the packaged MIPS table (latest year, or ``settings.benchmark_year``).
    ladders : dict, optional
        ``{measure or (measure, collection type): Ladder}`` overriding the table.
    benchmark_source : {"packaged", "cohort"}
        "cohort": each measure and collection type is scored on deciles of the pool's own rates
        (:func:`asm_xl.model.benchmarks.ladder_from_rates`) [spec 3.2].
    cost_ladders : dict, optional
        ``{cohort code: Ladder}`` for ``episode_cost`` (or ``{(cohort code, performance year): Ladder}``,
        which wins for its year); default: deciles of the pool's own episode costs (participants with
        enough episodes), lower is better [REG 512.730][ASSUMPTION], only where the roster is the cohort
        (``settings.pool`` 'roster', or ``benchmark_source`` 'cohort'): a practice's roster is not the
        national cohort [spec 8], so with the national or a given pool episode costs are not scored
        without a ladder given (a warning says how many). A ladder None: no cost ladder for that pool
        (a workbook whose ladder range is empty): episode costs are not scored, as with too few
        reporters [MIPS].
    performance_year : int, optional
        Used where the ``performance_year`` column is blank or missing.
    columns : collection of str, optional
        The columns of ``scores`` wanted (None: all), kept in their own order: the same numbers, with
        only those columns built (a what-if copy needs its final score, not the sixty columns).

    Returns
    -------
    CohortResult
        Scores use the same kernels as :func:`asm_xl.score_participant`: given the pool's scaling
        factor (and midpoint) both APIs give identical numbers. ``percentile_rank`` and ``cohort_rank``
        (of ``cohort_size``) rank a final score among this table's rows of its pool (the physicians
        scored together), not among the national cohort, which a practice never sees: with the national
        pool, a physician's standing is the range of :func:`asm_xl.model.ranges.payment_ranges`.
    """
    return score_checked(participants, settings=settings, benchmarks=benchmarks, ladders=ladders,
                         benchmark_source=benchmark_source, cost_ladders=cost_ladders,
                         performance_year=performance_year, columns=columns)[0]


def score_checked(participants: pd.DataFrame, *, settings: Settings = DEFAULT_SETTINGS,
                  benchmarks: BenchmarkTable | None = None, ladders: dict | None = None,
                  benchmark_source: str = "packaged", cost_ladders: dict | None = None,
                  performance_year: int | None = None,
                  columns: Collection[str] | None = None) -> tuple[CohortResult, CheckedInputs]:
    """:func:`score_cohort` (the same parameters and result) with the :class:`CheckedInputs` it read,
    for a caller that goes on with the same inputs (:class:`~asm_xl.model.rescoring.Baseline`) instead
    of reading every cell again."""
    if benchmark_source not in ("packaged", "cohort"):
        raise ASMInputError("benchmark_source", benchmark_source, "packaged or cohort")
    df = participants.copy()
    df.columns = [str(c).strip().casefold() for c in df.columns]
    if df.columns.duplicated().any():
        dup = df.columns[df.columns.duplicated()][0]
        raise ASMInputError("columns", dup, "each column once")
    chk = Checker(df)
    table = benchmarks or packaged_benchmarks()
    overrides = LadderOverrides(ladders)

    cohort_code = cohort_codes(chk)
    years = performance_years()
    py = chk.number("performance_year", whole=True, required=performance_year is None,
                    allowed=f"a performance year {years[0]}-{years[-1]}",
                    default=np.nan if performance_year is None else float(performance_year))
    with np.errstate(invalid="ignore"):
        out_of_range = np.isfinite(py) & ~np.isin(py, years)
    chk.report(out_of_range, "performance_year", None,
               f"must be a performance year {years[0]}-{years[-1]}")
    size = chk.number("practice_size", minimum=1, whole=True, allowed="a whole number of clinicians >= 1")
    payments = chk.number("part_b_payments", minimum=0, maximum=MAX_DOLLARS, required=True,
                          allowed=DOLLARS_ALLOWED)
    pi = chk.number("pi_score", minimum=0, maximum=1, required=True, percent=True,
                    allowed=FRACTION_ALLOWED)
    bonus = chk.number("complex_bonus", minimum=0, maximum=settings.complex_bonus_max, default=0.0,
                       allowed=f"a number between 0 and {settings.complex_bonus_max:g}")
    on_time = chk.boolean("submitted_on_time", default=True)
    small = np.where(chk.blank("small_practice"), np.nan, chk.boolean("small_practice", default=False))
    # CMS's flag decides the small-practice bonus [spec 8.1]: with it, a blank size means "not solo" (the kernel)
    chk.report(chk.blank("practice_size") & np.isnan(small), "practice_size", None,
               "required: a whole number of clinicians >= 1 (blank only with CMS's small_practice flag)")
    euc = chk.boolean("euc_exception", default=False)
    payx = chk.boolean("payment_exception", default=False)
    ia_done = ia_done_column(chk)
    restored_tins = report_identifiers(chk)
    report_duplicates(chk)
    episodes = chk.number("cost_episodes", minimum=0, whole=True, allowed="a whole number >= 0")
    cost_pts_in = chk.number("cost_points", minimum=1, maximum=10,
                             allowed="cost achievement points between 1 and 10")
    episode_cost = chk.number("episode_cost", minimum=0, maximum=MAX_DOLLARS, allowed=DOLLARS_ALLOWED)
    enough_eps = categories.enough_episodes(episodes, settings=settings)
    chk.report(enough_eps & chk.blank("cost_points") & chk.blank("episode_cost"), "cost_points",
               None, "required with enough episodes: cost points (1-10) or episode_cost")
    chk.report(chk.blank("cost_episodes") & ~(chk.blank("cost_points") & chk.blank("episode_cost")),
               "cost_episodes", None, "required with cost_points or episode_cost: EBCM episodes (a whole number >= 0)")

    measures = measure_inputs(chk, cohort_code, settings)

    good = ~chk.bad
    errors = pd.DataFrame(chk.errors, columns=ERROR_COLUMNS) if chk.errors else _NO_ERRORS.copy()
    parts, pools, used_ladders, positions = [], [], {}, []
    for code, cohort in cohorts().items():
        for year in years:
            rows = np.flatnonzero(good & (cohort_code == code) & (py == year))
            if rows.size == 0:
                continue
            res = _score_pool(df, rows, cohort, year, measures[code], episodes, cost_pts_in, episode_cost,
                              ia_done, pi, bonus, size, payments, on_time, table, overrides,
                              benchmark_source, given_cost_ladder(cost_ladders, code, int(year), BUILD), settings, used_ladders,
                              small, euc, payx, columns)
            parts.append(res[0])
            pools.append(res[1])
            positions.append(rows)
    scores = pd.concat(parts) if parts else pd.DataFrame()
    if len(scores):  # back in input order
        scores = scores.iloc[np.argsort(np.concatenate(positions), kind="stable")]
    pools = pd.DataFrame(pools)
    warnings = [tins_restored_warning(restored_tins)] if restored_tins else []
    given = given_pool_warning(settings)
    if given:
        warnings.append(given)
    if len(pools):   # one k for every year and, by default, one range for both cohorts: said once
        warnings += steepness_warnings(zip(pools["cohort"], pools["performance_year"]), settings)
    unscored = int(pools["episode_costs_unscored"].sum()) if len(pools) else 0
    if unscored:
        warnings.append(categories.unscored_episode_costs_warning(
            unscored, settings, roster_builds=roster_gives_cost_ladder(settings, benchmark_source)))
    if settings.pool == "roster":
        for rec in pools.to_dict("records"):
            for w in (roster_pool_warning(rec["cohort"], rec["participants"], settings),
                      roster_budget_warning(rec["cohort"], rec["scaling_method"], rec["roster_scaling_factor"])):
                if w:
                    warnings.append(f"{w} (performance year {rec['performance_year']})")
    return (CohortResult(scores, errors, pools, used_ladders, warnings),
            CheckedInputs(chk, cohort_code, measures, ia_done))


#: the errors of a table without any (built once: an empty frame costs pandas ~0.25 ms to build)
_NO_ERRORS = pd.DataFrame([], columns=ERROR_COLUMNS)

def _score_pool(df, rows, cohort, year, minputs, episodes, cost_pts_in, episode_cost, ia_done, pi, bonus,
                size, payments, on_time, table, overrides, benchmark_source, cost_ladder, settings, used,
                small, euc, payx, columns=None):
    n, mcount = rows.size, len(cohort.measures)
    points = np.zeros((n, mcount))
    status = np.zeros((n, mcount), dtype=np.int8)
    comp = np.zeros((n, mcount))
    admin = np.zeros((n, mcount), dtype=bool)
    out = {}
    for j, m in enumerate(cohort.measures):
        mi = {k: v[rows] for k, v in minputs[m.id].items()}
        status[:, j], comp[:, j], admin[:, j] = mi["status"], mi["completeness"], mi["admin"]
        scored = mi["status"] == MeasureStatus.SCORED
        pts = np.where(scored & ~np.isnan(mi["points"]), mi["points"], 0.0)
        bench = np.full(n, "", dtype=object)
        bench[scored & ~np.isnan(mi["points"])] = "entered"
        mstatus = mi["status"].copy()
        labels = _STATUS_LABELS[mstatus]
        for ctype in m.collection_types:
            sel = scored & np.isnan(mi["points"]) & (mi["ctype"] == ctype)
            if not sel.any():
                continue
            ladder = overrides.get(m.id, ctype)
            if ladder is None and benchmark_source == "cohort":  # None below the minimum reporters [MIPS]
                ladder = ladder_from_rates(mi["rate"][sel], inverse=m.inverse, scale=100.0 if m.proportion else 1.0,
                                           minimum_reporters=settings.benchmark_minimum_reporters)
            elif ladder is None:
                ladder = table.find(m.id, ctype, settings.benchmark_year)
            if ladder is None:  # no benchmark: excluded, not an error and not 10 points [spec 8.1]
                mstatus[sel] = categories.benchmark_status(mstatus[sel], False)
                labels[sel] = _STATUS_LABELS[mstatus[sel]]
                bench[sel] = "none"
                continue
            used[(cohort.code, year, m.label, ctype)] = ladder
            rates = mi["rate"][sel]
            pts[sel] = points_on_ladder(rates, ladder, cap=settings.topped_out_cap,
                                        decimals=settings.measure_points_decimals)
            bench[sel] = ladder.describe(m.benchmark_note)
            labels[sel] = labels[sel] + categories.user_ladder_note(ladder)
            capped = np.flatnonzero(sel)[cap_bites(rates, ladder, cap=settings.topped_out_cap)]
            labels[capped] = labels[capped] + categories.capped_note(settings)
            if not m.proportion:
                typed = np.flatnonzero(sel)[rates <= categories.FRACTION_LIKE]
                labels[typed] = labels[typed] + categories.fraction_like_note(m.unit)
        taken = mi["cases_taken"]
        if taken.any():
            labels[taken] = labels[taken] + categories.cases_taken_note(settings)
        status[:, j] = mstatus
        points[:, j] = pts
        # an excluded measure has no points (out of the quality score, as the workbook's "-"): a 0 summed wrongly
        out[f"{m.key}_points"] = np.where(categories.measure_counted(mstatus), pts, np.nan)
        out[f"{m.key}_status"] = labels
        out[f"{m.key}_benchmark"] = bench
    quality = categories.quality_category(points, status)
    min_met = categories.minimum_submission_met(comp, admin, on_time[rows].astype(bool), settings=settings)

    eps = np.nan_to_num(episodes[rows], nan=0.0)
    cpts = cost_pts_in[rows].copy()
    scored_eps = categories.enough_episodes(eps, settings=settings)
    need = np.isnan(cpts) & ~np.isnan(episode_cost[rows]) & scored_eps
    no_cost_ladder = np.zeros(n, dtype=bool)
    if need.any():
        if cost_ladder is BUILD:
            cost_ladder = roster_cost_ladder(episode_cost[rows][scored_eps],
                                              benchmark_source, settings)
        if cost_ladder is None:
            no_cost_ladder = need
        else:
            used[(cohort.code, year, cohort.cost_measure_id, "cost")] = cost_ladder
            cpts[need] = points_on_ladder(episode_cost[rows][need], cost_ladder, cap=settings.topped_out_cap)
    cost = categories.cost_category(cpts, eps, settings=settings)  # NaN points (no ladder): not scored

    ia = adjustments.ia_adjustment(ia_done[rows], settings=settings)
    pia = adjustments.pi_adjustment(pi[rows], settings=settings)
    practice = adjustments.practice_size_bonus(size[rows], small[rows], settings=settings)
    wq, wc = final_mod.category_weights(~np.isnan(quality), ~np.isnan(cost), settings=settings)
    final = final_mod.final_score(quality, cost, ia, pia, bonus[rows], practice, min_met, settings=settings)

    params = year_parameters(year)
    r = params.risk_level
    scorable = ~np.isnan(final)
    exc = exceptions.excepted(euc[rows], payx[rows], settings=settings)
    pooled = scorable & ~exc  # an excepted participant is left out of the pool [ASSUMPTION: exceptions_neutral]
    P = payments[rows]
    settings = cohort_settings(cohort.code, year, settings)  # k and m as CMS published them, if it has
    roster_mid = float(payment.cohort_midpoints(final, pooled, settings=settings)[0])
    sol = payment.solve_scaling_factor(final[pooled], P[pooled], r, midpoint=roster_mid, settings=settings)
    if settings.pool == "roster":  # the roster is the cohort: its own SF and midpoint
        sf, midpoint = sol.scaling_factor, roster_mid
        source = f"roster as the cohort: scaling factor {sf:.4g}, midpoint {midpoint:.4g}"
    else:  # the national peer model or a given pool (pool_choice): the roster is not the cohort
        point = reference_point(cohort.code, year, settings)
        sf, midpoint, source = point.scaling_factor, point.midpoint, point.source
    tfs = payment.transformed_final_score(final, midpoint=midpoint, settings=settings)
    factor = exceptions.neutral_factor(payment.adjustment_factor(final, tfs, r, sf, settings=settings), exc)
    factor = np.where(scorable, factor, np.nan)  # no final score → no factor (not -r), as score_participant
    pct = np.full(n, np.nan)
    rank = np.full(n, np.nan)
    pct[pooled] = payment.percentile_rank(final[pooled])
    rank[pooled] = payment.competition_rank(final[pooled])

    idx = df.index[rows]
    # identifiers as every other output shows them (the workbook, the index): text without surrounding
    # spaces, so that a lookup by NPI finds the row whatever the roster's cell held around it
    ident = {c: np.array([v.strip() if v.__class__ is str else v for v in df[c].to_numpy()[rows]], dtype=object)
             for c in ("npi", "tin", "name", "specialty") if c in df.columns}
    if "tin" in ident:   # a TIN a spreadsheet took the leading zeros of, given them back (report_identifiers)
        ident["tin"] = np.array([(v.__class__ is str and tin_with_zeros(v)) or v for v in ident["tin"]], dtype=object)
    notes = _notes(~np.isnan(quality), ~np.isnan(cost), min_met, settings)
    if no_cost_ladder.any():
        why = categories.no_cost_ladder_note(settings)
        notes[no_cost_ladder] = [f"{t} {why}".strip() for t in notes[no_cost_ladder]]
    for i in np.flatnonzero(exceptions.flagged(euc[rows], payx[rows])):  # the note says whether it applies
        notes[i] = f"{notes[i]} {exceptions.exception_note(bool(euc[rows][i]), bool(payx[rows][i]), settings)}".strip()
    for i in np.flatnonzero(categories.too_few_episodes(episodes[rows], settings=settings)):
        notes[i] = f"{notes[i]} Cost: {categories.few_episodes_note(float(episodes[rows][i]), settings)}.".strip()
    frame = {**ident, "cohort": cohort.code, "performance_year": year, "payment_year": params.payment_year,
             **out, "quality": quality, "cost_points": np.where(np.isnan(cost), np.nan, cpts), "cost": cost,
             "quality_weight": wq, "cost_weight": wc, "ia_adjustment": ia, "pi_adjustment": pia,
             "complex_bonus": bonus[rows], "practice_bonus": practice, "minimum_submission_met": min_met,
             "final_score": final, "tfs": np.where(scorable, tfs, np.nan), "risk_level": r,
             "scaling_factor": sf, "tfs_midpoint": midpoint, "factor": factor,
             "multiplier": payment.payment_multiplier(factor), "part_b_payments": P,
             "dollar_impact": payment.dollar_impact(factor, P), "percentile_rank": pct, "cohort_rank": rank,
             "cohort_size": int(pooled.sum()), "exception": exc, "note": notes}
    if columns is not None:
        frame = {c: v for c, v in frame.items() if c in columns}
    float_cols = ["quality", "cost_points", "cost", "quality_weight", "cost_weight", "final_score", "tfs",
                  "factor", "multiplier", "dollar_impact", "percentile_rank"]
    for c in float_cols:  # (in the columns given to the frame: one frame built, not a column set at a time)
        if c in frame:
            frame[c] = pd.array(np.asarray(frame[c], dtype=float), dtype="Float64")  # NaN → <NA>: "not scored"
    if "cohort_rank" in frame:
        frame["cohort_rank"] = pd.array(np.where(np.isnan(rank), None, rank), dtype="Int64")
    res = pd.DataFrame(frame, index=idx)
    pool = {"cohort": cohort.code, "performance_year": year, "payment_year": params.payment_year,
            "episode_costs_unscored": int(no_cost_ladder.sum()),
            "participants": int(pooled.sum()), "risk_level": r, "pool": settings.pool, "pool_source": source,
            "scaling_factor": sf, "tfs_midpoint": midpoint, "part_b_payments": float(P[pooled].sum()),
            "dollar_impact": float(np.nansum(factor[pooled] * P[pooled])),
            # the roster's own solution, whichever pool prices: what the roster would pay as a cohort
            "roster_scaling_factor": sol.scaling_factor, "roster_tfs_midpoint": roster_mid,
            "scaling_method": sol.method, "budget_residual": sol.budget_residual}
    return res, pool


def _notes(quality_scored, cost_scored, min_met, settings) -> np.ndarray:
    """Each participant's note: :func:`~asm_xl.model.final_score.category_note` (the scalar API's and
    the workbook's text), once per distinct (quality scored, cost scored, minimum met); blank when
    both categories count with the default weights."""
    out = np.full(quality_scored.shape, "", dtype=object)
    for q in (False, True):
        for c in (False, True):
            for met in (False, True):
                sel = (quality_scored == q) & (cost_scored == c) & (min_met == met)
                if sel.any() and not (q and c and met):
                    text = final_mod.category_note(q, c, met, settings=settings)
                    out[sel] = text + (" Left out of the pool." if met and not (q or c) else "")
    return out
