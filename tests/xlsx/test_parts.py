"""Package structure: sheets → members, shared strings, defined names; and the package limits."""
from __future__ import annotations

import io
import zipfile

import pytest

from asm_xl.xlsx.errors import WorkbookError
from asm_xl.xlsx.limits import check_workbook, open_workbook
from asm_xl.xlsx.parts import defined_names, shared_strings, sheet_parts

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _book(path, *, strings: str | None = None, extra: dict | None = None):
    rels = (f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{R}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{R}/worksheet" Target="/xl/worksheets/other.xml"/>'
            f'<Relationship Id="rId3" Type="{R}/sharedStrings" Target="sharedStrings.xml"/>'
            f'<Relationship Id="rId9" Type="{R}/hyperlink" Target="http://x" TargetMode="External"/>'
            '</Relationships>')
    book = (f'<workbook {NS} xmlns:r="{R}"><sheets><sheet name="Inputs &amp; more" sheetId="1" r:id="rId1"/>'
            '<sheet name="Two" sheetId="2" r:id="rId2"/></sheets><definedNames>'
            '<definedName name="Rate">Inputs!$B$2</definedName>'
            '<definedName name="_xlnm.Print_Area" localSheetId="1" hidden="1">Two!$A$1:$C$9</definedName>'
            '</definedNames></workbook>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/workbook.xml", book)
        zf.writestr("xl/_rels/workbook.xml.rels", rels)
        zf.writestr("xl/worksheets/sheet1.xml", f"<worksheet {NS}/>")
        zf.writestr("xl/worksheets/other.xml", f"<worksheet {NS}/>")  # a sheet without its part is refused
        if strings is not None:
            zf.writestr("xl/sharedStrings.xml", f"<sst {NS}>{strings}</sst>")
        for name, data in (extra or {}).items():
            zf.writestr(name, data)


def test_sheets_map_to_members_relative_and_absolute(tmp_path):
    _book(tmp_path / "b.xlsx")
    with open_workbook(tmp_path / "b.xlsx") as zf:
        assert sheet_parts(zf) == [("Inputs & more", "xl/worksheets/sheet1.xml"),
                                   ("Two", "xl/worksheets/other.xml")]


def test_shared_strings_plain_rich_phonetic_and_escaped(tmp_path):
    _book(tmp_path / "b.xlsx", strings=(
        "<si><t>plain &amp; simple</t></si>"
        "<si><r><t>rich </t></r><r><rPr/><t>text</t></r></si>"
        "<si><t>漢字</t><rPh sb='0' eb='1'><t>かんじ</t></rPh></si>"
        "<si><t>tab_x0009_here _x005F_x0041_</t></si>"
        "<si/>"))
    with open_workbook(tmp_path / "b.xlsx") as zf:
        assert shared_strings(zf) == ["plain & simple", "rich text", "漢字", "tab\there _x0041_", ""]


def test_no_shared_strings_part_is_an_empty_table(tmp_path):
    _book(tmp_path / "b.xlsx")
    with open_workbook(tmp_path / "b.xlsx") as zf:
        assert shared_strings(zf) == []


def test_defined_names_with_scope(tmp_path):
    _book(tmp_path / "b.xlsx")
    with open_workbook(tmp_path / "b.xlsx") as zf:
        names = defined_names(zf)
    assert [tuple(n) for n in names] == [("Rate", None, None, "Inputs!$B$2"),
                                         ("_xlnm.Print_Area", "1", "1", "Two!$A$1:$C$9")]


def test_an_entity_expansion_is_refused(tmp_path):
    bomb = ('<?xml version="1.0"?><!DOCTYPE s [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
            f'<sst {NS}><si><t>&b;</t></si></sst>')
    _book(tmp_path / "b.xlsx", extra={"xl/sharedStrings.xml": bomb})
    with pytest.raises(ValueError, match="declares a DTD or entities"):  # refused before any parsing
        with open_workbook(tmp_path / "b.xlsx") as zf:
            shared_strings(zf)


def test_a_member_that_claims_a_zip_bomb_ratio_is_refused_before_reading(tmp_path):
    _book(tmp_path / "b.xlsx", extra={"xl/media/zeros.bin": b"\0" * (8 << 20)})
    with zipfile.ZipFile(tmp_path / "b.xlsx") as zf:
        info = zf.getinfo("xl/media/zeros.bin")
        assert info.file_size > 1000 * info.compress_size  # deflate reaches ~1030x on zeros
    before = (tmp_path / "b.xlsx").read_bytes()
    with pytest.raises(WorkbookError, match="zip bomb"):
        check_workbook(tmp_path / "b.xlsx")
    assert (tmp_path / "b.xlsx").read_bytes() == before


def test_ordinary_compression_ratios_pass(tmp_path):
    _book(tmp_path / "b.xlsx", extra={"xl/worksheets/big.xml": b"<c r='A1'/>" * 200_000})
    check_workbook(tmp_path / "b.xlsx")
    with open_workbook(tmp_path / "b.xlsx", in_memory=True) as zf:
        assert isinstance(zf.fp, io.BytesIO)
