"""CMS's ASM Participants file: read (CSV and Excel), schema and values checked, normalized, flags per year."""

from __future__ import annotations

import csv
from collections import Counter, defaultdict

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from cms_files import RECONSTRUCTED, cms_row, npi, write_cms_csv
from asm_xl.roster import RosterError
from asm_xl.roster.cms_participants import (CMS_COLUMNS, CMS_YEARS, CMSParticipantsError, cms_performance_year,
                                            combine_flags, participation_by_year, read_cms_participants)

FLAG = {"Yes": True, "No": False, "": None}


@pytest.fixture(scope="module")
def raw_rows() -> list[dict]:
    """The reconstructed file as the csv module reads it: the independent count."""
    with open(RECONSTRUCTED, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def participants() -> pd.DataFrame:
    return read_cms_participants(RECONSTRUCTED)


# ------------------------------------------------------------------ the reconstructed file
def test_import_of_the_reconstructed_file_keeps_every_row_in_file_order(raw_rows, participants):
    assert len(raw_rows) == len(participants) == 6_510
    assert list(participants["npi"]) == [r["NPI"] for r in raw_rows]
    assert list(participants.index) == list(range(2, len(raw_rows) + 2))  # index = file row (header: row 1)
    assert all(len(n) == 10 and n.isdigit() for n in participants["npi"])


def test_import_counts_each_cohort_as_the_raw_file_does(raw_rows, participants):
    raw = defaultdict(set)
    for r in raw_rows:
        raw[r["ASM_COHORT"]].add(r["NPI"])
    assert {k: len(v) for k, v in raw.items()} == {"Heart Failure": 2_607, "Low Back Pain": 3_903}
    ours = participants.groupby("cohort")["npi"].nunique().to_dict()
    assert ours == {"HF": len(raw["Heart Failure"]), "LBP": len(raw["Low Back Pain"])}


def test_import_counts_every_year_flag_as_the_raw_file_does(raw_rows, participants):
    for y in CMS_YEARS:
        for kind, ours in (("PARTICIPANT", "participant"), ("SMALLPRACTICE", "small_practice")):
            raw = Counter(FLAG[r[f"ASM_CY{y % 100}_{kind}"]] for r in raw_rows)
            got = Counter(participants[f"{ours}_{y}"])
            assert got == raw, (y, kind)
    # the figures of the data README: CY27 all participants, 2,306 small practices; CY28-31 blank
    assert Counter(participants["small_practice_2027"]) == {False: 4_204, True: 2_306}
    assert participants["participant_2028"].isna().all()


def test_import_keeps_names_states_and_organizations_as_published(raw_rows, participants):
    for i in (0, 1, 2, 3_000, 6_509):
        r, ours = raw_rows[i], participants.iloc[i]
        assert (ours["first_name"], ours["last_name"], ours["state"], ours["organization"]) == \
               (r["FIRST_NAME"], r["LAST_NAME"], r["STATE"], r["ORGANIZATION_LEGAL_NAME"])


def test_participation_by_year_of_the_reconstructed_file_matches_the_raw_flags(raw_rows, participants):
    flags = participation_by_year(participants)
    assert len(flags) == 6_510 * len(CMS_YEARS)
    y27 = flags[flags["performance_year"] == 2027].set_index("npi")
    raw_small = {r["NPI"]: FLAG[r["ASM_CY27_SMALLPRACTICE"]] for r in raw_rows}
    assert y27["small_practice"].to_dict() == raw_small
    assert (y27["participant"] == True).all()  # noqa: E712 - every CY27 flag is Yes
    assert flags.loc[flags["performance_year"] > 2027, ["participant", "small_practice"]].isna().all().all()


# ------------------------------------------------------------------ Excel form and spellings
def test_an_excel_file_reads_like_the_same_csv_numbers_as_numbers(tmp_path):
    rows = [cms_row(npi(100_000_001), first="Rashid", last="Khalil", state="oh", cohort="Low Back Pain"),
            cms_row(npi(100_000_002), cy27_smallpractice="Yes", cy28_participant="No")]
    csv_file = write_cms_csv(tmp_path / "asm.csv", rows)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "ASM Participants"
    ws.append(list(CMS_COLUMNS))
    for r in rows:
        ws.append([int(r[c]) if c == "NPI" else (r[c] or None) for c in CMS_COLUMNS])
    wb.create_sheet("Notes")["A1"] = "not read"
    wb.save(tmp_path / "asm.xlsx")
    from_xlsx, from_csv = read_cms_participants(tmp_path / "asm.xlsx"), read_cms_participants(csv_file)
    pd.testing.assert_frame_equal(from_xlsx, from_csv)
    assert from_csv.loc[2, ["npi", "state", "cohort"]].tolist() == [npi(100_000_001), "OH", "LBP"]
    assert [from_csv.loc[3, c] for c in ("small_practice_2027", "participant_2028", "participant_2029")] == \
           [True, False, None]


def test_flag_and_cohort_spellings_ignore_case_and_spaces(tmp_path):
    rows = [cms_row(npi(100_000_003), cohort=" heart  failure ", cy27_participant="YES", cy27_smallpractice=" no "),
            cms_row(npi(100_000_004), cohort="LBP")]
    got = read_cms_participants(write_cms_csv(tmp_path / "f.csv", rows))
    assert got["cohort"].tolist() == ["HF", "LBP"]
    assert got["participant_2027"].tolist() == [True, True] and got["small_practice_2027"].tolist() == [False, False]


def test_extra_columns_are_ignored_and_column_case_does_not_matter(tmp_path):
    rows = [dict(cms_row(npi(100_000_005)), EXTRA="x")]
    cols = [c.lower() for c in CMS_COLUMNS] + ["EXTRA"]
    rows = [{k.lower() if k != "EXTRA" else k: v for k, v in r.items()} for r in rows]
    got = read_cms_participants(write_cms_csv(tmp_path / "f.csv", rows, columns=cols))
    assert list(got.columns[:6]) == ["npi", "first_name", "last_name", "state", "cohort", "organization"]
    assert "EXTRA" not in got.columns and "extra" not in got.columns


# ------------------------------------------------------------------ bad files
def test_a_missing_column_is_named(tmp_path):
    cols = [c for c in CMS_COLUMNS if c not in ("ASM_COHORT", "ASM_CY29_SMALLPRACTICE")]
    f = write_cms_csv(tmp_path / "f.csv", [cms_row(npi(100_000_006))], columns=cols)
    with pytest.raises(CMSParticipantsError, match=r"lacks the columns ASM_COHORT, ASM_CY29_SMALLPRACTICE of CMS's"):
        read_cms_participants(f)


def test_a_roster_given_as_the_cms_file_is_recognized(tmp_path):
    f = tmp_path / "roster.csv"
    f.write_text("npi,name,cohort\n1234567893,\"Lee, Ann\",HF\n", encoding="utf-8")
    with pytest.raises(CMSParticipantsError, match="looks like a roster, not CMS's participants file"):
        read_cms_participants(f)


@pytest.mark.parametrize("field, value, message", [
    ("ASM_CY27_SMALLPRACTICE", "Maybe", "row 3, ASM_CY27_SMALLPRACTICE 'Maybe': must be Yes, No or blank"),
    ("ASM_COHORT", "Diabetes", "row 3, ASM_COHORT 'Diabetes': must be \"Heart Failure\" or \"Low Back Pain\""),
    ("NPI", "1234567890", "row 3, NPI '1234567890': NPI check digit does not match"),
    ("NPI", "", "row 3, NPI '': required: the physician's 10-digit NPI"),
])
def test_a_bad_value_is_named_with_its_row_and_what_is_allowed(tmp_path, field, value, message):
    rows = [cms_row(npi(100_000_007)), dict(cms_row(npi(100_000_008)), **{field: value})]
    with pytest.raises(CMSParticipantsError) as e:
        read_cms_participants(write_cms_csv(tmp_path / "f.csv", rows))
    assert message in str(e.value)


def test_many_bad_values_name_the_first_five_and_count_the_rest(tmp_path):
    rows = [cms_row(npi(100_000_010 + i), cy30_participant="Y") for i in range(8)]
    with pytest.raises(CMSParticipantsError) as e:
        read_cms_participants(write_cms_csv(tmp_path / "f.csv", rows))
    text = str(e.value)
    assert text.count("ASM_CY30_PARTICIPANT 'Y'") == 5 and text.endswith("; and 3 more")
    assert text.index("row 2,") < text.index("row 6,")


def test_missing_and_unreadable_files_are_one_clear_error(tmp_path):
    with pytest.raises(CMSParticipantsError, match="CMS participants file not found"):
        read_cms_participants(tmp_path / "nope.csv")
    (tmp_path / "x.xlsx").write_bytes(b"not a zip")
    with pytest.raises(CMSParticipantsError, match="CMS participants file: x.xlsx is not a valid Excel workbook"):
        read_cms_participants(tmp_path / "x.xlsx")
    big = write_cms_csv(tmp_path / "big.csv", [cms_row(npi(100_000_020))])
    with pytest.raises(RosterError, match="too large"):  # the roster reader's limits, checked before reading
        read_cms_participants(big, max_bytes=100)


def test_performance_years_outside_the_model_are_refused():
    assert cms_performance_year(2031) == 2031 and cms_performance_year("2027") == 2027
    for bad in (2026, "2032", "next year", 2027.5):
        with pytest.raises(CMSParticipantsError, match="is not an ASM performance year: use 2027-2031"):
            cms_performance_year(bad)


# ------------------------------------------------------------------ several organizations
def test_an_npi_under_several_organizations_has_one_row_per_year_with_combined_flags(tmp_path):
    a = npi(100_000_030)
    rows = [cms_row(a, org="North PA", cy27_smallpractice="Yes", cy28_participant="No", cy28_smallpractice="Yes"),
            cms_row(a, org="South LLC", cy27_smallpractice="No", cy28_participant="Yes", cy28_smallpractice="Yes"),
            cms_row(npi(100_000_031), cy27_participant="No")]
    flags = participation_by_year(read_cms_participants(write_cms_csv(tmp_path / "f.csv", rows)))
    got = {(r.npi, r.performance_year): (r.participant, r.small_practice) for r in flags.itertuples()}
    assert got[(a, 2027)] == (True, None)  # Yes in both, small-practice flags disagree: unknown
    assert got[(a, 2028)] == (True, True)  # Yes under one organization is enough
    assert got[(npi(100_000_031), 2027)] == (False, False)
    assert got[(a, 2029)] == (None, None)
    assert len(flags) == 2 * len(CMS_YEARS)
    assert participation_by_year(read_cms_participants(tmp_path / "f.csv"), npis=[a])["npi"].unique().tolist() == [a]


flag = st.sampled_from([True, False, None])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2), flag, flag), min_size=1, max_size=8), st.randoms())
def test_per_year_flags_do_not_depend_on_row_order_and_follow_the_rules(rows, rnd):
    frame = pd.DataFrame({"npi": [npi(200_000_000 + k) for k, _, _ in rows],
                          "participant_2027": pd.array([p for _, p, _ in rows], dtype=object),
                          "small_practice_2027": pd.array([s for _, _, s in rows], dtype=object)})
    shuffled = frame.sample(frac=1, random_state=rnd.randint(0, 10_000))
    a = participation_by_year(frame)
    b = participation_by_year(shuffled)
    pd.testing.assert_frame_equal(a, b)
    for r in a[a["performance_year"] == 2027].itertuples():
        part = [p for n, p, _ in ((npi(200_000_000 + k), p, s) for k, p, s in rows) if n == r.npi]
        small = [s for n, _, s in ((npi(200_000_000 + k), p, s) for k, p, s in rows) if n == r.npi]
        assert r.participant == (True if True in part else False if False in part else None)
        assert r.small_practice == combine_flags(small)
        if r.small_practice is not None:
            assert all(s in (None, r.small_practice) for s in small) and r.small_practice in small
