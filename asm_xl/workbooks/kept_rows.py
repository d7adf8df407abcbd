"""A run that keeps workbooks of an earlier run (``asm-xl generate`` without ``--overwrite``): each
kept workbook stands for its physician by its own inputs, so the index (the file's cached values), the
dashboard and the console's totals (the model on those inputs) show the same numbers.

1. :func:`score_with_kept`: the roster with each kept workbook's row replaced by the row its Inputs
   cells stand for (:func:`asm_xl.workbooks.inputs.participant_row`), scored as the roster is
   (:func:`~asm_xl.model.cohort.score_cohort`: a 'roster' pool is then the pool of the files).
2. :func:`kept_status`: "kept" only when that scoring gives the numbers cached in the file (final score,
   factor, dollars, P10/P50/P90, chance of a gain) and the file's Assumptions sheet holds the settings
   this run writes; otherwise stale, and no numbers are shown for it anywhere (the file was priced by
   another pool or cost ladder, made under other settings or by another asm-xl version, or edited
   without recalculating).
3. :func:`kept_dashboard`: the dashboard of the rows with numbers; the stale ones are listed with
   their status and no numbers, left out of the totals, and the assumptions say how many.
"""

from __future__ import annotations

import math
from pathlib import Path
from dataclasses import replace

import numpy as np
import pandas as pd

from asm_xl.model.cohort import CohortResult, score_cohort
from asm_xl.model.exceptions import without_adjustment
from asm_xl.model.identifiers import tin_key
from asm_xl.model.projection import running_sums
from asm_xl.model.settings import DEFAULT_SETTINGS, LABEL_SETTINGS, Settings
from asm_xl.model.settings_text import settings_differences
from asm_xl.workbooks.dashboard import Dashboard, DashboardNumbers
from asm_xl.roster.validate import roster_text
from asm_xl.workbooks.filenames import participant_name_variants
from asm_xl.workbooks.inputs import same_projection
from asm_xl.workbooks.kept import (STATUS_KEPT, STATUS_STALE, STATUS_STALE_LADDERS, STATUS_STALE_NUMBERS,
                                   STATUS_STALE_PROJECTION, KeptWorkbook, ladders_differ, read_kept_workbook,
                                   stale_settings_status)

__all__ = ["score_with_kept", "kept_status", "kept_dashboard", "is_stale", "same_participant", "row_year", "COMPARED",
           "SAME", "differs_from_roster", "number_or_none", "renamed_workbooks"]

#: kept workbook's cell (:data:`~asm_xl.workbooks.kept.KEPT_CELLS`) → the dashboard table's column that
#: must hold the same number
COMPARED = {"final_score": "final_score", "factor": "factor", "dollar_impact": "dollar_impact",
            "dollars_p10": "dollars_p10", "dollars_p50": "dollars_p50", "dollars_p90": "dollars_p90",
            "p_gain": "p_gain"}
#: "the same number": as the workbook-equals-core property test has it (cached values are written exactly)
SAME = dict(rel_tol=1e-9, abs_tol=1e-9)
_IDENTITY = ("npi", "tin", "name", "specialty", "cohort", "performance_year")


def is_stale(status: str) -> bool:
    """A kept workbook shown without numbers (could not be read back, made under other settings or
    projection inputs, its numbers not its inputs', or another participant's): every such status says "stale: ..."."""
    return status.startswith("stale:")


def row_year(row: dict, performance_year: int | None = None) -> int | None:
    """The performance year of a valid roster row: its own, else the run's ``performance_year``."""
    text = roster_text(row.get("performance_year", ""))   # a roster holds text: "2029", "2029.0"
    try:
        return int(float(text)) if text else performance_year
    except ValueError:
        return None


def same_participant(kept: KeptWorkbook | None, npi: str, tin: str, year: int | None) -> bool:
    """Whether a kept workbook holds this participant: its Inputs give the same NPI, TIN (its digits:
    "11-1111111" is "111111111") and performance year. A workbook whose inputs cannot be read back says
    nothing against it (True: it is stale for that reason, :func:`kept_status`)."""
    if kept is None or kept.row is None:
        return True
    row = kept.row
    return (roster_text(row.get("npi", "")) == roster_text(npi)
            and tin_key(roster_text(row.get("tin", ""))) == tin_key(roster_text(tin))
            and row_year(row) == year)


def score_with_kept(valid: pd.DataFrame, scored: CohortResult | None, kept: dict, *,
                    settings: Settings = DEFAULT_SETTINGS,
                    performance_year: int | None = None, ladders=None) -> tuple[CohortResult, pd.DataFrame, set]:
    """(scoring, the rows scored, positions not read back) of the valid roster rows ``valid``, each
    kept workbook's row replaced by its own (``kept``: {position in ``valid``: KeptWorkbook or None}).

    ``scored``: the roster's own scoring, if known (used as it is when nothing is replaced). A
    kept workbook whose inputs cannot be read back, or whose row the scoring rejects (inputs edited
    into something invalid), keeps the roster's row in the scoring (the pool) and is returned among the
    positions not read back: {position: why}, why "" for a file not read back, else the inputs the scoring
    refused ("pi_score 85: must be a fraction ..."), which the file's status names. Without any kept
    workbook: ``valid`` and its scoring, unchanged."""
    unread = {i: "" for i, k in kept.items() if k is None or k.row is None}
    rows = {i: k.row for i, k in kept.items() if i not in unread}
    for _ in range(2):
        if not rows:
            break
        effective = _replaced(valid, rows)
        res = score_cohort(effective, settings=settings, performance_year=performance_year, ladders=ladders)
        if not len(res.errors):
            return res, effective, unread
        rejected = set(res.errors["row"].tolist())
        own = {i for i in rows if valid.index[i] in rejected}
        # a rejected row that is not a kept one (a duplicate NPI the files brought in): none is used
        dropped = own if own and rejected <= {valid.index[i] for i in own} else set(rows)
        unread.update({i: _refused(res.errors, valid.index[i]) if i in own else "" for i in dropped})
        rows = {i: r for i, r in rows.items() if i not in dropped}
    res = scored if scored is not None else score_cohort(valid, settings=settings, performance_year=performance_year,
                                                         ladders=ladders)
    return res, valid, {**dict.fromkeys(rows, ""), **unread}


def _refused(errors: pd.DataFrame, row) -> str:
    """The inputs the scoring refused in one row, as the roster's error report words them (two at most)."""
    mine = errors[errors["row"] == row]
    said = [f"{e.column} {e.value}: {e.reason}" if e.value not in (None, "") else f"{e.column}: {e.reason}"
            for e in mine.head(2).itertuples(index=False)]
    return "; ".join(said) + (f"; and {len(mine) - 2} more" if len(mine) > 2 else "")


def _replaced(valid: pd.DataFrame, rows: dict) -> pd.DataFrame:
    """``valid`` (as text-or-number objects) with the rows at these positions replaced: every column
    of the replacing row, blank ("") where it has none (e.g. ``ia_done``, other cohorts' measures)."""
    extra = sorted({c for row in rows.values() for c in row} - set(valid.columns))
    columns = list(valid.columns) + extra
    grid = np.empty((len(valid), len(columns)), dtype=object)
    grid[:, :len(valid.columns)] = valid.to_numpy(dtype=object)
    grid[:, len(valid.columns):] = ""
    for i, row in rows.items():
        grid[i, :] = [row.get(c, "") for c in columns]
    return pd.DataFrame(grid, index=valid.index, columns=columns)


def kept_status(kept: KeptWorkbook | None, numbers: pd.Series, *, readable: bool = True,
                settings: Settings | None = None, projection: dict | None = None, participating: bool = True,
                ladders=None) -> str:
    """The status of a kept workbook whose row of the run's dashboard table (scores with ranges) is
    ``numbers``: kept when each number of :data:`COMPARED` (and the cohort and performance year) is
    the file's cached value (:data:`SAME`; a cell the file lacks is not compared, an error value or
    blank equals a number the model cannot compute) and its Assumptions sheet holds ``settings``, what
    this run writes into such a workbook (a setting that moves no number it caches, e.g. the five-year
    view's payments growth, would still disagree with the dashboard), and its projection's input cells
    ``projection`` (:func:`~asm_xl.workbooks.inputs.projection_cells`: CMS's participation, a later roster
    row; the file's projection would not be the dashboard's Five years rows); stale otherwise. ``participating``
    False: CMS lists the physician as not participating in the row's year, so the file's numbers are
    :func:`~asm_xl.model.exceptions.without_adjustment`'s (its exceptions range ends with ASM_NOT_PARTICIPATING's cell).
    ``ladders``: the run's quality ladders, which the file's Benchmarks sheet must hold (:func:`ladders_differ`)."""
    if not participating:
        numbers = without_adjustment(numbers.to_frame().T, [True]).iloc[0]
    if kept is None or kept.row is None or not readable:
        return STATUS_STALE
    held_settings = None if settings is None or kept.settings is None else kept.settings.replace(
        **{name: getattr(settings, name) for name in LABEL_SETTINGS})   # (labels move no number)
    if held_settings is not None and held_settings != settings:
        return stale_settings_status(settings_differences(held_settings, settings) or "the same values, read apart")
    if ladders_differ(kept.ladders, ladders, numbers.get("cohort")):
        return STATUS_STALE_LADDERS
    if projection is not None and kept.projection is not None and not same_projection(kept.projection, projection):
        return STATUS_STALE_PROJECTION
    held = kept.values
    if str(held.get("cohort") or "").strip() != str(numbers.get("cohort")) or \
            _number(held.get("performance_year")) != _number(numbers.get("performance_year")):
        return STATUS_STALE_NUMBERS
    for key, column in COMPARED.items():
        if key not in held:
            continue
        a, b = _number(held[key]), _number(numbers.get(column))
        if (a is None) != (b is None) or (a is not None and not math.isclose(a, b, **SAME)):
            return STATUS_STALE_NUMBERS
    return STATUS_KEPT


def _number(v) -> float | None:
    """A number, or None for blank / error text / NaN."""
    if v is None or isinstance(v, (str, bool)):
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def kept_dashboard(numbers: DashboardNumbers, files: pd.DataFrame) -> Dashboard:
    """The dashboard when some kept workbooks are stale (``files``: per row of ``numbers.table``, ``file``
    and ``status``): the dashboard of the other rows (their totals, actions, five years, band), the
    stale rows listed among the physicians in roster order with name, NPI, cohort, file and their
    status (in the outlook column), no numbers; the assumptions say how many the totals leave out."""
    stale = files["status"].map(is_stale).to_numpy(dtype=bool)
    shown = files.index[~stale]
    if len(shown):
        table = numbers.table[~stale]
    else:  # every one stale: a dashboard of no physician, its band still drawn for their cohorts
        table = numbers.table.copy()
        table[[c for c in table.columns if c not in _IDENTITY and pd.api.types.is_numeric_dtype(table[c])
               and not pd.api.types.is_bool_dtype(table[c])]] = np.nan
    part = replace(numbers, table=table,
                   actions=numbers.actions[numbers.actions["row"].isin(shown)] if len(numbers.actions) else numbers.actions,
                   # the running sums of the years shown (a participant's stale row adds none of his)
                   projection=(running_sums(numbers.projection[numbers.projection["row"].isin(shown)])
                               if len(numbers.projection) else numbers.projection))
    dash = part.dashboard(files[~stale] if len(shown) else files)
    if not len(shown):
        dash.physicians = dash.physicians.iloc[0:0]
        dash.totals = dash.totals.assign(**{c: 0 for c in dash.totals.columns if c != "cohort"})
    left = numbers.table[stale]
    extra = pd.DataFrame({"row": left.index, "name": left["name"].fillna("").astype(str).to_numpy(),
                          "who": left["name"].fillna("").astype(str).to_numpy(),
                          "npi": left["npi"].fillna("").astype(str).to_numpy(),
                          "tin": (left["tin"].fillna("").astype(str).to_numpy() if "tin" in left.columns else ""),
                          "cohort": left["cohort"].to_numpy(),
                          "performance_year": left["performance_year"].astype(int).to_numpy(),
                          "outlook": files["status"].to_numpy()[stale], "top_action": "",
                          "file": files["file"].to_numpy()[stale], "status": files["status"].to_numpy()[stale]},
                         columns=dash.physicians.columns)
    phys = pd.concat([dash.physicians, extra], ignore_index=True) if len(dash.physicians) else extra
    order = np.argsort(files.index.get_indexer(phys["row"]), kind="stable")
    dash.physicians = phys.iloc[order].reset_index(drop=True)
    n = int(stale.sum())
    dash.assumptions.append(("Left out of the totals",
                             f"{n} physician(s) whose kept workbook could not be read back, holds numbers that are "
                             "not what this run computes from its inputs (edited without recalculating, other "
                             "settings, another pool or other quality ladders) or is another participant's (status stale, with the reason, "
                             "on the Physicians sheet and in the index): listed without numbers, in no total, action "
                             "or five-year figure. The console said what to do for each (asm-xl recalc FILE keeps "
                             "edits; --overwrite rebuilds from the roster)"))
    return dash


def differs_from_roster(roster_row: pd.Series, held: dict, inputs: dict) -> bool:
    """Whether the roster's row gives another final score or other Part B payments than the kept file
    (``held``: its cached numbers; ``inputs``: its Inputs as a roster row). Neither depends on the pool."""
    pairs = ((roster_row.get("final_score"), held.get("final_score")),
             (roster_row.get("part_b_payments"), str(inputs.get("part_b_payments", "")).replace(",", "") or None))
    for a, b in pairs:
        a, b = number_or_none(a), number_or_none(b)
        if (a is None) != (b is None) or (a is not None and not math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)):
            return True
    return False


def number_or_none(v) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def renamed_workbooks(out: Path, keys: list, paths: list, suffix: str, foreign: set = frozenset()) -> dict:
    """{row position: (path, KeptWorkbook or None)}: where each row's workbook is when not under its name.

    A row with no file under its name, or whose file there is another participant's (``foreign``), whose
    participant has one under another of its names (:func:`participant_name_variants`: its NPI gained or
    lost a row since) gets that file (kept). A ``foreign`` row with no file of its own gets the first free one of
    its names, fully tagged first (None: written afresh beside the other participant's file, which stays).
    No name is given to two rows."""
    taken = {p.name.casefold() for p in paths}
    present = {p.name.casefold() for p in out.iterdir()}   # one listing, not four look-ups a row
    if not present:
        return {}
    found = {}
    for i, path in enumerate(paths):
        if path.name.casefold() in present and i not in foreign:
            continue
        npi, person, tin, year = keys[i]
        variants = participant_name_variants(npi, person, tin, year, suffix)
        for name in variants:
            other = out / name
            if name.casefold() in taken or name.casefold() not in present or not other.is_file():
                continue
            book = read_kept_workbook(other)
            if book is not None and book.row is not None and same_participant(book, npi, tin, year):
                found[i] = (other, book)
                taken.add(name.casefold())
                break
        if i in foreign and i not in found:   # the name with both tags first: it says whose the file is
            free = next((n for n in variants[::-1] if n.casefold() not in taken and n.casefold() not in present), None)
            if free is not None:
                found[i] = (out / free, None)
                taken.add(free.casefold())
    return found
