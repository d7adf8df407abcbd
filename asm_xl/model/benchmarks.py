"""Benchmark ladders: the ten decile start values a measure is scored against.

Sources of ladders (spec 3.2, pluggable):

- the packaged MIPS benchmark table (``asm_xl/model/data/mips_benchmarks_asm.csv``, CMS's
  qpp-measures-data, CC0) [MIPS]; until CMS publishes ASM's own benchmarks the most recent
  performance year available is used [ASSUMPTION];
- a user-supplied ladder (ten values: a workbook range, a CSV) [ASSUMPTION];
- performance-year deciles from a cohort's own rates (:func:`ladder_from_rates`) [MIPS method].

Benchmark files state rates of proportion measures in percent (0-100); a :class:`Ladder` knows its
``scale`` (100 for those, 1 for native units) so that callers always pass the user's fraction.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Iterable, Sequence

import numpy as np

from asm_xl.model.errors import ASMInputError
from asm_xl.model.parameters import cohorts, normalize_measure_id
from asm_xl.model.validation import as_number, is_blank

__all__ = [
    "Ladder",
    "BenchmarkTable",
    "packaged_benchmarks",
    "normalize_collection_type",
    "ladder_from_rates",
    "LadderOverrides",
    "COLLECTION_TYPES",
]

#: Canonical collection type → the CSV's ``submission_method`` [spec 3.2].
COLLECTION_TYPES = {
    "eCQM": "electronicHealthRecord",
    "MIPS CQM": "registry",
    "Medicare Part B claims": "claims",
    "Administrative claims": "administrativeClaims",
    "CMS Web Interface": "cmsWebInterface",
}

_ALIASES = {
    "ecqm": "eCQM", "ehr": "eCQM", "electronichealthrecord": "eCQM", "electronic clinical quality measure": "eCQM",
    "electronic clinical quality measures": "eCQM",
    "mips cqm": "MIPS CQM", "mipscqm": "MIPS CQM", "cqm": "MIPS CQM", "registry": "MIPS CQM",
    "qcdr": "MIPS CQM",
    "medicare part b claims": "Medicare Part B claims", "part b claims": "Medicare Part B claims",
    "claims": "Medicare Part B claims", "medicare part b": "Medicare Part B claims",
    "administrative claims": "Administrative claims", "administrativeclaims": "Administrative claims",
    "admin claims": "Administrative claims", "administrative": "Administrative claims",
    "cms web interface": "CMS Web Interface", "cmswebinterface": "CMS Web Interface",
}


def normalize_collection_type(value: object, field: str = "collection_type") -> str:
    """"eCQM", "MIPS CQM", "Part B claims", "administrative claims" or the CSV's own names → canonical."""
    key = " ".join(str(value).replace("_", " ").split()).casefold() if not is_blank(value) else ""
    if key in _ALIASES:
        return _ALIASES[key]
    raise ASMInputError(field, value, 'one of "eCQM", "MIPS CQM", "Part B claims", "administrative claims"')


@dataclass(frozen=True)
class Ladder:
    """Ten decile start values B1..B10 in the better direction, plus how to read a rate against them.

    Attributes
    ----------
    starts : tuple of 10 floats
        B_k, the value at which decile k begins, in the ladder's units. Equal values make empty
        deciles. Non-decreasing for direct measures, non-increasing for inverse ones.
    inverse : bool
        Lower is better (a rate "reaches" B when rate <= B).
    topped_out : bool
        Topped out by program: points are capped at ``Settings.topped_out_cap`` [ASSUMPTION: the MIPS
        rule; no ASM source mentions it].
    scale : float
        Ladder units per user unit: 100 when the ladder is in percent and rates are fractions.
    """

    starts: tuple[float, ...]
    inverse: bool = False
    topped_out: bool = False
    scale: float = 1.0
    measure: str = ""
    collection_type: str = ""
    performance_year: int = 0
    source: str = "user"
    placeholder: bool = False  #: a CMS placeholder row (e.g. PY2026 Q492, copied from PY2025)
    note: str = ""  #: where a user ladder comes from, in the user's words ("CMS ASM benchmarks PY2027")

    def __post_init__(self) -> None:
        s = np.asarray(self.starts, dtype=float)
        if s.shape != (10,) or not np.all(np.isfinite(s)):
            raise ASMInputError("ladder", list(self.starts), "ten finite decile start values")
        steps = np.diff(s)
        if (self.inverse and np.any(steps > 0)) or (not self.inverse and np.any(steps < 0)):
            order = "non-increasing (inverse measure)" if self.inverse else "non-decreasing"
            raise ASMInputError("ladder", list(self.starts), f"decile start values must be {order}")
        object.__setattr__(self, "starts", tuple(float(x) for x in s))

    @classmethod
    def from_values(cls, values: Iterable[object], *, inverse: bool = False, topped_out: bool = False,
                    scale: float = 1.0, field: str = "ladder") -> "Ladder":
        """A user ladder: ten decile start values, in the same units as the rates scored on it."""
        vals = [v for v in values if not is_blank(v)]
        nums = [as_number(field, v) for v in vals]
        if len(nums) != 10:
            raise ASMInputError(field, vals, "ten decile start values B1..B10")
        return cls(tuple(nums), inverse=inverse, topped_out=topped_out, scale=scale)

    @property
    def label(self) -> str:
        parts = [p for p in (f"Q{self.measure}" if self.measure else "", self.collection_type,
                             f"PY{self.performance_year}" if self.performance_year else "") if p]
        return " ".join(parts) or "user ladder"

    def describe(self, proxy_note: str = "") -> str:
        """What the points rest on: the label, a CMS placeholder flag, and for a packaged MIPS ladder of
        a measure ASM modifies, ``proxy_note`` (spec 8.1: the MIPS ladder is a labelled proxy)."""
        if self.source == "user":   # a ladder the user gave (spec 3.2): theirs, no MIPS proxy
            return f"your ladder {self.label}" + (f" ({self.note})" if self.note else "")
        text = self.label if self.measure else self.source
        extra = [e for e in ("CMS placeholder row" if self.placeholder else "",
                             proxy_note if self.measure else "") if e]
        return f"{text} ({'; '.join(extra)})" if extra else text


def ladder_from_rates(rates: Sequence[float] | np.ndarray, *, inverse: bool = False,
                      topped_out: bool = False, scale: float = 1.0, minimum_reporters: int = 1) -> Ladder | None:
    """Performance-year deciles from a cohort's own rates, as CMS's MIPS benchmark files do.

    Formula [MIPS, qpp-measures-data]::

        direct:  B1 = p1,  Bk = p(10k - 10)   for k = 2..10
        inverse: B1 = p99, Bk = p(110 - 10k)  for k = 2..10

    where p(q) is the q-th percentile (linear interpolation) of the rates, in ladder units
    (``rates * scale``). Blank (NaN) rates are ignored; at least one rate is needed.

    Fewer than ``minimum_reporters`` rates (``Settings.benchmark_minimum_reporters``, 20 as in MIPS)
    → None: no ladder, so nothing is scored on it [MIPS][spec 8.1]. One rate would otherwise make
    ten equal start values and 10 points for its reporter.
    """
    x = np.asarray(rates, dtype=float) * scale
    x = x[np.isfinite(x)]
    if x.size == 0:
        raise ASMInputError("rates", "no rates", "at least one rate to build cohort deciles from")
    if x.size < minimum_reporters:
        return None
    qs = np.array([1.0] + [10.0 * k - 10.0 for k in range(2, 11)])
    if inverse:
        qs = 100.0 - qs
    return Ladder(tuple(np.percentile(x, qs)), inverse=inverse, topped_out=topped_out, scale=scale,
                  source="cohort deciles")


class LadderOverrides:
    """User ladders that replace the table's: ``{measure or (measure, collection type): Ladder}``.

    A key with a collection type wins over a key with the measure alone.
    """

    def __init__(self, ladders: "dict | LadderOverrides | None" = None, errors: dict | None = None):
        self._by_key: dict[tuple[str, str | None], Ladder] = {}
        #: rows of the user's table refused, by the measure id they name (None: a row naming no ASM measure): a
        #: measure whose ladder cannot be known raises its error where it is looked up (:meth:`get`)
        self._errors: dict = dict(errors or {})
        if isinstance(ladders, LadderOverrides):   # e.g. quality_ladders' (the user's table)
            self._by_key.update(ladders._by_key)
            self._errors.update(ladders._errors)
            return
        for k, v in (ladders or {}).items():
            key = ((normalize_measure_id(k[0]), normalize_collection_type(k[1])) if isinstance(k, tuple)
                   else (normalize_measure_id(k), None))
            self._by_key[key] = v

    def get(self, measure_id: str, collection_type: str) -> Ladder | None:
        """The ladder given for a measure and collection type (a key with the type wins), else None; an
        :class:`ASMInputError` when a row of the table for that measure (or a row naming no measure) was refused."""
        if self._errors:
            error = self._errors.get(None) or self._errors.get(measure_id)
            if error is not None:   # a new error each time: the kept one raised again grew its traceback
                raise ASMInputError(error.field, error.value, error.allowed)
        return self._by_key.get((measure_id, collection_type)) or self._by_key.get((measure_id, None))

    def __len__(self) -> int:
        """How many ladders are given."""
        return len(self._by_key)

    def __bool__(self) -> bool:   # a table of refused rows only is not "no ladders"
        return bool(self._by_key or self._errors)

    @property
    def errors(self) -> dict:
        """The refused rows' errors by measure id (None: a row naming no ASM measure)."""
        return dict(self._errors)

    def items(self) -> list[tuple[tuple[str, str | None], Ladder]]:
        """``((measure id, collection type or None: every type), ladder)``, in the order given."""
        return list(self._by_key.items())

    def describe(self) -> str:
        """The ladders in words, for the notes that name the benchmarks in use ("" for none)::

            your ladders: Q236 (every collection type; CMS), Q008 eCQM
        """
        parts = []
        for (mid, ctype), lad in self._by_key.items():
            inside = "; ".join(p for p in ("" if ctype else "every collection type", lad.note) if p)
            parts.append(f"Q{mid}{' ' + ctype if ctype else ''}{f' ({inside})' if inside else ''}")
        return f"your ladder{'s' if len(parts) > 1 else ''}: {', '.join(parts)}" if parts else ""


class BenchmarkTable:
    """Ladders by (measure, collection type, performance year), e.g. the packaged MIPS table."""

    def __init__(self, ladders: Iterable[Ladder], source: str = ""):
        self._by_key: dict[tuple[str, str], dict[int, Ladder]] = {}
        for lad in ladders:
            self._by_key.setdefault((lad.measure, lad.collection_type), {})[lad.performance_year] = lad
        self.source = source
        #: every performance year with at least one ladder
        self.all_years = tuple(sorted({y for years in self._by_key.values() for y in years}))

    @classmethod
    def from_csv(cls, path_or_text, source: str = "") -> "BenchmarkTable":
        """Read a table in the format of the packaged ``mips_benchmarks_asm.csv``."""
        if hasattr(path_or_text, "read_text"):
            text = path_or_text.read_text("utf-8")
        else:
            with open(path_or_text, encoding="utf-8") as fh:
                text = fh.read()
        return cls(_parse_rows(csv.DictReader(text.splitlines())), source=source or str(path_or_text))

    def keys(self) -> list[tuple[str, str, int]]:
        return sorted((m, c, y) for (m, c), years in self._by_key.items() for y in years)

    def years(self, measure: object, collection_type: object) -> list[int]:
        key = (normalize_measure_id(measure), normalize_collection_type(collection_type))
        return sorted(self._by_key.get(key, {}))

    def find(self, measure: object, collection_type: object, year: object = None) -> Ladder | None:
        """The ladder as :meth:`lookup` finds it, or None when the table has none for that measure,
        collection type and year: the measure is then excluded, not an error (90 FR 49634) [spec 8.1].
        A year for which the table has no ladder at all (2024, 1999: a typo, or a year not packaged) is
        an input error naming the years it has, not every measure excluded."""
        mid = normalize_measure_id(measure)
        years = self._by_key.get((mid, normalize_collection_type(collection_type)))
        if not years:
            return None
        if is_blank(year) or year == 0:
            return years[max(years)]
        try:
            y = int(float(year))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return self.lookup(measure, collection_type, year)  # a bad year is an input error
        return years.get(self.check_year(y))

    def check_year(self, year: int) -> int:
        """``year`` when the table has ladders of that year; else an :class:`ASMInputError` naming the years
        it has (a typo, or a year not packaged: every measure excluded would hide it)."""
        if year not in self.all_years:
            raise ASMInputError("benchmark_year", year,
                                f"a year with benchmarks: {', '.join(map(str, self.all_years))}")
        return year

    def lookup(self, measure: object, collection_type: object, year: object = None) -> Ladder:
        """The ladder of a measure and collection type for a MIPS performance year.

        ``year`` None or 0 → the latest year available for that measure and collection type
        [ASSUMPTION 3.2]. A missing ladder is an error listing the ones that exist.
        """
        mid = normalize_measure_id(measure)
        ctype = normalize_collection_type(collection_type)
        years = self._by_key.get((mid, ctype))
        if not years:
            have = sorted({c for (m, c) in self._by_key if m == mid})
            allowed = (f"Q{mid} has benchmarks for {', '.join(have)}" if have else
                       f"measures with benchmarks: {', '.join(sorted({'Q' + m for m, _ in self._by_key}))}")
            raise ASMInputError("benchmark", f"Q{mid} {ctype}", allowed)
        if is_blank(year) or year == 0:
            return years[max(years)]
        try:
            y = int(float(year))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            y = None
        if y not in years:
            raise ASMInputError("benchmark_year", year,
                                f"Q{mid} {ctype} has benchmarks for {', '.join(map(str, sorted(years)))}")
        return years[y]


def _parse_rows(rows: Iterable[dict]) -> Iterable[Ladder]:
    for row in rows:
        inverse = row["is_inverse"].strip().lower() == "true"
        starts = [row[f"decile_{k}"].strip() for k in range(1, 11)]
        scale = 1.0 if row["metric_type"].strip() == "costScore" else 100.0
        if starts[0] == "":  # old 9-value format: B1 implied 0 (direct) / 100 (inverse) [spec 3.2]
            starts[0] = "100" if inverse else "0"
        yield Ladder(
            tuple(float(s) for s in starts),
            inverse=inverse,
            topped_out=row["is_topped_out_by_program"].strip().lower() == "true",
            scale=scale,
            measure=normalize_measure_id(row["measure_id"]),
            collection_type=normalize_collection_type(row["submission_method"]),
            performance_year=int(row["performance_year"]),
            source=row.get("source", ""),
            placeholder="placeholder" in row.get("notes", "").casefold(),
        )


@lru_cache(maxsize=1)
def packaged_benchmarks() -> BenchmarkTable:
    """The MIPS benchmark ladders shipped with asm-xl (PY2021, 2022, 2025, 2026) [MIPS]."""
    return BenchmarkTable.from_csv(resources.files("asm_xl.model").joinpath("data/mips_benchmarks_asm.csv"),
                                   source="CMS qpp-measures-data (MIPS benchmarks), packaged with asm-xl")


def benchmarks_note(benchmark_year: int = 0, table: BenchmarkTable | None = None,
                    ladders: LadderOverrides | None = None) -> str:
    """Which quality benchmarks score the measures, in words, where the figures are shown (the console's
    score, plan, generate and demo, the dashboard's assumptions): the spec's assumption 3.2 named where it is used.

    Rule [ASSUMPTION, spec 3.2]: until CMS publishes ASM's own benchmarks, a measure's points come from the
    MIPS ladder of its collection type for ``benchmark_year`` (0: the latest year the table has for it), of the
    cohorts' measures and collection types;
    a ladder CMS marked as a placeholder (PY2026 Q492, copied from PY2025) is named as one [spec 8.1]; the user's
    ``ladders`` (:func:`~asm_xl.model.user_ladders.quality_ladders`) replace those of their measures and are named.

    >>> benchmarks_note(2025)
    "Quality points: MIPS benchmark ladders of PY2025, benchmark_year 2025 (as set): a proxy until CMS publishes ASM's own [ASSUMPTION]."
    """
    table = table or packaged_benchmarks()
    taken = {(m.id, c): m.label for cohort in cohorts().values() for m in cohort.measures for c in m.collection_types}
    ladders = ladders or LadderOverrides()
    found = {key: table.find(key[0], key[1], benchmark_year or None) for key in taken
             if ladders.get(key[0], key[1]) is None}
    in_use = [lad for lad in dict.fromkeys(found.values()) if lad is not None]
    missing = [f"{taken[key]} {key[1]}" for key, lad in found.items() if lad is None]
    years = [lad.performance_year for lad in in_use]
    main = max(set(years), key=lambda y: (years.count(y), y)) if years else benchmark_year
    others = "; ".join(f"{lad.label.rsplit(' PY', 1)[0]}: PY{lad.performance_year}" for lad in in_use
                       if lad.performance_year != main)
    which = "the latest of each measure and collection type" if not benchmark_year else "as set"
    text = (f"Quality points: MIPS benchmark ladders of PY{main}{f' ({others})' if others else ''}, benchmark_year "
            f"{benchmark_year} ({which}): a proxy until CMS publishes ASM's own [ASSUMPTION]" if in_use or missing
            else "Quality points")
    placeholders = sorted({f"{lad.label.split()[0]} PY{lad.performance_year}" for lad in in_use if lad.placeholder})
    if placeholders:
        text += f"; {', '.join(placeholders)}: a CMS placeholder row (its points from CMS's report are better)"
    if missing:   # no ladder that year: excluded [spec 8.1], which the note did not say
        text += f"; no ladder that year, so excluded: {', '.join(missing)}"
    if ladders:
        text += f"; for their measures {ladders.describe()}" if in_use or missing else f": {ladders.describe()}"
    return text + "."
