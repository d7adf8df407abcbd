"""Checks every untrusted input file passes before it is read: it exists, it is a regular file; a workbook's
package: a zip of sane size and members, no more cells or shared strings than the Excel-file layer allows."""

from __future__ import annotations

import io
import os
import stat
import zipfile
from pathlib import Path

from asm_xl.xlsx.errors import WorkbookError
from asm_xl.xlsx.limits import check_content
from asm_xl.xlsx.near_names import near_name

__all__ = ["regular_file", "workbook_package", "workbook_failure", "OLE_MAGIC", "ZIP_MAGIC"]

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"   #: a password-protected or Excel 97-2003 file
ZIP_MAGIC = b"PK\x03\x04"


def regular_file(p: Path, what: str, error: type[Exception]) -> os.stat_result:
    """``p``'s stat when it is a regular file; else ``error`` with one line naming the file
    ("roster file not found: ...", "cannot open the QPP submission file ...: Permission denied",
    "... is not a file")."""
    try:
        st = p.stat()
    except FileNotFoundError:
        raise error(f"{what} file not found: {p}{near_name(p)}") from None
    except OSError as e:
        raise error(f"cannot open the {what} file {p}: {e.strerror or e}") from None
    if not stat.S_ISREG(st.st_mode):
        raise error(f"{p} is not a file")
    return st


def workbook_package(data: bytes, name: str, max_unpacked: int, max_members: int, error: type[Exception]) -> None:
    """Refuse ``data`` (the file ``name``) with one line, as ``error``, unless it is a workbook package that
    unpacks to at most ``max_unpacked`` bytes in at most ``max_members`` members, none encrypted, and
    within :func:`~asm_xl.xlsx.limits.check_content`'s limits: all checked before a parser sees it."""
    if data.startswith(OLE_MAGIC):
        raise error(f"{name} is not a valid .xlsx workbook: it is a password-protected "
                    "workbook or an Excel 97-2003 file; save it as .xlsx without a password")
    if not data.startswith(ZIP_MAGIC) or not zipfile.is_zipfile(io.BytesIO(data)):
        raise error(f"{name} is not a valid Excel workbook (not a zip package)")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            _check_members(zf, name, max_unpacked, max_members, error)
    except error:
        raise
    except WorkbookError as e:   # (a ValueError too)
        raise error(str(e)) from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as e:
        raise error(f"{name} is not a valid Excel workbook ({e})") from None


def _check_members(zf: zipfile.ZipFile, name: str, max_unpacked: int, max_members: int,
                   error: type[Exception]) -> None:
    infos = zf.infolist()
    if len(infos) > max_members:
        raise error(f"{name} was refused: {len(infos):,} zip members, the limit is {max_members:,}")
    total = sum(i.file_size for i in infos)
    if total > max_unpacked:
        raise error(f"{name} was refused: it unpacks to {total:,} bytes, the limit is {max_unpacked:,} (zip bomb?)")
    if any(i.flag_bits & 0x1 for i in infos):
        raise error(f"{name} is not a valid Excel workbook (encrypted zip members)")
    if "[Content_Types].xml" not in {i.filename for i in infos}:
        raise error(f"{name} is not a valid Excel workbook (a zip file without [Content_Types].xml)")
    check_content(zf, name)   # cells and shared strings counted before openpyxl parses them (3,000,000: 42 s, 566 MB)


def workbook_failure(name: str, e: Exception) -> str:
    """What a parser's failure on an untrusted workbook says: an XML attack named as such, else "not a valid Excel
    workbook" with the parser's first line."""
    from defusedxml import DefusedXmlException

    cause, seen = e, set()
    while cause is not None and id(cause) not in seen:  # openpyxl wraps parser errors
        seen.add(id(cause))
        if isinstance(cause, DefusedXmlException):
            return (f"{name} was refused: its XML declares entities, a DTD or external references "
                    f"(possible XML attack: {type(cause).__name__})")
        cause = cause.__cause__ or cause.__context__
    first = str(e).strip().splitlines()[0] if str(e).strip() else ""
    return f"{name} is not a valid Excel workbook ({type(e).__name__}{': ' + first if first else ''})"
