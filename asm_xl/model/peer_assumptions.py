"""What a practice must assume about its national cohort: the peer model's named, sourced settings.

A practice never sees the ~2,600 heart-failure or ~4,000 low-back-pain clinicians it is ranked
against [REG 512.750(b)], and CMS has not published the exchange function's parameters. The peer
model describes that cohort with the settings below. A setting is either a value or a **range**
``(low, high)``: a range is epistemic uncertainty (nobody knows the value), drawn uniformly once per
simulated national cohort, so that the answer becomes a range that says how much is unknown.
``(x, x)`` or a plain number fixes it.

Sources: ``CMS`` (CMS's preliminary participant list, Feb 2026; the reconstructed file in the
project's test data gives 2,607 HF / 3,903 LBP NPIs, 28% / 40% flagged small practice for CY2027),
``REG``, ``ASSUMPTION`` (this project's reading, to be replaced when CMS publishes).

>>> a = PeerAssumptions.for_cohort("HF")
>>> a.cohort_size, a.share_small_practice
(2610, 0.28)
>>> a.replace(steepness=0.1).range_of("steepness")
(0.1, 0.1)
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field, fields
from typing import Any, Iterator, NamedTuple

from asm_xl.model.errors import ASMInputError

__all__ = ["PeerAssumptions", "PeerSettingInfo", "COHORT_SPECIFIC", "COHORT_DEFAULTS", "cohort_defaults_text"]

Range = tuple[float, float]

#: the defaults that differ by cohort [CMS preliminary participant list, Feb 2026], written once: the
#: fields' defaults (HF) and their descriptions are taken from here
COHORT_DEFAULTS = {
    "HF": {"cohort_size": 2610, "share_small_practice": 0.28},
    "LBP": {"cohort_size": 4027, "share_small_practice": 0.40},
}


def cohort_defaults_text(name: str, spec: str = "") -> str:
    """A cohort-specific default of each cohort as descriptions state it.

    >>> cohort_defaults_text("cohort_size", ","), cohort_defaults_text("share_small_practice", ".0%")
    ('2,610 HF, 4,027 LBP', '28% HF, 40% LBP')
    """
    return ", ".join(f"{d[name]:{spec}} {code}" for code, d in COHORT_DEFAULTS.items())


def _cms_example_steepness(midpoint: float) -> float:
    """k that CMS's illustration (a final score of 80 gives a TFS of 0.95) implies at midpoint m:
    k x (80 - m) = ln(0.95 / 0.05) = ln 19."""
    return math.log(0.95 / 0.05) / (80.0 - midpoint)


#: the fewest peers a drawn cohort may have: fewer than MIPS's minimum of reporters for a benchmark is no
#: national cohort (1 or 2 gave blank factors and ranges with no reason)
MIN_PEER_COHORT = 20
#: the least k of the exchange function (tfs_steepness, peer_steepness_low): at 0 every final score gets the same
#: factor (TFS 0.5 for all), whatever it is; at 0.01 TFS still runs from 0.38 to 0.62 over 0-100 [ASSUMPTION]
MIN_STEEPNESS = 0.01
#: the most: five times the LBP cohort (20,000 takes ~5 s and ~230 MB a run; 10 million asked for 37 GiB)
MAX_PEER_COHORT = 20_000


def _peer(default: Any, source: str, description: str, *, minimum: float = 0.0, maximum: float | None = None):
    return field(default=default, metadata={"source": source, "description": description,
                                            "minimum": minimum, "maximum": maximum})


class PeerSettingInfo(NamedTuple):
    """A peer-model setting as the Assumptions sheet and the README list it."""

    name: str
    value: Any
    source: str
    description: str


@dataclass(frozen=True)
class PeerAssumptions:
    """The national cohort of one ASM cohort (HF or LBP), as an editable, sourced description."""

    cohort: str = _peer("HF", "REG", "ASM cohort: HF (heart failure) or LBP (low back pain); never mixed.")
    cohort_size: int = _peer(COHORT_DEFAULTS["HF"]["cohort_size"], "CMS", "Clinicians in the national cohort (CMS "
                             f"preliminary list, Feb 2026: {cohort_defaults_text('cohort_size', ',')}).",
                             minimum=MIN_PEER_COHORT, maximum=MAX_PEER_COHORT)
    # --- quality: measure points of peers ---------------------------------------------------------
    mean_measure_points: Range = _peer((4.5, 6.5), "ASSUMPTION", "Mean achievement points (1-10) of a peer's "
                                       "scored measure. Benchmarks from the cohort's own performance give ~5.5 "
                                       "(points are near uniform by construction); MIPS ladders shift it.",
                                       minimum=1.1, maximum=10.0)
    measure_correlation: float = _peer(0.5, "ASSUMPTION", "Correlation of one peer's measures with each other "
                                       "(a good performer tends to be good on every measure).", maximum=1.0)
    share_incomplete: Range = _peer((0.02, 0.12), "ASSUMPTION", "Share of a peer's non-claims measures below the "
                                    "data completeness threshold (0 points, counted).", maximum=1.0)
    share_low_cases: Range = _peer((0.05, 0.25), "ASSUMPTION", "Share of a peer's measures under the case minimum "
                                   "(excluded).", maximum=1.0)
    # --- cost -------------------------------------------------------------------------------------
    mean_cost_points: Range = _peer((4.5, 6.5), "ASSUMPTION", "Mean cost achievement points (1-10) of peers; cost "
                                    "ladders come from the cohort's own episodes (~5.5 by construction).",
                                    minimum=1.1, maximum=10.0)
    share_cost_unscored: Range = _peer((0.05, 0.30), "ASSUMPTION", "Share of peers with too few episodes for a cost "
                                       "score (weight moves to quality).", maximum=1.0)
    quality_cost_correlation: Range = _peer((-0.1, 0.4), "ASSUMPTION", "Correlation of a peer's quality and cost "
                                            "performance (Gaussian copula).", minimum=-1.0, maximum=1.0)
    # --- adjustments ------------------------------------------------------------------------------
    share_both_ia: Range = _peer((0.60, 0.95), "ASSUMPTION", "Share of peers completing both improvement "
                                 "activities.", maximum=1.0)
    share_no_ia: float = _peer(0.25, "ASSUMPTION", "Of the peers not completing both activities, the share "
                               "completing none.", maximum=1.0)
    mean_pi_score: Range = _peer((0.75, 0.95), "ASSUMPTION", "Mean Promoting Interoperability score of peers "
                                 "(fraction; probit-normal distributed).", maximum=1.0)
    pi_spread: float = _peer(1.0, "ASSUMPTION", "Spread of peers' PI scores (standard deviation on the probit "
                             "scale): larger = more peers near 0% and 100%.", maximum=5.0)
    mean_complex_bonus: Range = _peer((1.0, 4.0), "ASSUMPTION", "Mean complex patient bonus of peers (points; "
                                      "exponential, capped at the maximum bonus).", maximum=10.0)
    share_small_practice: float = _peer(COHORT_DEFAULTS["HF"]["share_small_practice"], "CMS", "Share of peers "
                                        "flagged small practice (CY2027 flag on CMS's preliminary list: "
                                        f"{cohort_defaults_text('share_small_practice', '.0%')}).", maximum=1.0)
    share_solo_of_small: float = _peer(0.3, "ASSUMPTION", "Of the small-practice peers, the share that are solo "
                                       "(the solo bonus instead of the small-practice bonus).", maximum=1.0)
    share_min_submission_failed: Range = _peer((0.01, 0.05), "ASSUMPTION", "Share of peers submitting their data "
                                               "late (final score 0, factor -r); peers with no complete non-claims "
                                               "measure score 0 as well.", maximum=1.0)
    # --- payments ---------------------------------------------------------------------------------
    median_part_b_payments: float = _peer(120_000.0, "ASSUMPTION", "Median Medicare paid amount for PFS "
                                          "professional services per peer in the payment year ($).", minimum=1.0)
    payments_log_sd: float = _peer(0.8, "ASSUMPTION", "Spread of peers' payments (standard deviation of "
                                   "log dollars; lognormal).", maximum=5.0)
    # --- the exchange function and the pool (unpublished) ----------------------------------------
    steepness: Range = _peer((0.08, 0.15), "ASSUMPTION", "k of the logistic exchange function in the drawn "
                             "cohorts (the range P10-P90; the point estimate takes tfs_steepness). CMS's illustration "
                             f"(80 -> 0.95) only gives k x (80 - m) = ln 19 (k = {_cms_example_steepness(50):.3f} at m 50, "
                             f"{_cms_example_steepness(60):.3f} at m 60).",
                             minimum=MIN_STEEPNESS, maximum=2.0)
    share_median_midpoint: float = _peer(0.5, "ASSUMPTION", "Probability that the midpoint m is the cohort's "
                                         "median final score rather than the fixed midpoint setting, while "
                                         "tfs_midpoint_mode is 'either' (fixed: 0, cohort_median: 1).", maximum=1.0)
    cohort_replicates: int = _peer(25, "ASSUMPTION", "Independent national cohorts of peers drawn (each re-used "
                                   "under several draws of the uncertain assumptions): sampling noise of a cohort "
                                   "of this size enters, at a fraction of the cost.", minimum=1)

    # ------------------------------------------------------------------------------------------------
    @classmethod
    def for_cohort(cls, cohort: str, **overrides) -> "PeerAssumptions":
        """The defaults of one cohort (size and small-practice share differ), with overrides."""
        code = str(cohort).strip().upper()
        if code not in COHORT_DEFAULTS:
            raise ASMInputError("cohort", cohort, "HF or LBP")
        return cls(cohort=code, **{**COHORT_DEFAULTS[code], **overrides})

    def replace(self, **changes) -> "PeerAssumptions":
        """A copy with some settings changed (validated)."""
        return dataclasses.replace(self, **changes)

    def __post_init__(self) -> None:
        for f in fields(self):
            if f.name == "cohort":
                continue
            lo, hi = self.range_of(f.name)
            mn, mx = f.metadata["minimum"], f.metadata["maximum"]
            if not (lo <= hi) or lo < mn or (mx is not None and hi > mx):
                allowed = f"a number or a (low, high) range within [{mn}, {mx if mx is not None else 'inf'}]"
                raise ASMInputError(f.name, getattr(self, f.name), allowed)

    def range_of(self, name: str) -> Range:
        """(low, high) of a setting; a plain number x is (x, x)."""
        v = getattr(self, name)
        if isinstance(v, (tuple, list)):
            if len(v) != 2:
                raise ASMInputError(name, v, "a number or a (low, high) pair")
            return float(v[0]), float(v[1])
        return float(v), float(v)

    def is_uncertain(self, name: str) -> bool:
        lo, hi = self.range_of(name)
        return hi > lo

    def without_uncertainty(self) -> "PeerAssumptions":
        """Every range collapsed to its midpoint and the midpoint rule fixed: sampling noise only."""
        changes = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, (tuple, list)):
                lo, hi = self.range_of(f.name)
                changes[f.name] = (lo + hi) / 2.0
        changes["share_median_midpoint"] = 0.0
        return self.replace(**changes)

    def describe(self) -> Iterator[PeerSettingInfo]:
        for f in fields(self):
            yield PeerSettingInfo(f.name, getattr(self, f.name), f.metadata["source"], f.metadata["description"])


#: the settings whose default differs by cohort
COHORT_SPECIFIC = tuple(COHORT_DEFAULTS["HF"])
