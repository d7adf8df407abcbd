"""Fast headless recalculation of workbooks whose formulas :mod:`formula_eval` supports.

Workbooks generated from one template share their formulas; this path reads a workbook's parts
with a few regular expressions (no entity expansion: safe on untrusted files, which
:func:`check_workbook` has already bounded), compiles the formulas once per formula signature with
our evaluator, computes, and writes the cached values back as :func:`write_cached_values` does.
A workbook with anything the evaluator does not support (another function, shared or array
formulas, dates, sheet-scoped names) is left to the ``formulas`` engine: :func:`recalc_fast`
returns ``None`` for it and changes nothing.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import zipfile
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import lru_cache

from .cached_values import (DEFAULT_MAX_BYTES, DEFAULT_MAX_MEMBERS, _attrs, _write_zip,
                            check_workbook, encode_cached_value, sheet_parts)
from .formula_eval import Evaluator, UnsupportedFormula, XlErr

__all__ = ["recalc_fast", "read_book", "Book"]

_NS = rb"(?:[\w.-]+:)?"
_F = re.compile(rb"<" + _NS + rb"f(?P<a>(?:\s[^>]*?)?)(?:/>|>(?P<text>.*?)</" + _NS + rb"f\s*>)", re.S)
_V = re.compile(rb"<" + _NS + rb"v(?:\s[^>]*)?>(.*?)</" + _NS + rb"v\s*>", re.S)
_T = re.compile(rb"<" + _NS + rb"t(?:\s[^>]*)?>(.*?)</" + _NS + rb"t\s*>", re.S)
_RPH = re.compile(rb"<" + _NS + rb"(?:rPh|phoneticPr)\b.*?(?:/>|</" + _NS + rb"rPh\s*>)", re.S)
_SI = re.compile(rb"<" + _NS + rb"si(?:\s[^>]*)?>(.*?)</" + _NS + rb"si\s*>", re.S)
_DN = re.compile(rb"<" + _NS + rb"definedName\b([^>]*)>(.*?)</" + _NS + rb"definedName\s*>", re.S)
_OOXML_ESC = re.compile(r"_x([0-9A-Fa-f]{4})_")
#: a cell whose first attribute is its reference (as Excel, openpyxl and LibreOffice write them)
_CELL = re.compile(rb"<" + _NS + rb"c\s+r=\"([A-Z]{1,3}[0-9]{1,7})\"([^>]*?)(?:/>|>(.*?)</" + _NS + rb"c\s*>)", re.S)
#: a formula cell (the formula is a cell's first child): prefix, reference, attributes, body
_FORMULA_CELL = re.compile(rb"<(" + _NS + rb")c\s+r=\"([A-Z]{1,3}[0-9]{1,7})\"([^>]*?)(?<!/)>(<" + _NS
                           + rb"f[\s>/].*?)</" + _NS + rb"c\s*>", re.S)
_VM_ATTR = re.compile(rb"""\svm\s*=\s*["'][^"']*["']""")
_R_ATTR = re.compile(rb"""\sr\s*=\s*["']([^"']+)["']""")
_T_ATTR = re.compile(rb"""\st\s*=\s*["']([^"']+)["']""")


class _Unsupported(Exception):
    pass


def _text(raw: bytes) -> str:
    s = html.unescape(raw.decode("utf-8"))
    return _OOXML_ESC.sub(lambda m: chr(int(m.group(1), 16)), s)


@dataclass
class Book:
    """A workbook as the fast path reads it: sheets, names, formulas, cached and input cells."""

    sheets: list[tuple[str, str]]
    names: dict[str, str] = field(default_factory=dict)
    #: formula cells: (sheet, cell) → (formula text as stored, cell attributes, cell body), decoded
    #: only where needed (compiling a new template, comparing cached values)
    raw_formulas: dict[tuple[str, str], tuple[bytes, bytes, bytes]] = field(default_factory=dict)
    sheet_data: dict[str, bytes] = field(default_factory=dict)
    strings: list[str] = field(default_factory=list)

    @property
    def formulas(self) -> dict[tuple[str, str], str]:
        return {k: "=" + _text(f) for k, (f, _, _) in self.raw_formulas.items()}

    def cached(self, key: tuple[str, str]):
        """The cached value stored in a formula cell (None when there is none)."""
        _f, cattrs, body = self.raw_formulas[key]
        return _value(_cell_type(cattrs), body, self.strings)

    def inputs_for(self, wanted: frozenset) -> dict[tuple[str, str], object]:
        """Decode only the input cells the formulas read (a formula cell's value is computed)."""
        out = {}
        for sheet, pattern in _input_patterns(wanted):
            for ref, cattrs, body in pattern.findall(self.sheet_data.get(sheet, b"")):
                key = (sheet, ref.decode())
                if body and key not in self.raw_formulas:
                    v = _value(_cell_type(cattrs), body, self.strings)
                    if v is not None:
                        out[key] = v
        return out

    @property
    def signature(self) -> str:
        h = hashlib.sha256(repr((self.sheets, sorted(self.names.items()))).encode("utf-8"))
        for key in sorted(self.raw_formulas):
            h.update(repr(key).encode("utf-8") + b"\0" + self.raw_formulas[key][0] + b"\0")
        return h.hexdigest()


def read_book(zf: zipfile.ZipFile) -> Book:
    """Formulas, input values and cached values of every worksheet; raises _Unsupported."""
    rels = "xl/_rels/workbook.xml.rels"
    sheets, names = _structure(zf.read("xl/workbook.xml"), zf.read(rels) if rels in zf.namelist() else b"", zf)
    book = Book(sheets=list(sheets), names=dict(names))
    strings = book.strings
    if "xl/sharedStrings.xml" in zf.namelist():
        for si in _SI.findall(zf.read("xl/sharedStrings.xml")):
            strings.append("".join(_text(t) for t in _T.findall(_RPH.sub(b"", si))))
    for sheet, member in book.sheets:
        if member not in zf.namelist():
            continue
        data = book.sheet_data[sheet] = zf.read(member)
        if data.count(b'<c r="') != data.count(b"<c ") + data.count(b"<c>"):
            raise _Unsupported("a cell whose first attribute is not its reference (or a namespace prefix)")
        n_formulas = data.count(b"<f>") + data.count(b"<f ") + data.count(b"<f/")
        cells = _FORMULA_CELL.findall(data) if n_formulas else []
        if len(cells) != n_formulas:
            raise _Unsupported("a formula this path cannot place")
        for _prefix, ref, cattrs, body in cells:
            f = _F.match(body)
            if b"t=" in f.group("a"):  # shared, array or data-table formula
                raise _Unsupported("shared or array formula")
            book.raw_formulas[(sheet, ref.decode())] = (f.group("text") or b"", cattrs, body)
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


@lru_cache(maxsize=16)
def _input_patterns(wanted: frozenset) -> tuple:
    """Per sheet, one regular expression finding exactly the wanted cells."""
    by_sheet: dict[str, list[str]] = {}
    for sheet, cell in wanted:
        by_sheet.setdefault(sheet, []).append(cell)
    return tuple((sheet, re.compile(rb"<" + _NS + rb"c\s+r=\"(" + b"|".join(sorted(c.encode() for c in cells))
                                    + rb")\"([^>]*?)(?:/>|>(.*?)</" + _NS + rb"c\s*>)", re.S))
                 for sheet, cells in by_sheet.items())


def _cell_type(attrs: bytes) -> bytes:
    m = _T_ATTR.search(attrs)
    return m.group(1) if m else b"n"


def _value(t: bytes, body: bytes, strings: list[str]):
    if t == b"inlineStr":
        return "".join(_text(x) for x in _T.findall(_RPH.sub(b"", body)))
    v = _V.search(body)
    if v is None:
        return None
    raw = v.group(1)
    if t == b"s":
        return strings[int(raw)]
    if t == b"b":
        return raw.strip() == b"1"
    if t == b"e":
        return XlErr(raw.decode().strip())
    if t == b"str":
        return _text(raw)
    if t == b"n":
        x = float(raw)
        return int(x) if x.is_integer() and b"." not in raw and b"E" not in raw.upper() else x
    raise _Unsupported(f"cell type {t.decode()}")


_EVALUATORS: "OrderedDict[str, Evaluator | None]" = OrderedDict()


def _evaluator(book: Book) -> Evaluator | None:
    sig = book.signature
    if sig in _EVALUATORS:
        _EVALUATORS.move_to_end(sig)
        return _EVALUATORS[sig]
    try:
        ev = Evaluator(book.formulas, book.names)
    except UnsupportedFormula:
        ev = None
    _EVALUATORS[sig] = ev
    while len(_EVALUATORS) > 8:
        _EVALUATORS.popitem(last=False)
    return ev


def recalc_fast(path, check: bool = False, *, max_bytes: int = DEFAULT_MAX_BYTES,
                max_members: int = DEFAULT_MAX_MEMBERS):
    """Like :func:`asm_xl.workbooks.headless.recalc_file`, or ``None`` when this path cannot do it."""
    from .headless import Difference, _same
    path = os.fspath(path)
    check_workbook(path, max_bytes=max_bytes, max_members=max_members)
    with zipfile.ZipFile(path) as zin:
        try:
            book = read_book(zin)
        except (_Unsupported, ValueError, KeyError, IndexError):
            return None
        ev = _evaluator(book)
        if ev is None:
            return None
        try:
            fresh = ev.run(book.inputs_for(ev.referenced))
        except (UnsupportedFormula, _Unsupported, ValueError, IndexError):
            return None
        fresh = {k: (str(v) if isinstance(v, XlErr) else v) for k, v in fresh.items()}
        if check:
            diffs = []
            for (s, c), v in fresh.items():
                cached = _plain(book.cached((s, c)))
                if not _same(cached, v):
                    diffs.append(Difference(s, c, cached, v))
            return diffs
        # Only cells whose stored value differs from what we would write are rewritten; a workbook
        # whose cached values are all current is left as it is (same bytes, same timestamp).
        stale: dict[str, dict] = {}
        for (sheet, coord), v in fresh.items():
            encoded = encode_cached_value(v, f"{sheet}!{coord}")
            if encoded != _stored(book.raw_formulas[(sheet, coord)]):
                stale.setdefault(sheet, {})[coord] = encoded
        new_data = {}
        for sheet, member in book.sheets:
            if sheet in stale and member in zin.namelist():
                new_data[member], _ = _rewrite_formula_cells(book.sheet_data[sheet], stale[sheet])
        if new_data:
            _write_zip(zin, new_data, path)
    return len(fresh)


def _stored(raw: tuple[bytes, bytes, bytes]) -> tuple[str | None, str | None]:
    """A formula cell's cached value as (t, text), in the form encode_cached_value gives."""
    _f, cattrs, body = raw
    t = _cell_type(cattrs)
    v = _V.search(body)
    return (None if t == b"n" else t.decode()), (None if v is None else v.group(1).decode("utf-8"))


def _rewrite_formula_cells(data: bytes, updates: dict) -> tuple[bytes, int]:
    """Cached values into formula cells: the formula kept, the old value replaced, ``t`` set."""
    count = 0

    def render(m: re.Match) -> bytes:
        nonlocal count
        prefix, ref, attrs, body = m.group(1), m.group(2).decode(), m.group(3), m.group(4)
        if ref not in updates:
            return m.group(0)
        t, text = updates[ref]
        attrs = _VM_ATTR.sub(b"", _T_ATTR.sub(b"", attrs))
        if t is not None:
            attrs += b' t="' + t.encode() + b'"'
        f_end = _F.match(body).end()
        value = b"" if text is None else b"<" + prefix + b"v>" + text.encode("utf-8") + b"</" + prefix + b"v>"
        count += 1
        return b"<" + prefix + b"c r=\"" + m.group(2) + b"\"" + attrs + b">" + body[:f_end] + value + \
            b"</" + prefix + b"c>"

    out = _FORMULA_CELL.sub(render, data)
    return out, count


def _plain(v):
    return str(v) if isinstance(v, XlErr) else v
