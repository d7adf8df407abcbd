"""Five-year projection: each year's risk level and payment base by hand, 2027 equal to the single-year
estimate, practice totals equal to the sum of physicians, participation from CMS's file."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings as hsettings

from asm_xl.model.cohort import score_cohort
from asm_xl.model.errors import ASMInputError
from asm_xl.model.peers import given_pool
from asm_xl.model.pool_choice import pricing_pool
from asm_xl.model.projection import (PRACTICE_COLUMNS, PROJECTION_COLUMNS, practice_projection, project_five_years,
                                 yearly_projection)
from asm_xl.model.ranges import payment_ranges
from asm_xl.model.settings import Settings

from .strategies import cohort_frames
from .test_actions import BEFORE, ROW

YEARS = [2027, 2028, 2029, 2030, 2031]
GIVEN = {("HF", y): given_pool("HF", y, scaling_factor=1.7, midpoint=50.0) for y in YEARS}


def test_each_year_has_its_risk_level_payment_year_grown_base_and_factor_by_hand():
    p = project_five_years(pd.DataFrame([ROW]), growth=0.02, pool=GIVEN)
    assert list(p.columns) == PROJECTION_COLUMNS
    assert p["performance_year"].tolist() == YEARS and p["payment_year"].tolist() == [2029, 2030, 2031, 2032, 2033]
    assert p["risk_level"].tolist() == [0.09, 0.09, 0.10, 0.11, 0.12]
    tfs = 1 / (1 + math.exp(-0.1 * (BEFORE - 50)))  # final held at today's 33.75 [ASSUMPTION]
    cumulative = 0.0
    for i, row in p.iterrows():
        base = 250_000 * 1.02 ** i
        assert row["payments_base"] == pytest.approx(base)
        assert row["dollars_at_risk"] == pytest.approx(row["risk_level"] * base)
        dollars = (row["risk_level"] * 1.7 * tfs - row["risk_level"]) * base
        assert row["dollars_p50"] == pytest.approx(dollars) and row["dollars_p10"] == pytest.approx(dollars)
        cumulative += dollars
        assert row["cumulative_p50"] == pytest.approx(cumulative)
    assert (p["participation_source"] == "assumed").all()


def test_not_participating_years_have_no_dollars_and_say_where_that_comes_from():
    flags = pd.DataFrame({"npi": ["1234567893"], 2027: ["yes"], 2028: ["no"], 2029: [None]})
    p = project_five_years(pd.DataFrame([ROW]), participation=flags, pool=GIVEN).set_index("performance_year")
    assert p.loc[2028, "participating"] == False and p.loc[2028, "dollars_at_risk"] == 0  # noqa: E712
    assert p.loc[2028, "dollars_p50"] == 0 and p.loc[2028, "participation_source"] == "CMS participants file"
    # no adjustment, nothing to gain: a final score of 80 gains in every draw of the given pool, but not in 2028
    gains = yearly_projection([80.0], "HF", 2027, 100_000.0, participating={2028: np.array([0.0])}, pool=GIVEN)
    assert gains["p_gain"][0].tolist() == [1.0, 0.0, 1.0, 1.0, 1.0]
    assert p.loc[2029, "participating"] and p.loc[2029, "participation_source"] == "assumed"
    assert p.loc[2029, "cumulative_p50"] == pytest.approx(p.loc[2027, "dollars_p50"] + p.loc[2029, "dollars_p50"])


def test_bad_participation_value_names_npi_year_and_what_is_allowed():
    with pytest.raises(ASMInputError, match="participation 1234567893 2028: 'maybe' is not allowed"):
        project_five_years(pd.DataFrame([ROW]), participation={"1234567893": {2028: "maybe"}}, pool=GIVEN)
    with pytest.raises(ASMInputError, match="2040"):
        project_five_years(pd.DataFrame([ROW]), participation={"1234567893": {2040: "yes"}}, pool=GIVEN)


def test_an_exception_makes_only_its_own_year_neutral():
    p = project_five_years(pd.DataFrame([{**ROW, "euc_exception": "yes"}]), pool=GIVEN)
    assert p.loc[0, "dollars_p50"] == 0 and p.loc[1, "dollars_p50"] < 0


SMALL = Settings(peer_draws=40)


@hsettings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(cohort_frames(max_size=8))
def test_2027_equals_the_single_year_estimate_and_practice_totals_are_the_totals_draw_by_draw(frame):
    frame = frame.assign(performance_year=2027)
    p = project_five_years(frame, settings=SMALL)
    scores = score_cohort(frame, settings=SMALL).scores
    ranges = payment_ranges(scores, settings=SMALL)
    first = p[p["performance_year"] == 2027].set_index("row")
    scored = scores.index[scores["final_score"].notna()]
    assert sorted(first.index) == sorted(scored)
    for col in ("factor_p10", "factor_p50", "factor_p90", "p_gain", "dollars_p10", "dollars_p50", "dollars_p90"):
        assert np.allclose(first.loc[scored, col].to_numpy(float), ranges.loc[scored, col].to_numpy(float),
                           rtol=1e-12, atol=1e-9), col
    assert not p.drop(columns=["npi", "name", "tin", "cohort", "participation_source"]).isna().any().any()
    assert ((p["dollars_p10"] <= p["dollars_p50"] + 1e-9) & (p["dollars_p50"] <= p["dollars_p90"] + 1e-9)).all()
    totals = practice_projection(p, settings=SMALL)
    assert list(totals.columns) == PRACTICE_COLUMNS and len(totals) == (5 if len(p) else 0)
    drawn = _dollars_in_each_draw(p, SMALL)
    for _, t in totals.iterrows():
        year = p["performance_year"] == t["performance_year"]
        for col in ("dollars_at_risk", "payments_base", "dollars_mean", "cumulative_mean"):   # sums
            assert t[col] == pytest.approx(p.loc[year, col].sum(), rel=1e-12, abs=1e-6)
        assert t["physicians"] == year.sum()
        # a range is the total's own over the draws (added up draw by draw), not the sum of percentiles
        in_year, so_far = drawn[year.to_numpy()].sum(axis=0), drawn[(p["performance_year"] <= t["performance_year"]).to_numpy()].sum(axis=0)
        for q in (10, 50, 90):
            assert t[f"dollars_p{q}"] == pytest.approx(np.percentile(in_year, q), rel=1e-12, abs=1e-6)
            assert t[f"cumulative_p{q}"] == pytest.approx(np.percentile(so_far, q), rel=1e-12, abs=1e-6)
    by_cohort = practice_projection(p, by="cohort", settings=SMALL)
    assert by_cohort["dollars_at_risk"].sum() == pytest.approx(totals["dollars_at_risk"].sum(), rel=1e-12, abs=1e-6)
    assert by_cohort["dollars_mean"].sum() == pytest.approx(totals["dollars_mean"].sum(), rel=1e-12, abs=1e-6)


def _dollars_in_each_draw(p: pd.DataFrame, settings) -> np.ndarray:
    """(projection rows, draws) each row's dollars in each draw of its pool, row by row (0 where not priced)."""
    out = []
    for r in p.itertuples():
        pool = pricing_pool(r.cohort, r.performance_year, settings)
        out.append(pool.factors([r.final_score])[0] * r.payments_base * r.priced)
    return np.array(out).reshape(len(p), -1) if out else np.zeros((0, settings.peer_draws))


def test_the_range_of_one_physicians_total_is_his_own_and_of_two_not_the_sum_of_their_ranges():
    rows = pd.DataFrame([{**ROW, "npi": npi, "part_b_payments": pay, **extra} for npi, pay, extra in (
        ("1234567893", 250_000, {}), ("1245319599", 400_000, {"q236_rate": 0.95, "ia1_done": "yes"}))])
    p = project_five_years(rows, settings=SMALL)
    one = practice_projection(p[p["row"] == 0], settings=SMALL)
    mine = p[p["row"] == 0].reset_index(drop=True)
    for q in ("p10", "p50", "p90"):
        assert one[f"dollars_{q}"].tolist() == pytest.approx(mine[f"dollars_{q}"].tolist(), rel=1e-12)
        assert one[f"cumulative_{q}"].tolist() == pytest.approx(mine[f"cumulative_{q}"].tolist(), rel=1e-12)
    both = practice_projection(p, settings=SMALL).set_index("performance_year")
    assert (both["dollars_p10"] <= both["dollars_p50"]).all() and (both["dollars_p50"] <= both["dollars_p90"]).all()
    assert both["dollars_mean"].tolist() == pytest.approx(p.groupby("performance_year")["dollars_mean"].sum().tolist())
    # not the sums of the percentiles (with 40 draws the total's P10 is even a little below theirs here)
    summed = p.groupby("performance_year")["dollars_p10"].sum()
    assert not np.allclose(both["dollars_p10"], summed, rtol=1e-6)


def test_yearly_projection_makes_an_exception_year_neutral_and_prices_later_years_as_usual_by_hand():
    # two physicians alike but for the exception: final 60, HF, performance year 2027, $100,000, no growth;
    # pool of SF 1.7, midpoint 50: factor_y = r_y x 1.7 x TFS - r_y, TFS = 1 / (1 + e^(-0.1 x (60 - 50)))
    p = yearly_projection([60.0, 60.0], "HF", 2027, 100_000.0, excepted=[True, False], growth=0.0, pool=GIVEN)
    tfs = 1 / (1 + math.exp(-1.0))
    factor = [r * 1.7 * tfs - r for r in (0.09, 0.09, 0.10, 0.11, 0.12)]
    assert p["performance_year"].tolist() == [YEARS, YEARS]
    # the exception's year: $0 at P10 / P50 / P90, no chance of a gain, nothing at risk (the other: 9% of $100,000)
    for k in ("factor_p10", "factor_p50", "factor_p90", "p_gain", "dollars_p10", "dollars_p50", "dollars_p90",
              "dollars_mean", "dollars_at_risk", "cumulative_at_risk"):
        assert p[k][0, 0] == 0.0, k
    assert p["dollars_at_risk"][1, 0] == pytest.approx(9_000.0)
    assert p["cumulative_at_risk"][0, 1] == pytest.approx(9_000.0)   # 2028: 9% of $100,000 again
    assert p["dollars_p50"][1, 0] == pytest.approx(factor[0] * 100_000)   # +$2,185.20
    # later years: the excepted physician's rows are the other's, number for number
    for k in ("factor_p10", "factor_p50", "factor_p90", "p_gain", "dollars_at_risk", "dollars_p10", "dollars_p50",
              "dollars_p90", "dollars_mean"):
        assert p[k][0, 1:].tolist() == p[k][1, 1:].tolist(), k   # (dollars_at_risk: 9,000, 10,000, 11,000, 12,000)
    assert p["dollars_p50"][0, 1:] == pytest.approx([f * 100_000 for f in factor[1:]])
    assert p["cumulative_p50"][0, 1] == pytest.approx(factor[1] * 100_000)
    assert p["cumulative_p50"][1, 1] == pytest.approx((factor[0] + factor[1]) * 100_000)


def test_an_exception_of_a_later_performance_year_is_neutral_in_that_year_only():
    p = yearly_projection([60.0], "HF", 2029, 100_000.0, excepted=True, growth=0.0, pool=GIVEN)
    dollars = p["dollars_p50"][0].tolist()
    assert dollars[:3] == [0.0, 0.0, 0.0]   # 2027-2028: before the row's year, outside it; 2029 neutral
    assert dollars[3] > 0 and dollars[4] > 0


def test_a_later_years_row_is_projected_from_its_year_on_with_its_own_payments():
    # a PY2029 row: its payments are 2029's; nothing is said of 2027-2028 (not projected backwards)
    p = project_five_years(pd.DataFrame([{**ROW, "performance_year": 2029}]), growth=0.02, pool=GIVEN)
    assert p["performance_year"].tolist() == [2029, 2030, 2031]
    assert p["payments_base"].tolist() == pytest.approx([250_000, 255_000, 260_100])
    tfs = 1 / (1 + math.exp(-0.1 * (BEFORE - 50)))
    by_hand = [(r * 1.7 * tfs - r) * b for r, b in zip((0.10, 0.11, 0.12), (250_000, 255_000, 260_100))]
    assert p["dollars_p50"].tolist() == pytest.approx(by_hand)
    assert p["cumulative_p50"].tolist() == pytest.approx(np.cumsum(by_hand).tolist())
    assert p["cumulative_at_risk"].iloc[-1] == pytest.approx(0.10 * 250_000 + 0.11 * 255_000 + 0.12 * 260_100)


def test_a_tin_npi_with_rows_of_two_years_is_projected_from_each_row_up_to_the_next_and_counted_once_a_year():
    rows = pd.DataFrame([ROW, {**ROW, "performance_year": 2029, "part_b_payments": 300_000},
                         {**ROW, "tin": "44-4444444"}])   # the same NPI under another TIN: another participant
    rows.loc[[0, 1], "tin"] = "12-3456789"
    p = project_five_years(rows, growth=0.0, pool=GIVEN)
    assert p.groupby("row")["performance_year"].apply(list).to_dict() == {
        0: [2027, 2028], 1: [2029, 2030, 2031], 2: YEARS}
    practice = practice_projection(p, pool=GIVEN).set_index("performance_year")
    assert practice["physicians"].tolist() == [2, 2, 2, 2, 2]
    tfs = 1 / (1 + math.exp(-0.1 * (BEFORE - 50)))
    factor = {y: r * 1.7 * tfs - r for y, r in zip(YEARS, (0.09, 0.09, 0.10, 0.11, 0.12))}
    payments = {2027: 250_000, 2028: 250_000, 2029: 300_000, 2030: 300_000, 2031: 300_000}
    for y in YEARS:
        assert practice.loc[y, "dollars_p50"] == pytest.approx(factor[y] * (payments[y] + 250_000))
    assert practice.loc[2031, "payments_base"] == 550_000   # 300,000 + 250,000, never 850,000
    # the participant's running sum runs on across his two rows: 2029's is 2027 + 2028 + 2029
    mine = p[p["row"].isin([0, 1])].set_index("performance_year")
    assert mine.loc[2029, "cumulative_p50"] == pytest.approx(
        factor[2027] * 250_000 + factor[2028] * 250_000 + factor[2029] * 300_000)
    assert mine.loc[2031, "cumulative_at_risk"] == pytest.approx(0.09 * 250_000 * 2 + (0.10 + 0.11 + 0.12) * 300_000)
    assert practice.loc[2031, "cumulative_p50"] == pytest.approx(
        sum(factor[y] * payments[y] for y in YEARS) + sum(factor[y] * 250_000 for y in YEARS))
