"""Final score 0-100 with reweighting and clamping (spec 5, 7) [CMS]. Vectorized; plain Python numbers
in give plain numbers out (:mod:`asm_xl.model.primitives`)."""

from __future__ import annotations

import numpy as np

from asm_xl.model.primitives import ops
from asm_xl.model.settings import DEFAULT_SETTINGS, Settings

__all__ = ["category_weights", "final_score", "category_note", "FINAL_DECIMALS"]

#: the final score's sum is rounded to this many decimals before the clamp (float noise, see final_score)
FINAL_DECIMALS = 9


def category_weights(quality_scored, cost_scored, *, settings: Settings = DEFAULT_SETTINGS):
    """(w_q, w_c) per participant [REG][ASSUMPTION ``reweight_unscored_category``].

    Both scored: (quality_weight, 1 - quality_weight). Only one scored: its weight becomes 1 (reweighting), or, with
    reweighting off, the unscored category simply adds 0. Neither scored: (NaN, NaN), the final
    score cannot be computed.
    """
    xp = ops(quality_scored, cost_scored)
    wq0 = float(settings.quality_weight)
    wc0 = 1.0 - wq0
    # (quality scored, cost scored) = (no, no), (no, yes), (yes, no), (yes, yes): a lookup, not nested
    # np.where (whose scalar branches take numpy's slow path: most of a drawn cohort's final score)
    if settings.reweight_unscored_category:
        wq, wc = (np.nan, 0.0, 1.0, wq0), (np.nan, 1.0, 0.0, wc0)
    else:
        wq, wc = (np.nan, 0.0, wq0, wq0), (np.nan, wc0, 0.0, wc0)
    return xp.pick(wq, quality_scored, cost_scored), xp.pick(wc, quality_scored, cost_scored)


def final_score(quality, cost, ia_adj, pi_adj, complex_bonus, practice_bonus,
                minimum_submission_met=True, *, settings: Settings = DEFAULT_SETTINGS) -> np.ndarray:
    """Final score [CMS].

    Formula::

        final = clamp(100 x (w_q x quality + w_c x cost) + ia_adj + pi_adj
                      + complex_bonus + practice_bonus, 0, 100)
        final = 0                       if the minimum data submission is not met

    ``quality`` and ``cost`` are fractions, NaN when not scored (weights from
    :func:`category_weights`). NaN only where neither category is scored and the minimum
    submission is met: the score cannot be computed, which callers must report, not hide.

    The sum is rounded to :data:`FINAL_DECIMALS` (1e-9) before the clamp, so that float noise cannot
    decide a rule: 100 x (0.5 x 0.55) - 20 - 7.5 is 3.6e-15 in floating point, and a final score above 0 is priced
    on the exchange curve where a final score of 0 gets -r (spec 8). No score shown (2 decimals) or
    compared with a threshold moves by it [ASSUMPTION: spec 1 keeps full precision; 1e-9 is noise].
    """
    xp = ops(quality, cost, ia_adj, pi_adj, complex_bonus, practice_bonus, minimum_submission_met)
    q = xp.float(quality)
    c = xp.float(cost)
    q_nan, c_nan = xp.isnan(q), xp.isnan(c)
    wq, wc = category_weights(xp.not_(q_nan), xp.not_(c_nan), settings=settings)
    base = 100.0 * (wq * xp.where(q_nan, 0.0, q) + wc * xp.where(c_nan, 0.0, c))
    # + 0.0: a sum rounded to zero from below is -0.0, which np.clip keeps and the scalar path does not
    raw = xp.round(base + ia_adj + pi_adj + complex_bonus + practice_bonus, FINAL_DECIMALS) + 0.0
    clamped = xp.clip(raw, 0.0, 100.0)
    return xp.where(xp.bool(minimum_submission_met), clamped, 0.0)


def category_note(quality_scored: bool, cost_scored: bool, minimum_submission_met: bool = True, *,
                  settings: Settings = DEFAULT_SETTINGS) -> str:
    """The sentence that says how the final score weighs the categories, from :func:`category_weights`.

    The scalar API, the cohort API and the workbook (``ASM_NOTE``) all show this text, so the note
    can never disagree with the weights used [REG][ASSUMPTION ``reweight_unscored_category``].

    >>> category_note(True, False)
    'Cost not scored: its weight moves to quality [ASSUMPTION].'
    >>> category_note(True, True, settings=Settings(quality_weight=0.6))
    'Quality weighs 60% and cost 40% of the final score.'
    """
    if not minimum_submission_met:
        return "Minimum data submission not met: final score 0 [CMS]."
    wq, wc = (float(w) for w in category_weights(quality_scored, cost_scored, settings=settings))
    if not quality_scored and not cost_scored:
        return "Neither quality nor cost is scored: the final score cannot be computed."
    if quality_scored and cost_scored:
        return f"Quality weighs {wq:.0%} and cost {wc:.0%} of the final score."
    missing, other, w = ("Quality", "cost", wc) if not quality_scored else ("Cost", "quality", wq)
    if settings.reweight_unscored_category:
        return f"{missing} not scored: its weight moves to {other} [ASSUMPTION]."
    return (f"{missing} not scored: it adds 0 ({other} weighs {w:.0%}; reweighting is off) "
            "[ASSUMPTION].")
