"""Roster files: safe reading as text, row-by-row validation, error reports."""

from __future__ import annotations

import csv
import importlib.util
import random
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from asm_xl.model.cohort import score_cohort
from asm_xl.model.columns import all_columns
from asm_xl import roster
from asm_xl.roster.read import cell_text
from asm_xl.roster import ROSTER_ERROR_COLUMNS, RosterError, npi_check_digit, npi_is_valid, read_roster, summarize_errors, validate_roster, write_error_report

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "asm_xl" / "roster" / "data" / "sample_roster.csv"
BAD = Path(__file__).parents[1] / "data" / "bad_roster.csv"
INJECTION = Path(__file__).parents[1] / "data" / "injection_roster.csv"
FORMULA_LIKE = ['=HYPERLINK("http://x","y")', "+1-555-0100", "@SUM(A1)", "-2+3", "=cmd|' /C calc'!A0"]
LBP_SPECIALTIES = {"Anesthesiology", "Interventional Pain Management", "Neurosurgery", "Orthopedic Surgery",
                   "Pain Management", "Physical Medicine and Rehabilitation"}


def _num(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s.str.replace(",", "", regex=False).replace("", None), errors="coerce")


def _write_xlsx(df: pd.DataFrame, path: Path, *, sheet="Roster", first_sheet: str | None = None,
                typed_numbers=True) -> None:
    """Write a roster read from CSV as a workbook a person would type: numbers as numbers
    (when Excel would show the same text), text as text, formula-looking text as text."""
    wb = openpyxl.Workbook()
    ws = wb.active
    if first_sheet:
        ws.title = first_sheet
        ws["A1"] = "Instructions: the roster is on the Roster sheet"
        ws = wb.create_sheet(sheet)
    else:
        ws.title = sheet
    ws.append(list(df.columns))
    ident = {"npi", "tin", "name"}
    for r, (_, rec) in enumerate(df.iterrows(), start=2):
        for c, (col, text) in enumerate(rec.items(), start=1):
            value = text
            if typed_numbers and col not in ident and text:
                try:
                    x = float(text)
                except ValueError:
                    pass
                else:
                    value = int(x) if x.is_integer() and str(int(x)) == text else x
                    if cell_text(value) != text:
                        value = text
            if value == "":
                continue
            cell = ws.cell(row=r, column=c, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # openpyxl would take "=..." as a formula
    wb.save(path)


def _load_tool():
    spec = importlib.util.spec_from_file_location("make_sample_roster", ROOT / "tools" / "make_sample_roster.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# ------------------------------------------------------------------------------------ the sample
def test_sample_roster_reads_and_validates_with_zero_errors():
    df = read_roster(SAMPLE)
    res = validate_roster(df)
    assert res.errors.empty, summarize_errors(res.errors)
    assert res.warnings == []
    assert res.ok and res.rows_rejected == 0
    assert 24 <= len(df) <= 40
    assert len(res.valid) == len(df)
    assert list(res.valid.index) == list(df.index) == list(range(2, len(df) + 2))  # file rows: header = row 1
    assert df.index.name == "row"
    assert set(df.columns) <= set(all_columns())


@pytest.mark.parametrize("own", ["cohorts", "small_practice_flag", "q236_completeness_pct", "exception", "ia_done_2",
                                 "names", "name2", "tin2", "complex_bonus_2026", "cost_points_2026", "notes", "tin_old"])
def test_a_column_of_the_users_own_is_a_warning_even_when_it_looks_like_a_roster_column(own):
    # a look-alike of a column the roster gives another way (specialty, practice_size, ia1/ia2, reported
    # cases), of a name or TIN, or more than one slip away, is the user's own column: the run goes on
    df = read_roster(SAMPLE).assign(**{own: "x"})
    res = validate_roster(df)
    assert len(res.valid) == len(df) and any(w.startswith(f"column {own!r} is not a roster column: ignored")
                                             for w in res.warnings)


@pytest.mark.parametrize("typo, meant", [("ia_2_done", "ia2_done"), ("complex_bonsu", "complex_bonus"),
                                         ("q236_rte", "q236_rate"), ("pi_scor", "pi_score"),
                                         ("submited_on_time", "submitted_on_time")])
def test_a_misspelt_roster_column_the_file_lacks_is_refused_with_its_name(typo, meant):
    df = read_roster(SAMPLE).rename(columns={meant: typo})
    with pytest.raises(RosterError, match=f"column '{typo}' is not a roster column: did you mean '{meant}'"):
        validate_roster(df)


def test_a_tin_whose_leading_zeros_a_spreadsheet_dropped_gets_them_back_with_a_warning():
    # the sample saved by Excel: 009853177 (Nakamura, Reyes) became 9853177 and both rows were rejected
    df = read_roster(SAMPLE)
    zeros = df.index[df["tin"] == "009853177"]
    assert len(zeros) == 2
    df.loc[zeros[0], "tin"], df.loc[zeros[1], "tin"] = "9853177", "9853177"
    df.loc[2, "tin"] = "12-345678"   # typed with a dash: as typed, still 8 digits, still refused
    res = validate_roster(df)
    assert res.valid.loc[zeros, "tin"].tolist() == ["009853177", "009853177"]
    assert ("2 row(s)' TIN of 7 or 8 digits read with its leading zeros (009853177): a spreadsheet drops them "
            "from a number; format the TIN column as Text to keep them") in res.warnings
    assert res.errors[["row", "column"]].values.tolist() == [[2, "tin"]]
    scores = score_cohort(res.valid).scores   # the two rows score as in the sample
    sample = score_cohort(validate_roster(read_roster(SAMPLE)).valid).scores
    assert scores.loc[zeros, "final_score"].tolist() == sample.loc[zeros, "final_score"].tolist()


def test_a_tin_given_two_practice_sizes_is_warned_about_naming_the_rows():
    # the sample's first rows are one TIN (83-7035914, 48 clinicians); a 5 on file row 3 would give that row the
    # small-practice bonus while the others get none
    df = read_roster(SAMPLE)
    assert df.loc[2, "tin"] == df.loc[3, "tin"] == df.loc[4, "tin"] == "83-7035914"
    df.loc[3, "practice_size"] = "5"
    res = validate_roster(df)
    tin_rows = [r for r in df.index if df.loc[r, "tin"] == "83-7035914" and r != 3]
    listed = ", ".join(str(r) for r in tin_rows[:5]) + (" ..." if len(tin_rows) > 5 else "")
    assert res.warnings == [f"TIN 83-7035914 (2027) is given different practice sizes: 5 (row 3); 48 (rows {listed}). "
                            "The size is the TIN's (its clinicians): each row's small-practice bonus follows its own; "
                            "give the TIN one size"]
    assert len(res.valid) == len(df)   # a warning: nothing is rejected
    same = read_roster(SAMPLE)
    same.loc[3, "practice_size"], same.loc[3, "performance_year"] = "5", "2028"   # another year may differ
    assert validate_roster(same).warnings == []


def test_rows_with_no_improvement_activity_given_are_warned_about_and_still_scored_as_not_done():
    df = read_roster(SAMPLE)
    df.loc[[3, 5], ["ia1_done", "ia2_done"]] = ""      # file rows 3 and 5: both blank
    df.loc[7, "ia1_done"] = ""                          # one given ("yes"): not warned about
    res = validate_roster(df)
    assert res.warnings == ["2 row(s) give no improvement activity (ia1_done, ia2_done and ia_done blank): counted as "
                            "not done, -20 points each; write no to say so, or yes/1 where done (rows 3, 5)"]
    assert res.errors.empty and len(res.valid) == len(df)


def test_sample_roster_covers_both_cohorts_every_specialty_and_practice_size():
    df = read_roster(SAMPLE)
    assert set(df["specialty"]) == {"Cardiology"} | LBP_SPECIALTIES
    size = _num(df["practice_size"])
    assert (size == 1).any() and size.between(2, 15).any() and (size > 15).any()
    assert {15, 16} <= set(size)  # both sides of the small-practice boundary
    assert set(df["performance_year"]) == {"2027"}
    pay = _num(df["part_b_payments"])
    assert pay.notna().all() and pay.between(80_000, 900_000).all()
    res = score_cohort(df)
    assert res.errors.empty
    assert len(res.scores) == len(df)
    assert set(res.scores["cohort"]) == {"HF", "LBP"}
    assert sorted(res.pools["cohort"]) == ["HF", "LBP"]


def test_sample_roster_contains_the_edge_cases():
    df = read_roster(SAMPLE)
    hf = df["specialty"] == "Cardiology"
    assert {"José Müller", "Nguyễn Thị Lan", "O'Brien, Siobhan"} <= set(df["name"])
    assert any(v != v.strip() and npi_is_valid(v.strip()) for v in df["npi"])  # NPI typed with spaces
    assert any(t.replace("-", "").startswith("0") for t in df["tin"])
    assert all(npi_is_valid(v.strip()) for v in df["npi"])
    ctypes = set(df[[c for c in df.columns if c.endswith("_collection_type")]].to_numpy().ravel()) - {""}
    assert ctypes == {"eCQM", "MIPS CQM", "Administrative claims"}
    q492 = _num(df.loc[hf, "q492_rate"]).dropna()
    assert len(q492) and q492.between(60, 80).all()
    low_completeness, low_cases = set(), set()
    for m in ("q008", "q005", "q236", "q377", "q238", "q134", "q128", "q220"):
        e, r = _num(df[f"{m}_eligible"]), _num(df[f"{m}_reported"])
        cohort = "HF" if m in ("q008", "q005", "q236", "q377") else "LBP"
        if ((r / e) < 0.75).any():
            low_completeness.add(cohort)
        if (e < 20).any():
            low_cases.add(cohort)
    assert low_completeness == low_cases == {"HF", "LBP"}
    eps = _num(df["cost_episodes"])
    assert (eps < 20).any()
    assert (df["cost_points"] != "").any() and (df["episode_cost"] != "").any()
    ias = (df["ia1_done"].str.casefold().isin(["yes", "true"]).astype(int)
           + df["ia2_done"].str.casefold().isin(["yes", "true"]).astype(int))
    assert {0, 1, 2} <= set(ias)
    assert (_num(df["pi_score"]) == 0).any()
    bonus = _num(df["complex_bonus"])
    assert (bonus > 0).any() and (bonus == 10).any()
    notes = score_cohort(df).scores["note"]
    assert notes.str.startswith("Cost not scored").any()


def test_the_demo_roster_has_ordinary_names_and_the_injection_cases_are_a_valid_test_fixture():
    names = read_roster(SAMPLE)["name"]
    assert not names.str.strip().str[0].isin(list("=+-@\t\r")).any()  # nothing a spreadsheet would run
    injection = read_roster(INJECTION)
    assert injection["name"].tolist() == FORMULA_LIKE
    assert validate_roster(injection).ok  # valid rows: they reach the workbooks and the index


def test_sample_roster_generator_is_deterministic_and_matches_the_file():
    tool = _load_tool()
    first = tool.render()
    assert first == tool.render()
    assert first == SAMPLE.read_bytes()


# -------------------------------------------------------------------------------- the bad roster
EXPECTED_BAD = {
    (3, "npi"): "check digit",
    (5, "specialty"): "ASM specialty",
    (6, "q236_eligible"): "whole number >= 0",
    (7, "q008_reported"): "at most q008_eligible",
    (8, "q134_rate"): "fraction between 0 and 1",
    (9, "q238_rate"): "not a measure of this participant's cohort",
    (11, "npi"): "duplicate participant",
    (12, "performance_year"): "performance year 2027-2031",
    (13, "tin"): "9-digit TIN",
    (15, "npi"): "required",
    (16, "npi"): "10-digit NPI",
    (16, "performance_year"): "performance year 2027-2031",
}


def test_bad_roster_reports_exactly_the_expected_cells_with_their_rule():
    res = validate_roster(read_roster(BAD))
    assert list(res.errors.columns) == ROSTER_ERROR_COLUMNS
    got = {(int(r), c): why for r, c, why in res.errors[["row", "column", "reason"]].itertuples(index=False)}
    assert set(got) == set(EXPECTED_BAD)
    for cell, fragment in EXPECTED_BAD.items():
        assert fragment in got[cell], (cell, got[cell])
    assert len(res.errors) == len(got)  # one error per cell, even where score_cohort reports two
    assert "row 2" in got[(11, "npi")]  # the duplicate points at the first occurrence's file row
    assert res.errors["row"].is_monotonic_increasing


def test_bad_roster_errors_carry_npi_name_and_value_as_typed():
    errors = validate_roster(read_roster(BAD)).errors.set_index(["row", "column"])
    assert errors.loc[(3, "npi"), "npi"] == "1283746506"
    assert errors.loc[(3, "npi"), "name"] == "Brennan, Paul"
    assert errors.loc[(6, "q236_eligible"), "value"] == "-5"
    assert errors.loc[(8, "q134_rate"), "value"] == "1.5"
    assert errors.loc[(13, "tin"), "value"] == "12-34567"
    assert errors.loc[(15, "npi"), "value"] is None
    assert errors.loc[(12, "performance_year"), "value"] == "2026"


def test_bad_roster_keeps_its_valid_rows_untouched():
    df = read_roster(BAD)
    res = validate_roster(df)
    assert list(res.valid.index) == [2, 4, 10, 14, 17]  # labelled by file row
    pd.testing.assert_frame_equal(res.valid, df.loc[res.valid.index])
    assert "  1582736496 " in set(res.valid["npi"])  # valid after stripping, kept as typed
    assert res.rows_rejected == 11


def test_duplicate_participants_are_matched_on_normalized_npi_tin_and_year():
    df = pd.DataFrame({"npi": ["1467583922", " 1467583922", "1467583922", "1467583922"],
                       "tin": ["12-3456789", "123456789", "123456789", "98-7654321"],
                       "specialty": "Cardiology", "performance_year": ["2027", "2027", "2028", "2027"],
                       "practice_size": "4", "part_b_payments": "100000", "pi_score": "1",
                       "cost_episodes": "5", "q236_eligible": "50", "q236_reported": "50",
                       "q236_rate": "0.7"}, dtype=object)
    res = validate_roster(df)  # a hand-built frame: rows are named by their labels, 0, 1, 2, ...
    assert res.errors[["row", "column"]].values.tolist() == [[1, "npi"]]
    assert "row 0" in res.errors["reason"].iloc[0]


def test_validation_names_rows_of_a_hand_built_frame_by_their_labels_and_uses_the_default_year():
    df = pd.DataFrame({"npi": ["1234567893", "1234567890"], "specialty": ["Cardiology", "Pain management"],
                       "practice_size": [3, 3], "part_b_payments": [100000, 200000], "pi_score": [1, 1],
                       "q236_eligible": [50, None], "q236_reported": [50, None], "q236_rate": [0.7, None],
                       "q134_eligible": [None, 40], "q134_reported": [None, 40], "q134_rate": [None, 0.6]},
                      index=["a", "b"])
    res = validate_roster(df, performance_year=2027)
    assert res.errors[["row", "column"]].values.tolist() == [["b", "npi"]]
    assert res.errors[["row", "column"]].values.tolist() == score_cohort(df, performance_year=2027).errors[
        ["row", "column"]].values.tolist()
    assert list(res.valid.index) == ["a"]
    missing = validate_roster(df)
    assert set(missing.errors["column"]) == {"npi", "performance_year"}


def test_unknown_columns_are_warnings_not_errors_and_headers_are_normalized(tmp_path):
    p = tmp_path / "r.csv"
    p.write_text(" NPI ,Specialty,Performance  Year,Practice Size,Part B Payments,PI Score,Notes,part_b_payment\n"
                 "1234567893,Cardiology,2027,1,90000,1,call back,\n", encoding="utf-8")
    df = read_roster(p)
    assert list(df.columns) == ["npi", "specialty", "performance_year", "practice_size", "part_b_payments",
                                "pi_score", "notes", "part_b_payment"]
    res = validate_roster(df)
    assert res.errors.empty
    assert any("'notes'" in w for w in res.warnings)
    assert any("did you mean 'part_b_payments'" in w for w in res.warnings)


def test_a_wrong_specialty_does_not_also_flag_every_measure_as_the_other_cohorts():
    df = pd.DataFrame({"npi": ["1234567893"], "specialty": ["Dermatology"], "performance_year": ["2027"],
                       "practice_size": ["3"], "part_b_payments": ["1"], "pi_score": ["1"],
                       "q236_eligible": ["50"], "q236_reported": ["50"], "q236_rate": ["0.7"],
                       "q134_rate": ["0.6"]}, dtype=object)
    res = validate_roster(df)
    assert res.errors["column"].tolist() == ["specialty"]


# ------------------------------------------------------------------------------------- text kept
def test_text_is_kept_exactly_as_typed(tmp_path):
    p = tmp_path / "text.csv"
    names = FORMULA_LIKE + ["00123", "NA", "N/A", "null", "nan", "None", "José Müller", " padded "]
    rows = [["npi", "tin", "name", "specialty", "performance_year", "practice_size", "part_b_payments",
             "pi_score", "q236_eligible", "q236_reported", "q236_rate"]]
    for k, name in enumerate(names):
        base = f"1{k:08d}"
        rows.append([base + str(npi_check_digit(base)), "001234567" if k else "00-1234567", name,
                     "Cardiology", "2027", "1", "1,234", "1", "50", "50", "0.70"])
    with open(p, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    df = read_roster(p)
    assert df["name"].tolist() == names
    assert set(df["tin"]) == {"001234567", "00-1234567"}
    assert set(df["part_b_payments"]) == {"1,234"} and set(df["q236_rate"]) == {"0.70"}
    assert all(isinstance(v, str) for v in df.to_numpy().ravel())
    res = validate_roster(df)
    assert res.errors.empty, res.errors
    assert res.valid["name"].tolist() == names


def test_windows_1252_csv_is_read_with_a_warning(tmp_path):
    p = tmp_path / "legacy.csv"
    p.write_bytes("npi;name;specialty\n1234567893;José Müller;Cardiology\n".encode("cp1252"))
    df = read_roster(p)
    assert df["name"].tolist() == ["José Müller"]
    assert any("Windows-1252" in w for w in df.attrs["roster_warnings"])
    assert any("Windows-1252" in w for w in validate_roster(df).warnings)


def test_a_utf8_file_with_its_bom_converted_to_utf16_keeps_its_first_column(tmp_path):
    # iconv -t utf-16 of a UTF-8 file with a BOM: two marks; the second was read into the first column's
    # name ("column '\ufeffnpi' is not a roster column: did you mean 'npi'?")
    p = tmp_path / "u16.csv"
    p.write_bytes("\ufeffnpi,name,specialty\n1234567893,José Müller,Cardiology\n".encode("utf-16"))
    df = read_roster(p)
    assert list(df.columns[:3]) == ["npi", "name", "specialty"] and df["name"].tolist() == ["José Müller"]


def test_blank_rows_are_skipped_but_rows_keep_their_file_numbers(tmp_path):
    p = tmp_path / "gaps.csv"
    p.write_text("npi,name,specialty\n1234567893,a,Cardiology\n,,\n\n1234567890,b,Cardiology\n", encoding="utf-8")
    df = read_roster(p)
    assert list(df.index) == [2, 5]
    res = validate_roster(df, performance_year=2027)
    assert (res.errors.loc[res.errors["column"] == "npi", "row"] == 5).all()


# --------------------------------------------------------------------------------------------- NPI
def test_npi_luhn_check_digit_with_the_80840_prefix():
    assert npi_is_valid("1234567893")
    assert not npi_is_valid("1234567890")
    assert npi_check_digit("123456789") == 3
    for bad in ("123456789", "12345678931", " 1234567893", "123456789a", "１２３４５６７８９３", "", None, True):
        assert not npi_is_valid(bad)
    assert npi_is_valid(1234567893)
    rng = random.Random(7)
    for _ in range(200):
        base = "".join(str(rng.randrange(10)) for _ in range(9))
        good = [d for d in range(10) if npi_is_valid(base + str(d))]
        assert good == [npi_check_digit(base)]


# ------------------------------------------------------------------------------- untrusted files
def test_oversized_file_is_refused_before_reading_and_nothing_is_written(tmp_path, monkeypatch):
    p = tmp_path / "big.csv"
    p.write_text("npi,name\n" + "1234567893,x\n" * 2000, encoding="utf-8")
    before = sorted(tmp_path.iterdir())

    def no_open(*a, **k):
        raise AssertionError("the file was opened although it is too large")

    monkeypatch.setattr(roster, "open", no_open, raising=False)
    with pytest.raises(RosterError, match="too large"):
        read_roster(p, max_bytes=1_000)
    assert sorted(tmp_path.iterdir()) == before


def test_too_many_rows_are_refused(tmp_path):
    p = tmp_path / "rows.csv"
    p.write_text("npi\n" + "1234567893\n" * 11, encoding="utf-8")
    with pytest.raises(RosterError, match="more than 10 data rows"):
        read_roster(p, max_rows=10)
    assert len(read_roster(p, max_rows=11)) == 11


@pytest.mark.parametrize("content, name, message", [
    (None, "missing.csv", "not found"),
    (b"npi\n1\n", "roster.txt", "unsupported file type"),
    (b"npi\n1\n", "roster.xls", "97-2003"),
    (b"", "empty.csv", "empty"),
    (b"\n\n", "blank.csv", "no header"),
    (b"npi,name\n", "header_only.csv", "no data rows"),
    (b"npi,NPI\n1,2\n", "dup.csv", "appears twice"),
    (b"npi,name\n1,Smith, John\n", "ragged.csv", "row 2 has 3 values"),
    (b"PK\x03\x04rest", "zip.csv", "zip package"),
    (b"npi,name\n1891394078,A\x00B\n", "nul.csv", r"binary data \(a NUL byte on line 2\)"),
])
def test_unreadable_files_raise_roster_error_with_a_clear_message(tmp_path, content, name, message):
    p = tmp_path / name
    if content is not None:
        p.write_bytes(content)
    with pytest.raises(RosterError, match=message):
        read_roster(p)


def test_xlsx_roster_reads_identically_to_the_csv(tmp_path):
    csv_df = read_roster(SAMPLE)
    typed = tmp_path / "typed.xlsx"
    _write_xlsx(csv_df, typed)
    pd.testing.assert_frame_equal(read_roster(typed), csv_df)
    second = tmp_path / "second_sheet.xlsm"
    _write_xlsx(csv_df, second, first_sheet="Read me", typed_numbers=False)
    pd.testing.assert_frame_equal(read_roster(second), csv_df)
    assert validate_roster(read_roster(typed)).errors.empty


def test_an_xlsx_roster_whose_stored_dimension_claims_fewer_rows_is_read_whole(tmp_path):
    # openpyxl's read-only mode trusted the file's <dimension ref>: rows after it were dropped silently
    # (Excel ignores the element), and the row limit was bypassed the same way
    import re

    csv_df = read_roster(SAMPLE)
    whole = tmp_path / "whole.xlsx"
    _write_xlsx(csv_df, whole)
    claimed = tmp_path / "claimed.xlsx"
    with zipfile.ZipFile(whole) as zin, zipfile.ZipFile(claimed, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data, n = re.subn(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:C3"/>', data)
                assert n == 1
            zout.writestr(item, data)
    pd.testing.assert_frame_equal(read_roster(claimed), csv_df)
    assert len(csv_df) == 30


def test_an_xlsx_rosters_hidden_first_sheet_is_not_the_one_read(tmp_path):
    csv_df = read_roster(SAMPLE)
    p = tmp_path / "hidden_first.xlsx"
    _write_xlsx(csv_df, p, first_sheet="Notes", typed_numbers=False)
    wb = openpyxl.load_workbook(p)
    wb["Notes"].sheet_state = "hidden"
    wb.worksheets[1].title = "Physicians"
    wb.save(p)   # no sheet named Roster now: the first sheet Excel shows is read, not the hidden one
    pd.testing.assert_frame_equal(read_roster(p), csv_df)


def test_an_xlsx_rosters_hidden_and_filtered_out_rows_are_read_and_counted_in_a_warning(tmp_path):
    # a practice that filtered its roster to one clinic in Excel: every row is still in the file and scored; the
    # reader said nothing of it (from a QA pass)
    csv_df = read_roster(SAMPLE)
    p = tmp_path / "filtered.xlsx"
    _write_xlsx(csv_df, p)
    wb = openpyxl.load_workbook(p)
    ws = wb.active
    ws.auto_filter.ref = ws.dimensions
    for r in (3, 4, 10):            # rows 3, 4 and 10 of the sheet: hidden by the filter or by hand
        ws.row_dimensions[r].hidden = True
    wb.save(p)
    df = read_roster(p)
    assert len(df) == 30 and list(df['npi']) == list(csv_df['npi'])
    [warning] = [w for w in df.attrs["roster_warnings"] if "hidden" in w]
    assert warning.endswith("3 hidden or filtered-out row(s) read too: delete the rows to leave out")
    assert any("3 hidden" in w for w in validate_roster(df).warnings)
    plain = tmp_path / "plain.xlsx"
    _write_xlsx(csv_df, plain)
    assert not any("hidden" in w for w in read_roster(plain).attrs.get("roster_warnings", []))


def test_xlsx_bad_roster_gives_the_same_errors_as_the_csv(tmp_path):
    csv_df = read_roster(BAD)
    p = tmp_path / "bad.xlsx"
    _write_xlsx(csv_df, p)
    pd.testing.assert_frame_equal(validate_roster(read_roster(p)).errors, validate_roster(csv_df).errors)


def test_an_xlsx_roster_with_millions_of_cells_is_refused_before_openpyxl(tmp_path, monkeypatch):
    # 50 kB on disk, 2.1 million empty cells (or 3 million shared strings: 42 s and 566 MB in openpyxl
    # before any check); counted by the Excel-file layer's byte scan first, as recalc does
    base, p = tmp_path / "base.xlsx", tmp_path / "cells.xlsx"
    _write_xlsx(read_roster(BAD), base)
    with zipfile.ZipFile(base) as zin, zipfile.ZipFile(p, "w", compression=zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            body = zin.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = body.replace(b"</sheetData>", b'<row r="9999">' + b'<c r="A9999"/>' * 2_100_000 + b"</row></sheetData>")
            zout.writestr(info, body)
    assert p.stat().st_size < 200_000

    def no_openpyxl(*a, **k):
        raise AssertionError("openpyxl must not see a refused package")

    monkeypatch.setattr(openpyxl, "load_workbook", no_openpyxl)
    with pytest.raises(RosterError, match=r"cells.xlsx has 2,10\d,\d{3} cells \(limit 2,000,000"):
        read_roster(p)


def test_zip_bomb_like_xlsx_is_refused_before_openpyxl(tmp_path, monkeypatch):
    p = tmp_path / "bomb.xlsx"
    _write_xlsx(read_roster(BAD), p)
    with zipfile.ZipFile(p, "a", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/media/padding.bin", b"\0" * 5_000_000)
    assert p.stat().st_size < 100_000

    def no_openpyxl(*a, **k):
        raise AssertionError("openpyxl must not see a refused package")

    monkeypatch.setattr(openpyxl, "load_workbook", no_openpyxl)
    with pytest.raises(RosterError, match="unpacks to"):
        read_roster(p, max_unpacked_bytes=1_000_000)
    with pytest.raises(RosterError, match="zip members"):
        read_roster(p, max_zip_members=5)


def test_non_workbook_renamed_xlsx_is_refused(tmp_path):
    text = tmp_path / "text.xlsx"
    text.write_text("npi,name\n1234567893,x\n", encoding="utf-8")
    with pytest.raises(RosterError, match="not a valid Excel workbook"):
        read_roster(text)
    other_zip = tmp_path / "other.xlsx"
    with zipfile.ZipFile(other_zip, "w") as zf:
        zf.writestr("readme.txt", "hello")
    with pytest.raises(RosterError, match="not a valid Excel workbook"):
        read_roster(other_zip)
    ole = tmp_path / "protected.xlsx"
    ole.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    with pytest.raises(RosterError, match="password-protected"):
        read_roster(ole)


def test_workbook_xml_with_entities_is_refused(tmp_path):
    assert openpyxl.DEFUSEDXML
    src, dst = tmp_path / "ok.xlsx", tmp_path / "lol.xlsx"
    _write_xlsx(read_roster(BAD), src)
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>')
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/workbook.xml":
                body = data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data
                data = laughs + body
            zout.writestr(info, data)
    with pytest.raises(RosterError, match="possible XML attack"):
        read_roster(dst)


# ------------------------------------------------------------------------------------- reporting
def test_error_report_is_written_atomically_with_fixed_columns_and_inert_formulas(tmp_path):
    errors = validate_roster(read_roster(BAD)).errors
    formula = pd.DataFrame([{"row": 40, "npi": "1234567893", "name": '=HYPERLINK("http://x","y")',
                             "column": "q236_eligible", "value": "-5", "reason": "must be a whole number >= 0"}])
    errors = pd.concat([errors, formula], ignore_index=True)
    out = tmp_path / "errors.csv"
    out.write_text("old report", encoding="utf-8")
    assert write_error_report(errors, out) == out
    assert [p.name for p in tmp_path.iterdir()] == ["errors.csv"]  # no temp file left behind
    with open(out, encoding="utf-8-sig", newline="") as f:
        back = list(csv.reader(f))
    assert back[0] == ROSTER_ERROR_COLUMNS
    assert len(back) == len(errors) + 1
    assert back[-1][2] == '\'=HYPERLINK("http://x","y")' and back[-1][4] == "-5"
    assert [r[0] for r in back[1:]] == [str(r) for r in errors["row"]]


def test_error_report_failure_leaves_the_previous_report(tmp_path, monkeypatch):
    out = tmp_path / "errors.csv"
    out.write_text("old report", encoding="utf-8")
    errors = validate_roster(read_roster(BAD)).errors

    def fail(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr("asm_xl.roster.report.os.replace", fail)
    with pytest.raises(OSError):
        write_error_report(errors, out)
    assert out.read_text(encoding="utf-8") == "old report"
    assert [p.name for p in tmp_path.iterdir()] == ["errors.csv"]


def test_error_summary_counts_rejected_rows_and_top_reasons():
    errors = validate_roster(read_roster(BAD)).errors
    text = summarize_errors(errors)
    assert text.splitlines()[0] == "11 rows rejected (12 errors)."
    # each reason with its first case: the detail the grouping leaves out (which row, "did you mean 85%?") is shown
    assert "      2 x performance_year: must be a performance year 2027-2031 (e.g. row 12: 2026)" in text.splitlines()
    assert ("      1 x npi: duplicate participant (e.g. row 11: 1467583922 (same NPI, TIN and performance year as "
            "row 2))") in text.splitlines()
    assert summarize_errors(errors.iloc[:0]) == "No errors: every row is valid."
    assert len(summarize_errors(errors, top=3).splitlines()) == 2 + 3 + 1


def test_a_reasons_own_example_is_not_nested_in_the_cases_example():
    from asm_xl.roster import summarize_errors
    errors = pd.DataFrame({"row": [3, 5], "npi": ["1234567893", "1234567893"], "name": ["a", "b"], "column": ["tin", "tin"],
                           "value": ["=2+5", "12"], "reason": ["must be a 9-digit TIN, dashes allowed (e.g. 12-3456789)",
                                                               "must be a 9-digit TIN, dashes allowed (e.g. 12-3456789)"]})
    assert summarize_errors(errors).splitlines()[-1] == (
        "      2 x tin: must be a 9-digit TIN, dashes allowed (e.g. 12-3456789) (e.g. row 3: =2+5)")


def test_a_cost_without_cost_episodes_is_an_error_naming_the_column():
    df = pd.DataFrame({"npi": ["1234567893"], "specialty": ["Cardiology"], "performance_year": ["2027"],
                       "practice_size": ["3"], "part_b_payments": ["100000"], "pi_score": ["1"],
                       "cost_points": ["8"], "q236_eligible": ["50"], "q236_reported": ["50"],
                       "q236_rate": ["0.7"]}, dtype=object)
    res = validate_roster(df)
    assert res.valid.empty
    assert res.errors[["row", "column"]].values.tolist() == [[0, "cost_episodes"]]  # the frame's label
    assert "required with cost_points or episode_cost" in res.errors["reason"].iloc[0]


def _semicolon_copy(tmp_path, edits: dict) -> Path:
    """The sample's first two physicians written as Excel writes CSV where the comma is the decimal mark."""
    rows = list(csv.reader(SAMPLE.read_text(encoding="utf-8-sig").splitlines()))[:3]
    for (r, col), value in edits.items():
        rows[r][rows[0].index(col)] = value
    path = tmp_path / "european.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter=";").writerows(rows)
    return path


def test_a_semicolon_csv_reads_decimal_commas_as_decimal_points_and_says_so(tmp_path):
    path = _semicolon_copy(tmp_path, {(1, "part_b_payments"): "416569,50", (2, "part_b_payments"): "1.250.000,75",
                                      (1, "pi_score"): "0,85"})
    df = read_roster(path)
    assert df["part_b_payments"].tolist() == ["416569.50", "1250000.75"]  # not 41,656,950
    assert df["pi_score"].iloc[0] == "0.85"
    assert any("decimal comma" in w for w in df.attrs["roster_warnings"])
    v = validate_roster(df)
    assert v.ok and v.scored.scores["part_b_payments"].tolist() == [416569.5, 1250000.75]


def test_an_unterminated_quote_is_reported_with_its_line_not_swallowing_rows(tmp_path):
    lines = SAMPLE.read_text(encoding="utf-8-sig").splitlines()
    path = tmp_path / "quote.csv"
    path.write_text("\n".join([lines[0], lines[1].replace(",", ',"', 1), lines[2], lines[3]]) + "\n", encoding="utf-8")
    with pytest.raises(roster.RosterError, match=r"line 2: a double quote .* never closes"):
        read_roster(path)


# ------------------------------------------------------------------------------ one row numbering
def test_the_library_and_the_cli_report_the_same_file_row_for_the_same_bad_cell(tmp_path, capsys):
    """One numbering: score_cohort and validate_roster name a row by the frame's label, and
    read_roster labels rows by their file row, so all three reports agree with what a user sees in
    the file (a blank line included, which keeps its row number)."""
    from asm_xl.cli import main

    lines = BAD.read_text(encoding="utf-8-sig").splitlines()
    path = tmp_path / "gap.csv"
    path.write_text("\n".join(lines[:3] + [""] + lines[3:]) + "\n", encoding="utf-8")  # blank file row 4
    # the cell by hand: file row 7 (line 7 of the file) is the row whose q236_eligible is -5
    header = next(csv.reader([lines[0]]))
    seventh = next(csv.reader([path.read_text(encoding="utf-8").splitlines()[6]]))
    assert seventh[header.index("q236_eligible")] == "-5"
    df = read_roster(path)
    api = score_cohort(df).errors
    assert api.loc[api["column"] == "q236_eligible", "row"].tolist() == [7]
    roster_errors = validate_roster(df).errors
    assert roster_errors.loc[roster_errors["column"] == "q236_eligible", "row"].tolist() == [7]
    report = tmp_path / "errors.csv"
    assert main(["score", str(path), "--errors", str(report)]) == 2
    capsys.readouterr()
    with open(report, encoding="utf-8-sig", newline="") as f:
        cli = [(int(r["row"]), r["column"]) for r in csv.DictReader(f)]
    assert cli == [(int(r), c) for r, c in roster_errors[["row", "column"]].itertuples(index=False)]
    assert (7, "q236_eligible") in cli
    # every cell the library rejects is in the CLI's report under the same row (the roster adds its own
    # checks: a missing NPI, duplicates with TINs typed differently)
    api_cells = {(int(r), c) for r, c in zip(api["row"], api["column"])}
    assert len(api_cells) == len(api) >= 8 and api_cells <= set(cli)


def test_a_roster_with_a_title_above_its_headers_is_told_where_the_headers_are(tmp_path):
    path = tmp_path / "roster.csv"
    lines = SAMPLE.read_text(encoding="utf-8-sig").splitlines()
    path.write_text("Practice roster 2027,,\n" + "\n".join(lines[:3]) + "\n", encoding="utf-8")
    with pytest.raises(RosterError, match=r"row 2 has 51 values but the header has 3 columns.* \(the column headers "
                                          r"look like they are on row 2: put them in row 1, above the first physician\)"):
        read_roster(path)
    # a title row as wide as the table (a spreadsheet's export): refused, saying where the headers are (it was read
    # with a warning, every row an error under a header of one title)
    path.write_text("Practice roster 2027" + "," * 50 + "\n" + "\n".join(lines[:3]) + "\n", encoding="utf-8")
    with pytest.raises(RosterError, match=r"^roster.csv: column B has values \(row 2: 'tin'\) but no header in row 1; the "
                                          r"column headers look like they are on row 2: put them in row 1, above the "
                                          r"first physician$"):
        read_roster(path)
    # a title in every header cell but the roster's own: the refusal of the missing npi column says where they are
    path.write_text(",".join(f"Title {k}" for k in range(51)) + "\n" + "\n".join(lines[:3]) + "\n", encoding="utf-8")
    with pytest.raises(RosterError, match=r"^no 'npi' column: every row needs a physician's NPI \(the column headers "
                                          r"look like they are on row 2: put them in row 1, above the first physician\)$"):
        validate_roster(read_roster(path))


def test_a_semicolon_csv_refuses_a_number_that_is_a_decimal_or_a_thousands_group(tmp_path):
    # "312,450" in a semicolon file: 312.45 (decimal comma) or 312,450 (a US thousands group)? It was read
    # as $312.45, a thousandth of the payments, with only the generic note; "312.450" (European thousands
    # dot) as 312.45 with no note at all. Now each is a row error naming the column and the value; the
    # other rows are kept, and an unambiguous decimal comma is read as before.
    path = _semicolon_copy(tmp_path, {(1, "part_b_payments"): "312,450", (2, "part_b_payments"): "312.450"})
    df = read_roster(path)
    v = validate_roster(df)
    bad = v.errors[v.errors["column"] == "part_b_payments"]
    assert bad["row"].tolist() == [2, 3] and not v.ok and len(v.scored.scores) == 0
    assert bad["value"].tolist() == ["312,450", "312.450"]   # as typed; the reason says why (not the column's range)
    assert bad["reason"].tolist() == ["ambiguous in a file with decimal commas (312450 or 312.45?): a decimal comma or a "
                                      "thousands separator: write it without grouping"] * 2
    ok = read_roster(_semicolon_copy(tmp_path, {(1, "part_b_payments"): "312450,00", (2, "pi_score"): "0,750"}))
    assert ok["part_b_payments"].iloc[0] == "312450.00" and ok["pi_score"].iloc[1] == "0.750"
    # a fraction, a rate or points is never in the thousands: its comma is the decimal one (1,000 = 1.0)
    fractions = read_roster(_semicolon_copy(tmp_path, {(1, "pi_score"): "1,000", (1, "complex_bonus"): "2,500",
                                                       (2, "q236_eligible"): "1,000"}))
    assert fractions[["pi_score", "complex_bonus"]].iloc[0].tolist() == ["1.000", "2.500"]
    assert "ambiguous" in fractions["q236_eligible"].iloc[1]   # a count: 1 or 1,000 cases?


def test_a_comma_csv_refuses_a_dot_before_three_digits_in_a_column_of_dollars_or_counts(tmp_path):
    # "250.000" (a European thousands dot) in a comma-separated file was read as $250: the dollar impact came
    # out 1,000 times too small without a word; "1.000" eligible cases as 1 case (Q008 excluded by the case
    # minimum). No dollar amount or count has three decimals: each is a row error naming the column, the
    # value and how to write it; the other rows are kept, and fractions and two-decimal dollars read as before.
    rows = list(csv.reader(SAMPLE.read_text(encoding="utf-8-sig").splitlines()))[:4]
    head = rows[0]
    rows[1][head.index("part_b_payments")] = "250.000"
    rows[2][head.index("part_b_payments")] = "250000.50"
    rows[2][head.index("pi_score")] = "0.750"
    rows[3][head.index("q236_eligible")] = "1.000"
    path = tmp_path / "dots.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    df = read_roster(path)
    assert (df["part_b_payments"].iloc[1], df["pi_score"].iloc[1]) == ("250000.50", "0.750")
    v = validate_roster(df)
    assert v.errors[["row", "column"]].values.tolist() == [[2, "part_b_payments"], [4, "q236_eligible"]]
    assert v.errors["value"].tolist() == ["250.000", "1.000"]
    assert v.errors["reason"].tolist() == [
        "ambiguous: a decimal point or a thousands dot? a dollar amount or a count has no three decimals: write "
        "250000, or 250,000 with a thousands comma",
        "ambiguous: a decimal point or a thousands dot? a dollar amount or a count has no three decimals: write "
        "1000, or 1,000 with a thousands comma"]
    assert len(v.valid) == 1 and float(v.valid["part_b_payments"].iloc[0]) == 250000.5


def test_a_text_longer_than_an_excel_cell_holds_is_a_row_error_naming_the_column_and_its_length(tmp_path):
    # a 40,000-character name went into the workbook's Inputs!B6 as it was (Excel repairs or cuts the
    # file), and was silently cut to 32,767 in the index; one of 200,000 refused the whole file
    rows = list(csv.reader(SAMPLE.read_text(encoding="utf-8-sig").splitlines()))[:4]
    rows[1][rows[0].index("name")] = "A" * 200_000   # past csv's own limit (131,072), which refused the file
    path = tmp_path / "long.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    v = validate_roster(read_roster(path))
    assert v.errors[["row", "column", "value", "reason"]].values.tolist() == [
        [2, "name", "A" * 40 + "...", "200,000 characters (as Excel counts them): an Excel cell holds at most 32,767"]]
    assert len(v.valid) == 2   # the other rows are kept


def test_a_text_is_measured_as_excel_counts_it_in_utf16_units(tmp_path):
    # 20,000 emoji are 40,000 UTF-16 units: accepted, written whole into the workbook and cut by the index
    rows = list(csv.reader(SAMPLE.read_text(encoding="utf-8-sig").splitlines()))[:3]
    rows[1][rows[0].index("name")] = "\N{GRINNING FACE}" * 20_000
    rows[2][rows[0].index("name")] = "\N{GRINNING FACE}" * 16_383   # 32,766 units: allowed
    path = tmp_path / "emoji.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    v = validate_roster(read_roster(path))
    assert v.errors[["row", "column", "reason"]].values.tolist() == [
        [2, "name", "40,000 characters (as Excel counts them): an Excel cell holds at most 32,767"]]
    assert len(v.valid) == 1


def test_an_xlsx_rosters_formula_without_a_stored_value_is_named_not_read_as_blank(tmp_path):
    # a roster written by a script (openpyxl saves formulas without their values): "=100000*3" for payments
    # read as blank ("required"), and a name "=cmd|..." silently became ''
    rows = list(csv.reader(SAMPLE.read_text(encoding="utf-8-sig").splitlines()))[:4]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Roster"
    for r in rows:
        ws.append(r)
    ws.cell(row=3, column=rows[0].index("part_b_payments") + 1).value = "=100000*3"
    ws.cell(row=4, column=rows[0].index("name") + 1).value = "=cmd|' /C calc'!A0"
    path = tmp_path / "formulas.xlsx"
    wb.save(path)
    df = read_roster(path)
    from asm_xl.roster.uncached_formulas import UNCACHED
    assert df.loc[3, "part_b_payments"] == UNCACHED and df.loc[4, "name"] == UNCACHED
    assert df.loc[2, "part_b_payments"] == rows[1][rows[0].index("part_b_payments")]   # the rest as stored
    assert any("formula cells without a stored value" in w for w in df.attrs["roster_warnings"])
    v = validate_roster(df)   # each named: the name too (it became the physician's name, the mark as text)
    why = "a formula without a stored value: open the file in Excel and save it"
    assert v.errors[["row", "column", "value", "reason"]].values.tolist() == [[3, "part_b_payments", None, why],
                                                                              [4, "name", None, why]]


def test_a_native_unit_rate_typed_as_a_fraction_is_scored_as_given_with_a_warning(tmp_path):
    # Q492 is in admissions per 100 person-years (its ladder runs from about 60 to 79): 0.724 typed for 72.4
    # (every other rate is a fraction) scored 10 points, the best, without a word
    rows = list(csv.reader(SAMPLE.read_text(encoding="utf-8-sig").splitlines()))
    head = rows[0]
    hf = [k for k, r in enumerate(rows[1:], start=1) if r[head.index("q492_rate")]]
    rows[hf[0]][head.index("q492_rate")] = "0.724"
    rows[hf[1]][head.index("q492_rate")] = "0"
    path = tmp_path / "q492.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    v = validate_roster(read_roster(path))
    assert v.errors.empty   # allowed: a warning, not an error
    assert [w for w in v.warnings if "q492_rate" in w] == [
        f"2 row(s) give q492_rate 1 or less (e.g. 0.724): Q492 is in admissions per 100 person-years, not a fraction "
        f"(72.4, not 0.724?); scored as given (rows {hf[0] + 1}, {hf[1] + 1})"]
    assert not [w for w in validate_roster(read_roster(SAMPLE)).warnings if "q492_rate" in w]


def test_a_native_unit_rate_typed_as_a_percentage_is_refused_naming_the_unit(tmp_path):
    # "72.4%" was refused as "must be a number >= 0 (native units)": which units, and why not 72.4%?
    rows = list(csv.reader(SAMPLE.read_text(encoding="utf-8-sig").splitlines()))
    head = rows[0]
    hf = next(k for k, r in enumerate(rows[1:], start=1) if r[head.index("q492_rate")])
    rows[hf][head.index("q492_rate")] = "72.4%"
    path = tmp_path / "q492.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    v = validate_roster(read_roster(path))
    assert v.errors[["row", "column", "value", "reason"]].values.tolist() == [
        [hf + 1, "q492_rate", "72.4%", "must be a number >= 0 in admissions per 100 person-years, no % sign "
                                       "(72.4 as the benchmark file states it)"]]


def test_a_pi_score_of_one_percent_or_less_typed_with_a_percent_sign_is_scored_with_a_warning(tmp_path):
    # "0.9%" reads as 0.009: the fraction 0.9 with a % sign added by habit cost the PI category silently
    rows = list(csv.reader(SAMPLE.read_text(encoding="utf-8-sig").splitlines()))
    at = rows[0].index("pi_score")
    rows[1][at], rows[2][at], rows[3][at] = "0.9%", "0%", "90%"
    path = tmp_path / "pi.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    df = read_roster(path)
    v = validate_roster(df)
    assert v.errors.empty and v.valid["pi_score"].iloc[0] == "0.9%"
    assert [w for w in v.warnings if "pi_score" in w] == [
        "1 row(s) give pi_score as 1% or less (e.g. 0.9%, which is 0.009): did you mean 90% (0.9)? scored as given "
        "(row 2)"]


def test_a_byte_order_mark_read_as_windows_1252_is_not_part_of_the_first_header(tmp_path):
    # a roster saved through a UTF-8 -> Windows-1252 round trip starts "ï»¿npi": refused as a near-miss of npi
    csv_df = read_roster(SAMPLE)
    text = SAMPLE.read_text(encoding="utf-8-sig")
    p = tmp_path / "twice.csv"
    p.write_text("\u00ef\u00bb\u00bf" + text, encoding="utf-8")
    pd.testing.assert_frame_equal(read_roster(p), csv_df)


def test_a_required_column_the_roster_lacks_is_said_once_as_a_column_not_a_blank_in_each_row():
    # "30 x pi_score: required: ... (e.g. row 2: blank)" read as thirty blanks to fill, not one column to add
    roster = read_roster(SAMPLE).drop(columns=["pi_score"])
    errors = validate_roster(roster).errors
    assert set(errors["column"]) == {"pi_score"} and len(errors) == len(roster)
    assert set(errors["reason"]) == {"required: a fraction between 0 and 1, where 70% is 0.70 (the roster has no "
                                     "'pi_score' column)"}
    assert "has no 'pi_score' column" in summarize_errors(errors)
    # a column there but blank in a row is a blank to fill, as before
    blank = read_roster(SAMPLE)
    blank.loc[0, "pi_score"] = ""
    assert "has no" not in validate_roster(blank).errors["reason"].iloc[0]
