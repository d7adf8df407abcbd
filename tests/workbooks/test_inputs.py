"""asm_xl.workbooks.inputs: a roster row → the template's input cells → written → read back
(asm_xl.workbooks.kept) → the same participant: the same input cells again, the same scores."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from asm_xl.model.cohort import score_cohort
from asm_xl.roster import read_roster, validate_roster
from asm_xl.workbooks import layout as L
from asm_xl.workbooks.inputs import READ_CELLS, participant_row, workbook_inputs
from asm_xl.workbooks.kept import read_kept_workbook
from asm_xl.workbooks.render import TemplateImage
from asm_xl.workbooks.template import default_template

SAMPLE = Path(__file__).resolve().parents[2] / "asm_xl" / "roster" / "data" / "sample_roster.csv"
TOL = dict(rel_tol=1e-9, abs_tol=1e-9)


@pytest.fixture(scope="module")
def image():
    return TemplateImage(default_template())


def _round_trip(image, tmp_path, row: dict, cohort: str, name: str = "book.xlsx") -> dict:
    inputs = workbook_inputs(row, cohort_code=cohort)
    path = tmp_path / name
    path.write_bytes(image.render(inputs)[0])
    kept = read_kept_workbook(path)
    assert kept is not None and kept.row is not None
    return kept.row


def _scored(rows: list[dict]) -> pd.DataFrame:
    res = score_cohort(pd.DataFrame(rows), performance_year=2027)
    assert len(res.errors) == 0, res.errors
    return res.scores


def test_every_sample_physician_reads_back_as_the_same_inputs_and_scores(image, tmp_path):
    v = validate_roster(read_roster(SAMPLE))
    originals, back = [], []
    for (label, row), cohort in zip(v.valid.iterrows(), v.scored.scores["cohort"]):
        row = row.to_dict()
        again = _round_trip(image, tmp_path, row, cohort, f"{label}.xlsx")
        assert workbook_inputs(again, cohort_code=cohort) == workbook_inputs(row, cohort_code=cohort)
        originals.append(row)
        back.append(again)
    a, b = _scored(originals), _scored(back)
    for col in ("final_score", "factor", "dollar_impact", "quality", "cost"):
        for x, y in zip(a[col].astype(float), b[col].astype(float)):
            assert (math.isnan(x) and math.isnan(y)) or math.isclose(x, y, **TOL), (col, x, y)


def test_a_row_reads_back_as_roster_text(image, tmp_path):
    row = read_roster(SAMPLE).iloc[0].to_dict()   # Okafor: HF, IAs yes/yes, PI 1, Q492 by claims
    back = _round_trip(image, tmp_path, row, "HF")
    assert back["npi"] == "1891394078" and back["name"] == "Okafor, Adaeze" and back["cohort"] == "HF"
    assert (back["performance_year"], back["part_b_payments"], back["pi_score"], back["cost_points"]) == \
        ("2027", "416569", "1", "1.8")
    assert (back["ia1_done"], back["ia2_done"], back["submitted_on_time"], back["small_practice"]) == \
        ("Yes", "Yes", "Yes", "")
    assert (back["q492_collection_type"], back["q492_eligible"], back["q492_rate"]) == \
        ("Administrative claims", "", "72.4")
    assert (back["q008_eligible"], back["q008_reported"], back["q008_rate"]) == ("159", "154", "0.8817")


def test_roster_spellings_read_back_as_the_values_they_stand_for(image, tmp_path):
    row = {"npi": "1891394078", "cohort": "LBP", "performance_year": "2028", "practice_size": "3",
           "part_b_payments": "$1,250,000", "ia_done": "1", "pi_score": "85%", "complex_bonus": "2.5",
           "small_practice": "no", "euc_exception": "TRUE", "cost_episodes": "30", "episode_cost": "1,234.5",
           "q134_collection_type": "ecqm", "q134_eligible": "40", "q134_reported": "31", "q134_rate": "0.61",
           "q134_completeness": "0.775", "q220_points": "7.25"}
    back = _round_trip(image, tmp_path, row, "LBP")
    assert (back["part_b_payments"], back["pi_score"], back["episode_cost"]) == ("1250000", "0.85", "1234.5")
    assert (back["ia1_done"], back["ia2_done"], back["small_practice"], back["euc_exception"]) == \
        ("Yes", "No", "No", "Yes")
    assert (back["q134_completeness"], back["q220_points"], back["q134_collection_type"]) == ("0.775", "7.25", "eCQM")
    assert "ia_done" not in back
    assert workbook_inputs(back, cohort_code="LBP") == workbook_inputs(row, cohort_code="LBP")


def test_cells_of_another_cohorts_measure_table_are_not_read_back():
    cells = {(L.INPUTS, f"B{L.SCALAR_INPUTS['In_Cohort'][0]}"): "HF",
             (L.INPUTS, f"A{L.MEASURE_FIRST_ROW}"): "Q134"}   # HF's first measure is not Q134
    assert participant_row(cells) is None
    assert participant_row({(L.INPUTS, f"B{L.SCALAR_INPUTS['In_Cohort'][0]}"): "XYZ"}) is None
    assert set(READ_CELLS) >= set(workbook_inputs({"npi": "1891394078"}, cohort_code="HF"))


def test_a_kept_workbook_with_its_cohort_blanked_is_read_back_in_its_specialtys_cohort():
    """The Cohort scored cell takes the specialty's cohort when Cohort is blank, and so does reading back."""
    row = {"npi": "1891394078", "specialty": "Cardiology", "q008_rate": "0.9"}
    cells = dict(workbook_inputs(row, cohort_code="HF"))
    cells[(L.INPUTS, f"B{L.SCALAR_INPUTS['In_Cohort'][0]}")] = None
    back = participant_row(cells)
    assert back is not None and back["cohort"] == "" and back["specialty"] == "Cardiology"
    assert back["q008_rate"] == "0.9"
    cells[(L.INPUTS, f"B{L.SCALAR_INPUTS['In_Specialty'][0]}")] = None   # neither: not a participant
    assert participant_row(cells) is None


def test_the_cells_shared_by_a_cohort_or_settings_are_each_rows_own():
    # the measure table's labels and the Assumptions cells are worked out once per cohort and settings: a row's
    # cells (which generate edits, e.g. the cost ladder's) are its own dict, and the next row gets them afresh
    from asm_xl.model.settings import DEFAULT_SETTINGS
    row = validate_roster(read_roster(SAMPLE)).valid.iloc[0].to_dict()
    s = DEFAULT_SETTINGS.replace(pool="given", given_scaling_factor=1.5, given_midpoint=50)
    first = workbook_inputs(row, cohort_code="HF", settings=s)
    want = dict(first)
    assert (L.ASSUMPTIONS, "B2") in first and (L.INPUTS, f"A{L.MEASURE_FIRST_ROW}") in first
    for cell in list(first):
        first[cell] = "edited"
    assert workbook_inputs(row, cohort_code="HF", settings=s) == want
    assert not any(sheet == L.ASSUMPTIONS for sheet, _ in workbook_inputs(row, cohort_code="HF"))
