"""Work arrays kept from one batch of drawn cohorts to the next (the peer model's scoring and pricing).

Scoring a batch of drawn cohorts makes a few dozen arrays of 0.1-1.3 MB. Made afresh for every
batch, they are freed at its end, and glibc hands the top of the heap back to the system once more
than its trim threshold is free there, so the next batch faults the same memory in again page by page
(~90,000 minor faults, 0.1-0.15 s of system time, per simulation of the LBP cohort). A
:class:`Buffers` keeps each named array and lends it, reshaped, to every batch that asks for it by
name: the memory is faulted in once per thread and simulation. No allocator setting is changed, and
no number depends on it (every array is written before it is read).

:class:`Lender` hands one :class:`Buffers` to each piece of work that runs at the same time (one per
thread in practice) and takes it back when the piece is done, so two threads never share an array;
the arrays live as long as the lender (one simulation, or one pricing call).
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from math import prod
from typing import Iterator

import numpy as np

__all__ = ["Buffers", "Lender"]


class Buffers:
    """Named work arrays. ``keep=False`` gives a new array for every request (for results handed to
    callers, e.g. the drawn peers' inputs, which must not be overwritten by the next batch)."""

    def __init__(self, keep: bool = True):
        self.keep = keep
        self._kept: dict[str, np.ndarray] = {}

    def take(self, name: str, shape: tuple[int, ...], dtype=float) -> np.ndarray:
        """A C-contiguous array of ``shape`` and ``dtype``, contents undefined: the same memory as the last
        request of ``name`` when it is large enough (one array per name: never two names at once)."""
        if not self.keep:
            return np.empty(shape, dtype)
        size = prod(shape)
        dtype = np.dtype(dtype)
        kept = self._kept.get(name)
        if kept is None or kept.size < size or kept.dtype != dtype:
            kept = self._kept[name] = np.empty(size, dtype)
        return kept[:size].reshape(shape)


class Lender:
    """Lends :class:`Buffers` to pieces of work running side by side, one each, re-used when returned."""

    def __init__(self):
        self._free: list[Buffers] = []
        self._lock = threading.Lock()

    @contextmanager
    def lend(self) -> Iterator[Buffers]:
        with self._lock:
            buffers = self._free.pop() if self._free else Buffers()
        try:
            yield buffers
        finally:
            with self._lock:
                self._free.append(buffers)
