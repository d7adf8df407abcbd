"""The dashboard's Score chart sheet: the physicians' final scores (x) and P50 factors (y) over each
cohort's exchange-curve band (P10 and P90 factor over final scores 0-100, the P50 line between), an
openpyxl scatter chart drawn from the tables written below it (values, so every reader shows them)."""

from __future__ import annotations

from openpyxl.chart import Reference, ScatterChart, Series
from openpyxl.chart.layout import Layout, ManualLayout
from openpyxl.styles import Font

from asm_xl.workbooks.dashboard.data import Dashboard
from asm_xl.workbooks.dashboard.style import FACTOR, SCORE, TEXT, header, print_setup, put, table, title, widths

__all__ = ["add_chart_sheet", "CHART_DATA_ROW"]

CHART_DATA_ROW = 32   #: the band table's header row (the chart sits above it)
_COLOURS = ["1F4E78", "C55A11", "548235", "7030A0", "BF9000", "2E75B6", "A50021", "00B0F0"]


def add_chart_sheet(ws, data: Dashboard, subtitle: str) -> None:
    title(ws, "Final scores on the exchange-curve band", subtitle + " Band: P10 to P90 factor of each cohort's pool; "
                                                                    "points: each physician's P50 factor.")
    band = data.band
    cohorts = [c[:-4] for c in band.columns if c.endswith(" P10")]
    head = ["Final score"] + [c for c in band.columns if c != "final_score"]
    section_row = CHART_DATA_ROW - 1
    put(ws, section_row, 1, "The band (factor at P10 / P50 / P90 over final scores)").font = Font(bold=True)
    header(ws, CHART_DATA_ROW, head)
    cols = [("final_score", SCORE)] + [(c, FACTOR) for c in head[1:]]
    end = table(ws, CHART_DATA_ROW + 1, band.to_dict("records"), cols)
    last_band = end - 1

    # the physicians, grouped by cohort (one chart series each), to the right of the band
    px = len(head) + 2
    put(ws, section_row, px, "The physicians (P50 factor)").font = Font(bold=True)
    for j, label in enumerate(["Physician", "Cohort", "Final score", "P50 factor"]):
        header_cell = put(ws, CHART_DATA_ROW, px + j, label)
        header_cell.font = Font(bold=True)
    phys = data.physicians.dropna(subset=["final_score"]).sort_values(["cohort", "final_score"], kind="stable")
    row, spans = CHART_DATA_ROW + 1, {}
    for code, grp in phys.groupby("cohort", sort=True):
        first = row
        for rec in grp.to_dict("records"):
            put(ws, row, px, rec["name"], TEXT)
            put(ws, row, px + 1, rec["cohort"], TEXT)
            put(ws, row, px + 2, rec["final_score"], SCORE)
            put(ws, row, px + 3, rec["factor_p50"], FACTOR)
            row += 1
        spans[code] = (first, row - 1)

    chart = ScatterChart()
    chart.title = "Physicians' final scores on the exchange-curve band"
    chart.style = 13
    chart.x_axis.title = "Final score"
    chart.y_axis.title = "Payment adjustment factor"
    chart.x_axis.scaling.min, chart.x_axis.scaling.max, chart.x_axis.majorUnit = 0, 100, 10
    chart.y_axis.number_format = "0%"
    chart.x_axis.number_format = "0"
    chart.x_axis.tickLblPos = "low"   # the score labels under the plot, not on the 0% line
    chart.y_axis.majorGridlines = None
    chart.x_axis.delete = chart.y_axis.delete = False   # openpyxl 3.1 hides axes unless told
    chart.legend.position = "b"
    chart.height, chart.width = 14, 30
    chart.layout = Layout(manualLayout=ManualLayout(x=0.06, y=0.1, w=0.9, h=0.7))
    xs = Reference(ws, min_col=1, min_row=CHART_DATA_ROW + 1, max_row=last_band)
    for i, code in enumerate(cohorts):
        colour = _COLOURS[i % len(_COLOURS)]
        for p, dash, width in (("P10", "dash", 15000), ("P50", "solid", 9000), ("P90", "dash", 15000)):
            col = head.index(f"{code} {p}") + 1
            ys = Reference(ws, min_col=col, min_row=CHART_DATA_ROW, max_row=last_band)
            s = Series(ys, xs, title_from_data=True)
            s.marker.symbol = "none"
            s.smooth = False
            s.graphicalProperties.line.solidFill = colour
            s.graphicalProperties.line.prstDash = dash
            s.graphicalProperties.line.width = width
            chart.series.append(s)
        if code in spans:
            first, last = spans[code]
            s = Series(Reference(ws, min_col=px + 3, min_row=first, max_row=last),
                       Reference(ws, min_col=px + 2, min_row=first, max_row=last), title=f"{code} physicians")
            s.marker.symbol = "circle"
            s.marker.size = 7
            s.marker.graphicalProperties.solidFill = colour
            s.marker.graphicalProperties.line.solidFill = colour
            s.graphicalProperties.line.noFill = True
            chart.series.append(s)
    ws.add_chart(chart, "A4")
    widths(ws, [10] + [9] * (len(head) - 1) + [3, 24, 7, 11, 10])
    print_setup(ws, "Score chart", None)
