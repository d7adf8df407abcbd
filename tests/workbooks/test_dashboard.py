"""The practice dashboard (asm_xl.workbooks.dashboard): totals are the sums of the physicians, every
reader (openpyxl data_only, LibreOffice, its PDF) shows the API's numbers, roster text stays text,
it prints landscape one page wide with titles, and its links open the physicians' workbooks."""

from __future__ import annotations

import csv
import dataclasses
import math
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from urllib.parse import unquote

import numpy as np
import openpyxl
import pandas as pd
import pytest
from openpyxl.utils.cell import range_boundaries
from defusedxml import ElementTree as SafeET
from hypothesis import given
from hypothesis import strategies as st

from asm_xl.model.cohort import score_cohort
from asm_xl.model.parameters import performance_years, risk_level
from asm_xl.model.pool_choice import national_pool
from asm_xl.model.ranges import payment_ranges
from asm_xl.model.settings import DEFAULT_SETTINGS
from asm_xl.roster import read_roster, validate_roster
from asm_xl.workbooks.batch import generate_workbooks
from asm_xl.workbooks.dashboard import DASHBOARD_NAME, roster_dashboard, write_dashboard, yearly_pools
from asm_xl.workbooks import layout as L
from asm_xl.workbooks.dashboard.data import EXCEPTION_OUTLOOK, NOT_PARTICIPATING_OUTLOOK, PRACTICE, outlook
from asm_xl.workbooks.dashboard.chart import BAND_HEADER_ROW, BAND_SHEET, CHART_DATA_ROW
from asm_xl.workbooks.dashboard.sheets import PHYSICIANS, TOTALS, TOTALS_HEADER_ROW
from asm_xl.workbooks.index import index_note
from asm_xl.workbooks.pdf import find_soffice, to_pdf
from asm_xl.xlsx.cells import xml_safe_text
from asm_xl.xlsx.parts import sheet_parts

DATA = Path(__file__).resolve().parents[1] / "data"
SAMPLE = Path(__file__).resolve().parents[2] / "asm_xl" / "roster" / "data" / "sample_roster.csv"
SUMMED = ["part_b_payments", "at_risk", "estimate", "dollars_p10", "dollars_p50", "dollars_p90"]
TOL = dict(rel_tol=1e-9, abs_tol=1e-6)
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
CHART = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
#: roster text a spreadsheet could read as a formula, a number or a link
FORMULA_LIKE = ['=HYPERLINK("http://x")', "+1-555", "@SUM(A1)", "-2+3", "=1+1", "http://x.example"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    report = generate_workbooks(SAMPLE, out_dir=out, jobs=1)
    return out, report


@pytest.fixture(scope="module")
def api():
    """The sample roster scored by the cohort API and priced by payment_ranges, independently of the dashboard."""
    v = validate_roster(read_roster(SAMPLE))
    scores = score_cohort(v.valid).scores
    return pd.concat([scores, payment_ranges(scores)], axis=1)


def test_the_dashboard_is_written_beside_the_index(demo):
    out, report = demo
    assert report.dashboard == out / DASHBOARD_NAME and report.dashboard.is_file()
    assert openpyxl.load_workbook(report.dashboard).sheetnames == ["Practice", "Physicians", "Five years", "Score chart",
                                                                           "Score band"]


def test_practice_totals_are_the_sums_of_the_physicians_and_their_ranges_the_totals_draw_by_draw(demo, api):
    totals = demo[1].dashboard_data.totals.set_index("cohort")
    dollars = {"estimate": "dollar_impact", "part_b_payments": "part_b_payments"}
    in_draw = {}
    for code, grp in api.groupby("cohort"):
        assert totals.loc[code, "physicians"] == len(grp)
        for col, source in dollars.items():
            assert math.isclose(totals.loc[code, col], grp[source].astype(float).sum(), **TOL), (code, col)
        # each physician priced in each of the national pool's draws, independently of the dashboard
        factors = national_pool(code, 2027).factors(grp["final_score"].astype(float).to_numpy())
        in_draw[code] = factors.T @ grp["part_b_payments"].astype(float).to_numpy()
        for q in (10, 50, 90):
            assert math.isclose(totals.loc[code, f"dollars_p{q}"], np.percentile(in_draw[code], q), **TOL), (code, q)
    for q in (10, 50, 90):   # HF and LBP added draw by draw
        assert math.isclose(totals.loc[PRACTICE, f"dollars_p{q}"], np.percentile(in_draw["HF"] + in_draw["LBP"], q), **TOL)
    for col in ("part_b_payments", "at_risk", "estimate"):
        assert math.isclose(totals.loc[PRACTICE, col], totals.drop(index=PRACTICE)[col].sum(), **TOL), col
    assert totals.loc[PRACTICE, "physicians"] == len(api) == 30
    # by hand: the HF physicians' Part B payments add up to $3,716,708.49 (sample roster); 2027's risk
    # level is 9% [CMS], so $334,503.76 of them are at risk
    assert math.isclose(totals.loc["HF", "part_b_payments"], 3_716_708.49, abs_tol=0.005)
    assert math.isclose(totals.loc["HF", "at_risk"], 334_503.7641, abs_tol=1e-4)
    # not the sums of the physicians' P10s: HF's would be -$28,715, the total's own is -$19,360
    assert round(api[api["cohort"] == "HF"]["dollars_p10"].astype(float).sum()) == -28_715
    assert round(totals.loc["HF", "dollars_p10"]) == -19_360


def test_totals_equal_the_sums_of_the_numbers_cached_in_the_physicians_workbooks(demo):
    report = demo[1]
    totals = report.dashboard_data.totals.set_index("cohort")
    for code, grp in report.summary.groupby("cohort"):
        assert math.isclose(totals.loc[code, "estimate"], grp["dollar_impact"].sum(), rel_tol=1e-9, abs_tol=0.01), code


def test_outlook_counts_follow_the_chance_of_a_gain(demo):
    data = demo[1].dashboard_data
    p = data.physicians["p_gain"]
    practice = data.totals.set_index("cohort").loc[PRACTICE]
    assert DEFAULT_SETTINGS.likely_gain_chance == 2 / 3   # likely to gain from 2/3, to lose up to 1/3
    assert practice["likely_gain"] == int((p >= 2 / 3).sum())
    assert practice["likely_lose"] == int((p <= 1 / 3).sum())
    assert practice["exception"] == 0   # the sample roster flags no exception
    assert practice["likely_gain"] + practice["either_way"] + practice["likely_lose"] == practice["physicians"]


def test_a_physician_without_a_final_score_is_counted_as_such_not_either_way():
    # neither category scored (every measure under the case minimum, 19 cost episodes): no chance of a gain
    # is known, and the dashboard said "either way"
    v = validate_roster(read_roster(SAMPLE)).valid.head(3).copy()
    first = v.index[0]
    assert v.loc[first, "specialty"] == "Cardiology"
    for m in ("q492", "q008", "q005", "q236", "q377"):   # HF's measures, each under the case minimum
        v.loc[first, f"{m}_eligible"] = "10"
        if f"{m}_reported" in v.columns and v.loc[first, f"{m}_reported"] != "":
            v.loc[first, f"{m}_reported"] = "10"
    v.loc[first, ["cost_episodes", "cost_points"]] = ["19", ""]
    scores = score_cohort(v).scores
    assert pd.isna(scores.loc[first, "final_score"])
    data = roster_dashboard(v, scores)
    assert data.physicians.loc[0, "outlook"] == "no final score (see the workbook)"
    practice = data.totals.set_index("cohort").loc[PRACTICE]
    assert (practice["not_scored"], practice["either_way"] + practice["likely_gain"] + practice["likely_lose"]) == (1, 2)


def test_the_outlook_cut_off_is_a_setting_the_dashboard_says():
    v = validate_roster(read_roster(SAMPLE)).valid
    scores = score_cohort(v).scores
    strict = DEFAULT_SETTINGS.replace(likely_gain_chance=0.95)
    data, plain = roster_dashboard(v, scores, settings=strict), roster_dashboard(v, scores)
    p = data.physicians["p_gain"]
    practice = data.totals.set_index("cohort").loc[PRACTICE]
    assert practice["likely_gain"] == int((p >= 0.95).sum()) and practice["likely_lose"] == int((p <= 0.05).sum())
    assert (plain.physicians["p_gain"] == p).all()   # the chances are the same: only the reading moved
    assert dict(data.assumptions)["Settings changed"] == ("from their defaults (README \"Assumptions\"): "
                                                          "likely_gain_chance 0.95 (default 0.666667)")
    assert dict(plain.assumptions)["Settings changed"].endswith(": none")
    said = dict(data.assumptions)["Likely to gain / to lose"]
    assert said.startswith("chance of a gain at least 95% / at most 5% (likely_gain_chance)")
    assert outlook(0.9, settings=strict) == "either way" == outlook(0.1, settings=strict)
    for cut in (0.8, 0.9):   # a share of draws exactly at a cut-off meets it (1 - 0.8 is 0.19999999999999996)
        at = DEFAULT_SETTINGS.replace(likely_gain_chance=cut)
        assert outlook(round(1 - cut, 3), settings=at) == "likely to lose"
        assert outlook(cut, settings=at) == "likely to gain"


@pytest.fixture(scope="module")
def excepted_demo(tmp_path_factory):
    """The sample roster with an extreme-and-uncontrollable-circumstances exception for Okafor (HF)."""
    roster = read_roster(SAMPLE)
    roster["euc_exception"] = ["yes" if name.startswith("Okafor") else "" for name in roster["name"]]
    out = tmp_path_factory.mktemp("excepted")
    return generate_workbooks(roster, out_dir=out, jobs=1)


def totals_at_risk(data) -> float:
    return float(data.totals.set_index("cohort").loc[PRACTICE, "at_risk"])


def test_a_physician_with_an_exception_is_counted_apart_not_as_likely_to_lose(excepted_demo, demo):
    data, plain = excepted_demo.dashboard_data, demo[1].dashboard_data
    okafor = data.physicians[data.physicians["name"].str.startswith("Okafor")].iloc[0]
    # neutral factor 0, $0 at every percentile, no chance of a gain [ASSUMPTION, spec 8]
    assert okafor["factor"] == 0 and okafor["dollars_p50"] == 0 and okafor["p_gain"] == 0
    assert okafor["outlook"] == EXCEPTION_OUTLOOK == "exception: neutral"
    # nothing at risk and no score to reach in a neutral year
    assert okafor["at_risk"] == 0 and np.isnan(okafor["break_even_score"]) and np.isnan(okafor["points_to_break_even"])
    was = plain.physicians[plain.physicians["name"].str.startswith("Okafor")].iloc[0]
    assert was["at_risk"] > 0 and totals_at_risk(plain) - totals_at_risk(data) == pytest.approx(was["at_risk"])
    assert was["outlook"] != EXCEPTION_OUTLOOK
    totals, before = data.totals.set_index("cohort"), plain.totals.set_index("cohort")
    for label in ("HF", PRACTICE):
        counts = ["likely_gain", "either_way", "likely_lose"]
        assert totals.loc[label, "exception"] == 1
        # Okafor leaves the count his chance of a gain put him in; no other count moves
        moved = {k: int(before.loc[label, k] - totals.loc[label, k]) for k in counts}
        assert moved == {k: int(k == {"likely to gain": "likely_gain", "either way": "either_way",
                                      "likely to lose": "likely_lose"}[was["outlook"]]) for k in counts}
        assert totals.loc[label, counts + ["exception"]].sum() == totals.loc[label, "physicians"] == \
            before.loc[label, "physicians"]
    # LBP has no exception: its row is unchanged
    assert totals.loc["LBP"].drop("exception").tolist() == before.loc["LBP"].drop("exception").tolist()
    ws = openpyxl.load_workbook(excepted_demo.dashboard, data_only=True)["Practice"]
    head = [ws.cell(TOTALS_HEADER_ROW, j + 1).value for j in range(len(TOTALS))]
    hf = [ws.cell(TOTALS_HEADER_ROW + 1, j + 1).value for j in range(len(TOTALS))]
    assert hf[0] == "HF" and hf[head.index("Exception (neutral)")] == 1
    assert hf[head.index("Likely to lose")] == totals.loc["HF", "likely_lose"]


def test_an_excepted_physicians_workbook_projection_is_the_dashboards_five_years(excepted_demo):
    data = excepted_demo.dashboard_data
    years = data.physician_years[data.physician_years["name"].str.startswith("Okafor")]
    path, = [p for p in excepted_demo.written if "Okafor" in p.name]
    ws = openpyxl.load_workbook(path, data_only=True)[L.ACTIONS]
    head = L.PROJECTION_HEADER_ROW
    shown = [[ws.cell(head + 1 + k, c).value for c in range(1, 9)] for k in range(5)]
    cols = ["performance_year", "payment_year", "risk_level", "dollars_at_risk", "dollars_p10", "dollars_p50",
            "dollars_p90", "cumulative_p50"]
    assert shown == years[cols].values.tolist()
    assert shown[0][4:] == [0, 0, 0, 0] and shown[1][5] < 0   # 2027 neutral, 2028 priced as usual


def test_a_physician_cms_lists_as_not_participating_adds_nothing_and_the_totals_are_the_five_years(tmp_path):
    v = validate_roster(read_roster(SAMPLE)).valid
    scores = score_cohort(v).scores
    okafor = "1891394078"   # the sample roster's first physician: HF, 2027, Part B payments $416,569
    data = roster_dashboard(v, scores, participation={okafor: {2027: False, 2028: True}})
    plain = roster_dashboard(v, scores)
    me = data.physicians.set_index("npi").loc[okafor]
    assert me["outlook"] == NOT_PARTICIPATING_OUTLOOK == "not participating (CMS)"
    # no ASM adjustment in 2027: nothing at risk, $0 at every percentile, factor, estimate and chance 0 (as his
    # workbook and the index show them: the dashboard showed blanks), no score to reach
    assert (me["at_risk"], me["dollars_p10"], me["dollars_p50"], me["dollars_p90"]) == (0, 0, 0, 0)
    assert (me["factor"], me["estimate"], me["p_gain"], me["factor_p50"]) == (0, 0, 0, 0)
    assert np.isnan(me["break_even_score"]) and me["final_score"] == plain.physicians.set_index("npi").loc[okafor, "final_score"]
    # no action is worth anything to him that year: none is his top action, none in the practice's list
    # (the list showed his "Bring quality measure Q008 to its top decile", +$9,463)
    assert me["top_action"] == "" and np.isnan(me["top_value_p50"])
    three = v.head(3)   # a practice of three: his actions were on its list
    few = roster_dashboard(three, scores.loc[three.index], participation={okafor: {2027: False}})
    some = roster_dashboard(three, scores.loc[three.index])
    mine = some.physicians.set_index("npi").loc[okafor, "row"]
    assert mine in set(some.top_actions["row"]) and mine not in set(few.top_actions["row"])
    others = some.top_actions[some.top_actions["row"] != mine].reset_index(drop=True)
    assert few.top_actions.head(len(others)).equals(others) and len(few.top_actions) == 10   # the others move up
    totals, before = data.totals.set_index("cohort"), plain.totals.set_index("cohort")
    # by hand: 9% [CMS] of $416,569 = $37,491.21 leaves HF's $334,503.7641 at risk
    assert math.isclose(before.loc["HF", "at_risk"] - totals.loc["HF", "at_risk"], 37_491.21, abs_tol=1e-6)
    was = plain.physicians.set_index("npi").loc[okafor]
    assert math.isclose(before.loc[PRACTICE, "estimate"] - totals.loc[PRACTICE, "estimate"], was["estimate"], **TOL)
    # his dollars are 0 in every draw: the totals' ranges are those of the practice without him
    without = roster_dashboard(v[v["npi"] != okafor], scores[v["npi"] != okafor]).totals.set_index("cohort")
    for col in ("dollars_p10", "dollars_p50", "dollars_p90"):
        assert math.isclose(totals.loc[PRACTICE, col], without.loc[PRACTICE, col], **TOL), col
    assert totals.loc["HF", "not_participating"] == totals.loc[PRACTICE, "not_participating"] == 1
    counts = ["likely_gain", "either_way", "likely_lose", "exception", "not_participating", "not_scored"]
    assert totals.loc[PRACTICE, counts].sum() == totals.loc[PRACTICE, "physicians"] == 30
    # the Practice sheet's one-year totals are the Five years sheet's practice row of 2027, for either run
    for dash in (data, plain):
        year = dash.practice_years.set_index("performance_year").loc[2027]
        practice = dash.totals.set_index("cohort").loc[PRACTICE]
        for mine, theirs in (("at_risk", "dollars_at_risk"), ("dollars_p10", "dollars_p10"),
                             ("dollars_p50", "dollars_p50"), ("dollars_p90", "dollars_p90"),
                             ("part_b_payments", "payments_base")):
            assert math.isclose(practice[mine], year[theirs], **TOL), mine
        for col in ("part_b_payments", "at_risk", "estimate"):   # and the practice is the sum of its physicians
            assert math.isclose(practice[col], dash.physicians[col].sum(), **TOL), col
    ws = openpyxl.load_workbook(write_dashboard(data, tmp_path / "d.xlsx"), data_only=True)["Practice"]
    head = [ws.cell(TOTALS_HEADER_ROW, j + 1).value for j in range(len(TOTALS))]
    assert ws.cell(TOTALS_HEADER_ROW + 1, head.index("Not participating (CMS)") + 1).value == 1   # HF


def test_a_roster_of_two_years_totals_each_year_apart_and_counts_a_participants_years_once(tmp_path):
    # Okafor with his 2027 inputs and an estimate for 2029 (higher payments), Mensah for 2027: the totals of
    # 2027 and 2029 are never added up (paid in 2029 and 2031), and the five years count Okafor once a year
    roster = read_roster(SAMPLE).head(2)
    later = roster.iloc[[0]].copy()
    later["performance_year"], later["part_b_payments"] = "2029", "500000"
    v = validate_roster(pd.concat([roster, later], ignore_index=True)).valid
    scores = score_cohort(v).scores
    data = roster_dashboard(v, scores)
    totals = data.totals.set_index("cohort")
    assert list(totals.index) == ["HF 2027", "Practice 2027", "HF 2029", "Practice 2029"]
    assert totals["physicians"].tolist() == [2, 2, 1, 1]
    assert totals.loc["Practice 2029", "part_b_payments"] == 500_000
    # by hand: 10% [CMS, PY 2029] of $500,000 is at risk in 2029
    assert math.isclose(totals.loc["Practice 2029", "at_risk"], 50_000.0, **TOL)
    years = data.practice_years.set_index("performance_year")
    # the first year's totals are the Five years sheet's practice row of 2027 (every row is of 2027 or later)
    for mine, theirs in (("at_risk", "dollars_at_risk"), ("dollars_p50", "dollars_p50")):
        assert math.isclose(totals.loc["Practice 2027", mine], years.loc[2027, theirs], **TOL)
    # 2029 in the five years: Okafor's 2029 row and Mensah's 2027 row carried on (10% of $221,167, no growth)
    assert math.isclose(years.loc[2029, "dollars_at_risk"], 50_000.0 + 22_116.7, **TOL)
    # the ranges of "Practice 2029" are Okafor's 2029 row's alone; the Five years' 2029 adds Mensah's 2027 row,
    # priced in each draw of the 2029 pool and added draw by draw
    finals = scores["final_score"].astype(float).to_numpy()
    in_2029 = national_pool("HF", 2029).factors(finals[[2, 1]]) * np.array([[500_000.0], [221_167.0]])
    for q in (10, 50, 90):
        assert math.isclose(totals.loc["Practice 2029", f"dollars_p{q}"], np.percentile(in_2029[0], q), **TOL)
        assert math.isclose(years.loc[2029, f"dollars_p{q}"], np.percentile(in_2029.sum(axis=0), q), rel_tol=1e-6)
    # Okafor's 2027 row covers 2027-2028, his 2029 row 2029-2031: two physicians in every year, never three
    assert years["physicians"].tolist() == [2, 2, 2, 2, 2]
    okafor = data.physician_years[data.physician_years["npi"] == "1891394078"]
    assert okafor["performance_year"].tolist() == [2027, 2028, 2029, 2030, 2031]
    assert okafor["payments_base"].tolist()[2:] == [500_000.0] * 3
    # the practice's most valuable actions say which year each is for (Okafor's are listed for both)
    assert all(n.endswith((" (PY 2027)", " (PY 2029)")) for n in data.top_actions["name"])
    assert {"Okafor, Adaeze (PY 2027)", "Okafor, Adaeze (PY 2029)"} <= set(data.top_actions["name"])
    ws = openpyxl.load_workbook(write_dashboard(data, tmp_path / "d.xlsx"), data_only=True)["Practice"]
    labels = [ws.cell(TOTALS_HEADER_ROW + k, 1).value for k in range(1, 5)]
    assert labels == ["HF 2027", "Practice 2027", "HF 2029", "Practice 2029"]
    assert "years are never added up" in ws.cell(TOTALS_HEADER_ROW - 1, 1).value
    chart = openpyxl.load_workbook(tmp_path / "d.xlsx")["Score chart"]
    assert "HF PY 2027" in chart["A2"].value and "his own performance year" in chart["A2"].value


def test_the_five_years_title_names_the_years_its_rows_show(tmp_path):
    # a roster of 2029 is projected over 2029-2031; the title said "performance years 2027-2031" all the same
    roster = read_roster(SAMPLE).head(2)
    for year, title in (("2029", "Three years: performance years 2029-2031 (paid in 2031-2033)"),
                        ("2031", "One year: performance year 2031 (paid in 2033)"),
                        ("2027", "Five years: performance years 2027-2031 (paid in 2029-2033)")):
        v = validate_roster(roster.assign(performance_year=year)).valid
        data = roster_dashboard(v, score_cohort(v).scores)
        assert sorted(set(data.practice_years["performance_year"])) == list(range(int(year), 2032))
        ws = openpyxl.load_workbook(write_dashboard(data, tmp_path / f"d{year}.xlsx"))["Five years"]
        assert ws["A1"].value == title


def test_with_a_roster_pool_each_row_is_projected_with_its_own_years_roster_as_its_workbook_is():
    # HF rows of 2027 and two of 2029: the 2027 rows' 2029 was priced by the 2029 roster (two physicians),
    # while their workbooks price every year with the 2027 roster's scaling factor and midpoint
    roster = read_roster(SAMPLE)
    hf = roster[roster["specialty"] == "Cardiology"].copy()
    hf.loc[hf.index[-2:], "performance_year"] = "2029"
    settings = DEFAULT_SETTINGS.replace(pool="roster")
    v = validate_roster(hf, settings=settings).valid
    scores = score_cohort(v, settings=settings).scores
    data = roster_dashboard(v, scores, settings=settings)
    first = scores[scores["performance_year"] == 2027].iloc[0]
    sf, m = float(first["scaling_factor"]), float(first["tfs_midpoint"])
    later_sf = float(scores[scores["performance_year"] == 2029]["scaling_factor"].iloc[0])
    assert not math.isclose(sf, later_sf, rel_tol=1e-3)   # the two rosters price differently
    mine = data.physician_years[data.physician_years["row"] == first.name].set_index("performance_year")
    tfs = 1 / (1 + math.exp(-DEFAULT_SETTINGS.tfs_steepness * (float(first["final_score"]) - m)))
    for year in (2027, 2029, 2031):   # by hand: r_y x TFS x SF - r_y with the 2027 roster's SF and m
        r = risk_level(year)
        assert mine.loc[year, "factor_p50"] == pytest.approx(min(max(r * tfs * sf - r, -r), r))
    sources = dict(data.assumptions)
    assert {"Pool source, HF 2027", "Pool source, HF 2029"} <= set(sources)
    assert f"{later_sf:.4g}" in sources["Pool source, HF 2029"]


def test_the_practice_sheet_says_the_scores_each_cohort_needs_for_break_even_and_the_target_chance():
    # gain_chance_target moved nothing a dashboard reader saw; the scores needed are the same for every physician
    # of a cohort and year, so the Practice sheet says them once
    from asm_xl.model.score_needed import break_even_score, score_for_gain_chance
    v = validate_roster(read_roster(SAMPLE)).valid
    scores = score_cohort(v).scores
    for target in (0.8, 0.95):
        settings = DEFAULT_SETTINGS.replace(gain_chance_target=target)
        text = dict(roster_dashboard(v, scores, settings=settings).assumptions)["Scores needed"]
        for code in ("HF", "LBP"):
            be = break_even_score(code, 2027, settings=settings)
            gt = score_for_gain_chance(code, 2027, target, settings=settings)
            assert (f"{code} 2027: {be:.1f} to break even (P50 factor 0), {gt:.1f} for a chance of a gain of "
                    f"{target:.0%}") in text


@given(st.floats(0, 1), st.floats(0, 1))
def test_a_higher_chance_of_a_gain_never_has_a_worse_outlook(a, b):
    order = {"likely to lose": 0, "either way": 1, "likely to gain": 2}
    lo, hi = sorted((a, b))
    assert order[outlook(lo)] <= order[outlook(hi)]
    assert outlook(lo, True) == outlook(hi, True) == EXCEPTION_OUTLOOK   # an exception: neither
    assert outlook(lo, participating=False) == outlook(hi, True, False) == NOT_PARTICIPATING_OUTLOOK


def test_openpyxl_data_only_reads_the_totals_the_api_computed(demo):
    report = demo[1]
    ws = openpyxl.load_workbook(report.dashboard, data_only=True)["Practice"]
    assert [ws.cell(TOTALS_HEADER_ROW, j + 1).value for j in range(len(TOTALS))] == [h for _, _, h in TOTALS]
    for i, rec in enumerate(report.dashboard_data.totals.to_dict("records")):
        for j, (key, _, _) in enumerate(TOTALS):
            shown = ws.cell(TOTALS_HEADER_ROW + 1 + i, j + 1).value
            assert shown == rec[key] or math.isclose(shown, rec[key], **TOL), (rec["cohort"], key)


def test_every_number_is_a_value_not_a_formula(demo):
    wb = openpyxl.load_workbook(demo[1].dashboard)
    assert not [c.coordinate for ws in wb for row in ws.iter_rows() for c in row if c.data_type == "f"]


def test_every_sheet_prints_landscape_one_page_wide_with_its_header_repeated(demo):
    wb = openpyxl.load_workbook(demo[1].dashboard)
    for ws in wb:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.page_setup.paperSize == 1, ws.title   # letter
        # fitToWidth absent reads as 1 (the OOXML default): XlsxWriter writes it only when it is not 1
        assert (ws.page_setup.fitToWidth or 1, ws.page_setup.fitToHeight) == (1, 0), ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.title in ws.oddHeader.center.text and "&P" in ws.oddFooter.right.text, ws.title
    for name in ("Physicians", "Five years"):
        assert wb[name].print_title_rows == "$4:$4"
        assert wb[name]["A4"].value == "Physician"


def test_the_physicians_sheet_prints_every_physician_without_the_link_column(demo):
    """On paper a link leads nowhere: the Workbook column stays on screen, off the page, so the 17
    printed columns fit one landscape page wide at a readable size; every physician's row is printed."""
    ws = openpyxl.load_workbook(demo[1].dashboard)["Physicians"]
    last_row = max(c.row for row in ws.iter_rows(min_row=5) for c in row if c.value is not None)
    assert ws["R4"].value == "Workbook" and ws["Q4"].value == "Points to go"
    assert ws.print_area == f"'Physicians'!$A$1:$Q${last_row}"
    assert ws.cell(last_row, 1).value   # the last printed row is a physician's

def test_rejected_roster_rows_are_named_under_the_totals_below_the_physicians_and_in_the_index(tmp_path):
    # a roster row rejected (pi_score 85) left a 2-physician dashboard and index with no trace of the third:
    # only the console and roster_errors.csv said so, and a file read later must say it itself
    roster = read_roster(SAMPLE).head(3).copy()
    roster.loc[roster.index[0], "pi_score"] = "85"
    report = generate_workbooks(roster, out_dir=tmp_path, jobs=1)
    assert report.rejected_rows == 1 and report.exit_code == 2 and len(report.written) == 2
    note = ("1 roster row(s) rejected and left out of every total, table and rank here: their errors are in "
            "roster_errors.csv beside this file; fix them and generate again.")
    wb = openpyxl.load_workbook(report.dashboard)
    practice = [c.value for c in wb["Practice"]["A"]]
    assert practice[practice.index(PRACTICE) + 1] == note   # right under the practice's totals
    ws = wb["Physicians"]
    names = [ws.cell(r, 1).value for r in range(5, 8)]
    assert names[:2] == report.dashboard_data.physicians["name"].tolist() and names[2] is None
    assert ws["A8"].value == note and ws.print_area == "'Physicians'!$A$1:$Q$8"
    index = openpyxl.load_workbook(report.index)["Index"]
    assert [c.value for c in index[1] if c.value and str(c.value).startswith("1 roster row(s) rejected")] \
        == [note + " " + index_note("national", report.pool_sources)]
    assert "1 roster row(s) rejected: see roster_errors.csv" in index.oddHeader.center.text
    # nothing rejected: no such line anywhere
    clean = generate_workbooks(read_roster(SAMPLE).head(3), out_dir=tmp_path / "clean", jobs=1)
    cells = [c.value for ws in openpyxl.load_workbook(clean.dashboard).worksheets for row in ws.iter_rows()
             for c in row if isinstance(c.value, str)]
    assert not [v for v in cells if "rejected and left out" in v]


def test_workbook_links_are_relative_and_open_existing_files(demo):
    out, report = demo
    ws = openpyxl.load_workbook(report.dashboard)["Physicians"]
    col = [c.value for c in ws[4]].index("Workbook") + 1
    links = [ws.cell(r, col) for r in range(5, 5 + len(report.dashboard_data.physicians))]
    assert len(links) == 30
    for c in links:
        assert c.hyperlink.target == c.value and "/" not in c.value
        assert (out / c.value).is_file()
    assert sorted(c.value for c in links) == sorted(p.name for p in report.written)


def _with_names(data, names: list[str], files: list[str] | None = None):
    """``data`` with its first physicians renamed (their five-year rows too) and their files renamed."""
    phys = data.physicians.copy()
    phys.loc[phys.index[:len(names)], "name"] = names
    phys.loc[phys.index[:len(names)], "who"] = names   # as a one-year, one-TIN roster names them
    if files:
        phys.loc[phys.index[:len(files)], "file"] = files
    years = data.physician_years.copy()
    for row, name in zip(phys["row"].iloc[:len(names)], names):
        years.loc[years["row"] == row, "name"] = name
    return dataclasses.replace(data, physicians=phys, physician_years=years)


def _formulas(path: Path) -> list[str]:
    """The worksheets of the package that hold a formula (<f> element); none: values only."""
    with zipfile.ZipFile(path) as zf:
        return [member for _, member in sheet_parts(zf)
                if next(SafeET.fromstring(zf.read(member)).iter(f"{MAIN}f"), None) is not None]


def test_roster_text_that_looks_like_a_formula_is_written_as_text_on_every_sheet(demo, tmp_path):
    path = write_dashboard(_with_names(demo[1].dashboard_data, FORMULA_LIKE), tmp_path / "d.xlsx")
    wb = openpyxl.load_workbook(path)
    for sheet in ("Physicians", "Five years", "Score chart"):
        cells = {c.value: c for row in wb[sheet].iter_rows() for c in row if c.value in FORMULA_LIKE}
        assert set(cells) == set(FORMULA_LIKE), sheet
        assert {c.data_type for c in cells.values()} == {"s"}, sheet
    assert _formulas(path) == []


def test_workbook_links_open_the_file_beside_the_dashboard_in_openpyxl_and_libreoffice(demo, tmp_path):
    files = ["1_50%_[a]_{b}.xlsx", "2_O'Brien,_Mary.xlsx"]
    path = write_dashboard(_with_names(demo[1].dashboard_data, ["A", "B"], files), tmp_path / "d.xlsx")
    ws = openpyxl.load_workbook(path)["Physicians"]
    col = [h for _, _, h in PHYSICIANS].index("Workbook") + 1
    shown = {ws.cell(r, col).value: ws.cell(r, col).hyperlink.target for r in (5, 6)}
    assert shown == {files[0]: "1_50%25_%5ba%5d_%7bb%7d.xlsx", files[1]: files[1]}   # escaped as Excel writes it
    assert [unquote(t) for t in shown.values()] == files
    soffice = _soffice()
    cmd = [soffice, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless", "--norestore",
           "--convert-to", "html", "--outdir", str(tmp_path / "html"), str(path)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=240)
    html = (tmp_path / "html" / "d.html").read_text(encoding="utf-8", errors="replace")
    assert proc.returncode == 0, proc.stderr
    hrefs = {unquote(h) for h in re.findall(r'<a href="([^"]+)"', html)}
    # LibreOffice resolves each relative target to the file beside the dashboard
    assert {unquote((tmp_path / name).as_uri()) for name in files} <= hrefs, sorted(hrefs)[:4]


def test_header_rows_repeat_on_every_printed_page_of_the_long_sheets(demo):
    with zipfile.ZipFile(demo[1].dashboard) as zf:
        book = SafeET.fromstring(zf.read("xl/workbook.xml"))
    sheets = [s.get("name") for s in book.iter(f"{MAIN}sheet")]
    titles = {sheets[int(d.get("localSheetId"))]: d.text for d in book.iter(f"{MAIN}definedName")
              if d.get("name") == "_xlnm.Print_Titles"}
    # the Score chart's tables (band, physicians) continued without their header on later pages; side by side, the
    # physicians' header then went on printing over nothing where the band went on alone: the band has its own sheet
    assert titles == {"Physicians": "Physicians!$4:$4", "Five years": "'Five years'!$4:$4",
                      "Score chart": "'Score chart'!$32:$32", "Score band": "'Score band'!$4:$4"}


def _chart_series(path: Path) -> list[tuple[str, list, list, object]]:
    """(name, x values, y values, the line's dash element) of each series of the Score chart, the values
    read from the cells its ranges name (the band's lines on the Score band sheet, the physicians' on the chart's)."""
    book = openpyxl.load_workbook(path, data_only=True)
    with zipfile.ZipFile(path) as zf:
        [chart] = [n for n in zf.namelist() if n.startswith("xl/charts/chart")]
        root = SafeET.fromstring(zf.read(chart))

    def values(ref: str) -> list:
        sheet, cells = ref.rsplit("!", 1)
        ws = book[sheet.strip("'")]
        min_col, min_row, max_col, max_row = range_boundaries(cells.replace("$", ""))
        return [v for row in ws.iter_rows(min_row, max_row, min_col, max_col, values_only=True) for v in row]

    out = []
    for ser in root.iter(f"{CHART}ser"):
        tx = ser.find(f"{CHART}tx")
        ref = tx.find(f".//{CHART}f")
        name = values(ref.text)[0] if ref is not None else tx.find(f".//{CHART}v").text
        xs = values(ser.find(f"{CHART}xVal//{CHART}f").text)
        ys = values(ser.find(f"{CHART}yVal//{CHART}f").text)
        assert len(xs) == len(ys) > 0 and all(type(v) in (int, float) for v in xs + ys), name
        out.append((name, xs, ys, ser.find(f"{CHART}spPr//{{http://schemas.openxmlformats.org/drawingml/2006/main}}prstDash")))
    return out


def test_the_chart_draws_each_cohort_as_three_band_lines_and_its_physicians(demo):
    data = demo[1].dashboard_data
    ws = openpyxl.load_workbook(demo[1].dashboard, data_only=True)["Score chart"]
    series = _chart_series(demo[1].dashboard)
    cohorts = sorted(data.physicians["cohort"].unique())
    assert len(series) == 4 * len(cohorts) == 8
    names = []
    for name, xs, ys, dash in series:
        names.append(name)
        if names[-1].endswith(" physicians"):
            code = names[-1].split()[0]
            mine = data.physicians[data.physicians["cohort"] == code].sort_values("final_score", kind="stable")
            assert xs == pytest.approx(mine["final_score"].tolist()) and ys == pytest.approx(mine["factor_p50"].tolist())
        else:
            assert len(xs) == len(data.band) and xs[0] == 0 and xs[-1] == 100
            assert ys == pytest.approx(data.band[names[-1]].tolist())
            assert dash.get("val") == ("solid" if names[-1].endswith("P50") else "dash")
    assert names == [f"{c} {p}" for c in cohorts for p in ("P10", "P50", "P90", "physicians")]
    assert ws.cell(CHART_DATA_ROW, 1).value == "Physician"
    band = openpyxl.load_workbook(demo[1].dashboard, data_only=True)[BAND_SHEET]
    assert band.cell(BAND_HEADER_ROW, 1).value == "Final score" and band.cell(BAND_HEADER_ROW + 1, 1).value == 0
    assert "Grey diamonds" not in ws["A2"].value   # (no physician without an adjustment here)


def test_physicians_with_no_adjustment_are_drawn_apart_at_factor_zero_not_among_their_cohort(tmp_path):
    # an exception physician was drawn among his cohort's points at factor 0%, far under the band (Goldberg,
    # 97.4: as if his score lost money), and one CMS lists as not participating was not drawn at all
    roster = read_roster(SAMPLE)
    roster["euc_exception"] = ["yes" if name.startswith("Goldberg") else "" for name in roster["name"]]
    v = validate_roster(roster).valid
    scores = score_cohort(v).scores
    absent = v["npi"].iloc[1]
    data = roster_dashboard(v, scores, participation={absent: {2027: False}})
    write_dashboard(data, tmp_path / "d.xlsx")
    series = {name: (xs, ys) for name, xs, ys, _ in _chart_series(tmp_path / "d.xlsx")}
    phys = data.physicians
    still = phys[phys["name"].str.startswith("Goldberg") | (phys["npi"] == absent)]
    assert set(still["outlook"]) == {EXCEPTION_OUTLOOK, NOT_PARTICIPATING_OUTLOOK}
    xs, ys = series["No adjustment (exception or not participating)"]
    assert xs == pytest.approx(still.sort_values(["cohort", "final_score"])["final_score"].tolist()) and ys == [0, 0]
    for code in ("HF", "LBP"):
        mine = phys[(phys["cohort"] == code) & ~phys.index.isin(still.index)].sort_values("final_score", kind="stable")
        assert series[f"{code} physicians"][0] == pytest.approx(mine["final_score"].tolist())
    shown = openpyxl.load_workbook(tmp_path / "d.xlsx")["Score chart"]["A2"].value
    assert "Grey diamonds: physicians with no adjustment" in shown


def test_formula_like_roster_text_stays_text_in_the_dashboard(tmp_path):
    report = generate_workbooks(DATA / "injection_roster.csv", out_dir=tmp_path, jobs=1)
    names = read_roster(DATA / "injection_roster.csv")["name"].tolist()
    wb = openpyxl.load_workbook(report.dashboard)
    shown = {c.value for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    written = set(report.dashboard_data.physicians["name"])
    assert written and written <= set(names)
    assert '=HYPERLINK("http://x","y")' in written
    for name in written:
        assert xml_safe_text(name) in shown
    assert not [c.coordinate for ws in wb for row in ws.iter_rows() for c in row if c.data_type == "f"]


def test_the_five_year_practice_rows_are_the_sums_of_the_physicians_and_their_ranges_the_totals(demo):
    data = demo[1].dashboard_data
    years = data.physician_years.groupby("performance_year")[["dollars_at_risk", "dollars_mean", "cumulative_mean"]].sum()
    practice = data.practice_years.set_index("performance_year")
    assert list(practice.index) == list(performance_years())
    for col in years.columns:
        assert np.allclose(practice[col], years[col], rtol=1e-12), col
    # the sample's risk levels scale one set of draws (a physician's standing persists): the total's range
    # of a year is 2027's times the risk levels' ratio, and the cumulative one the sum of the years'
    ratio = np.array([risk_level(y) for y in performance_years()]) / risk_level(2027)
    for p in ("p10", "p50", "p90"):
        assert np.allclose(practice[f"dollars_{p}"], practice.loc[2027, f"dollars_{p}"] * ratio, rtol=1e-9), p
        assert np.allclose(practice[f"cumulative_{p}"], np.cumsum(practice[f"dollars_{p}"]), rtol=1e-9), p
    # 2029's risk level is 10% [CMS]; payments do not grow by default: at risk = 10% of $9,332,834.54
    assert math.isclose(practice.loc[2029, "dollars_at_risk"], 933_283.454, abs_tol=1e-3)


def test_the_projection_and_the_actions_start_from_the_scores_final_scores(demo, api):
    data = demo[1].dashboard_data
    final = api["final_score"].astype(float)
    first = data.physician_years[data.physician_years["performance_year"] == 2027].set_index("row")
    assert np.allclose(first["final_score"], final.loc[first.index], rtol=0, atol=1e-9)
    assert np.allclose(first["dollars_p50"], api["dollars_p50"].astype(float).loc[first.index], rtol=1e-12)
    acts = data.top_actions
    assert np.allclose(acts["final_before"], final.loc[acts["row"]].to_numpy(), rtol=0, atol=1e-9)
    assert np.allclose(acts["dollars_p50_before"], api["dollars_p50"].astype(float).loc[acts["row"]].to_numpy(),
                       rtol=1e-12)
    assert list(acts["value_p50"]) == sorted(acts["value_p50"], reverse=True)


def test_a_cohort_median_roster_gets_its_actions_and_projection_priced_by_the_yearly_pools():
    # the actions' and projection's what-if copies are scored for their final scores only (module note of
    # asm_xl.workbooks.dashboard.compute): in cohort_median mode they need no given midpoint of their own
    from asm_xl.workbooks.dashboard.compute import dashboard_numbers
    from cohort_rows import hf_row
    s = DEFAULT_SETTINGS.replace(tfs_midpoint_mode="cohort_median", peer_draws=40)
    valid = pd.DataFrame([hf_row(8, 8, npi="1234567893", name="A"), hf_row(5, 5, npi="1245319599", name="B")])
    scores = score_cohort(valid, settings=s).scores
    numbers = dashboard_numbers(valid, scores, settings=s)
    first = numbers.projection[numbers.projection["performance_year"] == 2027].set_index("row")
    assert np.allclose(first["final_score"], scores["final_score"].astype(float).loc[first.index], rtol=0, atol=1e-9)
    pool = numbers.pools[("HF", 2027)]
    assert np.allclose(first["factor_p50"], pool.price(first["final_score"].to_numpy()).factor_p50, rtol=1e-12)
    assert set(numbers.actions["row"]) == {0, 1}


def test_a_later_years_pool_is_the_drawn_national_pool_of_that_year():
    s = DEFAULT_SETTINGS.replace(peer_draws=40)
    scores = pd.DataFrame({"cohort": ["HF"], "performance_year": [2027]})
    derived = yearly_pools(scores, s)[("HF", 2030)]
    drawn = national_pool("HF", 2030, s)
    assert derived.risk_level == drawn.risk_level == risk_level(2030) == 0.11
    for field in ("steepness", "midpoint", "scaling_factor", "median_rule"):
        assert np.array_equal(getattr(derived, field), getattr(drawn, field)), field
    assert derived.performance_year == 2030 and derived.source == drawn.source


def test_the_band_runs_from_minus_the_risk_level_and_keeps_p10_below_p90(demo):
    band = demo[1].dashboard_data.band
    for code in ("HF", "LBP"):
        assert math.isclose(band.loc[0, f"{code} P50"], -0.09, abs_tol=1e-12)  # final score 0: -r [REG 512.750(c)]
        assert (band[f"{code} P10"] <= band[f"{code} P50"] + 1e-12).all()
        assert (band[f"{code} P50"] <= band[f"{code} P90"] + 1e-12).all()


# ------------------------------------------------------------------ LibreOffice
def _soffice():
    found = find_soffice()
    if found is None:
        pytest.skip("LibreOffice (soffice) is not installed: cannot check what it displays")
    return found


def test_libreoffice_shows_the_same_totals(demo, tmp_path):
    soffice = _soffice()
    report = demo[1]
    # raw values (not as shown), UTF-8, every sheet to its own file
    filt = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
    cmd = [soffice, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless", "--norestore",
           "--convert-to", filt, "--outdir", str(tmp_path / "out"), str(report.dashboard)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=240)
    practice = tmp_path / "out" / "asm_dashboard-Practice.csv"
    assert proc.returncode == 0 and practice.is_file(), (proc.stdout, proc.stderr)
    with open(practice, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    for i, rec in enumerate(report.dashboard_data.totals.to_dict("records")):
        shown = rows[TOTALS_HEADER_ROW + i]
        assert shown[0] == rec["cohort"]
        for j, (key, _, _) in enumerate(TOTALS[1:], start=1):
            assert math.isclose(float(shown[j]), rec[key], rel_tol=1e-12, abs_tol=1e-6), (rec["cohort"], key)


def test_the_pdf_prints_the_practice_totals(demo, tmp_path):
    _soffice()
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    src = tmp_path / "asm_dashboard.xlsx"
    shutil.copyfile(demo[1].dashboard, src)
    [pdf] = to_pdf([src], tmp_path / "pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    practice = demo[1].dashboard_data.totals.set_index("cohort").loc[PRACTICE]
    shown = f"{'-' if practice['estimate'] < 0 else '+'}${abs(practice['estimate']):,.0f}"
    assert shown in text and "ASM practice dashboard" in text and "Page 1 of" in text
    assert text.count("\f") >= 4   # a page or more per sheet


@pytest.mark.parametrize("settings", [DEFAULT_SETTINGS.replace(pool="roster"),
                                      DEFAULT_SETTINGS.replace(pool="given", given_scaling_factor=1.2,
                                                               given_midpoint=55.0)], ids=["roster", "given"])
def test_with_another_pool_the_totals_are_what_the_workbooks_show(settings, tmp_path):
    report = generate_workbooks(SAMPLE, out_dir=tmp_path, jobs=1, settings=settings)
    data = report.dashboard_data
    totals = data.totals.set_index("cohort")
    for code, grp in report.summary.groupby("cohort"):
        for col, source in (("estimate", "dollar_impact"), ("dollars_p10", "dollars_p10"),
                            ("dollars_p90", "dollars_p90")):
            assert math.isclose(totals.loc[code, col], grp[source].sum(), rel_tol=1e-9, abs_tol=0.01), (code, col)
    # one draw: the range collapses to the estimate
    assert np.allclose(totals["dollars_p10"], totals["estimate"]) and np.allclose(totals["dollars_p90"], totals["estimate"])
    first = data.practice_years.set_index("performance_year").loc[2027, "dollars_p50"]
    assert math.isclose(first, totals.loc[PRACTICE, "dollars_p50"], rel_tol=1e-12)


def test_a_year_with_its_own_published_exchange_function_gets_its_own_drawn_pool(monkeypatch):
    from asm_xl.model import parameters
    raw = {**parameters._raw(), "exchange_function": [{"cohort": "HF", "performance_year": 2031, "steepness": 0.2,
                                                         "midpoint": None, "source": "CMS (hypothetical)"}]}
    monkeypatch.setattr(parameters, "_raw", lambda: raw)
    s = DEFAULT_SETTINGS.replace(peer_draws=40, peer_seed=3)
    pools = yearly_pools(pd.DataFrame({"cohort": ["HF"], "performance_year": [2027]}), s)
    assert np.all(pools[("HF", 2031)].steepness == 0.2)          # drawn with the published k
    assert np.all(pools[("HF", 2030)].steepness == pools[("HF", 2027)].steepness)   # derived
    assert not np.array_equal(pools[("HF", 2031)].steepness, pools[("HF", 2030)].steepness)


def test_two_physicians_of_one_name_are_told_apart_by_their_npi_in_the_practices_actions():
    v = validate_roster(read_roster(SAMPLE)).valid.copy()
    fischer = v.loc[v["name"] == "Fischer, Lukas", "npi"].iloc[0]
    v.loc[v["name"] == "Rahman, Farhan", "name"] = "Fischer, Lukas"   # a namesake with another NPI
    data = roster_dashboard(v, score_cohort(v).scores)
    named = set(data.top_actions["name"])
    assert f"Fischer, Lukas (NPI {fischer})" in named and "Fischer, Lukas" not in named


def test_a_given_pool_says_its_estimate_and_p50_are_one_figure():
    v = validate_roster(read_roster(SAMPLE)).valid
    settings = DEFAULT_SETTINGS.replace(pool="given", given_scaling_factor=1.5)
    scores = score_cohort(v, settings=settings).scores
    said = dict(roster_dashboard(v, scores, settings=settings).assumptions)["Estimate or P50?"]
    assert said.startswith("the same: a given or roster pool is one point")
    national = dict(roster_dashboard(v, score_cohort(v).scores).assumptions)["Estimate or P50?"]
    assert national.startswith("the estimate prices the score on one exchange curve: the pool's median scaling factor")


def _roster_with_episode_costs(n: int = 25) -> pd.DataFrame:
    """n HF physicians of the sample (new NPIs), each with 30 episodes and an episode cost, no cost points."""
    from asm_xl.model.identifiers import npi_check_digit
    base = read_roster(SAMPLE)
    hf = base[base["specialty"].str.contains("Cardiology|Heart", case=False, regex=True)]
    df = pd.concat([hf] * (n // len(hf) + 1), ignore_index=True).head(n).copy()
    df["npi"] = [f"{400_000_000 + i:09d}" + str(npi_check_digit(f"{400_000_000 + i:09d}")) for i in range(n)]
    df["cost_episodes"], df["cost_points"] = "30", ""
    df["episode_cost"] = [str(20_000 + 500 * i) for i in range(n)]
    return df


def test_a_roster_pools_dashboard_prices_episode_costs_on_the_ladder_its_scores_used():
    # pool 'roster' with 25 episode costs: the scores (and workbooks, index) score cost on the roster's
    # ladder; the dashboard re-scored its actions and projection under a given pool, where a roster builds
    # no ladder: every physician's 'before' lacked cost (80 where the scores said 90; P10 = P50 = P90)
    from asm_xl.model.settings import Settings
    from asm_xl.workbooks.dashboard.compute import dashboard_numbers
    df = _roster_with_episode_costs()
    settings = Settings(pool="roster")
    res = score_cohort(df, settings=settings)
    assert res.cost_ladders and res.scores["cost"].notna().all()
    numbers = dashboard_numbers(df, res.scores, settings=settings, cost_ladders=res.cost_ladders)
    before = numbers.actions.groupby("row")["final_before"].first()
    assert len(before) == len(df)
    assert np.allclose(before.to_numpy(dtype=float), res.scores.loc[before.index, "final_score"].to_numpy(dtype=float),
                       rtol=0, atol=1e-9)
    projected = numbers.projection.groupby("row")["final_score"].first()
    assert len(projected) == len(df) and np.allclose(
        projected.to_numpy(dtype=float), res.scores.loc[projected.index, "final_score"].to_numpy(dtype=float),
        rtol=0, atol=1e-9)
    # without the scores' ladders (as before), the re-scoring loses cost: the check above is not idle
    blind = dashboard_numbers(df, res.scores, settings=settings).actions.groupby("row")["final_before"].first()
    assert not np.allclose(blind.to_numpy(dtype=float), before.to_numpy(dtype=float))


def test_the_dashboard_says_how_many_episode_costs_found_no_cost_ladder_and_why():
    # the score CSV and each workbook said why; the dashboard (totals shaped by it) said nothing
    from asm_xl.model.categories import no_cost_ladder_note
    df = read_roster(SAMPLE)
    res = score_cohort(df)
    rows = dict(roster_dashboard(df, res.scores).assumptions)
    # the sample: 14 rows give an episode cost with enough episodes, no cost points (4 HF, 10 LBP)
    assert rows["Episode costs"] == f"14 physician row(s): {no_cost_ladder_note()}"
    given = df.assign(episode_cost="", cost_points=df["episode_cost"].where(df["episode_cost"] == "", "5"))
    assert "Episode costs" not in dict(roster_dashboard(given, score_cohort(given).scores).assumptions)


def test_the_performance_year_says_when_its_money_moves(demo):
    # the first page said "Performance year 2027" and only the Five years sheet said the money moves in 2029
    assert dict(demo[1].dashboard_data.assumptions)["Performance year"] == "2027 (paid in 2029)"


def test_the_practice_sheet_says_why_no_action_is_listed_as_the_console_does(tmp_path):
    from asm_xl.workbooks.dashboard.data import NOT_PARTICIPATING_OUTLOOK
    v = validate_roster(read_roster(SAMPLE)).valid.head(2)
    data = roster_dashboard(v, score_cohort(v).scores, participation={n: {2027: False} for n in v["npi"]})
    assert set(data.physicians["outlook"]) == {NOT_PARTICIPATING_OUTLOOK} and data.top_actions.empty
    ws = openpyxl.load_workbook(write_dashboard(data, tmp_path / "d.xlsx"))["Practice"]
    said = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("Actions:")]
    assert said == ["Actions: none: no physician participates in the year shown (CMS's participants file)"]


def test_a_workbooks_projection_is_the_dashboards_with_cms_participation_and_a_later_roster_row(tmp_path):
    # the workbook assumed every year participating and projected its row to 2031; the dashboard applied CMS's
    # participants file and the TIN/NPI's later row: cumulative P50 21% apart on the same physician
    roster = read_roster(SAMPLE).head(2)
    later = roster.iloc[[0]].copy()
    later["performance_year"], later["part_b_payments"] = "2029", "500000"
    okafor = roster.iloc[0]["npi"]
    report = generate_workbooks(pd.concat([roster, later], ignore_index=True), out_dir=tmp_path, jobs=1,
                                participation={okafor: {2028: False}})
    years = report.dashboard_data.physician_years
    head = L.PROJECTION_HEADER_ROW
    for path, row in ((report.written[0], 0), (report.written[2], 2)):
        ws = openpyxl.load_workbook(path, data_only=True)[L.ACTIONS]
        shown = [[ws.cell(head + 1 + k, c).value for c in range(1, 9)] for k in range(5)]
        mine = years[years["row"] == row]
        table = [r for r in shown if r[0] is not None]
        assert [r[0] for r in table] == mine["performance_year"].tolist()   # 2027-2028, then 2029-2031
        for col, key in ((3, "dollars_at_risk"), (5, "dollars_p50")):
            assert [r[col] for r in table] == pytest.approx(mine[key].tolist(), rel=1e-12)
    first = [[ws.cell(head + 1 + k, c).value for c in range(1, 9)]
             for ws in [openpyxl.load_workbook(report.written[0], data_only=True)[L.ACTIONS]] for k in range(2)]
    assert first[1][3:7] == [0, 0, 0, 0]   # 2028: CMS says No, no adjustment
    inputs = openpyxl.load_workbook(report.written[0], data_only=True)[L.INPUTS]
    assert [inputs[f"B{L.SCALAR_INPUTS[n][0]}"].value for n in ("In_Part2027", "In_Part2028", "In_Until")] == \
        [None, "No", 2029]


def test_a_long_name_in_the_practices_actions_wraps_and_keeps_its_year(demo, tmp_path):
    # the Practice sheet's "Most valuable actions" cut "Vanderhoeven-Fitzgerald, Lukas Maximilian (PY 2027)" at
    # its column's edge: the "(PY 2027)" that tells a physician's two rows apart was lost
    data = demo[1].dashboard_data
    long = "Vanderhoeven-Fitzgerald, Lukas Maximilian (PY 2027)"
    actions = data.top_actions.copy()
    actions.loc[actions.index[0], "name"] = long
    path = write_dashboard(dataclasses.replace(data, top_actions=actions), tmp_path / "d.xlsx")
    ws = openpyxl.load_workbook(path)["Practice"]
    [cell] = [c for row in ws.iter_rows(max_col=1) for c in row if c.value == long]
    assert cell.alignment.wrap_text and ws.row_dimensions[cell.row].height >= 24   # two lines at least


@pytest.mark.parametrize("participation", [None, {"1891394078": {2027: False}}])
def test_the_actions_listed_are_priced_as_the_full_table_prices_them(participation):
    # dashboard_numbers asks action_values for every action's value but prices the final scores before and
    # after only for the actions the dashboard lists: the dashboard is the one the full table gives, bit for bit
    # (also when a physician not participating leaves the list and others move up into it)
    from asm_xl.model.actions import PRICED_COLUMNS, action_values
    from asm_xl.model.rescoring import final_score_settings
    from asm_xl.workbooks.dashboard.compute import dashboard_numbers
    v = validate_roster(read_roster(SAMPLE)).valid
    scores = score_cohort(v).scores
    numbers = dashboard_numbers(v, scores, participation=participation)
    assert not set(PRICED_COLUMNS) & set(numbers.actions.columns)
    full = action_values(v, settings=final_score_settings(DEFAULT_SETTINGS), pool=numbers.pools, errors="skip")
    pd.testing.assert_frame_equal(numbers.actions, full.drop(columns=list(PRICED_COLUMNS)), check_exact=True)
    got, want = numbers.dashboard(), dataclasses.replace(numbers, actions=full).dashboard()
    assert len(got.top_actions) == 10 and list(got.top_actions.columns) == list(full.columns)
    for f in dataclasses.fields(got):
        if isinstance(getattr(got, f.name), pd.DataFrame):
            pd.testing.assert_frame_equal(getattr(got, f.name), getattr(want, f.name), check_exact=True)
        else:
            assert getattr(got, f.name) == getattr(want, f.name), f.name
