"""The national peer model: ranges that collapse when nothing is uncertain, converge to the cohort
API's pool, and behave (ordered, monotone, bounded, reproducible, never NaN)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings as hyp_settings, strategies as st

from asm_xl.model.cohort import score_cohort
from asm_xl.model.errors import ASMInputError
from asm_xl.model.peer_assumptions import PeerAssumptions
from asm_xl.model.peers import bootstrap_pool, given_pool, roster_pool, simulate_national_cohorts
from asm_xl.model.settings import Settings
from tests.model.strategies import cohort_frames


@pytest.fixture(scope="module")
def hf_pool():
    return simulate_national_cohorts("HF", 2027, draws=300, seed=7)


# ------------------------------------------------------------------ hand-checkable
def test_a_given_scaling_factor_and_midpoint_collapse_the_range_to_the_deterministic_answer():
    # final 80, k 0.1, m 50: TFS = 1 / (1 + e^-3) = 0.952574; factor = 0.09 x 0.952574 x 1.7 - 0.09 = +5.574%
    pool = given_pool("HF", 2027, scaling_factor=1.7, midpoint=50.0)
    rng = pool.price([80.0], [250_000.0])
    expected = 0.09 * (1 / (1 + math.exp(-3.0))) * 1.7 - 0.09
    for q in (rng.factor_p10, rng.factor_p50, rng.factor_p90, rng.factor_mean):
        assert math.isclose(q[0], expected, rel_tol=1e-12)
    assert math.isclose(rng.dollars_p50[0], expected * 250_000, rel_tol=1e-12)  # +$13,935.96
    assert rng.p_gain[0] == 1.0 and pool.draws == 1 and "given" in pool.source


def test_a_zero_final_score_is_minus_r_in_every_draw(hf_pool):
    rng = hf_pool.price([0.0], [100_000.0])
    assert rng.factor_p10[0] == rng.factor_p90[0] == -0.09 and rng.p_gain[0] == 0.0
    assert rng.dollars_p50[0] == -9_000.0


def test_the_roster_pool_is_the_cohort_apis_pool():
    df = pd.read_csv("asm_xl/roster/data/sample_roster.csv", dtype=str, keep_default_na=False)
    scored = score_cohort(df, settings=Settings(pool="roster"))
    for (cohort, year), grp in scored.scores.groupby(["cohort", "performance_year"]):
        pool = roster_pool(grp["final_score"].astype(float), grp["part_b_payments"].astype(float), cohort, year)
        assert math.isclose(pool.scaling_factor[0], float(grp["scaling_factor"].iloc[0]), rel_tol=1e-12)
        got = pool.price(grp["final_score"].astype(float), grp["part_b_payments"].astype(float))
        assert np.allclose(got.factor_p50, grp["factor"].astype(float), rtol=1e-12, atol=1e-15)


def test_cohorts_resampled_from_a_roster_converge_to_its_scaling_factor():
    rng = np.random.default_rng(3)
    final = rng.uniform(20, 95, size=400)
    pay = rng.lognormal(11.5, 0.7, size=400)
    exact = roster_pool(final, pay, "LBP", 2028).scaling_factor[0]
    small = bootstrap_pool(final, pay, "LBP", 2028, cohort_size=100, draws=400, seed=1).scaling_factor
    large = bootstrap_pool(final, pay, "LBP", 2028, cohort_size=4000, draws=400, seed=1).scaling_factor
    assert abs(np.median(large) - exact) < 0.01 * exact
    assert np.std(large) < 0.5 * np.std(small)  # sampling noise shrinks like 1 / sqrt(size)


def test_the_range_comes_mostly_from_what_nobody_knows(hf_pool):
    # Same peers, every uncertain assumption fixed at its middle: only sampling noise is left.
    certain = simulate_national_cohorts("HF", 2027, draws=300, seed=7,
                                        assumptions=PeerAssumptions.for_cohort("HF").without_uncertainty())
    wide = hf_pool.price([70.0])
    narrow = certain.price([70.0])
    assert (narrow.factor_p90 - narrow.factor_p10)[0] < 0.004  # a 2,610-peer cohort: tight
    assert (wide.factor_p90 - wide.factor_p10)[0] > 4 * (narrow.factor_p90 - narrow.factor_p10)[0]


def test_peer_final_scores_use_the_settings_so_a_fixed_midpoint_is_honoured():
    pool = simulate_national_cohorts("LBP", 2029, draws=50, seed=2,
                                     assumptions=PeerAssumptions.for_cohort("LBP", share_median_midpoint=0.0,
                                                                            steepness=0.1))
    assert np.all(pool.midpoint == 50.0) and np.all(pool.steepness == 0.1) and pool.risk_level == 0.10
    med = simulate_national_cohorts("LBP", 2029, draws=50, seed=2,
                                    assumptions=PeerAssumptions.for_cohort("LBP", share_median_midpoint=1.0))
    assert np.all(med.midpoint != 50.0) and 30 < np.median(med.midpoint) < 80


def test_same_seed_same_numbers_and_another_seed_other_numbers():
    a = simulate_national_cohorts("HF", 2027, draws=40, seed=11)
    b = simulate_national_cohorts("HF", 2027, draws=40, seed=11)
    c = simulate_national_cohorts("HF", 2027, draws=40, seed=12)
    assert np.array_equal(a.scaling_factor, b.scaling_factor) and np.array_equal(a.midpoint, b.midpoint)
    assert not np.array_equal(a.scaling_factor, c.scaling_factor)


def test_bad_inputs_name_the_field():
    with pytest.raises(ASMInputError, match="final_score"):
        given_pool("HF", 2027, scaling_factor=1.7, midpoint=50.0).price([101.0])
    with pytest.raises(ASMInputError, match="scaling_factor"):
        given_pool("HF", 2027, scaling_factor=-0.1, midpoint=50.0)
    with pytest.raises(ASMInputError, match="share_incomplete"):
        PeerAssumptions.for_cohort("HF", share_incomplete=(0.5, 0.2))
    with pytest.raises(ASMInputError, match="cohort"):
        PeerAssumptions.for_cohort("XX")


def test_cohort_defaults_come_from_cms_preliminary_list():
    hf, lbp = PeerAssumptions.for_cohort("HF"), PeerAssumptions.for_cohort("LBP")
    assert (hf.cohort_size, lbp.cohort_size) == (2610, 4027)
    assert (hf.share_small_practice, lbp.share_small_practice) == (0.28, 0.40)
    sources = {i.name: i.source for i in hf.describe()}
    assert sources["cohort_size"] == "CMS" and sources["steepness"] == "ASSUMPTION"


# ------------------------------------------------------------------ properties
finals = st.lists(st.floats(0.0, 100.0, allow_nan=False), min_size=1, max_size=30)


@hyp_settings(max_examples=60, deadline=None)
@given(final=finals, payments=st.floats(0.0, 3e6, allow_nan=False))
def test_ranges_are_ordered_monotone_bounded_and_never_nan(hf_pool, final, payments):
    f = np.sort(np.array(final))
    rng = hf_pool.price(f, np.full(f.size, payments))
    cols = rng.columns()
    for name, v in cols.items():
        assert np.all(np.isfinite(v)), name
    assert np.all(rng.factor_p10 <= rng.factor_p50 + 1e-15) and np.all(rng.factor_p50 <= rng.factor_p90 + 1e-15)
    for name in ("factor_p10", "factor_p50", "factor_p90", "factor_mean", "p_gain"):
        assert np.all(np.diff(cols[name]) >= -1e-12), name  # non-decreasing in the final score
    assert np.all((rng.p_gain >= 0) & (rng.p_gain <= 1))
    assert np.all(np.abs(rng.factor_p10) <= 0.09 + 1e-12) and np.all(np.abs(rng.factor_p90) <= 0.09 + 1e-12)


@hyp_settings(max_examples=15, deadline=None)
@given(frame=cohort_frames(min_size=2, max_size=12))
def test_scoring_a_roster_as_its_own_pool_matches_the_cohort_api(frame):
    scored = score_cohort(frame, settings=Settings(pool="roster"))
    for (cohort, year), grp in scored.scores.dropna(subset=["final_score"]).groupby(["cohort", "performance_year"]):
        pool = roster_pool(grp["final_score"].astype(float), grp["part_b_payments"].astype(float), cohort, int(year))
        got = pool.price(grp["final_score"].astype(float))
        assert np.allclose(got.factor_p50, grp["factor"].astype(float), rtol=1e-9, atol=1e-12)


def test_the_second_pool_definition_reaches_the_simulated_cohorts():
    # "positive adjustments = 85% of the negative ones" is another budget than the withhold rule: the same
    # peers give another scaling factor in every draw (median 1.90 against 1.69 here)
    base = simulate_national_cohorts("HF", 2027, draws=30, seed=4)
    other = simulate_national_cohorts("HF", 2027, draws=30, seed=4,
                                      settings=Settings(pool_definition="positive_85_of_negative"))
    assert not np.allclose(base.scaling_factor, other.scaling_factor)
