"""Cell values as a worksheet stores them: Excel's error values, text escaping, encoding and
decoding ``<v>`` contents.

One set of error values (:data:`EXCEL_ERRORS`) and one error type (:class:`ErrorValue`) serve the
whole project; the evaluator's ``XlErr`` is this class.
"""

from __future__ import annotations

import html
import math
import numbers
import re
from typing import Any

__all__ = ["EXCEL_ERRORS", "logical_cell", "error_cell", "shared_string", "MAX_STRING", "excel_length", "ErrorValue", "escape_text", "xml_safe_text", "unescape_ooxml", "unescape_text",
           "encode_cached_value", "decode_number", "decode_value"]

#: The error values Excel stores in a cell with ``t="e"``.
EXCEL_ERRORS = frozenset({
    "#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
    "#SPILL!", "#CALC!",
})
#: Excel's limit for a cell's text
MAX_STRING = 32_767


def excel_length(text: str) -> int:
    """A text's length as Excel counts it against :data:`MAX_STRING`: UTF-16 code units (an emoji, or
    any character beyond the Basic Multilingual Plane, is two).

    >>> excel_length("abc"), excel_length("\N{GRINNING FACE}")
    (3, 2)
    """
    return len(text) if text.isascii() else len(text.encode("utf-16-le", "surrogatepass")) // 2


class ErrorValue(str):
    """An Excel error value ("#N/A"...): a str subclass, so code that wants the text has it."""

    __slots__ = ()


#: characters XML 1.0 cannot hold (controls, lone surrogates, U+FFFE/U+FFFF); \r is escaped too so it survives
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\r\ud800-\udfff\ufffe\uffff]")
_OOXML_ESCAPE = re.compile("_(x[0-9A-Fa-f]{4}_)")
_OOXML_UNESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def escape_text(text: str) -> str:
    """Text as element content: ``_xHHHH_`` kept literal, characters XML cannot hold written as
    ``_xHHHH_`` (OOXML's escape), ``& < >`` escaped."""
    text = _OOXML_ESCAPE.sub(r"_x005F_\1", text)
    text = _XML_ILLEGAL.sub(lambda m: "_x%04X_" % ord(m.group()), text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def xml_safe_text(text: str) -> str:
    """Text any XML writer can hold, shown as Excel shows it: each character XML cannot hold as
    OOXML's visible escape ``_xHHHH_`` (for writers, such as openpyxl's, that escape ``& < >``
    themselves and refuse the rest).

    >>> xml_safe_text("Bell\x07 Ring"), xml_safe_text("Non\ufffechar")
    ('Bell_x0007_ Ring', 'Non_xFFFE_char')
    """
    return _XML_ILLEGAL.sub(lambda m: "_x%04X_" % ord(m.group()), text)


def unescape_ooxml(s: str) -> str:
    """Text with OOXML's ``_xHHHH_`` escapes decoded (``_x005F_`` keeps a literal one)."""
    return _OOXML_UNESCAPE.sub(lambda m: chr(int(m.group(1), 16)), s) if "_x" in s else s


def unescape_text(raw: bytes) -> str:
    """Element content (UTF-8 bytes, without markup) as text: XML entities and ``_xHHHH_``
    decoded. No entity beyond XML's own and numeric ones is expanded."""
    return unescape_ooxml(html.unescape(raw.decode("utf-8")))


def encode_cached_value(value: Any, where: str = "cell") -> tuple[str | None, str | None]:
    """Return ``(t, v_text)`` for a cached value; ``(None, None)`` clears it.

    numbers -> no ``t``, ``repr`` precision; bool -> ``t="b"`` 1/0;
    Excel error strings (``"#N/A"`` ...) -> ``t="e"``; other str ->
    ``t="str"``.  NaN/inf raise :class:`ValueError` naming *where*.
    """
    if value is None:
        return None, None
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return "b", "1" if value else "0"
    if isinstance(value, str):  # includes ErrorValue and formulas' XlError (str subclasses)
        text = str(value)
        if text in EXCEL_ERRORS:
            return "e", text
        if excel_length(text) > MAX_STRING:
            raise ValueError(f"{where}: string result longer than {MAX_STRING} characters")
        return "str", escape_text(text)
    if isinstance(value, numbers.Integral):
        return None, str(int(value))
    if isinstance(value, numbers.Real):
        f = float(value)
        if not math.isfinite(f):
            raise ValueError(f"{where}: cannot write non-finite value {f!r}")
        return None, repr(f)
    raise TypeError(f"{where}: unsupported cached value type {type(value).__name__}")


def decode_number(text: str | bytes) -> int | float:
    """A number as stored: int when written without a point or exponent (openpyxl's rule)."""
    try:
        if isinstance(text, bytes):
            text = text.decode("ascii")
        if "." in text or "E" in text or "e" in text:
            return float(text)
        return int(text)
    except (ValueError, UnicodeDecodeError):
        raise ValueError(f"not a number: {text[:20]!r}") from None


def shared_string(raw: bytes | str, strings: list[str]) -> str:
    """The shared string a cell of type "s" names by its index ``raw``; ValueError for an index that is no whole
    number or outside the table (a negative one must not read from the end)."""
    try:
        k = int(raw)
    except ValueError:
        raise ValueError(f"shared-string index is not a number: {raw[:20]!r}") from None
    if not 0 <= k < len(strings):
        raise ValueError(f"shared-string index {k} out of range (the table holds {len(strings)})")
    return strings[k]


def logical_cell(raw: bytes | str) -> bool:
    """A logical cell's value (``t="b"``): 1 TRUE, 0 FALSE; ValueError for anything else (7 was read as FALSE)."""
    text = raw.strip().lower() if isinstance(raw, str) else raw.strip().lower().decode("ascii", "replace")
    if text in ("1", "true"):
        return True
    if text in ("0", "false"):
        return False
    raise ValueError(f"a logical cell holds {text[:20]!r}, not 0 or 1")


def error_cell(raw: bytes | str) -> str:
    """An error cell's value (``t="e"``): one of :data:`EXCEL_ERRORS`; ValueError for another text (#BOGUS was
    copied into every formula that read it)."""
    text = (raw if isinstance(raw, str) else raw.decode("utf-8", "replace")).strip()
    if text.upper() not in EXCEL_ERRORS:
        raise ValueError(f"an error cell holds {text[:20]!r}, not one of Excel's error values")
    return text.upper()


def decode_value(t: str, raw: bytes, strings: list[str]) -> Any:
    """The value of a ``<v>`` element's content *raw* in a cell of type *t* (``n s b e str``);
    *strings*: the shared strings. Errors come back as :class:`ErrorValue`. Raises ValueError
    for another type."""
    if t == "n":
        try:
            x = float(raw)
        except ValueError:
            raise ValueError(f"not a number: {raw[:20]!r}") from None
        return int(x) if x.is_integer() and b"." not in raw and b"E" not in raw.upper() else x
    if t == "s":
        return shared_string(raw, strings)
    if t == "b":
        return logical_cell(raw)
    if t == "e":
        return ErrorValue(error_cell(raw))
    if t == "str":
        return unescape_text(raw)
    raise ValueError(f"cell type {t}")
