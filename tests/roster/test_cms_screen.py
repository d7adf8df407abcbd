"""The eligibility screen: a roster checked against CMS's participants file, warnings in the error report's style."""

from __future__ import annotations

import pandas as pd
import pytest

from cms_files import RECONSTRUCTED, cms_row, npi, write_cms_csv
from asm_xl.model.identifiers import npi_problem
from asm_xl.roster import ROSTER_ERROR_COLUMNS, read_roster, write_error_report
from asm_xl.roster.cms_participants import CMSParticipantsError, read_cms_participants
from asm_xl.roster.cms_roster import roster_from_cms, write_cms_roster
from asm_xl.roster.cms_screen import check_roster_against_cms, summarize_cms_warnings

HF, LBP, NOT_2027, SPLIT, ABSENT = (npi(400_000_000 + k) for k in range(1, 6))


@pytest.fixture()
def cms(tmp_path) -> pd.DataFrame:
    return read_cms_participants(write_cms_csv(tmp_path / "cms.csv", [
        cms_row(HF, cy27_smallpractice="Yes", cy28_participant="Yes", cy28_smallpractice="No"),
        cms_row(LBP, cohort="Low Back Pain", cy27_smallpractice="No"),
        cms_row(NOT_2027, cy27_participant="No", cy27_smallpractice=""),
        cms_row(SPLIT, org="North PA", cy27_smallpractice="Yes"),
        cms_row(SPLIT, org="South LLC", cy27_smallpractice="No")]))


def _roster(tmp_path, text: str) -> pd.DataFrame:
    path = tmp_path / "roster.csv"
    path.write_text(text, encoding="utf-8")
    return read_roster(path)


def _warnings(w: pd.DataFrame) -> list[tuple]:
    return [tuple(r) for r in w[["row", "npi", "column", "reason"]].itertuples(index=False)]


def test_each_kind_of_disagreement_is_one_warning_on_its_cell(cms, tmp_path):
    roster = _roster(tmp_path, "npi,name,cohort,specialty,performance_year,small_practice,practice_size\n"
                               f"{HF},Agrees,HF,,2027,yes,3\n"
                               f"{ABSENT},Absent,HF,,2027,,\n"
                               f"{NOT_2027},Out,HF,,,,\n"
                               f"{LBP},Wrong cohort,HF,,2027,no,\n"
                               f"{LBP},Wrong specialty,,Cardiology,2027,no,\n"
                               f"{HF},Flag differs,HF,,2027,no,\n"
                               f"{HF},Size says no,HF,,2027,,40\n"
                               f"{HF},Size agrees,HF,,2027,,1\n"
                               f"{LBP},Nothing given,LBP,,2027,,\n"
                               f"{HF},Next year,HF,,2028,yes,\n"
                               f"{SPLIT},Two orgs,HF,,2027,no,\n"
                               "1234567890,Bad NPI,HF,,2027,,\n"
                               ",No NPI,HF,,2027,,\n"
                               f"{HF},Year 2035,HF,,2035,yes,\n")
    w = check_roster_against_cms(roster, cms, 2027)
    assert list(w.columns) == ROSTER_ERROR_COLUMNS
    assert _warnings(w) == [
        (3, ABSENT, "npi", "not on CMS's list for 2027"),
        (4, NOT_2027, "npi", "on CMS's list but not a participant in 2027"),
        (5, LBP, "cohort", "cohort differs from CMS's (CMS: LBP)"),
        (6, LBP, "specialty", "cohort differs from CMS's (CMS: LBP)"),
        (7, HF, "small_practice", "small-practice flag differs (CMS: yes)"),
        (8, HF, "practice_size", "small-practice flag differs (CMS: yes; practice_size 40 means no): "
                                 "fill small_practice with CMS's flag"),
        (10, LBP, "small_practice", "small-practice flag not given (CMS: no)"),
        (11, HF, "small_practice", "small-practice flag differs (CMS: no)"),  # 2028's flag, from the row's year
        # rows that cannot be checked say so (they were counted among those that agree)
        (13, "1234567890", "npi", f"not checked against CMS's list: {npi_problem('1234567890')}"),
        (14, "", "npi", "not checked against CMS's list: no NPI"),
        (15, HF, "performance_year", "not checked against CMS's list: not a performance year (2027-2031)"),
    ]
    assert w.loc[0, ["name", "value"]].tolist() == ["Absent", ABSENT]
    assert w.loc[2, "value"] == "HF" and w.loc[4, "value"] == "no" and w.loc[5, "value"] == "40"


def test_the_years_participation_not_yet_published_is_a_warning(cms, tmp_path):
    roster = _roster(tmp_path, f"npi,cohort,small_practice\n{LBP},LBP,no\n")
    assert _warnings(check_roster_against_cms(roster, cms, 2029)) == [
        (2, LBP, "npi", "CMS has not published participation for 2029 yet")]
    assert check_roster_against_cms(roster, cms, 2027).empty


def test_a_roster_started_from_cms_agrees_with_cms(tmp_path):
    cms = read_cms_participants(RECONSTRUCTED)
    path = write_cms_roster(roster_from_cms(cms, state="GA"), tmp_path / "ga.csv")
    assert check_roster_against_cms(read_roster(path), cms).empty


def test_warnings_are_written_by_the_error_report_writer_and_summarized(cms, tmp_path):
    roster = _roster(tmp_path, f"npi,name,cohort\n{ABSENT},\"=HYPERLINK(\"\"x\"\")\",HF\n{LBP},Lee,HF\n{HF},Ok,HF\n")
    w = check_roster_against_cms(roster, cms)
    text = write_error_report(w, tmp_path / "w.csv").read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == "row,npi,name,column,value,reason"
    assert f"2,{ABSENT},\"'=HYPERLINK(\"\"x\"\")\",npi,{ABSENT},not on CMS's list for 2027" in text
    summary = summarize_cms_warnings(w, len(roster))
    assert summary.splitlines() == [
        "3 of 3 roster row(s) differ from CMS's list (4 warnings; nothing rejected):",
        "      2 x small-practice flag not given",  # rows 3 (CMS: no) and 4 (CMS: yes)
        "      1 x cohort differs from CMS's",
        "      1 x not on CMS's list for 2027"]


def test_a_roster_that_agrees_is_summarized_as_such():
    empty = pd.DataFrame(columns=ROSTER_ERROR_COLUMNS)
    assert summarize_cms_warnings(empty, 12) == "All 12 roster row(s) agree with CMS's list: no warning."


def test_a_bad_default_year_is_refused(cms):
    with pytest.raises(CMSParticipantsError, match="performance year 2035 is not an ASM performance year"):
        check_roster_against_cms(pd.DataFrame({"npi": [HF]}), cms, 2035)


def test_an_npi_under_two_tins_is_told_that_cms_flag_is_the_organizations_not_the_tins(cms, tmp_path):
    # CMS publishes the small-practice flag per NPI and organization, not per TIN: for a physician billing under
    # two TINs of the roster the advice "fill small_practice with CMS's flag" may give one TIN the other's flag
    roster = _roster(tmp_path, "npi,tin,name,cohort,performance_year,small_practice,practice_size\n"
                               f"{HF},11-1111111,Big TIN,HF,2027,,40\n"
                               f"{HF},444444444,Small TIN,HF,2027,,3\n"
                               f"{LBP},11-1111111,One TIN,LBP,2027,,3\n")
    w = check_roster_against_cms(roster, cms, 2027)
    org = cms.loc[cms["npi"] == HF, "organization"].iloc[0]
    assert _warnings(w) == [
        (2, HF, "practice_size", "small-practice flag differs (CMS: yes; practice_size 40 means no): fill "
                                 f"small_practice with CMS's flag (CMS's flag is {org}'s, not per TIN: check it "
                                 "is this TIN's)"),
        (4, LBP, "practice_size", "small-practice flag differs (CMS: no; practice_size 3 means yes): fill "
                                  "small_practice with CMS's flag")]
