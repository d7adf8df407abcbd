"""The few operations the methodology kernels are written against, for Python scalars and arrays.

Each kernel (``points``, ``categories``, ``adjustments``, ``final_score``, ``payment``) states its
rule once, in terms of :func:`ops`: called with plain Python numbers (what one Excel cell passes)
it gets :data:`SCALAR`, which computes with ``math`` and conditionals and never builds a numpy
array (a numpy call on a 1-element array costs 1-5 µs, the whole rule in plain Python a few
hundred ns); called with arrays (the cohort API) it gets :data:`ARRAY`, which is numpy itself.

Both give the same bits: every primitive of :data:`SCALAR` performs the same IEEE operations as its
numpy counterpart (``where``, ``clip`` and ``minimum`` keep NaN as numpy does, ``div`` divides by
zero as numpy does under ``errstate(divide="ignore")``, ``round`` is numpy's ``rint(x * 10**d) /
10**d``), and ``exp`` *is* numpy's exp (it differs from ``math.exp`` in the last bit for a few
percent of arguments). ``tests/model/test_primitives.py`` checks scalar == array with hypothesis.
"""

from __future__ import annotations

import math
from bisect import bisect_right

import numpy as np

__all__ = ["ops", "is_scalar", "SCALAR", "ARRAY"]

#: the exact classes taken as plain scalars (numpy scalars and arrays take the numpy path)
SCALAR_TYPES = frozenset((float, int, bool))
_FLOAT_MAX = float(np.finfo(float).max)


def is_scalar(*values) -> bool:
    """Every value a plain Python float, int or bool (not a numpy scalar, list or array)."""
    for v in values:
        if v.__class__ not in SCALAR_TYPES:
            return False
    return True


class _Scalar:
    """The primitives on Python scalars (results are Python floats and bools)."""

    float = float
    bool = bool
    isnan = staticmethod(math.isnan)

    @staticmethod
    def where(cond, a, b):
        return a if cond else b

    @staticmethod
    def not_(a) -> bool:
        return not a

    @staticmethod
    def and_(a, b) -> bool:
        return bool(a) and bool(b)

    @staticmethod
    def or_(a, b) -> bool:
        return bool(a) or bool(b)

    @staticmethod
    def nan_to_num(x):
        if x != x:
            return 0.0
        if x in (math.inf, -math.inf):
            return math.copysign(_FLOAT_MAX, x)
        return x

    int8 = int

    @staticmethod
    def clip(x, lo, hi):
        m = x if (x > lo or x != x) else lo  # np.maximum(x, lo): NaN stays, a tie gives lo (signed zeros)
        return m if (m < hi or m != m) else hi

    @staticmethod
    def minimum(a, b):
        return a if (a < b or a != a) else b  # as np.minimum: NaN wins, a tie gives b (signed zeros)

    @staticmethod
    def div(a, b):
        if b != 0.0:
            return a / b
        if a != a or a == 0.0:
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)

    @staticmethod
    def exp(x):
        return float(np.exp(x))  # numpy's exp: the array path's bits

    @staticmethod
    def round(x, decimals: int):
        if not math.isfinite(x):
            return x
        if decimals == 0:
            return math.copysign(float(round(x)), x)  # round half to even, as np.rint (-0.4 -> -0.0, as it)
        f = 10.0 ** decimals
        y = x * f
        return math.copysign(float(round(y)), y) / f if math.isfinite(y) else y / f

    @staticmethod
    def search(starts, x, lo: int) -> int:
        """Index where x goes in the sorted ``starts`` after equal values, from ``lo``."""
        return bisect_right(starts, x, lo)

    @staticmethod
    def pick(table, a, b):
        """``table[2 a + b]`` for two conditions: one of four values."""
        return table[2 * bool(a) + bool(b)]


class _Array:
    """The primitives on arrays: numpy."""

    @staticmethod
    def float(x):
        return np.asarray(x, dtype=float)

    @staticmethod
    def bool(x):
        return np.asarray(x, dtype=bool)

    isnan = staticmethod(np.isnan)
    where = staticmethod(np.where)
    not_ = staticmethod(np.logical_not)
    and_ = staticmethod(np.logical_and)
    or_ = staticmethod(np.logical_or)
    nan_to_num = staticmethod(np.nan_to_num)

    @staticmethod
    def int8(x):
        return np.asarray(x).astype(np.int8)
    clip = staticmethod(np.clip)
    minimum = staticmethod(np.minimum)
    exp = staticmethod(np.exp)
    round = staticmethod(np.round)

    @staticmethod
    def div(a, b):
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # as Python floats do
            return np.divide(a, b)

    @staticmethod
    def search(starts, x, lo: int):
        return lo + np.searchsorted(np.asarray(starts)[lo:], x, side="right")

    @staticmethod
    def pick(table, a, b):
        return np.asarray(table, dtype=float)[np.asarray(a, dtype=np.intp) * 2 + np.asarray(b, dtype=np.intp)]


SCALAR = _Scalar()
ARRAY = _Array()


def ops(*values):
    """:data:`SCALAR` when every value is a plain Python number, else :data:`ARRAY`."""
    for v in values:
        if v.__class__ not in SCALAR_TYPES:
            return ARRAY
    return SCALAR
