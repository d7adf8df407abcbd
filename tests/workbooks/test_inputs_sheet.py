"""The Inputs sheet as an Excel user edits it: the cohort every formula scores in is the one
``asm-xl score`` reads from the same row (the Cohort cell, else the specialty's cohort; a specialty of
another cohort is an error). Before, the Specialty cell said "decides the cohort" but no formula read
it: a blank Cohort made every result #VALUE! (the roster scores it as the specialty's cohort), and an
LBP specialty next to cohort HF was scored as HF (the roster rejects it)."""

from __future__ import annotations

import math

import openpyxl
import pytest

from asm_xl.calc.recalc import recalc_file
from asm_xl.model.cohort import score_cohort
from asm_xl.roster.read import read_roster
from asm_xl.workbooks import layout as L
from asm_xl.workbooks.batch import generate_workbooks

SAMPLE = "asm_xl/roster/data/sample_roster.csv"
SPECIALTY, COHORT = (f"B{L.SCALAR_INPUTS[n][0]}" for n in ("In_Specialty", "In_Cohort"))
SCORED, SCORED_HELP = f"B{L.COHORT_SCORED_ROW}", f"C{L.COHORT_SCORED_ROW}"


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """Hernández (HF, Cardiology): her roster row and her generated workbook."""
    roster = read_roster(SAMPLE)
    row = roster[roster["name"] == "Hernández, María José"]
    path, = generate_workbooks(row, out_dir=tmp_path_factory.mktemp("cohort")).written
    return row, path


def _edited(generated, tmp_path, **cells):
    """A copy of the workbook with Inputs cells typed over (None: cleared), recalculated."""
    wb = openpyxl.load_workbook(generated[1])
    for ref, value in cells.items():
        wb[L.INPUTS][ref] = value
    path = tmp_path / "edited.xlsx"
    wb.save(path)
    recalc_file(path)
    return openpyxl.load_workbook(path, data_only=True)


def _final(wb):
    (_, ref), = wb.defined_names["Sc_Final"].destinations
    return wb[L.SCORE][ref.replace("$", "")].value


def test_the_cohort_scored_is_shown_under_the_cohort_heading(generated):
    wb = openpyxl.load_workbook(generated[1], data_only=True)
    assert wb[L.INPUTS][f"A{L.SECTION_ROWS['Cohort']}"].value == "Cohort"
    assert wb[L.INPUTS][f"A{L.COHORT_SCORED_ROW}"].value == L.COHORT_SCORED_LABEL
    assert wb[L.INPUTS][SCORED].value == "HF"
    (_, ref), = wb.defined_names[L.COHORT_SCORED].destinations
    assert ref == f"$B${L.COHORT_SCORED_ROW}"


def test_a_blank_cohort_is_the_specialtys_as_in_the_roster(generated, tmp_path):
    row, _ = generated
    wb = _edited(generated, tmp_path, **{COHORT: None})
    assert wb[L.INPUTS][SCORED].value == "HF"   # Cardiology → HF
    # asm-xl score on the same row without its cohort: the specialty decides there too
    core = score_cohort(row.drop(columns=["cohort"], errors="ignore")).scores.iloc[0]
    assert math.isclose(_final(wb), float(core["final_score"]), rel_tol=1e-12)
    assert wb[L.ACTIONS][f"A{L.ACTIONS_FIRST_ROW}"].value not in (None, "")   # the actions are there


def test_a_specialty_of_another_cohort_is_an_error_that_names_it(generated, tmp_path):
    row, _ = generated
    clash = row.assign(specialty="Orthopedic Surgery", cohort="HF")
    errors = score_cohort(clash).errors
    assert list(errors["column"]) == ["specialty"]   # the roster rejects this row ...
    wb = _edited(generated, tmp_path, **{SPECIALTY: "Orthopedic Surgery"})
    ws = wb[L.INPUTS]
    assert ws[SCORED].value == "#VALUE!"              # ... and the workbook no longer scores it as HF
    assert ws[SCORED_HELP].value == ("specialty: 'Orthopedic Surgery' is not allowed "
                                     "(a specialty of the HF cohort: Cardiology)")
    assert _final(wb) == "#VALUE!"
    assert "cohort not scored (specialty: 'Orthopedic Surgery'" in wb[L.SCORE]["A2"].value
    assert wb[L.ACTIONS]["A4"].value.startswith("Not available: participant: specialty: 'Orthopedic Surgery'")


def test_neither_cohort_nor_specialty_is_a_value_error_that_says_what_is_needed(generated, tmp_path):
    wb = _edited(generated, tmp_path, **{SPECIALTY: None, COHORT: None})
    assert wb[L.INPUTS][SCORED].value == "#VALUE!"
    assert wb[L.INPUTS][SCORED_HELP].value == "cohort is blank (a cohort (HF, LBP) or an ASM specialty)"
    assert _final(wb) == "#VALUE!"
