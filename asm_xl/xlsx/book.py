"""The byte-level workbook reader: sheets, defined names, formula cells and input cells of a
workbook read without parsing its worksheets into trees.

Workbooks generated from one template share their formulas and their layout, and recalculating thousands of them
cannot afford an XML tree per sheet. :func:`read_book` reads a package opened by
:func:`~asm_xl.xlsx.limits.open_workbook` into a :class:`Book`:

* a worksheet is split at its formulas' ``<f>`` tags (``bytes.split``, in C). Each piece ends with the start tag
  of the next formula cell and begins with that cell's formula text, cached value and ``</c>``; the formula cells
  are located, checked and read by mapping ``bytes`` methods over the pieces, and rewritten by one ``b"".join``
  of the pieces (:meth:`SheetBytes.rewrite`);
* input cells are found in the worksheet split at ``<c r="``: by reference the first time, then at the same
  positions in the next workbook from the same template (a :class:`CellPlan` the caller keeps; each cell is
  checked to be the one expected, and any miss goes back to the lookup by reference). Only the cells asked for
  are decoded.

Nothing here expands entities (the structure -- sheets, relationships, defined names -- is read
with defusedxml by :mod:`asm_xl.xlsx.parts`). A workbook with anything this reading cannot place
exactly (namespace-prefixed cells, a cell whose first attribute is not its reference, comments,
CDATA or a DOCTYPE in a worksheet, shared, dynamic-array or data-table formulas, sheet-scoped names) raises
:class:`NotByteReadable`; the tree-level view (:mod:`asm_xl.xlsx.scan`) reads any workbook. A part cut short or
garbled, which this reading would misread (cells cut off read as blanks, a cell without its ``</c>`` read with the
next), is refused as corrupt (:func:`check_well_formed`, run only where a cheap test finds something off: the root
element not closed at the part's end, no ``</sheetData>``, another cell's start between a formula cell's ``</f>``
and the ``</c>`` after it, a part given up on).
"""

from __future__ import annotations

import hashlib
import io
import operator
import re
import zipfile
from dataclasses import dataclass, field
from itertools import repeat

from defusedxml import ElementTree as SafeET

from asm_xl.xlsx.cells import decode_value, unescape_text
from asm_xl.xlsx.errors import WorkbookError
from asm_xl.xlsx.parts import WORKBOOK_RELS, defined_names, formula_names, shared_strings, sheet_parts
from asm_xl.xlsx.limits import WORKBOOK_PART, check_formula_ranges
from asm_xl.xlsx.zipcopy import read_member

__all__ = ["read_book", "Book", "SheetBytes", "CellPlan", "NotByteReadable", "check_well_formed", "stored_value",
           "FIXED_ARRAY_TAG"]

_CELL_OPEN = b'<c r="'
_REF = re.compile(rb'<c r="([A-Z]{1,3}[1-9][0-9]{0,6})"')
_F_TAG = re.compile(rb"(<f(?:\s[^>]*)?>)")
_MARKS = re.compile(rb"<(?:!|f[\s/>])")
#: an XML declaration, then an unprefixed sheet root element (so cells are ``<c>``, not ``<x:c>``)
_ROOT = re.compile(rb"(?:\xef\xbb\xbf)?\s*(?:<\?xml\s[^>]*\?>\s*)?"
                   rb"<(worksheet|chartsheet|dialogsheet|macrosheet)[\s>/]")
_V = re.compile(rb"<v(?:\s[^>]*)?>(.*?)</v\s*>", re.S)
_T = re.compile(rb"<(?:[\w.-]+:)?t(?:\s[^>]*)?>(.*?)</(?:[\w.-]+:)?t\s*>", re.S)
_RPH = re.compile(rb"<(?:[\w.-]+:)?(?:rPh|phoneticPr)\b.*?(?:/>|</(?:[\w.-]+:)?rPh\s*>)", re.S)
_T_ATTR = re.compile(rb"""\st\s*=\s*["']([^"']+)["']""")
#: the ``<f>`` tag of a fixed array formula as openpyxl and Excel write it, its range the group (its covered
#: cells: :mod:`asm_xl.xlsx.covered`)
FIXED_ARRAY_TAG = re.compile(rb'<f t="array" ref="([A-Z]{1,3}[1-9][0-9]{0,6}:[A-Z]{1,3}[1-9][0-9]{0,6})">')
_MISS = object()


class NotByteReadable(Exception):
    """A workbook the byte-level reader cannot place exactly (read it with :mod:`asm_xl.xlsx.scan`)."""


_text = unescape_text


# --------------------------------------------------------------------------------- worksheets
class SheetBytes:
    """One worksheet part, split for reading and rewriting its formula cells.

    ``pieces[0]`` is everything before the first formula's ``<f>`` tag; ``pieces[i]`` (i >= 1)
    starts with formula i's text and ends with the start tag of formula i + 1's cell (the last:
    the rest of the part). For formula cell i (from 0): ``tags[i]`` its ``<f ...>`` tag,
    ``starts[i]`` where its start tag ``ctags[i]`` begins in ``pieces[i]``, ``refs[i]`` its
    reference, ``texts[i]`` its formula, and its stored value is ``pieces[i + 1][ends_f[i] + 4:
    ends_c[i]]`` (between ``</f>`` and ``</c>``).

    Each check is a pass of ``bytes`` methods over the part or the pieces; a part that fails one
    raises :class:`NotByteReadable` (read it with :mod:`asm_xl.xlsx.scan`).
    """

    __slots__ = ("name", "member", "data", "where", "pieces", "tags", "starts", "ctags", "refs", "texts",
                 "ends_f", "ends_c", "_chunks", "_index")

    def __init__(self, name: str, member: str, data: bytes, where: str = "workbook"):
        self.name, self.member, self.data, self.where = name, member, data, where
        self._chunks = self._index = None
        self.pieces, self.tags, self.starts, self.ctags = [data], [], [], []
        self.refs, self.texts, self.ends_f, self.ends_c = [], [], [], []
        if not (root := _ROOT.match(data)):
            self.refuse("a worksheet whose root element is prefixed, or not UTF-8")
        marks = set(_MARKS.findall(data))  # one pass: which of <!, <f>, <f , <f/ occur
        if b"<!" in marks:
            raise NotByteReadable("a comment, CDATA or a DOCTYPE in a worksheet")
        # cut short, its lost cells would read as blanks: else it must parse (<sheetData/> does)
        if not data[-64:].rstrip().endswith(b"</" + root.group(1) + b">") or \
                (root.group(1) == b"worksheet" and data.rfind(b"</sheetData>") < 0):
            check_well_formed(data, member, where)
        if b"<f/" in marks:
            self.refuse("an empty or shared formula")
        attributed = bool(marks - {b"<f>"})
        if marks:
            self._split_formulas(data, attributed)

    def refuse(self, why: str):
        """Give up on this part: :class:`WorkbookError` when it is not well-formed XML (a truncated or
        garbled part is corrupt, whichever engine reads it), else :class:`NotByteReadable`."""
        check_well_formed(self.data, self.member, self.where)
        raise NotByteReadable(why)

    def _split_formulas(self, data: bytes, attributed: bool) -> None:
        if attributed:  # e.g. LibreOffice's <f aca="false">; t= is a shared/array/table formula
            split = _F_TAG.split(data)
            pieces, tags = split[0::2], split[1::2]
            if any(b"t=" in t and not FIXED_ARRAY_TAG.fullmatch(t) for t in tags):
                raise NotByteReadable("shared, dynamic-array or data-table formula")
        else:
            pieces = data.split(b"<f>")
            tags = [b"<f>"] * (len(pieces) - 1)
        n = len(tags)
        prev, cur = pieces[:-1], pieces[1:]
        starts = list(map(bytes.rfind, prev, repeat(_CELL_OPEN, n)))
        # the formula's cell start tag is all that comes between that "<c r=" and "<f>"
        tag_ends = list(map(bytes.find, prev, repeat(b">", n), starts))
        if min(starts) < 0 or list(map(len, prev)) != [e + 1 for e in tag_ends]:
            self.refuse("a formula the byte-level reader cannot place")
        ctags = list(map(bytes.__getitem__, prev, map(slice, starts, repeat(None, n))))
        ends_f = list(map(bytes.find, cur, repeat(b"</f>", n)))
        ends_c = list(map(bytes.find, cur, repeat(b"</c>", n), ends_f))
        if min(ends_f) < 0 or min(ends_c) < 0 or any(map(bytes.endswith, ctags, repeat(b"/>", n))):
            self.refuse("a formula cell the byte-level reader cannot read")
        # the </c> found is the formula cell's own unless another cell starts before it (its </c> missing:
        # the next cell would be read, and rewritten, as its cached value)
        if max(map(bytes.find, cur, repeat(b"<c", n), ends_f, ends_c)) >= 0:
            check_well_formed(self.data, self.member, self.where)
        # each formula cell starts after the previous one's </c>
        if any(map(operator.lt, starts[1:], [e + 4 for e in ends_c[:-1]])):
            self.refuse("formula cells the byte-level reader cannot place")
        if any(b" cm=" in c for c, t in zip(ctags, tags) if b"t=" in t):   # cell metadata: a dynamic array
            raise NotByteReadable("a dynamic array formula")
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
                self.refuse("a cell whose first attribute is not its reference")
            self._index = dict(zip(refs, range(1, n_cells + 1)))
        return self._index

    def input_values(self, plan: "CellPlan | None", refs: tuple, book: "Book", decoded: dict):
        """(values of the cells ``refs``, the plan that found them) where ``plan`` is where they
        were in the last workbook (None: look them up by reference and make a plan)."""
        try:
            return self._input_values(plan, refs, book, decoded)
        except NotByteReadable as e:  # a cell not closed, a value not closed: corrupt, or another reader's
            self.refuse(str(e))

    def _input_values(self, plan: "CellPlan | None", refs: tuple, book: "Book", decoded: dict):
        chunks = self.chunks()
        if plan is not None and plan.top < len(chunks):
            found = plan.pick(chunks)
            if all(map(bytes.startswith, found, plan.prefixes)):
                return _decode_all(found, plan.prefixes, book, decoded), plan
        index = self.index()
        positions = [index.get(r) for r in refs]
        if None in positions:  # an input cell absent from this workbook: no plan
            return [None if k is None else _decode(chunks[k], len(r) + 1, book)
                    for k, r in zip(positions, refs)], None
        plan = CellPlan(positions, refs)
        return _decode_all(plan.pick(chunks), plan.prefixes, book, decoded), plan


class CellPlan:
    """Where a sheet's input cells are among its ``<c r="`` chunks (a template's layout)."""

    __slots__ = ("pick", "prefixes", "top")

    def __init__(self, positions: list[int], refs: tuple):
        getter = operator.itemgetter(*positions)
        self.pick = getter if len(positions) > 1 else (lambda chunks: (getter(chunks),))
        self.prefixes = tuple(r + b'"' for r in refs)
        self.top = max(positions)


#: the most decoded input cells a :class:`CellPlan` keeps
DECODED_SIZE = 50_000


def _decode_all(found, prefixes, book, decoded: dict) -> list:
    values = list(map(decoded.get, found, repeat(_MISS)))
    for i, v in enumerate(values):
        if v is _MISS:
            values[i] = _decode(found[i], len(prefixes[i]), book, decoded)
    return values


def _decode(chunk: bytes, after_ref: int, book: "Book", decoded: dict | None = None):
    """The value of a cell from its chunk (None: blank, or a formula cell)."""
    gt = chunk.find(b">")
    if chunk[gt - 1:gt] == b"/":
        value = None
    else:
        end = chunk.find(b"</c>", gt)
        if gt < 0 or end < 0:
            raise NotByteReadable("a cell the byte-level reader cannot read")
        body = chunk[gt + 1:end]
        t = _cell_type(chunk[after_ref:gt])
        value = None if not body or body.startswith(b"<f") else _value(t, body, book)
        if t == b"s":
            return value  # depends on the workbook's shared strings: not kept
    if decoded is not None:
        if len(decoded) >= DECODED_SIZE:
            decoded.clear()
        decoded[chunk] = value
    return value


def stored_value(tag_or_attrs: bytes, body: bytes, book: "Book"):
    """The value a cell stores: its start tag (or attributes) and what the element holds."""
    return _value(_cell_type(tag_or_attrs), body, book)


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
        if b"<v>" in body:  # <v> without </v>: not a blank
            raise NotByteReadable("a value element that is not closed")
        return None
    try:
        return decode_value(t.decode(), v.group(1), book.strings if t == b"s" else [])
    except ValueError as e:
        raise NotByteReadable(str(e)) from None


# ------------------------------------------------------------------------------------ workbooks
@dataclass
class Book:
    """A workbook as the byte-level reader gives it: sheets (name, member), workbook-scoped
    defined names, each worksheet's :class:`SheetBytes`, and the package (for shared strings)."""

    sheets: list[tuple[str, str]]
    names: dict[str, str] = field(default_factory=dict)
    parts: dict[str, SheetBytes] = field(default_factory=dict)
    zf: zipfile.ZipFile | None = None
    workbook_xml: bytes = b""   #: ``xl/workbook.xml`` as read
    _strings: list[str] | None = None

    @property
    def strings(self) -> list[str]:
        """The shared strings, read on first use (generated workbooks have none)."""
        if self._strings is None:
            self._strings = [] if self.zf is None else shared_strings(self.zf)
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
        try:
            return _value(_cell_type(part.ctags[i]), part.stored(i), self)
        except NotByteReadable as e:
            part.refuse(str(e))

    def inputs_for(self, wanted_by_sheet: tuple, plans: dict | None = None,
                   decoded: dict | None = None) -> dict:
        """{(sheet, cell): value} of the input cells the formulas read (blanks left out).

        ``wanted_by_sheet``: ((sheet, (reference bytes, ...), ((sheet, cell), ...)), ...);
        ``plans`` (sheet → :class:`CellPlan`) remembers where the cells were in the last workbook
        read, and is updated here."""
        out = {}
        plans = {} if plans is None else plans
        decoded = {} if decoded is None else decoded
        for sheet, refs, keys in wanted_by_sheet:
            part = self.parts.get(sheet)
            if part is None:  # a sheet deleted or renamed: Excel's #REF!, which the tree-level view gives
                raise NotByteReadable(f"the formulas read sheet {sheet!r}, which the workbook does not have")
            values, plans[sheet] = part.input_values(plans.get(sheet), refs, self, decoded)
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


def read_book(zf: zipfile.ZipFile, structures: dict | None = None, path: str | None = None) -> Book:
    """Sheets, names and the formula cells of every worksheet; raises :class:`NotByteReadable`, or
    :class:`WorkbookError` for a sheet part cut short or garbled (:func:`check_well_formed`; ``path``
    names the file, default: the package's file name).

    ``structures``: a dict the caller keeps to parse each distinct workbook.xml/rels pair once
    (workbooks from one template share them)."""
    where = path or zf.filename or "workbook"
    rels = read_member(zf, WORKBOOK_RELS) if WORKBOOK_RELS in zf.NameToInfo else b""
    key = (read_member(zf, WORKBOOK_PART), rels)
    hit = None if structures is None else structures.get(key)
    if hit is None:
        names = formula_names(defined_names(zf))
        if names is None:
            raise NotByteReadable("sheet-scoped defined name")
        hit = (tuple(sheet_parts(zf)), tuple(names.items()))
        if structures is not None:
            if len(structures) >= 8:
                structures.clear()
            structures[key] = hit
    sheets, names = hit
    book = Book(sheets=list(sheets), names=dict(names), zf=zf, workbook_xml=key[0])
    for sheet, member in book.sheets:
        if member not in zf.NameToInfo:  # the structure may come from the cache: check every package
            raise WorkbookError(f"corrupt workbook: sheet {sheet!r} has no part in the package ({member})")
        data = read_member(zf, member)
        try:
            data.decode("utf-8")  # the byte-level reader does not parse: bad bytes go to the parser's check
        except UnicodeDecodeError as e:
            check_well_formed(data, member, where)  # declared in another encoding: the tree-level view reads it
            raise NotByteReadable(f"{member} is not UTF-8 ({e.reason} at byte {e.start})") from None
        book.parts[sheet] = SheetBytes(sheet, member, data, where)
    check_formula_ranges(((f"{s}!{c}", _text(p.texts[i])) for s, c, p, i in book.formula_cells() if b":" in p.texts[i]),
                         book.names.items())   # before an engine holds a range's cells
    return book


def check_well_formed(data: bytes, member: str, where: str) -> None:
    """Raise :class:`WorkbookError` ``corrupt workbook: <where> (<member>: <the parser's message>)``
    unless ``data`` is well-formed XML (defusedxml, element by element); called only where the byte-level
    reading found something off (see the module's docstring), never on the fast path."""
    try:
        for _event, el in SafeET.iterparse(io.BytesIO(data), events=("end",)):
            el.clear()
    except SafeET.ParseError as e:
        raise WorkbookError(f"corrupt workbook: {where} ({member}: {e})") from None
    except ValueError:  # a DTD or entities (defusedxml refuses them): not corrupt, and not read here
        pass
