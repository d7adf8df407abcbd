"""The Inputs sheet: yellow, validated, unlocked input cells; help texts filled from the settings."""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.styles import Alignment

import math

from asm_xl.model.parameters import cohorts
from asm_xl.workbooks import layout as L
from asm_xl.workbooks.sheets.style import (CHARS_PER_WIDTH, BOLD, NOTE_FONT, RESULT_FILL, TITLE_FONT, define, header, input_cell,
                                           text_formula, validation)

__all__ = ["build_inputs", "MEASURE_NOTE"]

MEASURE_NOTE = ("Rates are fractions (70% = 0.70); HF's Q492 in admissions per 100 person-years. Give reported "
                "cases or the data completeness; blank collection type = the measure's first. Administrative-claims "
                "measures need no reported cases. For Q492 (HF) prefer the points from CMS's report: its MIPS ladder is "
                "only a proxy (ASM's Q492 is TIN/NPI-level).")


def build_inputs(wb: Workbook) -> None:
    ws = wb.active
    ws.title = L.INPUTS
    ws["A1"] = "ASM estimate: inputs"
    ws["A1"].font = TITLE_FONT
    ws["A2"] = "Yellow cells are inputs. Everything else is computed. Estimates, not CMS determinations."
    ws["A2"].font = NOTE_FONT
    for title, row in L.SECTION_ROWS.items():
        ws.cell(row=row, column=1, value=title).font = BOLD
    ws.cell(row=3, column=1, value="Participant").font = BOLD
    for name, (row, label, help_text, kind) in L.SCALAR_INPUTS.items():
        ws.cell(row=row, column=1, value=label)
        ref = f"B{row}"
        input_cell(ws, ref, kind)
        validation(ws, kind, ref)
        ws.cell(row=row, column=3, value=help_cell(help_text)).font = NOTE_FONT
        define(wb, name, L.scalar_ref(name))
    ws["B12"] = "Yes"
    for name in ("In_EUC", "In_PaymentException"):
        ws[f"B{L.SCALAR_INPUTS[name][0]}"] = "No"
    define(wb, L.EXCEPTIONS_NAME, L.EXCEPTIONS_REF)
    define(wb, L.PARTICIPATION_NAME, L.PARTICIPATION_REF)
    header(ws, L.MEASURE_FIRST_ROW - 1, [h for _, h, _ in L.MEASURE_INPUTS.values()])
    ws.row_dimensions[L.MEASURE_FIRST_ROW - 1].height = 30  # two-line headers
    for name, (col, _, kind) in L.MEASURE_INPUTS.items():
        cells = f"{col}{L.MEASURE_FIRST_ROW}:{col}{L.MEASURE_FIRST_ROW + L.MAX_MEASURES - 1}"
        for row in L.measure_rows():
            input_cell(ws, f"{col}{row}", kind)
        validation(ws, kind, cells)
        define(wb, name, L.measure_range(col))
    for row in L.measure_rows():   # a title longer than its column shrinks to fit, never cut
        ws[f"{L.MEASURE_INPUTS['In_MeasureTitle'][0]}{row}"].alignment = Alignment(shrink_to_fit=True)
    ws.cell(row=L.MEASURE_FIRST_ROW + L.MAX_MEASURES, column=1, value=MEASURE_NOTE).font = NOTE_FONT
    _cohort_scored(wb, ws)
    _not_participating(wb, ws)
    for col, width in zip("ABCDEFGH", (LABEL_WIDTH, TITLE_WIDTH, 22, 14, 14, 16, 18, 20)):
        ws.column_dimensions[col].width = width
    ws.protection.sheet = True
    ws.freeze_panes = "A4"


def help_cell(text: str) -> str:
    """A help text next to an input: as it is, or, where it names settings in braces, ``ASM_HELP`` of it with
    the Assumptions, so that an edited setting shows there too (the bonus of a solo practice, the episodes
    cost needs); the cached value is the defaults' text (:meth:`~asm_xl.model.settings.Settings.fill`)."""
    return text if "{" not in text else "=" + text_formula(text)


#: column A holds its longest label ("Extreme and uncontrollable circumstances") on one line
#: (:data:`~asm_xl.workbooks.sheets.style.CHARS_PER_WIDTH`); column B a measure title of up to 75
#: characters, and a longer one (Q492's, 104) shrinks to fit its cell
LABEL_WIDTH = max(30, math.ceil(max(len(label) for _, label, _, _ in L.SCALAR_INPUTS.values()) / CHARS_PER_WIDTH))
TITLE_WIDTH = max(52, math.ceil(min(75, max(len(m.title) for c in cohorts().values() for m in c.measures))
                                / CHARS_PER_WIDTH))

COHORT_ARGS = "In_Specialty,In_Cohort"
COHORT_HELP = ("The cohort every result is scored and priced in: the Cohort cell, else the specialty's cohort "
               "(as asm-xl score reads a roster row)")


def _cohort_scored(wb: Workbook, ws) -> None:
    """The computed cohort under the Cohort heading (``ASM_COHORT``), which every formula uses; its help
    cell says why when it is an error (a specialty of another cohort, both cells blank)."""
    r = L.COHORT_SCORED_ROW
    ws.cell(row=r, column=1, value=L.COHORT_SCORED_LABEL)
    ws[f"B{r}"] = f"=ASM_COHORT({COHORT_ARGS})"
    ws[f"B{r}"].fill = RESULT_FILL
    ws[f"C{r}"] = f'=IF(ISERROR(B{r}),ASM_WHY("ASM_COHORT",{COHORT_ARGS}),"{COHORT_HELP}")'
    ws[f"C{r}"].font = NOTE_FONT
    define(wb, L.COHORT_SCORED, f"{L.INPUTS}!$B${r}")


NOT_PARTICIPATING_ARGS = "In_Participation,In_Year"
NOT_PARTICIPATING_HELP = "Yes when CMS's file says No for this year (below): no adjustment, factor and $ 0"


def _not_participating(wb: Workbook, ws) -> None:
    """Under the Exceptions heading, computed (``ASM_NOT_PARTICIPATING``): whether the performance year's
    participation cell says No; the exceptions range ends with it, so a physician CMS lists as not participating
    gets no adjustment in every one-year figure, as the dashboard gives him."""
    r = L.NOT_PARTICIPATING_ROW
    ws.cell(row=r, column=1, value=L.NOT_PARTICIPATING_LABEL)
    ws[f"B{r}"] = f"=ASM_NOT_PARTICIPATING({NOT_PARTICIPATING_ARGS})"
    ws[f"B{r}"].fill = RESULT_FILL
    ws[f"C{r}"] = (f'=IF(ISERROR(B{r}),ASM_WHY("ASM_NOT_PARTICIPATING",{NOT_PARTICIPATING_ARGS}),'
                   f'"{NOT_PARTICIPATING_HELP}")')
    ws[f"C{r}"].font = NOTE_FONT
    define(wb, L.NOT_PARTICIPATING, f"{L.INPUTS}!$B${r}")
