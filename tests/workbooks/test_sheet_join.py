"""A compiled sheet joins each value in as the cell writers write it, byte for byte."""

import math

import pytest
from hypothesis import given, strategies as st

from asm_xl.workbooks.sheet_join import compile_sheet
from asm_xl.xlsx.cells import encode_cached_value
from asm_xl.xlsx.sheetxml import formula_cell, input_cell, split_cells

# a percent sign in a formula (100%) and in text, a formula cell with a stale string value, an input cell
SHEET = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
         b'<row r="1"><c r="A1" s="3"><f>B1*100%</f><v>7</v></c><c r="B1"><v>0.5</v></c>'
         b'<c r="C1" t="str"><f>"10% of "&amp;B1</f><v>old</v></c><c r="D1" t="s"><v>0</v></c></row>'
         b'</sheetData></worksheet>')
FORMULAS = {"A1", "C1"}


def _expected(values: dict, inputs: dict) -> bytes:
    """The sheet as formula_cell / input_cell write each cell, joined by hand."""
    out = []
    for frag in split_cells(SHEET, FORMULAS | {"B1"}, FORMULAS):
        if frag.__class__ is bytes:
            out.append(frag)
        elif frag.kind == "formula":
            out.append(formula_cell(frag.match, *encode_cached_value(values.get(("S", frag.coord)))))
        else:
            key = ("S", frag.coord)
            out.append(input_cell(frag.match, inputs[key]) if key in inputs else frag.match.group(0))
    return b"".join(out)


JOIN = compile_sheet(split_cells(SHEET, FORMULAS | {"B1"}, FORMULAS), "S")


@pytest.mark.parametrize("value", [0.1, -0.0, 1e308, 5e-324, 42, True, False, "#N/A", "a < b & 10%", "", None])
def test_each_kind_of_cached_value_is_written_as_the_cell_writer_writes_it(value):
    values = {("S", "A1"): value, ("S", "C1"): value}
    assert JOIN.join({}, values, {}) == _expected(values, {})


@given(st.floats(allow_nan=False, allow_infinity=False), st.one_of(st.floats(allow_nan=False, allow_infinity=False),
                                                                     st.text(max_size=20), st.booleans(), st.none()))
def test_any_finite_float_and_input_is_joined_byte_for_byte(number, typed):
    values, inputs = {("S", "A1"): number, ("S", "C1"): number}, {("S", "B1"): typed}
    assert JOIN.join(inputs, values, {}) == _expected(values, inputs)


def test_a_percent_sign_in_the_template_is_kept_and_values_met_before_are_encoded_once():
    encoded = {}
    data = JOIN.join({}, {("S", "A1"): 2.5, ("S", "C1"): "x"}, encoded)
    assert b"<f>B1*100%</f><v>2.5</v>" in data and b'<f>"10% of "&amp;B1</f>' in data
    assert encoded == {(str, "x"): ("str", "x")}
    assert b"<v>0.5</v>" in data   # the input cell not given: the template's own


def test_a_value_no_cell_can_hold_is_refused_naming_the_cell():
    with pytest.raises(ValueError, match="S!A1"):
        JOIN.join({}, {("S", "A1"): math.inf}, {})
    with pytest.raises(TypeError, match="S!A1"):
        JOIN.join({}, {("S", "A1"): [1, 2]}, {})


def test_numpys_floats_are_written_as_floats_and_a_negative_zero_keeps_its_sign():
    np = pytest.importorskip("numpy")
    encoded = {}
    for v in (np.float64(0.0), np.float64(-0.0), np.float64(0.1)):   # -0.0 after 0.0 was written 0.0
        values = {("S", "A1"): v, ("S", "C1"): v}
        assert JOIN.join({}, values, encoded) == _expected({k: float(x) for k, x in values.items()}, {})
