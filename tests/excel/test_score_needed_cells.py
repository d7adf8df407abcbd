"""ASM_SCORE_NEEDED: the final score needed in the pool in force, the model's
(:mod:`asm_xl.model.score_needed`) in a cell, with its target read as a user types it."""

from __future__ import annotations

import math

import pytest

import asm_xl.udfs  # noqa: F401  (declares the functions)
from asm_xl.excel.registry import REGISTRY, call, explain
from asm_xl.model.score_needed import break_even_score, score_for_gain_chance
from asm_xl.model.settings import DEFAULT_SETTINGS, Settings

#: a given pool of one cohort: factor = r (SF x TFS - 1) with SF 1.7, k 0.1, m 50
GIVEN = [["pool", "given"], ["given_scaling_factor", 1.7], ["given_midpoint", 50.0]]


def test_break_even_in_a_given_pool_inverts_the_exchange_curve_by_hand():
    # r (SF / (1 + e^(-k (s - m))) - 1) = 0  <=>  s = m - ln(SF - 1) / k = 50 - ln(0.7) / 0.1 = 53.5667...
    by_hand = 50.0 - math.log(0.7) / 0.1
    assert call("ASM_SCORE_NEEDED", 2027.0, "HF", None, None, GIVEN) == pytest.approx(by_hand, abs=1e-8)
    for target in ("break-even", " Break even ", "BREAKEVEN", ""):
        assert call("ASM_SCORE_NEEDED", 2027.0, "HF", target, None, GIVEN) == pytest.approx(by_hand, abs=1e-8)
    # one cohort gains or not: any chance above 0 needs a factor above 0, the same score to 1e-8
    assert call("ASM_SCORE_NEEDED", 2027.0, "HF", 0.8, None, GIVEN) == pytest.approx(by_hand, abs=1e-8)


def test_the_national_pool_gives_the_models_scores_needed():
    for cohort, year in (("HF", 2027), ("LBP", 2027), ("LBP", 2031)):
        assert call("ASM_SCORE_NEEDED", float(year), cohort) == break_even_score(cohort, year)
        gain = call("ASM_SCORE_NEEDED", float(year), cohort, "gain")
        assert gain == score_for_gain_chance(cohort, year) == score_for_gain_chance(cohort, year, 0.8)
        assert gain > call("ASM_SCORE_NEEDED", float(year), cohort)   # 80% of the cohorts is more than half
    # the chance typed as a number, a percent or text, and the setting edited on the Assumptions sheet
    at_90 = score_for_gain_chance("LBP", 2027, 0.9)
    assert call("ASM_SCORE_NEEDED", 2027.0, "LBP", 0.9) == call("ASM_SCORE_NEEDED", 2027.0, "LBP", "90%") == at_90
    assert call("ASM_SCORE_NEEDED", 2027.0, "LBP", "gain", None, [["gain_chance_target", 0.9]]) == at_90
    assert call("ASM_SCORE_NEEDED", 2027.0, "LBP", 0.0) == 0.0   # a chance of 0: any score


def test_a_score_that_cannot_be_reached_is_na_with_its_reason():
    losing = [["pool", "given"], ["given_scaling_factor", 0.9]]   # SF < 1: r (SF x TFS - 1) < 0 at any score
    assert call("ASM_SCORE_NEEDED", 2027.0, "HF", None, None, losing) == "#N/A"
    assert explain("ASM_SCORE_NEEDED", 2027.0, "HF", None, None, losing) == (
        "not reachable: even a final score of 100 has a P50 factor below 0 in the pool in force")
    assert explain("ASM_SCORE_NEEDED", 2027.0, "HF", "gain", None, losing) == (
        "not reachable: even a final score of 100 gains in fewer than 80% of the pool in force's draws")


def test_an_exception_or_not_participating_needs_no_score():
    for flags in ([["yes"], ["no"], ["no"]], [["no"], ["no"], ["yes"]]):
        assert call("ASM_SCORE_NEEDED", 2027.0, "HF", None, flags) == "#N/A"
        assert explain("ASM_SCORE_NEEDED", 2027.0, "HF", None, flags).startswith("no score is needed: an exception")
    assert call("ASM_SCORE_NEEDED", 2027.0, "HF", None, [["no"], ["no"], ["no"]]) == break_even_score("HF", 2027)


@pytest.mark.parametrize("target, code", [("lots", "#VALUE!"), (True, "#VALUE!"), (1.5, "#NUM!"), ("150%", "#NUM!"),
                                          (-0.1, "#NUM!"), ("#DIV/0!", "#DIV/0!")])
def test_a_target_it_does_not_take_names_what_it_takes(target, code):
    assert call("ASM_SCORE_NEEDED", 2027.0, "HF", target) == code
    if code != "#DIV/0!":
        assert explain("ASM_SCORE_NEEDED", 2027.0, "HF", target).startswith("target: ")
        assert '"gain"' in explain("ASM_SCORE_NEEDED", 2027.0, "HF", target)


def test_cohort_and_year_are_checked_as_every_function_checks_them():
    assert call("ASM_SCORE_NEEDED", 2026.0, "HF") == "#NUM!"
    assert call("ASM_SCORE_NEEDED", 2027.0, "XX") == "#VALUE!"
    assert call("ASM_SCORE_NEEDED", 2027.0, None) == "#VALUE!"


def test_its_help_names_the_target_chance_in_force():
    fn = REGISTRY["ASM_SCORE_NEEDED"]
    assert "(80%)" in fn.help_for(DEFAULT_SETTINGS)
    assert "(90%)" in fn.help_for(Settings(gain_chance_target=0.9))


def test_an_na_typed_as_the_target_is_an_input_error_not_unreachable():
    # #N/A is the function's own "not reachable"; =NA() in the target cell read the same
    assert call("ASM_SCORE_NEEDED", 2027.0, "HF", "#N/A") == "#VALUE!"
    assert explain("ASM_SCORE_NEEDED", 2027.0, "HF", "#N/A") == "target: #N/A (an error in a cell it reads)"
