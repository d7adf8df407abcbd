"""The scaling factor of many cohorts at once: the budget identity solved exactly, vectorized.

Each row of the inputs is one cohort (a drawn national cohort of the peer model, or the one cohort
of :func:`asm_xl.model.payment.solve_scaling_factor`); columns are participants.

With weights w_i (Part B payments, or 1), h the pool withhold and r the risk level, the budget
identity of spec 8 [CMS][ASSUMPTION payment-weighted] is::

    sum_i w_i x factor_i(SF) = -h x r x sum_i w_i,   factor_i = r x min(TFS_i x SF, 2) - r  (final_i > 0)
                                                              = -r                          (final_i = 0)

so with T = (1 - h) x sum_i w_i and the sum over participants with a positive final score::

    g(SF) = sum_i w_i x min(TFS_i x SF, 2) = T

g is continuous, non-decreasing and concave (piecewise linear), so Newton's method started at the
closed form SF0 = T / sum_i w_i TFS_i (no bound active, g(SF0) <= T) climbs to the exact root in
a finite number of steps: at each step, with C the participants at the bound (TFS_i SF >= 2)::

    SF <- (T - 2 x sum_(i in C) w_i) / sum_(i not in C) w_i x TFS_i

and it stops when C no longer changes (exact, not an approximation). Without the bound
(``bound=False``) the closed form is the answer. When even every positive score at +r cannot pay
the pool back (sum over w_i > 0 of 2 w_i < T) the smallest SF that puts them all there,
2 / min TFS_i, is returned and flagged ``UNATTAINABLE``.

The second pool definition (``definition="positive_85_of_negative"``, setting ``pool_definition``)
[ASSUMPTION] asks the positive adjustments to be (1 - h) of the negative ones, with u_i = factor_i / r::

    G(SF) = sum_i w_i x max(u_i, 0) - (1 - h) x sum_i w_i x max(-u_i, 0) = 0

G is continuous and non-decreasing but neither concave nor convex, so the root is bracketed by
bisection on [0, hi] (hi: every positive score at +r with the bound, else every positive score
non-negative and G(hi) >= 0) and then solved exactly on its linear piece: with A at the bound,
B positive below it, C negative (positive score) and Z the zero scores::

    SF = (W_B - W_A + (1 - h) (W_C + W_Z)) / (sum_B w_i TFS_i + (1 - h) sum_C w_i TFS_i)
"""

from __future__ import annotations

import numpy as np

__all__ = ["CLOSED_FORM", "SOLVED", "NO_POSITIVE_SCORES", "UNATTAINABLE", "METHOD_NAMES", "solve_scaling_factors"]

CLOSED_FORM, SOLVED, NO_POSITIVE_SCORES, UNATTAINABLE = 0, 1, 2, 3
METHOD_NAMES = ("closed form", "solved", "no positive scores", "budget unattainable")


def solve_scaling_factors(tfs, weights, positive, *, withhold: float, bound: bool = True,
                          max_steps: int = 200, definition: str = "payment_weighted_withhold",
                          ) -> tuple[np.ndarray, np.ndarray]:
    """Scaling factor of each cohort (row) and how it was found (a code of :data:`METHOD_NAMES`).

    ``tfs``, ``weights`` and ``positive`` (final score > 0) are (cohorts, participants) arrays or
    broadcast to that shape; participants outside a cohort's pool have weight 0. Rows without any
    positive score get NaN and ``NO_POSITIVE_SCORES``: the caller decides what that means.

    >>> sf, how = solve_scaling_factors([[0.5, 0.5]], [[1.0, 1.0]], [[True, True]], withhold=0.15)
    >>> round(float(sf[0]), 6), METHOD_NAMES[how[0]]
    (1.7, 'closed form')
    """
    t = np.atleast_2d(np.asarray(tfs, dtype=float))
    pos = np.broadcast_to(np.atleast_2d(np.asarray(positive, dtype=bool)), t.shape)
    w = np.broadcast_to(np.atleast_2d(np.asarray(weights, dtype=float)), t.shape)
    total = w.sum(axis=1)
    target = (1.0 - withhold) * total
    wp = np.where(pos, w, 0.0)
    wt = np.where(pos, w * t, 0.0).sum(axis=1)  # participants outside the pool may carry NaN
    method = np.full(t.shape[0], CLOSED_FORM, dtype=np.int8)
    none = ~(wt > 0.0)
    method[none] = NO_POSITIVE_SCORES
    if definition == "positive_85_of_negative":
        return _positive_share(t, w, pos, 1.0 - withhold, bound, none, method)
    with np.errstate(divide="ignore", invalid="ignore"):
        sf = np.where(none, np.nan, target / np.where(none, 1.0, wt))
    if not bound:
        return sf, method
    at_bound = pos & (t * sf[:, None] >= 2.0)
    active = at_bound.any(axis=1) & ~none
    # Where the bound only clips participants without weight, the closed form still meets the budget.
    active &= (np.where(at_bound, wp, 0.0).sum(axis=1) > 0.0)
    if not active.any():
        return sf, method
    rows = np.flatnonzero(active)
    tr, wr, pr, target_r = t[rows], wp[rows], pos[rows], target[rows]
    cap_possible = np.where(pr & (wr > 0.0), 2.0 * wr, 0.0).sum(axis=1)
    unattainable = cap_possible < target_r
    with np.errstate(divide="ignore"):
        t_min = np.where(pr & (wr > 0.0), tr, np.inf).min(axis=1)
    s = sf[rows]
    for _ in range(max_steps):
        capped = pr & (tr * s[:, None] >= 2.0)
        free = np.where(capped | ~pr, 0.0, wr * tr).sum(axis=1)
        fixed = np.where(capped, 2.0 * wr, 0.0).sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            nxt = np.where(free > 0.0, (target_r - fixed) / free, s)
        nxt = np.maximum(nxt, s)  # concave from below: never steps back (guards rounding)
        if np.array_equal(nxt, s):
            break
        s = nxt
    s = np.where(unattainable, 2.0 / t_min, s)
    sf[rows] = s
    method[rows] = np.where(unattainable, UNATTAINABLE, SOLVED)
    return sf, method


def _positive_share(t, w, pos, keep, bound, none, method):
    """Rows solved under "positive adjustments = keep x negative ones" (see the module text)."""
    sf = np.full(t.shape[0], np.nan)
    rows = np.flatnonzero(~none)
    if rows.size == 0:
        return sf, method
    live = pos[rows] & (w[rows] > 0.0)
    tr = np.where(live, t[rows], 0.0)
    wr = np.where(live, w[rows], 0.0)
    wz = np.where(pos[rows], 0.0, w[rows]).sum(axis=1)  # zero scores: factor -r whatever SF

    def parts(s):
        ts = tr * s[:, None]
        a = live & (ts >= 2.0) if bound else np.zeros_like(live)
        b = live & ~a & (ts >= 1.0)
        c = live & (ts < 1.0)
        return a, b, c

    def g(s):
        a, b, c = parts(s)
        ts = tr * s[:, None]
        return (np.where(a, wr, 0.0).sum(axis=1) + np.where(b, wr * (ts - 1.0), 0.0).sum(axis=1)
                - keep * (np.where(c, wr * (1.0 - ts), 0.0).sum(axis=1) + wz))

    with np.errstate(divide="ignore"):
        t_min = np.where(live, tr, np.inf).min(axis=1)
    wt = (wr * tr).sum(axis=1)
    if bound:
        hi = 2.0 / t_min
    else:
        hi = 2.0 * np.maximum(1.0 / t_min, (wr.sum(axis=1) + keep * wz) / wt)  # margin: g(hi) > 0
    unattainable = (g(hi) < 0.0) if bound else np.zeros(hi.shape, dtype=bool)
    lo = np.zeros_like(hi)
    for _ in range(2000):  # bisection down to neighbouring floats
        mid = 0.5 * (lo + hi)
        done = (mid <= lo) | (mid >= hi)
        if done.all():
            break
        up = g(mid) < 0.0
        lo = np.where(~done & up, mid, lo)
        hi = np.where(~done & ~up, mid, hi)
    mid = 0.5 * (lo + hi)
    a, b, c = parts(mid)
    num = (np.where(b, wr, 0.0).sum(axis=1) - np.where(a, wr, 0.0).sum(axis=1)
           + keep * (np.where(c, wr, 0.0).sum(axis=1) + wz))
    den = np.where(b, wr * tr, 0.0).sum(axis=1) + keep * np.where(c, wr * tr, 0.0).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        exact = num / den
    ok = (den > 0.0) & (exact >= lo * (1 - 1e-12)) & (exact <= hi * (1 + 1e-12))
    s = np.where(ok, exact, mid)
    s = np.where(unattainable, 2.0 / t_min, s)
    sf[rows] = s
    method[rows] = np.where(unattainable, UNATTAINABLE, SOLVED)
    return sf, method
