"""Payment functions given a cohort range: a pool that cannot be solved is an error with its reason, never a number."""

from __future__ import annotations

import asm_xl.udfs  # noqa: F401  (declares the functions)
from asm_xl.excel.registry import call, explain

FINALS = [[20.0], [35.0], [50.0], [62.0], [70.0]]
ZERO = [[0.0]] * 5


def test_a_payment_weighted_cohort_whose_payments_are_all_zero_is_div0_with_its_reason():
    # 0 / 0: the scaling factor was 0 and every factor -r, and ASM_WHY said "OK"
    why = ("payments: every payment is 0: a payment-weighted pool weighs each participant by them (give the payments, "
           "or leave payments blank for an unweighted pool)")
    assert call("ASM_SCALING", FINALS, 2027, ZERO) == "#DIV/0!" and explain("ASM_SCALING", FINALS, 2027, ZERO) == why
    assert call("ASM_FACTOR", 99.0, 2027, FINALS, ZERO) == "#DIV/0!"
    # unweighted, the payments are not read: SF = 0.85 x 5 / sum TFS, as with no payments at all
    unweighted = [["payment_weighted_pool", False]]
    assert call("ASM_SCALING", FINALS, 2027, ZERO, unweighted) == call("ASM_SCALING", FINALS, 2027) > 0
    assert call("ASM_SCALING", FINALS, 2027, ZERO[:4] + [[5.0]]) > 0   # one payment is enough to weigh by
