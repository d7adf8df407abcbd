"""ASM_* functions of the pool and the payment range: a final score priced against the pool in force,
by default the national peer model (spec 8: the cohort is national and unseen, so an honest estimate
is a range with its source).

Each function calls :func:`asm_xl.model.pool_choice.pricing_pool` or ``reference_point``, as the
cohort API's :func:`~asm_xl.model.ranges.payment_ranges` does, so a workbook's range equals the core's.
"""

from __future__ import annotations

import numpy as np

from asm_xl.excel import values as xv
from asm_xl.excel.arguments import ASSUMPTIONS, YEAR, RangeMemo, settings_arg, year_arg
from asm_xl.excel.registry import Arg, excel_function
from asm_xl.model import exceptions
from asm_xl.model.parameters import get_cohort
from asm_xl.model.pool_choice import pricing_pool, reference_point

__all__: list[str] = []

COHORT = Arg("cohort", '"HF" or "LBP": the national cohort the final score is ranked in.')
FINAL = Arg("final_score", "Final score 0-100.")


def _pool(performance_year, cohort, assumptions):
    s = settings_arg(assumptions)
    return pricing_pool(get_cohort(xv.text("cohort", cohort)).code, year_arg(performance_year), s)


def _point(performance_year, cohort, assumptions):
    s = settings_arg(assumptions)
    return reference_point(get_cohort(xv.text("cohort", cohort)).code, year_arg(performance_year), s)


EXCEPTIONS = Arg("exceptions", "Optional: yes/no cells of the participant's exceptions; any yes = neutral "
                                "factor 0 in every case [ASSUMPTION].", optional=True, range=True)


def _factors(final_score, performance_year, cohort, exceptions_, assumptions) -> np.ndarray:
    pool = _pool(performance_year, cohort, assumptions)
    factors = pool.factors([xv.number("final_score", final_score, minimum=0, maximum=100)])[0]
    return exceptions.neutral_factor(factors, _excepted(exceptions_))


def _excepted(exceptions_) -> bool:
    return any(xv.boolean("exceptions", v, False) for v in xv.flatten("exceptions", exceptions_))


def _percentile(final_score, performance_year, cohort, percentile, exceptions_, assumptions) -> float:
    pct = xv.optional_number("percentile", percentile, 50.0, minimum=0, maximum=100)
    factors = _factors(final_score, performance_year, cohort, exceptions_, assumptions)
    return float(np.percentile(factors[None, :], [pct], axis=1)[0, 0])


def _gain_chance(final_score, performance_year, cohort, exceptions_, assumptions) -> float:
    return float((_factors(final_score, performance_year, cohort, exceptions_, assumptions)[None, :] > 0.0)
                 .mean(axis=1)[0])


#: results of ASM_FACTOR_RANGE and ASM_GAIN_CHANCE, once per distinct call (and computed in batches:
#: a generated roster's workbooks price all their final scores at once)
PRICED_MEMO = RangeMemo(size=16_384)


def _priced_batch(kind: str, calls: list[tuple]) -> None:
    """ASM_FACTOR_RANGE ("range") or ASM_GAIN_CHANCE ("gain") of many calls: each pool's factors of all
    final scores at once, the percentiles (or the share > 0) row by row as one call computes them
    (numpy's percentile and mean work row by row: the same numbers)."""
    groups: dict = {}
    for args in calls:
        final, year, cohort = args[:3]
        try:
            s = settings_arg(args[-1])
            code, py = get_cohort(xv.text("cohort", cohort)).code, year_arg(year)
            f = xv.number("final_score", final, minimum=0, maximum=100)
            pct = (xv.optional_number("percentile", args[3], 50.0, minimum=0, maximum=100) if kind == "range"
                   else None)
            excepted = _excepted(args[-2])
        except xv.ExcelError:
            continue
        groups.setdefault((s, code, py), []).append(((kind,) + args[:-1] + (s,), f, pct, excepted))
    for (s, code, py), items in groups.items():
        factors = pricing_pool(code, py, s).factors([f for _, f, _, _ in items])
        factors = exceptions.neutral_factor(factors, np.array([e for *_, e in items])[:, None])
        if kind == "gain":
            values = (factors > 0.0).mean(axis=1).tolist()
        else:
            pcts = sorted({p for _, _, p, _ in items})
            q = np.percentile(factors, pcts, axis=1)
            where = {p: j for j, p in enumerate(pcts)}
            values = [float(q[where[p], i]) for i, (_, _, p, _) in enumerate(items)]
        for (key, *_), v in zip(items, values):
            PRICED_MEMO.put(key, float(v))


@excel_function(
    "ASM_FACTOR_RANGE",
    "Payment adjustment factor at a percentile of the national peer model's {peer_draws:,} simulated "
    "cohorts: P10 cautious, P50 middle, P90 hopeful.",
    FINAL, YEAR, COHORT,
    Arg("percentile", "Optional: percentile of the simulated cohorts, 0-100 (default: the median, P50).",
        optional=True),
    EXCEPTIONS, ASSUMPTIONS, source="REG 512.750; ASSUMPTION: national peer model, exceptions neutral",
    batch=lambda calls: _priced_batch("range", calls))
def asm_factor_range(final_score, performance_year, cohort, percentile=None, exceptions_=None, assumptions=None):
    s = settings_arg(assumptions)
    return PRICED_MEMO.get(lambda _k, *a: _percentile(*a[:-1], assumptions), "range", final_score, performance_year,
                           cohort, percentile, exceptions_, s)


@excel_function(
    "ASM_GAIN_CHANCE",
    "Chance (fraction) that the payment adjustment is positive: the share of the national peer model's "
    "simulated cohorts in which this final score gains.",
    FINAL, YEAR, COHORT, EXCEPTIONS, ASSUMPTIONS, source="REG 512.750; ASSUMPTION: national peer model",
    batch=lambda calls: _priced_batch("gain", calls))
def asm_gain_chance(final_score, performance_year, cohort, exceptions_=None, assumptions=None):
    s = settings_arg(assumptions)
    return PRICED_MEMO.get(lambda _k, *a: _gain_chance(*a[:-1], assumptions), "gain", final_score, performance_year,
                           cohort, exceptions_, s)


@excel_function(
    "ASM_POOL_SF",
    "Scaling factor of the pool in force (Assumptions 'pool'): the national peer model's median over its "
    "draws, or the given one.",
    YEAR, COHORT, ASSUMPTIONS, source="ASSUMPTION: national peer model, or given (CMS's report)")
def asm_pool_sf(performance_year, cohort, assumptions=None):
    return _point(performance_year, cohort, assumptions).scaling_factor


@excel_function(
    "ASM_POOL_MIDPOINT",
    "Midpoint m of the exchange function in the pool in force: {tfs_midpoint:g} (fixed), the national peer "
    "model's median cohort median (tfs_midpoint_mode cohort_median), or the given one.",
    YEAR, COHORT, ASSUMPTIONS, source="ASSUMPTION: national peer model, or given (CMS's report)")
def asm_pool_midpoint(performance_year, cohort, assumptions=None):
    return _point(performance_year, cohort, assumptions).midpoint


@excel_function(
    "ASM_POOL",
    "Where the payment range comes from, in words: the national peer model (its draws and seed) or the "
    "given scaling factor and midpoint.",
    YEAR, COHORT, ASSUMPTIONS, source="ASSUMPTION")
def asm_pool(performance_year, cohort, assumptions=None):
    return _pool(performance_year, cohort, assumptions).source
