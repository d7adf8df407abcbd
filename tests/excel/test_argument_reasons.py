"""An error's reason names the argument the user gave it to, in the user's own spelling of a setting."""

from __future__ import annotations

import pytest

import asm_xl.udfs  # noqa: F401  (declares the functions)
from asm_xl.excel.registry import call, explain

PROJECTION = (70.0, 2027, "HF", 250_000.0, None, None, None, None)


@pytest.mark.parametrize("given, reason", [
    ("abc", "next_row_year: 'abc' is not a number"),
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
