"""Comparing cached values with fresh ones (``recalc --check``), the same rule for both engines."""

from __future__ import annotations

import math
import numbers
from typing import Any, NamedTuple

__all__ = ["Difference", "same_value"]


class Difference(NamedTuple):
    """A formula cell whose cached value differs from a fresh calculation."""

    sheet: str
    cell: str
    cached: Any
    fresh: Any


def same_value(cached: Any, fresh: Any) -> bool:
    """Whether a cached value equals a fresh one: numbers within rel 1e-9 / abs 1e-9 (bools are
    not numbers here), anything else of the same type and equal; a missing cached value (None)
    is never the same. The absolute 1e-9 absorbs two engines' operation order on a value that is 0
    (the formulas library gave 7.3e-11 dollars for a cached 0.0), a billionth of a dollar or of a
    factor, far below anything shown."""
    if cached is None:
        return False
    num = (numbers.Real,)
    if isinstance(cached, num) and isinstance(fresh, num) and \
            not isinstance(cached, bool) and not isinstance(fresh, bool):
        return math.isclose(cached, fresh, rel_tol=1e-9, abs_tol=1e-9)
    return type(cached) is type(fresh) and cached == fresh
