"""The tree-level view of a workbook (asm_xl.xlsx.scan): what the array-formula path reads of it."""
from __future__ import annotations

import time
import zipfile

import pytest

from asm_xl.xlsx.errors import WorkbookError
from asm_xl.xlsx.scan import scan_workbook

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def make_book(path, sheet_data: str, after: str = "") -> None:
    """A minimal workbook whose one sheet "S" holds *sheet_data* (then *after*, e.g. mergeCells)."""
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                    '<Default Extension="xml" ContentType="application/xml"/></Types>')
        zf.writestr("xl/workbook.xml", f'<workbook xmlns="{MAIN}" xmlns:r="{DOC}"><sheets>'
                    '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
        zf.writestr("xl/_rels/workbook.xml.rels", f'<Relationships xmlns="{RELS}"><Relationship Id="rId1" '
                    f'Type="{DOC}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
        zf.writestr("xl/worksheets/sheet1.xml", f'<worksheet xmlns="{MAIN}"><sheetData>{sheet_data}</sheetData>'
                    f"{after}</worksheet>")


def test_dynamic_arrays_merged_ranges_and_covered_cells_are_read(tmp_path):
    path = tmp_path / "arrays.xlsx"
    make_book(path, '<row r="1"><c r="A1" cm="1"><f t="array" ref="A1:A2">B1:B2</f><v>1</v></c>'
                    '<c r="C1"><f t="array" ref="C1:D1">B1:B2</f><v>1</v></c></row>'
                    '<row r="2"><c r="A2"><v>2</v></c></row>')
    scan = scan_workbook(path)
    assert scan.dynamic == {("S", "A1")}  # C1 has no cell metadata: a fixed array
    assert scan.array_cells == {("S", "A1"): "A1", ("S", "A2"): "A1", ("S", "C1"): "C1", ("S", "D1"): "C1"}
    assert scan.cached[("S", "A2")] == 2 and ("S", "A2") not in scan.inputs  # a spilled value, not an input
    assert scan.array_area == 4


def test_merged_ranges_are_read_and_a_bad_one_is_left_out(tmp_path):
    path = tmp_path / "merged.xlsx"
    make_book(path, '<row r="1"><c r="A1"><v>1</v></c></row>',
              '<mergeCells count="2"><mergeCell ref="B2:C3"/><mergeCell ref="nonsense"/></mergeCells>')
    assert scan_workbook(path).merged == {"S": [(2, 2, 3, 3)]}


def test_inputs_are_rounded_as_openpyxl_loads_them_unless_asked_exact(tmp_path):
    path = tmp_path / "tiny.xlsx"
    make_book(path, '<row r="1"><c r="A1"><v>1.1125369292536007E-308</v></c><c r="B1"><v>0.1234567890123456789</v></c>'
                    "</row>")
    assert scan_workbook(path).inputs == {("S", "A1"): 0.0, ("S", "B1"): 0.123456789012346}
    assert scan_workbook(path, exact_inputs=True).inputs == {("S", "A1"): 1.1125369292536007e-308,
                                                             ("S", "B1"): 0.1234567890123456789}


def test_array_ranges_covering_more_cells_than_a_workbook_may_hold_are_refused_at_once(tmp_path):
    path = tmp_path / "huge.xlsx"
    make_book(path, '<row r="1"><c r="A1"><f t="array" ref="A1:XFD1048576">1</f><v>1</v></c></row>')
    started = time.perf_counter()
    with pytest.raises(WorkbookError, match=r"S!A1: array formula ranges cover 17,179,869,184 cells, more than the "
                                            r"2,000,000"):
        scan_workbook(path)
    assert time.perf_counter() - started < 5  # refused before the cells are made
