"""Headless recalculation of workbooks that Excel 365 saved with dynamic-array formulas, and of fixed
(Ctrl+Shift+Enter) arrays: every covered cell's cached value written, the spill grown or shrunk.

The fixtures are written by XlsxWriter's ``write_dynamic_array_formula`` / ``write_array_formula``,
which store the formulas as Excel 365 does (anchor ``<c cm="1"><f t="array" ref=...>``, the other
cells plain values, ``xl/metadata.xml`` with the dynamic-array properties)."""
from __future__ import annotations

import csv
import os
import re
import subprocess
import zipfile

import openpyxl
import pytest
import xlsxwriter  # a runtime dependency (the dashboard and index writer)
from hypothesis import given, settings
from hypothesis import strategies as st

from asm_xl.calc.array_recalc import recalc_arrays
from asm_xl.calc.recalc import Recalculator, recalc_file
from asm_xl.excel.registry import call
from asm_xl.xlsx.refs import cell_name

SCORES = [20.0, 55.5, 70.0, 90.0, 100.0]


def excel365(path, build, *, scores=SCORES) -> str:
    """A workbook with sheet "S", final scores in B2:B(n+1), and whatever *build(ws)* writes."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("S")
    ws.write_column("B2", scores)
    build(ws)
    wb.close()
    return str(path)


def values(path, cells: list[str]) -> list:
    ws = openpyxl.load_workbook(path, data_only=True)["S"]
    return [ws[c].value for c in cells]


def column(col: str, first: int, last: int) -> list[str]:
    return [f"{col}{r}" for r in range(first, last + 1)]


def sheet_xml(path) -> bytes:
    with zipfile.ZipFile(path) as zf:
        return zf.read("xl/worksheets/sheet1.xml")


def factor_column(ws):
    ws.write_dynamic_array_formula("C2:C6", '=_xludf.ASM_FACTOR(B2:B6,2027,"HF")')


# ------------------------------------------------------------------ dynamic arrays
def test_a_spilled_column_of_factors_equals_the_single_cell_calls(tmp_path):
    path = excel365(tmp_path / "factors.xlsx", factor_column)
    with zipfile.ZipFile(path) as zf:   # XlsxWriter asks for a full calculation on opening ...
        assert b'fullCalcOnLoad="1"' in zf.read("xl/workbook.xml")
    assert recalc_file(path) == 5
    with zipfile.ZipFile(path) as zf:   # ... which every cell now holding its value makes needless
        assert re.search(rb"<calcPr[^>]*>", zf.read("xl/workbook.xml")).group(0) == b'<calcPr calcId="124519"/>'
    assert values(path, column("C", 2, 6)) == [call("ASM_FACTOR", s, 2027, "HF") for s in SCORES]
    anchor = openpyxl.load_workbook(path)["S"]["C2"].value  # the formula kept, as an array formula
    assert (anchor.ref, anchor.text) == ("C2:C6", '=_xludf.ASM_FACTOR(B2:B6,2027,"HF")')
    assert re.search(rb'<c r="C2" cm="1"><f t="array" ref="C2:C6">', sheet_xml(path))
    with zipfile.ZipFile(path) as zf:
        assert "xl/metadata.xml" in zf.namelist()  # the dynamic-array properties kept



def test_print_titles_do_not_keep_a_spill_from_our_evaluator(tmp_path):
    """Excel's own sheet-scoped names (print titles) are read by no formula: our evaluator takes the
    workbook, as the fast path does (asm_xl.xlsx.parts.formula_names)."""
    def with_print_titles(ws):
        factor_column(ws)
        ws.repeat_rows(0)
    path = excel365(tmp_path / "titled.xlsx", with_print_titles)
    assert recalc_arrays(path) == 5
    assert values(path, column("C", 2, 6)) == [call("ASM_FACTOR", s, 2027, "HF") for s in SCORES]

@settings(max_examples=15, deadline=None)
@given(scores=st.lists(st.one_of(st.floats(0, 100), st.sampled_from(["x", True])), min_size=1, max_size=9),
       code=st.sampled_from(["HF", "LBP"]), year=st.sampled_from([2027, 2028]))
def test_any_spilled_column_equals_the_element_wise_single_cell_results(tmp_path_factory, scores, code, year):
    last = 1 + len(scores)
    path = excel365(tmp_path_factory.mktemp("h") / "f.xlsx", lambda ws: ws.write_dynamic_array_formula(
        "D2", f'=ASM_FACTOR(B2:B{last},{year},"{code}")'), scores=scores)
    recalc_file(path)
    stored = values(path, column("B", 2, last))  # as the file holds them (XlsxWriter writes 16 digits, as Excel)
    assert values(path, column("D", 2, last)) == [call("ASM_FACTOR", s, year, code) for s in stored]
    assert openpyxl.load_workbook(path)["S"]["D2"].value.ref == ("D2" if last == 2 else f"D2:D{last}")


def test_a_projection_spills_its_six_by_eight_table_from_a_one_cell_range(tmp_path):
    path = excel365(tmp_path / "projection.xlsx",
                    lambda ws: ws.write_dynamic_array_formula("G2", '=_xludf.ASM_PROJECTION(B4,2027,"HF",250000)'))
    assert recalc_file(path) == 48
    table = call("ASM_PROJECTION", 70.0, 2027, "HF", 250000)
    assert (len(table), len(table[0])) == (6, 8)
    ws = openpyxl.load_workbook(path, data_only=True)["S"]
    assert [[ws.cell(2 + i, 7 + j).value for j in range(8)] for i in range(6)] == table
    assert ws.cell(8, 7).value is None and ws.cell(2, 15).value is None  # nothing beyond the table
    assert openpyxl.load_workbook(path)["S"]["G2"].value.ref == "G2:N7"
    assert b'<dimension ref="B2:N7"/>' in sheet_xml(path)


LONG_OR_SHORT = '=IF(A1="short",ASM_FACTOR(B2:B3,2027,"HF"),ASM_FACTOR(B2:B6,2027,"HF"))'


def test_the_spill_shrinks_when_an_input_asks_for_fewer_rows_and_the_cells_left_are_emptied(tmp_path):
    def build(ws):  # saved by Excel while A1 said "long": C2:C6, then A1 changed
        ws.write("A1", "short")
        ws.write_dynamic_array_formula("C2:C6", LONG_OR_SHORT)
    path = excel365(tmp_path / "shrink.xlsx", build)
    assert recalc_file(path) == 2
    assert values(path, column("C", 2, 6)) == [call("ASM_FACTOR", s, 2027, "HF") for s in SCORES[:2]] + [None] * 3
    assert openpyxl.load_workbook(path)["S"]["C2"].value.ref == "C2:C3"
    assert recalc_file(path, check=True) == []


def test_the_spill_grows_when_an_input_asks_for_more_rows(tmp_path):
    def build(ws):  # saved by Excel while A1 said "short": C2:C3
        ws.write("A1", "long")
        ws.write_dynamic_array_formula("C2:C3", LONG_OR_SHORT)
    path = excel365(tmp_path / "grow.xlsx", build)
    assert [(d.cell, d.cached) for d in recalc_file(path, check=True)][2:] == [("C4", None), ("C5", None),
                                                                              ("C6", None)]
    assert recalc_file(path) == 5
    assert values(path, column("C", 2, 7)) == [call("ASM_FACTOR", s, 2027, "HF") for s in SCORES] + [None]
    assert openpyxl.load_workbook(path)["S"]["C2"].value.ref == "C2:C6"


def test_a_spill_blocked_by_a_value_shows_spill_error_and_leaves_the_value(tmp_path):
    def build(ws):
        ws.write_dynamic_array_formula("G2", '=_xludf.ASM_PROJECTION(B4,2027,"HF",250000)')
        ws.write("I5", "typed here")
    path = excel365(tmp_path / "blocked.xlsx", build)
    recalc_file(path)
    assert values(path, ["G2", "H2", "I5", "G3"]) == ["#SPILL!", None, "typed here", None]
    assert openpyxl.load_workbook(path)["S"]["G2"].value.ref == "G2"
    assert recalc_file(path, check=True) == []


def test_a_spill_blocked_by_a_formula_cell_or_a_merged_cell_shows_spill_error(tmp_path):
    def build(ws):
        ws.write_dynamic_array_formula("C2", '=ASM_FACTOR(B2:B6,2027,"HF")')
        ws.write_formula("C5", "=1+1")
        ws.write_dynamic_array_formula("E2", '=ASM_FACTOR(B2:B6,2027,"HF")')
        ws.merge_range("E4:F4", "")
    path = excel365(tmp_path / "blocked2.xlsx", build)
    recalc_file(path)
    assert values(path, ["C2", "C3", "C5", "E2", "E3"]) == ["#SPILL!", None, 2, "#SPILL!", None]


def test_a_spill_that_becomes_blocked_empties_the_cells_it_covered(tmp_path):
    def build(ws):  # saved spilling C2:C3; then a value typed into C4, where the spill must grow
        ws.write_dynamic_array_formula("C2:C3", '=ASM_FACTOR(B2:B6,2027,"HF")')
        ws.write("C4", 99)
    path = excel365(tmp_path / "was_spilled.xlsx", build)
    recalc_file(path)
    assert values(path, ["C2", "C3", "C4"]) == ["#SPILL!", None, 99]


def test_formulas_reading_spilled_cells_see_the_fresh_values(tmp_path):
    def build(ws):
        ws.write_dynamic_array_formula("C2", '=ASM_FACTOR(B2:B6,2027,"HF")')
        ws.write_formula("E2", "=C4*2")
        ws.write_formula("E3", "=SUM(C2:C6)")
        ws.write_dynamic_array_formula("G2", "=C2:C6")  # an array reading another's spill
    path = excel365(tmp_path / "chain.xlsx", build)
    recalc_file(path)
    factors = [call("ASM_FACTOR", s, 2027, "HF") for s in SCORES]
    assert values(path, ["E2", "E3"]) == [factors[2] * 2, pytest.approx(sum(factors), abs=1e-15)]
    assert values(path, column("G", 2, 6)) == factors


# ------------------------------------------------------------------ fixed (CSE) arrays
def test_a_fixed_array_keeps_its_range_with_na_beyond_the_result(tmp_path):
    def build(ws):
        ws.write_array_formula("E2:E8", '{=_xludf.ASM_FACTOR(B2:B6,2027,"HF")}')
        ws.write_array_formula("G2:H3", '{=ASM_FACTOR(B2:B3,2028,"LBP")}')  # one column: repeated across
        ws.write_array_formula("J2:J3", '{=ASM_FACTOR(B2:B6,2027,"HF")}')  # smaller than the result: cut
    path = excel365(tmp_path / "cse.xlsx", build)
    recalc_file(path)
    hf = [call("ASM_FACTOR", s, 2027, "HF") for s in SCORES]
    lbp = [call("ASM_FACTOR", s, 2028, "LBP") for s in SCORES[:2]]
    assert values(path, column("E", 2, 8)) == hf + ["#N/A", "#N/A"]
    assert values(path, ["G2", "H2", "G3", "H3"]) == [lbp[0], lbp[0], lbp[1], lbp[1]]
    assert values(path, ["J2", "J3", "J4"]) == hf[:2] + [None]
    ws = openpyxl.load_workbook(path)["S"]
    assert (ws["E2"].value.ref, ws["G2"].value.ref, ws["J2"].value.ref) == ("E2:E8", "G2:H3", "J2:J3")
    assert b"cm=" not in sheet_xml(path)  # still fixed arrays


# ------------------------------------------------------------------ check, no rewrite, fallback
def test_check_compares_every_spilled_cell(tmp_path):
    path = excel365(tmp_path / "check.xlsx", factor_column)
    factors = [call("ASM_FACTOR", s, 2027, "HF") for s in SCORES]
    assert [(d.cell, d.cached, d.fresh) for d in recalc_file(path, check=True)] == \
        [(f"C{r}", 0, f) for r, f in zip(range(2, 7), factors)]
    recalc_file(path)
    assert recalc_file(path, check=True) == []
    with zipfile.ZipFile(path) as zf:  # one spilled cell's cached value edited by hand
        parts = {i.filename: zf.read(i.filename) for i in zf.infolist()}
    member = "xl/worksheets/sheet1.xml"
    parts[member] = parts[member].replace(b'<c r="C5"><v>' + repr(factors[3]).encode(), b'<c r="C5"><v>0.5')
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    assert [(d.cell, d.cached, d.fresh) for d in recalc_file(path, check=True)] == [("C5", 0.5, factors[3])]


def test_a_workbook_whose_cached_values_are_current_is_not_rewritten(tmp_path):
    path = excel365(tmp_path / "current.xlsx", factor_column)
    recalc_file(path)
    before = (os.stat(path).st_mtime_ns, open(path, "rb").read())
    assert recalc_file(path) == 5
    assert (os.stat(path).st_mtime_ns, open(path, "rb").read()) == before


def test_a_batch_compiles_each_set_of_formulas_once(tmp_path):
    cache = Recalculator()
    paths = [excel365(tmp_path / f"b{i}.xlsx", factor_column, scores=[float(10 * i + k) for k in range(5)])
             for i in range(3)]
    for i, path in enumerate(paths):
        recalc_file(path, cache=cache)
        assert values(path, column("C", 2, 6)) == [call("ASM_FACTOR", float(10 * i + k), 2027, "HF") for k in range(5)]
    assert len(cache.arrays._programs) == 1


def test_an_array_formula_our_evaluator_would_misread_goes_to_the_formulas_engine(tmp_path):
    # Excel multiplies cell by cell in an array formula; our evaluator would give #VALUE!, so this
    # path declines it and the formulas engine (which computes arrays) takes it.
    path = excel365(tmp_path / "times.xlsx", lambda ws: ws.write_array_formula("C2:C6", "{=B2:B6*2}"))
    assert recalc_arrays(path) is None
    recalc_file(path)
    assert values(path, column("C", 2, 6)) == [2 * s for s in SCORES]


def test_an_unknown_function_keeps_the_formulas_engine_fallback(tmp_path):
    path = excel365(tmp_path / "unknown.xlsx", lambda ws: ws.write_dynamic_array_formula("C2", "=_xlfn.SORT(B2:B6)"))
    assert recalc_arrays(path) is None
    before = sheet_xml(path)
    recalc_file(path)  # the formulas engine computes what it can; the array's range is not moved
    assert re.search(rb'<f t="array" ref="C2">', sheet_xml(path)) and re.search(rb'<f t="array" ref="C2">', before)


def test_a_workbook_without_array_formulas_is_not_this_paths(tmp_path):
    path = excel365(tmp_path / "plain.xlsx", lambda ws: ws.write_formula("C2", '=ASM_FACTOR(B2,2027,"HF")'))
    assert recalc_arrays(path) is None


# ------------------------------------------------------------------ other readers
def test_openpyxl_and_libreoffice_read_the_rewritten_file(tmp_path):
    def build(ws):
        ws.write_dynamic_array_formula("D2:D3", "=B2:B6")  # grows to D2:D6 (LibreOffice recomputes it)
        ws.write_dynamic_array_formula("G2", '=_xludf.ASM_PROJECTION(B4,2027,"HF",250000)')
        ws.write_formula("P2", '=_xludf.ASM_FACTOR(B2,2027,"HF")')
    path = excel365(tmp_path / "round_trip.xlsx", build)
    recalc_file(path)
    wb = openpyxl.load_workbook(path, data_only=True)  # openpyxl reads it
    assert [wb["S"][c].value for c in column("D", 2, 6)] == SCORES
    from asm_xl.workbooks.pdf import find_soffice
    soffice = find_soffice()
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed: cannot check what it displays")
    filt = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
    subprocess.run([soffice, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless", "--norestore",
                    "--convert-to", filt, "--outdir", str(tmp_path / "out"), path],
                   check=True, capture_output=True, timeout=180)
    with open(next((tmp_path / "out").glob("*.csv")), newline="", encoding="utf-8") as f:
        grid = list(csv.reader(f))
    shown = {cell_name(c + 1, r + 1): v for r, row in enumerate(grid) for c, v in enumerate(row)}
    assert [float(shown[c]) for c in column("D", 2, 6)] == SCORES  # the grown range, as LibreOffice computes it
    assert shown["D7"] == ""
    assert float(shown["P2"]) == pytest.approx(call("ASM_FACTOR", 20.0, 2027, "HF"), rel=1e-14)  # cached value shown
    # LibreOffice recomputes every array formula on load (whatever the cached values) and knows no
    # ASM_* function: it shows #NAME? over exactly the range written, and nothing beyond it
    assert {shown[cell_name(7 + j, 2 + i)] for i in range(6) for j in range(8)} == {"#NAME?"}
    assert shown.get("G8", "") == "" and shown.get("O2", "") == ""


def test_the_recalc_command_checks_and_writes_the_spilled_cells(tmp_path, capsys):
    from asm_xl.cli import main
    path = excel365(tmp_path / "cli.xlsx",
                    lambda ws: ws.write_dynamic_array_formula("G2", '=_xludf.ASM_PROJECTION(B4,2027,"HF",250000)'))
    assert main(["recalc", "--check", path]) == 1
    out = capsys.readouterr().out
    assert "48 cell(s) differ" in out and "S!H2: cached None, fresh 'Payment year'" in out
    assert main(["recalc", path]) == 0
    assert main(["recalc", "--check", path]) == 0
    assert "cached values match" in capsys.readouterr().out


@pytest.mark.parametrize("batch", [False, True])
def test_an_array_formula_openpyxl_wrote_without_its_covered_cells_is_recalculated_with_every_cell(tmp_path, batch):
    # openpyxl's ArrayFormula writes the anchor only. The fast path refused the file after computing it (a covered
    # cell missing), outside its fallback: asm-xl recalc exited 2 with "could not recalculate (NotByteReadable: ...)",
    # and in a batch the error would have stopped every file. Now it goes on to the array path, which writes C3:C4.
    from openpyxl.worksheet.formula import ArrayFormula
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    for r, v in zip((2, 3, 4), (40, 55, 70)):
        ws[f"B{r}"] = v
    ws["C2"] = ArrayFormula("C2:C4", '=ASM_FACTOR(B2:B4,2027,"HF")')
    paths = []
    for name in ("one.xlsx", "two.xlsx"):
        wb.save(tmp_path / name)
        paths.append(tmp_path / name)
    rec = Recalculator()
    if batch:
        assert rec.recalc_many(paths) == {}   # left to recalc_file one by one, not an exception for the batch
    want = [row[0] for row in call("ASM_FACTOR", [[40.0], [55.0], [70.0]], 2027, "HF")]
    for path in paths:
        assert rec.recalc_file(path) == 3
        got = openpyxl.load_workbook(path, data_only=True)["S"]
        assert [got[f"C{r}"].value for r in (2, 3, 4)] == want
        assert rec.recalc_file(path, check=True) == []
