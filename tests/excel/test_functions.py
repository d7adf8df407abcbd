"""ASM_* functions called the way Excel calls them: scalars, rows, columns, blanks, error values."""

import math

import pytest

from asm_xl.excel import REGISTRY, call, explain
from asm_xl.model.pool_choice import reference_point

CMS_POINTS = [9.5, None, 8.5, 7.0, None]
CMS_COMPLETENESS = [None, 0.70, 0.92, 0.95, 1.00]   # blank = administrative claims (Q492)
CMS_CASES = [65, 60, 85, 85, 18]


def as_column(values):
    return [[v] for v in values]


@pytest.mark.parametrize("shape", [list, as_column, lambda v: [list(v)]], ids=["flat", "column", "row"])
def test_quality_reproduces_cms_example_for_every_range_shape(shape):
    # (9.5 + 0 + 8.5 + 7) / 40: Q008 is incomplete (70% < 75%), Q377 has 18 < 20 cases.
    assert call("ASM_QUALITY", shape(CMS_POINTS), shape(CMS_COMPLETENESS), shape(CMS_CASES)) == 0.625


def test_quality_scores_a_claims_measure_given_points_but_no_cases_as_the_core_does():
    # spec 3 and the core's assumption: CMS attributes an administrative-claims measure, so one given points
    # but no case count is scored at the case minimum; ASM_QUALITY excluded it (0.6 where the core says 0.7)
    from asm_xl.model.participant import MeasureInput, Participant, score_participant
    core = score_participant(Participant(
        cohort="HF", performance_year=2027, practice_size=40, ia_done=2, pi_score=1.0, cost_points=5, cost_episodes=30,
        measures=[MeasureInput("Q492", "administrative claims", points=8),
                  MeasureInput("Q008", "eCQM", eligible_cases=30, completeness=1.0, points=6)]))
    assert core.quality == pytest.approx((8 + 6) / 50)   # Q005, Q236, Q377 not given: 0 of 10 points each
    assert call("ASM_QUALITY", [[8], [6]], [["n/a"], [1]], [["n/a"], [30]], None, "HF",
                [["Q492"], ["Q008"]]) == pytest.approx(core.quality)
    assert call("ASM_QUALITY", [[8], [6]], [["n/a"], [1]], [["n/a"], [30]]) == pytest.approx((8 + 6) / 20)
    # without points or cases the claims measure was not reported: excluded, as before
    assert call("ASM_QUALITY", [[None], [6]], [["n/a"], [1]], [["n/a"], [30]]) == pytest.approx(0.6)
    # points of a measure that is not scored are not read (an incomplete measure counts 0)
    assert call("ASM_QUALITY", [["oops"], [6]], [[0.5], [1]], [[40], [30]]) == pytest.approx(6 / 20)


def test_quality_reads_a_blank_completeness_as_claims_only_for_a_measure_collected_so():
    # Q008 (eCQM, MIPS CQM) with 30 cases, 8 points and no completeness: the core scores it 0 complete (0 points,
    # counted); ASM_QUALITY took the blank for administrative claims and counted its 8 points: 0.375 for 0.175
    from asm_xl.model.participant import MeasureInput, Participant, score_participant
    core = score_participant(Participant(
        cohort="HF", performance_year=2027, practice_size=40, ia_done=2, pi_score=1.0,
        measures=[MeasureInput("Q008", "eCQM", eligible_cases=30, points=8),
                  MeasureInput("Q005", "eCQM", eligible_cases=30, completeness=0.9, points=7)]))
    assert core.quality == pytest.approx(7 / 40)   # Q008 0 of 10, Q005 7, Q236 and Q377 not given; Q492 excluded
    table = ([[8], [7]], [[None], [0.9]], [[30], [30]], None, "HF")
    assert call("ASM_QUALITY", *table, [["Q008"], ["Q005"]]) == pytest.approx(core.quality)
    assert call("ASM_QUALITY", *table, [["8"], [5]]) == pytest.approx(core.quality)   # as measure_key reads cells
    # Q492 is administrative claims: its blank is complete by definition, 8 points of 50 with Q005's 7
    assert call("ASM_QUALITY", *table, [["Q492"], ["Q005"]]) == pytest.approx((8 + 7) / 50)
    # without measures (or a measures range not parallel to the table) the blank reads as documented
    assert call("ASM_QUALITY", *table[:3]) == pytest.approx((8 + 7) / 20)


def test_quality_with_every_measure_excluded_is_na_with_a_reason():
    args = ([5.0, 6.0], [0.9, 1.0], [10, 19])
    assert call("ASM_QUALITY", *args) == "#N/A"
    assert "every measure is excluded" in explain("ASM_QUALITY", *args)


def test_quality_of_unequal_ranges_is_value_error():
    assert call("ASM_QUALITY", [1, 2], [0.8], [30, 30]) == "#VALUE!"


def test_quality_of_a_two_dimensional_block_is_value_error():
    assert call("ASM_QUALITY", [[1, 2], [3, 4]], [[1, 1], [1, 1]], [[30, 30], [30, 30]]) == "#VALUE!"


def test_measure_points_accepts_every_measure_and_collection_type_spelling():
    # Q236 eCQM PY2026 ladder: B7 = 72.0, B8 = 75.0 → 73.5% is 7 + 1.5/3 = 7.5 points.
    for measure in ("Q236", "236", 236, 236.0, "q236"):
        for ctype in ("eCQM", "ecqm", "electronicHealthRecord"):
            assert call("ASM_MEASURE_POINTS", measure, ctype, 0.735) == pytest.approx(7.5)


def test_measure_points_refuses_a_collection_type_asm_does_not_collect_the_measure_as():
    # Q236 as Part B claims: MIPS has that ladder (7.5 points at 65%), but ASM_MEASURE, the roster and the
    # core refuse the measure so ("Q236 is collected as eCQM, MIPS CQM"): one rule, the same answer
    assert call("ASM_MEASURE_POINTS", "Q236", "Part B claims", 0.65) == "#VALUE!"
    assert explain("ASM_MEASURE_POINTS", "Q236", "Part B claims", 0.65) == \
        "collection_type: 'Part B claims' is not allowed (Q236 is collected as eCQM, MIPS CQM)"
    assert call("ASM_MEASURE_POINTS", "Q236", "MIPS CQM", 0.65) == 7.5


def test_measure_points_of_a_percent_typed_as_70_is_num_error_naming_the_rule():
    assert call("ASM_MEASURE_POINTS", "Q236", "eCQM", 72) == "#NUM!"
    assert "fraction between 0 and 1" in explain("ASM_MEASURE_POINTS", "Q236", "eCQM", 72)


def test_measure_points_text_percent_is_read_as_a_fraction():
    assert call("ASM_MEASURE_POINTS", "Q236", "eCQM", "73.5%") == pytest.approx(7.5)


def test_measure_points_for_an_older_benchmark_year():
    # Q236 eCQM PY2022 (9-value format): B2..B10 = 0, 51.76, 56.81, ... → 56.81% starts decile 4.
    assert call("ASM_MEASURE_POINTS", "Q236", "eCQM", 0.5681, 2022) == pytest.approx(4.0)


def test_ladders_in_use_are_the_latest_by_default_one_row_per_cohort_measure_and_collection_type():
    table = call("ASM_LADDERS")
    assert table[0][:6] == ["Cohort", "Measure", "Collection type", "MIPS PY or yours", "Inverse", "Topped out (cap 7)"]
    assert table[0][7:] == [f"B{k}" for k in range(1, 11)]
    assert len(table) == 1 + 15   # HF: Q492, Q008 x2, Q005 x2, Q236 x2, Q377; LBP: Q238 x2, Q134 x2, Q128 x2, Q220
    rows = {(r[0], r[1], r[2]): r[3:] for r in table[1:]}
    # mips_benchmarks_asm.csv row "2026,2024,236,electronicHealthRecord"
    assert rows[("HF", "Q236", "eCQM")] == [2026, "No", "No", "percent", 4.76, 45.28, 55.56, 61.54, 65.61, 68.98,
                                            72.0, 75.0, 78.7, 84.04]
    assert rows[("LBP", "Q220", "MIPS CQM")][0] == 2026


def test_ladders_of_an_older_benchmark_year_say_which_measures_have_none():
    table = call("ASM_LADDERS", [["benchmark_year", 2021], ["topped_out_cap", 8]])
    assert table[0][5] == "Topped out (cap 8)"
    rows = {(r[0], r[1], r[2]): r[3:] for r in table[1:]}
    # row "2021,2019,236,electronicHealthRecord" (9 values, B1 implied 0): 0, 51.69, 57.08, ... 82.38
    assert rows[("HF", "Q236", "eCQM")] == [2021, "No", "No", "percent", 0.0, 0.0, 51.69, 57.08, 61.33, 64.8,
                                            68.45, 72.04, 76.36, 82.38]
    assert rows[("HF", "Q377", "eCQM")] == ["no benchmark for 2021: excluded"] + [""] * 13
    assert rows[("HF", "Q492", "Administrative claims")][0] == "no benchmark for 2021: excluded"
    assert rows[("LBP", "Q238", "eCQM")][0] == 2021   # Q238 has a 2021 ladder (not a 2022 one)


def test_ladders_of_a_year_without_benchmarks_is_num_error_naming_the_years():
    assert call("ASM_LADDERS", [["benchmark_year", 2024]]) == "#NUM!"
    assert explain("ASM_LADDERS", [["benchmark_year", 2024]]) == \
        "benchmark_year: 2024 is not allowed (a year with benchmarks: 2021, 2022, 2025, 2026)"


def test_measure_points_unknown_ladder_is_value_error_listing_what_exists():
    assert call("ASM_MEASURE_POINTS", "Q377", "MIPS CQM", 0.5) == "#VALUE!"
    assert "eCQM" in explain("ASM_MEASURE_POINTS", "Q377", "MIPS CQM", 0.5)


def test_points_on_a_user_ladder_in_a_row():
    ladder = [[0, 10, 20, 30, 40, 50, 60, 70, 80, 90]]
    assert call("ASM_POINTS", 65, ladder) == 7.5
    assert call("ASM_POINTS", 95, ladder, False, True) == 7.0     # topped out: cap at 7
    inverse = [list(reversed(ladder[0]))]  # 90, 80, ..., 0: lower is better
    assert call("ASM_POINTS", 5, inverse, True) == 9.5   # reaches B9 = 10, not B10 = 0: 9 + 5/10
    assert call("ASM_POINTS", 0, inverse, True) == 10.0


def test_points_with_nine_values_is_value_error():
    assert call("ASM_POINTS", 5, list(range(9))) == "#VALUE!"


def test_cost_from_points_and_from_a_cost_ladder():
    assert call("ASM_COST", 8, 25) == 0.8
    ladder = [20000, 19000, 18000, 17000, 16000, 15000, 14000, 13000, 12000, 11000]
    # 15,500 reaches B5 = 16,000 but not B6 = 15,000: 5 + 500/1000 = 5.5 points → 0.55.
    assert call("ASM_COST", 15500, 25, ladder) == pytest.approx(0.55)


def test_cost_with_19_episodes_is_na():
    assert call("ASM_COST", 8, 19) == "#N/A"
    assert "19 episodes" in explain("ASM_COST", 8, 19)


def test_cost_with_enough_episodes_and_no_value_is_a_missing_input_not_cost_left_unscored():
    # CMS scores cost from 20 episodes: a blank is what the roster's check refuses ("required with enough
    # episodes"), not a category to reweight away, with or without a ladder (an empty one included)
    for args in ((None, 20), ("", 127), (None, 127, [])):
        assert call("ASM_COST", *args) == "#VALUE!"
        assert "required with" in explain("ASM_COST", *args)
    assert call("ASM_COST", 15500, 127, []) == "#N/A"   # an episode cost with no ladder: not scored [MIPS]
    # and the other way round: a value without its episodes (the roster's "required with cost_points")
    assert call("ASM_COST", 8, None) == "#VALUE!" and explain("ASM_COST", 8, "").startswith("episodes is blank")
    assert call("ASM_COST", None, None) == "#N/A"   # nothing given: not scored, 0 episodes


def test_a_cost_value_given_is_checked_even_when_cost_is_not_scored():
    # as the roster's check: a typo is said, not hidden behind "fewer than 20 episodes"
    assert call("ASM_COST", "n/a", 0) == "#VALUE!"
    assert call("ASM_COST", "50%", 30) == "#NUM!"   # a number (0.5), but not cost points: as through the core
    assert call("ASM_COST", 0.5, 5) == "#NUM!"
    assert call("ASM_COST", -1, 5, [20000, 19000, 18000, 17000, 16000, 15000, 14000, 13000, 12000, 11000]) == "#NUM!"
    assert call("ASM_COST", 5, 5) == "#N/A"


def test_an_na_in_a_quality_input_is_a_value_error_not_a_quality_left_unscored():
    # =NA() in measure 2's rate: its points cell shows #N/A; a quality #N/A would read "not scored"
    points = [[7.0], ["#N/A"]]
    assert call("ASM_QUALITY", points, [[0.9], [0.9]], [[30], [30]]) == "#VALUE!"
    assert explain("ASM_QUALITY", points, [[0.9], [0.9]], [[30], [30]]) == "points #2: #N/A (an error in a cell it reads)"
    # even where the points would not be read (5 < 20 cases), and in completeness or cases
    assert call("ASM_QUALITY", points, [[0.9], [0.9]], [[30], [5]]) == "#VALUE!"
    assert explain("ASM_QUALITY", [7.0, 6.0], [0.9, "#N/A"], [30, 30]) == "completeness #2: #N/A (an error in a cell it reads)"
    assert call("ASM_QUALITY", [7.0, 6.0], [0.9, 0.9], ["#N/A", 30]) == "#VALUE!"
    # its final score is an error, not a score with quality reweighted to cost (79.8 before)
    assert call("ASM_FINAL", call("ASM_QUALITY", points, [[0.9], [0.9]], [[30], [30]]), 0.7, 2, 0.98, 0, 12,
                "Yes") == "#VALUE!"


def test_an_na_in_a_cost_input_is_a_value_error_and_other_errors_pass_through():
    assert call("ASM_COST", "#N/A", 30) == "#VALUE!"
    assert explain("ASM_COST", "#N/A", 30) == "value: #N/A (an error in a cell it reads)"
    assert call("ASM_COST", 5, "#N/A") == "#VALUE!"
    assert explain("ASM_COST", 5, "#N/A") == "episodes: #N/A (an error in a cell it reads)"
    assert call("ASM_COST", 15500, 25, [["#N/A"]] * 10) == "#VALUE!"
    assert call("ASM_COST", 5, "#DIV/0!") == "#DIV/0!"   # =1/0 in an input keeps its own error
    assert call("ASM_FINAL", 0.6, call("ASM_COST", 5, "#N/A"), 2, 0.98) == "#VALUE!"
    assert call("ASM_COST", 5, 3) == "#N/A"   # a genuine "not scored" stays #N/A


def test_final_reweights_a_quality_shown_as_na_to_cost():
    # Quality #N/A: 100% cost. 100 x 0.8 - 10 (one IA) - 5 (PI 50%) + 3 + 10 (5 clinicians) = 78.
    assert call("ASM_FINAL", "#N/A", 0.8, 1, 0.5, 3, 5) == pytest.approx(78.0)
    assert call("ASM_FINAL", None, 0.8, 1, 0.5, 3, 5) == pytest.approx(78.0)


def test_final_without_minimum_submission_is_zero():
    assert call("ASM_FINAL", 0.9, 0.9, 2, 1, 10, 1, False) == 0.0


def test_final_is_clamped_to_100():
    assert call("ASM_FINAL", 1, 1, 2, 1, 10, 1) == 100.0


def test_final_with_no_practice_size_takes_cms_small_practice_flag_as_the_bonus_rule_does():
    # spec 8.1: CMS's flag decides the small-practice bonus; the size only tells solo (+15) from small (+10).
    # 100 x (0.5 x 0.6 + 0.5 x 0.5) = 55, both activities, full PI, no complex bonus; the flag adds +10
    assert call("ASM_FINAL", 0.6, 0.5, 2, 1.0, 0, None, True, "yes") == pytest.approx(65.0)
    assert call("ASM_FINAL", 0.6, 0.5, 2, 1.0, 0, None, True, "no") == pytest.approx(55.0)
    assert call("ASM_FINAL", 0.6, 0.5, 2, 1.0, 0, None, True) == pytest.approx(55.0)   # neither: no bonus
    assert call("ASM_FINAL", 0.6, 0.5, 2, 1.0, 0, 1, True, "yes") == pytest.approx(70.0)   # solo: +15
    # the Score sheet's bonus row says the same (it was #VALUE! beside a final score that counted +10)
    assert [call("ASM_PRACTICE_BONUS", None, flag) for flag in ("yes", "no")] == [10.0, 0.0]
    assert call("ASM_PRACTICE_BONUS", None) == "#VALUE!"   # neither: the size is needed


def test_final_ia_done_must_be_0_1_or_2():
    assert call("ASM_FINAL", 0.5, 0.5, 3, 1) == "#NUM!"
    assert call("ASM_FINAL", 0.5, 0.5, "two", 1) == "#VALUE!"


def test_tfs_of_80_is_cms_illustration():
    assert call("ASM_TFS", 80) == pytest.approx(1 / (1 + math.exp(-3)))
    assert round(call("ASM_TFS", 80), 2) == 0.95


def test_tfs_of_a_cohort_and_year_takes_the_exchange_function_cms_published(monkeypatch):
    # HF 2028 published (hypothetical): k 0.12, m 55. TFS(80) = 1 / (1 + e^(-0.12 x 25)) = 1 / (1 + e^-3) = 0.952574;
    # the assumptions' k 0.1 would give 1 / (1 + e^-2.5) = 0.924142, which the Score sheet showed beside a
    # factor priced at k 0.12
    from asm_xl.model import parameters
    raw = dict(parameters._raw())
    raw["exchange_function"] = [{"cohort": "HF", "performance_year": 2028, "steepness": 0.12, "midpoint": 55.0,
                                 "source": "CMS (hypothetical)"}]
    monkeypatch.setattr(parameters, "_raw", lambda: raw)
    table = [["peer_draws", 60], ["peer_seed", 13]]  # a pool no earlier call memoized without the published k
    m = call("ASM_POOL_MIDPOINT", 2028, "HF", table)
    assert m == 55.0
    assert call("ASM_TFS", 80, m, table, 2028, "HF") == pytest.approx(1 / (1 + math.exp(-3)), rel=1e-15)
    assert call("ASM_TFS", 80, m, table) == pytest.approx(1 / (1 + math.exp(-2.5)), rel=1e-15)  # no cohort named
    assert call("ASM_TFS", 80, 55, table, 2028, "LBP") == pytest.approx(1 / (1 + math.exp(-2.5)), rel=1e-15)
    assert call("ASM_TFS", 80, m, table, 2028, None) == "#VALUE!"  # a year without its cohort


def test_factor_and_scaling_of_a_named_cohort_take_the_exchange_function_cms_published(monkeypatch):
    # HF 2028 published (hypothetical): k 0.12, m 55. Roster [80, 20], equal weights: the pool pays back 85%
    # of 2 x r, so SF = 1.7 / (TFS(80) + TFS(20)) = 1.7 / (1/(1+e^-3) + 1/(1+e^4.2)) = 1.757382, and
    # factor(80) = 0.09 x TFS(80) x SF - 0.09 = 0.060663 (the scoring core's roster pool gives the same)
    from asm_xl.model import parameters
    raw = dict(parameters._raw())
    raw["exchange_function"] = [{"cohort": "HF", "performance_year": 2028, "steepness": 0.12, "midpoint": 55.0,
                                 "source": "CMS (hypothetical)"}]
    monkeypatch.setattr(parameters, "_raw", lambda: raw)
    t80, t20 = 1 / (1 + math.exp(-3.0)), 1 / (1 + math.exp(4.2))
    sf = 1.7 / (t80 + t20)
    assert call("ASM_SCALING", [[80.0], [20.0]], 2028, None, None, "HF") == pytest.approx(sf, rel=1e-12)
    factor = call("ASM_FACTOR", 80, 2028, [[80.0], [20.0]], None, None, None, "HF")
    assert factor == pytest.approx(0.09 * t80 * sf - 0.09, rel=1e-12)
    assert factor == pytest.approx(0.060663, abs=5e-7)
    # no cohort named: the assumptions' k 0.1 and m 50 (the roster's SF solved with them)
    assert call("ASM_SCALING", [[80.0], [20.0]], 2028) != pytest.approx(sf, rel=1e-6)
    # a given SF: final 70 priced with k 0.12, m 55 (TFS 1/(1+e^-1.8)) when the cohort is named, else k 0.1, m 50
    assert call("ASM_FACTOR", 70, 2028, 1.62, None, None, None, "HF") == pytest.approx(
        0.09 * 1.62 / (1 + math.exp(-1.8)) - 0.09, rel=1e-12)
    assert call("ASM_FACTOR", 70, 2028, 1.62) == pytest.approx(0.09 * 1.62 / (1 + math.exp(-2.0)) - 0.09, rel=1e-12)
    assert call("ASM_MULTIPLIER", 70, 2028, 1.62, None, None, None, "HF") == pytest.approx(
        1 + 0.09 * 1.62 / (1 + math.exp(-1.8)) - 0.09, rel=1e-12)
    assert call("ASM_FACTOR", 70, 2028, "HF", None, None, None, "LBP") == "#VALUE!"   # two cohorts named


def test_factor_names_its_pool_a_given_scaling_factor_a_cohort_or_the_cohort_s_scores():
    tfs80 = 1 / (1 + math.exp(-3))
    assert call("ASM_FACTOR", 80, 2027, 1.7) == pytest.approx(0.09 * tfs80 * 1.7 - 0.09)
    assert call("ASM_FACTOR", 0, 2031, 1.7) == pytest.approx(-0.12)
    # a scaling factor typed as text is that number, as every number argument reads text (it was taken for a
    # cohort code: #NUM! "cohort: '1.7' is not allowed"), in a cell or a one-cell range
    for typed in ("1.7", " 1.70 ", [["1.7"]]):
        assert call("ASM_FACTOR", 80, 2027, typed) == pytest.approx(0.09 * tfs80 * 1.7 - 0.09)
        assert call("ASM_MULTIPLIER", 80, 2027, typed) == pytest.approx(1 + 0.09 * tfs80 * 1.7 - 0.09)
    assert call("ASM_FACTOR", 80, 2027, "XX") == "#VALUE!" and "XX" in explain("ASM_FACTOR", 80, 2027, "XX")
    # the cohort: the pool in force (national peer model), its SF and midpoint as ASM_POOL_SF/MIDPOINT say
    sf, m = call("ASM_POOL_SF", 2027, "HF"), call("ASM_POOL_MIDPOINT", 2027, "HF")
    assert sf == reference_point("HF", 2027).scaling_factor and m == 50.0
    assert call("ASM_FACTOR", 80, 2027, "HF") == pytest.approx(0.09 * tfs80 * sf - 0.09, rel=1e-12)
    # scaling left blank and the cohort named last (=ASM_FACTOR(80, 2027, , , , , "HF")): that cohort's pool (it was
    # #VALUE! "name the pool", the cohort given)
    assert call("ASM_FACTOR", 80, 2027, None, None, None, None, "HF") == call("ASM_FACTOR", 80, 2027, "HF")
    assert call("ASM_MULTIPLIER", 80, 2027, None, None, None, None, "LBP") == call("ASM_MULTIPLIER", 80, 2027, "LBP")
    # no pool named: an error that says how to name one, never a hidden default
    assert call("ASM_FACTOR", 80, 2027) == "#VALUE!"
    assert "name the pool" in explain("ASM_FACTOR", 80, 2027)
    given = [["pool", "given"], ["given_scaling_factor", 1.6]]
    assert call("ASM_FACTOR", 80, 2027, None, None, None, given) == pytest.approx(0.09 * tfs80 * 1.6 - 0.09)
    assert call("ASM_POOL", 2027, "LBP", given) == \
        "given: scaling factor 1.6 (given_scaling_factor), midpoint 50 (tfs_midpoint, either mode)"


def test_the_pool_text_says_what_to_check_as_the_cohort_api_warns_it():
    # a given SF of 16.2 (typed for 1.62) and a point k outside the draws': only the cohort API warned, a workbook's
    # pool text was silent
    from asm_xl.model.pool_warnings import given_pool_warning, point_steepness_warning
    from asm_xl.model.settings import Settings
    typo = [["pool", "given"], ["given_scaling_factor", 16.2]]
    assert call("ASM_POOL", 2027, "LBP", typo) == (
        "given: scaling factor 16.2 (given_scaling_factor), midpoint 50 (tfs_midpoint, either mode); warning: "
        + given_pool_warning(Settings(pool="given", given_scaling_factor=16.2)))
    steep = call("ASM_POOL", 2027, "HF", [["tfs_steepness", 0.2]])
    assert steep.endswith("; warning: " + point_steepness_warning("HF", 2027, Settings(tfs_steepness=0.2)))
    assert "warning:" not in call("ASM_POOL", 2027, "HF")
    # a given scaling factor typed beside pool 'national' priced nothing, without a word
    unused = call("ASM_POOL", 2027, "HF", [["given_scaling_factor", 1.5]])
    assert unused.endswith("; warning: given_scaling_factor 1.5 is not used: the pool is 'national'; set pool to "
                           "'given' to use it")
    assert call("ASM_POOL_SF", 2027, "HF", [["given_scaling_factor", 1.5]]) == call("ASM_POOL_SF", 2027, "HF")
    assert call("ASM_POOL", 2027, "HF", [["given_source", "CMS"]]).endswith(
        "; warning: given_source 'CMS' is not used: the pool is 'national'; set pool to 'given' to use it")


def test_tfs_with_a_blank_midpoint_takes_the_given_pools_midpoint_in_either_mode():
    # a given pool with given_midpoint 55, k 0.1: TFS(60) = 1 / (1 + e^-0.5) = 0.622459 (m = 55, as ASM_POOL_MIDPOINT says)
    given = [["pool", "given"], ["given_scaling_factor", 1.5], ["given_midpoint", 55]]
    for mode in ("fixed", "cohort_median"):
        table = given + [["tfs_midpoint_mode", mode]]
        assert call("ASM_POOL_MIDPOINT", 2027, "HF", table) == 55.0
        assert call("ASM_TFS", 60, None, table) == pytest.approx(1 / (1 + math.exp(-0.5)), rel=1e-15)
    # no midpoint to be had without a cohort: the hint names ASM_POOL_MIDPOINT's arguments in their order
    assert "ASM_POOL_MIDPOINT(performance_year, cohort)" in explain("ASM_TFS", 60, None,
                                                                  [["tfs_midpoint_mode", "cohort_median"]])


def test_factor_from_a_cohort_range_equals_factor_with_its_scaling():
    finals, pay = [[80], [40], [60]], [[100_000], [200_000], [100_000]]
    sf = call("ASM_SCALING", finals, 2027, pay)
    tfs = [1 / (1 + math.exp(-0.1 * (f - 50))) for f in (80, 40, 60)]
    assert sf == pytest.approx(0.85 * 400_000 / (100_000 * tfs[0] + 200_000 * tfs[1] + 100_000 * tfs[2]))
    assert call("ASM_FACTOR", 80, 2027, finals, pay) == pytest.approx(call("ASM_FACTOR", 80, 2027, sf))
    assert call("ASM_MULTIPLIER", 80, 2027, sf) == pytest.approx(1 + call("ASM_FACTOR", 80, 2027, sf))


def test_impact_of_6_percent_on_250000_is_15000():
    assert call("ASM_IMPACT", 0.06, 250_000) == pytest.approx(15_000)


def test_payments_beyond_the_rosters_limit_are_refused_not_an_infinite_scaling_factor():
    # 1e308 each: ASM_SCALING gave inf silently (two rows) or a logged traceback and a bare #VALUE! (three)
    huge = [[1e308], [1e308]]
    assert call("ASM_SCALING", [[50], [60]], 2027, huge) == "#NUM!"
    assert "payments #1: 1e+308 is not allowed (dollars between 0 and 1,000,000,000)" in \
        explain("ASM_SCALING", [[50], [60]], 2027, huge)
    assert call("ASM_FACTOR", 55, 2027, [[50], [60], [70]], [[1e308]] * 3) == "#NUM!"
    assert call("ASM_IMPACT", 0.05, 1e308) == "#NUM!"
    assert call("ASM_IMPACT", 0.05, 1e9) == 5e7


def test_impact_refuses_a_factor_typed_as_a_percent():
    # 6 meant as 6% would be $1,500,000 on $250,000: #NUM!, with what is allowed
    assert call("ASM_IMPACT", 6, 250_000) == "#NUM!"
    assert call("ASM_IMPACT", 1.5, 250_000) == "#NUM!"
    assert "6 is not allowed (a fraction from -1 to 1: 0.06 or 6% for +6%)" in explain("ASM_IMPACT", 6, 250_000)
    assert call("ASM_IMPACT", 1, 250_000) == 250_000 and call("ASM_IMPACT", -1, 250_000) == -250_000


def test_risk_level_and_payment_year():
    assert [call("ASM_RISK_LEVEL", y) for y in range(2027, 2032)] == [0.09, 0.09, 0.10, 0.11, 0.12]
    assert call("ASM_PAYMENT_YEAR", "2029") == 2031
    assert call("ASM_RISK_LEVEL", 2026) == "#NUM!"


def test_helpers_for_adjustments():
    assert [call("ASM_IA_ADJ", n) for n in (0, 1, 2)] == [-20, -10, 0]
    assert call("ASM_PI_ADJ", 0.75) == pytest.approx(-2.5)
    assert [call("ASM_PRACTICE_BONUS", n) for n in (1, 2, 15, 16)] == [15, 10, 10, 0]
    assert call("ASM_COMPLETENESS", 45, 60) == 0.75
    assert call("ASM_COMPLETENESS", 61, 60) == "#NUM!"
    assert call("ASM_COMPLETENESS", None, 60) == 0.0   # nothing reported
    assert call("ASM_COMPLETENESS", None, None) == 1.0   # no eligible case: none left unreported [ASSUMPTION]


def test_complex_bonus_is_the_points_given_blank_none_and_beyond_the_cap_an_error_naming_it():
    # spec 6: up to +10 points, accepted as an input (the formula is unpublished); the cap is a setting
    assert [call("ASM_COMPLEX_BONUS", v) for v in (None, "", 0, 7.5, "3", 10)] == [0.0, 0.0, 0.0, 7.5, 3.0, 10.0]
    assert call("ASM_COMPLEX_BONUS", 12) == "#NUM!"
    assert explain("ASM_COMPLEX_BONUS", 12) == "complex_bonus: 12 is not allowed (points from 0 to 10, or blank for none)"
    assert call("ASM_COMPLEX_BONUS", -1) == "#NUM!" and call("ASM_COMPLEX_BONUS", "lots") == "#VALUE!"
    # an input's #N/A (=NA(), a failed lookup) is an input error, never "not available"; other errors pass on
    assert call("ASM_COMPLEX_BONUS", "#N/A") == "#VALUE!" and call("ASM_COMPLEX_BONUS", "#DIV/0!") == "#DIV/0!"
    assert explain("ASM_COMPLEX_BONUS", "#N/A") == "complex_bonus: #N/A (an error in a cell it reads)"
    assumptions = [["complex_bonus_max", 5]]
    assert call("ASM_COMPLEX_BONUS", 7.5, assumptions) == "#NUM!"
    assert call("ASM_COMPLEX_BONUS", 5, assumptions) == 5.0
    # ASM_FINAL reads its complex_bonus by the same rule: 50 + 7.5 with both activities and full PI
    assert call("ASM_FINAL", 0.5, 0.5, 2, 1.0, 7.5) == 57.5
    assert explain("ASM_FINAL", 0.5, 0.5, 2, 1.0, 12) == explain("ASM_COMPLEX_BONUS", 12)


def test_minimum_submission_needs_one_complete_non_claims_measure_on_time():
    assert call("ASM_MIN_SUBMISSION", [None, 0.7, 0.75]) is True      # 75% exactly meets it
    assert call("ASM_MIN_SUBMISSION", [None, 0.7, 0.74]) is False     # only the claims measure
    assert call("ASM_MIN_SUBMISSION", [None, 0.9], "No") is False     # late


@pytest.mark.parametrize("error, shown", [("#N/A", "#VALUE!"), ("#DIV/0!", "#DIV/0!"), ("#VALUE!", "#VALUE!")])
def test_minimum_submission_does_not_skip_an_error_in_its_inputs(error, shown):
    # 0.9 alone would meet it: the error in the second measure's completeness is not left out, it
    # shows as the other ASM_* functions show an input's error (#N/A: #VALUE!, never "not scored")
    assert call("ASM_MIN_SUBMISSION", [None, 0.9]) is True
    assert call("ASM_MIN_SUBMISSION", [None, 0.9, error]) == shown
    assert explain("ASM_MIN_SUBMISSION", [None, 0.9, error]) == f"completeness #3: {error} (an error in a cell it reads)"
    assert call("ASM_MIN_SUBMISSION", [None, 0.9], error) == shown   # on time
    assert call("ASM_QUALITY", [8, 7, 6], [None, 0.9, error], [30, 30, 30]) == shown   # as ASM_QUALITY


@pytest.mark.parametrize("value, shown, why", [
    ("#N/A", "#VALUE!", "assumptions: case_minimum: #N/A (an error in a cell it reads)"),
    ("#DIV/0!", "#DIV/0!", "assumptions: case_minimum: #DIV/0! (an error in a cell it reads)"),
    (-5, "#NUM!", "case_minimum: -5 is not allowed"),
])
def test_an_error_or_a_bad_value_in_the_assumptions_shows_as_an_input_error_does(value, shown, why):
    table = [["completeness_threshold", 0.75], ["case_minimum", value]]
    assert call("ASM_MIN_SUBMISSION", [None, 0.9], True, table) == shown
    assert explain("ASM_MIN_SUBMISSION", [None, 0.9], True, table).startswith(why)
    assert call("ASM_MIN_SUBMISSION", [None, 0.9], True, [["case_minimum", None]]) is True   # blank: the default


def test_a_blank_assumption_the_settings_refuse_is_value_as_every_blank(monkeypatch):
    from asm_xl.excel import arguments
    from asm_xl.model.errors import ASMInputError

    def refuse(typed):
        raise ASMInputError("given_scaling_factor", None, "a scaling factor")
    monkeypatch.setattr(arguments, "_settings_from_pairs", refuse)
    table = [["given_scaling_factor", 1.23456789]]   # a content no other test reads (read settings are kept)
    assert call("ASM_MIN_SUBMISSION", [None, 0.9], True, table) == "#VALUE!"
    assert explain("ASM_MIN_SUBMISSION", [None, 0.9], True, table) == "given_scaling_factor is blank (a scaling factor)"


def test_percentile_rank_among_cohort():
    assert call("ASM_PERCENTILE", 60, [[40], [60], [80], [None]]) == pytest.approx(50.0)


def test_assumptions_range_changes_the_result():
    table = [["tfs_midpoint", 60], ["tfs_steepness", 0.2], ["unrelated blank", None]]
    assert call("ASM_TFS", 60, None, table) == 0.5
    assert call("ASM_TFS", 60, None, [["no_such_setting", 1]]) == "#VALUE!"   # a name it does not know
    assert call("ASM_TFS", 60, None, [["tfs_steepness", "high"]]) == "#VALUE!"  # text where a number is needed
    assert call("ASM_TFS", 60, None, [["tfs_steepness", -1]]) == "#NUM!"       # a number out of range


def test_a_setting_given_twice_in_the_assumptions_is_value_naming_both_rows():
    # a copied row (quality_weight 0.5 above, 0.6 below): the last one won without a word
    table = [["tfs_steepness", 0.2], ["tfs_midpoint", 60], [None, None], ["TFS_Midpoint ", 55]]
    assert call("ASM_TFS", 60, None, table) == "#VALUE!"
    assert explain("ASM_TFS", 60, None, table) == "assumptions: TFS_Midpoint is given twice (rows 2 and 4 of the range): give it once"
    assert call("ASM_TFS", 60, None, table[:3]) == 0.5


def test_payments_typed_as_text_with_a_thousands_dot_are_refused_as_the_roster_refuses_them():
    # "416.569" in the Inputs sheet priced $416.57 where asm-xl score refused the row: a factor of 1,000
    assert call("ASM_IMPACT", 0.06, "416.569") == "#VALUE!"
    assert explain("ASM_IMPACT", 0.06, "$416.569").startswith("part_b_payments: '$416.569' is ambiguous: a decimal "
                                                              "point or a thousands dot?")
    assert call("ASM_IMPACT", 0.06, "416,569") == pytest.approx(24_994.14)
    assert call("ASM_IMPACT", 0.06, "416.57") == pytest.approx(24.9942)   # cents: no ambiguity
    assert call("ASM_IMPACT", 0.06, 416.569) == pytest.approx(24.99414)   # a number is Excel's own, as typed


def test_a_fraction_given_as_a_percent_number_gets_the_rosters_hint():
    assert call("ASM_PI_ADJ", 90) == "#NUM!"
    assert explain("ASM_PI_ADJ", 90) == "pi_score: 90 is not allowed (between 0 and 1; did you mean 90%?)"
    assert explain("ASM_PI_ADJ", 1.5) == "pi_score: 1.5 is not allowed (between 0 and 1)"


def test_why_explains_the_error_of_the_same_arguments():
    assert call("ASM_WHY", "ASM_COST", 8, 10) == explain("ASM_COST", 8, 10)
    assert call("ASM_WHY", "ASM_TFS", 50) == "OK"

def test_why_of_a_misspelled_function_says_so_in_its_cell_and_takes_the_names_users_type():
    # it was #NAME? (which reads as "the add-in is not loaded"), and its reason could be seen nowhere in Excel
    assert call("ASM_WHY", "ASM_FACTR", 70) == "function_name: 'ASM_FACTR' is no ASM function; did you mean ASM_FACTOR?"
    assert call("ASM_WHY", "NOPE").startswith("function_name: 'NOPE' is no ASM function (one of ASM_ACTIONS, ")
    assert call("ASM_WHY", "ASM_WHY") == ("function_name: ASM_WHY explains another function's error: give that "
                                          "function's name")
    for typed in ("FACTOR", "asm_factor", "=ASM_FACTOR(", " Factor "):
        assert call("ASM_WHY", typed, 70, 2026) == explain("ASM_FACTOR", 70, 2026)
    assert call("ASM_WHY", None) == "#VALUE!"   # no name at all: the argument's error


def test_text_numbers_and_blanks_are_normalized():
    assert call("ASM_IMPACT", "0.06", "250,000") == pytest.approx(15_000)
    assert call("ASM_IMPACT", None, 250_000) == "#VALUE!"


def test_wrong_argument_count_is_value_error_not_an_exception():
    assert call("ASM_TFS") == "#VALUE!"
    assert call("ASM_IMPACT", 1, 2, None, 4) == "#VALUE!"
    # the reason counts in words ("takes 1-1 arguments"; ASM_WHY, which takes any number after its first, said 1-1)
    assert explain("ASM_RISK_LEVEL") == "ASM_RISK_LEVEL(performance_year) takes 1 argument, got 0"
    assert explain("ASM_IMPACT", 1, 2, None, 4).endswith(" takes 2 to 3 arguments, got 4")
    assert explain("ASM_WHY").endswith(" takes at least 1 argument, got 0")
    assert explain("ASM_TFS").endswith(" takes 1 to 5 arguments, got 0")


def test_no_function_ever_raises_on_garbage_input():
    garbage = [None, "", "abc", "#REF!", [[None]], [[1, 2], [3, 4]], float("nan"), True, -1e308]
    for fn in REGISTRY.values():
        n = len(fn.args)
        for g in garbage:
            result = call(fn.name, *([g] * n))
            assert result is not None
            assert not (isinstance(result, float) and math.isnan(result)), (fn.name, g)


def test_tfs_honours_the_midpoint_mode_with_the_cohort_s_scores():
    # finals 40, 60, 90: fixed mode -> m 50; cohort_median -> m 60, so the 60 sits at TFS 1/2
    finals = [[40], [60], [90]]
    assert call("ASM_TFS", 60, finals) == pytest.approx(1 / (1 + math.exp(-1)))
    median = [["tfs_midpoint_mode", "cohort_median"]]
    assert call("ASM_TFS", 60, finals, median) == 0.5
    assert call("ASM_TFS", 60, 70) == pytest.approx(1 / (1 + math.exp(1)))
    # cohort_median without a cohort: no midpoint to take, said so
    assert call("ASM_TFS", 60, None, median) == "#VALUE!"
    assert "cohort_median" in explain("ASM_TFS", 60, None, median)


def test_scaling_of_a_cohort_uses_the_median_midpoint_when_so_set():
    # finals 40, 60, 90, equal payments; median mode: m = 60, TFS = 1/(1+e^2), 1/2, 1/(1+e^-3)
    # SF = 0.85 x 3 / sum TFS (no bound active)
    finals = [[40], [60], [90]]
    t = [1 / (1 + math.exp(2)), 0.5, 1 / (1 + math.exp(-3))]
    sf = call("ASM_SCALING", finals, 2027, None, [["tfs_midpoint_mode", "cohort_median"]])
    assert sf == pytest.approx(0.85 * 3 / sum(t), rel=1e-12)


@pytest.mark.parametrize("fraction", [0.1, "10%", [[0.1]], 0.5])
def test_a_percentile_given_as_a_fraction_is_num_error_naming_the_percentile_meant(fraction):
    # 0.1 taken as given would be the 0.1th percentile (0.0068 for HF 2027), not P10 (0.0214)
    assert call("ASM_FACTOR_RANGE", 70, 2027, "HF", fraction) == "#NUM!"
    meant = 50 if fraction == 0.5 else 10
    assert explain("ASM_FACTOR_RANGE", 70, 2027, "HF", fraction).endswith(
        f"looks like a fraction; give the percentile from 0 to 100 ({meant} for P{meant})")


def test_percentiles_from_0_to_100_are_read_as_given():
    p = {pct: call("ASM_FACTOR_RANGE", 70, 2027, "HF", pct) for pct in (0, 1, 10, 50, 100)}
    assert p[0] <= p[1] <= p[10] <= p[50] <= p[100]
    assert p[50] == call("ASM_FACTOR_RANGE", 70, 2027, "HF")   # blank: the median
    assert call("ASM_FACTOR_RANGE", 70, 2027, "HF", "10") == p[10]


def test_a_blank_measure_or_cohort_is_a_value_error_saying_blank():
    blank_measure = ("ASM_MEASURE", "points", "HF", None, None, None, None, None, 0.7, None)
    assert call(*blank_measure) == "#VALUE!"
    assert explain(*blank_measure).startswith("measure is blank (")
    blank_cohort = ("ASM_MEASURE", "points", None, "Q236", None, None, None, None, 0.7, None)
    assert call(*blank_cohort) == "#VALUE!"
    assert explain(*blank_cohort).startswith("cohort is blank (")


@pytest.mark.parametrize("typed, dollars", [("$300,000", 300_000), ("300,000", 300_000), (" $1,250,000 ", 1_250_000)])
def test_payments_typed_as_excel_formats_them_are_read_as_the_roster_reads_them(typed, dollars):
    # impact = factor x payments: 6% of $300,000 is $18,000
    assert call("ASM_IMPACT", 0.06, typed) == pytest.approx(0.06 * dollars)
    assert call("ASM_IMPACT", "6%", typed) == pytest.approx(0.06 * dollars)   # the factor is a fraction


def test_a_percent_sign_is_read_only_where_the_argument_is_a_fraction():
    assert call("ASM_IMPACT", 0.06, "30%") == "#NUM!"   # a number (0.3), but not dollars: not allowed here
    assert "a percent sign where a fraction is not expected" in explain("ASM_IMPACT", 0.06, "30%")
    assert call("ASM_FINAL", "70%", "80%", 2, "98%") == call("ASM_FINAL", 0.7, 0.8, 2, 0.98)
    assert call("ASM_IMPACT", 0.06, "(1,000)") == "#NUM!"   # an accounting negative: below the minimum 0
    assert call("ASM_IMPACT", 0.06, "abc") == "#VALUE!"


@pytest.mark.parametrize("specialty, cohort, want", [
    ("Cardiology", "", "HF"), ("", "LBP", "LBP"), ("cardiology ", "hf", "HF"), (None, "Low back pain", "LBP"),
    ("Pain Management", None, "LBP")])
def test_cohort_is_the_cohort_given_else_the_specialtys(specialty, cohort, want):
    assert call("ASM_COHORT", specialty, cohort) == want


def test_cohort_of_a_specialty_of_another_cohort_is_value_error_naming_the_specialties_allowed():
    assert call("ASM_COHORT", "Orthopedic Surgery", "HF") == "#VALUE!"
    assert explain("ASM_COHORT", "Orthopedic Surgery", "HF") == (
        "specialty: 'Orthopedic Surgery' is not allowed (a specialty of the HF cohort: Cardiology)")


def test_cohort_of_two_blank_cells_is_value_error_and_an_input_error_passes_on():
    assert call("ASM_COHORT", None, "") == "#VALUE!"
    assert explain("ASM_COHORT", None, "") == "cohort is blank (a cohort (HF, LBP) or an ASM specialty)"
    assert call("ASM_COHORT", "Cardiology", "#N/A") == "#VALUE!"   # never read as a cohort


def test_a_yes_no_cell_takes_the_words_the_roster_takes():
    # the roster reads "done" and "x" as yes (model.validation.as_bool); the functions refused "done"
    assert call("ASM_IA_DONE", "done", "x") == 2
    assert call("ASM_EXCEPTION", "done", None) != "#VALUE!"
    assert explain("ASM_EXCEPTION", "maybe", None) == ("euc_exception: 'maybe' is not allowed (yes/no, TRUE/FALSE or "
                                                       "1/0 (done, x, y also mean yes; n no))")


def test_a_result_never_depends_on_the_call_before_it_when_true_and_1_are_read_apart():
    # the memos compared arguments by equality, which takes TRUE for 1: after a call with a one-cell TRUE, the
    # same call with 1 answered the first one's #VALUE! (and the other way round, the table for TRUE)
    person = [["1234567893"], ["123456789"], ["X"], ["Cardiology"], ["HF"], [2027], [True], [250000], ["yes"], [None]]
    rest = ([["Q008", "t", "eCQM", 100, 90, 0.8, None, None]], [[30], [None], [8]], [["yes"], ["no"], [0.85], [3]])
    fixed = [list(r) for r in person]
    fixed[6] = [1]
    for order in ((person, fixed, person), (fixed, person, fixed)):
        got = [call("ASM_ACTIONS", p, *rest) for p in order]
        assert [g.__class__ for g in got] == [str if p is person else list for p in order], order
        assert got[0] == got[2]
    # ASM_MEASURE's kernel cache: rate TRUE after rate 1 gave 1's 10 points (and ASM_WHY "OK")
    measure = ("points", "HF", "Q236", "eCQM", 100, 90, None)
    assert [call("ASM_MEASURE", *measure, r, None) for r in (True, 1, True)] == ["#VALUE!", 10.0, "#VALUE!"]
    assert explain("ASM_MEASURE", *measure, True, None) != "OK"


@pytest.mark.parametrize("name, args, position", [
    ("ASM_IMPACT", (True, 250000.0), 0), ("ASM_IMPACT", (0.06, True), 1), ("ASM_PI_ADJ", (True,), 0),
    ("ASM_PRACTICE_BONUS", (True,), 0), ("ASM_FINAL", (True, 0.8, 2, 0.85), 0),
    ("ASM_MEASURE_POINTS", ("Q236", "eCQM", True), 2), ("ASM_COMPLETENESS", (True, 10), 0)])
def test_a_logical_where_a_number_is_needed_is_a_value_error_as_the_core_refuses_it(name, args, position):
    # Excel's arithmetic reads TRUE as 1: ASM_IMPACT(TRUE, 250000) gave $250,000 (a factor of 100%),
    # ASM_PRACTICE_BONUS(TRUE) the solo bonus, ASM_PI_ADJ(TRUE) a full PI score; score_participant refuses them
    assert call(name, *args) == "#VALUE!"
    assert "TRUE is not a number" in explain(name, *args)
    numbers = tuple(1.0 if i == position else a for i, a in enumerate(args))
    assert isinstance(call(name, *numbers), float)   # the same call with 1 is a number


def test_an_error_value_in_a_yes_no_cell_of_asm_ia_done_passes_through():
    # #DIV/0! in IA-1 was #VALUE! "ia1: '#DIV/0!' is not allowed (yes/no...)": input errors pass through
    assert call("ASM_IA_DONE", "#DIV/0!", True) == "#DIV/0!" and call("ASM_IA_DONE", " #n/a ", "yes") == "#N/A"
    assert call("ASM_IA_DONE", "yes", "no") == 1


def test_an_error_value_typed_in_lower_case_is_that_error_not_an_internal_error():
    # "#n/a" in a cell: ExcelError("#n/a") failed its own check (an AssertionError logged with a traceback)
    measure = ("points", "HF", "Q236", "eCQM", "#n/a", 90, None, 0.72, None)
    assert call("ASM_MEASURE", *measure) == "#N/A" and explain("ASM_MEASURE", *measure) == "eligible is the error #n/a"
    assert call("ASM_NOTE", "#div/0!", 0.5) == "#DIV/0!"


def test_asm_note_reads_its_categories_as_asm_final_does():
    # "high" or 1.5 as the quality gave a note (cost not scored...), where ASM_FINAL gives #VALUE! / #NUM!
    assert call("ASM_NOTE", "high", None) == call("ASM_FINAL", "high", None, 2, 1.0) == "#VALUE!"
    assert call("ASM_NOTE", 1.5, None) == call("ASM_FINAL", 1.5, None, 2, 1.0) == "#NUM!"
    assert call("ASM_NOTE", 0.6, "#N/A") == "Cost not scored: its weight moves to quality [ASSUMPTION]."


def test_every_exception_cell_is_read_even_after_a_yes():
    # any() over a generator stopped at the first yes: a later "maybe" passed unseen (0.0, neutral)
    for name, args in (("ASM_FACTOR_RANGE", (62, 2027, "HF", 50)), ("ASM_GAIN_CHANCE", (62, 2027, "HF"))):
        assert call(name, *args, [["yes"], ["maybe"]]) == "#VALUE!", name
    assert call("ASM_FACTOR_RANGE", 62, 2027, "HF", 50, [["yes"], ["no"]]) == 0.0


def test_counts_and_benchmark_years_must_be_whole_as_the_core_reads_them():
    # 2.5 reported cases, 65.5 eligible cases and a benchmark year 2025.7 (read as 2025) or 0.5 (the
    # assumptions' year) were taken as given
    assert call("ASM_COMPLETENESS", 2.5, 10) == "#NUM!" and call("ASM_COMPLETENESS", 2, 10) == 0.2
    assert call("ASM_QUALITY", [[8]], [[0.9]], [[65.5]]) == "#NUM!"
    assert explain("ASM_QUALITY", [[8]], [[0.9]], [[65.5]]) == "cases #1: 65.5 is not a whole number"
    for year in (2025.7, 0.5, 1e-300):
        assert call("ASM_MEASURE_POINTS", "Q236", "eCQM", 0.735, year) == "#NUM!", year
    assert explain("ASM_MEASURE_POINTS", "Q236", "eCQM", 0.735, 2019) == \
        "benchmark_year: 2019 is not allowed (a year with benchmarks: 2021, 2022, 2025, 2026)"
    # 0 is the latest year each measure has, whatever the assumptions say (it was the assumptions' year)
    assert call("ASM_MEASURE_POINTS", "Q236", "eCQM", 0.735, 0, [["benchmark_year", 2025]]) == \
        call("ASM_MEASURE_POINTS", "Q236", "eCQM", 0.735, 2026) == 7.5


def test_a_blank_inside_a_ladder_is_an_error_not_a_ladder_shifted_by_one():
    # an 11-cell range with B4 blank: 4.5 points on a ladder with every later decile one place early
    shifted = [[10, 20, 30, None, 50, 60, 70, 80, 90, 95, 99]]
    assert call("ASM_POINTS", 55, shifted) == "#VALUE!"
    assert explain("ASM_POINTS", 55, shifted) == "ladder: value #4 is blank: ten decile start values, none left out"
    ten = [10, 20, 30, 40, 50, 60, 70, 80, 90, 95]
    assert call("ASM_POINTS", 55, [ten + [None]]) == call("ASM_POINTS", 55, [[None] + ten]) == 5.5   # around: fine


def test_one_payments_cell_beside_a_cohort_range_is_one_value_not_nothing():
    # xlwings gives a one-cell range as its value: ASM_SCALING(3 scores, year, one payment) was solved unweighted
    import asm_xl.udfs as udfs
    three = [[50.0], [60.0], [70.0]]
    assert udfs.ASM_SCALING(three, [[2027.0]], [[250000.0]]) == call("ASM_SCALING", three, 2027, 250000.0) == "#VALUE!"
    assert explain("ASM_SCALING", three, 2027, 250000.0) == "final_scores and payments must have equal length (3, 1)"
    assert call("ASM_SCALING", three, 2027, None) == call("ASM_SCALING", three, 2027, "") != "#VALUE!"


def test_both_activities_done_is_an_adjustment_of_0_not_minus_0():
    import math
    assert math.copysign(1.0, call("ASM_IA_ADJ", 2)) == 1.0 and call("ASM_IA_ADJ", 0) == -20.0


def test_asm_help_shows_its_own_example_with_the_braces_it_means():
    from asm_xl.excel import REGISTRY
    assert "{cost_episode_minimum}" in REGISTRY["ASM_HELP"].args[0].doc   # it showed "fewer than 20 episodes"


PARTICIPATION = [["Yes"], ["No"], [None], [None], [None]]   # 2027 yes, 2028 no, later not published


def test_not_participating_is_yes_only_where_cms_says_no_for_the_year():
    assert [call("ASM_NOT_PARTICIPATING", PARTICIPATION, y) for y in (2027, 2028, 2029)] == ["No", "Yes", "No"]
    assert call("ASM_NOT_PARTICIPATING", None, 2028) == "No"   # no participation cells: assumed participating
    assert call("ASM_NOT_PARTICIPATING", [["FALSE"], ["no"], [0], ["n"], [False]], 2029) == "Yes"   # 0 is no


def test_not_participating_names_a_bad_cell_or_year():
    assert call("ASM_NOT_PARTICIPATING", PARTICIPATION, 2035) == "#NUM!"
    assert explain("ASM_NOT_PARTICIPATING", [["maybe"], [None], [None], [None], [None]], 2027).startswith(
        "participation 2027: 'maybe' is not allowed")
    assert call("ASM_NOT_PARTICIPATING", [["Yes"], ["No"]], 2027) == "#VALUE!"   # one cell per performance year
    said = explain("ASM_NOT_PARTICIPATING", [["Yes"], ["No"]], 2027)
    assert said == ("participation: 5 cells, one per performance year 2027-2031 (Yes / No / blank), got 2: the "
                    "Inputs sheet's Participating cells (In_Participation)")   # not "a workbook of an earlier asm-xl?"
    # one number where the cells go: an earlier workbook's ASM_PROJECTION, whose 8th argument was rows
    assert explain("ASM_PROJECTION", 60, 2027, "HF", 1000, None, None, None, 25).endswith(
        "got 1: a workbook of an earlier asm-xl? asm-xl generate --overwrite rebuilds it")


def test_not_participating_in_the_exceptions_cells_is_no_adjustment_in_every_one_year_figure():
    # the workbook's exceptions range ends with ASM_NOT_PARTICIPATING's cell
    out, plain = [["No"], ["No"], ["Yes"]], [["No"], ["No"], ["No"]]
    assert call("ASM_FACTOR", 62, 2027, "HF", None, out) == 0.0
    assert call("ASM_FACTOR", 62, 2027, "HF", None, plain) == call("ASM_FACTOR", 62, 2027, "HF") != 0.0
    assert call("ASM_MULTIPLIER", 62, 2027, "HF", None, out) == 1.0
    assert call("ASM_FACTOR_RANGE", 62, 2027, "HF", 90, out) == 0.0
    assert call("ASM_GAIN_CHANCE", 62, 2027, "HF", out) == 0.0
    assert call("ASM_GAIN_CHANCE", 62, 2027, "HF", plain) == call("ASM_GAIN_CHANCE", 62, 2027, "HF") > 0.5


def test_the_exception_cell_says_in_a_few_words_what_takes_the_physician_out():
    # the sentence ("Extreme and uncontrollable circumstances exception (§ 512.780): neutral factor 0, ...") was
    # cut to "Extreme and uncontr" by the Score sheet's value column
    cases = {("No", "No"): "No exception", ("Yes", "No"): "EUC exception", ("No", "Yes"): "Payment exception",
             ("Yes", "Yes"): "Both exceptions"}
    for (euc, pay), said in cases.items():
        assert call("ASM_EXCEPTION", euc, pay) == call("ASM_EXCEPTION", euc, pay, "No") == said
        assert call("ASM_EXCEPTION", euc, pay, "Yes") == "Not participating"   # then no exception matters
    assert all(len(v) <= 18 for v in cases.values())
    assert call("ASM_EXCEPTION", "No", "No", "maybe") == "#VALUE!"


def test_a_typo_in_a_later_years_participation_cell_leaves_this_years_figures_alone():
    # a "maybe" for 2031 made the 2027 factor, dollars, range and actions #VALUE! through the exceptions range
    typo = [["No"], ["Yes"], [None], [None], ["maybe"]]
    assert call("ASM_NOT_PARTICIPATING", typo, 2027) == "Yes" and call("ASM_NOT_PARTICIPATING", typo, 2028) == "No"
    assert call("ASM_NOT_PARTICIPATING", typo, 2031) == "#VALUE!"
    assert explain("ASM_NOT_PARTICIPATING", typo, 2031).startswith("participation 2031: 'maybe' is not allowed")
    assert call("ASM_PROJECTION", 60, 2027, "HF", 1000, None, None, None, typo) == "#VALUE!"   # the projection's error


def test_a_payment_asm_factor_does_not_need_is_still_checked_never_silently_ignored():
    # with a cohort name or a scaling factor the payments are not used, but text or a negative payment there
    # was taken without a word (ASM_WHY said "OK"): now it is that argument's error, as with a cohort range
    assert explain("ASM_FACTOR", 70, 2027, "HF", "abc") == ("payments: 'abc' is not a number (dollars between 0 and "
                                                              "1,000,000,000)")
    assert call("ASM_FACTOR", 70, 2027, 1.62, "abc") == "#VALUE!"
    assert call("ASM_FACTOR", 70, 2027, "HF", -5) == "#NUM!"
    assert call("ASM_MULTIPLIER", 70, 2027, "HF", -5) == "#NUM!"
    assert explain("ASM_FACTOR", 70, 2027, 1.62, [[1.0], ["x"]]) == ("payments #2: 'x' is not a number (dollars between 0 "
                                                                    "and 1,000,000,000)")
    fine = call("ASM_FACTOR", 70, 2027, "HF")
    assert isinstance(fine, float)
    for payments in (None, "", 250_000.0, "$250,000", [[1.0], [None]]):
        assert call("ASM_FACTOR", 70, 2027, "HF", payments) == fine, payments
