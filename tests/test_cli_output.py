"""What every command says the same way (asm_xl.cli.output): warnings, and a file that could not be written."""
from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from asm_xl.cli import main
from asm_xl.cli.output import overwrites_input, print_warnings, write_failure


def test_each_warning_is_said_once_in_order_on_stderr(capsys):
    print_warnings(["column 'x' ignored", "pool small"], None, ["pool small", "year assumed"])
    out, err = capsys.readouterr()
    assert out == "" and err.splitlines() == ["warning: column 'x' ignored", "warning: pool small",
                                              "warning: year assumed"]


@pytest.mark.parametrize("code, strerror, expected", [
    (errno.ENOSPC, "No space left on device", "No space left on device (free disk space, or choose another with --out)"),
    (errno.EROFS, "Read-only file system", "Read-only file system (make the folder writable, or choose another with --out)"),
    (errno.EACCES, "Permission denied", "Permission denied (make the folder writable, or choose another with --out)"),
    (errno.EISDIR, "Is a directory", "it is a folder (name a file with --out)"),
    (errno.EIO, "Input/output error", "Input/output error (choose another with --out)"),   # no disk-space advice
], ids=["full", "read-only", "denied", "folder", "other"])
def test_a_write_failure_is_one_line_naming_the_file_why_and_the_option(tmp_path, code, strerror, expected):
    target = str(tmp_path / "scores.csv")
    line = write_failure(OSError(code, strerror, target), "--out")
    assert line == f"asm-xl: cannot write {target}: {expected}; nothing was left half-written"


def test_a_folder_that_does_not_exist_or_is_a_file_is_named(tmp_path):
    missing = tmp_path / "nodir" / "x.csv"
    assert write_failure(OSError(errno.ENOENT, "No such file or directory", str(missing)), "--errors") == (
        f"asm-xl: cannot write {missing}: the folder {missing.parent} does not exist (create it, or choose another "
        "with --errors); nothing was left half-written")
    (tmp_path / "blocker").write_text("a file")
    under = tmp_path / "blocker" / "sub" / "x.csv"
    line = write_failure(OSError(errno.ENOTDIR, "Not a directory", str(under)), "--out")
    assert f"cannot write {under}: {tmp_path / 'blocker'} is a file, not a folder (choose another path with --out)" in line


def test_without_an_option_no_option_is_advised(tmp_path):
    """recalc writes the files it was given: no option chose them."""
    target = str(tmp_path / "book.xlsx")
    line = write_failure(OSError(errno.ENOSPC, "No space left on device", target), None)
    assert line == (f"asm-xl: cannot write {target}: No space left on device (free disk space); nothing was left "
                    "half-written")
    assert "--" not in write_failure(OSError(errno.EROFS, "Read-only file system", target), None)


def test_a_name_the_console_cannot_encode_prints_as_a_question_mark_not_a_traceback(tmp_path):
    """The QA repro: ``PYTHONIOENCODING=ascii asm-xl score sample_roster.csv`` (as a Latin-1 locale or a
    redirected Windows console) scored everything, then died in print() with UnicodeEncodeError."""
    root = Path(__file__).resolve().parents[1]
    lines = (root / "asm_xl" / "roster" / "data" / "sample_roster.csv").read_text(encoding="utf-8-sig").splitlines()
    roster = tmp_path / "one.csv"
    roster.write_text("\n".join([lines[0]] + [line for line in lines if "Nguyễn Thị Lan" in line]) + "\n",
                      encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(root), "PYTHONIOENCODING": "ascii", "ASM_XL_CACHE": str(tmp_path / "cache")}
    proc = subprocess.run([sys.executable, "-m", "asm_xl.cli", "score", str(roster), "--errors", str(tmp_path / "e.csv")],
                          capture_output=True, env=env, cwd=tmp_path)
    assert proc.returncode == 0 and b"Traceback" not in proc.stderr, proc.stderr.decode("ascii", "replace")
    assert b"Nguy?n Th? Lan" in proc.stdout


def test_an_output_that_is_an_input_by_any_name_is_refused_in_one_line(tmp_path, capsys):
    roster = tmp_path / "roster.csv"
    roster.write_text("npi\n")
    link = tmp_path / "link.csv"
    link.symlink_to(roster)
    assert overwrites_input(str(tmp_path / "new.csv"), [str(roster)]) is False   # not there yet: not an input
    assert overwrites_input(str(tmp_path / "." / "roster.csv"), [str(roster)]) is True
    assert overwrites_input(str(link), [str(roster)], "--errors") is True
    assert overwrites_input(None, [str(roster)]) is False
    assert capsys.readouterr().err.splitlines() == [
        f"asm-xl: --out {tmp_path / '.' / 'roster.csv'} is {roster}, which this command reads: choose another file "
        "(an input is never overwritten)",
        f"asm-xl: --errors {link} is {roster}, which this command reads: choose another file "
        "(an input is never overwritten)"]


@pytest.mark.parametrize("option", ["--out", "--errors"])
def test_score_never_writes_over_its_roster(tmp_path, capsys, option):
    """The QA repro: ``asm-xl score roster.csv --out roster.csv`` replaced the roster with the scores
    (and ``--errors roster.csv`` with the error report), exit 0 / 2, without a word."""
    roster = tmp_path / "roster.csv"
    roster.write_bytes((Path(__file__).resolve().parents[1] / "asm_xl" / "roster" / "data" /
                        "sample_roster.csv").read_bytes())
    before = roster.read_bytes()
    assert main(["score", str(roster), option, str(roster)]) == 1
    assert roster.read_bytes() == before
    err = capsys.readouterr().err
    assert err.startswith(f"asm-xl: {option} {roster} is {roster}, which this command reads") and err.count("\n") == 1


def test_an_output_folder_that_is_a_file_says_so(tmp_path):
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    line = write_failure(OSError(errno.EEXIST, "File exists", str(blocker)), "--out")
    assert f"cannot write {blocker}: it is a file, not a folder (name a folder with --out)" in line
