"""Reference sheets: Assumptions (every setting, editable), Benchmarks (ladders in use and the
editable cost ladder), Lists (hidden drop-down lists) and About."""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from asm_xl import __version__
from asm_xl.model.benchmarks import packaged_benchmarks
from asm_xl.model.parameters import cohorts
from asm_xl.model.settings import DEFAULT_SETTINGS
from asm_xl.workbooks import layout as L
from asm_xl.workbooks.sheets.style import (BOLD, LISTS_SHEET, NOTE_FONT, TITLE_FONT, assumption_name, define, header,
                                           input_cell, specialties)

__all__ = ["build_assumptions", "build_benchmarks", "build_lists", "build_about", "YES_NO"]

YES_NO = {True: "Yes", False: "No"}


def build_assumptions(wb: Workbook) -> None:
    ws = wb.create_sheet(L.ASSUMPTIONS)
    header(ws, 1, ["Setting", "Value", "Source", "What it means"])
    infos = DEFAULT_SETTINGS.describe()
    for i, info in enumerate(infos):
        r = 2 + i
        ws[f"A{r}"] = info.name
        value = info.value if not isinstance(info.value, bool) else ("TRUE" if info.value else "FALSE")
        ws[f"B{r}"] = value
        input_cell(ws, f"B{r}", "")
        ws[f"C{r}"] = info.source
        ws[f"D{r}"] = info.description
        if info.source == "ASSUMPTION":
            ws[f"C{r}"].font = Font(bold=True, color="C00000")
        define(wb, assumption_name(info.name), f"Assumptions!$B${r}")
    last = 1 + len(infos)
    define(wb, "Assumptions", f"Assumptions!$A$2:$B${last}")
    ws.cell(row=last + 2, column=1, value=(
        "Edit a value to update every formula. REG = 42 CFR 512 subpart G, CMS = CMS material, MIPS = MIPS rule "
        "reused by ASM, ASSUMPTION = not yet published in full: asm-xl's editable default.")).font = NOTE_FONT
    for col, width in zip("ABCD", (34, 12, 13, 100)):
        ws.column_dimensions[col].width = width
    ws.protection.sheet = True


def build_benchmarks(wb: Workbook) -> None:
    ws = wb.create_sheet(L.BENCHMARKS)
    ws["A1"] = "Benchmark ladders in use (MIPS benchmarks until CMS publishes ASM's own; assumption)"
    ws["A1"].font = BOLD
    ws["A2"] = "Benchmark year (blank = latest available)"
    input_cell(ws, "D2", "count")  # right of the label, which spans A:C
    define(wb, "BenchmarkYear", "Benchmarks!$D$2")
    header(ws, 4, ["Cohort", "Measure", "Collection type", "MIPS PY", "Inverse",
                   f"Topped out (cap {DEFAULT_SETTINGS.topped_out_cap:g})", "Units"]
            + [f"B{k}" for k in range(1, 11)], col=1)
    table = packaged_benchmarks()
    r = 5
    for c in cohorts().values():
        for m in c.measures:
            for ctype in m.collection_types:
                try:
                    lad = table.lookup(m.id, ctype)
                except Exception:  # no ladder yet for a newly listed measure
                    continue
                row = [c.code, m.label, ctype, lad.performance_year, YES_NO[lad.inverse], YES_NO[lad.topped_out],
                       "percent" if lad.scale == 100 else m.unit] + list(lad.starts)
                for j, v in enumerate(row):
                    ws.cell(row=r, column=1 + j, value=v)
                r += 1
    r += 1
    ws.cell(row=r, column=1, value="Cost ladder (EBCM episode cost, descending: lower is better). "
                                   "Blank until you enter it or the roster's cohort supplies it.").font = BOLD
    r += 1
    for k in range(10):
        ws.cell(row=r - 1 + 1, column=8 + k, value=None)
        input_cell(ws, f"{chr(ord('H') + k)}{r}", "dollars")
    ws.cell(row=r, column=1, value="Cost decile start values B1..B10")
    define(wb, "CostLadder", f"Benchmarks!$H${r}:$Q${r}")
    ws.cell(row=r + 2, column=1, value=f"Source: {table.source}. CC0 / US public domain.").font = NOTE_FONT
    ws.row_dimensions[4].height = 30
    for col, width in zip("ABCDEFG", (10, 10, 22, 9, 8, 11, 30)):
        ws.column_dimensions[col].width = width
    ws.protection.sheet = True


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
         "last calculated values stay visible.", None),
        ("", None),
        ("Benchmarks: MIPS benchmark ladders from CMS's qpp-measures-data (CC0), most recent performance year "
         "available, until CMS publishes ASM benchmarks.", None),
        ("Model rules worth knowing: beneficiary engagement incentives are in-kind only, at most $1,000 per patient; "
         "technology over $75 stays the participant's property.", None),
        ("IA-2 needs a written, signed, dated collaborative care arrangement with a primary care practice sharing "
         "at least one ASM beneficiary. MIPS reporting is waived in ASM years.", None),
    ]
    for i, (text, font) in enumerate(lines, start=1):
        c = ws.cell(row=i, column=1, value=text)
        if font:
            c.font = font
        c.alignment = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions["A"].width = 140
    ws.protection.sheet = True
