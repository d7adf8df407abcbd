"""Array formulas evaluated and placed the way Excel fills their cells (asm_xl.calc.array_formulas)."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asm_xl.calc.array_formulas import ArrayFormula, ArrayProgram, place_results, without_prefixes
from asm_xl.calc.evaluator import UnsupportedFormula, XlErr
from asm_xl.excel.registry import call
from asm_xl.xlsx.refs import cell_name, range_bounds

NA, SPILL = XlErr("#N/A"), XlErr("#SPILL!")


def array(anchor: str, ref: str, dynamic: bool = True) -> ArrayFormula:
    return ArrayFormula(("S", anchor), range_bounds(ref), dynamic, fn=None)


def test_function_prefixes_are_removed_outside_strings_and_sheet_names():
    assert without_prefixes('_xludf.ASM_FACTOR(B2:B6,2027,"HF")') == 'ASM_FACTOR(B2:B6,2027,"HF")'
    assert without_prefixes("_xlfn._xlws.SORT(A1:A3)+_XLFN.IFNA(1,2)") == "SORT(A1:A3)+IFNA(1,2)"
    assert without_prefixes('ASM_NOTE("_xludf.kept")&\'_xlfn.sheet\'!A1') == 'ASM_NOTE("_xludf.kept")&\'_xlfn.sheet\'!A1'
    assert without_prefixes("my_xludf.name") == "my_xludf.name"  # part of a longer name: kept


def test_a_dynamic_array_covers_its_result_and_moves_its_range():
    placed = place_results([array("B2", "B2:B5")], {("S", "B2"): [[1.0, "a"], [None, True]]}, set(), {})
    assert placed.values == {("S", "B2"): 1.0, ("S", "C2"): "a", ("S", "B3"): "", ("S", "C3"): True}
    assert placed.refs == {("S", "B2"): "B2:C3"}
    assert placed.clear == {("S", "B4"), ("S", "B5")}


def test_a_dynamic_array_whose_range_is_unchanged_keeps_it_and_a_one_value_result_covers_its_anchor():
    same = place_results([array("B2", "B2:B3")], {("S", "B2"): [[1.0], [2.0]]}, set(), {})
    assert same.refs == {} and same.clear == set()
    one = place_results([array("B2", "B2:B3")], {("S", "B2"): 7.0}, set(), {})
    assert one.values == {("S", "B2"): 7.0} and one.refs == {("S", "B2"): "B2"} and one.clear == {("S", "B3")}


def test_error_texts_become_errors_and_short_rows_are_padded_with_na_and_an_empty_result_is_calc():
    placed = place_results([array("A1", "A1")], {("S", "A1"): [["#DIV/0!", 2.0], [3.0]]}, set(), {})
    assert placed.values == {("S", "A1"): XlErr("#DIV/0!"), ("S", "B1"): 2.0, ("S", "A2"): 3.0, ("S", "B2"): NA}
    assert isinstance(placed.values[("S", "A1")], XlErr)
    assert place_results([array("A1", "A1")], {("S", "A1"): []}, set(), {}).values == {("S", "A1"): XlErr("#CALC!")}


def test_a_spill_past_the_sheets_edge_or_into_a_taken_or_merged_cell_is_spill_error():
    tall = [[1.0]] * 3
    assert place_results([array("A1048575", "A1048575")], {("S", "A1048575"): tall}, set(), {}).values == \
        {("S", "A1048575"): SPILL}
    blocked = place_results([array("B2", "B2:B4")], {("S", "B2"): tall}, {("S", "B4")}, {})
    assert blocked.values == {("S", "B2"): SPILL} and blocked.refs == {("S", "B2"): "B2"}
    assert blocked.clear == {("S", "B3"), ("S", "B4")}
    merged = place_results([array("B2", "B2")], {("S", "B2"): tall}, set(), {"S": [range_bounds("A3:C3")]})
    assert merged.values == {("S", "B2"): SPILL}
    elsewhere = place_results([array("B2", "B2")], {("S", "B2"): tall}, set(), {"T": [range_bounds("A3:C3")]})
    assert elsewhere.values[("S", "B4")] == 1.0  # a merged range on another sheet does not block


def test_the_array_that_held_a_range_keeps_it_against_one_placed_before_it():
    first, second = array("B2", "B2"), array("C3", "C3:C4")  # C3:C4 is the second one's, as stored
    placed = place_results([first, second], {("S", "B2"): [[1.0, 2.0], [3.0, 4.0]], ("S", "C3"): [[5.0], [6.0]]},
                           set(), {})
    assert placed.values[("S", "B2")] == SPILL and placed.values[("S", "C4")] == 6.0
    freed = place_results([first, second], {("S", "B2"): [[1.0, 2.0], [3.0, 4.0]], ("S", "C3"): 5.0}, set(), {})
    assert freed.values[("S", "B2")] == SPILL  # placed before the second one shrank: Excel's order of work


def test_a_fixed_array_repeats_one_row_or_column_fills_na_beyond_and_cuts_the_rest():
    raws = {("S", "A1"): [[1.0, 2.0]], ("S", "D1"): [[1.0], [2.0], [3.0]], ("S", "G1"): 9.0}
    arrays = [array("A1", "A1:B3", False), array("D1", "D1:D2", False), array("G1", "G1:H2", False)]
    placed = place_results(arrays, raws, set(), {})
    assert [placed.values[("S", c)] for c in ("A1", "B1", "A2", "B2", "A3", "B3")] == [1.0, 2.0] * 3
    assert [placed.values[("S", c)] for c in ("D1", "D2")] == [1.0, 2.0] and ("S", "D3") not in placed.values
    assert {placed.values[("S", c)] for c in ("G1", "H1", "G2", "H2")} == {9.0}
    assert placed.refs == {} and placed.clear == set()
    table = place_results([array("A1", "A1:C3", False)], {("S", "A1"): [[1.0, 2.0], [3.0, 4.0]]}, set(), {})
    assert [table.values[("S", c)] for c in ("C1", "A3", "C3", "B2")] == [NA, NA, NA, 4.0]


_CELL_VALUES = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=3), st.booleans(),
                         st.none(), st.sampled_from(["#N/A", "#VALUE!", "#NUM!", "", "x" * 32_768]),
                         st.integers(-3, 3))


@settings(max_examples=150, deadline=None)
@given(table=st.integers(1, 4).flatmap(lambda n: st.integers(1, 4).flatmap(
    lambda m: st.lists(st.lists(_CELL_VALUES, min_size=m, max_size=m), min_size=n, max_size=n))))
def test_a_fixed_array_of_its_results_exact_shape_shows_each_value_as_array_cell_would(table):
    # the template's tables fill their block exactly (a table function given its rows): the placement
    # takes each value as it is where array_cell would keep it; the same cells as cell by cell
    from asm_xl.calc.excel_semantics import array_cell, fixed_array
    n, m = len(table), len(table[0])
    expected = [[array_cell(v, not (i or j)) for j, v in enumerate(row)] for i, row in enumerate(table)]
    got = fixed_array(table, n, m)
    assert [[repr(v) for v in row] for row in got] == [[repr(v) for v in row] for row in expected]


@settings(max_examples=80, deadline=None)
@given(rows=st.integers(1, 5), cols=st.integers(1, 5), blocker=st.tuples(st.integers(1, 7), st.integers(1, 7)))
def test_a_spill_is_blocked_exactly_when_a_taken_cell_lies_in_its_extent(rows, cols, blocker):
    table = [[float(10 * i + j) for j in range(cols)] for i in range(rows)]
    taken = {("S", cell_name(*blocker))}
    placed = place_results([array("B2", "B2")], {("S", "B2"): table}, taken, {})
    inside = 2 <= blocker[0] < 2 + cols and 2 <= blocker[1] < 2 + rows and blocker != (2, 2)
    if inside:
        assert placed.values == {("S", "B2"): SPILL}
    else:
        assert placed.values == {("S", cell_name(2 + j, 2 + i)): table[i][j] for i in range(rows) for j in range(cols)}


def _program(formulas: dict, dynamic=()) -> ArrayProgram:
    return ArrayProgram({("S", c): (text, tuple(sorted(attrs.items()))) for c, (text, attrs) in formulas.items()},
                        {("S", c) for c in dynamic}, {})


def test_a_formula_that_gives_an_operator_a_range_is_not_ours():
    with pytest.raises(UnsupportedFormula, match="S!C2: a range given to an operator"):
        _program({"C2": ("B2:B6*2", {"t": "array", "ref": "C2:C6"})})
    with pytest.raises(UnsupportedFormula, match="a range given"):
        _program({"C2": ('ASM_FACTOR(B2:B6,2027,"HF")+1', {"t": "array", "ref": "C2:C6"})})
    with pytest.raises(UnsupportedFormula, match="a range given"):
        _program({"D1": ('ISERROR(ASM_PROJECTION(B2,2027,"HF",1))', {})})  # a table into a one-value function
    with pytest.raises(UnsupportedFormula, match="a shared formula"):
        _program({"D1": ("B2", {"t": "shared", "si": "0", "ref": "D1:D3"})})
    # ranges where Excel reads them whole: the same in and out of an array formula
    _program({"C2": ('IF(A1="x",ASM_FACTOR(B2:B6,2027,"HF"),SUM(B2:B6))', {"t": "array", "ref": "C2:C6"}),
              "D1": ('ASM_FACTOR(B2,2027,"HF")*2', {}), "D2": ("INDEX(B2:B6,2)+MAX(B2:B6)", {})})


def test_arrays_reading_each_other_settle_and_a_circle_does_not():
    program = _program({"C1": ("A1:A2", {"t": "array", "ref": "C1"}), "D1": ("C1:C2", {"t": "array", "ref": "D1"}),
                        "E1": ("D2*10", {})}, dynamic=("C1", "D1"))
    values, placed = program.run({("S", "A1"): 1.0, ("S", "A2"): 2.0}, set(), {})
    assert values == {("S", "E1"): 20.0}
    assert placed.values[("S", "D2")] == 2.0 and placed.refs == {("S", "C1"): "C1:C2", ("S", "D1"): "D1:D2"}
    # C2 shows E2, which is D1, which flips on C2: Excel calls it a circular reference
    circle = _program({"C1": ("E1:E2", {"t": "array", "ref": "C1"}), "D1": ("IF(C2=1,0,1)", {}), "E2": ("D1", {})},
                      dynamic=("C1",))
    with pytest.raises(UnsupportedFormula, match="do not settle"):
        circle.run({}, set(), {})


def test_a_spilled_call_equals_the_single_cell_calls():
    program = _program({"C2": ('_xludf.ASM_FACTOR(B2:B4,2027,"HF")', {"t": "array", "ref": "C2"})}, dynamic=("C2",))
    scores = [12.5, 64.0, "x"]
    _values, placed = program.run({("S", f"B{r}"): s for r, s in zip(range(2, 5), scores)}, set(), {})
    assert [placed.values[("S", f"C{r}")] for r in range(2, 5)] == [call("ASM_FACTOR", s, 2027, "HF") for s in scores]


def test_results_covering_more_cells_than_a_workbook_may_hold_are_refused_before_the_cells_are_made():
    from asm_xl.xlsx.errors import WorkbookError
    raws = {("S", "A1"): [[0.0] * 1_500_000], ("S", "C1"): [[0.0] * 500_000], ("S", "E5"): 1.0}
    with pytest.raises(WorkbookError, match=r"array formulas' results cover 2,000,001 cells, more than the "
                                            r"2,000,000 a workbook may hold \(the largest: S!A1, 1,500,000 cells\)"):
        place_results([array("A1", "A1"), array("C1", "C1"), array("E5", "E5", False)], raws, set(), {})
