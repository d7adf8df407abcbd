"""What a workbook kept from an earlier run says: the cached values of its named result cells.

``asm-xl generate`` without ``--overwrite`` keeps existing workbooks; the index must then show the
numbers those files hold, not the numbers of the new roster. This is a small, self-contained
reader (zip + defusedxml, no openpyxl: openpyxl's read-only mode scans every sheet for its size and
parses the styles, ~20-30 ms a workbook against ~2 ms here): the defined names in
``xl/workbook.xml``, the sheets' parts from its relationships, then only the wanted ``<c>`` cells
and, if one holds a shared string, ``xl/sharedStrings.xml``. Anything unexpected means "cannot
read" (None), never an exception.
"""

from __future__ import annotations

import io
import os
import posixpath
import re
import zipfile
from pathlib import Path

from defusedxml.ElementTree import fromstring, iterparse

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
MAX_MEMBER_BYTES = 50_000_000  #: uncompressed size of any part we read (zip bombs)

_REF = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Z]{1,3})\$?([0-9]{1,7})$")
_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def read_kept(path: str | os.PathLike) -> dict | None:
    """Cached values of :data:`KEPT_CELLS` in a workbook, or None when it cannot be read.

    Numbers as float (whole ones as int), text as str, Excel errors as their text ("#N/A").
    None as well when the final score has no cached value (a file saved by a tool that drops cached
    values): showing blanks as if they were results would mislead.
    """
    try:
        if Path(path).stat().st_size > MAX_BYTES:
            return None
        with zipfile.ZipFile(path) as zf:
            out = _values(zf)
    except Exception:  # noqa: BLE001 - any unreadable file is reported as stale, never raised
        return None
    if out is None or out.get("final_score") is None:
        return None
    return out


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _read(zf: zipfile.ZipFile, name: str) -> bytes:
    info = zf.getinfo(name)
    if info.file_size > MAX_MEMBER_BYTES:
        raise ValueError(f"{name}: too large")
    return zf.read(info)


def _values(zf: zipfile.ZipFile) -> dict | None:
    book = fromstring(_read(zf, "xl/workbook.xml"))
    sheets, names = {}, {}
    for el in book.iter():
        tag = _local(el.tag)
        if tag == "sheet":
            sheets[el.get("name")] = el.get(_REL_ID)
        elif tag == "definedName" and el.get("localSheetId") is None:
            names[el.get("name")] = (el.text or "").strip()
    rels = {el.get("Id"): el.get("Target") for el in fromstring(_read(zf, "xl/_rels/workbook.xml.rels")).iter()
            if _local(el.tag) == "Relationship"}
    wanted: dict[str, dict[str, str]] = {}   # sheet part → {cell: index column}
    for key, name in KEPT_CELLS.items():
        m = _REF.match(names.get(name, ""))
        if m is None:
            if key in OPTIONAL_CELLS:
                continue
            return None
        sheet = m.group(1).replace("''", "'") if m.group(1) else m.group(2)
        target = rels.get(sheets.get(sheet))
        if target is None:
            return None
        part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        wanted.setdefault(part, {})[m.group(3) + m.group(4)] = key
    raw: dict[str, tuple[str | None, str | None]] = {}
    for part, cells in wanted.items():
        raw.update(_cells(_read(zf, part), cells))
    strings = _shared_strings(zf) if any(t == "s" for t, _ in raw.values()) else []
    return {key: _typed(t, v, strings) for key, (t, v) in raw.items()}


def _cells(data: bytes, cells: dict[str, str]) -> dict[str, tuple[str | None, str | None]]:
    """{index column: (cell type, raw value)} of the wanted cells of one sheet part."""
    found: dict[str, tuple[str | None, str | None]] = {}
    for _, el in iterparse(io.BytesIO(data), events=("end",)):
        if _local(el.tag) != "c":
            continue
        key = cells.get(el.get("r"))
        if key is not None:
            t = el.get("t")
            if t == "inlineStr":
                value = "".join(x.text or "" for x in el.iter() if _local(x.tag) == "t")
            else:
                value = next((x.text for x in el if _local(x.tag) == "v"), None)
            found[key] = (t, value)
            if len(found) == len(cells):
                break
        el.clear()
    return found


def _shared_strings(zf: zipfile.ZipFile) -> list[str]:
    root = fromstring(_read(zf, "xl/sharedStrings.xml"))
    return ["".join(t.text or "" for t in si.iter() if _local(t.tag) == "t")
            for si in root if _local(si.tag) == "si"]


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
