"""The build record kept beside the output folder: what each page and file of the last build was.

A page is rendered again only when its fingerprint differs from the one recorded here, and a
file is replaced only when its bytes differ, so an incremental build gives exactly the bytes of
a clean one. The `stamp` lets a build with unchanged inputs stop at once, like make.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .model import INPUT_FOLDERS

VERSION = 1
PACKAGES = ("jinja2", "markdown", "nh3", "yaml", "markupsafe")  # whose code draws pages


@dataclass
class Manifest:
    """The last build's record: each page's fingerprint and each file's content hash and size.

    `stamp` fingerprints every input file's name, size and modification time, the code and the
    options: when it is unchanged and every output file is still there, nothing can have changed
    and the build stops at once, repeating the last build's warnings and summary.
    """

    pages: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)
    stamp: str = ""
    warnings: list[list] = field(default_factory=list)
    summary: dict = field(default_factory=dict)


def manifest_path(out: Path) -> Path:
    return out.parent / f".{out.name}.manifest.json"


def read_manifest(out: Path) -> Manifest | None:
    return read_record(manifest_path(out))


def record_look(out: Path) -> tuple[int, int, int, int] | None:
    """The size, times and inode of the record's file: a new file each time it is written."""
    try:
        st = manifest_path(out).stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino


def read_record(path: Path) -> Manifest | None:
    """A build record written by `record_text`; None if it is missing or not one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("version") != VERSION:
        return None
    return Manifest(
        dict(data.get("pages", {})),
        dict(data.get("files", {})),
        dict(data.get("sizes", {})),
        str(data.get("stamp", "")),
        list(data.get("warnings", [])),
        dict(data.get("summary", {})),
    )


def record_text(manifest: Manifest, swap: dict[str, str] | None = None) -> str:
    """The record as JSON; `swap` names the folders of a switch (in the journal only)."""
    record: dict = {"version": VERSION, **manifest.__dict__}
    if swap is not None:
        record["swap"] = swap
    # One line, so that the C encoder writes it (any indent takes Python's, 2-3x slower: the
    # preview writes this record on every save)
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


# Runs of a record's pages written out already: each as (its pages' paths and fingerprints,
# a dict that holds their entries of pages, files and sizes as JSON once they are written out)
Written = tuple[tuple[tuple[str, str], ...], dict[str, Any]]


def write_manifest(
    out: Path, manifest: Manifest, sync: bool = True, written: Sequence[Written] = ()
) -> None:
    from .atomic import write_text

    text = record_text(manifest) if not written else pieced_record_text(manifest, written)
    write_text(manifest_path(out), text, sync)


def pieced_record_text(manifest: Manifest, written: Sequence[Written]) -> str:
    """`record_text`, with the entries of each run of pages in `written` as written out before
    (or written out now and kept for the next time): the preview records 6,000 pages on every
    save at 3,000 units, nearly all of them as the last save did. Not in sorted order: the
    record is read as JSON, never compared as text."""
    covered: set[str] = set()
    pages, files, sizes = [], [], []
    for items, text in written:
        if not text:
            paths = [rel for rel, _ in items]
            text["paths"] = paths
            text["pages"] = _entries(dict(items))
            text["files"] = _entries({rel: manifest.files[rel] for rel in paths})
            text["sizes"] = _entries({rel: manifest.sizes[rel] for rel in paths})
        covered.update(text["paths"])
        pages.append(text["pages"])
        files.append(text["files"])
        sizes.append(text["sizes"])
    for into, entries in (
        (pages, manifest.pages),
        (files, manifest.files),
        (sizes, manifest.sizes),
    ):
        into.append(_entries({k: v for k, v in entries.items() if k not in covered}))
    joined = (("pages", pages), ("files", files), ("sizes", sizes))
    head = ",".join(f'"{name}":{{{",".join(t for t in into if t)}}}' for name, into in joined)
    rest = {"version": VERSION, **manifest.__dict__}
    for name, _ in joined:
        del rest[name]
    return "{" + head + "," + json.dumps(rest, ensure_ascii=False, separators=(",", ":"))[1:]


def _entries(entries: dict) -> str:
    """A mapping's entries as JSON, without its braces."""
    return json.dumps(entries, ensure_ascii=False, separators=(",", ":"))[1:-1]


def input_stamp(root: Path, drafts: bool, seen: dict[str, list[os.DirEntry]] | None = None) -> str:
    """A digest of every input file's path, size and modification time, the code and options.

    `seen`: the input folders as `inputs.check_inputs` walked them, so that they are not walked
    (nor their files looked at) again; a folder it did not walk is walked here.
    """
    h = hashlib.blake2b(digest_size=16)
    h.update(f"{VERSION}|{drafts}|{sys.version}".encode())
    for name in PACKAGES:  # installed elsewhere or upgraded, a package's first file changes
        spec = importlib.util.find_spec(name)
        origin = spec.origin if spec is not None and spec.origin else "?"
        st = os.stat(origin) if origin != "?" else None
        h.update(f"|{origin}|{st and st.st_size}|{st and st.st_mtime_ns}".encode())
    seen = seen or {}
    for folder in [*(root / name for name in INPUT_FOLDERS), Path(__file__).parent]:
        if str(folder) in seen:
            continue
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames.sort()
            for name in sorted(filenames):
                path = os.path.join(dirpath, name)
                try:
                    st = os.stat(path)
                except OSError:  # a dangling link: the load step reports it
                    st = os.lstat(path)
                _stamp_file(h, path, st)
    for entries in seen.values():
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                continue
            try:
                st = entry.stat()  # a link's target; any other file's lstat, taken by the walk
            except OSError:
                st = entry.stat(follow_symlinks=False)
            _stamp_file(h, entry.path, st)
    return h.hexdigest()


def _stamp_file(h: hashlib._Hash, path: str, st: os.stat_result) -> None:
    # fsencode: a file name that is not UTF-8 must not crash the build here
    h.update(b"%s|%d|%d\n" % (os.fsencode(path), st.st_size, st.st_mtime_ns))


def up_to_date(out: Path, previous: Manifest | None, stamp: str) -> bool:
    """Whether the last build had exactly these inputs and its files are all still in place."""
    if previous is None or not previous.stamp or previous.stamp != stamp or not previous.summary:
        return False
    for rel, size in previous.sizes.items():
        try:
            if (out / rel).stat().st_size != size:
                return False
        except OSError:
            return False
    return len(previous.sizes) == len(previous.files)
