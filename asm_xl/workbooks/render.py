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

from asm_xl.model.benchmarks import normalize_collection_type
from asm_xl.model.parameters import get_cohort
from asm_xl.model.settings import DEFAULT_SETTINGS, Settings
from asm_xl.model.validation import as_bool, is_blank
from asm_xl.workbooks import layout as L
from asm_xl.xlsx.package import _TOKEN, _attrs, _escape_text, _rewrite_cell, check_workbook, encode_cached_value, sheet_parts
from asm_xl.calc.evaluator import Evaluator, XlErr
from asm_xl.calc.formulas_engine import scan_workbook

__all__ = ["TemplateImage", "workbook_inputs", "safe_filename", "write_atomic"]


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


# ------------------------------------------------------------------ roster row → workbook inputs
def _cell(name: str) -> tuple[str, str]:
    return (L.INPUTS, f"B{L.SCALAR_INPUTS[name][0]}")


def _num(v):
    if v is None:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, str):
        t = v.strip().replace(",", "")
        if t == "":
            return None
        return float(t)
    return float(v)


def _yes(v, default: bool, field: str) -> str:
    """A validated yes/no roster value as the template's Yes/No (the roster's own parsing rules)."""
    return "Yes" if (default if is_blank(v) else as_bool(field, v)) else "No"


def workbook_inputs(row: dict, *, cohort_code: str, scaling_factor: float | None = None,
                    settings: Settings = DEFAULT_SETTINGS, performance_year: int | None = None) -> dict:
    """The template's input cells for one roster row (a validated dict of column → text/number)."""
    get = lambda k: row.get(k)  # noqa: E731
    cohort = get_cohort(cohort_code)
    txt = lambda v: "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v).strip()  # noqa: E731
    year = _num(get("performance_year")) or performance_year
    ia = _num(get("ia_done"))
    if ia is not None:
        ia1, ia2 = ("Yes" if ia >= 1 else "No"), ("Yes" if ia >= 2 else "No")
    else:
        ia1, ia2 = _yes(get("ia1_done"), False, "ia1_done"), _yes(get("ia2_done"), False, "ia2_done")
    specialty = txt(get("specialty")) or cohort.specialties[0]
    out = {
        _cell("In_NPI"): txt(get("npi")), _cell("In_TIN"): txt(get("tin")), _cell("In_Name"): txt(get("name")),
        _cell("In_Specialty"): specialty, _cell("In_Cohort"): cohort.code,
        _cell("In_Year"): int(year) if year is not None else None,
        _cell("In_PracticeSize"): _num(get("practice_size")), _cell("In_Payments"): _num(get("part_b_payments")),
        _cell("In_OnTime"): _yes(get("submitted_on_time"), True, "submitted_on_time"),
        _cell("In_Episodes"): _num(get("cost_episodes")), _cell("In_EpisodeCost"): _num(get("episode_cost")),
        _cell("In_CostPoints"): _num(get("cost_points")), _cell("In_IA1"): ia1, _cell("In_IA2"): ia2,
        _cell("In_PI"): _num(get("pi_score")), _cell("In_Complex"): _num(get("complex_bonus")),
        _cell("In_CohortSF"): scaling_factor,
    }
    for i, m in enumerate(cohort.measures[: L.MAX_MEASURES]):
        r = L.MEASURE_FIRST_ROW + i
        ctype = txt(get(f"{m.key}_collection_type"))
        if ctype:
            ctype = normalize_collection_type(ctype)
        eligible, reported = _num(get(f"{m.key}_eligible")), _num(get(f"{m.key}_reported"))
        completeness = _num(get(f"{m.key}_completeness"))
        if reported is None and completeness is not None and eligible is not None:
            reported = completeness * eligible
        out.update({
            (L.INPUTS, f"A{r}"): m.label, (L.INPUTS, f"B{r}"): m.title,
            (L.INPUTS, f"C{r}"): ctype or m.collection_types[0],
            (L.INPUTS, f"D{r}"): eligible, (L.INPUTS, f"E{r}"): reported,
            (L.INPUTS, f"F{r}"): _num(get(f"{m.key}_rate")), (L.INPUTS, f"G{r}"): _num(get(f"{m.key}_points")),
        })
    if settings != DEFAULT_SETTINGS:
        for i, info in enumerate(settings.describe()):
            v = info.value
            out[(L.ASSUMPTIONS, f"B{2 + i}")] = ("TRUE" if v else "FALSE") if isinstance(v, bool) else v
    return out


# ------------------------------------------------------------------ files
_WIN_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}


def safe_filename(*parts: str, suffix: str = ".xlsx", max_len: int = 120) -> str:
    """A file name safe on Windows, macOS and Linux from free text (NPI, name)."""
    text = "_".join(p for p in parts if p)
    text = re.sub(r'[<>:"/\\|?*\x00-\x1f\x7f]', "", text)
    text = re.sub(r"\s+", "_", text).strip(" ._") or "workbook"
    text = text[: max_len - len(suffix)].rstrip(" .")
    if text.split(".")[0].upper() in _WIN_RESERVED:
        text = ("_" + text)[: max_len - len(suffix)].rstrip(" .")  # the prefix must not exceed max_len
    return text + suffix


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
