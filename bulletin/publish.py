"""Switch the output folder from the last good site to the new one, whatever moment a kill comes.

The new site is built complete in `.site.new-<id>` beside the output (unchanged files are hard
links into the current site, so this costs no copying), then switched in by two renames. The
site it replaces is kept as `.site.spare`, with its record: the next build starts from that
tree instead of an empty folder, so it only replaces the files that differ and creates no
folder that exists already (creating and deleting a folder per unit page was most of the
cost of a small change at 10,000 units). Before
them the new build record is written as `.site.manifest.next.json`, naming both folders: the
journal. The next build finds the journal before it reads any record, and finishes the switch or
undoes it according to which folders exist; so the output folder is at every instant exactly the
last good site or exactly the new one, and the record beside it always describes what is there.
A lock file held while a build stages and switches tells a later build which leftovers are dead.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

from . import atomic
from .record import Manifest, manifest_path, read_record, record_text


class Busy(Exception):
    """Another build holds the output folder's lock."""


def journal_path(out: Path) -> Path:
    return out.parent / f".{out.name}.manifest.next.json"


def lock_path(out: Path) -> Path:
    return out.parent / f".{out.name}.lock"


def _ours(out: Path) -> tuple[str, ...]:
    """Name prefixes of what a build of `out` leaves beside it only while it runs."""
    return (
        f".{out.name}.new-",
        f".{out.name}.old-",
        f".{manifest_path(out).name}.tmp",
        f".{journal_path(out).name}.tmp",
        f".{spare_record_path(out).name}.tmp",
    )


def leftovers(out: Path) -> list[Path]:
    """Staging folders, old trees and half-written records that killed builds left behind."""
    try:
        names = sorted(p.name for p in out.parent.iterdir())
    except OSError:
        return []
    prefixes = _ours(out)
    found = [out.parent / name for name in names if name.startswith(prefixes)]
    spare = {spare_path(out).name, spare_record_path(out).name} & set(names)
    if len(spare) == 1:  # a spare tree without its record, or the reverse: a build was killed
        found += [out.parent / name for name in spare]  # while it kept one
    return found


@contextlib.contextmanager
def locked(out: Path) -> Iterator[None]:
    """Hold the output folder's lock; raise Busy at once if another build holds it."""
    fd = os.open(lock_path(out), os.O_RDWR | os.O_CREAT, 0o666)
    try:
        try:
            if os.name == "nt":
                import msvcrt

                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise Busy from None
        try:
            yield
        finally:
            if os.name == "nt":
                import msvcrt

                with contextlib.suppress(OSError):
                    os.lseek(fd, 0, os.SEEK_SET)
                    msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
    finally:
        os.close(fd)


def spare_path(out: Path) -> Path:
    return out.parent / f".{out.name}.spare"


def spare_record_path(out: Path) -> Path:
    return out.parent / f".{out.name}.spare.json"


def take_spare(out: Path) -> tuple[Path, Manifest] | None:
    """The site before the last one as a staging folder, with the record of what it holds.

    Its record is deleted before the folder is touched: a build killed while it updates the
    folder leaves a staging folder, which `recover` removes, never a spare that its record
    describes wrongly.
    """
    folder, record_file = spare_path(out), spare_record_path(out)
    record = read_record(record_file) if folder.is_dir() else None
    if record is None:
        remove(folder)
        remove(record_file)
        return None
    record_file.unlink()
    staging = _staging_name(out)
    os.replace(folder, staging)
    return staging, record


def keep_spare(out: Path, old: Path, record: Manifest) -> None:
    """Keep the site that was just replaced, with its record, for the next build to start from."""
    remove(spare_path(out))
    os.replace(old, spare_path(out))
    atomic.write_text(spare_record_path(out), record_text(record), sync=False)


def _staging_name(out: Path) -> Path:
    return out.with_name(f".{out.name}.new-{os.getpid()}-{secrets.token_hex(4)}")


def new_staging(out: Path) -> Path:
    """An empty folder beside `out` to build the new site in; its mode follows the umask."""
    staging = _staging_name(out)
    staging.mkdir()  # not mkdtemp: that gives 0700, and a web server running as another user
    return staging  # could then read nothing once this folder has become the site


def remove(path: Path) -> None:
    """Delete a leftover folder or file, whatever is left of it."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            path.unlink()


def _resume(out: Path, journal: Path) -> None:
    """Finish or undo the switch a killed build began; the journal says which folders it used."""
    try:
        swap = json.loads(journal.read_text(encoding="utf-8"))["swap"]
        new, old = out.parent / swap["new"], out.parent / swap["old"]
    except (OSError, ValueError, KeyError, TypeError):
        journal.unlink()  # written by write-then-rename, so never half there: not ours
        return
    if new.is_dir() and out.is_dir():
        remove(new)  # killed before the first rename: the last good site is still in place
        journal.unlink()
        return
    if new.is_dir():
        os.replace(new, out)  # killed between the two renames: finish the switch
    if out.is_dir():
        os.replace(journal, manifest_path(out))
        atomic.sync_folder(out.parent)
    else:
        journal.unlink()
    remove(old)


def recover(out: Path) -> None:
    """Finish or undo a switch a killed build left half done, and remove what killed builds left."""
    journal = journal_path(out)
    if not journal.exists() and not leftovers(out):
        return
    try:
        with locked(out):
            if journal.exists():
                _resume(out, journal)
            for path in leftovers(out):
                remove(path)
    except Busy:
        return  # a build is running: what lies beside the output folder is its own


def swap(out: Path, staging: Path, manifest: Manifest) -> Path | None:
    """Put the complete new site in `staging` in the place of `out`, with its record; return
    where the replaced site now is (the caller keeps or removes it), None if there was none."""
    old = out.with_name(f".{out.name}.old-{os.getpid()}-{secrets.token_hex(4)}")
    journal = journal_path(out)
    text = record_text(manifest, {"new": staging.name, "old": old.name})
    atomic.write_text(journal, text)
    had_site = out.exists()
    if had_site:
        os.replace(out, old)
    try:
        os.replace(staging, out)
    except OSError:
        if had_site:
            os.replace(old, out)  # e.g. a file held open on Windows: keep the last good site
        journal.unlink()
        raise
    os.replace(journal, manifest_path(out))
    atomic.sync_folder(out.parent)
    return old if had_site else None


def link_or_copy(source: Path, target: Path) -> None:
    """Hard-link an unchanged file into the new tree, or copy it where links are not possible."""
    try:
        os.link(source, target)
    except FileExistsError:
        raise
    except OSError:
        shutil.copy2(source, target)
