"""Where the cost ladder of a pool comes from [spec 4, 8][MIPS]: given (``cost_ladders`` of
:func:`~asm_xl.model.cohort.score_cohort`, e.g. the ladder a workbook holds), or built from the roster's
own episode costs only where the roster may give it (it is the cohort). CMS publishes none."""

from __future__ import annotations

import numpy as np

from asm_xl.model.benchmarks import ladder_from_rates
from asm_xl.model.settings import Settings

__all__ = ["BUILD", "given_cost_ladder", "roster_gives_cost_ladder", "roster_cost_ladder"]

#: cost_ladder of a pool for which none was given: built from the pool's own episode costs
BUILD = object()


def given_cost_ladder(cost_ladders: dict | None, code: str, year: int, default=None):
    """The cost ladder given for a cohort and year in ``cost_ladders`` of :func:`score_cohort` (key
    ``(cohort, year)``, else ``cohort``; None: given as none), ``default`` when none is given."""
    given = cost_ladders or {}
    return given.get((code, year), given.get(code, default))


def roster_gives_cost_ladder(settings: Settings, benchmark_source: str = "packaged") -> bool:
    """Whether a roster's own episode costs may give its cost ladder: it is the cohort (pool 'roster'), or
    ladders come from the cohort's data (``benchmark_source`` 'cohort') [spec 8]."""
    return settings.pool == "roster" or benchmark_source == "cohort"


def roster_cost_ladder(episode_costs: np.ndarray, benchmark_source: str, settings: Settings):
    """The cost ladder a pool's own episode costs give, where they may give one [spec 4, 8][MIPS]::

        ladder = deciles of the episode costs (lower is better)   the roster is the cohort (pool 'roster'),
                                                                   or ladders come from the cohort's data
                                                                   (benchmark_source 'cohort'), and at least
                                                                   benchmark_minimum_reporters costs are given
               = None (episode costs not scored)                   otherwise

    A practice's roster is not the national cohort (spec 8): ranking its physicians' episode costs
    against each other would score cost on the practice's own spread. CMS publishes no cost ladder, so
    without one given (``cost_ladders``) an episode cost is scored only where the roster is the cohort;
    cost points from CMS's report need no ladder. :func:`~asm_xl.model.categories.no_cost_ladder_note`
    says so where it bites."""
    if not roster_gives_cost_ladder(settings, benchmark_source):
        return None
    return ladder_from_rates(episode_costs, inverse=True, minimum_reporters=settings.benchmark_minimum_reporters)
