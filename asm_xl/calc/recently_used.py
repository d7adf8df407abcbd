"""What a recalculation compiled, kept by key: the most recently used ones, up to a size.

The fast engine's templates, the array-formula programs and the ``formulas`` engine's models are
each compiled once per formula signature and kept in one of these (held by the caller's
:class:`~asm_xl.calc.recalc.Recalculator`, never in a module global).
"""

from __future__ import annotations

from collections import OrderedDict

__all__ = ["RecentlyUsed"]


class RecentlyUsed:
    """A mapping that keeps its *maxsize* most recently used entries (reading one counts as a use)."""

    def __init__(self, maxsize: int = 8):
        self.maxsize = maxsize
        self._items: OrderedDict = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key) -> bool:
        return key in self._items

    def get(self, key, default=None):
        """The entry of ``key`` (now the most recently used), or ``default``."""
        if key not in self._items:
            return default
        self._items.move_to_end(key)
        return self._items[key]

    def pop(self, key, default=None):
        """The entry of ``key``, removed (``default`` when there is none)."""
        return self._items.pop(key, default)

    def values(self) -> list:
        """The entries, least recently used first (reading them is no use)."""
        return list(self._items.values())

    def put(self, key, value) -> None:
        """Keep ``value`` under ``key``; the least recently used entries beyond *maxsize* are dropped."""
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.maxsize:
            self._items.popitem(last=False)
