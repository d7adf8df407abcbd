"""The xlwings UDF module: what Excel's "Import Functions" writes and what the Function Wizard shows."""

import importlib

import pytest

from asm_xl.excel import REGISTRY
from vba_wrappers import generate_vba, import_udf_module, macro_options, vba_signatures

#: The users' contract (issue: names, argument order), as Excel will show it.
EXPECTED_SIGNATURES = {
    "ASM_MEASURE_POINTS": ["measure", "collection_type", "rate", "Optional benchmark_year", "Optional assumptions",
                           "Optional ladders"],
    "ASM_POINTS": ["value", "ladder", "Optional inverse", "Optional topped_out", "Optional assumptions"],
    "ASM_QUALITY": ["points", "completeness", "cases", "Optional assumptions", "Optional cohort",
                    "Optional measures"],  # cohort, measures last: the 4-argument formulas of earlier workbooks stand
    "ASM_MISSING_MEASURES": ["cohort", "measures", "Optional assumptions"],
    "ASM_COST": ["value", "episodes", "Optional ladder", "Optional assumptions"],
    "ASM_COMPLEX_BONUS": ["complex_bonus", "Optional assumptions"],
    "ASM_FINAL": ["quality", "cost", "ia_done", "pi_score", "Optional complex_bonus", "Optional practice_size",
                  "Optional min_submission_met", "Optional small_practice", "Optional assumptions"],
    "ASM_TFS": ["final_score", "Optional midpoint", "Optional assumptions", "Optional performance_year",
                "Optional cohort"],
    "ASM_FACTOR": ["final_score", "performance_year", "Optional scaling", "Optional payments", "Optional exceptions",
                   "Optional assumptions", "Optional cohort"],
    "ASM_SCALING": ["final_scores", "performance_year", "Optional payments", "Optional assumptions",
                    "Optional cohort"],
    "ASM_MULTIPLIER": ["final_score", "performance_year", "Optional scaling", "Optional payments",
                       "Optional exceptions", "Optional assumptions", "Optional cohort"],
    "ASM_IMPACT": ["factor", "part_b_payments", "Optional assumptions"],
    "ASM_RISK_LEVEL": ["performance_year"],
    "ASM_PAYMENT_YEAR": ["performance_year"],
    "ASM_IA_ADJ": ["ia_done", "Optional assumptions"],
    "ASM_PI_ADJ": ["pi_score", "Optional assumptions"],
    "ASM_PRACTICE_BONUS": ["practice_size", "Optional small_practice", "Optional assumptions"],
    "ASM_EXCEPTION": ["euc_exception", "payment_exception", "Optional not_participating", "Optional assumptions"],
    "ASM_NOT_PARTICIPATING": ["participation", "performance_year"],
    "ASM_COHORT": ["specialty", "cohort"],
    "ASM_COMPLETENESS": ["reported", "eligible"],
    "ASM_MIN_SUBMISSION": ["completeness", "Optional on_time", "Optional assumptions"],
    "ASM_PERCENTILE": ["final_score", "final_scores"],
    "ASM_MEASURE": ["item", "cohort", "measure", "collection_type", "eligible", "reported", "completeness", "rate",
                    "points", "Optional benchmark_year", "Optional assumptions",
                    "Optional entered", "Optional ladders"],  # entered, ladders last: earlier workbooks' formulas stand
    "ASM_NOTE": ["quality", "cost", "Optional min_submission_met", "Optional assumptions"],
    "ASM_IA_DONE": ["ia1", "ia2"],
    "ASM_FACTOR_RANGE": ["final_score", "performance_year", "cohort", "Optional percentile", "Optional exceptions",
                         "Optional assumptions"],
    "ASM_GAIN_CHANCE": ["final_score", "performance_year", "cohort", "Optional exceptions", "Optional assumptions"],
    "ASM_SCORE_NEEDED": ["performance_year", "cohort", "Optional target", "Optional exceptions", "Optional assumptions"],
    "ASM_POOL": ["performance_year", "cohort", "Optional assumptions"],
    "ASM_POOL_SF": ["performance_year", "cohort", "Optional assumptions"],
    "ASM_POOL_MIDPOINT": ["performance_year", "cohort", "Optional assumptions"],
    # ladders before rows: an earlier workbook's ASM_LADDERS(Assumptions,15) still gives rows (registry.earlier_rows_moved)
    "ASM_LADDERS": ["Optional assumptions", "Optional ladders", "Optional rows"],
    "ASM_WHY": ["function_name", "ParamArray args()"],
    "ASM_HELP": ["text", "Optional assumptions"],
    "ASM_ACTIONS": ["participant", "measures", "cost", "activities", "Optional exceptions", "Optional cost_ladder",
                    "Optional assumptions", "Optional ladders", "Optional rows"],
    "ASM_PROJECTION": ["final_score", "performance_year", "cohort", "part_b_payments", "Optional growth",
                       "Optional assumptions", "Optional exceptions", "Optional participation", "Optional next_row_year",
                       "Optional rows"],  # exceptions, participation, next_row_year, rows last: 6-argument formulas stand
}


@pytest.fixture(scope="module")
def udfs():
    module = import_udf_module("asm_xl.udfs")
    yield module
    importlib.reload(module)  # back to the plain (Linux no-op decorator) functions


def test_import_functions_writes_one_vba_function_per_registry_entry(udfs):
    vba = generate_vba(udfs)
    assert set(vba_signatures(vba)) == set(REGISTRY)


def test_vba_signatures_are_the_users_contract(udfs):
    assert vba_signatures(generate_vba(udfs)) == EXPECTED_SIGNATURES


#: words VBA reserves (a parameter of that name does not compile, and with it no function of the module works)
VBA_KEYWORDS = {"and", "as", "boolean", "byref", "byte", "byval", "call", "case", "const", "currency", "date", "declare",
                "dim", "do", "double", "each", "else", "elseif", "empty", "end", "enum", "eqv", "erase", "error", "event",
                "exit", "false", "for", "friend", "function", "get", "global", "gosub", "goto", "if", "imp", "implements",
                "in", "integer", "is", "let", "like", "long", "loop", "lset", "me", "mod", "new", "next", "not", "nothing",
                "null", "object", "on", "optional", "or", "paramarray", "preserve", "private", "property", "public",
                "raiseevent", "redim", "rem", "resume", "return", "rset", "select", "set", "single", "static", "step",
                "stop", "string", "sub", "then", "to", "true", "type", "typeof", "until", "variant", "wend", "while",
                "with", "xor"}


def test_no_argument_is_named_with_a_word_vba_reserves(udfs):
    # ASM_WHY's "function" made Import Functions write `Function ASM_WHY(function, ...)`: a compile error
    names = {a.split()[-1].removesuffix("()") for sig in vba_signatures(generate_vba(udfs)).values() for a in sig}
    assert not {n for n in names if n.lower() in VBA_KEYWORDS}


def test_every_argument_is_read_as_rows_of_cells_with_error_cells_as_their_text(udfs):
    # without ndim=2 a one-row range arrives flat; without err_to_str an error cell arrives as None (a blank)
    for name in REGISTRY:
        for arg in getattr(udfs, name).__xlfunc__["args"]:
            assert arg["options"].get("ndim") == 2 and arg["options"].get("err_to_str") is True, (name, arg["name"])


def test_vba_calls_the_asm_xl_udfs_module(udfs):
    vba = generate_vba(udfs)
    assert 'XLPy.CallUDF("asm_xl.udfs", "ASM_QUALITY", Array(points, completeness, cases, assumptions, cohort, measures)' in vba


def test_function_wizard_shows_category_and_help_under_255_characters(udfs):
    options = macro_options(udfs)
    assert set(options) == set(REGISTRY)
    for name, opt in options.items():
        assert opt["Category"] == "ASM"
        assert opt["Description"] == REGISTRY[name].help
        assert all(0 < len(d) <= 255 for d in opt["ArgumentDescriptions"]), name
        assert len(opt["ArgumentDescriptions"]) == len(EXPECTED_SIGNATURES[name])


def test_help_of_a_udf_gives_its_whole_declaration_and_the_wizard_its_one_line(udfs):
    # help(asm_xl.udfs.ASM_FACTOR) gave the wizard's line alone: no arguments, no source tag
    for name in REGISTRY:
        fn = getattr(udfs, name)
        assert fn.__doc__ == REGISTRY[name].docstring() and fn.__doc__.startswith(REGISTRY[name].signature)
        assert fn.__xlfunc__["ret"]["doc"] == REGISTRY[name].help   # what the Function Wizard shows


def test_udf_returns_the_same_value_as_the_registry_for_excel_shaped_input(udfs):
    column = [[9.5], [0.0], [8.5], [7.0], [None]]
    completeness = [[None], [0.7], [0.92], [0.95], [1.0]]
    cases = [[65], [60], [85], [85], [18]]
    assert udfs.ASM_QUALITY(column, completeness, cases) == pytest.approx(0.625, abs=1e-15)
