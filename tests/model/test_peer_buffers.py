"""Work arrays are kept per name and re-used, never shared by two pieces of work running at once."""

from __future__ import annotations

import threading

import numpy as np

from asm_xl.model.peer_buffers import Buffers, Lender


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
