"""Percentiles of rows that are already sorted, with the very bits of numpy's ``np.percentile``.

The peer model prices a final score as percentiles of its factor over the draws
(:meth:`asm_xl.model.peers.PoolDraws.price`). ``np.percentile`` finds the order statistics it needs
with ``np.partition``, which on rows of 1,000 draws is several times slower than sorting them
(numpy sorts floats with SIMD); an order statistic is the same number however it is found, so the
rows are sorted and the interpolation is done here, as numpy's ``method="linear"`` does it
(numpy 2.x, ``numpy/lib/_function_base_impl.py``: ``_quantile``, ``_get_indexes``, ``_lerp``)::

    q        = percentile / 100
    v        = (n - 1) x q                      virtual index
    i, j     = floor(v), floor(v) + 1           (both n - 1 when v >= n - 1; both 0 when v < 0)
    g        = v - i                            (i as numpy clips it: -1 for the last)
    a, b     = sorted[i], sorted[j];  d = b - a
    result   = b - d x (1 - g)   if g >= 0.5
             = a + d x g         otherwise
    result   = NaN (the row's last value)   where the row holds a NaN (sorted last)

``tests/model/test_peer_percentiles.py`` checks it equals ``np.percentile`` bit for bit (hypothesis).
"""

from __future__ import annotations

import numpy as np

__all__ = ["sorted_percentiles"]


def sorted_percentiles(rows: np.ndarray, percentiles) -> np.ndarray:
    """``np.percentile(x, percentiles, axis=-1)`` of ``rows = np.sort(x, axis=-1)``: shape
    (len(percentiles),) + rows.shape[:-1]. ``percentiles`` is a sequence of numbers in [0, 100]."""
    rows = np.asarray(rows, dtype=float)
    n = rows.shape[-1]
    q = np.true_divide(np.asarray(percentiles, dtype=float), 100)
    if q.ndim != 1 or n == 0 or np.any(~((q >= 0) & (q <= 1))):
        raise ValueError("percentiles must be a sequence of numbers between 0 and 100, over non-empty rows")
    virtual = (n - 1) * q
    previous = np.floor(virtual)
    following = previous + 1
    above = virtual >= n - 1
    previous[above], following[above] = -1, -1
    below = virtual < 0
    previous[below], following[below] = 0, 0
    previous, following = previous.astype(np.intp), following.astype(np.intp)
    gamma = virtual - previous
    out = np.empty((q.size,) + rows.shape[:-1])
    last = rows[..., -1]
    has_nan = np.isnan(last)
    for p in range(q.size):
        a, b, t = rows[..., previous[p]], rows[..., following[p]], gamma[p]
        diff = b - a
        out[p] = np.where(has_nan, last, b - diff * (1 - t) if t >= 0.5 else a + diff * t)
    return out
