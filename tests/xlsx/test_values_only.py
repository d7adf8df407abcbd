"""A workbook without its formulas, each cell keeping its saved value (asm_xl.xlsx.values_only): what
``asm-xl pdf`` gives LibreOffice, so the PDF shows the values the file stores."""
from __future__ import annotations

import zipfile

import openpyxl
import pytest

from asm_xl.xlsx.values_only import values_only_package, values_only_sheet
from asm_xl.xlsx.writer import write_cached_values

CALC_CHAIN_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/calcChain"


def _with_calc_chain(path):
    """Add a calculation chain (member, relationship, content type) as Excel saves one."""
    with zipfile.ZipFile(path) as zin:
        members = {i.filename: zin.read(i) for i in zin.infolist()}
    rels = members["xl/_rels/workbook.xml.rels"].decode()
    members["xl/_rels/workbook.xml.rels"] = rels.replace(
        "</Relationships>", f'<Relationship Id="rIdChain" Type="{CALC_CHAIN_TYPE}" Target="calcChain.xml"/>'
                            "</Relationships>").encode()
    types = members["[Content_Types].xml"].decode()
    members["[Content_Types].xml"] = types.replace(
        "</Types>", '<Override PartName="/xl/calcChain.xml" ContentType="application/vnd.openxmlformats-'
                    'officedocument.spreadsheetml.calcChain+xml"/></Types>').encode()
    members["xl/calcChain.xml"] = (b'<calcChain xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                                   b'<c r="B1" i="1"/><c r="B2"/><c r="B3"/></calcChain>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in members.items():
            zout.writestr(name, data)


@pytest.fixture
def book(tmp_path):
    """Sheet Data: A1 = 2, A2 text; B1 an ASM function saved as #N/A, B2 = A1*3 saved as 6, B3 a text
    formula saved as "x<y"; a calculation chain."""
    path = tmp_path / "book.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws["A1"], ws["A2"] = 2, "plain & text"
    ws["B1"], ws["B2"], ws["B3"] = "=ASM_COST_SCORE(A1)", "=A1*3", '="x"&"<y"'
    wb.save(path)
    assert write_cached_values(path, {("Data", "B1"): "#N/A", ("Data", "B2"): 6, ("Data", "B3"): "x<y"}) == 3
    _with_calc_chain(path)
    return path


def test_the_copy_has_no_formula_and_the_saved_values(book, tmp_path):
    out = tmp_path / "values.xlsx"
    values_only_package(book, out)
    with zipfile.ZipFile(out) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
        assert b"<f" not in sheet
        assert b"<v>#N/A</v>" in sheet and b"<v>6</v>" in sheet and b"x&lt;y" in sheet
        assert z.testzip() is None
    got = openpyxl.load_workbook(out, data_only=True)["Data"]
    want = openpyxl.load_workbook(book, data_only=True)["Data"]
    cells = ["A1", "A2", "B1", "B2", "B3"]
    assert [got[c].value for c in cells] == [want[c].value for c in cells] == [2, "plain & text", "#N/A", 6, "x<y"]
    formulas = openpyxl.load_workbook(out)["Data"]   # not data_only: constants now, no formula left
    assert [formulas[c].value for c in ("B1", "B2", "B3")] == ["#N/A", 6, "x<y"]


def test_the_copy_drops_the_calculation_chain_and_its_entries(book, tmp_path):
    out = tmp_path / "values.xlsx"
    values_only_package(book, out)
    with zipfile.ZipFile(book) as z:
        assert "xl/calcChain.xml" in z.namelist()
    with zipfile.ZipFile(out) as z:
        assert "xl/calcChain.xml" not in z.namelist()
        assert b"calcChain" not in z.read("xl/_rels/workbook.xml.rels")
        assert b"calcChain" not in z.read("[Content_Types].xml")
        assert b"xl/worksheets/sheet1.xml" in z.read("[Content_Types].xml")


def test_a_sheet_keeps_every_byte_outside_the_formula_cells():
    sheet = (b'<worksheet><sheetData><row r="1"><c r="A1" s="3"><v>1</v></c>'
             b'<c r="B1" s="2" t="e" cm="1"><f t="array" ref="B1:B2">ASM_X(A1)</f><v>#N/A</v></c></row>'
             b'<row r="2"><c r="B2" t="e"><v>#N/A</v></c><c r="C2"><f>A1</f></c>'
             b'<c r="D2" t="str"><f>"a"</f><v>a</v></c></row></sheetData></worksheet>')
    assert values_only_sheet(sheet) == (
        b'<worksheet><sheetData><row r="1"><c r="A1" s="3"><v>1</v></c>'
        b'<c r="B1" s="2" t="e"><v>#N/A</v></c></row>'
        b'<row r="2"><c r="B2" t="e"><v>#N/A</v></c><c r="C2"/>'
        b'<c r="D2" t="inlineStr"><is><t xml:space="preserve">a</t></is></c></row></sheetData></worksheet>')
