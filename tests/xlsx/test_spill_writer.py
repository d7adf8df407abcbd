"""Cells written, created and cleared in a worksheet (asm_xl.xlsx.spill_writer): what an array
formula's recalculation changes, byte for byte elsewhere."""
from __future__ import annotations

import re

import pytest
from defusedxml import ElementTree as SafeET
from hypothesis import given, settings
from hypothesis import strategies as st

from asm_xl.xlsx.cells import encode_cached_value
from asm_xl.xlsx.refs import cell_name, cell_position
from asm_xl.xlsx.spill_writer import CellPlacementError, rewrite_cells

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def sheet(rows: str, *, dimension: str | None = "B2:C3", prefix: str = "") -> bytes:
    p = prefix + ":" if prefix else ""
    xmlns = f'xmlns:{prefix}="{NS}"' if prefix else f'xmlns="{NS}"'
    dim = f'<{p}dimension ref="{dimension}"/>' if dimension else ""
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<{p}worksheet {xmlns}>{dim}<{p}sheetData>{rows}'
            f'</{p}sheetData><{p}pageMargins left="0.7"/></{p}worksheet>').encode()


def cells_of(data: bytes) -> dict[str, tuple]:
    """reference → (t, <v> text, <f> attributes) of every cell, read back with a real XML parser;
    also checks rows ascend and cells ascend within each row (Excel refuses anything else)."""
    root = SafeET.fromstring(data)
    out, last_row = {}, 0
    for row in root.iter(f"{{{NS}}}row"):
        number = int(row.get("r"))
        assert number > last_row, "rows out of order"
        last_row, last_col = number, 0
        for c in row.iter(f"{{{NS}}}c"):
            col, r = cell_position(c.get("r"))
            assert r == number and col > last_col, f"cell {c.get('r')} out of order"
            last_col = col
            v, f = c.find(f"{{{NS}}}v"), c.find(f"{{{NS}}}f")
            out[c.get("r")] = (c.get("t"), None if v is None else (v.text or ""),
                               None if f is None else dict(f.attrib), c.get("s"))
    return out


def enc(values: dict) -> dict:
    return {k: encode_cached_value(v) for k, v in values.items()}


ANCHOR_ROWS = ('<row r="2" spans="2:3"><c r="B2"><v>70</v></c><c r="C2" cm="1"><f t="array" ref="C2">'
               '_xludf.ASM_PROJECTION(B2)</f><v>0</v></c></row>'
               '<row r="3" spans="2:3"><c r="B3"><v>1</v></c></row>')


def test_a_spill_that_grows_creates_its_cells_in_column_order_and_new_rows_in_row_order():
    data = sheet(ANCHOR_ROWS)
    new = rewrite_cells(data, enc({"C2": "Year", "D2": "Pay", "C3": 2027, "D3": 0.5, "C4": 2028, "D4": True}),
                        refs={"C2": "C2:D4"})
    cells = cells_of(new)
    assert cells["C2"][:3] == ("str", "Year", {"t": "array", "ref": "C2:D4"})
    assert cells["D2"][:2] == ("str", "Pay") and cells["C3"][:2] == (None, "2027")
    assert cells["D3"][:2] == (None, "0.5") and cells["C4"][:2] == (None, "2028") and cells["D4"][:2] == ("b", "1")
    assert cells["B2"][:2] == (None, "70") and cells["B3"][:2] == (None, "1")  # untouched
    assert b"spans" not in new  # rows given cells lose the optional hint (a stale one would be wrong)
    assert b'<dimension ref="B2:D4"/>' in new
    assert b' cm="1"' in new  # the anchor's dynamic-array metadata kept


def test_cells_are_inserted_before_the_first_greater_column_and_between_existing_rows():
    data = sheet('<row r="2"><c r="B2"><v>1</v></c><c r="E2"><v>2</v></c></row>'
                 '<row r="6"><c r="B6"><v>3</v></c></row>')
    new = rewrite_cells(data, enc({"C2": 10.0, "D2": 11.0, "F2": 12.0, "C4": 13.0, "A6": 14.0, "C9": 15.0}))
    cells = cells_of(new)
    assert [k for k in cells] == ["B2", "C2", "D2", "E2", "F2", "C4", "A6", "B6", "C9"]
    assert {k: v[1] for k, v in cells.items()} == {"B2": "1", "C2": "10.0", "D2": "11.0", "E2": "2", "F2": "12.0",
                                                  "C4": "13.0", "A6": "14.0", "B6": "3", "C9": "15.0"}
    assert b'<dimension ref="A2:F9"/>' in new


def test_a_self_closing_row_and_an_empty_sheet_data_receive_cells():
    new = rewrite_cells(sheet('<row r="3" spans="1:1" ht="20" customHeight="1"/>'), enc({"B3": 1.0}))
    assert b'<row r="3" ht="20" customHeight="1"><c r="B3"><v>1.0</v></c></row>' in new
    empty = (f'<worksheet xmlns="{NS}"><sheetData/></worksheet>').encode()
    new = rewrite_cells(empty, enc({"A2": "x", "A1": 2.0}))
    assert cells_of(new) == {"A1": (None, "2.0", None, None), "A2": ("str", "x", None, None)}


def test_a_cleared_cell_keeps_its_style_and_loses_its_value_and_type():
    data = sheet('<row r="2"><c r="B2" s="4" t="str"><v>old</v></c><c r="C2" s="5"><v>7</v></c></row>')
    new = rewrite_cells(data, {}, clear={"B2", "C2", "Z9"})  # a cell the sheet lacks: nothing to clear
    assert b'<c r="B2" s="4"/>' in new and b'<c r="C2" s="5"/>' in new
    assert new.replace(b'<c r="B2" s="4"/><c r="C2" s="5"/>', b"") == \
        data.replace(b'<c r="B2" s="4" t="str"><v>old</v></c><c r="C2" s="5"><v>7</v></c>', b"")


def test_an_existing_covered_cell_keeps_its_style_and_gets_the_value():
    data = sheet('<row r="2"><c r="C2" s="3"><f t="array" ref="C2:C3">X()</f><v>0</v></c></row>'
                 '<row r="3"><c r="C3" s="9" t="inlineStr"><is><t>typed</t></is></c></row>')
    new = rewrite_cells(data, enc({"C2": "#N/A", "C3": 1.5}), refs={"C2": "C2:C3"})
    assert cells_of(new) == {"C2": ("e", "#N/A", {"t": "array", "ref": "C2:C3"}, "3"),
                             "C3": (None, "1.5", None, "9")}


def test_a_sheet_with_prefixed_elements_gets_cells_with_the_same_prefix():
    data = sheet('<x:row r="2"><x:c r="B2"><x:v>1</x:v></x:c></x:row>', prefix="x")
    new = rewrite_cells(data, enc({"C2": 2.0, "B3": 3.0}))
    assert b'<x:c r="C2"><x:v>2.0</x:v></x:c></x:row><x:row r="3"><x:c r="B3"><x:v>3.0</x:v></x:c></x:row>' in new
    assert cells_of(new)["B3"][1] == "3.0"


def test_cells_cannot_be_added_where_rows_or_cells_have_no_reference():
    data = sheet('<row><c><v>1</v></c></row>')
    with pytest.raises(CellPlacementError, match="no reference"):
        rewrite_cells(data, enc({"C5": 1.0}), where="book.xlsx:sheet1.xml")
    assert rewrite_cells(data, enc({"A1": 2.0})).count(b"<v>2.0</v>") == 1  # an existing cell: written in place


def test_a_comment_holding_a_row_end_does_not_end_the_row():
    data = sheet('<row r="2"><c r="B2"><v>1</v></c><!-- </row> --></row>')
    new = rewrite_cells(data, enc({"C2": 2.0}))
    assert cells_of(new)["C2"][1] == "2.0"
    assert b'<!-- </row> --><c r="C2"><v>2.0</v></c></row>' in new


def test_nothing_outside_the_changed_cells_moves():
    data = sheet(ANCHOR_ROWS)
    new = rewrite_cells(data, enc({"B3": 5.0}))  # an existing cell, no row gains a cell
    assert new == data.replace(b'<c r="B3"><v>1</v></c>', b'<c r="B3"><v>5.0</v></c>')


@settings(max_examples=60, deadline=None)
@given(existing=st.sets(st.tuples(st.integers(1, 6), st.integers(1, 6)), max_size=12),
       written=st.dictionaries(st.tuples(st.integers(1, 7), st.integers(1, 7)), st.floats(-1e6, 1e6), max_size=15))
def test_any_cells_written_come_back_in_order_with_their_values(existing, written):
    rows = {}
    for r, c in sorted(existing):
        rows.setdefault(r, []).append(f'<c r="{cell_name(c, r)}" s="1"><v>{r * 100 + c}</v></c>')
    data = sheet("".join(f'<row r="{r}">{"".join(cs)}</row>' for r, cs in rows.items()), dimension="A1")
    values = {cell_name(c, r): v for (r, c), v in written.items()}
    cells = cells_of(rewrite_cells(data, enc(values)))  # ordering checked while reading
    for (r, c) in existing | set(written):
        ref = cell_name(c, r)
        expected = repr(values[ref]) if ref in values else str(r * 100 + c)
        assert cells[ref][1] == expected
    assert set(cells) == {cell_name(c, r) for r, c in existing | set(written)}
    assert all(re.fullmatch(r"[A-G][1-7]", k) for k in cells)
