"""Write cached formula results into an existing .xlsx/.xlsm package.

openpyxl's writer drops cached values (and charts/VBA unless asked), so this
module works directly on the zip package: every member except the worksheet
parts that receive new values is copied with identical content, in the same
order and with the same compression method.  Inside a worksheet only the
``<c>`` elements that get a new cached value are rewritten; every other byte
of the part (namespaces, untouched cells, formulas) is preserved.

The same zip-level helpers (:func:`check_workbook`, :func:`sheet_parts`) are
used by :mod:`asm_xl.calc.formulas_engine`.
"""
from __future__ import annotations

import copy
import io
import math
import numbers
import os
import posixpath
import re
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Mapping
from typing import Any

from defusedxml import ElementTree as SafeET
from openpyxl.utils.cell import column_index_from_string, get_column_letter

from asm_xl.xlsx.errors import WorkbookError

__all__ = [
    "EXCEL_ERRORS",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_MEMBERS",
    "check_workbook",
    "open_workbook",
    "sheet_parts",
    "encode_cached_value",
    "write_cached_values",
]

#: Error values Excel stores with ``t="e"``.
EXCEL_ERRORS = frozenset({
    "#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A",
    "#GETTING_DATA",
})
DEFAULT_MAX_BYTES = 100 * 1024 * 1024
DEFAULT_MAX_MEMBERS = 10_000
_MAX_STRING = 32_767  # Excel's limit for a cell's text

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_WORKBOOK_PART = "xl/workbook.xml"
_WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"
_REL_NS = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "http://purl.oclc.org/ooxml/officeDocument/relationships",
)


# --------------------------------------------------------------------------
# package checks and sheet discovery
# --------------------------------------------------------------------------
def check_workbook(path, *, max_bytes: int = DEFAULT_MAX_BYTES,
                   max_members: int = DEFAULT_MAX_MEMBERS) -> None:
    """Raise :class:`WorkbookError` unless *path* is a safe-to-open workbook.

    Checks that the file exists, is not an OLE compound file (a
    password-protected .xlsx or a legacy .xls), is a zip package containing
    ``xl/workbook.xml``, and that its member count and total uncompressed size
    stay within *max_members* / *max_bytes*.  Never modifies the file.
    """
    open_workbook(path, max_bytes=max_bytes, max_members=max_members).close()


def open_workbook(path, *, max_bytes: int = DEFAULT_MAX_BYTES,
                  max_members: int = DEFAULT_MAX_MEMBERS, in_memory: bool = False) -> zipfile.ZipFile:
    """The checks of :func:`check_workbook`, then the package, open for reading (close it).

    ``in_memory``: read the whole file at once (its size bounded by ``max_bytes``) and open the
    package from memory; :func:`_write_zip` then copies unchanged members as byte ranges."""
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
            raise WorkbookError(
                f"not an Excel workbook (legacy .xls/OLE file): {path}")
    source = io.BytesIO(blob) if in_memory else path
    try:
        zf = zipfile.ZipFile(source)
    except zipfile.BadZipFile:
        raise WorkbookError(f"not an Excel workbook: {path}") from None
    except (OSError, ValueError) as exc:
        raise WorkbookError(f"not an Excel workbook: {path} ({exc})") from exc
    try:
        infos = zf.infolist()
        if len(infos) > max_members:
            raise WorkbookError(
                f"workbook too large: {path} has {len(infos)} zip members "
                f"(limit {max_members})")
        total = sum(i.file_size for i in infos)
        if total > max_bytes:
            raise WorkbookError(
                f"workbook too large: {path} expands to {total} bytes "
                f"(limit {max_bytes})")
        if _WORKBOOK_PART not in zf.NameToInfo:
            raise WorkbookError(f"not an Excel workbook: {path} "
                                f"(no {_WORKBOOK_PART})")
    except BaseException:
        zf.close()
        raise
    return zf


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def sheet_parts(zf: zipfile.ZipFile) -> list[tuple[str, str]]:
    """Return ``[(sheet_name, member_path), ...]`` in workbook order.

    Reads ``xl/workbook.xml`` and its relationships with defusedxml; element
    namespaces are ignored so transitional and strict OOXML both work.
    """
    book = SafeET.fromstring(zf.read(_WORKBOOK_PART))
    try:
        rels_root = SafeET.fromstring(zf.read(_WORKBOOK_RELS))
    except KeyError:
        rels_root = None
    targets = {}
    if rels_root is not None:
        for rel in rels_root.iter():
            if _local(rel.tag) == "Relationship":
                target = rel.get("Target", "")
                if rel.get("TargetMode") == "External":
                    continue
                if target.startswith("/"):
                    member = target.lstrip("/")
                else:
                    member = posixpath.normpath(posixpath.join("xl", target))
                targets[rel.get("Id")] = member
    out = []
    for el in book.iter():
        if _local(el.tag) != "sheet":
            continue
        rid = next((el.get(f"{{{ns}}}id") for ns in _REL_NS
                    if el.get(f"{{{ns}}}id") is not None), None)
        member = targets.get(rid)
        if member is not None:
            out.append((el.get("name"), member))
    return out


# --------------------------------------------------------------------------
# value encoding
# --------------------------------------------------------------------------
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\r\ufffe\uffff]")
_OOXML_ESCAPE = re.compile("_(x[0-9A-Fa-f]{4}_)")


def _escape_text(text: str) -> str:
    text = _OOXML_ESCAPE.sub(r"_x005F_\1", text)
    text = _XML_ILLEGAL.sub(lambda m: "_x%04X_" % ord(m.group()), text)
    return (text.replace("&", "&amp;").replace("<", "&lt;")
            .replace(">", "&gt;"))


def encode_cached_value(value: Any, where: str = "cell"
                        ) -> tuple[str | None, str | None]:
    """Return ``(t, v_text)`` for a cached value; ``(None, None)`` clears it.

    numbers -> no ``t``, ``repr`` precision; bool -> ``t="b"`` 1/0;
    Excel error strings (``"#N/A"`` ...) -> ``t="e"``; other str ->
    ``t="str"``.  NaN/inf raise :class:`ValueError` naming *where*.
    """
    if value is None:
        return None, None
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return "b", "1" if value else "0"
    if isinstance(value, str):  # includes formulas' XlError (a str subclass)
        text = str(value)
        if text in EXCEL_ERRORS:
            return "e", text
        if len(text) > _MAX_STRING:
            raise ValueError(f"{where}: string result longer than "
                             f"{_MAX_STRING} characters")
        return "str", _escape_text(text)
    if isinstance(value, numbers.Integral):
        return None, str(int(value))
    if isinstance(value, numbers.Real):
        f = float(value)
        if not math.isfinite(f):
            raise ValueError(f"{where}: cannot write non-finite value {f!r}")
        return None, repr(f)
    raise TypeError(f"{where}: unsupported cached value type "
                    f"{type(value).__name__}")


# --------------------------------------------------------------------------
# worksheet XML rewriting (byte-preserving)
# --------------------------------------------------------------------------
_ATTRS = rb"""(?:[^>"']|"[^"]*"|'[^']*')*?"""
_TOKEN = re.compile(
    rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>"
    rb"|(?P<row><(?:[\w.-]+:)?row(?=[\s/>])" + _ATTRS + rb"/?>)"
    rb"|(?P<cell><(?P<cp>[\w.-]+:)?c(?=[\s/>])(?P<cattrs>" + _ATTRS +
    rb")(?:/>|>(?P<body>.*?)</(?:[\w.-]+:)?c\s*>))",
    re.S)
_ATTR = re.compile(rb"""(\s+)([\w.:-]+)\s*=\s*("[^"]*"|'[^']*')""")
_F_ELEM = re.compile(
    rb"<(?:[\w.-]+:)?f(?=[\s/>])(?P<a>" + _ATTRS +
    rb")(?:/>|>.*?</(?:[\w.-]+:)?f\s*>)", re.S)
_V_ELEM = re.compile(
    rb"<(?:[\w.-]+:)?v(?=[\s/>])" + _ATTRS +
    rb"(?:/>|>.*?</(?:[\w.-]+:)?v\s*>)", re.S)
_IS_ELEM = re.compile(
    rb"<(?:[\w.-]+:)?is(?=[\s/>])" + _ATTRS +
    rb"(?:/>|>.*?</(?:[\w.-]+:)?is\s*>)", re.S)
_CELL_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


def _attrs(raw: bytes) -> dict[bytes, bytes]:
    return {m.group(2): m.group(3)[1:-1] for m in _ATTR.finditer(raw)}


def _split_ref(ref: str) -> tuple[int, int]:
    m = _CELL_REF.match(ref.strip())
    if not m:
        raise ValueError(f"bad cell reference {ref!r}")
    return column_index_from_string(m.group(1).upper()), int(m.group(2))


def _parse_range(ref: str) -> tuple[int, int, int, int]:
    a, _, b = ref.partition(":")
    c1, r1 = _split_ref(a)
    c2, r2 = _split_ref(b) if b else (c1, r1)
    return min(c1, c2), min(r1, r2), max(c1, c2), max(r1, r2)


def _set_attrs(raw: bytes, t: str | None) -> bytes:
    """Set/replace/remove ``t`` and drop ``vm`` in a start tag's attributes."""
    done = False

    def repl(m):
        nonlocal done
        name = m.group(2)
        if name == b"vm":
            return b""
        if name == b"t":
            done = True
            return b"" if t is None else m.group(1) + b't="' + t.encode() + b'"'
        return m.group(0)

    out = _ATTR.sub(repl, raw)
    if t is not None and not done:
        stripped = out.rstrip()
        out = stripped + b' t="' + t.encode() + b'"' + out[len(stripped):]
    return out


def _rewrite_cell(m: re.Match, t: str | None, text: str | None) -> bytes:
    prefix = m.group("cp") or b""
    attrs = _set_attrs(m.group("cattrs"), t)
    body = m.group("body") or b""
    body = _IS_ELEM.sub(b"", body)
    new_v = b"" if text is None else (
        b"<" + prefix + b"v>" + text.encode("utf-8") + b"</" + prefix + b"v>")
    vm = _V_ELEM.search(body)
    if vm:
        body = body[:vm.start()] + new_v + body[vm.end():]
    else:
        fm = _F_ELEM.search(body)
        at = fm.end() if fm else 0
        body = body[:at] + new_v + body[at:]
    if not body:
        return b"<" + prefix + b"c" + attrs.rstrip(b"/") + b"/>"
    return b"<" + prefix + b"c" + attrs + b">" + body + b"</" + prefix + b"c>"


def _rewrite_sheet(data: bytes, updates: Mapping[str, tuple], where: str
                   ) -> tuple[bytes, int]:
    """Rewrite cached values of formula cells in one worksheet part."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise WorkbookError(f"unsupported UTF-16 worksheet part: {where}")
    row, col, count = 0, 0, 0
    arrays: list[tuple[int, int, int, int]] = []
    chunks, last = [], 0
    for m in _TOKEN.finditer(data):
        if m.group("row") is not None:
            r = _attrs(m.group("row")).get(b"r")
            row = int(r) if r else row + 1
            col = 0
            continue
        if m.group("cell") is None:
            continue
        ref = _attrs(m.group("cattrs")).get(b"r")
        if ref:
            col, row_of_cell = _split_ref(ref.decode())
        else:
            col, row_of_cell = col + 1, row
        coord = f"{get_column_letter(col)}{row_of_cell}"
        body = m.group("body") or b""
        fm = _F_ELEM.search(body)
        is_formula = fm is not None
        if fm is not None:
            fa = _attrs(fm.group("a"))
            if fa.get(b"t") in (b"array", b"dataTable") and fa.get(b"ref"):
                arrays.append(_parse_range(fa[b"ref"].decode()))
        elif any(c1 <= col <= c2 and r1 <= row_of_cell <= r2
                 for c1, r1, c2, r2 in arrays):
            is_formula = True  # non-anchor cell of an array formula
        if not is_formula or coord not in updates:
            continue
        t, text = updates[coord]
        chunks.append(data[last:m.start()])
        chunks.append(_rewrite_cell(m, t, text))
        last = m.end()
        count += 1
    if not count:
        return data, 0
    chunks.append(data[last:])
    return b"".join(chunks), count


# --------------------------------------------------------------------------
# zip rewriting
# --------------------------------------------------------------------------
def _clone_info(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    zi = zipfile.ZipInfo(info.filename, info.date_time)
    zi.compress_type = info.compress_type
    zi.comment = info.comment
    zi.create_system = info.create_system
    zi.create_version = info.create_version
    zi.extract_version = info.extract_version
    zi.external_attr = info.external_attr
    zi.internal_attr = info.internal_attr
    zi.flag_bits = info.flag_bits & 0x800  # keep only the UTF-8 name flag
    zi.extra = _without_zip64(info.extra)
    return zi


def _without_zip64(extra: bytes) -> bytes:
    """A member's extra fields (timestamps, an application's own) without the zip64 one, which
    zipfile writes itself where sizes need it."""
    out, i = [], 0
    while i + 4 <= len(extra):
        field_id, size = struct.unpack_from("<HH", extra, i)
        if field_id != 0x0001:
            out.append(extra[i:i + 4 + size])
        i += 4 + size
    return b"".join(out)


def _normalise_ref(ref: str) -> str:
    col, row = _split_ref(ref)
    return f"{get_column_letter(col)}{row}"


def write_cached_values(path, values: Mapping[tuple[str, str], Any], *,
                        out_path=None, max_bytes: int = DEFAULT_MAX_BYTES,
                        max_members: int = DEFAULT_MAX_MEMBERS) -> int:
    """Store *values* as the cached results of formula cells of a workbook.

    *values* maps ``(sheet_name, "A1")`` to a float/int/bool/str, an Excel
    error string such as ``"#N/A"``, or ``None`` (removes the cached value).
    Only cells holding a formula (an ``<f>`` child, or a cell covered by an
    array formula) are changed; other keys are ignored.  Sheet names match
    case-insensitively, as in Excel.  The result is written atomically to
    *out_path* (default: *path* itself) through a temporary file in the same
    directory; on any error the target is untouched and no temporary file
    remains.  When nothing changes and *out_path* is None the file is not
    rewritten.  Returns the number of cells updated.
    """
    path = os.fspath(path)
    check_workbook(path, max_bytes=max_bytes, max_members=max_members)
    wanted: dict[str, dict[str, tuple]] = {}
    for (sheet, ref), value in values.items():
        where = f"{sheet}!{ref}"
        coord = _normalise_ref(ref)
        wanted.setdefault(sheet.casefold(), {})[coord] = \
            encode_cached_value(value, where)

    target = os.fspath(out_path) if out_path is not None else path
    with zipfile.ZipFile(path) as zin:
        members = {}
        for name, member in sheet_parts(zin):
            if name is not None and name.casefold() in wanted:
                members[member] = (name, wanted[name.casefold()])
        new_data, total = {}, 0
        for member, (name, updates) in members.items():
            try:
                data = zin.read(member)
            except KeyError:
                continue
            data, n = _rewrite_sheet(data, updates, f"{path}:{member}")
            if n:
                new_data[member], total = data, total + n
        if not total and out_path is None:
            return 0
        _write_zip(zin, new_data, target)
    return total


def _write_zip(zin: zipfile.ZipFile, new_data: Mapping[str, bytes],
               target: str, *, compresslevel: int = 1) -> None:
    """Write *zin* to *target* with the members in *new_data* replaced (deflated at
    *compresslevel*; 1 is what the generator writes), every other member copied as it is
    stored. Atomic: a temporary file in the same folder, flushed to disk, then renamed."""
    directory = os.path.dirname(os.path.abspath(target))
    assembled = _assembled(zin, new_data, compresslevel)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{os.path.basename(target)}.", suffix=".tmp", dir=directory)
    try:
        try:
            mode = os.stat(target).st_mode & 0o7777
        except FileNotFoundError:
            mode = 0o666 & ~_umask()
        if assembled is not None:
            view = memoryview(assembled)
            while view:
                view = view[os.write(fd, view):]
        else:
            with os.fdopen(os.dup(fd), "wb") as fh:
                _write_members(zin, new_data, fh, compresslevel)
        os.fsync(fd)  # the data is on disk before the rename makes it the workbook
        os.close(fd)
        fd = -1
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _write_members(zin: zipfile.ZipFile, new_data: Mapping[str, bytes], fh, compresslevel: int) -> None:
    """The package member by member: unchanged ones copied compressed, new ones deflated."""
    with zipfile.ZipFile(fh, "w", strict_timestamps=False) as zout:
        zout.comment = zin.comment
        for info in zin.infolist():
            data = new_data.get(info.filename)
            if data is None:
                raw = _read_raw(zin, info)
                if raw is not None:  # unchanged member: its compressed bytes as they are
                    _put_raw(zout, info, raw, info.CRC, info.file_size)
                    continue
                data = zin.read(info)
            if info.compress_type == zipfile.ZIP_DEFLATED and len(data) < 0xFFFF0000:
                _put_raw(zout, info, _deflate(data, compresslevel), zlib.crc32(data), len(data))
            else:
                zout.writestr(_clone_info(info), data)


def _assembled(zin: zipfile.ZipFile, new_data: Mapping[str, bytes], compresslevel: int) -> bytes | None:
    """The new package as bytes, for a package read into memory: each unchanged member's local
    record (header, data, descriptor) copied as one byte range, the changed ones written anew,
    then the central directory. None (use :func:`_write_members`) unless every member is a plain
    stored or deflated one without extra fields, laid out back to back."""
    if not isinstance(zin.fp, io.BytesIO):
        return None
    blob = zin.fp.getvalue()
    infos = sorted(zin.infolist(), key=lambda i: i.header_offset)
    ends = [i.header_offset for i in infos[1:]] + [zin.start_dir]
    out, entries, pos = [], [], 0
    for info, end in zip(infos, ends):
        start = info.header_offset
        if info.extra or info.flag_bits & 0x1 or end > len(blob) or \
                info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or \
                blob[start:start + 4] != b"PK\x03\x04":
            return None
        name_len, extra_len = struct.unpack_from("<HH", blob, start + 26)
        data_end = start + 30 + name_len + extra_len + info.compress_size
        if end - data_end not in ((12, 16) if info.flag_bits & 0x08 else (0,)):
            return None  # a gap, an overlap or a descriptor of another size
        data = new_data.get(info.filename)
        if data is None:
            zi = copy.copy(info)
            record = blob[start:end]
        else:
            zi = _clone_info(info)
            zi.CRC, zi.file_size = zlib.crc32(data), len(data)
            if info.compress_type == zipfile.ZIP_DEFLATED:
                data = _deflate(data, compresslevel)
            zi.compress_size = len(data)
            record = zi.FileHeader(zip64=False) + data
        zi.header_offset = pos
        out.append(record)
        entries.append(zi)
        pos += len(record)
    if pos > 0xFFFF0000:
        return None
    buf = io.BytesIO()
    buf.writelines(out)
    zout = zipfile.ZipFile(buf, "w")
    zout.filelist, zout.start_dir, zout.comment = entries, pos, zin.comment
    zout._didModify = True
    zout.close()
    return buf.getvalue()


def _deflate(data: bytes, level: int) -> bytes:
    """Raw deflate (no zlib header), as a zip member stores it."""
    co = zlib.compressobj(level, zlib.DEFLATED, -15)
    return co.compress(data) + co.flush()


def _read_raw(zin: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes | None:
    """A member's compressed bytes as stored, read at its local header (sizes from the central
    directory, which zipfile has validated); None where that is not safe (zip64, encrypted)."""
    if info.flag_bits & 0x1 or info.compress_size > 0xFFFFFFFF or info.file_size > 0xFFFFFFFF \
            or info.header_offset > 0xFFFFFFFF:
        return None
    fp = zin.fp
    fp.seek(info.header_offset)
    header = fp.read(30)
    if len(header) != 30 or header[:4] != b"PK\x03\x04":
        return None
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    fp.seek(info.header_offset + 30 + name_len + extra_len)
    raw = fp.read(info.compress_size)
    return raw if len(raw) == info.compress_size else None


def read_member(zin: zipfile.ZipFile, name: str) -> bytes:
    """``zin.read(name)`` without zipfile's stream machinery for a plain stored or deflated
    member: its bytes inflated in one call, bounded by the size the central directory gives and
    checked against its CRC (anything else goes through ``zin.read``, which raises on a bad CRC)."""
    info = zin.NameToInfo[name]
    if info.compress_type in (zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED):
        raw = _read_raw(zin, info)
        if raw is not None:
            if info.compress_type == zipfile.ZIP_DEFLATED:
                inflater = zlib.decompressobj(-15)
                data = inflater.decompress(raw, info.file_size + 1)
            else:
                data = raw
            if len(data) == info.file_size and zlib.crc32(data) == info.CRC:
                return data
    return zin.read(name)


def _put_raw(zout: zipfile.ZipFile, info: zipfile.ZipInfo, raw: bytes, crc: int, size: int) -> None:
    """Append a member whose compressed bytes (in ``info``'s method), CRC and size are known:
    a local header, the bytes, and its central-directory entry for ``close()`` to write."""
    zi = _clone_info(info)
    zi.flag_bits &= ~0x08  # sizes go in the local header, no data descriptor
    zi.CRC, zi.compress_size, zi.file_size = crc, len(raw), size
    zi.header_offset = zout.fp.tell()
    zout.fp.write(zi.FileHeader(zip64=False))
    zout.fp.write(raw)
    zout.filelist.append(zi)
    zout.NameToInfo[zi.filename] = zi
    zout.start_dir = zout.fp.tell()
    zout._didModify = True


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
