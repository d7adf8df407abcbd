"""QPP's documented formulas: a quality measurement's counts → eligible cases, reported cases, rate.

Source [CMS]: the QPP Submissions API reference, "Measurements" (https://cmsgov.github.io/qpp-submissions-docs/
measurements; text in github.com/CMSgov/qpp-submissions-docs, ``src/app/components/references/data.ts``,
``measurementsFields``), for single- and multi-performance-rate measurements:

* **data completeness** ("reportingRate", in percent) = (performanceMet + eligiblePopulationExclusion
  + eligiblePopulationException + performanceNotMet) / eligiblePopulation x 100. The roster states it as
  two counts: ``eligible`` = eligiblePopulation, ``reported`` = the numerator of that fraction, so
  ``reported / eligible`` is QPP's completeness [CMS].
* **performance rate** of a single-performance-rate measurement = performanceMet / (performanceMet +
  performanceNotMet) x 100 [CMS]; the roster takes the fraction (x 1, not x 100). Exclusions and
  exceptions are out of the rate's denominator. Inverse measures (Q238: lower is better) use the same
  formula; the scoring ladder knows the direction [MIPS].
* **multi-performance-rate** measurements carry ``strata``; the rate follows the measure's
  ``overallAlgorithm`` in CMS's qpp-measures-data (``measures/<year>/measures-data.json``) [CMS]:
  ``overallStratumOnly`` = the "overall" stratum's rate; ``simpleAverage`` = the mean of the strata's
  rates; ``weightedAverage`` = sum of performanceMet / sum of (performanceMet + performanceNotMet);
  "overall" strata are left out except for ``overallStratumOnly``. For ``simpleAverage`` and
  ``overallStratumOnly`` the documentation gives each stratum's rate as performanceMet /
  (performanceMet + performanceNotMet - exclusions), exclusions = eligiblePopulationExclusion (0 for CQMs,
  where excluded patients are already out of the eligible population) [CMS, as documented].
  Case count (the roster's eligible/reported): ``overallStratumOnly`` from the "overall" stratum,
  ``weightedAverage`` summed over the strata, ``simpleAverage`` from the stratum with the highest case
  count [CMS]; the completeness of that same stratum [ASSUMPTION: the documentation states only the case count].
"""

from __future__ import annotations

from dataclasses import dataclass

from asm_xl.roster.json_file import json_shown

__all__ = ["MeasureCounts", "QppFormatError", "OVERALL_ALGORITHMS", "single_rate_counts", "multi_rate_counts",
           "whole_count"]

#: overallAlgorithm of the ASM measures that are multi-performance-rate in QPP: Q238 (strata "overall",
#: "appropriateDiagnosis", "totalRate") in qpp-measures-data measures/2025, 2026 and 2027 [CMS].
OVERALL_ALGORITHMS = {"238": "overallStratumOnly"}

_SUPPORTED = ("overallStratumOnly", "simpleAverage", "weightedAverage")


class QppFormatError(ValueError):
    """A QPP file's content is not what the submissions API documents; the message names the JSON path."""


@dataclass(frozen=True)
class MeasureCounts:
    """A measurement as the roster's measure columns take it: ``rate`` is a fraction (None when no case
    was met or not met, so there is no rate)."""

    eligible: int
    reported: int
    rate: float | None


def whole_count(value: object, path: str, *, required: bool) -> int:
    """A count of patients: a whole number >= 0 (an integral float such as 60.0 is accepted); a missing or
    null optional count is 0."""
    if value is None:
        if required:
            raise QppFormatError(f"{path}: missing; required: a whole number >= 0")
        return 0
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (
            isinstance(value, float) and not value.is_integer()) or not 0 <= value <= MAX_COUNT:
        shown = f"{value:.4g}" if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) >= 1e15 \
            else repr(value)   # 1e308 was accepted, and printed as 309 digits
        raise QppFormatError(f"{path}: {shown} is not a count; allowed: a whole number from 0 to {MAX_COUNT:,}")
    return int(value)


#: the most patients a count may hold (no clinician's measure has a billion; 1e308 was taken as a count)
MAX_COUNT = 1_000_000_000


@dataclass(frozen=True)
class _Stratum:
    name: str
    met: int
    not_met: int
    exclusion: int
    exception: int
    eligible: int

    @property
    def reported(self) -> int:
        return self.met + self.not_met + self.exclusion + self.exception


def _stratum(value: dict, path: str) -> _Stratum:
    if not isinstance(value, dict):
        raise QppFormatError(f"{path}: expected an object with performanceMet, eligiblePopulation, ...; "
                             f"found {type(value).__name__}")
    s = _Stratum(
        name=str(value.get("stratum", "")),
        met=whole_count(value.get("performanceMet"), f"{path}.performanceMet", required=True),
        not_met=whole_count(value.get("performanceNotMet"), f"{path}.performanceNotMet", required=False),
        exclusion=whole_count(value.get("eligiblePopulationExclusion"), f"{path}.eligiblePopulationExclusion",
                              required=False),
        exception=whole_count(value.get("eligiblePopulationException"), f"{path}.eligiblePopulationException",
                              required=False),
        eligible=whole_count(value.get("eligiblePopulation"), f"{path}.eligiblePopulation", required=True))
    if s.reported > s.eligible:
        raise QppFormatError(
            f"{path}: performanceMet + performanceNotMet + eligiblePopulationExclusion + eligiblePopulationException "
            f"= {s.reported} is more than eligiblePopulation = {s.eligible} (data completeness over 100%)")
    return s


def single_rate_counts(value: dict, path: str) -> MeasureCounts:
    """Counts of a single-performance-rate measurement [CMS]:
    eligible = eligiblePopulation; reported = performanceMet + performanceNotMet + eligiblePopulationExclusion
    + eligiblePopulationException; rate = performanceMet / (performanceMet + performanceNotMet).

    >>> single_rate_counts({"eligiblePopulation": 562, "performanceMet": 305, "performanceNotMet": 255,
    ...                     "eligiblePopulationException": 2}, "$")
    MeasureCounts(eligible=562, reported=562, rate=0.5446428571428571)
    """
    s = _stratum(value, path)
    denominator = s.met + s.not_met
    return MeasureCounts(s.eligible, s.reported, s.met / denominator if denominator else None)


def _stratum_rate(s: _Stratum, path: str) -> float | None:
    """performanceMet / (performanceMet + performanceNotMet - exclusions), as documented for simpleAverage and
    overallStratumOnly [CMS]."""
    denominator = s.met + s.not_met - s.exclusion
    if denominator <= 0:
        return None
    rate = s.met / denominator
    if rate > 1:
        raise QppFormatError(f"{path}: stratum {json_shown(s.name)}: performanceMet / (performanceMet + performanceNotMet - "
                             f"eligiblePopulationExclusion) = {s.met}/{denominator} is over 100%")
    return rate


def multi_rate_counts(value: dict, path: str, algorithm: str) -> MeasureCounts:
    """Counts of a multi-performance-rate measurement by its ``overallAlgorithm`` (module docstring) [CMS].

    >>> strata = [{"stratum": "overall", "eligiblePopulation": 80, "performanceMet": 6, "performanceNotMet": 70},
    ...           {"stratum": "totalRate", "eligiblePopulation": 80, "performanceMet": 9, "performanceNotMet": 71}]
    >>> multi_rate_counts({"strata": strata}, "$", "overallStratumOnly")
    MeasureCounts(eligible=80, reported=76, rate=0.07894736842105263)
    """
    raw = value.get("strata")
    if not isinstance(raw, list) or not raw:
        raise QppFormatError(f"{path}.strata: expected a non-empty list of strata")
    strata = [_stratum(s, f"{path}.strata[{i}]") for i, s in enumerate(raw)]
    if algorithm not in _SUPPORTED:
        raise QppFormatError(f"{path}: overallAlgorithm {json_shown(algorithm)} gives no proportion rate the roster takes; "
                             f"supported: {', '.join(_SUPPORTED)}")
    if algorithm == "overallStratumOnly":
        overall = [s for s in strata if s.name.casefold() == "overall"]
        if not overall:
            raise QppFormatError(f"{path}.strata: no stratum named \"overall\" (found "
                                 f"{', '.join(repr(s.name) for s in strata)}); its rate is the measure's rate")
        s = overall[0]
        return MeasureCounts(s.eligible, s.reported, _stratum_rate(s, path))
    parts = [s for s in strata if s.name.casefold() != "overall"] or strata
    if algorithm == "weightedAverage":
        met = sum(s.met for s in parts)
        denominator = met + sum(s.not_met for s in parts)
        return MeasureCounts(sum(s.eligible for s in parts), sum(s.reported for s in parts),
                             met / denominator if denominator else None)
    rates = [r for r in (_stratum_rate(s, path) for s in parts) if r is not None]
    widest = max(parts, key=lambda s: s.eligible - s.exclusion)
    return MeasureCounts(widest.eligible, widest.reported, sum(rates) / len(rates) if rates else None)
