"""The error report of a roster: a CSV file (atomic, CSV-injection safe) and a short summary."""

from __future__ import annotations

import contextlib
import csv
import os
import re
from pathlib import Path

import pandas as pd

from asm_xl.roster.read import FORMULA_STARTS
from asm_xl.roster.validate import ROSTER_ERROR_COLUMNS
from asm_xl.xlsx.atomic import atomic_open, write_atomic

__all__ = ["write_error_report", "report_rejected_rows", "summarize_errors", "csv_safe_text", "write_table_csv",
           "is_error_report"]

_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def csv_safe_text(text: str) -> str:
    """Text as a CSV cell a spreadsheet will not run as a formula (OWASP "CSV injection"): text
    starting with = + - @ tab or CR, other than a plain number, gets a leading apostrophe."""
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def write_table_csv(frame: pd.DataFrame, path) -> Path:
    """A table asm-xl writes for a spreadsheet (``asm-xl score --out``, ``asm-xl import-qpp``'s roster) as
    CSV: UTF-8 with BOM (Excel shows accents), no index, written atomically (:func:`write_atomic`), every
    text cell and column name through :func:`csv_safe_text`, so a name from a roster such as
    ``=HYPERLINK(...)`` is text, not a formula, when the file is opened. Numbers are written as pandas
    writes them (a negative number stays a number), except a negative zero, which is written 0.0: an
    adjustment of none (-10 x 0 missing activities) is no penalty, not "-0.0"."""
    safe = frame.copy()
    safe.columns = [csv_safe_text(c) if isinstance(c, str) else c for c in safe.columns]
    for i in range(safe.shape[1]):
        dtype = safe.dtypes.iloc[i]
        if pd.api.types.is_float_dtype(dtype):
            safe.isetitem(i, safe.iloc[:, i] + 0.0)   # -0.0 + 0.0 is 0.0; every other value unchanged
        elif dtype == object or pd.api.types.is_string_dtype(dtype):
            safe.isetitem(i, safe.iloc[:, i].map(_csv_cell))
    p = Path(os.fspath(path))
    write_atomic(p, safe.to_csv(index=False).encode("utf-8-sig"))
    return p


def _csv_cell(v):
    """One cell of an object column: text made safe, a negative zero 0.0, anything else as it is."""
    if isinstance(v, str):
        return csv_safe_text(v)
    return v + 0.0 if v.__class__ is float else v


def _safe_cell(v, escape: bool) -> str:
    text = "" if v is None or (isinstance(v, float) and v != v) else str(v)
    return csv_safe_text(text) if escape else text


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
    with atomic_open(p, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(ROSTER_ERROR_COLUMNS)
        for rec in errors[ROSTER_ERROR_COLUMNS].itertuples(index=False):
            w.writerow([_safe_cell(v, escape_formulas) for v in rec])
    return p


def is_error_report(path) -> bool:
    """Whether ``path`` is a file whose first line is an error report's header (what
    :func:`write_error_report` writes): the only kind of file :func:`report_rejected_rows` replaces or
    removes. Reads at most the first 4 kB."""
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError:
        return False
    first = head.removeprefix(b"\xef\xbb\xbf").split(b"\n", 1)[0].rstrip(b"\r")
    return first == ",".join(ROSTER_ERROR_COLUMNS).encode()


def report_rejected_rows(errors: pd.DataFrame, path) -> Path | None:
    """The error report's rule for a run (``asm-xl generate``, ``asm-xl score``): rows rejected, the
    report written to ``path`` (returned, see :func:`write_error_report`); none rejected, a report left
    at ``path`` by an earlier run is removed (it would describe a roster this run did not read), and
    None is returned. A file at ``path`` that is not an error report (:func:`is_error_report`: a roster
    named by mistake) is never removed."""
    if errors is not None and len(errors):
        return write_error_report(errors, path)
    if is_error_report(path):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
    return None


#: a reason's detail for one case: a number in parentheses, or a hint ("; did you mean 85%?"); an example of
#: what is allowed ("(e.g. 12-3456789)") is the reason's own, shown once, not nested in the case's "(e.g. row 3: ...)"
_DETAIL = re.compile(r"\s*\((?!e\.g\. )[^()]*\d[^()]*\)|;\s*(?:did you mean [^;]*\?|a decimal comma\? [^;]*)$")


def _example(error) -> str:
    """A case of a reason for the screen: its row, its value (cut to 60 characters) and the details of
    the reason the grouping leaves out."""
    value = "" if error["value"] is None or error["value"] != error["value"] else str(error["value"])
    value = value if len(value) <= 60 else value[:57] + "..."
    details = "".join(_DETAIL.findall(str(error["reason"])))
    return f"row {error['row']}: {value or 'blank'}{details}"


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
    first = {k: i for i, k in reversed(list(enumerate(keys)))}
    lines.append("Top reasons:")
    for k, c in ranked[:top]:   # with its first case: the hint the grouping left out ("did you mean 85%?")
        lines.append(f"  {c:>5} x {k} (e.g. {_example(errors.iloc[first[k]])})")
    if len(ranked) > top:
        lines.append(f"  ... and {len(ranked) - top} other reason{'s' if len(ranked) - top > 1 else ''}")
    return "\n".join(lines)
