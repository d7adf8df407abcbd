"""The pool is chosen explicitly (README "Which pool prices the score?"): national peer model,
given, or the roster as the cohort; no hidden default scaling factor."""

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from asm_xl import MeasureInput, Participant, score_participant
from asm_xl.model.cohort import score_cohort
from asm_xl.model.errors import ASMInputError
from asm_xl.model.peers import given_pool
from asm_xl.model.pool_choice import given_point, national_pool, pricing_pool, reference_point, resolve_point
from asm_xl.model.pool_warnings import roster_pool_warning
from asm_xl.model.ranges import payment_ranges
from asm_xl.model.settings import Settings
from cohort_rows import hf_row, lbp_row

SMALL = Settings(peer_draws=60)
TFS80 = 1.0 / (1.0 + math.exp(-3.0))


def _final_80() -> Participant:
    ms = [MeasureInput(m, eligible_cases=50, reported_cases=50, points=8) for m in ("Q492", "Q008", "Q005", "Q236", "Q377")]
    return Participant(cohort="HF", performance_year=2027, practice_size=20, ia_done=2, pi_score=1.0,
                       part_b_payments=250_000, cost_episodes=30, cost_points=8, measures=ms)


def test_the_national_point_is_the_median_scaling_factor_of_the_draws_with_the_settings_midpoint_rule():
    pool = national_pool("HF", 2027, SMALL)
    fixed = ~pool.median_rule
    point = reference_point("HF", 2027, SMALL)
    assert point.scaling_factor == float(np.median(pool.scaling_factor[fixed]))
    assert point.midpoint == 50.0 and "median of" in point.source
    median_mode = SMALL.replace(tfs_midpoint_mode="cohort_median")
    mpoint = reference_point("HF", 2027, median_mode)
    mpool = national_pool("HF", 2027, median_mode)
    assert mpoint.midpoint == float(np.median(mpool.midpoint[mpool.median_rule]))
    assert mpoint.scaling_factor == float(np.median(mpool.scaling_factor[mpool.median_rule]))


def test_the_national_range_is_drawn_under_the_midpoint_rule_the_mode_chose():
    # spec 8: every API honours the chosen mode. 'fixed' drew half its cohorts with the median midpoint all
    # the same: its P10-P90 were those of 'cohort_median' (e.g. factor P50 0.0610 in both, the point 0.0497
    # and 0.0619). 'either' (the default: CMS has not said) keeps the mixture of peer_share_median_midpoint.
    either = national_pool("HF", 2027, SMALL)
    assert 0 < either.median_rule.sum() < either.draws and SMALL.tfs_midpoint_mode == "either"
    fixed = national_pool("HF", 2027, SMALL.replace(tfs_midpoint_mode="fixed"))
    median = national_pool("HF", 2027, SMALL.replace(tfs_midpoint_mode="cohort_median"))
    assert not fixed.median_rule.any() and median.median_rule.all()
    assert (fixed.midpoint == 50.0).all() and not np.array_equal(median.scaling_factor, fixed.scaling_factor)
    # the point estimate sits on its own pool: the median scaling factor of every draw
    for settings, pool in ((SMALL.replace(tfs_midpoint_mode="fixed"), fixed),
                           (SMALL.replace(tfs_midpoint_mode="cohort_median"), median)):
        assert reference_point("HF", 2027, settings).scaling_factor == float(np.median(pool.scaling_factor))
    # the published exchange function's rule and an explicit share stay as they were
    assert national_pool("HF", 2027, SMALL.replace(peer_share_median_midpoint=0.0)).median_rule.sum() == 0


def test_the_scalar_api_prices_with_the_pool_in_force_and_says_so():
    s = score_participant(_final_80(), settings=SMALL)
    point = reference_point("HF", 2027, SMALL)
    assert s.scaling_factor == point.scaling_factor
    assert s.factor == pytest.approx(0.09 * TFS80 * point.scaling_factor - 0.09, rel=1e-12)
    assert any(point.source in n for n in s.notes)


def test_a_given_pool_prices_every_api_alike_and_collapses_the_range():
    given = Settings(pool="given", given_scaling_factor=1.62, given_midpoint=55.0)
    s = score_participant(_final_80(), settings=given)
    tfs = 1.0 / (1.0 + math.exp(-0.1 * (80 - 55)))
    assert s.factor == pytest.approx(0.09 * tfs * 1.62 - 0.09, rel=1e-12)
    res = score_cohort(pd.DataFrame([hf_row(8, 8)]), settings=given)
    assert float(res.scores["factor"].iloc[0]) == pytest.approx(s.factor, rel=1e-12)
    rng = payment_ranges(res.scores, settings=given)
    assert float(rng["factor_p10"].iloc[0]) == float(rng["factor_p90"].iloc[0]) == pytest.approx(s.factor)
    assert rng["pool_source"].iloc[0] == "given: scaling factor 1.62 (given_scaling_factor), midpoint 55 (given_midpoint)"


def test_a_given_pool_without_its_scaling_factor_is_an_error_naming_the_setting():
    with pytest.raises(ASMInputError, match="given_scaling_factor"):
        reference_point("HF", 2027, Settings(pool="given"))


@pytest.mark.parametrize("sf, m, message", [
    (-0.5, 50.0, "scaling_factor: -0.5 is not allowed (a number >= 0)"),
    (float("inf"), 50.0, "scaling_factor: inf is not allowed (a number >= 0)"),
    (1.2, 100.5, "midpoint: 100.5 is not allowed (a number between 0 and 100)"),
    (1.2, float("nan"), "midpoint is blank (a number between 0 and 100)"),
])
def test_a_given_pool_and_a_given_point_reject_the_same_scaling_factor_and_midpoint_alike(sf, m, message):
    with pytest.raises(ASMInputError) as pool_error:
        given_pool("HF", 2027, scaling_factor=sf, midpoint=m)
    with pytest.raises(ASMInputError) as point_error:
        given_point("HF", 2027, scaling_factor=sf, midpoint=m)
    assert str(pool_error.value) == str(point_error.value) == message
    # the edges are allowed by both: SF 0 (nothing to scale), m 0 and 100
    for sf_ok, m_ok in ((0.0, 0.0), (1.2, 100.0)):
        assert given_pool("HF", 2027, scaling_factor=sf_ok, midpoint=m_ok).midpoint.tolist() == [m_ok]
        assert given_point("HF", 2027, scaling_factor=sf_ok, midpoint=m_ok).midpoint == m_ok


def test_a_roster_pool_needs_the_roster_and_warns_when_it_is_far_smaller_than_the_cohort():
    with pytest.raises(ASMInputError, match="needs the whole roster"):
        pricing_pool("HF", 2027, Settings(pool="roster"))
    res = score_cohort(pd.DataFrame([hf_row(8, 8), hf_row(5, 5)]), settings=Settings(pool="roster"))
    assert len(res.warnings) == 1 and "2 scored participant(s)" in res.warnings[0] and "2,610" in res.warnings[0]
    # a roster as large as CMS's cohort is not warned about
    assert score_cohort(pd.DataFrame([hf_row(8, 8)]), settings=Settings(pool="roster",
                                                                        roster_pool_minimum_share=0)).warnings == []


@pytest.mark.parametrize("cohort", ["HF", "LBP"])
@pytest.mark.parametrize("settings", [Settings(), Settings(roster_pool_minimum_share=0.2)], ids=["default", "0.2"])
def test_a_roster_pool_is_warned_about_just_below_the_minimum_share_of_the_cohort_and_not_at_it(cohort, settings):
    # the boundary is the least whole count >= roster_pool_minimum_share x the peer model's cohort_size
    # (default 0.5 x 2,610 = 1,305 HF, exactly the share; 0.5 x 4,027 = 2,013.5 -> 2,014 LBP)
    size = settings.peer_assumptions(cohort).cohort_size
    at = math.ceil(settings.roster_pool_minimum_share * size)
    below = roster_pool_warning(cohort, at - 1, settings)
    assert below == (f"the {cohort} roster pool has {at - 1:,} scored participant(s), CMS's {cohort} cohort about "
                     f"{size:,}: a roster that small is not the cohort, so its own scaling factor says little; use "
                     "the national peer model (pool 'national') unless the roster is the whole cohort")
    assert roster_pool_warning(cohort, at, settings) is None


def test_a_given_scaling_factor_below_what_any_budget_allows_or_at_plus_r_at_the_midpoint_is_warned_about():
    # SF < 1 - pool_withhold: the pool would pay back less than it must (TFS <= 1); `--scaling-factor 0` gave
    # every physician -9% without a word
    rows = pd.DataFrame([hf_row(8, 8), hf_row(5, 5)])
    low = score_cohort(rows, settings=Settings(pool="given", given_scaling_factor=0.5, given_midpoint=50))
    assert low.warnings == [
        "given_scaling_factor 0.5 is below 0.85 (1 - pool_withhold), the least any cohort's budget allows: with it "
        "the pool would pay back less than it must; check the value (CMS's report gives it)"]
    for ok in (Settings(pool="given", given_scaling_factor=0.85, given_midpoint=50),
               Settings(pool="given", given_scaling_factor=3.99, given_midpoint=50), Settings()):
        assert score_cohort(rows, settings=ok).warnings == []
    # SF >= 4: a final score at the midpoint gets r x 1/2 x 4 - r = +r already; `--scaling-factor 16.2` (for
    # 1.62) gave every physician +9% without a word
    high = score_cohort(rows, settings=Settings(pool="given", given_scaling_factor=16.2, given_midpoint=50))
    assert high.warnings == [
        "given_scaling_factor 16.2 is 4 or more: every final score at or above the midpoint gets the largest "
        "positive adjustment (+r), which only a cohort scoring far below its midpoint would pay for (a cohort priced "
        "at its median gives about 2 x (1 - pool_withhold)); check the value (CMS's report gives it)"]
    assert high.scores["factor"].tolist() == [0.09, 0.09]   # final 80 and 50: both at +r
    withheld = Settings(pool="given", given_scaling_factor=0.75, given_midpoint=50, pool_withhold=0.3)
    assert score_cohort(rows, settings=withheld).warnings == []   # 0.75 >= 1 - 0.3


def test_a_point_k_outside_the_draws_k_is_warned_once_for_the_cohorts_it_concerns():
    # tfs_steepness 0.2 with draws of k 0.08-0.15: the point estimate took the draws' median SF (solved on their
    # curves) and fell below its own P10 without a word
    from asm_xl.model.pool_warnings import point_steepness_warning
    from asm_xl.model.payment import adjustment_factor, transformed_final_score
    from asm_xl.model.parameters import risk_level
    steep = Settings(tfs_steepness=0.2, peer_draws=60)
    point = reference_point("HF", 2027, steep)
    tfs = transformed_final_score(30.0, midpoint=point.midpoint, settings=steep)
    estimate = float(adjustment_factor(30.0, tfs, risk_level(2027), point.scaling_factor, settings=steep))
    assert estimate < pricing_pool("HF", 2027, steep).price([30.0]).factor_p10[0]   # the case the warning is for
    text = point_steepness_warning("HF", 2027, steep)
    assert text.startswith("tfs_steepness 0.2 is outside the k of the national peer model's HF draws (0.08-0.15, "
                           "peer_steepness_low/_high)") and text.endswith("set peer_steepness_low and _high around "
                                                                          "0.2 too")
    # inside the range, or the draws' range moved around it, or another pool: nothing to say
    assert point_steepness_warning("HF", 2027, Settings(tfs_steepness=0.15)) is None
    moved = steep.replace(peer_steepness_low=0.18, peer_steepness_high=0.22)
    assert point_steepness_warning("HF", 2027, moved) is None
    assert point_steepness_warning("HF", 2027, steep.replace(pool="given", given_scaling_factor=1.5)) is None
    rows = pd.DataFrame([hf_row(8, 8), lbp_row()])
    warned = score_cohort(rows, settings=steep).warnings
    assert [w for w in warned if w.startswith("tfs_steepness")] == [
        text.replace(" HF draws ", " HF and LBP draws ")]


def test_one_participant_scored_alone_gets_the_pools_warnings_as_notes():
    # score_participant noted nothing of a given scaling factor of 0.5 (the cohort API warned of it)
    from asm_xl.model.pool_warnings import given_pool_warning
    low = Settings(pool="given", given_scaling_factor=0.5, given_midpoint=50)
    notes = score_participant(_final_80(), settings=low).notes
    assert f"Warning: {given_pool_warning(low)}." in notes
    assert not [n for n in score_participant(_final_80()).notes if n.startswith("Warning:")]
    # a scaling factor given to the call itself is the caller's: no pool in force to warn about
    given_here = score_participant(_final_80(), settings=low, scaling_factor=1.5).notes
    assert not [n for n in given_here if n.startswith("Warning:")]


# ------------------------------------------------------------------ a given scaling factor: one rule
# Participant _final_80 / hf_row(8, 8): final 80, HF 2027 (r = 9%), k 0.1.
# factor = r x TFS x SF - r, TFS = 1 / (1 + exp(-k (final - m))), bounded to [-r, r]:
#   SF 1.62, m 50 (fixed): TFS = 1 / (1 + e^-3)   = 0.952574; 0.09 x 0.952574 x 1.62 - 0.09 = 0.048885
#   SF 1.62, m 55 given:   TFS = 1 / (1 + e^-2.5) = 0.924142; 0.09 x 0.924142 x 1.62 - 0.09 = 0.044740
#   SF 3.00, m 50 (fixed): 0.09 x 0.952574 x 3 - 0.09 = 0.167195 -> bounded to r = 0.09
MEDIAN = SMALL.replace(tfs_midpoint_mode="cohort_median")


def _factors_of_every_api(sf: float, settings: Settings, midpoint: float | None = None) -> dict:
    """The factor of final 80 at a given SF through each API: the scalar API's argument, a given pool
    (scalar and cohort API), ASM_FACTOR with the number and ASM_FACTOR with a given pool (blank)."""
    from asm_xl.excel import call
    with_m = settings if midpoint is None else settings.replace(given_midpoint=midpoint)
    given = with_m.replace(pool="given", given_scaling_factor=sf)
    table = [["tfs_midpoint_mode", settings.tfs_midpoint_mode]] + ([] if midpoint is None else
                                                                   [["given_midpoint", midpoint]])
    return {"scaling_factor argument": score_participant(_final_80(), settings=settings, scaling_factor=sf,
                                                         tfs_midpoint=midpoint).factor,
           "given pool": score_participant(_final_80(), settings=given).factor,
           "given pool, cohort API": float(score_cohort(pd.DataFrame([hf_row(8, 8)]), settings=given)
                                           .scores["factor"].iloc[0]),
           "ASM_FACTOR number": call("ASM_FACTOR", 80, 2027, sf, None, None, table),
           "ASM_FACTOR given pool": call("ASM_FACTOR", 80, 2027, None, None, None,
                                         table + [["pool", "given"], ["given_scaling_factor", sf]])}


@pytest.mark.parametrize("sf, settings, midpoint, hand", [
    (1.62, SMALL, None, 0.048885),                  # fixed mode: m = tfs_midpoint 50
    (1.62, SMALL, 55.0, 0.044740),                  # fixed mode, m given
    (1.62, MEDIAN, 55.0, 0.044740),                 # cohort_median mode: m given (CMS's report)
    (3.00, SMALL, None, 0.09)],                     # the bound: r
    ids=["fixed", "fixed-m-given", "cohort_median-m-given", "bounded"])
def test_a_given_scaling_factor_prices_a_score_alike_through_every_api(sf, settings, midpoint, hand):
    factors = _factors_of_every_api(sf, settings, midpoint)
    assert factors["scaling_factor argument"] == pytest.approx(hand, abs=5e-7)
    for api, factor in factors.items():
        assert factor == pytest.approx(factors["scaling_factor argument"], rel=1e-12), api


def test_a_given_scaling_factor_without_a_midpoint_in_cohort_median_mode_is_the_same_error_everywhere():
    from asm_xl.excel import call, explain
    from asm_xl.model.pool_choice import GIVEN_MIDPOINT_ALLOWED
    given = MEDIAN.replace(pool="given", given_scaling_factor=1.62)
    errors = []
    for run in (lambda: score_participant(_final_80(), settings=MEDIAN, scaling_factor=1.62),
                lambda: score_participant(_final_80(), settings=given),
                lambda: score_cohort(pd.DataFrame([hf_row(8, 8)]), settings=given),
                lambda: resolve_point("HF", 2027, MEDIAN, scaling_factor=1.62)):
        with pytest.raises(ASMInputError) as err:
            run()
        errors.append(str(err.value))
        assert (err.value.field, err.value.value, err.value.allowed) == ("given_midpoint", None, GIVEN_MIDPOINT_ALLOWED)
    assert len(set(errors)) == 1 and "tfs_midpoint_mode is cohort_median" in errors[0]
    # Excel: #VALUE! (a blank value, as every blank argument) with the same reason (ASM_WHY), for a number and
    # for the given pool
    median = [["tfs_midpoint_mode", "cohort_median"]]
    for args in ((60, 2027, 1.5, None, None, median),
                 (60, 2027, None, None, None, median + [["pool", "given"], ["given_scaling_factor", 1.5]])):
        assert call("ASM_FACTOR", *args) == "#VALUE!"
        assert explain("ASM_FACTOR", *args) == errors[0]
    pool = median + [["pool", "given"], ["given_scaling_factor", 1.5]]
    assert [call(f, 2027, "HF", pool) for f in ("ASM_POOL_SF", "ASM_POOL_MIDPOINT", "ASM_POOL")] == ["#VALUE!"] * 3


def test_a_given_scaling_factor_says_where_it_and_its_midpoint_came_from():
    s = score_participant(_final_80(), settings=SMALL, scaling_factor=1.62)
    assert s.notes == ("Priced with the scaling factor given, given: scaling factor 1.62 (the scaling_factor "
                       "argument), midpoint 50 (tfs_midpoint, either mode).",)
    s = score_participant(_final_80(), settings=MEDIAN, scaling_factor=1.62, tfs_midpoint=55)
    assert "midpoint 55 (the tfs_midpoint argument)" in s.notes[-1]
    point = reference_point("HF", 2027, MEDIAN.replace(pool="given", given_scaling_factor=1.62, given_midpoint=55))
    assert point.source == "given: scaling factor 1.62 (given_scaling_factor), midpoint 55 (given_midpoint)"
    # the national point is untouched by a given midpoint that no given SF goes with
    assert reference_point("HF", 2027, SMALL.replace(given_midpoint=55)) == reference_point("HF", 2027, SMALL)


def test_a_given_scaling_factor_takes_the_midpoint_cms_published_for_its_cohort(monkeypatch):
    from asm_xl.model import parameters
    raw = dict(parameters._raw())
    raw["exchange_function"] = [{"cohort": "HF", "performance_year": 2028, "midpoint": 55.0,
                                 "source": "CMS (hypothetical)"}]
    monkeypatch.setattr(parameters, "_raw", lambda: raw)
    point = given_point("HF", 2028, MEDIAN, scaling_factor=1.62)  # published m fixes the rule: no error
    assert point.midpoint == 55.0 and "midpoint 55 (published exchange function: CMS (hypothetical))" in point.source
    assert given_point("LBP", 2028, SMALL, scaling_factor=1.62).midpoint == 50.0


def test_an_excepted_participant_has_a_neutral_range():
    res = score_cohort(pd.DataFrame([hf_row(8, 8, euc_exception="yes"), hf_row(8, 8)]), settings=SMALL)
    rng = payment_ranges(res.scores, settings=SMALL)
    assert rng.iloc[0][["factor_p10", "factor_p50", "factor_p90", "p_gain", "dollars_p50"]].tolist() == [0.0] * 5
    assert float(rng["factor_p50"].iloc[1]) > 0


def test_an_exchange_function_cms_publishes_is_data_that_every_api_prices_with(monkeypatch):
    # HF 2028 published: k 0.12, m 55 (hypothetical); LBP and other years unpublished
    from asm_xl.excel import call
    from asm_xl.model import parameters
    raw = dict(parameters._raw())
    raw["exchange_function"] = [{"cohort": "HF", "performance_year": 2028, "steepness": 0.12, "midpoint": 55.0,
                                 "source": "CMS (hypothetical)"}]
    monkeypatch.setattr(parameters, "_raw", lambda: raw)
    assert parameters.exchange_function("HF", 2028).steepness == 0.12
    assert parameters.exchange_function("HF", 2027) is None and parameters.exchange_function("LBP", 2028) is None
    s = SMALL.replace(peer_seed=7)  # a pool not drawn before this test
    pool = national_pool("HF", 2028, s)
    assert set(pool.steepness) == {0.12} and set(pool.midpoint) == {55.0}
    assert len(set(national_pool("HF", 2027, s).steepness)) > 1  # unpublished year: still uncertain
    p = dataclasses.replace(_final_80(), performance_year=2028)
    point = reference_point("HF", 2028, s)
    assert (point.steepness, point.midpoint) == (0.12, 55.0)
    tfs = 1.0 / (1.0 + math.exp(-0.12 * (80 - 55)))
    got = score_participant(p, settings=s)
    assert got.tfs == pytest.approx(tfs, rel=1e-14)
    assert got.factor == pytest.approx(0.09 * tfs * point.scaling_factor - 0.09, rel=1e-12)
    assert call("ASM_FACTOR", 80, 2028, "HF", None, None, [["peer_draws", 60], ["peer_seed", 7]]) == \
        pytest.approx(got.factor, rel=1e-12)
    cohort = score_cohort(pd.DataFrame([hf_row(8, 8, performance_year=2028)]), settings=s)
    assert float(cohort.scores["tfs"].iloc[0]) == pytest.approx(tfs, rel=1e-14)


def test_a_years_pool_is_the_cohorts_draws_at_that_years_risk_level():
    # drawn once: every year prices with the same k, m and SF per draw; only r differs, and the budget
    # identity is the same in every year because r factors out of it
    from asm_xl.model.peers import simulate_national_cohorts
    s = SMALL.replace(peer_seed=11)
    for year, r in ((2027, 0.09), (2031, 0.12)):
        pool = national_pool("LBP", year, s)
        direct = simulate_national_cohorts("LBP", year, draws=60, seed=11, settings=s)
        assert pool.risk_level == direct.risk_level == r and pool.performance_year == year
        np.testing.assert_allclose(pool.scaling_factor, direct.scaling_factor, rtol=1e-12)
        assert np.array_equal(pool.midpoint, direct.midpoint) and np.array_equal(pool.steepness, direct.steepness)
