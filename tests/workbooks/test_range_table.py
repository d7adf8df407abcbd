"""The Score sheet's range table: its Why column says why a case is an error, and its note names the percentiles
typed in its yellow cells (the headings do the same)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from asm_xl.calc.recalc import recalc_file
from asm_xl.roster import read_roster
from asm_xl.workbooks import layout as L
from asm_xl.workbooks.batch import generate_workbooks

SAMPLE = Path(__file__).resolve().parents[2] / "asm_xl" / "roster" / "data" / "sample_roster.csv"


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    out = tmp_path_factory.mktemp("range")
    report = generate_workbooks(read_roster(SAMPLE).head(1), out_dir=out, jobs=1)
    return report.written[0]


def _rows(ws) -> dict[str, int]:
    return {ws[f"A{r}"].value: r for r in range(1, ws.max_row + 1) if isinstance(ws[f"A{r}"].value, str)}


@pytest.mark.parametrize("engine", ["auto", "formulas"])
def test_a_percentile_typed_as_a_fraction_says_why_beside_the_table(book, tmp_path, engine):
    # 10% typed in the cautious case's cell is 0.1: #NUM!, its reason nowhere on the sheet while recalc said "the
    # Score sheet's Why column says why"
    wb = openpyxl.load_workbook(book)
    ws = wb[L.SCORE]
    top = _rows(ws)["Range over the pool's cohorts"]
    pct, factor = top + 1, top + 2
    assert ws[f"E{top}"].value == "Why, if an error"
    assert {str(m) for m in ws.merged_cells.ranges} >= {f"E{top}:H{top}", f"E{pct}:H{top + 3}"}
    fresh = openpyxl.load_workbook(book, data_only=True)[L.SCORE]
    assert fresh[f"E{pct}"].value in ("", None) and isinstance(fresh[f"B{factor}"].value, float)
    ws[f"B{pct}"] = 0.1
    ws[f"C{pct}"] = 60
    edited = tmp_path / f"edited_{engine}.xlsx"
    wb.save(edited)
    recalc_file(edited, engine=engine)
    shown = openpyxl.load_workbook(edited, data_only=True)[L.SCORE]
    assert shown[f"B{factor}"].value == "#NUM!"
    assert shown[f"E{pct}"].value == "percentile: 0.1 looks like a fraction; give the percentile from 0 to 100 (10 for P10)"
    # the note names the percentiles typed: the middle case is now P60, the cautious one P0.1
    note = [shown[f"A{top + 6 + i}"].value for i in range(4)]
    assert "Budget on the middle case (P60)," in note[1] and note[2].startswith("or on the cautious one (P0.1: 0.1 cohorts")
