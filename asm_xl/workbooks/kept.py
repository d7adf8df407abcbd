"""What a workbook kept from an earlier run says: the cached values of its named result cells.

``asm-xl generate`` without ``--overwrite`` keeps existing workbooks; the index must then show the
numbers those files hold, not the numbers of the new roster. The package goes through the Excel-file
layer's checks and structure readers (:func:`asm_xl.xlsx.limits.open_workbook`,
:mod:`asm_xl.xlsx.parts`), then only the wanted ``<c>`` cells are read (no openpyxl: its read-only
mode scans every sheet for its size and parses the styles, ~20-30 ms a workbook against ~2 ms
here). Anything unexpected means "cannot read" (None), never an exception.
"""

from __future__ import annotations

import io
import os
import re
import zipfile

from defusedxml.ElementTree import iterparse

from asm_xl.xlsx.limits import open_workbook
from asm_xl.xlsx.parts import defined_names, local_name, shared_strings, sheet_parts
from asm_xl.xlsx.refs import normalise, split_sheet
from asm_xl.xlsx.zipcopy import read_member

__all__ = ["KEPT_CELLS", "STATUS_KEPT", "STATUS_STALE", "STATUS_WRITTEN", "read_kept"]

STATUS_WRITTEN = "written"
STATUS_KEPT = "kept (not regenerated: use --overwrite)"
STATUS_STALE = "stale: could not read"

#: index column → defined name of the workbook cell whose cached value the index shows
KEPT_CELLS = {"cohort": "In_Cohort", "performance_year": "In_Year", "final_score": "Sc_Final",
              "factor": "Sc_Factor", "dollar_impact": "Sc_Impact", "dollars_p10": "Sc_DollarsP10",
              "dollars_p50": "Sc_DollarsP50", "dollars_p90": "Sc_DollarsP90", "p_gain": "Sc_GainChance"}
#: cells a workbook from an earlier asm-xl may lack: shown blank, the rest of the row still read
OPTIONAL_CELLS = frozenset({"dollars_p10", "dollars_p50", "dollars_p90", "p_gain"})
MAX_BYTES = 50_000_000        #: a generated workbook is ~100 kB; anything far larger is not ours

_CELL = re.compile(r"[A-Z]{1,3}[0-9]{1,7}")


def read_kept(path: str | os.PathLike) -> dict | None:
    """Cached values of :data:`KEPT_CELLS` in a workbook, or None when it cannot be read.

    Numbers as float (whole ones as int), text as str, Excel errors as their text ("#N/A").
    None as well when the final score has no cached value (a file saved by a tool that drops cached
    values): showing blanks as if they were results would mislead.
    """
    try:
        with open_workbook(path, max_bytes=MAX_BYTES) as zf:
            out = _values(zf)
    except Exception:  # noqa: BLE001 - any unreadable file is reported as stale, never raised
        return None
    if out is None or out.get("final_score") is None:
        return None
    return out


def _values(zf: zipfile.ZipFile) -> dict | None:
    names = {d.name: (d.ref or "").strip() for d in defined_names(zf) if d.local_sheet is None}
    parts = dict(sheet_parts(zf))
    wanted: dict[str, dict[str, str]] = {}   # sheet part → {cell: index column}
    for key, name in KEPT_CELLS.items():
        sheet, cell = split_sheet(names.get(name, ""), "")
        cell = normalise(cell) if cell else ""
        if sheet not in parts or not _CELL.fullmatch(cell):
            if key in OPTIONAL_CELLS and name not in names:
                continue
            return None
        wanted.setdefault(parts[sheet], {})[cell] = key
    raw: dict[str, tuple[str | None, str | None]] = {}
    for part, cells in wanted.items():
        raw.update(_cells(read_member(zf, part), cells))
    strings = shared_strings(zf) if any(t == "s" for t, _ in raw.values()) else []
    return {key: _typed(t, v, strings) for key, (t, v) in raw.items()}


def _cells(data: bytes, cells: dict[str, str]) -> dict[str, tuple[str | None, str | None]]:
    """{index column: (cell type, raw value)} of the wanted cells of one sheet part."""
    found: dict[str, tuple[str | None, str | None]] = {}
    for _, el in iterparse(io.BytesIO(data), events=("end",)):
        if local_name(el.tag) != "c":
            continue
        key = cells.get(el.get("r"))
        if key is not None:
            t = el.get("t")
            if t == "inlineStr":
                value = "".join(x.text or "" for x in el.iter() if local_name(x.tag) == "t")
            else:
                value = next((x.text for x in el if local_name(x.tag) == "v"), None)
            found[key] = (t, value)
            if len(found) == len(cells):
                break
        el.clear()
    return found


def _typed(t: str | None, v: str | None, strings: list[str]):
    if v is None:
        return None
    if t == "s":
        return strings[int(v)]
    if t in ("str", "inlineStr", "e"):
        return v
    if t == "b":
        return v.strip() in ("1", "true")
    f = float(v)
    return int(f) if f.is_integer() and "." not in v and "E" not in v.upper() else f
