"""The Excel layer's caches and fast paths give what the slow paths give, whatever came before."""

from __future__ import annotations

import math

import pytest

from asm_xl.excel import values as xv
from asm_xl.excel.arguments import scalar_arg, settings_arg
from asm_xl.excel.registry import call
from asm_xl.model.settings import DEFAULT_SETTINGS


def _rows(**changes):
    return [[i.name, changes.get(i.name, i.value)] for i in DEFAULT_SETTINGS.describe()]


def test_an_equal_range_built_anew_gives_equal_settings():
    a = settings_arg(_rows(case_minimum=30))
    b = settings_arg(_rows(case_minimum=30))  # a new list with the same content
    assert a == b and a.case_minimum == 30
    assert settings_arg(_rows()) == DEFAULT_SETTINGS


def test_content_cache_is_type_exact():
    # 1 == 1.0 == True in Python; as settings they differ (a count of True is an error), and what
    # was read before must not decide (it did: the pairs' cache took TRUE for the 1 read before it)
    assert settings_arg(_rows(case_minimum=1)).case_minimum == 1
    with pytest.raises(xv.ExcelError):
        settings_arg(_rows(case_minimum=True))
    assert settings_arg(_rows(case_minimum=1.0)).case_minimum == 1


def test_an_error_is_not_kept():
    bad = _rows(case_minimum=-5)
    for _ in range(2):
        with pytest.raises(xv.ExcelError):
            settings_arg([list(r) for r in bad])
    assert call("ASM_IA_ADJ", 1.0, bad) == "#NUM!"


@pytest.mark.parametrize("v, expected", [
    (None, None), ("", None), ("  ", None), (math.nan, None), (1.5, 1.5), (2, 2), (True, True),
    ("HF", "HF"), (" HF ", " HF "), ([[3.0]], 3.0), ([["x"]], "x"),
])
def test_scalar_arg(v, expected):
    assert scalar_arg("x", v) == expected


@pytest.mark.parametrize("v", ["#N/A", [["#DIV/0!"]]])
def test_scalar_arg_error_values(v):
    with pytest.raises(xv.ExcelError):
        scalar_arg("x", v)


def test_text_and_blank_fast_paths_agree():
    assert xv.text("t", " Q236 ") == "Q236"
    assert xv.text("t", 236.0) == "236"
    with pytest.raises(xv.ExcelError):
        xv.text("t", "   ")
    with pytest.raises(xv.ExcelError) as e:
        xv.text("t", "#N/A")
    assert e.value.code == "#N/A"
    assert xv.is_blank(math.nan) and not xv.is_blank(0) and not xv.is_blank(False) and xv.is_blank(" ")
    assert xv.flatten("r", [[1.0], [2.0]]) == [1.0, 2.0] and xv.flatten("r", [[1.0, 2.0]]) == [1.0, 2.0]
    with pytest.raises(xv.ExcelError):
        xv.flatten("r", [[1.0, 2.0], [3.0, 4.0]])
