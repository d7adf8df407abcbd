"""ASM_* functions of benchmark ladders (spec 3.1, 3.2, 8.1): a measure's points on its ladder, points on a
ladder you give, the table of ladders in use, and the ``ladders`` argument that takes your quality ladders
(the Benchmarks sheet's ``QualityLadders``: CMS's ASM benchmarks once published) in place of the packaged
MIPS ones, read by :func:`~asm_xl.model.user_ladders.quality_ladders`, the reader ``asm-xl --ladders`` uses."""

from __future__ import annotations

from functools import lru_cache

from asm_xl.model.benchmarks import LadderOverrides, normalize_collection_type, packaged_benchmarks
from asm_xl.model.errors import ASMInputError
from asm_xl.model.parameters import cohorts, collection_types_text, normalize_measure_id
from asm_xl.model.points import points_on_ladder
from asm_xl.model.settings import Settings
from asm_xl.model.user_ladders import QUALITY_LADDER_COLUMNS, quality_ladders
from asm_xl.model.validation import FRACTION_ALLOWED, NATIVE_RATE_ALLOWED
from asm_xl.excel import values as xv
from asm_xl.excel.arguments import ASSUMPTIONS, RangeMemo, ladder_arg, settings_arg
from asm_xl.excel.registry import Arg, excel_function

__all__ = ["BENCHMARK_YEAR_DOC", "LADDERS", "LADDERS_MEMO", "LADDERS_HEADER", "no_benchmark_text", "benchmark_year_arg",
           "quality_ladders_arg", "ladder_of"]

#: the ``ladders`` argument of the functions that score a measure on its ladder
LADDERS = Arg("ladders", "Optional: your quality ladders (the Benchmarks sheet's QualityLadders), rows of measure, "
                         "collection type (blank = each), topped out, source, B1..B10 in percent (Q492: native); a "
                         "measure there is scored on yours, not on the MIPS ladder.", optional=True, range=True)

#: your ladders by their range (:class:`~asm_xl.excel.arguments.RangeMemo`: the last range object at once, another
#: by its type-exact content): each distinct table read once, an error kept and raised anew
LADDERS_MEMO = RangeMemo(size=64)


def quality_ladders_arg(v: object) -> LadderOverrides | None:
    """The ``ladders`` argument → the user's ladders (None: omitted, or every cell blank), read by the model's one
    reader :func:`~asm_xl.model.user_ladders.quality_ladders`, once per table (:data:`LADDERS_MEMO`). A bad row is
    kept as the error of its measure (#VALUE! or #NUM! naming the row and column where that measure's ladder is
    looked up; every measure's for a row naming none); a range of the wrong width, or an error value in a cell: an
    error for all (an error value's own, #N/A read as #VALUE! as every input's is)."""
    if v is None or (v.__class__ is not list and xv.is_blank(v)):
        return None
    return LADDERS_MEMO.get(_read_ladders, v)


def _read_ladders(v: object) -> LadderOverrides | None:
    rows = [list(r) if isinstance(r, (list, tuple)) else [r] for r in (v if isinstance(v, list) else [[v]])]
    for n, r in enumerate(rows, start=1):
        if len(r) != len(QUALITY_LADDER_COLUMNS) and any(not xv.is_blank(x) for x in r):
            raise xv.ExcelError("#VALUE!", f"ladders: {len(QUALITY_LADDER_COLUMNS)} columns needed "
                                           f"({', '.join(QUALITY_LADDER_COLUMNS)}), got {len(r)}")
        for name, x in zip(QUALITY_LADDER_COLUMNS, r):
            xv.reject_input_error(f"ladders row {n}: {name}", x)
    try:
        result = quality_ladders(rows, errors="keep")   # a bad row errs its own measure only
    except ASMInputError as e:
        raise xv.ExcelError.from_input_error(e) from None
    return result or None


def ladder_of(ladders: LadderOverrides | None, table, measure_id: str, collection_type: str, year: int):
    """The ladder a measure is scored on [spec 3.2]: yours when ``ladders`` has one for the measure and collection
    type, else the packaged table's of ``year`` (None: no benchmark, the measure excluded [spec 8.1])."""
    return (ladders.get(measure_id, collection_type) if ladders else None) or table.find(measure_id, collection_type, year)


#: the ``benchmark_year`` argument of ASM_MEASURE and ASM_MEASURE_POINTS: one call's own year (the
#: workbook's sheets leave it blank: the Assumptions sheet's benchmark_year is the one control)
BENCHMARK_YEAR_DOC = ("Optional: a MIPS benchmark year for this call only; blank = the assumptions' benchmark_year "
                      "(0 = the latest year each measure has).")

@excel_function(
    "ASM_MEASURE_POINTS",
    "Points (1-10) of a measure's rate on your ladder or the packaged MIPS one; \"excluded\" without a benchmark "
    "(unfair to penalize, says CMS). Q492's ladder is a proxy (ASM's Q492 is TIN/NPI-level): prefer CMS's reported points.",
    Arg("measure", 'MIPS measure: "Q236", "236" or 236.'),
    Arg("collection_type", '"eCQM", "MIPS CQM", "Part B claims" or "administrative claims"; an ASM measure only as '
                           f"ASM collects it ({collection_types_text()})."),
    Arg("rate", "Performance rate: a fraction (70% = 0.70); Q492 in native units."),
    Arg("benchmark_year", BENCHMARK_YEAR_DOC, optional=True),
    ASSUMPTIONS, LADDERS, source="MIPS; ASSUMPTION: MIPS benchmarks until ASM's, or yours")
def asm_measure_points(measure, collection_type, rate, benchmark_year=None, assumptions=None, ladders=None):
    s = settings_arg(assumptions)
    year = benchmark_year_arg(benchmark_year, s)
    mid, ctype = xv.text("measure", measure), xv.text("collection_type", collection_type)
    ladder = _find(packaged_benchmarks(), mid, ctype, year, quality_ladders_arg(ladders))
    if ladder is None:  # no benchmark: the measure is excluded, not an error (90 FR 49634)
        return xv.EXCLUDED
    allowed = FRACTION_ALLOWED if ladder.scale == 100.0 else NATIVE_RATE_ALLOWED
    x = xv.number("rate", rate, minimum=0.0, maximum=1.0 if ladder.scale == 100.0 else None, allowed=allowed)
    return float(points_on_ladder(x, ladder, cap=s.topped_out_cap, decimals=s.measure_points_decimals))


@excel_function(
    "ASM_POINTS",
    "Achievement points (1-10) of a value on a ladder you give (ten decile start values).",
    Arg("value", "The rate or value, in the ladder's units."),
    Arg("ladder", "Ten decile start values B1..B10 (a row or a column).", range=True),
    Arg("inverse", "Optional: TRUE when lower is better (ladder descending). Default FALSE.", optional=True),
    Arg("topped_out", "Optional: TRUE to cap points at {topped_out_cap:g} (topped out by program; MIPS's cap, which "
                      "no ASM source mentions [ASSUMPTION]). Default FALSE.", optional=True),
    ASSUMPTIONS, source="MIPS; ASSUMPTION: the topped-out cap")
def asm_points(value, ladder, inverse=None, topped_out=None, assumptions=None):
    s = settings_arg(assumptions)
    lad = ladder_arg(ladder, xv.boolean("inverse", inverse, False), xv.boolean("topped_out", topped_out, False))
    return float(points_on_ladder(xv.number("value", value), lad, cap=s.topped_out_cap,
                                  decimals=s.measure_points_decimals))


def benchmark_year_arg(v: object, s: Settings) -> int:
    """A call's own benchmark year: blank, the assumptions' (``benchmark_year``); 0, the latest each measure has;
    else a year with benchmarks, checked as the setting is (2025.7 was read as 2025, 0.5 as the assumptions')."""
    year = xv.optional_whole("benchmark_year", v, None, minimum=0)
    if year is None:
        return s.benchmark_year
    if year and year != s.benchmark_year:
        s.replace(benchmark_year=int(year))   # raises, naming the years with benchmarks
    return int(year)


def _find(table, measure, collection_type, year, ladders: LadderOverrides | None = None):
    """Your ladder, else the packaged one (:func:`ladder_of`); None when an ASM measure (in one of its collection types) has none; else an error naming
    the measure. An ASM measure in a collection type ASM does not collect it as is refused as ASM_MEASURE and the
    roster refuse it (Q236 as Part B claims: MIPS has that ladder, ASM does not take the measure so)."""
    mid, ctype = normalize_measure_id(measure), normalize_collection_type(collection_type)
    asm = next((m for c in cohorts().values() for m in c.measures if m.id == mid), None)
    if asm is not None and ctype not in asm.collection_types:
        raise xv.ExcelError("#VALUE!", f"collection_type: {collection_type!r} is not allowed ({asm.label} is collected "
                                       f"as {', '.join(asm.collection_types)})")
    ladder = ladder_of(ladders, table, mid, ctype, year)
    if ladder is None and not any(m.id == mid and ctype in m.collection_types
                                  for c in cohorts().values() for m in c.measures):
        try:   # raises, naming the measures that have benchmarks ("benchmark: 'Q999 MIPS CQM'" named no argument)
            table.lookup(measure, collection_type, year)
        except ASMInputError as e:
            raise xv.ExcelError("#VALUE!", f"measure: Q{mid} has no packaged MIPS ladder as {ctype} ({e.allowed})") from None
    return ladder


YES_NO = {True: "Yes", False: "No"}
#: the header row of ASM_LADDERS' table; the topped-out column names the cap in force
LADDERS_HEADER = ("Cohort", "Measure", "Collection type", "MIPS PY or yours", "Inverse", "Topped out", "Units") + tuple(f"B{k}" for k in range(1, 11))


def no_benchmark_text(year: int) -> str:
    """ASM_LADDERS' MIPS PY cell of a measure and collection type without a ladder in ``year`` (0: in
    any year): the measure is excluded, as its Score sheet status says (90 FR 49634) [spec 8.1]."""
    return f"no benchmark for {year}: excluded" if year else "no benchmark: excluded"


@lru_cache(maxsize=64)
def _ladders_table(year: int, cap: float, ladders: LadderOverrides | None = None) -> tuple:
    """The rows of ASM_LADDERS for a benchmark year, topped-out cap and your ladders (all it depends on): for each
    cohort, measure and collection type, the ladder ASM_MEASURE scores on (:func:`ladder_of`: yours, else
    ``BenchmarkTable.find(measure, collection type, year)`` of the packaged MIPS table, year 0: the latest each
    has) [MIPS; ASSUMPTION spec 3.2], or :func:`no_benchmark_text` when there is none."""
    table = packaged_benchmarks()
    rows = [LADDERS_HEADER[:5] + (f"Topped out (cap {cap:g})",) + LADDERS_HEADER[6:]]
    for c in cohorts().values():
        for m in c.measures:
            for ctype in m.collection_types:
                try:   # (a refused row of yours for this measure: said in its place; a bad year: the table's error)
                    ladders and ladders.get(m.id, ctype)
                except ASMInputError as e:
                    rows.append((c.code, m.label, ctype, f"refused: {e}") + ("",) * 13)
                    continue
                ladder = ladder_of(ladders, table, m.id, ctype, year)  # as ASM_MEASURE scores (_measure_score)
                if ladder is None:
                    rows.append((c.code, m.label, ctype, no_benchmark_text(year)) + ("",) * 13)
                else:
                    which = (ladder.performance_year if ladder.source != "user"
                             else "yours" + (f": {ladder.note}" if ladder.note else ""))
                    rows.append((c.code, m.label, ctype, which, YES_NO[ladder.inverse],
                                 YES_NO[ladder.topped_out], "percent" if ladder.scale == 100.0 else m.unit)
                                + ladder.starts)
    return tuple(rows)


@excel_function(
    "ASM_LADDERS",
    "The ladders measures are scored on (benchmark_year's MIPS ladders, or yours): per cohort, measure and "
    'collection type its MIPS PY or "yours" ("no benchmark ...: excluded" if none), inverse, topped out, units, '
    "B1..B10 (a table with a header).",
    ASSUMPTIONS, LADDERS, source="MIPS; ASSUMPTION: MIPS benchmarks until ASM's, or yours (spec 3.2)", table=True,
    earlier=(1,))   # (assumptions, rows) before ladders were added
def asm_ladders(assumptions=None, ladders=None):
    s = settings_arg(assumptions)
    return [list(r) for r in _ladders_table(s.benchmark_year, s.topped_out_cap, quality_ladders_arg(ladders))]
