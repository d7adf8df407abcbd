"""Validate a roster row by row: the roster's own checks (NPI, TIN, duplicates), then the
methodology's checks by delegating to :func:`asm_xl.model.cohort.score_cohort`, so no rule is
written twice. Errors name a row by its label in the frame, as ``score_cohort`` does: a frame from
:func:`~asm_xl.roster.read.read_roster` is labelled by file row (header = row 1, first data row 2)."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from asm_xl.xlsx.cells import MAX_STRING, excel_length
from asm_xl.model.adjustments import ia_adjustment
from asm_xl.model.cohort import CohortResult, score_cohort
from asm_xl.model.columns import all_columns
from asm_xl.model.errors import ASMInputError
from asm_xl.model.identifiers import npi_problem, tin_key, tin_problem, tin_with_zeros, tins_restored_warning
from asm_xl.model.settings import DEFAULT_SETTINGS, Settings
from asm_xl.roster.decimal_comma import marked_reason
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


def _columns_read(df: pd.DataFrame, most: int = 8) -> str:
    """The first columns of ``df`` as a message names them: 'a', 'b', ... (and N more)."""
    names = [repr(str(c)) for c in df.columns[:most]]
    more = len(df.columns) - most
    return ", ".join(names) + (f" and {more} more" if more > 0 else "") if names else "none"


def _header_row_below(df: pd.DataFrame, rows: int = 20) -> object:
    """The row label of a row among the first ``rows`` that holds an "npi" cell: the headers, under a title."""
    for label, values in zip(df.index[:rows], df.to_numpy(dtype=object)[:rows]):
        if any(normalize_column_name(roster_text(v)) == "npi" for v in values):
            return label
    return None


def roster_text(v) -> str:
    """A roster cell as stripped text ("" for blank: None, NaN, pandas' NA); whole floats (a numeric NPI
    column read by pandas) lose their .0."""
    if v is None:
        return ""
    if isinstance(v, str):
        return v.strip()
    if isinstance(v, float):
        if v != v:
            return ""
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v))
    try:
        if pd.isna(v):
            return ""
    except (TypeError, ValueError):
        pass
    return str(v).strip()


def _row_labels(index: pd.Index) -> np.ndarray:
    """Each row's label, as errors name it: the file row for a frame from :func:`read_roster`
    (labelled by file row), the frame's own label otherwise (the same as ``score_cohort``'s)."""
    if pd.api.types.is_integer_dtype(index.dtype):
        return index.to_numpy(dtype="int64")
    return index.to_numpy(dtype=object)


def validate_roster(df: pd.DataFrame, *, performance_year: int | None = None,
                    settings: Settings = DEFAULT_SETTINGS) -> RosterValidation:
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
    if df.columns.duplicated().any():
        dup = df.columns[df.columns.duplicated()][0]
        raise RosterError(f"column {dup!r} appears twice")
    warnings = list(df.attrs.get("roster_warnings", []))
    known = set(all_columns())
    for c in df.columns:
        if c not in known:
            meant = misspelt_column(c, known, set(df.columns))
            if meant:
                # a misspelt column is read as absent: 'ia_2_done' scored every physician's IA-2 as not done
                # (-10 points each), with a warning and exit 0; refused as a misspelt required column is
                raise RosterError(f"column {c!r} is not a roster column: did you mean {meant!r}? Rename it "
                                  f"(read as it is, every row would be scored without {meant!r})")
            close = difflib.get_close_matches(c, sorted(known), n=1, cutoff=0.8)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            warnings.append(f"column {c!r} is not a roster column: ignored{hint}")
    # a required column missing fails every row: one refusal that names the columns read (a wrong sheet, a
    # title row), not an error on each row with a misleading --year hint
    if "npi" not in df.columns:
        below = _header_row_below(df)
        raise RosterError("no 'npi' column: every row needs a physician's NPI" + (
            f" (the column headers look like they are on row {below}: put them in row 1, above the first physician)"
            if below is not None else f"; the columns read are {_columns_read(df)}"))
    if "specialty" not in df.columns and "cohort" not in df.columns:
        raise RosterError("no 'specialty' or 'cohort' column: every row needs one (a Medicare specialty such as "
                          f"Cardiology, or the cohort HF or LBP); the columns read are {_columns_read(df)}")
    for given, lacking in (("ia1_done", "ia2_done"), ("ia2_done", "ia1_done")):
        if given in df.columns and lacking not in df.columns and "ia_done" not in df.columns:
            warnings.append(f"no '{lacking}' column beside '{given}': every row's IA-{lacking[2]} counts as not "
                            f"done (-{settings.ia_penalty_per_missing:g} points); add "
                            "the column if that is not so")

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
        res = score_cohort(positional, settings=settings, performance_year=performance_year)
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
          "column": e["column"], "value": e["value"], "reason": e["reason"]} for *_, e in kept],
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


#: roster columns that stand in for one another: with one of them given, a look-alike of another is not
#: a misspelling that changes a score (a column of the user's own, e.g. 'cohorts' beside 'specialty'). A
#: column that overrides another is not one of them: a misspelt 'small_practise' beside 'practice_size' (CMS's
#: flag decides the bonus over the size), 'cost_pionts' beside 'episode_cost', 'q236_pionts' beside 'q236_rate'
#: or 'q236_reportd' beside 'q236_completeness' (each row's blank one is filled from the other) lost data with
#: only a warning, and the scores changed
_ALTERNATIVES = {"cohort": {"specialty"}, "specialty": {"cohort"}, "ia_done": {"ia1_done", "ia2_done"},
                 "ia1_done": {"ia_done"}, "ia2_done": {"ia_done"}}
#: columns that identify a row but score nothing: a look-alike ('name2', 'tin_old') is a column of the user's own
_IDENTITY = {"name", "tin"}


def misspelt_column(column: str, known: set[str], present: set[str]) -> str | None:
    """The roster column ``column`` is a misspelling of, or None: one that scores (not a name or TIN), that
    the roster lacks, with none of its alternatives given, whose name is one typing slip from ``column``'s
    once underscores, spaces and signs are dropped (a letter left out, added, changed, or two letters swapped;
    a unit added: 'Part B payments ($)', 'PI score (%)').

    >>> known = {"ia1_done", "ia2_done", "ia_done", "complex_bonus", "name", "specialty", "cohort"}
    >>> [misspelt_column(c, known, {c, "specialty"}) for c in ("ia_2_done", "complex_bonsu", "cohorts", "name2",
    ...                                                         "complex_bonus_2026")]
    ['ia2_done', 'complex_bonus', None, None, None]
    >>> misspelt_column("part_b_payments_($)", {"part_b_payments", "npi"}, {"part_b_payments_($)", "npi"})
    'part_b_payments'
    >>> misspelt_column("small_practise", {"small_practice", "practice_size"}, {"small_practise", "practice_size"})
    'small_practice'
    """
    compact = _compact(column)
    missing = [name for name in sorted(known - present - _IDENTITY) if not _ALTERNATIVES.get(name, set()) & present]
    same = [name for name in missing if _compact(name) == compact]   # underscores and signs apart: that one
    return (same or [name for name in missing if _one_slip(compact, _compact(name))] or [None])[0]


def _compact(column: str) -> str:
    """A column name's letters and digits: 'part_b_payments_($)' and 'part_b_payments' are one."""
    return re.sub(r"[^0-9a-z]", "", column)


def _one_slip(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` are equal or one edit apart (insert, delete, substitute, swap two neighbours)."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
                                  and a[diff[1]] == b[diff[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = next((k for k in range(len(short)) if short[k] != long_[k]), len(short))
    return short[i:] == long_[i + 1:]
