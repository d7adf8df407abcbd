"""Headless recalculation of workbooks holding array formulas (Excel 365's dynamic arrays and the
fixed Ctrl+Shift+Enter ones), with every cell they cover written back.

The byte-level reader of the fast path (:mod:`asm_xl.calc.fast`) refuses array formulas, and the
``formulas`` engine neither grows nor shrinks a spill. :func:`recalc_arrays` reads such a workbook
with the tree-level view (:func:`~asm_xl.xlsx.scan.scan_workbook`), computes it with our evaluator
(:class:`~asm_xl.calc.array_formulas.ArrayProgram`) and writes the anchors' and the covered cells'
cached values, the dynamic anchors' new ranges and the cells a spill left
(:func:`~asm_xl.xlsx.spill_writer.write_sheet_edits`). A workbook without array formulas, or with
a formula our evaluator does not compute as Excel would, gives ``None`` and is not touched (the
``formulas`` engine takes it).
"""

from __future__ import annotations

import logging
import os
import re

from asm_xl.xlsx.atomic import file_stamp
from asm_xl.xlsx.limits import DEFAULT_MAX_BYTES, DEFAULT_MAX_MEMBERS, WORKBOOK_PART, open_workbook
from asm_xl.xlsx.parts import formula_names, sheet_parts, without_full_calc_on_load
from asm_xl.xlsx.scan import WorkbookScan, scan_workbook
from asm_xl.xlsx.spill_writer import CellPlacementError, SheetEdits, write_sheet_edits
from asm_xl.xlsx.zipcopy import read_member
from asm_xl.calc.array_formulas import ArrayProgram
from asm_xl.calc.diff import Difference, same_value
from asm_xl.calc.evaluator import UnsupportedFormula, XlErr, warn_top_left_only
from asm_xl.calc.recently_used import RecentlyUsed

__all__ = ["recalc_arrays", "ArrayPrograms", "has_array_formulas"]

log = logging.getLogger(__name__)

_ARRAY = re.compile(rb"""<(?:[\w.-]+:)?f\s[^>]*\bt\s*=\s*["']array["']""")


def has_array_formulas(zf) -> bool:
    """Whether any worksheet of the open package *zf* holds an array formula (bytes searched, no parsing)."""
    return any(_ARRAY.search(read_member(zf, member)) for _name, member in sheet_parts(zf) if member in zf.NameToInfo)


class ArrayPrograms:
    """Compiled :class:`~asm_xl.calc.array_formulas.ArrayProgram` by workbook signature (the
    *maxsize* most recently used; None: our evaluator does not support the workbook)."""

    def __init__(self, maxsize: int = 8):
        self._programs = RecentlyUsed(maxsize)

    def get(self, scan: WorkbookScan) -> ArrayProgram | None:
        key = (scan.signature, frozenset(scan.dynamic))
        if key in self._programs:
            return self._programs.get(key)
        program = None
        names = formula_names(scan.defined_names)
        if names is not None:
            try:
                program = ArrayProgram(scan.formulas, scan.dynamic, names)
            except UnsupportedFormula:
                program = None
        self._programs.put(key, program)
        return program


def _plain(v):
    return str(v) if isinstance(v, XlErr) else v


def _differences(scan: WorkbookScan, fresh: dict, clear: set) -> list[Difference]:
    """Cells whose cached value differs from the fresh one, and cleared cells that still hold one."""
    diffs = []
    for key, value in fresh.items():
        cached, value = _plain(scan.cached.get(key)), _plain(value)
        if not same_value(cached, value):
            diffs.append(Difference(key[0], key[1], cached, value))
    for key in sorted(clear):
        if scan.cached.get(key) is not None:
            diffs.append(Difference(key[0], key[1], _plain(scan.cached[key]), None))
    return diffs


def _missing_sheets(program: ArrayProgram, scan: WorkbookScan) -> set[str]:
    """Sheets the formulas read that the workbook does not have (deleted or renamed): Excel's #REF!,
    which the ``formulas`` engine gives; our evaluator would read their cells as blank."""
    return program.sheets_read - {s.upper() for s in scan.sheets}


def recalc_arrays(path, check: bool = False, *, programs: ArrayPrograms | None = None,
                  max_bytes: int = DEFAULT_MAX_BYTES, max_members: int = DEFAULT_MAX_MEMBERS):
    """Like :func:`asm_xl.calc.formulas_engine.recalc_file` for a workbook with array formulas:
    the number of cells given a value (formula cells and every cell an array covers), or with
    ``check=True`` the :class:`~asm_xl.calc.diff.Difference` list (covered cells and cells a spill
    left included). ``None``: no array formula, or formulas this path does not compute (nothing
    written). A workbook whose cached values are all current is left as it is."""
    path = os.fspath(path)
    limits = {"max_bytes": max_bytes, "max_members": max_members}
    stamp = file_stamp(path)  # the file as read: a file written meanwhile is not replaced
    with open_workbook(path, **limits) as zf:
        if not has_array_formulas(zf):
            return None
        workbook_xml = read_member(zf, WORKBOOK_PART)
    computed_on_opening = without_full_calc_on_load(workbook_xml) != workbook_xml
    scan = scan_workbook(path, exact_inputs=True, **limits)
    if scan.unsupported_inputs:
        return None
    program = (programs or ArrayPrograms()).get(scan)
    if program is None or _missing_sheets(program, scan):
        return None
    taken = set(scan.formulas) | {k for k, v in scan.inputs.items() if v not in (None, "")}
    tables: list = []
    try:
        values, placed = program.run(scan.inputs, taken, scan.merged, tables)
    except UnsupportedFormula:
        return None
    warn_top_left_only(log, path, tables)   # as the template path says it (recalc_fast)
    fresh = dict(values)
    fresh.update(placed.values)
    diffs = _differences(scan, fresh, placed.clear)
    if check:
        return diffs
    if diffs or placed.refs or computed_on_opening:   # (every formula computed: no longer on opening)
        edits: dict[str, SheetEdits] = {}
        for (sheet, cell), value in fresh.items():
            edits.setdefault(sheet, SheetEdits()).values[cell] = value
        for (sheet, cell), ref in placed.refs.items():
            edits.setdefault(sheet, SheetEdits()).refs[cell] = ref
        for sheet, cell in placed.clear:
            edits.setdefault(sheet, SheetEdits()).clear.add(cell)
        try:
            write_sheet_edits(path, edits, expect=stamp, all_computed=True, **limits)
        except CellPlacementError:
            return None
    return len(fresh)
