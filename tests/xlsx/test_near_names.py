"""A file not found is named with the file of a close name beside it (a typo), as the CLI's one-line errors say it."""

from __future__ import annotations

import pytest

from asm_xl.cli import main
from asm_xl.xlsx.near_names import near_name


def test_a_close_name_in_the_folder_is_suggested_and_nothing_else(tmp_path):
    (tmp_path / "roster.csv").write_text("npi\n")
    (tmp_path / "roster_old").mkdir()   # a folder is no file to suggest
    assert near_name(tmp_path / "rostr.csv") == "; did you mean roster.csv?"
    assert near_name(tmp_path / "dashboard.xlsx") == ""
    assert near_name(tmp_path / "roster_ol") == ""
    assert near_name(tmp_path / "missing" / "rostr.csv") == ""   # no such folder: no hint, no error


@pytest.mark.parametrize("command", [["score", "{d}/rostr.csv"], ["recalc", "{d}/Okafr.xlsx"]])
def test_the_cli_says_the_near_name_in_its_one_line(tmp_path, capsys, command):
    (tmp_path / "roster.csv").write_text("npi\n")
    (tmp_path / "Okafor.xlsx").write_bytes(b"")
    main([a.format(d=tmp_path) for a in command])
    err = capsys.readouterr()
    said = (err.err + err.out).strip().splitlines()
    assert any(line.endswith("; did you mean roster.csv?") or line.endswith("; did you mean Okafor.xlsx?")
               for line in said), said
