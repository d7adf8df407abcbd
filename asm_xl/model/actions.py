"""The value of each action, per physician, in dollars (P10 / P50 / P90), with the final-score change.

For every physician and every action that applies (:mod:`asm_xl.model.action_edits`: complete IA-1
or IA-2, PI to 100%, each quality measure one decile better and to its top decile, reach the
completeness threshold, report a measure not reported today (excluded where it has no benchmark), meet
the minimum submission, one cost point better, reach the cost episode minimum) that moves the final
score (one that leaves it at 100, or at 0 with the minimum submission missed, is not listed), a copy of the
physician's inputs is changed and scored again by the cohort API, all copies of a roster in one
vectorized call (:meth:`~asm_xl.model.rescoring.Baseline.rescore_outcomes`). Before and
after are priced by the same pool (:func:`~asm_xl.model.rescoring.pool_for`, by default the national
peer model that :func:`~asm_xl.model.ranges.payment_ranges` uses)::

    final_change      = final after - final before                 (score points)
    factor_pXX_*      = P10 / P50 / P90 of the factor over the pool's draws   [REG 512.750(c)]
    dollars_pXX_*     = factor_pXX_* x Part B payments
    value_pXX         = P10 / P50 / P90 over the draws d of
                        (factor_d(final after) - factor_d(final before)) x Part B payments
    rank              = 1 for the action worth most at P50 within the physician
    label             = the catalogue's, plus "meets the minimum submission" where the core finds it
                        missed before the change and met after it [CMS: missed, final score 0]

``value_pXX`` is the range of what the action is worth: in each simulated national cohort (draw)
the action moves the factor by some amount, and P10 / P50 / P90 are taken over those amounts
[ASSUMPTION: the action changes nothing else of the cohort]. So value_p10 <= value_p50 <= value_p90
always, and value_pXX is not dollars_pXX_after - dollars_pXX_before (the change of the estimate at
that percentile, which need not be ordered); with a given pool (one draw) the two are the same.
Because every draw's factor is non-decreasing in the final score, an action that cannot lower the
final score never has a negative value at any percentile.

>>> import pandas as pd
>>> from asm_xl.model.peers import given_pool
>>> row = dict(cohort="HF", performance_year=2027, practice_size=40, part_b_payments=250_000, ia_done=1,
...            pi_score=1.0, cost_episodes=30, cost_points=8, q236_eligible=100, q236_reported=90, q236_rate=0.72)
>>> a = action_values(pd.DataFrame([row]), pool=given_pool("HF", 2027, scaling_factor=1.7, midpoint=50))
>>> rows = [(r.action, r.measure, round(r.final_change, 4), round(r.value_p50, 2)) for r in a.head(3).itertuples()]
>>> rows[0]
('ia_remaining', '', 10.0, 8556.74)
>>> rows[1:]  # Q008, Q005 not reported: each reported at 5.5 points assumed is 50 x 5.5 / 40 (4 counted)
[('report_measure', 'Q008', 6.875, 5632.38), ('report_measure', 'Q005', 6.875, 5632.38)]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from asm_xl.model.action_catalogue import ACTIONS, Action
from asm_xl.model.action_edits import ActionSet, candidate_actions, normalize_ia_columns
from asm_xl.model.benchmarks import BenchmarkTable
from asm_xl.model.cohort_checks import blank_scalar
from asm_xl.model.errors import ASMInputError
from asm_xl.model.peer_percentiles import sorted_percentiles
from asm_xl.model.peer_pricing import PERCENTILES
from asm_xl.model.peer_threads import side_by_side
from asm_xl.model.rescoring import Baseline, final_scores, minimum_submission, pool_for
from asm_xl.model.settings import DEFAULT_SETTINGS, Settings

__all__ = ["Action", "ACTIONS", "ACTION_COLUMNS", "PRICED_COLUMNS", "action_values", "participant_actions",
           "price_finals", "priced_actions", "change_percentiles", "change_ranges", "prepare_actions"]

#: the columns of :func:`action_values`, in display order
ACTION_COLUMNS = ["row", "npi", "name", "cohort", "performance_year", "part_b_payments", "action", "measure",
                  "label", "change", "source", "effort", "final_before", "final_after", "final_change",
                  "factor_p10_before", "factor_p50_before", "factor_p90_before",
                  "factor_p10_after", "factor_p50_after", "factor_p90_after", "p_gain_before", "p_gain_after",
                  "dollars_p10_before", "dollars_p50_before", "dollars_p90_before",
                  "dollars_p10_after", "dollars_p50_after", "dollars_p90_after",
                  "value_p10", "value_p50", "value_p90", "rank", "note"]
_PRICED = ("factor_p10", "factor_p50", "factor_p90", "p_gain")
#: the columns that price the final scores before and after (not needed for the values or the rank), in
#: :data:`ACTION_COLUMNS` order: a caller that shows them for a few rows prices those by :func:`priced_actions`
PRICED_COLUMNS = tuple(c for c in ACTION_COLUMNS if c.startswith(("factor_", "p_gain_", "dollars_")))


def price_finals(pool, finals) -> dict[str, np.ndarray]:
    """P10 / P50 / P90 factor and P(gain) of each final score, priced once per distinct score by
    :meth:`~asm_xl.model.peers.PoolDraws.price` (the one pricing rule; it prices chunks of scores
    side by side on the shared worker threads, :mod:`~asm_xl.model.peer_threads`)."""
    uniq, inverse = np.unique(np.asarray(finals, dtype=float), return_inverse=True)
    priced = pool.price(uniq)
    return {k: np.asarray(getattr(priced, k))[inverse] for k in _PRICED}


def change_percentiles(pool, before, after, *, chunk: int = 128) -> np.ndarray:
    """(n, 3): P10 / P50 / P90 over the pool's draws of each factor change
    factor_d(after_i) - factor_d(before_i) (``np.percentile``'s numbers: the sorted changes read by
    :func:`~asm_xl.model.peer_percentiles.sorted_percentiles`), once per distinct (before, after)
    (IA-1 and IA-2 of one physician are one), ``chunk`` changes at a time: a block of chunk x draws
    that stays in the CPU's cache (128 x 1,000 draws: 1 MB), the blocks side by side on the shared worker
    threads (:mod:`~asm_xl.model.peer_threads`). Each change is computed on its own, so the numbers do not
    depend on ``chunk``, on the threads or on the other changes."""
    before, after = np.asarray(before, dtype=float), np.asarray(after, dtype=float)
    pairs, which = np.unique(np.stack([before, after], axis=1).reshape(-1, 2), axis=0, return_inverse=True)
    out = np.empty((len(pairs), len(PERCENTILES)))

    def run(lo: int) -> None:
        b, a = pairs[lo:lo + chunk, 0], pairs[lo:lo + chunk, 1]
        uniq, inverse = np.unique(b, return_inverse=True)  # the actions of a physician share one "before"
        change = pool.factors(a)
        change -= pool.factors(uniq)[inverse]
        change.sort(axis=1)
        out[lo:lo + chunk] = sorted_percentiles(change, PERCENTILES).T

    side_by_side(run, range(0, len(pairs), chunk))   # the chunks on the shared worker threads, each its own rows
    return out[which.reshape(-1)]


def change_ranges(cohort, year, before, after, *, pool=None, settings: Settings = DEFAULT_SETTINGS,
                  groups: list | None = None) -> np.ndarray:
    """(n, 3): :func:`change_percentiles` of each row's change of final score, ``before`` -> ``after``, priced by
    the pool of its cohort and performance year (:func:`~asm_xl.model.rescoring.pool_for`; ``groups``: those
    pools already found, as :func:`_groups` gives them)."""
    before, after = np.asarray(before, dtype=float), np.asarray(after, dtype=float)
    change = np.full((before.size, len(PERCENTILES)), np.nan)
    for rows, in_force in groups if groups is not None else _groups(np.asarray(cohort, dtype=object),
                                                                    np.asarray(year).astype(int), pool, settings):
        change[rows] = change_percentiles(in_force, before[rows], after[rows])
    return change


def prepare_actions(participants: pd.DataFrame | Baseline, *, settings: Settings = DEFAULT_SETTINGS,
                    benchmarks: BenchmarkTable | None = None, ladders: dict | None = None,
                    benchmark_source: str = "packaged", cost_ladders: dict | None = None,
                    performance_year: int | None = None, errors: str = "raise") -> tuple[Baseline, list[ActionSet]]:
    """The scored baseline and its applicable actions (what :func:`action_values` and
    :func:`~asm_xl.model.score_needed.path_to_score` start from). ``participants``: roster rows, or a
    :class:`~asm_xl.model.rescoring.Baseline` already built from them with these settings and options
    (not scored again; left as it is: the actions change a copy of its table)."""
    if isinstance(participants, Baseline):
        if participants.settings != settings:   # scored with other settings: its numbers are not these settings'
            raise ASMInputError("settings", "a Baseline built with other settings", "the settings it was built with")
        base = participants.private_copy()
    else:
        base = Baseline.build(participants, settings=settings, benchmarks=benchmarks, ladders=ladders,
                              benchmark_source=benchmark_source, cost_ladders=cost_ladders,
                              performance_year=performance_year, errors=errors)
    normalize_ia_columns(base)
    return base, candidate_actions(base)


def action_values(participants: pd.DataFrame | Baseline, *, settings: Settings = DEFAULT_SETTINGS, pool=None,
                  benchmarks: BenchmarkTable | None = None, ladders: dict | None = None,
                  benchmark_source: str = "packaged", cost_ladders: dict | None = None,
                  performance_year: int | None = None, errors: str = "raise",
                  columns: Sequence[str] = ACTION_COLUMNS) -> pd.DataFrame:
    """One row per applicable (physician, action), columns :data:`ACTION_COLUMNS`, in input order
    and by rank within a physician.

    Parameters are those of :func:`~asm_xl.model.cohort.score_cohort` (``participants`` may also be a
    :class:`~asm_xl.model.rescoring.Baseline` built with them, as :func:`prepare_actions` takes it), plus ``pool`` (see
    :func:`~asm_xl.model.rescoring.pool_for`: None = the national peer model) and ``errors``
    ("raise": the first bad input raises :class:`~asm_xl.model.errors.ASMInputError`; "skip": rows
    with errors get no actions). Physicians without a computable final score or with an exception get
    none; an action after which the final score cannot be computed is left out, and so is one after which
    the minimum submission is still missed where it is missed today (final score 0 before and after [CMS]:
    no effect until the minimum submission is met, which the minimum-submission action does). ``attrs["scored_rows"]``
    of the result: the rows scored without an error (those of them absent from the result have no
    action that applies). ``columns``: those of :data:`ACTION_COLUMNS` wanted, in that order (the same
    numbers); the final scores before and after are priced (:data:`PRICED_COLUMNS`: ``factor_*``, ``p_gain_*``,
    ``dollars_*``, as much work again as the values) only when one of their columns is wanted
    (:func:`priced_actions` adds them later to the rows that need them: the same numbers).
    """
    columns = list(columns)
    unknown = [c for c in columns if c not in ACTION_COLUMNS]
    if unknown:
        raise ASMInputError("columns", unknown[0], f"columns of action_values ({', '.join(ACTION_COLUMNS)})")
    base, sets = prepare_actions(participants, settings=settings, benchmarks=benchmarks, ladders=ladders,
                                 benchmark_source=benchmark_source, cost_ladders=cost_ladders,
                                 performance_year=performance_year, errors=errors)
    if not sets:
        res = pd.DataFrame({c: pd.Series(dtype=object if c in _TEXT else float) for c in columns})
        res.attrs["scored_rows"] = base.df.index.tolist()
        return res
    after, met_after = base.rescore_outcomes(_changed_copies(base, sets))
    pos = np.concatenate([a.positions for a in sets])
    before = final_scores(base.scores)[pos]
    # the label says so where the change meets the minimum submission missed today: the core's own
    # outcome before and after, not a restated rule
    missed_before = ~minimum_submission(base.scores)[pos]
    meets = met_after & missed_before
    # an action after which the minimum submission is still missed changes nothing (final score 0 before
    # and after [CMS]): it does not apply until the minimum submission is met, which its own action does
    keep = np.isfinite(after) & ~(missed_before & ~met_after)
    out = {
        "pos": pos, "action": np.concatenate([[a.action] * a.positions.size for a in sets]),
        "measure": np.concatenate([[a.measure] * a.positions.size for a in sets]),
        "effort": np.concatenate([a.effort for a in sets]), "note": np.concatenate([a.note for a in sets]),
        "order": np.concatenate([[i] * a.positions.size for i, a in enumerate(sets)]),
        "final_before": before, "final_after": after, "meets": meets,
    }
    out = _one_of_each_change({k: np.asarray(v)[keep] for k, v in out.items()})
    res = _table(base, out, pool, settings, columns)
    res.attrs["scored_rows"] = base.df.index.tolist()
    return res


def _one_of_each_change(out: dict) -> dict:
    """``out`` without a minimum-submission action that completes a measure whose own action (completeness, which
    then says it meets the minimum submission) gives the same final score: one change listed twice, at one value.
    The action that names the measure is kept."""
    rows = list(zip(out["pos"].tolist(), out["measure"].tolist(), out["final_after"].tolist(), out["action"].tolist()))
    named = {(p, m, f) for p, m, f, a in rows if m and a != "minimum_submission"}
    twice = np.array([bool(m) and a == "minimum_submission" and (p, m, f) in named for p, m, f, a in rows], dtype=bool)
    return {k: v[~twice] for k, v in out.items()} if twice.any() else out


def _changed_copies(base: Baseline, sets: list[ActionSet]) -> pd.DataFrame:
    """Every action's changed copies in one table, the actions one after another (catalogue order)."""
    changes: dict[str, list] = {}
    stop = 0
    for a in sets:
        start, stop = stop, stop + a.positions.size
        for col, values in a.edits.items():
            changes.setdefault(col, []).append((start, stop, values))
    return base.changed_copies(np.concatenate([a.positions for a in sets]), changes)


_TEXT = {"row", "npi", "name", "cohort", "action", "measure", "label", "change", "source", "note"}


def _table(base: Baseline, out: dict, pool, settings: Settings, columns: list[str]) -> pd.DataFrame:
    pos, before, after = out["pos"], out["final_before"], out["final_after"]
    cohort = base.cohort[pos]
    year = base.years[pos].astype(int)
    pay = np.nan_to_num(base.parsed["part_b_payments"][pos])
    groups = _groups(cohort, year, pool, settings)
    change = change_ranges(cohort, year, before, after, groups=groups)
    priced = _before_after(groups, before, after, pay) if not set(PRICED_COLUMNS).isdisjoint(columns) else {}
    df = base.df

    def text(col: str) -> np.ndarray | None:
        """The column's cells at ``pos`` as text ("" blank), as ``astype(str)`` writes them; None where
        the column is not wanted."""
        if col not in columns:
            return None
        if col not in df.columns:
            return np.full(pos.size, "", dtype=object)
        cells = df[col].to_numpy(dtype=object)[pos]
        return np.array(["" if blank_scalar(v) else v if isinstance(v, str) else str(v) for v in cells.tolist()],
                        dtype=object)

    keys = list(zip(out["action"], out["measure"], out["meets"].tolist()))
    texts = {(a, m, met): (ACTIONS[a].text(m, meets_minimum_submission=met), ACTIONS[a].change_text(m),
                           ACTIONS[a].source_text(settings)) for a, m, met in set(keys)}
    label, what, source = ([texts[k][i] for k in keys] for i in range(3))  # (once per action and measure)
    table = {"row": df.index.to_numpy()[pos], "npi": text("npi"), "name": text("name"), "cohort": cohort,
             "performance_year": year, "part_b_payments": pay, "action": out["action"], "measure": out["measure"],
             "label": label, "change": what, "source": source, "effort": out["effort"],
             "final_before": before, "final_after": after, "final_change": after - before, **priced}
    for i, p in enumerate(("p10", "p50", "p90")):
        table[f"value_{p}"] = change[:, i] * pay
    table["note"] = out["note"]
    # by physician (input order), then value at P50 and final-score change (larger first), then
    # catalogue order; np.lexsort is stable, sorts NaN last and holds -0.0 equal to 0.0, as
    # DataFrame.sort_values(kind="stable") does
    order = np.lexsort((out["order"], -table["final_change"], -table["value_p50"], pos))
    # an action that leaves the final score where it is (at 100, or 0 with the minimum submission missed)
    # is worth nothing in any draw: it does not apply, and is never a physician's "most valuable action"
    order = order[table["final_change"][order] != 0.0]
    ranked = {c: np.array([v[i] for i in order], dtype=object) if isinstance(v, list) else np.asarray(v)[order]
              for c, v in table.items() if c in columns}   # text columns stay text when no action applies
    ranked["rank"] = _rank_within(pos[order])
    return pd.DataFrame({c: ranked[c] for c in columns}, index=pd.RangeIndex(order.size))


def _groups(cohort: np.ndarray, year: np.ndarray, pool, settings: Settings) -> list[tuple[np.ndarray, object]]:
    """(rows, the pool that prices them: :func:`~asm_xl.model.rescoring.pool_for`) of each cohort and
    performance year among the rows, in that order."""
    return [((cohort == code) & (year == y), pool_for(code, y, pool, settings))
            for code, y in sorted(set(zip(cohort.tolist(), year.tolist())))]


def _before_after(groups: list, before: np.ndarray, after: np.ndarray, pay: np.ndarray) -> dict[str, np.ndarray]:
    """:data:`PRICED_COLUMNS` of rows with final scores ``before`` and ``after`` and Part B payments ``pay``:
    both final scores priced by the pool of each group of rows (:func:`_groups`; :func:`price_finals`),
    ``dollars_pXX_* = factor_pXX_* x pay``; each row's numbers depend on its own scores and pool only."""
    priced = {f"{k}_{w}": np.full(before.size, np.nan) for k in _PRICED for w in ("before", "after")}
    for rows, in_force in groups:
        both = price_finals(in_force, np.concatenate([before[rows], after[rows]]))
        k = int(rows.sum())
        for name, v in both.items():
            priced[f"{name}_before"][rows], priced[f"{name}_after"][rows] = v[:k], v[k:]
    for p in ("p10", "p50", "p90"):
        for w in ("before", "after"):
            priced[f"dollars_{p}_{w}"] = priced[f"factor_{p}_{w}"] * pay
    return {c: priced[c] for c in PRICED_COLUMNS}


def priced_actions(actions: pd.DataFrame, *, pool=None, settings: Settings = DEFAULT_SETTINGS) -> pd.DataFrame:
    """``actions``, rows of :func:`action_values` (with at least ``cohort``, ``performance_year``,
    ``part_b_payments``, ``final_before`` and ``final_after``) asked without :data:`PRICED_COLUMNS`, with
    those columns added, the columns in :data:`ACTION_COLUMNS` order: each row's numbers are those
    :func:`action_values` with the same ``pool`` and ``settings`` gives it (:func:`_before_after`), so a
    caller that shows a few rows prices only those. ``actions`` that have them all are returned as they are."""
    if set(PRICED_COLUMNS) <= set(actions.columns):
        return actions
    cohort = actions["cohort"].to_numpy(dtype=object)
    year = actions["performance_year"].to_numpy().astype(int)
    priced = _before_after(_groups(cohort, year, pool, settings), actions["final_before"].to_numpy(dtype=float),
                           actions["final_after"].to_numpy(dtype=float),
                           actions["part_b_payments"].to_numpy(dtype=float))
    out = actions.assign(**priced)
    return out[[c for c in ACTION_COLUMNS if c in out.columns] + [c for c in actions.columns if c not in ACTION_COLUMNS]]


def _rank_within(physician: np.ndarray) -> np.ndarray:
    """1, 2, ... along each run of equal ``physician`` values (rows sorted by physician)."""
    at = np.arange(physician.size)
    first = np.ones(physician.size, dtype=bool)
    first[1:] = physician[1:] != physician[:-1]
    return at - np.maximum.accumulate(np.where(first, at, 0)) + 1


def participant_actions(participant: Mapping | pd.Series, **kwargs) -> pd.DataFrame:
    """:func:`action_values` of one physician (a roster row as a mapping), by the same code."""
    return action_values(pd.DataFrame([dict(participant)]), **kwargs)
