"""Kernel docstrings state each formula with the setting it uses, not that setting's default number."""

import re

import pytest

from asm_xl.model import adjustments, categories, final_score, payment

CASES = [
    (adjustments.ia_adjustment, ["ia_penalty_per_missing"], ["10", "20"]),
    (adjustments.pi_adjustment, ["pi_max_penalty"], ["10"]),
    (adjustments.practice_size_bonus, ["solo_practice_bonus", "small_practice_bonus", "small_practice_max_clinicians"],
     ["15", "10"]),
    (categories.measure_status, ["completeness_threshold", "case_minimum"], ["0.75", "75", "20"]),
    (categories.minimum_submission_met, ["completeness_threshold"], ["0.75", "75"]),
    (categories.cost_category, ["cost_episode_minimum"], ["20"]),
    (final_score.category_weights, ["quality_weight"], ["0.5"]),
    (payment.transformed_final_score, ["tfs_steepness", "tfs_midpoint"], ["0.1", "50"]),
    (payment.solve_scaling_factor, ["pool_withhold"], ["0.15", "0.85"]),
]


@pytest.mark.parametrize("func, names, defaults", CASES, ids=[c[0].__name__ for c in CASES])
def test_kernel_docstring_names_its_settings_and_types_no_default(func, names, defaults):
    doc = func.__doc__
    for name in names:
        assert name in doc, name
    numbers = set(re.findall(r"(?<![\w.])\d+(?:\.\d+)?%?", doc))
    assert not numbers & set(defaults), numbers & set(defaults)
