"""From final score to dollars: TFS, scaling factor, factor, multiplier, impact (spec 8)."""

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings as hsettings, strategies as st

from asm_xl import MeasureInput, Participant, Settings, payment_year, risk_level, score_participant
from asm_xl.model.cohort import score_cohort
from cohort_rows import hf_row
from asm_xl.model.payment import adjustment_factor, competition_rank, dollar_impact, payment_multiplier, percentile_rank, solve_scaling_factor, transformed_final_score

TFS80 = 1.0 / (1.0 + math.exp(-3.0))   # 0.9525741268224334
TFS10 = 1.0 / (1.0 + math.exp(4.0))    # 0.01798620996209156
TFS100 = 1.0 / (1.0 + math.exp(-5.0))  # 0.9933071490757153


# ---------------------------------------------------------------- exchange function
def test_cms_illustration_final_80_gives_tfs_0_95():
    # TFS = 1 / (1 + exp(-0.1 x (80 - 50))) = 1 / (1 + e^-3) = 0.952574...  (CMS: "0.95")
    tfs = float(transformed_final_score(80))
    assert tfs == pytest.approx(0.9525741268224334, rel=1e-15)
    assert round(tfs, 2) == 0.95


def test_tfs_is_one_half_at_the_midpoint():
    assert float(transformed_final_score(50)) == 0.5
    assert float(transformed_final_score(62, midpoint=62)) == 0.5


# ---------------------------------------------------------------- factor, multiplier, dollars
def test_factor_formula_by_hand():
    # r = 9%, final 80, SF 1.7: 0.09 x 0.952574 x 1.7 - 0.09 = 0.0557438...
    f = float(adjustment_factor(80, TFS80, 0.09, 1.7))
    assert f == pytest.approx(0.09 * TFS80 * 1.7 - 0.09, rel=1e-15)


def test_final_zero_gets_minus_r_whatever_the_scaling_factor():
    assert adjustment_factor([0, 0], [0.5, 0.5], 0.09, 100.0).tolist() == [-0.09, -0.09]


def test_factor_bounded_to_plus_minus_r():
    # SF 10: 0.09 x 0.9526 x 10 - 0.09 = 0.767 -> +0.09; SF 0 -> -0.09 (lower bound of r x TFS x SF - r)
    assert float(adjustment_factor(80, TFS80, 0.09, 10.0)) == 0.09
    assert float(adjustment_factor(80, TFS80, 0.09, 0.0)) == -0.09
    # unbounded when the assumption is off
    f = float(adjustment_factor(80, TFS80, 0.09, 10.0, settings=Settings(bound_factors=False)))
    assert f == pytest.approx(0.09 * TFS80 * 10 - 0.09, rel=1e-15)


def test_cms_illustration_plus_6_percent_on_250000_is_15000():
    # 0.06 x 250,000 = 15,000; multiplier 1.06
    assert float(dollar_impact(0.06, 250_000)) == pytest.approx(15_000.0, rel=1e-15)
    assert float(payment_multiplier(0.06)) == 1.06


def test_factor_of_plus_6_percent_end_to_end_gives_15000():
    # final 80 (all points 8, cost 8); r = 9% (PY2027); SF chosen so that 0.09 x TFS80 x SF - 0.09 = 0.06:
    # SF = 0.15 / (0.09 x TFS80) = 1.749650...
    ms = [MeasureInput(m, eligible_cases=50, reported_cases=50, points=8) for m in ("Q492", "Q008", "Q005", "Q236", "Q377")]
    p = Participant(cohort="HF", performance_year=2027, practice_size=20, ia_done=2, pi_score=1.0,
                    part_b_payments=250_000, cost_episodes=30, cost_points=8, measures=ms)
    s = score_participant(p, scaling_factor=0.15 / (0.09 * TFS80))
    assert s.final_score == pytest.approx(80.0, rel=1e-15)
    assert s.tfs == pytest.approx(TFS80, rel=1e-14)
    assert s.factor == pytest.approx(0.06, rel=1e-12)
    assert s.multiplier == pytest.approx(1.06, rel=1e-12)
    assert s.dollar_impact == pytest.approx(15_000.0, rel=1e-12)


# ---------------------------------------------------------------- risk level and payment year
@pytest.mark.parametrize("py, r, pay", [(2027, 0.09, 2029), (2028, 0.09, 2030), (2029, 0.10, 2031),
                                        (2030, 0.11, 2032), (2031, 0.12, 2033)])
def test_risk_level_and_payment_year_per_performance_year(py, r, pay):
    assert risk_level(py) == r and payment_year(py) == pay == py + 2
    p = Participant(cohort="LBP", performance_year=py, practice_size=40, ia_done=2, pi_score=1.0,
                    cost_episodes=5, measures=[MeasureInput("Q238", "eCQM", 50, 50, points=5)])
    given = Settings(pool="given", given_scaling_factor=1.7)  # a given pool: SF 1.7, midpoint 50
    s = score_participant(p, settings=given)
    assert (s.risk_level, s.payment_year, s.performance_year) == (r, pay, py)
    # quality 5 / 40 = 0.125 (Q238 5 points, 3 unreported), cost not scored (5 episodes) -> weight 1:
    # final = 100 x 0.125 = 12.5; factor = r x TFS(12.5) x 1.7 - r
    assert s.final_score == 12.5
    assert s.factor == pytest.approx(r * 1.7 / (1 + math.exp(3.75)) - r, rel=1e-12)
    # final 0 (late submission) -> factor -r
    assert score_participant(dataclasses.replace(p, submitted_on_time=False), settings=given).factor == -r


# ---------------------------------------------------------------- scaling factor
def test_scaling_factor_closed_form_by_hand():
    # finals 50, 80, 0; P = 100k, 200k, 100k; r = 9%
    # SF = 0.85 x 400,000 / (100,000 x 0.5 + 200,000 x TFS80) = 340,000 / 240,514.83 = 1.41363...
    # max TFS x SF = 1.3466 <= 2: no factor above +r, closed form
    final, P = [50.0, 80.0, 0.0], [100_000.0, 200_000.0, 100_000.0]
    sol = solve_scaling_factor(final, P, 0.09)
    assert sol.method == "closed form"
    assert sol.scaling_factor == pytest.approx(340_000 / (50_000 + 200_000 * TFS80), rel=1e-14)
    # budget: 0.09 x SF x 240,514.83 - 0.09 x 400,000 = 30,600 - 36,000 = -5,400 = -0.15 x 0.09 x 400,000
    f = adjustment_factor(final, transformed_final_score(final), 0.09, sol.scaling_factor)
    assert float(np.dot(P, f)) == pytest.approx(-5_400.0, rel=1e-12)
    assert abs(sol.budget_residual) < 1e-6


def test_scaling_factor_unweighted_pool_ignores_payments():
    # equal weights: SF = 0.85 x 3 / (0.5 + TFS80)
    sol = solve_scaling_factor([50.0, 80.0, 0.0], [1.0, 1e6, 5.0], 0.09,
                               settings=Settings(payment_weighted_pool=False))
    assert sol.scaling_factor == pytest.approx(2.55 / (0.5 + TFS80), rel=1e-14)


def test_scaling_factor_with_active_bound_is_solved_numerically():
    # finals 100, 10, 10, equal payments; closed form SF0 = 2.55 / (TFS100 + 2 TFS10) = 2.477
    # gives the 100 a factor above +r (TFS100 x SF0 = 2.46 > 2), so it sits at +r and the budget
    # fixes SF from the others: 0.09 + 2 (0.09 x TFS10 x SF - 0.09) = -0.15 x 0.09 x 3
    #   -> 2 TFS10 SF = 2 - 1 - 0.45 = 0.55 -> SF = 0.275 / TFS10 = 0.275 (1 + e^4) = 15.2894...
    final, P = [100.0, 10.0, 10.0], [1.0, 1.0, 1.0]
    sol = solve_scaling_factor(final, P, 0.09)
    assert sol.method == "solved"
    assert sol.scaling_factor == pytest.approx(0.275 * (1 + math.exp(4.0)), rel=1e-9)
    f = adjustment_factor(final, transformed_final_score(final), 0.09, sol.scaling_factor)
    assert f[0] == 0.09                                              # exactly at +r
    assert float(np.dot(P, f)) == pytest.approx(-0.15 * 0.09 * 3, rel=1e-9)  # budget identity


def test_budget_unattainable_when_zero_scores_hold_most_payments():
    # finals 0, 0, 50 (equal payments): zero-score share 2/3 > 1.15/2 = 57.5%
    # even +r for the 50 gives -0.09 x 2 + 0.09 = -0.09 < -0.15 x 0.09 x 3 = -0.0405
    # SF = 2 / TFS(50) = 4 puts the positive score exactly at +r
    sol = solve_scaling_factor([0.0, 0.0, 50.0], [1.0, 1.0, 1.0], 0.09)
    assert sol.method == "budget unattainable"
    assert sol.scaling_factor == 4.0
    assert sol.budget_residual == pytest.approx(-0.09 + 0.0405, rel=1e-12)


def test_no_positive_scores_reports_a_scaling_factor_of_zero_nothing_to_scale():
    sol = solve_scaling_factor([0.0, 0.0], [1.0, 2.0], 0.09)
    assert sol.method == "no positive scores" and sol.scaling_factor == 0.0
    # budget: everyone at -r -> -0.09 x 3 - (-0.15 x 0.09 x 3) = -0.2295
    assert sol.budget_residual == pytest.approx(-0.27 + 0.0405, rel=1e-12)


def test_bound_on_participant_without_payments_keeps_closed_form():
    # Regression: finals 100, 10, 10 with P = 0, 1, 1. The 100 exceeds +r at the closed-form SF but
    # weighs nothing in the budget, so the closed form holds: SF = 0.85 x 2 / (2 TFS10).
    # (brentq used to be called with a zero/positive budget at both ends and raised ValueError.)
    sol = solve_scaling_factor([100.0, 10.0, 10.0], [0.0, 1.0, 1.0], 0.09)
    assert sol.method == "closed form"
    assert sol.scaling_factor == pytest.approx(0.85 / TFS10, rel=1e-14)
    assert abs(sol.budget_residual) < 1e-15


def test_a_cohort_with_mean_tfs_one_half_has_scaling_factor_0_85_over_one_half():
    # reference cohort with payment-weighted mean TFS 0.5: SF = 0.85 / 0.5 = 1.7
    sol = solve_scaling_factor([50.0, 50.0], [1.0, 3.0], 0.09)
    assert sol.scaling_factor == pytest.approx(1.7, rel=1e-15)


# ---------------------------------------------------------------- cohort-median midpoint
def test_cohort_median_midpoint_setting():
    # finals 40 (points 4 / cost 4), 60, 90 -> median 60 is the TFS midpoint: the 60 gets TFS 0.5
    df = pd.DataFrame([hf_row(4, 4), hf_row(6, 6), hf_row(9, 9)])
    res = score_cohort(df, settings=Settings(tfs_midpoint_mode="cohort_median", pool="roster"))
    assert res.scores["final_score"].tolist() == [pytest.approx(x, rel=1e-14) for x in (40, 60, 90)]
    assert res.pools["tfs_midpoint"].iloc[0] == pytest.approx(60.0, rel=1e-14)
    assert res.scores["tfs"].iloc[1] == pytest.approx(0.5, rel=1e-14)
    # fixed midpoint (default) is 50
    assert score_cohort(df, settings=Settings(pool="roster")).pools["tfs_midpoint"].iloc[0] == 50.0


# ---------------------------------------------------------------- ranks
def test_percentile_rank_and_competition_rank_by_hand():
    # values 10, 20, 20, 30 (n = 4): pct = 100 x (#less + #less-or-equal) / 8
    #   10: (0 + 1) / 8 = 12.5; 20: (1 + 3) / 8 = 50; 30: (3 + 4) / 8 = 87.5
    v = [10, 20, 20, 30]
    assert percentile_rank(v).tolist() == [12.5, 50.0, 50.0, 87.5]
    assert competition_rank(v).tolist() == [4, 2, 2, 1]


# ---------------------------------------------------------------- properties
@hsettings(max_examples=200, deadline=None)
@given(final=st.floats(0.0, 100.0), sf=st.floats(0.0, 50.0), r=st.sampled_from([0.09, 0.10, 0.11, 0.12]))
def test_factor_always_within_minus_r_and_plus_r(final, sf, r):
    f = float(adjustment_factor(final, transformed_final_score(final), r, sf))
    assert -r <= f <= r


@hsettings(max_examples=150, deadline=None)
@given(final=st.lists(st.one_of(st.just(0.0), st.floats(0.0, 100.0)), min_size=1, max_size=30),
       data=st.data())
def test_scaling_factor_meets_budget_whenever_attainable(final, data):
    P = data.draw(st.lists(st.one_of(st.just(0.0), st.floats(1.0, 1e6)), min_size=len(final), max_size=len(final)))
    final, P = np.array(final), np.array(P)
    sol = solve_scaling_factor(final, P, 0.09)
    f = adjustment_factor(final, transformed_final_score(final), 0.09, sol.scaling_factor)
    assert np.all((f >= -0.09) & (f <= 0.09))
    zero_share = P[final <= 0].sum() / P.sum() if P.sum() > 0 else 0.0
    if sol.method in ("closed form", "solved"):
        assert float(np.dot(P, f)) == pytest.approx(-0.15 * 0.09 * P.sum(), rel=1e-9, abs=1e-9)
    if P.sum() > 0 and (P[final > 0].sum() > 0) and zero_share < 0.57:
        assert sol.method in ("closed form", "solved")
    if zero_share > 0.58:
        assert sol.method in ("budget unattainable", "no positive scores")
