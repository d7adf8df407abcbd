"""asm-xl from-cms / check-cms: start a roster from CMS's ASM Participants file, check one against it."""

from __future__ import annotations

import sys
from pathlib import Path

from asm_xl.cli.arguments import ROSTER_HELP, filter_text, npi_filter, performance_year
from asm_xl.cli.output import print_warnings
from asm_xl.model.parameters import performance_years

FIRST_YEAR = performance_years()[0]   #: the default performance year: the model's first

__all__ = ["CMS_COMMANDS", "add_cms_commands", "run_cms", "cms_participation"]

CMS_COMMANDS = ("from-cms", "check-cms")
FROM_CMS_EXIT = ("exit codes: 0 done; 1 a file could not be read, nothing matched or --out exists (--overwrite); "
                 "2 a usage error (a blank filter, an --npi that is not an NPI, a year outside the model's); 3 a file could not be written")
CHECK_CMS_EXIT = ("exit codes: 0 no warning; 1 a file could not be read, or --out is a file that is not its report "
                  "(--overwrite); 2 warnings written, or a usage error; 3 a file could not be written")


def add_cms_commands(sub) -> None:
    f = sub.add_parser("from-cms", help="start a roster from CMS's ASM Participants file (data.cms.gov)",
                       description="Pick physicians from CMS's ASM Participants file (CSV or Excel) and write a "
                                   "roster with NPI, name, cohort, performance year and CMS's small-practice flag "
                                   "filled; TIN, payments and measures are left blank for you to fill.",
                       epilog=FROM_CMS_EXIT)
    f.add_argument("participants", help="CMS's ASM Participants file (.csv or .xlsx)")
    f.add_argument("--organization", action="append", type=filter_text,
                   help="text in ORGANIZATION_LEGAL_NAME (any case; repeatable)")
    f.add_argument("--state", action="append", type=filter_text, help="state code, e.g. TX (repeatable)")
    f.add_argument("--npi", action="append", type=npi_filter, help="an NPI (repeatable, or several separated by commas)")
    f.add_argument("--year", type=performance_year, default=FIRST_YEAR, help=f"performance year (default {FIRST_YEAR})")
    f.add_argument("--out", default="roster.csv", help="roster to write (default: roster.csv)")
    f.add_argument("--overwrite", action="store_true", help="replace --out if it exists (it may hold your inputs)")
    c = sub.add_parser("check-cms", help="check a roster against CMS's ASM Participants file (warnings only)",
                       description="Eligibility screen: rows whose NPI is not on CMS's list, not a participant "
                                   "that year, in another cohort or with another small-practice flag. Nothing is "
                                   "rejected; the warnings are written like the error report.", epilog=CHECK_CMS_EXIT)
    c.add_argument("roster", help=ROSTER_HELP)
    c.add_argument("participants", help="CMS's ASM Participants file (.csv or .xlsx)")
    c.add_argument("--year", type=performance_year, default=FIRST_YEAR,
                   help=f"performance year where the roster leaves it blank (default {FIRST_YEAR})")
    c.add_argument("--out", default="cms_warnings.csv", help="where the warnings go (default: cms_warnings.csv); "
                                                             "an earlier report there is replaced, or removed when "
                                                             "nothing differs")
    c.add_argument("--overwrite", action="store_true", help="replace --out even if it is not a report asm-xl wrote")


def run_cms(args) -> int:
    from asm_xl.cli.output import csv_output, foreign_report, kept_output, overwrites_input, print_warnings
    from asm_xl.roster import RosterError, read_roster, report_rejected_rows, validate_roster
    from asm_xl.roster.report import is_error_report
    from asm_xl.roster.cms_participants import read_cms_participants
    from asm_xl.roster.cms_roster import roster_from_cms, write_cms_roster
    from asm_xl.roster.cms_screen import check_roster_against_cms, summarize_cms_warnings
    out = Path(args.out)
    if csv_output(out, "--out", "the roster" if args.command == "from-cms" else "the warnings report"):
        return 1
    # check-cms replaces (or, with no warning, removes) its own earlier report, as score does its error report:
    # a clean check left the last run's warnings, perhaps of another roster, and a re-check after fixing the
    # roster was refused until --overwrite; any other file there is kept
    if (kept_output(out, args.overwrite, "inputs you filled") if args.command == "from-cms"
            else foreign_report(out, args.overwrite, is_error_report, "--out")):
        return 1
    if overwrites_input(out, [args.participants, getattr(args, "roster", None)]):
        return 1
    try:
        participants = read_cms_participants(args.participants)
        if args.command == "check-cms":
            roster = read_roster(args.roster)
            print_warnings(roster.attrs.get("roster_warnings", []))
            warnings = check_roster_against_cms(roster, participants, args.year)
            print(summarize_cms_warnings(warnings, len(roster)))
            report = report_rejected_rows(warnings, out)
            if report is not None:
                print(f"warnings report: {report}")
            return 2 if len(warnings) else 0
        npis = [n for arg in args.npi or [] for n in arg.split(",") if n.strip()]
        roster = roster_from_cms(participants, organization=args.organization, state=args.state, npis=npis,
                                 performance_year=args.year)
        write_cms_roster(roster, out)
        required = validate_roster(read_roster(out)).errors
    except RosterError as e:
        print(f"asm-xl: {e}", file=sys.stderr)
        return 1
    counts = ", ".join(f"{n} {c}" for c, n in roster["cohort"].replace("", "cohort blank").value_counts().sort_index().items())
    print(f"roster written: {out} ({len(roster)} physician(s): {counts}; performance year {args.year})")
    for note in roster.attrs["cms_notes"]:
        print(f"note: {note}")
    if roster.attrs["npis_not_found"]:
        print(f"warning: not on CMS's list: {', '.join(roster.attrs['npis_not_found'])}", file=sys.stderr)
    missing = required[required["reason"].str.startswith("required")]
    needed = list(dict.fromkeys(missing["column"]))
    # a column some rows need (practice_size where CMS's flag is blank): said with how many, not "every physician"
    rows_of = missing.groupby("column")["row"].nunique() if len(missing) else {}
    every = [c for c in needed if rows_of[c] >= len(roster)]
    shown = ([f"{', '.join(every)} for every physician"] if every else []) + [
        f"{c} for {rows_of[c]} of the {len(roster)} physicians" for c in needed if c not in every]
    solo = ("" if "practice_size" in needed else "; practice_size (CMS's small-practice flag decides the bonus, the "
            "size only tells a solo physician's: blank is not solo)")
    print(f"next: fill {' and '.join(shown) or 'nothing required'} (required), then the measures, "
          f"cost and improvement activities you have{solo}; tin is blank (CMS's file has none): fill it if a "
          f"physician bills under several TINs. Then: asm-xl generate {out}")
    return 0


def cms_participation(path, npis) -> dict:
    """The projection's participation from CMS's participants file for the roster's NPIs (see
    :func:`~asm_xl.roster.cms_participants.participation_for_projection`); a warning names the roster's
    physicians the file does not list, who are then not participating in the years it publishes."""
    from asm_xl.roster.cms_participants import (participation_for_projection, published_years, read_cms_participants,
                                                unlisted_npis)
    from asm_xl.model.identifiers import npi_is_valid
    participants = read_cms_participants(path)
    # an NPI that is no NPI is the roster's error (its row is rejected), not one missing from CMS's list
    npis = [n for n in (str(n).strip() for n in npis) if npi_is_valid(n)]
    absent = unlisted_npis(participants, npis)
    years = published_years(participants)
    if absent and years:
        shown = ", ".join(absent[:5]) + (f" and {len(absent) - 5} more" if len(absent) > 5 else "")
        print_warnings([f"{len(absent)} roster physician(s) are not on CMS's participants list ({shown}): not "
                        f"participating in {', '.join(map(str, years))}, the years it publishes (no ASM adjustment "
                        "in the five-year view); asm-xl check-cms compares the roster with the list"])
    return participation_for_projection(participants, npis=npis)


def scores_as_participating(scores, participation):
    """``asm-xl score``'s scores with CMS's participation applied, as generate's index and dashboard show them: a
    physician CMS lists as not participating in his performance year has no adjustment (factor, dollars and
    their range 0, multiplier 1: :func:`~asm_xl.model.exceptions.without_adjustment`), is left out of the
    roster ranks (the others ranked again, :func:`~asm_xl.model.roster_ranks.ranks_without`, their
    percentiles too) and his note says so; a column ``cms_participating`` says which. Returns (scores, the
    names of those not participating)."""
    import numpy as np
    import pandas as pd
    from asm_xl.model.exceptions import without_adjustment
    from asm_xl.model.projection import participating_in_own_year
    from asm_xl.model.roster_ranks import ranks_without
    on = participating_in_own_year(participation, scores["npi"].astype(str).str.strip().to_numpy(),
                                   scores["performance_year"].astype(int).to_numpy())
    out = without_adjustment(scores, ~on)
    out["cms_participating"] = on
    if {"cohort_rank", "cohort_size", "final_score"} <= set(out.columns) and len(out):
        ranks, sizes, pct = ranks_without(out, set(out.index[~on]))
        out["cohort_rank"] = pd.array([None if np.isnan(r) else int(r) for r in ranks], dtype="Int64")
        out["cohort_size"] = sizes
        if "percentile_rank" in out.columns:
            out["percentile_rank"] = pd.array(pct, dtype="Float64")
    said = "Not participating in this performance year (CMS's participants file): no ASM adjustment."
    if "note" in out.columns:
        notes = out["note"].astype(object).where(out["note"].notna(), "").astype(str)
        out["note"] = np.where(on, notes, (notes + " " + said).str.strip())
    names = [f"{str(r.get('name', '') or '').strip()} (NPI {r['npi']})".strip()
             for r in scores[~on].to_dict("records")]
    return out, names
