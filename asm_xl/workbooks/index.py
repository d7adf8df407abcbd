"""The index workbook: every physician of the roster with cohort, score, factor, impact, rank, link
and status. A row never disagrees with the file it links: for a workbook kept from an earlier run
(no ``--overwrite``) it shows the numbers cached in that file (:mod:`asm_xl.workbooks.kept`), and no
numbers at all when the file cannot be read.

Written with XlsxWriter through :mod:`asm_xl.workbooks.xlsxwriter_cells` (roster text as text, never
a formula)."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from asm_xl.workbooks.xlsxwriter_cells import LINK_LIMIT, new_workbook, put_link, put_value, records, save_workbook

__all__ = ["write_index"]

COLUMNS = [("npi", "NPI", "@"), ("name", "Physician", "@"), ("cohort", "Cohort", "@"),
           ("performance_year", "Performance year", "0"), ("final_score", "Final score", "0.00"),
           ("factor", "Payment adjustment factor", "+0.00%;-0.00%;0.00%"),
           ("dollar_impact", "Dollar impact", '"$"#,##0;[Red]-"$"#,##0'),
           ("dollars_p10", "Dollars, cautious (P10)", '"$"#,##0;[Red]-"$"#,##0'),
           ("dollars_p50", "Dollars, middle (P50)", '"$"#,##0;[Red]-"$"#,##0'),
           ("dollars_p90", "Dollars, hopeful (P90)", '"$"#,##0;[Red]-"$"#,##0'),
           ("p_gain", "Chance of a gain", "0%"),
           ("rank_in_roster_cohort", "Rank in roster cohort", "0"), ("roster_cohort_size", "Of", "0"),
           ("file", "Workbook", "@"), ("status", "Status", "@")]
WIDTHS = (13, 30, 8, 10, 11, 14, 14, 14, 14, 14, 9, 11, 6, 48, 38)   #: one a column of COLUMNS
NOTE = ("Estimates, not CMS determinations. P10 / P50 / P90: the dollars in a cautious, middle and hopeful "
        "case over the national peer model's simulated cohorts (each workbook's Score sheet says how). "
        "Rank: 1 = highest final score among this roster's cohort "
        "(written rows only). Status \"kept\": the file is from an earlier run and the row shows its numbers.")
NOTE_COLUMN = len(COLUMNS) + 1   #: 0-based: the note sits right of the table, one empty column between

_HEAD = {"bold": True, "font_color": "#FFFFFF", "bg_color": "#1F4E78", "pattern": 1}
_LINK = {"font_color": "#0563C1", "underline": 1}


def write_index(summary: pd.DataFrame, path: Path) -> Path:
    """Write the index: one row a physician, roster text as text, the Workbook column linked."""
    wb, buf = new_workbook()
    ws = wb.add_worksheet("Index")
    head = wb.add_format(_HEAD)
    for j, (_, header, _) in enumerate(COLUMNS):
        ws.write_string(0, j, header, head)
    ws.write_string(0, NOTE_COLUMN, NOTE)
    looks = [wb.add_format({"num_format": fmt, **(_LINK if key == "file" else {})}) for key, _, fmt in COLUMNS]
    row = 0
    for row, rec in enumerate(records(summary, [key for key, _, _ in COLUMNS]), start=1):
        for j, (key, _, _) in enumerate(COLUMNS):
            v = rec.get(key)
            if v is None or (isinstance(v, float) and math.isnan(v)):
                continue
            if key == "file" and isinstance(v, str):
                put_link(ws, row, j, v, looks[j], linked=row <= LINK_LIMIT)
            else:
                put_value(ws, row, j, v, looks[j])
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, row, len(COLUMNS) - 1)
    ws.print_area(0, 0, row, len(COLUMNS) - 1)   # the table, not the note running on to the right
    ws.set_margins(left=0.75, right=0.75, top=1, bottom=1)   # openpyxl's defaults, as before
    for j, width in enumerate(WIDTHS):
        ws.set_column_pixels(j, j, width * 7)   # 7 px a character of Calibri 11: the <col> width is `width`
    return save_workbook(wb, buf, path)
