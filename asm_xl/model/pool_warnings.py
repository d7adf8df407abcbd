"""What to check about the pool in force, in words: a roster pool far smaller than CMS's cohort or whose budget
cannot balance, a given scaling factor that is implausible or not used, a point estimate's k outside its draws'.
The cohort API warns them once; a workbook's pool text (``ASM_POOL``) and ``score_participant``'s notes say them."""

from __future__ import annotations

from functools import lru_cache

from asm_xl.model.parameters import get_cohort
from asm_xl.model.pool_choice import cohort_settings
from asm_xl.model.settings import DEFAULT_SETTINGS, Settings

__all__ = ["roster_pool_warning", "roster_budget_warning", "given_pool_warning", "point_steepness_warning",
           "steepness_warnings", "pool_warnings", "TOP_AT_MIDPOINT_SF"]


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
    "given_scaling_factor 1.5 is not used: the pool is 'national'; set pool to 'given' to use it"
    """
    sf = settings.given_scaling_factor
    least = 1.0 - settings.pool_withhold
    if settings.pool != "given":
        unused = [f"{name} {v:g}" for name, v in (("given_scaling_factor", sf), ("given_midpoint", settings.given_midpoint))
                  if v is not None] + ([f"given_source {settings.given_source!r}"] if settings.given_source else [])
        if unused:   # typed on the Assumptions sheet beside pool 'national': used by nothing, without a word (a roster
            # pool's workbooks say the roster's own source)
            return (f"{' and '.join(unused)} {'is' if len(unused) == 1 else 'are'} not used: the pool is "
                    f"'{settings.pool}'; set pool to 'given' to use {'it' if len(unused) == 1 else 'them'}")
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
