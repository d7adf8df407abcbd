"""A small evaluator for the Excel formulas our template uses, to pre-compute cached values fast.

Generating 8,600 workbooks cannot afford the general engine (``formulas`` spends about 250 µs per
cell call, ~30 ms a workbook); the template's formulas use a small subset of Excel, compiled here
once per template into one generated Python function that computes every formula cell in
dependency order (about 1 ms a workbook; ASM_* results are memoized on their arguments).
Supported: numbers, strings, TRUE/FALSE, cell and range
references (with sheet and $), workbook-scoped defined names, ``+ - * / ^ & = <> < > <= >=``, unary
minus, empty arguments, IF (lazy), AND, OR, NOT, ISERROR, ISNUMBER, NA, MIN, MAX, SUM, LEFT, N, and
every ASM_* function through the registry, and fixed (Ctrl+Shift+Enter) array formulas. Anything
else raises :class:`UnsupportedFormula` so the caller falls back to the general engine. Tests compare
its results with ``formulas`` on generated workbooks (``asm-xl recalc --check`` finds no difference).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Callable

from asm_xl.excel.registry import prefetch
from asm_xl.calc.codegen import (KNOWN_FUNCTIONS, MEMO_SIZE, Codegen, batched_calls, compile_formula,
                                 dependency_order, memoized_asm, same_in_array_context)
from asm_xl.calc.excel_semantics import XlErr
from asm_xl.calc.formula_parser import UnsupportedFormula, cells_read, parse_formula, parse_ref
from asm_xl.calc.spill_cells import spill_into
from asm_xl.excel import REGISTRY
from asm_xl.xlsx.refs import cell_name, cell_position

__all__ = ["UnsupportedFormula", "XlErr", "compile_formula", "parse_ref", "Evaluator", "MEMO_SIZE", "spill_into"]

class Evaluator:
    """Evaluate every formula cell of a workbook from its input values.

    ``formulas``: {(sheet, cell): "=..."}; ``names``: defined name → reference; ``arrays``: {anchor:
    bounds} of fixed (Ctrl+Shift+Enter) array formulas among them, whose whole result fills their range
    as Excel fills it (the template's tables: one call each). :meth:`run` takes {(sheet, cell): value}
    of inputs and returns {(sheet, cell): value} of formulas and of the cells the arrays cover.

    The formulas are compiled into one Python function that computes the cells in dependency
    order (a circular reference raises :class:`UnsupportedFormula`), each once; a range is built
    once per run and the same list is passed to every function that reads it (they must not
    change it).
    """

    def __init__(self, formulas: dict[tuple[str, str], str], names: dict[str, str], arrays: dict | None = None):
        upper = {k.upper(): v for k, v in names.items()}
        refs: dict = {}
        trees = {}
        for key, f in formulas.items():
            try:
                trees[key] = parse_formula(f, key[0], upper, refs, KNOWN_FUNCTIONS)
            except UnsupportedFormula as e:   # which cell: "About!H1: function TODAY not supported"
                raise UnsupportedFormula(f"{key[0]}!{key[1]}: {e}") from None
        #: fixed (Ctrl+Shift+Enter) array formulas: anchor → the keys of the cells it covers, rows of them
        self._fixed = _fixed_ranges(arrays or {}, trees)
        #: the cells the fixed arrays cover (anchors included), in order: their values are in every result
        self.covered = tuple(k for cells in self._fixed.values() for row in cells for k in row)
        #: each fixed array's whole block, a cell of its own that no sheet shows (not in any result): the
        #: covered cells are its cells, so a formula may read them like any other cell
        self._blocks = _block_cells(self._fixed, trees)
        deps: dict = {}
        direct: dict = {}
        read: set = set()
        for key, tree in trees.items():
            mine: set = set()
            cells_read(tree, mine)
            read |= mine
            deps[key] = [k for k in mine if k in trees]
            direct[key] = [k for k in mine if k not in trees]
        #: every cell a formula reads (but the cells the fixed arrays fill): the only inputs an evaluation needs
        self.referenced = frozenset(read.difference(self._blocks, self.covered))
        order = dependency_order(trees, deps)
        #: formula cells whose function may return a table that spills (a top-level ASM_* call)
        self.may_spill = frozenset(key for key, tree in trees.items() if tree[0] == "func" and tree[1] in REGISTRY)
        #: this evaluator's ASM_* memo (see :func:`memoized_asm`); ``memo_clear()`` empties it
        self._asm = memoized_asm()
        self._trees, self._deps, self._order = trees, deps, order
        self._position = {key: i for i, key in enumerate(order)}
        # per formula cell, the sheets of the input cells it is computed from (directly or not); per
        # sheet, the input cells formulas read there (what :meth:`run_many` compares across a chunk)
        sheets: dict = {}
        for key in order:
            mine = {k[0] for k in direct[key]}
            for d in deps[key]:
                mine |= sheets[d]
            sheets[key] = frozenset(mine)
        self._input_sheets = sheets
        by_sheet: dict = {}
        for key in sorted(read - trees.keys()):
            by_sheet.setdefault(key[0], []).append(key)
        self._sheet_inputs = {sheet: tuple(keys) for sheet, keys in by_sheet.items()}
        self._plans: dict = {}   # the compiled plans of run_many, by the sheets a chunk shares
        #: the formula cells the last :meth:`run_many` computed once for its whole chunk
        self.shared_cells: frozenset = frozenset()
        self.keys = tuple(formulas)
        #: the key objects of every cell a result may hold (formula and covered cells), as the results hold them
        self.result_keys = tuple(k for k in order if k not in self._blocks)

    def _compile(self, cells: list, params: list[str], helpers: dict, collect: list = (),
                 sources: dict | None = None, constant=None, given: dict | None = None):
        """One function computing ``cells`` (in this order) from dicts of the cells they read (inputs,
        and formula cells outside ``cells``), each read once; it returns ({cell: value}, spills).
        ``params``: the function's parameters, each a dict; a cell read is looked up in
        ``sources[cell]`` when given there, else in the first. ``collect``: call trees made after the
        cells (the first pass of :meth:`run_many` notes them). ``constant``: a predicate of the cells
        that hold the same value in every run of a chunk; a range of such cells only is not built by
        the function but read, with its frozen key, from its ``shared`` parameter (``given``: filled
        with {range key: (sheet, rows of cells)} of those ranges, which :meth:`run_many` builds once)."""
        sources = sources or {}
        mine = set(cells)
        def all_constant(sheet: str, rows: list) -> bool:   # a range the whole chunk holds alike
            return all(constant((sheet, c)) for row in rows for c in row)
        hoisted = (lambda node: len(node[2]) * len(node[2][0]) > 1 and all_constant(node[1], node[2])) \
            if constant is not None else None
        read: set = set()
        for key in cells:
            cells_read(self._trees[key], read, hoisted)
        for node in collect:
            cells_read(node, read, hoisted)
        outside = sorted(read - mine)
        local = {key: f"v{i}" for i, key in enumerate(cells)}
        local.update({key: f"i{i}" for i, key in enumerate(outside)})
        getters = {p: f"_g{i}" for i, p in enumerate(params)}
        range_given = None
        if constant is not None:
            def range_given(sheet, rows):
                if not all_constant(sheet, rows):
                    return None
                key = (_RANGE, sheet, rows[0][0], rows[-1][-1])
                given[key] = (sheet, rows)
                return (f"{getters['shared']}({gen.const(key)})", f"{getters['shared']}({gen.const(key + (_FROZEN,))})")
        gen = Codegen(local.__getitem__, ranges_once=True, range_given=range_given)
        body: list[str] = [f"    {getters[p]} = {p}.get" for p in params] + ["    _sp = {}"]
        body += [f"    {local[key]} = {getters[sources.get(key, params[0])]}({gen.const(key)})" for key in outside]
        for key in cells:
            gen.pending_ranges = []
            if self._trees[key][0] in ("block", "at"):  # a fixed array's block and its cells: final already
                value = gen.expr(self._trees[key])
            elif key in self.may_spill:
                value = f"_final_spill(_sp, {gen.const(key)}, {gen.expr(self._trees[key])})"
            else:
                value = gen.final_expr(self._trees[key])
            body += ["    " + r for r in gen.pending_ranges]  # ranges first: each built once
            body.append(f"    {local[key]} = {value}")
        for node in collect:
            gen.pending_ranges = []
            value = gen.expr(node)
            body += ["    " + r for r in gen.pending_ranges] + [f"    {value}"]
        body.append("    return {" + ", ".join(f"{gen.const(key)}: {local[key]}" for key in cells) + "}, _sp")
        at = len(params) + 1
        body[at:at] = [f"    {c} = _U" for c in gen.calls.values()]  # each shared call: not made yet
        return gen.function("evaluate", params, body, helpers)

    @cached_property
    def _run(self):
        """The function computing every cell of one workbook (:meth:`run`), compiled when first asked
        for: a batch computed by :meth:`run_many` (generation, ``asm-xl recalc`` of many files) never
        needs it, and compiling it costs ~40 ms. A formula too deep to compile raises
        :class:`UnsupportedFormula` at every run, compiled once (the caller falls back to another engine)."""
        try:
            return self._compile(self._order, ["inputs"], {"_asm": self._asm, "_freeze": self._asm.freeze})
        except UnsupportedFormula as e:
            failure = e

            def unsupported(inputs):
                raise failure
            return unsupported

    def _plan(self, same: frozenset) -> "_Plan":
        """How :meth:`run_many` computes a chunk whose inputs are the same on the sheets ``same``
        (compiled once per such set of sheets).

        * ``shared``: the cells computed from those sheets' inputs only (the Benchmarks sheet's ladder
          table reads the Assumptions only), computed once for the chunk; None when there are none.
        * ``first``: the other cells, except the ones that call a batched function (``ASM_ACTIONS``...)
          and every cell computed from them (the closure), which are left to ``second``; ``first``
          then notes each batched call (its arguments are outside the closure). When nothing is
          batched (or a batched call reads another's result), ``first`` computes every other cell,
          call by call, and ``second`` is None.
        """
        plan = self._plans.get(same)
        if plan is not None:
            return plan
        order, trees = self._order, self._trees
        shared = [k for k in order if self._input_sheets[k] <= same]
        rest = [k for k in order if not self._input_sheets[k] <= same]
        found = {key: batched_calls(trees[key]) for key in rest}
        calls = [node for nodes in found.values() for node in nodes]
        later = {key for key, nodes in found.items() if nodes}
        users: dict = {}
        for key in rest:
            for d in self._deps[key]:
                users.setdefault(d, []).append(key)
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
            later, calls = set(), []
        memo, freeze = self._asm, self._asm.freeze
        in_shared = dict.fromkeys(shared, "shared")
        trees = self._trees

        def constant(key) -> bool:   # the same in every inputs of the chunk: a shared cell, or an input of a same sheet
            return key in in_shared or (key not in trees and key[0] in same)
        given: dict = {}
        plan = _Plan(
            cells=frozenset(shared),
            shared=self._compile(shared, ["inputs"], {"_asm": memo, "_freeze": freeze}) if shared else None,
            first=self._compile([k for k in rest if k not in later], ["inputs", "shared"],
                                {"_asm": memo.deferring if calls else memo, "_freeze": freeze},
                                collect=calls, sources=in_shared, constant=constant, given=given),
            second=self._compile([k for k in rest if k in later], ["inputs", "values", "shared"],
                                 {"_asm": memo, "_freeze": freeze},
                                 sources={**dict.fromkeys(rest, "values"), **in_shared},
                                 constant=constant, given=given) if calls else None,
            ranges=tuple(given.items()))
        if len(self._plans) >= 8:
            self._plans.clear()
        self._plans[same] = plan
        return plan

    def _same_sheets(self, many: list[dict]) -> frozenset:
        """The sheets whose input cells (those formulas read) hold the same values in every inputs of
        ``many``: the same classes and values (as the ASM_* memo keys them) and zeros of the same sign."""
        same = []
        first, rest = many[0], many[1:]
        for sheet, cells in self._sheet_inputs.items():
            t0 = tuple(map(first.get, cells))
            c0 = tuple(map(type, t0))
            zeros = [repr(v) for v in t0 if v.__class__ is float and not v] if 0.0 in t0 else None
            for inputs in rest:
                t = tuple(map(inputs.get, cells))
                if t != t0 or tuple(map(type, t)) != c0 or (
                        zeros is not None and [repr(v) for v in t if v.__class__ is float and not v] != zeros):
                    break
            else:
                same.append(sheet)
        return frozenset(same)

    @property
    def memo_size(self) -> int:
        """How many ASM_* results this evaluator keeps now."""
        return len(self._asm.memo)

    def memo_clear(self) -> None:
        """Forget the ASM_* results kept (the state of a freshly compiled evaluator)."""
        self._asm.memo.clear()

    def run(self, inputs: dict[tuple[str, str], object], tables: list | None = None) -> dict[tuple[str, str], object]:
        """{(sheet, cell): value} of every formula cell and every cell a fixed array covers.

        A formula cell whose function returns a table (a top-level ``ASM_*`` call) holds its top-left value; the table
        fills the cells below and right (:func:`spill_into`, as Excel 365 spills what is typed in a cell), or, given
        ``tables`` (a list), nothing spills and the cell's key is added to ``tables``: a file's plain formula is one
        cell (Excel 365 opens it as ``=@...``, the top-left value, as the ``formulas`` engine computes it; Excel 365
        saves what it spills as an array formula, :mod:`asm_xl.calc.array_recalc`'s)."""
        values, spills = self._run(inputs)
        for key in self._blocks:
            del values[key]
        if spills:
            if tables is None:
                spill_into(values, spills, inputs)
            else:
                tables.extend(spills)
        return values

    def run_many(self, many: list[dict[tuple[str, str], object]], tables: list | None = None
                 ) -> list[dict[tuple[str, str], object]]:
        """:meth:`run` of each inputs, computed together: the cells computed from inputs that are the same
        in all of them (the Assumptions, for a generated roster) once, and the calls of functions that
        have a batch form (``ASM_ACTIONS``, ``ASM_PROJECTION``: :func:`~asm_xl.excel.registry.prefetch`)
        in one batch, between a first pass that computes every cell that does not depend on them and
        notes those calls and a second that computes the cells that do (:meth:`_plan`). The results are
        those of :meth:`run` one by one; keep ``many`` to a few hundred, so that the memos hold a
        chunk's results. ``tables``: as :meth:`run`'s, one list of keys per inputs appended to it."""
        if len(many) < 2:
            if tables is None:
                return [self.run(inputs) for inputs in many]
            out = []
            for inputs in many:
                tables.append([])
                out.append(self.run(inputs, tables[-1]))
            return out
        plan = self._plan(self._same_sheets(many))
        self.shared_cells = plan.cells
        shared, shared_spills = plan.shared(many[0]) if plan.shared else ({}, {})
        given = shared
        if plan.ranges:   # the ranges of cells that are the same in the whole chunk: built and frozen once
            given = dict(shared)
            first_inputs = many[0]
            for key, (sheet, rows) in plan.ranges:
                rng = [[shared[k] if k in shared else first_inputs.get(k) for k in ((sheet, c) for c in row)]
                       for row in rows]
                given[key] = rng
                given[key + (_FROZEN,)] = self._asm.freeze(rng)
        if plan.second is None:
            done = [plan.first(inputs, given) for inputs in many]
        else:
            state = self._asm.state
            wanted: dict = {}
            state.wanted = wanted
            try:
                done = [plan.first(inputs, given) for inputs in many]
            finally:
                state.wanted = None
            for name, calls in wanted.items():
                prefetch(name, list(calls.values()))
        out = []
        for inputs, (values, spills) in zip(many, done):
            if plan.second is not None:
                more, more_spills = plan.second(inputs, values, given)
                values.update(more)
                spills.update(more_spills)
            values.update(shared)
            for key in self._blocks:
                del values[key]
            if shared_spills:  # placed in the order one by one would place them (a later table yields)
                spills = dict(sorted({**shared_spills, **spills}.items(), key=lambda kv: self._position[kv[0]]))
            if tables is not None:
                tables.append(list(spills))
            elif spills:
                spill_into(values, spills, inputs)
            out.append(values)
        return out


def _fixed_ranges(arrays: dict, trees: dict) -> dict:
    """{anchor: rows of the keys of the cells it covers} of the fixed array formulas ``arrays`` (anchor →
    bounds (first column, first row, last column, last row)); a formula Excel would compute otherwise
    in an array (a range given to an operator) raises :class:`UnsupportedFormula`."""
    out = {}
    for key, (c1, r1, c2, r2) in arrays.items():
        sheet, anchor = key
        if key not in trees or (c1, r1) != cell_position(anchor):
            raise UnsupportedFormula(f"{sheet}!{anchor}: an array formula not at its range's top-left")
        if not same_in_array_context(trees[key]):
            raise UnsupportedFormula(f"{sheet}!{anchor}: a range given to an operator or to a function taking "
                                     "one value in an array formula (Excel computes it cell by cell)")
        out[key] = [[(sheet, cell_name(c, r)) for c in range(c1, c2 + 1)] for r in range(r1, r2 + 1)]
    cells = [k for rows in out.values() for row in rows for k in row]
    if len(cells) != len(set(cells)) or set(cells) & (trees.keys() - out.keys()):
        raise UnsupportedFormula("array formulas whose ranges overlap each other or a formula cell")
    return out


def _block_cells(fixed: dict, trees: dict) -> tuple:
    """Turn each fixed array formula of ``trees`` into cells of the evaluation (``trees`` changed in
    place): its block, a cell of its own (the anchor's key with ``[]``) computing the whole range as
    Excel fills it (:func:`~asm_xl.calc.excel_semantics.fixed_array`), and each covered cell (the anchor
    included) the block's value at its row and column. The keys of the blocks."""
    blocks = []
    for key, rows in fixed.items():
        block = (key[0], key[1] + "[]")
        trees[block] = ("block", trees[key], len(rows), len(rows[0]))
        ref = ("ref", block[0], [[block[1]]])
        for i, row in enumerate(rows):
            for j, cell in enumerate(row):
                trees[cell] = ("at", ref, i, j)
        blocks.append(block)
    return tuple(blocks)


@dataclass(frozen=True)
class _Plan:
    """The compiled passes of :meth:`Evaluator.run_many` for one set of shared sheets."""
    cells: frozenset
    shared: Callable | None
    first: Callable
    second: Callable | None
    #: ((range key, (sheet, rows of cells)), ...): the ranges the passes read from their ``shared`` argument
    ranges: tuple = ()


#: the keys of a range built once for a chunk, and of its frozen key, in the passes' ``shared`` argument
_RANGE, _FROZEN = "\x00range", "\x00frozen"


def warn_top_left_only(log, path: str, tables: list) -> None:
    """Say which formula cells of ``path`` hold only the top-left value of the table their function returned
    (``tables``, as :meth:`Evaluator.run` fills it): a plain formula is one cell."""
    if tables:
        from asm_xl.xlsx.refs import cells_named
        log.warning("%s: %s hold(s) only the top-left value of the table the formula returns (a plain formula is one "
                    "cell: Excel 365 shows it as =@...); enter it as a dynamic array in Excel 365, or read the table "
                    "through INDEX(...), to recalculate every cell of it headless", path, cells_named(tables))
