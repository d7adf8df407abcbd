"""The reference sheets as they print (asm_xl.workbooks.sheets.reference): the About sheet's paragraphs
and the Assumptions sheet's meanings wrap inside the page, each row as tall as its lines. LibreOffice
(``asm-xl pdf``) keeps a row's stored height: the About sheet printed its paragraphs over one another
and cut at the page's right edge (a 140-wide column, rows one line tall), and the Assumptions sheet's
meanings ran on to the right, which made its one-page-wide print about a third of full size."""

from __future__ import annotations

import io

import openpyxl
import pytest

from asm_xl.workbooks import layout as L
from asm_xl.workbooks.template import template_bytes

#: landscape letter, the template's default margins (0.75 in each side): 9.5 in = 912 px at 96 dpi
PRINTABLE_PX = (11 - 2 * 0.75) * 96


@pytest.fixture(scope="module")
def wb():
    return openpyxl.load_workbook(io.BytesIO(template_bytes()))


def _px(width: float) -> float:
    """Excel's pixel width of a column ``width`` characters wide (Calibri 11: 7 px a character + 5)."""
    return width * 7 + 5


def test_the_about_sheet_fits_the_page_width_and_each_paragraph_has_the_lines_it_needs(wb):
    ws = wb[L.ABOUT]
    assert _px(ws.column_dimensions["A"].width) <= PRINTABLE_PX   # 100 wide: 705 px
    # "What this is: ..." is 197 characters: two lines of 110 (100 wide x 1.1 characters a unit)
    assert ws["A4"].value.startswith("What this is") and len(ws["A4"].value) == 197
    assert ws.row_dimensions[4].height == 30 and ws["A4"].alignment.wrap_text
    # "Benchmarks: ..." is 257 characters: three lines
    assert ws["A13"].value.startswith("Benchmarks:") and ws.row_dimensions[13].height == 45
    # the title, 14 point: one line of ceil(15 x 14 / 11) = 20 points
    assert ws.row_dimensions[1].height == 20


def test_the_assumptions_meanings_wrap_inside_the_table_and_its_header_prints_on_every_page(wb):
    ws = wb[L.ASSUMPTIONS]
    widths = [ws.column_dimensions[c].width for c in "ABCDE"]
    assert widths == [34, 24, 15, 70, 24]   # 167 wide, printed at about 78% (it was 159 and text beyond)
    # the source sits apart from the right-aligned value ("1000ASSUMPTION" read as one word), and a long
    # fraction is shown as a percent to 3 decimals (likely_gain_chance 2/3 printed as 0.666666666666667)
    row = {ws[f"A{r}"].value: r for r in range(2, ws.max_row + 1)}
    assert ws[f"C{row['peer_draws']}"].alignment.indent == 1 and ws[f"C{row['peer_draws']}"].alignment.horizontal == "left"
    # a fraction setting shows as the percent its meaning says (likely_gain_chance 2/3 was 0.666667 beside "67%")
    for name in ("likely_gain_chance", "completeness_threshold", "pool_withhold", "quality_weight"):
        assert ws[f"B{row[name]}"].number_format == ws[f"E{row[name]}"].number_format == "0.0##%", name
    assert ws[f"B{row['tfs_steepness']}"].number_format == "General"   # not a fraction: k = 0.1 stays 0.1
    assert ws[f"B{row['peer_draws']}"].number_format == "General"
    rows = range(2, ws.max_row - 1)      # the settings (the source note is two rows below them)
    assert all(ws[f"D{r}"].alignment.wrap_text for r in rows if ws[f"D{r}"].value)
    pool = next(r for r in rows if ws[f"A{r}"].value == "pool")
    # 'pool' means 355 characters: five lines of 77 (70 wide x 1.1), its name and value on the first
    assert len(ws[f"D{pool}"].value) == 355 and ws.row_dimensions[pool].height == 75
    assert ws[f"A{pool}"].alignment.vertical == ws[f"B{pool}"].alignment.vertical == "top"
    assert ws.print_title_rows == "$1:$1"


def test_each_setting_shows_the_default_a_blank_value_stands_for(wb):
    ws = wb[L.ASSUMPTIONS]
    assert ws["E1"].value == "Blank = default"
    rows = {ws[f"A{r}"].value: r for r in range(2, ws.max_row + 1) if ws[f"A{r}"].value}
    # Settings' defaults (README "Assumptions"): a blank quality_weight is 0.5, a blank pool 'national'
    assert ws[f"E{rows['quality_weight']}"].value == 0.5
    assert ws[f"E{rows['pool']}"].value == "national"
    assert ws[f"E{rows['bound_factors']}"].value == "Yes"   # as the Inputs sheet and the README write a rule on or off
    assert ws[f"E{rows['peer_share_no_ia']}"].number_format == "0.0##%"   # 0.25 shows 25.0%, as fraction settings
    assert ws[f"E{rows['peer_median_part_b_payments']}"].number_format == '"$"#,##0'
    assert ws[f"E{rows['given_scaling_factor']}"].value is None
    assert ws[f"E{rows['peer_cohort_size_lbp']}"].value == 4027
    note = ws.cell(ws.max_row, 1).value
    assert note.endswith("A value left blank is the default beside it.")


def test_no_text_runs_on_past_a_sheets_last_column_where_a_one_page_wide_print_would_shrink_to_it(wb):
    # The Inputs sheet printed at about 5 points: its help texts ran on past column H, and LibreOffice
    # shrinks a one-page-wide print to take in the text that runs on. Each such text now wraps across the
    # columns to the last one, and the print area is the sheet's columns.
    from openpyxl.utils import get_column_letter

    from asm_xl.workbooks.sheets.style import CHARS_PER_WIDTH, text_shown
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        last = ws.max_column
        bottom = 28 if ws.title == L.SCENARIOS else ws.max_row   # the chart's last row (the next test)
        assert ws.print_area == f"'{ws.title}'!$A$1:${get_column_letter(last)}${bottom}"
        widths = [ws.column_dimensions[get_column_letter(c)].width or 8.43 for c in range(1, last + 1)]
        for row in ws.iter_rows():
            for cell in row:
                text = text_shown(cell.value)
                if not text or cell.alignment.wrap_text or any(c.value is not None for c in row[cell.column:]):
                    continue
                size = cell.font.sz or 11
                assert len(text) <= sum(widths[cell.column - 1:]) * CHARS_PER_WIDTH * 11 / size, \
                    f"{ws.title}!{cell.coordinate} runs on past column {get_column_letter(last)}"
    ws = wb[L.INPUTS]
    # the payments' help: 149 characters of 9 points in C:H (104 wide: 104 x 1.1 x 11/9 = 139 a line) -> 2 lines
    # of ceil(15 x 9/11) = 13 points; the label and the input on its first line
    assert len(ws["C11"].value) == 149 and "C11:H11" in {str(r) for r in ws.merged_cells.ranges}
    assert ws["C11"].alignment.wrap_text and ws.row_dimensions[11].height == 26
    assert ws["A11"].alignment.vertical == ws["B11"].alignment.vertical == "top"


def test_the_score_sheet_prints_at_about_four_fifths_with_its_sources_wrapped_inside_the_page(wb):
    # The Score sheet's columns were 214 wide (1,538 px): a one-page-wide print took 59% of full size, its sources
    # 5-6 points. 164 wide print at 912 / (164 x 7 + 8 x 5) = 77%; each item's source wraps across C:H.
    from asm_xl.workbooks.sheets.score import PAYMENTS_SOURCE, SCORE_WIDTHS
    ws = wb[L.SCORE]
    assert sum(SCORE_WIDTHS.values()) == 164
    assert PRINTABLE_PX / sum(_px(ws.column_dimensions[c].width) for c in "ABCDEFGH") == pytest.approx(0.768, abs=1e-3)
    row = next(c.row for c in ws["C"] if c.value == PAYMENTS_SOURCE)
    # 183 characters of 9 points in C:H (102 wide: 102 x 1.1 x 11/9 = 137 a line) -> 2 lines of 13 points; its
    # label, 57 characters of 11 points in A (44 x 1.1 = 48 a line) -> 2 lines of 15 points: the row is 30 tall
    assert len(PAYMENTS_SOURCE) == 183 and f"C{row}:H{row}" in {str(r) for r in ws.merged_cells.ranges}
    assert ws[f"C{row}"].alignment.wrap_text and ws[f"A{row}"].alignment.wrap_text
    assert ws.row_dimensions[row].height == 30
    # every item's source is merged across C:H, and its Value on the first line
    items = [c.row for c in ws["C"] if isinstance(c.value, str) and c.value.startswith("=IF(ISERROR(B")]
    assert len(items) == 18   # the 19 items but Part B payments, an input shown again
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert all(f"C{r}:H{r}" in merged and ws[f"B{r}"].alignment.vertical == "top" for r in items)


def test_the_scenarios_print_area_takes_in_the_whole_chart_with_its_legend(wb):
    # The print area ended at the last cell (row 25) and cut the chart's bottom off: its axis title and legend
    # did not print. The chart starts at E8 and is 11 cm = 311.8 points tall: 21 rows of 15 points, 8-28.
    ws = wb[L.SCENARIOS]
    (chart,) = ws._charts
    assert chart.anchor._from.row + 1 == 8 and ws.max_row == 25
    assert chart.anchor.ext.height / 12700 == pytest.approx(311.8, abs=0.1)   # EMU -> points
    assert ws.print_area == f"'{L.SCENARIOS}'!$A$1:$N$28"
    assert [s.tx.v if s.tx.v else s.tx.strRef.f for s in chart.series][0] == "Exchange curve"
