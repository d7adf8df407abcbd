"""What the console prints of results: the practice's totals and most valuable actions (generate, demo),
the scores table and where its figures come from (score)."""

from __future__ import annotations

import textwrap

import pandas as pd

from asm_xl.cli.output import console_text
from asm_xl.model.benchmarks import benchmarks_note
from asm_xl.workbooks.dashboard.data import is_practice_total, no_actions_text
from asm_xl.workbooks.kept import (STATUS_OTHER, STATUS_STALE, STATUS_STALE_INVALID, STATUS_STALE_NUMBERS,
                                   STATUS_STALE_LADDERS, STATUS_STALE_PROJECTION, STATUS_STALE_SETTINGS)

__all__ = ["top_actions_summary", "money", "practice_summary", "scores_source", "score_table", "stale_summary",
           "differs_summary", "some_of"]


def top_actions_summary(actions, n: int = 3, outlooks=()) -> str:
    """The ``n`` most valuable actions across the practice (by P50 value, each action alone): physician,
    action, value at P50 and the range (P10, P90) — the change of that physician's dollars; ``outlooks``:
    the physicians' (the dashboard's), which say why none applies when no physician has an adjustment."""
    if actions is None or not len(actions):
        return f"Most valuable actions: {no_actions_text(outlooks)}."
    lines = ["Most valuable actions (each alone; the change of the physician's dollars over the simulated "
             "cohorts, middle P50 [cautious P10, hopeful P90]):"]
    for i, a in enumerate(actions.head(n).itertuples(), start=1):
        lines.append(f"  {i}. {console_text(a.name)} ({a.cohort}): {a.label}  {money(a.value_p50)} "
                     f"[P10 {money(a.value_p10)}, P90 {money(a.value_p90)}]")
    return "\n".join(lines)


def money(x) -> str:
    """Signed whole dollars as the summaries show them: +$13,936 / -$5,602 ("" when not computable)."""
    return "" if x is None or x != x else f"{'-' if x < 0 else '+'}${abs(x):,.0f}"


def practice_summary(totals, left_out: int = 0, *, pool: str | None = None, sources: dict | None = None,
                     years: list[int] | None = None, rejected: int = 0, benchmark_year: int | None = None,
                     ladders=None) -> str:
    """The dashboard's totals (its Practice sheet: ``Dashboard.totals``) by cohort: physicians, the point
    estimate and the range (P10 / P50 / P90) over the pool's draws (``pool``, its ``sources``: the lines
    that say where the figures come from); ``left_out``: kept workbooks
    shown without numbers (stale), which the totals leave out; ``years``: the performance years of the
    physicians, named in the heading with the year each is paid in (a roster of several has a row per year);
    ``rejected``: roster rows refused, in no total (their reasons are printed after); ``benchmark_year``: the
    setting, whose quality benchmarks are named (:func:`~asm_xl.model.benchmarks.benchmarks_note`), with the user's
    quality ``ladders`` that replace some of them.

    >>> print(practice_summary(pd.DataFrame(columns=["cohort", "physicians", "estimate", "dollars_p10", "dollars_p50",
    ...                                              "dollars_p90"]), years=[2027]).splitlines()[0])
    Estimated payment adjustments for performance year 2027 paid in 2029: the dashboard's totals over physicians (estimates, not CMS determinations)
    """
    from asm_xl.model.parameters import payment_year
    recs = totals.to_dict("records")
    width = max([8] + [len(str(r["cohort"])) + 1 for r in recs])   # "Practice 2029": a roster of several years
    # the console said no year: a dollar total of 2027's performance is paid in 2029 (the dashboard says so)
    when = " for performance year " + ", ".join(f"{y} paid in {payment_year(y)}" for y in sorted(years)) if years else ""
    lines = [f"Estimated payment adjustments{when}: the dashboard's totals over physicians (estimates, not CMS "
             "determinations)",
             f"  {'cohort':<{width}}{'physicians':>11}{'estimate':>14}{'cautious P10':>15}{'middle P50':>14}"
             f"{'hopeful P90':>14}"]
    for rec in recs:
        sums = [rec[c] for c in ("estimate", "dollars_p10", "dollars_p50", "dollars_p90")]
        lines.append(f"  {rec['cohort']:<{width}}{int(rec['physicians']):>11}"
                     + "".join(f"{money(x):>{w}}" for x, w in zip(sums, (14, 15, 14, 14))))
    if left_out:
        lines.append(f"  Left out: {left_out} kept workbook(s) shown without numbers (stale).")
    if rejected:   # the totals came first and the rejected rows at the very end: read as the whole roster's
        lines.append(f"  Left out: {rejected} roster row(s) rejected (not in these totals; the reasons follow).")
    apart = [(rec["cohort"], int(rec.get(k) or 0), why) for rec in recs if not is_practice_total(str(rec["cohort"]))
             for k, why in (("not_participating", "not participating (CMS's list)"),
                            ("exception", "with an exception (neutral factor)")) if int(rec.get(k) or 0)]
    for cohort, n, why in apart:   # counted among the physicians, at $0: the console did not say so
        lines.append(f"  {cohort}: {n} of its physicians {why}: counted, at $0 (the dashboard's Practice sheet).")
    if pool in (None, "national"):   # a given or roster pool has no draws: its P10, P50 and P90 are its point
        lines.append("  A total's P10 / P50 / P90 are the total's own, added up draw by draw: not the sums of the "
                     "physicians' P10s, which physicians above and below the midpoint reach in different draws; "
                     "see each workbook's Score sheet and README \"How sure is this number?\".")
        lines.append("  The estimate prices the score on one exchange curve (the pool's median scaling factor, the "
                     "point estimate's k and midpoint); P50 is the middle of all draws, whose k and midpoint vary, so "
                     "the two differ. Budget on P50, or on P10 if a shortfall would hurt.")
    if pool is not None:
        lines.append(textwrap.fill(_pool_words(pool, sources), width=110, initial_indent="  ",
                                   subsequent_indent="  ", break_on_hyphens=False))
    if benchmark_year is not None:
        lines.append(textwrap.fill(benchmarks_note(benchmark_year, ladders=ladders), width=110, initial_indent="  ",
                                   subsequent_indent="  ", break_on_hyphens=False))
    return "\n".join(lines)


def _pool_words(pool: str, sources: dict | None) -> str:
    """:func:`~asm_xl.workbooks.index.pool_note`, the index's words for the pool that priced the figures."""
    from asm_xl.workbooks.index import pool_note
    return pool_note(pool, sources)


def scores_source(pools, pool: str, benchmark_year: int = 0, ladders=None) -> str:
    """The lines under ``asm-xl score``'s table: where its figures come from (the pool of each cohort and
    year, in its own words) and what Dollars and P10 / P50 / P90 are, as the index's note says it; then the
    quality benchmarks of ``benchmark_year`` and the user's ``ladders`` (:func:`~asm_xl.model.benchmarks.benchmarks_note`)."""
    sources = {f"{r['cohort']} {r['performance_year']}": r["pool_source"] for r in pools.to_dict("records")}
    return "\n".join(textwrap.fill(text, width=110, break_on_hyphens=False)
                     for text in (_pool_words(pool, sources), benchmarks_note(benchmark_year, ladders=ladders)))


def score_table(scores) -> str:
    """Scores as a finance reader reads them: score with 2 decimals, factor in %, dollars rounded."""
    def pct(x) -> str:
        return "" if x is None or x != x else f"{x:+.2%}"

    columns = {"npi": "NPI", "tin": "TIN", "name": "Physician", "cohort": "Cohort", "performance_year": "PY",
               "final_score": "Final score", "factor": "Factor", "dollar_impact": "Dollars", "dollars_p10": "P10 $",
               "dollars_p50": "P50 $", "dollars_p90": "P90 $", "p_gain": "Chance of a gain"}
    # the TIN where the roster has several (a physician may bill under two), the year where it has several
    for key in ("tin", "performance_year"):
        given = scores[key].astype(str).str.replace("-", "").str.strip() if key in scores.columns else None
        if given is None or given[~given.isin(["", "nan", "None"])].nunique() < 2:   # blanks are not another TIN
            del columns[key]
    table = scores.reindex(columns=list(columns)).astype(object)
    shown = table.where(table.notna(), None)
    for c in ("npi", "tin", "name"):   # a roster's text, never acted on by the terminal
        if c in shown.columns:
            shown[c] = [console_text(x) for x in shown[c]]
    for c in ("dollar_impact", "dollars_p10", "dollars_p50", "dollars_p90"):
        shown[c] = [money(x) for x in shown[c]]
    shown["factor"] = [pct(x) for x in shown["factor"]]
    shown["final_score"] = ["not computable" if x is None else f"{x:.2f}" for x in shown["final_score"]]
    excepted = scores["exception"].fillna(False).astype(bool).tolist() if "exception" in scores.columns \
        else [False] * len(scores)
    # an exception's factor is neutral: no chance of a gain, nor of a loss (the index and workbook show 0%)
    shown["p_gain"] = ["0% (exception)" if e else "" if x is None else f"{x:.0%}"
                       for x, e in zip(shown["p_gain"], excepted)]
    if "performance_year" in columns:
        shown["performance_year"] = [int(y) for y in shown["performance_year"]]
    shown.columns = list(columns.values())
    return shown.to_string(index=False) + _why_lines(scores, excepted)


def _why_lines(scores, excepted: list) -> str:
    """Why a physician's figures are what they are where the table alone cannot say: a final score of 0,
    none computed, an exception (the scoring's own note)."""
    if "note" not in scores.columns:
        return ""
    lines = []
    for (_, rec), e in zip(scores.iterrows(), excepted):
        final = rec.get("final_score")
        if (e or pd.isna(final) or final == 0) and str(rec["note"] or "").strip():   # pd.NA: no final score
            tin = str(rec.get("tin", "") or "").strip()
            name = console_text(rec.get("name", "") or "").strip()
            ids = f"NPI {console_text(rec.get('npi', ''))}" + (f", TIN {console_text(tin)}" if tin else "")
            lines.append(f"  {name} ({ids}): {rec['note']}" if name else f"  {ids}: {rec['note']}")
    return ("\nwhy:\n" + "\n".join(lines)) if lines else ""


#: why a kept workbook is stale (its index status, or the start of it) → what to do, in a finance analyst's words
_STALE_ADVICE = {
    STATUS_STALE_SETTINGS: ("it was made under other settings than this run's (a pool is a setting)",
                            "to keep the file and its edits, generate again with its settings (--set NAME=VALUE for "
                            "each; every workbook is then priced under them); to price it under this run's, delete "
                            "the file (or --overwrite, which rebuilds every workbook from the roster, edits lost) and "
                            "generate again"),
    STATUS_STALE_LADDERS: ("it was made with other quality ladders than this run's (--ladders, or ladders typed on its "
                           "Benchmarks sheet)", "to keep the file and its edits, generate again with its ladders "
                           "(--ladders THAT_WORKBOOK.xlsx takes the table on its Benchmarks sheet; a workbook made before asm-xl "
                           "had ladders: no --ladders); to price it on this run's, delete the "
                           "file (or --overwrite, which rebuilds every workbook from the roster, edits lost) and "
                           "generate again"),
    STATUS_STALE_PROJECTION: ("its five-year projection's inputs (yearly participation from CMS's participants "
                              "file, a later roster row of its TIN/NPI) are not this run's",
                              "delete the file (or --overwrite, which rebuilds every workbook from the roster) and "
                              "generate again; edits in it are lost"),
    STATUS_STALE_NUMBERS: ("its numbers are not what its inputs give in this run (edited without recalculating; "
                           "made by another asm-xl version; or, for an episode cost, priced on a cost ladder the "
                           "roster's rows have changed since, as rows added or dropped move it)",
                           "edited: asm-xl recalc FILE, then generate again (keeps your edits); otherwise "
                           "--overwrite rebuilds it from the roster (edits in it are lost)"),
    STATUS_STALE_INVALID: ("its inputs, edited in the workbook, are not allowed (its numbers are error values)",
                           "correct the input in the workbook (its Score sheet's Why column says why), asm-xl recalc "
                           "FILE, then generate again; otherwise --overwrite rebuilds it from the roster (edits in it "
                           "are lost)"),
    STATUS_STALE: ("it could not be read back (not a workbook asm-xl wrote, or saved without its computed numbers, "
                   "as openpyxl saves)", "saved without numbers: asm-xl recalc FILE, then generate again (keeps "
                   "your edits); otherwise --overwrite rebuilds it from the roster"),
    STATUS_OTHER: ("the file under its name is another participant's workbook (the roster changed), and every "
                   "other name of its is taken", "--out another folder (--overwrite would rebuild every workbook "
                   "of this folder from the roster, edits in them lost)"),
}


def some_of(names: list[str], shown: int = 3) -> str:
    """The first ``shown`` names and how many more: "a, b, c and 4 more"."""
    return ", ".join(names[:shown]) + (f" and {len(names) - shown} more" if len(names) > shown else "")


def stale_summary(statuses: dict, *, shown: int = 3) -> str:
    """The stale kept workbooks (``statuses``: {path: index status}) grouped by why, naming a few files each,
    with what to do about each kind."""
    lines = []
    for status, (why, todo) in _STALE_ADVICE.items():
        # a file's status may go on after its kind's words (made under other settings: which ones)
        files = [p.name + s[len(status):] for p, s in statuses.items() if s.startswith(status)]
        if files:
            lines.append(f"  {len(files)} workbook(s), because {why}: {some_of(files, shown)}. To fix: {todo}.")
    return "\n".join(lines)


def differs_summary(differs: list, *, shown: int = 3, overwrite: bool = False) -> str:
    """Kept workbooks whose roster row now gives other numbers: each with both dollar figures, and what to do:
    ``--overwrite`` takes the roster's rows; with ``overwrite`` (given: the files were kept because they are
    open in Excel) close them, then run again."""
    head = (f"note: {len(differs)} kept workbook(s) hold inputs other than their roster row (edited in the "
            "workbook, or the roster changed since); their own numbers are shown:")
    rows = [f"  {path.name}: {money(held)} in the file, {money(roster)} from the roster"
            for path, _name, held, roster in differs[:shown]]
    if len(differs) > shown:
        rows.append(f"  and {len(differs) - shown} more")
    rows.append("  close them in Excel, then run again: --overwrite then takes the roster's rows (edits saved in "
                "those workbooks are lost)." if overwrite
                else "  --overwrite takes the roster's rows (edits made in those workbooks are then lost).")
    return "\n".join([head] + rows)
