"""A pool's factors are the payment kernels' numbers bit for bit, and its range statistics are numpy's
(np.percentile, mean) of them, whatever the chunking and threads."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings as hyp_settings, strategies as st
from hypothesis.extra import numpy as hnp

from asm_xl.model import payment
from asm_xl.model.peer_pricing import adjustment_factors, range_statistics
from asm_xl.model.peers import simulate_national_cohorts
from asm_xl.model.settings import Settings


def same_bits(a, b) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.all((a.view(np.int64) == b.view(np.int64)) | (np.isnan(a) & np.isnan(b))))


def kernel_factors(final, k, m, sf, r, s):
    tfs = payment.transformed_final_score(final[:, None], midpoint=m[None, :], steepness=k[None, :], settings=s)
    return payment.adjustment_factor(final[:, None], tfs, r, sf[None, :], settings=s)


finals = hnp.arrays(np.float64, st.integers(1, 12), elements=st.one_of(st.floats(0.0, 100.0), st.sampled_from([0.0, 100.0])))
draw_values = st.tuples(st.floats(0.01, 1.0), st.floats(0.0, 100.0), st.floats(0.0, 30.0))


@hyp_settings(max_examples=200, deadline=None)
@given(final=finals, draws=st.lists(draw_values, min_size=1, max_size=9), r=st.sampled_from([0.09, 0.1, 0.0]),
       bound=st.booleans())
def test_factors_are_the_payment_kernels_bit_for_bit(final, draws, r, bound):
    k, m, sf = (np.array(x) for x in zip(*draws))
    s = Settings(bound_factors=bound)
    assert same_bits(adjustment_factors(final, k, m, sf, r, s), kernel_factors(final, k, m, sf, r, s))


def test_range_statistics_are_numpys_percentiles_and_means_of_the_factors_in_any_chunks_and_threads():
    pool = simulate_national_cohorts("HF", 2027, draws=301, seed=4)
    final = np.concatenate([np.random.default_rng(2).uniform(0, 100, 500), [0.0, 100.0, 50.0]])
    f = kernel_factors(final, pool.steepness, pool.midpoint, pool.scaling_factor, pool.risk_level, pool.settings)
    expected = dict(zip(("p10", "p50", "p90"), np.percentile(f, (10.0, 50.0, 90.0), axis=1)),
                    mean=f.mean(axis=1), gain=(f > 0.0).mean(axis=1))
    for chunk, threads in ((256, True), (7, True), (1000, False)):
        got = range_statistics(final, pool.steepness, pool.midpoint, pool.scaling_factor, pool.risk_level,
                               pool.settings, chunk=chunk, threads=threads)
        for name, value in expected.items():
            assert same_bits(got[name], value), (chunk, threads, name)
