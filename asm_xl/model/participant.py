"""The scalar API: score one physician (a TIN/NPI participant) and explain every number.

>>> from asm_xl import Participant, MeasureInput, score_participant
>>> p = Participant(cohort="HF", performance_year=2027, practice_size=40, ia_done=2, pi_score=1.0,
...                 part_b_payments=250_000, cost_episodes=30, cost_points=8,
...                 measures=[MeasureInput("Q236", "eCQM", eligible_cases=100, reported_cases=90, rate=0.72)])
>>> s = score_participant(p)   # Q236: 72% on the PY2026 eCQM ladder = 7 points; 3 measures unreported
>>> round(s.quality, 4), round(s.final_score, 4)
(0.175, 48.75)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from asm_xl.model import adjustments, categories, exceptions, final_score as final_mod, payment
from asm_xl.model.benchmarks import BenchmarkTable, Ladder, LadderOverrides, normalize_collection_type, packaged_benchmarks
from asm_xl.model.categories import MeasureStatus
from asm_xl.model.errors import ASMInputError
from asm_xl.model.parameters import Measure, resolve_cohort, year_parameters
from asm_xl.model.points import cap_bites, points_on_ladder
from asm_xl.model.pool_choice import resolve_point
from asm_xl.model.pool_warnings import pool_warnings
from asm_xl.model.settings import DEFAULT_SETTINGS, Settings
from asm_xl.model.validation import (DOLLARS_ALLOWED, MAX_DOLLARS, NATIVE_RATE_ALLOWED, as_bool, as_count, as_fraction, as_number,
                                     as_whole, is_blank)

__all__ = ["MeasureInput", "Participant", "MeasureScore", "ParticipantScore", "score_participant",
           "measure_points", "score_measure", "score_measure_not_given"]


@dataclass(frozen=True)
class MeasureInput:
    """One quality measure as reported.

    ``rate`` is a fraction for proportion measures (native units for Q492). Give either
    ``reported_cases`` or ``completeness``. ``points`` (0-10, e.g. from a CMS feedback report)
    replaces scoring ``rate`` against a benchmark. A measure with no eligible cases, rate or points
    given counts as not reported.
    """

    measure: object
    collection_type: object = None
    eligible_cases: object = None
    reported_cases: object = None
    rate: object = None
    points: object = None
    completeness: object = None


@dataclass(frozen=True, kw_only=True)
class Participant:
    """One participant's inputs. ``cohort`` may be omitted when ``specialty`` says it.

    ``part_b_payments`` is the dollar base: the Medicare paid amount for physician fee schedule
    covered professional services billed by the TIN/NPI in the payment year [REG 512.750(a)].
    ``small_practice`` (CMS's flag) decides the small-practice bonus when given; ``practice_size``
    then only tells solo from small. ``euc_exception`` / ``payment_exception``: neutral factor 0
    while the setting ``exceptions_neutral`` is Yes (:mod:`asm_xl.model.exceptions`) [ASSUMPTION].
    """

    performance_year: object
    practice_size: object
    ia_done: object
    pi_score: object
    cohort: object = None
    specialty: object = None
    measures: Sequence[MeasureInput] = ()
    cost_episodes: object = None
    episode_cost: object = None
    cost_points: object = None
    complex_bonus: object = 0.0
    part_b_payments: object = 0.0
    submitted_on_time: object = True
    small_practice: object = None      #: CMS's small-practice flag (yes/no); None = from practice_size
    euc_exception: object = False      #: extreme and uncontrollable circumstances (§ 512.780) [ASSUMPTION]
    payment_exception: object = False  #: payment exception (§ 512.750(f)) [ASSUMPTION]
    npi: str = ""
    tin: str = ""
    name: str = ""


@dataclass(frozen=True)
class MeasureScore:
    """What happened to one measure: completeness, cases, points that count, status, benchmark."""

    measure: str
    collection_type: str
    eligible_cases: int | None
    completeness: float | None
    rate: float | None
    points: float           #: points that count (0 when not scored; score_cohort's table: blank when excluded)
    status: int             #: a MeasureStatus code
    benchmark: str          #: which ladder (or "entered"; "none": no benchmark, excluded)
    status_note: str = ""   #: e.g. the topped-out cap lowered the points [ASSUMPTION]

    @property
    def status_text(self) -> str:
        return MeasureStatus.LABELS[self.status] + self.status_note


@dataclass(frozen=True)
class ParticipantScore:
    """Every number of the annual performance report, with what it rests on."""

    cohort: str
    performance_year: int
    payment_year: int
    measures: tuple[MeasureScore, ...]
    quality: float | None
    cost_points: float | None
    cost: float | None
    quality_weight: float | None
    cost_weight: float | None
    ia_adjustment: float
    pi_adjustment: float
    complex_bonus: float
    practice_bonus: float
    minimum_submission_met: bool
    final_score: float | None
    tfs: float | None
    risk_level: float
    scaling_factor: float
    factor: float | None
    multiplier: float | None
    part_b_payments: float
    dollar_impact: float | None
    notes: tuple[str, ...] = field(default_factory=tuple)


def measure_points(measure: object, collection_type: object, rate: object, year: object = None, *,
                   benchmarks: BenchmarkTable | None = None, settings: Settings = DEFAULT_SETTINGS) -> float:
    """Points of one measure's rate on its benchmark ladder (see :func:`asm_xl.model.points.points_on_ladder`)."""
    ladder = (benchmarks or packaged_benchmarks()).lookup(measure, collection_type, year or settings.benchmark_year)
    return float(points_on_ladder(_rate_value("rate", rate, ladder.scale == 100.0), ladder,
                                  cap=settings.topped_out_cap, decimals=settings.measure_points_decimals))


def _rate_value(field_name: str, value: object, proportion: bool) -> float:
    if proportion:
        return as_fraction(field_name, value)
    return as_number(field_name, value, minimum=0.0, allowed=NATIVE_RATE_ALLOWED)


def score_measure(m: Measure, mi: MeasureInput, ladder_for, settings: Settings = DEFAULT_SETTINGS) -> MeasureScore:
    """One measure's collection type, completeness, eligible cases, status and points (spec 3) [REG][CMS].

    The one kernel for a measure row: :func:`score_participant` and the workbook's ``ASM_MEASURE``
    cells both call it. Blank collection type = the measure's first; completeness as entered, else
    reported / eligible (:func:`~asm_xl.model.categories.effective_measure_inputs`); status from
    :func:`~asm_xl.model.categories.measure_status`; points from ``ladder_for(m, collection_type)``
    or entered, counted only when the status is SCORED. ``ladder_for`` returning None means there is
    no benchmark: the measure is excluded (NO_BENCHMARK), not an error and not 10 points (90 FR
    49634) [spec 8.1]. When the topped-out cap lowers the points the status says so [ASSUMPTION].
    """
    f = m.key
    ctype = m.collection_types[0] if is_blank(mi.collection_type) else normalize_collection_type(
        mi.collection_type, f"{f}_collection_type")
    if ctype not in m.collection_types:
        raise ASMInputError(f"{f}_collection_type", mi.collection_type,
                            f"{m.label} is collected as {', '.join(m.collection_types)}")
    admin = ctype == "Administrative claims"
    eligible = None if is_blank(mi.eligible_cases) else as_count(f"{f}_eligible", mi.eligible_cases)
    rate = None if is_blank(mi.rate) else _rate_value(f"{f}_rate", mi.rate, m.proportion)
    entered = None if is_blank(mi.points) else as_number(f"{f}_points", mi.points, minimum=0.0, maximum=10.0)
    completeness = None if admin or is_blank(mi.completeness) else as_fraction(
        f"{f}_completeness", mi.completeness)
    reported = None
    if not admin and completeness is None and not is_blank(mi.reported_cases):
        reported = as_count(f"{f}_reported", mi.reported_cases)
        if eligible is None:
            raise ASMInputError(f"{f}_eligible", mi.eligible_cases, f"eligible cases, needed with {f}_reported")
        if reported > eligible:
            raise ASMInputError(f"{f}_reported", mi.reported_cases, f"at most {f}_eligible ({eligible})")
    nan = float("nan")
    comp, elig, reported_any, taken = (x.item() for x in categories.effective_measure_inputs(
        nan if eligible is None else eligible, nan if reported is None else reported,
        nan if completeness is None else completeness, nan if rate is None else rate,
        nan if entered is None else entered, admin, settings=settings))
    status = int(categories.measure_status(comp, elig, admin, reported=reported_any, settings=settings))
    completeness = comp if (reported_any or admin) else None
    eligible = int(elig) if reported_any else eligible
    points, source, note = 0.0, "", ""
    if status == MeasureStatus.SCORED:
        if entered is not None:
            points, source = entered, "entered"
        elif rate is None:
            raise ASMInputError(f"{f}_rate", mi.rate, f"a rate for {m.label}: it is complete with enough cases")
        elif (ladder := ladder_for(m, ctype)) is None:
            status, source = int(categories.benchmark_status(status, False)), "none"
        else:
            points = float(points_on_ladder(rate, ladder, cap=settings.topped_out_cap,
                                            decimals=settings.measure_points_decimals))
            source = ladder.describe(m.benchmark_note)
            note = categories.user_ladder_note(ladder)
            if cap_bites(rate, ladder, cap=settings.topped_out_cap):
                note += categories.capped_note(settings)
            if not m.proportion and rate <= categories.FRACTION_LIKE:
                note += categories.fraction_like_note(m.unit)
    if taken:
        note += categories.cases_taken_note(settings)
    return MeasureScore(m.label, ctype, eligible, completeness, rate, points, status, source, note)


def score_measure_not_given(m: Measure, ladder_for, settings: Settings = DEFAULT_SETTINGS) -> MeasureScore:
    """A measure of the cohort that is not given at all, scored as one with nothing entered [CMS][ASSUMPTION]::

        status = NOT_REPORTED    0 points, stays in the denominator [CMS]
               = NOT_AVAILABLE   an administrative-claims measure (its first collection type) when
                                 unreported_admin_claims_excluded: excluded [ASSUMPTION]

    (:func:`~asm_xl.model.categories.measure_status` with ``reported`` False, through
    :func:`score_measure`). The one rule for a measure left out: :func:`score_participant` and the
    workbook's ``ASM_QUALITY`` (a cohort measure not on the Inputs sheet's measure table) call it.
    """
    return score_measure(m, MeasureInput(m.id), ladder_for, settings)


def score_participant(p: Participant, *, settings: Settings = DEFAULT_SETTINGS,
                      benchmarks: BenchmarkTable | None = None, ladders: dict | None = None,
                      cost_ladder: Ladder | None = None, scaling_factor: float | None = None,
                      tfs_midpoint: float | None = None) -> ParticipantScore:
    """Score one participant end to end (spec 3-8).

    Parameters
    ----------
    p : Participant
    settings : Settings
        Rule constants and assumptions.
    benchmarks : BenchmarkTable, optional
        Ladders by measure/collection type/year; default the packaged MIPS table.
    ladders : dict, optional
        ``{measure id or (measure id, collection type): Ladder}`` overriding the table.
    cost_ladder : Ladder, optional
        Needed when ``episode_cost`` is given instead of ``cost_points``.
    scaling_factor : float, optional
        The cohort's SF (e.g. from CMS's report); default: the pool in force's (``settings.pool``: the
        national peer model's median, or the given one;
        :func:`asm_xl.model.pool_choice.reference_point`) [ASSUMPTION].
    tfs_midpoint : float, optional
        m of the exchange function. With a given SF (this argument or a 'given' pool) the rule of
        :func:`asm_xl.model.pool_choice.given_point`: this m, else ``given_midpoint``, else
        ``tfs_midpoint`` in fixed or either mode; in cohort_median mode a given SF needs its cohort's midpoint
        (an error). ``notes`` say where SF and m came from.

    Raises
    ------
    ASMInputError
        For the first bad input, naming the field, the value and what is allowed.
    """
    cohort = resolve_cohort(p.cohort, p.specialty)
    years = year_parameters(p.performance_year)
    table = benchmarks or packaged_benchmarks()
    overrides = LadderOverrides(ladders)

    def ladder_for(m: Measure, ctype: str) -> Ladder:
        return overrides.get(m.id, ctype) or table.find(m.id, ctype, settings.benchmark_year)

    given = {}
    for mi in p.measures:
        m = cohort.measure(mi.measure)
        if m.id in given:
            raise ASMInputError("measure", mi.measure, f"each measure once ({m.label} is given twice)")
        given[m.id] = mi
    scores = tuple(score_measure(m, given[m.id], ladder_for, settings) if m.id in given
                   else score_measure_not_given(m, ladder_for, settings) for m in cohort.measures)
    status = np.array([s.status for s in scores])
    quality = float(categories.quality_category(np.array([s.points for s in scores]), status))
    completeness = np.array([s.completeness if s.completeness is not None else 0.0 for s in scores])
    admin = np.array([s.collection_type == "Administrative claims" for s in scores])
    # blank: on time, as the cohort API and ASM_MIN_SUBMISSION read it (a blank read as "late" gave this API
    # alone a final score of 0)
    on_time = True if is_blank(p.submitted_on_time) else as_bool("submitted_on_time", p.submitted_on_time)
    min_met = bool(categories.minimum_submission_met(completeness, admin, on_time, settings=settings))

    episodes = None if is_blank(p.cost_episodes) else as_count("cost_episodes", p.cost_episodes)
    if episodes is None and not (is_blank(p.cost_points) and is_blank(p.episode_cost)):
        raise ASMInputError("cost_episodes", p.cost_episodes,
                            "required with cost_points or episode_cost: EBCM episodes (a whole number >= 0)")
    cost_pts = _cost_points(p, episodes, cost_ladder, settings)
    cost = float(categories.cost_category(cost_pts if cost_pts is not None else np.nan,
                                          episodes if episodes is not None else 0, settings=settings))

    ia_done = as_whole("ia_done", p.ia_done, minimum=0, maximum=2,
                       allowed="0, 1 or 2 improvement activities completed")
    pi = as_fraction("pi_score", p.pi_score)
    bonus = as_number("complex_bonus", p.complex_bonus, minimum=0.0, maximum=settings.complex_bonus_max)
    # CMS's flag decides the bonus [spec 8.1]: with it, a blank size means "not solo" (practice_size_bonus)
    size = (np.nan if is_blank(p.practice_size) and not is_blank(p.small_practice) else
            as_whole("practice_size", p.practice_size, minimum=1, allowed="a whole number of clinicians >= 1" + (
                " (blank only with CMS's small_practice flag)" if is_blank(p.practice_size) else "")))
    payments = as_number("part_b_payments", p.part_b_payments, minimum=0.0, maximum=MAX_DOLLARS,
                         allowed=DOLLARS_ALLOWED)

    ia = float(adjustments.ia_adjustment(ia_done, settings=settings))
    pia = float(adjustments.pi_adjustment(pi, settings=settings))
    small = np.nan if is_blank(p.small_practice) else float(as_bool("small_practice", p.small_practice))
    practice = float(adjustments.practice_size_bonus(size, small, settings=settings))
    euc, payx = (False if is_blank(v) else as_bool(n, v) for n, v in
                 (("euc_exception", p.euc_exception), ("payment_exception", p.payment_exception)))
    wq, wc = (float(x) for x in final_mod.category_weights(not np.isnan(quality), not np.isnan(cost),
                                                           settings=settings))
    final = float(final_mod.final_score(quality, cost, ia, pia, bonus, practice, min_met, settings=settings))

    point = resolve_point(cohort.code, years.performance_year, settings,
                          scaling_factor=None if scaling_factor is None else as_number(
                              "scaling_factor", scaling_factor, minimum=0.0),
                          midpoint=None if tfs_midpoint is None else as_number(
                              "tfs_midpoint", tfs_midpoint, minimum=0.0, maximum=100.0))
    sf = point.scaling_factor
    notes = _notes(quality, cost, min_met, final, point.source, scaling_factor is None, settings)
    if scaling_factor is None:   # what to check about the pool in force, as the cohort API warns it
        notes += tuple(f"Warning: {w}." for w in pool_warnings(cohort.code, years.performance_year, settings))
    if euc or payx:
        notes += (exceptions.exception_note(euc, payx, settings),)
    if cost_pts is None and not is_blank(p.episode_cost) and categories.enough_episodes(episodes or 0, settings=settings):
        notes += (categories.no_cost_ladder_note(settings),)
    if episodes is not None and categories.too_few_episodes(episodes, settings=settings):
        notes += (f"Cost: {categories.few_episodes_note(episodes, settings)}.",)
    r = years.risk_level
    if np.isnan(final):
        tfs = factor = impact = multiplier = None
    else:
        tfs = float(payment.transformed_final_score(final, midpoint=point.midpoint, steepness=point.steepness,
                                                    settings=settings))
        factor = float(exceptions.neutral_factor(payment.adjustment_factor(final, tfs, r, sf, settings=settings),
                                                 exceptions.excepted(euc, payx, settings=settings)))
        multiplier = float(payment.payment_multiplier(factor))
        impact = float(payment.dollar_impact(factor, payments))
    return ParticipantScore(
        cohort=cohort.code, performance_year=years.performance_year, payment_year=years.payment_year,
        measures=scores, quality=_opt(quality), cost_points=cost_pts if not np.isnan(cost) else None,
        cost=_opt(cost), quality_weight=_opt(wq), cost_weight=_opt(wc), ia_adjustment=ia,
        pi_adjustment=pia, complex_bonus=bonus, practice_bonus=practice, minimum_submission_met=min_met,
        final_score=_opt(final), tfs=tfs, risk_level=r, scaling_factor=sf, factor=factor,
        multiplier=multiplier, part_b_payments=payments, dollar_impact=impact, notes=notes)


def _cost_points(p: Participant, episodes, cost_ladder, settings) -> float | None:
    if not is_blank(p.cost_points):
        return as_number("cost_points", p.cost_points, minimum=1.0, maximum=10.0,
                         allowed="cost achievement points between 1 and 10")
    if is_blank(p.episode_cost):
        if episodes is not None and categories.enough_episodes(episodes, settings=settings):
            raise ASMInputError("cost_points", p.cost_points,
                                "cost points (1-10) or an episode cost with a cost ladder")
        return None
    cost = as_number("episode_cost", p.episode_cost, minimum=0.0, maximum=MAX_DOLLARS, allowed=DOLLARS_ALLOWED)
    if cost_ladder is None:  # no ladder (none given, too few reporters to build one): not scored [MIPS]
        return None
    return float(points_on_ladder(cost, cost_ladder, cap=settings.topped_out_cap))


def _opt(x: float) -> float | None:
    return None if np.isnan(x) else float(x)


def _notes(quality, cost, min_met, final, pool_source, pool_in_force, settings) -> tuple[str, ...]:
    out = []
    q, c = not np.isnan(quality), not np.isnan(cost)
    if not (q and c and min_met):  # both scored: the default weights need no note here
        out.append(final_mod.category_note(q, c, bool(min_met), settings=settings))
    out.append(f"Priced with the pool in force, {pool_source} [ASSUMPTION]." if pool_in_force else
               f"Priced with the scaling factor given, {pool_source}.")
    return tuple(out)
