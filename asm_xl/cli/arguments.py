"""Command-line arguments that need more than argparse's types: whole numbers >= 1, and the workbook
files of a glob (Excel's lock files left out)."""

from __future__ import annotations

import argparse
import os
import sys

__all__ = ["positive_whole", "workbook_files", "LOCK_PREFIX"]

LOCK_PREFIX = "~$"   #: Excel's owner file of a workbook open in it: ~$name.xlsx, a few hundred bytes


def positive_whole(text: str) -> int:
    """``--jobs``: a whole number >= 1 (argparse shows the message as a usage error, exit 2)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not allowed (a whole number >= 1)")
    return value


def workbook_files(files: list) -> list:
    """``files`` without Excel's lock files (``~$name.xlsx`` under 1 kB, which ``*.xlsx`` matches while a
    workbook is open in Excel), each one said on stderr; every other name is kept, to be read or refused."""
    kept = []
    for f in files:
        name = os.path.basename(os.fspath(f))
        if name.startswith(LOCK_PREFIX) and os.path.isfile(f) and os.path.getsize(f) < 1024:
            print(f"{f}: skipped: Excel's lock file (its workbook is open in Excel), not a workbook", file=sys.stderr)
        else:
            kept.append(f)
    return kept
