"""A generated workbook shows the core's numbers, for every roster (property test).

Random rosters (both cohorts, every performance year, blank and partial inputs, completeness
without eligible cases, points instead of rates, cost points or episode costs, minimum submission
missed, edited assumptions, reweighting on and off) go through ``generate_workbooks``; for every
physician every number the workbook shows (measure points and status, quality, cost, each
adjustment, final score, scaling factor, factor, dollars) must equal ``score_cohort``'s, the Actions
sheet ``participant_actions`` and ``project_five_years`` of the same inputs, and
recalculating the workbook with either engine must change nothing.
"""

from __future__ import annotations

import math
import shutil

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, note, settings as hyp_settings, strategies as st

from asm_xl.calc.recalc import recalc_file
from asm_xl.excel.table_functions import NO_ACTION
from asm_xl.model.actions import participant_actions
from asm_xl.model.benchmarks import Ladder, packaged_benchmarks
from asm_xl.model.exceptions import exception_label
from asm_xl.model.projection import project_five_years
from asm_xl.model.identifiers import npi_check_digit
from asm_xl.model.parameters import cohorts, get_cohort, performance_years, risk_level
from asm_xl.model.payment import adjustment_factor, transformed_final_score
from asm_xl.model.pool_choice import pricing_pool, roster_as_given
from asm_xl.model.pool_warnings import pool_warnings
from asm_xl.model.ranges import payment_ranges
from asm_xl.model.score_needed import break_even_score, score_for_gain_chance
from asm_xl.model.validation import as_bool, is_blank
from asm_xl.model.settings import Settings
from asm_xl.model.user_ladders import quality_ladders
from tests.model.strategies import user_ladder_rows
from asm_xl.workbooks import layout as L
from asm_xl.workbooks.sheets.actions import RANKED
from asm_xl.workbooks.batch import generate_workbooks
from asm_xl.model.cohort import score_cohort
from asm_xl.workbooks.sheets.score import IMPACT_LABEL

TOL = dict(rel_tol=1e-9, abs_tol=1e-9)
YEARS = performance_years()

#: Score sheet rows read by their label in column A (label → score_cohort column).
ADJUSTMENT_ROWS = {
    "Improvement activities adjustment": "ia_adjustment",
    "Promoting Interoperability adjustment": "pi_adjustment",
    "Complex patient bonus": "complex_bonus",
    "Small practice bonus": "practice_bonus",
}
NAMED_RESULTS = {"Sc_Quality": "quality", "Sc_Cost": "cost", "Sc_Final": "final_score",
                 "Sc_Scaling": "scaling_factor", "Sc_Factor": "factor", "Sc_Impact": "dollar_impact"}


# ------------------------------------------------------------------ strategies
def _npi(i: int) -> str:
    base = f"{100_000_000 + i:09d}"
    return base + str(npi_check_digit(base))


def _text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return repr(v)
    return str(v)


fractions = st.one_of(st.floats(0.0, 1.0, allow_nan=False, allow_subnormal=False),
                      st.sampled_from([0.0, 0.5, 0.74, 0.75, 0.76, 0.9, 1.0]))
points = st.one_of(st.floats(0.0, 10.0, allow_nan=False, allow_subnormal=False), st.sampled_from([0.0, 1.0, 7.0, 10.0]))


@st.composite
def measure_cells(draw, measure) -> dict:
    """The roster cells of one measure, as a practice might fill them (possibly none)."""
    k = measure.key
    if measure.administrative_claims_only:
        mode = draw(st.sampled_from(["blank", "rate", "rate_and_cases", "points"]))
        if mode == "blank":
            return {}
        rate = draw(st.one_of(st.floats(55.0, 85.0, allow_nan=False), st.sampled_from([60.42, 73.26])))
        if mode == "rate":
            return {f"{k}_rate": rate}
        if mode == "points":
            return {f"{k}_eligible": draw(st.integers(0, 200)), f"{k}_points": draw(points)}
        return {f"{k}_eligible": draw(st.integers(0, 200)), f"{k}_rate": rate}
    mode = draw(st.sampled_from(["blank", "cases", "cases", "completeness", "completeness_no_eligible",
                                 "points", "eligible_only"]))
    if mode == "blank":
        return {}
    cells: dict = {}
    ctype = draw(st.one_of(st.none(), st.sampled_from(measure.collection_types)))
    if ctype is not None:
        cells[f"{k}_collection_type"] = ctype
    eligible = draw(st.one_of(st.integers(0, 300), st.sampled_from([19, 20, 21])))
    if mode != "completeness_no_eligible":
        cells[f"{k}_eligible"] = eligible
    if mode == "cases":
        cells[f"{k}_reported"] = draw(st.integers(0, eligible))
        cells[f"{k}_rate"] = draw(fractions)
    elif mode in ("completeness", "completeness_no_eligible"):
        cells[f"{k}_completeness"] = draw(fractions)
        cells[f"{k}_rate"] = draw(fractions)
    elif mode == "points":
        cells[f"{k}_reported"] = draw(st.integers(0, eligible))
        cells[f"{k}_points"] = draw(points)
    return cells


@st.composite
def roster_rows(draw, year: int, ia_count: bool) -> dict:
    code = draw(st.sampled_from(("HF", "LBP")))
    cohort = get_cohort(code)
    row = {
        "specialty": draw(st.sampled_from(cohort.specialties)),
        "performance_year": year,
        "practice_size": draw(st.one_of(st.integers(1, 60), st.sampled_from([1, 2, 15, 16]))),
        "part_b_payments": draw(st.one_of(st.floats(1_000.0, 2_000_000.0, allow_nan=False),
                                          st.sampled_from([0.0, 250_000.0]))),
        "pi_score": draw(fractions),
        "complex_bonus": draw(st.one_of(st.none(), st.floats(0.0, 10.0, allow_nan=False))),
        "submitted_on_time": draw(st.sampled_from([None, True, True, True, False])),
        "small_practice": draw(st.sampled_from([None, None, True, False])),
        "euc_exception": draw(st.sampled_from([None, False, False, True])),
        "payment_exception": draw(st.sampled_from([None, False, False, True])),
    }
    if row["small_practice"] is not None and draw(st.booleans()):
        row["practice_size"] = None   # CMS's flag decides the bonus [spec 8.1]: the size may be blank (not solo)
    if ia_count:
        row["ia_done"] = draw(st.integers(0, 2))
    else:
        row["ia1_done"], row["ia2_done"] = draw(st.booleans()), draw(st.booleans())
    cost = draw(st.sampled_from(["points", "points", "episode_cost", "too_few_episodes"]))
    if cost == "too_few_episodes":  # no cost score: nothing else about cost is needed
        row["cost_episodes"] = draw(st.one_of(st.none(), st.integers(0, 19)))
    else:
        row["cost_episodes"] = draw(st.one_of(st.integers(0, 80), st.sampled_from([19, 20])))
    if cost == "points":
        row["cost_points"] = draw(st.floats(1.0, 10.0, allow_nan=False))
    elif cost == "episode_cost":
        row["episode_cost"] = draw(st.floats(5_000.0, 40_000.0, allow_nan=False))
    for m in cohort.measures:
        row.update(draw(measure_cells(m)))
    return row


@st.composite
def rosters(draw) -> pd.DataFrame:
    """A roster as read_roster gives it: every cell text, "" when blank."""
    year = draw(st.sampled_from(YEARS))
    rows = draw(st.lists(roster_rows(year, draw(st.booleans())), min_size=1, max_size=4))
    df = pd.DataFrame([{k: _text(v) for k, v in r.items()} for r in rows]).fillna("")
    df.insert(0, "name", [f"Physician {i}" for i in range(len(df))])
    df.insert(0, "npi", [_npi(i) for i in range(len(df))])
    return df.astype(object)


assumption_edits = st.fixed_dictionaries({}, optional={
    "reweight_unscored_category": st.booleans(),
    "quality_weight": st.sampled_from([0.4, 0.6]),
    "completeness_threshold": st.sampled_from([0.7, 0.8]),
    "case_minimum": st.sampled_from([15, 25]),
    "tfs_midpoint": st.sampled_from([45.0, 55.0]),
    "tfs_steepness": st.sampled_from([0.08, 0.12]),
    "small_practice_bonus": st.sampled_from([5.0]),
    "bound_factors": st.booleans(),
    "pool_definition": st.sampled_from(["positive_85_of_negative"]),
    "topped_out_cap": st.sampled_from([8.0]),
    "benchmark_year": st.sampled_from([2021]),  # Q377 and Q492 have no 2021 ladder: excluded, no benchmark
    "tfs_midpoint_mode": st.sampled_from(["cohort_median"]),
    "exceptions_neutral": st.booleans(),
})
#: the three pools (README "Which pool prices the score?"): what each adds to the settings
POOLS = {"national": {}, "roster": {"pool": "roster"},
         "given": {"pool": "given", "given_scaling_factor": 1.62, "given_midpoint": 55.0}}


# ------------------------------------------------------------------ what the workbook shows
def _named_cell(wb, name: str):
    sheet, ref = next(iter(wb.defined_names[name].destinations))
    return wb[sheet][ref.replace("$", "")].value


def _named_row(wb, name: str) -> int:
    sheet, ref = next(iter(wb.defined_names[name].destinations))
    return wb[sheet][ref.replace("$", "")].row


def _named_range(wb, name: str) -> list[list]:
    sheet, ref = next(iter(wb.defined_names[name].destinations))
    return [[c.value for c in r] for r in wb[sheet][ref.replace("$", "")]]


def _by_label(ws, label: str):
    hits = [row[1].value for row in ws.iter_rows(min_col=1, max_col=2) if row[0].value == label]
    assert len(hits) == 1, label
    return hits[0]


def _same(shown, expected, what) -> None:
    if expected is None or (isinstance(expected, float) and math.isnan(expected)) or expected is pd.NA:
        assert shown in ("#N/A", "", None), (what, shown, expected)
        return
    assert isinstance(shown, (int, float)) and not isinstance(shown, bool), (what, shown, expected)
    assert math.isclose(shown, float(expected), **TOL), (what, shown, expected)


def _status_kind(text) -> str:
    t = str(text or "").strip().casefold()
    if t.startswith("scored"):
        return "scored"
    if t.startswith("0 points"):
        return "zero"
    if t.startswith("excluded"):
        return "excluded"
    return t


def _check_measures(ws, core_row, cohort) -> None:
    for i, m in enumerate(cohort.measures):
        r = L.SCORE_MEASURE_FIRST_ROW + i
        assert ws[f"A{r}"].value == m.label
        status = core_row[f"{m.key}_status"]
        assert _status_kind(ws[f"F{r}"].value) == _status_kind(status), (m.label, ws[f"F{r}"].value, status)
        counted = ws[f"G{r}"].value
        if _status_kind(status) == "excluded":
            assert counted == "excluded", (m.label, counted)
        else:
            _same(counted, core_row[f"{m.key}_points"], (m.label, "points"))


def _range_cells(wb, name: str) -> list:
    sheet, ref = next(iter(wb.defined_names[name].destinations))
    return [c.value for row in wb[sheet][ref.replace("$", "")] for c in row]


def _check_range(wb, core, what, source: str) -> None:
    """P10 / P50 / P90 factor and dollars, the chance of a gain and the pool's source."""
    assert _range_cells(wb, "Sc_RangePercentiles") == [10, 50, 90]
    for name, cols in (("Sc_RangeFactor", ["factor_p10", "factor_p50", "factor_p90"]),
                       ("Sc_RangeDollars", ["dollars_p10", "dollars_p50", "dollars_p90"])):
        for shown, col in zip(_range_cells(wb, name), cols):
            _same(shown, None if pd.isna(core[col]) else float(core[col]), (what, name, col))
    _same(_named_cell(wb, "Sc_GainChance"), None if pd.isna(core["p_gain"]) else float(core["p_gain"]),
          (what, "Sc_GainChance"))
    assert _named_cell(wb, "Sc_Pool") == source


def _check_needed(wb, core_row, s: Settings, excepted: bool) -> None:
    """The score needed (break-even, the target chance of a gain) equals the model's in the workbook's pool, and
    its points to go are what the final score lacks; an excepted participant needs none (#N/A, blank to go)."""
    cohort, year = core_row["cohort"], int(core_row["performance_year"])
    final = _named_cell(wb, "Sc_Final")
    for name, want in (("Sc_BreakEven", break_even_score(cohort, year, settings=s)),
                       ("Sc_GainTarget", score_for_gain_chance(cohort, year, settings=s))):
        shown = _named_cell(wb, name)
        to_go = wb[L.SCORE].cell(_named_row(wb, name), 3).value
        if excepted or want is None:
            assert shown == "#N/A" and to_go in ("", None), (name, shown, to_go)
        else:
            _same(shown, want, name)
            _same(to_go, max(0.0, want - final) if isinstance(final, float) else None, (name, "to go"))


def _check_band(wb, core_row, s: Settings, excepted: bool) -> None:
    """The Scenarios band: the exchange curve at P10 and P90 of the same pool (an excepted participant's:
    neutral, 0 everywhere, as the curve itself; it had drawn a full band around a flat curve)."""
    ws = wb[L.SCENARIOS]
    steps = [ws[f"A{r}"].value for r in range(5, 26)]
    rng = pricing_pool(core_row["cohort"], int(core_row["performance_year"]), s).price(steps)
    for i, r in enumerate(range(5, 26)):
        _same(ws[f"M{r}"].value, 0.0 if excepted else float(rng.factor_p10[i]), ("band P10", steps[i]))
        _same(ws[f"N{r}"].value, 0.0 if excepted else float(rng.factor_p90[i]), ("band P90", steps[i]))
    # the curve itself at the workbook's scaling factor (an excepted participant: 0 everywhere)
    sf = _named_cell(wb, "Sc_Scaling")
    r_level = risk_level(int(core_row["performance_year"]))
    for i, r in enumerate(range(5, 26)):
        tfs = transformed_final_score(float(steps[i]), midpoint=float(core_row["tfs_midpoint"]), settings=s)
        want = float(adjustment_factor(float(steps[i]), tfs, r_level, sf, settings=s))
        _same(ws[f"B{r}"].value, 0.0 if excepted else want, ("curve", steps[i]))


#: the Inputs sheet's cells as roster columns (the sheet's own names; independent of ASM_ACTIONS' reading)
INPUT_COLUMNS = {"In_Cohort": "cohort", "In_Year": "performance_year", "In_PracticeSize": "practice_size",
                 "In_Payments": "part_b_payments", "In_OnTime": "submitted_on_time", "In_SmallPractice": "small_practice",
                 "In_Episodes": "cost_episodes", "In_EpisodeCost": "episode_cost", "In_CostPoints": "cost_points",
                 "In_IA1": "ia1_done", "In_IA2": "ia2_done", "In_PI": "pi_score", "In_Complex": "complex_bonus",
                 "In_EUC": "euc_exception", "In_PaymentException": "payment_exception"}
MEASURE_COLUMNS = {"C": "collection_type", "D": "eligible", "E": "reported", "F": "rate", "G": "points",
                   "H": "completeness"}


def _row_as_the_workbook_holds_it(wb, cohort) -> dict:
    row = {col: _named_cell(wb, name) for name, col in INPUT_COLUMNS.items()}
    ws = wb[L.INPUTS]
    for i, m in enumerate(cohort.measures):
        r = L.MEASURE_FIRST_ROW + i
        assert ws[f"A{r}"].value == m.label
        row.update({f"{m.key}_{field}": ws[f"{c}{r}"].value for c, field in MEASURE_COLUMNS.items()})
    return {k: v for k, v in row.items() if v not in (None, "")}


def _check_actions(wb, core_row, cohort, s: Settings, excepted: bool, ladders=None) -> None:
    """The Actions sheet: the ranked actions equal participant_actions of the physician's inputs, the
    projection equals project_five_years (both with the workbook's settings)."""
    ws = wb[L.ACTIONS]
    row = _row_as_the_workbook_holds_it(wb, cohort)
    # the ladder the Score sheet scores an episode cost on (empty: none, episode cost not scored)
    ladder = [v for r in _named_range(wb, "CostLadder") for v in r]
    want = participant_actions(row, settings=s, cost_ladders={cohort.code: Ladder(tuple(map(float, ladder)), inverse=True)}
                               if all(v is not None for v in ladder) else {cohort.code: None}, ladders=ladders)
    first = L.ACTIONS_FIRST_ROW
    shown = [[ws.cell(first + k, c).value for c in range(1, 6)] for k in range(L.ACTION_ROWS)]
    assert ws["A4"].value == RANKED, ws["A4"].value
    if want.empty:
        assert shown[0][0] == NO_ACTION and all(v in ("", None) for r in shown[1:] for v in r)
    else:
        assert len(want) <= L.ACTION_ROWS
        for got, a in zip(shown, want.itertuples()):
            assert got[0] == a.label
            for v, w in zip(got[1:], (a.final_change, a.value_p50, a.value_p10, a.value_p90)):
                _same(v, float(w), ("action", a.label))
        assert all(v in ("", None) for r in shown[len(want):] for v in r)
    head = L.PROJECTION_HEADER_ROW
    proj = [[ws.cell(head + 1 + k, c).value for c in range(1, 9)] for k in range(5)]
    model = project_five_years(pd.DataFrame([row]), settings=s, ladders=ladders)
    if pd.isna(core_row["final_score"]):
        assert model.empty and all(v in ("", None) for r in proj for v in r)
        return
    # the sheet projects from the physician's performance year: its cumulative P50 starts there
    model = model[model["performance_year"] >= int(core_row["performance_year"])].copy()
    model["cumulative_p50"] = model["dollars_p50"].cumsum()
    assert len(model) == sum(r[0] not in ("", None) for r in proj)
    cols = ["dollars_at_risk", "dollars_p10", "dollars_p50", "dollars_p90", "cumulative_p50"]
    for got, (_, m) in zip(proj, model.iterrows()):
        assert got[:3] == [int(m.performance_year), int(m.payment_year), m.risk_level]
        # an exception: its own year neutral ($0), later years priced as usual, as the core decides
        for v, c in zip(got[3:], cols):
            _same(v, float(m[c]), ("projection", m.performance_year, c))
    if excepted:
        assert proj[0][4:8] == [0, 0, 0, 0], proj[0]


def _check_ladders(wb, s: Settings, ladders=None) -> None:
    """The Benchmarks sheet: for each cohort, measure and collection type, the ladder the core scores on
    (the user's, else BenchmarkTable.find with the settings' benchmark_year), or that there is none."""
    ws = wb[L.BENCHMARKS]
    table = packaged_benchmarks()
    r = 5
    for c in cohorts().values():
        for m in c.measures:
            for ctype in m.collection_types:
                row = [ws.cell(row=r, column=k).value for k in range(1, 18)]
                assert row[:3] == [c.code, m.label, ctype], (r, row)
                yours = ladders.get(m.id, ctype) if ladders else None
                lad = yours or table.find(m.id, ctype, s.benchmark_year)
                if yours is not None:
                    assert row[3] == "yours" + (f": {yours.note}" if yours.note else ""), row
                    assert row[4:6] == ["Yes" if yours.inverse else "No", "Yes" if yours.topped_out else "No"], row
                    assert tuple(row[7:]) == yours.starts, row
                elif lad is None:
                    assert isinstance(row[3], str) and row[3].startswith("no benchmark"), row
                    assert all(v in ("", None) for v in row[4:]), row
                else:
                    assert row[3:6] == [lad.performance_year, "Yes" if lad.inverse else "No",
                                        "Yes" if lad.topped_out else "No"], row
                    assert tuple(row[7:]) == lad.starts, row
                r += 1
    assert ws.cell(row=r, column=1).value in ("", None)


def _flags(roster_row) -> tuple[bool, bool]:
    """The roster row's exception flags (text "yes"/"no"/"")."""
    return tuple(not is_blank(roster_row.get(c)) and as_bool(c, roster_row.get(c))
                 for c in ("euc_exception", "payment_exception"))


def _excepted(roster_row, s: Settings) -> bool:
    """An exception flag of the roster row is set and applies (exceptions_neutral, by hand)."""
    return any(_flags(roster_row)) and s.exceptions_neutral


def _book_settings(core_row, s: Settings, pools) -> Settings:
    """The settings a workbook is written with: a roster pool becomes a given pool of the roster's own
    scaling factor and midpoint, said to be the roster's (asm_xl.workbooks.batch), the others are as given."""
    if s.pool != "roster":
        return s
    pool = pools[(pools["cohort"] == core_row["cohort"])
                 & (pools["performance_year"] == int(core_row["performance_year"]))].iloc[0]
    return roster_as_given(core_row["cohort"], pool["participants"], core_row["scaling_factor"],
                           core_row["tfs_midpoint"], s)


@pytest.fixture(scope="module")
def formulas_cache():
    from asm_xl.calc.recalc import ModelCache
    return ModelCache()


@hyp_settings(max_examples=25, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                     HealthCheck.function_scoped_fixture])
@given(roster=rosters(), edits=assumption_edits, pool=st.sampled_from(sorted(POOLS)),
       ladder_rows=st.one_of(st.just([]), user_ladder_rows(every=True), user_ladder_rows(min_size=1, max_size=4)))
def test_every_number_a_generated_workbook_shows_equals_the_core(roster, edits, pool, ladder_rows, tmp_path_factory,
                                                                 formulas_cache):
    note(repr(roster.to_dict('records')))
    ladders = quality_ladders(ladder_rows) or None   # the user's quality ladders (spec 3.2), or none
    # a small peer model keeps each example fast; the range cells must equal the core's all the same
    s = Settings().replace(peer_draws=40, peer_seed=len(roster), **POOLS[pool], **edits)
    scored = score_cohort(roster, settings=s, ladders=ladders)
    assert scored.errors.empty, scored.errors.to_dict("records")
    bench = scored.scores.filter(like="_benchmark").astype(str)
    event(f"a measure scored on a user ladder: {bench.apply(lambda c: c.str.startswith('your ladder')).any().any()}")
    out = tmp_path_factory.mktemp("prop")
    report = generate_workbooks(roster, out_dir=out, settings=s, ladders=ladders)
    ranges = payment_ranges(scored.scores, settings=s)
    assert report.exit_code == 0 and len(report.written) == len(roster)
    for path, (idx, core_row) in zip(report.written, scored.scores.iterrows()):
        wb = openpyxl.load_workbook(path, data_only=True)
        cohort = get_cohort(core_row["cohort"])
        for name, column in NAMED_RESULTS.items():
            expected = core_row[column]
            _same(_named_cell(wb, name), None if pd.isna(expected) else float(expected), (path.name, name))
        for label, column in ADJUSTMENT_ROWS.items():
            _same(_by_label(wb[L.SCORE], label), float(core_row[column]), (path.name, label))
        _check_measures(wb[L.SCORE], core_row, cohort)
        assert _by_label(wb[L.SCORE], "Exception or not participating (no adjustment)") == \
            exception_label(*_flags(roster.loc[idx]), settings=s)
        assert bool(core_row["exception"]) == _excepted(roster.loc[idx], s)
        book = _book_settings(core_row, s, scored.pools)
        code, year = core_row["cohort"], int(core_row["performance_year"])
        # the pool's source, and what to check about the pool the workbook holds (a roster pool whose scaling
        # factor is 0, no final score above 0, is a given pool of 0 there: warned about)
        _check_range(wb, ranges.loc[idx], path.name, "; ".join(
            [pricing_pool(code, year, book).source] + [f"warning: {w}" for w in pool_warnings(code, year, book)]))
        if path == report.written[0]:
            _check_band(wb, core_row, book, _excepted(roster.loc[idx], s))
            _check_ladders(wb, book, ladders)
        _check_actions(wb, core_row, cohort, book, _excepted(roster.loc[idx], s), ladders)
        _check_needed(wb, core_row, book, _excepted(roster.loc[idx], s))
        min_met = _named_cell(wb, "Sc_MinSubmission")
        assert min_met == ("Yes" if core_row["minimum_submission_met"] else "No")
        # recalculating changes nothing, with either engine (the general one, ~0.2 s a workbook, on the
        # first workbook of each roster)
        for engine in ("auto", "formulas") if path == report.written[0] else ("auto",):
            copy = out / f"recalc-{engine}-{path.name}"
            shutil.copyfile(path, copy)
            kw = {"cache": formulas_cache} if engine == "formulas" else {}
            assert recalc_file(copy, check=True, engine=engine, **kw) == [], (engine, path.name)


# ------------------------------------------------------------------ LibreOffice, on a sample
SCORE_SHEET_CSV = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,2"


def test_libreoffice_shows_the_cores_numbers_for_edge_rows_and_edited_assumptions(tmp_path):
    """Completeness without eligible cases, a cleared collection type, no cost score with reweighting
    off and a 60% quality weight: LibreOffice (no add-in, no recalculation) shows the core's figures."""
    import csv
    import os
    import subprocess
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    roster = pd.DataFrame([
        {"npi": _npi(1), "name": "Edge HF", "specialty": "Cardiology", "performance_year": "2028",
         "practice_size": "3", "part_b_payments": "250000", "cost_episodes": "12", "ia_done": "1",
         "pi_score": "0.8", "q008_eligible": "60", "q008_reported": "60", "q008_rate": "0.90",
         "q236_completeness": "0.9", "q236_rate": "0.72"},
        {"npi": _npi(2), "name": "Edge LBP", "specialty": "Pain Management", "performance_year": "2028",
         "practice_size": "40", "part_b_payments": "180000", "cost_episodes": "45", "cost_points": "6.5",
         "ia1_done": "yes", "ia2_done": "no", "pi_score": "1", "q220_eligible": "80", "q220_reported": "70",
         "q220_rate": "0.65", "q134_eligible": "50", "q134_completeness": "0.8", "q134_points": "7.25"},
    ], dtype=object).fillna("")
    s = Settings().replace(reweight_unscored_category=False, quality_weight=0.6)
    scored = score_cohort(roster, settings=s)
    report = generate_workbooks(roster, out_dir=tmp_path / "wb", settings=s)
    assert report.exit_code == 0
    env = {**os.environ, "HOME": str(tmp_path / "home")}
    for path, (_, core_row) in zip(report.written, scored.scores.iterrows()):
        out = tmp_path / "out" / path.stem
        cmd = [soffice, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless", "--norestore",
               "--convert-to", SCORE_SHEET_CSV, "--outdir", str(out), str(path)]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=240)
        assert proc.returncode == 0, proc.stderr
        (csv_file,) = out.glob("*.csv")
        with open(csv_file, encoding="utf-8", newline="") as fh:
            shown = {r[0]: r[1] for r in csv.reader(fh) if len(r) > 1}
        final = float(shown["Final score (0-100)"])
        assert abs(final - core_row["final_score"]) <= 0.005, (path.name, final, core_row["final_score"])
        factor = float(shown["Payment adjustment factor"].rstrip("%")) / 100
        assert abs(factor - core_row["factor"]) <= 0.00005, (path.name, factor, core_row["factor"])
        dollars = float(shown[IMPACT_LABEL].replace("$", "").replace(",", ""))
        assert abs(dollars - core_row["dollar_impact"]) <= 0.5, (path.name, dollars, core_row["dollar_impact"])
