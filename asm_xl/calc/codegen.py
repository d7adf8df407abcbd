"""Formula trees compiled to Python: the code generator and the ASM_* memo behind our evaluator.

:class:`Codegen` turns parsed formulas (:mod:`asm_xl.calc.formula_parser`) into the source of one
Python function; :func:`memoized_asm` is the memo every ``ASM_*`` call of a compiled function goes
through. :class:`~asm_xl.calc.evaluator.Evaluator` puts them together for a whole workbook.
"""

from __future__ import annotations

import itertools
import threading
from typing import Callable

from asm_xl.excel import REGISTRY
from asm_xl.excel.registry import call as asm_call
from asm_xl.calc import excel_semantics as xl
from asm_xl.calc.excel_semantics import XlErr
from asm_xl.calc.formula_parser import UnsupportedFormula, parse_formula

__all__ = ["KNOWN_FUNCTIONS", "same_in_array_context", "BATCHED", "MEMO_SIZE", "memoized_asm", "compile_formula", "Codegen",
           "batched_calls", "dependency_order", "is_cell"]

#: the functions a formula may call: Excel's built-ins we support, IF, and every ASM_* function
KNOWN_FUNCTIONS = frozenset(xl.FUNCS) | frozenset(REGISTRY) | {"IF"}
#: the ASM_* functions that compute many calls at once (:meth:`Evaluator.run_many`)
BATCHED = frozenset(name for name, fn in REGISTRY.items() if fn.batch is not None)


#: the most ASM_* results an evaluator keeps (then it starts again)
MEMO_SIZE = 50_000
_MISSING = object()



def memoized_asm(size: int = MEMO_SIZE) -> Callable:
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

    def deferring(name, frozen, *values):
        """As ``asm``, except that a function with a batch form (:func:`~asm_xl.excel.registry.prefetch`)
        is not computed while :meth:`~asm_xl.calc.evaluator.Evaluator.run_many` collects its calls (its
        first pass, whose cells never read such a call's value): the call is noted, a blank returned."""
        hit = memo.get((name, frozen), _MISSING)
        if hit is not _MISSING:
            return hit
        wanted = getattr(state, "wanted", None)
        if wanted is not None and name in BATCHED:
            wanted.setdefault(name, {})[frozen] = values
            return ""
        return asm(name, frozen, *values)

    shared: dict = {}
    tokens = itertools.count()

    def freeze(v):
        """``xl.freeze``, with a range's key replaced by a token given once per content: the Assumptions
        range of every workbook (and any range equal to one frozen before) gets the same small
        ("range", n) tuple, which hashes and compares in C, where hashing the range's content at every
        memo lookup cost a Python call per lookup. A token is never given to another content (the
        counter only grows), so a memo entry is never read for the wrong range."""
        key = xl.freeze(v)
        if v.__class__ is not list:
            return key
        hit = shared.get(key)
        if hit is None:
            if len(shared) >= size:
                shared.clear()
            shared[key] = hit = ("range", next(tokens))
        return hit

    state = threading.local()
    asm.memo = memo
    asm.deferring = deferring
    asm.state = state
    asm.freeze = freeze
    return asm


def _whole_literal(node) -> bool:
    """A number written in the formula that is whole and at least 1 (an INDEX row or column)."""
    v = node[1] if node[0] == "lit" else None
    return v.__class__ in (int, float) and v >= 1 and float(v).is_integer() and v < 2 ** 31


def _index_at(node) -> tuple | None:
    """(table, row, column) of ``INDEX(table, r, c)`` with r and c written in the formula as whole numbers
    >= 1 (compiled to a direct lookup), else None."""
    if node[0] == "func" and node[1] == "INDEX" and len(node[2]) == 3 and all(_whole_literal(a) for a in node[2][1:]):
        table, r, c = node[2]
        return table, int(r[1]), int(c[1])
    return None


def is_cell(ref_node) -> bool:
    cells = ref_node[2]
    return len(cells) == 1 and len(cells[0]) == 1


def may_be_range(node) -> bool:
    """Whether an expression can give a range (a list) rather than a single value."""
    if node[0] == "ref":
        return not is_cell(node)
    if node[0] == "func" and node[1] == "IF":
        return any(may_be_range(a) for a in node[2][1:])
    return False


#: built-ins that read a whole range the same way in and out of an array formula
_WHOLE_RANGE = frozenset({"MIN", "MAX", "SUM", "AND", "OR"})


def _array_may_be_range(node) -> bool:
    """Whether an expression can give several values (a range, a table, a mapped call)."""
    kind = node[0]
    if kind == "ref":
        return len(node[2]) > 1 or len(node[2][0]) > 1
    if kind != "func":
        return False
    name, args = node[1], node[2]
    fn = REGISTRY.get(name)
    if fn is not None:
        return fn.table or any(_array_may_be_range(args[i]) for i in fn.mapped if i < len(args))
    if name == "IF":
        return any(_array_may_be_range(a) for a in args[1:])
    return False


def same_in_array_context(node) -> bool:
    """Whether no range reaches an operator or a built-in that takes one value (the one place where
    our evaluator and Excel's array evaluation part): an array formula whose tree passes is computed
    here as Excel computes it (:mod:`asm_xl.calc.array_formulas`, fixed arrays in :class:`~asm_xl.calc.evaluator.Evaluator`)."""
    kind = node[0]
    if kind in ("lit", "missing", "ref"):
        return True
    if kind in ("neg", "pos", "cmp", "arith", "cat"):
        operands = [c for c in node[1:] if isinstance(c, tuple)]
        return all(not _array_may_be_range(c) and same_in_array_context(c) for c in operands)
    name, args = node[1], node[2]
    if name in REGISTRY or name in _WHOLE_RANGE:
        ranged = args
    elif name == "IF":
        ranged = args[1:]
    elif name == "INDEX":
        ranged = args[:1]
    else:
        ranged = []
    return all((a in ranged or not _array_may_be_range(a)) and same_in_array_context(a) for a in args)


HELPERS = {"_final": xl.final, "_final_spill": xl.final_spill, "_neg": xl.neg, "_scalar": xl.scalar, "_cmp": xl.compare,
            "_arith": xl.arith, "_cat": xl.concat, "_truth": xl.truth, "_XlErr": XlErr,
            "_aggregate": xl.aggregate, "_to_asm": xl.to_asm, "_freeze": xl.freeze, "_key": xl.key_of,
            "_fixed_array": xl.fixed_array, "_index_at": xl.index_at, "_iferror_value": xl.iferror_value, "_index_cell": xl.index_cell,
            "_final_iferror": xl.final_iferror,
            "_U": _MISSING}


def compile_formula(text: str, sheet: str, names: dict[str, str]):
    """Compile "=..." into fn(get) where get(sheet, cell) returns a cell's value."""
    tree = parse_formula(text, sheet, {k.upper(): v for k, v in names.items()}, {}, KNOWN_FUNCTIONS)
    gen = Codegen(lambda key: f"get({gen.const(key[0])}, {gen.const(key[1])})", ranges_once=False)
    return gen.function("formula", ["get"], [f"    return {gen.expr(tree)}"], {"_asm": memoized_asm()})


class Codegen:
    """Formula trees → the source of one Python function, statement by statement.

    The source holds only names this class makes (``_t3``, ``_k7``, ``v12``...) and the helpers
    above: every literal, sheet name, cell reference and function object goes through
    :meth:`const`, so no text from a workbook ever becomes code. ``IF`` compiles to ``if``/``else``
    blocks, so a branch not taken is not evaluated (as in Excel).
    """

    def __init__(self, cell_expr: Callable[[tuple[str, str]], str], *, ranges_once: bool,
                 range_given: Callable[[str, list], tuple[str, str] | None] | None = None):
        self.cell_expr = cell_expr
        #: (sheet, rows of cells) -> the expressions of a range given to the function and of its frozen key
        #: (a range built once for many runs), or None: the range is built in the function (``ranges_once``)
        self.range_given = range_given
        self.consts: dict[str, object] = {}
        self._const_ids: dict[tuple, str] = {}
        self.n = 0
        self.ranges_once = ranges_once
        self.calls: dict[str, str] = {}  # an ASM_* call over cells and constants → the local that keeps it
        self.ranges: dict[tuple, str] = {}   # (sheet, first, last) → local holding the range
        self.pending_ranges: list[str] = []  # range locals the formula being compiled introduces
        self.branches = 0              # > 0 while compiling an IF's branch (code that may not run)
        self.made: set[str] = set()    # call locals set by code that always runs before what is compiled next

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
            if is_cell(node):
                return self.cell_expr((sheet, cells[0][0]))
            key = (sheet, cells[0][0], cells[-1][-1])
            if self.ranges_once and key in self.ranges:
                return self.ranges[key]
            if not self.ranges_once:
                return self.range_literal(cells, sheet)
            name = self.ranges[key] = f"_r{len(self.ranges)}"
            given = self.range_given(sheet, cells) if self.range_given is not None else None
            if given is not None:   # built (and frozen) once, outside
                self.pending_ranges.append(f"{name} = {given[0]}")
                self.pending_ranges.append(f"{name}_k = {given[1]}")
                return name
            literal = self.range_literal(cells, sheet)
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
        if kind == "block":  # a fixed array formula's range, as Excel fills it
            return f"_fixed_array({self.expr(node[1])}, {node[2]}, {node[3]})"
        if kind == "at":  # one cell of a block
            return f"{self.expr(node[1])}[{node[2]}][{node[3]}]"
        if kind != "func":
            raise UnsupportedFormula(kind)
        name, args = node[1], node[2]
        if name == "IF":  # a conditional expression: the branch not taken is not evaluated
            c = self.tmp()
            cond = self.expr(args[0])
            self.branches += 1
            yes = self.expr(args[1]) if len(args) > 1 else "True"
            no = self.expr(args[2]) if len(args) > 2 else "False"
            self.branches -= 1
            return f"({c} if ({c} := _truth({cond})).__class__ is _XlErr else ({yes} if {c} else {no}))"
        at = _index_at(node)
        if at is not None:
            return f"_index_at({self.expr(at[0])}, {at[1]}, {at[2]})"
        if name == "IFERROR" and len(args) == 2 and args[1][0] == "lit":
            return f"_iferror_value({self.expr(args[0])}, {self.const(args[1][1])})"
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
            elif a[0] == "ref" and is_cell(a):  # a local is read twice, a lookup is made once
                keys.append(f"({v}.__class__, {v})" if v.isidentifier() else f"_key({v})")
            elif self.ranges_once and a[0] == "ref":
                keys.append(f"({v}_k if {v}_k is not None else ({v}_k := _freeze({v})))")
            else:
                x = self.tmp()
                keys.append(f"_freeze({x} := _to_asm({v}))")
                v = x
            call_args.append(v)
        call = f"_asm({self.const(name)}, ({''.join(k + ', ' for k in keys)}), {', '.join(call_args)})"
        if not self.ranges_once or any(a[0] not in ("lit", "missing", "ref") for a in args):
            return call
        # the same call on the same cells (130 cells read one ASM_ACTIONS table through INDEX): made
        # once per run, kept in a local (set when first needed, so a branch not taken still costs nothing)
        local = self.calls.get(call)
        if local is None:
            local = self.calls[call] = f"_c{len(self.calls)}"
        elif local in self.made:  # set already by code that always ran before this (source ~40% shorter)
            return local
        if not self.branches:  # this code always runs (Python evaluates left to right, as we compile)
            self.made.add(local)
        return f"({local} if {local} is not _U else ({local} := {call}))"

    def final_expr(self, node) -> str:
        """A Python expression computing a formula cell's final value (what ``_final`` makes of
        :meth:`expr`): ``IFERROR(INDEX(table, r, c), fallback)`` with r, c and the fallback written in
        the formula is one call (:func:`~asm_xl.calc.excel_semantics.index_cell`), and so is
        ``IFERROR(value, fallback)`` with the fallback written in the formula (``final_iferror``)."""
        if node[0] == "func" and node[1] == "IFERROR" and len(node[2]) == 2 and node[2][1][0] == "lit":
            inner, fallback = node[2]
            at = _index_at(inner)
            if at is not None:
                return f"_index_cell({self.expr(at[0])}, {at[1]}, {at[2]}, {self.const(fallback[1])})"
            return f"_final_iferror({self.expr(inner)}, {self.const(fallback[1])})"
        return f"_final({self.expr(node)})"

    def function(self, name: str, params: list[str], body: list[str], helpers: dict):
        return self.bind(self.code(name, params, body), name, helpers)

    def code(self, name: str, params: list[str], body: list[str]):
        """The compiled source of one function (:meth:`bind` makes it a function, once per helpers)."""
        source = f"def {name}({', '.join(params)}):\n" + "\n".join(body) + "\n"
        try:
            return compile(source, f"<asm_xl formulas: {name}>", "exec")
        except (SyntaxError, RecursionError, MemoryError) as e:  # e.g. nesting deeper than Python's
            raise UnsupportedFormula(f"formulas too deeply nested to compile: {e}") from None

    def bind(self, code, name: str, helpers: dict):
        namespace = dict(HELPERS)
        namespace.update(helpers)
        namespace.update(self.consts)
        exec(code, namespace)
        return namespace[name]


def batched_calls(tree) -> list:
    """The calls of batched functions (:data:`BATCHED`) in a formula tree, outermost first."""
    found, stack = [], [tree]
    while stack:
        node = stack.pop()
        kind = node[0]
        if kind == "func":
            if node[1] in BATCHED:
                found.append(node)
            stack.extend(a for a in node[2] if isinstance(a, tuple))
        elif kind in ("neg", "pos"):
            stack.append(node[1])
        elif kind in ("cmp", "arith"):
            stack.extend(node[2:4])
        elif kind == "cat":
            stack.extend(node[1:3])
        elif kind == "block":
            stack.append(node[1])
    return found


def dependency_order(trees: dict, deps: dict) -> list:
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
