"""Parsed YAML files remembered by content, so a rebuild parses only what changed."""

from __future__ import annotations

import hashlib
from pathlib import Path

from . import source
from .problems import Report


class ParseCache:
    """Maps a file's path and the hash of its bytes to its parse result (nodes or a failure).

    Keyed by content rather than modification time: an editor that saves twice within the
    clock's resolution, or a `git checkout` that restores old times, cannot serve stale data.
    """

    def __init__(self) -> None:
        self.entries: dict[str, tuple[bytes, source.Node | source.ParseFailure]] = {}
        self.hits = 0
        self.misses = 0

    def load(self, path: Path, rel: str, report: Report) -> source.Node | None:
        data = path.read_bytes()
        digest = hashlib.blake2b(data, digest_size=16).digest()
        entry = self.entries.get(rel)
        if entry is not None and entry[0] == digest:
            self.hits += 1
            result = entry[1]
        else:
            self.misses += 1
            try:
                result = source.parse(source.decode(data, rel), rel)
            except source.ParseFailure as exc:
                result = exc
            self.entries[rel] = (digest, result)
        if isinstance(result, source.ParseFailure):
            report.error(result.mark, result.message)
            return None
        return result
