"""The cyclic collector paused for a chunk of batch work, and on again after it."""

import gc

import pytest

from asm_xl.calc.collection_pause import collection_paused


@pytest.fixture(autouse=True)
def collector_restored():
    was_on = gc.isenabled()
    yield
    (gc.enable if was_on else gc.disable)()


def test_the_collector_is_off_in_the_block_and_on_after_it():
    gc.enable()
    with collection_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_the_collector_is_on_again_after_a_failure_in_the_block():
    gc.enable()
    with pytest.raises(ZeroDivisionError):
        with collection_paused():
            1 / 0
    assert gc.isenabled()


def test_a_collector_turned_off_before_stays_off():
    gc.disable()
    with collection_paused():
        with collection_paused():   # nested: the inner block does not turn it on
            pass
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_no_automatic_collection_runs_in_the_block_and_one_does_after_it():
    runs = []

    def seen(phase, info):
        if phase == "start":
            runs.append(info["generation"])

    gc.enable()
    gc.callbacks.append(seen)
    try:
        with collection_paused():
            kept = [[] for _ in range(20_000)]   # far past the 700 allocations that start a collection
            assert runs == []
        more = [[] for _ in range(20_000)]
        assert runs, "the collector did not run again after the block"
    finally:
        gc.callbacks.remove(seen)
    assert len(kept) == len(more)
