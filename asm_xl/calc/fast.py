"""Fast headless recalculation of workbooks whose formulas :mod:`asm_xl.calc.evaluator` supports.

Workbooks generated from one template share their formulas and their layout. This path reads a
workbook with the byte-level reader (:mod:`asm_xl.xlsx.book`), compiles its formulas once per
formula signature with our evaluator, computes, and writes the cached values back as
:func:`~asm_xl.xlsx.writer.write_cached_values` does, with as little per-cell Python as possible.

What is compiled is kept in a :class:`CompiledTemplates` object the caller holds (``asm-xl
recalc`` makes one per run), never in module globals: results never depend on what the process
computed before, and two callers never share state they did not choose to share.

Fixed (Ctrl+Shift+Enter) array formulas, the tables of our template, are computed here too: every
cell they cover gets its value (:mod:`asm_xl.xlsx.covered`). A workbook the byte-level reader cannot
place exactly (a dynamic array, a covered cell missing), or whose formulas the evaluator does not
support (another function, dates, sheet-scoped names), is left to the other engines:
:func:`recalc_fast` returns ``None`` for it and changes nothing. A workbook with a sheet part that is
not well-formed XML (cut short, a cell not closed) is corrupt whichever engine reads it:
:class:`~asm_xl.xlsx.errors.WorkbookError`, nothing written (:func:`asm_xl.xlsx.book.check_well_formed`).
"""

from __future__ import annotations

import logging
import os
import threading
import zipfile
import zlib
from typing import NamedTuple

from asm_xl.xlsx.book import DECODED_SIZE, Book, NotByteReadable, SheetBytes, read_book
from asm_xl.xlsx.covered import CoveredCells, array_ranges, covered_refs, start_tag
from asm_xl.xlsx.cells import encode_cached_value
from asm_xl.xlsx.errors import WorkbookError
from asm_xl.xlsx.limits import DEFAULT_MAX_BYTES, DEFAULT_MAX_MEMBERS, WORKBOOK_PART, open_workbook
from asm_xl.xlsx.parts import without_full_calc_on_load
from asm_xl.xlsx.refs import is_plain_cell, split_sheet
from asm_xl.xlsx.atomic import FileStamp, file_stamp, write_atomic_many
from asm_xl.xlsx.writer import replace_members
from asm_xl.xlsx.zipcopy import rewritten
from asm_xl.calc.diff import Difference, same_value
from asm_xl.calc.evaluator import Evaluator, UnsupportedFormula, XlErr, warn_top_left_only
from asm_xl.calc.recently_used import RecentlyUsed

__all__ = ["recalc_fast", "recalc_fast_many", "CompiledTemplate", "CompiledTemplates"]

log = logging.getLogger(__name__)


class CompiledTemplate:
    """What is kept per formula signature: the evaluator, the input cells it reads grouped by
    sheet, each formula cell's key, where the input cells were last seen (``plans``) and the
    input cells already decoded (``decoded``: cells that do not change from one workbook to the
    next are decoded once)."""

    __slots__ = ("evaluator", "wanted", "keys", "plans", "decoded", "arrays", "covers", "named")

    def __init__(self, book: Book):
        formulas = book.formulas
        if not all(is_plain_cell(cell) for _sheet, cell in formulas):
            raise UnsupportedFormula("a formula cell whose reference is not plain A1 style")
        #: per sheet, {anchor: bounds} of its fixed array formulas (their covered cells: :func:`covered_cells`)
        self.arrays = {sheet: ranges for sheet, part in book.parts.items() if (ranges := array_ranges(part))}
        #: per sheet with fixed array formulas, the references of the cells they cover (:func:`covered_refs`)
        self.covers = {sheet: covered_refs(ranges) for sheet, ranges in self.arrays.items()}
        self.evaluator = Evaluator(formulas, book.names, {(sheet, anchor): bounds for sheet, ranges in self.arrays.items()
                                                          for anchor, bounds in ranges.items()})
        inputs = self.evaluator.referenced - formulas.keys()
        by_sheet: dict[str, list] = {}
        for sheet, cell in sorted(inputs):
            by_sheet.setdefault(sheet, []).append((sheet, cell))
        self.wanted = tuple((sheet, tuple(c.encode() for _s, c in keys), tuple(keys))
                            for sheet, keys in by_sheet.items())
        self.keys = {sheet: [(sheet, r.decode()) for r in part.refs] for sheet, part in book.parts.items()}
        self.plans: dict = {}
        self.decoded: dict = {}
        #: {(sheet, cell): defined name} of the formula cells a workbook-level name refers to (its results)
        self.named = {}
        for name, ref in book.names.items():
            sheet, cell = split_sheet(ref, "")
            key = (sheet, cell.replace("$", ""))
            if key in formulas:   # one cell (a range's "A1:B2" is no formula cell's key)
                self.named[key] = name

    def compute(self, book: Book, tables: list | None = None) -> dict:
        """{(sheet, cell): fresh value} of every formula cell of *book* (one of this template's); a formula cell
        whose function returns a table holds its top-left value, its key added to ``tables`` (see
        :meth:`~asm_xl.calc.evaluator.Evaluator.run`)."""
        return self.evaluator.run(book.inputs_for(self.wanted, self.plans, self.decoded),
                                  [] if tables is None else tables)


class CompiledTemplates:
    """Compiled templates by formula signature (the *maxsize* most recently used), the parsed
    workbook structures and the encoded cached values they share. Hold one for a batch of
    workbooks; safe to use from several threads (compiling holds a lock)."""

    def __init__(self, maxsize: int = 8):
        self._compiled = RecentlyUsed(maxsize)
        self._lock = threading.Lock()
        #: parsed workbook.xml/rels pairs (see :func:`asm_xl.xlsx.book.read_book`)
        self.structures: dict = {}
        #: encoded non-float values ((class, value) → (t, <v> element)): labels, flags, errors
        self.encoded: dict = {}
        #: cells' start tags with a new ``t`` ((tag, t) → tag, see :meth:`start_tag`): a template's cells share them
        self.retagged: dict = {}
        self.hits = self.misses = 0
        #: per workbook recalculated lately, its named results that hold an error value (see :meth:`named_errors`)
        self.errors = RecentlyUsed(4096)

    def __len__(self) -> int:
        return len(self._compiled)

    def named_errors(self, path) -> list[tuple[str, str, str, str]]:
        """[(name, sheet, cell, error value)] of the named formula cells (a workbook's results: Sc_Final ...)
        that hold an error value other than #N/A after the last recalculation of ``path`` by this path ([] when none, or
        when another engine computed it); read once (forgotten when read)."""
        return self.errors.pop(os.path.abspath(path), [])

    def memo_clear(self) -> None:
        """Forget the ASM_* results every compiled template's evaluator keeps (what was compiled stays)."""
        for compiled in self._compiled.values():
            if compiled is not None:
                compiled.evaluator.memo_clear()

    def get(self, book: Book) -> CompiledTemplate | None:
        """The compiled template for the book's formula signature (None: our evaluator does not
        support its formulas); compiled once per signature."""
        sig = book.signature
        with self._lock:
            if sig in self._compiled:
                self.hits += 1
                return self._compiled.get(sig)
            self.misses += 1
            try:
                hit = CompiledTemplate(book)
            except (UnsupportedFormula, RecursionError):   # a formula nested too deep to compile: another engine
                hit = None
            self._compiled.put(sig, hit)
            return hit

    def start_tag(self, tag: bytes, t: bytes | None) -> bytes:
        """:func:`~asm_xl.xlsx.covered.start_tag` of a cell's start tag, kept: the workbooks of a batch have the same
        cells, whose tags a regular expression rewrites (~1 µs each, 780 covered cells a generated workbook)."""
        key = (tag, t)
        hit = self.retagged.get(key)
        if hit is None:
            if len(self.retagged) >= DECODED_SIZE:
                self.retagged.clear()
            hit = self.retagged[key] = start_tag(tag, t)
        return hit

    def written(self, value, tag: bytes, cell: tuple[str, str]) -> tuple[bytes, bytes]:
        """(start tag, ``<v>`` element) a cell whose start tag is ``tag`` is written with to hold ``value``: a float
        (the common case; finite: the evaluator makes inf/NaN #NUM!, a table's non-finite number is "") in one bytes
        formatting, its tag kept unless it has ``t=`` or ``vm=``; anything else by :meth:`encode`."""
        if value.__class__ is float:
            return (tag if b"t=" not in tag and b"vm=" not in tag else self.start_tag(tag, None)), b"<v>%r</v>" % value
        t, v = self.encode(value, cell)
        return self.start_tag(tag, t), v

    def encode(self, value, cell: tuple[str, str]) -> tuple[bytes | None, bytes]:
        """(t attribute value or None, the ``<v>`` element) of the value computed for ``cell``,
        by :func:`encode_cached_value`'s rules."""
        key = (value.__class__, value)
        hit = self.encoded.get(key)
        if hit is None:
            t, text = encode_cached_value(value, "!".join(cell))
            hit = ((None if t is None else t.encode()),
                   (b"" if text is None else b"<v>" + text.encode("utf-8") + b"</v>"))
            if len(self.encoded) >= DECODED_SIZE:
                self.encoded.clear()
            self.encoded[key] = hit
        return hit


def covered_cells(book: Book, compiled: CompiledTemplate) -> dict[str, CoveredCells]:
    """Per sheet with fixed array formulas, the cells they cover in this workbook (read from its bytes)."""
    return {sheet: CoveredCells(book.parts[sheet], ranges, compiled.covers[sheet])
            for sheet, ranges in compiled.arrays.items()}


def _changed_covered(covered: CoveredCells, sheet: str, fresh: dict, templates: CompiledTemplates) -> dict:
    """{covered cell j: (start tag, ``<v>`` element)} of the covered cells whose tag or value differs from
    what the fresh value writes."""
    changed = {}
    written = templates.written
    for j, (ref, tag, body) in enumerate(zip(covered.refs, covered.tags, covered.bodies)):
        key = (sheet, ref)
        new_tag, v = written(fresh[key], tag, key)
        if new_tag != tag or v != body:
            changed[j] = (new_tag, v)
    return changed


def _changed_cells(part: SheetBytes, keys: list, fresh: dict, templates: CompiledTemplates
                   ) -> dict[int, tuple[bytes, bytes]]:
    """{formula cell i: (start tag, ``<v>`` element)} of the cells whose stored start tag or value
    differs from what the fresh value would write."""
    changed = {}
    ctags, written = part.ctags, templates.written
    for i, key in enumerate(keys):
        ctag = ctags[i]
        tag, v = written(fresh[key], ctag, key)
        if tag != ctag or v != part.stored(i):
            changed[i] = (tag, v)
    return changed


#: the most bytes of workbook files :func:`recalc_fast_many` holds in memory at once (the files past it
#: are left to :func:`recalc_fast`, one by one); generated workbooks are ~35 kB, 256 of them ~9 MB
BATCH_BYTES = 256 * 1024 * 1024


def _new_parts(book: Book, compiled: CompiledTemplate, fresh: dict, templates: CompiledTemplates) -> dict[str, bytes]:
    """{member: new bytes} of the sheets with a formula cell whose stored start tag or value differs
    from what the fresh value writes; only those cells are rewritten, and a workbook whose cached
    values are all current gets {} (it is left as it is: same bytes, same timestamp). A workbook that
    asks to be computed on opening (``fullCalcOnLoad``, as the bare template does) no longer does: its
    every formula cell now holds its value (:func:`~asm_xl.xlsx.parts.without_full_calc_on_load`; a
    workbook without formulas is left as it is)."""
    new_data = {}
    workbook_xml = without_full_calc_on_load(book.workbook_xml)
    if workbook_xml != book.workbook_xml and any(part.refs for part in book.parts.values()):
        new_data[WORKBOOK_PART] = workbook_xml
    covered = covered_cells(book, compiled) if compiled.arrays else {}
    for sheet, part in book.parts.items():
        changed = _changed_cells(part, compiled.keys[sheet], fresh, templates)
        more = _changed_covered(covered[sheet], sheet, fresh, templates) if sheet in covered else None
        if changed or more:
            data = part.rewrite(changed) if changed else part.data
            new_data[part.member] = covered[sheet].rewrite(data, more) if more else data
    return new_data


class _Held(NamedTuple):
    """A workbook of a :func:`recalc_fast_many` batch, read and ready to compute."""

    path: str
    stamp: FileStamp
    package: zipfile.ZipFile
    book: Book
    compiled: CompiledTemplate
    inputs: dict


def recalc_fast_many(paths, check: bool = False, *, templates: CompiledTemplates,
                     max_bytes: int = DEFAULT_MAX_BYTES, max_members: int = DEFAULT_MAX_MEMBERS) -> dict:
    """:func:`recalc_fast` of a batch of workbooks (a few hundred: they are held in memory together),
    with the same results, computed together: each file is read once, the formulas of all that share
    a compiled template are evaluated in one :meth:`~asm_xl.calc.evaluator.Evaluator.run_many` (the
    batched calls, ``ASM_ACTIONS`` ..., for all at once: a workbook's actions alone cost ~50 ms, in a
    batch ~1 ms), and the rewritten files are written by one
    :func:`~asm_xl.xlsx.atomic.write_atomic_many` (their fsyncs together, before the renames).

    Returns {path: what :func:`recalc_fast` returns} for the workbooks done. A workbook this path
    cannot do, whose reading or writing failed, or past :data:`BATCH_BYTES` of files held, is left
    out: :func:`recalc_fast` of it (or the ``formulas`` engine) does it, or says why it cannot."""
    held: list[_Held] = []
    budget = BATCH_BYTES
    try:
        for path in map(os.fspath, paths):
            stamp = file_stamp(path)
            if stamp is None or stamp.size > budget:
                continue   # missing, or the batch holds enough already: recalc_fast of it
            try:
                zin = open_workbook(path, max_bytes=max_bytes, max_members=max_members, in_memory=True)
            except Exception:  # noqa: BLE001 - recalc_fast of this file reports it
                continue
            try:
                book = read_book(zin, templates.structures, path)
                compiled = templates.get(book)
                inputs = None if compiled is None else book.inputs_for(compiled.wanted, compiled.plans,
                                                                       compiled.decoded)
            except Exception:  # noqa: BLE001 - as above
                compiled = None
            if compiled is None:
                zin.close()
                continue
            held.append(_Held(path, stamp, zin, book, compiled, inputs))
            budget -= stamp.size
        fresh_of: dict = {}
        tables_of: dict = {}
        groups: dict = {}
        for entry in held:
            groups.setdefault(id(entry.compiled), []).append(entry)
        for entries in groups.values():
            try:
                tables: list = []
                results = entries[0].compiled.evaluator.run_many([e.inputs for e in entries], tables)
            except (NotByteReadable, UnsupportedFormula, ValueError, KeyError, IndexError, RecursionError):
                continue  # each of them alone, as recalc_fast decides
            fresh_of.update((e.path, r) for e, r in zip(entries, results))
            tables_of.update((e.path, t) for e, t in zip(entries, tables))
        done, computed, writes = {}, [], []
        for path, stamp, zin, book, compiled, _inputs in held:
            fresh = fresh_of.get(path)
            if fresh is None:
                continue
            if check:
                try:
                    done[path] = _differences(book, fresh, compiled)
                except Exception:  # noqa: BLE001 - a cached value not closed...: recalc_fast of it says why
                    pass
                continue
            try:
                new_data = _new_parts(book, compiled, fresh, templates)
            except NotByteReadable:   # a cell an array formula covers is missing...: recalc_fast of it, then formulas
                continue
            if new_data:
                writes.append((path, rewritten(zin, new_data, compresslevel=1), stamp))
            computed.append((path, compiled, fresh))
        # a file not written (changed meanwhile, a full disk) is left out: recalc_fast of it tries again
        failed = {w[0] for w, outcome in zip(writes, write_atomic_many(writes)) if isinstance(outcome, BaseException)}
        done.update((path, _counted(path, compiled, fresh, templates, tables_of[path])) for path, compiled, fresh in computed
                    if path not in failed)
        return done
    finally:
        for entry in held:
            entry.package.close()


#: Excel's "not available": a workbook's result that is not scored (cost with too few episodes), not a bad input
NOT_AVAILABLE = "#N/A"


def _counted(path: str, compiled: CompiledTemplate, fresh: dict, templates: CompiledTemplates, tables: list) -> int:
    """The number of cells recalculated (what :func:`recalc_fast` returns: formula cells and the cells fixed
    arrays cover); says which formula cells hold only the top-left value of the table their function returned
    (``tables``); keeps the named results that hold an error value other than #N/A
    (:meth:`CompiledTemplates.named_errors`)."""
    bad = [(name, sheet, cell, str(fresh[(sheet, cell)])) for (sheet, cell), name in compiled.named.items()
           if isinstance(fresh.get((sheet, cell)), XlErr) and fresh[(sheet, cell)] != NOT_AVAILABLE]
    if bad:
        templates.errors.put(os.path.abspath(path), bad)
    else:   # an earlier recalculation's errors no longer hold
        templates.errors.pop(os.path.abspath(path))
    formulas = len(compiled.evaluator.keys) + len(compiled.evaluator.covered) - sum(map(len, compiled.arrays.values()))
    warn_top_left_only(log, path, tables)
    return formulas


def recalc_fast(path, check: bool = False, *, templates: CompiledTemplates | None = None,
                max_bytes: int = DEFAULT_MAX_BYTES, max_members: int = DEFAULT_MAX_MEMBERS):
    """Like :func:`asm_xl.calc.formulas_engine.recalc_file`, or ``None`` when this path cannot do
    it. ``templates``: what was compiled for earlier workbooks (None: compile for this one)."""
    path = os.fspath(path)
    templates = CompiledTemplates() if templates is None else templates
    stamp = file_stamp(path)  # the file as read: a file written meanwhile is not replaced
    with open_workbook(path, max_bytes=max_bytes, max_members=max_members, in_memory=True) as zin:
        try:
            book = read_book(zin, templates.structures, path)
        except (zipfile.BadZipFile, zlib.error, EOFError) as e:
            raise WorkbookError(f"corrupt workbook: {path} ({e})") from None
        except NotByteReadable:
            return None
        try:
            compiled = templates.get(book)
            if compiled is None:
                return None
            tables: list = []
            fresh = compiled.compute(book, tables)
            if check:
                return _differences(book, fresh, compiled)
            # (an array formula whose covered cells the file lacks, as openpyxl writes one: the formulas engine's)
            new_data = _new_parts(book, compiled, fresh, templates)
        except WorkbookError:  # a corrupt part (a ValueError too): said, whichever engine would read it
            raise
        except (NotByteReadable, UnsupportedFormula, ValueError, KeyError, IndexError, RecursionError):
            return None
        if new_data:
            replace_members(zin, new_data, path, expect=stamp)
    return _counted(path, compiled, fresh, templates, tables)


def _differences(book: Book, fresh: dict, compiled: CompiledTemplate) -> list:
    cells = [(sheet, cell, lambda s=sheet, i=i: book.cached(s, i)) for sheet, cell, _part, i in book.formula_cells()]
    for sheet, covered in covered_cells(book, compiled).items():
        cells += [(sheet, ref, lambda c=covered, j=j: c.cached(j, book)) for j, ref in enumerate(covered.refs)]
    diffs = []
    for sheet, cell, cached in cells:
        cached, value = _plain(cached()), _plain(fresh[(sheet, cell)])
        if not same_value(cached, value):
            diffs.append(Difference(sheet, cell, cached, value))
    return diffs


def _plain(v):
    return str(v) if isinstance(v, XlErr) else v
