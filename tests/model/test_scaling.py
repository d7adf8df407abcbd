"""The vectorized scaling-factor solver: hand-derived cases and agreement with the scalar solver."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings as hyp_settings, strategies as st

from asm_xl.model.payment import solve_scaling_factor, transformed_final_score
from asm_xl.model.scaling import CLOSED_FORM, NO_POSITIVE_SCORES, SOLVED, UNATTAINABLE, solve_scaling_factors
from asm_xl.model.settings import Settings


def test_a_cohort_averaging_half_pays_back_85_percent_with_sf_1_7():
    # T = 0.85 x 2 = 1.7; sum w TFS = 1.0  ->  SF = 1.7 (the old default's "reference cohort")
    sf, how = solve_scaling_factors([[0.5, 0.5]], [[1.0, 1.0]], [[True, True]], withhold=0.15)
    assert math.isclose(sf[0], 1.7, rel_tol=1e-15) and how[0] == CLOSED_FORM


def test_the_bound_makes_the_solver_cap_the_best_participant_exactly():
    # TFS (0.99, 0.01, 0.01), equal weights: closed form 2.55 / 1.01 = 2.5248 puts 0.99 x SF > 2.
    # With the first at +r: 2 + SF x 0.02 = 2.55  ->  SF = 27.5, and 0.01 x 27.5 = 0.275 < 2.
    sf, how = solve_scaling_factors([[0.99, 0.01, 0.01]], [[1.0, 1.0, 1.0]], [[True] * 3], withhold=0.15)
    assert math.isclose(sf[0], 27.5, rel_tol=1e-12) and how[0] == SOLVED


def test_without_the_bound_the_closed_form_stands():
    sf, how = solve_scaling_factors([[0.99, 0.01, 0.01]], [[1.0] * 3], [[True] * 3], withhold=0.15, bound=False)
    assert math.isclose(sf[0], 2.55 / 1.01, rel_tol=1e-15) and how[0] == CLOSED_FORM


def test_zero_scores_count_in_the_budget_but_not_in_the_tfs_sum():
    # one participant at 0 (factor -r), one with TFS 0.5: T = 0.85 x 2 = 1.7 = SF x 0.5 -> 3.4, but 0.5 x 3.4 = 1.7 < 2
    sf, how = solve_scaling_factors([[0.2, 0.5]], [[1.0, 1.0]], [[False, True]], withhold=0.15)
    assert math.isclose(sf[0], 3.4, rel_tol=1e-15) and how[0] == CLOSED_FORM


def test_a_pool_that_cannot_pay_back_is_flagged_and_everyone_positive_is_at_plus_r():
    # one positive of four: 2 x 1 < 0.85 x 4 = 3.4 -> unattainable; SF = 2 / 0.8
    sf, how = solve_scaling_factors([[0.8, 0.1, 0.1, 0.1]], [[1.0] * 4], [[True, False, False, False]], withhold=0.15)
    assert how[0] == UNATTAINABLE and math.isclose(sf[0], 2.5, rel_tol=1e-15)


def test_no_positive_score_gives_nan_for_the_caller_to_decide():
    sf, how = solve_scaling_factors([[0.1, 0.1]], [[1.0, 1.0]], [[False, False]], withhold=0.15)
    assert math.isnan(sf[0]) and how[0] == NO_POSITIVE_SCORES


def test_rows_are_solved_independently():
    sf, how = solve_scaling_factors([[0.5, 0.5], [0.99, 0.01]], [[1.0, 1.0], [1.0, 0.0]],
                                    [[True, True], [True, True]], withhold=0.15)
    # row 2: only the first has weight: T = 0.85, SF = 0.85 / 0.99
    assert np.allclose(sf, [1.7, 0.85 / 0.99], rtol=1e-15) and list(how) == [CLOSED_FORM, CLOSED_FORM]


cohorts = st.lists(st.tuples(st.one_of(st.just(0.0), st.floats(0.0, 100.0, allow_nan=False)),
                             st.one_of(st.just(0.0), st.floats(1.0, 3e6, allow_nan=False))),
                   min_size=1, max_size=40)


@hyp_settings(max_examples=300, deadline=None)
@given(cohort=cohorts, weighted=st.booleans(), bound=st.booleans(), midpoint=st.floats(30.0, 70.0),
       definition=st.sampled_from(["payment_weighted_withhold", "positive_85_of_negative"]))
def test_vectorized_solver_equals_the_scalar_one(cohort, weighted, bound, midpoint, definition):
    s = Settings().replace(payment_weighted_pool=weighted, bound_factors=bound, pool_definition=definition)
    final = np.array([c[0] for c in cohort])
    pay = np.array([c[1] for c in cohort])
    expected = solve_scaling_factor(final, pay, 0.09, midpoint=midpoint, settings=s)
    tfs = transformed_final_score(final, midpoint=midpoint, settings=s)
    w = pay if weighted else np.ones_like(pay)
    sf, how = solve_scaling_factors(tfs[None, :], w[None, :], (final > 0)[None, :], withhold=s.pool_withhold,
                                    bound=bound, definition=definition)
    if expected.method == "no positive scores":
        assert how[0] == NO_POSITIVE_SCORES
        return
    assert math.isclose(sf[0], expected.scaling_factor, rel_tol=1e-9), (expected, sf[0], how[0])


def test_positive_adjustments_are_85_percent_of_the_negative_ones_under_the_second_pool_definition():
    # TFS (0.8, 0.4), equal weights. For 1.25 <= SF < 2.5 the first gains 0.8 SF - 1, the second loses
    # 1 - 0.4 SF (in units of r): 0.8 SF - 1 = 0.85 (1 - 0.4 SF)  ->  SF = 1.85 / 1.14 = 1.622807...
    sf, how = solve_scaling_factors([[0.8, 0.4]], [[1.0, 1.0]], [[True, True]], withhold=0.15,
                                    definition="positive_85_of_negative")
    assert math.isclose(sf[0], 1.85 / 1.14, rel_tol=1e-15) and how[0] == SOLVED
    gain, loss = 0.8 * sf[0] - 1.0, 1.0 - 0.4 * sf[0]
    assert math.isclose(gain, 0.85 * loss, rel_tol=1e-12)
    # today's definition: sum w x factor = -0.15 r sum w  ->  SF = 0.85 x 2 / 1.2
    sf0, _ = solve_scaling_factors([[0.8, 0.4]], [[1.0, 1.0]], [[True, True]], withhold=0.15)
    assert math.isclose(sf0[0], 1.7 / 1.2, rel_tol=1e-15)


def test_the_scalar_solver_uses_the_pool_definition_setting():
    s = Settings(pool_definition="positive_85_of_negative", tfs_midpoint=50.0, tfs_steepness=0.1)
    final = np.array([80.0, 40.0, 0.0])
    sol = solve_scaling_factor(final, np.array([1.0, 1.0, 1.0]), 0.09, settings=s)
    tfs = transformed_final_score(final, settings=s)
    from asm_xl.model.payment import adjustment_factor
    f = adjustment_factor(final, tfs, 0.09, sol.scaling_factor, settings=s)
    assert sol.method == "solved"
    assert math.isclose(f[f > 0].sum(), 0.85 * -f[f < 0].sum(), rel_tol=1e-12)


def test_under_the_second_pool_definition_a_pool_of_zero_scores_cannot_be_paid_back():
    # one positive (TFS 0.8) at +r pays 1; the three zero scores lose 3: 1 < 0.85 x 3 -> unattainable, SF = 2 / 0.8
    sf, how = solve_scaling_factors([[0.8, 0.1, 0.1, 0.1]], [[1.0] * 4], [[True, False, False, False]],
                                    withhold=0.15, definition="positive_85_of_negative")
    assert how[0] == UNATTAINABLE and math.isclose(sf[0], 2.5, rel_tol=1e-15)
