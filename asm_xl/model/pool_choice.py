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
           "given_point", "forget_pools", "roster_as_cohort", "fixed_midpoint", "roster_pool_warning", "given_pool_warning",
           "point_steepness_warning", "steepness_warnings", "pool_warnings",
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
    return PoolPoint(sf, m, f"given: scaling factor {sf:.4g} ({sf_from}), midpoint {m:.4g} ({m_from})",
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


def roster_pool_warning(cohort: str, pooled: int, settings: Settings = DEFAULT_SETTINGS) -> str | None:
    """A warning when a 'roster' pool is far smaller than CMS's cohort (``roster_pool_minimum_share``
    of the peer model's ``cohort_size``): its scaling factor is that of a small group, not the cohort's."""
    size = settings.peer_assumptions(cohort).cohort_size
    if pooled >= settings.roster_pool_minimum_share * size:
        return None
    return (f"the {cohort} roster pool has {pooled:,} scored participant(s), CMS's {cohort} cohort about {size:,}: "
            "a roster that small is not the cohort, so its own scaling factor says little; use the national "
            "peer model (pool 'national') unless the roster is the whole cohort")


def roster_budget_warning(cohort: str, method: str, scaling_factor: float) -> str | None:
    """A warning when a 'roster' pool's budget has no solution (:func:`~asm_xl.model.payment.solve_scaling_factor`'s
    ``method``): "budget unattainable", where even +r for every positive final score cannot pay back
    1 - pool_withhold of the amount at risk, so the budget identity [ASSUMPTION, spec 8] does not hold and SF is the
    least that gives each of them +r; "no positive scores", where every factor is -r whatever SF. None otherwise.

    >>> roster_budget_warning("HF", "budget unattainable", 11.78)[:60]
    'the HF roster pool cannot pay back its budget: even the larg'
    >>> roster_budget_warning("HF", "closed form", 1.2) is None
    True
    """
    if method == "budget unattainable":
        return (f"the {cohort} roster pool cannot pay back its budget: even the largest positive adjustment (+r) for "
                "every positive final score pays back less than 1 - pool_withhold of the amount at risk, so its "
                f"scaling factor {scaling_factor:.4g} is only the least that gives each of them +r [ASSUMPTION]")
    if method == "no positive scores":
        return (f"the {cohort} roster pool has no positive final score: every factor is -r whatever the scaling "
                "factor, so there is none to speak of")
    return None


def given_pool_warning(settings: Settings = DEFAULT_SETTINGS) -> str | None:
    """A warning when a 'given' pool's scaling factor is at least :data:`TOP_AT_MIDPOINT_SF` (a typed 16.2 for
    1.62: every factor +r), or below 1 - ``pool_withhold``, the least any cohort's
    budget allows: factor = r x TFS x SF - r with TFS <= 1 pays back at most SF x r of each r at risk, and the
    pool pays back 1 - pool_withhold of it [ASSUMPTION, spec 8], so SF >= 1 - pool_withhold under either budget
    identity (a positive adjustment needs TFS x SF > 1). A typed 0 (every factor -r) or 0.5 is almost surely a
    mistake. With another pool, a warning that a given scaling factor or midpoint set is not used. None for a
    plausible value (the example below is the default pool_withhold's).

    >>> given_pool_warning(Settings(pool="given", given_scaling_factor=0.0))[:58]
    'given_scaling_factor 0 is below 0.85 (1 - pool_withhold), '
    >>> given_pool_warning(Settings(pool="given", given_scaling_factor=1.3)) is None
    True
    >>> given_pool_warning(Settings(pool="given", given_scaling_factor=16.2))[:50]
    'given_scaling_factor 16.2 is 4 or more: every fina'
    >>> given_pool_warning(Settings(given_scaling_factor=1.5))
    "given_scaling_factor 1.5 is not used: the pool is 'national'; set pool to 'given' to price with it"
    """
    sf = settings.given_scaling_factor
    least = 1.0 - settings.pool_withhold
    if settings.pool != "given":
        unused = [f"{name} {v:g}" for name, v in (("given_scaling_factor", sf), ("given_midpoint", settings.given_midpoint))
                  if v is not None]
        if unused:   # typed on the Assumptions sheet beside pool 'national': used by nothing, without a word
            return (f"{' and '.join(unused)} {'is' if len(unused) == 1 else 'are'} not used: the pool is "
                    f"'{settings.pool}'; set pool to 'given' to price with {'it' if len(unused) == 1 else 'them'}")
        return None
    if sf is None:
        return None
    if sf < least:
        return (f"given_scaling_factor {sf:g} is below {least:g} (1 - pool_withhold), the least any cohort's budget "
                f"allows: with it the pool would pay back less than it must; check the value (CMS's report gives it)")
    if sf >= TOP_AT_MIDPOINT_SF:   # 16.2 typed for 1.62 gave every physician +r without a word
        return (f"given_scaling_factor {sf:g} is {TOP_AT_MIDPOINT_SF:g} or more: every final score at or above the "
                "midpoint gets the largest positive adjustment (+r), which only a cohort scoring far below its "
                "midpoint would pay for (a cohort priced at its median gives about 2 x (1 - pool_withhold)); check "
                "the value (CMS's report gives it)")
    return None


def point_steepness_warning(cohort: str, performance_year: int, settings: Settings = DEFAULT_SETTINGS) -> str | None:
    """A warning when the national pool's point estimate takes a k (``tfs_steepness``) outside the P10-P90 range of
    the k its draws use (``peer_steepness_low``/``_high``): its scaling factor is the draws' median, each solved on
    its own draw's curve, so on a curve far from theirs the estimate's budget does not balance and the estimate may
    lie outside its own P10-P90 (tfs_steepness 0.2: a factor below the P10 it is shown with). None for another
    pool, a k inside the range, or a k CMS published (it fixes the draws' k too: :func:`cohort_settings`).

    >>> print(point_steepness_warning("HF", 2027, Settings(tfs_steepness=0.2))[:72])
    tfs_steepness 0.2 is outside the k of the national peer model's HF draws
    >>> point_steepness_warning("HF", 2027, Settings(tfs_steepness=0.12)) is None
    True
    """
    said = steepness_warnings([(cohort, performance_year)], settings)
    return said[0] if said else None


def steepness_warnings(cohort_years, settings: Settings = DEFAULT_SETTINGS) -> list[str]:
    """:func:`point_steepness_warning` of each (cohort, performance year), one warning for the cohorts whose k and
    draws' range are the same (by default both cohorts', every year)."""
    if settings.pool != "national":
        return []
    outside: dict = {}   # (k, low, high) -> the cohorts
    for cohort, year in cohort_years:
        code = get_cohort(cohort).code
        s = cohort_settings(code, int(year), settings)
        low, high = s.peer_assumptions(code).range_of("steepness")
        if not low <= s.tfs_steepness <= high:
            outside.setdefault((s.tfs_steepness, low, high), {})[code] = None
    return [f"tfs_steepness {k:g} is outside the k of the national peer model's {' and '.join(codes)} draws "
            f"({low:g}-{high:g}, peer_steepness_low/_high): the point estimate takes the draws' median scaling "
            "factor, solved on their curves, so on its own curve the budget does not balance and the estimate may "
            f"lie outside its P10-P90; set peer_steepness_low and _high around {k:g} too"
            for (k, low, high), codes in outside.items()]


def pool_warnings(cohort: str, performance_year: int, settings: Settings = DEFAULT_SETTINGS) -> list[str]:
    """What to check about the pool in force for a cohort and year (:func:`given_pool_warning`,
    :func:`point_steepness_warning`): what the cohort API warns, and what a workbook's pool text says."""
    return list(_pool_warnings(get_cohort(cohort).code, int(performance_year), settings))


@lru_cache(maxsize=64)
def _pool_warnings(cohort: str, performance_year: int, settings: Settings) -> tuple[str, ...]:
    # once per cohort, year and settings: every workbook's pool text and every participant scored alone asks
    given = given_pool_warning(settings)
    return tuple(([given] if given else []) + steepness_warnings([(cohort, performance_year)], settings))


#: a scaling factor at which a final score at the midpoint (TFS = 1/2) already gets +r: r x 1/2 x SF - r = r
#: [ASSUMPTION: a warning only, never a limit: a fixed midpoint far above a cohort's scores needs a large SF]
TOP_AT_MIDPOINT_SF = 4.0


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
