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

G is continuous, non-decreasing and piecewise linear (neither concave nor convex) with breakpoints
at 1/TFS_i and, with the bound, 2/TFS_i. G is evaluated at every breakpoint (prefix sums over the
TFS sorted in descending order), and the root solved exactly on the linear piece where G crosses 0:
with A at the bound, B positive below it, C negative (positive score) and Z the zero scores::

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
    """Scaling factor of each cohort (row) and how it was found (a code of :data:`METHOD_NAMES`)
    [REG 512.750(c)][ASSUMPTION ``pool_definition``, ``pool_withhold``: the budget, spec 8].

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
    """Rows solved under "positive adjustments = keep x negative ones" (see the module text), exactly:
    G is evaluated at every breakpoint (1/TFS_i, and 2/TFS_i with the bound) from prefix sums over the
    TFS sorted in descending order, then solved on the linear piece where it crosses 0."""
    sf = np.full(t.shape[0], np.nan)
    for row in np.flatnonzero(~none):
        live = pos[row] & (w[row] > 0.0)
        wz = float(np.where(pos[row], 0.0, w[row]).sum())  # zero scores: factor -r whatever SF
        sf[row], method[row] = _positive_share_row(t[row][live], w[row][live], wz, keep, bound)
    return sf, method


def _positive_share_row(t, w, wz, keep, bound):
    order = np.argsort(-t, kind="stable")
    ts, ws = t[order], w[order]
    neg_ts = -ts  # ascending: count of TFS >= x is searchsorted(neg_ts, -x, "right")
    cw = np.concatenate(([0.0], np.cumsum(ws)))
    cwt = np.concatenate(([0.0], np.cumsum(ws * ts)))
    n = ts.size
    cands = np.unique(np.concatenate((1.0 / ts, 2.0 / ts) if bound else (1.0 / ts,)))
    b = np.searchsorted(neg_ts, -1.0 / cands, side="right")
    a = np.searchsorted(neg_ts, -2.0 / cands, side="right") if bound else np.zeros_like(b)
    g = (cw[a] + cands * (cwt[b] - cwt[a]) - (cw[b] - cw[a])
         - keep * ((cw[n] - cw[b]) - cands * (cwt[n] - cwt[b]) + wz))
    k = int(np.searchsorted(g >= 0.0, True)) if (g >= 0.0).any() else cands.size
    if k == cands.size and bound:  # even every positive score at +r cannot pay the pool back
        return 2.0 / float(ts[-1]), UNATTAINABLE
    lo = 0.0 if k == 0 else float(cands[k - 1])
    hi = float(cands[k]) if k < cands.size else 2.0 * lo
    mid = 0.5 * (lo + hi)
    at = bound & (ts * mid >= 2.0)
    above = ~at & (ts * mid >= 1.0)
    below = ts * mid < 1.0
    num = ws[above].sum() - ws[at].sum() + keep * (ws[below].sum() + wz)
    den = (ws * ts)[above].sum() + keep * (ws * ts)[below].sum()
    return (float(num / den) if den > 0.0 else hi), SOLVED
