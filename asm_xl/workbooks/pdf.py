"""Workbooks to PDF with LibreOffice (``soffice --headless --convert-to pdf``), as each sheet's print
setup lays it out (the dashboard: landscape, one page wide, header row repeated), showing the
values the workbook stores: LibreOffice converts a copy with the formulas removed
(:func:`~asm_xl.xlsx.values_only.values_only_package`), because it recalculates a cell whose saved
value is an error and, not knowing the ASM_* functions, would print ``#NAME?`` where the file says
``#N/A``.

LibreOffice runs with a private, throw-away user profile (``-env:UserInstallation``), so it neither
disturbs nor waits for a LibreOffice the user has open, and within a time limit. Failures are
:class:`PDFError` with a one-line message; no LibreOffice is :class:`PDFUnavailable`, which says
what to do instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from asm_xl.xlsx.atomic import write_atomic
from asm_xl.xlsx.errors import WorkbookError
from asm_xl.xlsx.values_only import values_only_package

__all__ = ["to_pdf", "to_pdfs", "find_soffice", "PDFError", "PDFUnavailable", "MISSING_MESSAGE"]

MISSING_MESSAGE = ("PDF needs LibreOffice (soffice), not found on PATH: install it (apt-get install "
                   "libreoffice-calc) or open the .xlsx in Excel and print")


class PDFError(Exception):
    """A PDF could not be made (one line: which file, why)."""


class PDFUnavailable(PDFError):
    """LibreOffice is not installed (or not on PATH)."""


def find_soffice() -> str | None:
    """The LibreOffice program on PATH (``soffice`` or ``libreoffice``), None when there is none."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_pdf(paths, out_dir=None, *, timeout: float | None = None, soffice: str | None = None) -> list[Path]:
    """Convert ``paths`` (.xlsx/.xlsm) to PDFs in ``out_dir`` (default: beside each file); returns
    the PDFs, in the order of ``paths``, each showing the workbook's saved values (a copy without
    formulas is converted). One LibreOffice run per output folder; ``timeout`` (default
    60 s + 10 s a file) bounds it. Raises :class:`PDFUnavailable` without LibreOffice,
    :class:`PDFError` when a file is missing or was not converted, and, before LibreOffice runs,
    :class:`~asm_xl.xlsx.errors.WorkbookError` for a file that is not a workbook asm-xl can open
    (making its values-only copy opens it with :func:`~asm_xl.xlsx.limits.open_workbook`'s checks:
    LibreOffice would say only that it wrote no PDF): then no PDF is made. :func:`to_pdfs` makes the others'."""
    return _pdfs(paths, out_dir, timeout, soffice, every=True)[0]


def to_pdfs(paths, out_dir=None, *, timeout: float | None = None,
            soffice: str | None = None) -> tuple[list[Path], dict[Path, str]]:
    """:func:`to_pdf` of a batch where one bad file does not stop the others: (the PDFs made, in the order of
    ``paths``; {file: why} of each file that is not a workbook asm-xl can open, left out before LibreOffice runs).
    Raises as :func:`to_pdf` for a missing file, without LibreOffice, or when LibreOffice fails."""
    return _pdfs(paths, out_dir, timeout, soffice, every=False)


def _pdfs(paths, out_dir, timeout, soffice, every: bool) -> tuple[list[Path], dict[Path, str]]:
    files = [Path(p) for p in paths]
    for f in files:
        if not f.is_file():
            raise PDFError(f"{f}: no such file")
    refused: dict[Path, str] = {}
    with tempfile.TemporaryDirectory(prefix="asm-xl-pdf-") as tmp:
        # each file's values-only copy, in a folder of its own so that its PDF is named as the file; making
        # it opens the workbook with asm-xl's checks (WorkbookError for a file that is not one), before
        # LibreOffice runs
        copies = {}
        for i, f in enumerate(files):
            (Path(tmp) / str(i)).mkdir()
            try:
                values_only_package(f, Path(tmp) / str(i) / f.name)
            except WorkbookError as e:
                if every:
                    raise
                refused[f] = str(e)
                continue
            copies[i] = Path(tmp) / str(i) / f.name
        if not copies:
            return [], refused
        program = soffice or find_soffice()
        if program is None:
            raise PDFUnavailable(MISSING_MESSAGE)
        groups: dict[Path, list[int]] = {}
        for i in copies:
            groups.setdefault(Path(out_dir) if out_dir else files[i].parent, []).append(i)
        made = {}
        for k, (folder, group) in enumerate(groups.items()):
            # LibreOffice writes into a folder of ours: a PDF of an earlier run at the target passed for this run's
            # (exit 0 over a full disk or a read-only folder: LibreOffice says nothing of a write that failed)
            staging = Path(tmp) / f"pdf{k}"
            staging.mkdir()
            _convert(program, [copies[i] for i in group], staging,
                     timeout if timeout is not None else 60.0 + 10.0 * len(group))
            for f in (files[i] for i in group):
                pdf = staging / (f.stem + ".pdf")
                if not pdf.is_file() or pdf.stat().st_size == 0:
                    raise PDFError(f"{f}: LibreOffice wrote no PDF (is it a workbook LibreOffice can open?)")
                made[f] = (pdf, folder / (f.stem + ".pdf"))
        out = _placed([made[f] for f in files if f in made])
    return out, refused


def _placed(pdfs: list[tuple[Path, Path]]) -> list[Path]:
    """Each (made, target) PDF put in place atomically (:func:`~asm_xl.xlsx.atomic.write_atomic`); an OSError
    names the target and says how many were put in place before it."""
    done = []
    for made, target in pdfs:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            done.append(write_atomic(target, made.read_bytes()))
        except OSError as e:
            if e.filename is None:
                e.filename = os.fspath(target)
            e.strerror = f"{e.strerror or e}; {len(done)} of {len(pdfs)} PDF(s) written before it, the others not"
            raise
    return done


def _convert(program: str, files: list[Path], folder: Path, timeout: float) -> None:
    with tempfile.TemporaryDirectory(prefix="asm-xl-lo-") as profile:
        cmd = [program, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore",
               "--convert-to", "pdf", "--outdir", os.fspath(folder), *map(os.fspath, files)]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise PDFError(f"LibreOffice did not finish within {timeout:.0f} s converting {len(files)} file(s) "
                           "(a LibreOffice dialog waiting? try fewer files)") from None
        except OSError as e:
            raise PDFError(f"could not run LibreOffice ({program}): {e.strerror or e}") from None
    if done.returncode != 0:
        why = " ".join((done.stderr or done.stdout or "").split())[:200] or f"exit code {done.returncode}"
        raise PDFError(f"LibreOffice could not convert to PDF: {why}")
