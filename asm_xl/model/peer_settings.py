"""The national peer model's assumptions as rows of the settings (the Assumptions sheet, ``Settings``).

:class:`~asm_xl.model.peer_assumptions.PeerAssumptions` describes each cohort's unseen national
cohort; here each of its values becomes one named, editable row, so a workbook's Assumptions sheet,
the Excel functions' ``assumptions`` argument and ``Settings.replace`` all reach it:

============================  ===============================================
row                           PeerAssumptions value
============================  ===============================================
``peer_<name>``               a fixed value (e.g. ``peer_measure_correlation``)
``peer_<name>_low/_high``     the ends of a range (e.g. ``peer_steepness_low``)
``peer_<name>_hf/_lbp``       a value that differs by cohort (``peer_cohort_size_hf``)
============================  ===============================================

Only rows that differ from the defaults are kept (``Settings.peer_overrides``), so the default
settings compare equal however they were built.

>>> rows = {r.name: r.value for r in peer_rows()}
>>> rows["peer_steepness_low"], rows["peer_steepness_high"], rows["peer_cohort_size_lbp"]
(0.08, 0.15, 4027)
"""

from __future__ import annotations

from typing import Any, Iterable, NamedTuple

from asm_xl.model.errors import ASMInputError
from asm_xl.model.peer_assumptions import COHORT_SPECIFIC, PeerAssumptions
from asm_xl.model.validation import as_number, percent_hint

__all__ = ["PeerRow", "peer_rows", "is_peer_row", "is_share_row", "peer_overrides", "peer_assumptions_for"]

PREFIX = "peer_"
COHORTS = ("HF", "LBP")


class PeerRow(NamedTuple):
    """One editable row: its name, value, default, source tag and description."""

    name: str
    value: Any
    default: Any
    source: str
    description: str


def _default_rows() -> list[PeerRow]:
    rows = []
    per_cohort = {c: PeerAssumptions.for_cohort(c) for c in COHORTS}
    for info in per_cohort["HF"].describe():
        if info.name == "cohort":
            continue
        if info.name in COHORT_SPECIFIC:
            for c in COHORTS:
                v = getattr(per_cohort[c], info.name)
                rows.append(PeerRow(f"{PREFIX}{info.name}_{c.lower()}", v, v, info.source,
                                    f"{c}: {info.description}"))
        elif isinstance(info.value, tuple):
            lo, hi = info.value
            rows.append(PeerRow(f"{PREFIX}{info.name}_low", lo, lo, info.source,
                                f"Low end of the range drawn per simulated cohort: {info.description}"))
            rows.append(PeerRow(f"{PREFIX}{info.name}_high", hi, hi, info.source,
                                "High end of the same range (low = high fixes it)."))
        else:
            rows.append(PeerRow(f"{PREFIX}{info.name}", info.value, info.value, info.source, info.description))
    return rows


_DEFAULTS = _default_rows()
_BY_NAME = {r.name: r for r in _DEFAULTS}


def is_peer_row(name: str) -> bool:
    return name in _BY_NAME


def peer_rows(overrides: Iterable[tuple[str, float]] = ()) -> list[PeerRow]:
    """Every peer-model row with its value under ``overrides`` (the Assumptions sheet's order)."""
    given = dict(overrides)
    return [r._replace(value=given.get(r.name, r.value)) for r in _DEFAULTS]


def peer_overrides(values: dict[str, Any], current: Iterable[tuple[str, float]] = ()) -> tuple:
    """``current`` overrides updated with ``values`` (row name → number, blank keeps the default),
    checked by building both cohorts' assumptions; only values that differ from the default are kept."""
    merged = dict(current)
    for name, value in values.items():
        row = _BY_NAME.get(name)
        if row is None:
            raise ASMInputError("setting", name, "a setting or peer-model row of the Assumptions sheet")
        number = as_number(name, value, percent=is_share_row(name))
        number = int(number) if isinstance(row.default, int) and float(number).is_integer() else number
        if number == row.default:
            merged.pop(name, None)
        else:
            merged[name] = number
    out = tuple(sorted(merged.items()))
    for c in COHORTS:
        try:
            peer_assumptions_for(c, out)  # a low above its high, a share above 1: said now, by name
        except ASMInputError as e:   # named as the Assumptions sheet's rows, not the model's field
            rows = [n for n in _BY_NAME if n == f"{PREFIX}{e.field}" or n.startswith(f"{PREFIX}{e.field}_")]
            if not rows:
                raise
            ranged = any(n.endswith("_low") for n in rows)
            # a share typed as 25 for 25%: "did you mean 25%?", as a fraction setting says
            hint = percent_hint(e.value) if any(is_share_row(n) for n in rows) else ""
            raise ASMInputError(" / ".join(rows), e.value, e.allowed + ("; the low end at most the high end"
                                                                         if ranged else "") + hint) from None
    return out


def is_share_row(name: str) -> bool:
    """A row that is a share or a fraction (a share of peers, a mean PI score): "25%" is 0.25 there, as
    in every fraction setting; elsewhere (a steepness, a correlation, points) a percent sign is an error.

    >>> is_share_row("peer_share_no_ia"), is_share_row("peer_mean_pi_score_low"), is_share_row("peer_steepness_low")
    (True, True, False)
    """
    return name.startswith(f"{PREFIX}share_") or name.startswith(f"{PREFIX}mean_pi_score_")


def peer_assumptions_for(cohort: str, overrides: Iterable[tuple[str, float]] = ()) -> PeerAssumptions:
    """The cohort's :class:`PeerAssumptions` with the overridden rows applied."""
    code = str(cohort).strip().upper()
    base = PeerAssumptions.for_cohort(code)
    given = dict(overrides)
    if not given:
        return base
    changes = {}
    for info in base.describe():
        n = info.name
        if n == "cohort":
            continue
        if n in COHORT_SPECIFIC:
            key = f"{PREFIX}{n}_{code.lower()}"
            if key in given:
                changes[n] = given[key]
        elif isinstance(info.value, tuple):
            lo, hi = (given.get(f"{PREFIX}{n}_low", info.value[0]), given.get(f"{PREFIX}{n}_high", info.value[1]))
            if (lo, hi) != info.value:
                changes[n] = (lo, hi)
        elif f"{PREFIX}{n}" in given:
            changes[n] = given[f"{PREFIX}{n}"]
    return base.replace(**changes) if changes else base
