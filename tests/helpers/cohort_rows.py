"""Hand-made cohort API rows for tests: an HF participant with entered measure points, an LBP one."""

from __future__ import annotations


def hf_row(points=None, cost=8, **kw) -> dict:
    """HF participant whose four reported measures all have ``points`` (entered, 100% complete);
    ``points=None``: no measure reported."""
    row = {"cohort": "HF", "performance_year": 2027, "practice_size": 20, "part_b_payments": 100_000,
           "cost_episodes": 30, "cost_points": cost, "ia_done": 2, "pi_score": 1.0}
    if points is not None:
        for m in ("q008", "q005", "q236", "q377"):
            row.update({f"{m}_eligible": 50, f"{m}_completeness": 1.0, f"{m}_points": points})
    row.update(kw)
    return row


def lbp_row(**kw) -> dict:
    row = {"cohort": "LBP", "performance_year": 2027, "practice_size": 20, "part_b_payments": 100_000,
           "cost_episodes": 30, "cost_points": 5, "ia_done": 2, "pi_score": 1.0,
           "q238_eligible": 50, "q238_reported": 50, "q238_rate": 0.12}
    row.update(kw)
    return row
