"""The one error type of asm-xl: bad input, named by field, value and what is allowed."""

from __future__ import annotations

__all__ = ["ASMInputError", "as_typed"]

#: beyond this a whole float is shown as Python shows it (1e+20), not as 21 digits
_WHOLE_LIMIT = 1e15


def as_typed(value: object) -> str:
    """A value as a user typed it, the same whichever engine or library produced it.

    Text is quoted (``'$300,000'``: spaces stay visible); a numpy scalar is its Python value; a whole
    number is shown without a decimal point (``np.int64(2026)``, ``np.float64(2026.0)`` and ``2026.0``
    are all ``2026``: the two recalculation engines hand the same cell as either); a blank (None, NaN)
    is ``blank``.

    >>> as_typed(2026.0), as_typed(0.5), as_typed("HF"), as_typed(None), as_typed(int(1e308))
    ('2026', '0.5', "'HF'", 'blank', '1e+308')
    """
    if value is None or type(value).__name__ == "NAType":  # pandas' NA
        return "blank"
    item = getattr(value, "item", None)
    if callable(item) and getattr(value, "ndim", None) == 0:  # a numpy scalar (or 0-d array)
        value = item()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, float):
        if value != value:
            return "blank"
        if value.is_integer() and abs(value) < _WHOLE_LIMIT:
            return str(int(value))
    elif abs(value) >= _WHOLE_LIMIT:   # int(1e308) was shown with its 309 digits
        return f"{value:.6g}"
    return repr(value)


class ASMInputError(ValueError):
    """A value the methodology cannot accept.

    The message always names the field, the offending value (as a user typed it, see :func:`as_typed`)
    and what is allowed, e.g. ``q236_reported: 120 is not allowed (must be <= q236_eligible (100))``;
    a blank value reads ``cost_episodes is blank (required with cost_points)``.

    Attributes
    ----------
    field : str
        The input field (roster column, function argument or setting name).
    value : object
        The value that was given.
    allowed : str
        What would have been accepted.
    """

    def __init__(self, field: str, value: object, allowed: str):
        self.field = field
        self.value = value
        self.allowed = allowed
        shown = as_typed(value)
        self.blank = shown == "blank"  #: no value was given (Excel shows #VALUE!, as for any blank)
        super().__init__(f"{field} is blank ({allowed})" if self.blank
                         else f"{field}: {shown} is not allowed ({allowed})")

    def __reduce__(self):  # picklable across process pools
        return (type(self), (self.field, self.value, self.allowed))
