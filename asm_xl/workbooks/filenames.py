"""File names for generated workbooks: safe on Windows, macOS and Linux, from free text."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["safe_filename", "MAX_NAME_BYTES"]

_WIN_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
#: a file name's limit is 255 bytes (ext4, APFS) or 255 UTF-16 units (NTFS); a margin for the
#: ".tmp-" prefix of atomic writes and a disambiguating suffix
MAX_NAME_BYTES = 200
#: control, format (bidi marks, zero-width), surrogate, private-use and unassigned/noncharacter code points
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


def safe_filename(*parts: str, suffix: str = ".xlsx", max_len: int = 120) -> str:
    """A file name safe on Windows, macOS and Linux from free text (NPI, name).

    Characters a file system or Windows refuses, ``#`` (a link to the file from the index or the
    dashboard would stop there: Excel reads what follows as a place in the file), and invisible ones
    (controls, bidi marks, noncharacters such as U+FFFE) are dropped; the name is cut to ``max_len`` characters and to
    :data:`MAX_NAME_BYTES` bytes of UTF-8 (CJK and emoji take 3-4 bytes each), never inside a
    character.

    >>> safe_filename("1234567893", "O'Brien, Mary")
    "1234567893_O'Brien,_Mary.xlsx"
    >>> len(safe_filename("1234567893", "长" * 100).encode()) <= MAX_NAME_BYTES
    True
    """
    text = "_".join(p for p in parts if p)
    text = "".join(ch for ch in text if unicodedata.category(ch) not in _INVISIBLE)
    text = re.sub(r'[<>:"/\\|?*#]', "", text)
    text = re.sub(r"\s+", "_", text).strip(" ._") or "workbook"
    text = _cut(text, max_len - len(suffix), MAX_NAME_BYTES - len(suffix.encode()))
    if text.split(".")[0].upper() in _WIN_RESERVED:
        text = _cut("_" + text, max_len - len(suffix), MAX_NAME_BYTES - len(suffix.encode()))
    return text + suffix


def _cut(text: str, max_chars: int, max_bytes: int) -> str:
    text = text[:max_chars]
    while len(text.encode("utf-8")) > max_bytes:
        text = text[:-1]
    return text.rstrip(" .")
