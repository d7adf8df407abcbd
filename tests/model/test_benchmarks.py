"""Benchmark ladders: the packaged MIPS table, user ladders and cohort deciles (spec 3.2) [MIPS]."""

import numpy as np
import pytest

from asm_xl import ASMInputError, BenchmarkTable, Ladder, ladder_from_rates, packaged_benchmarks
from asm_xl.model.benchmarks import COLLECTION_TYPES, normalize_collection_type

approx = lambda x: pytest.approx(x, rel=1e-12, abs=1e-12)  # noqa: E731


# ---------------------------------------------------------------- the packaged table
def test_packaged_table_holds_every_row_of_the_csv():
    # mips_benchmarks_asm.csv: 65 data rows, one per (PY, measure, submission_method)
    assert len(packaged_benchmarks().keys()) == 65


def test_new_format_row_is_read_as_ten_starts_in_percent():
    lad = packaged_benchmarks().lookup("Q236", "eCQM", 2026)
    assert lad.starts == (4.76, 45.28, 55.56, 61.54, 65.61, 68.98, 72.0, 75.0, 78.7, 84.04)
    assert lad.scale == 100.0 and not lad.inverse and not lad.topped_out
    assert lad.label == "Q236 eCQM PY2026"


def test_old_nine_value_direct_row_gets_implied_zero_decile_one():
    # PY2021 Q008 eCQM: decile_1 blank, then 0, 86.69, 90.14, 92.31, 94.05, 95.24, 96.37, 97.44, 100
    lad = packaged_benchmarks().lookup("Q008", "eCQM", 2021)
    assert lad.starts == (0.0, 0.0, 86.69, 90.14, 92.31, 94.05, 95.24, 96.37, 97.44, 100.0)


def test_old_nine_value_inverse_row_gets_implied_hundred_decile_one():
    # PY2021 Q238 eCQM (inverse): blank, 10.55, 6.7, 3.84, 1.79, 0.64, 0.16, 0, 0, 0
    lad = packaged_benchmarks().lookup("Q238", "eCQM", 2021)
    assert lad.inverse
    assert lad.starts == (100.0, 10.55, 6.7, 3.84, 1.79, 0.64, 0.16, 0.0, 0.0, 0.0)


def test_topped_out_follows_the_by_program_column():
    t = packaged_benchmarks()
    assert t.lookup("Q008", "MIPS CQM", 2026).topped_out            # by_program true
    assert t.lookup("Q238", "eCQM", 2026).topped_out                # by_program true
    assert not t.lookup("Q238", "eCQM", 2025).topped_out            # is_topped_out true, by_program false
    assert not t.lookup("Q008", "eCQM", 2021).topped_out            # is_topped_out true, by_program false


def test_cost_score_row_q492_is_in_native_units():
    lad = packaged_benchmarks().lookup("Q492", "Administrative claims")
    assert lad.scale == 1.0 and lad.inverse and lad.performance_year == 2026
    assert lad.starts[0] == 78.62 and lad.starts[-1] == 60.42


def test_latest_year_per_measure_and_collection_type():
    t = packaged_benchmarks()
    assert t.years("Q128", "Part B claims") == [2021, 2022, 2025]
    assert t.lookup("Q128", "Part B claims").performance_year == 2025  # 2026 lacks the claims row
    assert t.lookup("Q128", "eCQM").performance_year == 2026
    assert t.lookup("Q236", "CMS Web Interface").performance_year == 2021
    assert t.lookup("Q236", "eCQM", 0).performance_year == 2026      # 0 = latest
    assert t.lookup("Q236", "eCQM", "2022").performance_year == 2022


@pytest.mark.parametrize("text, canonical", [
    ("eCQM", "eCQM"), ("electronicHealthRecord", "eCQM"), ("EHR", "eCQM"),
    ("MIPS CQM", "MIPS CQM"), ("registry", "MIPS CQM"), ("mips_cqm", "MIPS CQM"),
    ("Part B claims", "Medicare Part B claims"), ("claims", "Medicare Part B claims"),
    ("administrative claims", "Administrative claims"), ("administrativeClaims", "Administrative claims"),
    ("  Administrative   Claims ", "Administrative claims"),
])
def test_collection_type_aliases_normalize(text, canonical):
    assert normalize_collection_type(text) == canonical


def test_canonical_collection_types_map_to_csv_submission_methods():
    assert COLLECTION_TYPES["eCQM"] == "electronicHealthRecord"
    assert COLLECTION_TYPES["MIPS CQM"] == "registry"
    assert COLLECTION_TYPES["Medicare Part B claims"] == "claims"
    assert COLLECTION_TYPES["Administrative claims"] == "administrativeClaims"


def test_unknown_collection_type_names_allowed_values():
    with pytest.raises(ASMInputError) as e:
        normalize_collection_type("fax")
    assert str(e.value).startswith("collection_type: 'fax' is not allowed (")
    assert '"eCQM", "MIPS CQM", "Part B claims", "administrative claims"' in str(e.value)


def test_missing_ladder_error_lists_collection_types_that_exist():
    with pytest.raises(ASMInputError) as e:
        packaged_benchmarks().lookup("377", "registry")
    assert "Q377 has benchmarks for eCQM" in str(e.value)


def test_missing_year_error_lists_years_that_exist():
    with pytest.raises(ASMInputError, match=r"Q128 Medicare Part B claims has benchmarks for 2021, 2022, 2025"):
        packaged_benchmarks().lookup("Q128", "claims", 2026)


def test_user_csv_table_is_pluggable(tmp_path):
    header = ("performance_year,measure_id,submission_method,metric_type,is_inverse,is_topped_out_by_program,"
              + ",".join(f"decile_{k}" for k in range(1, 11)) + ",source")
    row = "2027,236,registry,singlePerformanceRate,false,false,5,15,25,35,45,55,65,75,85,95,mine"
    p = tmp_path / "asm_benchmarks.csv"
    p.write_text(header + "\n" + row + "\n", encoding="utf-8")
    t = BenchmarkTable.from_csv(p)
    lad = t.lookup("Q236", "MIPS CQM")
    # 50% -> >= B5 = 45, < B6 = 55: 5 + 5/10 = 5.5
    assert lad.performance_year == 2027 and lad.source == "mine"
    from asm_xl import measure_points
    assert measure_points("Q236", "MIPS CQM", 0.50, benchmarks=t) == approx(5.5)


# ---------------------------------------------------------------- Ladder validation
def test_ladder_needs_ten_values():
    with pytest.raises(ASMInputError, match="ten finite decile start values"):
        Ladder((1, 2, 3))


def test_direct_ladder_must_not_decrease():
    with pytest.raises(ASMInputError, match="non-decreasing"):
        Ladder((0, 10, 5, 30, 40, 50, 60, 70, 80, 90))


def test_inverse_ladder_must_not_increase():
    with pytest.raises(ASMInputError, match=r"non-increasing \(inverse measure\)"):
        Ladder((0, 10, 20, 30, 40, 50, 60, 70, 80, 90), inverse=True)


def test_user_ladder_from_range_skips_blank_cells():
    lad = Ladder.from_values([1, None, "10", 20, "", 30, 40, 50, 60, 70, 80, 90], scale=100.0)
    assert lad.starts == (1.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0)
    with pytest.raises(ASMInputError, match="ten decile start values B1..B10"):
        Ladder.from_values([1, 2, 3])


# ---------------------------------------------------------------- cohort deciles
def test_ladder_from_rates_direct_matches_percentiles_by_hand():
    # rates 0, 1, ..., 99 (n = 100, native units). Linear-interpolation percentile p(q) sits at
    # position q/100 x (n - 1) = 0.99 q of the sorted values, and value i = i, so p(q) = 0.99 q:
    # B1 = p1 = 0.99, B2 = p10 = 9.9, B3 = p20 = 19.8, ..., B10 = p90 = 89.1
    rates = np.arange(100, dtype=float)
    lad = ladder_from_rates(rates)
    expected = [0.99] + [0.99 * (10 * k - 10) for k in range(2, 11)]
    assert list(lad.starts) == [approx(x) for x in expected]
    assert list(lad.starts) == [approx(x) for x in np.percentile(rates, [1, 10, 20, 30, 40, 50, 60, 70, 80, 90])]
    assert lad.source == "cohort deciles"


def test_ladder_from_rates_inverse_matches_percentiles_by_hand():
    # inverse: B1 = p99 = 98.01, Bk = p(110 - 10k): B2 = p90 = 89.1, ..., B10 = p10 = 9.9
    lad = ladder_from_rates(np.arange(100, dtype=float), inverse=True)
    expected = [98.01] + [0.99 * (110 - 10 * k) for k in range(2, 11)]
    assert lad.inverse
    assert list(lad.starts) == [approx(x) for x in expected]


def test_ladder_from_fraction_rates_is_in_percent():
    # fractions 0.00..0.99 with scale 100 -> same deciles as 0..99 (to floating-point noise)
    lad = ladder_from_rates(np.arange(100) / 100.0, scale=100.0)
    assert lad.scale == 100.0
    assert lad.starts[1] == pytest.approx(9.9, rel=1e-12) and lad.starts[9] == pytest.approx(89.1, rel=1e-12)


def test_ladder_from_rates_ignores_blank_rates_and_needs_one():
    lad = ladder_from_rates([np.nan, 5.0, np.nan])
    assert lad.starts == (5.0,) * 10
    with pytest.raises(ASMInputError, match="at least one rate"):
        ladder_from_rates([np.nan])


def test_a_year_the_table_has_no_ladder_for_is_an_error_naming_its_years_not_every_measure_excluded():
    table = packaged_benchmarks()
    assert table.all_years == (2021, 2022, 2025, 2026)
    for year in (2024, 1999):
        with pytest.raises(ASMInputError, match=r"benchmark_year: \d+ is not allowed \(a year with benchmarks: "
                                                r"2021, 2022, 2025, 2026\)"):
            table.find("Q236", "MIPS CQM", year)
    # a packaged year without this measure's ladder: excluded (None), as before [spec 8.1]
    assert table.years("Q377", "eCQM") == [2025, 2026]    # Q377: no ladder for 2021 and 2022
    assert table.find("Q377", "eCQM", 2021) is None and table.find("Q377", "eCQM", 2022) is None
    assert table.find("Q377", "eCQM", 2025) is not None
    assert BenchmarkTable([]).find("Q236", "MIPS CQM", 1999) is None   # an empty table (cohort deciles) has none


def test_the_benchmarks_note_names_the_years_in_use_and_the_placeholder():
    # PY2026 for every measure and collection type of the cohorts (the packaged table's CMS Web Interface and
    # Part B claims ladders are no ASM collection type: not named); Q492's PY2026 row is CMS's placeholder
    from asm_xl.model.benchmarks import benchmarks_note
    assert benchmarks_note(0) == (
        "Quality points: MIPS benchmark ladders of PY2026, benchmark_year 0 (the latest of each measure and "
        "collection type): a proxy until CMS publishes ASM's own [ASSUMPTION]; Q492 PY2026: a CMS placeholder row "
        "(its points from CMS's report are better).")
    # a year some measures have no ladder in: they are excluded (spec 8.1), and the note says which (the packaged CSV
    # has no PY2022 row of Q492, Q377 eCQM or Q238)
    assert benchmarks_note(2022) == (
        "Quality points: MIPS benchmark ladders of PY2022, benchmark_year 2022 (as set): a proxy until CMS publishes "
        "ASM's own [ASSUMPTION]; no ladder that year, so excluded: Q492 Administrative claims, Q377 eCQM, Q238 eCQM, "
        "Q238 MIPS CQM.")
    assert "placeholder" not in benchmarks_note(2025)
