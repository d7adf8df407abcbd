"""ASM_ACTIONS and ASM_PROJECTION: tables with a header row, equal to the model's API for the same physician."""

import pandas as pd
import pytest

from asm_xl.excel.registry import call, explain
from asm_xl.excel.table_functions import ACTIONS_HEADER, NO_ACTION, PROJECTION_HEADER
from asm_xl.model.actions import participant_actions
from asm_xl.model.projection import project_five_years

ROW = dict(cohort="HF", performance_year=2027, practice_size=40, part_b_payments=250_000, submitted_on_time="Yes",
           cost_episodes=30, cost_points=8, ia1_done="Yes", ia2_done="No", pi_score=1.0,
           q008_collection_type="MIPS CQM", q008_eligible=100, q008_reported=90, q008_rate=0.85,
           q236_collection_type="MIPS CQM", q236_eligible=100, q236_reported=90, q236_rate=0.72)


def _ranges(row: dict, npi="1234567890"):
    """The five ranges as the Inputs sheet holds them (columns, measure table of 6 rows)."""
    participant = [[npi], ["11-111"], ["Dr A"], ["Cardiology"], [row["cohort"]], [row["performance_year"]],
                   [row["practice_size"]], [row["part_b_payments"]], [row["submitted_on_time"]], [None]]
    labels = ["Q492", "Q008", "Q005", "Q236", "Q377"]
    measures = [[m, "title", row.get(f"q{m[1:]}_collection_type"), row.get(f"q{m[1:]}_eligible"),
                 row.get(f"q{m[1:]}_reported"), row.get(f"q{m[1:]}_rate"), None, None] for m in labels]
    measures.append([None] * 8)
    cost = [[row["cost_episodes"]], [None], [row["cost_points"]]]
    activities = [[row["ia1_done"]], [row["ia2_done"]], [row["pi_score"]], [None]]
    return participant, measures, cost, activities, [["No"], ["No"]]


def test_actions_table_equals_participant_actions_row_by_row():
    table = call("ASM_ACTIONS", *_ranges(ROW))
    expected = participant_actions(ROW)
    assert table[0] == ACTIONS_HEADER
    assert len(table) - 1 == len(expected) >= 4
    for got, want in zip(table[1:], expected.itertuples()):
        assert got == [want.label, want.final_change, want.value_p50, want.value_p10, want.value_p90]
    p50 = [r[2] for r in table[1:]]
    assert p50 == sorted(p50, reverse=True)  # ranked by the value at P50


def test_actions_read_the_identity_cells_but_an_npi_typo_does_not_hide_them():
    assert call("ASM_ACTIONS", *_ranges(ROW, npi="123")) == call("ASM_ACTIONS", *_ranges(ROW))


def test_an_excepted_physician_gets_the_no_action_row():
    ranges = list(_ranges(ROW))
    ranges[4] = [["Yes"], ["No"]]
    table = call("ASM_ACTIONS", *ranges)
    assert table == [ACTIONS_HEADER, [NO_ACTION, "", "", "", ""]]


def test_with_exceptions_neutral_no_an_excepted_physician_gets_the_actions_of_any_other():
    ranges = list(_ranges(ROW))
    ranges[4] = [["Yes"], ["Yes"]]
    off = [["exceptions_neutral", "No"]]
    table = call("ASM_ACTIONS", *ranges, None, off)
    assert table == call("ASM_ACTIONS", *_ranges(ROW), None, off) == call("ASM_ACTIONS", *_ranges(ROW))
    assert len(table) > 4
    ranges[4] = [["Yes"], ["Yes"], ["Yes"]]   # not participating: no action whatever the setting
    assert call("ASM_ACTIONS", *ranges, None, off)[1][0].startswith("No action changes the estimate: not participating")


def test_actions_ranges_of_the_wrong_size_name_what_is_needed():
    ranges = list(_ranges(ROW))
    ranges[2] = [[30], [8]]
    assert call("ASM_ACTIONS", *ranges) == "#VALUE!"
    assert "cost: 3 cells needed" in explain("ASM_ACTIONS", *ranges)
    ranges = list(_ranges(ROW))
    ranges[1][0][0] = "Q999"
    assert "Q999" in explain("ASM_ACTIONS", *ranges) and "Q236" in explain("ASM_ACTIONS", *ranges)


def _with(cell: tuple, value):
    """The five ranges of ROW with one cell replaced: (range, row, column)."""
    ranges = list(_ranges(ROW))
    which, r, c = cell
    ranges[which][r][c] = value
    return ranges


@pytest.mark.parametrize("cell, error, shown, why", [
    ((0, 7, 0), "#DIV/0!", "#DIV/0!", "participant: part_b_payments: #DIV/0! (an error in a cell it reads)"),
    ((3, 2, 0), "#N/A", "#VALUE!", "activities: pi_score: #N/A (an error in a cell it reads)"),
    ((1, 1, 5), "#N/A", "#VALUE!", "measures: Q008 rate: #N/A (an error in a cell it reads)"),
])
def test_an_error_in_an_actions_input_shows_as_other_functions_show_it(cell, error, shown, why):
    assert call("ASM_ACTIONS", *_with(cell, error)) == shown
    assert explain("ASM_ACTIONS", *_with(cell, error)) == why


def test_a_blank_or_text_actions_input_is_value_and_a_number_out_of_range_num():
    blank = _with((0, 7, 0), None)   # Part B payments
    assert call("ASM_ACTIONS", *blank) == "#VALUE!"
    assert explain("ASM_ACTIONS", *blank).startswith("part_b_payments is blank")
    assert call("ASM_ACTIONS", *_with((0, 5, 0), None)) == "#VALUE!"   # performance year
    assert call("ASM_ACTIONS", *_with((1, 1, 5), 1.5)) == "#NUM!"      # a rate of 150%
    assert call("ASM_ACTIONS", *_with((1, 1, 5), "150%")) == "#NUM!"   # ... typed as text
    assert call("ASM_ACTIONS", *_with((1, 1, 5), "high")) == "#VALUE!"  # text that is not a number (as =SQRT("high"))
    assert "'high' is not allowed" in explain("ASM_ACTIONS", *_with((1, 1, 5), "high"))
    # an error in an identity cell (not scored) does not hide the actions
    assert call("ASM_ACTIONS", *_with((0, 0, 0), "#N/A")) == call("ASM_ACTIONS", *_ranges(ROW))


@pytest.mark.parametrize("growth", [None, 0.03])
def test_projection_equals_project_five_years_for_the_same_physician(growth):
    model = project_five_years(pd.DataFrame([ROW]), growth=growth)
    final = float(model["final_score"].iloc[0])
    table = call("ASM_PROJECTION", final, 2027, "HF", 250_000, growth)
    assert table[0] == PROJECTION_HEADER and len(table) == 6
    cols = ["performance_year", "payment_year", "risk_level", "dollars_at_risk", "dollars_p10", "dollars_p50",
            "dollars_p90", "cumulative_p50"]
    for got, (_, want) in zip(table[1:], model.iterrows()):
        assert got[:3] == [int(want.performance_year), int(want.payment_year), want.risk_level]
        assert got[3:] == pytest.approx([want[c] for c in cols[3:]], rel=1e-12)


def test_projection_from_a_later_year_starts_there_and_grows_from_it():
    table = call("ASM_PROJECTION", 70.0, 2029, "LBP", 100_000, 0.1)
    assert [r[0] for r in table[1:]] == [2029, 2030, 2031]
    assert table[1][3] == pytest.approx(0.10 * 100_000) and table[2][3] == pytest.approx(0.11 * 110_000)
    assert table[3][7] == pytest.approx(table[1][5] + table[2][5] + table[3][5])


def test_table_functions_are_not_mapped_over_a_column():
    assert call("ASM_PROJECTION", [[70.0], [80.0]], 2027, "HF", 1000) == "#VALUE!"


def test_why_of_a_table_function_is_ok_or_its_reason():
    assert call("ASM_WHY", "ASM_PROJECTION", 70.0, 2027, "HF", 1000) == "OK"
    assert "final_score" in call("ASM_WHY", "ASM_PROJECTION", "x", 2027, "HF", 1000)


EXCEPTED = [["Yes"], ["No"]]


def test_projection_with_an_exception_is_neutral_in_its_year_and_as_usual_later():
    plain = call("ASM_PROJECTION", 70.0, 2027, "HF", 250_000)
    excepted = call("ASM_PROJECTION", 70.0, 2027, "HF", 250_000, None, None, EXCEPTED)
    assert plain[1][4:7] != [0.0, 0.0, 0.0]  # a score of 70 moves the payment (the test can fail)
    # 2027: nothing at risk, $0 at P10 / P50 / P90 and cumulatively (the columns: years, risk, at risk, P10...)
    assert excepted[1] == plain[1][:3] + [0.0, 0.0, 0.0, 0.0, 0.0]
    assert plain[1][3] == pytest.approx(0.09 * 250_000)
    # 2028 on: the yearly rows of the physician without the exception; the cumulative P50 lacks 2027's
    for got, want in zip(excepted[2:], plain[2:]):
        assert got[:7] == want[:7]
        assert got[7] == pytest.approx(want[7] - plain[1][5], rel=1e-12)
    assert call("ASM_PROJECTION", 70.0, 2027, "HF", 250_000, None, None, [["No"], [None]]) == plain


def test_projection_with_an_exception_equals_project_five_years_of_the_excepted_physician():
    model = project_five_years(pd.DataFrame([{**ROW, "payment_exception": "yes"}]))
    final = float(model["final_score"].iloc[0])
    table = call("ASM_PROJECTION", final, 2027, "HF", 250_000, None, None, [["No"], ["Yes"]])
    cols = ["dollars_at_risk", "dollars_p10", "dollars_p50", "dollars_p90", "cumulative_p50"]
    assert model.loc[0, cols].tolist() == [0.0] * 5
    for got, (_, want) in zip(table[1:], model.iterrows()):
        assert got[3:] == [want[c] for c in cols]


def test_projection_keeps_its_six_argument_form_assumptions_sixth():
    assumptions = [["payments_growth", 0.05]]
    six = call("ASM_PROJECTION", 70.0, 2027, "HF", 1000, None, assumptions)
    assert six == call("ASM_PROJECTION", 70.0, 2027, "HF", 1000, 0.05)
    assert six == call("ASM_PROJECTION", 70.0, 2027, "HF", 1000, None, assumptions, None)
    assert "exceptions" in explain("ASM_PROJECTION", 70.0, 2027, "HF", 1000, None, None, [["maybe"], ["No"]])


def test_projection_batch_equals_single_calls_bit_for_bit_with_and_without_exceptions():
    from asm_xl.excel import table_functions
    from asm_xl.excel.registry import prefetch

    calls = [(f, y, c, pay, g, None, exc) for f in (12.5, 55.0, 88.0) for y in (2027, 2029) for c in ("HF", "LBP")
             for pay, g in ((250_000, None), (80_000, 0.04)) for exc in (None, EXCEPTED, [["No"], ["Yes"]])]
    table_functions.PROJECTION_MEMO.clear()
    assert prefetch("ASM_PROJECTION", calls) == len(calls)
    solves = table_functions.PROJECTION_MEMO.solves
    batched = [call("ASM_PROJECTION", *args) for args in calls]
    assert table_functions.PROJECTION_MEMO.solves == solves  # every call was answered by the batch
    table_functions.PROJECTION_MEMO.clear()
    alone = [call("ASM_PROJECTION", *args) for args in calls]
    assert batched == alone
    assert sum(t[1][5] == 0.0 for t in alone) == len(calls) * 2 // 3  # the excepted calls' first years


# ------------------------------------------------------------------ rows: one fixed array formula's block
def test_rows_gives_the_rows_below_the_header_padded_with_blanks_to_exactly_that_many():
    table = call("ASM_PROJECTION", 80, 2027, "HF", 250_000)        # header + 5 years
    block = call("ASM_PROJECTION", 80, 2027, "HF", 250_000, None, None, None, None, None, 7)
    assert block[:5] == table[1:]                                   # the years, without the header
    assert block[5:] == [[""] * len(PROJECTION_HEADER)] * 2          # two blank rows past them
    assert call("ASM_PROJECTION", 80, 2027, "HF", 250_000, None, None, None, None, None, 2) == table[1:3]   # cut to 2


def test_rows_given_an_error_table_is_one_blank_column_and_keeps_its_reason():
    # one column: a fixed array formula repeats a one-column result across its range (all blank, as
    # IFERROR(INDEX(...), "") showed each cell); ASM_WHY of the call says why the table is not there
    args = (80, 2027, "XX", 250_000, None, None, None, None, None, 3)
    assert call("ASM_PROJECTION", *args) == [[""], [""], [""]]
    assert "cohort" in explain("ASM_PROJECTION", *args) and "XX" in explain("ASM_PROJECTION", *args)


@pytest.mark.parametrize("rows, error", [(0, "#NUM!"), (2.5, "#NUM!"), ("many", "#VALUE!")])
def test_rows_that_is_not_a_whole_number_from_one_is_an_error_naming_it(rows, error):
    assert call("ASM_LADDERS", None, None, rows) == error
    assert explain("ASM_LADDERS", None, None, rows).startswith("rows")


def test_the_block_shows_a_blank_or_an_error_in_the_table_as_blank():
    from asm_xl.excel.registry import table_block
    table = [["a", "b", "c"], [1.0, None, "#N/A"], [float("inf"), "x", True]]
    assert table_block(table, 3) == [[1.0, "", ""], ["", "x", True], ["", "", ""]]


def test_an_earlier_workbooks_eight_argument_projection_says_to_regenerate_it():
    # ASM_PROJECTION(..., In_Exceptions, 5): its 8th argument was rows, now the participation cells
    old = (80, 2027, "HF", 250_000, None, None, None, 5)
    assert call("ASM_PROJECTION", *old) == "#VALUE!"
    assert "asm-xl generate --overwrite rebuilds it" in explain("ASM_PROJECTION", *old)


def test_participation_and_a_later_row_shape_the_projection_as_the_dashboards_rules_do():
    part = [["Yes"], ["No"], [None], [None], [None]]
    table = call("ASM_PROJECTION", 80, 2027, "HF", 250_000, None, None, None, part, 2030)
    years = [r[0] for r in table[1:]]
    assert years == [2027, 2028, 2029]                 # 2030 on: the later roster row's
    assert table[2][3:7] == [0.0, 0.0, 0.0, 0.0]       # 2028: not participating, no adjustment
    plain = call("ASM_PROJECTION", 80, 2027, "HF", 250_000)
    assert table[1] == plain[1] and table[3][:7] == plain[3][:7]   # the other years as without them
    assert table[3][7] == pytest.approx(plain[1][5] + plain[3][5])   # cumulative P50 without 2028's
    assert call("ASM_PROJECTION", 80, 2029, "HF", 250_000, None, None, None, None, 2029) == "#NUM!"


def test_a_physician_not_participating_has_no_action_and_the_table_says_why():
    from asm_xl.excel.table_functions import NOT_PARTICIPATING_ACTION
    ranges = _ranges(ROW)[:4]
    table = call("ASM_ACTIONS", *ranges, [["No"], ["No"], ["Yes"]])
    assert table == [ACTIONS_HEADER, [NOT_PARTICIPATING_ACTION, "", "", "", ""]]
    assert call("ASM_ACTIONS", *ranges, ("No", "No", "Yes")) == table   # a tuple of cells, as a list
    assert call("ASM_ACTIONS", *ranges, [["No"], ["No"], ["#N/A"]]) == "#N/A"
    # a third cell saying no: the actions of the two-cell range, row by row
    assert call("ASM_ACTIONS", *ranges, [["No"], ["No"], ["No"]]) == call("ASM_ACTIONS", *ranges, [["No"], ["No"]])
    assert call("ASM_ACTIONS", *ranges, [["No"], ["No"], ["maybe"]]) == "#VALUE!"
    assert call("ASM_ACTIONS", *ranges, [["No"], ["No"], ["No"], ["No"]]) == "#VALUE!"
