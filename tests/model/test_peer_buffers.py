"""Work arrays are kept per name and re-used, never shared by two pieces of work running at once."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from hypothesis import given, settings as hyp_settings, strategies as st

from asm_xl.model.peer_buffers import ROW_LOOP_BUFFER, Buffers, Lender, row_loops


def test_a_name_gets_the_same_memory_again_while_it_is_large_enough():
    b = Buffers()
    first = b.take("points", (4, 10, 30))
    again = b.take("points", (4, 5, 30))  # a smaller batch: the start of the same memory, contiguous
    assert np.shares_memory(first, again) and again.shape == (4, 5, 30) and again.flags.c_contiguous
    bigger = b.take("points", (4, 20, 30))
    assert not np.shares_memory(first, bigger) and bigger.shape == (4, 20, 30)
    assert not np.shares_memory(bigger, b.take("other", (4, 20, 30)))


def test_a_name_asked_with_another_dtype_gets_that_dtype():
    b = Buffers()
    assert b.take("x", (3, 3)).dtype == np.float64
    assert b.take("x", (3, 3), bool).dtype == np.bool_
    assert b.take("x", (2, 2), np.intp).dtype == np.intp


def test_buffers_that_keep_nothing_give_new_arrays_every_time():
    b = Buffers(keep=False)
    assert not np.shares_memory(b.take("x", (5,)), b.take("x", (5,)))


def test_a_lender_never_lends_one_buffers_twice_at_once_and_reuses_returned_ones():
    lender = Lender()
    with lender.lend() as first:
        with lender.lend() as second:
            assert first is not second
    with lender.lend() as again:
        assert again is second or again is first
    held, ready, release = [], threading.Barrier(3), threading.Event()

    def work():
        with lender.lend() as b:
            held.append(b)
            ready.wait()
            release.wait()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    with lender.lend() as mine:
        ready.wait()
        assert len({id(x) for x in held + [mine]}) == 3
        release.set()
    for t in threads:
        t.join()


def test_row_loops_set_numpys_buffer_in_the_block_only_and_restore_it_after_an_error():
    before = np.getbufsize()
    with row_loops():
        assert np.getbufsize() == ROW_LOOP_BUFFER
    assert np.getbufsize() == before
    with pytest.raises(ZeroDivisionError):
        with row_loops():
            1 / 0
    assert np.getbufsize() == before


@hyp_settings(max_examples=30, deadline=None)
@given(rows=st.integers(1, 12), length=st.sampled_from([40, 683, 1000, 2610, 4027, 9000]),
       seed=st.integers(0, 2**32 - 1))
def test_row_loops_change_no_number_of_the_operations_the_peer_model_makes(rows, length, seed):
    rng = np.random.default_rng(seed)
    x, column, mask = rng.standard_normal((rows, length)) * 1e5, rng.random((rows, 1)), rng.random((rows, length)) < 0.3

    def numbers():
        return [x + column, np.subtract(x, column), -column * x, np.exp(x / 1e5), x.sum(axis=1), x.mean(axis=1),
                np.where(mask, x, 0.0).sum(axis=1), mask.sum(axis=1), np.add.reduce(mask, axis=0, dtype=float),
                x.astype(np.float32).sum(axis=1, dtype=float), x[:, ::3].sum(axis=1), x.sum()]

    outside = numbers()
    with row_loops():
        inside = numbers()
    assert all(np.array_equal(a.view(np.int64) if a.dtype == float else a, b.view(np.int64) if b.dtype == float else b)
               for a, b in zip(outside, inside))


def test_the_row_loop_buffer_is_this_threads_only_and_restored_after_the_block():
    import threading

    import numpy as np

    from asm_xl.model.peer_buffers import ROW_LOOP_BUFFER, row_loops
    before, seen = np.getbufsize(), []
    with row_loops():
        inside = np.getbufsize()
        worker = threading.Thread(target=lambda: seen.append(np.getbufsize()))
        worker.start()
        worker.join()
    assert inside == ROW_LOOP_BUFFER != before
    assert seen == [before] and np.getbufsize() == before
    try:
        with row_loops():
            raise KeyError("boom")
    except KeyError:
        pass
    assert np.getbufsize() == before
