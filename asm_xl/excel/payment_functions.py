"""ASM_* functions of payment (spec 8): exchange function, scaling factor, factor, multiplier,
dollar impact, risk level, payment year, percentile rank."""

from __future__ import annotations

import numpy as np

from asm_xl.model import exceptions, payment, pool_choice
from asm_xl.model.parameters import get_cohort, payment_year
from asm_xl.model.settings import Settings
from asm_xl.model.validation import DOLLARS_ALLOWED, MAX_DOLLARS
from asm_xl.excel import values as xv
from asm_xl.excel.arguments import ASSUMPTIONS, YEAR, RangeMemo, SettingsMemo, settings_arg, year_arg, year_risk
from asm_xl.excel.exception_cells import EXCEPTIONS_DOC, excepted_arg
from asm_xl.excel.registry import Arg, excel_function

__all__: list[str] = []

MIDPOINT_NEEDS_COHORT = ("tfs_midpoint_mode is 'cohort_median': give the cohort's final scores, a midpoint, or "
                         "ASM_POOL_MIDPOINT(performance_year, cohort)")


def _midpoint(midpoint, s: Settings) -> float:
    """m of ASM_TFS: a number, the cohort's final scores (m by tfs_midpoint_mode), or blank."""
    if isinstance(midpoint, list) and len(xv.flatten("midpoint", midpoint)) > 1:
        finals, _ = _cohort(midpoint, None, "midpoint")
        return float(payment.cohort_midpoints(finals, True, settings=s)[0])
    m = xv.optional_number("midpoint", midpoint, pool_choice.fixed_midpoint(s), minimum=0, maximum=100)
    if m is None:
        raise xv.ExcelError("#VALUE!", f"midpoint: {MIDPOINT_NEEDS_COHORT}")
    return m


@excel_function(
    "ASM_TFS",
    "Transformed final score (k and m as CMS published them for the cohort and year, if given): logistic "
    "exchange function 1/(1+exp(-k(final-m))), k={tfs_steepness:g}; m: the midpoint given, the cohort's "
    "(tfs_midpoint_mode) or {tfs_midpoint:g}.",
    Arg("final_score", "Final score 0-100."),
    Arg("midpoint", "Optional: m, or the cohort's final scores (m = {tfs_midpoint:g}, or their median when "
                    "tfs_midpoint_mode is cohort_median). Blank: a given pool's given_midpoint, else {tfs_midpoint:g} "
                    "(#VALUE! when tfs_midpoint_mode is cohort_median).",
        optional=True, range=True),
    ASSUMPTIONS,
    Arg("performance_year", "Optional, with cohort: the exchange function CMS published for that cohort and "
                            "year (model data) replaces k and m, as in ASM_FACTOR. Blank: the assumptions' k.",
        optional=True),
    Arg("cohort", 'Optional, with performance_year: "HF" or "LBP".', optional=True),
    source="ASSUMPTION")
def asm_tfs(final_score, midpoint=None, assumptions=None, performance_year=None, cohort=None):
    """TFS = 1 / (1 + exp(-k (final - m))) [ASSUMPTION], with k and m of the cohort and year when CMS published
    them (:func:`asm_xl.model.pool_choice.cohort_settings`): the k every other API prices that cohort with."""
    s = settings_arg(assumptions)
    if (performance_year is not None or cohort is not None) and not (xv.is_blank(performance_year)
                                                                   and xv.is_blank(cohort)):
        py = year_arg(performance_year)   # (a wrong year was said to be a blank cohort)
        if xv.is_blank(cohort):
            raise xv.ExcelError("#VALUE!", "cohort is blank: give it with performance_year (both, or neither)")
        s = pool_choice.cohort_settings(get_cohort(xv.text("cohort", cohort)).code, py, s)
    f = xv.number("final_score", final_score, minimum=0, maximum=100)
    return float(payment.transformed_final_score(f, midpoint=_midpoint(midpoint, s), settings=s))


def _payment(name: str, v) -> float:
    """One participant's Part B payments: dollars from 0 to the roster's MAX_DOLLARS (1e308 each made the scaling
    factor inf, two rows, or a traceback)."""
    return xv.number(name, v, minimum=0, maximum=MAX_DOLLARS, allowed=DOLLARS_ALLOWED, grouped=True)


def _cohort(final_scores, payments, name: str = "final_scores"):
    f = xv.vector(name, final_scores)
    # one cell given (xlwings gives a one-cell range as its value) is a one-cell range, not nothing: ignored, the
    # pool was solved unweighted for three final scores and one payment, where headless it was an error
    if payments is None or (not isinstance(payments, list) and xv.is_blank(payments)):
        p = None
    else:
        p = xv.vector("payments", payments if isinstance(payments, list) else [[payments]])
    if p is not None and len(p) != len(f):
        raise xv.ExcelError("#VALUE!", f"{name} and payments must have equal length ({len(f)}, {len(p)})")
    finals, weights = [], []
    for i, fi in enumerate(f):
        if fi is None or xv.is_error(fi) or fi.__class__ is bool or (
                fi.__class__ is str and not xv.reads_as_number(fi)):
            # blank or not computable: not in the pool; text (a header selected with the column) and TRUE/FALSE:
            # left out as Excel's RANK, PERCENTRANK and AVERAGE leave them (a text number is read, as every input)
            continue
        finals.append(xv.number(f"{name} #{i + 1}", fi, minimum=0, maximum=100))
        weights.append(1.0 if p is None else _payment(f"payments #{i + 1}", p[i]))
    if not finals:
        raise xv.ExcelError("#N/A", f"{name}: no final scores")
    return np.array(finals), np.array(weights)


def _roster_point(finals, weights, performance_year: int, s: Settings) -> tuple[float, float, float]:
    """SF and m of a cohort given as its final scores, solved as the cohort API solves a roster pool; payments all 0
    in a payment-weighted pool: #DIV/0! (0 / 0: SF 0 and every factor -r were given, said to be "OK")."""
    if s.payment_weighted_pool and not weights.any():
        raise xv.ExcelError("#DIV/0!", "payments: every payment of a participant with a final score is 0: a payment-"
                                       "weighted pool weighs each one by it (give the payments, or leave payments "
                                       "blank for an unweighted pool)")
    m = float(payment.cohort_midpoints(finals, True, settings=s)[0])
    return payment.solve_scaling_factor(finals, weights, year_risk(performance_year), midpoint=m,
                                        settings=s).scaling_factor, m, s.tfs_steepness


#: (SF, m, k) of a cohort given as its final scores (and payments), solved once per distinct content
COHORT_POINTS = RangeMemo()
#: (SF, m, k) of the pool in force, per settings, cohort text and year
_POOL_POINTS = SettingsMemo()


def _cohort_point(scaling, payments, performance_year: int, s: Settings) -> tuple[float, float, float]:
    finals, weights = _cohort(scaling, payments, "scaling")
    sf, m, k = _roster_point(finals, weights, performance_year, s)
    return float(sf), float(m), float(k)   # Python floats: the scalar kernels then run without numpy


def _pool_point(cohort: str, performance_year: int, s: Settings) -> tuple[float, float, float]:
    point = pool_choice.reference_point(get_cohort(xv.text("scaling", cohort)).code, performance_year, s)
    return float(point.scaling_factor), float(point.midpoint), float(point.steepness)


def _named_cohort(cohort, scaling, performance_year: int, s: Settings) -> tuple[str | None, Settings]:
    """(code, settings) of the optional trailing ``cohort`` argument: the cohort's published exchange
    function (k and m, :func:`asm_xl.model.pool_choice.cohort_settings`) then prices a range of final
    scores or a scaling factor as the scoring core prices that cohort; blank: (None, the settings as
    they are). A cohort that differs from the pool ``scaling`` names is #VALUE!."""
    if xv.is_blank(cohort):
        return None, s
    code = get_cohort(xv.text("cohort", cohort)).code
    if scaling.__class__ is str and "#" not in scaling and scaling.strip():
        named = get_cohort(xv.text("scaling", scaling)).code
        if named != code:
            raise xv.ExcelError("#VALUE!", f"cohort: {code}, but scaling names the {named} pool: give one cohort")
    return code, pool_choice.cohort_settings(code, performance_year, s)


def _scaling(scaling, performance_year: int, payments, s: Settings,
             cohort: str | None = None) -> tuple[float, float, float]:
    """(SF, m, k) of ASM_FACTOR's ``scaling``: the cohort's final scores, a cohort code (the pool in force),
    a scaling factor, or blank (only with a 'given' pool) -- the pool is always named, never a default.
    A scaling factor (or the given pool's) takes m by :func:`asm_xl.model.pool_choice.given_point`:
    ``given_midpoint``, else ``tfs_midpoint`` in fixed mode, else (cohort_median) #VALUE! (a blank midpoint) with the reason.

    A cohort range is solved once per distinct content (:data:`COHORT_POINTS`): a sheet of n
    physicians each pricing against the same cohort range costs one solve and n cheap calls."""
    if isinstance(scaling, list):   # a cohort range of many rows goes to its memo unread (it is read once a content)
        flat = None if scaling.__class__ is list and len(scaling) > 1 else xv.flatten("scaling", scaling)
        if flat is None or len(flat) > 1:
            return COHORT_POINTS.get(_cohort_point, scaling, payments, performance_year, s)
        if not flat:   # an empty range is blank (an IndexError)
            scaling = None
    if payments is not None:   # not used without a cohort range, but never silently wrong: an error in it, text or
        # a negative payment is its error, as with a cohort range (ASM_FACTOR(70, 2027, "HF", "abc") said "OK")
        cells = xv.flatten("payments", payments) if isinstance(payments, list) else [payments]
        for i, v in enumerate(cells):
            if xv.is_error(v):
                raise xv.ExcelError(str(v).strip().upper(), f"payments is the error {v}")
            if not xv.is_blank(v):
                _payment("payments" if len(cells) == 1 else f"payments #{i + 1}", v)
    if scaling.__class__ is str and "#" not in scaling and scaling.strip() and not xv.reads_as_number(scaling):
        return _POOL_POINTS.get(s, (scaling, performance_year), lambda: _pool_point(scaling, performance_year, s))
    one = xv.flatten("scaling", scaling)[0]
    if isinstance(one, str) and not xv.is_blank(one) and not xv.is_error(one) and not xv.reads_as_number(one):
        return _pool_point(scaling, performance_year, s)   # a cohort code ("1.37" typed as text is a number)
    sf = xv.optional_number("scaling", scaling, None, minimum=0)
    if sf is None and s.pool != "given":
        raise xv.ExcelError("#VALUE!", "scaling: name the pool: the cohort (\"HF\" or \"LBP\") for the pool in "
                            f"force ({s.pool}), a scaling factor, or the cohort's final scores")
    # a given SF (the number, or blank: the given pool's), m and k as every API takes them (the cohort's
    # published ones when the cohort is named)
    point = pool_choice.given_point(cohort, performance_year, s, scaling_factor=sf, scaling_field="scaling")
    return point.scaling_factor, point.midpoint, point.steepness


COHORT_PUBLISHED = Arg("cohort", 'Optional: "HF" or "LBP": the exchange function CMS published for that cohort and '
                                  "year (model data) replaces the assumptions' k and m, as the scoring core prices "
                                  "the cohort. Blank: the assumptions' k and m.", optional=True)


@excel_function(
    "ASM_SCALING",
    "Scaling factor of a cohort from its final scores (payment-weighted with payments): the pool pays "
    "back {pool_payback:.0%}; m by tfs_midpoint_mode.",
    Arg("final_scores", "The cohort's final scores (one cohort: HF or LBP).", range=True),
    YEAR,
    Arg("payments", "Optional: each participant's Part B payments (same length).", optional=True, range=True),
    ASSUMPTIONS, COHORT_PUBLISHED, source="ASSUMPTION: the pool, payment-weighted; CMS: factors bounded to +/- r")
def asm_scaling(final_scores, performance_year, payments=None, assumptions=None, cohort=None):
    s = settings_arg(assumptions)
    py = year_arg(performance_year)
    if cohort is not None:
        _, s = _named_cohort(cohort, None, py, s)
    return _SCALINGS.get(_scaling_of, final_scores, payments, py, s)


#: ASM_SCALING's result per distinct cohort content (its own memo: its error texts name final_scores)
_SCALINGS = RangeMemo()


def _scaling_of(final_scores, payments, performance_year: int, s: Settings) -> float:
    finals, weights = _cohort(final_scores, payments)
    return float(_roster_point(finals, weights, performance_year, s)[0])


SCALING = Arg("scaling", 'The pool: the cohort ("HF"/"LBP": the pool in force, by default the national peer '
                         "model's median SF and midpoint), a scaling factor (m: given_midpoint, or tfs_midpoint if "
                         "fixed), or the cohort's final scores. Blank: cohort's pool, or a 'given' pool.",
              optional=True,
              range=True)

EXCEPTIONS = Arg("exceptions", EXCEPTIONS_DOC + "; one that applies: factor 0.", optional=True, range=True)


@excel_function(
    "ASM_FACTOR",
    "Payment adjustment factor (fraction, within +/- risk level) of a final score.",
    Arg("final_score", "Final score 0-100."),
    YEAR,
    SCALING,
    Arg("payments", "Optional: with a cohort range, each participant's Part B payments (the pool's weights); "
                    "not this physician's own: ASM_IMPACT prices those. Checked, and not used, with a cohort name or "
                    "a scaling factor.", optional=True, range=True),
    EXCEPTIONS,
    ASSUMPTIONS, COHORT_PUBLISHED, source="REG 512.750; ASSUMPTION: the pool's scaling factor, exceptions neutral")
def asm_factor(final_score, performance_year, scaling=None, payments=None, exceptions_=None, assumptions=None,
               cohort=None):
    s = settings_arg(assumptions)
    py = year_arg(performance_year)
    f = xv.number("final_score", final_score, minimum=0, maximum=100)
    code, s = _named_cohort(cohort, scaling, py, s) if cohort is not None else (None, s)
    if code is not None and xv.is_blank(scaling):   # =ASM_FACTOR(60, 2027, , , , , "HF"): that cohort's pool
        scaling = code
    sf, m, k = _scaling(scaling, py, payments, s, code)
    tfs = payment.transformed_final_score(f, midpoint=m, steepness=k, settings=s)
    factor = float(payment.adjustment_factor(f, tfs, year_risk(py), sf, settings=s))
    if exceptions_ is None:  # the common case: no exception cells
        return factor
    return float(exceptions.neutral_factor(factor, excepted_arg(exceptions_, s)))


@excel_function(
    "ASM_MULTIPLIER",
    "Payment multiplier = 1 + payment adjustment factor, applied to the Medicare paid amount for physician fee "
    "schedule services in the payment year (beneficiary cost sharing unchanged).",
    Arg("final_score", "Final score 0-100."),
    YEAR,
    SCALING,
    Arg("payments", "Optional: with a cohort range, each participant's Part B payments (the pool's weights); "
                    "not this physician's own: ASM_IMPACT prices those. Checked, and not used, with a cohort name or "
                    "a scaling factor.", optional=True, range=True),
    EXCEPTIONS,
    ASSUMPTIONS, COHORT_PUBLISHED, source="CMS; ASSUMPTION: the pool's scaling factor, exceptions neutral")
def asm_multiplier(final_score, performance_year, scaling=None, payments=None, exceptions_=None, assumptions=None,
                   cohort=None):
    return float(payment.payment_multiplier(asm_factor(final_score, performance_year, scaling, payments,
                                                       exceptions_, assumptions, cohort)))


@excel_function(
    "ASM_IMPACT",
    "Dollar impact = payment adjustment factor x the Medicare paid amount for physician fee schedule covered "
    "professional services in the payment year.",
    Arg("factor", "Payment adjustment factor (fraction, -1 to 1; above 1 only where bound_factors is No)."),
    Arg("part_b_payments", "Medicare paid amount for PFS covered professional services of the TIN/NPI in the "
                           "payment year, dollars."), ASSUMPTIONS, source="CMS")
def asm_impact(factor, part_b_payments, assumptions=None):
    # The factor's bounds (+/- r) are ASM_FACTOR's rule (bound_factors), not restated: -1..1 only says
    # "a fraction of the payments", so a factor typed as a percent (6 for 6%) is #NUM!, not 6 x payments.
    # Without the bound (bound_factors No) a pool can pay a factor over 1 (a few positive scores sharing a
    # large budget), which ASM_FACTOR gives and the core prices: no upper limit then.
    bounded = settings_arg(assumptions).bound_factors
    return float(payment.dollar_impact(
        xv.number("factor", factor, minimum=-1, maximum=1 if bounded else None, percent=True,
                  allowed="a fraction from -1 to 1: 0.06 or 6% for +6%" if bounded else
                  "a fraction from -1 (bound_factors is No: no upper limit): 0.06 or 6% for +6%"),
        xv.number("part_b_payments", part_b_payments, minimum=0, maximum=MAX_DOLLARS, allowed=DOLLARS_ALLOWED,
                  grouped=True)))


@excel_function("ASM_RISK_LEVEL", "Risk level r of a performance year: {risk_levels} ({first_year}-{last_year}).", YEAR, source="CMS")
def asm_risk_level(performance_year):
    return year_risk(year_arg(performance_year))


@excel_function("ASM_PAYMENT_YEAR", "Payment year of a performance year (performance year + 2).", YEAR, source="CMS")
def asm_payment_year(performance_year):
    return payment_year(year_arg(performance_year))


#: a cohort's final scores sorted, once per distinct content
_SORTED = RangeMemo()


def _sorted_finals(final_scores) -> np.ndarray:
    return np.sort(_cohort(final_scores, None)[0])


@excel_function(
    "ASM_PERCENTILE", "Percentile rank (0-100) of a final score among the cohort's final scores.",
    Arg("final_score", "Final score 0-100."),
    Arg("final_scores", "The cohort's final scores (blanks, errors, TRUE/FALSE and text that is no number left out, as RANK "
                                        "leaves them; a number stored as text is read).", range=True), source="ASSUMPTION: scipy percentileofscore(kind='mean')")
def asm_percentile(final_score, final_scores):
    f = xv.number("final_score", final_score, minimum=0, maximum=100)
    return float(payment.percentile_of(f, _SORTED.get(_sorted_finals, final_scores)))
