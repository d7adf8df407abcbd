"""A refused roster cell says what it is when it is no number at all, ahead of its column's rule: "441298.00 $"
and "abc" were both only "must be dollars between 0 and 1,000,000,000", which every such text is."""

from __future__ import annotations

from pathlib import Path

import pytest

from asm_xl.roster import read_roster, validate_roster

SAMPLE = Path(__file__).resolve().parents[2] / "asm_xl" / "roster" / "data" / "sample_roster.csv"
DOLLARS = "must be dollars between 0 and 1,000,000,000"
FRACTION = "must be a fraction between 0 and 1, where 70% is 0.70"


@pytest.mark.parametrize("column, typed, reason", [
    ("part_b_payments", "441298.00 $", f"not a number (digits only: no word, unit or sign after them): {DOLLARS}"),
    ("part_b_payments", "USD 294391", f"not a number (digits only: no word, unit or sign after them): {DOLLARS}"),
    ("part_b_payments", "abc", f"not a number: {DOLLARS}"),
    ("part_b_payments", "195105,00", f"a decimal comma? write 195105.00: {DOLLARS}"),
    ("part_b_payments", "-5", DOLLARS),                                 # a number out of range: the rule alone
    ("q008_rate", "N/A", f"not a number (leave the cell blank where there is none): {FRACTION}"),
    ("q008_rate", "#DIV/0!", f"not a number (leave the cell blank where there is none): {FRACTION}"),
    ("q008_rate", "85", f"{FRACTION}; did you mean 85%?"),
    ("practice_size", "2027-01-01", "a date, not a number: must be a whole number of clinicians >= 1"),
])
def test_a_cell_that_is_no_number_says_what_it_is_and_what_is_allowed(column, typed, reason):
    df = read_roster(SAMPLE)
    df.loc[2, column] = typed
    errors = validate_roster(df).errors
    assert errors[["row", "column", "value", "reason"]].values.tolist() == [[2, column, typed, reason]]


def test_another_cohorts_measures_on_a_row_are_one_error_naming_them():
    # an LBP specialty on a row of HF measures: one line per filled measure cell (18) buried the cause
    df = read_roster(SAMPLE)
    df.loc[2, "specialty"] = "Orthopedic Surgery"
    errors = validate_roster(df).errors
    assert errors[["row", "column", "value", "reason"]].values.tolist() == [[
        2, "q492_collection_type", "Administrative claims",
        "18 cells of measures not of this participant's cohort are filled (q492_collection_type, q492_rate, "
        "q008_collection_type, q008_eligible, ...): check the specialty or cohort, or clear them"]]
    df = read_roster(SAMPLE)   # one such cell: its own reason, as before
    df.loc[2, "q238_rate"] = "0.5"
    assert validate_roster(df).errors["reason"].tolist() == ["Q238 is not a measure of this participant's cohort"]


def test_an_npi_exported_as_a_decimal_number_says_to_drop_the_point():
    # "1948771732.0" said only "12 characters given"
    df = read_roster(SAMPLE)
    df.loc[2, "npi"] = df.loc[2, "npi"] + ".0"
    (reason,) = validate_roster(df).errors["reason"]
    assert reason == f"must be a 10-digit NPI, written without a decimal point (drop the .0: {df.loc[2, 'npi'][:10]})"
