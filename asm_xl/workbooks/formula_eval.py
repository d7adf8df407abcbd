"""A small evaluator for the Excel formulas our template uses, to pre-compute cached values fast.

Generating 8,600 workbooks cannot afford the general engine (``formulas`` spends about 250 µs per
cell call, ~30 ms a workbook); the template's formulas use a small subset of Excel, compiled here
once per template into Python closures. Supported: numbers, strings, TRUE/FALSE, cell and range
references (with sheet and $), workbook-scoped defined names, ``+ - * / ^ & = <> < > <= >=``, unary
minus, empty arguments, IF (lazy), AND, OR, NOT, ISERROR, ISNUMBER, NA, MIN, MAX, SUM, LEFT, N, and
every ASM_* function through the registry. Anything else raises :class:`UnsupportedFormula` so the
caller falls back to the general engine. Tests compare its results with ``formulas`` on generated
workbooks (``asm-xl recalc --check`` finds no difference).
"""

from __future__ import annotations

import math
import re
from typing import Callable

from openpyxl.utils import column_index_from_string, get_column_letter

from ..excel import REGISTRY
from ..excel.registry import call as asm_call
from ..excel.values import ERROR_VALUES

__all__ = ["UnsupportedFormula", "XlErr", "compile_formula", "Evaluator"]


class UnsupportedFormula(ValueError):
    """A formula outside the subset this evaluator knows: use the formulas engine."""


class XlErr(str):
    """An Excel error value ("#N/A"...): a str subclass so ASM functions receive the text."""


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
    pos, out = 0, []
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise UnsupportedFormula(f"cannot read {text[pos:pos + 20]!r}")
        pos = m.end()
        kind = m.lastgroup
        if kind != "ws":
            out.append((kind, m.group()))
    out.append(("end", ""))
    return out


_CELL = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)")


def parse_ref(ref: str, sheet: str) -> tuple[str, list[list[str]]]:
    """'Sheet!$A$1:$B$2' → (sheet, [[A1, B1], [A2, B2]])."""
    if "!" in ref:
        sheet, ref = ref.rsplit("!", 1)
        sheet = sheet.strip("'")
    parts = ref.split(":")
    (c1, r1), (c2, r2) = (_CELL.fullmatch(parts[0]).groups(), _CELL.fullmatch(parts[-1]).groups())
    cols = range(min(column_index_from_string(c1.upper()), column_index_from_string(c2.upper())), max(column_index_from_string(c1.upper()), column_index_from_string(c2.upper())) + 1)
    rows = range(min(int(r1), int(r2)), max(int(r1), int(r2)) + 1)
    return sheet, [[f"{get_column_letter(c)}{r}" for c in cols] for r in rows]


class _Parser:
    def __init__(self, text: str, sheet: str, names: dict[str, str]):
        self.toks = _tokens(text)
        self.i = 0
        self.sheet = sheet
        self.names = names

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

    def comparison(self):
        node = self.concat()
        while self.peek()[1] in ("=", "<>", "<", ">", "<=", ">="):
            op = self.take()[1]
            node = ("cmp", op, node, self.concat())
        return node

    def concat(self):
        node = self.additive()
        while self.peek()[1] == "&":
            self.take()
            node = ("cat", node, self.additive())
        return node

    def additive(self):
        node = self.term()
        while self.peek()[1] in ("+", "-"):
            op = self.take()[1]
            node = ("arith", op, node, self.term())
        return node

    def term(self):
        node = self.power()
        while self.peek()[1] in ("*", "/"):
            op = self.take()[1]
            node = ("arith", op, node, self.power())
        return node

    def power(self):
        node = self.unary()
        while self.peek()[1] == "^":
            self.take()
            node = ("arith", "^", node, self.unary())
        return node

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
            return ("ref",) + parse_ref(text, self.sheet)
        if kind == "name":
            up = text.upper()
            if up in ("TRUE", "FALSE"):
                return ("lit", up == "TRUE")
            if up not in self.names:
                raise UnsupportedFormula(f"unknown name {text}")
            return ("ref",) + parse_ref(self.names[up], self.sheet)
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


def _cmp(op, a, b):
    a, b = _scalar(a), _scalar(b)
    for v in (a, b):
        if _is_err(v):
            return v
    if a is None:
        a = "" if isinstance(b, str) else (False if isinstance(b, bool) else 0.0)
    if b is None:
        b = "" if isinstance(a, str) else (False if isinstance(a, bool) else 0.0)

    def rank(v):  # Excel orders numbers < text < logicals
        return 2 if isinstance(v, bool) else (1 if isinstance(v, str) else 0)

    ka, kb = rank(a), rank(b)
    if ka != kb:
        x, y = ka, kb
    elif ka == 1:
        x, y = a.casefold(), b.casefold()
    else:
        x, y = a, b
    return {"=": x == y, "<>": x != y, "<": x < y, ">": x > y, "<=": x <= y, ">=": x >= y}[op]


def _arith(op, a, b):
    x, y = _num(a), _num(b)
    for v in (x, y):
        if _is_err(v):
            return v
    if op == "+":
        return x + y
    if op == "-":
        return x - y
    if op == "*":
        return x * y
    if op == "/":
        return XlErr("#DIV/0!") if y == 0 else x / y
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


#: ASM_* results by (function, arguments): the functions are pure, and workbooks from one template
#: call them with the same arguments again and again (the exchange curve of a cohort and year).
_MEMO: dict = {}
_MEMO_SIZE = 50_000
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
    if isinstance(r, str) and r in ERROR_VALUES:
        return XlErr(r)
    if isinstance(r, float) and not math.isfinite(r):
        return XlErr("#NUM!")
    return r


def _collect_refs(node, out: set) -> None:
    if node[0] == "ref":
        out.update((node[1], c) for row in node[2] for c in row)
    for child in node[1:]:
        if isinstance(child, tuple):
            _collect_refs(child, out)
        elif isinstance(child, list):
            for c in child:
                if isinstance(c, tuple):
                    _collect_refs(c, out)


def compile_formula(text: str, sheet: str, names: dict[str, str]):
    """Compile "=..." into fn(get) where get(sheet, cell) returns a cell's value."""
    tree = _Parser(text.lstrip("="), sheet, {k.upper(): v for k, v in names.items()}).parse()
    return _build(tree)


def _build(node):
    kind = node[0]
    if kind == "lit":
        value = node[1]
        return lambda get: value
    if kind == "missing":
        return lambda get: None
    if kind == "ref":
        sheet, cells = node[1], node[2]
        if len(cells) == 1 and len(cells[0]) == 1:
            cell = cells[0][0]
            return lambda get: get(sheet, cell)
        key = (sheet, cells[0][0], cells[-1][-1])

        def rng(get):
            cached = getattr(get, "range", None)  # an Evaluator run builds each range once
            if cached is not None:
                return cached(key, sheet, cells)
            return [[get(sheet, c) for c in row] for row in cells]
        return rng
    if kind == "neg":
        inner = _build(node[1])
        return lambda get: (lambda x: x if _is_err(x) else -x)(_num(inner(get)))
    if kind == "pos":
        inner = _build(node[1])
        return lambda get: _scalar(inner(get))
    if kind in ("cmp", "arith"):
        op, a, b = node[1], _build(node[2]), _build(node[3])
        fn = _cmp if kind == "cmp" else _arith
        return lambda get: fn(op, a(get), b(get))
    if kind == "cat":
        a, b = _build(node[1]), _build(node[2])

        def cat(get):
            x, y = _scalar(a(get)), _scalar(b(get))
            for v in (x, y):
                if _is_err(v):
                    return v
            return _text(x) + _text(y)
        return cat
    if kind == "func":
        name, args = node[1], [_build(a) for a in node[2]]
        if name == "IF":
            cond, yes = args[0], args[1] if len(args) > 1 else (lambda get: True)
            no = args[2] if len(args) > 2 else (lambda get: False)

            def if_(get):
                t = _truth(cond(get))
                if _is_err(t):
                    return t
                r = yes(get) if t else no(get)
                return _scalar(r) if not isinstance(r, list) else r
            return if_
        if name in ("MIN", "MAX", "SUM"):
            fn, typed = _FUNCS[name], [a[0] != "ref" for a in node[2]]

            def aggregate(get):
                # Excel: text, logicals and blanks in a reference are ignored; an argument typed in
                # the formula counts as a number ("3" -> 3, TRUE -> 1, omitted -> 0) or is #VALUE!.
                vals = [a(get) for a in args]
                return fn(*[_num(v) if t and not isinstance(v, list) else v for t, v in zip(typed, vals)])
            return aggregate
        if name in _FUNCS:
            fn = _FUNCS[name]
            return lambda get: fn(*[a(get) for a in args])

        def asm(get):
            values = [_to_asm(a(get)) for a in args]
            freeze = getattr(get, "freeze", _freeze)
            try:
                key = (name, tuple(map(freeze, values)))
                hit = _MEMO.get(key, _MISSING)
            except TypeError:  # an unhashable value: just call
                return _from_asm(asm_call(name, *values))
            if hit is _MISSING:
                if len(_MEMO) >= _MEMO_SIZE:
                    _MEMO.clear()
                hit = _MEMO[key] = _from_asm(asm_call(name, *values))
            return hit
        return asm
    raise UnsupportedFormula(kind)


class Evaluator:
    """Evaluate every formula cell of a workbook from its input values.

    ``formulas``: {(sheet, cell): "=..."}; ``names``: defined name → reference.
    :meth:`run` takes {(sheet, cell): value} of inputs and returns {(sheet, cell): value} of formulas.
    """

    def __init__(self, formulas: dict[tuple[str, str], str], names: dict[str, str]):
        self.compiled = {key: compile_formula(f, key[0], names) for key, f in formulas.items()}
        upper = {k.upper(): v for k, v in names.items()}
        refs: set = set()
        for (sheet, _), f in formulas.items():
            _collect_refs(_Parser(f.lstrip("="), sheet, upper).parse(), refs)
        #: every cell a formula reads: the only inputs an evaluation needs
        self.referenced = frozenset(refs)

    def run(self, inputs: dict[tuple[str, str], object]) -> dict[tuple[str, str], object]:
        run = _Run(self.compiled, inputs)
        for key in self.compiled:
            run(*key)
        return run.values


class _Run:
    """One evaluation: cell values computed on demand, each once; a range's values built once
    (the same list is then passed to every function that reads it: they must not change it)."""

    __slots__ = ("compiled", "inputs", "values", "ranges", "active", "frozen")

    def __init__(self, compiled: dict, inputs: dict):
        self.compiled, self.inputs = compiled, inputs
        self.values: dict = {}
        self.ranges: dict = {}
        self.active: set = set()
        self.frozen: dict = {}

    def freeze(self, v):
        """:func:`_freeze`, once per range object of this run."""
        if isinstance(v, list):
            got = self.frozen.get(id(v))
            if got is None:
                got = self.frozen[id(v)] = (v, _freeze(v))  # v kept: its id stays unique
            return got[1]
        return (v.__class__, v)

    def __call__(self, sheet: str, cell: str):
        key = (sheet, cell)
        values = self.values
        if key in values:
            return values[key]
        fn = self.compiled.get(key)
        if fn is None:
            return self.inputs.get(key)
        if key in self.active:
            raise UnsupportedFormula(f"circular reference at {sheet}!{cell}")
        self.active.add(key)
        v = fn(self)
        self.active.discard(key)
        if isinstance(v, list):
            v = _scalar(v)
        if v is None:
            v = 0.0  # a formula is never blank: =A1 of an empty A1 shows 0
        values[key] = v
        return v

    def range(self, key: tuple, sheet: str, cells: list):
        got = self.ranges.get(key)
        if got is None:
            got = self.ranges[key] = [[self(sheet, c) for c in row] for row in cells]
        return got
