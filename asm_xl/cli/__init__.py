"""asm-xl command line: demo, generate, template, score (here); recalc (:mod:`asm_xl.cli.recalc_command`),
from-cms, check-cms (:mod:`asm_xl.cli.cms_commands`), import-qpp (:mod:`asm_xl.cli.qpp_commands`) and pdf
(:mod:`asm_xl.cli.pdf_commands`)."""

from __future__ import annotations

import argparse
import os
import sys
from importlib import resources
from pathlib import Path

from asm_xl.calc import draws_cache
from asm_xl.launch import INTERRUPTED
from asm_xl.cli.arguments import ROSTER_HELP, performance_year, positive_whole, year_note
from asm_xl.cli.cms_commands import (CMS_COMMANDS, add_cms_commands, cms_participation, run_cms,
                                     scores_as_participating)
from asm_xl.cli.plan_commands import add_plan_parser, run_plan
from asm_xl.cli.output import (ERRORS_HELP, console_text, csv_output, errors_option_refused, errors_summary,
                               kept_output, overwrites_input, print_warnings, replaces_what_generate_reads,
                               report_rejected, tolerant_streams, write_failure)
from asm_xl.cli.pdf_commands import add_pdf_parser, generated_pdfs, run_pdf
from asm_xl.cli.qpp_commands import add_import_qpp_parser, run_import_qpp
from asm_xl.cli.recalc_command import run_recalc
from asm_xl.cli.summaries import (differs_summary, practice_summary, score_table, scores_source, some_of,
                                  stale_summary, top_actions_summary)
from asm_xl.cli.settings_options import (changed_settings_line, check_settings_options, ladders_option, pool_opts,
                                         pool_settings, unused_settings_note)

__all__ = ["main", "build_parser", "pool_settings"]


def _sample_roster() -> Path:
    return Path(str(resources.files("asm_xl.roster").joinpath("data/sample_roster.csv")))


def _cmd_generate(args, roster) -> int:
    from asm_xl.model.errors import ASMInputError
    from asm_xl.roster import RosterError
    from asm_xl.workbooks.batch import generate_workbooks
    from asm_xl.xlsx.errors import WorkbookError
    settings = args.settings   # (read and checked with the command line)
    if replaces_what_generate_reads(args, roster):
        return 1
    if args.template and not os.path.isfile(args.template):
        from asm_xl.xlsx.near_names import near_name
        what = "a folder, not a file" if os.path.isdir(args.template) else "no such file" + near_name(Path(args.template))
        print(f"asm-xl: --template {args.template}: {what} (a template .xlsx/.xlsm; without --template, the "
              "packaged one)", file=sys.stderr)
        return 1
    try:
        from asm_xl.roster import read_roster
        path, roster = roster, read_roster(roster)
        ladders = ladders_option(args)
        participation = None
        if args.cms_participants:
            participation = cms_participation(args.cms_participants, roster["npi"] if "npi" in roster else [])
        report = generate_workbooks(roster, template=args.template, out_dir=args.out,
                                    performance_year=args.year, jobs=args.jobs, overwrite=args.overwrite,
                                    progress=not args.quiet, settings=settings,
                                    participation=participation, ladders=ladders,
                                    # (a workbook of out/ given as --ladders is kept without --overwrite: never written)
                                    reads=[f for f in (path, args.cms_participants, args.overwrite and args.ladders) if f])
    except (RosterError, WorkbookError, ASMInputError) as e:
        print(f"asm-xl: {e}", file=sys.stderr)
        return 1
    print_warnings(report.warnings)
    for said in (changed_settings_line(args, settings), year_note(roster, args.year)):
        if said:
            print(said)
    print(f"{len(report.written)} workbook(s) written to {args.out}"
          + (f", {len(report.skipped)} kept (" + ("open in Excel: close them and run again" if args.overwrite
                                                  else "already there; --overwrite to replace") + ")"
             if report.skipped else ""))
    if report.nothing_priced:
        print(f"asm-xl: nothing priced: all {len(report.stale)} workbook(s) in {args.out} are kept from an earlier "
              "run and none can be shown with this run's numbers; the index and the dashboard there are left as "
              "they were.", file=sys.stderr)
    elif report.stale:
        print(f"warning: {len(report.stale)} kept workbook(s) are shown without numbers and left out of the "
              "totals (status \"stale\" in the index; exit code 2):", file=sys.stderr)
    if report.stale:
        print(stale_summary(report.stale_status), file=sys.stderr)
    if report.differs:
        print(differs_summary(report.differs, overwrite=args.overwrite))
    if report.not_in_roster:
        print(f"note: {len(report.not_in_roster)} other workbook(s) in {args.out} are no row of this roster (an "
              f"earlier run's): left as they are, not in the index or the dashboard: {some_of(report.not_in_roster)}")
    if report.dashboard_data is not None:
        print(practice_summary(report.dashboard_data.totals, left_out=len(report.stale), pool=report.pool,
                               sources=report.pool_sources,
                               years=sorted(set(report.dashboard_data.physicians["performance_year"].astype(int))),
                               rejected=report.rejected_rows, benchmark_year=settings.benchmark_year, ladders=ladders))
        print(top_actions_summary(report.dashboard_data.top_actions,
                                  outlooks=report.dashboard_data.physicians["outlook"].tolist()))
    if report.index:
        print(f"index: {report.index}")
    if report.dashboard:
        print(f"dashboard: {report.dashboard}")
    status = report.exit_code
    if args.pdf:
        status = status or generated_pdfs(report)
    if report.rejected_rows:
        print(errors_summary(report.errors), file=sys.stderr)
        print(f"error report: {report.error_report}", file=sys.stderr)
    return status


def _cmd_template(args) -> int:
    from asm_xl.workbooks.template import build_template
    target = Path(args.out or Path.cwd() / "asm_template.xlsx")
    if target.suffix.lower() != ".xlsx":   # an .xlsx was written under the name t.csv (or .xlsm: Excel refuses it)
        print(f"asm-xl: --out {target}: the template is an .xlsx workbook: name it .xlsx (add macros in Excel and "
              "save it as .xlsm yourself)", file=sys.stderr)
        return 1
    if kept_output(target, args.overwrite, "your edits: VBA, imported functions"):
        return 1
    path = build_template(target)
    print(f"template written: {path}")
    return 0


#: score --out's names of score_cohort's rank columns: they rank the roster's own cohort, not CMS's national one
#: (the README's cohort_size is the national cohort's; the index says "Rank in roster cohort")
ROSTER_RANK_COLUMNS = {"cohort_rank": "rank_in_roster_cohort", "cohort_size": "roster_cohort_size",
                       "percentile_rank": "percentile_in_roster_cohort"}


def _cmd_score(args) -> int:
    import pandas as pd

    from asm_xl.model.cohort import score_cohort
    from asm_xl.model.errors import ASMInputError
    from asm_xl.model.ranges import payment_ranges
    from asm_xl.roster import RosterError, read_roster, validate_roster
    from asm_xl.xlsx.errors import WorkbookError
    if overwrites_input(args.out, [f for f in (args.roster, args.cms_participants, args.ladders) if f]) or errors_option_refused(
            args, "the scores"):
        return 1
    if (csv_output(args.out, "--out", "the scores table")
            or (args.out and kept_output(args.out, args.overwrite, "an earlier run's scores or another file"))):
        return 1
    try:
        df = read_roster(args.roster)
    except RosterError as e:
        print(f"asm-xl: {e}", file=sys.stderr)
        return 1
    try:
        settings, ladders = args.settings, ladders_option(args)
        v = validate_roster(df, performance_year=args.year, settings=settings, ladders=ladders)
        res = v.scored if v.scored is not None else score_cohort(v.valid, performance_year=args.year,
                                                                 settings=settings, ladders=ladders)
        out = pd.concat([res.scores, payment_ranges(res.scores, settings=settings)], axis=1)
        outside = []
        if args.cms_participants:   # as generate's index and dashboard show them: no adjustment, $0
            out, outside = scores_as_participating(out, cms_participation(args.cms_participants, out["npi"]))
    except (ASMInputError, RosterError, WorkbookError) as e:
        print(f"asm-xl: {e}", file=sys.stderr)
        return 1
    print_warnings(v.warnings, res.warnings)
    if outside:
        print(f"not participating in their performance year (CMS's participants file; no adjustment, $0): "
              f"{', '.join(console_text(n) for n in outside)}")
    for said in (changed_settings_line(args, settings), unused_settings_note(settings, "score"),
                 year_note(df, args.year)):
        if said:
            print(said)
    if args.out and not len(out):   # (a table of the range columns' names alone, no physician, was written)
        print(f"no physician scored: {args.out} not written", file=sys.stderr)
    elif args.out:
        from asm_xl.roster import write_table_csv
        write_table_csv(out.rename(columns=ROSTER_RANK_COLUMNS), args.out)
        print(f"scores written: {args.out}")
    elif len(out):
        print(score_table(out))
        print(scores_source(res.pools, settings.pool, settings.benchmark_year, ladders))
    # as generate: rows rejected, the report; none, an earlier run's report removed (the scores above are printed or
    # written all the same)
    return report_rejected(v.errors, args.errors, args.overwrite)


#: every command's exit codes (asm-xl --help; each command's own --help gives its own)
EXIT_CODES = ("exit codes: 0 done; 1 a file could not be read (missing, not a workbook, corrupt, over the size "
              "limits), values differ (recalc --check), a workbook is open in Excel (recalc) or an output exists "
              "(--overwrite), is a file the command reads or is not .csv (score --out), or nothing matched (plan "
              "--npi, from-cms filters); 2 rejected: roster rows "
              "(see the error report), a workbook that cannot be recalculated, or a usage error (a wrong "
              "option); 3 a file could not be written (disk full, read-only, a folder that is a file or does not "
              "exist); 4 a PDF asked for but LibreOffice is missing or failed; 130 interrupted; 141 the program "
              "reading the output stopped (| head)")
_WRITE_FAILED = "3 a file could not be written (disk full, a read-only folder, a folder that is a file); "
_STOPPED = "130 interrupted; 141 the program reading the output stopped (| head)"
#: generate's and demo's exit codes
GENERATE_EXIT = ("exit codes: 0 done; 1 the roster, the template or CMS's file could not be read (missing, not a "
                 "CSV or workbook, corrupt, over the size limits, no npi or specialty/cohort column, a column name "
                 "misspelt; another required column missing rejects every row: 2), a "
                 "workbook would replace a file the run reads, or nothing priced (every workbook kept and stale: "
                 "the index and the dashboard left as they were); 2 done, but the totals leave physicians out "
                 "(roster rows rejected: roster_errors.csv; kept workbooks stale), or the index or the dashboard "
                 "is open in Excel and still shows the earlier run; also a usage error (a wrong option); "
                 + _WRITE_FAILED + "4 --pdf, and LibreOffice is missing or failed; " + _STOPPED)
#: template's exit codes
TEMPLATE_EXIT = ("exit codes: 0 written; 1 the file exists (--overwrite replaces it) or is not named .xlsx; 2 a usage "
                 "error; " + _WRITE_FAILED + _STOPPED)
#: recalc's exit codes
RECALC_EXIT = ("exit codes: 0 done (--check: every cached value matches); 1 a file could not be read (missing, not a "
               "workbook, corrupt, over the size limits), --check found values that differ, or a workbook is open in "
               "Excel (skipped); 2 a workbook that cannot be recalculated (the line says why), or a usage error; 3 a "
               "file could not be written (disk full, a read-only workbook or folder, a workbook changed by another "
               "program meanwhile); " + _STOPPED)
#: score's exit codes
SCORE_EXIT = ("exit codes: 0 done; 1 the roster could not be read (missing, not a CSV or workbook, corrupt, no npi or "
              "specialty/cohort column, a column name misspelt; another required column missing rejects every row: "
              "2), --out exists (--overwrite), is the roster or is not .csv, or --errors "
              "is a file of yours (not an error report) and rows are rejected; 2 roster rows "
              "rejected (the error report lists them; the others are scored all the same), or a usage error; "
              + _WRITE_FAILED + _STOPPED)


def build_parser() -> argparse.ArgumentParser:
    """The asm-xl command line."""
    from asm_xl import __version__
    p = argparse.ArgumentParser(
        prog="asm-xl", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="What the CMS Ambulatory Specialty Model (ASM) will do to each physician's Medicare payments: "
                    "one scored Excel workbook per physician, a practice index, estimates with their range.",
        epilog="examples:\n"
               "  asm-xl demo                          workbooks for the bundled sample practice, in ./workbooks\n"
               "  asm-xl generate roster.csv --out wb  one workbook per physician of your roster\n"
               "  asm-xl score roster.csv              the scores on screen, no workbooks\n"
               "  asm-xl plan roster.csv               the cheapest actions to break-even, per physician\n"
               "  asm-xl recalc wb/*.xlsx              recalculate edited workbooks without Excel\n" + EXIT_CODES)
    p.add_argument("--version", action="version", version=f"asm-xl {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    def gen_opts(sp):
        sp.add_argument("--template", help="template .xlsx/.xlsm (default: the packaged template)")
        sp.add_argument("--out", default="workbooks", help="output folder (default: workbooks)")
        sp.add_argument("--year", type=performance_year, help="performance year where the roster leaves it blank")
        sp.add_argument("--jobs", type=positive_whole, default=max(1, min(2, os.cpu_count() or 1)),
                        help="worker processes (1 or more; default: 2, or 1 on a one-core machine)")
        sp.add_argument("--overwrite", action="store_true", help="replace existing workbooks")
        pool_opts(sp)
        sp.add_argument("--quiet", action="store_true", help="no progress bar")
        sp.add_argument("--pdf", action="store_true", help="also print the dashboard and each workbook to PDF, "
                                                           "beside them (needs LibreOffice; exit code 4 without)")
        sp.add_argument("--cms-participants", metavar="FILE",
                        help="CMS's ASM participants file (.csv/.xlsx): each physician's participation per "
                             "performance year in the dashboard's five-year view (a year CMS has not published "
                             "is assumed, and the dashboard says so)")

    g = sub.add_parser("generate", help="one scored workbook per physician of a roster (CSV or Excel)",
                       epilog=GENERATE_EXIT)
    g.add_argument("roster", help=ROSTER_HELP)
    gen_opts(g)
    d = sub.add_parser("demo", help="generate workbooks for the bundled sample roster", epilog=GENERATE_EXIT)
    gen_opts(d)
    t = sub.add_parser("template", help="rebuild the workbook template", epilog=TEMPLATE_EXIT)
    t.add_argument("--out", help="where to write it (default: asm_template.xlsx in the current folder)")
    t.add_argument("--overwrite", action="store_true", help="replace the file if it exists (it may be a template "
                                                            "you edited)")
    r = sub.add_parser("recalc", help="recalculate workbooks without Excel; cached values written back",
                       epilog=RECALC_EXIT)
    r.add_argument("files", nargs="+", help="workbooks to recalculate (.xlsx/.xlsm; e.g. wb/*.xlsx), each "
                                            "rewritten in place with its new cached values")
    r.add_argument("--check", action="store_true", help="compare cached values with a fresh calculation; "
                                                         "exit 1 on differences")
    r.add_argument("--engine", choices=("auto", "formulas"), default="auto",
                   help="auto: asm-xl's fast evaluator where it supports the workbook, else the formulas "
                        "library; formulas: always the formulas library")
    s = sub.add_parser("score", help="score a roster and show each physician's estimate and range (no workbooks)",
                       epilog=SCORE_EXIT)
    s.add_argument("roster", help=ROSTER_HELP)
    s.add_argument("--year", type=performance_year, help="performance year where the roster leaves it blank")
    s.add_argument("--out", help="write every score column to this CSV instead of the table")
    pool_opts(s, workbooks=False, examples="tfs_midpoint=55 --set bound_factors=no")
    s.add_argument("--errors", default="roster_errors.csv", help=ERRORS_HELP)
    s.add_argument("--overwrite", action="store_true",
                   help="replace an existing --out file, or an --errors file that is not an error report")
    s.add_argument("--cms-participants", metavar="FILE",
                   help="CMS's ASM participants file (.csv/.xlsx): a physician it lists as not participating in his "
                        "performance year (or does not list, in a year it publishes) has no adjustment ($0), as "
                        "generate's index and dashboard show him")
    add_cms_commands(sub)

    add_import_qpp_parser(sub)
    add_pdf_parser(sub)
    add_plan_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    """Run asm-xl; returns the exit code (0 ok, 1 a file could not be read, check differences or an output
    exists, 2 rows or workbooks rejected, 3 a file could not be written, 4 no PDF, 130 interrupted, 141 the
    output pipe closed); a usage error (argparse's, or options that contradict each other) exits 2 with the usage.
    Ordinary failures are one line, never a traceback; every write is atomic, so nothing is left
    half-written."""
    tolerant_streams()  # a name the console cannot encode prints as "?", not a traceback
    try:   # Ctrl-C while the options are read (pandas and numpy are imported there) is an interruption too
        args = build_parser().parse_args(argv)
        check_settings_options(args)
        draws_cache.install()  # the national draws kept between runs (ASM_XL_CACHE=off: none)
        return _dispatch(args)
    except KeyboardInterrupt as e:   # (a note: what the interrupted work did about it, e.g. an index removed)
        print("; ".join([INTERRUPTED, *getattr(e, "__notes__", ())]), file=sys.stderr)
        return 130
    except BrokenPipeError:   # the program reading the output stopped (| head): silent, as the shell's tools
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())   # (no second error when Python flushes)
        return 141
    except OSError as e:  # recalc writes the files it was given: no option chose them
        print(write_failure(e, None if args.command == "recalc" else "--out"), file=sys.stderr)
        return 3


def _dispatch(args) -> int:
    if args.command == "generate":
        return _cmd_generate(args, args.roster)
    if args.command == "demo":
        print(f"sample roster: {_sample_roster()}\n  your own: copy it, put in your physicians (README \"Roster "
              "columns\"), then asm-xl generate ROSTER.csv --out FOLDER")
        return _cmd_generate(args, _sample_roster())
    if args.command == "template":
        return _cmd_template(args)
    if args.command == "recalc":
        return run_recalc(args)
    if args.command == "score":
        return _cmd_score(args)
    if args.command in CMS_COMMANDS:
        return run_cms(args)
    if args.command == "plan":
        return run_plan(args)

    if args.command == "import-qpp":
        return run_import_qpp(args)
    if args.command == "pdf":
        return run_pdf(args)
    return 2  # pragma: no cover
