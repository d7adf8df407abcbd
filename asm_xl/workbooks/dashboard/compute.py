"""The dashboard of a scored roster, by the model API, each piece computed once for all physicians:
payment ranges, the score needed to break even, every action's value, the five-year projection.

The pools of the five performance years. The national peer model draws its cohorts without
reference to the year (:func:`~asm_xl.model.peer_simulation.draw_peers`, seeded) and solves each
draw's SF and midpoint without the risk level, so the pool of year y is the pool of the roster's
year with y's risk level r_y [CMS]; it is derived here, not drawn four more times (a test checks it
equals :func:`~asm_xl.model.pool_choice.national_pool` of y). Where CMS has published a cohort's
exchange function for a year (:func:`~asm_xl.model.pool_choice.cohort_settings` differ from the
roster year's), that year's pool is drawn as it is. A given pool is taken as it is for each year.
A 'roster' pool is the roster's own SF and m; a year the roster does not cover uses those of the
roster's first year [ASSUMPTION: the cohort keeps its standing], and an action is priced
with the roster's SF and m held (one physician's change moves the roster's own pool a little; that
is left out) [ASSUMPTION].

Final scores do not depend on the pool, only their pricing does. Actions and the projection are
therefore scored with a given pool of SF 1 (no peer model is drawn for their what-if copies) and
priced by the explicit pools above, the ones :func:`~asm_xl.model.ranges.payment_ranges` uses.
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from asm_xl.model.actions import action_values
from asm_xl.model.parameters import performance_years, risk_level
from asm_xl.model.peers import given_pool
from asm_xl.model.pool_choice import cohort_settings, pricing_pool
from asm_xl.model.projection import project_five_years
from asm_xl.model.ranges import payment_ranges
from asm_xl.model.score_needed import scores_needed
from asm_xl.model.settings import DEFAULT_SETTINGS, Settings
from asm_xl.workbooks.dashboard.data import Dashboard, practice_dashboard

__all__ = ["yearly_pools", "roster_dashboard"]


def yearly_pools(scores: pd.DataFrame, settings: Settings = DEFAULT_SETTINGS) -> dict:
    """{(cohort, performance year): PoolDraws} for every cohort of ``scores`` and every model year
    (see the module's note)."""
    pools = {}
    for code, grp in scores.groupby("cohort", sort=True):
        years = grp["performance_year"].astype(int)
        first = int(years.min())
        base = _pool(code, first, grp[years == first], settings)
        for y in performance_years():
            own = grp[years == y]
            if y == first:
                pools[(code, y)] = base
            elif settings.pool == "roster" and len(own):
                pools[(code, y)] = _pool(code, y, own, settings)
            elif settings.pool == "national" and cohort_settings(code, y, settings) != cohort_settings(code, first,
                                                                                                       settings):
                pools[(code, y)] = pricing_pool(code, y, settings)  # a published k or m of its own: drawn
            elif settings.pool == "given":
                pools[(code, y)] = pricing_pool(code, y, settings)
            else:
                pools[(code, y)] = dataclasses.replace(base, performance_year=y, risk_level=risk_level(y))
    return pools


def _pool(code: str, year: int, rows: pd.DataFrame, settings: Settings):
    """The pool :func:`~asm_xl.model.ranges.payment_ranges` prices ``rows`` (one cohort and year) with."""
    if settings.pool != "roster":
        return pricing_pool(code, year, settings)
    sf, mid = float(rows["scaling_factor"].iloc[0]), float(rows["tfs_midpoint"].iloc[0])
    pool = given_pool(code, year, scaling_factor=sf, midpoint=mid,
                      steepness=cohort_settings(code, year, settings).tfs_steepness, settings=settings)
    return dataclasses.replace(pool, source=f"roster as the cohort: scaling factor {sf:.4g}, midpoint {mid:.4g}")


def roster_dashboard(valid: pd.DataFrame, scores: pd.DataFrame, *, settings: Settings = DEFAULT_SETTINGS,
                     workbook_files: pd.DataFrame | None = None, performance_year: int | None = None,
                     participation=None) -> Dashboard:
    """The dashboard of the valid roster rows ``valid`` and their cohort scores ``scores`` (same
    index, :func:`~asm_xl.model.cohort.score_cohort` with ``settings``); ``workbook_files``: per row
    ``file`` and ``status``; ``participation``: as :func:`~asm_xl.model.projection.project_five_years`."""
    pools = yearly_pools(scores, settings)
    ranges = payment_ranges(scores, settings=settings)
    needed = scores_needed(scores, pool=pools, settings=settings)
    table = pd.concat([scores, ranges, needed[["break_even_score", "points_to_break_even"]]], axis=1)
    scoring = settings.replace(pool="given", given_scaling_factor=1.0)  # final scores only: see the module note
    actions = action_values(valid, settings=scoring, pool=pools, errors="skip", performance_year=performance_year)
    projection = project_five_years(valid, settings=scoring, pool=pools, participation=participation,
                                    errors="skip", performance_year=performance_year)
    sources = {code: pool.source for (code, _), pool in pools.items()}
    return practice_dashboard(table, actions, projection, settings, workbook_files, pools=pools,
                              pool_sources=sources)
