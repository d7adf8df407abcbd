"""asm-xl import-qpp: QPP submission files into the roster's measure columns (asm_xl.roster.qpp_merge)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from asm_xl.cli.arguments import ROSTER_HELP, performance_year

__all__ = ["add_import_qpp_parser", "run_import_qpp"]

_QPP_KIND_TITLES = {"filled": "filled", "conflict": "conflicts", "replaced": "replaced by the file",
                    "unmatched": "not in the roster", "group": "group submissions", "cohort": "not the row's cohort",
                    "skipped": "skipped", "duplicate": "reported twice", "year": "year", "identifier": "identifiers",
                    "points": "points typed"}


def add_import_qpp_parser(sub) -> None:
    q = sub.add_parser(
        "import-qpp", formatter_class=argparse.RawDescriptionHelpFormatter,
        help="fill a roster's quality measure columns from QPP submission files (JSON)",
        epilog="exit codes: 0 merged; 1 the roster or a QPP file could not be read, or --out exists (--overwrite) "
               "(nothing written); "
               "2 merged, but values typed in the roster differ from the files and were kept (listed; "
               "--prefer-file to take the files'), or two files differ on a measure and the first one's was kept "
               "(listed; give the file to take first), or a file's performanceRate differs from its counts (the "
               "counts' rate is imported), or a row's blank TIN matches two TINs' files (not merged; listed); "
               "3 the output could not be written")
    q.add_argument("roster", help=ROSTER_HELP)
    q.add_argument("files", nargs="+", metavar="submission.json")
    q.add_argument("--out", required=True, help="the merged roster (.csv, UTF-8 with BOM)")
    q.add_argument("--overwrite", action="store_true", help="replace --out if it exists")
    q.add_argument("--prefer-file", action="store_true",
                   help="replace values typed in the roster that differ from the files' (default: keep them)")
    q.add_argument("--year", type=performance_year, help="performance year of files that leave it blank (CMS's templates)")
    q.add_argument("--group-to-members", action="store_true",
                   help="copy a group (TIN-only) submission to every roster row of that TIN")


def run_import_qpp(args) -> int:
    from asm_xl.roster import RosterError, read_roster, write_table_csv
    from asm_xl.roster.qpp_import import QppError, read_qpp_submission
    from asm_xl.roster.qpp_merge import merge_into_roster
    from asm_xl.cli.output import csv_output, kept_output, overwrites_input, print_warnings
    out = Path(args.out)
    if (csv_output(out, "--out", "the merged roster") or overwrites_input(out, [args.roster, *args.files])
            or kept_output(out, args.overwrite, "an earlier merge or another roster")):
        return 1
    failures, imports = [], []
    try:
        roster = read_roster(args.roster)
    except RosterError as e:
        failures.append(str(e))
    # each file once, named by its name, or by its path where two files share a name (their reports were mixed up)
    files, seen = [], set()
    for f in args.files:
        if os.path.realpath(f) in seen:
            print(f"{f}: skipped: given before", file=sys.stderr)
            continue
        seen.add(os.path.realpath(f))
        files.append(f)
    names = [Path(f).name for f in files]
    for f, name in zip(files, names):
        try:
            imports.append(read_qpp_submission(f, performance_year=args.year,
                                               source=name if names.count(name) == 1 else os.fspath(f)))
        except QppError as e:
            failures.append(str(e))
    if failures:
        for msg in failures:
            print(f"asm-xl: {msg}", file=sys.stderr)
        print("asm-xl: nothing written", file=sys.stderr)
        return 1
    # what reading the roster noticed (an encoding guessed, a formula without its value ...): the merged roster is
    # written in UTF-8, so this is the last run that can say it
    print_warnings(roster.attrs.get("roster_warnings", []))
    merged, notes = merge_into_roster(roster, imports, prefer_file=args.prefer_file,
                                      group_to_members=args.group_to_members)
    for imp in imports:
        mine = [n for n in notes if n.source == imp.source and n.kind != "outside"]
        rows = sum(n.kind == "filled" for n in mine)
        print(f"{imp.source}: {rows} roster row(s) filled")
        if imp.outside:
            print(f"  outside the ASM measure list (not imported): {', '.join(imp.outside)}")
        _print_notes(mine)
    across = [n for n in notes if n.source == "" and n.kind != "outside"]   # of no one file: they were never printed
    if across:
        print("across the files:")
        _print_notes(across)
    write_table_csv(merged, out)
    print(f"merged roster written: {out}")
    return 2 if any(n.kind == "conflict" for n in notes) else 0


def _print_notes(notes) -> None:
    for kind, title in _QPP_KIND_TITLES.items():
        for n in (n for n in notes if n.kind == kind):
            print(f"  {title}: {n.text}")
