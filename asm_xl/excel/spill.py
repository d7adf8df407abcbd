"""Element-wise functions over ranges: a one-cell argument given a range maps the function over its
cells and the result is a range of the same shape (an Excel 365 dynamic array that spills).

``=ASM_FACTOR(B2:B500, 2027, "HF")`` gives a 499x1 column: cell i is ``=ASM_FACTOR(Bi, 2027, "HF")``.
Which arguments are mapped is declared per argument (:attr:`~asm_xl.excel.registry.Arg.elementwise`:
every argument not declared ``range=True``); a range meant as a range (the cohort's final scores, the
assumptions) is passed whole to every cell's call.

Shapes pair up as Excel's do [ASSUMPTION: Excel's broadcasting, except for padding]: one range with
single values (each value used for every cell); two ranges of the same shape, cell by cell; a row and
a column give a table (rows of the column x columns of the row); any other pair (a 10-row column with a
5-row one) is ``#VALUE!`` for the whole result, naming both shapes (Excel would pad with ``#N/A``).
A 1x1 range is one value. A flat list (one dimension, as xlwings passes a range without ``ndim=2``) is
read as a column.

Each cell is computed on its own: an error there is that cell's error value, the other cells keep
their values. The reason returned is the first cell's reason, naming the cell (row, column).
"""

from __future__ import annotations

from typing import Callable

__all__ = ["is_many", "one_value", "grid", "map_cells"]


def is_many(v: list | tuple) -> bool:
    """Whether a range holds more than one cell (a 1x1 range is one value)."""
    if len(v) != 1:
        return len(v) > 1
    first = v[0]
    return (first.__class__ is list or first.__class__ is tuple) and len(first) > 1


def one_value(v: list | tuple) -> object:
    """The value of a range of at most one cell (``[[x]]``, ``[x]``; an empty range is blank)."""
    while (v.__class__ is list or v.__class__ is tuple) and len(v) == 1:
        v = v[0]
    return None if v.__class__ is list or v.__class__ is tuple else v


def grid(v: list | tuple) -> list[list]:
    """A range as rows of cells: list of lists as is, a flat list as a column."""
    if all(r.__class__ is list or r.__class__ is tuple for r in v):
        return [list(r) for r in v]
    if any(r.__class__ is list or r.__class__ is tuple for r in v):
        raise ValueError("a range mixing single values and rows")
    return [[x] for x in v]


def _shape_reason(fn, shapes: dict) -> str:
    shown = ", ".join(f"{fn.args[i].name} is {r}x{c}" for i, (r, c) in shapes.items())
    return (f"{fn.name}: ranges given for one-cell arguments must have the same shape, or be one row and "
            f"one column ({shown})")


def map_cells(fn, values: tuple, one: Callable[[object, tuple], tuple[object, str]]) -> tuple[object, str]:
    """(rows of results, first reason) of ``fn`` mapped over the ranges among its element-wise
    arguments; ``one(fn, values)`` computes one cell as (value or error value, reason)."""
    grids: dict[int, list[list]] = {}
    for i in fn.mapped:
        v = values[i]
        if (v.__class__ is list or v.__class__ is tuple) and is_many(v):
            try:
                g = grid(v)
            except ValueError as e:
                return "#VALUE!", f"{fn.args[i].name}: {e}"
            if not g or not g[0] or any(len(r) != len(g[0]) for r in g):
                return "#VALUE!", f"{fn.args[i].name}: an empty or ragged range"
            grids[i] = g
    if not grids:  # nothing to map over: one call
        return one(fn, values)
    shapes = {i: (len(g), len(g[0])) for i, g in grids.items()}
    rows = max(r for r, _c in shapes.values())
    cols = max(c for _r, c in shapes.values())
    if any(r not in (1, rows) or c not in (1, cols) for r, c in shapes.values()):
        return "#VALUE!", _shape_reason(fn, shapes)
    args = list(values)
    out, first = [], ""
    for r in range(rows):
        row = []
        for c in range(cols):
            for i, g in grids.items():
                gr = g[r] if len(g) > 1 else g[0]
                args[i] = gr[c] if len(gr) > 1 else gr[0]
            value, reason = one(fn, tuple(args))
            if reason and not first:
                first = f"row {r + 1}, column {c + 1}: {reason}"
            row.append(value)
        out.append(row)
    return out, first
