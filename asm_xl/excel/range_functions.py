"""ASM_* functions of the pool and the payment range: a final score priced against the pool in force,
by default the national peer model (spec 8: the cohort is national and unseen, so an honest estimate
is a range with its source).

Each function calls :func:`asm_xl.model.pool_choice.pricing_pool` or ``reference_point``, as the
cohort API's :func:`~asm_xl.model.ranges.payment_ranges` does, so a workbook's range equals the core's.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from asm_xl.model.errors import ASMInputError
from asm_xl.excel import values as xv
from asm_xl.excel.arguments import ASSUMPTIONS, YEAR, RangeMemo, settings_arg, year_arg
from asm_xl.excel.exception_cells import EXCEPTIONS_DOC, excepted_arg
from asm_xl.excel.registry import Arg, excel_function
from asm_xl.model import exceptions
from asm_xl.model.parameters import get_cohort
from asm_xl.model.peer_pricing import gain_share
from asm_xl.model.pool_choice import pricing_pool, reference_point
from asm_xl.model.pool_warnings import pool_warnings
from asm_xl.model.score_needed import break_even_score, score_for_gain_chance

__all__: list[str] = []

COHORT = Arg("cohort", '"HF" or "LBP": the national cohort the final score is ranked in.')
FINAL = Arg("final_score", "Final score 0-100.")


def _cohort_year(cohort, performance_year) -> tuple[str, int]:
    """(cohort code, performance year) of a call's arguments, each checked as the cell reports it."""
    return get_cohort(xv.text("cohort", cohort)).code, year_arg(performance_year)


def _point(performance_year, cohort, assumptions):
    s = settings_arg(assumptions)
    return reference_point(*_cohort_year(cohort, performance_year), s)


EXCEPTIONS = Arg("exceptions", EXCEPTIONS_DOC + "; one that applies: factor 0 in every case.", optional=True, range=True)


def _priced_call(kind: str, args: tuple, s) -> tuple:
    """(cohort, performance year, final score, percentile or None, excepted) of one ASM_FACTOR_RANGE
    ("range": final, year, cohort, percentile, exceptions) or ASM_GAIN_CHANCE ("gain": final, year,
    cohort, exceptions) call with the settings ``s``, each argument checked as the cell reports it."""
    final, year, cohort = args[:3]
    pct = xv.percentile("percentile", args[3], 50.0) if kind == "range" else None
    code, py = _cohort_year(cohort, year)
    return code, py, xv.number("final_score", final, minimum=0, maximum=100), pct, excepted_arg(args[-1], s)


def _priced_values(kind: str, s, code: str, py: int, items: list[tuple]) -> list[float]:
    """The values of calls [(final score, percentile, excepted)] in one pool: its factors of all the
    final scores at once (an excepted one neutral), then per row the percentile or the share > 0
    (numpy's percentile and mean work row by row: one call alone gives the same number)."""
    factors = pricing_pool(code, py, s).factors([f for f, _, _ in items])
    factors = exceptions.neutral_factor(factors, np.array([e for *_, e in items])[:, None])
    if kind == "gain":
        return [float(v) for v in gain_share(factors)]
    pcts = sorted({p for _, p, _ in items})
    q = np.percentile(factors, pcts, axis=1)
    where = {p: j for j, p in enumerate(pcts)}
    return [float(q[where[p], i]) for i, (_, p, _) in enumerate(items)]


def _priced_one(kind: str, *args):
    """One call (its arguments, then the settings), as :func:`_priced_values` of a batch of one."""
    *args, s = args
    code, py, f, pct, excepted = _priced_call(kind, tuple(args), s)
    return _priced_values(kind, s, code, py, [(f, pct, excepted)])[0]


#: results of ASM_FACTOR_RANGE and ASM_GAIN_CHANCE, once per distinct call (and computed in batches:
#: a generated roster's workbooks price all their final scores at once)
PRICED_MEMO = RangeMemo(size=16_384)


def _priced_batch(kind: str, calls: list[tuple]) -> None:
    """ASM_FACTOR_RANGE ("range") or ASM_GAIN_CHANCE ("gain") of many calls, grouped by pool
    (:func:`_priced_values`), kept in :data:`PRICED_MEMO`; a call with a bad argument computes itself."""
    PRICED_MEMO.make_room(len(calls))   # every result of this batch is kept until its calls read it
    groups: dict = {}
    for args in calls:
        try:
            s = settings_arg(args[-1])
            code, py, f, pct, excepted = _priced_call(kind, args[:-1], s)
        except (xv.ExcelError, ASMInputError):   # e.g. the year 2035: the call computes itself (#NUM!)
            continue
        groups.setdefault((s, code, py), []).append(((kind,) + args[:-1] + (s,), (f, pct, excepted)))
    for (s, code, py), items in groups.items():
        for (key, _), v in zip(items, _priced_values(kind, s, code, py, [item for _, item in items])):
            PRICED_MEMO.put(key, v)


@excel_function(
    "ASM_FACTOR_RANGE",
    "Payment adjustment factor at a percentile of the pool in force (the national peer model's {peer_draws:,} "
    "simulated cohorts; a given or roster pool is one point, the same at every percentile): P10 cautious, P50 "
    "middle, P90 hopeful.",
    FINAL, YEAR, COHORT,
    Arg("percentile", "Optional: percentile of the simulated cohorts, 0-100 (default: the median, P50).",
        optional=True),
    EXCEPTIONS, ASSUMPTIONS, source="REG 512.750; ASSUMPTION: national peer model, exceptions neutral",
    batch=lambda calls: _priced_batch("range", calls))
def asm_factor_range(final_score, performance_year, cohort, percentile=None, exceptions_=None, assumptions=None):
    return PRICED_MEMO.get(_priced_one, "range", final_score, performance_year, cohort, percentile, exceptions_,
                           settings_arg(assumptions))


@excel_function(
    "ASM_GAIN_CHANCE",
    "Chance (fraction) that the payment adjustment is positive: the share of the pool in force's draws (the "
    "national peer model's simulated cohorts; a given or roster pool is one point: 1 or 0) in which this final "
    "score gains.",
    FINAL, YEAR, COHORT, EXCEPTIONS, ASSUMPTIONS, source="REG 512.750; ASSUMPTION: national peer model",
    batch=lambda calls: _priced_batch("gain", calls))
def asm_gain_chance(final_score, performance_year, cohort, exceptions_=None, assumptions=None):
    return PRICED_MEMO.get(_priced_one, "gain", final_score, performance_year, cohort, exceptions_,
                           settings_arg(assumptions))


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
    # what to check about it (a given scaling factor of 16.2 typed for 1.62, a k outside the draws'), as the
    # cohort API warns it: a workbook's pool text was silent
    s = settings_arg(assumptions)
    code, py = _cohort_year(cohort, performance_year)
    return "; ".join([pricing_pool(code, py, s).source] + [f"warning: {w}" for w in pool_warnings(code, py, s)])


#: what ASM_SCORE_NEEDED's target takes, in the words of its error
TARGET_ALLOWED = ('blank or "break-even" (the P50 factor 0), "gain" (the Assumptions\' gain_chance_target), or a '
                  'chance of a gain from 0 to 1 (0.9 or 90%)')


def _chance_aimed_at(target, s) -> float | None:
    """ASM_SCORE_NEEDED's target: None for break-even, else the chance of a gain aimed at (an input's #N/A:
    #VALUE!, never the "not reachable" #N/A)."""
    xv.reject_input_error("target", target)
    if xv.is_blank(target):
        return None
    if target.__class__ is str:   # (an error value was refused above)
        word = target.strip().lower().replace(" ", "-")
        if word in ("break-even", "breakeven"):
            return None
        if word == "gain":
            return s.gain_chance_target
        if not xv.reads_as_number(target):
            raise xv.ExcelError("#VALUE!", f"target: {target!r} is not allowed ({TARGET_ALLOWED})")
    return xv.number("target", target, minimum=0, maximum=1, percent=True, allowed=TARGET_ALLOWED)


@lru_cache(maxsize=256)
def _score_needed(code: str, py: int, chance: float | None, s) -> float | None:
    """The model's score needed (:mod:`asm_xl.model.score_needed`), once per pool and target: every
    workbook of a cohort and year asks the same."""
    if chance is None:
        return break_even_score(code, py, settings=s)
    return score_for_gain_chance(code, py, chance, settings=s)


@excel_function(
    "ASM_SCORE_NEEDED",
    "Final score needed in the pool in force: blank target = break-even (the smallest final score whose P50 "
    "factor is 0 or more); \"gain\" = a chance of a gain of at least gain_chance_target ({gain_chance_target:.0%}); "
    "a number = that chance.",
    YEAR, COHORT,
    Arg("target", 'Optional: blank or "break-even"; "gain" (the Assumptions\' gain_chance_target); or a chance of '
                  "a gain from 0 to 1 (a fraction or a percent).", optional=True),
    Arg("exceptions", EXCEPTIONS_DOC + "; one that applies: #N/A (factor 0 whatever the score).", optional=True,
        range=True),
    ASSUMPTIONS, source="REG 512.750; ASSUMPTION: national peer model")
def asm_score_needed(performance_year, cohort, target=None, exceptions_=None, assumptions=None):
    s = settings_arg(assumptions)
    code, py = _cohort_year(cohort, performance_year)
    chance = _chance_aimed_at(target, s)
    if excepted_arg(exceptions_, s):
        raise xv.ExcelError("#N/A", "no score is needed: an exception or not participating makes the factor 0 "
                                    "whatever the final score")
    needed = _score_needed(code, py, chance, s)
    if needed is None:
        raise xv.ExcelError("#N/A", "not reachable: even a final score of 100 " + (
            "has a P50 factor below 0 in the pool in force" if chance is None
            else f"gains in fewer than {chance:.0%} of the pool in force's draws"))
    return needed
