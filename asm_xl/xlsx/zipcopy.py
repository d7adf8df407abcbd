"""Rewriting a zip package with some members replaced, copying the others as they are stored.

This is the only module that touches ``zipfile`` internals (``ZipInfo.FileHeader``, a writer's
``filelist``/``start_dir``/``_didModify``, reading a member's compressed bytes at its local
header). It exists because copying an unchanged member's compressed bytes is about 100x faster
than inflating and deflating it again, and a workbook rewrite changes one or two members of
twenty. Everything here is checked by tests that read the result back with ``zipfile`` and verify
every CRC with ``ZipFile.testzip()``.

* :func:`rewritten` -- the new package as bytes (a package opened from memory is assembled from
  byte ranges; any other one member by member);
* :func:`read_member` -- a member's bytes, inflated in one call and checked against its CRC;
* :func:`read_head` -- a member's first bytes, inflating only those (the safety checks' look);
* :func:`deflate` -- raw deflate as a zip member stores it;
* :data:`CODEC` -- which library deflates, inflates and checksums: ISA-L (``isal``, Intel's
  storage acceleration library) where its wheel is installed, else the standard library's zlib.
  Both write and read the same deflate format and CRC-32 (a package written by one is read by
  any zip reader); ISA-L is ~3.5x faster to deflate at level 1 (and its output is a little
  smaller), ~2x faster to inflate and ~8x faster at CRC-32 on a workbook's sheets (measured on
  this machine: 0.19 vs 0.65 ms to deflate the 124 kB of a generated workbook's sheets).
* :class:`PackedMember` / :func:`pack` / :func:`assemble` -- members compressed once and written
  into many packages (the generator's template members that never change).
"""

from __future__ import annotations

import copy
import io
import struct
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

try:
    from isal import isal_zlib as _codec
except ImportError:  # no ISA-L wheel for this platform: the standard library's zlib does the same job
    _codec = zlib

__all__ = ["rewritten", "read_member", "read_head", "deflate", "PackedMember", "pack", "assemble", "CODEC"]

#: the library behind :func:`deflate`, :func:`read_member` and the CRC-32 of written members
CODEC = "ISA-L" if _codec is not zlib else "zlib"
#: the deflate levels ISA-L has (0 = its fastest, still compressed); other levels go to zlib
_CODEC_LEVELS = range(0, 4) if _codec is not zlib else range(-1, 10)

_LOCAL_MAGIC = b"PK\x03\x04"
_ZIP64_LIMIT = 0xFFFF0000


def deflate(data: bytes, level: int = 1) -> bytes:
    """Raw deflate (no zlib header), as a zip member stores it: levels 0-3 by :data:`CODEC`, any
    other level by zlib (-1: zlib's default, 6; what is compressed once and kept)."""
    lib = _codec if level in _CODEC_LEVELS else zlib
    co = lib.compressobj(level, lib.DEFLATED, -15)
    return co.compress(data) + co.flush()


def clone_info(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    """A fresh ZipInfo with *info*'s name, time, method, attributes and extra fields (zip64 field
    dropped, flags reduced to the UTF-8 name flag): what a rewritten member keeps."""
    zi = zipfile.ZipInfo(info.filename, info.date_time)
    zi.compress_type = info.compress_type
    zi.comment = info.comment
    zi.create_system = info.create_system
    zi.create_version = info.create_version
    zi.extract_version = info.extract_version
    zi.external_attr = info.external_attr
    zi.internal_attr = info.internal_attr
    zi.flag_bits = info.flag_bits & 0x800  # keep only the UTF-8 name flag
    zi.extra = without_zip64(info.extra)
    return zi


def without_zip64(extra: bytes) -> bytes:
    """A member's extra fields (timestamps, an application's own) without the zip64 one, which
    zipfile writes itself where sizes need it."""
    out, i = [], 0
    while i + 4 <= len(extra):
        field_id, size = struct.unpack_from("<HH", extra, i)
        if field_id != 0x0001:
            out.append(extra[i:i + 4 + size])
        i += 4 + size
    return b"".join(out)


def _read_raw(zin: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int | None = None) -> bytes | None:
    """A member's compressed bytes as stored (its first *limit* of them), read at its local header
    (sizes from the central directory, which zipfile has validated); None where that is not safe
    (zip64, encrypted)."""
    if info.flag_bits & 0x1 or info.compress_size > 0xFFFFFFFF or info.file_size > 0xFFFFFFFF \
            or info.header_offset > 0xFFFFFFFF:
        return None
    fp = zin.fp
    fp.seek(info.header_offset)
    header = fp.read(30)
    if len(header) != 30 or header[:4] != _LOCAL_MAGIC:
        return None
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    fp.seek(info.header_offset + 30 + name_len + extra_len)
    size = info.compress_size if limit is None else min(limit, info.compress_size)
    raw = fp.read(size)
    return raw if len(raw) == size else None


def read_head(zin: zipfile.ZipFile, info: zipfile.ZipInfo, size: int) -> bytes:
    """The first *size* bytes of a member (fewer when it is shorter), inflating only what they need:
    a safety check's look at each part's prolog costs ~10 us instead of ~50 us through ``zin.open``
    (which any member this cannot read plainly goes through, and which raises on a corrupt one)."""
    if info.compress_type in (zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED):
        raw = _read_raw(zin, info, limit=2 * size + 1024)
        if raw is not None:
            if info.compress_type == zipfile.ZIP_STORED:
                return raw[:size]
            inflater = _codec.decompressobj(-15)
            try:
                head = inflater.decompress(raw, size)
            except _codec.error:
                head = None   # corrupt: zin.open says so as zipfile does
            if head is not None and (len(head) == size or inflater.eof or len(raw) == info.compress_size):
                return head
    with zin.open(info) as fh:
        return fh.read(size)


def read_member(zin: zipfile.ZipFile, name: str) -> bytes:
    """``zin.read(name)`` without zipfile's stream machinery for a plain stored or deflated
    member: its bytes inflated in one call, bounded by the size the central directory gives and
    checked against its CRC (anything else goes through ``zin.read``, which raises on a bad CRC)."""
    info = zin.NameToInfo[name]
    if info.compress_type in (zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED):
        raw = _read_raw(zin, info)
        if raw is not None:
            try:
                data = (_codec.decompressobj(-15).decompress(raw, info.file_size + 1)
                        if info.compress_type == zipfile.ZIP_DEFLATED else raw)
            except _codec.error:  # corrupt: zin.read says so as zipfile does (zlib.error, BadZipFile)
                data = None
            if data is not None and len(data) == info.file_size and _codec.crc32(data) == info.CRC:
                return data
    return zin.read(name)


def rewritten(zin: zipfile.ZipFile, new_data: Mapping[str, bytes], *, compresslevel: int = 1) -> bytes:
    """The package *zin* with the members in *new_data* replaced (deflated at *compresslevel*
    when the member was deflated), every other member's compressed bytes copied as they are, in
    the same order, with the same names, times, attributes and comment."""
    assembled = _assembled(zin, new_data, compresslevel)
    if assembled is not None:
        return assembled
    buf = io.BytesIO()
    _write_members(zin, new_data, buf, compresslevel)
    return buf.getvalue()


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
            if info.compress_type == zipfile.ZIP_DEFLATED and len(data) < _ZIP64_LIMIT:
                _put_raw(zout, info, deflate(data, compresslevel), _codec.crc32(data), len(data))
            else:
                zout.writestr(clone_info(info), data)


def _assembled(zin: zipfile.ZipFile, new_data: Mapping[str, bytes], compresslevel: int) -> bytes | None:
    """The new package as bytes, for a package read into memory: each unchanged member's local
    record (header, data, descriptor) copied as one byte range, the changed ones written anew,
    then the central directory. None (use :func:`_write_members`) unless every member is a plain
    stored or deflated one without extra fields (central or local), laid out back to back."""
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
                blob[start:start + 4] != _LOCAL_MAGIC:
            return None
        name_len, extra_len = struct.unpack_from("<HH", blob, start + 26)
        if extra_len:
            return None  # local extra fields (a zip64 one, say) are rewritten member by member
        data_end = start + 30 + name_len + info.compress_size
        if end - data_end not in ((12, 16) if info.flag_bits & 0x08 else (0,)):
            return None  # a gap, an overlap or a descriptor of another size
        data = new_data.get(info.filename)
        if data is None:
            zi = copy.copy(info)
            record = blob[start:end]
        else:
            zi = clone_info(info)
            zi.CRC, zi.file_size = _codec.crc32(data), len(data)
            if info.compress_type == zipfile.ZIP_DEFLATED:
                data = deflate(data, compresslevel)
            zi.compress_size = len(data)
            record = zi.FileHeader(zip64=False) + data
        zi.header_offset = pos
        out.append(record)
        entries.append(zi)
        pos += len(record)
    if pos > _ZIP64_LIMIT:
        return None
    return _with_directory(out, entries, pos, zin.comment)


def _with_directory(records: Sequence[bytes], entries: list[zipfile.ZipInfo], pos: int,
                    comment: bytes) -> bytes:
    """Local records followed by the central directory zipfile writes for *entries*."""
    buf = io.BytesIO()
    buf.writelines(records)
    zout = zipfile.ZipFile(buf, "w")
    zout.filelist, zout.start_dir, zout.comment = entries, pos, comment
    zout._didModify = True
    zout.close()
    return buf.getvalue()


def _put_raw(zout: zipfile.ZipFile, info: zipfile.ZipInfo, raw: bytes, crc: int, size: int) -> None:
    """Append a member whose compressed bytes (in ``info``'s method), CRC and size are known:
    a local header, the bytes, and its central-directory entry for ``close()`` to write."""
    zi = clone_info(info)
    zi.flag_bits &= ~0x08  # sizes go in the local header, no data descriptor
    zi.CRC, zi.compress_size, zi.file_size = crc, len(raw), size
    zi.header_offset = zout.fp.tell()
    zout.fp.write(zi.FileHeader(zip64=False))
    zout.fp.write(raw)
    zout.filelist.append(zi)
    zout.NameToInfo[zi.filename] = zi
    zout.start_dir = zout.fp.tell()
    zout._didModify = True


# ------------------------------------------------------------------------ packages made of parts
@dataclass(frozen=True)
class PackedMember:
    """A member compressed once: its local record (header and compressed bytes) and its
    central-directory entry (with offset 0; :func:`assemble` sets it), to be placed in any number
    of packages by :func:`assemble`."""

    name: str
    record: bytes
    central: bytes


_CENTRAL_OFFSET = 42  # where a central-directory entry holds its local header's offset


def pack(name: str, data: bytes, *, compress_type: int = zipfile.ZIP_DEFLATED, compresslevel: int = 1,
         date_time: tuple = (1980, 1, 1, 0, 0, 0)) -> PackedMember:
    """*data* as a member named *name*, compressed now (deflated at *compresslevel*, or stored);
    the bytes are what ``ZipFile.writestr(ZipInfo(name, date_time), data)`` writes."""
    if len(data) >= _ZIP64_LIMIT:
        raise ValueError(f"{name}: member too large for a plain zip record")
    zi = zipfile.ZipInfo(name, date_time=date_time)
    zi.compress_type = compress_type
    zi.external_attr = 0o600 << 16  # ?rw-------, as ZipFile.writestr gives a member
    raw = deflate(data, compresslevel) if compress_type == zipfile.ZIP_DEFLATED else bytes(data)
    zi.CRC, zi.file_size, zi.compress_size = _codec.crc32(data), len(data), len(raw)
    zi.header_offset = 0
    record = zi.FileHeader(zip64=False) + raw
    directory = _with_directory([record], [zi], len(record), b"")
    central = directory[len(record):-22]  # the entry, without the end record
    return PackedMember(name, record, central)


def assemble(members: Sequence[PackedMember], *, comment: bytes = b"") -> bytes:
    """A zip package of *members* in this order (each one's record copied as it is)."""
    records, centrals, pos = [], [], 0
    for m in members:
        central = bytearray(m.central)
        struct.pack_into("<L", central, _CENTRAL_OFFSET, pos)
        records.append(m.record)
        centrals.append(central)
        pos += len(m.record)
    if pos > _ZIP64_LIMIT or len(members) > 0xFFFF:
        raise ValueError("package too large for plain zip records")
    size = sum(map(len, centrals))
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members), size, pos, len(comment))
    return b"".join(records) + b"".join(centrals) + end + comment
