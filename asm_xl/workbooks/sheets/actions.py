"""The Actions sheet: the actions open to this physician, ranked by their effect on the payment
(``ASM_ACTIONS``; a negative value: the action would lower it), and the five-year projection
(``ASM_PROJECTION``), live formulas over the Inputs sheet.

Each table is computed by one fixed (Ctrl+Shift+Enter) array formula on the hidden Tables sheet, the
table function given its ``rows`` (:func:`~asm_xl.excel.registry.table_block`: the rows below the
header, exactly the block's, blank past the physician's actions and where the table is an error), and
each cell here is a plain reference to its cell there (:func:`~asm_xl.workbooks.sheets.style.table_block`):
Excel calls Python once per table, not once per cell (each call marshals the Inputs and Assumptions
ranges), in every Excel (with or without dynamic arrays), and LibreOffice, which computes array
formulas again on opening, still shows the stored values. The line under the title reads the table
(with its header) through ``INDEX`` and says why when it is an error.
"""

from __future__ import annotations

import math

from openpyxl import Workbook
from openpyxl.styles import Alignment

from asm_xl.excel.table_functions import ACTIONS_HEADER, PROJECTION_HEADER
from asm_xl.model.action_catalogue import ACTIONS
from asm_xl.workbooks import layout as L
from asm_xl.workbooks.sheets.style import NOTE_FONT, SIGNED_DOLLARS, TITLE_FONT, define, header, table_block

__all__ = ["build_actions", "ACTIONS_CALL", "PROJECTION_CALL"]

ACTIONS_ARGS = f"In_Participant,In_MeasureTable,In_Cost,In_Activities,In_Exceptions,CostLadder,Assumptions,{L.QUALITY_LADDERS}"
ACTIONS_CALL = f"ASM_ACTIONS({ACTIONS_ARGS})"
PROJECTION_ARGS = 'Sc_Final,In_Year,Sc_Cohort,In_Payments,"",Assumptions,In_Exceptions,In_Participation,In_Until'
PROJECTION_CALL = f"ASM_PROJECTION({PROJECTION_ARGS})"

# an action's value and a year's adjustment are changes: signed, as the dashboard shows them; dollars at risk not
ACTION_FORMATS = (None, "+0.00;-0.00;0.00", SIGNED_DOLLARS, SIGNED_DOLLARS, SIGNED_DOLLARS)
PROJECTION_FORMATS = ("0", "0", "0%", '"$"#,##0', SIGNED_DOLLARS, SIGNED_DOLLARS, SIGNED_DOLLARS, SIGNED_DOLLARS)

NOTE = ("Each action is scored again by asm-xl's scoring core (the same inputs with that one change) and priced "
        "by the pool in force: in each of its cohorts (the national pool's simulated ones; a given or roster "
        "pool has one) the change moves the payment by some amount; "
        "P50 (middle), P10 (cautious) and P90 (hopeful) of those amounts are its value, in dollars of the payment "
        "year. Ranked by the value at P50. [ASSUMPTION: one change at a time; values do not add up]")
RANKED = ("Ranked by the value at P50, highest first; a negative value: the action would lower the payment. "
          "Blank rows: no further action applies.")
PROJECTION_NOTE = ("Five-year projection of today's final score, held [ASSUMPTION]: risk levels of each year "
                   "[CMS], Part B payments growing by the Assumptions' payments_growth; cumulative P50 sums the "
                   "yearly P50s from this row's year (the dashboard's also counts this TIN/NPI's earlier rows). An exception of this year makes this year neutral ($0) and is not carried forward; "
                   "a year CMS's participants file says No (Inputs sheet) has no adjustment ($0); the years a later "
                   "roster row of this TIN/NPI covers are not shown (the dashboard's Five years sheet has them).")

#: column A holds the longest label the catalogue can give (a measure named, "meets the minimum
#: submission" added) on one line: LibreOffice prints ~1.19 characters of the table's text a width unit
#: (measured), so a unit per 1.15 characters; at least the 52 units of the other texts in column A
LABEL_WIDTH = max(52, math.ceil(max(len(a.text("Q000", meets_minimum_submission=True))
                                    for a in ACTIONS.values()) / 1.15))


def build_actions(wb: Workbook) -> None:
    """The Actions sheet (after the Scenarios sheet) and the Inputs ranges it reads, as defined names."""
    for name, ref in L.ACTION_INPUT_RANGES.items():
        define(wb, name, ref)
    ws = wb.create_sheet(L.ACTIONS, index=wb.sheetnames.index(L.SCENARIOS) + 1)
    ws["A1"] = "Actions: each one's effect on the payment"
    ws["A1"].font = TITLE_FONT
    ws["A2"] = NOTE
    ws["A2"].font = NOTE_FONT
    ws["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells("A2:H2")
    ws.row_dimensions[2].height = 40
    # a visible text when all is well: an empty cached text makes LibreOffice recalculate the cell
    ws["A4"] = (f'=IF(ISERROR(INDEX({ACTIONS_CALL},1,1)),"Not available: "&ASM_WHY("ASM_ACTIONS",{ACTIONS_ARGS}),'
                f'"{RANKED}")')
    ws["A4"].font = NOTE_FONT
    first = L.ACTIONS_FIRST_ROW
    header(ws, first - 1, ACTIONS_HEADER)
    ws.row_dimensions[first - 1].height = 30  # two-line headers
    table_block(ws, first, ACTIONS_CALL, L.ACTION_ROWS, len(ACTION_FORMATS), "Actions (ASM_ACTIONS)")
    for k in range(L.ACTION_ROWS):
        for c, fmt in enumerate(ACTION_FORMATS, start=1):
            if fmt:
                ws.cell(row=first + k, column=c).number_format = fmt
    head = L.PROJECTION_HEADER_ROW
    # the table shows an error as blanks: its title says why (a later row's year not after this row's, ...)
    ws.cell(row=head - 2, column=1, value=f'=IF(ISERROR(INDEX({PROJECTION_CALL},1,1)),"Five-year projection: not '
                                          f'available: "&ASM_WHY("ASM_PROJECTION",{PROJECTION_ARGS}),'
                                          '"Five-year projection")').font = TITLE_FONT
    note = ws.cell(row=head - 1, column=1, value=PROJECTION_NOTE)
    note.font = NOTE_FONT
    note.alignment = Alignment(wrap_text=True, vertical="top")   # wrapped across the table, as the note on top
    ws.merge_cells(start_row=head - 1, start_column=1, end_row=head - 1, end_column=8)
    ws.row_dimensions[head - 1].height = 40
    header(ws, head, PROJECTION_HEADER)
    ws.row_dimensions[head].height = 30
    table_block(ws, head + 1, PROJECTION_CALL, 5, len(PROJECTION_FORMATS), "Five-year projection (ASM_PROJECTION)")
    for k in range(5):
        for c, fmt in enumerate(PROJECTION_FORMATS, start=1):
            cell = ws.cell(row=head + 1 + k, column=c)
            cell.number_format = fmt
            if c == 1:  # the year under its header, not at the far end of the labels' wide column
                cell.alignment = Alignment(horizontal="left")
    for col, width in zip("ABCDEFGH", (LABEL_WIDTH, 14, 15, 15, 15, 14, 14, 18)):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = f"A{first}"
    ws.protection.sheet = True
