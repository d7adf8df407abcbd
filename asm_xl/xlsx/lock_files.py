"""Excel's owner ("lock") files: ``~$`` and a workbook's name, beside a workbook open in Excel."""

from __future__ import annotations

import os

__all__ = ["LOCK_PREFIX", "LOCK_MAX_BYTES", "is_lock_file", "excel_lock_file", "unless_open_in_excel"]

LOCK_PREFIX = "~$"     #: Excel's owner file of a workbook open in it: ~$name.xlsx
LOCK_MAX_BYTES = 1024  #: an owner file is a few hundred bytes (the user's name)


def is_lock_file(path) -> bool:
    """Whether ``path`` is an Excel owner file (which ``*.xlsx`` matches while a workbook is open)."""
    return (os.path.basename(os.fspath(path)).startswith(LOCK_PREFIX) and os.path.isfile(path)
            and os.path.getsize(path) < LOCK_MAX_BYTES)


def excel_lock_file(path) -> str | None:
    """Excel's owner file of ``path`` where one is beside it (``~$`` and the whole file name), else None.
    (Word drops a long name's first two characters; Excel does not, and ``~$`` + ``name[2:]`` is the owner
    file of another workbook: ``~$12345.xlsx`` is 12345.xlsx's, not ab12345.xlsx's.)"""
    folder, name = os.path.split(os.fspath(path))
    candidate = os.path.join(folder, LOCK_PREFIX + name)
    return candidate if is_lock_file(candidate) else None


def unless_open_in_excel(path, write, warnings: list):
    """``write(path)``'s result, unless the workbook at ``path`` is open in Excel (its owner file beside
    it): then nothing is written, a warning is added to ``warnings`` and None returned. Excel's next save
    would undo a file replaced under it, and Windows refuses to replace an open file."""
    if os.path.exists(path) and excel_lock_file(path):
        warnings.append(f"{os.path.basename(os.fspath(path))} is open in Excel: not rewritten, it still shows the "
                        "previous run's numbers (close it, then run again)")
        return None
    return write(path)
