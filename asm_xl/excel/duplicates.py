"""A measure entered on more than one row of a workbook's measure table counts once, on its first row.

The one rule for every reader of the table: the Score sheet's ``ASM_MEASURE`` cells (given the rows
entered so far, a later row of a measure says it does not count, shows no completeness, cases or
points, and counts as excluded, so ``ASM_QUALITY`` and ``ASM_MIN_SUBMISSION`` read it once) and
``ASM_ACTIONS`` (which re-scores the first row, never the uncounted one). The scoring core never
meets the case: a roster has one column group per measure, and the scalar API refuses a measure
given twice.
"""

from __future__ import annotations

from functools import lru_cache

from asm_xl.excel import values as xv
from asm_xl.model.errors import ASMInputError
from asm_xl.model.parameters import normalize_measure_id

__all__ = ["measure_key", "first_rows", "not_counted_status"]


def measure_key(v: object) -> str | None:
    """The measure a cell names, to compare rows: its MIPS number ("Q236", "q236 ", "236", 236 and
    236.0 are one measure); other text compares as itself (case and spaces aside); a blank cell or an
    error value names none (None). Kept per distinct (type, value): every workbook's table names the
    same few measures."""
    try:
        return _measure_key(v)
    except TypeError:  # not hashable
        return _key_of(v)


@lru_cache(maxsize=4096, typed=True)   # typed: TRUE and 1 are different cells
def _measure_key(v: object) -> str | None:
    return _key_of(v)


def _key_of(v: object) -> str | None:
    if xv.is_blank(v) or xv.is_error(v):
        return None
    try:
        return normalize_measure_id(v)
    except ASMInputError:
        return str(v).strip().casefold()


def first_rows(measures) -> list[int | None]:
    """For each row of a measure table, the row (0-based) that counts for its measure.

    Rule [ASSUMPTION: MIPS scores a measure once per submission; a workbook is one submission]::

        first_rows[i] = the first row j <= i with measure_key(row j) = measure_key(row i)
                      = None                        for a blank row
        row i counts  = first_rows[i] = i

    A measure entered again is a second entry of the same submission, not a second submission: the
    first counts, as ``asm-xl import-qpp`` keeps a measure's first report in a submission. (MIPS scores
    a measure reported through two collection types on the one with more points; choosing the first
    instead means a row added below never changes the score, and a row needs no row below it.)
    """
    keys = tuple(map(measure_key, measures))
    return list(_first_of(keys))


@lru_cache(maxsize=4096)
def _first_of(keys: tuple) -> tuple:
    seen: dict[str, int] = {}
    return tuple(None if key is None else seen.setdefault(key, i) for i, key in enumerate(keys))


def not_counted_status(measure: object, first: int, row: int) -> str:
    """The status of a row that does not count (``first``, ``row``: 0-based rows of the table), e.g.
    "Not counted: Q236 entered twice, the first Q236 row (the table's 1st measure) counts, not this one (its
    5th)": the table's own order, which a sheet's row numbers do not show (the Inputs sheet's table starts
    at row 17)."""
    key = measure_key(measure)
    label = f"Q{key}" if key is not None and key.isdigit() else str(measure).strip()
    return (f"Not counted: {label} entered twice, the first {label} row (the table's {_ordinal(first + 1)} measure) "
            f"counts, not this one (its {_ordinal(row + 1)})")


def _ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th ... 11th, 12th, 13th, 21st."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
