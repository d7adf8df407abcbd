"""A directory where the national peer model's draws are kept between runs (see :mod:`asm_xl.model.kept_draws`).

The first ``asm-xl`` run of a cohort and settings draws the national cohorts (~0.4 s a cohort, plus
~0.25 s to import ``scipy.special``); later runs read ~32 kB instead. The CLI installs the store
(:func:`install`); a program using the library calls :func:`install` itself if it wants the same.

Where: the environment variable ``ASM_XL_CACHE`` (a directory; ``off`` keeps nothing), else
``%LOCALAPPDATA%\\asm-xl\\cache`` on Windows, ``$XDG_CACHE_HOME/asm-xl`` or ``~/.cache/asm-xl`` elsewhere.
Deleting the directory is always safe.

Reading is untrusted-file safe: ``numpy.load(allow_pickle=False)`` (no code runs), a size limit
checked before reading, and the model accepts an entry only with its own key, shapes, types and
finite values (:func:`~asm_xl.model.kept_draws.from_arrays`). A failure to read is a miss, a failure
to write (read-only or full disk) is ignored: the draws are already computed. Files are written
atomically and the directory is pruned to :data:`MAX_ENTRIES` entries, newest kept.
"""

from __future__ import annotations

import io
import logging
import os
import sys
import zipfile
from pathlib import Path
from typing import Mapping

import numpy as np

from asm_xl.model import kept_draws
from asm_xl.xlsx.atomic import write_atomic

__all__ = ["DirectoryStore", "cache_directory", "install", "MAX_ENTRIES", "MAX_BYTES", "ENV"]

log = logging.getLogger(__name__)

ENV = "ASM_XL_CACHE"
MAX_ENTRIES = 64          #: entries kept (one per cohort and settings); the oldest go first
MAX_BYTES = 4 * 2 ** 20   #: an entry larger than this is not read (1,000 draws take ~33 kB)
_PREFIX, _SUFFIX = "draws-", ".npz"


def cache_directory(environ: Mapping[str, str] | None = None) -> Path | None:
    """The directory of kept draws: ``ASM_XL_CACHE`` if set (``off``, ``0`` or empty: None), else the
    platform's user cache directory."""
    env = os.environ if environ is None else environ
    chosen = env.get(ENV)
    if chosen is not None:
        return None if chosen.strip().lower() in ("", "off", "0", "no", "false") else Path(chosen).expanduser()
    if sys.platform == "win32" and env.get("LOCALAPPDATA"):
        return Path(env["LOCALAPPDATA"]) / "asm-xl" / "cache"
    base = env.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "asm-xl"


class DirectoryStore:
    """:class:`~asm_xl.model.kept_draws.ArrayStore` over one directory: one ``draws-<key>.npz`` per key."""

    def __init__(self, directory: str | os.PathLike):
        self.directory = Path(directory)

    def _path(self, key: str) -> Path:
        if not key.isalnum():
            raise ValueError(f"a store key is letters and digits, not {key!r}")
        return self.directory / f"{_PREFIX}{key}{_SUFFIX}"

    def load(self, key: str) -> dict[str, np.ndarray] | None:
        path = self._path(key)
        try:
            if path.stat().st_size > MAX_BYTES:
                return None
            with np.load(path, allow_pickle=False) as kept:
                return {name: kept[name] for name in kept.files}
        except FileNotFoundError:
            return None
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as e:  # unreadable or corrupt: draw again
            log.debug("kept draws %s not used: %s", path, e)
            return None

    def save(self, key: str, arrays: Mapping[str, np.ndarray]) -> None:
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            write_atomic(self._path(key), buffer.getbuffer(), durable=False)
            self._prune()
        except OSError as e:  # read-only, full: the draws are computed, only not kept
            log.debug("kept draws not saved in %s: %s", self.directory, e)

    def _prune(self) -> None:
        entries = []
        for path in self.directory.glob(f"{_PREFIX}*{_SUFFIX}"):
            try:
                entries.append((path.stat().st_mtime, path))
            except OSError:
                continue
        for _, path in sorted(entries, reverse=True)[MAX_ENTRIES:]:
            try:
                path.unlink()
            except OSError:
                pass


def install(environ: Mapping[str, str] | None = None) -> DirectoryStore | None:
    """Keep the national draws in :func:`cache_directory` from now on (nothing when it is ``off``);
    returns the store installed."""
    directory = cache_directory(environ)
    store = None if directory is None else DirectoryStore(directory)
    kept_draws.use_store(store)
    return store
