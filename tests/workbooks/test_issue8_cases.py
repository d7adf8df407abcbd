"""Issue 8's workbook cases: each reproduces what a user saw, then checks the workbook equals the core.

Hand figures use the packaged PY2026 MIPS ladders:
- Q008 eCQM B1..B10 = 57.14, 83.33, 87.93, 90.32, ...: a rate of 90% reaches B3 = 87.93, not B4, so
  points = 3 + (90 - 87.93) / (90.32 - 87.93) = 3 + 2.07 / 2.39 = 3.86611 (spec 3.1).
- Q220 MIPS CQM B1..B10 = 15.79, 41.18, 60.0, 69.57, ...: 65% -> 3 + 5 / 9.57 = 3.52247.
"""
from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from asm_xl.calc.recalc import recalc_file
from asm_xl.model.participant import MeasureInput, Participant, score_participant
from asm_xl.model.settings import Settings
from asm_xl.workbooks import layout as L
from asm_xl.workbooks.batch import generate_workbooks

Q008_POINTS = 3 + 2.07 / 2.39
Q220_POINTS = 3 + 5 / 9.57
BASE = {"npi": "1891394078", "tin": "83-7035914", "name": "Case Physician", "performance_year": "2027",
        "practice_size": "20", "part_b_payments": "100000", "cost_episodes": "30", "cost_points": "5",
        "ia1_done": "yes", "ia2_done": "yes", "pi_score": "1", "submitted_on_time": "yes"}


def _generate(tmp_path, row: dict, **kw) -> openpyxl.Workbook:
    report = generate_workbooks(pd.DataFrame([row], dtype=object), out_dir=tmp_path, **kw)
    assert report.exit_code == 0 and len(report.written) == 1, report
    return report.written[0]


def _cached(path, name: str):
    wb = openpyxl.load_workbook(path, data_only=True)
    (sheet, ref), = wb.defined_names[name].destinations
    return wb[sheet][ref.replace("$", "")].value


def _score_cell(path, column: str, measure: str):
    ws = openpyxl.load_workbook(path, data_only=True)[L.SCORE]
    for r in range(L.SCORE_MEASURE_FIRST_ROW, L.SCORE_MEASURE_FIRST_ROW + L.MAX_MEASURES):
        if ws[f"A{r}"].value == measure:
            return ws[f"{column}{r}"].value
    raise AssertionError(measure)


def test_completeness_without_eligible_cases_is_carried_into_the_workbook(tmp_path):
    # Issue 8: q236_completeness=0.9, q236_rate=0.72, no q236_eligible. The workbook recomputed the
    # completeness as 0 (Q236 counted with 0 points: quality 3.866 / 40); the core keeps 0.9, so Q236
    # is complete with 0 eligible cases: excluded (fewer than the case minimum). Quality = 3.866 / 30
    # (Q008 scored, Q005 and Q377 unreported count 0, Q492 without a rate is excluded).
    row = {**BASE, "specialty": "Cardiology", "q008_eligible": "60", "q008_reported": "60", "q008_rate": "0.90",
           "q236_completeness": "0.9", "q236_rate": "0.72"}
    path = _generate(tmp_path, row)
    quality = Q008_POINTS / 30
    assert _cached(path, "Sc_Quality") == pytest.approx(quality, rel=1e-12)
    final = 50 * quality + 50 * 0.5  # cost 5 points -> 0.5; IA both done, PI 100%, 20 clinicians: no adjustment
    assert _cached(path, "Sc_Final") == pytest.approx(final, abs=1e-9)   # rounded to 9 decimals (final_score)
    assert _score_cell(path, "C", "Q236") == 0.9
    assert _score_cell(path, "F", "Q236") == "Excluded: fewer eligible cases than the case minimum"
    core = score_participant(Participant(
        cohort="HF", performance_year=2027, practice_size=20, ia_done=2, pi_score=1.0, part_b_payments=100_000,
        cost_episodes=30, cost_points=5,
        measures=[MeasureInput("Q008", None, 60, 60, 0.90), MeasureInput("Q236", rate=0.72, completeness=0.9)]))
    assert core.final_score == pytest.approx(final, abs=1e-9)


def test_cleared_collection_type_means_the_measures_first_one(tmp_path):
    # Issue 8: clearing Q220's collection type (MIPS CQM only) made the template use "eCQM": #NUM!.
    row = {**BASE, "specialty": "Orthopedic Surgery", "q220_collection_type": "MIPS CQM", "q220_eligible": "50",
           "q220_reported": "50", "q220_rate": "0.65"}
    path = _generate(tmp_path, row)
    wb = openpyxl.load_workbook(path)
    ws = wb[L.INPUTS]
    col = L.MEASURE_INPUTS["In_CollType"][0]
    (r,) = [r for r in L.measure_rows() if ws[f"A{r}"].value == "Q220"]
    assert ws[f"{col}{r}"].value == "MIPS CQM"
    ws[f"{col}{r}"] = None  # the user clears the cell
    wb.save(path)
    recalc_file(path)
    assert _score_cell(path, "B", "Q220") == "MIPS CQM"
    assert _score_cell(path, "E", "Q220") == pytest.approx(Q220_POINTS, rel=1e-12)
    # LBP: Q238, Q134, Q128 unreported count 0, so quality = 3.522 / 40; final = 50 x q + 25
    assert _cached(path, "Sc_Final") == pytest.approx(50 * Q220_POINTS / 40 + 25, abs=1e-9)


def test_generated_workbook_leaves_a_blank_collection_type_blank_and_scores_the_first(tmp_path):
    row = {**BASE, "specialty": "Orthopedic Surgery", "q220_eligible": "50", "q220_reported": "50",
           "q220_rate": "0.65"}
    path = _generate(tmp_path, row)
    assert _score_cell(path, "B", "Q220") == "MIPS CQM"
    assert _cached(path, "Sc_Final") == pytest.approx(50 * Q220_POINTS / 40 + 25, abs=1e-9)


def test_weights_note_follows_the_quality_weight_assumption(tmp_path):
    # Issue 8: the note said "Quality and cost weigh 50% each." whatever quality_weight said.
    row = {**BASE, "specialty": "Cardiology", "q008_eligible": "60", "q008_reported": "60", "q008_rate": "0.90"}
    path = _generate(tmp_path, row, settings=Settings(quality_weight=0.6))
    assert _cached(path, "Sc_Note") == "Quality weighs 60% and cost 40% of the final score."
    # quality = 3.866 / 40 (Q005, Q236, Q377 unreported count 0); final = 100 x (0.6 q + 0.4 x 0.5)
    assert _cached(path, "Sc_Final") == pytest.approx(100 * (0.6 * Q008_POINTS / 40 + 0.4 * 0.5), abs=1e-9)


def test_weights_note_says_when_reweighting_is_off(tmp_path):
    row = {**BASE, "specialty": "Cardiology", "q008_eligible": "60", "q008_reported": "60", "q008_rate": "0.90",
           "cost_episodes": "5", "cost_points": ""}
    path = _generate(tmp_path, row, settings=Settings(reweight_unscored_category=False))
    assert _cached(path, "Sc_Note") == ("Cost not scored: it adds 0 (quality weighs 50%; reweighting is off) "
                                        "[ASSUMPTION].")
    assert _cached(path, "Sc_Final") == pytest.approx(50 * Q008_POINTS / 40, abs=1e-9)


SCORE_SHEET_CSV = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,2"


def test_libreoffice_shows_every_measure_cell_without_recalculating_it(tmp_path):
    # A measure cell whose cached value is an empty text is recalculated by LibreOffice on load
    # (#NAME? without the add-in): excluded and claims measures show "n/a", "-", "excluded" instead.
    import csv
    import os
    import shutil
    import subprocess
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    row = {**BASE, "specialty": "Cardiology", "q008_eligible": "60", "q008_reported": "60", "q008_rate": "0.90",
           "q236_completeness": "0.9", "q236_rate": "0.72"}
    path = _generate(tmp_path, row)
    env = {**os.environ, "HOME": str(tmp_path / "home")}
    cmd = [soffice, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless", "--norestore",
           "--convert-to", SCORE_SHEET_CSV, "--outdir", str(tmp_path / "out"), str(path)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr
    (out,) = (tmp_path / "out").glob("*.csv")
    with open(out, encoding="utf-8", newline="") as fh:
        rows = {r[0]: r for r in csv.reader(fh) if r}
    assert not [r for r in rows.values() if any(c.startswith("#") for c in r)]
    assert rows["Q492"][1:7] == ["Administrative claims", "n/a", "n/a", "-",
                                 "Excluded: administrative-claims rate not available", "excluded"]
    assert rows["Q236"][2:7] == ["90%", "0", "-", "Excluded: fewer eligible cases than the case minimum",
                                 "excluded"]
    assert rows["Q005"][2:7] == ["0%", "0", "-", "0 points: not reported", "0"]


def test_a_roster_exported_from_excel_with_percent_and_dollar_formats_generates_the_cores_numbers(tmp_path):
    # What Excel writes for %- and currency-formatted cells: "85%", "$1,250,000", thousands commas, TRUE/FALSE.
    row = {**BASE, "specialty": "Cardiology", "part_b_payments": "$1,250,000", "pi_score": "85%",
           "ia1_done": "TRUE", "ia2_done": "FALSE", "q008_eligible": "1,200", "q008_reported": "1,100",
           "q008_rate": "90%"}
    path = _generate(tmp_path, row)
    plain = {**row, "part_b_payments": "1250000", "pi_score": "0.85", "ia1_done": "yes", "ia2_done": "no",
             "q008_eligible": "1200", "q008_reported": "1100", "q008_rate": "0.90"}
    other = _generate(tmp_path / "plain", plain)
    for name in ("Sc_Quality", "Sc_Final", "Sc_Factor", "Sc_Impact"):
        assert _cached(path, name) == _cached(other, name), name
    assert _cached(path, "In_Payments") == 1_250_000 and _cached(path, "In_PI") == 0.85


def _why_of(path, name: str):
    """The Why cell (column C) beside a named Score cell, as cached."""
    wb = openpyxl.load_workbook(path, data_only=True)
    (sheet, ref), = wb.defined_names[name].destinations
    return wb[sheet]["C" + ref.replace("$", "")[1:]].value


def test_a_blank_practice_size_is_the_roster_s_rule_in_the_workbook_too(tmp_path):
    # CMS's small-practice flag given: the size may be blank (the flag decides, +10: not solo) in the roster, the
    # Score sheet and the Actions sheet alike; neither given: the row is refused, and the workbook's final score
    # is an error saying why (it was computed without the bonus beside a bonus row showing #VALUE!)
    flagged = {**BASE, "specialty": "Cardiology", "practice_size": "", "small_practice": "yes"}
    path = _generate(tmp_path / "a", flagged)
    core = score_participant(Participant(cohort="HF", performance_year=2027, practice_size=None, small_practice="yes",
                                         ia_done=2, pi_score=1.0, cost_points=5, cost_episodes=30,
                                         part_b_payments=100000))
    assert core.practice_bonus == 10.0
    assert _cached(path, "Sc_Final") == pytest.approx(core.final_score, abs=1e-9)
    assert "Not available" not in str(openpyxl.load_workbook(path, data_only=True)[L.ACTIONS]["A4"].value)
    wb = openpyxl.load_workbook(path)   # the flag cleared by hand: no size, no flag
    (sheet, ref), = wb.defined_names["In_SmallPractice"].destinations
    wb[sheet][ref.replace("$", "")] = None
    wb.save(path)
    recalc_file(path)
    assert _cached(path, "Sc_Final") == "#VALUE!"
    assert _why_of(path, "Sc_Final") == "practice_size is blank: a number is needed"
    # a non-whole size: the bonus row's error is the final score's too (+10 counted beside a #NUM!)
    wb = openpyxl.load_workbook(path)
    (sheet, ref), = wb.defined_names["In_PracticeSize"].destinations
    wb[sheet][ref.replace("$", "")] = 2.5
    wb.save(path)
    recalc_file(path)
    assert _cached(path, "Sc_Final") == "#NUM!"
    assert _why_of(path, "Sc_Final") == "practice_size: 2.5 is not a whole number"
