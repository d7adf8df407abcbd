"""The folder generate writes never shows an index or a dashboard that disagrees with its workbooks.

Three ways it could, each closed here:

- a file of the index's or the dashboard's name that asm-xl did not write (a user's own ``asm_index.xlsx``) was
  replaced without ``--overwrite``: :func:`foreign_summaries` names it, and generate refuses before it writes;
- with ``--overwrite``, a folder where a workbook goes stopped the run after some workbooks were replaced:
  :func:`folder_in_the_way` names it before any is;
- a run that stops after replacing workbooks (a full disk, Ctrl-C) left the earlier run's index and dashboard
  beside them, describing workbooks that are no longer there: :func:`summaries_follow_workbooks` removes the
  ones it did not write itself, and says so.
"""

from __future__ import annotations

import contextlib
import os
import zipfile
from pathlib import Path
from typing import Iterator

from asm_xl.workbooks.dashboard import DASHBOARD_NAME
from asm_xl.workbooks.dashboard.sheets import FIRST_SHEET as DASHBOARD_SHEET
from asm_xl.workbooks.index import INDEX_NAME, INDEX_SHEET
from asm_xl.xlsx.atomic import file_stamp_or_none as _stamp
from asm_xl.xlsx.errors import WorkbookError
from asm_xl.xlsx.limits import DEFAULT_MAX_MEMBERS
from asm_xl.xlsx.parts import sheet_parts

__all__ = ["foreign_summaries", "folder_in_the_way", "summaries_follow_workbooks", "SUMMARIES"]

_PART_LIMIT = 1 << 20   #: the most bytes of the workbook part or a relationships part read to tell whose file it is
#: {file name: the first sheet of that file as generate writes it}
SUMMARIES = {INDEX_NAME: INDEX_SHEET, DASHBOARD_NAME: DASHBOARD_SHEET}


def _written_by_asm_xl(path: Path, first_sheet: str) -> bool:
    """Whether ``path`` is a workbook whose first sheet is the one generate writes first. Only the workbook part and
    the relationships are read (each at most 1 MB; parsed by defusedxml): the sheets of a dashboard of 100,000
    physicians are over the content limits a workbook to compute is held to, and are not this question's. Anything
    that is not such a workbook: False."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if len(infos) > DEFAULT_MAX_MEMBERS or any(
                    i.file_size > _PART_LIMIT for i in infos if i.filename.endswith((".rels", "workbook.xml"))):
                return False
            sheets = sheet_parts(zf)
    except Exception:  # noqa: BLE001 - not a workbook asm-xl can read: not one it wrote
        return False
    return bool(sheets) and sheets[0][0] == first_sheet


def foreign_summaries(out: str | os.PathLike) -> list[Path]:
    """The files in ``out`` named as generate's index or dashboard that asm-xl did not write (their first sheet is
    not the one it writes)."""
    return [Path(out) / name for name, sheet in SUMMARIES.items()
            if os.path.lexists(Path(out) / name) and not _written_by_asm_xl(Path(out) / name, sheet)]


def folder_in_the_way(paths) -> WorkbookError | None:
    """The error to raise when a folder stands where one of ``paths`` (workbooks about to be written) goes."""
    blocked = next((Path(p) for p in paths if os.path.isdir(p)), None)
    if blocked is None:
        return None
    return WorkbookError(f"{blocked} is a folder, where this physician's workbook goes: move or rename it, or choose "
                         "another --out; no workbook was written")


@contextlib.contextmanager
def summaries_follow_workbooks(out: str | os.PathLike, workbooks) -> Iterator[None]:
    """Run the block that writes ``workbooks`` (paths), then the index and the dashboard in ``out``. If it stops
    (an error, Ctrl-C) after one of ``workbooks`` changed, the index or dashboard it did not rewrite is removed (it
    described the folder before the run); an OSError's reason then says so."""
    summaries = [Path(out) / name for name in SUMMARIES]
    workbooks = [Path(p) for p in workbooks]
    before = {p: _stamp(p) for p in summaries + workbooks}
    try:
        yield
    except BaseException as e:
        removed = []
        if any(_stamp(p) != before[p] for p in workbooks):
            for s in summaries:
                if before[s] is not None and _stamp(s) == before[s]:
                    with contextlib.suppress(OSError):
                        os.unlink(s)
                        removed.append(s.name)
        if removed:
            said = (f"the earlier run's {' and '.join(removed)} removed: they described workbooks this run replaced "
                    "(run again to write them)")
            if isinstance(e, OSError):
                e.strerror = f"{e.strerror or e}; {said}"
            else:   # Ctrl-C: asm-xl's main says it after "interrupted"
                e.add_note(said)
        raise
