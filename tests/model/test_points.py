"""Measure achievement points on real rows of asm_xl/model/data/mips_benchmarks_asm.csv (spec 3.1, 3.2).

Every expected value is worked out by hand from the CSV row quoted in the test (B1..B10 = decile_1..
decile_10; proportion measures are in percent, so a fraction rate is multiplied by 100).

    k      = highest decile in 2..10 whose start the rate reaches (direct: >=, inverse: <=), else 1
    points = 10 if k = 10;  1.0 if k = 1 and B1 not reached;  else k + |x - Bk| / |B(k+1) - Bk|
    capped at 7 when is_topped_out_by_program is true
"""

import math

import numpy as np
import pandas as pd
import pytest

from asm_xl import ASMInputError, Ladder, Settings, measure_points
from asm_xl.model.cohort import score_cohort
from asm_xl.model.points import cap_bites, points_on_ladder, to_ladder_units

from tests.helpers.cohort_rows import hf_row

approx = lambda x: pytest.approx(x, rel=1e-12, abs=1e-12)  # noqa: E731

# PY2026 electronicHealthRecord Q236 (direct, not topped out):
#   4.76, 45.28, 55.56, 61.54, 65.61, 68.98, 72, 75, 78.7, 84.04


# ---------------------------------------------------------------- direct measure (Q236 eCQM PY2026)
def test_direct_measure_rate_between_deciles_earns_partial_points():
    # 70% -> 70 reaches B6 = 68.98, not B7 = 72: k = 6
    # points = 6 + (70 - 68.98) / (72 - 68.98) = 6 + 1.02 / 3.02 = 6.33774834...
    assert measure_points("Q236", "eCQM", 0.70) == approx(6 + 1.02 / 3.02)


def test_direct_measure_rate_in_decile_one_interpolates_from_b1():
    # 20% -> 20 >= B1 = 4.76 but < B2 = 45.28: k = 1, points = 1 + (20 - 4.76) / (45.28 - 4.76)
    #      = 1 + 15.24 / 40.52 = 1.37611056...
    assert measure_points("Q236", "eCQM", 0.20) == approx(1 + 15.24 / 40.52)


def test_direct_measure_rate_below_decile_one_gets_one_point():
    # 3% -> 3 < B1 = 4.76: 1.0 point
    assert measure_points("Q236", "eCQM", 0.03) == 1.0
    assert measure_points("Q236", "eCQM", 0.0) == 1.0


def test_direct_measure_rate_at_or_above_decile_ten_gets_ten_points():
    # B10 = 84.04: 84.04% and 90% are in decile 10 -> 10 points (not topped out: no cap)
    assert measure_points("Q236", "eCQM", 0.8404) == 10.0
    assert measure_points("Q236", "eCQM", 0.90) == 10.0


def test_direct_measure_rate_on_decile_boundary_starts_that_decile():
    # 72% is exactly B7 = 72 -> k = 7, points = 7 + 0 / (75 - 72) = 7.0
    # (0.72 * 100 == 72.0 exactly in binary floating point; no rounding needed here)
    assert 0.72 * 100 == 72.0
    assert measure_points("Q236", "eCQM", 0.72) == 7.0


def test_boundary_fraction_not_exact_in_binary_still_starts_its_decile():
    # 0.5556 * 100 = 55.559999999999995 in floating point, but B3 = 55.56: the rate is ON the boundary
    # -> k = 3, points = 3 + 0 = 3.0 (without rounding to ladder units it would be 2.99999999...).
    assert 0.5556 * 100 != 55.56
    assert measure_points("Q236", "eCQM", 0.5556) == 3.0
    # Same for B4 = 61.54 (0.6154 * 100 = 61.53999999999999) -> 4.0
    assert measure_points("Q236", "eCQM", 0.6154) == 4.0
    # PY2022 eCQM Q134: B8 = 58 and 0.58 * 100 = 57.99999999999999 -> 8.0
    assert 0.58 * 100 != 58.0
    assert measure_points("Q134", "eCQM", 0.58, 2022) == 8.0


def test_to_ladder_units_undoes_binary_noise_of_percent_conversion():
    # 0.57 * 100 = 56.99999999999999 -> 57.0 after rounding to 9 decimals
    assert 0.57 * 100 != 57.0
    assert to_ladder_units(0.57, 100.0) == 57.0
    assert to_ladder_units([0.5556, 0.6154], 100.0).tolist() == [55.56, 61.54]


# ---------------------------------------------------------------- inverse measures (Q238, Q492)
# PY2026 electronicHealthRecord Q238 (inverse, topped out by program: cap 7):
#   30.71, 15.85, 10.16, 5.23, 2.02, 0.66, 0.14, 0, 0, 0
def test_inverse_measure_lower_rate_earns_more_points():
    # 12% -> 12 <= B2 = 15.85 but > B3 = 10.16: k = 2
    # points = 2 + |12 - 15.85| / |10.16 - 15.85| = 2 + 3.85 / 5.69 = 2.67662565...
    assert measure_points("Q238", "eCQM", 0.12) == approx(2 + 3.85 / 5.69)
    # 1% -> 1 <= B5 = 2.02, > B6 = 0.66: k = 5, points = 5 + 1.02 / 1.36 = 5.75
    assert measure_points("Q238", "eCQM", 0.01) == approx(5.75)


def test_inverse_measure_rate_on_decile_boundary_starts_that_decile():
    # 5.23% is exactly B4 = 5.23 -> k = 4, points 4.0 (0.0523 * 100 = 5.2299999999999995)
    assert measure_points("Q238", "eCQM", 0.0523) == 4.0


def test_inverse_measure_rate_worse_than_decile_one_gets_one_point():
    # 40% -> 40 > B1 = 30.71: does not reach decile 1 -> 1.0
    assert measure_points("Q238", "eCQM", 0.40) == 1.0


def test_topped_out_by_program_caps_points_at_seven():
    # Q238 eCQM PY2026 is_topped_out_by_program = true:
    # 0.1% -> 0.1 <= B7 = 0.14, > B8 = 0: k = 7, 7 + 0.04 / 0.14 = 7.2857 -> capped to 7
    assert measure_points("Q238", "eCQM", 0.001) == 7.0
    # 0% reaches B10 = 0 -> 10 -> capped to 7
    assert measure_points("Q238", "eCQM", 0.0) == 7.0
    # Q008 MIPS CQM PY2026 (topped out by program): 100% -> decile 10 -> 7
    assert measure_points("Q008", "MIPS CQM", 1.0) == 7.0


def test_topped_out_flag_without_by_program_does_not_cap():
    # Q238 registry PY2025: is_topped_out = true but is_topped_out_by_program = false
    # B = 5.97, 0, 0, ..., 0. 0% reaches B10 = 0 -> 10 points, no cap
    assert measure_points("Q238", "MIPS CQM", 0.0, 2025) == 10.0
    # 3% -> 3 <= B1 = 5.97, > B2 = 0: k = 1, 1 + |3 - 5.97| / |0 - 5.97| = 1 + 2.97 / 5.97
    assert measure_points("Q238", "MIPS CQM", 0.03, 2025) == approx(1 + 2.97 / 5.97)


def test_topped_out_cap_is_a_setting():
    s = Settings(topped_out_cap=9.0)
    assert measure_points("Q238", "eCQM", 0.0, settings=s) == 9.0


def test_non_proportion_inverse_measure_q492_uses_native_units():
    # PY2026 administrativeClaims Q492 (costScore, native units, inverse):
    #   78.62, 77.55, 76.48, 75.41, 73.26, 71.12, 68.98, 64.7, 62.56, 60.42
    # rate 70 (not 0.70): 70 <= B6 = 71.12, > B7 = 68.98: k = 6, 6 + 1.12 / 2.14 = 6.52336448...
    assert measure_points("Q492", "administrative claims", 70.0) == approx(6 + 1.12 / 2.14)
    # exactly B5 = 73.26 -> 5.0; 80 > B1 -> 1.0; 60 <= B10 = 60.42 -> 10
    assert measure_points("Q492", "administrative claims", 73.26) == 5.0
    assert measure_points("Q492", "administrative claims", 80.0) == 1.0
    assert measure_points("Q492", "administrative claims", 60.0) == 10.0


# ---------------------------------------------------------------- empty deciles
def test_equal_start_values_make_empty_deciles_that_are_skipped():
    # Q008 registry PY2026: 69.05, 95.79, 100, 100, 100, 100, 100, 100, 100, 100 (deciles 3..9 empty)
    # 97% -> 97 >= B2 = 95.79, < B3 = 100: k = 2, 2 + (97 - 95.79) / (100 - 95.79) = 2 + 1.21 / 4.21
    assert measure_points("Q008", "MIPS CQM", 0.97) == approx(2 + 1.21 / 4.21)
    # 99.999% is still decile 2 (the empty deciles 3..9 are never reached): 2 + 4.209 / 4.21
    assert measure_points("Q008", "MIPS CQM", 0.99999) == approx(2 + 4.209 / 4.21)
    # 100% reaches B10 = 100 -> 10 points, visible when the cap is lifted (cap 10)
    assert measure_points("Q008", "MIPS CQM", 1.0, settings=Settings(topped_out_cap=10.0)) == 10.0


def test_empty_deciles_in_user_ladder_skip_to_highest_equal_start():
    # B = 0,10,20,20,20,50,60,70,80,90: 20 reaches B3..B5 (all 20) -> k = 5, 5 + 0/(50-20) = 5.0;
    # 35 -> k = 5, 5 + 15/30 = 5.5
    lad = Ladder((0, 10, 20, 20, 20, 50, 60, 70, 80, 90), scale=100.0)
    assert float(points_on_ladder(0.20, lad)) == 5.0
    assert float(points_on_ladder(0.35, lad)) == approx(5.5)


# ---------------------------------------------------------------- old 9-value format (PY2021/2022)
def test_old_format_direct_row_implies_decile_one_start_zero():
    # Q220 registry PY2021: decile_1 blank, then 33.33, 40, 45.38, ... -> B1 = 0 (implied)
    # 20% -> 20 >= 0, < B2 = 33.33: k = 1, 1 + (20 - 0) / (33.33 - 0) = 1.60006...
    assert measure_points("Q220", "MIPS CQM", 0.20, 2021) == approx(1 + 20 / 33.33)
    # Q134 registry PY2021: blank, 0, 14.76, 37.44, ...: B1 = B2 = 0
    # 30% -> >= B3 = 14.76, < B4 = 37.44: 3 + 15.24 / 22.68; 0% reaches B2 = 0 -> 2 + 0 = 2.0
    assert measure_points("Q134", "MIPS CQM", 0.30, 2021) == approx(3 + 15.24 / 22.68)
    assert measure_points("Q134", "MIPS CQM", 0.0, 2021) == 2.0


def test_old_format_inverse_row_implies_decile_one_start_hundred():
    # Q238 eCQM PY2021 (inverse): blank, 10.55, 6.7, 3.84, ... -> B1 = 100 (implied)
    # 50% -> 50 <= 100, > B2 = 10.55: k = 1, 1 + |50 - 100| / |10.55 - 100| = 1 + 50 / 89.45
    assert measure_points("Q238", "eCQM", 0.50, 2021) == approx(1 + 50 / 89.45)


# ---------------------------------------------------------------- which ladder
def test_latest_year_is_default_per_measure_and_collection_type():
    # Q128 Medicare Part B claims exists for 2021, 2022, 2025 but not 2026 -> 2025 (topped out, cap 7):
    # 15.36, 71.06, 95.8, 99.44, 100, ...: 90% -> k = 2, 2 + (90 - 71.06) / (95.8 - 71.06) = 2.76556...
    assert measure_points("Q128", "Part B claims", 0.90) == approx(2 + 18.94 / 24.74)
    assert measure_points("Q128", "Part B claims", 0.90, 2025) == measure_points("Q128", "Part B claims", 0.90)


def test_explicit_year_selects_that_years_row():
    # Q236 eCQM PY2025: 5.56, 45.71, 55.17, 61.16, 65.32, 68.735, 71.94, 75.31, 79.31, 84.74
    # 70% -> >= B6 = 68.735, < B7 = 71.94: 6 + 1.265 / 3.205
    assert measure_points("Q236", "eCQM", 0.70, 2025) == approx(6 + 1.265 / 3.205)
    assert measure_points("Q236", "eCQM", 0.70, settings=Settings(benchmark_year=2025)) == approx(6 + 1.265 / 3.205)


@pytest.mark.parametrize("ctype", ["eCQM", "ecqm", "electronicHealthRecord", "EHR"])
def test_ecqm_collection_type_aliases_pick_the_ehr_row(ctype):
    assert measure_points("Q236", ctype, 0.70) == approx(6 + 1.02 / 3.02)


@pytest.mark.parametrize("ctype", ["MIPS CQM", "registry", "mips_cqm", "CQM"])
def test_mips_cqm_collection_type_aliases_pick_the_registry_row(ctype):
    # Q236 registry PY2026 is the flat ladder 1, 10, 20, ..., 90: 70% -> B8 = 70 -> 8.0
    assert measure_points("Q236", ctype, 0.70) == 8.0


@pytest.mark.parametrize("ctype", ["Part B claims", "Medicare Part B claims", "claims"])
def test_part_b_claims_aliases_pick_the_claims_row(ctype):
    # Q236 claims PY2026: 1, 10, ..., 90: 65% -> 7 + 5/10 = 7.5
    assert measure_points("Q236", ctype, 0.65) == approx(7.5)


@pytest.mark.parametrize("ctype", ["administrative claims", "Administrative claims", "administrativeClaims"])
def test_administrative_claims_aliases_pick_the_admin_row(ctype):
    assert measure_points("Q492", ctype, 73.26) == 5.0


@pytest.mark.parametrize("mid", ["Q236", "236", 236, "q236", 236.0, " Q236 "])
def test_measure_id_forms_are_equivalent(mid):
    assert measure_points(mid, "eCQM", 0.70) == approx(6 + 1.02 / 3.02)


def test_missing_ladder_error_lists_what_exists():
    # Q377 is only benchmarked as eCQM
    with pytest.raises(ASMInputError) as e:
        measure_points("Q377", "MIPS CQM", 0.5)
    assert e.value.field == "benchmark"
    assert "Q377 MIPS CQM" in str(e.value) and "Q377 has benchmarks for eCQM" in str(e.value)


def test_unknown_measure_error_lists_measures_with_benchmarks():
    with pytest.raises(ASMInputError) as e:
        measure_points("Q999", "eCQM", 0.5)
    assert "Q999" in str(e.value) and "Q236" in str(e.value) and "Q492" in str(e.value)


def test_missing_year_error_lists_available_years():
    with pytest.raises(ASMInputError) as e:
        measure_points("Q236", "eCQM", 0.5, 2024)
    assert e.value.field == "benchmark_year"
    assert "2021, 2022, 2025, 2026" in str(e.value)


def test_proportion_rate_above_one_is_an_error_not_a_percent():
    with pytest.raises(ASMInputError, match=r"rate: 70 is not allowed \(a fraction between 0 and 1"):
        measure_points("Q236", "eCQM", 70)


# ---------------------------------------------------------------- kernel behaviour
def test_points_kernel_is_vectorized_and_keeps_shape():
    lad = Ladder((0, 10, 20, 30, 40, 50, 60, 70, 80, 90), scale=100.0)
    # 0.05 -> 1 + 5/10 = 1.5; 0.65 -> 7.5; 0.95 -> 10
    got = points_on_ladder(np.array([[0.05, 0.65], [0.95, 0.0]]), lad)
    assert got.shape == (2, 2)
    assert got.tolist() == [[approx(1.5), approx(7.5)], [10.0, 1.0]]


def test_points_rounded_to_four_decimals_when_set():
    # 6.337748344... -> 6.3377
    s = Settings(measure_points_decimals=4)
    assert measure_points("Q236", "eCQM", 0.70, settings=s) == 6.3377


def test_cohort_api_rounds_measure_points_as_the_scalar_api_does():
    # Q236 eCQM at 70%: 6 + 1.02 / 3.02 = 6.337748... -> 6.3377 with 4 decimals; the other three measures are
    # entered at 8, so quality = (3 x 8 + 6.3377) / 40 = 0.7584425
    row = hf_row(8, q236_points=None, q236_rate=0.70, q236_collection_type="eCQM")
    s = Settings(measure_points_decimals=4)
    got = score_cohort(pd.DataFrame([row]), settings=s).scores.iloc[0]
    assert got["q236_points"] == 6.3377 == measure_points("Q236", "eCQM", 0.70, settings=s)
    assert got["quality"] == approx((3 * 8 + 6.3377) / 40)
    # the default (-1) keeps full precision in the cohort API too
    assert score_cohort(pd.DataFrame([row])).scores["q236_points"].iloc[0] == approx(6 + 1.02 / 3.02)


def test_a_rate_that_is_nan_gets_no_points_not_the_top_decile():
    # the decile search put NaN past B10: 10 points, on direct and inverse ladders (public paths check rates first)
    direct = Ladder((0, 10, 20, 30, 40, 50, 60, 70, 80, 90), scale=100)
    inverse = Ladder((90, 80, 70, 60, 50, 40, 30, 20, 10, 0), inverse=True, scale=100)
    for lad in (direct, inverse):
        assert math.isnan(points_on_ladder(float("nan"), lad))
        out = points_on_ladder(np.array([np.nan, 0.65]), lad)
        assert math.isnan(out[0]) and not math.isnan(out[1])
    assert not cap_bites(float("nan"), Ladder(tuple(range(10)), topped_out=True))
