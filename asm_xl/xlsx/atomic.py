"""Atomic replace: every file the project writes appears whole or not at all.

The data goes to a temporary file in the target's folder (same file system, so the rename is
atomic), is flushed to disk (``fsync``) and renamed over the target. A new file gets the mode the
process's umask gives (the temporary file is created with 0o666 and the kernel applies the umask,
so the umask is never changed, which would not be thread-safe); a file that is replaced keeps its
mode. On any error the target is untouched and the temporary file is removed; an ``OSError`` names
the target (``filename``), never the temporary file.

A symbolic link is written through: the file it points to is replaced and the link stays a link
(``follow_links=False``: the link itself is replaced by the file, as a cache does whose entries
nobody should be able to point elsewhere).
``expect=file_stamp(path)``, taken when the caller read the file, makes the replace refuse
(:class:`FileChangedError`, target untouched) when another program wrote the file in between,
so a result computed from old inputs never overwrites new ones.

``durable=False`` skips the ``fsync`` only: the generator writes thousands of new workbooks that
the roster reproduces, where an fsync per file costs about 3 ms against 0.5 ms for the rest of
the write (measured on this machine); every other writer (recalc, index, template, error report)
fsyncs. :func:`write_atomic_many` writes a batch with the same guarantees per file, its fsyncs
issued together before any rename.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Iterator, NamedTuple

from asm_xl.xlsx.errors import WorkbookError


class FileStamp(NamedTuple):
    """What identifies a file's content cheaply: device, inode, size, modification time (ns)."""

    device: int
    inode: int
    size: int
    mtime_ns: int


class FileChangedError(WorkbookError):
    """The file was written by someone else after it was read: nothing was replaced."""


def file_stamp(path: str | os.PathLike) -> FileStamp | None:
    """The :class:`FileStamp` of *path* (through symbolic links), or None when it does not exist."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return FileStamp(st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def file_stamp_or_none(path: str | os.PathLike) -> FileStamp | None:
    """:func:`file_stamp`, None also where the system cannot tell (ENOTDIR, a name too long, a loop of links)."""
    try:
        return file_stamp(path)
    except OSError:
        return None

__all__ = ["write_atomic", "write_atomic_many", "atomic_open", "file_stamp", "file_stamp_or_none", "FileStamp",
           "FileChangedError"]

_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)


def _create_temp(target: str) -> tuple[int, str]:
    folder = os.path.dirname(os.path.abspath(target))
    base = os.path.basename(target)
    for _ in range(100):
        tmp = os.path.join(folder, f".{base}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(tmp, _FLAGS, 0o666), tmp
        except FileExistsError:
            continue
        except OSError as exc:
            raise _naming(exc, tmp, target) from None
    raise FileExistsError(f"no free temporary name next to {target}")


def _naming(exc: BaseException, tmp: str, target: str) -> BaseException:
    """*exc*, an error writing *target* through its temporary file *tmp*, made to name *target*
    (what the user asked for; the temporary file is gone when the error is read)."""
    if isinstance(exc, OSError) and exc.errno is not None and exc.filename in (None, tmp):
        exc.filename, exc.filename2 = target, None
    return exc


def _resolve(path: str | os.PathLike, follow_links: bool = True) -> str:
    """The file to replace: a symbolic link's target (the link itself stays), or with
    ``follow_links=False`` the directory entry itself, whatever it is."""
    target = os.fspath(path)
    return os.path.realpath(target) if follow_links and os.path.islink(target) else target


def _kept_mode(target: str, follow_links: bool) -> int | None:
    """The mode the new file keeps: the replaced file's (a regular file's only when links are not
    followed: a link's or a FIFO's mode is not a file's), None for a new file."""
    try:
        st = os.stat(target) if follow_links else os.lstat(target)
    except FileNotFoundError:
        return None
    return st.st_mode & 0o7777 if follow_links or stat.S_ISREG(st.st_mode) else None


def _finish(fd: int, tmp: str, target: str, durable: bool, expect: FileStamp | None = None,
            follow_links: bool = True) -> None:
    """Flush, keep the replaced file's mode, check nobody wrote the target, rename (fd is closed here)."""
    try:
        if durable:
            os.fsync(fd)  # the data is on disk before the rename makes it the file
        mode = _kept_mode(target, follow_links)
        if mode is not None:
            os.fchmod(fd, mode) if hasattr(os, "fchmod") else os.chmod(tmp, mode)
    finally:
        os.close(fd)
    if expect is not None and file_stamp(target) != expect:
        raise FileChangedError(f"{target} was changed by another program while asm-xl worked on it; "
                               "nothing was replaced: run the command again")
    os.replace(tmp, target)


def _discard(tmp: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(tmp)


def write_atomic(path: str | os.PathLike, data: bytes | bytearray | memoryview, *,
                 durable: bool = True, expect: FileStamp | None = None, follow_links: bool = True) -> Path:
    """Write *data* to *path* atomically (see the module's docstring) and return the path.

    ``durable=False`` skips the ``fsync``: the file is still never seen half-written by a reader,
    but a power cut right after the rename may leave it empty. ``expect``: see the module's docstring.
    ``follow_links=False``: a symbolic link (or a FIFO, a device ...) at *path* is replaced, never
    written through."""
    target = _resolve(path, follow_links)
    fd, tmp = _create_temp(target)
    try:
        view = memoryview(data)
        try:
            while view:
                view = view[os.write(fd, view):]
        except BaseException:
            os.close(fd)
            raise
        _finish(fd, tmp, target, durable, expect, follow_links)
    except BaseException as exc:
        _discard(tmp)
        raise _naming(exc, tmp, target)
    return Path(target)


#: fsyncs in flight at once in :func:`write_atomic_many` (they wait on the disk, not on a CPU)
SYNC_THREADS = 8


def write_atomic_many(items, *, durable: bool = True) -> list[Path | BaseException]:
    """:func:`write_atomic` of each ``(path, data, expect)`` of *items*, with the same guarantee per
    file (whole or not at all, never over a file changed since ``expect``), and the outcome of each,
    in order: its :class:`~pathlib.Path`, or the exception that left that file untouched (one file's
    failure, a full disk for instance, does not stop the others).

    Every temporary file is written first, then all are flushed to disk together (``fsync`` in
    :data:`SYNC_THREADS` threads), then each is renamed over its target. Interleaving fsync and
    rename file by file makes the file system commit its journal once per file; flushed together,
    the data of many files goes in one commit (measured on this machine: 0.42-0.69 ms a file one by
    one, 0.23-0.31 ms together, 0.14-0.25 ms without any fsync)."""
    out: list = [None] * len(items)
    staged = []   # (position, fd, temporary name, target, expect)
    done = 0      # how many of ``staged`` are finished (renamed, or discarded)
    try:
        for k, (path, data, expect) in enumerate(items):
            try:
                target = _resolve(path)
                fd, tmp = _create_temp(target)
            except OSError as exc:
                out[k] = exc
                continue
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
            except OSError as exc:
                os.close(fd)
                _discard(tmp)
                out[k] = _naming(exc, tmp, target)
                continue
            staged.append((k, fd, tmp, target, expect))
        synced = _sync_all([entry[1] for entry in staged]) if durable else [None] * len(staged)
        for (k, fd, tmp, target, expect), error in zip(staged, synced):
            done += 1
            try:
                if error is not None:
                    os.close(fd)
                    raise error
                _finish(fd, tmp, target, False, expect)  # flushed above; closes fd
                out[k] = Path(target)
            except (OSError, WorkbookError) as exc:  # a FileChangedError is a WorkbookError
                _discard(tmp)
                out[k] = _naming(exc, tmp, target)
            except BaseException:
                _discard(tmp)
                raise
    finally:
        for _, fd, tmp, _, _ in staged[done:]:  # interrupted: no temporary file stays behind
            with contextlib.suppress(OSError):
                os.close(fd)
            _discard(tmp)
    return out


def _sync_all(fds: list[int]) -> list[OSError | None]:
    def sync(fd: int) -> OSError | None:
        try:
            os.fsync(fd)
        except OSError as exc:
            return exc
        return None
    if len(fds) < 2:
        return [sync(fd) for fd in fds]
    with ThreadPoolExecutor(max_workers=min(SYNC_THREADS, len(fds))) as pool:
        return list(pool.map(sync, fds))


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "wb", *, durable: bool = True,
                **open_kw) -> Iterator[IO]:
    """``with atomic_open(path, "w", encoding=..., newline="") as f:`` write through *f*; the
    file replaces *path* atomically when the block ends without an error (and is discarded
    otherwise). *mode* must be a write mode ("w", "wb", "wt")."""
    if mode not in ("w", "wb", "wt"):
        raise ValueError(f"atomic_open: mode {mode!r} is not a write mode")
    target = _resolve(path)
    fd, tmp = _create_temp(target)
    try:
        try:
            with os.fdopen(os.dup(fd), mode, **open_kw) as fh:
                yield fh
        except BaseException:
            os.close(fd)
            raise
        _finish(fd, tmp, target, durable)
    except BaseException as exc:
        _discard(tmp)
        raise _naming(exc, tmp, target)
