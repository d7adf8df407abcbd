"""A measure of the cohort that is not on a workbook's measure table counts as the scoring core counts
a measure not given: :func:`~asm_xl.model.participant.score_measure_not_given` (0 points that stay in
the denominator; an administrative-claims measure excluded when ``unreported_admin_claims_excluded``).

A row blanked on the Inputs sheet, or a measure id overwritten by another's (which then counts once,
:mod:`asm_xl.excel.duplicates`), leaves a measure off the table. ``ASM_QUALITY``, given the cohort and
the table's measure cells, adds each such measure as the cells its ``ASM_MEASURE`` row would show
(:func:`measure_item` of the core's score), and ``ASM_MISSING_MEASURES`` says which they are.
``ASM_ACTIONS`` needs nothing of this: it builds the roster row of the table, in which the measure is
not given, and the core scores it.
"""

from __future__ import annotations

from functools import lru_cache

from asm_xl.excel import values as xv
from asm_xl.excel.duplicates import measure_key
from asm_xl.model.benchmarks import packaged_benchmarks
from asm_xl.model.categories import MeasureStatus
from asm_xl.model.parameters import get_cohort
from asm_xl.model.participant import MeasureScore, score_measure_not_given
from asm_xl.model.settings import Settings

__all__ = ["measure_item", "missing_scores", "missing_cells", "missing_note"]


def measure_item(ms: MeasureScore, what: str) -> object:
    """One cell of a measure's row (``ASM_MEASURE``'s ``item``) from its score: the collection type, the
    status text, completeness ("n/a": administrative claims, complete by definition; 0 for an unreported
    claims measure that counts 0, as the kernel counts it), eligible cases ("n/a": a claims rate not
    available), points ("-": not scored) or points counted (0 for a counted measure not scored,
    "excluded" out of the score)."""
    admin = ms.collection_type == "Administrative claims"
    if what == "collection_type":
        return ms.collection_type
    if what == "status":
        text = ms.status_text
        return text[:1].upper() + text[1:]
    if what == "completeness":  # n/a = administrative claims (complete by definition), as ASM_QUALITY reads it
        if admin:
            return 0.0 if ms.status == MeasureStatus.NOT_REPORTED else xv.NOT_APPLICABLE
        return float(ms.completeness or 0.0)
    if what == "cases":
        if admin and ms.status == MeasureStatus.NOT_AVAILABLE:
            return xv.NOT_APPLICABLE
        return float(ms.eligible_cases or 0)
    if what == "points":
        return float(ms.points) if ms.status == MeasureStatus.SCORED else xv.NOT_SCORED
    counted = ms.status in MeasureStatus.COUNTED
    return float(ms.points) if ms.status == MeasureStatus.SCORED else (0.0 if counted else xv.EXCLUDED)


def missing_scores(cohort: object, measures: object, settings: Settings) -> tuple[str, tuple[MeasureScore, ...]]:
    """(the cohort's code, the core's scores of its measures not among the ``measures`` cells), in the
    cohort's order. A cell names a measure as :func:`~asm_xl.excel.duplicates.measure_key` reads it
    ("Q008", "8" and 8 are one); a blank cell names none; an error value in a cell is the result."""
    return _missing(cohort, tuple(xv.flatten("measures", measures)), settings)


@lru_cache(maxsize=1024)  # a workbook's cells, called again and again with the same values
def _missing(cohort: object, cells: tuple, settings: Settings) -> tuple[str, tuple[MeasureScore, ...]]:
    code = get_cohort(xv.text("cohort", cohort)).code
    for i, v in enumerate(cells, start=1):
        xv.reject_input_error(f"measures #{i}", v)
    on_table = {measure_key(v) for v in cells}
    table = packaged_benchmarks()
    ladder_for = lambda m, ctype: table.find(m.id, ctype, settings.benchmark_year)  # noqa: E731 (not read: not scored)
    return code, tuple(score_measure_not_given(m, ladder_for, settings) for m in get_cohort(code).measures
                       if m.id not in on_table)


def missing_cells(scores: tuple[MeasureScore, ...]) -> tuple[list, list, list]:
    """The points counted, completeness and cases cells the measures not given would show on their rows:
    what ``ASM_QUALITY`` adds to the table's."""
    return tuple([measure_item(ms, what) for ms in scores] for what in ("counted", "completeness", "cases"))


def missing_note(code: str, scores: tuple[MeasureScore, ...]) -> str:
    """What the Score sheet says under the measure table, e.g. "Not on the measure table, scored as a
    measure not given: Q008 (0 points: not reported)." (a visible text when every measure is there:
    an empty cached text makes LibreOffice recalculate the cell)."""
    if not scores:
        return f"Every {code} measure is on the measure table."
    return ("Not on the measure table, scored as a measure not given: "
            + "; ".join(f"{ms.measure} ({ms.status_text})" for ms in scores) + ".")
