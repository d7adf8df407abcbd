"""One pre-filled, scored workbook per physician from a roster (``asm-xl generate``).

The template is read once into a :class:`TemplateImage`: its zip members, its sheet XML split
around every cell we fill (inputs) or cache (formula results), and its formulas compiled by
:mod:`asm_xl.calc.evaluator`. A workbook is then rendered by joining XML fragments with the
physician's inputs and the formula results, never through openpyxl's writer: roster text is always
written as an inline string (never a formula), formulas stay live for Excel and their cached values
are already correct for previews, LibreOffice and openpyxl ``data_only``.
"""

from __future__ import annotations

import io
import math
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from asm_xl.workbooks import layout as L
from asm_xl.xlsx.package import _TOKEN, _attrs, _escape_text, _rewrite_cell, check_workbook, encode_cached_value, sheet_parts
from asm_xl.calc.evaluator import Evaluator, XlErr
from asm_xl.calc.formulas_engine import scan_workbook

__all__ = ["TemplateImage", "write_atomic"]


@dataclass
class _Slot:
    kind: str          # "formula" | "input"
    coord: str
    match: re.Match


class TemplateImage:
    """A template read once, rendered many times."""

    def __init__(self, path: str | os.PathLike):
        path = os.fspath(path)
        check_workbook(path)
        scan = scan_workbook(path)
        self.path = path
        self.names = {name: ref for name, local, _hidden, ref in scan.defined_names if local is None and ref}
        self.formulas = {k: "=" + v[0] for k, v in scan.formulas.items()}
        self.constants = dict(scan.inputs)
        self.evaluator = Evaluator(self.formulas, self.names)
        self.input_cells = _input_cells(self.names)
        from asm_xl.calc.evaluator import parse_ref
        self.cost_ladder_cells = [(L.BENCHMARKS, c) for c in parse_ref(self.names["CostLadder"], "")[1][0]]
        with zipfile.ZipFile(path) as zf:
            self.infos = [(i.filename, i.compress_type) for i in zf.infolist()]
            self.members = {i.filename: zf.read(i.filename) for i in zf.infolist()}
            self.parts = dict(sheet_parts(zf))
        self.sheet_of_member = {member: sheet for sheet, member in self.parts.items()}
        self._cells: dict[str, tuple[str, str]] = {}
        self.members["xl/workbook.xml"] = re.sub(rb'\s+fullCalcOnLoad="(1|true)"', b"",
                                                 self.members["xl/workbook.xml"])
        self.fragments = {}
        for sheet, member in self.parts.items():
            wanted = {c for s, c in self.formulas if s == sheet} | {c for s, c in self.input_cells if s == sheet}
            self.fragments[sheet] = _split(self.members[member], wanted, {c for s, c in self.formulas if s == sheet})

    def cell_of(self, name: str) -> tuple[str, str]:
        """(sheet, cell) of a single-cell defined name, e.g. "Sc_Final"."""
        if name not in self._cells:
            from asm_xl.calc.evaluator import parse_ref
            sheet, grid = parse_ref(self.names[name], "")
            self._cells[name] = (sheet, grid[0][0])
        return self._cells[name]

    def values(self, inputs: dict[tuple[str, str], object]) -> dict[tuple[str, str], object]:
        """Formula results for these inputs (template constants underneath)."""
        return self.evaluator.run({**self.constants, **inputs})

    def render(self, inputs: dict[tuple[str, str], object]) -> tuple[bytes, dict]:
        """(xlsx bytes, formula results) of one workbook."""
        results = self.values(inputs)
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
            for name, ctype in self.infos:
                data = self.members[name]
                sheet = self.sheet_of_member.get(name)
                if sheet is not None:
                    data = _join(self.fragments[sheet], sheet, inputs, results)
                zi = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
                zi.compress_type = ctype
                zf.writestr(zi, data)
        return out.getvalue(), results


def _input_cells(names: dict[str, str]) -> set[tuple[str, str]]:
    from asm_xl.calc.evaluator import parse_ref
    cells = set()
    for name in list(L.SCALAR_INPUTS) + list(L.MEASURE_INPUTS) + ["CostLadder", "BenchmarkYear"]:
        if name in names:
            sheet, grid = parse_ref(names[name], "")
            cells.update((sheet, c) for row in grid for c in row)
    for name, ref in names.items():
        if name.startswith("S_"):
            sheet, grid = parse_ref(ref, "")
            cells.add((sheet, grid[0][0]))
    return cells


def _split(data: bytes, wanted: set[str], formula_cells: set[str]) -> list:
    """Sheet XML → [bytes, _Slot, bytes, _Slot, ...]."""
    out, last = [], 0
    for m in _TOKEN.finditer(data):
        if m.group("cell") is None:
            continue
        ref = _attrs(m.group("cattrs")).get(b"r")
        coord = ref.decode().replace("$", "") if ref else None
        if coord in wanted:
            out.append(data[last:m.start()])
            out.append(_Slot("formula" if coord in formula_cells else "input", coord, m))
            last = m.end()
    out.append(data[last:])
    return out


def _join(fragments: list, sheet: str, inputs: dict, results: dict) -> bytes:
    chunks = []
    for frag in fragments:
        if isinstance(frag, bytes):
            chunks.append(frag)
        elif frag.kind == "formula":
            value = results.get((sheet, frag.coord))
            t, text = encode_cached_value(str(value) if isinstance(value, XlErr) else value,
                                          f"{sheet}!{frag.coord}")
            chunks.append(_rewrite_cell(frag.match, t, text))
        else:
            key = (sheet, frag.coord)
            chunks.append(_input_cell(frag.match, inputs[key]) if key in inputs else frag.match.group(0))
    return b"".join(chunks)


_T_ATTR = re.compile(rb'\s+t="[^"]*"')


def _input_cell(m: re.Match, value: object) -> bytes:
    """An input cell holding ``value``: text always as an inline string, never a formula."""
    prefix = m.group("cp") or b""
    attrs = _T_ATTR.sub(b"", m.group("cattrs")).rstrip(b"/").rstrip()
    if value is None or (isinstance(value, str) and value == ""):
        return b"<" + prefix + b"c" + attrs + b"/>"
    if isinstance(value, bool):
        return b"<%sc%s t=\"b\"><%sv>%d</%sv></%sc>" % (prefix, attrs, prefix, int(value), prefix, prefix)
    if isinstance(value, (int, float)):
        if not math.isfinite(float(value)):
            raise ValueError(f"cannot write {value!r}")
        text = repr(float(value)) if isinstance(value, float) else str(value)
        return b"<%sc%s><%sv>%s</%sv></%sc>" % (prefix, attrs, prefix, text.encode(), prefix, prefix)
    text = _escape_text(str(value)).encode("utf-8")
    return (b"<%sc%s t=\"inlineStr\"><%sis><%st xml:space=\"preserve\">%s</%st></%sis></%sc>"
            % (prefix, attrs, prefix, prefix, text, prefix, prefix, prefix))


def write_atomic(path: Path, data: bytes) -> None:
    """Write via a temporary file in the same folder and rename: never a half-written file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise




def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
