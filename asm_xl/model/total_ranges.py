"""The range of a total: a cohort's or the practice's dollars, in a year or summed over years, as
percentiles over the pool's draws of the total itself, added up draw by draw.

For a group G of the projection's rows r (physician-years, :func:`~asm_xl.model.projection.project_five_years`)::

    total_d(G)          = sum over r in G of  factor_d(final_r; pool of cohort_r, year_r) x payments_base_r
                          (a row not ``priced``, i.e. not participating or its year of an exception: 0)
    P10 / P50 / P90(G)  = np.percentile over the draws d of total_d(G)               [spec 8]
    mean(G)             = the mean over d = the sum of the rows' means (exactly)

Adding up the physicians' own P10s does not give the P10 of the total: physicians above and below
the pool's midpoint do badly in different draws (on the sample roster the practice's summed P10 is
-$308,498, the P10 of its total -$277,522). With a given or roster pool (one draw) the two are the same.

[ASSUMPTION] Draw d of one pool and draw d of another are one state of the world: the national pools
of every cohort and year are drawn from one seed (``peer_seed``), so draw d makes the same guesses
about the nation for HF and LBP (their scaling factors correlate at 0.96) and, for one cohort, is the
same cohort in every year (only the risk level differs). A pool of one draw is the same in every draw.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from asm_xl.model.errors import ASMInputError
from asm_xl.model.rescoring import pool_for
from asm_xl.model.settings import DEFAULT_SETTINGS, Settings

__all__ = ["TOTAL_STATISTICS", "total_ranges", "own_years"]

#: the columns :func:`total_ranges` gives each group
TOTAL_STATISTICS = ["p10", "p50", "p90", "mean"]

_CHUNK = 512   #: projection rows priced at a time (a chunk's factors: 512 x 1,000 draws, 4 MB)


def own_years(projection: pd.DataFrame) -> np.ndarray:
    """Per projection row, the performance year of its roster row (the first year projected from it)."""
    years = projection["performance_year"].astype(int)
    return years.groupby(projection["row"]).transform("min").to_numpy(dtype=int)


def total_ranges(projection: pd.DataFrame, groups: Mapping[str, np.ndarray], *, pool=None,
                 settings: Settings = DEFAULT_SETTINGS) -> pd.DataFrame:
    """P10 / P50 / P90 / mean over the pool's draws of each group's total dollars (the module's formula).

    ``projection``: rows of :func:`~asm_xl.model.projection.project_five_years` (its ``cohort``,
    ``performance_year``, ``final_score``, ``payments_base``, ``priced`` and ``row``); ``groups``: {label:
    boolean mask over its rows}; ``pool``: what priced the projection (its ``pool`` argument: as
    :func:`~asm_xl.model.rescoring.pool_for` takes it, or a function of a row's own performance year).
    Returns one row per label (index), columns :data:`TOTAL_STATISTICS`; a group of no priced row is 0.
    """
    labels = list(groups)
    n = len(projection)
    masks = np.zeros((len(labels), n))
    for g, label in enumerate(labels):
        mask = np.asarray(groups[label], dtype=bool)
        if mask.shape != (n,):
            raise ASMInputError("groups", label, f"a boolean mask of the projection's {n} rows")
        masks[g] = mask
    totals = _draw_totals(projection, masks, pool, settings)
    stats = np.percentile(totals, [10, 50, 90], axis=1) if totals.shape[1] else np.zeros((3, len(labels)))
    out = pd.DataFrame({"p10": stats[0], "p50": stats[1], "p90": stats[2],
                        "mean": totals.mean(axis=1) if totals.shape[1] else 0.0}, index=labels)
    return out[TOTAL_STATISTICS]


def _draw_totals(projection: pd.DataFrame, masks: np.ndarray, pool, settings: Settings) -> np.ndarray:
    """(groups, draws) totals: each priced row's dollars in every draw, added into the groups it is in."""
    priced = projection["priced"].to_numpy(dtype=bool) & masks.any(axis=0)
    if not priced.any():
        return np.zeros((masks.shape[0], 1))
    final = projection["final_score"].to_numpy(dtype=float)
    base = projection["payments_base"].to_numpy(dtype=float)
    cohort = projection["cohort"].astype(str).to_numpy()
    year = projection["performance_year"].astype(int).to_numpy()
    own = own_years(projection) if callable(pool) else np.zeros(len(projection), dtype=int)
    parts: list[np.ndarray] = []
    for code, y, mine in sorted(set(zip(cohort[priced].tolist(), year[priced].tolist(), own[priced].tolist()))):
        rows = np.flatnonzero(priced & (cohort == code) & (year == y) & (own == mine))
        drawn = pool_for(code, y, _pool_of(pool, mine), settings)
        for lo in range(0, rows.size, _CHUNK):
            at = rows[lo:lo + _CHUNK]
            dollars = drawn.factors(final[at]) * base[at, None]          # (rows, draws)
            parts.append(masks[:, at] @ dollars)                         # (groups, draws)
    draws = max(p.shape[1] for p in parts)
    if any(p.shape[1] not in (1, draws) for p in parts):
        raise ASMInputError("pool", sorted({p.shape[1] for p in parts}),
                            "pools of one number of draws (or of one draw) to add up draw by draw")
    return sum(np.broadcast_to(p, (p.shape[0], draws)) for p in parts)


def _pool_of(pool, own_year: int):
    return pool(int(own_year)) if callable(pool) else pool
