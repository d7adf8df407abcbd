"""How the dashboard's cells look and print: number formats, header rows, tables of values, and the
print setup every sheet gets (landscape, one page wide, header row repeated, title and page numbers)."""

from __future__ import annotations

import math
from copy import copy

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from asm_xl.workbooks.index import put_text

__all__ = ["SIGNED", "MONEY", "FACTOR", "SCORE", "SHARE", "WHOLE", "TEXT", "RISK", "title", "section", "header", "table",
           "print_setup", "widths", "put"]

SIGNED = '+"$"#,##0;[Red]-"$"#,##0;"$"0'
MONEY = '"$"#,##0'
FACTOR = "+0.00%;[Red]-0.00%;0.00%"
SCORE = "0.0"
SHARE = "0%"
WHOLE = "0"
TEXT = "@"
RISK = "0%"

_HEAD_FILL = PatternFill("solid", fgColor="1F4E78")
_TOTAL_FILL = PatternFill("solid", fgColor="DDEBF7")
_THIN = Side(style="thin", color="9BB7D4")
_GRID = Border(bottom=_THIN)


def put(ws, row: int, col: int, value, fmt: str | None = None):
    """One cell: text always as text (never a formula, XML-safe), numbers as numbers, None/NaN blank."""
    c = ws.cell(row=row, column=col)
    if isinstance(value, str):
        put_text(c, value)
    elif value is None or (isinstance(value, float) and math.isnan(value)):
        return c
    else:
        c.value = value.item() if hasattr(value, "item") else value
    if fmt:
        c.number_format = fmt
    return c


def title(ws, text: str, subtitle: str) -> None:
    """Row 1: the sheet's title; row 2: what it is (estimates, date, pool)."""
    put(ws, 1, 1, text).font = Font(bold=True, size=14, color="1F4E78")
    put(ws, 2, 1, subtitle).font = Font(italic=True, size=9, color="595959")


def section(ws, row: int, text: str) -> None:
    put(ws, row, 1, text).font = Font(bold=True, size=11, color="1F4E78")


def header(ws, row: int, labels: list[str], spans: list[int] | None = None) -> None:
    """A header row: white bold on blue, wrapped; ``spans``: how many columns each label covers."""
    j = 1
    for label, span in zip(labels, spans or [1] * len(labels)):
        c = put(ws, row, j, label)
        if span > 1:
            ws.merge_cells(start_row=row, start_column=j, end_row=row, end_column=j + span - 1)
        j += span
        c.font = Font(bold=True, color="FFFFFF", size=9)
        c.fill = _HEAD_FILL
        c.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    ws.row_dimensions[row].height = 30


def table(ws, first_row: int, records: list[dict], columns: list[tuple[str, str | None]], *,
          bold_when=None, link_column: str | None = None, merge: dict | None = None,
          wrap: dict | None = None) -> int:
    """Write ``records`` below a header, one row each, ``columns`` = [(key, number format)]; rows for
    which ``bold_when(record)`` is true are shaded totals. ``link_column``: its text is also the
    cell's relative hyperlink (a file beside the dashboard); ``merge``: {key: columns it spans};
    ``wrap``: {key: characters a line holds}: that text wraps and the row is made tall enough.
    Returns the next free row.

    A cell's look depends only on (number format, total row, wrapped, link): each look is made once
    and copied to the cells that share it (openpyxl indexes every style object it is given, ~10 µs a
    cell and attribute; copying a made cell's style array is what openpyxl's own sheet copy does).
    """
    row = first_row
    looks: dict = {}
    for rec in records:
        total = bool(bold_when and bold_when(rec))
        j = 1
        for key, fmt in columns:
            span = (merge or {}).get(key, 1)
            c = put(ws, row, j, rec.get(key))
            if span > 1:
                ws.merge_cells(start_row=row, start_column=j, end_row=row, end_column=j + span - 1)
            j += span
            text = isinstance(c.value, str)
            wrapped = bool(wrap and key in wrap and text)
            link = key == link_column and text and bool(c.value)
            look = (fmt, total, wrapped, link)
            made = looks.get(look)
            if made is None:
                _style_cell(c, fmt, total, wrapped, link)
                looks[look] = copy(c._style)
            else:
                c._style = copy(made)
            if wrapped:
                lines = max(1, -(-len(c.value) // wrap[key]))
                if lines > 1:
                    ws.row_dimensions[row].height = max(ws.row_dimensions[row].height or 0, 12.0 * lines)
            if link:
                c.hyperlink = c.value
        row += 1
    return row


def _style_cell(c, fmt: str | None, total: bool, wrapped: bool, link: bool) -> None:
    if fmt:
        c.number_format = fmt
    c.border = _GRID
    c.font = Font(size=9, color="0563C1", underline="single") if link else Font(size=9, bold=total)
    if total:
        c.fill = _TOTAL_FILL
    c.alignment = Alignment(wrap_text=True, vertical="top") if wrapped else Alignment(vertical="top")


def widths(ws, values: list[float]) -> None:
    for j, w in enumerate(values, start=1):
        ws.column_dimensions[get_column_letter(j)].width = w


def print_setup(ws, sheet_title: str, title_rows: str | None) -> None:
    """Landscape, fit to one page wide (as many pages tall as needed), ``title_rows`` (e.g. "4:4")
    repeated on every page, header with the title, footer with the page number."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_LETTER
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if title_rows:
        ws.print_title_rows = title_rows
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.print_options.horizontalCentered = True
    ws.oddHeader.center.text = f"ASM practice dashboard: {sheet_title}"
    ws.oddHeader.center.size = 9
    ws.oddFooter.left.text = "Estimates, not CMS determinations"
    ws.oddFooter.left.size = 8
    ws.oddFooter.right.text = "Page &P of &N"
    ws.oddFooter.right.size = 8
