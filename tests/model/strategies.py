"""Hypothesis strategies for participants and cohorts, plus the roster-row → Participant bridge.

A "row" is a dict of roster columns (asm_xl.model.columns), the cohort API's input; ``row_to_participant``
turns the same row into the scalar API's ``Participant`` so both APIs can be compared on it.

Generated rows are always valid input (no ASMInputError): every measure with enough complete cases
has a rate or entered points, every participant has cost points, fractions are in [0, 1].
"""

from __future__ import annotations

import math

import pandas as pd
from hypothesis import strategies as st

from asm_xl import MeasureInput, Participant
from asm_xl.model.benchmarks import packaged_benchmarks
from asm_xl.model.identifiers import npi_check_digit
from asm_xl.model.parameters import get_cohort, performance_years

COHORT_CODES = ("HF", "LBP")
YEARS = performance_years()  # 2027..2031


def _boundary_fractions() -> list[float]:
    """Decile start values of the packaged proportion ladders as fractions (0.5556, 0.72, ...):
    rates exactly on a boundary, where binary floating point is most likely to bite."""
    out = set()
    table = packaged_benchmarks()
    for m, c, y in table.keys():
        lad = table.lookup(m, c, y)
        if lad.scale == 100.0:
            out.update(round(b / 100.0, 6) for b in lad.starts)
    return sorted(x for x in out if 0.0 <= x <= 1.0)


BOUNDARY_FRACTIONS = _boundary_fractions()

fractions = st.one_of(st.floats(0.0, 1.0, allow_nan=False), st.sampled_from(BOUNDARY_FRACTIONS))
points_0_10 = st.one_of(st.floats(0.0, 10.0, allow_nan=False), st.sampled_from([0.0, 1.0, 5.5, 7.0, 10.0]))
payments = st.one_of(st.floats(1_000.0, 2_000_000.0, allow_nan=False),
                     st.sampled_from([0.0, 250_000.0, 1_000_000.0]))


@st.composite
def measure_columns(draw, measure) -> dict:
    """The roster columns of one measure (possibly none: not reported)."""
    k = measure.key
    if measure.administrative_claims_only:  # Q492: CMS computes the rate in native units
        mode = draw(st.sampled_from(["none", "rate", "rate_and_cases", "points"]))
        rate = draw(st.one_of(st.floats(55.0, 85.0, allow_nan=False), st.sampled_from([60.42, 73.26, 78.62])))
        if mode == "none":
            return {}
        if mode == "rate":
            return {f"{k}_rate": rate}
        if mode == "points":
            return {f"{k}_eligible": draw(st.integers(0, 200)), f"{k}_points": draw(points_0_10)}
        return {f"{k}_eligible": draw(st.integers(0, 200)), f"{k}_rate": rate}
    mode = draw(st.sampled_from(["none", "cases", "cases", "completeness_points"]))
    if mode == "none":
        return {}
    eligible = draw(st.one_of(st.integers(0, 400), st.sampled_from([19, 20, 21])))
    cols = {f"{k}_eligible": eligible,
            f"{k}_collection_type": draw(st.one_of(st.none(), st.sampled_from(measure.collection_types)))}
    if mode == "cases":
        reported = draw(st.integers(0, eligible))
        cols[f"{k}_reported"] = reported
        cols[f"{k}_rate"] = draw(fractions)
    else:
        cols[f"{k}_completeness"] = draw(st.one_of(fractions, st.sampled_from([0.74, 0.75, 0.76])))
        cols[f"{k}_points"] = draw(points_0_10)
    return cols


@st.composite
def participant_rows(draw, cohort: str | None = None, performance_year: int | None = None,
                     flags: bool = False) -> dict:
    """One valid roster row; ``flags``: also CMS's small-practice flag and the exception flags."""
    code = cohort or draw(st.sampled_from(COHORT_CODES))
    row = {
        "cohort": code,
        "performance_year": performance_year or draw(st.sampled_from(YEARS)),
        "practice_size": draw(st.one_of(st.integers(1, 60), st.sampled_from([1, 2, 15, 16]))),
        "part_b_payments": draw(payments),
        "cost_episodes": draw(st.one_of(st.integers(0, 80), st.sampled_from([19, 20]))),
        "cost_points": draw(st.floats(1.0, 10.0, allow_nan=False)),
        "ia_done": draw(st.integers(0, 2)),
        "pi_score": draw(fractions),
        "complex_bonus": draw(st.one_of(st.just(0.0), st.floats(0.0, 10.0, allow_nan=False))),
        "submitted_on_time": draw(st.sampled_from([True] * 9 + [False])),
    }
    if flags:
        row["small_practice"] = draw(st.sampled_from([None, None, True, False]))
        if row["small_practice"] is not None and draw(st.booleans()):
            row["practice_size"] = None   # CMS's flag decides the bonus [spec 8.1]: a blank size is not solo
        row["euc_exception"] = draw(st.sampled_from([False] * 6 + [True]))
        row["payment_exception"] = draw(st.sampled_from([False] * 6 + [True]))
    for m in get_cohort(code).measures:
        row.update(draw(measure_columns(m)))
    return row


@st.composite
def cohort_frames(draw, min_size: int = 1, max_size: int = 25, one_year: bool = True,
                  flags: bool = False) -> pd.DataFrame:
    """A roster DataFrame of HF and LBP participants (one performance year unless ``one_year`` is False,
    so that pools have several members)."""
    year = draw(st.sampled_from(YEARS)) if one_year else None
    rows = draw(st.lists(participant_rows(performance_year=year, flags=flags), min_size=min_size, max_size=max_size))
    df = pd.DataFrame(rows)
    df.insert(0, "npi", [f"{100_000_000 + i:09d}" + str(npi_check_digit(f"{100_000_000 + i:09d}")) for i in range(len(df))])
    return df


def _blank(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def row_to_participant(row: dict) -> Participant:
    """The same participant for the scalar API (blank/NaN cells → not given)."""
    def get(name, default=None):
        v = row.get(name)
        return default if _blank(v) else v

    cohort = get_cohort(row["cohort"])
    measures = []
    for m in cohort.measures:
        fields = {f: get(f"{m.key}_{f}") for f in ("collection_type", "eligible", "reported", "rate", "points",
                                                   "completeness")}
        if all(v is None for v in fields.values()):
            continue
        measures.append(MeasureInput(m.label, fields["collection_type"], eligible_cases=fields["eligible"],
                                     reported_cases=fields["reported"], rate=fields["rate"],
                                     points=fields["points"], completeness=fields["completeness"]))
    return Participant(cohort=row["cohort"], performance_year=row["performance_year"],
                       practice_size=row["practice_size"], ia_done=row["ia_done"], pi_score=row["pi_score"],
                       part_b_payments=row["part_b_payments"], cost_episodes=get("cost_episodes"),
                       cost_points=get("cost_points"), complex_bonus=get("complex_bonus", 0.0),
                       submitted_on_time=get("submitted_on_time", True), npi=str(get("npi", "")),
                       small_practice=get("small_practice"), euc_exception=get("euc_exception", False),
                       payment_exception=get("payment_exception", False),
                       measures=tuple(measures))


def _asm_ladder_keys() -> list[tuple]:
    """(measure, its collection types) of every ASM measure, for user ladder rows."""
    from asm_xl.model.parameters import cohorts
    return [(m, m.collection_types) for c in cohorts().values() for m in c.measures]


@st.composite
def user_ladder_rows(draw, min_size: int = 0, max_size: int = 3, every: bool = False) -> list[list]:
    """Rows of a user's quality ladder table (asm_xl.model.user_ladders.QUALITY_LADDER_COLUMNS), each a valid
    ladder: an ASM measure, one of its collection types or blank (every type), ten decile start values in the
    measure's direction (percent 2-100 for a proportion measure, 40-90 for Q492's native units), topped out or
    not, a source; no measure and collection type twice. ``every``: a ladder for every ASM measure (blank
    collection type) first, then the others drawn."""
    keys = _asm_ladder_keys()
    picks = [(m, "") for m, _ in keys] if every else []
    for _ in range(draw(st.integers(min_size, max_size))):
        m, ctypes = draw(st.sampled_from(keys))
        picks.append((m, draw(st.sampled_from(("",) + tuple(ctypes)))))
    rows, seen = [], set()
    for m, ctype in picks:
        if (m.id, ctype) in seen:
            continue
        seen.add((m.id, ctype))
        lo, hi = (2.0, 100.0) if m.proportion else (40.0, 90.0)
        starts = sorted(draw(st.lists(st.floats(lo, hi, allow_nan=False).map(lambda x: round(x, 2)),
                                      min_size=10, max_size=10)), reverse=m.inverse)
        rows.append([m.label, ctype, draw(st.sampled_from(["", "Yes", "No"])), draw(st.sampled_from(["", "CMS"])),
                     *starts])
    return rows
