"""The cell-level functions the template's rule cells call: ASM_MEASURE, ASM_NOTE, ASM_IA_DONE."""

import pytest

from asm_xl.excel import call, explain

Q008_90 = 3 + 2.07 / 2.39  # PY2026 eCQM ladder: B3 = 87.93, B4 = 90.32


def measure(item, measure="Q008", ctype=None, eligible=None, reported=None, completeness=None, rate=None,
            points=None, cohort="HF", *rest):
    return call("ASM_MEASURE", item, cohort, measure, ctype, eligible, reported, completeness, rate, points, *rest)


def test_measure_row_of_a_complete_measure_with_enough_cases():
    args = dict(eligible=60, reported=60, rate=0.90)
    assert measure("collection_type", **args) == "eCQM"
    assert measure("completeness", **args) == 1.0
    assert measure("cases", **args) == 60
    assert measure("points", **args) == pytest.approx(Q008_90, rel=1e-12)
    assert measure("counted", **args) == pytest.approx(Q008_90, rel=1e-12)
    assert measure("status", **args) == "Scored"


def test_measure_below_the_completeness_threshold_counts_zero():
    args = dict(eligible=60, reported=30, rate=0.90)  # 50% < 75%
    assert measure("completeness", **args) == 0.5
    assert measure("status", **args) == "0 points: data completeness below the threshold"
    assert (measure("points", **args), measure("counted", **args)) == ("-", 0.0)


def test_completeness_given_without_eligible_cases_is_kept_and_the_measure_excluded():
    args = dict(measure="Q236", completeness=0.9, rate=0.72)
    assert measure("completeness", **args) == 0.9
    assert measure("cases", **args) == 0
    assert measure("status", **args) == "Excluded: fewer eligible cases than the case minimum"
    assert measure("counted", **args) == "excluded"


def test_blank_collection_type_is_the_measures_first_and_a_wrong_one_is_value_error():
    assert measure("collection_type", measure="Q220", cohort="LBP") == "MIPS CQM"
    assert measure("points", "Q220", None, 50, 50, None, 0.65, None, "LBP") == pytest.approx(3 + 5 / 9.57, rel=1e-12)
    assert measure("status", "Q220", "eCQM", 50, 50, None, 0.65, None, "LBP") == "#VALUE!"
    assert "Q220 is collected as MIPS CQM" in explain("ASM_MEASURE", "status", "LBP", "Q220", "eCQM", 50, 50, None,
                                                      0.65, None)


def test_administrative_claims_measure_without_a_rate_shows_n_a_and_is_excluded():
    assert [measure(i, "Q492") for i in ("collection_type", "completeness", "cases", "points", "counted")] == \
        ["Administrative claims", "n/a", "n/a", "-", "excluded"]


def test_quality_reads_n_a_as_administrative_claims():
    # Q492 excluded (n/a), Q008 scored 8 of 10, Q005 not reported 0 of 10 -> 8 / 20 = 40%
    assert call("ASM_QUALITY", ["excluded", 8, 0], ["n/a", 1.0, 0], ["n/a", 60, 0]) == 0.4
    assert call("ASM_MIN_SUBMISSION", ["n/a", 0.5]) is False
    assert call("ASM_MIN_SUBMISSION", ["n/a", 0.8]) is True


def test_unknown_item_is_value():
    assert measure("weight") == "#VALUE!"


def test_ia_done_counts_yes_answers():
    assert call("ASM_IA_DONE", "Yes", "") == 1
    assert call("ASM_IA_DONE", "yes", "TRUE") == 2
    assert call("ASM_IA_DONE", None, "No") == 0
    assert call("ASM_IA_DONE", "maybe", "no") == "#VALUE!"
    assert call("ASM_IA_DONE", 2, "no") == "#NUM!"   # a number, not a yes/no one: as the core's check of ia1_done


def test_note_names_the_weights_and_the_reweighting():
    assert call("ASM_NOTE", 0.5, 0.5) == "Quality weighs 50% and cost 50% of the final score."
    assert call("ASM_NOTE", "#N/A", 0.5, "Yes") == "Quality not scored: its weight moves to cost [ASSUMPTION]."
    assert call("ASM_NOTE", 0.5, 0.5, "No") == "Minimum data submission not met: final score 0 [CMS]."
    assert call("ASM_NOTE", 0.5, 0.5, None, [["quality_weight", 0.7]]) == \
        "Quality weighs 70% and cost 30% of the final score."
    assert call("ASM_NOTE", "#NUM!", 0.5) == "#NUM!"


def test_quality_skips_a_measure_marked_excluded_even_with_a_case_minimum_of_0():
    # Found by the property test: with case_minimum 0 an unreported claims measure ("excluded", "n/a")
    # was read as points and gave #VALUE!; the four unreported measures count 0 of 40 points.
    assumptions = [["case_minimum", 0], ["completeness_threshold", 0.5]]
    got = call("ASM_QUALITY", ["excluded", 0.0, 0.0, 0.0, 0.0], ["n/a", 0.0, 0.0, 0.0, 0.0],
               ["n/a", 0.0, 0.0, 0.0, 0.0], assumptions)
    assert got == 0.0


def test_quality_of_measures_that_are_all_excluded_says_so_not_that_none_were_given():
    # a measure below the case minimum and a claims measure without a rate: both excluded by ASM_MEASURE
    args = (["excluded", "excluded"], [1.0, "n/a"], [10, "n/a"])
    assert call("ASM_QUALITY", *args) == "#N/A"
    assert explain("ASM_QUALITY", *args) == ("quality not scored: all 2 measure(s) given are excluded "
                                             "(each measure's status says why)")
    assert explain("ASM_QUALITY", [None], [None], [None]) == "no measures given"


def test_claims_measure_with_a_rate_and_no_case_count_says_the_case_minimum_stands_in():
    # Q492 with a rate and no count: scored with the case minimum (20) standing in for its cases
    row = ("HF", "Q492", "Administrative claims", None, None, None, 72.4, None)
    assert call("ASM_MEASURE", "cases", *row) == 20.0
    assert call("ASM_MEASURE", "status", *row) == "Scored; cases not given: 20 assumed [ASSUMPTION]"
    given = ("HF", "Q492", "Administrative claims", 35, None, None, 72.4, None)
    assert call("ASM_MEASURE", "status", *given) == "Scored"


def test_a_blank_benchmark_year_is_the_assumptions_one_and_a_given_year_is_this_calls_own():
    # The template passes "" (the Assumptions sheet's benchmark_year is the workbook's one control).
    # PY2022 Q008 eCQM: B5 = 90.13, B6 = 91.29 → 90% is below B5: 4 + (90 - 87.83) / (90.13 - 87.83)
    py2022 = 4 + 2.17 / 2.30
    assumptions = [["benchmark_year", 2022]]
    args = ("points", "HF", "Q008", "eCQM", 60, 60, None, 0.90, None)
    assert call("ASM_MEASURE", *args, "", assumptions) == pytest.approx(py2022, rel=1e-12)
    assert call("ASM_MEASURE", *args, "") == pytest.approx(Q008_90, rel=1e-12)          # defaults: latest
    assert call("ASM_MEASURE", *args, 2026, assumptions) == pytest.approx(Q008_90, rel=1e-12)
