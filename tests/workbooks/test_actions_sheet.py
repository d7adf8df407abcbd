"""The Actions sheet of a generated workbook equals the roster-level core (``action_values``), also where
the roster's episode costs build a cost ladder that the Score sheet uses (the sheet passes CostLadder to
ASM_ACTIONS; before, a physician scored on episode costs had actions valued without cost)."""

import io
import math

import openpyxl
import pandas as pd

from asm_xl.model.actions import action_values
from asm_xl.model.identifiers import npi_check_digit
from asm_xl.roster.read import read_roster
from asm_xl.workbooks import layout as L
from asm_xl.workbooks.batch import generate_workbooks
from asm_xl.workbooks.template import template_bytes

SAMPLE = "asm_xl/roster/data/sample_roster.csv"


def _episode_cost_roster(n: int = 24) -> pd.DataFrame:
    """n Cardiology physicians scored on episode costs (so a ladder is built from >= 20 of them); the
    last two have too few episodes, so "reach the cost episode minimum" applies to them."""
    sample = read_roster(SAMPLE)
    base = sample[sample["specialty"] == "Cardiology"].reset_index(drop=True)
    rows = []
    for i in range(n):
        r = dict(base.iloc[i % len(base)])
        nine = f"1{i:08d}"
        r.update(npi=nine + str(npi_check_digit(nine)), name=f"Doctor {i:02d}", cost_points="",
                 episode_cost=f"{18_000 + 750 * i:.2f}", cost_episodes="12" if i >= n - 2 else str(25 + i))
        rows.append(r)
    df = pd.DataFrame(rows)
    df.index = range(2, n + 2)  # file rows, as read_roster labels them
    return df


def load_sheet_values(path, sheet: str) -> dict:
    """{cell: stored value} of one sheet (openpyxl data_only)."""
    ws = openpyxl.load_workbook(path, data_only=True)[sheet]
    return {c.coordinate: c.value for row in ws.iter_rows() for c in row if c.value is not None}


def _shown_actions(path) -> list[list]:
    ws = openpyxl.load_workbook(path, data_only=True, read_only=True)[L.ACTIONS]
    first = L.ACTIONS_FIRST_ROW
    rows = ws.iter_rows(min_row=first, max_row=first + L.ACTION_ROWS - 1, max_col=5, values_only=True)
    return [list(r) for r in rows if r[0] not in (None, "")]


def test_actions_of_physicians_scored_on_episode_costs_equal_the_rosters(tmp_path):
    roster = _episode_cost_roster()
    report = generate_workbooks(roster, out_dir=tmp_path, overwrite=True)
    assert len(report.written) == len(roster)
    core = action_values(roster)
    assert set(core.loc[core["row"].isin(roster.index[-2:]), "action"]) >= {"cost_episodes"}
    compared = 0
    for path, (idx, row) in zip(sorted(report.written), roster.sort_values("npi").iterrows()):
        assert row["npi"] in path.name
        want = core[core["row"] == idx]
        shown = _shown_actions(path)
        assert [r[0] for r in shown] == want["label"].tolist()[:L.ACTION_ROWS]
        for got, a in zip(shown, want.itertuples()):
            for v, w in zip(got[1:], (a.final_change, a.value_p50, a.value_p10, a.value_p90)):
                assert math.isclose(v, w, rel_tol=1e-12, abs_tol=1e-9), (path.name, a.label, v, w)
            compared += 1
    assert compared > 3 * len(roster)


def test_an_empty_cost_ladder_range_leaves_episode_costs_unscored_in_the_actions():
    from asm_xl.excel.registry import call
    from tests.excel.test_table_functions import ROW, _ranges

    row = dict(ROW, cost_points=None, episode_cost=25_500.0)
    participant, measures, cost, activities, exceptions = _ranges(row)
    cost = [[30], [25_500.0], [None]]  # in the middle of the ladder below
    empty = [[None] * 10]
    no_ladder = call("ASM_ACTIONS", participant, measures, cost, activities, exceptions, empty)
    points_row = dict(ROW)
    with_points = call("ASM_ACTIONS", *_ranges(points_row))
    labels = [r[0] for r in no_ladder[1:]]
    assert "Lower episode costs by one cost point" not in labels  # cost is not scored: no cost action
    assert "Lower episode costs by one cost point" in [r[0] for r in with_points[1:]]
    ladder = [[30_000.0 - 1_000.0 * k for k in range(10)]]
    scored = call("ASM_ACTIONS", participant, measures, cost, activities, exceptions, ladder)
    assert "Lower episode costs by one cost point" in [r[0] for r in scored[1:]]


def test_the_label_column_holds_the_longest_label_on_one_line():
    ws = openpyxl.load_workbook(io.BytesIO(template_bytes()))[L.ACTIONS]
    # the longest label: a measure without a benchmark reported, which also meets the minimum submission
    longest = "Report quality measure Q005 (no benchmark: excluded, no longer a 0; meets the minimum submission)"
    assert len(longest) == 97
    # LibreOffice prints ~1.19 characters of the table's text a width unit (measured): 97 / 1.19 = 81.5
    assert ws.column_dimensions["A"].width * 1.19 >= len(longest)


def test_each_table_is_one_fixed_array_formula_so_excel_calls_python_once_per_table():
    # Excel (xlwings) calls a UDF once per formula cell: the action table (25 x 5), the projection (5 x 8)
    # and the ladder table were one call per cell; each is now one array formula over a block of the
    # hidden Tables sheet, given the block's rows, and each visible cell a plain reference to its cell
    # of the block (LibreOffice computes array formulas again on opening; the references keep their
    # stored values); the explanation line above a table reads it once more
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.formula import ArrayFormula
    from asm_xl.workbooks.sheets.reference import ladder_rows
    from asm_xl.workbooks.sheets.style import TABLES_SHEET
    wb = openpyxl.load_workbook(io.BytesIO(template_bytes()))
    tables = wb[TABLES_SHEET]
    assert tables.sheet_state == "hidden" and tables.protection.sheet and wb.sheetnames[-1] == TABLES_SHEET
    first, head = L.ACTIONS_FIRST_ROW, L.PROJECTION_HEADER_ROW
    shown = [(L.ACTIONS, first, L.ACTION_ROWS, 5, "ASM_ACTIONS("), (L.ACTIONS, head + 1, 5, 8, "ASM_PROJECTION("),
             (L.BENCHMARKS, 5, ladder_rows(), 17, "ASM_LADDERS(")]
    anchors = {c.value.text: c.value.ref for row in tables.iter_rows() for c in row if isinstance(c.value, ArrayFormula)}
    assert len(anchors) == 3 + 4   # the three tables and the Scenarios curve's four columns
    for sheet, top, rows, width, call in shown:
        ((text, ref),) = [(t, r) for t, r in anchors.items() if t.startswith("=" + call)]
        assert text.endswith(f",{rows})")
        start, end = ref.split(":")
        c1, r1 = openpyxl.utils.cell.coordinate_from_string(start)
        c2, r2 = openpyxl.utils.cell.coordinate_from_string(end)
        assert (c1, openpyxl.utils.column_index_from_string(c2), r2 - r1 + 1) == ("A", width, rows)
        for k in range(rows):
            for c in range(1, width + 1):
                assert wb[sheet].cell(row=top + k, column=c).value == f'=IFERROR({TABLES_SHEET}!{get_column_letter(c)}{r1 + k},"")'
    calls = {sheet: [c.coordinate for row in wb[sheet].iter_rows() for c in row
                     if "ASM_" in str(c.value.text if isinstance(c.value, ArrayFormula) else c.value or "")]
             for sheet in (L.ACTIONS, L.BENCHMARKS)}
    # besides the tables: the line that says why the ranked actions are not there, and the projection's title
    assert calls == {L.ACTIONS: ["A4", f"A{L.PROJECTION_HEADER_ROW - 2}"], L.BENCHMARKS: ["A2", "F4"]}


def test_libreoffice_opening_a_workbook_shows_its_stored_tables_not_name_errors(tmp_path):
    """LibreOffice computes every array formula again when it opens a file (``#NAME?``: it does not know
    the ASM_* functions) and every cell whose stored value is blank text: the Actions sheet's cells read
    the hidden block through IFERROR, so it shows the stored actions and blank rows, as before the
    tables were one call each. Its default profile: no setting of ours."""
    import csv
    import os
    import shutil
    import subprocess
    import pytest
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    roster = read_roster(SAMPLE).iloc[:1]
    report = generate_workbooks(roster, out_dir=tmp_path / "wb")
    (path,) = report.written
    stored = _shown_actions(path)
    out = tmp_path / "out"   # every sheet, one CSV each (sheet -1), as shown (formatted)
    cmd = [soffice, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless", "--norestore",
           "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
           "--outdir", str(out), str(path)]
    proc = subprocess.run(cmd, env={**os.environ, "HOME": str(tmp_path / "home")}, capture_output=True, text=True,
                          timeout=240)
    assert proc.returncode == 0, proc.stderr

    def shown_sheet(name):
        (csv_file,) = out.glob(f"*-{name}.csv")
        with open(csv_file, encoding="utf-8", newline="") as fh:
            return list(csv.reader(fh))
    # the exchange curve's columns read the hidden block too: LibreOffice shows their stored numbers
    curve = load_sheet_values(path, L.SCENARIOS)
    scenarios = shown_sheet(L.SCENARIOS)
    assert not any("#NAME?" in c for r in scenarios for c in r)
    for r in range(5, 26):   # the factor column, in percent
        assert abs(float(scenarios[r - 1][1].rstrip("%")) / 100 - curve[f"B{r}"]) < 5e-5, (r, scenarios[r - 1][1])
    rows = shown_sheet(L.ACTIONS)
    first = L.ACTIONS_FIRST_ROW
    shown = [(r + [""] * 5)[:5] for r in rows[first - 1:first - 1 + L.ACTION_ROWS]]
    assert not any("#NAME?" in c for r in rows for c in r)
    assert len(stored) >= 3 and [r[0] for r in shown[:len(stored)]] == [r[0] for r in stored]
    assert all(r == [""] * 5 for r in shown[len(stored):])   # rows past the physician's actions: blank


def test_the_projection_says_in_its_title_why_its_table_is_blank(tmp_path):
    # a later roster row's year typed not after this row's: the table went blank with no word why
    from asm_xl.calc.recalc import recalc_file
    report = generate_workbooks(read_roster(SAMPLE).head(1), out_dir=tmp_path, jobs=1)
    path = report.written[0]
    title = (L.ACTIONS, L.PROJECTION_HEADER_ROW - 2)
    assert openpyxl.load_workbook(path, data_only=True)[title[0]].cell(title[1], 1).value == "Five-year projection"
    wb = openpyxl.load_workbook(path)
    wb[L.INPUTS][f"B{L.SCALAR_INPUTS['In_Until'][0]}"] = 2027
    wb.save(path)
    recalc_file(path)
    shown = openpyxl.load_workbook(path, data_only=True)[title[0]]
    assert shown.cell(title[1], 1).value == ("Five-year projection: not available: next_row_year: 2027 is not after "
                                             "the performance year 2027")
    assert shown.cell(L.PROJECTION_HEADER_ROW + 1, 1).value is None   # the table blank, as before
