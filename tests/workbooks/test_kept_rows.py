"""asm_xl.workbooks.kept_rows: with workbooks kept from an earlier run (no --overwrite), the index, the
dashboard and the console's totals show the numbers those files hold (each physician scored from the
file's own inputs); a stale file shows none of them and the totals leave it out."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from asm_xl.cli import main
from asm_xl.cli.summaries import money
from asm_xl.model.settings import DEFAULT_SETTINGS
from asm_xl.roster import read_roster, validate_roster
from asm_xl.workbooks.batch import INDEX_NAME, generate_workbooks
from asm_xl.model.cohort import score_cohort
from asm_xl.workbooks.dashboard import DASHBOARD_NAME, roster_dashboard
from asm_xl.workbooks.kept import (KEPT_CELLS, read_kept_workbook, STATUS_KEPT, STATUS_OTHER, STATUS_STALE, STATUS_STALE_INVALID, STATUS_STALE_PROJECTION, STATUS_KEPT_EDITED,
                                   STATUS_WRITTEN)

SAMPLE = Path(__file__).resolve().parents[2] / "asm_xl" / "roster" / "data" / "sample_roster.csv"
TOL = dict(rel_tol=1e-9, abs_tol=1e-9)
OKAFOR = "1891394078"
#: KEPT_CELLS number → (index header, dashboard Physicians header)
SHOWN = {"final_score": ("Final score", "Final score"), "factor": ("Payment adjustment factor", "Payment adjustment factor"),
         "dollar_impact": ("Dollar impact", "Dollars, estimate"), "dollars_p10": ("Dollars, cautious (P10)", "Cautious (P10)"),
         "dollars_p50": ("Dollars, middle (P50)", "Middle (P50)"), "dollars_p90": ("Dollars, hopeful (P90)", "Hopeful (P90)"),
         "p_gain": ("Chance of a gain", "Chance of a gain")}
DOLLARS = ("dollar_impact", "dollars_p10", "dollars_p50", "dollars_p90")


# ------------------------------------------------------------------ reading what a run wrote
def _table(ws, first: str) -> list[dict]:
    """The rows under the first row whose column A is ``first`` (a header), up to the first empty name."""
    head = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == first)
    names = [ws.cell(head, c).value for c in range(1, ws.max_column + 1)]
    rows = []
    for r in range(head + 1, ws.max_row + 1):
        if ws.cell(r, 1).value in (None, ""):
            break
        rows.append({n: ws.cell(r, c + 1).value for c, n in enumerate(names) if n})
    return rows


def _index(out: Path) -> dict[str, dict]:
    return {r["NPI"].strip(): r for r in _table(openpyxl.load_workbook(out / INDEX_NAME, data_only=True).active, "NPI")}


def _dashboard(out: Path) -> tuple[dict[str, dict], dict[str, dict]]:
    wb = openpyxl.load_workbook(out / DASHBOARD_NAME, data_only=True)
    physicians = {r["NPI"].strip(): r for r in _table(wb["Physicians"], "Physician")}   # as the roster wrote it
    totals = {r["Cohort"]: r for r in _table(wb["Practice"], "Cohort")}
    return physicians, totals


def _held(path: Path) -> dict:
    """The kept file's KEPT_CELLS, read by openpyxl (cached values), not by asm-xl's own reader."""
    wb = openpyxl.load_workbook(path, data_only=True)
    out = {}
    for key, name in KEPT_CELLS.items():
        (sheet, ref), = wb.defined_names[name].destinations
        out[key] = wb[sheet][ref.replace("$", "")].value
    return out


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), **TOL)


def _summary_lines(text: str) -> dict[str, list[str]]:
    """The console's totals: {cohort: [physicians, estimate, P10, P50, P90]}."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Estimated payment adjustments"))
    out = {}
    for line in lines[start + 2:]:
        parts = line.split()
        if len(parts) != 6 or not parts[1].isdigit():
            break
        out[parts[0]] = parts[1:]
    return out


def _modified_roster(tmp_path: Path) -> Path:
    """The sample roster with Okafor's PI score 1 → 0.2 (QA's /tmp/mod.csv)."""
    with open(SAMPLE, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    pi = rows[0].index("pi_score")
    for row in rows[1:]:
        if row[0].strip() == OKAFOR:
            assert row[pi] == "1"
            row[pi] = "0.2"
    path = tmp_path / "mod.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def _generate(capsys, roster: Path, out: Path, *extra: str) -> str:
    capsys.readouterr()
    assert main(["generate", str(roster), "--out", str(out), "--quiet", "--jobs", "1", *extra]) == 0
    return capsys.readouterr().out


def _assert_all_agree(out: Path, printed: str) -> tuple[dict, dict]:
    """Every physician: index row == dashboard row == the file's cached values; the dashboard's totals
    estimates == the sums of the index by cohort, and their ranges the console's totals."""
    index, (dash, totals) = _index(out), _dashboard(out)
    assert index.keys() == dash.keys()
    for npi, row in index.items():
        held = _held(out / row["Workbook"])
        assert dash[npi]["Workbook"] == row["Workbook"]
        for key, (in_index, in_dash) in SHOWN.items():
            assert _same(row[in_index], held[key]) and _same(dash[npi][in_dash], held[key]), (npi, key)
    printed_totals = _summary_lines(printed)
    for cohort in {r["Cohort"] for r in index.values()} | {"Practice"}:
        rows = [r for r in index.values() if cohort in (r["Cohort"], "Practice")]
        assert totals[cohort]["Physicians"] == len(rows)
        estimate = sum(r[SHOWN["dollar_impact"][0]] for r in rows)
        assert math.isclose(totals[cohort]["Estimate"], estimate, rel_tol=1e-9, abs_tol=1e-6), cohort
        # the range is the total's own over the draws (not the index's sum); the console prints the dashboard's
        shown = [totals[cohort][h] for h in ("Cautious (P10)", "Middle (P50)", "Hopeful (P90)")]
        assert shown == sorted(shown), cohort
        if len(rows) == 1:   # one physician's total is his own range
            assert shown == pytest.approx([rows[0][SHOWN[k][0]] for k in DOLLARS[1:]], rel=1e-9), cohort
        assert printed_totals[cohort] == [str(len(rows))] + [money(x) for x in [estimate] + shown], cohort
    return index, dash


# ------------------------------------------------------------------ the QA case
def test_a_rerun_keeping_workbooks_shows_the_kept_numbers_in_index_dashboard_and_console(tmp_path, capsys):
    out = tmp_path / "kept"
    _generate(capsys, SAMPLE, out)
    okafor_first = _index(out)[OKAFOR]
    mod = _modified_roster(tmp_path)
    new = validate_roster(read_roster(mod)).scored.scores.set_index("npi").loc[OKAFOR]

    printed = _generate(capsys, mod, out)
    index, dash = _assert_all_agree(out, printed)
    # Okafor's file holds inputs other than his new roster row: the index says so (it said plainly "kept")
    assert {npi: r["Status"] for npi, r in index.items() if r["Status"] != STATUS_KEPT} == {OKAFOR: STATUS_KEPT_EDITED}
    # Okafor's kept file is the first run's (PI 1), not the new roster's (PI 0.2: a lower final score)
    assert index[OKAFOR]["Final score"] == okafor_first["Final score"] == dash[OKAFOR]["Final score"]
    assert new["final_score"] < okafor_first["Final score"] - 1
    assert not _same(dash[OKAFOR]["Dollars, estimate"], new["dollar_impact"])

    printed = _generate(capsys, mod, out, "--overwrite")
    index, dash = _assert_all_agree(out, printed)
    assert {r["Status"] for r in index.values()} == {STATUS_WRITTEN}
    # everything follows the new roster
    assert _same(index[OKAFOR]["Final score"], new["final_score"])
    assert _same(dash[OKAFOR]["Dollars, estimate"], new["dollar_impact"])


# ------------------------------------------------------------------ stale files
@pytest.fixture
def three():
    return read_roster(SAMPLE).head(3)


def test_a_kept_workbook_that_cannot_be_read_is_stale_on_the_dashboard_and_left_out_of_the_totals(tmp_path, three,
                                                                                                     capsys):
    first = generate_workbooks(three, out_dir=tmp_path)
    first.written[1].write_bytes(b"PK\x03\x04 not a workbook")
    edited = three.copy()
    edited["part_b_payments"] = [str(float(v) * 2) for v in edited["part_b_payments"]]
    report = generate_workbooks(edited, out_dir=tmp_path)
    # (the payments doubled in the roster: the kept files hold other inputs than their rows)
    assert list(report.summary["status"]) == [STATUS_KEPT_EDITED, STATUS_STALE, STATUS_KEPT_EDITED]
    phys = report.dashboard_data.physicians
    assert list(phys["status"]) == [STATUS_KEPT_EDITED, STATUS_STALE, STATUS_KEPT_EDITED]
    assert phys.loc[1, "outlook"] == STATUS_STALE and phys.loc[1, "file"] == first.written[1].name
    assert phys.loc[1, ["final_score", "factor", "estimate", "dollars_p50", "part_b_payments"]].isna().all()
    assert phys.loc[1, "name"] == three.iloc[1]["name"]
    totals = report.dashboard_data.totals.set_index("cohort")
    kept_rows = report.summary.iloc[[0, 2]]
    assert totals.loc["Practice", "physicians"] == 2
    assert math.isclose(totals.loc["Practice", "estimate"], kept_rows["dollar_impact"].sum(), **TOL)
    assert dict(report.dashboard_data.assumptions)["Left out of the totals"].startswith("1 physician(s)")
    # and out of the ranking: the stale row was ranked on the roster's numbers ("of 3", a place no row showed)
    ranked = report.summary[["rank_in_roster_cohort", "roster_cohort_size", "cohort"]]
    assert pd.isna(ranked.loc[1, "rank_in_roster_cohort"]) and pd.isna(ranked.loc[1, "roster_cohort_size"])
    same = ranked.loc[[0, 2]]
    for cohort, rows in same.groupby("cohort"):
        sizes = set(rows["roster_cohort_size"])
        assert sizes == {len(rows)}, (cohort, sizes)   # the stale row of another cohort or not, never counted
    first_two = read_roster(SAMPLE).head(2)
    generate_workbooks(first_two, out_dir=tmp_path / "y")
    next(iter((tmp_path / "y").glob(f"{OKAFOR}_*"))).write_bytes(b"garbage")
    capsys.readouterr()
    csv_path = tmp_path / "two.csv"
    first_two.to_csv(csv_path, index=False)
    assert main(["generate", str(csv_path), "--out", str(tmp_path / "y"), "--quiet", "--jobs", "1"]) == 2
    printed = capsys.readouterr().out
    assert "Left out: 1 kept workbook(s) shown without numbers (stale)." in printed
    assert _summary_lines(printed)["Practice"][0] == "1"


def test_a_kept_workbook_whose_edited_inputs_are_not_allowed_is_stale_naming_them(tmp_path, three, capsys):
    # PI typed as 85 in a workbook, recalculated (its numbers: #NUM!), then generate: "stale: could not read", and
    # the advice ("asm-xl recalc FILE, then generate again") gave the same status forever; pi_score was never named
    import openpyxl

    from asm_xl.calc.recalc import recalc_file
    from asm_xl.cli.summaries import stale_summary
    from asm_xl.workbooks import layout as L
    first = generate_workbooks(three, out_dir=tmp_path)
    path = first.written[1]
    wb = openpyxl.load_workbook(path)
    row = L.SCALAR_INPUTS["In_PI"][0]
    wb[L.INPUTS][f"B{row}"] = 85
    wb.save(path)
    recalc_file(path)
    report = generate_workbooks(three, out_dir=tmp_path)
    status = report.summary["status"].iloc[1]
    assert status == (f"{STATUS_STALE_INVALID} (pi_score 85: must be a fraction between 0 and 1, where 70% is 0.70; "
                      "did you mean 85%?)")
    assert list(report.summary["status"].iloc[[0, 2]]) == [STATUS_KEPT, STATUS_KEPT]
    assert report.exit_code == 2 and report.dashboard_data.physicians.loc[1, "status"] == status
    said = stale_summary(report.stale_status)
    assert said.startswith(f"  1 workbook(s), because its inputs, edited in the workbook, are not allowed (its numbers are error values): "
                           f"{path.name} (pi_score 85: must be")
    assert "correct the input in the workbook" in said


def test_kept_workbooks_made_under_other_settings_are_stale_even_when_their_numbers_match(tmp_path, three):
    # a growth of payments moves no number a workbook caches (final score, factor, dollars, range), but
    # the dashboard's five-year view would use it while the linked workbooks project without it
    generate_workbooks(three.head(2), out_dir=tmp_path)
    growth = DEFAULT_SETTINGS.replace(payments_growth=0.05)
    report = generate_workbooks(three, out_dir=tmp_path, settings=growth)
    # the status names the setting, as the console's advice does (recalculating the file would not help)
    other = "stale: made under other settings (payments_growth 0.0 in the file, 0.05 in this run)"
    assert list(report.summary["status"]) == [other] * 2 + [STATUS_WRITTEN]
    assert report.exit_code == 2   # the totals leave two physicians out
    again = generate_workbooks(three, out_dir=tmp_path, settings=growth)   # the third was made with the growth
    assert list(again.summary["status"]) == [other] * 2 + [STATUS_KEPT]
    same = generate_workbooks(three.head(2), out_dir=tmp_path)   # the first two, with the defaults they were made with
    assert list(same.summary["status"]) == [STATUS_KEPT] * 2


def test_kept_workbooks_priced_by_another_pool_are_stale_not_shown_with_this_runs_numbers(tmp_path, three):
    given = DEFAULT_SETTINGS.replace(pool="given", given_scaling_factor=1.5)
    generate_workbooks(three.head(2), out_dir=tmp_path, settings=given)
    report = generate_workbooks(three, out_dir=tmp_path)   # national pool: the kept files' factors are not its
    assert list(report.summary["status"]) == [
        "stale: made under other settings (pool given in the file, national in this run; given_scaling_factor 1.5 in "
        "the file, None in this run)"] * 2 + [STATUS_WRITTEN]
    assert report.summary.loc[:1, ["final_score", "factor", "dollar_impact"]].isna().all().all()
    assert len(report.stale) == 2
    phys = report.dashboard_data.physicians
    assert phys["final_score"].isna().tolist() == [True, True, False]
    # their numbers are hidden, not who they are: the index showed a blank cohort and year (the dashboard, HF 2027)
    shown = report.summary.loc[:1, ["cohort", "performance_year"]]
    assert shown["cohort"].tolist() == phys.loc[:1, "cohort"].tolist() and set(shown["cohort"]) <= {"HF", "LBP"}
    assert [int(y) for y in shown["performance_year"]] == [int(y) for y in phys.loc[:1, "performance_year"]] == [2027] * 2
    totals = report.dashboard_data.totals.set_index("cohort")
    assert totals.loc["Practice", "physicians"] == 1
    assert math.isclose(totals.loc["Practice", "estimate"], report.summary.loc[2, "dollar_impact"], **TOL)

    # every row stale: nothing priced, and the index and the dashboard of the run before are left as they were
    # (a dashboard of none had replaced them)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    alone = generate_workbooks(three.head(2), out_dir=tmp_path)
    assert alone.summary["status"].tolist() == [report.summary["status"].iloc[0]] * 2
    assert alone.nothing_priced and alone.exit_code == 1
    assert (alone.index, alone.dashboard, alone.dashboard_data) == (None, None, None)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_a_roster_pool_of_kept_workbooks_is_the_pool_of_their_inputs(tmp_path):
    roster = read_roster(SAMPLE).head(4)
    pool = DEFAULT_SETTINGS.replace(pool="roster")
    generate_workbooks(roster, out_dir=tmp_path, settings=pool)
    edited = roster.copy()
    edited.loc[edited.index[0], "pi_score"] = "0.2"   # would move the roster's own scaling factor
    report = generate_workbooks(edited, out_dir=tmp_path, settings=pool)
    assert list(report.summary["status"]) == [STATUS_KEPT_EDITED] + [STATUS_KEPT] * 3
    phys = report.dashboard_data.physicians
    for i, path in enumerate(report.skipped):
        held = _held(path)
        for key, column in (("final_score", "final_score"), ("factor", "factor"), ("dollar_impact", "estimate"),
                            ("dollars_p10", "dollars_p10"), ("dollars_p90", "dollars_p90")):
            assert _same(phys.loc[i, column], held[key]), (i, key)


def test_a_roster_pools_workbooks_of_an_earlier_version_are_kept_whatever_their_given_source(tmp_path, monkeypatch):
    # workbooks written before given_source existed hold it blank; this run's roster pool writes the roster's: they
    # were all stale ("nothing priced", exit 1), and --set given_source= could not help (a label moves no number)
    import asm_xl.workbooks.inputs as batch   # (where generate takes the roster's given pool from)
    from asm_xl.model.pool_choice import roster_as_given
    roster = read_roster(SAMPLE).head(4)
    pool = DEFAULT_SETTINGS.replace(pool="roster")
    with monkeypatch.context() as m:   # the earlier version: the roster's given pool without a source
        m.setattr(batch, "roster_as_given", lambda *a: roster_as_given(*a).replace(given_source=""))
        generate_workbooks(roster, out_dir=tmp_path, settings=pool, jobs=1)
    report = generate_workbooks(roster, out_dir=tmp_path, settings=pool, jobs=1)
    assert list(report.summary["status"]) == [STATUS_KEPT] * 4 and not report.nothing_priced


def test_a_frame_of_numbers_keeps_its_workbooks_as_well(tmp_path):
    df = pd.DataFrame({"npi": ["1891394078", "1035992670"], "cohort": ["HF", "HF"], "performance_year": 2027,
                       "practice_size": 20, "part_b_payments": [100_000, 300_000], "cost_episodes": 25,
                       "cost_points": [4, 9], "ia_done": 2, "pi_score": 1.0,
                       "q236_eligible": 50, "q236_reported": 50, "q236_rate": [0.55, 0.85]})
    first = generate_workbooks(df, out_dir=tmp_path)
    edited = df.assign(pi_score=[0.2, 1.0], part_b_payments=[1e6, 3e5], ia_done=0)
    again = generate_workbooks(edited, out_dir=tmp_path)
    assert list(again.summary["status"]) == [STATUS_KEPT_EDITED] * 2
    assert again.dashboard_data.physicians["estimate"].tolist() == first.dashboard_data.physicians["estimate"].tolist()


def _two_tins(three: pd.DataFrame) -> pd.DataFrame:
    """Okafor under his own TIN and under a second, small one (a participant is a TIN/NPI pair), and Mensah."""
    rows = three.head(2).copy()
    second = rows.iloc[[0]].copy()
    second["tin"], second["practice_size"], second["part_b_payments"] = "44-4444444", "3", "90000"
    return pd.concat([rows.iloc[[0]], second, rows.iloc[[1]]], ignore_index=True)


def test_a_physician_under_two_tins_gets_one_workbook_per_tin_named_by_the_tin_not_the_roster_order(tmp_path, three):
    roster = _two_tins(three)
    first = generate_workbooks(roster, out_dir=tmp_path)
    names = list(first.summary["file"])
    assert names[0] == f"{OKAFOR}_Okafor,_Adaeze_TIN837035914.xlsx"
    assert names[1] == f"{OKAFOR}_Okafor,_Adaeze_TIN444444444.xlsx"
    assert names[2] == "1035992670_Mensah,_Kwame.xlsx"   # one row: no TIN in its name
    assert read_kept_workbook(tmp_path / names[1]).row["tin"] == "44-4444444"
    # the same roster re-sorted: every row finds its own workbook again, kept with its own numbers
    resorted = generate_workbooks(roster.iloc[[2, 1, 0]].reset_index(drop=True), out_dir=tmp_path)
    assert list(resorted.summary["status"]) == [STATUS_KEPT] * 3
    assert list(resorted.summary["file"]) == [names[2], names[1], names[0]]
    by_file = first.summary.set_index("file")
    for _, row in resorted.summary.iterrows():
        assert math.isclose(row["dollar_impact"], by_file.loc[row["file"], "dollar_impact"], **TOL)


def test_a_file_of_another_participant_under_a_rows_name_is_neither_used_nor_replaced(tmp_path, three):
    # Okafor's second TIN dropped: his remaining row is named as a one-row NPI is; the file there was
    # written for his first TIN when he had one TIN. It must not stand for the other TIN's row, nor be
    # overwritten: the row gets a workbook of its own under its fully tagged name.
    roster = _two_tins(three)
    own = generate_workbooks(roster.iloc[[0, 2]], out_dir=tmp_path)          # Okafor at TIN 83-7035914
    kept_name = own.summary["file"].iloc[0]
    before = (tmp_path / kept_name).read_bytes()
    report = generate_workbooks(roster.iloc[[1, 2]], out_dir=tmp_path)       # Okafor at TIN 44-4444444 only
    assert list(report.summary["file"]) == [f"{OKAFOR}_Okafor,_Adaeze_TIN444444444_PY2027.xlsx",
                                            own.summary["file"].iloc[1]]
    assert list(report.summary["status"]) == [STATUS_WRITTEN, STATUS_KEPT]
    assert (tmp_path / kept_name).read_bytes() == before   # never overwritten without --overwrite
    assert read_kept_workbook(tmp_path / report.summary["file"].iloc[0]).row["tin"] == "44-4444444"
    totals = report.dashboard_data.totals.set_index("cohort")
    assert totals.loc["Practice", "physicians"] == 2   # his TIN 44 workbook and Mensah's; not the TIN 83 file
    assert math.isclose(totals.loc["Practice", "estimate"], report.summary["dollar_impact"].sum(), **TOL)
    # a later year of the same TIN/NPI is another participant too: its own file beside the 2027 one
    later = roster.iloc[[0]].copy()
    later["performance_year"] = "2029"
    again = generate_workbooks(later, out_dir=tmp_path)
    assert list(again.summary["status"]) == [STATUS_WRITTEN]
    assert again.summary["file"].iloc[0] == f"{OKAFOR}_Okafor,_Adaeze_TIN837035914_PY2029.xlsx"
    assert (tmp_path / kept_name).read_bytes() == before
    # every name of his taken by others' files: stale, said so, nothing overwritten
    from asm_xl.workbooks.filenames import participant_name_variants
    for name in participant_name_variants(OKAFOR, "Okafor, Adaeze", "83-7035914", 2030):
        (tmp_path / name).write_bytes(before)
    latest = roster.iloc[[0]].copy()
    latest["performance_year"] = "2030"
    stuck = generate_workbooks(latest, out_dir=tmp_path)
    assert list(stuck.summary["status"]) == [STATUS_OTHER]
    overwritten = generate_workbooks(roster.iloc[[1, 2]], out_dir=tmp_path, overwrite=True)
    assert list(overwritten.summary["status"]) == [STATUS_WRITTEN] * 2


def test_a_long_name_is_cut_before_the_tin_that_tells_two_workbooks_apart():
    from asm_xl.workbooks.filenames import MAX_NAME_BYTES, participant_file_names
    long = "Okafor-Wellington-Smythe, Adaeze Chiamaka Oluwaseun Ngozi Ifeoma Chinwe Adanna Obiageli Nneka Ebele " * 2
    names = participant_file_names([(OKAFOR, long, "83-7035914", 2027), (OKAFOR, long, "773797322", 2027),
                                    (OKAFOR, long, "773797322", 2029)])
    assert [n.rsplit("_", 2)[-2:] for n in names] == [["TIN837035914", "PY2027.xlsx"], ["TIN773797322", "PY2027.xlsx"],
                                                      ["TIN773797322", "PY2029.xlsx"]]
    assert len(set(names)) == 3 and all(len(n.encode()) <= MAX_NAME_BYTES for n in names)


def test_a_physicians_earlier_workbook_is_found_when_his_npi_gains_or_loses_a_tin_row(tmp_path, three):
    # the name of a row depends on the other rows of its NPI: a rerun looks under the participant's other names
    roster = _two_tins(three)
    alone = generate_workbooks(roster.iloc[[0, 2]], out_dir=tmp_path)              # one TIN: NPI_name.xlsx
    base = alone.summary["file"].iloc[0]
    before = (tmp_path / base).read_bytes()
    both = generate_workbooks(roster, out_dir=tmp_path)                             # a second TIN row added
    assert list(both.summary["file"])[:2] == [base, f"{OKAFOR}_Okafor,_Adaeze_TIN444444444.xlsx"]
    assert list(both.summary["status"]) == [STATUS_KEPT, STATUS_WRITTEN, STATUS_KEPT]
    assert (tmp_path / base).read_bytes() == before
    assert math.isclose(both.summary["dollar_impact"].iloc[0], alone.summary["dollar_impact"].iloc[0], **TOL)
    (tmp_path / base).unlink()
    fresh = generate_workbooks(roster, out_dir=tmp_path / "two")                   # two TINs from the start
    again = generate_workbooks(roster.iloc[[1, 2]], out_dir=tmp_path / "two")      # the first TIN dropped
    assert again.summary["file"].iloc[0] == fresh.summary["file"].iloc[1] == f"{OKAFOR}_Okafor,_Adaeze_TIN444444444.xlsx"
    assert list(again.summary["status"]) == [STATUS_KEPT, STATUS_KEPT]
    assert not (tmp_path / "two" / base).exists()   # nothing written under the one-TIN name


def test_a_roster_read_by_pandas_with_nan_for_blanks_finds_its_workbooks_again(tmp_path):
    # the Python API takes any DataFrame: pd.read_csv gives NaN for a blank year and numbers for the NPI;
    # str(NaN) made the year "nan", so a rerun called each physician's own workbook another participant's
    frame = pd.read_csv(SAMPLE).head(3)
    frame.loc[[0, 1], "performance_year"] = float("nan")
    first = generate_workbooks(frame, out_dir=tmp_path, performance_year=2027)
    assert list(first.summary["status"]) == [STATUS_WRITTEN] * 3
    assert not any("nan" in f.casefold() or "None" in f for f in first.summary["file"])
    again = generate_workbooks(frame, out_dir=tmp_path, performance_year=2027)
    assert list(again.summary["status"]) == [STATUS_KEPT] * 3
    assert list(again.summary["tin"]) == ["83-7035914"] * 3


def test_a_stale_rows_years_are_not_in_the_running_sums_of_the_participants_later_row(tmp_path, three):
    # Okafor's 2027 workbook unreadable on a rerun: the Five years sheet leaves his 2027-2028 out, and his
    # 2029 row's running sums must not carry them (they did: cumulative P50 +$12,036 beside a year's -$5,294)
    later = three.iloc[[0]].copy()
    later["performance_year"] = "2029"
    roster = pd.concat([three.head(2), later], ignore_index=True)
    first = generate_workbooks(roster, out_dir=tmp_path)
    first.written[0].write_bytes(b"PK\x03\x04 not a workbook")
    report = generate_workbooks(roster, out_dir=tmp_path)
    assert list(report.summary["status"]) == [STATUS_STALE, STATUS_KEPT, STATUS_KEPT]
    years = report.dashboard_data.physician_years
    mine = years[years["npi"] == OKAFOR].set_index("performance_year")
    assert list(mine.index) == [2029, 2030, 2031]
    for col in ("p50", "at_risk"):
        yearly = "dollars_at_risk" if col == "at_risk" else f"dollars_{col}"
        assert mine[f"cumulative_{col}"].tolist() == pytest.approx(mine[yearly].cumsum().tolist())
    practice = report.dashboard_data.practice_years.set_index("performance_year")
    assert practice["cumulative_mean"].tolist() == pytest.approx(practice["dollars_mean"].cumsum().tolist())
    assert practice["cumulative_at_risk"].tolist() == pytest.approx(practice["dollars_at_risk"].cumsum().tolist())
    # the ranges of the totals are those of the rows shown alone (the stale one adds nothing in any draw)
    v = validate_roster(roster).valid
    alone = roster_dashboard(v.iloc[1:], score_cohort(v).scores.iloc[1:])
    cols = ["dollars_p10", "dollars_p50", "dollars_p90"]
    shown = report.dashboard_data.totals.set_index("cohort")
    labels = ["Practice 2027", "Practice 2029"]
    assert shown.loc[labels, cols].to_numpy().ravel().tolist() == pytest.approx(
        alone.totals.set_index("cohort").loc[labels, cols].to_numpy().ravel().tolist(), rel=1e-12)
    more = cols + ["cumulative_p10", "cumulative_p90"]
    assert practice[more].to_numpy().ravel().tolist() == pytest.approx(
        alone.practice_years[more].to_numpy().ravel().tolist(), rel=1e-12)


def test_overwrite_replaces_a_participants_workbook_under_its_earlier_name_and_names_the_others(tmp_path, three,
                                                                                             capsys):
    # with --overwrite a participant whose NPI lost a row got a new file beside his earlier one (two workbooks,
    # two sets of numbers for one TIN/NPI); files of rows no longer on the roster were left unsaid
    from asm_xl.cli import main
    roster = _two_tins(three)
    both = generate_workbooks(roster, out_dir=tmp_path)
    tagged = both.summary["file"].iloc[1]                                       # ..._TIN444444444.xlsx
    again = generate_workbooks(roster.iloc[[1, 2]], out_dir=tmp_path, overwrite=True)
    assert list(again.summary["file"]) == [tagged, both.summary["file"].iloc[2]]
    assert list(again.summary["status"]) == [STATUS_WRITTEN] * 2
    assert again.not_in_roster == [both.summary["file"].iloc[0]]               # his TIN 83 file: not this roster's
    csv_path = tmp_path / "two.csv"
    roster.iloc[[1, 2]].to_csv(csv_path, index=False)
    capsys.readouterr()
    assert main(["generate", str(csv_path), "--out", str(tmp_path), "--quiet", "--jobs", "1", "--overwrite"]) == 0
    assert (f"note: 1 other workbook(s) in {tmp_path} are no row of this roster (an earlier run's): left as they "
            f"are, not in the index or the dashboard: {both.summary['file'].iloc[0]}") in capsys.readouterr().out


def test_a_kept_workbook_whose_projection_cells_this_run_would_write_otherwise_is_stale(tmp_path, three):
    # CMS's participants file changed, or the TIN/NPI got a later roster row, since the file was written:
    # its projection (Actions sheet) was not the dashboard's Five years rows, and it was "kept"
    okafor = three.iloc[0]["npi"]
    generate_workbooks(three, out_dir=tmp_path, participation={okafor: {2028: False}})
    same = generate_workbooks(three, out_dir=tmp_path, participation={okafor: {2028: False}})
    assert list(same.summary["status"]) == [STATUS_KEPT] * 3
    other = generate_workbooks(three, out_dir=tmp_path, participation={okafor: {2028: True}})
    assert list(other.summary["status"]) == [STATUS_STALE_PROJECTION, STATUS_KEPT, STATUS_KEPT]
    later = three.iloc[[0]].assign(performance_year="2029")
    grown = generate_workbooks(pd.concat([three, later], ignore_index=True), out_dir=tmp_path,
                               participation={okafor: {2028: False}})
    # the 2027 row's file (found under its earlier name) projects to 2031, beside the new 2029 row's: stale,
    # left out of the totals, where it was kept and counted 2029-2031 twice with the new file
    assert list(grown.summary["status"]) == [STATUS_STALE_PROJECTION, STATUS_KEPT, STATUS_KEPT, STATUS_WRITTEN]
    years = grown.dashboard_data.physician_years
    assert years[years["npi"] == okafor]["performance_year"].tolist() == [2029, 2030, 2031]
