"""Your quality ladders in the ASM_* functions (the Benchmarks sheet's QualityLadders): a measure given there is
scored on it by ASM_MEASURE_POINTS, ASM_MEASURE and ASM_ACTIONS, ASM_LADDERS shows it, and a bad row says why."""

import pytest

from asm_xl.excel import ladder_functions
from asm_xl.excel.registry import call, explain
from asm_xl.model.actions import participant_actions
from asm_xl.model.user_ladders import quality_ladders

from tests.excel.test_table_functions import ROW, _ranges

#: one ladder row as the Benchmarks sheet holds it, then a blank row (the table's rows are never all filled)
LADDERS = [["Q236", "eCQM", "No", "CMS ASM PY2027", 10, 20, 30, 40, 50, 60, 70, 80, 90, 95], [None] * 14]
MEASURE_ARGS = ("HF", "Q236", "eCQM", 60, 60, None, 0.72, None)


def test_measure_points_use_your_ladder_for_its_measure_and_collection_type_only():
    assert call("ASM_MEASURE_POINTS", "Q236", "eCQM", 0.72, None, None, LADDERS) == 7.2    # 7 + (72 - 70) / 10
    assert call("ASM_MEASURE_POINTS", "Q236", "eCQM", 0.72) == 7.0   # packaged PY2026: B7 72.0 exactly
    assert call("ASM_MEASURE_POINTS", "Q236", "MIPS CQM", 0.72, None, None, LADDERS) == 8.2   # packaged: 8 + 2 / 10


def test_a_measure_cell_is_scored_on_your_ladder_as_the_core_scores_it():
    assert call("ASM_MEASURE", "points", *MEASURE_ARGS, None, None, None, LADDERS) == 7.2
    assert call("ASM_MEASURE", "status", *MEASURE_ARGS, None, None, None, LADDERS) == "Scored; on your ladder"
    assert call("ASM_MEASURE", "points", *MEASURE_ARGS, None, None, None, [[None] * 14] * 3) == 7.0   # blank: none


def test_the_ladder_table_shows_yours_in_place_of_the_mips_one():
    rows = call("ASM_LADDERS", None, LADDERS)
    q236 = {r[2]: r for r in rows[1:] if r[1] == "Q236"}
    assert q236["eCQM"][3:7] == ["yours: CMS ASM PY2027", "No", "No", "percent"]
    assert q236["eCQM"][7:] == [10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0, 95.0]
    assert q236["MIPS CQM"][3] == 2026
    assert rows[0][3] == "MIPS PY or yours"


def test_actions_are_valued_on_your_ladders_as_participant_actions_values_them():
    row = dict(ROW, q236_collection_type="eCQM")
    ranges = list(_ranges(row))
    ranges[1][3][2] = "eCQM"
    table = call("ASM_ACTIONS", *ranges, None, None, LADDERS)
    want = participant_actions(row, ladders=quality_ladders(LADDERS))
    assert [r[:3] for r in table[1:]] == [[a.label, a.final_change, a.value_p50] for a in want.itertuples()]
    assert table != call("ASM_ACTIONS", *ranges)   # Q236's decile steps are your ladder's


@pytest.mark.parametrize("bad, code, why", [
    ([["Q999", "", "", "", *range(10)]], "#VALUE!", "ladders row 1: measure: 'Q999' is not allowed (an ASM measure"),
    ([[None] * 14, ["Q8X", "", "", "", *range(10)]], "#VALUE!", "ladders row 2: measure: 'Q8X' is not allowed"),
    ([["Q236", "", "", "", *range(9), "#DIV/0!"]], "#DIV/0!", "ladders row 1: b10: #DIV/0! (an error in a cell"),
    ([["Q236", "eCQM", *range(10)]], "#VALUE!", "ladders: 14 columns needed"),
])
def test_a_bad_ladder_row_is_the_error_of_every_cell_scored_on_the_table_and_why_says_which(bad, code, why):
    shown = call("ASM_MEASURE_POINTS", "Q008", "eCQM", 0.9, None, None, bad)   # even another measure's
    assert str(shown).startswith(code)
    assert why in explain("ASM_MEASURE_POINTS", "Q008", "eCQM", 0.9, None, None, bad)


def test_a_bad_row_errs_the_cells_of_its_own_measure_and_no_other():
    bad = LADDERS[:1] + [["Q008", "", "", "", *range(10, 0, -1)]]   # Q008 descending: refused
    assert call("ASM_MEASURE", "points", *MEASURE_ARGS, None, None, None, bad) == 7.2   # Q236: your ladder still
    q008 = ("HF", "Q008", "eCQM", 60, 60, None, 0.9, None, None, None, None)
    assert call("ASM_MEASURE", "points", *q008, bad) == "#VALUE!"
    assert explain("ASM_MEASURE", "points", *q008, bad) == ("ladders row 2: b1..b10: 'b1 10 then b2 9' is not allowed "
                                                            "(Q008's decile start values ascending)")
    rows = call("ASM_LADDERS", None, bad)
    assert [r[3] for r in rows[1:] if r[1] == "Q008"] == ["refused: " + explain("ASM_MEASURE", "points", *q008, bad)] * 2
    assert [r[3] for r in rows[1:] if r[1] == "Q236"] == ["yours: CMS ASM PY2027", 2026]


def test_each_distinct_ladder_table_is_read_once():
    ladder_functions.LADDERS_MEMO.clear()
    solves = ladder_functions.LADDERS_MEMO.solves
    first = ladder_functions.quality_ladders_arg([list(r) for r in LADDERS])
    again = ladder_functions.quality_ladders_arg([list(r) for r in LADDERS])   # an equal range built anew
    assert first is again and ladder_functions.LADDERS_MEMO.solves - solves == 1


def test_a_table_formula_of_an_earlier_version_keeps_its_rows_where_ladders_now_stand():
    # ASM_LADDERS(Assumptions,15) and ASM_ACTIONS(..., CostLadder, Assumptions, 30) were written before the
    # ladders argument came before rows: their number is still the block's rows
    assert call("ASM_LADDERS", None, 15) == call("ASM_LADDERS", None, None, 15)
    assert len(call("ASM_LADDERS", None, 15)) == 15
    ranges = _ranges(ROW)
    assert call("ASM_ACTIONS", *ranges, None, None, 30) == call("ASM_ACTIONS", *ranges, None, None, None, 30)
    assert call("ASM_ACTIONS", *ranges, None, None, [[30]]) == call("ASM_ACTIONS", *ranges, None, None, None, 30)
    # a range where ladders stand is ladders, as today's formulas give it
    assert call("ASM_LADDERS", None, LADDERS)[1:] != call("ASM_LADDERS", None)[1:]


def test_an_earlier_table_formula_keeps_its_rows_as_xlwings_passes_it_every_argument():
    # Excel, through xlwings, passes every declared argument: the ones a formula leaves out as None
    assert call("ASM_LADDERS", None, [[15]], None) == call("ASM_LADDERS", None, None, 15)
    import asm_xl.udfs as udfs
    assert udfs.ASM_LADDERS(None, [[15]]) == udfs.ASM_LADDERS(None, None, 15)
    assert len(udfs.ASM_LADDERS(None, [[15]])) == 15


def test_a_bad_table_read_again_raises_a_new_error_each_time():
    # the kept error raised again grew its traceback with every call (memory kept by a long Excel session)
    seen = []
    for _ in range(3):   # an error value in a cell: the table's error, kept by its content
        with pytest.raises(Exception) as e:
            ladder_functions.quality_ladders_arg([["Q236", "", "", "", *range(9), "#DIV/0!"]])
        seen.append(e.value)
    ladders = ladder_functions.quality_ladders_arg([["Q999", "", "", "", *range(10)]])
    for _ in range(2):   # a refused row: its measure's error, kept in the ladders
        with pytest.raises(Exception) as e:
            ladders.get("236", "eCQM")
        seen.append(e.value)
    assert len({id(e) for e in seen}) == 5 and len({str(e) for e in seen[1:3]}) == len({str(e) for e in seen[3:]}) == 1
    assert all(e.__traceback__.tb_next is None or len(list(_frames(e))) < 10 for e in seen)


def _frames(e):
    tb = e.__traceback__
    while tb is not None:
        yield tb
        tb = tb.tb_next
