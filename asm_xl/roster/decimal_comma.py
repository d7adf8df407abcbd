"""Numbers in a semicolon-separated CSV (Excel's CSV where the comma is the decimal separator).

Such a file writes 416569,50 for 416,569.50, and 1.250,50 where a cell showed thousands dots. Two
forms cannot be read safely there in a column of dollars or counts: one comma or one dot followed by
exactly three digits ("312,450", "312.450") is a decimal in one convention and a thousands group in the
other, a factor of 1,000 on a payment. Such a cell is never guessed: it is marked so that the roster's
check rejects it, naming the column, the value and how to write it. A fraction, rate or points column
is never in the thousands: its comma is the decimal one.

A comma-separated file has the same trap the other way round: "250.000" in a column of dollars or
counts is $250 with a decimal point and $250,000 with a thousands dot (a European habit); no dollar
amount or count is written with three decimals, so it is marked too (:func:`dot_group`).
"""

from __future__ import annotations

import re

from asm_xl.model.validation import THOUSANDS_DOT_REASON, thousands_dot_ambiguous

__all__ = ["decimal_comma", "dot_group", "may_be_grouped", "AMBIGUOUS", "AMBIGUOUS_DOT", "marked_reason"]

#: a number written with a decimal comma (and dots between thousands): 416569,50 or 1.250,50
_DECIMAL_COMMA = re.compile(r"\s*[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+),\d+\s*")
#: one separator followed by exactly three digits, after 1-3 digits not starting with 0: 312,450 or 312.450
_AMBIGUOUS = re.compile(r"\s*[+-]?[1-9]\d{0,2}[.,]\d{3}\s*")
#: what an ambiguous cell reads as (text no number check accepts), the value kept in it
AMBIGUOUS = ("{value} (ambiguous in a semicolon-separated file: a decimal comma or a thousands separator? "
             "write it without grouping, e.g. 312450 or 312,45)")
#: what such a cell of a comma-separated file reads as (text no number check accepts), the value kept in it
AMBIGUOUS_DOT = "{value} (" + THOUSANDS_DOT_REASON + ")"


def may_be_grouped(column: str) -> bool:
    """Whether a column holds numbers a thousands separator may group: dollars and counts (payments, an
    episode cost, episodes, clinicians, eligible and reported cases). A fraction, a rate or points is not
    in the thousands: there "1,000" is 1.000 and "66,667" 66.667, with a decimal comma."""
    return column in _GROUPED_COLUMNS or column.endswith(("_eligible", "_reported"))


_GROUPED_COLUMNS = frozenset(("part_b_payments", "episode_cost", "cost_episodes", "practice_size"))


def decimal_comma(cell: str, grouped: bool = True) -> str:
    """A cell of a semicolon-separated file with its decimal comma as a point; a number that is ambiguous
    in a column of dollars or counts (``grouped``: :func:`may_be_grouped`) marked (:data:`AMBIGUOUS`);
    other text unchanged.

    >>> decimal_comma("416569,50"), decimal_comma("1.250,50"), decimal_comma("Okafor, Adaeze")
    ('416569.50', '1250.50', 'Okafor, Adaeze')
    >>> decimal_comma("0,750"), decimal_comma("1.250.000,75"), decimal_comma("1,000", grouped=False)
    ('0.750', '1250000.75', '1.000')
    >>> decimal_comma("312,450")[:43]
    '312,450 (ambiguous in a semicolon-separated'
    """
    if grouped and _AMBIGUOUS.fullmatch(cell):
        return AMBIGUOUS.format(value=cell.strip())
    if _DECIMAL_COMMA.fullmatch(cell):
        return cell.strip().replace(".", "").replace(",", ".")
    return cell


def dot_group(cell: str, grouped: bool = True) -> str:
    """A cell of a comma- or tab-separated file, marked (:data:`AMBIGUOUS_DOT`) where it is a number with
    one dot followed by exactly three digits in a column of dollars or counts (``grouped``:
    :func:`may_be_grouped`); any other cell unchanged.

    >>> dot_group("250.000")[:35], dot_group("250.00"), dot_group("0.750"), dot_group("250.000", grouped=False)
    ('250.000 (ambiguous: a decimal point', '250.00', '0.750', '250.000')
    """
    if grouped and thousands_dot_ambiguous(cell):
        value = cell.strip()
        return AMBIGUOUS_DOT.format(value=value, plain=value.replace(".", ""), grouped=value.replace(".", ","))
    return cell


def marked_reason(value: object) -> tuple[str, str] | None:
    """(the cell as typed, why it is refused) of a cell :func:`decimal_comma` or :func:`dot_group` marked
    ambiguous; None for any other value. The roster's check names the cell by its own value and this reason,
    not by the generic rule of its column ("must be dollars between 0 and ...", which the value meets).

    >>> marked_reason(dot_group("250.000"))[0], marked_reason("250.000")
    ('250.000', None)
    """
    if not isinstance(value, str):
        return None
    for form in (AMBIGUOUS, AMBIGUOUS_DOT):
        head = form.split("{value}")[1].split("{")[0]   # " (ambiguous..." up to the first other field
        if head in value and value.endswith(")"):
            typed, _, why = value.partition(" (")
            return typed, why[:-1]
    return None
