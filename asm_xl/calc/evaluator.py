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

import math
import operator
import re
import threading
from typing import Callable

from asm_xl.excel import REGISTRY
from asm_xl.excel.registry import call as asm_call
from asm_xl.xlsx.cells import EXCEL_ERRORS, MAX_STRING, ErrorValue
from asm_xl.xlsx.refs import range_cells

__all__ = ["UnsupportedFormula", "XlErr", "compile_formula", "Evaluator"]


class UnsupportedFormula(ValueError):
    """A formula outside the subset this evaluator knows: use the formulas engine."""


#: An Excel error value ("#N/A"...): a str subclass so ASM functions receive the text (the Excel-file
#: layer's :class:`~asm_xl.xlsx.cells.ErrorValue`, so values read from a file need no conversion).
XlErr = ErrorValue


_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<str>"(?:[^"]|"")*")
  | (?P<ref>(?:(?:'[^']+'|[A-Za-z_][\w.]*)!)?\$?[A-Za-z]{1,3}\$?\d+(?::\$?[A-Za-z]{1,3}\$?\d+)?(?![\w(]))
  | (?P<num>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)
  | (?P<func>[A-Za-z_][\w.]*(?=\())
  | (?P<name>(?:'[^']+'!|[A-Za-z_][\w.]*!)?[A-Za-z_][\w.]*)
  | (?P<op><>|<=|>=|[-+*/^&=<>(),%])
""", re.X)


def _tokens(text: str):
    out, pos = [], 0
    for m in _TOKEN.finditer(text):
        if m.start() != pos:
            break
        pos = m.end()
        kind = m.lastgroup
        if kind != "ws":
            out.append((kind, m.group()))
    if pos != len(text):
        raise UnsupportedFormula(f"cannot read {text[pos:pos + 20]!r}")
    out.append(("end", ""))
    return out


def parse_ref(ref: str, sheet: str) -> tuple[str, list[list[str]]]:
    """'Sheet!$A$1:$B$2' → (sheet, [[A1, B1], [A2, B2]])."""
    sheet, cells = range_cells(ref, sheet)
    return sheet, [list(row) for row in cells]


#: binary operators by precedence (Excel: comparison < & < + - < * / < ^); all left-associative
_BINARY = {"=": 1, "<>": 1, "<": 1, ">": 1, "<=": 1, ">=": 1, "&": 2, "+": 3, "-": 3, "*": 4, "/": 4, "^": 5}


class _Parser:
    """Precedence climbing over the tokens; unary minus binds tighter than ^ (=-2^2 is 4)."""

    def __init__(self, text: str, sheet: str, names: dict[str, str], refs: dict):
        self.toks = _tokens(text)
        self.i = 0
        self.sheet = sheet
        self.names = names
        self.refs = refs  # (reference text, sheet) → cells: a template reads the same cells often

    def ref_node(self, text: str) -> tuple:
        key = (text, self.sheet)
        hit = self.refs.get(key)
        if hit is None:
            try:
                hit = self.refs[key] = ("ref",) + range_cells(text, self.sheet)
            except ValueError:
                raise UnsupportedFormula(f"bad reference {text!r}") from None
        return hit

    def peek(self):
        return self.toks[self.i]

    def take(self, value=None):
        tok = self.toks[self.i]
        if value is not None and tok[1] != value:
            raise UnsupportedFormula(f"expected {value!r}, got {tok[1]!r}")
        self.i += 1
        return tok

    def parse(self):
        node = self.comparison()
        if self.peek()[0] != "end":
            raise UnsupportedFormula(f"unexpected {self.peek()[1]!r}")
        return node

    def comparison(self, min_prec: int = 1):
        node = self.unary()
        toks = self.toks
        while True:
            kind, op = toks[self.i]
            prec = _BINARY.get(op) if kind == "op" else None
            if prec is None or prec < min_prec:
                return node
            self.i += 1
            right = self.comparison(prec + 1)
            if prec == 1:
                node = ("cmp", op, node, right)
            elif prec == 2:
                node = ("cat", node, right)
            else:
                node = ("arith", op, node, right)

    def unary(self):
        if self.peek()[1] in ("-", "+"):
            op = self.take()[1]
            node = self.unary()
            return ("neg", node) if op == "-" else ("pos", node)
        node = self.primary()
        if self.peek()[1] == "%":
            self.take()
            node = ("arith", "/", node, ("lit", 100.0))
        return node

    def primary(self):
        kind, text = self.take()
        if kind == "num":
            return ("lit", float(text))
        if kind == "str":
            return ("lit", text[1:-1].replace('""', '"'))
        if kind == "ref":
            return self.ref_node(text)
        if kind == "name":
            up = text.upper()
            if up in ("TRUE", "FALSE"):
                return ("lit", up == "TRUE")
            if up not in self.names:
                raise UnsupportedFormula(f"unknown name {text}")
            return self.ref_node(self.names[up])
        if kind == "func":
            name = text.upper()
            self.take("(")
            args = []
            if self.peek()[1] != ")":
                while True:
                    if self.peek()[1] in (",", ")"):
                        args.append(("missing",))
                    else:
                        args.append(self.comparison())
                    if self.peek()[1] == ",":
                        self.take()
                        continue
                    break
            self.take(")")
            if name not in _FUNCS and name not in REGISTRY and name != "IF":
                raise UnsupportedFormula(f"function {name} not supported")
            return ("func", name, args)
        if text == "(":
            node = self.comparison()
            self.take(")")
            return node
        raise UnsupportedFormula(f"unexpected {text!r}")


# ---------------------------------------------------------------------------- Excel semantics
def _is_err(v) -> bool:
    return isinstance(v, XlErr)


def _scalar(v):
    if isinstance(v, list):
        return v[0][0] if len(v) == 1 and len(v[0]) == 1 else XlErr("#VALUE!")
    return v


def _num(v):
    v = _scalar(v)
    if _is_err(v):
        return v
    if v is None:
        return 0.0
    if isinstance(v, bool):
        return float(v)
    if isinstance(v, (int, float)):
        return float(v)
    try:
        return float(str(v).strip())
    except ValueError:
        return XlErr("#VALUE!")


def _text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    return str(v)


_CMP = {"=": operator.eq, "<>": operator.ne, "<": operator.lt, ">": operator.gt, "<=": operator.le,
        ">=": operator.ge}


def _rank(v) -> int:  # Excel orders numbers < text < logicals
    return 2 if isinstance(v, bool) else (1 if isinstance(v, str) else 0)


def _cmp(op, a, b):
    cls = a.__class__
    if cls is b.__class__ and (cls is float or cls is str):  # the common cases
        return _CMP[op](a, b) if cls is float else _CMP[op](a.casefold(), b.casefold())
    a, b = _scalar(a), _scalar(b)
    for v in (a, b):
        if _is_err(v):
            return v
    if a is None:
        a = "" if isinstance(b, str) else (False if isinstance(b, bool) else 0.0)
    if b is None:
        b = "" if isinstance(a, str) else (False if isinstance(a, bool) else 0.0)
    ka, kb = _rank(a), _rank(b)
    if ka != kb:
        return _CMP[op](ka, kb)
    if ka == 1:
        return _CMP[op](a.casefold(), b.casefold())
    return _CMP[op](a, b)


def _arith(op, a, b):
    x, y = _num(a), _num(b)
    for v in (x, y):
        if _is_err(v):
            return v
    if op == "+":
        r = x + y
    elif op == "-":
        r = x - y
    elif op == "*":
        r = x * y
    elif op == "/":
        if y == 0:
            return XlErr("#DIV/0!")
        r = x / y
    else:
        r = None
    if r is not None:  # Excel: a result that overflows is #NUM! at once (ISERROR sees it)
        return r if math.isfinite(r) else XlErr("#NUM!")
    try:
        r = x ** y
    except (OverflowError, ZeroDivisionError):
        return XlErr("#NUM!")
    return r if isinstance(r, float) and math.isfinite(r) else XlErr("#NUM!")


def _flat(args):
    for a in args:
        if isinstance(a, list):
            for row in a:
                yield from row
        else:
            yield a


def _minmax(fn):
    def f(*args):
        nums = []
        for v in _flat(args):
            if _is_err(v):
                return v
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                nums.append(float(v))
        return fn(nums) if nums else 0.0
    return f


def _truth(v):
    v = _scalar(v)
    if _is_err(v):
        return v
    if isinstance(v, str):
        up = v.upper()
        if up in ("TRUE", "FALSE"):
            return up == "TRUE"
        return XlErr("#VALUE!")
    return bool(v) if v is not None else False


def _and_or(fn):
    def f(*args):
        vals = []
        for v in _flat(args):
            t = _truth(v)
            if _is_err(t):
                return t
            vals.append(t)
        return fn(vals)
    return f


def _left(text, n=1.0):
    t = _scalar(text)
    if _is_err(t):
        return t
    n = _num(n)
    return n if _is_err(n) else _text(t)[: int(n)]


_FUNCS: dict[str, Callable] = {
    "AND": _and_or(all), "OR": _and_or(any),
    "NOT": lambda v: (lambda t: t if _is_err(t) else not t)(_truth(v)),
    "ISERROR": lambda v: _is_err(_scalar(v)),
    "ISNUMBER": lambda v: isinstance(_scalar(v), (int, float)) and not isinstance(_scalar(v), bool),
    "NA": lambda: XlErr("#N/A"),
    "MIN": _minmax(min), "MAX": _minmax(max), "SUM": _minmax(sum),
    "LEFT": _left, "N": lambda v: (lambda s: s if isinstance(s, (int, float)) and not isinstance(s, bool)
                                   else 0.0)(_scalar(v)),
}


#: the most ASM_* results an evaluator keeps (then it starts again)
MEMO_SIZE = 50_000
_MISSING = object()


def _freeze(v):
    """A hashable, type-exact key for an argument (1, 1.0 and TRUE stay apart)."""
    if isinstance(v, list):
        return tuple(tuple(map(_freeze, row)) for row in v)
    return (v.__class__, v)


def _to_asm(v):
    """A value as our ASM functions receive it from xlwings/formulas: 1x1 → scalar, blanks None."""
    if isinstance(v, list):
        return v[0][0] if len(v) == 1 and len(v[0]) == 1 else v
    return v


def _from_asm(r):
    if isinstance(r, str) and r in EXCEL_ERRORS:
        return XlErr(r)
    if isinstance(r, float) and not math.isfinite(r):
        return XlErr("#NUM!")
    return r


def _collect_refs(node, out: set) -> None:
    if node[0] == "ref":
        out.update((node[1], c) for row in node[2] for c in row)
        return
    for child in node[1:]:
        if isinstance(child, tuple):
            _collect_refs(child, out)
        elif isinstance(child, list):
            for c in child:
                if isinstance(c, tuple):
                    _collect_refs(c, out)


def _parse(text: str, sheet: str, upper_names: dict[str, str], refs: dict):
    try:
        return _Parser(text.lstrip("="), sheet, upper_names, refs).parse()
    except RecursionError:
        raise UnsupportedFormula("a formula nested too deeply for this evaluator") from None


def compile_formula(text: str, sheet: str, names: dict[str, str]):
    """Compile "=..." into fn(get) where get(sheet, cell) returns a cell's value."""
    tree = _parse(text, sheet, {k.upper(): v for k, v in names.items()}, {})
    gen = _Codegen(lambda key: f"get({gen.const(key[0])}, {gen.const(key[1])})", ranges_once=False)
    return gen.function("formula", ["get"], [f"    return {gen.expr(tree)}"], {"_asm": _memoized_asm()})


# ------------------------------------------------------------------------------ code generation
_MAX_TEXT = MAX_STRING  # Excel's limit for a cell's text


def _final(v):
    """A formula cell's value from its expression's: a range → its one value, blank → 0, a
    number that overflowed → #NUM!, text longer than a cell holds → #VALUE! (as Excel shows)."""
    cls = v.__class__
    if cls is float:
        return v if math.isfinite(v) else XlErr("#NUM!")
    if cls is list:
        return _final(_scalar(v))
    if v is None:
        return 0.0
    if cls is str and len(v) > _MAX_TEXT:
        return XlErr("#VALUE!")
    return v


def _neg(x):
    x = _num(x)
    return x if _is_err(x) else -x


def _cat(x, y):
    x, y = _scalar(x), _scalar(y)
    for v in (x, y):
        if _is_err(v):
            return v
    return _text(x) + _text(y)


def _aggregate(fn, typed, *vals):
    # Excel: text, logicals and blanks in a reference are ignored; an argument typed in the
    # formula counts as a number ("3" -> 3, TRUE -> 1, omitted -> 0) or is #VALUE!.
    return fn(*[_num(v) if t and not isinstance(v, list) else v for t, v in zip(typed, vals)])


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
            hit = _from_asm(asm_call(name, *values))
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


def _key(v):
    """:func:`_freeze` of a scalar."""
    return (v.__class__, v)


_HELPERS = {"_final": _final, "_neg": _neg, "_scalar": _scalar, "_cmp": _cmp, "_arith": _arith,
            "_cat": _cat, "_truth": _truth, "_XlErr": XlErr, "_aggregate": _aggregate,
            "_to_asm": _to_asm, "_freeze": _freeze, "_key": _key}


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
            return f"_aggregate({self.const(_FUNCS[name])}, {self.const(typed)}, {', '.join(values)})"
        if name in _FUNCS:
            return f"{self.const(_FUNCS[name])}({', '.join(values)})"
        # an ASM_* function: memoized on its arguments (a range frozen once per run)
        keys, call_args = [], []
        for a, v in zip(args, values):
            if a[0] in ("lit", "missing") or (a[0] == "ref" and _is_cell(a)):
                keys.append(f"_key({v})")
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
        trees = {key: _parse(f, key[0], upper, refs) for key, f in formulas.items()}
        deps: dict = {}
        read: set = set()
        for key, tree in trees.items():
            mine: set = set()
            _collect_refs(tree, mine)
            read |= mine
            deps[key] = [k for k in mine if k in trees]
        #: every cell a formula reads: the only inputs an evaluation needs
        self.referenced = frozenset(read)
        order = _dependency_order(trees, deps)
        local = {key: f"v{i}" for i, key in enumerate(order)}

        def cell_expr(key):
            return local[key] if key in local else f"_g({gen.const(key)})"

        gen = _Codegen(cell_expr, ranges_once=True)
        body: list[str] = ["    _g = inputs.get"]
        for key in order:
            gen.pending_ranges = []
            value = gen.expr(trees[key])
            body += ["    " + r for r in gen.pending_ranges]  # ranges first: each built once
            body.append(f"    {local[key]} = _final({value})")
        body.append("    return {" + ", ".join(f"{gen.const(key)}: {local[key]}" for key in formulas) + "}")
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
        return self._run(inputs)


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
