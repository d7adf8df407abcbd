"""A physician workbook gives the core's numbers for inputs typed the way a user types them (property test).

Generation writes each input in one form (numbers as numbers, "Yes"/"No"). A user editing the Inputs
sheet leaves whatever Excel keeps: a number, a number kept as text ("0.85", "1,000", "$250,000",
"85%"), TRUE/FALSE, 1/0, "yes", "x", a blank, or text that is no number at all. For random edits of
a generated physician's inputs, the Score sheet (computed by our evaluator, as ``asm-xl recalc`` does)
must show what ``score_cohort`` gives for a roster row holding the same values: the same quality,
cost, final score, factor and dollars, or an error where the core refuses the row; and the Actions
sheet what ``participant_actions`` ranks for that row, or "Not available" where the core refuses it.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, note, settings as hyp_settings, strategies as st

from asm_xl.calc.evaluator import XlErr
from asm_xl.excel.table_functions import NO_ACTION
from asm_xl.model.actions import participant_actions
from asm_xl.model.cohort import score_cohort
from asm_xl.model.parameters import get_cohort
from asm_xl.roster.read import read_roster
from asm_xl.workbooks import layout as L
from asm_xl.workbooks.inputs import MEASURE_FIELD_INPUTS, SCALAR_COLUMNS, workbook_inputs
from asm_xl.workbooks.render import TemplateImage
from asm_xl.workbooks.sheets.actions import RANKED
from asm_xl.workbooks.template import DEFAULT_TEMPLATE

SAMPLE = DEFAULT_TEMPLATE.parents[1] / "asm_xl" / "roster" / "data" / "sample_roster.csv"
#: Score sheet result → score_cohort column
RESULTS = {"Sc_Quality": "quality", "Sc_Cost": "cost", "Sc_Final": "final_score", "Sc_Factor": "factor",
           "Sc_Impact": "dollar_impact"}


@pytest.fixture(scope="module")
def image():
    return TemplateImage(DEFAULT_TEMPLATE)


@pytest.fixture(scope="module")
def base_rows():
    """An HF and an LBP physician of the sample roster, as validated roster rows (text)."""
    df = read_roster(SAMPLE)
    hf = df[df["specialty"] == "Cardiology"].iloc[0].to_dict()
    lbp = df[df["specialty"] == "Orthopedic Surgery"].iloc[0].to_dict()
    return {"HF": hf, "LBP": lbp}


# ------------------------------------------------------------------ how a user types a value
def _as_typed(draw, x: float, *, fraction: bool = False, dollars: bool = False):
    """The number x as a cell may hold it: a number, or text Excel kept (as typed, with a thousands
    separator or a dollar sign, a percent for a fraction)."""
    forms = ["number", "text"]
    if fraction:
        forms.append("percent")
    if dollars:
        forms += ["grouped", "dollar"]
    form = draw(st.sampled_from(forms))
    if form == "number":
        return float(x)
    if form == "text":
        return repr(float(x)) if not float(x).is_integer() else str(int(x))
    if form == "percent":
        return f"{round(x * 100, 4):g}%"
    if form == "grouped":
        return f"{x:,.2f}"
    return f"${x:,.0f}"


YES = [True, "Yes", "yes", "TRUE", 1.0, "x", "1"]
NO = [False, "No", "no", "FALSE", 0.0, "0", None]


@st.composite
def edits(draw, cohort_code: str) -> dict:
    """{roster column: the value typed into its cell}: a few of the physician's inputs, each in some
    form a user may type, now and then a value no rule accepts."""
    out = {}
    fields = draw(st.sets(st.sampled_from(["pi_score", "ia1_done", "ia2_done", "submitted_on_time",
                                           "complex_bonus", "practice_size", "part_b_payments",
                                           "cost_points", "cost_episodes", "measure", "measure_kind",
                                           "small_practice", "performance_year", "exception"]),
                          min_size=1, max_size=5))
    for f in sorted(fields):
        if f in ("ia1_done", "ia2_done", "submitted_on_time"):
            out[f] = draw(st.sampled_from(YES + NO + ["maybe"]))
        elif f == "pi_score":
            x = draw(st.one_of(st.sampled_from([0.0, 0.5, 0.74, 0.9, 1.0]),
                               st.floats(0, 1, allow_nan=False, allow_subnormal=False)))
            bad = draw(st.integers(0, 9)) == 0   # now and then text that is no number, or 150%
            out[f] = draw(st.sampled_from(["high", 1.5])) if bad else _as_typed(draw, x, fraction=True)
        elif f == "complex_bonus":
            out[f] = _as_typed(draw, draw(st.sampled_from([0.0, 1.0, 2.5, 5.0])))
        elif f == "practice_size":
            out[f] = _as_typed(draw, draw(st.sampled_from([1, 2, 15, 16, 48])))
        elif f == "part_b_payments":
            out[f] = _as_typed(draw, draw(st.sampled_from([0.0, 1_234.5, 250_000.0, 1_000_000.0])), dollars=True)
        elif f == "cost_points":
            x = draw(st.one_of(st.none(), st.just("n/a"), st.floats(1, 10, allow_nan=False).map(lambda v: round(v, 2))))
            out[f] = _as_typed(draw, x) if isinstance(x, float) else x
        elif f == "cost_episodes":
            n = draw(st.sampled_from([0, 19, 20, 21, 127, None]))
            out[f] = None if n is None else _as_typed(draw, n)
        elif f == "small_practice":
            out[f] = draw(st.sampled_from(YES + NO))
        elif f == "performance_year":
            out[f] = _as_typed(draw, draw(st.sampled_from([2027, 2029, 2031])))
        elif f == "exception":
            out[draw(st.sampled_from(["euc_exception", "payment_exception"]))] = draw(st.sampled_from(YES + NO))
        elif f == "measure_kind":   # how a measure is reported: its collection type, completeness, CMS's points
            cohort = get_cohort(cohort_code)
            m = draw(st.sampled_from([m for m in cohort.measures[: L.MAX_MEASURES] if not m.administrative_claims_only]))
            kind = draw(st.sampled_from(["collection_type", "completeness", "points"]))
            if kind == "collection_type":
                out[f"{m.key}_collection_type"] = draw(st.sampled_from(list(m.collection_types) + [None, "eCQM ",
                                                                                                  "mips cqm", "Claims"]))
            elif kind == "completeness":
                out[f"{m.key}_completeness"] = _as_typed(draw, draw(st.sampled_from([0.5, 0.74, 0.75, 1.0])),
                                                         fraction=True)
                out[f"{m.key}_rate"] = _as_typed(draw, 0.8, fraction=True)
            else:
                out[f"{m.key}_points"] = _as_typed(draw, draw(st.sampled_from([0.0, 3.5, 7.0, 10.0])))
        else:
            cohort = get_cohort(cohort_code)
            m = draw(st.sampled_from(cohort.measures[: L.MAX_MEASURES]))
            eligible = draw(st.sampled_from([0, 19, 20, 60, 187]))
            reported = draw(st.integers(0, eligible))
            out[f"{m.key}_eligible"] = _as_typed(draw, eligible)
            out[f"{m.key}_reported"] = _as_typed(draw, reported)
            if m.administrative_claims_only:   # a native-unit rate (Q492)
                out[f"{m.key}_rate"] = _as_typed(draw, draw(st.sampled_from([55.0, 66.0, 72.4])))
            else:
                rate = draw(st.floats(0, 1, allow_nan=False, allow_subnormal=False).map(lambda v: round(v, 4)))
                out[f"{m.key}_rate"] = _as_typed(draw, rate, fraction=True)
    return out


# ------------------------------------------------------------------ the workbook and the core, side by side
def _input_cell(image: TemplateImage, column: str, cohort_code: str) -> tuple[str, str]:
    """The Inputs cell of a roster column: a scalar's defined name, or a measure's row (the measure's place
    in its cohort) of its field's column (a defined name over the measure table's column)."""
    if column in SCALAR_COLUMNS:
        return image.cell_of(SCALAR_COLUMNS[column])
    key, field = column.split("_", 1)
    measures = [m.key for m in get_cohort(cohort_code).measures[: L.MAX_MEASURES]]
    first = image.names[MEASURE_FIELD_INPUTS[field]].split("!")[1].replace("$", "").split(":")[0]
    return L.INPUTS, f"{first.rstrip('0123456789')}{int(first.lstrip('ABCDEFGHIJKLMNOPQRSTUVWXYZ')) + measures.index(key)}"


def _workbook_results(image: TemplateImage, base: dict, cohort_code: str, typed: dict) -> dict:
    """The Score sheet's results of the generated physician's inputs with the typed values in their cells."""
    inputs = workbook_inputs(base, cohort_code=cohort_code)
    for column, value in typed.items():
        cell = _input_cell(image, column, cohort_code)
        if value is None:
            inputs.pop(cell, None)
        else:
            inputs[cell] = value
    values = image.values(inputs)
    shown = {name: values[image.cell_of(name)] for name in RESULTS}
    shown["actions"] = [[values.get((L.ACTIONS, f"{c}{L.ACTIONS_FIRST_ROW + k}")) for c in "ABCDE"]
                        for k in range(L.ACTION_ROWS)]
    shown["actions_line"] = values[(L.ACTIONS, "A4")]
    return shown


def _check_actions(shown: dict, row: dict, cohort_code: str) -> None:
    """The Actions sheet's ranked actions (label, final score change, P50, P10, P90) equal
    participant_actions of the same row (no cost ladder: the template's is empty until generation fills it)."""
    assert shown["actions_line"] == RANKED, shown["actions_line"]
    want = participant_actions(row, cost_ladders={cohort_code: None})
    listed = [r for r in shown["actions"] if r[0] not in ("", None)]
    if want.empty:
        assert [r[0] for r in listed] == [NO_ACTION]
        return
    assert [r[0] for r in listed] == list(want["label"])
    for got, a in zip(listed, want.itertuples()):
        for v, w in zip(got[1:], (a.final_change, a.value_p50, a.value_p10, a.value_p90)):
            assert math.isclose(v, float(w), rel_tol=1e-9, abs_tol=1e-6), (a.label, v, w)


def _is_error(v) -> bool:
    return isinstance(v, XlErr) or (isinstance(v, str) and v.startswith("#"))


@hyp_settings(max_examples=400, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data(), cohort_code=st.sampled_from(["HF", "LBP"]))
def test_inputs_typed_as_a_user_types_them_give_the_cores_numbers(image, base_rows, data, cohort_code):
    base = base_rows[cohort_code]
    typed = data.draw(edits(cohort_code), label="typed")
    note(f"{cohort_code}: {typed!r}")
    shown = _workbook_results(image, base, cohort_code, typed)
    row = dict(base)
    row.update(typed)
    frame = pd.DataFrame([{k: ("" if v is None else v) for k, v in row.items()}], dtype=object)
    scored = score_cohort(frame)
    if len(scored.errors):
        note(scored.errors.to_dict("records"))
        assert _is_error(shown["Sc_Final"]), shown
        assert shown["actions_line"].startswith("Not available"), shown["actions_line"]
        return
    _check_actions(shown, frame.iloc[0].to_dict(), cohort_code)
    core = scored.scores.iloc[0]
    for name, column in RESULTS.items():
        expected = core[column]
        if pd.isna(expected):   # not scored (a category), no estimate
            assert _is_error(shown[name]) or shown[name] in ("", None), (name, shown[name])
        else:
            assert not _is_error(shown[name]), (name, shown[name])
            assert math.isclose(shown[name], float(expected), rel_tol=1e-9, abs_tol=1e-9), (name, shown[name], expected)
