"""The user's quality ladders (spec 3.2: "a user-supplied table (a range in the workbook, a CSV)"): read by one
function, scored as the packaged ladders are, named wherever the benchmarks in use are named."""

import pytest

from asm_xl import ASMInputError
from asm_xl.model.benchmarks import benchmarks_note
from asm_xl.model.cohort import score_cohort
from asm_xl.model.participant import MeasureInput, Participant, score_participant
from asm_xl.model.user_ladders import MAX_LADDER_ROWS, quality_ladders

#: B1..B10 of a direct measure in percent: 10, 20, ..., 90, then 95
DIRECT = [10, 20, 30, 40, 50, 60, 70, 80, 90, 95]
#: an inverse ladder in Q492's native units (admissions per 100 person-years), lower is better
INVERSE = [70, 68, 66, 64, 62, 60, 58, 56, 54, 52]


def _row(measure, ctype="", topped="", source="", starts=DIRECT):
    return [measure, ctype, topped, source, *starts]


def _points(row, measure, ctype, rate, **kw):
    """The points score_cohort gives a single HF measure with 60 of 60 cases and ``rate``, on ``row``'s ladder."""
    key = f"q{measure[1:]}"
    frame = [{"npi": "1234567893", "cohort": "HF", "performance_year": 2027, "cost_points": 5, "cost_episodes": 30,
              "part_b_payments": 250_000, "pi_score": 1.0, "practice_size": 40, f"{key}_collection_type": ctype, f"{key}_eligible": 60, f"{key}_reported": 60, f"{key}_rate": rate}]
    import pandas as pd
    res = score_cohort(pd.DataFrame(frame), ladders=quality_ladders([row]), **kw)
    assert res.errors.empty, res.errors.to_dict("records")
    return res.scores.iloc[0][f"{key}_points"], res.scores.iloc[0][f"{key}_benchmark"]


@pytest.mark.parametrize("rate, points", [
    (0.72, 7.2),     # B7 = 70 <= 72 < B8 = 80: 7 + (72 - 70) / (80 - 70)
    (0.925, 9.5),    # B9 = 90 <= 92.5 < B10 = 95: 9 + 2.5 / 5
    (0.95, 10.0),    # reaches B10
    (0.05, 1.0),     # below B1 = 10: one point
    (0.10, 1.0),     # on B1 exactly: decile 1, 1 + 0 / 10
])
def test_a_direct_ladder_in_percent_scores_a_fraction_rate_as_the_mips_rule_does(rate, points):
    got, source = _points(_row("Q236", "eCQM", source="CMS ASM PY2027"), "Q236", "eCQM", rate)
    assert got == pytest.approx(points, abs=1e-12)
    assert source == "your ladder Q236 eCQM (CMS ASM PY2027)"


def test_an_inverse_ladder_in_native_units_counts_lower_as_better():
    # Q492 rate 63: B4 = 64 is reached (63 <= 64), B5 = 62 is not: 4 + |63 - 64| / |62 - 64| = 4.5
    got, source = _points(_row("Q492", starts=INVERSE, source="CMS report"), "Q492", "Administrative claims", 63)
    assert got == pytest.approx(4.5, abs=1e-12)
    assert source == "your ladder Q492 (CMS report)"


def test_the_status_of_a_measure_scored_on_your_ladder_says_so_in_both_apis():
    import pandas as pd
    row = {"npi": "1234567893", "cohort": "HF", "performance_year": 2027, "cost_points": 5, "cost_episodes": 30,
           "part_b_payments": 250_000, "pi_score": 1.0, "practice_size": 40, "q236_collection_type": "eCQM",
           "q236_eligible": 60, "q236_reported": 60, "q236_rate": 0.925}
    ladders = quality_ladders([_row("Q236", "eCQM", "Yes", "CMS")])
    status = score_cohort(pd.DataFrame([row]), ladders=ladders).scores.iloc[0]["q236_status"]
    assert status == "scored; on your ladder; capped at 7 points: topped out by program [ASSUMPTION]"
    p = Participant(cohort="HF", performance_year=2027, cost_points=5, cost_episodes=30, part_b_payments=250_000,
                    pi_score=1.0, practice_size=40, ia_done=2,
                    measures=(MeasureInput("236", "eCQM", eligible_cases=60, reported_cases=60, rate=0.925),))
    assert next(m for m in score_participant(p, ladders=ladders).measures if m.measure == "Q236").status_text == status


def test_topped_out_caps_the_points_at_the_setting():
    from asm_xl.model.settings import Settings
    assert _points(_row("Q236", "eCQM", "Yes"), "Q236", "eCQM", 0.925)[0] == 7.0
    assert _points(_row("Q236", "eCQM", "Yes"), "Q236", "eCQM", 0.925, settings=Settings(topped_out_cap=8))[0] == 8.0


def test_a_blank_collection_type_covers_each_one_and_a_named_one_wins():
    ladders = quality_ladders([_row("Q236"), _row("Q236", "MIPS CQM", starts=[5 * k for k in range(1, 11)])])
    assert ladders.get("236", "eCQM").starts == tuple(map(float, DIRECT))
    assert ladders.get("236", "MIPS CQM").starts == tuple(5.0 * k for k in range(1, 11))
    assert ladders.get("008", "eCQM") is None    # another measure: the packaged ladder


def test_a_measure_without_a_ladder_of_its_own_keeps_the_packaged_one():
    # Q236 MIPS CQM PY2026 (packaged): 1, 10, 20, ..., 90: 72 -> 8 + 2 / 10
    got, source = _points(_row("Q236", "eCQM"), "Q236", "MIPS CQM", 0.72)
    assert got == pytest.approx(8.2, abs=1e-12) and source.startswith("Q236 MIPS CQM PY2026")


def test_the_scalar_api_scores_on_the_same_ladders_as_the_cohort_api():
    ladders = quality_ladders([_row("Q236", "eCQM")])
    p = Participant(cohort="HF", performance_year=2027, cost_points=5, cost_episodes=30, part_b_payments=250_000,
                    pi_score=1.0, practice_size=40, ia_done=2,
                    measures=(MeasureInput("236", "eCQM", eligible_cases=60, reported_cases=60, rate=0.72),))
    ms = next(m for m in score_participant(p, ladders=ladders).measures if m.measure == "Q236")
    assert ms.points == pytest.approx(7.2, abs=1e-12)
    assert _points(_row("Q236", "eCQM"), "Q236", "eCQM", 0.72)[0] == ms.points


@pytest.mark.parametrize("row, field, allowed", [
    (_row("Q999"), "ladders row 1: measure", "an ASM measure: Q492"),
    (_row("Q236", "Part B claims"), "ladders row 1: collection_type", "Q236 is collected as eCQM or MIPS CQM"),
    (_row("Q236", topped="maybe"), "ladders row 1: topped_out", "yes/no"),
    (_row("Q236", starts=[k / 100 for k in DIRECT]), "ladders row 1: b1..b10", "percent (0-100)"),
    (_row("Q236", starts=DIRECT[::-1]), "ladders row 1: b1..b10", "Q236's decile start values ascending"),
    (_row("Q492", starts=INVERSE[::-1]), "ladders row 1: b1..b10", "descending (inverse"),
    (_row("Q236", starts=DIRECT[:9] + [""]), "ladders row 1: b10", "between 0 and 100"),
    (_row("Q236", starts=DIRECT[:9] + [101]), "ladders row 1: b10", "between 0 and 100"),
    (_row("Q236", source="a\x07b"), "ladders row 1: source", "without control characters"),
    (_row("Q236", source="x" * 20_000), "ladders row 1: source", "at most 200 characters"),
])
def test_a_row_that_is_no_ladder_is_refused_naming_its_row_field_and_what_is_allowed(row, field, allowed):
    with pytest.raises(ASMInputError) as e:
        quality_ladders([row])
    assert e.value.field == field and allowed in e.value.allowed


def test_percent_signs_are_read_as_the_percent_a_ladder_is_in_and_a_decimal_comma_gets_a_hint():
    ladder = quality_ladders([_row("Q236", starts=[f"{v}%" for v in DIRECT])]).get("236", "eCQM")
    assert ladder.starts == tuple(map(float, DIRECT))
    with pytest.raises(ASMInputError) as e:
        quality_ladders([_row("Q236", starts=DIRECT[:9] + ["95,5"])])
    assert str(e.value) == ("ladders row 1: b10: '95,5' is not allowed (a number between 0 and 100: a decimal comma? "
                            "write 95.5)")


def test_kept_going_a_bad_row_is_the_error_of_its_own_measure_where_its_ladder_is_looked_up():
    ladders = quality_ladders([_row("Q236"), _row("Q008", starts=DIRECT[::-1]), _row("Q008", "eCQM")],
                              errors="keep")
    assert ladders.get("236", "eCQM").starts == tuple(map(float, DIRECT))
    with pytest.raises(ASMInputError, match="ladders row 2: b1..b10"):
        ladders.get("008", "eCQM")   # (its other row is not taken: which of the two was meant?)
    assert ladders.get("005", "eCQM") is None
    anywhere = quality_ladders([_row("Q236"), _row("QX")], errors="keep")
    with pytest.raises(ASMInputError, match="ladders row 2: measure: 'QX'"):
        anywhere.get("005", "eCQM")   # a row naming no ASM measure could be any measure's


def test_rows_are_named_by_their_labels_and_a_ladder_given_twice_names_both():
    with pytest.raises(ASMInputError) as e:
        quality_ladders([_row("Q236", "eCQM"), [None] * 14, _row(236, "ecqm")], labels=[2, 3, 4])
    assert e.value.field == "ladders row 4" and "row 2 gives it too" in e.value.allowed


def test_blank_rows_are_none_and_a_table_too_long_is_refused_before_its_rows_are_read():
    assert len(quality_ladders([[None] * 14, [""] * 14])) == 0
    many = [_row(["Q236", "Q008", "Q005"][k % 3], ["eCQM", "MIPS CQM", ""][k // 3 % 3]) for k in range(9)]
    with pytest.raises(ASMInputError, match=f"at most {MAX_LADDER_ROWS}"):   # (before the duplicate of row 10)
        quality_ladders(many * (MAX_LADDER_ROWS // 9 + 1))


def test_the_benchmarks_note_names_your_ladders_and_drops_the_placeholder_they_replace():
    plain = benchmarks_note(0)
    assert "Q492 PY2026: a CMS placeholder row" in plain and "your ladder" not in plain
    note = benchmarks_note(0, ladders=quality_ladders([_row("Q492", starts=INVERSE, source="CMS report"),
                                                       _row("Q236", "eCQM")]))
    assert "placeholder" not in note
    assert note.endswith("for their measures your ladders: Q492 (every collection type; CMS report), Q236 eCQM.")


def test_a_long_text_refused_is_shown_short():
    with pytest.raises(ASMInputError) as e:
        quality_ladders([_row("Q236", source="x" * 20_000)])
    assert e.value.value == "x" * 60 + "... (20,000 characters)" and len(str(e.value)) < 300

