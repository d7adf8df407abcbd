"""A roster started from CMS's ASM Participants file.

:func:`roster_from_cms` picks physicians from CMS's file (by organization, state or NPI) and fills
what CMS publishes: NPI, name, cohort, the performance year and CMS's small-practice flag of that
year. CMS's file has no TIN, no payments, no measures: those stay blank for the practice to fill.
:func:`write_cms_roster` writes it as a roster CSV that ``asm-xl generate`` reads. The file is read
by :mod:`asm_xl.roster.cms_participants`; a roster is checked against it by
:mod:`asm_xl.roster.cms_screen`.
"""

from __future__ import annotations

import csv
import difflib
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from asm_xl.model.columns import measure_columns
from asm_xl.model.identifiers import npi_problem
from asm_xl.model.parameters import cohorts, performance_years
from asm_xl.model.validation import is_blank
from asm_xl.roster.cms_participants import CMSParticipantsError, cms_performance_year, combine_flags
from asm_xl.roster.report import csv_safe_text
from asm_xl.xlsx.atomic import atomic_open

__all__ = ["CMS_ROSTER_COLUMNS", "roster_from_cms", "write_cms_roster"]

#: What :func:`roster_from_cms` fills (``tin`` stays blank: CMS's file has no TIN).
CMS_ROSTER_COLUMNS = ["npi", "tin", "name", "cohort", "performance_year", "small_practice"]

#: Roster columns written blank for the practice to fill, before the cohort's measure columns.
_TO_FILL = ["practice_size", "part_b_payments", "pi_score", "ia1_done", "ia2_done", "complex_bonus",
            "submitted_on_time", "cost_episodes", "episode_cost", "cost_points"]
_MEASURE_FIELDS = ("collection_type", "eligible", "reported", "rate")
#: a measure CMS computes from administrative claims (Q492): its points from CMS's report, the preferred input, or
#: its rate (counts submitted mean nothing for it)
_CLAIMS_FIELDS = ("rate", "points")


def _squash(text) -> str:
    return re.sub(r"\s+", " ", str(text)).strip().casefold()


def _as_list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def roster_from_cms(participants: pd.DataFrame, *, organization=None, state=None, npis=None,
                    performance_year: int = performance_years()[0]) -> pd.DataFrame:
    """Physicians of CMS's file → a roster, one row per NPI.

    Filters (all that are given must hold; case and extra spaces ignored): ``organization``, text
    found in ORGANIZATION_LEGAL_NAME (or a list: any of them); ``state``, a state code or a list;
    ``npis``, a list of NPIs (each must be a valid NPI). With no filter, every physician.

    Each selected NPI gives one row (an NPI is one physician; the roster's key is NPI + TIN + year
    and CMS's file has no TIN) [ASSUMPTION]: ``name`` "LAST, FIRST" as the roster writes it;
    ``cohort`` HF or LBP; ``performance_year``; ``small_practice`` "yes"/"no" from
    ASM_CYyy_SMALLPRACTICE [CMS]; ``tin`` blank. An NPI listed under several organizations: the
    rows the filters selected decide; flags or cohorts that disagree leave the cell blank with a
    note (:func:`~asm_xl.roster.cms_participants.combine_flags`). Extra columns ``organization`` and
    ``state`` (each distinct value, joined by "; ") say where CMS lists the physician.

    Participation in ``performance_year`` [CMS, ASM_CYyy_PARTICIPANT]: No → left out (a note
    counts them); blank (not yet published) → kept, with a note.

    Notes are in ``roster.attrs["cms_notes"]``; NPIs asked for but not in CMS's file in
    ``roster.attrs["npis_not_found"]``. Rows sorted by name, then NPI.

    Raises
    ------
    CMSParticipantsError
        A bad NPI or performance year, or no physician matches (the message says which filter
        and, for an organization, the closest names on CMS's list).
    """
    year = cms_performance_year(performance_year)
    wanted = [n.strip() for n in _as_list(npis)]
    for n in wanted:
        why = npi_problem(n) if n else "blank"
        if why:
            raise CMSParticipantsError(f"NPI {n!r}: {why}")
    orgs = [_squash(o) for o in _as_list(organization) if _squash(o)]
    states = {s.strip().upper() for s in _as_list(state) if s.strip()}
    keep, org_found = np.ones(len(participants), dtype=bool), True
    if orgs:
        names = participants["organization"].map(_squash)
        keep &= names.map(lambda t: any(o in t for o in orgs)).to_numpy(dtype=bool)
        org_found = bool(keep.any())
    org_states = sorted({s for s in participants.loc[keep, "state"] if s}) if orgs and org_found else []
    if states:
        keep &= participants["state"].isin(states).to_numpy(dtype=bool)
    if wanted:
        keep &= participants["npi"].isin(set(wanted)).to_numpy(dtype=bool)
    chosen = participants.loc[keep]
    if chosen.empty:
        raise CMSParticipantsError(_nothing_matches(participants, orgs, states, wanted,
                                                    hint_organizations=not org_found, org_states=org_states))

    notes: list[str] = []
    records, left_out, unpublished, unsure = [], 0, 0, []
    col = {c: chosen[c].to_numpy(dtype=object) for c in ("npi", "first_name", "last_name", "cohort", "organization",
                                                         "state", f"participant_{year}", f"small_practice_{year}")}
    for npi, at in chosen.groupby("npi", sort=False).indices.items():
        part = col[f"participant_{year}"][at]
        if any(v is True for v in part):
            pass
        elif any(v is False for v in part):
            left_out += 1
            continue
        else:
            unpublished += 1
        cohort_set = sorted(set(col["cohort"][at]))
        flags = col[f"small_practice_{year}"][at]
        small = combine_flags(flags)
        if len(cohort_set) > 1 or (small is None and any(v is not None for v in flags)):
            unsure.append(npi)
        first = at[0]
        records.append({
            "npi": npi, "tin": "", "name": f"{col['last_name'][first]}, {col['first_name'][first]}".strip(", "),
            "cohort": cohort_set[0] if len(cohort_set) == 1 else "", "performance_year": str(year),
            "small_practice": "" if small is None else ("yes" if small else "no"),
            "organization": "; ".join(dict.fromkeys(col["organization"][at])),
            "state": "; ".join(dict.fromkeys(s for s in col["state"][at] if s))})
    if left_out:
        notes.append(f"{left_out} physician(s) on CMS's list are not participants in {year} (ASM_CY{year % 100:02d}"
                     "_PARTICIPANT = No): left out")
    if unpublished:
        notes.append(f"CMS's file does not say yet whether {unpublished} physician(s) participate in {year} "
                     f"(ASM_CY{year % 100:02d}_PARTICIPANT blank): kept")
    if unsure:
        notes.append(f"{len(unsure)} physician(s) are listed under several organizations whose cohort or "
                     f"small-practice flag disagree: left blank, fill them ({', '.join(unsure[:5])})")
    if not records:
        raise CMSParticipantsError(f"no physician selected is a participant in {year}: " + "; ".join(notes))
    roster = pd.DataFrame(records, dtype=object).sort_values(["name", "npi"], kind="stable")
    roster = roster.reset_index(drop=True)
    roster.attrs["cms_notes"] = notes
    listed = set(chosen["npi"])
    roster.attrs["npis_not_found"] = [n for n in dict.fromkeys(wanted) if n not in listed]
    return roster


def _nothing_matches(participants: pd.DataFrame, orgs: list[str], states: set[str], npis: list[str], *,
                     hint_organizations: bool, org_states: list[str] = ()) -> str:
    asked = ([f"organization containing {' or '.join(repr(o) for o in orgs)}"] if orgs else []) + \
            ([f"state {', '.join(sorted(states))}"] if states else []) + \
            ([f"NPI {', '.join(npis[:5])}{' ...' if len(npis) > 5 else ''}"] if npis else [])
    msg = f"no physician on CMS's list matches {' and '.join(asked) or 'the filters'}"
    if hint_organizations:
        close = _closest_organizations(orgs[0], set(participants["organization"]))
        if close:
            msg += "; closest organizations on the list: " + "; ".join(close)
    if states:
        unknown = sorted(states - set(participants["state"]))
        if unknown:
            msg += f"; no physician on the list is in {', '.join(unknown)}"
        if org_states and not states & set(org_states):   # the organization is there, in other states
            msg += f"; the organization is listed in {', '.join(org_states)}"
    return msg


def _closest_organizations(query: str, names, n: int = 3) -> list[str]:
    """Names on the list close to ``query``, letters and digits compared (spaces and punctuation left out:
    "Health Texas" is "Healthtexas"), closest first: the longest common run covers at least 75% of the
    query (a word missing), or the name's start is at least 85% like it (a typo: "Healthtexsa")."""
    q = _letters(query)
    scored = []
    for name in names:
        b = _letters(name)
        run = difflib.SequenceMatcher(None, q, b, autojunk=False).find_longest_match(0, len(q), 0, len(b)).size
        typo = difflib.SequenceMatcher(None, q, b[:len(q)], autojunk=False).ratio()
        if run >= 0.75 * len(q) or typo >= 0.85:
            scored.append((-max(run / max(len(q), 1), typo), name))
    return [name for _, name in sorted(scored)[:n]]


def _letters(text) -> str:
    return re.sub(r"[\W_]+", "", _squash(text))


def write_cms_roster(roster: pd.DataFrame, path) -> Path:
    """Write :func:`roster_from_cms`'s roster as a roster CSV that ``asm-xl generate`` reads.

    Columns: :data:`CMS_ROSTER_COLUMNS` (filled), then blank columns to fill (practice size,
    Part B payments, PI score, improvement activities, complex bonus, cost) and the measure
    columns (collection type, eligible, reported, rate; rate and points for a measure CMS computes from
    administrative claims) of the cohorts present. UTF-8 with BOM,
    written atomically; names that look like formulas are written as text (a leading ').
    ``organization`` and ``state`` are not roster columns and are not written.
    """
    p = Path(os.fspath(path))
    present = [c for c in cohorts() if c in set(roster["cohort"])]
    measures = [col for code in present for m in cohorts()[code].measures
                for f, col in measure_columns(m.key).items()
                if f in (_CLAIMS_FIELDS if m.administrative_claims_only else _MEASURE_FIELDS)]
    header = CMS_ROSTER_COLUMNS + _TO_FILL + measures
    blanks = [""] * (len(header) - len(CMS_ROSTER_COLUMNS))
    with atomic_open(p, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(header)
        for rec in roster[CMS_ROSTER_COLUMNS].itertuples(index=False):
            w.writerow([csv_safe_text("" if is_blank(v) else str(v)) for v in rec] + blanks)
    return p
