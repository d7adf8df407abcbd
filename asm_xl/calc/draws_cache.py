"""A directory where the national peer model's draws are kept between runs (see :mod:`asm_xl.model.kept_draws`).

The first ``asm-xl`` run of a cohort and settings draws the national cohorts (~0.4 s a cohort, plus
~0.25 s to import ``scipy.special``); later runs read ~32 kB instead. The CLI installs the store
(:func:`install`); a program using the library calls :func:`install` itself if it wants the same.

Where: the environment variable ``ASM_XL_CACHE`` (a directory; ``off`` keeps nothing), else
``%LOCALAPPDATA%\\asm-xl\\cache`` on Windows, ``$XDG_CACHE_HOME/asm-xl`` or ``~/.cache/asm-xl`` elsewhere.
Deleting the directory is always safe.

Reading is untrusted-file safe: only a regular file is read, opened without following a symbolic
link and without waiting (a FIFO or a device in the directory is a miss, never a hang), at most
:data:`MAX_BYTES` of it and at most :data:`MAX_BYTES` once inflated (a zip bomb is a miss); its
arrays are read with ``allow_pickle=False`` (no code runs), and the model accepts an entry only with
its own key, shapes, types and finite values (:func:`~asm_xl.model.kept_draws.from_arrays`). Any
failure to read is a miss, a failure to write (read-only or full disk) is ignored: the draws are
already computed. Files are written atomically, replacing whatever the entry's name held (a symbolic
link is replaced, never written through), and the directory is pruned to :data:`MAX_ENTRIES`
entries, newest kept.
"""

from __future__ import annotations

import io
import logging
import os
import stat
import sys
import time
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
MAX_BYTES = 4 * 2 ** 20   #: an entry larger than this, on disk or inflated, is not read (1,000 draws take ~28 kB)
MAX_ARRAYS = 16           #: an entry with more arrays than this is not read (one holds 8)
_PREFIX, _SUFFIX = "draws-", ".npz"


def cache_directory(environ: Mapping[str, str] | None = None) -> Path | None:
    """The directory of kept draws: ``ASM_XL_CACHE`` if set (``off``, ``0`` or empty: None), else the
    platform's user cache directory: ``%LOCALAPPDATA%\\asm-xl\\cache`` on Windows, else ``$XDG_CACHE_HOME/asm-xl``
    (an absolute path) or ``$HOME/.cache/asm-xl``; None without a home of one's own (unset, empty or /)."""
    env = os.environ if environ is None else environ
    chosen = env.get(ENV)
    if chosen is not None:
        return None if chosen.strip().lower() in ("", "off", "0", "no", "false") else Path(chosen).expanduser()
    if sys.platform == "win32" and env.get("LOCALAPPDATA"):
        return Path(env["LOCALAPPDATA"]) / "asm-xl" / "cache"
    xdg = env.get("XDG_CACHE_HOME", "")
    if os.path.isabs(xdg):  # the XDG spec: a relative path is ignored
        return Path(xdg) / "asm-xl"
    home = env.get("HOME") if environ is not None else os.path.expanduser("~")
    if not home or not os.path.isabs(home) or home == "/":  # no home of one's own (cron, env -i): keep nothing
        return None
    return Path(home) / ".cache" / "asm-xl"


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
            data = _read_regular_file(path, MAX_BYTES)
            return None if data is None else _read_arrays(data)
        except FileNotFoundError:
            return None
        except Exception as e:  # noqa: BLE001 - an entry is only a shortcut: anything wrong with it is a miss
            log.debug("kept draws %s not used: %s", path, e)
            return None

    def save(self, key: str, arrays: Mapping[str, np.ndarray]) -> None:
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            write_atomic(self._path(key), buffer.getbuffer(), durable=False, follow_links=False)
            self._prune()
        except OSError as e:  # read-only, full: the draws are computed, only not kept
            log.debug("kept draws not saved in %s: %s", self.directory, e)

    def _prune(self) -> None:
        """Keep the newest :data:`MAX_ENTRIES` entries; drop a temporary file older than an hour (a run
        killed while it saved)."""
        entries = []
        for path in self.directory.glob(f".{_PREFIX}*.tmp"):
            try:
                if time.time() - path.lstat().st_mtime > 3600:
                    path.unlink()
            except OSError:
                continue
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


_OPEN_FLAGS = (os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
               | getattr(os, "O_CLOEXEC", 0))


def _read_regular_file(path: Path, limit: int) -> bytes | None:
    """The bytes of ``path`` if it is a regular file of at most ``limit`` bytes, else None. A symbolic
    link is not followed (``lstat``, then ``O_NOFOLLOW``), and the file is opened ``O_NONBLOCK`` and
    checked again on its descriptor, so a FIFO or a device put there (or swapped in meanwhile) is
    refused without waiting for a writer or reading an endless stream."""
    if not stat.S_ISREG(os.lstat(path).st_mode):
        return None
    fd = os.open(path, _OPEN_FLAGS)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > limit:
            return None
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(limit + 1)
    finally:
        os.close(fd)
    return data if len(data) <= limit else None


def _read_arrays(data: bytes) -> dict[str, np.ndarray] | None:
    """The arrays of an ``.npz`` held in ``data``, or None when it has more than :data:`MAX_ARRAYS`
    members, a member that is not ``<name>.npy``, or more than :data:`MAX_BYTES` once inflated (the
    sizes the zip declares; reading stops at them). Object arrays raise (``allow_pickle=False``)."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        members = package.infolist()
        if len(members) > MAX_ARRAYS or sum(m.file_size for m in members) > MAX_BYTES \
                or not all(m.filename.endswith(".npy") for m in members):
            return None
        arrays = {}
        for member in members:
            with package.open(member) as fh:
                arrays[member.filename[:-len(".npy")]] = np.lib.format.read_array(fh, allow_pickle=False)
        return arrays


def install(environ: Mapping[str, str] | None = None) -> DirectoryStore | None:
    """Keep the national draws in :func:`cache_directory` from now on (nothing when it is ``off``);
    returns the store installed."""
    directory = cache_directory(environ)
    store = None if directory is None else DirectoryStore(directory)
    kept_draws.use_store(store)
    return store
