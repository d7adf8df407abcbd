"""Percentiles of sorted rows are numpy's percentiles, bit for bit (the peer model's ranges depend on it)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings as hyp_settings, strategies as st
from hypothesis.extra import numpy as hnp

from asm_xl.model.peer_percentiles import sorted_percentiles

# +0.0 and -0.0 compare equal, so which of them sits at an order statistic depends on how the row was
# ordered (np.percentile's partition or our sort): values here are +0.0 for zero. The peer model's factors
# never mix the two in a row (r x TFS x SF - r is +0.0 when it is 0; -r is the same for the whole row).
values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=64).map(lambda x: x + 0.0),
    st.sampled_from([-0.09, 0.0, 0.09, 1.0, -1.0]),  # ties, as bounded factors give
)
percentile_lists = st.lists(st.floats(0.0, 100.0, allow_nan=False), min_size=1, max_size=6)


def same_bits(a, b) -> bool:
    return a.shape == b.shape and bool(np.all((a.view(np.int64) == b.view(np.int64)) | (np.isnan(a) & np.isnan(b))))


@hyp_settings(max_examples=150, deadline=None)
@given(rows=hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=40), elements=values),
       percentiles=percentile_lists)
def test_percentiles_of_sorted_rows_are_numpys_percentiles_bit_for_bit(rows, percentiles):
    with np.errstate(invalid="ignore"):  # inf - inf in numpy's interpolation as in ours
        expected = np.percentile(rows, percentiles, axis=1)
        got = sorted_percentiles(np.sort(rows, axis=1), percentiles)
    assert same_bits(got, expected)


@hyp_settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), draws=st.sampled_from([1, 2, 3, 999, 1000, 1001]))
def test_the_peer_models_percentiles_over_many_draws_are_numpys(seed, draws):
    rng = np.random.default_rng(seed)
    factors = np.clip(rng.normal(0.0, 0.05, size=(20, draws)), -0.09, 0.09)  # ties at the bounds
    expected = np.percentile(factors, (10.0, 50.0, 90.0), axis=1)
    assert same_bits(sorted_percentiles(np.sort(factors, axis=1), (10.0, 50.0, 90.0)), expected)


def test_a_hand_checked_interpolation():
    # 5 values, P10: v = 4 x 0.1 = 0.4 -> 1 + (2 - 1) x 0.4 = 1.4; P90: v = 3.6 -> g 0.6 >= 0.5: 5 - (5 - 4) x 0.4 = 4.6
    got = sorted_percentiles(np.array([[1.0, 2.0, 3.0, 4.0, 5.0]]), (10.0, 50.0, 90.0))
    assert got[:, 0].tolist() == [1.4, 3.0, 4.6]


def test_a_row_with_a_nan_gives_nan_and_a_percentile_outside_0_100_is_refused():
    got = sorted_percentiles(np.sort(np.array([[1.0, np.nan, 2.0], [1.0, 2.0, 3.0]]), axis=1), (50.0,))
    assert np.isnan(got[0, 0]) and got[0, 1] == 2.0
    with pytest.raises(ValueError, match="between 0 and 100"):
        sorted_percentiles(np.array([[1.0, 2.0]]), (101.0,))
