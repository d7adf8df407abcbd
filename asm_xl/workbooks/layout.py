"""Where things are in the template: every input cell has a workbook-scoped defined name.

The template builder writes these cells; the generator fills them per physician; tests read them.
"""

from __future__ import annotations

from asm_xl.model.parameters import performance_years

MAX_MEASURES = 6          #: measure rows in the template (HF has 5, LBP 4 and one more proposed)
MEASURE_FIRST_ROW = 17    #: first measure row on the Inputs sheet
SCORE_MEASURE_FIRST_ROW = 6

INPUTS = "Inputs"
SCORE = "Score"
SCENARIOS = "Scenarios"
ACTIONS = "Actions"
ASSUMPTIONS = "Assumptions"
BENCHMARKS = "Benchmarks"
#: the defined name of the user's quality ladders on the Benchmarks sheet (ASM_MEASURE, ASM_LADDERS, ASM_ACTIONS read it)
QUALITY_LADDERS = "QualityLadders"
ABOUT = "About"

#: the first row of the Five-year projection's inputs (its heading is the row above; a blank row above that,
#: below the Exceptions block's computed Not participating row, as between the other sections)
PROJECTION_FIRST_ROW = 43

#: Scalar inputs on the Inputs sheet: defined name → (row, label, help, kind). Help texts name settings
#: in braces (filled by :meth:`asm_xl.model.settings.Settings.fill`): no setting's number typed here.
#: kind: text | specialty | cohort | year | count | dollars | fraction | yesno | bonus | points | positive
SCALAR_INPUTS = {
    "In_NPI": (4, "NPI", "10-digit National Provider Identifier", "text"),
    "In_TIN": (5, "TIN", "Taxpayer Identification Number of the practice", "text"),
    "In_Name": (6, "Physician", "Name as it should appear", "text"),
    "In_Specialty": (7, "Specialty", "Medicare specialty (decides the cohort when Cohort is blank)", "specialty"),
    "In_Cohort": (8, "Cohort", "HF (heart failure) or LBP (low back pain); blank = the specialty's", "cohort"),
    "In_Year": (9, "Performance year", "{first_year}-{last_year}; payments move two years later", "year"),
    "In_PracticeSize": (10, "Clinicians in the TIN", "1 = solo (+{solo_practice_bonus:g}), "
                        "2-{small_practice_max_clinicians} = small (+{small_practice_bonus:g}), more = no bonus",
                        "count1"),
    "In_Payments": (11, "Part B payments ($)", "Medicare paid amount for physician fee schedule covered professional "
                    "services billed by this TIN/NPI in the payment year (the base of the multiplier)", "dollars"),
    "In_OnTime": (12, "Quality data submitted on time", "Yes / No: late or missing data means a final score of 0", "yesno"),
    "In_SmallPractice": (13, "CMS small-practice flag", "Yes / No from CMS's ASM Participants list: decides the bonus "
                         "(size then only tells solo from small); blank = from the clinicians count", "yesno"),
    "In_Episodes": (24, "EBCM episodes", "Attributed episodes; fewer than {cost_episode_minimum} means no cost score", "count"),
    "In_EpisodeCost": (25, "Average episode cost ($)", "Scored on a cost ladder (Benchmarks sheet) where one is given; CMS publishes none, so prefer cost points from CMS's report", "dollars"),
    "In_CostPoints": (26, "Cost points (CMS report)", "1-10 from a CMS feedback report; overrides the episode cost", "points1"),
    "In_IA1": (29, "IA-1 done (90 days)", "Primary care connections and HRSN screening", "yesno"),
    "In_IA2": (30, "IA-2 done (90 days)", "Collaborative care arrangement with a primary care practice", "yesno"),
    "In_PI": (31, "Promoting Interoperability score", "Fraction 0-100%; incomplete reporting = 0%", "fraction"),
    "In_Complex": (32, "Complex patient bonus", "0-{complex_bonus_max:g} points (CMS formula unpublished: an input)", "bonus"),
    "In_EUC": (38, "Extreme and uncontrollable circumstances", "Yes / No: an exception of the ASM regulation gives a neutral "
               "factor and leaves the pool (exceptions_neutral) [ASSUMPTION]", "yesno"),
    "In_PaymentException": (39, "Payment exception", "Yes / No: an exception of the ASM regulation gives a neutral factor "
                            "and leaves the pool (exceptions_neutral) [ASSUMPTION]", "yesno"),
    **{f"In_Part{y}": (PROJECTION_FIRST_ROW + k, f"Participating in {y}", "Yes / No from CMS's ASM Participants file (asm-xl generate "
                       "--cms-participants); blank = assumed; No = no adjustment that year ($0)",
                       "yesno") for k, y in enumerate(performance_years())},
    "In_Until": (PROJECTION_FIRST_ROW + len(performance_years()), "Later roster row from", "Performance year from which a later roster row of this TIN/NPI takes "
                 "over the projection (the years it covers are not shown here); blank = none", "year"),
}

#: Measure table columns on the Inputs sheet: defined name → (column letter, header, kind).
MEASURE_INPUTS = {
    "In_Measure": ("A", "Measure", "text"),
    "In_MeasureTitle": ("B", "Title", "text"),
    "In_CollType": ("C", "Collection type", "collection"),
    "In_Eligible": ("D", "Eligible cases", "count"),
    "In_Reported": ("E", "Reported cases", "count"),
    "In_Rate": ("F", "Performance rate", "rate"),
    "In_PointsOverride": ("G", "Points (CMS report, optional)", "points0"),
    "In_Completeness": ("H", "Data completeness (optional)", "fraction"),
}

SECTION_ROWS = {"Quality measures": 15, "Cost": 23, "Improvement activities, interoperability, complex patients": 28,
                "Cohort": 34, "Exceptions": 37, "Five-year projection": PROJECTION_FIRST_ROW - 1}

#: The cohort every formula scores in, under the Inputs sheet's Cohort heading: ``ASM_COHORT`` of the
#: Specialty and Cohort cells (the cohort given, else the specialty's; a specialty of another cohort:
#: an error), as ``asm-xl score`` resolves a roster row. Defined name → (row, label).
COHORT_SCORED = "Sc_Cohort"
COHORT_SCORED_ROW, COHORT_SCORED_LABEL = 35, "Cohort scored"

#: Whether CMS's participants file says No for the performance year (``ASM_NOT_PARTICIPATING`` of the
#: participation cells), computed under the Exceptions heading: defined name → (row, label).
NOT_PARTICIPATING = "Sc_NotParticipating"
NOT_PARTICIPATING_ROW, NOT_PARTICIPATING_LABEL = 40, "Not participating this year (CMS)"
#: The exception cells and that one as one range (ASM_FACTOR's ``exceptions`` argument, any yes: factor 0), so
#: every one-year figure (factor, dollars, range, chance of a gain, actions) of a physician CMS lists as not
#: participating is no adjustment, as the dashboard and the projection give: defined name → reference.
EXCEPTIONS_NAME, EXCEPTIONS_REF = "In_Exceptions", f"Inputs!$B$38:$B${NOT_PARTICIPATING_ROW}"
#: The participation cells of the performance years as one range (ASM_PROJECTION's ``participation``).
PARTICIPATION_NAME = "In_Participation"
PARTICIPATION_REF = f"Inputs!$B${PROJECTION_FIRST_ROW}:$B${PROJECTION_FIRST_ROW - 1 + len(performance_years())}"


#: The Inputs sheet's blocks as ranges, in the order ASM_ACTIONS reads them (its arguments
#: participant, measures, cost, activities; asm_xl.excel.table_functions names each cell).
ACTION_INPUT_RANGES = {
    "In_Participant": f"{INPUTS}!$B${SCALAR_INPUTS['In_NPI'][0]}:$B${SCALAR_INPUTS['In_SmallPractice'][0]}",
    "In_MeasureTable": f"{INPUTS}!$A${MEASURE_FIRST_ROW}:$H${MEASURE_FIRST_ROW + MAX_MEASURES - 1}",
    "In_Cost": f"{INPUTS}!$B${SCALAR_INPUTS['In_Episodes'][0]}:$B${SCALAR_INPUTS['In_CostPoints'][0]}",
    "In_Activities": f"{INPUTS}!$B${SCALAR_INPUTS['In_IA1'][0]}:$B${SCALAR_INPUTS['In_Complex'][0]}",
}
#: rows of the ranked actions on the Actions sheet: every action of the catalogue that can apply at
#: once (both IAs or the rest of them, PI, each measure one decile better, to its top decile and to
#: the completeness threshold, the minimum submission, a cost point, the episode minimum)
ACTION_ROWS = 4 + 3 * MAX_MEASURES + 3
ACTIONS_FIRST_ROW = 7                 #: first row of the ranked actions (the header above it)
PROJECTION_HEADER_ROW = ACTIONS_FIRST_ROW + ACTION_ROWS + 3


def measure_rows() -> range:
    """Rows of the measure table on the Inputs sheet."""
    return range(MEASURE_FIRST_ROW, MEASURE_FIRST_ROW + MAX_MEASURES)


def measure_range(column: str, sheet: str = INPUTS, first: int = MEASURE_FIRST_ROW) -> str:
    """Absolute reference of one column of the measure table, e.g. Inputs!$F$17:$F$22."""
    return f"{_quote(sheet)}!${column}${first}:${column}${first + MAX_MEASURES - 1}"


def scalar_ref(name: str) -> str:
    """Absolute reference of a scalar input cell, e.g. Inputs!$B$9 for In_Year."""
    return f"{INPUTS}!$B${SCALAR_INPUTS[name][0]}"


def _quote(sheet: str) -> str:
    return f"'{sheet}'" if " " in sheet else sheet
