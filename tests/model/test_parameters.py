"""Model parameters as data: years, risk levels, cohorts, specialties, measures (spec 2, 3)."""

import json

import pytest

from asm_xl import ASMInputError, cohorts, get_cohort, payment_year, risk_level
from asm_xl.model import parameters
from asm_xl.model.columns import all_columns
from asm_xl.model.parameters import cohort_of_specialty, normalize_measure_id, performance_years, year_parameters


def test_performance_years_2027_to_2031():
    assert performance_years() == (2027, 2028, 2029, 2030, 2031)


@pytest.mark.parametrize("py, r", [(2027, 0.09), (2028, 0.09), (2029, 0.10), (2030, 0.11), (2031, 0.12)])
def test_risk_level_by_performance_year(py, r):
    assert risk_level(py) == r


@pytest.mark.parametrize("py", [2027, 2028, 2029, 2030, 2031])
def test_payment_year_is_performance_year_plus_two(py):
    assert payment_year(py) == py + 2


def test_performance_year_accepts_whole_number_forms():
    assert year_parameters("2029").risk_level == 0.10 and year_parameters(2029.0).payment_year == 2031


@pytest.mark.parametrize("bad", [2026, 2032, 2027.5, "PY2027", None])
def test_unknown_performance_year_is_rejected(bad):
    with pytest.raises(ASMInputError) as e:
        year_parameters(bad)
    assert e.value.field == "performance_year" and "a performance year 2027-2031" in str(e.value)


def test_heart_failure_cohort_measures_and_directions():
    hf = get_cohort("HF")
    assert [m.label for m in hf.measures] == ["Q492", "Q008", "Q005", "Q236", "Q377"]
    q492 = hf.measure("492")
    assert q492.inverse and not q492.proportion and q492.administrative_claims_only
    assert not any(m.inverse for m in hf.measures[1:])
    assert hf.cost_measure_id == "COST_HF_1" and hf.specialties == ("Cardiology",)


def test_low_back_pain_cohort_measures_and_directions():
    lbp = get_cohort("Low back pain")
    assert [m.label for m in lbp.measures] == ["Q238", "Q134", "Q128", "Q220"]
    assert lbp.measure("Q238").inverse and lbp.measure("Q238").proportion
    assert lbp.cost_measure_id == "COST_LBP_1" and len(lbp.specialties) == 6


@pytest.mark.parametrize("text, code", [("HF", "HF"), ("hf", "HF"), ("Heart failure", "HF"),
                                        (" lbp ", "LBP"), ("LOW BACK PAIN", "LBP")])
def test_cohort_codes_and_names(text, code):
    assert get_cohort(text).code == code


def test_unknown_cohort_lists_codes():
    with pytest.raises(ASMInputError, match=r"cohort: 'CKD' is not allowed \(one of HF, LBP\)"):
        get_cohort("CKD")


@pytest.mark.parametrize("spec, code", [("Cardiology", "HF"), ("anesthesiology", "LBP"),
                                        ("Interventional Pain Management", "LBP"), ("Neurosurgery", "LBP"),
                                        ("Orthopedic Surgery", "LBP"), ("Pain Management", "LBP"),
                                        ("Physical Medicine and Rehabilitation", "LBP")])
def test_specialty_maps_to_its_cohort(spec, code):
    assert cohort_of_specialty(spec).code == code


def test_non_asm_specialty_lists_the_asm_ones():
    with pytest.raises(ASMInputError) as e:
        cohort_of_specialty("Dermatology")
    assert "HF: Cardiology; LBP: Anesthesiology" in str(e.value)


@pytest.mark.parametrize("given", ["Q236", "q236", "236", 236, 236.0, " Q236 ", "236.0"])
def test_measure_id_forms_normalize(given):
    assert normalize_measure_id(given) == "236"


def test_short_measure_numbers_are_zero_padded():
    assert normalize_measure_id("Q8") == normalize_measure_id(8) == "008"


@pytest.mark.parametrize("bad", [236.5, True, None, "Q1234", "abc", ""])
def test_bad_measure_ids_are_rejected(bad):
    with pytest.raises(ASMInputError, match=r'a MIPS measure number such as "Q236", "236" or 236'):
        normalize_measure_id(bad)


def test_measure_list_is_data_not_code(monkeypatch):
    # Adding a measure to the LBP cohort in model_parameters.json (e.g. the future excess-utilization
    # measure) makes it a measure of the cohort and adds its roster columns, with no code change.
    raw = json.loads(json.dumps(parameters._raw()))
    lbp = next(c for c in raw["cohorts"] if c["code"] == "LBP")
    lbp["measures"].append({"id": "999", "title": "Excess utilization (placeholder)",
                            "collection_types": ["Administrative claims"], "inverse": True, "proportion": False})
    for f in (parameters.cohorts, parameters._specialty_index):
        f.cache_clear()
    monkeypatch.setattr(parameters, "_raw", lambda: raw)
    try:
        c = parameters.cohorts()["LBP"]
        assert [m.label for m in c.measures][-1] == "Q999"
        assert c.measure("Q999").administrative_claims_only
        assert "q999_rate" in all_columns()
    finally:
        monkeypatch.undo()
        for f in (parameters.cohorts, parameters._specialty_index):
            f.cache_clear()
    assert [m.label for m in cohorts()["LBP"].measures] == ["Q238", "Q134", "Q128", "Q220"]


def test_a_misspelt_specialty_is_told_the_specialty_meant():
    import pytest

    from asm_xl.model.errors import ASMInputError
    from asm_xl.model.parameters import cohort_of_specialty
    with pytest.raises(ASMInputError, match=r"\); did you mean 'Orthopedic Surgery'\?"):
        cohort_of_specialty("Orthopedics")
    with pytest.raises(ASMInputError) as e:
        cohort_of_specialty("Dermatology")   # nothing close: no guess
    assert "did you mean" not in str(e.value)
