"""Exceptions that take a participant out of the payment adjustment (spec 8) [REG 512.780, 512.750(f)].

Extreme and uncontrollable circumstances (§ 512.780) and payment exceptions (§ 512.750(f)) exist;
their text is unpublished here. [ASSUMPTION] a flagged participant gets a neutral payment adjustment
factor (0: multiplier 1) and is left out of its cohort's pool (the scaling factor, the cohort median
and the ranks are computed without it). Its final score is still computed and shown.
"""

from __future__ import annotations

import numpy as np

__all__ = ["excepted", "neutral_factor", "exception_note", "exception_label"]


def excepted(euc_exception, payment_exception) -> np.ndarray:
    """True where either exception applies (flags: bool or 0/1 arrays; NaN = not flagged)."""
    euc = np.nan_to_num(np.asarray(euc_exception, dtype=float)) > 0
    pay = np.nan_to_num(np.asarray(payment_exception, dtype=float)) > 0
    return euc | pay


def neutral_factor(factor, is_excepted) -> np.ndarray:
    """Formula [ASSUMPTION]::

        factor = 0            if an exception applies (neutral: multiplier 1, dollar impact 0)
               = factor       otherwise
    """
    return np.where(np.asarray(is_excepted, dtype=bool), 0.0, np.asarray(factor, dtype=float))


def exception_note(euc_exception: bool, payment_exception: bool) -> str:
    """The sentence the scoring APIs' notes show for an excepted participant ("" when none applies); a cell
    shows :func:`exception_label`.

    >>> exception_note(True, False)
    'Extreme and uncontrollable circumstances exception (§ 512.780): neutral factor 0, left out of the pool [ASSUMPTION].'
    """
    which = [name for flag, name in ((euc_exception, "Extreme and uncontrollable circumstances exception (§ 512.780)"),
                                     (payment_exception, "Payment exception (§ 512.750(f))")) if flag]
    if not which:
        return ""
    return f"{' and '.join(which)}: neutral factor 0, left out of the pool [ASSUMPTION]."


def exception_label(euc_exception: bool, payment_exception: bool, not_participating: bool = False) -> str:
    """:func:`exception_note` in a few words, for a value cell (the Score sheet's is 18 characters wide): what
    takes the physician out of the adjustment; not participating first, since then no exception matters.

    >>> [exception_label(e, p) for e, p in ((False, False), (True, False), (False, True), (True, True))]
    ['No exception', 'EUC exception', 'Payment exception', 'Both exceptions']
    >>> exception_label(True, False, not_participating=True)
    'Not participating'
    """
    if not_participating:
        return "Not participating"
    if euc_exception and payment_exception:
        return "Both exceptions"
    return "EUC exception" if euc_exception else "Payment exception" if payment_exception else "No exception"
