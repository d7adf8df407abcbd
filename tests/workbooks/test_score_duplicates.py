"""A measure entered twice on a generated workbook's Inputs sheet counts once: after recalculation
(either engine) the later row says it does not count, and the quality score, the final score and
the Actions sheet are the core's for the physician without the repeated row."""
from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from asm_xl.calc.recalc import recalc_file
from asm_xl.model.cohort import score_cohort
from asm_xl.workbooks import layout as L
from asm_xl.workbooks.batch import generate_workbooks

# HF: Q008 8 points and Q377 6 points (complete, 50 cases); Q005, Q236 not reported (0 points, counted);
# Q492 (claims) not available: excluded. Quality = (8 + 6 + 0 + 0) / 40 = 35%.
ROW = {"npi": "1891394078", "tin": "83-7035914", "name": "Case Physician", "specialty": "Cardiology",
       "performance_year": "2027", "practice_size": "40", "part_b_payments": "100000",
       "cost_episodes": "30", "cost_points": "5", "ia1_done": "yes", "ia2_done": "yes", "pi_score": "1",
       "q008_eligible": "50", "q008_reported": "50", "q008_points": "8",
       "q377_eligible": "50", "q377_reported": "50", "q377_points": "6"}
#: the Inputs sheet's 6th measure row (HF fills five): Q008 again, 10 points. Counted twice the quality
#: would be (8 + 6 + 10) / 50 = 48%.
REPEAT = {"A": "Q008", "C": "eCQM", "D": 50, "E": 50, "G": 10}


def _values(path) -> tuple[dict, dict, list]:
    wb = openpyxl.load_workbook(path, data_only=True)
    ws = wb[L.SCORE]
    rows = [[ws.cell(r, c).value for c in range(1, 8)]
            for r in range(L.SCORE_MEASURE_FIRST_ROW, L.SCORE_MEASURE_FIRST_ROW + L.MAX_MEASURES)]
    labels = {ws[f"A{r}"].value: ws[f"B{r}"].value for r in range(1, ws.max_row + 1)}
    actions = [[c.value for c in row] for row in wb[L.ACTIONS].iter_rows()]
    return labels, {"rows": rows}, actions


@pytest.mark.parametrize("engine", ["auto", "formulas"])
def test_a_measure_entered_twice_counts_once_on_its_first_row(tmp_path, engine):
    roster = pd.DataFrame([ROW], dtype=object)
    core = score_cohort(roster).scores.iloc[0]
    path = generate_workbooks(roster, out_dir=tmp_path).written[0]
    labels, _, actions = _values(path)
    assert labels["Quality category score"] == pytest.approx(0.35, rel=1e-12) == float(core["quality"])

    wb = openpyxl.load_workbook(path)
    last = L.MEASURE_FIRST_ROW + L.MAX_MEASURES - 1
    for col, v in REPEAT.items():
        wb[L.INPUTS][f"{col}{last}"] = v
    wb.save(path)
    recalc_file(path, engine=engine)

    after, cells, actions_after = _values(path)
    assert cells["rows"][-1] == ["Q008", "eCQM", "-", "-", "-",
                                 "Not counted: Q008 entered twice, the first Q008 row (the table's 2nd measure) counts, "
                                 "not this one (its 6th)", "excluded"]
    assert cells["rows"][1][6] == 8.0  # the first Q008 row counts, as before
    assert after["Quality category score"] == pytest.approx(0.35, rel=1e-12) == float(core["quality"])
    assert after["Final score (0-100)"] == pytest.approx(float(core["final_score"]), rel=1e-12)
    assert actions_after == actions  # no action improves the repeated row: the same ranked actions
    if engine == "auto":
        assert recalc_file(path, check=True) == []
