"""A roster's header row: a column the file cannot name is refused once, at the file, never read as absent.

Each case here was scored wrong or rejected row by row before: values under an empty header cell were
dropped with a warning (every physician lost IA-2's 10 points, exit 0), a required column under a
unit-suffixed name was warned about and then every row rejected, and a workbook's summary sheet was
read instead of its roster.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from asm_xl.cli import main
from asm_xl.roster import RosterError, read_roster, validate_roster

SAMPLE = Path(__file__).resolve().parents[2] / "asm_xl" / "roster" / "data" / "sample_roster.csv"


def _rows() -> list[list[str]]:
    import csv
    with open(SAMPLE, encoding="utf-8-sig", newline="") as f:
        return [r for r in csv.reader(f)]


def _csv(tmp_path: Path, rows: list[list[str]], name: str = "roster.csv") -> Path:
    import csv
    path = tmp_path / name
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def _workbook(rows: list[list], title: str = "Roster") -> tuple[openpyxl.Workbook, object]:
    """A workbook whose first sheet (``title``) holds ``rows``, and that sheet."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for r in rows:
        ws.append(r)
    return wb, ws


def test_values_under_an_empty_header_cell_refuse_the_file_naming_the_column_and_a_value(tmp_path):
    rows = _rows()
    j = rows[0].index("ia2_done")   # column L
    rows[0][j] = ""
    with pytest.raises(RosterError, match=r"^roster.csv: column L has values \(row 2: 'yes'\) but no header in row 1: "
                                          r"name it \(a roster column, or any other name to have it ignored\) or "
                                          r"delete the column \(read as it is, its values would be lost\)$"):
        read_roster(_csv(tmp_path, rows))
    rows[0][j] = "my notes"   # named: ignored with a warning, as any column that is not the roster's
    assert read_roster(_csv(tmp_path, rows))["my_notes"].iloc[0] == "yes"


def test_a_merged_header_cell_in_a_workbook_is_refused_not_read_without_its_second_column(tmp_path):
    rows = _rows()
    wb, ws = _workbook(rows[:4])
    i, j = rows[0].index("ia1_done") + 1, rows[0].index("ia2_done") + 1
    ws.merge_cells(start_row=1, start_column=i, end_row=1, end_column=j)   # blanks L1, keeps K1
    path = tmp_path / "merged.xlsx"
    wb.save(path)
    with pytest.raises(RosterError, match=r"^merged.xlsx: column L has values \(row 2: 'yes'\) but no header"):
        read_roster(path)


def test_a_missing_second_improvement_activity_column_is_warned_about(tmp_path):
    rows = _rows()
    j = rows[0].index("ia2_done")
    df = read_roster(_csv(tmp_path, [r[:j] + r[j + 1:] for r in rows]))
    res = validate_roster(df)
    assert ("no 'ia2_done' column beside 'ia1_done': every row's IA-2 counts as not done (-10 points); add the "
            "column if that is not so") in res.warnings
    assert not any("ia1_done" in w and "no 'ia1_done'" in w for w in res.warnings)
    assert not any("no 'ia2_done'" in w for w in validate_roster(read_roster(SAMPLE)).warnings)


@pytest.mark.parametrize("header, meant", [("Part B Payments ($)", "part_b_payments"), ("PI Score (%)", "pi_score"),
                                           ("practice-size", "practice_size")])
def test_a_required_column_named_with_a_unit_or_a_dash_is_refused_with_its_name(tmp_path, header, meant):
    rows = _rows()
    rows[0][rows[0].index(meant)] = header
    with pytest.raises(RosterError, match=rf"is not a roster column: did you mean '{meant}'\? Rename it"):
        validate_roster(read_roster(_csv(tmp_path, rows)))


def test_a_missing_required_column_is_refused_once_naming_the_columns_read(tmp_path):
    rows = _rows()
    j = rows[0].index("npi")
    with pytest.raises(RosterError, match=r"^no 'npi' column: every row needs a physician's NPI; the columns read are "
                                          r"'tin', 'name', 'specialty', 'performance_year', 'practice_size', "
                                          r"'part_b_payments', 'cost_episodes', 'episode_cost' and 42 more$"):
        validate_roster(read_roster(_csv(tmp_path, [r[:j] + r[j + 1:] for r in rows])))
    j = rows[0].index("specialty")
    with pytest.raises(RosterError, match=r"^no 'specialty' or 'cohort' column: every row needs one"):
        validate_roster(read_roster(_csv(tmp_path, [r[:j] + r[j + 1:] for r in rows])))


def test_a_workbook_without_a_roster_sheet_is_read_from_the_sheet_whose_row_1_names_npi(tmp_path):
    rows = _rows()
    wb = openpyxl.Workbook()
    summary = wb.active
    summary.title = "Summary"
    summary.append(["Practice", "Physicians"])
    summary.append(["Heartland", 30])
    ws = wb.create_sheet("Physicians")
    for r in rows:
        ws.append(r)
    path = tmp_path / "practice.xlsx"
    wb.save(path)
    df = read_roster(path)
    assert len(df) == 30 and df["npi"].iloc[0] == rows[1][0]
    assert ("practice.xlsx: no sheet named 'Roster'; read the sheet 'Physicians' (its row 1 names an npi column)"
            in df.attrs["roster_warnings"])
    # no sheet names npi: the first visible one is read, and the refusals name it
    ws.title = "Doctors"
    ws.delete_rows(1)
    summary.delete_rows(1, 2)
    wb.save(path)
    with pytest.raises(RosterError, match=r"^practice.xlsx \(sheet 'Summary'\) has no header row"):
        read_roster(path)


def test_a_totals_row_does_not_ask_for_the_performance_year_that_every_physician_has(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)   # score writes its roster_errors.csv here
    rows = _rows()
    j = rows[0].index("part_b_payments")
    total = [""] * len(rows[0])
    total[0], total[j] = "", "9332835"
    total[2] = "Total"
    path = _csv(tmp_path, rows + [total])
    assert main(["score", str(path)]) == 2
    err = capsys.readouterr().err
    assert "row 32" in err and "--year" not in err
    rows[1][rows[0].index("performance_year")] = ""   # a physician's year left blank: the hint is given
    assert main(["score", str(_csv(tmp_path, rows + [total]))]) == 2
    assert "give it with --year YEAR (e.g. --year 2027)" in capsys.readouterr().err


def test_excels_unicode_text_export_is_named_as_readable_once_renamed(tmp_path):
    path = tmp_path / "roster.txt"
    path.write_text(SAMPLE.read_text(encoding="utf-8-sig"), encoding="utf-8")
    with pytest.raises(RosterError, match=r"unsupported file type '.txt'; use .csv, .xlsx, .xlsm \(text with commas, "
                                          r"semicolons or tabs, such as Excel's 'Unicode Text', is read as a .csv: "
                                          r"rename it\)"):
        read_roster(path)


def test_a_first_sheet_with_its_headers_under_a_title_is_read_not_a_lookup_sheet_that_names_npi(tmp_path):
    rows = _rows()
    wb, _ = _workbook([["Heartland practice roster, 2027"]] + rows[:3], "Roster 2027")
    lookup = wb.create_sheet("Cohort lookup")
    lookup.append(["npi", "cohort"])
    lookup.append([rows[1][0], "HF"])
    path = tmp_path / "titled.xlsx"
    wb.save(path)
    # the first sheet, not the lookup sheet (its row 1 names npi): 0 rows were valid, every column "missing"
    with pytest.raises(RosterError, match=r"^titled.xlsx \(sheet 'Roster 2027'\): column B has values \(row 2: 'tin'\) "
                                          r"but no header in row 1; the column headers look like they are on row 2: "
                                          r"put them in row 1, above the first physician$"):
        read_roster(path)


def test_a_workbooks_values_right_of_its_last_header_are_refused_as_in_a_csv_file(tmp_path):
    # read to the header's width, a column of values with no header at its right was dropped without a word
    rows = _rows()
    wb, ws = _workbook(rows[:4])
    ws.cell(row=20, column=90).fill = openpyxl.styles.PatternFill("solid", fgColor="FF0000")   # formatted, empty
    path = tmp_path / "right.xlsx"
    wb.save(path)
    assert list(read_roster(path).columns) == [c for c in rows[0]]   # formatted empty cells add no column
    ws.cell(row=3, column=len(rows[0]) + 2).value = "note"
    wb.save(path)
    with pytest.raises(RosterError, match=r"^right.xlsx: column BA has values \(row 3: 'note'\) but no header in row 1"):
        read_roster(path)
