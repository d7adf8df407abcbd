"""The pool is chosen explicitly (README "Which pool prices the score?"): national peer model,
given, or the roster as the cohort; no hidden default scaling factor."""

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from asm_xl import MeasureInput, Participant, score_participant
from asm_xl.model.cohort import score_cohort
from asm_xl.model.errors import ASMInputError
from asm_xl.model.pool_choice import national_pool, pricing_pool, reference_point, resolve_point
from asm_xl.model.ranges import payment_ranges
from asm_xl.model.settings import Settings
from cohort_rows import hf_row

SMALL = Settings(peer_draws=60)
TFS80 = 1.0 / (1.0 + math.exp(-3.0))


def _final_80() -> Participant:
    ms = [MeasureInput(m, eligible_cases=50, reported_cases=50, points=8) for m in ("Q492", "Q008", "Q005", "Q236", "Q377")]
    return Participant(cohort="HF", performance_year=2027, practice_size=20, ia_done=2, pi_score=1.0,
                       part_b_payments=250_000, cost_episodes=30, cost_points=8, measures=ms)


def test_the_national_point_is_the_median_scaling_factor_of_the_draws_with_the_settings_midpoint_rule():
    pool = national_pool("HF", 2027, SMALL)
    fixed = ~pool.median_rule
    point = reference_point("HF", 2027, SMALL)
    assert point.scaling_factor == float(np.median(pool.scaling_factor[fixed]))
    assert point.midpoint == 50.0 and "median of" in point.source
    median_mode = SMALL.replace(tfs_midpoint_mode="cohort_median")
    mpoint = reference_point("HF", 2027, median_mode)
    mpool = national_pool("HF", 2027, median_mode)
    assert mpoint.midpoint == float(np.median(mpool.midpoint[mpool.median_rule]))
    assert mpoint.scaling_factor == float(np.median(mpool.scaling_factor[mpool.median_rule]))


def test_the_scalar_api_prices_with_the_pool_in_force_and_says_so():
    s = score_participant(_final_80(), settings=SMALL)
    point = reference_point("HF", 2027, SMALL)
    assert s.scaling_factor == point.scaling_factor
    assert s.factor == pytest.approx(0.09 * TFS80 * point.scaling_factor - 0.09, rel=1e-12)
    assert any(point.source in n for n in s.notes)


def test_a_given_pool_prices_every_api_alike_and_collapses_the_range():
    given = Settings(pool="given", given_scaling_factor=1.62, given_midpoint=55.0)
    s = score_participant(_final_80(), settings=given)
    tfs = 1.0 / (1.0 + math.exp(-0.1 * (80 - 55)))
    assert s.factor == pytest.approx(0.09 * tfs * 1.62 - 0.09, rel=1e-12)
    res = score_cohort(pd.DataFrame([hf_row(8, 8)]), settings=given)
    assert float(res.scores["factor"].iloc[0]) == pytest.approx(s.factor, rel=1e-12)
    rng = payment_ranges(res.scores, settings=given)
    assert float(rng["factor_p10"].iloc[0]) == float(rng["factor_p90"].iloc[0]) == pytest.approx(s.factor)
    assert rng["pool_source"].iloc[0] == "given: scaling factor 1.62, midpoint 55"


def test_a_given_pool_without_its_scaling_factor_is_an_error_naming_the_setting():
    with pytest.raises(ASMInputError, match="given_scaling_factor"):
        reference_point("HF", 2027, Settings(pool="given"))


def test_a_roster_pool_needs_the_roster_and_warns_when_it_is_far_smaller_than_the_cohort():
    with pytest.raises(ASMInputError, match="needs the whole roster"):
        pricing_pool("HF", 2027, Settings(pool="roster"))
    res = score_cohort(pd.DataFrame([hf_row(8, 8), hf_row(5, 5)]), settings=Settings(pool="roster"))
    assert len(res.warnings) == 1 and "2 scored participant(s)" in res.warnings[0] and "2,610" in res.warnings[0]
    # a roster as large as CMS's cohort is not warned about
    assert score_cohort(pd.DataFrame([hf_row(8, 8)]), settings=Settings(pool="roster",
                                                                        roster_pool_minimum_share=0)).warnings == []


def test_a_scaling_factor_given_alone_takes_the_fixed_midpoint_or_the_pools_median():
    assert resolve_point("HF", 2027, SMALL, scaling_factor=1.5).midpoint == 50.0
    median_mode = SMALL.replace(tfs_midpoint_mode="cohort_median")
    assert resolve_point("HF", 2027, median_mode, scaling_factor=1.5).midpoint == \
        reference_point("HF", 2027, median_mode).midpoint


def test_an_excepted_participant_has_a_neutral_range():
    res = score_cohort(pd.DataFrame([hf_row(8, 8, euc_exception="yes"), hf_row(8, 8)]), settings=SMALL)
    rng = payment_ranges(res.scores, settings=SMALL)
    assert rng.iloc[0][["factor_p10", "factor_p50", "factor_p90", "p_gain", "dollars_p50"]].tolist() == [0.0] * 5
    assert float(rng["factor_p50"].iloc[1]) > 0


def test_an_exchange_function_cms_publishes_is_data_that_every_api_prices_with(monkeypatch):
    # HF 2028 published: k 0.12, m 55 (hypothetical); LBP and other years unpublished
    from asm_xl.excel import call
    from asm_xl.model import parameters
    raw = dict(parameters._raw())
    raw["exchange_function"] = [{"cohort": "HF", "performance_year": 2028, "steepness": 0.12, "midpoint": 55.0,
                                 "source": "CMS (hypothetical)"}]
    monkeypatch.setattr(parameters, "_raw", lambda: raw)
    assert parameters.exchange_function("HF", 2028).steepness == 0.12
    assert parameters.exchange_function("HF", 2027) is None and parameters.exchange_function("LBP", 2028) is None
    s = SMALL.replace(peer_seed=7)  # a pool not drawn before this test
    pool = national_pool("HF", 2028, s)
    assert set(pool.steepness) == {0.12} and set(pool.midpoint) == {55.0}
    assert len(set(national_pool("HF", 2027, s).steepness)) > 1  # unpublished year: still uncertain
    p = dataclasses.replace(_final_80(), performance_year=2028)
    point = reference_point("HF", 2028, s)
    assert (point.steepness, point.midpoint) == (0.12, 55.0)
    tfs = 1.0 / (1.0 + math.exp(-0.12 * (80 - 55)))
    got = score_participant(p, settings=s)
    assert got.tfs == pytest.approx(tfs, rel=1e-14)
    assert got.factor == pytest.approx(0.09 * tfs * point.scaling_factor - 0.09, rel=1e-12)
    assert call("ASM_FACTOR", 80, 2028, "HF", None, None, [["peer_draws", 60], ["peer_seed", 7]]) == \
        pytest.approx(got.factor, rel=1e-12)
    cohort = score_cohort(pd.DataFrame([hf_row(8, 8, performance_year=2028)]), settings=s)
    assert float(cohort.scores["tfs"].iloc[0]) == pytest.approx(tfs, rel=1e-14)
