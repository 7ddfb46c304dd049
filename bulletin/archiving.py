"""Writing the archive: a frozen year's files, a new version after a correction, and finishing
what a killed freeze or correction left, each complete-or-nothing (see `archive` for reading
and verifying it)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from . import atomic, signing
from .archive import (
    FOLDER,
    MANIFEST,
    interrupted,
    manifest_text,
    read_manifest,
    verify,
)
from .model import ArchivedYear
from .problems import ArchiveError, Report


def _write(
    folder: Path, files: dict[str, bytes], archived: ArchivedYear, key: signing.SecretKey
) -> None:
    """Write an archive folder completely: files, manifest, and last the manifest's signature."""
    folder.mkdir(parents=True)
    for name, data in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    text = manifest_text(archived)
    atomic.write_text(folder / MANIFEST, text)
    comment = signing.trusted_comment(archived.year, archived.version, archived.frozen)
    atomic.write_text(folder / signing.SIGNATURE, signing.sign(key, text.encode("utf-8"), comment))


def _staging(folder: Path) -> Path:
    """A hidden folder beside an archive folder (read_archives skips it) to write it completely first."""
    staging = folder.with_name(f".{folder.name}.new-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    return staging


def write_archive(
    folder: Path, files: dict[str, bytes], archived: ArchivedYear, key: signing.SecretKey
) -> None:
    """Write a new archive folder (which must not exist yet) and its manifest, all or nothing."""
    if folder.exists():
        raise ArchiveError(f"archive/{folder.name}/ 已经存在，不能覆盖。")
    staging = _staging(folder)
    try:
        _write(staging, files, archived, key)
        os.replace(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def move_version(root: Path, archived: ArchivedYear) -> str:
    """Move the current version of a year to archive/<YEAR>-v<N>/, unchanged; return its name."""
    name = f"{archived.year}-v{archived.version}"
    target = root / "archive" / name
    if target.exists():  # os.replace would silently replace an empty folder; never guess
        raise ArchiveError(f"archive/{name}/ 已经存在，不能把当前版本移过去；请先查明原因。")
    os.replace(root / "archive" / archived.folder, target)
    return name


def publish_version(
    root: Path,
    current: ArchivedYear,
    files: dict[str, bytes],
    archived: ArchivedYear,
    key: signing.SecretKey,
) -> str:
    """Replace the current version of a year by a new one; the old one moves to <YEAR>-v<N>/.

    The new version is written completely first, beside the archive (hidden, so never read as
    a version), and only then do the two folders move: a failure while writing leaves the
    archive exactly as it was.
    """
    folder = root / "archive" / archived.folder
    staging = _staging(folder)
    try:
        _write(staging, files, archived, key)
        name = move_version(root, current)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    os.replace(staging, folder)
    atomic.sync_folder(folder.parent)
    return name


def recover(root: Path) -> list[ArchivedYear]:
    """Finish a correction killed between its two renames; drop other half-written versions.

    Only a correction can be caught with its year missing (the current version moved away,
    the new one not yet in place): its complete, verified staging folder is moved in. Any other
    staging folder is the unfinished work of a killed command, which left the archive as it
    was; it is removed, and the command can simply be run again.
    """
    content = root / "content"
    for folder in sorted(content.iterdir()) if content.is_dir() else []:
        if folder.is_dir() and FOLDER.fullmatch(folder.name):
            for tmp in atomic.leftovers(folder):  # a year.yaml rewrite that a kill cut short
                tmp.unlink(missing_ok=True)
    finished = []
    for staging, name in interrupted(root).items():
        target = root / "archive" / name
        scratch = Report()
        archived = None
        if not target.exists() and (staging / signing.SIGNATURE).is_file():  # written last
            archived = read_manifest(staging, f"archive/{name}", scratch, name)
        if (
            archived is not None
            and archived.folder == name
            and archived.corrections
            and (root / "archive" / archived.corrections[-1].previous).is_dir()
            and verify(staging, f"archive/{name}", archived, scratch)
        ):
            os.replace(staging, target)
            atomic.sync_folder(target.parent)
            finished.append(archived)
        else:
            shutil.rmtree(staging, ignore_errors=True)
    return finished
