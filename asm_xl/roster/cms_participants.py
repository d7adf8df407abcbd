"""CMS's "ASM Participants" file (data.cms.gov): read it, check its schema, normalize it.

CMS publishes who is in the Ambulatory Specialty Model as one table [CMS, data.cms.gov "Ambulatory
Specialty Model Participants"]::

    NPI, FIRST_NAME, LAST_NAME, STATE, ASM_COHORT, ORGANIZATION_LEGAL_NAME,
    ASM_CY27_PARTICIPANT, ASM_CY27_SMALLPRACTICE, ..., ASM_CY31_PARTICIPANT, ASM_CY31_SMALLPRACTICE

``ASM_COHORT`` is "Heart Failure" or "Low Back Pain"; the flags are Yes, No or blank (blank = not
published for that year yet); an NPI may appear once per organization it bills under. There is no
TIN and no specialty.

:func:`read_cms_participants` reads the file (CSV or Excel) with the roster reader's safe reading
(size limits, encodings, zip-bomb and XML-attack guards: :func:`asm_xl.roster.read.read_roster`),
checks the schema and every value, and returns one row per line of the file:

========================  =====================================================================
column                    value
========================  =====================================================================
``npi``                   10-digit text (check digit verified)
``first_name``            text as published
``last_name``             text as published
``state``                 two-letter code, upper case ("" when blank)
``cohort``                "HF" (Heart Failure) or "LBP" (Low Back Pain)
``organization``          ORGANIZATION_LEGAL_NAME as published
``participant_YYYY``      ASM_CYyy_PARTICIPANT: True (Yes), False (No), None (blank)
``small_practice_YYYY``   ASM_CYyy_SMALLPRACTICE: True, False, None
========================  =====================================================================

for YYYY = 2027 ... 2031. The index is the file row, as :func:`read_roster` labels rows.
:func:`participation_by_year` gives one NPI's flags per performance year.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from asm_xl.model.errors import ASMInputError
from asm_xl.model.identifiers import npi_problem
from asm_xl.model.parameters import cohorts, performance_years
from asm_xl.model.validation import as_whole, is_blank
from asm_xl.roster.read import FIRST_DATA_ROW, RosterError, normalize_column_name, read_roster
from asm_xl.xlsx.near_names import near_name

__all__ = ["CMSParticipantsError", "CMS_COLUMNS", "CMS_YEARS", "read_cms_participants", "normalize_participants",
           "participation_by_year", "participation_for_projection", "combine_flags", "cms_performance_year",
           "published_years", "unlisted_npis"]

#: The performance years CMS's file has a participant and a small-practice column for [CMS].
CMS_YEARS = tuple(performance_years())

#: The columns of CMS's file, in CMS's order and spelling.
CMS_COLUMNS = ("NPI", "FIRST_NAME", "LAST_NAME", "STATE", "ASM_COHORT", "ORGANIZATION_LEGAL_NAME") + tuple(
    f"ASM_CY{y % 100:02d}_{kind}" for y in CMS_YEARS for kind in ("PARTICIPANT", "SMALLPRACTICE"))

_MAX_REPORTED = 5
_YES, _NO = "yes", "no"


class CMSParticipantsError(RosterError):
    """CMS's participants file cannot be used: unreadable, a column missing, or a value that is not
    CMS's (a bad NPI, cohort or flag); the message names the column, the row and what is allowed."""


def read_cms_participants(path, *, max_bytes: int = 50_000_000, max_rows: int = 200_000) -> pd.DataFrame:
    """Read CMS's ASM Participants file (``.csv``, ``.xlsx`` or ``.xlsm``; the first sheet).

    The file is read by :func:`~asm_xl.roster.read.read_roster` (every cell as text, size and row
    limits checked before work), then :func:`normalize_participants` checks and normalizes it.
    CMS's file has about 6,600 rows, so the limits (50 MB, 200,000 rows) leave a wide margin.

    Raises
    ------
    CMSParticipantsError
        The file is missing or unreadable, a column of :data:`CMS_COLUMNS` is missing, or a value
        is not what CMS publishes (the first few bad cells are named with their row).
    """
    p = Path(os.fspath(path))
    if not p.is_file():
        raise CMSParticipantsError(f"CMS participants file not found: {p}{near_name(p)}" if not p.exists()
                                   else f"{p} is not a file")
    try:
        raw = read_roster(p, max_bytes=max_bytes, max_rows=max_rows)
    except CMSParticipantsError:
        raise
    except RosterError as e:
        raise CMSParticipantsError(f"CMS participants file: {e}") from None
    return normalize_participants(raw, source=p.name)


def cms_performance_year(value) -> int:
    """``value`` as one of :data:`CMS_YEARS` (2027-2031) [CMS], else :class:`CMSParticipantsError`.

    >>> cms_performance_year("2028")
    2028
    """
    try:
        year = as_whole("performance_year", value)
    except ASMInputError:
        year = None
    if year not in CMS_YEARS:
        raise CMSParticipantsError(f"performance year {value!r} is not an ASM performance year: "
                                   f"use {CMS_YEARS[0]}-{CMS_YEARS[-1]}")
    return year


def _cohort_codes() -> dict[str, str]:
    """{"heart failure": "HF", "hf": "HF", "low back pain": "LBP", ...} from the cohort data."""
    out = {}
    for c in cohorts().values():
        out[c.code.casefold()] = c.code
        out[c.name.casefold()] = c.code
    return out


def _flag(text: str) -> bool | None:
    t = text.strip().casefold()
    return True if t == _YES else False if t == _NO else None


def normalize_participants(raw: pd.DataFrame, *, source: str = "the CMS participants file") -> pd.DataFrame:
    """CMS's table as read (text cells, CMS's column names in any case) → the normalized frame
    described in the module docstring.

    Rules [CMS]: NPI 10 digits with the Luhn check digit (``asm_xl.model.identifiers``);
    ASM_COHORT "Heart Failure" → HF, "Low Back Pain" → LBP (codes HF/LBP accepted too, any case);
    a flag is Yes → True, No → False, blank → None (any case, spaces ignored); anything else is
    an error. Columns other than :data:`CMS_COLUMNS` are ignored.
    """
    cols = {normalize_column_name(c): c for c in raw.columns}
    missing = [c for c in CMS_COLUMNS if normalize_column_name(c) not in cols]
    if missing:
        if "asm_cohort" not in cols and ("cohort" in cols or "specialty" in cols):
            expected = "this looks like a roster, not CMS's participants file"
        else:
            expected = f"expected columns: {', '.join(CMS_COLUMNS)}"
        raise CMSParticipantsError(f"{source} lacks the column{'s' if len(missing) > 1 else ''} "
                                   f"{', '.join(missing)} of CMS's ASM Participants file ({expected})")

    def text(name: str) -> pd.Series:
        return raw[cols[normalize_column_name(name)]].map(lambda v: "" if is_blank(v) else str(v).strip())

    integer_index = pd.api.types.is_integer_dtype(raw.index.dtype)
    # read_roster labels rows by their file row; a hand-built frame counts from the first data row
    rows = raw.index.to_numpy() if integer_index else np.arange(len(raw)) + FIRST_DATA_ROW
    problems: list[tuple[int, str]] = []

    def bad(mask: pd.Series, column: str, values: pd.Series, reason) -> None:
        for pos in mask.to_numpy(dtype=bool).nonzero()[0]:
            why = reason.iloc[pos] if isinstance(reason, pd.Series) else reason
            problems.append((int(rows[pos]), f"row {rows[pos]}, {column} {values.iloc[pos]!r}: {why}"))

    npi = text("NPI")
    npi_why = npi.map(lambda t: npi_problem(t) if t else "required: the physician's 10-digit NPI")
    bad(npi_why.notna(), "NPI", npi, npi_why)
    codes = _cohort_codes()
    cohort_text = text("ASM_COHORT")
    cohort = cohort_text.map(lambda t: codes.get(re.sub(r"\s+", " ", t).casefold()))
    allowed_cohorts = " or ".join(f'"{c.name.title()}"' for c in cohorts().values())
    bad(cohort.isna(), "ASM_COHORT", cohort_text, f"must be {allowed_cohorts}")
    out = pd.DataFrame({"npi": npi, "first_name": text("FIRST_NAME"), "last_name": text("LAST_NAME"),
                        "state": text("STATE").str.upper(), "cohort": cohort,
                        "organization": text("ORGANIZATION_LEGAL_NAME")}, index=raw.index, dtype=object)
    for y in CMS_YEARS:
        for kind, name in (("PARTICIPANT", "participant"), ("SMALLPRACTICE", "small_practice")):
            column = f"ASM_CY{y % 100:02d}_{kind}"
            values = text(column)
            flags = values.map(_flag).astype(object)
            bad(flags.isna() & (values != ""), column, values, "must be Yes, No or blank")
            out[f"{name}_{y}"] = flags.where(flags.notna(), None)
    if problems:
        first = [text for _, text in sorted(problems, key=lambda p: p[0])[:_MAX_REPORTED]]
        more = len(problems) - len(first)
        raise CMSParticipantsError(f"{source}: " + "; ".join(first) + (f"; and {more} more" if more > 0 else ""))
    out.attrs = {}
    return out


def combine_flags(values) -> bool | None:
    """One flag from the flags an NPI has under several organizations [ASSUMPTION]: all given
    (non-None) flags equal → that flag; none given or given flags that disagree → None.

    >>> combine_flags([True, None, True]), combine_flags([True, False]), combine_flags([None])
    (True, None, None)
    """
    given = {bool(v) for v in values if v is not None}
    return given.pop() if len(given) == 1 else None


def participation_by_year(participants: pd.DataFrame, npis=None) -> pd.DataFrame:
    """Per NPI and performance year, CMS's participation and small-practice flags.

    Returns one row per NPI (sorted) and year of :data:`CMS_YEARS`, columns ``npi``,
    ``performance_year``, ``participant`` and ``small_practice`` (True, False or None = not
    published). An NPI under several organizations: participant is True when any of its rows says
    Yes, False when none says Yes and one says No, else None; the small-practice flag is the one its
    rows agree on, None when they disagree (the bonus then follows the practice size; the flag is
    per organization, and CMS's file has no TIN to tell which one a roster row is) [ASSUMPTION].
    ``npis``, when given, keeps only those NPIs (an NPI not in the file has no rows).

    >>> df = pd.DataFrame({"npi": ["1234567893"] * 2, "participant_2027": [True, None],
    ...                    "small_practice_2027": [True, False]})
    >>> participation_by_year(df).query("performance_year == 2027").to_dict("records")
    [{'npi': '1234567893', 'performance_year': 2027, 'participant': True, 'small_practice': None}]
    """
    frame = participants if npis is None else participants[participants["npi"].isin({str(n).strip() for n in npis})]
    if frame.empty:
        return pd.DataFrame(columns=["npi", "performance_year", "participant", "small_practice"], dtype=object)
    per_year = []
    for y in CMS_YEARS:
        part, small = frame.get(f"participant_{y}"), frame.get(f"small_practice_{y}")
        yes_no = pd.DataFrame({"part_yes": _is(part, True), "part_no": _is(part, False),
                               "small_yes": _is(small, True), "small_no": _is(small, False)}, index=frame.index)
        n = yes_no.groupby(frame["npi"], sort=True).sum()
        participant = [True if a else False if b else None for a, b in zip(n["part_yes"], n["part_no"])]
        small_flag = [True if a and not b else False if b and not a else None
                      for a, b in zip(n["small_yes"], n["small_no"])]
        per_year.append(pd.DataFrame({"npi": n.index.to_numpy(dtype=object), "performance_year": y,
                                      "participant": pd.array(participant, dtype=object),
                                      "small_practice": pd.array(small_flag, dtype=object)}))
    out = pd.concat(per_year, ignore_index=True).sort_values(["npi", "performance_year"], kind="stable")
    out["npi"] = out["npi"].astype(object)
    return out.reset_index(drop=True)


def participation_for_projection(participants: pd.DataFrame, npis=None) -> dict[str, dict[int, bool]]:
    """``{npi: {performance year: participating}}`` from CMS's file, as
    :func:`~asm_xl.model.projection.project_five_years` takes it (``participation=``): the years
    :func:`participation_by_year` gives a flag for; a year CMS has not published (None) is left out,
    so the projection assumes participation there and says so ("assumed").

    ``npis`` (the roster's), when given: only those NPIs, and one the file does not list is not
    participating in every year the file publishes for anyone (:func:`published_years`): CMS's list
    of a year is its participants, so a physician missing from it has no ASM adjustment that year
    [ASSUMPTION; ``asm-xl check-cms`` reports them as "not on CMS's list"]. Unlisted NPIs were assumed
    to participate, which the five-year view showed as "yes (assumed)" in years CMS had published.

    >>> df = pd.DataFrame({"npi": ["1234567893"], "participant_2027": [True], "participant_2028": [False]})
    >>> participation_for_projection(df)
    {'1234567893': {2027: True, 2028: False}}
    >>> participation_for_projection(df, npis=["1234567893", "1245319599"])
    {'1234567893': {2027: True, 2028: False}, '1245319599': {2027: False, 2028: False}}
    """
    out: dict[str, dict[int, bool]] = {}
    for rec in participation_by_year(participants, npis=npis).to_dict("records"):
        if rec["participant"] is not None:
            out.setdefault(rec["npi"], {})[int(rec["performance_year"])] = bool(rec["participant"])
    published = published_years(participants) if npis is not None else []
    for npi in unlisted_npis(participants, npis) if published else ():
        out[npi] = dict.fromkeys(published, False)
    return out


def unlisted_npis(participants: pd.DataFrame, npis) -> list[str]:
    """The NPIs of ``npis`` (stripped, each once, blanks left out) that CMS's file does not list.

    >>> unlisted_npis(pd.DataFrame({"npi": ["1234567893"]}), [" 1234567893", "1245319599", "", "1245319599"])
    ['1245319599']
    """
    listed = set(participants["npi"])
    return [n for n in dict.fromkeys(str(n).strip() for n in npis) if n and n not in listed]


def published_years(participants: pd.DataFrame) -> list[int]:
    """The performance years for which the file gives some NPI a participation flag (Yes or No).

    >>> published_years(pd.DataFrame({"npi": ["1234567893"], "participant_2027": [True],
    ...                               "participant_2028": [None]}))
    [2027]
    """
    return [y for y in CMS_YEARS
            if f"participant_{y}" in participants.columns
            and participants[f"participant_{y}"].map(lambda v: v is True or v is False).any()]


def _is(flags: pd.Series | None, value: bool) -> pd.Series | bool:
    """Which flags are ``value`` (True/False, not None); a missing column is never."""
    return False if flags is None else flags.map(lambda v: v is value).astype(bool)
