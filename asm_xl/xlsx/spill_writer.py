"""Cells written, created and cleared in a worksheet: what an array formula's recalculation changes.

Excel 365 stores a dynamic-array formula in its anchor cell only (``<c r="C2" cm="1"><f t="array"
ref="C2:C6">...</f><v>...</v></c>``); the other cells of the spill hold plain ``<v>`` values. When
the result changes size, Excel moves ``ref``, writes the cells newly covered and empties those no
longer covered. :func:`rewrite_cells` does that to a worksheet part, byte for byte outside the
cells, rows and tags that change (the tokens of :data:`asm_xl.xlsx.sheetxml.TOKEN`: nothing is
parsed into a tree, no entity is expanded):

* a cell given a value keeps its attributes (style) except ``t``/``vm``, and gets the value;
  one the file does not have is created in its row (the row too, where missing), in column order;
* an array formula's anchor given a new range gets it as its ``<f>``'s ``ref``;
* a cleared cell loses its value and keeps its attributes (its formatting);
* ``<dimension>`` grows to cover the cells created; a row given new cells loses its ``spans``
  hint (optional in the format; a stale one would be wrong).

:func:`write_sheet_edits` applies that to sheets of a package and replaces the file atomically.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from asm_xl.xlsx.atomic import FileStamp
from asm_xl.xlsx.cells import encode_cached_value
from asm_xl.xlsx.errors import WorkbookError
from asm_xl.xlsx.limits import DEFAULT_MAX_BYTES, DEFAULT_MAX_MEMBERS, WORKBOOK_PART, open_workbook
from asm_xl.xlsx.parts import sheet_parts, without_full_calc_on_load
from asm_xl.xlsx.refs import cell_name, cell_position, normalise, range_bounds
from asm_xl.xlsx.sheetxml import TOKEN, attributes, formula_cell
from asm_xl.xlsx.writer import replace_members
from asm_xl.xlsx.zipcopy import read_member

__all__ = ["SheetEdits", "CellPlacementError", "rewrite_cells", "write_sheet_edits"]


class CellPlacementError(WorkbookError):
    """A worksheet where a new cell cannot be placed exactly (rows or cells without a reference)."""


@dataclass
class SheetEdits:
    """What changes in one sheet: ``values`` cell → value (number, text, bool, Excel error text;
    written, the cell created when the file has none), ``refs`` array-formula anchor → its new
    range, ``clear`` cells whose value is removed."""

    values: dict[str, Any] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)
    clear: set[str] = field(default_factory=set)


#: a worksheet walked: :data:`TOKEN`'s tokens, plus the end of a row, of sheetData and the dimension
_WALK = re.compile(
    TOKEN.pattern
    + rb"|(?P<rowend></(?:[\w.-]+:)?row\s*>)"
    + rb"|(?P<dataend></(?P<dp>[\w.-]+:)?sheetData\s*>)"
    + rb"|(?P<dataempty><(?P<ep>[\w.-]+:)?sheetData(?:\s[^>]*)?/>)"
    + rb"|(?P<dim><(?:[\w.-]+:)?dimension\s[^>]*>)",
    re.S)
_F_START = re.compile(rb"<(?:[\w.-]+:)?f(?=[\s/>])(?:[^>\"']|\"[^\"]*\"|'[^']*')*?/?>")
_REF_ATTR = re.compile(rb"""(\sref\s*=\s*)("[^"]*"|'[^']*')""")
_SPANS_ATTR = re.compile(rb"""\s+spans\s*=\s*("[^"]*"|'[^']*')""")
_DIM_REF = re.compile(rb"""(\sref\s*=\s*)("[^"]*"|'[^']*')""")


@dataclass
class _Row:
    number: int
    start: int            # where its start tag begins
    tag_end: int          # where its start tag ends
    tag: bytes            # the start tag
    prefix: bytes
    end: int | None = None  # where ``</row>`` begins (None: a self-closing row)
    cells: list = field(default_factory=list)  # (column, match) in document order


def _with_ref(cell: bytes, ref: str) -> bytes:
    """A cell's bytes with its ``<f>``'s ``ref`` attribute set to *ref*."""
    m = _F_START.search(cell)
    if m is None:
        return cell
    tag = m.group()
    new_attr = b'"' + ref.encode("ascii") + b'"'
    if _REF_ATTR.search(tag):
        tag = _REF_ATTR.sub(lambda a: a.group(1) + new_attr, tag, count=1)
    else:
        close = 2 if tag.endswith(b"/>") else 1
        tag = tag[:-close].rstrip() + b" ref=" + new_attr + tag[-close:]
    return cell[:m.start()] + tag + cell[m.end():]


def _new_cell(prefix: bytes, coord: str, t: str | None, text: str | None) -> bytes:
    t_attr = b"" if t is None else b' t="' + t.encode() + b'"'
    if text is None:
        return b'<%sc r="%s"%s/>' % (prefix, coord.encode(), t_attr)
    return b'<%sc r="%s"%s><%sv>%s</%sv></%sc>' % (prefix, coord.encode(), t_attr, prefix,
                                                   text.encode("utf-8"), prefix, prefix)


def _walk(data: bytes):
    """(rows, cells by reference → (match, row), where sheetData ends, the sheetData token, dimension)."""
    rows: list[_Row] = []
    cells: dict[str, tuple] = {}
    positional = False
    row: _Row | None = None
    col = 0
    data_end = data_token = dim = None
    for m in _WALK.finditer(data):
        kind = m.lastgroup
        if m.group("row") is not None:
            tag = m.group("row")
            r = attributes(tag).get(b"r")
            positional |= r is None
            number = int(r) if r else (row.number + 1 if row else 1)
            row = _Row(number, m.start(), m.end(), tag, re.match(rb"<([\w.-]+:)?", tag).group(1) or b"",
                       None if tag.endswith(b"/>") else -1)
            rows.append(row)
            col = 0
        elif m.group("cell") is not None:
            ref = attributes(m.group("cattrs")).get(b"r")
            if ref:
                col, row_of_cell = cell_position(ref.decode())
            else:
                positional = True
                col, row_of_cell = col + 1, (row.number if row else 1)
            cells[cell_name(col, row_of_cell)] = (m, row)
            if row is not None:
                row.cells.append((col, m))
        elif kind == "rowend" and row is not None and row.end == -1:
            row.end = m.start()
        elif kind in ("dataend", "dataempty"):
            data_end, data_token = m.start(), m
        elif kind == "dim":
            dim = m
    return rows, cells, data_end, data_token, dim, positional


def rewrite_cells(data: bytes, values: Mapping[str, tuple], *, refs: Mapping[str, str] | None = None,
                  clear=(), where: str = "worksheet") -> bytes:
    """The worksheet part *data* with the cells of *values* (normalised reference → ``(t, text)`` of
    :func:`~asm_xl.xlsx.cells.encode_cached_value`) holding those values (created where absent),
    the array formulas of *refs* (anchor → range) spanning those ranges, and the cells of *clear*
    emptied (attributes kept). Raises :class:`CellPlacementError` when a cell must be created in a
    sheet whose rows or cells are placed by position (no ``r``)."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise WorkbookError(f"unsupported UTF-16 worksheet part: {where}")
    refs = refs or {}
    rows, cells, data_end, data_token, dim, positional = _walk(data)
    edits: list[tuple[int, int, int, bytes]] = []  # (start, order, end, bytes)
    for coord in set(values) | set(refs) | set(clear):
        hit = cells.get(coord)
        if hit is None:
            continue
        m = hit[0]
        if coord in values:
            new = formula_cell(m, *values[coord])
        elif coord in clear:
            new = formula_cell(m, None, None)
        else:
            new = m.group()
        if coord in refs:
            new = _with_ref(new, refs[coord])
        edits.append((m.start(), 1, m.end(), new))
    missing = sorted((cell_position(c)[::-1], c) for c in values if c not in cells)
    if missing:
        if positional:
            raise CellPlacementError(f"{where}: cells cannot be added to a sheet whose rows or cells have no "
                                     "reference (r attribute)")
        if data_end is None:
            raise CellPlacementError(f"{where}: no sheetData element to add cells to")
        edits += _insertions(rows, missing, values, data_end, data_token)
        if dim is not None:
            edits.append(_grown_dimension(dim, [c for _pos, c in missing]))
    edits.sort(key=lambda e: (e[0], e[1]))
    out, last = [], 0
    for start, _order, end, new in edits:
        out += (data[last:start], new)
        last = end
    out.append(data[last:])
    return b"".join(out)


def _insertions(rows: list[_Row], missing: list, values: Mapping[str, tuple], data_end: int,
                data_token: re.Match) -> list[tuple]:
    """The edits that create the *missing* cells (((row, column), reference), sorted by row then
    column): in their rows, before the first cell of a greater column; rows created where missing.
    Insertions at one position are made in that order (the caller's sort is stable)."""
    by_number = {r.number: r for r in rows}
    cell_prefix = next((m.group("cp") or b"" for r in rows for _c, m in r.cells), None)
    row_prefix = rows[0].prefix if rows else (data_token.group("ep") or data_token.group("dp") or b"")
    cell_prefix = row_prefix if cell_prefix is None else cell_prefix
    into_rows: dict[int, list[tuple[int, bytes]]] = {}
    for (number, col), coord in missing:
        into_rows.setdefault(number, []).append((col, _new_cell(cell_prefix, coord, *values[coord])))
    edits = []
    new_rows = []
    for number, new_cells in into_rows.items():
        row = by_number.get(number)
        if row is None:
            new_rows.append((number, b"".join(cell for _col, cell in new_cells)))
            continue
        tag = _SPANS_ATTR.sub(b"", row.tag)
        if row.end == -1:
            raise CellPlacementError(f"row {number} has no end tag")
        if row.end is None:  # <row r="7"/>: opened, filled and closed
            opened = tag[:-2].rstrip() + b">"
            element = opened + b"".join(cell for _col, cell in new_cells) + b"</" + row.prefix + b"row>"
            edits.append((row.start, 1, row.tag_end, element))
            continue
        if tag != row.tag:
            edits.append((row.start, 1, row.tag_end, tag))
        for col, cell in new_cells:
            at = next((m.start() for c, m in row.cells if c > col), row.end)
            edits.append((at, 0, at, cell))
    if new_rows and data_token.group("dataempty") is not None:  # <sheetData/>: opened, filled, closed
        prefix = data_token.group("ep") or b""
        elements = b"".join(b'<%srow r="%d">%s</%srow>' % (row_prefix, n, c, row_prefix) for n, c in sorted(new_rows))
        edits.append((data_token.start(), 1, data_token.end(),
                      data_token.group()[:-2].rstrip() + b">" + elements + b"</" + prefix + b"sheetData>"))
        return edits
    for number, cells in sorted(new_rows):
        element = b'<%srow r="%d">%s</%srow>' % (row_prefix, number, cells, row_prefix)
        at = next((r.start for r in rows if r.number > number), data_end)
        edits.append((at, 0, at, element))
    return edits


def _grown_dimension(dim: re.Match, coords: list[str]) -> tuple:
    tag = dim.group()
    ref = _DIM_REF.search(tag)
    if ref is None:
        return (dim.start(), 1, dim.end(), tag)
    try:
        c1, r1, c2, r2 = range_bounds(ref.group(2)[1:-1].decode("ascii"))
    except (ValueError, UnicodeDecodeError):
        return (dim.start(), 1, dim.end(), tag)
    for coord in coords:
        c, r = cell_position(coord)
        c1, r1, c2, r2 = min(c1, c), min(r1, r), max(c2, c), max(r2, r)
    new = cell_name(c1, r1) if (c1, r1) == (c2, r2) else f"{cell_name(c1, r1)}:{cell_name(c2, r2)}"
    tag = tag[:ref.start()] + ref.group(1) + b'"' + new.encode() + b'"' + tag[ref.end():]
    return (dim.start(), 1, dim.end(), tag)


def write_sheet_edits(path, edits: Mapping[str, SheetEdits], *, max_bytes: int = DEFAULT_MAX_BYTES,
                      max_members: int = DEFAULT_MAX_MEMBERS, expect: FileStamp | None = None,
                      all_computed: bool = False) -> int:
    """Apply *edits* (sheet name, matched case-insensitively → :class:`SheetEdits`) to the workbook
    at *path*, replacing it atomically (*expect*: its :func:`~asm_xl.xlsx.atomic.file_stamp` when
    read). Returns the number of cells given a value. *all_computed*: the edits give every formula
    cell its value, so the workbook no longer asks to be computed on opening
    (:func:`~asm_xl.xlsx.parts.without_full_calc_on_load`)."""
    path = os.fspath(path)
    wanted = {sheet.casefold(): e for sheet, e in edits.items()}
    with open_workbook(path, max_bytes=max_bytes, max_members=max_members) as zin:
        new_data, total = {}, 0
        if all_computed:
            workbook_xml = read_member(zin, WORKBOOK_PART)
            computed = without_full_calc_on_load(workbook_xml)
            if computed != workbook_xml:
                new_data[WORKBOOK_PART] = computed
        for name, member in sheet_parts(zin):
            e = wanted.get(name.casefold()) if name is not None else None
            if e is None or not (e.values or e.refs or e.clear):
                continue
            where = f"{path}:{member}"
            encoded = {normalise(c): encode_cached_value(v, f"{name}!{c}") for c, v in e.values.items()}
            new_data[member] = rewrite_cells(zin.read(member), encoded, where=where,
                                             refs={normalise(c): r for c, r in e.refs.items()},
                                             clear={normalise(c) for c in e.clear})
            total += len(encoded)
        if new_data:
            replace_members(zin, new_data, path, expect=expect)
    return total
