"""Styles and cell helpers shared by the template's sheet builders."""

from __future__ import annotations

import math
import re
import textwrap

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.cell.cell import MergedCell
from openpyxl.utils import coordinate_to_tuple, get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.formula import ArrayFormula

from asm_xl.model.parameters import cohorts, performance_years
from asm_xl.model.settings import DEFAULT_SETTINGS

__all__ = ["INPUT_FILL", "HEAD_FILL", "RESULT_FILL", "HEAD_FONT", "TITLE_FONT", "BOLD", "NOTE_FONT", "THIN",
           "UNLOCKED", "FORMATS", "assumption_name", "define", "validation", "input_cell", "header",
           "specialties", "LISTS_SHEET", "TABLES_SHEET", "wrap_column", "LINE_POINTS", "table_block",
           "column_block", "keep_text_within_print", "wrap_across", "text_shown", "text_literals", "text_formula",
           "typed_percentile",
           "percentile_heading"]

LISTS_SHEET = "Lists"  #: hidden sheet holding the drop-down lists (never written over a table)
#: hidden sheet holding each table function's block (one fixed array formula each); the visible
#: tables read it cell by cell with plain references
TABLES_SHEET = "Tables"


def specialties() -> list[str]:
    """Every ASM specialty, sorted: the Specialty drop-down list."""
    return sorted({s for c in cohorts().values() for s in c.specialties})


INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
HEAD_FILL = PatternFill("solid", fgColor="1F4E78")
RESULT_FILL = PatternFill("solid", fgColor="E2EFDA")
HEAD_FONT = Font(bold=True, color="FFFFFF")
TITLE_FONT = Font(bold=True, size=14, color="1F4E78")
BOLD = Font(bold=True)
NOTE_FONT = Font(italic=True, color="595959", size=9)
THIN = Border(bottom=Side(style="thin", color="BFBFBF"))
UNLOCKED = Protection(locked=False)
_BOTTOM = Alignment(vertical="bottom")   #: Excel's default alignment, written: the cell exists in the file

#: a dollar change (an adjustment, an action's value): signed, as the dashboard shows it ("+$9,463")
SIGNED_DOLLARS = '+"$"#,##0;[Red]-"$"#,##0;"$"0'
#: (a rate stays a number: Q492's native rate shown as a percentage by value, "[<=1]0.0#%", made a fraction typed for
#: it, the very mistake its status warns of, read as a correct 72.4%)
FORMATS = {"fraction": "0.0%", "rate": "0.00##", "dollars": '"$"#,##0', "count": "0", "count1": "0",
           "points0": "0.00", "points1": "0.00", "bonus": "0.0", "positive": "0.0000",
           "ladder": "0.00##"}


def assumption_name(name: str) -> str:
    return f"S_{name}"


def define(wb: Workbook, name: str, ref: str) -> None:
    wb.defined_names[name] = DefinedName(name, attr_text=ref)


#: what a validated input cell takes, in the words its error and its prompt show (Excel: at most 255 characters)
ALLOWED = {
    "specialty": "a Medicare specialty of the list",
    "cohort": "HF or LBP (blank: the specialty's cohort)",
    "year": "a performance year {first}-{last}",
    "yesno": "Yes or No",
    "collection": "a collection type of the list that the measure is collected as (the Score sheet says if not)",
    "count": "a whole number, 0 or more",
    "count1": "a whole number, 1 or more",
    "dollars": "dollars, 0 or more",
    "positive": "a number, 0 or more",
    "fraction": "a fraction 0-1 (type 70% or 0.70)",
    "rate": "the performance rate as a fraction (type 70% or 0.70); Q492 in its native units",
    "bonus": "points from 0 to complex_bonus_max on the Assumptions sheet ({bonus:g} by default)",
    "points0": "points 0-10",
    "points1": "points 1-10",
    "percentile": "a percentile 0-100, 10 for P10 (not 10%) (10 = cautious, 50 = middle, 90 = hopeful), cautious "
                  "<= middle <= hopeful",
}


def validation(ws, kind: str, cells: str, *, between: tuple[str, str] | None = None) -> None:
    """Excel's data validation of ``cells`` by the input's ``kind``; ``between``: (low, high) formulas that
    replace the kind's bounds (the range table's percentiles are each bounded by their neighbours)."""
    names = specialties()
    years = performance_years()
    rules = {
        "specialty": dict(type="list", formula1=f"{LISTS_SHEET}!$A$2:$A${1 + len(names)}"),
        "cohort": dict(type="list", formula1='"' + ",".join(cohorts()) + '"'),
        "year": dict(type="list", formula1='"' + ",".join(map(str, years)) + '"'),
        "yesno": dict(type="list", formula1='"Yes,No"'),
        "collection": dict(type="list", formula1='"eCQM,MIPS CQM,Medicare Part B claims,Administrative claims"'),
        "count": dict(type="whole", operator="greaterThanOrEqual", formula1="0"),
        "count1": dict(type="whole", operator="greaterThanOrEqual", formula1="1"),
        "dollars": dict(type="decimal", operator="greaterThanOrEqual", formula1="0"),
        "positive": dict(type="decimal", operator="greaterThanOrEqual", formula1="0"),
        "fraction": dict(type="decimal", operator="between", formula1="0", formula2="1"),
        "rate": dict(type="decimal", operator="greaterThanOrEqual", formula1="0"),
        # the cap as the Assumptions sheet holds it: an edited complex_bonus_max moves the check with it
        # (a blank Assumptions cell is the default, as the functions read it, not 0)
        "bonus": dict(type="decimal", operator="between", formula1="0",
                      formula2=f'IF({assumption_name("complex_bonus_max")}="",{DEFAULT_SETTINGS.complex_bonus_max:g},'
                               f'{assumption_name("complex_bonus_max")})'),
        "points0": dict(type="decimal", operator="between", formula1="0", formula2="10"),
        "points1": dict(type="decimal", operator="between", formula1="1", formula2="10"),
        "percentile": dict(type="decimal", operator="between", formula1="0", formula2="100"),
    }
    if kind not in rules:
        return
    if between:
        rules[kind] = dict(rules[kind], formula1=between[0], formula2=between[1])
    if kind == "percentile":   # and not a fraction (10% typed for P10): ASM_FACTOR_RANGE's #NUM!, with no Why cell
        first = cells.split(":")[0]   # (excel.values.percentile: 0 < x < 1 reads as a fraction)
        low, high = rules[kind]["formula1"], rules[kind]["formula2"]
        rules[kind] = dict(type="custom", formula1=f"AND(ISNUMBER({first}),{first}>={low},{first}<={high},"
                                                   f"OR({first}=0,{first}>=1))")
    allowed = ALLOWED[kind].format(first=years[0], last=years[-1], bonus=DEFAULT_SETTINGS.complex_bonus_max)
    dv = DataValidation(allow_blank=True, showErrorMessage=True, errorTitle="asm-xl: not allowed here",
                        error=f"Allowed: {allowed}.", showInputMessage=True, promptTitle="Allowed",
                        prompt=allowed, **rules[kind])
    dv.add(cells)
    ws.add_data_validation(dv)


def input_cell(ws, ref: str, kind: str) -> None:
    c = ws[ref]
    c.fill = INPUT_FILL
    c.protection = UNLOCKED
    if kind in FORMATS:
        c.number_format = FORMATS[kind]
    if kind == "text":
        c.number_format = "@"


def header(ws, row: int, labels: list[str], col: int = 1) -> None:
    for i, text in enumerate(labels):
        c = ws.cell(row=row, column=col + i, value=text)
        c.font, c.fill = HEAD_FONT, HEAD_FILL
        c.alignment = Alignment(wrap_text=True, vertical="center")




LINE_POINTS = 15      #: height of one line of an 11-point font, in points (Excel's default row)
#: characters of running text one unit of column width holds (a width counts '0's of the default font;
#: running text averages narrower): about 1.2 in LibreOffice's print and Excel's Calibri, a little less
#: here so that a row is never a line short
CHARS_PER_WIDTH = 1.1


def wrap_column(ws, column: str, width: float) -> None:
    """Make ``column`` ``width`` wide and wrap the text of each of its cells onto as many lines as it
    needs, with the row as tall as those lines (each font's size counted). LibreOffice and a preview
    keep a row's stored height: without it a wrapped text runs over the rows below, and text longer
    than the column runs on to the right and makes a one-page-wide print tiny."""
    ws.column_dimensions[column].width = width
    for cell in ws[column]:
        if not isinstance(cell.value, str) or not cell.value or cell.value.startswith("="):
            continue
        size = (cell.font.sz or 11) if cell.font else 11
        chars = max(1, int(width * CHARS_PER_WIDTH * 11 / size))
        lines = len(textwrap.wrap(cell.value, chars, break_long_words=False)) or 1
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[cell.row].height = math.ceil(LINE_POINTS * size / 11) * lines
        _on_first_line(ws[cell.row], cell)


def _on_first_line(row, wrapped) -> None:
    """The row's other cells (a value, or an input cell still blank) on the ``wrapped`` cell's first line,
    not its last."""
    for other in row:
        if other is not wrapped and (other.value is not None or other.has_style) and other.__class__ is not MergedCell:
            other.alignment = Alignment(horizontal=other.alignment.horizontal, indent=other.alignment.indent,
                                        vertical="top", wrap_text=other.alignment.wrap_text)


def keep_text_within_print(ws) -> None:
    """Print ``ws`` as wide as its columns, and no wider: each text (a help text, a note; an ``ASM_HELP``
    formula's text with the default settings) longer than the columns from its own to the sheet's last
    one is wrapped across them (merged, as tall as its lines), and the print area is set to those
    columns.

    Without it a long text ran on to the right past the last column, and a one-page-wide print
    (``asm-xl pdf``: LibreOffice prints the text that runs on) was shrunk to fit it: the Inputs sheet
    printed at about 5 points. A text with a value to its right is cut there on screen anyway: left as it is.
    """
    last = ws.max_column
    widths = [ws.column_dimensions[get_column_letter(c)].width or 8.43 for c in range(1, last + 1)]
    merged = {(r.min_row, r.min_col) for r in ws.merged_cells.ranges}
    for row in ws.iter_rows():
        for cell in row:
            text = text_shown(cell.value)
            if not text or (cell.row, cell.column) in merged or (cell.alignment and cell.alignment.wrap_text):
                continue
            size = (cell.font.sz or 11) if cell.font else 11
            chars = max(1, int(sum(widths[cell.column - 1:]) * CHARS_PER_WIDTH * 11 / size))
            if len(text) <= chars or any(c.value is not None for c in row[cell.column:]):
                continue
            wrap_across(ws, cell, last, text)
    ws.print_area = f"A1:{get_column_letter(last)}{max(ws.max_row, _last_row_drawn(ws))}"


def _last_row_drawn(ws) -> int:
    """The last row a chart of ``ws`` covers (0 without one): a print area that ended at the last cell cut the
    Scenarios chart's bottom off, its axis title and legend with it."""
    last = 0
    for chart in ws._charts:
        row = coordinate_to_tuple(chart.anchor)[0] if isinstance(chart.anchor, str) else chart.anchor._from.row + 1
        points = chart.height / 2.54 * 72   # cm -> points
        while points > 0:
            points -= ws.row_dimensions[row].height or LINE_POINTS
            row += 1
        last = max(last, row - 1)
    return last


def wrap_across(ws, cell, last: int, text: str) -> None:
    """Show ``text`` (what ``cell`` shows) wrapped across the columns from its own to ``last`` (merged), the
    row as tall as its lines (its font's size counted) and the row's other cells on its first line."""
    widths = [ws.column_dimensions[get_column_letter(c)].width or 8.43 for c in range(cell.column, last + 1)]
    size = (cell.font.sz or 11) if cell.font else 11
    chars = max(1, int(sum(widths) * CHARS_PER_WIDTH * 11 / size))
    lines = len(textwrap.wrap(text, chars, break_long_words=False)) or 1
    if cell.column < last:
        ws.merge_cells(start_row=cell.row, start_column=cell.column, end_row=cell.row, end_column=last)
    cell.alignment = Alignment(wrap_text=True, vertical="top", horizontal=cell.alignment.horizontal,
                               indent=cell.alignment.indent)
    height = ws.row_dimensions[cell.row].height or LINE_POINTS
    ws.row_dimensions[cell.row].height = max(height, math.ceil(LINE_POINTS * size / 11) * lines)
    _on_first_line(ws[cell.row], cell)


def text_shown(value: object) -> str:
    """The text a cell shows with the default settings: a text as it is, an ``ASM_HELP`` formula's text
    filled in (:func:`~asm_xl.workbooks.sheets.inputs_sheet.help_cell`); "" for any other formula."""
    if not isinstance(value, str) or not value:
        return ""
    if not value.startswith("="):
        return value
    if value.startswith('=ASM_HELP("'):   # its text: one literal, or several joined by & (text_formula)
        literals = value[len("=ASM_HELP("):value.rindex(",")]
        return DEFAULT_SETTINGS.fill("".join(t.replace('""', '"') for t in _LITERAL_TEXT.findall(literals)))
    return ""


#: a text literal of a formula, its text inside the quotes ("" for a quote)
_LITERAL_TEXT = re.compile(r'"((?:[^"]|"")*)"')
#: the most characters of a text literal in a formula (Excel refuses one of more than 255)
_LITERAL = 250


def text_literals(text: str) -> str:
    """``text`` as a formula's text: one literal, or literals of at most :data:`_LITERAL` characters joined
    by ``&`` (broken after a space).

    >>> text_literals('a "b" c'), text_literals("ab " * 100).count('"&"')
    ('"a ""b"" c"', 1)
    """
    chunks, rest = [], text
    while len(rest) > _LITERAL:
        cut = rest.rfind(" ", 0, _LITERAL) + 1 or _LITERAL
        chunks.append(rest[:cut])
        rest = rest[cut:]
    return "&".join('"' + c.replace('"', '""') + '"' for c in chunks + [rest])


def text_formula(text: str) -> str:
    """A help or source text as a formula's expression: its literals, or, where it names settings in braces,
    ``ASM_HELP`` of them with the Assumptions (an edited setting shows in it; :func:`text_shown` reads it back).

    >>> text_formula("Fewer than {case_minimum} cases")
    'ASM_HELP("Fewer than {case_minimum} cases",Assumptions)'
    """
    return f"ASM_HELP({text_literals(text)},Assumptions)" if "{" in text else text_literals(text)


def table_block(ws, first_row: int, call: str, rows: int, width: int, title: str) -> str:
    """A table of ``ws`` (rows x width cells from column A of ``first_row``) filled by ONE call of its
    table function: a fixed array formula ``{=call-with-rows}`` (``call`` ends with its last
    argument's ")": ``rows`` is added as the table function's last argument) on the hidden
    :data:`TABLES_SHEET`, below the blocks already there under a line naming it (``title``), and each
    cell of the table ``IFERROR(<its cell of the block>, "")``, a built-in reading of one cell.

    Why both: Excel (with xlwings) calls Python once per table instead of once per cell, and
    LibreOffice, which computes every array formula again when it opens a file (``#NAME?`` where it
    does not know the ASM_* functions), still shows each table's stored values: only the hidden
    block is computed again there, the cells showing it keep theirs (a blank one, which LibreOffice
    computes again too, stays blank: the block shows an error as blank already, so ``IFERROR`` changes
    nothing elsewhere). Returns the block's range."""
    return _block(ws, first_row, 1, f"={call[:-1]},{rows})", rows, width, title,
                  lambda cell: f'=IFERROR({TABLES_SHEET}!{cell},"")')


def column_block(ws, first_row: int, column: int, formula: str, rows: int, title: str) -> str:
    """A column of ``ws`` (``rows`` cells from ``column`` of ``first_row``) filled by ONE call of an
    element-wise function given a range (``formula``: "=ASM_FACTOR(Scenarios!A5:A25, ...)", which
    gives a value per cell), as :func:`table_block` fills a table: a fixed array formula on the hidden
    :data:`TABLES_SHEET`, each cell a plain reference to its cell there (an error stays an error; a
    number's stored value is what LibreOffice shows). Returns the block's range."""
    return _block(ws, first_row, column, formula, rows, 1, title, lambda cell: f"={TABLES_SHEET}!{cell}")


def _block(ws, first_row: int, first_col: int, formula: str, rows: int, width: int, title: str, shown) -> str:
    """The fixed array ``formula`` over rows x width cells of the Tables sheet (below its last block,
    under ``title``) and each cell of ``ws`` from (first_row, first_col) ``shown(<its cell there>)``."""
    wb = ws.parent
    if TABLES_SHEET in wb.sheetnames:
        tables = wb[TABLES_SHEET]
    else:
        tables = wb.create_sheet(TABLES_SHEET)
        tables.sheet_state = "hidden"
        tables.protection.sheet = True
        tables["A1"] = ("Each table of the workbook computed by one call of its function (a fixed array "
                        "formula); the visible tables read these cells.")
    top = tables.max_row + 2
    here = f"{get_column_letter(first_col)}{first_row}"
    tables.cell(row=top, column=1, value=f"{title} (shown on {ws.title}!{here})").font = BOLD
    top += 1
    ref = f"A{top}:{get_column_letter(width)}{top + rows - 1}"
    tables.cell(row=top, column=1).value = ArrayFormula(ref, formula)
    for k in range(rows):
        for c in range(1, width + 1):
            cell = tables.cell(row=top + k, column=c)
            if not cell.has_style:  # a cell with neither a value nor a style would not be written
                cell.alignment = _BOTTOM
            ws.cell(row=first_row + k, column=first_col + c - 1).value = shown(f"{get_column_letter(c)}{top + k}")
    return f"{TABLES_SHEET}!{ref}"


def typed_percentile(ref: str) -> str:
    """A yellow percentile cell as an argument: #N/A when it was cleared. ASM_FACTOR_RANGE reads a blank
    percentile as its default, the median, which put the middle case under the "Cautious" heading."""
    return f'IF({ref}="",NA(),{ref})'


def percentile_heading(word: str, ref: str) -> str:
    """``="Cautious (P10)"`` from the percentile typed in ``ref``; "(P?)" when it was cleared."""
    return f'="{word} (P"&IF({ref}="","?",{ref})&")"'
