"""The fast recalculation path gives the formulas engine's numbers, and steps aside when it cannot."""

import re
import shutil

import openpyxl
import pytest

from asm_xl.workbooks.batch import generate_workbooks
from asm_xl.workbooks.cached_values import write_cached_values
from asm_xl.workbooks.fast_recalc import recalc_fast
from asm_xl.workbooks.headless import scan_workbook
from asm_xl.workbooks.recalc import recalc_file, recalculate
from asm_xl.workbooks.template import DEFAULT_TEMPLATE

SAMPLE = DEFAULT_TEMPLATE.parents[1] / "asm_xl" / "data" / "sample_roster.csv"


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory):
    out = tmp_path_factory.mktemp("fast")
    report = generate_workbooks(SAMPLE, out_dir=out)
    return report.written[:6]


def test_fast_path_writes_what_the_formulas_engine_computes(workbooks, tmp_path):
    path = tmp_path / workbooks[0].name
    shutil.copy(workbooks[0], path)
    blanked = {k: None for k in scan_workbook(path).formulas}
    write_cached_values(path, blanked)               # no cached value left
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
    assert recalc_fast(path) == len(scan_workbook(path).formulas)   # every formula recalculated
    assert path.read_bytes() == before and path.stat().st_mtime_ns == stamp
