"""Score adjustments: improvement activities, Promoting Interoperability, complex patient bonus,
practice size (spec 6) [CMS]."""

import numpy as np
import pytest

from asm_xl import ASMInputError, MeasureInput, Participant, Settings, score_participant
from asm_xl.model.adjustments import ia_adjustment, pi_adjustment, practice_size_bonus


def hf(**kw):
    base = dict(cohort="HF", performance_year=2027, practice_size=20, ia_done=2, pi_score=1.0,
                part_b_payments=100_000, cost_episodes=30, cost_points=5,
                measures=[MeasureInput("Q236", "eCQM", 100, 100, points=5)])
    base.update(kw)
    return Participant(**base)


def test_improvement_activities_none_one_both():
    # -10 x (2 - done): 0 -> -20, 1 -> -10, 2 -> 0
    assert ia_adjustment([0, 1, 2]).tolist() == [-20.0, -10.0, 0.0]


def test_pi_adjustment_is_linear_in_pi_score():
    # -10 x (1 - PI): 0 -> -10, 0.25 -> -7.5, 0.5 -> -5, 1 -> 0
    assert pi_adjustment([0.0, 0.25, 0.5, 1.0]).tolist() == [-10.0, -7.5, -5.0, 0.0]


def test_pi_adjustment_all_or_nothing_when_linear_assumption_off():
    s = Settings(pi_adjustment_linear=False)
    assert pi_adjustment([0.0, 0.99, 1.0], settings=s).tolist() == [-10.0, -10.0, 0.0]


@pytest.mark.parametrize("clinicians, bonus", [(1, 15.0), (2, 10.0), (15, 10.0), (16, 0.0), (400, 0.0)])
def test_practice_size_bonus_solo_small_large(clinicians, bonus):
    assert float(practice_size_bonus(clinicians)) == bonus


def test_small_practice_limit_is_a_setting():
    s = Settings(small_practice_max_clinicians=20)
    assert practice_size_bonus([16, 20, 21], settings=s).tolist() == [10.0, 10.0, 0.0]


def test_adjustments_flow_into_final_score():
    # quality: Q236 5 points, others unreported (0) -> 5 / 40 = 0.125; cost 5 / 10 = 0.5
    # base = 100 x (0.5 x 0.125 + 0.5 x 0.5) = 31.25
    # IA one done -10, PI 0.6 -> -4, complex +3, practice 2..15 -> +10: 31.25 - 10 - 4 + 3 + 10 = 30.25
    s = score_participant(hf(ia_done=1, pi_score=0.6, complex_bonus=3, practice_size=8))
    assert (s.ia_adjustment, s.complex_bonus, s.practice_bonus) == (-10.0, 3.0, 10.0)
    assert s.pi_adjustment == pytest.approx(-4.0, rel=1e-15)
    assert s.final_score == pytest.approx(30.25, rel=1e-14)


@pytest.mark.parametrize("bonus", [0, 10, 10.0, "7.5"])
def test_complex_bonus_within_zero_to_ten_is_accepted(bonus):
    assert score_participant(hf(complex_bonus=bonus)).complex_bonus == float(bonus)


@pytest.mark.parametrize("bonus", [-0.01, 10.01, 15])
def test_complex_bonus_outside_zero_to_ten_is_rejected(bonus):
    with pytest.raises(ASMInputError) as e:
        score_participant(hf(complex_bonus=bonus))
    assert e.value.field == "complex_bonus" and e.value.value == bonus
    assert "(a number between 0 and 10)" in str(e.value)


def test_complex_bonus_maximum_is_a_setting():
    s = score_participant(hf(complex_bonus=12), settings=Settings(complex_bonus_max=12))
    assert s.complex_bonus == 12.0


@pytest.mark.parametrize("ia", [3, -1, 1.5, "two"])
def test_ia_done_must_be_0_1_or_2(ia):
    with pytest.raises(ASMInputError, match=r"ia_done: .* is not allowed \(0, 1 or 2 improvement activities completed\)"):
        score_participant(hf(ia_done=ia))


def test_pi_score_as_percent_is_rejected():
    with pytest.raises(ASMInputError, match=r"pi_score: 80 is not allowed \(a fraction between 0 and 1, where 70% is 0.70; "
                                            r"did you mean 80%\?\)"):
        score_participant(hf(pi_score=80))


def test_a_decimal_comma_in_a_fraction_is_named_as_such_in_the_roster_check():
    # "0,9" in a comma-separated file read as 9 and said "(did you mean 9%?)": the user meant 0.9
    import pandas as pd
    from asm_xl.model.cohort import score_cohort
    row = {"cohort": "HF", "performance_year": 2027, "practice_size": 5, "part_b_payments": 100_000, "ia_done": 2,
           "pi_score": "0,9"}
    (reason,) = score_cohort(pd.DataFrame([row])).errors["reason"]
    assert reason == "must be a fraction between 0 and 1, where 70% is 0.70; a decimal comma? write 0.9"


def test_practice_size_zero_is_rejected():
    with pytest.raises(ASMInputError, match=r"practice_size: 0 is not allowed \(a whole number of clinicians >= 1\)"):
        score_participant(hf(practice_size=0))


def test_adjustment_kernels_broadcast():
    assert np.shape(ia_adjustment(np.zeros((3, 2)))) == (3, 2)
