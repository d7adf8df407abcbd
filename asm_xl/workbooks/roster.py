"""Participant rosters: read a CSV or Excel file of physicians safely, validate it row by row.

A roster is the participant table of :func:`asm_xl.cohort.score_cohort` (columns in
:mod:`asm_xl.columns`) as a file a practice manager keeps: one row per physician (TIN/NPI), a
header in row 1.

* :func:`read_roster` reads the file as **text**: every cell is a ``str`` exactly as typed, so
  identifiers keep their leading zeros (NPI, TIN), "NA" stays a name and text that looks like a
  formula (``=HYPERLINK(...)``, ``+1-555-0100``) is never interpreted. Files are untrusted: their
  size is checked before reading, Excel packages are checked for zip bombs before openpyxl sees
  them, and workbook XML is parsed by defusedxml.
* :func:`validate_roster` runs the roster's own checks (NPI check digit, TIN, duplicates) and then
  the methodology's checks by delegating to :func:`~asm_xl.cohort.score_cohort`, so that no rule is
  written twice. It returns the good rows and one error per bad cell, numbered as the user sees
  the file (header = row 1, first data row = row 2).
* :func:`write_error_report` writes the errors as CSV (atomically); :func:`summarize_errors` is the
  short on-screen version.

>>> from asm_xl.workbooks.roster import npi_is_valid
>>> npi_is_valid("1234567893"), npi_is_valid("1234567890")
(True, False)
"""

from __future__ import annotations

import csv
import datetime as _dt
import difflib
import io
import os
import re
import stat
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..cohort import score_cohort
from ..columns import all_columns
from ..errors import ASMInputError

__all__ = [
    "RosterError", "RosterValidation", "ROSTER_ERROR_COLUMNS", "SUPPORTED_EXTENSIONS",
    "npi_is_valid", "npi_check_digit", "normalize_column_name",
    "read_roster", "validate_roster", "write_error_report", "summarize_errors",
]

ROSTER_ERROR_COLUMNS = ["row", "npi", "name", "column", "value", "reason"]
SUPPORTED_EXTENSIONS = (".csv", ".xlsx", ".xlsm")

#: The first data row of a file is row 2 (the header is row 1); a frame from :func:`read_roster`
#: has index = file row - 2.
FIRST_DATA_ROW = 2
_MAX_COLUMNS = 1_000
_MAX_REPORTED_LAYOUT_ERRORS = 5
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_NPI_RE = re.compile(r"[0-9]{10}")
_TIN_RE = re.compile(r"[0-9]{9}")


class RosterError(ValueError):
    """A roster file cannot be read: missing, unsupported, too large, not a valid workbook, no
    header or no data. Raised before anything is written; the message says what to fix."""


@dataclass
class RosterValidation:
    """Result of :func:`validate_roster`.

    ``valid``: the rows without any error (original index kept); ``errors``: one row per bad cell,
    columns :data:`ROSTER_ERROR_COLUMNS`; ``warnings``: things worth knowing that reject nothing
    (unknown columns, blank rows skipped, encoding guessed)."""

    valid: pd.DataFrame
    errors: pd.DataFrame
    warnings: list[str] = field(default_factory=list)

    @property
    def rows_rejected(self) -> int:
        return int(self.errors["row"].nunique()) if len(self.errors) else 0

    @property
    def ok(self) -> bool:
        return len(self.errors) == 0


# ---------------------------------------------------------------------------------------- NPI/TIN
def npi_check_digit(first_nine: str) -> int:
    """The check digit that completes a 9-digit NPI base (see :func:`npi_is_valid`)."""
    if not re.fullmatch(r"[0-9]{9}", str(first_nine)):
        raise ValueError(f"an NPI base is 9 digits, not {first_nine!r}")
    return (10 - _luhn_sum("80840" + str(first_nine) + "0")) % 10


def npi_is_valid(npi: str) -> bool:
    """True for a well-formed National Provider Identifier.

    An NPI is exactly 10 ASCII digits; the 10th is a Luhn (mod 10) check digit computed over the
    prefix ``80840`` (the health-industry issuer) followed by the first 9 digits::

        s     = "80840" + npi                       (15 digits, check digit last)
        d_i   = digit i counted from the right, i = 1..15
        v_i   = d_i                 for odd i
              = 2 d_i - 9 if 2 d_i > 9 else 2 d_i    for even i (double every second digit)
        valid  <=>  sum(v_i) mod 10 == 0

    Equivalently check digit = (10 - (24 + Luhn sum of the doubled first 9 digits) mod 10) mod 10.
    Surrounding spaces are not accepted here (the roster strips them before calling).

    >>> npi_is_valid("1234567893")
    True
    """
    if isinstance(npi, bool) or not isinstance(npi, (str, int, np.integer)):
        return False
    s = str(npi)
    if not _NPI_RE.fullmatch(s):
        return False
    return _luhn_sum("80840" + s) % 10 == 0


def _luhn_sum(digits: str) -> int:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total


def _npi_problem(text: str) -> str | None:
    """Why a stripped, non-blank NPI text is wrong, or None."""
    if npi_is_valid(text):
        return None
    if re.fullmatch(r"[0-9.]+[eE][+-]?[0-9]+", text):
        return ("must be a 10-digit NPI, not a number in scientific notation "
                "(format the column as Text in Excel)")
    if not _NPI_RE.fullmatch(text):
        return f"must be a 10-digit NPI ({len(text)} characters given)"
    return ("NPI check digit does not match: the 10th digit must be the Luhn check digit over "
            "80840 + the first 9 digits (a typo?)")


def _tin_problem(text: str) -> str | None:
    digits = text.replace("-", "")
    if _TIN_RE.fullmatch(digits):
        return None
    if re.fullmatch(r"[0-9]{8}", digits):
        return ("must be a 9-digit TIN, dashes allowed (8 digits given: a leading zero lost? "
                "format the column as Text in Excel)")
    if re.fullmatch(r"[0-9]+", digits):
        return f"must be a 9-digit TIN, dashes allowed ({len(digits)} digits given)"
    return "must be a 9-digit TIN, dashes allowed (e.g. 12-3456789)"


# ------------------------------------------------------------------------------------------ read
def normalize_column_name(name: object) -> str:
    """Header text → column name: strip, casefold, runs of spaces → one underscore."""
    return re.sub(r"\s+", "_", str(name).strip().casefold())


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
        (blank cells are ""); object dtype. Index = file row - 2, so row 2 (the first data row)
        has index 0; wholly blank rows are skipped and leave a gap. Notes about the reading
        (encoding guessed, blank rows, headerless columns) are in ``df.attrs["roster_warnings"]``.

    Raises
    ------
    RosterError
        File not found, not a file, unsupported extension, too large, not a valid workbook (or
        a zip bomb, or XML with entity declarations), not text, no header or no data rows.
    """
    p = Path(os.fspath(path))
    try:
        st = p.stat()
    except FileNotFoundError:
        raise RosterError(f"roster file not found: {p}") from None
    except OSError as e:
        raise RosterError(f"cannot open the roster file {p}: {e.strerror or e}") from None
    if not stat.S_ISREG(st.st_mode):
        raise RosterError(f"{p} is not a file")
    ext = p.suffix.casefold()
    if ext == ".xls":
        raise RosterError(f"{p.name}: the Excel 97-2003 format (.xls) is not supported; "
                          "save it as .xlsx or .csv")
    if ext not in SUPPORTED_EXTENSIONS:
        raise RosterError(f"{p.name}: unsupported file type {p.suffix or '(none)'!r}; "
                          f"use {', '.join(SUPPORTED_EXTENSIONS)}")
    _check_size(p, st.st_size, max_bytes)
    try:
        with open(p, "rb") as f:
            data = f.read(max_bytes + 1)  # bounded even if the file grew after stat()
    except OSError as e:
        raise RosterError(f"cannot read the roster file {p}: {e.strerror or e}") from None
    _check_size(p, len(data), max_bytes, at_least=True)
    if ext == ".csv":
        header, rows, notes = _csv_records(data, p.name)
    else:
        header, rows, notes = _excel_records(data, p.name, max_unpacked_bytes, max_zip_members,
                                             max_rows)
    return _frame(header, rows, notes, p.name, max_rows)


def _check_size(p: Path, size: int, max_bytes: int, at_least: bool = False) -> None:
    if size > max_bytes:
        raise RosterError(f"{p.name} is too large: {size:,} bytes{' or more' if at_least else ''}, "
                          f"the limit is {max_bytes:,} bytes")
    if size == 0:
        raise RosterError(f"{p.name} is empty: no header row")


def _decode(data: bytes, name: str, notes: list[str]) -> str:
    if data.startswith(_ZIP_MAGIC):
        raise RosterError(f"{name} is a zip package (an Excel workbook?), not CSV text: "
                          "give it the .xlsx extension or save it as CSV")
    if data.startswith(_OLE_MAGIC):
        raise RosterError(f"{name} is an Excel 97-2003 or password-protected file, not CSV text")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise RosterError(f"{name} is not valid UTF-16 text") from None
    if b"\x00" in data:
        raise RosterError(f"{name} contains binary data (NUL bytes): not a CSV text file")
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


def _csv_records(data: bytes, name: str):
    notes: list[str] = []
    text = _decode(data, name, notes)
    sep = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=False)

    def records():
        try:
            yield from reader
        except csv.Error as e:
            raise RosterError(f"{name}: not a readable CSV file near line {reader.line_num}: {e}") from None

    it = records()
    header = next(it, None)
    return header, it, notes


def _excel_records(data: bytes, name: str, max_unpacked: int, max_members: int, max_rows: int):
    _check_package(data, name, max_unpacked, max_members)
    import openpyxl
    import openpyxl.xml.functions as oxf

    if not (openpyxl.DEFUSEDXML and oxf.iterparse.__module__.startswith("defusedxml")):
        raise RosterError("refusing to open an untrusted workbook: openpyxl is not using defusedxml "
                          "(install defusedxml and do not set OPENPYXL_DEFUSEDXML=False)")
    notes: list[str] = []
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except Exception as e:  # untrusted input: any parser failure means "not a workbook"
        raise RosterError(_workbook_failure(name, e)) from None
    try:
        sheets = wb.worksheets
        if not sheets:
            raise RosterError(f"{name} has no worksheet")
        named = [ws for ws in sheets if ws.title.strip().casefold() == "roster"]
        ws = named[0] if named else sheets[0]
        if not named and len(sheets) > 1:
            notes.append(f"{name}: no sheet named 'Roster'; read the first sheet, {ws.title!r}")
        try:
            first = next(ws.iter_rows(min_row=1, max_row=1, values_only=True), ())
            header = [_cell_text(v) for v in first]
            while header and header[-1].strip() == "":
                header.pop()
            if len(header) > _MAX_COLUMNS:
                raise RosterError(f"{name}: the header has {len(header):,} columns, the limit is "
                                  f"{_MAX_COLUMNS:,}")
            rows, filled = [], 0
            width = max(len(header), 1)
            for values in ws.iter_rows(min_row=2, max_col=width, values_only=True):
                rec = [_cell_text(v) for v in values]
                rows.append(rec)
                if any(c.strip() for c in rec):
                    filled += 1
                    if filled > max_rows:
                        raise RosterError(f"{name} has more than {max_rows:,} data rows (the limit)")
        except RosterError:
            raise
        except Exception as e:
            raise RosterError(_workbook_failure(name, e)) from None
    finally:
        wb.close()
    header = header if any(h.strip() for h in header) else None
    return header, iter(rows), notes


def _workbook_failure(name: str, e: Exception) -> str:
    from defusedxml import DefusedXmlException

    cause, seen = e, set()
    while cause is not None and id(cause) not in seen:  # openpyxl wraps parser errors
        seen.add(id(cause))
        if isinstance(cause, DefusedXmlException):
            return (f"{name} was refused: its XML declares entities, a DTD or external references "
                    f"(possible XML attack: {type(cause).__name__})")
        cause = cause.__cause__ or cause.__context__
    first = str(e).strip().splitlines()[0] if str(e).strip() else ""
    return f"{name} is not a valid Excel workbook ({type(e).__name__}{': ' + first if first else ''})"


def _check_package(data: bytes, name: str, max_unpacked: int, max_members: int) -> None:
    if data.startswith(_OLE_MAGIC):
        raise RosterError(f"{name} is not a valid .xlsx workbook: it is a password-protected "
                          "workbook or an Excel 97-2003 file; save it as .xlsx without a password")
    if not data.startswith(_ZIP_MAGIC) or not zipfile.is_zipfile(io.BytesIO(data)):
        raise RosterError(f"{name} is not a valid Excel workbook (not a zip package)")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as e:
        raise RosterError(f"{name} is not a valid Excel workbook ({e})") from None
    if len(infos) > max_members:
        raise RosterError(f"{name} was refused: {len(infos):,} zip members, the limit is {max_members:,}")
    total = sum(i.file_size for i in infos)
    if total > max_unpacked:
        raise RosterError(f"{name} was refused: it unpacks to {total:,} bytes, the limit is "
                          f"{max_unpacked:,} (zip bomb?)")
    if any(i.flag_bits & 0x1 for i in infos):
        raise RosterError(f"{name} is not a valid Excel workbook (encrypted zip members)")
    names = {i.filename for i in infos}
    if "[Content_Types].xml" not in names:
        raise RosterError(f"{name} is not a valid Excel workbook (a zip file without [Content_Types].xml)")


def _cell_text(v) -> str:
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
    for i, rec in enumerate(rows):
        file_row = FIRST_DATA_ROW + i
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
        index.append(file_row - FIRST_DATA_ROW)
        if len(records) > max_rows:
            raise RosterError(f"{name} has more than {max_rows:,} data rows (the limit)")
    if layout:
        raise RosterError(f"{name}: " + "; ".join(layout) +
                          " (a separator inside an unquoted value?)")
    if not records:
        raise RosterError(f"{name} has a header but no data rows")
    data = {}
    keep = []
    for j, c in enumerate(cols):
        if c == "":
            if any(r[j].strip() for r in records):
                notes.append(f"column {_column_letter(j)} has values but no header: ignored")
            continue
        keep.append(j)
    seen: dict[str, int] = {}
    for j in keep:
        c = cols[j]
        if c in seen:
            raise RosterError(f"{name}: column {c!r} appears twice (columns {_column_letter(seen[c])} "
                              f"and {_column_letter(j)})")
        seen[c] = j
        data[c] = pd.array([r[j] for r in records], dtype=object)
    if blank_rows:
        notes.append(f"{blank_rows} blank row{'s' if blank_rows > 1 else ''} skipped")
    df = pd.DataFrame(data, index=pd.Index(index, dtype="int64"), dtype=object)
    df.attrs["roster_warnings"] = list(notes)
    return df


def _column_letter(j: int) -> str:
    s, n = "", j + 1
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


# -------------------------------------------------------------------------------------- validate
def _text(v) -> str:
    """A cell as stripped text ("" for blank); whole floats (a numeric NPI column) lose their .0."""
    if v is None:
        return ""
    if isinstance(v, str):
        return v.strip()
    if isinstance(v, float):
        if v != v:
            return ""
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v))
    try:
        if pd.isna(v):
            return ""
    except (TypeError, ValueError):
        pass
    return str(v).strip()


def _file_rows(index: pd.Index) -> np.ndarray:
    """File row numbers: index + 2 for an integer index (as :func:`read_roster` makes it),
    else position + 2."""
    if pd.api.types.is_integer_dtype(index.dtype) and index.is_unique:
        return index.to_numpy(dtype="int64") + FIRST_DATA_ROW
    return np.arange(len(index), dtype="int64") + FIRST_DATA_ROW


def validate_roster(df: pd.DataFrame, *, performance_year: int | None = None) -> RosterValidation:
    """Check every row of a roster; keep the good ones, report every bad cell.

    Roster checks (here): NPI required, 10 digits with a valid check digit; TIN, when given, 9
    digits (dashes allowed); a participant (NPI, TIN, performance year) listed twice: every
    occurrence after the first is an error. Methodology checks (cohort/specialty required and
    known, performance year, practice size, payments, PI, IAs, measures, cost...) are those of
    :func:`~asm_xl.cohort.score_cohort`, whose ``errors`` are mapped to file rows.

    One error per cell: the first rule it breaks. A row whose cohort or specialty is wrong does not
    also get "not a measure of this participant's cohort" errors (they follow from the first).

    Parameters
    ----------
    df : DataFrame
        From :func:`read_roster` (index = file row - 2) or built by hand (an integer index is
        taken as file row - 2; any other index counts rows from 2).
    performance_year : int, optional
        Used where the ``performance_year`` column is blank or missing.
    """
    df = df.copy()
    df.columns = [normalize_column_name(c) for c in df.columns]
    if df.columns.duplicated().any():
        dup = df.columns[df.columns.duplicated()][0]
        raise RosterError(f"column {dup!r} appears twice")
    warnings = list(df.attrs.get("roster_warnings", []))
    known = set(all_columns())
    for c in df.columns:
        if c not in known:
            close = difflib.get_close_matches(c, sorted(known), n=1, cutoff=0.8)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            warnings.append(f"column {c!r} is not a roster column: ignored{hint}")
    if "npi" not in df.columns:
        warnings.append("no 'npi' column: every row needs a physician's NPI")
    if "specialty" not in df.columns and "cohort" not in df.columns:
        warnings.append("no 'specialty' or 'cohort' column: every row needs one")

    n = len(df)
    rows = _file_rows(df.index)
    col = lambda c: df[c].to_numpy(dtype=object) if c in df.columns else np.full(n, None, dtype=object)
    npi_raw, tin_raw, name_raw = col("npi"), col("tin"), col("name")
    npi_txt = np.array([_text(v) for v in npi_raw], dtype=object)
    tin_txt = np.array([_text(v) for v in tin_raw], dtype=object)
    name_txt = np.array([_text(v) for v in name_raw], dtype=object)
    errs: list[dict] = []

    def add(i: int, column: str, value, reason: str) -> None:
        errs.append({"pos": i, "column": column, "value": None if _text(value) == "" else value,
                     "reason": reason})

    for i in range(n):
        if npi_txt[i] == "":
            add(i, "npi", npi_raw[i], "required: the physician's 10-digit NPI")
        else:
            why = _npi_problem(npi_txt[i])
            if why:
                add(i, "npi", npi_raw[i], why)
        if tin_txt[i]:
            why = _tin_problem(tin_txt[i])
            if why:
                add(i, "tin", tin_raw[i], why)

    # duplicates: same NPI, TIN (digits) and performance year; all but the first occurrence
    default_year = "" if performance_year is None else _text(performance_year)
    first_seen: dict[tuple, int] = {}
    for i, v in enumerate(col("performance_year")):
        if npi_txt[i] == "":
            continue
        year = _text(v) or default_year
        try:
            fy = float(year)
            year = str(int(fy)) if fy.is_integer() else year
        except ValueError:
            pass
        tin_key = tin_txt[i].replace("-", "") if _TIN_RE.fullmatch(tin_txt[i].replace("-", "")) else tin_txt[i]
        key = (npi_txt[i], tin_key, year)
        if key in first_seen:
            add(i, "npi", npi_raw[i], f"duplicate participant (same NPI, TIN and performance year as "
                                      f"row {rows[first_seen[key]]})")
        else:
            first_seen[key] = i

    # the methodology's checks, written once in score_cohort
    positional = df.reset_index(drop=True)
    try:
        res = score_cohort(positional, performance_year=performance_year)
    except ASMInputError as e:
        raise RosterError(f"the roster cannot be checked: {e}") from None
    cohort_trouble = set()
    for e in res.errors.itertuples(index=False):
        if e.column in ("specialty", "cohort"):
            cohort_trouble.add(int(e.row))
    for e in res.errors.itertuples(index=False):
        i = int(e.row)
        if i in cohort_trouble and str(e.reason).endswith("is not a measure of this participant's cohort"):
            continue
        add(i, str(e.column), e.value, str(e.reason))

    # one error per cell (the first rule broken), then in file order: row, then column position
    order = {c: k for k, c in enumerate(df.columns)}
    seen_cells, kept = set(), []
    for k, e in enumerate(errs):
        cell = (e["pos"], e["column"])
        if cell in seen_cells:
            continue
        seen_cells.add(cell)
        kept.append((e["pos"], order.get(e["column"], len(order)), k, e))
    kept.sort(key=lambda t: t[:3])
    errors = pd.DataFrame(
        [{"row": int(rows[e["pos"]]), "npi": npi_txt[e["pos"]], "name": name_txt[e["pos"]],
          "column": e["column"], "value": e["value"], "reason": e["reason"]} for *_, e in kept],
        columns=ROSTER_ERROR_COLUMNS, dtype=object)
    errors["row"] = errors["row"].astype("int64")
    bad = np.zeros(n, dtype=bool)
    bad[[e["pos"] for *_, e in kept]] = True
    valid = df.loc[~bad]
    valid.attrs = {}
    return RosterValidation(valid=valid, errors=errors, warnings=warnings)


# ---------------------------------------------------------------------------------------- report
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def _safe_cell(v, escape: bool) -> str:
    text = "" if v is None or (isinstance(v, float) and v != v) else str(v)
    if escape and text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text  # CSV injection: a spreadsheet must not run a name as a formula
    return text


def write_error_report(errors: pd.DataFrame, path, *, escape_formulas: bool = True) -> Path:
    """Write the errors of :func:`validate_roster` as CSV (UTF-8 with BOM, so Excel shows accents).

    Columns: ``row, npi, name, column, value, reason``. The file is written to a temporary file
    in the same folder and moved into place (``os.replace``): readers never see half a report
    and a failure leaves any earlier report untouched. With ``escape_formulas`` (default) a text
    cell starting with ``= + - @`` that is not a plain number is prefixed with ``'`` so that a
    spreadsheet opening the report does not run it as a formula (OWASP "CSV injection").
    """
    p = Path(os.fspath(path))
    missing = [c for c in ROSTER_ERROR_COLUMNS if c not in errors.columns]
    if missing:
        raise ValueError(f"errors lack the columns {missing}")
    folder = p.parent if str(p.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as f:
            w = csv.writer(f, lineterminator="\r\n")
            w.writerow(ROSTER_ERROR_COLUMNS)
            for rec in errors[ROSTER_ERROR_COLUMNS].itertuples(index=False):
                w.writerow([_safe_cell(v, escape_formulas) for v in rec])
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, p)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return p


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_DETAIL = re.compile(r"\s*\([^()]*\d[^()]*\)")


def summarize_errors(errors: pd.DataFrame, *, top: int = 5) -> str:
    """A few lines for the screen: how many rows were rejected and the most common reasons.

    Reasons are grouped by column and rule (details in parentheses with numbers, such as "(50)"
    or "(... as row 7)", are left out of the grouping)."""
    if errors is None or len(errors) == 0:
        return "No errors: every row is valid."
    nrows = errors["row"].nunique()
    lines = [f"{nrows} row{'s' if nrows != 1 else ''} rejected ({len(errors)} error"
             f"{'s' if len(errors) != 1 else ''})."]
    keys = errors["column"].astype(str) + ": " + errors["reason"].astype(str).map(lambda r: _DETAIL.sub("", r))
    counts = keys.value_counts(sort=False)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    lines.append("Top reasons:")
    for k, c in ranked[:top]:
        lines.append(f"  {c:>5} x {k}")
    if len(ranked) > top:
        lines.append(f"  ... and {len(ranked) - top} other reason{'s' if len(ranked) - top > 1 else ''}")
    return "\n".join(lines)
