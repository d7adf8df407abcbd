"""Quality and cost category scores (spec 3, 4) [REG][CMS]. Vectorized over participants.

A category that is not scored is NaN inside these kernels; the public APIs turn that into
``None`` (scalar) or ``<NA>`` with a reason (cohort), never a silent NaN.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from asm_xl.model.primitives import SCALAR, ops
from asm_xl.model.settings import DEFAULT_SETTINGS, Settings

__all__ = [
    "MeasureStatus", "measure_counted",
    "meets_completeness", "too_few_cases", "enough_episodes", "too_few_episodes",
    "capped_note", "user_ladder_note", "FRACTION_LIKE", "fraction_like_note",
    "cases_taken_as_minimum",
    "cases_taken_note",
    "benchmark_status",
    "no_cost_ladder_note", "unscored_episode_costs_warning",
    "effective_measure_inputs",
    "EffectiveInputs",
    "measure_status",
    "quality_category",
    "minimum_submission_met",
    "cost_category",
]


class MeasureStatus:
    """Codes of what happened to a measure in the quality category."""

    SCORED = 0          #: complete, enough cases: benchmark points count
    INCOMPLETE = 1      #: completeness below completeness_threshold: 0 points, counted [REG]
    LOW_CASES = 2       #: complete but fewer than case_minimum eligible cases: excluded [REG]
    NOT_REPORTED = 3    #: no data at all: 0 points, stays in the denominator [CMS]
    NOT_AVAILABLE = 4   #: administrative-claims measure without a rate: excluded [ASSUMPTION]
    NO_BENCHMARK = 5    #: would be scored on a ladder, but there is none: excluded (90 FR 49634) [spec 8.1]

    LABELS = {
        0: "scored",
        1: "0 points: data completeness below the threshold",
        2: "excluded: fewer eligible cases than the case minimum",
        3: "0 points: not reported",
        4: "excluded: administrative-claims rate not available",
        5: "excluded: no benchmark for this measure and collection type (90 FR 49634)",
    }
    COUNTED = (SCORED, INCOMPLETE, NOT_REPORTED)


def user_ladder_note(ladder) -> str:
    """Appended to a measure's status when it is scored on a ladder the user gave, not the packaged MIPS proxy
    (:func:`~asm_xl.model.user_ladders.quality_ladders`) [spec 3.2]: where its points come from, on the Score sheet
    as in the scores' table (short: the status cell is narrow; the ladder's source is beside the ladder, on the
    Benchmarks sheet, and in the scores' ``qNNN_benchmark``). "" for any other ladder."""
    return "; on your ladder" if getattr(ladder, "source", "") == "user" else ""


def capped_note(settings: Settings = DEFAULT_SETTINGS) -> str:
    """Appended to a measure's status when the topped-out cap lowered its points [ASSUMPTION topped_out_cap]."""
    return f"; capped at {settings.topped_out_cap:g} points: topped out by program [ASSUMPTION]"


#: a rate in a measure's own units at most this reads as a fraction typed by habit [ASSUMPTION: no measure stated
#: in its own units has a rate of 1 or less: Q492's MIPS ladder starts at about 60 admissions per 100 person-years]
FRACTION_LIKE = 1.0


def fraction_like_note(unit: str) -> str:
    """Appended to the status of a measure in its own units scored on a rate of at most :data:`FRACTION_LIKE`
    (0.724 typed for 72.4 scored 10 points, the best, without a word); scored as given: the value is allowed."""
    return f"; rate {FRACTION_LIKE:g} or less: in {unit}, not a fraction?"


def cases_taken_note(settings: Settings = DEFAULT_SETTINGS) -> str:
    """Appended to a measure's status when its eligible cases were not given and the case minimum stands in
    for them (:func:`cases_taken_as_minimum`; CMS attributes claims measures itself): the cases a workbook
    shows are that assumption, not data."""
    return f"; cases not given: {settings.case_minimum} assumed [ASSUMPTION]"  # short: it fits the Status column


def few_episodes_note(episodes: float, settings: Settings = DEFAULT_SETTINGS) -> str:
    """Why cost is not scored for a participant with too few episodes [REG 512.730]: the words that
    ``ASM_COST``'s reason ("Cost not scored: " before them), the scalar API's and the cohort API's notes
    ("Cost: " before them, after the note that says where the weight went) share.

    >>> few_episodes_note(12)
    '12 episodes, fewer than 20 [REG]'
    """
    return f"{episodes:g} episodes, fewer than {settings.cost_episode_minimum} [REG]"


def no_cost_ladder_note(settings: Settings = DEFAULT_SETTINGS) -> str:
    """Why an episode cost gave no cost score: no cost ladder [spec 4, 8][MIPS]. CMS publishes none; a
    roster gives one only as the whole cohort (pool 'roster') from enough reporters
    (``asm_xl.model.cohort``); none was given."""
    return ("Cost not scored: no cost ladder for the episode cost (CMS publishes none; a roster builds one only as "
            "the whole cohort, pool 'roster' or ladders from cohort data, from at least "
            f"{settings.benchmark_minimum_reporters} episode costs) [spec 8][MIPS]. Cost points from CMS's report "
            "need none.")


def unscored_episode_costs_warning(count: int, settings: Settings, roster_builds: bool) -> str:
    """The warning of a scored table where ``count`` participants' episode costs found no cost ladder
    (:func:`no_cost_ladder_note`); ``roster_builds``: whether the roster could give one
    (:func:`~asm_xl.model.cost_ladders.roster_gives_cost_ladder`), so that too few costs were the cause."""
    where = (f"too few episode costs (fewer than {settings.benchmark_minimum_reporters}) to build a cost ladder "
             "from" if roster_builds else "no cost ladder: CMS publishes none, and the roster is not the cohort "
             f"(pool '{settings.pool}')")
    weight = ("their cost weight moves to quality" if settings.reweight_unscored_category
              else "cost adds 0 to their final score (reweight_unscored_category is off)")
    advice = "" if settings.pool == "roster" else (
        f" (or, only if the roster is the whole cohort, with at least {settings.benchmark_minimum_reporters} episode "
        "costs, use --pool roster)")
    return f"{count} row(s)' episode_cost not scored: {where}; {weight}. Give cost_points from CMS's report{advice}."


#: status code → counted in the denominator (a lookup table: cheaper than np.isin per call)
_COUNTED = np.array([code in MeasureStatus.COUNTED for code in range(max(MeasureStatus.LABELS) + 1)])


def measure_counted(status) -> np.ndarray:
    """Whether each measure status counts in the quality score's denominator (scored, or 0 points: incomplete,
    not reported); False where the measure is excluded (too few cases, no rate, no benchmark) [REG][CMS]."""
    return _COUNTED[np.asarray(status, dtype=int)]


class EffectiveInputs(NamedTuple):
    """What :func:`effective_measure_inputs` gives (numpy scalars, or arrays of the inputs' shape)."""

    completeness: object
    eligible: object
    reported_any: object
    cases_taken: object   #: :func:`cases_taken_as_minimum`: the case minimum stands in for eligible cases


def effective_measure_inputs(eligible, reported, completeness, rate, points, administrative_claims, *,
                             settings: Settings = DEFAULT_SETTINGS) -> EffectiveInputs:
    """Completeness, eligible cases, "reported at all" and whether the case minimum was taken for the
    eligible cases, from what was entered (NaN = blank).

    Rules::

        completeness = 1                              administrative claims (complete by definition) [CMS]
                     = completeness as entered        if entered
                     = 1                              eligible = 0: no case to report, none left
                                                      unreported (0 of 0) [ASSUMPTION]
                     = reported / eligible            if reported cases entered (with eligible cases: the
                                                      APIs refuse reported cases without them, which this
                                                      rule would read as none left unreported, 1)
                     = 0                              otherwise: no completeness and no reported cases
                                                      given, so nothing counts as reported [ASSUMPTION]
        reported_any = rate or points entered, or eligible cases entered for a measure not collected as
                       administrative claims, or for one that is with fewer than the case minimum (CMS
                       computes a claims measure's rate: its cases alone are no result, so with enough cases
                       and no rate it is NOT_AVAILABLE, excluded [ASSUMPTION unreported_admin_claims_excluded],
                       where it asked for a rate it cannot be given; with too few it is LOW_CASES, excluded
                       whatever that setting says, as with a rate)
        eligible     = case minimum                   administrative claims with a rate but no count:
                                                      CMS attributed it, so it is scored [ASSUMPTION]
                     = 0                              any other measure whose eligible cases are not
                                                      given (the case minimum is not met) [ASSUMPTION]
        cases_taken  = that case (:func:`cases_taken_as_minimum`), evaluated once here for the
                       status note (:func:`cases_taken_note`)

    The spec (3) leaves these open: completeness is reported / eligible, undefined at 0 eligible cases,
    and it says nothing of counts not given. So a measure given 0 eligible cases is complete and excluded
    by the case minimum (0 < 20), as one given a completeness and 0 cases was: a physician with no patient
    for a measure is not scored 0 on it (it counted 0 points, and the Actions offered "report enough cases"
    where there is none to report); one given a rate or points but neither completeness nor
    reported cases is incomplete too; one given a completeness that meets the threshold but no eligible
    cases is excluded (0 cases). README "Assumptions" names them; each measure's status says which rule applied.
    """
    xp = ops(eligible, reported, completeness, rate, points, administrative_claims)
    eligible = xp.float(eligible)
    reported = xp.float(reported)
    completeness = xp.float(completeness)
    admin = xp.bool(administrative_claims)
    has_elig = xp.not_(xp.isnan(eligible))
    # an administrative-claims measure's eligible cases alone are no result (CMS computes its rate), unless they
    # are fewer than the case minimum: then it is excluded by it, rate or none
    cases_say = xp.or_(xp.not_(admin), too_few_cases(eligible, settings=settings))
    reported_any = xp.or_(xp.or_(xp.and_(has_elig, cases_say), xp.not_(xp.isnan(xp.float(rate)))),
                          xp.not_(xp.isnan(xp.float(points))))
    ratio = xp.where(eligible > 0, xp.div(reported, eligible), 1.0)   # 0 of 0: none left unreported
    comp = xp.where(admin, 1.0, xp.where(xp.not_(xp.isnan(completeness)), completeness,
                                         xp.where(xp.or_(xp.not_(xp.isnan(reported)), eligible == 0), ratio, 0.0)))
    taken = cases_taken_as_minimum(eligible, admin, reported_any)
    elig = xp.where(taken, float(settings.case_minimum), xp.nan_to_num(eligible))
    if xp is SCALAR:  # numpy scalars: callers may ask for .item(), as of the 0-d arrays of the array path
        return EffectiveInputs(np.float64(comp), np.float64(elig), np.bool_(reported_any), np.bool_(taken))
    return EffectiveInputs(comp, elig, reported_any, taken)


def cases_taken_as_minimum(eligible, administrative_claims, reported_any):
    """Where the case minimum stands in for eligible cases (NaN = not given) [ASSUMPTION]::

        taken = administrative claims  and  eligible cases not given  and  a rate or points given

    CMS attributes administrative-claims measures itself, so such a measure is scored; the status says
    so (:func:`cases_taken_note`)."""
    xp = ops(eligible, administrative_claims, reported_any)
    return xp.and_(xp.and_(xp.bool(administrative_claims), xp.isnan(xp.float(eligible))), xp.bool(reported_any))


def measure_status(completeness, eligible_cases, administrative_claims, *,
                   reported=True, settings: Settings = DEFAULT_SETTINGS) -> np.ndarray:
    """Status code per measure.

    Rules [REG 512.725][CMS]::

        complete = administrative claims  or  completeness >= completeness_threshold
        status   = INCOMPLETE   if not complete            (0 points, counted)
                 = LOW_CASES    if eligible cases < case_minimum   (excluded)
                 = SCORED       otherwise

    ``reported`` False marks a measure with no data: NOT_REPORTED (0 points, counted), or for an
    administrative-claims measure NOT_AVAILABLE (excluded) [ASSUMPTION
    ``unreported_admin_claims_excluded``].
    """
    xp = ops(completeness, eligible_cases, administrative_claims, reported)
    completeness = xp.float(completeness)
    eligible = xp.float(eligible_cases)
    admin = xp.bool(administrative_claims)
    reported = xp.bool(reported)
    complete = xp.or_(admin, meets_completeness(completeness, settings=settings))
    status = xp.where(xp.not_(complete), MeasureStatus.INCOMPLETE,
                      xp.where(too_few_cases(eligible, settings=settings), MeasureStatus.LOW_CASES,
                               MeasureStatus.SCORED))
    missing_admin = (MeasureStatus.NOT_AVAILABLE if settings.unreported_admin_claims_excluded
                     else MeasureStatus.NOT_REPORTED)
    status = xp.where(reported, status, xp.where(admin, missing_admin, MeasureStatus.NOT_REPORTED))
    return xp.int8(status)


def benchmark_status(status, has_ladder) -> np.ndarray:
    """A measure to be scored on a ladder that does not exist is excluded [CMS: 90 FR 49634, spec 8.1].

    Rule (90 FR 49634: "it would be unfair to penalize ASM participants due to a lack of a benchmark")::

        status = NO_BENCHMARK   if status = SCORED and there is no ladder (none published, or fewer
                                than benchmark_minimum_reporters rates to build one from)
               = status         otherwise
    """
    status = np.asarray(status)
    out = np.where((status == MeasureStatus.SCORED) & ~np.asarray(has_ladder, dtype=bool),
                   MeasureStatus.NO_BENCHMARK, status)
    return out.astype(np.int8)


def quality_category(points, status) -> np.ndarray:
    """Quality category score (fraction) per participant; NaN where nothing counts.

    Formula [REG][CMS]::

        quality = sum(points of SCORED measures) / (10 x number of measures not excluded)

    ``points`` and ``status`` are (..., measures); INCOMPLETE and NOT_REPORTED measures add 0 to
    the numerator and 10 to the denominator. CMS's example: (9.5 + 0 + 8.5 + 7) / 40 = 62.5%.
    """
    points = np.asarray(points, dtype=float)
    status = np.asarray(status)
    scored = status == MeasureStatus.SCORED
    counted = _COUNTED[status]
    num = np.where(scored, points, 0.0).sum(axis=-1)
    den = 10.0 * counted.sum(axis=-1)
    # num / den where den > 0, NaN elsewhere (without an errstate context: ~3 µs a call)
    return np.divide(num, den, out=np.full(np.shape(num), np.nan), where=den > 0)


def minimum_submission_met(completeness, administrative_claims, submitted_on_time=True, *,
                           settings: Settings = DEFAULT_SETTINGS) -> np.ndarray:
    """Minimum data submission rule [CMS].

    Met when data were submitted on time and at least one measure that is not
    administrative-claims-based meets ``completeness_threshold``. Otherwise final = 0.
    """
    completeness = np.asarray(completeness, dtype=float)
    admin = np.asarray(administrative_claims, dtype=bool)
    ok = (~admin & meets_completeness(completeness, settings=settings)).any(axis=-1)
    return ok & np.asarray(submitted_on_time, dtype=bool)


def meets_completeness(completeness, *, settings: Settings = DEFAULT_SETTINGS):
    """Whether a measure's data completeness meets the threshold [REG 512.725]: the one place
    ``completeness_threshold`` is compared (measure status, minimum submission, the peer model)::

        complete = completeness >= completeness_threshold    (NaN: False)

    >>> bool(meets_completeness(0.75)), bool(meets_completeness(0.7499))
    (True, False)
    """
    return ops(completeness).float(completeness) >= settings.completeness_threshold


def too_few_cases(eligible_cases, *, settings: Settings = DEFAULT_SETTINGS):
    """Whether a complete measure has fewer eligible cases than the case minimum, so it is excluded
    [REG 512.725]: the one place ``case_minimum`` is compared::

        low = eligible cases < case_minimum                  (NaN: False)

    >>> bool(too_few_cases(19)), bool(too_few_cases(20))
    (True, False)
    """
    return ops(eligible_cases).float(eligible_cases) < settings.case_minimum


def enough_episodes(episodes, *, settings: Settings = DEFAULT_SETTINGS):
    """Whether CMS scores cost with this many attributed EBCM episodes [REG 512.730]: the one place the
    cost episode minimum is applied (:func:`too_few_episodes` is its complement for a number given)::

        scored = episodes >= cost_episode_minimum          (NaN, not given: False)

    >>> bool(enough_episodes(20)), bool(enough_episodes(19)), bool(enough_episodes(float("nan")))
    (True, False, False)
    """
    return ops(episodes).float(episodes) >= settings.cost_episode_minimum


def too_few_episodes(episodes, *, settings: Settings = DEFAULT_SETTINGS):
    """Whether a number of episodes *given* is below the cost episode minimum [REG 512.730]: not
    :func:`enough_episodes` where a number is given; NaN (not given) is not "fewer" (no note is due)::

        too_few = episodes < cost_episode_minimum           (NaN: False)

    >>> bool(too_few_episodes(19)), bool(too_few_episodes(20)), bool(too_few_episodes(float("nan")))
    (True, False, False)
    """
    return ops(episodes).float(episodes) < settings.cost_episode_minimum


def cost_category(cost_points, episodes, *, settings: Settings = DEFAULT_SETTINGS) -> np.ndarray:
    """Cost category score (fraction); NaN (not scored) below ``cost_episode_minimum`` episodes [REG 512.730].

    Formula::

        cost = cost achievement points / 10     if episodes >= cost_episode_minimum, else not scored

    Cost points (1-10) come from the EBCM's benchmark ladder (lower cost is better) or are entered
    directly from a CMS feedback report [ASSUMPTION].
    """
    xp = ops(cost_points, episodes)
    pts = xp.float(cost_points)
    return xp.where(enough_episodes(episodes, settings=settings), pts / 10.0, np.nan)
