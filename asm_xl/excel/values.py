"""Excel-shaped input normalization: what xlwings (or the headless engine) passes → Python values.

Excel hands a function scalars (float, str, bool), ``None`` for a blank cell, error values
(xlwings: ``None`` by default, or strings such as "#N/A"; our headless engine: the strings), and
ranges as flat lists (one row or column) or lists of lists. Everything here turns those into the
core's types or raises :class:`ExcelError` with the Excel error to show and a reason.
"""

from __future__ import annotations

import math
from itertools import chain
from numbers import Real

from asm_xl.model.errors import ASMInputError, as_typed
from asm_xl.model.validation import as_bool, percent_hint, thousands_dot_ambiguous, typed_number

__all__ = ["ExcelError", "ERROR_VALUES", "is_error", "is_blank", "flatten", "number", "optional_number", "optional_whole",
           "whole", "boolean", "text", "vector", "content_key", "NOT_APPLICABLE", "NOT_SCORED", "EXCLUDED", "is_not_applicable", "is_excluded",
           "reject_input_error", "percentile", "reads_as_number"]

#: Texts the measure cells show instead of a blank: an empty cached text makes LibreOffice
#: recalculate the cell on load (and show #NAME? without the add-in), a visible text does not.
NOT_APPLICABLE = "n/a"   #: completeness or cases of an administrative-claims measure (CMS computes them)
NOT_SCORED = "-"         #: achievement points of a measure that is not scored
EXCLUDED = "excluded"    #: points counted of a measure excluded from the quality score

ERROR_VALUES = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
                "#SPILL!", "#CALC!")


class ExcelError(Exception):
    """An Excel error value to return (``code``: "#VALUE!", "#NUM!", "#N/A") and why."""

    def __init__(self, code: str, reason: str):
        assert code in ERROR_VALUES
        self.code = code
        self.reason = reason
        super().__init__(f"{code} {reason}")

    @classmethod
    def from_input_error(cls, err: ASMInputError) -> "ExcelError":
        """The error a value an argument does not take shows, by Excel's own convention (``=SQRT("high")``
        is #VALUE!, ``=SQRT(-1)`` #NUM!): #NUM! for a number (a rate of 150%, the year 2026, also typed
        as text: "150%"), #VALUE! for anything else: a blank (as every blank argument), text that is not
        a number ("high" as a rate, "XX" as a cohort), a logical where a number is needed.

        >>> [ExcelError.from_input_error(ASMInputError("rate", v, "a fraction")).code
        ...  for v in (1.5, "150%", "high", True, None)]
        ['#NUM!', '#NUM!', '#VALUE!', '#VALUE!', '#VALUE!']
        """
        return cls("#NUM!" if not err.blank and reads_as_number(err.value) else "#VALUE!", str(err))


def reads_as_number(v: object) -> bool:
    """A number, text that reads as one (:func:`~asm_xl.model.validation.typed_number`, "85%" too), or a
    pair of them (a setting's (low, high) range); a logical is not one."""
    if isinstance(v, bool):
        return False
    if isinstance(v, tuple) and v:
        return all(map(reads_as_number, v))
    if isinstance(v, Real):   # (numpy's numbers too)
        return True
    if isinstance(v, str):
        try:
            typed_number(v, percent=True)
        except ValueError:
            return False
        return True
    return False


_ERROR_SET = frozenset(ERROR_VALUES)


_ROWS = frozenset((list, tuple))


def content_key(v: object) -> tuple:
    """A hashable key of a cell value or a range by its content, type-exact: 1, 1.0 and TRUE stay
    apart (a function may read them differently), so equal keys mean calls that give equal results.

    A value is ``(its class, itself)``. A rectangular range (rows of cells, lists or tuples) is
    ``(columns, its cells row by row, their classes)``, built by passes in C: a 74-row, 2-column
    range in ~6 us where a tuple per cell took ~26 us (workbook evaluations key every range an
    ``ASM_*`` call reads). Any other shape (ragged rows, a cell holding a range) is the tuple of its
    rows' keys. A cell that cannot be hashed makes the key unhashable (``hash`` raises TypeError).
    """
    cls = v.__class__
    if cls is not list and cls is not tuple:
        return (cls, v)
    if v and _ROWS.issuperset(map(type, v)):
        columns = len(v[0])
        if len(set(map(len, v))) == 1:
            flat = tuple(chain.from_iterable(v))
            classes = tuple(map(type, flat))
            if list not in classes and tuple not in classes:
                return (columns, flat, classes)
    return ("rows", tuple([content_key(r) for r in v]))


def is_error(v: object) -> bool:
    """An Excel error value given as text ("#N/A", "#VALUE!" ...)."""
    return isinstance(v, str) and "#" in v and v.strip().upper() in _ERROR_SET


def is_blank(v: object) -> bool:
    """A blank cell: None, "", or a float NaN (pandas-style blank)."""
    if v is None:
        return True
    cls = v.__class__
    if cls is float:
        return v != v
    if cls is int or cls is bool:
        return False
    return (isinstance(v, str) and v.strip() == "") or (isinstance(v, float) and math.isnan(v))


def flatten(name: str, v: object) -> list:
    """A row, a column or a single cell → flat list. A 2-D block (rows and columns > 1) → #VALUE!."""
    if isinstance(v, tuple):
        v = list(v)
    if not isinstance(v, list):
        return [v]
    if v and v[0].__class__ is list and all(r.__class__ is list and len(r) == 1 for r in v):
        return [r[0] for r in v]  # a column, as a workbook passes it: decided at once
    if v and all(isinstance(r, (list, tuple)) for r in v):
        rows = [list(r) for r in v]
        if len(rows) == 1:
            return rows[0]
        if all(len(r) == 1 for r in rows):
            return [r[0] for r in rows]
        raise ExcelError("#VALUE!", f"{name}: expected one row or one column, got {len(rows)}x{len(rows[0])}")
    if any(isinstance(x, (list, tuple)) for x in v):
        raise ExcelError("#VALUE!", f"{name}: ragged range")
    return v


def _scalar(name: str, v: object) -> object:
    if v is None or v.__class__ is float or v.__class__ is str:
        return v
    if isinstance(v, (list, tuple)):
        flat = flatten(name, v)
        if len(flat) != 1:
            raise ExcelError("#VALUE!", f"{name}: expected a single cell, got {len(flat)} cells")
        v = flat[0]
    return v


def number(name: str, v: object, *, minimum: float | None = None, maximum: float | None = None,
           allowed: str = "", percent: bool | None = None, grouped: bool = False) -> float:
    """A number; text numbers as Excel exports them are read by the roster's one rule,
    :func:`~asm_xl.model.validation.typed_number` ("0.7", "1,000", "$300,000", "(1,250)"), a percent
    sign ("70%" → 0.70) where ``percent`` (by default: where the argument is a fraction, ``maximum``
    1); blank → #VALUE!; TRUE or FALSE → #VALUE! (Excel's arithmetic reads TRUE as 1, but a logical is no
    payments, score or count, and the scoring core refuses it: ASM_IMPACT(TRUE, 250000) gave 250000).

    ``grouped``: dollars or a count, where text "416.569" is refused as ambiguous (a thousands dot?), as
    the roster refuses it. Out of range → #NUM!; an error value → that error passes through.
    """
    if v.__class__ is float or v.__class__ is int:  # the common case, decided at once
        x = float(v)
        if math.isfinite(x) and (minimum is None or x >= minimum) and (maximum is None or x <= maximum):
            return x
    v = _scalar(name, v)
    if is_error(v):
        raise ExcelError(str(v).strip().upper(), f"{name} is an error value {v}")
    if is_blank(v):
        raise ExcelError("#VALUE!", f"{name} is blank: {allowed or 'a number is needed'}")
    if isinstance(v, bool):   # TRUE is no payments, score or count: the scoring core refuses it too
        shown = "TRUE" if v else "FALSE"
        raise ExcelError("#VALUE!", f"{name}: {shown} is not a number ({allowed or 'a number is needed'})")
    if isinstance(v, Real):
        x = float(v)
    elif isinstance(v, str):
        try:
            x = typed_number(v, percent=maximum == 1.0 if percent is None else percent, grouped=grouped)
        except ValueError as e:   # "high": #VALUE!; a number, but not here ("50%" as cost points): #NUM!
            bad_form = not reads_as_number(v) or (grouped and thousands_dot_ambiguous(v))   # "416.569": #VALUE!
            # text that is no number says what is ("'yes' is not a number" named nothing the cell takes)
            takes = allowed or (_range(minimum, maximum) if minimum is not None or maximum is not None else "")
            what = f" ({takes})" if takes and not reads_as_number(v) else ""
            raise ExcelError("#VALUE!" if bad_form else "#NUM!", f"{name}: {e}{what}") from None
    else:
        raise ExcelError("#VALUE!", f"{name}: {v!r} is not a number")
    if not math.isfinite(x):
        raise ExcelError("#NUM!", f"{name}: {v!r} is not a finite number")
    if (minimum is not None and x < minimum) or (maximum is not None and x > maximum):
        # a fraction given as a percent (90 for 90%): the hint the roster gives, "; did you mean 90%?"
        hint = percent_hint(v) if minimum == 0 and maximum == 1.0 and percent is not False else ""
        raise ExcelError("#NUM!", f"{name}: {as_typed(v)} is not allowed ({allowed or _range(minimum, maximum)}{hint})")
    return x


def optional_number(name: str, v: object, default: float | None, **kw) -> float | None:
    """:func:`number`, or ``default`` for a blank cell."""
    if v is None:
        return default
    v = _scalar(name, v)
    return default if is_blank(v) else number(name, v, **kw)


def percentile(name: str, v: object, default: float) -> float:
    """A percentile from 0 to 100 (10 for P10); blank → ``default``.

    A value strictly between 0 and 1 (0.1, "10%") is #NUM!: it reads as a fraction meant as P10, and
    taken as given it would be the 0.1th percentile, a silently wrong number [ASSUMPTION: P1 and
    below are never asked for as fractions of a percent].
    """
    x = optional_number(name, v, default, minimum=0, maximum=100, allowed="a percentile from 0 to 100",
                        percent=True)
    if 0.0 < x < 1.0:
        raise ExcelError("#NUM!", f"{name}: {as_typed(_scalar(name, v))} looks like a fraction; give the percentile from 0 to 100 "
                                  f"({x * 100:g} for P{x * 100:g})")
    return x


def whole(name: str, v: object, **kw) -> int:
    """A whole number (20, 20.0, "20"); 2.5 → #NUM!."""
    x = number(name, v, **kw)
    if not x.is_integer():
        raise ExcelError("#NUM!", f"{name}: {x:g} is not a whole number")
    return int(x)


def optional_whole(name: str, v: object, default: float | None, **kw) -> float | None:
    """:func:`whole` (as a float), or ``default`` for a blank cell: 30.5 episodes or 2.5 clinicians → #NUM!."""
    x = optional_number(name, v, default, **kw)
    if x is not None and x is not default and not float(x).is_integer():
        raise ExcelError("#NUM!", f"{name}: {x:g} is not a whole number")
    return x


def boolean(name: str, v: object, default: bool) -> bool:
    """A yes/no cell as the roster reads it (:func:`~asm_xl.model.validation.as_bool`: TRUE/FALSE, yes/no,
    1/0, x or done for yes); blank → ``default``; an error value passes through (as :func:`number`'s);
    anything else → #VALUE! naming every word it takes."""
    if v is None:
        return default
    if v.__class__ is bool:
        return v
    v = _scalar(name, v)
    if is_error(v):
        raise ExcelError(str(v).strip().upper(), f"{name} is an error value {v}")
    if is_blank(v) or v.__class__.__name__ in ("NAType", "NaTType"):   # pandas' missing values are blanks
        return default
    try:
        return as_bool(name, v)
    except ASMInputError as e:
        raise ExcelError.from_input_error(e) from None


def text(name: str, v: object) -> str:
    """Text of one cell (236.0 → "236"); blank → #VALUE!; an error value passes through."""
    if v.__class__ is str and "#" not in v:
        t = v.strip()
        if t:
            return t
    v = _scalar(name, v)
    if is_error(v):
        raise ExcelError(str(v).strip().upper(), f"{name} is an error value {v}")
    if is_blank(v):
        raise ExcelError("#VALUE!", f"{name} is blank")
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def reject_input_error(name: str, v: object) -> None:
    """Raise for an Excel error value in an input of a category score (ASM_QUALITY, ASM_COST).

    A category's ``#N/A`` means "not scored" (ASM_FINAL then moves its weight to the other category,
    REG), so an ``#N/A`` reaching it from an input cell (``=NA()`` in a rate) must not read as one: it
    becomes ``#VALUE!`` naming the argument and the error. Any other error value passes through as it
    is (``=1/0`` in an input shows ``#DIV/0!`` down to the final score). Not an error: nothing.
    """
    if is_error(v):
        code = v.strip().upper()
        raise ExcelError("#VALUE!" if code == "#N/A" else code, f"{name}: {code} (an error in a cell it reads)")


def is_not_applicable(v: object) -> bool:
    """The "n/a" marker (any case) of a measure cell."""
    return isinstance(v, str) and v.strip().casefold() == NOT_APPLICABLE


def is_excluded(v: object) -> bool:
    """The "excluded" marker (any case) of a measure's points counted."""
    return isinstance(v, str) and v.strip().casefold() == EXCLUDED


def vector(name: str, v: object) -> list:
    """A range argument as a flat list (blanks kept as None)."""
    return [None if is_blank(x) else x for x in flatten(name, v)]


def _range(lo, hi) -> str:
    if lo is not None and hi is not None:
        return f"between {lo:g} and {hi:g}"
    if lo is not None:
        return f">= {lo:g}"
    return f"<= {hi:g}"
