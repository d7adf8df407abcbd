"""Tests for asm_xl.calc.formulas_engine (recalculation with `formulas`)."""
from __future__ import annotations

import csv
import math
import os
import shutil
import subprocess
import zipfile

import numpy as np
import openpyxl
import pytest
import schedula as sh
from openpyxl.chart import LineChart, Reference
from openpyxl.styles import Font, PatternFill
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from asm_xl.xlsx.writer import write_cached_values
from asm_xl.xlsx.errors import WorkbookError
from asm_xl.calc.formulas_engine import CompiledWorkbook, Difference, ModelCache, from_excel_shaped, recalc_file, recalculate, register_functions, to_excel_shaped
from macro_package import make_xlsm


# ---------------------------------------------------------------- fixtures
def _double(x):
    return 2 * float(x)  # float("x") raises -> #VALUE!


def _sum_numbers(rows):
    total = 0.0
    for row in rows:
        for v in row:
            if isinstance(v, float):
                total += v
    return total


def _kind(x):
    if x is None:
        return "None"
    if isinstance(x, list):
        return f"list[{len(x)}x{len(x[0])}]"
    if isinstance(x, str) and x.startswith("#"):
        return f"error:{x}"
    return type(x).__name__


register_functions({
    "ASM_TEST_DOUBLE": _double,
    "ASM_TEST_NA": lambda: "#N/A",
    "ASM_TEST_SUM": _sum_numbers,
    "ASM_TEST_KIND": _kind,
})

B_VALUES = (10, 20.5, 30, 40, 50)


def make_book(path, b_values=B_VALUES, c2=None, formula_a3=None):
    """Three sheets, a defined name, a style, a data validation, a chart."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Inputs"
    for i, (label, value) in enumerate(zip("abcde", b_values), start=1):
        ws.cell(i, 1, label)
        ws.cell(i, 2, value).number_format = "0.00"
    ws["C1"] = 0.1
    if c2 is not None:
        ws["C2"] = c2
    ws["C3"] = True
    ws["A1"].font = Font(bold=True)
    ws["A1"].fill = PatternFill("solid", fgColor="FFCC00")
    dv = DataValidation(type="decimal", operator="between", formula1="0",
                        formula2="1000")
    ws.add_data_validation(dv)
    dv.add("B1:B5")
    wb.defined_names["Rate"] = DefinedName("Rate", attr_text="Inputs!$C$1")
    wb.defined_names["Total"] = DefinedName("Total", attr_text="Calc!$A$1")

    calc = wb.create_sheet("Calc")
    formulas = [
        "=SUM(Inputs!B1:B5)",
        '=IF(A1>100,"high","low")',
        formula_a3 or '=VLOOKUP("c",Inputs!A1:B5,2,FALSE)',
        "=ROUND(Inputs!B2/3,2)",
        "=A1*Rate",
        "=Inputs!B1>5",
        "=1/0",
        "=ASM_TEST_DOUBLE(Inputs!B3)",
        "=ASM_TEST_NA()",
        "=ISNA(A9)",
        "=ASM_TEST_SUM(Inputs!B1:C5)",
        "=ASM_TEST_KIND(Inputs!C2)",
        "=ASM_TEST_KIND(A7)",
        "=ASM_TEST_KIND(Inputs!B1:B2)",
        "=Inputs!C2",
        '=IFERROR(A9,"fallback")',
        '=ASM_TEST_DOUBLE("x")',
    ]
    for i, f in enumerate(formulas, start=1):
        calc.cell(i, 1, f)
    chart = LineChart()
    chart.add_data(Reference(ws, min_col=2, min_row=1, max_row=5))
    calc.add_chart(chart, "D2")

    summary = wb.create_sheet("Summary 2025")
    summary["A1"] = "=Calc!A1+Inputs!B5"
    summary["A2"] = "=Total*2"
    summary["B1"] = "note"
    wb.save(path)


def expected(b=B_VALUES, c2=None):
    total = float(sum(b))
    rng = [[b[0], 0.1], [b[1], c2], [b[2], True], [b[3], None], [b[4], None]]
    return {
        ("Calc", "A1"): total,
        ("Calc", "A2"): "high" if total > 100 else "low",
        ("Calc", "A3"): b[2],
        ("Calc", "A4"): round(b[1] / 3, 2),
        ("Calc", "A5"): total * 0.1,
        ("Calc", "A6"): b[0] > 5,
        ("Calc", "A7"): "#DIV/0!",
        ("Calc", "A8"): 2.0 * b[2],
        ("Calc", "A9"): "#N/A",
        ("Calc", "A10"): True,
        ("Calc", "A11"): _sum_numbers(
            [[float(v) if isinstance(v, int) and not isinstance(v, bool)
              else v for v in row] for row in rng]),
        ("Calc", "A12"): "None" if c2 is None else type(float(c2)).__name__,
        ("Calc", "A13"): "error:#DIV/0!",
        ("Calc", "A14"): "list[2x1]",
        ("Calc", "A15"): 0 if c2 is None else c2,
        ("Calc", "A16"): "fallback",
        ("Calc", "A17"): "#VALUE!",
        ("Summary 2025", "A1"): total + b[4],
        ("Summary 2025", "A2"): total * 2,
    }


@pytest.fixture
def book(tmp_path):
    path = tmp_path / "book.xlsx"
    make_book(path)
    return path


def zip_member(path, name) -> bytes:
    with zipfile.ZipFile(path) as zf:
        return zf.read(name)


# ---------------------------------------------------------------- adapters
def test_to_excel_shaped():
    from formulas.functions import Array
    from formulas.ranges import Ranges
    from formulas.tokens.operand import Error
    na = Error.errors["#N/A"]
    rng = Ranges().push("A1:B2", np.array([[1, 2.5], [sh.EMPTY, na]], object))
    assert to_excel_shaped(rng) == [[1.0, 2.5], [None, "#N/A"]]
    one = Ranges().push("C3", np.array([[True]], object))
    assert to_excel_shaped(one) is True
    assert to_excel_shaped(np.asarray(na, object).view(Array)) == "#N/A"
    assert to_excel_shaped(na) == "#N/A" and type(to_excel_shaped(na)) is str
    assert to_excel_shaped(sh.EMPTY) is None
    assert to_excel_shaped(np.float64(3)) == 3.0
    assert to_excel_shaped("text") == "text"


def test_from_excel_shaped():
    from formulas.tokens.operand import XlError
    err = from_excel_shaped("#N/A")
    assert isinstance(err, XlError) and str(err) == "#N/A"
    assert isinstance(from_excel_shaped("#DIV/0!"), XlError)
    assert from_excel_shaped("#n/a") == "#n/a"  # not an error literal
    assert from_excel_shaped(None) == ""
    assert from_excel_shaped(float("nan")) == ""
    assert str(from_excel_shaped(float("inf"))) == "#NUM!"
    assert from_excel_shaped(2) == 2.0 and from_excel_shaped(True) is True
    arr = from_excel_shaped([[1, "#N/A"], [None, "x"]])
    assert arr.shape == (2, 2) and isinstance(arr[0, 1], XlError)
    assert from_excel_shaped([1, 2]).shape == (1, 2)
    assert isinstance(from_excel_shaped(object()), XlError)


# ---------------------------------------------------------------- recalc
def test_recalculate_formula_cells_only(book):
    values = recalculate(book)
    assert values == expected()
    assert ("Inputs", "B1") not in values and ("Summary 2025", "B1") not in values
    assert isinstance(values[("Calc", "A9")], str)
    assert type(values[("Calc", "A6")]) is bool


def test_recalc_file_writes_cached_values(book):
    styles = zip_member(book, "xl/styles.xml")
    chart = zip_member(book, "xl/charts/chart1.xml")
    workbook_xml = zip_member(book, "xl/workbook.xml")
    n = recalc_file(book)
    assert n == len(expected())
    data = openpyxl.load_workbook(book, data_only=True)
    for (sheet, cell), value in expected().items():
        got = data[sheet][cell].value
        assert got == value and type(got) in (type(value), int, float), \
            (sheet, cell, got, value)
    assert data["Calc"]["A9"].value == "#N/A"
    with zipfile.ZipFile(book) as zf:
        xml = zf.read("xl/worksheets/sheet2.xml").decode()
    assert '<c r="A9" t="e"><f>ASM_TEST_NA()</f><v>#N/A</v></c>' in xml
    assert '<c r="A1"><f>SUM(Inputs!B1:B5)</f><v>150.5</v></c>' in xml
    # formulas, chart, styles, defined names, validation all survive
    wb = openpyxl.load_workbook(book)
    assert wb["Calc"]["A8"].value == "=ASM_TEST_DOUBLE(Inputs!B3)"
    assert wb["Summary 2025"]["A2"].value == "=Total*2"
    assert {"Rate", "Total"} <= set(wb.defined_names)
    assert len(wb["Inputs"].data_validations.dataValidation) == 1
    assert wb["Inputs"]["A1"].font.bold
    assert zip_member(book, "xl/styles.xml") == styles
    assert zip_member(book, "xl/charts/chart1.xml") == chart
    assert zip_member(book, "xl/workbook.xml") == workbook_xml


def test_check_mode(book):
    missing = recalc_file(book, check=True)
    assert {(d.sheet, d.cell) for d in missing} == set(expected())
    assert all(d.cached is None for d in missing)
    recalc_file(book)
    assert recalc_file(book, check=True) == []
    write_cached_values(book, {("Calc", "A1"): 999.0,
                               ("Calc", "A4"): 6.83 * (1 + 1e-12)})
    original = book.read_bytes()
    diffs = recalc_file(book, check=True)
    assert diffs == [Difference("Calc", "A1", 999.0, 150.5)]
    assert book.read_bytes() == original  # check mode never writes


def test_recalc_file_rewrites_only_what_changed_and_leaves_a_right_file_as_it_is(book):
    # the values were compared as written text: a cached 150.5 stored as "1.505E2", or 2 as 2.0, counted as
    # a change and every recalc rewrote the file
    recalc_file(book)
    right = book.read_bytes()
    assert recalc_file(book) == len(expected()) and book.read_bytes() == right
    write_cached_values(book, {("Calc", "A1"): 999.0})
    assert recalc_file(book) == len(expected()) and book.read_bytes() == right


def test_bad_files_untouched(tmp_path):
    text = tmp_path / "fake.xlsx"
    text.write_text("not a workbook")
    ole = tmp_path / "secret.xlsx"
    ole.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 256 +
                    "EncryptionInfo".encode("utf-16-le") + b"\0" * 256)
    big = tmp_path / "big.xlsx"
    make_book(big)
    with zipfile.ZipFile(big, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/media/padding.bin", b"\0" * 3_000_000)
    cases = [(text, "not an Excel workbook", {}),
             (ole, "password-protected workbook", {}),
             (big, "workbook too large", {"max_bytes": 2_000_000})]
    for path, message, limits in cases:
        original = path.read_bytes()
        for call in (lambda: recalculate(path, **limits),
                     lambda: recalc_file(path, **limits),
                     lambda: recalc_file(path, check=True, **limits)):
            with pytest.raises(WorkbookError, match=message):
                call()
        assert path.read_bytes() == original
    assert not [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]


def test_xlsm_roundtrip(tmp_path):
    src = tmp_path / "plain.xlsx"
    make_book(src)
    path = tmp_path / "macro.xlsm"
    vba = os.urandom(4096)
    make_xlsm(src, path, vba)
    assert recalc_file(path) == len(expected())
    assert zip_member(path, "xl/vbaProject.bin") == vba
    wb = openpyxl.load_workbook(path, keep_vba=True, data_only=True)
    assert wb["Calc"]["A5"].value == expected()[("Calc", "A5")]
    assert recalc_file(path, check=True) == []


# ---------------------------------------------------------------- reuse
def test_model_reuse_matches_full_compile(tmp_path):
    template = tmp_path / "template.xlsx"
    make_book(template)
    variants = {
        "v1": dict(b_values=(1, 2.25, 3, 4, 5)),
        "v2": dict(b_values=(100, 200, 300, 400, 500), c2=7.5),  # blank filled
    }
    cache = ModelCache()
    assert recalculate(template, cache=cache) == expected()
    for name, kw in variants.items():
        path = tmp_path / f"{name}.xlsx"
        make_book(path, **kw)
        reused = recalculate(path, cache=cache)
        assert reused == recalculate(path)  # full compile of the variant
        assert reused == expected(kw["b_values"], kw.get("c2"))
    assert (cache.hits, cache.misses) == (2, 1)

    changed = tmp_path / "changed.xlsx"
    make_book(changed, formula_a3='=VLOOKUP("d",Inputs!A1:B5,2,FALSE)')
    values = recalculate(changed, cache=cache)
    assert values[("Calc", "A3")] == 40
    assert (cache.hits, cache.misses) == (2, 2)


def test_compiled_workbook_fallback(tmp_path):
    template = tmp_path / "template.xlsx"
    make_book(template)
    compiled = CompiledWorkbook(template)
    same = tmp_path / "same.xlsx"
    make_book(same, b_values=(5, 6, 7, 8, 9))
    assert compiled.calculate(same) == expected((5, 6, 7, 8, 9))
    assert compiled.last_reused
    other = tmp_path / "other.xlsx"
    make_book(other, formula_a3="=Inputs!B4*10")
    assert compiled.calculate(other)[("Calc", "A3")] == 400
    assert not compiled.last_reused
    assert compiled.calculate() == expected()
    # the template file itself edited after compiling: fresh inputs are used
    make_book(template, b_values=(1, 1, 1, 1, 1))
    assert compiled.calculate(template) == expected((1, 1, 1, 1, 1))
    assert compiled.last_reused


def test_recalc_file_with_cache(tmp_path):
    cache = ModelCache()
    paths = []
    for k in range(3):
        path = tmp_path / f"w{k}.xlsx"
        make_book(path, b_values=(k, k + 1, k + 2, k + 3, k + 4))
        paths.append(path)
    for path in paths:
        recalc_file(path, cache=cache)
    assert (cache.hits, cache.misses) == (2, 1)
    for k, path in enumerate(paths):
        ws = openpyxl.load_workbook(path, data_only=True)["Calc"]
        assert ws["A1"].value == float(sum(range(k, k + 5)))
        assert recalc_file(path, check=True) == []


# ---------------------------------------------------------------- LibreOffice
_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
<prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>{mode}</value></prop>
</item></oor:items>
"""


def soffice_csv(xlsx, tmp_path, *, recalc: bool) -> dict[str, list[list[str]]]:
    """Convert every sheet of *xlsx* to CSV with LibreOffice.

    recalc=True makes LibreOffice recompute all formulas on load (an
    independent check); recalc=False shows the cached values.
    """
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    tag = "recalc" if recalc else "cached"
    profile = tmp_path / f"lo-profile-{tag}"
    (profile / "user").mkdir(parents=True)
    (profile / "user" / "registrymodifications.xcu").write_text(
        _XCU.format(mode=0 if recalc else 1))
    home = tmp_path / "lo-home"
    home.mkdir(exist_ok=True)
    out = tmp_path / f"csv-{tag}"
    out.mkdir()
    env = dict(os.environ, HOME=str(home))
    cmd = [exe, f"-env:UserInstallation={profile.as_uri()}", "--headless",
           "--convert-to",
           "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,"
           "false,false,-1",
           "--outdir", str(out), str(xlsx)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True,
                          timeout=240)
    sheets = {}
    for name in os.listdir(out):
        prefix = xlsx.stem + "-"
        if name.startswith(prefix) and name.endswith(".csv"):
            with open(out / name, newline="", encoding="utf-8") as fh:
                sheets[name[len(prefix):-4]] = list(csv.reader(fh))
    assert sheets, f"LibreOffice produced no CSV: {proc.stdout}{proc.stderr}"
    return sheets


def _csv_cell(sheets, sheet, cell):
    col, row = openpyxl.utils.cell.coordinate_from_string(cell)
    col = openpyxl.utils.cell.column_index_from_string(col)
    rows = sheets[sheet]
    return rows[row - 1][col - 1]


def _matches(text: str, value) -> bool:
    if isinstance(value, bool):
        return text == ("TRUE" if value else "FALSE")
    if isinstance(value, (int, float)):
        return math.isclose(float(text), value, rel_tol=1e-9, abs_tol=1e-12)
    return text == value


STANDARD_CELLS = [("Calc", f"A{i}") for i in (1, 2, 3, 4, 5, 6, 7, 15)] + [
    ("Summary 2025", "A1"), ("Summary 2025", "A2")]


def test_libreoffice_recalculation_agrees(book, tmp_path):
    recalc_file(book)
    ours = expected()
    sheets = soffice_csv(book, tmp_path, recalc=True)
    for sheet, cell in STANDARD_CELLS:
        text = _csv_cell(sheets, sheet, cell)
        assert _matches(text, ours[(sheet, cell)]), (sheet, cell, text)


def test_libreoffice_reads_cached_values(book, tmp_path):
    recalc_file(book)
    ours = expected()
    sheets = soffice_csv(book, tmp_path, recalc=False)
    # custom functions are unknown to LibreOffice: seeing their numbers
    # proves the cached values are read from the file
    for sheet, cell in STANDARD_CELLS + [("Calc", "A8"), ("Calc", "A11")]:
        text = _csv_cell(sheets, sheet, cell)
        assert _matches(text, ours[(sheet, cell)]), (sheet, cell, text)


def _with_stored_errors(src, dst, cells: dict[str, str]) -> None:
    """A copy of ``src`` whose first sheet stores error values in ``cells`` (coordinate -> error), as
    LibreOffice saves the cells of an array formula it cannot compute (``#NAME?`` for ``ASM_*``)."""
    import re
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                for coord, err in cells.items():
                    text, n = re.subn(rf'<c r="{coord}"[^>]*>.*?</c>', f'<c r="{coord}" t="e"><v>{err}</v></c>', text)
                    assert n == 1, coord
                data = text.encode()
            zout.writestr(info, data)


@pytest.mark.parametrize("engine", ["formulas", "auto"])
def test_an_error_stored_in_an_array_formulas_cells_is_recomputed(tmp_path, engine):
    # B1:B3 = {A1:A3*2}; C1 reads a covered cell, C2 sums the array. Stored errors in B2 and B3 (what
    # LibreOffice saves there) once stayed in the file and fed C1 and C2 (#DIV/0! and #DIV/0!), with
    # exit 0. VLOOKUP is outside the fast engine's functions: "auto" takes the formulas engine too.
    from openpyxl.worksheet.formula import ArrayFormula
    from asm_xl.calc.recalc import recalc_file as recalc_any
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    for i in (1, 2, 3):
        ws[f"A{i}"] = i
    ws["B1"] = ArrayFormula("B1:B3", "=A1:A3*2")
    ws["B2"], ws["B3"] = 0, 0   # placeholders for the stored errors
    ws["C1"] = "=B2+1"
    ws["C2"] = "=SUM(B1:B3)"
    ws["C3"] = "=VLOOKUP(2,A1:B3,2,FALSE)"
    wb.save(tmp_path / "plain.xlsx")
    book = tmp_path / "stored_errors.xlsx"
    _with_stored_errors(tmp_path / "plain.xlsx", book, {"B2": "#DIV/0!", "B3": "#NAME?"})
    recalc_any(book, engine=engine)
    got = openpyxl.load_workbook(book, data_only=True)["S"]
    assert [got[c].value for c in ("B1", "B2", "B3", "C1", "C2", "C3")] == [2, 4, 6, 5, 12, 4]


@pytest.mark.parametrize("engine", ["auto", "formulas"])
def test_a_text_result_longer_than_a_cell_holds_is_value_error_not_a_crash(tmp_path, engine):
    from asm_xl.calc.recalc import recalc_file as recalc_any
    path = tmp_path / "long.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"], wb.active["B1"] = "x" * 20_000, "=A1&A1"
    wb.save(path)
    assert recalc_any(path, engine=engine) == 1
    assert openpyxl.load_workbook(path, data_only=True).active["B1"].value == "#VALUE!"


@pytest.mark.parametrize("engine", ["formulas", "auto"])
def test_an_omitted_argument_is_not_given_to_asm_functions_and_0_to_built_in_ones_in_both_engines(tmp_path, engine):
    # =ASM_FINAL(0.6, , 2, 0.9): cost left out is "not scored" (quality takes its weight: 60 - 0 - 1 = 59), as our
    # evaluator, Excel through xlwings and registry.call read it. The formulas engine gave the function the number 0
    # (cost 0: 29), and practice size 0 in the second (#NUM!), silently: auto takes it for a sheet with ROUND, or
    # VLOOKUP. A built-in function still reads an omitted argument as 0 (ROUND(2.6,) = 3, IF(FALSE,1,) = 0).
    from asm_xl.calc.recalc import recalc_file as recalc_any
    from asm_xl.excel.registry import call
    path = tmp_path / "omitted.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "=ASM_FINAL(0.6, , 2, 0.9)"
    ws["A2"] = "=ASM_FINAL(0.6, 0.5, 2, 0.9, , , FALSE)"
    ws["A3"] = "=ASM_FINAL(0.6, 0, 2, 0.9)"           # a 0 typed is a 0: cost points 0 weigh half
    ws["B1"] = "=ROUND(2.6,)+IF(FALSE,1,)"
    ws["B2"] = "=VLOOKUP(1,D1:E1,2,FALSE)"            # outside our evaluator's functions: auto takes formulas
    ws["D1"], ws["E1"] = 1, 7
    wb.save(path)
    assert call("ASM_FINAL", 0.6, None, 2, 0.9) == 59.0 and call("ASM_FINAL", 0.6, 0.0, 2, 0.9) == 29.0
    recalc_any(path, engine=engine)
    got = openpyxl.load_workbook(path, data_only=True).active
    assert [got[c].value for c in ("A1", "A2", "A3", "B1", "B2")] == [59, 0, 29, 3, 7]
