"""The score needed: break-even by inverting the exchange curve by hand, the score for a chance of a
gain, and the cheapest combination of actions that reaches a score."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings as hsettings, strategies as st

from asm_xl.model.cohort import score_cohort
from asm_xl.model.errors import ASMInputError
from asm_xl.model.peers import PoolDraws, given_pool
from asm_xl.model.score_needed import break_even_score, path_to_score, score_for_gain_chance, scores_needed
from asm_xl.model.settings import DEFAULT_SETTINGS

from .test_actions import BEFORE, POOL, Q008_POINTS, ROW


def test_break_even_inverts_the_logistic_by_hand():
    # factor = r (SF x TFS - 1) = 0  <=>  TFS = 1 / SF  <=>  final = m - ln(SF - 1) / k
    assert break_even_score("HF", 2027, pool=POOL) == pytest.approx(50 - math.log(0.7) / 0.1, abs=1e-8)
    other = given_pool("LBP", 2030, scaling_factor=2.5, midpoint=60.0, steepness=0.2)
    assert break_even_score("LBP", 2030, pool=other) == pytest.approx(60 - math.log(1.5) / 0.2, abs=1e-8)


def test_no_break_even_when_even_a_perfect_score_loses():
    # SF <= 1: r (SF x TFS - 1) < 0 for every TFS < 1
    assert break_even_score("HF", 2027, pool=given_pool("HF", 2027, scaling_factor=0.9, midpoint=50.0)) is None


def three_draws(sfs=(1.4, 1.7, 2.2)):
    """Three cohorts with the same curve (k 0.1, m 50) and different SF: the order of the draws never
    changes, so P50 is the middle SF's curve and P(gain) >= 0.8 needs all three (2 of 3 is 0.67)."""
    n = len(sfs)
    return PoolDraws("HF", 2027, 0.09, np.full(n, 0.1), np.full(n, 50.0), np.array(sfs), "three draws")


def test_break_even_of_several_draws_is_the_median_draws_root_and_the_gain_target_the_last_draws():
    pool = three_draws()
    assert break_even_score("HF", 2027, pool=pool) == pytest.approx(50 - math.log(0.7) / 0.1, abs=1e-8)
    # P90 of 3 draws (linear percentile): 0.2 x 2nd + 0.8 x 3rd; same TFS in every draw, so SF 0.2 x 1.7 + 0.8 x 2.2 = 2.1
    assert break_even_score("HF", 2027, pool=pool, percentile=90) == pytest.approx(50 - math.log(1.1) / 0.1, abs=1e-8)
    assert score_for_gain_chance("HF", 2027, 0.8, pool=pool) == pytest.approx(50 - math.log(0.4) / 0.1, abs=1e-8)
    assert score_for_gain_chance("HF", 2027, 0.5, pool=pool) == pytest.approx(50 - math.log(0.7) / 0.1, abs=1e-8)


@hsettings(max_examples=30, deadline=None)
@given(st.lists(st.floats(1.05, 3.0), min_size=1, max_size=7), st.floats(0.05, 1.0))
def test_the_score_needed_meets_its_target_and_a_little_less_does_not(sfs, target):
    pool = three_draws(tuple(sfs))
    s = score_for_gain_chance("HF", 2027, target, pool=pool)
    if s is None:
        assert pool.price([100.0]).p_gain[0] < target
        return
    assert pool.price([s]).p_gain[0] >= target - 1e-12
    assert s == 0.0 or pool.price([max(0.0, s - 1e-8)]).p_gain[0] < target
    be = break_even_score("HF", 2027, pool=pool)
    assert pool.price([be]).factor_p50[0] >= -1e-15 and pool.price([be - 1e-8]).factor_p50[0] < 0


def test_bad_target_and_percentile_name_the_field():
    with pytest.raises(ASMInputError, match="target: 80 is not allowed"):
        score_for_gain_chance("HF", 2027, 80, pool=POOL)
    with pytest.raises(ASMInputError, match="percentile"):
        break_even_score("HF", 2027, percentile=75, pool=POOL)


def test_scores_needed_per_row_are_the_cohort_values_and_the_gap():
    scores = score_cohort(pd.DataFrame([ROW])).scores
    got = scores_needed(scores, pool=POOL).iloc[0]
    be = 50 - math.log(0.7) / 0.1
    assert got["break_even_score"] == pytest.approx(be, abs=1e-8)
    assert got["points_to_break_even"] == pytest.approx(be - BEFORE, abs=1e-8)
    assert got["gain_target_score"] == pytest.approx(be, abs=1e-8)  # one draw: P(gain) is 0 or 1


def test_cheapest_path_to_a_score_by_hand():
    # from 33.75: IA-1 +10 (effort 1), PI +5 (1), Q236 decile +1.25 (1), Q236 top +3.75 (3),
    # Q008 completeness +2.3411 (1), cost point +5 (2), report Q005 / Q377 +6.875 each (2)
    p = path_to_score(ROW, 43.0)
    assert p.reachable and p.actions == (("ia1", ""),) and p.effort == 1.0
    assert p.final_after == pytest.approx(43.75)
    # 50 needs +16.25: IA-1 + PI + decile gives exactly 50, IA-1 + PI + Q008 completeness 51.34, IA-1 + report
    # Q005 50.625: all effort 3 (nothing of effort 2 reaches 50), the higher score wins the tie
    p = path_to_score(ROW, 50.0)
    assert set(p.actions) == {("ia1", ""), ("pi_full", ""), ("completeness", "Q008")} and p.effort == 3.0
    assert p.final_after == pytest.approx(BEFORE + 15 + 50 * Q008_POINTS / 40)
    assert p.method.startswith("exhaustive")


def test_path_not_reachable_gives_the_best_reachable_score():
    p = path_to_score(ROW, 95.0)
    # everything: IA +10, PI +5, Q236 top +3.75, Q008 +2.34, cost +5, Q005 and Q377 reported +6.875 each -> 73.59
    best = BEFORE + 10 + 5 + 3.75 + 50 * Q008_POINTS / 40 + 5 + 2 * 50 * 5.5 / 40
    assert not p.reachable and p.best_reachable_score == pytest.approx(best)
    assert {("report_measure", "Q005"), ("report_measure", "Q377")} <= set(p.actions)
    assert p.summary.startswith("not reachable (best 73.59)")
    assert path_to_score(ROW, 20.0).summary == "already there"


def test_greedy_path_when_there_are_too_many_combinations():
    p = path_to_score(ROW, 50.0, max_combinations=1)
    assert p.method == "greedy" and p.reachable and p.final_after >= 50.0 - 1e-9


def test_the_greedy_search_can_trade_a_measures_one_decile_for_its_top_decile_and_so_reaches_the_target():
    # past max_combinations actions are added by gain per effort; a measure's "one decile" taken first blocked its
    # "top decile" for good, and a reachable target was called "not reachable (best 49.29)"
    from pathlib import Path

    from asm_xl.model.settings import Settings
    from asm_xl.roster import read_roster
    sample = Path(__file__).resolve().parents[2] / "asm_xl" / "roster" / "data" / "sample_roster.csv"
    okafor = read_roster(sample).head(1).copy()
    okafor[["ia1_done", "ia2_done", "pi_score", "submitted_on_time"]] = ["no", "no", "0.5", "no"]
    scoring = Settings(pool="given", given_scaling_factor=1.0, given_midpoint=50.0)
    exhaustive = path_to_score(okafor, 53.57, settings=scoring)
    greedy = path_to_score(okafor, 53.57, settings=scoring, max_combinations=1)
    assert exhaustive.method == "exhaustive (5184 combinations)" and exhaustive.reachable
    assert greedy.method == "greedy" and greedy.reachable and greedy.final_after >= 53.57
    assert greedy.effort >= exhaustive.effort   # the exhaustive search is the cheapest


def test_a_paths_labels_say_what_else_an_action_changes():
    # Ivanova with every measure half reported: the minimum submission's action completes Q134, and the path's
    # final score counts it; the plan said only "Meet the minimum data submission", so doing what it listed fell short
    from pathlib import Path

    from asm_xl.model.settings import Settings
    from asm_xl.roster import read_roster
    sample = Path(__file__).resolve().parents[2] / "asm_xl" / "roster" / "data" / "sample_roster.csv"
    roster = read_roster(sample)
    ivanova = roster[roster["npi"] == "1800712790"].copy()
    for col in [c for c in ivanova.columns if c.endswith("_reported")]:
        eligible = str(ivanova[col.replace("_reported", "_eligible")].iloc[0]).strip()
        if eligible:
            ivanova[col] = str(int(float(eligible)) // 2)
    path = path_to_score(ivanova, 30.0, settings=Settings(pool="given", given_scaling_factor=1.0, given_midpoint=50.0))
    submission = [label for label in path.labels if label.startswith("Meet the minimum data submission")]
    assert submission == ["Meet the minimum data submission: avoids the automatic maximum penalty (Completes Q134 "
                          "(closest to the threshold); assumes its rate stays as reported.)"]


def test_a_plan_of_one_action_is_worth_what_that_action_is_worth_one_rule_prices_both():
    # plan_worth and action_values price a change of final score the same way (the national pool's draws)
    from pathlib import Path

    from asm_xl.model.actions import action_values
    from asm_xl.model.score_needed import plan_worth
    from asm_xl.roster import read_roster, validate_roster
    sample = Path(__file__).resolve().parents[2] / "asm_xl" / "roster" / "data" / "sample_roster.csv"
    valid = validate_roster(read_roster(sample)).valid
    actions = action_values(valid)
    top = actions[actions["rank"] == 1].reset_index(drop=True)
    assert len(top) >= 20 and set(top["cohort"]) == {"HF", "LBP"}
    worth, total = plan_worth(top, settings=DEFAULT_SETTINGS)
    for column in ("dollars_p50_before", "dollars_p50_after", "p_gain_before", "p_gain_after", "value_p10",
                   "value_p50", "value_p90"):
        np.testing.assert_allclose(worth[column].to_numpy(dtype=float), top[column].to_numpy(dtype=float),
                                   rtol=1e-12, atol=1e-9, err_msg=column)
    # together, added up draw by draw: its mean is the sum of the plans' means, its P50 between their summed P10s
    # and P90s (physicians' draws move together, but not in lockstep)
    assert top["value_p10"].sum() <= total["p50"] <= top["value_p90"].sum()
    assert total["p10"] <= total["p50"] <= total["p90"]
    one, alone = plan_worth(top.iloc[[0]], settings=DEFAULT_SETTINGS)
    assert math.isclose(alone["p50"], one["value_p50"].iloc[0], rel_tol=1e-12)   # a plan alone: its own range
