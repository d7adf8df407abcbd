"""The byte-level workbook reader (asm_xl.xlsx.book): a sheet part cut short or garbled is refused as
corrupt, never read with cells missing or one cell read into another; well-formed odd layouts are read."""
from __future__ import annotations

import io
import zipfile

import pytest

from asm_xl.xlsx.book import NotByteReadable, read_book
from asm_xl.xlsx.errors import WorkbookError

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PART = "xl/worksheets/sheet1.xml"

#: the input A1 = 2, A2 = 3; B1 = A1*A2 (cached 6), B2 = B1+1 (cached 7), A3 a styled blank
CELLS = ('<row r="1"><c r="A1"><v>2</v></c><c r="B1"><f>A1*A2</f><v>6</v></c></row>'
         '<row r="2"><c r="A2"><v>3</v></c><c r="B2"><f>B1+1</f><v>7</v></c></row>'
         '<row r="3"><c r="A3" s="1"/></row>')
SHEET = f'<worksheet xmlns="{MAIN}"><sheetData>{CELLS}</sheetData><pageMargins left="0.7"/></worksheet>'
INPUTS = (("S", (b"A1", b"A2"), (("S", "A1"), ("S", "A2"))),)


def _package(sheet: str | bytes) -> zipfile.ZipFile:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("xl/workbook.xml", f'<workbook xmlns="{MAIN}" xmlns:r="{DOC}"><sheets>'
                    '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
        zf.writestr("xl/_rels/workbook.xml.rels", f'<Relationships xmlns="{RELS}"><Relationship Id="rId1" '
                    f'Type="{DOC}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
        zf.writestr(PART, sheet)
    return zipfile.ZipFile(io.BytesIO(buf.getvalue()))


def _read(sheet: str | bytes):
    """(formula cells' references and texts, cached values, input values) as the byte reader reads them."""
    book = read_book(_package(sheet), path="book.xlsx")
    part = book.parts["S"]
    cached = [book.cached("S", i) for i in range(len(part.refs))]
    return list(zip(part.refs, part.texts)), cached, book.inputs_for(INPUTS)


def test_a_well_formed_sheet_is_read_cell_by_cell():
    assert _read(SHEET) == ([(b"B1", b"A1*A2"), (b"B2", b"B1+1")], [6, 7], {("S", "A1"): 2, ("S", "A2"): 3})


@pytest.mark.parametrize("sheet, misread", [
    # the QA repro: the part cut short after a row's start; the cells after it would read as blanks
    (f'<worksheet xmlns="{MAIN}"><sheetData><row', "every cell blank"),
    (SHEET[:SHEET.index('<row r="2">') + 14], "A2 blank, B2 missing"),
    (SHEET[:-len("</worksheet>")], "the root element not closed"),
    (SHEET.replace("</sheetData>", ""), "sheetData not closed"),
    # B1's </c> missing: its "value" would run to A2's </c> and the rewrite would drop A2
    (SHEET.replace("<v>6</v></c>", "<v>6</v>"), "A2 read as B1's cached value"),
    # an input cell not closed, a value not closed: read as blanks, or with the next cell
    (SHEET.replace('<c r="A2"><v>3</v></c>', '<c r="A2"><v>3</v>'), "A2 not closed"),
    (SHEET.replace('<c r="A2"><v>3</v></c>', '<c r="A2"><v>3</c>'), "A2's value not closed, read as blank"),
    (SHEET.replace("<v>7</v>", "<v>7"), "B2's cached value not closed"),
    (SHEET.replace("<f>B1+1</f>", "<f>B1+1"), "B2's formula not closed"),
], ids=["repro", "cut-in-a-row", "root-open", "sheetData-open", "formula-cell-open", "input-cell-open",
        "input-value-open", "cached-value-open", "formula-open"])
def test_a_sheet_part_cut_short_or_garbled_is_corrupt_and_named(sheet, misread):
    with pytest.raises(WorkbookError) as err:
        _read(sheet)
    message = str(err.value)
    assert message.startswith(f"corrupt workbook: book.xlsx ({PART}: "), (misread, message)
    assert "\n" not in message


@pytest.mark.parametrize("sheet", [
    f'<worksheet xmlns="{MAIN}"><sheetData/></worksheet>',
    f'<worksheet xmlns="{MAIN}"><sheetData></sheetData></worksheet>',
    f'<worksheet xmlns="{MAIN}"/>',
    f'<worksheet xmlns="{MAIN}"><pageMargins left="0.7"/></worksheet>',
], ids=["sheetData-empty-element", "sheetData-empty", "root-empty-element", "no-sheetData"])
def test_a_well_formed_sheet_without_cells_is_read_as_empty(sheet):
    assert _read(sheet) == ([], [], {})


@pytest.mark.parametrize("sheet", [
    SHEET + "\n\n   ",
    SHEET + "<?app note?>",
    SHEET.replace("<v>6</v>", "<v/>"),
    SHEET.replace("</worksheet>", "</worksheet >"),
], ids=["trailing-whitespace", "processing-instruction-after-the-root", "empty-value-element", "end-tag-space"])
def test_well_formed_layouts_the_cheap_test_does_not_expect_are_read_all_the_same(sheet):
    refs, cached, inputs = _read(sheet)
    assert refs == [(b"B1", b"A1*A2"), (b"B2", b"B1+1")] and inputs == {("S", "A1"): 2, ("S", "A2"): 3}
    assert cached[1] == 7 and cached[0] in (6, None)


def test_a_well_formed_part_the_byte_reader_cannot_place_is_left_to_the_tree_reader_not_called_corrupt():
    # a shared formula: well-formed, so not corrupt; the byte reader steps aside
    with pytest.raises(NotByteReadable):
        _read(SHEET.replace("<f>B1+1</f>", '<f t="shared" ref="B2" si="0">B1+1</f>'))


def test_the_path_defaults_to_the_package_file_name(tmp_path):
    path = tmp_path / "named.xlsx"
    path.write_bytes(_package(SHEET[:100]).fp.getvalue())
    with zipfile.ZipFile(path) as zf, pytest.raises(WorkbookError, match=f"corrupt workbook: {path} "):
        read_book(zf)
