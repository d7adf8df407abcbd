"""Array formulas evaluated the way Excel fills their cells: Excel 365's dynamic arrays (which
spill, growing or shrinking with their result) and the fixed Ctrl+Shift+Enter arrays.

A workbook's formulas become an :class:`ArrayProgram`: its ordinary formulas one
:class:`~asm_xl.calc.evaluator.Evaluator`, each array formula (its anchor's text) a function of
:func:`~asm_xl.calc.evaluator.compile_formula`, which gives the whole result, not only its top-left
value. :meth:`ArrayProgram.run` computes them, places each result (:func:`place_results`), and
computes again while a formula reads a cell an array filled, until nothing changes (Excel's second
pass over spilled cells).

Placement follows Excel:

* a dynamic array covers its result's rows and columns from its anchor; when a cell it would newly
  cover holds anything (a value, a formula, another array, a merged cell) or the sheet ends first,
  the anchor shows ``#SPILL!`` and covers itself only; cells it no longer covers are emptied;
* a fixed array keeps its range: a one-row (one-column) result repeats down (across), a smaller one
  leaves ``#N/A`` beyond it, a larger one is cut.

Our evaluator gives a range to an operator or to a built-in that wants one value as ``#VALUE!``,
where Excel would compute cell by cell in an array formula (and in any formula of Excel 365); such
a formula, anywhere in the workbook, raises :class:`UnsupportedFormula` (the caller leaves the
workbook to the ``formulas`` engine) rather than give a wrong number.
"""

from __future__ import annotations

import re
from itertools import chain
from dataclasses import dataclass, field

from asm_xl.calc import excel_semantics as xl
from asm_xl.calc.codegen import same_in_array_context
from asm_xl.calc.evaluator import KNOWN_FUNCTIONS, Evaluator, UnsupportedFormula, XlErr, compile_formula
from asm_xl.calc.formula_parser import cells_read, parse_formula
from asm_xl.xlsx.errors import WorkbookError
from asm_xl.xlsx.limits import DEFAULT_CONTENT_LIMITS
from asm_xl.xlsx.refs import MAX_COLUMN, MAX_ROW, cell_name, cell_position, range_bounds

__all__ = ["ArrayFormula", "ArrayProgram", "Placement", "place_results", "without_prefixes"]

CellKey = tuple[str, str]

#: a string or quoted sheet name (kept), or the prefixes Excel writes before newer and user-defined
#: functions in a file (``_xlfn.``, ``_xludf.``, ``_xlws.``): removed
_PREFIXES = re.compile(r""""(?:[^"]|"")*"|'(?:[^']|'')*'|(?<![\w.])(?:_xlfn\.|_xludf\.|_xlws\.)+""", re.IGNORECASE)


def without_prefixes(text: str) -> str:
    """A formula as written in a file, without the function prefixes Excel stores:
    ``_xludf.ASM_FACTOR(B2:B6,2027,"HF")`` → ``ASM_FACTOR(B2:B6,2027,"HF")``."""
    if "_x" not in text and "_X" not in text:
        return text
    return _PREFIXES.sub(lambda m: m.group() if m.group()[0] in "\"'" else "", text)


@dataclass(frozen=True)
class ArrayFormula:
    """An array formula: its anchor, its range as stored (bounds), whether it is dynamic (spills),
    and its compiled function of ``get(sheet, cell)``."""

    key: CellKey
    bounds: tuple[int, int, int, int]
    dynamic: bool
    fn: object


@dataclass
class Placement:
    """Where array results go: ``values`` every cell an array covers → its value (anchors
    included), ``refs`` dynamic anchors whose range changed → the new range, ``clear`` cells a
    dynamic array no longer covers."""

    values: dict = field(default_factory=dict)
    refs: dict = field(default_factory=dict)
    clear: set = field(default_factory=set)


def _cells(sheet: str, col: int, row: int, rows: int, cols: int):
    return [(sheet, cell_name(col + j, row + i)) for i in range(rows) for j in range(cols)]


def place_results(arrays: list[ArrayFormula], raws: dict, taken: set, merged: dict) -> Placement:
    """Place each array's result (*raws*: anchor → what its formula gave). *taken*: cells that
    hold something of their own (values, formulas; the anchors are added here); *merged*: sheet →
    bounds of merged ranges. Fixed arrays first (their ranges are theirs), then dynamic ones in
    order, each blocked by what was placed before it."""
    tables = {a.key: xl.array_table(raws[a.key]) for a in arrays}
    _check_size(arrays, tables)
    out = Placement()
    taken = set(taken) | {a.key for a in arrays}
    # a dynamic array's range as stored is its own until it is placed (the one there first keeps it)
    stored = {a.key: _cells(a.key[0], *_shape(a.bounds)) for a in arrays if a.dynamic}
    held = {k: key for key, cells in stored.items() for k in cells}
    for a in arrays:
        if not a.dynamic:
            cells = _cells(a.key[0], *_shape(a.bounds))
            taken.update(cells)
            out.values.update(zip(cells, chain.from_iterable(xl.fixed_array(raws[a.key], *_shape(a.bounds)[2:]))))
    for a in arrays:
        if not a.dynamic:
            continue
        sheet, anchor = a.key
        col, row = cell_position(anchor)
        table = tables[a.key]
        rows, cols = len(table), len(table[0])
        if col + cols - 1 > MAX_COLUMN or row + rows - 1 > MAX_ROW:  # past the sheet's edge
            cells = None
        else:
            cells = _cells(sheet, col, row, rows, cols)
            if any(k in taken or held.get(k, a.key) != a.key for k in cells[1:]) or \
                    _in_merged(cells, merged.get(sheet, ())):
                cells = None
        if cells is None:
            table, rows, cols, cells = [[XlErr("#SPILL!")]], 1, 1, [a.key]
        taken.update(cells)
        for k in stored.pop(a.key):
            if held.get(k) == a.key:
                del held[k]
        _put(out, cells, table)
        new_ref = anchor if rows == cols == 1 else f"{anchor}:{cell_name(col + cols - 1, row + rows - 1)}"
        if range_bounds(new_ref) != a.bounds:
            out.refs[a.key] = new_ref
        out.clear.update(k for k in _cells(sheet, *_shape(a.bounds)) if k not in out.values)
    out.clear -= out.values.keys()
    return out


def _shape(bounds: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    """(first column, first row, rows, columns) of a range's bounds."""
    c1, r1, c2, r2 = bounds
    return c1, r1, r2 - r1 + 1, c2 - c1 + 1


def _put(out: Placement, cells: list, table: list[list]) -> None:
    out.values.update(zip(cells, (xl.array_cell(v, k == 0) for k, v in enumerate(chain.from_iterable(table)))))


def _check_size(arrays: list[ArrayFormula], tables: dict) -> None:
    """Refuse results covering more cells than a workbook may hold, before any cell is made."""
    sizes = {a.key: _area(a.bounds) if not a.dynamic else len(tables[a.key]) * len(tables[a.key][0]) for a in arrays}
    total = sum(sizes.values())
    if total > DEFAULT_CONTENT_LIMITS.cells:
        (sheet, cell), largest = max(sizes.items(), key=lambda kv: kv[1])
        raise WorkbookError(f"array formulas' results cover {total:,} cells, more than the "
                            f"{DEFAULT_CONTENT_LIMITS.cells:,} a workbook may hold (the largest: {sheet}!{cell}, "
                            f"{largest:,} cells)")


def _area(bounds: tuple[int, int, int, int]) -> int:
    c1, r1, c2, r2 = bounds
    return (c2 - c1 + 1) * (r2 - r1 + 1)


def _in_merged(cells: list, merged) -> bool:
    if not merged:
        return False
    for _sheet, cell in cells:
        c, r = cell_position(cell)
        if any(c1 <= c <= c2 and r1 <= r <= r2 for c1, r1, c2, r2 in merged):
            return True
    return False


class ArrayProgram:
    """A workbook's formulas compiled for :meth:`run`: ``formulas`` (sheet, cell) → (text, <f>
    attributes as sorted pairs) of every formula cell, ``dynamic`` the array anchors that spill,
    ``names`` workbook-scoped defined names. Raises :class:`UnsupportedFormula` for a formula our
    evaluator does not compute as Excel would (see the module's note), a shared or data-table
    formula."""

    def __init__(self, formulas: dict, dynamic, names: dict[str, str]):
        upper = {k.upper(): v for k, v in names.items()}
        plain, arrays, reads, refs = {}, [], set(), {}
        for key, (text, attrs) in formulas.items():
            attrs = dict(attrs)
            kind = attrs.get("t", "normal")
            if kind not in ("normal", "array"):
                raise UnsupportedFormula(f"a {kind} formula at {key[0]}!{key[1]}")
            text = "=" + without_prefixes(text or "")
            tree = parse_formula(text, key[0], upper, refs, KNOWN_FUNCTIONS)
            if not same_in_array_context(tree):
                raise UnsupportedFormula(f"{key[0]}!{key[1]}: a range given to an operator or to a function taking "
                                         "one value (Excel computes it cell by cell)")
            cells_read(tree, reads)
            if kind == "normal":
                plain[key] = text
                continue
            try:
                bounds = range_bounds(attrs.get("ref") or key[1])
            except ValueError:
                raise UnsupportedFormula(f"{key[0]}!{key[1]}: array range {attrs.get('ref')!r}") from None
            if bounds[:2] != cell_position(key[1]):
                raise UnsupportedFormula(f"{key[0]}!{key[1]}: an array formula not at its range's top-left")
            arrays.append(ArrayFormula(key, bounds, key in dynamic, compile_formula(text, key[0], names)))
        self.plain = Evaluator(plain, names)
        self.arrays = arrays
        #: every cell some formula reads, and the sheets they are on
        self.reads = frozenset(reads)
        self.sheets_read = frozenset(sheet.upper() for sheet, _cell in self.reads)

    def run(self, inputs: dict, taken: set, merged: dict, tables: list | None = None) -> tuple[dict, Placement]:
        """(values of the ordinary formula cells, where the arrays' results go) from the input
        cells' values. *taken*, *merged*: as :func:`place_results`. Computed again while a formula
        reads an array's cell, until nothing changes; one that never settles (arrays reading each
        other in a circle) raises :class:`UnsupportedFormula`. ``tables``: given, the plain formula cells that
        hold only the top-left value of a table are added to it (:meth:`Evaluator.run`)."""
        placed = Placement()
        for _ in range(len(self.arrays) + 2):
            env = dict(inputs)
            env.update(placed.values)
            top_left: list = []
            values = self.plain.run(env, top_left)   # a plain formula holds a table's top-left value (Evaluator.run)
            env.update((k, values[k]) for k in self.plain.keys)
            get = env.get
            raws = {a.key: a.fn(lambda s, c: get((s, c))) for a in self.arrays}
            again = place_results(self.arrays, raws, taken, merged)
            settled = again.values == placed.values or not (again.values.keys() & self.reads)
            placed = again
            if settled:
                if tables is not None:
                    tables.extend(top_left)
                return {k: values[k] for k in self.plain.keys}, placed
        raise UnsupportedFormula("array formulas whose results read each other do not settle")
