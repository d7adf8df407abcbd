"""The vectorized cohort API: pools, error rows, not-scored values, and agreement with the scalar API."""

import math

import numpy as np
import pandas as pd

from asm_xl.model.identifiers import npi_check_digit
import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from asm_xl import score_participant
from asm_xl.model.cohort import ERROR_COLUMNS, score_cohort
from asm_xl.model.settings import Settings
from cohort_rows import hf_row, lbp_row

from tests.model.strategies import cohort_frames, row_to_participant

TFS80 = 1.0 / (1.0 + math.exp(-3.0))
#: the roster as the whole cohort: its own scaling factor (the pool's budget identity holds)
ROSTER = Settings(pool="roster")
FLOAT_COLUMNS = ["quality", "cost_points", "cost", "quality_weight", "cost_weight", "final_score", "tfs",
                 "factor", "multiplier", "dollar_impact", "percentile_rank"]


# ---------------------------------------------------------------- a pool by hand
def test_pool_scaling_factor_factors_and_dollars_by_hand():
    # A: points 8, cost 8 -> final 80; B: points 5, cost 5 -> final 50; C: late submission -> final 0
    # P = 200k, 100k, 100k; SF = 0.85 x 400k / (100k x 0.5 + 200k x TFS80) = 340,000 / 240,514.83
    df = pd.DataFrame([hf_row(8, 8, part_b_payments=200_000), hf_row(5, 5),
                       hf_row(5, 5, submitted_on_time="no")], index=["A", "B", "C"])
    res = score_cohort(df, settings=ROSTER)
    sc = res.scores
    assert res.errors.empty
    assert sc["final_score"].tolist() == [pytest.approx(80.0, rel=1e-15), 50.0, 0.0]
    sf = 340_000 / (50_000 + 200_000 * TFS80)
    assert res.pools["scaling_factor"].iloc[0] == pytest.approx(sf, rel=1e-14)
    assert res.pools["scaling_method"].iloc[0] == "closed form"
    assert res.pools["payment_year"].iloc[0] == 2029 and res.pools["risk_level"].iloc[0] == 0.09
    expected = [0.09 * TFS80 * sf - 0.09, 0.09 * 0.5 * sf - 0.09, -0.09]
    assert sc["factor"].tolist() == [pytest.approx(x, rel=1e-12) for x in expected]
    # budget: sum P x factor = -0.15 x 0.09 x 400,000 = -5,400
    assert float(sc["dollar_impact"].sum()) == pytest.approx(-5_400.0, rel=1e-12)
    assert res.pools["dollar_impact"].iloc[0] == pytest.approx(-5_400.0, rel=1e-12)
    assert sc["cohort_rank"].tolist() == [1, 2, 3]
    assert sc["note"].iloc[2] == "Minimum data submission not met: final score 0 [CMS]."


def test_a_roster_pool_whose_budget_cannot_balance_says_so():
    # A late submitter with $900k (-r: -81,000) beside one physician at 50 with $100k: the budget identity
    # 100,000 x f_B - 81,000 = -0.15 x 0.09 x 1,000,000 = -13,500 needs f_B = 0.675, far over +r (0.09).
    # scaling_method said "budget unattainable" in the pools table, which no user reads; the console said nothing
    df = pd.DataFrame([hf_row(5, 5, part_b_payments=100_000),
                       hf_row(5, 5, submitted_on_time="no", part_b_payments=900_000)], index=["B", "C"])
    res = score_cohort(df, settings=ROSTER)
    assert res.pools["scaling_method"].iloc[0] == "budget unattainable"
    [said] = [w for w in res.warnings if "cannot pay back its budget" in w]
    sf = res.pools["roster_scaling_factor"].iloc[0]
    assert said.endswith(f"its scaling factor {sf:.4g} is only the least that gives each of them +r [ASSUMPTION] "
                         "(performance year 2027)")
    assert res.scores["factor"].tolist() == [pytest.approx(0.09), -0.09]
    # a pool that balances says nothing of it
    ok = score_cohort(pd.DataFrame([hf_row(8, 8), hf_row(5, 5)]), settings=ROSTER)
    assert not any("cannot pay back" in w for w in ok.warnings)


def test_cohort_api_reproduces_cms_quality_example():
    row = hf_row(cost=8, q008_eligible=65, q008_reported=65, q008_points=9.5,
                 q005_eligible=60, q005_completeness=0.70,
                 q236_eligible=85, q236_completeness=0.92, q236_points=8.5,
                 q377_eligible=85, q377_completeness=0.95, q377_points=7,
                 q492_eligible=18, q492_rate=70.0)
    sc = score_cohort(pd.DataFrame([row])).scores
    assert sc["quality"].iloc[0] == 0.625                           # 25 / 40
    assert sc["q492_status"].iloc[0] == "excluded: fewer eligible cases than the case minimum"
    assert sc["q005_status"].iloc[0] == "0 points: data completeness below the threshold"
    # CMS's table shows the excluded measure as "-" (as the workbook does): no points, not a 0 to be summed
    assert math.isnan(sc["q492_points"].iloc[0]) and sc["q005_points"].iloc[0] == 0.0
    assert sc[["q008_points", "q005_points", "q236_points", "q377_points"]].iloc[0].sum() / 40 == 0.625


def test_heart_failure_and_low_back_pain_never_share_a_pool():
    df = pd.DataFrame([hf_row(8), hf_row(5), lbp_row(), lbp_row(q238_rate=0.01)])
    res = score_cohort(df, settings=ROSTER)
    assert res.pools[["cohort", "participants"]].values.tolist() == [["HF", 2], ["LBP", 2]]
    for code, grp in res.scores.groupby("cohort"):
        P, f = grp["part_b_payments"].to_numpy(), grp["factor"].to_numpy(dtype=float)
        assert float(np.dot(P, f)) == pytest.approx(-0.15 * 0.09 * P.sum(), rel=1e-12)


def test_performance_years_are_separate_pools_with_their_risk_levels():
    df = pd.DataFrame([hf_row(8), hf_row(5, performance_year=2031)])
    res = score_cohort(df)
    assert res.pools[["performance_year", "risk_level", "payment_year"]].values.tolist() == [
        [2027, 0.09, 2029], [2031, 0.12, 2033]]


def test_scores_keep_the_input_index_and_order():
    df = pd.DataFrame([lbp_row(), hf_row(8), lbp_row(q238_rate=0.3), hf_row(3)], index=["z", "b", "y", "a"])
    assert score_cohort(df).scores.index.tolist() == ["z", "b", "y", "a"]


def test_identifiers_are_shown_without_the_spaces_around_them_in_the_roster_cell():
    # the workbook and the index show " 1815365790 " as 1815365790: the scores (score CSV, dashboard) too,
    # so that a lookup by NPI finds the row
    df = pd.DataFrame([hf_row(8, npi="  1815365790 ", tin=" 123456789", name="Kowalski, Anna ")])
    scores = score_cohort(df).scores
    assert scores[["npi", "tin", "name"]].iloc[0].tolist() == ["1815365790", "123456789", "Kowalski, Anna"]


def test_a_claims_measure_scored_without_a_case_count_says_the_case_minimum_stands_in_as_the_scalar_api_does():
    df = pd.DataFrame([hf_row(8, q492_rate=72.4), hf_row(8, q492_rate=72.4, q492_eligible=35)])
    scores = score_cohort(df).scores
    note = "; cases not given: 20 assumed [ASSUMPTION]"
    assert scores["q492_status"].tolist() == ["scored" + note, "scored"]
    one = score_participant(row_to_participant(df.iloc[0].to_dict()))
    assert [m.status_text for m in one.measures if m.measure == "Q492"] == ["scored" + note]


def test_column_names_are_case_and_space_insensitive():
    df = pd.DataFrame([hf_row(8)]).rename(columns={"pi_score": " PI_Score ", "cohort": "Cohort"})
    assert score_cohort(df).scores["final_score"].iloc[0] == pytest.approx(80.0, rel=1e-15)


def test_ia_yes_no_columns_count_activities():
    # ia1 yes, ia2 no -> one activity -> -10: final 80 - 10 = 70
    row = hf_row(8, ia1_done="yes", ia2_done="no")
    del row["ia_done"]
    assert score_cohort(pd.DataFrame([row])).scores["final_score"].iloc[0] == pytest.approx(70.0, rel=1e-14)


def test_cohort_deciles_benchmark_source_scores_on_the_pools_own_rates():
    # Q238 rates 0.00..0.99 across 100 LBP participants (inverse): B1 = p99 = 98.01, B2 = p90 = 89.1,
    # ..., B10 = p10 = 9.9. Rate 0.50 -> 50 <= B6 = p50 = 49.5? no (50 > 49.5); <= B5 = p60 = 59.4:
    # k = 5, points = 5 + |50 - 59.4| / |49.5 - 59.4| = 5 + 9.4 / 9.9
    df = pd.DataFrame([lbp_row(q238_rate=i / 100) for i in range(100)])
    res = score_cohort(df, benchmark_source="cohort")
    assert res.scores["q238_points"].iloc[50] == pytest.approx(5 + 9.4 / 9.9, rel=1e-9)
    assert res.scores["q238_benchmark"].iloc[50] == "cohort deciles"


# ---------------------------------------------------------------- bad rows
def test_bad_rows_are_reported_and_good_rows_still_scored():
    rows = [
        hf_row(8, npi="1000000012"),                                          # 0 good
        hf_row(8, npi="1000000020", pi_score=1.2),                            # 1 fraction above 1
        hf_row(8, npi="1000000038", q236_eligible=-5),                        # 2 negative cases
        hf_row(8, npi="1000000046", q236_completeness=None, q236_reported=120, q236_eligible=100),  # 3 reported > eligible
        hf_row(8, npi="1000000053", q238_rate=0.05),                          # 4 measure of the other cohort
        hf_row(8, npi="1000000061", performance_year=2026),                   # 5 unknown year
        lbp_row(npi="1000000079"),                                            # 6 good
        lbp_row(npi="1000000087", q238_collection_type="fax"),                # 7 unknown collection type
        hf_row(8, npi="1000000012"),                                          # 8 duplicate of row 0
    ]
    res = score_cohort(pd.DataFrame(rows))
    assert res.scores.index.tolist() == [0, 6]
    assert list(res.errors.columns) == ERROR_COLUMNS
    err = {r.row: r for r in res.errors.itertuples()}
    assert (err[1].column, err[1].value, err[1].reason) == (
        "pi_score", 1.2, "must be a fraction between 0 and 1, where 70% is 0.70")
    assert (err[2].column, err[2].value, err[2].reason) == ("q236_eligible", -5, "must be a whole number >= 0")
    assert (err[3].column, err[3].value, err[3].reason) == ("q236_reported", 120, "must be at most q236_eligible (100)")
    assert (err[4].column, err[4].value, err[4].reason) == (
        "q238_rate", 0.05, "Q238 is not a measure of this participant's cohort")
    assert (err[5].column, err[5].value, err[5].reason) == ("performance_year", 2026, "must be a performance year 2027-2031")
    assert err[7].column == "q238_collection_type" and err[7].value == "fax"
    assert err[8].column == "npi" and err[8].reason == "duplicate participant (same NPI, TIN and year as row 0)"
    assert err[1].npi == "1000000020"
    assert len(res.errors) == 7


def test_a_duplicate_is_the_same_npi_tin_digits_and_year_number_as_the_roster_check_says():
    rows = [hf_row(8, npi="1000000012", tin="12-3456789"),
            hf_row(8, npi="1000000012", tin="123456789", performance_year="2027.0"),   # the same participant
            hf_row(8, npi="1000000012", tin="98-7654321")]                           # another TIN: not a duplicate
    res = score_cohort(pd.DataFrame(rows))
    assert res.scores.index.tolist() == [0, 2]
    assert res.errors[["row", "column", "reason"]].values.tolist() == [
        [1, "npi", "duplicate participant (same NPI, TIN and year as row 0)"]]


def test_every_bad_value_of_a_row_is_reported():
    res = score_cohort(pd.DataFrame([hf_row(8, pi_score=-0.1, practice_size=0, ia_done=5)]))
    assert res.scores.empty and set(res.errors["column"]) == {"pi_score", "practice_size", "ia_done"}


def test_missing_required_values_are_reported():
    row = hf_row(8)
    row.update(pi_score=None, part_b_payments=None, cohort=None)
    res = score_cohort(pd.DataFrame([row]))
    reasons = dict(zip(res.errors["column"], res.errors["reason"]))
    assert reasons["pi_score"] == "required: a fraction between 0 and 1, where 70% is 0.70"
    assert reasons["part_b_payments"] == "required: dollars between 0 and 1,000,000,000"
    assert reasons["cohort"] == "required: a cohort (HF, LBP) or an ASM specialty"


def test_text_numbers_and_blank_text_cells_are_read():
    row = hf_row(8, pi_score=" 0.5 ", part_b_payments="1,000", complex_bonus="  ")
    sc = score_cohort(pd.DataFrame([row], dtype=object)).scores
    # PI 0.5 -> -5: final 75
    assert sc["final_score"].iloc[0] == pytest.approx(75.0, rel=1e-14) and sc["part_b_payments"].iloc[0] == 1000.0


# ---------------------------------------------------------------- not-scored values
def test_not_scored_values_are_na_never_nan_and_get_no_factor():
    # row 1: every measure < 20 cases and 19 episodes -> neither category scored: no final score,
    # no factor (not -r) and left out of the pool; row 2: cost not scored (weight to quality)
    low = {f"{m}_{f}": v for m in ("q008", "q005", "q236", "q377")
           for f, v in (("eligible", 10), ("reported", 10), ("rate", 0.9))}
    df = pd.DataFrame([hf_row(8), hf_row(None, cost_episodes=19, **low), hf_row(6, cost_episodes=5)])
    res = score_cohort(df)
    sc = res.scores
    for c in FLOAT_COLUMNS:
        assert not np.isnan(sc[c].to_numpy(dtype=float, na_value=0.0)).any(), c
    assert sc.loc[1, ["quality", "cost", "final_score", "tfs", "factor", "multiplier", "dollar_impact",
                      "percentile_rank", "cohort_rank"]].isna().all()
    assert sc.loc[1, "note"] == ("Neither quality nor cost is scored: the final score cannot be computed."
                                 " Left out of the pool. Cost: 19 episodes, fewer than 20 [REG].")
    assert pd.isna(sc.loc[2, "cost"]) and sc.loc[2, "quality_weight"] == 1.0
    assert sc.loc[2, "final_score"] == pytest.approx(60.0, rel=1e-14)          # 100 x 0.6
    assert res.pools["participants"].iloc[0] == 2 and sc["cohort_size"].iloc[0] == 2
    assert res.pools["part_b_payments"].iloc[0] == 200_000.0
    # every other numeric column is NaN-free
    num = sc.select_dtypes("number")
    assert not any(np.isnan(num[c].to_numpy(dtype=float, na_value=0.0)).any() for c in num.columns)


def test_typed_completeness_without_reported_data_does_not_meet_minimum_submission():
    # Regression: Q134 completeness 0.9 but no cases, rate or points -> "not reported"; it must not
    # satisfy the minimum-submission rule (the scalar API already said so: final 0 in both APIs).
    row = lbp_row(q238_eligible=None, q238_reported=None, q238_rate=None, q134_completeness=0.9)
    sc = score_cohort(pd.DataFrame([row])).scores
    assert not sc["minimum_submission_met"].iloc[0] and sc["final_score"].iloc[0] == 0.0
    assert score_participant(row_to_participant(row)).final_score == 0.0


# ---------------------------------------------------------------- properties
COMPARED = ("final_score", "quality", "cost", "factor", "dollar_impact")


def _same(a, b) -> bool:
    if a is None or pd.isna(b):
        return a is None and pd.isna(b)
    return math.isclose(a, float(b), rel_tol=1e-12, abs_tol=1e-12)


@hsettings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(df=cohort_frames(max_size=12, flags=True))
def test_scalar_api_equals_cohort_api(df):
    res = score_cohort(df)
    assert res.errors.empty, res.errors.to_dict("records")
    assert len(res.scores) == len(df)
    pools = res.pools.set_index(["cohort", "performance_year"])
    for i, row in zip(df.index, df.to_dict("records")):
        sf, mid = pools.loc[(row["cohort"], row["performance_year"]), ["scaling_factor", "tfs_midpoint"]]
        s = score_participant(row_to_participant(row), scaling_factor=float(sf), tfs_midpoint=float(mid))
        got = res.scores.loc[i]
        for name in COMPARED:
            assert _same(getattr(s, name), got[name]), (name, getattr(s, name), got[name])


@hsettings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(df=cohort_frames(max_size=25, flags=True))
def test_cohort_invariants(df):
    res = score_cohort(df, settings=ROSTER)
    sc = res.scores
    for c in FLOAT_COLUMNS:
        assert not np.isnan(sc[c].to_numpy(dtype=float, na_value=0.0)).any(), c
    final = sc["final_score"].to_numpy(dtype=float, na_value=np.nan)
    scored = ~np.isnan(final)
    assert np.all((final[scored] >= 0) & (final[scored] <= 100))
    for pool in res.pools.itertuples():
        g = sc[(sc["cohort"] == pool.cohort) & (sc["performance_year"] == pool.performance_year)]
        g = g[g["cohort_rank"].notna()]  # the pool: scored and not excepted
        assert len(g) == pool.participants
        r = pool.risk_level
        f = g["factor"].to_numpy(dtype=float)
        fs = g["final_score"].to_numpy(dtype=float)
        P = g["part_b_payments"].to_numpy(dtype=float)
        assert np.all((f >= -r) & (f <= r))
        order = np.argsort(fs, kind="stable")
        assert np.all(np.diff(f[order]) >= -1e-15), "factor must not decrease as final score rises"
        zero_share = P[fs <= 0].sum() / P.sum() if P.sum() > 0 else 1.0
        if pool.scaling_method in ("closed form", "solved"):
            assert float(np.dot(P, f)) == pytest.approx(-0.15 * r * P.sum(), rel=1e-9, abs=1e-6)
        if P.sum() > 0 and P[fs > 0].sum() > 0 and zero_share < 0.57:
            assert pool.scaling_method in ("closed form", "solved")


# ---------------------------------------------------------------- one error per bad cell
def test_unknown_specialty_is_one_error_not_one_per_measure():
    res = score_cohort(pd.DataFrame([lbp_row(cohort=None, specialty="Dermatology")]))
    assert res.errors[["column"]].values.ravel().tolist() == ["specialty"]


def test_a_bad_rate_is_reported_once_not_also_as_missing():
    res = score_cohort(pd.DataFrame([lbp_row(q238_rate=1.5)]))
    assert res.errors[["column", "reason"]].values.tolist() == [
        ["q238_rate", "must be a fraction between 0 and 1, where 70% is 0.70"]]


def test_cost_points_without_episodes_is_an_error_in_both_apis():
    res = score_cohort(pd.DataFrame([hf_row(points=8, cost_episodes=None)]))
    assert res.scores.empty
    assert res.errors["column"].tolist() == ["cost_episodes"]
    row = hf_row(points=8, cost_episodes=None)
    with pytest.raises(Exception, match="cost_episodes is blank \\(required with cost_points"):
        score_participant(row_to_participant(row))


def test_a_roster_may_record_activities_as_a_count_for_some_rows_and_yes_no_for_others():
    # ia_done given: it counts; ia_done blank: ia1_done/ia2_done count (was: "required" on every blank row)
    base = {"cohort": "HF", "performance_year": 2027, "practice_size": 20, "part_b_payments": 1000,
            "pi_score": 1, "cost_episodes": 30, "cost_points": 5}
    df = pd.DataFrame([{**base, "npi": "1234567893", "ia_done": "1", "ia1_done": "", "ia2_done": ""},
                       {**base, "npi": "1245319599", "ia_done": "", "ia1_done": "yes", "ia2_done": "no"},
                       {**base, "npi": "1003000126", "ia_done": "", "ia1_done": "", "ia2_done": ""}])
    res = score_cohort(df)
    assert res.errors.empty
    assert res.scores["ia_adjustment"].tolist() == [-10.0, -10.0, -20.0]


def test_payments_beyond_a_billion_dollars_are_an_input_error_naming_the_field():
    base = {"cohort": "HF", "performance_year": 2027, "practice_size": 20, "pi_score": 1, "ia_done": 2,
            "cost_episodes": 30, "cost_points": 5}
    res = score_cohort(pd.DataFrame([{**base, "npi": "1234567893", "part_b_payments": 1.7e308},
                                     {**base, "npi": "1245319599", "part_b_payments": 250_000}]))
    assert res.errors[["column", "reason"]].values.tolist() == [
        ["part_b_payments", "must be dollars between 0 and 1,000,000,000"]]
    assert len(res.scores) == 1  # the valid row is still scored


@hsettings(max_examples=150, deadline=None)
@given(payments=st.lists(st.one_of(st.sampled_from([0.0, 0.01, 1e9]), st.floats(0.0, 1e9, allow_nan=False)),
                         min_size=1, max_size=12),
       finals=st.lists(st.floats(0.0, 100.0, allow_nan=False), min_size=12, max_size=12))
def test_extreme_but_allowed_payments_never_give_an_infinite_scaling_factor_or_a_nan_factor(payments, finals):
    from asm_xl.model.payment import adjustment_factor, solve_scaling_factor, transformed_final_score
    f = np.array(finals[:len(payments)])
    sol = solve_scaling_factor(f, np.array(payments), 0.09)
    assert np.isfinite(sol.scaling_factor) and sol.scaling_factor >= 0
    assert sol.scaling_factor > 0 or sol.method == "no positive scores"
    factor = adjustment_factor(f, transformed_final_score(f), 0.09, sol.scaling_factor)
    assert np.all(np.isfinite(factor)) and np.all(np.abs(factor) <= 0.09 + 1e-12)


def test_the_cohort_api_checks_npi_and_tin_as_the_roster_does():
    res = score_cohort(pd.DataFrame([hf_row(8, npi="1234567890"), hf_row(8, npi="1234567893", tin="12-34"),
                                     hf_row(8, npi="1245319599", tin="12-3456789")]))
    reasons = {(r.row, r.column): r.reason for r in res.errors.itertuples()}
    assert "check digit" in reasons[(0, "npi")] and "9-digit TIN" in reasons[(1, "tin")]
    assert res.scores.index.tolist() == [2]


def test_the_cohort_api_gives_a_tin_its_leading_zeros_back_as_the_roster_does():
    # The library refused the 9853177 a spreadsheet makes of TIN 009853177, which asm-xl score reads with its zeros
    # and a warning: the two scored different physicians, and ranked them differently. Large frames (column by
    # column) and small ones (cell by cell) alike; "12345" is no TIN either way.
    for n in (3, 70):   # SMALL_FRAME is 64
        rows = [hf_row(8, npi=f"{100000000 + i}{npi_check_digit(str(100000000 + i))}", tin="12-3456789")
                for i in range(n)]
        rows[0]["tin"], rows[1]["tin"], rows[2]["tin"] = "9853177", "98531770", "12345"
        res = score_cohort(pd.DataFrame(rows))
        assert [(r.row, r.column, r.value) for r in res.errors.itertuples()] == [(2, "tin", "12345")]
        assert res.scores["tin"].tolist()[:2] == ["009853177", "098531770"]
        assert res.warnings[0].startswith("2 row(s)' TIN of 7 or 8 digits read with its leading zeros "
                                          "(009853177, 098531770)")


def test_one_row_scores_as_its_row_of_the_whole_roster_but_for_the_rosters_own_ranks():
    """Each sample physician scored alone (cell by cell, a small frame) has the scores the whole roster
    (column by column) gives it; only the roster-relative rank, percentile and pool size differ (the whole
    roster has both cohorts' measure columns, a physician its own cohort's)."""
    from pathlib import Path
    sample = pd.read_csv(Path(__file__).resolve().parents[2] / "asm_xl" / "roster" / "data" / "sample_roster.csv",
                         dtype=object, keep_default_na=False)
    whole = score_cohort(sample).scores
    relative = {"cohort_rank", "percentile_rank", "cohort_size"}
    for i in range(len(sample)):
        one = score_cohort(sample.iloc[[i]]).scores
        assert set(one.columns) <= set(whole.columns)
        for c in set(one.columns) - relative:
            assert one[c].dtype == whole[c].dtype and one[c].equals(whole.loc[[i], c]), (i, c)
    assert (whole["cohort_size"] > 1).all() and (score_cohort(sample.iloc[[3]]).scores["cohort_size"] == 1).all()


def test_a_blank_practice_size_is_allowed_with_cms_small_practice_flag_and_refused_without():
    # spec 8.1: CMS's flag decides the bonus; the size only tells solo (+15) from small (+10): blank = not solo
    rows = pd.DataFrame([hf_row(8, practice_size="", small_practice="yes"), hf_row(8, practice_size="")])
    res = score_cohort(rows)
    assert res.scores["practice_bonus"].tolist() == [10.0]
    assert res.errors["column"].tolist() == ["practice_size"]
    assert res.errors["reason"].iloc[0] == ("required: a whole number of clinicians >= 1 (blank only with CMS's "
                                            "small_practice flag)")


def test_a_rate_in_its_own_units_of_one_or_less_is_scored_as_given_with_a_note_in_both_apis():
    # Q492 0.724 typed for 72.4 scored 10 points (the best) and the workbook said only "Scored"
    row = hf_row(8, q492_rate=0.724)
    sc = score_cohort(pd.DataFrame([row])).scores.iloc[0]
    assert sc["q492_points"] == 10.0
    assert sc["q492_status"].startswith("scored; rate 1 or less: in admissions per 100 person-years, not a fraction?")
    one = {m.measure: m for m in score_participant(row_to_participant(row)).measures}["Q492"]
    assert one.points == 10.0 and "rate 1 or less: in admissions per 100 person-years" in one.status_note
    assert "not a fraction" not in score_cohort(pd.DataFrame([hf_row(8, q492_rate=72.4)])).scores["q492_status"].iloc[0]
