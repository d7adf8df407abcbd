"""A pool's draws applied to final scores: the factor of every (final score, draw) and its statistics
over the draws, for :meth:`asm_xl.model.peers.PoolDraws.price`.

The factor is the methodology's [REG 512.750(c)][ASSUMPTION exchange function]::

    TFS_d(final)    = 1 / (1 + exp(-k_d x (final - m_d)))                 payment.transformed_final_score
    factor_d(final) = r x TFS_d x SF_d - r  (final > 0),  -r  (final 0)     payment.adjustment_factor
                      bounded to [-r, r] (bound_factors)

:func:`adjustment_factors` evaluates those kernels' operations, in their order, into one reused array
(a (physicians, draws) block costs a fresh array per operation otherwise, which doubles the time);
``tests/model/test_peer_pricing.py`` checks it equals the kernels bit for bit. :func:`range_statistics`
then takes, per final score, the mean and the share of draws with a positive factor (:func:`gain_share`), sorts the row and
reads P10 / P50 / P90 (:func:`~asm_xl.model.peer_percentiles.sorted_percentiles`, ``np.percentile``'s
numbers), a cache-sized chunk of physicians at a time, chunks side by side on threads
(:mod:`asm_xl.model.peer_threads`; every chunk writes its own rows, so the numbers do not depend on them).
"""

from __future__ import annotations

from contextlib import nullcontext

import numpy as np

from asm_xl.model.peer_buffers import row_loops
from asm_xl.model.peer_percentiles import sorted_percentiles
from asm_xl.model.peer_threads import side_by_side
from asm_xl.model.settings import DEFAULT_SETTINGS, Settings

__all__ = ["PERCENTILES", "GAIN_TOLERANCE", "adjustment_factors", "range_statistics", "gain_share"]

PERCENTILES = (10.0, 50.0, 90.0)
STATISTICS = ("p10", "p50", "p90", "mean", "gain")
#: a factor at most this far above 0 is no gain: the float noise of a factor that is 0 by construction (a pool
#: whose positive adjustments must add up to a budget of 0), which the two formula engines reach by different
#: roundings (1e-17 in one, 0.0 in the other: a chance of a gain of 1 against 0). $1e-6 on $1M of payments.
GAIN_TOLERANCE = 1e-12


def gain_share(factors: np.ndarray) -> np.ndarray:
    """Per row of (physicians, draws) ``factors``: the chance of a gain, the share of draws in which the
    factor is positive::

        gain = #{d : factor_d > GAIN_TOLERANCE} / draws

    >>> gain_share(np.array([[0.01, -0.02, 1e-17, 0.0]])).tolist()
    [0.25]
    """
    return np.count_nonzero(factors > GAIN_TOLERANCE, axis=1) / factors.shape[1]


def adjustment_factors(final: np.ndarray, steepness: np.ndarray, midpoint: np.ndarray, scaling_factor: np.ndarray,
                       risk_level: float, settings: Settings = DEFAULT_SETTINGS, out: np.ndarray | None = None,
                       ) -> np.ndarray:
    """(physicians, draws) factors of ``final`` (physicians,) under each draw's k, m and SF (draws,):
    ``payment.adjustment_factor(final, payment.transformed_final_score(final, m, k), r, SF)`` with the
    draws as columns, computed in ``out`` (allocated when None)."""
    final = np.asarray(final, dtype=float)
    r = risk_level
    f = np.subtract(final[:, None], midpoint[None, :], out=out)     # final - m
    np.multiply(-steepness[None, :], f, out=f)                      # x = -k x (final - m)
    np.exp(f, out=f)
    np.add(1.0, f, out=f)
    np.divide(1.0, f, out=f)                                        # TFS = 1 / (1 + exp(x))
    np.multiply(r, f, out=f)
    np.multiply(f, scaling_factor[None, :], out=f)
    np.subtract(f, r, out=f)                                        # r x TFS x SF - r
    f[~(final > 0)] = -r                                            # final 0: -r
    if settings.bound_factors:
        np.clip(f, -r, r, out=f)
    return f


def range_statistics(final: np.ndarray, steepness: np.ndarray, midpoint: np.ndarray, scaling_factor: np.ndarray,
                     risk_level: float, settings: Settings = DEFAULT_SETTINGS, *, chunk: int = 256,
                     threads: bool = True) -> dict[str, np.ndarray]:
    """Per final score: P10 / P50 / P90 (``np.percentile``'s), mean of the factor over the draws, and
    the share of draws with a positive factor (``gain``), ``chunk`` physicians at a time, the chunks on
    the shared worker threads (:mod:`asm_xl.model.peer_threads`; ``threads=False``: in this thread)."""
    final = np.asarray(final, dtype=float)
    out = {k: np.empty_like(final) for k in STATISTICS}
    starts = range(0, final.size, chunk)

    # rows of 1,000 draws take numpy's scalar loops in row_loops (asm_xl.model.peer_buffers); a few final scores
    # (an Excel function's) would spend more on setting it (4 µs) than it saves
    loops = row_loops if min(chunk, final.size) * np.size(steepness) >= 1 << 16 else nullcontext

    def run(lo: int) -> None:
        rows = slice(lo, lo + chunk)
        with loops():
            f = adjustment_factors(final[rows], steepness, midpoint, scaling_factor, risk_level, settings)
            out["mean"][rows] = f.mean(axis=1)
            out["gain"][rows] = gain_share(f)
            f.sort(axis=1)
            out["p10"][rows], out["p50"][rows], out["p90"][rows] = sorted_percentiles(f, PERCENTILES)

    if threads:
        side_by_side(run, starts)
    else:
        for lo in starts:
            run(lo)
    return out
