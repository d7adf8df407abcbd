"""A cohort measure taken off a generated workbook's Inputs sheet (its row blanked, or its id overwritten
by another measure's) counts as the core counts a measure not given: after recalculation (either
engine, and `asm-xl recalc`) the quality and final scores are the core's for the physician without
that measure, the line under the Score sheet's measure rows names it, and the Actions sheet shows the
core's actions."""
from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from asm_xl.calc.recalc import recalc_file
from asm_xl.cli import main
from asm_xl.model.actions import participant_actions
from asm_xl.model.cohort import score_cohort
from asm_xl.workbooks import layout as L
from asm_xl.workbooks.batch import generate_workbooks

SAMPLE = Path(__file__).resolve().parents[2] / "asm_xl" / "roster" / "data" / "sample_roster.csv"
# HF: Q008 8 points and Q377 6 points (complete, 50 cases); Q005, Q236 not reported (0 points, counted);
# Q492 (claims) not available: excluded. Quality = (8 + 6 + 0 + 0) / 40 = 35%. Cost 5 points = 0.5, both
# IAs, PI 100%, 40 clinicians: final = 100 x (0.5 x quality + 0.5 x 0.5).
ROW = {"npi": "1891394078", "tin": "83-7035914", "name": "Case Physician", "specialty": "Cardiology",
       "performance_year": "2027", "practice_size": "40", "part_b_payments": "100000",
       "cost_episodes": "30", "cost_points": "5", "ia1_done": "yes", "ia2_done": "yes", "pi_score": "1",
       "q008_eligible": "50", "q008_reported": "50", "q008_points": "8",
       "q377_eligible": "50", "q377_reported": "50", "q377_points": "6"}
Q008_ROW = L.MEASURE_FIRST_ROW + 1          # the Inputs sheet's 2nd measure row (HF: Q492, Q008, ...)
NOTE_ROW = L.SCORE_MEASURE_FIRST_ROW + L.MAX_MEASURES   # the line under the Score sheet's measure rows
Q008_MISSING = "Not on the measure table, scored as a measure not given: Q008 (0 points: not reported)."
Q008_FIELDS = ("q008_collection_type", "q008_eligible", "q008_reported", "q008_rate", "q008_points")


def _generated(tmp_path, row: dict):
    roster = pd.DataFrame([row], dtype=object)
    return generate_workbooks(roster, out_dir=tmp_path).written[0]


def _edit(path, cells: dict) -> None:
    wb = openpyxl.load_workbook(path)
    for ref, v in cells.items():
        wb[L.INPUTS][ref] = v
    wb.save(path)


def _blank_q008() -> dict:
    return {f"{c}{Q008_ROW}": None for c in "ABCDEFGH"}


def _shown(path) -> tuple[dict, str, list]:
    wb = openpyxl.load_workbook(path, data_only=True)
    ws = wb[L.SCORE]
    labels = {ws[f"A{r}"].value: ws[f"B{r}"].value for r in range(NOTE_ROW + 1, ws.max_row + 1)}
    actions = [[wb[L.ACTIONS].cell(L.ACTIONS_FIRST_ROW + k, c).value for c in range(1, 6)]
               for k in range(L.ACTION_ROWS)]
    return labels, ws[f"A{NOTE_ROW}"].value, actions


def _core(row: dict):
    return score_cohort(pd.DataFrame([row], dtype=object)).scores.iloc[0]


def _assert_core_actions(shown: list, row: dict) -> None:
    want = participant_actions(pd.Series(row, dtype=object), cost_ladders={"HF": None})
    assert not want.empty
    for got, a in zip(shown, want.itertuples()):
        assert got[0] == a.label
        assert got[1:] == pytest.approx([a.final_change, a.value_p50, a.value_p10, a.value_p90], rel=1e-9, abs=1e-9)
    assert all(v in (None, "") for r in shown[len(want):] for v in r)


@pytest.mark.parametrize("engine", ["auto", "formulas"])
def test_a_blanked_measure_row_counts_as_not_reported(tmp_path, engine):
    path = _generated(tmp_path, ROW)
    labels, note, _ = _shown(path)
    assert labels["Quality category score"] == pytest.approx(0.35, rel=1e-12)
    assert note == "Every HF measure is on the measure table."

    _edit(path, _blank_q008())
    recalc_file(path, engine=engine)
    labels, note, actions = _shown(path)
    # Q008 not reported: (0 + 6 + 0 + 0) / 40 = 15% (leaving it out would give 6 / 30 = 20%)
    without = {k: v for k, v in ROW.items() if not k.startswith("q008")}
    core = _core(without)
    assert labels["Quality category score"] == pytest.approx(0.15, rel=1e-12) == float(core["quality"])
    assert labels["Final score (0-100)"] == pytest.approx(100 * (0.5 * 0.15 + 0.5 * 0.5), abs=1e-9) \
        == float(core["final_score"])
    assert note == Q008_MISSING
    _assert_core_actions(actions, without)
    if engine == "auto":
        assert recalc_file(path, check=True) == []


@pytest.mark.parametrize("engine", ["auto", "formulas"])
def test_a_measure_id_overwritten_by_another_leaves_that_measure_not_reported(tmp_path, engine):
    path = _generated(tmp_path, ROW)
    _edit(path, {f"A{Q008_ROW}": "Q377"})   # Q008's row, 8 points, now says Q377: the first Q377 row
    recalc_file(path, engine=engine)
    labels, note, actions = _shown(path)
    # Q377 counts on that row (8 points), its own row below does not count, Q008 is not reported:
    # (8 + 0 + 0 + 0) / 40 = 20%
    moved = {k: v for k, v in ROW.items() if not k.startswith(("q008", "q377"))}
    moved.update({"q377_eligible": "50", "q377_reported": "50", "q377_points": "8"})
    core = _core(moved)
    assert labels["Quality category score"] == pytest.approx(0.20, rel=1e-12) == float(core["quality"])
    assert labels["Final score (0-100)"] == pytest.approx(100 * (0.5 * 0.20 + 0.5 * 0.5), abs=1e-9) \
        == float(core["final_score"])
    assert note == Q008_MISSING
    _assert_core_actions(actions, moved)


def test_okafors_blanked_q008_row_gives_the_cores_quality_through_asm_xl_recalc(tmp_path, capsys):
    # the sample roster's first physician: the workbook read 0.6622 (four measures), the core 0.5297
    roster = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False, encoding="utf-8-sig").iloc[:1]
    row = roster.iloc[0].to_dict()
    assert row["name"] == "Okafor, Adaeze"
    path = generate_workbooks(roster, out_dir=tmp_path).written[0]
    _edit(path, _blank_q008())
    assert main(["recalc", str(path)]) == 0
    capsys.readouterr()
    labels, note, _ = _shown(path)
    ws = openpyxl.load_workbook(path, data_only=True)[L.SCORE]
    counted = [ws[f"G{r}"].value for r in range(L.SCORE_MEASURE_FIRST_ROW, NOTE_ROW)]
    assert counted.count("") + counted.count(None) == 2   # the blanked row and the unused 6th
    points = [v for v in counted if isinstance(v, float)]
    assert len(points) == 4
    # Q492, Q005, Q236, Q377 scored; Q008 0 points in the denominator: sum / 50
    quality = sum(points) / 50
    core = _core({**row, **{k: "" for k in Q008_FIELDS if k in row}})
    assert labels["Quality category score"] == pytest.approx(quality, rel=1e-12) == float(core["quality"])
    assert round(quality, 4) == 0.5297 and round(sum(points) / 40, 4) == 0.6622
    # cost 1.8 points = 0.18, both IAs, PI 100%, complex bonus 1.4, 48 clinicians (no bonus)
    assert labels["Final score (0-100)"] == pytest.approx(100 * (0.5 * quality + 0.5 * 0.18) + 1.4, abs=1e-9) \
        == float(core["final_score"])
    assert note == Q008_MISSING
