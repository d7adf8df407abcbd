"""The index workbook (asm_xl.workbooks.index): one row a physician under the header, roster text as
text (never a formula), the Workbook column linked to the file beside the index, the note beside the
table, written all or nothing."""

from __future__ import annotations

import math
import shutil
import subprocess
import zipfile
from pathlib import Path
from urllib.parse import unquote

import numpy as np
import openpyxl
import pandas as pd
import pytest
from defusedxml import ElementTree as SafeET

from asm_xl.model.settings import Settings
from asm_xl.roster import read_roster
from asm_xl.workbooks.batch import INDEX_NAME, SUMMARY_COLUMNS, generate_workbooks
from asm_xl.workbooks import index
from asm_xl.workbooks.index import COLUMNS, NOTE, write_index
from asm_xl.workbooks.pdf import find_soffice, to_pdf
from asm_xl.workbooks.xlsxwriter_cells import link_target

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
SAMPLE = Path(__file__).resolve().parents[2] / "asm_xl" / "roster" / "data" / "sample_roster.csv"
FORMULA_LIKE = ['=HYPERLINK("http://x")', "+1-555", "@SUM(A1)", "-2+3", "=cmd|' /C calc'!A0", "http://x.example",
                "1e5", "{=A1}"]


def _summary(names: list[str], **columns) -> pd.DataFrame:
    n = len(names)
    base = {"npi": [f"{1000000000 + i}" for i in range(n)], "tin": "12-3456789", "name": names, "cohort": "HF",
            "performance_year": np.int64(2027), "final_score": np.linspace(10, 90, n), "factor": 0.01,
            "dollar_impact": -1234.5, "dollars_p10": -2000.0, "dollars_p50": -1000.0, "dollars_p90": 500.0,
            "p_gain": 0.25, "rank_in_roster_cohort": np.arange(1, n + 1), "roster_cohort_size": n,
            "file": [f"{1000000000 + i}_x.xlsx" for i in range(n)], "status": "written"}
    base.update(columns)
    return pd.DataFrame(base).reindex(columns=SUMMARY_COLUMNS)


def _cells_xml(path: Path) -> dict:
    with zipfile.ZipFile(path) as zf:
        root = SafeET.fromstring(zf.read("xl/worksheets/sheet1.xml"))
    return {c.get("r"): c for c in root.iter(f"{MAIN}c")}


def test_formula_like_names_are_text_cells_that_every_reader_shows_as_typed(tmp_path):
    path = write_index(_summary(FORMULA_LIKE), tmp_path / "index.xlsx")
    ws = openpyxl.load_workbook(path).active
    cells = _cells_xml(path)
    for r, name in enumerate(FORMULA_LIKE, start=2):
        cell = ws.cell(r, 3)
        assert (cell.value, cell.data_type) == (name, "s")
        xml = cells[f"C{r}"]
        assert xml.get("t") in ("s", "inlineStr") and xml.find(f"{MAIN}f") is None
    assert not any(c.find(f"{MAIN}f") is not None for c in cells.values())


def test_the_header_names_every_column_and_the_note_sits_right_of_the_table(tmp_path):
    path = write_index(_summary(["A", "B"]), tmp_path / "index.xlsx")
    ws = openpyxl.load_workbook(path).active
    header = [ws.cell(1, j).value for j in range(1, len(COLUMNS) + 1)]
    assert header == [h for _, h, _ in COLUMNS] and header[13] == "Of"   # the note once overwrote "Of" (M1)
    assert ws.cell(1, len(COLUMNS) + 1).value is None and ws.cell(1, len(COLUMNS) + 2).value == NOTE
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:P3" and ws.print_area == "'Index'!$A$1:$P$3"
    assert ws.cell(1, 1).font.b and ws.cell(1, 1).font.color.rgb == "FFFFFFFF"
    assert ws.cell(1, 1).fill.fgColor.rgb == "FF1F4E78"


def _widths(ws) -> list[float]:
    """Each column's width (openpyxl keeps a run of equal widths under its first column)."""
    out = {}
    for dim in ws.column_dimensions.values():
        for c in range(dim.min, dim.max + 1):
            out[c] = dim.width
    return [out[c] for c in range(1, len(COLUMNS) + 1)]


def test_the_header_wraps_between_words_in_a_row_tall_enough_for_its_longest_label(tmp_path):
    path = write_index(_summary(["A", "B"]), tmp_path / "index.xlsx")
    ws = openpyxl.load_workbook(path).active
    widths = _widths(ws)
    for (_, header, _), width, cell in zip(COLUMNS, widths, ws[1]):
        assert cell.alignment.wrap_text and cell.alignment.vertical == "center", header
        assert width >= max(len(w) for w in header.split()) + 2, header   # no word is cut ("Performanc")
    # "Payment adjustment factor" in 12 characters (10 a line, bold): Payment / adjustment / factor
    assert widths[6] == 12 and ws.row_dimensions[1].height == 3 * 15


def test_columns_are_as_wide_as_their_longest_value_within_bounds(tmp_path):
    long_name = "Hernández-Papadopoulos, María José"   # 34 characters: past the widest name column (30)
    summary = _summary(["Li, Bo", long_name], dollars_p10=[-1_234_567.0, 5.0],
                       file=["1_x.xlsx", "1000000001_Hernández-Papadopoulos,_María_José.xlsx"],
                       status=["written", "kept (an earlier run's; --overwrite regenerates)"])
    ws = openpyxl.load_workbook(write_index(summary, tmp_path / "index.xlsx")).active
    widths = dict(zip([k for k, _, _ in COLUMNS], _widths(ws)))
    assert widths["npi"] == 12                  # ten digits + 2
    assert widths["name"] == 30                 # capped
    assert widths["dollars_p10"] == 13          # "-$1,234,567" + 2 (its header's longest word, 8 + 2, is less)
    assert widths["dollars_p50"] == 10          # "-$1,000" + 2 = 9: its header's "Dollars," 8 + 2 is more
    assert widths["file"] == 48                 # 50 characters, capped
    assert widths["status"] == 40               # 39 + 2, capped at 40
    assert widths["performance_year"] == 13     # "Performance" 11 + 2: wider than "2027"


def test_the_index_prints_landscape_one_page_wide_with_the_header_on_every_page(tmp_path):
    path = write_index(_summary([f"Doctor {i}" for i in range(3)]), tmp_path / "index.xlsx")
    ws = openpyxl.load_workbook(path).active
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 1
    assert (ws.page_setup.fitToWidth or 1, ws.page_setup.fitToHeight) == (1, 0)
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$1:$1" and ws.freeze_panes == "A2"
    assert "ASM index" in ws.oddHeader.center.text and "&P" in ws.oddFooter.right.text


def test_libreoffice_prints_a_long_index_with_every_column_and_the_header_on_every_page(tmp_path):
    if find_soffice() is None or shutil.which("pdftotext") is None:
        pytest.skip("LibreOffice (soffice) and pdftotext are needed to print the index")
    n = 120
    path = write_index(_summary([f"Physician {i:03d}" for i in range(n)]), tmp_path / "index.xlsx")
    [pdf] = to_pdf([path], tmp_path / "pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = [p for p in text.split("\f") if p.strip()]
    assert 2 <= len(pages) < 5   # 120 rows: a few pages tall, one wide (each page has every column)
    for page in pages:
        for word in ("NPI", "Physician", "Performance", "adjustment", "cautious", "hopeful", "Workbook", "Status"):
            assert word in page, (word, page[:300])
    lines = text.splitlines()
    for i in range(n):   # each physician printed once, NPI, name and workbook on one line
        assert sum(f"{1000000000 + i}" in line and f"Physician {i:03d}" in line and f"{1000000000 + i}_x.xlsx" in line
                   for line in lines) == 1, i


def test_numbers_keep_their_formats_and_blanks_stay_blank(tmp_path):
    summary = _summary(["A", "B"], final_score=[55.123, np.nan], p_gain=[0.5, None])
    path = write_index(summary, tmp_path / "index.xlsx")
    ws = openpyxl.load_workbook(path).active
    row = {h: ws.cell(2, j).value for j, (_, h, _) in enumerate(COLUMNS, start=1)}
    assert row["Final score"] == 55.123 and row["Performance year"] == 2027 and row["Rank in roster cohort"] == 1
    assert row["Dollar impact"] == -1234.5 and math.isclose(row["Chance of a gain"], 0.5)
    assert ws.cell(3, 6).value is None and ws.cell(3, 12).value is None
    for j, (_, _, fmt) in enumerate(COLUMNS, start=1):
        if ws.cell(2, j).value is not None:
            assert ws.cell(2, j).number_format == fmt, j
    # dollars with their sign, as the dashboard shows them: a gain read "$8,695" here and "+$8,695" there
    dollars = [j for j, (key, _, _) in enumerate(COLUMNS, start=1) if key.startswith("dollar")]
    assert len(dollars) == 4 and {ws.cell(2, j).number_format for j in dollars} == {'+"$"#,##0;[Red]-"$"#,##0;"$"0'}


def test_characters_xml_cannot_hold_are_shown_as_their_escape(tmp_path):
    path = write_index(_summary(["Bell\x07 Ring", "Non\ufffechar", "lone \ud800 half"]), tmp_path / "index.xlsx")
    ws = openpyxl.load_workbook(path).active
    assert [ws.cell(r, 3).value for r in (2, 3, 4)] == ["Bell_x0007_ Ring", "Non_xFFFE_char", "lone _xD800_ half"]


def test_a_workbook_link_targets_the_file_beside_the_index(tmp_path):
    files = ["1_Okafor,_Adaeze.xlsx", "2_50%_[x]_{y}^`.xlsx", "3_José_Müller.xlsx"]
    path = write_index(_summary(["A", "B", "C"], file=files), tmp_path / "index.xlsx")
    ws = openpyxl.load_workbook(path).active
    shown = [ws.cell(r, 15) for r in (2, 3, 4)]
    assert [c.value for c in shown] == files
    assert [c.hyperlink.target for c in shown] == [files[0], "2_50%25_%5bx%5d_%7by%7d%5e%60.xlsx", files[2]]
    assert [unquote(c.hyperlink.target) for c in shown] == files
    assert shown[0].font.u == "single" and shown[0].font.color.rgb == "FF0563C1"


def test_past_excels_links_a_sheet_a_file_name_is_shown_without_its_link(tmp_path, monkeypatch):
    monkeypatch.setattr(index, "LINK_LIMIT", 2)   # Excel holds 65,530 a sheet
    path = write_index(_summary(["A", "B", "C"]), tmp_path / "index.xlsx")
    ws = openpyxl.load_workbook(path).active
    assert [ws.cell(r, 15).value for r in (2, 3, 4)] == [f"{1000000000 + i}_x.xlsx" for i in range(3)]
    assert [ws.cell(r, 15).hyperlink is not None for r in (2, 3, 4)] == [True, True, False]


@pytest.mark.parametrize("name", ["a.xlsx", "a%20b.xlsx", "50%.xlsx", "[a] b#c.xlsx"])
def test_a_link_target_decodes_to_the_file_name(name):
    assert unquote(link_target(name)) == name and " " not in link_target(name)


def test_a_value_no_cell_can_hold_stops_the_index_and_leaves_no_file(tmp_path):
    summary = _summary(["A"], final_score=[object()])
    with pytest.raises(TypeError, match="cannot write a object to cell"):
        write_index(summary, tmp_path / "index.xlsx")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("bad", [math.inf, -np.inf])
def test_an_infinite_number_is_refused_by_name_and_leaves_no_file(tmp_path, bad):
    with pytest.raises(ValueError, match="cannot write .*inf to cell \\(2, 8\\): not a finite number"):
        write_index(_summary(["A"], dollar_impact=[bad]), tmp_path / "index.xlsx")
    assert list(tmp_path.iterdir()) == []


def test_an_index_of_no_physicians_is_the_header_alone(tmp_path):
    path = write_index(_summary([]), tmp_path / "index.xlsx")
    ws = openpyxl.load_workbook(path).active
    assert ws.max_row == 1 and ws.auto_filter.ref == "A1:P1"


def test_a_physician_with_an_exception_is_not_ranked_and_the_rank_cell_says_why(tmp_path):
    roster = read_roster(SAMPLE).head(4)   # four HF physicians, the first Okafor
    assert set(roster["specialty"]) == {"Cardiology"}
    roster["euc_exception"] = ["yes", "", "", ""]
    report = generate_workbooks(roster, out_dir=tmp_path, jobs=1, progress=False)
    ws = openpyxl.load_workbook(tmp_path / INDEX_NAME, data_only=True).active
    head = [h for _, h, _ in COLUMNS]
    rows = [dict(zip(head, r)) for r in ws.iter_rows(min_row=2, max_col=len(COLUMNS), values_only=True)]
    assert len(rows) == 4 and rows[0]["Physician"].startswith("Okafor") and len(report.written) == 4
    # out of the cohort's pool (neutral factor 0): not ranked, in the dashboard's words
    assert rows[0]["Rank in roster cohort"] == "exception: neutral" and rows[0]["Payment adjustment factor"] == 0
    # the other three are ranked among themselves: 1 = the highest final score, of 3
    others = rows[1:]
    by_score = sorted(others, key=lambda r: -r["Final score"])
    assert [r["Rank in roster cohort"] for r in by_score] == [1, 2, 3]
    assert {r["Of"] for r in rows} == {3}
    assert "not ranked" in ws.cell(1, len(COLUMNS) + 2).value


def test_the_note_and_the_printed_header_name_the_pool_that_priced_the_numbers(tmp_path):
    sources = {"HF": "given: scaling factor 1.5 (given_scaling_factor), midpoint 50 (tfs_midpoint, either mode)"}
    path = write_index(_summary(["A"]), tmp_path / "index.xlsx", pool="given", pool_sources=sources)
    ws = openpyxl.load_workbook(path).active
    note = ws.cell(1, len(COLUMNS) + 2).value
    assert note.startswith("Estimates, not CMS determinations. Pool: given (HF: given: scaling factor 1.5 "
                           "(given_scaling_factor), midpoint 50 (tfs_midpoint, either mode)). ")
    assert "national" not in note   # it said "over the national peer model's simulated cohorts" whatever the pool
    # the note is right of the print area: the page's header carries the pool (it named none)
    assert ws.print_area == "'Index'!$A$1:$P$2"
    assert "Pool: given; P10 / P50 / P90 = cautious / middle / hopeful case" in ws.oddHeader.center.text


def test_a_given_pools_index_row_has_one_point_as_its_note_says(tmp_path):
    roster = read_roster(SAMPLE)
    report = generate_workbooks(roster[roster["name"] == "Okafor, Adaeze"], out_dir=tmp_path,
                                settings=Settings(pool="given", given_scaling_factor=1.5))
    ws = openpyxl.load_workbook(report.index, data_only=True).active
    head = [c.value for c in ws[1]]
    row = dict(zip(head, [c.value for c in ws[2]]))
    assert "Pool: given (HF 2027: given: scaling factor 1.5" in ws.cell(1, len(COLUMNS) + 2).value
    assert row["Dollars, cautious (P10)"] == row["Dollars, middle (P50)"] == row["Dollars, hopeful (P90)"] \
        == row["Dollar impact"]


def test_a_physician_cms_lists_as_not_participating_is_not_ranked_and_the_index_says_why(tmp_path):
    # the dashboard showed "not participating (CMS)" and $0; the index ranked him "3 of 3"
    roster = read_roster(SAMPLE).head(3)
    okafor = "1891394078"
    report = generate_workbooks(roster, out_dir=tmp_path, participation={okafor: {2027: False}})
    row = report.summary.set_index("npi").loc[okafor]
    assert row["rank_in_roster_cohort"] == "not participating (CMS)"
    me = report.dashboard_data.physicians.set_index("npi").loc[okafor]
    assert me["outlook"] == "not participating (CMS)" and me["dollars_p50"] == 0
    ws = openpyxl.load_workbook(tmp_path / INDEX_NAME, data_only=True).active
    cells = [c for r in ws.iter_rows(values_only=True) if okafor in map(str, r) for c in r]
    assert "not participating (CMS)" in cells
    plain = generate_workbooks(roster, out_dir=tmp_path / "plain")
    assert plain.summary.set_index("npi").loc[okafor, "rank_in_roster_cohort"] == 3   # the lowest of three
    # the others are ranked among the roster's participants only: "1 of 2" and "2 of 2", not "of 3"
    others = report.summary[report.summary["npi"] != okafor]
    before = plain.summary[plain.summary["npi"] != okafor]
    assert sorted(others["rank_in_roster_cohort"]) == [1, 2] and set(others["roster_cohort_size"]) == {2}
    assert list(others["rank_in_roster_cohort"]) == list(before["rank_in_roster_cohort"])   # their order kept
    assert set(plain.summary["roster_cohort_size"]) == {3}


def test_a_physician_alone_in_his_cohort_and_year_is_ranked_1_of_1_as_score_ranks_him(tmp_path):
    # the rank cell was blank beside "Of" 1, where asm-xl score gives cohort_rank 1 of cohort_size 1
    from asm_xl.workbooks.batch import generate_workbooks
    from asm_xl.roster import read_roster
    sample = Path(__file__).resolve().parents[2] / "asm_xl" / "roster" / "data" / "sample_roster.csv"
    df = read_roster(sample)
    df.loc[df["npi"] == "1169108663", "performance_year"] = "2031"
    generate_workbooks(df, out_dir=tmp_path, jobs=1)
    ws = openpyxl.load_workbook(tmp_path / "asm_index.xlsx", data_only=True).active
    head = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2, values_only=True) if str(r[head.index("NPI")]) == "1169108663")
    assert (row[head.index("Rank in roster cohort")], row[head.index("Of")]) == (1, 1)


def _named(wb, name):
    (sheet, ref), = wb.defined_names[name].destinations
    return wb[sheet][ref.replace("$", "")].value


def test_a_physician_cms_lists_as_not_participating_has_no_adjustment_in_his_workbook_as_on_the_dashboard(tmp_path):
    # his workbook priced him as a participant (-$7,873 at P50 for Okafor, 5 actions) beside the dashboard's $0
    from asm_xl.calc.recalc import recalc_file
    from asm_xl.excel.table_functions import NOT_PARTICIPATING_ACTION
    from asm_xl.workbooks import layout as L
    roster = read_roster(SAMPLE).head(3)
    okafor = "1891394078"
    report = generate_workbooks(roster, out_dir=tmp_path, participation={okafor: {2027: False, 2028: True}})
    plain = generate_workbooks(roster, out_dir=tmp_path / "plain")
    path = tmp_path / report.summary.set_index("npi").loc[okafor, "file"]
    wb = openpyxl.load_workbook(path, data_only=True)
    assert wb[L.INPUTS][f"B{L.NOT_PARTICIPATING_ROW}"].value == "Yes"
    for name in ("Sc_Factor", "Sc_Impact", "Sc_DollarsP10", "Sc_DollarsP50", "Sc_DollarsP90", "Sc_GainChance"):
        assert _named(wb, name) == 0.0, name
    assert _named(wb, "Sc_Final") == plain.summary.set_index("npi").loc[okafor, "final_score"] > 0   # still scored
    assert wb[L.ACTIONS][f"A{L.ACTIONS_FIRST_ROW}"].value == NOT_PARTICIPATING_ACTION
    labels = {row[0].value: row[1].value for row in wb[L.SCORE].iter_rows()}
    assert labels["Exception or not participating (no adjustment)"] == "Not participating"
    # the index (the workbook's numbers) and the dashboard say the same: no adjustment
    mine = report.summary.set_index("npi").loc[okafor]
    assert mine["dollar_impact"] == mine["dollars_p50"] == 0.0
    me = report.dashboard_data.physicians.set_index("npi").loc[okafor]
    assert me["dollars_p10"] == me["dollars_p50"] == me["dollars_p90"] == 0.0 and me["top_action"] == ""
    # the others are priced as without the participants file
    others = report.summary.set_index("npi").drop(okafor)
    assert others["dollar_impact"].tolist() == plain.summary.set_index("npi").drop(okafor)["dollar_impact"].tolist()
    # both engines compute what the generator wrote; a second run keeps the file (its numbers are its inputs')
    assert recalc_file(path, check=True) == [] and recalc_file(path, check=True, engine="formulas") == []
    again = generate_workbooks(roster, out_dir=tmp_path, participation={okafor: {2027: False, 2028: True}})
    assert again.summary.set_index("npi").loc[okafor, "status"].startswith("kept")
    # typed Yes for 2027 (CMS's file corrected): priced as a participant, as the run without the file
    book = openpyxl.load_workbook(path)
    book[L.INPUTS][f"B{L.SCALAR_INPUTS['In_Part2027'][0]}"] = "Yes"
    book.save(path)
    recalc_file(path)
    wb = openpyxl.load_workbook(path, data_only=True)
    assert _named(wb, "Sc_Factor") == plain.summary.set_index("npi").loc[okafor, "factor"] != 0
    assert wb[L.INPUTS][f"B{L.NOT_PARTICIPATING_ROW}"].value == "No"


def test_a_name_or_status_longer_than_its_widest_column_wraps_in_a_row_tall_enough(tmp_path):
    # "Vanderhoeven-Fitzgerald, Lukas Maximilian (PY 2027)" was cut at the column's 30 characters, losing the
    # "(PY 2027)" that tells a physician's two rows apart, and a stale file's status at 40
    long = "Vanderhoeven-Fitzgerald, Lukas Maximilian (PY 2027)"
    status = "stale: its numbers are not what its inputs give in this run (edited without recalculating)"
    path = write_index(_summary(["Short, Ann", long], status=["written", status]), tmp_path / "i.xlsx")
    ws = openpyxl.load_workbook(path).active
    widths = index.column_widths([{"name": long, "status": status}])
    name_col, status_col = [k for k, _, _ in COLUMNS].index("name") + 1, [k for k, _, _ in COLUMNS].index("status") + 1
    assert ws.cell(3, name_col).value == long and ws.cell(3, name_col).alignment.wrap_text
    assert not ws.cell(2, name_col).alignment.wrap_text   # a name that fits is as before
    lines = max(len(index._text_lines(long, widths[name_col - 1])), len(index._text_lines(status, widths[status_col - 1])))
    assert lines >= 3 and ws.row_dimensions[3].height == 15 * lines
    assert ws.row_dimensions[2].height is None
