"""The index workbook: every physician of the roster with cohort, score, factor, impact, rank, link
and status. A row never disagrees with the file it links: for a workbook kept from an earlier run
(no ``--overwrite``) it shows the numbers cached in that file (:mod:`asm_xl.workbooks.kept`), and no
numbers at all when the file cannot be read."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from asm_xl.xlsx.atomic import write_atomic
from asm_xl.xlsx.cells import xml_safe_text

__all__ = ["write_index", "put_text"]

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
NOTE = ("Estimates, not CMS determinations. P10 / P50 / P90: the dollars in a cautious, middle and hopeful "
        "case over the national peer model's simulated cohorts (each workbook's Score sheet says how). "
        "Rank: 1 = highest final score among this roster's cohort "
        "(written rows only). Status \"kept\": the file is from an earlier run and the row shows its numbers.")


def put_text(cell, text: str) -> str:
    """Write ``text`` into an openpyxl cell as plain text: characters XML cannot hold shown as
    ``_xHHHH_``, and never a formula (openpyxl writes a str beginning with "=" as one). Returns
    the text written."""
    cell.value = text = xml_safe_text(str(text))
    cell.data_type = "s"
    return text


def write_index(summary: pd.DataFrame, path: Path) -> Path:
    """Write the index; roster text is written as text (openpyxl would read "=..." as a formula)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Index"
    for j, (_, header, _) in enumerate(COLUMNS, start=1):
        c = ws.cell(row=1, column=j, value=header)
        c.font = Font(bold=True, color="FFFFFF")
        c.fill = PatternFill("solid", fgColor="1F4E78")
    for i, rec in enumerate(summary.to_dict("records"), start=2):
        for j, (key, _, fmt) in enumerate(COLUMNS, start=1):
            v = rec.get(key)
            if v is not None and not (isinstance(v, float) and pd.isna(v)):
                c = ws.cell(row=i, column=j)
                if not isinstance(v, str):
                    c.value = v
                if isinstance(v, str):
                    v = put_text(c, v)
                c.number_format = fmt
                if key == "file":
                    c.hyperlink = v
                    c.font = Font(color="0563C1", underline="single")
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    for col, width in zip("ABCDEFGHIJK", (13, 30, 8, 10, 11, 14, 14, 12, 6, 48, 38)):
        ws.column_dimensions[col].width = width
    ws["M1"] = NOTE
    buf = io.BytesIO()
    wb.save(buf)
    write_atomic(path, buf.getvalue())
    return path
