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
