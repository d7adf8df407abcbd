"""The value of each action: final-score changes derived by hand from the spec's points and weights,
dollars from the exchange curve of a given pool, and invariants over generated rosters."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings as hsettings

from asm_xl.model.action_catalogue import ACTIONS, MEETS_MINIMUM_SUBMISSION
from asm_xl.model.action_edits import rate_at_points
from asm_xl.model.actions import (ACTION_COLUMNS, action_values, change_percentiles, participant_actions,
                                  prepare_actions)
from asm_xl.model.benchmarks import packaged_benchmarks
from asm_xl.model.cohort import score_cohort
from asm_xl.model.errors import ASMInputError
from asm_xl.model.peers import PoolDraws, given_pool
from asm_xl.model.rescoring import final_scores
from asm_xl.model.settings import Settings

from .strategies import cohort_frames

POOL = given_pool("HF", 2027, scaling_factor=1.7, midpoint=50.0)  # one draw: k 0.1, m 50, SF 1.7


def factor(final, r=0.09, sf=1.7, k=0.1, m=50.0):
    """The exchange curve by hand: r x SF / (1 + exp(-k (final - m))) - r, bounded to [-r, r]."""
    if final <= 0:
        return -r
    return max(-r, min(r, r * sf / (1.0 + math.exp(-k * (final - m))) - r))


# HF, PY2027, 40 clinicians (no practice bonus), IA-2 done only (-10), PI 50% (-5), cost 8 points on
# 30 episodes, Q236 eCQM 72% (B7 = 72.0 on the PY2026 ladder: 7 points), Q008 eCQM 30 of 50 reported
# (60% < 75%: 0 points, counted), Q005 and Q377 not reported (0, counted), Q492 no rate (excluded).
# quality = 7 / 40 = 0.175; final = 100 x (0.5 x 0.175 + 0.5 x 0.8) - 10 - 5 = 33.75
ROW = dict(npi="1234567893", name="Dr A", cohort="HF", performance_year=2027, practice_size=40,
           part_b_payments=250_000, ia1_done="no", ia2_done="yes", pi_score=0.5, cost_episodes=30, cost_points=8,
           q236_eligible=100, q236_reported=90, q236_rate=0.72, q008_eligible=50, q008_reported=30, q008_rate=0.8)
BEFORE = 33.75
# Q008 at 80% on its PY2026 eCQM ladder (B1 57.14, B2 83.33): 1 + (80 - 57.14) / (83.33 - 57.14)
Q008_POINTS = 1 + (80 - 57.14) / (83.33 - 57.14)
EXPECTED_CHANGE = {
    ("ia1", ""): 10.0,                              # one more activity: -10 -> 0
    ("pi_full", ""): 5.0,                           # -10 x (1 - 0.5) -> 0
    ("quality_decile", "Q236"): 50 * 1 / 40,        # 7 -> 8 points: quality + 1/40, weight 0.5
    ("quality_top", "Q236"): 50 * 3 / 40,           # 7 -> 10 points
    ("completeness", "Q008"): 50 * Q008_POINTS / 40,  # 0 -> 1.8729 points (rate as reported)
    ("cost_point", ""): 50 * 0.1,                   # 8 -> 9 cost points: cost + 0.1, weight 0.5
    ("report_measure", "Q005"): 50 * 5.5 / 40,      # not reported: 0 -> 5.5 points assumed [ASSUMPTION]
    ("report_measure", "Q377"): 50 * 5.5 / 40,
}


@pytest.fixture(scope="module")
def hand_table():
    return action_values(pd.DataFrame([ROW]), pool=POOL)


def test_each_action_changes_the_final_score_as_derived_by_hand(hand_table):
    got = {(a, m): c for a, m, c in hand_table[["action", "measure", "final_change"]].itertuples(index=False)}
    assert set(got) == set(EXPECTED_CHANGE)
    for key, change in EXPECTED_CHANGE.items():
        assert got[key] == pytest.approx(change, abs=1e-9), key
    assert np.allclose(hand_table["final_before"], BEFORE, rtol=0, atol=1e-9)


def test_dollar_value_is_the_change_on_the_exchange_curve_times_payments(hand_table):
    for row in hand_table.itertuples(index=False):
        after = BEFORE + EXPECTED_CHANGE[(row.action, row.measure)]
        value = 250_000 * (factor(after) - factor(BEFORE))
        assert row.value_p50 == pytest.approx(value, rel=1e-9)
        assert row.value_p10 == row.value_p50 == row.value_p90  # one draw: no range
        assert row.dollars_p50_after - row.dollars_p50_before == pytest.approx(row.value_p50, rel=1e-12)


def test_actions_are_ranked_by_p50_dollars_and_carry_their_catalogue_text(hand_table):
    assert list(hand_table.columns) == ACTION_COLUMNS
    assert hand_table["rank"].tolist() == list(range(1, len(hand_table) + 1))
    assert hand_table["value_p50"].is_monotonic_decreasing
    assert hand_table.iloc[0]["action"] == "ia1"  # +10 points is worth most
    top = hand_table.set_index(["action", "measure"]).loc[("quality_top", "Q236")]
    assert top["label"] == "Bring quality measure Q236 to its top decile"
    assert top["source"] == ACTIONS["quality_top"].source
    assert top["effort"] == 3.0  # three deciles climbed (7 -> 10) x effort 1 per decile [ASSUMPTION]
    assert hand_table.iloc[0]["npi"] == "1234567893" and hand_table.iloc[0]["row"] == 0


def test_rate_at_points_reads_the_ladder_backwards():
    ladder = packaged_benchmarks().find("008", "eCQM")
    # Q008 80%: 1.8729 points; one decile better = 2.8729 points = B2 + 0.8729 x (B3 - B2)
    frac = Q008_POINTS - 1
    assert float(rate_at_points(Q008_POINTS + 1, ladder)) == pytest.approx((83.33 + frac * (87.93 - 83.33)) / 100)
    assert float(rate_at_points(10.0, ladder)) == pytest.approx(0.9815)
    q236 = packaged_benchmarks().find("236", "eCQM")
    assert float(rate_at_points(8.0, q236)) == pytest.approx(0.75)  # B8 = 75.0


def test_ia_done_count_of_one_offers_the_remaining_activity_and_of_zero_both():
    one = participant_actions({**ROW, "ia1_done": None, "ia2_done": None, "ia_done": 1}, pool=POOL)
    assert "ia_remaining" in set(one["action"]) and not {"ia1", "ia2"} & set(one["action"])
    assert one.set_index("action").loc["ia_remaining", "final_change"] == pytest.approx(10.0)
    zero = participant_actions({**ROW, "ia1_done": None, "ia2_done": None, "ia_done": 0}, pool=POOL)
    # ia_done 0: before = 33.75 - 10 = 23.75; each activity +10
    assert {"ia1", "ia2"} <= set(zero["action"])
    assert np.allclose(zero[zero["action"].isin(["ia1", "ia2"])]["final_change"], 10.0)


def test_minimum_submission_missed_lifts_the_automatic_maximum_penalty():
    late = participant_actions({**ROW, "submitted_on_time": "no"}, pool=POOL)
    ms = late.set_index("action").loc["minimum_submission"]
    assert ms["final_before"] == 0.0 and ms["final_after"] == pytest.approx(BEFORE)
    assert ms["factor_p50_before"] == pytest.approx(-0.09)  # final 0: factor = -r
    assert ms["rank"] == 1
    # no measure complete: submitting also completes the measure closest to the threshold (Q008 60%), which is
    # Q008's completeness action, listed once, saying it meets the minimum submission
    incomplete = {**ROW, "q236_reported": 50}  # Q236 50%, Q008 60%: both < 75%
    listed = participant_actions(incomplete, pool=POOL)
    assert "minimum_submission" not in set(listed["action"])
    got = listed[(listed["action"] == "completeness") & (listed["measure"] == "Q008")].iloc[0]
    # Q008 completed at 80%: quality = (0 + 1.8729 + 0) / 40 (Q236 incomplete: 0, counted)
    assert got["final_after"] == pytest.approx(50 * Q008_POINTS / 40 + 40 - 15, abs=1e-9)
    assert got["label"].endswith("(meets the minimum submission)")
    # late as well: submitting on time and completing Q008 is the minimum-submission action's alone (completing Q008
    # leaves the submission late: no effect), and it is listed
    both = participant_actions({**incomplete, "submitted_on_time": "no"}, pool=POOL).set_index("action")
    assert both.loc["minimum_submission", "measure"] == "Q008"
    assert both.loc["minimum_submission", "final_after"] == pytest.approx(50 * Q008_POINTS / 40 + 40 - 15, abs=1e-9)


def test_cost_episodes_make_cost_scored_with_the_assumed_points():
    row = {**ROW, "cost_episodes": 10, "cost_points": None}
    got = participant_actions(row, pool=POOL).set_index("action").loc["cost_episodes"]
    # before: cost not scored, quality gets all the weight: 100 x 0.175 - 15 = 2.5
    # after: 20 episodes, 5.5 points assumed: 50 x 0.175 + 50 x 0.55 - 15 = 21.25
    assert got["final_before"] == pytest.approx(2.5) and got["final_after"] == pytest.approx(21.25)
    assert "assumed 5.5" in got["note"] and ACTIONS["cost_episodes"].can_lower


def test_actions_that_do_not_apply_are_not_listed():
    done = {**ROW, "ia1_done": "yes", "pi_score": 1.0, "cost_points": 10, "q236_rate": 0.9, "q008_reported": 50}
    got = set(participant_actions(done, pool=POOL)["action"])
    assert not got & {"ia1", "ia2", "pi_full", "cost_point", "completeness", "minimum_submission", "cost_episodes"}
    assert not participant_actions({**ROW, "euc_exception": "yes"}, pool=POOL).shape[0]  # neutral factor anyway


def test_bad_input_raises_naming_row_field_and_value_or_is_skipped():
    bad = pd.DataFrame([ROW, {**ROW, "npi": "", "pi_score": 85}])
    with pytest.raises(ASMInputError) as e:
        action_values(bad, pool=POOL)
    assert e.value.field == "pi_score" and "row 1" in str(e.value)
    assert set(action_values(bad, pool=POOL, errors="skip")["row"]) == {0}


def test_unchanged_copies_rescore_to_the_baseline_with_cohort_built_ladders():
    rows = [{**ROW, "npi": "", "q236_rate": 0.5 + i / 100, "cost_points": None, "episode_cost": 1000 + 50 * i}
            for i in range(25)]
    base, _ = prepare_actions(pd.DataFrame(rows), benchmark_source="cohort")
    again = base.rescore(base.copies(np.arange(len(rows))))
    direct = final_scores(score_cohort(pd.DataFrame(rows), benchmark_source="cohort").scores)
    assert np.allclose(again, direct, rtol=0, atol=1e-12)


SMALL = Settings(peer_draws=40)


@pytest.mark.parametrize("source", ["packaged", "cohort"])  # cohort-built: few ladders, exclusion actions
@hsettings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(cohort_frames(max_size=6, flags=True))
def test_actions_that_cannot_lower_the_score_never_lose_money_and_ranges_are_ordered(source, frame):
    got = action_values(frame, settings=SMALL, benchmark_source=source)
    numeric = got.drop(columns=["row", "npi", "name", "cohort", "action", "measure", "label", "change", "source",
                                "note"]).to_numpy(dtype=float)
    assert not np.isnan(numeric).any()
    safe = ~got["action"].map(lambda a: ACTIONS[a].can_lower)
    for col in ("final_change", "value_p10", "value_p50", "value_p90"):
        assert (got.loc[safe, col] >= -1e-9).all(), col
    assert (got["value_p10"] <= got["value_p50"] + 1e-9).all() and (got["value_p50"] <= got["value_p90"] + 1e-9).all()
    for w in ("before", "after"):
        assert (got[f"dollars_p10_{w}"] <= got[f"dollars_p50_{w}"] + 1e-9).all()
        assert (got[f"dollars_p50_{w}"] <= got[f"dollars_p90_{w}"] + 1e-9).all()
    for _, one in got.groupby("row"):
        assert one["rank"].tolist() == list(range(1, len(one) + 1))
    # a label says "meets the minimum submission" only where it was missed today (final 0)
    meets = got["label"].str.contains(MEETS_MINIMUM_SUBMISSION, regex=False).to_numpy()
    assert (got.loc[meets, "final_before"] == 0.0).all()


# three national cohorts (draws) that disagree: SF 1.2, 1.7, 2.4 with k 0.1 and m 50, 55, 60
THREE = PoolDraws("HF", 2027, 0.09, np.array([0.1, 0.1, 0.1]), np.array([50.0, 55.0, 60.0]),
                  np.array([1.2, 1.7, 2.4]), "three test draws")


def test_the_value_range_is_taken_over_each_draws_change_not_between_percentiles():
    before, after = 40.0, 70.0
    d = sorted(factor(after, sf=sf, m=m) - factor(before, sf=sf, m=m)
               for sf, m in ((1.2, 50.0), (1.7, 55.0), (2.4, 60.0)))
    # numpy's linear percentile of three values: position p/100 x 2 between the sorted values
    want = [d[0] + 0.2 * (d[1] - d[0]), d[1], d[1] + 0.8 * (d[2] - d[1])]
    got = change_percentiles(THREE, [before], [after])[0]
    assert got == pytest.approx(want, rel=1e-12)
    assert got[0] <= got[1] <= got[2]


def test_action_values_over_several_draws_are_ordered_and_are_the_per_draw_change_in_dollars():
    got = action_values(pd.DataFrame([ROW]), pool=THREE)
    assert len(got) >= 5
    for a in got.itertuples():
        d = sorted((factor(a.final_after, sf=sf, m=m) - factor(a.final_before, sf=sf, m=m)) * 250_000
                   for sf, m in ((1.2, 50.0), (1.7, 55.0), (2.4, 60.0)))
        assert a.value_p50 == pytest.approx(d[1], rel=1e-9, abs=1e-6)
        assert a.value_p10 == pytest.approx(d[0] + 0.2 * (d[1] - d[0]), rel=1e-9, abs=1e-6)
        assert a.value_p10 <= a.value_p50 <= a.value_p90


_SAMPLE = pd.read_csv(__import__("pathlib").Path(__file__).resolve().parents[2] / "asm_xl" / "roster" / "data"
                      / "sample_roster.csv", dtype=object, keep_default_na=False)


@pytest.fixture(scope="module")
def whole_sample_actions():
    return action_values(_SAMPLE)


@pytest.mark.parametrize("i", range(len(_SAMPLE)))
def test_one_physicians_actions_are_that_physicians_rows_of_the_whole_rosters(whole_sample_actions, i):
    """A one-row roster (the path an Excel edit takes: each column read cell by cell) gives exactly the
    rows the whole roster (read column by column) gives that physician: same values, dtypes, order."""
    one = action_values(_SAMPLE.iloc[[i]])
    mine = whole_sample_actions[whole_sample_actions["row"] == i].reset_index(drop=True)
    assert len(one) == len(mine) and len(one) > 0
    for c in ACTION_COLUMNS:
        a, b = one[c].to_numpy(), mine[c].to_numpy()
        assert one[c].dtype == mine[c].dtype, c
        assert (np.array_equal(a, b, equal_nan=True) if a.dtype.kind == "f" else a.tolist() == b.tolist()), c


def test_a_baseline_built_once_gives_the_actions_and_projection_of_the_rows_and_refuses_other_settings():
    # the dashboard scores its roster once for both; the baseline is left as it was (the actions edit a copy)
    from asm_xl.model.projection import project_five_years
    from asm_xl.model.rescoring import Baseline
    other_row = {k: v for k, v in ROW.items() if k not in ("ia1_done", "ia2_done")}
    rows = pd.DataFrame([ROW, dict(other_row, npi="1234567885", name="Dr B", ia_done=0, q236_rate=0.5)])
    base = Baseline.build(rows)
    ia_before = base.df["ia_done"].copy()
    pd.testing.assert_frame_equal(action_values(base, pool=POOL), action_values(rows, pool=POOL), check_exact=True)
    assert base.df["ia_done"].equals(ia_before) and ia_before.iloc[1] == 0   # 0 is written as ia1/ia2 in the copy only
    pd.testing.assert_frame_equal(project_five_years(base, pool=POOL), project_five_years(rows, pool=POOL),
                                  check_exact=True)
    other = Settings(quality_weight=0.6)
    for f in (action_values, project_five_years):
        with pytest.raises(ASMInputError, match="a Baseline built with other settings"):
            f(base, settings=other, pool=POOL)
