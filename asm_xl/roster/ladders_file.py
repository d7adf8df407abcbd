"""Read the user's quality ladders from a file (``asm-xl --ladders FILE``): CMS's ASM benchmarks once published,
or any ladder a practice has better than the packaged MIPS proxy [spec 3.2: "a user-supplied table (... a CSV)"].

The file is a CSV or an Excel workbook read as the roster is (:func:`~asm_xl.roster.read.read_roster`: every cell
as text, size and row limits checked before the work, encodings, zip-bomb and XML-attack guards), with the
columns of :data:`~asm_xl.model.user_ladders.QUALITY_LADDER_COLUMNS`::

    measure,collection_type,topped_out,source,b1,b2,b3,b4,b5,b6,b7,b8,b9,b10
    Q236,eCQM,No,CMS ASM benchmarks PY2027,42.86,55.56,62.5,67.74,71.88,75.76,79.49,83.33,88.24,94.74

and its rows are checked by the one reader of a ladder table, :func:`~asm_xl.model.user_ladders.quality_ladders`
(the workbook's Benchmarks sheet is read by it too). A row is named by its file row.
"""

from __future__ import annotations

import os
from pathlib import Path

from asm_xl.model.benchmarks import LadderOverrides
from asm_xl.model.errors import ASMInputError
from asm_xl.model.user_ladders import MAX_LADDER_ROWS, QUALITY_LADDER_COLUMNS, quality_ladders
from asm_xl.roster.read import RosterError, read_roster
from asm_xl.xlsx.near_names import near_name

__all__ = ["LadderFileError", "read_quality_ladders", "MAX_LADDER_FILE_BYTES"]

#: the largest ladder file read (a hundred rows of fourteen numbers is a few kB)
MAX_LADDER_FILE_BYTES = 1_000_000


class LadderFileError(RosterError):
    """A ladder file cannot be read (missing, too large, not a table) or a row of it is not a ladder."""


def read_quality_ladders(path) -> LadderOverrides:
    """The quality ladders of a CSV or Excel file (columns :data:`QUALITY_LADDER_COLUMNS`, in any order; column
    names as the roster's are read: case and spaces aside), or :class:`LadderFileError` naming the file, and for a
    bad value its file row, column, value and what is allowed."""
    p = Path(os.fspath(path))
    if not p.is_file():
        raise LadderFileError(f"ladder file not found: {p}{near_name(p)}" if not p.exists() else
                              f"ladder file: {p} is not a file")
    try:
        raw = read_roster(p, max_bytes=MAX_LADDER_FILE_BYTES, max_rows=MAX_LADDER_ROWS)
    except RosterError as e:
        raise LadderFileError(f"ladder file: {e}") from None
    optional = ("collection_type", "topped_out", "source")
    missing = [c for c in QUALITY_LADDER_COLUMNS if c not in raw.columns and c not in optional]
    # an unknown column (a typo, "b11" or "decile_1") would otherwise be dropped without a word
    unknown = [c for c in raw.columns if c not in QUALITY_LADDER_COLUMNS and not c.startswith("unnamed")]
    if missing or unknown:
        said = "; ".join(part for part in (f"no column {', '.join(missing)}" if missing else "",
                                     f"unknown column {', '.join(map(repr, unknown[:3]))}"
                                     + (f" (and {len(unknown) - 3} more)" if len(unknown) > 3 else "") if unknown else "")
                          if part)
        raise LadderFileError(f"ladder file {p.name}: {said} (the columns: {', '.join(QUALITY_LADDER_COLUMNS)}; "
                              f"{', '.join(optional)} may be left out)")
    rows = [[row.get(c, "") for c in QUALITY_LADDER_COLUMNS] for row in raw.to_dict("records")]
    try:
        return quality_ladders(rows, labels=raw.index.tolist())   # rows named by their file row
    except ASMInputError as e:
        raise LadderFileError(f"ladder file {p.name}: {e}") from None
