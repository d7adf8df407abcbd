"""Action labels say everything the action does: where a change also meets the minimum submission a
physician misses today (final score 0 [CMS]), the label says so, decided from the scoring core's own
outcome before and after; final scores derived by hand."""

import pytest

from asm_xl.model.action_catalogue import ACTIONS, MEETS_MINIMUM_SUBMISSION
from asm_xl.model.actions import participant_actions
from asm_xl.model.benchmarks import BenchmarkTable, packaged_benchmarks

from .test_actions import BEFORE, POOL, Q008_POINTS, ROW

# ROW with Q236 50 of 100 reported: Q236 (50%) and Q008 (60%) both below 75%, so no measure is complete
# and the minimum submission is missed: final 0 [CMS]
INCOMPLETE = {**ROW, "q236_reported": 50}


def _by_key(table):
    return {(a.action, a.measure): a for a in table.itertuples(index=False)}


def test_a_label_adds_the_minimum_submission_inside_or_after_its_parenthesis():
    report, complete = ACTIONS["report_measure"], ACTIONS["completeness"]
    assert report.text("Q008") == "Report quality measure Q008 (not reported today)"
    assert (report.text("Q008", meets_minimum_submission=True)
            == "Report quality measure Q008 (not reported today; meets the minimum submission)")
    assert (complete.text("Q008", meets_minimum_submission=True)
            == "Report enough Q008 cases to reach the completeness threshold (meets the minimum submission)")
    ms = ACTIONS["minimum_submission"]  # says it already
    assert ms.text("Q008", meets_minimum_submission=True) == ms.text("Q008")


def test_reporting_or_completing_a_measure_says_it_meets_the_minimum_submission_missed_today():
    got = _by_key(participant_actions(INCOMPLETE, pool=POOL))
    q236 = got[("completeness", "Q236")]
    # Q236 completed at 72% (7 points) is the ROW again: final 0 -> 33.75
    assert q236.final_before == 0.0 and q236.final_after == pytest.approx(BEFORE, abs=1e-9)
    assert q236.label == ("Report enough Q236 cases to reach the completeness threshold "
                          "(meets the minimum submission)")
    q005 = got[("report_measure", "Q005")]
    # Q005 reported (5.5 points assumed), Q236 and Q008 still 0: 100 x 0.5 x 5.5 / 40 + 50 x 0.8 - 15
    assert q005.final_after == pytest.approx(50 * 5.5 / 40 + 40 - 15, abs=1e-9)  # 31.875
    assert q005.label == "Report quality measure Q005 (not reported today; meets the minimum submission)"
    q008 = got[("completeness", "Q008")]
    assert q008.final_after == pytest.approx(50 * Q008_POINTS / 40 + 40 - 15, abs=1e-9)
    assert q008.label.endswith(f"({MEETS_MINIMUM_SUBMISSION})")
    # the minimum-submission action would complete Q008 too: the same change, the same final score, listed twice
    # ("Meet the minimum data submission" beside "Report enough Q008 cases ... (meets the minimum submission)"): the
    # action that names the measure is kept; the actions that leave the minimum submission missed (final 0 before
    # and after: no effect until it is met) are not listed
    assert set(got) == {("completeness", "Q236"), ("report_measure", "Q005"), ("report_measure", "Q377"),
                        ("completeness", "Q008")}


def test_an_action_that_leaves_the_minimum_submission_missed_is_not_listed():
    # submitted late: completing Q008 or reporting Q005 leaves the submission late and the final score 0
    # [CMS], so neither applies; submitting on time (the minimum-submission action) is the only action,
    # worth the whole way from 0 back to the ROW's final score
    late = _by_key(participant_actions({**ROW, "submitted_on_time": "no"}, pool=POOL))
    assert list(late) == [("minimum_submission", "")]
    assert late[("minimum_submission", "")].final_before == 0.0
    assert late[("minimum_submission", "")].final_after == pytest.approx(BEFORE, abs=1e-9)


def test_no_minimum_submission_words_where_it_is_met_today():
    # met today (ROW: Q236 complete): nothing to meet
    today = participant_actions(ROW, pool=POOL)
    assert not today["label"].str.contains(MEETS_MINIMUM_SUBMISSION).any()


def test_reporting_a_measure_without_a_benchmark_can_meet_the_minimum_submission_too():
    table = packaged_benchmarks()
    without_q005 = BenchmarkTable([table.lookup(m, c, y) for m, c, y in table.keys() if m != "005"])
    got = _by_key(participant_actions(INCOMPLETE, pool=POOL, benchmarks=without_q005))
    ex = got[("report_no_benchmark", "Q005")]
    # Q005 complete (the minimum submission is met) and excluded: quality 0 / 30, final 50 x 0.8 - 15
    assert ex.final_before == 0.0 and ex.final_after == pytest.approx(25.0, abs=1e-9)
    assert ex.label == ("Report quality measure Q005 (no benchmark: excluded, no longer a 0; "
                        "meets the minimum submission)")


def test_an_actions_source_names_the_thresholds_and_penalties_in_force():
    from asm_xl.model.action_catalogue import ACTIONS
    from asm_xl.model.settings import Settings
    edited = Settings(completeness_threshold=0.8, ia_penalty_per_missing=12.0, cost_episode_minimum=25)
    assert ACTIONS["completeness"].source_text(edited) == "REG (below 80% complete: 0 points)"
    assert ACTIONS["ia1"].source_text(edited) == "CMS (IA adjustment: -12 points per activity not done)"
    assert ACTIONS["cost_episodes"].source_text(edited).startswith("REG (fewer than 25 episodes: no cost score)")
    assert ACTIONS["completeness"].source_text(Settings()) == "REG (below 75% complete: 0 points)"
