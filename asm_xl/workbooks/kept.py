"""What a workbook kept from an earlier run says: the cached values of its named result cells, and
the inputs it holds (the roster row they stand for, :func:`asm_xl.workbooks.inputs.participant_row`).

``asm-xl generate`` without ``--overwrite`` keeps existing workbooks; the index, the dashboard and
the console must then show the numbers those files hold, not the numbers of the new roster: the
index shows the cached values, the dashboard scores the physician from the file's own inputs (and
``generate`` checks that this gives the cached values). The package goes through the Excel-file
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
from dataclasses import dataclass

from defusedxml.ElementTree import iterparse

from asm_xl.model.benchmarks import LadderOverrides
from asm_xl.model.errors import ASMInputError
from asm_xl.model.parameters import get_cohort
from asm_xl.model.user_ladders import QUALITY_LADDER_COLUMNS, quality_ladders
from asm_xl.model.settings import Settings
from asm_xl.workbooks import layout as L
from asm_xl.workbooks.inputs import READ_CELLS, held_projection, input_names, participant_row
from asm_xl.xlsx.limits import open_workbook
from asm_xl.xlsx.parts import defined_names, local_name, shared_strings, sheet_parts
from asm_xl.xlsx.refs import cell_name, normalise, plain_reference, range_bounds, split_sheet
from asm_xl.xlsx.zipcopy import read_member

__all__ = ["KEPT_CELLS", "KEPT_WITH_NUMBERS", "STATUS_KEPT", "STATUS_KEPT_EDITED", "STATUS_OPEN", "STATUS_OTHER", "STATUS_STALE", "STATUS_STALE_NUMBERS", "STATUS_STALE_SETTINGS", "STATUS_STALE_PROJECTION", "stale_settings_status", "STATUS_STALE_INVALID", "stale_invalid_status", "STATUS_WRITTEN", "KeptWorkbook", "read_kept",
           "read_kept_workbook", "STATUS_STALE_LADDERS", "ladders_differ"]

STATUS_WRITTEN = "written"
STATUS_KEPT = "kept (an earlier run's; --overwrite regenerates)"
#: a kept file whose inputs are not its roster row's (edited in the workbook, or the roster changed): its own
#: numbers shown, and said (the index and the dashboard called it plainly "kept")
STATUS_KEPT_EDITED = "kept, with inputs other than its roster row's (its own numbers; --overwrite takes the roster's)"
#: a workbook open in Excel (its lock file beside it) that --overwrite would have replaced: Excel's next save
#: would undo it, and Windows refuses the rename (the whole run stopped there)
STATUS_OPEN = "kept: open in Excel (close it, then --overwrite regenerates it)"
#: a kept file shown with the numbers it holds
KEPT_WITH_NUMBERS = (STATUS_KEPT, STATUS_OPEN)
STATUS_STALE = "stale: could not read"
#: a kept workbook read back whose cached numbers are not those its inputs give in this run (another
#: pool, cost ladder or asm-xl version, inputs edited without recalculating): shown without numbers
#: the file under the row's name is another participant's workbook (another NPI, TIN or performance year:
#: the roster changed since it was written): neither used nor replaced
STATUS_OTHER = ("stale: the file there is another participant's workbook (NPI, TIN or performance year differ; "
                "use --overwrite or another --out)")
STATUS_STALE_NUMBERS = ("stale: its numbers are not what its inputs give in this run (edited without recalculating, "
                        "or another cost ladder or asm-xl version)")
#: the start of the status of a kept workbook made under other settings (its Assumptions sheet; a pool is a
#: setting): :func:`stale_settings_status` adds which
STATUS_STALE_SETTINGS = "stale: made under other settings"
#: a kept workbook whose five-year projection inputs (CMS's yearly participation, a later roster row's year)
#: are not what this run writes: its projection would not be the dashboard's Five years rows
STATUS_STALE_PROJECTION = ("stale: its five-year projection's inputs are not this run's (CMS's participation or a "
                           "later roster row changed)")


#: the start of the status of a kept workbook whose inputs (edited in it) the scoring refuses: its numbers are
#: error values; :func:`stale_invalid_status` adds which inputs and why
STATUS_STALE_INVALID = "stale: inputs not allowed"
#: its Benchmarks sheet's quality ladders (QualityLadders) are not this run's (--ladders)
STATUS_STALE_LADDERS = "stale: made with other quality ladders (--ladders; --overwrite regenerates it with this run's)"


def stale_invalid_status(refused: str) -> str:
    """The status of a kept workbook whose inputs are not allowed, naming them (``refused``: "pi_score 85:
    must be a fraction between 0 and 1 ..."): it said "could not read", with advice that changed nothing."""
    return f"{STATUS_STALE_INVALID} ({refused})"


def stale_settings_status(differences: str) -> str:
    """The status of a kept workbook made under other settings, naming them (``differences``:
    :func:`~asm_xl.model.settings_text.settings_differences`)."""
    return f"{STATUS_STALE_SETTINGS} ({differences})"

#: index column → defined name of the workbook cell whose cached value the index shows
KEPT_CELLS = {"cohort": "In_Cohort", "performance_year": "In_Year", "final_score": "Sc_Final",
              "factor": "Sc_Factor", "dollar_impact": "Sc_Impact", "dollars_p10": "Sc_DollarsP10",
              "dollars_p50": "Sc_DollarsP50", "dollars_p90": "Sc_DollarsP90", "p_gain": "Sc_GainChance"}
#: cells a workbook from an earlier asm-xl may lack: shown blank, the rest of the row still read
OPTIONAL_CELLS = frozenset({"dollars_p10", "dollars_p50", "dollars_p90", "p_gain"})
MAX_BYTES = 50_000_000        #: a generated workbook is ~100 kB; anything far larger is not ours

_CELL = re.compile(r"[A-Z]{1,3}[0-9]{1,7}")
_ROW = re.compile(r"[0-9]+$")


@dataclass(frozen=True)
class KeptWorkbook:
    """A kept workbook as read back: ``values``, as :func:`read_kept`; ``row``, the roster row its
    Inputs cells stand for (:func:`~asm_xl.workbooks.inputs.participant_row`), None when they cannot
    be read back (another layout, a cohort or measure table it does not know)."""

    values: dict
    row: dict | None
    settings: Settings | None = None   #: its Assumptions sheet read as Settings (None: not read, or not readable)
    #: its five-year projection's input cells as text (:func:`~asm_xl.workbooks.inputs.held_projection`)
    projection: dict | None = None
    #: its Benchmarks sheet's quality ladder table (QualityLadders) as rows of values (None: it has none)
    ladders: tuple | None = None


def read_kept(path: str | os.PathLike) -> dict | None:
    """Cached values of :data:`KEPT_CELLS` in a workbook, or None when it cannot be read.

    Numbers as float (whole ones as int), text as str, Excel errors as their text ("#N/A").
    None as well when the final score has no cached value (a file saved by a tool that drops cached
    values): showing blanks as if they were results would mislead.
    """
    kept = _read(path, inputs=False)
    return None if kept is None else kept.values


def read_kept_workbook(path: str | os.PathLike) -> KeptWorkbook | None:
    """:func:`read_kept` and the workbook's inputs, read in the same pass over its sheets (the
    Inputs sheet is read for the cohort anyway); None when :func:`read_kept` gives None."""
    return _read(path, inputs=True)


def _read(path, inputs: bool) -> KeptWorkbook | None:
    try:
        with open_workbook(path, max_bytes=MAX_BYTES) as zf:
            out = _values(zf, inputs)
    except Exception:  # noqa: BLE001 - any unreadable file is reported as stale, never raised
        return None
    if out is None or out[0].get("final_score") is None:
        return None
    return KeptWorkbook(*out)


def _assumption_cells(ref: str) -> dict[str, tuple] | None:
    """{cell: ("setting", row, 0 name / 1 value)} of the Assumptions range (two columns), or None."""
    try:
        c1, r1, c2, r2 = range_bounds(ref)
    except ValueError:
        return None
    if c2 != c1 + 1 or r2 - r1 > 1000:
        return None
    return {cell_name(c1 + j, r): ("setting", r, j) for r in range(r1, r2 + 1) for j in (0, 1)}


def _ladder_cells(ref: str) -> dict[str, tuple] | None:
    """{cell: ("ladder", row, column)} of the QualityLadders range, or None (not a table of ladder rows)."""
    try:
        c1, r1, c2, r2 = range_bounds(ref)
    except ValueError:
        return None
    if c2 - c1 + 1 != len(QUALITY_LADDER_COLUMNS) or r2 - r1 >= 200:
        return None
    return {cell_name(c1 + j, r): ("ladder", r, j) for r in range(r1, r2 + 1) for j in range(c2 - c1 + 1)}


def ladders_differ(held: tuple | None, ladders: LadderOverrides | None, cohort: object = None) -> bool:
    """Whether a kept workbook's quality ladder table (:attr:`KeptWorkbook.ladders`; None: it has none, the
    packaged ladders) scores otherwise than the run's ``ladders``: another ladder, topped out or not, for a
    measure and collection type of its ``cohort`` (all measures when None; another cohort's ladders score nothing
    there, and the sources are labels: they move no number); a table that is no ladder table
    (:func:`~asm_xl.model.user_ladders.quality_ladders` refuses it) differs."""
    try:
        mine = quality_ladders(held) if held else None
    except ASMInputError:
        return True

    try:
        scored = {m.id for m in get_cohort(cohort).measures} if cohort is not None else None
    except ASMInputError:
        scored = None

    def key(found):
        return sorted(((mid, ctype or ""), lad.starts, lad.topped_out) for (mid, ctype), lad in found.items()
                      if scored is None or mid in scored) if found else []
    return key(mine) != key(ladders)


def _settings(typed: dict) -> Settings | None:
    """The workbook's Assumptions table as Settings (blank values: the defaults, as the sheet says), or
    None when a name or value is not one asm-xl reads (another version's table)."""
    pairs = {}
    for key, name in typed.items():
        if isinstance(key, tuple) and key[0] == "setting" and key[2] == 0 and isinstance(name, str) and name.strip():
            pairs[name.strip()] = typed.get(("setting", key[1], 1))
    try:
        return Settings.from_mapping(pairs)
    except (ASMInputError, TypeError, ValueError):
        return None


def _values(zf: zipfile.ZipFile, inputs: bool) -> tuple | None:
    names = {d.name: (d.ref or "").strip() for d in defined_names(zf) if d.local_sheet is None}
    parts = dict(sheet_parts(zf))
    wanted: dict[str, dict[str, object]] = {}   # sheet part → {cell: index column, or (sheet, cell) of an input}
    for key, name in KEPT_CELLS.items():
        sheet, cell = split_sheet(names.get(name, ""), "")
        cell = normalise(cell) if cell else ""
        if sheet not in parts or not _CELL.fullmatch(cell):
            if key in OPTIONAL_CELLS and name not in names:
                continue
            return None
        wanted.setdefault(parts[sheet], {})[cell] = key
    inputs = inputs and all(plain_reference(names.get(n)) == plain_reference(ref) for n, ref in input_names().items()) \
        and all(sheet in parts for sheet, _ in READ_CELLS)
    if inputs:
        for sheet, cell in READ_CELLS:
            wanted.setdefault(parts[sheet], {}).setdefault(cell, (sheet, cell))
        sheet, ref = split_sheet(names.get("Assumptions", ""), "")
        table = _assumption_cells(ref) if sheet in parts and ref else None
        for cell, key in (table or {}).items():
            wanted.setdefault(parts[sheet], {}).setdefault(cell, key)
        sheet, ref = split_sheet(names.get(L.QUALITY_LADDERS, ""), "")
        for cell, key in ((_ladder_cells(ref) if sheet in parts and ref else None) or {}).items():
            wanted.setdefault(parts[sheet], {}).setdefault(cell, key)
    raw: dict = {}
    for part, cells in wanted.items():
        raw.update(_cells(read_member(zf, part), cells))
    strings = shared_strings(zf) if any(t == "s" for t, _ in raw.values()) else []
    typed = {key: _typed(t, v, strings) for key, (t, v) in raw.items()}
    values = {key: v for key, v in typed.items() if key in KEPT_CELLS}
    if not inputs:
        return values, None, None, None, None
    # a cell both lists name (In_Cohort, In_Year) is read once, under its index column
    cells = {key: v for key, v in typed.items() if isinstance(key, tuple) and key[0] not in ("setting", "ladder")}
    for key, name in KEPT_CELLS.items():
        if key in typed:
            sheet, cell = split_sheet(names[name], "")
            cells.setdefault((sheet, normalise(cell)), typed[key])
    grid = sorted(k for cells_ in wanted.values() for k in cells_.values() if isinstance(k, tuple) and k[0] == "ladder")
    rows = {}
    for _, r, j in grid:
        rows.setdefault(r, []).append(typed.get(("ladder", r, j)))
    return values, participant_row(cells), _settings(typed), held_projection(cells), \
        tuple(tuple(row) for _, row in sorted(rows.items())) if rows else None



def _cells(data: bytes, cells: dict[str, object]) -> dict:
    """{key: (cell type, raw value)} of the wanted cells {cell: key} of one sheet part."""
    found: dict = {}
    last = max(int(_ROW.search(c).group()) for c in cells)   # rows are in order: none read past this one
    for _, el in iterparse(io.BytesIO(data), events=("end",)):
        if local_name(el.tag) != "c":
            if local_name(el.tag) == "row" and int(el.get("r") or 0) >= last:
                break
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
