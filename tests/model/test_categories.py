"""Quality and cost category scores (spec 3, 4) [REG][CMS]."""

import numpy as np
import pytest

from asm_xl import MeasureInput, Participant, Settings, score_participant
from asm_xl.model.categories import MeasureStatus, cost_category, effective_measure_inputs, measure_status, minimum_submission_met, quality_category

S, I, L, NR, NA = (MeasureStatus.SCORED, MeasureStatus.INCOMPLETE, MeasureStatus.LOW_CASES,
                   MeasureStatus.NOT_REPORTED, MeasureStatus.NOT_AVAILABLE)


def hf(**kw):
    base = dict(cohort="HF", performance_year=2027, practice_size=20, ia_done=2, pi_score=1.0,
                part_b_payments=100_000, cost_episodes=30, cost_points=8)
    base.update(kw)
    return Participant(**base)


# ---------------------------------------------------------------- CMS's illustration
def test_cms_quality_example_gives_62_5_percent():
    # (completeness, cases, points) = (100%, 65, 9.5), (70%, 60, -), (92%, 85, 8.5), (95%, 85, 7), (100%, 18, -)
    # 70% < 75% -> 0 points, counted; 18 cases < 20 -> excluded
    # quality = (9.5 + 0 + 8.5 + 7) / (10 x 4) = 25 / 40 = 0.625
    status = measure_status([1.0, 0.70, 0.92, 0.95, 1.0], [65, 60, 85, 85, 18], False)
    assert status.tolist() == [S, I, S, S, L]
    q = quality_category([9.5, 9.9, 8.5, 7.0, 9.9], status)  # points of non-scored measures ignored
    assert float(q) == 0.625


# ---------------------------------------------------------------- completeness and case minimum
def test_completeness_exactly_75_percent_is_complete():
    assert measure_status(0.75, 30, False) == S
    assert measure_status(0.7499999, 30, False) == I


def test_completeness_threshold_is_a_setting():
    assert measure_status(0.75, 30, False, settings=Settings(completeness_threshold=0.8)) == I


def test_completeness_from_reported_over_eligible_cases():
    # 15 / 20 = 0.75 -> complete; 14 / 20 = 0.70 -> incomplete
    comp, elig, rep, _ = effective_measure_inputs([20, 20], [15, 14], [np.nan, np.nan], [0.5, 0.5],
                                                  [np.nan, np.nan], [False, False])
    assert comp.tolist() == [0.75, 0.70] and elig.tolist() == [20, 20] and rep.tolist() == [True, True]
    assert measure_status(comp, elig, False).tolist() == [S, I]


def test_case_minimum_19_excluded_20_scored():
    assert measure_status([1.0, 1.0], [19, 20], False).tolist() == [L, S]


def test_incomplete_measure_stays_in_denominator_with_zero_points():
    # one scored 10-point measure and one incomplete: 10 / 20 = 0.5
    assert float(quality_category([10.0, 10.0], [S, I])) == 0.5


def test_low_case_measure_leaves_numerator_and_denominator():
    # one scored 6-point measure and one excluded: 6 / 10 = 0.6
    assert float(quality_category([6.0, 10.0], [S, L])) == 0.6


def test_all_measures_excluded_means_quality_not_scored():
    assert np.isnan(quality_category([5.0, 5.0], [L, NA]))
    # through the scalar API: every measure below 20 cases -> quality None
    s = score_participant(hf(measures=[MeasureInput(m, eligible_cases=10, reported_cases=10, rate=0.9)
                                       for m in ("Q008", "Q005", "Q236", "Q377")]))
    assert s.quality is None
    assert [m.status for m in s.measures] == [NA, L, L, L, L]


def test_not_reported_measure_counts_zero():
    # Q236 72% on PY2026 eCQM = 7 points; Q008, Q005, Q377 not reported (0, counted);
    # Q492 admin claims with no rate: excluded -> quality = 7 / 40 = 0.175
    s = score_participant(hf(measures=[MeasureInput("Q236", "eCQM", 100, 90, rate=0.72)]))
    assert s.quality == pytest.approx(0.175, rel=1e-15)
    assert [m.status for m in s.measures] == [NA, NR, NR, S, NR]


def test_unreported_admin_claims_measure_scores_zero_when_setting_off():
    # setting off: Q492 without rate counts 0 -> 7 / 50 = 0.14
    s = score_participant(hf(measures=[MeasureInput("Q236", "eCQM", 100, 90, rate=0.72)]),
                          settings=Settings(unreported_admin_claims_excluded=False))
    assert s.quality == pytest.approx(0.14, rel=1e-15)


def test_administrative_claims_measure_is_complete_by_definition():
    # completeness typed as 0 is ignored for admin claims -> 1.0
    comp, elig, _, taken = effective_measure_inputs(50, np.nan, 0.0, 70.0, np.nan, True)
    assert float(comp) == 1.0 and not taken   # 50 cases given: no case minimum taken
    assert measure_status(0.0, 50, True) == S
    # an admin rate without a case count is taken as attributed: eligible = case minimum (20) -> scored
    comp, elig, _, taken = effective_measure_inputs(np.nan, np.nan, np.nan, 70.0, np.nan, True)
    assert float(elig) == 20 and measure_status(comp, elig, True) == S
    assert taken   # and the status note says the 20 cases are that assumption


def test_the_case_minimum_is_taken_only_for_a_reported_admin_claims_measure_without_cases():
    # per measure: admin + no cases + a rate (taken: eligible = 20); admin + no cases + nothing reported;
    # admin + 30 cases; eCQM + no cases + a rate (not admin claims: nothing stands in, eligible 0)
    out = effective_measure_inputs([np.nan, np.nan, 30, np.nan], [np.nan] * 4, [np.nan, np.nan, np.nan, 1.0],
                                   [0.7, np.nan, 0.7, 0.7], [np.nan] * 4, [True, True, True, False])
    assert out.cases_taken.tolist() == [True, False, False, False]
    assert out.eligible.tolist() == [20, 0, 30, 0]
    assert out.reported_any.tolist() == [True, False, True, True]


def test_admin_claims_measure_with_few_cases_is_excluded():
    assert measure_status(1.0, 18, True) == L


# ---------------------------------------------------------------- minimum data submission
def test_only_admin_measure_complete_fails_minimum_submission():
    # Q492 (admin) complete; every other measure below 75%
    assert not minimum_submission_met([1.0, 0.5, 0.0, 0.74, 0.0], [True, False, False, False, False])
    assert minimum_submission_met([1.0, 0.5, 0.0, 0.75, 0.0], [True, False, False, False, False])


def test_late_submission_fails_minimum_submission():
    assert not minimum_submission_met([1.0, 1.0], [False, False], False)


def test_only_admin_measure_complete_gives_final_zero_even_with_bonuses():
    # Q492 scored 10 (rate 60 <= B10 = 60.42), everything else missing; solo practice +15,
    # complex bonus +10, cost 10 points: without the rule final would be 100; with it: 0
    s = score_participant(hf(practice_size=1, complex_bonus=10, cost_points=10,
                             measures=[MeasureInput("Q492", rate=60.0)]))
    assert not s.minimum_submission_met
    assert s.final_score == 0.0
    assert s.factor == pytest.approx(-0.09)  # final 0 -> factor -r (PY2027, r = 9%)
    assert "Minimum data submission not met" in s.notes[0]


def test_not_submitted_on_time_gives_final_zero():
    s = score_participant(hf(submitted_on_time=False, measures=[MeasureInput("Q236", "eCQM", 100, 100, rate=0.9)]))
    assert not s.minimum_submission_met and s.final_score == 0.0
    s = score_participant(hf(submitted_on_time="no", measures=[MeasureInput("Q236", "eCQM", 100, 100, rate=0.9)]))
    assert s.final_score == 0.0


def test_complete_low_case_measure_meets_minimum_submission():
    # 10 of 10 cases reported: 100% complete (meets the rule) but excluded from quality (< 20 cases)
    s = score_participant(hf(measures=[MeasureInput("Q236", "eCQM", 10, 10, rate=0.9)]))
    assert s.minimum_submission_met
    # quality: Q236 excluded, Q008/Q005/Q377 count 0 -> 0 / 30 = 0; cost 0.8
    # final = 100 x (0.5 x 0 + 0.5 x 0.8) = 40
    assert s.quality == 0.0 and s.final_score == pytest.approx(40.0, rel=1e-15)


# ---------------------------------------------------------------- cost
def test_cost_needs_twenty_episodes():
    # 19 episodes -> not scored (NaN); 20 -> points / 10
    out = cost_category([7.0, 7.0], [19, 20])
    assert np.isnan(out[0]) and out[1] == 0.7


def test_cost_episode_minimum_is_a_setting():
    assert float(cost_category(7.0, 19, settings=Settings(cost_episode_minimum=10))) == 0.7


def test_cost_category_from_episode_cost_on_a_cost_ladder():
    # lower cost is better: ladder 20000, 19000, ..., 11000 (inverse); cost 14500 reaches B6 = 15000
    # not B7 = 14000 -> 6 + 500/1000 = 6.5 points -> cost 0.65
    from asm_xl import Ladder
    lad = Ladder(tuple(20000 - 1000 * i for i in range(10)), inverse=True)
    s = score_participant(hf(cost_points=None, episode_cost=14500, measures=[]), cost_ladder=lad)
    assert s.cost_points == pytest.approx(6.5, rel=1e-15) and s.cost == pytest.approx(0.65, rel=1e-15)


# ---------------------------------------------------------------- counts the spec leaves open [ASSUMPTION]
def _three_apis(measures):
    """(scalar quality, cohort quality, ASM_MEASURE statuses) of an HF participant with these measures."""
    import pandas as pd

    from asm_xl.excel import call
    from asm_xl.model.cohort import score_cohort

    core = score_participant(hf(measures=[MeasureInput(*m) for m in measures]))
    row = {"cohort": "HF", "performance_year": 2027, "practice_size": 20, "ia_done": 2, "pi_score": 1.0,
           "part_b_payments": 100_000, "cost_episodes": 30, "cost_points": 8}
    fields = ("collection_type", "eligible", "reported", "rate", "points", "completeness")
    for m in measures:
        row.update({f"q{m[0][1:]}_{f}": v for f, v in zip(fields, m[1:]) if v is not None})
    cohort = score_cohort(pd.DataFrame([row]))
    assert cohort.errors.empty
    cells = []
    for m in measures:  # (id, collection type, eligible, reported, rate, points, completeness)
        mid, ctype, eligible, reported, rate, points, completeness = (*m, *(None,) * (7 - len(m)))
        cells.append(call("ASM_MEASURE", "status", "HF", mid, ctype, eligible, reported, completeness, rate, points))
    return core, float(cohort.scores["quality"].iloc[0]), cells


@pytest.mark.parametrize("reported", [0, None], ids=["0 of 0 reported", "reported not given"])
def test_zero_eligible_cases_are_complete_and_excluded_by_the_case_minimum(reported):
    # Q008 50/50 with 8 points entered; Q236 0 eligible: completeness 1 (0 of 0: none left unreported)
    # [ASSUMPTION] -> 0 < 20 cases: excluded. Q005, Q377 not given: 0 points, counted; Q492 not given: excluded.
    # quality = 8 / (10 x 3) (it was 8 / 40: Q236 scored 0 points in the denominator, for a physician with no
    # patient for it, and the Actions offered "report enough Q236 cases" where there is none to report)
    core, cohort_quality, cells = _three_apis([("Q008", "eCQM", 50, 50, None, 8), ("Q236", "eCQM", 0, reported)])
    assert core.quality == 8 / 30 == cohort_quality
    q236 = next(m for m in core.measures if m.measure == "Q236")
    assert (q236.status, q236.completeness, q236.points) == (MeasureStatus.LOW_CASES, 1.0, 0.0)
    assert cells[1] == "Excluded: fewer eligible cases than the case minimum"
    # the same as a measure given a completeness and no cases (below), whichever way it was typed
    from asm_xl.excel import call
    assert call("ASM_COMPLETENESS", 0, 0) == call("ASM_COMPLETENESS", None, None) == 1.0
    assert call("ASM_COMPLETENESS", 0, 50) == 0.0 and call("ASM_COMPLETENESS", 45, 50) == 0.9


def test_a_completeness_entered_with_zero_eligible_cases_is_taken_as_entered():
    # the user's completeness is the user's word (0 of 0 can be typed as 50%): below the threshold, 0 points counted
    core, cohort_quality, cells = _three_apis([("Q008", "eCQM", 50, 50, None, 8),
                                               ("Q236", "eCQM", 0, None, None, None, 0.5)])
    assert core.quality == 8 / 40 == cohort_quality
    assert cells[1] == "0 points: data completeness below the threshold"


def test_a_complete_measure_without_eligible_cases_is_excluded_by_the_case_minimum():
    # Q236 completeness 0.9 and rate 0.72 but no eligible cases: 0 cases < 20 -> excluded [ASSUMPTION]
    # quality = 8 / (10 x 3: Q008, Q005, Q377) = 0.2666...
    core, cohort_quality, cells = _three_apis([("Q008", "eCQM", 50, 50, None, 8),
                                               ("Q236", "eCQM", None, None, 0.72, None, 0.9)])
    assert core.quality == 8 / 30 == cohort_quality
    assert cells[1] == "Excluded: fewer eligible cases than the case minimum"


def test_points_without_completeness_or_reported_cases_score_zero():
    # Q236 8 points entered (e.g. from a report) but neither completeness nor reported cases, 50 eligible:
    # completeness 0 [ASSUMPTION] -> 0 points, counted: quality = 8 / 40 (Q008's 8 points only)
    core, cohort_quality, cells = _three_apis([("Q008", "eCQM", 50, 50, None, 8), ("Q236", "eCQM", 50, None, None, 8)])
    assert core.quality == 8 / 40 == cohort_quality
    assert cells[1] == "0 points: data completeness below the threshold"
