"""Excel semantics of the fast formula evaluator (asm_xl.calc.evaluator).

The evaluator computes the cached values of every generated workbook, so it must agree with Excel
(and with the general ``formulas`` engine used by ``asm-xl recalc``) on the subset the template
uses. Unit tests pin Excel's rules; a property test compares with ``formulas`` on a handful of
formulas over generated inputs.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
import schedula as sh
from hypothesis import HealthCheck, given, settings, strategies as st

from asm_xl.excel import REGISTRY
from asm_xl.calc import codegen as formula_eval  # where ASM_* calls are made
from asm_xl.calc.evaluator import Evaluator, UnsupportedFormula, XlErr, compile_formula, parse_ref
from asm_xl.xlsx.cells import EXCEL_ERRORS

SHEET = "S"


def ev(formula: str, names: dict | None = None, **cells):
    """Evaluate one formula on sheet S with cell values given as keywords (A1=..., B2=...)."""
    fn = compile_formula(formula, SHEET, names or {})
    return fn(lambda sheet, cell: cells.get(cell) if sheet == SHEET else None)


def run_cell(formula: str, **cells):
    """The value a formula cell gets from :class:`Evaluator` (what the workbook caches)."""
    result = Evaluator({(SHEET, "Z1"): formula}, {}).run({(SHEET, k): v for k, v in cells.items()})
    return result[(SHEET, "Z1")]


# ------------------------------------------------------------------ text in arithmetic, numbers compared
@pytest.mark.parametrize("text, expected", [
    ("85%", 0.85), ("1,000", 1000.0), ("$5", 5.0), ("(5)", -5.0), (" 7 ", 7.0), ("1e3", 1000.0), ("$300,000", 300_000.0),
    ("$(5)", -5.0),
])
def test_text_in_arithmetic_reads_as_excel_reads_it(text, expected):
    # "85%"*1 and a payment typed as "$300,000" times 1.02 were #VALUE! headless; Excel and LibreOffice read them
    assert ev("=A1*1", A1=text) == pytest.approx(expected) == run_cell("=A1*1", A1=text)
    assert ev(f'="{text}"+0') == pytest.approx(expected)


@pytest.mark.parametrize("text", ["nan", "inf", "1_000", "abc", "", "1.2.3", "1 2", "1 000", "(-5)", "(5%)", "1e3%"])
def test_text_that_excel_does_not_read_as_a_number_is_value_error_in_arithmetic(text):
    # Python's float() took "nan", "inf" and "1_000"; the roster's rule takes "1 000" and "(-5)", LibreOffice does not
    assert ev("=A1*1", A1=text) == XlErr("#VALUE!")


@pytest.mark.parametrize("formula, expected", [
    ("=0.1+0.2=0.3", True), ("=0.1+0.2<>0.3", False), ("=0.1+0.2>0.3", False), ("=0.1+0.2<=0.3", True),
    ("=1=1.000001", False), ("=A1=0.3", True), ("=1E-300=0", False),
])
def test_numbers_equal_to_about_15_significant_digits_compare_equal(formula, expected):
    # Excel and LibreOffice say TRUE to =0.1+0.2=0.3; binary floats differ in the 17th digit
    assert ev(formula, A1=0.1 + 0.2) is expected


# ------------------------------------------------------------------ blanks, "" and comparisons
@pytest.mark.parametrize("formula, expected", [
    ('=A1=""', True),        # a blank cell equals the empty string...
    ("=A1=0", True),         # ...and zero...
    ("=A1=FALSE", True),     # ...and FALSE, whatever it is compared with
    ('=""=0', False),        # but the text "" is not the number 0
    ("=A1<0", False),        # blank counts as 0 against numbers
    ("=A1<1", True),
    ('=A1<"a"', True),       # and as "" against text
])
def test_blank_cell_compares_as_the_empty_value_of_the_other_side(formula, expected):
    assert ev(formula) is expected


@pytest.mark.parametrize("formula, expected", [
    ('=""<0', False),        # Excel orders numbers < text < logicals
    ('="">0', True),
    ('="abc"<1', False),
    ('="1"=1', False),       # text that looks like a number is still text in a comparison
    ("=TRUE>1", True),
    ('=TRUE>"zzz"', True),
])
def test_empty_text_and_other_text_sort_after_every_number(formula, expected):
    assert ev(formula) is expected


@pytest.mark.parametrize("formula, expected", [
    ('="abc"="ABC"', True),
    ('="Yes"<>"YES"', False),
    ('="a"<"B"', True),
    ('="B"<"a"', False),
    ('="administrative claims"="Administrative claims"', True),
])
def test_text_comparison_ignores_case(formula, expected):
    assert ev(formula) is expected


def test_text_comparison_ignores_case_for_cell_values_too():
    assert ev('=A1="Administrative claims"', A1="ADMINISTRATIVE CLAIMS") is True
    assert ev("=A1=B1", A1="eCQM", B1="ecqm") is True


def test_text_joined_past_what_a_cell_holds_is_value_error_even_before_it_reaches_a_cell():
    # Excel's & gives #VALUE! at 32,768 characters; a formula reading that result sees the error
    assert len(ev("=A1&B1", A1="x" * 16_384, B1="y" * 16_383)) == 32_767
    assert ev("=A1&B1", A1="x" * 16_384, B1="y" * 16_384) == "#VALUE!"
    assert ev('=IF(ISERROR(A1&B1),"too long","ok")', A1="x" * 20_000, B1="y" * 20_000) == "too long"


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize("formula, error", [
    ("=NA()+1", "#N/A"),
    ("=1+NA()", "#N/A"),
    ("=1/0", "#DIV/0!"),
    ("=1/0*2-3", "#DIV/0!"),
    ("=-NA()", "#N/A"),
    ('=NA()&"x"', "#N/A"),
    ('="x"&(1/0)', "#DIV/0!"),
    ('=1+"abc"', "#VALUE!"),
    ("=NA()=1", "#N/A"),
    ("=(-1)^0.5", "#NUM!"),
])
def test_errors_propagate_through_arithmetic_concatenation_and_comparison(formula, error):
    got = ev(formula)
    assert isinstance(got, XlErr) and got == error


def test_an_error_in_a_cell_propagates_like_a_literal_error():
    assert ev("=A1*2", A1=XlErr("#N/A")) == "#N/A"
    assert ev('=A1&""', A1=XlErr("#NUM!")) == "#NUM!"


@pytest.mark.parametrize("value, expected", [
    (XlErr("#N/A"), True), (XlErr("#DIV/0!"), True), (XlErr("#VALUE!"), True), (XlErr("#NUM!"), True),
    (1.0, False), (0.0, False), ("", False), ("#N/A", False), (None, False), (True, False),
])
def test_iserror_is_true_for_error_values_only(value, expected):
    assert ev("=ISERROR(A1)", A1=value) is expected


def test_iserror_catches_computed_errors():
    assert ev("=ISERROR(1/0)") is True
    assert ev("=ISERROR(NA())") is True
    assert ev("=IF(ISERROR(A1/B1),-1,A1/B1)", A1=3.0, B1=0.0) == -1


# ------------------------------------------------------------------ IF is lazy
def test_if_evaluates_only_the_branch_it_takes():
    touched = []

    def get(sheet, cell):
        touched.append(cell)
        return {"A1": None, "B1": 5.0}.get(cell)

    fn = compile_formula('=IF(A1="",B1,C1/0)', SHEET, {})
    assert fn(get) == 5.0
    assert touched == ["A1", "B1"]  # C1 never read


def test_if_avoids_an_error_branch():
    assert ev("=IF(TRUE,1,1/0)") == 1.0
    assert ev('=IF(A1>0,1/A1,"n/a")', A1=0.0) == "n/a"
    assert ev("=IF(A1<>0,1/A1,NA())", A1=4.0) == 0.25
    assert ev("=IF(FALSE,NA(),7)") == 7.0


def test_if_with_an_error_or_non_logical_text_condition_returns_an_error():
    assert ev("=IF(NA(),1,2)") == "#N/A"
    assert ev('=IF("maybe",1,2)') == "#VALUE!"


def test_if_without_else_returns_false():
    assert ev("=IF(A1>1,1)", A1=0.0) is False


# ------------------------------------------------------------------ MIN / MAX / SUM
def test_min_max_sum_ignore_text_blanks_and_logicals_in_references():
    cells = dict(A1=5.0, B1="abc", C1=None, D1=3.0, E1=True, F1="")
    assert ev("=MIN(A1:F1)", **cells) == 3.0
    assert ev("=MAX(A1:F1)", **cells) == 5.0
    assert ev("=SUM(A1:F1)", **cells) == 8.0
    assert ev("=MIN(B1)", B1="1") == 0.0   # a single-cell reference to text is ignored too


def test_min_max_of_no_numbers_is_zero():
    assert ev("=MIN(A1:C1)", A1="x", B1=None, C1="") == 0.0
    assert ev("=MAX(A1:B1)") == 0.0


def test_min_max_return_the_first_error_in_a_range():
    assert ev("=MAX(A1:C1)", A1=1.0, B1=XlErr("#N/A"), C1=2.0) == "#N/A"


def test_min_max_sum_count_arguments_typed_in_the_formula():
    assert ev('=MIN("3",5)') == 3.0        # typed text that is a number counts
    assert ev("=SUM(TRUE,2)") == 3.0       # a typed logical counts as 1
    assert ev('=MAX("x",1)') == "#VALUE!"  # typed text that is not a number is an error
    assert ev("=MIN(10,A1+1)", A1=4.0) == 5.0


def test_an_omitted_argument_counts_as_zero_in_min_max_and_sum():
    assert ev("=MAX(-1,,-3)") == 0.0
    assert ev("=MIN(1,,3)") == 0.0
    assert ev("=SUM(1,,2)") == 3.0


def test_an_omitted_argument_reaches_asm_functions_as_none(monkeypatch):
    assert "ASM_IMPACT" in REGISTRY
    seen = []
    monkeypatch.setattr(formula_eval, "asm_call", lambda name, *args: seen.append((name, args)) or 1.0)
    assert ev("=ASM_IMPACT(A1,)", A1=0.5) == 1.0
    assert seen == [("ASM_IMPACT", (0.5, None))]


def test_an_omitted_if_branch_and_a_formula_pointing_at_a_blank_cell_show_zero():
    assert run_cell("=IF(FALSE,1,)") == 0
    assert run_cell("=A1") == 0          # a formula result is never blank
    assert run_cell('=IF(A1="","",A1)') == ""


def test_a_one_cell_range_acts_as_its_value():
    assert ev("=A1:A1+1", A1=2.0) == 3.0


# ------------------------------------------------------------------ operators and functions
@pytest.mark.parametrize("formula, expected", [
    ("=2^3", 8.0),
    ("=-2^2", 4.0),          # unary minus binds tighter than ^ in Excel
    ("=2*3+4", 10.0),
    ("=2+3*4", 14.0),
    ("=(2+3)*4", 20.0),
    ("=5%", 0.05),
    ('=1+"2"', 3.0),          # numeric text is converted by arithmetic
    ('="1"&2', "12"),
    ("=1.5&\"\"", "1.5"),
    ("=3&\"\"", "3"),
    ('=TRUE&""', "TRUE"),
    ('=A1&"x"', "x"),         # blank concatenates as ""
    ('=LEFT("0 points",1)', "0"),
    ('=LEFT("Scored")', "S"),
    ("=AND(1,TRUE)", True),
    ("=OR(FALSE,0)", False),
    ("=NOT(0)", True),
    ("=ISNUMBER(1)", True),
    ('=ISNUMBER("1")', False),
    ("=N(5)", 5.0),
    ('=N("x")', 0.0),
])
def test_operators_and_supported_functions_follow_excel(formula, expected):
    got = ev(formula)
    assert got == expected and type(got) is type(expected)


def test_defined_names_are_case_insensitive_and_may_point_to_other_sheets():
    names = {"Rate": "Data!$B$2", "Pair": "'My Sheet'!$A$1:$A$2"}
    fn = compile_formula("=rate*2+MAX(PAIR)", SHEET, names)
    data = {("Data", "B2"): 10.0, ("My Sheet", "A1"): 1.0, ("My Sheet", "A2"): 4.0}
    assert fn(lambda s, c: data.get((s, c))) == 24.0


def test_parse_ref_expands_ranges_row_by_row():
    assert parse_ref("'My Sheet'!$A$1:$B$2", "X") == ("My Sheet", [["A1", "B1"], ["A2", "B2"]])
    assert parse_ref("C3", "X") == ("X", [["C3"]])


def test_evaluator_follows_dependencies_between_formula_cells():
    formulas_ = {(SHEET, "C1"): "=B1*2", (SHEET, "B1"): "=A1+1", (SHEET, "D1"): '=IF(C1>5,"big","small")'}
    out = Evaluator(formulas_, {}).run({(SHEET, "A1"): 2.0})
    assert out == {(SHEET, "C1"): 6.0, (SHEET, "B1"): 3.0, (SHEET, "D1"): "big"}


def test_a_circular_reference_is_unsupported():
    with pytest.raises(UnsupportedFormula, match="circular"):
        Evaluator({(SHEET, "A1"): "=B1+1", (SHEET, "B1"): "=A1"}, {}).run({})


# ------------------------------------------------------------------ outside the subset
@pytest.mark.parametrize("formula", [
    "=VLOOKUP(1,A1:B2,2,FALSE)",   # unknown function
    "=SUMPRODUCT(A1:A2,B1:B2)",
    "=NoSuchName+1",               # unknown defined name
    "=SUM(A:A)",                   # whole-column reference
    "={1,2}",                      # array constant
    "=1+",                         # incomplete
    "=A1 B1",                      # intersection
])
def test_anything_outside_the_subset_raises_unsupported_formula(formula):
    with pytest.raises(UnsupportedFormula):
        compile_formula(formula, SHEET, {})


def test_unsupported_formula_is_a_value_error_so_callers_can_fall_back():
    assert issubclass(UnsupportedFormula, ValueError)


# ------------------------------------------------------------------ agreement with `formulas`
_COMPILED: dict = {}


def _formulas_value(formula: str, a1, b1):
    import formulas

    from asm_xl.calc.formulas_engine import to_python
    func = _COMPILED.get(formula)
    if func is None:
        func = _COMPILED[formula] = formulas.Parser().ast(formula)[1].compile()
    cell = {"A1": a1, "B1": b1}
    args = []
    for name in func.inputs:
        if name == "A1:B1":
            args.append(np.array([[sh.EMPTY if v is None else v for v in (a1, b1)]], dtype=object))
        else:
            v = cell[name]
            args.append(np.array([[sh.EMPTY if v is None else v]], dtype=object))
    theirs = to_python(func(*args))
    # an error is compared as Excel's error value ("#N/A"), not as some other text that starts with "#"
    assert not (isinstance(theirs, str) and theirs.startswith("#")) or theirs in EXCEL_ERRORS, theirs
    return theirs


def _same(ours, theirs) -> bool:
    if isinstance(ours, (bool, np.bool_)) or isinstance(theirs, (bool, np.bool_)):
        return isinstance(ours, (bool, np.bool_)) and isinstance(theirs, (bool, np.bool_)) \
            and bool(ours) == bool(theirs)
    if isinstance(ours, (int, float)) and isinstance(theirs, (int, float)):
        return math.isclose(ours, theirs, rel_tol=1e-12, abs_tol=1e-12)
    return isinstance(ours, str) and isinstance(theirs, str) and str(ours) == str(theirs)


NUMBERS = st.one_of(st.integers(-1000, 1000).map(float),
                    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False, allow_subnormal=False),
                    st.sampled_from([0.0, 1.0, -1.0, 0.5]))
WHOLE = st.integers(-500, 500).map(float)
TEXT = st.sampled_from(["", "abc", "ABC", "Abc", "x", "0 points", "Scored", "Yes", "no"])
BLANK = st.none()

#: (formula, strategy for A1 and B1): inputs where Excel, `formulas` and the evaluator agree.
CASES = [
    ("=A1+B1*2-A1/4", st.one_of(BLANK, NUMBERS)),
    ('=IF(A1="","blank",IF(A1<B1,"lt","ge"))', st.one_of(BLANK, NUMBERS, TEXT)),
    ('=A1&"|"&B1', st.one_of(BLANK, WHOLE, TEXT)),
    ("=MIN(10,MAX(1,A1+B1))", st.one_of(BLANK, NUMBERS)),
    ("=MAX(A1:B1)", st.one_of(BLANK, NUMBERS)),
    ("=IF(ISERROR(A1/B1),NA(),A1/B1)", st.one_of(BLANK, NUMBERS)),
    ('=AND(A1>0,B1<>"")', st.one_of(BLANK, NUMBERS, TEXT)),
    ('=IF(LEFT(A1,1)="0",0,IF(A1=B1,"same","different"))', st.one_of(BLANK, WHOLE, TEXT)),
    ('=IF(OR(A1="",B1=""),"",A1-B1)', st.one_of(BLANK, NUMBERS, TEXT)),
    ("=-A1^2+B1%", st.one_of(BLANK, NUMBERS)),
    # blank cells are left out; none left: #VALUE! (AND of a blank cell was FALSE)
    ("=AND(A1,B1)", st.one_of(BLANK, NUMBERS, st.booleans())),
    ("=OR(A1:B1)", st.one_of(BLANK, NUMBERS, st.booleans(), TEXT)),
    # a negative length is #VALUE! (a Python slice cut the end off: "ab")
    ('=LEFT("abc",A1)&"|"&LEFT("xyz",B1)', st.one_of(BLANK, WHOLE.map(lambda x: x % 7 - 3))),
]


@pytest.mark.parametrize("formula, values", CASES, ids=[c[0] for c in CASES])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_evaluator_agrees_with_the_formulas_engine(formula, values, data):
    a1, b1 = data.draw(values, label="A1"), data.draw(values, label="B1")
    ours = run_cell(formula, A1=a1, B1=b1)
    theirs = _formulas_value(formula, a1, b1)
    assert _same(ours, theirs), (formula, a1, b1, ours, theirs)


@pytest.mark.parametrize("formula, a1, b1, error", [
    ("=IF(ISERROR(A1/B1),NA(),A1/B1)", 1.0, 0.0, "#N/A"),         # 1/0 is an error: NA()
    ("=AND(A1,B1)", None, None, "#VALUE!"),                       # AND of blank cells only
    ('=LEFT("abc",A1)&"|"&LEFT("xyz",B1)', -1.0, 1.0, "#VALUE!"),   # a negative length
    ("=A1+B1*2-A1/4", "abc", 1.0, "#VALUE!"),                     # text that is not a number in arithmetic
])
def test_both_engines_give_the_same_excel_error_value(formula, a1, b1, error):
    assert run_cell(formula, A1=a1, B1=b1) == error
    assert _formulas_value(formula, a1, b1) == error


# ------------------------------------------------------------------ generated code
def test_sheet_names_and_text_that_look_like_code_are_only_data():
    """Formulas compile to Python source; sheet names, strings and names from the workbook never
    become part of it (they go through a table of constants)."""
    odd = 'x"); __import__("os").system("exit 3"); ("'
    names = {"Evil": "'q\"+1#'!$A$1"}
    text = '\\"); 1/0; ("'                                   # a string literal's content
    excel_literal = '"' + text.replace('"', '""') + '"'
    fn = compile_formula(f"='{odd}'!A1&{excel_literal}&Evil", SHEET, names)
    data = {(odd, "A1"): "a", ('q"+1#', "A1"): "b"}
    assert fn(lambda s, c: data.get((s, c))) == "a" + text + "b"


def test_a_result_that_overflows_shows_num_and_text_too_long_for_a_cell_shows_value():
    assert run_cell("=1E+308*10") == "#NUM!"
    assert run_cell("=A1&A1", A1="x" * 20_000) == "#VALUE!"
    assert run_cell("=A1&A1", A1="x" * 10_000) == "x" * 20_000


def test_a_formula_nested_deeper_than_python_allows_is_unsupported_not_a_crash():
    deep = "=" + "(" * 2_000 + "1" + ")" * 2_000
    with pytest.raises(UnsupportedFormula):
        Evaluator({(SHEET, "A1"): deep}, {})
    nested_ifs = "=" + "IF(A1>0," * 120 + "1" + ",0)" * 120
    try:
        out = Evaluator({(SHEET, "B1"): nested_ifs}, {}).run({(SHEET, "A1"): 1.0})
    except UnsupportedFormula:
        return  # too deep for Python's compiler here: the formulas engine takes the workbook
    assert out[(SHEET, "B1")] == 1.0


def test_each_range_reaches_the_functions_that_read_it_as_one_list_per_run(monkeypatch):
    seen = []
    monkeypatch.setattr(formula_eval, "asm_call", lambda name, *args: seen.append(args[0]) or 1.0)
    formulas_ = {(SHEET, "C1"): "=ASM_TFS(A1:B1)", (SHEET, "C2"): "=ASM_RISK_LEVEL(A1:B1)"}
    Evaluator(formulas_, {}).run({(SHEET, "A1"): 1.0, (SHEET, "B1"): 2.0})
    assert seen == [[[1.0, 2.0]], [[1.0, 2.0]]] and seen[0] is seen[1]


@pytest.mark.parametrize("a1", [-1.0, 1.0])
def test_a_call_shared_by_cells_is_made_where_first_needed_even_after_a_branch_not_taken(monkeypatch, a1):
    """Cells calling the same ASM_* function on the same cells share one result per run; the first
    cell to use it may hold it in an IF branch that is not taken, so a later cell computes it then."""
    calls = []
    monkeypatch.setattr(formula_eval, "asm_call", lambda name, *args: calls.append(args) or args[0] * 10)
    formulas_ = {(SHEET, "C1"): "=IF(A1>0,ASM_TFS(A1),0)",          # first use: in a branch
                 (SHEET, "C2"): "=ASM_TFS(A1)+1",                    # then always
                 (SHEET, "C3"): "=ASM_TFS(A1)*2+ASM_TFS(A1)",        # twice in one formula
                 (SHEET, "C4"): "=IF(ASM_TFS(A1)>0,ASM_TFS(A1),-1)"}  # in a condition, then its branch
    out = Evaluator(formulas_, {}).run({(SHEET, "A1"): a1})
    t = a1 * 10
    assert out == {(SHEET, "C1"): t if a1 > 0 else 0.0, (SHEET, "C2"): t + 1, (SHEET, "C3"): 3 * t,
                   (SHEET, "C4"): t if t > 0 else -1.0}
    assert calls == [(a1,)]


# ------------------------------------------------------------------ fixed (Ctrl+Shift+Enter) array formulas
def test_a_fixed_array_fills_its_range_as_excel_does():
    # B1:D3 over a 2-row block of ASM_PROJECTION (8 columns): cut to 3 columns, #N/A in the third row;
    # A5:A6 over one value: repeated down; C5:D7 over a 2x2 range: #N/A past it
    formulas = {(SHEET, "B1"): '=ASM_PROJECTION(A1,2027,"HF",250000,,,,,,2)', (SHEET, "A5"): "=A1*2",
                (SHEET, "C5"): "=E1:F2"}
    arrays = {(SHEET, "B1"): (2, 1, 4, 3), (SHEET, "A5"): (1, 5, 1, 6), (SHEET, "C5"): (3, 5, 4, 7)}
    ev_ = Evaluator(formulas, {}, arrays)
    out = ev_.run({(SHEET, "A1"): 80.0, (SHEET, "E1"): 1.0, (SHEET, "F1"): "x", (SHEET, "E2"): True, (SHEET, "F2"): 3.0})
    years = REGISTRY["ASM_PROJECTION"].impl(80.0, 2027, "HF", 250000)[1:3]
    assert [[out[(SHEET, f"{c}{r}")] for c in "BCD"] for r in (1, 2)] == [row[:3] for row in years]
    assert [out[(SHEET, f"{c}3")] for c in "BCD"] == [XlErr("#N/A")] * 3       # a third row it has not
    assert out[(SHEET, "A5")] == out[(SHEET, "A6")] == 160.0
    assert [out[(SHEET, k)] for k in ("C5", "D5", "C6", "D6", "C7", "D7")] == [1.0, "x", True, 3.0] + [XlErr("#N/A")] * 2
    assert len(ev_.covered) == 9 + 2 + 6


def test_a_formula_reads_the_cells_a_fixed_array_fills_like_any_other_cell():
    # the template's visible tables read their hidden block this way: =Tables!A2
    formulas = {(SHEET, "A1"): "=B2+1", (SHEET, "A2"): "=SUM(B1:B3)", (SHEET, "A3"): "=B3", (SHEET, "B1"): "=C1:C2"}
    ev_ = Evaluator(formulas, {}, {(SHEET, "B1"): (2, 1, 2, 3)})
    out = ev_.run({(SHEET, "C1"): 5.0, (SHEET, "C2"): 7.0})
    assert out == {(SHEET, "B1"): 5.0, (SHEET, "B2"): 7.0, (SHEET, "B3"): XlErr("#N/A"),
                   (SHEET, "A1"): 8.0, (SHEET, "A2"): XlErr("#N/A"), (SHEET, "A3"): XlErr("#N/A")}
    assert ev_.referenced == {(SHEET, "C1"), (SHEET, "C2")}   # the filled cells are not inputs
    many = ev_.run_many([{(SHEET, "C1"): 5.0, (SHEET, "C2"): 7.0}, {(SHEET, "C1"): 1.0, (SHEET, "C2"): 2.0}])
    assert many[0] == out and many[1][(SHEET, "A1")] == 3.0


def test_an_array_formula_excel_would_compute_cell_by_cell_is_left_to_the_array_path():
    with pytest.raises(UnsupportedFormula):   # a range given to an operator: Excel computes it cell by cell
        Evaluator({(SHEET, "B1"): "=C1:C2*2"}, {}, {(SHEET, "B1"): (2, 1, 2, 2)})
