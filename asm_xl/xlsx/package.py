"""The Excel-file layer's everyday names in one import (kept for existing callers).

Each lives in the module that explains it: :mod:`~asm_xl.xlsx.limits` (package safety checks),
:mod:`~asm_xl.xlsx.parts` (sheets, shared strings, defined names), :mod:`~asm_xl.xlsx.cells`
(error values, encoding cached values), :mod:`~asm_xl.xlsx.writer` (writing cached values),
:mod:`~asm_xl.xlsx.zipcopy` (rewriting the zip), :mod:`~asm_xl.xlsx.atomic` (atomic replace).
"""
from __future__ import annotations

from asm_xl.xlsx.atomic import write_atomic
from asm_xl.xlsx.cells import EXCEL_ERRORS, encode_cached_value
from asm_xl.xlsx.limits import DEFAULT_MAX_BYTES, DEFAULT_MAX_MEMBERS, check_workbook, open_workbook
from asm_xl.xlsx.parts import sheet_parts
from asm_xl.xlsx.writer import write_cached_values
from asm_xl.xlsx.zipcopy import read_member

__all__ = [
    "EXCEL_ERRORS", "DEFAULT_MAX_BYTES", "DEFAULT_MAX_MEMBERS", "check_workbook", "open_workbook",
    "sheet_parts", "encode_cached_value", "write_cached_values", "read_member", "write_atomic",
]
