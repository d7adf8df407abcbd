"""Exceptions that take a participant out of the payment adjustment (spec 8) [REG 512.780, 512.750(f)].

Extreme and uncontrollable circumstances (§ 512.780) and payment exceptions (§ 512.750(f)) exist;
their text is unpublished here. [ASSUMPTION] a flagged participant gets a neutral payment adjustment
factor (0: multiplier 1) and is left out of its cohort's pool (the scaling factor, the cohort median
and the ranks are computed without it). Its final score is still computed and shown. The assumption is
the setting ``exceptions_neutral`` (default Yes); No shows the flags but applies neither (the
participant is scored, ranked and priced as any other: what the exception is worth).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from asm_xl.model.settings import DEFAULT_SETTINGS, Settings

__all__ = ["flagged", "excepted", "neutral_factor", "exception_note", "exception_label", "NO_ADJUSTMENT",
           "without_adjustment"]

#: a scored participant's numbers that are 0 when no ASM adjustment applies to his year (the columns of the
#: cohort API's scores joined with :func:`~asm_xl.model.ranges.payment_ranges`)
NO_ADJUSTMENT = ("factor", "factor_p10", "factor_p50", "factor_p90", "dollar_impact", "dollars_p10", "dollars_p50",
                 "dollars_p90", "p_gain")


def flagged(euc_exception, payment_exception) -> np.ndarray:
    """True where either exception flag is set (flags: bool or 0/1 arrays; NaN = not flagged), applied or
    not (:func:`excepted`).

    >>> flagged([1, 0, np.nan], [0, 0, 1]).tolist()
    [True, False, True]
    """
    # a comparison is False for NaN (not flagged) and True for +inf, as after np.nan_to_num, without its cost
    # (~8 µs a call, and every priced workbook cell asks)
    return (np.asarray(euc_exception, dtype=float) > 0) | (np.asarray(payment_exception, dtype=float) > 0)


def excepted(euc_exception, payment_exception, *, settings: Settings = DEFAULT_SETTINGS) -> np.ndarray:
    """Formula [ASSUMPTION: ``exceptions_neutral``]::

        excepted = (euc_exception or payment_exception)   if exceptions_neutral
                 = False                                   otherwise

    The flags as :func:`flagged` reads them. An excepted participant gets :func:`neutral_factor` and is
    left out of its cohort's pool.

    >>> excepted([1, 0, np.nan], [0, 0, 1]).tolist()
    [True, False, True]
    >>> excepted(1, 0, settings=Settings(exceptions_neutral=False)).tolist()
    False
    """
    either = flagged(euc_exception, payment_exception)
    return either if settings.exceptions_neutral else np.zeros_like(either)


def neutral_factor(factor, is_excepted) -> np.ndarray:
    """Formula [ASSUMPTION]::

        factor = 0            if an exception applies (neutral: multiplier 1, dollar impact 0)
               = factor       otherwise
    """
    return np.where(np.asarray(is_excepted, dtype=bool), 0.0, np.asarray(factor, dtype=float))


def without_adjustment(numbers: pd.DataFrame, rows) -> pd.DataFrame:
    """Formula [CMS: a physician who does not participate in a performance year gets no ASM payment
    adjustment for it; spec 8]::

        factor = factor_p10 = factor_p50 = factor_p90 = dollar_impact = dollars_p10 = dollars_p50
               = dollars_p90 = p_gain = 0,  multiplier = 1
                 at ``rows`` (a boolean mask) whose final score is computed; other rows unchanged

    A copy of ``numbers``; the columns of :data:`NO_ADJUSTMENT` it lacks are left out. What an excepted
    participant's numbers are too (:func:`neutral_factor`: $0 at every percentile, no chance of a gain), and
    what a workbook shows once its exceptions range says "not participating" (``ASM_NOT_PARTICIPATING``).

    >>> df = pd.DataFrame({"final_score": [60.0, np.nan, 70.0], "factor": [0.02, np.nan, 0.03], "p_gain": [0.7, np.nan, 0.8]})
    >>> without_adjustment(df, [True, True, False]).values.tolist()
    [[60.0, 0.0, 0.0], [nan, nan, nan], [70.0, 0.03, 0.8]]
    """
    out = numbers.copy()
    scored = np.asarray(rows, dtype=bool) & pd.to_numeric(out["final_score"], errors="coerce").notna().to_numpy()
    columns = [c for c in NO_ADJUSTMENT if c in out.columns]
    if scored.any() and columns:
        out.loc[scored, columns] = 0.0
    if scored.any() and "multiplier" in out.columns:   # 1 + factor (asm-xl score --out shows it)
        out.loc[scored, "multiplier"] = 1.0
    return out


def exception_note(euc_exception: bool, payment_exception: bool, settings: Settings = DEFAULT_SETTINGS) -> str:
    """The sentence the scoring APIs' notes show for a flagged participant ("" when none is flagged); a
    cell shows :func:`exception_label`.

    >>> exception_note(True, False)
    'Extreme and uncontrollable circumstances exception (§ 512.780): neutral factor 0, left out of the pool [ASSUMPTION].'
    >>> exception_note(False, True, Settings(exceptions_neutral=False))
    'Payment exception (§ 512.750(f)) not applied (exceptions_neutral is No): scored and priced as any participant [ASSUMPTION].'
    """
    which = [name for flag, name in ((euc_exception, "Extreme and uncontrollable circumstances exception (§ 512.780)"),
                                     (payment_exception, "Payment exception (§ 512.750(f))")) if flag]
    if not which:
        return ""
    if not settings.exceptions_neutral:
        return (f"{' and '.join(which)} not applied (exceptions_neutral is No): scored and priced as any "
                "participant [ASSUMPTION].")
    return f"{' and '.join(which)}: neutral factor 0, left out of the pool [ASSUMPTION]."


def exception_label(euc_exception: bool, payment_exception: bool, not_participating: bool = False,
                    settings: Settings = DEFAULT_SETTINGS) -> str:
    """:func:`exception_note` in a few words, for a value cell (the Score sheet's is 18 characters wide): what
    takes the physician out of the adjustment; not participating first, since then no exception matters; a flag
    the setting ``exceptions_neutral`` (No) does not apply is "ignored".

    >>> [exception_label(e, p) for e, p in ((False, False), (True, False), (False, True), (True, True))]
    ['No exception', 'EUC exception', 'Payment exception', 'Both exceptions']
    >>> exception_label(True, False, not_participating=True)
    'Not participating'
    >>> [exception_label(e, p, settings=Settings(exceptions_neutral=False)) for e, p in ((True, False), (True, True))]
    ['EUC ignored', 'Exceptions ignored']
    """
    if not_participating:
        return "Not participating"
    if not (euc_exception or payment_exception):
        return "No exception"
    if euc_exception and payment_exception:
        return "Both exceptions" if settings.exceptions_neutral else "Exceptions ignored"
    which = "EUC" if euc_exception else "Payment"
    return f"{which} exception" if settings.exceptions_neutral else f"{which} ignored"
