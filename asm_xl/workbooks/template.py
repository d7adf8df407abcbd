"""Build the per-physician workbook template (``asm-xl template``) with openpyxl.

Sheets: Inputs (unlocked, validated input cells), Score (a CMS-style annual performance report,
live ASM_* formulas), Scenarios (exchange curve, upside and downside, a native chart), Assumptions
(every setting; formulas read them), Benchmarks (ladders in use, an editable cost ladder), About.

The build is deterministic: :func:`build_template` writes byte-identical files for the same code,
so a test can assert that the committed ``templates/asm_template.xlsx`` is what the code builds.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import Reference, ScatterChart, Series
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from asm_xl import __version__
from asm_xl.model.benchmarks import packaged_benchmarks
from asm_xl.model.parameters import cohorts, performance_years
from asm_xl.model.settings import DEFAULT_SETTINGS
from asm_xl.workbooks import layout as L

__all__ = ["build_template", "template_bytes", "default_template", "DEFAULT_TEMPLATE"]

DEFAULT_TEMPLATE = Path(__file__).resolve().parents[2] / "templates" / "asm_template.xlsx"
FIXED_TIME = (2026, 1, 1, 0, 0, 0)
FIXED_ISO = "2026-01-01T00:00:00Z"

INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
HEAD_FILL = PatternFill("solid", fgColor="1F4E78")
RESULT_FILL = PatternFill("solid", fgColor="E2EFDA")
HEAD_FONT = Font(bold=True, color="FFFFFF")
TITLE_FONT = Font(bold=True, size=14, color="1F4E78")
BOLD = Font(bold=True)
NOTE_FONT = Font(italic=True, color="595959", size=9)
THIN = Border(bottom=Side(style="thin", color="BFBFBF"))
UNLOCKED = Protection(locked=False)

FORMATS = {"fraction": "0.0%", "rate": "0.00##", "dollars": '"$"#,##0', "count": "0", "count1": "0",
           "points0": "0.00", "points1": "0.00", "bonus": "0.0", "positive": "0.0000"}


def _assumption_name(name: str) -> str:
    return f"S_{name}"


def _define(wb: Workbook, name: str, ref: str) -> None:
    wb.defined_names[name] = DefinedName(name, attr_text=ref)


def _validation(ws, kind: str, cells: str) -> None:
    specialties = sorted({s for c in cohorts().values() for s in c.specialties})
    years = performance_years()
    rules = {
        "specialty": dict(type="list", formula1=f"Benchmarks!$N$3:$N${2 + len(specialties)}"),
        "cohort": dict(type="list", formula1='"' + ",".join(cohorts()) + '"'),
        "year": dict(type="list", formula1='"' + ",".join(map(str, years)) + '"'),
        "yesno": dict(type="list", formula1='"Yes,No"'),
        "collection": dict(type="list", formula1='"eCQM,MIPS CQM,Medicare Part B claims,Administrative claims"'),
        "count": dict(type="whole", operator="greaterThanOrEqual", formula1="0"),
        "count1": dict(type="whole", operator="greaterThanOrEqual", formula1="1"),
        "dollars": dict(type="decimal", operator="greaterThanOrEqual", formula1="0"),
        "positive": dict(type="decimal", operator="greaterThanOrEqual", formula1="0"),
        "fraction": dict(type="decimal", operator="between", formula1="0", formula2="1"),
        "rate": dict(type="decimal", operator="greaterThanOrEqual", formula1="0"),
        "bonus": dict(type="decimal", operator="between", formula1="0", formula2=str(DEFAULT_SETTINGS.complex_bonus_max)),
        "points0": dict(type="decimal", operator="between", formula1="0", formula2="10"),
        "points1": dict(type="decimal", operator="between", formula1="1", formula2="10"),
    }
    if kind not in rules:
        return
    dv = DataValidation(allow_blank=True, showErrorMessage=True, errorTitle="asm-xl",
                        error=f"Not allowed here: see the help next to the cell ({kind}).", **rules[kind])
    dv.add(cells)
    ws.add_data_validation(dv)


def _input_cell(ws, ref: str, kind: str) -> None:
    c = ws[ref]
    c.fill = INPUT_FILL
    c.protection = UNLOCKED
    if kind in FORMATS:
        c.number_format = FORMATS[kind]
    if kind == "text":
        c.number_format = "@"


def _header(ws, row: int, labels: list[str], col: int = 1) -> None:
    for i, text in enumerate(labels):
        c = ws.cell(row=row, column=col + i, value=text)
        c.font, c.fill = HEAD_FONT, HEAD_FILL
        c.alignment = Alignment(wrap_text=True, vertical="center")


def _inputs(wb: Workbook) -> None:
    ws = wb.active
    ws.title = L.INPUTS
    ws["A1"] = "ASM estimate: inputs"
    ws["A1"].font = TITLE_FONT
    ws["A2"] = "Yellow cells are inputs. Everything else is computed. Estimates, not CMS determinations."
    ws["A2"].font = NOTE_FONT
    for title, row in L.SECTION_ROWS.items():
        ws.cell(row=row, column=1, value=title).font = BOLD
    ws.cell(row=3, column=1, value="Participant").font = BOLD
    for name, (row, label, help_text, kind) in L.SCALAR_INPUTS.items():
        ws.cell(row=row, column=1, value=label)
        ref = f"B{row}"
        _input_cell(ws, ref, kind)
        _validation(ws, kind, ref)
        ws.cell(row=row, column=3, value=help_text).font = NOTE_FONT
        _define(wb, name, L.scalar_ref(name))
    ws["B12"] = "Yes"
    _header(ws, L.MEASURE_FIRST_ROW - 1, [h for _, h, _ in L.MEASURE_INPUTS.values()])
    for name, (col, _, kind) in L.MEASURE_INPUTS.items():
        cells = f"{col}{L.MEASURE_FIRST_ROW}:{col}{L.MEASURE_FIRST_ROW + L.MAX_MEASURES - 1}"
        for row in L.measure_rows():
            _input_cell(ws, f"{col}{row}", kind)
        _validation(ws, kind, cells)
        _define(wb, name, L.measure_range(col))
    ws.cell(row=L.MEASURE_FIRST_ROW + L.MAX_MEASURES, column=1,
            value="Rates are fractions (70% = 0.70); Q492 in admissions per 100 person-years. "
                  "Administrative-claims measures need no reported cases.").font = NOTE_FONT
    for col, width in zip("ABCDEFG", (30, 46, 22, 14, 14, 16, 18)):
        ws.column_dimensions[col].width = width
    ws.protection.sheet = True
    ws.freeze_panes = "A4"


def _s(name: str) -> str:
    return _assumption_name(name)


def _score(wb: Workbook) -> None:
    ws = wb.create_sheet(L.SCORE)
    ws["A1"] = "ASM estimated performance report"
    ws["A1"].font = TITLE_FONT
    ws["A2"] = '=In_Name&"  |  NPI "&In_NPI&"  |  TIN "&In_TIN&"  |  cohort "&In_Cohort&"  |  PY "&In_Year'
    ws["A3"] = "Estimate, not a CMS determination. Cells showing #N/A or #NUM! say why in column C."
    ws["A3"].font = NOTE_FONT
    first = L.SCORE_MEASURE_FIRST_ROW
    _header(ws, first - 1, ["Measure", "Collection type", "Data completeness", "Eligible cases",
                            "Achievement points", "Status", "Points counted"])
    for i in range(L.MAX_MEASURES):
        r, ir = first + i, L.MEASURE_FIRST_ROW + i
        ws[f"A{r}"] = f'=IF(Inputs!A{ir}="","",Inputs!A{ir})'
        ws[f"B{r}"] = f'=IF(A{r}="","",IF(Inputs!C{ir}="","eCQM",Inputs!C{ir}))'
        ws[f"C{r}"] = (f'=IF(A{r}="","",IF(B{r}="Administrative claims","",'
                       f'ASM_COMPLETENESS(Inputs!E{ir},Inputs!D{ir})))')
        ws[f"D{r}"] = (f'=IF(A{r}="","",IF(Inputs!D{ir}<>"",Inputs!D{ir},'
                       f'IF(AND(B{r}="Administrative claims",OR(Inputs!F{ir}<>"",Inputs!G{ir}<>"")),'
                       f'{_s("case_minimum")},IF(B{r}="Administrative claims","",0))))')
        ws[f"E{r}"] = (f'=IF(A{r}="","",IF(Inputs!G{ir}<>"",Inputs!G{ir},IF(Inputs!F{ir}="",'
                       f'IF(B{r}="Administrative claims","",0),'
                       f'ASM_MEASURE_POINTS(A{r},B{r},Inputs!F{ir},BenchmarkYear,Assumptions))))')
        ws[f"F{r}"] = (f'=IF(A{r}="","",IF(D{r}="","Excluded: rate not available",'
                       f'IF(AND(C{r}<>"",C{r}<{_s("completeness_threshold")}),"0 points: completeness below threshold",'
                       f'IF(D{r}<{_s("case_minimum")},"Excluded: too few cases","Scored"))))')
        ws[f"G{r}"] = f'=IF(F{r}="Scored",E{r},IF(LEFT(F{r},1)="0",0,""))'
        ws[f"C{r}"].number_format = "0.0%"
        ws[f"E{r}"].number_format = ws[f"G{r}"].number_format = "0.0000"
    last = first + L.MAX_MEASURES - 1
    pts, comp, cases = f"$E${first}:$E${last}", f"$C${first}:$C${last}", f"$D${first}:$D${last}"
    for name, ref in (("Sc_Points", pts), ("Sc_Completeness", comp), ("Sc_Cases", cases)):
        _define(wb, name, f"Score!{ref}")
    rows = [
        ("Quality category score", "=ASM_QUALITY(Sc_Points,Sc_Completeness,Sc_Cases,Assumptions)", "0.0%",
         '"ASM_QUALITY",Sc_Points,Sc_Completeness,Sc_Cases,Assumptions'),
        ("Cost category score", '=IF(In_CostPoints<>"",ASM_COST(In_CostPoints,In_Episodes,"",Assumptions),'
                                'ASM_COST(In_EpisodeCost,In_Episodes,CostLadder,Assumptions))', "0.0%",
         '"ASM_COST",IF(In_CostPoints<>"",In_CostPoints,In_EpisodeCost),In_Episodes,'
         'IF(In_CostPoints<>"","",CostLadder),Assumptions'),
        ("Improvement activities done", '=IF(In_IA1="Yes",1,0)+IF(In_IA2="Yes",1,0)', "0", None),
        ("Improvement activities adjustment", "=ASM_IA_ADJ(B{ia},Assumptions)", "0.0", None),
        ("Promoting Interoperability adjustment", "=ASM_PI_ADJ(In_PI,Assumptions)", "0.0",
         '"ASM_PI_ADJ",In_PI,Assumptions'),
        ("Complex patient bonus", '=IF(In_Complex="",0,In_Complex)', "0.0", None),
        ("Small practice bonus", "=ASM_PRACTICE_BONUS(In_PracticeSize,Assumptions)", "0.0",
         '"ASM_PRACTICE_BONUS",In_PracticeSize,Assumptions'),
        # "Yes"/"No" rather than TRUE/FALSE: LibreOffice recalculates boolean cached values on load.
        ("Minimum data submission met",
         '=IF(ASM_MIN_SUBMISSION(Sc_Completeness,In_OnTime,Assumptions),"Yes","No")', "General",
         '"ASM_MIN_SUBMISSION",Sc_Completeness,In_OnTime,Assumptions'),
        ("Final score (0-100)", "=ASM_FINAL(B{q},B{c},B{ia},In_PI,B{cx},In_PracticeSize,B{ms},Assumptions)",
         "0.00", '"ASM_FINAL",B{q},B{c},B{ia},In_PI,B{cx},In_PracticeSize,B{ms},Assumptions'),
        ("Transformed final score", "=ASM_TFS(B{f},Assumptions)", "0.0000", '"ASM_TFS",B{f},Assumptions'),
        ("Risk level", "=ASM_RISK_LEVEL(In_Year)", "0%", '"ASM_RISK_LEVEL",In_Year'),
        ("Payment year", "=ASM_PAYMENT_YEAR(In_Year)", "0", None),
        ("Scaling factor", f'=IF(In_CohortSF="",{_s("default_scaling_factor")},In_CohortSF)', "0.0000", None),
        ("Payment adjustment factor", '=ASM_FACTOR(B{f},In_Year,B{sf},"",Assumptions)', "+0.00%;-0.00%;0.00%",
         '"ASM_FACTOR",B{f},In_Year,B{sf},"",Assumptions'),
        ("Payment multiplier", '=ASM_MULTIPLIER(B{f},In_Year,B{sf},"",Assumptions)', "0.0000", None),
        ("Part B payments", "=In_Payments", '"$"#,##0', None),
        ("Estimated dollar impact", "=ASM_IMPACT(B{fa},In_Payments)", '"$"#,##0;[Red]-"$"#,##0',
         '"ASM_IMPACT",B{fa},In_Payments'),
    ]
    start = last + 3
    _header(ws, start - 1, ["Item", "Value", "Why (if an error)"])
    keys = {"q": 0, "c": 1, "ia": 2, "cx": 5, "ms": 7, "f": 8, "sf": 12, "fa": 13}
    at = {k: start + v for k, v in keys.items()}
    names = {"q": "Sc_Quality", "c": "Sc_Cost", "f": "Sc_Final", "fa": "Sc_Factor", "sf": "Sc_Scaling",
             "ms": "Sc_MinSubmission", "ia": "Sc_IADone"}
    for i, (label, formula, fmt, why) in enumerate(rows):
        r = start + i
        ws.cell(row=r, column=1, value=label)
        c = ws.cell(row=r, column=2, value=formula.format(**at))
        c.number_format = fmt
        c.fill = RESULT_FILL
        if why:
            ws.cell(row=r, column=3, value=f'=IF(ISERROR(B{r}),ASM_WHY({why.format(**at)}),"")').font = NOTE_FONT
    for k, n in names.items():
        _define(wb, n, f"Score!$B${at[k]}")
    _define(wb, "Sc_Impact", f"Score!$B${start + len(rows) - 1}")
    _define(wb, "Sc_TFS", f"Score!$B${at['f'] + 1}")
    for r in (at["f"], at["fa"], start + len(rows) - 1):
        ws.cell(row=r, column=1).font = ws.cell(row=r, column=2).font = BOLD
    note = start + len(rows) + 1
    ws.cell(row=note, column=1, value=(
        '=IF(ISERROR(Sc_Quality),"Quality not scored: its weight moves to cost (assumption).",'
        'IF(ISERROR(Sc_Cost),"Cost not scored: its weight moves to quality (assumption).",'
        '"Quality and cost weigh 50% each."))')).font = NOTE_FONT
    for col, width in zip("ABCDEFG", (38, 18, 24, 14, 18, 36, 14)):
        ws.column_dimensions[col].width = width
    ws.protection.sheet = True


SCENARIO_STEPS = list(range(0, 101, 5))


def _scenarios(wb: Workbook) -> None:
    ws = wb.create_sheet(L.SCENARIOS)
    ws["A1"] = "Scenarios: what moves the payment"
    ws["A1"].font = TITLE_FONT
    ws["A2"] = "Exchange curve: the payment adjustment factor for every final score, this cohort and year."
    ws["A2"].font = NOTE_FONT
    _header(ws, 4, ["Final score", "Factor", "Dollar impact"])
    for i, score in enumerate(SCENARIO_STEPS):
        r = 5 + i
        ws[f"A{r}"] = score
        ws[f"B{r}"] = f'=ASM_FACTOR(A{r},In_Year,Sc_Scaling,"",Assumptions)'
        ws[f"C{r}"] = f"=ASM_IMPACT(B{r},In_Payments)"
        ws[f"B{r}"].number_format = "+0.00%;-0.00%;0.00%"
        ws[f"C{r}"].number_format = '"$"#,##0;[Red]-"$"#,##0'
    end = 4 + len(SCENARIO_STEPS)
    # This physician's point, for the chart.
    ws["E4"], ws["F4"] = "This physician", "Factor"
    ws["E4"].font = ws["F4"].font = BOLD
    ws["E5"] = "=IF(ISERROR(Sc_Final),NA(),Sc_Final)"
    ws["F5"] = "=IF(ISERROR(Sc_Factor),NA(),Sc_Factor)"
    ws["E5"].number_format = "0.00"
    ws["F5"].number_format = "+0.00%;-0.00%;0.00%"

    # Up- and downside, each a full re-score.
    first = L.SCORE_MEASURE_FIRST_ROW
    _header(ws, 8, ["Scenario", "Final score", "Factor", "Dollar impact", "Change vs estimate ($)"], col=5)
    _header(ws, 8, ["Points +1 decile", "Points -1 decile"], col=11)
    for i in range(L.MAX_MEASURES):
        r = 9 + i
        ws[f"K{r}"] = f'=IF(Score!E{first + i}="","",MIN(10,Score!E{first + i}+1))'
        ws[f"L{r}"] = f'=IF(Score!E{first + i}="","",MAX(1,Score!E{first + i}-1))'
        ws[f"K{r}"].number_format = ws[f"L{r}"].number_format = "0.00"
    up, down = f"$K$9:$K${8 + L.MAX_MEASURES}", f"$L$9:$L${8 + L.MAX_MEASURES}"
    base = "Sc_Quality,Sc_Cost,Sc_IADone,In_PI,Score!B{cx},In_PracticeSize,Sc_MinSubmission,Assumptions"
    cx = wb["Score"]
    cx_row = [r for r in range(1, 60) if cx.cell(row=r, column=1).value == "Complex patient bonus"][0]
    scenarios = [
        ("As estimated", "=Sc_Final"),
        ("Both improvement activities done",
         f"=ASM_FINAL(Sc_Quality,Sc_Cost,2,In_PI,Score!B{cx_row},In_PracticeSize,Sc_MinSubmission,Assumptions)"),
        ("Promoting Interoperability at 100%",
         f"=ASM_FINAL(Sc_Quality,Sc_Cost,Sc_IADone,1,Score!B{cx_row},In_PracticeSize,Sc_MinSubmission,Assumptions)"),
        ("Each measure one decile better",
         f"=ASM_FINAL(ASM_QUALITY(Scenarios!{up},Sc_Completeness,Sc_Cases,Assumptions),Sc_Cost,Sc_IADone,In_PI,"
         f"Score!B{cx_row},In_PracticeSize,Sc_MinSubmission,Assumptions)"),
        ("Each measure one decile worse",
         f"=ASM_FINAL(ASM_QUALITY(Scenarios!{down},Sc_Completeness,Sc_Cases,Assumptions),Sc_Cost,Sc_IADone,In_PI,"
         f"Score!B{cx_row},In_PracticeSize,Sc_MinSubmission,Assumptions)"),
    ]
    del base
    for i, (label, formula) in enumerate(scenarios):
        r = 9 + i
        ws[f"E{r}"] = label
        ws[f"F{r}"] = formula
        ws[f"G{r}"] = f'=ASM_FACTOR(F{r},In_Year,Sc_Scaling,"",Assumptions)'
        ws[f"H{r}"] = f"=ASM_IMPACT(G{r},In_Payments)"
        ws[f"I{r}"] = f"=H{r}-Sc_Impact"
        ws[f"F{r}"].number_format = "0.00"
        ws[f"G{r}"].number_format = "+0.00%;-0.00%;0.00%"
        ws[f"H{r}"].number_format = ws[f"I{r}"].number_format = '"$"#,##0;[Red]-"$"#,##0'

    chart = ScatterChart()
    chart.title = "Exchange curve: payment adjustment factor by final score"
    chart.style = 13
    chart.x_axis.title = "Final score"
    chart.y_axis.title = "Payment adjustment factor"
    chart.y_axis.number_format = "0%"
    chart.x_axis.scaling.min, chart.x_axis.scaling.max = 0, 100
    chart.x_axis.tickLblPos = "low"  # score labels under the plot, not on the zero line
    chart.x_axis.delete = chart.y_axis.delete = False
    curve = Series(Reference(ws, min_col=2, min_row=5, max_row=end), Reference(ws, min_col=1, min_row=5, max_row=end),
                   title="Cohort exchange curve")
    curve.marker.symbol = "none"
    curve.smooth = True
    point = Series(Reference(ws, min_col=6, min_row=5, max_row=5), Reference(ws, min_col=5, min_row=5, max_row=5),
                   title="This physician")
    point.marker.symbol = "diamond"
    point.marker.size = 11
    point.marker.graphicalProperties.solidFill = "C00000"
    point.marker.graphicalProperties.line.solidFill = "C00000"
    point.graphicalProperties.line.noFill = True
    chart.series.extend([curve, point])
    chart.height, chart.width = 9, 16
    ws.add_chart(chart, "E16")
    for col, width in zip("ABCDEFGHIJKL", (12, 12, 14, 2, 36, 12, 12, 14, 22, 2, 16, 16)):
        ws.column_dimensions[col].width = width
    ws.protection.sheet = True


def _assumptions(wb: Workbook) -> None:
    ws = wb.create_sheet(L.ASSUMPTIONS)
    _header(ws, 1, ["Setting", "Value", "Source", "What it means"])
    infos = DEFAULT_SETTINGS.describe()
    for i, info in enumerate(infos):
        r = 2 + i
        ws[f"A{r}"] = info.name
        value = info.value if not isinstance(info.value, bool) else ("TRUE" if info.value else "FALSE")
        ws[f"B{r}"] = value
        _input_cell(ws, f"B{r}", "")
        ws[f"C{r}"] = info.source
        ws[f"D{r}"] = info.description
        if info.source == "ASSUMPTION":
            ws[f"C{r}"].font = Font(bold=True, color="C00000")
        _define(wb, _assumption_name(info.name), f"Assumptions!$B${r}")
    last = 1 + len(infos)
    _define(wb, "Assumptions", f"Assumptions!$A$2:$B${last}")
    ws.cell(row=last + 2, column=1, value=(
        "Edit a value to update every formula. REG = 42 CFR 512 subpart G, CMS = CMS material, MIPS = MIPS rule "
        "reused by ASM, ASSUMPTION = not yet published in full: asm-xl's editable default.")).font = NOTE_FONT
    for col, width in zip("ABCD", (34, 12, 13, 100)):
        ws.column_dimensions[col].width = width
    ws.protection.sheet = True


def _benchmarks(wb: Workbook) -> None:
    ws = wb.create_sheet(L.BENCHMARKS)
    ws["A1"] = "Benchmark ladders in use (MIPS benchmarks until CMS publishes ASM's own; assumption)"
    ws["A1"].font = BOLD
    ws["A2"] = "Benchmark year (blank = latest available)"
    _input_cell(ws, "B2", "count")
    _define(wb, "BenchmarkYear", "Benchmarks!$B$2")
    _header(ws, 4, ["Cohort", "Measure", "Collection type", "MIPS PY", "Inverse", "Topped out (cap 7)", "Units"]
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
                row = [c.code, m.label, ctype, lad.performance_year, lad.inverse, lad.topped_out,
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
        _input_cell(ws, f"{chr(ord('H') + k)}{r}", "dollars")
    ws.cell(row=r, column=1, value="Cost decile start values B1..B10")
    _define(wb, "CostLadder", f"Benchmarks!$H${r}:$Q${r}")
    ws.cell(row=r + 2, column=1, value=f"Source: {table.source}. CC0 / US public domain.").font = NOTE_FONT
    # Lists for data validation.
    ws["N2"] = "Specialties"
    ws["N2"].font = BOLD
    for i, s in enumerate(sorted({s for c in cohorts().values() for s in c.specialties})):
        ws.cell(row=3 + i, column=14, value=s)
    ws.column_dimensions["C"].width = 22
    ws.protection.sheet = True


def _about(wb: Workbook) -> None:
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
         "3. Scenarios shows the exchange curve and what each improvement is worth.", None),
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


def template_bytes() -> bytes:
    """The template as deterministic .xlsx bytes."""
    wb = Workbook()
    _inputs(wb)
    _score(wb)
    _scenarios(wb)
    _assumptions(wb)
    _benchmarks(wb)
    _about(wb)
    for ws in wb.worksheets:  # print each sheet one page wide, landscape
        ws.page_setup.orientation = "landscape"
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
    wb.calculation.fullCalcOnLoad = True  # the bare template has no cached values
    buf = io.BytesIO()
    wb.save(buf)
    return _deterministic(buf.getvalue())


def _deterministic(data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            body = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)", rb"\g<1>" + FIXED_ISO.encode()
                              + rb"\g<3>", body)
            zi = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = info.external_attr
            zout.writestr(zi, body)
    return out.getvalue()


def build_template(path: str | os.PathLike = DEFAULT_TEMPLATE) -> Path:
    """Write the template to ``path`` atomically and return the path."""
    from asm_xl.xlsx.atomic import write_atomic
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, template_bytes())
    return path


def default_template() -> Path:
    """The repository's ``templates/asm_template.xlsx``; in an installed package (no repository)
    the same template built by code into a per-version cache file."""
    if DEFAULT_TEMPLATE.exists():
        return DEFAULT_TEMPLATE
    cached = Path(tempfile.gettempdir()) / f"asm-xl-template-{__version__}.xlsx"
    if not cached.exists() or cached.read_bytes() != template_bytes():
        build_template(cached)
    return cached
