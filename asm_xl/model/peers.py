"""The national peer model: draw the cohort a physician is ranked against many times, and price a
final score as a range (P10 / P50 / P90, mean, probability of a gain).

ASM pays on rank within the **national** cohort [REG 512.750(b)]; the scaling factor and (for a
median midpoint) the exchange function's midpoint are statistics of that cohort, which no practice
sees. :func:`simulate_national_cohorts` draws ``draws`` national cohorts of
:class:`~asm_xl.model.peer_assumptions.PeerAssumptions` (epistemic ranges drawn once per cohort,
peers drawn inside it), scores every peer with the methodology's own kernels (categories,
adjustments, final score, exchange function) and solves each cohort's scaling factor by the budget rule
(:func:`asm_xl.model.scaling.solve_scaling_factors`, vectorised over the draws; it agrees with the cohort
API's :func:`~asm_xl.model.payment.solve_scaling_factor` to 1e-9, a tested property). What is kept per draw is what
prices a final score: k, m and SF. :meth:`PoolDraws.price` then gives, for any final scores::

    factor_d(final) = r x TFS(final; k_d, m_d) x SF_d - r     (final > 0; -r at 0), bounded to [-r, r]
    P10, P50, P90   = percentiles of factor_d over the draws d;  P(gain) = share of draws with factor > 0
    dollars         = factor x Part B payments

Other pool sources give a :class:`PoolDraws` too, so one pricing rule serves all: :func:`given_pool`
(a scaling factor and midpoint the user supplies, e.g. from CMS's report: one draw, the range
collapses) and :func:`roster_pool` (the roster **is** the whole cohort).

>>> pool = given_pool("HF", 2027, scaling_factor=1.7, midpoint=50.0)
>>> rng = pool.price([80.0], [250_000.0])
>>> round(float(rng.factor_p50[0]), 4), round(float(rng.dollars_p50[0]), 2), float(rng.p_gain[0])
(0.0557, 13935.96, 1.0)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from asm_xl.model import payment
from asm_xl.model.errors import ASMInputError
from asm_xl.model.parameters import get_cohort, risk_level
from asm_xl.model.peer_assumptions import PeerAssumptions
from asm_xl.model.peer_buffers import Lender, row_loops
from asm_xl.model.peer_pricing import adjustment_factors, range_statistics
from asm_xl.model.peer_simulation import peer_batches, pool_of
from asm_xl.model.peer_threads import side_by_side
from asm_xl.model.scaling import solve_scaling_factors
from asm_xl.model.settings import DEFAULT_SETTINGS, Settings

__all__ = ["PoolDraws", "PaymentRange", "simulate_national_cohorts", "given_pool", "checked_given", "roster_pool",
           "bootstrap_pool"]

@dataclass(frozen=True)
class PaymentRange:
    """Factor and dollars of each final score over the pool's draws."""

    factor_p10: np.ndarray
    factor_p50: np.ndarray
    factor_p90: np.ndarray
    factor_mean: np.ndarray
    p_gain: np.ndarray          #: share of draws with a positive factor
    dollars_p10: np.ndarray
    dollars_p50: np.ndarray
    dollars_p90: np.ndarray
    dollars_mean: np.ndarray

    def columns(self) -> dict[str, np.ndarray]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class PoolDraws:
    """What prices a final score in each of ``draws`` cohorts: k, m and SF per draw."""

    cohort: str
    performance_year: int
    risk_level: float
    steepness: np.ndarray        #: k per draw
    midpoint: np.ndarray         #: m per draw
    scaling_factor: np.ndarray   #: SF per draw
    source: str                  #: where the pool comes from, in words (shown to the user)
    settings: Settings = DEFAULT_SETTINGS
    #: per draw, True where m was the cohort's median final score (None: every m as ``tfs_midpoint_mode``)
    median_rule: np.ndarray | None = None

    @property
    def draws(self) -> int:
        return int(self.scaling_factor.size)

    def factors(self, final_scores) -> np.ndarray:
        """(physicians, draws) payment adjustment factors [REG 512.750(c)]
        (:func:`~asm_xl.model.peer_pricing.adjustment_factors`)."""
        return adjustment_factors(_checked_finals(final_scores), self.steepness, self.midpoint, self.scaling_factor,
                                  self.risk_level, self.settings)

    def price(self, final_scores, part_b_payments=None, *, chunk: int = 256) -> PaymentRange:
        """P10 / P50 / P90 / mean factor and dollars and P(gain) of each final score
        (:func:`~asm_xl.model.peer_pricing.range_statistics`, ``chunk`` physicians at a time)."""
        final = _checked_finals(final_scores)
        pay = np.zeros_like(final) if part_b_payments is None else np.asarray(part_b_payments, dtype=float)
        pay = np.broadcast_to(pay, final.shape)
        if not np.all(np.isfinite(pay)) or np.any(pay < 0):
            raise ASMInputError("part_b_payments", part_b_payments, "dollars >= 0 (finite)")
        out = range_statistics(final, self.steepness, self.midpoint, self.scaling_factor, self.risk_level,
                               self.settings, chunk=chunk)
        return PaymentRange(out["p10"], out["p50"], out["p90"], out["mean"], out["gain"],
                            out["p10"] * pay, out["p50"] * pay, out["p90"] * pay, out["mean"] * pay)


def _checked_finals(final_scores) -> np.ndarray:
    final = np.atleast_1d(np.asarray(final_scores, dtype=float))
    bad = ~np.isfinite(final) | (final < 0) | (final > 100)
    if bad.any():
        raise ASMInputError("final_score", final[bad][0], "a final score between 0 and 100")
    return final


# ------------------------------------------------------------------ pools that are given or known
def given_pool(cohort: str, performance_year: int, *, scaling_factor: float, midpoint: float,
               steepness: float | None = None, settings: Settings = DEFAULT_SETTINGS) -> PoolDraws:
    """A pool of the SF and m (and k) given, e.g. from CMS's report: one draw, no range.

    The midpoint is required: a given SF comes with its cohort's midpoint. Which m goes with a SF
    given without one is :func:`asm_xl.model.pool_choice.given_point`'s rule (the 'given' pool uses it).
    Their ranges: :func:`checked_given`."""
    sf, m = checked_given(scaling_factor, midpoint)
    k = settings.tfs_steepness if steepness is None else float(steepness)
    return PoolDraws(get_cohort(cohort).code, int(performance_year), risk_level(performance_year),
                     np.array([k]), np.array([m]), np.array([sf]),
                     f"given: scaling factor {sf:g}, midpoint {m:g}", settings)


def checked_given(scaling_factor=None, midpoint=None, *, scaling_field: str = "scaling_factor",
                  midpoint_field: str = "midpoint") -> tuple[float | None, float | None]:
    """A given scaling factor and midpoint as numbers, each checked (None: not given, returned as None);
    the one place their ranges are checked, for :func:`given_pool` and
    :func:`asm_xl.model.pool_choice.given_point`::

        SF  a finite number >= 0      (0: a cohort without positive scores, nothing to scale)  [REG 512.750(c)]
        m   a number 0 to 100         (a final score)

    An :class:`ASMInputError` names the field (``scaling_field``, ``midpoint_field``), the value and
    what is allowed."""
    return (None if scaling_factor is None else _in_range(scaling_field, scaling_factor, np.inf),
            None if midpoint is None else _in_range(midpoint_field, midpoint, 100.0))


def _in_range(name: str, value, maximum: float) -> float:
    x = float(value)
    if not (np.isfinite(x) and 0 <= x <= maximum):
        raise ASMInputError(name, value, "a number >= 0" if maximum == np.inf else f"a number between 0 and {maximum:g}")
    return x


def roster_pool(final_scores, part_b_payments, cohort: str, performance_year: int, *,
                settings: Settings = DEFAULT_SETTINGS) -> PoolDraws:
    """The roster as the whole cohort (only when it is): SF and midpoint solved as the cohort API does.

    Give only the pool's members: participants with an exception that applies (euc_exception,
    payment_exception; setting exceptions_neutral) are out of the pool and keep a neutral factor [ASSUMPTION], as
    in the cohort API."""
    final = np.asarray(final_scores, dtype=float)
    pay = np.asarray(part_b_payments, dtype=float)
    scorable = np.isfinite(final)
    m = float(payment.cohort_midpoints(final, scorable, settings=settings)[0])
    sol = payment.solve_scaling_factor(final[scorable], pay[scorable], risk_level(performance_year), midpoint=m,
                                       settings=settings)
    return PoolDraws(get_cohort(cohort).code, int(performance_year), risk_level(performance_year),
                     np.array([settings.tfs_steepness]), np.array([m]), np.array([sol.scaling_factor]),
                     f"roster as the cohort ({int(scorable.sum())} scored participants)", settings)


def bootstrap_pool(final_scores, part_b_payments, cohort: str, performance_year: int, *, cohort_size: int,
                   draws: int = 1000, seed: int = 0, settings: Settings = DEFAULT_SETTINGS) -> PoolDraws:
    """National cohorts resampled from known participants (with replacement, ``cohort_size`` each).

    For a consultant who holds a representative sample of the cohort's scores: each draw's SF is
    solved as the cohort API does, with the fixed midpoint or the draw's median (``tfs_midpoint_mode``).
    As the sample approaches the cohort, the draws converge to :func:`roster_pool`'s SF.
    """
    final = np.asarray(final_scores, dtype=float)
    pay = np.asarray(part_b_payments, dtype=float)
    keep = np.isfinite(final)
    final, pay = final[keep], pay[keep]
    rng = np.random.default_rng(seed)
    r = risk_level(performance_year)
    sf, m = np.empty(draws), np.empty(draws)
    step = max(1, 1_000_000 // max(1, cohort_size))
    for lo in range(0, draws, step):
        d = min(step, draws - lo)
        pick = rng.integers(0, final.size, size=(d, cohort_size))
        f, w = final[pick], (pay[pick] if settings.payment_weighted_pool else np.ones((d, cohort_size)))
        mid = payment.cohort_midpoints(f, True, settings=settings)
        tfs = payment.transformed_final_score(f, midpoint=mid[:, None], settings=settings)
        sf[lo:lo + d], _ = solve_scaling_factors(tfs, w, f > 0, withhold=settings.pool_withhold,
                                                 bound=settings.bound_factors, definition=settings.pool_definition)
        m[lo:lo + d] = mid
    return PoolDraws(get_cohort(cohort).code, int(performance_year), r, np.full(draws, settings.tfs_steepness), m, sf,
                     f"resampled from {final.size} known participants ({draws:,} cohorts of {cohort_size:,})",
                     settings)


# ------------------------------------------------------------------ the simulated national cohort
def simulate_national_cohorts(cohort: str, performance_year: int, *, assumptions: PeerAssumptions | None = None,
                              draws: int = 1000, seed: int = 0, settings: Settings = DEFAULT_SETTINGS,
                              chunk: int | None = None) -> PoolDraws:
    """Draw ``draws`` national cohorts (:func:`~asm_xl.model.peer_simulation.peer_batches`) and solve
    each one's scaling factor and midpoint as the cohort API does. Reproducible from ``seed``: every
    random number is drawn first, then the batches are scored side by side on the shared worker
    threads (:mod:`asm_xl.model.peer_threads`), each giving its own draws."""
    a = assumptions or settings.peer_assumptions(cohort)
    code = get_cohort(cohort).code
    r = risk_level(performance_year)
    k, m, sf = np.empty(int(draws)), np.empty(int(draws)), np.empty(int(draws))
    median_rule = np.zeros(int(draws), dtype=bool)
    batches = peer_batches(code, assumptions=a, draws=draws, seed=seed, settings=settings, chunk=chunk)
    lender = Lender()  # each thread's work arrays, kept from one of its batches to the next

    def solve(batch):
        with lender.lend() as buffers, row_loops():
            return batch.draws, batch.use_median, pool_of(batch.score(inputs=False, buffers=buffers), settings, buffers)

    for sel, rule, (k[sel], m[sel], sf[sel]) in side_by_side(solve, batches):
        median_rule[sel] = rule
    uncertain = [f.name for f in a.describe() if f.name != "cohort" and a.is_uncertain(f.name)]
    source = (f"national peer model: {int(draws):,} simulated {code} cohorts of {int(a.cohort_size):,} "
              f"(seed {seed}; {len(uncertain)} uncertain assumptions)")
    return PoolDraws(code, int(performance_year), r, k, m, sf, source, settings, median_rule)
