"""Ctrl-C during a batch of worker processes: raised where it comes, and never lost.

Python raises KeyboardInterrupt at whatever bytecode its main thread runs when SIGINT comes. When that is
a ``__del__`` method or a weakref callback (a ``ThreadPoolExecutor`` collected, say), Python prints
"Exception ignored in ..." and the interruption is lost: the batch ran to its end and exited 0 (once in CI,
Ctrl-C pressed in the middle of 6,000 workbooks; 1 in 15 runs of it here). While a batch runs, SIGINT
raises KeyboardInterrupt as Python's own handler does and also notes that it came (:class:`CtrlC`); the batch
asks between its steps (:meth:`CtrlC.check`), so one that was dropped is raised again from the batch's own
code. Outside the main thread, or where SIGINT is not Python's own handler (ignored, as under ``nohup``, or
the caller's), nothing is changed.
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import Iterator

__all__ = ["CtrlC", "ctrl_c_noted"]


class CtrlC:
    """Whether Ctrl-C came while the block of :func:`ctrl_c_noted` ran."""

    def __init__(self) -> None:
        self.pressed = False

    def check(self) -> None:
        """Raise KeyboardInterrupt if Ctrl-C came."""
        if self.pressed:
            raise KeyboardInterrupt

    def _note(self, signum, frame) -> None:
        self.pressed = True
        raise KeyboardInterrupt   # where it came, as Python's own handler: dropped in a __del__, check() raises it


@contextmanager
def ctrl_c_noted() -> Iterator[CtrlC]:
    """``with ctrl_c_noted() as ctrl_c:`` ... ``ctrl_c.check()`` between steps. Python's own handler is back
    when the block ends, and a Ctrl-C dropped after the last check still interrupts (raised as the block ends)."""
    note = CtrlC()
    if threading.current_thread() is not threading.main_thread() or \
            signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield note
        return
    signal.signal(signal.SIGINT, note._note)
    try:
        yield note
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    note.check()
