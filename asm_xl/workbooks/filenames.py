"""File names for generated workbooks: safe on Windows, macOS and Linux, from free text."""

from __future__ import annotations

import os
import re
import unicodedata

__all__ = ["safe_filename", "participant_file_names", "participant_name_variants", "MAX_NAME_BYTES", "same_file_as_any"]

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


def participant_file_names(keys: list[tuple[str, str, str, int]], suffix: str = ".xlsx") -> list[str]:
    """One file name per participant, from ``keys`` = (NPI, name, TIN, performance year) in roster order.

    A participant is a TIN/NPI pair of a performance year. An NPI with one row gets ``NPI_name``; an
    NPI with several rows gets what tells its rows apart, the TIN (its digits, ``TIN123456789``)
    where its TINs differ, the year (``PY2029``) where its years differ, so the name of a row does not
    depend on the roster's order: a re-sorted roster names every file the same way, and a kept workbook
    is found again under its own name. Two keys that still give one name (the same NPI, TIN and year
    twice, which the roster's checks refuse; names equal but for case) get their position added.

    >>> participant_file_names([("1003046806", "Pollono", "11-1111111", 2027),
    ...                         ("1003046806", "Pollono", "444444444", 2027), ("1234567893", "Reyes", "1", 2027)])
    ['1003046806_Pollono_TIN111111111.xlsx', '1003046806_Pollono_TIN444444444.xlsx', '1234567893_Reyes.xlsx']
    """
    by_npi: dict[str, list[tuple[str, int]]] = {}
    for npi, _name, tin, year in keys:
        by_npi.setdefault(npi, []).append((_digits(tin), year))
    names, used = [], set()
    for i, (npi, person, tin, year) in enumerate(keys):
        tags = participant_tags(by_npi[npi], tin, year)
        name = _tagged(npi, person, tags, suffix)
        if name.casefold() in used:
            name = _tagged(npi, person, tags + [str(i + 1)], suffix)
        used.add(name.casefold())
        names.append(name)
    return names


def participant_tags(rows: list[tuple[str, int]], tin: str, year: int) -> list[str]:
    """What tells a participant's file apart from the other rows of its NPI (``rows``: their (TIN digits,
    year)): ``TIN<digits>`` where the TINs differ, ``PY<year>`` where the years differ."""
    tags = []
    if len({t for t, _ in rows}) > 1:
        tags.append(f"TIN{_digits(tin)}")
    if len({y for _, y in rows}) > 1:
        tags.append(f"PY{year}")
    return tags


def _digits(tin: str) -> str:
    """A TIN as file names show it: its digits ("11-1111111" and "111111111" are one TIN), else as typed."""
    digits = "".join(ch for ch in str(tin) if ch.isdigit())
    return digits or "".join(ch for ch in str(tin) if ch.isascii() and ch.isalnum())[:20]


def participant_name_variants(npi: str, person: str, tin: str, year: int, suffix: str = ".xlsx") -> list[str]:
    """Every name :func:`participant_file_names` may give this participant, whatever the NPI's other rows:
    ``NPI_name``, with ``_TIN<digits>``, with ``_PY<year>``, with both (a rerun whose roster gained or lost a
    row of the NPI looks for an earlier workbook under these)."""
    tags = [f"TIN{_digits(tin)}", f"PY{year}"]
    return [_tagged(npi, person, chosen, suffix) for chosen in ([], tags[:1], tags[1:], tags)]


def _tagged(npi: str, person: str, tags: list[str], suffix: str) -> str:
    """``NPI_name`` with its tags: they go with the extension, so a long name is cut, never what tells two
    files apart."""
    return safe_filename(npi, person, suffix="".join(f"_{t}" for t in tags) + suffix)


def same_file_as_any(path, files) -> bool:
    """Whether ``path`` is one of ``files`` (the same file by any name or link; a file that cannot be
    looked at is not)."""
    for f in files:
        try:
            if os.path.samefile(path, f):
                return True
        except (OSError, TypeError, ValueError):
            continue
    return False
