"""The one error type of asm-xl: bad input, named by field, value and what is allowed."""

from __future__ import annotations

__all__ = ["ASMInputError"]


class ASMInputError(ValueError):
    """A value the methodology cannot accept.

    The message always names the field, the offending value and what is allowed, e.g.
    ``q236_reported: 120 is not allowed (must be <= q236_eligible (100))``.

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
        super().__init__(f"{field}: {value!r} is not allowed ({allowed})")

    def __reduce__(self):  # picklable across process pools
        return (type(self), (self.field, self.value, self.allowed))
