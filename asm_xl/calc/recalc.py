"""Recalculate workbooks without Excel: standard functions and ASM_* alike (``asm-xl recalc``).

The ASM_* functions come from the same registry as the xlwings UDFs (:mod:`asm_xl.excel`), so a
workbook gives the same numbers in Excel and here.

Two engines: ``"formulas"`` (the general engine: any workbook the ``formulas`` library evaluates)
and our template evaluator (:mod:`.fast_recalc`, ~50x faster, for workbooks whose formulas use the
subset our template uses, compiled once per formula signature). ``engine="auto"`` (the default)
takes the fast one when it supports the workbook and the general one otherwise; both give the
same numbers (tests compare them on every generated workbook).
"""

from __future__ import annotations

from functools import lru_cache

from asm_xl.excel import REGISTRY
from asm_xl.excel.registry import call
from asm_xl.calc import formulas_engine as headless
from asm_xl.calc.fast import recalc_fast

__all__ = ["register_asm_functions", "recalc_file", "recalculate", "ModelCache", "ENGINES"]

ModelCache = headless.ModelCache
ENGINES = ("auto", "formulas")


@lru_cache(maxsize=1)
def register_asm_functions() -> None:
    """Make every ASM_* function known to the ``formulas`` engine (once per process)."""
    headless.register_functions({name: _bind(name) for name in REGISTRY})


def _bind(name: str):
    def fn(*args):
        return call(name, *args)
    fn.__name__ = name
    return fn


def recalculate(path, **kw):
    """{(sheet, cell): value} of every formula cell, freshly computed by the ``formulas`` engine."""
    register_asm_functions()
    return headless.recalculate(path, **kw)


def recalc_file(path, check: bool = False, *, engine: str = "auto", **kw):
    """Write fresh results into ``path`` as cached values (returns the number of cells); with
    ``check=True`` write nothing and return the differences between cached and fresh values."""
    if engine not in ENGINES:
        raise ValueError(f"engine: {engine!r} is not allowed (one of {', '.join(ENGINES)})")
    if engine == "auto":
        limits = {k: v for k, v in kw.items() if k in ("max_bytes", "max_members")}
        result = recalc_fast(path, check=check, **limits)
        if result is not None:
            return result
    register_asm_functions()
    return headless.recalc_file(path, check=check, **kw)
