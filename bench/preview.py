"""Time the live preview after one score file changes: the rebuild alone, and save-to-page.

    python bench/preview.py                    # the sample, s35 and u1k
    python bench/preview.py --sets sample,u3k --runs 9

For each project (the repository's sample, or a data set of bench/generate.py, copied to a
temporary folder with the repository's theme) these figures, each the median of N changes that
flip one value in one score file (bench-manifest.json names it; for the sample, pingding's plan):

    rebuild       build_site(root, out, drafts=True, state=state) in this process, the
                  BuildState kept from a first build, as the preview server calls it
    save→page     the real `build.py serve` in a subprocess, with an open page (a livereload
                  WebSocket client): from writing the file until the page has been told to
                  reload and has fetched the changed unit's page again over HTTP

and the parts of save→page, from the server's BULLETIN_TIMINGS lines (clock readings of
time.perf_counter, which on Linux and Windows is one clock for all processes):

    noticed   saved → the watcher's batch (the OS's notification plus the quiet period)
    queued    batch → the rebuild starts on the server's thread
    loaded, scored, rendered, written   the build's own steps (written: open data + publish)
    other     the rest of the build (input stamp, manifest)
    reloaded  build done → the page receives the reload message
    fetched   reload message → the page's new HTML received

With --burst it also checks that a `git checkout` of every score file (the sample: 35, a
set: all of its newest year's) gives one rebuild, and says how long that checkout took.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import queue
import re
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

from run import wait_for_quiet  # noqa: E402

from bulletin.site import BuildState, build_site  # noqa: E402

SAMPLE_CHANGE = ("scores/2015/pingding.yaml", "  plan: 4.5", "  plan: 4")  # 2014 is frozen
PARTS = ("noticed", "queued", "loaded", "scored", "rendered", "written", "other", "reloaded")
PARTS += ("fetched",)
TIMINGS = re.compile(r"^preview-timings (.*)$", re.MULTILINE)


def prepare(name: str, dest: Path) -> tuple[Path, tuple[str, str, str]]:
    """Copy a project to `dest` and say which line of which file to flip."""
    if name == "sample":
        for folder in ("content", "rubrics", "scores", "theme", "archive"):
            shutil.copytree(REPO / folder, dest / folder)
        return dest, SAMPLE_CHANGE
    source = BENCH / "data" / name
    manifest = source / "bench-manifest.json"
    if not manifest.is_file():
        subprocess.run([sys.executable, str(BENCH / "generate.py"), name], check=True)
    for folder in ("content", "rubrics", "scores"):
        shutil.copytree(source / folder, dest / folder)
    shutil.copytree(REPO / "theme", dest / "theme")
    change = json.loads(manifest.read_text(encoding="utf-8"))["change"]
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
    flip()  # back to where the preview starts, so its first flip is a change too
    return cold, statistics.median(samples), summary


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def parse_timings(line: str) -> dict[str, float]:
    """The clock readings and steps of one `preview-timings` line."""
    found = dict(re.findall(r"([a-z][\w-]*) (\d+(?:\.\d+)?)s?", line))
    return {key: float(value) for key, value in found.items()}


class Preview:
    """`build.py serve` in a subprocess and one open page (a livereload WebSocket client)."""

    def __init__(self, root: Path) -> None:
        self.port = free_port()
        env = {**os.environ, "BULLETIN_ROOT": str(root), "PYTHONIOENCODING": "utf-8"}
        env.update(BULLETIN_TIMINGS="1", PYTHONUNBUFFERED="1")
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # as on a user's machine: see run.py
        self.log_path = root.parent / "serve.log"
        self.log = self.log_path.open("wb")
        cmd = [sys.executable, str(REPO / "build.py"), "serve", "--port", str(self.port)]
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, env=env)
        self.reloads: queue.Queue[float] = queue.Queue()
        threading.Thread(target=asyncio.run, args=(self.listen(),), daemon=True).start()
        self.reloads.get(timeout=900)  # connected
        time.sleep(0.5)

    async def listen(self) -> None:
        from tornado.websocket import websocket_connect

        while True:
            try:
                conn = await websocket_connect(f"ws://127.0.0.1:{self.port}/livereload")
                break
            except OSError:
                await asyncio.sleep(0.1)
        hello = {"command": "hello", "protocols": ["http://livereload.com/protocols/official-7"]}
        await conn.write_message(json.dumps(hello))
        await conn.read_message()
        await conn.write_message(json.dumps({"command": "info", "url": "bench", "plugins": {}}))
        self.reloads.put(0.0)
        while await conn.read_message() is not None:
            self.reloads.put(time.perf_counter())

    def fetch(self, path: str) -> bytes:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request("GET", path)
            return conn.getresponse().read()
        finally:
            conn.close()

    def timings(self, count: int) -> list[dict[str, float]]:
        """The server's first `count` timing lines, waiting a little for the last one."""
        deadline = time.monotonic() + 10
        while True:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
            lines = TIMINGS.findall(text)
            if len(lines) >= count or time.monotonic() > deadline:
                return [parse_timings(line) for line in lines]
            time.sleep(0.02)

    def stop(self) -> None:
        """Ctrl+C, as a user stops it, so that it removes its preview folder."""
        self.proc.send_signal(signal.SIGINT if os.name != "nt" else signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def time_save_to_page(
    root: Path, flip: Flip, runs: int, page: str, burst: bool, quiet: float
) -> tuple[dict[str, float], list[float], str]:
    """Median seconds of each part and of the whole, every total, and the burst's outcome."""
    preview = Preview(root)
    try:
        rows, totals = [], []
        shown = preview.fetch(page)
        for index in range(runs):
            if quiet:
                wait_for_quiet(quiet)
            saved = time.perf_counter()
            flip()
            told = preview.reloads.get(timeout=900)
            html = preview.fetch(page)
            fetched = time.perf_counter()
            assert html != shown, f"{page} did not change"
            shown = html
            stamps = preview.timings(index + 1)[index]
            steps = {k: stamps.get(k, 0.0) for k in ("load", "score", "render", "data", "publish")}
            built = stamps["built-at"]
            rows.append(
                {
                    "noticed": stamps["noticed-at"] - saved,
                    "queued": stamps["started-at"] - stamps["noticed-at"],
                    "loaded": steps["load"],
                    "scored": steps["score"],
                    "rendered": steps["render"],
                    "written": steps["data"] + steps["publish"],
                    "other": built - stamps["started-at"] - sum(steps.values()),
                    "reloaded": told - built,
                    "fetched": fetched - told,
                }
            )
            totals.append(fetched - saved)
            time.sleep(0.3)
        parts = {k: statistics.median(r[k] for r in rows) for k in PARTS}
        said = check_burst(root, preview, runs) if burst else ""
        return parts, totals, said
    finally:
        preview.stop()


def check_burst(root: Path, preview: Preview, builds: int) -> str:
    """Touch every score file of the newest year, commit, then `git checkout` the old ones."""
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]
    quiet = {"cwd": root, "check": True, "capture_output": True}
    subprocess.run([*git, "init", "-q"], **quiet)
    subprocess.run([*git, "add", "scores"], **quiet)
    subprocess.run([*git, "commit", "-q", "-m", "before"], **quiet)
    newest = max((root / "scores").iterdir())
    files = sorted(newest.glob("*.yaml"))
    for path in files:  # one edit, then back: the checkout below rewrites every file
        path.write_text(path.read_text(encoding="utf-8") + "# 已复核\n", encoding="utf-8")
    while preview.reloads.qsize() == 0:
        time.sleep(0.05)
    preview.reloads.get()
    time.sleep(1.0)
    before = len(preview.timings(builds + 1))
    started = time.perf_counter()
    subprocess.run([*git, "checkout", "--", "scores"], **quiet)
    took = time.perf_counter() - started
    preview.reloads.get(timeout=900)
    time.sleep(2.5)  # MAX_WAIT and then some: a second build would have started by now
    after = len(preview.timings(before + 2))
    return (
        f"git checkout of {len(files)} files in {took * 1000:.0f} ms: {after - before} rebuild(s)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sets", default="sample,s35,u1k", help="sample and/or data sets of bench/generate.py"
    )
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--burst", action="store_true", help="also check a git checkout burst")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=0,
        metavar="SECONDS",
        help="before each save, wait up to this long for other processes to go quiet (Linux)",
    )
    args = parser.parse_args()
    print(f"medians of {args.runs} saves, milliseconds; cold build and rebuild in seconds")
    header = f"{'project':8} {'cold':>6} {'rebuild':>8} {'save→page':>10} {'min–max':>11}  "
    print(header + " ".join(f"{p:>8}" for p in PARTS))
    results = {}
    for name in args.sets.split(","):
        with tempfile.TemporaryDirectory(prefix="bench-preview-") as tmp:
            root, (rel, line, other) = prepare(name, Path(tmp) / "project")
            flip = Flip(root / rel, line, other)
            cold, rebuild, summary = time_rebuilds(root, flip, args.runs)
            year, unit = rel.removeprefix("scores/").removesuffix(".yaml").split("/")
            page = f"/{year}/units/{unit}/"
            parts, totals, burst = time_save_to_page(
                root, flip, args.runs, page, args.burst, args.wait_quiet
            )
        total = statistics.median(totals)
        spread = f"{min(totals) * 1000:.0f}–{max(totals) * 1000:.0f}"
        print(
            f"{name:8} {cold:5.2f}s {rebuild:7.3f}s {total * 1000:9.0f} {spread:>11}  "
            + " ".join(f"{parts[p] * 1000:8.1f}" for p in PARTS)
            + f"  ({summary})",
            flush=True,
        )
        if burst:
            print(f"{'':8} {burst}", flush=True)
        results[name] = {
            "cold": cold,
            "rebuild": rebuild,
            "save_to_page": totals,
            "parts": parts,
            "summary": summary,
            "burst": burst,
        }
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
