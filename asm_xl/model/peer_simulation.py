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

from asm_xl.model import adjustments, payment
from asm_xl.model.categories import MeasureStatus, meets_completeness
from asm_xl.model.errors import ASMInputError
from asm_xl.model.parameters import get_cohort
from asm_xl.model.peer_assumptions import PeerAssumptions
from asm_xl.model.peer_buffers import Buffers
from asm_xl.model.peer_kernels import cost_category_into, final_score_into, pi_adjustment_into, transformed_into
from asm_xl.model.scaling import solve_scaling_factors
from asm_xl.model.settings import DEFAULT_SETTINGS, Settings

__all__ = ["DrawnPeers", "PeerBatch", "draw_peers", "peer_batches", "pool_of", "EPISTEMIC"]

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


@dataclass(frozen=True)
class PeerBatch:
    """A few draws that share one replicate's luck, not yet scored. Scoring a batch uses no random
    numbers, so batches can be scored in any order, or side by side, with the same results."""

    draws: np.ndarray          #: which draws of the simulation these are
    luck: "_Luck"
    assumptions: PeerAssumptions
    epistemic: dict            #: the uncertain assumptions of these draws (name -> one value per draw)
    use_median: np.ndarray
    settings: Settings

    def score(self, inputs: bool = True, buffers: Buffers | None = None) -> DrawnPeers:
        """The drawn cohorts, scored; ``inputs=False`` leaves out the peers' inputs (only final scores).

        Without inputs, ``buffers`` (:class:`~asm_xl.model.peer_buffers.Buffers`) holds the work arrays, the
        final scores among them: they are good until ``buffers`` scores the next batch."""
        inp, final = _score_peers(self.luck, self.assumptions, self.epistemic, self.settings, inputs, buffers)
        return DrawnPeers(self.draws, inp, final, np.broadcast_to(self.luck.payments, final.shape),
                          self.epistemic["steepness"], self.use_median)


def draw_peers(cohort: str, *, assumptions: PeerAssumptions | None = None, draws: int = 1000, seed: int = 0,
               settings: Settings = DEFAULT_SETTINGS, chunk: int | None = None):
    """Yield ``draws`` national cohorts, a few at a time, as :class:`DrawnPeers` (reproducible from ``seed``)."""
    for batch in peer_batches(cohort, assumptions=assumptions, draws=draws, seed=seed, settings=settings, chunk=chunk):
        yield batch.score()


def peer_batches(cohort: str, *, assumptions: PeerAssumptions | None = None, draws: int = 1000, seed: int = 0,
                 settings: Settings = DEFAULT_SETTINGS, chunk: int | None = None) -> list[PeerBatch]:
    """The ``draws`` national cohorts as :class:`PeerBatch` es of a few draws each (all random numbers drawn).

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
    batches = []
    for rep in range(reps):
        luck = _Luck(rng, a, code, n, settings)
        idx = np.arange(rep, draws, reps)
        for lo in range(0, idx.size, chunk):
            sel = idx[lo:lo + chunk]
            batches.append(PeerBatch(sel, luck, a, {x: v[sel] for x, v in eps.items()}, use_median[sel], settings))
    return batches


def pool_of(peers: DrawnPeers, settings: Settings = DEFAULT_SETTINGS, buffers: Buffers | None = None):
    """(k, m, SF) of each drawn cohort, priced as the cohort API prices its pool [CMS][ASSUMPTION]:
    participants whose final score cannot be computed are out of the pool; m is the fixed midpoint
    or the cohort's median; SF solves the budget identity (:mod:`asm_xl.model.scaling`)::

        TFS_i    = transformed_final_score(final_i if scorable else 0; m, k)
        weight_i = payments_i (or 1) if scorable else 0

    ``buffers`` keeps the work arrays (None: new ones)."""
    s = settings
    w = buffers or Buffers(keep=False)
    final = peers.final
    shape = final.shape
    scorable = np.isfinite(final, out=w.take("scorable", shape, bool))
    m = _midpoints(final, scorable, peers.use_median, s, w)
    k = peers.steepness
    outside = np.logical_not(scorable, out=w.take("outside", shape, bool))
    tfs = w.take("tfs", shape)
    np.copyto(tfs, final)
    np.copyto(tfs, 0.0, where=outside)                # where(scorable, final, 0)
    transformed_into(tfs, m[:, None], k[:, None], out=tfs)
    weights = w.take("weights", shape)
    np.copyto(weights, peers.payments if s.payment_weighted_pool else 1.0)
    np.copyto(weights, 0.0, where=outside)
    positive = np.greater(final, 0.0, out=w.take("positive", shape, bool))
    positive &= scorable
    sf, _ = solve_scaling_factors(tfs, weights, positive, withhold=s.pool_withhold,
                                  bound=s.bound_factors, definition=s.pool_definition)
    return k, m, sf


def _midpoints(final: np.ndarray, scorable: np.ndarray, use_median: np.ndarray, s: Settings, w: Buffers) -> np.ndarray:
    """:func:`asm_xl.model.payment.cohort_midpoints` of the drawn cohorts. Where a cohort takes its median
    of a non-empty pool, the median is read from the sorted row (NaN, out of the pool, sorts last), which gives
    ``np.nanmedian``'s number several times faster: the middle pooled value, or the mean of the middle two."""
    count = scorable.sum(axis=1)
    fast = use_median & (count > 0)
    m = payment.cohort_midpoints(final, scorable, use_median=use_median & ~fast, settings=s)
    if fast.any():
        c = count[fast]
        rows = np.compress(fast, final, axis=0, out=w.take("sorted", (c.size, final.shape[1])))
        rows.sort(axis=1)
        r = np.arange(c.size)
        low, high = rows[r, (c - 1) // 2], rows[r, c // 2]
        m[fast] = np.where(c % 2 == 1, low, (low + high) / 2)  # np.median: the mean of the middle two
    return m


def _uniform(rng, a: PeerAssumptions, name: str, d: int) -> np.ndarray:
    lo, hi = a.range_of(name)
    return rng.uniform(lo, hi, size=d) if hi > lo else np.full(d, lo)


class _Luck:
    """One cohort's peers before the uncertain assumptions shape them (all standard draws), and what of
    them no uncertain assumption touches (computed once, re-used by every draw of the replicate).

    Per-measure arrays are (measures, peers): a measure's peers are contiguous, so the drawn cohorts'
    measure arrays are (measures, draws, peers) and a sum over measures adds whole rows in order."""

    def __init__(self, rng, a: PeerAssumptions, code: str, n: int, s: Settings):
        self.admin = np.array([mm.administrative_claims_only for mm in get_cohort(code).measures])
        rho = a.measure_correlation
        self.ability = rng.standard_normal(n)
        self.measure_latent = (np.sqrt(rho) * self.ability[:, None]
                               + np.sqrt(1.0 - rho) * rng.standard_normal((n, self.admin.size))).T.copy()
        self.measure_roll = rng.random((n, self.admin.size)).T.copy()
        self.cost_noise = rng.standard_normal(n)
        self.cost_roll = rng.random(n)
        self.ia_roll = rng.random(n)
        self.pi_latent = rng.standard_normal(n)
        self.bonus_unit = rng.exponential(1.0, size=n)
        self.practice_roll = rng.random(n)
        self.submission_roll = rng.random(n)
        self.payments = a.median_part_b_payments * np.exp(a.payments_log_sd * rng.standard_normal(n))
        # fixed by the replicate: the PI noise, the practice size and its bonus
        self.pi_noise = a.pi_spread * self.pi_latent
        small = self.practice_roll < a.share_small_practice
        solo = self.practice_roll < a.share_small_practice * a.share_solo_of_small
        self.clinicians = np.where(solo, 1, np.where(small, 2, s.small_practice_max_clinicians + 1))
        self.practice_bonus = adjustments.practice_size_bonus(self.clinicians, settings=s)


def _score_peers(luck: _Luck, a: PeerAssumptions, e: dict, s: Settings, inputs: bool = True,
                 buffers: Buffers | None = None):
    """Inputs (``inputs=False``: none) and final scores of the drawn cohorts (rows) that share ``luck``,
    with the model's kernels, or with their rule measure by measure or into kept arrays where noted (the same
    bits: the tests compare with the kernels). Without inputs, every work array is one of ``buffers``
    (:mod:`asm_xl.model.peer_buffers`: kept from batch to batch, so the memory is not handed back to the
    system and faulted in again for every batch); with inputs, every array is new (they are returned)."""
    w = buffers if buffers is not None and not inputs else Buffers(keep=False)
    (quality, quality_nan), complete, measure_inputs = _measures(luck, e, s, inputs, w)
    (cost, cost_nan), cost_inputs = _cost(luck, e, s, inputs, w)
    ia_adj, pi_adj, bonus, adjustment_inputs = _adjustments(luck, a, e, s, inputs, w)
    # the minimum data submission rule, as for a physician: a non-claims measure complete, and on time
    on_time = np.greater_equal(luck.submission_roll, e["share_min_submission_failed"][:, None],
                               out=w.take("on_time", quality.shape, bool))
    met = np.logical_and(complete, on_time, out=w.take("met", quality.shape, bool))
    final = final_score_into(quality, quality_nan, cost, cost_nan, ia_adj, pi_adj, bonus, luck.practice_bonus, met, w,
                             settings=s)
    if not inputs:
        return {}, final
    return {**measure_inputs, **cost_inputs, **adjustment_inputs,
            "clinicians": np.broadcast_to(luck.clinicians, final.shape),
            "on_time": np.broadcast_to(on_time, final.shape), "minimum_submission_met": met}, final


def _measures(luck: _Luck, e: dict, s: Settings, inputs: bool, w: Buffers):
    """Quality of each drawn peer (as :func:`_quality` gives it), whether some non-claims measure is complete
    (the minimum submission rule before the deadline), and the measures' inputs when asked; arrays are
    (measures, draws, peers).

    Measure points 1 + 9 ndtr(latent + shift) have mean 1 + 9 Phi(shift / sqrt 2)."""
    from scipy.special import ndtr, ndtri  # here: scipy.special costs ~0.25 s to import, and kept draws need none
    shape = (luck.admin.size, e["mean_measure_points"].size, luck.ability.size)
    shift = np.sqrt(2.0) * ndtri((e["mean_measure_points"] - 1.0) / 9.0)
    points = np.add(luck.measure_latent[:, None, :], shift[None, :, None], out=w.take("points", shape))
    ndtr(points, out=points)
    np.multiply(points, 9.0, out=points)
    np.add(points, 1.0, out=points)
    p_inc = np.where(luck.admin[:, None], 0.0, e["share_incomplete"][None, :])  # claims measures are complete
    roll = luck.measure_roll[:, None, :]
    incomplete = np.less(roll, p_inc[:, :, None], out=w.take("incomplete", shape, bool))
    excluded = np.less(roll, (p_inc + e["share_low_cases"][None, :])[:, :, None], out=w.take("excluded", shape, bool))
    np.greater(excluded, incomplete, out=excluded)  # case minimum, and not incomplete (booleans: a > b is a & ~b)
    complete = _some_measure_complete(incomplete, luck.admin, s, w)
    if not inputs:
        return _quality(points, incomplete, excluded, w, keep_points=False), complete, {}
    status = np.full(points.shape, MeasureStatus.SCORED, dtype=np.int8)
    status[excluded] = MeasureStatus.LOW_CASES
    status[incomplete] = MeasureStatus.INCOMPLETE
    by_peer = lambda x: x.transpose(1, 2, 0)  # noqa: E731  (measures, draws, peers) -> (draws, peers, measures)
    return (_quality(points, incomplete, excluded, w), complete,
            {"measure_points": by_peer(points), "measure_status": by_peer(status)})


def _cost(luck: _Luck, e: dict, s: Settings, inputs: bool, w: Buffers):
    """Cost category of each drawn peer, correlated with the quality ability (Gaussian copula), as
    (cost with 0 where not scored, not scored)."""
    from scipy.special import ndtr, ndtri  # here: scipy.special costs ~0.25 s to import, and kept draws need none
    shape = (e["quality_cost_correlation"].size, luck.ability.size)
    qc = e["quality_cost_correlation"][:, None]
    cost_points = np.multiply(qc, luck.ability, out=w.take("cost_points", shape))
    cost_points += np.multiply(np.sqrt(1.0 - qc ** 2), luck.cost_noise, out=w.take("cost_noise", shape))
    cost_points += np.sqrt(2.0) * ndtri((e["mean_cost_points"][:, None] - 1.0) / 9.0)
    ndtr(cost_points, out=cost_points)
    np.multiply(cost_points, 9.0, out=cost_points)
    np.add(cost_points, 1.0, out=cost_points)
    # episodes: 0 (not scored) or the minimum
    too_few = np.less(luck.cost_roll, e["share_cost_unscored"][:, None], out=w.take("too_few", shape, bool))
    cost = cost_category_into(cost_points, too_few, 0.0, s.cost_episode_minimum, w, settings=s)
    if not inputs:
        return cost, {}
    return cost, {"cost_points": cost_points, "episodes": np.where(too_few, 0.0, s.cost_episode_minimum)}


def _adjustments(luck: _Luck, a: PeerAssumptions, e: dict, s: Settings, inputs: bool, w: Buffers):
    """IA and PI adjustments and complex bonus of each drawn peer."""
    from scipy.special import ndtr, ndtri  # here: scipy.special costs ~0.25 s to import, and kept draws need none
    shape = (e["share_both_ia"].size, luck.ability.size)
    share_both = e["share_both_ia"][:, None]
    both = luck.ia_roll < share_both
    none = ~both & (luck.ia_roll < share_both + (1.0 - share_both) * a.share_no_ia)
    ia_done = np.add(both, 1, dtype=np.intp, out=w.take("ia_done", shape, np.intp))  # 2 (both), 0 (none) or 1
    ia_done -= none  # (indices as intp: take() would convert others into a new array)
    ia_adj = np.take(adjustments.ia_adjustment(np.arange(3), settings=s), ia_done,  # the kernel's value of 0, 1, 2
                     out=w.take("ia_adj", shape), mode="clip")  # (0..2 anyway; "raise" buffers out, 6x slower)
    sd = a.pi_spread  # E[Phi(mu + sd Z)] = Phi(mu / sqrt(1 + sd^2))
    pi = np.add(np.sqrt(1.0 + sd ** 2) * ndtri(e["mean_pi_score"][:, None]), luck.pi_noise, out=w.take("pi", shape))
    ndtr(pi, out=pi)
    pi_adj = pi_adjustment_into(pi, w.take("pi_adj", shape), settings=s)
    bonus = np.multiply(luck.bonus_unit, e["mean_complex_bonus"][:, None], out=w.take("bonus", shape))
    np.minimum(bonus, s.complex_bonus_max, out=bonus)
    if not inputs:
        return ia_adj, pi_adj, bonus, {}
    return ia_adj, pi_adj, bonus, {"ia_done": ia_done.astype(int), "pi_score": pi, "complex_bonus": bonus}


def _quality(points: np.ndarray, incomplete: np.ndarray, excluded: np.ndarray, w: Buffers,
             keep_points: bool = True) -> np.ndarray:
    """:func:`asm_xl.model.categories.quality_category` on (measures, draws, peers) arrays, measure by measure
    in the kernel's order (numpy sums a short last axis left to right), without building status codes [REG][CMS]::

        quality = sum(points of SCORED measures) / (10 x number of measures not excluded)

    A measure is INCOMPLETE (0 points, counted), LOW_CASES (``excluded``) or SCORED. Returned as the final
    score takes it: (quality with 0 where not scored, not scored), the kernel's ``where(isnan(q), 0, q)`` and
    ``isnan(q)``. ``keep_points=False`` lets the points be overwritten."""
    shape = points.shape
    scored = np.logical_or(incomplete, excluded, out=w.take("scored", shape, bool))
    np.logical_not(scored, out=scored)
    # points x scored is the kernel's where(scored, points, 0.0): points are 1..10, never NaN; numpy adds
    # the rows of a (measures, ...) array in order, as it sums a short last axis
    terms = np.multiply(points, scored, out=points if not keep_points else w.take("terms", shape))
    num = np.add.reduce(terms, axis=0, out=w.take("quality", shape[1:]))
    # the statuses are exclusive: measures counted = all measures - those of the statuses not counted
    den = w.take("counted", shape[1:])
    den.fill(shape[0])
    for code, mask in ((MeasureStatus.SCORED, scored), (MeasureStatus.INCOMPLETE, incomplete),
                       (MeasureStatus.LOW_CASES, excluded)):
        if code not in MeasureStatus.COUNTED:  # booleans counted as bytes (at most 255 measures)
            den -= np.add.reduce(mask.view(np.uint8), axis=0, out=w.take("uncounted", shape[1:], np.uint8))
    den *= 10.0
    not_scored = np.equal(den, 0.0, out=w.take("quality_nan", shape[1:], bool))  # nothing counts: the kernel's NaN
    den += not_scored  # where nothing counts, nothing is scored either: num is 0, and 0 / 1 the 0 taken for NaN
    return np.divide(num, den, out=num), not_scored


def _some_measure_complete(incomplete: np.ndarray, admin: np.ndarray, s: Settings, w: Buffers) -> np.ndarray:
    """:func:`asm_xl.model.categories.minimum_submission_met` before the deadline, with completeness 0
    (incomplete) or 1 [CMS]: some non-claims measure at least ``completeness_threshold`` complete."""
    if meets_completeness(0.0, settings=s):  # even an incomplete measure (completeness 0) meets it
        return np.full(incomplete.shape[1:], bool((~admin).any()))
    ok = w.take("complete", incomplete.shape[1:], bool)
    ok.fill(False)
    if meets_completeness(1.0, settings=s):
        for j in np.flatnonzero(~admin):
            ok |= ~incomplete[j]
    return ok
