"""ASM_* functions of the final score (spec 5-7): adjustments, bonuses, reweighting note, final score."""

from __future__ import annotations

import math
import numpy as np

from asm_xl.model import adjustments, exceptions, final_score as final_mod
from asm_xl.model.errors import ASMInputError
from asm_xl.model.parameters import resolve_cohort
from asm_xl.model.validation import as_bool
from asm_xl.excel import values as xv
from asm_xl.excel.arguments import ASSUMPTIONS, YEAR, not_scored, scalar_arg, settings_arg, year_arg, year_participation
from asm_xl.excel.registry import Arg, excel_function

__all__: list[str] = []

def _inputs_not_na(**cells) -> None:
    """An input cell's ``#N/A`` (``=NA()``, a failed lookup) is #VALUE! naming it, never "not available": a final
    score or an adjustment shown as #N/A reads as not scored, and recalc warns of no #N/A
    (:func:`~asm_xl.excel.values.reject_input_error`, as ASM_QUALITY and ASM_COST read their inputs)."""
    for name, v in cells.items():
        if v.__class__ not in _NO_ERROR:   # (the common cases: a number, a logical or a blank, nothing to check)
            xv.reject_input_error(name, v)   # (a one-cell range reaches an implementation as its value)


_NO_ERROR = frozenset({float, int, bool, type(None)})


@excel_function(
    "ASM_IA_DONE", "Improvement activities completed (0, 1 or 2) from two yes/no cells: IA-1 and IA-2.",
    Arg("ia1", "IA-1 done for 90 days: yes/no, TRUE/FALSE; blank = no."),
    Arg("ia2", "IA-2 done for 90 days: yes/no, TRUE/FALSE; blank = no."), source="CMS")
def asm_ia_done(ia1, ia2):
    for name, v in (("ia1", ia1), ("ia2", ia2)):   # an error in a cell passes through (#DIV/0! was #VALUE!)
        scalar_arg(name, v)
    try:
        return sum(0 if xv.is_blank(v) else int(as_bool(n, v)) for n, v in (("ia1", ia1), ("ia2", ia2)))
    except ASMInputError as e:   # as every input error: "maybe" #VALUE!, 2 #NUM!
        raise xv.ExcelError.from_input_error(e) from None


@excel_function(
    "ASM_COHORT", "The cohort the physician is scored in: the cohort given, else the one the Medicare specialty "
    "belongs to (Cardiology: HF; the LBP specialties: LBP); a specialty of another cohort is an error.",
    Arg("specialty", "Medicare specialty, e.g. Cardiology; blank = the cohort decides."),
    Arg("cohort", "HF or LBP; blank = the specialty's cohort."), source="CMS")
def asm_cohort(specialty, cohort):
    """:func:`asm_xl.model.parameters.resolve_cohort` of the two cells, as every roster row is resolved."""
    for name, v in (("specialty", specialty), ("cohort", cohort)):
        xv.reject_input_error(name, v)
    given = lambda name, v: None if xv.is_blank(v) else xv.text(name, v)  # noqa: E731
    return resolve_cohort(given("cohort", cohort), given("specialty", specialty)).code


@excel_function(
    "ASM_IA_ADJ", "Improvement activities adjustment: -{ia_penalty_per_missing:g} points per activity "
    "(IA-1, IA-2) not done; 0 when both are done.",
    Arg("ia_done", "Improvement activities completed: 0, 1 or 2."), ASSUMPTIONS, source="CMS")
def asm_ia_adj(ia_done, assumptions=None):
    _inputs_not_na(ia_done=ia_done)
    s = settings_arg(assumptions)
    return float(adjustments.ia_adjustment(xv.whole("ia_done", ia_done, minimum=0, maximum=2), settings=s))


@excel_function(
    "ASM_PI_ADJ", "Promoting Interoperability adjustment: -{pi_max_penalty:g} x (1 - PI score), 0 to "
    "-{pi_max_penalty:g} points (pi_adjustment_linear No: 0 at a full PI score, else -{pi_max_penalty:g}).",
    Arg("pi_score", "PI score (fraction)."), ASSUMPTIONS, source="CMS; ASSUMPTION: linear")
def asm_pi_adj(pi_score, assumptions=None):
    _inputs_not_na(pi_score=pi_score)
    s = settings_arg(assumptions)
    return float(adjustments.pi_adjustment(xv.number("pi_score", pi_score, minimum=0, maximum=1), settings=s))


SMALL_PRACTICE = Arg("small_practice", "Optional: CMS's small-practice flag (yes/no); when given it decides the "
                                        "bonus and practice size only tells solo from small. Blank = from size.",
                     optional=True)


def _small_flag(small_practice) -> float:
    return np.nan if xv.is_blank(small_practice) else float(xv.boolean("small_practice", small_practice, False))


@excel_function(
    "ASM_PRACTICE_BONUS", "Small practice bonus: +{solo_practice_bonus:g} solo, +{small_practice_bonus:g} for "
    "2-{small_practice_max_clinicians} clinicians, 0 above; CMS's small-practice flag decides when given.",
    Arg("practice_size", "Clinicians in the TIN; blank only with CMS's small-practice flag (it cannot tell solo "
                         "then: yes gives +{small_practice_bonus:g})."), SMALL_PRACTICE, ASSUMPTIONS, source="CMS")
def asm_practice_bonus(practice_size, small_practice=None, assumptions=None):
    _inputs_not_na(practice_size=practice_size, small_practice=small_practice)
    s = settings_arg(assumptions)
    flag = _small_flag(small_practice)
    if xv.is_blank(practice_size) and not math.isnan(flag):   # as ASM_FINAL: the flag decides
        return float(adjustments.practice_size_bonus(np.nan, flag, settings=s))
    return float(adjustments.practice_size_bonus(xv.whole("practice_size", practice_size, minimum=1), flag, settings=s))


@excel_function(
    "ASM_EXCEPTION", "What takes the participant out of the payment adjustment: \"Not participating\" (CMS's "
    "file), \"EUC exception\", \"Payment exception\" or \"Both exceptions\" (neutral factor), \"EUC ignored\" "
    "etc. (exceptions_neutral is No) or \"No exception\".",
    Arg("euc_exception", "Extreme and uncontrollable circumstances exception: yes/no; blank = no."),
    Arg("payment_exception", "Payment exception: yes/no; blank = no."),
    Arg("not_participating", "Optional: yes when CMS's ASM Participants file says No for the performance year "
                             "(ASM_NOT_PARTICIPATING); blank = no.", optional=True),
    ASSUMPTIONS, source="REG; ASSUMPTION: neutral factor (exceptions_neutral); CMS: ASM Participants file")
def asm_exception(euc_exception, payment_exception, not_participating=None, assumptions=None):
    s = settings_arg(assumptions)
    euc = xv.boolean("euc_exception", euc_exception, False)
    pay = xv.boolean("payment_exception", payment_exception, False)
    out = xv.boolean("not_participating", not_participating, False)
    return exceptions.exception_label(euc, pay, not_participating=out, settings=s)


@excel_function(
    "ASM_NOT_PARTICIPATING",
    "Yes when CMS's ASM Participants file says No for the performance year: no ASM adjustment that year (factor "
    "0, $0), so the workbook counts it among the exceptions; No when it says Yes or is blank (assumed participating).",
    Arg("participation", "Five cells, performance years {first_year}-{last_year}: Yes / No (CMS's ASM Participants "
                         "file) / blank (assumed participating).", range=True),
    YEAR, source="CMS: ASM Participants file; ASSUMPTION: blank = participating")
def asm_not_participating(participation, performance_year):
    """:func:`~asm_xl.excel.arguments.year_participation` of the performance year, as the projection reads it
    (:func:`~asm_xl.model.projection.yearly_projection`: 0 = not participating, no adjustment)."""
    return "Yes" if year_participation(participation, year_arg(performance_year)) == 0.0 else "No"


COMPLEX_BONUS = Arg("complex_bonus", "Optional: complex patient bonus, 0-{complex_bonus_max:g} points. Default 0.",
                    optional=True)


def _complex_bonus(v: object, s) -> float:
    """The complex patient bonus given (blank: 0), 0 to ``complex_bonus_max`` points [CMS: up to +10;
    ASSUMPTION: CMS's formula is unpublished, the bonus is an input]."""
    return xv.optional_number("complex_bonus", v, 0.0, minimum=0, maximum=s.complex_bonus_max,
                              allowed=f"points from 0 to {s.complex_bonus_max:g}, or blank for none")


@excel_function(
    "ASM_COMPLEX_BONUS",
    "Complex patient bonus in points (0-{complex_bonus_max:g}; blank = 0) as the final score adds it. CMS's "
    "formula is unpublished: the bonus is an input.",
    Arg("complex_bonus", "Complex patient bonus, 0-{complex_bonus_max:g} points; blank = none."),
    ASSUMPTIONS, source="CMS; ASSUMPTION: the bonus is an input")
def asm_complex_bonus(complex_bonus, assumptions=None):
    _inputs_not_na(complex_bonus=complex_bonus)
    return _complex_bonus(complex_bonus, settings_arg(assumptions))


@excel_function(
    "ASM_FINAL",
    "ASM final score 0-100 from category scores and adjustments; blank or #N/A category = not scored.",
    Arg("quality", "Quality category score (fraction); blank or #N/A = not scored."),
    Arg("cost", "Cost category score (fraction); blank or #N/A = not scored."),
    Arg("ia_done", "Improvement activities completed: 0, 1 or 2."),
    Arg("pi_score", "Promoting Interoperability score (fraction)."),
    COMPLEX_BONUS,
    Arg("practice_size", "Optional: clinicians in the TIN (1 solo +{solo_practice_bonus:g}, "
                         "2-{small_practice_max_clinicians} +{small_practice_bonus:g}). Blank: no bonus, unless "
                         "small_practice says yes (+{small_practice_bonus:g}).",
        optional=True),
    Arg("min_submission_met", "Optional: FALSE if the minimum data submission is not met (score 0). "
                              "Default TRUE.", optional=True),
    SMALL_PRACTICE,
    ASSUMPTIONS, source="CMS; ASSUMPTION: reweighting, linear PI")
def asm_final(quality, cost, ia_done, pi_score, complex_bonus=None, practice_size=None,
              min_submission_met=None, small_practice=None, assumptions=None):
    # the categories' #N/A is "not scored" (REG); the adjustments' inputs' #N/A is an input error
    _inputs_not_na(ia_done=ia_done, pi_score=pi_score, complex_bonus=complex_bonus, practice_size=practice_size,
                   min_submission_met=min_submission_met, small_practice=small_practice)
    s = settings_arg(assumptions)
    q = np.nan if not_scored(quality) else xv.number("quality", quality, minimum=0, maximum=1)
    c = np.nan if not_scored(cost) else xv.number("cost", cost, minimum=0, maximum=1)
    ia = xv.whole("ia_done", ia_done, minimum=0, maximum=2, allowed="0, 1 or 2")
    pi = xv.number("pi_score", pi_score, minimum=0, maximum=1, allowed="a fraction between 0 and 1")
    bonus = _complex_bonus(complex_bonus, s)
    size = xv.optional_whole("practice_size", practice_size, None, minimum=1, allowed="clinicians >= 1")
    met = xv.boolean("min_submission_met", min_submission_met, True)
    # a blank size with CMS's flag given: the flag decides, the size cannot tell solo (the kernel's rule)
    practice = float(adjustments.practice_size_bonus(np.nan if size is None else size, _small_flag(small_practice),
                                                     settings=s))
    f = float(final_mod.final_score(q, c, float(adjustments.ia_adjustment(ia, settings=s)),
                                    float(adjustments.pi_adjustment(pi, settings=s)), bonus, practice, met,
                                    settings=s))
    if math.isnan(f):
        raise xv.ExcelError("#N/A", "neither quality nor cost is scored: the final score cannot be computed")
    return f


@excel_function(
    "ASM_NOTE",
    "How the final score weighs quality and cost (reweighting, the minimum submission), as the scoring "
    "core says it.",
    Arg("quality", "Quality category score; blank or #N/A = not scored."),
    Arg("cost", "Cost category score; blank or #N/A = not scored."),
    Arg("min_submission_met", "Optional: FALSE/No if the minimum data submission is not met. Default TRUE.",
        optional=True),
    ASSUMPTIONS, source="REG; ASSUMPTION: reweighting")
def asm_note(quality, cost, min_submission_met=None, assumptions=None):
    s = settings_arg(assumptions)
    for name, v in (("quality", quality), ("cost", cost)):
        if xv.is_error(v) and not not_scored(v):
            raise xv.ExcelError(str(v).strip().upper(), f"{name} is the error {v}")
        if not not_scored(v):   # a category as ASM_FINAL reads it ("high" or 1.5 gave a note, not an error)
            xv.number(name, v, minimum=0, maximum=1)
    met = xv.boolean("min_submission_met", min_submission_met, True)
    return final_mod.category_note(not not_scored(quality), not not_scored(cost), met, settings=s)
