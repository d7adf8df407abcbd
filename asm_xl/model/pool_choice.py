"""Which cohort prices a final score: the pool, chosen explicitly (``Settings.pool``), never a hidden default.

A payment adjustment factor needs the cohort's scaling factor SF and the exchange function's
midpoint m [REG 512.750(c)], both statistics of a national cohort no practice sees. Three pools:

==========  ==============================================================  ============================
pool        SF and m of the point estimate                                   the range (P10 / P50 / P90)
==========  ==============================================================  ============================
national    the national peer model's median SF over its draws (those drawn  over the model's draws
            with the ``tfs_midpoint_mode`` midpoint rule) and m (the fixed
            ``tfs_midpoint``, or the draws' median midpoint)
given       ``given_scaling_factor`` and ``given_midpoint`` (CMS's report;    collapses to the point
            :func:`given_point`)
roster      the roster's own SF and m (cohort API; only when the roster      collapses to the point
            *is* the cohort)
==========  ==============================================================  ============================

Every API prices through :func:`reference_point` (a point estimate) and :func:`pricing_pool` (a
range), so the scalar API, the cohort API, the Excel functions and the workbooks agree. A scaling
factor the user gives (the 'given' pool, ``score_participant(scaling_factor=...)``, ``ASM_FACTOR``
with a number) is priced by one rule, :func:`given_point`, which also says where SF and m came from.
[ASSUMPTION: the point estimate's SF is the median of the draws; CMS publishes the real one after
the performance year.]

>>> from asm_xl.model.settings import Settings
>>> reference_point("HF", 2027, Settings(pool="given", given_scaling_factor=1.5)).scaling_factor
1.5
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from asm_xl.model import kept_draws
from asm_xl.model.errors import ASMInputError
from asm_xl.model.parameters import exchange_function, get_cohort, performance_years, risk_level
from asm_xl.model.peers import PoolDraws, checked_given, given_pool, simulate_national_cohorts
from asm_xl.model.settings import DEFAULT_SETTINGS, Settings

__all__ = ["PoolPoint", "cohort_settings", "national_pool", "pricing_pool", "reference_point", "resolve_point",
           "given_point", "forget_pools", "roster_as_cohort", "roster_as_given", "fixed_midpoint",
           "GIVEN_MIDPOINT_ALLOWED"]


@dataclass(frozen=True)
class PoolPoint:
    """The scaling factor and midpoint a point estimate is priced with, and where they come from."""

    scaling_factor: float
    midpoint: float
    source: str
    steepness: float   #: k of the exchange function at this point (the cohort's tfs_steepness, see cohort_settings)


def cohort_settings(cohort: str, performance_year: int, settings: Settings = DEFAULT_SETTINGS) -> Settings:
    """``settings`` with the exchange function CMS published for the cohort and year, where it has
    (:func:`asm_xl.model.parameters.exchange_function`): k replaces ``tfs_steepness`` and fixes the peer
    model's k; m replaces ``tfs_midpoint``, fixes the midpoint rule and the peer model's. Unchanged
    while nothing is published (today), so k and m stay the editable assumptions."""
    published = exchange_function(cohort, performance_year)
    if published is None:
        return settings
    changes: dict = {}
    if published.steepness is not None:
        k = published.steepness
        changes.update(tfs_steepness=k, peer_steepness_low=k, peer_steepness_high=k)
    if published.midpoint is not None:
        changes.update(tfs_midpoint=published.midpoint, tfs_midpoint_mode="fixed", peer_share_median_midpoint=0)
    return settings.replace(**changes)


def national_pool(cohort: str, performance_year: int, settings: Settings = DEFAULT_SETTINGS) -> PoolDraws:
    """The national peer model's pool of a cohort and performance year (``settings.peer_draws`` draws,
    seed ``settings.peer_seed``); peers are scored with ``settings``, so editing an assumption moves
    the whole cohort the physician is compared with, as it would. A pure function of its arguments
    (seeded), kept in memory for the last few. The cohort's published exchange function, if any,
    fixes k and m (:func:`cohort_settings`)."""
    return _national_pool(str(cohort).upper(), int(performance_year),
                          midpoint_rule_of_draws(cohort_settings(cohort, performance_year, settings)))


def midpoint_rule_of_draws(settings: Settings) -> Settings:
    """``settings`` with the national draws' midpoint rule that ``tfs_midpoint_mode`` chose [spec 8: every API
    honours the chosen mode]::

        share of draws with m = the cohort's median = 0                           'fixed'
                                                     = 1                           'cohort_median'
                                                     = peer_share_median_midpoint  'either' (the rule is uncertain)

    so the range is priced on the rule the point estimate is (a chosen 'fixed' range mixed in median-rule
    cohorts, its P50 1.1 points of factor above the point estimate)."""
    share = {"fixed": 0.0, "cohort_median": 1.0}.get(settings.tfs_midpoint_mode)
    return settings if share is None else settings.replace(peer_share_median_midpoint=share)


def _national_pool(cohort: str, performance_year: int, settings: Settings) -> PoolDraws:
    """A year's pool is the cohort's draws at that year's risk level: nothing else of a drawn cohort
    depends on the year (peers are scored with ``settings``), and the scaling factor solves a budget
    in which r factors out (sum P x r (TFS x SF - 1), bounded at +/- r, = -withhold x r x sum P), so
    it is the same in every year. Drawn once per cohort and settings, priced per year."""
    draws = _national_draws(cohort, settings)
    return dataclasses.replace(draws, performance_year=int(performance_year), risk_level=risk_level(performance_year))


@lru_cache(maxsize=16)
def _national_draws(cohort: str, settings: Settings) -> PoolDraws:
    """Drawn once per process, and kept between runs where a store is installed (:mod:`~asm_xl.model.kept_draws`)."""
    year = performance_years()[0]
    store = kept_draws.current_store()
    if store is not None:
        key = kept_draws.key_of(cohort, settings)
        kept = kept_draws.from_arrays(store.load(key), key, cohort, year, settings)
        if kept is not None:
            return kept
    pool = simulate_national_cohorts(cohort, year, draws=settings.peer_draws, seed=settings.peer_seed,
                                     settings=settings)
    if store is not None:
        store.save(key, kept_draws.to_arrays(pool, key))
    return pool


def forget_pools() -> None:
    """Drop the pools and points kept in memory (benchmarks measure a cold start with it)."""
    _national_draws.cache_clear()
    _national_point.cache_clear()


#: what a missing midpoint of a given scaling factor must be in cohort_median mode (given_point's error)
GIVEN_MIDPOINT_ALLOWED = ("the cohort's median final score, e.g. from CMS's report, when tfs_midpoint_mode is "
                          "cohort_median: a given scaling factor comes with its cohort's midpoint")


def given_point(cohort: str | None, performance_year: int, settings: Settings = DEFAULT_SETTINGS, *,
                scaling_factor: float | None = None, midpoint: float | None = None,
                scaling_field: str = "scaling_factor", midpoint_field: str = "midpoint") -> PoolPoint:
    """SF, m and k a **given** scaling factor prices a final score with, and where each came from: the
    one rule of every API (the 'given' pool, ``score_participant(scaling_factor=...)``, ``ASM_FACTOR``
    with a number) [spec 8: every API honours the chosen mode; a fixed default is not a source].

    SF: the argument ``scaling_factor`` (named ``scaling_field`` by the caller), else
    ``given_scaling_factor``; a number >= 0 (ranges checked by :func:`~asm_xl.model.peers.checked_given`).
    m, the first that applies:

    1. the argument ``midpoint`` (named ``midpoint_field``), else ``given_midpoint``: the midpoint given;
    2. ``tfs_midpoint_mode`` 'fixed': the cohort's published m (:func:`cohort_settings`), else
       ``tfs_midpoint`` [ASSUMPTION];
    3. ``tfs_midpoint_mode`` 'cohort_median': an :class:`ASMInputError` naming ``given_midpoint``. The
       median is a statistic of the cohort the SF was solved in; the peer model's simulated median
       next to a user's SF would be a hidden default.

    k: the cohort's published k, else ``tfs_steepness``. ``cohort`` None (``ASM_FACTOR`` with a number
    knows no cohort): the settings' k and m as they are.

    >>> given_point("HF", 2027, scaling_factor=1.5).source
    'given: scaling factor 1.5 (the scaling_factor argument), midpoint 50 (tfs_midpoint, either mode)'
    >>> given_point("HF", 2027, Settings(pool="given", given_scaling_factor=1.62, given_source="CMS's 2029 report")).source
    "given (CMS's 2029 report): scaling factor 1.62 (given_scaling_factor), midpoint 50 (tfs_midpoint, either mode)"
    """
    own = settings if cohort is None else cohort_settings(cohort, performance_year, settings)
    if scaling_factor is None:
        scaling_factor, scaling_field = settings.given_scaling_factor, "given_scaling_factor"
        if scaling_factor is None:
            raise ASMInputError("given_scaling_factor", None,
                                "a scaling factor when the pool is 'given' (e.g. from CMS's report)")
    sf, _ = checked_given(scaling_factor, scaling_field=scaling_field)
    sf_from = scaling_field if scaling_field.startswith("given_") else f"the {scaling_field} argument"
    if midpoint is None and settings.given_midpoint is not None:
        midpoint, midpoint_field = settings.given_midpoint, "given_midpoint"
    if midpoint is not None:
        _, m = checked_given(midpoint=midpoint, midpoint_field=midpoint_field)
        m_from = midpoint_field if midpoint_field.startswith("given_") else f"the {midpoint_field} argument"
    elif own.tfs_midpoint_mode != "cohort_median":   # fixed, or either: the point estimate's fixed m
        m = float(own.tfs_midpoint)
        published = None if cohort is None else exchange_function(cohort, performance_year)
        m_from = (f"tfs_midpoint, {own.tfs_midpoint_mode} mode" if published is None or published.midpoint is None else
                  f"published exchange function: {published.source}")
    else:
        raise ASMInputError("given_midpoint", None, GIVEN_MIDPOINT_ALLOWED)
    said = f" ({settings.given_source})" if settings.given_source and scaling_field == "given_scaling_factor" else ""
    return PoolPoint(sf, m, f"given{said}: scaling factor {sf:.4g} ({sf_from}), midpoint {m:.4g} ({m_from})",
                     float(own.tfs_steepness))


def _given(cohort: str, performance_year: int, settings: Settings) -> PoolDraws:
    point = given_point(cohort, performance_year, settings)
    pool = given_pool(cohort, performance_year, scaling_factor=point.scaling_factor, midpoint=point.midpoint,
                      steepness=point.steepness, settings=cohort_settings(cohort, performance_year, settings))
    return dataclasses.replace(pool, source=point.source)


def pricing_pool(cohort: str, performance_year: int, settings: Settings = DEFAULT_SETTINGS) -> PoolDraws:
    """The draws a payment range is taken over: the national model's, or the one given draw.

    A 'roster' pool is the roster's own solution (:func:`asm_xl.model.cohort.score_cohort`); without
    the roster there is nothing to price it with, so it is an error here."""
    code = get_cohort(cohort).code
    if settings.pool == "national":
        return national_pool(code, int(performance_year), settings)
    if settings.pool == "given":
        return _given(code, performance_year, settings)
    raise _needs_the_roster(settings)


def _needs_the_roster(settings: Settings) -> ASMInputError:
    return ASMInputError("pool", settings.pool, "'national' or 'given' here: a 'roster' pool needs the whole "
                         "roster (the cohort API, asm-xl generate/score --pool roster), or give the scaling factor")


@lru_cache(maxsize=64)
def _national_point(cohort: str, performance_year: int, settings: Settings) -> PoolPoint:
    pool = national_pool(cohort, performance_year, settings)
    settings = cohort_settings(cohort, performance_year, settings)
    median = settings.tfs_midpoint_mode == "cohort_median"
    rule = pool.median_rule
    same_rule = np.ones(pool.draws, dtype=bool) if rule is None else (rule == median)
    if not same_rule.any():  # share_median_midpoint 0 or 1: no draw used the settings' rule
        same_rule[:] = True
    sf = float(np.median(pool.scaling_factor[same_rule]))
    m = float(np.median(pool.midpoint[same_rule])) if median else float(settings.tfs_midpoint)
    rule_text = "median final score" if median else "fixed"
    return PoolPoint(sf, m, f"national peer model, median of {int(same_rule.sum()):,} draws "
                            f"({rule_text} midpoint): scaling factor {sf:.4g}, midpoint {m:.4g}",
                     float(settings.tfs_steepness))


def reference_point(cohort: str, performance_year: int, settings: Settings = DEFAULT_SETTINGS) -> PoolPoint:
    """SF and m of the point estimate for the pool in force (``settings.pool``; see the module's table).

    National: SF = median over the draws whose midpoint rule is ``tfs_midpoint_mode``'s, m =
    ``tfs_midpoint`` (fixed) or the median of those draws' midpoints (cohort_median) [ASSUMPTION].
    Given: ``given_scaling_factor`` and ``given_midpoint`` by :func:`given_point` [CMS's report].
    """
    code = get_cohort(cohort).code
    if settings.pool == "given":
        return given_point(code, performance_year, settings)
    if settings.pool == "roster":
        raise _needs_the_roster(settings)
    return _national_point(code, int(performance_year), settings)


def roster_as_cohort(cohort: str, performance_year: int, scaling_factor: float, midpoint: float,
                     settings: Settings = DEFAULT_SETTINGS) -> PoolDraws:
    """The roster as the cohort, priced: its own SF and m (as the cohort API solved them, the
    ``scaling_factor`` and ``tfs_midpoint`` of its scores), the cohort's k; one draw, no range."""
    sf, m = float(scaling_factor), float(midpoint)
    pool = given_pool(cohort, performance_year, scaling_factor=sf, midpoint=m,
                      steepness=cohort_settings(cohort, performance_year, settings).tfs_steepness, settings=settings)
    return dataclasses.replace(pool, source=f"roster as the cohort: scaling factor {sf:.4g}, midpoint {m:.4g}")


def roster_as_given(cohort: str, participants: int, scaling_factor: float, midpoint: float,
                    settings: Settings = DEFAULT_SETTINGS) -> Settings:
    """A 'roster' pool as the given pool a physician's workbook holds (its Assumptions take no roster): the
    roster's own scaling factor and midpoint, and ``given_source`` saying they are the roster's, so the workbook's
    pool text says where they come from as the index and the console do.

    >>> roster_as_given("HF", 12, 1.2, 50.0).given_source
    'the roster as the cohort (12 HF physician(s))'
    """
    return settings.replace(pool="given", given_scaling_factor=float(scaling_factor), given_midpoint=float(midpoint),
                            given_source=f"the roster as the cohort ({int(participants):,} {cohort} physician(s))")


def fixed_midpoint(settings: Settings = DEFAULT_SETTINGS) -> float | None:
    """m without a cohort (``ASM_TFS`` with a blank midpoint): ``given_midpoint`` of a given pool, else
    ``tfs_midpoint`` when ``tfs_midpoint_mode`` is 'fixed'; None when it is 'cohort_median' (m is
    then a cohort's median)."""
    if settings.pool == "given" and settings.given_midpoint is not None:
        return float(settings.given_midpoint)
    return None if settings.tfs_midpoint_mode == "cohort_median" else float(settings.tfs_midpoint)


def resolve_point(cohort: str, performance_year: int, settings: Settings = DEFAULT_SETTINGS, *,
                  scaling_factor: float | None = None, midpoint: float | None = None) -> PoolPoint:
    """The SF and m a final score is priced at (``score_participant``'s ``scaling_factor`` and
    ``tfs_midpoint``): a given SF, or the given pool's, by :func:`given_point`; else the pool in
    force's point, at ``midpoint`` where one is given."""
    if scaling_factor is not None or settings.pool == "given":
        return given_point(cohort, performance_year, settings, scaling_factor=scaling_factor, midpoint=midpoint,
                           midpoint_field="tfs_midpoint")
    point = reference_point(cohort, performance_year, settings)
    if midpoint is None:
        return point
    return PoolPoint(point.scaling_factor, float(midpoint), f"{point.source}; midpoint {float(midpoint):g} given",
                     point.steepness)
