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


def test_score_files_as_they_were_are_not_looked_into_but_give_their_problems_again(
    site_project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The preview reads a folder of score files again only where a file changed; an unchanged
    file's sheet and problems are the same as when it was read."""
    from bulletin import load
    from bulletin.load import load_project

    looked: list[str] = []  # the score files looked into: parsed or found in the parse cache
    load_sheet = load.load_sheet
    monkeypatch.setattr(
        load,
        "load_sheet",
        lambda fs, path, *a: looked.append(path.name) or load_sheet(fs, path, *a),
    )
    site_project.replace("scores/2015/pingding.yaml", "  plan: 4.5\n", "  plan: 99\n")
    later(monkeypatch)
    parsed = cache.ParseCache()

    def loaded() -> tuple[object, list[tuple[str, str]], list[str]]:
        looked.clear()
        project, report = load_project(site_project.root, cache=parsed)
        problems = [(str(p.mark), p.message) for p in report.problems]
        return project.years[0].sheets, problems, sorted(looked)

    sheets, problems, read = loaded()
    assert "pingding.yaml" in read and len(read) > 30  # both years
    assert any(path.startswith("scores/2015/pingding.yaml") for path, _ in problems)
    again, same, read = loaded()
    assert read == [] and same == problems
    assert all(again[unit] is sheet for unit, sheet in sheets.items())

    time.sleep(0.05)  # past the file system's tick
    site_project.replace("scores/2015/pingding.yaml", "  plan: 99\n", "  plan: 4.5\n")
    fixed, problems, read = loaded()
    assert read == ["pingding.yaml"]  # the 2015 one
    assert not any(path.startswith("scores/2015/pingding.yaml") for path, _ in problems)
    assert fixed["pingding"] != sheets["pingding"] and fixed["bb"] is sheets["bb"]
