"""Numbers as Excel writes them when it exports formatted cells: accepted where unambiguous, in
both APIs through one parser (asm_xl.model.validation.typed_number)."""

from __future__ import annotations

import pandas as pd
import pytest

from asm_xl.model.cohort import score_cohort
from asm_xl.model.errors import ASMInputError
from asm_xl.model.settings import Settings
from asm_xl.model.validation import as_fraction, as_number, typed_number


@pytest.mark.parametrize("text, percent, expected", [
    ("1,250,000", False, 1_250_000.0), ("$1,250,000", False, 1_250_000.0), (" 416569.50 ", False, 416_569.5),
    ("(1,250)", False, -1250.0), ("\u22125", False, -5.0), ("-$5", False, -5.0), ("$-5", False, -5.0),
    ("1\u00a0250", False, 1250.0), ("85%", True, 0.85), ("7.5%", True, 0.075), ("1e3", False, 1000.0),
])
def test_excel_exports_are_read_where_unambiguous(text, percent, expected):
    assert typed_number(text, percent=percent) == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize("text", ["85%", "1,25", "12,34,567", "$", "abc", "1.2.3", "--5", "5-", "", " ", "()", "-",
                                  "\u0661\u0662\u0663",   # Arabic-Indic digits: read as 123, as no spreadsheet does
                                  "1e-400"])                 # underflows to 0: a payment of 1e-400 read as $0
def test_ambiguous_or_foreign_text_is_not_a_number(text):
    with pytest.raises(ValueError):
        typed_number(text)  # "85%" too: a percent sign only where a fraction is expected


def test_a_bare_85_in_a_fraction_column_asks_whether_85_percent_was_meant():
    with pytest.raises(ASMInputError, match=r"did you mean 85%\?"):
        as_fraction("pi_score", "85")
    assert as_fraction("pi_score", "85%") == 0.85
    with pytest.raises(ASMInputError, match="part_b_payments"):
        as_number("part_b_payments", "(1,250)", minimum=0)  # a negative where none is allowed


def test_the_cohort_api_reads_the_same_texts_and_names_what_it_refuses():
    base = {"cohort": "HF", "performance_year": "2027", "practice_size": "20", "ia1_done": "TRUE", "ia2_done": "FALSE",
            "cost_episodes": "30", "cost_points": "5"}
    df = pd.DataFrame([{**base, "npi": "1234567893", "part_b_payments": "$1,250,000", "pi_score": "85%"},
                       {**base, "npi": "1245319599", "part_b_payments": "250000", "pi_score": "85"},
                       {**base, "npi": "1003000126", "part_b_payments": "(1,250)", "pi_score": "0.9"}])
    res = score_cohort(df)
    assert res.scores["part_b_payments"].tolist() == [1_250_000.0]
    assert res.scores["pi_adjustment"].tolist() == pytest.approx([-1.5])
    reasons = dict(zip(res.errors["column"] + "@" + res.errors["row"].astype(str), res.errors["reason"]))
    assert reasons["pi_score@1"].endswith("; did you mean 85%?")
    assert reasons["part_b_payments@2"].startswith("must be dollars between 0 and")


@pytest.mark.parametrize("text, value", [("85%", 0.85), ("57%", 0.57), ("70%", 0.7), ("0.5%", 0.005), ("(12.5%)", -0.125)])
def test_a_percent_is_the_number_excel_reads_exactly_not_the_product_by_one_hundredth(text, value):
    # 57 x 0.01 = 0.5700000000000001 and 85 x 0.01 = 0.8500000000000001, which a threshold compares wrongly
    assert typed_number(text, percent=True) == value


def test_a_fraction_setting_reads_a_percent_as_the_roster_does_and_other_settings_do_not():
    assert Settings.from_mapping({"quality_weight": "70%", "completeness_threshold": "75%"}).quality_weight == 0.7
    with pytest.raises(ASMInputError, match="tfs_midpoint"):
        Settings.from_mapping({"tfs_midpoint": "50%"})
