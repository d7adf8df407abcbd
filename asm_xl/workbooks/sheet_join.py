"""A template sheet's XML with a workbook's values joined in: compiled once per template, joined per workbook.

:func:`compile_sheet` turns a sheet's fragments (:func:`asm_xl.xlsx.sheetxml.split_cells`: bytes between the
cells we write, and those cells) into a :class:`SheetJoin`: the list of the sheet's parts, in which each cell's
place is filled per workbook. A formula cell's cached value that is a finite float (most of them) is written
by one bytes formatting of the cell's template (``head + b"%a" + tail``: ``%a`` of a float is its ``repr``,
the text :func:`~asm_xl.xlsx.cells.encode_cached_value` gives); any other value by the cell's template of its
type. The bytes are those :func:`~asm_xl.xlsx.sheetxml.formula_cell` and :func:`~asm_xl.xlsx.sheetxml.input_cell`
write, cell by cell (tests/workbooks/test_sheet_join.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from asm_xl.xlsx.cells import encode_cached_value
from asm_xl.xlsx.sheetxml import formula_cell, formula_cell_template, input_cell, input_cell_template

__all__ = ["SheetJoin", "compile_sheet"]

#: the cached value types a formula cell's template is made for (None: a number)
_TYPES = (None, "b", "e", "str")
#: the most encoded values a join keeps (then it starts again)
ENCODED_SIZE = 4096
#: the most texts a formula cell keeps its bytes of (then it starts again)
TEXTS_SIZE = 64


@dataclass(frozen=True)
class SheetJoin:
    """A template sheet ready to join: ``parts`` (its bytes; each cell's place holds the formula cell without
    a value, or the input cell as the template has it), ``formulas`` ((place, key, float format, {t: (head, tail)}, the cell without a value, {text: the cell's
    bytes} of the texts written there before) of each formula cell), ``inputs`` ((place, key, :func:`input_cell_template`) of each input cell), and the keys of
    those cells in that order (``formula_keys``, ``input_keys``: what a sheet's memo keys its values by)."""

    parts: tuple
    formulas: tuple
    inputs: tuple
    formula_keys: tuple
    input_keys: tuple

    def join(self, inputs: dict, results: dict, encoded: dict) -> bytes:
        """The sheet's XML with each formula cell's cached value (``results``) and each input cell's value
        (``inputs``; absent: the template's own cell) joined in. ``encoded``: the (type, text) of
        :func:`encode_cached_value` of values met before, by (class, value); kept by the caller."""
        out = list(self.parts)
        get = results.get
        isfinite = math.isfinite
        for place, key, float_format, templates, bare, texts in self.formulas:
            value = get(key)
            cls = value.__class__
            if cls is float:
                if isfinite(value):   # the common case: one bytes formatting
                    out[place] = float_format % value
                    continue
            elif cls is str:   # a label or a status: this cell's bytes of the same text written before
                hit = texts.get(value)
                if hit is not None:
                    out[place] = hit
                    continue
            elif cls is int:   # (not bool): str(int), as encode_cached_value writes it, is %a of an int
                out[place] = float_format % value
                continue
            if isinstance(value, float) and isfinite(value):   # numpy's float64: a float, written as one
                out[place] = float_format % float(value)        # (not through ``encoded``, where -0.0 == 0.0)
                continue
            typed = (value.__class__, value)
            try:
                hit = encoded.get(typed)
            except TypeError:   # unhashable: encode_cached_value says what it cannot write
                hit = encode_cached_value(value, "!".join(key))
            if hit is None:
                hit = encode_cached_value(value, "!".join(key))   # (raises for a value it cannot write)
                if len(encoded) >= ENCODED_SIZE:
                    encoded.clear()
                encoded[typed] = hit
            t, text = hit
            if text is None:
                out[place] = bare
            else:
                head, tail = templates[t]
                out[place] = cell = head + text.encode("utf-8") + tail
                if cls is str:
                    if len(texts) >= TEXTS_SIZE:
                        texts.clear()
                    texts[value] = cell
        for place, key, template in self.inputs:
            if key in inputs:
                out[place] = input_cell(template, inputs[key])
        return b"".join(out)


def compile_sheet(fragments: list, sheet: str, same_keys: dict | None = None) -> SheetJoin:
    """The :class:`SheetJoin` of a sheet's :func:`~asm_xl.xlsx.sheetxml.split_cells` fragments. ``same_keys``:
    {key: the key object to hold} (those of the results joined: a lookup by the same object compares no tuples)."""
    parts, formulas, inputs = [], [], []
    same_keys = same_keys or {}
    for frag in fragments:
        if frag.__class__ is bytes:
            parts.append(frag)
            continue
        key = (sheet, frag.coord)
        key = same_keys.get(key, key)
        place = len(parts)
        if frag.kind == "formula":
            templates = {t: formula_cell_template(frag.match, t) for t in _TYPES}
            head, tail = templates[None]
            float_format = head.replace(b"%", b"%%") + b"%a" + tail.replace(b"%", b"%%")
            bare = formula_cell(frag.match, None, None)
            formulas.append((place, key, float_format, templates, bare, {}))
            parts.append(bare)
        else:
            inputs.append((place, key, input_cell_template(frag.match)))
            parts.append(frag.match.group(0))
    return SheetJoin(tuple(parts), tuple(formulas), tuple(inputs), tuple(f[1] for f in formulas),
                     tuple(i[1] for i in inputs))
