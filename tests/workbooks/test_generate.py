"""Generating one scored workbook per physician (asm_xl.workbooks.render / batch).

The sample roster is generated once per module; every generated workbook is reopened with
openpyxl (formulas and cached values), recalculated headlessly with the ``formulas`` engine and
one of them is shown by LibreOffice.
"""
from __future__ import annotations

import csv
import math
import os
import re
import shutil
import string
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from defusedxml import ElementTree as SafeET
from hypothesis import given, settings
from hypothesis import strategies as st
from macro_package import VBA_REL, VBA_TYPE, XLSM_MAIN, XLSX_MAIN, make_xlsm
from openpyxl.workbook.defined_name import DefinedName

from asm_xl.calc.recalc import ModelCache, recalc_file
from asm_xl.cli import main
from asm_xl.model.cohort import score_cohort
from asm_xl.model.parameters import get_cohort
from asm_xl.model.participant import MeasureInput, Participant, score_participant
from asm_xl.model.pool_choice import reference_point
from asm_xl.roster import ROSTER_ERROR_COLUMNS, read_roster, validate_roster
from asm_xl.workbooks import layout as L
from asm_xl.workbooks.batch import ERRORS_NAME, INDEX_NAME, generate_workbooks
from asm_xl.workbooks.dashboard import DASHBOARD_NAME
from asm_xl.workbooks.filenames import safe_filename
from asm_xl.workbooks.kept import STATUS_KEPT, STATUS_KEPT_EDITED, STATUS_STALE, STATUS_WRITTEN, read_kept
from asm_xl.xlsx.atomic import write_atomic
from asm_xl.workbooks.template import DEFAULT_TEMPLATE
from asm_xl.xlsx.package import sheet_parts
from asm_xl.workbooks.sheets.score import IMPACT_LABEL

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "asm_xl" / "roster" / "data" / "sample_roster.csv"
BAD = Path(__file__).parents[1] / "data" / "bad_roster.csv"
#: physicians whose names look like spreadsheet formulas (CSV/formula injection); not in the demo roster
INJECTION = Path(__file__).parents[1] / "data" / "injection_roster.csv"
FORMULA_LIKE = ['=HYPERLINK("http://x","y")', "+1-555-0100", "@SUM(A1)", "-2+3", "=cmd|' /C calc'!A0"]
RESULTS = {"Sc_Final": "final_score", "Sc_Quality": "quality", "Sc_Cost": "cost", "Sc_Factor": "factor",
           "Sc_Impact": "dollar_impact"}
TOL = dict(rel_tol=1e-9, abs_tol=1e-9)


# ------------------------------------------------------------------ helpers
def _cell(wb, name: str) -> tuple[str, str]:
    (sheet, ref), = wb.defined_names[name].destinations
    return sheet, ref.replace("$", "")


def _value(wb, name: str):
    sheet, cell = _cell(wb, name)
    return wb[sheet][cell].value


def _num(text):
    t = "" if text is None else str(text).strip().replace(",", "")
    return None if t == "" else float(t)


def _yes(text, default: bool) -> bool:
    t = "" if text is None else str(text).strip().casefold()
    return default if t == "" else t in ("yes", "true", "y", "1")


def _participant_score(row: pd.Series, scored) -> object:
    """score_participant for a roster row, built independently of the workbook code."""
    s = scored.scores.loc[row.name]
    cohort = get_cohort(s["cohort"])
    measures = [MeasureInput(m.id, (row.get(f"{m.key}_collection_type") or "").strip() or None,
                             _num(row.get(f"{m.key}_eligible")), _num(row.get(f"{m.key}_reported")),
                             _num(row.get(f"{m.key}_rate")), _num(row.get(f"{m.key}_points")))
                for m in cohort.measures]
    p = Participant(
        cohort=cohort.code, specialty=row["specialty"], performance_year=int(_num(row["performance_year"])),
        practice_size=_num(row["practice_size"]),
        ia_done=int(_yes(row.get("ia1_done"), False)) + int(_yes(row.get("ia2_done"), False)),
        pi_score=_num(row["pi_score"]), measures=measures, cost_episodes=_num(row.get("cost_episodes")),
        episode_cost=_num(row.get("episode_cost")), cost_points=_num(row.get("cost_points")),
        complex_bonus=_num(row.get("complex_bonus")) or 0.0, part_b_payments=_num(row["part_b_payments"]),
        submitted_on_time=_yes(row.get("submitted_on_time"), True))
    ladder = scored.ladders.get((cohort.code, int(s["performance_year"]), cohort.cost_measure_id, "cost"))
    return score_participant(p, cost_ladder=ladder)  # priced with the pool in force: the national peer model


def _assert_cached(got, expected, what):
    if expected is None:
        assert got == "#N/A", (what, got)
    else:
        assert isinstance(got, (int, float)) and math.isclose(got, expected, **TOL), (what, got, expected)


def _sheet_xml(path, sheet: str):
    with zipfile.ZipFile(path) as zf:
        member = dict(sheet_parts(zf))[sheet]
        return SafeET.fromstring(zf.read(member))


def _xml_cell(root, coord: str):
    for el in root.iter():
        if el.tag.rsplit("}", 1)[-1] == "c" and el.get("r") == coord:
            return el
    raise AssertionError(f"no cell {coord}")


def _children(el) -> dict:
    return {c.tag.rsplit("}", 1)[-1]: c for c in el}


def _no_temp_files(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(".") or ".tmp" in p.name]


# ------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def roster():
    df = read_roster(SAMPLE)
    validation = validate_roster(df)
    assert validation.ok
    return validation.valid, score_cohort(validation.valid)


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample")
    report = generate_workbooks(SAMPLE, out_dir=out)
    return report, out


@pytest.fixture(scope="module")
def books(sample, roster):
    """[(roster row, path, workbook with formulas, workbook with cached values)] in roster order."""
    report, out = sample
    valid, _ = roster
    assert len(report.summary) == len(valid)
    return [(row, out / name, openpyxl.load_workbook(out / name), openpyxl.load_workbook(out / name, data_only=True))
            for (_, row), name in zip(valid.iterrows(), report.summary["file"])]


@pytest.fixture(scope="module")
def injection(tmp_path_factory):
    """(out folder, [(roster row, path, workbook with formulas, with cached values)]) of the injection roster."""
    out = tmp_path_factory.mktemp("injection")
    report = generate_workbooks(INJECTION, out_dir=out)
    valid = validate_roster(read_roster(INJECTION)).valid
    assert list(valid["name"]) == FORMULA_LIKE and len(report.written) == len(valid)
    return out, [(row, out / name, openpyxl.load_workbook(out / name),
                  openpyxl.load_workbook(out / name, data_only=True))
                 for (_, row), name in zip(valid.iterrows(), report.summary["file"])]


@pytest.fixture(scope="module")
def model_cache():
    return ModelCache()


@pytest.fixture(scope="module")
def unscored(tmp_path_factory):
    """Two LBP physicians whose measures all have too few cases: one with and one without a cost score."""
    df = read_roster(SAMPLE)
    base = df[df["specialty"] == "Orthopedic Surgery"].iloc[0]
    rows = []
    for npi, name, episodes, points in (("1234567893", "Quality Unscored", "30", "5"),
                                        ("1245319599", "Nothing Scored", "5", "")):
        r = base.copy()
        for m in get_cohort("LBP").measures:
            r[f"{m.key}_eligible"] = r[f"{m.key}_reported"] = "10"
        r["npi"], r["name"], r["cost_episodes"], r["cost_points"], r["episode_cost"] = npi, name, episodes, points, ""
        rows.append(r)
    frame = pd.DataFrame(rows).reset_index(drop=True)
    out = tmp_path_factory.mktemp("unscored")
    report = generate_workbooks(frame, out_dir=out)
    return frame, score_cohort(frame), report, out


# ------------------------------------------------------------------ one workbook per row
def test_sample_roster_gives_one_workbook_per_row_an_index_and_no_error_report(sample, roster):
    report, out = sample
    valid, _ = roster
    assert len(valid) == 30
    assert report.exit_code == 0 and report.rejected_rows == 0
    assert report.error_report is None and not (out / ERRORS_NAME).exists()
    assert len(report.written) == len(valid) and report.skipped == []
    assert report.index == out / INDEX_NAME
    files = sorted(p.name for p in out.iterdir())
    assert files == sorted([p.name for p in report.written] + [INDEX_NAME, DASHBOARD_NAME])
    assert all(name.endswith(".xlsx") for name in files)
    assert _no_temp_files(out) == []


def test_workbooks_are_named_after_npi_and_name(sample, roster):
    report, _ = sample
    valid, _ = roster
    for (_, row), name in zip(valid.iterrows(), report.summary["file"]):
        assert name == safe_filename(row["npi"].strip(), row["name"])


def test_index_lists_every_physician_with_the_cached_results_and_a_link(sample, books):
    report, out = sample
    ws = openpyxl.load_workbook(out / INDEX_NAME).active
    header = [c.value for c in ws[1]][:15]
    assert header[:3] == ["NPI", "TIN", "Physician"] and header[-1] == "Workbook"
    assert header[8:12] == ["Dollars, cautious (P10)", "Dollars, middle (P50)", "Dollars, hopeful (P90)",
                            "Chance of a gain"]
    rows = list(ws.iter_rows(min_row=2, max_col=15, values_only=True))
    assert len(rows) == len(books)
    for rec, (row, path, _, cached) in zip(rows, books):
        npi, tin, name, cohort, year, final, factor, impact, p10, p50, p90, gain, _rank, _of, file = rec
        assert (npi, tin, name, file) == (row["npi"].strip(), row["tin"].strip(), row["name"], path.name)
        for got, key in ((final, "Sc_Final"), (factor, "Sc_Factor"), (impact, "Sc_Impact"), (p10, "Sc_DollarsP10"),
                         (p50, "Sc_DollarsP50"), (p90, "Sc_DollarsP90"), (gain, "Sc_GainChance")):
            assert math.isclose(got, _value(cached, key), **TOL)
        assert p10 <= p50 <= p90
    links = {c.hyperlink.target for c in ws["O"][1:]}
    assert links == {p.name for p in report.written}


def test_generated_workbooks_keep_live_formulas(books):
    for row, path, wb, _ in books:
        assert _value(wb, "Sc_Final").startswith("=IF(ISERROR(B20),B20,ASM_FINAL(")   # the bonus row's error passes
        assert _value(wb, "Sc_Quality").startswith("=ASM_QUALITY(")
        assert _value(wb, "Sc_Factor").startswith("=ASM_FACTOR(")
        assert _value(wb, "Sc_Impact").startswith("=ASM_IMPACT(")
        assert wb[L.SCENARIOS]["B5"].value.startswith("=Tables!A")   # one ASM_FACTOR for the curve, hidden
        assert _value(wb, "In_Name") == row["name"]
        assert _value(wb, "In_Cohort") in ("HF", "LBP")
        with zipfile.ZipFile(path) as zf:
            book = zf.read("xl/workbook.xml")
            assert b"fullCalcOnLoad" not in book  # cached values are current
            # and Excel 2019+ keeps them on opening (an earlier engine's calcId made it compute everything)
            assert re.search(rb'<calcPr[^>]*\bcalcId="191029"', book)
            assert "xl/charts/chart1.xml" in zf.namelist()


def test_cached_values_equal_the_scoring_core(books, roster):
    _, scored = roster
    not_scored = 0
    for row, path, _, cached in books:
        expected = _participant_score(row, scored)
        cohort_row = scored.scores.loc[row.name]
        for name, attr in RESULTS.items():
            _assert_cached(_value(cached, name), getattr(expected, attr), (path.name, name))
        for name in ("Sc_Final", "Sc_Quality", "Sc_Cost"):  # the cohort API gives the same category scores
            want = cohort_row[RESULTS[name]]
            _assert_cached(_value(cached, name), None if pd.isna(want) else float(want), (path.name, name))
        point = reference_point(expected.cohort, expected.performance_year)
        assert _value(cached, "Sc_Scaling") == point.scaling_factor == expected.scaling_factor
        assert _value(cached, "Sc_MinSubmission") == ("Yes" if expected.minimum_submission_met else "No")
        not_scored += expected.cost is None
    assert not_scored >= 1  # the sample has physicians with too few episodes for a cost score


def test_not_scored_categories_are_cached_as_na(unscored, model_cache):
    frame, scored, report, out = unscored
    assert report.exit_code == 0 and len(report.written) == 2
    for (_, row), path in zip(frame.iterrows(), report.written):
        expected = _participant_score(row, scored)
        cached = openpyxl.load_workbook(path, data_only=True)
        assert expected.quality is None
        for name, attr in RESULTS.items():
            _assert_cached(_value(cached, name), getattr(expected, attr), (path.name, name))
        assert recalc_file(path, check=True, cache=model_cache, engine="formulas") == []
    nothing = openpyxl.load_workbook(report.written[1], data_only=True)
    assert [_value(nothing, n) for n in ("Sc_Final", "Sc_Factor", "Sc_Impact")] == ["#N/A"] * 3


def test_headless_recalculation_finds_no_difference_in_any_generated_workbook(books, model_cache):
    # The formulas library, independent of our evaluator, agrees with every cached value.
    for _, path, _, _ in books:
        assert recalc_file(path, check=True, cache=model_cache, engine="formulas") == [], path.name
    assert model_cache.misses <= 1  # every workbook reused one compiled model
    assert model_cache.hits >= len(books) - 1


# ------------------------------------------------------------------ LibreOffice
SCORE_SHEET_CSV = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,2"


def _shown_number(text: str) -> float:
    t = text.strip().replace("$", "").replace(",", "")
    return float(t[:-1]) / 100 if t.endswith("%") else float(t)


@pytest.fixture(scope="module")
def libreoffice(injection, tmp_path_factory):
    """What LibreOffice shows on the Score sheet of the =HYPERLINK(...) physician's workbook."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed: cannot check what it displays")
    _, books = injection
    assert L.SCORE == openpyxl.load_workbook(books[0][1], read_only=True).sheetnames[1]  # sheet number 2
    row, path, _, cached = next(b for b in books if b[0]["name"] == FORMULA_LIKE[0])
    work = tmp_path_factory.mktemp("lo")
    src = work / "physician.xlsx"
    shutil.copyfile(path, src)
    before = src.read_bytes()
    env = {**os.environ, "HOME": str(work / "home")}
    cmd = [soffice, f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless", "--norestore",
           "--convert-to", SCORE_SHEET_CSV, "--outdir", str(work / "out"), str(src)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=240)
    out = sorted((work / "out").glob("*.csv")) if (work / "out").exists() else []
    assert proc.returncode == 0 and len(out) == 1, (proc.stdout, proc.stderr)
    assert out[0].name == "physician-Score.csv", out[0].name  # the Score sheet, not the first one
    assert src.read_bytes() == before
    with open(out[0], encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows, cached


def _shown(rows, label: str) -> str:
    found = [r[1] for r in rows if r and r[0] == label]
    assert len(found) == 1, label
    return found[0]


def test_libreoffice_shows_the_cached_final_score_factor_and_impact(libreoffice):
    rows, cached = libreoffice
    for label, name in (("Final score (0-100)", "Sc_Final"), ("Payment adjustment factor", "Sc_Factor"),
                        (IMPACT_LABEL, "Sc_Impact")):
        assert math.isclose(_shown_number(_shown(rows, label)), _value(cached, name), rel_tol=1e-12, abs_tol=1e-9)


def test_libreoffice_does_not_recalculate_numeric_and_text_results(libreoffice):
    """LibreOffice knows no ASM_* function: had it recalculated, these cells would show #NAME?."""
    rows, cached = libreoffice
    ws = cached[L.SCORE]
    assert rows[1][0] == ws["A2"].value and rows[1][0].startswith(FORMULA_LIKE[0] + "  |  NPI")
    checked = 0
    for r in range(1, ws.max_row + 1):
        label, value = ws.cell(row=r, column=1).value, ws.cell(row=r, column=2).value
        if not isinstance(label, str) or isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        if any(row and row[0] == label for row in rows):
            assert math.isclose(_shown_number(_shown(rows, label)), value, rel_tol=1e-12, abs_tol=1e-9), label
            checked += 1
    assert checked >= 15
    measure_points = [r[4] for r in rows[5:5 + L.MAX_MEASURES] if r and r[0]]
    assert measure_points and "#NAME?" not in measure_points


def test_libreoffice_shows_the_cached_minimum_submission_flag(libreoffice):
    # Yes/No text, not TRUE/FALSE: LibreOffice recalculates boolean cached values on load and,
    # knowing no ASM_* function, would show #NAME?.
    rows, _ = libreoffice
    assert _shown(rows, "Minimum data submission met") in ("Yes", "No")


# ------------------------------------------------------------------ roster text is never a formula
def test_formula_like_names_are_written_as_inline_text_in_the_inputs_sheet(injection):
    seen = set()
    for row, path, wb, _ in injection[1]:
        if row["name"] not in FORMULA_LIKE:
            continue
        seen.add(row["name"])
        sheet, coord = _cell(wb, "In_Name")
        cell = wb[sheet][coord]
        assert (cell.value, cell.data_type) == (row["name"], "s")
        el = _xml_cell(_sheet_xml(path, sheet), coord)
        kids = _children(el)
        assert el.get("t") == "inlineStr" and "f" not in kids
        assert "".join(t.text or "" for t in kids["is"].iter() if t.tag.endswith("}t")) == row["name"]
    assert seen == set(FORMULA_LIKE)


def test_formula_like_names_are_written_as_text_in_the_index(injection):
    out, _ = injection
    ws = openpyxl.load_workbook(out / INDEX_NAME).active
    root = _sheet_xml(out / INDEX_NAME, ws.title)
    found = {}
    for r in range(2, ws.max_row + 1):
        cell = ws.cell(row=r, column=3)   # Physician
        if cell.value in FORMULA_LIKE:
            assert cell.data_type == "s"
            el = _xml_cell(root, cell.coordinate)
            assert el.get("t") in ("s", "inlineStr") and "f" not in _children(el)   # shared or inline text
            found[cell.value] = r
    assert set(found) == set(FORMULA_LIKE)


def test_identifiers_keep_their_leading_zeros_as_text(books):
    for row, path, wb, _ in books:
        for name, col in (("In_NPI", "npi"), ("In_TIN", "tin")):
            cell = wb[_cell(wb, name)[0]][_cell(wb, name)[1]]
            assert (cell.value, cell.data_type) == (row[col].strip(), "s")  # as typed, surrounding spaces trimmed


# ------------------------------------------------------------------ bad roster
@pytest.fixture(scope="module")
def bad(tmp_path_factory):
    out = tmp_path_factory.mktemp("bad")
    return generate_workbooks(BAD, out_dir=out), out, validate_roster(read_roster(BAD))


def test_bad_roster_writes_an_error_report_next_to_the_workbooks(bad):
    report, out, validation = bad
    assert report.exit_code == 2
    assert report.rejected_rows == validation.rows_rejected > 0
    assert report.error_report == out / ERRORS_NAME and report.error_report.exists()
    with open(report.error_report, encoding="utf-8-sig", newline="") as fh:
        lines = list(csv.DictReader(fh))
    assert list(lines[0]) == ROSTER_ERROR_COLUMNS
    assert {"row", "column", "value", "reason"} <= set(lines[0])
    got = {(int(x["row"]), x["column"]) for x in lines}
    assert got == {(int(r), c) for r, c in validation.errors[["row", "column"]].itertuples(index=False)}
    assert all(x["reason"] for x in lines)
    by_cell = {(int(x["row"]), x["column"]): x for x in lines}
    assert by_cell[(6, "q236_eligible")]["value"] == "-5"
    assert _no_temp_files(out) == []


def test_bad_roster_still_generates_every_valid_row(bad):
    report, out, validation = bad
    assert len(validation.valid) > 0
    expected = [safe_filename(r["npi"].strip(), r["name"]) for _, r in validation.valid.iterrows()]
    assert [p.name for p in report.written] == expected
    assert all(p.exists() for p in report.written)
    assert list(report.summary["npi"]) == [n.strip() for n in validation.valid["npi"]]
    files = {p.name for p in out.iterdir()}
    assert files == set(expected) | {INDEX_NAME, ERRORS_NAME, DASHBOARD_NAME}


def test_generation_scores_the_roster_once_when_validation_pooled_exactly_the_valid_rows(tmp_path, monkeypatch):
    import asm_xl.model.cohort as cohort_module
    import asm_xl.roster.validate as validate_module
    import asm_xl.workbooks.kept_rows as kept_rows_module   # where generate scores (kept workbooks or not)
    calls = []
    real = cohort_module.score_cohort

    def counted(*args, **kwargs):
        calls.append(len(args[0]))
        return real(*args, **kwargs)

    monkeypatch.setattr(validate_module, "score_cohort", counted)
    monkeypatch.setattr(kept_rows_module, "score_cohort", counted)
    df = read_roster(SAMPLE).head(4)
    report = generate_workbooks(df, out_dir=tmp_path)
    assert calls == [4] and len(report.written) == 4


def test_validation_gives_the_scores_of_the_valid_rows_alone(roster):
    df = read_roster(SAMPLE)
    df.loc[3, "pi_score"] = "2"            # a methodology error: score_cohort leaves the row out itself
    v = validate_roster(df)
    assert v.rows_rejected == 1 and v.scored is not None
    alone = score_cohort(v.valid)
    pd.testing.assert_frame_equal(v.scored.scores, alone.scores)
    pd.testing.assert_frame_equal(v.scored.pools, alone.pools)
    assert v.scored.scores.index.equals(v.valid.index) and v.scored.errors.empty


def test_the_roster_and_the_cohort_api_check_npis_alike_so_validation_scores_once():
    df = read_roster(SAMPLE)
    df.loc[3, "npi"] = "1234567890"        # bad check digit
    v = validate_roster(df)
    direct = score_cohort(df)
    assert v.rows_rejected == 1 and v.scored is not None  # the same rows rejected: the pools are reused
    roster_reason = v.errors.loc[v.errors["column"] == "npi", "reason"].tolist()
    api_reason = direct.errors.loc[direct.errors["column"] == "npi", "reason"].tolist()
    assert roster_reason == api_reason and "check digit" in api_reason[0]
    assert v.scored.scores["final_score"].tolist() == direct.scores["final_score"].tolist()


def test_a_clean_run_removes_an_earlier_error_report(tmp_path):
    generate_workbooks(BAD, out_dir=tmp_path)
    assert (tmp_path / ERRORS_NAME).exists()
    report = generate_workbooks(read_roster(SAMPLE).head(2), out_dir=tmp_path)
    assert report.exit_code == 0 and not (tmp_path / ERRORS_NAME).exists()


# ------------------------------------------------------------------ writing files
@pytest.fixture
def small_roster():
    return read_roster(SAMPLE).head(3)


def test_existing_workbooks_are_kept_without_overwrite_and_replaced_with_it(tmp_path, small_roster):
    first = generate_workbooks(small_roster, out_dir=tmp_path)
    originals = {p: p.read_bytes() for p in first.written}
    target = first.written[0]
    target.write_bytes(b"edited by hand")

    again = generate_workbooks(small_roster, out_dir=tmp_path)
    assert target.read_bytes() == b"edited by hand"
    assert again.skipped == first.written and again.written == []
    assert again.stale == [target]  # unreadable: the index shows no numbers for it
    assert list(again.summary["status"]) == [STATUS_STALE, STATUS_KEPT, STATUS_KEPT]
    for p in first.written[1:]:
        assert p.read_bytes() == originals[p]

    replaced = generate_workbooks(small_roster, out_dir=tmp_path, overwrite=True)
    assert replaced.written == first.written and replaced.skipped == [] and replaced.stale == []
    assert target.read_bytes() == originals[target]  # rendering is deterministic
    assert list(replaced.summary["status"]) == [STATUS_WRITTEN] * 3
    assert _no_temp_files(tmp_path) == []


def test_overwrite_keeps_a_workbook_open_in_excel_and_says_so(tmp_path, small_roster):
    # --overwrite replaced a workbook Excel held open (its ~$ lock file beside it): Excel's next save undoes
    # it, and on Windows the rename fails, which stopped the whole run
    from asm_xl.workbooks.kept import STATUS_OPEN
    first = generate_workbooks(small_roster, out_dir=tmp_path)
    target = first.written[1]
    (tmp_path / ("~$" + target.name)).write_bytes(b"\x0bsomeone   " + b"\0" * 150)
    before = {p: p.read_bytes() for p in first.written}
    changed = small_roster.assign(part_b_payments="123456")
    again = generate_workbooks(changed, out_dir=tmp_path, overwrite=True)
    assert target.read_bytes() == before[target] and again.skipped == [target]
    assert again.written == [first.written[0], first.written[2]]
    assert all(p.read_bytes() != before[p] for p in again.written)   # the others regenerated
    assert list(again.summary["status"]) == [STATUS_WRITTEN, STATUS_OPEN, STATUS_WRITTEN]
    assert f"1 workbook(s) open in Excel kept, not regenerated (e.g. {target.name}): close them, then run again" \
        in again.warnings
    row = again.summary.iloc[1]   # the index shows the open file's own numbers, not the new roster's
    assert float(row["dollar_impact"]) == pytest.approx(float(first.summary.iloc[1]["dollar_impact"]), rel=1e-12)


def _index_rows(out: Path) -> list[dict]:
    ws = openpyxl.load_workbook(out / INDEX_NAME).active
    header = [c.value for c in ws[1]][:16]
    assert header[-2:] == ["Workbook", "Status"]
    return [dict(zip(header, r)) for r in ws.iter_rows(min_row=2, max_col=16, values_only=True)]


def _held(path: Path) -> dict:
    wb = openpyxl.load_workbook(path, data_only=True)
    return {"Cohort": _value(wb, "In_Cohort"), "Performance year": _value(wb, "In_Year"),
            "Final score": _value(wb, "Sc_Final"), "Payment adjustment factor": _value(wb, "Sc_Factor"),
            "Dollar impact": _value(wb, "Sc_Impact"), "Dollars, middle (P50)": _value(wb, "Sc_DollarsP50"),
            "Chance of a gain": _value(wb, "Sc_GainChance")}


def _assert_row_shows(row: dict, held: dict) -> None:
    for header, value in held.items():
        if isinstance(value, float):
            assert math.isclose(row[header], value, **TOL), (header, row[header], value)
        else:
            assert row[header] == value, (header, row[header], value)


def test_index_of_a_rerun_without_overwrite_shows_the_numbers_of_the_kept_workbooks(tmp_path, small_roster):
    generate_workbooks(small_roster, out_dir=tmp_path)
    first_ranks = [r["Rank in roster cohort"] for r in _index_rows(tmp_path)]
    edited = small_roster.copy()
    edited["part_b_payments"] = [str(float(v) * 3 + 1000) for v in edited["part_b_payments"]]

    kept = generate_workbooks(edited, out_dir=tmp_path)
    rows = _index_rows(tmp_path)
    # their payments edited in the roster since: kept with their own numbers, and said to hold other inputs
    assert [r["Status"] for r in rows] == [STATUS_KEPT_EDITED] * 3 == [
        "kept, with inputs other than its roster row's (its own numbers; --overwrite takes the roster's)"] * 3
    before = []
    for row, path in zip(rows, kept.skipped):
        held = _held(path)
        _assert_row_shows(row, held)
        before.append(held["Dollar impact"])
    # ranked among the files' own final scores (a rerun had blanked every rank)
    assert [r["Rank in roster cohort"] for r in rows] == first_ranks and None not in first_ranks

    replaced = generate_workbooks(edited, out_dir=tmp_path, overwrite=True)
    rows = _index_rows(tmp_path)
    assert [r["Status"] for r in rows] == ["written"] * 3
    for row, path, old, payments in zip(rows, replaced.written, before, edited["part_b_payments"]):
        _assert_row_shows(row, _held(path))
        assert _value(openpyxl.load_workbook(path), "In_Payments") == float(payments)  # the new roster's
        assert row["Dollar impact"] != old or old == 0  # payments tripled: a different impact


def test_index_shows_no_roster_numbers_for_a_kept_workbook_it_cannot_read(tmp_path, small_roster):
    first = generate_workbooks(small_roster, out_dir=tmp_path)
    first.written[1].write_bytes(b"PK\x03\x04 not a workbook")
    generate_workbooks(small_roster, out_dir=tmp_path)
    rows = _index_rows(tmp_path)
    assert rows[1]["Status"] == "stale: could not read"
    assert [rows[1][h] for h in ("Final score", "Payment adjustment factor", "Dollar impact",
                                 "Rank in roster cohort")] == [None] * 4
    # who it is, as the dashboard's Physicians sheet shows the row (the roster's: the file cannot be read)
    assert (rows[1]["Cohort"], rows[1]["Performance year"]) == (first.summary["cohort"].iloc[1],
                                                                int(first.summary["performance_year"].iloc[1]))
    assert rows[1]["Workbook"] == first.written[1].name
    assert [rows[0]["Status"], rows[2]["Status"]] == [STATUS_KEPT] * 2


def test_kept_workbook_reader_reads_shared_strings_quoted_sheet_names_and_errors(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "My Score"
    ws["A1"], ws["A2"], ws["B3"], ws["B4"], ws["C9"] = "LBP", 2029, 61.25, "#N/A", -1234.5
    for name, ref in (("In_Cohort", "$A$1"), ("In_Year", "$A$2"), ("Sc_Final", "$B$3"), ("Sc_Factor", "$B$4"),
                      ("Sc_Impact", "$C$9")):
        wb.defined_names[name] = DefinedName(name, attr_text=f"'My Score'!{ref}")
    wb.save(tmp_path / "saved.xlsx")   # openpyxl writes text as shared strings
    assert read_kept(tmp_path / "saved.xlsx") == {"cohort": "LBP", "performance_year": 2029, "final_score": 61.25,
                                                  "factor": "#N/A", "dollar_impact": -1234.5}
    del wb.defined_names["Sc_Impact"]
    wb.save(tmp_path / "no_name.xlsx")
    assert read_kept(tmp_path / "no_name.xlsx") is None


def test_kept_workbook_reader_gives_none_without_cached_results(tmp_path, small_roster):
    first = generate_workbooks(small_roster.head(1), out_dir=tmp_path)
    path = first.written[0]
    assert read_kept(path)["cohort"] in ("HF", "LBP")
    openpyxl.load_workbook(path).save(path)   # openpyxl keeps formulas but drops every cached value
    assert read_kept(path) is None


def test_a_crash_while_writing_leaves_neither_a_partial_file_nor_a_temp_file(tmp_path, small_roster, monkeypatch):
    def crash(src, dst):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="simulated"):
        generate_workbooks(small_roster, out_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_crash_while_overwriting_keeps_the_previous_file(tmp_path, small_roster, monkeypatch):
    first = generate_workbooks(small_roster, out_dir=tmp_path)
    before = {p: p.read_bytes() for p in tmp_path.iterdir()}
    monkeypatch.setattr(os, "replace", lambda src, dst: (_ for _ in ()).throw(OSError("simulated")))
    with pytest.raises(OSError):
        generate_workbooks(small_roster, out_dir=tmp_path, overwrite=True)
    with pytest.raises(OSError):
        write_atomic(first.written[0], b"new content")
    assert {p: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_write_atomic_replaces_content_and_keeps_no_temp_file(tmp_path):
    target = tmp_path / "a.xlsx"
    write_atomic(target, b"one")
    write_atomic(target, b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in tmp_path.iterdir()] == ["a.xlsx"]


@pytest.mark.parametrize("parts, expected", [
    (("1234567893", "Okafor, Adaeze"), "1234567893_Okafor,_Adaeze.xlsx"),
    (("CON",), "_CON.xlsx"),
    (("con",), "_con.xlsx"),
    (("nul.report",), "_nul.report.xlsx"),
    (("LPT1",), "_LPT1.xlsx"),
    (("COM9",), "_COM9.xlsx"),
    (("aux ",), "_aux.xlsx"),
    (("CONSOLE",), "CONSOLE.xlsx"),
    (('a<b>c:d"e/f\\g|h?i*j',), "abcdefghij.xlsx"),
    (("name...",), "name.xlsx"),
    (("name. . .",), "name.xlsx"),
    (("  spaced   out  ",), "spaced_out.xlsx"),
    (("tab\there\nnewline",), "tabherenewline.xlsx"),  # control characters are dropped
    (("...",), "workbook.xlsx"),
    (("",), "workbook.xlsx"),
    (('=HYPERLINK("http://x","y")',), "=HYPERLINK(httpx,y).xlsx"),
    (("1234567893", ""), "1234567893.xlsx"),
    (("1234567893", "Suite #4 Clinic"), "1234567893_Suite_4_Clinic.xlsx"),  # '#' would cut a link to the file
])
def test_safe_filename_is_windows_safe(parts, expected):
    assert safe_filename(*parts) == expected


def test_safe_filename_keeps_the_suffix_and_the_length_limit():
    assert safe_filename("CON", suffix=".xlsm") == "_CON.xlsm"
    long = safe_filename("x" * 300)
    assert len(long) == 120 and long.endswith(".xlsx")
    reserved_long = safe_filename("CON." + "y" * 300)
    assert len(reserved_long) <= 120 and reserved_long.startswith("_CON.")
    assert not safe_filename("a" * 114 + ". b").removesuffix(".xlsx").endswith((".", " "))


_WIN_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(st.one_of(st.text(max_size=40),
                                st.sampled_from(["CON", "con", "Nul", "LPT1", "com3", ".", " ", "..", "a.", "CON."]),
                                st.text(alphabet=string.printable, max_size=200)), min_size=1, max_size=3),
       max_len=st.integers(8, 150), suffix=st.sampled_from([".xlsx", ".xlsm"]))
def test_safe_filename_property(parts, max_len, suffix):
    name = safe_filename(*parts, suffix=suffix, max_len=max_len)
    stem = name[: -len(suffix)]
    assert name.endswith(suffix) and len(name) <= max_len
    assert stem and not stem.startswith(".") and not stem.endswith((".", " "))
    assert not re.search(r'[<>:"/\\|?*\x00-\x1f\x7f]', name)
    assert stem.split(".")[0].upper() not in _WIN_RESERVED


# ------------------------------------------------------------------ .xlsm templates
VBA_BYTES = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 8 + b"fake VBA project"
def _make_xlsm(src: Path, dst: Path) -> None:
    make_xlsm(src, dst, VBA_BYTES)


@pytest.fixture(scope="module")
def xlsm_run(tmp_path_factory):
    work = tmp_path_factory.mktemp("xlsm")
    template = work / "asm_template.xlsm"
    _make_xlsm(DEFAULT_TEMPLATE, template)
    out = work / "out"
    code = main(["generate", str(SAMPLE), "--template", str(template), "--out", str(out), "--quiet", "--jobs", "1"])
    return code, out


def test_an_xlsm_template_gives_xlsm_workbooks(xlsm_run, sample):
    code, out = xlsm_run
    report, xlsx_out = sample
    assert code == 0
    books = sorted(p.name for p in out.iterdir() if p.name not in (INDEX_NAME, DASHBOARD_NAME))
    assert books == sorted(p.name[:-5] + ".xlsm" for p in report.written)
    assert not [n for n in books if n.endswith(".xlsx")]
    index = openpyxl.load_workbook(out / INDEX_NAME).active
    assert {c.value for c in index["O"][1:]} == set(books)
    assert _no_temp_files(out) == []


def test_xlsm_workbooks_keep_the_vba_project_byte_identical(xlsm_run):
    _, out = xlsm_run
    for path in out.glob("*.xlsm"):
        with zipfile.ZipFile(path) as zf:
            assert zf.read("xl/vbaProject.bin") == VBA_BYTES
            types = zf.read("[Content_Types].xml")
            assert XLSM_MAIN in types and XLSX_MAIN not in types and VBA_TYPE in types
            assert VBA_REL in zf.read("xl/_rels/workbook.xml.rels")
    one = next(out.glob("*.xlsm"))
    assert openpyxl.load_workbook(one, keep_vba=True).vba_archive is not None


def test_xlsm_workbooks_cache_the_same_values_as_xlsx_ones(xlsm_run, sample):
    _, out = xlsm_run
    report, _ = sample
    for xlsx in report.written[:5]:
        xlsm = out / (xlsx.name[:-5] + ".xlsm")
        with zipfile.ZipFile(xlsx) as a, zipfile.ZipFile(xlsm) as b:
            for sheet, member in sheet_parts(a):
                assert a.read(member) == b.read(dict(sheet_parts(b))[sheet]), (xlsx.name, sheet)


def test_score_sheets_tfs_uses_the_exchange_function_cms_published_for_the_cohort_and_year(tmp_path, monkeypatch):
    # HF 2028 published (hypothetical): k 0.12, m 55; a given SF 1.62. Four complete HF measures at 8 points and
    # cost 8: final = 100 x (0.5 x 0.8 + 0.5 x 0.8) = 80. TFS = 1 / (1 + e^(-0.12 x 25)) = 0.952574;
    # factor = 0.09 x 0.952574 x 1.62 - 0.09 = 0.048885. A user then sets the Assumptions' tfs_steepness back to
    # 0.1: the published k still prices the factor, and the TFS row must show the TFS that factor rests on
    # (it showed k 0.1's 1 / (1 + e^-2.5) = 0.924142 beside the factor of 0.952574)
    from asm_xl.model import parameters
    from asm_xl.model.settings import Settings
    raw = dict(parameters._raw())
    raw["exchange_function"] = [{"cohort": "HF", "performance_year": 2028, "steepness": 0.12, "midpoint": 55.0,
                                 "source": "CMS (hypothetical)"}]
    monkeypatch.setattr(parameters, "_raw", lambda: raw)
    row = {"npi": "1891394078", "name": "Published, K", "cohort": "HF", "performance_year": "2028",
           "practice_size": "40", "part_b_payments": "100000", "cost_episodes": "30", "cost_points": "8",
           "ia_done": "2", "pi_score": "1"}
    for m in ("q008", "q005", "q236", "q377"):
        row.update({f"{m}_eligible": "50", f"{m}_reported": "50", f"{m}_points": "8"})
    s = Settings(pool="given", given_scaling_factor=1.62, peer_draws=60, peer_seed=13)
    report = generate_workbooks(pd.DataFrame([row], dtype=object), out_dir=tmp_path, settings=s)
    assert report.exit_code == 0
    path = report.written[0]
    wb = openpyxl.load_workbook(path)
    sheet = wb["Assumptions"]
    (cell,) = [sheet.cell(r, 2) for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value == "tfs_steepness"]
    cell.value = 0.1
    wb.save(path)
    recalc_file(path)
    ws = openpyxl.load_workbook(path, data_only=True)["Score"]
    shown = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(1, ws.max_row + 1)}
    tfs = 1 / (1 + math.exp(-3))
    assert shown["Final score (0-100)"] == 80.0
    assert shown["Exchange function midpoint m (pool in force)"] == 55.0
    assert shown["Transformed final score"] == pytest.approx(tfs, rel=1e-15)
    assert shown["Payment adjustment factor"] == pytest.approx(0.09 * tfs * 1.62 - 0.09, rel=1e-12)


def test_each_score_item_says_what_it_is_and_its_source_with_the_assumptions_numbers(tmp_path, small_roster):
    # "Transformed final score 0.2687", "Payment multiplier": a finance reader met neither a meaning nor a
    # source; the cell beside each item now says both (the registry's help, the settings in force)
    from asm_xl.model.settings import Settings
    from asm_xl.workbooks.sheets.score import source_line
    edited = generate_workbooks(small_roster.head(1), out_dir=tmp_path / "e", settings=Settings(ia_penalty_per_missing=5))
    plain = generate_workbooks(small_roster.head(1), out_dir=tmp_path / "p")
    said = {}
    for label, report in (("edited", edited), ("plain", plain)):
        ws = openpyxl.load_workbook(report.written[0], data_only=True)[L.SCORE]
        said[label] = {ws.cell(row=r, column=1).value: ws.cell(row=r, column=3).value for r in range(1, ws.max_row + 1)}
    assert said["plain"]["Payment year"] == "Payment year of a performance year (performance year + 2). [CMS]"
    assert source_line("ASM_PAYMENT_YEAR") == '"' + said["plain"]["Payment year"] + '"'
    assert said["plain"]["Improvement activities adjustment"] == (
        "Improvement activities adjustment: -10 points per activity (IA-1, IA-2) not done; 0 when both are done. [CMS]")
    assert said["edited"]["Improvement activities adjustment"].startswith("Improvement activities adjustment: -5 points")
    assert said["plain"]["Risk level"] == "Risk level r of a performance year: 9%, 9%, 10%, 11%, 12% (2027-2031). [CMS]"
    # each item says its own function's source: the final score's line once read as the small practice bonus's
    # (its error reason names ASM_PRACTICE_BONUS first)
    assert said["plain"]["Final score (0-100)"].startswith("ASM final score 0-100 from category scores")
    assert said["plain"]["Small practice bonus"].startswith("Small practice bonus")
    lines = [v for v in said["plain"].values() if isinstance(v, str) and v.endswith("]")]
    assert len(lines) >= 15 and len(set(lines)) == len(lines)   # no two items share a source line


@pytest.mark.parametrize("sheet, cell, formula, said", [
    # an input cell's formula won over the roster: every physician's payments $1,000,000, silently
    ("Inputs", "B11", "=1000*1000", "input cell Inputs!B11 holds a formula (=1000*1000): an input cell of a template "
                                    "must hold a value or be blank"),
    # a function our evaluator lacks: a Python traceback ending in UnsupportedFormula
    ("About", "H1", "=TODAY()", "a formula asm-xl cannot compute when it generates workbooks: About!H1: function "
                                "TODAY not supported"),
])
def test_a_custom_template_that_cannot_be_filled_or_computed_is_refused_naming_the_cell(tmp_path, capsys, sheet,
                                                                                        cell, formula, said):
    template = tmp_path / "mine.xlsx"
    assert main(["template", "--out", str(template)]) == 0
    wb = openpyxl.load_workbook(template)
    wb[sheet][cell] = formula
    wb.save(template)
    roster = tmp_path / "r.csv"
    roster.write_text("\n".join(SAMPLE.read_text(encoding="utf-8-sig").splitlines()[:3]) + "\n", encoding="utf-8")
    capsys.readouterr()
    out = tmp_path / "out"
    assert main(["generate", str(roster), "--template", str(template), "--out", str(out), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"asm-xl: {template}: {said}") and "Traceback" not in err
    assert not out.exists()


def test_a_generation_leaves_the_garbage_collector_on_after_it_also_when_refused(tmp_path):
    import gc
    assert gc.isenabled()
    generate_workbooks(read_roster(SAMPLE).head(2), out_dir=tmp_path / "ok")
    assert gc.isenabled()
    with pytest.raises(ValueError, match="no_such_roster.csv"):   # RosterError
        generate_workbooks(tmp_path / "no_such_roster.csv", out_dir=tmp_path / "refused")
    assert gc.isenabled()


def test_a_roster_pools_workbook_says_its_scaling_factor_is_the_rosters_own(tmp_path):
    # the workbooks of generate --pool roster said "given: scaling factor 1.198 (given_scaling_factor) ..." while the
    # index and the console said "roster as the cohort": given_source now says where a given pool's numbers come from
    from asm_xl.model.settings import Settings
    roster = read_roster(SAMPLE)
    hf = roster[roster["specialty"] == "Cardiology"].head(4)
    report = generate_workbooks(hf, out_dir=tmp_path / "wb", jobs=1, settings=Settings(pool="roster"))
    pools = score_cohort(validate_roster(hf).valid, settings=Settings(pool="roster")).pools
    sf = float(pools["scaling_factor"].iloc[0])
    wb = openpyxl.load_workbook(report.written[0], data_only=True)
    sheet, cell = _cell(wb, "Sc_Pool")
    assert wb[sheet][cell].value.startswith(
        f"given (the roster as the cohort (4 HF physician(s))): scaling factor {sf:.4g} (given_scaling_factor)")
    sheet, cell = _cell(wb, "S_given_source")
    assert wb[sheet][cell].value == "the roster as the cohort (4 HF physician(s))"


def test_a_template_of_another_versions_settings_rows_is_refused_when_the_run_changes_settings(tmp_path):
    # an older template lacks a setting's row: _assumption_cells wrote each value one row off (the roster pool's
    # scaling factor into another setting's row: #NUM! in every result); with the default settings nothing is
    # written there, and such a template still works
    from asm_xl.model.settings import Settings
    from asm_xl.xlsx.errors import WorkbookError
    old = tmp_path / "old.xlsx"
    wb = openpyxl.load_workbook(DEFAULT_TEMPLATE)
    ws = wb[L.ASSUMPTIONS]
    sheet, cell = _cell(wb, "S_given_source")
    gone = int(cell[1:])
    ws.delete_rows(gone)
    del wb.defined_names["S_given_source"]
    for name in [n for n in wb.defined_names if n.startswith("S_")]:   # the rows below it one up, as an older
        s, ref = _cell(wb, name)                                       # template's names have them
        if int(ref[1:]) > gone:
            wb.defined_names[name] = DefinedName(name, attr_text=f"Assumptions!$B${int(ref[1:]) - 1}")
    wb.save(old)
    roster = read_roster(SAMPLE).head(2)
    with pytest.raises(WorkbookError, match=r"does not list the settings as this version of asm-xl does \(e\.g\. "
                                            r"given_source\), and this run changes settings"):
        generate_workbooks(roster, template=old, out_dir=tmp_path / "a", jobs=1, settings=Settings(pool="roster"))
    assert not any((tmp_path / "a").glob("*.xlsx")) if (tmp_path / "a").exists() else True
    ok = generate_workbooks(roster, template=old, out_dir=tmp_path / "b", jobs=1)
    assert len(ok.written) == 2
