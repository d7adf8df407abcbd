"""Score adjustments added to the weighted category scores (spec 6) [CMS]. Vectorized; plain Python
numbers in give plain numbers out (:mod:`asm_xl.model.primitives`)."""

from __future__ import annotations

import numpy as np

from asm_xl.model.primitives import ops
from asm_xl.model.settings import DEFAULT_SETTINGS, Settings

__all__ = ["ia_adjustment", "pi_adjustment", "practice_size_bonus", "is_small_practice"]


def ia_adjustment(ia_done, *, settings: Settings = DEFAULT_SETTINGS) -> np.ndarray:
    """Improvement activities adjustment [CMS].

    Formula::

        ia_adj = -ia_penalty_per_missing x (2 - activities done)    # both done: 0

    ``ia_done`` is the number of the two ASM activities (IA-1, IA-2) completed: 0, 1 or 2.

    >>> float(ia_adjustment(2)), float(ia_adjustment(1))   # both done: 0, not -0.0 (the product's sign)
    (0.0, -10.0)
    """
    return settings.ia_penalty_per_missing * (ops(ia_done).float(ia_done) - 2)


def pi_adjustment(pi_score, *, settings: Settings = DEFAULT_SETTINGS) -> np.ndarray:
    """Promoting Interoperability adjustment, 0 to -pi_max_penalty points [CMS].

    Formula [ASSUMPTION ``pi_adjustment_linear``]::

        pi_adj = -pi_max_penalty x (1 - PI score)    # PI score a fraction; incomplete reporting: 0

    computed as ``pi_max_penalty x PI score - pi_max_penalty``: 90% gives -1.0, not the
    -0.9999999999999998 of ``1 - 0.9``, and 100% gives +0.0. Other scores may keep float noise
    (93% gives -0.6999999999999993), which :func:`~asm_xl.model.final_score.final_score` rounds away.
    With the linear assumption switched off, PI is all-or-nothing: 0 at 100%, -pi_max_penalty below.

    >>> float(pi_adjustment(0.9)), float(pi_adjustment(1.0)), float(pi_adjustment(0.0))
    (-1.0, 0.0, -10.0)
    """
    xp = ops(pi_score)
    pi = xp.float(pi_score)
    if settings.pi_adjustment_linear:
        return settings.pi_max_penalty * pi - settings.pi_max_penalty
    return xp.where(pi >= 1.0, 0.0, -settings.pi_max_penalty)


def is_small_practice(clinicians, small_practice=np.nan, *, settings: Settings = DEFAULT_SETTINGS) -> np.ndarray:
    """Whether the practice is small [CMS, spec 8.1]::

        small = CMS's flag (ASM_CYxx_SMALLPRACTICE) when given
              = clinicians <= small_practice_max_clinicians   otherwise

    >>> bool(is_small_practice(15)), bool(is_small_practice(16)), bool(is_small_practice(16, 1.0))
    (True, False, True)
    """
    xp = ops(clinicians, small_practice)
    flag = xp.float(small_practice)
    return xp.where(xp.isnan(flag), xp.float(clinicians) <= settings.small_practice_max_clinicians, flag > 0)


def practice_size_bonus(clinicians, small_practice=np.nan, *, settings: Settings = DEFAULT_SETTINGS) -> np.ndarray:
    """Small practice bonus from CMS's small-practice flag and the number of clinicians in the TIN [CMS].

    Formula::

        small  = CMS's flag (ASM_CYxx_SMALLPRACTICE) when given           [CMS, spec 8.1]
               = clinicians <= small_practice_max_clinicians   otherwise
        bonus  = 0                       if not small
               = solo_practice_bonus     if small and clinicians = 1                      (solo)
               = small_practice_bonus    if small and clinicians >= 2
               = small_practice_bonus    if CMS's flag is yes and clinicians is not known (NaN)
                                         [ASSUMPTION: solo cannot be told, the smaller bonus is taken]

    ``small_practice`` is 1/0 (True/False) or NaN (not given); the flag decides whether there is a
    bonus, the practice size only tells solo from small.
    """
    xp = ops(clinicians, small_practice)
    n = xp.float(clinicians)
    small = is_small_practice(clinicians, small_practice, settings=settings)
    return xp.where(small, xp.where(n <= 1, xp.float(settings.solo_practice_bonus),
                                    xp.float(settings.small_practice_bonus)), 0.0)
