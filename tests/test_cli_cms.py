"""asm-xl from-cms and check-cms: a roster started from CMS's participants file, and a roster screened against it."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from cms_files import RECONSTRUCTED, cms_row, npi, write_cms_csv
from asm_xl.cli import main
from asm_xl.roster import read_roster


def _raw_rows() -> list[dict]:
    with open(RECONSTRUCTED, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_from_cms_writes_a_roster_of_the_organization_and_says_what_to_fill(tmp_path, capsys):
    out = tmp_path / "roster.csv"
    code = main(["from-cms", str(RECONSTRUCTED), "--organization", "healthtexas", "--state", "tx", "--out", str(out)])
    printed = capsys.readouterr()
    want = [r for r in _raw_rows() if "healthtexas" in r["ORGANIZATION_LEGAL_NAME"].lower() and r["STATE"] == "TX"]
    hf = sum(r["ASM_COHORT"] == "Heart Failure" for r in want)
    assert code == 0 and printed.err == ""
    assert f"roster written: {out} ({len(want)} physician(s): {hf} HF, {len(want) - hf} LBP; performance year 2027)" \
        in printed.out
    # CMS's small-practice flag is filled: the size is needed only to tell a solo physician's +15
    assert "next: fill part_b_payments, pi_score for every physician (required)" in printed.out
    assert "practice_size (CMS's small-practice flag decides the bonus, the size only tells a solo physician's" \
        in printed.out
    assert f"Then: asm-xl generate {out}" in printed.out
    roster = read_roster(out)
    assert sorted(roster["npi"]) == sorted(r["NPI"] for r in want)
    assert set(roster["tin"]) == {""} and set(roster["performance_year"]) == {"2027"}


def test_from_cms_npis_by_list_and_the_ones_not_on_the_list_are_named(tmp_path, capsys):
    rows = _raw_rows()
    out = tmp_path / "r.csv"
    code = main(["from-cms", str(RECONSTRUCTED), "--npi", f"{rows[0]['NPI']},{npi(123_456_780)}",
                 "--npi", rows[1]["NPI"], "--year", "2028", "--out", str(out)])
    printed = capsys.readouterr()
    assert code == 0
    assert sorted(read_roster(out)["npi"]) == sorted([rows[0]["NPI"], rows[1]["NPI"]])
    assert f"warning: not on CMS's list: {npi(123_456_780)}" in printed.err
    assert "note: CMS's file does not say yet whether 2 physician(s) participate in 2028" in printed.out


def test_from_cms_keeps_an_existing_roster_unless_overwrite(tmp_path, capsys):
    out = tmp_path / "roster.csv"
    out.write_text("my filled roster", encoding="utf-8")
    args = ["from-cms", str(RECONSTRUCTED), "--state", "NJ", "--out", str(out)]
    assert main(args) == 1
    assert "exists (it may hold inputs you filled)" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == "my filled roster"
    assert main(args + ["--overwrite"]) == 0
    assert len(read_roster(out)) == sum(r["STATE"] == "NJ" for r in _raw_rows())


def test_from_cms_with_no_match_or_a_bad_file_is_one_line_and_no_file(tmp_path, capsys):
    out = tmp_path / "roster.csv"
    assert main(["from-cms", str(RECONSTRUCTED), "--organization", "no such clinic", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("asm-xl: no physician on CMS's list matches organization containing 'no such clinic'")
    assert "Traceback" not in err and not out.exists()
    bad = write_cms_csv(tmp_path / "bad.csv", [cms_row(npi(500_000_001), cy27_smallpractice="Maybe")])
    assert main(["from-cms", str(bad), "--out", str(out)]) == 1
    assert "row 2, ASM_CY27_SMALLPRACTICE 'Maybe': must be Yes, No or blank" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stop:   # a usage error, as --year of every command
        main(["from-cms", str(RECONSTRUCTED), "--year", "2026", "--out", str(out)])
    assert stop.value.code == 2
    assert "argument --year: '2026' is not allowed (a performance year 2027-2031)" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == [bad]


def test_check_cms_writes_warnings_like_the_error_report_and_exits_2(tmp_path, capsys):
    a, b = npi(500_000_010), npi(500_000_011)
    cms = write_cms_csv(tmp_path / "cms.csv", [cms_row(a, cy27_smallpractice="Yes"), cms_row(b)])
    roster = tmp_path / "roster.csv"
    roster.write_text(f"npi,name,cohort,small_practice\n{a},\"Lee, Ann\",LBP,yes\n{b},\"Lee, Bo\",HF,no\n"
                      f"{npi(500_000_012)},\"Kim, Al\",HF,no\n", encoding="utf-8")
    report = tmp_path / "w.csv"
    assert main(["check-cms", str(roster), str(cms), "--out", str(report)]) == 2
    printed = capsys.readouterr().out
    assert "2 of 3 roster row(s) differ from CMS's list (2 warnings; nothing rejected):" in printed
    assert f"warnings report: {report}" in printed
    lines = report.read_text(encoding="utf-8-sig").splitlines()
    assert lines == ["row,npi,name,column,value,reason",
                     f"2,{a},\"Lee, Ann\",cohort,LBP,cohort differs from CMS's (CMS: HF)",
                     f"4,{npi(500_000_012)},\"Kim, Al\",npi,{npi(500_000_012)},not on CMS's list for 2027"]


def test_check_cms_of_an_agreeing_roster_exits_0_without_a_report(tmp_path, capsys):
    roster = tmp_path / "roster.csv"
    assert main(["from-cms", str(RECONSTRUCTED), "--state", "AK", "--out", str(roster)]) == 0
    report = tmp_path / "w.csv"
    assert main(["check-cms", str(roster), str(RECONSTRUCTED), "--out", str(report)]) == 0
    assert "agree with CMS's list: no warning." in capsys.readouterr().out
    assert not report.exists()


def test_check_cms_with_an_unreadable_roster_exits_1(tmp_path, capsys):
    assert main(["check-cms", str(tmp_path / "none.csv"), str(RECONSTRUCTED)]) == 1
    assert capsys.readouterr().err.startswith("asm-xl: roster file not found")


def _lbp_where_cms_says_hf(tmp_path, number: int):
    """(NPI, roster, report path, check-cms arguments): one physician the roster puts in LBP, CMS in HF."""
    a = npi(number)
    cms = write_cms_csv(tmp_path / "cms.csv", [cms_row(a)])
    roster = tmp_path / "roster.csv"
    roster.write_text(f"npi,name,cohort\n{a},\"Lee, Ann\",LBP\n", encoding="utf-8")
    report = tmp_path / "w.csv"
    return a, roster, report, ["check-cms", str(roster), str(cms), "--out", str(report)]


def test_check_cms_replaces_its_own_report_and_removes_it_when_nothing_differs(tmp_path, capsys):
    # a clean check left the last run's 30 warnings (of another roster) beside "no warning", exit 0; and a
    # re-check after fixing the roster was refused until --overwrite
    a, roster, report, args = _lbp_where_cms_says_hf(tmp_path, 500_000_030)
    assert main(args) == 2 and main(args) == 2   # the second run replaces the first one's report
    assert report.read_text(encoding="utf-8-sig").splitlines()[1] == \
        f"2,{a},\"Lee, Ann\",cohort,LBP,cohort differs from CMS's (CMS: HF)"
    roster.write_text(f"npi,name,cohort,small_practice\n{a},\"Lee, Ann\",HF,no\n", encoding="utf-8")   # fixed
    capsys.readouterr()
    assert main(args) == 0
    assert "agree with CMS's list: no warning." in capsys.readouterr().out and not report.exists()


def test_check_cms_keeps_an_existing_file_that_is_not_its_report_unless_overwrite(tmp_path, capsys):
    a, roster, report, args = _lbp_where_cms_says_hf(tmp_path, 500_000_020)
    report.write_text("my notes", encoding="utf-8")
    assert main(args) == 1
    printed = capsys.readouterr()
    assert printed.err == (f"asm-xl: --out {report} exists and is not an error report asm-xl wrote: "
                           "choose another --out or add --overwrite\n")
    assert printed.out == "" and report.read_text(encoding="utf-8") == "my notes"
    assert main(args + ["--overwrite"]) == 2
    assert report.read_text(encoding="utf-8-sig").splitlines()[1] == \
        f"2,{a},\"Lee, Ann\",cohort,LBP,cohort differs from CMS's (CMS: HF)"
    assert "--overwrite" in _help_text("check-cms")


def _help_text(command: str) -> str:
    """The command's --help text."""
    import contextlib
    import io
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf), contextlib.suppress(SystemExit):
        main([command, "--help"])
    return buf.getvalue()


@pytest.mark.parametrize("command", ["from-cms", "check-cms"])
def test_cms_commands_write_csv_only_under_a_csv_name(command, tmp_path, capsys):
    # `from-cms ... --out fc.xlsx` wrote CSV text as fc.xlsx, then failed reading it back
    out = tmp_path / "out.xlsx"
    roster = tmp_path / "roster.csv"
    roster.write_text("npi,name\n", encoding="utf-8")
    args = [command, str(RECONSTRUCTED)] if command == "from-cms" else [command, str(roster), str(RECONSTRUCTED)]
    assert main(args + ["--out", str(out)]) == 1
    assert not out.exists()
    assert capsys.readouterr().err.splitlines() == [
        f"asm-xl: --out {out}: {'the roster' if command == 'from-cms' else 'the warnings report'} is written as "
        "CSV; name it .csv"]


@pytest.mark.parametrize("option, value", [("--organization", "  "), ("--npi", ""), ("--npi", ","), ("--state", " ")])
def test_from_cms_refuses_a_blank_filter_instead_of_exporting_the_national_list(option, value, tmp_path, capsys):
    # an unset shell variable ("--organization $ORG") exported all 6,510 physicians as the practice's roster
    out = tmp_path / "roster.csv"
    with pytest.raises(SystemExit) as stop:
        main(["from-cms", str(RECONSTRUCTED), option, value, "--out", str(out)])
    assert stop.value.code == 2 and not out.exists()
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"asm-xl from-cms: error: argument {option}: is blank: give the text to match, or leave the option out")


def test_from_cms_refuses_a_malformed_npi_as_a_wrong_option(tmp_path, capsys):
    # a typo in --npi is a usage error, as a blank filter is (exit 2, nothing written); it was exit 1 ("could not read")
    out = tmp_path / "roster.csv"
    with pytest.raises(SystemExit) as stop:
        main(["from-cms", str(RECONSTRUCTED), "--npi", "1891394078,1234567890", "--out", str(out)])
    assert stop.value.code == 2 and not out.exists()
    assert capsys.readouterr().err.splitlines()[-1] == (
        "asm-xl from-cms: error: argument --npi: '1234567890' is not allowed (NPI check digit does not match: the 10th "
        "digit must be the Luhn check digit over 80840 + the first 9 digits (a typo?))")


SAMPLE_ROSTER = Path(__file__).resolve().parents[1] / "asm_xl" / "roster" / "data" / "sample_roster.csv"


def test_score_gives_a_physician_cms_lists_as_not_participating_no_adjustment_as_generate_does(tmp_path, capsys):
    # score had no --cms-participants: O'Brien showed his dollars where the index, dashboard and plan showed $0
    import pandas as pd
    npis = pd.read_csv(SAMPLE_ROSTER, dtype=str)["npi"].str.strip()
    cms = write_cms_csv(tmp_path / "cms.csv", [cms_row(n, cy27_participant="No" if n == "1436863751" else "Yes")
                                               for n in npis])
    errors = str(tmp_path / "errors.csv")
    plain, applied = tmp_path / "plain.csv", tmp_path / "cms.csv.out.csv"
    assert main(["score", str(SAMPLE_ROSTER), "--out", str(plain), "--errors", errors]) == 0
    assert main(["score", str(SAMPLE_ROSTER), "--out", str(applied), "--errors", errors, "--cms-participants",
                 str(cms)]) == 0
    out = capsys.readouterr().out
    assert ("not participating in their performance year (CMS's participants file; no adjustment, $0): "
            "O'Brien, Siobhan (NPI 1436863751)") in out
    before = pd.read_csv(plain, dtype={"npi": str}).set_index("npi")
    after = pd.read_csv(applied, dtype={"npi": str}).set_index("npi")
    assert before.loc["1436863751", "dollar_impact"] < 0
    for col in ("factor", "dollar_impact", "dollars_p10", "dollars_p50", "dollars_p90", "p_gain"):
        assert after.loc["1436863751", col] == 0.0, col
    assert after.loc["1436863751", "final_score"] == before.loc["1436863751", "final_score"]   # still scored
    assert after.loc["1436863751", "note"].endswith("Not participating in this performance year (CMS's participants "
                                                    "file): no ASM adjustment.")
    assert not after.loc["1436863751", "cms_participating"] and after["cms_participating"].sum() == len(after) - 1
    # as an exception's row: multiplier 1 and every factor percentile 0 (they kept his real ones)
    assert after.loc["1436863751", "multiplier"] == 1.0
    assert after.loc["1436863751", "factor_p10"] == after.loc["1436863751", "factor_p90"] == 0.0
    others = after.drop(index="1436863751")
    pd.testing.assert_series_equal(others["dollar_impact"], before.drop(index="1436863751")["dollar_impact"])
    # out of the roster ranks, as generate's index leaves him out: the other 11 HF physicians ranked again
    assert pd.isna(after.loc["1436863751", "rank_in_roster_cohort"])
    assert pd.isna(after.loc["1436863751", "percentile_in_roster_cohort"])
    hf = after[(after["cohort"] == "HF") & after["cms_participating"]]
    assert set(hf["roster_cohort_size"]) == {11} and sorted(hf["rank_in_roster_cohort"]) == list(range(1, 12))
    assert hf["percentile_in_roster_cohort"].between(0, 100).all()


def test_score_never_writes_its_scores_over_the_cms_file_it_reads(tmp_path, capsys):
    import pandas as pd
    npis = pd.read_csv(SAMPLE_ROSTER, dtype=str)["npi"].str.strip()
    cms = write_cms_csv(tmp_path / "cms.csv", [cms_row(n) for n in npis])
    before = cms.read_bytes()
    for command in ("score", "plan"):
        assert main([command, str(SAMPLE_ROSTER), "--cms-participants", str(cms), "--out", str(cms), "--overwrite",
                     "--errors", str(tmp_path / "e.csv")]) == 1
        assert cms.read_bytes() == before
        assert "which this command reads: choose another file (an input is never overwritten)" in capsys.readouterr().err


def test_from_cms_says_how_many_physicians_need_a_column_only_some_do(tmp_path, capsys):
    # one physician without CMS's small-practice flag needs practice_size; "for every physician" said all three did
    cms = write_cms_csv(tmp_path / "cms.csv", [cms_row(npi(1)), cms_row(npi(2)), cms_row(npi(3), cy27_smallpractice="")])
    assert main(["from-cms", str(cms), "--out", str(tmp_path / "roster.csv")]) == 0
    assert ("next: fill part_b_payments, pi_score for every physician and practice_size for 1 of the 3 physicians "
            "(required)") in capsys.readouterr().out


def test_from_cms_gives_q492_its_points_and_rate_columns_not_counts(tmp_path):
    # Q492 is computed by CMS from administrative claims: eligible/reported counts mean nothing for it, and its
    # points from CMS's report are the preferred input (README), for which there was no column
    cms = write_cms_csv(tmp_path / "cms.csv", [cms_row(npi(1))])
    out = tmp_path / "roster.csv"
    assert main(["from-cms", str(cms), "--out", str(out)]) == 0
    header = read_roster(out).columns.tolist()
    assert [c for c in header if c.startswith("q492_")] == ["q492_rate", "q492_points"]
    assert {"q008_collection_type", "q008_eligible", "q008_reported", "q008_rate"} <= set(header)
