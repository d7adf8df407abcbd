"""Inputs the rules need (spec 8, 8.1): the dollar base, CMS's small-practice flag, and the
exception flags (neutral factor, out of the pool [ASSUMPTION]) in both APIs, the roster checks and the
Excel functions. Values by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from asm_xl import MeasureInput, Participant, score_participant
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


# ------------------------------------------- exceptions_neutral: the assumption as a setting
NOT_NEUTRAL = Settings(exceptions_neutral=False)


def test_with_exceptions_neutral_no_a_flagged_participant_is_scored_and_pooled_as_any_other():
    # the roster of the test above with the flags not applied: C (final 80, P 100k) is in the pool,
    # SF = 0.85 x 400k / (200k TFS80 + 100k x 0.5 + 100k TFS80), and C's factor is A's (final 80 both)
    df = pd.DataFrame([hf_row(8, 8, part_b_payments=200_000), hf_row(5, 5),
                       hf_row(8, 8, euc_exception="yes", payment_exception="yes")], index=["A", "B", "C"])
    res = score_cohort(df, settings=NOT_NEUTRAL.replace(pool="roster"))
    sc, pool = res.scores, res.pools.iloc[0]
    sf = 0.85 * 400_000 / (300_000 * TFS80 + 50_000)
    assert pool["scaling_factor"] == pytest.approx(sf, rel=1e-14) and pool["participants"] == 3
    assert float(sc.loc["C", "factor"]) == pytest.approx(0.09 * TFS80 * sf - 0.09, rel=1e-12)
    assert float(sc.loc["C", "factor"]) == float(sc.loc["A", "factor"])
    assert sc["exception"].tolist() == [False, False, False] and sc["cohort_size"].tolist() == [3, 3, 3]
    assert int(sc.loc["C", "cohort_rank"]) == 1
    assert ("Extreme and uncontrollable circumstances exception (§ 512.780) and Payment exception (§ 512.750(f)) "
            "not applied (exceptions_neutral is No)") in sc.loc["C", "note"]
    # the budget holds over all three
    assert float(sc["dollar_impact"].sum()) == pytest.approx(-0.15 * 0.09 * 400_000, rel=1e-12)


def test_the_scalar_api_honours_exceptions_neutral():
    # Q236 at 8 points (of the 4 measures' 40: quality 20%), cost 8 points: final 0.5 x 20 + 0.5 x 80 = 50,
    # TFS 0.5, factor 0.09 x 0.5 x 1.7 - 0.09
    kw = dict(measures=[MeasureInput("Q236", "eCQM", 100, 100, points=8)], cost_points=8)
    plain = score_participant(participant(**kw), scaling_factor=1.7)
    flagged = score_participant(participant(payment_exception="yes", **kw), scaling_factor=1.7, settings=NOT_NEUTRAL)
    assert flagged.final_score == plain.final_score == pytest.approx(50.0, rel=1e-14)
    assert flagged.factor == plain.factor == pytest.approx(0.09 * 0.5 * 1.7 - 0.09, rel=1e-12)
    assert score_participant(participant(payment_exception="yes", **kw), scaling_factor=1.7).factor == 0.0
    assert any("not applied (exceptions_neutral is No)" in n for n in flagged.notes)


def test_excel_functions_honour_exceptions_neutral_but_not_participating_stays_no_adjustment():
    off = [["exceptions_neutral", "No"]]
    euc, out = [["Yes"], ["No"]], [["Yes"], ["No"], ["Yes"]]
    want = 0.09 * TFS80 * 1.7 - 0.09
    assert call("ASM_FACTOR", 80, 2027, 1.7, None, euc, off) == pytest.approx(want, rel=1e-12)
    assert call("ASM_FACTOR", 80, 2027, 1.7, None, euc, [["exceptions_neutral", "Yes"]]) == 0.0
    assert call("ASM_FACTOR", 80, 2027, 1.7, None, out, off) == 0.0   # not participating: the setting does not apply
    assert call("ASM_MULTIPLIER", 80, 2027, 1.7, None, euc, off) == pytest.approx(1 + want, rel=1e-12)
    for name, args in (("ASM_FACTOR_RANGE", (62, 2027, "HF", 10)), ("ASM_GAIN_CHANCE", (62, 2027, "HF"))):
        assert call(name, *args, euc, off) == call(name, *args, None, off) != 0.0, name
        assert call(name, *args, euc) == call(name, *args, out, off) == 0.0, name
    proj = call("ASM_PROJECTION", 62, 2027, "HF", 100_000, None, off, euc)
    assert proj == call("ASM_PROJECTION", 62, 2027, "HF", 100_000, None, off) and proj[1][5] != 0
    assert call("ASM_PROJECTION", 62, 2027, "HF", 100_000, None, None, euc)[1][4:7] == [0, 0, 0]
    assert call("ASM_EXCEPTION", "Yes", "No", None, off) == "EUC ignored"
    assert call("ASM_EXCEPTION", "Yes", "Yes", None, off) == "Exceptions ignored"
    assert call("ASM_EXCEPTION", "No", "Yes", "Yes", off) == "Not participating"
    assert call("ASM_EXCEPTION", "No", "Yes", None, off) == "Payment ignored"


def test_more_than_three_exception_cells_are_an_error_naming_what_the_cells_are():
    four = [["No"], ["No"], ["No"], ["Yes"]]
    assert call("ASM_FACTOR", 80, 2027, 1.7, None, four) == "#VALUE!"
    assert explain("ASM_FACTOR", 80, 2027, 1.7, None, four) == (
        "exceptions: 1 to 3 cells (euc_exception, payment_exception, then not participating "
        "(ASM_NOT_PARTICIPATING)), got 4")
    assert call("ASM_FACTOR", 80, 2027, 1.7, None, [["Yes"]]) == 0.0   # one cell: an exception flag
