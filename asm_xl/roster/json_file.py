"""Read an untrusted JSON file safely: size checked before reading, bounded read, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

from asm_xl.roster.file_checks import regular_file

__all__ = ["JsonFileError", "read_json_file", "json_shown"]


class JsonFileError(ValueError):
    """A JSON file cannot be read: missing, too large, not UTF-8 or not valid JSON (with line and column)."""


def read_json_file(p: Path, *, max_bytes: int, what: str):
    """The parsed JSON of an untrusted file: its size is checked before reading (and the read is bounded), the
    text must be UTF-8 (a BOM is allowed), NaN/Infinity are refused; errors name the file, line and column."""
    st = regular_file(p, what, JsonFileError)
    too_big = f"{p.name} is larger than {max_bytes:,} bytes, the limit for a {what} file"
    if st.st_size > max_bytes:
        raise JsonFileError(too_big)
    try:
        with open(p, "rb") as f:
            raw = f.read(max_bytes + 1)
    except OSError as e:
        raise JsonFileError(f"cannot read the {what} file {p}: {e.strerror or e}") from None
    if len(raw) > max_bytes:
        raise JsonFileError(too_big)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise JsonFileError(f"{p.name} is not UTF-8 text (byte {e.start}): a {what} file is JSON") from None

    def no_constant(name: str):
        raise ValueError(f"{name} is not a JSON number")

    def no_duplicates(pairs: list) -> dict:
        # {"performanceRate": 90, "performanceRate": 10}: json keeps the last one without a word
        seen: dict = {}
        for key, value in pairs:
            if key in seen:
                raise ValueError(f"the key {key!r} is given twice in one object (which one is meant?)")
            seen[key] = value
        return seen

    def whole(text_: str) -> int:
        if len(text_) > 100:   # Python's own limit says "use sys.set_int_max_str_digits()"
            raise ValueError(f"a number of {len(text_):,} digits")
        return int(text_)

    try:
        return json.loads(text, parse_constant=no_constant, object_pairs_hook=no_duplicates, parse_int=whole)
    except json.JSONDecodeError as e:
        raise JsonFileError(f"{p.name} is not valid JSON: {e.msg} at line {e.lineno}, column {e.colno}") from None
    except ValueError as e:
        raise JsonFileError(f"{p.name} is not valid JSON: {e}") from None
    except RecursionError:
        raise JsonFileError(f"{p.name}: JSON nested too deeply to be a {what} file") from None


def json_shown(value, limit: int = 60) -> str:
    """A value read from a JSON file as a message shows it: as the file writes it (``null``, ``"text"``,
    ``["a"]``, ``12``), a control or format character as its escape (never acted on by a terminal), at most
    ``limit`` characters.

    >>> json_shown(None), json_shown("individuals"), json_shown(["a"]), json_shown("134\\x00\\u202e")
    ('null', '"individuals"', '["a"]', '"134\\\\u0000\\\\u202e"')
    """
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    text = "".join(ch if ch.isprintable() else f"\\u{ord(ch):04x}" for ch in text)
    return text if len(text) <= limit else text[:limit - 3] + "..."
