"""The thresholds of the methodology are compared in one function each (categories), so that a rule
cannot be executed in two places that drift apart: cost scored from ``cost_episode_minimum`` episodes
(:func:`~asm_xl.model.categories.enough_episodes`), a measure complete from ``completeness_threshold``
(:func:`~asm_xl.model.categories.meets_completeness`), a complete measure excluded below ``case_minimum``
cases (:func:`~asm_xl.model.categories.too_few_cases`)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from asm_xl.model import categories
from asm_xl.model.settings import Settings

PACKAGE = Path(__file__).resolve().parents[2] / "asm_xl"
#: a comparison with the setting, either way round: "eps >= s.cost_episode_minimum", "0.0 >= s.completeness_threshold"
COMPARED = r"([<>]=?\s*\w+\.{0}\b|\b\w+\.{0}\s*[<>]=?)"


@pytest.mark.parametrize("setting, times", [("cost_episode_minimum", 2),     # enough_episodes, too_few_episodes
                                            ("completeness_threshold", 1),   # meets_completeness
                                            ("case_minimum", 1)])            # too_few_cases
def test_a_threshold_is_compared_only_in_its_rules_functions(setting, times):
    pattern = re.compile(COMPARED.format(setting))
    found = {str(p.relative_to(PACKAGE)): len(pattern.findall(p.read_text(encoding="utf-8")))
             for p in PACKAGE.rglob("*.py")}
    assert {p: n for p, n in found.items() if n} == {"model/categories.py": times}


def test_the_rules_functions_apply_the_setting_in_force():
    s = Settings(cost_episode_minimum=25, completeness_threshold=0.8)
    assert [bool(categories.enough_episodes(e, settings=s)) for e in (24, 25)] == [False, True]
    assert [bool(categories.too_few_episodes(e, settings=s)) for e in (24, 25, float("nan"))] == [True, False, False]
    assert [bool(categories.meets_completeness(c, settings=s)) for c in (0.79, 0.8)] == [False, True]
    assert [bool(categories.too_few_cases(n, settings=Settings(case_minimum=30))) for n in (29, 30)] == [True, False]
    # and the category and status kernels go through them
    assert categories.cost_category(8.0, 24, settings=s) != categories.cost_category(8.0, 24, settings=s)   # NaN
    assert categories.cost_category(8.0, 25, settings=s) == 0.8
