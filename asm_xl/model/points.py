"""Measure achievement points from a benchmark ladder (spec 3.1) [MIPS].

Vectorized: ``rates`` may be a scalar or an array; the result has its shape (a plain Python number
in gives a plain number out, :mod:`asm_xl.model.primitives`).
"""

from __future__ import annotations

import math

import numpy as np

from asm_xl.model.benchmarks import Ladder
from asm_xl.model.primitives import ARRAY, ops
from asm_xl.model.settings import DEFAULT_SETTINGS

__all__ = ["points_on_ladder", "to_ladder_units", "cap_bites", "most_points"]

#: Decimals kept when a user's rate is converted to ladder units: 0.57 * 100 is
#: 56.99999999999999 in binary floating point and must reach a decile starting at 57.
LADDER_UNIT_DECIMALS = 9


def to_ladder_units(rates, scale: float) -> np.ndarray:
    """rate x scale, rounded to 1e-9 to undo binary noise (fraction 0.57 → 57 percent)."""
    xp = ops(rates, scale)
    return xp.round(xp.float(rates) * scale, LADDER_UNIT_DECIMALS)


def points_on_ladder(rates, ladder: Ladder, *, cap: float = DEFAULT_SETTINGS.topped_out_cap, decimals: int = -1) -> np.ndarray:
    """Achievement points (1-10, partial points) of rates against a ladder.

    Parameters
    ----------
    rates : float or array_like
        In the user's units (fractions for proportion measures); multiplied by ``ladder.scale``.
    ladder : Ladder
        Decile start values B1..B10 (better direction), ``inverse``, ``topped_out``.
    cap : float
        Most points when the ladder is topped out by program (``Settings.topped_out_cap``) [ASSUMPTION: the
        MIPS rule; no ASM source mentions it].
    decimals : int
        Round points to this many decimals (CMS reports 4); -1 keeps full precision.

    Notes
    -----
    With x the rate in ladder units, "reaches B" meaning x >= B (direct) or x <= B (inverse)::

        k      = max{ j in 2..10 : x reaches B_j },  or 1 if there is none
        points = 10                                   if k = 10
               = 1                                    if k = 1 and x does not reach B1
               = k + |x - B_k| / |B_(k+1) - B_k|      otherwise
        points = min(points, cap)                     if topped out by program
        points = NaN                                  if x is NaN (no rate: callers score it as not given)

    Equal start values make empty deciles, which the search skips: B_(k+1) is never reached, so
    it differs from B_k and the division is safe. [MIPS, 42 CFR 414.1380(b)(1)]

    Examples
    --------
    >>> from asm_xl.model.benchmarks import Ladder
    >>> lad = Ladder((0, 10, 20, 30, 40, 50, 60, 70, 80, 90), scale=100)
    >>> float(points_on_ladder(0.65, lad))
    7.5
    """
    xp = ops(rates)
    sign = -1.0 if ladder.inverse else 1.0
    b = [sign * float(v) for v in ladder.starts] if xp is not ARRAY else sign * np.asarray(ladder.starts, dtype=float)
    # b is non-decreasing in the better direction
    x = sign * to_ladder_units(rates, ladder.scale)
    k = xp.search(b, x, 1)  # highest decile in 2..10 reached, else 1
    lo = b[xp.minimum(k, 10) - 1]
    hi = b[xp.minimum(k, 9)]  # B_(k+1); unused when k = 10
    partial = k + xp.div(x - lo, hi - lo)
    pts = xp.where(k >= 10, 10.0, xp.where(xp.and_(k == 1, x < b[0]), 1.0, partial))
    pts = xp.where(xp.isnan(x), math.nan, pts)   # no rate: no points (the search put NaN past B10: 10 points)
    if ladder.topped_out:
        pts = xp.minimum(pts, cap)
    if decimals >= 0:
        pts = xp.round(pts, decimals)
    return pts


def most_points(ladder: Ladder, *, cap: float = DEFAULT_SETTINGS.topped_out_cap) -> float:
    """The most points a measure can earn on ``ladder``: 10, or ``cap`` when the ladder is topped out by
    program (the cap of :func:`points_on_ladder`) [MIPS 414.1380(b)(1); ASSUMPTION topped_out_cap].

    >>> from asm_xl.model.benchmarks import Ladder
    >>> most_points(Ladder(tuple(range(10)))), most_points(Ladder(tuple(range(10)), topped_out=True))
    (10.0, 7.0)
    """
    return float(min(10.0, cap)) if ladder.topped_out else 10.0


def cap_bites(rates, ladder: Ladder, *, cap: float = DEFAULT_SETTINGS.topped_out_cap) -> np.ndarray:
    """True where the topped-out cap lowers the points (uncapped points above ``cap``): the effect of
    the [ASSUMPTION] ``topped_out_cap``, shown in the measure's status."""
    if not ladder.topped_out:
        return np.zeros(np.shape(rates), dtype=bool)
    return points_on_ladder(rates, ladder, cap=10.0) > cap
