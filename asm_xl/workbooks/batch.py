"""The generation job: roster in, one scored workbook per valid physician out, plus an index and an
error report for rejected rows."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from asm_xl.calc.collection_pause import collection_paused
from asm_xl.calc.draws_cache import DirectoryStore
from asm_xl.model import kept_draws
from asm_xl.model.roster_ranks import ranks_without
from asm_xl.model.settings import DEFAULT_SETTINGS, Settings
from asm_xl.roster import read_roster, report_rejected_rows, roster_text, validate_roster
from asm_xl.workbooks.ctrl_c import ctrl_c_noted
from asm_xl.workbooks.dashboard import DASHBOARD_NAME, dashboard_numbers, write_dashboard
from asm_xl.workbooks.dashboard.data import NOT_PARTICIPATING_OUTLOOK
from asm_xl.workbooks.filenames import participant_file_names, same_file_as_any
from asm_xl.workbooks.folder_guard import folder_in_the_way, foreign_summaries, summaries_follow_workbooks
from asm_xl.workbooks.index import INDEX_NAME, write_index
from asm_xl.workbooks.index_cells import clean_number, rank_cell, text_or_none, whole_or_none
from asm_xl.workbooks.inputs import (cost_measure_id, projection_cells, projection_inputs, uses_episode_cost,
                                     workbook_inputs, workbook_settings)
from asm_xl.workbooks.kept import (KEPT_WITH_NUMBERS, STATUS_KEPT, STATUS_KEPT_EDITED, STATUS_OPEN, STATUS_OTHER, STATUS_WRITTEN,
                                   read_kept_workbook, stale_invalid_status)
from asm_xl.workbooks.kept_rows import (differs_from_roster, is_stale, kept_dashboard, kept_status, number_or_none,
                                        renamed_workbooks, row_year, same_participant, score_with_kept)
from asm_xl.workbooks.render import TemplateImage
from asm_xl.workbooks.template import default_template
from asm_xl.xlsx.atomic import write_atomic
from asm_xl.xlsx.errors import WorkbookError
from asm_xl.xlsx.lock_files import excel_lock_file, unless_open_in_excel

__all__ = ["GenerationReport", "generate_workbooks", "INDEX_NAME", "ERRORS_NAME"]

ERRORS_NAME = "roster_errors.csv"
SUMMARY_COLUMNS = ["npi", "tin", "name", "cohort", "performance_year", "final_score", "factor", "dollar_impact",
                   "dollars_p10", "dollars_p50", "dollars_p90", "p_gain",
                   "rank_in_roster_cohort", "roster_cohort_size", "file", "status"]
#: what the index shows of each workbook: summary column → the workbook's named result cell
RESULT_NAMES = {"final_score": "Sc_Final", "factor": "Sc_Factor", "dollar_impact": "Sc_Impact",
                "quality": "Sc_Quality", "cost": "Sc_Cost", "dollars_p10": "Sc_DollarsP10",
                "dollars_p50": "Sc_DollarsP50", "dollars_p90": "Sc_DollarsP90", "p_gain": "Sc_GainChance"}
SHOWN = ("final_score", "factor", "dollar_impact", "dollars_p10", "dollars_p50", "dollars_p90", "p_gain")


@dataclass
class GenerationReport:
    """What a generation run did: files written or kept, rejected rows and their report, index."""

    written: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)       #: existed, no --overwrite (kept as they are)
    #: kept, with their own numbers, though the roster's row prices otherwise: (file, name, its dollars, the row's)
    differs: list[tuple] = field(default_factory=list)
    #: the kept files shown without numbers (stale) and why, as the index's status says it
    stale_status: dict = field(default_factory=dict)
    #: workbooks in the folder that are no row of this roster (an earlier run's): left as they are, not indexed
    not_in_roster: list = field(default_factory=list)
    rejected_rows: int = 0
    errors: pd.DataFrame | None = None
    error_report: Path | None = None
    index: Path | None = None
    warnings: list[str] = field(default_factory=list)
    summary: pd.DataFrame | None = None
    dashboard: Path | None = None
    dashboard_data: object | None = None   #: the dashboard's tables (asm_xl.workbooks.dashboard.Dashboard)
    #: the pool that priced the numbers: its name, and per cohort and year its source in its own words
    pool: str = "national"
    pool_sources: dict = field(default_factory=dict)
    #: the index and/or the dashboard left as they were, open in Excel: they still show an earlier run's numbers
    summaries_open: list = field(default_factory=list)

    @property
    def stale(self) -> list[Path]:
        """The kept files shown without numbers: the index, the dashboard and the totals leave them out."""
        return list(self.stale_status)

    @property
    def nothing_priced(self) -> bool:
        """Every workbook was kept and is stale: the run priced no physician, and left the index and the
        dashboard of the earlier run as they were (they still describe the files)."""
        return bool(self.stale) and not self.written and len(self.stale) == len(self.skipped)

    @property
    def exit_code(self) -> int:
        """0 all good; 1 nothing priced (:attr:`nothing_priced`); 2 the totals leave physicians out (rows
        rejected, or kept workbooks stale), or the index or the dashboard was open in Excel and still shows
        an earlier run's numbers (:attr:`summaries_open`): a script reading the totals must know."""
        return 1 if self.nothing_priced else 2 if self.rejected_rows or self.stale or self.summaries_open else 0


_IMAGE: TemplateImage | None = None   # the template, read once per process


def _worker_init(template: str, parent: int, kept: str | None = None) -> None:
    """A worker's start: the template image, the parent's store of kept draws (a spawned worker does
    not inherit it), the watch on the parent."""
    global _IMAGE
    # Ctrl-C reaches the whole process group: the parent stops the batch (queued chunks cancelled, the
    # running ones finished), so a worker is never cut between its temporary file and the rename
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _IMAGE = TemplateImage(template)
    if kept is not None:
        kept_draws.use_store(DirectoryStore(kept))
    threading.Thread(target=exit_with_parent, args=(parent,), daemon=True, name="asm-xl-parent-watch").start()


def _kept_directory() -> str | None:
    store = kept_draws.current_store()
    return str(store.directory) if isinstance(store, DirectoryStore) else None


def exit_with_parent(parent: int, every: float = 0.5) -> None:
    """End this process within ``every`` seconds of its parent's death. A worker holds a chunk of
    up to CHUNK workbooks; after ``kill -9`` of the parent nobody would index them, so it stops at once."""
    while True:
        time.sleep(every)
        if os.getppid() != parent:
            os._exit(1)


def _render_chunk(tasks: list) -> list:
    """[(path, status, values the index shows)] of a chunk of workbooks, rendered together (their
    actions in one batch, see :meth:`TemplateImage.render_many`)."""
    out = []
    with collection_paused():   # a chunk's containers live until it ends: no collector walks meanwhile
        for (path, inputs), (data, results) in zip(tasks, _IMAGE.render_many([t[1] for t in tasks])):
            picked = {k: results.get(_IMAGE.cell_of(name)) for k, name in RESULT_NAMES.items()}
            write_atomic(path, data, durable=False)  # no fsync per workbook: see asm_xl.xlsx.atomic
            out.append((str(path), STATUS_WRITTEN, picked))
    return out


@collection_paused()   # one bounded job whose containers live until it ends: ~15% of its time went to collector walks
def generate_workbooks(roster, *, template: str | os.PathLike | None = None, out_dir: str | os.PathLike = "workbooks",
                       performance_year: int | None = None, jobs: int = 1, overwrite: bool = False,
                       settings: Settings = DEFAULT_SETTINGS, progress: bool = False,
                       participation=None, reads=(), ladders=None) -> GenerationReport:
    """Generate one workbook per valid roster row.

    ``roster``: a path (CSV/Excel) or a DataFrame of text. Rejected rows go to ``roster_errors.csv``
    in ``out_dir`` (row, column, value, reason); every valid row still gets its workbook. Existing
    files are kept unless ``overwrite``, and the run describes each by the file, never by the new
    roster: its inputs are read back and stand for the physician's roster row (in the scoring, the
    pool where it is the roster's, the dashboard and the console's totals), and its index row shows
    the numbers cached in it (status "kept (an earlier run's; --overwrite regenerates)"), which that scoring
    must reproduce (:mod:`asm_xl.workbooks.kept_rows`). A kept file that cannot be read back
    ("stale: could not read"), or whose numbers are not what this run computes from its inputs, shows no
    numbers in the index or the dashboard and is left out of the totals.

    The pool is ``settings.pool`` (:mod:`asm_xl.model.pool_choice`): 'national' (default: a practice's
    roster is not its national cohort) or 'given' price every workbook as the core does; 'roster' writes
    the roster's own scaling factor and midpoint into each workbook's Assumptions as a given pool
    (pool 'given', given_scaling_factor, given_midpoint), so the workbook shows and prices exactly
    that, and warns when the roster pool is far smaller than CMS's cohort.

    After the index, the practice dashboard ``asm_dashboard.xlsx`` (:mod:`asm_xl.workbooks.dashboard`);
    ``participation`` (per NPI and performance year, as :func:`~asm_xl.model.projection.project_five_years`
    takes it) feeds its five-year view. When every workbook is kept and stale (a run with other settings
    over an earlier run's files), nothing is priced: the index and the dashboard are not rewritten, and
    the report says so (:attr:`GenerationReport.nothing_priced`, exit code 1).
    """
    out = Path(out_dir)
    template = os.fspath(template or default_template())
    df = roster if isinstance(roster, pd.DataFrame) else read_roster(roster)
    validation = validate_roster(df, performance_year=performance_year, settings=settings, ladders=ladders)
    image = TemplateImage(template)
    quality_cells = image.ladder_inputs(ladders)   # (a template without room for them: refused before any work)
    foreign = [] if overwrite else foreign_summaries(out)   # a user's own asm_index.xlsx was replaced without a word
    if foreign:
        raise WorkbookError(f"{foreign[0]} is not an index or a dashboard asm-xl wrote, and generate writes its own "
                            "there: move it, choose another --out, or add --overwrite; nothing was written")
    out.mkdir(parents=True, exist_ok=True)   # once roster and template are read (one refused leaves no folder)
    report = GenerationReport(warnings=list(validation.warnings), errors=validation.errors)
    report.error_report = report_rejected_rows(validation.errors, out / ERRORS_NAME)
    if len(validation.errors):
        report.rejected_rows = validation.rows_rejected
    valid = validation.valid
    if valid.empty:
        return report
    records = valid.to_dict("records")
    suffix = ".xlsm" if Path(template).suffix.lower() == ".xlsm" else ".xlsx"  # keep the template's macros usable
    keys = [(roster_text(row.get("npi", "")), roster_text(row.get("name", "")), roster_text(row.get("tin", "")),
             row_year(row, performance_year)) for row in records]
    names = [(npi, person, name) for (npi, person, _, _), name in zip(keys, participant_file_names(keys, suffix))]
    paths = [out / name for _, _, name in names]
    # a workbook's name is a file this run reads (--overwrite replaced the roster read from out/NPI_name.xlsx)
    inputs = [f for f in (*reads, template, None if isinstance(roster, pd.DataFrame) else roster) if f]
    clash = next((p for p in paths if p.exists() and same_file_as_any(p, inputs)), None)
    if clash is not None:
        raise WorkbookError(f"{clash} is a file this run reads (the roster, the template or CMS's file): a workbook "
                            "would be written over it; choose another --out (an input is never overwritten)")
    # kept workbooks are read back first: their own inputs are what the run scores for them; a file of
    # another participant under this name (the roster changed) is never taken for this row's
    kept = {} if overwrite else {i: read_kept_workbook(p) for i, p in enumerate(paths) if p.exists()}
    # --overwrite never replaces a workbook open in Excel: it is kept, and said so
    opened = {i for i, p in enumerate(paths) if overwrite and p.exists() and excel_lock_file(p)}
    kept.update({i: read_kept_workbook(paths[i]) for i in opened})
    others = {i for i, k in kept.items() if not same_participant(k, keys[i][0], keys[i][2], keys[i][3])}
    # the roster changed: a row's workbook is under another of its names (kept, or with --overwrite replaced
    # there, not written beside it as a second file of one participant), or the row gets a free name
    for i, (path, book) in renamed_workbooks(out, keys, paths, suffix, others).items():
        paths[i] = path
        names[i] = (*names[i][:2], path.name)
        others.discard(i)
        if (book is None or overwrite) and i not in opened:
            kept.pop(i, None)   # written afresh under that name
        else:
            kept[i] = book
    # the roster's own numbers of each row, to tell a kept file that no longer matches its (edited) row
    roster_scores = validation.scored.scores if validation.scored is not None and kept else None
    scored, valid, unread = score_with_kept(valid, validation.scored, {i: None if i in others else k
                                                                       for i, k in kept.items()},
                                            settings=settings, performance_year=performance_year, ladders=ladders)
    scores = scored.scores
    if not scores.index.equals(valid.index):  # every valid row is scored, in order
        raise RuntimeError("internal: scores do not line up with the valid roster rows")
    cohorts_, years = scores["cohort"].tolist(), scores["performance_year"].astype(int).tolist()
    report.warnings.extend(scored.warnings + ([f"{len(opened)} workbook(s) open in Excel kept, not regenerated "
                                               f"(e.g. {paths[min(opened)].name}): close them, then run again"]
                                              if opened else []))
    book_settings = workbook_settings(scored.pools, settings)
    ranks, sizes = scores["cohort_rank"].tolist(), scores["cohort_size"].astype(int).tolist()
    excepted = scores["exception"].fillna(False).astype(bool).tolist()
    tasks = []
    projected = projection_inputs([k[0] for k in keys], [k[2] for k in keys], years, participation)
    for i, row in enumerate(records):
        if i in kept:
            continue
        cost_ladder = scored.ladders.get((cohorts_[i], years[i], cost_measure_id(cohorts_[i]), "cost"))
        inputs = workbook_inputs(row, cohort_code=cohorts_[i], settings=book_settings[(cohorts_[i], years[i])],
                                 performance_year=performance_year, **projected[i])
        if cost_ladder is not None and uses_episode_cost(row):
            inputs.update(zip(image.cost_ladder_cells, map(float, cost_ladder.starts)))
        inputs.update(quality_cells)
        tasks.append((str(paths[i]), inputs))
    blocked = folder_in_the_way(t[0] for t in tasks)   # (with --overwrite: it stopped the run after some workbooks)
    if blocked is not None:
        raise blocked
    # a run stopped after replacing workbooks does not leave the earlier run's index and dashboard beside them
    with summaries_follow_workbooks(out, [t[0] for t in tasks]):
        # the dashboard's numbers are computed while worker processes write the workbooks
        rendered, numbers = _run(tasks, image, jobs, progress, meanwhile=lambda: dashboard_numbers(
            valid, scores, settings=settings, performance_year=performance_year, participation=participation,
            cost_ladders=scored.cost_ladders, ladders=ladders))
        rendered = iter(rendered)
        results = []
        for i, path in enumerate(paths):
            if i not in kept:
                results.append(next(rendered))
                continue
            status = STATUS_OTHER if i in others else stale_invalid_status(unread[i]) if unread.get(i) else kept_status(
                kept[i], numbers.table.iloc[i], readable=i not in unread, settings=book_settings.get((cohorts_[i], years[i])),
                projection=projection_cells(**projected[i]),
                participating=projected[i]["participation"].get(years[i]) != 0.0, ladders=ladders)
            status = STATUS_OPEN if i in opened and status == STATUS_KEPT else status
            results.append((str(path), status, kept[i].values if status in KEPT_WITH_NUMBERS else {}))
        files = pd.DataFrame({"file": [n for _, _, n in names], "status": [r[1] for r in results]}, index=valid.index)
        any_stale = any(is_stale(status) for _, status, _ in results)
        dashboard_data = kept_dashboard(numbers, files) if any_stale else numbers.dashboard(files)
        shown = dashboard_data.physicians
        # CMS's participants file says no for the year: the dashboard gives no adjustment; the index says why
        absent = set(shown.loc[shown["outlook"] == NOT_PARTICIPATING_OUTLOOK, "row"])
        # a stale kept file's numbers are hidden and left out of the totals: out of the ranking too (ranked on the
        # roster's numbers, it took a place, "rank 11" of "12", that no row of the index showed)
        stale_rows = {valid.index[i] for i, (_, status, _) in enumerate(results) if is_stale(status)}
        if absent or stale_rows:   # ranked among the roster's participants only, as a physician with an exception is
            ranks, sizes, _ = ranks_without(scores, absent | stale_rows)
        rows, edited = [], set()
        for i, ((npi, person, name), (path, status, picked)) in enumerate(zip(names, results)):
            row = {"npi": npi, "tin": keys[i][2], "name": person, "file": name, "status": status}
            if status == STATUS_WRITTEN or status in KEPT_WITH_NUMBERS:   # this run scored them (a kept file: its inputs)
                row.update(rank_in_roster_cohort=rank_cell(ranks[i], excepted[i], valid.index[i] in absent),
                           roster_cohort_size=sizes[i])
            if status == STATUS_WRITTEN:
                report.written.append(Path(path))
                row.update(cohort=cohorts_[i], performance_year=years[i])
            else:  # the file's own numbers
                report.skipped.append(Path(path))
                if is_stale(status):
                    report.stale_status[Path(path)] = status
                elif roster_scores is not None and differs_from_roster(roster_scores.iloc[i], picked, kept[i].row or {}):
                    report.differs.append((Path(path), person, number_or_none(picked.get("dollar_impact")),
                                           number_or_none(roster_scores.iloc[i].get("dollar_impact"))))
                    if status == STATUS_KEPT:   # the index and the dashboard say so, as the console does
                        row["status"] = STATUS_KEPT_EDITED
                        edited.add(valid.index[i])
                # a stale file's numbers are hidden, not who it is: its row's cohort and year, as the dashboard shows them
                row.update(cohort=text_or_none(picked.get("cohort")) if picked else cohorts_[i],
                           performance_year=whole_or_none(picked.get("performance_year")) if picked else years[i])
            row.update({k: clean_number(picked.get(k)) for k in SHOWN})
            rows.append(row)
        report.summary = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
        shown.loc[shown["row"].isin(edited), "status"] = STATUS_KEPT_EDITED
        mine = {Path(p).name.casefold() for p in paths} | {INDEX_NAME.casefold(), DASHBOARD_NAME.casefold()}
        report.not_in_roster = sorted(p.name for p in out.iterdir() if p.suffix.lower() in (".xlsx", ".xlsm")
                                      and p.name.casefold() not in mine and not p.name.startswith((".", "~$")))
        report.pool = settings.pool
        # the pools of the years the physicians are scored in (the dashboard's five-year view prices the others)
        shown = set(zip(cohorts_, years))   # the cohorts and years scored (no "LBP 2029" without an LBP 2029 row)
        report.pool_sources = {f"{code} {year}": pool.source for (code, year), pool in numbers.pools.items()
                               if (code, year) in shown}
        if report.nothing_priced:   # an index and a dashboard of stale rows only would replace good ones with blanks
            return report
        report.index = unless_open_in_excel(out / INDEX_NAME, lambda p: write_index(
            report.summary, p, pool=settings.pool, pool_sources=report.pool_sources, rejected=report.rejected_rows),
            report.warnings)
        dashboard_data.rejected = report.rejected_rows   # in no table: the dashboard says so, as the console does
        report.dashboard_data = dashboard_data
        report.dashboard = unless_open_in_excel(out / DASHBOARD_NAME, lambda p: write_dashboard(dashboard_data, p),
                                                report.warnings)
        report.summaries_open = [out / name for name, written in ((INDEX_NAME, report.index),
                                                                  (DASHBOARD_NAME, report.dashboard)) if written is None]
        return report


#: workbooks rendered together (their ASM_ACTIONS in one batch): a few hundred, so that the
#: evaluator's memo holds a chunk's results between its two passes
CHUNK = 256


def _result(future, ctrl_c, every: float = 0.2) -> list:
    """A worker's result, waited for ``every`` seconds at a time, asking between waits whether Ctrl-C came."""
    while True:
        ctrl_c.check()
        try:
            return future.result(timeout=every)
        except FutureTimeout:
            continue


def _run(tasks: list, image: TemplateImage, jobs: int, progress: bool, meanwhile=None) -> tuple[list, object]:
    """(results of every task, ``meanwhile()``): with worker processes, ``meanwhile`` runs in this
    process while they render (it would otherwise wait); alone, before rendering."""
    global _IMAGE
    # disable=None also turns the bar off when stderr is not a terminal (CI logs, pipes)
    bar = tqdm(total=len(tasks), unit="workbook", file=sys.stderr, disable=None if progress else True)
    results = []
    parallel = jobs > 1 and len(tasks) >= 2 * jobs
    # each worker gets a few chunks (balance), each chunk as many workbooks as allowed (one batch each)
    size = max(1, min(CHUNK, -(-len(tasks) // (jobs * 4)))) if parallel else CHUNK
    chunks = [tasks[i:i + size] for i in range(0, len(tasks), size)]
    if not parallel:
        other = meanwhile() if meanwhile else None
        _IMAGE = image
        with ctrl_c_noted() as ctrl_c:   # between chunks here too: a Ctrl-C inside a __del__ is not lost
            for c in chunks:
                results.extend(_render_chunk(c))
                bar.update(len(c))
                ctrl_c.check()
    else:
        ex = ProcessPoolExecutor(max_workers=jobs, initializer=_worker_init,
                                 initargs=(image.path, os.getpid(), _kept_directory()))
        try:
            with ctrl_c_noted() as ctrl_c:   # Ctrl-C acted on within a fifth of a second (never lost in a __del__)
                pending = [ex.submit(_render_chunk, c) for c in chunks]  # submitted at once
                other = meanwhile() if meanwhile else None
                for c, f in zip(chunks, pending):
                    results.extend(_result(f, ctrl_c))
                    bar.update(len(c))
        except BaseException:   # Ctrl-C, or a failure: the chunks not started are dropped, not rendered first
            ex.shutdown(wait=True, cancel_futures=True)
            raise
        ex.shutdown(wait=True)
    bar.close()
    return results, other
