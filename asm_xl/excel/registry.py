"""One declaration per Excel function; it drives the xlwings UDF module and the headless engine.

A declaration gives the function's name, its arguments (name, help text, optional or not, range or
not), the help line shown in Excel's Function Wizard, and the Python implementation, which takes
Excel-shaped values and raises :class:`~asm_xl.excel.values.ExcelError` for an error result.

:func:`call` gives Excel semantics (a value or an error value such as "#N/A", never an exception);
:func:`explain` gives the reason behind an error value, which users see with ``=ASM_WHY(...)``.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from functools import cached_property
from typing import Callable

from asm_xl.model.errors import ASMInputError
from asm_xl.model.settings import DEFAULT_SETTINGS, Settings
from asm_xl.excel import spill
from asm_xl.excel.values import ERROR_VALUES, ExcelError, content_key, is_blank, whole

__all__ = ["Arg", "ExcelFunction", "REGISTRY", "excel_function", "call", "explain", "evaluate", "prefetch", "ROWS",
           "table_block", "earlier_rows_moved"]

log = logging.getLogger(__name__)

HELP_LIMIT = 255  # Excel's Function Wizard limit for descriptions and argument help


@dataclass(frozen=True)
class Arg:
    """One argument: its name, help text (<= 255 characters), optional or not, range or not.

    ``doc`` may name settings in braces (``"fewer than {case_minimum}"``, see
    :meth:`~asm_xl.model.settings.Settings.fill`); the declaration fills them with the defaults.
    """

    name: str
    doc: str
    optional: bool = False
    range: bool = False      #: meant as a range (a cohort's scores, the assumptions): never mapped
    doc_template: str = ""   #: ``doc`` before the settings were filled in

    @property
    def elementwise(self) -> bool:
        """A one-cell argument: given a range of cells, the function is mapped over them (spill)."""
        return not self.range

    def filled(self, settings: Settings = DEFAULT_SETTINGS) -> "Arg":
        template = self.doc_template or self.doc
        return Arg(self.name, settings.fill(template), self.optional, self.range, template)


@dataclass(frozen=True)
class ExcelFunction:
    """One declared Excel function; ``impl`` takes Excel-shaped values."""

    name: str
    help: str
    args: tuple[Arg, ...]
    impl: Callable
    variadic: Arg | None = None   #: trailing ParamArray argument (ASM_WHY)
    category: str = "ASM"
    source: str = ""              #: source tag of the rule (REG, CMS, MIPS, ASSUMPTION ...)
    help_template: str = ""       #: ``help`` before the settings were filled in
    #: returns a table (rows with a header row): never mapped over ranges; its last argument is :data:`ROWS`
    #: (declared by :func:`excel_function`), not passed to ``impl`` or ``batch``
    table: bool = False
    #: computes many calls at once (a list of argument tuples, all arguments given) and keeps their
    #: results where ``impl`` finds them: see :func:`prefetch`
    batch: Callable | None = None
    #: how many arguments an earlier version's table function took before ``rows`` (an argument added since, before
    #: ``rows``, would take a workbook's old ``rows`` number): see :func:`earlier_rows_moved`
    earlier: tuple[int, ...] = ()

    def help_for(self, settings: Settings = DEFAULT_SETTINGS) -> str:
        """The Function Wizard line with the numbers of ``settings``."""
        return settings.fill(self.help_template or self.help)

    def docstring(self, settings: Settings = DEFAULT_SETTINGS) -> str:
        """Signature, help, source tag and arguments: the implementation's ``__doc__``."""
        help_text = self.help_for(settings)
        lines = [self.signature, "", help_text + (f" [{self.source}]" if self.source else ""), "", "Arguments:"]
        lines += [f"    {a.name}: {a.filled(settings).doc}"
                  for a in self.args + ((self.variadic,) if self.variadic else ())]
        return "\n".join(lines)

    @cached_property
    def arity(self) -> tuple[int, int]:
        """(number of declared arguments, how many are required)."""
        return len(self.args), sum(not a.optional for a in self.args)

    @cached_property
    def mapped(self) -> tuple[int, ...]:
        """Positions of the element-wise arguments (see :mod:`asm_xl.excel.spill`)."""
        return () if self.table else tuple(i for i, a in enumerate(self.args) if a.elementwise)

    @cached_property
    def dispatch(self) -> Callable[[tuple], tuple[object, str]]:
        """(result or error value, reason) of a call given its arguments as a tuple: :func:`evaluate`
        without the name lookup (see :func:`_dispatcher`)."""
        return _dispatcher(self)

    @cached_property
    def without_rows(self) -> "ExcelFunction":
        """A table function without its ``rows`` argument: what ``impl`` computes."""
        return ExcelFunction(self.name, self.help, self.args[:-1], self.impl, self.variadic, self.category,
                             self.source, self.help_template)

    @property
    def signature(self) -> str:
        parts = [f"[{a.name}]" if a.optional else a.name for a in self.args]
        if self.variadic:
            parts.append(f"{self.variadic.name}...")
        return f"{self.name}({', '.join(parts)})"


REGISTRY: dict[str, ExcelFunction] = {}

#: the last argument of every table function: the table as one fixed array formula's block
ROWS = Arg("rows", "Optional: the table's rows below its header as a block of exactly this many rows (blank cells "
                   "past its end, an error shown blank): one call fills a fixed (Ctrl+Shift+Enter) array formula over "
                   "that many rows. Blank: the table with its header.", optional=True)
#: the most rows a block may have (a worksheet's rows)
MAX_ROWS = 1_048_576


def table_block(table: object, rows: int) -> list[list]:
    """A table function's result as the block a fixed array formula of ``rows`` rows shows it: the rows
    below the header, cut to ``rows`` or padded with rows of "", each blank or error value in it "",
    as wide as its header; where the table is an error (not rows), one column of "" (a one-column
    result fills the range across). [ASSUMPTION: the sheets' display rule, the one ``IFERROR(INDEX(table, r, c), "")`` of each
    cell applied before a table was read in one call.] A fixed array formula fills a range larger than
    its result with #N/A, so the block is exactly the range's shape."""
    if table.__class__ is not list or not table or table[0].__class__ is not list:
        return [[""] for _ in range(rows)]
    width = len(table[0])
    out = [[_shown(v) for v in r] + [""] * (width - len(r)) for r in table[1:rows + 1]]
    out += [[""] * width for _ in range(rows - len(out))]
    return out


def _shown(v: object) -> object:
    """A table's value as a block cell shows it: a blank, an error value or a number that is not finite → ""."""
    if v.__class__ is float:
        return v if math.isfinite(v) else ""
    if v is None or (v.__class__ is str and v.strip().upper() in ERROR_VALUES):
        return ""
    return v


def excel_function(name: str, help: str, *args: Arg, variadic: Arg | None = None, source: str = "",
                   table: bool = False, batch: Callable | None = None, earlier: tuple[int, ...] = ()):
    """Declare an Excel function (decorator on its implementation).

    Help texts may name settings in braces; they are filled with the default settings here (see
    :meth:`~asm_xl.model.settings.Settings.fill`), so no number that is a setting is typed twice.
    The implementation's docstring is written from the declaration (signature, help, source tag of
    the rule, arguments), so the Function Wizard, ``help()`` and the README say the same thing.
    """
    help_template = help
    help = DEFAULT_SETTINGS.fill(help)
    args = tuple(a.filled() for a in args) + ((ROWS,) if table else ())
    variadic = variadic.filled() if variadic else None
    for text in [help] + [a.doc for a in args] + ([variadic.doc] if variadic else []):
        if len(text) > HELP_LIMIT:
            raise ValueError(f"{name}: help text over {HELP_LIMIT} characters: {text[:40]}...")
    seen_optional = False
    for a in args:
        if seen_optional and not a.optional:
            raise ValueError(f"{name}: required argument {a.name} after an optional one")
        seen_optional |= a.optional

    def deco(impl: Callable) -> Callable:
        fn = ExcelFunction(name, help, args, impl, variadic, source=source, help_template=help_template, table=table,
                           batch=batch, earlier=earlier)
        REGISTRY[name] = fn
        impl.__doc__ = fn.docstring()
        return impl

    return deco


def evaluate(name: str, *values: object) -> tuple[object, str]:
    """(result or error value, reason). Omitted trailing optional arguments may be left out."""
    fn = REGISTRY.get(name)
    if fn is None:
        fn = REGISTRY.get(str(name).strip().upper())
        if fn is None:
            return "#NAME?", f"unknown function {name!r}"
    return fn.dispatch(values)


def _how_many(required: int, n: int, variadic: bool) -> str:
    """The arguments a function takes, in words.

    >>> _how_many(1, 1, False), _how_many(2, 5, False), _how_many(1, 1, True), _how_many(0, 1, False)
    ('1 argument', '2 to 5 arguments', 'at least 1 argument', 'at most 1 argument')
    """
    def count(k: int) -> str:
        return f"{k} argument{'' if k == 1 else 's'}"
    if variadic:
        return "at least " + count(required)
    if required == n:
        return count(n)
    return f"at most {count(n)}" if required == 0 else f"{required} to {count(n)}"


def earlier_rows_moved(fn: ExcelFunction, values: tuple) -> tuple:
    """A table function's arguments as an earlier version's workbook gives them, with ``rows`` where it stands now.

    Arguments added to a table function go before ``rows`` (its last, :data:`ROWS`): a fixed array formula of an
    earlier version, ``ASM_LADDERS(Assumptions,15)``, would give its 15 rows as the new ``ladders``. A call with
    as many arguments as an earlier signature had before ``rows`` plus one (:attr:`ExcelFunction.earlier`), whose
    last is a number (a range is what an added argument takes), is read so: the number is ``rows``, the
    arguments added since are blank. Trailing arguments left out (None, as xlwings passes them) are not counted."""
    if not fn.table or not fn.earlier:
        return values
    given = len(values)   # the arguments written: xlwings passes every declared one, those left out as None
    while given and values[given - 1] is None:
        given -= 1
    if given - 1 in fn.earlier and given < fn.arity[0]:
        last = values[given - 1]
        if last.__class__ in (int, float) or (last.__class__ is list and len(last) == 1 and len(last[0]) == 1
                                               and last[0][0].__class__ in (int, float)):
            return values[:given - 1] + (None,) * (fn.arity[0] - given) + (last,)
    return values


def _evaluate(fn: ExcelFunction, values: tuple) -> tuple[object, str]:
    """:func:`evaluate` of a declared function: omitted trailing optional arguments filled with blanks (an
    earlier version's ``rows`` moved where it stands now, :func:`earlier_rows_moved`), a range given for a
    one-cell argument mapped over its cells (spill), then :func:`_evaluate_one`."""
    values = earlier_rows_moved(fn, values)
    n, required = fn.arity
    given = len(values)
    if given != n:
        if given < required or (given > n and fn.variadic is None):
            return "#VALUE!", f"{fn.signature} takes {_how_many(required, n, fn.variadic is not None)}, got {given}"
        if given < n:
            values += (None,) * (n - given)
    for i in fn.mapped:  # a range given for a one-cell argument: map over its cells (spill)
        v = values[i]
        if v.__class__ is list or v.__class__ is tuple:
            if spill.is_many(v):
                return spill.map_cells(fn, values, _evaluate_one)
            values = values[:i] + (spill.one_value(v),) + values[i + 1:]  # [[x]] (xlwings, ndim=2) is x
    return _evaluate_one(fn, values)


def _dispatcher(fn: ExcelFunction) -> Callable[[tuple], tuple[object, str]]:
    """:func:`_evaluate` of ``fn``, with the common call decided at once: as many arguments as it takes
    (omitted trailing optional ones blank), each one-cell argument a value or a one-cell range (xlwings'
    ``[[x]]``), so ``impl`` is called at once, where :func:`_evaluate` would check, fill, map and dispatch
    (~0.2 µs of a ~1 µs call for the cheapest functions). The same results and reasons: a range of cells is
    mapped as :func:`_evaluate` maps it; a wrong number of arguments, and a table function, go through
    :func:`_evaluate`."""
    if fn.table:
        return lambda values: _evaluate(fn, values)
    (n, required), impl = fn.arity, fn.impl
    mapped = fn.mapped
    sequences = (list, tuple)
    blanks = [(None,) * (n - given) for given in range(n + 1)]   # the omitted trailing arguments

    def dispatch(values: tuple) -> tuple[object, str]:
        given = len(values)
        if required <= given <= n:
            if given < n:
                values += blanks[given]
            for i in mapped:
                v = values[i]
                if v.__class__ in sequences:   # xlwings gives a one-cell argument as [[x]] (ndim=2)
                    if spill.is_many(v):
                        return spill.map_cells(fn, values, _evaluate_one)
                    values = values[:i] + (spill.one_value(v),) + values[i + 1:]
            try:
                return impl(*values), ""
            except ExcelError as e:
                return e.code, e.reason
            except Exception as e:
                return _failed(fn, e)
        return _evaluate(fn, values)

    return dispatch


def _evaluate_one(fn: ExcelFunction, values: tuple) -> tuple[object, str]:
    """(result or error value, reason) of one call with all of its arguments given (a table function's
    ``rows`` given: its :func:`table_block`, the reason of an error kept)."""
    if fn.table:
        rows = values[-1]
        if rows is None or is_blank(rows):
            return _evaluate_one(fn.without_rows, values[:-1])
        try:
            n = whole("rows", rows, minimum=1, maximum=MAX_ROWS, allowed=f"a whole number 1-{MAX_ROWS}, or blank")
        except ExcelError as e:
            return e.code, e.reason
        result, reason = _evaluate_one(fn.without_rows, values[:-1])
        return table_block(result, n), reason
    try:
        return fn.impl(*values), ""
    except ExcelError as e:
        return e.code, e.reason
    except Exception as e:
        return _failed(fn, e)


def _failed(fn: ExcelFunction, e: Exception) -> tuple[str, str]:
    """(error value, reason) of an implementation that raised something other than an :class:`ExcelError`:
    a model input error by Excel's convention (:meth:`ExcelError.from_input_error`), anything else
    #VALUE! and logged (never a traceback in a cell)."""
    if isinstance(e, ASMInputError):
        e = ExcelError.from_input_error(e)
        return e.code, e.reason
    log.error("%s failed", fn.name, exc_info=e)
    return "#VALUE!", f"internal error in {fn.name}: {type(e).__name__}: {e}"


def prefetch(name: str, calls: list[tuple]) -> int:
    """Let a function that declares a ``batch`` form compute many calls at once (a generated roster's
    ``ASM_ACTIONS``: one vectorized re-scoring instead of one per workbook), so that the same calls
    made next are answered from its memo. The results are what the calls give one by one (the batch
    keeps only those it computed exactly so). Calls that would spill over a range are left to
    themselves. Returns how many calls were given to the batch; never raises: a batch that fails
    leaves every call to compute itself."""
    fn = REGISTRY.get(name)
    if fn is None or fn.batch is None:
        return 0
    n = fn.arity[0] - fn.table   # a table function's batch takes the arguments before rows
    ready, seen = [], set()
    ranges: dict = {}   # id -> (range, its content key): a range passed to many calls (a chunk's Assumptions) keyed once

    def key_of(v):
        if v.__class__ is list or v.__class__ is tuple:
            hit = ranges.get(id(v))
            if hit is None or hit[0] is not v:
                hit = ranges[id(v)] = (v, content_key(v))
            return hit[1]
        return content_key(v)
    for values in calls:
        if fn.table:  # the table with its header and its block are one computation
            values = earlier_rows_moved(fn, tuple(values))[:n]
            key = ("rows", tuple([key_of(v) for v in values + (None,) * (n - len(values))]))
            if key in seen:
                continue
            seen.add(key)
        values = tuple(values)
        if len(values) > n or any(values[i].__class__ in (list, tuple) and spill.is_many(values[i])
                                  for i in fn.mapped if i < len(values)):
            continue
        ready.append(values + (None,) * (n - len(values)))
    try:
        fn.batch(ready)
    except Exception:  # the calls will compute themselves: the same results, only slower (no traceback
        log.debug("%s: the batch failed; each call computes itself", name, exc_info=True)   # on the console)
        return 0
    return len(ready)


def call(name: str, *values: object) -> object:
    """Evaluate a function the way Excel shows it: a value, or an error value such as "#N/A".

    A range (a list of rows) is recognised by its identity as the last call's (a workbook evaluation passes one
    list to every cell that reads the range), else by its content: a list changed in place after a call must be
    passed as a new list (Excel, through xlwings, builds a new one for every call)."""
    fn = REGISTRY.get(name)
    if fn is None:
        return evaluate(name, *values)[0]
    return fn.dispatch(values)[0]


def explain(name: str, *values: object) -> str | list:
    """Why the function gives an error for these arguments ("OK" when it does not); for a spilled
    result, rows of reasons of the same shape."""
    result, reason = evaluate(name, *values)
    fn = REGISTRY.get(name) or REGISTRY.get(str(name).strip().upper())
    if result.__class__ is list and not fn.table:  # a spilled result: the reason of each cell
        values += (None,) * (fn.arity[0] - len(values))
        return spill.map_cells(fn, values, lambda f, v: (_evaluate_one(f, v)[1] or "OK", ""))[0]
    return reason or "OK"
