"""Workbooks evaluated together (:meth:`Evaluator.run_many`) give what each gives alone; the cells
computed only from inputs that are the same in every workbook of the chunk are computed once."""

from __future__ import annotations

import math

from hypothesis import given, settings, strategies as st

from asm_xl.calc import excel_semantics as xl
from asm_xl.calc.evaluator import Evaluator, XlErr

FORMULAS = {
    ("Out", "A1"): "=Shared!A1*2",                      # from the shared sheet only
    ("Out", "A2"): '=Shared!A1&"|"&Shared!B1',          # text of a shared value (a zero's sign shows)
    ("Out", "A3"): "=IF(Shared!B1>0,Out!A1+Own!A1,Own!B1)",  # both sheets
    ("Out", "A4"): "=Own!A1-Out!A1",
    ("Out", "A5"): "=Shared!B1",                        # a copy: -0.0 stays -0.0
    ("Out", "A6"): "=ASM_TFS(Shared!A1)",               # an ASM_* call from the shared sheet
    ("Out", "A7"): "=ASM_TFS(Own!A1)+Out!A6",
}

VALUES = st.one_of(st.none(), st.booleans(), st.sampled_from([0.0, -0.0, 1.0, 1, 2.5, -3.0]),
                   st.sampled_from(["", "x", "1", "#N/A"]))


def _key(v):
    """Type-exact, telling 0.0 from -0.0 and comparing error values by their text."""
    return (v.__class__, repr(v) if v.__class__ is float else v)


@settings(max_examples=60, deadline=None)
@given(shared=st.tuples(VALUES, VALUES), own=st.lists(st.tuples(VALUES, VALUES), min_size=2, max_size=5),
       differ=st.lists(st.tuples(VALUES, VALUES), max_size=2))
def test_a_chunk_evaluated_together_gives_each_workbook_its_own_values(shared, own, differ):
    many = [{("Shared", "A1"): shared[0], ("Shared", "B1"): shared[1], ("Own", "A1"): a, ("Own", "B1"): b}
            for a, b in own]
    for i, (a, b) in enumerate(differ):  # some chunks differ on the shared sheet too
        many[i][("Shared", "A1")], many[i][("Shared", "B1")] = a, b
    ev = Evaluator(FORMULAS, {})
    alone = [ev.run(inputs) for inputs in many]
    together = Evaluator(FORMULAS, {}).run_many(many)
    assert [{k: _key(v) for k, v in r.items()} for r in together] == \
        [{k: _key(v) for k, v in r.items()} for r in alone]


def test_cells_from_a_sheet_every_workbook_shares_are_computed_once_for_the_chunk():
    ev = Evaluator(FORMULAS, {})
    many = [{("Shared", "A1"): 4.0, ("Shared", "B1"): 1.0, ("Own", "A1"): float(k)} for k in range(3)]
    out = ev.run_many(many)
    assert ev.shared_cells == {("Out", "A1"), ("Out", "A2"), ("Out", "A5"), ("Out", "A6")}
    assert [r[("Out", "A3")] for r in out] == [8.0, 9.0, 10.0]   # 4*2 + own
    assert [r[("Out", "A1")] for r in out] == [8.0, 8.0, 8.0]


def test_a_zero_of_the_other_sign_makes_a_sheet_not_shared():
    ev = Evaluator(FORMULAS, {})
    many = [{("Shared", "A1"): 1.0, ("Shared", "B1"): z, ("Own", "A1"): 1.0} for z in (0.0, -0.0)]
    out = ev.run_many(many)
    assert ("Out", "A5") not in ev.shared_cells
    assert [repr(r[("Out", "A5")]) for r in out] == ["0.0", "-0.0"]


def test_one_and_one_point_zero_and_true_are_different_shared_values():
    ev = Evaluator(FORMULAS, {})
    many = [{("Shared", "A1"): v, ("Shared", "B1"): 1.0, ("Own", "A1"): 1.0} for v in (1.0, True)]
    ev.run_many(many)
    assert ev.shared_cells == frozenset()


TABLE_VALUES = st.one_of(st.none(), st.booleans(), st.floats(allow_nan=True, allow_infinity=True),
                         st.sampled_from(["", "ok", "#N/A", "#DIV/0!", "x" * 40_000]),
                         st.builds(XlErr, st.sampled_from(["#N/A", "#REF!"])))


@settings(max_examples=300, deadline=None)
@given(table=st.one_of(st.lists(st.lists(TABLE_VALUES, min_size=1, max_size=3), min_size=1, max_size=3),
                       TABLE_VALUES),
       r=st.integers(1, 4), c=st.integers(1, 4), fallback=st.sampled_from(["", "none", 0.0]))
def test_a_whole_iferror_index_cell_is_the_value_of_its_four_steps(table, r, c, fallback):
    expected = xl.final(xl.iferror_value(xl.index_at(table, r, c), fallback))
    got = xl.index_cell(table, r, c, fallback)
    assert _key(got) == _key(expected) or (isinstance(got, float) and math.isnan(got) and math.isnan(expected))


def test_a_chunk_evaluated_together_never_compiles_the_one_workbook_evaluation():
    # generation and `asm-xl recalc` of many files compute chunks only: the one-workbook function
    # (~40 ms to compile for the template) is compiled when a single workbook is run, not before
    ev = Evaluator(FORMULAS, {})
    many = [{("Shared", "A1"): 4.0, ("Shared", "B1"): 1.0, ("Own", "A1"): float(k)} for k in range(3)]
    ev.run_many(many)
    assert "_run" not in vars(ev)
    assert ev.run(many[1])[("Out", "A3")] == 9.0 and "_run" in vars(ev)
