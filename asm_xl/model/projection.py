"""Five-year projection: performance years 2027-2031, paid in 2029-2033, per physician and for the practice.

For each physician and performance year y (risk level r_y: 9, 9, 10, 11, 12% [CMS])::

    payments_base_y  = part_b_payments x (1 + payments_growth) ^ (y - the row's performance year)  [ASSUMPTION]
    dollars_at_risk  = r_y x payments_base_y        (0 when not participating, and in the year of an exception)
    dollars_pXX      = factor_pXX(final; pool of cohort, y) x payments_base_y   (0 when not participating)
    cumulative_*     = running sum over the years so far

[ASSUMPTION] The final score is held at today's (the inputs as entered): the scoring rules do not
depend on the year, only the risk level, the national pool and the payment base do. An exception
(EUC, payment exception) is granted for one year: it makes the row's own year neutral (factor 0)
[ASSUMPTION], later years are priced as usual.

[ASSUMPTION] Cumulative P10 / P50 / P90 are the **sums of the yearly percentiles**. That is exact when
a physician's standing persists from year to year (the yearly factors move together, comonotone:
the years that go badly for this physician's rank are the same draws); if the years were
independent the cumulative range would be narrower. The cumulative mean is exact either way.
A practice's totals (:func:`practice_projection`) take the range of the total itself, added up draw
by draw (:func:`~asm_xl.model.total_ranges.total_ranges`), not the sums of the physicians' percentiles.

[ASSUMPTION] A physician is projected from the performance year of his roster row on: a roster row says
nothing of the years before it (the payments are not projected backwards). A TIN/NPI with rows of
several performance years (today's inputs for 2027, an estimate for 2029) is projected from each row
up to the year of his next row, so no year is counted twice.

Participation (CMS's ASM Participants file, ``ASM_CYxx_PARTICIPANT``) may be given per NPI and
year; where it is not given the physician is assumed to participate [ASSUMPTION] and
``participation_source`` says "assumed".
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from asm_xl.model.cohort_checks import bool_value
from asm_xl.model.errors import ASMInputError
from asm_xl.model.identifiers import tin_key
from asm_xl.model.parameters import performance_years, year_parameters
from asm_xl.model.rescoring import Baseline, final_scores, pool_for
from asm_xl.model.settings import DEFAULT_SETTINGS, Settings
from asm_xl.model.total_ranges import total_ranges
from asm_xl.model.validation import YES_NO_ALLOWED, as_number, is_blank

__all__ = ["PROJECTION_COLUMNS", "PRACTICE_COLUMNS", "project_five_years", "yearly_projection", "practice_projection",
           "next_row_years", "running_sums", "participation_flags", "participating_in_own_year"]

PROJECTION_COLUMNS = ["row", "npi", "name", "tin", "cohort", "performance_year", "payment_year", "risk_level",
                      "final_score", "participating", "participation_source", "priced", "payments_base", "dollars_at_risk",
                      "factor_p10", "factor_p50", "factor_p90", "p_gain", "dollars_p10", "dollars_p50", "dollars_p90",
                      "dollars_mean", "cumulative_at_risk", "cumulative_p10", "cumulative_p50", "cumulative_p90",
                      "cumulative_mean"]
_SUMMED = ["payments_base", "dollars_at_risk", "dollars_p10", "dollars_p50", "dollars_p90", "dollars_mean",
           "cumulative_at_risk", "cumulative_p10", "cumulative_p50", "cumulative_p90", "cumulative_mean"]
PRACTICE_COLUMNS = ["performance_year", "payment_year", "risk_level", "physicians", "participating"] + _SUMMED


def project_five_years(participants: pd.DataFrame | Baseline, *, growth: float | None = None, participation=None,
                       settings: Settings = DEFAULT_SETTINGS, pool=None, errors: str = "raise",
                       **score_options) -> pd.DataFrame:
    """One row per (physician, performance year), columns :data:`PROJECTION_COLUMNS`.

    Parameters
    ----------
    participants : DataFrame
        Roster rows as for :func:`~asm_xl.model.cohort.score_cohort` (``score_options``: benchmarks,
        ladders, benchmark_source, cost_ladders, performance_year), or a
        :class:`~asm_xl.model.rescoring.Baseline` already built from them with ``settings``, ``errors`` and
        these options (not scored again: a caller that also wants :func:`~asm_xl.model.actions.action_values`
        scores its roster once).
    growth : float, optional
        Yearly growth of Part B payments; default ``settings.payments_growth`` [ASSUMPTION].
    participation : DataFrame or mapping, optional
        Per NPI and performance year, whether the physician participates: a DataFrame indexed by NPI
        (or with an ``npi`` column) whose columns are performance years, or ``{npi: {year: bool}}``.
        Blank or missing: assumed participating.
    pool : see :func:`~asm_xl.model.rescoring.pool_for` (None: the national peer model per cohort and year),
        or a function of a row's own performance year giving such a pool (see :func:`yearly_projection`).
    errors : "raise" or "skip", as for :func:`~asm_xl.model.actions.action_values`.

    Physicians whose final score cannot be computed are left out.
    """
    g = settings.payments_growth if growth is None else _growth(growth)
    if isinstance(participants, Baseline) and participants.settings != settings:   # its numbers are other settings'
        raise ASMInputError("settings", "a Baseline built with other settings", "the settings it was built with")
    base = participants if isinstance(participants, Baseline) else Baseline.build(
        participants, settings=settings, errors=errors, **score_options)
    final = final_scores(base.scores)
    keep = np.flatnonzero(np.isfinite(final))
    df = base.df.iloc[keep]
    final, cohort = final[keep], base.cohort[keep]
    own_year = pd.to_numeric(df["performance_year"], errors="coerce").to_numpy().astype(int)
    npi, tin = _text(df, "npi"), _text(df, "tin")
    flags = participation_flags(participation, npi)
    years = performance_years()
    until = next_row_years(npi, [tin_key(t) for t in tin], own_year, end=years[-1] + 1)
    cols = yearly_projection(final, cohort, own_year, np.nan_to_num(base.parsed["part_b_payments"][keep]),
                             excepted=base.parsed["excepted"][keep], growth=g, participating=flags, years=years,
                             pool=pool, settings=settings, until=until)
    m = len(years)
    out = pd.DataFrame({"row": np.repeat(df.index.to_numpy(), m), "npi": np.repeat(npi, m),
                        "name": np.repeat(_text(df, "name"), m), "tin": np.repeat(tin, m),
                        "cohort": np.repeat(cohort, m)})
    for k in PROJECTION_COLUMNS[5:]:
        out[k] = cols[k].reshape(-1)
    shown = (out["performance_year"].to_numpy() >= np.repeat(own_year, m)) & \
        (out["performance_year"].to_numpy() < np.repeat(until, m))
    out = out.loc[shown, PROJECTION_COLUMNS].reset_index(drop=True)
    return running_sums(out) if (until < years[-1] + 1).any() else out


def running_sums(projection: pd.DataFrame) -> pd.DataFrame:
    """``projection`` with its ``cumulative_*`` columns the running sums of each participant's (NPI and TIN)
    yearly figures over the rows it holds: a TIN/NPI of several rows runs on across them, and a table whose
    rows were left out (a kept workbook shown without numbers) sums only the years it shows."""
    if not len(projection):
        return projection
    out = projection.copy()
    who = pd.Series([f"{a}|{tin_key(str(b))}" for a, b in zip(out["npi"], out["tin"])], index=out.index)
    order = out.assign(_who=who).sort_values(["_who", "performance_year"], kind="stable")
    for k in ("at_risk", "p10", "p50", "p90", "mean"):
        source = "dollars_at_risk" if k == "at_risk" else f"dollars_{k}"
        out[f"cumulative_{k}"] = order.groupby("_who", sort=False)[source].cumsum().reindex(out.index)
    return out


def next_row_years(npi, tin, own_year, *, end: int) -> np.ndarray:
    """Per row, the performance year of the same TIN/NPI's next row (a later year), else ``end``: the
    year a row's projection stops at. Rows are participants (NPI, TIN as :func:`tin_key`) of a year.

    >>> next_row_years(["1", "1", "2", "1"], ["9", "9", "9", "8"], [2027, 2029, 2027, 2027], end=2032).tolist()
    [2029, 2032, 2032, 2032]
    """
    own = np.asarray(own_year, dtype=int)
    out = np.full(own.size, end, dtype=int)
    rows: dict[tuple[str, str], list[int]] = {}
    for i, key in enumerate(zip(npi, tin)):
        rows.setdefault(key, []).append(i)
    for members in rows.values():
        if len(members) > 1:
            for i in members:
                later = [own[j] for j in members if own[j] > own[i]]
                out[i] = min(later) if later else end
    return out


def yearly_projection(final, cohort, own_year, part_b_payments, *, excepted=None, growth=None,
                      participating: Mapping | None = None, years=None, pool=None,
                      settings: Settings = DEFAULT_SETTINGS, until=None) -> dict[str, np.ndarray]:
    """The projection of final scores already computed: the one place its rules are executed, for
    :func:`project_five_years` (the dashboard) and ``ASM_PROJECTION`` (a workbook's Actions sheet).

    Per physician i (arrays of one value each, or one value for all) and performance year y of
    ``years`` (default: :func:`~asm_xl.model.parameters.performance_years`)::

        payments_base    = part_b_payments x (1 + growth) ^ (y - own_year)                  [ASSUMPTION]
        dollars_at_risk  = r_y x payments_base           (0 when not participating, and in the year
                                                          of an exception: nothing is at risk)    [CMS]
        factor_pXX       = factor_pXX(final; pool of cohort, y)                              [REG 512.750]
                         = 0 in the year of an exception (y = own_year, ``excepted``)        [ASSUMPTION]
                         = 0 when not participating
        p_gain           = share of the pool's draws with a positive factor (0 in the year of an exception,
                           and when not participating)
        priced           = participating, not the year of an exception, inside his years: the pool's
                           factor applies (:func:`~asm_xl.model.total_ranges.total_ranges` adds such rows
                           draw by draw)
        dollars_pXX      = factor_pXX x payments_base   (XX: p10, p50, p90, mean)
        cumulative_*     = running sum over ``years``                  [ASSUMPTION: comonotone years]

    A year before the physician's own year (``own_year``), or from ``until`` on (per physician: the
    year of the TIN/NPI's next roster row, :func:`next_row_years`), is outside his projection: every
    dollar figure 0 there, so the running sums count his years only [ASSUMPTION].

    ``growth``: one rate or one per physician (default ``settings.payments_growth``);
    ``participating``: {y: 1.0 / 0.0 / NaN (not given: assumed participating) per physician};
    ``pool``: as :func:`~asm_xl.model.rescoring.pool_for` takes it, or a function of a physician's own
    performance year giving it (a roster pool: each row priced by its own year's roster, in every year).
    Returns {column of :data:`PROJECTION_COLUMNS` from ``performance_year`` on: array (physicians x years)}.
    """
    final = np.atleast_1d(np.asarray(final, dtype=float))
    n, years = final.size, list(performance_years() if years is None else years)
    shape = (n, len(years))
    cohort = np.broadcast_to(np.asarray(cohort, dtype=object), (n,))
    own = np.broadcast_to(np.asarray(own_year, dtype=int), (n,))
    pay = np.broadcast_to(np.asarray(part_b_payments, dtype=float), (n,))
    g = np.broadcast_to(np.asarray(settings.payments_growth if growth is None else growth, dtype=float), (n,))
    neutral_own = np.broadcast_to(np.asarray(False if excepted is None else excepted, dtype=bool), (n,))
    stop = np.broadcast_to(np.asarray(years[-1] + 1 if until is None else until, dtype=int), (n,))
    out = {k: np.empty(shape, dtype=float) for k in PROJECTION_COLUMNS[7:] if k not in ("participating",
                                                                                           "participation_source", "priced")}
    out["priced"] = np.empty(shape, dtype=bool)
    out["performance_year"] = np.broadcast_to(np.asarray(years, dtype=np.int64), shape).copy()
    out["payment_year"] = np.broadcast_to(np.asarray([year_parameters(y).payment_year for y in years],
                                                     dtype=np.int64), shape).copy()
    out["participating"] = np.empty(shape, dtype=bool)
    out["participation_source"] = np.empty(shape, dtype=object)
    out["final_score"][:] = final[:, None]
    for j, y in enumerate(years):
        params = year_parameters(y)
        given = (participating or {}).get(y, np.full(n, np.nan))
        on = np.where(np.isnan(given), True, given == 1.0)
        out["risk_level"][:, j] = params.risk_level
        out["participating"][:, j] = on
        out["participation_source"][:, j] = np.where(np.isnan(given), "assumed", "CMS participants file")
        base_y = pay * (1.0 + g) ** (y - own)
        out["payments_base"][:, j] = base_y
        neutral = neutral_own & (own == y)
        inside = (y >= own) & (y < stop)
        out["priced"][:, j] = on & ~neutral & inside   # the pool's factor applies (else no adjustment: 0)
        out["dollars_at_risk"][:, j] = np.where(on & ~neutral & inside, params.risk_level * base_y, 0.0)
        priced = {k: np.full(n, np.nan) for k in ("factor_p10", "factor_p50", "factor_p90", "p_gain", "mean")}
        for code in np.unique(cohort):
            for own_year in (np.unique(own[cohort == code]) if callable(pool) else (None,)):
                rows = (cohort == code) & (True if own_year is None else own == own_year)
                mine = pool(int(own_year)) if own_year is not None else pool
                rng = pool_for(code, y, mine, settings).price(final[rows])
                for k in priced:
                    priced[k][rows] = getattr(rng, k if k != "mean" else "factor_mean")
        for k in priced:   # no adjustment (an exception, or not participating): nothing to gain either
            priced[k] = np.where(neutral | ~on, 0.0, priced[k])
        for k in ("factor_p10", "factor_p50", "factor_p90", "p_gain"):
            out[k][:, j] = priced[k]
        for k in ("p10", "p50", "p90", "mean"):
            out[f"dollars_{k}"][:, j] = np.where(inside, priced[f"factor_{k}" if k != "mean" else "mean"] * base_y, 0.0)
    out["cumulative_at_risk"] = np.cumsum(out["dollars_at_risk"], axis=1)
    for k in ("p10", "p50", "p90", "mean"):
        out[f"cumulative_{k}"] = np.cumsum(out[f"dollars_{k}"], axis=1)
    return out


def practice_projection(projection: pd.DataFrame, *, by: str | list[str] | None = None, pool=None,
                        settings: Settings = DEFAULT_SETTINGS) -> pd.DataFrame:
    """Totals of :func:`project_five_years` per performance year (and per ``by``, e.g. "tin" or
    "cohort"): physicians, participating, the sums of :data:`PRACTICE_COLUMNS`' dollar columns, and as
    P10 / P50 / P90 (of the year, and cumulative: of the years so far) the range of the total itself over
    the pool's draws (:func:`~asm_xl.model.total_ranges.total_ranges`), not the sum of the physicians'
    percentiles. ``pool`` and ``settings``: those :func:`project_five_years` was given (the pool in force by
    default), so that each physician-year is priced in each draw as his own range was."""
    keys = ([] if by is None else [by] if isinstance(by, str) else list(by))
    for k in keys:
        if k not in projection.columns:
            raise ASMInputError("by", k, f"a projection column ({', '.join(projection.columns)})")
    grouped = projection.groupby(keys + ["performance_year", "payment_year", "risk_level"], sort=True)
    out = grouped[_SUMMED].sum()
    out.insert(0, "physicians", grouped["row"].count())
    out.insert(1, "participating", grouped["participating"].sum().astype(int))
    out = out.reset_index()[keys + PRACTICE_COLUMNS]
    if not len(out):
        return out
    ranges = {}   # (keys..., year) -> the total's P10 / P50 / P90 in the year and up to it
    for key, part in (projection.groupby(keys, sort=False) if keys else [((), projection)]):
        key = key if isinstance(key, tuple) else (key,)
        year = part["performance_year"].to_numpy()
        years = sorted(set(year.tolist()))
        got = total_ranges(part, {**{f"in {y}": year == y for y in years}, **{f"to {y}": year <= y for y in years}},
                           pool=pool, settings=settings)
        for y in years:
            ranges[key + (y,)] = got.loc[f"in {y}"], got.loc[f"to {y}"]
    at = [ranges[tuple(rec)] for rec in out[keys + ["performance_year"]].itertuples(index=False)]
    for p in ("p10", "p50", "p90"):
        out[f"dollars_{p}"] = [yearly[p] for yearly, _ in at]
        out[f"cumulative_{p}"] = [so_far[p] for _, so_far in at]
    return out


def _growth(growth) -> float:
    return as_number("growth", growth, minimum=-0.5, maximum=1.0, allowed="a yearly growth rate (2% is 0.02)")


def _text(df: pd.DataFrame, col: str) -> np.ndarray:
    if col not in df.columns:
        return np.full(len(df), "", dtype=object)
    return df[col].astype(object).where(df[col].notna(), "").astype(str).str.strip().to_numpy()


def participation_flags(participation, npi) -> dict[int, np.ndarray]:
    """{performance year: 1.0 / 0.0 / NaN (not given) per physician} of ``participation`` (as
    :func:`project_five_years` takes it) for the NPIs ``npi``."""
    npi = np.asarray(npi, dtype=object)
    if participation is None:
        return {}
    if isinstance(participation, pd.DataFrame):
        table = participation.set_index("npi") if "npi" in participation.columns else participation
        mapping = {str(k).strip(): row for k, row in table.to_dict(orient="index").items()}
    elif isinstance(participation, Mapping):
        mapping = {str(k).strip(): v for k, v in participation.items()}
    else:
        raise ASMInputError("participation", type(participation).__name__,
                            "a DataFrame (NPI x performance year) or a mapping {npi: {year: yes/no}}")
    years = performance_years()
    out = {y: np.full(npi.size, np.nan) for y in years}
    for i, n in enumerate(npi):
        for key, value in (mapping.get(n) or {}).items():
            try:
                y = int(float(key))
            except (TypeError, ValueError):
                raise ASMInputError("participation", key, f"a performance year {years[0]}-{years[-1]}") from None
            if y not in out:
                raise ASMInputError("participation", key, f"a performance year {years[0]}-{years[-1]}")
            if is_blank(value):
                continue
            flag = bool_value(value)
            if np.isnan(flag):
                raise ASMInputError(f"participation {n} {y}", value, YES_NO_ALLOWED)
            out[y][i] = flag
    return out


def participating_in_own_year(participation, npi, own_year) -> np.ndarray:
    """Per physician, whether he participates in his own performance year: False only where ``participation`` (as
    :func:`participation_flags` reads it) says no; a year it does not give is assumed participating [ASSUMPTION].

    >>> participating_in_own_year({"1": {2027: False}, "2": {2028: False}}, ["1", "2", "3"], [2027, 2027, 2027]).tolist()
    [False, True, True]
    """
    own = np.asarray(own_year, dtype=int)
    out = np.ones(own.size, dtype=bool)
    for year, flags in participation_flags(participation, npi).items():
        out &= ~((own == year) & (flags == 0.0))
    return out
