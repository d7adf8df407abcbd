"""What every asm-xl command says the same way: warnings (one line each, on stderr) and a file that
could not be written (one line: which file, why, what to do)."""

from __future__ import annotations

import errno
import os
import sys
import unicodedata
from pathlib import Path

from asm_xl.xlsx.lock_files import excel_lock_file

__all__ = ["errors_summary", "console_text", "print_warnings", "write_failure", "kept_output", "tolerant_streams", "overwrites_input", "csv_output",
           "foreign_report", "replaces_what_generate_reads"]


def print_warnings(*groups) -> None:
    """Each warning of ``groups`` (lists of text: the roster's, the scoring's ...) once, in order, as
    ``warning: ...`` on stderr."""
    for w in dict.fromkeys(w for group in groups for w in group or ()):
        print(f"warning: {w}", file=sys.stderr)


def kept_output(path, overwrite: bool, holds: str) -> bool:
    """Whether a command must keep ``path`` (it exists and ``--overwrite`` was not given, as generate
    keeps workbooks): if so, says so in one line on stderr (the file, what it may hold, what to do)."""
    if overwrite or not Path(path).exists():
        return False
    print(f"asm-xl: {path} exists (it may hold {holds}): choose another --out or add --overwrite", file=sys.stderr)
    return True


def csv_output(path, option: str, what: str) -> bool:
    """Whether ``path`` (the file ``option`` names, where the command writes ``what`` as CSV) is refused
    for not ending in .csv: CSV text under an .xlsx name replaced a physician's workbook. Says so on stderr."""
    if path is None or Path(path).suffix.casefold() == ".csv":
        return False
    print(f"asm-xl: {option} {path}: {what} is written as CSV; name it .csv", file=sys.stderr)
    return True


def foreign_report(path, overwrite: bool, is_report, option: str = "--errors") -> bool:
    """Whether the error report's file ``path`` must be kept: it exists, it is not an error report asm-xl
    wrote (``is_report(path)`` false: a roster named by mistake, which the run would replace or, with no
    rows rejected, remove) and ``--overwrite`` was not given. Says so on stderr."""
    if overwrite or path is None or not os.path.exists(path) or is_report(path):
        return False
    print(f"asm-xl: {option} {path} exists and is not an error report asm-xl wrote: choose another {option} "
          "or add --overwrite", file=sys.stderr)
    return True


def overwrites_input(path, inputs, option: str = "--out") -> bool:
    """Whether writing ``path`` would replace one of the files the command reads (``inputs``: the
    roster, ...; the same file by any name or link): if so, says so in one line on stderr. An input is
    never overwritten: ``asm-xl score roster.csv --out roster.csv`` replaced the roster with scores."""
    from asm_xl.workbooks.filenames import same_file_as_any
    if path is None or not os.path.exists(path):
        return False
    for given in inputs:
        if same_file_as_any(path, [given]):
            print(f"asm-xl: {option} {path} is {given}, which this command reads: choose another file "
                  "(an input is never overwritten)", file=sys.stderr)
            return True
    return False


def write_failure(e: OSError, option: str | None = "--out") -> str:
    """The one line for a file that could not be written: the file (the target asm-xl was writing,
    never its temporary file: :mod:`asm_xl.xlsx.atomic` names it), why, and what to do; ``option``
    is the option that chose that file (None: the command writes the files it was given, as recalc)."""
    target = e.filename
    elsewhere = f", or choose another with {option}" if option else ""
    folder = os.path.dirname(os.path.abspath(target)) if target else None
    if e.errno == errno.ENOENT and folder and not os.path.isdir(folder):
        why = f"the folder {folder} does not exist (create it{elsewhere})"
    elif e.errno == errno.ENOTDIR and target:
        blocker = next((p for p in Path(target).parents if p.exists()), None)
        why = (f"{blocker} is a file, not a folder" if blocker is not None and not blocker.is_dir()
               else "a part of the path is not a folder") + (f" (choose another path with {option})" if option else "")
    elif e.errno in (errno.EACCES, errno.EPERM) and target and excel_lock_file(target):
        why = f"{e.strerror}: it is open in Excel (close it there and run again{elsewhere})"   # Windows' lock
    elif e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        why = f"{e.strerror} (make the folder writable{elsewhere})"
    elif e.errno == errno.EISDIR:
        why = f"it is a folder (name a file{f' with {option}' if option else ''})"
    elif e.errno == errno.EEXIST and target and os.path.isfile(target):
        why = f"it is a file, not a folder (name a folder{f' with {option}' if option else ''})"
    elif e.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        why = f"{e.strerror or e} (free disk space{elsewhere})"
    else:
        why = f"{e.strerror or e}{f' (choose another with {option})' if option else ''}"
    return f"asm-xl: cannot write{f' {target}' if target else ''}: {why}; nothing was left half-written"


def tolerant_streams(*streams) -> None:
    """Let the console print any name: a character the stream's encoding lacks becomes "?" instead of
    a UnicodeEncodeError (a traceback, after the work was done). Python writes UTF-8 in the C locale,
    but not to a Latin-1 locale, ``PYTHONIOENCODING=ascii`` or a Windows console redirected to a file
    (cp1252 has no "ễ" of "Nguyễn"). Default: stdout and stderr."""
    for stream in streams or (sys.stdout, sys.stderr):
        if getattr(stream, "errors", None) == "strict" and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")


#: characters a terminal acts on instead of showing: controls (ESC sequences recolour or move the
#: cursor), format characters (right-to-left overrides reorder the line, zero widths hide), separators
_HIDDEN = frozenset(("Cc", "Cf", "Zl", "Zp"))


def console_text(text: object, limit: int = 60) -> str:
    """A roster's text as the console shows it: each control or format character as its escape
    (``\\x1b``, ``\\u202e``), never acted on, and at most ``limit`` characters (a 5,000-character name
    padded every row of a table to 5,000 columns), cut with "...".

    >>> console_text("\\x1b[31mred"), console_text("abc\\u202eevil"), console_text("x" * 70, limit=10)
    ('\\\\x1b[31mred', 'abc\\\\u202eevil', 'xxxxxxx...')
    """
    text = "" if text is None else str(text)
    if not text.isprintable() or len(text) > limit:
        text = "".join(ch.encode("unicode_escape").decode("ascii") if unicodedata.category(ch) in _HIDDEN else ch
                       for ch in text)
        if len(text) > limit:
            text = text[:limit - 3] + "..."
    return text


def replaces_what_generate_reads(args, roster) -> bool:
    """Whether one of the files generate writes beside the workbooks (the error report, the index, the
    dashboard) is the roster, the template or the CMS file it reads, or the error report's name holds a
    file asm-xl did not write: said in one line, naming the file generate writes and what it is. (generate
    wrote its error report over a roster kept as out/roster_errors.csv, and over a user's own file of that
    name; the refusal read "--out ovr/asm_index.xlsx is ovr/asm_index.xlsx" where --out was ovr.)"""
    from asm_xl.roster.report import is_error_report
    from asm_xl.workbooks.batch import ERRORS_NAME, INDEX_NAME
    from asm_xl.workbooks.dashboard import DASHBOARD_NAME
    from asm_xl.workbooks.filenames import same_file_as_any
    inputs = [f for f in (roster, args.template, args.cms_participants) if isinstance(f, (str, os.PathLike))]
    for name, what in ((ERRORS_NAME, "error report"), (INDEX_NAME, "index"), (DASHBOARD_NAME, "dashboard")):
        path = os.path.join(args.out, name)
        given = next((g for g in inputs if os.path.exists(path) and same_file_as_any(path, [g])), None)
        if given is not None:
            print(f"asm-xl: generate writes its {what} to {path}, and {given} is that file, which this command "
                  "reads: choose another --out, or move or rename the file (an input is never overwritten)",
                  file=sys.stderr)
            return True
    return foreign_report(os.path.join(args.out, ERRORS_NAME), args.overwrite, is_error_report, "--out")


def errors_summary(errors) -> str:
    """The roster's rejected rows on screen (:func:`asm_xl.roster.summarize_errors`), with the option that
    mends the commonest of them: a roster without its performance years takes ``--year``."""
    from asm_xl.roster import summarize_errors
    text = summarize_errors(errors)
    if not len(errors):
        return text
    no_year = set(errors.loc[(errors["column"] == "performance_year")
                             & errors["reason"].astype(str).str.startswith("required"), "row"])
    no_npi = set(errors.loc[(errors["column"] == "npi") & errors["reason"].astype(str).str.startswith("required"), "row"])
    if no_year - no_npi:   # a row with no NPI either (a totals row, a note) is no physician whose year is missing
        text += "\n  the roster leaves performance_year blank: give it with --year YEAR (e.g. --year 2027)"
    return text


ERRORS_HELP = ("where rejected rows are reported (default: roster_errors.csv in the current folder); replaced by each "
               "run, removed when no row is rejected")


def errors_option_refused(args, output: str) -> bool:
    """--errors names the roster, the --out file (which holds ``output``), or a file that is not CSV: said, and
    True (exit 1)."""
    if overwrites_input(args.errors, [args.roster], "--errors"):
        return True
    if args.out and os.path.abspath(args.out) == os.path.abspath(args.errors):
        print(f"asm-xl: --out and --errors both name {args.out}: the error report would replace {output}; "
              "choose two files", file=sys.stderr)
        return True
    return csv_output(args.errors, "--errors", "the error report")


def report_rejected(errors, path, overwrite: bool) -> int:
    """The roster's rejected rows: summarized on screen and written to ``path`` (an earlier run's report there
    removed when none is rejected). Exit code: 0 none rejected, 2 rows rejected, 1 ``path`` is a file of the
    user's (not an error report; --overwrite replaces it), 3 the report could not be written."""
    from asm_xl.roster import report_rejected_rows
    from asm_xl.roster.report import is_error_report
    # a file of the user's under the report's name stops the run only where a report is to be written
    if len(errors) and foreign_report(path, overwrite, is_error_report):
        print(errors_summary(errors), file=sys.stderr)
        return 1
    try:
        report = report_rejected_rows(errors, Path(path))
    except OSError as e:
        print(write_failure(e, "--errors"), file=sys.stderr)
        return 3
    if report is None:
        return 0
    print(errors_summary(errors), file=sys.stderr)
    print(f"error report: {report}", file=sys.stderr)
    return 2
