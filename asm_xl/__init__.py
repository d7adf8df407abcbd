"""asm-xl: what the CMS Ambulatory Specialty Model does to each physician's Part B payments.

Every public name is loaded on first use (PEP 562): ``import asm_xl`` imports nothing else, so the
``asm-xl`` command (:mod:`asm_xl.launch`) is ready to take Ctrl-C as an interruption before numpy and
pandas load (it printed a traceback when pressed in that first half second), and the scalar API and the
Excel functions do not pay for pandas, which only the cohort API needs.
"""

__version__ = "0.1.0"

#: each public name and the module that defines it
_LAZY = {
    **dict.fromkeys(("BenchmarkTable", "Ladder", "ladder_from_rates", "packaged_benchmarks"), "asm_xl.model.benchmarks"),
    "ASMInputError": "asm_xl.model.errors",
    **dict.fromkeys(("cohorts", "get_cohort", "payment_year", "risk_level"), "asm_xl.model.parameters"),
    **dict.fromkeys(("MeasureInput", "Participant", "ParticipantScore", "measure_points", "score_participant"),
                    "asm_xl.model.participant"),
    **dict.fromkeys(("DEFAULT_SETTINGS", "Settings"), "asm_xl.model.settings"),
    **dict.fromkeys(("score_cohort", "CohortResult"), "asm_xl.model.cohort"),
}

__all__ = [
    "ASMInputError", "BenchmarkTable", "Ladder", "ladder_from_rates", "packaged_benchmarks",
    "cohorts", "get_cohort", "payment_year", "risk_level", "MeasureInput", "Participant",
    "ParticipantScore", "measure_points", "score_participant", "Settings", "DEFAULT_SETTINGS",
    "score_cohort", "CohortResult", "__version__",
]


def __getattr__(name: str):
    if name in _LAZY:
        from importlib import import_module
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'asm_xl' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
