"""The score needed: break-even, the score for a chosen chance of a gain, and the cheapest way there.

Break-even is the final score at which the P50 payment adjustment factor is 0. Each draw d of the
pool prices a final score s > 0 as ``factor_d(s) = r x TFS(s; k_d, m_d) x SF_d - r`` (bounded to
[-r, r]) [REG 512.750(c)][ASSUMPTION logistic TFS], non-decreasing in s, so its percentiles over the
draws and the share of draws with a gain (``p_gain``) are non-decreasing in s too. The score needed
is therefore the smallest s in [0, 100] where the monotone condition holds, found by a vectorized
bracketing search on :meth:`~asm_xl.model.peers.PoolDraws.price` (each step prices 64 scores at once
and keeps the sub-interval where the condition turns true, down to 1e-10 points). Why not a closed
form: with one draw (a given pool) break-even is ``s = m - ln(SF - 1) / k`` (SF > 1), but a
percentile over many draws interpolates between two draws' curves that change with s, and ``p_gain``
is a step function; the search on the one pricing rule is exact for both to its tolerance, and the
tests check it against the closed form.

:func:`path_to_score` finds the cheapest combination of a physician's applicable actions
(:mod:`asm_xl.model.actions`) whose re-scored final score reaches a target, cost = the sum of the
actions' effort weights [ASSUMPTION ``action_effort_*`` settings]. All combinations are scored
(one vectorized call) when there are at most ``max_combinations`` (65,536: ~1 s; a measure's "one decile" and "top
decile" are alternatives, not both); otherwise actions are added greedily by final-score gain per
unit of effort until the target is reached (not guaranteed cheapest; ``method`` says which).

>>> from asm_xl.model.peers import given_pool
>>> round(break_even_score("HF", 2027, pool=given_pool("HF", 2027, scaling_factor=1.7, midpoint=50)), 6)
53.566749
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from asm_xl.model.action_catalogue import ACTIONS
from asm_xl.model.actions import change_ranges, prepare_actions, priced_actions
from asm_xl.model.errors import ASMInputError
from asm_xl.model.rescoring import final_scores, pool_for
from asm_xl.model.settings import DEFAULT_SETTINGS, Settings
from asm_xl.model.total_ranges import total_ranges
from asm_xl.model.validation import as_number

__all__ = ["break_even_score", "score_for_gain_chance", "scores_needed", "path_to_score", "ScorePath", "plan_worth",
           "PLAN_WORTH_COLUMNS"]

_TOLERANCE = 1e-10


def _smallest_score(holds) -> float | None:
    """Smallest s in [0, 100] where the monotone condition ``holds(s_array)`` is true (to 1e-10); None
    when it is false even at 100."""
    if not holds(np.array([100.0]))[0]:
        return None
    if holds(np.array([0.0]))[0]:
        return 0.0
    lo, hi = 0.0, 100.0
    while hi - lo > _TOLERANCE:
        grid = np.linspace(lo, hi, 66)[1:-1]
        ok = holds(grid)
        first = int(np.argmax(ok)) if ok.any() else grid.size
        lo, hi = (grid[first - 1] if first > 0 else lo), (grid[first] if first < grid.size else hi)
    return float(hi)


def break_even_score(cohort: str, performance_year: int, *, percentile: int = 50, pool=None,
                     settings: Settings = DEFAULT_SETTINGS) -> float | None:
    """Smallest final score whose P``percentile`` factor (10, 50 or 90) is >= 0; None if even 100 loses."""
    if percentile not in (10, 50, 90):
        raise ASMInputError("percentile", percentile, "10, 50 or 90")
    p = pool_for(cohort, performance_year, pool, settings)
    return _smallest_score(lambda s: getattr(p.price(s), f"factor_p{percentile}") >= 0.0)


def score_for_gain_chance(cohort: str, performance_year: int, target: float | None = None, *, pool=None,
                          settings: Settings = DEFAULT_SETTINGS) -> float | None:
    """Smallest final score with P(gain) >= ``target`` (default ``settings.gain_chance_target``): the
    share of the pool's draws with a positive factor; None if even 100 does not reach it."""
    t = settings.gain_chance_target if target is None else as_number("target", target, minimum=0.0, maximum=1.0,
                                                                      allowed="a chance between 0 and 1 (80% is 0.80)")
    p = pool_for(cohort, performance_year, pool, settings)
    return _smallest_score(lambda s: p.price(s).p_gain >= t - 1e-12)


def scores_needed(scores: pd.DataFrame, *, target: float | None = None, pool=None,
                  settings: Settings = DEFAULT_SETTINGS) -> pd.DataFrame:
    """Per row of :func:`~asm_xl.model.cohort.score_cohort`'s scores: ``break_even_score``,
    ``gain_target_score`` (P(gain) >= target), ``points_to_break_even`` and ``points_to_gain_target``
    (0 when already there). ``<NA>`` where not reachable or the final score is not computable."""
    final = final_scores(scores)
    cohort = scores["cohort"].astype(str).to_numpy()
    year = scores["performance_year"].astype(int).to_numpy()
    be, gt = np.full(len(scores), np.nan), np.full(len(scores), np.nan)
    for code, y in sorted(set(zip(cohort.tolist(), year.tolist()))):
        rows = (cohort == code) & (year == y)
        b = break_even_score(code, y, pool=pool, settings=settings)
        g = score_for_gain_chance(code, y, target, pool=pool, settings=settings)
        be[rows], gt[rows] = np.nan if b is None else b, np.nan if g is None else g
    out = {"break_even_score": be, "gain_target_score": gt,
           "points_to_break_even": np.maximum(be - final, 0.0), "points_to_gain_target": np.maximum(gt - final, 0.0)}
    return pd.DataFrame({k: pd.array(np.where(np.isnan(v), None, v).tolist() if np.isnan(v).any() else v,
                                     dtype="Float64") for k, v in out.items()}, index=scores.index)


@dataclass(frozen=True)
class ScorePath:
    """The cheapest combination of actions that reaches ``target_score`` (or the best there is).

    ``reachable`` False: no combination reaches the target; ``actions`` then give
    ``best_reachable_score`` (the highest final score any combination gives, cheapest such)."""

    reachable: bool
    target_score: float
    final_before: float
    final_after: float
    best_reachable_score: float
    actions: tuple[tuple[str, str], ...]   #: (action id, measure)
    labels: tuple[str, ...]
    effort: float
    method: str                            #: "exhaustive (N combinations)" or "greedy"

    @property
    def summary(self) -> str:
        if not self.actions:
            return "already there" if self.reachable else "not reachable"
        head = "" if self.reachable else f"not reachable (best {self.best_reachable_score:.2f}): "
        return head + "; ".join(self.labels)


def path_to_score(participant, target_score: float, *, settings: Settings = DEFAULT_SETTINGS,
                  max_combinations: int = 65_536, **score_options) -> ScorePath:
    """Cheapest combination of the physician's applicable actions whose final score reaches
    ``target_score`` (e.g. :func:`break_even_score`). ``participant``: a roster row (mapping or
    Series) or a one-row table; ``score_options``: benchmarks, ladders, benchmark_source,
    cost_ladders, performance_year, as for :func:`~asm_xl.model.cohort.score_cohort`."""
    target = as_number("target_score", target_score, minimum=0.0, maximum=100.0,
                       allowed="a final score between 0 and 100")
    frame = participant if isinstance(participant, pd.DataFrame) else pd.DataFrame([dict(participant)])
    if len(frame) != 1:
        raise ASMInputError("participant", f"{len(frame)} rows", "one physician's row")
    base, sets = prepare_actions(frame, settings=settings, **score_options)
    before = float(final_scores(base.scores)[0]) if len(base.df) else np.nan
    if not np.isfinite(before):
        raise ASMInputError("final_score", None, "a physician whose final score can be computed "
                            "(quality or cost scored)")
    groups: dict[tuple, list[int]] = {}
    for i, a in enumerate(sets):
        key = ("quality", a.measure) if a.action in ("quality_decile", "quality_top") else (i,)
        groups.setdefault(key, []).append(i)
    count = int(np.prod([len(g) + 1 for g in groups.values()]))
    if count <= max_combinations:
        picks = np.array([[i in combo for i in range(len(sets))] for combo in
                          itertools.product(*[[None] + g for g in groups.values()])], dtype=bool).reshape(count, len(sets))
        finals = _score_combinations(base, sets, picks)
        method = f"exhaustive ({count} combinations)"
    else:
        picks, finals = _greedy(base, sets, groups, target, before)
        method = "greedy"
    effort = picks.astype(float) @ np.array([float(a.effort[0]) for a in sets]) if sets else np.zeros(len(picks))
    reach = finals >= target - 1e-9
    if reach.any():
        best = np.flatnonzero(reach)[np.lexsort((-finals[reach], effort[reach]))[0]]
    else:
        top = np.flatnonzero(finals >= np.nanmax(finals) - 1e-9)
        best = top[np.argmin(effort[top])]
    chosen = [sets[i] for i in np.flatnonzero(picks[best])]
    # an action's note says what else it changes (the minimum submission completes a measure: the plan needs it)
    labels = tuple(ACTIONS[a.action].text(a.measure) + (f" ({a.note[0]})" if len(a.note) and str(a.note[0]) else "")
                   for a in chosen)
    return ScorePath(bool(reach.any()), target, before, float(finals[best]), float(np.nanmax(finals)),
                     tuple((a.action, a.measure) for a in chosen), labels, float(effort[best]), method)


def _score_combinations(base, sets, picks: np.ndarray) -> np.ndarray:
    """Final score of the physician with each row of ``picks`` (which actions) applied, in catalogue order."""
    frame = base.copies(np.zeros(len(picks), dtype=int)).reset_index(drop=True)
    for i, a in enumerate(sets):
        for col, values in a.edits.items():
            if col not in frame.columns:
                frame[col] = pd.Series([None] * len(frame), dtype=object)
            frame[col] = frame[col].astype(object)
            frame.loc[picks[:, i], col] = values[0]
    finals = base.rescore(frame)
    return np.where(np.isfinite(finals), finals, -np.inf)


def _greedy(base, sets, groups: Mapping, target: float, before: float):
    """Add the action with the most final-score gain per unit of effort until the target is reached."""
    group_of = {i: k for k, g in groups.items() for i in g}
    weights = np.array([float(a.effort[0]) for a in sets])
    chosen = np.zeros(len(sets), dtype=bool)
    rows, finals, current = [chosen.copy()], [before], before
    while current < target - 1e-9:
        # any action not taken; one of a group replaces the one taken (a measure's one decile -> its top decile)
        free = [i for i in range(len(sets)) if not chosen[i]]
        if not free:
            break
        trial = np.repeat(chosen[None, :], len(free), axis=0)
        for row, i in enumerate(free):
            trial[row, groups[group_of[i]]] = False
            trial[row, i] = True
        got = _score_combinations(base, sets, trial)
        gain = got - current
        rate = gain / np.maximum(trial.astype(float) @ weights - chosen.astype(float) @ weights, 1e-12)
        if not (gain > 1e-12).any():
            break
        k = int(np.argmax(np.where(gain > 1e-12, rate, -np.inf)))
        chosen, current = trial[k], float(got[k])
        rows.append(chosen.copy())
        finals.append(current)
    return np.array(rows), np.array(finals)


#: the columns :func:`plan_worth` gives each plan (the names :func:`~asm_xl.model.actions.action_values` gives them)
PLAN_WORTH_COLUMNS = ["dollars_p50_before", "dollars_p50_after", "p_gain_before", "p_gain_after",
                      "value_p10", "value_p50", "value_p90"]


def plan_worth(plans: pd.DataFrame, *, pool=None, settings: Settings = DEFAULT_SETTINGS) -> tuple[pd.DataFrame, pd.Series]:
    """What each physician's plan is worth, and what the plans are worth together.

    ``plans``: one row per physician with ``cohort``, ``performance_year``, ``part_b_payments``,
    ``final_before`` (today's final score) and ``final_after`` (with the plan's actions, e.g.
    :attr:`ScorePath.final_after`); ``pool``: as :func:`~asm_xl.model.rescoring.pool_for` takes it. Each
    row is priced as one action is (:mod:`asm_xl.model.actions`), the plan being one change of the final score::

        dollars_p50_*  = P50 over the draws d of factor_d(final) x Part B payments      (before, after)
        p_gain_*       = share of the draws with factor_d(final) > 0
        value_pXX      = P10 / P50 / P90 over d of (factor_d(after) - factor_d(before)) x Part B payments

    and the plans together (a Series p10, p50, p90, mean), added up draw by draw
    (:func:`~asm_xl.model.total_ranges.total_ranges`): the percentiles over d of
    sum_i (factor_d(after_i) - factor_d(before_i)) x payments_i, not the sum of the physicians' own percentiles.
    A plan that leaves the final score where it is (already there) is worth 0.

    >>> from asm_xl.model.peers import given_pool
    >>> plans = pd.DataFrame({"cohort": ["HF"], "performance_year": [2027], "part_b_payments": [250_000.0],
    ...                       "final_before": [40.0], "final_after": [60.0]})
    >>> rows, total = plan_worth(plans, pool=given_pool("HF", 2027, scaling_factor=1.7, midpoint=50))
    >>> [round(float(x), 2) for x in (rows.loc[0, "dollars_p50_before"], rows.loc[0, "dollars_p50_after"], total["p50"])]
    [-12212.99, 5462.99, 17675.98]

    (one draw: TFS(40) = 1/(1 + e) = 0.268941, factor 0.09 x 0.268941 x 1.7 - 0.09 = -0.048852, x $250,000;
    TFS(60) = 1/(1 + 1/e) = 0.731059, factor +0.021852.)
    """
    frame = plans[["cohort", "performance_year", "part_b_payments", "final_before", "final_after"]].reset_index(drop=True)
    pay = frame["part_b_payments"].to_numpy(dtype=float)
    before, after = frame["final_before"].to_numpy(dtype=float), frame["final_after"].to_numpy(dtype=float)
    priced = priced_actions(frame, pool=pool, settings=settings)
    cohort, year = frame["cohort"].astype(str).to_numpy(), frame["performance_year"].astype(int).to_numpy()
    value = change_ranges(cohort, year, before, after, pool=pool, settings=settings) * pay[:, None]
    out = priced[["dollars_p50_before", "dollars_p50_after", "p_gain_before", "p_gain_after"]].copy()
    out["value_p10"], out["value_p50"], out["value_p90"] = value[:, 0], value[:, 1], value[:, 2]
    # each plan once at its payments after and once at minus them before: a total of the changes, draw by draw
    both = pd.DataFrame({"cohort": np.concatenate([cohort, cohort]), "performance_year": np.concatenate([year, year]),
                         "final_score": np.concatenate([after, before]), "payments_base": np.concatenate([pay, -pay]),
                         "priced": True})
    total = total_ranges(both, {"plans": np.ones(len(both), dtype=bool)}, pool=pool, settings=settings).loc["plans"]
    return out[PLAN_WORTH_COLUMNS], total
