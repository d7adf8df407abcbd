"""The dashboard's Score chart and Score band sheets: the physicians' final scores (x) and P50 factors (y)
over each cohort's exchange-curve band (P10 and P90 factor over final scores 0-100, the P50 line between), an
XlsxWriter scatter chart drawn from the physicians' table below it and the band's table on a sheet of its own
(values, so every reader shows them). Two tables side by side printed one's header over nothing on the pages
where the other one went on alone; each sheet now prints one table, its header repeated."""

from __future__ import annotations

from asm_xl.workbooks.dashboard.data import EXCEPTION_OUTLOOK, NOT_PARTICIPATING_OUTLOOK, Dashboard
from asm_xl.workbooks.dashboard.style import BOLD, FACTOR, SCORE, TEXT, Sheet
from asm_xl.workbooks.xlsxwriter_cells import records

__all__ = ["add_chart_sheets", "band_words", "CHART_DATA_ROW", "BAND_SHEET", "BAND_HEADER_ROW"]

CHART_DATA_ROW = 32   #: the physicians' table's header row on the Score chart sheet (the chart sits above it)
BAND_SHEET = "Score band"   #: the sheet of the band's table
BAND_HEADER_ROW = 4   #: the band table's header row on it
_COLOURS = ["1F4E78", "C55A11", "548235", "7030A0", "BF9000", "2E75B6", "A50021", "00B0F0"]
_CHART_HEIGHT = 529   #: pixels (14 cm); the chart is as wide as the tables below it
#: the band's lines: percentile, dash, width in points
_BAND_LINES = (("P10", "dash", 1.25), ("P50", "solid", 0.75), ("P90", "dash", 1.25))
#: the outlooks of a physician with no adjustment (factor 0 whatever his score): drawn apart, off the band
NO_ADJUSTMENT = (EXCEPTION_OUTLOOK, NOT_PARTICIPATING_OUTLOOK)
#: the name of those physicians' series (their rows follow the cohorts' in the table it is drawn from)
NO_ADJUSTMENT_SERIES = "No adjustment (exception or not participating)"
_GREY = "#7F7F7F"


def band_words(data: Dashboard) -> str:
    """What the chart shows: the band of each cohort's pool of its first performance year (the one
    :func:`~asm_xl.workbooks.dashboard.data.practice_dashboard` prices it in), and, for a roster of several
    years, that a point of another year is priced by that year's pool and risk level."""
    phys = data.physicians[data.physicians["cohort"] != ""]
    first = phys.groupby("cohort", sort=True)["performance_year"].min()
    text = ("Band: P10 to P90 factor of each cohort's pool ("
            + ", ".join(f"{code} PY {int(year)}" for code, year in first.items()) + "); points: each physician's P50 factor")
    if phys["performance_year"].nunique() > 1:
        text += " in his own performance year, whose pool and risk level may put it off the band drawn"
    text += "."
    if (phys["final_score"].notna() & phys["outlook"].isin(NO_ADJUSTMENT)).any():
        text += (" Grey diamonds: physicians with no adjustment (an exception, or not participating in CMS's "
                 "file), at factor 0 whatever their score.")
    return text


def add_chart_sheets(wb, sh: Sheet, band_sh: Sheet, data: Dashboard, subtitle: str) -> None:
    """Write the Score chart sheet ``sh`` (the chart, and under it the physicians' points by cohort) and the Score
    band sheet ``band_sh`` (the band's table the chart's lines are drawn from) of workbook ``wb``."""
    band = data.band
    cohorts = [c[:-4] for c in band.columns if c.endswith(" P10")]
    head = ["Final score"] + [c for c in band.columns if c != "final_score"]
    phys = data.physicians.dropna(subset=["final_score"]).sort_values(["cohort", "final_score"], kind="stable")
    words = subtitle + " " + band_words(data)

    band_widths = [11] + [10] * (len(head) - 1)
    band_sh.title("The exchange-curve band: the payment adjustment factor at P10 / P50 / P90 over final scores",
                  words + " Drawn on sheet Score chart.", across=band_widths)
    band_sh.header(BAND_HEADER_ROW, head)
    cols = [("final_score", SCORE)] + [(c, FACTOR) for c in head[1:]]
    last_band = band_sh.table(BAND_HEADER_ROW + 1, records(band, [k for k, _ in cols]), cols) - 1   # its last row
    band_sh.widths(band_widths)
    band_sh.print_setup(BAND_HEADER_ROW)

    # the physicians, grouped by cohort (one chart series each), under the chart: the name and its tag
    # ("Kowalczyk, Eun-ji (NPI 1000000004)") whole; the chart as wide as the band's table was beside them
    longest = max([len(str(w)) for w in phys["who"]] + [24])
    widths = [min(48, longest + 2), 9, 11, 11] + [11] * 6
    sh.title("Final scores on the exchange-curve band", words + f" The band's numbers: sheet {BAND_SHEET}.",
             across=widths)
    sh.put(CHART_DATA_ROW - 1, 1, "The physicians (the point drawn: the P50 factor)", BOLD)
    sh.header(CHART_DATA_ROW, ["Physician", "Cohort", "Final score", "P50 factor"])
    still = phys["outlook"].isin(NO_ADJUSTMENT)
    row, spans = CHART_DATA_ROW + 1, {}
    # each cohort's physicians, then those with no adjustment (their factor: 0, the exception's neutral one)
    groups = [(code, grp) for code, grp in phys[~still].groupby("cohort", sort=True)]
    if still.any():
        groups.append((NO_ADJUSTMENT_SERIES, phys[still].assign(factor_p50=0.0)))
    looks = [("who", TEXT), ("cohort", TEXT), ("final_score", SCORE), ("factor_p50", FACTOR)]
    for code, grp in groups:
        end = sh.table(row, records(grp, [k for k, _ in looks]), looks)
        spans[code] = (row, end - 1)
        row = end

    chart = wb.add_chart({"type": "scatter", "subtype": "straight"})
    chart.set_title({"name": "Physicians' final scores on the exchange-curve band"})
    chart.set_style(13)
    chart.set_x_axis({"name": "Final score", "min": 0, "max": 100, "major_unit": 10, "num_format": "0",
                      "label_position": "low",   # the score labels under the plot, not on the 0% line
                      "major_gridlines": {"visible": True}, "major_tick_mark": "none"})
    chart.set_y_axis({"name": "Payment adjustment factor", "num_format": "0%",
                      "major_gridlines": {"visible": False}, "major_tick_mark": "none"})
    chart.set_legend({"position": "bottom"})
    # the plot's inner area (axes, without their labels), in fractions of the chart
    chart.set_plotarea({"layout": {"x": 0.09, "y": 0.15, "width": 0.88, "height": 0.65}})
    # chart ranges: [sheet, first row, first col, last row, last col], counted from 0
    name, band_name, top, last = sh.name, band_sh.name, BAND_HEADER_ROW, last_band - 1
    for i, code in enumerate(cohorts):
        colour = "#" + _COLOURS[i % len(_COLOURS)]
        for p, dash, width in _BAND_LINES:
            col = head.index(f"{code} {p}")
            chart.add_series({"name": [band_name, top - 1, col], "categories": [band_name, top, 0, last, 0],
                              "values": [band_name, top, col, last, col], "marker": {"type": "none"},
                              "line": {"color": colour, "dash_type": dash, "width": width}})
        if code in spans:
            first, final = spans[code][0] - 1, spans[code][1] - 1
            chart.add_series({"name": f"{code} physicians", "categories": [name, first, 2, final, 2],
                              "values": [name, first, 3, final, 3], "line": {"none": True},
                              "marker": {"type": "circle", "size": 7, "fill": {"color": colour},
                                         "border": {"color": colour}}})
    if NO_ADJUSTMENT_SERIES in spans:
        first, final = spans[NO_ADJUSTMENT_SERIES][0] - 1, spans[NO_ADJUSTMENT_SERIES][1] - 1
        chart.add_series({"name": NO_ADJUSTMENT_SERIES, "categories": [name, first, 2, final, 2],
                          "values": [name, first, 3, final, 3], "line": {"none": True},
                          "marker": {"type": "diamond", "size": 7, "fill": {"none": True},
                                     "border": {"color": _GREY, "width": 1.5}}})
    # as wide as the tables: a chart is anchored to cells, and LibreOffice (the PDF) stretches it to them
    width = sh.widths(widths)
    chart.set_size({"width": width, "height": _CHART_HEIGHT})
    sh.ws.insert_chart(3, 0, chart)   # A4
    sh.print_setup(CHART_DATA_ROW)   # the table's header repeated on the pages it continues on
