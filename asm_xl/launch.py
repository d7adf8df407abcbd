"""The ``asm-xl`` command's entry point: Ctrl-C pressed while the command loads (numpy, pandas and the
command's modules take about half a second) is an interruption, exit 130, as it is once the command
runs (:func:`asm_xl.cli.main`), never a traceback. This module imports nothing of asm-xl until then."""

from __future__ import annotations

import sys

__all__ = ["main", "INTERRUPTED"]

#: what an interrupted command says (stderr), whenever Ctrl-C comes
INTERRUPTED = "asm-xl: interrupted; files already written are complete, none is half-written"


def main(argv: list[str] | None = None) -> int:
    """Load the command line and run it (:func:`asm_xl.cli.main`); 130 if interrupted while loading."""
    try:
        from asm_xl.cli import main as run
    except KeyboardInterrupt:
        print(INTERRUPTED, file=sys.stderr)
        return 130
    return run(argv)
