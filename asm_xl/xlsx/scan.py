"""The tree-level view of a workbook: every cell of every worksheet, read with defusedxml.

:func:`scan_workbook` reads any workbook the package checks accept (prefixed namespaces, cells
without ``r``, shared and array formulas, shared strings): formula text and attributes, cached
values, input values, defined names. It is slower than the byte-level reader
(:mod:`asm_xl.xlsx.book`) and serves the general ``formulas`` engine, ``--check`` and the
generator's one reading of its template. Both views share the package structure
(:mod:`asm_xl.xlsx.parts`), the reference parser (:mod:`asm_xl.xlsx.refs`) and the number rule
(:func:`asm_xl.xlsx.cells.decode_number`).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from typing import Any

from defusedxml import ElementTree as SafeET

from asm_xl.xlsx.cells import decode_number, error_cell, logical_cell, shared_string
from asm_xl.xlsx.errors import WorkbookError
from asm_xl.xlsx.limits import (DEFAULT_CONTENT_LIMITS, DEFAULT_MAX_BYTES, DEFAULT_MAX_MEMBERS, MAX_FORMULA_CHARS,
                               check_formula_ranges, open_workbook)
from asm_xl.xlsx.parts import defined_names, local_name, shared_strings, sheet_parts
from asm_xl.xlsx.refs import cell_name, cell_position, range_bounds

__all__ = ["WorkbookScan", "scan_workbook"]

CellKey = tuple[str, str]


@dataclass
class WorkbookScan:
    """What a workbook contains, read straight from its XML parts.

    ``formulas``: (sheet, cell) -> (formula text, sorted <f> attributes);
    ``array_cells``: cells covered by array formulas -> anchor cell;
    ``inputs``: non-formula cells with a value, converted as ``formulas``
    (through openpyxl) loads them; ``cached``: formula/array cells -> cached
    Python value or None; ``present``: every cell element seen;
    ``defined_names``: (name, localSheetId, hidden, ref) tuples;
    ``dynamic``: array-formula cells carrying cell metadata (``cm``: Excel 365's dynamic arrays,
    which spill; an array formula without it is a fixed, Ctrl+Shift+Enter one);
    ``merged``: sheet → (min col, min row, max col, max row) of each merged range;
    ``array_area``: the cells of every array formula's range, summed (at most
    ``DEFAULT_CONTENT_LIMITS.cells``: a workbook whose ranges cover more is refused);
    ``unsupported_inputs``: a date cell (``t="d"``) was seen;
    ``signature``: digest of sheet names, formulas and defined names.
    """
    sheets: list[str]
    formulas: dict[CellKey, tuple] = field(default_factory=dict)
    array_cells: dict[CellKey, str] = field(default_factory=dict)
    inputs: dict[CellKey, Any] = field(default_factory=dict)
    cached: dict[CellKey, Any] = field(default_factory=dict)
    present: set = field(default_factory=set)
    defined_names: tuple = ()
    dynamic: set = field(default_factory=set)
    merged: dict = field(default_factory=dict)
    array_area: int = 0
    unsupported_inputs: bool = False
    signature: str = ""

    @property
    def formula_cells(self) -> list[CellKey]:
        """Formula cells and cells covered by array formulas."""
        cells = list(self.formulas)
        cells.extend(k for k in self.array_cells if k not in self.formulas)
        return cells


def scan_workbook(path, *, max_bytes: int = DEFAULT_MAX_BYTES,
                  max_members: int = DEFAULT_MAX_MEMBERS, exact_inputs: bool = False) -> WorkbookScan:
    """Read formulas, input values and cached values of every worksheet (the package is checked
    first; see :mod:`asm_xl.xlsx.limits`). Input numbers are rounded to 15 decimal places as the
    ``formulas`` engine's loader (openpyxl) sees them, or with *exact_inputs* kept as stored (as
    Excel and our evaluator read them)."""
    path = os.fspath(path)
    with open_workbook(path, max_bytes=max_bytes, max_members=max_members) as zf:
        parts = sheet_parts(zf)
        strings = shared_strings(zf)
        scan = WorkbookScan(sheets=[n for n, _ in parts], defined_names=tuple(map(tuple, defined_names(zf))))
        for sheet, member in parts:
            if member in zf.NameToInfo:
                with zf.open(member) as src:
                    try:
                        _scan_sheet(scan, sheet, src, strings, exact_inputs)
                    except WorkbookError:
                        raise
                    except ValueError as e:   # a cell no spreadsheet writes: named, as a corrupt package is
                        raise WorkbookError(f"corrupt workbook: {path}: sheet {sheet!r}: {e}") from None
    check_formula_ranges(((f"{sheet}!{cell}", text) for (sheet, cell), (text, _) in scan.formulas.items()),
                         [(n[0] or "", n[3] or "") for n in scan.defined_names])
    scan.signature = hashlib.sha256(repr((
        scan.sheets, scan.defined_names, sorted(scan.formulas.items()),
    )).encode("utf-8")).hexdigest()
    return scan


def _cell_text(el) -> str:
    return "".join(t.text or "" for t in el.iter() if local_name(t.tag) == "t")


def _scan_sheet(scan: WorkbookScan, sheet: str, src, strings, exact: bool = False) -> None:
    row, col = 0, 0
    pending_inputs = {}
    for event, el in SafeET.iterparse(src, events=("start", "end")):
        tag = local_name(el.tag)
        if event == "start":
            if tag == "row":
                r = el.get("r")
                row, col = (int(r) if r else row + 1), 0
            continue
        if tag == "row":
            el.clear()
        elif tag == "mergeCell" and el.get("ref"):
            try:
                scan.merged.setdefault(sheet, []).append(range_bounds(el.get("ref")))
            except ValueError:  # a reference no spreadsheet reads: nothing is merged
                pass
        if tag != "c":
            continue
        ref = el.get("r")
        col, cell_row = cell_position(ref) if ref else (col + 1, row)
        coord = cell_name(col, cell_row)
        key = (sheet, coord)
        scan.present.add(key)
        t = el.get("t", "n")
        f = v = inline = None
        for child in el:
            name = local_name(child.tag)
            if name == "f":
                f = child
            elif name == "v":
                v = child.text or ""
            elif name == "is":
                inline = _cell_text(child)
        if f is not None:
            if not (f.text or "").strip() and not f.attrib:   # <f></f>: no formula (its cached text "=" was copied)
                raise ValueError(f"{coord}: an empty formula")
            if len(f.text or "") > MAX_FORMULA_CHARS:
                raise WorkbookError(f"{sheet}!{coord}: a formula of {len(f.text):,} characters, more than the "
                                    f"{MAX_FORMULA_CHARS:,} Excel allows (not a workbook Excel wrote)")
            scan.formulas[key] = (f.text or "", tuple(sorted(f.attrib.items())))
            if f.get("t") == "array" and el.get("cm") is not None:
                scan.dynamic.add(key)
            if f.get("t") in ("array", "dataTable") and f.get("ref"):
                c1, r1, c2, r2 = range_bounds(f.get("ref"))
                scan.array_area += (c2 - c1 + 1) * (r2 - r1 + 1)
                if scan.array_area > DEFAULT_CONTENT_LIMITS.cells:  # each covered cell is kept: bound them first
                    raise WorkbookError(f"{sheet}!{coord}: array formula ranges cover {scan.array_area:,} cells, more than "
                                        f"the {DEFAULT_CONTENT_LIMITS.cells:,} a workbook may hold")
                for rr in range(r1, r2 + 1):
                    for cc in range(c1, c2 + 1):
                        scan.array_cells[(sheet, cell_name(cc, rr))] = coord
            scan.cached[key] = _cell(coord, _cached, t, v, strings)
        elif key in scan.array_cells:
            scan.cached[key] = _cell(coord, _cached, t, v, strings)
        else:
            if t == "d":
                scan.unsupported_inputs = True
            value = _cell(coord, _input, t, v, inline, strings, exact)
            if value is not None:
                pending_inputs[key] = value
        el.clear()
    for key, value in pending_inputs.items():
        if key not in scan.array_cells:
            scan.inputs[key] = value


def _cell(coord: str, decode, *args) -> Any:
    """``decode(*args)``, a ValueError naming the cell (``coord``)."""
    try:
        return decode(*args)
    except ValueError as e:
        raise ValueError(f"{coord}: {e}") from None


def _cached(t: str, v: str | None, strings) -> Any:
    """A formula cell's cached value; None when there is no <v>."""
    if v is None:
        return None
    if t in ("e", "str", "inlineStr"):
        return v
    if v == "":
        return None
    if t == "s":
        return shared_string(v, strings)
    if t == "b":
        return v.strip() not in ("0", "false")
    try:
        return decode_number(v)
    except ValueError:
        return v


def _input(t: str, v: str | None, inline: str | None, strings, exact: bool = False) -> Any:
    """An input cell's value as formulas' loader (openpyxl) sees it: floats rounded to 15
    decimal places (*exact*: as stored)."""
    if t == "inlineStr":
        return inline
    if v is None or v == "":
        return None
    if t == "s":
        return shared_string(v, strings)
    if t == "b":
        return logical_cell(v)
    if t == "e":
        return error_cell(v)
    if t in ("str", "d"):
        return v
    if t != "n":   # t="zz": no cell type Excel writes
        raise ValueError(f"cell type {t!r}")
    value = decode_number(v)
    return round(value, 15) if isinstance(value, float) and not exact else value
