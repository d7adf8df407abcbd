"""The fast recalculation path gives the formulas engine's numbers, and steps aside when it cannot."""

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
