"""The per-measure inputs of each cohort, read and checked by the cohort API's
:class:`~asm_xl.model.cohort_checks.Checker` (split from :mod:`asm_xl.model.cohort_checks`)."""

from __future__ import annotations

import numpy as np

from asm_xl.model import categories
from asm_xl.model.benchmarks import normalize_collection_type
from asm_xl.model.categories import MeasureStatus
from asm_xl.model.cohort_checks import Checker, map_text
from asm_xl.model.columns import measure_columns
from asm_xl.model.errors import ASMInputError
from asm_xl.model.parameters import cohorts
from asm_xl.model.settings import Settings
from asm_xl.model.validation import FRACTION_ALLOWED

__all__ = ["measure_inputs", "collection_type_or_flag"]


def measure_inputs(chk: Checker, cohort_code: np.ndarray, settings: Settings) -> dict:
    """Per cohort: {measure id: dict of arrays over all rows}; checks rows of that cohort only. A cohort
    no row belongs to has no measures here (``{}``: there is nothing of it to read or check)."""
    out = {}
    for code, cohort in cohorts().items():
        mine = cohort_code == code
        others = ~mine & (cohort_code != "") & (cohort_code != "?")  # an unknown cohort is its own error
        any_others = others.any()
        out[code] = {}
        for m in cohort.measures:
            cols = measure_columns(m.key)
            for col in cols.values():
                if any_others and chk.has(col):
                    chk.report(others & ~chk.blank(col), col, None,
                               f"{m.label} is not a measure of this participant's cohort")
            if not mine.any():  # (no row of this cohort: nothing below applies to any row)
                continue
            ctype = map_text(chk.text(cols["collection_type"]),
                              lambda t, m=m: collection_type_or_flag(t, m.collection_types[0]))
            bad_type = mine & ~np.isin(ctype, m.collection_types)
            chk.report(bad_type, cols["collection_type"], None,
                       f"{m.label} is collected as {', '.join(m.collection_types)}")
            elig = chk.number(cols["eligible"], minimum=0, whole=True, allowed="a whole number >= 0", rows=mine)
            rep = chk.number(cols["reported"], minimum=0, whole=True, allowed="a whole number >= 0", rows=mine)
            comp = chk.number(cols["completeness"], minimum=0, maximum=1, rows=mine, percent=True,
                              allowed=FRACTION_ALLOWED)
            if m.proportion:
                rate = chk.number(cols["rate"], minimum=0, maximum=1, rows=mine, percent=True, allowed=m.rate_allowed)
            else:
                rate = chk.number(cols["rate"], minimum=0, rows=mine, allowed=m.rate_allowed)
            pts = chk.number(cols["points"], minimum=0, maximum=10, rows=mine, allowed="points between 0 and 10")
            admin = ctype == "Administrative claims"
            use_rep = mine & ~admin & np.isnan(comp) & ~np.isnan(rep)
            chk.report(use_rep & np.isnan(elig) & chk.blank(cols["eligible"]), cols["eligible"], None,
                       f"required with {cols['reported']}: eligible cases")
            with np.errstate(invalid="ignore"):
                chk.report(use_rep & (rep > elig), cols["reported"], None,
                           lambda i: f"must be at most {cols['eligible']} ({elig[i]:g})")
            rep_eff = np.where(admin | ~np.isnan(comp), np.nan, rep)
            c_eff, e_eff, any_rep, taken = categories.effective_measure_inputs(
                elig, rep_eff, np.where(admin, np.nan, comp), rate, pts, admin, settings=settings)
            status = categories.measure_status(c_eff, e_eff, admin, reported=any_rep, settings=settings)
            need_rate = (mine & (status == MeasureStatus.SCORED) & np.isnan(pts) & np.isnan(rate)
                         & chk.blank(cols["rate"]))
            chk.report(need_rate, cols["rate"], None,
                       f"required: a rate for {m.label} (it is complete with enough cases)")
            # A measure with nothing reported (no cases, rate or points) has completeness 0 for the
            # minimum submission rule, whatever completeness was typed (as in score_participant).
            c_eff = np.where(any_rep | admin, c_eff, 0.0)
            out[code][m.id] = {"ctype": ctype, "completeness": c_eff, "eligible": e_eff, "status": status,
                               "rate": rate, "points": pts, "admin": admin,
                               "cases_taken": taken}
    return out


def collection_type_or_flag(text: str, default: str) -> str:
    """Canonical collection type; the measure's first one when blank; "?" when unknown."""
    if not text:
        return default
    try:
        return normalize_collection_type(text)
    except ASMInputError:
        return "?"
