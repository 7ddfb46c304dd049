"""The preview's watcher hands over one batch per burst of saves: once QUIET_MS passed without
another event, or MAX_WAIT_MS after the burst began (bulletin/watch.py)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from bulletin import watch


@pytest.fixture
def batches(tmp_path: Path):
    """Start watching tmp_path/scores; yield the list the batches arrive in, with their times."""
    (tmp_path / "scores").mkdir()
    watcher = watch.SourceWatcher(tmp_path, lambda changed, at: None)
    got: list[tuple[float, list[str]]] = []
    stop = threading.Event()

    def run() -> None:
        for batch in watcher._batches([tmp_path / "scores"], stop, None):
            got.append((time.perf_counter(), batch))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    time.sleep(0.3)  # the watch is set up
    yield got
    stop.set()
    thread.join(timeout=5)


def wait_for(got: list, count: int, timeout: float = 5.0) -> None:
    end = time.monotonic() + timeout
    while len(got) < count and time.monotonic() < end:
        time.sleep(0.005)


def test_a_save_is_handed_over_once_after_the_quiet_period(tmp_path: Path, batches: list):
    saved = time.perf_counter()
    (tmp_path / "scores" / "a.yaml").write_text("plan: 4\n", encoding="utf-8")
    wait_for(batches, 1)
    time.sleep(0.2)
    assert [b for _, b in batches] == [["scores/a.yaml"]]
    assert batches[0][0] - saved >= watch.QUIET_MS / 1000  # never before the quiet period


def test_saves_closer_than_the_quiet_period_are_one_batch(tmp_path: Path, batches: list):
    for k in range(8):  # a "save all": eight files, 15 ms apart
        (tmp_path / "scores" / f"u{k}.yaml").write_text("plan: 4\n", encoding="utf-8")
        time.sleep(0.015)
    wait_for(batches, 1)
    time.sleep(0.3)
    assert [b for _, b in batches] == [[f"scores/u{k}.yaml" for k in range(8)]]


def test_a_stream_of_saves_is_handed_over_at_the_latest_max_wait_after_it_began(
    tmp_path: Path, batches: list, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(watch, "MAX_WAIT_MS", 300)  # read by the watch at each batch
    began = time.perf_counter()
    k = 0
    while time.perf_counter() - began < 1.0:  # never quiet for a second
        (tmp_path / "scores" / f"u{k % 5}.yaml").write_text(f"plan: {k}\n", encoding="utf-8")
        k += 1
        time.sleep(0.005)
    first = batches[0][0] if batches else None
    wait_for(batches, 2)
    assert first is not None and first - began < 0.9, "nothing handed over during the stream"
    assert all(b for _, b in batches)
