"""A measure entered on two rows of the measure table counts once, on its first row: the rule
(asm_xl.excel.duplicates), the ASM_MEASURE cells of the later row, ASM_QUALITY / ASM_MIN_SUBMISSION
fed by them, and ASM_ACTIONS' reading of the table."""

import math

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from asm_xl import MeasureInput, Participant, score_participant
from asm_xl.excel import call, explain
from asm_xl.excel.duplicates import first_rows, measure_key, not_counted_status
from asm_xl.excel.table_functions import participant_row
from asm_xl.model.errors import ASMInputError
from asm_xl.model.parameters import get_cohort

from tests.excel.test_measure_cells_property import measure_inputs
from score_sheet import score_sheet

ITEMS = ("collection_type", "completeness", "cases", "points", "counted", "status")
Q008_90 = 3 + 2.07 / 2.39   # PY2026 eCQM ladder: B3 = 87.93, B4 = 90.32 (as tests/excel/test_measure_cells.py)


# ------------------------------------------------------------------ the rule
def test_measure_key_reads_one_measure_however_it_is_typed():
    assert {measure_key(v) for v in ("Q236", " q236 ", "236", 236, 236.0)} == {"236"}
    assert measure_key("Q8") == measure_key("008") == "008"
    assert measure_key("Excess use ") == "excess use"        # not a MIPS number: compared as text
    assert [measure_key(v) for v in (None, "", "  ", "#N/A")] == [None, None, None, None]


def test_first_rows_points_each_row_at_the_first_row_of_its_measure():
    #          0       1     2      3     4       5
    rows = ["Q236", None, "236", "Q8", "Q236", "008"]
    assert first_rows(rows) == [0, None, 0, 3, 0, 3]


def test_not_counted_status_names_the_measure_and_both_rows_counted_from_one():
    assert not_counted_status("236", 0, 4) == \
        "Not counted: Q236 entered twice, the first Q236 row (the table's 1st measure) counts, not this one (its 5th)"


# ------------------------------------------------------------------ ASM_MEASURE with entered
def cell(item, measure, entered, ctype=None, eligible=None, reported=None, completeness=None, rate=None, points=None,
         cohort="HF"):
    return call("ASM_MEASURE", item, cohort, measure, ctype, eligible, reported, completeness, rate, points, None,
                None, entered)


def test_the_later_row_of_a_measure_shows_no_numbers_counts_as_excluded_and_says_why():
    entered = [["Q492"], ["Q008"], ["Q005"], ["8"]]  # Q008 again on the 4th row, typed as "8"
    later = {i: cell(i, "8", entered, "eCQM", 60, 60, rate=0.90) for i in ITEMS}
    assert later == {"collection_type": "eCQM", "completeness": "-", "cases": "-", "points": "-",
                     "counted": "excluded",
                     "status": "Not counted: Q008 entered twice, the first Q008 row (the table's 2nd measure) counts, "
                               "not this one (its 4th)"}
    # the first row of the measure is scored as without the argument: 90% on the eCQM ladder
    first = cell("counted", "Q008", entered[:2], "eCQM", 60, 60, rate=0.90)
    assert first == pytest.approx(Q008_90, rel=1e-12)
    assert cell("status", "Q008", entered[:2], "eCQM", 60, 60, rate=0.90) == "Scored"


def test_a_later_row_does_not_count_even_when_its_own_inputs_are_wrong():
    # Q492 is administrative claims only: as a first row "eCQM" is #VALUE! (text it does not take), as a
    # repeated row it does not count
    entered = [["Q492"], ["Q492"]]
    assert cell("status", "Q492", entered, "eCQM", 60, 60, rate=0.9).startswith("Not counted: Q492 entered twice")
    assert cell("collection_type", "Q492", entered, "eCQM", 60, 60, rate=0.9) == "-"
    assert cell("status", "Q492", entered[:1], "eCQM", 60, 60, rate=0.9) == "#VALUE!"


def test_entered_must_end_on_this_rows_measure():
    assert cell("status", "Q005", [["Q008"], ["Q236"]], "eCQM", 60, 60, rate=0.9) == "#VALUE!"
    assert "entered: its last cell ('Q236') must be this row's measure ('Q005')" in explain(
        "ASM_MEASURE", "status", "HF", "Q005", "eCQM", 60, 60, None, 0.9, None, None, None, [["Q008"], ["Q236"]])


def test_without_entered_a_measure_row_is_scored_as_before():
    assert cell("counted", "Q008", None, "eCQM", 60, 60, rate=0.90) == pytest.approx(Q008_90, rel=1e-12)
    assert call("ASM_MEASURE", "counted", "HF", "Q008", "eCQM", 60, 60, None, 0.90, None) == \
        pytest.approx(Q008_90, rel=1e-12)


def test_a_spilled_call_is_mapped_over_the_measure_cells_as_before():
    out = call("ASM_MEASURE", "counted", "HF", [["Q008"], ["Q005"]], "eCQM", 60, 30, None, 0.9, None)
    assert out == [[0.0], [0.0]]  # both at 50% completeness: 0 points, counted
    # with entered, every mapped cell reads the same range: its last cell is the measure of the last row
    assert call("ASM_MEASURE", "counted", "HF", [["Q008"], ["Q008"]], "eCQM", 60, 30, None, 0.9, None, None, None,
                [["Q008"], ["Q008"]]) == [["excluded"], ["excluded"]]


def test_quality_and_minimum_submission_read_the_repeated_row_once():
    # By hand: Q008 entered points 8 (complete, 60 cases); again below with points 10 and 100%;
    # Q005 0 points (completeness 50%). Counted once: (8 + 0) / 20 = 40%; twice it would be 18 / 30 = 60%.
    entered = [["Q008"], ["Q005"], ["Q008"]]
    rows = [("Q008", 60, 60, 8.0, entered[:1]), ("Q005", 60, 30, None, entered[:2]), ("Q008", 60, 60, 10.0, entered)]
    cells = {i: [cell(i, m, e, "eCQM", el, rep, points=p) for m, el, rep, p, e in rows]
             for i in ("counted", "completeness", "cases")}
    assert cells["counted"] == [8.0, 0.0, "excluded"]
    assert call("ASM_QUALITY", cells["counted"], cells["completeness"], cells["cases"]) == pytest.approx(0.4)
    # the minimum submission reads only the first Q008 row: at 60% completeness it is not met, whatever the later says
    low = [cell("completeness", m, e, "eCQM", 60, r, points=1.0) for m, r, e in
           (("Q008", 36, entered[:1]), ("Q005", 30, entered[:2]), ("Q008", 60, entered))]
    assert low == [0.6, 0.5, "-"]
    assert call("ASM_MIN_SUBMISSION", low) is False
    assert call("ASM_MIN_SUBMISSION", [0.6, 0.5, 1.0]) is True  # what the duplicate would have made of it


def test_a_measure_not_in_the_cohort_is_an_error_that_names_the_cohorts_measures():
    # (unchanged by the rule: an LBP measure in an HF workbook is #NUM! on its row, and the quality score
    # is an error too, never a score that silently leaves the measure out)
    assert cell("status", "Q238", [["Q008"], ["Q238"]], "MIPS CQM", 60, 60, rate=0.5) == "#VALUE!"
    assert explain("ASM_MEASURE", "status", "HF", "Q238", "MIPS CQM", 60, 60, None, 0.5, None, None, None,
                   [["Q008"], ["Q238"]]) == \
        "measure: 'Q238' is not allowed (the HF cohort's measures are Q492, Q008, Q005, Q236, Q377)"
    assert call("ASM_QUALITY", [8.0, "#NUM!"], [1.0, "#NUM!"], [60, "#NUM!"]) == "#NUM!"


# ------------------------------------------------------------------ ASM_ACTIONS reads the first row
PARTICIPANT = [None, None, None, None, "HF", 2027, 20, 100000, "Yes", None]


def _table(*rows):
    return [[m, None, ct, el, rep, rate, pts, comp] for m, ct, el, rep, rate, pts, comp in rows]


def test_actions_read_a_repeated_measure_from_its_first_row_only():
    table = _table(("Q008", "eCQM", 60, 60, 0.9, None, None), ("Q005", "eCQM", 60, 30, None, None, None),
                   ("8", "MIPS CQM", 100, 10, 0.2, 3.0, None))
    row = participant_row(PARTICIPANT, table, [None] * 3, [None] * 4, None)
    assert {k: v for k, v in row.items() if k.startswith("q008")} == \
        {"q008_collection_type": "eCQM", "q008_eligible": 60, "q008_reported": 60, "q008_rate": 0.9}


# ------------------------------------------------------------------ property: a repeated row never raises quality
def _quality(cohort, rows, assumptions=None):
    """The Score sheet's composition without the cohort's missing measures (``score_sheet``), so only the
    rule for a measure entered twice is at work."""
    return score_sheet(cohort, rows, assumptions, with_cohort=False)


@st.composite
def tables_with_a_repeat(draw):
    cohort = get_cohort(draw(st.sampled_from(["HF", "LBP"])))
    rows = [(m.label, draw(measure_inputs(m))) for m in cohort.measures]
    copied = draw(st.integers(0, len(rows) - 1))
    # the repeat: an exact copy of a row, or the same measure with other inputs, anywhere below its row
    again = rows[copied][1] if draw(st.booleans()) else draw(measure_inputs(cohort.measures[copied]))
    at = draw(st.integers(copied + 1, len(rows)))
    return cohort, rows, rows[:at] + [(rows[copied][0], again)] + rows[at:]


@hsettings(max_examples=150, deadline=None)
@given(tables_with_a_repeat())
def test_entering_a_measure_again_never_changes_the_quality_score_or_the_minimum_submission(case):
    cohort, rows, repeated = case
    before, after = _quality(cohort.code, rows), _quality(cohort.code, repeated)
    # never higher, and in fact the very same: the same score (or #N/A when nothing counts), the same flag
    assert after == before
    try:  # and the workbook without the repeat is the core's
        core = score_participant(Participant(
            cohort=cohort.code, performance_year=2027, practice_size=20, ia_done=2, pi_score=1.0,
            measures=[MeasureInput(m, v["ctype"], v["eligible"], v["reported"], v["rate"], v["points"],
                                   v["completeness"]) for m, v in rows]))
    except ASMInputError:
        return
    if core.quality is None:
        assert after[0] == "#N/A"
    else:
        assert math.isclose(after[0], core.quality, rel_tol=1e-12, abs_tol=1e-12)
