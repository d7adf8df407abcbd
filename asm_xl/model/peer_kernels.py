"""Some methodology kernels evaluated into arrays the caller gives, with the kernels' very bits.

The peer model scores ~100 batches of 10 drawn cohorts of 2,600-4,000 peers per simulation. The
kernels themselves (:mod:`asm_xl.model.final_score`, :mod:`asm_xl.model.adjustments`,
:mod:`asm_xl.model.payment`) make a fresh array for every operation; here the same IEEE operations
run in the same order into arrays kept across batches (:class:`~asm_xl.model.peer_buffers.Buffers`).
Where a rule only picks one of a few values, the kernel itself is asked for those values (category
weights, IA adjustment, whether a cost with 0 episodes is scored), so the rule stays in the kernel.
``tests/model/test_peer_kernels.py`` checks each function equals its kernel bit for bit (hypothesis).
"""

from __future__ import annotations

import numpy as np

from asm_xl.model import categories, final_score as final_mod
from asm_xl.model.peer_buffers import Buffers
from asm_xl.model.settings import DEFAULT_SETTINGS, Settings

__all__ = ["transformed_into", "pi_adjustment_into", "cost_category_into", "final_score_into"]


def transformed_into(final: np.ndarray, midpoint: np.ndarray, steepness: np.ndarray, out: np.ndarray) -> np.ndarray:
    """:func:`asm_xl.model.payment.transformed_final_score` [ASSUMPTION] into ``out`` (``out`` may be ``final``)::

        TFS = 1 / (1 + exp(-k x (final - m)))        m, k broadcast with final (one per drawn cohort)
    """
    f = np.subtract(final, midpoint, out=out)         # final - m
    np.multiply(-steepness, f, out=f)                 # x = -k x (final - m)
    np.exp(f, out=f)
    np.add(1.0, f, out=f)
    return np.divide(1.0, f, out=f)                   # 1 / (1 + exp(x))


def pi_adjustment_into(pi_score: np.ndarray, out: np.ndarray, settings: Settings = DEFAULT_SETTINGS) -> np.ndarray:
    """:func:`asm_xl.model.adjustments.pi_adjustment` [CMS][ASSUMPTION ``pi_adjustment_linear``] into ``out``::

        pi_adj = -pi_max_penalty x (1 - PI score)          (linear; computed as pi_max_penalty x PI score - pi_max_penalty)
               = 0 if PI score >= 1 else -pi_max_penalty   (all or nothing)
    """
    if settings.pi_adjustment_linear:
        np.multiply(pi_score, settings.pi_max_penalty, out=out)
        return np.subtract(out, settings.pi_max_penalty, out=out)
    out[...] = -settings.pi_max_penalty
    np.copyto(out, 0.0, where=pi_score >= 1.0)
    return out


def cost_category_into(cost_points: np.ndarray, too_few_episodes: np.ndarray, episodes_if_too_few: float,
                       episodes_if_enough: float, buffers: Buffers, settings: Settings = DEFAULT_SETTINGS):
    """:func:`asm_xl.model.categories.cost_category` [REG 512.730] of peers whose episodes are one of two values
    (``episodes_if_too_few`` where ``too_few_episodes``, else ``episodes_if_enough``), as the final score takes it:
    (cost with 0 where not scored, not scored) in ``buffers`` ("cost", "cost_nan")::

        cost = cost points / 10    if the kernel scores the peer's episodes, else not scored (the kernel's NaN)

    Whether each of the two episode counts is scored is asked of the kernel itself. Cost points are 1..10,
    so cost x 0 is the 0 of ``where(not scored, 0, cost)`` and cost x 1 the cost."""
    scored_few, scored_enough = np.isfinite(categories.cost_category(
        np.ones(2), np.array([episodes_if_too_few, episodes_if_enough], dtype=float), settings=settings))
    shape = cost_points.shape
    cost = np.divide(cost_points, 10.0, out=buffers.take("cost", shape))
    not_scored = buffers.take("cost_nan", shape, bool)
    if scored_few == scored_enough:
        not_scored.fill(not scored_few)
    elif scored_enough:
        np.copyto(not_scored, too_few_episodes)
    else:
        np.logical_not(too_few_episodes, out=not_scored)
    np.multiply(cost, np.logical_not(not_scored, out=buffers.take("cost_scored", shape, bool)), out=cost)
    return cost, not_scored


def final_score_into(quality: np.ndarray, quality_nan: np.ndarray, cost: np.ndarray, cost_nan: np.ndarray,
                     ia_adj: np.ndarray, pi_adj: np.ndarray, complex_bonus: np.ndarray, practice_bonus: np.ndarray,
                     minimum_submission_met: np.ndarray, buffers: Buffers,
                     settings: Settings = DEFAULT_SETTINGS) -> np.ndarray:
    """:func:`asm_xl.model.final_score.final_score` [CMS] of float arrays, in ``buffers`` (its array "final"), with
    each category given as (value with 0 where not scored, not scored): the kernel's ``where(isnan(q), 0, q)``
    and ``isnan(q)``::

        final = clamp(round(100 x (w_q x quality + w_c x cost) + ia_adj + pi_adj + complex_bonus + practice_bonus,
                            FINAL_DECIMALS), 0, 100)
        final = 0   if the minimum data submission is not met

    with (w_q, w_c) the kernel's :func:`~asm_xl.model.final_score.category_weights` of (quality scored, cost
    scored), looked up from its four values."""
    shape = np.broadcast_shapes(quality.shape, cost.shape)
    case = np.add(quality_nan, quality_nan, dtype=np.intp, out=buffers.take("case", shape, np.intp))
    case += cost_nan                                  # 2 x (quality NaN) + (cost NaN): 3 - (2 x scored + scored)
    wq_of, wc_of = (np.asarray(w, dtype=float)[::-1]
                    for w in final_mod.category_weights(np.array([False, False, True, True]),
                                                        np.array([False, True, False, True]), settings=settings))
    # mode="clip" (case is 0..3 anyway): numpy's default mode="raise" buffers ``out``, 6x slower
    final = np.take(wq_of, case, out=buffers.take("final", shape), mode="clip")
    wc = np.take(wc_of, case, out=buffers.take("cost_weight", shape), mode="clip")
    np.multiply(final, quality, out=final)            # w_q x quality
    np.multiply(wc, cost, out=wc)                     # w_c x cost
    np.add(final, wc, out=final)
    np.multiply(100.0, final, out=final)
    for term in (ia_adj, pi_adj, complex_bonus, practice_bonus):
        np.add(final, term, out=final)
    np.round(final, final_mod.FINAL_DECIMALS, out=final)   # the kernel's rounding of float noise
    np.add(final, 0.0, out=final)                           # and its -0.0 -> 0.0
    np.clip(final, 0.0, 100.0, out=final)
    not_met = np.logical_not(minimum_submission_met, out=buffers.take("not_met", shape, bool))
    np.copyto(final, 0.0, where=not_met)
    return final
