"""asm-xl: what the CMS Ambulatory Specialty Model does to each physician's Part B payments."""

from asm_xl.model.benchmarks import BenchmarkTable, Ladder, ladder_from_rates, packaged_benchmarks
from asm_xl.model.errors import ASMInputError
from asm_xl.model.parameters import cohorts, get_cohort, payment_year, risk_level
from asm_xl.model.participant import MeasureInput, Participant, ParticipantScore, measure_points, score_participant
from asm_xl.model.settings import DEFAULT_SETTINGS, Settings

__version__ = "0.1.0"

__all__ = [
    "ASMInputError", "BenchmarkTable", "Ladder", "ladder_from_rates", "packaged_benchmarks",
    "cohorts", "get_cohort", "payment_year", "risk_level", "MeasureInput", "Participant",
    "ParticipantScore", "measure_points", "score_participant", "Settings", "DEFAULT_SETTINGS",
    "score_cohort", "CohortResult", "__version__",
]

#: Loaded on first use: the cohort API needs pandas, which would double the time of ``import asm_xl``
#: (~0.1 s -> ~0.3 s) for the scalar API and the Excel functions, which do not.
_LAZY = {"score_cohort": "asm_xl.model.cohort", "CohortResult": "asm_xl.model.cohort"}


def __getattr__(name: str):
    if name in _LAZY:
        from importlib import import_module
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'asm_xl' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
