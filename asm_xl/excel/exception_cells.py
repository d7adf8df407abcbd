"""The exceptions argument of the ASM_* functions that price a final score: one to three yes/no cells,
in the Inputs sheet's order (its ``In_Exceptions``):

1. extreme and uncontrollable circumstances exception (§ 512.780),
2. payment exception (§ 512.750(f)): either one, when it applies (the setting ``exceptions_neutral``,
   :func:`asm_xl.model.exceptions.excepted`), gives a neutral factor 0 [ASSUMPTION];
3. not participating this performance year (``ASM_NOT_PARTICIPATING`` of CMS's ASM Participants file):
   no ASM adjustment, factor 0, whatever the setting.

Every function reads the cells here, so ``ASM_FACTOR``, ``ASM_FACTOR_RANGE``, ``ASM_GAIN_CHANCE``,
``ASM_ACTIONS`` and ``ASM_PROJECTION`` agree on what a range of them means.
"""

from __future__ import annotations

from asm_xl.excel import values as xv
from asm_xl.model import exceptions
from asm_xl.model.settings import Settings

__all__ = ["EXCEPTION_FIELDS", "NOT_PARTICIPATING_FIELD", "EXCEPTIONS_DOC", "exception_values", "excepted_arg",
           "not_participating_cell"]

#: the roster columns of the first two cells
EXCEPTION_FIELDS = ("euc_exception", "payment_exception")
#: the third cell's name in a reason (it is no roster column)
NOT_PARTICIPATING_FIELD = "exceptions: not participating"
#: each cell's name in a reason
_CELL_NAMES = tuple(f"exceptions: {f}" for f in EXCEPTION_FIELDS) + (NOT_PARTICIPATING_FIELD,)
#: what the cells are, for the functions' argument help (each adds what a yes does to its result)
EXCEPTIONS_DOC = ("Optional: one to three yes/no cells: EUC exception, payment exception (neutral while "
                  "exceptions_neutral is Yes [ASSUMPTION]), not participating (ASM_NOT_PARTICIPATING)")


def exception_values(exceptions_) -> list:
    """The cells as given, padded with None to three (omitted: three None); more than three: #VALUE!."""
    flat = [] if exceptions_ is None else xv.flatten("exceptions", exceptions_)
    if len(flat) > len(EXCEPTION_FIELDS) + 1:
        raise xv.ExcelError("#VALUE!", f"exceptions: 1 to {len(EXCEPTION_FIELDS) + 1} cells ({', '.join(EXCEPTION_FIELDS)}, "
                                       f"then not participating (ASM_NOT_PARTICIPATING)), got {len(flat)}")
    return flat + [None] * (len(EXCEPTION_FIELDS) + 1 - len(flat))


def not_participating_cell(exceptions_) -> bool:
    """Whether the third cell says yes: not participating this performance year (no third cell: no)."""
    return xv.boolean(NOT_PARTICIPATING_FIELD, exception_values(exceptions_)[-1], False)


def excepted_arg(exceptions_, settings: Settings) -> bool:
    """Whether the factor is neutral (0): not participating, or an exception that applies
    (:func:`~asm_xl.model.exceptions.excepted`: the setting ``exceptions_neutral``). Every cell is read (a
    "maybe" after a yes is an error all the same); blank or omitted: no."""
    euc, pay, out = (xv.boolean(name, v, False) for name, v in zip(_CELL_NAMES, exception_values(exceptions_)))
    return out or bool(exceptions.excepted(euc, pay, settings=settings))
