"""An eligibility screen: a roster checked against CMS's ASM Participants file.

:func:`check_roster_against_cms` gives one warning per roster cell that disagrees with CMS's list
(not on it, not a participant that year, another cohort, another small-practice flag), in the
error report's columns (row, npi, name, column, value, reason), so
:func:`~asm_xl.roster.report.write_error_report` writes them. Warnings reject nothing: the roster
is still generated as it is. :func:`summarize_cms_warnings` is the on-screen version.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from asm_xl.model.adjustments import is_small_practice
from asm_xl.model.errors import ASMInputError
from asm_xl.model.identifiers import npi_problem, tin_key
from asm_xl.model.parameters import cohort_of_specialty, get_cohort, performance_years
from asm_xl.model.settings import DEFAULT_SETTINGS, Settings
from asm_xl.model.validation import as_bool, as_whole
from asm_xl.roster.cms_participants import CMSParticipantsError, cms_performance_year, combine_flags
from asm_xl.roster.read import FIRST_DATA_ROW, normalize_column_name
from asm_xl.roster.validate import ROSTER_ERROR_COLUMNS, roster_text

__all__ = ["check_roster_against_cms", "summarize_cms_warnings"]


def _row_year(text: str) -> int | None:
    """A typed performance year, None where it is not one of the model's (the screen says it cannot check)."""
    try:
        return cms_performance_year(text)
    except CMSParticipantsError:
        return None


def _roster_cohort(row: dict) -> tuple[str, str, str] | None:
    """(cohort code, column, value) of a roster row, or None when it has none we know."""
    for column, lookup in (("cohort", get_cohort), ("specialty", cohort_of_specialty)):
        text = row.get(column, "")
        if text:
            try:
                return lookup(text).code, column, text
            except ASMInputError:
                return None
    return None


def check_roster_against_cms(roster: pd.DataFrame, participants: pd.DataFrame, performance_year: int = performance_years()[0], *,
                             settings: Settings = DEFAULT_SETTINGS) -> pd.DataFrame:
    """Screen a roster against CMS's list: one warning per disagreement, nothing rejected.

    For each row with a valid NPI (other rows are :func:`validate_roster`'s business), in the row's
    ``performance_year`` (``performance_year`` where blank) [CMS]:

    * NPI not in CMS's file → "not on CMS's list for YYYY";
    * ASM_CYyy_PARTICIPANT No → "on CMS's list but not a participant in YYYY"; blank → "CMS has not
      published participation for YYYY yet";
    * the row's cohort (or its specialty's) not CMS's → "cohort differs from CMS's (CMS: LBP)";
    * CMS's ASM_CYyy_SMALLPRACTICE given and the row's ``small_practice`` differs → "small-practice
      flag differs (CMS: yes)"; ``small_practice`` blank: the bonus follows ``practice_size``
      (small = at most ``settings.small_practice_max_clinicians`` clinicians), so a size that
      implies the other answer is flagged, and a roster with neither is told CMS's flag.

    An NPI under several organizations: its cohorts and flags are those of all its rows
    (:func:`~asm_xl.roster.cms_participants.combine_flags`).

    Returns a DataFrame with :data:`~asm_xl.roster.validate.ROSTER_ERROR_COLUMNS`, rows numbered
    as the user sees the file (header = row 1), so :func:`write_error_report` writes it.
    """
    default_year = cms_performance_year(performance_year)
    df = roster.copy()
    df.columns = [normalize_column_name(c) for c in df.columns]
    if pd.api.types.is_integer_dtype(df.index.dtype) and df.index.is_unique:
        file_rows = df.index.to_numpy(dtype="int64")  # read_roster labels rows by their file row
    else:
        file_rows = np.arange(len(df), dtype="int64") + FIRST_DATA_ROW
    by_npi = participants.groupby("npi", sort=False).indices
    cms = {c: participants[c].to_numpy(dtype=object) for c in participants.columns}
    # an NPI under several TINs of the roster: CMS's flag is published per organization, not per TIN
    tins: dict[str, set] = {}
    for npi_, tin_ in zip(df.get("npi", pd.Series(dtype=object)), df.get("tin", pd.Series("", index=df.index))):
        tins.setdefault(roster_text(npi_), set()).add(tin_key(roster_text(tin_)))
    warnings = []
    for file_row, (_, rec) in zip(file_rows, df.iterrows()):
        row = {c: roster_text(v) for c, v in rec.items()}
        npi, name = row.get("npi", ""), row.get("name", "")

        def warn(column: str, reason: str) -> None:
            warnings.append({"row": int(file_row), "npi": npi, "name": name, "column": column,
                             "value": rec.get(column, npi if column == "npi" else None), "reason": reason})

        # a row that cannot be checked says so (it counted among those that "agree")
        if not npi or npi_problem(npi):
            warn("npi", f"not checked against CMS's list: {'no NPI' if not npi else npi_problem(npi)}")
            continue
        typed_year = row.get("performance_year", "")
        year = _row_year(typed_year) if typed_year else default_year
        if year is None:
            warn("performance_year", f"not checked against CMS's list: not a performance year "
                                     f"({performance_years()[0]}-{performance_years()[-1]})")
            continue

        at = by_npi.get(npi)
        if at is None:
            warn("npi", f"not on CMS's list for {year}")
            continue
        part = cms[f"participant_{year}"][at]
        if not any(v is True for v in part):
            warn("npi", f"on CMS's list but not a participant in {year}" if any(v is False for v in part)
                 else f"CMS has not published participation for {year} yet")
        given = _roster_cohort(row)
        cms_cohorts = sorted(set(cms["cohort"][at]))
        if given is not None and given[0] not in cms_cohorts:
            warn(given[1], f"cohort differs from CMS's (CMS: {'/'.join(cms_cohorts)})")
        cms_small = combine_flags(cms[f"small_practice_{year}"][at])
        if cms_small is not None:
            if len(tins.get(npi, ())) > 1:
                orgs = sorted({str(o) for o in cms.get("organization", np.full(len(participants), "", dtype=object))[at]
                               if o})
                whose = (f"CMS's flag is {'/'.join(orgs) or 'its organization'}'s, not per TIN: check it is this "
                         "TIN's")
                _screen_small_practice(row, cms_small, settings,
                                       lambda column, reason: warn(column, f"{reason} ({whose})"))
            else:
                _screen_small_practice(row, cms_small, settings, warn)
    out = pd.DataFrame(warnings, columns=ROSTER_ERROR_COLUMNS, dtype=object)
    out["row"] = out["row"].astype("int64")
    return out


def _screen_small_practice(row: dict, cms_small: bool, settings: Settings, warn) -> None:
    cms_text = "yes" if cms_small else "no"
    flag_text, size_text = row.get("small_practice", ""), row.get("practice_size", "")
    if flag_text:
        try:
            if as_bool("small_practice", flag_text) != cms_small:
                warn("small_practice", f"small-practice flag differs (CMS: {cms_text})")
        except ASMInputError:
            pass  # validate_roster reports it
        return
    if size_text:
        try:
            size = as_whole("practice_size", size_text, minimum=1)
        except ASMInputError:
            return
        small = bool(is_small_practice(size, settings=settings))
        if small != cms_small:
            warn("practice_size", f"small-practice flag differs (CMS: {cms_text}; practice_size {size} means "
                                  f"{'yes' if small else 'no'}): fill small_practice with CMS's flag")
        return
    warn("small_practice", f"small-practice flag not given (CMS: {cms_text})")


_DETAIL = re.compile(r"\s*\([^()]*\)")


def summarize_cms_warnings(warnings: pd.DataFrame, checked: int, *, top: int = 6) -> str:
    """A few lines for the screen: how many roster rows have a warning (a physician of two years has two: the count
    said physicians) and the most common reasons
    (details in parentheses, such as "(CMS: LBP)", are left out of the grouping)."""
    if warnings is None or len(warnings) == 0:
        return f"All {checked} roster row(s) agree with CMS's list: no warning."
    nrows = warnings["row"].nunique()
    lines = [f"{nrows} of {checked} roster row(s) differ from CMS's list ({len(warnings)} warning"
             f"{'s' if len(warnings) != 1 else ''}; nothing rejected):"]
    keys = warnings["reason"].astype(str).map(lambda r: _DETAIL.sub("", r).split(":")[0])
    ranked = sorted(keys.value_counts(sort=False).items(), key=lambda kv: (-kv[1], kv[0]))
    lines += [f"  {c:>5} x {k}" for k, c in ranked[:top]]
    if len(ranked) > top:
        lines.append(f"  ... and {len(ranked) - top} other reason(s)")
    return "\n".join(lines)
