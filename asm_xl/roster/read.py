"""Participant rosters: read a CSV or Excel file of physicians safely, validate it row by row.

A roster is the participant table of :func:`asm_xl.model.cohort.score_cohort` (columns in
:mod:`asm_xl.model.columns`) as a file: one row per physician (TIN/NPI), a header in row 1.

* :func:`read_roster` reads the file as **text**: every cell is a ``str`` exactly as typed, so
  identifiers keep their leading zeros (NPI, TIN), "NA" stays a name and text that looks like a
  formula (``=HYPERLINK(...)``, ``+1-555-0100``) is never interpreted. Files are untrusted: their
  size is checked before reading, Excel packages are checked for zip bombs before openpyxl sees
  them, and workbook XML is parsed by defusedxml.
* :func:`validate_roster` runs the roster's own checks (NPI check digit, TIN, duplicates) and then
  the methodology's checks by delegating to :func:`~asm_xl.model.cohort.score_cohort`, so that no rule is
  written twice. It returns the good rows and one error per bad cell. One row numbering
  everywhere: a frame from :func:`read_roster` is labelled by file row (header = row 1, first
  data row = row 2; the sheet row of an Excel file), and both ``validate_roster`` and
  ``score_cohort`` report an error's row as the frame's row label.
* :func:`write_error_report` writes the errors as CSV (atomically); :func:`summarize_errors` says them.

>>> from asm_xl.roster import npi_is_valid
>>> npi_is_valid("1234567893"), npi_is_valid("1234567890")
(True, False)
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import os
import re
from pathlib import Path

import pandas as pd
from openpyxl.utils import get_column_letter

from asm_xl.roster.decimal_comma import AMBIGUOUS, decimal_comma, dot_group, may_be_grouped, writes_decimal_commas
from asm_xl.roster.file_checks import OLE_MAGIC, ZIP_MAGIC, regular_file, workbook_failure, workbook_package
from asm_xl.roster.hidden_rows import hidden_rows
from asm_xl.roster.uncached_formulas import mark_uncached_formulas

__all__ = ["RosterError", "SUPPORTED_EXTENSIONS", "FIRST_DATA_ROW", "FORMULA_STARTS", "normalize_column_name",
           "read_roster"]

SUPPORTED_EXTENSIONS = (".csv", ".xlsx", ".xlsm")

#: The first data row of a file is row 2 (the header is row 1); a frame from :func:`read_roster`
#: is labelled by file row (index named "row"), so its first data row has the label 2.
FIRST_DATA_ROW = 2
_MAX_COLUMNS = 1_000
_MAX_REPORTED_LAYOUT_ERRORS = 5


class RosterError(ValueError):
    """A roster file cannot be read: missing, unsupported, too large, not a valid workbook, no
    header or no data. Raised before anything is written; the message says what to fix."""


def normalize_column_name(name: object) -> str:
    """Header text → column name: strip (a byte-order mark too, as read in Windows-1252: "ï»¿npi"), casefold, spaces → _."""
    return re.sub(r"\s+", "_", str(name).strip().removeprefix("\u00ef\u00bb\u00bf").lstrip("\ufeff").strip().casefold())


def read_roster(path, *, max_bytes: int = 20_000_000, max_rows: int = 100_000,
                max_unpacked_bytes: int = 200_000_000, max_zip_members: int = 10_000) -> pd.DataFrame:
    """Read a roster file into a DataFrame of text.

    Parameters
    ----------
    path : str or PathLike
        A ``.csv`` (UTF-8, UTF-8 with BOM, UTF-16 with BOM, or Windows-1252; comma, semicolon or
        tab separated) or an Excel ``.xlsx``/``.xlsm`` workbook (the sheet named "Roster", else
        the first sheet; cached values of formulas are read, formulas are never evaluated).
    max_bytes : int
        Largest file accepted, checked before reading it.
    max_rows : int
        Most data rows accepted.
    max_unpacked_bytes, max_zip_members : int
        Zip-bomb guard for Excel packages: total uncompressed size and number of members, checked
        from the zip directory before openpyxl opens the file.

    Returns
    -------
    DataFrame
        Column names normalized (:func:`normalize_column_name`); every cell a ``str`` as typed
        (blank cells are ""); object dtype. Index named "row" = the file row: the header is row 1,
        so the first data row has the label 2 (for an Excel file, the sheet row); wholly blank
        rows are skipped and leave a gap. Errors of :func:`validate_roster` and
        :func:`~asm_xl.model.cohort.score_cohort` name rows by this label. Notes about the reading
        (encoding guessed, blank rows, headerless columns) are in ``df.attrs["roster_warnings"]``.

    Raises
    ------
    RosterError
        File not found, not a file, unsupported extension, too large, not a valid workbook (or
        a zip bomb, or XML with entity declarations), not text, no header or no data rows.
    """
    p = Path(os.fspath(path))
    st = regular_file(p, "roster", RosterError)
    ext = p.suffix.casefold()
    if ext == ".xls":
        raise RosterError(f"{p.name}: the Excel 97-2003 format (.xls) is not supported; "
                          "save it as .xlsx or .csv")
    if ext not in SUPPORTED_EXTENSIONS:
        raise RosterError(f"{p.name}: unsupported file type {p.suffix or '(none)'!r}; "
                          f"use {', '.join(SUPPORTED_EXTENSIONS)}" + (
                              " (text with commas, semicolons or tabs, such as Excel's 'Unicode Text', is read as "
                              "a .csv: rename it)" if ext in (".txt", ".tsv", ".tab") else ""))
    _check_size(p, st.st_size, max_bytes)
    try:
        with open(p, "rb") as f:
            data = f.read(max_bytes + 1)  # bounded even if the file grew after stat()
    except OSError as e:
        raise RosterError(f"cannot read the roster file {p}: {e.strerror or e}") from None
    _check_size(p, len(data), max_bytes, at_least=True)
    if ext == ".csv":
        header, rows, notes = _csv_records(data, p.name)
        name = p.name
    else:   # name: the file and, in a workbook of several sheets, the sheet read
        header, rows, notes, name = _excel_records(data, p.name, max_unpacked_bytes, max_zip_members, max_rows)
    return _frame(header, rows, notes, name, max_rows)


def _check_size(p: Path, size: int, max_bytes: int, at_least: bool = False) -> None:
    if size > max_bytes:
        raise RosterError(f"{p.name} is too large: {size:,} bytes{' or more' if at_least else ''}, "
                          f"the limit is {max_bytes:,} bytes")
    if size == 0:
        raise RosterError(f"{p.name} is empty: no header row")


def _decode(data: bytes, name: str, notes: list[str]) -> str:
    if data.startswith(ZIP_MAGIC):
        raise RosterError(f"{name} is a zip package (an Excel workbook?), not CSV text: "
                          "give it the .xlsx extension or save it as CSV")
    if data.startswith(OLE_MAGIC):
        raise RosterError(f"{name} is an Excel 97-2003 or password-protected file, not CSV text")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:   # a UTF-8 file with its BOM converted to UTF-16 keeps that mark too: one is dropped
            return data.decode("utf-16").removeprefix("\ufeff")
        except UnicodeDecodeError:
            raise RosterError(f"{name} is not valid UTF-16 text") from None
    if b"\x00" in data:   # where: one NUL typed into a cell, or a binary file
        line = data.count(b"\n", 0, data.index(b"\x00")) + 1
        raise RosterError(f"{name} contains binary data (a NUL byte on line {line:,}): not a CSV text file (remove "
                          "the character there, or save the file as CSV again)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        raise RosterError(f"{name} is neither UTF-8 nor Windows-1252 text: save it as "
                          "'CSV UTF-8' from Excel") from None
    notes.append(f"{name} is not UTF-8: read as Windows-1252 (check accented names)")
    return text


def _delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    first = re.sub(r'"[^"]*"', "", first)  # separators inside quoted headers do not count
    counts = {",": first.count(","), ";": first.count(";"), "\t": first.count("\t")}
    best = max(counts, key=lambda k: counts[k])
    return best if counts[best] > 0 else ","


def _unclosed_quote_line(text: str) -> int | None:
    """The line where a double quote opens and never closes (it would swallow every row after it)."""
    open_at = None
    for ln, chunk in enumerate(text.split("\n"), start=1):
        if chunk.count('"') % 2:  # an odd count opens a quote, or closes the one left open
            open_at = None if open_at is not None else ln
    return open_at


def _csv_records(data: bytes, name: str):
    notes: list[str] = []
    text = _decode(data, name, notes)
    sep = _delimiter(text)
    unclosed = _unclosed_quote_line(text)
    if unclosed is not None:
        raise RosterError(f"{name}: line {unclosed}: a double quote (\") opens and never closes, so every row "
                          "after it would be read as one cell: close the quote or remove it")
    # a cell as long as the file may be (csv's default limit, 131,072, refused the whole file for one long
    # name): the roster's check names the cell if it is longer than a workbook cell holds
    csv.field_size_limit(max(csv.field_size_limit(), len(text)))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=False)
    converted = [0]
    grouped: list[bool] = []   # per column: whether a thousands group can be meant there (dollars, counts)

    def european(row: list[str]) -> list[str]:
        out = [decimal_comma(c, grouped[k] if k < len(grouped) else False) for k, c in enumerate(row)]
        converted[0] += sum(a != b and not b.endswith(AMBIGUOUS[-20:]) for a, b in zip(row, out))
        return out

    def records():
        try:
            rows = iter(reader)
            header = next(rows, None)
            if header is None:
                return
            grouped.extend(may_be_grouped(normalize_column_name(c)) for c in header)
            yield header
            comma = sep == ";"   # Excel's CSV where the comma is the decimal separator
            if sep == "\t":      # Excel's "Unicode Text": decimal commas where its fractions have them
                body = list(rows)
                comma = writes_decimal_commas(body, grouped)
                rows = iter(body)
            if comma:
                for row in rows:
                    yield european(row)
                if converted[0]:
                    notes.append(f"{'semicolon' if sep == ';' else 'tab'}-separated file with decimal commas: "
                                 f"{converted[0]} number(s) read with a decimal point (416569,50 = 416,569.50; "
                                 "312,450 or 312.450 is refused: ambiguous)")
            else:   # "250.000" in a column of dollars or counts: a thousands dot or three decimals?
                for row in rows:
                    yield [dot_group(c, grouped[j]) if j < len(grouped) and grouped[j] else c
                           for j, c in enumerate(row)]
        except csv.Error as e:
            raise RosterError(f"{name}: not a readable CSV file near line {reader.line_num}: {e}") from None

    it = records()
    header = next(it, None)
    return header, it, notes


def _excel_records(data: bytes, name: str, max_unpacked: int, max_members: int, max_rows: int):
    workbook_package(data, name, max_unpacked, max_members, RosterError)
    import openpyxl
    import openpyxl.xml.functions as oxf

    if not (openpyxl.DEFUSEDXML and oxf.iterparse.__module__.startswith("defusedxml")):
        raise RosterError("refusing to open an untrusted workbook: openpyxl is not using defusedxml "
                          "(install defusedxml and do not set OPENPYXL_DEFUSEDXML=False)")
    notes: list[str] = []
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except Exception as e:  # untrusted input: any parser failure means "not a workbook"
        raise RosterError(workbook_failure(name, e)) from None
    try:
        sheets = wb.worksheets
        if not sheets:
            raise RosterError(f"{name} has no worksheet")
        named = [ws for ws in sheets if ws.title.strip().casefold() == "roster"]
        # the first sheet Excel shows (a hidden first sheet was read, "a header but no data rows") whose row 1
        # names an npi column (a summary sheet before the roster was read, every row "npi required")
        shown = [ws for ws in sheets if getattr(ws, "sheet_state", "visible") == "visible"] or sheets
        # (not when the first names npi under a title: its header row is said to be below)
        ws = named[0] if named else shown[0] if _names_npi(shown[0], 20) else next(
            (w for w in shown if _names_npi(w)), shown[0])
        if len(sheets) > 1:
            if not named:
                notes.append(f"{name}: no sheet named 'Roster'; read the sheet {ws.title!r}"
                             + (" (its row 1 names an npi column)" if ws is not shown[0] else ", the first visible one"))
            name = f"{name} (sheet {ws.title!r})"
        # a <dimension> claiming fewer rows than the file holds (Excel ignores it): rows past it were dropped silently
        ws.reset_dimensions()
        try:
            first = next(ws.iter_rows(min_row=1, max_row=1, values_only=True), ())
            header = [cell_text(v) for v in first]
            while header and header[-1].strip() == "":
                header.pop()
            if len(header) > _MAX_COLUMNS:
                raise RosterError(f"{name}: the header has {len(header):,} columns, the limit is "
                                  f"{_MAX_COLUMNS:,}")
            rows, filled = [], 0
            width = max(len(header), 1)
            # every cell a row holds, to its last value: one right of the header's last is a column without a header,
            # refused as in a CSV file (read to the header's width, it was dropped without a word)
            for values in ws.iter_rows(min_row=2, values_only=True):
                rec = [cell_text(v) for v in values[:_MAX_COLUMNS]]
                while len(rec) > width and not rec[-1].strip():
                    rec.pop()
                width = max(width, len(rec))
                rows.append(rec)
                if any(c.strip() for c in rec):
                    filled += 1
                    if filled > max_rows:
                        raise RosterError(f"{name} has more than {max_rows:,} data rows (the limit)")
            header += [""] * (width - len(header))
            if mark_uncached_formulas(data, ws.title, rows, width):
                notes.append(f"{name}: formula cells without a stored value (marked; open and save the file in Excel)")
            if hidden := hidden_rows(data, ws.title):   # filtered to one clinic in Excel: every row is scored
                notes.append(f"{name}: {hidden} hidden or filtered-out row(s) read too: delete the rows to leave out")
        except RosterError:
            raise
        except Exception as e:
            raise RosterError(workbook_failure(name, e)) from None
    finally:
        wb.close()
    header = header if any(h.strip() for h in header) else None
    return header, iter(rows), notes, name


def _names_npi(ws, rows: int = 1) -> bool:
    """Whether one of a worksheet's first ``rows`` rows has an "npi" header (a roster's sheet)."""
    return any(normalize_column_name(cell_text(v)) == "npi"
               for row in ws.iter_rows(min_row=1, max_row=rows, max_col=_MAX_COLUMNS, values_only=True) for v in row)


def cell_text(v) -> str:
    """An Excel cell's value as the text a user sees typed (numbers without a trailing .0)."""
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return repr(v)
    if isinstance(v, _dt.datetime):
        return v.date().isoformat() if v.time() == _dt.time() else v.isoformat()
    if isinstance(v, (_dt.date, _dt.time)):
        return v.isoformat()
    return str(v)


def _frame(header, rows, notes: list[str], name: str, max_rows: int) -> pd.DataFrame:
    if header is None or not any(str(h).strip() for h in header):
        raise RosterError(f"{name} has no header row: row 1 must name the columns "
                          "(npi, tin, name, specialty, ...)")
    if len(header) > _MAX_COLUMNS:
        raise RosterError(f"{name}: the header has {len(header):,} columns, the limit is {_MAX_COLUMNS:,}")
    cols = [normalize_column_name(h) for h in header]
    width = len(cols)
    index, records, layout, blank_rows = [], [], [], 0
    header_below = None   # a row that names "npi" where row 1 does not: the headers, under a title
    for i, rec in enumerate(rows):
        file_row = FIRST_DATA_ROW + i
        if header_below is None and i < 20 and "npi" not in cols and "npi" in map(normalize_column_name, map(str, rec)):
            header_below = file_row
        if len(rec) > width:
            if any(c.strip() for c in rec[width:]):
                layout.append(f"row {file_row} has {len(rec)} values but the header has {width} columns")
                if len(layout) >= _MAX_REPORTED_LAYOUT_ERRORS:
                    break
                continue
            rec = rec[:width]
        elif len(rec) < width:
            rec = list(rec) + [""] * (width - len(rec))
        if not any(c.strip() for c in rec):
            blank_rows += 1
            continue
        records.append(rec)
        index.append(file_row)
        if len(records) > max_rows:
            raise RosterError(f"{name} has more than {max_rows:,} data rows (the limit)")
    if layout:
        raise RosterError(f"{name}: " + "; ".join(layout) + (
            f" (the column headers look like they are on row {header_below}: put them in row 1, above the first "
            "physician)" if header_below is not None else " (a separator inside an unquoted value?)"))
    if not records:
        raise RosterError(f"{name} has a header but no data rows")
    data = {}
    keep = []
    for j, c in enumerate(cols):
        if c == "":
            # values under no header (a merged header cell, a header deleted): read as it was, a column such as
            # ia2_done was dropped with a warning and every physician scored without it (exit 0)
            k = next((k for k, r in enumerate(records) if r[j].strip()), None)
            if k is not None:
                raise RosterError(f"{name}: column {_column_letter(j)} has values (row {index[k]}: "
                                  f"{records[k][j].strip()[:40]!r}) but no header in row 1" + (
                                      f"; the column headers look like they are on row {header_below}: put them in "
                                      "row 1, above the first physician" if header_below is not None else
                                      ": name it (a roster column, or any other name to have it ignored) or delete "
                                      "the column (read as it is, its values would be lost)"))
            continue
        keep.append(j)
    seen: dict[str, int] = {}
    for j in keep:
        c = cols[j]
        if c in seen:
            raise RosterError(f"{name}: column {c!r} appears twice (columns {_column_letter(seen[c])} "
                              f"and {_column_letter(j)})")
        seen[c] = j
        # text asm-xl wrote to a CSV file with a leading ' (roster.report.csv_safe_text) reads as it was
        data[c] = pd.array([r[j][1:] if r[j][:1] == "'" and r[j][1:2] in FORMULA_STARTS else r[j] for r in records],
                           dtype=object)
    if blank_rows:
        notes.append(f"{blank_rows} blank row{'s' if blank_rows > 1 else ''} skipped")
    df = pd.DataFrame(data, index=pd.Index(index, dtype="int64", name="row"), dtype=object)
    df.attrs["roster_warnings"] = list(notes)
    return df


#: how text a spreadsheet would run as a formula starts: asm-xl writes such text to CSV files with a
#: leading ' (:func:`asm_xl.roster.report.csv_safe_text`) and reads the ' away again
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _column_letter(j: int) -> str:
    return get_column_letter(j + 1)


