"""Text in arithmetic, as Excel reads it: ``="85%"*1`` is 0.85, ``="$1,000"*1`` 1000, ``="(5)"*1`` and
``="$(5)"*1`` -5; text it does not read (LibreOffice neither) is #VALUE!.

The roster's rule (:func:`~asm_xl.model.validation.typed_number`) reads numbers as Excel exports them; a
few forms it takes are none to Excel's arithmetic: a space inside ("1 000", "1 2"), a sign or a percent
inside parentheses ("(-5)", "(5%)"), an exponent with a percent ("1e3%"). Python's ``float`` took "nan",
"inf" and "1_000", which Excel does not.
"""

from __future__ import annotations

import re

from asm_xl.model.validation import typed_number

__all__ = ["excel_text_number"]

_NOT_EXCEL_NUMBER = re.compile(r"\S\s+\S|\(\s*[-+]|%\s*\)|[eE][-+]?\d+\s*%")


def excel_text_number(text: str) -> float | None:
    """The number Excel's arithmetic reads in ``text``, or None (#VALUE!).

    >>> [excel_text_number(t) for t in ("85%", " $1,000 ", "$(5)", "1 000", "nan")]
    [0.85, 1000.0, -5.0, None, None]
    """
    t = text.strip()
    if _NOT_EXCEL_NUMBER.search(t):
        return None
    try:
        return typed_number("(" + t[2:] if t.startswith("$(") else t, percent=True)
    except ValueError:
        return None
