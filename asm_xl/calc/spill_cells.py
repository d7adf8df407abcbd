"""The cells a formula's table fills below and right of it (Excel 365's spill), for :class:`~asm_xl.calc.evaluator.Evaluator`
when it evaluates what is typed in cells (a file's plain formula is one cell: ``Evaluator.run(inputs, tables)``)."""

from __future__ import annotations

from asm_xl.calc import excel_semantics as xl
from asm_xl.calc.excel_semantics import XlErr
from asm_xl.xlsx.refs import cell_name, cell_position

__all__ = ["spill_into"]

_MAX_COLUMN, _MAX_ROW = 16_384, 1_048_576  # XFD1048576


def spill_into(values: dict, spills: dict, inputs: dict) -> None:
    """Fill the cells below and right of each formula cell whose function returned a table (Excel
    365's spill): the anchor keeps the top-left value, each other cell of the table gets its value
    (error texts as error values, blanks as ""). A table that would cover a formula cell, a non-blank
    input or another table is ``#SPILL!`` in its anchor and fills nothing, as in Excel.

    [ASSUMPTION] A formula that reads a spilled cell reads the cell's input value, not the spilled
    one: the formulas are compiled before any table's size is known (Excel recalculates such chains
    in a second pass). The template's own sheets read tables through INDEX instead.
    """
    taken = set(values)
    for anchor, table in spills.items():
        sheet, cell = anchor
        col, row = cell_position(cell)
        if col + max(map(len, table)) - 1 > _MAX_COLUMN or row + len(table) - 1 > _MAX_ROW:
            values[anchor] = XlErr("#SPILL!")  # beyond the sheet's edge
            continue
        cells = {}
        for i, r in enumerate(table):
            for j, v in enumerate(r):
                if i or j:
                    cells[(sheet, cell_name(col + j, row + i))] = xl.final(xl.from_asm(v)) if v is not None else ""
        if any(k in taken or inputs.get(k) not in (None, "") for k in cells):
            values[anchor] = XlErr("#SPILL!")
            continue
        taken.update(cells)
        values.update(cells)
