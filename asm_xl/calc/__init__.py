"""Calculation of workbooks without Excel: asm-xl's compiled evaluator, the ``formulas`` adapter,
and recalc (engine choice, check, differences)."""
