"""Every payment estimate as a range: scored participants priced against the pool in force
(:mod:`asm_xl.model.pool_choice`: by default the national peer model).

A practice never sees its national cohort [REG 512.750(b)], so the honest answer to "what will ASM
do to this physician's payments?" is a range over what nobody knows (the cohort's scores, the
exchange function's k and midpoint), drawn by :func:`asm_xl.model.peers.simulate_national_cohorts`::

    factor P10 / P50 / P90   percentiles of the factor over the peer model's draws (spec 8)
    p_gain                   share of draws in which the factor is positive
    dollars Pxx              factor Pxx x Part B payments

A given pool (``pool='given'``) or the roster as the cohort (``pool='roster'``) is one draw: the
range collapses to the point estimate.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from asm_xl.model.pool_choice import pricing_pool, roster_as_cohort
from asm_xl.model.settings import DEFAULT_SETTINGS, Settings

__all__ = ["RANGE_COLUMNS", "payment_ranges"]

#: the columns :func:`payment_ranges` adds, in display order
RANGE_COLUMNS = ["factor_p10", "factor_p50", "factor_p90", "p_gain", "dollars_p10", "dollars_p50", "dollars_p90",
                 "pool_source"]


def payment_ranges(scores: pd.DataFrame, *, settings: Settings = DEFAULT_SETTINGS) -> pd.DataFrame:
    """The range columns (:data:`RANGE_COLUMNS`) for the rows of :func:`~asm_xl.model.cohort.score_cohort`'s
    ``scores`` (needs ``cohort``, ``performance_year``, ``final_score``, ``part_b_payments``).

    A participant whose final score cannot be computed gets ``<NA>`` (never NaN) and the pool's
    source all the same; one with an exception (the ``exception`` column of the cohort API) gets the
    neutral factor in every draw: factor and dollars 0, no chance of a gain [ASSUMPTION, as the
    point estimate].
    """
    n = len(scores)
    values = {col: np.full(n, np.nan) for col in RANGE_COLUMNS[:-1]}
    source = np.full(n, "", dtype=object)
    if n:
        final = pd.to_numeric(scores["final_score"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        pay = pd.to_numeric(scores["part_b_payments"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        cohort = scores["cohort"].astype(str).to_numpy()
        year = scores["performance_year"].astype(int).to_numpy()

        roster = settings.pool == "roster"
        sf = scores["scaling_factor"].to_numpy(dtype=float) if roster else None
        mid = scores["tfs_midpoint"].to_numpy(dtype=float) if roster else None

        def price(key):
            rows = (cohort == key[0]) & (year == key[1])
            if roster:  # the roster is the cohort: its own SF and midpoint, one draw (no range)
                first = int(np.flatnonzero(rows)[0])
                pool = roster_as_cohort(key[0], key[1], sf[first], mid[first], settings)
            else:
                pool = pricing_pool(key[0], key[1], settings)
            priced = rows & np.isfinite(final)
            return rows, priced, pool, (pool.price(final[priced], np.nan_to_num(pay[priced])) if priced.any() else None)

        groups = sorted(set(zip(cohort.tolist(), year.tolist())))
        # numpy releases the GIL in its loops: the cohorts' pools are drawn and priced side by side
        with ThreadPoolExecutor(max_workers=max(1, min(len(groups), os.cpu_count() or 1))) as runner:
            for rows, priced, pool, rng in runner.map(price, groups):
                source[rows] = pool.source
                if rng is not None:
                    for col in values:
                        values[col][priced] = getattr(rng, col)
        if "exception" in scores.columns:
            exc = scores["exception"].fillna(False).to_numpy(dtype=bool) & np.isfinite(final)
            for col in values:  # neutral: 0 in every draw (p_gain: no draw gains)
                values[col][exc] = 0.0
    out = pd.DataFrame({col: pd.array(np.where(np.isnan(v), None, v).tolist() if np.isnan(v).any() else v,
                                       dtype="Float64") for col, v in values.items()}, index=scores.index)
    out["pool_source"] = pd.Series(source, index=scores.index, dtype=object)
    return out
