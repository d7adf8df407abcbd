"""File names for generated workbooks: safe on Windows, macOS and Linux, from free text."""

from __future__ import annotations

import re

__all__ = ["safe_filename"]

_WIN_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}


def safe_filename(*parts: str, suffix: str = ".xlsx", max_len: int = 120) -> str:
    """A file name safe on Windows, macOS and Linux from free text (NPI, name)."""
    text = "_".join(p for p in parts if p)
    text = re.sub(r'[<>:"/\\|?*\x00-\x1f\x7f]', "", text)
    text = re.sub(r"\s+", "_", text).strip(" ._") or "workbook"
    text = text[: max_len - len(suffix)].rstrip(" .")
    if text.split(".")[0].upper() in _WIN_RESERVED:
        text = ("_" + text)[: max_len - len(suffix)].rstrip(" .")  # the prefix must not exceed max_len
    return text + suffix


