"""Drawn peers are scored by the model's rules: their final scores and pools are the kernels' numbers on
their own inputs, bit for bit, however the simulation arranges the work (measure by measure, sorted
medians, batches side by side on threads)."""

from __future__ import annotations

import numpy as np
import pytest

from asm_xl.model import adjustments, categories, final_score as final_mod, payment
from asm_xl.model.categories import MeasureStatus
from asm_xl.model.parameters import get_cohort
from asm_xl.model.peer_assumptions import PeerAssumptions
from asm_xl.model.peer_simulation import draw_peers, pool_of
from asm_xl.model.peers import simulate_national_cohorts
from asm_xl.model.scaling import solve_scaling_factors
from asm_xl.model.settings import Settings


def same_bits(a, b) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.all((a.view(np.int64) == b.view(np.int64)) | (np.isnan(a) & np.isnan(b))))


def harsh(code: str, size: int) -> PeerAssumptions:
    """Small cohorts where many peers cannot be scored (every measure under the case minimum and no
    cost), so pools with NaN final scores, empty-ish pools and odd and even pool sizes all occur."""
    return PeerAssumptions.for_cohort(code, cohort_size=size, share_low_cases=(0.5, 0.9), share_incomplete=(0.0, 0.1),
                                      share_cost_unscored=(0.3, 0.95), share_median_midpoint=0.7, cohort_replicates=3)


def kernels_on_inputs(peers, code: str, s: Settings):
    """The final score of every drawn peer recomputed from its inputs with the methodology's kernels."""
    inp = peers.inputs
    admin = np.array([m.administrative_claims_only for m in get_cohort(code).measures])
    quality = categories.quality_category(inp["measure_points"], inp["measure_status"])
    cost = categories.cost_category(inp["cost_points"], inp["episodes"], settings=s)
    completeness = np.where(inp["measure_status"] == MeasureStatus.INCOMPLETE, 0.0, 1.0)
    met = categories.minimum_submission_met(completeness, admin, inp["on_time"], settings=s)
    final = final_mod.final_score(quality, cost, adjustments.ia_adjustment(inp["ia_done"], settings=s),
                                  adjustments.pi_adjustment(inp["pi_score"], settings=s), inp["complex_bonus"],
                                  adjustments.practice_size_bonus(inp["clinicians"], settings=s), met, settings=s)
    return met, final


@pytest.mark.parametrize("code, size", [("HF", 41), ("LBP", 40)])
@pytest.mark.parametrize("settings", [Settings(), Settings(completeness_threshold=0.0),
                                      Settings(reweight_unscored_category=False, pi_adjustment_linear=False)],
                         ids=["default", "threshold-0", "no-reweighting-pi-all-or-nothing"])
def test_drawn_peers_final_scores_are_the_kernels_on_their_inputs_bit_for_bit(code, size, settings):
    nan_rows = 0
    for peers in draw_peers(code, assumptions=harsh(code, size), draws=60, seed=3, settings=settings):
        met, final = kernels_on_inputs(peers, code, settings)
        assert np.array_equal(met, peers.inputs["minimum_submission_met"])
        assert same_bits(peers.final, final)
        nan_rows += int(np.isnan(peers.final).any(axis=1).sum())
    assert nan_rows > 10  # the harsh cohorts do leave peers without a final score


@pytest.mark.parametrize("code, size", [("HF", 41), ("LBP", 40)])
def test_a_drawn_pool_is_the_cohort_rules_midpoint_and_scaling_factor_bit_for_bit(code, size):
    s = Settings()
    for peers in draw_peers(code, assumptions=harsh(code, size), draws=60, seed=5, settings=s):
        k, m, sf = pool_of(peers, s)
        scorable = np.isfinite(peers.final)
        expected_m = payment.cohort_midpoints(peers.final, scorable, use_median=peers.use_median, settings=s)
        assert same_bits(m, expected_m)
        tfs = payment.transformed_final_score(np.where(scorable, peers.final, 0.0), midpoint=expected_m[:, None],
                                              steepness=peers.steepness[:, None], settings=s)
        expected_sf, _ = solve_scaling_factors(tfs, np.where(scorable, peers.payments, 0.0),
                                               scorable & (peers.final > 0), withhold=s.pool_withhold)
        assert same_bits(sf, expected_sf) and same_bits(k, peers.steepness)


def test_batches_scored_side_by_side_give_the_pools_of_drawing_them_one_after_another():
    a = harsh("LBP", 40)
    pool = simulate_national_cohorts("LBP", 2027, assumptions=a, draws=45, seed=9)
    k, m, sf = np.empty(45), np.empty(45), np.empty(45)
    for peers in draw_peers("LBP", assumptions=a, draws=45, seed=9):
        k[peers.draws], m[peers.draws], sf[peers.draws] = pool_of(peers)
    assert same_bits(pool.steepness, k) and same_bits(pool.midpoint, m) and same_bits(pool.scaling_factor, sf)
    assert same_bits(simulate_national_cohorts("LBP", 2027, assumptions=a, draws=45, seed=9, chunk=1).midpoint, m)
