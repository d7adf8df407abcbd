"""The roster's error report (asm_xl.roster.report): the rule generate and score share."""
from __future__ import annotations

import pandas as pd

from asm_xl.roster import ROSTER_ERROR_COLUMNS, report_rejected_rows


def test_rejected_rows_are_written_and_a_clean_run_removes_the_earlier_report(tmp_path):
    path = tmp_path / "roster_errors.csv"
    errors = pd.DataFrame([[3, "1234567893", "Okafor", "npi", "123", "must be 10 digits"]],
                          columns=ROSTER_ERROR_COLUMNS)
    assert report_rejected_rows(errors, path) == path
    assert path.read_text(encoding="utf-8-sig").splitlines()[1] == "3,1234567893,Okafor,npi,123,must be 10 digits"
    assert report_rejected_rows(errors.iloc[0:0], path) is None
    assert not path.exists()
    assert report_rejected_rows(errors.iloc[0:0], path) is None  # nothing to remove: nothing happens


def test_a_table_written_for_a_spreadsheet_keeps_roster_text_from_becoming_a_formula(tmp_path):
    import csv

    from asm_xl.roster import write_table_csv
    frame = pd.DataFrame({"name": ['=HYPERLINK("http://x","y")', "+1-555-0100", "@SUM(A1)", "-2+3", "Dubois, Céline"],
                          "tin": ["12-3456789", "-7", "+12", None, "1e-3"],
                          "dollar_impact": [-21724.18, 0.0, 15000.5, -0.25, float("nan")]})
    frame["=cmd"] = 1
    path = write_table_csv(frame, tmp_path / "scores.csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")   # UTF-8 with BOM: Excel shows the accent
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["name", "tin", "dollar_impact", "'=cmd"]
    assert [r[0] for r in rows[1:]] == ["'=HYPERLINK(\"http://x\",\"y\")", "'+1-555-0100", "'@SUM(A1)", "'-2+3",
                                        "Dubois, Céline"]
    assert [r[1] for r in rows[1:]] == ["12-3456789", "-7", "+12", "", "1e-3"]   # plain numbers as they are
    assert [r[2] for r in rows[1:]] == ["-21724.18", "0.0", "15000.5", "-0.25", ""]
    assert list(tmp_path.iterdir()) == [path]   # no temporary file left


def test_a_roster_asm_xl_wrote_with_escaped_text_reads_back_as_it_was(tmp_path):
    # import-qpp and from-cms write rosters meant to be read again: the ' that keeps "=Smith" from running
    # as a formula in a spreadsheet is not part of the name
    from asm_xl.roster import read_roster, write_table_csv
    names = ['=HYPERLINK("http://x","y")', "+1-555-0100", "@SUM(A1)", "-2+3", "'quoted'", "O'Brien"]
    path = write_table_csv(pd.DataFrame({"npi": ["1"] * len(names), "name": names}), tmp_path / "roster.csv")
    assert read_roster(path)["name"].tolist() == names


def test_a_file_that_is_not_an_error_report_is_never_removed(tmp_path):
    from asm_xl.roster.report import is_error_report, report_rejected_rows
    roster = tmp_path / "roster.csv"
    roster.write_text("npi,name\n1891394078,Okafor\n", encoding="utf-8")
    assert not is_error_report(roster) and not is_error_report(tmp_path / "missing.csv")
    assert report_rejected_rows(pd.DataFrame(columns=ROSTER_ERROR_COLUMNS), roster) is None
    assert roster.exists()
    errors = pd.DataFrame([[2, "1", "x", "npi", "1", "too short"]], columns=ROSTER_ERROR_COLUMNS)
    report = report_rejected_rows(errors, tmp_path / "e.csv")
    assert is_error_report(report)
    assert report_rejected_rows(errors.iloc[:0], report) is None and not report.exists()


def test_a_negative_zero_is_written_as_zero_in_a_table_for_a_spreadsheet(tmp_path):
    # a physician who did both activities: IA adjustment -10 x (2 - 2) = -0.0 in IEEE arithmetic; a finance
    # analyst reads "-0.0" as a penalty of some kind, so the table says 0.0 (the kernels keep their bits)
    import csv

    from asm_xl.roster import write_table_csv
    frame = pd.DataFrame({"ia_adjustment": [-10.0 * (2 - 2), -10.0, 0.0],
                          "note": [-0.0, "text", None]})
    assert str(frame["ia_adjustment"][0]) == "-0.0"   # what the arithmetic gives
    path = write_table_csv(frame, tmp_path / "scores.csv")
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert [r[0] for r in rows[1:]] == ["0.0", "-10.0", "0.0"]
    assert [r[1] for r in rows[1:]] == ["0.0", "text", ""]
