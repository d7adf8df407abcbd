"""Settings: every rule constant and assumption is a named, editable, validated setting."""

import dataclasses
import math

import pytest

from asm_xl.model.peer_assumptions import PeerAssumptions
from asm_xl.model.peer_settings import peer_rows

from asm_xl import ASMInputError, MeasureInput, Participant, Settings, score_participant
from asm_xl.model.settings import DEFAULT_SETTINGS, SOURCES


def test_defaults_are_the_spec_values():
    s = Settings()
    assert (s.completeness_threshold, s.case_minimum, s.topped_out_cap) == (0.75, 20, 7.0)
    assert (s.cost_episode_minimum, s.quality_weight) == (20, 0.5)
    assert (s.ia_penalty_per_missing, s.pi_max_penalty, s.complex_bonus_max) == (10.0, 10.0, 10.0)
    assert (s.solo_practice_bonus, s.small_practice_bonus, s.small_practice_max_clinicians) == (15.0, 10.0, 15)
    assert (s.tfs_steepness, s.tfs_midpoint, s.tfs_midpoint_mode) == (0.1, 50.0, "either")
    assert (s.pool_withhold, s.pool, s.given_scaling_factor, s.given_midpoint) == (0.15, "national", None, None)
    assert s.bound_factors and s.payment_weighted_pool and s.reweight_unscored_category
    assert s.pi_adjustment_linear and s.measure_points_decimals == -1 and s.benchmark_year == 0
    assert DEFAULT_SETTINGS == s


def test_every_setting_has_a_source_tag_and_description():
    info = Settings().describe()
    # each field once (peer_overrides as the peer model's own rows), then the peer rows
    assert len(info) == len(dataclasses.fields(Settings)) - 1 + len(peer_rows())
    assert all(i.source in SOURCES and i.description for i in info)


def test_assumptions_are_exactly_the_assumption_tagged_settings():
    names = {i.name for i in Settings().assumptions() if not i.name.startswith("peer_") or i.name in (
        "peer_draws", "peer_seed")}
    assert {i.name for i in Settings().assumptions()} - names == {
        r.name for r in peer_rows() if r.source == "ASSUMPTION"}
    assert names == {"benchmark_year", "unreported_admin_claims_excluded", "reweight_unscored_category",
                     "pi_adjustment_linear", "tfs_steepness", "tfs_midpoint", "tfs_midpoint_mode",
                     "pool_withhold", "payment_weighted_pool", "pool_definition", "exceptions_neutral", "topped_out_cap", "pool",
                     "given_scaling_factor", "given_midpoint", "given_source", "roster_pool_minimum_share",
                     "peer_draws", "peer_seed", "gain_chance_target", "likely_gain_chance", "payments_growth",
                     "action_assumed_cost_points",
                     "action_assumed_measure_points", "action_effort_ia", "action_effort_pi",
                     "action_effort_quality_decile", "action_effort_completeness", "action_effort_report_measure",
                     "action_effort_minimum_submission", "action_effort_cost_point",
                     "action_effort_cost_episodes"}


def test_settings_are_immutable_and_replace_returns_a_copy():
    s = Settings()
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.case_minimum = 10  # type: ignore[misc]
    t = s.replace(case_minimum=10)
    assert (s.case_minimum, t.case_minimum) == (20, 10)


def test_replace_with_unknown_name_lists_the_known_ones():
    with pytest.raises(ASMInputError) as e:
        Settings().replace(case_minimun=10)
    assert e.value.field == "setting" and e.value.value == "case_minimun" and "case_minimum" in str(e.value)


def test_out_of_range_setting_names_field_value_and_bounds():
    with pytest.raises(ASMInputError) as e:
        Settings(completeness_threshold=1.5)
    assert str(e.value) == "completeness_threshold: 1.5 is not allowed (a number between 0 and 1)"


def test_whole_number_setting_rejects_fractions():
    with pytest.raises(ASMInputError, match=r"case_minimum: 20.5 is not allowed \(a whole number"):
        Settings(case_minimum=20.5)


def test_choice_setting_accepts_any_case_and_rejects_others():
    assert Settings(tfs_midpoint_mode=" Cohort_Median ").tfs_midpoint_mode == "cohort_median"
    with pytest.raises(ASMInputError, match=r"tfs_midpoint_mode: 'mean' is not allowed \(one of either, fixed, cohort_median\)"):
        Settings(tfs_midpoint_mode="mean")


def test_from_mapping_coerces_text_and_keeps_defaults_for_blanks():
    # as read from the workbook's Assumptions sheet
    s = Settings.from_mapping({"case_minimum": "25", "bound_factors": "no", "tfs_midpoint": "",
                               "pool_withhold": 0.2, "reweight_unscored_category": None})
    assert (s.case_minimum, s.bound_factors, s.tfs_midpoint, s.pool_withhold) == (25, False, 50.0, 0.2)
    assert s.reweight_unscored_category is True


def test_boolean_setting_rejects_non_boolean_text():
    with pytest.raises(ASMInputError, match=r"bound_factors: 'maybe' is not allowed \(yes/no, TRUE/FALSE or 1/0 \(done, x, y also mean yes; n no\)\)"):
        Settings(bound_factors="maybe")


def test_changed_settings_change_the_score():
    # completeness 0.78: complete by default; incomplete with a 0.8 threshold
    p = Participant(cohort="HF", performance_year=2027, practice_size=40, ia_done=2, pi_score=1.0,
                    cost_episodes=30, cost_points=8,
                    measures=[MeasureInput("Q236", "eCQM", eligible_cases=100, completeness=0.78, points=6)])
    assert score_participant(p).quality == pytest.approx(6 / 40, rel=1e-15)
    s = score_participant(p, settings=Settings(completeness_threshold=0.8))
    assert s.quality == 0.0 and not s.minimum_submission_met and s.final_score == 0.0
    # quality weight 0.7: 100 x (0.7 x 0.15 + 0.3 x 0.8) = 10.5 + 24 = 34.5
    assert score_participant(p, settings=Settings(quality_weight=0.7)).final_score == pytest.approx(34.5, rel=1e-14)


def test_a_fraction_or_rate_setting_reads_a_percent_sign_and_others_do_not():
    # within -1 to 1 (weights, shares, growth): "2%" is 0.02, as a roster's fractions and Excel's cells
    assert Settings().replace(payments_growth="2%").payments_growth == 0.02
    assert Settings().replace(payments_growth="-5%").payments_growth == -0.05
    assert Settings().replace(likely_gain_chance="90%").likely_gain_chance == 0.9
    assert Settings().replace(quality_weight="60%").quality_weight == 0.6
    with pytest.raises(ASMInputError, match="tfs_steepness"):   # a steepness is no share: 10% means nothing
        Settings().replace(tfs_steepness="10%")
    with pytest.raises(ASMInputError, match="likely_gain_chance"):   # below one half: gain and loss would overlap
        Settings().replace(likely_gain_chance=0.4)


def test_a_flat_exchange_function_is_refused_as_the_steepness_of_the_estimate_and_of_the_range():
    # k = 0 was accepted: every final score got the same factor (-1.96% in the sample roster), next to P10 +$5,997
    # and a 100% chance of a gain for the same physician (a QA pass)
    for name in ("tfs_steepness", "peer_steepness_low"):
        with pytest.raises(ASMInputError, match=f"{name}.*0.01"):
            Settings().replace(**{name: 0})
    assert Settings().replace(tfs_steepness=0.01, peer_steepness_low=0.01).tfs_steepness == 0.01


def test_a_misspelt_setting_is_told_the_setting_meant():
    import pytest

    from asm_xl.model.errors import ASMInputError
    from asm_xl.model.settings import Settings
    with pytest.raises(ASMInputError, match=r"'tfs_steepnes' is not allowed \(did you mean 'tfs_steepness'\? Otherwise "
                                            r"one of "):
        Settings().replace(tfs_steepnes=0.1)


# ------------------------------------------------------------------ a description that states another default
def test_descriptions_that_state_another_settings_default_state_its_current_value():
    hf, lbp = PeerAssumptions.for_cohort("HF"), PeerAssumptions.for_cohort("LBP")
    sizes = f"{hf.cohort_size:,} HF, {lbp.cohort_size:,} LBP"
    said = {i.name: i.description for i in Settings().describe()}
    peer = {i.name: i.description for i in hf.describe()}
    assert f"(peer model cohort_size: {sizes})" in said["roster_pool_minimum_share"]
    assert f"(CMS preliminary list, Feb 2026: {sizes})." in peer["cohort_size"]
    assert f"preliminary list: {hf.share_small_practice:.0%} HF, {lbp.share_small_practice:.0%} LBP)" in \
        peer["share_small_practice"]
    assert "scored measure ({:g} to {:g}: ".format(*hf.range_of("mean_measure_points")) in \
        said["action_assumed_measure_points"]
    # CMS's illustration (80 -> 0.95): k x (80 - m) = ln(0.95 / 0.05) = ln 19
    k = lambda m: math.log(19) / (80 - m)  # noqa: E731
    assert f"(k = {k(50):.3f} at m 50, {k(60):.3f} at m 60)" in peer["steepness"]


def test_the_peer_models_own_defaults_are_the_heart_failure_cohorts():
    # cohort_size and share_small_practice are written once (per cohort), not again as the fields' defaults
    assert PeerAssumptions() == PeerAssumptions.for_cohort("HF")


def test_planning_settings_change_no_score_factor_or_range():
    # score shows no planning figure: it says so when one is changed (asm-xl score --set payments_growth=2%)
    from pathlib import Path

    import pandas as pd

    from asm_xl.model.cohort import score_cohort
    from asm_xl.model.ranges import payment_ranges
    from asm_xl.model.settings import PLANNING_SETTINGS
    from asm_xl.roster import read_roster, validate_roster
    assert PLANNING_SETTINGS[0] == "gain_chance_target" and "payments_growth" in PLANNING_SETTINGS
    fields = {f.name: f for f in dataclasses.fields(Settings)}
    edited = Settings(**{n: fields[n].metadata["maximum"] if fields[n].metadata["maximum"] is not None
                         else getattr(DEFAULT_SETTINGS, n) + 2 for n in PLANNING_SETTINGS})
    assert all(getattr(edited, n) != getattr(DEFAULT_SETTINGS, n) for n in PLANNING_SETTINGS)
    roster = validate_roster(read_roster(Path(__file__).resolve().parents[2] / "asm_xl/roster/data/sample_roster.csv")).valid

    def scored(settings):
        res = score_cohort(roster, settings=settings)
        return pd.concat([res.scores, payment_ranges(res.scores, settings=settings)], axis=1)
    pd.testing.assert_frame_equal(scored(edited), scored(DEFAULT_SETTINGS), check_exact=True)


def test_a_fraction_setting_typed_as_a_percent_number_gets_the_hint_a_roster_fraction_gets():
    # pool_withhold 15 on the Assumptions sheet made every result #NUM! with "a number between 0 and 1" and no hint
    with pytest.raises(ASMInputError) as e:
        Settings(pool_withhold=15)
    assert str(e.value) == "pool_withhold: 15 is not allowed (a number between 0 and 1; did you mean 15%?)"
    with pytest.raises(ASMInputError) as e:
        Settings(pool_withhold=150)   # 150% is no share either: no hint
    assert str(e.value) == "pool_withhold: 150 is not allowed (a number between 0 and 1)"
    with pytest.raises(ASMInputError) as e:
        Settings(tfs_midpoint=150)    # not a fraction setting
    assert "did you mean" not in str(e.value)


def test_a_text_setting_is_one_line_of_plain_text():
    # a lone surrogate in given_source wrote every workbook, then XlsxWriter raised UnicodeEncodeError (a traceback,
    # no index, no dashboard): refused where it is read, naming the setting
    assert Settings(given_source="  CMS's\n2029   report ").given_source == "CMS's 2029 report"
    assert Settings(given_source=2029).given_source == "2029"
    for bad in ("A\ud800B", "CMS \x00", "x" * 201, "\uffff"):
        with pytest.raises(ASMInputError) as e:
            Settings(given_source=bad)
        assert e.value.field == "given_source" and "a line of text, at most 200 characters" in str(e.value)


def test_a_hint_suggests_only_a_value_the_setting_allows():
    # "1,5" said "a decimal comma? write 1.5", which is refused too; a peer share typed as 25 got no hint at all
    def said(**kw):
        with pytest.raises(ASMInputError) as e:
            Settings().replace(**kw)
        return str(e.value)
    assert said(pool_withhold="0,5").endswith("; a decimal comma? write 0.5)")
    assert "decimal comma" not in said(pool_withhold="1,5") and "did you mean" not in said(pool_withhold="15,5")
    assert said(peer_share_no_ia=25).endswith("; did you mean 25%?)")
