"""Headless recalculation of workbooks with the ``formulas`` library.

* :func:`register_functions`, :func:`to_excel_shaped`, :func:`from_excel_shaped`
  (from :mod:`asm_xl.calc.formulas_values`, re-exported): the add-in's Excel
  functions inside ``formulas``.
* :func:`recalculate` computes every formula cell of a workbook.
* :func:`recalc_file` stores the results as cached values in the file (via
  :func:`~asm_xl.xlsx.package.write_cached_values`) or checks the
  cached values already there.
* :class:`CompiledWorkbook` / :class:`ModelCache` compile a template once and
  recompute workbooks that share its formulas by substituting input values.

Workbooks are read through the Excel-file layer's tree-level view
(:func:`asm_xl.xlsx.scan.scan_workbook`); ``WorkbookScan`` and ``scan_workbook`` are
re-exported here for existing callers.
"""
from __future__ import annotations

import contextlib
import io
import os
import warnings
from typing import Any

import schedula as sh

from asm_xl.xlsx.limits import DEFAULT_MAX_BYTES, DEFAULT_MAX_MEMBERS
from asm_xl.xlsx.refs import cell_name
from asm_xl.xlsx.scan import WorkbookScan, scan_workbook
from asm_xl.xlsx.atomic import file_stamp
from asm_xl.xlsx.writer import write_cached_values
from asm_xl.calc.diff import Difference, same_value
from asm_xl.calc.formulas_values import (from_excel_shaped, load_formulas, register_functions, to_excel_shaped, to_python,
                                        unknown_functions)
from asm_xl.calc.recently_used import RecentlyUsed

__all__ = [
    "register_functions", "to_excel_shaped", "from_excel_shaped",
    "recalculate", "recalc_file", "Difference", "CompiledWorkbook",
    "ModelCache", "WorkbookScan", "scan_workbook", "to_python",
]

CellKey = tuple[str, str]


def _load_model(path: str):
    sink = io.StringIO()
    with contextlib.redirect_stderr(sink):  # silence formulas' tqdm bars
        model = _model_class()().loads(path).finish()
    return model


def _model_class():
    """``formulas.ExcelModel`` that ignores the values stored in the cells an array formula covers, as
    Excel does: the array's result is theirs. ``formulas`` already skips a stored number or text there,
    but reads a stored error value (``#NAME?`` in every cell of an ``ASM_*`` table LibreOffice saved) as
    a formula of its own, whose constant then wins over the array's result for every formula reading
    that cell. (Made for each model: a module keeps no compiled state, and a class costs microseconds
    beside a compile.)"""
    formulas = load_formulas()

    class ExcelModel(formulas.ExcelModel):
        def add_cell(self, cell, context, formula_ranges):
            if _covered_constant(cell, formula_ranges):
                return None
            return super().add_cell(cell, context, formula_ranges)

    return ExcelModel


def _covered_constant(cell, formula_ranges) -> bool:
    """A formula of no inputs (an error value read as one) in a cell an array formula's range covers,
    other than its top-left cell (where the array formula itself is)."""
    if cell.value is not sh.EMPTY or cell.inputs or len(cell.range.ranges) != 1:
        return False
    own = cell.range.ranges[0]
    for rng in formula_ranges:
        if not (cell.range - rng).ranges:
            top_left = rng.ranges[0]
            return (top_left["n1"], int(top_left["r1"])) != (own["n1"], int(own["r1"]))
    return False


class CompiledWorkbook:
    """A compiled ``formulas`` model of one workbook (the template).

    :meth:`calculate` recomputes any workbook: when its formulas (and sheet
    names and defined names) are identical to the template's, only its input
    values are substituted into the compiled model; otherwise it falls back
    to a full compile.  ``last_reused`` tells which path was taken.
    """

    def __init__(self, path, *, max_bytes: int = DEFAULT_MAX_BYTES,
                 max_members: int = DEFAULT_MAX_MEMBERS,
                 scan: WorkbookScan | None = None):
        self.path = os.fspath(path)
        self.limits = {"max_bytes": max_bytes, "max_members": max_members}
        self.scan = scan or scan_workbook(self.path, **self.limits)
        self.model = _load_model(self.path)
        self.last_reused = False
        self._index()

    @property
    def signature(self) -> str:
        return self.scan.signature

    def _index(self) -> None:
        """Map (SHEET, coord) <-> formulas node ids."""
        from formulas.ranges import Ranges
        upper = {s.upper(): s for s in self.scan.sheets}
        self._upper = upper
        self._node = {}          # (real sheet, coord) -> single-cell node id
        self._sheet_id = {}      # real sheet -> formulas' sheet id
        self._multi = []         # (sheet, c1, r1, c2, r2, node id)
        names = list(self.model.cells.items())
        for node_id, cell in names:
            rng = getattr(cell, "range", None)
            if rng is None or not rng.ranges:
                continue
            self._add_range(rng.ranges[0], node_id, upper)
        data_nodes = self.model.dsp.data_nodes
        for node_id in data_nodes:
            if isinstance(node_id, sh.Token) or node_id in self.model.cells:
                continue
            try:
                rng = Ranges().push(node_id).ranges[0]
            except Exception:
                continue
            self._add_range(rng, node_id, upper, formula=False)
        #: (sheet, coord) -> (array formula's node id, row, column in its result) of every cell an array covers
        self._array_cells = {(sheet, cell_name(c, r)): (node_id, r - r1, c - c1)
                             for sheet, c1, r1, c2, r2, node_id in self._multi
                             for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}
        self._has_self = sh.SELF in data_nodes
        self._input_nodes = {
            k: node for k, node in self._node.items()
            if node in self.model.dsp.default_values
            and k not in self.scan.formulas}

    def _add_range(self, r: dict, node_id: str, upper, formula=True) -> None:
        sheet = upper.get(str(r.get("sheet", "")).upper())
        if sheet is None or not r.get("r1"):
            return
        self._sheet_id.setdefault(sheet, r.get("sheet_id"))
        c1, c2, r1, r2 = r["n1"], r["n2"], int(r["r1"]), int(r["r2"])
        if (c1, r1) == (c2, r2):
            self._node.setdefault((sheet, f"{r['c1']}{r1}"), node_id)
        elif formula:
            self._multi.append((sheet, c1, r1, c2, r2, node_id))

    def compatible(self, scan: WorkbookScan) -> bool:
        """True when *scan* can be computed by substituting its inputs."""
        return scan.signature == self.signature and not scan.unsupported_inputs

    def _inputs_for(self, scan: WorkbookScan) -> dict:
        empty = [[sh.EMPTY]]
        inputs = {node: empty for node in self._input_nodes.values()}
        for key, value in scan.inputs.items():
            node = self._node.get(key)
            if node is None and self._has_self and key[0] in self._sheet_id:
                node = f"{self._sheet_id[key[0]]}!{key[1]}"
            if node is not None:
                inputs[node] = value
        return inputs

    def _extract(self, solution, scan: WorkbookScan) -> dict:
        """The value of each formula cell of ``scan``. A cell an array formula covers takes its place in
        the array's result first: ``formulas`` also keeps a node for the value stored in such a cell (an
        error value LibreOffice saved where it could not compute, ``#NAME?`` for every ``ASM_*`` table),
        and that node's value is the stored one, not the formula's."""
        out = {}
        missing = []
        for key in scan.formula_cells:
            in_array = self._array_cells.get(key)
            if in_array is not None and in_array[0] in solution:
                node_id, i, j = in_array
                out[key] = to_python(solution[node_id].value[i, j])
                continue
            node = self._node.get(key)
            if node is not None and node in solution:
                out[key] = to_python(solution[node])
                continue
            missing.append(f"{key[0]}!{key[1]}")
            out[key] = "#VALUE!"
        unknown = {}   # a function formulas does not know gives #NAME? over the value Excel computed: said
        for key, value in out.items():
            if value == "#NAME?" and key in scan.formulas:
                for name in unknown_functions(scan.formulas[key][0]):
                    unknown.setdefault(name.upper(), []).append(f"{key[0]}!{key[1]}")
        for name, cells in unknown.items():
            warnings.warn(f"{name} is a function asm-xl's engines do not compute: {len(cells)} cell(s) written as "
                          f"#NAME? ({', '.join(cells[:5])}{', ...' if len(cells) > 5 else ''}); Excel computes them "
                          "when it opens the file", RuntimeWarning, stacklevel=3)
        if missing:
            warnings.warn("formulas did not compute "
                          f"{len(missing)} cell(s), written as #VALUE!: "
                          + ", ".join(missing[:10]), RuntimeWarning,
                          stacklevel=3)
        return out

    def calculate(self, path=None, *, scan: WorkbookScan | None = None
                  ) -> dict[CellKey, Any]:
        """Return (sheet, cell) -> value for every formula cell of *path*.

        Without *path*, the template as it was compiled.  Otherwise the file
        is scanned again (so later edits, even to the template file itself,
        are seen) and its inputs are substituted when its formulas match.
        """
        if path is None:
            self.last_reused = False
            return self._extract(self.model.calculate(), self.scan)
        scan = scan or scan_workbook(path, **self.limits)
        if not self.compatible(scan):
            self.last_reused = False
            return CompiledWorkbook(path, scan=scan, **self.limits).calculate()
        self.last_reused = True
        solution = self.model.calculate(inputs=self._inputs_for(scan))
        return self._extract(solution, scan)


class ModelCache:
    """Compiled models keyed by formula signature (LRU, *maxsize* models).

    Workbooks generated from one template share one compiled model.
    """

    def __init__(self, maxsize: int = 8):
        self._models = RecentlyUsed(maxsize)
        self.hits = self.misses = 0

    def calculate(self, path, *, max_bytes: int = DEFAULT_MAX_BYTES,
                  max_members: int = DEFAULT_MAX_MEMBERS, scan: WorkbookScan | None = None) -> dict:
        """``scan``: the workbook as the caller read it already (None: read here)."""
        scan = scan or scan_workbook(path, max_bytes=max_bytes, max_members=max_members)
        compiled = self._models.get(scan.signature)
        if compiled is not None and compiled.compatible(scan):
            self.hits += 1
            return compiled.calculate(path, scan=scan)
        self.misses += 1
        compiled = CompiledWorkbook(path, scan=scan, max_bytes=max_bytes,
                                    max_members=max_members)
        if not scan.unsupported_inputs:
            self._models.put(scan.signature, compiled)
        return compiled.calculate()


def recalculate(path, *, cache: ModelCache | None = None,
                max_bytes: int = DEFAULT_MAX_BYTES,
                max_members: int = DEFAULT_MAX_MEMBERS, scan: WorkbookScan | None = None
                ) -> dict[CellKey, Any]:
    """Compute every formula cell of the workbook at *path*.

    Returns (real sheet name, "A1") -> float/int/bool/str or an Excel error
    string such as "#N/A".  Only formula cells (and cells covered by array
    formulas) are returned.  With a :class:`ModelCache`, workbooks whose
    formulas match an already compiled one reuse its model. ``scan``: the workbook as the caller read
    it already (None: read here).
    """
    limits = {"max_bytes": max_bytes, "max_members": max_members}
    if cache is not None:
        return cache.calculate(path, scan=scan, **limits)
    return CompiledWorkbook(path, scan=scan, **limits).calculate()


def recalc_file(path, check: bool = False, *, cache: ModelCache | None = None,
                max_bytes: int = DEFAULT_MAX_BYTES,
                max_members: int = DEFAULT_MAX_MEMBERS):
    """Recalculate *path* and store the results as its cached values.

    Returns the number of cells recalculated; only those whose cached value differs are written (a
    file whose values were all right is not rewritten).  With ``check=True`` nothing is
    written; the cached values in the file are compared with a fresh
    calculation and a list of :class:`Difference` is returned (a missing
    cached value counts as a difference; numbers compare with rel 1e-9 /
    abs 1e-12).  Cells covered by an array formula but absent from the XML
    (openpyxl writes only the anchor cell) are skipped in both modes.
    """
    path = os.fspath(path)
    limits = {"max_bytes": max_bytes, "max_members": max_members}
    stamp = file_stamp(path)  # the file as read: a file written meanwhile is not replaced
    scan = scan_workbook(path, **limits)   # read once: computed from, and compared with
    fresh = recalculate(path, cache=cache, scan=scan, **limits)
    diffs = []
    for key, value in fresh.items():
        if key not in scan.present:
            continue
        cached = scan.cached.get(key)
        if not same_value(cached, value):
            diffs.append(Difference(key[0], key[1], cached, value))
    if check:
        return diffs
    if diffs:  # only what changed: a file whose values were right is not rewritten (2 and 2.0 are the same)
        write_cached_values(path, {(d.sheet, d.cell): fresh[(d.sheet, d.cell)] for d in diffs}, expect=stamp,
                            **limits)
    return sum(key in scan.present for key in fresh)

