"""How the dashboard's cells look and print: number formats, header rows, tables of values, and the
print setup every sheet gets (landscape, one page wide, header row repeated, title and page numbers).

:class:`Sheet` writes one XlsxWriter worksheet with rows and columns counted from 1 (as the sheets'
layout constants and the tests count them); each look (a set of XlsxWriter format properties) is made
once per workbook (:class:`Looks`)."""

from __future__ import annotations

import textwrap

from asm_xl.workbooks.xlsxwriter_cells import LINK_LIMIT, print_setup, put_link, put_value, set_widths

__all__ = ["SIGNED", "MONEY", "FACTOR", "SCORE", "SHARE", "WHOLE", "TEXT", "RISK", "BOLD", "SMALL", "SMALL_BOLD",
           "Looks", "Sheet"]

SIGNED = '+"$"#,##0;[Red]-"$"#,##0;"$"0'
MONEY = '"$"#,##0'
FACTOR = "+0.00%;[Red]-0.00%;0.00%"
SCORE = "0.00"   # as the workbooks and the index show a final score (39.99 showed as 40.0 here)
SHARE = "0%"
WHOLE = "0"
TEXT = "@"
RISK = "0%"

BOLD = {"bold": True}
SMALL = {"font_size": 9}
SMALL_BOLD = {"bold": True, "font_size": 9}
_TITLE = {"bold": True, "font_size": 14, "font_color": "#1F4E78"}
_SUBTITLE = {"italic": True, "font_size": 9, "font_color": "#595959"}
_SECTION = {"bold": True, "font_size": 11, "font_color": "#1F4E78"}
_HEAD = {"bold": True, "font_color": "#FFFFFF", "font_size": 9, "bg_color": "#1F4E78", "pattern": 1,
         "text_wrap": True, "valign": "vcenter", "align": "center"}
_CELL = {"bottom": 1, "bottom_color": "#9BB7D4", "font_size": 9, "valign": "top"}
_TOTAL = {"bold": True, "bg_color": "#DDEBF7", "pattern": 1}
_LINK = {"font_color": "#0563C1", "underline": 1, "bold": False}
_HEADER_ROW_HEIGHT = 30
#: a text column's cells: indented one character, so that a right-aligned number on their left never runs
#: into them on paper ("19%" and "likely to lose" read "19% likely to lose")
_TEXT_CELL = {"align": "left", "indent": 1}


class Looks:
    """The workbook's cell formats, each made once: ``looks(props)`` is the format of those
    properties (a dict of XlsxWriter format properties, or None for the default look)."""

    def __init__(self, wb) -> None:
        self._wb = wb
        self._made: dict = {}

    def __call__(self, props: dict | None):
        if not props:
            return None
        key = tuple(sorted(props.items()))
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = self._wb.add_format(props)
        return made


class Sheet:
    """One worksheet of the dashboard being written; rows and columns count from 1."""

    def __init__(self, wb, looks: Looks, name: str) -> None:
        self.ws = wb.add_worksheet(name)
        self.name = name
        self.looks = looks
        self._heights: dict[int, float] = {}
        self._links = 0   #: link cells written (Excel holds LINK_LIMIT a sheet)
        self._cell_looks: dict = {}

    def put(self, row: int, col: int, value, props: dict | None = None) -> str | None:
        """One cell: text always as text (never a formula, XML-safe), numbers as numbers, None/NaN
        blank; ``props``: its look. Returns the text written (None for a number or a blank)."""
        return put_value(self.ws, row - 1, col - 1, value, self.looks(props))

    def merge(self, row: int, col: int, span: int, value, props: dict | None = None) -> None:
        """``value`` in ``span`` merged columns from (row, col); written as :meth:`put` writes it."""
        look = self.looks(props)
        self.ws.merge_range(row - 1, col - 1, row - 1, col + span - 2, "", look)
        put_value(self.ws, row - 1, col - 1, value, look)

    def height(self, row: int, points: float) -> None:
        """Make ``row`` at least ``points`` tall (a row keeps the largest height asked)."""
        if points > self._heights.get(row, 0):
            self._heights[row] = points
            self.ws.set_row(row - 1, points)

    def title(self, text: str, subtitle: str, across: list[float] | None = None) -> None:
        """Row 1: the sheet's title; row 2: what it is (estimates, date, pool). ``across``: the widths of the
        printed columns, over which the subtitle wraps (merged, as tall as its lines): a subtitle running on
        past them made LibreOffice shrink a one-page-wide print to take it in (the Five years sheet at 4 points)."""
        self.put(1, 1, text, _TITLE)
        if not across:
            self.put(2, 1, subtitle, _SUBTITLE)
            return
        self.merge(2, 1, len(across), subtitle, {**_SUBTITLE, "text_wrap": True, "valign": "top"})
        # ~1.45 characters of the italic subtitle a width unit, wrapped between words (measured on LibreOffice's
        # print of the Score chart sheet: 1.6 left its last line cut)
        self.height(2, 12.5 * len(textwrap.wrap(subtitle, int(1.45 * sum(across))) or [""]))

    def section(self, row: int, text: str) -> None:
        """A section's title in column A: bold, blue."""
        self.put(row, 1, text, _SECTION)

    def header(self, row: int, labels: list[str], spans: list[int] | None = None, *, first_col: int = 1,
               props: dict = _HEAD) -> None:
        """A header row from ``first_col``: white bold on blue, wrapped, 30 points tall; ``spans``: how
        many columns each label covers; ``props``: another look (the row's height is then left as is)."""
        j = first_col
        for label, span in zip(labels, spans or [1] * len(labels)):
            if span > 1:
                self.merge(row, j, span, label, props)
            else:
                self.put(row, j, label, props)
            j += span
        if props is _HEAD:
            self.height(row, _HEADER_ROW_HEIGHT)

    def table(self, first_row: int, records: list[dict], columns: list[tuple[str, str | None]], *,
              bold_when=None, link_column: str | None = None, merge: dict | None = None,
              wrap: dict | None = None) -> int:
        """Write ``records`` below a header, one row each, ``columns`` = [(key, number format)]; rows for
        which ``bold_when(record)`` is true are shaded totals. ``link_column``: its text is also the
        cell's relative hyperlink (a file beside the dashboard); ``merge``: {key: columns it spans};
        ``wrap``: {key: characters a line holds}: that text wraps and the row is made tall enough.
        Returns the next free row."""
        ws, merge, wrap = self.ws, merge or {}, wrap or {}
        plan, j = [], 0
        for key, fmt in columns:
            span = merge.get(key, 1)
            plan.append((key, fmt, j, span, wrap.get(key), key == link_column))
            j += span
        # the look of each column's cells in a plain row and in a total row (text that wraps or links differs)
        plain = {total: [self._cell_look(fmt, total) for _, fmt, *_ in plan] for total in (False, True)}
        r = first_row - 1
        for rec in records:
            total = bool(bold_when and bold_when(rec))
            lines = 1
            for (key, fmt, col, span, chars, link), look in zip(plan, plain[total]):
                value = rec.get(key)
                if span > 1:
                    ws.merge_range(r, col, r, col + span - 1, "", look)
                if (chars or link) and isinstance(value, str):
                    look = self._cell_look(fmt, total, wrapped=bool(chars), link=link and bool(value))
                    if chars:
                        lines = max(lines, -(-len(value) // chars))
                    if link and value:
                        self._links += 1
                        put_link(ws, r, col, value, look, linked=self._links <= LINK_LIMIT)
                        continue
                put_value(ws, r, col, value, look)
            if lines > 1:
                self.height(r + 1, 12.0 * lines)
            r += 1
        return r + 1

    def _cell_look(self, fmt: str | None, total: bool, wrapped: bool = False, link: bool = False):
        """The format of a table cell: number format, shaded bold total row, wrapped text, link."""
        key = (fmt, total, wrapped, link)
        made = self._cell_looks.get(key)
        if made is None:
            made = self._cell_looks[key] = self.looks({**_CELL, **({"num_format": fmt} if fmt else {}),
                                                       **(_TEXT_CELL if fmt == TEXT else {}),
                                                       **(_TOTAL if total else {}),
                                                       **({"text_wrap": True} if wrapped else {}),
                                                       **(_LINK if link else {})})
        return made

    def widths(self, values: list[float]) -> int:
        """Column widths in characters (as the ``<col>`` element stores them), from column A.
        Returns the width of these columns in pixels."""
        return set_widths(self.ws, values)

    def print_setup(self, title_row: int | None) -> None:
        """Landscape, letter, fit to one page wide (as many pages tall as needed), ``title_row``
        (e.g. 4) repeated on every page, header with the title, footer with the page number."""
        print_setup(self.ws, f"ASM practice dashboard: {self.name}", title_row)
