"""Write the new site: render the pages whose fingerprint changed, stage what changed, publish.

Rendering runs in forked worker processes when there are enough pages to repay them; each
worker takes contiguous slices of each kind of page and sends back its record entries.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import jinja2

from . import forking
from .cache import file_hash
from .problems import Mark
from .publish import keep_spare, link_or_copy, remove, swap
from .record import Manifest, Written, write_manifest

PARALLEL_MIN = 40  # below this many pages to draw, a second process costs more than it saves
# Where most pages are kept from the last build (a build after an edit, the preview), a job is
# mostly its fingerprint, and a second process pays only from many more of them. The preview's
# process also has threads and a large heap.
PARALLEL_MIN_KEEPING = 400
# From this many units the open data and search index are shared with a forked process: at 35
# units they take 10 ms, about what forking costs.
PARALLEL_DATA_MIN = 200

# Makes one or more files of the site: (path, bytes) each.
Maker = Callable[[], Iterable[tuple[str, bytes]]]


class RenderFailure(Exception):
    """A template failed: where, and what it said."""

    def __init__(self, mark: Mark, message: str) -> None:
        super().__init__(message)
        self.mark, self.message = mark, message


def template_problem(exc: Exception, root: Path) -> RenderFailure:
    """Where a template error is, as a project path and line, and what it says."""
    name = getattr(exc, "filename", None) or getattr(exc, "name", None)
    line = getattr(exc, "lineno", None) or 1
    if not name:
        # Runtime errors carry no position; Jinja rewrites the traceback to the template's lines.
        tb = exc.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code.co_filename.endswith((".html", ".xml", ".txt")):
                name, line = tb.tb_frame.f_code.co_filename, tb.tb_lineno
            tb = tb.tb_next
    if name:
        try:
            name = Path(name).resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            name = f"theme/templates/{name}"
    if isinstance(exc, jinja2.TemplateError):
        message = exc.message or str(exc)
    else:  # Python's own, raised by an expression of the template (a division by zero, say)
        message = f"{exc}（{type(exc).__name__}）"
    return RenderFailure(Mark(name or "theme/templates", line), f"模板错误：{message}")


def _drawn(job: Job, root: Path) -> bytes:
    """The job's page as bytes; RenderFailure naming the template's line if it fails."""
    try:
        return job.draw().encode("utf-8")
    except Exception as exc:
        raise template_problem(exc, root) from None


class Output:
    """Builds the complete new site in `staging`: unchanged files linked, changed ones written.

    `staging` is an empty folder, or the site before last (`base` records what it holds): then
    only the files that differ from it are replaced, and its folders are reused. Every file is
    replaced, never written into, since its inode may be shared with the published site.
    `publish` then switches it in whole (see `publish`): the output folder is never a mix.
    """

    def __init__(
        self,
        out: Path,
        staging: Path,
        previous: Manifest | None,
        base: Manifest | None = None,
        hash_file: Callable[[Path], str] = file_hash,
    ) -> None:
        self.out, self.staging, self.previous = out, staging, previous
        self.hash_file = hash_file
        self.base = base.files if base is not None else {}
        self.manifest = Manifest()
        self.written = 0
        self._folders = self._known_folders()

    def _known_folders(self) -> set[str]:
        """The folders the new tree has already: the base's, and every folder above them."""
        folders = {""}
        for rel in self.base:
            folders.add(rel.rpartition("/")[0])
        for folder in list(folders):
            while folder:
                folder = folder.rpartition("/")[0]
                folders.add(folder)
        return folders

    def _target(self, rel: str) -> Path:
        """Where `rel` goes in the new tree, its folder made and whatever the base had there gone."""
        if rel.startswith("/") or ".." in rel.split("/") or "\\" in rel or ":" in rel:
            raise ValueError(f"refusing to write outside the output folder: {rel}")
        target = self.staging / rel
        folder = rel.rpartition("/")[0]
        if folder not in self._folders:
            target.parent.mkdir(parents=True, exist_ok=True)
            while folder not in self._folders:
                self._folders.add(folder)
                folder = folder.rpartition("/")[0]
        elif rel in self.base:
            target.unlink(missing_ok=True)
        return target

    def _in_base(self, rel: str, content_hash: str, verify: bool) -> bool:
        """Whether the base tree holds these bytes at `rel` already."""
        if self.base.get(rel) != content_hash:
            return False
        try:
            return not verify or self.hash_file(self.staging / rel) == content_hash
        except OSError:
            return False

    def _keep(self, rel: str) -> bool:
        """Link the published copy of a file into the new tree; False if it is not there."""
        try:
            link_or_copy(self.out / rel, self._target(rel))
        except FileNotFoundError:
            return False
        return True

    def unchanged(self, rel: str, fingerprint: str) -> bool:
        """Whether the page can be kept from the last build without rendering it."""
        p = self.previous
        if p is None or p.pages.get(rel) != fingerprint or rel not in p.files:
            return False
        if not self._in_base(rel, p.files[rel], False) and not self._keep(rel):
            return False
        self.manifest.pages[rel] = fingerprint
        self.manifest.files[rel] = p.files[rel]
        self.manifest.sizes[rel] = p.sizes.get(rel, -1)
        return True

    def unchanged_group(self, pages: tuple[tuple[str, str], ...], text: dict) -> bool:
        """Whether every page of a group, by path and fingerprint, can be kept from the last
        build without rendering it (recorded if so); False leaves the group to page by page.
        `text`: where the record may keep the group's entries written out (`InPlace`)."""
        return all(self.unchanged(rel, fingerprint) for rel, fingerprint in pages)

    def add(
        self, rel: str, data: bytes, fingerprint: str | None = None, verify: bool = False
    ) -> None:
        """Add a file of the new site; `verify`: compare the published copy's bytes too."""
        content_hash = hashlib.sha256(data).hexdigest()
        if fingerprint is not None:
            self.manifest.pages[rel] = fingerprint
        if self._placed(rel, content_hash, len(data), verify):
            return
        self._target(rel).write_bytes(data)
        self.written += 1

    def add_copy(self, rel: str, source: Path, content_hash: str) -> None:
        """Add a copy of `source`, whose bytes have this hash, comparing the published copy's
        bytes too; `source` is read only if the new tree does not hold those bytes already."""
        if self._placed(rel, content_hash, source.stat().st_size, True):
            return
        self._target(rel).write_bytes(source.read_bytes())
        self.written += 1

    def _placed(self, rel: str, content_hash: str, size: int, verify: bool) -> bool:
        """Record a file of the new site; True if the new tree holds its bytes already."""
        self.manifest.files[rel] = content_hash
        self.manifest.sizes[rel] = size
        p = self.previous
        published = p is not None and p.files.get(rel) == content_hash
        if published and verify:
            try:
                published = self.hash_file(self.out / rel) == content_hash
            except OSError:
                published = False
        if self._in_base(rel, content_hash, verify):
            self.written += not published  # the public's copy changes all the same
            return True
        return published and self._keep(rel)  # same bytes: never rewrite an unchanged file

    def reset(self) -> None:
        """Start a worker's share: its own record entries, sent back by `share`."""
        self.manifest, self.written = Manifest(), 0

    def share(self) -> tuple:
        return self.manifest, self.written

    def merge(self, share: tuple) -> None:
        manifest, self.written = share[0], self.written + share[1]
        self.manifest.pages.update(manifest.pages)
        self.manifest.files.update(manifest.files)
        self.manifest.sizes.update(manifest.sizes)

    def discard(self) -> None:
        """Remove what a build left staged (all of it, once the new tree is switched in)."""
        shutil.rmtree(self.staging, ignore_errors=True)

    def publish(self) -> int:
        """Switch the complete new site in; return how many files of the last one it dropped."""
        for rel in sorted(set(self.base) - set(self.manifest.files), reverse=True):
            target = self.staging / rel
            target.unlink(missing_ok=True)
            for parent in target.parents:  # a folder the new site has no file in goes too
                if parent == self.staging or any(parent.iterdir()):
                    break
                parent.rmdir()
        old = swap(self.out, self.staging, self.manifest)
        if old is not None and self.previous is not None:
            keep_spare(self.out, old, self.previous)
        elif old is not None:
            remove(old)
        if self.previous is None:
            return 0
        return len(set(self.previous.files) - set(self.manifest.files))


class InPlace(Output):
    """Updates a private output folder in place: for the preview, whose folder no one else
    reads and which is built afresh whenever the preview starts.

    The folder is its own base: it holds what the last build's record says. Changed files are
    written beside their place under a hidden name, and renamed over it only once every page
    has rendered, so a failed build changes nothing; but the folder is not switched whole,
    which for a whole new tree would cost a folder and a link per page on every save (seconds
    at 3,000 units).
    """

    def __init__(
        self, out: Path, previous: Manifest | None, hash_file: Callable[[Path], str] = file_hash
    ) -> None:
        super().__init__(out, out, previous, previous, hash_file)
        self.staged: list[str] = []
        self.written_runs: list[Written] = []  # groups recorded whole (`unchanged_group`)
        out.mkdir(exist_ok=True)

    def _known_folders(self) -> set[str]:
        # A file is staged under a hidden name beside its place, never over a file of the base:
        # a folder is made (or found) by one call the first time a build writes into it, rather
        # than every folder of the site worked out on every save (3 ms at 3,000 units).
        return {""}

    def _target(self, rel: str) -> Path:
        self.staged.append(rel)
        return super()._target(_beside(rel))

    def unchanged_group(self, pages: tuple[tuple[str, str], ...], text: dict) -> bool:
        # The folder is its own base: a page recorded as it is now is in place (`unchanged`),
        # so the whole group is recorded at once, or none of it; and written into the record
        # as it was written last time (`record.Written`): the same fingerprints, the same bytes.
        p = self.previous
        if p is None:
            return False
        recorded, files, sizes = p.pages, p.files, p.sizes
        if not all(recorded.get(rel) == f and rel in files for rel, f in pages):
            return False
        self.manifest.pages.update(pages)
        self.manifest.files.update({rel: files[rel] for rel, _ in pages})
        self.manifest.sizes.update({rel: sizes.get(rel, -1) for rel, _ in pages})
        self.written_runs.append((pages, text))
        return True

    def reset(self) -> None:
        super().reset()
        self.staged = []

    def share(self) -> tuple:
        return self.manifest, self.written, self.staged

    def merge(self, share: tuple) -> None:
        super().merge(share)
        self.staged += share[2]

    def discard(self) -> None:
        for rel in self.staged:
            (self.out / _beside(rel)).unlink(missing_ok=True)

    def publish(self) -> int:
        """Move the staged files into place, delete what the new site no longer has, record it."""
        for rel in self.staged:
            os.replace(self.out / _beside(rel), self.out / rel)
        self.staged = []
        removed = 0
        gone = set(self.previous.files) - set(self.manifest.files) if self.previous else set()
        for rel in sorted(gone):
            target = self.out / rel
            if target.is_file():
                target.unlink()
                removed += 1
                for parent in target.parents:
                    if parent == self.out or any(parent.iterdir()):
                        break
                    parent.rmdir()
        # a folder rebuilt at every start
        write_manifest(self.out, self.manifest, sync=False, written=self.written_runs)
        return removed


def _beside(rel: str) -> str:
    """The hidden name a file of the preview is written under before it takes its place."""
    folder, _, name = rel.rpartition("/")
    return f"{folder}/.{name}.new" if folder else f".{name}.new"


@dataclass(frozen=True)
class Job:
    """A page: where it goes, how to fingerprint it, and how to draw it.

    A one-off build fingerprints its pages where it draws them, in the workers: a page whose
    fingerprint is in the last build's record is kept from it there, without being drawn.
    """

    path: str
    fingerprint: Callable[[], str]
    draw: Callable[[], str]
    kind: str  # pages of a kind sit together in a worker's slice


def _place(job: Job, output: Output, root: Path) -> bool:
    """Keep the job's page from the last build if its fingerprint is the same, else draw it;
    True if it was drawn."""
    fingerprint = job.fingerprint()
    if output.unchanged(job.path, fingerprint):
        return False
    output.add(job.path, _drawn(job, root), fingerprint)
    return True


def _render_share(jobs: Sequence[Job], output: Output, root: Path, index: int, count: int) -> tuple:
    """Render share `index` of `count` in a forked worker; return its record entries, how many
    pages it drew, and the template's failure if one failed.

    Each worker takes a contiguous slice of each kind of page, not every other page: the units
    it renders then sit together in memory, and the pages of the parent's memory that a worker
    touches (and the kernel must copy, since even reading a Python object writes its reference
    count) are mostly its own. Interleaving made every worker copy nearly the whole model.
    """
    output.reset()
    kinds: dict[str, list[Job]] = {}
    for job in jobs:
        kinds.setdefault(job.kind, []).append(job)
    drawn = 0
    try:
        for j, group in enumerate(kinds.values()):
            # the slices of each kind turned by one worker: a kind of one page (the bulletin,
            # the lists of every unit) falls to each worker in turn, not all to the last
            k = (index + j) % count
            for job in group[len(group) * k // count : len(group) * (k + 1) // count]:
                drawn += _place(job, output, root)
    except RenderFailure as failure:
        return output.share(), drawn, (failure.mark, failure.message)
    return output.share(), drawn, None


def render(
    jobs: Sequence[Job],
    output: Output,
    root: Path,
    workers: int,
    prepare: Callable[[], object] | None = None,
    least: int | None = None,
) -> int:
    """Place every job in the output, over several processes from `least` jobs on (default
    PARALLEL_MIN); return how many pages were drawn. `prepare` does once, before the processes
    part, what each of them would otherwise do for itself (load the templates, say)."""
    if len(jobs) < (PARALLEL_MIN if least is None else least) or not forking.can_fork(workers):
        return sum(_place(job, output, root) for job in jobs)
    if prepare is not None:
        prepare()
    # Forked workers inherit the jobs; only their small record entries travel back by pipe.
    work = functools.partial(_render_share, jobs, output, root, count=workers)
    shares = forking.start(work, range(workers))()
    for share, _, _ in shares:  # a failed share too: what it staged is discarded with the rest
        output.merge(share)
    for _, _, problem in shares:
        if problem is not None:
            raise RenderFailure(*problem)
    return sum(drawn for _, drawn, _ in shares)


def make_files(makers: Sequence[Maker], output: Output, workers: int, units: int) -> None:
    """Add every file the makers make: from PARALLEL_DATA_MIN units on, this process and
    `workers - 1` forked ones take the makers in turn (so list the largest first), and each
    writes what it makes into the new tree itself; only the record entries travel back."""

    def share(index: int) -> tuple:
        if index:  # a forked process sends back its own record entries
            output.reset()
        for make in makers[index::workers]:
            for rel, data in make():
                output.add(rel, data)
        return output.share()

    if units < PARALLEL_DATA_MIN or not forking.can_fork(workers) or len(makers) < 2:
        workers = 1
    _, *others = forking.here_and_there(share, workers)  # ours are in `output` already
    for entries in others:
        output.merge(entries)
