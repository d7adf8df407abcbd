"""The asm-xl command line (asm_xl.cli.main): template, generate, recalc."""
from __future__ import annotations

import csv
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from asm_xl.cli import main
from asm_xl.roster import read_roster, validate_roster
from asm_xl.workbooks.batch import ERRORS_NAME, INDEX_NAME, generate_workbooks
from asm_xl.workbooks.template import template_bytes
from asm_xl.xlsx.package import write_cached_values

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "templates" / "asm_template.xlsx"
SAMPLE = ROOT / "asm_xl" / "roster" / "data" / "sample_roster.csv"
BAD = Path(__file__).parent / "data" / "bad_roster.csv"


def _final_cell(path) -> tuple[str, str]:
    wb = openpyxl.load_workbook(path, read_only=True)
    (sheet, ref), = wb.defined_names["Sc_Final"].destinations
    return sheet, ref.replace("$", "")


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli_generated")
    report = generate_workbooks(read_roster(SAMPLE).head(2), out_dir=out)
    assert len(report.written) == 2
    return report.written


# ------------------------------------------------------------------ template

def _sample_run(tmp_path, rows: int) -> tuple:
    """(roster, output folder, the generate command) for the sample's first ``rows`` physicians."""
    roster = tmp_path / f"first{rows}.csv"
    lines = SAMPLE.read_text(encoding="utf-8-sig").splitlines()
    roster.write_text("\n".join(lines[:rows + 1]) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    return roster, out, ["generate", str(roster), "--out", str(out), "--quiet", "--jobs", "1"]

def test_template_command_writes_the_committed_template_bytes(tmp_path, capsys):
    target = tmp_path / "sub" / "asm_template.xlsx"
    assert main(["template", "--out", str(target)]) == 0
    assert target.read_bytes() == COMMITTED.read_bytes() == template_bytes()
    assert "template written" in capsys.readouterr().out
    assert [p.name for p in target.parent.iterdir()] == ["asm_template.xlsx"]  # no temp file left


def test_template_command_keeps_an_existing_file_unless_overwrite(tmp_path, capsys):
    """As generate keeps existing workbooks: the file may be a template the user edited (VBA)."""
    target = tmp_path / "t.xlsx"
    target.write_bytes(b"my edited template")
    assert main(["template", "--out", str(target)]) == 1
    err = capsys.readouterr().err
    _one_line_no_traceback(err)
    assert f"{target} exists" in err and "--overwrite" in err
    assert target.read_bytes() == b"my edited template"
    assert main(["template", "--out", str(target), "--overwrite"]) == 0
    assert target.read_bytes() == COMMITTED.read_bytes()


@pytest.mark.parametrize("name", ["t.csv", "t.xlsm", "t"])
def test_template_command_writes_only_an_xlsx_name(tmp_path, capsys, name):
    # an .xlsx was written under the name t.csv; as t.xlsm (no macros in it) Excel refuses to open it
    assert main(["template", "--out", str(tmp_path / name)]) == 1
    assert capsys.readouterr().err == (f"asm-xl: --out {tmp_path / name}: the template is an .xlsx workbook: name it "
                                       ".xlsx (add macros in Excel and save it as .xlsm yourself)\n")
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ generate
def test_generate_with_a_bad_roster_returns_2_and_prints_a_summary(tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["generate", str(BAD), "--out", str(out), "--quiet"])
    captured = capsys.readouterr()
    validation = validate_roster(read_roster(BAD))
    assert code == 2
    valid = len(validation.valid)
    assert f"{valid} workbook(s) written to {out}" in captured.out
    assert f"index: {out / INDEX_NAME}" in captured.out
    assert f"{validation.rows_rejected} rows rejected" in captured.err
    assert "Top reasons:" in captured.err
    assert f"error report: {out / ERRORS_NAME}" in captured.err
    assert (out / ERRORS_NAME).exists()
    assert len(list(out.glob("*.xlsx"))) == valid + 2  # + the index and the dashboard


def test_a_workbook_kept_because_it_is_open_in_excel_is_not_answered_with_overwrite_again(tmp_path, capsys):
    # after --overwrite, a workbook open in Excel (kept) whose roster row changed got "--overwrite takes the
    # roster's rows", the option just given; and the dashboard said it was kept for want of --overwrite
    import openpyxl
    import pandas as pd
    roster, out = tmp_path / "two.csv", tmp_path / "out"
    df = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False).head(2)
    df.to_csv(roster, index=False)
    assert main(["generate", str(roster), "--out", str(out), "--quiet", "--jobs", "1"]) == 0
    book = sorted(out.glob("1*.xlsx"))[0]
    (out / ("~$" + book.name)).write_bytes(b"\x0bsomeone   " + b"\0" * 150)
    df["part_b_payments"] = [str(float(v) * 2) for v in df["part_b_payments"]]
    df.to_csv(roster, index=False)
    capsys.readouterr()
    assert main(["generate", str(roster), "--out", str(out), "--quiet", "--jobs", "1", "--overwrite"]) == 0
    printed = capsys.readouterr().out
    assert "note: 1 kept workbook(s) hold inputs other than their roster row" in printed
    assert "  close them in Excel, then run again: --overwrite then takes the roster's rows" in printed
    assert "  --overwrite takes the roster's rows" not in printed
    ws = openpyxl.load_workbook(out / "asm_dashboard.xlsx")["Physicians"]
    said = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str) and "were kept" in c.value]
    assert len(said) == 1 and "(open in Excel when --overwrite ran: close them, then run again)" in said[0]


def test_generate_with_a_good_roster_returns_0(tmp_path, capsys):
    roster = tmp_path / "two.csv"
    lines = SAMPLE.read_text(encoding="utf-8-sig").splitlines()
    roster.write_text("\n".join(lines[:3]) + "\n", encoding="utf-8")
    assert main(["generate", str(roster), "--out", str(tmp_path / "out"), "--quiet", "--jobs", "1"]) == 0
    captured = capsys.readouterr()
    assert "2 workbook(s) written" in captured.out and "rejected" not in captured.err
    assert main(["generate", str(roster), "--out", str(tmp_path / "out"), "--quiet", "--jobs", "1"]) == 0
    assert "2 kept (already there; --overwrite to replace)" in capsys.readouterr().out
    # with --overwrite only a workbook open in Excel is kept: the line says so, not "--overwrite to replace"
    book = next((tmp_path / "out").glob("1*.xlsx"))
    (tmp_path / "out" / ("~$" + book.name)).write_bytes(b"\x0bsomeone   " + b"\0" * 150)
    assert main(["generate", str(roster), "--out", str(tmp_path / "out"), "--quiet", "--jobs", "1", "--overwrite"]) == 0
    assert "1 workbook(s) written to " + str(tmp_path / "out") + ", 1 kept (open in Excel: close them and run again)" \
        in capsys.readouterr().out
    # the index and the dashboard open in Excel are not replaced under it either (they were, silently)
    for name in ("asm_index.xlsx", "asm_dashboard.xlsx"):
        (tmp_path / "out" / ("~$" + name)).write_bytes(b"\x0bsomeone   " + b"\0" * 150)
    before = {n: (tmp_path / "out" / n).read_bytes() for n in ("asm_index.xlsx", "asm_dashboard.xlsx")}
    # exit 2: the index and the dashboard still show the run before (a script must not take them for this run's)
    assert main(["generate", str(roster), "--out", str(tmp_path / "out"), "--quiet", "--jobs", "1", "--overwrite"]) == 2
    captured = capsys.readouterr()
    assert ("warning: asm_index.xlsx is open in Excel: not rewritten, it still shows the previous run's numbers (close "
            "it, then run again)") in captured.err and "asm_dashboard.xlsx is open in Excel" in captured.err
    assert {n: (tmp_path / "out" / n).read_bytes() for n in before} == before
    assert "index: " not in captured.out and "dashboard: " not in captured.out


def test_generate_warns_when_a_kept_workbook_cannot_be_read(tmp_path, capsys):
    roster, out, run = _sample_run(tmp_path, 2)
    assert main(run) == 0
    broken = sorted(p for p in out.iterdir() if p.name.startswith("1"))[0]
    broken.write_bytes(b"not a workbook")
    capsys.readouterr()
    assert main(run) == 2   # the totals leave a physician out: a script reading them must know
    err = capsys.readouterr().err
    assert "1 kept workbook(s) are shown without numbers and left out of the totals" in err
    assert any(line.startswith("  1 workbook(s), because it could not be read back (not a workbook asm-xl wrote") and
               line.endswith(f": {broken.name}. To fix: saved without numbers: asm-xl recalc FILE, then generate again "
                             "(keeps your edits); otherwise --overwrite rebuilds it from the roster.")
               for line in err.splitlines()), err


def test_generate_says_which_kept_workbooks_differ_from_their_roster_row_and_which_are_stale_and_why(tmp_path,
                                                                                                     capsys):
    # a finance analyst fixes a payment in the roster and reruns: the kept workbook kept its old numbers silently;
    # and a workbook edited without recalculating was "stale" with --overwrite as the only advice (which loses
    # the edit)
    import openpyxl

    roster, out, run = _sample_run(tmp_path, 3)
    lines = SAMPLE.read_text(encoding="utf-8-sig").splitlines()
    assert main(run) == 0
    files = sorted(p for p in out.glob("*.xlsx") if p.name[0].isdigit())
    okafor = next(p for p in files if "Okafor" in p.name)
    mensah = next(p for p in files if "Mensah" in p.name)
    wb = openpyxl.load_workbook(mensah)   # an edit, not recalculated (openpyxl keeps no cached values)
    ws, cell = (lambda ref: (wb[ref.split("!")[0].strip("'")], ref.split("!")[1].replace("$", "")))(
        wb.defined_names["In_Payments"].attr_text)
    ws[cell] = 100_000
    wb.save(mensah)
    roster.write_text("\n".join([lines[0], lines[1].replace(",416569,", ",500000,")] + lines[2:4]) + "\n",
                      encoding="utf-8")
    capsys.readouterr()
    assert main(run) == 2   # one stale: left out of the totals
    captured = capsys.readouterr()
    assert "note: 1 kept workbook(s) hold inputs other than their roster row" in captured.out
    assert f"  {okafor.name}: -$21,724 in the file, -$26,075 from the roster" in captured.out.splitlines()
    # openpyxl saves no computed numbers: the file cannot be read back until it is recalculated
    stale = [line for line in captured.err.splitlines() if line.startswith("  1 workbook(s), because it could not be read back")]
    assert len(stale) == 1 and f": {mensah.name}. To fix: saved without numbers: asm-xl recalc FILE, then generate " \
        "again (keeps your edits)" in stale[0]
    assert main(["recalc", str(mensah)]) == 0
    capsys.readouterr()
    assert main(run) == 0   # recalculated: kept with the edit's numbers, and said to differ from the roster
    captured = capsys.readouterr()
    assert "note: 2 kept workbook(s) hold inputs other than their roster row" in captured.out
    assert f"  {mensah.name}: " in captured.out and "stale" not in captured.err
    # the index and the dashboard say so too (they called both plainly "kept")
    from asm_xl.workbooks.kept import STATUS_KEPT, STATUS_KEPT_EDITED
    index = openpyxl.load_workbook(out / "asm_index.xlsx", data_only=True).worksheets[0]
    statuses = {str(c.value) for row in index.iter_rows() for c in row if str(c.value).startswith("kept")}
    assert statuses == {STATUS_KEPT_EDITED, STATUS_KEPT}
    dash = openpyxl.load_workbook(out / "asm_dashboard.xlsx", data_only=True)["Physicians"]
    notes = [c.value for row in dash.iter_rows() for c in row if str(c.value).startswith("3 workbook(s) were kept")]
    assert len(notes) == 1 and notes[0].endswith("2 of them hold inputs other than their roster row (edited in the "
                                                 "workbook, or the roster changed): Okafor, Adaeze, Mensah, Kwame.")


def test_a_rerun_with_other_settings_over_kept_workbooks_prices_nothing_and_keeps_index_and_dashboard(
        tmp_path, capsys):
    # `demo` then `demo --set tfs_midpoint=55`: every workbook kept and stale; the run rewrote the index and
    # the dashboard with no numbers ("HF 0 +$0") and exited 0
    _roster, out, run = _sample_run(tmp_path, 2)
    assert main(run) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    capsys.readouterr()
    assert main(run + ["--set", "tfs_midpoint=55"]) == 1
    captured = capsys.readouterr()
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert (f"asm-xl: nothing priced: all 2 workbook(s) in {out} are kept from an earlier run" in captured.err
            and "left as they were." in captured.err)
    assert ("  2 workbook(s), because it was made under other settings than this run's (a pool is a setting): " in captured.err
            and "(tfs_midpoint 50.0 in the file, 55.0 in this run)" in captured.err
            and "generate again with its settings (--set NAME=VALUE for each" in captured.err)
    assert "Estimated payment adjustments" not in captured.out and "+$0" not in captured.out
    assert main(run + ["--set", "tfs_midpoint=55", "--overwrite"]) == 0
    assert "2 workbook(s) written" in capsys.readouterr().out


def test_an_assumption_edited_in_a_kept_workbook_is_named_and_the_advice_given_works(tmp_path, capsys):
    # tfs_midpoint 55 typed on one workbook's Assumptions sheet and recalculated: the rerun called it stale
    # with "asm-xl recalc FILE, then generate again", which changed nothing
    import openpyxl

    _roster, out, run = _sample_run(tmp_path, 2)
    assert main(run) == 0
    edited = sorted(p for p in out.glob("*.xlsx") if p.name[0].isdigit())[0]
    wb = openpyxl.load_workbook(edited)
    row = next(r for r in wb["Assumptions"].iter_rows() if r[0].value == "tfs_midpoint")
    row[1].value = 55
    wb.save(edited)
    assert main(["recalc", str(edited)]) == 0
    capsys.readouterr()
    assert main(run) == 2
    err = capsys.readouterr().err
    assert (f"  1 workbook(s), because it was made under other settings than this run's (a pool is a setting): {edited.name} (tfs_midpoint 55.0 in "
            "the file, 50.0 in this run). To fix: to keep the file and its edits, generate again with its settings "
            "(--set NAME=VALUE for each; every workbook is then priced under them)") in err
    assert main(run + ["--set", "tfs_midpoint=55"]) == 2   # as advised: the edited one is kept, the other is stale
    err = capsys.readouterr().err
    assert f"{edited.name} (" not in err and "(tfs_midpoint 50.0 in the file, 55.0 in this run)" in err


def test_generate_with_a_missing_roster_returns_1(tmp_path, capsys):
    assert main(["generate", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "out"), "--quiet"]) == 1
    assert capsys.readouterr().err.startswith("asm-xl: ")


# ------------------------------------------------------------------ recalc
def test_recalc_says_which_results_a_bad_input_turned_into_errors(generated, tmp_path, capsys):
    # a typed "lots" as Part B payments: the dollars became #VALUE! and recalc said only "1109 recalculated"
    path = tmp_path / "book.xlsx"
    wb = openpyxl.load_workbook(generated[0])
    (sheet, ref), = wb.defined_names["In_Payments"].destinations
    wb[sheet][ref.replace("$", "")] = "lots"
    wb.save(path)
    assert main(["recalc", str(path)]) == 0
    err = capsys.readouterr().err
    assert err.splitlines() == [
        f"{path}: warning: 4 result(s) hold an error value (an input not allowed?): Sc_Impact (Score!B32) #VALUE!, "
        "Sc_DollarsP10 (Score!B39) #VALUE!, Sc_DollarsP50 (Score!C39) #VALUE!, Sc_DollarsP90 (Score!D39) #VALUE!; "
        "the Score sheet's Why column (ASM_WHY) says why"]
    good = [shutil.copy(g, tmp_path / f"good{i}.xlsx") for i, g in enumerate(generated)]
    assert main(["recalc", *map(str, good)]) == 0   # good workbooks: nothing said
    assert "warning" not in capsys.readouterr().err


def test_recalc_check_passes_on_a_generated_workbook_and_fails_after_a_corrupted_cached_value(
        generated, tmp_path, capsys):
    path = tmp_path / "book.xlsx"
    path.write_bytes(generated[0].read_bytes())
    assert main(["recalc", str(path), "--check"]) == 0
    assert "cached values match" in capsys.readouterr().out

    sheet, cell = _final_cell(path)
    assert write_cached_values(path, {(sheet, cell): 12.345}) == 1
    assert main(["recalc", str(path), "--check"]) == 1
    out = capsys.readouterr().out
    assert "1 cell(s) differ" in out and f"{sheet}!{cell}: cached 12.345" in out

    # recalc without --check writes fresh values back; the check passes again
    assert main(["recalc", str(path)]) == 0
    assert "formula cell(s) recalculated" in capsys.readouterr().out
    assert main(["recalc", str(path), "--check"]) == 0


def test_recalc_check_of_several_files_reports_each(generated, capsys):
    assert main(["recalc", *map(str, generated), "--check"]) == 0
    out = capsys.readouterr().out
    assert out.count("cached values match") == len(generated)
    # a folder's worth of lines ends with the count (447 lines and no summary at a practice's scale)
    assert out.splitlines()[-1] == f"{len(generated)} workbook(s): 0 with differences, {len(generated)} matching"
    assert main(["recalc", *map(str, generated)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        f"{len(generated)} workbook(s): 0 recalculated and rewritten, {len(generated)} already right (unchanged)")


@pytest.mark.parametrize("check", [[], ["--check"]])
def test_recalc_of_a_text_file_renamed_xlsx_fails_and_leaves_it_untouched(tmp_path, capsys, check):
    fake = tmp_path / "notes.xlsx"
    content = b"just some text, not a workbook\n"
    fake.write_bytes(content)
    assert main(["recalc", str(fake), *check]) != 0
    assert "not an Excel workbook" in capsys.readouterr().err
    assert fake.read_bytes() == content
    assert [p.name for p in tmp_path.iterdir()] == ["notes.xlsx"]


def test_recalc_of_a_missing_file_exits_1_as_score_does(tmp_path, capsys):
    assert main(["recalc", str(tmp_path / "missing.xlsx")]) == 1 == main(["score", str(tmp_path / "missing.csv")])
    err = capsys.readouterr().err
    assert "workbook not found" in err and "not found" in err.splitlines()[1]


def _with_member(src: Path, dst: Path, member: str, data: bytes) -> None:
    import zipfile
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, data if info.filename == member else zin.read(info))


@pytest.mark.parametrize("args", [[], ["--check"], ["--engine", "formulas"], ["--check", "--engine", "formulas"]],
                         ids=["recalc", "check", "formulas", "formulas-check"])
def test_recalc_of_a_workbook_with_a_sheet_cut_short_says_corrupt_exits_1_and_leaves_it(generated, tmp_path,
                                                                                         capsys, args):
    """The QA repro: the Score sheet's part cut to ``<worksheet><sheetData><row`` was recalculated with
    its cells read as blanks (final score 0.0), exit 0, and --check listed 82 differences."""
    path = tmp_path / "cut.xlsx"
    _with_member(generated[0], path, "xl/worksheets/sheet2.xml", b"<worksheet><sheetData><row")
    before = path.read_bytes()
    good = tmp_path / "good.xlsx"
    good.write_bytes(generated[1].read_bytes())
    assert main(["recalc", *args, str(path), str(good)]) == 1
    out, err = capsys.readouterr()
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"{path}: corrupt workbook: {path} (") and "the file is left untouched" in err
    assert str(path) not in out and str(good) in out  # the batch goes on
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cut.xlsx", "good.xlsx"]


# ------------------------------------------------------------------ the package's front door
def test_score_cohort_is_importable_from_the_package_without_slowing_the_plain_import():
    code = ("import sys, asm_xl; before = 'pandas' in sys.modules; "
            "from asm_xl import score_cohort, CohortResult; import asm_xl.model.cohort as c; "
            "print(before, score_cohort is c.score_cohort, CohortResult is c.CohortResult, "
            "'score_cohort' in dir(asm_xl))")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.split() == ["False", "True", "True", "True"]


def test_demo_ends_with_the_practice_totals_and_their_range_by_cohort(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path), "--quiet", "--jobs", "1"]) == 0
    out = capsys.readouterr().out
    index = openpyxl.load_workbook(tmp_path / INDEX_NAME, data_only=True).active
    header = [c.value for c in index[1]]
    col = {h: header.index(h) for h in ("Cohort", "Dollar impact", "Dollars, cautious (P10)", "Dollars, middle (P50)",
                                        "Dollars, hopeful (P90)")}
    rows = list(index.iter_rows(min_row=2, values_only=True))
    for cohort in ("HF", "LBP"):
        mine = [r for r in rows if r[col["Cohort"]] == cohort]
        sums = [sum(r[col[h]] for r in mine) for h in list(col)[1:]]
        shown = next(line for line in out.splitlines() if line.strip().startswith(cohort + " "))
        figures = [float(x.replace("$", "").replace(",", "").replace("+", "")) for x in shown.split()[2:]]
        assert int(shown.split()[1]) == len(mine)
        assert abs(figures[0] - sums[0]) <= 0.5, (shown, sums)   # the estimate: the sum of the physicians'
        assert figures[1] <= figures[2] <= figures[3]  # P10 <= P50 <= P90: the total's own over the draws
    # the total's range added up draw by draw (README "How sure is this number?"), not the summed P10s (-$28,715)
    assert "HF                12      +$37,029       -$19,360      +$42,945     +$118,048" in out
    # and where they come from: the pool of each cohort in the year scored, as the index's note says it
    said = " ".join(out.split())
    assert ("Pool: national (HF 2027: national peer model: 1,000 simulated HF cohorts of 2,610 (seed 0; " in said
            and "LBP 2027: national peer model: 1,000 simulated LBP cohorts of 4,027" in said)
    note = next(h for h in header if h and h.startswith("Estimates, not CMS determinations"))
    assert "HF 2027: national peer model: 1,000 simulated HF cohorts" in note and "HF 2028" not in note


def test_score_says_where_its_figures_come_from_under_the_table(capsys):
    # the table alone named no pool, year or source; its Dollars are the point estimate, not P50
    assert main(["score", str(SAMPLE)]) == 0
    out = capsys.readouterr().out
    # a final score of 0 says why under the table (the table alone showed 0.00 and -9.00%)
    lines = out.splitlines()
    assert lines[lines.index("why:") + 1:lines.index("why:") + 2] == [
        "  Papadopoulos, Nikos (NPI 1250098443, TIN 323937761): Minimum data submission not met: final score 0 [CMS]."]
    said = " ".join(out.split())
    assert said.endswith(
        "Estimates, not CMS determinations. Pool: national (HF 2027: national peer model, median of 506 draws "
        "(fixed midpoint): scaling factor 1.565, midpoint 50; LBP 2027: national peer model, median of 506 draws "
        "(fixed midpoint): scaling factor 1.523, midpoint 50). Payment adjustment factor and dollar impact: the "
        "pool's point estimate; P10 / P50 / P90: the dollars in a cautious, middle and hopeful case over its "
        "simulated cohorts (a given or roster pool has one: the three are equal). Quality points: MIPS benchmark "
        "ladders of PY2026, benchmark_year 0 (the latest of each measure and collection type): a proxy until CMS "
        "publishes ASM's own [ASSUMPTION]; Q492 PY2026: a CMS placeholder row (its points from CMS's report are "
        "better).")
    assert main(["score", str(SAMPLE), "--scaling-factor", "1.2", "--midpoint", "50"]) == 0
    assert "Pool: given (HF 2027: " in " ".join(capsys.readouterr().out.split())


def test_a_second_run_reads_the_national_draws_the_first_kept(tmp_path, capsys, monkeypatch):
    """ASM_XL_CACHE names where the CLI keeps the national draws: the first run draws and keeps both
    cohorts', the next one draws nothing and prints the same figures."""
    from asm_xl.model import kept_draws, pool_choice
    previous = kept_draws.current_store()
    monkeypatch.setenv("ASM_XL_CACHE", str(tmp_path / "kept"))
    try:
        pool_choice.forget_pools()
        assert main(["score", str(SAMPLE)]) == 0
        first = capsys.readouterr().out
        assert len(list((tmp_path / "kept").glob("draws-*.npz"))) == 2   # HF and LBP
        pool_choice.forget_pools()
        monkeypatch.setattr(pool_choice, "simulate_national_cohorts", lambda *a, **k: pytest.fail("drew again"))
        assert main(["score", str(SAMPLE)]) == 0
        assert capsys.readouterr().out == first and "P10" in first
    finally:
        kept_draws.use_store(previous)
        pool_choice.forget_pools()


# ------------------------------------------------------------------ ordinary failures: one line, an exit code
def _one_line_no_traceback(err: str) -> None:
    assert "Traceback" not in err and len([line for line in err.splitlines() if line.startswith("asm-xl:")]) == 1


def test_version_names_the_package_version(capsys):
    import asm_xl
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0 and capsys.readouterr().out.strip() == f"asm-xl {asm_xl.__version__}"


def test_template_command_writes_to_the_current_folder_by_default(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["template"]) == 0
    assert (tmp_path / "asm_template.xlsx").read_bytes() == COMMITTED.read_bytes()


def test_score_of_a_missing_roster_is_one_line_and_exit_1(tmp_path, capsys):
    assert main(["score", str(tmp_path / "nope.csv")]) == 1
    err = capsys.readouterr().err
    _one_line_no_traceback(err)
    assert "not found" in err


def test_score_writes_the_error_report_like_generate_and_shows_a_readable_table(tmp_path, capsys):
    report = tmp_path / "errors.csv"
    assert main(["score", str(BAD), "--errors", str(report)]) == 2
    out, err = capsys.readouterr()
    assert report.exists() and f"error report: {report}" in err
    expected = validate_roster(read_roster(BAD)).errors
    assert len(report.read_text(encoding="utf-8-sig").splitlines()) == len(expected) + 1  # every reason, not 5
    header = out.splitlines()[0].split()
    assert header[:5] == ["NPI", "TIN", "Physician", "Cohort", "Final"] and "$" in out and "%" in out   # its TINs differ


def test_generate_into_a_path_that_is_a_file_is_one_line_and_exit_3(tmp_path, capsys):
    blocker = tmp_path / "out"
    blocker.write_text("a file, not a folder")
    assert main(["generate", str(SAMPLE), "--out", str(blocker / "wb"), "--quiet", "--jobs", "1"]) == 3
    err = capsys.readouterr().err
    _one_line_no_traceback(err)
    assert "cannot write" in err


def test_a_full_disk_is_one_line_exit_3_and_leaves_no_partial_file(tmp_path, capsys, monkeypatch):
    import errno

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "out"))

    monkeypatch.setattr(os, "replace", full)
    assert main(["generate", str(SAMPLE), "--out", str(tmp_path / "out"), "--quiet", "--jobs", "1"]) == 3
    err = capsys.readouterr().err
    _one_line_no_traceback(err)
    assert "No space left on device" in err
    assert [p.name for p in (tmp_path / "out").iterdir()] == []  # no workbook, no temp file


def test_generate_never_writes_a_workbook_over_the_roster_it_reads(tmp_path, capsys):
    # a roster kept in the out folder under a workbook's name: --overwrite replaced it with that workbook
    import openpyxl

    lines = SAMPLE.read_text(encoding="utf-8-sig").splitlines()[:3]
    out = tmp_path / "out"
    out.mkdir()
    roster = out / "1891394078_Okafor,_Adaeze.xlsx"   # Okafor's workbook's name
    wb = openpyxl.Workbook()
    wb.active.title = "Roster"
    for line in csv.reader(lines):
        wb.active.append(line)
    wb.save(roster)
    before = roster.read_bytes()
    assert main(["generate", str(roster), "--out", str(out), "--quiet", "--jobs", "1", "--overwrite"]) == 1
    assert capsys.readouterr().err == (f"asm-xl: {roster} is a file this run reads (the roster, the template or CMS's "
                                       "file): a workbook would be written over it; choose another --out (an input is "
                                       "never overwritten)\n")
    assert roster.read_bytes() == before


def test_ctrl_c_is_one_line_and_exit_130(tmp_path, capsys, monkeypatch):
    import asm_xl.workbooks.batch as batch

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(batch, "generate_workbooks", interrupted)
    assert main(["demo", "--out", str(tmp_path), "--quiet"]) == 130
    err = capsys.readouterr().err
    _one_line_no_traceback(err)
    assert "interrupted" in err
    # while the options are still read (pandas imported there): a traceback, and no exit code 130
    import asm_xl.cli as cli

    monkeypatch.setattr(cli, "check_settings_options", interrupted)
    assert main(["score", str(SAMPLE)]) == 130
    err = capsys.readouterr().err
    _one_line_no_traceback(err)
    assert "interrupted" in err


def test_ctrl_c_while_the_command_loads_is_exit_130_and_import_asm_xl_loads_nothing_else(capsys, monkeypatch):
    # in the first half second (numpy, pandas and the command's modules loading, before main runs) Ctrl-C gave
    # a KeyboardInterrupt traceback and death by SIGINT: the entry point (asm_xl.launch) now catches it there
    import builtins
    import subprocess
    import sys

    from asm_xl import launch
    real = builtins.__import__

    def loading(name, *a, **k):
        if name == "asm_xl.cli":
            raise KeyboardInterrupt
        return real(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", loading)
    assert launch.main(["score", str(SAMPLE)]) == 130
    monkeypatch.setattr(builtins, "__import__", real)
    err = capsys.readouterr().err
    _one_line_no_traceback(err)
    assert err == launch.INTERRUPTED + "\n"
    # which needs `import asm_xl` (run before any entry point) to load nothing else: every public name is lazy
    probe = ("import sys, asm_xl, asm_xl.launch; print(sorted(m for m in ('numpy', 'pandas', 'asm_xl.model', "
             "'asm_xl.cli') if m in sys.modules)); print(asm_xl.Participant.__module__, asm_xl.score_cohort.__module__)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == ["[]", "asm_xl.model.participant asm_xl.model.cohort"]
    import tomllib
    with open(Path(__file__).resolve().parents[1] / "pyproject.toml", "rb") as fh:
        assert tomllib.load(fh)["project"]["scripts"]["asm-xl"] == "asm_xl.launch:main"


def test_recalc_reports_a_workbook_it_cannot_compute_and_goes_on_with_the_batch(generated, capsys, monkeypatch):
    import asm_xl.calc.recalc as recalc
    real, real_many = recalc.recalc_file, recalc.Recalculator.recalc_many

    def flaky(path, *a, **k):
        if Path(path) == generated[0]:
            raise ValueError("a formula the engine cannot parse")
        return real(path, *a, **k)

    def batch_without_it(self, paths, *a, **k):  # the batch leaves out what it cannot do
        return real_many(self, [p for p in paths if Path(p) != generated[0]], *a, **k)

    monkeypatch.setattr(recalc, "recalc_file", flaky)
    monkeypatch.setattr(recalc.Recalculator, "recalc_many", batch_without_it)
    before = generated[0].read_bytes()
    assert main(["recalc", "--check", str(generated[0]), str(generated[1])]) == 2
    out, err = capsys.readouterr()
    assert "could not recalculate (ValueError: a formula the engine cannot parse)" in err and "Traceback" not in err
    assert f"{generated[1]}: cached values match" in out and generated[0].read_bytes() == before


def test_recalc_of_a_workbook_it_may_not_read_is_exit_1_one_line_and_the_batch_goes_on(generated, tmp_path, capsys,
                                                                                      monkeypatch):
    """The QA repro: ``asm-xl recalc w/*.xlsx`` with one file chmod 000 (a non-root user) stopped the
    whole batch after the first file with exit 3 and "cannot write ... (make the folder writable)"."""
    import builtins

    import asm_xl.xlsx.limits as limits
    locked = tmp_path / "locked.xlsx"
    locked.write_bytes(generated[0].read_bytes())
    good = tmp_path / "good.xlsx"
    good.write_bytes(generated[1].read_bytes())

    def denied(path, *a, **k):   # what open() says to a user without read permission (root is never denied)
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return builtins.open(path, *a, **k)

    monkeypatch.setattr(limits, "open", denied, raising=False)
    assert main(["recalc", str(locked), str(good)]) == 1
    out, err = capsys.readouterr()
    assert err.splitlines() == [f"{locked}: cannot read workbook: {locked} (Permission denied); the file is left untouched"]
    assert f"{good}: " in out and "formula cell(s) recalculated" in out and str(locked) not in out


def test_recalc_of_a_folder_says_it_is_a_folder_and_how_to_give_its_workbooks(tmp_path, capsys):
    assert main(["recalc", str(tmp_path)]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"{tmp_path}: not a workbook: {tmp_path} is a folder (give its workbooks: {tmp_path / '*.xlsx'})"]


# ------------------------------------------------------------------ score: warnings, error report, pool options
def test_score_and_generate_refuse_a_misspelt_column_alike_and_warn_of_an_unknown_one(tmp_path, capsys):
    # 'ia_2_done' was read as no IA-2 column: every physician -10 points, a warning and exit 0
    lines = SAMPLE.read_text(encoding="utf-8-sig").splitlines()
    roster = tmp_path / "typo.csv"
    roster.write_text("\n".join([lines[0].replace("complex_bonus", "complex_bonsu")] + lines[1:4]) + "\n",
                      encoding="utf-8")
    assert main(["score", str(roster), "--out", str(tmp_path / "s.csv")]) == 1
    score_err = capsys.readouterr().err
    assert main(["generate", str(roster), "--out", str(tmp_path / "wb"), "--quiet", "--jobs", "1"]) == 1
    generate_err = capsys.readouterr().err
    typo = ("asm-xl: column 'complex_bonsu' is not a roster column: did you mean 'complex_bonus'? Rename it (read as "
            "it is, every row would be scored without 'complex_bonus')")
    assert score_err.strip() == typo and generate_err.strip() == typo
    assert not (tmp_path / "s.csv").exists() and not (tmp_path / "wb").exists()
    # a look-alike of a column that overrides one the roster has is refused too: 'cost_pionts' beside
    # 'episode_cost' (cost points from CMS's report override the episode cost), 'small_practise' beside
    # 'practice_size' (CMS's flag decides the bonus), 'q008_pionts' beside 'q008_rate' were warnings, exit 0,
    # and the scores changed (Okafor 39.99 and -$21,724 for 49.99 and -$8,169 with the flag spelt right)
    for column, typo in (("cost_points", "cost_pionts"), ("practice_size", "practice_size,small_practise"),
                         ("q008_rate", "q008_rate,q008_pionts")):
        extra = "," if "," in typo else ""
        roster.write_text("\n".join([lines[0].replace(column, typo)] + [ln + extra for ln in lines[1:4]]) + "\n",
                          encoding="utf-8")
        assert main(["score", str(roster), "--out", str(tmp_path / "s.csv")]) == 1
        meant = {"cost_pionts": "cost_points", "small_practise": "small_practice", "q008_pionts": "q008_points"}
        bad = typo.split(",")[-1]
        assert f"column '{bad}' is not a roster column: did you mean '{meant[bad]}'?" in capsys.readouterr().err
    # a column of the user's own, like no roster column, is a warning and the run goes on
    other = tmp_path / "notes.csv"
    other.write_text("\n".join([lines[0] + ",my_notes"] + [ln + ",x" for ln in lines[1:4]]) + "\n", encoding="utf-8")
    assert main(["score", str(other), "--out", str(tmp_path / "s.csv")]) == 0
    assert "warning: column 'my_notes' is not a roster column: ignored" in capsys.readouterr().err.splitlines()


def test_score_never_writes_its_csv_over_a_workbook_or_an_existing_file(tmp_path, capsys):
    # `score --out keep.xlsx` replaced a physician's workbook with CSV text, exit 0
    workbook = tmp_path / "keep.xlsx"
    workbook.write_bytes(b"PK\x03\x04 a workbook")
    assert main(["score", str(SAMPLE), "--out", str(workbook)]) == 1
    assert workbook.read_bytes() == b"PK\x03\x04 a workbook"
    assert capsys.readouterr().err.splitlines() == [
        f"asm-xl: --out {workbook}: the scores table is written as CSV; name it .csv"]
    out = tmp_path / "scores.csv"
    assert main(["score", str(SAMPLE), "--out", str(out)]) == 0
    first = out.read_bytes()
    out.write_text("my notes\n")
    assert main(["score", str(SAMPLE), "--out", str(out)]) == 1            # kept: another file now
    assert out.read_text() == "my notes\n"
    assert "exists" in capsys.readouterr().err
    assert main(["score", str(SAMPLE), "--out", str(out), "--overwrite"]) == 0
    assert out.read_bytes() == first


def test_score_out_names_its_rank_columns_after_the_roster_not_cms_cohort(tmp_path):
    # "cohort_size 12" read as the national cohort's size (the README's cohort_size is 2,610 HF clinicians)
    out = tmp_path / "scores.csv"
    assert main(["score", str(SAMPLE), "--out", str(out), "--errors", str(tmp_path / "e.csv")]) == 0
    table = pd.read_csv(out, dtype={"npi": str})
    assert {"rank_in_roster_cohort", "roster_cohort_size", "percentile_in_roster_cohort"} <= set(table.columns)
    assert not {"cohort_rank", "cohort_size", "percentile_rank"} & set(table.columns)
    hf = table[table["cohort"] == "HF"]
    assert set(hf["roster_cohort_size"]) == {12}   # the sample's 12 HF physicians
    assert sorted(hf["rank_in_roster_cohort"]) == list(range(1, 13))


def test_score_replaces_or_removes_only_an_error_report_at_errors(tmp_path, capsys):
    # `--errors other_roster.csv` replaced that roster with the report, or, with no row rejected, deleted it
    other = tmp_path / "other_roster.csv"
    other.write_bytes(SAMPLE.read_bytes())
    # a clean roster: no report to write, the file is neither removed nor a reason to refuse the run
    assert main(["score", str(SAMPLE), "--errors", str(other)]) == 0
    assert other.read_bytes() == SAMPLE.read_bytes() and "Okafor" in capsys.readouterr().out
    # rows rejected: the scores are shown, the report is not written over the file
    assert main(["score", str(BAD), "--errors", str(other)]) == 1
    assert other.read_bytes() == SAMPLE.read_bytes()
    err = capsys.readouterr().err.splitlines()
    assert err[0] == (f"asm-xl: --errors {other} exists and is not an error report asm-xl wrote: choose another "
                      "--errors or add --overwrite") and "rejected" in err[1]
    report = tmp_path / "errors.csv"
    assert main(["score", str(BAD), "--errors", str(report)]) == 2      # an error report: replaced by each run
    assert main(["score", str(BAD), "--errors", str(report)]) == 2
    assert main(["score", str(SAMPLE), "--errors", str(report)]) == 0 and not report.exists()
    assert main(["score", str(BAD), "--errors", str(other), "--overwrite"]) == 2
    assert other.read_text(encoding="utf-8-sig").startswith("row,npi,name,column,value,reason")
    assert main(["score", str(BAD), "--errors", str(tmp_path / "errors.txt")]) == 1


def test_a_clean_score_run_removes_the_error_report_an_earlier_run_left(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["score", str(BAD)]) == 2
    assert (tmp_path / "roster_errors.csv").exists()
    assert main(["score", str(SAMPLE)]) == 0
    assert not (tmp_path / "roster_errors.csv").exists()
    capsys.readouterr()


@pytest.mark.parametrize("command", [["score", str(SAMPLE)], ["generate", str(SAMPLE), "--quiet"], ["demo", "--quiet"]],
                         ids=["score", "generate", "demo"])
@pytest.mark.parametrize("options, named", [
    (["--midpoint", "55"], ["--midpoint", "--scaling-factor"]),
    (["--pool", "national", "--scaling-factor", "3"], ["--scaling-factor", "--pool national"]),
    (["--pool", "roster", "--scaling-factor", "3", "--midpoint", "40"], ["--scaling-factor", "--pool roster"]),
    (["--pool", "given"], ["--pool given", "--scaling-factor"]),
    (["--set", "given_scaling_factor=1.3", "--pool", "national"], ["--set given_scaling_factor", "--pool national"]),
    (["--set", "pool=given"], ["--set pool=given", "--scaling-factor", "--set given_scaling_factor=..."]),
    (["--set", "pool=roster", "--scaling-factor", "1.2"], ["--scaling-factor", "--set pool=roster"]),
    (["--scaling-factor", "-1"], ["--scaling-factor: given_scaling_factor: -1 is not allowed"]),
    (["--set", "peer_overrides=x"], ["--set: setting: 'peer_overrides' is not allowed"]),
    (["--set", "benchmark_year=2019"], ["--set: benchmark_year: 2019 is not allowed (a year with benchmarks: "]),
    (["--scaling-factor", "1.4", "--set", "tfs_midpoint_mode=cohort_median"], ["--midpoint: given_midpoint is blank"]),
    # float() reads "nan": the option was dropped (national pool, "settings changed: none", exit 0)
    (["--scaling-factor", "nan"], ["--scaling-factor: 'nan' is not a finite number"]),
    (["--scaling-factor", "1.2", "--midpoint", "NaN"], ["--midpoint: 'NaN' is not a finite number"]),
    (["--midpoint", "inf"], ["--midpoint: 'inf' is not a finite number"]),
    # a fraction setting typed as a percent: the hint a roster's fraction column gives
    (["--set", "pool_withhold=15"], ["--set: pool_withhold: '15' is not allowed (a number between 0 and 1; did you "
                                     "mean 15%?)"]),
    # one setting set twice: the last one won without a word
    (["--set", "quality_weight=0.5", "--set", "Quality-Weight=0.6"],
     ["--set quality_weight=0.5 and --set quality_weight=0.6 both give the quality_weight: give one"]),
], ids=["midpoint-alone", "factor-with-national", "factor-with-roster", "given-without-factor", "set-factor-with-national",
        "set-given-without-factor", "factor-with-set-roster", "factor-not-allowed", "set-internal-field",
        "year-without-benchmarks", "median-mode-without-midpoint", "factor-nan", "midpoint-nan", "midpoint-inf",
        "fraction-as-percent", "set-twice"])
def test_pool_options_that_contradict_or_mean_nothing_are_a_usage_error(command, options, named, tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        main([*command, *options, "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert stop.value.code == 2
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"asm-xl {command[0]}: error: ") and all(n in last for n in named), last
    assert err.startswith(f"usage: asm-xl {command[0]} ") and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_the_given_pools_midpoint_changes_the_scores_it_prices(tmp_path, capsys):
    out = {m: tmp_path / f"m{m}.csv" for m in ("50", "55")}
    for m, path in out.items():
        assert main(["score", str(SAMPLE), "--scaling-factor", "1.2", "--midpoint", m, "--out", str(path)]) == 0
    assert main(["score", str(SAMPLE), "--scaling-factor", "1.2", "--out", str(tmp_path / "default.csv")]) == 0
    default, m50, m55 = (pd.read_csv(p) for p in (tmp_path / "default.csv", out["50"], out["55"]))
    numbers = [c for c in m50.columns if pd.api.types.is_float_dtype(m50[c])]
    # no --midpoint: the tfs_midpoint setting (50) prices it, and the source says so instead of "given_midpoint"
    assert default[numbers].equals(m50[numbers]) and not m55[numbers].equals(m50[numbers])
    assert "factor" in numbers and (m55["factor"] != m50["factor"]).any()
    capsys.readouterr()


# ------------------------------------------------------------------ a file that cannot be written: which, why, what option
def test_a_missing_output_folder_names_the_file_the_folder_and_the_option(tmp_path, capsys):
    target = tmp_path / "nodir" / "scores.csv"
    assert main(["score", str(SAMPLE), "--out", str(target)]) == 3
    err = capsys.readouterr().err
    _one_line_no_traceback(err)
    assert err.splitlines()[-1].startswith(f"asm-xl: cannot write {target}: the folder {target.parent} does not exist")
    assert "--out" in err and ".tmp" not in err and "disk space" not in err


def test_an_error_report_that_cannot_be_written_names_the_errors_option(tmp_path, capsys):
    target = tmp_path / "nodir" / "errors.csv"
    assert main(["score", str(BAD), "--errors", str(target)]) == 3
    err = capsys.readouterr().err
    _one_line_no_traceback(err)
    assert f"cannot write {target}: the folder {target.parent} does not exist" in err
    assert "--errors" in err and "--out" not in err and ".tmp" not in err


@pytest.mark.parametrize("jobs", ["0", "-1", "two"])
def test_generate_refuses_jobs_below_one_as_a_usage_error(jobs, tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        main(["generate", str(SAMPLE), "--out", str(tmp_path), "--jobs", jobs])
    assert e.value.code == 2
    assert f"argument --jobs: '{jobs}' is not allowed (a whole number >= 1)" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def test_recalc_skips_excels_lock_file_of_an_open_workbook(generated, tmp_path, capsys):
    """``asm-xl recalc folder/*.xlsx`` while a workbook is open in Excel also matches Excel's ~$ owner file."""
    lock = tmp_path / "~$open.xlsx"
    lock.write_bytes(b"\x0bsomeone   " + b"\0" * 150)
    book = tmp_path / "book.xlsx"
    book.write_bytes(generated[0].read_bytes())
    assert main(["recalc", str(lock), str(book)]) == 0
    out, err = capsys.readouterr()
    assert err.strip() == f"{lock}: skipped: Excel's lock file (its workbook is open in Excel), not a workbook"
    assert out.startswith(f"{book}: ") and out.strip().endswith("the file is unchanged")
    assert lock.read_bytes().startswith(b"\x0bsomeone")


def test_recalc_leaves_a_workbook_open_in_excel_untouched_and_says_so(generated, tmp_path, capsys):
    # it said the lock file was skipped, then rewrote the open workbook: Excel's next save replaces it
    # xxopen.xlsx is not open: ~$open.xlsx is open.xlsx's lock file, not "~$" + its name without 2 characters
    book, other = tmp_path / "open.xlsx", tmp_path / "xxopen.xlsx"
    for path in (book, other):
        path.write_bytes(generated[0].read_bytes())
    sheet, cell = _final_cell(book)
    for path in (book, other):
        write_cached_values(path, {(sheet, cell): 12.34})
    lock = tmp_path / "~$open.xlsx"
    lock.write_bytes(b"\x0bsomeone   " + b"\0" * 150)
    before = book.read_bytes()
    assert main(["recalc", str(lock), str(book), str(other)]) == 1
    out, err = capsys.readouterr()
    assert err.splitlines()[1] == (
        f"{book}: skipped: open in Excel ({lock} beside it): close it there and run again (Excel's next save would "
        "replace the recalculated values; a lock file left by a crash: delete it)")
    assert book.read_bytes() == before and other.read_bytes() != before
    assert [line.split(":")[0] for line in out.splitlines()] == [str(other), "2 workbook(s)"]
    assert out.splitlines()[-1] == ("2 workbook(s): 1 recalculated and rewritten, 0 already right (unchanged), "
                                    "1 skipped: open in Excel (above)")
    assert main(["recalc", "--check", str(book)]) == 1    # reading it is fine: its stale value is reported
    assert "cell(s) differ" in capsys.readouterr().out


def test_recalc_refuses_a_workbook_made_read_only_and_still_checks_it(generated, tmp_path, capsys, monkeypatch):
    # it was replaced by the recalculated file (the rename needs the folder's permission only), still read-only
    book, other = tmp_path / "locked.xlsx", tmp_path / "open.xlsx"
    for path in (book, other):
        path.write_bytes(generated[0].read_bytes())
        sheet, cell = _final_cell(path)
        write_cached_values(path, {(sheet, cell): 12.34})
    book.chmod(0o444)
    real_access = os.access   # as a user who is not root sees it (root may write any file)
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: real_access(p, mode, **kw) and not (
        mode & os.W_OK and not os.stat(p).st_mode & 0o222))
    before = book.read_bytes()
    assert main(["recalc", str(book), str(other)]) == 3
    out, err = capsys.readouterr()
    assert err.strip() == (f"{book}: skipped: read-only (protected from changes): make it writable to recalculate it, "
                           "or compare only: asm-xl recalc --check")
    assert book.read_bytes() == before and other.read_bytes() != before
    assert out.splitlines()[-1] == "2 workbook(s): 1 recalculated and rewritten, 0 already right (unchanged), " \
                                   "1 skipped: read-only (above)"   # (it said "1 workbook(s)" of two named)
    assert main(["recalc", "--check", str(book)]) == 1    # reading it is fine: its stale value is reported
    assert "cell(s) differ" in capsys.readouterr().out


def test_recalc_says_when_every_cached_value_was_already_right_and_the_file_is_untouched(generated, tmp_path, capsys):
    right, stale = tmp_path / "right.xlsx", tmp_path / "stale.xlsx"
    for path in (right, stale):
        path.write_bytes(generated[0].read_bytes())
    sheet, cell = _final_cell(stale)
    write_cached_values(stale, {(sheet, cell): 12.345})
    before = right.stat().st_mtime_ns
    assert main(["recalc", str(right), str(stale)]) == 0
    lines = capsys.readouterr().out.splitlines()
    cells = lines[1].split()[1]
    assert lines == [f"{right}: {cells} formula cell(s) recalculated; every cached value was already right: the file "
                     "is unchanged", f"{stale}: {cells} formula cell(s) recalculated",
                     "2 workbook(s): 1 recalculated and rewritten, 1 already right (unchanged)"]
    assert right.stat().st_mtime_ns == before and main(["recalc", "--check", str(stale)]) == 0


def test_score_out_writes_names_that_look_like_formulas_as_text(tmp_path):
    import csv
    injection = Path(__file__).parent / "data" / "injection_roster.csv"
    out = tmp_path / "scores.csv"
    assert main(["score", str(injection), "--out", str(out), "--errors", str(tmp_path / "errors.csv")]) in (0, 2)
    with open(out, encoding="utf-8-sig", newline="") as fh:
        names = [r["name"] for r in csv.DictReader(fh)]
    given = read_roster(injection)["name"].tolist()
    assert len(names) >= 3 and set(names) <= {("'" + n if n[:1] in "=+-@" else n) for n in given}
    assert not [n for n in names if n[:1] in "=+-@"]


def test_set_changes_a_setting_for_the_scores_and_the_pool_options_still_choose_the_pool(tmp_path, capsys):
    from asm_xl.cli import build_parser, pool_settings
    from asm_xl.cli.settings_options import OptionError
    from asm_xl.model.cohort import score_cohort
    from asm_xl.model.settings import DEFAULT_SETTINGS
    out = tmp_path / "scores.csv"
    assert main(["score", str(SAMPLE), "--set", "quality_weight=60%", "--set", "payments_growth = 2%",
                 "--out", str(out), "--errors", str(tmp_path / "e.csv")]) == 0
    assert ("settings changed from their defaults: quality_weight 0.6 (default 0.5); payments_growth 0.02 "
            "(default 0.0)") in capsys.readouterr().out   # the console says what the figures rest on
    shown = pd.read_csv(out, dtype={"npi": str}).set_index("npi")["final_score"]
    want = score_cohort(validate_roster(read_roster(SAMPLE)).valid,
                        settings=DEFAULT_SETTINGS.replace(quality_weight=0.6)).scores.set_index("npi")["final_score"]
    assert (shown.round(9) == want.astype(float).round(9).loc[shown.index]).all()
    assert (shown != score_cohort(validate_roster(read_roster(SAMPLE)).valid).scores.set_index("npi")["final_score"]
            .astype(float).loc[shown.index]).any()   # the setting moved the scores

    def chosen(*argv):
        return pool_settings(build_parser().parse_args(["score", "r.csv", *argv]))
    assert chosen("--set", "pool=roster").pool == "roster"
    with pytest.raises(OptionError, match="--pool national and --set pool=roster both give the pool"):
        chosen("--set", "pool=roster", "--pool", "national")   # said twice, differently: which was meant?
    assert chosen("--set", "bound_factors=").bound_factors is True   # blank: the default, as on the sheet
    assert chosen("--set", "Payments-Growth=2%").payments_growth == 0.02
    assert chosen().pool == "national" and chosen("--scaling-factor", "1.5").pool == "given"
    assert chosen("--set", "likely_gain_chance=0.9").likely_gain_chance == 0.9
    by_set = chosen("--set", "given_scaling_factor=1.3")   # a factor implies the given pool, as --scaling-factor
    assert (by_set.pool, by_set.given_scaling_factor) == ("given", 1.3)


@pytest.mark.parametrize("given, said", [
    ("nope=1", "--set: setting: 'nope' is not allowed (one of "),
    ("payments_growth", "--set: 'payments_growth' is not allowed (NAME=VALUE, e.g. --set payments_growth=2%)"),
    ("payments_growth=high", "--set: payments_growth: 'high' is not allowed (a number between -0.5 and 1)"),
])
def test_set_with_a_setting_or_value_not_allowed_is_a_usage_error_naming_it(given, said, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["score", str(SAMPLE), "--set", given])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and said in err and "Traceback" not in err


def test_output_closed_by_the_program_reading_it_is_silent_exit_141(tmp_path):
    # asm-xl score roster.csv | head: the shell's tools stop quietly; no "free disk space" advice
    proc = subprocess.Popen([sys.executable, "-m", "asm_xl.cli", "score", str(SAMPLE), "--errors",
                             str(tmp_path / "e.csv")], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait() == 141 and [line for line in err.splitlines() if not line.startswith("warning: ")] == []


@pytest.mark.parametrize("command", [["score", str(SAMPLE)], ["generate", str(SAMPLE)], ["demo"],
                                     ["from-cms", "participants.csv"], ["check-cms", "roster.csv", "participants.csv"],
                                     ["import-qpp", "roster.csv", "a.json", "--out", "m.csv"]],
                         ids=["score", "generate", "demo", "from-cms", "check-cms", "import-qpp"])
def test_a_year_that_is_no_performance_year_is_the_commands_usage_error(command, capsys):
    # --year 2035 became one roster error per blank performance_year cell, naming the cell and no value
    with pytest.raises(SystemExit) as stop:
        main(command + ["--year", "2035"])
    assert stop.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1].endswith(
        "error: argument --year: '2035' is not allowed (a performance year 2027-2031)")


def test_a_year_option_that_changes_nothing_says_so(tmp_path, capsys):
    assert main(["score", str(SAMPLE), "--year", "2029"]) == 0
    note = ("note: --year 2029 changes nothing: every row of the roster gives its performance year (--year fills "
            "only blank performance_year cells)")
    assert note in capsys.readouterr().out.splitlines()
    blank = tmp_path / "blank_year.csv"
    frame = read_roster(SAMPLE).head(2)
    frame.loc[frame.index[0], "performance_year"] = ""
    frame.to_csv(blank, index=False)
    assert main(["score", str(blank), "--year", "2029"]) == 0
    out = capsys.readouterr().out
    assert "changes nothing" not in out and "HF 2029: national peer model" in " ".join(out.split())  # the row's year


def test_a_missing_template_is_named_by_its_option(tmp_path, capsys):
    assert main(["generate", str(SAMPLE), "--out", str(tmp_path / "out"), "--template", str(tmp_path / "nope.xlsx"),
                 "--quiet"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"asm-xl: --template {tmp_path / 'nope.xlsx'}: no such file (a template .xlsx/.xlsm; without --template, "
        "the packaged one)"]
    assert not (tmp_path / "out").exists()
    assert main(["generate", str(SAMPLE), "--out", str(tmp_path / "out"), "--template", str(tmp_path), "--quiet"]) == 1
    assert capsys.readouterr().err.startswith(f"asm-xl: --template {tmp_path}: a folder, not a file (a template")


def test_generate_never_writes_its_error_report_index_or_dashboard_over_a_file_it_reads(tmp_path, capsys):
    # the roster kept as out/roster_errors.csv was replaced by the error report (md5 changed, exit 2)
    out = tmp_path / "out"
    out.mkdir()
    # (the refusal read "--out out/asm_index.xlsx is out/asm_index.xlsx" where --out was out: it names the file now)
    for name, what in (("roster_errors.csv", "error report"), ("asm_index.xlsx", "index"),
                       ("asm_dashboard.xlsx", "dashboard")):
        roster = out / name
        shutil.copy(BAD, roster)
        before = roster.read_bytes()
        assert main(["generate", str(roster), "--out", str(out), "--quiet"]) == 1
        assert capsys.readouterr().err.splitlines() == [
            f"asm-xl: generate writes its {what} to {roster}, and {roster} is that file, which this command reads: "
            "choose another --out, or move or rename the file (an input is never overwritten)"]
        assert roster.read_bytes() == before and sorted(p.name for p in out.iterdir()) == [name]
        roster.unlink()


def test_generate_keeps_a_users_own_file_named_like_its_error_report_unless_overwrite(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    mine = out / "roster_errors.csv"
    mine.write_text("my notes\n", encoding="utf-8")
    assert main(["generate", str(BAD), "--out", str(out), "--quiet"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"asm-xl: --out {mine} exists and is not an error report asm-xl wrote: choose another --out or add --overwrite"]
    assert mine.read_text(encoding="utf-8") == "my notes\n" and not list(out.glob("*.xlsx"))
    assert main(["generate", str(BAD), "--out", str(out), "--quiet", "--overwrite"]) == 2   # rows rejected
    assert mine.read_text(encoding="utf-8") != "my notes\n"
    capsys.readouterr()


def test_a_workbook_that_is_not_an_asm_xl_template_is_refused_in_one_line(tmp_path, capsys):
    # any other workbook as --template: a KeyError traceback ('CostLadder') from deep in the renderer
    other = tmp_path / "budget.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = 1
    wb.save(other)
    assert main(["generate", str(SAMPLE), "--out", str(tmp_path / "out"), "--template", str(other), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.splitlines() == [
        f"asm-xl: {other} is not an asm-xl template: it has no defined name In_NPI, In_TIN, In_Name (and 31 more); "
        "use the packaged template (no --template) or one written by asm-xl template"]
    assert not list((tmp_path / "out").glob("*.xlsx"))   # no workbook written


def test_score_refuses_out_and_errors_naming_one_file(tmp_path, capsys):
    # `score bad.csv --out roster_errors.csv` said "scores written", then the error report replaced them
    same = tmp_path / "roster_errors.csv"
    assert main(["score", str(BAD), "--out", str(same), "--errors", str(same)]) == 1
    assert not same.exists()
    assert capsys.readouterr().err.splitlines() == [
        f"asm-xl: --out and --errors both name {same}: the error report would replace the scores; choose two files"]


def test_a_bad_year_in_one_workbook_of_a_batch_leaves_the_others_batched_and_prints_no_traceback(
        generated, tmp_path, capsys, monkeypatch, caplog):
    # one workbook with the year 2035 made the batch of ASM_FACTOR_RANGE, ASM_GAIN_CHANCE and ASM_PROJECTION
    # fail for all of them: three tracebacks on the console, every workbook then priced alone
    from asm_xl.excel import range_functions
    alone = []   # the calls priced one by one (outside the batch): (final score, year)
    one = range_functions._priced_one
    monkeypatch.setattr(range_functions, "_priced_one", lambda kind, *a: (alone.append(a[:2]), one(kind, *a))[1])
    books = [Path(shutil.copy(g, tmp_path / f"b{i}.xlsx")) for i, g in enumerate(generated)]
    wb = openpyxl.load_workbook(books[0])
    (sheet, ref), = wb.defined_names["In_Year"].destinations
    wb[sheet][ref.replace("$", "")] = 2035
    wb.save(books[0])
    range_functions.PRICED_MEMO.clear()
    assert main(["recalc", *map(str, books)]) == 0
    err = capsys.readouterr().err
    assert "Traceback" not in err and "batch failed" not in err
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []   # nothing logged to the console
    assert f"{books[0]}: warning: " in err and "#NUM!" in err and str(books[1]) not in err
    # priced alone: the bad workbook's calls, and the Scenarios sheet's curve (scores 0, 5, ... 100: a spilled call,
    # computed cell by cell by design); the good workbook's own final score was priced in the batch
    assert any(year == 2035 for _, year in alone)
    assert {f for f, year in alone if year != 2035} <= {float(x) for x in range(0, 101, 5)}
    assert main(["recalc", "--check", str(books[1])]) == 0


def test_the_score_table_shows_tin_only_for_a_roster_of_several_not_for_blanks():
    import pandas as pd

    from asm_xl.cli.summaries import score_table
    base = {"npi": ["1", "2", "3"], "name": ["A", "B", "C"], "cohort": "HF", "performance_year": 2027,
            "final_score": [50.0, 60.0, 70.0], "factor": 0.01, "dollar_impact": 100.0, "dollars_p10": 1.0,
            "dollars_p50": 2.0, "dollars_p90": 3.0, "p_gain": 0.5, "note": "", "exception": False}
    one = score_table(pd.DataFrame({**base, "tin": ["12-3456789", "", "123456789"]}))
    assert one.splitlines()[0].split()[:2] == ["NPI", "Physician"]   # one TIN, typed two ways, and a blank
    two = score_table(pd.DataFrame({**base, "tin": ["12-3456789", "98-7654321", ""]}))
    assert two.splitlines()[0].split()[:3] == ["NPI", "TIN", "Physician"]


def test_score_and_plan_show_a_rosters_control_characters_escaped_and_long_names_cut(tmp_path, capsys):
    # an ESC sequence recoloured the terminal, a right-to-left override reversed the line, and a 5,000-
    # character name padded every row of the table to 5,000 columns
    import csv
    rows = list(csv.reader(SAMPLE.read_text(encoding="utf-8-sig").splitlines()))[:5]
    col = rows[0].index("name")
    rows[1][col], rows[2][col], rows[3][col] = "\x1b[31mred", "\u202eevil", "N" * 5000
    roster = tmp_path / "hostile.csv"
    with open(roster, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    for command in (["score", str(roster), "--errors", str(tmp_path / "e.csv")], ["plan", str(roster)]):
        main(command)
        out = capsys.readouterr().out
        assert "\x1b" not in out and "\u202e" not in out and max(map(len, out.splitlines())) < 400
    main(["score", str(roster), "--errors", str(tmp_path / "e.csv")])
    out = capsys.readouterr().out
    assert "\\x1b[31mred" in out and "\\u202eevil" in out and "N" * 57 + "..." in out


def test_a_roster_of_the_required_columns_only_says_why_every_score_is_0_naming_each_physician(tmp_path, capsys):
    # no measure: the minimum data submission is missed (README says so); without names the why-line read
    # "   (1891394078): ..."
    df = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False).head(2)
    required = ["npi", "specialty", "performance_year", "practice_size", "part_b_payments", "pi_score"]
    df[required].to_csv(tmp_path / "req.csv", index=False)
    assert main(["score", str(tmp_path / "req.csv")]) == 0
    out = capsys.readouterr().out.splitlines()
    why = out[out.index("why:") + 1:out.index("why:") + 3]
    assert why == [f"  NPI {npi}: Minimum data submission not met: final score 0 [CMS]." for npi in df["npi"]]


def test_recalc_of_paths_the_system_refuses_says_each_and_goes_on_with_the_batch(generated, tmp_path, capsys):
    # a part of the path that is a file, a name too long, a loop of links: file_stamp raised before the
    # per-file handling and the whole batch stopped as "cannot write", exit 3
    (tmp_path / "a_file").write_text("not a folder")
    (tmp_path / "loop1").symlink_to(tmp_path / "loop2")
    (tmp_path / "loop2").symlink_to(tmp_path / "loop1")
    good = tmp_path / "good.xlsx"
    good.write_bytes(generated[1].read_bytes())
    refused = [tmp_path / "a_file" / "x.xlsx", tmp_path / ("n" * 300 + ".xlsx"), tmp_path / "loop1"]
    assert main(["recalc", *map(str, refused), str(good)]) == 1
    out, err = capsys.readouterr()
    assert err.splitlines() == [f"{refused[0]}: cannot read: Not a directory; nothing was written",
                                f"{refused[1]}: cannot read: File name too long; nothing was written",
                                f"{refused[2]}: cannot read: Too many levels of symbolic links; nothing was written"]
    assert f"{good}: " in out and "4 workbook(s):" in out and "3 not done (above)" in out


def test_recalc_that_cannot_replace_one_workbook_says_so_goes_on_and_exits_3(generated, tmp_path, capsys, monkeypatch):
    from asm_xl.xlsx.scan import scan_workbook
    stale = []
    for src in generated[:2]:
        stale.append(tmp_path / src.name)
        stale[-1].write_bytes(src.read_bytes())
        write_cached_values(stale[-1], {key: None for key in scan_workbook(stale[-1]).formulas})
    before = stale[0].read_bytes()
    real_replace = os.replace

    def denied(src, dst, *a, **k):   # Windows refuses to replace a file another program holds
        if Path(dst) == stale[0]:
            raise PermissionError(13, "Permission denied", str(dst))
        return real_replace(src, dst, *a, **k)

    monkeypatch.setattr(os, "replace", denied)
    assert main(["recalc", *map(str, stale)]) == 3
    out, err = capsys.readouterr()
    assert err.splitlines() == [f"asm-xl: cannot write {stale[0]}: Permission denied (make the folder writable); "
                                "nothing was left half-written"]
    assert "2 workbook(s): 1 recalculated and rewritten, 0 already right (unchanged), 1 not done (above)" in out
    assert stale[0].read_bytes() == before and [p.name for p in tmp_path.iterdir() if ".tmp" in p.name] == []
    monkeypatch.setattr(os, "replace", real_replace)
    assert main(["recalc", "--check", str(stale[1])]) == 0


def test_a_dtd_a_reader_refuses_past_the_package_check_is_a_refused_workbook_exit_1(generated):
    from defusedxml import DTDForbidden, EntitiesForbidden

    from asm_xl.cli.recalc_command import recalc_failure
    for refusal in (DTDForbidden("x", None, None), EntitiesForbidden("lol", None, None, None, None, None)):
        line, code = recalc_failure(generated[0], refusal)
        assert code == 1 and line == (f"{generated[0]}: workbook refused: {generated[0]} declares a DTD or entities "
                                      "(possible XML attack; Excel never writes them); the file is left untouched")


def test_a_roster_without_performance_years_is_told_of_the_year_option_and_scores_with_it(tmp_path, capsys):
    rows = list(csv.reader(SAMPLE.read_text(encoding="utf-8-sig").splitlines()))
    at = rows[0].index("performance_year")
    path = tmp_path / "no_year.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([r[:at] + r[at + 1:] for r in rows[:4]])
    assert main(["score", str(path), "--out", str(tmp_path / "s.csv")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert "  the roster leaves performance_year blank: give it with --year YEAR (e.g. --year 2027)" in err
    assert f"no physician scored: {tmp_path / 's.csv'} not written" in err and not (tmp_path / "s.csv").exists()
    assert main(["score", str(path), "--year", "2028", "--out", str(tmp_path / "s.csv")]) == 0
    assert pd.read_csv(tmp_path / "s.csv")["performance_year"].tolist() == [2028, 2028, 2028]


@pytest.mark.parametrize("engine", ["auto", "formulas"])
def test_a_dde_link_is_named_as_a_link_to_another_program_never_run(tmp_path, capsys, engine):
    book = openpyxl.Workbook()
    book.active["A1"], book.active["B1"] = 1, "=cmd|' /C calc'!A0"
    path = tmp_path / "dde.xlsx"
    book.save(path)
    before = path.read_bytes()
    assert main(["recalc", "--engine", engine, str(path)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"{path}: could not recalculate: =cmd|' /C calc'!A0 links to another program (a DDE link, which asm-xl never "
        "runs: remove it, or recalculate in Excel); the file is left untouched"]
    assert path.read_bytes() == before


@pytest.mark.parametrize("command, own, others", [
    ("generate", "the index or the dashboard is open in Excel", "recalc --check"),
    ("demo", "nothing priced (every workbook kept and stale", "plan --npi"),
    ("score", "roster rows rejected (the error report lists them", "recalc --check"),
    ("recalc", "--check found values that differ", "score --out"),
    ("template", "the file exists (--overwrite replaces it)", "roster rows"),
])
def test_each_command_help_gives_its_own_exit_codes(command, own, others, capsys):
    with pytest.raises(SystemExit) as e:
        main([command, "--help"])
    assert e.value.code == 0
    text = " ".join(capsys.readouterr().out.split())   # argparse wraps the epilog
    assert own in text and others not in text


def test_score_says_a_planning_setting_changes_nothing_it_shows(tmp_path, capsys):
    errors = str(tmp_path / "errors.csv")
    assert main(["score", str(SAMPLE), "--set", "payments_growth=2%", "--errors", errors]) == 0
    out = capsys.readouterr().out
    # (it said plan used it, and plan's figures are the same with or without it)
    assert ("note: payments_growth changes nothing score shows (used by the five-year view of generate's Actions "
            "sheets and dashboard)") in out
    assert main(["score", str(SAMPLE), "--set", "tfs_midpoint=55", "--errors", errors]) == 0
    assert "changes nothing" not in capsys.readouterr().out


def test_plan_says_which_settings_and_pool_its_figures_rest_on(tmp_path, capsys):
    errors = str(tmp_path / "errors.csv")
    args = ["plan", str(SAMPLE), "--errors", errors, "--npi", "1891394078"]
    assert main(args + ["--scaling-factor", "1.3", "--midpoint", "55", "--set", "payments_growth=2%",
                        "--set", "action_effort_pi=3"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert ("settings changed from their defaults: pool given (default national); given_scaling_factor 1.3 (default "
            "None); given_midpoint 55.0 (default None); payments_growth 0.02 (default 0.0); action_effort_pi 3.0 "
            "(default 1.0)") in out
    # the planning setting plan uses is not called unused; the one it does not use is
    assert ("note: payments_growth changes nothing plan shows (used by the five-year view of generate's Actions "
            "sheets and dashboard)") in out and "action_effort_pi changes nothing" not in out
    assert "Pool: given (HF 2027: given: scaling factor 1.3 (given_scaling_factor), midpoint 55 (given_midpoint)" in out
    assert main(args) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "settings changed" not in out and "national peer model" in out
    # the target chance is plan's only with --target gain
    assert main(args + ["--set", "gain_chance_target=0.9"]) == 0
    assert "note: gain_chance_target changes nothing plan shows" in " ".join(capsys.readouterr().out.split())
    assert main(args + ["--set", "gain_chance_target=0.9", "--target", "gain"]) == 0
    assert "changes nothing" not in capsys.readouterr().out
