"""The national draws kept between runs: keyed by everything they depend on, used only when whole, and
bit for bit what a drawing gives."""

import numpy as np
import pytest

from asm_xl.model import kept_draws, pool_choice
from asm_xl.model.peers import simulate_national_cohorts
from asm_xl.model.pool_choice import forget_pools, national_pool
from asm_xl.model.settings import Settings

SMALL = Settings(peer_draws=40)   # a few draws: the rules are the same as for 1,000


class DictStore:
    def __init__(self):
        self.kept, self.loads, self.saves = {}, 0, 0

    def load(self, key):
        self.loads += 1
        return self.kept.get(key)

    def save(self, key, arrays):
        self.saves += 1
        self.kept[key] = {name: np.array(a) for name, a in arrays.items()}


@pytest.fixture
def store():
    s = DictStore()
    previous = kept_draws.use_store(s)
    forget_pools()
    yield s
    kept_draws.use_store(previous)
    forget_pools()


def _same(a, b):
    assert (a.cohort, a.performance_year, a.risk_level, a.source, a.settings) == \
           (b.cohort, b.performance_year, b.risk_level, b.source, b.settings)
    for name in ("steepness", "midpoint", "scaling_factor"):
        assert getattr(a, name).tobytes() == getattr(b, name).tobytes()
    assert (a.median_rule is None) == (b.median_rule is None)
    if a.median_rule is not None:
        assert np.array_equal(a.median_rule, b.median_rule)


def test_the_key_names_the_cohort_and_every_setting():
    key = kept_draws.key_of("HF", SMALL)
    assert len(key) == 40 and int(key, 16) >= 0
    assert key == kept_draws.key_of("hf", Settings(peer_draws=40))     # equal settings, the cohort's code
    others = {kept_draws.key_of("LBP", SMALL), kept_draws.key_of("HF", Settings(peer_draws=41)),
              kept_draws.key_of("HF", Settings(peer_draws=40, peer_seed=1)),
              kept_draws.key_of("HF", Settings(peer_draws=40, tfs_steepness=0.2))}
    assert key not in others and len(others) == 4


def test_a_kept_pool_reads_back_bit_for_bit():
    pool = simulate_national_cohorts("LBP", 2027, draws=40, seed=0, settings=SMALL)
    key = kept_draws.key_of("LBP", SMALL)
    _same(kept_draws.from_arrays(kept_draws.to_arrays(pool, key), key, "LBP", 2027, SMALL), pool)


def test_national_pool_draws_once_then_reads_what_it_kept(store, monkeypatch):
    first = national_pool("HF", 2029, SMALL)
    assert (store.loads, store.saves) == (1, 1)
    forget_pools()   # a new run: nothing in memory

    def no_drawing(*a, **k):
        raise AssertionError("drew again although the draws were kept")
    monkeypatch.setattr(pool_choice, "simulate_national_cohorts", no_drawing)
    again = national_pool("HF", 2029, SMALL)
    assert (store.loads, store.saves) == (2, 1)
    _same(again, first)
    assert again.risk_level == 0.10   # the year's risk level (2029: 10%), as a drawing prices it


@pytest.mark.parametrize("spoil", ["key", "length", "nan", "dtype", "missing", "cohort"])
def test_an_entry_that_is_not_exactly_what_was_kept_is_drawn_again(store, spoil):
    drawn = national_pool("HF", 2027, SMALL)
    (key, arrays), = store.kept.items()
    if spoil == "key":
        arrays["key"] = np.array("0" * 40)
    elif spoil == "length":
        arrays["midpoint"] = arrays["midpoint"][:-1]
    elif spoil == "nan":
        arrays["scaling_factor"][3] = np.nan
    elif spoil == "dtype":
        arrays["steepness"] = arrays["steepness"].astype(np.float32)
    elif spoil == "missing":
        del arrays["median_rule"]
    else:
        arrays["cohort"] = np.array("LBP")
    assert kept_draws.from_arrays(arrays, key, "HF", 2027, SMALL) is None
    forget_pools()
    _same(national_pool("HF", 2027, SMALL), drawn)   # drawn again: the same numbers
    assert store.saves == 2                           # and kept again, replacing the spoiled entry
    assert kept_draws.from_arrays(store.kept[key], key, "HF", 2027, SMALL) is not None


def test_without_a_store_nothing_is_kept(monkeypatch):
    previous = kept_draws.use_store(None)
    try:
        forget_pools()
        assert kept_draws.current_store() is None
        assert national_pool("LBP", 2027, SMALL).draws == 40
    finally:
        kept_draws.use_store(previous)
        forget_pools()
