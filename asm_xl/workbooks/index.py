"""The index workbook: every physician of the roster with cohort, score, factor, impact, rank, link
and status. A row never disagrees with the file it links: for a workbook kept from an earlier run
(no ``--overwrite``) it shows the numbers cached in that file (:mod:`asm_xl.workbooks.kept`), and no
numbers at all when the file cannot be read.

Written with XlsxWriter through :mod:`asm_xl.workbooks.xlsxwriter_cells` (roster text as text, never
a formula). It prints as the dashboard does (landscape, one page wide, the header row on every page)
and its columns are as wide as their values: the header wraps onto as many lines as its longest
label needs."""

from __future__ import annotations

import math
import numbers
import textwrap
from pathlib import Path

import pandas as pd

from asm_xl.workbooks.dashboard.data import rejected_note
from asm_xl.workbooks.dashboard.style import SIGNED
from asm_xl.workbooks.xlsxwriter_cells import (LINK_LIMIT, new_workbook, print_setup, put_link, put_value, records,
                                               save_workbook, set_widths)

__all__ = ["write_index", "index_note", "pool_note", "INDEX_NAME", "INDEX_SHEET"]

INDEX_NAME = "asm_index.xlsx"   #: the index's file, beside the workbooks
INDEX_SHEET = "Index"           #: its one sheet

#: dollars with their sign, as the dashboard, the workbooks and the console show them (a gain read "$8,695" here only)
_DOLLARS = SIGNED
COLUMNS = [("npi", "NPI", "@"), ("tin", "TIN", "@"), ("name", "Physician", "@"), ("cohort", "Cohort", "@"),
           ("performance_year", "Performance year", "0"), ("final_score", "Final score", "0.00"),
           ("factor", "Payment adjustment factor", "+0.00%;-0.00%;0.00%"),
           ("dollar_impact", "Dollar impact", _DOLLARS),
           ("dollars_p10", "Dollars, cautious (P10)", _DOLLARS),
           ("dollars_p50", "Dollars, middle (P50)", _DOLLARS),
           ("dollars_p90", "Dollars, hopeful (P90)", _DOLLARS),
           ("p_gain", "Chance of a gain", "0%"),
           ("rank_in_roster_cohort", "Rank in roster cohort", "0"), ("roster_cohort_size", "Of", "0"),
           ("file", "Workbook", "@"), ("status", "Status", "@")]
#: the columns whose text wraps when longer than the column at its widest (a long name, a stale file's status)
WRAPPED = ("name", "status")
#: (narrowest, widest) width of each column of COLUMNS, in characters: between them, as wide as the
#: longest value shown; never narrower than the longest word of the header (which wraps)
WIDTHS = ((11, 13), (10, 12), (12, 30), (6, 8), (6, 8), (6, 9), (8, 10), (8, 13), (8, 13), (8, 13), (8, 13), (6, 8),
          (10, 20), (6, 7), (12, 48), (9, 40))


def pool_note(pool: str = "national", sources: dict | None = None) -> str:
    """Where the figures come from: which pool priced them and how (``sources``: cohort → the pool's own
    words, as the dashboard's "Pool source" rows), and what the point estimate and P10 / P50 / P90 are.
    A 'given' or 'roster' pool has no draws: its P10, P50 and P90 are its point."""
    where = "; ".join(f"{code}: {text}" for code, text in sorted((sources or {}).items()))
    return (f"Estimates, not CMS determinations. Pool: {pool}{f' ({where})' if where else ''}. "
            "Payment adjustment factor and dollar impact: the pool's point estimate; P10 / P50 / P90: the dollars "
            "in a cautious, middle and hopeful case over its simulated cohorts (a given or roster pool has one: "
            "the three are equal).")


def index_note(pool: str = "national", sources: dict | None = None) -> str:
    """The note beside the table: :func:`pool_note`, then what a rank and a status mean."""
    return (pool_note(pool, sources) + " Each workbook's Score sheet says how. "
            "Rank: 1 = highest final score among this roster's cohort "
            "(written rows only; \"exception: neutral\": a physician with an exception is out of the cohort's "
            "pool, neutral factor 0, and not ranked; \"not participating (CMS)\": CMS's participants file "
            "lists no participation that year, so no ASM adjustment: factor and dollars 0, as in the workbook). "
            "Status \"kept\": the file is from an earlier run and the row shows its numbers.")


NOTE = index_note()   #: the note of the default pool, no sources named

NOTE_COLUMN = len(COLUMNS) + 1   #: 0-based: the note sits right of the table, one empty column between

_HEAD = {"bold": True, "font_color": "#FFFFFF", "bg_color": "#1F4E78", "pattern": 1, "text_wrap": True,
         "valign": "vcenter", "align": "center"}
_LINK = {"font_color": "#0563C1", "underline": 1, "indent": 1}   # clear of the numbers to its left
_LINE_POINTS = 15   #: the height of one line of Calibri 11, in points (Excel's default row)


def write_index(summary: pd.DataFrame, path: Path, pool: str = "national", pool_sources: dict | None = None,
                rejected: int = 0) -> Path:
    """Write the index: one row a physician, roster text as text, the Workbook column linked; the note
    beside the table and the printed page's header name the pool that priced the numbers, and the roster
    rows ``rejected`` (in no row here; :func:`~asm_xl.workbooks.dashboard.data.rejected_note`)."""
    wb, buf = new_workbook()
    ws = wb.add_worksheet(INDEX_SHEET)
    head = wb.add_format(_HEAD)
    for j, (_, header, _) in enumerate(COLUMNS):
        ws.write_string(0, j, header, head)
    missing = rejected_note(rejected) + " " if rejected else ""
    ws.write_string(0, NOTE_COLUMN, missing + index_note(pool, pool_sources))
    looks = [wb.add_format({"num_format": fmt, **(_LINK if key == "file" else {})}) for key, _, fmt in COLUMNS]
    # a name or a status longer than its column (at its widest) wraps, the row as tall as its lines
    wrapped = {j: wb.add_format({"num_format": fmt, "text_wrap": True, "valign": "top"})
               for j, (key, _, fmt) in enumerate(COLUMNS) if key in WRAPPED}
    rows = records(summary, [key for key, _, _ in COLUMNS])
    widths = column_widths(rows)
    row = 0
    for row, rec in enumerate(rows, start=1):
        lines = 1
        for j, (key, _, _) in enumerate(COLUMNS):
            v = rec.get(key)
            if v is None or (isinstance(v, float) and math.isnan(v)):
                continue
            if key == "file" and isinstance(v, str):
                put_link(ws, row, j, v, looks[j], linked=row <= LINK_LIMIT)
            elif j in wrapped and isinstance(v, str) and len(v) > widths[j] - 2:
                lines = max(lines, len(_text_lines(v, widths[j])))
                put_value(ws, row, j, v, wrapped[j])
            else:
                put_value(ws, row, j, v, looks[j])
        if lines > 1:
            ws.set_row(row, _LINE_POINTS * lines)
    set_widths(ws, widths)
    ws.set_row(0, _LINE_POINTS * max(len(_text_lines(h, w, break_long_words=False)) for (_, h, _), w in zip(COLUMNS, widths)))
    ws.freeze_panes(1, 0)   # below the header
    ws.autofilter(0, 0, row, len(COLUMNS) - 1)
    ws.print_area(0, 0, row, len(COLUMNS) - 1)   # the table, not the note running on to the right
    # the note is not printed (it runs on to the right): the page's header says where the numbers come from
    print_setup(ws, f"ASM index: the physicians' workbooks. Pool: {pool}; P10 / P50 / P90 = cautious / middle / "
                    "hopeful case (each workbook's Score sheet says how)"
                    + (f". {rejected} roster row(s) rejected: see roster_errors.csv" if rejected else ""), title_row=1)
    return save_workbook(wb, buf, path)


def column_widths(rows: list[dict]) -> list[int]:
    """The width of each column of :data:`COLUMNS` in characters: the longest value it shows
    (:func:`shown_text`) plus a margin, within :data:`WIDTHS`, and at least the longest word of its
    header plus a margin (a header wraps between words, never inside one)."""
    out = []
    for (key, header, fmt), (narrowest, widest) in zip(COLUMNS, WIDTHS):
        words = max(len(w) for w in header.split()) + 2   # bold: a little wider than plain text
        values = max((len(shown_text(r.get(key), fmt)) + 2 for r in rows), default=0)
        out.append(max(words, narrowest, min(widest, values)))
    return out


def shown_text(value, fmt: str) -> str:
    """About the text a cell of number format ``fmt`` shows for ``value`` (enough to size its column):
    text as it is, dollars with a sign and thousands separators, percentages, whole or 2-decimal numbers."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, str) or not isinstance(value, numbers.Real):
        return str(value)   # (a value no cell can hold: the writing says so)
    v = float(value)
    if "$" in fmt:
        return f"-${abs(v):,.0f}"
    if "%" in fmt:
        return f"{v:+.2%}" if "0.00%" in fmt else f"{v:.0%}"
    return f"{v:.2f}" if fmt == "0.00" else f"{v:.0f}"


def _text_lines(text: str, width: int, *, break_long_words: bool = True) -> list[str]:
    """The lines a wrapped cell of ``width`` characters shows (two characters kept free; a word longer than a
    line is broken, but in a header, which is as wide as its longest word)."""
    return textwrap.wrap(text, width=max(1, width - 2), break_long_words=break_long_words) or [""]
