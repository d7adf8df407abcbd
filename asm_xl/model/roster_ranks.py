"""A roster's ranks with some of its physicians left out: those with no ASM adjustment that year (CMS lists them as
not participating) or a kept workbook whose numbers are stale. The others are ranked again within their cohort
and year by the cohort API's rules (:func:`~asm_xl.model.payment.competition_rank`,
:func:`~asm_xl.model.payment.percentile_rank`), as if the left-out rows were not in the roster."""

from __future__ import annotations

import numpy as np
import pandas as pd

from asm_xl.model.payment import competition_rank, percentile_rank

__all__ = ["ranks_without"]


def ranks_without(scores: pd.DataFrame, absent) -> tuple[list, list, list]:
    """(ranks, pool sizes, percentile ranks) of ``scores`` (the cohort API's scores: ``cohort_rank`` says whom it
    pooled, by ``cohort`` and ``performance_year``) with the rows labelled in ``absent`` left out (NaN) and the
    others ranked again.

    >>> s = pd.DataFrame({"cohort": ["HF"] * 3, "performance_year": [2027] * 3, "final_score": [60.0, 50.0, 40.0],
    ...                   "cohort_rank": [1, 2, 3], "cohort_size": [3] * 3})
    >>> ranks_without(s, {0})
    ([nan, 1.0, 2.0], [2, 2, 2], [nan, 75.0, 25.0])
    """
    ranks, pct = np.full(len(scores), np.nan), np.full(len(scores), np.nan)
    sizes = scores["cohort_size"].astype(int).to_numpy().copy()
    finals = scores["final_score"].to_numpy(dtype=float)
    pooled = scores["cohort_rank"].notna().to_numpy() & ~scores.index.isin(list(absent))
    for rows in scores.groupby(["cohort", "performance_year"]).indices.values():
        mine = rows[pooled[rows]]
        if len(mine):
            ranks[mine] = competition_rank(finals[mine])
            pct[mine] = percentile_rank(finals[mine])
            sizes[rows] = len(mine)
    return ranks.tolist(), sizes.tolist(), pct.tolist()
