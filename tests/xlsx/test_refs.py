"""The one cell-reference parser."""
from __future__ import annotations

import pytest

from asm_xl.xlsx.refs import cell_name, cell_position, is_plain_cell, normalise, range_bounds, range_cells, split_sheet


@pytest.mark.parametrize("ref, expected", [("A1", (1, 1)), ("$AB$12", (28, 12)), ("xfd1048576", (16384, 1048576)),
                                           (" C3 ", (3, 3))])
def test_cell_position(ref, expected):
    assert cell_position(ref) == expected


@pytest.mark.parametrize("bad", ["", "A", "1", "A0", "AAAA1", "A1:B2", "=A1", "Sheet!A1"])
def test_anything_but_one_cell_is_a_value_error(bad):
    with pytest.raises(ValueError):
        cell_position(bad)


def test_names_and_normal_form():
    assert cell_name(28, 12) == "AB12"
    assert normalise("$ab$12") == "AB12"
    assert is_plain_cell("AB12") and not is_plain_cell("$AB12") and not is_plain_cell("ab12")


def test_ranges_in_either_order():
    assert range_bounds("B3:A1") == (1, 1, 2, 3)
    assert range_bounds("C7") == (3, 7, 3, 7)


def test_range_cells_row_by_row_with_the_sheet():
    assert range_cells("'My sheet'!$A$1:$B$2") == ("My sheet", (("A1", "B1"), ("A2", "B2")))
    assert range_cells("C3", "Inputs") == ("Inputs", (("C3",),))


def test_split_sheet_unquotes_doubled_quotes():
    assert split_sheet("'O''Brien'!A1", "x") == ("O'Brien", "A1")
    assert split_sheet("A1", "x") == ("x", "A1")
