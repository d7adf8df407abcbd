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
    "__version__",
]
