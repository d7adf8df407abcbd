"""asm-xl --ladders FILE on score, plan and generate: the user's quality ladders score the measures they give,
the console names them, the workbooks hold them on their Benchmarks sheet (as text, never a formula) and score on
them as the core does; a bad file is one line naming its row, and nothing is written."""

import csv
import zipfile
from pathlib import Path

import openpyxl
import pytest

from asm_xl.calc.recalc import recalc_file
from asm_xl.cli import main
from asm_xl.workbooks.kept import read_kept_workbook

SAMPLE = Path(__file__).resolve().parent.parent / "asm_xl" / "roster" / "data" / "sample_roster.csv"
HEADER = "measure,collection_type,topped_out,source,b1,b2,b3,b4,b5,b6,b7,b8,b9,b10\n"
#: Q236 eCQM: Mensah's 60.7% (145 of 184 reported) lies between B2 55.56 and B3 62.5:
#: 2 + (60.7 - 55.56) / (62.5 - 55.56) = 2.74063...
Q236 = "Q236,eCQM,No,=1+1,42.86,55.56,62.5,67.74,71.88,75.76,79.49,83.33,88.24,94.74\n"
MENSAH_POINTS = pytest.approx(2 + (60.7 - 55.56) / (62.5 - 55.56), abs=1e-9)


@pytest.fixture
def files(tmp_path):
    ladders = tmp_path / "ladders.csv"
    ladders.write_text(HEADER + Q236, encoding="utf-8")
    roster = tmp_path / "two.csv"
    lines = SAMPLE.read_text(encoding="utf-8-sig").splitlines()
    roster.write_text("\n".join([lines[0]] + [line for line in lines if "Mensah" in line]) + "\n", encoding="utf-8")
    return roster, ladders


def test_score_scores_on_your_ladders_and_says_so(files, tmp_path, capsys):
    roster, ladders = files
    out = tmp_path / "scores.csv"
    assert main(["score", str(roster), "--ladders", str(ladders), "--out", str(out)]) == 0
    row, = csv.DictReader(out.open(encoding="utf-8-sig"))
    assert float(row["q236_points"]) == MENSAH_POINTS
    assert row["q236_benchmark"] == "your ladder Q236 eCQM (=1+1)"
    assert main(["score", str(roster), "--ladders", str(ladders)]) == 0
    printed = " ".join(capsys.readouterr().out.split())
    assert "for their measures your ladder: Q236 eCQM (=1+1)." in printed


def test_generate_writes_your_ladders_into_each_workbook_as_text_and_scores_on_them(files, tmp_path, capsys):
    roster, ladders = files
    out = tmp_path / "out"
    assert main(["generate", str(roster), "--ladders", str(ladders), "--out", str(out), "--quiet", "--jobs", "1"]) == 0
    assert "for their measures your ladder: Q236 eCQM" in " ".join(capsys.readouterr().out.split())
    book, = out.glob("1035992670_*.xlsx")
    wb = openpyxl.load_workbook(book, data_only=True)
    (sheet, ref), = wb.defined_names["QualityLadders"].destinations
    first = [c.value for c in wb[sheet][ref.replace("$", "")][0]]
    assert first == ["Q236", "eCQM", "No", "=1+1", 42.86, 55.56, 62.5, 67.74, 71.88, 75.76, 79.49, 83.33, 88.24, 94.74]
    score = wb["Score"]
    q236 = next(r for r in score.iter_rows(values_only=True) if r[0] == "Q236")
    assert q236[4] == MENSAH_POINTS
    with zipfile.ZipFile(book) as z:   # the source is an inline string: no formula holds it
        xml = b"".join(z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert b"<f>1+1</f>" not in xml and b"=1+1</t>" in xml
    assert recalc_file(book, check=True) == []
    dashboard = openpyxl.load_workbook(out / "asm_dashboard.xlsx", data_only=True)
    said = [str(c) for ws in dashboard for r in ws.iter_rows(values_only=True) for c in r if c]
    assert any("for their measures your ladder: Q236 eCQM (=1+1)" in c for c in said)


def test_a_bad_ladder_file_is_one_line_naming_its_row_and_nothing_is_written(files, tmp_path, capsys):
    roster, ladders = files
    ladders.write_text(HEADER + Q236.replace("94.74", "oops"), encoding="utf-8")
    out = tmp_path / "out"
    for command in (["generate", str(roster), "--out", str(out), "--quiet"], ["score", str(roster)],
                    ["plan", str(roster)]):
        assert main(command + ["--ladders", str(ladders)]) == 1
        err = capsys.readouterr().err
        assert err.strip() == "asm-xl: ladder file ladders.csv: ladders row 2: b10: 'oops' is not allowed (a number " \
                              "between 0 and 100)", err
    assert not out.exists()


def test_plan_plans_on_your_ladders(files, capsys):
    roster, ladders = files
    assert main(["plan", str(roster), "--ladders", str(ladders)]) == 0
    assert "for their measures your ladder: Q236 eCQM" in " ".join(capsys.readouterr().out.split())


def test_a_rerun_with_other_ladders_says_the_kept_workbooks_were_made_with_other_ladders(files, tmp_path, capsys):
    roster, ladders = files
    run = ["generate", str(roster), "--out", str(tmp_path / "out"), "--quiet", "--jobs", "1"]
    assert main(run + ["--ladders", str(ladders)]) == 0
    assert main(run + ["--ladders", str(ladders)]) == 0   # the same ladders: kept, with its numbers
    assert "1 kept (already there" in capsys.readouterr().out
    assert main(run) == 1   # none: the only workbook is stale, nothing priced
    err = " ".join(capsys.readouterr().err.split())
    assert "1 workbook(s), because it was made with other quality ladders than this run's (--ladders" in err
    book, = (tmp_path / "out").glob("1035992670_*.xlsx")
    assert main(run + ["--ladders", str(book)]) == 0   # as the advice says: the ladders the workbook holds
    assert "1 kept (already there" in capsys.readouterr().out
    assert main(run + ["--ladders", str(book), "--overwrite"]) == 1   # it would be written over while read
    assert "is a file this run reads" in capsys.readouterr().err
    assert main(run + ["--overwrite"]) == 0   # rebuilt on the packaged ladders: the Benchmarks sheet's table blank
    assert read_kept_workbook(book).ladders is not None and not any(v for r in read_kept_workbook(book).ladders for v in r)


def test_kept_workbooks_of_another_cohort_are_not_stale_for_ladders_that_score_nothing_there(files, tmp_path, capsys):
    roster, ladders = files   # Mensah is HF; a ladder of the LBP measure Q238 scores nothing in his workbook
    ladders.write_text(HEADER + "Q238,,,,20,15,10,8,6,4,3,2,1.5,1\n", encoding="utf-8")
    run = ["generate", str(roster), "--out", str(tmp_path / "out"), "--quiet", "--jobs", "1"]
    assert main(run) == 0
    assert main(run + ["--ladders", str(ladders)]) == 0
    assert "1 kept (already there" in capsys.readouterr().out


def test_a_blank_ladders_option_is_a_usage_error_not_ignored(files, capsys):
    roster, _ = files
    with pytest.raises(SystemExit) as e:
        main(["score", str(roster), "--ladders", " "])
    assert e.value.code == 2 and "--ladders: is blank: give the file, or leave the option out" in capsys.readouterr().err

