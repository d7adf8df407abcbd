"""The dashboard's Score chart sheet: the physicians' final scores (x) and P50 factors (y) over each
cohort's exchange-curve band (P10 and P90 factor over final scores 0-100, the P50 line between), an
XlsxWriter scatter chart drawn from the tables written below it (values, so every reader shows them)."""

from __future__ import annotations

from asm_xl.workbooks.dashboard.data import EXCEPTION_OUTLOOK, NOT_PARTICIPATING_OUTLOOK, Dashboard
from asm_xl.workbooks.dashboard.style import BOLD, FACTOR, SCORE, TEXT, Sheet
from asm_xl.workbooks.xlsxwriter_cells import records

__all__ = ["add_chart_sheet", "band_words", "CHART_DATA_ROW"]

CHART_DATA_ROW = 32   #: the band table's header row (the chart sits above it)
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


def add_chart_sheet(wb, sh: Sheet, data: Dashboard, subtitle: str) -> None:
    """Write the Score chart sheet ``sh`` of workbook ``wb``: the band table, the physicians' points
    by cohort and the chart of both."""
    band = data.band
    cohorts = [c[:-4] for c in band.columns if c.endswith(" P10")]
    head = ["Final score"] + [c for c in band.columns if c != "final_score"]
    phys = data.physicians.dropna(subset=["final_score"]).sort_values(["cohort", "final_score"], kind="stable")
    # the columns: the band's, a gap, the physicians' (the name and its tag, "Kowalczyk, Eun-ji (NPI
    # 1000000004)", whole); the subtitle wraps across them (it ran on past the printed page)
    longest = max([len(str(w)) for w in phys["who"]] + [24])
    widths = [10] + [9] * (len(head) - 1) + [3, min(48, longest + 2), 7, 11, 10]
    sh.title("Final scores on the exchange-curve band", subtitle + " " + band_words(data), across=widths)
    section_row = CHART_DATA_ROW - 1
    sh.put(section_row, 1, "The band (factor at P10 / P50 / P90 over final scores)", BOLD)
    sh.header(CHART_DATA_ROW, head)
    cols = [("final_score", SCORE)] + [(c, FACTOR) for c in head[1:]]
    head_keys = [k for k, _ in cols]
    end = sh.table(CHART_DATA_ROW + 1, records(band, head_keys), cols)
    last_band = end - 1

    # the physicians, grouped by cohort (one chart series each), to the right of the band
    px = len(head) + 2
    sh.put(section_row, px, "The physicians (P50 factor)", BOLD)
    sh.header(CHART_DATA_ROW, ["Physician", "Cohort", "Final score", "P50 factor"], first_col=px, props=BOLD)
    still = phys["outlook"].isin(NO_ADJUSTMENT)
    row, spans = CHART_DATA_ROW + 1, {}
    text, score, factor = {"num_format": TEXT}, {"num_format": SCORE}, {"num_format": FACTOR}
    # each cohort's physicians, then those with no adjustment (their factor: 0, the exception's neutral one)
    groups = [(code, grp, grp["factor_p50"].tolist()) for code, grp in phys[~still].groupby("cohort", sort=True)]
    if still.any():
        groups.append((NO_ADJUSTMENT_SERIES, phys[still], [0.0] * int(still.sum())))
    for code, grp, factors in groups:
        first = row
        for rec, f in zip(records(grp, ["who", "cohort", "final_score"]), factors):
            sh.put(row, px, rec["who"], text)
            sh.put(row, px + 1, rec["cohort"], text)
            sh.put(row, px + 2, rec["final_score"], score)
            sh.put(row, px + 3, f, factor)
            row += 1
        spans[code] = (first, row - 1)

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
    name, top, last = sh.name, CHART_DATA_ROW, last_band - 1
    for i, code in enumerate(cohorts):
        colour = "#" + _COLOURS[i % len(_COLOURS)]
        for p, dash, width in _BAND_LINES:
            col = head.index(f"{code} {p}")
            chart.add_series({"name": [name, top - 1, col], "categories": [name, top, 0, last, 0],
                              "values": [name, top, col, last, col], "marker": {"type": "none"},
                              "line": {"color": colour, "dash_type": dash, "width": width}})
        if code in spans:
            first, final = spans[code][0] - 1, spans[code][1] - 1
            chart.add_series({"name": f"{code} physicians", "categories": [name, first, px + 1, final, px + 1],
                              "values": [name, first, px + 2, final, px + 2], "line": {"none": True},
                              "marker": {"type": "circle", "size": 7, "fill": {"color": colour},
                                         "border": {"color": colour}}})
    if NO_ADJUSTMENT_SERIES in spans:
        first, final = spans[NO_ADJUSTMENT_SERIES][0] - 1, spans[NO_ADJUSTMENT_SERIES][1] - 1
        chart.add_series({"name": NO_ADJUSTMENT_SERIES, "categories": [name, first, px + 1, final, px + 1],
                          "values": [name, first, px + 2, final, px + 2], "line": {"none": True},
                          "marker": {"type": "diamond", "size": 7, "fill": {"none": True},
                                     "border": {"color": _GREY, "width": 1.5}}})
    # as wide as the tables: a chart is anchored to cells, and LibreOffice (the PDF) stretches it to them
    width = sh.widths(widths)
    chart.set_size({"width": width, "height": _CHART_HEIGHT})
    sh.ws.insert_chart(3, 0, chart)   # A4
    sh.print_setup(CHART_DATA_ROW)   # the tables' header repeated on the pages they continue on
