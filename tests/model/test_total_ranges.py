"""The range of a total: percentiles over the pool's draws of the dollars added up draw by draw, derived
by hand from the exchange function on pools of a few draws."""

import math

import numpy as np
import pandas as pd
import pytest

from asm_xl.model.errors import ASMInputError
from asm_xl.model.peers import PoolDraws, given_pool
from asm_xl.model.total_ranges import TOTAL_STATISTICS, own_years, total_ranges

#: two draws of one HF 2027 cohort: a flat exchange curve (k 0.05) and a steep one (k 0.2), SF 1.5, m 50
TWO = PoolDraws("HF", 2027, 0.09, np.array([0.05, 0.2]), np.array([50.0, 50.0]), np.array([1.5, 1.5]), "two draws")


def factor_by_hand(final: float, k: float, m: float = 50.0, sf: float = 1.5, r: float = 0.09) -> float:
    """REG 512.750(c): r x TFS x SF - r, TFS = 1 / (1 + exp(-k (final - m))), within [-r, r]."""
    return min(r, max(-r, r * sf / (1 + math.exp(-k * (final - m))) - r))


def projection(rows: list[dict]) -> pd.DataFrame:
    base = {"cohort": "HF", "performance_year": 2027, "priced": True}
    return pd.DataFrame([{**base, **r} for r in rows])


def test_a_total_is_priced_draw_by_draw_not_as_the_sum_of_the_physicians_percentiles():
    # A (final 80) gains more on the steep curve, B (final 30) loses more on it: their bad draws differ
    p = projection([{"row": 0, "final_score": 80.0, "payments_base": 100_000.0},
                    {"row": 1, "final_score": 30.0, "payments_base": 300_000.0}])
    a = [factor_by_hand(80, k) * 100_000 for k in (0.05, 0.2)]   # +2,037 (flat), +4,467 (steep)
    b = [factor_by_hand(30, k) * 300_000 for k in (0.05, 0.2)]   # -16,108 (flat), -26,272 (steep)
    total = [a[0] + b[0], a[1] + b[1]]                            # -14,071, -21,805
    got = total_ranges(p, {"both": np.array([True, True]), "A": np.array([True, False])}, pool=TWO)
    # np.percentile of two values: the lower plus q of the gap
    lo, hi = min(total), max(total)
    assert got.loc["both", "p10"] == pytest.approx(lo + 0.1 * (hi - lo), rel=1e-12)
    assert got.loc["both", "p50"] == pytest.approx((lo + hi) / 2, rel=1e-12)
    assert got.loc["both", "p90"] == pytest.approx(lo + 0.9 * (hi - lo), rel=1e-12)
    assert got.loc["both", "mean"] == pytest.approx(sum(total) / 2, rel=1e-12)
    summed_p10 = (min(a) + 0.1 * (max(a) - min(a))) + (min(b) + 0.1 * (max(b) - min(b)))
    assert got.loc["both", "p10"] != pytest.approx(summed_p10, rel=1e-3)   # -21,032 against -22,975
    assert got.loc["A", "p10"] == pytest.approx(min(a) + 0.1 * (max(a) - min(a)), rel=1e-12)   # one's own range
    assert list(got.columns) == TOTAL_STATISTICS


def test_a_row_not_priced_adds_nothing_and_a_group_of_none_is_zero():
    p = projection([{"row": 0, "final_score": 80.0, "payments_base": 100_000.0},
                    {"row": 1, "final_score": 30.0, "payments_base": 300_000.0, "priced": False}])
    got = total_ranges(p, {"both": np.array([True, True]), "none": np.array([False, True])}, pool=TWO)
    a = sorted(factor_by_hand(80, k) * 100_000 for k in (0.05, 0.2))
    assert got.loc["both", "p50"] == pytest.approx(sum(a) / 2, rel=1e-12)
    assert got.loc["none"].tolist() == [0.0, 0.0, 0.0, 0.0]


def test_a_pool_of_one_draw_is_the_same_in_every_draw_of_another():
    # an LBP physician priced by a given pool (SF 1.6, m 50: one draw) beside the two HF draws
    given = {("HF", 2027): TWO, ("LBP", 2027): given_pool("LBP", 2027, scaling_factor=1.6, midpoint=50.0)}
    p = projection([{"row": 0, "final_score": 80.0, "payments_base": 100_000.0},
                    {"row": 1, "final_score": 70.0, "payments_base": 200_000.0, "cohort": "LBP"}])
    lbp = factor_by_hand(70, 0.1, sf=1.6) * 200_000
    hf = sorted(factor_by_hand(80, k) * 100_000 for k in (0.05, 0.2))
    got = total_ranges(p, {"both": np.array([True, True])}, pool=given)
    assert got.loc["both", "p50"] == pytest.approx(sum(hf) / 2 + lbp, rel=1e-12)


def test_pools_of_different_numbers_of_draws_are_refused_with_the_field_named():
    three = PoolDraws("LBP", 2027, 0.09, np.full(3, 0.1), np.full(3, 50.0), np.array([1.4, 1.5, 1.6]), "three")
    p = projection([{"row": 0, "final_score": 80.0, "payments_base": 1.0},
                    {"row": 1, "final_score": 80.0, "payments_base": 1.0, "cohort": "LBP"}])
    with pytest.raises(ASMInputError, match="pool"):
        total_ranges(p, {"both": np.array([True, True])}, pool={("HF", 2027): TWO, ("LBP", 2027): three})
    with pytest.raises(ASMInputError, match="groups"):
        total_ranges(p, {"bad": np.array([True])}, pool=TWO)


def test_a_pool_given_per_own_year_prices_each_row_by_its_roster_rows_year():
    # a roster pool: each row priced by its own year's roster (a function of the row's first year)
    p = projection([{"row": 0, "final_score": 80.0, "payments_base": 100_000.0, "performance_year": 2027},
                    {"row": 0, "final_score": 80.0, "payments_base": 100_000.0, "performance_year": 2028},
                    {"row": 1, "final_score": 80.0, "payments_base": 100_000.0, "performance_year": 2029}])
    assert own_years(p).tolist() == [2027, 2027, 2029]
    sf = {2027: 1.2, 2029: 1.8}
    pools = lambda own: {("HF", y): given_pool("HF", y, scaling_factor=sf[own], midpoint=50.0)   # noqa: E731
                         for y in (2027, 2028, 2029)}
    got = total_ranges(p, {"all": np.array([True, True, True])}, pool=pools)
    by_hand = sum(factor_by_hand(80, 0.1, sf=sf[own], r=r) * 100_000
                  for own, r in ((2027, 0.09), (2027, 0.09), (2029, 0.10)))
    assert got.loc["all", "p50"] == pytest.approx(by_hand, rel=1e-12)
