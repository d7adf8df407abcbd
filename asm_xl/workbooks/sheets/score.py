"""The Score sheet: a CMS-style annual performance report.

Every cell that applies a rule calls an ``ASM_*`` function, which calls the scoring kernel: each
measure row is ``ASM_MEASURE`` (collection type, completeness, cases, points, status, points counted:
:func:`asm_xl.model.participant.score_measure`), the weights note is ``ASM_NOTE``
(:func:`asm_xl.model.final_score.category_note`). The sheet composes, references and formats; it
restates no threshold. Each ASM_MEASURE cell is also given the measures entered from the first row
down to its own (``$A$6:$A9``): a measure entered twice counts on its first row only
(:mod:`asm_xl.excel.duplicates`). ``ASM_QUALITY`` is also given the cohort and those measure cells: a
cohort measure not on the table counts as the core counts a measure not given, and the line under the
measure rows says which (:mod:`asm_xl.excel.not_given`).
"""

from __future__ import annotations

import re

from openpyxl import Workbook
from openpyxl.styles import Alignment

from asm_xl.excel.registry import REGISTRY
from asm_xl.model.settings import DEFAULT_SETTINGS
from asm_xl.workbooks import layout as L
from asm_xl.workbooks.sheets.style import (BOLD, LINE_POINTS, NOTE_FONT, RESULT_FILL, SIGNED_DOLLARS, TITLE_FONT,
                                           define, header, input_cell, percentile_heading, text_formula,
                                           typed_percentile, validation, wrap_across)

__all__ = ["build_score", "MEASURE_COLUMNS", "measure_args", "IMPACT_LABEL"]

#: the point estimate's label: not the middle case (P50) of the range below, which the README says to budget on
IMPACT_LABEL = "Estimated dollar impact (point estimate; the range: below)"

#: Score sheet measure columns: column → (header, ASM_MEASURE item or None, number format)
MEASURE_COLUMNS = {
    "A": ("Measure", None, "General"),
    "B": ("Collection type", "collection_type", "General"),
    "C": ("Data completeness", "completeness", "0.0%"),
    "D": ("Eligible cases", "cases", "0"),
    "E": ("Achievement points", "points", "0.0000"),
    "F": ("Status", "status", "General"),
    "G": ("Points counted", "counted", "0.0000"),
    "H": ("Why (if an error)", None, "General"),
}

#: column widths of the Score sheet. They were 214 in all, and a one-page-wide print was shrunk to about 64%
#: (7-point figures, 6-point sources); 164 print at about 80%. The Status and Why columns wrap onto a second
#: line, as do the item labels and sources too long for theirs (:func:`_wrap_item_row`).
SCORE_WIDTHS = {"A": 44, "B": 18, "C": 13, "D": 11, "E": 12, "F": 30, "G": 10, "H": 26}


def measure_args(score_row: int, inputs_row: int) -> str:
    """ASM_MEASURE's arguments after ``item`` for one measure row (cohort, measure, the inputs, and the
    measures entered from the first row down to this one: a measure entered twice counts on its first row);
    its ``benchmark_year`` is blank: the Assumptions sheet's benchmark_year is the workbook's one control."""
    col = {name: spec[0] for name, spec in L.MEASURE_INPUTS.items()}
    i = lambda name: f"{L.INPUTS}!{col[name]}{inputs_row}"  # noqa: E731
    return (f"Sc_Cohort,A{score_row},{i('In_CollType')},{i('In_Eligible')},{i('In_Reported')},"
            f"{i('In_Completeness')},{i('In_Rate')},{i('In_PointsOverride')},\"\",Assumptions,"
            f"$A${L.SCORE_MEASURE_FIRST_ROW}:$A{score_row},{L.QUALITY_LADDERS}")


def _measure_rows(ws) -> None:
    first = L.SCORE_MEASURE_FIRST_ROW
    header(ws, first - 1, [h for h, _, _ in MEASURE_COLUMNS.values()])
    ws.row_dimensions[first - 1].height = 2 * LINE_POINTS   # "Achievement points" on two lines
    measure_col = L.MEASURE_INPUTS["In_Measure"][0]
    for i in range(L.MAX_MEASURES):
        r, ir = first + i, L.MEASURE_FIRST_ROW + i
        args = measure_args(r, ir)
        ws[f"A{r}"] = f'=IF({L.INPUTS}!{measure_col}{ir}="","",{L.INPUTS}!{measure_col}{ir})'
        for col, (_, item, fmt) in MEASURE_COLUMNS.items():
            if item:
                ws[f"{col}{r}"] = f'=IF(A{r}="","",ASM_MEASURE("{item}",{args}))'
            ws[f"{col}{r}"].number_format = fmt
            if col in "CDEG":  # numbers, or "n/a", "-", "excluded" aligned with them
                ws[f"{col}{r}"].alignment = Alignment(horizontal="right", vertical="top")
            elif col == "F":  # status text, kept apart from the right-aligned points before it; on two lines
                ws[f"{col}{r}"].alignment = Alignment(horizontal="left", indent=1, wrap_text=True, vertical="top")
            else:
                ws[f"{col}{r}"].alignment = Alignment(horizontal=ws[f"{col}{r}"].alignment.horizontal,
                                                      vertical="top", wrap_text=col == "H")
        ws[f"H{r}"] = f'=IF(A{r}="","",IF(ISERROR(F{r}),ASM_WHY("ASM_MEASURE","status",{args}),""))'
        ws[f"H{r}"].font = NOTE_FONT
        ws.row_dimensions[r].height = 2 * LINE_POINTS   # the longest status (73 characters) on two lines


#: ASM_QUALITY's arguments: the measure rows' cells, and the cohort with the table's measures, so that a
#: cohort measure not on the table counts as the core counts a measure not given (:mod:`asm_xl.excel.not_given`)
QUALITY_ARGS = "Sc_Points,Sc_Completeness,Sc_Cases,Assumptions,Sc_Cohort,Sc_Measures"
MISSING_ARGS = "Sc_Cohort,Sc_Measures,Assumptions"


def _missing_row(wb: Workbook, ws, r: int) -> None:
    """The line under the measure rows: which of the cohort's measures are not on the Inputs sheet's
    table (a row blanked, an id overwritten) and how the quality score counts them
    (``ASM_MISSING_MEASURES``), or that every measure is there; its 'Why' cell when it is an error."""
    ws[f"A{r}"] = f"=ASM_MISSING_MEASURES({MISSING_ARGS})"
    ws[f"A{r}"].font = NOTE_FONT
    ws[f"H{r}"] = f'=IF(ISERROR(A{r}),ASM_WHY("ASM_MISSING_MEASURES",{MISSING_ARGS}),"")'
    ws[f"H{r}"].font = NOTE_FONT
    define(wb, "Sc_Missing", f"{L.SCORE}!$A${r}")


def build_score(wb: Workbook) -> None:
    ws = wb.create_sheet(L.SCORE)
    for col, width in SCORE_WIDTHS.items():   # first: the wrapped rows' heights are counted from them
        ws.column_dimensions[col].width = width
    ws["A1"] = "ASM estimated performance report"
    ws["A1"].font = TITLE_FONT
    # the cohort scored, or why there is none (a specialty of another cohort): every result below needs it
    ws["A2"] = ('=In_Name&"  |  NPI "&In_NPI&"  |  TIN "&In_TIN&"  |  cohort "&IFERROR(Sc_Cohort,"not scored ("&'
                'ASM_WHY("ASM_COHORT",In_Specialty,In_Cohort)&": Inputs sheet)")&"  |  PY "&In_Year')
    ws["A3"] = "Estimate, not a CMS determination. A cell showing #N/A, #NUM! or #VALUE! says why in its 'Why' column."
    ws["A3"].font = NOTE_FONT
    _measure_rows(ws)
    first = L.SCORE_MEASURE_FIRST_ROW
    last = first + L.MAX_MEASURES - 1
    pts, comp, cases = f"$G${first}:$G${last}", f"$C${first}:$C${last}", f"$D${first}:$D${last}"
    for name, ref in (("Sc_Points", pts), ("Sc_Completeness", comp), ("Sc_Cases", cases),
                      ("Sc_Measures", f"$A${first}:$A${last}")):
        define(wb, name, f"{L.SCORE}!{ref}")
    _missing_row(wb, ws, last + 1)
    rows = [
        ("Quality category score", f"=ASM_QUALITY({QUALITY_ARGS})", "0.0%", f'"ASM_QUALITY",{QUALITY_ARGS}'),
        ("Cost category score", '=IF(In_CostPoints<>"",ASM_COST(In_CostPoints,In_Episodes,"",Assumptions),'
                                'ASM_COST(In_EpisodeCost,In_Episodes,CostLadder,Assumptions))', "0.0%",
         # two ASM_WHY calls, not IF(..., CostLadder) inside one: engines read an IF'd empty range as zeros
         'IF(In_CostPoints<>"",ASM_WHY("ASM_COST",In_CostPoints,In_Episodes,"",Assumptions),'
         'ASM_WHY("ASM_COST",In_EpisodeCost,In_Episodes,CostLadder,Assumptions))'),
        ("Improvement activities done", "=ASM_IA_DONE(In_IA1,In_IA2)", "0", '"ASM_IA_DONE",In_IA1,In_IA2'),
        ("Improvement activities adjustment", "=ASM_IA_ADJ(B{ia},Assumptions)", "0.0", '"ASM_IA_ADJ",B{ia},Assumptions'),
        ("Promoting Interoperability adjustment", "=ASM_PI_ADJ(In_PI,Assumptions)", "0.0",
         '"ASM_PI_ADJ",In_PI,Assumptions'),
        ("Complex patient bonus", "=ASM_COMPLEX_BONUS(In_Complex,Assumptions)", "0.0",
         '"ASM_COMPLEX_BONUS",In_Complex,Assumptions'),
        ("Small practice bonus", "=ASM_PRACTICE_BONUS(In_PracticeSize,In_SmallPractice,Assumptions)", "0.0",
         '"ASM_PRACTICE_BONUS",In_PracticeSize,In_SmallPractice,Assumptions'),
        # "Yes"/"No" rather than TRUE/FALSE: LibreOffice recalculates boolean cached values on load.
        ("Minimum data submission met",
         '=IF(ASM_MIN_SUBMISSION(Sc_Completeness,In_OnTime,Assumptions),"Yes","No")', "General",
         '"ASM_MIN_SUBMISSION",Sc_Completeness,In_OnTime,Assumptions'),
        # an error in the small practice bonus (a blank or non-whole practice size) is the final score's too
        ("Final score (0-100)",
         "=IF(ISERROR(B{pb}),B{pb},ASM_FINAL(B{q},B{c},B{ia},In_PI,B{cx},In_PracticeSize,B{ms},In_SmallPractice,"
         "Assumptions))", "0.00",
         'IF(ISERROR(B{pb}),ASM_WHY("ASM_PRACTICE_BONUS",In_PracticeSize,In_SmallPractice,Assumptions),'
         'ASM_WHY("ASM_FINAL",B{q},B{c},B{ia},In_PI,B{cx},In_PracticeSize,B{ms},In_SmallPractice,Assumptions))'),
        ("Exchange function midpoint m (pool in force)", "=ASM_POOL_MIDPOINT(In_Year,Sc_Cohort,Assumptions)", "0.00",
         '"ASM_POOL_MIDPOINT",In_Year,Sc_Cohort,Assumptions'),
        ("Transformed final score", "=ASM_TFS(B{f},B{m},Assumptions,In_Year,Sc_Cohort)", "0.0000",
         '"ASM_TFS",B{f},B{m},Assumptions,In_Year,Sc_Cohort'),
        ("Risk level", "=ASM_RISK_LEVEL(In_Year)", "0%", '"ASM_RISK_LEVEL",In_Year'),
        ("Payment year", "=ASM_PAYMENT_YEAR(In_Year)", "0", '"ASM_PAYMENT_YEAR",In_Year'),
        ("Scaling factor (pool in force)", "=ASM_POOL_SF(In_Year,Sc_Cohort,Assumptions)", "0.0000",
         '"ASM_POOL_SF",In_Year,Sc_Cohort,Assumptions'),
        ("Exception or not participating (no adjustment)",
         f"=ASM_EXCEPTION(In_EUC,In_PaymentException,{L.NOT_PARTICIPATING},Assumptions)", "General",
         f'"ASM_EXCEPTION",In_EUC,In_PaymentException,{L.NOT_PARTICIPATING},Assumptions'),
        ("Payment adjustment factor", '=ASM_FACTOR(B{f},In_Year,Sc_Cohort,"",In_Exceptions,Assumptions)',
         "+0.00%;-0.00%;0.00%", '"ASM_FACTOR",B{f},In_Year,Sc_Cohort,"",In_Exceptions,Assumptions'),
        ("Payment multiplier", '=ASM_MULTIPLIER(B{f},In_Year,Sc_Cohort,"",In_Exceptions,Assumptions)', "0.0000",
         '"ASM_MULTIPLIER",B{f},In_Year,Sc_Cohort,"",In_Exceptions,Assumptions'),
        ("Part B payments (PFS professional services, payment year)", "=In_Payments", '"$"#,##0', None),
        (IMPACT_LABEL, "=ASM_IMPACT(B{fa},In_Payments,Assumptions)", SIGNED_DOLLARS,
         '"ASM_IMPACT",B{fa},In_Payments,Assumptions'),
    ]
    start = last + 3
    header(ws, start - 1, ["Item", "Value", "Source; why, if an error"])
    ws.merge_cells(start_row=start - 1, start_column=3, end_row=start - 1, end_column=len(SCORE_WIDTHS))
    keys = {"q": 0, "c": 1, "ia": 2, "cx": 5, "pb": 6, "ms": 7, "f": 8, "m": 9, "sf": 13, "fa": 15}
    at = {k: start + v for k, v in keys.items()}
    names = {"q": "Sc_Quality", "c": "Sc_Cost", "f": "Sc_Final", "fa": "Sc_Factor", "sf": "Sc_Scaling", "m": "Sc_Midpoint",
             "ms": "Sc_MinSubmission", "ia": "Sc_IADone", "cx": "Sc_Complex"}
    for i, (label, formula, fmt, why) in enumerate(rows):
        r = start + i
        ws.cell(row=r, column=1, value=label)
        c = ws.cell(row=r, column=2, value=formula.format(**at))
        c.number_format = fmt
        c.fill = RESULT_FILL
        if why:
            call = why.format(**at) if "ASM_WHY(" in why else f"ASM_WHY({why.format(**at)})"
            # the source of the value's own function (the Final score's reason may be its bonus's error)
            own = re.findall(r"(ASM_\w+)\(", formula)[-1]
            ws.cell(row=r, column=3, value=f'=IF(ISERROR(B{r}),{call},{source_line(own)})').font = NOTE_FONT
            _wrap_item_row(ws, r, DEFAULT_SETTINGS.fill(source_text(own)))
        else:   # an input shown again: where it comes from
            ws.cell(row=r, column=3, value=PAYMENTS_SOURCE).font = NOTE_FONT
            _wrap_item_row(ws, r, PAYMENTS_SOURCE)
    for k, n in names.items():
        define(wb, n, f"{L.SCORE}!$B${at[k]}")
    define(wb, "Sc_Impact", f"{L.SCORE}!$B${start + len(rows) - 1}")
    define(wb, "Sc_TFS", f"{L.SCORE}!$B${at['m'] + 1}")
    for r in (at["f"], at["fa"], start + len(rows) - 1):
        ws.cell(row=r, column=1).font = ws.cell(row=r, column=2).font = BOLD
    note = start + len(rows) + 1
    # an error (a quality that cannot be computed) says why, not a bare #VALUE! under the table
    note_args = "Sc_Quality,Sc_Cost,Sc_MinSubmission,Assumptions"
    ws.cell(row=note, column=1, value=f'=IF(ISERROR(ASM_NOTE({note_args})),"How quality and cost are weighed: not '
                                      f'known while "&ASM_WHY("ASM_NOTE",{note_args})&" (the Why column above says why)",'
                                      f'ASM_NOTE({note_args}))'
            ).font = NOTE_FONT
    define(wb, "Sc_Note", f"{L.SCORE}!$A${note}")
    _range_rows(wb, ws, note + 2)
    ws.protection.sheet = True


def _wrap_item_row(ws, r: int, source: str) -> None:
    """An item row of the Score sheet as it prints: its source (``source``: the text shown when the value is
    not an error) wrapped across columns C-H, and its label wrapped in column A where it is longer."""
    wrap_across(ws, ws.cell(row=r, column=3), len(SCORE_WIDTHS), source)
    label = ws.cell(row=r, column=1)
    wrap_across(ws, label, 1, label.value)


def source_text(function: str) -> str:
    """What a Score item is and where its rule comes from: the first sentence of the function's help (the
    registry's, settings named in braces) and its source tags. A finance reader met "Transformed final score
    0.2687" or "Payment multiplier" with neither a meaning nor a source.

    >>> source_text("ASM_PAYMENT_YEAR")
    'Payment year of a performance year (performance year + 2). [CMS]'
    """
    fn = REGISTRY[function]
    # the whole first sentence, wrapped across the row (cut at 160 characters with "...", it lost what mattered:
    # "0 above ..." where CMS's small-practice flag decides); "e.g." ends no sentence
    sentence = re.split(r"(?<!e\.g\.)(?<!i\.e\.)(?<=\.)\s", fn.help_template or fn.help, maxsplit=1)[0]
    tags = "; ".join(dict.fromkeys(re.findall(r"\b(REG|CMS|MIPS|ASSUMPTION)\b", fn.source)))
    return sentence.rstrip(";") + (f" [{tags}]" if tags else "")


def source_line(function: str) -> str:
    """:func:`source_text` as the formula of its cell beside the value (shown when there is no error)
    (:func:`~asm_xl.workbooks.sheets.style.text_formula`).

    >>> source_line("ASM_PAYMENT_YEAR")
    '"Payment year of a performance year (performance year + 2). [CMS]"'
    """
    return text_formula(source_text(function))


#: the Part B payments row's source: the Inputs sheet's own help for it
PAYMENTS_SOURCE = f"Your input (Inputs sheet): {L.SCALAR_INPUTS['In_Payments'][2].rstrip('.')} [CMS]."


#: the percentiles the range table starts with (the user may type others in the yellow cells)
RANGE_PERCENTILES = {"B": ("Cautious (P10)", 10), "C": ("Middle (P50)", 50), "D": ("Hopeful (P90)", 90)}


def _range_rows(wb: Workbook, ws, top: int) -> None:
    """How sure is this number? The factor and dollars at three percentiles of the national peer
    model's simulated cohorts, the chance of a gain and where the range comes from (ASM_FACTOR_RANGE,
    ASM_GAIN_CHANCE, ASM_POOL: :mod:`asm_xl.model.ranges`)."""
    header(ws, top, ["Range over the pool's cohorts"] + [label for label, _ in RANGE_PERCENTILES.values()]
           + ["Why, if an error"])
    pct, factor, dollars, gain, pool = top + 1, top + 2, top + 3, top + 4, top + 5
    ws.row_dimensions[top].height = 2 * LINE_POINTS   # a heading such as "Hopeful (P90)" on two lines
    for col, (label, _) in RANGE_PERCENTILES.items():   # the heading names the percentile typed below it
        ws[f"{col}{top}"] = percentile_heading(label.split(" (")[0], f"{col}{pct}")

    ws.cell(row=pct, column=1, value="Percentile of the pool's cohorts")
    ws.cell(row=factor, column=1, value="Factor in this case")
    ws.cell(row=dollars, column=1, value="Dollars in this case")
    # each percentile between its neighbours: a "hopeful" P0 below a "cautious" P25 named the worst case hopeful
    bounds = {"B": ("0", f"C{pct}"), "C": (f"B{pct}", f"D{pct}"), "D": (f"C{pct}", "100")}
    for col, (_, p) in RANGE_PERCENTILES.items():
        ws[f"{col}{pct}"] = p
        input_cell(ws, f"{col}{pct}", "percentile")
        validation(ws, "percentile", f"{col}{pct}", between=bounds[col])
        ws[f"{col}{factor}"] = (f"=ASM_FACTOR_RANGE(Sc_Final,In_Year,Sc_Cohort,{typed_percentile(f'{col}{pct}')},"
                                "In_Exceptions,Assumptions)")
        ws[f"{col}{factor}"].number_format = "+0.00%;-0.00%;0.00%"
        ws[f"{col}{dollars}"] = f"=ASM_IMPACT({col}{factor},In_Payments,Assumptions)"
        ws[f"{col}{dollars}"].number_format = SIGNED_DOLLARS
        for r in (factor, dollars):
            ws[f"{col}{r}"].fill = RESULT_FILL
    # the middle case in bold, as the estimate above: the figure the console and README say to budget on
    ws[f"C{factor}"].font = ws[f"C{dollars}"].font = BOLD
    # why a case is an error (a percentile typed as 10%, i.e. 0.1, was #NUM! with its reason nowhere on the sheet):
    # the first case's in error, from the percentile row down to the dollars row
    ws.merge_cells(start_row=top, start_column=5, end_row=top, end_column=len(SCORE_WIDTHS))
    why = '""'
    for col in reversed(RANGE_PERCENTILES):
        args = f"Sc_Final,In_Year,Sc_Cohort,{typed_percentile(f'{col}{pct}')},In_Exceptions,Assumptions"
        why = f'IF(ISERROR({col}{factor}),ASM_WHY("ASM_FACTOR_RANGE",{args}),{why})'
    ws[f"E{pct}"] = "=" + why
    ws[f"E{pct}"].font = NOTE_FONT
    ws[f"E{pct}"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells(start_row=pct, start_column=5, end_row=dollars, end_column=len(SCORE_WIDTHS))
    ws.cell(row=gain, column=1, value="Chance of a gain")
    ws[f"B{gain}"] = "=ASM_GAIN_CHANCE(Sc_Final,In_Year,Sc_Cohort,In_Exceptions,Assumptions)"
    ws[f"B{gain}"].number_format = "0%"
    ws[f"B{gain}"].fill = RESULT_FILL
    ws.cell(row=pool, column=1, value="Where the range comes from")
    ws[f"B{pool}"] = "=ASM_POOL(In_Year,Sc_Cohort,Assumptions)"
    ws[f"B{pool}"].font = NOTE_FONT
    # the percentiles named as typed in the yellow cells (the headings do the same), not as the defaults
    low, middle = (f'IF({c}{pct}="","?",{c}{pct})' for c in "BC")
    for i, line in enumerate((
            "CMS ranks each physician against the national cohort, which no practice sees, and has not published the",
            f'="exchange function: the pool\'s simulated cohorts show what that is worth. Budget on the middle case '
            f'(P"&{middle}&"),"',
            f'="or on the cautious one (P"&{low}&": "&{low}&" cohorts in 100 do worse) if a shortfall would hurt. The '
            'estimate above"',
            "prices one curve (its Scaling factor row), not the draws. A given or roster pool is one cohort: the cases agree.")):
        ws.cell(row=pool + 1 + i, column=1, value=line).font = NOTE_FONT
    define(wb, "Sc_RangePercentiles", f"{L.SCORE}!$B${pct}:$D${pct}")
    define(wb, "Sc_PercentileLow", f"{L.SCORE}!$B${pct}")    # the Scenarios band's edges
    define(wb, "Sc_PercentileHigh", f"{L.SCORE}!$D${pct}")
    define(wb, "Sc_RangeFactor", f"{L.SCORE}!$B${factor}:$D${factor}")
    define(wb, "Sc_RangeDollars", f"{L.SCORE}!$B${dollars}:$D${dollars}")
    for col, case in zip(RANGE_PERCENTILES, ("P10", "P50", "P90")):  # one cell each, for the index
        define(wb, f"Sc_Dollars{case}", f"{L.SCORE}!${col}${dollars}")
    define(wb, "Sc_GainChance", f"{L.SCORE}!$B${gain}")
    define(wb, "Sc_Pool", f"{L.SCORE}!$B${pool}")
    _needed_rows(wb, ws, pool + 6)


#: the Score sheet's "score needed" rows: label, ASM_SCORE_NEEDED's target argument, what the value is (settings
#: in braces: the Assumptions' value shows), name of its cell
NEEDED_ROWS = (
    ("To break even (P50 factor 0 or more)", '""',
     "The smallest final score whose middle-case (P50) factor is 0 or more in the pool in force (the factor rule: "
     "REG 512.750); the same as asm-xl plan's and the dashboard's. [REG; ASSUMPTION]", "Sc_BreakEven"),
    ("For the target chance of a gain (Assumptions: gain_chance_target)", '"gain"',
     "The smallest final score that gains in at least {gain_chance_target:.0%} of the pool in force's cohorts "
     "(gain_chance_target: a choice, not a rule). [REG; ASSUMPTION]", "Sc_GainTarget"))


def _needed_rows(wb: Workbook, ws, top: int) -> None:
    """The score needed in the pool in force: to break even and for the target chance of a gain
    (``ASM_SCORE_NEEDED``: :mod:`asm_xl.model.score_needed`, as ``asm-xl plan`` and the dashboard), and
    the points this physician's final score is short of each (0 once there)."""
    header(ws, top, ["Score needed (pool in force)", "Final score", "Points to go", "Source; why, if an error"])
    ws.merge_cells(start_row=top, start_column=4, end_row=top, end_column=len(SCORE_WIDTHS))
    for i, (label, target, source, name) in enumerate(NEEDED_ROWS):
        r = top + 1 + i
        args = f"In_Year,Sc_Cohort,{target},In_Exceptions,Assumptions"
        ws.cell(row=r, column=1, value=label)
        ws[f"B{r}"] = f"=ASM_SCORE_NEEDED({args})"
        ws[f"C{r}"] = f'=IF(AND(ISNUMBER(B{r}),ISNUMBER(Sc_Final)),MAX(0,B{r}-Sc_Final),"")'
        for col in "BC":
            ws[f"{col}{r}"].number_format = "0.00"
            ws[f"{col}{r}"].fill = RESULT_FILL
        ws[f"D{r}"] = f'=IF(ISERROR(B{r}),ASM_WHY("ASM_SCORE_NEEDED",{args}),{text_formula(source)})'
        ws[f"D{r}"].font = NOTE_FONT
        wrap_across(ws, ws[f"D{r}"], len(SCORE_WIDTHS), DEFAULT_SETTINGS.fill(source))
        wrap_across(ws, ws[f"A{r}"], 1, label)
        define(wb, name, f"{L.SCORE}!$B${r}")
