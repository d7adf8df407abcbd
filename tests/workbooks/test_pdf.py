"""Workbooks to PDF (asm_xl.workbooks.pdf): the PDF shows the values the workbook stores."""
from __future__ import annotations

import shutil
import subprocess

import openpyxl
import pytest

from asm_xl.workbooks.pdf import find_soffice, to_pdf
from asm_xl.xlsx.writer import write_cached_values


def test_a_saved_asm_error_prints_as_saved_not_as_libreoffices_name_error(tmp_path):
    if find_soffice() is None or shutil.which("pdftotext") is None:
        pytest.skip("LibreOffice (soffice) or pdftotext is not installed")
    path = tmp_path / "book.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"], ws["B1"] = "Cost", "=ASM_COST_SCORE(12)"
    ws["A2"], ws["B2"] = "Episodes", "=6*2"
    wb.save(path)
    write_cached_values(path, {("Sheet", "B1"): "#N/A", ("Sheet", "B2"): 12})
    [pdf] = to_pdf([path], tmp_path / "pdf")
    assert pdf == tmp_path / "pdf" / "book.pdf"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "#NAME?" not in text
    assert [line.split() for line in text.splitlines() if line.strip()] == [
        ["Cost", "#N/A"], ["Episodes", "12"]]
    assert sorted(tmp_path.iterdir()) == [path, tmp_path / "pdf"]  # no values-only copy left beside it
    assert list((tmp_path / "pdf").iterdir()) == [pdf]


def _fake_soffice(tmp_path, writes: bool):
    """A stand-in for LibreOffice that exits 0 and writes a PDF of each file into --outdir (``writes``), or
    writes nothing, as LibreOffice does when its write fails (a full disk, a folder it cannot write)."""
    script = tmp_path / "fake-soffice"
    body = ('out=""; prev=""; for a in "$@"; do [ "$prev" = "--outdir" ] && out="$a"; prev="$a"; done\n'
            'for a in "$@"; do case "$a" in *.xlsx) n=$(basename "$a" .xlsx); printf "%%PDF-new" > "$out/$n.pdf";; '
            'esac; done\n') if writes else ""
    script.write_text("#!/bin/sh\n" + body + "exit 0\n")
    script.chmod(0o755)
    return str(script)


def _workbook(path):
    wb = openpyxl.Workbook()
    wb.active["A1"] = 1
    wb.save(path)
    return path


def test_a_pdf_of_an_earlier_run_is_never_taken_for_this_runs(tmp_path):
    # LibreOffice wrote into the target folder and exited 0 whatever happened: an earlier PDF there passed for new
    from asm_xl.workbooks.pdf import PDFError
    book = _workbook(tmp_path / "book.xlsx")
    (tmp_path / "book.pdf").write_bytes(b"%PDF-old")
    with pytest.raises(PDFError, match="LibreOffice wrote no PDF"):
        to_pdf([book], soffice=_fake_soffice(tmp_path, writes=False))
    assert (tmp_path / "book.pdf").read_bytes() == b"%PDF-old"
    [pdf] = to_pdf([book], soffice=_fake_soffice(tmp_path, writes=True))
    assert pdf == tmp_path / "book.pdf" and pdf.read_bytes() == b"%PDF-new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.pdf", "book.xlsx", "fake-soffice"]


def test_a_pdf_that_cannot_be_put_in_place_is_an_oserror_naming_it_and_how_many_were(tmp_path):
    first, second = _workbook(tmp_path / "a.xlsx"), _workbook(tmp_path / "b.xlsx")
    (tmp_path / "out" / "b.pdf").mkdir(parents=True)   # a folder where b's PDF goes
    with pytest.raises(OSError) as caught:
        to_pdf([first, second], tmp_path / "out", soffice=_fake_soffice(tmp_path, writes=True))
    assert caught.value.filename == str(tmp_path / "out" / "b.pdf")
    assert caught.value.strerror.endswith("1 of 2 PDF(s) written before it, the others not")
    assert (tmp_path / "out" / "a.pdf").read_bytes() == b"%PDF-new"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.pdf", "b.pdf"]   # no temporary file left


def test_generate_pdf_failing_removes_the_earlier_pdfs_of_workbooks_it_rewrote(tmp_path):
    import os

    from asm_xl.cli.pdf_commands import _older_pdfs_removed
    rewritten, untouched = _workbook(tmp_path / "a.xlsx"), _workbook(tmp_path / "b.xlsx")
    (tmp_path / "a.pdf").write_bytes(b"%PDF-old")
    (tmp_path / "b.pdf").write_bytes(b"%PDF-new")
    os.utime(tmp_path / "a.pdf", ns=(1, 1))                                 # printed before a.xlsx was written
    later = os.stat(untouched).st_mtime_ns + 10**9
    os.utime(tmp_path / "b.pdf", ns=(later, later))                         # printed after b.xlsx
    assert _older_pdfs_removed([rewritten, untouched]) == 1
    assert not (tmp_path / "a.pdf").exists() and (tmp_path / "b.pdf").read_bytes() == b"%PDF-new"
