"""The Scenarios sheet: the exchange curve with this physician's point and the national peer model's
band; what each improvement is worth is on the Actions sheet (built after this one), which replaced
the four fixed what-ifs (IA, PI, measures one decile up or down) with the ranked list of actions."""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.chart import Reference, ScatterChart, Series
from openpyxl.chart.data_source import StrRef
from openpyxl.chart.series import SeriesLabel
from openpyxl.utils import get_column_letter

from asm_xl.workbooks import layout as L
from asm_xl.workbooks.sheets.actions import build_actions
from asm_xl.workbooks.sheets.style import (BOLD, NOTE_FONT, SIGNED_DOLLARS, TITLE_FONT, column_block, header,
                                           percentile_heading, typed_percentile)

__all__ = ["build_scenarios", "SCENARIO_STEPS"]

SCENARIO_STEPS = list(range(0, 101, 5))


def build_scenarios(wb: Workbook) -> None:
    ws = wb.create_sheet(L.SCENARIOS)
    ws["A1"] = "Scenarios: what moves the payment"
    ws["A1"].font = TITLE_FONT
    ws["A2"] = ("Exchange curve: the payment adjustment factor for every final score, this cohort and year; "
                "dashed: the cautious and hopeful cases of the pool in force (columns M-N; a given pool has one "
                "case); an exception, or not participating this year (CMS), makes every factor 0.")
    ws["A2"].font = NOTE_FONT
    # which pool prices the curve: the pool in force's words (ASM_POOL), as the Score sheet's range says
    ws["A3"] = '=IFERROR("Priced by the pool in force: "&ASM_POOL(In_Year,Sc_Cohort,Assumptions),"")'
    ws["A3"].font = NOTE_FONT
    header(ws, 4, ["Final score", "Factor", "Dollar impact"])
    n = len(SCENARIO_STEPS)
    end = 4 + n
    for i, score in enumerate(SCENARIO_STEPS):
        ws[f"A{5 + i}"] = score
    # each column one call of its function over the scores (Excel calls Python once a column, not once
    # a cell): a fixed array formula on the hidden Tables sheet, each cell here a reference to it
    scores = f"{L.SCENARIOS}!A5:A{end}"
    column_block(ws, 5, 2, f'=ASM_FACTOR({scores},In_Year,Sc_Cohort,"",In_Exceptions,Assumptions)', n,
                 "Exchange curve: factor (ASM_FACTOR)")
    column_block(ws, 5, 3, f"=ASM_IMPACT({L.SCENARIOS}!B5:B{end},In_Payments,Assumptions)", n, "Exchange curve: dollars (ASM_IMPACT)")
    # The band: the same curve at the cautious and hopeful percentiles of the pool in force (the Score
    # sheet's range table sets them), this physician's exceptions as the curve has them.
    header(ws, 4, ["Cautious case", "Hopeful case"], col=13)
    # each heading names the percentile the Score sheet's range table sets; the chart's legend shows it
    ws["M4"] = percentile_heading("Cautious", "Sc_PercentileLow")
    ws["N4"] = percentile_heading("Hopeful", "Sc_PercentileHigh")
    column_block(ws, 5, 13, f'=ASM_FACTOR_RANGE({scores},In_Year,Sc_Cohort,{typed_percentile("Sc_PercentileLow")},In_Exceptions,Assumptions)', n,
                 "Exchange curve: cautious case (ASM_FACTOR_RANGE)")
    column_block(ws, 5, 14, f'=ASM_FACTOR_RANGE({scores},In_Year,Sc_Cohort,{typed_percentile("Sc_PercentileHigh")},In_Exceptions,Assumptions)', n,
                 "Exchange curve: hopeful case (ASM_FACTOR_RANGE)")
    for i in range(n):
        r = 5 + i
        ws[f"B{r}"].number_format = ws[f"M{r}"].number_format = ws[f"N{r}"].number_format = "+0.00%;-0.00%;0.00%"
        ws[f"C{r}"].number_format = SIGNED_DOLLARS
    # This physician's point, for the chart.
    ws["E4"], ws["F4"] = "This physician", "Factor"
    ws["E4"].font = ws["F4"].font = BOLD
    ws["E5"] = "=IF(ISERROR(Sc_Final),NA(),Sc_Final)"
    ws["F5"] = "=IF(ISERROR(Sc_Factor),NA(),Sc_Factor)"
    ws["E5"].number_format = "0.00"
    ws["F5"].number_format = "+0.00%;-0.00%;0.00%"

    chart = ScatterChart()
    chart.title = "Factor by final score"
    chart.style = 13
    chart.x_axis.title = "Final score"
    chart.y_axis.title = "Payment adjustment factor"
    chart.y_axis.number_format = "0%"
    chart.x_axis.scaling.min, chart.x_axis.scaling.max = 0, 100
    chart.x_axis.tickLblPos = "low"  # score labels under the plot, not on the zero line
    chart.x_axis.majorUnit = 10      # 0, 10, ... 100: "90" and "100" ran together at Excel's own spacing
    chart.legend.position = "b"      # under the plot: at the right it took a third of the chart's width
    chart.x_axis.delete = chart.y_axis.delete = False
    curve = Series(Reference(ws, min_col=2, min_row=5, max_row=end), Reference(ws, min_col=1, min_row=5, max_row=end),
                   title="Exchange curve")   # short: LibreOffice drops legend entries that do not fit one line
    curve.marker.symbol = "none"
    curve.smooth = True
    curve.graphicalProperties.line.solidFill = "1F4E79"   # the curve itself: dark blue, solid, apart from the band
    curve.graphicalProperties.line.width = 28575          # 2.25 pt
    point = Series(Reference(ws, min_col=6, min_row=5, max_row=5), Reference(ws, min_col=5, min_row=5, max_row=5),
                   title="This physician")
    point.marker.symbol = "diamond"
    point.marker.size = 11
    point.marker.graphicalProperties.solidFill = "C00000"
    point.marker.graphicalProperties.line.solidFill = "C00000"
    point.graphicalProperties.line.noFill = True
    band = []
    # the two edges told apart (they were one grey dash): the cautious case in a loss colour, the hopeful in a
    # gain colour, each titled by its heading cell ("Cautious (P10)"), which names the percentile in force
    for col, colour, dash in ((13, "C55A11", "dash"), (14, "548235", "lgDash")):
        edge = Series(Reference(ws, min_col=col, min_row=5, max_row=end),
                      Reference(ws, min_col=1, min_row=5, max_row=end), title_from_data=False)
        edge.tx = SeriesLabel(strRef=StrRef(f"'{L.SCENARIOS}'!${get_column_letter(col)}$4"))
        edge.marker.symbol = "none"
        edge.smooth = True
        edge.graphicalProperties.line.solidFill = colour
        edge.graphicalProperties.line.dashStyle = dash
        band.append(edge)
    chart.series.extend([curve, *band, point])
    chart.height, chart.width = 11, 17
    ws.add_chart(chart, "E8")
    for col, width in zip("ABCDEFGHIJKLMN", (12, 12, 14, 2, 16, 12, 12, 14, 14, 2, 2, 2, 14, 14)):
        ws.column_dimensions[col].width = width
    ws.protection.sheet = True
    build_actions(wb)  # what each improvement is worth: the Actions sheet, right after this one
