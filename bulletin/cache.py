"""What a long-running process (the preview) remembers between builds, so that a rebuild
after one file changed parses, validates and scores only what that file affects."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from . import source, textfile
from .problems import Problem, Report


class ParseCache:
    """Maps a file's path and the hash of its bytes to its parse result (nodes or a failure).

    Keyed by content rather than modification time: an editor that saves twice within the
    clock's resolution, or a `git checkout` that restores old times, cannot serve stale data.
    """

    def __init__(self) -> None:
        self.entries: dict[str, tuple[bytes, source.Node | textfile.ParseFailure]] = {}
        # Derived from parsed files: (what it was made from, the result, the problems it raised).
        # A parsed file's nodes are the same objects while its bytes are unchanged, so "made
        # from the same objects" is an identity check, and everything downstream is reused.
        self.derived: dict[tuple[str, str], tuple[tuple, Any, list[Problem]]] = {}

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

    def load(self, path: Path, rel: str, report: Report) -> source.Node | None:
        data = path.read_bytes()
        digest = hashlib.blake2b(data, digest_size=16).digest()
        entry = self.entries.get(rel)
        if entry is not None and entry[0] == digest:
            result = entry[1]
        else:
            try:
                result = source.parse(textfile.decode(data, rel), rel)
            except textfile.ParseFailure as exc:
                result = exc
            self.entries[rel] = (digest, result)
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
    modification time; the file is looked at before it is read, so a write that comes while it
    is read changes the times after the look, and the next call reads it again.
    """

    def __init__(self) -> None:
        self.known: dict[Path, tuple[tuple[int, ...], str]] = {}

    def __call__(self, path: Path) -> str:
        st = os.stat(path)
        key = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)
        hit = self.known.get(path)
        if hit is not None and hit[0] == key:
            return hit[1]
        value = file_hash(path)
        self.known[path] = (key, value)
        return value
