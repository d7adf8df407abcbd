"""A small evaluator for the Excel formulas our template uses, to pre-compute cached values fast.

Generating 8,600 workbooks cannot afford the general engine (``formulas`` spends about 250 µs per
cell call, ~30 ms a workbook); the template's formulas use a small subset of Excel, compiled here
once per template into one generated Python function that computes every formula cell in
dependency order (about 1 ms a workbook; ASM_* results are memoized on their arguments).
Supported: numbers, strings, TRUE/FALSE, cell and range
references (with sheet and $), workbook-scoped defined names, ``+ - * / ^ & = <> < > <= >=``, unary
minus, empty arguments, IF (lazy), AND, OR, NOT, ISERROR, ISNUMBER, NA, MIN, MAX, SUM, LEFT, N, and
every ASM_* function through the registry. Anything else raises :class:`UnsupportedFormula` so the
caller falls back to the general engine. Tests compare its results with ``formulas`` on generated
workbooks (``asm-xl recalc --check`` finds no difference).
"""

from __future__ import annotations

from asm_xl.excel.registry import prefetch
from asm_xl.calc import excel_semantics as xl
from asm_xl.calc.codegen import (KNOWN_FUNCTIONS, MEMO_SIZE, Codegen, batched_calls, compile_formula,
                                 dependency_order, memoized_asm)
from asm_xl.calc.excel_semantics import XlErr
from asm_xl.calc.formula_parser import UnsupportedFormula, cells_read, parse_formula, parse_ref
from asm_xl.excel import REGISTRY
from asm_xl.xlsx.refs import cell_name, cell_position

__all__ = ["UnsupportedFormula", "XlErr", "compile_formula", "parse_ref", "Evaluator", "MEMO_SIZE", "spill_into"]

_MAX_COLUMN, _MAX_ROW = 16_384, 1_048_576  # XFD1048576


class Evaluator:
    """Evaluate every formula cell of a workbook from its input values.

    ``formulas``: {(sheet, cell): "=..."}; ``names``: defined name → reference.
    :meth:`run` takes {(sheet, cell): value} of inputs and returns {(sheet, cell): value} of formulas.

    The formulas are compiled into one Python function that computes the cells in dependency
    order (a circular reference raises :class:`UnsupportedFormula`), each once; a range is built
    once per run and the same list is passed to every function that reads it (they must not
    change it).
    """

    def __init__(self, formulas: dict[tuple[str, str], str], names: dict[str, str]):
        upper = {k.upper(): v for k, v in names.items()}
        refs: dict = {}
        trees = {key: parse_formula(f, key[0], upper, refs, KNOWN_FUNCTIONS) for key, f in formulas.items()}
        deps: dict = {}
        read: set = set()
        for key, tree in trees.items():
            mine: set = set()
            cells_read(tree, mine)
            read |= mine
            deps[key] = [k for k in mine if k in trees]
        #: every cell a formula reads: the only inputs an evaluation needs
        self.referenced = frozenset(read)
        order = dependency_order(trees, deps)
        #: formula cells whose function may return a table that spills (a top-level ASM_* call)
        self.may_spill = frozenset(key for key, tree in trees.items() if tree[0] == "func" and tree[1] in REGISTRY)
        #: this evaluator's ASM_* memo (see :func:`memoized_asm`); ``memo_clear()`` empties it
        self._asm = memoized_asm()
        self._trees, self._deps, self._order = trees, deps, order
        self._run = self._compile(order, "inputs", {"_asm": self._asm, "_freeze": self._asm.freeze})
        self._passes = None   # the two passes of run_many, compiled when first needed
        self.keys = tuple(formulas)

    def _compile(self, cells: list, read_from: str, helpers: dict, collect: list = ()):
        """One function computing ``cells`` (in this order) from a dict of the cells they read (inputs,
        and formula cells outside ``cells``), each read once; it returns ({cell: value}, spills).
        ``collect``: call trees made after the cells (the first pass of :meth:`run_many` notes them)."""
        mine = set(cells)
        read: set = set()
        for key in cells:
            cells_read(self._trees[key], read)
        for node in collect:
            cells_read(node, read)
        outside = sorted(read - mine)
        local = {key: f"v{i}" for i, key in enumerate(cells)}
        local.update({key: f"i{i}" for i, key in enumerate(outside)})
        gen = Codegen(local.__getitem__, ranges_once=True)
        body: list[str] = [f"    _g = {read_from}.get", "    _sp = {}"]
        body += [f"    {local[key]} = _g({gen.const(key)})" for key in outside]
        for key in cells:
            gen.pending_ranges = []
            value = gen.expr(self._trees[key])
            body += ["    " + r for r in gen.pending_ranges]  # ranges first: each built once
            if key in self.may_spill:
                body.append(f"    {local[key]} = _final_spill(_sp, {gen.const(key)}, {value})")
            else:
                body.append(f"    {local[key]} = _final({value})")
        for node in collect:
            gen.pending_ranges = []
            value = gen.expr(node)
            body += ["    " + r for r in gen.pending_ranges] + [f"    {value}"]
        body.append("    return {" + ", ".join(f"{gen.const(key)}: {local[key]}" for key in cells) + "}, _sp")
        body[2:2] = [f"    {c} = _U" for c in gen.calls.values()]  # each shared call: not made yet
        return gen.function("evaluate", [read_from], body, helpers)

    def _two_passes(self):
        """(first, second) for :meth:`run_many`, or None when nothing is batched. The cells that call a
        batched function and every cell computed from them (the closure) are left to the second
        pass; the first computes all other cells and then notes each batched call (its arguments are
        outside the closure, else there are no two passes)."""
        trees = self._trees
        found = {key: batched_calls(tree) for key, tree in trees.items()}
        calls = [node for nodes in found.values() for node in nodes]
        if not calls:
            return None
        users: dict = {}
        for key, ds in self._deps.items():
            for d in ds:
                users.setdefault(d, []).append(key)
        later = {key for key, nodes in found.items() if nodes}
        stack = list(later)
        while stack:
            for u in users.get(stack.pop(), ()):
                if u not in later:
                    later.add(u)
                    stack.append(u)
        read: set = set()
        for node in calls:
            cells_read(node, read)
        if read & later:  # a batched call reading another's result: one pass, call by call
            return None
        freeze = self._asm.freeze
        first = self._compile([k for k in self._order if k not in later], "inputs",
                              {"_asm": self._asm.deferring, "_freeze": freeze}, collect=calls)
        second = self._compile([k for k in self._order if k in later], "values", {"_asm": self._asm, "_freeze": freeze})
        return first, second

    @property
    def memo_size(self) -> int:
        """How many ASM_* results this evaluator keeps now."""
        return len(self._asm.memo)

    def memo_clear(self) -> None:
        """Forget the ASM_* results kept (the state of a freshly compiled evaluator)."""
        self._asm.memo.clear()

    def run(self, inputs: dict[tuple[str, str], object]) -> dict[tuple[str, str], object]:
        values, spills = self._run(inputs)
        if spills:
            spill_into(values, spills, inputs)
        return values

    def prefetch(self, many: list[dict[tuple[str, str], object]]) -> list | None:
        """Compute the calls of batched functions (``ASM_ACTIONS``, ``ASM_PROJECTION``, ...) that these
        inputs make, all at once (:func:`~asm_xl.excel.registry.prefetch`): each function keeps the
        results, so that :meth:`run` of each inputs afterwards finds them. Returns the first pass's
        results (what :meth:`run_many` continues from), or None when nothing is batched."""
        if self._passes is None:
            self._passes = self._two_passes() or False
        if not self._passes:
            return None
        first = self._passes[0]
        state = self._asm.state
        wanted: dict = {}
        state.wanted = wanted
        try:
            done = [first(inputs) for inputs in many]
        finally:
            state.wanted = None
        for name, calls in wanted.items():
            prefetch(name, list(calls.values()))
        return done

    def run_many(self, many: list[dict[tuple[str, str], object]]) -> list[dict[tuple[str, str], object]]:
        """:meth:`run` of each inputs, with the calls of functions that have a batch form (``ASM_ACTIONS``,
        ``ASM_PROJECTION``) computed together: a first pass computes every cell that does not depend on
        them and notes those calls, the batch computes them (:meth:`prefetch`), a second pass computes
        the cells that depend on them. The results are those of :meth:`run` one by one; keep ``many``
        to a few hundred, so that the memos hold a chunk's results."""
        done = self.prefetch(many) if len(many) > 1 else None
        if done is None:
            return [self.run(inputs) for inputs in many]
        second = self._passes[1]
        out = []
        for inputs, (values, spills) in zip(many, done):
            more, more_spills = second({**inputs, **values})
            values.update(more)
            spills.update(more_spills)
            if spills:
                spill_into(values, spills, inputs)
            out.append(values)
        return out


def spill_into(values: dict, spills: dict, inputs: dict) -> None:
    """Fill the cells below and right of each formula cell whose function returned a table (Excel
    365's spill): the anchor keeps the top-left value, each other cell of the table gets its value
    (error texts as error values, blanks as ""). A table that would cover a formula cell, a non-blank
    input or another table is ``#SPILL!`` in its anchor and fills nothing, as in Excel.

    [ASSUMPTION] A formula that reads a spilled cell reads the cell's input value, not the spilled
    one: the formulas are compiled before any table's size is known (Excel recalculates such chains
    in a second pass). The template's own sheets read tables through INDEX instead.
    """
    taken = set(values)
    for anchor, table in spills.items():
        sheet, cell = anchor
        col, row = cell_position(cell)
        if col + max(map(len, table)) - 1 > _MAX_COLUMN or row + len(table) - 1 > _MAX_ROW:
            values[anchor] = XlErr("#SPILL!")  # beyond the sheet's edge
            continue
        cells = {}
        for i, r in enumerate(table):
            for j, v in enumerate(r):
                if i or j:
                    cells[(sheet, cell_name(col + j, row + i))] = xl.final(xl.from_asm(v)) if v is not None else ""
        if any(k in taken or inputs.get(k) not in (None, "") for k in cells):
            values[anchor] = XlErr("#SPILL!")
            continue
        taken.update(cells)
        values.update(cells)
