"""Rows of an .xlsx roster that Excel hides (hidden by hand, or filtered out by an AutoFilter): a practice that
filters its roster down to one clinic still has every row in the file, and every row is a physician asm-xl
scores. The reader reads them all (a hidden row is not a deleted one) and says how many were hidden."""

from __future__ import annotations

import io
import re
import zipfile

from asm_xl.xlsx.parts import sheet_parts

__all__ = ["hidden_rows"]

_ROW = re.compile(rb"<(?:\w+:)?row\b([^>]*)>")
_HIDDEN = re.compile(rb"""\bhidden\s*=\s*["'](?:1|true)["']""")
_NUMBER = re.compile(rb"""\br\s*=\s*["'](\d+)["']""")


def hidden_rows(data: bytes, sheet: str) -> int:
    """How many rows below the header row (row 1) of ``sheet`` are hidden (``<row hidden="1">``); 0 when the
    package or the sheet cannot be read here (the reader has read it already, and says what is wrong with it).

    The package's size was checked before (:func:`~asm_xl.roster.file_checks.workbook_package`)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            member = dict(sheet_parts(zf)).get(sheet)
            if member is None:
                return 0
            xml = zf.read(member)
    except Exception:  # noqa: BLE001 - a note only: never a reason to refuse a roster the reader accepted
        return 0
    count = 0
    for attrs in _ROW.findall(xml):
        number = _NUMBER.search(attrs)
        if _HIDDEN.search(attrs) and (number is None or int(number.group(1)) > 1):
            count += 1
    return count
