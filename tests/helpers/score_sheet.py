"""The Score sheet's measure rows and category cells composed from ASM_* calls, as the template writes them
(for property tests that compare a workbook's composition with the core without generating a file)."""

from asm_xl.excel import call

ITEMS = ("counted", "completeness", "cases")


def score_sheet(cohort, rows, assumptions=None, *, with_cohort=True):
    """(ASM_QUALITY, ASM_MIN_SUBMISSION) over ``rows`` [(measure label, inputs)]: each row's ASM_MEASURE cells
    given the measures entered so far (a blank label is a blank row: the template's IF(A="","",...)), then
    ASM_QUALITY (with the cohort and the measure cells when ``with_cohort``, as the template does since a
    measure off the table counts as not given) and ASM_MIN_SUBMISSION."""
    labels = [[m] for m, _ in rows]
    cells = {i: ["" if not m else
                 call("ASM_MEASURE", i, cohort, m, v["ctype"], v["eligible"], v["reported"], v["completeness"],
                      v["rate"], v["points"], None, assumptions, labels[:k + 1]) for k, (m, v) in enumerate(rows)]
             for i in ITEMS}
    extra = (cohort, labels) if with_cohort else ()
    return (call("ASM_QUALITY", cells["counted"], cells["completeness"], cells["cases"], assumptions, *extra),
            call("ASM_MIN_SUBMISSION", cells["completeness"], True, assumptions))
