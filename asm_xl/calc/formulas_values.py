"""Values between the ``formulas`` library and the add-in's Excel functions.

* :func:`register_functions` makes Python functions (the add-in's Excel functions, e.g.
  ``ASM_QUALITY``) callable from formulas evaluated by ``formulas``;
* :func:`to_excel_shaped` / :func:`from_excel_shaped` adapt arguments and results between
  ``formulas``' internal types and the Excel/xlwings shapes the functions expect;
* :func:`to_python` turns a computed cell into float/int/bool/str or an Excel error string.
"""
from __future__ import annotations

import re

import functools
import math
import numbers
from typing import Any, Callable, Mapping

import numpy as np
import schedula as sh

from asm_xl.xlsx.cells import MAX_STRING, excel_length
from asm_xl.xlsx.refs import without_strings

__all__ = ["register_functions", "to_excel_shaped", "from_excel_shaped", "to_python", "load_formulas"]


# --------------------------------------------------------------------------
# custom functions
# --------------------------------------------------------------------------
class _Omitted(int):
    """An argument left out of a call (``=ASM_FINAL(0.6, , 2, 0.9)``): 0 to ``formulas`` and its own functions, as
    Excel gives a built-in function, but told apart by :func:`to_excel_shaped`, which gives the add-in's functions
    None, as Excel (through xlwings) and our evaluator do: "not given", not the number 0 (cost 0, not "not scored")."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "OMITTED"


#: what ``formulas`` computes for an omitted argument once :func:`load_formulas` has run (its own: int 0)
OMITTED = _Omitted(0)


def load_formulas():
    """The ``formulas`` module (imported on first use: it is slow to import), its omitted argument made
    :data:`OMITTED`, which its functions read as the 0 they read before."""
    import formulas  # imported lazily: it is slow to import
    from formulas.tokens.operand import Empty
    if Empty.compile() is not OMITTED:
        Empty.compile = staticmethod(lambda: OMITTED)
    return formulas


def _xl_errors() -> dict:
    from formulas.tokens.operand import Error
    return Error.errors


def _scalar_to_excel(v: Any) -> Any:
    from formulas.tokens.operand import XlError
    if v is sh.EMPTY or v.__class__ is _Omitted:
        return None
    if isinstance(v, XlError):
        return str(v)
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, numbers.Number) and not isinstance(v, complex):
        return float(v)
    if isinstance(v, str):
        return str(v)
    return v


def to_excel_shaped(value: Any) -> Any:
    """Convert an argument as ``formulas`` passes it into Excel/xlwings shape.

    ``formulas`` passes references as ``formulas.ranges.Ranges`` objects
    (``.value`` is a 2-D object ndarray, even for one cell), computed
    sub-expressions as ``formulas.functions.Array`` ndarrays (0-d or 2-D),
    literals as Python scalars, blank cells as ``schedula.EMPTY`` and errors
    as ``formulas.tokens.operand.XlError`` (a ``str`` subclass).  Result:
    a scalar for one value (numbers as float, as Excel/xlwings give them),
    a list of row lists for a larger range, ``None`` for a blank cell and
    ``"#N/A"``-style strings for errors.
    """
    from formulas.ranges import Ranges
    if isinstance(value, Ranges):
        # A defined name's range may not have its value yet: formulas raises RangeValueError,
        # which wrap_ranges_func (see register_functions) turns into "evaluate me later".
        value = value.value
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return _scalar_to_excel(value.item())
        arr = value.reshape(1, -1) if value.ndim == 1 else value
        if arr.shape == (1, 1):
            return _scalar_to_excel(arr[0, 0])
        return [[_scalar_to_excel(x) for x in row] for row in arr.tolist()]
    return _scalar_to_excel(value)


def _scalar_from_excel(v: Any) -> Any:
    from formulas.tokens.operand import XlError
    errors = _xl_errors()
    if v is None:
        return ""  # xlwings returns None to Excel as an empty string
    if isinstance(v, XlError):
        return v
    if isinstance(v, str):
        return errors.get(v, v)
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, numbers.Real):
        f = float(v)
        if math.isnan(f):
            return ""  # as xlwings does
        return f if math.isfinite(f) else errors["#NUM!"]
    return errors["#VALUE!"]


def from_excel_shaped(value: Any) -> Any:
    """Convert a custom function's return value into what ``formulas`` uses.

    float/int/bool/str pass through (numbers as float); an Excel error
    string such as ``"#N/A"`` becomes the real error value (``XlError``);
    ``None``/NaN become ``""`` (as xlwings returns them); inf -> ``#NUM!``;
    lists (rows) or ndarrays become a 2-D ``formulas`` Array (for array
    formulas); anything else -> ``#VALUE!``.
    """
    from formulas.functions import Array
    if isinstance(value, (list, tuple, np.ndarray)):
        arr = np.array(value, dtype=object)
        if arr.ndim == 0:
            return _scalar_from_excel(arr.item())
        if arr.ndim == 1:
            arr = arr.reshape(1, -1)
        if arr.ndim != 2 or arr.size == 0:
            return _xl_errors()["#VALUE!"]
        out = np.empty(arr.shape, dtype=object)
        for idx, x in np.ndenumerate(arr):
            out[idx] = _scalar_from_excel(x)
        return out.view(Array)
    return _scalar_from_excel(value)


def _adapt(func: Callable) -> Callable:
    from formulas.errors import RangeValueError

    @functools.wraps(func)
    def wrapper(*args):
        try:
            result = func(*[to_excel_shaped(a) for a in args])
        except RangeValueError:
            raise  # not ready yet: formulas evaluates the cell again once the range has its value
        except Exception:  # Excel shows #VALUE! when a UDF raises
            return _xl_errors()["#VALUE!"]
        return from_excel_shaped(result)

    wrapper.excel_function = func
    return wrapper


def register_functions(funcs: Mapping[str, Callable]) -> None:
    """Register Python functions as Excel functions for ``formulas``.

    Names are upper-cased; the ``_xludf.`` prefixed alias is registered too.
    Arguments are converted with :func:`to_excel_shaped` and results with
    :func:`from_excel_shaped`; an exception inside a function yields
    ``#VALUE!``.  Register before compiling a workbook: ``formulas`` resolves
    function names when it parses formulas.
    """
    registry = load_formulas().get_functions()
    for name, func in funcs.items():
        if not callable(func):
            raise TypeError(f"{name}: not callable")
        from formulas.functions import wrap_ranges_func
        wrapped = wrap_ranges_func(_adapt(func))
        registry[name.upper()] = wrapped
        registry["_XLUDF." + name.upper()] = wrapped


def unknown_functions(formula: str) -> list[str]:
    """The functions a formula calls that ``formulas`` does not list among its functions (OFFSET: it gives #NAME?),
    as written, in order; string literals are not read. Excel's prefixes (``_xlfn.``) are left out of the lookup.
    (INDIRECT is not listed but computed by the parser: a caller asks only where the result is #NAME?.)

    >>> unknown_functions('=OFFSET(A1,1,0)+SUM(A1:A3)+LEN("CELL(")'), unknown_functions("='My Sheet(1)'!A1")
    (['OFFSET'], [])
    """
    known = load_formulas().get_functions()
    names = _FUNCTION.findall(_QUOTED_SHEET.sub("''", without_strings(formula)))
    return list(dict.fromkeys(n for n in names if re.sub(r"^_XL(?:FN|WS)\.", "", n.upper()) not in known
                              and n.upper() not in known))


#: a quoted sheet name ('My Sheet(1)'!A1: its parenthesis is no function's)
_QUOTED_SHEET = re.compile(r"'(?:[^']|'')*'")
#: a function's name before its opening parenthesis
_FUNCTION = re.compile(r"(?<![\w.$])((?:_xl(?:fn|ws)\.)?[A-Za-z][\w.]*)\(", re.IGNORECASE)


# --------------------------------------------------------------------------
# compiling and calculating
# --------------------------------------------------------------------------
def to_python(v: Any) -> Any:
    """A ``formulas`` result value as float/int/bool/str or an Excel error string (a blank
    reference → 0, as Excel shows it)."""
    from formulas.ranges import Ranges
    from formulas.tokens.operand import XlError
    if isinstance(v, Ranges):
        v = v.value
    if isinstance(v, np.ndarray):
        v = v.item() if v.ndim == 0 else (v.flat[0] if v.size else sh.EMPTY)
        return to_python(v)
    if v is sh.EMPTY:
        return 0  # a formula pointing at a blank cell shows 0 in Excel
    if isinstance(v, XlError):
        return str(v)
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, numbers.Integral):
        return int(v)
    if isinstance(v, numbers.Real):
        f = float(v)
        return f if math.isfinite(f) else "#NUM!"
    if isinstance(v, str):   # Excel's cell holds at most MAX_STRING characters: a longer result is #VALUE!
        return str(v) if excel_length(v) <= MAX_STRING else "#VALUE!"
    return "#VALUE!"


