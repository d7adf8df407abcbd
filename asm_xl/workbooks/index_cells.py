"""The cells of the index's rows that are not a workbook's own numbers: a cached value as the index shows
it, the rank in the roster's cohort (or why there is none), a kept file's cohort and year."""

from __future__ import annotations

import math

import pandas as pd

from asm_xl.workbooks.dashboard.data import EXCEPTION_OUTLOOK, NOT_PARTICIPATING_OUTLOOK

__all__ = ["clean_number", "rank_cell", "text_or_none", "whole_or_none"]


def clean_number(v):
    """A cached result as the index shows it: a number, or None for blank, NaN or an error value."""
    if isinstance(v, str):
        return None  # an error value: shown blank in the index
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    return float(v)


def rank_cell(rank, excepted: bool, absent: bool = False) -> int | str | None:
    """The index's rank cell: 1 = highest final score in the roster's cohort; a physician with an
    exception is out of the cohort's pool, so not ranked, and the cell says why, in the dashboard's
    words (:data:`~asm_xl.workbooks.dashboard.data.EXCEPTION_OUTLOOK`), as for one CMS's participants
    file lists as not participating in the year (``absent``: no ASM adjustment, the dashboard's $0;
    :data:`~asm_xl.workbooks.dashboard.data.NOT_PARTICIPATING_OUTLOOK`; the workbook's exceptions range says
    so too, factor and dollars 0); blank without a final score. Alone in the cohort: 1
    (of 1), as ``asm-xl score`` ranks him (the cell was blank beside "Of" 1)."""
    if absent:
        return NOT_PARTICIPATING_OUTLOOK
    if excepted:
        return EXCEPTION_OUTLOOK
    return None if pd.isna(rank) else int(rank)


def text_or_none(v) -> str | None:
    """A cell's text, stripped; None for blank."""
    return None if v is None or str(v).strip() == "" else str(v).strip()


def whole_or_none(v) -> int | None:
    """A whole number (2027.0 -> 2027); None for anything else."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return int(f) if f.is_integer() else None
