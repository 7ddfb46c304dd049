"""The benchmark's trash: earlier outputs are moved aside between runs, not deleted, so that a
timed cold build never pays the file system's cost of reusing freshly freed inodes."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))

import run  # noqa: E402


def output(folder: Path) -> Path:
    (folder / "units" / "a").mkdir(parents=True)
    (folder / "units" / "a" / "index.html").write_text("x", encoding="utf-8")
    return folder


def test_an_output_is_moved_aside_with_what_the_build_keeps_beside_it(tmp_path, monkeypatch):
    trash = run.Trash(tmp_path / ".trash")
    monkeypatch.setattr(run, "TRASH", trash)
    site = output(tmp_path / "site")
    spare = output(tmp_path / ".site.spare")
    (tmp_path / ".site.manifest.json").write_text("{}", encoding="utf-8")
    (tmp_path / "scores").mkdir()  # not the build's: stays
    run.clean_output(site)
    assert not site.exists() and not spare.exists()
    assert not (tmp_path / ".site.manifest.json").exists()  # a file is simply deleted
    assert (tmp_path / "scores").is_dir()
    moved = sorted(p.name for p in (tmp_path / ".trash").iterdir())
    assert moved == ["0-site", "1-.site.spare"]
    assert (tmp_path / ".trash" / "0-site" / "units" / "a" / "index.html").is_file()
    assert (trash.moved, trash.deleted) == (2, 0)
    trash.take(site)  # gone already: nothing to do
    assert trash.moved == 2


def test_low_on_disk_an_output_is_deleted_and_counted(tmp_path, monkeypatch):
    monkeypatch.setattr(run.Trash, "MIN_FREE", 2**62)
    trash = run.Trash(tmp_path / ".trash")
    trash.take(output(tmp_path / "site"))
    assert not (tmp_path / "site").exists() and not (tmp_path / ".trash").exists()
    assert (trash.moved, trash.deleted) == (0, 1)


def test_the_next_benchmark_waits_until_the_deleted_files_are_forgotten(tmp_path, monkeypatch):
    waits: list[float] = []
    monkeypatch.setattr(run.time, "sleep", waits.append)
    trash = run.Trash(tmp_path / ".trash")
    trash.take(output(tmp_path / "site"))
    trash.empty()
    assert not (tmp_path / ".trash").exists()
    emptied = float(trash.stamp.read_text(encoding="utf-8"))
    assert emptied == pytest.approx(time.time(), abs=5)

    run.Trash(tmp_path / ".trash").settle()  # right after: waits out nearly all of it
    assert len(waits) == 1 and run.Trash.FORGET_S - 5 < waits[0] <= run.Trash.FORGET_S

    trash.stamp.write_text(f"{time.time() - run.Trash.FORGET_S - 1}\n", encoding="utf-8")
    run.Trash(tmp_path / ".trash").settle()  # long enough ago: no wait
    assert len(waits) == 1


def test_a_trash_an_interrupted_benchmark_left_is_emptied_first(tmp_path, monkeypatch):
    waits: list[float] = []
    monkeypatch.setattr(run.time, "sleep", waits.append)
    left = output(tmp_path / ".trash" / "0-site")
    run.Trash(tmp_path / ".trash").settle()
    assert not left.exists()
    assert len(waits) == 1  # and its deletion is waited out like any other
