"""Scalar input checks shared by every API. Each raises ASMInputError naming field, value, rule."""

from __future__ import annotations

import math
import re
from numbers import Real

from asm_xl.model.errors import ASMInputError

__all__ = ["MAX_DOLLARS", "DOLLARS_ALLOWED", "FRACTION_ALLOWED", "NATIVE_RATE_ALLOWED", "THOUSANDS_DOT_REASON",
           "thousands_dot_ambiguous", "typed_number", "percent_hint", "label_text", "not_a_number_note", "TRUE_WORDS", "FALSE_WORDS", "YES_NO_ALLOWED", "as_number", "as_fraction", "as_count", "as_whole", "as_bool", "is_blank"]


#: The largest dollar amount an input may hold: no physician's Medicare payments or episode cost comes
#: near $1 billion, and amounts near the float maximum made the scaling factor inf and factors NaN.
MAX_DOLLARS = 1e9
DOLLARS_ALLOWED = f"dollars between 0 and {MAX_DOLLARS:,.0f}"


#: what a fraction input may be (one text for every message: no parentheses, as messages put it in theirs)
FRACTION_ALLOWED = "a fraction between 0 and 1, where 70% is 0.70"
#: what a rate in a measure's own units may be, where the measure is not at hand to name its unit
NATIVE_RATE_ALLOWED = "a number >= 0 in the measure's own units (Q492: admissions per 100 person-years, e.g. 72.4, no % sign)"


def is_blank(value: object) -> bool:
    """None, NaN/pd.NA or an empty/whitespace string: a cell left empty."""
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    try:
        return bool(value != value)  # NaN and pd.NA
    except TypeError:
        return True  # pd.NA raises on bool()


_SPACES = str.maketrans("", "", " \u00a0\u2009\u202f")
# ASCII digits only: "١٢٣" (Arabic-Indic) read as 123, which no spreadsheet does
_GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d*)?|\d*\.?\d+(?:[eE][+-]?\d+)?|\d+\.", re.ASCII)


#: why "250.000" is refused as dollars or a count (``plain``: 250000, ``grouped``: 250,000)
THOUSANDS_DOT_REASON = ("ambiguous: a decimal point or a thousands dot? a dollar amount or a count has no three decimals: "
                        "write {plain}, or {grouped} with a thousands comma")
#: a dot followed by exactly three digits, after 1-3 digits not starting with 0 (a dollar sign allowed): 250.000
_DOT_GROUP = re.compile(r"\s*[+-]?\$?[1-9]\d{0,2}\.\d{3}\s*")


def thousands_dot_ambiguous(text: str) -> bool:
    """Whether a dollar amount or a count typed as text is "250.000": $250 with a decimal point or $250,000
    with a thousands dot (a European habit)? No dollar amount or count is written with three decimals, so
    it is never guessed (a factor of 1,000 on a payment).

    >>> thousands_dot_ambiguous("416.569"), thousands_dot_ambiguous("$250.000"), thousands_dot_ambiguous("416.57")
    (True, True, False)
    """
    return _DOT_GROUP.fullmatch(text) is not None


def typed_number(text: str, *, percent: bool = False, grouped: bool = False) -> float:
    """A number as Excel writes it when it exports formatted cells, where that is unambiguous.

    Accepted: surrounding spaces, thousands separators in groups of three (``1,250,000``), a dollar
    sign (``$1,250,000``, ``-$5``), a Unicode minus (``\u22125``), accounting negatives (``(1,250)``:
    the caller's minimum decides whether a negative is allowed) and, where ``percent`` (a fraction
    column), a percent sign (``85%`` -> 0.85). Anything else raises ValueError.

    >>> typed_number("$1,250,000"), typed_number("(1,250)"), typed_number("85%", percent=True)
    (1250000.0, -1250.0, 0.85)
    """
    if grouped and thousands_dot_ambiguous(text):   # (grouped: dollars or a count)
        value = text.strip()
        raise ValueError(f"{value!r} is " + THOUSANDS_DOT_REASON.format(plain=value.replace(".", ""),
                                                                       grouped=value.replace(".", ",")))
    t = text.strip().translate(_SPACES).replace("\u2212", "-")
    sign = 1.0
    if t.startswith("(") and t.endswith(")"):
        sign, t = -1.0, t[1:-1]
    if t[:1] in ("+", "-"):  # not `in "+-"`: an empty string is in every string
        sign, t = (sign * -1.0 if t[0] == "-" else sign), t[1:]
    if t.startswith("$"):
        t = t[1:]
        if t[:1] == "-":
            sign, t = -sign, t[1:]
    percent_sign = False
    if t.endswith("%"):
        if not percent:
            raise ValueError(f"{text!r}: a percent sign where a fraction is not expected")
        percent_sign, t = True, t[:-1]
    if not _GROUPED.fullmatch(t):
        raise ValueError(f"{text!r} is not a number")
    x = sign * float(t.replace(",", ""))
    if x == 0.0 and any(c in "123456789" for c in t.split("e")[0].split("E")[0]):
        raise ValueError(f"{text!r} is too small for a number (it would be read as 0)")   # 1e-400
    return x / 100.0 if percent_sign else x   # "85%": 85 / 100 = 0.85 exactly as Excel reads it (85 x 0.01 is not)


def percent_hint(value: object, lo: float = 0.0, hi: float = 1.0) -> str:
    """For a fraction column given a number between 2 and 100: "; did you mean 85%?"; given a decimal
    comma (a comma not followed by groups of three digits): "; a decimal comma? write 0.9". Only a value the
    column allows (``lo`` to ``hi``) is suggested: "1,5" for a fraction would be refused as 1.5 too.

    >>> percent_hint("85"), percent_hint("0,9"), percent_hint("1,000"), percent_hint("0.5"), percent_hint("1,5")
    ('; did you mean 85%?', '; a decimal comma? write 0.9', '', '', '')
    """
    text = str(value).strip()
    if _COMMA_NOT_GROUPING.fullmatch(text):   # "0,9" read as 9 said "did you mean 9%?"
        meant = text.replace(",", ".")
        return f"; a decimal comma? write {meant}" if lo <= float(meant) <= hi else ""
    try:
        x = typed_number(text)
    except ValueError:
        return ""
    return f"; did you mean {x:g}%?" if 2.0 <= x <= 100.0 and lo <= x / 100.0 <= hi else ""


def label_text(field: str, value: object, limit: int) -> str:
    """A text that says where numbers come from (``given_source``, a ladder's source): one line, its runs of
    spaces as one, at most ``limit`` characters, no control characters, lone surrogates or U+FFFE/FFFF (no
    XML, no UTF-8 can hold them); a blank is "".

    >>> label_text("source", "  CMS's  2027 report ", 200)
    "CMS's 2027 report"
    """
    text = "" if is_blank(value) else " ".join(str(value).split())
    if len(text) > limit or any(ord(c) < 32 or ord(c) == 127 or 0xD800 <= ord(c) <= 0xDFFF or c in "\ufffe\uffff"
                                for c in text):
        shown = value if len(str(value)) <= 80 else f"{str(value)[:60]}... ({len(str(value)):,} characters)"
        raise ASMInputError(field, shown, f"a line of text, at most {limit} characters, without control characters")
    return text


def not_a_number_note(value: object) -> str:
    """What a text that is no number at all is, ahead of its column's rule ("" for a number, or anything else):
    a cell that says there is none, a date, or text around the digits.

    >>> not_a_number_note("N/A"), not_a_number_note("2027-01-01"), not_a_number_note("441298.00 $")
    ('not a number (leave the cell blank where there is none): ', 'a date, not a number: ', 'not a number (digits only: no word, unit or sign after them): ')
    >>> not_a_number_note("1.5e12"), not_a_number_note("72.4%"), not_a_number_note(3.0), not_a_number_note("184741,1")
    ('', '', '', 'a decimal comma? write 184741.1: ')
    """
    if not isinstance(value, str):
        return ""
    text = value.strip()
    for percent in (False, True):   # a percent where none is allowed: its column's rule says so ("no % sign")
        try:
            typed_number(text, percent=percent)
            return ""
        except ValueError:
            pass
    if _COMMA_NOT_GROUPING.fullmatch(text):   # "0,9", "184741,1"
        return f"a decimal comma? write {text.replace(',', '.')}: "
    if text.upper() in _NONE_WORDS or text.startswith("#"):
        return "not a number (leave the cell blank where there is none): "
    if _DATE.fullmatch(text):
        return "a date, not a number: "
    if re.search(r"\d", text):
        return "not a number (digits only: no word, unit or sign after them): "
    return "not a number: "


#: what a cell says where there is no number (an Excel error value starts with #)
_NONE_WORDS = frozenset(("N/A", "NA", "N.A.", "NONE", "NULL", "NAN", "-", "--", "\u2013", "\u2014", "?"))
_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}(?:[ T].*)?|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}")


#: one comma between digits that is not a thousands group: "0,9", "12,5", "1,2345"
_COMMA_NOT_GROUPING = re.compile(r"[+-]?\d+,(?!\d{3}$)\d+")


def as_number(field: str, value: object, *, minimum: float | None = None,
              maximum: float | None = None, allowed: str | None = None, percent: bool = False) -> float:
    """A finite real number, optionally within bounds; text as Excel exports it is accepted
    (:func:`typed_number`; ``percent``: "85%" is 0.85)."""
    desc = allowed or _bounds_text(minimum, maximum)
    if isinstance(value, bool) or is_blank(value):
        raise ASMInputError(field, value, desc)
    if isinstance(value, Real):
        x = float(value)
    elif isinstance(value, str):
        try:
            x = typed_number(value, percent=percent)
        except ValueError:
            raise ASMInputError(field, value, desc) from None
    else:
        raise ASMInputError(field, value, desc)
    if not math.isfinite(x) or (minimum is not None and x < minimum) or (maximum is not None and x > maximum):
        raise ASMInputError(field, value, desc)
    return x


def as_fraction(field: str, value: object) -> float:
    """A fraction in [0, 1] (70% is 0.70; 70 is an error, not a percent) [spec 1]. The error's allowed text
    ends with :func:`percent_hint`, found only for a value refused (it cost ~4 µs, a fraction accepted
    needs none)."""
    try:
        return as_number(field, value, minimum=0.0, maximum=1.0, percent=True, allowed=FRACTION_ALLOWED)
    except ASMInputError:
        raise ASMInputError(field, value, FRACTION_ALLOWED + percent_hint(value)) from None


def as_whole(field: str, value: object, *, minimum: int | None = None,
             maximum: int | None = None, allowed: str | None = None) -> int:
    """A whole number (20, 20.0 or "20"), optionally within bounds."""
    desc = allowed or "a whole number" + _bounds_text(minimum, maximum).removeprefix("a number")
    x = as_number(field, value, minimum=minimum, maximum=maximum, allowed=desc)
    if not float(x).is_integer():
        raise ASMInputError(field, value, desc)
    return int(x)


def as_count(field: str, value: object) -> int:
    """A count of cases or episodes: a whole number >= 0."""
    return as_whole(field, value, minimum=0, allowed="a whole number >= 0")


TRUE_WORDS = {"true", "yes", "y", "1", "x", "done"}
FALSE_WORDS = {"false", "no", "n", "0", ""}
#: what a yes/no cell takes, in every message that refuses one (the words above, named)
YES_NO_ALLOWED = (f"yes/no, TRUE/FALSE or 1/0 ({', '.join(sorted(TRUE_WORDS - {'true', 'yes', '1'}))} also mean yes; "
                  f"{', '.join(sorted(FALSE_WORDS - {'false', 'no', '0', ''}))} no)")


def as_bool(field: str, value: object) -> bool:
    """TRUE/FALSE, yes/no, 1/0 (blank is no)."""
    if isinstance(value, bool):
        return value
    if is_blank(value):
        return False
    if isinstance(value, Real) and float(value) in (0.0, 1.0):
        return float(value) == 1.0
    if isinstance(value, str) and value.strip().casefold() in TRUE_WORDS | FALSE_WORDS:
        return value.strip().casefold() in TRUE_WORDS
    raise ASMInputError(field, value, YES_NO_ALLOWED)


def _bounds_text(minimum: float | None, maximum: float | None) -> str:
    if minimum is not None and maximum is not None:
        return f"a number between {minimum:g} and {maximum:g}"
    if minimum is not None:
        return f"a number >= {minimum:g}"
    if maximum is not None:
        return f"a number <= {maximum:g}"
    return "a number"
