"""Read QPP submission files (the Quality Payment Program submissions API's JSON) into roster measure columns.

A registry, QCDR or EHR vendor that reports MIPS for a practice produces these files; QRDA III files
convert to the same format. The format is CMS's (github.com/CMSgov/qpp-submissions-docs, "Submissions",
"Measurement Sets", "Measurements" references; CC0) [CMS]:

* a submission names its entity: ``entityType`` "individual" (``taxpayerIdentificationNumber`` +
  ``nationalProviderIdentifier``: one roster row, a TIN/NPI), "group" (TIN only: the practice's
  counts over all its clinicians, not one physician's; see :mod:`asm_xl.roster.qpp_merge`), or "apm",
  "virtualGroup", "subgroup" (no TIN/NPI: skipped, with a note); and its ``performanceYear``;
* each measurement set has a ``category`` ("quality", "pi", "ia"; "aci" is PI's old name) and a
  ``submissionMethod`` — the collection type: "electronicHealthRecord" = eCQM, "registry" = MIPS CQM,
  "claims" = Medicare Part B claims, "cmsWebInterface" = CMS Web Interface [CMS; spec 3.2];
* a quality measurement's ``measureId`` is the MIPS quality number ("236", "005"; "5" and "Q005" are
  read as 005 too); its value holds the counts QPP's formulas use (:mod:`asm_xl.roster.qpp_rates`).

What is read: quality measurements of the ASM measures (every cohort's list, ``model_parameters.json``)
into ``qXXX_collection_type``, ``qXXX_eligible``, ``qXXX_reported`` (so reported / eligible is QPP's data
completeness) and ``qXXX_rate`` (a fraction). Everything else is reported in ``notes``, never dropped
silently: measures outside the ASM list (by id), PI and IA measurement sets (the roster takes those as
``pi_score`` and ``ia1_done``/``ia2_done``: PI's score and ASM's two activities are not in these files),
collection types ASM does not use for a measure, and Q492 (computed by CMS from claims).

Files are untrusted: the size is checked before reading (20 MB by default), the number of submissions,
measurement sets, measurements and strata is bounded, and every error names the file, the JSON path and
what is allowed.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from asm_xl.model.benchmarks import normalize_collection_type
from asm_xl.model.errors import ASMInputError
from asm_xl.model.identifiers import npi_problem, tin_key, tin_problem
from asm_xl.model.parameters import Measure, cohorts, normalize_measure_id, performance_years
from asm_xl.roster.json_file import JsonFileError, json_shown, read_json_file
from asm_xl.roster.qpp_rates import (OVERALL_ALGORITHMS, MeasureCounts, QppFormatError, multi_rate_counts,
                                     single_rate_counts)

__all__ = ["QppError", "QppNote", "QppImport", "RowKey", "read_qpp_submission", "MAX_BYTES", "LIMITS"]

MAX_BYTES = 20_000_000
#: most submissions per file, measurement sets per submission, measurements per set, strata per measurement
LIMITS = {"submissions": 10_000, "measurementSets": 100, "measurements": 1_000, "strata": 100}

#: (TIN as 9 digits, NPI or None for a group, performance year)
RowKey = tuple[str, "str | None", int]

_PLACEHOLDER = re.compile(r"^\s*<.*>\s*$")
_OTHER_CATEGORIES = {"pi": "PI", "aci": "PI", "ia": "IA"}
_ENTITY_TYPES = ("individual", "group", "apm", "virtualGroup", "subgroup")


class QppError(ValueError):
    """A QPP file cannot be read: missing, too large, not JSON, not a submission, or content the API does not
    allow. Raised before anything is written; the message names the file, the JSON path and what is allowed."""


@dataclass(frozen=True)
class QppNote:
    """Something a reader of the import should know. ``kind``: "outside" (a measure not in the ASM list),
    "skipped" (a category, entity or measurement not imported), "year", "identifier", "duplicate"; the merge
    adds "filled", "conflict", "replaced", "unmatched", "group", "cohort", "points"."""

    source: str
    kind: str
    text: str
    row: object = None   #: the roster row the note is about, where it is about one (its label)


@dataclass
class QppImport:
    """One file's quality data: ``rows`` {(tin, npi, year): {roster column: value}}, ``entity_types`` of those
    rows, ``outside`` the measure ids not in the ASM list (as the file spells them), and ``notes``."""

    source: str
    rows: dict[RowKey, dict[str, object]] = field(default_factory=dict)
    entity_types: dict[RowKey, str] = field(default_factory=dict)
    outside: list[str] = field(default_factory=list)
    notes: list[QppNote] = field(default_factory=list)

    def note(self, kind: str, text: str) -> None:
        self.notes.append(QppNote(self.source, kind, text))


def _asm_measures() -> dict[str, Measure]:
    return {m.id: m for c in cohorts().values() for m in c.measures}


def read_qpp_submission(path, *, performance_year: int | None = None, max_bytes: int = MAX_BYTES,
                        source: str | None = None) -> QppImport:
    """Read one QPP submissions-API JSON file.

    Accepted shapes: a submission object (CMS's examples), the API's response ``{"data": {"submission":
    {...}}}`` or ``{"data": {"submissions": [...]}}``, or a list of submissions.

    ``performance_year`` is used where ``performanceYear`` is missing or CMS's template placeholder
    ("< performanceYearToBeReported >"); a year the file states is kept. ``source``: how notes name the file
    (default: its name; a caller given two files of one name passes each one's path).

    Raises :class:`QppError` (file, JSON path, value and what is allowed).
    """
    p = Path(os.fspath(path))
    try:
        data = read_json_file(p, max_bytes=max_bytes, what="QPP submission")
    except JsonFileError as e:
        raise QppError(str(e)) from None
    imp = QppImport(source=source or p.name)
    try:
        for sub_path, sub in _submissions(data):
            _read_submission(imp, sub, sub_path, performance_year)
    except QppFormatError as e:
        raise QppError(f"{imp.source}: {e}") from None
    return imp


def _submissions(data) -> list[tuple[str, dict]]:
    if isinstance(data, dict) and "data" in data and isinstance(data["data"], dict):
        inner = data["data"]
        if "submission" in inner:
            return [("$.data.submission", _object(inner["submission"], "$.data.submission"))]
        if "submissions" in inner:
            return _listed(inner["submissions"], "$.data.submissions")
    if isinstance(data, list):
        return _listed(data, "$")
    if isinstance(data, dict) and data.get("name") == "total" and "parts" in data:
        raise QppFormatError("$: this is a QPP scoring response (a score with its parts), not a submission: it "
                             "names no TIN, NPI or year. Import the submission that was scored")
    if isinstance(data, dict) and ("measurementSets" in data or "entityType" in data):
        return [("$", data)]
    raise QppFormatError("$: not a QPP submission (expected an object with entityType, taxpayerIdentificationNumber, "
                         "performanceYear and measurementSets, or the API's {\"data\": {\"submission\": ...}})")


def _json_kind(value) -> str:
    """A value's kind in JSON's words (null, a number, text ...), as the file's author wrote it.

    >>> _json_kind(None), _json_kind(True), _json_kind(3), _json_kind("x"), _json_kind([]), _json_kind({})
    ('null', 'true/false', 'a number', 'text', 'a list', 'an object')
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    return "text" if isinstance(value, str) else "a list" if isinstance(value, list) else "an object"


def _object(value, path: str) -> dict:
    if not isinstance(value, dict):
        raise QppFormatError(f"{path}: expected an object, found {_json_kind(value)}")
    return value


def _list(value, path: str, limit_key: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise QppFormatError(f"{path}: expected a list, found {_json_kind(value)}")
    if len(value) > LIMITS[limit_key]:
        raise QppFormatError(f"{path}: {len(value):,} {limit_key}, more than the limit of {LIMITS[limit_key]:,}")
    return value


def _listed(value, path: str) -> list[tuple[str, dict]]:
    return [(f"{path}[{i}]", _object(s, f"{path}[{i}]")) for i, s in enumerate(_list(value, path, "submissions"))]


def _text_field(sub: dict, name: str, path: str) -> str | None:
    v = sub.get(name)
    if v is None:
        return None
    if not isinstance(v, str):
        raise QppFormatError(f"{path}.{name}: {json_shown(v)} must be text (a JSON string, so leading zeros are kept)")
    return v.strip() or None


def _year(sub: dict, path: str, fallback: int | None) -> int:
    v = sub.get("performanceYear")
    placeholder = v is None or (isinstance(v, str) and _PLACEHOLDER.match(v))
    if placeholder and fallback is not None:
        return int(fallback)
    if isinstance(v, int) and not isinstance(v, bool):
        return v
    if isinstance(v, str) and v.strip().isdigit() and len(v.strip()) == 4:
        return int(v)
    hint = (" (CMS's template placeholder: give the year, asm-xl import-qpp --year)" if placeholder else "")
    raise QppFormatError(f"{path}.performanceYear: {json_shown(v)} is not a year; allowed: a year such as 2027{hint}")


def _read_submission(imp: QppImport, sub: dict, path: str, fallback_year: int | None) -> None:
    etype = sub.get("entityType")
    if etype not in _ENTITY_TYPES:
        raise QppFormatError(f"{path}.entityType: {json_shown(etype)}; allowed: {', '.join(_ENTITY_TYPES)}")
    if etype not in ("individual", "group"):
        imp.note("skipped", f"{path}: entityType {json_shown(etype)} names no TIN/NPI (entityId "
                            f"{json_shown(sub.get('entityId'))}): not a roster row, skipped")
        return
    tin = _text_field(sub, "taxpayerIdentificationNumber", path)
    if tin is None or tin_problem(tin):
        raise QppFormatError(f"{path}.taxpayerIdentificationNumber: {json_shown(sub.get('taxpayerIdentificationNumber'))}; "
                             f"allowed: the 9-digit TIN as text")
    npi = _text_field(sub, "nationalProviderIdentifier", path)
    if etype == "individual":
        if npi is None:
            raise QppFormatError(f"{path}.nationalProviderIdentifier: missing; required for entityType \"individual\"")
        problem = npi_problem(npi)
        if problem:
            imp.note("identifier", f"{path}.nationalProviderIdentifier {json_shown(npi)}: {problem}; no roster row can match it")
    elif npi is not None:
        imp.note("identifier", f"{path}: entityType \"group\" with an NPI ({npi}): the API allows an NPI only for "
                               "\"individual\"; read as the group's data (TIN only)")
        npi = None
    year = _year(sub, path, fallback_year)
    years = performance_years()
    if year not in years:
        imp.note("year", f"{path}.performanceYear {year} is not an ASM performance year ({years[0]}-{years[-1]}): "
                         "it matches no roster row")
    key: RowKey = (tin_key(tin), npi, year)
    values = imp.rows.setdefault(key, {})
    imp.entity_types[key] = etype
    for i, mset in enumerate(_list(sub.get("measurementSets"), f"{path}.measurementSets", "measurementSets")):
        _read_set(imp, values, _object(mset, f"{path}.measurementSets[{i}]"), f"{path}.measurementSets[{i}]")


def _read_set(imp: QppImport, values: dict, mset: dict, path: str) -> None:
    category = mset.get("category")
    measurements = _list(mset.get("measurements"), f"{path}.measurements", "measurements")
    if category in _OTHER_CATEGORIES:
        name = _OTHER_CATEGORIES[category]
        imp.note("skipped", f"{path}: category {json_shown(category)} ({name}, {len(measurements)} measurement(s)) is not "
                            "quality: skipped (PI/IA are entered as pi_score / ia1_done, ia2_done)")
        return
    if category != "quality":
        raise QppFormatError(f"{path}.category: {json_shown(category)}; allowed: quality, pi, ia (aci)")
    method = mset.get("submissionMethod")
    try:
        ctype = normalize_collection_type(method, field=f"{path}.submissionMethod")
    except ASMInputError:
        raise QppFormatError(f"{path}.submissionMethod: {json_shown(method)}; allowed: electronicHealthRecord, registry, "
                             "claims, cmsWebInterface") from None
    asm = _asm_measures()
    for j, m in enumerate(measurements):
        mpath = f"{path}.measurements[{j}]"
        m = _object(m, mpath)
        raw_id = m.get("measureId")
        if not isinstance(raw_id, (str, int)) or isinstance(raw_id, bool) or str(raw_id).strip() == "":
            shown = "missing" if "measureId" not in m else repr(raw_id) if raw_id is not None else "null"
            raise QppFormatError(f"{mpath}.measureId: {shown}; allowed: a MIPS quality number such as \"236\"")
        measure = _asm_measure(raw_id, asm)
        if measure is None:
            imp.outside.append(json_shown(raw_id).strip('"'))
            imp.note("outside", f"{mpath}: quality measure {raw_id} is not an ASM measure "
                                f"({', '.join(x.label for x in asm.values())}): not imported")
            continue
        _read_measurement(imp, values, measure, ctype, m, mpath)


def _asm_measure(raw_id, asm: dict[str, Measure]) -> Measure | None:
    try:
        return asm.get(normalize_measure_id(raw_id))
    except ASMInputError:
        return None


def _read_measurement(imp: QppImport, values: dict, measure: Measure, ctype: str, m: dict, path: str) -> None:
    if measure.administrative_claims_only:
        imp.note("skipped", f"{path}: {measure.label} is computed by CMS from administrative claims; "
                            "a submitted value is not used: not imported")
        return
    if ctype not in measure.collection_types:
        imp.note("skipped", f"{path}: {measure.label} collected as {ctype}; ASM takes it as "
                            f"{', '.join(measure.collection_types)}: not imported")
        return
    key = measure.key
    if f"{key}_eligible" in values:
        imp.note("duplicate", f"{path}: {measure.label} reported again in this submission (as {ctype}); the first "
                              f"({values[f'{key}_collection_type']}) is kept: choose in the roster if needed")
        return
    value = _object(m.get("value"), f"{path}.value")
    counts = _counts(measure, value, f"{path}.value")
    if counts.rate is None:   # written without a rate, the roster's check would reject the whole physician
        imp.note("skipped", f"{path}: {measure.label} has no performance rate ({counts.eligible} eligible, none met "
                            "or not met: every case an exclusion or exception): not imported; enter its points "
                            "from CMS's report if it has them")
        return
    values[f"{key}_collection_type"] = ctype
    values[f"{key}_eligible"] = counts.eligible
    values[f"{key}_reported"] = counts.reported
    values[f"{key}_rate"] = counts.rate
    if "strata" not in value:
        _stated_rate_checked(imp, measure, value, counts.rate, f"{path}.value")


#: how far a file's stated performanceRate (a percent) may be from the rate of its counts: its rounding (QPP's
#: examples give 2 decimals, some files whole percents) [ASSUMPTION]
STATED_RATE_TOLERANCE = 0.5


def _stated_rate_checked(imp: QppImport, measure: Measure, value: dict, rate: float, path: str) -> None:
    """A file's own ``performanceRate`` (0-100, CMS's submission format) against the rate of its counts, which is
    imported: one that differs by more than its rounding is a conflict in the file, listed (it was ignored
    without a word, a stated 20% beside counts of 75%)."""
    stated = value.get("performanceRate")
    if stated is None:
        return
    if isinstance(stated, bool) or not isinstance(stated, (int, float)) or not 0 <= stated <= 100:
        imp.note("conflict", f"{path}.performanceRate: {json_shown(stated)} is not a percent from 0 to 100; the counts' rate "
                             f"{rate:.2%} is imported for {measure.label}")
        return
    if abs(stated - 100.0 * rate) > STATED_RATE_TOLERANCE:
        imp.note("conflict", f"{path}: {measure.label} states performanceRate {stated:g}% but its counts give "
                             f"{rate:.2%} (performanceMet / (performanceMet + performanceNotMet)); the counts' rate "
                             "is imported: check the file")


def _counts(measure: Measure, value: dict, path: str) -> MeasureCounts:
    if "strata" in value:
        _list(value["strata"], f"{path}.strata", "strata")
        algorithm = OVERALL_ALGORITHMS.get(measure.id)
        if algorithm is None:
            names = [s.get("stratum") for s in value["strata"] if isinstance(s, dict)]
            if "overall" not in names:
                raise QppFormatError(f"{path}.strata: {measure.label} is a single-rate ASM measure and the strata "
                                     f"{json_shown(names)} include no \"overall\" stratum; enter its rate in the roster")
            algorithm = "overallStratumOnly"  # [ASSUMPTION] QPP's own overall stratum is the measure's rate
        return multi_rate_counts(value, path, algorithm)
    if "performanceMet" not in value and "eligiblePopulation" not in value:
        raise QppFormatError(f"{path}: {measure.label} needs performanceMet and eligiblePopulation (a performance-rate "
                             f"measurement); found {', '.join(sorted(map(str, value))) or 'no fields'}")
    return single_rate_counts(value, path)
