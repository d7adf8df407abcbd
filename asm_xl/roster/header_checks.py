"""A roster's header, checked before its rows: a column given twice, a column misspelt or named with a unit (refused:
read as it is, every row would be scored without it), a required column missing (one refusal naming the columns
read, not an error on every row), one improvement activity's column without the other (warned about)."""

from __future__ import annotations

import difflib
import re

import pandas as pd

from asm_xl.model.columns import all_columns
from asm_xl.model.settings import Settings
from asm_xl.roster.read import RosterError, normalize_column_name

__all__ = ["checked_header", "misspelt_column", "roster_text"]


def checked_header(df: pd.DataFrame, settings: Settings) -> list[str]:
    """Warnings of the header of ``df`` (its column names normalized); raises :class:`RosterError` for a header
    whose rows cannot be read as they are meant."""
    if df.columns.duplicated().any():
        dup = df.columns[df.columns.duplicated()][0]
        raise RosterError(f"column {dup!r} appears twice")
    warnings: list[str] = []
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
    return warnings


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


#: roster columns that stand in for one another: with one of them given, a look-alike of another is not
#: a misspelling that changes a score (a column of the user's own, e.g. 'cohorts' beside 'specialty'). A
#: column that overrides another is not one of them: a misspelt 'small_practise' beside 'practice_size' (CMS's
#: flag decides the bonus over the size), 'cost_pionts' beside 'episode_cost', 'q236_pionts' beside 'q236_rate'
#: or 'q236_reportd' beside 'q236_completeness' (each row's blank one is filled from the other) lost data with
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
