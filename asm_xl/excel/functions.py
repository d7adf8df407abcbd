"""The ASM_* Excel functions (the users' contract: names, argument order, units).

Fractions are Excel percentages (70% = 0.70). Range arguments accept a row, a column or a single
cell. Each function ends with an optional ``assumptions`` argument: a two-column range of setting
names and values (the workbook's Assumptions sheet); omitted → the defaults of
:class:`asm_xl.Settings`.

Declared by topic: :mod:`~asm_xl.excel.measure_functions` (measures, quality and cost),
:mod:`~asm_xl.excel.score_functions` (adjustments, final score, notes),
:mod:`~asm_xl.excel.payment_functions` (exchange function, scaling factor, payment),
:mod:`~asm_xl.excel.range_functions` (the payment range over the national peer model),
:mod:`~asm_xl.excel.table_functions` (tables that spill: actions, projection); ``ASM_WHY`` and ``ASM_HELP`` here.
"""

from __future__ import annotations

from asm_xl.excel import (measure_functions, payment_functions, range_functions, score_functions,  # noqa: F401
                          table_functions)
from asm_xl.excel import values as xv
from asm_xl.excel.arguments import ASSUMPTIONS, settings_arg
from asm_xl.excel.registry import REGISTRY, Arg, excel_function, explain

__all__ = ["settings_arg"]


@excel_function(
    "ASM_WHY",
    "Why an ASM function shows an error: give the function's name and the same arguments.",
    # not "function": a VBA keyword, and Import Functions writes each argument's name into the VBA module
    Arg("function_name", 'Name of the ASM function, e.g. "ASM_QUALITY".'),
    variadic=Arg("args", "The same arguments as in the cell that shows the error."),
)
def asm_why(function_name, *args):
    name = xv.text("function_name", function_name).upper()
    if name == "ASM_WHY" or name not in REGISTRY:
        raise xv.ExcelError("#NAME?", f"unknown ASM function {function_name!r}")
    return explain(name, *args)


@excel_function(
    "ASM_HELP",
    "A help text with the numbers of the settings it names in braces taken from the assumptions, so that the "
    "help next to an input says what an edited Assumptions sheet does.",
    Arg("text", 'Text naming settings in braces, e.g. "fewer than {{cost_episode_minimum}} episodes: no cost score".'),
    ASSUMPTIONS, source="ASSUMPTION: the settings in force")
def asm_help(text, assumptions=None):
    """:meth:`asm_xl.model.settings.Settings.fill` of ``text`` with the settings of ``assumptions`` (the one
    place help texts get their numbers: the Function Wizard, the README and the template use it too). An
    unknown name in braces is #VALUE!."""
    t = xv.text("text", text)
    try:
        return settings_arg(assumptions).fill(t)
    except (KeyError, IndexError, ValueError, TypeError) as e:   # TypeError: a format a value cannot take
        raise xv.ExcelError("#VALUE!", f"text: {t!r} names no setting as written ({type(e).__name__}: {e}); "
                                       "name settings in braces as the Assumptions sheet does") from None
