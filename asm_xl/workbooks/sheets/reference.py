"""Reference sheets: Assumptions (every setting, editable), Benchmarks (ladders in use and the
editable cost ladder), Lists (hidden drop-down lists) and About."""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from asm_xl import __version__
from asm_xl.excel.ladder_functions import LADDERS_HEADER, asm_ladders
from asm_xl.model.benchmarks import packaged_benchmarks
from asm_xl.model.parameters import cohorts
from asm_xl.model.user_ladders import QUALITY_LADDER_COLUMNS
from asm_xl.model.peer_settings import is_share_row
from asm_xl.model.settings import DEFAULT_SETTINGS, FRACTION_SETTINGS
from asm_xl.workbooks import layout as L
from asm_xl.workbooks.sheets.style import (BOLD, LISTS_SHEET, NOTE_FONT, TITLE_FONT, assumption_name, define, header,
                                           input_cell, specialties, table_block, validation, wrap_column)

__all__ = ["build_assumptions", "build_benchmarks", "build_lists", "build_about", "LADDERS_CALL", "ladder_rows",
           "quality_ladder_rows", "QUALITY_LADDERS_NOTE"]


#: a fraction setting's number format: 75.0%, 66.667%
PERCENT_SETTING = "0.0##%"


def _shown(value):
    """A setting's value as the sheet shows it: a yes/no rule as Yes or No (as the Inputs sheet, the README and the
    roster write it; read back by the same rule, ``as_bool``), anything else as it is."""
    return ("Yes" if value else "No") if isinstance(value, bool) else value


def _format(name: str, value) -> str:
    """A setting's number format: a fraction or a share as a percentage (0.75 shows 75.0%, and 80 typed in Excel is
    80%), payments in dollars, a long float to 6 decimals (2/3 reads 0.666667, not 15 digits)."""
    if name in FRACTION_SETTINGS or is_share_row(name):
        return PERCENT_SETTING
    if name.endswith("_payments"):
        return '"$"#,##0'
    if isinstance(value, float) and not value.is_integer() and len(repr(value)) > 8:
        return "0.######"
    return "General"


def build_assumptions(wb: Workbook) -> None:
    ws = wb.create_sheet(L.ASSUMPTIONS)
    header(ws, 1, ["Setting", "Value", "Source", "What it means", "Blank = default"])
    infos = DEFAULT_SETTINGS.describe()
    for i, info in enumerate(infos):
        r = 2 + i
        ws[f"A{r}"] = info.name
        ws[f"B{r}"] = _shown(info.value)
        input_cell(ws, f"B{r}", "")
        if info.name == "benchmark_year":
            _benchmark_year_list(ws, f"B{r}")
        ws[f"B{r}"].number_format = _format(info.name, info.value)
        ws[f"C{r}"] = info.source
        ws[f"C{r}"].alignment = Alignment(horizontal="left", indent=1)   # apart from the right-aligned value
        ws[f"D{r}"] = info.description
        # what a value left blank means (Settings.from_mapping: blank keeps the default), so a cleared
        # cell does not hide the number every formula then uses
        ws[f"E{r}"] = _shown(info.default)
        ws[f"E{r}"].number_format = _format(info.name, info.value)
        if info.source == "ASSUMPTION":
            ws[f"C{r}"].font = Font(bold=True, color="C00000")
        define(wb, assumption_name(info.name), f"Assumptions!$B${r}")
    last = 1 + len(infos)
    define(wb, "Assumptions", f"Assumptions!$A$2:$B${last}")
    ws.cell(row=last + 2, column=1, value=(
        "Edit a value to update every formula. REG = 42 CFR 512 subpart G, CMS = CMS material, MIPS = MIPS rule "
        "reused by ASM, ASSUMPTION = not yet published in full: asm-xl's editable default. A value left blank "
        "is the default beside it.")).font = NOTE_FONT
    for col, width in zip("ABCE", (34, 24, 15, 24)):
        ws.column_dimensions[col].width = width
    wrap_column(ws, "D", 70)   # the meanings wrap: a print one page wide stays readable
    ws.print_title_rows = "1:1"
    ws.protection.sheet = True


#: the table of ladders in use, as the Benchmarks sheet reads it (one fixed array formula given its rows)
LADDERS_CALL = f"ASM_LADDERS(Assumptions,{L.QUALITY_LADDERS})"
BENCHMARK_NOTE = ("Year: the Assumptions sheet's benchmark_year (0 = the latest year each measure has). Change it "
                  "there: this table and the Score sheet follow. A measure without a ladder is excluded.")
#: the unit of the ladders, beside the Inputs sheet's fractions
LADDER_UNITS_NOTE = ("Ladders are in percent, as CMS publishes them: a rate of 0.70 (70%) on the Inputs sheet is 70 "
                     "here; Q492's in its native units.")


def ladder_rows() -> int:
    """Rows of the ladder table: ASM_LADDERS' rows below its header (one per cohort, measure and
    collection type, whatever the assumptions)."""
    return len(asm_ladders()) - 1


def _benchmark_year_list(ws, cell: str) -> None:
    """A drop-down of the years the packaged table has ladders for, and 0 (the latest each measure has):
    another year would make every measure cell #NUM! (BenchmarkTable.find says which years exist)."""
    years = ",".join(map(str, (0,) + packaged_benchmarks().all_years))
    dv = DataValidation(type="list", formula1=f'"{years}"', allow_blank=True, showErrorMessage=True,
                        errorTitle="asm-xl", error=f"benchmark_year: one of {years} (0 = the latest available).")
    dv.add(cell)
    ws.add_data_validation(dv)


def build_benchmarks(wb: Workbook) -> None:
    """The ladders in use (``ASM_LADDERS`` of the Assumptions, one fixed array formula on the hidden Tables sheet, as the Actions
    sheet reads its tables: the same ladders the Score sheet's ASM_MEASURE scores on) and the editable
    cost ladder."""
    ws = wb.create_sheet(L.BENCHMARKS)
    ws["A1"] = "Benchmark ladders in use (MIPS benchmarks until CMS publishes ASM's own, an assumption; or yours, below)"
    ws["A1"].font = BOLD
    # a visible text when all is well: an empty cached text makes LibreOffice recalculate the cell
    ws["A2"] = (f'=IF(ISERROR(INDEX({LADDERS_CALL},1,1)),"Not available: "&ASM_WHY("ASM_LADDERS",Assumptions,{L.QUALITY_LADDERS}),'
                f'"{BENCHMARK_NOTE}")')
    ws["A2"].font = NOTE_FONT
    ws["A3"] = LADDER_UNITS_NOTE
    ws["A3"].font = NOTE_FONT
    header(ws, 4, list(LADDERS_HEADER), col=1)
    ws["F4"] = f'=IFERROR(INDEX({LADDERS_CALL},1,6),"{LADDERS_HEADER[5]}")'  # names the cap in force
    for c in range(8, 18):  # B1..B10 over their right-aligned numbers
        ws.cell(row=4, column=c).alignment = Alignment(wrap_text=True, vertical="center", horizontal="right")
    rows = ladder_rows()
    table_block(ws, 5, LADDERS_CALL, rows, len(LADDERS_HEADER), "Benchmark ladders in use (ASM_LADDERS)")
    for k in range(rows):
        for c in range(1, len(LADDERS_HEADER) + 1):
            cell = ws.cell(row=5 + k, column=c)
            if c == 4:
                cell.number_format = "0"
            if c in (4, 5, 6):
                cell.alignment = Alignment(horizontal="left")
    r = 5 + rows + 1
    ws.cell(row=r, column=1, value="Cost ladder (EBCM episode cost, descending: lower is better). "
                                   "Blank until you enter it or the roster's cohort supplies it.").font = BOLD
    r += 1
    for k in range(10):
        input_cell(ws, f"{chr(ord('H') + k)}{r}", "dollars")
    ws.cell(row=r, column=1, value="Cost decile start values B1..B10")
    define(wb, "CostLadder", f"Benchmarks!$H${r}:$Q${r}")
    ws.cell(row=r + 2, column=1, value=f"Source: {packaged_benchmarks().source}. CC0 / US public domain.").font = NOTE_FONT
    _quality_ladders(wb, ws, r + 4)
    ws.row_dimensions[4].height = 30
    # (G, the units, also holds your ladders' B3: wide enough for "percent", Q492's units overflow no further)
    for col, width in zip("ABCDEFG", (10, 22, 22, 34, 9, 11, 30)):
        ws.column_dimensions[col].width = width
    ws.protection.sheet = True


#: what the user's ladder table takes, above it (the Benchmarks sheet)
QUALITY_LADDERS_NOTE = ("One row per ladder: an ASM measure; its collection type (blank = each one the measure is "
                        "collected as); topped out (Yes caps points as the Assumptions' topped_out_cap); where the "
                        "ladder comes from; B1..B10 as CMS publishes them: percent (72 for 72%), Q492 in its units, "
                        "ascending, descending for an inverse measure (Q492, Q238). A measure given here is scored on "
                        "it in every benchmark_year; blank rows are none. An error names 'ladders row N': the Nth "
                        "row of this table; it errs that measure's cells only.")


def quality_ladder_rows() -> int:
    """Rows of the user's ladder table: one per ASM measure and one per measure and collection type, the most a
    table without a ladder given twice can hold (:func:`~asm_xl.model.user_ladders.quality_ladders`)."""
    measures = [m for c in cohorts().values() for m in c.measures]
    return len(measures) + sum(len(m.collection_types) for m in measures)


def _quality_ladders(wb: Workbook, ws, top: int) -> None:
    """The user's quality ladders (``QualityLadders``: the Score and Actions sheets' ASM_MEASURE and ASM_ACTIONS,
    and the ladder table above, read it): CMS's ASM benchmarks once published, in place of the MIPS proxy [spec 3.2]."""
    ws.cell(row=top, column=1, value="Your quality ladders (replace a measure's MIPS ladder, e.g. with CMS's ASM "
                                     "benchmarks once published; asm-xl --ladders writes them here)").font = BOLD
    note = ws.cell(row=top + 1, column=1, value=QUALITY_LADDERS_NOTE)
    note.font, note.alignment = NOTE_FONT, Alignment(wrap_text=True, vertical="top")
    ws.merge_cells(start_row=top + 1, start_column=1, end_row=top + 1, end_column=len(LADDERS_HEADER))
    ws.row_dimensions[top + 1].height = 30
    labels = ["Measure", "Collection type", "Topped out", "Source"] + [f"B{k}" for k in range(1, 11)]
    assert len(labels) == len(QUALITY_LADDER_COLUMNS)
    header(ws, top + 2, labels)
    for c in range(5, len(labels) + 1):   # B1..B10 over their right-aligned numbers
        ws.cell(row=top + 2, column=c).alignment = Alignment(wrap_text=True, vertical="center", horizontal="right")
    first, last = top + 3, top + 2 + quality_ladder_rows()
    end = get_column_letter(len(labels))
    for r in range(first, last + 1):
        for c, column in enumerate(QUALITY_LADDER_COLUMNS, start=1):
            input_cell(ws, f"{get_column_letter(c)}{r}", "text" if c <= 4 else "ladder")
    validation(ws, "collection", f"B{first}:B{last}")
    validation(ws, "yesno", f"C{first}:C{last}")
    validation(ws, "positive", f"E{first}:{end}{last}")
    define(wb, L.QUALITY_LADDERS, f"{L.BENCHMARKS}!$A${first}:${end}${last}")


def build_lists(wb: Workbook) -> None:
    """A hidden sheet with the drop-down lists, so no list is ever written over a table."""
    ws = wb.create_sheet(LISTS_SHEET)
    ws["A1"] = "Specialties"
    ws["A1"].font = BOLD
    for i, s in enumerate(specialties()):
        ws.cell(row=2 + i, column=1, value=s)
    ws.column_dimensions["A"].width = 40
    ws.sheet_state = "hidden"
    ws.protection.sheet = True


def build_about(wb: Workbook) -> None:
    ws = wb.create_sheet(L.ABOUT)
    lines = [
        ("asm-xl: Ambulatory Specialty Model estimate", TITLE_FONT),
        (f"asm-xl version {__version__}", None),
        ("", None),
        ("What this is: an estimate of how CMS's Ambulatory Specialty Model (ASM, 42 CFR 512 subpart G) will score "
         "this physician and move their Medicare Part B payments two years after the performance year.", None),
        ("These are estimates, not CMS determinations. CMS's own benchmarks, cohort scores and formulas decide.", BOLD),
        ("", None),
        ("How to use it:", BOLD),
        ("1. Fill or correct the yellow cells on Inputs. 2. Read Score (like CMS's annual performance report). "
         "3. Scenarios shows the exchange curve; Actions ranks what each improvement is worth and projects five "
         "years.", None),
        ("4. Assumptions lists every setting with its source; change one and every formula follows.", None),
        ("5. A cell showing #N/A, #NUM! or #VALUE! explains itself in the 'Why' column (function ASM_WHY).", None),
        ("In Excel the ASM_* functions need the xlwings add-in with UDF_MODULES = asm_xl.udfs; without it the "
         "last calculated values stay visible (Excel 2019 or later) until an input changes.", None),
        ("", None),
        ("Benchmarks: MIPS benchmark ladders from CMS's qpp-measures-data (CC0), of the Assumptions sheet's "
         "benchmark_year (0, the default: the most recent performance year available), until CMS publishes ASM "
         "benchmarks. The Benchmarks sheet shows the ladders in use.", None),
        ("Model rules worth knowing [CMS]: beneficiary engagement incentives are in-kind only, at most $1,000 per "
         "patient in total; technology worth more than $75 stays the participant's property and is retrieved when "
         "care ends.", None),
        ("IA-2 needs a written, signed, dated collaborative care arrangement with a primary care practice sharing "
         "at least one ASM beneficiary. MIPS reporting is waived in ASM years; participation in ACOs and other "
         "models continues.", None),
        ("CMS's annual performance report gives measure-level scores, category scores, the complex patient and "
         "practice adjustments, the final score, the payment adjustment factor and the payment multiplier: the "
         "Score sheet shows each of them, in that order.", None),
    ]
    for i, (text, font) in enumerate(lines, start=1):
        c = ws.cell(row=i, column=1, value=text)
        if font:
            c.font = font
    wrap_column(ws, "A", 100)   # each paragraph on as many lines as it needs, none over the next
    ws.protection.sheet = True
