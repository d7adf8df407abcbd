"""The ASM_* Excel functions (the users' contract: names, argument order, units).

Fractions are Excel percentages (70% = 0.70). Range arguments accept a row, a column or a single
cell. Each function takes an optional ``assumptions`` argument: a two-column range of setting
names and values (the workbook's Assumptions sheet); omitted → the defaults of
:class:`asm_xl.Settings`.

Declared by topic: :mod:`~asm_xl.excel.ladder_functions` (benchmark ladders, yours or MIPS'),
:mod:`~asm_xl.excel.measure_functions` (measures, quality and cost),
:mod:`~asm_xl.excel.score_functions` (adjustments, final score, notes),
:mod:`~asm_xl.excel.payment_functions` (exchange function, scaling factor, payment),
:mod:`~asm_xl.excel.range_functions` (the payment range over the national peer model),
:mod:`~asm_xl.excel.table_functions` (tables that spill: actions, projection); ``ASM_WHY`` and ``ASM_HELP`` here.
"""

from __future__ import annotations

import difflib

from asm_xl.excel import (ladder_functions, measure_functions, payment_functions, range_functions,  # noqa: F401
                          score_functions, table_functions)
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
    typed = _typed_name(xv.text("function_name", function_name))
    name = next((n for n in (typed, "ASM_" + typed) if n in REGISTRY and n != "ASM_WHY"), None)
    if typed == "ASM_WHY":
        return "function_name: ASM_WHY explains another function's error: give that function's name"
    if name is None:   # said as the result: an error value's reason is what ASM_WHY shows, and #NAME? reads as
        known = sorted(n for n in REGISTRY if n != "ASM_WHY")   # "the add-in is not loaded"
        like = difflib.get_close_matches(typed, known, n=1, cutoff=0.6)
        return (f"function_name: {function_name!r} is no ASM function" + (f"; did you mean {like[0]}?" if like else
                f" (one of {', '.join(known)})"))
    return explain(name, *args)


def _typed_name(text: str) -> str:
    """A function's name as a user may type it ("asm_factor", "=ASM_FACTOR(", " Factor "), upper case and bare: the
    registry's name, or that name without its ASM_ prefix."""
    return text.strip().lstrip("=").split("(")[0].strip().upper()


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
