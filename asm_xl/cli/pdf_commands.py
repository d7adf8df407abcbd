"""asm-xl pdf FILES... and generate/demo --pdf: workbooks to PDF with LibreOffice
(:mod:`asm_xl.workbooks.pdf`). Exit code 4 when LibreOffice is missing or fails (the .xlsx files are
there all the same)."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path

__all__ = ["add_pdf_parser", "run_pdf", "generated_pdfs", "PDF_FAILED"]

PDF_FAILED = 4   #: exit code: a PDF was asked for and LibreOffice is missing or could not make it


def add_pdf_parser(sub) -> None:
    p = sub.add_parser("pdf", formatter_class=argparse.RawDescriptionHelpFormatter,
                       help="print workbooks (the dashboard, physicians' workbooks) to PDF with LibreOffice",
                       epilog="exit codes: 0 every PDF written; 1 a file is missing or not a workbook, a PDF "
                              "is there already (--overwrite replaces it) or two files would make the same PDF; "
                              "4 LibreOffice (soffice) is not installed or could not convert (install "
                              "libreoffice-calc, or open the .xlsx in Excel and print)")
    p.add_argument("files", nargs="+", help=".xlsx / .xlsm files")
    p.add_argument("--out", help="folder for the PDFs (default: beside each file)")
    p.add_argument("--overwrite", action="store_true", help="replace PDFs that are already there")


def run_pdf(args) -> int:
    from asm_xl.workbooks.pdf import PDFError, to_pdfs
    from asm_xl.xlsx.near_names import near_name
    missing = [f for f in args.files if not Path(f).is_file()]
    if missing:
        what = "a folder, not a workbook" if Path(missing[0]).is_dir() else "no such file"
        hint = "" if Path(missing[0]).is_dir() else near_name(Path(missing[0]))
        print(f"asm-xl: {what}: {missing[0]}{hint}" + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""),
              file=sys.stderr)
        return 1
    # each file's PDF: two files of one name into one --out folder made one PDF (the second replaced the
    # first, both said "written"), and a PDF already there was replaced without a word
    targets: dict = {}
    for f in args.files:
        pdf = (Path(args.out) if args.out else Path(f).parent) / (Path(f).stem + ".pdf")
        if pdf.resolve() in targets:
            print(f"asm-xl: {targets[pdf.resolve()]} and {f} would both be printed to {pdf}: give them separate "
                  "--out folders; no PDF written", file=sys.stderr)
            return 1
        targets[pdf.resolve()] = f
    there = [str(p) for p in targets if p.exists()]
    if there and not args.overwrite:
        print(f"asm-xl: {there[0]} is there already" + (f" (and {len(there) - 1} more)" if len(there) > 1 else "")
              + ": add --overwrite to replace it, or choose another --out; no PDF written", file=sys.stderr)
        return 1
    try:   # a file that is no workbook asm-xl opens is said and left out; the others are printed (one stopped all)
        pdfs, refused = to_pdfs(args.files, args.out)
    except PDFError as e:
        print(f"asm-xl: {e}", file=sys.stderr)
        return PDF_FAILED
    except OSError as e:   # a PDF could not be put in place: said by asm-xl's main (exit 3)
        if there:
            e.strerror = f"{e.strerror}; a PDF of theirs already there is an earlier one"
        raise
    for pdf in pdfs:
        print(f"PDF written: {pdf}")
    for f, why in refused.items():
        print(f"asm-xl: {why} (asm-xl pdf prints .xlsx/.xlsm workbooks); no PDF of {f}", file=sys.stderr)
    return 1 if refused else 0


def generated_pdfs(report) -> int:
    """After generate/demo --pdf: the dashboard's PDF and each written workbook's, beside them.
    Returns 0, or :data:`PDF_FAILED` (said on one line)."""
    from asm_xl.workbooks.pdf import PDFError, to_pdf
    from asm_xl.xlsx.errors import WorkbookError
    files = ([report.dashboard] if report.dashboard else []) + list(report.written)
    if not files:
        return 0
    try:
        pdfs = to_pdf(files)
    except (PDFError, WorkbookError) as e:
        print(f"asm-xl: {e}", file=sys.stderr)
        return PDF_FAILED
    except OSError as e:   # a PDF could not be put in place (a full disk): one older than its workbook is not its print
        stale = _older_pdfs_removed(files)
        if stale:
            e.strerror = f"{e.strerror}; {stale} earlier PDF(s) of this run's workbooks removed"
        raise
    print(f"{len(pdfs)} PDF(s) written beside the workbooks" + (f"; dashboard: {pdfs[0]}" if report.dashboard else ""))
    return 0


def _older_pdfs_removed(files) -> int:
    """Remove each PDF beside ``files`` (workbooks this run wrote) that is older than its workbook: the print of an
    earlier run's numbers. Returns how many were removed."""
    removed = 0
    for f in map(Path, files):
        pdf = f.with_suffix(".pdf")
        with contextlib.suppress(OSError):
            if pdf.stat().st_mtime_ns < f.stat().st_mtime_ns:
                os.unlink(pdf)
                removed += 1
    return removed
