"""Fast headless recalculation of workbooks whose formulas :mod:`formula_eval` supports.

Workbooks generated from one template share their formulas and their layout. This path compiles
the formulas once per formula signature with our evaluator, computes, and writes the cached values
back as :func:`write_cached_values` does, without parsing the XML into a tree and with as little
per-cell Python as possible:

* a worksheet is split at its formulas' ``<f>`` tags (``bytes.split``, in C). Each piece ends with
  the start tag of the next formula cell and begins with that cell's formula text, cached value
  and ``</c>``; the formula cells are located, checked and read by mapping ``bytes`` methods over
  the pieces, and rewritten by one ``b"".join`` of the pieces with new start tags and ``<v>``
  elements;
* input cells are found in the worksheet split at ``<c r="``: by reference the first time, then at
  the same positions in the next workbook from the same template (each checked to be the cell
  expected; any miss goes back to the lookup by reference). Only the cells the formulas read are
  decoded, and a cell whose bytes were decoded before is not decoded again.

Nothing here expands entities, so this is safe on untrusted files (:func:`open_workbook` has
bounded the package already). A workbook with anything this reading cannot place exactly
(namespace-prefixed cells, a cell whose first attribute is not its reference, comments, CDATA or a
DOCTYPE in a worksheet, shared or array formulas) or that the evaluator does not support (another
function, dates, sheet-scoped names) is left to the ``formulas`` engine: :func:`recalc_fast` returns
``None`` for it and changes nothing.
"""

from __future__ import annotations

import hashlib
import html
import operator
import os
import re
import zipfile
import zlib
from collections import OrderedDict
from dataclasses import dataclass, field
from itertools import repeat

from asm_xl.xlsx.package import DEFAULT_MAX_BYTES, DEFAULT_MAX_MEMBERS, _attrs, _write_zip, encode_cached_value, open_workbook, read_member, sheet_parts
from asm_xl.xlsx.errors import WorkbookError
from asm_xl.calc.evaluator import Evaluator, UnsupportedFormula, XlErr

__all__ = ["recalc_fast", "read_book", "Book"]

_CELL_OPEN = b'<c r="'
_REF = re.compile(rb'<c r="([A-Z]{1,3}[1-9][0-9]{0,6})"')
_CELL_REF = re.compile(r"[A-Z]{1,3}[1-9][0-9]{0,6}")
_F_TAG = re.compile(rb"(<f(?:\s[^>]*)?>)")
_MARKS = re.compile(rb"<(?:!|f[\s/>])")
#: an XML declaration, then an unprefixed sheet root element (so cells are ``<c>``, not ``<x:c>``)
_ROOT = re.compile(rb"(?:\xef\xbb\xbf)?\s*(?:<\?xml\s[^>]*\?>\s*)?"
                   rb"<(?:worksheet|chartsheet|dialogsheet|macrosheet)[\s>/]")
_V = re.compile(rb"<v(?:\s[^>]*)?>(.*?)</v\s*>", re.S)
_T = re.compile(rb"<(?:[\w.-]+:)?t(?:\s[^>]*)?>(.*?)</(?:[\w.-]+:)?t\s*>", re.S)
_RPH = re.compile(rb"<(?:[\w.-]+:)?(?:rPh|phoneticPr)\b.*?(?:/>|</(?:[\w.-]+:)?rPh\s*>)", re.S)
_SI = re.compile(rb"<(?:[\w.-]+:)?si(?:\s[^>]*)?>(.*?)</(?:[\w.-]+:)?si\s*>", re.S)
_DN = re.compile(rb"<(?:[\w.-]+:)?definedName\b([^>]*)>(.*?)</(?:[\w.-]+:)?definedName\s*>", re.S)
_OOXML_ESC = re.compile(r"_x([0-9A-Fa-f]{4})_")
_T_ATTR = re.compile(rb"""\st\s*=\s*["']([^"']+)["']""")
_T_OR_VM_ATTR = re.compile(rb"""\s(?:t|vm)\s*=\s*["'][^"']*["']""")
_SHARED_STRINGS = "xl/sharedStrings.xml"
_MISS = object()


class _Unsupported(Exception):
    pass


def _text(raw: bytes) -> str:
    s = html.unescape(raw.decode("utf-8"))
    return _OOXML_ESC.sub(lambda m: chr(int(m.group(1), 16)), s) if "_x" in s else s


# --------------------------------------------------------------------------------- worksheets
class _Sheet:
    """One worksheet part, split for reading and rewriting its formula cells.

    ``pieces[0]`` is everything before the first formula's ``<f>`` tag; ``pieces[i]`` (i >= 1)
    starts with formula i's text and ends with the start tag of formula i + 1's cell (the last:
    the rest of the part). For formula cell i (from 0): ``tags[i]`` its ``<f ...>`` tag,
    ``starts[i]`` where its start tag ``ctags[i]`` begins in ``pieces[i]``, ``refs[i]`` its
    reference, ``texts[i]`` its formula, and its stored value is ``pieces[i + 1][ends_f[i] + 4:
    ends_c[i]]`` (between ``</f>`` and ``</c>``).

    Each check is a pass of ``bytes`` methods over the part or the pieces; a part that fails one
    is left to the ``formulas`` engine (:class:`_Unsupported`).
    """

    __slots__ = ("name", "member", "data", "pieces", "tags", "starts", "ctags", "refs", "texts",
                 "ends_f", "ends_c", "_chunks", "_index")

    def __init__(self, name: str, member: str, data: bytes):
        self.name, self.member, self.data = name, member, data
        self._chunks = self._index = None
        self.pieces, self.tags, self.starts, self.ctags = [data], [], [], []
        self.refs, self.texts, self.ends_f, self.ends_c = [], [], [], []
        if not _ROOT.match(data):
            raise _Unsupported("a worksheet whose root element is prefixed, or not UTF-8")
        marks = set(_MARKS.findall(data))  # one pass: which of <!, <f>, <f , <f/ occur
        if b"<!" in marks:
            raise _Unsupported("a comment, CDATA or a DOCTYPE in a worksheet")
        if b"<f/" in marks:
            raise _Unsupported("an empty or shared formula")
        attributed = bool(marks - {b"<f>"})
        if marks:
            self._split_formulas(data, attributed)

    def _split_formulas(self, data: bytes, attributed: bool) -> None:
        if attributed:  # e.g. LibreOffice's <f aca="false">; t= is a shared/array/table formula
            split = _F_TAG.split(data)
            pieces, tags = split[0::2], split[1::2]
            if any(b"t=" in t for t in tags):
                raise _Unsupported("shared, array or data-table formula")
        else:
            pieces = data.split(b"<f>")
            tags = [b"<f>"] * (len(pieces) - 1)
        n = len(tags)
        prev, cur = pieces[:-1], pieces[1:]
        starts = list(map(bytes.rfind, prev, repeat(_CELL_OPEN, n)))
        # the formula's cell start tag is all that comes between that "<c r=" and "<f>"
        tag_ends = list(map(bytes.find, prev, repeat(b">", n), starts))
        if min(starts) < 0 or list(map(len, prev)) != [e + 1 for e in tag_ends]:
            raise _Unsupported("a formula this path cannot place")
        ctags = list(map(bytes.__getitem__, prev, map(slice, starts, repeat(None, n))))
        ends_f = list(map(bytes.find, cur, repeat(b"</f>", n)))
        ends_c = list(map(bytes.find, cur, repeat(b"</c>", n), ends_f))
        if min(ends_f) < 0 or min(ends_c) < 0 or any(map(bytes.endswith, ctags, repeat(b"/>", n))):
            raise _Unsupported("a formula cell this path cannot read")
        # each formula cell starts after the previous one's </c>
        if any(map(operator.lt, starts[1:], [e + 4 for e in ends_c[:-1]])):
            raise _Unsupported("formula cells this path cannot place")
        quotes = list(map(bytes.find, ctags, repeat(b'"', n), repeat(6, n)))
        self.refs = list(map(bytes.__getitem__, ctags, map(slice, repeat(6, n), quotes)))
        self.texts = list(map(bytes.__getitem__, cur, map(slice, ends_f)))
        self.pieces, self.tags, self.starts, self.ctags = pieces, tags, starts, ctags
        self.ends_f, self.ends_c = ends_f, ends_c

    # -- formula cells
    def stored(self, i: int) -> bytes:
        """What formula cell i holds after ``</f>`` (its ``<v>`` element, if any)."""
        return self.pieces[i + 1][self.ends_f[i] + 4:self.ends_c[i]]

    def rewrite(self, new: dict[int, tuple[bytes, bytes]]) -> bytes:
        """The part with formula cell i's start tag and value replaced by ``new[i]``."""
        pieces, tags, starts, ctags = self.pieces, self.tags, self.starts, self.ctags
        ends_f, ends_c = self.ends_f, self.ends_c
        out = [pieces[0][:starts[0]]]
        last = len(tags) - 1
        for i in range(last + 1):
            cur = pieces[i + 1]
            upto = starts[i + 1] if i < last else len(cur)
            got = new.get(i)
            if got is None:
                out += (ctags[i], tags[i], cur[:upto])
            else:
                out += (got[0], tags[i], cur[:ends_f[i] + 4], got[1], cur[ends_c[i]:upto])
        return b"".join(out)

    # -- input cells
    def chunks(self) -> list[bytes]:
        """The part split at ``<c r="``: chunk k >= 1 is cell k's text after ``<c r="``."""
        if self._chunks is None:
            self._chunks = self.data.split(_CELL_OPEN)
        return self._chunks

    def index(self) -> dict[bytes, int]:
        """Reference → chunk number of every cell (built on first use)."""
        if self._index is None:
            data = self.data
            n_cells = len(self.chunks()) - 1
            refs = _REF.findall(data)
            if len(refs) != n_cells or data.count(b"<c ") != n_cells or b"<c>" in data:
                raise _Unsupported("a cell whose first attribute is not its reference")
            self._index = dict(zip(refs, range(1, n_cells + 1)))
        return self._index

    def input_values(self, plan: "_Plan | None", refs: tuple, book: "Book"):
        """(values of the cells ``refs``, the plan that found them) where ``plan`` is where they
        were in the last workbook (None: look them up by reference and make a plan)."""
        chunks = self.chunks()
        if plan is not None and plan.top < len(chunks):
            found = plan.pick(chunks)
            if all(map(bytes.startswith, found, plan.prefixes)):
                return _decode_all(found, plan.prefixes, book), plan
        index = self.index()
        positions = [index.get(r) for r in refs]
        if None in positions:  # an input cell absent from this workbook: no plan
            return [None if k is None else _decode(chunks[k], len(r) + 1, book)
                    for k, r in zip(positions, refs)], None
        plan = _Plan(positions, refs)
        return _decode_all(plan.pick(chunks), plan.prefixes, book), plan


class _Plan:
    """Where a sheet's input cells are among its ``<c r="`` chunks (a template's layout)."""

    __slots__ = ("pick", "prefixes", "top")

    def __init__(self, positions: list[int], refs: tuple):
        getter = operator.itemgetter(*positions)
        self.pick = getter if len(positions) > 1 else (lambda chunks: (getter(chunks),))
        self.prefixes = tuple(r + b'"' for r in refs)
        self.top = max(positions)


#: decoded input cells by their bytes (from ``r="`` to the next cell): cells that do not change
#: from one workbook to the next are decoded once
_DECODED: dict[bytes, object] = {}
_DECODED_SIZE = 50_000


def _decode_all(found, prefixes, book) -> list:
    values = list(map(_DECODED.get, found, repeat(_MISS)))
    for i, v in enumerate(values):
        if v is _MISS:
            values[i] = _decode(found[i], len(prefixes[i]), book)
    return values


def _decode(chunk: bytes, after_ref: int, book: "Book"):
    """The value of a cell from its chunk (None: blank, or a formula cell)."""
    gt = chunk.find(b">")
    if chunk[gt - 1:gt] == b"/":
        value = None
    else:
        end = chunk.find(b"</c>", gt)
        if gt < 0 or end < 0:
            raise _Unsupported("a cell this path cannot read")
        body = chunk[gt + 1:end]
        t = _cell_type(chunk[after_ref:gt])
        value = None if not body or body.startswith(b"<f") else _value(t, body, book)
        if t == b"s":
            return value  # depends on the workbook's shared strings: not kept
    if len(_DECODED) >= _DECODED_SIZE:
        _DECODED.clear()
    _DECODED[chunk] = value
    return value


def _cell_type(tag_or_attrs: bytes) -> bytes:
    if b"t=" not in tag_or_attrs:
        return b"n"
    m = _T_ATTR.search(tag_or_attrs)
    return m.group(1) if m else b"n"


def _value(t: bytes, body: bytes, book: "Book"):
    """A stored cell value: ``t`` its type attribute, ``body`` what the cell element holds."""
    if t == b"inlineStr":
        return "".join(_text(x) for x in _T.findall(_RPH.sub(b"", body)))
    v = _V.search(body)
    if v is None:
        return None
    raw = v.group(1)
    if t == b"n":
        x = float(raw)
        return int(x) if x.is_integer() and b"." not in raw and b"E" not in raw.upper() else x
    if t == b"s":
        return book.strings[int(raw)]
    if t == b"b":
        return raw.strip() == b"1"
    if t == b"e":
        return XlErr(raw.decode().strip())
    if t == b"str":
        return _text(raw)
    raise _Unsupported(f"cell type {t.decode()}")


# ------------------------------------------------------------------------------------ workbooks
@dataclass
class Book:
    """A workbook as the fast path reads it: sheets, defined names, formula and input cells."""

    sheets: list[tuple[str, str]]
    names: dict[str, str] = field(default_factory=dict)
    parts: dict[str, _Sheet] = field(default_factory=dict)
    zf: zipfile.ZipFile | None = None
    _strings: list[str] | None = None

    @property
    def strings(self) -> list[str]:
        """The shared strings, read on first use (generated workbooks have none)."""
        if self._strings is None:
            self._strings = []
            if self.zf is not None and _SHARED_STRINGS in self.zf.NameToInfo:
                for si in _SI.findall(self.zf.read(_SHARED_STRINGS)):
                    self._strings.append("".join(_text(t) for t in _T.findall(_RPH.sub(b"", si))))
        return self._strings

    def formula_cells(self):
        """(sheet, cell, part, index in the part) of every formula cell, in workbook order."""
        for sheet, part in self.parts.items():
            for i, ref in enumerate(part.refs):
                yield sheet, ref.decode(), part, i

    @property
    def formulas(self) -> dict[tuple[str, str], str]:
        return {(s, c): "=" + _text(p.texts[i]) for s, c, p, i in self.formula_cells()}

    def cached(self, sheet: str, i: int):
        """The cached value stored in formula cell ``i`` of ``sheet`` (None: none)."""
        part = self.parts[sheet]
        return _value(_cell_type(part.ctags[i]), part.stored(i), self)

    def inputs_for(self, wanted_by_sheet: tuple, plans: dict | None = None) -> dict:
        """{(sheet, cell): value} of the input cells the formulas read (blanks left out).

        ``wanted_by_sheet``: ((sheet, (reference bytes, ...), ((sheet, cell), ...)), ...);
        ``plans`` (sheet → :class:`_Plan`) remembers where the cells were in the last workbook
        read, and is updated here."""
        out = {}
        plans = {} if plans is None else plans
        for sheet, refs, keys in wanted_by_sheet:
            part = self.parts.get(sheet)
            if part is None:
                continue
            values, plans[sheet] = part.input_values(plans.get(sheet), refs, self)
            out.update(kv for kv in zip(keys, values) if kv[1] is not None)
        return out

    @property
    def signature(self) -> str:
        """A digest of the sheets, the defined names and every formula cell's place and text."""
        h = hashlib.sha256(repr((self.sheets, sorted(self.names.items()))).encode("utf-8"))
        for sheet, part in self.parts.items():
            h.update(b"\2".join((sheet.encode("utf-8"), b"\0".join(part.refs), b"\0".join(part.tags),
                                 b"\0".join(part.texts), b"")))
        return h.hexdigest()


def read_book(zf: zipfile.ZipFile) -> Book:
    """Sheets, names and the formula cells of every worksheet; raises _Unsupported."""
    rels = "xl/_rels/workbook.xml.rels"
    sheets, names = _structure(read_member(zf, "xl/workbook.xml"),
                               read_member(zf, rels) if rels in zf.NameToInfo else b"", zf)
    book = Book(sheets=list(sheets), names=dict(names), zf=zf)
    for sheet, member in book.sheets:
        if member in zf.NameToInfo:
            book.parts[sheet] = _Sheet(sheet, member, read_member(zf, member))
    return book


_STRUCTURES: "OrderedDict[tuple[bytes, bytes], tuple]" = OrderedDict()


def _structure(workbook_xml: bytes, rels_xml: bytes, zf: zipfile.ZipFile) -> tuple:
    """(sheets, defined names) of a workbook, parsed once per distinct workbook.xml and rels."""
    key = (workbook_xml, rels_xml)
    hit = _STRUCTURES.get(key)
    if hit is None:
        names = []
        for attrs, ref in _DN.findall(workbook_xml):
            a = _attrs(attrs)
            if b"localSheetId" in a:
                raise _Unsupported("sheet-scoped defined name")
            names.append((_text(a[b"name"]), _text(ref)))
        hit = _STRUCTURES[key] = (tuple(sheet_parts(zf)), tuple(names))
        while len(_STRUCTURES) > 8:
            _STRUCTURES.popitem(last=False)
    return hit


# ---------------------------------------------------------------------------- compiled templates
class _Compiled:
    """What is kept per formula signature: the evaluator, the input cells it reads grouped by
    sheet, each formula cell's key, and where the input cells were last seen."""

    __slots__ = ("evaluator", "wanted", "keys", "plans")

    def __init__(self, book: Book):
        formulas = book.formulas
        if not all(_CELL_REF.fullmatch(cell) for _sheet, cell in formulas):
            raise UnsupportedFormula("a formula cell whose reference is not plain A1 style")
        self.evaluator = Evaluator(formulas, book.names)
        inputs = self.evaluator.referenced - formulas.keys()
        by_sheet: dict[str, list] = {}
        for sheet, cell in sorted(inputs):
            by_sheet.setdefault(sheet, []).append((sheet, cell))
        self.wanted = tuple((sheet, tuple(c.encode() for _s, c in keys), tuple(keys))
                            for sheet, keys in by_sheet.items())
        self.keys = {sheet: [(sheet, r.decode()) for r in part.refs] for sheet, part in book.parts.items()}
        self.plans: dict = {}


_COMPILED: "OrderedDict[str, _Compiled | None]" = OrderedDict()


def _compiled(book: Book) -> _Compiled | None:
    """The compiled template for the book's formula signature (None: our evaluator does not
    support its formulas); compiled once per signature."""
    sig = book.signature
    if sig in _COMPILED:
        _COMPILED.move_to_end(sig)
        return _COMPILED[sig]
    try:
        hit = _Compiled(book)
    except UnsupportedFormula:
        hit = None
    _COMPILED[sig] = hit
    while len(_COMPILED) > 8:
        _COMPILED.popitem(last=False)
    return hit


def forget() -> None:
    """Empty every cache of this module and of the evaluator (compiled templates, input
    layouts, decoded cells, parsed workbook structures, ASM_* results): the state of a fresh
    process, for benchmarks and tests."""
    from asm_xl.calc import evaluator as formula_eval
    _COMPILED.clear()
    _DECODED.clear()
    _ENCODED.clear()
    _STRUCTURES.clear()
    formula_eval._MEMO.clear()


# ------------------------------------------------------------------------------------ writing
#: encoded non-float values ((class, value) → (t, <v> element)): labels, flags and errors
#: repeat from one workbook to the next
_ENCODED: dict[tuple, tuple[bytes | None, bytes]] = {}


def _encode(value, cell: tuple[str, str]) -> tuple[bytes | None, bytes]:
    """(t attribute value or None, the ``<v>`` element) of the value computed for ``cell``, by
    :func:`encode_cached_value`'s rules."""
    key = (value.__class__, value)
    hit = _ENCODED.get(key)
    if hit is None:
        t, text = encode_cached_value(str(value) if isinstance(value, XlErr) else value, "!".join(cell))
        hit = ((None if t is None else t.encode()),
               (b"" if text is None else b"<v>" + text.encode("utf-8") + b"</v>"))
        if len(_ENCODED) >= _DECODED_SIZE:
            _ENCODED.clear()
        _ENCODED[key] = hit
    return hit


def _changed_cells(part: _Sheet, keys: list, fresh: dict) -> dict[int, tuple[bytes, bytes]]:
    """{formula cell i: (start tag, ``<v>`` element)} of the cells whose stored start tag or value
    differs from what the fresh value would write."""
    changed = {}
    ctags = part.ctags
    for i, key in enumerate(keys):
        value = fresh[key]
        ctag = ctags[i]
        if value.__class__ is float:  # the common case (finite: the evaluator makes inf/NaN #NUM!)
            v = b"<v>%r</v>" % value
            tag = ctag if b"t=" not in ctag and b"vm=" not in ctag else _start_tag(ctag, None)
        else:
            t, v = _encode(value, key)
            tag = _start_tag(ctag, t)
        if tag != ctag or v != part.stored(i):
            changed[i] = (tag, v)
    return changed


def _start_tag(ctag: bytes, t: bytes | None) -> bytes:
    """A formula cell's start tag with ``t`` set (or removed) and any ``vm`` dropped."""
    base = _T_OR_VM_ATTR.sub(b"", ctag[:-1]) if (b"t=" in ctag or b"vm=" in ctag) else ctag[:-1]
    return base + b' t="' + t + b'">' if t is not None else base + b">"


def recalc_fast(path, check: bool = False, *, max_bytes: int = DEFAULT_MAX_BYTES,
                max_members: int = DEFAULT_MAX_MEMBERS):
    """Like :func:`asm_xl.calc.formulas_engine.recalc_file`, or ``None`` when this path cannot do it."""
    path = os.fspath(path)
    with open_workbook(path, max_bytes=max_bytes, max_members=max_members, in_memory=True) as zin:
        try:
            book = read_book(zin)
        except (zipfile.BadZipFile, zlib.error, EOFError) as e:
            raise WorkbookError(f"corrupt workbook: {path} ({e})") from None
        except _Unsupported:
            return None
        try:
            compiled = _compiled(book)
            if compiled is None:
                return None
            fresh = compiled.evaluator.run(book.inputs_for(compiled.wanted, compiled.plans))
        except (_Unsupported, UnsupportedFormula, ValueError, KeyError, IndexError):
            return None
        if check:
            return _differences(book, fresh)
        # Only cells whose stored start tag or value differs from what we would write are
        # rewritten; a workbook whose cached values are all current is left as it is (same bytes,
        # same timestamp).
        new_data = {}
        for sheet, part in book.parts.items():
            changed = _changed_cells(part, compiled.keys[sheet], fresh)
            if changed:
                new_data[part.member] = part.rewrite(changed)
        if new_data:
            _write_zip(zin, new_data, path)
    return len(fresh)


def _differences(book: Book, fresh: dict) -> list:
    from asm_xl.calc.formulas_engine import Difference, _same
    diffs = []
    for sheet, cell, _part, i in book.formula_cells():
        cached, value = _plain(book.cached(sheet, i)), _plain(fresh[(sheet, cell)])
        if not _same(cached, value):
            diffs.append(Difference(sheet, cell, cached, value))
    return diffs


def _plain(v):
    return str(v) if isinstance(v, XlErr) else v
