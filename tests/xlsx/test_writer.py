"""Writing cached values into a workbook (asm_xl.xlsx.writer), the package checks before it, and the
encoding of cached values (asm_xl.xlsx.cells)."""
from __future__ import annotations

import os
import zipfile

import openpyxl
import pytest
from openpyxl.chart import LineChart, Reference
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from asm_xl.xlsx.cells import encode_cached_value
from asm_xl.xlsx.limits import check_workbook
from asm_xl.xlsx.parts import sheet_parts
from asm_xl.xlsx.writer import write_cached_values
from asm_xl.xlsx.errors import WorkbookError
from macro_package import make_xlsm

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"


# ---------------------------------------------------------------- helpers
def make_raw_xlsx(path, sheet_xml: str, *, sheet_name="Data",
                  prefix_root=False, extra: dict[str, bytes] | None = None):
    """Write a minimal hand-made .xlsx whose single sheet is *sheet_xml*."""
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="rels" ContentType="application/'
        'vnd.openxmlformats-package.relationships+xml"/><Default Extension='
        '"xml" ContentType="application/xml"/><Override PartName="/xl/'
        'workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName='
        '"/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
        'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
    root_rels = (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL}">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>')
    workbook = (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN_NS}" '
        f'xmlns:r="{REL_NS}"><sheets><sheet name="{sheet_name}" sheetId="1" '
        'r:id="rId1"/></sheets><calcPr calcId="191029"/></workbook>')
    wb_rels = (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL}">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/worksheet" '
        'Target="/xl/worksheets/sheet1.xml"/></Relationships>')
    if prefix_root:
        sheet = (f'<?xml version="1.0" encoding="UTF-8"?>\n<x:worksheet '
                 f'xmlns:x="{MAIN_NS}"><x:sheetData>{sheet_xml}</x:sheetData>'
                 '</x:worksheet>')
    else:
        sheet = (f'<?xml version="1.0" encoding="UTF-8"?>\n<worksheet '
                 f'xmlns="{MAIN_NS}"><sheetData>{sheet_xml}</sheetData>'
                 '</worksheet>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", content_types)
        zf.writestr("_rels/.rels", root_rels)
        zf.writestr("xl/workbook.xml", workbook)
        zf.writestr("xl/_rels/workbook.xml.rels", wb_rels)
        zf.writestr("xl/worksheets/sheet1.xml", sheet)
        for name, data in (extra or {}).items():
            zf.writestr(name, data)


def sheet1(path) -> str:
    with zipfile.ZipFile(path) as zf:
        return zf.read("xl/worksheets/sheet1.xml").decode("utf-8")


def members(path) -> list[tuple[str, int, bytes]]:
    with zipfile.ZipFile(path) as zf:
        return [(i.filename, i.compress_type, zf.read(i))
                for i in zf.infolist()]


def no_temp_files(directory) -> bool:
    return not [n for n in os.listdir(directory) if n.endswith(".tmp")]


def make_openpyxl_book(path):
    """Two sheets, a style, a data validation, a defined name, a chart."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Inputs"
    for i in range(1, 6):
        ws.cell(i, 1, i * 10)
    ws["A1"].font = Font(bold=True)
    ws["A1"].fill = PatternFill("solid", fgColor="FFFF00")
    dv = DataValidation(type="whole", operator="between", formula1="0",
                        formula2="100")
    ws.add_data_validation(dv)
    dv.add("A1:A5")
    calc = wb.create_sheet("Calc")
    calc["A1"] = "=SUM(Inputs!A1:A5)"
    calc["A2"] = "=A1/0"
    calc["A3"] = '=IF(A1>1,"yes","no")'
    calc["A4"] = "=A1>1"
    calc["B1"] = 7  # an input: never touched
    chart = LineChart()
    chart.add_data(Reference(ws, min_col=1, min_row=1, max_row=5))
    calc.add_chart(chart, "D2")
    from openpyxl.workbook.defined_name import DefinedName
    wb.defined_names["Total"] = DefinedName("Total", attr_text="Calc!$A$1")
    wb.save(path)


# ---------------------------------------------------------------- encoding
@pytest.mark.parametrize("value, expected", [
    (1.5, (None, "1.5")),
    (0.1 + 0.2, (None, "0.30000000000000004")),
    (1e-300, (None, "1e-300")),
    (-0.0, (None, "-0.0")),
    (3, (None, "3")),
    (True, ("b", "1")),
    (False, ("b", "0")),
    ("#N/A", ("e", "#N/A")),
    ("#DIV/0!", ("e", "#DIV/0!")),
    ("#NAME?", ("e", "#NAME?")),
    ("a<b & c>d", ("str", "a&lt;b &amp; c&gt;d")),
    ("_x0041_", ("str", "_x005F_x0041_")),
    ("", ("str", "")),
    (None, (None, None)),
])
def test_encode_cached_value(value, expected):
    assert encode_cached_value(value) == expected


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_encode_rejects_non_finite(bad):
    with pytest.raises(ValueError, match="Data!B7"):
        encode_cached_value(bad, "Data!B7")


def test_encode_rejects_unknown_type():
    with pytest.raises(TypeError):
        encode_cached_value(object(), "Data!A1")


# ---------------------------------------------------------------- XML rewrite
def test_types_and_untouched_bytes(tmp_path):
    cells = (
        '<row r="1"><c r="A1"><v>2</v></c>'
        '<c r="B1" cm="1"><f>A1*2</f><v>0</v></c>'
        '<c r="C1" t="str"><f>"x"</f><v>old</v></c>'
        '<c r="D1" t="e" vm="1"><f>NA()</f><v>#N/A</v></c>'
        '<c r="E1"><f>A1&gt;1</f></c>'
        '<c r="F1" t="str"><f>F2</f><v>stale</v></c></row>'
        '<!-- <c r="B1"><f>x</f></c> -->')
    path = tmp_path / "t.xlsx"
    make_raw_xlsx(path, cells)
    before = sheet1(path)
    n = write_cached_values(path, {
        ("Data", "A1"): 99,            # input cell: ignored
        ("Data", "B1"): 0.1 + 0.2,
        ("Data", "C1"): "#VALUE!",
        ("Data", "D1"): "text & more",
        ("Data", "E1"): True,
        ("Data", "F1"): 12,
        ("Other", "B1"): 1,            # unknown sheet: ignored
    })
    assert n == 5
    after = sheet1(path)
    assert '<c r="A1"><v>2</v></c>' in after
    assert '<c r="B1" cm="1"><f>A1*2</f><v>0.30000000000000004</v></c>' in after
    assert '<c r="C1" t="e"><f>"x"</f><v>#VALUE!</v></c>' in after
    assert '<c r="D1" t="str"><f>NA()</f><v>text &amp; more</v></c>' in after
    assert '<c r="E1" t="b"><f>A1&gt;1</f><v>1</v></c>' in after
    assert '<c r="F1"><f>F2</f><v>12</v></c>' in after
    # the comment and the XML prologue are untouched
    assert '<!-- <c r="B1"><f>x</f></c> -->' in after
    assert after.split("<sheetData>")[0] == before.split("<sheetData>")[0]
    assert after.split("</sheetData>")[1] == before.split("</sheetData>")[1]
    wb = openpyxl.load_workbook(path, data_only=True)
    ws = wb["Data"]
    assert ws["B1"].value == 0.1 + 0.2
    assert ws["C1"].value == "#VALUE!"
    assert ws["D1"].value == "text & more"
    assert ws["E1"].value is True
    assert ws["F1"].value == 12


def test_shared_and_array_formulas(tmp_path):
    cells = (
        '<row r="1"><c r="A1"><v>1</v></c>'
        '<c r="B1"><f t="shared" ref="B1:B3" si="0">A1*2</f><v>0</v></c>'
        '<c r="C1"><f t="array" ref="C1:C3">A1:A3*3</f><v>0</v></c></row>'
        '<row r="2"><c r="A2"><v>2</v></c><c r="B2"><f t="shared" si="0"/>'
        '<v>0</v></c><c r="C2"><v>0</v></c></row>'
        '<row r="3"><c r="A3"><v>3</v></c><c r="B3"><f t="shared" si="0"/>'
        '</c><c r="C3"/></row>')
    path = tmp_path / "s.xlsx"
    make_raw_xlsx(path, cells)
    vals = {("Data", f"B{i}"): 2.0 * i for i in (1, 2, 3)}
    vals.update({("Data", f"C{i}"): 3.0 * i for i in (1, 2, 3)})
    vals[("Data", "A2")] = 100  # an input: ignored
    assert write_cached_values(path, vals) == 6
    xml = sheet1(path)
    assert '<c r="B1"><f t="shared" ref="B1:B3" si="0">A1*2</f><v>2.0</v></c>' in xml
    assert '<c r="B2"><f t="shared" si="0"/><v>4.0</v></c>' in xml
    assert '<c r="B3"><f t="shared" si="0"/><v>6.0</v></c>' in xml
    assert '<c r="C1"><f t="array" ref="C1:C3">A1:A3*3</f><v>3.0</v></c>' in xml
    assert '<c r="C2"><v>6.0</v></c>' in xml
    assert '<c r="C3"><v>9.0</v></c>' in xml
    assert '<c r="A2"><v>2</v></c>' in xml


def test_prefixed_namespace_and_lowercase_sheet(tmp_path):
    cells = ('<x:row r="1"><x:c r="A1"><x:f>1+1</x:f><x:v>0</x:v></x:c>'
             '<x:c r="B1" t="str"><x:f>"a"</x:f></x:c></x:row>')
    path = tmp_path / "p.xlsx"
    make_raw_xlsx(path, cells, prefix_root=True)
    assert write_cached_values(path, {("data", "$A$1"): 2.5,
                                      ("DATA", "b1"): "z"}) == 2
    xml = sheet1(path)
    assert '<x:c r="A1"><x:f>1+1</x:f><x:v>2.5</x:v></x:c>' in xml
    assert '<x:c r="B1" t="str"><x:f>"a"</x:f><x:v>z</x:v></x:c>' in xml
    ws = openpyxl.load_workbook(path, data_only=True)["Data"]
    assert ws["A1"].value == 2.5 and ws["B1"].value == "z"


def test_none_clears_cached_value(tmp_path):
    path = tmp_path / "n.xlsx"
    make_raw_xlsx(path, '<row r="1"><c r="A1" t="e"><f>NA()</f><v>#N/A</v></c></row>')
    assert write_cached_values(path, {("Data", "A1"): None}) == 1
    assert '<c r="A1"><f>NA()</f></c>' in sheet1(path)


def test_cells_without_r_attribute(tmp_path):
    path = tmp_path / "r.xlsx"
    make_raw_xlsx(path, '<row r="4"><c><v>1</v></c><c><f>A4+1</f></c></row>')
    assert write_cached_values(path, {("Data", "B4"): 2}) == 1
    assert '<c><f>A4+1</f><v>2</v></c>' in sheet1(path)


# ---------------------------------------------------------------- packages
def test_other_members_identical_and_order_kept(tmp_path):
    path = tmp_path / "book.xlsx"
    make_openpyxl_book(path)
    before = members(path)
    n = write_cached_values(path, {
        ("Calc", "A1"): 150, ("Calc", "A2"): "#DIV/0!",
        ("Calc", "A3"): "yes", ("Calc", "A4"): True, ("Calc", "B1"): 1,
    })
    assert n == 4
    after = members(path)
    assert [m[:2] for m in before] == [m[:2] for m in after]
    changed = [b[0] for b, a in zip(before, after) if b[2] != a[2]]
    assert changed == ["xl/worksheets/sheet2.xml"]
    names = [m[0] for m in after]
    assert "xl/charts/chart1.xml" in names and "xl/styles.xml" in names
    wb = openpyxl.load_workbook(path)
    assert wb["Calc"]["A1"].value == "=SUM(Inputs!A1:A5)"
    assert wb["Calc"]["B1"].value == 7
    assert "Total" in wb.defined_names
    assert len(wb["Inputs"].data_validations.dataValidation) == 1
    assert wb["Inputs"]["A1"].font.bold
    data = openpyxl.load_workbook(path, data_only=True)["Calc"]
    assert [data[f"A{i}"].value for i in range(1, 5)] == \
        [150, "#DIV/0!", "yes", True]


def test_sheet_parts(tmp_path):
    path = tmp_path / "book.xlsx"
    make_openpyxl_book(path)
    with zipfile.ZipFile(path) as zf:
        assert sheet_parts(zf) == [("Inputs", "xl/worksheets/sheet1.xml"),
                                   ("Calc", "xl/worksheets/sheet2.xml")]


def test_out_path_leaves_original(tmp_path):
    path = tmp_path / "book.xlsx"
    out = tmp_path / "copy.xlsx"
    make_openpyxl_book(path)
    original = path.read_bytes()
    assert write_cached_values(path, {("Calc", "A1"): 1.0}, out_path=out) == 1
    assert path.read_bytes() == original
    assert openpyxl.load_workbook(out, data_only=True)["Calc"]["A1"].value == 1.0


def test_nothing_to_do_does_not_rewrite(tmp_path):
    path = tmp_path / "book.xlsx"
    make_openpyxl_book(path)
    stat = os.stat(path)
    assert write_cached_values(path, {("Calc", "B1"): 1}) == 0
    assert os.stat(path).st_mtime_ns == stat.st_mtime_ns


def test_nan_raises_and_file_untouched(tmp_path):
    path = tmp_path / "book.xlsx"
    make_openpyxl_book(path)
    original = path.read_bytes()
    with pytest.raises(ValueError, match="Calc!A2"):
        write_cached_values(path, {("Calc", "A1"): 1.0,
                                   ("Calc", "A2"): float("nan")})
    assert path.read_bytes() == original
    assert no_temp_files(tmp_path)


def test_failure_during_replace_leaves_no_temp(tmp_path, monkeypatch):
    path = tmp_path / "book.xlsx"
    make_openpyxl_book(path)
    original = path.read_bytes()

    def boom(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        write_cached_values(path, {("Calc", "A1"): 1.0})
    assert path.read_bytes() == original
    assert no_temp_files(tmp_path)


def test_xlsm_vba_member_survives(tmp_path):
    """A macro-enabled package keeps vbaProject.bin byte-identical."""
    src = tmp_path / "plain.xlsx"
    make_openpyxl_book(src)
    path = tmp_path / "macro.xlsm"
    vba = bytes(range(256)) * 40
    make_xlsm(src, path, vba)
    before = dict((m[0], m[2]) for m in members(path))
    assert write_cached_values(path, {("Calc", "A1"): 150}) == 1
    after = dict((m[0], m[2]) for m in members(path))
    assert after["xl/vbaProject.bin"] == vba
    assert {k for k in before if before[k] != after[k]} == \
        {"xl/worksheets/sheet2.xml"}
    wb = openpyxl.load_workbook(path, keep_vba=True, data_only=True)
    assert wb["Calc"]["A1"].value == 150


# ---------------------------------------------------------------- bad files
def test_bad_files_raise_and_stay_untouched(tmp_path):
    text = tmp_path / "notes.xlsx"
    text.write_text("just some text\n")
    ole = tmp_path / "locked.xlsx"
    ole.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512 +
                    "EncryptedPackage".encode("utf-16-le") + b"\0" * 512)
    legacy = tmp_path / "old.xls"
    legacy.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1024)
    nowb = tmp_path / "other.xlsx"
    with zipfile.ZipFile(nowb, "w") as zf:
        zf.writestr("hello.txt", "hi")
    big = tmp_path / "big.xlsx"
    make_raw_xlsx(big, '<row r="1"><c r="A1"><f>1</f></c></row>',
                  extra={"xl/media/huge.bin": b"\0" * 2_000_000})
    cases = [
        (text, "not an Excel workbook", {}),
        (ole, "password-protected workbook", {}),
        (legacy, "legacy .xls", {}),
        (nowb, "not an Excel workbook", {}),
        (big, "workbook too large", {"max_bytes": 1_000_000}),
        (big, "workbook too large", {"max_members": 3}),
        (tmp_path / "missing.xlsx", "not found", {}),
    ]
    for path, message, limits in cases:
        original = path.read_bytes() if path.exists() else None
        with pytest.raises(WorkbookError, match=message):
            write_cached_values(path, {("Data", "A1"): 1}, **limits)
        with pytest.raises(WorkbookError, match=message):
            check_workbook(path, **limits)
        if original is not None:
            assert path.read_bytes() == original
    assert no_temp_files(tmp_path)
    assert issubclass(WorkbookError, ValueError)
