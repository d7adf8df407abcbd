"""The Benchmarks sheet of a generated workbook shows the ladders in use: those of the Assumptions
sheet's benchmark_year (the one control; the sheet had its own year cell and showed the latest year's
ladders whatever the Score sheet used), which the Score sheet's points are scored on."""

import math

import openpyxl
import pytest

from asm_xl.calc.recalc import recalc_file
from asm_xl.excel import REGISTRY
from asm_xl.model.settings import Settings
from asm_xl.roster.read import read_roster
from asm_xl.workbooks import layout as L
from asm_xl.workbooks.batch import generate_workbooks

SAMPLE = "asm_xl/roster/data/sample_roster.csv"
FIRST = 5  #: first row of the ladder table (its header in row 4)


def _okafor():
    """The sample's first physician: HF, Q008 eCQM rate 0.8817, Q377 eCQM rate 0.0505 (253 cases)."""
    roster = read_roster(SAMPLE)
    return roster[roster["name"] == "Okafor, Adaeze"]


def _table(ws) -> dict:
    """(measure, collection type) → the row's cells MIPS PY .. B10, for every row of the ladder table."""
    rows = {}
    r = FIRST
    while ws.cell(row=r, column=1).value:
        cells = [ws.cell(row=r, column=c).value for c in range(1, 18)]
        rows[(cells[1], cells[2])] = cells[3:]
        r += 1
    return rows


def _score_row(ws, label: str) -> list:
    for r in range(L.SCORE_MEASURE_FIRST_ROW, L.SCORE_MEASURE_FIRST_ROW + L.MAX_MEASURES):
        if ws[f"A{r}"].value == label:
            return [ws[f"{c}{r}"].value for c in "ABCDEFG"]
    raise AssertionError(label)


@pytest.fixture(scope="module")
def book_2022(tmp_path_factory):
    out = tmp_path_factory.mktemp("ladders2022")
    report = generate_workbooks(_okafor(), out_dir=out, settings=Settings(benchmark_year=2022))
    path, = report.written
    return openpyxl.load_workbook(path, data_only=True)


def test_benchmark_year_2022_on_assumptions_shows_2022s_ladders(book_2022):
    (_, ref), = book_2022.defined_names["S_benchmark_year"].destinations
    assert book_2022[L.ASSUMPTIONS][ref.replace("$", "")].value == 2022
    table = _table(book_2022[L.BENCHMARKS])
    assert len(table) == 15  # HF: 1 + 2 + 2 + 2 + 1 collection types, LBP: 2 + 2 + 2 + 1
    # mips_benchmarks_asm.csv, row "2022,2020,008,electronicHealthRecord": 9-value format, B1 implied 0,
    # then 0, 85, 87.83, 90.13, 91.29, 92.59, 94.26, 95.65, 97.31 (percent); not inverse, not topped out
    assert table[("Q008", "eCQM")] == [2022, "No", "No", "percent",
                                       0, 0, 85, 87.83, 90.13, 91.29, 92.59, 94.26, 95.65, 97.31]
    # row "2022,2020,236,electronicHealthRecord": 0, 51.76, 56.81, 60.67, 64.11, 67.52, 71.11, 75.54, 81.43
    assert table[("Q236", "eCQM")][4:] == [0, 0, 51.76, 56.81, 60.67, 64.11, 67.52, 71.11, 75.54, 81.43]
    # the latest year (2026) would have been B1 = 4.76, B2 = 45.28: the sheet showed those before
    assert book_2022[L.BENCHMARKS]["F4"].value == "Topped out (cap 7)"


def test_a_measure_without_a_2022_ladder_says_so_and_the_score_sheet_excludes_it(book_2022):
    table = _table(book_2022[L.BENCHMARKS])
    # Q377 has MIPS ladders for 2025 and 2026 only, Q238 for 2021 and 2025-2026, Q492 for 2025-2026
    for key in (("Q377", "eCQM"), ("Q238", "eCQM"), ("Q238", "MIPS CQM"), ("Q492", "Administrative claims")):
        assert table[key][0] == "no benchmark for 2022: excluded", key
        assert all(v is None for v in table[key][1:]), key
    q377 = _score_row(book_2022[L.SCORE], "Q377")
    assert q377[1] == "eCQM" and q377[4] == "-" and q377[6] == "excluded"
    assert q377[5].startswith("Excluded: no benchmark for this measure and collection type")


def test_the_score_sheets_points_are_those_of_the_ladder_the_benchmarks_sheet_shows(book_2022):
    q008 = _score_row(book_2022[L.SCORE], "Q008")
    assert q008[1] == "eCQM" and q008[5] == "Scored"
    # 88.17% reaches B4 = 87.83, not B5 = 90.13: 4 + (88.17 - 87.83) / (90.13 - 87.83) = 4.1478...
    assert q008[4] == pytest.approx(4 + (88.17 - 87.83) / (90.13 - 87.83), abs=1e-12)
    # on the latest (2026) ladder, B3 = 87.93, B4 = 90.32, it would have been 3 + 0.24 / 2.39 = 3.10
    assert q008[4] > 4


def test_default_assumptions_show_each_measures_latest_ladder(tmp_path):
    report = generate_workbooks(_okafor(), out_dir=tmp_path, settings=Settings(topped_out_cap=8.0))
    wb = openpyxl.load_workbook(report.written[0], data_only=True)
    table = _table(wb[L.BENCHMARKS])
    # row "2026,2024,236,electronicHealthRecord": 4.76, 45.28, 55.56, 61.54, 65.61, 68.98, 72, 75, 78.7, 84.04
    assert table[("Q236", "eCQM")] == [2026, "No", "No", "percent",
                                       4.76, 45.28, 55.56, 61.54, 65.61, 68.98, 72, 75, 78.7, 84.04]
    assert table[("Q377", "eCQM")][0] == 2026
    assert wb[L.BENCHMARKS]["F4"].value == "Topped out (cap 8)"  # the cap in force, not the default's


def _edit_benchmark_year(path, year) -> openpyxl.Workbook:
    """Type ``year`` into the Assumptions sheet's benchmark_year, as a user would, and recalculate."""
    wb = openpyxl.load_workbook(path)
    (sheet, ref), = wb.defined_names["S_benchmark_year"].destinations
    wb[sheet][ref.replace("$", "")] = year
    wb.save(path)
    recalc_file(path)
    return openpyxl.load_workbook(path, data_only=True)


def test_editing_benchmark_year_on_assumptions_moves_the_table_and_the_score_together(tmp_path):
    report = generate_workbooks(_okafor(), out_dir=tmp_path)
    path = report.written[0]
    wb = openpyxl.load_workbook(path, data_only=True)
    assert _table(wb[L.BENCHMARKS])[("Q008", "eCQM")][0] == 2026
    assert _score_row(wb[L.SCORE], "Q008")[4] == pytest.approx(3 + (88.17 - 87.93) / (90.32 - 87.93), abs=1e-12)
    wb = _edit_benchmark_year(path, 2022)
    assert _table(wb[L.BENCHMARKS])[("Q008", "eCQM")][:5] == [2022, "No", "No", "percent", 0]
    assert _table(wb[L.BENCHMARKS])[("Q377", "eCQM")][0] == "no benchmark for 2022: excluded"
    assert _score_row(wb[L.SCORE], "Q008")[4] == pytest.approx(4 + (88.17 - 87.83) / (90.13 - 87.83), abs=1e-12)
    assert _score_row(wb[L.SCORE], "Q377")[6] == "excluded"
    # a year the packaged table has no ladders for: every measure cell and the table say why
    wb = _edit_benchmark_year(path, 2024)
    ws = wb[L.BENCHMARKS]
    assert ws["A2"].value == ("Not available: benchmark_year: 2024 is not allowed (a year with benchmarks: "
                              "2021, 2022, 2025, 2026)")
    assert ws.cell(row=FIRST, column=1).value in ("", None)
    assert _score_row(wb[L.SCORE], "Q008")[4] == "#NUM!"


def test_the_ladder_table_is_computed_once_for_a_batch_of_workbooks(tmp_path, monkeypatch):
    import dataclasses
    from asm_xl.excel import ladder_functions
    calls = []
    fn = REGISTRY["ASM_LADDERS"]

    def counting(*args):
        calls.append(args)
        return fn.impl(*args)
    monkeypatch.setitem(REGISTRY, "ASM_LADDERS", dataclasses.replace(fn, impl=counting))
    ladder_functions._ladders_table.cache_clear()
    roster = read_roster(SAMPLE).head(6)
    report = generate_workbooks(roster, out_dir=tmp_path, settings=Settings(benchmark_year=2025), jobs=1)
    assert len(report.written) == 6
    # 6 workbooks: the table once for A2's INDEX (with its header) and once for the table's block (its rows
    # given, stripped before the function computes), every other workbook a memo hit
    assert len(calls) == 2 and calls[0] == calls[1]
    for path in report.written:
        table = _table(openpyxl.load_workbook(path, data_only=True)[L.BENCHMARKS])
        assert table[("Q236", "eCQM")][0] == 2025 and not math.isnan(table[("Q236", "eCQM")][4])
