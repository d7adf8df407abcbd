"""The scalar API end to end, and its bad-input messages (field, value, rule)."""

import math

import pandas as pd
import pytest

from asm_xl import ASMInputError, Ladder, MeasureInput, Participant, score_participant
from asm_xl.model.cohort import score_cohort
from asm_xl.model.settings import Settings
from asm_xl.model.categories import MeasureStatus

TFS80 = 1.0 / (1.0 + math.exp(-3.0))


def hf(**kw):
    base = dict(cohort="HF", performance_year=2027, practice_size=40, ia_done=2, pi_score=1.0,
                part_b_payments=250_000, cost_episodes=30, cost_points=8)
    base.update(kw)
    return Participant(**base)


def lbp(**kw):
    base = dict(cohort="LBP", performance_year=2027, practice_size=40, ia_done=2, pi_score=1.0,
                part_b_payments=250_000, cost_episodes=30, cost_points=8)
    base.update(kw)
    return Participant(**base)


def error_of(p, **kw) -> ASMInputError:
    with pytest.raises(ASMInputError) as e:
        score_participant(p, **kw)
    return e.value


# ---------------------------------------------------------------- CMS's illustrations end to end
def test_cms_quality_example_through_score_participant_with_entered_points():
    # Q008 (100%, 65, 9.5), Q005 (70%, 60, -), Q236 (92%, 85, 8.5), Q377 (95%, 85, 7), Q492 (admin, 18 cases)
    # -> (9.5 + 0 + 8.5 + 7) / 40 = 0.625
    s = score_participant(hf(measures=[
        MeasureInput("Q008", eligible_cases=65, reported_cases=65, points=9.5),
        MeasureInput("Q005", eligible_cases=60, reported_cases=42, points=9),   # 42/60 = 70% -> 0 points
        MeasureInput("Q236", eligible_cases=85, completeness=0.92, points=8.5),
        MeasureInput("Q377", eligible_cases=85, completeness=0.95, points=7),
        MeasureInput("Q492", eligible_cases=18, rate=70.0)]))
    assert s.quality == 0.625
    by = {m.measure: m for m in s.measures}
    assert by["Q005"].completeness == 0.7 and by["Q005"].points == 0.0
    assert by["Q005"].status_text == "0 points: data completeness below the threshold"
    assert by["Q492"].status == MeasureStatus.LOW_CASES and by["Q492"].completeness == 1.0
    assert by["Q008"].benchmark == "entered"


def test_final_80_has_tfs_0_95_in_score_participant():
    # every measure 8 points, cost 8 -> quality 0.8, cost 0.8 -> final 80; TFS = 1 / (1 + e^-3)
    ms = [MeasureInput(m, eligible_cases=50, reported_cases=50, points=8) for m in ("Q492", "Q008", "Q005", "Q236", "Q377")]
    s = score_participant(hf(measures=ms), settings=Settings(pool="given", given_scaling_factor=1.7))
    assert s.final_score == pytest.approx(80.0, rel=1e-15)
    assert s.tfs == pytest.approx(TFS80, rel=1e-14) and round(s.tfs, 2) == 0.95
    # a given SF 1.7 (noted with its source), r = 9%: factor = 0.09 x TFS80 x 1.7 - 0.09
    assert s.scaling_factor == 1.7
    assert s.factor == pytest.approx(0.09 * TFS80 * 1.7 - 0.09, rel=1e-12)
    assert s.dollar_impact == pytest.approx(250_000 * (0.09 * TFS80 * 1.7 - 0.09), rel=1e-12)
    assert any("given: scaling factor 1.7 (given_scaling_factor), midpoint 50 (tfs_midpoint, either mode)" in n
               for n in s.notes)


def test_docstring_example_q236_72_percent():
    # Q236 72% on PY2026 eCQM = 7 points (B7 = 72); 3 unreported measures; Q492 excluded:
    # quality = 7 / 40 = 0.175; final = 100 x (0.5 x 0.175 + 0.5 x 0.8) = 48.75 (40 clinicians: no bonus)
    s = score_participant(hf(measures=[MeasureInput("Q236", "eCQM", eligible_cases=100, reported_cases=90, rate=0.72)]))
    assert s.measures[3].points == 7.0 and s.measures[3].benchmark == "Q236 eCQM PY2026"
    assert s.quality == pytest.approx(0.175, rel=1e-15) and s.final_score == pytest.approx(48.75, rel=1e-15)


def test_a_measure_not_given_is_not_reported_and_a_claims_measure_excluded_unless_the_setting_says_otherwise():
    from asm_xl.model.participant import score_measure_not_given
    from asm_xl.model.parameters import get_cohort
    q492, q008 = get_cohort("HF").measure("Q492"), get_cohort("HF").measure("Q008")
    never = lambda m, ctype: pytest.fail("a measure not given is not scored on a ladder")  # noqa: E731
    ms = score_measure_not_given(q008, never)
    assert (ms.measure, ms.collection_type, ms.status, ms.points, ms.completeness, ms.eligible_cases) == \
        ("Q008", "eCQM", MeasureStatus.NOT_REPORTED, 0.0, None, None)
    assert ms.status_text == "0 points: not reported"
    assert score_measure_not_given(q492, never).status == MeasureStatus.NOT_AVAILABLE
    counted = Settings(unreported_admin_claims_excluded=False)
    assert score_measure_not_given(q492, never, counted).status == MeasureStatus.NOT_REPORTED
    # score_participant scores each measure left out so: Q236 7 points (as above) over 4 counted measures,
    # and over 5 when the unreported claims measure counts: 7 / 50
    s = score_participant(hf(measures=[MeasureInput("Q236", "eCQM", eligible_cases=100, reported_cases=90, rate=0.72)]),
                          settings=counted)
    assert [m.status for m in s.measures] == [MeasureStatus.NOT_REPORTED] * 3 + [MeasureStatus.SCORED,
                                                                                MeasureStatus.NOT_REPORTED]
    assert s.quality == pytest.approx(7 / 50, rel=1e-15)


def test_collection_type_defaults_to_the_measures_first():
    # Q236 without collection type -> eCQM (first listed) -> 7 points at 72%
    s = score_participant(hf(measures=[MeasureInput("Q236", eligible_cases=100, reported_cases=90, rate=0.72)]))
    assert s.measures[3].collection_type == "eCQM" and s.measures[3].points == 7.0


def test_registry_collection_type_uses_registry_ladder():
    # Q236 registry PY2026: flat 1, 10, ..., 90 -> 72% reaches B8 = 70: 8 + 2/10 = 8.2
    s = score_participant(hf(measures=[MeasureInput("Q236", "registry", 100, 90, rate=0.72)]))
    assert s.measures[3].points == pytest.approx(8.2, rel=1e-14)


def test_specialty_alone_sets_the_cohort():
    p = Participant(specialty="orthopedic surgery", performance_year=2028, practice_size=1, ia_done=2,
                    pi_score=1.0, cost_episodes=30, cost_points=10,
                    measures=[MeasureInput("Q238", "eCQM", 50, 50, rate=0.0)])
    s = score_participant(p)
    # Q238 eCQM 0% -> 10, capped at 7 (topped out by program); 7 / 40 = 0.175; cost 1.0
    # final = 100 x (0.0875 + 0.5) + 15 (solo) = 73.75
    assert s.cohort == "LBP" and s.quality == pytest.approx(0.175, rel=1e-15)
    assert s.final_score == pytest.approx(73.75, rel=1e-15)


def test_user_ladder_overrides_packaged_benchmark():
    lad = Ladder((0, 10, 20, 30, 40, 50, 60, 70, 80, 90), scale=100.0)
    # 65% on 0..90 by 10 -> 7 + 5/10 = 7.5
    s = score_participant(hf(measures=[MeasureInput("Q236", "eCQM", 100, 90, rate=0.65)]), ladders={"Q236": lad})
    assert s.measures[3].points == pytest.approx(7.5, rel=1e-14)
    s = score_participant(hf(measures=[MeasureInput("Q236", "eCQM", 100, 90, rate=0.65)]),
                          ladders={("236", "ecqm"): lad})
    assert s.measures[3].points == pytest.approx(7.5, rel=1e-14)


# ---------------------------------------------------------------- bad input: field, value, rule
def test_fraction_above_one_names_field_value_and_rule():
    e = error_of(hf(pi_score=1.2))
    assert (e.field, e.value) == ("pi_score", 1.2)
    assert str(e) == "pi_score: 1.2 is not allowed (a fraction between 0 and 1, where 70% is 0.70)"


def test_rate_above_one_names_the_measure_column():
    e = error_of(hf(measures=[MeasureInput("Q236", "eCQM", 100, 90, rate=1.2)]))
    assert str(e) == "q236_rate: 1.2 is not allowed (a fraction between 0 and 1, where 70% is 0.70)"


def test_negative_cases_are_rejected():
    e = error_of(hf(measures=[MeasureInput("Q236", "eCQM", -5, 0, rate=0.5)]))
    assert str(e) == "q236_eligible: -5 is not allowed (a whole number >= 0)"
    e = error_of(hf(cost_episodes=-1))
    assert str(e) == "cost_episodes: -1 is not allowed (a whole number >= 0)"


def test_fractional_cases_are_rejected():
    e = error_of(hf(measures=[MeasureInput("Q236", "eCQM", 100, 50.5, rate=0.5)]))
    assert str(e) == "q236_reported: 50.5 is not allowed (a whole number >= 0)"


def test_reported_more_than_eligible_is_rejected():
    e = error_of(hf(measures=[MeasureInput("Q236", "eCQM", 100, 120, rate=0.5)]))
    assert str(e) == "q236_reported: 120 is not allowed (at most q236_eligible (100))"


def test_reported_without_eligible_is_rejected():
    e = error_of(hf(measures=[MeasureInput("Q236", "eCQM", None, 50, rate=0.5)]))
    assert str(e) == "q236_eligible is blank (eligible cases, needed with q236_reported)"


def test_unknown_measure_lists_the_cohorts_measures():
    e = error_of(hf(measures=[MeasureInput("Q999", rate=0.5)]))
    assert str(e) == "measure: 'Q999' is not allowed (the HF cohort's measures are Q492, Q008, Q005, Q236, Q377)"


def test_measure_of_the_other_cohort_is_rejected():
    e = error_of(hf(measures=[MeasureInput("Q238", "eCQM", 50, 50, rate=0.05)]))
    assert (e.field, e.value) == ("measure", "Q238")
    assert "the HF cohort's measures are Q492, Q008, Q005, Q236, Q377" in str(e)
    e = error_of(lbp(measures=[MeasureInput(236, "eCQM", 50, 50, rate=0.5)]))
    assert str(e) == "measure: 236 is not allowed (the LBP cohort's measures are Q238, Q134, Q128, Q220)"


def test_unknown_performance_year_2026_is_rejected():
    e = error_of(hf(performance_year=2026))
    assert str(e) == "performance_year: 2026 is not allowed (a performance year 2027-2031)"


def test_measure_given_twice_is_rejected():
    e = error_of(hf(measures=[MeasureInput("Q236", rate=0.5), MeasureInput("236", rate=0.6)]))
    assert str(e) == "measure: '236' is not allowed (each measure once (Q236 is given twice))"


def test_collection_type_the_measure_does_not_have_is_rejected():
    e = error_of(hf(measures=[MeasureInput("Q377", "MIPS CQM", 50, 50, rate=0.5)]))
    assert str(e) == "q377_collection_type: 'MIPS CQM' is not allowed (Q377 is collected as eCQM)"


def test_scored_measure_without_rate_or_points_is_rejected():
    e = error_of(hf(measures=[MeasureInput("Q236", "eCQM", 50, 50)]))
    assert e.field == "q236_rate" and "a rate for Q236: it is complete with enough cases" in str(e)


def test_claims_measure_with_eligible_cases_but_no_rate_is_excluded_as_cms_computes_its_rate():
    # Q492's cases known, its rate not (CMS computes it from claims): it was refused ("a rate for Q492: it is
    # complete with enough cases"), which the practice cannot give; unreported_admin_claims_excluded says excluded
    q008 = MeasureInput("Q008", "eCQM", 60, 60, rate=0.9)
    given = score_participant(hf(measures=[MeasureInput("Q492", "administrative claims", 65), q008]), scaling_factor=1.5)
    absent = score_participant(hf(measures=[q008]), scaling_factor=1.5)
    assert given.measures[0].status == MeasureStatus.NOT_AVAILABLE and given.measures[0].points == 0.0
    assert given.quality == absent.quality and given.final_score == absent.final_score
    # with the setting off it is 0 points, counted, as a claims measure not given at all
    off = Settings(unreported_admin_claims_excluded=False)
    s = score_participant(hf(measures=[MeasureInput("Q492", "administrative claims", 65), q008]), scaling_factor=1.5,
                          settings=off)
    assert s.measures[0].status == MeasureStatus.NOT_REPORTED
    assert s.quality == score_participant(hf(measures=[q008]), scaling_factor=1.5, settings=off).quality
    # fewer eligible cases than the case minimum: excluded by it whatever the setting, as with a rate (5 cases
    # and no rate scored 0, counted, with the setting off: a review's finding)
    for setting in (Settings(), off):
        for cases, rate in ((5, None), (0, None), (5, 70.0)):
            few = score_participant(hf(measures=[MeasureInput("Q492", "administrative claims", cases, rate=rate), q008]),
                                    scaling_factor=1.5, settings=setting)
            assert few.measures[0].status == MeasureStatus.LOW_CASES, (setting.unreported_admin_claims_excluded, cases)
            assert few.quality == score_participant(hf(measures=[q008]), scaling_factor=1.5, settings=Settings()).quality
    # the cohort API (the CLI, generate) reads the row the same way: no error, the same status and final score
    row = dict(cohort="HF", performance_year=2027, practice_size=40, ia_done=2, pi_score=1.0, part_b_payments=250_000,
               cost_episodes=30, cost_points=8, q492_eligible=65, q008_collection_type="eCQM", q008_eligible=60,
               q008_reported=60, q008_rate=0.9)
    res = score_cohort(pd.DataFrame([row]))
    assert res.errors.empty and res.scores["q492_status"][0] == MeasureStatus.LABELS[MeasureStatus.NOT_AVAILABLE]
    assert res.scores["final_score"][0] == pytest.approx(given.final_score, abs=1e-9)
    # a measure not collected as claims, complete with enough cases and no rate, still needs its rate
    e = error_of(hf(measures=[MeasureInput("Q008", "eCQM", 60, 60)]))
    assert e.field == "q008_rate"


def test_enough_episodes_without_cost_points_is_rejected():
    e = error_of(hf(cost_points=None))
    assert e.field == "cost_points" and "cost points (1-10) or an episode cost with a cost ladder" in str(e)


def test_cost_points_outside_one_to_ten_are_rejected():
    e = error_of(hf(cost_points=0))
    assert str(e) == "cost_points: 0 is not allowed (cost achievement points between 1 and 10)"


def test_entered_measure_points_above_ten_are_rejected():
    e = error_of(hf(measures=[MeasureInput("Q236", "eCQM", 50, 50, points=11)]))
    assert str(e) == "q236_points: 11 is not allowed (a number between 0 and 10)"


def test_specialty_of_other_cohort_clashes_with_cohort():
    e = error_of(hf(specialty="Neurosurgery"))
    assert e.field == "specialty" and "a specialty of the HF cohort: Cardiology" in str(e)


def test_missing_cohort_and_specialty_is_rejected():
    e = error_of(hf(cohort=None))
    assert str(e) == "cohort is blank (a cohort (HF, LBP) or an ASM specialty)"


def test_negative_part_b_payments_are_rejected():
    e = error_of(hf(part_b_payments=-1))
    assert str(e) == "part_b_payments: -1 is not allowed (dollars between 0 and 1,000,000,000)"


def test_negative_scaling_factor_is_rejected():
    e = error_of(hf(measures=[]), scaling_factor=-0.5)
    assert str(e) == "scaling_factor: -0.5 is not allowed (a number >= 0)"


def test_error_is_a_value_error_and_pickles():
    import pickle
    e = error_of(hf(pi_score=1.2))
    assert isinstance(e, ValueError)
    e2 = pickle.loads(pickle.dumps(e))
    assert (e2.field, e2.value, e2.allowed) == (e.field, e.value, e.allowed)


@pytest.mark.parametrize("blank", [None, "", "  ", float("nan")])
def test_a_blank_on_time_flag_is_on_time_as_the_cohort_api_and_the_excel_function_read_it(blank):
    # score_participant read a blank as late (minimum submission missed: final score 0, the maximum penalty)
    # where score_cohort and ASM_MIN_SUBMISSION read it as on time: the same physician, two final scores
    import pandas as pd

    from asm_xl.excel import call
    from asm_xl.model.cohort import score_cohort
    q008 = [MeasureInput("Q008", "eCQM", eligible_cases=50, reported_cases=50, points=8)]
    scalar = score_participant(hf(submitted_on_time=blank, measures=q008))
    assert scalar.minimum_submission_met and scalar.final_score == score_participant(hf(measures=q008)).final_score > 0
    row = {"cohort": "HF", "performance_year": 2027, "practice_size": 20, "ia_done": 2, "pi_score": 1.0,
           "part_b_payments": 100_000, "cost_episodes": 30, "cost_points": 8, "submitted_on_time": "",
           "q008_collection_type": "eCQM", "q008_eligible": 50, "q008_reported": 50, "q008_points": 8}
    assert bool(score_cohort(pd.DataFrame([row])).scores["minimum_submission_met"].iloc[0])
    assert call("ASM_MIN_SUBMISSION", [[1.0]], None) is True
    with pytest.raises(ASMInputError):
        score_participant(hf(submitted_on_time="maybe", measures=q008))   # a value that is no yes/no is still refused
