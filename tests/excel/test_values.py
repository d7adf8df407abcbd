"""asm_xl.excel.values.content_key: the one key by content of an ASM_* argument (a value or a range)."""

from __future__ import annotations

from hypothesis import given, strategies as st

import pytest

from asm_xl.excel.values import ExcelError, boolean, content_key

_cells = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(-3, 3, allow_nan=False),
                   st.sampled_from(["", "a", "1", "#N/A"]))
_ranges = st.integers(1, 4).flatmap(lambda cols: st.lists(st.lists(_cells, min_size=cols, max_size=cols),
                                                            min_size=1, max_size=5))


def _cell_by_cell(v):
    """The key the evaluator used before: a tuple of (class, value) per cell, row by row."""
    if isinstance(v, (list, tuple)):
        return tuple(_cell_by_cell(r) for r in v)
    return (v.__class__, v)


@given(_ranges, _ranges)
def test_two_ranges_share_a_key_exactly_when_every_cell_is_equal_and_of_the_same_type(a, b):
    assert (content_key(a) == content_key(b)) == (_cell_by_cell(a) == _cell_by_cell(b))
    assert hash(content_key(a)) == hash(content_key([list(r) for r in a]))


def test_one_one_point_zero_and_true_are_three_keys():
    keys = {content_key(1), content_key(1.0), content_key(True)}
    assert len(keys) == 3
    assert len({content_key([[1, "x"]]), content_key([[1.0, "x"]]), content_key([[True, "x"]])}) == 3


def test_the_same_cells_in_another_shape_are_another_key():
    six = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    shapes = [[six], [six[:3], six[3:]], [six[:2], six[2:4], six[4:]], [[x] for x in six],
              [six[:1], six[1:3], six[3:]], [six[:2], six[2:3], six[3:]]]   # the last two are ragged
    assert len({content_key(s) for s in shapes}) == len(shapes)


def test_rows_given_as_tuples_or_lists_are_one_key():
    assert content_key([(1.0, "a"), (2.0, None)]) == content_key([[1.0, "a"], [2.0, None]])


def test_a_cell_holding_a_range_is_keyed_by_its_content():
    inner = [2.0]
    held = [[1.0, inner]]
    key = content_key(held)
    # another range with equal content (new lists, the inner one a tuple) is the same key, usable as a cache key
    assert content_key([(1.0, (2.0,))]) == key and {key: "cached"}[content_key([[1.0, [2.0]]])] == "cached"
    # the key is the content at the time: an inner range changed in place is another key
    inner[0] = 3.0
    assert content_key(held) != key
    # type-exact inside the inner range too, and a range holding 2.0 is not the cell 2.0
    assert len({key, content_key([[1.0, [2]]]), content_key([[1.0, [True]]]), content_key([[1.0, 2.0]])}) == 4


def test_a_pandas_missing_value_in_a_yes_no_cell_is_a_blank_its_default():
    import pandas as pd

    from asm_xl.excel import values as xv
    assert xv.boolean("submitted_on_time", pd.NA, True) is True and xv.boolean("euc", pd.NaT, False) is False


@pytest.mark.parametrize("error", ["#N/A", "#DIV/0!", "#VALUE!", "#REF!"])
def test_an_error_in_a_yes_no_cell_passes_through_as_itself(error):
    # it became #VALUE! "'#N/A' is not allowed (yes/no ...)": the error's own cell was not named as its cause
    with pytest.raises(ExcelError) as e:
        boolean("min_submission_met", error, False)
    assert e.value.code == error and e.value.reason == f"min_submission_met is an error value {error}"
