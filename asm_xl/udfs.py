"""The xlwings UDF module: list ``asm_xl.udfs`` in xlwings' UDF_MODULES and click Import Functions.

Every ``ASM_*`` function here is generated from :data:`asm_xl.excel.REGISTRY` (one declaration per
function): a module-level function with the declared arguments, decorated with
``@xw.func(category="ASM")`` and one ``@xw.arg(..., doc=...)`` per argument. Input normalization
and error handling live in :mod:`asm_xl.excel` (xlwings' decorators do nothing off Windows).

Errors are returned as real Excel error values on Windows (#N/A, #VALUE!, #NUM!), and as the error
strings elsewhere; ``=ASM_WHY("ASM_QUALITY", <same arguments>)`` tells the reason.

Every argument is read with ``ndim=2`` (a range arrives as rows of cells, a one-row range too, a single
cell as ``[[value]]``, which a one-cell argument reads as that value): given a range, a one-cell argument's
function is mapped over it and returns rows of values, which Excel 365 spills (:mod:`asm_xl.excel.spill`);
no ``expand`` decorator is needed (that is the pre-365 way). Without ``ndim=2`` xlwings gives a one-row
range as a flat list, which a table argument (the measure rows, the Assumptions) would misread.

Every argument is read with ``err_to_str=True``: an error cell arrives as its text ("#N/A"), which the
functions pass on as Excel's built-ins do; without it xlwings gives None, read as a blank (a
``#DIV/0!`` quality scored as "not scored", a ``#N/A`` minimum-submission flag as met).

One cell arrives as ``[[x]]`` and is passed on as ``x``, as the headless engines pass a one-cell
reference. What else Windows Excel gives that the headless engines never do is turned into what they give
(:func:`from_excel`): a cell formatted as currency (the template's dollars) arrives as a
``decimal.Decimal``, a date-formatted cell as a ``datetime`` (its serial number is the value: a year
2027 shown as a date is 1905-07-19), and an error xlwings does not know (``#SPILL!``, ``#CALC!``) as
its COM code.
"""

from __future__ import annotations

import datetime as _dt
import sys
from decimal import Decimal

import xlwings as xw

from asm_xl.excel import REGISTRY, ExcelFunction
from asm_xl.excel.registry import call as _call

__all__ = sorted(REGISTRY)

#: COM SCODEs of Excel's error values (CVErr(xlErrNA) etc.).
_COM_ERRORS = {"#NULL!": -2146826288, "#DIV/0!": -2146826281, "#VALUE!": -2146826273, "#REF!": -2146826265,
               "#NAME?": -2146826259, "#NUM!": -2146826252, "#N/A": -2146826246,
               # Excel 365's own (0x800A0000 + 2043, 2045, 2050): passed through as text they showed as text,
               # which ISERROR() does not see (the Why column stayed blank)
               "#GETTING_DATA": -2146826245, "#SPILL!": -2146826243, "#CALC!": -2146826238}


def to_excel_result(value: object) -> object:
    """An error string becomes a real Excel error (a COM VT_ERROR variant) on Windows; a spilled
    result (rows of values, which Excel 365 spills as a dynamic array) cell by cell."""
    if value.__class__ is list:
        return [[to_excel_result(v) for v in row] for row in value]
    if isinstance(value, str) and value in _COM_ERRORS and sys.platform.startswith("win"):
        try:
            import pythoncom
            from win32com.client import VARIANT
            return VARIANT(pythoncom.VT_ERROR, _COM_ERRORS[value])
        except ImportError:  # pragma: no cover - pywin32 always ships with xlwings on Windows
            return value
    return value


#: Excel's error values by their number (xlErrNA = 2042 ...); COM gives them as 0x800A0000 + number
_ERROR_NUMBERS = {2000: "#NULL!", 2007: "#DIV/0!", 2015: "#VALUE!", 2023: "#REF!", 2029: "#NAME?", 2036: "#NUM!",
                  2042: "#N/A", 2043: "#GETTING_DATA", 2045: "#SPILL!", 2050: "#CALC!"}
_COM_ERROR_BASE = -2146828288   # 0x800A0000 as a signed 32-bit SCODE
#: day 0 of the dates COM gives (OLE Automation dates): Excel hands a date cell's serial over as such a date without
#: its 1900 leap-year shift (VBA reads a cell of 5, shown as 1900-01-05, as 1900-01-04), so days since this epoch are
#: the cell's serial for every date, those before 1900-03-01 included (a shift for them read 19 cases as 18)
_EXCEL_EPOCH = _dt.datetime(1899, 12, 30)


def from_excel(value: object) -> object:
    """A value as xlwings gives it from Windows Excel, as the functions (and the headless engines) read it:

    - ``Decimal`` (a currency-formatted cell, COM's VT_CY)  -> float
    - ``datetime``/``date`` (a date-formatted cell)       -> its Excel serial number: days since 1899-12-30,
                                                             as COM's dates count (see :data:`_EXCEL_EPOCH`)
    - an int COM error code xlwings does not translate   -> the error's text (#SPILL!, #CALC!; else #VALUE!)
    - rows of cells                                      -> the same rows, each cell so

    Anything else is returned as it is.

    >>> from_excel([[Decimal("688268.0000"), _dt.datetime(1905, 7, 19)]])
    [[688268.0, 2027.0]]
    >>> from_excel(-2146828288 + 2045)
    '#SPILL!'
    >>> from_excel([[_dt.datetime(1899, 12, 31), _dt.date(1900, 1, 18), _dt.datetime(1899, 12, 30, 12)]])
    [[1.0, 19.0, 0.5]]
    """
    cls = value.__class__
    if cls is float or cls is str or cls is bool or value is None:
        return value
    if cls is list or cls is tuple:
        return [from_excel(v) for v in value]
    if cls is int:
        code = value - _COM_ERROR_BASE
        return _ERROR_NUMBERS.get(code, "#VALUE!") if 2000 <= code < 2100 else value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, _dt.datetime):
        value = value.replace(tzinfo=None)
        return (value - _EXCEL_EPOCH).total_seconds() / 86400.0
    if isinstance(value, _dt.date):
        return float((value - _EXCEL_EPOCH.date()).days)
    return value


def _invoke(name: str, *args: object) -> object:
    return to_excel_result(_call(name, *[_one_cell_as_value(from_excel(a)) for a in args]))


def _one_cell_as_value(value: object) -> object:
    """One cell given as a range (``ndim=2``'s ``[[x]]``, a literal ``""`` as ``[[None]]``) as its value,
    as the headless engines pass a one-cell reference: an Assumptions or payments argument left blank is
    omitted (not a one-cell table: #VALUE!), a one-cell ``scaling`` text is the cohort it names."""
    if value.__class__ is list and len(value) == 1 and value[0].__class__ is list and len(value[0]) == 1:
        return value[0][0]
    return value


def _build(fn: ExcelFunction):
    params = [a.name if not a.optional else f"{a.name}=None" for a in fn.args]
    names = [a.name for a in fn.args]
    if fn.variadic:
        params.append(f"*{fn.variadic.name}")
        call_args = ", ".join([repr(fn.name)] + names) + f", *{fn.variadic.name}"
    else:
        call_args = ", ".join([repr(fn.name)] + names)
    src = f"def {fn.name}({', '.join(params)}):\n    return _invoke({call_args})\n"
    namespace = {"_invoke": _invoke}
    exec(src, namespace)  # noqa: S102 - source built from our own declarations only
    f = namespace[fn.name]
    f.__doc__ = fn.help
    f.__module__ = __name__
    f.__qualname__ = fn.name
    for a in reversed(fn.args + ((fn.variadic,) if fn.variadic else ())):
        key = f"*{a.name}" if a is fn.variadic else a.name
        f = xw.arg(key, doc=a.doc, **ARG_OPTIONS)(f)   # (see the module's note)
    f = xw.func(category=fn.category)(f)
    # help(): the whole declaration (signature, help, source tag, arguments); the Function Wizard's line, at most
    # 255 characters, is the help above, which xlwings read from __doc__ when it decorated the function
    f.__doc__ = fn.docstring()
    return f


#: how xlwings reads every argument: rows of cells (a one-row range too), error cells as their text
ARG_OPTIONS = {"ndim": 2, "err_to_str": True}


for _name, _fn in REGISTRY.items():
    globals()[_name] = _build(_fn)
del _name, _fn
