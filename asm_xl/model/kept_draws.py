"""The national peer model's draws, kept between runs: a store the caller supplies, keyed by everything
the draws depend on.

Drawing the national cohorts (:func:`~asm_xl.model.peers.simulate_national_cohorts`: 1,000 cohorts of
~2,600 HF or ~4,000 LBP clinicians, with ``scipy.special``) costs ~0.4 s per cohort and process, more
than recalculating a workbook. The draws are a pure function of the cohort, the settings and the
code (seeded), so a later run may reuse them. The model keeps no files: a caller that has a place for
them installs a store (:func:`use_store`; the CLI uses :class:`asm_xl.calc.draws_cache.DirectoryStore`),
and :func:`asm_xl.model.pool_choice.national_pool` asks it before drawing and gives it what it drew.

What is kept is what prices a final score (:class:`~asm_xl.model.peers.PoolDraws`: k, m, SF and the
midpoint rule per draw, and the source text), ~32 kB a cohort. The key (:func:`key_of`) hashes

* the cohort code and ``repr`` of the settings (every field: a setting that cannot change the draws
  only costs a second entry);
* the code and data of this package (every file of ``asm_xl/model``), numpy's and scipy's versions,
  Python's version and the machine type (the random streams and the special functions they feed).

A kept entry is used only if it names the same key and has the shapes, types and finite values a
drawing gives; anything else is drawn again (and replaces it). Results are bit for bit those of a
drawing (``tests/model/test_kept_draws.py``).
"""

from __future__ import annotations

import hashlib
import platform
import sys
from functools import lru_cache
from importlib import resources
from typing import Mapping, Protocol

import numpy as np

from asm_xl.model.parameters import get_cohort, risk_level
from asm_xl.model.peers import PoolDraws
from asm_xl.model.settings import Settings

__all__ = ["ArrayStore", "use_store", "current_store", "key_of", "to_arrays", "from_arrays", "FORMAT"]

#: bump when what is kept, or how it is read, changes (old entries are then simply not found)
FORMAT = "asm-xl national draws v1"


class ArrayStore(Protocol):
    """Where kept draws live: ``load`` returns the arrays saved under a key (None if none or unreadable);
    ``save`` keeps them (a failure to save is the store's to swallow: the draws are already computed)."""

    def load(self, key: str) -> Mapping[str, np.ndarray] | None: ...

    def save(self, key: str, arrays: Mapping[str, np.ndarray]) -> None: ...


_STORE: list = [None]


def use_store(store: ArrayStore | None) -> ArrayStore | None:
    """Install ``store`` (None: keep nothing between runs) for :func:`~asm_xl.model.pool_choice.national_pool`;
    returns the store it replaces."""
    previous, _STORE[0] = _STORE[0], store
    return previous


def current_store() -> ArrayStore | None:
    """The store installed by :func:`use_store`, or None."""
    return _STORE[0]


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """sha256 over every file of ``asm_xl/model`` (sources and data, by name), numpy's and scipy's
    versions, Python's version and the machine type: what the draws' bits depend on beyond their
    arguments."""
    h = hashlib.sha256(FORMAT.encode())
    import scipy  # its version only (scipy.special is what draws)
    for part in (np.__version__, scipy.__version__, sys.version, platform.machine()):
        h.update(part.encode() + b"\0")
    root = resources.files("asm_xl.model")
    stack = [root]
    files = []
    while stack:
        for entry in stack.pop().iterdir():
            if entry.is_dir():
                if entry.name != "__pycache__":
                    stack.append(entry)
            elif not entry.name.endswith((".pyc", ".pyo")):
                files.append(entry)
    for entry in sorted(files, key=lambda e: str(e)):
        h.update(str(entry.name).encode() + b"\0" + entry.read_bytes() + b"\0")
    return h.hexdigest()


def key_of(cohort: str, settings: Settings) -> str:
    """The key of one cohort's draws under ``settings`` (hex, 40 characters)."""
    h = hashlib.sha256(code_fingerprint().encode())
    h.update(get_cohort(cohort).code.encode() + b"\0" + repr(settings).encode())
    return h.hexdigest()[:40]


def to_arrays(pool: PoolDraws, key: str) -> dict[str, np.ndarray]:
    """What a store keeps of ``pool``: plain arrays only (no object arrays, so no pickle is needed to read them)."""
    rule = np.zeros(pool.draws, dtype=bool) if pool.median_rule is None else pool.median_rule
    return {"key": np.array(key), "cohort": np.array(pool.cohort), "source": np.array(pool.source),
            "has_rule": np.array(pool.median_rule is not None), "steepness": pool.steepness,
            "midpoint": pool.midpoint, "scaling_factor": pool.scaling_factor, "median_rule": rule}


def from_arrays(arrays: Mapping[str, np.ndarray] | None, key: str, cohort: str, performance_year: int,
                settings: Settings) -> PoolDraws | None:
    """The :class:`PoolDraws` kept under ``key``, or None when ``arrays`` is not exactly what
    :func:`to_arrays` made for this key: another key or cohort, a missing array, another length than
    ``settings.peer_draws``, another type, or a value that is not finite."""
    if arrays is None:
        return None
    try:
        draws = int(settings.peer_draws)
        if str(arrays["key"][()]) != key or str(arrays["cohort"][()]) != get_cohort(cohort).code:
            return None
        numbers = [np.asarray(arrays[name]) for name in ("steepness", "midpoint", "scaling_factor")]
        rule = np.asarray(arrays["median_rule"])
        if any(a.dtype != np.float64 or a.shape != (draws,) or not np.all(np.isfinite(a)) for a in numbers):
            return None
        if rule.dtype != np.bool_ or rule.shape != (draws,) or np.asarray(arrays["has_rule"]).dtype != np.bool_:
            return None
        source = str(arrays["source"][()])
        has_rule = bool(arrays["has_rule"][()])
    except (KeyError, TypeError, ValueError, IndexError):
        return None
    k, m, sf = (np.array(a) for a in numbers)
    return PoolDraws(get_cohort(cohort).code, int(performance_year), risk_level(performance_year), k, m, sf, source,
                     settings, np.array(rule) if has_rule else None)
