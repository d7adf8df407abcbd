"""Worksheet XML rewritten in place, byte for byte except the cells that change.

A worksheet part is tokenized with one regular expression (:data:`TOKEN`: comments, CDATA,
processing instructions, ``<row>`` start tags and whole ``<c>`` elements, with or without a
namespace prefix); nothing is parsed into a tree, no entity is expanded, and every byte outside
the cells that change is kept (namespaces, untouched cells, formulas).

* :func:`rewrite_sheet` -- new cached values for formula cells (``write_cached_values``);
* :func:`split_cells` / :func:`formula_cell` / :func:`input_cell` -- a template sheet split around
  the cells a generator fills, and those cells written anew.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from asm_xl.xlsx.cells import escape_text
from asm_xl.xlsx.errors import WorkbookError
from asm_xl.xlsx.refs import cell_name, cell_position, range_bounds

__all__ = ["TOKEN", "attributes", "rewrite_sheet", "CellSlot", "split_cells", "formula_cell",
           "formula_cell_template", "input_cell", "input_cell_template"]

_ATTRS = rb"""(?:[^>"']|"[^"]*"|'[^']*')*?"""
#: one token of a worksheet: a comment/CDATA/PI (skipped), a row start tag (group ``row``) or a
#: whole cell (group ``cell``; ``cp`` its prefix, ``cattrs`` its attributes, ``body`` its content)
TOKEN = re.compile(
    rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>"
    rb"|(?P<row><(?:[\w.-]+:)?row(?=[\s/>])" + _ATTRS + rb"/?>)"
    rb"|(?P<cell><(?P<cp>[\w.-]+:)?c(?=[\s/>])(?P<cattrs>" + _ATTRS +
    rb")(?:/>|>(?P<body>.*?)</(?:[\w.-]+:)?c\s*>))",
    re.S)
_ATTR = re.compile(rb"""(\s+)([\w.:-]+)\s*=\s*("[^"]*"|'[^']*')""")
_F_ELEM = re.compile(
    rb"<(?:[\w.-]+:)?f(?=[\s/>])(?P<a>" + _ATTRS + rb")(?:/>|>.*?</(?:[\w.-]+:)?f\s*>)", re.S)
_V_ELEM = re.compile(
    rb"<(?:[\w.-]+:)?v(?=[\s/>])" + _ATTRS + rb"(?:/>|>.*?</(?:[\w.-]+:)?v\s*>)", re.S)
_IS_ELEM = re.compile(
    rb"<(?:[\w.-]+:)?is(?=[\s/>])" + _ATTRS + rb"(?:/>|>.*?</(?:[\w.-]+:)?is\s*>)", re.S)
_T_ATTR = re.compile(rb'\s+t="[^"]*"')


def attributes(raw: bytes) -> dict[bytes, bytes]:
    """The attributes of a start tag's text (``b' r="A1" t="s"'``), values as written."""
    return {m.group(2): m.group(3)[1:-1] for m in _ATTR.finditer(raw)}


def _set_type(raw: bytes, t: str | None) -> bytes:
    """Set/replace/remove ``t`` and drop ``vm`` in a start tag's attributes."""
    done = False

    def repl(m):
        nonlocal done
        name = m.group(2)
        if name == b"vm":
            return b""
        if name == b"t":
            done = True
            return b"" if t is None else m.group(1) + b't="' + t.encode() + b'"'
        return m.group(0)

    out = _ATTR.sub(repl, raw)
    if t is not None and not done:
        stripped = out.rstrip()
        out = stripped + b' t="' + t.encode() + b'"' + out[len(stripped):]
    return out


def formula_cell(m: re.Match, t: str | None, text: str | None) -> bytes:
    """The formula cell matched by :data:`TOKEN` with cached value *text* of type *t* (from
    :func:`~asm_xl.xlsx.cells.encode_cached_value`; None: no cached value)."""
    prefix = m.group("cp") or b""
    attrs = _set_type(m.group("cattrs"), t)
    body = _IS_ELEM.sub(b"", m.group("body") or b"")
    new_v = b"" if text is None else b"<" + prefix + b"v>" + text.encode("utf-8") + b"</" + prefix + b"v>"
    vm = _V_ELEM.search(body)
    if vm:
        body = body[:vm.start()] + new_v + body[vm.end():]
    else:
        fm = _F_ELEM.search(body)
        at = fm.end() if fm else 0
        body = body[:at] + new_v + body[at:]
    if not body:
        return b"<" + prefix + b"c" + attrs.rstrip(b"/") + b"/>"
    return b"<" + prefix + b"c" + attrs + b">" + body + b"</" + prefix + b"c>"


_SENTINEL = "\x00asm-xl cached value\x00"


def formula_cell_template(m: re.Match, t: str | None) -> tuple[bytes, bytes]:
    """``(head, tail)`` with ``head + text + tail == formula_cell(m, t, text)`` for any cached
    value *text* of type *t*: a formula cell's bytes computed once per template, so a rendering
    only joins the value in."""
    head, sep, tail = formula_cell(m, t, _SENTINEL).partition(_SENTINEL.encode())
    assert sep, "the cached value must appear in the cell"
    return head, tail


def input_cell_template(m: re.Match) -> tuple[bytes, bytes]:
    """``(prefix, attributes)`` of the cell matched by :data:`TOKEN` as :func:`input_cell` writes
    it (its ``t`` attribute removed): computed once per template."""
    return m.group("cp") or b"", _T_ATTR.sub(b"", m.group("cattrs")).rstrip(b"/").rstrip()


def input_cell(m: re.Match | tuple[bytes, bytes], value: object) -> bytes:
    """The cell matched by :data:`TOKEN` (or its :func:`input_cell_template`) holding the
    constant *value*: text always as an inline string (never a formula), bool as ``t="b"``,
    numbers as they are; None or "" empties it."""
    prefix, attrs = m if isinstance(m, tuple) else input_cell_template(m)
    if value is None or (isinstance(value, str) and value == ""):
        return b"<" + prefix + b"c" + attrs + b"/>"
    if isinstance(value, bool):
        return b"<%sc%s t=\"b\"><%sv>%d</%sv></%sc>" % (prefix, attrs, prefix, int(value), prefix, prefix)
    if isinstance(value, (int, float)):
        if not math.isfinite(float(value)):
            raise ValueError(f"cannot write {value!r}")
        text = repr(float(value)) if isinstance(value, float) else str(value)
        return b"<%sc%s><%sv>%s</%sv></%sc>" % (prefix, attrs, prefix, text.encode(), prefix, prefix)
    text = escape_text(str(value)).encode("utf-8")
    return (b"<%sc%s t=\"inlineStr\"><%sis><%st xml:space=\"preserve\">%s</%st></%sis></%sc>"
            % (prefix, attrs, prefix, prefix, text, prefix, prefix, prefix))


@dataclass(frozen=True)
class CellSlot:
    """A cell of a template sheet that each rendering writes anew."""

    kind: str          #: "formula" | "input"
    coord: str         #: its reference, e.g. "B7"
    match: re.Match    #: its :data:`TOKEN` match in the template's XML


def split_cells(data: bytes, wanted: set[str], formula_cells: set[str]) -> list:
    """Sheet XML → ``[bytes, CellSlot, bytes, CellSlot, ..., bytes]``: the cells in *wanted*
    (by reference, ``r`` attribute) cut out; those in *formula_cells* are formula slots."""
    out, last = [], 0
    for m in TOKEN.finditer(data):
        if m.group("cell") is None:
            continue
        ref = attributes(m.group("cattrs")).get(b"r")
        coord = ref.decode().replace("$", "") if ref else None
        if coord in wanted:
            out.append(data[last:m.start()])
            out.append(CellSlot("formula" if coord in formula_cells else "input", coord, m))
            last = m.end()
    out.append(data[last:])
    return out


def rewrite_sheet(data: bytes, updates: Mapping[str, tuple], where: str) -> tuple[bytes, int]:
    """Rewrite cached values of formula cells in one worksheet part.

    *updates*: normalised reference → ``(t, text)``. Only cells holding a formula (an ``<f>``
    child, or a cell covered by an array formula) change. Returns (new part, cells changed)."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise WorkbookError(f"unsupported UTF-16 worksheet part: {where}")
    row, col, count = 0, 0, 0
    arrays: list[tuple[int, int, int, int]] = []
    chunks, last = [], 0
    for m in TOKEN.finditer(data):
        if m.group("row") is not None:
            r = attributes(m.group("row")).get(b"r")
            row = int(r) if r else row + 1
            col = 0
            continue
        if m.group("cell") is None:
            continue
        ref = attributes(m.group("cattrs")).get(b"r")
        if ref:
            col, row_of_cell = cell_position(ref.decode())
        else:
            col, row_of_cell = col + 1, row
        coord = cell_name(col, row_of_cell)
        fm = _F_ELEM.search(m.group("body") or b"")
        is_formula = fm is not None
        if fm is not None:
            fa = attributes(fm.group("a"))
            if fa.get(b"t") in (b"array", b"dataTable") and fa.get(b"ref"):
                arrays.append(range_bounds(fa[b"ref"].decode()))
        elif any(c1 <= col <= c2 and r1 <= row_of_cell <= r2 for c1, r1, c2, r2 in arrays):
            is_formula = True  # non-anchor cell of an array formula
        if not is_formula or coord not in updates:
            continue
        t, text = updates[coord]
        chunks.append(data[last:m.start()])
        chunks.append(formula_cell(m, t, text))
        last = m.end()
        count += 1
    if not count:
        return data, 0
    chunks.append(data[last:])
    return b"".join(chunks), count
