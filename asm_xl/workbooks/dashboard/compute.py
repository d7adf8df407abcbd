"""The dashboard of a scored roster, by the model API, each piece computed once for all physicians:
payment ranges, the score needed to break even, every action's value, the five-year projection.

The pools of the five performance years: the pool in force of each year
(:func:`~asm_xl.model.pool_choice.pricing_pool`, which draws the national peer model once per cohort
and prices it at each year's risk level). A 'roster' pool is the roster's own SF and m; a year the roster does not cover uses those of the
roster's first year [ASSUMPTION: the cohort keeps its standing], and an action is priced
with the roster's SF and m held (one physician's change moves the roster's own pool a little; that
is left out) [ASSUMPTION].

Final scores do not depend on the pool, only their pricing does. Actions and the projection are
therefore scored with a given pool of SF 1 (no peer model is drawn for their what-if copies) and
priced by the explicit pools above, the ones :func:`~asm_xl.model.ranges.payment_ranges` uses.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from asm_xl.model.actions import ACTION_COLUMNS, PRICED_COLUMNS, action_values
from asm_xl.model.parameters import performance_years
from asm_xl.model.pool_choice import pricing_pool, roster_as_cohort
from asm_xl.model.projection import project_five_years
from asm_xl.model.ranges import payment_ranges
from asm_xl.model.rescoring import Baseline, final_score_settings
from asm_xl.model.score_needed import scores_needed
from asm_xl.model.settings import DEFAULT_SETTINGS, Settings
from asm_xl.workbooks.dashboard.data import Dashboard, practice_dashboard

__all__ = ["yearly_pools", "projection_pools", "roster_dashboard", "dashboard_numbers", "DashboardNumbers"]


def yearly_pools(scores: pd.DataFrame, settings: Settings = DEFAULT_SETTINGS) -> dict:
    """{(cohort, performance year): PoolDraws} for every cohort of ``scores`` and every model year
    (see the module's note): the pool in force, or the roster's own SF and m of that year (of the
    roster's first year where it has no row)."""
    pools = {}
    for code, grp in scores.groupby("cohort", sort=True):
        years = grp["performance_year"].astype(int)
        first = grp[years == int(years.min())]
        for y in performance_years():
            if settings.pool != "roster":
                pools[(code, y)] = pricing_pool(code, y, settings)
                continue
            own = grp[years == y] if (years == y).any() else first
            pools[(code, y)] = roster_as_cohort(code, y, own["scaling_factor"].iloc[0], own["tfs_midpoint"].iloc[0],
                                                settings)
    return pools


def projection_pools(scores: pd.DataFrame, settings: Settings = DEFAULT_SETTINGS):
    """What prices the five-year view (:func:`~asm_xl.model.projection.project_five_years`'s ``pool``): the
    pools of :func:`yearly_pools`; with a roster pool, for each row its own year's roster SF and m in every
    year it is projected into (as its workbook prices its projection), not the roster of another year."""
    if settings.pool != "roster":
        return yearly_pools(scores, settings)
    by_own: dict[int, dict] = {}
    for (code, own), grp in scores.groupby(["cohort", "performance_year"], sort=True):
        sf, m = grp["scaling_factor"].iloc[0], grp["tfs_midpoint"].iloc[0]
        by_own.setdefault(int(own), {}).update({(code, y): roster_as_cohort(code, y, sf, m, settings)
                                                for y in performance_years()})
    return lambda own_year: by_own.get(int(own_year), {})


def roster_dashboard(valid: pd.DataFrame, scores: pd.DataFrame, *, settings: Settings = DEFAULT_SETTINGS,
                     workbook_files: pd.DataFrame | None = None, performance_year: int | None = None,
                     participation=None, cost_ladders: dict | None = None, ladders=None) -> Dashboard:
    """The dashboard of the valid roster rows ``valid`` and their cohort scores ``scores`` (same
    index, :func:`~asm_xl.model.cohort.score_cohort` with ``settings``); ``workbook_files``: per row
    ``file`` and ``status``; ``participation``: as :func:`~asm_xl.model.projection.project_five_years`; ``ladders``:
    the user's quality ladders the scores used (:func:`~asm_xl.model.user_ladders.quality_ladders`)."""
    return dashboard_numbers(valid, scores, settings=settings, performance_year=performance_year,
                             participation=participation, cost_ladders=cost_ladders,
                             ladders=ladders).dashboard(workbook_files)


@dataclass(frozen=True)
class DashboardNumbers:
    """Everything the model computes for a dashboard (the costly part), before the workbook files are
    known: ``generate`` computes it while the workbooks are being written, then adds the files.
    ``actions``: :func:`~asm_xl.model.actions.action_values` without the columns that price the final
    scores before and after (:data:`~asm_xl.model.actions.PRICED_COLUMNS`), which the dashboard adds to the
    actions it lists."""

    table: pd.DataFrame
    actions: pd.DataFrame
    projection: pd.DataFrame
    settings: Settings
    pools: dict
    projection_pool: object = None   #: what priced the projection (its ``pool``): the totals' ranges add it up
    ladders: object = None   #: the user's quality ladders (LadderOverrides) the numbers rest on, or None

    def dashboard(self, workbook_files: pd.DataFrame | None = None) -> Dashboard:
        # the pools of the cohorts and years the physicians are scored in (the five-year view prices others)
        shown = set(zip(self.table["cohort"].astype(str), self.table["performance_year"].astype(int)))
        sources = {f"{code} {year}": pool.source for (code, year), pool in self.pools.items() if (code, year) in shown}
        return practice_dashboard(self.table, self.actions, self.projection, self.settings, workbook_files,
                                  pools=self.pools, pool_sources=sources, projection_pool=self.projection_pool,
                                  ladders=self.ladders)


def dashboard_numbers(valid: pd.DataFrame, scores: pd.DataFrame, *, settings: Settings = DEFAULT_SETTINGS,
                      performance_year: int | None = None, participation=None,
                      cost_ladders: dict | None = None, ladders=None) -> DashboardNumbers:
    """The model's part of :func:`roster_dashboard` (ranges, break-even scores, actions, projection).
    ``cost_ladders``: those the scores used (:attr:`~asm_xl.model.cohort.CohortResult.cost_ladders`): the
    actions and the projection re-score under a given pool, where a roster builds none (a roster pool's
    episode costs were re-scored as not scored: P10 = P50 = P90 = -$5,294 beside 'likely to gain')."""
    pools = yearly_pools(scores, settings)
    ranges = payment_ranges(scores, settings=settings)
    needed = scores_needed(scores, pool=pools, settings=settings)
    table = pd.concat([scores, ranges, needed[["break_even_score", "points_to_break_even", "gain_target_score"]]],
                      axis=1)
    scoring = final_score_settings(settings)   # final scores only (see the module note): the pools price them
    # the roster scored once for both the actions and the projection (the same settings and options)
    base = Baseline.build(valid, settings=scoring, errors="skip", performance_year=performance_year,
                          cost_ladders=cost_ladders, ladders=ladders)
    # every action's value (the ranks and each physician's most valuable action need them all); the final
    # scores before and after are priced only for the actions the dashboard lists (practice_dashboard)
    actions = action_values(base, settings=scoring, pool=pools,
                            columns=[c for c in ACTION_COLUMNS if c not in PRICED_COLUMNS])
    priced_by = projection_pools(scores, settings)
    projection = project_five_years(base, settings=scoring, pool=priced_by, participation=participation)
    return DashboardNumbers(table, actions, projection, settings, pools, priced_by, ladders)
