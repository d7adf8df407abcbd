"""Writing cached formula results into an existing .xlsx/.xlsm package.

openpyxl's writer drops cached values (and charts/VBA unless asked), so this works on the zip
package: every member except the worksheet parts that receive new values is copied with identical
compressed bytes, in the same order (:mod:`asm_xl.xlsx.zipcopy`); inside a worksheet only the
``<c>`` elements that get a new cached value are rewritten (:mod:`asm_xl.xlsx.sheetxml`); the
result replaces the file atomically (:mod:`asm_xl.xlsx.atomic`).
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Mapping
from typing import Any

from asm_xl.xlsx.atomic import FileStamp, write_atomic
from asm_xl.xlsx.cells import encode_cached_value
from asm_xl.xlsx.limits import DEFAULT_MAX_BYTES, DEFAULT_MAX_MEMBERS, open_workbook
from asm_xl.xlsx.parts import sheet_parts
from asm_xl.xlsx.refs import normalise
from asm_xl.xlsx.sheetxml import rewrite_sheet
from asm_xl.xlsx.zipcopy import rewritten

__all__ = ["write_cached_values", "replace_members"]


def replace_members(zin: zipfile.ZipFile, new_data: Mapping[str, bytes], target, *,
                    compresslevel: int = 1, expect: FileStamp | None = None) -> None:
    """Write the package *zin* to *target* atomically with the members in *new_data* replaced
    (deflated at *compresslevel*; 1 is what the generator writes), every other member copied as
    it is stored. *expect*: the target's :func:`~asm_xl.xlsx.atomic.file_stamp` when it was read;
    a file written since is left alone (:class:`~asm_xl.xlsx.atomic.FileChangedError`)."""
    write_atomic(target, rewritten(zin, new_data, compresslevel=compresslevel), expect=expect)


def write_cached_values(path, values: Mapping[tuple[str, str], Any], *,
                        out_path=None, max_bytes: int = DEFAULT_MAX_BYTES,
                        max_members: int = DEFAULT_MAX_MEMBERS, expect: FileStamp | None = None) -> int:
    """Store *values* as the cached results of formula cells of a workbook.

    *values* maps ``(sheet_name, "A1")`` to a float/int/bool/str, an Excel
    error string such as ``"#N/A"``, or ``None`` (removes the cached value).
    Only cells holding a formula (an ``<f>`` child, or a cell covered by an
    array formula) are changed; other keys are ignored.  Sheet names match
    case-insensitively, as in Excel.  The result is written atomically to
    *out_path* (default: *path* itself) through a temporary file in the same
    directory; on any error the target is untouched and no temporary file
    remains.  When nothing changes and *out_path* is None the file is not
    rewritten.  Returns the number of cells updated.  *expect*: the file's
    :func:`~asm_xl.xlsx.atomic.file_stamp` when the caller read it (a file written since is left
    alone: :class:`~asm_xl.xlsx.atomic.FileChangedError`).
    """
    path = os.fspath(path)
    wanted: dict[str, dict[str, tuple]] = {}
    with open_workbook(path, max_bytes=max_bytes, max_members=max_members) as zin:
        for (sheet, ref), value in values.items():
            wanted.setdefault(sheet.casefold(), {})[normalise(ref)] = \
                encode_cached_value(value, f"{sheet}!{ref}")
        target = os.fspath(out_path) if out_path is not None else path
        members = {}
        for name, member in sheet_parts(zin):
            if name is not None and name.casefold() in wanted:
                members[member] = wanted[name.casefold()]
        new_data, total = {}, 0
        for member, updates in members.items():
            if member not in zin.NameToInfo:
                continue
            data, n = rewrite_sheet(zin.read(member), updates, f"{path}:{member}")
            if n:
                new_data[member], total = data, total + n
        if not total and out_path is None:
            return 0
        replace_members(zin, new_data, target, expect=expect)
    return total
