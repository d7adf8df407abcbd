"""Validate a roster row by row: the roster's own checks (NPI, TIN, duplicates), then the
methodology's checks by delegating to :func:`asm_xl.model.cohort.score_cohort`, so no rule is
written twice. Errors name a row by its label in the frame, as ``score_cohort`` does: a frame from
:func:`~asm_xl.roster.read.read_roster` is labelled by file row (header = row 1, first data row 2)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from asm_xl.xlsx.cells import MAX_STRING, excel_length
from asm_xl.model.adjustments import ia_adjustment
from asm_xl.model.cohort import CohortResult, score_cohort
from asm_xl.model.errors import ASMInputError
from asm_xl.model.identifiers import npi_problem, tin_key, tin_problem, tin_with_zeros, tins_restored_warning
from asm_xl.model.settings import DEFAULT_SETTINGS, Settings
from asm_xl.roster.decimal_comma import marked_reason
from asm_xl.roster.header_checks import checked_header, roster_text
from asm_xl.roster.native_rates import native_rates_as_fractions, percent_typed_as_fraction
from asm_xl.roster.read import RosterError, normalize_column_name
from asm_xl.roster.uncached_formulas import UNCACHED

__all__ = ["RosterValidation", "ROSTER_ERROR_COLUMNS", "validate_roster", "roster_text"]

ROSTER_ERROR_COLUMNS = ["row", "npi", "name", "column", "value", "reason"]


@dataclass
class RosterValidation:
    """Result of :func:`validate_roster`.

    ``valid``: the rows without any error (original index kept); ``errors``: one row per bad cell,
    columns :data:`ROSTER_ERROR_COLUMNS`; ``warnings``: things worth knowing that reject nothing
    (unknown columns, blank rows skipped, encoding guessed); ``scored``: ``score_cohort`` of
    ``valid`` (same settings and performance year, index = ``valid``'s) when the checks' own run
    scored exactly the valid rows, so callers need not score again; None when the roster's own
    checks (NPI, TIN, duplicates) rejected rows the methodology accepted (the pools would differ)."""

    valid: pd.DataFrame
    errors: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    scored: CohortResult | None = None

    @property
    def rows_rejected(self) -> int:
        return int(self.errors["row"].nunique()) if len(self.errors) else 0

    @property
    def ok(self) -> bool:
        return len(self.errors) == 0


# ------------------------------------------------------------------------------------------ read

_ACTIVITY_COLUMNS = ("ia1_done", "ia2_done", "ia_done")


def _no_activity_given(df: pd.DataFrame, rows: np.ndarray, settings: Settings) -> list[str]:
    """A warning for the rows whose improvement activities are all blank: the cohort API reads a blank
    as "not done" (:func:`~asm_xl.model.cohort_checks.ia_done_column`), which costs the physician
    2 x ``ia_penalty_per_missing`` points: worth saying, since an empty cell is more often "not
    filled in" than "not done" (a "no" says it was not done, and is not warned about)."""
    if not len(df):
        return []
    blank = np.ones(len(df), dtype=bool)
    for c in _ACTIVITY_COLUMNS:
        if c in df.columns:
            blank &= np.array([roster_text(v) == "" for v in df[c].to_numpy(dtype=object)], dtype=bool)
    if not blank.any():
        return []
    which = [str(r) for r in rows[blank][:5]]
    more = f" and {int(blank.sum()) - 5} more" if blank.sum() > 5 else ""
    return [f"{int(blank.sum())} row(s) give no improvement activity (ia1_done, ia2_done and ia_done blank): "
            f"counted as not done, {float(ia_adjustment(0, settings=settings)):g} points each; write no to say so, or "
            f"yes/1 where done (rows {', '.join(which)}{more})"]


def _practice_sizes_disagree(df: pd.DataFrame, rows: np.ndarray, performance_year: int | None) -> list[str]:
    """A warning for each TIN whose rows of one performance year give different practice sizes: the size is
    the TIN's (clinicians billing under it), so one of the rows gets the wrong small-practice bonus (40 on
    one row, 5 on another: no bonus against the small-practice one). Rows of another year may differ."""
    if not len(df) or "tin" not in df.columns or "practice_size" not in df.columns:
        return []
    typed = [roster_text(v) for v in df["tin"].to_numpy(dtype=object)]
    sizes = [roster_text(v) for v in df["practice_size"].to_numpy(dtype=object)]
    years = ([roster_text(v) for v in df["performance_year"].to_numpy(dtype=object)] if "performance_year" in df.columns
             else [""] * len(df))
    groups: dict[tuple[str, str], dict[float, list]] = {}
    shown: dict[str, str] = {}   # a TIN as the roster first writes it ("83-7035914")
    for text, size, year, row in zip(typed, sizes, years, rows):
        tin = tin_key(text)
        try:
            value = float(size.replace(",", ""))
        except ValueError:
            continue
        if tin:
            shown.setdefault(tin, text)
            groups.setdefault((tin, year or str(performance_year or "")), {}).setdefault(value, []).append(row)
    out = []
    for (key, year), by_size in groups.items():
        tin = shown[key]
        if len(by_size) > 1:
            given = "; ".join(f"{size:g} (row{'s' if len(r) > 1 else ''} {', '.join(str(x) for x in r[:5])}"
                              f"{' ...' if len(r) > 5 else ''})" for size, r in sorted(by_size.items()))
            out.append(f"TIN {tin}{f' ({year})' if year else ''} is given different practice sizes: {given}. The "
                       "size is the TIN's (its clinicians): each row's small-practice bonus follows its own; give "
                       "the TIN one size")
    return out


#: the end of the core's reason for a measure cell of another cohort
_NOT_OF_COHORT = "is not a measure of this participant's cohort"


def _row_labels(index: pd.Index) -> np.ndarray:
    """Each row's label, as errors name it: the file row for a frame from :func:`read_roster`
    (labelled by file row), the frame's own label otherwise (the same as ``score_cohort``'s)."""
    if pd.api.types.is_integer_dtype(index.dtype):
        return index.to_numpy(dtype="int64")
    return index.to_numpy(dtype=object)


def validate_roster(df: pd.DataFrame, *, performance_year: int | None = None,
                    settings: Settings = DEFAULT_SETTINGS, ladders=None) -> RosterValidation:
    """Check every row of a roster; keep the good ones, report every bad cell.

    Roster checks (here): NPI required, 10 digits with a valid check digit; TIN, when given, 9
    digits (dashes allowed); a participant (NPI, TIN, performance year) listed twice: every
    occurrence after the first is an error. Methodology checks (cohort/specialty required and
    known, performance year, practice size, payments, PI, IAs, measures, cost...) are those of
    :func:`~asm_xl.model.cohort.score_cohort`, whose ``errors`` are mapped to file rows.

    One error per cell: the first rule it breaks. A row whose cohort or specialty is wrong does not
    also get "not a measure of this participant's cohort" errors (they follow from the first).

    Parameters
    ----------
    df : DataFrame
        From :func:`read_roster` (labelled by file row) or built by hand. An error's ``row`` is
        the row's label in ``df``, as in :func:`~asm_xl.model.cohort.score_cohort` ``errors``: the
        file row for a frame from ``read_roster``, position 0, 1, ... for a default RangeIndex.
    performance_year : int, optional
        Used where the ``performance_year`` column is blank or missing.
    settings : Settings
        Those the roster will be scored with (some checks depend on them, e.g. the complex bonus
        maximum).
    """
    df = df.copy()
    df.columns = [normalize_column_name(c) for c in df.columns]
    warnings = list(df.attrs.get("roster_warnings", [])) + checked_header(df, settings)

    n = len(df)
    rows = _row_labels(df.index)
    col = lambda c: df[c].to_numpy(dtype=object) if c in df.columns else np.full(n, None, dtype=object)
    npi_raw, tin_raw, name_raw = col("npi"), col("tin"), col("name")
    npi_txt = np.array([roster_text(v) for v in npi_raw], dtype=object)
    tin_txt = np.array([roster_text(v) for v in tin_raw], dtype=object)
    _restore_tin_zeros(df, tin_txt, warnings)
    name_txt = np.array([roster_text(v) for v in name_raw], dtype=object)
    errs: list[dict] = []

    def add(i: int, column: str, value, reason: str) -> None:
        errs.append({"pos": i, "column": column, "value": None if roster_text(value) == "" else value,
                     "reason": reason})

    for c in df.columns:   # a text no cell holds: Excel would repair the workbook, or cut it
        values = df[c].to_numpy(dtype=object)
        # a formula saved without its value (a script's .xlsx): an error in any column (a name took the mark as text)
        for i in np.flatnonzero(values == UNCACHED):
            add(i, str(c), None, UNCACHED[1:-1])
        if max((len(v) for v in values if v.__class__ is str), default=0) <= MAX_STRING // 2:   # (8,600: 40 ms)
            continue
        # as Excel counts: UTF-16 units (20,000 emoji are 40,000: written whole, then cut by the index)
        lengths = np.array([excel_length(v) if v.__class__ is str else 0 for v in values])
        for i in np.flatnonzero(lengths > MAX_STRING):
            add(i, str(c), df[c].iat[i][:40] + "...", f"{lengths[i]:,} characters (as Excel counts them): an Excel "
                                                      f"cell holds at most {MAX_STRING:,}")
    for i in range(n):
        if npi_txt[i] == "":
            add(i, "npi", npi_raw[i], "required: the physician's 10-digit NPI")
        else:
            why = npi_problem(npi_txt[i])
            if why:
                add(i, "npi", npi_raw[i], why)
        if tin_txt[i]:
            why = tin_problem(tin_txt[i])
            if why:
                add(i, "tin", tin_raw[i], why)

    # duplicates: same NPI, TIN (digits) and performance year; all but the first occurrence
    default_year = "" if performance_year is None else roster_text(performance_year)
    first_seen: dict[tuple, int] = {}
    for i, v in enumerate(col("performance_year")):
        if npi_txt[i] == "":
            continue
        year = roster_text(v) or default_year
        try:
            fy = float(year)
            year = str(int(fy)) if fy.is_integer() else year
        except ValueError:
            pass
        key = (npi_txt[i], tin_key(tin_txt[i]), year)
        if key in first_seen:
            add(i, "npi", npi_raw[i], f"duplicate participant (same NPI, TIN and performance year as "
                                      f"row {rows[first_seen[key]]})")
        else:
            first_seen[key] = i

    # the methodology's checks, written once in score_cohort
    positional = df.reset_index(drop=True)
    try:
        res = score_cohort(positional, settings=settings, performance_year=performance_year, ladders=ladders)
    except ASMInputError as e:
        raise RosterError(f"the roster cannot be checked: {e}") from None
    cohort_trouble = set()
    for e in res.errors.itertuples(index=False):
        if e.column in ("specialty", "cohort"):
            cohort_trouble.add(int(e.row))
    # another cohort's measures filled in on a row: one error naming them, not one per cell (16 lines for a row of
    # HF measures under an LBP specialty)
    foreign: dict[int, list[str]] = {}
    for e in res.errors.itertuples(index=False):
        if str(e.reason).endswith(_NOT_OF_COHORT):
            foreign.setdefault(int(e.row), []).append(str(e.column))
    for e in res.errors.itertuples(index=False):
        i = int(e.row)
        if str(e.reason).endswith(_NOT_OF_COHORT) and (i in cohort_trouble or len(foreign[i]) > 1):
            if i not in cohort_trouble and e.column == foreign[i][0]:
                cols = foreign[i]
                add(i, str(e.column), e.value, f"{len(cols)} cells of measures not of this participant's cohort are "
                                               f"filled ({', '.join(cols[:4])}{', ...' if len(cols) > 4 else ''}): "
                                               "check the specialty or cohort, or clear them")
            continue
        marked = marked_reason(e.value)   # an ambiguous number: named by what was typed and why it is refused
        add(i, str(e.column), *(marked or (e.value, str(e.reason))))

    # one error per cell (the first rule broken), then in file order: row, then column position
    order = {c: k for k, c in enumerate(df.columns)}
    seen_cells, kept = set(), []
    for k, e in enumerate(errs):
        cell = (e["pos"], e["column"])
        if cell in seen_cells:
            continue
        seen_cells.add(cell)
        kept.append((e["pos"], order.get(e["column"], len(order)), k, e))
    kept.sort(key=lambda t: t[:3])
    errors = pd.DataFrame(
        [{"row": rows[e["pos"]], "npi": npi_txt[e["pos"]], "name": name_txt[e["pos"]],
          "column": e["column"], "value": e["value"], "reason": _absent_said(e["column"], e["reason"], df.columns)}
         for *_, e in kept],
        columns=ROSTER_ERROR_COLUMNS, dtype=object)
    if rows.dtype.kind == "i":
        errors["row"] = errors["row"].astype("int64")
    bad = np.zeros(n, dtype=bool)
    bad[[e["pos"] for *_, e in kept]] = True
    valid = df.loc[~bad]
    valid.attrs = {}
    warnings.extend(_no_activity_given(valid, rows[~bad], settings))  # rows kept: the rejected are reported
    warnings.extend(_practice_sizes_disagree(valid, rows[~bad], performance_year))
    warnings.extend(native_rates_as_fractions(valid, rows[~bad]))
    warnings.extend(percent_typed_as_fraction(valid, rows[~bad]))
    return RosterValidation(valid=valid, errors=errors, warnings=warnings, scored=_scored_valid(res, bad, valid))


def _scored_valid(res: CohortResult, bad: np.ndarray, valid: pd.DataFrame) -> CohortResult | None:
    """``res`` (scored on every row, positional index) as the result of scoring ``valid`` alone, or
    None when its pools held rows that ``valid`` does not (rejected by the roster's own checks)."""
    scored_pos = res.scores.index.to_numpy(dtype="int64") if len(res.scores) else np.empty(0, dtype="int64")
    if not np.array_equal(scored_pos, np.flatnonzero(~bad)):
        return None
    scores = res.scores.copy()
    scores.index = valid.index
    return CohortResult(scores, res.errors.iloc[0:0], res.pools, res.ladders, res.warnings)




def _restore_tin_zeros(df: pd.DataFrame, tin_txt: np.ndarray, warnings: list[str]) -> None:
    """The TINs whose leading zeros a spreadsheet dropped (:func:`~asm_xl.model.identifiers.tin_with_zeros`)
    given them back, in ``df`` and ``tin_txt``, with a warning naming them."""
    lost = [i for i, t in enumerate(tin_txt) if t and tin_with_zeros(t)]
    if not lost:
        return
    col = df.columns.get_loc("tin")
    for i in lost:
        tin_txt[i] = tin_with_zeros(tin_txt[i])
        df.iat[i, col] = tin_txt[i]
    warnings.append(tins_restored_warning([tin_txt[i] for i in lost]))


def _absent_said(column: str, reason: str, columns) -> str:
    """A required value's reason, saying so when the roster has no such column at all: "required: ..." on
    every row (30 x pi_score: required ... e.g. row 2: blank) read as 30 blanks to fill, not one column to add.

    >>> _absent_said("pi_score", "required: a fraction", ["npi"])
    "required: a fraction (the roster has no 'pi_score' column)"
    >>> _absent_said("pi_score", "required: a fraction", ["npi", "pi_score"])
    'required: a fraction'
    """
    if reason.startswith("required") and column not in columns:
        return f"{reason} (the roster has no {column!r} column)"
    return reason
