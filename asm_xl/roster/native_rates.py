"""A warning for a native-unit rate typed as a fraction: every quality rate of the roster is a fraction
(0.72 or 72%) except a measure stated in its own units, such as HF's Q492 in admissions per 100
person-years (its MIPS ladder runs from about 60 to 79). A Q492 rate of 0.724 meant as 72.4 scored 10
points, the best, without a word."""

from __future__ import annotations

import numpy as np
import pandas as pd

from asm_xl.model.categories import FRACTION_LIKE
from asm_xl.model.parameters import cohorts
from asm_xl.model.validation import typed_number

__all__ = ["native_rates_as_fractions", "FRACTION_LIKE", "percent_typed_as_fraction"]



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


#: the columns where "0.9%" most likely meant 90% [ASSUMPTION: a PI score under 1% is no score a clinician
#: reports: the PI category scores 0 when reporting is incomplete, typed as 0]
PERCENT_SLIP_COLUMNS = ("pi_score",)


def percent_typed_as_fraction(df: pd.DataFrame, rows: np.ndarray) -> list[str]:
    """A warning per column of :data:`PERCENT_SLIP_COLUMNS` holding a percentage of at most 1% ("0.9%"):
    the fraction 0.9 with a % sign added by habit reads as 0.009 (scored as given: the value is allowed)."""
    out = []
    for column in PERCENT_SLIP_COLUMNS:
        if column not in df.columns:
            continue
        values = df[column].to_numpy(dtype=object)
        slips = np.array([isinstance(v, str) and v.strip().endswith("%") and _at_most(v.strip()[:-1], 1.0)
                          and _number(v) > 0 for v in values], dtype=bool)
        if not slips.any():
            continue
        example = str(values[slips][0]).strip()
        which = ", ".join(str(r) for r in rows[slips][:5]) + (f" and {int(slips.sum()) - 5} more" if slips.sum() > 5 else "")
        out.append(f"{int(slips.sum())} row(s) give {column} as 1% or less (e.g. {example}, which is "
                   f"{_number(example):g}): did you mean {float(example[:-1]) * 100:g}% ({example[:-1]})? "
                   f"scored as given (row{'s' if slips.sum() > 1 else ''} {which})")
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
