"""A cohort measure that is not on the measure table counts as the scoring core counts a measure not
given (asm_xl.excel.not_given): ASM_QUALITY given the cohort and the table's measure cells, the note
ASM_MISSING_MEASURES, and the Score sheet's composition against the scalar API (property)."""

import math

from hypothesis import given, settings as hsettings, strategies as st

from asm_xl import MeasureInput, Participant, score_participant
from asm_xl.excel import call, explain
from asm_xl.excel.duplicates import first_rows
from asm_xl.excel.not_given import measure_item, missing_scores
from asm_xl.model.errors import ASMInputError
from asm_xl.model.parameters import get_cohort
from asm_xl.model.settings import DEFAULT_SETTINGS, Settings

from tests.excel.test_measure_cells_property import measure_inputs
from score_sheet import score_sheet

# Q008 8 points and Q377 6 points, both complete with 50 cases: the Score sheet's counted, completeness and
# cases cells of a table holding only those two rows (and a blank one)
COUNTED, COMPLETENESS, CASES = [8.0, 6.0, None], [1.0, 1.0, None], [50.0, 50.0, None]
TABLE = ["Q008", "Q377", ""]
CLAIMS_COUNT_ZERO = [["unreported_admin_claims_excluded", "FALSE"]]


def quality(*extra):
    return call("ASM_QUALITY", COUNTED, COMPLETENESS, CASES, *extra)


# ------------------------------------------------------------------ ASM_QUALITY
def test_without_the_cohort_quality_reads_only_the_rows_given_as_before():
    assert quality() == (8 + 6) / 20


def test_the_cohorts_measures_not_on_the_table_count_as_not_reported():
    # HF: Q005 and Q236 not on the table: 0 points, counted; Q492 (claims, no rate): excluded by default.
    # (8 + 6 + 0 + 0) / 40 = 35%
    assert quality(None, "HF", TABLE) == 0.35
    # an unreported claims measure that counts: 0 points in the denominator too, (8 + 6) / 50 = 28%
    assert quality(CLAIMS_COUNT_ZERO, "HF", TABLE) == 0.28


def test_a_measure_typed_otherwise_or_twice_is_on_the_table():
    assert quality(None, "HF", ["8", "Q377", "Q008", "492", "5", "q236"]) == (8 + 6) / 20
    assert quality(None, "HF", [[8.0], ["Q377"], [None]]) == 0.35   # a column, a number, a blank cell


def test_an_empty_table_is_every_measure_not_reported_not_no_score():
    # LBP: four measures, none of them claims-based: 0 / 40
    assert call("ASM_QUALITY", [None], [None], [None], None, "LBP", [None]) == 0.0
    assert call("ASM_QUALITY", [None], [None], [None]) == "#N/A"  # without the cohort: nothing given


def test_an_excluded_table_with_a_measure_missing_is_scored_zero_as_the_core_scores_it():
    # Q008 with 10 cases: excluded (case minimum 20); every other HF measure off the table: Q005, Q236,
    # Q377 count 0, Q492 excluded -> 0 / 30
    assert call("ASM_QUALITY", ["excluded"], [1.0], [10.0]) == "#N/A"
    assert call("ASM_QUALITY", ["excluded"], [1.0], [10.0], None, "HF", ["Q008"]) == 0.0


def test_cohort_and_measures_go_together_and_bad_ones_say_why():
    assert quality(None, "HF") == "#VALUE!"
    assert explain("ASM_QUALITY", COUNTED, COMPLETENESS, CASES, None, "HF") == (
        "measures is blank: cohort and measures go together (the cohort's measures not among measures count "
        "as not given)")
    assert explain("ASM_QUALITY", COUNTED, COMPLETENESS, CASES, None, None, TABLE).startswith("cohort is blank")
    assert quality(None, "XX", TABLE) == "#VALUE!"
    assert explain("ASM_QUALITY", COUNTED, COMPLETENESS, CASES, None, "XX", TABLE) == \
        "cohort: 'XX' is not allowed (one of HF, LBP)"
    assert quality(None, "HF", ["Q008", "#N/A"]) == "#VALUE!"   # an input's error, as every range reads it
    assert explain("ASM_QUALITY", COUNTED, COMPLETENESS, CASES, None, "HF", ["Q008", "#N/A"]) == \
        "measures #2: #N/A (an error in a cell it reads)"


# ------------------------------------------------------------------ the note
def test_the_note_names_each_missing_measure_and_how_it_counts():
    assert call("ASM_MISSING_MEASURES", "HF", TABLE) == (
        "Not on the measure table, scored as a measure not given: Q492 (excluded: administrative-claims rate "
        "not available); Q005 (0 points: not reported); Q236 (0 points: not reported).")
    assert call("ASM_MISSING_MEASURES", "HF", ["Q492", "Q005", "Q236", "Q377"], CLAIMS_COUNT_ZERO) == \
        "Not on the measure table, scored as a measure not given: Q008 (0 points: not reported)."
    assert call("ASM_MISSING_MEASURES", "LBP", ["Q238", "Q134", "Q128", "Q220", ""]) == \
        "Every LBP measure is on the measure table."
    assert call("ASM_MISSING_MEASURES", "HF", "Q008", None) != "#VALUE!"   # one cell is a table of one


def test_a_missing_measure_shows_the_cells_of_a_row_with_nothing_entered():
    # the cells ASM_QUALITY adds are those of the measure's own row left blank: one kernel
    for m in get_cohort("HF").measures:
        code, (ms,) = missing_scores("HF", [x.label for x in get_cohort("HF").measures if x is not m],
                                     DEFAULT_SETTINGS)
        assert code == "HF" and ms.measure == m.label
        for item in ("collection_type", "completeness", "cases", "points", "counted", "status"):
            assert measure_item(ms, item) == call("ASM_MEASURE", item, "HF", m.label, *[None] * 6), (m.label, item)


# ------------------------------------------------------------------ property: the Score sheet without a row
def _sheet(cohort, rows, assumptions):
    """The Score sheet's composition (``score_sheet``: ASM_QUALITY given the cohort and the measure cells)."""
    return score_sheet(cohort, rows, assumptions)


@st.composite
def tables_with_a_measure_off(draw):
    """A cohort's table, one row taken off (blanked or deleted) or its id overwritten by another measure's."""
    cohort = get_cohort(draw(st.sampled_from(["HF", "LBP"])))
    rows = [(m.label, draw(measure_inputs(m))) for m in cohort.measures]
    k = draw(st.integers(0, len(rows) - 1))
    how = draw(st.sampled_from(["deleted", "blanked", "overwritten"]))
    if how == "deleted":
        rows = rows[:k] + rows[k + 1:]
    elif how == "blanked":
        rows = rows[:k] + [("", None)] + rows[k + 1:]
    else:
        other = draw(st.sampled_from([m.label for m in cohort.measures if m.label != rows[k][0]]))
        rows = rows[:k] + [(other, rows[k][1])] + rows[k + 1:]
    s = Settings(case_minimum=draw(st.integers(0, 40)), completeness_threshold=draw(st.sampled_from([0.5, 0.75])),
                 unreported_admin_claims_excluded=draw(st.booleans()))
    return cohort, rows, s


@hsettings(max_examples=200, deadline=None)
@given(tables_with_a_measure_off())
def test_a_measure_off_the_table_gives_the_cores_scores_for_the_physician_without_it(case):
    cohort, rows, s = case
    assumptions = [[k, ("TRUE" if v else "FALSE") if isinstance(v, bool) else v] for k, v in s]
    shown = [(m, v) for m, v in rows if m]
    quality, met = _sheet(cohort.code, rows, assumptions)
    # the core's physician: each measure's first row, the measure off the table not given at all
    firsts = first_rows([m for m, _ in shown])
    given_ = [MeasureInput(m, v["ctype"], v["eligible"], v["reported"], v["rate"], v["points"], v["completeness"])
              for i, (m, v) in enumerate(shown) if firsts[i] == i]
    assert len(given_) == len(cohort.measures) - 1
    try:
        core = score_participant(Participant(cohort=cohort.code, performance_year=2027, practice_size=20, ia_done=2,
                                             pi_score=1.0, measures=given_), settings=s)
    except ASMInputError:  # a counted row's bad input (an id overwritten onto another type): an error, no score
        assert isinstance(quality, str) and quality.startswith("#")
        return
    if core.quality is None:
        assert quality == "#N/A"
    else:
        assert math.isclose(quality, core.quality, rel_tol=1e-12, abs_tol=1e-12)
    assert met is core.minimum_submission_met   # a measure not given has no completeness: no argument needed

