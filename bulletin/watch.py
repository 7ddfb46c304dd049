"""Watching the sources for the preview: the operating system's notifications, one call per burst.

watchfiles (Rust's `notify`: inotify on Linux, ReadDirectoryChangesW on Windows, FSEvents on
macOS) runs in a thread of its own and gathers events until none has come for QUIET_MS, so a
"save all" or a `git checkout` of many files gives one batch. The batch is handed to the Tornado
thread, where builds and requests run one at a time; what arrives while a build runs is merged
into one further batch. Folders that appear or vanish at the top (say `archive/`, created by the
first `freeze`) are seen by a check of their identity once a second, which restarts the watch.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import click
import watchfiles
from livereload.watcher import Watcher
from tornado.ioloop import IOLoop, PeriodicCallback

from .model import INPUT_FOLDERS

WATCHED = INPUT_FOLDERS  # what the build reads
# Rebuild once no event has come for this long. Editors and git write the files of a "save all"
# or a checkout within a few milliseconds of each other (bench/preview.py --burst measures it).
# watchfiles looks every STEP_MS and hands over what it gathered once a look finds nothing new;
# the batch then waits for a watch that times out after the rest of QUIET_MS with no event. So a
# burst goes after at least QUIET_MS of quiet, and a save is noticed QUIET_MS to QUIET_MS +
# STEP_MS after it (one look every QUIET_MS gave 1-2 × QUIET_MS).
QUIET_MS = 30
STEP_MS = 10
MAX_WAIT_MS = 2000  # but hand over a batch at the latest this long after its first event
FOLDER_CHECK_MS = 1000  # how often to look whether a top folder appeared, vanished or was replaced

Settled = Callable[[list[str], float], None]  # (changed paths, when the batch was noticed)


def is_editor_litter(name: str) -> bool:
    """Files that editors write beside the one being saved and that the build never reads."""
    return (
        name == "4913"
        or name.startswith((".#", "~$"))
        or name.endswith(("~", ".swp", ".swo", ".swx", ".tmp"))
    )


def folder_ids(root: Path) -> dict[str, tuple[int, int] | None]:
    """Each watched top folder's identity (device, inode), or None where there is none."""
    found: dict[str, tuple[int, int] | None] = {}
    for name in WATCHED:
        try:
            st = os.stat(root / name)
            found[name] = (st.st_dev, st.st_ino) if os.path.isdir(root / name) else None
        except OSError:
            found[name] = None
    return found


class SourceWatcher(Watcher):
    """Calls `on_settled(changed, noticed_at)` on the Tornado thread once per burst of changes.

    Given to livereload's Server as its watcher: `start()` returning True tells livereload not
    to start its own 800 ms poller, and `examine()` is inert in case anything calls it.
    """

    def __init__(self, root: Path, on_settled: Settled) -> None:
        super().__init__()
        self.root, self.on_settled = root, on_settled
        self.lock = threading.Lock()
        self.pending: set[str] = set()
        self.noticed_at = 0.0  # when the oldest pending batch arrived (time.perf_counter)
        self.scheduled = False
        self.loop: IOLoop | None = None
        self.thread: threading.Thread | None = None
        self.stop_event = threading.Event()
        self.folders = folder_ids(root)
        self.polling = False  # fell back to polling: notifications unavailable
        for name in WATCHED:  # livereload watches the current directory if it finds no tasks
            self.watch(str(root / name))

    # -- the watching thread ----------------------------------------------------------------

    def begin(self) -> None:
        """Start watching; call it before the first build, so no edit during it is missed."""
        self.stop_event = threading.Event()
        paths = [self.root / name for name, ident in self.folders.items() if ident is not None]
        self.thread = threading.Thread(
            target=self._watch, args=(paths, self.stop_event), name="watch", daemon=True
        )
        self.thread.start()

    def _watch(self, paths: list[Path], stop: threading.Event) -> None:
        if not paths:
            return
        try:
            for batch in self._batches(paths, stop, force_polling=None):
                self.add(batch)
        except FileNotFoundError:  # a folder vanished meanwhile: check_folders restarts us
            return
        except Exception as exc:
            if stop.is_set():
                return
            click.echo(
                f"无法使用系统的文件变化通知（{exc}），改为每 0.1 秒查看一次文件；保存后刷新会稍慢。",
                err=True,
            )
            self.polling = True
            for batch in self._batches(paths, stop, force_polling=True):
                self.add(batch)

    def _batches(
        self, paths: list[Path], stop: threading.Event, force_polling: bool | None
    ) -> Iterator[list[str]]:
        """The changed files of each burst, once QUIET_MS passed without another event, or
        MAX_WAIT_MS after the burst began."""
        pending: set[str] = set()
        began = 0.0
        for changes in watchfiles.watch(
            *paths,
            watch_filter=self.wanted,
            debounce=MAX_WAIT_MS,
            step=STEP_MS,
            stop_event=stop,
            rust_timeout=QUIET_MS - STEP_MS,
            yield_on_timeout=True,  # an empty set: no event for that long
            raise_interrupt=False,
            force_polling=force_polling,
            poll_delay_ms=100,
        ):
            if changes:
                if not pending:
                    began = time.perf_counter()
                pending.update(self.relative(path) for _, path in changes)
                if time.perf_counter() - began < MAX_WAIT_MS / 1000:
                    continue
            if pending:
                yield sorted(pending)
                pending = set()

    def relative(self, path: str) -> str:
        try:
            return Path(path).relative_to(self.root).as_posix()
        except ValueError:
            return path

    def wanted(self, change: watchfiles.Change, path: str) -> bool:
        """Whether an event concerns a file the build may read (not editors' or tools' litter)."""
        parts = Path(self.relative(path)).parts
        if any(part.startswith(".") or part == "__pycache__" for part in parts):
            return False
        return not (parts and is_editor_litter(parts[-1]))

    def add(self, changed: list[str] | set[str]) -> None:
        """Queue changed paths for one build on the Tornado thread (thread-safe)."""
        now = time.perf_counter()
        with self.lock:
            if not self.pending:
                self.noticed_at = now
            self.pending.update(changed)
            if self.scheduled or self.loop is None:
                return  # a build is queued already, or the loop starts soon and takes them
            self.scheduled = True
            loop = self.loop
        loop.add_callback(self.flush)

    # -- the Tornado thread -----------------------------------------------------------------

    def start(self, callback: Callable[[], None]) -> bool:
        """Called by livereload as the server starts: hand batches to this thread from now on."""
        self.loop = IOLoop.current()
        PeriodicCallback(self.check_folders, FOLDER_CHECK_MS).start()
        with self.lock:
            waiting = bool(self.pending) and not self.scheduled
            self.scheduled = self.scheduled or waiting
        if waiting:  # changed during the first build
            self.loop.add_callback(self.flush)
        return True

    def examine(self) -> tuple[None, None]:
        return None, None

    def flush(self) -> None:
        with self.lock:
            changed, noticed_at = sorted(self.pending), self.noticed_at
            self.pending.clear()
            self.scheduled = False
        if changed:
            self.on_settled(changed, noticed_at)

    def check_folders(self) -> None:
        """Restart the watch when a top folder appeared, vanished or was replaced."""
        current = folder_ids(self.root)
        if current == self.folders:
            return
        moved = [name for name in WATCHED if current[name] != self.folders[name]]
        self.folders = current
        self.stop()
        self.begin()
        self.add(moved)

    def stop(self) -> None:
        self.stop_event.set()
        if self.thread is not None:
            self.thread.join(timeout=5)
