"""The directory of kept national draws: where it is, what it reads (safely), what it keeps."""

import os
import sys
import time
import threading
import zipfile

import numpy as np
import pytest

from asm_xl.calc import draws_cache
from asm_xl.calc.draws_cache import DirectoryStore, cache_directory
from asm_xl.model import kept_draws, pool_choice
from asm_xl.model.pool_choice import forget_pools
from asm_xl.model.settings import Settings

KEY = "ab12" * 10


def test_the_directory_comes_from_the_environment_or_the_platform(tmp_path, monkeypatch):
    assert cache_directory({"ASM_XL_CACHE": str(tmp_path)}) == tmp_path
    for off in ("off", "OFF", "0", ""):
        assert cache_directory({"ASM_XL_CACHE": off}) is None
    monkeypatch.setattr(sys, "platform", "linux")
    assert cache_directory({"XDG_CACHE_HOME": "/x/cache"}) == draws_cache.Path("/x/cache/asm-xl")
    assert cache_directory({"HOME": "/home/a"}) == draws_cache.Path("/home/a/.cache/asm-xl")
    assert cache_directory({"XDG_CACHE_HOME": "relative", "HOME": "/home/a"}) == \
        draws_cache.Path("/home/a/.cache/asm-xl")   # the XDG spec ignores a relative path
    for no_home in ({}, {"HOME": ""}, {"HOME": "/"}, {"HOME": "relative"}):   # cron, env -i: keep nothing
        assert cache_directory(no_home) is None
    monkeypatch.setattr(sys, "platform", "win32")
    assert cache_directory({"LOCALAPPDATA": "C:/Users/a/AppData/Local"}) == \
        draws_cache.Path("C:/Users/a/AppData/Local") / "asm-xl" / "cache"


def test_a_saved_entry_loads_back_and_a_missing_one_is_none(tmp_path):
    store = DirectoryStore(tmp_path / "new" / "dir")
    assert store.load(KEY) is None
    store.save(KEY, {"a": np.arange(3.0), "s": np.array("text")})
    got = store.load(KEY)
    assert got["a"].tolist() == [0.0, 1.0, 2.0] and str(got["s"][()]) == "text"
    assert [p.name for p in (tmp_path / "new" / "dir").iterdir()] == [f"draws-{KEY}.npz"]  # no temp file left


@pytest.mark.parametrize("content", [b"not a zip at all", b"PK\x03\x04" + b"\0" * 40, "pickle", "big", "npy",
                                     "not npy", "empty"])
def test_a_corrupt_hostile_or_oversized_entry_is_a_miss(tmp_path, content, monkeypatch):
    path = tmp_path / f"draws-{KEY}.npz"
    if content == "pickle":   # an object array needs pickle to load: refused, nothing runs
        np.savez(path, a=np.array([{"x": 1}], dtype=object))
    elif content == "npy":    # one array, not an archive (numpy.load would return it, not a mapping)
        with open(path, "wb") as fh:
            np.save(fh, np.arange(3.0))
    elif content == "not npy":
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("a.txt", "text")
    elif content == "empty":
        path.write_bytes(b"")
    elif content == "big":
        np.savez(path, a=np.zeros(10))
        monkeypatch.setattr(draws_cache, "MAX_BYTES", path.stat().st_size - 1)
    else:
        path.write_bytes(content)
    assert DirectoryStore(tmp_path).load(KEY) is None


def test_an_entry_that_inflates_past_the_limit_is_a_miss(tmp_path, monkeypatch):
    """A zip bomb: 10,000 zeros (80,000 bytes inflated) compress to a few hundred bytes, under the
    file-size limit of 20,000 but over it once inflated; 2,000 zeros (16,000 bytes) are read."""
    monkeypatch.setattr(draws_cache, "MAX_BYTES", 20_000)
    path = tmp_path / f"draws-{KEY}.npz"
    np.savez_compressed(path, a=np.zeros(10_000))
    assert path.stat().st_size < 20_000
    assert DirectoryStore(tmp_path).load(KEY) is None
    np.savez_compressed(path, a=np.zeros(2_000))
    assert DirectoryStore(tmp_path).load(KEY)["a"].tolist() == [0.0] * 2_000


def test_a_symbolic_link_entry_is_not_read_and_not_written_through(tmp_path):
    """A link in the directory (another user of a shared cache, or one to /dev/zero) points nowhere
    asm-xl reads or writes: loading it is a miss, saving replaces the link, the file it named is untouched."""
    elsewhere = tmp_path / "elsewhere.npz"
    np.savez(elsewhere, a=np.arange(2.0))
    before = elsewhere.read_bytes()
    cache = tmp_path / "cache"
    cache.mkdir()
    link = cache / f"draws-{KEY}.npz"
    link.symlink_to(elsewhere)
    store = DirectoryStore(cache)
    assert store.load(KEY) is None
    store.save(KEY, {"a": np.arange(3.0)})
    assert elsewhere.read_bytes() == before and not link.is_symlink()
    assert store.load(KEY)["a"].tolist() == [0.0, 1.0, 2.0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_a_fifo_entry_is_a_miss_at_once(tmp_path):
    """Opening a FIFO for reading waits for a writer: the store must not open it that way."""
    fifo = tmp_path / f"draws-{KEY}.npz"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(DirectoryStore(tmp_path).load(KEY)), daemon=True)
    reader.start()
    reader.join(timeout=10)
    if reader.is_alive():   # free the blocked reader before failing
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("loading a FIFO entry waited for a writer")
    assert got == [None]


def test_a_store_that_cannot_write_says_nothing_and_loses_nothing(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the directory should be")
    DirectoryStore(blocker / "cache").save(KEY, {"a": np.zeros(2)})   # no exception
    assert blocker.read_text() == "a file where the directory should be"


def test_only_letters_and_digits_name_an_entry(tmp_path):
    with pytest.raises(ValueError, match="letters and digits"):
        DirectoryStore(tmp_path).load("../../etc/passwd")


def test_the_directory_keeps_the_newest_entries(tmp_path, monkeypatch):
    monkeypatch.setattr(draws_cache, "MAX_ENTRIES", 3)
    store = DirectoryStore(tmp_path)
    for i in range(5):
        key = f"{i:040d}"
        store.save(key, {"a": np.zeros(1)})
        os.utime(tmp_path / f"draws-{key}.npz", (1000 + i, 1000 + i))
    store.save("9" * 40, {"a": np.zeros(1)})
    assert {p.name for p in tmp_path.iterdir()} == {f"draws-{3:040d}.npz", f"draws-{4:040d}.npz",
                                                      f"draws-{'9' * 40}.npz"}


def test_install_follows_the_environment(tmp_path):
    previous = kept_draws.current_store()
    try:
        store = draws_cache.install({"ASM_XL_CACHE": str(tmp_path)})
        assert kept_draws.current_store() is store and store.directory == tmp_path
        assert draws_cache.install({"ASM_XL_CACHE": "off"}) is None and kept_draws.current_store() is None
    finally:
        kept_draws.use_store(previous)


def test_a_second_run_reads_the_draws_the_first_kept(tmp_path, monkeypatch):
    """Two 'runs' (memory emptied between them) of the national pool through a directory: the second
    draws nothing and prices with the same bits."""
    settings = Settings(peer_draws=30)
    previous = kept_draws.use_store(DirectoryStore(tmp_path))
    try:
        forget_pools()
        first = pool_choice.national_pool("LBP", 2031, settings)
        assert len(list(tmp_path.glob("draws-*.npz"))) == 1
        forget_pools()
        monkeypatch.setattr(pool_choice, "simulate_national_cohorts",
                            lambda *a, **k: pytest.fail("drew again"))
        second = pool_choice.national_pool("LBP", 2031, settings)
        assert second.scaling_factor.tobytes() == first.scaling_factor.tobytes()
        assert second.midpoint.tobytes() == first.midpoint.tobytes()
        assert second.risk_level == first.risk_level == 0.12
    finally:
        kept_draws.use_store(previous)
        forget_pools()


def test_a_temporary_file_left_by_a_killed_run_goes_after_an_hour(tmp_path):
    old, fresh = tmp_path / f".draws-{KEY}.npz.dead.tmp", tmp_path / f".draws-{KEY}.npz.live.tmp"
    for path in (old, fresh):
        path.write_bytes(b"half")
    os.utime(old, (time.time() - 3700, time.time() - 3700))
    DirectoryStore(tmp_path).save(KEY, {"a": np.zeros(1)})
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([fresh.name, f"draws-{KEY}.npz"])
