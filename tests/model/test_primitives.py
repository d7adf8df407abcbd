"""Each kernel on plain Python numbers (the Excel functions' path, no numpy) gives the same bits as
on arrays (the cohort API's path): one rule, two ways to run it, never two statements of it."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings as hsettings, strategies as st

from asm_xl.model import adjustments, categories, final_score as fs, payment
from asm_xl.model.benchmarks import Ladder, packaged_benchmarks
from asm_xl.model.points import points_on_ladder, to_ladder_units
from asm_xl.model.primitives import ARRAY, SCALAR, ops
from asm_xl.model.settings import DEFAULT_SETTINGS, Settings

H = hsettings(max_examples=300, deadline=None)
fin = st.floats(-1e6, 1e6, allow_nan=False)
frac = st.floats(0.0, 1.0)
score = st.floats(0.0, 100.0)
maybe_nan = st.one_of(frac, st.just(math.nan))
variants = st.sampled_from([DEFAULT_SETTINGS, Settings(reweight_unscored_category=False, quality_weight=0.6),
                            Settings(pi_adjustment_linear=False, bound_factors=False)])


def same(scalar_result, array_result) -> None:
    """Bit for bit: a plain float on the scalar path, the array's one element on the other."""
    assert scalar_result.__class__ in (float, int, bool), type(scalar_result)
    a = np.asarray(array_result).reshape(-1)
    assert a.size == 1
    b = float(a[0])
    assert (math.isnan(b) and math.isnan(scalar_result)) or (b == scalar_result and
                                                           math.copysign(1, b) == math.copysign(1, scalar_result)), \
        (scalar_result, b)


def arr(x):
    return np.array([x])


def test_ops_chooses_the_path():
    assert ops(1.0, 2, True) is SCALAR
    assert ops(1.0, np.float64(2.0)) is ARRAY and ops(np.array([1.0])) is ARRAY and ops([1.0]) is ARRAY


@H
@given(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0, 1, 4, 9]))
def test_round_is_numpys(x, d):
    r = SCALAR.round(x, d)
    with np.errstate(over="ignore"):   # numpy's own x * 10**d overflows for x near the largest float
        expected = float(np.round(np.float64(x), d))
    assert (math.isnan(r) and math.isnan(x)) or r == expected


@H
@given(fin, st.floats(-10.0, 10.0))
def test_div_clip_minimum(a, b):
    same(SCALAR.div(a, b), ARRAY.div(arr(a), arr(b)))
    same(SCALAR.div(a, 0.0), ARRAY.div(arr(a), arr(0.0)))
    same(SCALAR.clip(a, -1.0, 1.0), ARRAY.clip(arr(a), -1.0, 1.0))
    same(SCALAR.minimum(a, b), ARRAY.minimum(arr(a), b))
    same(SCALAR.minimum(math.nan, b), ARRAY.minimum(arr(math.nan), b))


_LADDERS = [lad for lad in (packaged_benchmarks().lookup(m, c, y) for (m, c, y) in
                            list(packaged_benchmarks().keys())[:40])]
ladders = st.one_of(st.sampled_from(_LADDERS),
                    st.builds(lambda v, inv, top: Ladder(tuple(sorted(v, reverse=inv)), inverse=inv, topped_out=top),
                              st.lists(st.floats(0, 100), min_size=10, max_size=10), st.booleans(), st.booleans()))


@H
@given(st.one_of(frac, st.floats(0, 500), st.sampled_from([0.5556, 0.57, 0.72, 0.0, 1.0])), ladders,
       st.sampled_from([-1, 0, 4]))
def test_points_on_ladder(rate, ladder, decimals):
    same(to_ladder_units(rate, ladder.scale), to_ladder_units(arr(rate), ladder.scale))
    same(points_on_ladder(rate, ladder, cap=7.0, decimals=decimals),
         points_on_ladder(arr(rate), ladder, cap=7.0, decimals=decimals))


@H
@given(st.integers(0, 2), frac, st.integers(1, 300), variants)
def test_adjustments(ia, pi, size, s):
    same(adjustments.ia_adjustment(ia, settings=s), adjustments.ia_adjustment(arr(ia), settings=s))
    same(adjustments.pi_adjustment(pi, settings=s), adjustments.pi_adjustment(arr(pi), settings=s))
    same(adjustments.practice_size_bonus(size, settings=s), adjustments.practice_size_bonus(arr(size), settings=s))
    same(adjustments.practice_size_bonus(float(size), settings=s),
         adjustments.practice_size_bonus(arr(float(size)), settings=s))


@H
@given(maybe_nan, maybe_nan, st.floats(-10, 0), st.floats(-10, 0), st.floats(0, 10), st.floats(0, 10),
       st.booleans(), variants)
def test_final_score_and_weights(q, c, ia, pi, bonus, practice, met, s):
    same(fs.final_score(q, c, ia, pi, bonus, practice, met, settings=s),
         fs.final_score(arr(q), arr(c), arr(ia), arr(pi), arr(bonus), arr(practice), arr(met), settings=s))
    for a, b in zip(fs.category_weights(not math.isnan(q), not math.isnan(c), settings=s),
                    fs.category_weights(arr(not math.isnan(q)), arr(not math.isnan(c)), settings=s)):
        same(a, b)


@H
@given(st.floats(0, 10), st.floats(0, 100), variants)
def test_cost_category(points, episodes, s):
    same(categories.cost_category(points, episodes, settings=s),
         categories.cost_category(arr(points), arr(episodes), settings=s))


@H
@given(score, st.sampled_from([0.09, 0.1, 0.11, 0.12]), st.floats(0, 5), st.floats(0, 1e7),
       st.one_of(st.none(), score), variants)
def test_payment(final, r, sf, payments, midpoint, s):
    tfs = payment.transformed_final_score(final, midpoint=midpoint, settings=s)
    same(tfs, payment.transformed_final_score(arr(final), midpoint=None if midpoint is None else arr(midpoint),
                                              settings=s))
    f = payment.adjustment_factor(final, tfs, r, sf, settings=s)
    same(f, payment.adjustment_factor(arr(final), arr(tfs), r, sf, settings=s))
    same(payment.payment_multiplier(f), payment.payment_multiplier(arr(f)))
    same(payment.dollar_impact(f, payments), payment.dollar_impact(arr(f), arr(payments)))


counts = st.one_of(st.just(math.nan), st.integers(0, 60), st.floats(0, 60))


@H
@given(counts, counts, maybe_nan, maybe_nan, st.one_of(st.just(math.nan), st.floats(0, 10)), st.booleans(),
       st.sampled_from([DEFAULT_SETTINGS, Settings(unreported_admin_claims_excluded=False, case_minimum=0)]))
def test_measure_inputs_and_status(eligible, reported, completeness, rate, points, admin, s):
    scalar = categories.effective_measure_inputs(eligible, reported, completeness, rate, points, admin, settings=s)
    array = categories.effective_measure_inputs(arr(eligible), arr(reported), arr(completeness), arr(rate),
                                                arr(points), arr(admin), settings=s)
    for a, b in zip(scalar, array):
        same(a.item(), b)
    comp, elig, any_, _ = (x.item() for x in scalar)
    same(categories.measure_status(comp, elig, admin, reported=any_, settings=s),
         categories.measure_status(arr(comp), arr(elig), arr(admin), reported=arr(any_), settings=s))
    same(SCALAR.nan_to_num(eligible), ARRAY.nan_to_num(arr(eligible)))
