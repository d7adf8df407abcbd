"""Headless evaluation of spilled results: tables and mapped calls fill the cells below and right."""

import logging

import openpyxl

from openpyxl import Workbook
from openpyxl.worksheet.formula import ArrayFormula

from asm_xl.calc.evaluator import Evaluator, XlErr
from asm_xl.calc.recalc import recalc_file, recalculate
from asm_xl.excel.registry import call
from asm_xl.xlsx.refs import cell_name

PROJECTION = '=ASM_PROJECTION(A1,2027,"HF",250000)'


def _grid(values: dict, sheet: str, col: int, row: int, rows: int, cols: int) -> list[list]:
    return [[values[(sheet, cell_name(col + j, row + i))] for j in range(cols)] for i in range(rows)]


def test_a_table_function_fills_the_cells_below_and_right_with_the_registry_table():
    out = Evaluator({("S", "B2"): PROJECTION}, {}).run({("S", "A1"): 70.0})
    table = call("ASM_PROJECTION", 70.0, 2027, "HF", 250000)
    assert _grid(out, "S", 2, 2, len(table), len(table[0])) == table
    assert ("S", "B8") not in out and ("S", "J2") not in out  # nothing beyond the table


def test_a_mapped_call_spills_a_column_equal_to_single_cell_calls():
    inputs = {("S", f"A{r}"): v for r, v in zip(range(1, 5), [20.0, 55.5, "x", 90.0])}
    out = Evaluator({("S", "C1"): '=ASM_FACTOR(A1:A4,2028,"LBP")'}, {}).run(inputs)
    singles = [call("ASM_FACTOR", inputs[("S", f"A{r}")], 2028, "LBP") for r in range(1, 5)]
    assert [out[("S", f"C{r}")] for r in range(1, 5)] == [singles[0], singles[1], XlErr("#VALUE!"), singles[3]]


def test_a_table_blocked_by_a_formula_or_an_input_is_spill_error_and_fills_nothing():
    blocked = Evaluator({("S", "B2"): PROJECTION, ("S", "C3"): "=1+1"}, {}).run({("S", "A1"): 70.0})
    assert blocked[("S", "B2")] == XlErr("#SPILL!") and blocked[("S", "C3")] == 2.0
    assert ("S", "C2") not in blocked
    by_input = Evaluator({("S", "B2"): PROJECTION}, {}).run({("S", "A1"): 70.0, ("S", "D4"): "typed"})
    assert by_input[("S", "B2")] == XlErr("#SPILL!")
    blank = Evaluator({("S", "B2"): PROJECTION}, {}).run({("S", "A1"): 70.0, ("S", "D4"): None})
    assert blank[("S", "B2")] == "Performance year"


def test_a_table_at_the_sheets_edge_is_spill_error():
    out = Evaluator({("S", "XFD2"): PROJECTION}, {}).run({("S", "A1"): 70.0})
    assert out[("S", "XFD2")] == XlErr("#SPILL!")


def test_index_reads_a_table_cell_the_same_in_both_engines(tmp_path):
    table = call("ASM_PROJECTION", 70.0, 2027, "HF", 250000)
    formulas = {("S", "B1"): '=INDEX(ASM_PROJECTION(A1,2027,"HF",250000),3,6)',
                ("S", "B2"): '=IFERROR(INDEX(ASM_PROJECTION(A1,2027,"HF",250000),9,1),"none")',
                ("S", "B3"): '=INDEX(ASM_PROJECTION(A1,2027,"HF",250000),9,1)'}
    ours = Evaluator(formulas, {}).run({("S", "A1"): 70.0})
    assert ours[("S", "B1")] == table[2][5] and ours[("S", "B2")] == "none" and ours[("S", "B3")] == XlErr("#REF!")
    wb = Workbook()
    ws = wb.active
    ws.title = "S"
    ws["A1"] = 70.0
    for (_s, cell), text in formulas.items():
        ws[cell] = text
    path = tmp_path / "index.xlsx"
    wb.save(path)
    theirs = recalculate(path)
    assert theirs[("S", "B1")] == table[2][5] and theirs[("S", "B2")] == "none" and theirs[("S", "B3")] == "#REF!"


def _table_in_a_plain_cell(path, **more):
    """A workbook whose plain formula S!B2 returns a table (ASM_PROJECTION of S!A1), and ``more`` cells."""
    wb = Workbook()
    ws = wb.active
    ws.title = "S"
    ws["A1"] = 70.0
    ws["B2"] = PROJECTION
    for cell, value in more.items():
        ws[cell] = value
    wb.save(path)
    return path


def test_recalc_says_that_the_file_holds_only_the_top_left_value_of_a_table(tmp_path, caplog):
    path = _table_in_a_plain_cell(tmp_path / "table.xlsx")
    with caplog.at_level(logging.WARNING):
        assert recalc_file(path, engine="formulas") == 1
    assert "does not spill" in caplog.text and "S!B2" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        assert recalc_file(path, engine="auto") == 1
    assert "S!B2 hold(s) only the top-left value" in caplog.text   # (the message counted 47 values, naming no cell)
    assert recalc_file(path, check=True, engine="auto") == []


def test_recalc_says_it_of_a_workbook_with_array_formulas_too(tmp_path, caplog):
    # a generated workbook has fixed array formulas (its tables): its plain formulas went through the array path,
    # which kept the top-left value without a word
    path = _table_in_a_plain_cell(tmp_path / "table_and_array.xlsx", D1=ArrayFormula("D1", "=A1*2"))
    with caplog.at_level(logging.WARNING):
        assert recalc_file(path, engine="auto") == 2
    assert "S!B2 hold(s) only the top-left value" in caplog.text
    assert openpyxl.load_workbook(path, data_only=True)["S"]["D1"].value == 140.0


def test_a_plain_formula_in_a_file_holds_its_tables_top_left_value_whatever_is_below_it_in_both_engines(tmp_path):
    # J8 has a formula below it, K8 text no formula reads: our engine gave J8 #SPILL! (the formula blocked a spill
    # the file cannot hold anyway) and K8 the top-left value (the text was not among the cells it read), the
    # formulas engine the top-left value in both. A plain formula in a file is one cell (Excel 365 opens it as
    # =@ASM_FACTOR(...)); what Excel 365 spills it saves as an array formula, which asm_xl.calc.array_recalc fills.
    wb = Workbook()
    ws = wb.active
    ws.title = "S"
    for r, v in zip((2, 3, 4), (40, 55, 70)):
        ws[f"B{r}"] = v
    ws["J8"], ws["J9"] = '=ASM_FACTOR(B2:B4,2027,"HF")', "=SUM(B2:B4)"
    ws["K8"], ws["K9"] = '=ASM_FACTOR(B2:B4,2027,"HF")', "x"
    path = tmp_path / "plain.xlsx"
    wb.save(path)
    top_left = call("ASM_FACTOR", [[40.0], [55.0], [70.0]], 2027, "HF")[0][0]
    for engine in ("auto", "formulas"):
        fresh = recalculate(path) if engine == "formulas" else None
        assert recalc_file(path, engine=engine) == 3
        got = openpyxl.load_workbook(path, data_only=True)["S"]
        assert (got["J8"].value, got["K8"].value, got["J9"].value) == (top_left, top_left, 165), engine
        assert fresh is None or fresh[("S", "J8")] == top_left
