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
import re
import zipfile
import zlib
from pathlib import Path
from typing import NamedTuple

from defusedxml import ElementTree as SafeET

from asm_xl.xlsx.cells import unescape_text
from asm_xl.xlsx.errors import WorkbookError
from asm_xl.xlsx.near_names import near_name
from asm_xl.xlsx.refs import formula_ranges
from asm_xl.xlsx.zipcopy import read_head

__all__ = ["DEFAULT_MAX_BYTES", "DEFAULT_MAX_MEMBERS", "DEFAULT_MAX_RATIO", "WORKBOOK_PART", "ContentLimits",
           "DEFAULT_CONTENT_LIMITS", "MAX_FORMULA_CHARS", "check_workbook", "open_workbook", "check_content",
           "check_formula_ranges"]

#: the largest total uncompressed size of a package's members
DEFAULT_MAX_BYTES = 100 * 1024 * 1024
#: the most members a package may have
DEFAULT_MAX_MEMBERS = 10_000
#: the largest uncompressed/compressed ratio of a member over 1 MiB (deflate cannot exceed ~1032)
DEFAULT_MAX_RATIO = 1_000
#: the longest formula Excel takes (its specifications: 8,192 characters); a longer one is no workbook Excel wrote,
#: and the formulas engine spent 98 s and 2.2 GB on one of 40,000
MAX_FORMULA_CHARS = 8_192
#: the part every workbook package has
WORKBOOK_PART = "xl/workbook.xml"

_RATIO_FLOOR = 1 << 20  # small members are not judged by their ratio
_PROLOG_BYTES = 4096  # what is read of each XML part to find a DTD


class ContentLimits(NamedTuple):
    """The most cells, formulas and shared strings a workbook may hold before asm-xl works on it
    (a 1,000,000-formula sheet ran 6 minutes to a MemoryError at 7.6 GB). Override per call."""

    cells: int = 2_000_000
    formulas: int = 200_000
    shared_strings: int = 1_000_000
    #: cells the formulas' and defined names' distinct ranges cover (a whole column, A:A, is 1,048,576: two and
    #: bounded ranges beside them are computed, =VLOOKUP(A1, A:B, 2, FALSE) 1.5 GB with the formulas engine; three
    #: are not): an engine holds a range's cells, and =SUM(A:Z) in a 6 KB file took 22 GB before it was stopped
    range_cells: int = 3_000_000


DEFAULT_CONTENT_LIMITS = ContentLimits()
#: below this many bytes of worksheet and shared-string XML no limit can be exceeded (a cell takes
#: at least ~10 bytes), so ordinary workbooks are not scanned at all
_SCAN_FLOOR = 1 << 20
_CELL = re.compile(rb"<(?:[\w.-]+:)?c[\s/>]")
_FORMULA = re.compile(rb"<(?:[\w.-]+:)?f[\s/>]")
_STRING = re.compile(rb"<(?:[\w.-]+:)?si[\s/>]")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def check_workbook(path, *, max_bytes: int = DEFAULT_MAX_BYTES,
                   max_members: int = DEFAULT_MAX_MEMBERS) -> None:
    """Raise :class:`WorkbookError` unless *path* is a safe-to-open workbook (see the module's
    docstring for the checks). Never modifies the file."""
    open_workbook(path, max_bytes=max_bytes, max_members=max_members).close()


def open_workbook(path, *, max_bytes: int = DEFAULT_MAX_BYTES,
                  max_members: int = DEFAULT_MAX_MEMBERS, in_memory: bool = False,
                  content_limits: ContentLimits = DEFAULT_CONTENT_LIMITS) -> zipfile.ZipFile:
    """The checks of :func:`check_workbook`, then the package, open for reading (close it).

    ``in_memory``: read the whole file at once (its size bounded by ``max_bytes``) and open the
    package from memory; :func:`asm_xl.xlsx.zipcopy.rewritten` then copies unchanged members as
    byte ranges."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        if os.path.isdir(path):
            raise WorkbookError(f"not a workbook: {path} is a folder (give its workbooks: "
                                f"{os.path.join(path, '*.xlsx')})")
        if os.path.exists(path):   # a device, a pipe or a socket (a link to /dev/zero was "not found")
            raise WorkbookError(f"not a workbook: {path} is not a regular file (a device, a pipe or a socket)")
        raise WorkbookError(f"workbook not found: {path}" + (" (a link to nothing)" if os.path.islink(path)
                                                             else near_name(Path(path))))
    try:
        return _open_checked(path, max_bytes, max_members, in_memory, content_limits)
    except OSError as exc:  # permission denied, an I/O error: this file cannot be read, others may
        raise WorkbookError(f"cannot read workbook: {path} ({exc.strerror or exc})") from exc


def _open_checked(path: str, max_bytes: int, max_members: int, in_memory: bool,
                  content_limits: ContentLimits) -> zipfile.ZipFile:
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
        check_content(zf, path, content_limits)
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
    _check_structure(zf, infos, path)


def _check_structure(zf: zipfile.ZipFile, infos: list, path: str) -> None:
    """A package must name each member once (readers disagree on which duplicate they read), its
    ``[Content_Types].xml``, when there, must be one, and no XML part may declare a DTD: Excel never writes one, and
    entities are how XML bombs and external-entity reads work. Only each part's first
    :data:`_PROLOG_BYTES` are read (a DTD must come before the root element)."""
    names = [i.filename for i in infos]
    if len(set(names)) != len(names):
        dup = next(n for k, n in enumerate(names) if n in names[:k])
        raise WorkbookError(f"corrupt workbook: {path} holds {dup} twice (duplicate zip entries)")
    for info in infos:
        if info.flag_bits & 0x1:   # Python's own message quoted a ZipInfo repr
            raise WorkbookError(f"not a workbook asm-xl can open: {path} (member {info.filename} is encrypted: save "
                                "the workbook without a password)")
        if not info.filename.endswith((".xml", ".rels", ".vml")):
            continue
        try:
            prolog = _prolog(zf, info)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
            raise WorkbookError(f"corrupt workbook: {path} member {info.filename} cannot be read ({exc})") from None
        if prolog is None or b"<!DOCTYPE" in prolog or b"<!ENTITY" in prolog:
            raise WorkbookError(f"workbook refused: {path} member {info.filename} declares a DTD or entities "
                                "(possible XML attack; Excel never writes them)")
    types = zf.NameToInfo.get("[Content_Types].xml")
    if types is None:  # asm-xl does not need it (Excel does): a package without it is read as it is
        return
    if types.file_size > _RATIO_FLOOR:   # a few kB in any workbook: one type per part, and parts are limited
        raise WorkbookError(f"workbook refused: {path} ([Content_Types].xml is {types.file_size:,} bytes, over the "
                            f"{_RATIO_FLOOR:,} a workbook's list of part types can need)")
    try:  # its root must be <Types>, as Excel requires
        root = SafeET.fromstring(zf.read(types))
    except (SafeET.ParseError, ValueError) as exc:
        raise WorkbookError(f"corrupt workbook: {path} ([Content_Types].xml: {exc})") from None
    if root is None or root.tag.rsplit("}", 1)[-1] != "Types":
        raise WorkbookError(f"corrupt workbook: {path} ([Content_Types].xml is not a content-types part)")


#: what comes before an XML part's root element and is no DTD: comments and processing instructions
_NOT_DTD = re.compile(rb"<!--.*?-->|<\?.*?\?>", re.DOTALL)
#: the root element's start: past it no DTD can come
_ROOT = re.compile(rb"<[A-Za-z_:]")
#: the most of a part read to find its root element (comments may push it down; past this: refused)
_MAX_PROLOG = 1 << 20


def _prolog(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes | None:
    """An XML part's text before its root element, comments and processing instructions taken out
    (UTF-8; a UTF-16 part, with or without its byte-order mark, decoded); None when no root element
    starts within :data:`_MAX_PROLOG` bytes (comments hiding what follows are refused, not trusted).
    The first :data:`_PROLOG_BYTES` are enough for every part Excel writes."""
    size = _PROLOG_BYTES
    while True:
        head = read_head(zf, info, size)
        text = head
        if head[:2] in (b"\xff\xfe", b"\xfe\xff") or head[:2] in (b"<\0", b"\0<"):
            codec = "utf-16" if head[:2] in (b"\xff\xfe", b"\xfe\xff") else (
                "utf-16-le" if head[:1] == b"<" else "utf-16-be")
            text = head[:len(head) // 2 * 2].decode(codec, errors="replace").encode("utf-8", errors="replace")
        text = _NOT_DTD.sub(b"", text)
        root = _ROOT.search(text)
        unclosed = min((i for i in (text.find(b"<!--"), text.find(b"<?")) if i >= 0), default=-1)
        if root is not None and not 0 <= unclosed < root.start():   # (not inside a comment cut short)
            return text[:root.start()]
        if len(head) < size:   # the whole part, no root element: the parser says it is not XML
            return text
        if size >= _MAX_PROLOG:
            return None
        size *= 16


def has_formulas(zf: zipfile.ZipFile) -> bool:
    """Whether a worksheet of the package holds a formula cell (an ``<f>`` element: not a data validation's
    or a conditional format's ``<formula>``), by a streaming byte scan, one chunk in memory."""
    for info in zf.infolist():
        if info.filename.startswith("xl/worksheets/"):
            with zf.open(info) as fh:
                tail = b""
                while chunk := fh.read(1 << 20):
                    if _FORMULA.search(tail + chunk):
                        return True
                    tail = chunk[-16:]   # a tag cut by the chunk is found with the next one
    return False


#: a formula's text between its tags (its bytes: at least one a character, at most 6: "&quot;")
_FORMULA_TEXT = re.compile(rb"<(?:[\w.-]+:)?f(?:\s[^>]*)?>([^<]{%d,})(?:<|\Z)" % MAX_FORMULA_CHARS)
_FORMULA_OPEN = re.compile(rb"<(?:[\w.-]+:)?f(?:\s[^>]*)?>")


def _check_formula_bytes(body: bytes, tail: bytes, member: str) -> None:
    """Refuse a formula longer than Excel allows while its part is streamed, before any engine parses it (a 50 MB
    formula in a 193 KB file took 48 s and 3.9 GB to be refused after it was read): a complete one in ``body``
    whose text is over :data:`MAX_FORMULA_CHARS` characters (its text may end the body: the body is cut before a
    ``<``, there the one of its ``</f>``), or one still open in ``tail`` (the part's text after its last tag) whose
    bytes cannot be fewer characters."""
    for m in _FORMULA_TEXT.finditer(body):
        n = len(unescape_text(m.group(1)))
        if n > MAX_FORMULA_CHARS:
            raise WorkbookError(f"{member}: a formula of {n:,} characters, more than the "
                                f"{MAX_FORMULA_CHARS:,} Excel allows (not a workbook Excel wrote)")
    if len(tail) > 6 * MAX_FORMULA_CHARS + 64 and _FORMULA_OPEN.match(tail):
        raise WorkbookError(f"{member}: a formula of more than {len(tail) // 6:,} characters, more than the "
                            f"{MAX_FORMULA_CHARS:,} Excel allows (not a workbook Excel wrote)")


def check_content(zf: zipfile.ZipFile, path: str, limits: ContentLimits = DEFAULT_CONTENT_LIMITS) -> None:
    """Refuse a workbook with more cells, formulas or shared strings than *limits*, before the work:
    the worksheet and shared-string parts are counted by a streaming byte scan (nothing is parsed,
    memory stays at one chunk). Workbooks whose parts total under a megabyte are not scanned."""
    parts = [i for i in zf.infolist() if i.filename.startswith("xl/worksheets/") or
             i.filename == "xl/sharedStrings.xml"]
    if sum(i.file_size for i in parts) < _SCAN_FLOOR:
        return
    cells = formulas = strings = 0
    for info in parts:
        shared = info.filename == "xl/sharedStrings.xml"
        with zf.open(info) as fh:
            tail = b""
            while chunk := fh.read(1 << 20):
                data = tail + chunk
                cut = max(0, data.rfind(b"<"))  # a tag cut by the chunk is counted with the next one
                body, tail = data[:cut], data[cut:]
                if shared:
                    strings += len(_STRING.findall(body))
                else:
                    cells += len(_CELL.findall(body))
                    formulas += len(_FORMULA.findall(body))
                    _check_formula_bytes(body, tail, info.filename)
            if shared:
                strings += len(_STRING.findall(tail))
            else:
                cells += len(_CELL.findall(tail))
                formulas += len(_FORMULA.findall(tail))
    for what, n, limit in (("cells", cells, limits.cells), ("formulas", formulas, limits.formulas),
                           ("shared strings", strings, limits.shared_strings)):
        if n > limit:
            raise WorkbookError(f"workbook too large: {path} has {n:,} {what} (limit {limit:,}; asm-xl refuses it "
                                "before working on it; the limits are documented and can be raised)")


def check_formula_ranges(formulas, names=(), limits: ContentLimits = DEFAULT_CONTENT_LIMITS) -> None:
    """Refuse a workbook whose formulas' and defined names' distinct ranges cover more than ``limits.range_cells``
    cells in all (:func:`~asm_xl.xlsx.refs.formula_ranges`; a range many formulas read counts once), before an
    engine reads them. ``formulas``: (where, text) pairs, ``where`` naming the cell ("Sheet1!C1"); ``names``:
    (name, definition) pairs (Excel's own ``_xlnm.`` names, the print titles, are read by no formula)."""
    seen, total = set(), 0
    for where, text in list(formulas) + [(name, text) for name, text in names if not name.startswith("_xlnm.")]:
        if ":" not in text:
            continue
        own = where.rsplit("!", 1)[0].lower() if "!" in where else ""
        for sheet, area, n in formula_ranges(text):
            key = (sheet.lower() or own, area)
            if key in seen:
                continue
            seen.add(key)
            total += n
            if total > limits.range_cells:
                raise WorkbookError(
                    f"workbook too large to recalculate: its formulas' ranges cover {total:,} cells, more than the "
                    f"{limits.range_cells:,} asm-xl computes (a whole column, A:A, is 1,048,576); {where} reads {area} "
                    f"({n:,} cells): bound such ranges (A1:A5000, not A:A)")
