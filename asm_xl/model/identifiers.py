"""National Provider Identifier and Taxpayer Identification Number checks.

>>> npi_is_valid("1234567893"), npi_is_valid("1234567890")
(True, False)
"""

from __future__ import annotations

import re

import numpy as np

__all__ = ["npi_check_digit", "npi_is_valid", "npi_valid_mask", "npi_problem", "tin_problem", "tin_key",
           "tin_with_zeros", "tins_restored_warning"]

_NPI_RE = re.compile(r"[0-9]{10}")
_TIN_RE = re.compile(r"[0-9]{9}")


def npi_check_digit(first_nine: str) -> int:
    """The check digit that completes a 9-digit NPI base (see :func:`npi_is_valid`)."""
    if not re.fullmatch(r"[0-9]{9}", str(first_nine)):
        raise ValueError(f"an NPI base is 9 digits, not {first_nine!r}")
    return (10 - _luhn_sum("80840" + str(first_nine) + "0")) % 10


def npi_is_valid(npi: str) -> bool:
    """True for a well-formed National Provider Identifier.

    An NPI is exactly 10 ASCII digits; the 10th is a Luhn (mod 10) check digit computed over the
    prefix ``80840`` (the health-industry issuer) followed by the first 9 digits::

        s     = "80840" + npi                       (15 digits, check digit last)
        d_i   = digit i counted from the right, i = 1..15
        v_i   = d_i                 for odd i
              = 2 d_i - 9 if 2 d_i > 9 else 2 d_i    for even i (double every second digit)
        valid  <=>  sum(v_i) mod 10 == 0

    Equivalently check digit = (10 - (24 + Luhn sum of the doubled first 9 digits) mod 10) mod 10.
    Surrounding spaces are not accepted here (the roster strips them before calling).

    >>> npi_is_valid("1234567893")
    True
    """
    if isinstance(npi, bool) or not isinstance(npi, (str, int, np.integer)):
        return False
    s = str(npi)
    if not _NPI_RE.fullmatch(s):
        return False
    return _luhn_sum("80840" + s) % 10 == 0


def _luhn_sum(digits: str) -> int:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total


def npi_problem(text: str) -> str | None:
    """Why a stripped, non-blank NPI text is wrong, or None.

    >>> npi_problem("1234567893"), npi_problem("1948771732.0")
    (None, 'must be a 10-digit NPI, written without a decimal point (drop the .0: 1948771732)')
    """
    if npi_is_valid(text):
        return None
    if re.fullmatch(r"[0-9.]+[eE][+-]?[0-9]+", text):
        return ("must be a 10-digit NPI, not a number in scientific notation "
                "(format the column as Text in Excel)")
    if re.fullmatch(r"[0-9]{10}\.0+", text):   # a spreadsheet's number export ("12 characters given" said nothing)
        return f"must be a 10-digit NPI, written without a decimal point (drop the {text[10:]}: {text[:10]})"
    if not _NPI_RE.fullmatch(text):
        return f"must be a 10-digit NPI ({len(text)} characters given)"
    return ("NPI check digit does not match: the 10th digit must be the Luhn check digit over "
            "80840 + the first 9 digits (a typo?)")


def tin_problem(text: str) -> str | None:
    digits = text.replace("-", "")
    if _TIN_RE.fullmatch(digits):
        return None
    if re.fullmatch(r"[0-9]{8}", digits):
        return ("must be a 9-digit TIN, dashes allowed (8 digits given: a leading zero lost? "
                "format the column as Text in Excel)")
    if re.fullmatch(r"[0-9]+", digits):
        return f"must be a 9-digit TIN, dashes allowed ({len(digits)} digits given)"
    return "must be a 9-digit TIN, dashes allowed (e.g. 12-3456789)"




def tin_with_zeros(text: str) -> str | None:
    """A TIN of 7 or 8 digits and no dash with the leading zeros a spreadsheet dropped (a number cell holds
    009853177 as 9853177, and writes it so to CSV), else None: a TIN typed with a dash is as typed.

    >>> tin_with_zeros("9853177"), tin_with_zeros("12-345678"), tin_with_zeros("123456789")
    ('009853177', None, None)
    """
    return text.zfill(9) if text.isascii() and text.isdigit() and len(text) in (7, 8) else None


def tins_restored_warning(tins: list[str]) -> str:
    """The warning for TINs given back their leading zeros (:func:`tin_with_zeros`; ``tins`` as restored)."""
    distinct = list(dict.fromkeys(tins))
    shown = ", ".join(distinct[:3]) + (", ..." if len(distinct) > 3 else "")
    return (f"{len(tins)} row(s)' TIN of 7 or 8 digits read with its leading zeros ({shown}): a spreadsheet "
            "drops them from a number; format the TIN column as Text to keep them")


def tin_key(text: str) -> str:
    """A TIN as the 9 digits that identify it (dashes dropped; zeros a spreadsheet dropped given back,
    :func:`tin_with_zeros`) when it is well formed, else as given.

    >>> tin_key("12-3456789"), tin_key("12-34"), tin_key("9853177")
    ('123456789', '12-34', '009853177')
    """
    digits = tin_with_zeros(text) or text.replace("-", "")
    return digits if _TIN_RE.fullmatch(digits) else text


def npi_valid_mask(texts) -> np.ndarray:
    """:func:`npi_is_valid` for many NPI texts at once (vectorized Luhn over the digits).

    >>> npi_valid_mask(["1234567893", "1234567890", "12345"]).tolist()
    [True, False, False]
    """
    arr = np.asarray(texts, dtype=object)
    ok = np.array([isinstance(t, str) and len(t) == 10 and t.isascii() and t.isdigit() for t in arr], dtype=bool)
    if not ok.any():
        return ok
    digits = np.frombuffer("".join(arr[ok]).encode("ascii"), dtype=np.uint8).reshape(-1, 10) - 48
    # "80840" + npi, Luhn from the right: positions 1..15; the NPI's digits are the last 10
    doubled = digits[:, 8::-2].astype(np.int64) * 2          # 2nd, 4th, ... from the right (9th, 7th, ... digit)
    doubled = np.where(doubled > 9, doubled - 9, doubled)
    plain = digits[:, 9::-2].astype(np.int64)                 # 1st, 3rd, ... from the right
    total = doubled.sum(axis=1) + plain.sum(axis=1) + _luhn_sum("80840" + "0" * 10)
    ok[np.flatnonzero(ok)] = total % 10 == 0
    return ok
