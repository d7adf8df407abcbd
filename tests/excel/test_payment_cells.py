"""Payment functions given a cohort range: a pool that cannot be solved is an error with its reason, never a number."""

from __future__ import annotations

import math

import pytest

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


def test_a_factor_that_is_zero_up_to_float_noise_is_no_gain():
    # a given pool whose SF is 1 / TFS(final): the factor r x TFS x SF - r is 0 by construction, 1.4e-17 in floats
    # at 20.1484; the two formula engines round it differently (0.0 and 1e-17), and the chance of a gain was 0 in
    # one and 1 in the other (a generated workbook's Score sheet: cached 0, recalculated 1)
    final = 20.1484
    tfs = 1 / (1 + math.exp(-0.1 * (final - 50)))
    given = [["pool", "given"], ["given_scaling_factor", 1 / tfs], ["given_midpoint", 50], ["tfs_midpoint_mode", "fixed"]]
    factor = call("ASM_FACTOR", final, 2027, "HF", None, None, given)
    assert 0 < factor < 1e-16
    assert call("ASM_GAIN_CHANCE", final, 2027, "HF", None, given) == 0.0
    assert call("ASM_GAIN_CHANCE", final + 0.01, 2027, "HF", None, given) == 1.0   # a real gain still counts


def test_impact_takes_a_factor_over_1_only_where_factors_are_unbounded():
    # bound_factors No: a pool's few positive scores can share a budget larger than their payments (a roster of
    # three: +1912.5% on $1,000 = $19,125, as the cohort API prices it); bounded, 6 typed for 6% stays an error
    assert call("ASM_IMPACT", 19.125, 1000) == "#NUM!"
    assert call("ASM_IMPACT", 19.125, 1000, [["bound_factors", "No"]]) == pytest.approx(19_125.0, rel=1e-15)
    assert call("ASM_IMPACT", -1.5, 1000, [["bound_factors", "No"]]) == "#NUM!"
    assert explain("ASM_IMPACT", 6, 1000).endswith("(a fraction from -1 to 1: 0.06 or 6% for +6%)")
