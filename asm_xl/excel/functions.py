"""The ASM_* Excel functions (the users' contract: names, argument order, units).

Fractions are Excel percentages (70% = 0.70). Range arguments accept a row, a column or a single
cell. Each function ends with an optional ``assumptions`` argument: a two-column range of setting
names and values (the workbook's Assumptions sheet); omitted → the defaults of
:class:`asm_xl.Settings`.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from asm_xl.model import adjustments, categories, final_score as final_mod, payment
from asm_xl.model.benchmarks import Ladder, packaged_benchmarks
from asm_xl.model.categories import MeasureStatus
from asm_xl.model.errors import ASMInputError
from asm_xl.model.parameters import get_cohort, payment_year, risk_level
from asm_xl.model.participant import MeasureInput, MeasureScore, score_measure
from asm_xl.model.validation import as_bool
from asm_xl.model.points import points_on_ladder
from asm_xl.model.settings import DEFAULT_SETTINGS, Settings
from asm_xl.excel import values as xv
from asm_xl.excel.registry import REGISTRY, Arg, excel_function, explain

ASSUMPTIONS = Arg("assumptions", "Optional: the Assumptions table (setting names and values, 2 columns). "
                  "Omitted: asm-xl's defaults.", optional=True, range=True)
YEAR = Arg("performance_year", "ASM performance year, {first_year}-{last_year}.")


@lru_cache(maxsize=256)
def _settings_from_pairs(pairs: tuple) -> Settings:
    return Settings.from_mapping(dict(pairs))


#: (the last assumptions range object, its Settings), replaced as one tuple so that a thread reading
#: it (xlwings calls UDFs from several threads) never pairs one range with another range's Settings.
_LAST_RANGE: list = [(None, DEFAULT_SETTINGS)]


def settings_arg(v: object) -> Settings:
    """The assumptions range → Settings (cached); rows of (name, value), unknown names → #NUM!.

    The same range object passed again (a workbook evaluation passes one list to every function)
    is recognised by identity, without re-reading it.
    """
    last_range, last_settings = _LAST_RANGE[0]
    if v is last_range:
        return last_settings
    if xv.is_blank(v) if not isinstance(v, list) else False:
        return DEFAULT_SETTINGS
    if not isinstance(v, list):
        raise xv.ExcelError("#VALUE!", "assumptions: a two-column range of setting names and values")
    rows = [list(r) if isinstance(r, (list, tuple)) else [r] for r in v]
    if rows and len(rows[0]) < 2:
        raise xv.ExcelError("#VALUE!", "assumptions: a two-column range of setting names and values")
    pairs = tuple((str(r[0]).strip(), r[1]) for r in rows if not xv.is_blank(r[0]))
    try:
        settings = _settings_from_pairs(pairs)
    except ASMInputError as e:
        raise xv.ExcelError("#NUM!", str(e)) from None
    _LAST_RANGE[0] = (v, settings)
    return settings


def _year(v: object) -> int:
    y = xv.whole("performance_year", v)
    risk_level(y)  # unknown year → ASMInputError → #NUM!
    return y


def _not_scored(v: object) -> bool:
    v = v[0][0] if isinstance(v, list) and v and isinstance(v[0], list) and len(v) == 1 and len(v[0]) == 1 else v
    return xv.is_blank(v) or (isinstance(v, str) and v.strip().upper() == "#N/A") or v is None


@excel_function(
    "ASM_MEASURE_POINTS",
    "Achievement points (1-10) of a quality measure's rate on the packaged MIPS benchmark ladder.",
    Arg("measure", 'MIPS measure: "Q236", "236" or 236.'),
    Arg("collection_type", '"eCQM", "MIPS CQM", "Part B claims" or "administrative claims".'),
    Arg("rate", "Performance rate: a fraction (70% = 0.70); Q492 in native units."),
    Arg("benchmark_year", "Optional: MIPS benchmark year; blank = latest available.", optional=True),
    ASSUMPTIONS, source="MIPS; ASSUMPTION: MIPS benchmarks until ASM's")
def asm_measure_points(measure, collection_type, rate, benchmark_year=None, assumptions=None):
    s = settings_arg(assumptions)
    year = xv.optional_number("benchmark_year", benchmark_year, None)
    ladder = packaged_benchmarks().lookup(xv.text("measure", measure), xv.text("collection_type", collection_type),
                                          int(year) if year else s.benchmark_year)
    allowed = "a fraction between 0 and 1 (70% = 0.70)" if ladder.scale == 100.0 else "a number >= 0"
    x = xv.number("rate", rate, minimum=0.0, maximum=1.0 if ladder.scale == 100.0 else None, allowed=allowed)
    return float(points_on_ladder(x, ladder, cap=s.topped_out_cap, decimals=s.measure_points_decimals))


def _ladder(v: object, inverse: bool, topped_out: bool) -> Ladder:
    vals = [x for x in xv.vector("ladder", v) if x is not None]
    nums = [xv.number("ladder", x) for x in vals]
    if len(nums) != 10:
        raise xv.ExcelError("#VALUE!", f"ladder: ten decile start values needed, got {len(nums)}")
    return Ladder(tuple(nums), inverse=inverse, topped_out=topped_out)


@excel_function(
    "ASM_POINTS",
    "Achievement points (1-10) of a value on a ladder you give (ten decile start values).",
    Arg("value", "The rate or value, in the ladder's units."),
    Arg("ladder", "Ten decile start values B1..B10 (a row or a column).", range=True),
    Arg("inverse", "Optional: TRUE when lower is better (ladder descending). Default FALSE.", optional=True),
    Arg("topped_out", "Optional: TRUE to cap points at {topped_out_cap:g} (topped out by program). Default FALSE.",
        optional=True),
    ASSUMPTIONS, source="MIPS")
def asm_points(value, ladder, inverse=None, topped_out=None, assumptions=None):
    s = settings_arg(assumptions)
    lad = _ladder(ladder, xv.boolean("inverse", inverse, False), xv.boolean("topped_out", topped_out, False))
    return float(points_on_ladder(xv.number("value", value), lad, cap=s.topped_out_cap,
                                  decimals=s.measure_points_decimals))


@excel_function(
    "ASM_QUALITY",
    "Quality category score (fraction) from each measure's points, data completeness and eligible cases.",
    Arg("points", "Each measure's achievement points (0-10), one cell per measure.", range=True),
    Arg("completeness", 'Each measure\'s data completeness (fraction); blank or "n/a" = administrative claims.',
        range=True),
    Arg("cases", 'Each measure\'s eligible cases; "n/a" = not given.', range=True),
    ASSUMPTIONS, source="REG; CMS")
def asm_quality(points, completeness, cases, assumptions=None):
    s = settings_arg(assumptions)
    p, c, n = xv.vector("points", points), xv.vector("completeness", completeness), xv.vector("cases", cases)
    if not (len(p) == len(c) == len(n)):
        raise xv.ExcelError("#VALUE!", f"points, completeness and cases must have equal length "
                                       f"({len(p)}, {len(c)}, {len(n)})")
    pts, comp, elig, admin, reported = [], [], [], [], []
    for i, (pi, ci, ni) in enumerate(zip(p, c, n), start=1):
        if pi is None and ci is None and ni is None:
            continue  # an unused row
        ci = None if xv.is_not_applicable(ci) else ci
        ni = None if xv.is_not_applicable(ni) else ni
        is_admin = ci is None
        cv = 1.0 if is_admin else xv.number(f"completeness #{i}", ci, minimum=0, maximum=1,
                                            allowed="a fraction between 0 and 1")
        nv = xv.number(f"cases #{i}", ni, minimum=0, allowed="a whole number >= 0") if ni is not None else 0.0
        complete = is_admin or cv >= s.completeness_threshold
        if complete and nv >= s.case_minimum:
            pv = xv.number(f"points #{i}", pi, minimum=0, maximum=10, allowed="points between 0 and 10")
        else:
            pv = 0.0
        pts.append(pv)
        comp.append(cv)
        elig.append(nv)
        admin.append(is_admin)
        reported.append(ni is not None or pi is not None)
    if not pts:
        raise xv.ExcelError("#N/A", "no measures given")
    status = categories.measure_status(comp, elig, admin, reported=reported, settings=s)
    q = float(categories.quality_category(np.array(pts), status))
    if np.isnan(q):
        raise xv.ExcelError("#N/A", "quality not scored: every measure is excluded (fewer than "
                                    f"{s.case_minimum} cases)")
    return q


@excel_function(
    "ASM_COST",
    "Cost category score (fraction): cost points / 10; #N/A with fewer than {cost_episode_minimum} episodes.",
    Arg("value", "Cost achievement points (1-10); or, with a ladder, the episode cost."),
    Arg("episodes", "Attributed EBCM episodes (blank = 0)."),
    Arg("ladder", "Optional: ten cost decile start values (descending: lower cost is better).",
        optional=True, range=True),
    ASSUMPTIONS, source="REG")
def asm_cost(value, episodes, ladder=None, assumptions=None):
    s = settings_arg(assumptions)
    eps = xv.optional_number("episodes", episodes, 0.0, minimum=0, allowed="a whole number >= 0")
    if eps < s.cost_episode_minimum:
        raise xv.ExcelError("#N/A", f"cost not scored: {eps:g} episodes, fewer than {s.cost_episode_minimum}")
    if ladder is None or (not isinstance(ladder, list) and xv.is_blank(ladder)):
        pts = xv.number("value", value, minimum=1, maximum=10, allowed="cost points between 1 and 10")
    else:
        pts = float(points_on_ladder(xv.number("value", value, minimum=0, allowed="an episode cost >= 0"),
                                     _ladder(ladder, True, False), cap=s.topped_out_cap))
    return float(categories.cost_category(pts, eps, settings=s))


@excel_function(
    "ASM_FINAL",
    "ASM final score 0-100 from category scores and adjustments; blank or #N/A category = not scored.",
    Arg("quality", "Quality category score (fraction); blank or #N/A = not scored."),
    Arg("cost", "Cost category score (fraction); blank or #N/A = not scored."),
    Arg("ia_done", "Improvement activities completed: 0, 1 or 2."),
    Arg("pi_score", "Promoting Interoperability score (fraction)."),
    Arg("complex_bonus", "Optional: complex patient bonus, 0-{complex_bonus_max:g} points. Default 0.",
        optional=True),
    Arg("practice_size", "Optional: clinicians in the TIN (1 solo +{solo_practice_bonus:g}, "
                         "2-{small_practice_max_clinicians} +{small_practice_bonus:g}). Default: no bonus.",
        optional=True),
    Arg("min_submission_met", "Optional: FALSE if the minimum data submission is not met (score 0). "
                              "Default TRUE.", optional=True),
    ASSUMPTIONS, source="CMS; ASSUMPTION: reweighting, linear PI")
def asm_final(quality, cost, ia_done, pi_score, complex_bonus=None, practice_size=None,
              min_submission_met=None, assumptions=None):
    s = settings_arg(assumptions)
    q = np.nan if _not_scored(quality) else xv.number("quality", quality, minimum=0, maximum=1)
    c = np.nan if _not_scored(cost) else xv.number("cost", cost, minimum=0, maximum=1)
    ia = xv.whole("ia_done", ia_done, minimum=0, maximum=2, allowed="0, 1 or 2")
    pi = xv.number("pi_score", pi_score, minimum=0, maximum=1, allowed="a fraction between 0 and 1")
    bonus = xv.optional_number("complex_bonus", complex_bonus, 0.0, minimum=0, maximum=s.complex_bonus_max)
    size = xv.optional_number("practice_size", practice_size, None, minimum=1, allowed="clinicians >= 1")
    met = xv.boolean("min_submission_met", min_submission_met, True)
    practice = 0.0 if size is None else float(adjustments.practice_size_bonus(size, settings=s))
    f = float(final_mod.final_score(q, c, float(adjustments.ia_adjustment(ia, settings=s)),
                                    float(adjustments.pi_adjustment(pi, settings=s)), bonus, practice, met,
                                    settings=s))
    if np.isnan(f):
        raise xv.ExcelError("#N/A", "neither quality nor cost is scored: the final score cannot be computed")
    return f


@excel_function(
    "ASM_TFS",
    "Transformed final score: logistic exchange function 1/(1+exp(-k(final-m))), "
    "k={tfs_steepness:g}, m={tfs_midpoint:g} by default.",
    Arg("final_score", "Final score 0-100."),
    ASSUMPTIONS, source="ASSUMPTION")
def asm_tfs(final_score, assumptions=None):
    s = settings_arg(assumptions)
    f = xv.number("final_score", final_score, minimum=0, maximum=100)
    return float(payment.transformed_final_score(f, settings=s))


def _cohort(final_scores, payments, name: str = "final_scores"):
    f = xv.vector(name, final_scores)
    p = xv.vector("payments", payments) if payments is not None and isinstance(payments, list) else None
    if p is not None and len(p) != len(f):
        raise xv.ExcelError("#VALUE!", f"{name} and payments must have equal length ({len(f)}, {len(p)})")
    finals, weights = [], []
    for i, fi in enumerate(f):
        if fi is None or xv.is_error(fi):
            continue  # blank or not computable: not in the pool
        finals.append(xv.number(f"{name} #{i + 1}", fi, minimum=0, maximum=100))
        weights.append(1.0 if p is None else xv.number(f"payments #{i + 1}", p[i], minimum=0))
    if not finals:
        raise xv.ExcelError("#N/A", f"{name}: no final scores")
    return np.array(finals), np.array(weights)


def _scaling(scaling, performance_year: int, payments, s: Settings) -> float:
    if isinstance(scaling, list) and len(xv.flatten("scaling", scaling)) > 1:
        finals, weights = _cohort(scaling, payments, "scaling")
        return payment.solve_scaling_factor(finals, weights, risk_level(performance_year), settings=s).scaling_factor
    return xv.optional_number("scaling", scaling, s.default_scaling_factor, minimum=0)


@excel_function(
    "ASM_SCALING",
    "Scaling factor of a cohort from its final scores (payment-weighted with payments): the pool pays "
    "back {pool_payback:.0%}.",
    Arg("final_scores", "The cohort's final scores (one cohort: HF or LBP).", range=True),
    YEAR,
    Arg("payments", "Optional: each participant's Part B payments (same length).", optional=True, range=True),
    ASSUMPTIONS, source="CMS; ASSUMPTION: payment-weighted, bounded")
def asm_scaling(final_scores, performance_year, payments=None, assumptions=None):
    s = settings_arg(assumptions)
    py = _year(performance_year)
    finals, weights = _cohort(final_scores, payments)
    return payment.solve_scaling_factor(finals, weights, risk_level(py), settings=s).scaling_factor


@excel_function(
    "ASM_FACTOR",
    "Payment adjustment factor (fraction, within +/- risk level) of a final score.",
    Arg("final_score", "Final score 0-100."),
    YEAR,
    Arg("scaling", "Optional: the scaling factor, or the cohort's final scores to compute it from. "
                   "Default {default_scaling_factor:g}.", optional=True, range=True),
    Arg("payments", "Optional: with a cohort range, each participant's Part B payments.", optional=True,
        range=True),
    ASSUMPTIONS, source="REG 512.750; ASSUMPTION: bounds, default scaling factor")
def asm_factor(final_score, performance_year, scaling=None, payments=None, assumptions=None):
    s = settings_arg(assumptions)
    py = _year(performance_year)
    f = xv.number("final_score", final_score, minimum=0, maximum=100)
    sf = _scaling(scaling, py, payments, s)
    tfs = payment.transformed_final_score(f, settings=s)
    return float(payment.adjustment_factor(f, tfs, risk_level(py), sf, settings=s))


@excel_function(
    "ASM_MULTIPLIER",
    "Payment multiplier = 1 + payment adjustment factor, applied to Part B claims in the payment year.",
    Arg("final_score", "Final score 0-100."),
    YEAR,
    Arg("scaling", "Optional: the scaling factor, or the cohort's final scores. Default {default_scaling_factor:g}.",
        optional=True,
        range=True),
    Arg("payments", "Optional: with a cohort range, each participant's Part B payments.", optional=True,
        range=True),
    ASSUMPTIONS, source="CMS")
def asm_multiplier(final_score, performance_year, scaling=None, payments=None, assumptions=None):
    return float(payment.payment_multiplier(asm_factor(final_score, performance_year, scaling, payments,
                                                       assumptions)))


@excel_function(
    "ASM_IMPACT",
    "Dollar impact = payment adjustment factor x Part B payments.",
    Arg("factor", "Payment adjustment factor (fraction)."),
    Arg("part_b_payments", "Medicare Part B payments, dollars."), source="CMS")
def asm_impact(factor, part_b_payments):
    return float(payment.dollar_impact(xv.number("factor", factor, minimum=-1, maximum=1),
                                       xv.number("part_b_payments", part_b_payments, minimum=0)))


@excel_function("ASM_RISK_LEVEL", "Risk level r of a performance year: {risk_levels} ({first_year}-{last_year}).", YEAR, source="CMS")
def asm_risk_level(performance_year):
    return risk_level(_year(performance_year))


@excel_function("ASM_PAYMENT_YEAR", "Payment year of a performance year (performance year + 2).", YEAR, source="CMS")
def asm_payment_year(performance_year):
    return payment_year(_year(performance_year))


@excel_function(
    "ASM_IA_ADJ", "Improvement activities adjustment: -{ia_penalty_per_missing:g} points per activity "
    "(IA-1, IA-2) not done; 0 when both are done.",
    Arg("ia_done", "Improvement activities completed: 0, 1 or 2."), ASSUMPTIONS, source="CMS")
def asm_ia_adj(ia_done, assumptions=None):
    s = settings_arg(assumptions)
    return float(adjustments.ia_adjustment(xv.whole("ia_done", ia_done, minimum=0, maximum=2), settings=s))


@excel_function(
    "ASM_PI_ADJ", "Promoting Interoperability adjustment: -{pi_max_penalty:g} x (1 - PI score), 0 to "
    "-{pi_max_penalty:g} points.",
    Arg("pi_score", "PI score (fraction)."), ASSUMPTIONS, source="CMS; ASSUMPTION: linear")
def asm_pi_adj(pi_score, assumptions=None):
    s = settings_arg(assumptions)
    return float(adjustments.pi_adjustment(xv.number("pi_score", pi_score, minimum=0, maximum=1), settings=s))


@excel_function(
    "ASM_PRACTICE_BONUS", "Small practice bonus: +{solo_practice_bonus:g} solo, +{small_practice_bonus:g} for "
    "2-{small_practice_max_clinicians} clinicians, 0 above.",
    Arg("practice_size", "Clinicians in the TIN."), ASSUMPTIONS, source="CMS")
def asm_practice_bonus(practice_size, assumptions=None):
    s = settings_arg(assumptions)
    return float(adjustments.practice_size_bonus(xv.whole("practice_size", practice_size, minimum=1), settings=s))


@excel_function(
    "ASM_COMPLETENESS", "Data completeness = reported cases / eligible cases (0 when nothing is reported).",
    Arg("reported", "Cases reported (blank = 0)."), Arg("eligible", "Eligible cases (blank = 0)."), source="REG")
def asm_completeness(reported, eligible):
    r = xv.optional_number("reported", reported, 0.0, minimum=0, allowed="a whole number >= 0")
    e = xv.optional_number("eligible", eligible, 0.0, minimum=0, allowed="a whole number >= 0")
    if r > e:
        raise xv.ExcelError("#NUM!", f"reported: {r:g} is more than eligible ({e:g})")
    return r / e if e > 0 else 0.0


@excel_function(
    "ASM_MIN_SUBMISSION",
    "TRUE when the minimum data submission is met: one non-claims measure at "
    "{completeness_threshold:.0%} completeness, on time.",
    Arg("completeness", 'Each measure\'s data completeness; blank or "n/a" = administrative claims.', range=True),
    Arg("on_time", "Optional: data submitted on time (TRUE/FALSE, yes/no). Default TRUE.", optional=True),
    ASSUMPTIONS, source="CMS")
def asm_min_submission(completeness, on_time=None, assumptions=None):
    s = settings_arg(assumptions)
    comp = [c for c in xv.vector("completeness", completeness)
            if c is not None and not xv.is_error(c) and not xv.is_not_applicable(c)]
    values = [xv.number("completeness", c, minimum=0, maximum=1) for c in comp]
    met = categories.minimum_submission_met(np.array(values, dtype=float), np.zeros(len(values), dtype=bool),
                                            xv.boolean("on_time", on_time, True), settings=s)
    return bool(met)


@excel_function(
    "ASM_PERCENTILE", "Percentile rank (0-100) of a final score among the cohort's final scores.",
    Arg("final_score", "Final score 0-100."),
    Arg("final_scores", "The cohort's final scores.", range=True), source="scipy percentileofscore(kind='mean')")
def asm_percentile(final_score, final_scores):
    f = xv.number("final_score", final_score, minimum=0, maximum=100)
    finals, _ = _cohort(final_scores, None)
    s = np.sort(finals)
    less, leq = np.searchsorted(s, f, "left"), np.searchsorted(s, f, "right")
    return float(100.0 * (less + leq) / (2.0 * s.size))


MEASURE_ITEMS = ("collection_type", "completeness", "cases", "points", "counted", "status")


@lru_cache(maxsize=4096)
def _measure_score(cohort, measure, collection_type, eligible, reported, completeness, rate, points, year,
                   settings: Settings) -> MeasureScore:
    m = get_cohort(cohort).measure(measure)
    table = packaged_benchmarks()
    return score_measure(m, MeasureInput(m.id, collection_type, eligible, reported, rate, points, completeness),
                         lambda mm, ctype: table.lookup(mm.id, ctype, year), settings)


def _scalar(name: str, v: object) -> object:
    if isinstance(v, list):
        flat = xv.flatten(name, v)
        if len(flat) != 1:
            raise xv.ExcelError("#VALUE!", f"{name}: one cell, not a range")
        v = flat[0]
    if xv.is_error(v):
        raise xv.ExcelError(str(v), f"{name} is the error {v}")
    return None if xv.is_blank(v) else v


@excel_function(
    "ASM_MEASURE",
    "One cell of a quality measure's row, from the scoring kernel: collection_type (blank = the measure's "
    'first), completeness ("n/a": claims), cases, points ("-": not scored), counted or status.',
    Arg("item", 'What to return: "collection_type", "completeness", "cases", "points", "counted" or "status".'),
    Arg("cohort", '"HF" or "LBP".'),
    Arg("measure", 'MIPS measure: "Q236", "236" or 236.'),
    Arg("collection_type", "Collection type as entered; blank = the measure's first."),
    Arg("eligible", "Eligible cases; blank = not given."),
    Arg("reported", "Reported cases; blank = not given (completeness = reported / eligible)."),
    Arg("completeness", "Data completeness as given (fraction); overrides reported cases."),
    Arg("rate", "Performance rate: a fraction (70% = 0.70); Q492 in native units."),
    Arg("points", "Achievement points from a CMS report (0-10); replace the rate."),
    Arg("benchmark_year", "Optional: MIPS benchmark year; blank = latest available.", optional=True),
    ASSUMPTIONS, source="REG; CMS; MIPS")
def asm_measure(item, cohort, measure, collection_type, eligible, reported, completeness, rate, points,
                benchmark_year=None, assumptions=None):
    s = settings_arg(assumptions)
    what = xv.text("item", item).strip().casefold()
    if what not in MEASURE_ITEMS:
        raise xv.ExcelError("#VALUE!", f"item: one of {', '.join(MEASURE_ITEMS)}")
    year = xv.optional_number("benchmark_year", benchmark_year, None)
    args = [_scalar(n, v) for n, v in (("cohort", cohort), ("measure", measure), ("collection_type", collection_type),
                                       ("eligible", eligible), ("reported", reported),
                                       ("completeness", completeness), ("rate", rate), ("points", points))]
    ms = _measure_score(*args, int(year) if year else s.benchmark_year, s)
    admin = ms.collection_type == "Administrative claims"
    counted = ms.status in MeasureStatus.COUNTED
    if what == "collection_type":
        return ms.collection_type
    if what == "status":
        text = ms.status_text
        return text[:1].upper() + text[1:]
    if what == "completeness":  # n/a = administrative claims (complete by definition), as ASM_QUALITY reads it
        return xv.NOT_APPLICABLE if admin and ms.status != MeasureStatus.NOT_REPORTED else float(ms.completeness or 0.0)
    if what == "cases":
        if admin and ms.status == MeasureStatus.NOT_AVAILABLE:
            return xv.NOT_APPLICABLE
        return float(ms.eligible_cases or 0)
    if what == "points":
        return float(ms.points) if ms.status == MeasureStatus.SCORED else xv.NOT_SCORED
    return float(ms.points) if ms.status == MeasureStatus.SCORED else (0.0 if counted else xv.EXCLUDED)


@excel_function(
    "ASM_NOTE",
    "How the final score weighs quality and cost (reweighting, the minimum submission), as the scoring "
    "core says it.",
    Arg("quality", "Quality category score; blank or #N/A = not scored."),
    Arg("cost", "Cost category score; blank or #N/A = not scored."),
    Arg("min_submission_met", "Optional: FALSE/No if the minimum data submission is not met. Default TRUE.",
        optional=True),
    ASSUMPTIONS, source="REG; ASSUMPTION: reweighting")
def asm_note(quality, cost, min_submission_met=None, assumptions=None):
    s = settings_arg(assumptions)
    for name, v in (("quality", quality), ("cost", cost)):
        if xv.is_error(v) and not _not_scored(v):
            raise xv.ExcelError(str(v), f"{name} is the error {v}")
    met = xv.boolean("min_submission_met", min_submission_met, True)
    return final_mod.category_note(not _not_scored(quality), not _not_scored(cost), met, settings=s)


@excel_function(
    "ASM_IA_DONE", "Improvement activities completed (0, 1 or 2) from two yes/no cells: IA-1 and IA-2.",
    Arg("ia1", "IA-1 done for 90 days: yes/no, TRUE/FALSE; blank = no."),
    Arg("ia2", "IA-2 done for 90 days: yes/no, TRUE/FALSE; blank = no."), source="CMS")
def asm_ia_done(ia1, ia2):
    try:
        return sum(0 if xv.is_blank(v) else int(as_bool(n, v)) for n, v in (("ia1", ia1), ("ia2", ia2)))
    except ASMInputError as e:
        raise xv.ExcelError("#VALUE!", str(e)) from None


@excel_function(
    "ASM_WHY",
    "Why an ASM function shows an error: give the function's name and the same arguments.",
    Arg("function", 'Name of the ASM function, e.g. "ASM_QUALITY".'),
    variadic=Arg("args", "The same arguments as in the cell that shows the error."),
)
def asm_why(function, *args):
    name = xv.text("function", function).upper()
    if name == "ASM_WHY" or name not in REGISTRY:
        raise xv.ExcelError("#NAME?", f"unknown ASM function {function!r}")
    return explain(name, *args)
