"""The cohort API's column checks give the same numbers, flags and errors on a small frame (checked
cell by cell) as the vectorized way does on any frame."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from asm_xl.model import cohort_checks
from asm_xl.model.cohort_checks import Checker

CELLS = st.one_of(
    st.none(), st.just(np.nan), st.booleans(), st.integers(-10**6, 10**6), st.integers(2**53, 2**64),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["", " ", "85%", "85", "0.85", "1,000", "$1,200", "1e3", "abc", "yes", "FALSE", "=1+1",
                     " 12 ", "-3", "2.5", "(5)", "0x10", "nan", "inf"]),
    st.text(max_size=6),
)


def _checks(df: pd.DataFrame) -> tuple:
    chk = Checker(df)
    out = []
    for percent in (False, True):
        out.append(chk.number("x", minimum=0, maximum=100, allowed="a number", percent=percent, required=True))
    out.append(chk.boolean("x", default=False))
    out.append(chk.text("x"))
    out.append(chk.blank("x"))
    return out, chk.errors, chk.bad


def _both_ways(df: pd.DataFrame) -> tuple:
    """(the checks as a small frame gets them, the checks the vectorized way)."""
    small = _checks(df)
    saved = cohort_checks.SMALL_FRAME
    cohort_checks.SMALL_FRAME = 0   # every frame the vectorized way
    try:
        return small, _checks(df)
    finally:
        cohort_checks.SMALL_FRAME = saved


def _same(a, b) -> bool:
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and (np.array_equal(a, b, equal_nan=True) if a.dtype.kind == "f"
                                       else a.tolist() == b.tolist())
    return a == b


@settings(max_examples=300, deadline=None)
@given(st.lists(CELLS, min_size=1, max_size=cohort_checks.SMALL_FRAME))
def test_a_small_frame_is_checked_cell_by_cell_to_the_same_results_as_the_vectorized_way(cells):
    small, vectorized = _both_ways(pd.DataFrame({"npi": [""] * len(cells), "x": pd.Series(cells, dtype=object)}))
    for a, b in zip(small[0], vectorized[0]):
        assert _same(a, b), (a, b)
    assert [(e["row"], e["column"], repr(e["value"]), e["reason"]) for e in small[1]] == \
        [(e["row"], e["column"], repr(e["value"]), e["reason"]) for e in vectorized[1]]
    assert small[2].tolist() == vectorized[2].tolist()


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.lists(st.floats(allow_nan=True), min_size=1, max_size=40),
                 st.lists(st.integers(-2**63, 2**63 - 1), min_size=1, max_size=40),
                 st.lists(st.booleans(), min_size=1, max_size=40)))
def test_a_small_frame_of_typed_columns_is_checked_as_the_vectorized_way(cells):
    small, vectorized = _both_ways(pd.DataFrame({"npi": [""] * len(cells), "x": pd.Series(cells)}))  # float64, int64, bool
    for a, b in zip(small[0], vectorized[0]):
        assert _same(a, b), (a, b)
    assert [(e["row"], e["reason"]) for e in small[1]] == [(e["row"], e["reason"]) for e in vectorized[1]]


def test_a_small_frame_reads_text_numbers_as_the_roster_does():
    df = pd.DataFrame({"npi": ["", "", "", "", ""], "x": ["85%", "1,000", " ", "abc", 7]})
    chk = Checker(df)
    x = chk.number("x", minimum=0, maximum=1, allowed="a fraction", percent=True)
    assert x[0] == 0.85 and np.isnan(x[2]) and np.isnan(x[3])
    assert [e["value"] for e in chk.errors] == ["1,000", "abc", 7]   # 1000 and 7 are above 1


COHORT_TEXTS = ["", "HF", "hf", " LBP ", "Low back pain", "XYZ"]
SPECIALTY_TEXTS = ["", "Cardiology", "Orthopedic Surgery", "orthopedic surgery", "Dentistry"]


def test_each_rows_cohort_is_the_scalar_rule_of_its_cohort_and_specialty():
    """The roster's cohort column and the scalar API (the Inputs sheet's Cohort scored cell) resolve a
    participant by the same rule: every pair of texts gives the same cohort, or is refused under the
    same field."""
    from asm_xl.model.errors import ASMInputError
    from asm_xl.model.parameters import resolve_cohort
    pairs = [(c, s) for c in COHORT_TEXTS for s in SPECIALTY_TEXTS]
    chk = Checker(pd.DataFrame({"cohort": [c for c, _ in pairs], "specialty": [s for _, s in pairs]}, dtype=object))
    codes = cohort_checks.cohort_codes(chk)
    refused = {}
    for e in chk.errors:
        refused.setdefault(e["row"], []).append(e["column"])
    for i, (c, s) in enumerate(pairs):
        try:
            expected = resolve_cohort(c or None, s or None).code
        except ASMInputError as e:
            assert e.field in refused.get(i, []), (c, s)
        else:
            assert codes[i] == expected and i not in refused, (c, s)
    # by hand: Cardiology alone is HF; HF with an LBP specialty is refused on the specialty; a bad cohort
    # with a bad specialty reports both; neither given is "required"
    at = {p: i for i, p in enumerate(pairs)}
    assert codes[at[("", "Cardiology")]] == "HF" and codes[at[("", "orthopedic surgery")]] == "LBP"
    assert refused[at[("HF", "Orthopedic Surgery")]] == ["specialty"]
    assert sorted(refused[at[("XYZ", "Dentistry")]]) == ["cohort", "specialty"]
    assert [e["reason"] for e in chk.errors if e["row"] == at[("", "")]] == [
        "required: a cohort (HF, LBP) or an ASM specialty"]


def test_ia_done_that_contradicts_the_activities_given_is_refused_naming_both():
    # ia1_done no, ia2_done yes and ia_done 2: the count won silently (IA adjustment 0 instead of -10 points).
    # A blank activity is not known, so only the activities given can contradict the count.
    df = pd.DataFrame({"ia1_done": ["no", "yes", "yes", "no", "yes", ""],
                       "ia2_done": ["yes", "", "yes", "no", "yes", "no"],
                       "ia_done": ["2", "2", "1", "0", "", "2"]})
    chk = Checker(df)
    ia = cohort_checks.ia_done_column(chk)
    assert [(e["row"], e["reason"]) for e in chk.errors] == [
        (0, "ia_done says 2 done, ia1_done/ia2_done say 1 done and 1 not done: give the activities one way, or make "
            "them agree"),
        (2, "ia_done says 1 done, ia1_done/ia2_done say 2 done and 0 not done: give the activities one way, or make "
            "them agree"),
        (5, "ia_done says 2 done, ia1_done/ia2_done say 0 done and 1 not done: give the activities one way, or make "
            "them agree")]
    assert chk.bad.tolist() == [True, False, True, False, False, True]
    assert ia[[1, 3, 4]].tolist() == [2, 0, 2]   # the count where it agrees; the activities where it is blank


DECIMALS = st.one_of(
    st.from_regex(r"[0-9]{1,18}(\.[0-9]{0,18})?", fullmatch=True),
    st.from_regex(r"\.?[0-9]{1,3}|0\.0{300,340}[1-9]", fullmatch=True),   # (a value that underflows to 0)
    st.sampled_from(["\u0661\u0662", "12.", "007", "1.50", "0", "00.000", "999999999999999.999999999999999"]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(DECIMALS, min_size=1, max_size=80), st.booleans())
def test_a_plain_decimal_reads_as_typed_number_reads_it(cells, percent):
    # the cells most rosters hold are read without typed_number's checks: the same floats (or refusals)
    from asm_xl.model.validation import typed_number

    def expected(text):
        try:
            return typed_number(text, percent=percent)
        except ValueError:
            return np.nan
    got = Checker(pd.DataFrame({"npi": [""] * len(cells), "x": cells})).number("x", allowed="a number",
                                                                             percent=percent)
    assert np.array_equal(got, np.array([expected(c) for c in cells], dtype=float), equal_nan=True)
