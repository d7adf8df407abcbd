"""A real full disk and a real read-only folder (small tmpfs mounts): exit 3, one line, no partial file.

tests/test_cli.py covers a simulated ENOSPC (os.replace patched) and an output path under a file;
here the kernel says no. Mounting needs root; elsewhere the tests are skipped with the reason.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from asm_xl.cli import main

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "asm_xl" / "roster" / "data" / "sample_roster.csv"


def _mount(folder: Path, options: str) -> None:
    if os.name != "posix" or os.geteuid() != 0:
        pytest.skip("not root: cannot mount a tmpfs")
    if shutil.which("mount") is None:
        pytest.skip("no mount command")
    folder.mkdir()
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.strip() or proc.returncode}")


@pytest.fixture
def tiny_disk(tmp_path):
    """A 300 kB tmpfs: room for a few workbooks, not for the demo's 30."""
    folder = tmp_path / "disk"
    _mount(folder, "size=300k")
    yield folder
    subprocess.run(["umount", "-l", str(folder)], check=False)


@pytest.fixture
def read_only_disk(tmp_path):
    folder = tmp_path / "ro"
    _mount(folder, "size=1m,ro")
    yield folder
    subprocess.run(["umount", "-l", str(folder)], check=False)


def _one_line(err: str) -> str:
    """The one line a failure says (the roster's warnings, said before it, aside: the sample's 14 episode
    costs have no cost ladder)."""
    lines = [line for line in err.strip().splitlines() if not line.startswith("warning: ")]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def _complete_files_only(folder: Path) -> list[str]:
    """Every file there is complete (each .xlsx a readable zip), and no temp file is left."""
    names = sorted(p.name for p in folder.rglob("*") if p.is_file())
    assert not [n for n in names if n.startswith(".") or ".tmp" in n], names
    for p in folder.rglob("*.xlsx"):
        with zipfile.ZipFile(p) as zf:
            assert zf.testzip() is None, p
    return names


def test_demo_on_a_full_disk_is_exit_3_one_line_and_leaves_only_complete_workbooks(tiny_disk, capsys):
    code = main(["demo", "--out", str(tiny_disk / "wb"), "--quiet", "--jobs", "1"])
    out, err = capsys.readouterr()
    assert code == 3
    line = _one_line(err)
    assert line.startswith("asm-xl: cannot write") and "No space left on device" in line
    assert "free disk space" in line
    written = _complete_files_only(tiny_disk)
    assert len(written) < 30  # the disk did fill up before the 30 workbooks were written


def test_score_on_a_full_disk_is_exit_3_and_writes_no_partial_csv(tiny_disk, capsys):
    filler = tiny_disk / "filler.bin"
    with open(filler, "wb") as f:  # leave less room than the scores take
        try:
            f.write(b"\0" * (290 * 1024))
        except OSError:
            pass
    code = main(["score", str(SAMPLE), "--out", str(tiny_disk / "scores.csv")])
    _, err = capsys.readouterr()
    assert code == 3
    assert "cannot write" in _one_line(err) and "free disk space" in err
    assert not (tiny_disk / "scores.csv").exists()
    assert _complete_files_only(tiny_disk) == ["filler.bin"]


def test_demo_into_a_read_only_folder_is_exit_3_one_line_and_writes_nothing(read_only_disk, capsys):
    code = main(["demo", "--out", str(read_only_disk / "wb"), "--quiet", "--jobs", "1"])
    _, err = capsys.readouterr()
    assert code == 3
    line = _one_line(err)
    assert "cannot write" in line and "Read-only file system" in line
    assert list(read_only_disk.iterdir()) == []


def test_score_into_a_read_only_folder_is_exit_3_one_line(read_only_disk, capsys):
    code = main(["score", str(SAMPLE), "--out", str(read_only_disk / "scores.csv")])
    _, err = capsys.readouterr()
    assert code == 3 and "Read-only file system" in _one_line(err)
    assert list(read_only_disk.iterdir()) == []


def test_score_to_a_path_under_a_file_is_exit_3_one_line(tmp_path, capsys):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a folder")
    code = main(["score", str(SAMPLE), "--out", str(blocker / "scores.csv")])
    _, err = capsys.readouterr()
    assert code == 3 and "cannot write" in _one_line(err)
    assert blocker.read_text() == "a file, not a folder"


def test_recalc_of_a_batch_on_a_full_disk_is_exit_3_one_line_and_leaves_every_workbook_as_it_was(tiny_disk, tmp_path,
                                                                                                  capsys):
    from asm_xl.roster import read_roster
    from asm_xl.workbooks.batch import generate_workbooks
    from asm_xl.xlsx.scan import scan_workbook
    from asm_xl.xlsx.writer import write_cached_values
    made = generate_workbooks(read_roster(SAMPLE).head(4), out_dir=tmp_path / "made").written
    blank = {key: None for key in scan_workbook(made[0]).formulas}
    books = []
    for p in made:
        write_cached_values(p, blank)   # stale: every workbook must be rewritten
        books.append(tiny_disk / p.name)
        shutil.copy(p, books[-1])
    before = [p.read_bytes() for p in books]
    filler = tiny_disk / "filler.bin"
    with open(filler, "wb") as fh:   # leave less room than one rewritten workbook needs
        free = shutil.disk_usage(tiny_disk).free
        fh.write(b"\0" * max(0, free - len(before[0]) // 4))
    code = main(["recalc", *map(str, books)])
    out, err = capsys.readouterr()
    assert code == 3
    line = _one_line(err)
    assert line.startswith("asm-xl: cannot write") and "No space left on device" in line
    assert [p.read_bytes() for p in books] == before
    assert sorted(n for n in _complete_files_only(tiny_disk) if n.endswith(".xlsx")) == sorted(p.name for p in books)


def test_a_file_open_in_excel_that_cannot_be_replaced_says_so(tmp_path):
    # Windows refuses to replace a workbook Excel holds open: "Permission denied (make the folder writable)"
    # sent the user to the folder's rights; the lock file beside it says what is wrong
    import errno as errno_codes
    from asm_xl.cli.output import write_failure
    target = tmp_path / "asm_index.xlsx"
    target.write_bytes(b"")
    denied = PermissionError(errno_codes.EACCES, "Permission denied", str(target))
    assert write_failure(denied) == (f"asm-xl: cannot write {target}: Permission denied (make the folder writable, or "
                                     "choose another with --out); nothing was left half-written")
    (tmp_path / "~$asm_index.xlsx").write_bytes(b"\x0bsomeone   " + b"\0" * 150)
    assert write_failure(denied) == (f"asm-xl: cannot write {target}: Permission denied: it is open in Excel (close it "
                                     "there and run again, or choose another with --out); nothing was left half-written")
