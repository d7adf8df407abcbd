"""How action values are priced and ranked: the percentiles of each draw's factor change are numpy's
own, whatever the chunking or the repeated pairs; the final scores are priced by the pool's one rule;
a caller asking for some columns gets the same numbers, and so do rows priced afterwards; and the rank
follows value, final-score change and catalogue order."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from asm_xl.model.action_catalogue import ACTIONS
from asm_xl.model.actions import (ACTION_COLUMNS, PRICED_COLUMNS, action_values, change_percentiles, price_finals,
                                   priced_actions)
from asm_xl.model.errors import ASMInputError
from asm_xl.model.peers import PoolDraws
from asm_xl.model.settings import Settings

from .strategies import cohort_frames

# seven national cohorts (draws) with different k, m and SF: changes differ from draw to draw
SEVEN = PoolDraws("LBP", 2027, 0.09, np.array([0.08, 0.1, 0.12, 0.1, 0.09, 0.11, 0.1]),
                  np.array([45.0, 50.0, 55.0, 60.0, 48.0, 52.0, 50.0]),
                  np.array([1.1, 1.7, 2.4, 1.3, 2.0, 1.5, 1.9]), "seven test draws")

finals = st.floats(min_value=0.0, max_value=100.0, allow_nan=False)
# few distinct scores, so that pairs repeat (IA-1 and IA-2 of one physician) and befores are shared
pairs = st.lists(st.tuples(st.sampled_from([0.0, 12.5, 40.0, 40.0, 77.25]) | finals,
                           st.sampled_from([0.0, 50.0, 55.0, 100.0]) | finals), max_size=40)


def bits(x) -> np.ndarray:
    return np.asarray(x, dtype=float).view(np.int64)


@hsettings(max_examples=60, deadline=None)
@given(pairs, st.integers(min_value=1, max_value=9))
def test_change_percentiles_are_numpys_percentiles_of_each_draws_change_whatever_the_chunk(data, chunk):
    before = np.array([b for b, _ in data], dtype=float)
    after = np.array([a for _, a in data], dtype=float)
    got = change_percentiles(SEVEN, before, after, chunk=chunk)
    assert got.shape == (len(data), 3)
    if len(data):
        want = np.percentile(SEVEN.factors(after) - SEVEN.factors(before), [10, 50, 90], axis=1).T
        assert (bits(got) == bits(want)).all()


@hsettings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from([0.0, 33.0, 50.0, 71.5]) | finals, min_size=1, max_size=30))
def test_final_scores_are_priced_by_the_pools_one_rule_once_per_distinct_score(scores):
    got = price_finals(SEVEN, scores)
    one_by_one = [SEVEN.price([s]) for s in scores]
    for col, attr in (("factor_p10", "factor_p10"), ("factor_p50", "factor_p50"), ("factor_p90", "factor_p90"),
                      ("p_gain", "p_gain")):
        assert (bits(got[col]) == bits([float(getattr(r, attr)[0]) for r in one_by_one])).all(), col


SMALL = Settings(peer_draws=40)
SETTINGS = dict(max_examples=12, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@hsettings(**SETTINGS)
@given(cohort_frames(max_size=6, flags=True), st.permutations(ACTION_COLUMNS))
def test_asking_for_some_columns_gives_the_same_numbers_in_the_order_asked(frame, order):
    full = action_values(frame, settings=SMALL)
    wanted = [c for c in order if not c.startswith(("factor_", "dollars_", "p_gain"))][:8]
    some = action_values(frame, settings=SMALL, columns=wanted)
    assert list(some.columns) == wanted
    pd.testing.assert_frame_equal(some, full[wanted], check_exact=True)
    assert some.attrs["scored_rows"] == full.attrs["scored_rows"]


def test_an_unknown_column_is_refused_naming_it():
    with pytest.raises(ASMInputError) as e:
        action_values(pd.DataFrame([{"cohort": "HF"}]), columns=["value_p50", "dollars"])
    assert e.value.field == "columns" and "dollars" in str(e.value)


@hsettings(**SETTINGS)
@given(cohort_frames(min_size=2, max_size=6, flags=True))
def test_actions_follow_the_input_order_and_rank_by_value_then_final_change_then_catalogue(frame):
    got = action_values(frame, settings=SMALL)
    rows = got["row"].tolist()
    assert rows == sorted(rows, key=list(frame.index).index)  # physicians in input order
    catalogue = {a: i for i, a in enumerate(ACTIONS)}
    for _, one in got.groupby("row", sort=False):
        assert one["rank"].tolist() == list(range(1, len(one) + 1))
        keys = list(zip(-one["value_p50"], -one["final_change"], one["action"].map(catalogue)))
        assert keys == sorted(keys)  # larger value first, then larger change, then catalogue order


@hsettings(**SETTINGS)
@given(cohort_frames(max_size=6, flags=True), st.data())
def test_pricing_some_rows_afterwards_gives_them_the_numbers_of_the_full_table(frame, data):
    # what the dashboard does: every action's value, then the final scores before and after priced only for
    # the rows it lists (any of them, in any order), bit for bit those of the full table
    full = action_values(frame, settings=SMALL)
    unpriced = action_values(frame, settings=SMALL, columns=[c for c in ACTION_COLUMNS if c not in PRICED_COLUMNS])
    pd.testing.assert_frame_equal(unpriced, full.drop(columns=list(PRICED_COLUMNS)), check_exact=True)
    rows = data.draw(st.lists(st.sampled_from(range(len(full))), unique=True) if len(full) else st.just([]))
    got = priced_actions(unpriced.iloc[rows], settings=SMALL)
    assert list(got.columns) == ACTION_COLUMNS
    pd.testing.assert_frame_equal(got, full.iloc[rows], check_exact=True)
    for col in PRICED_COLUMNS:   # bit for bit, NaN where NaN
        assert (bits(got[col]) == bits(full[col].iloc[rows])).all(), col
    assert priced_actions(full, settings=SMALL) is full   # priced already: as it is
