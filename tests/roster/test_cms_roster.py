"""A roster started from CMS's participants file: filters, one row per NPI, written so generate reads it."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from cms_files import RECONSTRUCTED, cms_row, npi, write_cms_csv
from asm_xl.model.columns import all_columns
from asm_xl.roster import read_roster, validate_roster
from asm_xl.roster.cms_participants import CMSParticipantsError, read_cms_participants
from asm_xl.roster.cms_roster import CMS_ROSTER_COLUMNS, roster_from_cms, write_cms_roster


@pytest.fixture(scope="module")
def participants() -> pd.DataFrame:
    return read_cms_participants(RECONSTRUCTED)


@pytest.fixture(scope="module")
def raw_rows() -> list[dict]:
    with open(RECONSTRUCTED, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def _small(participants, tmp_path, rows) -> pd.DataFrame:
    return read_cms_participants(write_cms_csv(tmp_path / "cms.csv", rows))


# ------------------------------------------------------------------ filters
def test_organization_filter_is_a_case_and_space_insensitive_substring(participants, raw_rows):
    want = {r["NPI"] for r in raw_rows if "inova" in r["ORGANIZATION_LEGAL_NAME"].lower()}
    roster = roster_from_cms(participants, organization="  INOVA  health ")
    assert set(roster["npi"]) == want and len(want) == 42
    # CMS's names carry double spaces ("... Care  LLC"); the filter is typed with one
    name = raw_rows[0]["ORGANIZATION_LEGAL_NAME"]
    assert "  " in name
    got = roster_from_cms(participants, organization=" ".join(name.split()).upper())
    assert raw_rows[0]["NPI"] in set(got["npi"])


def test_state_and_organization_filters_combine_and_states_ignore_case(participants, raw_rows):
    tx = {r["NPI"] for r in raw_rows if r["STATE"] == "TX"}
    assert set(roster_from_cms(participants, state="tx")["npi"]) == tx
    both = {r["NPI"] for r in raw_rows if r["STATE"] in ("TX", "GA") and "health" in r["ORGANIZATION_LEGAL_NAME"].lower()}
    assert len(both) > 10 and len({r["STATE"] for r in raw_rows if r["NPI"] in both}) == 2
    assert set(roster_from_cms(participants, state=["tx", "Ga "], organization="HEALTH")["npi"]) == both


def test_npi_filter_keeps_those_on_the_list_and_names_the_others(participants, raw_rows):
    on_list = [raw_rows[5]["NPI"], raw_rows[99]["NPI"]]
    roster = roster_from_cms(participants, npis=on_list + [npi(123_456_789)])
    assert sorted(roster["npi"]) == sorted(on_list)
    assert roster.attrs["npis_not_found"] == [npi(123_456_789)]


def test_a_bad_npi_filter_is_refused_with_the_reason(participants):
    with pytest.raises(CMSParticipantsError, match=r"NPI '1234567890': NPI check digit does not match"):
        roster_from_cms(participants, npis=["1234567890"])


def test_no_match_is_a_clear_message_with_the_closest_organizations(participants):
    with pytest.raises(CMSParticipantsError) as e:
        roster_from_cms(participants, organization="healthtexs")
    assert str(e.value).startswith("no physician on CMS's list matches organization containing 'healthtexs'")
    assert "closest organizations on the list: Healthtexas Provider Network" in str(e.value)
    with pytest.raises(CMSParticipantsError, match=r"matches organization containing 'inova' and state ZZ; "
                                                   r"no physician on the list is in ZZ; the organization is listed in "
                                                   r"[A-Z]{2}(, [A-Z]{2})*$"):
        roster_from_cms(participants, organization="Inova", state="zz")


@pytest.mark.parametrize("typed", ["Health Texas", "Healthtexsa Provider"])   # a space, two letters swapped
def test_the_closest_organization_is_found_through_a_space_or_a_typo(participants, typed):
    with pytest.raises(CMSParticipantsError, match="closest organizations on the list: Healthtexas Provider Network"):
        roster_from_cms(participants, organization=typed)


def test_an_organization_like_none_on_the_list_gets_no_suggestion(participants):
    with pytest.raises(CMSParticipantsError) as e:
        roster_from_cms(participants, organization="no such clinic")
    assert str(e.value) == "no physician on CMS's list matches organization containing 'no such clinic'"


def test_an_organization_listed_in_other_states_than_the_one_asked_says_where_it_is(participants):
    # README's example: Heartland Cardiology is on CMS's list in Kansas and Nebraska, not in Texas
    with pytest.raises(CMSParticipantsError) as e:
        roster_from_cms(participants, organization="Heartland Cardiology", state="TX")
    assert str(e.value) == ("no physician on CMS's list matches organization containing 'heartland cardiology' and "
                            "state TX; the organization is listed in KS, NE")


# ------------------------------------------------------------------ what is filled
def test_each_row_carries_name_cohort_year_and_the_years_small_practice_flag(participants, raw_rows):
    roster = roster_from_cms(participants)
    assert len(roster) == 6_510 and roster["npi"].is_unique
    by_npi = roster.set_index("npi")
    for r in raw_rows[:200]:
        got = by_npi.loc[r["NPI"]]
        assert got["name"] == f"{r['LAST_NAME']}, {r['FIRST_NAME']}"
        assert got["cohort"] == {"Heart Failure": "HF", "Low Back Pain": "LBP"}[r["ASM_COHORT"]]
        assert got["small_practice"] == r["ASM_CY27_SMALLPRACTICE"].lower()
        assert (got["tin"], got["performance_year"], got["state"]) == ("", "2027", r["STATE"])
    assert list(roster["name"]) == sorted(roster["name"])


def test_a_year_without_published_participation_keeps_everyone_with_a_note(participants):
    roster = roster_from_cms(participants, state="NJ", performance_year=2028)
    assert (roster["performance_year"] == "2028").all() and (roster["small_practice"] == "").all()
    assert roster.attrs["cms_notes"] == [f"CMS's file does not say yet whether {len(roster)} physician(s) participate "
                                         "in 2028 (ASM_CY28_PARTICIPANT blank): kept"]


def test_non_participants_of_the_year_are_left_out_with_a_note(tmp_path):
    a, b = npi(300_000_001), npi(300_000_002)
    cms = read_cms_participants(write_cms_csv(tmp_path / "c.csv", [cms_row(a), cms_row(b, cy27_participant="No")]))
    roster = roster_from_cms(cms)
    assert list(roster["npi"]) == [a]
    assert roster.attrs["cms_notes"] == ["1 physician(s) on CMS's list are not participants in 2027 "
                                         "(ASM_CY27_PARTICIPANT = No): left out"]
    with pytest.raises(CMSParticipantsError, match="no physician selected is a participant in 2027"):
        roster_from_cms(cms, npis=[b])


def test_an_npi_under_two_organizations_is_one_row_and_the_filtered_one_decides(tmp_path):
    a = npi(300_000_010)
    cms = read_cms_participants(write_cms_csv(tmp_path / "c.csv", [
        cms_row(a, org="North Cardiology PA", state="TX", cy27_smallpractice="Yes"),
        cms_row(a, org="South Heart LLC", state="OK", cy27_smallpractice="No")]))
    both = roster_from_cms(cms)
    assert len(both) == 1 and both.loc[0, "small_practice"] == ""  # flags disagree: left for the user
    assert both.loc[0, "organization"] == "North Cardiology PA; South Heart LLC" and both.loc[0, "state"] == "TX; OK"
    assert both.attrs["cms_notes"][0].startswith("1 physician(s) are listed under several organizations")
    north = roster_from_cms(cms, organization="north")
    assert north.loc[0, ["small_practice", "organization"]].tolist() == ["yes", "North Cardiology PA"]
    assert north.attrs["cms_notes"] == []


# ------------------------------------------------------------------ the file written
def test_the_written_roster_is_read_by_the_roster_reader_and_only_inputs_are_missing(participants, tmp_path):
    roster = roster_from_cms(participants, organization="inova")
    path = write_cms_roster(roster, tmp_path / "roster.csv")
    back = read_roster(path)
    assert list(back.columns[:6]) == CMS_ROSTER_COLUMNS and set(back.columns) <= set(all_columns())
    assert back[CMS_ROSTER_COLUMNS].to_numpy().tolist() == roster[CMS_ROSTER_COLUMNS].to_numpy().tolist()
    v = validate_roster(back)
    assert v.warnings == []
    # CMS's small-practice flag, where the file gives it, decides the bonus: the practice size is then optional
    no_flag = back["small_practice"].astype(str).str.strip() == ""
    assert set(v.errors["column"]) == {"part_b_payments", "pi_score"} | ({"practice_size"} if no_flag.any() else set())
    assert v.errors["reason"].str.startswith("required").all()
    assert len(v.errors) == 2 * len(roster) + int(no_flag.sum())
    filled = back.assign(practice_size="20", part_b_payments="250,000", pi_score="80%")
    ok = validate_roster(filled)
    assert ok.errors.empty and len(ok.valid) == len(roster)


def test_the_written_roster_has_the_measure_columns_of_its_cohorts_only(tmp_path):
    cms = read_cms_participants(write_cms_csv(tmp_path / "c.csv", [cms_row(npi(300_000_020), cohort="Low Back Pain")]))
    path = write_cms_roster(roster_from_cms(cms), tmp_path / "r.csv")
    header = path.read_text(encoding="utf-8-sig").splitlines()[0].split(",")
    measures = sorted({c.split("_")[0] for c in header if c[0] == "q" and c[1].isdigit()})
    assert measures == ["q128", "q134", "q220", "q238"]
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")


def test_a_name_that_looks_like_a_formula_is_written_as_text(tmp_path):
    cms = read_cms_participants(write_cms_csv(tmp_path / "c.csv", [
        cms_row(npi(300_000_030), last='=HYPERLINK("http://x","y")', first="Ann"),
        cms_row(npi(300_000_031), last="@SUM(A1)", first="Bo")]))
    back = read_roster(write_cms_roster(roster_from_cms(cms), tmp_path / "r.csv"))
    # the file says "'=HYPERLINK..." (a spreadsheet shows text); asm-xl reads the name back as it was
    assert sorted(back["name"]) == ["=HYPERLINK(\"http://x\",\"y\"), Ann", "@SUM(A1), Bo"]
    assert not any(line.startswith(("=", "@")) or ",=" in line or ",@" in line
                   for line in (tmp_path / "r.csv").read_text(encoding="utf-8-sig").splitlines())
