"""Python's cyclic garbage collector paused for a bounded piece of batch work.

Generating a roster's workbooks allocates hundreds of thousands of small containers (the formula results,
the memos' keys, the rows of the tables, the dashboard's cells) that live until the job ends. Each 700
allocations the collector walks the young ones, and each tenth of those walks older ones too: walks that
find nothing to free. Paired runs of 600 synthetic physicians, jobs=1: 7.40 -> 6.74 ms a workbook with each
chunk of a worker paused; 9.2-10.1 -> 7.7-8.2 ms with the whole job paused (on a slower hour). Recalculating
a batch of 30 files showed no difference beyond the machine's noise, so it is not paused.

Reference counting frees everything that is not a cycle as before. What the work leaves in cycles (~140
objects a physician, most of them the XlsxWriter cells of the dashboard and the index) waits until the
collector runs again after it: the work paused must be bounded (one job), and its memory grows by those:
+24 MB at 4,000 physicians; at 8,600 the peak RSS of the parent was 591-636 MB before, 622-649 MB after.
Worker processes forked during the job inherit the paused collector and run without it until the pool
ends with the job (their peak was 345-346 MB before and after); a worker started by spawn pauses each chunk.
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
