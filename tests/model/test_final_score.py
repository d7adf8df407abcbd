"""Final score: weights, reweighting, clamping, minimum submission (spec 5, 7)."""

import numpy as np
import pytest
from hypothesis import given, settings as hsettings, strategies as st

from asm_xl import MeasureInput, Participant, Settings, score_participant
from asm_xl.model.final_score import category_weights, final_score

from tests.model.strategies import participant_rows, row_to_participant

NAN = float("nan")


def hf(**kw):
    base = dict(cohort="HF", performance_year=2027, practice_size=20, ia_done=2, pi_score=1.0,
                part_b_payments=100_000, cost_episodes=30, cost_points=8)
    base.update(kw)
    return Participant(**base)


# quality 0.625 via CMS's example (entered points)
CMS_MEASURES = [MeasureInput("Q008", eligible_cases=65, reported_cases=65, points=9.5),
                MeasureInput("Q005", eligible_cases=60, completeness=0.70),
                MeasureInput("Q236", eligible_cases=85, completeness=0.92, points=8.5),
                MeasureInput("Q377", eligible_cases=85, completeness=0.95, points=7),
                MeasureInput("Q492", eligible_cases=18, rate=70.0)]


def test_weights_half_and_half_when_both_scored():
    wq, wc = category_weights([True], [True])
    assert (wq[0], wc[0]) == (0.5, 0.5)


def test_unscored_category_weight_moves_to_the_other():
    wq, wc = category_weights([True, False], [False, True])
    assert wq.tolist() == [1.0, 0.0] and wc.tolist() == [0.0, 1.0]


def test_neither_category_scored_has_no_weights():
    wq, wc = category_weights([False], [False])
    assert np.isnan(wq[0]) and np.isnan(wc[0])


def test_reweighting_off_leaves_the_unscored_half_empty():
    wq, wc = category_weights([True], [False], settings=Settings(reweight_unscored_category=False))
    assert (wq[0], wc[0]) == (0.5, 0.0)


def test_final_score_formula_by_hand():
    # 100 x (0.5 x 0.625 + 0.5 x 0.8) = 71.25; IA -10, PI -2.5, complex +3, practice +10 -> 71.75
    assert float(final_score(0.625, 0.8, -10.0, -2.5, 3.0, 10.0)) == pytest.approx(71.75, rel=1e-15)


def test_final_score_clamped_at_100():
    # 100 x (0.5 + 0.5) + 0 + 0 + 10 + 15 = 125 -> 100
    assert float(final_score(1.0, 1.0, 0.0, 0.0, 10.0, 15.0)) == 100.0


def test_final_score_clamped_at_0():
    # 100 x (0.5 x 0 + 0.5 x 0.1) - 20 - 10 = -25 -> 0
    assert float(final_score(0.0, 0.1, -20.0, -10.0, 0.0, 0.0)) == 0.0


def test_a_sum_of_exactly_0_is_a_final_score_of_0_and_gets_minus_r_not_float_noise():
    # 100 x (0.5 x 0 + 0.5 x 0.55) - 20 - 7.5 = 0 by hand; in floating point the sum is 3.6e-15, which
    # the exchange curve would price (factor -0.0891 instead of -r = -0.09: $226 on $250,000)
    assert 100.0 * (0.5 * 0.0 + 0.5 * 0.55) - 20.0 - 7.5 != 0.0
    assert final_score(0.0, 0.55, -20.0, -7.5, 0.0, 0.0) == 0.0
    assert float(final_score(np.array([0.0]), np.array([0.55]), -20.0, -7.5, 0.0, 0.0)[0]) == 0.0
    s = score_participant(hf(ia_done=0, pi_score=0.25, cost_points=5.5, practice_size=40,
                             measures=[MeasureInput("Q008", "eCQM", eligible_cases=10, completeness=0.8, rate=0.5)]),
                          settings=Settings(pool="given", given_scaling_factor=1.5, tfs_midpoint_mode="fixed"))
    assert s.final_score == 0.0 and s.factor == -0.09 and s.dollar_impact == -0.09 * 100_000


def test_minimum_submission_not_met_forces_zero_even_with_bonuses():
    assert float(final_score(1.0, 1.0, 0.0, 0.0, 10.0, 15.0, False)) == 0.0


def test_neither_category_scored_gives_nan_kernel_result_unless_minimum_not_met():
    assert np.isnan(final_score(NAN, NAN, 0.0, 0.0, 0.0, 10.0))
    assert float(final_score(NAN, NAN, 0.0, 0.0, 0.0, 10.0, False)) == 0.0


def test_cms_example_quality_end_to_end():
    # quality 25 / 40 = 0.625 (Q492 with 18 cases excluded), cost 8 / 10 = 0.8
    # final = 100 x (0.5 x 0.625 + 0.5 x 0.8) = 31.25 + 40 = 71.25
    s = score_participant(hf(measures=CMS_MEASURES))
    assert s.quality == 0.625 and s.cost == 0.8
    assert s.final_score == pytest.approx(71.25, rel=1e-15)


def test_cost_with_19_episodes_is_not_scored_and_quality_gets_full_weight():
    # cost not scored -> final = 100 x 1.0 x 0.625 = 62.5 (+ 0 adjustments)
    s = score_participant(hf(cost_episodes=19, measures=CMS_MEASURES))
    assert s.cost is None and s.cost_points is None
    assert (s.quality_weight, s.cost_weight) == (1.0, 0.0)
    assert s.final_score == 62.5
    assert "Cost not scored: its weight moves to quality [ASSUMPTION]." in s.notes


def test_cost_not_scored_without_reweighting_counts_half():
    # reweighting off: final = 100 x 0.5 x 0.625 = 31.25
    s = score_participant(hf(cost_episodes=19, measures=CMS_MEASURES),
                          settings=Settings(reweight_unscored_category=False))
    assert (s.quality_weight, s.cost_weight) == (0.5, 0.0)
    assert s.final_score == 31.25


def test_quality_not_scored_moves_weight_to_cost():
    # every measure excluded (< 20 cases; Q236 complete so the minimum submission is met)
    # final = 100 x 1.0 x 0.8 = 80
    s = score_participant(hf(measures=[MeasureInput("Q236", "eCQM", 10, 10, rate=0.5)], cost_episodes=30))
    # Q008/Q005/Q377 unreported count 0 -> quality is 0 / 30, not "not scored"; make them excluded too
    assert s.quality == 0.0
    ms = [MeasureInput(m, eligible_cases=10, reported_cases=10, rate=0.5) for m in ("Q008", "Q005", "Q236", "Q377")]
    s = score_participant(hf(measures=ms))
    assert s.quality is None and (s.quality_weight, s.cost_weight) == (0.0, 1.0)
    assert s.final_score == 80.0
    assert "Quality not scored: its weight moves to cost [ASSUMPTION]." in s.notes


def test_quality_not_scored_without_reweighting_leaves_cost_at_half_weight():
    # every measure excluded (< 20 cases), cost 6 / 10 = 0.6, reweighting off:
    # w_q = 0 (unscored adds 0), w_c = 1 - 0.5 = 0.5 -> final = 100 x 0.5 x 0.6 = 30 (+ 0 adjustments)
    ms = [MeasureInput(m, eligible_cases=10, reported_cases=10, rate=0.5) for m in ("Q008", "Q005", "Q236", "Q377")]
    s = score_participant(hf(measures=ms, cost_points=6), settings=Settings(reweight_unscored_category=False))
    assert s.quality is None and s.cost == 0.6
    assert (s.quality_weight, s.cost_weight) == (0.0, 0.5)
    assert s.final_score == 30.0
    assert "Quality not scored: it adds 0 (cost weighs 50%; reweighting is off) [ASSUMPTION]." in s.notes


def test_weights_without_reweighting_when_only_cost_is_scored():
    wq, wc = category_weights([False], [True], settings=Settings(reweight_unscored_category=False))
    assert (wq[0], wc[0]) == (0.0, 0.5)


def test_neither_category_scored_gives_no_final_score_and_says_so():
    ms = [MeasureInput(m, eligible_cases=10, reported_cases=10, rate=0.5) for m in ("Q008", "Q005", "Q236", "Q377")]
    s = score_participant(hf(measures=ms, cost_episodes=19))
    assert s.final_score is None and s.tfs is None and s.factor is None and s.dollar_impact is None
    assert s.multiplier is None
    assert s.notes[0] == "Neither quality nor cost is scored: the final score cannot be computed."


@hsettings(max_examples=150, deadline=None)
@given(row=participant_rows(), sf=st.floats(0.0, 10.0))
def test_final_score_always_within_0_and_100(row, sf):
    s = score_participant(row_to_participant(row), scaling_factor=sf)
    assert s.final_score is None or 0.0 <= s.final_score <= 100.0
    if not s.minimum_submission_met:
        assert s.final_score == 0.0
