"""asm-xl plan: what it takes each physician to reach the score needed (break-even, or the target chance of a
gain): the cheapest combination of his actions (:func:`asm_xl.model.score_needed.path_to_score`), or "not
reachable" with the best score his actions give, and what it is worth in dollars
(:func:`asm_xl.model.score_needed.plan_worth`)."""

from __future__ import annotations

import sys

import pandas as pd

from asm_xl.cli.arguments import ROSTER_HELP, npi_filter, performance_year
from asm_xl.cli.output import (ERRORS_HELP, console_text, csv_output, errors_option_refused, kept_output,
                               overwrites_input, print_warnings, report_rejected)
from asm_xl.cli.settings_options import changed_settings_line, ladders_option, pool_opts, unused_settings_note
from asm_xl.cli.summaries import money, scores_source

__all__ = ["add_plan_parser", "run_plan", "PLAN_COLUMNS", "plan_rows", "plan_text", "total_text"]

PLAN_COLUMNS = ["npi", "tin", "name", "cohort", "performance_year", "final_score", "target", "target_score",
                "reachable", "final_after", "effort", "actions", "method", "part_b_payments", "dollars_p50_before",
                "dollars_p50_after", "p_gain_before", "p_gain_after", "value_p10", "value_p50", "value_p90"]
TARGETS = ("break-even", "gain")
EXCEPTED = "exception: neutral factor, not planned"
NOT_PARTICIPATING = "not participating (CMS's participants file): no adjustment, not planned"
NOT_PLANNED = (EXCEPTED, NOT_PARTICIPATING)


def add_plan_parser(sub) -> None:
    p = sub.add_parser(
        "plan", help="the cheapest actions that bring each physician to break-even (or a likely gain)",
        description="For each physician below the score needed, the cheapest combination of his actions (each "
                    "priced by the Assumptions' effort weights, action_effort_*) whose re-scored final score "
                    "reaches it, or 'not reachable' and the best score his actions give. The score needed is the "
                    "cohort's: break-even (the P50 factor is 0) or, with --target gain, the score whose chance of "
                    "a gain is gain_chance_target. Each plan's worth: the physician's dollars at P50 today and after "
                    "it, the change's range over the simulated cohorts, and the plans added up.",
        epilog="exit codes: 0 done; 1 the roster could not be read, --out exists (--overwrite) or --npi matched no "
               "physician of the roster's valid rows; 2 rows rejected, or a usage error (an --npi that is not an NPI) "
               "(only the valid ones are planned; roster_errors.csv, or --errors, lists every reason); 3 a file "
               "could not be written")
    p.add_argument("roster", help=ROSTER_HELP)
    p.add_argument("--npi", action="append", type=npi_filter, help="plan only these physicians (repeatable, or separated by commas)")
    p.add_argument("--target", choices=TARGETS, default="break-even",
                   help="break-even (default): the score whose P50 factor is 0; gain: the score whose chance of a "
                        "gain is gain_chance_target")
    p.add_argument("--year", type=performance_year, help="performance year where the roster leaves it blank")
    p.add_argument("--out", help="write the plan to this CSV instead of the screen")
    p.add_argument("--errors", default="roster_errors.csv", help=ERRORS_HELP)
    p.add_argument("--overwrite", action="store_true",
                   help="replace an existing --out file, or an --errors file that is not an error report")
    p.add_argument("--cms-participants", metavar="FILE",
                   help="CMS's ASM participants file (.csv/.xlsx): a physician it lists as not participating in his "
                        "performance year (or does not list, in a year it publishes) has no adjustment: not planned, "
                        "as the dashboard shows him")
    pool_opts(p, workbooks=False, examples="gain_chance_target=0.9 --set action_assumed_cost_points=7")


def run_plan(args) -> int:
    from asm_xl.cli.cms_commands import cms_participation
    from asm_xl.model.cohort import score_cohort
    from asm_xl.model.errors import ASMInputError
    from asm_xl.roster import RosterError, read_roster, validate_roster, write_table_csv
    from asm_xl.xlsx.errors import WorkbookError
    if csv_output(args.out, "--out", "the plan") or overwrites_input(args.out, [f for f in (args.roster, args.cms_participants,
                                                                                            args.ladders) if f]) or (
            args.out and kept_output(args.out, args.overwrite, "an earlier plan or another file")) or (
            errors_option_refused(args, "the plan")):
        return 1
    settings = args.settings
    try:
        df = read_roster(args.roster)
        ladders = ladders_option(args)
        v = validate_roster(df, performance_year=args.year, settings=settings, ladders=ladders)
        if v.valid.empty:   # every row rejected: nothing to plan, the errors say why (every one in the report)
            return report_rejected(v.errors, args.errors, args.overwrite)
        scored = v.scored if v.scored is not None else score_cohort(v.valid, performance_year=args.year,
                                                                     settings=settings, ladders=ladders)
        # the cost ladders the roster built from all its rows: a physician re-scored alone would have none
        cost = scored.cost_ladders
        wanted = _wanted(args.npi)
        participation = None
        if args.cms_participants:
            participation = cms_participation(args.cms_participants, df["npi"] if "npi" in df else [])
        plan, total = plan_rows(v.valid, scored.scores, args.target, wanted, settings, args.year, cost, participation,
                                ladders)
    except (ASMInputError, RosterError, WorkbookError) as e:
        print(f"asm-xl: {e}", file=sys.stderr)
        return 1
    print_warnings(v.warnings, scored.warnings)
    for said in (changed_settings_line(args, settings), unused_settings_note(
            settings, "plan", () if args.target == "gain" else ("gain_chance_target",))):
        if said:   # what the figures rest on, as score says it
            print(said)
    missing = sorted(wanted - set(scored.scores["npi"].astype(str).str.strip())) if wanted else []
    if missing and len(missing) == len(wanted):   # as from-cms's --npi: nothing matched is exit 1, not an empty plan
        print(f"asm-xl: --npi: no physician of the roster's valid rows has NPI {', '.join(missing)}; nothing planned",
              file=sys.stderr)
        return 1
    if missing:
        print(f"warning: not a physician of the roster's valid rows: {', '.join(missing)}", file=sys.stderr)
    unplanned = _no_final_score(scored.scores, wanted)
    if unplanned:   # they were left out without a word: "0 of 0 physician(s)" for a roster of one such physician
        print(f"not planned, no final score (asm-xl score says why): {unplanned}", file=sys.stderr)
    if args.out:
        write_table_csv(plan, args.out)
        print(f"plan written: {args.out} ({len(plan)} physician(s))")
        if total is not None and _taking(plan):   # nobody has a plan to take: no total to speak of
            print(total_text(plan, total))
    else:
        print(plan_text(plan, args.target, settings, every=wanted is not None, total=total))
    print(scores_source(scored.pools, settings.pool, settings.benchmark_year, ladders))
    if settings.pool == "roster":   # the roster is the cohort: its score needed moves as its physicians improve
        print("note: with the roster as the pool, the score needed moves as the roster's physicians improve (each "
              "action raises the bar a little); the plan holds it at today's")
    return report_rejected(v.errors, args.errors, args.overwrite)


def _no_final_score(scores: pd.DataFrame, wanted: set[str] | None) -> str:
    """The physicians (of ``wanted``) the plan leaves out because their final score cannot be computed."""
    out = scores[scores["final_score"].isna()]
    if wanted is not None:
        out = out[out["npi"].astype(str).str.strip().isin(wanted)]
    return ", ".join(f"{console_text(str(r.get('name', '') or '').strip())} (NPI {console_text(str(r['npi']))})"
                     for r in out.to_dict("records"))


def _wanted(npis) -> set[str] | None:
    """The NPIs of --npi (each one checked by the option's type, :func:`~asm_xl.cli.arguments.npi_filter`)."""
    if not npis:
        return None
    return {n.strip() for text in npis for n in text.split(",") if n.strip()}


def plan_rows(valid: pd.DataFrame, scores: pd.DataFrame, target: str, npis: set | None, settings,
              year: int | None, cost_ladders: dict | None = None, participation=None,
              ladders=None) -> tuple[pd.DataFrame, pd.Series | None]:
    """(one row per physician of ``valid`` (those of ``npis``) with a final score, the plans' total worth): the
    score needed (:func:`~asm_xl.model.score_needed.scores_needed` with the pools the dashboard prices with), the
    cheapest path there (none needed when already there; excepted physicians, and those ``participation``
    (CMS's participants file, as generate takes it) says are not participating in their year: not planned)
    and what it is worth (:func:`_with_worth`); ``ladders``: the user's quality ladders, as the scores used."""
    from asm_xl.model.projection import participating_in_own_year
    from asm_xl.model.rescoring import final_score_settings
    from asm_xl.model.score_needed import path_to_score, scores_needed
    from asm_xl.workbooks.dashboard import yearly_pools
    pools = yearly_pools(scores, settings)
    needed = scores_needed(scores, pool=pools, settings=settings)
    participating = pd.Series(participating_in_own_year(participation, scores["npi"].astype(str).str.strip().to_numpy(),
                                                        scores["performance_year"]), index=scores.index)
    column = "break_even_score" if target == "break-even" else "gain_target_score"
    scoring = final_score_settings(settings)   # re-scoring needs no pool (a roster pool needs the whole roster)
    rows = []
    from tqdm import tqdm   # ~30 ms a physician: a bar where the screen is a terminal (a 4,000-row roster: minutes)
    for label in tqdm(valid.index, desc="planning", unit="physician", disable=None, leave=False, file=sys.stderr):
        s = scores.loc[label]
        npi = str(s.get("npi", "")).strip()
        final = s.get("final_score")
        if (npis is not None and npi not in npis) or pd.isna(final):   # pd.NA: no final score ("final != final" raised)
            continue
        base = {"npi": npi, "tin": str(s.get("tin", "") or ""), "name": str(s.get("name", "") or ""),
                "cohort": s["cohort"], "performance_year": int(s["performance_year"]), "final_score": float(final),
                "target": target}
        if bool(s.get("exception")):   # a neutral factor: nothing to reach
            rows.append({**base, "actions": EXCEPTED})
            continue
        if not participating[label]:   # CMS's file: not participating, no adjustment
            rows.append({**base, "actions": NOT_PARTICIPATING})
            continue
        goal = needed.loc[label, column]
        base["target_score"] = None if pd.isna(goal) else float(goal)
        if pd.isna(goal):
            rows.append({**base, "reachable": False, "actions": "the score needed is not reachable in this pool"})
            continue
        path = path_to_score(valid.loc[[label]], float(goal), settings=scoring, performance_year=year,
                             cost_ladders=cost_ladders, ladders=ladders)
        rows.append({**base, "reachable": path.reachable, "final_after": path.final_after, "effort": path.effort,
                     "actions": path.summary, "method": path.method, "part_b_payments": float(s["part_b_payments"])})
    plan = pd.DataFrame(rows, columns=PLAN_COLUMNS)
    return _with_worth(plan, pools, settings)


def _with_worth(plan: pd.DataFrame, pools: dict, settings) -> tuple[pd.DataFrame, pd.Series | None]:
    """(the plan with what each physician's plan is worth, in dollars at today's final score and after it (P50),
    with the range of the change; the plans' total, added up draw by draw, or None when none is priced):
    :func:`~asm_xl.model.score_needed.plan_worth`, priced by the pools that set the score needed."""
    from asm_xl.model.score_needed import PLAN_WORTH_COLUMNS, plan_worth
    priced = plan["final_after"].notna() & plan["part_b_payments"].notna()
    if not priced.any():
        return plan, None
    worth, total = plan_worth(plan[priced].rename(columns={"final_score": "final_before"}), pool=pools,
                              settings=settings)
    plan = plan.astype({c: float for c in PLAN_WORTH_COLUMNS})
    plan.loc[priced, PLAN_WORTH_COLUMNS] = worth.to_numpy()
    return plan, total


def _taking(plan: pd.DataFrame) -> int:
    """How many physicians of the plan have a plan that changes their final score."""
    return int((plan["value_p50"].notna() & (plan["final_after"] != plan["final_score"])).sum())


def total_text(plan: pd.DataFrame, total: pd.Series) -> str:
    """What the plans of :func:`plan_rows` are worth together (its total: P10 / P50 / P90 added up draw by draw)."""
    return (f"Together, {_taking(plan)} physician(s) taking their plan: {money(total['p50'])} a year at P50 [P10 "
            f"{money(total['p10'])}, P90 {money(total['p90'])}], added up over the same simulated cohorts (not the "
            "sum of the physicians' own P10s and P90s)")


def plan_text(plan: pd.DataFrame, target: str, settings, every: bool = False, total: pd.Series | None = None) -> str:
    """The plan as a finance reader reads it: one paragraph per physician below the score needed (``every``: per
    physician of the plan, those already there or not planned too, as for physicians asked for by NPI), with what
    his plan is worth: his dollars at P50 today and after it, the change's range [P10, P90] over the simulated
    cohorts; ``total``: the plans together (:func:`total_text`)."""
    what = ("break-even (P50 factor 0)" if target == "break-even"
            else f"a chance of a gain of {settings.gain_chance_target:.0%} (gain_chance_target)")
    excepted = int((plan["actions"] == EXCEPTED).sum())
    absent = int((plan["actions"] == NOT_PARTICIPATING).sum())
    planned = plan[~plan["actions"].isin(NOT_PLANNED)]
    below = planned[planned["actions"] != "already there"]
    lines = [f"Cheapest actions to reach {what}, each physician's own (effort weights action_effort_*; "
             f"{len(planned) - len(below)} of {len(planned)} physician(s) already there"
             + (f"; {excepted} with an exception not planned: neutral factor" if excepted else "")
             + (f"; {absent} not participating (CMS) not planned" if absent else "") + "). A plan's worth is the "
             "change of the physician's dollars in the payment year over the simulated cohorts, middle P50 [cautious "
             "P10, hopeful P90]; the change in each cohort, so not quite the difference of the two P50s:"]
    for rec in (plan if every else below).to_dict("records"):
        tin = f", TIN {rec['tin']}" if rec.get("tin") else ""
        who = f"{console_text(rec['name'])} ({console_text(rec['npi'])}{console_text(tin)}, {rec['cohort']} " \
              f"{rec['performance_year']})"
        need = "" if rec["target_score"] is None or rec["target_score"] != rec["target_score"] else \
            f" needs {rec['target_score']:.2f}"
        after = "" if rec.get("final_after") is None or rec["final_after"] != rec["final_after"] else \
            f" -> {rec['final_after']:.2f} (effort {rec['effort']:g})"
        worth = ""
        if pd.notna(rec.get("value_p50")) and rec["final_after"] != rec["final_score"]:
            worth = (f"; P50 {money(rec['dollars_p50_before'])} -> {money(rec['dollars_p50_after'])}: worth "
                     f"{money(rec['value_p50'])} a year [P10 {money(rec['value_p10'])}, P90 {money(rec['value_p90'])}]")
        lines.append(f"  {who}: {rec['final_score']:.2f}{need}: {rec['actions']}{after}{worth}")
    if total is not None and _taking(plan) > 1:   # one plan: its own line says it
        lines.append(total_text(plan, total))
    return "\n".join(lines)
