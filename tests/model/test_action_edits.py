"""Which actions apply: reporting a cohort quality measure not reported today (issue 10) — final-score
changes derived by hand, and where the action does not apply (a claims measure, a measure already
reported); without a benchmark to score it on, reporting it excludes it instead of counting 0."""

from importlib import resources

import numpy as np
import pandas as pd
import pytest

from asm_xl.model.action_catalogue import ACTIONS
from asm_xl.model.actions import action_values, participant_actions
from asm_xl.model.benchmarks import BenchmarkTable, packaged_benchmarks
from asm_xl.model.cohort import score_cohort
from asm_xl.model.errors import ASMInputError
from asm_xl.model.settings import DEFAULT_SETTINGS, Settings

from .test_actions import BEFORE, POOL, ROW, factor

Q008 = ["q008_collection_type", "q008_eligible", "q008_reported", "q008_rate"]


@pytest.fixture(scope="module")
def okafor():
    """The sample roster's first HF physician (Okafor) with her Q008 columns blanked: not reported."""
    with resources.files("asm_xl.roster.data").joinpath("sample_roster.csv").open(encoding="utf-8-sig") as fh:
        row = pd.read_csv(fh, dtype=str).iloc[[0]].reset_index(drop=True)
    assert row.loc[0, "name"] == "Okafor, Adaeze" and row.loc[0, "specialty"] == "Cardiology"
    row[Q008] = None
    return row


def _report(table, measure):
    got = table[(table["action"] == "report_measure") & (table["measure"] == measure)]
    assert len(got) == 1, f"report_measure {measure}: {len(got)} rows"
    return got.iloc[0]


def test_an_unreported_measure_gets_the_report_action_worth_its_assumed_points_over_the_counted_measures(okafor):
    got = _report(action_values(okafor, pool=POOL), "Q008")
    # Okafor counts 5 measures: Q492 (claims, scored on the case minimum), Q008 (not reported: 0 points,
    # counted), Q005, Q236, Q377 (scored); cost is scored (127 episodes), so the quality weight is 0.5.
    # Reporting Q008 at 5.5 points [ASSUMPTION]: quality + 5.5 / (10 x 5), final + 0.5 x 100 x 5.5 / 50
    assert DEFAULT_SETTINGS.action_assumed_measure_points == 5.5
    change = 5.5 / (10 * 5) * 0.5 * 100
    assert change == pytest.approx(5.5)
    assert got["final_change"] == pytest.approx(change, abs=1e-9)
    assert got["label"] == "Report quality measure Q008 (not reported today)"
    assert got["source"] == ACTIONS["report_measure"].source and "ASSUMPTION" in got["source"]
    assert got["effort"] == DEFAULT_SETTINGS.action_effort_report_measure == 2.0
    assert "5.5 Q008 points assumed" in got["note"] and "20 eligible cases" in got["note"]
    before, after = got["final_before"], got["final_after"]
    assert got["value_p50"] == pytest.approx(416_569 * (factor(after) - factor(before)), rel=1e-9)


def test_the_assumed_points_and_effort_are_editable_settings(okafor):
    s = Settings(action_assumed_measure_points=8.0, action_effort_report_measure=3.0)
    got = _report(action_values(okafor, pool=POOL, settings=s), "Q008")
    assert got["final_change"] == pytest.approx(8.0 / 50 * 0.5 * 100, abs=1e-9)  # 8.0
    assert got["effort"] == 3.0
    with pytest.raises(ASMInputError) as e:
        Settings(action_assumed_measure_points=11)
    assert e.value.field == "action_assumed_measure_points"


def test_the_hand_row_gets_one_report_action_per_unreported_measure_and_none_for_reported_ones():
    # ROW (tests/model/test_actions.py): Q236 scored, Q008 incomplete, Q005 and Q377 not reported,
    # Q492 (administrative claims) without a rate: excluded, 4 measures counted; weight 0.5.
    got = participant_actions(ROW, pool=POOL)
    reports = got[got["action"] == "report_measure"]
    assert sorted(reports["measure"]) == ["Q005", "Q377"]
    assert np.allclose(reports["final_change"], 50 * 5.5 / 40, rtol=0, atol=1e-9)  # 6.875 each
    # Q008 is reported below the threshold: it gets "completeness", not "report"
    assert set(got.loc[got["measure"] == "Q008", "action"]) == {"completeness"}


def test_no_report_action_for_an_administrative_claims_measure_even_when_it_counts_as_zero():
    # unreported_admin_claims_excluded off: Q492 without a rate counts as 0 points (5 measures counted),
    # yet CMS computes it from claims: there is nothing for the physician to report
    s = Settings(unreported_admin_claims_excluded=False)
    got = participant_actions(ROW, pool=POOL, settings=s)
    assert "Q492" not in set(got.loc[got["action"] == "report_measure", "measure"])
    # the others now count over 5 measures: 50 x 5.5 / 50
    assert np.allclose(got.loc[got["action"] == "report_measure", "final_change"], 5.5, rtol=0, atol=1e-9)


def _without(measure_id):
    """The packaged benchmark table without any ladder of one measure (every collection type and year)."""
    table = packaged_benchmarks()
    return BenchmarkTable([table.lookup(m, c, y) for m, c, y in table.keys() if m != measure_id])


def test_a_measure_without_a_benchmark_gets_no_assumed_points_but_the_exclusion_action():
    got = participant_actions(ROW, pool=POOL, benchmarks=_without("005"))
    # reported, Q005 would be excluded for want of a benchmark [spec 8.1]: no assumed points for it
    assert sorted(got.loc[got["action"] == "report_measure", "measure"]) == ["Q377"]
    # ... but unreported it counts 0 [CMS]; reported it leaves the denominator: 4 -> 3 measures counted,
    # Q236's 7 points over 30 instead of 40, quality weight 0.5
    ex = got[got["action"] == "report_no_benchmark"]
    assert ex["measure"].tolist() == ["Q005"]
    ex = ex.iloc[0]
    assert ex["final_before"] == pytest.approx(BEFORE, abs=1e-9)
    assert ex["final_change"] == pytest.approx(50 * (7 / 30 - 7 / 40), abs=1e-9)  # 2.9167
    assert ex["label"] == "Report quality measure Q005 (no benchmark: excluded, no longer a 0)"
    assert ex["effort"] == DEFAULT_SETTINGS.action_effort_report_measure
    assert "spec 8.1" in ex["source"] and "excluded" in ex["note"]
    assert ex["value_p50"] == pytest.approx(250_000 * (factor(ex["final_after"]) - factor(BEFORE)), rel=1e-9)


def test_reporting_a_measure_without_a_benchmark_takes_its_zero_out_of_five_counted_measures(okafor):
    # Okafor counts 5 measures (Q492, Q008 unreported: 0, Q005, Q236, Q377), S points in all:
    # quality S / 50 today; Q008 reported without a benchmark is excluded: S / 40 [spec 8.1]
    # final + 0.5 x 100 x (S / 40 - S / 50) = S / 4 (cost scored: weight 0.5)
    scores = score_cohort(okafor, benchmarks=_without("008")).scores.iloc[0]
    assert scores["q008_status"] == "0 points: not reported"
    s = sum(float(scores[f"{m}_points"]) for m in ("q492", "q005", "q236", "q377"))
    assert float(scores["quality"]) == pytest.approx(s / 50, abs=1e-12)
    got = action_values(okafor, pool=POOL, benchmarks=_without("008"))
    ex = got[(got["action"] == "report_no_benchmark") & (got["measure"] == "Q008")].iloc[0]
    assert ex["final_change"] == pytest.approx(s / 4, abs=1e-9)
    assert not (got["action"] == "report_measure").any()  # Okafor reports the other measures


def test_with_cohort_built_ladders_from_one_physician_an_exclusion_that_moves_nothing_is_not_listed():
    # one physician: fewer than 20 reporters, no ladder for any measure; Q236 (72%) is excluded already,
    # so Q008 (incomplete, 0) is the only counted measure with Q005 and Q377 (not reported, 0).
    # Reporting Q005 or Q377 (no benchmark: excluded) takes quality from 0 / 30 to 0 / 20: the final score
    # stays 100 x (0.5 x 0 + 0.5 x 0.8) - 10 - 5 = 25, so the action is worth nothing in any draw and is not
    # offered (it was, as a "+$0" action, and could be a physician's "most valuable action")
    alone = participant_actions(ROW, pool=POOL, benchmark_source="cohort")
    assert "report_measure" not in set(alone["action"])
    assert not (alone["action"] == "report_no_benchmark").any()
    assert len(alone) and (alone["final_change"] != 0).all()
    assert np.allclose(alone["final_before"], 25.0, rtol=0, atol=1e-9)


def test_an_action_that_cannot_move_a_final_score_held_at_100_is_not_listed():
    # the bonuses take the score past the 100 cap: a measure one decile better changes nothing
    full = {"eligible": 100, "reported": 100, "points": 10.0}
    row = {**ROW, "practice_size": 1, "complex_bonus": 10, "ia1_done": "yes", "ia2_done": "yes", "pi_score": 1.0,
           "cost_points": 10, **{f"{m}_{k}": v for m in ("q008", "q005", "q377") for k, v in full.items()},
           "q236_points": 9.0}
    capped = participant_actions(row, pool=POOL)   # 100 x (39/40 + 1) / 2 + 15 + 10 -> capped at 100
    assert capped.empty
    below = participant_actions({**row, "practice_size": 40, "complex_bonus": 0}, pool=POOL)   # 98.75: Q236 moves it
    assert below[["label", "final_before", "final_change"]].values.tolist() == [
        ["Improve quality measure Q236 by one decile", 98.75, 1.25]]


def test_a_topped_out_ladder_caps_the_assumed_points():
    # Q005 as MIPS CQM: a topped-out ladder, capped at 7 points [ASSUMPTION topped_out_cap]
    assert packaged_benchmarks().find("005", "MIPS CQM").topped_out
    s = Settings(action_assumed_measure_points=9.0)
    got = _report(participant_actions({**ROW, "q005_collection_type": "MIPS CQM"}, pool=POOL, settings=s), "Q005")
    assert got["final_change"] == pytest.approx(50 * 7 / 40, abs=1e-9)  # 8.75, not 50 x 9 / 40
    assert "capped at 7" in got["note"]
    eq = _report(participant_actions(ROW, pool=POOL, settings=s), "Q005")  # eCQM: not topped out
    assert eq["final_change"] == pytest.approx(50 * 9 / 40, abs=1e-9)


def test_a_collection_type_the_measure_is_not_collected_as_is_an_input_error_not_an_action():
    bad = {**ROW, "q377_collection_type": "MIPS CQM"}  # Q377 is an eCQM only [CMS]
    with pytest.raises(ASMInputError) as e:
        participant_actions(bad, pool=POOL)
    assert e.value.field == "q377_collection_type"
    assert participant_actions(bad, pool=POOL, errors="skip").empty
