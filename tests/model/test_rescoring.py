"""Changed copies of participants: one table of every copy holds what copying and changing them one
set at a time would, and each copy scores alone (the other copies of the table change nothing)."""

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from asm_xl.model.actions import action_values, prepare_actions
from asm_xl.model.cohort_checks import blank_scalar
from asm_xl.model.rescoring import Baseline

from .strategies import cohort_frames

SETTINGS = dict(max_examples=15, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def one_by_one(base: Baseline, sets: list) -> pd.DataFrame:
    """The copies made a set at a time (copy, set the columns) and put end to end."""
    frames = []
    for a in sets:
        frame = base.copies(a.positions)
        for col, values in a.edits.items():
            frame[col] = values
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


@hsettings(**SETTINGS)
@given(cohort_frames(min_size=1, max_size=6, one_year=False, flags=True), st.randoms(use_true_random=False))
def test_one_table_of_changed_copies_holds_and_scores_what_one_set_at_a_time_does(frame, rnd):
    base, sets = prepare_actions(frame, errors="skip")
    sets = rnd.sample(sets, k=rnd.randint(0, len(sets)))  # any of the actions' sets, in any order
    if not sets:
        return
    changes, stop = {}, 0
    for a in sets:
        start, stop = stop, stop + a.positions.size
        for col, values in a.edits.items():
            changes.setdefault(col, []).append((start, stop, values))
    got = base.changed_copies(np.concatenate([a.positions for a in sets]), changes)
    want = one_by_one(base, sets)
    assert "npi" not in got.columns and set(got.columns) == set(want.columns) - {"npi", "tin"}
    for col in got.columns:
        for g, w in zip(got[col].tolist(), want[col].tolist()):
            assert (blank_scalar(g) and blank_scalar(w)) or g == w, col
    again, direct = base.rescore(got), base.rescore(want)
    assert (again.view(np.int64) == direct.view(np.int64)).all()


@hsettings(**SETTINGS)
@given(cohort_frames(min_size=2, max_size=8, one_year=False), st.sampled_from(["packaged", "cohort"]))
def test_each_copy_scores_alone_whatever_else_the_table_holds(frame, source):
    base, _ = prepare_actions(frame, errors="skip", benchmark_source=source)
    positions = np.arange(len(base.df))[::-1]  # the years mixed and out of order
    together = base.rescore(base.copies(positions))
    alone = np.array([base.rescore(base.copies(np.array([p])))[0] for p in positions])
    assert np.array_equal(together, alone, equal_nan=True)


def test_rows_that_share_an_index_label_get_the_actions_of_a_fresh_index():
    rows = [dict(cohort="HF", performance_year=2027, practice_size=40, part_b_payments=100_000 * (i + 1),
                 ia_done=i % 3, pi_score=0.5, cost_episodes=30, cost_points=5 + i, q236_eligible=100,
                 q236_reported=90, q236_rate=0.6 + i / 20) for i in range(3)]
    fresh = action_values(pd.DataFrame(rows))
    shared = action_values(pd.DataFrame(rows, index=[7, 7, 8]))
    assert shared["row"].tolist() == fresh["row"].map({0: 7, 1: 7, 2: 8}).tolist()
    pd.testing.assert_frame_equal(shared.drop(columns="row"), fresh.drop(columns="row"), check_exact=True)



def test_rows_labelled_alike_and_a_row_left_out_is_a_clear_error_not_a_wrong_table():
    import pytest

    from asm_xl.model.errors import ASMInputError
    from asm_xl.roster import read_roster, validate_roster
    df = validate_roster(read_roster("asm_xl/roster/data/sample_roster.csv")).valid.head(4).copy()
    df.index = [7, 7, 8, 8]
    assert sorted(action_values(df)["row"].unique()) == [7, 8]   # nothing left out: labels alike are fine
    df.iloc[1, df.columns.get_loc("part_b_payments")] = "lots"
    with pytest.raises(ASMInputError, match=r"index: '7, 8' is not allowed \(unique row labels .*reset the index"):
        action_values(df, errors="skip")
    fresh = action_values(df.reset_index(drop=True), errors="skip")
    assert sorted(fresh["row"].unique()) == [0, 2, 3]
