"""Formula cells of an .xlsx roster that hold no stored value (a file written by a script, never opened
and saved in Excel): openpyxl reads them as blank, which would turn a payment or a name into "missing"
without saying why. They are marked instead, so that the roster's check names the cell and the cause."""

from __future__ import annotations

import io
import zipfile

from asm_xl.xlsx.limits import has_formulas

__all__ = ["UNCACHED", "mark_uncached_formulas"]

#: what such a cell reads as: a text no number check accepts, and a name that says what happened
UNCACHED = "(a formula without a stored value: open the file in Excel and save it)"


def mark_uncached_formulas(data: bytes, sheet: str, rows: list[list[str]], width: int) -> int:
    """Mark (:data:`UNCACHED`) each blank cell of ``rows`` (the sheet's data rows below its header, as
    read with stored values) whose cell is a formula; returns how many. Nothing is read again when no
    worksheet holds a formula (a roster saved by Excel, or a plain export)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        if not has_formulas(zf):
            return 0
    import openpyxl
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    marked = 0
    try:
        ws = wb[sheet]
        ws.reset_dimensions()   # as the reader: rows past the file's claimed <dimension> are read too
        for r, values in enumerate(ws.iter_rows(min_row=2, max_col=width, values_only=True)):
            if r >= len(rows):
                break
            for c, v in enumerate(values):
                if isinstance(v, str) and v.startswith("=") and c < len(rows[r]) and not rows[r][c].strip():
                    rows[r][c] = UNCACHED
                    marked += 1
    finally:
        wb.close()
    return marked
