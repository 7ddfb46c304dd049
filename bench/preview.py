"""Time the live preview after one score file changes: the rebuild alone, and save-to-reload.

    python bench/preview.py                    # the sample, s35 and u1k
    python bench/preview.py --sets u10k --runs 5

For each project (the repository's sample, or a data set of bench/generate.py, copied to a
temporary folder with the repository's theme) two figures, each the median of N changes that
flip one value in one score file (bench-manifest.json names it; for the sample, pingding's plan):

    rebuild       build_site(root, out, drafts=True, state=state) in this process, the
                  BuildState kept from a first build, as the preview server calls it
    save→reload   the real `build.py serve` in a subprocess: from writing the file until an
                  open page (a livereload WebSocket client) is told to reload; this adds the
                  polling and the quiet period that merges a burst of saves into one build
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import queue
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO))

from bulletin.site import BuildState, build_site

SAMPLE_CHANGE = ("scores/2015/pingding.yaml", "  plan: 4.5", "  plan: 4")  # 2014 is frozen


def prepare(name: str, dest: Path) -> tuple[Path, tuple[str, str, str]]:
    """Copy a project to `dest` and say which line of which file to flip."""
    if name == "sample":
        for folder in ("content", "rubrics", "scores", "theme", "archive"):
            shutil.copytree(REPO / folder, dest / folder)
        return dest, SAMPLE_CHANGE
    source = BENCH / "data" / name
    if not source.is_dir():
        subprocess.run([sys.executable, str(BENCH / "generate.py"), name], check=True)
    for folder in ("content", "rubrics", "scores"):
        shutil.copytree(source / folder, dest / folder)
    shutil.copytree(REPO / "theme", dest / "theme")
    change = json.loads((source / "bench-manifest.json").read_text(encoding="utf-8"))["change"]
    return dest, (change["file"], change["line"], change["other"])


class Flip:
    """Rewrite one line of one file to the other of two values, as an editor saves it."""

    def __init__(self, path: Path, line: str, other: str) -> None:
        self.path, self.values = path, [line, other]

    def __call__(self) -> None:
        text = self.path.read_text(encoding="utf-8")
        old, new = self.values
        assert text.count(f"{old}\n") == 1, f"{old!r} not found once in {self.path}"
        self.path.write_text(text.replace(f"{old}\n", f"{new}\n"), encoding="utf-8")
        self.values.reverse()


def time_rebuilds(root: Path, flip: Flip, runs: int) -> tuple[float, float, str]:
    out = root.parent / "out" / "site"
    state = BuildState()
    started = time.perf_counter()
    first = build_site(root, out, drafts=True, state=state)
    cold = time.perf_counter() - started
    assert not first.report.errors, [str(p) for p in first.report.errors[:5]]
    samples, summary = [], ""
    for _ in range(runs):
        flip()
        started = time.perf_counter()
        result = build_site(root, out, drafts=True, state=state)
        samples.append(time.perf_counter() - started)
        assert not result.report.errors
        summary = f"rendered {result.rendered} pages, wrote {result.written} files"
    return cold, statistics.median(samples), summary


def time_save_to_reload(root: Path, flip: Flip, runs: int) -> float:
    from tornado.websocket import websocket_connect

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "BULLETIN_ROOT": str(root), "PYTHONIOENCODING": "utf-8"}
    log = (root.parent / "serve.log").open("wb")
    proc = subprocess.Popen([sys.executable, str(REPO / "build.py"), "serve", "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, env=env)  # fmt: skip
    reloads: queue.Queue[float] = queue.Queue()

    async def listen() -> None:
        while True:
            try:
                conn = await websocket_connect(f"ws://127.0.0.1:{port}/livereload")
                break
            except OSError:
                await asyncio.sleep(0.1)
        await conn.write_message(
            json.dumps(
                {"command": "hello", "protocols": ["http://livereload.com/protocols/official-7"]}
            )
        )
        await conn.read_message()
        await conn.write_message(json.dumps({"command": "info", "url": "bench", "plugins": {}}))
        reloads.put(0.0)  # connected
        while await conn.read_message() is not None:
            reloads.put(time.perf_counter())

    threading.Thread(target=asyncio.run, args=(listen(),), daemon=True).start()
    try:
        reloads.get(timeout=600)
        time.sleep(0.5)
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            flip()
            samples.append(reloads.get(timeout=600) - started)
            time.sleep(0.3)
        return statistics.median(samples)
    finally:  # Ctrl+C, as a user stops it, so that it removes its preview folder
        proc.send_signal(signal.SIGINT if os.name != "nt" else signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sets", default="sample,s35,u1k", help="sample and/or data sets of bench/generate.py"
    )
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    print(
        f"{'project':8} {'cold build':>11} {'rebuild':>9} {'save→reload':>12}  (median of {args.runs})"
    )
    for name in args.sets.split(","):
        with tempfile.TemporaryDirectory(prefix="bench-preview-") as tmp:
            root, (rel, line, other) = prepare(name, Path(tmp) / "project")
            flip = Flip(root / rel, line, other)
            cold, rebuild, summary = time_rebuilds(root, flip, args.runs)
            reload = time_save_to_reload(root, flip, args.runs)
            print(
                f"{name:8} {cold:10.2f}s {rebuild:8.3f}s {reload:11.3f}s  ({summary})", flush=True
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
