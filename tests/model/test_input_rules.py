"""Inputs the rules need (spec 8, 8.1): the dollar base, CMS's small-practice flag, and the
exception flags (neutral factor, out of the pool [ASSUMPTION]) in both APIs, the roster checks and the
Excel functions. Values by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from asm_xl import Participant, score_participant
from asm_xl.model.settings import Settings
from asm_xl.excel import call, explain
from asm_xl.model.columns import column_help
from asm_xl.model.cohort import score_cohort
import cohort_rows

TFS80 = 1.0 / (1.0 + math.exp(-3.0))


def hf_row(points=8, cost=8, **kw):
    return cohort_rows.hf_row(points, cost, **kw)


def participant(**kw):
    base = dict(cohort="HF", performance_year=2027, practice_size=20, ia_done=2, pi_score=1.0,
                part_b_payments=250_000, cost_episodes=30, cost_points=6, measures=())
    base.update(kw)
    return Participant(**base)


# ---------------------------------------------------------------- the dollar base
def test_the_dollar_base_is_the_pfs_professional_services_paid_amount_of_the_payment_year():
    text = column_help()["part_b_payments"]
    assert "physician fee schedule covered professional services" in text and "payment year" in text


# ---------------------------------------------------------------- CMS's small-practice flag
@pytest.mark.parametrize("size, flag, bonus", [
    (40, True, 10.0),    # CMS says small although 40 clinicians: +10
    (1, True, 15.0),     # solo: +15
    (5, False, 0.0),     # CMS says not small although 5 clinicians: 0
    (5, None, 10.0),     # no flag: from the size, 2-15 = small
    (1, None, 15.0),
    (16, None, 0.0),
])
def test_cms_small_practice_flag_decides_the_bonus_and_size_only_tells_solo_from_small(size, flag, bonus):
    s = score_participant(participant(practice_size=size, small_practice=flag))
    assert s.practice_bonus == bonus
    row = hf_row(practice_size=size, **({} if flag is None else {"small_practice": "yes" if flag else "no"}))
    assert float(score_cohort(pd.DataFrame([row])).scores["practice_bonus"].iloc[0]) == bonus
    assert call("ASM_PRACTICE_BONUS", size, None if flag is None else ("Yes" if flag else "No")) == bonus
    # ASM_FINAL: quality 0.8, cost 0.8 -> 80 + bonus, clamped at 100
    final = call("ASM_FINAL", 0.8, 0.8, 2, 1.0, 0, size, True, None if flag is None else flag)
    assert final == min(80.0 + bonus, 100.0)


def test_a_bad_small_practice_flag_is_reported_by_the_roster_checks():
    res = score_cohort(pd.DataFrame([hf_row(small_practice="maybe")]))
    assert res.errors[["column", "value"]].values.tolist() == [["small_practice", "maybe"]]
    assert "yes/no" in res.errors["reason"].iloc[0]
    assert call("ASM_PRACTICE_BONUS", 5, "maybe") == "#VALUE!"


# ---------------------------------------------------------------- exceptions
def test_an_excepted_participant_gets_a_neutral_factor_and_leaves_the_pool():
    # A: final 80, P 200k; B: final 50, P 100k; C: final 80, P 100k, extreme and uncontrollable
    # circumstances. Pool = A, B: SF = 0.85 x 300k / (200k TFS80 + 100k x 0.5).
    df = pd.DataFrame([hf_row(8, 8, part_b_payments=200_000), hf_row(5, 5),
                       hf_row(8, 8, euc_exception="yes")], index=["A", "B", "C"])
    res = score_cohort(df, settings=Settings(pool="roster"))  # the roster as the cohort: its own SF
    sc, pool = res.scores, res.pools.iloc[0]
    assert res.errors.empty
    sf = 0.85 * 300_000 / (200_000 * TFS80 + 50_000)
    assert pool["scaling_factor"] == pytest.approx(sf, rel=1e-14) and pool["participants"] == 2
    assert float(sc.loc["C", "final_score"]) == pytest.approx(80.0, rel=1e-15)  # still scored and shown
    assert float(sc.loc["C", "factor"]) == 0.0 and float(sc.loc["C", "dollar_impact"]) == 0.0
    assert float(sc.loc["C", "multiplier"]) == 1.0
    assert pd.isna(sc.loc["C", "cohort_rank"]) and sc["cohort_size"].tolist() == [2, 2, 2]
    assert "Extreme and uncontrollable circumstances" in sc.loc["C", "note"]
    assert "[ASSUMPTION]" in sc.loc["C", "note"]
    # the pool's budget holds without C: 200k fA + 100k fB = -0.15 x 0.09 x 300k
    spent = float(sc.loc["A", "dollar_impact"] + sc.loc["B", "dollar_impact"])
    assert spent == pytest.approx(-0.15 * 0.09 * 300_000, rel=1e-12)


def test_the_scalar_api_gives_an_excepted_participant_a_neutral_factor():
    plain = score_participant(participant(), scaling_factor=1.7)
    for flags in ({"euc_exception": True}, {"payment_exception": "yes"}):
        s = score_participant(participant(**flags), scaling_factor=1.7)
        assert s.final_score == plain.final_score and s.factor == 0.0 and s.multiplier == 1.0
        assert s.dollar_impact == 0.0 and any("neutral factor 0" in n for n in s.notes)
    assert plain.factor != 0.0


def test_excel_functions_take_the_exception_flags():
    # final 80, 2027, SF 1.7: 0.09 x TFS80 x 1.7 - 0.09 without an exception; 0 with one
    assert call("ASM_FACTOR", 80, 2027, 1.7) == pytest.approx(0.09 * TFS80 * 1.7 - 0.09, rel=1e-12)
    assert call("ASM_FACTOR", 80, 2027, 1.7, None, [["No"], ["No"]]) == pytest.approx(0.09 * TFS80 * 1.7 - 0.09)
    assert call("ASM_FACTOR", 80, 2027, 1.7, None, [["No"], ["Yes"]]) == 0.0
    assert call("ASM_MULTIPLIER", 80, 2027, 1.7, None, [["Yes"], ["No"]]) == 1.0
    assert call("ASM_EXCEPTION", "No", "") == "No exception"
    assert call("ASM_EXCEPTION", "Yes", "No") == "EUC exception"
    assert call("ASM_EXCEPTION", "perhaps", "No") == "#VALUE!"
    assert "euc_exception" in explain("ASM_EXCEPTION", "perhaps", "No")


@pytest.mark.parametrize("value, bounds, allowed", [
    (2.5, {"minimum": 0}, "a whole number >= 0"),
    ("x", {"minimum": 0, "maximum": 10}, "a whole number between 0 and 10"),
    (1.5, {}, "a whole number"),
    (3.5, {"maximum": 2}, "a whole number <= 2"),
])
def test_a_whole_number_refused_says_what_is_allowed_in_plain_words(value, bounds, allowed):
    from asm_xl.model.errors import ASMInputError
    from asm_xl.model.validation import as_whole
    with pytest.raises(ASMInputError) as e:
        as_whole("case_minimum", value, **bounds)
    assert str(e.value).endswith(f"is not allowed ({allowed})")
