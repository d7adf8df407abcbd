"""Benchmark rules that follow from the evidence (spec 8.1): no benchmark → excluded, a minimum of
reporters for cohort ladders (quality and cost), the topped-out cap as an assumption with its effect
shown, Q492's MIPS ladder as a labelled proxy. Values by hand from mips_benchmarks_asm.csv."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from asm_xl import MeasureInput, Participant, score_participant
from asm_xl.excel import call
from asm_xl.model.benchmarks import ladder_from_rates
from asm_xl.model.categories import MeasureStatus
from asm_xl.model.cohort import score_cohort
from asm_xl.model.settings import Settings

NO_BENCHMARK = MeasureStatus.LABELS[MeasureStatus.NO_BENCHMARK]


def hf(measures, **kw):
    base = dict(cohort="HF", performance_year=2027, practice_size=20, ia_done=2, pi_score=1.0,
                part_b_payments=100_000, cost_episodes=30, cost_points=8, measures=measures)
    base.update(kw)
    return Participant(**base)


def q(mid, **kw):
    return MeasureInput(mid, kw.pop("ctype", None), eligible_cases=kw.pop("eligible", 50),
                        completeness=kw.pop("completeness", 1.0), **kw)


# ---------------------------------------------------------------- no benchmark: excluded
def test_a_measure_without_a_benchmark_is_excluded_not_an_error_and_not_ten_points():
    # Q377 eCQM has MIPS benchmarks for 2025 and 2026 only. With benchmark_year 2021 it has none:
    # excluded, so quality = (8 + 8 + 8) / 30 = 0.8 (Q492 unreported: excluded as well).
    s = Settings(benchmark_year=2021)
    p = hf([q("Q008", points=8), q("Q005", points=8), q("Q236", points=8), q("Q377", rate=0.5)])
    res = score_participant(p, settings=s)
    q377 = {m.measure: m for m in res.measures}["Q377"]
    assert q377.status == MeasureStatus.NO_BENCHMARK and q377.points == 0.0 and q377.benchmark == "none"
    assert "no benchmark" in q377.status_text and "90 FR 49634" in q377.status_text
    assert res.quality == pytest.approx(0.8, rel=1e-15)


def test_the_cohort_api_excludes_a_measure_without_a_benchmark_as_the_scalar_api_does():
    s = Settings(benchmark_year=2021)
    row = {"cohort": "HF", "performance_year": 2027, "practice_size": 20, "part_b_payments": 100_000,
           "cost_episodes": 30, "cost_points": 8, "ia_done": 2, "pi_score": 1.0}
    for m in ("q008", "q005", "q236"):
        row.update({f"{m}_eligible": 50, f"{m}_completeness": 1.0, f"{m}_points": 8})
    row.update({"q377_eligible": 50, "q377_completeness": 1.0, "q377_rate": 0.5})
    res = score_cohort(pd.DataFrame([row]), settings=s)
    assert res.errors.empty
    sc = res.scores.iloc[0]
    assert sc["q377_status"] == NO_BENCHMARK and sc["q377_benchmark"] == "none"
    assert np.isnan(sc["q377_points"])   # excluded: no points in the table (the scalar API's 0 counts nothing)
    assert float(sc["quality"]) == pytest.approx(0.8, rel=1e-15)


def test_excel_measure_functions_say_excluded_for_a_measure_without_a_benchmark():
    # ASM_MEASURE_POINTS: "excluded"; ASM_MEASURE: counted "excluded", points "-", a status saying why
    assert call("ASM_MEASURE_POINTS", "Q377", "eCQM", 0.5, 2021) == "excluded"
    args = ("HF", "Q377", "eCQM", 50, 50, None, 0.5, None, 2021)
    assert call("ASM_MEASURE", "counted", *args) == "excluded"
    assert call("ASM_MEASURE", "points", *args) == "-"
    assert "no benchmark" in call("ASM_MEASURE", "status", *args)
    # a collection type ASM does not use for the measure stays an input error
    assert call("ASM_MEASURE_POINTS", "Q377", "MIPS CQM", 0.5) == "#VALUE!"


# ---------------------------------------------------------------- minimum reporters
def _lbp(rate, **kw):
    row = {"cohort": "LBP", "performance_year": 2027, "practice_size": 20, "part_b_payments": 100_000,
           "cost_episodes": 30, "cost_points": 5, "ia_done": 2, "pi_score": 1.0,
           "q238_eligible": 50, "q238_reported": 50, "q238_rate": rate}
    row.update(kw)
    return row


def test_a_lone_reporter_gets_no_cohort_ladder_and_no_ten_points():
    # One Q238 rate: a ladder of ten equal values would give it 10 points (quality 10 / 40 = 25%).
    # Below 20 reporters there is no ladder: Q238 is excluded, the three unreported LBP measures count
    # 0 -> quality 0 / 30 = 0; final = 100 x (0.5 x 0 + 0.5 x 0.5) = 25.
    res = score_cohort(pd.DataFrame([_lbp(0.12)]), benchmark_source="cohort")
    sc = res.scores.iloc[0]
    assert sc["q238_status"] == NO_BENCHMARK and np.isnan(sc["q238_points"])
    assert float(sc["quality"]) == 0.0 and float(sc["final_score"]) == pytest.approx(25.0, rel=1e-15)


def test_the_minimum_number_of_reporters_is_the_setting_and_twenty_build_a_ladder():
    rates = [i / 100 for i in range(19)]
    res19 = score_cohort(pd.DataFrame([_lbp(r) for r in rates]), benchmark_source="cohort")
    assert (res19.scores["q238_status"] == NO_BENCHMARK).all()
    res20 = score_cohort(pd.DataFrame([_lbp(r) for r in rates + [0.19]]), benchmark_source="cohort")
    assert (res20.scores["q238_status"] == "scored").all()
    assert (res20.scores["q238_benchmark"] == "cohort deciles").all()
    lowered = score_cohort(pd.DataFrame([_lbp(r) for r in rates]), benchmark_source="cohort",
                           settings=Settings(benchmark_minimum_reporters=19))
    assert (lowered.scores["q238_status"] == "scored").all()
    assert ladder_from_rates([0.5] * 19, minimum_reporters=20) is None


def _hf_cost_row(**kw) -> dict:
    row = {"cohort": "HF", "performance_year": 2027, "practice_size": 20, "part_b_payments": 100_000,
           "cost_episodes": 30, "episode_cost": 12_000, "ia_done": 2, "pi_score": 1.0}
    for m in ("q008", "q005", "q236", "q377"):
        row.update({f"{m}_eligible": 50, f"{m}_completeness": 1.0, f"{m}_points": 8})
    return {**row, **kw}


def test_a_pool_with_one_episode_cost_builds_no_cost_ladder():
    # The roster as the cohort, alone in its pool: cost from one episode cost would be 10 points (ten
    # identical start values) and final 100 x (0.5 x 0.8 + 0.5 x 1.0) = 90. Below 20 reporters: no cost
    # score, weight moves to quality (4 x 8 / 40 = 0.8) -> final 80.
    roster = Settings(pool="roster")
    res = score_cohort(pd.DataFrame([_hf_cost_row()]), settings=roster)
    sc = res.scores.iloc[0]
    assert pd.isna(sc["cost"]) and float(sc["final_score"]) == pytest.approx(80.0, rel=1e-15)
    assert "no cost ladder" in sc["note"] and "at least 20 episode costs" in sc["note"] and "weight moves to quality" in sc["note"]
    assert [w for w in res.warnings if "episode_cost" in w] == [
        "1 row(s)' episode_cost not scored: too few episode costs (fewer than 20) to build a cost ladder from; their "
        "cost weight moves to quality. Give cost_points from CMS's report."]   # (--pool roster is in force)
    # 20 episode costs 10,000..29,000: the ladder exists; the cheapest reaches B10 -> 10 points
    rows = [_hf_cost_row(episode_cost=10_000 + 1_000 * i) for i in range(20)]
    res = score_cohort(pd.DataFrame(rows), settings=roster)
    assert float(res.scores["cost_points"].iloc[0]) == 10.0 and not res.scores["cost"].isna().any()
    assert not any("episode_cost not scored" in w for w in res.warnings)


def test_a_practice_roster_scores_no_episode_cost_on_its_own_deciles():
    # Spec 8: a practice's roster is not the national cohort. With the national pool (the default) or a
    # given one, 20 episode costs build no ladder: each physician would otherwise be ranked on his own
    # practice's spread (the cheapest 10 points). Cost is not scored (final 80 as above), the note and
    # a warning say why; cost points from CMS's report are scored as ever, and a ladder given is used.
    rows = [_hf_cost_row(episode_cost=10_000 + 1_000 * i) for i in range(20)]
    for settings in (Settings(), Settings(pool="given", given_scaling_factor=1.2)):
        res = score_cohort(pd.DataFrame(rows), settings=settings)
        assert res.scores["cost"].isna().all()
        assert res.scores["final_score"].astype(float).tolist() == [80.0] * 20
        assert res.scores["note"].str.contains("CMS publishes none", regex=False).all()
        assert [w for w in res.warnings if "episode_cost not scored" in w] == [
            f"20 row(s)' episode_cost not scored: no cost ladder: CMS publishes none, and the roster is not "
            f"the cohort (pool '{settings.pool}'); their cost weight moves to quality. Give cost_points from CMS's "
            "report (or, only if the roster is the whole cohort, with at least 20 episode costs, use --pool roster)."]
    with_points = [dict(r, episode_cost=None, cost_points=6.0) for r in rows]
    assert (score_cohort(pd.DataFrame(with_points)).scores["cost"].astype(float) == 0.6).all()
    given = ladder_from_rates([10_000.0 + 1_000 * i for i in range(20)], inverse=True, minimum_reporters=20)
    res = score_cohort(pd.DataFrame(rows), cost_ladders={"HF": given})
    assert float(res.scores["cost_points"].iloc[0]) == 10.0 and not res.warnings
    # ladders from the cohort's own data (benchmark_source 'cohort') build it as the roster pool does, and
    # with too few costs the warning names that cause, not the pool
    res = score_cohort(pd.DataFrame(rows), benchmark_source="cohort")
    assert float(res.scores["cost_points"].iloc[0]) == 10.0
    few = score_cohort(pd.DataFrame(rows[:3]), benchmark_source="cohort")
    assert [w.split(";")[0] for w in few.warnings] == [
        "3 row(s)' episode_cost not scored: too few episode costs (fewer than 20) to build a cost ladder from"]
    # reweighting off: the weight does not move (cost adds 0), and the warning says so
    off = score_cohort(pd.DataFrame(rows), settings=Settings(reweight_unscored_category=False)).warnings
    assert [w.split("; ")[1] for w in off if "episode_cost" in w] == [
        "cost adds 0 to their final score (reweight_unscored_category is off). Give cost_points from CMS's report "
        "(or, only if the roster is the whole cohort, with at least 20 episode costs, use --pool roster)."]


# ---------------------------------------------------------------- topped-out cap
def test_the_topped_out_cap_is_an_assumption_and_its_effect_is_shown():
    # Q008 MIPS CQM PY2026 is topped out by program: B = 69.05, 95.79, 100, ... A rate of 100% reaches
    # B10 -> 10 points, capped at 7. A rate of 97% -> 2 + (97 - 95.79) / (100 - 95.79): no cap.
    s = Settings()
    assert {i.name: i.source for i in s.describe()}["topped_out_cap"] == "ASSUMPTION"
    full = score_participant(hf([q("Q008", ctype="MIPS CQM", rate=1.0)])).measures[1]
    assert full.measure == "Q008" and full.points == 7.0
    assert "capped at 7 points" in full.status_text and "ASSUMPTION" in full.status_text
    part = score_participant(hf([q("Q008", ctype="MIPS CQM", rate=0.97)])).measures[1]
    assert part.points == pytest.approx(2 + 1.21 / 4.21, rel=1e-12) and part.status_text == "scored"
    uncapped = score_participant(hf([q("Q008", ctype="MIPS CQM", rate=1.0)]),
                                 settings=Settings(topped_out_cap=10)).measures[1]
    assert uncapped.points == 10.0 and uncapped.status_text == "scored"
    args = ("HF", "Q008", "MIPS CQM", 50, 50, None, 1.0, None)
    assert "capped at 7 points" in call("ASM_MEASURE", "status", *args)
    row = {"cohort": "HF", "performance_year": 2027, "practice_size": 20, "part_b_payments": 100_000,
           "cost_episodes": 30, "cost_points": 8, "ia_done": 2, "pi_score": 1.0, "q008_collection_type": "MIPS CQM",
           "q008_eligible": 50, "q008_completeness": 1.0, "q008_rate": 1.0}
    sc = score_cohort(pd.DataFrame([row])).scores.iloc[0]
    assert sc["q008_points"] == 7.0 and sc["q008_status"] == full.status_text


# ---------------------------------------------------------------- Q492: a labelled proxy
def test_q492s_mips_ladder_is_labelled_a_proxy_and_the_py2026_row_a_placeholder():
    p = hf([MeasureInput("Q492", rate=65.0)])
    m = score_participant(p).measures[0]
    assert m.benchmark.startswith("Q492 Administrative claims PY2026 (CMS placeholder row; MIPS proxy")
    assert "TIN/NPI" in m.benchmark and "CMS's report" in m.benchmark
    m25 = score_participant(p, settings=Settings(benchmark_year=2025)).measures[0]
    assert m25.benchmark.startswith("Q492 Administrative claims PY2025 (MIPS proxy")
    # 65 on the inverse ladder: reaches B7 = 68.98 but not B8 = 64.7 -> 7 + 3.98 / 4.28
    assert m.points == pytest.approx(7 + 3.98 / 4.28, rel=1e-12)


def test_bound_factors_is_cms_and_the_pool_definition_an_assumption():
    src = {i.name: i.source for i in Settings().describe()}
    assert src["bound_factors"] == "CMS" and src["pool_definition"] == "ASSUMPTION"
    assert src["benchmark_minimum_reporters"] == "MIPS"


def test_the_cohort_api_pays_positive_adjustments_of_85_percent_of_the_negative_ones_when_so_defined():
    # A: final 80, P 200k; B: final 50, P 100k; C: late submission -> final 0, factor -r, P 100k.
    s = Settings(pool_definition="positive_85_of_negative", pool="roster")
    rows = []
    for pts, pay, late in ((8, 200_000, False), (5, 100_000, False), (5, 100_000, True)):
        row = {"cohort": "HF", "performance_year": 2027, "practice_size": 20, "part_b_payments": pay,
               "cost_episodes": 30, "cost_points": pts, "ia_done": 2, "pi_score": 1.0,
               "submitted_on_time": "no" if late else "yes"}
        for m in ("q008", "q005", "q236", "q377"):
            row.update({f"{m}_eligible": 50, f"{m}_completeness": 1.0, f"{m}_points": pts})
        rows.append(row)
    res = score_cohort(pd.DataFrame(rows), settings=s)
    d = res.scores["dollar_impact"].astype(float).to_numpy()
    assert res.pools["scaling_method"].iloc[0] == "solved"
    assert d[d > 0].sum() == pytest.approx(0.85 * -d[d < 0].sum(), rel=1e-12)
    # by hand: B (TFS 1/2) and C lose, A gains: 200k (t SF - 1) = 0.85 (100k (1 - SF / 2) + 100k),
    # t = TFS80 -> SF = (200k + 170k) / (200k t + 42.5k)
    t = 1.0 / (1.0 + math.exp(-3.0))
    assert res.pools["scaling_factor"].iloc[0] == pytest.approx(370_000 / (200_000 * t + 42_500), rel=1e-12)


def test_only_a_measure_that_would_be_scored_on_a_missing_ladder_becomes_no_benchmark():
    from asm_xl.model.categories import benchmark_status
    S, INC, LOW = MeasureStatus.SCORED, MeasureStatus.INCOMPLETE, MeasureStatus.LOW_CASES
    got = benchmark_status([S, S, INC, LOW], [True, False, False, False]).tolist()
    assert got == [S, MeasureStatus.NO_BENCHMARK, INC, LOW]  # incompleteness still costs its 0 points
