"""Recalculate workbooks without Excel: standard functions and ASM_* alike (``asm-xl recalc``).

The ASM_* functions come from the same registry as the xlwings UDFs (:mod:`asm_xl.excel`), so a
workbook gives the same numbers in Excel and here.

Two engines: ``"formulas"`` (the general engine: any workbook the ``formulas`` library evaluates)
and our template evaluator (:mod:`asm_xl.calc.fast`, ~50x faster, for workbooks whose formulas use
the subset our template uses). ``engine="auto"`` (the default) takes the fast one when it supports
the workbook and the general one otherwise; both give the same numbers (tests compare them on
every generated workbook; their tables are fixed Ctrl+Shift+Enter array formulas, which the fast
path computes, every covered cell written). A workbook with array formulas the fast path's reader
refuses (Excel 365's dynamic arrays, a covered cell missing) goes to our evaluator through
:mod:`asm_xl.calc.array_recalc` first: it writes every cell an array covers, moving a dynamic
array's range as Excel does (the ``formulas`` engine fills the stored range only).

What either engine compiles is kept in a :class:`Recalculator` the caller holds: pass one as
``cache=`` to recalculate a batch of workbooks from one template at full speed. Without one, each
call compiles afresh, so a result never depends on what the process did before.
"""

from __future__ import annotations

import logging
import re
import threading

from asm_xl.excel import REGISTRY
from asm_xl.excel.registry import call
from asm_xl.calc import formulas_engine as headless
from asm_xl.calc.array_recalc import ArrayPrograms, recalc_arrays
from asm_xl.calc.fast import CompiledTemplates, recalc_fast, recalc_fast_many
from asm_xl.xlsx.refs import cells_named
from asm_xl.xlsx.scan import scan_workbook

log = logging.getLogger(__name__)

__all__ = ["register_asm_functions", "recalc_file", "recalculate", "Recalculator", "ModelCache",
           "ENGINES"]

ModelCache = headless.ModelCache
ENGINES = ("auto", "formulas")

_registered = False
_register_lock = threading.Lock()


def register_asm_functions() -> None:
    """Make every ASM_* function known to the ``formulas`` engine. The ``formulas`` library keeps
    one function table per process, so this is done once (later calls return at once)."""
    global _registered
    with _register_lock:
        if not _registered:
            headless.register_functions({name: _bind(name) for name in REGISTRY})
            _registered = True


def _bind(name: str):
    def fn(*args):
        return call(name, *args)
    fn.__name__ = name
    return fn


class Recalculator:
    """What recalculation compiled, held by the caller: the fast engine's compiled templates
    (:class:`~asm_xl.calc.fast.CompiledTemplates`), the array-formula workbooks' programs
    (:class:`~asm_xl.calc.array_recalc.ArrayPrograms`) and the ``formulas`` engine's compiled
    models (:class:`ModelCache`). ``asm-xl recalc`` makes one per run."""

    def __init__(self, *, templates: CompiledTemplates | None = None, models: ModelCache | None = None):
        self.templates = CompiledTemplates() if templates is None else templates
        self.models = ModelCache() if models is None else models
        self.arrays = ArrayPrograms()

    def recalc_many(self, paths, check: bool = False, **limits) -> dict:
        """``engine="auto"``'s fast path for a batch of workbooks (a few hundred at a time), computed
        together (:func:`~asm_xl.calc.fast.recalc_fast_many`: each file read once, the batched calls
        ``ASM_ACTIONS`` ... of all at once, the files flushed to disk together): {path: what
        :meth:`recalc_file` returns} for the workbooks done, the same results as one by one. Give the
        workbooks left out to :meth:`recalc_file` (another engine, or the reason it cannot)."""
        return recalc_fast_many(paths, check, templates=self.templates,
                                **{k: v for k, v in limits.items() if k in ("max_bytes", "max_members")})

    def named_errors(self, path) -> list[tuple[str, str, str, str]]:
        """[(name, sheet, cell, error value)] of the workbook's named results (Sc_Final ...) that hold an error
        value other than #N/A (not scored) after this object last recalculated ``path`` with our evaluator (read
        once; [] when none or when the ``formulas`` engine computed it): a bad input the workbook shows as
        #VALUE! or #NUM! in its results."""
        return self.templates.named_errors(path)

    def recalc_file(self, path, check: bool = False, *, engine: str = "auto", **kw):
        """:func:`recalc_file` with what this object compiled before."""
        if engine not in ENGINES:
            raise ValueError(f"engine: {engine!r} is not allowed (one of {', '.join(ENGINES)})")
        if engine == "auto":
            limits = {k: v for k, v in kw.items() if k in ("max_bytes", "max_members")}
            result = recalc_fast(path, check=check, templates=self.templates, **limits)
            if result is None:  # array formulas the fast path's reader refuses (dynamic arrays): spilled cells written
                result = recalc_arrays(path, check=check, programs=self.arrays, **limits)
            if result is not None:
                return result
        register_asm_functions()
        _warn_no_spill(path, **{k: v for k, v in kw.items() if k in ("max_bytes", "max_members")})
        return headless.recalc_file(path, check=check, cache=self.models, **kw)


#: a formula whose top-level call returns a table (Excel 365 spills it)
_TABLE_CALL = re.compile(r"^\s*=?\s*(?:_xludf\.)?(" + "|".join(n for n, f in REGISTRY.items() if f.table) + r")\s*\(",
                         re.IGNORECASE)


def _warn_no_spill(path, **limits) -> list[tuple[str, str]]:
    """The ``formulas`` engine does not spill (no dynamic arrays): a cell whose formula is a table
    function gets the table's top-left value only, as in Excel before 365. Say so, naming the cells.
    (Our evaluator computes the spilled cells, :func:`~asm_xl.calc.evaluator.spill_into`, but the
    file has no cells there to hold them; ``INDEX(ASM_ACTIONS(...), r, c)`` works in every engine.)"""
    cells = [key for key, (text, attrs) in scan_workbook(path, **limits).formulas.items()
             if _TABLE_CALL.match(text or "") and ("t", "array") not in attrs]   # an array formula holds its table
    if cells:
        log.warning("%s: the formulas engine does not spill tables (no dynamic arrays): %s hold(s) only the "
                    "table's top-left value; read tables through INDEX(...) to recalculate them headless", path,
                    cells_named(cells))
    return cells


def recalculate(path, **kw):
    """{(sheet, cell): value} of every formula cell, freshly computed by the ``formulas`` engine."""
    register_asm_functions()
    return headless.recalculate(path, **kw)


def recalc_file(path, check: bool = False, *, engine: str = "auto",
                cache: Recalculator | ModelCache | None = None, **kw):
    """Write fresh results into ``path`` as cached values (returns the number of cells); with
    ``check=True`` write nothing and return the differences between cached and fresh values.

    ``cache``: a :class:`Recalculator` (or, as before, a :class:`ModelCache` for the ``formulas``
    engine) holding what earlier calls compiled; None compiles for this call only."""
    if isinstance(cache, ModelCache):
        cache = Recalculator(models=cache)
    elif cache is None:
        cache = Recalculator()
    return cache.recalc_file(path, check, engine=engine, **kw)
