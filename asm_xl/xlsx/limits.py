"""Package safety checks: what a file must pass before any of its XML is read.

A workbook from a user is untrusted. Before anything is parsed, :func:`open_workbook` refuses
files that are missing, OLE compound files (a password-protected .xlsx or a legacy .xls), not zip
packages, without ``xl/workbook.xml``, with too many members, expanding to too many bytes in
total, or with a member whose declared expansion ratio only a zip bomb reaches. A refused file is
never modified. The XML itself is always parsed with defusedxml or with byte-level code that
expands no entities.
"""

from __future__ import annotations

import io
import os
import zipfile

from asm_xl.xlsx.errors import WorkbookError

__all__ = ["DEFAULT_MAX_BYTES", "DEFAULT_MAX_MEMBERS", "DEFAULT_MAX_RATIO", "WORKBOOK_PART",
           "check_workbook", "open_workbook"]

#: the largest total uncompressed size of a package's members
DEFAULT_MAX_BYTES = 100 * 1024 * 1024
#: the most members a package may have
DEFAULT_MAX_MEMBERS = 10_000
#: the largest uncompressed/compressed ratio of a member over 1 MiB (deflate cannot exceed ~1032)
DEFAULT_MAX_RATIO = 1_000
#: the part every workbook package has
WORKBOOK_PART = "xl/workbook.xml"

_RATIO_FLOOR = 1 << 20  # small members are not judged by their ratio
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def check_workbook(path, *, max_bytes: int = DEFAULT_MAX_BYTES,
                   max_members: int = DEFAULT_MAX_MEMBERS) -> None:
    """Raise :class:`WorkbookError` unless *path* is a safe-to-open workbook (see the module's
    docstring for the checks). Never modifies the file."""
    open_workbook(path, max_bytes=max_bytes, max_members=max_members).close()


def open_workbook(path, *, max_bytes: int = DEFAULT_MAX_BYTES,
                  max_members: int = DEFAULT_MAX_MEMBERS, in_memory: bool = False) -> zipfile.ZipFile:
    """The checks of :func:`check_workbook`, then the package, open for reading (close it).

    ``in_memory``: read the whole file at once (its size bounded by ``max_bytes``) and open the
    package from memory; :func:`asm_xl.xlsx.zipcopy.rewritten` then copies unchanged members as
    byte ranges."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise WorkbookError(f"workbook not found: {path}")
    blob = None
    with open(path, "rb") as fh:
        if in_memory:
            size = os.fstat(fh.fileno()).st_size
            if size > max_bytes:
                raise WorkbookError(f"workbook too large: {path} is {size} bytes (limit {max_bytes})")
            blob = fh.read()
            head = blob[:len(_OLE_MAGIC)]
        else:
            head = fh.read(len(_OLE_MAGIC))
        if head == _OLE_MAGIC:
            fh.seek(0)
            blob = fh.read(4 * 1024 * 1024)
            if "EncryptedPackage".encode("utf-16-le") in blob or \
                    "EncryptionInfo".encode("utf-16-le") in blob:
                raise WorkbookError(f"password-protected workbook: {path}")
            raise WorkbookError(f"not an Excel workbook (legacy .xls/OLE file): {path}")
    source = io.BytesIO(blob) if in_memory else path
    try:
        zf = zipfile.ZipFile(source)
    except zipfile.BadZipFile:
        raise WorkbookError(f"not an Excel workbook: {path}") from None
    except (OSError, ValueError) as exc:
        raise WorkbookError(f"not an Excel workbook: {path} ({exc})") from exc
    try:
        _check_members(zf, path, max_bytes, max_members)
    except BaseException:
        zf.close()
        raise
    return zf


def _check_members(zf: zipfile.ZipFile, path: str, max_bytes: int, max_members: int) -> None:
    infos = zf.infolist()
    if len(infos) > max_members:
        raise WorkbookError(f"workbook too large: {path} has {len(infos)} zip members "
                            f"(limit {max_members})")
    total = sum(i.file_size for i in infos)
    if total > max_bytes:
        raise WorkbookError(f"workbook too large: {path} expands to {total} bytes "
                            f"(limit {max_bytes})")
    for i in infos:
        if i.file_size > _RATIO_FLOOR and i.file_size > DEFAULT_MAX_RATIO * max(i.compress_size, 1):
            raise WorkbookError(f"workbook refused: {path} member {i.filename} claims to expand "
                                f"{i.file_size // max(i.compress_size, 1)}x (a zip bomb)")
    if WORKBOOK_PART not in zf.NameToInfo:
        raise WorkbookError(f"not an Excel workbook: {path} (no {WORKBOOK_PART})")
