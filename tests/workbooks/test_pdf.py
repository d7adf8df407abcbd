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
