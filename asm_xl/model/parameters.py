"""Model parameters as data: the year schedule and the two cohorts with their measures.

Everything here is read from ``asm_xl/model/data/model_parameters.json`` so that a cohort's measure list
(the LBP list will grow) or a year's risk level changes without code changes.

Sources: the performance years, payment year = PY + 2 and the risk levels [CMS] (see :func:`risk_level`);
cohorts, specialties and measures [REG][CMS].
"""

from __future__ import annotations

import difflib

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from asm_xl.model.errors import ASMInputError
from asm_xl.model.validation import FRACTION_ALLOWED, as_whole, is_blank

__all__ = [
    "collection_types_text",
    "Measure",
    "Cohort",
    "YearParameters",
    "cohorts",
    "get_cohort",
    "cohort_of_specialty",
    "resolve_cohort",
    "year_parameters",
    "risk_level",
    "payment_year",
    "performance_years",
    "normalize_measure_id",
    "ExchangeFunction",
    "exchange_function",
]


@dataclass(frozen=True)
class Measure:
    """One quality measure of a cohort.

    ``id`` is the three-digit MIPS measure number as a string ("008"); ``key`` ("q008") prefixes
    the measure's roster columns. ``proportion`` measures take rates as fractions (70% = 0.70);
    others (Q492) take native units, as the benchmark file states them.
    """

    id: str
    title: str
    collection_types: tuple[str, ...]
    inverse: bool
    proportion: bool
    unit: str = "fraction"
    #: what a packaged MIPS ladder of this measure is worth in ASM (e.g. Q492: a labelled proxy) [spec 8.1]
    benchmark_note: str = ""

    @property
    def key(self) -> str:
        return f"q{self.id}"

    @property
    def label(self) -> str:
        return f"Q{self.id}"

    @property
    def rate_allowed(self) -> str:
        """What a rate of this measure may be, for an error message (names the unit)."""
        if self.proportion:
            return FRACTION_ALLOWED
        return f"a number >= 0 in {self.unit}, no % sign (72.4 as the benchmark file states it)"

    @property
    def administrative_claims_only(self) -> bool:
        """Computed by CMS from claims: complete by definition [CMS]."""
        return self.collection_types == ("Administrative claims",)


@dataclass(frozen=True)
class Cohort:
    """A cohort (HF, LBP): its specialties, cost measure and quality measures [REG][CMS]."""

    code: str
    name: str
    specialties: tuple[str, ...]
    cost_measure_id: str
    cost_measure_title: str
    measures: tuple[Measure, ...]

    def measure(self, measure_id: object) -> Measure:
        mid = normalize_measure_id(measure_id)
        for m in self.measures:
            if m.id == mid:
                return m
        raise ASMInputError(
            "measure",
            measure_id,
            f"the {self.code} cohort's measures are {', '.join(m.label for m in self.measures)}",
        )


@dataclass(frozen=True)
class YearParameters:
    """A performance year, its payment year (PY + 2) and risk level r [CMS]."""

    performance_year: int
    payment_year: int
    risk_level: float


@lru_cache(maxsize=1)
def _raw() -> dict:
    text = resources.files("asm_xl.model").joinpath("data/model_parameters.json").read_text("utf-8")
    return json.loads(text)


@lru_cache(maxsize=1)
def cohorts() -> dict[str, Cohort]:
    """All cohorts by code ("HF", "LBP") [REG][CMS]."""
    out = {}
    for c in _raw()["cohorts"]:
        measures = tuple(
            Measure(
                id=normalize_measure_id(m["id"]),
                title=m["title"],
                collection_types=tuple(m["collection_types"]),
                inverse=bool(m["inverse"]),
                proportion=bool(m["proportion"]),
                unit=m.get("unit", "fraction" if m["proportion"] else "native"),
                benchmark_note=m.get("benchmark_note", ""),
            )
            for m in c["measures"]
        )
        out[c["code"]] = Cohort(
            code=c["code"],
            name=c["name"],
            specialties=tuple(c["specialties"]),
            cost_measure_id=c["cost_measure"]["id"],
            cost_measure_title=c["cost_measure"]["title"],
            measures=measures,
        )
    return out


def get_cohort(code: object) -> Cohort:
    """The cohort for a code or name ("HF", "hf", "Heart failure", "LBP", "Low back pain")."""
    text = str(code).strip().casefold() if code is not None else ""
    for c in cohorts().values():
        if text in (c.code.casefold(), c.name.casefold()):
            return c
    raise ASMInputError("cohort", code, f"one of {', '.join(cohorts())}")


@lru_cache(maxsize=64)
def _specialty_index() -> dict[str, str]:
    return {s.casefold(): c.code for c in cohorts().values() for s in c.specialties}


def cohort_of_specialty(specialty: object) -> Cohort:
    """The cohort a specialty belongs to: cardiology → HF; the six LBP specialties → LBP [CMS]."""
    code = _specialty_index().get(str(specialty).strip().casefold()) if specialty is not None else None
    if code is None:
        allowed = "; ".join(f"{c.code}: {', '.join(c.specialties)}" for c in cohorts().values())
        names = [s for c in cohorts().values() for s in c.specialties]
        close = difflib.get_close_matches(str(specialty).strip().casefold(), [n.casefold() for n in names], n=1,
                                          cutoff=0.6) if specialty is not None else []
        hint = f"; did you mean {names[[n.casefold() for n in names].index(close[0])]!r}?" if close else ""
        raise ASMInputError("specialty", specialty, f"an ASM specialty ({allowed}){hint}")
    return cohorts()[code]


def resolve_cohort(cohort: object, specialty: object = None) -> Cohort:
    """The cohort a participant is scored in [CMS]: the cohort given, else the one its Medicare specialty
    belongs to (cardiology: HF; the six LBP specialties: LBP); a specialty of another cohort than the
    one given is an error, as is neither. The Inputs sheet's "Cohort scored" cell (``ASM_COHORT``)
    and every roster row (:func:`~asm_xl.model.cohort_checks.cohort_codes`, once per distinct pair) are
    resolved by this.

    >>> resolve_cohort("", "Cardiology").code, resolve_cohort("LBP").code
    ('HF', 'LBP')
    """
    if is_blank(cohort) and is_blank(specialty):
        raise ASMInputError("cohort", None, "a cohort (HF, LBP) or an ASM specialty")
    if is_blank(cohort):
        return cohort_of_specialty(specialty)
    found = get_cohort(cohort)
    if not is_blank(specialty) and cohort_of_specialty(specialty).code != found.code:
        raise ASMInputError("specialty", specialty, f"a specialty of the {found.code} cohort: "
                            + ", ".join(found.specialties))
    return found


@lru_cache(maxsize=1)
def _years() -> dict[int, YearParameters]:
    return {
        int(y["performance_year"]): YearParameters(
            int(y["performance_year"]), int(y["payment_year"]), float(y["risk_level"])
        )
        for y in _raw()["years"]
    }


def performance_years() -> tuple[int, ...]:
    """The model's performance years [CMS] (``model_parameters.json``).

    >>> performance_years()
    (2027, 2028, 2029, 2030, 2031)
    """
    return tuple(sorted(_years()))


def year_parameters(performance_year: object) -> YearParameters:
    """Payment year and risk level of a performance year [CMS]."""
    years = performance_years()
    allowed = f"a performance year {years[0]}-{years[-1]}"
    py = as_whole("performance_year", performance_year, allowed=allowed)
    if py not in _years():
        raise ASMInputError("performance_year", performance_year, allowed)
    return _years()[py]


def risk_level(performance_year: object) -> float:
    """Risk level r of a performance year [CMS] (``model_parameters.json``).

    >>> {year: f"{risk_level(year):.0%}" for year in performance_years()}
    {2027: '9%', 2028: '9%', 2029: '10%', 2030: '11%', 2031: '12%'}
    """
    return year_parameters(performance_year).risk_level


def payment_year(performance_year: object) -> int:
    """Payment year = performance year + 2 [CMS]."""
    return year_parameters(performance_year).payment_year


@dataclass(frozen=True)
class ExchangeFunction:
    """k and m of the logistic exchange function as CMS published them for a cohort and year (either
    may be None: not published), with the source."""

    steepness: float | None
    midpoint: float | None
    source: str


def exchange_function(cohort: object, performance_year: object) -> ExchangeFunction | None:
    """The published exchange function of a cohort and performance year (data: ``exchange_function`` of
    ``model_parameters.json``; an entry without a year holds for every year, a year's entry wins), or
    None while CMS has not published it [CMS]; the settings' k and m are used then [ASSUMPTION]."""
    code, year = get_cohort(cohort).code, year_parameters(performance_year).performance_year
    found = None
    for e in _raw().get("exchange_function", []):
        if get_cohort(e["cohort"]).code != code or e.get("performance_year") not in (None, year):
            continue
        if found is None or e.get("performance_year") is not None:
            found = e
    if found is None:
        return None
    k, m = found.get("steepness"), found.get("midpoint")
    return ExchangeFunction(None if k is None else float(k), None if m is None else float(m),
                            str(found.get("source", "CMS")))


def normalize_measure_id(measure: object) -> str:
    """"Q236", "q236", "236", 236 or 236.0 → "236"; "8" → "008" (MIPS measure numbers)."""
    if isinstance(measure, bool) or measure is None:
        raise ASMInputError("measure", measure, 'a MIPS measure number such as "Q236", "236" or 236')
    if isinstance(measure, float):
        if not measure.is_integer():
            raise ASMInputError("measure", measure, 'a MIPS measure number such as "Q236", "236" or 236')
        measure = int(measure)
    text = str(measure).strip().upper()
    if text.startswith("Q"):
        text = text[1:]
    if text.endswith(".0"):
        text = text[:-2]
    if not text.isdigit() or len(text) > 3:
        raise ASMInputError("measure", measure, 'a MIPS measure number such as "Q236", "236" or 236')
    return text.zfill(3)


def collection_types_text() -> str:
    """How ASM collects its measures, from the model data, measures collected alike named together.

    >>> collection_types_text().split("; ")[0]
    'Q492 Administrative claims'
    """
    by_types: dict[tuple, list[str]] = {}
    for cohort in cohorts().values():
        for m in cohort.measures:
            by_types.setdefault(tuple(m.collection_types), []).append(f"Q{m.id}")
    return "; ".join(f"{'/'.join(ids)} {' or '.join(types)}" for types, ids in by_types.items())
