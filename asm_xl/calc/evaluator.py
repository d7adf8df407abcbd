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

import threading
from typing import Callable

from asm_xl.excel import REGISTRY
from asm_xl.excel.registry import call as asm_call
from asm_xl.calc import excel_semantics as xl
from asm_xl.calc.excel_semantics import XlErr
from asm_xl.calc.formula_parser import UnsupportedFormula, cells_read, parse_formula, parse_ref
from asm_xl.xlsx.refs import cell_name, cell_position

__all__ = ["UnsupportedFormula", "XlErr", "compile_formula", "parse_ref", "Evaluator", "MEMO_SIZE", "spill_into"]

#: the functions a formula may call: Excel's built-ins we support, IF, and every ASM_* function
KNOWN_FUNCTIONS = frozenset(xl.FUNCS) | frozenset(REGISTRY) | {"IF"}

_MAX_COLUMN, _MAX_ROW = 16_384, 1_048_576  # XFD1048576

#: the most ASM_* results an evaluator keeps (then it starts again)
MEMO_SIZE = 50_000
_MISSING = object()



def _memoized_asm(size: int = MEMO_SIZE) -> Callable:
    """A function giving an ASM_* function's value, from its own memo when called with these
    arguments before: the functions are pure, and workbooks from one template call them with
    the same arguments again and again (the exchange curve of a cohort and year). The memo is
    bounded (emptied when *size* results are kept) and safe to share between threads: lookups
    are single dict reads, and insertions hold a lock."""
    memo: dict = {}
    lock = threading.Lock()

    def asm(name, frozen, *values):
        key = (name, frozen)
        hit = memo.get(key, _MISSING)
        if hit is _MISSING:
            hit = xl.from_asm(asm_call(name, *values))
            with lock:
                if len(memo) >= size:
                    memo.clear()
                memo[key] = hit
        return hit

    asm.memo = memo
    return asm


def _is_cell(ref_node) -> bool:
    cells = ref_node[2]
    return len(cells) == 1 and len(cells[0]) == 1


def _may_be_range(node) -> bool:
    """Whether an expression can give a range (a list) rather than a single value."""
    if node[0] == "ref":
        return not _is_cell(node)
    if node[0] == "func" and node[1] == "IF":
        return any(_may_be_range(a) for a in node[2][1:])
    return False


_HELPERS = {"_final": xl.final, "_final_spill": xl.final_spill, "_neg": xl.neg, "_scalar": xl.scalar, "_cmp": xl.compare,
            "_arith": xl.arith, "_cat": xl.concat, "_truth": xl.truth, "_XlErr": XlErr,
            "_aggregate": xl.aggregate, "_to_asm": xl.to_asm, "_freeze": xl.freeze, "_key": xl.key_of}


def compile_formula(text: str, sheet: str, names: dict[str, str]):
    """Compile "=..." into fn(get) where get(sheet, cell) returns a cell's value."""
    tree = parse_formula(text, sheet, {k.upper(): v for k, v in names.items()}, {}, KNOWN_FUNCTIONS)
    gen = _Codegen(lambda key: f"get({gen.const(key[0])}, {gen.const(key[1])})", ranges_once=False)
    return gen.function("formula", ["get"], [f"    return {gen.expr(tree)}"], {"_asm": _memoized_asm()})


class _Codegen:
    """Formula trees → the source of one Python function, statement by statement.

    The source holds only names this class makes (``_t3``, ``_k7``, ``v12``...) and the helpers
    above: every literal, sheet name, cell reference and function object goes through
    :meth:`const`, so no text from a workbook ever becomes code. ``IF`` compiles to ``if``/``else``
    blocks, so a branch not taken is not evaluated (as in Excel).
    """

    def __init__(self, cell_expr: Callable[[tuple[str, str]], str], *, ranges_once: bool):
        self.cell_expr = cell_expr
        self.consts: dict[str, object] = {}
        self._const_ids: dict[tuple, str] = {}
        self.n = 0
        self.ranges_once = ranges_once
        self.ranges: dict[tuple, str] = {}   # (sheet, first, last) → local holding the range
        self.pending_ranges: list[str] = []  # range locals the formula being compiled introduces

    def const(self, value) -> str:
        try:
            key = (value.__class__, value)
            hash(key)
        except TypeError:
            key = ("id", id(value))
        name = self._const_ids.get(key)
        if name is None:
            name = self._const_ids[key] = f"_k{len(self.consts)}"
            self.consts[name] = value
        return name

    def tmp(self) -> str:
        self.n += 1
        return f"_t{self.n}"

    def range_literal(self, cells: list[list[str]], sheet: str) -> str:
        return "[" + ", ".join("[" + ", ".join(self.cell_expr((sheet, c)) for c in row) + "]"
                               for row in cells) + "]"

    def expr(self, node) -> str:
        """A Python expression computing ``node``."""
        kind = node[0]
        if kind == "lit":
            return self.const(node[1])
        if kind == "missing":
            return "None"
        if kind == "ref":
            sheet, cells = node[1], node[2]
            if _is_cell(node):
                return self.cell_expr((sheet, cells[0][0]))
            key = (sheet, cells[0][0], cells[-1][-1])
            if self.ranges_once and key in self.ranges:
                return self.ranges[key]
            literal = self.range_literal(cells, sheet)
            if not self.ranges_once:
                return literal
            name = self.ranges[key] = f"_r{len(self.ranges)}"
            self.pending_ranges.append(f"{name} = {literal}")
            self.pending_ranges.append(f"{name}_k = None")
            return name
        if kind == "neg":
            return f"_neg({self.expr(node[1])})"
        if kind == "pos":
            return f"_scalar({self.expr(node[1])})"
        if kind in ("cmp", "arith"):
            a = self.expr(node[2])
            b = self.expr(node[3])
            return f"_{kind}({self.const(node[1])}, {a}, {b})"
        if kind == "cat":
            return f"_cat({self.expr(node[1])}, {self.expr(node[2])})"
        if kind != "func":
            raise UnsupportedFormula(kind)
        name, args = node[1], node[2]
        if name == "IF":  # a conditional expression: the branch not taken is not evaluated
            c = self.tmp()
            cond = self.expr(args[0])
            yes = self.expr(args[1]) if len(args) > 1 else "True"
            no = self.expr(args[2]) if len(args) > 2 else "False"
            return f"({c} if ({c} := _truth({cond})).__class__ is _XlErr else ({yes} if {c} else {no}))"
        values = [self.expr(a) for a in args]
        if name in ("MIN", "MAX", "SUM"):
            typed = tuple(a[0] != "ref" for a in args)
            return f"_aggregate({self.const(xl.FUNCS[name])}, {self.const(typed)}, {', '.join(values)})"
        if name in xl.FUNCS:
            return f"{self.const(xl.FUNCS[name])}({', '.join(values)})"
        # an ASM_* function: memoized on its arguments (a range frozen once per run)
        keys, call_args = [], []
        for a, v in zip(args, values):
            if a[0] == "lit":  # a constant: its key too
                keys.append(self.const(xl.key_of(a[1])))
            elif a[0] == "missing":
                keys.append(self.const(xl.key_of(None)))
            elif a[0] == "ref" and _is_cell(a):  # a local is read twice, a lookup is made once
                keys.append(f"({v}.__class__, {v})" if v.isidentifier() else f"_key({v})")
            elif self.ranges_once and a[0] == "ref":
                keys.append(f"({v}_k if {v}_k is not None else ({v}_k := _freeze({v})))")
            else:
                x = self.tmp()
                keys.append(f"_freeze({x} := _to_asm({v}))")
                v = x
            call_args.append(v)
        return f"_asm({self.const(name)}, ({''.join(k + ', ' for k in keys)}), {', '.join(call_args)})"

    def function(self, name: str, params: list[str], body: list[str], helpers: dict):
        source = f"def {name}({', '.join(params)}):\n" + "\n".join(body) + "\n"
        namespace = dict(_HELPERS)
        namespace.update(helpers)
        namespace.update(self.consts)
        try:
            code = compile(source, f"<asm_xl formulas: {name}>", "exec")
        except (SyntaxError, RecursionError, MemoryError) as e:  # e.g. nesting deeper than Python's
            raise UnsupportedFormula(f"formulas too deeply nested to compile: {e}") from None
        exec(code, namespace)
        return namespace[name]


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
        order = _dependency_order(trees, deps)
        local = {key: f"v{i}" for i, key in enumerate(order)}

        inputs_read = sorted(read - set(local))
        local.update({key: f"i{i}" for i, key in enumerate(inputs_read)})  # each input read once per run

        def cell_expr(key):
            return local[key]

        gen = _Codegen(cell_expr, ranges_once=True)
        body: list[str] = ["    _g = inputs.get", "    _sp = {}"]
        body += [f"    {local[key]} = _g({gen.const(key)})" for key in inputs_read]
        #: formula cells whose function may return a table that spills (a top-level ASM_* call)
        self.may_spill = frozenset(key for key, tree in trees.items() if tree[0] == "func" and tree[1] in REGISTRY)
        for key in order:
            gen.pending_ranges = []
            value = gen.expr(trees[key])
            body += ["    " + r for r in gen.pending_ranges]  # ranges first: each built once
            if key in self.may_spill:
                body.append(f"    {local[key]} = _final_spill(_sp, {gen.const(key)}, {value})")
            else:
                body.append(f"    {local[key]} = _final({value})")
        body.append("    return {" + ", ".join(f"{gen.const(key)}: {local[key]}" for key in formulas) + "}, _sp")
        #: this evaluator's ASM_* memo (see :func:`_memoized_asm`); ``memo_clear()`` empties it
        self._asm = _memoized_asm()
        self._run = gen.function("evaluate", ["inputs"], body, {"_asm": self._asm})
        self.keys = tuple(formulas)

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


def _dependency_order(trees: dict, deps: dict) -> list:
    """Formula cells, each after every formula cell it reads (depth-first, iterative)."""
    order, state = [], {}  # state: 1 = being visited, 2 = done
    for root in trees:
        if state.get(root) == 2:
            continue
        stack = [(root, iter(deps[root]))]
        state[root] = 1
        while stack:
            key, it = stack[-1]
            for dep in it:
                s = state.get(dep)
                if s == 1:
                    raise UnsupportedFormula(f"circular reference at {dep[0]}!{dep[1]}")
                if s is None:
                    state[dep] = 1
                    stack.append((dep, iter(deps[dep])))
                    break
            else:
                stack.pop()
                state[key] = 2
                order.append(key)
    return order

