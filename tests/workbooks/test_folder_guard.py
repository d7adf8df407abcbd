"""generate never leaves an index or a dashboard that disagrees with the workbooks beside it
(asm_xl.workbooks.folder_guard; from a QA pass)."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from asm_xl.model.settings import DEFAULT_SETTINGS
from asm_xl.workbooks import batch
from asm_xl.workbooks.batch import INDEX_NAME, generate_workbooks
from asm_xl.workbooks.dashboard import DASHBOARD_NAME
from asm_xl.xlsx.errors import WorkbookError

SAMPLE = Path(__file__).resolve().parents[2] / "asm_xl" / "roster" / "data" / "sample_roster.csv"
OTHER = DEFAULT_SETTINGS.replace(tfs_midpoint=55)   # another run's numbers: every workbook changes


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


@pytest.fixture(scope="module")
def earlier(tmp_path_factory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("earlier")
    generate_workbooks(SAMPLE, out_dir=out)
    return _files(out)


def _folder(tmp_path, files: dict[str, bytes]) -> Path:
    out = tmp_path / "out"
    out.mkdir(parents=True)
    for name, data in files.items():
        (out / name).write_bytes(data)
    return out


def test_a_users_own_file_named_as_the_index_is_refused_not_replaced(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / INDEX_NAME).write_bytes(b"my notes")
    with pytest.raises(WorkbookError, match="is not an index or a dashboard asm-xl wrote.*--overwrite"):
        generate_workbooks(SAMPLE, out_dir=out)
    assert _files(out) == {INDEX_NAME: b"my notes"}   # nothing written, the user's file as it was
    generate_workbooks(SAMPLE, out_dir=out, overwrite=True)
    assert (out / INDEX_NAME).read_bytes().startswith(b"PK")


def test_a_workbook_file_with_the_dashboards_name_is_refused_but_an_earlier_runs_dashboard_is_rewritten(
        tmp_path, earlier):
    workbook = next(n for n in earlier if n.endswith(".xlsx") and n not in (INDEX_NAME, DASHBOARD_NAME))
    out = _folder(tmp_path, {DASHBOARD_NAME: earlier[workbook]})   # a physician's workbook is not a dashboard
    with pytest.raises(WorkbookError, match=DASHBOARD_NAME):
        generate_workbooks(SAMPLE, out_dir=out)
    out2 = _folder(tmp_path / "2", earlier)
    report = generate_workbooks(SAMPLE, out_dir=out2)   # a rerun: its own index and dashboard rewritten
    assert report.index is not None and report.dashboard is not None


def test_a_folder_where_a_workbook_goes_stops_overwrite_before_any_workbook_is_replaced(tmp_path, earlier):
    out = _folder(tmp_path, earlier)
    blocked = next(n for n in sorted(earlier) if n.endswith(".xlsx") and n not in (INDEX_NAME, DASHBOARD_NAME))
    (out / blocked).unlink()
    (out / blocked).mkdir()
    with pytest.raises(WorkbookError, match=f"{blocked} is a folder, where this physician's workbook goes"):
        generate_workbooks(SAMPLE, out_dir=out, overwrite=True, settings=OTHER)
    assert _files(out) == {n: d for n, d in earlier.items() if n != blocked}   # 18 of 29 were rewritten


def _disk_full_after(monkeypatch, calls: int) -> None:
    """Workbooks written one by one (jobs=1), the disk full from the ``calls``-th on."""
    real, seen = batch.write_atomic, []

    def write(path, data, **kw):
        seen.append(path)
        if len(seen) >= calls:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(path, data, **kw)
    monkeypatch.setattr(batch, "write_atomic", write)


def test_a_run_stopped_after_replacing_workbooks_removes_the_earlier_index_and_dashboard(tmp_path, earlier,
                                                                                          monkeypatch):
    out = _folder(tmp_path, earlier)
    _disk_full_after(monkeypatch, 10)
    with pytest.raises(OSError) as caught:
        generate_workbooks(SAMPLE, out_dir=out, overwrite=True, settings=OTHER)
    assert f"the earlier run's {INDEX_NAME} and {DASHBOARD_NAME} removed" in caught.value.strerror
    left = _files(out)
    assert INDEX_NAME not in left and DASHBOARD_NAME not in left
    replaced = {n for n in left if left[n] != earlier[n]}
    assert len(replaced) == 9   # the workbooks written before the disk was full
    monkeypatch.undo()
    # run again: an index of what is there, the earlier run's workbooks said to be stale (their numbers hidden)
    report = generate_workbooks(SAMPLE, out_dir=out, settings=OTHER)
    assert len(report.written) == 0 and report.index is not None
    assert {p.name for p in report.stale} == set(left) - replaced


def test_a_run_stopped_before_any_workbook_changed_keeps_the_index_and_dashboard(tmp_path, earlier, monkeypatch):
    out = _folder(tmp_path, earlier)
    _disk_full_after(monkeypatch, 1)
    with pytest.raises(OSError) as caught:
        generate_workbooks(SAMPLE, out_dir=out, overwrite=True, settings=OTHER)
    assert "removed" not in caught.value.strerror
    assert _files(out) == earlier   # they still describe the folder


def test_a_dashboard_that_cannot_be_written_is_removed_the_new_index_kept(tmp_path, earlier, monkeypatch):
    out = _folder(tmp_path, earlier)

    def full(data, path):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))
    monkeypatch.setattr(batch, "write_dashboard", full)
    with pytest.raises(OSError, match=f"the earlier run's {DASHBOARD_NAME} removed"):
        generate_workbooks(SAMPLE, out_dir=out, overwrite=True, settings=OTHER)
    left = _files(out)
    assert DASHBOARD_NAME not in left and left[INDEX_NAME] != earlier[INDEX_NAME]


def test_ctrl_c_after_workbooks_were_replaced_removes_the_earlier_index_and_says_so(tmp_path, earlier, monkeypatch,
                                                                                   capsys):
    from asm_xl.cli import main
    out = _folder(tmp_path, earlier)
    real, seen = batch.write_atomic, []

    def write(path, data, **kw):
        seen.append(path)
        if len(seen) == 5:
            raise KeyboardInterrupt
        return real(path, data, **kw)
    monkeypatch.setattr(batch, "write_atomic", write)
    assert main(["generate", str(SAMPLE), "--out", str(out), "--overwrite", "--set", "tfs_midpoint=55", "--jobs",
                 "1", "--quiet"]) == 130
    err = capsys.readouterr().err
    assert f"interrupted; files already written are complete, none is half-written; the earlier run's {INDEX_NAME} " \
           f"and {DASHBOARD_NAME} removed" in err
    assert INDEX_NAME not in _files(out) and DASHBOARD_NAME not in _files(out)


def test_an_earlier_runs_dashboard_over_the_content_limits_is_still_known_as_asm_xls(tmp_path, earlier, monkeypatch):
    # a dashboard of many physicians holds more cells than a workbook to compute may (2,000,000): read with those
    # limits it was "not asm-xl's", and the rerun refused its own dashboard
    from asm_xl.xlsx import limits

    def over(*args, **kwargs):
        raise WorkbookError("workbook refused: over the cell limit")
    from asm_xl.workbooks.folder_guard import foreign_summaries
    out = _folder(tmp_path, earlier)
    monkeypatch.setattr(limits, "check_content", over)
    assert foreign_summaries(out) == []
    (out / DASHBOARD_NAME).write_bytes(earlier[INDEX_NAME])   # the index is not a dashboard
    assert foreign_summaries(out) == [out / DASHBOARD_NAME]
