"""What a workbook kept from an earlier run says: the cached values of its named result cells.

``asm-xl generate`` without ``--overwrite`` keeps existing workbooks; the index must then show the
numbers those files hold, not the numbers of the new roster. Reading goes through openpyxl
(read-only, cached values), isolated here so that the index never depends on the Excel-file layer's
internals.
"""

from __future__ import annotations

import os
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils.cell import coordinate_to_tuple

__all__ = ["KEPT_CELLS", "STATUS_KEPT", "STATUS_STALE", "STATUS_WRITTEN", "read_kept"]

STATUS_WRITTEN = "written"
STATUS_KEPT = "kept (not regenerated: use --overwrite)"
STATUS_STALE = "stale: could not read"

#: index column → defined name of the workbook cell whose cached value the index shows
KEPT_CELLS = {"cohort": "In_Cohort", "performance_year": "In_Year", "final_score": "Sc_Final",
              "factor": "Sc_Factor", "dollar_impact": "Sc_Impact"}
MAX_BYTES = 50_000_000   #: a generated workbook is ~100 kB; anything far larger is not ours


def read_kept(path: str | os.PathLike) -> dict | None:
    """Cached values of :data:`KEPT_CELLS` in a workbook, or None when it cannot be read.

    None as well when the final score has no cached value (a file saved by a tool that drops
    cached values): showing blanks as if they were results would mislead.
    """
    try:
        if Path(path).stat().st_size > MAX_BYTES:
            return None
        wb = load_workbook(path, read_only=True, data_only=True, keep_links=False)
        try:
            return _values(wb)
        finally:
            wb.close()
    except Exception:  # noqa: BLE001 - any unreadable file is reported as stale, never raised
        return None


def _values(wb) -> dict | None:
    wanted: dict[str, dict[tuple[int, int], str]] = {}
    for key, name in KEPT_CELLS.items():
        dn = wb.defined_names.get(name)
        if dn is None:
            return None
        (sheet, ref), = dn.destinations
        wanted.setdefault(sheet, {})[coordinate_to_tuple(ref.replace("$", ""))] = key
    out: dict = {}
    for sheet, cells in wanted.items():
        r0, c0 = min(r for r, _ in cells), min(c for _, c in cells)
        r1, c1 = max(r for r, _ in cells), max(c for _, c in cells)
        for i, row in enumerate(wb[sheet].iter_rows(min_row=r0, max_row=r1, min_col=c0, max_col=c1, values_only=True)):
            for j, value in enumerate(row):
                key = cells.get((r0 + i, c0 + j))
                if key is not None:
                    out[key] = value
    if out.get("final_score") is None:
        return None
    return out
