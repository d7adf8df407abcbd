"""Payment functions given a cohort range: a pool that cannot be solved is an error with its reason, never a number."""

from __future__ import annotations

import asm_xl.udfs  # noqa: F401  (declares the functions)
from asm_xl.excel.registry import call, explain

FINALS = [[20.0], [35.0], [50.0], [62.0], [70.0]]
ZERO = [[0.0]] * 5


def test_a_payment_weighted_cohort_whose_payments_are_all_zero_is_div0_with_its_reason():
    # 0 / 0: the scaling factor was 0 and every factor -r, and ASM_WHY said "OK"
    why = ("payments: every payment of a participant with a final score is 0: a payment-weighted pool weighs each one "
           "by it (give the payments, or leave payments blank for an unweighted pool)")
    assert call("ASM_SCALING", FINALS, 2027, ZERO) == "#DIV/0!" and explain("ASM_SCALING", FINALS, 2027, ZERO) == why
    assert call("ASM_FACTOR", 99.0, 2027, FINALS, ZERO) == "#DIV/0!"
    # unweighted, the payments are not read: SF = 0.85 x 5 / sum TFS, as with no payments at all
    unweighted = [["payment_weighted_pool", False]]
    assert call("ASM_SCALING", FINALS, 2027, ZERO, unweighted) == call("ASM_SCALING", FINALS, 2027) > 0
    assert call("ASM_SCALING", FINALS, 2027, ZERO[:4] + [[5.0]]) > 0   # one payment is enough to weigh by


def test_an_error_value_in_payments_is_never_skipped_even_where_payments_are_not_read():
    # payments are read only with a cohort range; "#N/A" beside a pool's code gave a factor, as if it were blank
    assert call("ASM_FACTOR", 70.0, 2027, "HF", "#N/A") == "#N/A"
    assert call("ASM_FACTOR", 70.0, 2027, 1.2, [["#DIV/0!"], [5.0]]) == "#DIV/0!"
    assert explain("ASM_FACTOR", 70.0, 2027, "HF", "#N/A") == "payments is the error #N/A"
    assert call("ASM_FACTOR", 70.0, 2027, 1.2, [[5.0]]) == call("ASM_FACTOR", 70.0, 2027, 1.2)   # numbers: not read


def test_an_empty_range_is_blank_or_named_never_an_internal_error():
    assert explain("ASM_FACTOR", 70.0, 2027, [[]]) == explain("ASM_FACTOR", 70.0, 2027, None)   # blank: name the pool
    assert explain("ASM_MEASURE", "points", "HF", "236", "MIPS CQM", 40.0, 36.0, None, 0.655, None, None, None,
                   []) == ("entered: an empty range: give the measure cells from the table's first row down to this "
                           "one")
