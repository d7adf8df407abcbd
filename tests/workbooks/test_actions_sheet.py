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
    # and the ladder table were one call per cell; each is now one array formula over its block, given
    # the block's rows, and the explanation line above it reads the table once more
    from openpyxl.worksheet.formula import ArrayFormula
    from asm_xl.workbooks.sheets.reference import ladder_rows
    wb = openpyxl.load_workbook(io.BytesIO(template_bytes()))
    first, head = L.ACTIONS_FIRST_ROW, L.PROJECTION_HEADER_ROW
    expected = {(L.ACTIONS, f"A{first}"): (f"A{first}:E{first + L.ACTION_ROWS - 1}", "ASM_ACTIONS(", f",{L.ACTION_ROWS})"),
                (L.ACTIONS, f"A{head + 1}"): (f"A{head + 1}:H{head + 5}", "ASM_PROJECTION(", ",5)"),
                (L.BENCHMARKS, "A5"): (f"A5:Q{4 + ladder_rows()}", "ASM_LADDERS(", f",{ladder_rows()})")}
    for (sheet, cell), (ref, call, rows) in expected.items():
        f = wb[sheet][cell].value
        assert isinstance(f, ArrayFormula) and f.ref == ref and f.text.startswith("=" + call) and f.text.endswith(rows)
    calls = {sheet: [c.coordinate for row in wb[sheet].iter_rows() for c in row
                     if "ASM_" in str(c.value.text if isinstance(c.value, ArrayFormula) else c.value or "")]
             for sheet in (L.ACTIONS, L.BENCHMARKS)}
    assert calls == {L.ACTIONS: ["A4", f"A{first}", f"A{head + 1}"], L.BENCHMARKS: ["A2", "F4", "A5"]}
