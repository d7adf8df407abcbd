"""asm-xl: what the CMS Ambulatory Specialty Model does to each physician's Part B payments."""

from .benchmarks import BenchmarkTable, Ladder, ladder_from_rates, packaged_benchmarks
from .errors import ASMInputError
from .parameters import cohorts, get_cohort, payment_year, risk_level
from .participant import MeasureInput, Participant, ParticipantScore, measure_points, score_participant
from .settings import DEFAULT_SETTINGS, Settings

__version__ = "0.1.0"

__all__ = [
    "ASMInputError", "BenchmarkTable", "Ladder", "ladder_from_rates", "packaged_benchmarks",
    "cohorts", "get_cohort", "payment_year", "risk_level", "MeasureInput", "Participant",
    "ParticipantScore", "measure_points", "score_participant", "Settings", "DEFAULT_SETTINGS",
    "__version__",
]
