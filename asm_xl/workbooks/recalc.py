"""Recalculate workbooks without Excel: standard functions and ASM_* alike (``asm-xl recalc``).

The ASM_* functions come from the same registry as the xlwings UDFs (:mod:`asm_xl.excel`), so a
workbook gives the same numbers in Excel and here.
"""

from __future__ import annotations

from functools import lru_cache

from ..excel import REGISTRY
from ..excel.registry import call
from . import headless

__all__ = ["register_asm_functions", "recalc_file", "recalculate", "ModelCache"]

ModelCache = headless.ModelCache


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
    """{(sheet, cell): value} of every formula cell, freshly computed."""
    register_asm_functions()
    return headless.recalculate(path, **kw)


def recalc_file(path, check: bool = False, **kw):
    """Write fresh results into ``path`` as cached values; ``check=True``: list differences instead."""
    register_asm_functions()
    return headless.recalc_file(path, check=check, **kw)
