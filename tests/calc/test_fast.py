"""The fast recalculation path gives the formulas engine's numbers, and steps aside when it cannot."""

import re
import shutil

import openpyxl
import pytest

from asm_xl.workbooks.batch import generate_workbooks
from asm_xl.xlsx.writer import write_cached_values
from asm_xl.calc.fast import recalc_fast
from asm_xl.xlsx.scan import scan_workbook
from asm_xl.calc.recalc import recalc_file, recalculate
from asm_xl.workbooks import layout as L
from asm_xl.workbooks.sheets.reference import ladder_rows
from asm_xl.workbooks.template import DEFAULT_TEMPLATE

SAMPLE = DEFAULT_TEMPLATE.parents[1] / "asm_xl" / "roster" / "data" / "sample_roster.csv"


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory):
    out = tmp_path_factory.mktemp("fast")
    report = generate_workbooks(SAMPLE, out_dir=out)
    return report.written[:6]


def test_fast_path_writes_what_the_formulas_engine_computes(workbooks, tmp_path):
    path = tmp_path / workbooks[0].name
    shutil.copy(workbooks[0], path)
    # formula cells and the cells the tables' fixed array formulas cover: no cached value left
    blanked = {k: None for k in scan_workbook(path).formula_cells}
    assert (len(blanked) - len(scan_workbook(path).formulas)   # the three tables and the curve's four columns,
            == (L.ACTION_ROWS * 5 + 5 * 8 + ladder_rows() * 17 + 4 * 21) - 7)   # anchors aside
    write_cached_values(path, blanked)
    assert recalc_fast(path) == len(blanked)
    fresh = recalculate(path)                          # the formulas library, from scratch
    cached = scan_workbook(path).cached
    for key, value in fresh.items():
        got = cached[key]
        if isinstance(value, float):
            assert got == pytest.approx(value, rel=1e-12, abs=1e-12), key
        else:
            assert got == value, key


def test_fast_check_finds_a_corrupted_cached_value(workbooks, tmp_path):
    path = tmp_path / workbooks[1].name
    shutil.copy(workbooks[1], path)
    assert recalc_fast(path, check=True) == []
    write_cached_values(path, {("Score", "B22"): 1.5})
    diffs = recalc_fast(path, check=True)
    assert [(d.sheet, d.cell, d.cached) for d in diffs] == [("Score", "B22", 1.5)]
    assert recalc_file(path, check=True, engine="formulas")[0].cached == 1.5


def test_a_formula_the_fast_path_does_not_know_falls_back_to_the_formulas_engine(tmp_path):
    path = tmp_path / "lookup.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"], ws["A2"], ws["B1"], ws["B2"] = 1, 2, "one", "two"
    ws["C1"] = "=VLOOKUP(2,A1:B2,2,FALSE)"
    ws["C2"] = "=ASM_RISK_LEVEL(2031)"
    wb.save(path)
    assert recalc_fast(path) is None                   # VLOOKUP: not in the fast subset
    assert recalc_file(path) == 2                      # auto: the formulas engine did it
    values = openpyxl.load_workbook(path, data_only=True).active
    assert (values["C1"].value, values["C2"].value) == ("two", 0.12)


def test_engine_must_be_known():
    with pytest.raises(ValueError, match="engine: 'excel' is not allowed"):
        recalc_file("x.xlsx", engine="excel")


def test_a_cell_written_with_its_reference_not_first_is_left_to_the_formulas_engine(workbooks, tmp_path):
    import zipfile

    src, path = workbooks[2], tmp_path / "reordered.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":  # Inputs: <c r="B9" s="n"> → <c s="n" r="B9">
                data, n = re.subn(rb'<c r="B9" s="(\d+)"', rb'<c s="\1" r="B9"', data)
                assert n == 1
            zout.writestr(info, data)
    before = path.read_bytes()
    assert recalc_fast(path) is None and path.read_bytes() == before
    assert recalc_file(path, check=True) == []       # auto falls back; the formulas engine agrees


def test_unchanged_parts_keep_their_compressed_bytes(workbooks, tmp_path):
    import zipfile

    path = tmp_path / workbooks[3].name
    shutil.copy(workbooks[3], path)
    write_cached_values(path, {("Score", "B22"): 0.0})
    with zipfile.ZipFile(path) as z:
        before = {i.filename: (i.CRC, i.compress_size) for i in z.infolist()}
    recalc_fast(path)
    with zipfile.ZipFile(path) as z:
        after = {i.filename: (i.CRC, i.compress_size) for i in z.infolist()}
        assert z.testzip() is None
    changed = {k for k in before if before[k] != after[k]}
    assert changed == {"xl/worksheets/sheet2.xml"}    # only the Score sheet had a wrong value


def test_a_workbook_whose_cached_values_are_current_is_not_rewritten(workbooks, tmp_path):
    path = tmp_path / workbooks[4].name
    shutil.copy(workbooks[4], path)
    before, stamp = path.read_bytes(), path.stat().st_mtime_ns
    assert recalc_fast(path) == len(scan_workbook(path).formula_cells)   # every formula (and covered) cell
    assert path.read_bytes() == before and path.stat().st_mtime_ns == stamp


def _calc_properties(path) -> str:
    import zipfile
    with zipfile.ZipFile(path) as zf:
        return re.search(rb"<calcPr[^>]*>", zf.read("xl/workbook.xml")).group(0).decode()


def test_the_bare_template_recalculated_no_longer_asks_to_be_computed_on_opening(tmp_path):
    """The template has no cached values, so it asks Excel to compute everything on opening
    (fullCalcOnLoad; without the xlwings add-in every ASM_* cell would then be #NAME?). Once every
    formula cell holds its value, the flag goes; the calculation engine declared stays (Excel 2019+)."""
    path = tmp_path / "filled.xlsx"
    shutil.copy(DEFAULT_TEMPLATE, path)
    assert _calc_properties(path) == '<calcPr calcId="191029" fullCalcOnLoad="1" />'
    assert recalc_file(path) == len(scan_workbook(path).formula_cells)
    assert _calc_properties(path) == '<calcPr calcId="191029" />'
    assert recalc_file(path, check=True) == []
    before = path.read_bytes()
    recalc_file(path)                                       # current values, no flag: left as it is
    assert path.read_bytes() == before


def test_a_workbook_the_formulas_engine_recalculates_keeps_its_calculation_flags(tmp_path):
    """The general engine may not compute every function as Excel does: Excel still computes on opening
    a workbook that asked for it."""
    path = tmp_path / "lookup.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"], wb.active["B1"] = "=VLOOKUP(2,{1,2},1,FALSE)", "=ASM_RISK_LEVEL(2031)"
    wb.calculation.fullCalcOnLoad = True
    wb.save(path)
    flags = _calc_properties(path)
    assert "fullCalcOnLoad" in flags
    assert recalc_file(path) == 2 and _calc_properties(path) == flags


# ------------------------------------------------------------------ how the fast path reads a package
def _rewrite_members(src, dest, edit, *, writer=None):
    """Copy a workbook with ``edit(name, data) -> data`` applied to every member."""
    import zipfile

    with zipfile.ZipFile(src) as zin:
        items = [(info, edit(info.filename, zin.read(info))) for info in zin.infolist()]
    with (writer or (lambda p: zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED)))(dest) as zout:
        for info, data in items:
            zout.writestr(info.filename, data)


def _stale_copy(src, path):
    shutil.copy(src, path)
    write_cached_values(path, {k: None for k in scan_workbook(path).formulas})


def test_libreoffice_style_formula_tags_are_read_and_kept(workbooks, tmp_path):
    """LibreOffice writes <f aca="false">: the fast path computes those cells and keeps the tag."""
    path = tmp_path / "lo_style.xlsx"
    _rewrite_members(workbooks[0], path, lambda name, data: data.replace(b"<f>", b'<f aca="false">')
                     if name.startswith("xl/worksheets/") else data)
    write_cached_values(path, {k: None for k in scan_workbook(path).formulas})
    assert recalc_fast(path) == len(scan_workbook(path).formula_cells)   # the tables' covered cells too
    assert recalc_file(path, check=True, engine="formulas") == []
    import zipfile
    with zipfile.ZipFile(path) as z:
        score = z.read("xl/worksheets/sheet2.xml")
    assert b"<f>" not in score and score.count(b'<f aca="false">') > 50


@pytest.mark.parametrize("edit, why", [
    (lambda d: d.replace(b"<sheetData>", b"<sheetData><!-- <c r=\"B5\"><v>1</v></c> -->", 1), "a comment"),
    (lambda d: re.sub(rb"^<worksheet xmlns=", b"<x:worksheet xmlns:x=", d).replace(
        b"</worksheet>", b"</x:worksheet>"), "a prefixed root element"),
    (lambda d: d.replace(b"<f>", b'<f t="shared" si="0">', 1), "a shared formula"),
], ids=["comment", "prefixed", "shared-formula"])
def test_sheet_xml_the_fast_path_cannot_place_exactly_is_left_alone(workbooks, tmp_path, edit, why):
    path = tmp_path / "odd.xlsx"
    _rewrite_members(workbooks[1], path, lambda name, data: edit(data)
                     if name == "xl/worksheets/sheet2.xml" else data)
    before = path.read_bytes()
    assert recalc_fast(path) is None, why
    assert path.read_bytes() == before


def test_inputs_are_found_when_a_workbook_is_laid_out_differently_from_the_last(workbooks, tmp_path):
    """Input cells are looked for where the last workbook had them; a workbook whose Inputs sheet
    lost a cell before them (every later position shifted) still gets its own values."""
    first, second = tmp_path / "first.xlsx", tmp_path / "second.xlsx"
    _stale_copy(workbooks[2], first)
    assert recalc_fast(first) > 0                   # the template's layout is now remembered

    def drop_first_label(name, data):
        if name != "xl/worksheets/sheet1.xml":
            return data
        out, n = re.subn(rb'<c r="A1"[^>]*?(?:/>|>.*?</c>)', b"", data, count=1)
        assert n == 1
        return out
    _rewrite_members(workbooks[3], second, drop_first_label)
    write_cached_values(second, {k: None for k in scan_workbook(second).formulas})
    assert recalc_fast(second) > 0
    assert recalc_file(second, check=True, engine="formulas") == []
    assert recalc_file(first, check=True, engine="formulas") == []


class _Unseekable:
    """A write-only stream: zipfile then writes data descriptors after each member."""

    def __init__(self, path):
        self.fh = open(path, "wb")

    def write(self, b):
        return self.fh.write(b)

    def flush(self):
        self.fh.flush()

    def close(self):
        self.fh.close()


def test_a_package_with_data_descriptors_is_rewritten_into_a_valid_zip(workbooks, tmp_path):
    import zipfile

    path = tmp_path / "streamed.xlsx"
    stream = _Unseekable(path)
    _rewrite_members(workbooks[4], stream, lambda name, data: data,
                     writer=lambda s: zipfile.ZipFile(s, "w", zipfile.ZIP_DEFLATED))
    stream.close()
    with zipfile.ZipFile(path) as z:
        assert all(i.flag_bits & 0x08 for i in z.infolist())   # really written with descriptors
    write_cached_values(path, {("Score", "B22"): 0.0})
    assert recalc_fast(path) > 0
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
    assert recalc_file(path, check=True, engine="formulas") == []
    assert openpyxl.load_workbook(path, data_only=True)["Score"]["B22"].value not in (None, 0.0)


def test_a_member_with_an_extra_field_is_copied_member_by_member(workbooks, tmp_path):
    import zipfile

    path = tmp_path / "extra.xlsx"
    with zipfile.ZipFile(workbooks[5]) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zi = zipfile.ZipInfo(info.filename, info.date_time)
            zi.compress_type = zipfile.ZIP_DEFLATED
            if info.filename == "xl/styles.xml":
                zi.extra = b"\xca\xfe\x04\x00abcd"             # an application's own extra field
            zout.writestr(zi, zin.read(info))
    write_cached_values(path, {("Score", "B22"): 0.0})
    styles_before = zipfile.ZipFile(path).read("xl/styles.xml")
    assert recalc_fast(path) > 0
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None and z.read("xl/styles.xml") == styles_before
        assert z.getinfo("xl/styles.xml").extra == b"\xca\xfe\x04\x00abcd"
    assert recalc_file(path, check=True, engine="formulas") == []


def test_a_corrupt_member_is_a_clear_error_and_the_file_is_untouched(workbooks, tmp_path):
    import zipfile

    from asm_xl.xlsx.errors import WorkbookError

    path = tmp_path / "corrupt.xlsx"
    shutil.copy(workbooks[0], path)
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("xl/worksheets/sheet2.xml")
    blob = bytearray(path.read_bytes())
    data_at = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for k in range(data_at + 50, data_at + 60):
        blob[k] ^= 0xFF                                       # damage the deflated sheet
    path.write_bytes(bytes(blob))
    before = path.read_bytes()
    with pytest.raises(WorkbookError, match="corrupt"):
        recalc_file(path)
    assert path.read_bytes() == before


def test_the_dashboard_and_the_index_take_the_fast_path_and_are_left_as_they_are(workbooks):
    """Formula-free workbooks with print titles and an autofilter (Excel's own sheet-scoped names,
    which no formula reads): 0 cells, at once, not a trip through the formulas engine."""
    folder = workbooks[0].parent
    for name in ("asm_dashboard.xlsx", "asm_index.xlsx"):
        path = folder / name
        before = (path.read_bytes(), path.stat().st_mtime_ns)
        assert recalc_fast(path) == 0
        assert recalc_fast(path, check=True) == []
        assert (path.read_bytes(), path.stat().st_mtime_ns) == before


def test_a_users_sheet_scoped_name_leaves_the_workbook_to_the_other_engines(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"], ws["B1"] = 2, "=A1*3"
    from openpyxl.workbook.defined_name import DefinedName
    ws.defined_names["Rate"] = DefinedName("Rate", attr_text="Sheet!$A$1")
    path = tmp_path / "local.xlsx"
    wb.save(path)
    assert recalc_fast(path) is None
    assert recalc_file(path) == 1 and recalculate(path)[("Sheet", "B1")] == 6


@pytest.mark.parametrize("edit", [
    lambda d: b"<worksheet><sheetData><row",                  # the QA repro: the Score sheet cut short
    lambda d: d[: len(d) * 2 // 3],                            # cut in the middle of its cells
    lambda d: d.replace(b"</v></c>", b"</v>", 1),             # a formula cell not closed
], ids=["repro", "cut", "formula-cell-not-closed"])
def test_a_sheet_cut_short_or_garbled_is_corrupt_not_recalculated_with_blanks(workbooks, tmp_path, edit):
    """It used to be recalculated with its missing cells read as blanks (final score 0.0), and the
    file, still corrupt, rewritten; alone or in a batch, it is refused and left as it is."""
    from asm_xl.calc.fast import CompiledTemplates, recalc_fast_many
    from asm_xl.xlsx.errors import WorkbookError
    path = tmp_path / "garbled.xlsx"
    _rewrite_members(workbooks[2], path, lambda name, data: edit(data) if name == "xl/worksheets/sheet2.xml" else data)
    before = path.read_bytes()
    for check in (False, True):
        with pytest.raises(WorkbookError, match=r"^corrupt workbook: .*garbled\.xlsx \(xl/worksheets/sheet2\.xml: "):
            recalc_fast(path, check=check)
        other = tmp_path / "other.xlsx"
        shutil.copy(workbooks[3], other)
        done = recalc_fast_many([path, other], check, templates=CompiledTemplates())
        assert list(done) == [str(other)]                      # left to recalc_fast, which says why
    assert path.read_bytes() == before


def test_a_generated_workbook_with_its_tables_stale_is_recalculated_on_the_fast_path(workbooks, tmp_path):
    # the tables are fixed array formulas: the fast path computes them (it left them to the tree-level
    # array path before) and writes every covered cell, as the array path and the formulas engine compute
    from asm_xl.calc.array_recalc import recalc_arrays
    fast, arrays = tmp_path / "fast.xlsx", tmp_path / "arrays.xlsx"
    for path in (fast, arrays):
        shutil.copy(workbooks[1], path)
        write_cached_values(path, {k: None for k in scan_workbook(path).array_cells})   # the tables blanked
    assert len(recalc_fast(fast, check=True)) > 100
    assert recalc_fast(fast) == recalc_arrays(arrays) == len(scan_workbook(fast).formula_cells)
    assert scan_workbook(fast).cached == scan_workbook(arrays).cached
    assert recalc_fast(fast, check=True) == [] and recalc_file(fast, check=True, engine="formulas") == []
    import zipfile
    with zipfile.ZipFile(fast) as z:   # the blocks on the hidden Tables sheet (the last), read by the tables
        tables = z.read("xl/worksheets/sheet9.xml")
    assert tables.count(b'<f t="array" ref="') == 7 and re.search(rb'<f t="array" ref="A\d+:E\d+">ASM_ACTIONS', tables)
