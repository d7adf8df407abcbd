"""Drawing national cohorts of peers for the peer model (:mod:`asm_xl.model.peers`).

Every peer is scored with the methodology's own kernels (quality category, cost category, IA and PI
adjustments, bonuses, final score), so a drawn cohort obeys the same rules as a physician. How a
peer is drawn (all under :class:`~asm_xl.model.peer_assumptions.PeerAssumptions`, [ASSUMPTION]
unless the setting says otherwise)::

    ability z ~ N(0, 1);  measure latent_j = sqrt(rho) z + sqrt(1 - rho) e_j       (rho = measure_correlation)
    measure points_j = 1 + 9 Phi(latent_j + mu),  mu = sqrt(2) Phi^-1((mean_measure_points - 1) / 9)
    status_j = 0 points (incomplete) w.p. share_incomplete (never a claims measure),
               excluded (case minimum) w.p. share_low_cases, else scored
    cost points = 1 + 9 Phi(c z + sqrt(1 - c^2) e_c + mu_c)                         (c = quality_cost_correlation)
                  not scored w.p. share_cost_unscored
    IA both w.p. share_both_ia, none w.p. (1 - share_both_ia) x share_no_ia, else one
    PI score = Phi(sqrt(1 + s^2) Phi^-1(mean_pi_score) + s e_pi)                    (s = pi_spread)
    complex bonus = min(mean_complex_bonus x Exp(1), maximum bonus)
    small practice w.p. share_small_practice, of which solo w.p. share_solo_of_small
    data late w.p. share_min_submission_failed; the minimum submission rule then as for anyone (final 0)
    Part B payments = median_part_b_payments x exp(payments_log_sd x N(0, 1))
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr, ndtri

from asm_xl.model import adjustments, categories, final_score as final_mod, payment
from asm_xl.model.categories import MeasureStatus
from asm_xl.model.errors import ASMInputError
from asm_xl.model.parameters import get_cohort
from asm_xl.model.peer_assumptions import PeerAssumptions
from asm_xl.model.scaling import solve_scaling_factors
from asm_xl.model.settings import DEFAULT_SETTINGS, Settings

__all__ = ["DrawnPeers", "draw_peers", "pool_of", "EPISTEMIC"]

#: the settings drawn anew for every simulated cohort when they are ranges
EPISTEMIC = ("mean_measure_points", "share_incomplete", "share_low_cases", "mean_cost_points", "share_cost_unscored",
             "quality_cost_correlation", "share_both_ia", "mean_pi_score", "mean_complex_bonus",
             "share_min_submission_failed", "steepness")


@dataclass(frozen=True)
class DrawnPeers:
    """The peers of some drawn cohorts (rows): their inputs and final scores as arrays."""

    draws: np.ndarray          #: which draws of the simulation these rows are
    inputs: dict               #: measure_points/status (draws, peers, measures), cost_points, episodes, ia_done, ...
    final: np.ndarray          #: (draws, peers) final scores (NaN: not computable, out of the pool)
    payments: np.ndarray       #: (draws, peers) Part B payments
    steepness: np.ndarray      #: k per draw
    use_median: np.ndarray     #: midpoint rule per draw (True: the cohort's median final score)


def draw_peers(cohort: str, *, assumptions: PeerAssumptions | None = None, draws: int = 1000, seed: int = 0,
               settings: Settings = DEFAULT_SETTINGS, chunk: int | None = None):
    """Yield ``draws`` national cohorts, a few at a time, as :class:`DrawnPeers` (reproducible from ``seed``).

    The uncertain assumptions are drawn for every draw. The peers' luck (ability, measure and cost
    noise, the uniforms that decide status, IA, PI, practice size, minimum submission, payments)
    comes from ``cohort_replicates`` independent cohorts of ``cohort_size`` peers, draw d using
    replicate d mod R: a share or a mean is applied to a replicate's luck as a threshold or a shift,
    so one replicate serves many draws at the cost of arithmetic, not of random numbers.
    """
    a = assumptions or PeerAssumptions.for_cohort(cohort)
    code = get_cohort(cohort).code
    if a.cohort != code:
        raise ASMInputError("assumptions", a.cohort, f"peer assumptions of cohort {code}")
    if int(draws) < 1:
        raise ASMInputError("draws", draws, "a whole number >= 1")
    draws, n = int(draws), int(a.cohort_size)
    chunk = chunk or max(1, 100_000 // (n * len(get_cohort(code).measures)) + 4)
    rng = np.random.default_rng(seed)
    eps = {name: _uniform(rng, a, name, draws) for name in EPISTEMIC}
    use_median = rng.random(draws) < a.share_median_midpoint
    reps = max(1, min(int(a.cohort_replicates), draws))
    for rep in range(reps):
        luck = _Luck(rng, a, code, n)
        idx = np.arange(rep, draws, reps)
        for lo in range(0, idx.size, chunk):
            sel = idx[lo:lo + chunk]
            e = {x: v[sel] for x, v in eps.items()}
            inputs, final = _score_peers(luck, a, e, settings)
            yield DrawnPeers(sel, inputs, final, np.broadcast_to(luck.payments, final.shape), e["steepness"],
                             use_median[sel])


def pool_of(peers: DrawnPeers, settings: Settings = DEFAULT_SETTINGS):
    """(k, m, SF) of each drawn cohort, priced as the cohort API prices its pool [CMS][ASSUMPTION]:
    participants whose final score cannot be computed are out of the pool; m is the fixed midpoint
    or the cohort's median; SF solves the budget identity (:mod:`asm_xl.model.scaling`)."""
    s = settings
    final = peers.final
    scorable = np.isfinite(final)
    m = payment.cohort_midpoints(final, scorable, use_median=peers.use_median, settings=s)
    k = peers.steepness
    tfs = payment.transformed_final_score(np.where(scorable, final, 0.0), midpoint=m[:, None],
                                          steepness=k[:, None], settings=s)
    weights = np.where(scorable, peers.payments if s.payment_weighted_pool else 1.0, 0.0)
    sf, _ = solve_scaling_factors(tfs, weights, scorable & (final > 0), withhold=s.pool_withhold,
                                  bound=s.bound_factors, definition=s.pool_definition)
    return k, m, sf


def _uniform(rng, a: PeerAssumptions, name: str, d: int) -> np.ndarray:
    lo, hi = a.range_of(name)
    return rng.uniform(lo, hi, size=d) if hi > lo else np.full(d, lo)


class _Luck:
    """One cohort's peers before the uncertain assumptions shape them (all standard draws)."""

    def __init__(self, rng, a: PeerAssumptions, code: str, n: int):
        self.admin = np.array([mm.administrative_claims_only for mm in get_cohort(code).measures])
        rho = a.measure_correlation
        self.ability = rng.standard_normal(n)
        self.measure_latent = (np.sqrt(rho) * self.ability[:, None]
                               + np.sqrt(1.0 - rho) * rng.standard_normal((n, self.admin.size)))
        self.measure_roll = rng.random((n, self.admin.size))
        self.cost_noise = rng.standard_normal(n)
        self.cost_roll = rng.random(n)
        self.ia_roll = rng.random(n)
        self.pi_latent = rng.standard_normal(n)
        self.bonus_unit = rng.exponential(1.0, size=n)
        self.practice_roll = rng.random(n)
        self.submission_roll = rng.random(n)
        self.payments = a.median_part_b_payments * np.exp(a.payments_log_sd * rng.standard_normal(n))


def _score_peers(luck: _Luck, a: PeerAssumptions, e: dict, s: Settings):
    """Inputs and final scores of the drawn cohorts (rows) that share ``luck``, with the model's kernels."""
    col = lambda name: e[name][:, None]  # noqa: E731  (draws, 1)
    # quality: measure points 1 + 9 ndtr(latent + shift) have mean 1 + 9 Phi(shift / sqrt 2)
    shift = np.sqrt(2.0) * ndtri((col("mean_measure_points") - 1.0) / 9.0)
    points = 1.0 + 9.0 * ndtr(luck.measure_latent[None, :, :] + shift[:, :, None])
    p_inc = np.where(luck.admin, 0.0, col("share_incomplete")[:, :, None])  # claims measures are complete
    roll = luck.measure_roll[None, :, :]
    status = np.where(roll < p_inc, MeasureStatus.INCOMPLETE,
                      np.where(roll < p_inc + col("share_low_cases")[:, :, None], MeasureStatus.LOW_CASES,
                               MeasureStatus.SCORED)).astype(np.int8)
    quality = categories.quality_category(points, status)
    # cost: correlated with the quality ability (Gaussian copula)
    qc = col("quality_cost_correlation")
    cost_latent = qc * luck.ability + np.sqrt(1.0 - qc ** 2) * luck.cost_noise
    cost_shift = np.sqrt(2.0) * ndtri((col("mean_cost_points") - 1.0) / 9.0)
    cost_points = 1.0 + 9.0 * ndtr(cost_latent + cost_shift)
    episodes = np.where(luck.cost_roll < col("share_cost_unscored"), 0.0, s.cost_episode_minimum)
    cost = categories.cost_category(cost_points, episodes, settings=s)
    # adjustments
    both = luck.ia_roll < col("share_both_ia")
    none = ~both & (luck.ia_roll < col("share_both_ia") + (1.0 - col("share_both_ia")) * a.share_no_ia)
    ia_done = np.where(both, 2, np.where(none, 0, 1))
    ia_adj = adjustments.ia_adjustment(ia_done, settings=s)
    sd = a.pi_spread  # E[Phi(mu + sd Z)] = Phi(mu / sqrt(1 + sd^2))
    pi = ndtr(np.sqrt(1.0 + sd ** 2) * ndtri(col("mean_pi_score")) + sd * luck.pi_latent)
    pi_adj = adjustments.pi_adjustment(pi, settings=s)
    bonus = np.minimum(luck.bonus_unit * col("mean_complex_bonus"), s.complex_bonus_max)
    small = luck.practice_roll < a.share_small_practice
    solo = luck.practice_roll < a.share_small_practice * a.share_solo_of_small
    clinicians = np.where(solo, 1, np.where(small, 2, s.small_practice_max_clinicians + 1))
    practice = np.broadcast_to(adjustments.practice_size_bonus(clinicians, settings=s), quality.shape)
    # the minimum data submission rule, as for a physician: a non-claims measure complete, and on time
    completeness = np.where(status == MeasureStatus.INCOMPLETE, 0.0, 1.0)
    on_time = luck.submission_roll >= col("share_min_submission_failed")
    met = categories.minimum_submission_met(completeness, luck.admin, on_time, settings=s)
    final = final_mod.final_score(quality, cost, ia_adj, pi_adj, bonus, practice, met, settings=s)
    inputs = {"measure_points": points, "measure_status": status, "cost_points": cost_points, "episodes": episodes,
              "ia_done": ia_done, "pi_score": pi, "complex_bonus": bonus,
              "clinicians": np.broadcast_to(clinicians, quality.shape), "on_time": np.broadcast_to(on_time, quality.shape),
              "minimum_submission_met": met}
    return inputs, final
