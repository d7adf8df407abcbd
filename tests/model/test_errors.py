"""asm_xl.model.errors: an input error shows the value as a user typed it, whichever engine gave it."""

import pickle

import numpy as np
import pytest

from asm_xl.model.errors import ASMInputError, as_typed


@pytest.mark.parametrize("value", [np.int64(2026), np.float64(2026.0), 2026.0, 2026])
def test_a_whole_year_reads_the_same_from_numpy_ints_floats_and_python_numbers(value):
    # the two recalculation engines hand the same cell as np.int64 or np.float64
    assert str(ASMInputError("performance_year", value, "a performance year 2027-2031")) == \
        "performance_year: 2026 is not allowed (a performance year 2027-2031)"


@pytest.mark.parametrize("value", [None, float("nan"), np.float64("nan")])
def test_a_blank_value_reads_blank_not_none(value):
    e = ASMInputError("pi_score", value, "a fraction between 0 and 1")
    assert str(e) == "pi_score is blank (a fraction between 0 and 1)"
    assert e.blank


def test_fractions_text_and_huge_numbers_keep_their_form():
    assert [as_typed(v) for v in (np.float64(0.5), 0.5, -5, "236", np.str_("HF"), True, 1e300)] == \
        ["0.5", "0.5", "-5", "'236'", "'HF'", "True", "1e+300"]
    assert not ASMInputError("rate", 0.5, "x").blank


def test_the_error_survives_pickling_with_its_message():
    e = pickle.loads(pickle.dumps(ASMInputError("performance_year", np.float64(2026.0), "a year")))
    assert (str(e), e.field, e.value) == ("performance_year: 2026 is not allowed (a year)", "performance_year", 2026.0)
