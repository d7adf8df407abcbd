"""The workbook template built by code (asm_xl.workbooks.template, ``asm-xl template``)."""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from defusedxml import ElementTree as SafeET
from openpyxl.utils.cell import range_boundaries, get_column_letter
from openpyxl.worksheet.formula import ArrayFormula

from asm_xl.model.parameters import cohorts
from asm_xl.model.settings import Settings
from asm_xl.workbooks import layout as L
from asm_xl.xlsx.package import sheet_parts
from asm_xl.model.benchmarks import packaged_benchmarks
from asm_xl.workbooks.sheets.style import LISTS_SHEET, TABLES_SHEET
from asm_xl.workbooks.template import DEFAULT_TEMPLATE, FIXED_ISO, FIXED_TIME, template_bytes
from openpyxl.formula import Tokenizer

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "templates" / "asm_template.xlsx"
SHEETS = [L.INPUTS, L.SCORE, L.SCENARIOS, L.ACTIONS, L.ASSUMPTIONS, L.BENCHMARKS, L.ABOUT]
INPUT_NAMES = list(L.SCALAR_INPUTS) + list(L.MEASURE_INPUTS)


@pytest.fixture(scope="module")
def built() -> bytes:
    return template_bytes()


@pytest.fixture(scope="module")
def wb(built):
    return openpyxl.load_workbook(io.BytesIO(built))


@pytest.fixture(scope="module")
def zf(built):
    return zipfile.ZipFile(io.BytesIO(built))


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _cells(wb, name: str) -> list[tuple[str, str]]:
    """(sheet, coordinate) of every cell a defined name covers."""
    out = []
    for sheet, ref in wb.defined_names[name].destinations:
        min_col, min_row, max_col, max_row = range_boundaries(ref.replace("$", ""))
        out += [(sheet, f"{get_column_letter(c)}{r}") for r in range(min_row, max_row + 1)
                for c in range(min_col, max_col + 1)]
    return out


# ------------------------------------------------------------------ golden file, determinism
def test_committed_template_is_byte_identical_to_what_the_code_builds(built):
    assert COMMITTED.exists(), "templates/asm_template.xlsx is missing: run `asm-xl template`"
    assert COMMITTED.read_bytes() == built, \
        "templates/asm_template.xlsx is stale: run `asm-xl template` and commit the result"


def test_default_template_path_is_the_committed_file():
    assert DEFAULT_TEMPLATE == COMMITTED


def test_template_build_is_deterministic(built, zf):
    assert template_bytes() == built
    assert {i.date_time for i in zf.infolist()} == {FIXED_TIME}
    core = zf.read("docProps/core.xml").decode()
    stamps = re.findall(r"<dcterms:(?:created|modified)[^>]*>([^<]*)<", core)
    assert stamps and set(stamps) == {FIXED_ISO}


# ------------------------------------------------------------------ sheets and names
def test_sheets_are_inputs_score_scenarios_actions_assumptions_benchmarks_about_then_the_hidden_lists_and_tables(wb, zf):
    # The drop-down lists live on a hidden sheet of their own (issue 8: they overwrote Benchmarks!N);
    # the tables' one-call blocks on another (the visible tables read them)
    assert wb.sheetnames == SHEETS + [LISTS_SHEET, TABLES_SHEET]
    assert [name for name, _ in sheet_parts(zf)] == SHEETS + [LISTS_SHEET, TABLES_SHEET]
    assert [ws.sheet_state for ws in wb.worksheets] == ["visible"] * len(SHEETS) + ["hidden", "hidden"]


def test_defined_names_are_workbook_scoped_and_never_whole_columns_or_rows(wb, zf):
    book = SafeET.fromstring(zf.read("xl/workbook.xml"))
    names = [el for el in book.iter() if _local(el.tag) == "definedName"]
    assert len(names) > len(INPUT_NAMES)
    print_areas = {}
    for el in names:
        if el.get("name").startswith("_xlnm."):   # Excel's own print settings: sheet-scoped by nature
            if el.get("name") == "_xlnm.Print_Area":
                print_areas[wb.sheetnames[int(el.get("localSheetId"))]] = el.text
            else:
                assert el.get("name") == "_xlnm.Print_Titles" and el.text == "'Assumptions'!$1:$1"
            continue
        assert el.get("localSheetId") is None, f"{el.get('name')} is sheet-scoped"
        ref = el.text or ""
        assert not re.search(r"!\$?[A-Z]{1,3}:\$?[A-Z]{1,3}(?![\d$])", ref), f"whole column: {ref}"
        assert not re.search(r"!\$?\d+:\$?\d+$", ref), f"whole row: {ref}"
        assert "#REF!" not in ref
    # each visible sheet prints its own columns, no text running on past them (test_reference.py)
    assert print_areas == {"Inputs": "'Inputs'!$A$1:$H$48", "Score": "'Score'!$A$1:$H$49",
                           "Scenarios": "'Scenarios'!$A$1:$N$28", "Actions": "'Actions'!$A$1:$H$40",
                           "Assumptions": "'Assumptions'!$A$1:$E$82", "Benchmarks": "'Benchmarks'!$A$1:$Q$52",
                           "About": "'About'!$A$1:$A$16"}
    for ws in wb.worksheets:
        assert not ws.defined_names, f"{ws.title} has sheet-scoped names"


def test_every_defined_name_points_into_an_existing_sheet(wb):
    for name, dn in wb.defined_names.items():
        dests = list(dn.destinations)
        assert dests, name
        for sheet, _ in dests:
            assert sheet in wb.sheetnames, (name, sheet)


def test_input_names_sit_where_the_layout_says(wb):
    for name, (row, *_rest) in L.SCALAR_INPUTS.items():
        assert _cells(wb, name) == [(L.INPUTS, f"B{row}")], name
    for name, (col, *_rest) in L.MEASURE_INPUTS.items():
        assert _cells(wb, name) == [(L.INPUTS, f"{col}{r}") for r in L.measure_rows()], name


def test_result_names_point_at_score_cells_holding_formulas(wb):
    for name in ("Sc_Final", "Sc_Quality", "Sc_Cost", "Sc_Factor", "Sc_Impact", "Sc_Scaling", "Sc_TFS",
                 "Sc_MinSubmission", "Sc_IADone"):
        (sheet, cell), = _cells(wb, name)
        assert sheet == L.SCORE
        assert str(wb[sheet][cell].value).startswith("="), (name, cell)
    (_, final), = _cells(wb, "Sc_Final")
    assert wb[L.SCORE][final].value.startswith("=IF(ISERROR(B20),B20,ASM_FINAL(")
    (_, factor), = _cells(wb, "Sc_Factor")
    assert wb[L.SCORE][factor].value.startswith("=ASM_FACTOR(")


def test_bare_template_asks_for_a_full_recalculation_on_load(zf):
    assert b'fullCalcOnLoad="1"' in zf.read("xl/workbook.xml")


# ------------------------------------------------------------------ protection
def _unlocked(wb) -> set[tuple[str, str]]:
    return {(ws.title, c.coordinate) for ws in wb.worksheets for row in ws.iter_rows() for c in row
            if c.protection is not None and c.protection.locked is False}


def test_every_input_name_points_at_unlocked_cells(wb):
    for name in INPUT_NAMES:
        for sheet, cell in _cells(wb, name):
            assert wb[sheet][cell].protection.locked is False, (name, cell)


def test_only_input_cells_are_unlocked(wb):
    editable = {c for name in INPUT_NAMES + ["CostLadder", "QualityLadders", "Sc_RangePercentiles"] for c in _cells(wb, name)}
    editable |= {c for name in wb.defined_names if name.startswith("S_") for c in _cells(wb, name)}
    assert _unlocked(wb) == editable
    # every formula cell is locked
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value.startswith("="):
                    assert c.protection.locked is not False, (ws.title, c.coordinate)


def test_every_sheet_is_protected_without_a_password(wb, zf):
    for ws in wb.worksheets:
        assert ws.protection.sheet is True, ws.title
        assert not ws.protection.password, ws.title
    for _, member in sheet_parts(zf):
        root = SafeET.fromstring(zf.read(member))
        prot = [el for el in root if _local(el.tag) == "sheetProtection"]
        assert len(prot) == 1, member
        attrs = set(prot[0].attrib)
        assert prot[0].get("sheet") == "1"
        assert not attrs & {"password", "hashValue", "saltValue", "algorithmName", "spinCount"}, member
    book = SafeET.fromstring(zf.read("xl/workbook.xml"))
    for el in book.iter():
        if _local(el.tag) == "workbookProtection":
            assert not set(el.attrib) & {"workbookPassword", "workbookHashValue", "lockStructure"}


# ------------------------------------------------------------------ data validation
def _validations(ws, cell: str):
    return [dv for dv in ws.data_validations.dataValidation if cell in dv.sqref]


def _one(ws, cell: str):
    found = _validations(ws, cell)
    assert len(found) == 1, (cell, found)
    dv = found[0]
    assert dv.showErrorMessage, cell
    return dv


def test_the_range_tables_percentiles_stay_in_order_cautious_middle_hopeful(wb):
    # a "hopeful" P0 typed below a "cautious" P25 named the worst case hopeful (and the chart's band with it)
    ws = wb[L.SCORE]
    (_, low), = _cells(wb, "Sc_PercentileLow")
    (_, high), = _cells(wb, "Sc_PercentileHigh")
    row = low[1:]
    rules = {c: _one(ws, f"{c}{row}") for c in "BCD"}
    assert (low, high) == (f"B{row}", f"D{row}")
    # each between its neighbours, and not a fraction: 10% typed for P10 (0.1) passed the check, and
    # ASM_FACTOR_RANGE gave #NUM! ("looks like a fraction") in a row with no Why cell
    bounds = {"B": ("0", f"C{row}"), "C": (f"B{row}", f"D{row}"), "D": (f"C{row}", "100")}
    for c, (lo, hi) in bounds.items():
        assert rules[c].type == "custom" and rules[c].formula1 == \
            f"AND(ISNUMBER({c}{row}),{c}{row}>={lo},{c}{row}<={hi},OR({c}{row}=0,{c}{row}>=1))"
        assert "10 for P10 (not 10%)" in rules[c].prompt and rules[c].allow_blank


def test_every_score_item_says_where_it_comes_from(wb):
    ws = wb[L.SCORE]
    items = [r for r in range(1, ws.max_row + 1) if str(ws[f"B{r}"].value or "").startswith("=")
             and ws[f"A{r}"].value and ws[f"A{r}"].value not in ("Percentile of the pool's cohorts",)]
    payments = next(r for r in items if ws[f"B{r}"].value == "=In_Payments")
    assert ws[f"C{payments}"].value.startswith("Your input (Inputs sheet): Medicare paid amount")   # it was blank
    table = [r for r in items if r <= payments + 1]
    assert [r for r in table if not ws[f"C{r}"].value] == []


def test_yes_no_inputs_offer_exactly_yes_and_no(wb):
    ws = wb[L.INPUTS]
    for name in ("In_OnTime", "In_IA1", "In_IA2"):
        (_, cell), = _cells(wb, name)
        dv = _one(ws, cell)
        assert (dv.type, dv.formula1) == ("list", '"Yes,No"'), name


def test_collection_type_cells_list_every_collection_type_of_every_measure(wb):
    ws = wb[L.INPUTS]
    needed = {t for c in cohorts().values() for m in c.measures for t in m.collection_types}
    for sheet, cell in _cells(wb, "In_CollType"):
        dv = _one(ws, cell)
        assert dv.type == "list"
        options = set(dv.formula1.strip('"').split(","))
        assert needed <= options, (cell, needed - options)


def test_fraction_inputs_are_between_0_and_1(wb):
    (_, cell), = _cells(wb, "In_PI")
    dv = _one(wb[L.INPUTS], cell)
    assert (dv.type, dv.operator, float(dv.formula1), float(dv.formula2)) == ("decimal", "between", 0, 1)


def test_count_inputs_are_whole_numbers_not_below_their_minimum(wb):
    ws = wb[L.INPUTS]
    for name, minimum in (("In_Episodes", 0), ("In_Eligible", 0), ("In_Reported", 0), ("In_PracticeSize", 1)):
        for _, cell in _cells(wb, name):
            dv = _one(ws, cell)
            assert (dv.type, dv.operator, float(dv.formula1)) == ("whole", "greaterThanOrEqual", minimum), name


def test_points_inputs_are_bounded_to_the_cms_scale(wb):
    ws = wb[L.INPUTS]
    (_, cell), = _cells(wb, "In_CostPoints")
    dv = _one(ws, cell)
    assert (dv.type, float(dv.formula1), float(dv.formula2)) == ("decimal", 1, 10)
    for _, cell in _cells(wb, "In_PointsOverride"):
        dv = _one(ws, cell)
        assert (dv.type, float(dv.formula1), float(dv.formula2)) == ("decimal", 0, 10)


def test_the_complex_bonus_is_checked_against_the_cap_the_assumptions_sheet_holds(wb):
    # an edited complex_bonus_max moves Excel's check with it (it was frozen at the default 10)
    (_, cell), = _cells(wb, "In_Complex")
    dv = _one(wb[L.INPUTS], cell)
    assert (dv.type, dv.operator, float(dv.formula1), dv.formula2) == (
        "decimal", "between", 0, 'IF(S_complex_bonus_max="",10,S_complex_bonus_max)')   # blank: the default
    assert wb.defined_names["S_complex_bonus_max"].attr_text.startswith(f"{L.ASSUMPTIONS}!")


def test_text_inputs_have_no_validation(wb):
    ws = wb[L.INPUTS]
    for name in ("In_NPI", "In_TIN", "In_Name"):
        (_, cell), = _cells(wb, name)
        assert _validations(ws, cell) == []


# ------------------------------------------------------------------ Assumptions
def test_assumptions_list_every_setting_with_value_source_and_description(wb):
    ws = wb[L.ASSUMPTIONS]
    assert [c.value for c in ws[1][:4]] == ["Setting", "Value", "Source", "What it means"]
    infos = Settings().describe()
    rows = {ws.cell(row=r, column=1).value: r for r in range(2, ws.max_row + 1)}
    for info in infos:
        assert info.name in rows, info.name
        r = rows[info.name]
        value = ("Yes" if info.value else "No") if isinstance(info.value, bool) else info.value
        assert ws.cell(row=r, column=2).value == (None if value == "" else value), info.name   # "": a blank cell
        assert ws.cell(row=r, column=3).value == info.source, info.name
        assert ws.cell(row=r, column=4).value == info.description, info.name
        assert info.source in {"REG", "CMS", "MIPS", "ASSUMPTION"}
        assert _cells(wb, f"S_{info.name}") == [(L.ASSUMPTIONS, f"B{r}")]
    assert _cells(wb, "Assumptions") == [(L.ASSUMPTIONS, f"{c}{r}") for r in range(2, 2 + len(infos))
                                         for c in "AB"]


# ------------------------------------------------------------------ Scenarios chart
def _target(base: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    import posixpath
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), target))


def _rels(zf, part: str) -> dict[str, str]:
    import posixpath
    rels = posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")
    root = SafeET.fromstring(zf.read(rels))
    return {el.get("Type").rsplit("/", 1)[-1]: _target(part, el.get("Target")) for el in root}


def test_scenarios_sheet_has_a_native_scatter_chart_of_the_exchange_curve(wb, zf):
    scenarios = dict(sheet_parts(zf))[L.SCENARIOS]
    drawing = _rels(zf, scenarios)["drawing"]
    chart = _rels(zf, drawing)["chart"]
    assert chart == "xl/charts/chart1.xml"
    types = zf.read("[Content_Types].xml").decode()
    assert 'PartName="/xl/charts/chart1.xml" ContentType="application/vnd.openxmlformats-officedocument.' \
           'drawingml.chart+xml"' in types
    root = SafeET.fromstring(zf.read(chart))
    assert [_local(el.tag) for el in root.iter() if _local(el.tag).endswith("Chart")] == ["scatterChart"]
    series = [el for el in root.iter() if _local(el.tag) == "ser"]
    refs = [[f.text for f in s.iter() if _local(f.tag) == "f"] for s in series]
    last = 4 + 21
    assert refs == [[f"'Scenarios'!$A$5:$A${last}", f"'Scenarios'!$B$5:$B${last}"],
                    # the band: cautious and hopeful cases, each titled by its heading ("Cautious (P10)")
                    ["'Scenarios'!$M$4", f"'Scenarios'!$A$5:$A${last}", f"'Scenarios'!$M$5:$M${last}"],
                    ["'Scenarios'!$N$4", f"'Scenarios'!$A$5:$A${last}", f"'Scenarios'!$N$5:$N${last}"],
                    ["'Scenarios'!$E$5", "'Scenarios'!$F$5"]]
    assert wb[L.SCENARIOS]["M4"].value == '="Cautious (P"&IF(Sc_PercentileLow="","?",Sc_PercentileLow)&")"'
    dashes = [el.get("val") for el in root.iter() if _local(el.tag) == "prstDash"]
    assert [d for d in dashes if d != "solid"] == ["dash", "lgDash"]   # the two edges told apart (they were one grey dash)
    ws = wb[L.SCENARIOS]
    assert [ws[f"A{r}"].value for r in range(5, last + 1)] == list(range(0, 101, 5))
    # each curve column one call on the hidden Tables sheet (its cells plain references to the block)
    anchors = {c.value.text: c.value.ref for row in wb[TABLES_SHEET].iter_rows() for c in row
               if isinstance(c.value, ArrayFormula)}
    for col, call in (("B", "=ASM_FACTOR(Scenarios!A5:A25,"), ("C", "=ASM_IMPACT(Scenarios!B5:B25,"),
                      ("M", "Sc_PercentileLow"), ("N", "Sc_PercentileHigh")):
        ((ref,),) = [[r] for t, r in anchors.items() if t.startswith(call) or (call in t and "FACTOR_RANGE" in t)]
        top, bottom = (int(x[1:]) for x in ref.split(":"))
        assert ref.startswith("A") and bottom - top == 20
        assert [ws[f"{col}{r}"].value for r in range(5, last + 1)] == [f"={TABLES_SHEET}!A{top + k}" for k in range(21)]
    assert ws["E5"].value.startswith("=IF(ISERROR(Sc_Final)")
    assert ws["F5"].value.startswith("=IF(ISERROR(Sc_Factor)")
    assert len(ws._charts) == 1


def test_about_sheet_says_estimates_not_cms_determinations(wb):
    text = " ".join(str(c.value) for row in wb[L.ABOUT].iter_rows() for c in row if c.value)
    assert "not CMS determinations" in text
    assert "asm-xl version" in text


# ------------------------------------------------------------------ Benchmarks and lists (issue 8)
def test_the_benchmarks_ladder_table_is_one_fixed_array_of_asm_ladders_over_its_rows(built):
    # The ladder table is not written at build time (it showed the latest year whatever benchmark_year
    # said): one fixed array formula reads ASM_LADDERS of the Assumptions, the ladders the Score sheet
    # scores on, given the table's rows (one Python call in Excel where each of its cells was one).
    # Issue 8: the specialty list was written over column N, in the committed template too.
    for wb in (openpyxl.load_workbook(io.BytesIO(built)), openpyxl.load_workbook(COMMITTED)):
        ws = wb[L.BENCHMARKS]
        assert [ws.cell(row=4, column=c).value for c in range(8, 18)] == [f"B{k}" for k in range(1, 11)]
        rows = sum(len(m.collection_types) for c in cohorts().values() for m in c.measures)
        ((anchor, top),) = [(c.value, c.row) for row in wb[TABLES_SHEET].iter_rows() for c in row
                            if isinstance(c.value, ArrayFormula) and "ASM_LADDERS" in c.value.text]
        assert (anchor.ref, anchor.text) == (f"A{top}:Q{top + rows - 1}", f"=ASM_LADDERS(Assumptions,QualityLadders,{rows})")
        assert all(ws.cell(row=r, column=c).value == f'=IFERROR({TABLES_SHEET}!{get_column_letter(c)}{top + r - 5},"")'
                   for r in range(5, 5 + rows) for c in range(1, 18))
        assert ws.cell(row=5 + rows, column=1).value is None
        assert "BenchmarkYear" not in wb.defined_names  # one control: the Assumptions sheet's benchmark_year
        specialties = {s for c in cohorts().values() for s in c.specialties}
        assert not {c.value for row in ws.iter_rows() for c in row} & specialties


def test_benchmark_year_setting_offers_the_packaged_years_and_zero(wb):
    ws = wb[L.ASSUMPTIONS]
    (_, cell), = _cells(wb, "S_benchmark_year")
    dv = _one(ws, cell)
    assert dv.type == "list"
    assert dv.formula1 == '"0,' + ",".join(map(str, packaged_benchmarks().all_years)) + '"' == '"0,2021,2022,2025,2026"'


def test_specialty_drop_down_reads_every_specialty_from_the_hidden_lists_sheet(wb):
    (_, cell), = _cells(wb, "In_Specialty")
    dv = _one(wb[L.INPUTS], cell)
    assert dv.type == "list"
    min_col, min_row, max_col, max_row = range_boundaries(dv.formula1.split("!")[1].replace("$", ""))
    assert dv.formula1.split("!")[0] == LISTS_SHEET and min_col == max_col
    listed = [wb[LISTS_SHEET].cell(row=r, column=min_col).value for r in range(min_row, max_row + 1)]
    assert listed == sorted({s for c in cohorts().values() for s in c.specialties})


# ------------------------------------------------------------------ the template executes no rule
def _numbers(formula: str) -> list[float]:
    tok = Tokenizer(formula)
    return [float(t.value) for t in tok.items if t.type == "OPERAND" and t.subtype == "NUMBER"]


def test_score_and_inputs_formulas_type_no_number(wb):
    # Thresholds, minimums, weights and defaults come from ASM_* functions and the Assumptions sheet:
    # the only number typed in a Score formula is the 0 of "no complex bonus given".
    for sheet in (L.INPUTS, L.SCORE):
        for row in wb[sheet].iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value.startswith("="):
                    assert set(_numbers(c.value)) <= {0.0}, (sheet, c.coordinate, c.value)


def test_every_measure_cell_of_the_score_sheet_calls_the_measure_kernel(wb):
    ws = wb[L.SCORE]
    for r in range(L.SCORE_MEASURE_FIRST_ROW, L.SCORE_MEASURE_FIRST_ROW + L.MAX_MEASURES):
        for col, item in zip("BCDEFG", ("collection_type", "completeness", "cases", "points", "status", "counted")):
            assert f'ASM_MEASURE("{item}",{L.COHORT_SCORED},A{r},' in ws[f"{col}{r}"].value, (col, r)


def test_no_text_in_a_formula_is_longer_than_excel_takes(wb):
    # Excel refuses a formula whose text constant is over 255 characters ("Text values in formulas are limited
    # to 255 characters"); LibreOffice and our evaluator do not, so only this test would see one
    longest = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                text = c.value.text if isinstance(c.value, ArrayFormula) else c.value
                if isinstance(text, str) and text.startswith("="):
                    for tok in Tokenizer(text).items:
                        if tok.subtype == "TEXT":
                            longest.append((len(tok.value) - 2 - tok.value.count('""'), f"{ws.title}!{c.coordinate}"))
    assert longest and 200 < max(longest)[0] <= 255, max(longest)   # long texts are split, not cut (below)
    assert any(ref.startswith(L.INPUTS) for _, ref in longest)   # the help texts through ASM_HELP are checked too


def test_the_help_next_to_an_input_follows_the_assumptions(tmp_path):
    # "1 = solo (+15)" stayed when the Assumptions sheet gave a solo practice +12
    from asm_xl.calc.evaluator import Evaluator
    from asm_xl.xlsx.scan import scan_workbook
    scan = scan_workbook(DEFAULT_TEMPLATE)
    row = L.SCALAR_INPUTS["In_PracticeSize"][0]
    assert scan.formulas[(L.INPUTS, f"C{row}")][0].startswith('ASM_HELP("1 = solo (+{solo_practice_bonus:g})')
    names = {n: ref for n, local, _h, ref in scan.defined_names if local is None and ref}
    ev = Evaluator({k: "=" + v[0] for k, v in scan.formulas.items()}, names)
    inputs = dict(scan.inputs)
    assumptions = [k for k, v in inputs.items() if k[0] == L.ASSUMPTIONS and v == "solo_practice_bonus"]
    (sheet, cell), = assumptions
    default = ev.run(inputs)[(L.INPUTS, f"C{row}")]
    inputs[(sheet, f"B{cell[1:]}")] = 12.0
    edited = ev.run(inputs)[(L.INPUTS, f"C{row}")]
    assert default.startswith("1 = solo (+15), 2-15 = small (+10)") and edited.startswith("1 = solo (+12), ")


def test_every_score_item_computed_by_an_asm_function_has_a_why_cell(wb):
    # the sheet promises "a cell showing #N/A, #NUM! or #VALUE! says why in its Why column"; the IA adjustment,
    # the payment year and the multiplier had none
    ws = wb[L.SCORE]
    head = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "Item")
    checked = []
    for r in range(head + 1, head + 30):
        formula = ws.cell(r, 2).value
        if not isinstance(formula, str) or not formula.startswith("="):
            break
        if "ASM_" in formula:
            why = ws.cell(r, 3).value
            assert isinstance(why, str) and why.startswith(f"=IF(ISERROR(B{r}),") and "ASM_WHY(" in why, \
                (ws.cell(r, 1).value, why)
            checked.append(ws.cell(r, 1).value)
    assert {"Improvement activities adjustment", "Payment year", "Payment multiplier"} <= set(checked)
    assert len(checked) >= 15


def test_every_sheet_prints_its_file_and_sheet_on_top_and_the_reminder_and_page_below():
    # 30 physicians' printed workbooks had no name, page number or "estimates" line on any page
    from asm_xl.workbooks.template import template_bytes
    wb = openpyxl.load_workbook(io.BytesIO(template_bytes()))
    for ws in wb.worksheets:
        assert ws.oddHeader.center.text == "&F: &A", ws.title
        assert (ws.oddFooter.left.text, ws.oddFooter.right.text) == ("Estimates, not CMS determinations",
                                                                       "Page &P of &N"), ws.title
        # one page wide, landscape; the Score sheet (the physician's report) one page tall too: it printed 3 lines of
        # its last note alone on a second page
        assert (ws.page_setup.orientation, ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (
            "landscape", 1, 1 if ws.title == "Score" else 0), ws.title


@pytest.mark.parametrize("engine", ["auto", "formulas"])
def test_a_cleared_percentile_cell_is_na_not_the_middle_case_under_the_cautious_heading(tmp_path, engine):
    # ASM_FACTOR_RANGE reads a blank percentile as its default, P50: clearing the yellow "Cautious" cell put the
    # middle case's factor and dollars under a "Cautious (P)" heading, and the Scenarios chart's cautious band
    # became the P50 curve, with no error anywhere
    from asm_xl.calc.recalc import recalc_file
    from asm_xl.roster.read import read_roster
    from asm_xl.workbooks.batch import generate_workbooks
    sample = Path(__file__).resolve().parents[2] / "asm_xl" / "roster" / "data" / "sample_roster.csv"
    path = generate_workbooks(read_roster(sample).head(1), out_dir=tmp_path, jobs=1).written[0]
    wb = openpyxl.load_workbook(path)
    (_, low), = _cells(wb, "Sc_PercentileLow")
    row = int(low[1:])
    before = openpyxl.load_workbook(path, data_only=True)
    middle = [before[L.SCORE][f"C{r}"].value for r in (row + 1, row + 2)]
    wb[L.SCORE][low] = None
    wb.save(path)
    recalc_file(path, engine=engine)
    shown = openpyxl.load_workbook(path, data_only=True)
    score = shown[L.SCORE]
    assert score[f"B{row - 1}"].value == "Cautious (P?)"
    assert [score[f"B{r}"].value for r in (row + 1, row + 2)] == ["#N/A", "#N/A"]
    assert [score[f"C{r}"].value for r in (row + 1, row + 2)] == middle   # the other cases as they were
    assert shown[L.SCENARIOS]["M4"].value == "Cautious (P?)" and shown[L.SCENARIOS]["M5"].value == "#N/A"


def test_no_source_on_the_score_sheet_is_cut_to_fit_excels_limit(wb):
    # Excel refuses a formula whose text literal has more than 255 characters (the test above); the Score
    # sheet's sources were cut at 160 with "..." ("0 above ..." where CMS's small-practice flag decides) to stay
    # under it: a long one is now two literals joined with &
    sources = [c.value for c in wb[L.SCORE]["C"] if isinstance(c.value, str) and c.value.startswith("=IF(ISERROR(")]
    assert len(sources) >= 15 and not [s for s in sources if '..."' in s or "... [" in s]
    assert any('"&"' in s for s in sources)   # a long one in two literals
