"""Element-wise functions given ranges: the spilled result equals the single-cell results, cell by cell."""

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from asm_xl.excel import REGISTRY
from asm_xl.excel.registry import call, explain
from asm_xl.excel.spill import grid, is_many
from bench.bench_functions import CASES_TABLE

CELL = st.one_of(st.floats(0, 100, allow_nan=False), st.just(None), st.just("#N/A"), st.just("abc"),
                 st.sampled_from(["55", "70%"]))


def _block(rows, cols, cell=CELL):
    return st.lists(st.lists(cell, min_size=cols, max_size=cols), min_size=rows, max_size=rows)


@hsettings(max_examples=40, deadline=None)
@given(st.integers(1, 6), st.integers(1, 4), st.data())
def test_spilled_factor_equals_the_single_cell_factor_of_each_cell(rows, cols, data):
    finals = data.draw(_block(rows, cols))
    pool = data.draw(st.sampled_from(["HF", "LBP", 1.4]))
    spilled = call("ASM_FACTOR", finals, 2028, pool)
    expected = [[call("ASM_FACTOR", f, 2028, pool) for f in row] for row in finals]
    if rows * cols == 1:
        assert spilled == expected[0][0]
    else:
        assert spilled == expected


@hsettings(max_examples=30, deadline=None)
@given(st.integers(2, 6), st.data())
def test_two_ranges_of_one_shape_pair_up_cell_by_cell(rows, data):
    factors = data.draw(_block(rows, 1, st.floats(-0.12, 0.12)))
    payments = data.draw(_block(rows, 1, st.floats(0, 1e6)))
    assert call("ASM_IMPACT", factors, payments) == [[call("ASM_IMPACT", f, p)] for (f,), (p,) in
                                                     zip(factors, payments)]


def test_a_row_and_a_column_give_a_table_like_excel():
    finals, years = [[40.0, 80.0]], [[2027.0], [2029.0], [2031.0]]
    table = call("ASM_FACTOR", finals, years, "HF")
    assert table == [[call("ASM_FACTOR", f, y, "HF") for f in finals[0]] for (y,) in years]
    assert table[0][0] != table[2][0]  # the risk level grows from 9% to 12%


def test_an_error_in_one_cell_stays_in_that_cell():
    out = call("ASM_FACTOR", [[50.0], ["#N/A"], [120.0], [None], [80.0]], 2027, "HF")
    assert [r[0] for r in out[1:4]] == ["#N/A", "#NUM!", "#VALUE!"]
    assert out[0][0] == call("ASM_FACTOR", 50.0, 2027, "HF") and out[4][0] == call("ASM_FACTOR", 80.0, 2027, "HF")
    reasons = explain("ASM_FACTOR", [[50.0], ["#N/A"], [120.0]], 2027, "HF")
    assert reasons[0] == ["OK"] and "error" in reasons[1][0] and "120" in reasons[2][0]


def test_ranges_of_different_shapes_are_value_error_naming_both():
    result, reason = REGISTRY["ASM_IMPACT"], explain("ASM_IMPACT", [[0.1]] * 10, [[1.0]] * 5)
    assert call("ASM_IMPACT", [[0.1]] * 10, [[1.0]] * 5) == "#VALUE!"
    assert "factor is 10x1" in reason and "part_b_payments is 5x1" in reason and result.name == "ASM_IMPACT"


def test_a_range_meant_as_a_range_is_not_mapped():
    cohort = [[float(x)] for x in range(10, 100, 7)]
    one = call("ASM_FACTOR", 70.0, 2027, cohort)
    assert isinstance(one, float)
    assert call("ASM_FACTOR", [[70.0], [30.0]], 2027, cohort) == [[one], [call("ASM_FACTOR", 30.0, 2027, cohort)]]
    assert isinstance(call("ASM_SCALING", cohort, 2027), float)


def test_a_flat_list_is_read_as_a_column_and_a_one_cell_range_as_its_value():
    assert call("ASM_PAYMENT_YEAR", [2027.0, 2028.0]) == [[2029], [2030]]
    assert call("ASM_PAYMENT_YEAR", [[2027.0]]) == 2029
    assert grid([1, 2]) == [[1], [2]] and not is_many([[1]]) and is_many([[1, 2]]) and is_many([1, 2])


@pytest.mark.parametrize("name", sorted(set(CASES_TABLE) - {"ASM_WHY"}))
def test_every_one_cell_argument_read_as_a_one_by_one_range_gives_the_same_value(name):
    """What xlwings passes with ndim=2 for a single cell: [[value]]."""
    args, _floor = CASES_TABLE[name]
    wrapped = tuple([[v]] if a.elementwise and v is not None else v for a, v in zip(REGISTRY[name].args, args))
    assert call(name, *wrapped) == call(name, *args)


def test_every_registered_function_maps_a_two_cell_column_over_its_first_one_cell_argument():
    for name, (args, _floor) in CASES_TABLE.items():
        fn = REGISTRY[name]
        if not fn.mapped or name == "ASM_WHY":
            continue
        i = fn.mapped[0]
        col = [[args[i]], [args[i]]]
        spilled = call(name, *args[:i], col, *args[i + 1:])
        assert spilled == [[call(name, *args)]] * 2, name


def test_a_cohort_range_is_solved_once_per_distinct_content():
    from asm_xl.excel.payment_functions import COHORT_POINTS
    cohort = [[float(5 + (i * 37) % 90)] for i in range(500)]
    COHORT_POINTS.clear()
    before = COHORT_POINTS.solves
    first = [call("ASM_FACTOR", f, 2027, cohort) for f in (20.0, 50.0, 80.0)]
    again = [call("ASM_FACTOR", f, 2027, [list(r) for r in cohort]) for f in (20.0, 50.0, 80.0)]  # as xlwings
    assert first == again and COHORT_POINTS.solves == before + 1
    other = [list(r) for r in cohort]
    other[0] = [95.0]
    changed = call("ASM_FACTOR", 50.0, 2027, other)
    assert COHORT_POINTS.solves == before + 2 and changed != first[1]
    assert call("ASM_FACTOR", 50.0, 2027, cohort) == first[1] and COHORT_POINTS.solves == before + 2
    COHORT_POINTS.clear()  # a fresh memo gives the same value: the result does not depend on the memo
    assert call("ASM_FACTOR", 50.0, 2027, cohort) == first[1] and COHORT_POINTS.solves == before + 3


def test_a_cohort_range_that_is_an_error_stays_an_error_when_asked_again():
    bad = [[150.0], [50.0]]   # (a text that is no number is left out, as Excel's RANK leaves it)
    assert call("ASM_FACTOR", 50.0, 2027, bad) == "#NUM!" == call("ASM_FACTOR", 60.0, 2027, bad)
    assert "scaling #1" in explain("ASM_FACTOR", 60.0, 2027, [[150.0], [50.0]])


def test_scaling_and_factor_over_one_cohort_keep_their_own_results_and_reasons():
    cohort = [[float(x)] for x in range(20, 90, 3)]
    sf = call("ASM_SCALING", cohort, 2027)
    assert isinstance(sf, float) and isinstance(call("ASM_FACTOR", 60.0, 2027, cohort), float)
    bad = [[150.0], [50.0]]
    assert "final_scores #1" in explain("ASM_SCALING", bad, 2027)
    assert "scaling #1" in explain("ASM_FACTOR", 60.0, 2027, bad)


def test_a_cohort_range_leaves_out_a_header_and_logicals_as_excels_rank_does():
    # a header selected with the column was #VALUE! ("'Final score' is not a number"); Excel's RANK, PERCENTRANK
    # and AVERAGE leave text and TRUE/FALSE in a range out
    scores = [[float(x)] for x in range(0, 101, 10)]
    with_header = [["Final score"]] + scores + [[True]]
    for name, args in (("ASM_PERCENTILE", (50.0,)), ("ASM_SCALING", ()), ("ASM_FACTOR", (70.0, 2027))):
        if name == "ASM_SCALING":
            assert call(name, with_header, 2027) == call(name, scores, 2027)
        else:
            assert call(name, *args, with_header) == call(name, *args, scores)
    assert call("ASM_PERCENTILE", 50.0, with_header) == 50.0
    # its payments are left out with it (the same rows), and nothing but text is no cohort at all
    payments = [["Payments"]] + [[1000.0 + i] for i in range(11)] + [[5.0]]
    assert call("ASM_FACTOR", 70.0, 2027, with_header, payments) == call("ASM_FACTOR", 70.0, 2027, scores, payments[1:-1])
    assert call("ASM_PERCENTILE", 50.0, [["a"], [False]]) == "#N/A"
    assert explain("ASM_PERCENTILE", 50.0, [["a"], [False]]) == "final_scores: no final scores"
