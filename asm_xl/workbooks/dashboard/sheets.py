"""The dashboard workbook: sheets Practice, Physicians, Five years, Score chart and Score band, values only (what
openpyxl ``data_only``, LibreOffice and a preview show is what is stored), written atomically.

Written with XlsxWriter (:mod:`.style`). Roster text (names, NPIs, file names) goes through
:func:`~asm_xl.workbooks.index.put_value`: plain text, never a formula, characters XML cannot hold
shown as ``_xHHHH_``."""

from __future__ import annotations

from pathlib import Path

from asm_xl.model.parameters import performance_years, year_parameters
from asm_xl.workbooks.dashboard.chart import BAND_SHEET, add_chart_sheets
from asm_xl.workbooks.dashboard.data import PRACTICE, Dashboard, is_practice_total, no_actions_text, rejected_note
from asm_xl.workbooks.dashboard.style import (FACTOR, MONEY, RISK, SCORE, SHARE, SIGNED, SMALL, SMALL_BOLD, TEXT,
                                              WHOLE, Looks, Sheet)
from asm_xl.workbooks.kept import STATUS_KEPT_EDITED, STATUS_OPEN
from asm_xl.workbooks.xlsxwriter_cells import new_workbook, records, save_workbook

__all__ = ["write_dashboard", "TOTALS_HEADER_ROW", "FIRST_SHEET"]

FIRST_SHEET = "Practice"   #: the dashboard's first sheet: the practice's totals

_PRACTICE_WIDTHS = [26, 10, 14, 14, 13, 13, 13, 14, 10, 10, 10, 10, 13, 10]  #: the Practice sheet's columns A...
TOTALS_HEADER_ROW = 5   #: the Practice sheet's totals table: header here, cohorts below, the practice last
TOTALS = [("cohort", TEXT, "Cohort"), ("physicians", WHOLE, "Physicians"), ("part_b_payments", MONEY, "Part B payments"),
          ("at_risk", MONEY, "Payments at risk"), ("estimate", SIGNED, "Estimate"),
          ("dollars_p10", SIGNED, "Cautious (P10)"), ("dollars_p50", SIGNED, "Middle (P50)"),
          ("dollars_p90", SIGNED, "Hopeful (P90)"), ("likely_gain", WHOLE, "Likely to gain"),
          ("either_way", WHOLE, "Either way"), ("likely_lose", WHOLE, "Likely to lose"),
          ("exception", WHOLE, "Exception (neutral)"), ("not_participating", WHOLE, "Not participating (CMS)"),
          ("not_scored", WHOLE, "No final score")]
ACTIONS = [("name", TEXT, "Physician"), ("cohort", TEXT, "Cohort"), ("label", TEXT, "Action (each alone)"),
           ("final_change", "+0.0", "Final score change"), ("value_p10", SIGNED, "Value P10"),
           ("value_p50", SIGNED, "Value P50"), ("value_p90", SIGNED, "Value P90")]
PHYSICIANS = [("name", TEXT, "Physician"), ("npi", TEXT, "NPI"), ("tin", TEXT, "TIN"), ("cohort", TEXT, "Cohort"),
              ("performance_year", WHOLE, "Perf. year"),
              ("final_score", SCORE, "Final score"), ("factor", FACTOR, "Payment adjustment factor"),
              ("estimate", SIGNED, "Dollars, estimate"), ("dollars_p10", SIGNED, "Cautious (P10)"),
              ("dollars_p50", SIGNED, "Middle (P50)"), ("dollars_p90", SIGNED, "Hopeful (P90)"),
              ("p_gain", SHARE, "Chance of a gain"), ("outlook", TEXT, "Outlook"),
              ("top_action", TEXT, "Most valuable action"), ("top_value_p50", SIGNED, "Its value (P50)"),
              ("break_even_score", SCORE, "Score to break even (P50)"),
              ("points_to_break_even", SCORE, "Points to go"), ("file", TEXT, "Workbook")]
YEARS = [("name", TEXT, "Physician"), ("npi", TEXT, "NPI"), ("tin", TEXT, "TIN"), ("cohort", TEXT, "Cohort"),
         ("performance_year", WHOLE, "Performance year"), ("payment_year", WHOLE, "Payment year"),
         ("risk_level", RISK, "Risk level"), ("participating", TEXT, "Participating"),
         ("payments_base", MONEY, "Part B payments"), ("dollars_at_risk", MONEY, "At risk"),
         ("dollars_p10", SIGNED, "Cautious (P10)"), ("dollars_p50", SIGNED, "Middle (P50)"),
         ("dollars_p90", SIGNED, "Hopeful (P90)"), ("cumulative_at_risk", MONEY, "Cumulative at risk"),
         ("cumulative_p10", SIGNED, "Cumulative P10"), ("cumulative_p50", SIGNED, "Cumulative P50"),
         ("cumulative_p90", SIGNED, "Cumulative P90")]


#: the look of the line saying that roster rows were rejected: seen before the totals are read
REJECTED = {**SMALL_BOLD, "font_color": "#C00000"}


#: the Physicians sheet's printed columns (A-Q; the Workbook column's width follows its file names)
PHYSICIANS_WIDTHS = [24, 11, 11, 7, 6, 7, 9, 11, 11, 11, 11, 7, 14, 32, 10, 9, 7]
YEARS_WIDTHS = [32, 12, 11, 7, 11, 9, 7, 15, 13, 12, 12, 12, 12, 13, 13, 13, 13]   #: the Five years sheet's columns


def _subtitle(data: Dashboard) -> str:
    return (f"Estimates, not CMS determinations. Generated {data.generated.isoformat()}; pool: "
            f"{dict(data.assumptions).get('Pool', '').split(' (')[0]}; P10 / P50 / P90 = cautious / middle / "
            "hopeful case.")


def write_dashboard(data: Dashboard, path) -> Path:
    """Write the dashboard workbook to ``path`` (atomically: all or nothing)."""
    wb, buf = new_workbook()
    looks = Looks(wb)
    _practice(Sheet(wb, looks, FIRST_SHEET), data)
    _physicians(Sheet(wb, looks, "Physicians"), data)
    _years(Sheet(wb, looks, "Five years"), data)
    add_chart_sheets(wb, Sheet(wb, looks, "Score chart"), Sheet(wb, looks, BAND_SHEET), data, _subtitle(data))
    return save_workbook(wb, buf, path)


def _columns(spec):
    return [(k, f) for k, f, _ in spec]


def _keys(spec) -> list[str]:
    return [k for k, _, _ in spec]


def _practice(sh: Sheet, data: Dashboard) -> None:
    sh.title("ASM practice dashboard", _subtitle(data))
    years = sorted(set(data.physicians["performance_year"].tolist()))
    sh.section(TOTALS_HEADER_ROW - 1, ("Totals by cohort and for the practice (dollars: sums over the physicians; P10 / P50 / P90: of "
                                          "the total, added up draw by draw)") if len(years) < 2
               else "Totals by the performance year of the roster's rows, cohort and practice (years are never "
                    "added up: each is paid in its own payment year; every year of every physician: Five years)")
    sh.header(TOTALS_HEADER_ROW, [h for _, _, h in TOTALS])
    row = sh.table(TOTALS_HEADER_ROW + 1, records(data.totals, _keys(TOTALS)), _columns(TOTALS),
                   bold_when=lambda r: is_practice_total(r["cohort"]))
    if data.rejected:   # under the totals they are missing from
        sh.put(row, 1, rejected_note(data.rejected), REJECTED)
        row += 1
    row += 1
    sh.section(row, "Most valuable actions across the practice (value = the change of the physician's dollars, over the simulated cohorts)")
    sh.header(row + 1, [h for _, _, h in ACTIONS], [1, 1, 4, 1, 1, 1, 1])
    start = row + 2
    # a label longer than its four merged columns (e.g. "...; meets the minimum submission)") wraps
    # (~1.4 characters of the table's text a width unit, measured on LibreOffice's print)
    row = sh.table(start, records(data.top_actions, _keys(ACTIONS)), _columns(ACTIONS), merge={"label": 4},
                   wrap={"label": int(1.4 * sum(_PRACTICE_WIDTHS[2:6])),
                         "name": int(1.25 * _PRACTICE_WIDTHS[0])})   # (a long name keeps its "(PY 2028)")
    if row == start:
        sh.put(row, 1, "Actions: " + no_actions_text(data.physicians["outlook"].tolist()))
        row += 1
    row += 1
    sh.section(row, "Assumptions in force")
    # a line of the merged value cell holds ~1.6 characters of 9-point text a width unit (measured on
    # LibreOffice's print): the row is as tall as the lines its text needs, label and text at its top
    per_line = int(1.6 * sum(_PRACTICE_WIDTHS[2:len(TOTALS)]))
    for label, text in data.assumptions:
        row += 1
        sh.put(row, 1, label, {**SMALL_BOLD, "valign": "top"})
        sh.merge(row, 2, len(TOTALS) - 1, text, {**SMALL, "text_wrap": True, "valign": "top"})
        sh.height(row, 12.5 * max(1, -(-len(text) // per_line)))
    sh.widths(_PRACTICE_WIDTHS)
    sh.print_setup(None)


def _physicians(sh: Sheet, data: Dashboard) -> None:
    sh.title("Physicians", _subtitle(data) + " Workbook (on screen, not printed): link to the physician's own "
             "workbook (same folder).",
             across=PHYSICIANS_WIDTHS)
    sh.header(4, [h for _, _, h in PHYSICIANS])
    sh.height(4, 45)   # three lines: "Payment adjustment factor" and "Score to break even (P50)" in 9 units
    recs = records(data.physicians, _keys(PHYSICIANS) + ["status"])
    end = sh.table(5, recs, _columns(PHYSICIANS), link_column="file", wrap={"top_action": 42, "name": 30})
    kept = [r for r in recs if r.get("status") and not str(r["status"]).startswith("written")]
    # kept files whose inputs are not their roster row's (edited in the workbook): named, as the console names them
    edited = [str(r.get("name") or r.get("npi")) for r in kept if r["status"] == STATUS_KEPT_EDITED]
    notes = [(rejected_note(data.rejected), REJECTED)] if data.rejected else []
    if kept:
        # with --overwrite only a file open in Excel is kept (its status says so)
        why = ("open in Excel when --overwrite ran: close them, then run again" if all(
            r["status"] == STATUS_OPEN for r in kept) else "no --overwrite")
        notes.append((f"{len(kept)} workbook(s) were kept from an earlier run ({why}): their rows "
                      "show the numbers of the kept files, from the inputs those files hold (a file whose "
                      "numbers could not be reproduced is stale and left out of the totals; the index says "
                      "which)." + (f" {len(edited)} of them hold inputs other than their roster row (edited in "
                                   f"the workbook, or the roster changed): {', '.join(edited[:5])}"
                                   f"{' ...' if len(edited) > 5 else ''}." if edited else ""), SMALL))
    widths = PHYSICIANS_WIDTHS
    per_line = int(1.6 * sum(widths))   # characters of 9-point text a line (as the Practice sheet's notes)
    for k, (text, look) in enumerate(notes):   # below the table, each wrapped across the printed columns
        sh.merge(end + 1 + k, 1, len(widths), text, {**look, "text_wrap": True, "valign": "top"})
        sh.height(end + 1 + k, 12.5 * max(1, -(-len(text) // per_line)))
    sh.ws.freeze_panes(4, 1)   # below the header, right of the names (B5)
    longest = max([len(str(v)) for v in data.physicians["file"]] + [10])
    sh.widths(widths + [min(40, longest + 2)])
    sh.print_setup(4)
    # on paper a link leads nowhere, and each printed workbook is headed by its NPI: the Workbook column
    # stays on screen, off the page, which leaves the table's text a third larger
    sh.ws.print_area(0, 0, end + len(notes) - 1 if notes else end - 2, len(PHYSICIANS) - 2)   # to the last note


YEARS_IN_WORDS = {2: "Two", 3: "Three", 4: "Four", 5: "Five"}


def _years(sh: Sheet, data: Dashboard) -> None:
    # the years the table shows (a roster of 2029 shows 2029-2031: the title said 2027-2031 whatever it showed)
    shown = data.practice_years.get("performance_year", [])   # (no physician projected: no column either)
    years = [int(shown.min()), int(shown.max())] if len(shown) else performance_years()
    paid = year_parameters(years[0]).payment_year, year_parameters(years[-1]).payment_year
    n = years[-1] - years[0] + 1
    sh.title((f"{YEARS_IN_WORDS.get(n, n)} years: performance years {years[0]}-{years[-1]} (paid in {paid[0]}-{paid[1]})"
              if n > 1 else f"One year: performance year {years[0]} (paid in {paid[0]})"),
             _subtitle(data) + " Final score held at today's; the practice's ranges are those of its totals, added up "
             "draw by draw, a physician's cumulative ones the sums of his yearly percentiles (his draws keep his rank); "
             "each physician from the performance year of his roster row on (a later row of the same TIN/NPI "
             "takes over from its year).", across=YEARS_WIDTHS)
    sh.header(4, [h for _, _, h in YEARS])
    practice = [dict(r, name=f"{PRACTICE} ({r['participating']} of {r['physicians']} participating)", npi="", tin="",
                     cohort="all", participating="")
                for r in records(data.practice_years, [k for k in _keys(YEARS) if k != "tin"] + ["physicians"])]
    people = [dict(r, participating=("yes" if r["participating"] else "no") + (
        " (assumed)" if r["participation_source"] == "assumed" else ""))
        for r in records(data.physician_years, _keys(YEARS) + ["participation_source"])]
    row = sh.table(5, practice, _columns(YEARS), bold_when=lambda r: True)
    end = sh.table(row, people, _columns(YEARS), wrap={"name": 36})   # a long name wraps, as on the Physicians sheet
    sh.ws.freeze_panes(4, 1)
    sh.widths(YEARS_WIDTHS)
    sh.print_setup(4)
    sh.ws.print_area(0, 0, end - 2, len(YEARS) - 1)   # the table, as wide as its columns
