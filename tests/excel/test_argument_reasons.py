"""An error's reason names the argument the user gave it to, in the user's own spelling of a setting."""

from __future__ import annotations

import pytest

import asm_xl.udfs  # noqa: F401  (declares the functions)
from asm_xl.excel.registry import call, explain

PROJECTION = (70.0, 2027, "HF", 250_000.0, None, None, None, None)


@pytest.mark.parametrize("given, reason", [
    ("abc", "next_row_year: 'abc' is not a number (a performance year, 2027-2031)"),
    (0, "next_row_year: 0 is not allowed (a performance year 2027-2031)"),
    (2027, "next_row_year: 2027 is not after the performance year 2027"),
])
def test_projections_next_row_year_is_named_not_the_performance_year(given, reason):
    assert explain("ASM_PROJECTION", *PROJECTION, given) == reason


def test_a_huge_year_is_shown_as_typed_not_as_its_309_digits():
    assert explain("ASM_RISK_LEVEL", 1e308) == "performance_year: 1e+308 is not allowed (a performance year 2027-2031)"


def test_a_setting_name_is_read_whatever_its_case_as_the_twice_check_reads_it():
    assert call("ASM_TFS", 70.0, None, [["TFS_Steepness", 0.3]]) == call("ASM_TFS", 70.0, None, [["tfs_steepness", 0.3]])
    assert call("ASM_TFS", 70.0, None, [["TFS_Steepness", 0.3]]) != call("ASM_TFS", 70.0)
    assert explain("ASM_TFS", 70.0, None, [["tfs_steepness", 0.3], ["TFS_STEEPNESS", 0.2]]) == (
        "assumptions: TFS_STEEPNESS is given twice (rows 1 and 2 of the range): give it once")


def test_a_measure_without_a_packaged_ladder_is_named_as_the_measure():
    assert explain("ASM_MEASURE_POINTS", 999, "MIPS CQM", 0.65) == (
        "measure: Q999 has no packaged MIPS ladder as MIPS CQM (measures with benchmarks: Q005, Q008, Q128, Q134, "
        "Q220, Q236, Q238, Q377, Q492)")


def test_tfs_with_a_year_and_no_cohort_names_what_is_wrong():
    assert explain("ASM_TFS", 70.0, None, None, "abc") == ("performance_year: 'abc' is not a number (a performance year, "
                                                            "2027-2031)")
    assert explain("ASM_TFS", 70.0, None, None, 2027) == "cohort is blank: give it with performance_year (both, or neither)"
    assert call("ASM_TFS", 70.0, None, None, 2027, "HF") == pytest.approx(1 / (1 + 2.718281828459045 ** -2))


def test_actions_cost_ladder_is_named_in_its_errors():
    from asm_xl.excel.arguments import optional_ladder
    from asm_xl.excel.values import ExcelError
    with pytest.raises(ExcelError, match=r"cost_ladder: ten decile start values needed, got 1$"):
        optional_ladder([[5.0]], inverse=True, name="cost_ladder")
