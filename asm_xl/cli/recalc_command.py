"""``asm-xl recalc``: recalculate workbooks without Excel, one line per file.

A file that cannot be read (missing, not a workbook, a path the system refuses) or cannot be
written (permission, open in Excel) is said on its own line and the batch goes on; exit 1 for
what could not be read, 3 for what could not be written. A full disk stops the batch (each later
file would fail the same way): every workbook is left as it was."""

from __future__ import annotations

import errno
import os
import re
import sys
import warnings
import zipfile
import zlib
from xml.etree.ElementTree import ParseError
from xml.parsers.expat import ExpatError

from defusedxml import DefusedXmlException

from asm_xl.cli.arguments import workbook_files
from asm_xl.cli.output import write_failure

__all__ = ["run_recalc", "RECALC_CHUNK"]

#: workbooks whose batched calls (ASM_ACTIONS ...) are computed together before each is recalculated
RECALC_CHUNK = 256

#: a full disk: every later file would fail the same way, so the batch stops
_DISK_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}


def run_recalc(args) -> int:
    from asm_xl.calc.recalc import Recalculator, recalc_file
    from asm_xl.xlsx.atomic import file_stamp_or_none as _stamp   # None: the file's own line says why
    from asm_xl.workbooks.ctrl_c import ctrl_c_noted
    cache = Recalculator()
    done: dict = {}
    files, open_in_excel = workbook_files(args.files, writes=not args.check)
    # a workbook you made read-only is not replaced behind your back (the rename would succeed on Linux)
    read_only = [] if args.check else [f for f in files if os.path.isfile(f) and not os.access(f, os.W_OK)]
    for f in read_only:
        print(f"{f}: skipped: read-only (protected from changes): make it writable to recalculate it, or compare "
              "only: asm-xl recalc --check", file=sys.stderr)
    if read_only:
        skipped = set(read_only)
        files = [f for f in files if f not in skipped]
    status = 3 if read_only else 1 if open_in_excel else 0
    tally = {"changed": 0, "unchanged": 0, "differ": 0, "match": 0, "failed": 0}
    # Ctrl-C raised where it comes; one dropped in a __del__ (Python prints it and goes on) stops before the next file
    with ctrl_c_noted() as ctrl_c:
        for k, f in enumerate(files):
            ctrl_c.check()
            if k % RECALC_CHUNK == 0:
                chunk = files[k:k + RECALC_CHUNK]
                # each file as it was before asm-xl read it: unchanged after, its values were right already
                read_as = {os.fspath(g): _stamp(g) for g in chunk}
                if args.engine == "auto" and len(files) > 1:
                    # the chunk computed together (its actions etc. in one batch, each file read once)
                    try:
                        done = cache.recalc_many(chunk, check=args.check)
                    except OSError:   # each file alone then, its own line saying what went wrong
                        done = {}
            try:
                with warnings.catch_warnings(record=True) as caught:  # one line each, not Python's two
                    warnings.simplefilter("always")
                    result = done.pop(os.fspath(f)) if os.fspath(f) in done else \
                        recalc_file(f, check=args.check, cache=cache, engine=args.engine)
                for w in caught:
                    print(f"{f}: warning: {w.message}", file=sys.stderr)
            except KeyboardInterrupt:
                raise
            except OSError as e:
                if e.errno in _DISK_FULL:
                    raise   # one line for the batch (asm-xl's main): nothing half-written, the rest untouched
                line, code = _os_failure(f, e)
                print(line, file=sys.stderr)
                status = max(status, code)
                tally["failed"] += 1
                continue
            except Exception as e:  # noqa: BLE001 - a workbook we cannot read or compute must not stop the batch
                line, code = recalc_failure(f, e)
                print(line, file=sys.stderr)
                status = max(status, code)
                tally["failed"] += 1
                continue
            if args.check:
                tally["differ" if result else "match"] += 1
                if result:
                    status = max(status, 1)
                    print(f"{f}: {len(result)} cell(s) differ")
                    for d in result[:20]:
                        print(f"  {d.sheet}!{d.cell}: cached {d.cached!r}, fresh {d.fresh!r}")
                else:
                    print(f"{f}: cached values match")
            else:
                same = _stamp(f) == read_as.get(os.fspath(f)) is not None
                tally["unchanged" if same else "changed"] += 1
                print(f"{f}: {result} formula cell(s) recalculated" + ("; every cached value was already right: "
                                                                      "the file is unchanged" if same else ""))
            bad = cache.named_errors(f)
            if bad:
                shown = ", ".join(f"{name} ({sheet}!{cell}) {value}" for name, sheet, cell, value in bad[:4])
                print(f"{f}: warning: {len(bad)} result(s) hold an error value (an input not allowed?): {shown}"
                      f"{' ...' if len(bad) > 4 else ''}; the Score sheet's Why column (ASM_WHY) says why", file=sys.stderr)
    given = len(files) + len(read_only) + open_in_excel   # every workbook named, those skipped too
    if given > 1:   # a folder's worth of lines: the count at the end
        said = (("differ", "with differences"), ("match", "matching")) if args.check else (
            ("changed", "recalculated and rewritten"), ("unchanged", "already right (unchanged)"))
        print(f"{given} workbook(s): " + ", ".join(f"{tally[k]} {w}" for k, w in said)
              + (f", {tally['failed']} not done (above)" if tally["failed"] else "")
              + (f", {open_in_excel} skipped: open in Excel (above)" if open_in_excel else "")
              + (f", {len(read_only)} skipped: read-only (above)" if read_only else ""))
    return status


def _os_failure(f, e: OSError) -> tuple[str, int]:
    """The line and exit code for a file the system refused: 1 it could not be read (a path that is not
    a file: missing, a part of it not a folder, a name too long, a loop of links, no permission to read),
    3 it was read but could not be written."""
    try:
        with open(f, "rb"):
            readable = True
    except OSError as why:
        readable = False
        e = why
    if not readable:
        return f"{f}: cannot read: {e.strerror or e}; nothing was written", 1
    if not e.filename:
        e.filename = os.fspath(f)
    return write_failure(e, None), 3


def recalc_failure(f, e: Exception) -> tuple[str, int]:
    """The line and the exit code for a file ``asm-xl recalc`` could not do: 1 it could not be read (missing,
    not a workbook, corrupt: a part that is not well-formed XML or a zip member that does not inflate, over
    the limits), 3 it changed while asm-xl worked (not written), 2 it was read but cannot be recalculated."""
    from asm_xl.xlsx.atomic import FileChangedError
    from asm_xl.xlsx.errors import WorkbookError
    untouched = "; the file is left untouched" if os.path.isfile(f) else ""
    if isinstance(e, FileChangedError):
        return f"{f}: {e}", 3
    if isinstance(e, WorkbookError):
        return f"{f}: {e}{untouched}", 1
    if isinstance(e, DefusedXmlException):   # a DTD or entities a reader met past the package check
        return (f"{f}: workbook refused: {f} declares a DTD or entities (possible XML attack; Excel never writes "
                f"them){untouched}"), 1
    if isinstance(e, (ParseError, ExpatError)):  # the formulas engine's reader met XML that does not parse
        return f"{f}: corrupt workbook: {f} (a part is not well-formed XML: {_one_line(e)}){untouched}", 1
    if isinstance(e, (zipfile.BadZipFile, zlib.error)):
        return f"{f}: corrupt workbook: {f} ({_one_line(e)}){untouched}", 1
    if isinstance(e, MemoryError):
        return (f"{f}: could not recalculate: not enough memory (a workbook's formulas or ranges too large to compute "
                f"here: bound its ranges, or recalculate it in Excel){untouched}"), 2
    if isinstance(e, RecursionError):
        return (f"{f}: could not recalculate: a formula nested too deeply to compute here (thousands of terms or "
                f"parentheses in one formula: split it, or recalculate it in Excel){untouched}"), 2
    said = _one_line(e)
    dde = _DDE.search(said)
    if dde:   # =cmd|' /C calc'!A0: Excel asks before it starts another program; asm-xl starts none
        return (f"{f}: could not recalculate: {dde.group(1)} links to another program (a DDE link, which asm-xl "
                f"never runs: remove it, or recalculate in Excel){untouched}"), 2
    return f"{f}: could not recalculate ({type(e).__name__}: {said}){untouched}", 2


#: a DDE link in a formula the formulas library refused: program|'topic'!item
_DDE = re.compile(r"Not a valid formula: (=?[^|\s]*\s*\|\s*'?[^']*'?![^\s)]*)")


def _one_line(e: Exception) -> str:
    """An exception's message on one line; ("... %s", value) arguments, as the formulas library
    raises them, formatted."""
    args = e.args
    text = str(e)
    if len(args) >= 2 and isinstance(args[0], str) and args[0].count("%s") == len(args) - 1:
        text = args[0] % tuple(args[1:])
    return " ".join(text.split())[:300]
