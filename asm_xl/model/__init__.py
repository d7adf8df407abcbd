"""The ASM methodology as pure Python/numpy: parameters, settings, benchmarks, measure points,
categories, adjustments, final score, payment; the scalar API (:func:`score_participant`, one
physician) and the vectorized API (:func:`asm_xl.model.cohort.score_cohort`, a cohort). No Excel,
no files other than the packaged parameter and benchmark tables."""
