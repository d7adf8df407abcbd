"""Excel's semantics for the subset :mod:`asm_xl.calc.evaluator` compiles: coercion to number,
text and logical, comparison (numbers < text < logicals, text case-insensitive), arithmetic with
Excel's errors (#DIV/0!, #NUM! on overflow), the built-in functions (:data:`FUNCS`), and the
conversions to and from the ASM_* functions. The generated code calls these by name.
"""

from __future__ import annotations

import math
import operator
from typing import Callable

from asm_xl.xlsx.cells import EXCEL_ERRORS, MAX_STRING, ErrorValue
from asm_xl.excel.values import content_key
from asm_xl.calc.text_numbers import excel_text_number

__all__ = ["XlErr", "FUNCS", "is_err", "scalar", "num", "as_text", "compare", "arith", "truth",
           "final", "final_spill", "neg", "concat", "aggregate", "freeze", "key_of", "to_asm", "from_asm", "index_at",
           "iferror_value", "final_iferror", "index_cell"]

#: An Excel error value ("#N/A"...): a str subclass so ASM functions receive the text (the Excel-file
#: layer's :class:`~asm_xl.xlsx.cells.ErrorValue`, so values read from a file need no conversion).
XlErr = ErrorValue


def is_err(v) -> bool:
    return isinstance(v, XlErr)


def scalar(v):
    if isinstance(v, list):
        return v[0][0] if len(v) == 1 and len(v[0]) == 1 else XlErr("#VALUE!")
    return v


def num(v):
    if v.__class__ is float:  # the common case, decided at once
        return v
    v = scalar(v)
    if is_err(v):
        return v
    if v is None:
        return 0.0
    if isinstance(v, bool):
        return float(v)
    if isinstance(v, (int, float)):
        return float(v)
    x = excel_text_number(str(v))   # "85%" 0.85, "$1,000" 1000, "(5)" -5 (:mod:`asm_xl.calc.text_numbers`)
    return XlErr("#VALUE!") if x is None else x


def as_text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    return str(v)


_CMP = {"=": operator.eq, "<>": operator.ne, "<": operator.lt, ">": operator.gt, "<=": operator.le,
        ">=": operator.ge}


#: + - * of two floats: no error to pass through, no division by zero
_PLAIN = {"+": operator.add, "-": operator.sub, "*": operator.mul}


def _rank(v) -> int:  # Excel orders numbers < text < logicals
    return 2 if isinstance(v, bool) else (1 if isinstance(v, str) else 0)


#: two numbers this close are equal in a comparison, as Excel and LibreOffice compare them (about 15
#: significant digits; LibreOffice's rtl::math::approxEqual): =0.1+0.2=0.3 is TRUE
_SAME_NUMBER = 2.0 ** -48


def _numbers(op, a: float, b: float) -> bool:
    if a != b and abs(a - b) <= _SAME_NUMBER * max(abs(a), abs(b)):
        b = a
    return _CMP[op](a, b)


def compare(op, a, b):
    cls = a.__class__
    if cls is b.__class__ and (cls is float or cls is str):  # the common cases
        return _numbers(op, a, b) if cls is float else _CMP[op](a.casefold(), b.casefold())
    a, b = scalar(a), scalar(b)
    for v in (a, b):
        if is_err(v):
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
    return _numbers(op, float(a), float(b)) if ka == 0 else _CMP[op](a, b)


def arith(op, a, b):
    if a.__class__ is float and b.__class__ is float and op in _PLAIN:  # the common case
        r = _PLAIN[op](a, b)
        return r if math.isfinite(r) else XlErr("#NUM!")
    x, y = num(a), num(b)
    for v in (x, y):
        if is_err(v):
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
            if is_err(v):
                return v
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                nums.append(float(v))
        return fn(nums) if nums else 0.0
    return f


def truth(v):
    if v.__class__ is bool:  # a comparison's result: decided at once
        return v
    v = scalar(v)
    if is_err(v):
        return v
    if isinstance(v, str):
        up = v.upper()
        if up in ("TRUE", "FALSE"):
            return up == "TRUE"
        return XlErr("#VALUE!")
    return bool(v) if v is not None else False


def _and_or(fn):
    """AND / OR as Excel: blank cells, and text in a range, are left out; no value left: #VALUE!
    (``AND(B1)`` of a blank B1 is #VALUE!, not FALSE); an error value wins."""
    def f(*args):
        vals = []
        for a in args:
            in_range = isinstance(a, list)
            for v in _flat([a]):
                if v is None or (in_range and isinstance(v, str) and v not in EXCEL_ERRORS):
                    continue
                t = truth(v)
                if is_err(t):
                    return t
                vals.append(t)
        return fn(vals) if vals else XlErr("#VALUE!")
    return f


def _left(text, n=1.0):
    """LEFT(text, n): the first int(n) characters; n below 0: #VALUE! (Excel; a Python slice took the end off)."""
    t = scalar(text)
    if is_err(t):
        return t
    n = num(n)
    if is_err(n):
        return n
    return XlErr("#VALUE!") if n < 0 else as_text(t)[: int(n)]


def _index(array, row, col=None):
    """INDEX(array, row, [column]) of a range or of a function's table (1-based; one row or one
    column may omit the other index); outside it: #REF!, as Excel."""
    if is_err(array):
        return array
    rows = array if isinstance(array, list) else [[array]]
    r, c = num(row), (None if col is None else num(col))
    for x in (r, c):
        if is_err(x):
            return x
    if c is None:
        r, c = (1.0, r) if len(rows) == 1 else (r, 1.0)
    r, c = int(r), int(c)
    if r < 1 or c < 1 or r > len(rows) or c > len(rows[r - 1]):
        return XlErr("#REF!")
    v = rows[r - 1][c - 1]
    return from_asm(v)


def index_at(array, r: int, c: int):
    """INDEX(array, r, c) where the formula gives r and c as whole numbers >= 1 (the Actions sheet's
    170 cells read one table so): :func:`_index` without converting them again, the same value."""
    if array.__class__ is list:
        if r <= len(array):
            row = array[r - 1]
            if c <= len(row):
                return from_asm(row[c - 1])
        return XlErr("#REF!")
    return _index(array, float(r), float(c))


def iferror_value(value, fallback):
    """IFERROR(value, fallback) where the fallback is a value written in the formula (not a range)."""
    value = scalar(value)
    return fallback if value.__class__ is XlErr else value


def final_iferror(value, fallback):
    """A formula cell ``=IFERROR(value, fallback)`` with the fallback written in the formula (each cell that
    shows a cell of an array formula's table does, ~170 a generated workbook): the value
    ``final(iferror_value(value, fallback))`` gives, decided at once for a finite number or a text that is
    no error and fits a cell (one call where there were three; v - v is 0.0 for a finite float only)."""
    cls = value.__class__
    if (cls is float and value - value == 0.0) or (cls is str and len(value) <= _MAX_TEXT):
        return value
    return final(iferror_value(value, fallback))


def index_cell(array, r: int, c: int, fallback):
    """A formula cell ``=IFERROR(INDEX(array, r, c), fallback)`` with r, c and the fallback written in
    the formula (the Benchmarks and Actions sheets' ~390 cells read their tables so): the value
    ``final(iferror_value(index_at(array, r, c), fallback))`` gives, decided at once for a number or a
    text in the table (one call where there were four)."""
    if array.__class__ is list and r <= len(array):
        row = array[r - 1]
        if c <= len(row):
            v = row[c - 1]
            cls = v.__class__
            if cls is float:
                return v if math.isfinite(v) else final(fallback)   # from_asm: #NUM!, an error: the fallback
            if cls is str and len(v) <= _MAX_TEXT:
                return final(fallback) if v in EXCEL_ERRORS else v
    return final(iferror_value(index_at(array, r, c), fallback))


def _iferror(value, fallback):
    value = scalar(value)
    return scalar(fallback) if is_err(value) else value


FUNCS: dict[str, Callable] = {
    "AND": _and_or(all), "OR": _and_or(any),
    "NOT": lambda v: (lambda t: t if is_err(t) else not t)(truth(v)),
    "ISERROR": lambda v: is_err(scalar(v)),
    "ISNUMBER": lambda v: isinstance(scalar(v), (int, float)) and not isinstance(scalar(v), bool),
    "NA": lambda: XlErr("#N/A"),
    "MIN": _minmax(min), "MAX": _minmax(max), "SUM": _minmax(sum),
    "INDEX": _index, "IFERROR": _iferror,
    "LEFT": _left, "N": lambda v: (lambda s: s if isinstance(s, (int, float)) and not isinstance(s, bool)
                                   else 0.0)(scalar(v)),
}



#: a hashable, type-exact key of an argument (1, 1.0 and TRUE stay apart): the excel layer's one rule
freeze = content_key


def to_asm(v):
    """A value as our ASM functions receive it from xlwings/formulas: 1x1 → scalar, blanks None."""
    if isinstance(v, list):
        return v[0][0] if len(v) == 1 and len(v[0]) == 1 else v
    return v


def from_asm(r):
    if isinstance(r, str) and r in EXCEL_ERRORS:
        return XlErr(r)
    if isinstance(r, float) and not math.isfinite(r):
        return XlErr("#NUM!")
    return r



_MAX_TEXT = MAX_STRING  # Excel's limit for a cell's text


def final_spill(spills: dict, key, v):
    """A formula cell whose function returned a table (rows, more than one cell): the cell shows its
    top-left value and the table is kept in ``spills`` under the cell's key, to fill the cells below
    and right of it (Excel 365's spill)."""
    if v.__class__ is list and v and (len(v) > 1 or len(v[0]) > 1):
        spills[key] = v
        return final(from_asm(v[0][0]))
    return final(v)


def array_table(raw) -> list[list]:
    """An array formula's result as rows of equal length (a short row padded with #N/A, as Excel pads
    arrays; an empty one #CALC!)."""
    rows = raw if raw.__class__ is list else [[raw]]
    rows = [r if r.__class__ is list else [r] for r in rows]
    width = max((len(r) for r in rows), default=0)
    if not width:
        return [[XlErr("#CALC!")]]
    return [r + [XlErr("#N/A")] * (width - len(r)) for r in rows]


def array_cell(v, top_left: bool):
    """A value of an array formula's result as its cell shows it (the top-left as the formula cell
    would, the others as spilled: a blank is "")."""
    if v is None and not top_left:
        return ""
    return final(from_asm(v))


def fixed_array(raw, rows: int, cols: int) -> list[list]:
    """The cells of a fixed (Ctrl+Shift+Enter) array formula of rows x cols whose formula gave ``raw``,
    as Excel fills them: a one-row (one-column) result repeats down (across), a smaller one leaves
    #N/A beyond it, a larger one is cut."""
    table = array_table(raw)
    n, m = len(table), len(table[0])
    if n == rows and m == cols:  # the exact shape (a table function given its rows): each value as it is
        # unless array_cell would change it (a text that is not an error nor too long, a finite number
        # stay; v - v is 0.0 for a finite float only)
        return [[v if (v.__class__ is str and v not in EXCEL_ERRORS and len(v) <= _MAX_TEXT)
                 or (v.__class__ is float and v - v == 0.0) else array_cell(v, not (i or j))
                 for j, v in enumerate(row)] for i, row in enumerate(table)]
    na = XlErr("#N/A")
    return [[array_cell(table[0 if n == 1 else i][0 if m == 1 else j], not (i or j))
             if (n == 1 or i < n) and (m == 1 or j < m) else na
             for j in range(cols)] for i in range(rows)]


def final(v):
    """A formula cell's value from its expression's: a range → its one value, blank → 0, a
    number that overflowed → #NUM!, text longer than a cell holds → #VALUE! (as Excel shows)."""
    cls = v.__class__
    if cls is float:
        return v if math.isfinite(v) else XlErr("#NUM!")
    if cls is list:
        return final(scalar(v))
    if v is None:
        return 0.0
    if cls is str and len(v) > _MAX_TEXT:
        return XlErr("#VALUE!")
    return v


def neg(x):
    x = num(x)
    return x if is_err(x) else -x


def concat(x, y):
    x, y = scalar(x), scalar(y)
    for v in (x, y):
        if is_err(v):
            return v
    text = as_text(x) + as_text(y)   # Excel's & gives #VALUE! past a cell's limit (then LEN of it is #VALUE!)
    return text if len(text) <= _MAX_TEXT else XlErr("#VALUE!")


def aggregate(fn, typed, *vals):
    # Excel: text, logicals and blanks in a reference are ignored; an argument typed in the
    # formula counts as a number ("3" -> 3, TRUE -> 1, omitted -> 0) or is #VALUE!.
    return fn(*[num(v) if t and not isinstance(v, list) else v for t, v in zip(typed, vals)])



def key_of(v):
    """:func:`freeze` of a scalar."""
    return (v.__class__, v)


