"""Merge QPP submission imports into a roster: fill the measure columns of the matching rows.

Matching: an "individual" submission fills the roster rows with its NPI, its TIN (a blank roster TIN
matches any) and its performance year (a blank roster year matches any: the year is then given at
scoring, ``--year``). A submission that matches no row is reported, not added: a roster row needs a
cohort, payments and the other columns a file of quality data does not have.

A "group" submission (TIN only) holds the practice's counts over all its clinicians. An ASM participant
is a TIN/NPI [spec 2], so by default a group's data fills nothing and is reported; with
``group_to_members`` it fills every roster row of that TIN and year where no individual submission filled
the measure [ASSUMPTION: as MIPS gives a group's quality score to each clinician billing under the TIN].

A measure is merged as a unit (collection type, eligible, reported, rate), so a row never mixes the
roster's counts with a file's. Values the user typed are never overwritten with a different value
silently: when any typed value of the measure differs from the file's, the roster's measure is kept and
the conflict reported, unless ``prefer_file`` (then the file's measure replaces it, reported). Equal
values (rates equal to 4 decimals, as rates are shown) are not conflicts; blank cells are filled. A typed
``qXXX_completeness`` decides the completeness over ``reported``, so it is compared with the file's
reported / eligible (and cleared when the file wins); a typed ``qXXX_points`` decides the score over the
rate, which is reported. Between files, the first file listed wins and a differing later one is reported.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from asm_xl.model.benchmarks import normalize_collection_type
from asm_xl.model.columns import all_columns
from asm_xl.model.errors import ASMInputError
from asm_xl.model.identifiers import tin_key
from asm_xl.model.parameters import cohort_of_specialty, cohorts, get_cohort
from asm_xl.model.validation import typed_number
from asm_xl.roster.qpp_import import QppImport, QppNote
from asm_xl.roster.read import normalize_column_name

__all__ = ["merge_into_roster", "RATE_TOLERANCE"]

#: rates that agree to 4 decimals are the same value
RATE_TOLERANCE = 5e-5


def _text(v) -> str:
    return "" if v is None or (isinstance(v, float) and v != v) else str(v).strip()


def _cell_text(value: object) -> str:
    """A value as the roster's text: whole counts without ".0", rates at full precision."""
    return value if isinstance(value, str) else (str(value) if isinstance(value, int) else repr(float(value)))


def _same(column: str, typed: str, value: object) -> bool:
    if column.endswith("_collection_type"):
        try:
            return normalize_collection_type(typed) == value
        except ASMInputError:
            return False
    try:
        x = typed_number(typed, percent=column.endswith(("_rate", "_completeness")))
    except ValueError:
        return False
    tolerance = RATE_TOLERANCE if column.endswith(("_rate", "_completeness")) else 0.0
    return abs(x - float(value)) <= tolerance


def _row_cohort(row: pd.Series) -> str | None:
    """The row's cohort code, or None when the row does not say (validation reports that)."""
    for col, find in (("cohort", get_cohort), ("specialty", cohort_of_specialty)):
        text = _text(row.get(col))
        if text:
            try:
                return find(text).code
            except ASMInputError:
                return None
    return None


def _proposals(df: pd.DataFrame, imports: list[QppImport], group_to_members: bool, notes: list[QppNote]) -> dict:
    """{(row label, measure key): ({column: value}, source, from_group)}: what the files say, individual
    submissions before groups."""
    npi = df["npi"].map(_text) if "npi" in df.columns else pd.Series("", index=df.index)
    tin = (df["tin"].map(_text).map(tin_key) if "tin" in df.columns else pd.Series("", index=df.index))
    year = (df["performance_year"].map(_text).map(_year_text) if "performance_year" in df.columns
            else pd.Series("", index=df.index))
    out: dict = {}
    blank_tin_sources: dict = {}   # a blank-TIN row: the TINs whose individual submissions matched it
    for pass_group in (False, True):
        for imp in imports:
            for key, values in imp.rows.items():
                if (imp.entity_types[key] == "group") != pass_group:
                    continue
                k_tin, k_npi, k_year = key
                same_year = (year == "") | (year == str(k_year))
                if pass_group:
                    rows = df.index[(tin == k_tin) & same_year]
                    if not group_to_members or not values:
                        notes.append(QppNote(imp.source, "group", (
                            f"group submission for TIN {k_tin} (PY {k_year}, {_measure_list(values)}): the practice's "
                            f"counts, not one physician's; not merged into the {len(rows)} roster row(s) of this TIN"
                            + ("" if not values else " (--group-to-members copies them to each)"))))
                        continue
                else:
                    rows = df.index[(npi == k_npi) & ((tin == "") | (tin == k_tin)) & same_year]
                    for label in rows[tin[rows] == ""]:
                        blank_tin_sources.setdefault(label, set()).add(k_tin)
                if len(rows) == 0:
                    notes.append(QppNote(imp.source, "unmatched", _unmatched(df, npi, tin, key, values)))
                    continue
                for label in rows:
                    _propose(out, df, label, values, imp.source, pass_group, notes)
    for label, tins in blank_tin_sources.items():
        if len(tins) > 1:   # ASM scores each TIN/NPI: one row cannot hold two TINs' measures
            # nothing of either file is kept: what was said of its files' differences no longer holds
            notes[:] = [n for n in notes if not (n.kind == "conflict" and n.row == label)]
            notes.append(QppNote("", "conflict", f"{_who(df, label)}: its TIN is blank and the files hold submissions "
                                 f"of TINs {', '.join(sorted(tins))}: give the row's TIN (a row per TIN); not merged"))
            for key in [k for k in out if k[0] == label]:
                del out[key]
    return out


def _year_text(text: str) -> str:
    """A typed year as digits ("2027.0" from a spreadsheet reads as "2027"); other text as it is."""
    if not text:
        return text  # typed_number("") raises IndexError, not ValueError (asm_xl.model.validation)
    try:
        x = typed_number(text)
    except ValueError:
        return text
    return str(int(x)) if x.is_integer() else text


def _measure_list(values: dict) -> str:
    keys = sorted({c.split("_", 1)[0] for c in values})
    return ("measures " + ", ".join(k.upper() for k in keys)) if keys else "no ASM measure"


def _unmatched(df, npi, tin, key, values) -> str:
    k_tin, k_npi, k_year = key
    who = f"NPI {k_npi}, TIN {k_tin}" if k_npi else f"TIN {k_tin}"
    hint = ""
    if k_npi and (npi == k_npi).any():
        other = sorted({f"TIN {t or '(blank)'}, PY {_text(y) or '(blank)'}" for t, y in
                        zip(tin[npi == k_npi], df.get("performance_year", pd.Series("", index=df.index))[npi == k_npi])})
        hint = f"; the roster has this NPI with {'; '.join(other)}"
    return f"{who}, PY {k_year} ({_measure_list(values)}): no roster row matches{hint}; not added"


def _by_measure(values: dict) -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = {}
    for column, value in values.items():
        out.setdefault(column.split("_", 1)[0], {})[column] = value
    return out


def _differing(columns: dict[str, object], other: dict[str, object]) -> list[str]:
    """The columns of ``columns`` whose value is not the same in ``other`` (text or values)."""
    return [c for c, v in columns.items() if c in other and not _same(c, _cell_text(other[c]), v)]


def _propose(out: dict, df: pd.DataFrame, label, values: dict, source: str, from_group: bool, notes) -> None:
    code = _row_cohort(df.loc[label])
    allowed = {m.key for m in cohorts()[code].measures} if code else None
    for mkey, columns in _by_measure(values).items():
        if allowed is not None and mkey not in allowed:
            notes.append(QppNote(source, "cohort", f"{_who(df, label)}: {mkey.upper()} is not a {code} measure: "
                                                   "not merged"))
            continue
        prior = out.get((label, mkey))
        if prior is None:
            out[(label, mkey)] = (columns, source, from_group)
        elif not prior[2] and from_group:
            continue  # an individual submission's measure beats the group's
        elif _differing(columns, prior[0]):
            notes.append(QppNote(source, "conflict", f"{_who(df, label)}: {mkey.upper()} differs from {prior[1]} ("
                                 + ", ".join(f"{c} {_cell_text(columns[c])} vs {_cell_text(prior[0][c])}"
                                             for c in _differing(columns, prior[0]))
                                 + "); the first file's is kept", row=label))


def _who(df: pd.DataFrame, label) -> str:
    row = df.loc[label]
    return f"row {label} (NPI {_text(row.get('npi'))})"  # read_roster labels rows by their file row


def merge_into_roster(roster: pd.DataFrame, imports: Iterable[QppImport], *, prefer_file: bool = False,
                      group_to_members: bool = False) -> tuple[pd.DataFrame, list[QppNote]]:
    """Fill the roster's ``qXXX_collection_type/_eligible/_reported/_rate`` columns from QPP imports.

    ``roster`` is a frame of text as :func:`~asm_xl.roster.read_roster` returns (labelled by file row);
    the result is a new frame of text with the measure columns it needed added (in roster order, after
    the others). Returns it with the notes of reading and merging (see the module docstring for the rules).
    """
    imports = list(imports)
    df = roster.copy()
    df.columns = [normalize_column_name(c) for c in df.columns]
    notes: list[QppNote] = [n for imp in imports for n in imp.notes]
    proposals = _proposals(df, imports, group_to_members, notes)
    needed = {c for columns, _, _ in proposals.values() for c in columns}
    for c in all_columns():
        if c in needed and c not in df.columns:
            df[c] = ""
    filled: dict[tuple[str, object], list[str]] = {}
    for (label, mkey), (columns, source, _) in sorted(proposals.items(), key=lambda kv: kv[0]):
        typed = {c: _text(df.at[label, c]) for c in columns if _text(df.at[label, c])}
        completeness = f"{mkey}_completeness"
        if completeness in df.columns and _text(df.at[label, completeness]) and columns.get(f"{mkey}_eligible"):
            columns = dict(columns)  # a typed completeness decides over reported: compare it too
            columns[completeness] = columns[f"{mkey}_reported"] / columns[f"{mkey}_eligible"]
            typed[completeness] = _text(df.at[label, completeness])
        differing = _differing(columns, typed)
        if differing and not prefer_file:
            notes.append(QppNote(source, "conflict", f"{_who(df, label)}: {mkey.upper()} typed differently in the "
                                 "roster (" + _changes(differing, typed, columns) + "); the roster's is kept "
                                 "(--prefer-file to take the file's)"))
            continue
        if differing:
            notes.append(QppNote(source, "replaced", f"{_who(df, label)}: {mkey.upper()} taken from the file ("
                                 + _changes(differing, typed, columns) + ")"))
        for c, v in columns.items():
            if c != completeness:
                df.at[label, c] = _cell_text(v)
            elif c in differing:
                df.at[label, c] = ""  # --prefer-file: the file's reported / eligible decides
        filled.setdefault((source, label), []).append(mkey.upper())
        if f"{mkey}_points" in df.columns and _text(df.at[label, f"{mkey}_points"]):
            notes.append(QppNote(source, "points", f"{_who(df, label)}: {mkey}_points is typed: it decides "
                                                   f"{mkey.upper()}'s score, the imported rate is for reference"))
    for (source, label), keys in sorted(filled.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        notes.append(QppNote(source, "filled", f"{_who(df, label)}: {', '.join(keys)}"))
    return df, notes


def _changes(columns: list[str], typed: dict, values: dict) -> str:
    def shown(c, v):
        if c.endswith("_completeness"):
            return f"{v:.2%}"
        if c.endswith("_rate") and isinstance(v, float):   # as rates are compared: to 4 decimals
            return f"{v:.4f}".rstrip("0").rstrip(".")
        return _cell_text(v)
    return ", ".join(f"{c}: roster {typed[c]}, file {shown(c, values[c])}" for c in columns)
