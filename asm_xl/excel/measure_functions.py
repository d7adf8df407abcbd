"""ASM_* functions of quality measures and the quality and cost categories (spec 3, 4): measure
points, each cell of a measure row (the scoring kernel), completeness, minimum submission, category
scores."""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from asm_xl.model import categories
from asm_xl.model.benchmarks import LadderOverrides, packaged_benchmarks
from asm_xl.model.errors import ASMInputError
from asm_xl.model.parameters import get_cohort
from asm_xl.model.participant import MeasureInput, MeasureScore, score_measure
from asm_xl.model.points import points_on_ladder
from asm_xl.model.settings import Settings
from asm_xl.excel import values as xv
from asm_xl.excel.arguments import ASSUMPTIONS, NO_LADDER, optional_ladder, scalar_arg, settings_arg
from asm_xl.excel.duplicates import first_rows, measure_key, not_counted_status
from asm_xl.excel.not_given import measure_item, missing_cells, missing_note, missing_scores
from asm_xl.excel.ladder_functions import BENCHMARK_YEAR_DOC, LADDERS, benchmark_year_arg, ladder_of, quality_ladders_arg
from asm_xl.excel.registry import Arg, excel_function

__all__ = ["MEASURE_ITEMS"]

MEASURE_ITEMS = ("collection_type", "completeness", "cases", "points", "counted", "status")


@lru_cache(maxsize=4096, typed=True)   # typed: TRUE and 1 are read apart (1 then TRUE gave 1's score)
def _measure_score(cohort, measure, collection_type, eligible, reported, completeness, rate, points, year,
                   settings: Settings, ladders: LadderOverrides | None = None) -> MeasureScore:
    m = get_cohort(cohort).measure(measure)
    table = packaged_benchmarks()
    return score_measure(m, MeasureInput(m.id, collection_type, eligible, reported, rate, points, completeness),
                         lambda mm, ctype: ladder_of(ladders, table, mm.id, ctype, year), settings)


@excel_function(
    "ASM_MEASURE",
    "One cell of a quality measure's row, from the scoring kernel: collection_type (blank = the measure's "
    'first), completeness ("n/a": claims), cases, points ("-": not scored), counted ("excluded": out of the '
    "score, e.g. no benchmark) or status (says why).",
    Arg("item", 'What to return: "collection_type", "completeness", "cases", "points", "counted" or "status".'),
    Arg("cohort", '"HF" or "LBP".'),
    Arg("measure", 'MIPS measure: "Q236", "236" or 236.'),
    Arg("collection_type", "Collection type as entered; blank = the measure's first."),
    Arg("eligible", "Eligible cases; blank = not given."),
    Arg("reported", "Reported cases; blank = not given (completeness = reported / eligible)."),
    Arg("completeness", "Data completeness as given (fraction); overrides reported cases."),
    Arg("rate", "Performance rate: a fraction (70% = 0.70); Q492 in native units."),
    Arg("points", "Achievement points from a CMS report (0-10); replace the rate (preferred for Q492, whose "
                  "MIPS ladder is only a proxy)."),
    Arg("benchmark_year", BENCHMARK_YEAR_DOC, optional=True),
    ASSUMPTIONS,
    Arg("entered", "Optional: the table's measure cells from its first row down to this one (e.g. $A$1:$A2): a "
                   "measure entered on an earlier row counts there, not here (status says so; counted: "
                   "\"excluded\") [ASSUMPTION].", optional=True, range=True),
    LADDERS,
    source="REG; CMS; MIPS; ASSUMPTION: a measure entered twice counts once, on its first row")
def asm_measure(item, cohort, measure, collection_type, eligible, reported, completeness, rate, points,
                benchmark_year=None, assumptions=None, entered=None, ladders=None):
    s = settings_arg(assumptions)
    what = xv.text("item", item).strip().casefold()
    if what not in MEASURE_ITEMS:
        raise xv.ExcelError("#VALUE!", f"item: one of {', '.join(MEASURE_ITEMS)}")
    year = benchmark_year_arg(benchmark_year, s)
    mid = scalar_arg("measure", measure)
    args = (scalar_arg("cohort", cohort), mid, scalar_arg("collection_type", collection_type),
            scalar_arg("eligible", eligible), scalar_arg("reported", reported),
            scalar_arg("completeness", completeness), scalar_arg("rate", rate), scalar_arg("points", points),
            year, s, quality_ladders_arg(ladders))
    if entered is not None and (first := _first_entry(entered, mid)) is not None:
        return _not_counted(what, args, *first)
    return measure_item(_measure_score(*args), what)


def _first_entry(entered, measure) -> tuple[int, int] | None:
    """(first row, this row) when this row's measure was entered on an earlier row of ``entered`` (the
    table's measure cells down to this row), else None (:func:`~asm_xl.excel.duplicates.first_rows`)."""
    if not (cells := xv.flatten("entered", entered)):   # an empty range (an IndexError, logged as an internal error)
        raise xv.ExcelError("#VALUE!", "entered: an empty range: give the measure cells from the table's first row down to this one")
    if measure_key(cells[-1]) != measure_key(measure):
        raise xv.ExcelError("#VALUE!", f"entered: its last cell ({cells[-1]!r}) must be this row's measure "
                                       f"({measure!r}): give the measure cells from the table's first row down "
                                       "to this one")
    row = len(cells) - 1
    first = first_rows(cells)[row]
    return None if first is None or first == row else (first, row)


def _not_counted(what: str, args: tuple, first: int, row: int):
    """A cell of a row whose measure counts on an earlier row: no completeness, cases or points (so
    ASM_QUALITY and ASM_MIN_SUBMISSION do not read it), counted "excluded", the status says why."""
    if what == "status":
        return not_counted_status(args[1], first, row)
    if what == "counted":
        return xv.EXCLUDED
    if what == "collection_type":
        try:
            return _measure_score(*args).collection_type
        except ASMInputError:  # this row's own inputs do not matter: it does not count
            return xv.NOT_SCORED
    return xv.NOT_SCORED


@excel_function(
    "ASM_COMPLETENESS", "Data completeness = reported cases / eligible cases (0 when nothing is reported; 1 with no "
                        "eligible cases: none left unreported).",
    Arg("reported", "Cases reported (blank = 0)."), Arg("eligible", "Eligible cases (blank = 0)."),
    source="REG; ASSUMPTION: 0 of 0 is complete")
def asm_completeness(reported, eligible):
    r = xv.optional_whole("reported", reported, 0.0, minimum=0, allowed="a whole number >= 0")
    e = xv.optional_whole("eligible", eligible, 0.0, minimum=0, allowed="a whole number >= 0")
    if r > e:
        raise xv.ExcelError("#NUM!", f"reported: {r:g} is more than eligible ({e:g})")
    return float(categories.effective_measure_inputs(e, r, math.nan, math.nan, math.nan, False).completeness)


_MEASURE_CELLS_DOC = ("the measure table's measure cells (the Score sheet's column A); a cohort measure not "
                      "among them counts as not given, as the scoring core counts it.")
MEASURE_CELLS = Arg("measures", "Optional, with cohort: " + _MEASURE_CELLS_DOC, optional=True, range=True)
MEASURE_CELLS_REQUIRED = Arg("measures", _MEASURE_CELLS_DOC[:1].upper() + _MEASURE_CELLS_DOC[1:], range=True)


@excel_function(
    "ASM_QUALITY",
    "Quality category score (fraction) from each measure's points, data completeness and eligible cases.",
    Arg("points", "Each measure's achievement points (0-10), one cell per measure.", range=True),
    Arg("completeness", 'Each measure\'s data completeness (fraction); blank or "n/a" = administrative claims (with '
                        "measures: where the row's measure is collected so; else not given, scored 0 complete).",
        range=True),
    Arg("cases", 'Each measure\'s eligible cases; "n/a" = not given.', range=True),
    ASSUMPTIONS,
    Arg("cohort", 'Optional, with measures: "HF" or "LBP". A measure of the cohort not among measures counts as one '
                  "not given: 0 points in the denominator (a claims measure: excluded if "
                  "unreported_admin_claims_excluded).", optional=True),
    MEASURE_CELLS, source="REG; CMS; ASSUMPTION: an unreported claims measure is excluded")
def asm_quality(points, completeness, cases, assumptions=None, cohort=None, measures=None):
    s = settings_arg(assumptions)
    p, c, n = xv.vector("points", points), xv.vector("completeness", completeness), xv.vector("cases", cases)
    if not (len(p) == len(c) == len(n)):
        raise xv.ExcelError("#VALUE!", f"points, completeness and cases must have equal length "
                                       f"({len(p)}, {len(c)}, {len(n)})")
    claims_only = [True] * len(p)   # which rows' blank completeness means administrative claims
    if cohort is not None or measures is not None:  # the measures not on the table, as the core counts them
        code, not_given = _missing(cohort, measures, s)
        claims_only = _claims_only_rows(code, measures, len(p))
        missing = missing_cells(not_given)
        p, c, n = (list(given) + list(added) for given, added in zip((p, c, n), missing))
        claims_only += [True] * len(missing[0])   # (their completeness cells are numbers or "n/a" already)
    rows, comp, elig, admin, reported = [], [], [], [], []
    excluded = 0
    for i, (pi, ci, ni) in enumerate(zip(p, c, n), start=1):
        if pi is None and ci is None and ni is None:
            continue  # an unused row
        if xv.is_excluded(pi):
            excluded += 1
            continue  # ASM_MEASURE("counted") already excluded it (out of numerator and denominator)
        for name, v in (("points", pi), ("completeness", ci), ("cases", ni)):
            xv.reject_input_error(f"{name} #{i}", v)  # an input's #N/A is not "not scored"
        ci = None if xv.is_not_applicable(ci) else ci
        ni = None if xv.is_not_applicable(ni) else ni
        # blank completeness: administrative claims (complete), unless the row's measure is not collected so:
        # then not given, which the core scores as 0 complete (effective_measure_inputs)
        is_admin = ci is None and claims_only[i - 1]
        cv = np.nan if ci is None else xv.number(f"completeness #{i}", ci, minimum=0, maximum=1,
                                                 allowed="a fraction between 0 and 1")
        nv = float(xv.whole(f"cases #{i}", ni, minimum=0, allowed="a whole number >= 0")) if ni is not None else np.nan
        # the core's rules for what was entered (a claims measure given points but no cases: the case minimum)
        given = categories.effective_measure_inputs(nv, np.nan, cv, np.nan, np.nan if pi is None else 0.0, is_admin,
                                                    settings=s)
        rows.append((i, pi))
        comp.append(float(given.completeness))
        elig.append(float(given.eligible))
        admin.append(is_admin)
        reported.append(bool(given.reported_any))
    if not rows:
        raise xv.ExcelError("#N/A", f"quality not scored: all {excluded} measure(s) given are excluded (each "
                                    "measure's status says why)" if excluded else "no measures given")
    status = categories.measure_status(comp, elig, admin, reported=reported, settings=s)
    # points are read where the measure is scored (elsewhere they are 0, or the measure is excluded)
    pts = [xv.number(f"points #{i}", pi, minimum=0, maximum=10, allowed="points between 0 and 10")
           if code == categories.MeasureStatus.SCORED else 0.0 for (i, pi), code in zip(rows, status.tolist())]
    q = float(categories.quality_category(np.array(pts), status))
    if math.isnan(q):
        raise xv.ExcelError("#N/A", "quality not scored: every measure is excluded (fewer than "
                                    f"{s.case_minimum} cases)")
    return q


def _claims_only_rows(code: str, measures, rows: int) -> list[bool]:
    """Per row of the table (``measures`` the same length as its points): whether its measure may be
    administrative claims, so that a blank completeness means "complete by definition" [CMS]; a measure of
    the cohort collected otherwise (Q008: eCQM, MIPS CQM) gets False. A row naming no measure of the cohort,
    or a ``measures`` range not parallel to the table: True (the argument's documented reading)."""
    cells = xv.flatten("measures", measures)
    if len(cells) != rows:
        return [True] * rows
    by_id = {m.id: m for m in get_cohort(code).measures}
    kinds = []
    for v in cells:
        m = by_id.get(measure_key(v))
        kinds.append(m is None or "Administrative claims" in m.collection_types)
    return kinds


def _missing(cohort, measures, s: Settings) -> tuple:
    if cohort is None or measures is None:
        raise xv.ExcelError("#VALUE!", f"{'cohort' if cohort is None else 'measures'} is blank: cohort and measures "
                                       "go together (the cohort's measures not among measures count as not given)")
    return missing_scores(cohort, measures, s)


@excel_function(
    "ASM_MISSING_MEASURES",
    "Which of the cohort's measures are not on the measure table, and how the quality score counts each (as a "
    "measure not given: 0 points, or excluded); else that every measure is there.",
    Arg("cohort", '"HF" or "LBP".'), MEASURE_CELLS_REQUIRED, ASSUMPTIONS,
    source="CMS; ASSUMPTION: an unreported claims measure is excluded")
def asm_missing_measures(cohort, measures, assumptions=None):
    return missing_note(*_missing(cohort, measures, settings_arg(assumptions)))


@excel_function(
    "ASM_MIN_SUBMISSION",
    "Whether the minimum data submission is met (TRUE or FALSE): one non-claims measure at "
    "{completeness_threshold:.0%} completeness, on time.",
    Arg("completeness", 'Each measure\'s data completeness; blank or "n/a" = administrative claims; "-" = a row that '
                        'does not count (a measure entered twice).', range=True),
    Arg("on_time", "Optional: data submitted on time (TRUE/FALSE, yes/no). Default TRUE.", optional=True),
    ASSUMPTIONS, source="CMS")
def asm_min_submission(completeness, on_time=None, assumptions=None):
    s = settings_arg(assumptions)
    comp = xv.vector("completeness", completeness)
    for i, c in enumerate(comp, start=1):
        xv.reject_input_error(f"completeness #{i}", c)  # an input's error is not skipped, as in ASM_QUALITY
    xv.reject_input_error("on_time", on_time)
    values = [xv.number(f"completeness #{i}", c, minimum=0, maximum=1, allowed="a fraction between 0 and 1")
              for i, c in enumerate(comp, start=1)
              if c is not None and not xv.is_not_applicable(c) and c != xv.NOT_SCORED]  # "-": a row not counted
    met = categories.minimum_submission_met(np.array(values, dtype=float), np.zeros(len(values), dtype=bool),
                                            xv.boolean("on_time", on_time, True), settings=s)
    return bool(met)


@excel_function(
    "ASM_COST",
    "Cost category score (fraction): cost points / 10; #N/A with fewer than {cost_episode_minimum} episodes, "
    "#VALUE! with enough episodes and no value (CMS scores cost: a missing input).",
    Arg("value", "Cost achievement points (1-10); or, with a ladder, the episode cost."),
    Arg("episodes", "Attributed EBCM episodes (blank = 0 when no value is given; needed with one)."),
    Arg("ladder", "Optional: ten cost decile start values (descending: lower cost is better); an empty range "
                  "= no ladder, cost not scored.",
        optional=True, range=True),
    ASSUMPTIONS, source="REG")
def asm_cost(value, episodes, ladder=None, assumptions=None):
    s = settings_arg(assumptions)
    for name, v in (("value", value), ("episodes", episodes)):
        xv.reject_input_error(name, v)  # an input's #N/A is not "not scored"
    if isinstance(ladder, (list, tuple)):
        for i, v in enumerate(xv.flatten("ladder", ladder), start=1):
            xv.reject_input_error(f"ladder #{i}", v)
    eps = xv.optional_whole("episodes", episodes, 0.0, minimum=0, allowed="a whole number >= 0")
    lad = optional_ladder(ladder, inverse=True)
    # a value given is checked whether or not it is scored, as the roster's check does
    given = None if xv.is_blank(value) else (
        xv.number("value", value, minimum=1, maximum=10, allowed="cost points between 1 and 10") if lad is None
        else xv.number("value", value, minimum=0, allowed="an episode cost >= 0"))
    if given is not None and xv.is_blank(episodes):   # whether CMS scores the cost depends on them
        raise xv.ExcelError("#VALUE!", "episodes is blank: required with cost points or an episode cost "
                                       "(EBCM episodes, a whole number >= 0)")
    if categories.too_few_episodes(eps, settings=s):
        raise xv.ExcelError("#N/A", f"Cost not scored: {categories.few_episodes_note(eps, s)}.")
    if given is None:   # CMS scores cost with these episodes: a blank is a missing input, not "not scored"
        raise xv.ExcelError("#VALUE!", f"value is blank: required with {eps:g} episodes (at least "
                                       f"{s.cost_episode_minimum}): cost points (1-10) or an episode cost")
    if lad is NO_LADDER:
        # an empty ladder range: none was built (too few reporters) or entered -> no cost score [MIPS]
        raise xv.ExcelError("#N/A", categories.no_cost_ladder_note(s))
    pts = given if lad is None else float(points_on_ladder(given, lad, cap=s.topped_out_cap))
    return float(categories.cost_category(pts, eps, settings=s))
