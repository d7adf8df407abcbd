"""Property: the Score sheet's composition (ASM_MEASURE cells -> ASM_QUALITY, ASM_MIN_SUBMISSION) gives
the scalar API's quality score, measure statuses and minimum-submission flag, for random measure inputs
(completeness without eligible cases, points instead of rates, blank collection types, admin claims)
and edited settings."""

import math

from hypothesis import given, settings as hsettings, strategies as st

from asm_xl import MeasureInput, Participant, score_participant
from asm_xl.excel import call
from asm_xl.model.errors import ASMInputError
from asm_xl.model.parameters import get_cohort
from asm_xl.model.settings import Settings

from tests.model.strategies import fractions, points_0_10


def _maybe(strategy):
    return st.one_of(st.none(), strategy)


@st.composite
def measure_inputs(draw, m):
    ctype = draw(st.one_of(st.none(), st.sampled_from(m.collection_types)))
    eligible = draw(_maybe(st.integers(0, 120)))
    reported = None if eligible is None else draw(_maybe(st.integers(0, eligible)))
    rate = draw(_maybe(fractions if m.proportion else st.floats(0.0, 150.0, allow_nan=False)))
    return dict(ctype=ctype, eligible=eligible, reported=reported, completeness=draw(_maybe(fractions)),
                rate=rate, points=draw(_maybe(points_0_10)))


@st.composite
def cases(draw):
    cohort = get_cohort(draw(st.sampled_from(["HF", "LBP"])))
    measures = [draw(measure_inputs(m)) for m in cohort.measures]
    s = Settings(case_minimum=draw(st.integers(0, 40)), completeness_threshold=draw(st.sampled_from([0.5, 0.75, 0.9])),
                 unreported_admin_claims_excluded=draw(st.booleans()))
    return cohort, measures, s


@hsettings(max_examples=300, deadline=None)
@given(cases())
def test_score_sheet_composition_equals_the_scalar_api(case):
    cohort, measures, s = case
    participant = Participant(
        cohort=cohort.code, performance_year=2027, practice_size=20, ia_done=2, pi_score=1.0,
        measures=[MeasureInput(m.id, v["ctype"], v["eligible"], v["reported"], v["rate"], v["points"],
                               v["completeness"]) for m, v in zip(cohort.measures, measures)])
    assumptions = [[k, ("TRUE" if v else "FALSE") if isinstance(v, bool) else v] for k, v in s]
    cells = {item: [call("ASM_MEASURE", item, cohort.code, m.label, v["ctype"], v["eligible"], v["reported"],
                         v["completeness"], v["rate"], v["points"], None, assumptions)
                    for m, v in zip(cohort.measures, measures)]
             for item in ("completeness", "cases", "counted", "status")}
    try:
        core = score_participant(participant, settings=s)
    except ASMInputError as e:  # e.g. a complete measure with enough cases but no rate: #VALUE! (blank)
        # a number not allowed is #NUM!; a blank or text (a collection type the measure lacks) #VALUE!
        numeric = isinstance(e.value, (int, float)) and not isinstance(e.value, bool) and not e.blank
        assert ("#NUM!" if numeric else "#VALUE!") in cells["status"], (e, cells["status"])
        return
    assert [c.status_text for c in core.measures] == [t[0].lower() + t[1:] for t in cells["status"]]
    quality = call("ASM_QUALITY", cells["counted"], cells["completeness"], cells["cases"], assumptions)
    if core.quality is None:
        assert quality == "#N/A"
    else:
        assert math.isclose(quality, core.quality, rel_tol=1e-12, abs_tol=1e-12)
    assert call("ASM_MIN_SUBMISSION", cells["completeness"], True, assumptions) is core.minimum_submission_met
