"""Excel functions (ASM_*): one registry drives the xlwings UDFs and the headless engine."""

from asm_xl.excel import functions as _functions  # noqa: F401  (declares every ASM_* function)
from asm_xl.excel.registry import REGISTRY, ExcelFunction, call, evaluate, explain

__all__ = ["REGISTRY", "ExcelFunction", "call", "evaluate", "explain"]
