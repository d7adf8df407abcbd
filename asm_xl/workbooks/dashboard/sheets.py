"""The dashboard workbook: sheets Practice, Physicians, Five years and Score chart, values only (what
openpyxl ``data_only``, LibreOffice and a preview show is what is stored), written atomically.

Roster text (names, NPIs, file names) goes through :func:`~asm_xl.workbooks.index.put_text`: plain
text, never a formula, characters XML cannot hold shown as ``_xHHHH_``."""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from asm_xl.workbooks.dashboard.chart import add_chart_sheet
from asm_xl.workbooks.dashboard.data import PRACTICE, Dashboard
from asm_xl.workbooks.dashboard.style import (FACTOR, MONEY, RISK, SCORE, SHARE, SIGNED, TEXT, WHOLE, header,
                                              print_setup, put, section, table, title, widths)
from asm_xl.xlsx.atomic import write_atomic

__all__ = ["write_dashboard", "TOTALS_HEADER_ROW"]

TOTALS_HEADER_ROW = 5   #: the Practice sheet's totals table: header here, cohorts below, the practice last
TOTALS = [("cohort", TEXT, "Cohort"), ("physicians", WHOLE, "Physicians"), ("part_b_payments", MONEY, "Part B payments"),
          ("at_risk", MONEY, "Payments at risk"), ("estimate", SIGNED, "Estimate"),
          ("dollars_p10", SIGNED, "Cautious (P10)"), ("dollars_p50", SIGNED, "Middle (P50)"),
          ("dollars_p90", SIGNED, "Hopeful (P90)"), ("likely_gain", WHOLE, "Likely to gain"),
          ("either_way", WHOLE, "Either way"), ("likely_lose", WHOLE, "Likely to lose")]
ACTIONS = [("name", TEXT, "Physician"), ("cohort", TEXT, "Cohort"), ("label", TEXT, "Action (each alone)"),
           ("final_change", "+0.0", "Final score change"), ("value_p10", SIGNED, "Value P10"),
           ("value_p50", SIGNED, "Value P50"), ("value_p90", SIGNED, "Value P90")]
PHYSICIANS = [("name", TEXT, "Physician"), ("npi", TEXT, "NPI"), ("cohort", TEXT, "Cohort"),
              ("final_score", SCORE, "Final score"), ("factor", FACTOR, "Payment adjustment factor"),
              ("estimate", SIGNED, "Dollars, estimate"), ("dollars_p10", SIGNED, "Cautious (P10)"),
              ("dollars_p50", SIGNED, "Middle (P50)"), ("dollars_p90", SIGNED, "Hopeful (P90)"),
              ("p_gain", SHARE, "Chance of a gain"), ("outlook", TEXT, "Outlook"),
              ("top_action", TEXT, "Most valuable action"), ("top_value_p50", SIGNED, "Its value (P50)"),
              ("break_even_score", SCORE, "Score to break even (P50)"),
              ("points_to_break_even", SCORE, "Points to go"), ("file", TEXT, "Workbook")]
YEARS = [("name", TEXT, "Physician"), ("npi", TEXT, "NPI"), ("cohort", TEXT, "Cohort"),
         ("performance_year", WHOLE, "Performance year"), ("payment_year", WHOLE, "Payment year"),
         ("risk_level", RISK, "Risk level"), ("participating", TEXT, "Participating"),
         ("payments_base", MONEY, "Part B payments"), ("dollars_at_risk", MONEY, "At risk"),
         ("dollars_p10", SIGNED, "Cautious (P10)"), ("dollars_p50", SIGNED, "Middle (P50)"),
         ("dollars_p90", SIGNED, "Hopeful (P90)"), ("cumulative_at_risk", MONEY, "Cumulative at risk"),
         ("cumulative_p10", SIGNED, "Cumulative P10"), ("cumulative_p50", SIGNED, "Cumulative P50"),
         ("cumulative_p90", SIGNED, "Cumulative P90")]


def _subtitle(data: Dashboard) -> str:
    return (f"Estimates, not CMS determinations. Generated {data.generated.isoformat()}; pool: "
            f"{dict(data.assumptions).get('Pool', '').split(' (')[0]}; P10 / P50 / P90 = cautious / middle / "
            "hopeful case.")


def write_dashboard(data: Dashboard, path) -> Path:
    """Write the dashboard workbook to ``path`` (atomically: all or nothing)."""
    wb = Workbook()
    _practice(wb.active, data)
    _physicians(wb.create_sheet("Physicians"), data)
    _years(wb.create_sheet("Five years"), data)
    add_chart_sheet(wb.create_sheet("Score chart"), data, _subtitle(data))
    buf = io.BytesIO()
    wb.save(buf)
    path = Path(path)
    write_atomic(path, buf.getvalue())
    return path


def _columns(spec):
    return [(k, f) for k, f, _ in spec]


def _practice(ws, data: Dashboard) -> None:
    ws.title = "Practice"
    title(ws, "ASM practice dashboard", _subtitle(data))
    section(ws, TOTALS_HEADER_ROW - 1, "Totals by cohort and for the practice (sums over the physicians)")
    header(ws, TOTALS_HEADER_ROW, [h for _, _, h in TOTALS])
    row = table(ws, TOTALS_HEADER_ROW + 1, data.totals.to_dict("records"), _columns(TOTALS),
                bold_when=lambda r: r["cohort"] == PRACTICE)
    row += 1
    section(ws, row, "Most valuable actions across the practice (value = the change of the physician's dollars, over the simulated cohorts)")
    header(ws, row + 1, [h for _, _, h in ACTIONS], [1, 1, 4, 1, 1, 1, 1])
    start = row + 2
    row = table(ws, start, data.top_actions.to_dict("records"), _columns(ACTIONS), merge={"label": 4})
    if row == start:
        put(ws, row, 1, "no action applies (or no final score could be computed)")
        row += 1
    row += 1
    section(ws, row, "Assumptions in force")
    for label, text in data.assumptions:
        row += 1
        put(ws, row, 1, label).font = Font(bold=True, size=9)
        c = put(ws, row, 2, text)
        c.font = Font(size=9)
        c.alignment = Alignment(wrap_text=True, vertical="top")
        ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=len(TOTALS))
        ws.row_dimensions[row].height = 12.5 * max(1, -(-len(text) // 130))
    widths(ws, [26, 10, 14, 14, 13, 13, 13, 14, 10, 10, 10])
    print_setup(ws, "Practice", None)


def _physicians(ws, data: Dashboard) -> None:
    title(ws, "Physicians", _subtitle(data) + " Workbook: link to the physician's own workbook (same folder).")
    header(ws, 4, [h for _, _, h in PHYSICIANS])
    recs = data.physicians.to_dict("records")
    end = table(ws, 5, recs, _columns(PHYSICIANS), link_column="file", wrap={"top_action": 50, "name": 30})
    kept = [r for r in recs if r.get("status") and not str(r["status"]).startswith("written")]
    if kept:
        put(ws, end + 1, 1, f"{len(kept)} workbook(s) were kept from an earlier run (no --overwrite): their files "
                            "may show other numbers than this roster's (the index says which).").font = Font(size=9)
    ws.freeze_panes = "B5"
    longest = max([len(str(v)) for v in data.physicians["file"]] + [10])
    widths(ws, [24, 11, 7, 7, 9, 11, 11, 11, 11, 7, 12, 40, 10, 9, 7, min(40, longest + 2)])
    print_setup(ws, "Physicians", "4:4")


def _years(ws, data: Dashboard) -> None:
    title(ws, "Five years: performance years 2027-2031 (paid two years later)",
          _subtitle(data) + " Final score held at today's; cumulative ranges are sums of the yearly percentiles.")
    header(ws, 4, [h for _, _, h in YEARS])
    practice = [dict(r, name=f"{PRACTICE} ({r['participating']} of {r['physicians']} participating)", npi="",
                     cohort="all", participating="")
                for r in data.practice_years.to_dict("records")]
    people = [dict(r, participating=("yes" if r["participating"] else "no") + (
        " (assumed)" if r["participation_source"] == "assumed" else ""))
        for r in data.physician_years.to_dict("records")]
    row = table(ws, 5, practice, _columns(YEARS), bold_when=lambda r: True)
    table(ws, row, people, _columns(YEARS))
    ws.freeze_panes = "B5"
    widths(ws, [32, 12, 7, 11, 9, 7, 15, 13, 12, 12, 12, 12, 13, 13, 13, 13])
    print_setup(ws, "Five years", "4:4")
