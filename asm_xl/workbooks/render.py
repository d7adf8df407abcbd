"""One pre-filled, scored workbook per physician from a roster (``asm-xl generate``).

The template is read once into a :class:`TemplateImage`: its cells through the Excel-file layer's
tree-level view (:func:`asm_xl.xlsx.scan.scan_workbook`), its formulas compiled by
:mod:`asm_xl.calc.evaluator`, its sheet XML split around every cell we fill (inputs) or cache
(formula results) (:func:`asm_xl.xlsx.sheetxml.split_cells`), and every member that never changes
compressed once (:func:`asm_xl.xlsx.zipcopy.pack`). A workbook is then rendered by joining XML
fragments with the physician's inputs and the formula results, deflating only the sheets, and
assembling the package from the precompressed records -- never through openpyxl's writer: roster
text is always written as an inline string (never a formula), formulas stay live for Excel and
their cached values are already correct for previews, LibreOffice and openpyxl ``data_only``.
"""

from __future__ import annotations

import os
from itertools import repeat

from asm_xl.workbooks import layout as L
from asm_xl.xlsx.atomic import write_atomic
from asm_xl.xlsx.errors import WorkbookError
from asm_xl.xlsx.limits import WORKBOOK_PART, open_workbook
from asm_xl.xlsx.parts import sheet_parts, without_full_calc_on_load
from asm_xl.xlsx.refs import plain_reference, range_bounds
from asm_xl.xlsx.scan import scan_workbook
from asm_xl.xlsx.sheetxml import split_cells
from asm_xl.xlsx.zipcopy import assemble, pack
from asm_xl.calc.evaluator import Evaluator, UnsupportedFormula, parse_ref
from asm_xl.model.benchmarks import LadderOverrides
from asm_xl.workbooks.inputs import assumption_refs
from asm_xl.workbooks.sheet_join import compile_sheet

__all__ = ["TemplateImage", "write_atomic"]

#: the time stamp of every member of a generated workbook (same roster, same bytes)
MEMBER_TIME = (2026, 1, 1, 0, 0, 0)
#: deflate level of the sheets, compressed for every workbook (by ISA-L where installed, see
#: asm_xl.xlsx.zipcopy.CODEC: ~3.5x faster than zlib's level 1, which is ~1.8x faster than zlib's default)
_LEVEL = 1
#: deflate level of the members that never change, compressed once per template: zlib's default
_STATIC_LEVEL = -1


class TemplateImage:
    """A template read once, rendered many times. Read-only after it is built, except its
    evaluator's ``ASM_*`` memo, which is safe to share between threads."""

    def __init__(self, path: str | os.PathLike):
        path = os.fspath(path)
        scan = scan_workbook(path)
        self.path = path
        self.names = {name: ref for name, local, _hidden, ref in scan.defined_names if local is None and ref}
        missing = [n for n in (*L.SCALAR_INPUTS, *L.MEASURE_INPUTS, "CostLadder") if n not in self.names]
        if missing:   # any other workbook: its cells are unknown, nothing can be filled in
            raise WorkbookError(f"{path} is not an asm-xl template: it has no defined name {', '.join(missing[:3])}"
                                f"{f' (and {len(missing) - 3} more)' if len(missing) > 3 else ''}; use the packaged "
                                "template (no --template) or one written by asm-xl template")
        #: settings whose Assumptions row is not where this version writes a workbook's settings (a template of
        #: another version): writing settings into it would put each value in another setting's row
        self.settings_misplaced = [n[2:] for n, ref in assumption_refs().items()
                                   if plain_reference(self.names.get(n)) != plain_reference(ref)]
        self.formulas = {k: "=" + v[0] for k, v in scan.formulas.items()}
        self.constants = dict(scan.inputs)
        self.input_cells = _input_cells(self.names)
        # an input cell holding a formula kept it over the roster's value (a template's "=1000*1000" priced
        # every physician's payments at $1,000,000, and "=1" made every NPI 1), silently
        overridden = sorted(k for k in self.input_cells if k in self.formulas)
        if overridden:
            sheet, cell = overridden[0]
            raise WorkbookError(f"{path}: input cell {sheet}!{cell} holds a formula ({self.formulas[overridden[0]]})"
                                f"{f' (and {len(overridden) - 1} more)' if len(overridden) > 1 else ''}: an input "
                                "cell of a template must hold a value or be blank, as the roster's value is written "
                                "there; use the packaged template (no --template) or one written by asm-xl template")
        # fixed array formulas (the template's tables): each covered cell gets its cached value as a formula cell
        try:
            self.evaluator = Evaluator(self.formulas, self.names, _fixed_arrays(scan))
        except UnsupportedFormula as e:
            raise WorkbookError(f"{path}: a formula asm-xl cannot compute when it generates workbooks: {e} (a "
                                "template may use the functions asm-xl computes: the ASM_* functions and Excel's "
                                "common ones; use the packaged template or one written by asm-xl template)") from None
        self.cost_ladder_cells = [(L.BENCHMARKS, c) for c in parse_ref(self.names["CostLadder"], "")[1][0]]
        #: the rows of cells of the user's quality ladders (none in a template of an earlier version)
        self.quality_ladder_cells = ([[(L.BENCHMARKS, c) for c in row] for row in parse_ref(self.names[L.QUALITY_LADDERS], "")[1]]
                                     if L.QUALITY_LADDERS in self.names else [])
        with open_workbook(path) as zf:
            infos = [(i.filename, i.compress_type) for i in zf.infolist()]
            self.members = {name: zf.read(name) for name, _ in infos}
            self.parts = dict(sheet_parts(zf))
        self.sheet_of_member = {member: sheet for sheet, member in self.parts.items()}
        self._cells: dict[str, tuple[str, str]] = {}
        #: (class, value) -> (t, text) of the non-float results written before: the Actions sheet's labels and
        #: the measure rows' statuses repeat from one workbook to the next (encoded once, not ~150 times each)
        self._encoded: dict = {}
        self.members[WORKBOOK_PART] = without_full_calc_on_load(self.members[WORKBOOK_PART])
        self.joins = {}
        # the joins look their cells up by the very key objects the evaluator's results hold (a lookup
        # then compares no tuples)
        same_keys = {k: k for k in self.evaluator.result_keys}
        for sheet, member in self.parts.items():
            formula_cells = {c for s, c in self.formulas if s == sheet} | {c for s, c in self.evaluator.covered
                                                                            if s == sheet}
            wanted = formula_cells | {c for s, c in self.input_cells if s == sheet}
            self.joins[sheet] = compile_sheet(split_cells(self.members[member], wanted, formula_cells), sheet,
                                              same_keys)
        #: per sheet: its packed records by the values of the cells its XML is joined from (``joins[sheet]``'s keys,
        #: :meth:`_packed_sheet`); a sheet that never repeats stops being looked up
        self._packed: dict[str, dict] = {sheet: {} for sheet in self.joins}
        self._misses = dict.fromkeys(self.joins, 0)
        #: per member in package order: its precompressed record, or the sheet rendered anew
        self.layout = [(name, ctype, None if name in self.sheet_of_member else
                        pack(name, self.members[name], compress_type=ctype, compresslevel=_STATIC_LEVEL,
                             date_time=MEMBER_TIME))
                       for name, ctype in infos]

    def ladder_inputs(self, ladders: LadderOverrides | None) -> dict[tuple[str, str], object]:
        """The cells of the Benchmarks sheet's :data:`~asm_xl.workbooks.layout.QUALITY_LADDERS` that hold the user's
        quality ladders (:func:`~asm_xl.model.user_ladders.quality_ladders`), a row each in
        :data:`~asm_xl.model.user_ladders.QUALITY_LADDER_COLUMNS`' order;
        more ladders than the table has rows, or a template without the table, is a :class:`WorkbookError`."""
        if not ladders:
            return {}
        if len(ladders) > len(self.quality_ladder_cells):
            raise WorkbookError(f"{self.path}: its Benchmarks sheet holds {len(self.quality_ladder_cells)} quality "
                                f"ladder(s) (QualityLadders), and this run gives {len(ladders)}: use the packaged "
                                "template (no --template) or one written by asm-xl template")
        cells = {}
        for row, ((mid, ctype), lad) in zip(self.quality_ladder_cells, ladders.items()):
            values = [f"Q{mid}", ctype, "Yes" if lad.topped_out else "No", lad.note or None, *lad.starts]
            cells.update({cell: v for cell, v in zip(row, values) if v is not None})
        return cells

    def cell_of(self, name: str) -> tuple[str, str]:
        """(sheet, cell) of a single-cell defined name, e.g. "Sc_Final"."""
        if name not in self._cells:
            sheet, grid = parse_ref(self.names[name], "")
            self._cells[name] = (sheet, grid[0][0])
        return self._cells[name]

    def values(self, inputs: dict[tuple[str, str], object]) -> dict[tuple[str, str], object]:
        """Formula results for these inputs (template constants underneath)."""
        self.check_settings(inputs)
        return self.evaluator.run({**self.constants, **inputs})

    def check_settings(self, inputs: dict[tuple[str, str], object]) -> None:
        """A :class:`WorkbookError` when ``inputs`` write settings (other than the defaults) into a template whose
        Assumptions rows are another version's: the roster pool's scaling factor went into the wrong rows (#NUM!)."""
        if self.settings_misplaced and any(sheet == L.ASSUMPTIONS for sheet, _ in inputs):
            raise WorkbookError(f"{self.path}: its Assumptions sheet does not list the settings as this version of "
                                f"asm-xl does (e.g. {self.settings_misplaced[0]}), and this run changes settings: "
                                "write a template with asm-xl template, or use the packaged one (no --template)")

    def render(self, inputs: dict[tuple[str, str], object]) -> tuple[bytes, dict]:
        """(xlsx bytes, formula results) of one workbook."""
        results = self.values(inputs)
        return self.package(inputs, results), results

    def render_many(self, many: list[dict[tuple[str, str], object]]) -> list[tuple[bytes, dict]]:
        """:meth:`render` of each inputs, the formulas evaluated together
        (:meth:`~asm_xl.calc.evaluator.Evaluator.run_many`: the actions of all of them in one batch)."""
        for inputs in many:
            self.check_settings(inputs)
        results = self.evaluator.run_many([{**self.constants, **inputs} for inputs in many])
        return [(self.package(inputs, r), r) for inputs, r in zip(many, results)]

    def package(self, inputs: dict[tuple[str, str], object], results: dict) -> bytes:
        """The xlsx bytes of a workbook with these inputs and formula results."""
        members = []
        for name, ctype, packed in self.layout:
            if packed is None:
                packed = self._packed_sheet(self.sheet_of_member[name], name, ctype, inputs, results)
            members.append(packed)
        return assemble(members)

    def _packed_sheet(self, sheet: str, name: str, ctype: int, inputs: dict, results: dict) -> bytes:
        """A sheet's packed record. A sheet whose cells hold the same values as in a workbook before
        (the Benchmarks sheet's ladders and the Assumptions of one batch; the cost ladder of a cohort)
        is the same bytes: packed once, not joined and deflated again for every workbook. The values
        are compared exactly (type, and a zero's sign, as the XML writes them). A sheet with no repeat
        in its first workbooks (its inputs are the physician's) is not looked up again."""
        memo = self._packed.get(sheet)
        key = None
        if memo is not None:
            try:
                join = self.joins[sheet]
                key = _values_key(join.formula_keys, join.input_keys, inputs, results)
                hit = memo.get(key)
            except (TypeError, ValueError):   # a value that cannot be hashed or compared: joined as usual
                hit = key = None
            if hit is not None:
                self._misses[sheet] = -1   # it repeats: keep looking
                return hit
            if self._misses[sheet] >= 0:
                self._misses[sheet] += 1
                if self._misses[sheet] > _MEMO_TRIES:
                    self._packed.pop(sheet, None)   # never repeated: stop looking
                    key = None
        packed = pack(name, self.joins[sheet].join(inputs, results, self._encoded),
                      compress_type=ctype, compresslevel=_LEVEL, date_time=MEMBER_TIME)
        if key is not None:
            if len(memo) >= _MEMO_SIZE:
                memo.clear()
            memo[key] = packed
        return packed


#: how many workbooks a sheet may differ in before :meth:`TemplateImage._packed_sheet` stops looking it up,
#: and how many packed records of one sheet it keeps
_MEMO_TRIES, _MEMO_SIZE = 8, 64
_ABSENT = object()


def _values_key(formula_cells: tuple, input_cells: tuple, inputs: dict, results: dict) -> tuple:
    """The values a sheet's XML is joined from, as a key that tells apart what it writes apart
    (1, 1.0 and TRUE by their classes, 0.0 and -0.0 by their text, an absent input from a blank one),
    built by passes in C."""
    values = tuple(map(results.get, formula_cells))
    given = tuple(map(inputs.get, input_cells, repeat(_ABSENT, len(input_cells))))
    key = (values, tuple(map(type, values)), given, tuple(map(type, given)))
    if 0.0 in values or 0.0 in given:   # equal to 0.0: its sign (and a 0 or FALSE's, harmlessly) by its text
        key += (tuple([repr(v) for v in values + given if v.__class__ is float and not v]),)
    return key


def _fixed_arrays(scan) -> dict:
    """{anchor: bounds of its range} of the template's array formulas (fixed ones: a dynamic array's
    range moves with its result, which a template's layout cannot)."""
    arrays = {key: range_bounds(dict(attrs)["ref"]) for key, (_text, attrs) in scan.formulas.items()
              if dict(attrs).get("t") == "array"}
    if arrays.keys() & scan.dynamic:
        raise ValueError(f"a template with a dynamic array formula: {sorted(arrays.keys() & scan.dynamic)[0]}")
    return arrays


def _input_cells(names: dict[str, str]) -> set[tuple[str, str]]:
    cells = set()
    for name in list(L.SCALAR_INPUTS) + list(L.MEASURE_INPUTS) + ["CostLadder", L.QUALITY_LADDERS]:
        if name in names:
            sheet, grid = parse_ref(names[name], "")
            cells.update((sheet, c) for row in grid for c in row)
    for name, ref in names.items():
        if name.startswith("S_"):
            sheet, grid = parse_ref(ref, "")
            cells.add((sheet, grid[0][0]))
    return cells
