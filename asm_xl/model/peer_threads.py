"""One set of worker threads, one per CPU, for the peer model's independent pieces of work (batches of
drawn cohorts, chunks of physicians to price).

numpy releases the GIL in its loops, so threads give the cores to arrays. Every caller shares the
same workers: when the HF and LBP pools are drawn at the same time (``payment_ranges`` prices the
cohorts side by side), their batches queue for the same few threads instead of each starting its
own, which on a busy or small machine would only make threads evict each other's arrays from the
CPU's cache. Work submitted from one of these workers runs in that worker, so nothing waits for
itself; a forked child process starts its own workers. The results never depend on the threads:
each piece writes only its own rows.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterable, TypeVar

__all__ = ["side_by_side"]

T = TypeVar("T")
R = TypeVar("R")

_lock = threading.Lock()
_runner: ThreadPoolExecutor | None = None
_inside = threading.local()


def side_by_side(work: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """``[work(x) for x in items]``, the items spread over the shared worker threads (in order of the items)."""
    items = list(items)
    workers = os.cpu_count() or 1
    if len(items) <= 1 or workers <= 1 or getattr(_inside, "worker", False):
        return [work(x) for x in items]
    return list(_shared(workers).map(work, items))


def _shared(workers: int) -> ThreadPoolExecutor:
    global _runner
    with _lock:
        if _runner is None:
            _runner = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="asm-peers",
                                         initializer=_mark_worker)
        return _runner


def _mark_worker() -> None:
    _inside.worker = True


def _forget_in_child() -> None:
    """A forked process (``generate_workbooks``' workers) inherits the executor but not its threads:
    work given to it would wait forever, so the child starts its own."""
    global _runner, _lock
    _runner, _lock = None, threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_in_child)
