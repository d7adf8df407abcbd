"""The cells fixed array formulas cover, read and rewritten at the byte level."""

import pytest

from asm_xl.xlsx.book import Book, NotByteReadable, SheetBytes
from asm_xl.xlsx.covered import CoveredCells, array_ranges, start_tag

HEAD = b'<?xml version="1.0" encoding="UTF-8"?>\n<worksheet xmlns="x"><sheetData>'
TAIL = b"</sheetData></worksheet>"


def _part(cells: bytes) -> SheetBytes:
    return SheetBytes("S", "xl/worksheets/sheet1.xml", HEAD + b'<row r="1">' + cells + b"</row>" + TAIL)


ARRAY = (b'<c r="A1"><f t="array" ref="A1:B2">T(1)</f><v>1</v></c><c r="B1" s="3" t="n" />'
         b'<c r="C1"><v>9</v></c><c r="A2" t="str"><v>x</v></c><c r="B2"><v>4</v></c>')


def test_the_covered_cells_are_the_range_but_its_anchor_with_their_cached_values():
    part = _part(ARRAY)
    ranges = array_ranges(part)
    assert ranges == {"A1": (1, 1, 2, 2)}
    covered = CoveredCells(part, ranges)
    assert covered.refs == ["B1", "A2", "B2"]
    assert [covered.cached(j, Book(sheets=[])) for j in range(3)] == [None, "x", 4]


def test_rewriting_covered_cells_changes_only_them():
    part = _part(ARRAY)
    covered = CoveredCells(part, array_ranges(part))
    new = covered.rewrite(part.data, {0: (start_tag(covered.tags[0], b"str"), b"<v>hi</v>"), 2: (covered.tags[2], b"")})
    assert new == part.data.replace(b'<c r="B1" s="3" t="n" />', b'<c r="B1" s="3" t="str"><v>hi</v></c>').replace(
        b'<c r="B2"><v>4</v></c>', b'<c r="B2"/>')


def test_a_covered_cell_missing_or_holding_a_formula_is_left_to_the_tree_level_path():
    missing = _part(ARRAY.replace(b'<c r="B2"><v>4</v></c>', b""))
    with pytest.raises(NotByteReadable):
        CoveredCells(missing, array_ranges(missing))
    formula = _part(ARRAY.replace(b'<c r="B2"><v>4</v></c>', b'<c r="B2"><f>1</f><v>4</v></c>'))
    with pytest.raises(NotByteReadable):
        CoveredCells(formula, array_ranges(formula))


def test_a_dynamic_array_formula_is_not_read_at_the_byte_level():
    with pytest.raises(NotByteReadable):
        _part(ARRAY.replace(b'<c r="A1">', b'<c r="A1" cm="1">'))
