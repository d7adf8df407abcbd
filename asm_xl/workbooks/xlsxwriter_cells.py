"""Cells of a workbook written with XlsxWriter (write-only, a few µs a cell, about a third of what
openpyxl takes): the index and the practice dashboard are written through these helpers. Roster text
always goes through ``write_string``: it is never read as a formula, a number or a URL (the workbook
options say the same, a second guard); characters XML cannot hold are shown as ``_xHHHH_``."""

from __future__ import annotations

import io
import math
import numbers
from pathlib import Path

import numpy as np
import pandas as pd
import xlsxwriter
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from asm_xl.xlsx.atomic import write_atomic
from asm_xl.xlsx.cells import xml_safe_text

__all__ = ["new_workbook", "save_workbook", "put_value", "put_link", "link_target", "records", "set_widths",
           "print_setup", "LINK_LIMIT", "OPTIONS", "PX_PER_CHARACTER"]

#: never read text as a formula, a URL or a number (text is written with write_string anyway); never
#: write NaN/inf as an error value (put_value blanks NaN, refuses inf); build the package in memory
#: (no temporary files)
OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
           "nan_inf_to_errors": False, "in_memory": True}
LINK_LIMIT = 65_530   #: hyperlinks Excel holds in one worksheet; later link cells show their text only
PX_PER_CHARACTER = 7   #: Calibri 11's digit width: a column of w characters is 7w pixels wide
#: characters a hyperlink target escapes, as Excel writes them ("%" first)
_URL_ESCAPES = [("%", "%25"), ('"', "%22"), (" ", "%20"), ("<", "%3c"), (">", "%3e"), ("[", "%5b"), ("]", "%5d"),
                ("^", "%5e"), ("`", "%60"), ("{", "%7b"), ("}", "%7d"), ("#", "%23")]


class _CellsWorksheet(Worksheet):
    """XlsxWriter's worksheet, its commonest cells put into the sheet's XML in one step each.

    A styled number, text or blank cell (almost every cell of the dashboard and the index: ~215,000 at
    2,000 physicians) is written as XlsxWriter writes it, character for character, without its per-cell
    list of attributes and their escaping, which has nothing to escape in a cell reference and a style
    number and cost ~0.2 ms a physician's workbook (half of writing the dashboard's rows); and
    ``write_number``/``write_string``/``write_blank`` given a 0-based row skip XlsxWriter's decorator that
    reads A1 notation. [XlsxWriter internals: this overrides the private ``_write_cell``, calls the
    undecorated ``_write_number``/``_write_string``/``_write_blank`` and reads its cell tuples (``format``,
    ``number``, ``string``, ``Format.xf_index``); any other cell, or an XlsxWriter without those tuples,
    takes XlsxWriter's own way.] The first
    ``_checks_left`` (256) such cells of a process are also written XlsxWriter's way and compared: an XlsxWriter
    that writes them otherwise turns the quicker way off for the process (tests/workbooks/test_xlsxwriter_cells.py
    compares whole packages)."""

    _columns: dict[int, str] = {}   #: column letters, shared (0 -> "A")
    _checks_left = 256              #: cells still to compare with XlsxWriter's own (class-wide)
    _same = True                    #: every cell compared was XlsxWriter's, byte for byte

    # write_number/write_string/write_blank with 0-based row and column go straight to XlsxWriter's own
    # undecorated methods (its decorator, which reads A1 notation, was ~1 µs of ~6 a dashboard cell);
    # A1 notation still takes the decorated way
    def write_number(self, row, *args, **kwargs):
        if type(row) is int:
            return self._write_number(row, *args, **kwargs)
        return super().write_number(row, *args, **kwargs)

    def write_string(self, row, *args, **kwargs):
        if type(row) is int:
            return self._write_string(row, *args, **kwargs)
        return super().write_string(row, *args, **kwargs)

    def write_blank(self, row, *args, **kwargs):
        if type(row) is int:
            return self._write_blank(row, *args, **kwargs)
        return super().write_blank(row, *args, **kwargs)

    def _write_cell(self, row: int, col: int, cell) -> None:
        kind = _QUICK.get(type(cell))
        look = cell.format if kind else None
        if not look or self.constant_memory or not _CellsWorksheet._same:   # (inline text)
            return super()._write_cell(row, col, cell)
        letters = self._columns.get(col)
        if letters is None:
            letters = self._columns[col] = xl_col_to_name(col)
        index = look.xf_index
        if index is None:
            index = look._get_xf_index()
        if kind == 1:
            xml = f'<c r="{letters}{row + 1}" s="{index}"><v>{cell.number:.16G}</v></c>'
        elif kind == 2:
            xml = f'<c r="{letters}{row + 1}" s="{index}" t="s"><v>{cell.string}</v></c>'
        else:
            xml = f'<c r="{letters}{row + 1}" s="{index}"/>'
        if _CellsWorksheet._checks_left > 0:
            _CellsWorksheet._checks_left -= 1
            xml = self._as_xlsxwriter_writes(row, col, cell, xml)
        self.fh.write(xml)
        return None

    def _as_xlsxwriter_writes(self, row: int, col: int, cell, xml: str) -> str:
        """XlsxWriter's own XML of the cell; the quicker way is turned off when it is not ``xml``."""
        fh, self.fh = self.fh, io.StringIO()
        try:
            super()._write_cell(row, col, cell)
            theirs = self.fh.getvalue()
        finally:
            self.fh = fh
        if theirs != xml:
            _CellsWorksheet._same = False
        return theirs


#: the cell tuples written the quicker way: 1 number, 2 shared text, 3 blank (XlsxWriter's own tuple
#: types, by name; none when this XlsxWriter has no such tuples, and every cell takes its own way)
_QUICK = {kind: code for code, name in ((1, "CellNumberTuple"), (2, "CellStringTuple"), (3, "CellBlankTuple"))
          if (kind := getattr(xlsxwriter.worksheet, name, None)) is not None}


class _Workbook(xlsxwriter.Workbook):
    """A workbook whose worksheets are :class:`_CellsWorksheet`."""

    worksheet_class = _CellsWorksheet


def new_workbook() -> tuple[xlsxwriter.Workbook, io.BytesIO]:
    """An XlsxWriter workbook with :data:`OPTIONS`, writing into the returned buffer (its worksheets
    write their cells' XML the quicker way of :class:`_CellsWorksheet`, the same bytes)."""
    buf = io.BytesIO()
    return _Workbook(buf, OPTIONS), buf


def save_workbook(wb: xlsxwriter.Workbook, buf: io.BytesIO, path) -> Path:
    """Close ``wb`` (its package goes into ``buf``) and write the bytes to ``path`` atomically."""
    wb.close()
    path = Path(path)
    write_atomic(path, buf.getvalue())
    return path


def records(frame: pd.DataFrame, keys) -> list[dict]:
    """The rows of ``frame`` as {key: Python value} for the ``keys`` it has (a missing key reads as
    None), as ``to_dict("records")`` gives them but only these columns, and without pandas deep-copying
    the frame's ``attrs`` for every column."""
    if frame.attrs:
        frame = frame.copy(deep=False)
        frame.attrs = {}
    keys = [k for k in dict.fromkeys(keys) if k in frame.columns]
    return [dict(zip(keys, row)) for row in zip(*(frame[k].tolist() for k in keys))]


def put_value(ws, row: int, col: int, value, cell_format=None) -> str | None:
    """One cell (0-based ``row``, ``col``): text always as text (never a formula; characters XML
    cannot hold shown as ``_xHHHH_``), numbers as numbers, None/NaN blank (styled when a format is
    given). Returns the text written, None for any other value."""
    kind = type(value)
    if kind is float or kind is int:   # most cells: checked first, without the slower checks below
        if value - value == 0:   # finite
            ws.write_number(row, col, value, cell_format)
        elif value != value:
            ws.write_blank(row, col, None, cell_format)
        else:
            raise ValueError(f"cannot write {value} to cell ({row + 1}, {col + 1}): not a finite number")
        return None
    if isinstance(value, str):
        text = xml_safe_text(value)
        ws.write_string(row, col, text, cell_format)
        return text
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        ws.write_blank(row, col, None, cell_format)
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value, cell_format)
    elif isinstance(value, numbers.Real):
        put_value(ws, row, col, float(value), cell_format)
    else:
        raise TypeError(f"cannot write a {type(value).__name__} to cell ({row + 1}, {col + 1}): {value!r}")
    return None


def link_target(file_name: str) -> str:
    """The relative hyperlink target of a file beside the workbook, escaped as Excel writes it
    (so XlsxWriter, which leaves a target holding an escape as it is, writes it unchanged).

    >>> link_target("1234_O'Brien,_Mary.xlsx"), link_target("50%_[a].xlsx")
    ("1234_O'Brien,_Mary.xlsx", '50%25_%5ba%5d.xlsx')
    """
    for char, escaped in _URL_ESCAPES:
        file_name = file_name.replace(char, escaped)
    return file_name


def put_link(ws, row: int, col: int, file_name: str, cell_format=None, *, linked: bool = True) -> str:
    """``file_name`` as text in the cell (0-based), linked to that file beside the workbook unless
    ``linked`` is false (past :data:`LINK_LIMIT`) or Excel cannot hold the link. Returns the text."""
    text = xml_safe_text(file_name)
    if not text or not linked or ws.write_url(row, col, "external:" + link_target(text), cell_format,
                                              string=text) != 0:
        ws.write_string(row, col, text, cell_format)
    return text


def set_widths(ws, widths, first_col: int = 0) -> int:
    """Column widths in characters (as the ``<col>`` element stores them) from ``first_col`` (0-based),
    set in whole pixels so every reader shows the same. Returns the width of these columns in pixels."""
    pixels = [round(w * PX_PER_CHARACTER) for w in widths]
    for j, px in enumerate(pixels, start=first_col):
        ws.set_column_pixels(j, j, px)
    return sum(pixels)


def print_setup(ws, header: str, title_row: int | None = None) -> None:
    """How a sheet of a practice's summary workbooks prints: landscape, letter, fit to one page wide
    (as many pages tall as needed), ``title_row`` (counted from 1, e.g. the table's header row)
    repeated on every page, ``header`` centred at the top, the reminder that these are estimates
    and the page number at the bottom."""
    ws.set_landscape()
    ws.set_paper(1)   # letter
    ws.fit_to_pages(1, 0)
    if title_row:
        ws.repeat_rows(title_row - 1)
    ws.set_margins(left=0.4, right=0.4, top=0.75, bottom=0.75)   # the header and footer clear the rows
    ws.center_horizontally()
    ws.set_header(f"&C&9 {header}", {"margin": 0.3})
    ws.set_footer("&L&8 Estimates, not CMS determinations&R&8 Page &P of &N", {"margin": 0.3})
