"""Work arrays kept from one batch of drawn cohorts to the next, and numpy's loops over the peer model's rows.

Scoring a batch of drawn cohorts makes a few dozen arrays of 0.1-1.3 MB. Made afresh for every
batch, they are freed at its end, and glibc hands the top of the heap back to the system once more
than its trim threshold is free there, so the next batch faults the same memory in again page by page
(~90,000 minor faults, 0.1-0.15 s of system time, per simulation of the LBP cohort). A
:class:`Buffers` keeps each named array and lends it, reshaped, to every batch that asks for it by
name: the memory is faulted in once per thread and simulation. No allocator setting is changed, and
no number depends on it (every array is written before it is read).

:class:`Lender` hands one :class:`Buffers` to each piece of work that runs at the same time (one per
thread in practice) and takes it back when the piece is done, so two threads never share an array;
the arrays live as long as the lender (one simulation).

:func:`row_loops` sets numpy's ufunc buffer for arrays of rows of a few thousand elements.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from math import prod
from typing import Iterator

import numpy as np

__all__ = ["Buffers", "Lender", "row_loops", "ROW_LOOP_BUFFER"]

#: elements of numpy's ufunc buffer inside :func:`row_loops` (numpy's default is 8,192)
ROW_LOOP_BUFFER = 2048


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


@contextmanager
def row_loops() -> Iterator[None]:
    """numpy's ufunc buffer at :data:`ROW_LOOP_BUFFER` elements inside the block (this thread only; restored after).

    The peer model combines (draws, peers) arrays with one value per draw, a column that numpy broadcasts
    along the row with stride 0. numpy 2.x copies such a column into its ufunc buffer, instead of running its
    loop for a scalar operand, whenever a row is shorter than the buffer divided by the number of operands
    (8,192 / 3 = 2,730 by default): the HF cohort's rows of 2,610 peers and the pricing's rows of 1,000 draws
    took 3-4x longer per element than the LBP cohort's rows of 4,027 (0.8 against 0.2 ns an addition).
    With 2,048, rows of 683 or more take the scalar loop. The buffer size only changes how numpy cuts a loop
    into pieces, never a number: element by element operations are the same operations, and the reductions
    the peer model makes (sums of rows of 1,000-9,000, with and without casting) were checked to give the
    same bits."""
    old = np.getbufsize()   # numpy >= 2 keeps it per thread (a context variable, as its error state)
    np.setbufsize(ROW_LOOP_BUFFER)
    try:
        yield
    finally:
        np.setbufsize(old)
