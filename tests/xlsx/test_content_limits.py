"""Resource limits before work: a workbook with too many formulas, cells or shared strings is refused
at once with a clear error, the file untouched (a 1,000,000-formula sheet ran 6 minutes to a
MemoryError at 7.6 GB)."""

from __future__ import annotations

import time
import zipfile

import pytest

from asm_xl.calc.recalc import recalc_file
from asm_xl.xlsx.errors import WorkbookError
from asm_xl.xlsx.limits import DEFAULT_CONTENT_LIMITS, ContentLimits, check_content

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
REL_NS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'


def _workbook(path, formulas: int) -> None:
    """A minimal, valid .xlsx whose one sheet holds ``formulas`` cells =1+1 (written as raw XML: fast)."""
    rows = "".join(f'<row r="{i}"><c r="A{i}"><f>1+1</f></c></row>' for i in range(1, formulas + 1))
    parts = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+'
        'xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
        'PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<?xml version="1.0"?><workbook {NS} {REL_NS}><sheets><sheet name="S" sheetId="1" '
        'r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
        'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": f'<?xml version="1.0"?><worksheet {NS}><sheetData>{rows}</sheetData></worksheet>',
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in parts.items():
            zf.writestr(name, text)


def test_a_workbook_over_the_formula_limit_is_refused_at_once_and_left_untouched(tmp_path):
    path = tmp_path / "huge.xlsx"
    _workbook(path, DEFAULT_CONTENT_LIMITS.formulas + 1)
    before = path.read_bytes()
    for engine in ("auto", "formulas"):
        t = time.perf_counter()
        with pytest.raises(WorkbookError, match=r"200,001 formulas \(limit 200,000"):
            recalc_file(path, engine=engine)
        assert time.perf_counter() - t < 10  # refused before the work, not after minutes
    assert path.read_bytes() == before


def test_limits_count_cells_and_formulas_and_can_be_raised(tmp_path):
    path = tmp_path / "big.xlsx"
    _workbook(path, 40_000)   # ~1.6 MB of sheet XML: scanned
    with zipfile.ZipFile(path) as zf:
        check_content(zf, str(path))  # within the defaults
        with pytest.raises(WorkbookError, match=r"40,000 cells \(limit 39,999"):
            check_content(zf, str(path), ContentLimits(cells=39_999))
        with pytest.raises(WorkbookError, match=r"40,000 formulas \(limit 10"):
            check_content(zf, str(path), ContentLimits(formulas=10))


def test_an_oversized_content_types_part_is_refused_as_oversized_not_as_corrupt(tmp_path):
    # a workbook of 9,000 sheets listed each in [Content_Types].xml (1.2 MB): "is not a content-types part" misled
    from asm_xl.xlsx.limits import open_workbook
    small, big = tmp_path / "small.xlsx", tmp_path / "big.xlsx"
    _workbook(small, 1)
    with zipfile.ZipFile(small) as zin, zipfile.ZipFile(big, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", b"<!-- pad -->" * 100_000 + b"</Types>")
            zout.writestr(item.filename, data)
    open_workbook(small).close()
    with pytest.raises(WorkbookError, match=r"\[Content_Types\]\.xml is 1,200,[0-9]{3} bytes, over the 1,048,576"):
        open_workbook(big)
