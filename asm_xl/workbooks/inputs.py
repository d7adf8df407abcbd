"""A validated roster row → the template's input cells (Inputs and Assumptions sheets)."""

from __future__ import annotations

import math

from asm_xl.model.benchmarks import normalize_collection_type
from asm_xl.model.parameters import get_cohort
from asm_xl.model.settings import DEFAULT_SETTINGS, Settings
from asm_xl.model.validation import as_bool, is_blank, typed_number
from asm_xl.workbooks import layout as L

__all__ = ["workbook_inputs"]


def _cell(name: str) -> tuple[str, str]:
    return (L.INPUTS, f"B{L.SCALAR_INPUTS[name][0]}")


def _num(v):
    if v is None:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, str):
        # a validated row: text as Excel exports it ($1,250,000, 85% in a fraction column) is read
        # by the same parser validation used
        return None if v.strip() == "" else typed_number(v, percent=True)
    return float(v)


def _yes(v, default: bool, field: str) -> str:
    """A validated yes/no roster value as the template's Yes/No (the roster's own parsing rules)."""
    return "Yes" if (default if is_blank(v) else as_bool(field, v)) else "No"


def workbook_inputs(row: dict, *, cohort_code: str, settings: Settings = DEFAULT_SETTINGS,
                    performance_year: int | None = None) -> dict:
    """The template's input cells for one roster row (a validated dict of column → text/number);
    settings other than the defaults (e.g. the roster's own pool written as a given one) go to the
    Assumptions sheet, where the user sees and can edit them."""
    get = lambda k: row.get(k)  # noqa: E731
    cohort = get_cohort(cohort_code)
    txt = lambda v: "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v).strip()  # noqa: E731
    year = _num(get("performance_year")) or performance_year
    ia = _num(get("ia_done"))
    if ia is not None:
        ia1, ia2 = ("Yes" if ia >= 1 else "No"), ("Yes" if ia >= 2 else "No")
    else:
        ia1, ia2 = _yes(get("ia1_done"), False, "ia1_done"), _yes(get("ia2_done"), False, "ia2_done")
    specialty = txt(get("specialty")) or cohort.specialties[0]
    out = {
        _cell("In_NPI"): txt(get("npi")), _cell("In_TIN"): txt(get("tin")), _cell("In_Name"): txt(get("name")),
        _cell("In_Specialty"): specialty, _cell("In_Cohort"): cohort.code,
        _cell("In_Year"): int(year) if year is not None else None,
        _cell("In_PracticeSize"): _num(get("practice_size")), _cell("In_Payments"): _num(get("part_b_payments")),
        _cell("In_OnTime"): _yes(get("submitted_on_time"), True, "submitted_on_time"),
        _cell("In_Episodes"): _num(get("cost_episodes")), _cell("In_EpisodeCost"): _num(get("episode_cost")),
        _cell("In_CostPoints"): _num(get("cost_points")), _cell("In_IA1"): ia1, _cell("In_IA2"): ia2,
        _cell("In_PI"): _num(get("pi_score")), _cell("In_Complex"): _num(get("complex_bonus")),
        _cell("In_SmallPractice"): (None if is_blank(get("small_practice"))
                                    else _yes(get("small_practice"), False, "small_practice")),
        _cell("In_EUC"): _yes(get("euc_exception"), False, "euc_exception"),
        _cell("In_PaymentException"): _yes(get("payment_exception"), False, "payment_exception"),
    }
    cols = {name: spec[0] for name, spec in L.MEASURE_INPUTS.items()}
    for i, m in enumerate(cohort.measures[: L.MAX_MEASURES]):
        r = L.MEASURE_FIRST_ROW + i
        ctype = txt(get(f"{m.key}_collection_type"))
        # Inputs as given: blank collection type, completeness without eligible cases etc. are
        # resolved by the template's ASM_MEASURE cells (the scoring kernel), not here.
        values = {
            "In_Measure": m.label, "In_MeasureTitle": m.title,
            "In_CollType": normalize_collection_type(ctype) if ctype else None,
            "In_Eligible": _num(get(f"{m.key}_eligible")), "In_Reported": _num(get(f"{m.key}_reported")),
            "In_Completeness": _num(get(f"{m.key}_completeness")),
            "In_Rate": _num(get(f"{m.key}_rate")), "In_PointsOverride": _num(get(f"{m.key}_points")),
        }
        out.update({(L.INPUTS, f"{cols[name]}{r}"): v for name, v in values.items()})
    if settings != DEFAULT_SETTINGS:
        for i, info in enumerate(settings.describe()):
            v = info.value
            out[(L.ASSUMPTIONS, f"B{2 + i}")] = ("TRUE" if v else "FALSE") if isinstance(v, bool) else v
    return out


