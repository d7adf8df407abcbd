"""Atomic replace: whole file or nothing, umask-respecting mode for new files, mode kept on replace."""
from __future__ import annotations

import errno
import os
import stat

import pytest

from asm_xl.xlsx import atomic
from asm_xl.xlsx.atomic import atomic_open, write_atomic


def _leftovers(folder) -> list[str]:
    return [n for n in os.listdir(folder) if n.endswith(".tmp")]


@pytest.fixture
def umask_027():
    old = os.umask(0o027)
    yield
    os.umask(old)


def test_a_new_file_gets_the_mode_the_umask_gives(tmp_path, umask_027):
    path = write_atomic(tmp_path / "a.xlsx", b"data")
    assert path.read_bytes() == b"data"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert _leftovers(tmp_path) == []


def test_a_replaced_file_keeps_its_mode(tmp_path):
    target = tmp_path / "a.xlsx"
    target.write_bytes(b"old")
    os.chmod(target, 0o604)
    write_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o604


def test_a_failed_rename_leaves_the_target_and_no_temporary_file(tmp_path, monkeypatch):
    target = tmp_path / "a.xlsx"
    target.write_bytes(b"old")

    def fail(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(atomic.os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert _leftovers(tmp_path) == []


def test_data_is_flushed_to_disk_before_the_rename(tmp_path, monkeypatch):
    calls = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(atomic.os, "fsync", lambda fd: (calls.append("fsync"), real_fsync(fd)))
    monkeypatch.setattr(atomic.os, "replace", lambda a, b: (calls.append("replace"), real_replace(a, b)))
    write_atomic(tmp_path / "a.bin", b"x")
    assert calls == ["fsync", "replace"]
    calls.clear()
    write_atomic(tmp_path / "b.bin", b"x", durable=False)
    assert calls == ["replace"]


def test_atomic_open_writes_text_and_replaces_on_success(tmp_path):
    target = tmp_path / "r.csv"
    with atomic_open(target, "w", encoding="utf-8-sig", newline="") as f:
        f.write("a,b\r\n1,é\r\n")
        assert not target.exists()  # nothing visible before the block ends
    assert target.read_bytes() == "a,b\r\n1,é\r\n".encode("utf-8-sig")


def test_atomic_open_discards_everything_when_the_block_fails(tmp_path):
    target = tmp_path / "r.csv"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_open(target, "w") as f:
            f.write("half")
            raise RuntimeError("boom")
    assert target.read_text() == "old"
    assert _leftovers(tmp_path) == []


def test_atomic_open_refuses_a_read_mode(tmp_path):
    with pytest.raises(ValueError):
        with atomic_open(tmp_path / "x", "r"):
            pass


def test_a_symbolic_link_is_written_through_and_stays_a_link(tmp_path):
    real = tmp_path / "real.xlsx"
    real.write_bytes(b"old")
    link = tmp_path / "link.xlsx"
    link.symlink_to(real)
    write_atomic(link, b"new")
    assert link.is_symlink() and real.read_bytes() == b"new" and link.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.xlsx", "real.xlsx"]


def test_without_following_links_the_link_itself_is_replaced_and_its_target_untouched(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"precious")
    os.chmod(victim, 0o600)
    link = tmp_path / "entry.npz"
    link.symlink_to(victim)
    write_atomic(link, b"new", follow_links=False)
    assert not link.is_symlink() and link.read_bytes() == b"new"
    assert victim.read_bytes() == b"precious" and stat.S_IMODE(victim.stat().st_mode) == 0o600
    assert _leftovers(tmp_path) == []


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_without_following_links_a_fifo_is_replaced_by_a_file_with_a_new_files_mode(tmp_path, umask_027):
    fifo = tmp_path / "entry.npz"
    os.mkfifo(fifo, 0o666)
    write_atomic(fifo, b"new", follow_links=False)
    assert stat.S_ISREG(fifo.stat().st_mode) and fifo.read_bytes() == b"new"
    assert stat.S_IMODE(fifo.stat().st_mode) == 0o640   # 0o666 & ~0o027, not the FIFO's mode


def test_without_following_links_a_regular_file_keeps_its_mode(tmp_path):
    target = tmp_path / "entry.npz"
    target.write_bytes(b"old")
    os.chmod(target, 0o604)
    write_atomic(target, b"new", follow_links=False)
    assert target.read_bytes() == b"new" and stat.S_IMODE(target.stat().st_mode) == 0o604


def test_a_file_written_by_another_program_since_it_was_read_is_not_replaced(tmp_path):
    from asm_xl.xlsx.atomic import FileChangedError, file_stamp
    target = tmp_path / "book.xlsx"
    target.write_bytes(b"what asm-xl read")
    stamp = file_stamp(target)
    target.write_bytes(b"what the user saved meanwhile")
    with pytest.raises(FileChangedError, match="changed by another program"):
        write_atomic(target, b"computed from old inputs", expect=stamp)
    assert target.read_bytes() == b"what the user saved meanwhile"
    assert [p.name for p in tmp_path.iterdir()] == ["book.xlsx"]  # no temporary file left
    write_atomic(target, b"fresh", expect=file_stamp(target))  # unchanged since read: replaced
    assert target.read_bytes() == b"fresh"


def test_a_batch_flushes_every_file_before_the_first_rename(tmp_path, monkeypatch):
    from asm_xl.xlsx.atomic import write_atomic_many
    calls = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(atomic.os, "fsync", lambda fd: (calls.append("fsync"), real_fsync(fd)))
    monkeypatch.setattr(atomic.os, "replace", lambda a, b: (calls.append("replace"), real_replace(a, b)))
    paths = [tmp_path / f"{k}.bin" for k in range(5)]
    out = write_atomic_many([(p, f"data {k}".encode(), None) for k, p in enumerate(paths)])
    assert out == paths
    assert calls == ["fsync"] * 5 + ["replace"] * 5
    assert [p.read_bytes() for p in paths] == [f"data {k}".encode() for k in range(5)]
    assert _leftovers(tmp_path) == []
    calls.clear()
    assert write_atomic_many([(paths[0], b"again", None)], durable=False) == [paths[0]]
    assert calls == ["replace"]


def test_one_failed_file_of_a_batch_leaves_it_untouched_and_the_others_written(tmp_path, monkeypatch):
    from asm_xl.xlsx.atomic import FileChangedError, file_stamp, write_atomic_many
    a, b, c = (tmp_path / n for n in ("a.xlsx", "b.xlsx", "c.xlsx"))
    for p in (a, b, c):
        p.write_bytes(b"old " + p.name.encode())
    stamp_b = file_stamp(b)
    b.write_bytes(b"the user's save")   # after asm-xl read it
    real_replace = os.replace

    def full_disk_for_c(src, dst):
        if dst.endswith("c.xlsx"):
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(atomic.os, "replace", full_disk_for_c)
    out = write_atomic_many([(a, b"new a", file_stamp(a)), (b, b"new b", stamp_b), (c, b"new c", None),
                             (tmp_path / "no such folder" / "d.xlsx", b"new d", None)])
    assert out[0] == a and a.read_bytes() == b"new a"
    assert isinstance(out[1], FileChangedError) and b.read_bytes() == b"the user's save"
    assert isinstance(out[2], OSError) and "No space" in str(out[2]) and c.read_bytes() == b"old c.xlsx"
    assert isinstance(out[3], FileNotFoundError)
    assert _leftovers(tmp_path) == []


def test_an_interrupted_batch_leaves_no_temporary_file(tmp_path, monkeypatch):
    from asm_xl.xlsx.atomic import write_atomic_many

    def interrupted(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic, "_sync_all", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic_many([(tmp_path / f"{k}.bin", b"x", None) for k in range(3)])
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_write_that_fails_names_the_target_not_its_temporary_file(tmp_path):
    target = tmp_path / "nodir" / "x.csv"
    for write in (lambda: write_atomic(target, b"data"), lambda: atomic_open(target, "wb").__enter__()):
        with pytest.raises(FileNotFoundError) as err:
            write()
        assert err.value.filename == str(target) and ".tmp" not in str(err.value)
    assert not (tmp_path / "nodir").exists()


def test_a_failed_rename_names_the_target(tmp_path, monkeypatch):
    target = tmp_path / "x.csv"

    def refuse(src, dst):
        raise PermissionError(errno.EACCES, "Permission denied", src, None, dst)

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(PermissionError) as err:
        write_atomic(target, b"data")
    assert err.value.filename == str(target) and err.value.filename2 is None
    assert list(tmp_path.iterdir()) == []
