"""A warning for a native-unit rate typed as a fraction: every quality rate of the roster is a fraction
(0.72 or 72%) except a measure stated in its own units, such as HF's Q492 in admissions per 100
person-years (its MIPS ladder runs from about 60 to 79). A Q492 rate of 0.724 meant as 72.4 scored 10
points, the best, without a word."""

from __future__ import annotations

import numpy as np
import pandas as pd

from asm_xl.model.parameters import cohorts
from asm_xl.model.validation import typed_number

__all__ = ["native_rates_as_fractions", "FRACTION_LIKE"]

#: a native-unit rate at most this reads as a fraction typed by habit [ASSUMPTION: no measure stated in its
#: own units has a rate of 1 or less: Q492's MIPS ladder starts at about 60 admissions per 100 person-years]
FRACTION_LIKE = 1.0


def native_rates_as_fractions(df: pd.DataFrame, rows: np.ndarray) -> list[str]:
    """A warning per measure in native units whose rate column holds values of at most
    :data:`FRACTION_LIKE` (scored as given: a warning, not an error, since the value is allowed)."""
    out = []
    for cohort in cohorts().values():
        for m in cohort.measures:
            column = f"{m.key}_rate"
            if m.proportion or column not in df.columns:
                continue
            low = np.array([_at_most(v, FRACTION_LIKE) for v in df[column].to_numpy(dtype=object)], dtype=bool)
            if not low.any():
                continue
            which = [str(r) for r in rows[low][:5]]
            more = f" and {int(low.sum()) - 5} more" if low.sum() > 5 else ""
            example = str(df[column].to_numpy(dtype=object)[low][0]).strip()
            meant = f"{_number(example) * 100:g}, not {example}" if _number(example) else "72.4, not 0.724"
            out.append(f"{int(low.sum())} row(s) give {column} {FRACTION_LIKE:g} or less (e.g. {example}): {m.label} "
                       f"is in {m.unit}, not a fraction ({meant}?); scored as given (rows {', '.join(which)}{more})")
    return out


def _number(text: str) -> float:
    try:
        return typed_number(text, percent=True)
    except ValueError:
        return 0.0


def _at_most(v: object, limit: float) -> bool:
    """Whether a cell (text as read, or a number) is a number at most ``limit``; a blank or any other text: no."""
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return v <= limit   # (NaN: False)
    if not isinstance(v, str) or not v.strip():
        return False
    try:
        return typed_number(v) <= limit
    except ValueError:   # not a number: the roster's check reports it
        return False
