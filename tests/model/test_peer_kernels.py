"""The kernels the peer model evaluates into kept arrays give the methodology kernels' very bits
(every bit, NaN payloads included), for every input the peer model can give them."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings as hyp_settings, strategies as st
from hypothesis.extra import numpy as hnp

from asm_xl.model import adjustments, categories, final_score as final_mod, payment
from asm_xl.model.peer_buffers import Buffers
from asm_xl.model.peer_kernels import cost_category_into, final_score_into, pi_adjustment_into, transformed_into
from asm_xl.model.settings import Settings


def identical(a, b) -> bool:
    """Same shape and the same 64 bits in every element (a NaN's sign and payload too)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and np.array_equal(a.view(np.int64), b.view(np.int64))


shapes = hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=12)
SETTINGS = [Settings(), Settings(reweight_unscored_category=False, pi_adjustment_linear=False, quality_weight=0.6),
            Settings(cost_episode_minimum=0, pi_max_penalty=0.0, complex_bonus_max=0.0)]


@hyp_settings(max_examples=100, deadline=None)
@given(data=st.data(), shape=shapes)
def test_transformed_into_is_the_exchange_functions_tfs_bit_for_bit(data, shape):
    final = data.draw(hnp.arrays(np.float64, shape, elements=st.one_of(st.floats(0.0, 100.0), st.just(0.0))))
    m = data.draw(hnp.arrays(np.float64, (shape[0], 1), elements=st.floats(0.0, 100.0)))
    k = data.draw(hnp.arrays(np.float64, (shape[0], 1), elements=st.floats(0.0, 2.0)))
    expected = payment.transformed_final_score(final, midpoint=m, steepness=k)
    assert identical(transformed_into(final, m, k, out=np.empty(shape)), expected)
    assert identical(transformed_into(final, m, k, out=final), expected)  # in place


@pytest.mark.parametrize("s", SETTINGS[:2], ids=["linear", "all-or-nothing"])
@hyp_settings(max_examples=60, deadline=None)
@given(pi=hnp.arrays(np.float64, shapes, elements=st.one_of(st.floats(0.0, 1.0), st.sampled_from([0.0, 1.0]))))
def test_pi_adjustment_into_is_the_kernels_bit_for_bit(s, pi):
    assert identical(pi_adjustment_into(pi, np.empty(pi.shape), settings=s), adjustments.pi_adjustment(pi, settings=s))


@pytest.mark.parametrize("s", [Settings(), Settings(cost_episode_minimum=0)], ids=["minimum-20", "minimum-0"])
@hyp_settings(max_examples=60, deadline=None)
@given(data=st.data(), shape=shapes)
def test_cost_category_into_is_the_kernels_value_with_0_for_not_scored_and_its_nan_mask(s, data, shape):
    points = data.draw(hnp.arrays(np.float64, shape, elements=st.floats(1.0, 10.0)))
    too_few = data.draw(hnp.arrays(bool, shape))
    kernel = categories.cost_category(points, np.where(too_few, 0.0, s.cost_episode_minimum), settings=s)
    cost, not_scored = cost_category_into(points, too_few, 0.0, s.cost_episode_minimum, Buffers(), settings=s)
    assert np.array_equal(not_scored, np.isnan(kernel))
    assert identical(cost, np.where(np.isnan(kernel), 0.0, kernel))
    assert not_scored.any() == (s.cost_episode_minimum > 0 and too_few.any())


@pytest.mark.parametrize("s", SETTINGS, ids=["default", "no-reweighting", "no-penalties"])
@hyp_settings(max_examples=80, deadline=None)
@given(data=st.data(), shape=shapes)
def test_final_score_into_is_the_kernels_final_score_bit_for_bit(s, data, shape):
    def floats(lo, hi, nan=False):
        el = st.one_of(st.floats(lo, hi), st.just(np.nan)) if nan else st.floats(lo, hi)
        return data.draw(hnp.arrays(np.float64, shape, elements=el))

    quality, cost = floats(0.0, 1.0, nan=True), floats(0.1, 1.0, nan=True)
    ia, pi, bonus = floats(-20.0, 0.0), floats(-10.0, 0.0), floats(0.0, 10.0)
    practice = data.draw(hnp.arrays(np.float64, shape[1:], elements=st.sampled_from([0.0, 5.0, 10.0])))
    met = data.draw(hnp.arrays(bool, shape))
    expected = final_mod.final_score(quality, cost, ia, pi, bonus, practice, met, settings=s)
    q_nan, c_nan = np.isnan(quality), np.isnan(cost)
    got = final_score_into(np.where(q_nan, 0.0, quality), q_nan, np.where(c_nan, 0.0, cost), c_nan, ia, pi, bonus,
                           practice, met, Buffers(), settings=s)
    assert identical(got, expected)


def test_final_score_into_gives_nan_only_where_neither_category_is_scored_and_the_submission_is_met():
    nan = np.nan
    quality, cost = np.array([[0.5, nan, nan, nan]]), np.array([[nan, 0.8, nan, nan]])
    met = np.array([[True, True, True, False]])
    q_nan, c_nan = np.isnan(quality), np.isnan(cost)
    got = final_score_into(np.nan_to_num(quality), q_nan, np.nan_to_num(cost), c_nan, np.zeros((1, 4)),
                           np.zeros((1, 4)), np.zeros((1, 4)), np.zeros(4), met, Buffers())
    assert got[0, :2].tolist() == [50.0, 80.0]  # reweighted: the scored category weighs 1
    assert np.isnan(got[0, 2]) and got[0, 3] == 0.0
