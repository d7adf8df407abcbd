"""Score changed copies of participants exactly as the originals were scored, and find the pool that
prices a cohort and performance year.

What-if answers (the value of an action, the cheapest path to a score) change some inputs of a
participant and score the changed copy again. The copy must meet the **same** benchmarks as the
original: a ladder built from the cohort's own rates (``benchmark_source="cohort"``) or from its
episode costs must not be rebuilt from a table of copies. :class:`Baseline` therefore scores the
participants once with :func:`~asm_xl.model.cohort.score_cohort` and :meth:`Baseline.rescore` scores
any table of changed copies with the ladders that run used, fixed. No scoring rule lives here: every
number comes from the cohort API.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
import pandas as pd

from asm_xl.model.benchmarks import BenchmarkTable, LadderOverrides, packaged_benchmarks
from asm_xl.model.cohort import CohortResult, score_checked, score_cohort
from asm_xl.model.cost_ladders import given_cost_ladder
from asm_xl.model.columns import all_columns
from asm_xl.model.cohort_checks import Checker
from asm_xl.model import exceptions
from asm_xl.model.errors import ASMInputError
from asm_xl.model.parameters import cohorts, get_cohort
from asm_xl.model.peers import PoolDraws
from asm_xl.model.pool_choice import pricing_pool
from asm_xl.model.settings import DEFAULT_SETTINGS, Settings

__all__ = ["Baseline", "pool_for", "final_scores", "final_score_settings", "minimum_submission"]


def pool_for(cohort: str, performance_year: int, pool=None, settings: Settings = DEFAULT_SETTINGS) -> PoolDraws:
    """The pool that prices a cohort and performance year.

    ``pool`` None: the pool in force (:func:`~asm_xl.model.pool_choice.pricing_pool`: the national
    peer model, or the given one), as :func:`~asm_xl.model.ranges.payment_ranges` uses; a
    :class:`PoolDraws` (e.g. :func:`~asm_xl.model.peers.given_pool`): used for its own cohort and
    year, the pool in force otherwise; a mapping ``{(cohort, year): PoolDraws}``: its entry, else
    the pool in force.
    """
    code, year = get_cohort(cohort).code, int(performance_year)
    if isinstance(pool, PoolDraws):
        if (pool.cohort, pool.performance_year) == (code, year):
            return pool
    elif isinstance(pool, Mapping):
        found = pool.get((code, year))
        if found is not None:
            return found
    elif pool is not None:
        raise ASMInputError("pool", pool, "a PoolDraws, a mapping {(cohort, year): PoolDraws} or None")
    return pricing_pool(code, year, settings)


def final_score_settings(settings: Settings) -> Settings:
    """``settings`` for computing final scores only: the pool never moves a final score, so any scaling
    factor and midpoint do; a given one, so that a roster pool or a cohort-median midpoint needs no cohort."""
    return settings.replace(pool="given", given_scaling_factor=1.0, given_midpoint=settings.tfs_midpoint)


def final_scores(scores: pd.DataFrame) -> np.ndarray:
    """The ``final_score`` column of cohort scores as floats (NaN: not computable)."""
    return pd.to_numeric(scores["final_score"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def minimum_submission(scores: pd.DataFrame) -> np.ndarray:
    """The ``minimum_submission_met`` column of cohort scores as booleans."""
    return scores["minimum_submission_met"].astype(bool).to_numpy()


@dataclass
class Baseline:
    """Participants as scored today, with their parsed inputs (for deciding which changes apply).

    ``df``: the input table, columns case-folded, in input order; ``scores``: the cohort API's scores
    aligned with ``df`` (rows with errors are dropped from both, or raise, see :meth:`build`);
    ``inputs``: parsed per measure (:func:`~asm_xl.model.cohort_checks.measure_inputs`), ``ia_done``,
    ``cohort``; ``parsed``: other inputs as floats (NaN blank) and the exception flag.
    """

    df: pd.DataFrame
    scores: pd.DataFrame
    result: CohortResult
    inputs: dict
    ia_done: np.ndarray
    cohort: np.ndarray
    parsed: dict
    settings: Settings
    benchmarks: BenchmarkTable
    ladders: dict | None
    benchmark_source: str
    #: the cost ladders given to :meth:`build` ({cohort: Ladder or None}), used by :meth:`rescore` even
    #: where no baseline row needed one (a copy that reaches the episode minimum is scored on it)
    cost_ladders: dict | None = None

    @classmethod
    def build(cls, participants: pd.DataFrame, *, settings: Settings = DEFAULT_SETTINGS,
              benchmarks: BenchmarkTable | None = None, ladders: dict | None = None,
              benchmark_source: str = "packaged", cost_ladders: dict | None = None,
              performance_year: int | None = None, errors: str = "raise") -> "Baseline":
        """Score ``participants`` once. ``errors="raise"``: the first bad value raises
        :class:`ASMInputError` (row, column, value, reason); ``"skip"``: rows with errors are left out."""
        if errors not in ("raise", "skip"):
            raise ASMInputError("errors", errors, "raise or skip")
        table = benchmarks or packaged_benchmarks()
        df = participants.copy()
        df.columns = [str(c).strip().casefold() for c in df.columns]
        source = participants
        if not df.columns.duplicated().any():  # (duplicates: score_cohort says so)
            read = Checker(df)
            typed = _typed_copy(df, read)
            if not read.errors:  # every cell read: score the typed copy (the same values, read once)
                source = df = typed
        result, checked = score_checked(source, settings=settings, benchmarks=table, ladders=ladders,
                                        benchmark_source=benchmark_source, cost_ladders=cost_ladders,
                                        performance_year=performance_year)
        if len(result.errors) and errors == "raise":
            e = result.errors.iloc[0]
            where = f"row {e['row']}: " if len(participants) > 1 else ""   # one physician (ASM_ACTIONS): no row
            raise ASMInputError(str(e["column"]), e["value"], f"{where}{e['reason']}")
        # the inputs below are those the scoring read (its checker's reads are kept: nothing is read
        # twice; what it reports now changes nothing), of the rows kept
        chk = checked.checker
        if source is participants:
            df = _typed_copy(chk.df, chk)
        keep = np.ones(len(df), dtype=bool)
        if performance_year is not None:
            year = pd.to_numeric(df.get("performance_year"), errors="coerce") if "performance_year" in df else None
            df["performance_year"] = performance_year if year is None else year.fillna(performance_year)
        scores = result.scores
        if len(scores) != len(df):  # rows with errors left out (the scores are in input order)
            if df.index.has_duplicates:   # which of two rows labelled alike was left out cannot be told
                dup = sorted({str(v) for v in df.index[df.index.duplicated()]})
                raise ASMInputError("index", ", ".join(dup[:5]), "unique row labels when rows with errors are left "
                                    "out (errors='skip'): reset the index first (df.reset_index(drop=True))")
            keep = df.index.isin(scores.index)
            df = df.loc[keep]
            scores = scores.loc[df.index]
        allowed = "(checked by score_cohort)"
        parsed = {name: chk.number(name, allowed=allowed) for name in
                  ("cost_episodes", "cost_points", "episode_cost", "part_b_payments")}
        parsed["pi_score"] = chk.number("pi_score", allowed=allowed, percent=True)
        parsed["ia_count_given"] = ~chk.blank("ia_done")
        parsed["ia1"] = np.nan_to_num(chk.boolean("ia1_done", default=False))
        parsed["ia2"] = np.nan_to_num(chk.boolean("ia2_done", default=False))
        parsed["excepted"] = exceptions.excepted(chk.boolean("euc_exception", default=False),
                                                 chk.boolean("payment_exception", default=False), settings=settings)
        parsed = {name: v[keep] for name, v in parsed.items()}
        inputs = {code: {mid: {k: v[keep] for k, v in mi.items()} for mid, mi in measures.items()}
                  for code, measures in checked.measures.items()}
        return cls(df, scores, result, inputs, checked.ia_done[keep], checked.cohort[keep], parsed, settings,
                   table, ladders, benchmark_source, cost_ladders)

    def private_copy(self) -> "Baseline":
        """This baseline with its own ``df`` and ``parsed`` (a copy), so that changing them in place (as
        :func:`~asm_xl.model.action_edits.normalize_ia_columns` does) leaves this one as it is."""
        return replace(self, df=self.df.copy(), parsed=dict(self.parsed))

    @cached_property
    def years(self) -> np.ndarray:
        """The performance year of each row of ``df`` as floats (read once)."""
        return pd.to_numeric(self.df["performance_year"], errors="coerce").to_numpy()

    def year_ladders(self, year: int) -> tuple[dict, dict]:
        """({(measure, collection type): Ladder}, {cohort: cost Ladder}) the baseline used in ``year``,
        with the cost ladders it was given."""
        quality = {}
        cost = {code: ladder for code in cohorts()
                if (ladder := given_cost_ladder(self.cost_ladders, code, year)) is not None}
        for (code, y, label, ctype), ladder in self.result.ladders.items():
            if y != year:
                continue
            if ctype == "cost":
                cost[code] = ladder
            else:
                quality[(label, ctype)] = ladder
        return quality, cost

    def quality_ladder(self, measure, collection_type: str, year: int):
        """The ladder on which :meth:`rescore` would score a copy's rate of ``measure`` (a
        :class:`~asm_xl.model.parameters.Measure`) in ``collection_type`` and ``year``; None: there is
        none, and a copy's rate would be excluded (NO_BENCHMARK) [spec 8.1]. With cohort-built ladders:
        the one the baseline built (none where nobody was scored on one); otherwise the overrides, else
        the table (as :func:`~asm_xl.model.cohort.score_cohort` looks it up)."""
        if self.benchmark_source == "cohort":
            return self.year_ladders(year)[0].get((measure.label, collection_type))
        return (LadderOverrides(self.ladders).get(measure.id, collection_type)
                or self.benchmarks.find(measure.id, collection_type, self.settings.benchmark_year))

    def cost_ladder(self, code: str, year: int):
        return self.year_ladders(year)[1].get(code)

    def rescore(self, frame: pd.DataFrame) -> np.ndarray:
        """Final scores of changed copies (a table in ``df``'s columns), with the baseline's ladders
        (:meth:`rescore_outcomes`'s first array)."""
        return self.rescore_outcomes(frame)[0]

    def rescore_outcomes(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """(final score, minimum submission met) of changed copies (a table in ``df``'s columns), as the
        cohort API scores them with the baseline's ladders (NaN / False where a copy has no score).

        With packaged benchmarks the copies use the same table and overrides; with cohort-built
        ladders they use exactly the ladders the baseline built (an empty table behind them, so a
        measure that had no ladder still has none). An episode cost of a cohort and year for which the
        baseline built no cost ladder stays unscored (as in the baseline): copies are scored with every
        cohort's cost ladder given (None where there is none), so no ladder is ever built from copies. Identifiers are dropped: a
        copy is not a duplicate participant.
        """
        out, met = np.full(len(frame), np.nan), np.zeros(len(frame), dtype=bool)
        if not len(frame):
            return out, met
        drop = [c for c in _IDENTIFIERS if c in frame.columns]
        if drop:
            frame = frame.drop(columns=drop)
        if not frame.index.equals(pd.RangeIndex(len(frame))):
            frame = frame.reset_index(drop=True)
        years = pd.to_numeric(frame["performance_year"], errors="coerce").to_numpy()
        for year in np.unique(years):
            rows = np.flatnonzero(years == year)
            quality, cost = self.year_ladders(int(year))
            part = frame if rows.size == len(frame) else frame.iloc[rows]  # (score_cohort copies it)
            if self.benchmark_source == "cohort":
                table, overrides = BenchmarkTable([]), quality
            else:
                table, overrides = self.benchmarks, self.ladders
            # every cohort's cost ladder given (None: none), so no ladder is built from copies; the
            # settings stay the baseline's (the same pool in force, not a second national draw)
            res = score_cohort(part, settings=self.settings, benchmarks=table, ladders=overrides,
                               cost_ladders={(code, int(year)): cost.get(code) for code in cohorts()},
                               columns=("final_score", "minimum_submission_met"))
            if len(res.errors):  # a change this package made is invalid: a bug, not the user's input
                e = res.errors.iloc[0]
                raise RuntimeError(f"a what-if copy did not score: {e['column']} = {e['value']!r}: {e['reason']}")
            at = res.scores.index.to_numpy()  # (the index: positions in frame)
            out[at] = final_scores(res.scores)
            met[at] = minimum_submission(res.scores)
        return out, met

    def copies(self, positions: np.ndarray) -> pd.DataFrame:
        """Copies of the participants at ``positions`` (to change, then :meth:`rescore`)."""
        return self.df.iloc[positions].copy()

    def changed_copies(self, positions: np.ndarray, changes: Mapping[str, list]) -> pd.DataFrame:
        """Copies of the participants at ``positions`` (index 0..n-1, identifiers left out) with
        ``changes``: ``{column: [(start, stop, values), ...]}`` sets copies ``start:stop`` of the column
        to ``values``; other copies keep the participant's value (blank where ``df`` has no such
        column). The same values as concatenating, per slice, :meth:`copies` with the columns set,
        built column by column in one table (the copies of a whole roster's actions, for :meth:`rescore`)."""
        positions = np.asarray(positions, dtype=np.intp)
        n = positions.size
        columns = {}
        for col in [c for c in self.df.columns if c not in _IDENTIFIERS] + [c for c in changes if c not in self.df]:
            column = self.df[col] if col in self.df.columns else None
            if col not in changes:
                columns[col] = (column.to_numpy()[positions] if isinstance(column.dtype, np.dtype)
                                else column.array.take(positions))
                continue
            pieces = [(lo, hi, np.asarray(v)) for lo, hi, v in changes[col]]
            base = None if column is None else column.to_numpy()
            kinds = {v.dtype.kind for _, _, v in pieces}
            if base is not None and base.dtype.kind in "iuf" and kinds <= set("iuf"):
                out = base[positions].astype(np.result_type(base.dtype, *(v.dtype for _, _, v in pieces)))
            elif base is None and kinds == {"f"}:
                out = np.full(n, np.nan)
            else:  # mixed kinds: Python objects, as a concatenation of differently typed columns holds them
                out = np.full(n, np.nan, dtype=object) if base is None else base.astype(object)[positions]
            for lo, hi, v in pieces:
                out[lo:hi] = v
            columns[col] = out
        return pd.DataFrame(columns, index=pd.RangeIndex(n), copy=False)

    @staticmethod
    def cohort_measures(code: str):
        return cohorts()[code].measures


_IDENTIFIERS = ("npi", "tin")  # a what-if copy is not a duplicate participant
_BOOLEAN_COLUMNS = ("ia1_done", "ia2_done", "submitted_on_time", "small_practice", "euc_exception",
                    "payment_exception")
_TEXT_COLUMNS = ("npi", "tin", "name", "specialty", "cohort")


def _typed_copy(df: pd.DataFrame, chk: Checker) -> pd.DataFrame:
    """The rows with every number and yes/no already read (as the cohort API reads them), so that
    copies of thousands of physicians are scored without reading text again: same scores, less work.
    Rows here have no errors, so each value reads as the cohort API read it."""
    fractions = {"pi_score"} | {f"{m.key}_{f}" for c in cohorts().values() for m in c.measures
                                for f in ("completeness", "rate") if m.proportion or f == "completeness"}
    known = set(all_columns())
    typed = {}
    for col in df.columns:
        if (col not in known or col in _TEXT_COLUMNS or col.endswith("_collection_type")
                or chk.dtype(col).kind in "fiu"):
            continue
        if col in _BOOLEAN_COLUMNS:
            values = chk.boolean(col, default=False)
            typed[col] = pd.Series(np.where(chk.blank(col), None, values == 1.0), index=df.index, dtype=object)
        else:
            typed[col] = chk.number(col, allowed="(checked by score_cohort)", percent=col in fractions)
    if not typed:
        return df.copy()
    # one frame built from its columns (setting them one at a time costs pandas ~80 us a column), with
    # the table's other columns as they are and its attrs, as df.copy() would have them
    out = pd.DataFrame({c: typed[c] if c in typed else df[c] for c in df.columns}, index=df.index)
    return out.__finalize__(df, method="copy")
