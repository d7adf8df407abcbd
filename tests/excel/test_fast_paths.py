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


# ------------------------------------------------------------------ the registry's dispatcher

from hypothesis import given, settings as hsettings, strategies as st  # noqa: E402

from asm_xl.excel.registry import REGISTRY, _evaluate  # noqa: E402

_CELL = st.one_of(st.none(), st.floats(-5, 2100, allow_nan=False), st.integers(-3, 2040), st.booleans(),
                  st.sampled_from(["", "HF", "lbp", "Q236", "236", "MIPS CQM", "eCQM", "yes", "no", "n/a", "0.8",
                                   "75%", "high", "#N/A", "#NUM!", "points", "status", "national", "-"]))
_RANGE = st.lists(st.lists(_CELL, min_size=1, max_size=1), min_size=1, max_size=4)
_ARGUMENT = st.one_of(_CELL, _RANGE, st.just(_rows()))


@hsettings(max_examples=400, deadline=None)
@given(name=st.sampled_from(sorted(n for n, f in REGISTRY.items() if not f.table)), data=st.data())
def test_the_dispatcher_gives_what_the_general_path_gives(name, data):
    # the fast dispatch (every argument given or trailing ones omitted, no range for a one-cell
    # argument) must give the same value and reason as the general path, for any call
    fn = REGISTRY[name]
    n, required = fn.arity
    count = data.draw(st.integers(max(0, required - 1), n + 1), label="arguments given")
    values = tuple(data.draw(_ARGUMENT, label=f"argument {i + 1}") for i in range(count))
    fast, slow = fn.dispatch(values), _evaluate(fn, values)
    assert _exactly(fast) == _exactly(slow)   # value, its type and the reason; a NaN only where the other has one
    assert _exactly(call(name, *values)) == _exactly(fast[0])


def _exactly(result):
    """``result`` with each value's type and a NaN that equals NaN, to compare two results cell by cell."""
    if isinstance(result, (list, tuple)):
        return type(result), [_exactly(x) for x in result]
    return type(result), "NaN" if result != result else result


def test_exactly_tells_a_nan_from_a_number_and_a_type_from_another():
    assert _exactly((math.nan, "why")) == _exactly((float("nan"), "why"))
    assert _exactly((math.nan, "why")) != _exactly((math.nan, "another reason"))
    assert _exactly([[math.nan, 1.0]]) != _exactly([[0.0, 1.0]])
    assert _exactly(1) != _exactly(1.0) != _exactly(True)


def test_the_dispatcher_fills_omitted_optional_arguments_as_blanks():
    # ASM_FACTOR with its trailing cohort left out is the call with it blank, through either path
    given_six = (62.0, 2027.0, 1.0, None, None, _rows())
    assert REGISTRY["ASM_FACTOR"].dispatch(given_six) == _evaluate(REGISTRY["ASM_FACTOR"], given_six + (None,))
    assert call("ASM_FACTOR", *given_six) == pytest.approx(-0.0208328, abs=1e-7)
    assert call("ASM_IMPACT", 0.02) == "#VALUE!"   # a required argument missing
    assert call("ASM_IMPACT", 0.02, 1000.0, 3.0) == "#VALUE!"   # one too many
