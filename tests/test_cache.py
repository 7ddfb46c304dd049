"""The preview's parse cache: an unchanged file is not read again, a changed one always is."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from bulletin import cache
from bulletin.problems import Report


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The files read whole, in order."""
    seen: list[Path] = []
    read_bytes = Path.read_bytes

    def counting(self: Path) -> bytes:
        seen.append(self)
        return read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", counting)
    return seen


def later(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on the clock reads well past the racy window of every file written so far."""
    real = time.time_ns
    monkeypatch.setattr(cache.time, "time_ns", lambda: real() + 10 * cache.RACY_NS)


def load(parsed: cache.ParseCache, path: Path) -> object:
    report = Report()
    node = parsed.load(path, path.name, report)
    assert not report.errors
    return node.get("plan").text


def test_a_file_saved_within_the_racy_window_is_read_on_every_load(
    tmp_path: Path, reads: list[Path]
) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("plan: 4.5\n", encoding="utf-8")
    parsed = cache.ParseCache()
    assert load(parsed, path) == "4.5"
    stat = path.stat()
    path.write_text("plan: 4.7\n", encoding="utf-8")  # same size, modification time put back
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert load(parsed, path) == "4.7"
    assert reads == [path, path]


def test_an_old_unchanged_file_is_not_read_again_but_a_rewrite_is_seen(
    tmp_path: Path, reads: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("plan: 4.5\n", encoding="utf-8")
    parsed = cache.ParseCache()
    assert load(parsed, path) == "4.5"  # too recent to trust: read
    later(monkeypatch)
    assert load(parsed, path) == "4.5"  # trusted now, but not yet recorded as such: read
    assert load(parsed, path) == "4.5"  # trusted and unchanged: not read
    assert reads == [path, path]

    time.sleep(0.05)  # past the file system's tick, as the window guarantees in real time
    stat = path.stat()
    path.write_text("plan: 4.7\n", encoding="utf-8")  # same size, modification time put back
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert load(parsed, path) == "4.7"  # the change time moved
    assert reads == [path, path, path]


def test_file_hashes_follow_the_same_rule(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "page.html"
    path.write_text("<p>1</p>", encoding="utf-8")
    hashes = cache.FileHashes()
    first = hashes(path)
    stat = path.stat()
    path.write_text("<p>2</p>", encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    later(monkeypatch)
    assert hashes(path) != first
    assert hashes(path) == cache.file_hash(path)
