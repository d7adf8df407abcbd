"""10,000 seeded roster rows, valid and malformed, through the whole path a user's file takes.

CSV writer -> ``read_roster`` -> ``validate_roster`` -> error report -> workbooks and index. Each
row starts as a valid physician of the demo roster (with its own valid NPI) and gets, or not,
malformations of its columns: wrong types, huge numbers, NaN/inf as text, blanks, bad NPIs and
TINs, duplicates. Every row also gets a name from a list of hostile names (control characters,
U+FFFE, bidi marks, 300-byte names, formula-like text, blank), which must never make a row invalid
nor become a formula.

Not written: lone surrogates (a UTF-8 CSV cannot hold them: Python's encoder refuses them, and a
spreadsheet saving "CSV UTF-8" cannot produce one) and NUL (``read_roster`` refuses a file with NUL
bytes as binary, tested in test_roster.py).
"""

from __future__ import annotations

import csv
import io
import random
import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from defusedxml import ElementTree as SafeET

from asm_xl.model.identifiers import npi_check_digit
from asm_xl.roster import read_roster, validate_roster, write_error_report
from asm_xl.workbooks.batch import INDEX_NAME, SUMMARY_COLUMNS, generate_workbooks
from asm_xl.workbooks.index import write_index
from asm_xl.xlsx.scan import scan_workbook

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "asm_xl" / "roster" / "data" / "sample_roster.csv"
ROWS, SEED, GENERATED = 10_000, 20261130, 24

NAMES = ["Okafor, Adaeze", "Bell\x07 Ring", "Non\ufffechar", "\u202eRTL override\u202c", "\u200fמרים כהן",
         "x" * 300, "É" * 150, '=HYPERLINK("http://x","y")', "@SUM(A1)", "+1-555-0100", "-2+3",
         "=cmd|' /C calc'!A0", "", "   ", "\tTab", "line\nbreak", 'quote "inside"', "semi;colon", "José Müller",
         "\U0001f600 emoji", "\x1b[31mred", "a\rb"]
#: column -> values that break its rule for sure (the rule names this column)
BAD = {
    "npi": ["1234567890", "123", "", "abcdefghij", "１２３４５６７８９３", "12345678931", "1e9"],
    "tin": ["12-34567", "ABCDEFGHI", "1234567890", "--"],
    "specialty": ["Dermatology", "", "=1+1", "Cardiology\x07"],
    "performance_year": ["2026", "20x7", "1e9", "", "NaN", "2027.5"],
    "practice_size": ["0", "-3", "1.5", "abc", "1e400", "", "inf", "NaN"],
    "part_b_payments": ["-1", "1e30", "NaN", "∞", "ten", "", "-inf"],
    "pi_score": ["1.5", "-0.1", "85", "NaN", "", "1e308"],
    "ia1_done": ["maybe", "2", "NaN"],
    "submitted_on_time": ["perhaps", "-1"],
    "cost_episodes": ["-1", "2.5", "many"],
    "complex_bonus": ["11", "-1", "inf"],
}
#: column -> values typed differently that stay valid
BENIGN = {
    "part_b_payments": ["$250,000", " 250000 ", "250,000.00"],
    "pi_score": ["85%", " 0.85 ", "1"],
    "ia1_done": ["TRUE", "Yes", "1", "no", "FALSE", "0"],
    "practice_size": [" 12 ", "12.0"],
}


def _npi(k: int) -> str:
    base = f"1{k:08d}"
    return base + str(npi_check_digit(base))


def _fuzz_rows():
    """(header, rows as written, {row index: columns made bad}); deterministic."""
    rng = random.Random(SEED)
    text = SAMPLE.read_text(encoding="utf-8-sig")
    header, *base = list(csv.reader(io.StringIO(text)))
    col = {c: j for j, c in enumerate(header)}
    rows, bad = [], {}
    for k in range(ROWS):
        row = list(rng.choice(base))
        row[col["npi"]], row[col["name"]] = _npi(k), rng.choice(NAMES)
        broken = set()
        kind = rng.random()
        if kind < 0.45:
            for c in rng.sample(sorted(BAD), rng.randint(1, 3)):
                row[col[c]] = rng.choice(BAD[c])
                broken.add(c)
            if "specialty" in broken and row[col["specialty"]] == "":
                broken = (broken - {"specialty"}) | {"cohort"}  # no specialty, no cohort: "cohort" is required
        elif kind < 0.55 and rows:
            earlier = rng.randrange(len(rows))  # the same physician twice: the later row is the duplicate
            if not bad.get(earlier) or "npi" not in bad[earlier]:
                row[col["npi"]], row[col["tin"]] = rows[earlier][col["npi"]], rows[earlier][col["tin"]]
                row[col["performance_year"]] = rows[earlier][col["performance_year"]]
                broken.add("npi")
        elif kind < 0.75:
            c = rng.choice(sorted(BENIGN))
            row[col[c]] = rng.choice(BENIGN[c])
        rows.append(row)
        if broken:
            bad[k] = broken
    return header, rows, bad


@pytest.fixture(scope="module")
def fuzz(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    header, rows, bad = _fuzz_rows()
    path = folder / "roster.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([header, *rows])
    df = read_roster(path)
    return folder, header, rows, bad, df, validate_roster(df)


def test_every_row_is_read_and_labelled_by_its_file_row(fuzz):
    _, header, rows, _, df, _ = fuzz
    assert len(df) == ROWS and list(df.index) == list(range(2, ROWS + 2))
    assert df["name"].tolist() == [r[header.index("name")] for r in rows]  # text kept exactly, controls too


def test_every_row_is_valid_or_rejected_with_a_reason_naming_the_broken_column(fuzz):
    _, header, rows, bad, df, v = fuzz
    rejected = set(v.errors["row"])
    assert rejected.isdisjoint(v.valid.index) and rejected | set(v.valid.index) == set(df.index)
    assert v.errors["reason"].map(lambda r: isinstance(r, str) and len(r) > 5).all()
    by_row = v.errors.groupby("row")["column"].agg(set)
    for k in range(ROWS):
        file_row = k + 2
        if k in bad:
            assert file_row in by_row.index and bad[k] <= by_row[file_row], (file_row, rows[k], bad[k])
        else:
            assert file_row not in rejected, (file_row, v.errors[v.errors["row"] == file_row].to_dict("records"))
    assert 3_000 < len(rejected) < 7_000  # both kinds, in numbers


def test_each_error_shows_the_npi_and_value_written_in_its_file_row(fuzz):
    _, header, rows, _, _, v = fuzz
    col = {c: j for j, c in enumerate(header)}
    for e in v.errors.itertuples(index=False):
        written = rows[e.row - 2]
        assert e.npi == written[col["npi"]].strip()
        if e.column in col:
            assert e.value == (written[col[e.column]] or None)


def test_the_error_report_is_written_and_reads_back_row_for_row(fuzz):
    folder, _, _, _, _, v = fuzz
    report = write_error_report(v.errors, folder / "errors.csv")
    with open(report, encoding="utf-8-sig", newline="") as f:
        back = list(csv.DictReader(f))
    assert len(back) == len(v.errors)
    assert [int(r["row"]) for r in back] == v.errors["row"].tolist()
    assert all(r["reason"] for r in back)
    assert not any(r["name"].startswith(("=", "+", "@")) for r in back)  # inert in a spreadsheet


_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _check_package_text(path: Path) -> None:
    """Every XML part parses (defusedxml) and holds no character XML forbids."""
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name.endswith((".xml", ".rels")):
                data = zf.read(name)
                assert not _ILLEGAL_XML.search(data.decode("utf-8")), (path.name, name)
                SafeET.fromstring(data)


def _no_formula_from_roster(path: Path, names: set[str]) -> None:
    """No formula cell holds roster text: the index and the Inputs sheet keep names as text."""
    scan = scan_workbook(path)
    for (sheet, cell), (text, _attrs) in scan.formulas.items():
        assert not any(n and n.strip() and n.strip() in text for n in names if len(n.strip()) > 3), (sheet, cell)


def test_an_index_of_every_valid_row_opens_and_holds_the_names_as_text(fuzz):
    folder, _, _, _, _, v = fuzz
    summary = pd.DataFrame({"npi": v.valid["npi"].str.strip(), "name": v.valid["name"], "file": "x.xlsx",
                            "status": "written"}).reindex(columns=SUMMARY_COLUMNS)
    path = write_index(summary, folder / "all_valid_index.xlsx")
    _check_package_text(path)
    ws = openpyxl.load_workbook(path, read_only=True).active
    cells = [c for row in ws.iter_rows(min_row=2) for c in row]
    assert sum(1 for c in cells if c.value is not None) >= 2 * len(v.valid)
    assert not any(c.data_type == "f" for c in cells)
    assert scan_workbook(path).formulas == {}


def test_workbooks_for_a_sample_of_valid_rows_hold_no_formula_from_roster_text(fuzz):
    folder, _, _, _, _, v = fuzz
    rng = random.Random(SEED)
    picked = sorted(rng.sample(range(len(v.valid)), GENERATED))
    subset = v.valid.iloc[picked]
    out = folder / "workbooks"
    report = generate_workbooks(subset, out_dir=out, jobs=1)
    assert report.exit_code == 0 and len(report.written) == GENERATED
    names = set(subset["name"])
    index = openpyxl.load_workbook(out / INDEX_NAME, read_only=True).active
    assert not any(c.data_type == "f" for row in index.iter_rows() for c in row)
    for path in [*report.written, out / INDEX_NAME]:
        _check_package_text(path)
        _no_formula_from_roster(path, names)
    for path, name in list(zip(report.written, subset["name"]))[:8]:
        wb = openpyxl.load_workbook(path)
        (sheet, ref), = wb.defined_names["In_Name"].destinations
        cell = wb[sheet][ref.replace("$", "")]
        assert cell.data_type == "s" if name.strip() else cell.value is None, (name, cell.value)
