"""Windows Excel calls the ``asm_xl.udfs`` functions through xlwings, which gives their arguments in its
own forms: every argument as rows of cells (``ndim=2``: one cell as ``[[x]]``, a literal ``""`` as
``[[None]]``), error cells as their text (``err_to_str``), a currency-formatted cell as a ``Decimal``,
a date-formatted one as a ``datetime``, an error xlwings does not know as its COM code. Whole workbooks
evaluated with every ``ASM_*`` call made so give the numbers the headless engine gives."""

import datetime as dt
from decimal import Decimal

import pytest

import asm_xl.udfs as udfs
from asm_xl.calc import codegen
from asm_xl.excel import table_functions
from asm_xl.excel.registry import call as registry_call
from asm_xl.model.settings import DEFAULT_SETTINGS
from asm_xl.roster.read import read_roster
from asm_xl.workbooks.inputs import workbook_inputs
from asm_xl.workbooks.render import TemplateImage
from asm_xl.workbooks.template import DEFAULT_TEMPLATE

SAMPLE = "asm_xl/roster/data/sample_roster.csv"


def as_xlwings_gives(value):
    """An argument as xlwings 0.37 gives it with ``ndim=2, err_to_str=True`` (blank and "" as None)."""
    if value.__class__ is list:
        return [[None if c == "" else c for c in row] for row in value]
    return [[None if value == "" else value]]


def as_currency(value):
    """A number as COM gives a currency-formatted cell (VT_CY: a Decimal; Excel's own rounding to four
    decimals left out, so that the numbers compare exactly): here every number of every argument."""
    if value.__class__ is list:
        return [[as_currency(c) for c in row] for row in value]
    return Decimal(repr(value)) if value.__class__ is float else value


@pytest.fixture(scope="module")
def roster_inputs():
    roster = read_roster(SAMPLE)
    rows = roster.to_dict("records")
    picked = [r for r in rows if r["specialty"] == "Cardiology"][:2] + [r for r in rows if r["specialty"] != "Cardiology"][:2]
    return [workbook_inputs(r, cohort_code="HF" if r["specialty"] == "Cardiology" else "LBP", settings=DEFAULT_SETTINGS)
            for r in picked]


def _evaluate(inputs: dict, monkeypatch, through=None) -> dict:
    table_functions.ACTIONS_MEMO.clear()
    table_functions.PROJECTION_MEMO.clear()
    if through is not None:
        monkeypatch.setattr(codegen, "asm_call", through)
    try:
        image = TemplateImage(DEFAULT_TEMPLATE)
        return image.values(inputs)
    finally:
        monkeypatch.setattr(codegen, "asm_call", registry_call)


@pytest.mark.parametrize("currency", [False, True], ids=["numbers", "dollars as Decimal"])
def test_a_workbook_computed_through_the_udfs_as_xlwings_calls_them_equals_the_headless_one(
        roster_inputs, monkeypatch, currency):
    calls = []

    def through_udfs(name, *values):
        args = [as_xlwings_gives(v) for v in values]
        if currency:
            args = [as_currency(a) for a in args]
        calls.append(name)
        return getattr(udfs, name)(*args)

    for inputs in roster_inputs:
        headless = _evaluate(inputs, monkeypatch)
        excel = _evaluate(inputs, monkeypatch, through_udfs)
        differ = {k: (headless[k], excel.get(k)) for k in headless if headless[k] != excel.get(k)}
        assert not differ, list(differ.items())[:5]
    assert len(set(calls)) >= 25   # most of the functions were called so


def test_a_literal_blank_ladder_is_no_ladder_range_so_cost_points_are_scored():
    # ASM_COST(In_CostPoints,In_Episodes,"",Assumptions): xlwings gives the "" as [[None]]
    assert udfs.ASM_COST([[5.0]], [[30.0]], [[None]]) == 0.5
    assert udfs.ASM_COST([[5.0]], [[30.0]], [[None]] * 10) == "#N/A"   # an empty ladder range: not scored


def test_excel_only_value_forms_are_read_as_the_headless_engines_read_them():
    assert udfs.ASM_IMPACT([[0.0123]], [[Decimal("300000")]]) == pytest.approx(3690.0)
    assert udfs.ASM_RISK_LEVEL([[dt.datetime(1905, 7, 19)]]) == 0.09   # 2027 formatted as a date
    assert udfs.ASM_RISK_LEVEL([[dt.date(1905, 7, 19)]]) == 0.09
    assert udfs.ASM_FINAL([["#DIV/0!"]], [[0.6]], [[2.0]], [[1.0]]) == "#DIV/0!"   # not a blank quality
    assert udfs.ASM_FINAL([[-2146828288 + 2050]], [[0.6]], [[2.0]], [[1.0]]) == "#CALC!"
    assert udfs.ASM_FINAL([[-2146828288 + 2051]], [[0.6]], [[2.0]], [[1.0]]) == "#VALUE!"   # an unknown one
    # COM hands a date cell's serial over as an OLE date, without Excel's 1900 leap-year shift: a cell of 19 shown as
    # a date (1900-01-19) arrives as 1900-01-18 and is 19, the case minimum (a shift for early dates read it as 18);
    # a 0 shown as a date arrives as 1899-12-30, a time of 0.5 as 1899-12-30 12:00 (both read as negative: #NUM!)
    assert udfs.from_excel([[dt.datetime(1900, 1, 18), dt.date(1899, 12, 31), dt.datetime(1900, 3, 1, 12)]]) == \
        [[19.0, 1.0, 61.5]]
    assert udfs.ASM_IA_ADJ([[dt.datetime(1899, 12, 31)]]) == udfs.ASM_IA_ADJ([[1.0]]) == -10.0
    assert udfs.ASM_IA_ADJ([[dt.datetime(1899, 12, 30)]]) == -20.0
    assert udfs.ASM_PI_ADJ([[dt.datetime(1899, 12, 30, 12)]]) == udfs.ASM_PI_ADJ([[0.5]]) == -5.0


def test_excel_365_errors_go_back_to_excel_as_error_values_not_text(monkeypatch):
    # #SPILL!, #CALC! and #GETTING_DATA passed through as text: ISERROR() was FALSE and the Why column blank
    import sys
    import types
    made = []
    fake_com = types.SimpleNamespace(VT_ERROR=10)
    fake_client = types.SimpleNamespace(VARIANT=lambda kind, code: made.append((kind, code)) or ("variant", code))
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setitem(sys.modules, "pythoncom", fake_com)
    monkeypatch.setitem(sys.modules, "win32com", types.SimpleNamespace(client=fake_client))
    monkeypatch.setitem(sys.modules, "win32com.client", fake_client)
    for text, number in (("#GETTING_DATA", 2043), ("#SPILL!", 2045), ("#CALC!", 2050), ("#N/A", 2042)):
        assert udfs.to_excel_result(text) == ("variant", -2146828288 + number)
        assert udfs.from_excel(-2146828288 + number) == text   # and back: the same code


def test_a_one_row_range_is_rows_of_cells_not_a_flat_list():
    assumptions = [["tfs_steepness", 0.2]]
    assert udfs.ASM_FACTOR([[80.0]], [[2027.0]], [[1.5]], None, None, assumptions) == pytest.approx(
        registry_call("ASM_FACTOR", 80.0, 2027.0, 1.5, None, None, [["tfs_steepness", 0.2]]))
    assert not isinstance(udfs.ASM_FACTOR([[80.0]], [[2027.0]], [[1.5]], None, None, assumptions), str)


def test_one_cell_arrives_as_its_value_as_the_headless_engines_pass_a_one_cell_reference():
    # ndim=2 gives a blank Assumptions cell or a literal "" as [[None]]: read as a one-cell table (#VALUE!)
    assert udfs.ASM_FACTOR([[70.0]], [[2027.0]], [["HF"]], None, None, [[None]]) == pytest.approx(
        registry_call("ASM_FACTOR", 70.0, 2027.0, "HF", None, None, None), rel=1e-15)
    assert udfs.ASM_POOL_SF([[2027.0]], [["HF"]], [[None]]) == registry_call("ASM_POOL_SF", 2027.0, "HF", None)
    assert udfs.ASM_SCALING([[80.0], [20.0]], [[2028.0]], [[None]]) == pytest.approx(
        registry_call("ASM_SCALING", [[80.0], [20.0]], 2028.0, None), rel=1e-15)
    # a one-cell scaling text names a cohort's pool: checked against the cohort argument, as headless
    assert udfs.ASM_FACTOR([[70.0]], [[2028.0]], [["HF"]], None, None, None, [["LBP"]]) == "#VALUE!"
