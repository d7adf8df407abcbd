"""The peer model's shared worker threads: results in the order of the items, and work submitted from a
worker (a pool drawn while pricing, say) runs there instead of waiting for itself."""

from __future__ import annotations

import threading

from asm_xl.model.peer_threads import side_by_side


def test_results_come_back_in_the_order_of_the_items():
    assert side_by_side(lambda x: x * x, range(50)) == [x * x for x in range(50)]


def test_work_submitted_from_a_worker_runs_in_that_worker_without_waiting_for_itself():
    def outer(i):
        here = threading.current_thread()
        inner = side_by_side(lambda j: (i, j, threading.current_thread() is here), range(3))
        return all(same for _, _, same in inner), [(a, b) for a, b, _ in inner]

    results = side_by_side(outer, range(8))  # would deadlock if inner work queued behind the outer
    assert all(stayed for stayed, _ in results)
    assert [pairs for _, pairs in results] == [[(i, j) for j in range(3)] for i in range(8)]


def test_a_forked_child_process_starts_its_own_workers():
    # generate_workbooks forks its workers after the parent priced ranges: the inherited executor has no threads
    import multiprocessing

    side_by_side(abs, range(4))  # the parent's workers exist now
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(1) as pool:
        assert pool.apply_async(side_by_side, (abs, [-1, -2, -3])).get(timeout=30) == [1, 2, 3]


def test_items_of_a_generator_are_worked_on_while_the_generator_makes_the_next_ones():
    first_done = threading.Event()

    def items():
        yield 0
        yield 1
        # the simulation draws the next replicate here: the first items are already being scored
        yield 2 if first_done.wait(timeout=30) else -1

    def work(x):
        if x == 0:
            first_done.set()
        return x

    assert side_by_side(work, items()) == [0, 1, 2]


def test_a_single_item_is_worked_on_in_the_calling_thread():
    here = threading.current_thread()
    assert side_by_side(lambda x: threading.current_thread() is here, iter([1])) == [True]
    assert side_by_side(lambda x: x, iter([])) == []
