"""Issue 9's benchmark rules and new inputs in a generated workbook: a measure without a benchmark
reads "excluded" with its reason, CMS's small-practice flag decides the bonus, an exception gives a
neutral factor and says so; the cached values equal the core's and recalculation changes nothing."""
from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from asm_xl.calc.recalc import recalc_file
from asm_xl.model.cohort import score_cohort
from asm_xl.model.settings import Settings
from asm_xl.workbooks import layout as L
from asm_xl.workbooks.batch import generate_workbooks
from asm_xl.workbooks.sheets.score import IMPACT_LABEL

ROW = {"npi": "1891394078", "tin": "83-7035914", "name": "Case Physician", "specialty": "Cardiology",
       "performance_year": "2027", "practice_size": "40", "small_practice": "yes", "part_b_payments": "100000",
       "cost_episodes": "30", "cost_points": "5", "ia1_done": "yes", "ia2_done": "yes", "pi_score": "1",
       "euc_exception": "yes", "q008_eligible": "50", "q008_reported": "50", "q008_points": "8",
       "q377_eligible": "50", "q377_reported": "50", "q377_rate": "0.5"}


def test_a_workbook_shows_no_benchmark_the_small_practice_flag_and_the_exception(tmp_path):
    s = Settings(benchmark_year=2021)  # Q377 has no 2021 ladder: excluded (90 FR 49634)
    roster = pd.DataFrame([ROW], dtype=object)
    core = score_cohort(roster, settings=s).scores.iloc[0]
    report = generate_workbooks(roster, out_dir=tmp_path, settings=s)
    assert report.exit_code == 0
    path = report.written[0]
    wb = openpyxl.load_workbook(path, data_only=True)
    ws = wb[L.SCORE]
    rows = {ws[f"A{r}"].value: r for r in range(L.SCORE_MEASURE_FIRST_ROW, L.SCORE_MEASURE_FIRST_ROW + L.MAX_MEASURES)}
    r377 = rows["Q377"]
    assert ws[f"F{r377}"].value.startswith("Excluded: no benchmark") and ws[f"G{r377}"].value == "excluded"
    labels = {ws[f"A{r}"].value: ws[f"B{r}"].value for r in range(1, ws.max_row + 1)}
    assert labels["Small practice bonus"] == 10.0 == float(core["practice_bonus"])  # CMS flag, 40 clinicians
    assert labels["Exception or not participating (no adjustment)"] == "EUC exception"
    assert labels["Payment adjustment factor"] == 0.0 == float(core["factor"])
    assert labels[IMPACT_LABEL] == 0.0
    # quality: Q008 8 points counted; Q005, Q236 unreported (0, counted); Q377 and Q492 excluded -> 8 / 30
    assert labels["Quality category score"] == pytest.approx(8 / 30, rel=1e-12) == float(core["quality"])
    assert recalc_file(path, check=True) == []
