"""The xlwings UDF module: list ``asm_xl.udfs`` in xlwings' UDF_MODULES and click Import Functions.

Every ``ASM_*`` function here is generated from :data:`asm_xl.excel.REGISTRY` (one declaration per
function): a module-level function with the declared arguments, decorated with
``@xw.func(category="ASM")`` and one ``@xw.arg(..., doc=...)`` per argument. Input normalization
and error handling live in :mod:`asm_xl.excel` (xlwings' decorators do nothing off Windows).

Errors are returned as real Excel error values on Windows (#N/A, #VALUE!, #NUM!), and as the error
strings elsewhere; ``=ASM_WHY("ASM_QUALITY", <same arguments>)`` tells the reason.

A one-cell argument is read with ``ndim=2`` (a range arrives as rows of cells, a single cell as
``[[value]]``, which the functions read as that value): given a range, the function is mapped over it
and returns rows of values, which Excel 365 spills (:mod:`asm_xl.excel.spill`); no ``expand``
decorator is needed (that is the pre-365 way).
"""

from __future__ import annotations

import sys

import xlwings as xw

from asm_xl.excel import REGISTRY, ExcelFunction
from asm_xl.excel.registry import call as _call

__all__ = sorted(REGISTRY)

#: COM SCODEs of Excel's error values (CVErr(xlErrNA) etc.).
_COM_ERRORS = {"#NULL!": -2146826288, "#DIV/0!": -2146826281, "#VALUE!": -2146826273, "#REF!": -2146826265,
               "#NAME?": -2146826259, "#NUM!": -2146826252, "#N/A": -2146826246}


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


def _invoke(name: str, *args: object) -> object:
    return to_excel_result(_call(name, *args))


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
        # a one-cell argument comes as rows of cells when given a range, so a column spills as one
        f = xw.arg(key, doc=a.doc, ndim=2)(f) if a.elementwise and a is not fn.variadic else xw.arg(key, doc=a.doc)(f)
    return xw.func(category=fn.category)(f)


for _name, _fn in REGISTRY.items():
    globals()[_name] = _build(_fn)
del _name, _fn
