"""What a long-running process (the preview) remembers between builds, so that a rebuild
after one file changed parses, validates and scores only what that file affects."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path
from typing import Any

from . import source, textfile
from .problems import Problem, Report

# A file's times tick coarsely (a scheduler tick on Linux, 2 s on FAT, a server's clock on a
# share): two writes within one tick can leave the same size and times. Times are trusted only
# once they are this much older than the look that read the file, as git does ("racy git").
RACY_NS = 3_000_000_000

Look = tuple[int, int, int, int, int] | None  # a file's size, times and inode, if trusted


def look(path: Path, st: os.stat_result | None = None) -> Look:
    """A file's size, times and inode, looked at before its bytes are read, or None while its
    times are too recent to be trusted to change with its bytes.

    On Linux the change time moves on every write, even one that puts the modification time
    back; on Windows `st_ctime` is the creation time, so there a rewrite of the same size whose
    modification time is put back on purpose goes unseen (editors and git do not do that).
    """
    now = time.time_ns()
    if st is None:
        st = os.stat(path)
    return trusted(st, now - RACY_NS)


def trusted(st: os.stat_result, before: int) -> Look:
    """`look` of a file whose times are trusted only if neither is after `before` (ns)."""
    if st.st_mtime_ns > before or st.st_ctime_ns > before:
        return None
    return st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev


class ParseCache:
    """Maps a file's path and the hash of its bytes to its parse result (nodes or a failure).

    Keyed by content: an unchanged file is not read again only while its size, times and inode
    are unchanged and old enough to be trusted (`look`), so an editor that saves twice within
    the clock's resolution, or a `git checkout` that restores old times, cannot serve stale data.
    """

    def __init__(self) -> None:
        self.entries: dict[str, tuple[Look, bytes, source.Node | textfile.ParseFailure]] = {}
        # Derived from parsed files: (what it was made from, the result, the problems it raised).
        # A parsed file's nodes are the same objects while its bytes are unchanged, so "made
        # from the same objects" is an identity check, and everything downstream is reused.
        self.derived: dict[tuple[str, str], tuple[tuple, Any, list[Problem]]] = {}
        # The Paths of the files listed, by folder and name (`Files.listing`)
        self.paths: dict[tuple[str, str], Path] = {}
        # What each file of a folder gave, read with the same inputs (`Files.remembered`):
        # (inputs, {file name: (its look, the problems it raised, what it gave)})
        self.folders: dict[tuple[str, str], tuple[tuple, dict[str, tuple]]] = {}

    def recall(self, kind: str, rel: str, key: tuple, report: Report) -> tuple[bool, Any]:
        """The result made from exactly these inputs last time, replaying its problems."""
        entry = self.derived.get((kind, rel))
        # Same objects (the usual case) or equal values: validation is a function of its inputs.
        if (
            entry is None
            or len(entry[0]) != len(key)
            or not all(a is b or a == b for a, b in zip(entry[0], key, strict=True))
        ):
            return False, None
        report.problems.extend(entry[2])
        return True, entry[1]

    def remember(
        self, kind: str, rel: str, key: tuple, value: Any, problems: list[Problem]
    ) -> None:
        self.derived[(kind, rel)] = (key, value, problems)

    def load(
        self, path: Path, rel: str, report: Report, st: os.stat_result | None = None
    ) -> source.Node | None:
        """The file's nodes; `st`, if given, is its stat taken just now (before reading it)."""
        stamp = look(path, st)
        entry = self.entries.get(rel)
        if stamp is not None and entry is not None and entry[0] == stamp:
            result = entry[2]
        else:
            data = path.read_bytes()
            digest = hashlib.blake2b(data, digest_size=16).digest()
            if entry is not None and entry[1] == digest:
                result = entry[2]
            else:
                try:
                    result = source.parse(textfile.decode(data, rel), rel)
                except textfile.ParseFailure as exc:
                    result = exc
            self.entries[rel] = (stamp, digest, result)
        if isinstance(result, textfile.ParseFailure):
            result.report(report)
            return None
        return result


def file_hash(path: Path) -> str:
    """The SHA-256 of a file's bytes, in hex."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


class FileHashes:
    """`file_hash`, reading a file again only when its size, times or inode changed.

    For the preview's archived files and its own output folder, which it would otherwise read
    whole on every save. The change time moves on every write, even one that restores the
    modification time; times are trusted only once old enough (`look`), and the file is looked
    at before it is read, so a write that comes while it is read is seen by the next call.
    """

    def __init__(self) -> None:
        self.known: dict[Path, tuple[Look, str]] = {}

    def __call__(self, path: Path) -> str:
        stamp = look(path)
        hit = self.known.get(path)
        if stamp is not None and hit is not None and hit[0] == stamp:
            return hit[1]
        value = file_hash(path)
        self.known[path] = (stamp, value)
        return value
