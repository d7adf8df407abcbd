"""The zip rewrite: unchanged members copied as stored, changed ones deflated, every CRC valid."""
from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pytest

from asm_xl.xlsx.zipcopy import assemble, pack, read_member, rewritten, without_zip64

MEMBERS = {
    "[Content_Types].xml": b"<Types/>" * 50,
    "xl/workbook.xml": b"<workbook>" + b"x" * 3000 + b"</workbook>",
    "xl/worksheets/sheet1.xml": b"<worksheet>" + b"<c r='A1'/>" * 400 + b"</worksheet>",
    "docProps/app.xml": b"<Properties/>",
}


def _zip(*, stream=False, stored=("docProps/app.xml",), extra=None, force_zip64=False) -> bytes:
    """A package of MEMBERS; ``stream``: written to a non-seekable stream (data descriptors)."""
    class Unseekable(io.RawIOBase):
        def __init__(self):
            self.buf = bytearray()

        def writable(self):
            return True

        def write(self, b):
            self.buf += b
            return len(b)

    out = Unseekable() if stream else io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in MEMBERS.items():
            zi = zipfile.ZipInfo(name, (2025, 5, 6, 7, 8, 10))
            zi.compress_type = zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED
            if extra and name in extra:
                zi.extra = extra[name]
            if force_zip64:
                with zf.open(zi, "w", force_zip64=True) as fh:
                    fh.write(data)
            else:
                zf.writestr(zi, data)
    return bytes(out.buf) if stream else out.getvalue()


def _raw(blob: bytes, name: str) -> bytes:
    """A member's compressed bytes, read at its local header."""
    with zipfile.ZipFile(io.BytesIO(blob)) as zf:
        info = zf.getinfo(name)
    n, e = struct.unpack_from("<HH", blob, info.header_offset + 26)
    start = info.header_offset + 30 + n + e
    return blob[start:start + info.compress_size]


def _check(blob: bytes, expected: dict) -> zipfile.ZipFile:
    zf = zipfile.ZipFile(io.BytesIO(blob))
    assert zf.testzip() is None  # every member's CRC verified
    assert [i.filename for i in zf.infolist()] == list(expected)
    assert {n: zf.read(n) for n in expected} == expected
    return zf


@pytest.mark.parametrize("in_memory", [True, False])
def test_unchanged_members_keep_their_compressed_bytes_and_the_changed_one_is_deflated(tmp_path, in_memory):
    blob = _zip()
    new = b"<worksheet><c r='A1'><v>42</v></c></worksheet>"
    if in_memory:
        zin = zipfile.ZipFile(io.BytesIO(blob))
    else:
        (tmp_path / "b.zip").write_bytes(blob)
        zin = zipfile.ZipFile(tmp_path / "b.zip")
    with zin:
        out = rewritten(zin, {"xl/worksheets/sheet1.xml": new})
    zf = _check(out, {**MEMBERS, "xl/worksheets/sheet1.xml": new})
    for name in ("[Content_Types].xml", "xl/workbook.xml", "docProps/app.xml"):
        assert _raw(out, name) == _raw(blob, name)
        assert zf.getinfo(name).compress_type == zipfile.ZipFile(io.BytesIO(blob)).getinfo(name).compress_type
        assert zf.getinfo(name).date_time == (2025, 5, 6, 7, 8, 10)
    assert zf.getinfo("xl/worksheets/sheet1.xml").compress_type == zipfile.ZIP_DEFLATED


@pytest.mark.parametrize("in_memory", [True, False])
def test_members_with_data_descriptors_are_rewritten_into_a_valid_zip(in_memory, tmp_path):
    blob = _zip(stream=True)
    with zipfile.ZipFile(io.BytesIO(blob)) as zf:
        assert all(i.flag_bits & 0x08 for i in zf.infolist())  # the case under test
    src = io.BytesIO(blob) if in_memory else tmp_path / "d.zip"
    if not in_memory:
        src.write_bytes(blob)
    with zipfile.ZipFile(src) as zin:
        out = rewritten(zin, {"docProps/app.xml": b"<Properties>new</Properties>"})
    _check(out, {**MEMBERS, "docProps/app.xml": b"<Properties>new</Properties>"})


def test_extra_fields_are_kept():
    stamp = struct.pack("<HHBI", 0x5455, 5, 1, 1_700_000_000)  # extended timestamp
    blob = _zip(extra={"xl/workbook.xml": stamp, "docProps/app.xml": stamp})
    with zipfile.ZipFile(io.BytesIO(blob)) as zin:
        out = rewritten(zin, {"docProps/app.xml": b"<P/>"})
    zf = _check(out, {**MEMBERS, "docProps/app.xml": b"<P/>"})
    assert zf.getinfo("xl/workbook.xml").extra == stamp
    assert zf.getinfo("docProps/app.xml").extra == stamp


def _local_extras(blob: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(blob)) as zf:
        infos = zf.infolist()
    out = {}
    for info in infos:
        n, e = struct.unpack_from("<HH", blob, info.header_offset + 26)
        out[info.filename] = blob[info.header_offset + 30 + n:info.header_offset + 30 + n + e]
    return out


@pytest.mark.parametrize("in_memory", [True, False])
def test_zip64_extra_fields_of_small_members_are_not_copied(in_memory, tmp_path):
    blob = _zip(force_zip64=True)
    assert all(e[:2] == b"\x01\x00" for e in _local_extras(blob).values())  # the case under test
    src = io.BytesIO(blob) if in_memory else tmp_path / "z.zip"
    if not in_memory:
        src.write_bytes(blob)
    with zipfile.ZipFile(src) as zin:
        out = rewritten(zin, {"docProps/app.xml": b"<P/>"})
    _check(out, {**MEMBERS, "docProps/app.xml": b"<P/>"})
    assert all(without_zip64(e) == e for e in _local_extras(out).values())


def test_without_zip64_keeps_other_fields_in_order():
    a = struct.pack("<HH", 0x5455, 1) + b"\x01"
    z = struct.pack("<HHQQ", 0x0001, 16, 5, 6)
    b = struct.pack("<HH", 0x7875, 2) + b"ab"
    assert without_zip64(a + z + b) == a + b


def test_read_member_checks_the_crc():
    blob = bytearray(_zip(stored=tuple(MEMBERS)))  # stored: a flipped byte is a flipped byte
    with zipfile.ZipFile(io.BytesIO(bytes(blob))) as zf:
        info = zf.getinfo("xl/workbook.xml")
        assert read_member(zf, "xl/workbook.xml") == MEMBERS["xl/workbook.xml"]
    n, e = struct.unpack_from("<HH", blob, info.header_offset + 26)
    blob[info.header_offset + 30 + n + e + 100] ^= 0xFF
    with zipfile.ZipFile(io.BytesIO(bytes(blob))) as zf, pytest.raises(zipfile.BadZipFile):
        read_member(zf, "xl/workbook.xml")


def test_packed_members_assemble_into_what_writestr_writes():
    when = (2026, 1, 1, 0, 0, 0)
    expected = io.BytesIO()
    with zipfile.ZipFile(expected, "w") as zf:
        for name, data in MEMBERS.items():
            zi = zipfile.ZipInfo(name, date_time=when)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(zi, data)
    packed = [pack(n, d, compresslevel=zlib.Z_DEFAULT_COMPRESSION, date_time=when) for n, d in MEMBERS.items()]
    out = assemble(packed)
    assert out == expected.getvalue()
    assert assemble(packed) == out  # a packed member can be placed again
    _check(out, MEMBERS)


def test_a_corrupt_deflated_member_is_refused_the_way_zipfile_refuses_it():
    blob = bytearray(_zip())   # deflated
    with zipfile.ZipFile(io.BytesIO(bytes(blob))) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    n, e = struct.unpack_from("<HH", blob, info.header_offset + 26)
    start = info.header_offset + 30 + n + e
    blob[start:start + info.compress_size] = b"\xff" * info.compress_size   # not a deflate stream
    with zipfile.ZipFile(io.BytesIO(bytes(blob))) as zf, pytest.raises((zlib.error, zipfile.BadZipFile)):
        read_member(zf, "xl/worksheets/sheet1.xml")


@pytest.mark.parametrize("level", [0, 1, 2, 3, -1, 6, 9])
def test_what_deflate_writes_any_zip_reader_inflates(level):
    from asm_xl.xlsx.zipcopy import deflate
    data = b"".join(b"<c r='A%d'><v>%r</v></c>" % (i, i * 0.37) for i in range(3000))
    raw = deflate(data, level)
    assert zlib.decompressobj(-15).decompress(raw) == data   # the standard library reads it
    assert len(raw) < len(data) / 3
    if level in (-1, 6, 9):   # compressed once and kept: zlib's own bytes
        co = zlib.compressobj(level, zlib.DEFLATED, -15)
        assert raw == co.compress(data) + co.flush()


@pytest.mark.parametrize("stored", [(), tuple(MEMBERS)])
def test_read_head_gives_a_members_first_bytes_stored_or_deflated(stored):
    from asm_xl.xlsx.zipcopy import read_head
    with zipfile.ZipFile(io.BytesIO(_zip(stored=stored))) as zf:
        for name, data in MEMBERS.items():
            info = zf.getinfo(name)
            for size in (1, 100, 4096, len(data), len(data) + 10):
                assert read_head(zf, info, size) == data[:size], (name, size)


def test_read_head_of_a_corrupt_member_is_refused_the_way_zipfile_refuses_it():
    from asm_xl.xlsx.zipcopy import read_head
    blob = bytearray(_zip())
    with zipfile.ZipFile(io.BytesIO(bytes(blob))) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    n, e = struct.unpack_from("<HH", blob, info.header_offset + 26)
    start = info.header_offset + 30 + n + e
    blob[start:start + info.compress_size] = b"\xff" * info.compress_size
    with zipfile.ZipFile(io.BytesIO(bytes(blob))) as zf, pytest.raises((zlib.error, zipfile.BadZipFile)):
        read_head(zf, zf.getinfo("xl/worksheets/sheet1.xml"), 4096)


@pytest.mark.parametrize("codec", ["ISA-L", "zlib"])
def test_the_zip_layer_works_with_either_codec(codec, monkeypatch):
    """Where no ISA-L wheel exists the standard library's zlib does the job: the same packages read back."""
    from asm_xl.xlsx import zipcopy
    if codec == "zlib":
        monkeypatch.setattr(zipcopy, "_codec", zlib)
        monkeypatch.setattr(zipcopy, "_CODEC_LEVELS", range(-1, 10))
    elif zipcopy.CODEC != "ISA-L":
        pytest.skip("no ISA-L wheel here")
    new = b"<worksheet>" + b"<c r='B2'><v>7</v></c>" * 300 + b"</worksheet>"
    with zipfile.ZipFile(io.BytesIO(_zip())) as zin:
        out = rewritten(zin, {"xl/worksheets/sheet1.xml": new})
        assert zipcopy.read_head(zin, zin.getinfo("xl/workbook.xml"), 10) == MEMBERS["xl/workbook.xml"][:10]
    zf = _check(out, {**MEMBERS, "xl/worksheets/sheet1.xml": new})
    assert read_member(zf, "xl/worksheets/sheet1.xml") == new
    packed = [pack(n, d) for n, d in MEMBERS.items()]
    _check(assemble(packed), MEMBERS)
