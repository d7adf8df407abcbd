"""The cells a worksheet's fixed (Ctrl+Shift+Enter) array formulas cover, read and rewritten at the
byte level as :mod:`asm_xl.xlsx.book` reads and rewrites formula cells.

A fixed array formula's anchor is a formula cell (``<f t="array" ref="A7:E31">``); the other cells
of its range hold plain cached values, each written by the application that computed the array.
:class:`CoveredCells` finds them among the part's ``<c r="`` chunks (:meth:`SheetBytes.chunks`),
reads their cached values and writes new ones; a covered cell missing from the part, or holding a
formula, raises :class:`~asm_xl.xlsx.book.NotByteReadable` (the tree-level path writes such a workbook).
"""

from __future__ import annotations

import re

from asm_xl.xlsx.book import FIXED_ARRAY_TAG, Book, NotByteReadable, SheetBytes, stored_value
from asm_xl.xlsx.refs import cell_name, range_bounds

__all__ = ["CoveredCells", "array_ranges", "covered_refs", "start_tag"]

_OPEN = b'<c r="'
_T_OR_VM_ATTR = re.compile(rb"""\s(?:t|vm)\s*=\s*["'][^"']*["']""")


def start_tag(ctag: bytes, t: bytes | None) -> bytes:
    """A cell's start tag *ctag* (ending ``>``) with ``t`` set to *t* (or removed) and any ``vm``
    dropped: what :meth:`SheetBytes.rewrite` and :meth:`CoveredCells.rewrite` write with a new value."""
    base = _T_OR_VM_ATTR.sub(b"", ctag[:-1]) if (b"t=" in ctag or b"vm=" in ctag) else ctag[:-1]
    return base + b' t="' + t + b'">' if t is not None else base + b">"


def array_ranges(part: SheetBytes) -> dict[str, tuple[int, int, int, int]]:
    """{anchor: bounds (first column, first row, last column, last row)} of the part's fixed array formulas."""
    out = {}
    for ref, tag in zip(part.refs, part.tags):
        m = FIXED_ARRAY_TAG.fullmatch(tag) if b"t=" in tag else None
        if m:
            out[ref.decode()] = range_bounds(m.group(1).decode())
    return out


def covered_refs(ranges: dict[str, tuple[int, int, int, int]]) -> frozenset[bytes]:
    """The references of the cells the fixed array formulas ``ranges`` ({anchor: bounds}) cover, anchors aside.

    >>> sorted(covered_refs({"A1": (1, 1, 2, 2)}))
    [b'A2', b'B1', b'B2']
    """
    return frozenset({cell_name(c, r).encode() for c1, r1, c2, r2 in ranges.values()
                      for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)} - {a.encode() for a in ranges})


class CoveredCells:
    """The cells a part's fixed array formulas cover, anchors aside: ``refs`` their references in the
    part's order, ``tags`` their start tags (ending ``>``), ``bodies`` what each holds (its ``<v>``).
    ``wanted``: :func:`covered_refs` of ``ranges``, when the caller keeps it (workbooks of one template share it)."""

    __slots__ = ("part", "refs", "positions", "tags", "bodies")

    def __init__(self, part: SheetBytes, ranges: dict[str, tuple[int, int, int, int]],
                 wanted: frozenset[bytes] | None = None):
        self.part = part
        if wanted is None:
            wanted = covered_refs(ranges)
        index = part.index()
        positions = sorted(index.get(ref, 0) for ref in wanted)
        if positions and positions[0] == 0:
            part.refuse("a cell an array formula covers is missing")
        chunks = part.chunks()
        self.positions, self.refs, self.tags, self.bodies = positions, [], [], []
        for k in positions:
            chunk = chunks[k]
            gt = chunk.find(b">")
            if chunk[gt - 1:gt] == b"/":
                tag, body = _OPEN + chunk[:gt - 1].rstrip() + b">", b""
            else:
                end = chunk.find(b"</c>", gt)
                if gt < 0 or end < 0:
                    part.refuse("a covered cell the byte-level reader cannot read")
                tag, body = _OPEN + chunk[:gt].rstrip() + b">", chunk[gt + 1:end]   # (blanks before ">" dropped)
                if b"<f" in body:
                    part.refuse("a formula in a cell an array formula covers")
            self.refs.append(chunk[:chunk.find(b'"')].decode())
            self.tags.append(tag)
            self.bodies.append(body)

    def cached(self, j: int, book: Book):
        """The cached value of covered cell j (None: none)."""
        try:
            return stored_value(self.tags[j], self.bodies[j], book)
        except NotByteReadable as e:
            self.part.refuse(str(e))

    def rewrite(self, data: bytes, new: dict[int, tuple[bytes, bytes]]) -> bytes:
        """``data`` (the part, its formula cells rewritten: the same cells in the same order) with covered
        cell j's start tag and value replaced by ``new[j]`` (a value b"": the cell left empty)."""
        chunks = data.split(_OPEN)
        for j, (tag, v) in new.items():
            k = self.positions[j]
            chunk = chunks[k]
            gt = chunk.find(b">")
            rest = chunk[gt + 1:] if chunk[gt - 1:gt] == b"/" else chunk[chunk.find(b"</c>", gt) + 4:]
            cell = tag[:-1] + b"/>" if not v else tag + v + b"</c>"
            chunks[k] = cell[len(_OPEN):] + rest
        return _OPEN.join(chunks)
