"""A file not found named with the file of a close name beside it: "rostr.csv; did you mean roster.csv?"."""

from __future__ import annotations

import difflib
import itertools
import os
from pathlib import Path

__all__ = ["near_name", "NEAR_NAME_LISTED"]


def near_name(p: Path) -> str:
    """The hint for a file not found: '; did you mean roster.csv?' when its folder holds a file of a close name (a
    typo), else ''. Only names are compared; the folder is listed once, at most its first :data:`NEAR_NAME_LISTED`
    entries."""
    try:
        names = [e.name for e in itertools.islice(os.scandir(p.parent if str(p.parent) else "."), NEAR_NAME_LISTED)
                 if e.is_file()]
    except OSError:
        return ""
    close = difflib.get_close_matches(p.name, names, n=1, cutoff=0.8)
    return f"; did you mean {close[0]}?" if close else ""


#: the most entries of a folder :func:`near_name` reads (a folder of 8,600 workbooks is listed in part)
NEAR_NAME_LISTED = 2_000
