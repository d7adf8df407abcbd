"""Checks every untrusted input file passes before it is read: it exists, it is a regular file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

__all__ = ["regular_file"]


def regular_file(p: Path, what: str, error: type[Exception]) -> os.stat_result:
    """``p``'s stat when it is a regular file; else ``error`` with one line naming the file
    ("roster file not found: ...", "cannot open the QPP submission file ...: Permission denied",
    "... is not a file")."""
    try:
        st = p.stat()
    except FileNotFoundError:
        raise error(f"{what} file not found: {p}") from None
    except OSError as e:
        raise error(f"cannot open the {what} file {p}: {e.strerror or e}") from None
    if not stat.S_ISREG(st.st_mode):
        raise error(f"{p} is not a file")
    return st
