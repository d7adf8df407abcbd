"""Python's cyclic garbage collector paused for a bounded piece of batch work.

A batch of workbooks (generating a chunk of a roster, recalculating a batch of files) allocates
hundreds of thousands of small containers (the formula results, the memos' keys, the rows of the
tables) that live until the chunk ends. Each 700 allocations the collector walks the young ones, and
each tenth of those walks older ones too: ~1 ms of every ~7 ms workbook went to walks that found
nothing to free (paired runs of 600 synthetic physicians, jobs=1: 7.40 -> 6.74 ms a workbook with each chunk
paused; the whole generation paused, the dashboard's and the index's XlsxWriter cells too: a further 9.2-10.1
-> 7.7-8.2 ms on a slower hour of the machine).
Reference counting frees everything that is not a cycle as before; what the chunk leaves in
cycles is collected once the collector runs again after it. The work paused must be bounded (one
chunk, one batch): its memory is what it holds, not what it would collect.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator

__all__ = ["collection_paused"]


@contextmanager
def collection_paused() -> Iterator[None]:
    """Run the block with the cyclic collector off; it is on again after it (if it was on before:
    nested uses, or a caller that turned it off, keep it off). Also a decorator: ``@collection_paused()``."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
