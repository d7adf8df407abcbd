"""The vectorized cohort API: a DataFrame of participants in, one DataFrame of scores out.

Each pool is one cohort in one performance year (HF and LBP never share a pool): its scaling
factor is computed from the pool itself, then each participant's factor, dollar impact and
percentile rank. Bad rows are reported one by one (row, column, value, reason) and left out;
every good row is still scored.

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

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from asm_xl.model import adjustments, categories, final_score as final_mod, payment
from asm_xl.model.benchmarks import BenchmarkTable, LadderOverrides, ladder_from_rates, normalize_collection_type, packaged_benchmarks
from asm_xl.model.categories import MeasureStatus
from asm_xl.model.columns import measure_columns
from asm_xl.model.errors import ASMInputError
from asm_xl.model.parameters import cohorts, performance_years, year_parameters
from asm_xl.model.points import points_on_ladder
from asm_xl.model.settings import DEFAULT_SETTINGS, Settings
from asm_xl.model.validation import FALSE_WORDS, TRUE_WORDS

__all__ = ["CohortResult", "score_cohort", "ERROR_COLUMNS"]

ERROR_COLUMNS = ["row", "npi", "column", "value", "reason"]
_STATUS_LABELS = np.array([MeasureStatus.LABELS[k] for k in sorted(MeasureStatus.LABELS)], dtype=object)


@dataclass
class CohortResult:
    """``scores``: one row per good participant (index = input index); ``errors``: one row per bad
    value (row, npi, column, value, reason); ``pools``: one row per (cohort, performance year)."""

    scores: pd.DataFrame
    errors: pd.DataFrame
    pools: pd.DataFrame
    ladders: dict = field(default_factory=dict)


class _Checker:
    """Vectorized column checks that record every bad value and mark its row bad."""

    def __init__(self, df: pd.DataFrame):
        self.df = df
        self.n = len(df)
        self.bad = np.zeros(self.n, dtype=bool)
        self.errors: list[dict] = []
        self._raw: dict[str, np.ndarray] = {}
        self._blank: dict[str, np.ndarray] = {}
        self._factors: dict[str, tuple | None] = {}
        self._text: dict[str, np.ndarray] = {}
        self.npi = self.text("npi")

    def report(self, mask: np.ndarray, column: str, values, reason) -> None:
        """Record every row of ``mask`` as bad; ``values`` None means the column's own cells."""
        idx = np.flatnonzero(mask)
        if idx.size == 0:
            return
        self.bad[idx] = True
        vals = self.raw(column) if values is None else np.asarray(values, dtype=object)
        for i in idx:
            why = reason(i) if callable(reason) else reason
            v = vals[i]
            self.errors.append({"row": self.df.index[i], "npi": self.npi[i], "column": column,
                                "value": None if _blank_scalar(v) else v, "reason": why})

    def raw(self, column: str) -> np.ndarray:
        if column not in self._raw:
            self._raw[column] = (self.df[column].to_numpy(dtype=object) if column in self.df.columns
                                 else np.full(self.n, None, dtype=object))
        return self._raw[column]

    def _factor(self, column: str):
        """(codes, distinct values as objects) of a text/object column, -1 for NaN/None; None when
        the cells cannot be hashed. Lets per-cell rules run once per distinct value."""
        if column not in self._factors:
            try:
                codes, uniques = pd.factorize(self.df[column], use_na_sentinel=True)
                self._factors[column] = (codes, np.asarray(uniques, dtype=object))
            except TypeError:
                self._factors[column] = None
        return self._factors[column]

    def _per_value(self, column: str, func, missing) -> np.ndarray:
        """``func`` of every cell (``missing`` for NaN/None), computed once per distinct value.
        Only for rules that give equal results for cells that compare equal (1 == 1.0 == True)."""
        f = self._factor(column)
        if f is None:
            return np.array([missing if _blank_scalar(v) else func(v) for v in self.raw(column)], dtype=object)
        codes, uniques = f
        table = np.empty(len(uniques) + 1, dtype=object)
        table[:-1] = [func(u) for u in uniques]
        table[-1] = missing  # code -1: NaN/None
        return table[codes]

    def blank(self, column: str) -> np.ndarray:
        if column not in self.df.columns:
            return np.ones(self.n, dtype=bool)
        if column not in self._blank:
            s = self.df[column]
            b = s.isna().to_numpy().copy()
            if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
                b |= self._per_value(column, lambda v: isinstance(v, str) and v.strip() == "", False).astype(bool)
            self._blank[column] = b
        return self._blank[column].copy()

    def number(self, column: str, *, minimum=None, maximum=None, whole=False, required=False,
               allowed: str, default=np.nan, rows: np.ndarray | None = None) -> np.ndarray:
        """Float array (NaN for blank); bad values recorded with ``allowed`` as the reason."""
        blank = self.blank(column)
        if column in self.df.columns:
            s = self.df[column]
            if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
                s = s.astype(object).map(lambda v: v.strip().replace(",", "") if isinstance(v, str) else v)
            x = pd.to_numeric(s.where(~blank), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            if s.dtype == bool:
                x[:] = np.nan
        else:
            x = np.full(self.n, np.nan)
        with np.errstate(invalid="ignore"):
            invalid = ~blank & ~np.isfinite(x)
            if minimum is not None:
                invalid |= x < minimum
            if maximum is not None:
                invalid |= x > maximum
            if whole:
                invalid |= np.isfinite(x) & (np.floor(x) != x)
        if rows is not None:
            invalid &= rows
        self.report(invalid, column, None, f"must be {allowed}")
        if required:
            need = blank if rows is None else blank & rows
            self.report(need, column, None, f"required: {allowed}")
        x = np.where(invalid, np.nan, x)
        return np.where(blank, default, x)

    def boolean(self, column: str, *, default: bool) -> np.ndarray:
        """yes/no, TRUE/FALSE, 1/0; blank → default. NaN marks a bad value."""
        blank = self.blank(column)
        if column in self.df.columns:
            out = self._per_value(column, _bool_value, np.nan).astype(float)
        else:
            out = np.full(self.n, np.nan)
        out[blank] = float(default)
        self.report(np.isnan(out), column, None, "must be yes/no, TRUE/FALSE or 1/0")
        return out

    def text(self, column: str) -> np.ndarray:
        """Stripped text of each cell ("" for blank). Read-only (cached)."""
        if column not in self.df.columns:
            return np.full(self.n, "", dtype=object)
        if column not in self._text:
            s = self.df[column]
            blank = self.blank(column)
            if s.dtype == object:  # mixed Python objects: 1, 1.0 and True print differently, so per cell
                raw = self.raw(column)
                out = np.array(["" if b else str(v).strip() for v, b in zip(raw, blank)], dtype=object)
            else:
                out = self._per_value(column, lambda v: str(v).strip(), "")
                out[blank] = ""
            self._text[column] = out
        return self._text[column]


def _bool_value(v) -> float:
    """yes/no, TRUE/FALSE, 1/0 → 1.0/0.0; anything else NaN (blank handled by the caller)."""
    if isinstance(v, (bool, np.bool_)):
        return float(v)
    if isinstance(v, (int, float, np.integer, np.floating)) and float(v) in (0.0, 1.0):
        return float(v)
    if isinstance(v, str) and v.strip().casefold() in TRUE_WORDS | FALSE_WORDS:
        return float(v.strip().casefold() in TRUE_WORDS)
    return np.nan


def _blank_scalar(v) -> bool:
    if v is None:
        return True
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def score_cohort(participants: pd.DataFrame, *, settings: Settings = DEFAULT_SETTINGS,
                 benchmarks: BenchmarkTable | None = None, ladders: dict | None = None,
                 benchmark_source: str = "packaged", cost_ladders: dict | None = None,
                 performance_year: int | None = None) -> CohortResult:
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
        ``{cohort code: Ladder}`` for ``episode_cost``; default: deciles of the pool's own episode
        costs (participants with enough episodes), lower is better [REG 512.730][ASSUMPTION].
    performance_year : int, optional
        Used where the ``performance_year`` column is blank or missing.

    Returns
    -------
    CohortResult
        Scores use the same kernels as :func:`asm_xl.score_participant`: given the pool's scaling
        factor (and midpoint) both APIs give identical numbers.
    """
    if benchmark_source not in ("packaged", "cohort"):
        raise ASMInputError("benchmark_source", benchmark_source, "packaged or cohort")
    df = participants.copy()
    df.columns = [str(c).strip().casefold() for c in df.columns]
    if df.columns.duplicated().any():
        dup = df.columns[df.columns.duplicated()][0]
        raise ASMInputError("columns", dup, "each column once")
    chk = _Checker(df)
    table = benchmarks or packaged_benchmarks()
    overrides = LadderOverrides(ladders)

    cohort_code = _cohort_codes(chk)
    years = performance_years()
    py = chk.number("performance_year", whole=True, required=performance_year is None,
                    allowed=f"a performance year {years[0]}-{years[-1]}",
                    default=np.nan if performance_year is None else float(performance_year))
    with np.errstate(invalid="ignore"):
        out_of_range = np.isfinite(py) & ~np.isin(py, years)
    chk.report(out_of_range, "performance_year", None,
               f"must be a performance year {years[0]}-{years[-1]}")
    size = chk.number("practice_size", minimum=1, whole=True, required=True,
                      allowed="a whole number of clinicians >= 1")
    payments = chk.number("part_b_payments", minimum=0, required=True, allowed="dollars >= 0")
    pi = chk.number("pi_score", minimum=0, maximum=1, required=True,
                    allowed="a fraction between 0 and 1 (70% is 0.70)")
    bonus = chk.number("complex_bonus", minimum=0, maximum=settings.complex_bonus_max, default=0.0,
                       allowed=f"a number between 0 and {settings.complex_bonus_max:g}")
    on_time = chk.boolean("submitted_on_time", default=True)
    ia_done = _ia_done(chk)
    _duplicates(chk)
    episodes = chk.number("cost_episodes", minimum=0, whole=True, allowed="a whole number >= 0")
    cost_pts_in = chk.number("cost_points", minimum=1, maximum=10,
                             allowed="cost achievement points between 1 and 10")
    episode_cost = chk.number("episode_cost", minimum=0, allowed="dollars >= 0")
    enough_eps = episodes >= settings.cost_episode_minimum
    chk.report(enough_eps & chk.blank("cost_points") & chk.blank("episode_cost"), "cost_points",
               None, "required with enough episodes: cost points (1-10) or episode_cost")
    chk.report(chk.blank("cost_episodes") & ~(chk.blank("cost_points") & chk.blank("episode_cost")),
               "cost_episodes", None, "required with cost_points or episode_cost: EBCM episodes (a whole number >= 0)")

    measures = _measure_inputs(chk, cohort_code, settings)

    good = ~chk.bad
    errors = pd.DataFrame(chk.errors, columns=ERROR_COLUMNS)
    parts, pools, used_ladders, positions = [], [], {}, []
    for code, cohort in cohorts().items():
        for year in years:
            rows = np.flatnonzero(good & (cohort_code == code) & (py == year))
            if rows.size == 0:
                continue
            res = _score_pool(df, rows, cohort, year, measures[code], episodes, cost_pts_in, episode_cost,
                              ia_done, pi, bonus, size, payments, on_time, table, overrides,
                              benchmark_source, (cost_ladders or {}).get(code), settings, used_ladders)
            parts.append(res[0])
            pools.append(res[1])
            positions.append(rows)
    scores = pd.concat(parts) if parts else pd.DataFrame()
    if len(scores):  # back in input order
        scores = scores.iloc[np.argsort(np.concatenate(positions), kind="stable")]
    return CohortResult(scores, errors, pd.DataFrame(pools), used_ladders)


def _cohort_codes(chk: _Checker) -> np.ndarray:
    by_name = {}
    by_specialty = {}
    for c in cohorts().values():
        by_name[c.code.casefold()] = c.code
        by_name[c.name.casefold()] = c.code
        for s in c.specialties:
            by_specialty[s.casefold()] = c.code
    from_cohort = _map_text(chk.text("cohort"), lambda t: by_name.get(t.casefold(), "?" if t else ""))
    from_spec = _map_text(chk.text("specialty"), lambda t: by_specialty.get(t.casefold(), "?" if t else ""))
    chk.report(from_cohort == "?", "cohort", None, f"must be one of {', '.join(cohorts())}")
    all_specs = "; ".join(f"{c.code}: {', '.join(c.specialties)}" for c in cohorts().values())
    chk.report(from_spec == "?", "specialty", None, f"must be an ASM specialty ({all_specs})")
    chk.report((from_cohort == "") & (from_spec == ""), "cohort", None,
               "required: a cohort (HF, LBP) or an ASM specialty")
    clash = (from_cohort != "") & (from_cohort != "?") & (from_spec != "") & (from_spec != "?") & (from_cohort != from_spec)
    chk.report(clash, "specialty", None,
               lambda i: f"must be a specialty of the {from_cohort[i]} cohort")
    return np.where((from_cohort != "") & (from_cohort != "?"), from_cohort, from_spec)


def _map_text(text: np.ndarray, func) -> np.ndarray:
    """``func`` of each string of an object array of str, computed once per distinct string."""
    codes, uniques = pd.factorize(text)
    table = np.empty(len(uniques), dtype=object)
    table[:] = [func(u) for u in np.asarray(uniques, dtype=object)]
    return table[codes] if len(uniques) else np.empty(0, dtype=object)


def _ia_done(chk: _Checker) -> np.ndarray:
    if "ia_done" in chk.df.columns and not chk.blank("ia_done").all():
        return chk.number("ia_done", minimum=0, maximum=2, whole=True, required=True,
                          allowed="0, 1 or 2 improvement activities completed")
    ia1 = chk.boolean("ia1_done", default=False)
    ia2 = chk.boolean("ia2_done", default=False)
    return np.nan_to_num(ia1) + np.nan_to_num(ia2)


def _duplicates(chk: _Checker) -> None:
    if "npi" not in chk.df.columns:
        return
    group = np.zeros(chk.n, dtype=np.int64)
    for col in ("npi", "tin", "performance_year"):  # one integer code per distinct (NPI, TIN, year)
        codes, uniques = pd.factorize(chk.text(col))
        group = pd.factorize(group * max(len(uniques), 1) + codes)[0].astype(np.int64)
    dup = pd.Series(group).duplicated(keep="first").to_numpy() & (chk.text("npi") != "")
    if not dup.any():
        return
    first = np.full(group.max() + 1, chk.n)
    np.minimum.at(first, group, np.arange(chk.n))  # first row of each (NPI, TIN, year)
    chk.report(dup, "npi", None,
               lambda i: f"duplicate participant (same NPI, TIN and year as row {chk.df.index[first[group[i]]]})")


def _measure_inputs(chk: _Checker, cohort_code: np.ndarray, settings: Settings) -> dict:
    """Per cohort: {measure id: dict of arrays over all rows}; checks rows of that cohort only."""
    out = {}
    for code, cohort in cohorts().items():
        mine = cohort_code == code
        others = ~mine & (cohort_code != "") & (cohort_code != "?")  # an unknown cohort is its own error
        out[code] = {}
        for m in cohort.measures:
            cols = measure_columns(m.key)
            for col in cols.values():
                if col in chk.df.columns:
                    chk.report(others & ~chk.blank(col), col, None,
                               f"{m.label} is not a measure of this participant's cohort")
            ctype = _map_text(chk.text(cols["collection_type"]),
                              lambda t, m=m: _collection_type_or_flag(t, m.collection_types[0]))
            bad_type = mine & ~np.isin(ctype, m.collection_types)
            chk.report(bad_type, cols["collection_type"], None,
                       f"{m.label} is collected as {', '.join(m.collection_types)}")
            elig = chk.number(cols["eligible"], minimum=0, whole=True, allowed="a whole number >= 0", rows=mine)
            rep = chk.number(cols["reported"], minimum=0, whole=True, allowed="a whole number >= 0", rows=mine)
            comp = chk.number(cols["completeness"], minimum=0, maximum=1, rows=mine,
                              allowed="a fraction between 0 and 1 (70% is 0.70)")
            if m.proportion:
                rate = chk.number(cols["rate"], minimum=0, maximum=1, rows=mine,
                                  allowed="a fraction between 0 and 1 (70% is 0.70)")
            else:
                rate = chk.number(cols["rate"], minimum=0, rows=mine, allowed="a number >= 0 (native units)")
            pts = chk.number(cols["points"], minimum=0, maximum=10, rows=mine, allowed="points between 0 and 10")
            admin = ctype == "Administrative claims"
            use_rep = mine & ~admin & np.isnan(comp) & ~np.isnan(rep)
            chk.report(use_rep & np.isnan(elig) & chk.blank(cols["eligible"]), cols["eligible"], None,
                       f"required with {cols['reported']}: eligible cases")
            with np.errstate(invalid="ignore"):
                chk.report(use_rep & (rep > elig), cols["reported"], None,
                           lambda i: f"must be at most {cols['eligible']} ({elig[i]:g})")
            rep_eff = np.where(admin | ~np.isnan(comp), np.nan, rep)
            c_eff, e_eff, any_rep = categories.effective_measure_inputs(
                elig, rep_eff, np.where(admin, np.nan, comp), rate, pts, admin, settings=settings)
            status = categories.measure_status(c_eff, e_eff, admin, reported=any_rep, settings=settings)
            need_rate = (mine & (status == MeasureStatus.SCORED) & np.isnan(pts) & np.isnan(rate)
                         & chk.blank(cols["rate"]))
            chk.report(need_rate, cols["rate"], None,
                       f"required: a rate for {m.label} (it is complete with enough cases)")
            # A measure with nothing reported (no cases, rate or points) has completeness 0 for the
            # minimum submission rule, whatever completeness was typed (as in score_participant).
            c_eff = np.where(any_rep | admin, c_eff, 0.0)
            out[code][m.id] = {"ctype": ctype, "completeness": c_eff, "eligible": e_eff, "status": status,
                               "rate": rate, "points": pts, "admin": admin}
    return out


def _collection_type_or_flag(text: str, default: str) -> str:
    """Canonical collection type; the measure's first one when blank; "?" when unknown."""
    if not text:
        return default
    try:
        return normalize_collection_type(text)
    except ASMInputError:
        return "?"


def _score_pool(df, rows, cohort, year, minputs, episodes, cost_pts_in, episode_cost, ia_done, pi, bonus,
                size, payments, on_time, table, overrides, benchmark_source, cost_ladder, settings, used):
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
        for ctype in m.collection_types:
            sel = scored & np.isnan(mi["points"]) & (mi["ctype"] == ctype)
            if not sel.any():
                continue
            ladder = overrides.get(m.id, ctype)
            if ladder is None and benchmark_source == "cohort":
                ladder = ladder_from_rates(mi["rate"][sel], inverse=m.inverse,
                                           scale=100.0 if m.proportion else 1.0)
            if ladder is None:
                ladder = table.lookup(m.id, ctype, settings.benchmark_year)
            used[(cohort.code, year, m.label, ctype)] = ladder
            pts[sel] = points_on_ladder(mi["rate"][sel], ladder, cap=settings.topped_out_cap,
                                        decimals=settings.measure_points_decimals)
            bench[sel] = ladder.label if ladder.measure else ladder.source
        points[:, j] = pts
        out[f"{m.key}_points"] = pts
        out[f"{m.key}_status"] = _STATUS_LABELS[mi["status"]]
        out[f"{m.key}_benchmark"] = bench
    quality = categories.quality_category(points, status)
    min_met = categories.minimum_submission_met(comp, admin, on_time[rows].astype(bool), settings=settings)

    eps = np.nan_to_num(episodes[rows], nan=0.0)
    cpts = cost_pts_in[rows].copy()
    need = np.isnan(cpts) & ~np.isnan(episode_cost[rows]) & (eps >= settings.cost_episode_minimum)
    if need.any():
        if cost_ladder is None:
            eligible_costs = episode_cost[rows][eps >= settings.cost_episode_minimum]
            cost_ladder = ladder_from_rates(eligible_costs, inverse=True)
        used[(cohort.code, year, cohort.cost_measure_id, "cost")] = cost_ladder
        cpts[need] = points_on_ladder(episode_cost[rows][need], cost_ladder, cap=settings.topped_out_cap)
    cost = categories.cost_category(cpts, eps, settings=settings)

    ia = adjustments.ia_adjustment(ia_done[rows], settings=settings)
    pia = adjustments.pi_adjustment(pi[rows], settings=settings)
    practice = adjustments.practice_size_bonus(size[rows], settings=settings)
    wq, wc = final_mod.category_weights(~np.isnan(quality), ~np.isnan(cost), settings=settings)
    final = final_mod.final_score(quality, cost, ia, pia, bonus[rows], practice, min_met, settings=settings)

    params = year_parameters(year)
    r = params.risk_level
    scorable = ~np.isnan(final)
    P = payments[rows]
    midpoint = (float(np.median(final[scorable])) if settings.tfs_midpoint_mode == "cohort_median"
                and scorable.any() else settings.tfs_midpoint)
    sol = payment.solve_scaling_factor(final[scorable], P[scorable], r, midpoint=midpoint, settings=settings)
    tfs = payment.transformed_final_score(final, midpoint=midpoint, settings=settings)
    factor = payment.adjustment_factor(final, tfs, r, sol.scaling_factor, settings=settings)
    factor = np.where(scorable, factor, np.nan)  # no final score → no factor (not -r), as score_participant
    pct = np.full(n, np.nan)
    rank = np.full(n, np.nan)
    pct[scorable] = payment.percentile_rank(final[scorable])
    rank[scorable] = payment.competition_rank(final[scorable])

    idx = df.index[rows]
    ident = {c: df[c].to_numpy()[rows] for c in ("npi", "tin", "name", "specialty") if c in df.columns}
    notes = _notes(~np.isnan(quality), ~np.isnan(cost), min_met, settings)
    frame = {**ident, "cohort": cohort.code, "performance_year": year, "payment_year": params.payment_year,
             **out, "quality": quality, "cost_points": np.where(np.isnan(cost), np.nan, cpts), "cost": cost,
             "quality_weight": wq, "cost_weight": wc, "ia_adjustment": ia, "pi_adjustment": pia,
             "complex_bonus": bonus[rows], "practice_bonus": practice, "minimum_submission_met": min_met,
             "final_score": final, "tfs": np.where(scorable, tfs, np.nan), "risk_level": r,
             "scaling_factor": sol.scaling_factor, "tfs_midpoint": midpoint, "factor": factor,
             "multiplier": payment.payment_multiplier(factor), "part_b_payments": P,
             "dollar_impact": payment.dollar_impact(factor, P), "percentile_rank": pct, "cohort_rank": rank,
             "cohort_size": int(scorable.sum()), "note": notes}
    res = pd.DataFrame(frame, index=idx)
    float_cols = ["quality", "cost_points", "cost", "quality_weight", "cost_weight", "final_score", "tfs",
                  "factor", "multiplier", "dollar_impact", "percentile_rank"]
    for c in float_cols:
        res[c] = pd.array(res[c].to_numpy(dtype=float), dtype="Float64")  # NaN → <NA>: "not scored"
    res["cohort_rank"] = pd.array(np.where(np.isnan(rank), None, rank), dtype="Int64")
    pool = {"cohort": cohort.code, "performance_year": year, "payment_year": params.payment_year,
            "participants": int(scorable.sum()), "risk_level": r, "scaling_factor": sol.scaling_factor,
            "scaling_method": sol.method, "tfs_midpoint": midpoint, "part_b_payments": float(P[scorable].sum()),
            "dollar_impact": float(np.nansum(factor[scorable] * P[scorable])),
            "budget_residual": sol.budget_residual}
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
