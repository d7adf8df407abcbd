"""QPP submission files (CMS's submissions-API JSON) into the roster's measure columns: reading CMS's own
examples, QPP's documented formulas, the merge rules and ``asm-xl import-qpp``.

Formulas (QPP Submissions API reference, "Measurements", github.com/CMSgov/qpp-submissions-docs
src/app/components/references/data.ts):
  data completeness = (performanceMet + eligiblePopulationExclusion + eligiblePopulationException
                       + performanceNotMet) / eligiblePopulation       -> roster reported / eligible
  performance rate  = performanceMet / (performanceMet + performanceNotMet)
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from asm_xl.cli import main
from asm_xl.roster import read_roster, validate_roster
from asm_xl.roster import qpp_import
from asm_xl.roster.qpp_import import QppError, read_qpp_submission
from asm_xl.roster.qpp_merge import merge_into_roster
from asm_xl.roster.qpp_rates import QppFormatError, multi_rate_counts, single_rate_counts

ROOT = Path(__file__).resolve().parents[2]
QPP = ROOT / "tests" / "data" / "qpp"  # CMS's CC0 examples, copied unchanged (README there)
SAMPLE = ROOT / "asm_xl" / "roster" / "data" / "sample_roster.csv"
NPI, TIN = "1891394078", "83-7035914"          # the sample roster's first physician (HF, PY 2027)
LBP_NPI, LBP_TIN = "1141240782", "22-6199528"  # an orthopedic surgeon of the sample roster (LBP, PY 2027)


def _example(name: str) -> dict:
    return json.loads((QPP / name).read_text(encoding="utf-8"))


def _write(tmp_path: Path, data, name: str = "sub.json") -> Path:
    p = tmp_path / name
    p.write_text(json.dumps(data) if not isinstance(data, str) else data, encoding="utf-8")
    return p


def _quality_as_asm(tmp_path, npi=NPI, tin="837035914", year=2027) -> Path:
    """CMS's quality example with its measure 102 renumbered 236 (an HF measure), its counts unchanged, for a
    physician of the sample roster."""
    d = _example("submission-example-quality.json")
    d.update(nationalProviderIdentifier=npi, taxpayerIdentificationNumber=tin, performanceYear=year)
    d["measurementSets"][0]["measurements"][1]["measureId"] = "236"
    return _write(tmp_path, d, "quality_236.json")


def _roster(rows: list[dict]) -> pd.DataFrame:
    base = {"npi": "", "tin": "", "name": "", "specialty": "", "performance_year": "2027"}
    return pd.DataFrame([{**base, **r} for r in rows], dtype=object)


# ------------------------------------------------------------------ CMS's five examples
def test_quality_example_has_no_asm_measure_and_reports_its_three_measures_by_id():
    imp = read_qpp_submission(QPP / "submission-example-quality.json", performance_year=2027)
    assert imp.rows == {("000456789", "9876543210", 2027): {}}
    assert imp.outside == ["305", "102", "ACRAD15"]
    assert {n.kind for n in imp.notes} == {"outside", "identifier"}
    # CMS's placeholder NPI fails the Luhn check digit: said, since no roster row can match it
    assert any("9876543210" in n.text and "check digit" in n.text for n in imp.notes if n.kind == "identifier")


def test_quality_example_counts_become_eligible_reported_and_rate_by_qpps_formulas(tmp_path):
    raw = _example("submission-example-quality.json")["measurementSets"][0]["measurements"][1]["value"]
    assert (raw["eligiblePopulation"], raw["performanceMet"], raw["performanceNotMet"],
            raw["eligiblePopulationExclusion"], raw["eligiblePopulationException"]) == (562, 305, 255, 0, 2)
    imp = read_qpp_submission(_quality_as_asm(tmp_path))
    assert imp.rows == {("837035914", NPI, 2027): {
        "q236_collection_type": "MIPS CQM",        # submissionMethod "registry" = MIPS CQM
        "q236_eligible": 562,                      # eligiblePopulation
        "q236_reported": 305 + 0 + 2 + 255,        # met + exclusion + exception + not met: completeness 100%
        "q236_rate": 305 / (305 + 255),            # met / (met + not met): the exception is out of the rate
    }}
    assert imp.outside == ["305", "ACRAD15"]


def test_multi_performance_rate_measure_q238_takes_its_overall_stratum(tmp_path):
    d = _example("submission-example-quality.json")
    d["performanceYear"] = 2027
    m = d["measurementSets"][0]["measurements"][0]        # measure 305: strata "14days" (60 cases), "34days"
    m["measureId"] = "238"                                 # Q238: overallAlgorithm overallStratumOnly [qpp-measures-data]
    m["value"]["strata"][0]["stratum"] = "overall"
    values = read_qpp_submission(_write(tmp_path, d)).rows[("000456789", "9876543210", 2027)]
    assert {k: v for k, v in values.items() if k.startswith("q238")} == {
        "q238_collection_type": "MIPS CQM", "q238_eligible": 60, "q238_reported": 47 + 13, "q238_rate": 47 / 60}


def test_q238_without_an_overall_stratum_is_refused_naming_the_path_and_the_strata(tmp_path):
    d = _example("submission-example-quality.json")
    d["performanceYear"] = 2027
    d["measurementSets"][0]["measurements"][0]["measureId"] = "238"
    with pytest.raises(QppError, match=r"measurements\[0\]\.value\.strata: no stratum named \"overall\" "
                                       r"\(found '14days', '34days'\)"):
        read_qpp_submission(_write(tmp_path, d))


def test_other_algorithms_on_the_examples_strata_follow_qpps_documentation():
    strata = _example("submission-example-quality.json")["measurementSets"][0]["measurements"][0]["value"]
    # 14days: met 47, not met 13, eligible 60; 34days: met 121, not met 26, eligible 147; no exclusions
    simple = multi_rate_counts(strata, "$", "simpleAverage")
    assert simple.rate == pytest.approx((47 / 60 + 121 / 147) / 2)
    assert (simple.eligible, simple.reported) == (147, 147)          # the stratum with the highest case count
    weighted = multi_rate_counts(strata, "$", "weightedAverage")
    assert weighted.rate == pytest.approx((47 + 121) / (47 + 13 + 121 + 26))
    assert (weighted.eligible, weighted.reported) == (60 + 147, 60 + 147)
    with pytest.raises(QppFormatError, match='overallAlgorithm "sumNumerators"'):
        multi_rate_counts(strata, "$", "sumNumerators")


def test_group_example_reads_q005_and_q128_for_the_tin_and_reports_the_rest():
    imp = read_qpp_submission(QPP / "scoring-example-submission-input.json")
    key = ("000123456", None, 2017)                 # a group: TIN only, no NPI
    assert imp.entity_types == {key: "group"}
    # each: performanceMet 10000, not met 0, exclusion/exception null (= 0), eligiblePopulation 10000, EHR
    assert imp.rows[key] == {
        "q005_collection_type": "eCQM", "q005_eligible": 10000, "q005_reported": 10000 + 0, "q005_rate": 10000 / 10000,
        "q128_collection_type": "eCQM", "q128_eligible": 10000, "q128_reported": 10000 + 0, "q128_rate": 10000 / 10000}
    assert imp.outside == ["110", "191", "192", "310"]
    texts = [n.text for n in imp.notes]
    assert any("2017 is not an ASM performance year" in t for t in texts)
    assert any('"ia" (IA, 4 measurement(s)) is not quality' in t for t in texts)
    assert any('"aci" (PI, 10 measurement(s)) is not quality' in t for t in texts)


@pytest.mark.parametrize("name, category, label, count", [
    ("submission-example-aci.json", "pi", "PI", 10), ("submission-example-ia.json", "ia", "IA", 4)])
def test_pi_and_ia_examples_are_skipped_with_a_note(name, category, label, count):
    imp = read_qpp_submission(QPP / name, performance_year=2028)
    assert imp.rows == {("000456789", "9876543210", 2028): {}}
    assert imp.outside == []
    assert [n.text for n in imp.notes if n.kind == "skipped"] == [
        f'$.measurementSets[0]: category "{category}" ({label}, {count} measurement(s)) is not quality: skipped '
        "(PI/IA are entered as pi_score / ia1_done, ia2_done)"]


@pytest.mark.parametrize("name", ["submission-example-quality.json", "submission-example-aci.json",
                                  "submission-example-ia.json"])
def test_cms_template_placeholder_year_needs_a_year_from_the_user(name):
    with pytest.raises(QppError, match=r'\$\.performanceYear: "< performanceYearToBeReported >" is not a year.*--year'):
        read_qpp_submission(QPP / name)


def test_scoring_response_example_is_refused_as_not_a_submission():
    with pytest.raises(QppError, match="scoring-example-output-quality.json: \\$: this is a QPP scoring response"):
        read_qpp_submission(QPP / "scoring-example-output-quality.json")


def test_api_response_envelope_and_a_list_of_submissions_are_read(tmp_path):
    sub = json.loads(_quality_as_asm(tmp_path).read_text())
    other = {**copy.deepcopy(sub), "nationalProviderIdentifier": "1035992670"}
    imp = read_qpp_submission(_write(tmp_path, {"data": {"submissions": [sub, other]}}))
    assert sorted(k[1] for k in imp.rows) == ["1035992670", NPI]
    assert read_qpp_submission(_write(tmp_path, {"data": {"submission": sub}})).rows.keys() == {
        ("837035914", NPI, 2027)}


# ------------------------------------------------------------------ bad files
def test_invalid_json_is_refused_with_line_and_column(tmp_path):
    p = _write(tmp_path, '{"entityType": "individual",\n  "performanceYear": }')
    with pytest.raises(QppError, match=r"sub\.json is not valid JSON: Expecting value at line 2, column 22"):
        read_qpp_submission(p)


@pytest.mark.parametrize("text, message", [
    # json kept the last of two equal keys without a word: which rate CMS's file meant is unknown
    ('{"entityType": "individual", "entityType": "group"}', r"the key 'entityType' is given twice in one object"),
    # Python's own message ("use sys.set_int_max_str_digits()") reached the user
    ('{"performanceYear": ' + "9" * 5000 + "}", r"a number of 5,000 digits"),
])
def test_a_json_file_with_a_key_given_twice_or_a_huge_number_is_refused_naming_it(tmp_path, text, message):
    with pytest.raises(QppError, match=r"sub\.json is not valid JSON: " + message):
        read_qpp_submission(_write(tmp_path, text))


@pytest.mark.parametrize("edit, message", [
    (lambda v: v.pop("eligiblePopulation"), r"measurements\[1\]\.value\.eligiblePopulation: missing; required"),
    (lambda v: v.update(performanceMet="305"), r"measurements\[1\]\.value\.performanceMet: '305' is not a count"),
    (lambda v: v.update(performanceNotMet=-1), r"value\.performanceNotMet: -1 is not a count"),
    (lambda v: v.update(performanceMet=1e308), r"value\.performanceMet: 1e\+308 is not a count; allowed: a whole number "
                                              r"from 0 to 1,000,000,000$"),
    (lambda v: v.update(eligiblePopulation=500), r"= 562 is more than eligiblePopulation = 500"),
    (lambda v: v.clear() or v.update(numerator=1, denominator=2), r"Q236 needs performanceMet and eligiblePopulation"),
])
def test_missing_or_wrong_counts_are_refused_naming_the_json_path(tmp_path, edit, message):
    d = json.loads(_quality_as_asm(tmp_path).read_text())
    edit(d["measurementSets"][0]["measurements"][1]["value"])
    with pytest.raises(QppError, match=message):
        read_qpp_submission(_write(tmp_path, d))


@pytest.mark.parametrize("field, value, message", [
    ("taxpayerIdentificationNumber", 456789, r"\$\.taxpayerIdentificationNumber: 456789 must be text"),
    ("taxpayerIdentificationNumber", "4567", r'\$\.taxpayerIdentificationNumber: "4567"; allowed: the 9-digit TIN'),
    ("nationalProviderIdentifier", None, r"\$\.nationalProviderIdentifier: missing; required for entityType"),
    ("entityType", "person", r'\$\.entityType: "person"; allowed: individual, group'),
])
def test_wrong_submission_fields_are_refused_naming_the_field(tmp_path, field, value, message):
    d = json.loads(_quality_as_asm(tmp_path).read_text())
    d[field] = value
    with pytest.raises(QppError, match=message):
        read_qpp_submission(_write(tmp_path, d))


def test_unknown_submission_method_is_refused(tmp_path):
    d = json.loads(_quality_as_asm(tmp_path).read_text())
    d["measurementSets"][0]["submissionMethod"] = "fax"
    with pytest.raises(QppError, match=r'measurementSets\[0\]\.submissionMethod: "fax"; allowed: electronicHealthRecord'):
        read_qpp_submission(_write(tmp_path, d))


def test_collection_type_asm_does_not_use_for_the_measure_is_reported_not_imported(tmp_path):
    d = json.loads(_quality_as_asm(tmp_path).read_text())
    d["measurementSets"][0]["submissionMethod"] = "claims"   # Q236 is eCQM or MIPS CQM in ASM
    imp = read_qpp_submission(_write(tmp_path, d))
    assert imp.rows[("837035914", NPI, 2027)] == {}
    assert any("Q236 collected as Medicare Part B claims; ASM takes it as eCQM, MIPS CQM" in n.text for n in imp.notes)


def test_oversize_file_is_refused_before_it_is_parsed(tmp_path):
    p = _write(tmp_path, "[" + " " * 5000 + "]")
    with pytest.raises(QppError, match=r"larger than 1,000 bytes, the limit for a QPP submission file"):
        read_qpp_submission(p, max_bytes=1000)


def test_too_many_measurements_are_refused_naming_the_list(tmp_path, monkeypatch):
    monkeypatch.setitem(qpp_import.LIMITS, "measurements", 2)
    with pytest.raises(QppError, match=r"\$\.measurementSets\[0\]\.measurements: 3 measurements, more than the limit"):
        read_qpp_submission(_quality_as_asm(tmp_path))


def test_missing_file_is_one_clear_error(tmp_path):
    with pytest.raises(QppError, match="QPP submission file not found"):
        read_qpp_submission(tmp_path / "nope.json")


# ------------------------------------------------------------------ merging
def test_merge_fills_blank_measure_columns_of_the_matching_row_only(tmp_path):
    roster = _roster([{"npi": NPI, "tin": TIN, "specialty": "Cardiology"},
                      {"npi": "1035992670", "tin": TIN, "specialty": "Cardiology"}])
    merged, notes = merge_into_roster(roster, [read_qpp_submission(_quality_as_asm(tmp_path))])
    assert merged.loc[0, ["q236_collection_type", "q236_eligible", "q236_reported", "q236_rate"]].tolist() == [
        "MIPS CQM", "562", "562", repr(305 / 560)]
    assert merged.loc[1, ["q236_eligible", "q236_rate"]].tolist() == ["", ""]
    assert [n.text for n in notes if n.kind == "filled"] == [f"row 0 (NPI {NPI}): Q236"]
    assert [n for n in notes if n.kind == "outside"]                        # 305 and ACRAD15, from reading


def test_a_blank_or_spreadsheet_typed_roster_year_matches_and_another_year_does_not(tmp_path):
    roster = _roster([{"npi": NPI, "tin": TIN, "specialty": "Cardiology", "performance_year": "2027.0"},
                      {"npi": NPI, "tin": TIN, "specialty": "Cardiology", "performance_year": ""},
                      {"npi": NPI, "tin": TIN, "specialty": "Cardiology", "performance_year": "2028"}])
    merged, _ = merge_into_roster(roster, [read_qpp_submission(_quality_as_asm(tmp_path))])
    assert merged["q236_eligible"].tolist() == ["562", "562", ""]


def test_merge_keeps_a_differing_typed_measure_and_reports_it_unless_the_file_is_preferred(tmp_path):
    roster = _roster([{"npi": NPI, "tin": TIN, "specialty": "Cardiology", "q236_eligible": "562",
                       "q236_reported": "500", "q236_rate": ""}])
    imp = read_qpp_submission(_quality_as_asm(tmp_path))
    kept, notes = merge_into_roster(roster, [imp])
    assert kept.loc[0, ["q236_eligible", "q236_reported", "q236_rate"]].tolist() == ["562", "500", ""]
    conflict, = [n.text for n in notes if n.kind == "conflict"]
    assert "q236_reported: roster 500, file 562" in conflict and "q236_eligible" not in conflict
    taken, notes = merge_into_roster(roster, [imp], prefer_file=True)
    assert taken.loc[0, ["q236_eligible", "q236_reported", "q236_rate"]].tolist() == ["562", "562", repr(305 / 560)]
    assert [n.kind for n in notes if n.kind in ("conflict", "replaced")] == ["replaced"]
    # a rate is shown as it is compared, to 4 decimals (0.5446...: 305 / 560), not as 17 digits
    typed = _roster([{"npi": NPI, "tin": TIN, "specialty": "Cardiology", "q236_eligible": "562",
                      "q236_reported": "562", "q236_rate": "0.6"}])
    _, notes = merge_into_roster(typed, [imp])
    conflict, = [n.text for n in notes if n.kind == "conflict"]
    assert "q236_rate: roster 0.6, file 0.5446" in conflict


def test_the_same_values_typed_as_excel_shows_them_are_not_a_conflict(tmp_path):
    roster = _roster([{"npi": NPI, "tin": TIN, "specialty": "Cardiology", "q236_collection_type": "registry",
                       "q236_eligible": "562", "q236_reported": "562", "q236_rate": "54.46%"}])  # 305/560 = 54.464%
    merged, notes = merge_into_roster(roster, [read_qpp_submission(_quality_as_asm(tmp_path))])
    assert not [n for n in notes if n.kind == "conflict"]
    assert merged.loc[0, "q236_rate"] == repr(305 / 560)


def test_typed_completeness_that_disagrees_with_the_file_is_a_conflict(tmp_path):
    roster = _roster([{"npi": NPI, "tin": TIN, "specialty": "Cardiology", "q236_completeness": "80%"}])
    imp = read_qpp_submission(_quality_as_asm(tmp_path))
    _, notes = merge_into_roster(roster, [imp])
    assert any("q236_completeness: roster 80%, file 100.00%" in n.text for n in notes if n.kind == "conflict")
    taken, _ = merge_into_roster(roster, [imp], prefer_file=True)
    assert taken.loc[0, "q236_completeness"] == "" and taken.loc[0, "q236_reported"] == "562"


def test_two_files_for_the_same_physician_first_wins_and_the_difference_is_reported(tmp_path):
    first = read_qpp_submission(_quality_as_asm(tmp_path))
    d = json.loads(_quality_as_asm(tmp_path).read_text())
    d["measurementSets"][0]["measurements"][1]["value"]["performanceMet"] = 300
    d["measurementSets"][0]["measurements"][1]["value"]["performanceNotMet"] = 260
    second = read_qpp_submission(_write(tmp_path, d, "later.json"))
    merged, notes = merge_into_roster(_roster([{"npi": NPI, "tin": TIN, "specialty": "Cardiology"}]), [first, second])
    assert merged.loc[0, "q236_rate"] == repr(305 / 560)
    conflict, = [n for n in notes if n.kind == "conflict"]
    assert conflict.source == "later.json" and "the first file's is kept" in conflict.text


def test_unmatched_physician_is_reported_with_where_the_roster_has_the_npi(tmp_path):
    roster = _roster([{"npi": NPI, "tin": "12-3456789", "specialty": "Cardiology"}])
    merged, notes = merge_into_roster(roster, [read_qpp_submission(_quality_as_asm(tmp_path))])
    assert len(merged) == 1 and "q236_eligible" not in merged.columns
    unmatched, = [n.text for n in notes if n.kind == "unmatched"]
    assert unmatched == (f"NPI {NPI}, TIN 837035914, PY 2027 (measures Q236): no roster row matches; the roster "
                         "has this NPI with TIN 123456789, PY 2027; not added")


def test_measure_outside_the_rows_cohort_is_reported_not_merged(tmp_path):
    roster = _roster([{"npi": NPI, "tin": TIN, "specialty": "Orthopedic Surgery"}])   # LBP: Q236 is an HF measure
    merged, notes = merge_into_roster(roster, [read_qpp_submission(_quality_as_asm(tmp_path))])
    assert "q236_eligible" not in merged.columns
    assert [n.text for n in notes if n.kind == "cohort"] == [f"row 0 (NPI {NPI}): Q236 is not a LBP measure: not merged"]


def test_group_submission_is_reported_by_default_and_copied_to_the_tins_rows_on_request(tmp_path):
    d = _example("scoring-example-submission-input.json")
    d["data"]["submission"].update(taxpayerIdentificationNumber="226199528", performanceYear=2027)
    imp = read_qpp_submission(_write(tmp_path, d))
    roster = _roster([{"npi": LBP_NPI, "tin": LBP_TIN, "specialty": "Orthopedic Surgery"},
                      {"npi": NPI, "tin": LBP_TIN, "specialty": "Cardiology"}])
    untouched, notes = merge_into_roster(roster, [imp])
    assert untouched.equals(roster)
    assert any("not merged into the 2 roster row(s) of this TIN" in n.text for n in notes if n.kind == "group")
    merged, notes = merge_into_roster(roster, [imp], group_to_members=True)
    assert merged.loc[0, ["q128_eligible", "q128_rate"]].tolist() == ["10000", "1.0"]   # LBP row: Q128
    assert merged.loc[1, ["q005_eligible", "q005_rate"]].tolist() == ["10000", "1.0"]   # HF row: Q005
    assert merged.loc[0, "q005_eligible"] == "" and merged.loc[1, "q128_eligible"] == ""
    assert len([n for n in notes if n.kind == "cohort"]) == 2


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 10_000), st.integers(0, 10_000), st.integers(0, 500), st.integers(0, 500), st.integers(0, 500))
def test_single_rate_counts_give_a_completeness_and_rate_between_0_and_1(met, not_met, excl, exc, missing):
    eligible = met + not_met + excl + exc + missing
    c = single_rate_counts({"performanceMet": met, "performanceNotMet": not_met, "eligiblePopulation": eligible,
                            "eligiblePopulationExclusion": excl, "eligiblePopulationException": exc}, "$")
    assert c.eligible == eligible and c.reported == eligible - missing
    if met + not_met:
        assert 0 <= c.rate <= 1 and c.rate * (met + not_met) == pytest.approx(met)
    else:
        assert c.rate is None


def test_merging_the_same_file_again_changes_nothing(tmp_path):
    imp = read_qpp_submission(_quality_as_asm(tmp_path))
    once, _ = merge_into_roster(_roster([{"npi": NPI, "tin": TIN, "specialty": "Cardiology"}]), [imp])
    twice, notes = merge_into_roster(once, [imp])
    assert twice.equals(once) and not [n for n in notes if n.kind == "conflict"]


# ------------------------------------------------------------------ asm-xl import-qpp
def _sample_without_q236(tmp_path) -> Path:
    df = read_roster(SAMPLE)
    df.loc[df["npi"] == NPI, ["q236_collection_type", "q236_eligible", "q236_reported", "q236_rate"]] = ""
    p = tmp_path / "roster.csv"
    p.write_bytes(df.to_csv(index=False).encode("utf-8-sig"))
    return p


def test_import_qpp_round_trip_gives_a_roster_that_validates_and_scores(tmp_path, capsys):
    roster, out = _sample_without_q236(tmp_path), tmp_path / "merged.csv"
    code = main(["import-qpp", str(roster), str(_quality_as_asm(tmp_path)),
                 str(QPP / "submission-example-ia.json"), "--year", "2027", "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 0
    assert "quality_236.json: 1 roster row(s) filled" in printed
    assert "outside the ASM measure list (not imported): 305, ACRAD15" in printed
    assert "not in the roster: NPI 9876543210, TIN 000456789, PY 2027" in printed
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    merged = read_roster(out)
    row = merged[merged["npi"] == NPI].iloc[0]
    assert (row["q236_collection_type"], row["q236_eligible"], row["q236_reported"]) == ("MIPS CQM", "562", "562")
    assert float(row["q236_rate"]) == 305 / 560
    before = read_roster(roster)
    assert merged.drop(columns=[c for c in merged if c.startswith("q236")]).equals(
        before.drop(columns=[c for c in before if c.startswith("q236")]))
    v = validate_roster(merged)
    assert len(v.errors) == 0
    scored = v.scored.scores.set_index("npi").loc[NPI]
    # the file's collection type picks the MIPS CQM ladder; its rate is scored on it (spec 3.1, latest PY)
    ladder = _benchmark_row(2026, "236", "registry")
    rate = 100 * 305 / 560
    k = max(i for i in range(1, 11) if rate >= ladder[i - 1])
    assert scored["q236_benchmark"] == "Q236 MIPS CQM PY2026"
    assert scored["q236_points"] == pytest.approx(k + (rate - ladder[k - 1]) / (ladder[k] - ladder[k - 1]), abs=1e-4)
    assert main(["score", str(out), "--errors", str(tmp_path / "errors.csv")]) == 0
    assert NPI in capsys.readouterr().out


def _benchmark_row(year: int, measure: str, method: str) -> list[float]:
    """Decile start values B1..B10 of the shared MIPS benchmark table (percent)."""
    table = pd.read_csv(ROOT / "asm_xl" / "model" / "data" / "mips_benchmarks_asm.csv", dtype=str)
    row = table[(table.performance_year == str(year)) & (table.measure_id == measure)
                & (table.submission_method == method)].iloc[0]
    return [float(row[f"decile_{i}"]) for i in range(1, 11)]


def test_import_qpp_with_an_unreadable_file_writes_nothing_and_returns_1(tmp_path, capsys):
    out = tmp_path / "merged.csv"
    code = main(["import-qpp", str(SAMPLE), str(QPP / "submission-example-quality.json"), "--out", str(out)])
    assert code == 1 and not out.exists()
    err = capsys.readouterr().err
    assert "performanceYear" in err and "nothing written" in err and "Traceback" not in err


def test_import_qpp_conflicts_return_2_and_keep_the_roster_values(tmp_path, capsys):
    out = tmp_path / "merged.csv"
    code = main(["import-qpp", str(SAMPLE), str(_quality_as_asm(tmp_path)), "--out", str(out)])
    assert code == 2
    assert "conflicts: row 2 (NPI 1891394078): Q236 typed differently" in capsys.readouterr().out
    assert read_roster(out).equals(read_roster(SAMPLE))


def test_import_qpp_never_writes_over_the_roster_it_reads(tmp_path, capsys):
    """README: "The roster file is never changed." ``--out roster.csv`` replaced it with the merged roster."""
    roster = _sample_without_q236(tmp_path)
    before = roster.read_bytes()
    code = main(["import-qpp", str(roster), str(_quality_as_asm(tmp_path)), "--year", "2027", "--out", str(roster)])
    assert code == 1 and roster.read_bytes() == before
    assert capsys.readouterr().err.splitlines() == [
        f"asm-xl: --out {roster} is {roster}, which this command reads: choose another file "
        "(an input is never overwritten)"]


def test_import_qpp_keeps_an_existing_output_unless_overwrite(tmp_path, capsys):
    roster = _sample_without_q236(tmp_path)
    out = tmp_path / "merged.csv"
    args = ["import-qpp", str(roster), str(_quality_as_asm(tmp_path)), "--year", "2027", "--out", str(out)]
    out.write_text("another roster\n")
    assert main(args) == 1 and out.read_text() == "another roster\n"
    assert capsys.readouterr().err.splitlines() == [
        f"asm-xl: {out} exists (it may hold an earlier merge or another roster): choose another --out or add "
        "--overwrite"]
    assert main(args + ["--overwrite"]) == 0
    assert read_roster(out)["q236_rate"].ne("").any()


def test_a_blank_tin_row_matched_by_two_tins_submissions_is_not_merged_and_says_why(tmp_path):
    # from-cms leaves the TIN blank: one row took Q005 from one TIN's submission and Q236 from another's
    other = _write(tmp_path, json.loads(_quality_as_asm(tmp_path, tin="987654321").read_text()), "other_tin.json")
    mine = _quality_as_asm(tmp_path)
    roster = _roster([{"npi": NPI, "tin": "", "specialty": "Cardiology"}])
    merged, notes = merge_into_roster(roster, [read_qpp_submission(mine), read_qpp_submission(other)])
    assert "q236_eligible" not in merged.columns or merged.loc[0, "q236_eligible"] == ""
    assert [n.text for n in notes if n.kind == "conflict"] == [
        f"row 0 (NPI {NPI}): its TIN is blank and the files hold submissions of TINs 837035914, 987654321: give the "
        "row's TIN (a row per TIN); not merged"]
    # one TIN's submission alone fills the blank-TIN row as before
    one, _ = merge_into_roster(roster, [read_qpp_submission(mine)])
    assert one.loc[0, "q236_eligible"] == "562"


def test_a_blank_tin_row_of_two_tins_files_that_differ_says_why_on_the_console_not_that_one_was_kept(tmp_path, capsys):
    # the reason was recorded for no file, so never printed; "the first file's is kept" was, and nothing was
    mine = _quality_as_asm(tmp_path)
    d = json.loads(mine.read_text())
    d["taxpayerIdentificationNumber"] = "987654321"
    d["measurementSets"][0]["measurements"][1]["value"]["performanceMet"] -= 50
    d["measurementSets"][0]["measurements"][1]["value"]["performanceNotMet"] += 50
    other = _write(tmp_path, d, "other_tin.json")
    roster = tmp_path / "roster.csv"
    _roster([{"npi": NPI, "tin": "", "specialty": "Cardiology"}]).to_csv(roster, index=False)
    out = tmp_path / "merged.csv"
    assert main(["import-qpp", str(roster), str(mine), str(other), "--out", str(out)]) == 2
    printed = capsys.readouterr().out
    assert ("across the files:\n  conflicts: row 2 (NPI 1891394078): its TIN is blank and the files hold submissions "
            "of TINs 837035914, 987654321: give the row's TIN (a row per TIN); not merged") in printed
    assert "the first file's is kept" not in printed
    assert read_roster(out).get("q236_eligible", pd.Series([""])).eq("").all()


def test_a_files_stated_performance_rate_that_its_counts_contradict_is_listed(tmp_path, capsys):
    # performanceRate was never read: a stated 20% beside counts of 54.46% imported 54.46% without a word
    d = json.loads(_quality_as_asm(tmp_path).read_text())
    value = d["measurementSets"][0]["measurements"][1]["value"]
    counted = value["performanceMet"] / (value["performanceMet"] + value["performanceNotMet"])
    for stated, listed in ((round(100 * counted, 2), False), (round(100 * counted), False), (20.0, True),
                           ("high", True)):
        value["performanceRate"] = stated
        imp = read_qpp_submission(_write(tmp_path, d, "stated.json"))
        conflicts = [n.text for n in imp.notes if n.kind == "conflict"]
        assert bool(conflicts) is listed, (stated, conflicts)
        assert imp.rows[("837035914", NPI, 2027)]["q236_rate"] == counted   # the counts' rate, always
    assert conflicts == ["$.measurementSets[0].measurements[1].value.performanceRate: \"high\" is not a percent from 0 "
                         "to 100; the counts' rate 54.46% is imported for Q236"]
    value["performanceRate"] = 20.0
    stated = _write(tmp_path, d, "stated.json")
    roster = _sample_without_q236(tmp_path)
    assert main(["import-qpp", str(roster), str(stated), "--out", str(tmp_path / "m.csv")]) == 2
    assert ("conflicts: $.measurementSets[0].measurements[1].value: Q236 states performanceRate 20% but its counts "
            "give 54.46%") in capsys.readouterr().out


def test_values_from_the_file_are_shown_as_json_writes_them_never_acted_on_by_the_terminal(tmp_path):
    # "$.entityType: None" for a missing one, a Python list for strata names, a NUL and a right-to-left override
    # in a measureId echoed raw to the console
    d = json.loads(_quality_as_asm(tmp_path).read_text())
    d["measurementSets"][0]["measurements"][0]["measureId"] = "134\u0000\u202e"
    imp = read_qpp_submission(_write(tmp_path, d, "odd_id.json"))
    assert "134\\u0000\\u202e" in imp.outside
    del d["entityType"]
    with pytest.raises(QppError, match=r"\$\.entityType: null; allowed: individual, group"):
        read_qpp_submission(_write(tmp_path, d, "no_entity.json"))


def test_import_qpp_says_what_reading_the_roster_noticed(tmp_path, capsys):
    # a Windows-1252 roster: the merged roster is UTF-8, so no later run could say "check accented names"
    roster = tmp_path / "r1252.csv"
    roster.write_bytes(b'npi,tin,name,specialty,performance_year\n1891394078,837035914,"Andr\xe9, Jos\xe9",Cardiology,'
                       b'2027\n')
    assert main(["import-qpp", str(roster), str(_quality_as_asm(tmp_path)), "--out", str(tmp_path / "m.csv")]) == 0
    assert "is not UTF-8: read as Windows-1252 (check accented names)" in capsys.readouterr().err


def test_a_typed_rate_beside_the_files_counts_is_a_conflict_not_a_mixed_measure(tmp_path):
    # the roster typed only q236_rate 0.9 and the file's Q236 had counts but no rate (every case an exception):
    # the row became the file's counts with the roster's rate ("filled", no conflict). Such a measure is no
    # longer imported; a file's measure always carries its rate, so a typed rate is compared with it
    d = json.loads(_quality_as_asm(tmp_path).read_text())
    m = d["measurementSets"][0]["measurements"][1]["value"]
    m["performanceMet"], m["performanceNotMet"], m["eligiblePopulationException"] = 0, 0, 562   # no rate
    m["eligiblePopulation"] = 562
    no_rate = read_qpp_submission(_write(tmp_path, d, "no_rate.json"))
    # a measure with no performance rate (every case an exception) is not imported: the roster's check would
    # reject the whole physician for a rate it needs
    assert no_rate.rows[("837035914", NPI, 2027)] == {}
    assert any("Q236 has no performance rate (562 eligible, none met or not met" in n.text for n in no_rate.notes)
    full = read_qpp_submission(_quality_as_asm(tmp_path))
    roster = _roster([{"npi": NPI, "tin": TIN, "specialty": "Cardiology", "q236_rate": "0.9"}])
    merged, notes = merge_into_roster(roster, [full])
    assert merged.loc[0, "q236_rate"] == "0.9" and merged.loc[0, "q236_eligible"] == ""   # the roster's measure
    assert [n.text for n in notes if n.kind in ("conflict", "filled")] == [
        f"row 0 (NPI {NPI}): Q236 typed differently in the roster (q236_rate: roster 0.9, file 0.5446); the roster's "
        "is kept (--prefer-file to take the file's)"]
    taken, notes = merge_into_roster(roster, [full], prefer_file=True)
    assert taken.loc[0, ["q236_eligible", "q236_rate"]].tolist() == ["562", repr(305 / 560)]


@pytest.mark.parametrize("edit, message", [
    (lambda m: m.pop("measureId"), r"measurements\[1\]\.measureId: missing; allowed"),          # said "None"
    (lambda m: m.update(measureId=None), r"measurements\[1\]\.measureId: null; allowed"),
    (lambda m: m.update(value=None), r"measurements\[1\]\.value: expected an object, found null"),  # "NoneType"
    (lambda m: m.update(value=[1]), r"measurements\[1\]\.value: expected an object, found a list"),
])
def test_a_measurements_wrong_field_is_named_in_jsons_words(tmp_path, edit, message):
    d = json.loads(_quality_as_asm(tmp_path).read_text())
    edit(d["measurementSets"][0]["measurements"][1])
    with pytest.raises(QppError, match=message):
        read_qpp_submission(_write(tmp_path, d))


def test_a_roster_tin_whose_zeros_a_spreadsheet_dropped_matches_the_files_tin(tmp_path):
    # the roster saved by Excel holds 9853177 for 009853177: the file's submission found no row
    sub = read_qpp_submission(_quality_as_asm(tmp_path, tin="009853177"))
    roster = _roster([{"npi": NPI, "tin": "9853177", "specialty": "Cardiology"}])
    merged, notes = merge_into_roster(roster, [sub])
    assert merged.loc[0, "q236_eligible"] == "562" and not [n for n in notes if n.kind == "unmatched"]


def test_import_qpp_names_two_files_of_one_name_by_their_paths_and_reads_a_file_given_twice_once(tmp_path, capsys):
    # two A.json from two folders: both reports were headed "A.json", each listing the other's notes
    roster, out = _sample_without_q236(tmp_path), tmp_path / "merged.csv"
    first = _quality_as_asm(tmp_path)
    (tmp_path / "sub").mkdir()
    second = tmp_path / "sub" / first.name
    second.write_bytes(first.read_bytes())
    code = main(["import-qpp", str(roster), str(first), str(second), str(first), "--year", "2027", "--out", str(out)])
    printed, err = capsys.readouterr()
    assert code == 0
    assert f"{first}: 1 roster row(s) filled" in printed and f"{second}: 0 roster row(s) filled" in printed
    assert err == f"{first}: skipped: given before\n"
