"""asm-xl demo/generate end with the practice summary, the three most valuable actions and where the
dashboard is; --pdf and asm-xl pdf print with LibreOffice, and say plainly when it is missing."""

from __future__ import annotations

import contextlib
import io
import re
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from asm_xl.cli import main
from asm_xl.cli.summaries import money
from asm_xl.cli.pdf_commands import PDF_FAILED
from asm_xl.workbooks import pdf as pdf_module
from asm_xl.workbooks.dashboard import DASHBOARD_NAME
from asm_xl.workbooks.pdf import MISSING_MESSAGE, PDFUnavailable, to_pdf


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(["demo", "--out", str(out), "--quiet", "--jobs", "1"])
    return out, code, buf.getvalue()


def test_demo_ends_with_three_actions_and_the_dashboard(demo_run):
    out, code, text = demo_run
    assert code == 0
    lines = text.splitlines()
    assert lines[-1] == f"dashboard: {out / DASHBOARD_NAME}" and (out / DASHBOARD_NAME).is_file()
    start = next(i for i, line in enumerate(lines) if line.startswith("Most valuable actions"))
    listed = lines[start + 1:start + 4]
    assert [re.match(r"  (\d)\. ", line).group(1) for line in listed] == ["1", "2", "3"]
    assert not lines[start + 4].startswith("  4.")
    summary = next(i for i, line in enumerate(lines) if line.startswith("Estimated payment adjustments"))
    assert summary < start   # the practice totals with their range come first


def test_the_listed_actions_are_the_dashboards_most_valuable(demo_run):
    out, _, text = demo_run
    ws = openpyxl.load_workbook(out / DASHBOARD_NAME, data_only=True)["Practice"]
    head = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "Physician")
    previous = float("inf")
    for i in range(3):
        name, cohort, label = (ws.cell(head + 1 + i, j).value for j in (1, 2, 3))
        value_p10, value_p50, value_p90 = (ws.cell(head + 1 + i, j).value for j in (8, 9, 10))
        line = (f"  {i + 1}. {name} ({cohort}): {label}  {money(value_p50)} "
                f"[P10 {money(value_p10)}, P90 {money(value_p90)}]")
        assert line in text.splitlines()
        assert value_p50 <= previous
        previous = value_p50


def _no_libreoffice(monkeypatch):
    monkeypatch.setattr(pdf_module.shutil, "which", lambda name: None)


def test_pdf_without_libreoffice_says_what_to_do_and_exits_4(tmp_path, monkeypatch, capsys, demo_run):
    _no_libreoffice(monkeypatch)
    book = tmp_path / "dash.xlsx"
    shutil.copyfile(demo_run[0] / DASHBOARD_NAME, book)
    assert main(["pdf", str(book)]) == PDF_FAILED == 4
    err = capsys.readouterr().err
    assert err.strip() == f"asm-xl: {MISSING_MESSAGE}" and "Traceback" not in err
    with pytest.raises(PDFUnavailable, match="apt-get install libreoffice-calc"):
        to_pdf([book])
    assert not list(tmp_path.glob("*.pdf"))


def test_generate_pdf_without_libreoffice_still_writes_the_workbooks(tmp_path, monkeypatch, capsys):
    _no_libreoffice(monkeypatch)
    sample = Path(__file__).resolve().parents[1] / "asm_xl" / "roster" / "data" / "sample_roster.csv"
    assert main(["generate", str(sample), "--out", str(tmp_path), "--quiet", "--jobs", "1", "--pdf"]) == 4
    assert len(list(tmp_path.glob("*.xlsx"))) == 32   # 30 physicians, the index, the dashboard
    assert MISSING_MESSAGE in capsys.readouterr().err


def test_pdf_of_a_file_that_is_not_a_workbook_exits_1_before_libreoffice_runs(tmp_path, capsys, monkeypatch):
    fake = tmp_path / "notaworkbook.xlsx"
    fake.write_text("just text")

    def no_libreoffice(*a, **k):
        raise AssertionError("LibreOffice must not run")

    monkeypatch.setattr(pdf_module, "_convert", no_libreoffice)
    assert main(["pdf", str(fake)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"asm-xl: not an Excel workbook: {fake}") and "no PDF" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notaworkbook.xlsx"]


def test_pdf_of_a_missing_file_exits_1(tmp_path, capsys):
    assert main(["pdf", str(tmp_path / "nope.xlsx")]) == 1
    assert "no such file" in capsys.readouterr().err


def test_pdf_of_a_folder_says_it_is_a_folder(tmp_path, capsys):
    assert main(["pdf", str(tmp_path)]) == 1
    assert capsys.readouterr().err == f"asm-xl: a folder, not a workbook: {tmp_path}\n"


def test_pdf_keeps_a_pdf_already_there_and_refuses_two_files_making_one_pdf(tmp_path, capsys, monkeypatch,
                                                                            demo_run):
    # `pdf x1/asm_index.xlsx x2/asm_index.xlsx --out P` said "PDF written" twice and left one; a PDF of the
    # user's at P/asm_index.pdf was replaced without a word
    def no_libreoffice(*a, **k):
        raise AssertionError("LibreOffice must not run")

    monkeypatch.setattr(pdf_module, "_convert", no_libreoffice)
    books = []
    for folder in ("x1", "x2"):
        (tmp_path / folder).mkdir()
        books.append(tmp_path / folder / "dash.xlsx")
        shutil.copyfile(demo_run[0] / DASHBOARD_NAME, books[-1])
    out = tmp_path / "P"
    assert main(["pdf", *map(str, books), "--out", str(out)]) == 1
    assert capsys.readouterr().err == (f"asm-xl: {books[0]} and {books[1]} would both be printed to {out / 'dash.pdf'}: "
                                       "give them separate --out folders; no PDF written\n")
    out.mkdir()
    (out / "dash.pdf").write_bytes(b"%PDF mine")
    assert main(["pdf", str(books[0]), "--out", str(out)]) == 1
    assert capsys.readouterr().err == (f"asm-xl: {(out / 'dash.pdf').resolve()} is there already: add --overwrite to "
                                       "replace it, or choose another --out; no PDF written\n")
    assert (out / "dash.pdf").read_bytes() == b"%PDF mine"


def test_pdf_writes_the_dashboard_pdf(tmp_path, capsys, demo_run):
    if pdf_module.find_soffice() is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    book = tmp_path / "dash.xlsx"
    shutil.copyfile(demo_run[0] / DASHBOARD_NAME, book)
    assert main(["pdf", str(book), "--out", str(tmp_path / "pdf")]) == 0
    pdf = tmp_path / "pdf" / "dash.pdf"
    assert pdf.is_file() and pdf.read_bytes().startswith(b"%PDF")
    assert f"PDF written: {pdf}" in capsys.readouterr().out


def test_pdf_of_a_batch_prints_the_good_workbooks_and_names_the_bad_one(tmp_path, capsys, monkeypatch, demo_run):
    # one file that is no workbook stopped the batch: "no PDF written", the good one not printed
    converted = []

    def fake_libreoffice(program, files, folder, timeout):
        converted.extend(f.name for f in files)
        for f in files:
            (folder / (f.stem + ".pdf")).write_bytes(b"%PDF-1.4 fake")

    monkeypatch.setattr(pdf_module, "_convert", fake_libreoffice)
    monkeypatch.setattr(pdf_module, "find_soffice", lambda: "soffice")
    good = tmp_path / "dash.xlsx"
    shutil.copyfile(demo_run[0] / DASHBOARD_NAME, good)
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(good.read_bytes()[:2000])   # truncated
    assert main(["pdf", str(bad), str(good), "--out", str(tmp_path / "pdf")]) == 1
    out, err = capsys.readouterr()
    assert converted == ["dash.xlsx"] and out == f"PDF written: {tmp_path / 'pdf' / 'dash.pdf'}\n"
    assert err.startswith("asm-xl: ") and err.endswith(f"(asm-xl pdf prints .xlsx/.xlsm workbooks); no PDF of {bad}\n")
    assert err.count("\n") == 1 and not (tmp_path / "pdf" / "broken.pdf").exists()


def test_generate_takes_cms_participation_per_year_into_the_five_year_view(tmp_path, capsys):
    from tests.helpers.cms_files import cms_row, write_cms_csv
    okafor = "1891394078"  # the sample roster's first physician (HF)
    cms = write_cms_csv(tmp_path / "participants.csv", [
        cms_row(okafor, first="Adaeze", last="Okafor", cy28_participant="Yes", cy29_participant="No")])
    out = tmp_path / "wb"
    code = main(["demo", "--out", str(out), "--quiet", "--jobs", "1", "--cms-participants", str(cms)])
    err = capsys.readouterr().err
    assert code == 0, err
    # the other 29 sample physicians are not on this list: not participating in the years it publishes
    # (they were assumed to participate, "yes (assumed)", and nothing was said)
    assert ("warning: 29 roster physician(s) are not on CMS's participants list (1035992670, 1636832689, " in err
            and "and 24 more): not participating in 2027, 2028, 2029, the years it publishes" in err)
    ws = openpyxl.load_workbook(out / DASHBOARD_NAME, data_only=True)["Five years"]
    rows = [[c for c in r] for r in ws.iter_rows(min_row=5, values_only=True) if r[0] and "Okafor" in str(r[0])]
    flags = [next(v for v in r if isinstance(v, str) and v.split(" ")[0] in ("yes", "no")) for r in rows]
    # 2027 and 2028 from CMS (yes), 2029 from CMS (no), 2030-2031 not published: assumed
    assert flags == ["yes", "yes", "no", "yes (assumed)", "yes (assumed)"]
    others = [r for r in ws.iter_rows(min_row=5, values_only=True) if r[0] and "Rahman" in str(r[0])]
    assert [next(v for v in r if isinstance(v, str) and v.startswith(("yes", "no"))) for r in others] == \
        ["no", "no", "no", "yes (assumed)", "yes (assumed)"]


def test_an_unreadable_cms_participants_file_stops_generate_with_one_line(tmp_path, capsys):
    bad = tmp_path / "participants.csv"
    bad.write_text("NPI,SOMETHING\n1891394078,x\n", encoding="utf-8")
    code = main(["demo", "--out", str(tmp_path / "wb"), "--quiet", "--cms-participants", str(bad)])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("asm-xl: ") and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "wb").exists() or not any((tmp_path / "wb").iterdir())


def test_the_practice_summary_speaks_of_national_draws_only_for_the_national_pool():
    from asm_xl.cli.summaries import practice_summary
    totals = pd.DataFrame([{"cohort": "HF", "physicians": 2, "estimate": 10.0, "dollars_p10": 10.0,
                            "dollars_p50": 10.0, "dollars_p90": 10.0}])
    national = practice_summary(totals, pool="national", sources={"HF 2027": "national peer model"})
    roster = practice_summary(totals, pool="roster", sources={"HF 2027": "roster as the cohort"})
    assert "draw by draw" in national and "draw by draw" not in roster
    assert "Pool: roster (HF 2027: roster as the cohort)" in " ".join(roster.split())


def test_only_a_real_npi_is_said_to_be_missing_from_cms_list(tmp_path, capsys):
    # a malformed NPI is the roster's error (its row is rejected), not a physician missing from CMS's list
    from asm_xl.cli.cms_commands import cms_participation
    from tests.helpers.cms_files import cms_row, write_cms_csv
    okafor, mensah = "1891394078", "1035992670"
    cms = write_cms_csv(tmp_path / "participants.csv", [cms_row(okafor, first="Adaeze", last="Okafor")])
    flags = cms_participation(cms, [okafor, mensah, "123", ""])
    err = capsys.readouterr().err
    assert err.startswith(f"warning: 1 roster physician(s) are not on CMS's participants list ({mensah}): ")
    assert set(flags) == {okafor, mensah} and not any(flags[mensah].values())


def test_no_action_is_said_to_be_because_no_physician_participates_when_that_is_why():
    # a participants file listing nobody: "none applies (or no final score could be computed)" hid why
    from asm_xl.cli.summaries import top_actions_summary
    from asm_xl.workbooks.dashboard.data import EXCEPTION_OUTLOOK, NOT_PARTICIPATING_OUTLOOK
    assert top_actions_summary(None, outlooks=[NOT_PARTICIPATING_OUTLOOK] * 2) == (
        "Most valuable actions: none: no physician participates in the year shown (CMS's participants file).")
    assert top_actions_summary(None, outlooks=[NOT_PARTICIPATING_OUTLOOK, EXCEPTION_OUTLOOK]).startswith(
        "Most valuable actions: none: no physician has an adjustment in the year shown")
    assert top_actions_summary(None, outlooks=["likely to lose"]) == (
        "Most valuable actions: none applies (or no final score could be computed).")



def test_the_practice_summary_says_which_physicians_it_counts_at_zero():
    # "HF 38 physicians, -$612,000" counted 4 non-participants at $0 without a word
    from asm_xl.cli.summaries import practice_summary
    totals = pd.DataFrame([
        {"cohort": "HF", "physicians": 38, "estimate": -612_000.0, "dollars_p10": -700_000.0,
         "dollars_p50": -600_000.0, "dollars_p90": -500_000.0, "not_participating": 4, "exception": 0},
        {"cohort": "LBP", "physicians": 2, "estimate": 0.0, "dollars_p10": 0.0, "dollars_p50": 0.0,
         "dollars_p90": 0.0, "not_participating": 0, "exception": 2},
        {"cohort": "Practice", "physicians": 40, "estimate": -612_000.0, "dollars_p10": -700_000.0,
         "dollars_p50": -600_000.0, "dollars_p90": -500_000.0, "not_participating": 4, "exception": 2}])
    said = practice_summary(totals, pool="given").splitlines()
    assert "  HF: 4 of its physicians not participating (CMS's list): counted, at $0 (the dashboard's Practice sheet)." in said
    assert "  LBP: 2 of its physicians with an exception (neutral factor): counted, at $0 (the dashboard's Practice sheet)." \
        in said
    assert not any(line.startswith("  Practice:") for line in said)   # the practice's row repeats the cohorts'


def test_the_demo_names_the_quality_benchmarks_it_scored_with(demo_run):
    # spec 3.2's assumption (MIPS ladders until CMS publishes ASM's) was said in the workbooks' Benchmarks sheet
    # only: the console and the dashboard priced quality with it without a word
    from asm_xl.model.benchmarks import benchmarks_note
    out, _, text = demo_run
    note = benchmarks_note(0)
    assert note.startswith("Quality points: MIPS benchmark ladders of PY2026, benchmark_year 0")
    assert "Q492 PY2026: a CMS placeholder row" in note
    assert note in " ".join(text.split())
    ws = openpyxl.load_workbook(out / DASHBOARD_NAME, read_only=True)["Practice"]
    rows = {r[0]: r[1] for r in ws.iter_rows(values_only=True) if r and r[0] == "Quality benchmarks"}
    assert rows == {"Quality benchmarks": note}


def test_the_practice_summary_says_rejected_rows_are_in_no_total_before_their_reasons():
    # the totals printed first and "5 rows rejected" only at the very end: read as the whole roster's totals
    from asm_xl.cli.summaries import practice_summary
    totals = pd.DataFrame([{"cohort": "HF", "physicians": 2, "estimate": 10.0, "dollars_p10": 10.0,
                            "dollars_p50": 10.0, "dollars_p90": 10.0}])
    assert "  Left out: 5 roster row(s) rejected (not in these totals; the reasons follow)." in \
        practice_summary(totals, rejected=5).splitlines()
    assert "rejected" not in practice_summary(totals)
