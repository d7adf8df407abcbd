"""Command-line arguments that need more than argparse's types: whole numbers >= 1, performance years,
and the workbook files of a glob (Excel's lock files left out)."""

from __future__ import annotations

import argparse
import os
import math
import sys

from asm_xl.xlsx.lock_files import excel_lock_file, is_lock_file

__all__ = ["ROSTER_HELP", "positive_whole", "performance_year", "workbook_files", "year_note", "filter_text", "finite_number",
           "file_name"]


#: a roster argument's help
ROSTER_HELP = ("the roster: a CSV or Excel file, one row per physician and performance year (columns: README "
               "\"Roster columns\"; asm-xl from-cms starts one)")


def positive_whole(text: str) -> int:
    """``--jobs``: a whole number >= 1 (argparse shows the message as a usage error, exit 2)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not allowed (a whole number >= 1)")
    return value


def performance_year(text: str) -> int:
    """``--year``: an ASM performance year (argparse shows the message as a usage error, exit 2); 2035 became
    one error per blank roster cell that named the cell, not the option, and showed no value."""
    from asm_xl.model.parameters import performance_years
    years = performance_years()
    try:
        value = int(text)
    except ValueError:
        value = None
    if value not in years:
        raise argparse.ArgumentTypeError(f"{text!r} is not allowed (a performance year {years[0]}-{years[-1]})")
    return value


def year_note(roster, year: int | None) -> str | None:
    """A note when ``--year`` changes nothing: every roster row gives its own performance year (the option
    only fills blank cells, and a run that wrote 2027 everywhere after ``--year 2029`` said nothing)."""
    if year is None or not len(roster):
        return None
    column = roster["performance_year"] if "performance_year" in roster.columns else None
    if column is None or column.astype(str).str.strip().eq("").any():
        return None
    return (f"note: --year {year} changes nothing: every row of the roster gives its performance year "
            "(--year fills only blank performance_year cells)")


def workbook_files(files: list, *, writes: bool = False) -> tuple[list, int]:
    """(``files`` without Excel's lock files (``~$name.xlsx`` under 1 kB, which ``*.xlsx`` matches while a
    workbook is open in Excel), how many workbooks were left out as open in Excel), each one said on stderr;
    a file given again (under the same or another name) is left out; every other name is kept, to be read or
    refused. Where the files are to be written (``writes``), a
    workbook with a lock file beside it is left out too: Excel holds it open, and its next save would
    replace what asm-xl wrote (on a shared drive the rename may fail)."""
    kept, open_in_excel, seen = [], 0, {}
    for f in files:
        real = os.path.realpath(f)
        if real in seen:   # a.xlsx a.xlsx ./a.xlsx: one file, done once (it was rewritten once per name)
            print(f"{f}: skipped: the same file as {seen[real]}, given before", file=sys.stderr)
            continue
        seen[real] = f
        if is_lock_file(f):
            print(f"{f}: skipped: Excel's lock file (its workbook is open in Excel), not a workbook", file=sys.stderr)
        elif writes and (lock := excel_lock_file(f)) is not None:
            open_in_excel += 1
            print(f"{f}: skipped: open in Excel ({lock} beside it): close it there and run again (Excel's next save "
                  "would replace the recalculated values; a lock file left by a crash: delete it)", file=sys.stderr)
        else:
            kept.append(f)
    return kept, open_in_excel


def filter_text(text: str) -> str:
    """A filter option's text: not blank (a blank filter, an unset shell variable, matched every row: the
    whole national list of 6,510 physicians became the practice's roster)."""
    if not text.strip().strip(","):
        raise argparse.ArgumentTypeError("is blank: give the text to match, or leave the option out")
    return text


def file_name(text: str) -> str:
    """A file option's name (``--ladders``): not blank (``--ladders "$UNSET"`` scored on the MIPS ladders without a
    word, as if the option were left out)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("is blank: give the file, or leave the option out")
    return text


def npi_filter(text: str) -> str:
    """An --npi option's text: one NPI or several separated by commas, each a valid NPI (10 digits, Luhn check
    digit), else a usage error naming it (exit 2, as any wrong option; it was exit 1, "nothing matched")."""
    from asm_xl.model.identifiers import npi_problem
    text = filter_text(text)
    for n in (n.strip() for n in text.split(",")):
        if n and npi_problem(n):
            raise argparse.ArgumentTypeError(f"{n!r} is not allowed ({npi_problem(n)})")
    return text


def finite_number(text: str) -> float:
    """An option's number: finite (``nan`` and ``inf`` are not numbers a pool can take; float() reads them)."""
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(x):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return x
