"""The participant table's columns: one row per participant (TIN/NPI), used by the cohort API and
the roster. Measure columns are generated from the cohorts' measure lists (data), so a new measure
adds its columns without code changes."""

from __future__ import annotations

from asm_xl.model.parameters import cohorts
from asm_xl.model.settings import DEFAULT_SETTINGS, Settings

__all__ = ["IDENTITY_COLUMNS", "PARTICIPANT_COLUMNS", "MEASURE_FIELDS", "measure_columns", "all_columns",
           "COLUMN_HELP", "COLUMN_HELP_TEMPLATES", "column_help"]

IDENTITY_COLUMNS = ("npi", "tin", "name", "specialty", "cohort")

PARTICIPANT_COLUMNS = (
    "performance_year", "practice_size", "part_b_payments",
    "cost_episodes", "episode_cost", "cost_points",
    "ia1_done", "ia2_done", "ia_done", "pi_score", "complex_bonus", "submitted_on_time",
    "small_practice", "euc_exception", "payment_exception",
)

MEASURE_FIELDS = ("collection_type", "eligible", "reported", "rate", "points", "completeness")

#: What each column means; numbers that are settings are named in braces (:meth:`Settings.fill`).
COLUMN_HELP_TEMPLATES = {
    "npi": "10-digit National Provider Identifier (Luhn check digit)",
    "tin": "Taxpayer Identification Number of the practice",
    "name": "Physician's name (text, written as typed)",
    "specialty": "Medicare specialty: Cardiology (HF) or one of the six LBP specialties",
    "cohort": "HF or LBP (optional when specialty says it)",
    "performance_year": "ASM performance year, {first_year}-{last_year}",
    "practice_size": ("Clinicians billing under the TIN (1 = solo, 2-{small_practice_max_clinicians} = small, "
                      ">{small_practice_max_clinicians} = no bonus; with small_practice given, only solo vs small, "
                      "and blank means not solo)"),
    "part_b_payments": ("Medicare paid amount for physician fee schedule covered professional services billed "
                        "by the TIN/NPI in the payment year, dollars (the base the multiplier applies to)"),
    "cost_episodes": "Attributed EBCM episodes (fewer than {cost_episode_minimum}: no cost score)",
    "episode_cost": "Average risk-adjusted episode cost, dollars (scored on a cost ladder: CMS publishes none; built "
                    "from the roster only when it is the cohort, --pool roster)",
    "cost_points": "Cost achievement points 1-10 from a CMS feedback report (instead of episode_cost)",
    "ia1_done": "IA-1 (primary care connections, HRSN screening) done for 90 days: yes/no",
    "ia2_done": "IA-2 (collaborative care arrangement) done for 90 days: yes/no",
    "ia_done": ("Alternative to ia1_done/ia2_done: number of the two activities done, 0-2 (where both forms are given "
                "they must agree: `ia_done` 2 beside `ia1_done` no is refused)"),
    "pi_score": "Promoting Interoperability score, fraction 0-1 (0 if reporting incomplete)",
    "complex_bonus": "Complex patient bonus, 0-{complex_bonus_max:g} points (input; CMS formula unpublished)",
    "submitted_on_time": "Quality data submitted on time: yes/no (default yes)",
    "small_practice": ("CMS's small-practice flag (ASM Participants dataset): yes/no; when given it decides the "
                       "bonus (+{solo_practice_bonus:g} solo, +{small_practice_bonus:g} small); blank = from practice_size"),
    "euc_exception": ("Extreme and uncontrollable circumstances exception (ASM regulation): yes/no (default no); "
                      "yes = neutral factor, out of the pool (setting exceptions_neutral) [ASSUMPTION]"),
    "payment_exception": ("Payment exception (ASM regulation): yes/no (default no); yes = neutral factor, out of "
                          "the pool (setting exceptions_neutral) [ASSUMPTION]"),
    "collection_type": "{collection_types} (default: the measure's first)",
    "eligible": "Eligible cases in the measure's denominator",
    "reported": "Cases reported (data completeness = reported / eligible)",
    "rate": "Performance rate: a fraction (70% = 0.70); Q492 in its native units",
    "points": ("Measure achievement points 0-10 from a CMS feedback report (instead of rate); preferred for Q492, "
               "whose MIPS ladder is only a proxy"),
    "completeness": "Data completeness as a fraction (instead of reported)",
}


def collection_types_text() -> str:
    """Which collection types each ASM measure accepts, from the cohorts' measure lists (data), e.g.
    "Q008, Q005: eCQM or MIPS CQM; Q377: eCQM; ...": a type a measure does not list is refused."""
    by_types: dict[tuple, list] = {}
    for c in cohorts().values():
        for m in c.measures:
            by_types.setdefault(m.collection_types, []).append(m.label)
    return "; ".join(f"{', '.join(labels)}: {' or '.join(types)}" for types, labels in by_types.items())


def column_help(settings: Settings = DEFAULT_SETTINGS) -> dict[str, str]:
    """{column or measure field: meaning} with the numbers of ``settings`` (and the measures' collection types)."""
    types = collection_types_text()
    return {k: settings.fill(v.replace("{collection_types}", types)) for k, v in COLUMN_HELP_TEMPLATES.items()}


COLUMN_HELP = column_help()


def measure_columns(measure_key: str) -> dict[str, str]:
    """{field: column} of one measure, e.g. {"rate": "q236_rate", ...}."""
    return {f: f"{measure_key}_{f}" for f in MEASURE_FIELDS}


def all_columns() -> list[str]:
    """Every column the participant table understands, in roster order."""
    cols = list(IDENTITY_COLUMNS) + list(PARTICIPANT_COLUMNS)
    for c in cohorts().values():
        for m in c.measures:
            cols.extend(measure_columns(m.key).values())
    return cols
