"""Numbers in a semicolon-separated CSV (Excel's CSV where the comma is the decimal separator), or in a
tab-separated one written with decimal commas (Excel's "Unicode Text" where the comma is the decimal
separator: :func:`writes_decimal_commas` tells it from the file's fractions, rates and points).

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

__all__ = ["decimal_comma", "dot_group", "may_be_grouped", "writes_decimal_commas", "AMBIGUOUS", "AMBIGUOUS_DOT",
           "marked_reason"]

#: a number written with a decimal comma (and dots between thousands): 416569,50 or 1.250,50; 69,0% (a percent)
_DECIMAL_COMMA = re.compile(r"\s*[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+),\d+\s*%?\s*")
#: a number with a decimal comma or a decimal point and no grouping (0,8242 or 0.8242; 69,0% or 1.8)
_PLAIN_DECIMAL = re.compile(r"\s*[+-]?\d*[.,]\d+\s*%?\s*")
#: one separator followed by exactly three digits, after 1-3 digits not starting with 0: 312,450 or 312.450
_AMBIGUOUS = re.compile(r"\s*[+-]?[1-9]\d{0,2}[.,]\d{3}\s*")
#: what an ambiguous cell reads as (text no number check accepts), the value kept in it
AMBIGUOUS = ("{value} (ambiguous in a file with decimal commas ({plain} or {decimal}?): a decimal comma or a "
             "thousands separator: write it without grouping)")
#: what such a cell of a comma-separated file reads as (text no number check accepts), the value kept in it
AMBIGUOUS_DOT = "{value} (" + THOUSANDS_DOT_REASON + ")"


def may_be_grouped(column: str) -> bool:
    """Whether a column holds numbers a thousands separator may group: dollars and counts (payments, an
    episode cost, episodes, clinicians, eligible and reported cases). A fraction, a rate or points is not
    in the thousands: there "1,000" is 1.000 and "66,667" 66.667, with a decimal comma."""
    return column in _GROUPED_COLUMNS or column.endswith(("_eligible", "_reported"))


_GROUPED_COLUMNS = frozenset(("part_b_payments", "episode_cost", "cost_episodes", "practice_size"))


def writes_decimal_commas(rows, grouped: list[bool]) -> bool:
    """Whether a tab-separated file's numbers have decimal commas: some cell of a column no thousands separator
    groups (a fraction, a rate, points: ``grouped`` False, :func:`may_be_grouped`) is written with a decimal
    comma (0,8242; 69,0%) and none with a decimal point. Dollars and counts say nothing: 416,569 is a
    thousands group in one convention, a decimal in the other.

    >>> writes_decimal_commas([["Okafor, A", "0,8242", "416,569"]], [False, False, True])
    True
    >>> writes_decimal_commas([["0,8242"], ["0.75"]], [False]), writes_decimal_commas([["1,250"]], [True])
    (False, False)
    """
    comma = False
    for row in rows:
        for k, cell in enumerate(row):
            if (k < len(grouped) and grouped[k]) or not _PLAIN_DECIMAL.fullmatch(cell):
                continue
            if "." in cell:
                return False
            comma = True
    return comma


def decimal_comma(cell: str, grouped: bool = True) -> str:
    """A cell of a semicolon-separated file with its decimal comma as a point; a number that is ambiguous
    in a column of dollars or counts (``grouped``: :func:`may_be_grouped`) marked (:data:`AMBIGUOUS`);
    other text unchanged.

    >>> decimal_comma("416569,50"), decimal_comma("1.250,50"), decimal_comma("Okafor, Adaeze")
    ('416569.50', '1250.50', 'Okafor, Adaeze')
    >>> decimal_comma("0,750"), decimal_comma("1.250.000,75"), decimal_comma("1,000", grouped=False)
    ('0.750', '1250000.75', '1.000')
    >>> decimal_comma("312,450")[:68], decimal_comma(" 69,0 %")
    ('312,450 (ambiguous in a file with decimal commas (312450 or 312.45?)', '69.0 %')
    """
    if grouped and _AMBIGUOUS.fullmatch(cell):   # its two readings: 312450, or 312.45
        value = cell.strip()
        return AMBIGUOUS.format(value=value, plain=value.replace(",", "").replace(".", ""),
                                decimal=f"{float(value.replace(',', '.')):g}")
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
