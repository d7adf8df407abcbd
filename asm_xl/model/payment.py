"""From final score to dollars: exchange function, scaling factor, factor, multiplier, impact
(spec 8) [REG 512.750][CMS]. Vectorized over participants of one cohort."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from asm_xl.model.primitives import ops
from asm_xl.model.settings import DEFAULT_SETTINGS, Settings

__all__ = [
    "transformed_final_score",
    "cohort_midpoints",
    "adjustment_factor",
    "payment_multiplier",
    "dollar_impact",
    "ScalingSolution",
    "solve_scaling_factor",
    "percentile_rank",
    "percentile_of",
    "competition_rank",
]


def transformed_final_score(final, *, midpoint=None, steepness=None,
                            settings: Settings = DEFAULT_SETTINGS) -> np.ndarray:
    """Transformed final score (TFS), a logistic exchange function [ASSUMPTION].

    Formula::

        TFS = 1 / (1 + exp(-k x (final - m)))       k = tfs_steepness, m = tfs_midpoint

    ``midpoint`` overrides m (e.g. the cohort median) and ``steepness`` k; both may be arrays that
    broadcast with ``final`` (one value per simulated cohort). CMS's illustration: final 80 → 0.95.
    """
    xp = ops(final, 0.0 if midpoint is None else midpoint, 0.0 if steepness is None else steepness)
    m = settings.tfs_midpoint if midpoint is None else xp.float(midpoint)
    k = settings.tfs_steepness if steepness is None else xp.float(steepness)
    x = -k * (xp.float(final) - m)
    return 1.0 / (1.0 + xp.exp(x))


def cohort_midpoints(final, pooled, *, use_median=None, settings: Settings = DEFAULT_SETTINGS) -> np.ndarray:
    """Midpoint m of the exchange function of each cohort [ASSUMPTION ``tfs_midpoint_mode``].

    Rule::

        m = median of the final scores in the pool   if the midpoint is the cohort median
          = tfs_midpoint                             otherwise, or when the pool is empty

    ``final`` and ``pooled`` are (participants,) for one cohort or (cohorts, participants);
    ``use_median`` overrides the mode per cohort (the peer model draws the rule). Returns one m
    per cohort.

    >>> cohort_midpoints([40.0, 60.0, 90.0], [True, True, False], use_median=True).tolist()
    [50.0]
    """
    f = np.atleast_2d(np.asarray(final, dtype=float))
    pool = np.broadcast_to(np.atleast_2d(np.asarray(pooled, dtype=bool)), f.shape)
    median = settings.tfs_midpoint_mode == "cohort_median" if use_median is None else use_median
    rows = np.broadcast_to(np.asarray(median, dtype=bool), f.shape[:1]) & pool.any(axis=1)
    m = np.full(f.shape[0], float(settings.tfs_midpoint))
    if rows.any():
        m[rows] = np.nanmedian(np.where(pool[rows], f[rows], np.nan), axis=1)
    return m


def adjustment_factor(final, tfs, risk_level, scaling_factor, *,
                      settings: Settings = DEFAULT_SETTINGS) -> np.ndarray:
    """Payment adjustment factor (fraction).

    Formula::

        factor = r x TFS x SF - r        if final > 0   [REG 512.750(c)(1)]
               = -r                      if final = 0   [ASSUMPTION: secondary sources, spec 8]
        factor = clamp(factor, -r, +r)   [CMS: "upside or downside"; setting bound_factors]

    A final score of NaN (none can be computed) falls in the second case, -r, as the kernel's ``final > 0``
    reads it; the APIs never price one (they leave such a participant out of the pool and show no factor).
    """
    xp = ops(final, tfs, risk_level, scaling_factor)
    r = xp.float(risk_level)
    f = xp.where(xp.float(final) > 0, r * xp.float(tfs) * scaling_factor - r, -r)
    if settings.bound_factors:
        f = xp.clip(f, -r, r)
    return f


def payment_multiplier(factor) -> np.ndarray:
    """Payment multiplier = 1 + factor, applied to the Medicare paid amount for physician fee schedule covered
    professional services of the TIN/NPI in the payment year [REG 512.750(a); 414.1305]."""
    return 1.0 + ops(factor).float(factor)


def dollar_impact(factor, part_b_payments) -> np.ndarray:
    """Dollar impact = factor x Part B payments [CMS]. +6% on $250,000 → +$15,000."""
    xp = ops(factor, part_b_payments)
    return xp.float(factor) * xp.float(part_b_payments)


@dataclass(frozen=True)
class ScalingSolution:
    """The cohort's scaling factor and how it was found.

    ``method``: "closed form" (no bound active), "solved" (bounds active, brentq),
    "no positive scores" (every factor is -r whatever SF: SF 0 is reported, there is nothing to scale),
    "budget unattainable" (even +r for every positive score cannot pay the pool back; SF is the
    smallest value that gives everyone with a positive score +r).
    """

    scaling_factor: float
    method: str
    budget_residual: float


def solve_scaling_factor(final, part_b_payments, risk_level: float, *, midpoint: float | None = None,
                         settings: Settings = DEFAULT_SETTINGS) -> ScalingSolution:
    """Scaling factor SF of one cohort [ASSUMPTION: the pool, payment-weighted][CMS: factors bounded to +/- r].

    SF solves the budget identity over the cohort (P_i = Part B payments, or 1 when the pool
    is not payment-weighted; zero-score participants count with factor -r)::

        sum_i P_i x factor_i(SF) = -pool_withhold x r x sum_i P_i

    Without active bounds this is closed-form::

        SF = (1 - pool_withhold) x sum_i P_i / sum_(final_i > 0) P_i x TFS_i

    When that SF pushes some factor above +r, the budget sum (continuous, non-decreasing in SF) is
    solved numerically with :func:`scipy.optimize.brentq` between the closed-form value and
    2 / min TFS, where every positive score is at +r.

    With ``pool_definition = "positive_85_of_negative"`` [ASSUMPTION] the identity is instead::

        sum_i P_i x max(factor_i, 0) = (1 - pool_withhold) x sum_i P_i x max(-factor_i, 0)

    solved with brentq on [0, hi] (no closed form: the sign of each factor moves with SF).
    """
    final = np.asarray(final, dtype=float)
    w = np.asarray(part_b_payments, dtype=float) if settings.payment_weighted_pool else np.ones_like(final)
    r = float(risk_level)
    tfs = transformed_final_score(final, midpoint=midpoint, settings=settings)
    pos = final > 0
    total = w.sum()
    target = -settings.pool_withhold * r * total
    keep = 1.0 - settings.pool_withhold
    positive_share = settings.pool_definition == "positive_85_of_negative"

    def budget(sf: float) -> float:
        f = adjustment_factor(final, tfs, r, sf, settings=settings)
        if positive_share:  # sum of positive adjustments = keep x sum of negative ones [ASSUMPTION]
            return float(np.dot(w, np.maximum(f, 0.0)) - keep * np.dot(w, np.maximum(-f, 0.0)))
        return float(np.dot(w, f)) - target

    weighted_tfs = float(np.dot(w[pos], tfs[pos]))
    if weighted_tfs <= 0.0 or r == 0.0:
        return ScalingSolution(0.0, "no positive scores", budget(0.0))
    if positive_share:
        return _solve_positive_share(budget, tfs[pos & (w > 0)], w[pos & (w > 0)], w[~pos].sum(), keep, settings)
    sf0 = (1.0 - settings.pool_withhold) * total / weighted_tfs
    if not settings.bound_factors or float(tfs[pos].max()) * sf0 <= 2.0:
        return ScalingSolution(sf0, "closed form", budget(sf0))
    b0 = budget(sf0)
    if b0 >= 0.0:  # the bound only clips factors of participants without payments (or by rounding):
        return ScalingSolution(sf0, "closed form", b0)  # the closed form still meets the budget
    hi = 2.0 / float(tfs[pos & (w > 0)].min()) if np.any(pos & (w > 0)) else sf0
    if budget(hi) < 0.0:
        return ScalingSolution(hi, "budget unattainable", budget(hi))
    from scipy.optimize import brentq  # imported here: scipy.optimize costs ~0.4 s at start-up

    sf = brentq(budget, sf0, hi, xtol=1e-15, rtol=4 * np.finfo(float).eps, maxiter=500)
    return ScalingSolution(float(sf), "solved", budget(sf))


def _solve_positive_share(budget, tfs, w, zero_weight: float, keep: float, settings: Settings) -> ScalingSolution:
    """Root of the "positive = keep x negative" budget (non-decreasing in SF) by brentq on [0, hi]:
    hi puts every positive score at +r (bounded) or is twice the SF making every positive factor >= 0 with
    budget >= 0."""
    t_min = float(tfs.min())
    if settings.bound_factors:
        hi = 2.0 / t_min
    else:
        hi = 2.0 * max(1.0 / t_min, (float(w.sum()) + keep * zero_weight) / float(np.dot(w, tfs)))  # margin
    if budget(hi) < 0.0:
        return ScalingSolution(hi, "budget unattainable", budget(hi))
    from scipy.optimize import brentq

    sf = brentq(budget, 0.0, hi, xtol=1e-15, rtol=4 * np.finfo(float).eps, maxiter=500)
    return ScalingSolution(float(sf), "solved", budget(sf))


def percentile_of(scores, sorted_cohort) -> np.ndarray:
    """Percentile rank (0-100) of scores among a cohort's final scores (``sorted_cohort``, ascending), ties
    averaged.

    Formula (scipy's ``percentileofscore(kind="mean")``), x a score, c_j the cohort's n scores::

        pct(x) = 100 x (#{j: c_j < x} + #{j: c_j <= x}) / (2 n)

    >>> percentile_of([50.0, 90.0], [40.0, 50.0, 60.0, 70.0]).tolist()
    [37.5, 100.0]
    """
    c = np.asarray(sorted_cohort, dtype=float)
    x = np.asarray(scores, dtype=float)
    return 100.0 * (np.searchsorted(c, x, side="left") + np.searchsorted(c, x, side="right")) / (2.0 * c.size)


def percentile_rank(values) -> np.ndarray:
    """Percentile rank (0-100) of each value within its cohort (:func:`percentile_of` of the cohort's own
    scores), ties averaged."""
    v = np.asarray(values, dtype=float)
    return percentile_of(v, np.sort(v))


def competition_rank(values) -> np.ndarray:
    """Rank within the cohort, 1 = highest value; ties share the best rank ("1224")."""
    v = np.asarray(values, dtype=float)
    s = np.sort(v)
    return 1 + v.size - np.searchsorted(s, v, side="right")
