"""The build: load and validate everything, score, render what changed, then publish it.

Nothing is written into the output folder until every input is valid and every page has
rendered: pages go to a staging folder first, and only then move into place. A page is
rendered again only when the digest of its inputs differs from the one recorded by the last
build in the manifest beside the output folder, and a file is replaced only when its bytes
differ, so an incremental build gives exactly the bytes of a clean one.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
from importlib import metadata
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import jinja2

from . import archive, opendata
from .archive import Archives, ArchivedYear, Correction
from .cache import ParseCache
from .load import load_project
from .model import DRAFT, FROZEN, Project, SiteConfig
from .problems import ArchiveError, DataError, Mark, Report
from .render import Page, Renderer
from .scoring import UnitScore, YearResults, assess_year
from .results_xlsx import results_xlsx

MANIFEST_VERSION = 1
INPUT_FOLDERS = ("content", "rubrics", "scores", "theme", "archive", "bulletin", "tests")


@dataclass
class BuildState:
    """What one process keeps between builds (the preview server): parsed files."""

    cache: ParseCache = field(default_factory=ParseCache)
    scores: dict[int, dict[str, UnitScore]] = field(default_factory=dict)  # per year, per unit


@dataclass
class BuildResult:
    report: Report
    years: list[YearResults] = field(default_factory=list)  # the years rendered (empty if up to date)
    built: list[int] = field(default_factory=list)  # years rendered now
    archived: list[int] = field(default_factory=list)  # frozen years copied from the archive
    units: int = 0
    files: int = 0  # files in the built site
    rendered: int = 0  # pages rendered in this build
    written: int = 0  # files whose bytes changed
    removed: int = 0  # files of the last build that no longer exist
    up_to_date: bool = False  # nothing changed since the last build
    timings: dict[str, float] = field(default_factory=dict)  # seconds per step, for benchmarks

    def lap(self, step: str, started: float) -> float:
        now = time.perf_counter()
        self.timings[step] = round(now - started, 3)
        return now

    def summary(self) -> str:
        years = "、".join(map(str, self.built)) or "无"
        frozen = f"，已存档年度 {'、'.join(map(str, self.archived))} 按存档原样发布" if self.archived else ""
        head = f"{len(self.built)} 个年度（{years}），{self.units} 个单位{frozen}，共 {self.files} 个文件"
        if self.up_to_date:
            return f"网站已是最新：{head}；输入文件自上次生成以来没有变化。"
        return f"已生成网站：{head}；本次渲染 {self.rendered} 页，更新 {self.written} 个文件，删除 {self.removed} 个。"


@dataclass
class Manifest:
    """The last build's record: each page's input digest and each file's content hash and size.

    `stamp` fingerprints every input file's name, size and modification time, the code and the
    options: when it is unchanged and every output file is still there, nothing can have changed
    and the build stops at once (like make), repeating the last build's warnings and summary.
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
    path = manifest_path(out)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("version") != MANIFEST_VERSION:
        return None
    return Manifest(
        dict(data.get("pages", {})), dict(data.get("files", {})), dict(data.get("sizes", {})),
        str(data.get("stamp", "")), list(data.get("warnings", [])), dict(data.get("summary", {})),
    )  # fmt: skip


def write_manifest(out: Path, manifest: Manifest) -> None:
    path = manifest_path(out)
    text = json.dumps(
        {"version": MANIFEST_VERSION, "pages": manifest.pages, "files": manifest.files, "sizes": manifest.sizes,
         "stamp": manifest.stamp, "warnings": manifest.warnings, "summary": manifest.summary},
        ensure_ascii=False, indent=0, sort_keys=True,
    )  # fmt: skip
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def input_stamp(root: Path, drafts: bool) -> str:
    """A digest of every input file's path, size and modification time, the code and options."""
    h = hashlib.blake2b(digest_size=16)
    h.update(f"{MANIFEST_VERSION}|{drafts}|{sys.version}".encode())
    for name in ("Jinja2", "Markdown", "nh3", "PyYAML", "MarkupSafe"):
        try:
            h.update(f"|{name}={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            h.update(f"|{name}=?".encode())
    folders = [root / name for name in ("content", "rubrics", "scores", "theme", "archive")]
    for folder in [*folders, Path(__file__).parent]:
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames.sort()
            for name in sorted(filenames):
                st = os.stat(os.path.join(dirpath, name))
                h.update(f"{dirpath}/{name}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


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


def quiet_drafts(project: Project, report: Report) -> None:
    """Drop the warnings about draft years that this build leaves out (`check` still shows them)."""
    drafts = {str(y.year.year) for y in project.years if y.year.status == DRAFT}
    report.problems = [
        p for p in report.problems
        if p.severity == "error" or p.mark.path.split("/")[1:2] not in ([d] for d in drafts)
    ]  # fmt: skip


def assess(project: Project, drafts: bool, state: BuildState | None = None) -> list[YearResults]:
    """Score and rank every year rendered in this build (frozen years come from the archive)."""
    return [
        assess_year(y, state.scores.setdefault(y.year.year, {}) if state else None)
        for y in project.years
        if (drafts or y.year.status != DRAFT) and y.year.status != FROZEN
    ]


def template_problem(exc: jinja2.TemplateError, root: Path) -> tuple[Mark, str]:
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
    return Mark(name or "theme/templates", line), f"模板错误：{exc.message or exc}"


def check_output_folder(root: Path, out: Path, previous: Manifest | None, report: Report) -> None:
    """Refuse an output folder whose replacement could destroy files the build did not make."""
    rel = out.as_posix()
    if root.is_relative_to(out) or any(out.is_relative_to(root / name) for name in INPUT_FOLDERS):
        report.error(Mark(rel), f"输出文件夹“{rel}”是项目本身或其输入文件夹，不能作为输出位置。")
    elif previous is None and out.is_dir() and any(out.iterdir()):
        report.error(
            Mark(rel),
            f"输出文件夹“{rel}”已有内容，但不是本工具生成的（旁边没有生成记录 {manifest_path(out).name}）。"
            "为避免误删文件，请先确认并删除该文件夹，或用 --out 指定一个新文件夹。",
        )


class Output:
    """Collects the files of the new site: unchanged ones stay, changed ones go to staging."""

    def __init__(self, out: Path, staging: Path, previous: Manifest | None) -> None:
        self.out, self.staging, self.previous = out, staging, previous
        self.manifest = Manifest()
        self.written = 0

    def unchanged(self, rel: str, fingerprint: str) -> bool:
        """Whether the page can be kept from the last build without rendering it."""
        p = self.previous
        if p is None or p.pages.get(rel) != fingerprint or rel not in p.files or not (self.out / rel).is_file():
            return False
        self.manifest.pages[rel] = fingerprint
        self.manifest.files[rel] = p.files[rel]
        self.manifest.sizes[rel] = p.sizes.get(rel, -1)
        return True

    def add(self, rel: str, data: bytes, fingerprint: str | None = None, verify: bool = False) -> None:
        """Add a file of the new site; `verify`: also compare the published copy's bytes, not only the record."""
        content_hash = hashlib.sha256(data).hexdigest()
        if fingerprint is not None:
            self.manifest.pages[rel] = fingerprint
        self.manifest.files[rel] = content_hash
        self.manifest.sizes[rel] = len(data)
        p = self.previous
        if p is not None and p.files.get(rel) == content_hash and (self.out / rel).is_file():
            if not verify or hashlib.sha256((self.out / rel).read_bytes()).hexdigest() == content_hash:
                return  # same bytes: never rewrite a file that did not change
        if rel.startswith("/") or ".." in rel.split("/") or "\\" in rel or ":" in rel:
            raise ValueError(f"refusing to write outside the output folder: {rel}")
        target = self.staging / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        self.written += 1

    def publish(self) -> int:
        """Move the staged files into place and delete what the new site no longer has."""
        if self.previous is None:
            # A clean build: swap the whole folder in (the old one is empty or was built by us).
            old = None
            if self.out.exists():
                old = self.out.with_name(f".{self.out.name}.old-{os.getpid()}")
                os.replace(self.out, old)
            os.replace(self.staging, self.out)
            write_manifest(self.out, self.manifest)
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
            return 0
        for path in sorted(self.staging.rglob("*")):
            if path.is_file():
                target = self.out / path.relative_to(self.staging)
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(path, target)
        removed = 0
        for rel in sorted(set(self.previous.files) - set(self.manifest.files)):
            target = self.out / rel
            if target.is_file():
                target.unlink()
                removed += 1
                for parent in target.parents:
                    if parent == self.out or any(parent.iterdir()):
                        break
                    parent.rmdir()
        write_manifest(self.out, self.manifest)
        return removed


PARALLEL_MIN = 400  # below this many pages, starting worker processes costs more than it saves
_work: tuple[Renderer, Output, list[tuple[Page, str]], Path] | None = None  # shared with forked workers


def _render_share(
    share: tuple[int, int],
) -> tuple[dict[str, str], dict[str, str], dict[str, int], int, tuple[Mark, str] | None]:
    """Render share `index` of `count` in a forked worker; return its manifest entries.

    Each worker takes a contiguous slice of each kind of page, not every other page: the units
    it renders then sit together in memory, and the pages of the parent's memory that a worker
    touches (and the kernel must copy, since even reading a Python object writes its reference
    count) are mostly its own. Interleaving made every worker copy nearly the whole model,
    which cost more system time than rendering on this project's virtual machines.
    """
    assert _work is not None
    renderer, output, todo, root = _work
    output.manifest, output.written = Manifest(), 0
    index, count = share
    kinds: dict[str, list[tuple[Page, str]]] = {}
    for entry in todo:
        kinds.setdefault(entry[0].template, []).append(entry)
    mine = [e for group in kinds.values() for e in group[len(group) * index // count : len(group) * (index + 1) // count]]
    try:
        for page, fingerprint in mine:
            output.add(page.path, renderer.render(page).encode("utf-8"), fingerprint)
    except jinja2.TemplateError as exc:
        return {}, {}, {}, 0, template_problem(exc, root)
    return output.manifest.pages, output.manifest.files, output.manifest.sizes, output.written, None


def render_pages(renderer: Renderer, output: Output, root: Path, jobs: int) -> int:
    """Render the pages whose inputs changed, over several processes where that pays."""
    todo = []
    for page in renderer.pages():
        fingerprint = renderer.fingerprint(page)
        if not output.unchanged(page.path, fingerprint):
            todo.append((page, fingerprint))
    forking = "fork" in multiprocessing.get_all_start_methods()
    if jobs < 2 or len(todo) < PARALLEL_MIN or not forking:
        for page, fingerprint in todo:
            output.add(page.path, renderer.render(page).encode("utf-8"), fingerprint)
        return len(todo)
    global _work
    _work = (renderer, output, todo, root)
    try:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            shares = pool.map(_render_share, [(i, jobs) for i in range(jobs)])
    finally:
        _work = None
    for pages, files, sizes, written, problem in shares:
        if problem is not None:
            raise RenderFailure(*problem)
        output.manifest.pages.update(pages)
        output.manifest.files.update(files)
        output.manifest.sizes.update(sizes)
        output.written += written
    return len(todo)


class RenderFailure(Exception):
    """A template failed in a worker process: where, and what it said."""

    def __init__(self, mark: Mark, message: str) -> None:
        super().__init__(message)
        self.mark, self.message = mark, message


def add_data_files(years: list[YearResults], output: Output, site: SiteConfig) -> None:
    for year in years:
        base = str(year.year.year)
        output.add(f"{base}/results.json", opendata.results_json(year).encode("utf-8"))
        output.add(f"{base}/results.csv", opendata.results_csv(year).encode("utf-8"))
        output.add(f"{base}/results.xlsx", results_xlsx(year, site))


def static_files(theme: Path) -> dict[str, bytes]:
    static = theme / "static"
    return {
        path.relative_to(static).as_posix(): path.read_bytes()
        for path in (sorted(static.rglob("*")) if static.is_dir() else [])
        if path.is_file()
    }


def add_static_files(theme: Path, years: list[YearResults], output: Output) -> None:
    """The theme's files for the site's own pages, and a copy in each year's folder.

    Each year links its own copy, so that a frozen year keeps the look it was published with.
    """
    files = static_files(theme)
    for prefix in ["", *(f"{y.year.year}/" for y in years)]:
        for name, data in files.items():
            output.add(f"{prefix}static/{name}", data)


def add_archived_files(root: Path, archives: Archives, output: Output) -> None:
    for archived in archives.versions:
        folder = root / "archive" / archived.folder
        for name in [*archived.files, archive.MANIFEST]:  # the manifest too, for anyone to verify
            # verify: a copy of a frozen page edited in the output is put back as archived.
            output.add(f"{archived.folder}/{name}", (folder / name).read_bytes(), verify=True)


def make_renderer(root: Path, project: Project, years: list[YearResults], archives: Archives,
                  corrections: dict[int, tuple[Correction, ...]] | None = None) -> Renderer:  # fmt: skip
    return Renderer(root / "theme", project.site, years, archives.current, archives.standings, corrections)


def build_site(
    root: Path,
    out: Path,
    drafts: bool = False,
    state: BuildState | None = None,
    full: bool = False,
    jobs: int | None = None,
) -> BuildResult:
    """Build the site into `out`; on any error leave `out` exactly as it was."""
    root, out = root.resolve(), out.resolve()
    jobs = jobs or os.cpu_count() or 1
    stamp = input_stamp(root, drafts)
    previous = None if full or not out.is_dir() else read_manifest(out)
    if up_to_date(out, previous, stamp):
        assert previous is not None
        report = Report()
        for path, line, col, message in previous.warnings:
            report.warning(Mark(path, line, col), message)
        return BuildResult(report, up_to_date=True, files=len(previous.files), **previous.summary)
    with quiet_collector():
        return _build(root, out, drafts, state, jobs, stamp, previous)


@contextlib.contextmanager
def quiet_collector() -> Iterator[None]:
    """Keep Python's cycle collector off while the model grows, and off the model afterwards.

    Loading and scoring allocate millions of small acyclic objects; collecting while they pile
    up cost a third of the build at 10,000 units. Once the model is built it is frozen out of
    the collector's sight (`settle`), the collector runs again for the rendering's garbage, and
    at the end the model is handed back so a long-running preview can free it.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.unfreeze()
        if enabled:
            gc.enable()


def settle() -> None:
    gc.freeze()
    gc.enable()


def _build(root: Path, out: Path, drafts: bool, state: BuildState | None, jobs: int, stamp: str,
           previous: Manifest | None) -> BuildResult:  # fmt: skip
    started = time.perf_counter()
    # A one-off build keeps no parsed files: at 10,000 units they would hold ~150 MB for nothing.
    project, report = load_project(root, cache=state.cache if state else None)
    archives = archive.check_archives(root, project, report)
    if not drafts:
        quiet_drafts(project, report)
    result = BuildResult(report)
    started = result.lap("load", started)
    check_output_folder(root, out, read_manifest(out), report)
    if report.errors:
        return result
    result.years = assess(project, drafts, state)
    result.built = [y.year.year for y in result.years]
    result.units = sum(len(y.units) for y in result.years)
    result.archived = [a.year for a in archives.current]
    started = result.lap("score", started)
    renderer = make_renderer(root, project, result.years, archives)
    settle()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    try:
        output = Output(out, staging, previous)
        try:
            result.rendered = render_pages(renderer, output, root, jobs)
            started = result.lap("render", started)
        except jinja2.TemplateError as exc:
            report.error(*template_problem(exc, root))
            return result
        except RenderFailure as exc:
            report.error(exc.mark, exc.message)
            return result
        add_data_files(result.years, output, project.site)
        add_static_files(root / "theme", result.years, output)
        add_archived_files(root, archives, output)
        output.manifest.stamp = stamp
        output.manifest.warnings = [[p.mark.path, p.mark.line, p.mark.col, p.message] for p in report.warnings]
        output.manifest.summary = {"built": result.built, "archived": result.archived, "units": result.units}
        started = result.lap("data", started)
        result.removed = output.publish()
        result.files, result.written = len(output.manifest.files), output.written
        result.lap("publish", started)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return result


# -- freezing and correcting -------------------------------------------------------------------


def year_files(root: Path, project: Project, archives: Archives, number: int,
               corrections: tuple[Correction, ...] = ()) -> dict[str, bytes]:  # fmt: skip
    """Render one year exactly as a build would place it in site/<YEAR>/, marked frozen."""
    years = assess(project, drafts=False)
    target = next(y for y in project.years if y.year.year == number)
    frozen = assess_year(replace(target, year=replace(target.year, status=FROZEN)))
    years = [frozen, *(y for y in years if y.year.year != number)]
    # The year is rendered anew here: its archived versions (when correcting) must not count twice.
    others = Archives([a for a in archives.versions if a.year != number],
                      [s for s in archives.standings if s.year != number])  # fmt: skip
    renderer = make_renderer(root, project, years, others, {number: corrections})
    prefix = f"{number}/"
    files = {}
    for page in renderer.pages():
        if page.path.startswith(prefix):
            files[page.path.removeprefix(prefix)] = renderer.render(page).encode("utf-8")
    files["results.json"] = opendata.results_json(frozen).encode("utf-8")
    files["results.csv"] = opendata.results_csv(frozen).encode("utf-8")
    files["results.xlsx"] = results_xlsx(frozen, project.site)
    for name, data in static_files(root / "theme").items():
        files[f"static/{name}"] = data
    return dict(sorted(files.items()))


def _prepare(root: Path, number: int) -> tuple[Project, Archives]:
    project, report = load_project(root)
    archives = archive.check_archives(root, project, report)
    if report.errors:
        raise DataError(report)
    if not any(y.year.year == number for y in project.years):
        raise ArchiveError(f"没有 {number} 年度（content/{number}/year.yaml）。")
    return project, archives


def _archived_year(project: Project, number: int, files: dict[str, bytes], version: int, frozen: str,
                   corrections: tuple[Correction, ...], sources: dict[str, str]) -> ArchivedYear:  # fmt: skip
    data = next(y for y in project.years if y.year.year == number)
    year = data.year
    return ArchivedYear(
        str(number), number, version, frozen, year.title,
        data.bulletin.title if data.bulletin else year.title,
        (data.bulletin.date if data.bulletin and data.bulletin.date else year.date).isoformat(),  # type: ignore[union-attr]
        {c.id: c.title for c in year.categories},
        {r.id: format(r.total, "f") for r in data.rubrics.values()},
        corrections,
        {name: archive.sha256(blob) for name, blob in files.items()},
        sources,
    )  # fmt: skip


def freeze_year(root: Path, number: int, day: str | None = None) -> ArchivedYear:
    """Render a published year one last time into archive/<YEAR>/ and mark it frozen."""
    root = root.resolve()
    project, archives = _prepare(root, number)
    status = next(y.year.status for y in project.years if y.year.year == number)
    if status != "published":
        raise ArchiveError(f"只能冻结已发布（published）的年度；{number}年度的状态是 {status}。")
    folder = root / "archive" / str(number)
    if folder.exists():
        raise ArchiveError(f"archive/{number}/ 已经存在：这一年度已冻结过。如需更正，请用 correct 命令。")
    year_file = root / "content" / str(number) / "year.yaml"
    marked = archive.with_status(year_file, FROZEN)  # fails before anything is written
    files = year_files(root, project, archives, number)
    sources = archive.source_hashes(root, number, {f"content/{number}/year.yaml": marked})
    archived = _archived_year(project, number, files, 1, day or archive.today(), (), sources)
    archive.write_archive(folder, files, archived)
    year_file.write_bytes(marked)
    return archived


def correct_year(root: Path, number: int, reason: str, day: str | None = None) -> ArchivedYear:
    """Publish a corrected version of a frozen year; the version it replaces stays as it was."""
    root = root.resolve()
    reason = reason.strip().rstrip("。")
    if not reason:
        raise ArchiveError("更正必须写明原因（--reason）。")
    project, archives = _prepare(root, number)
    current = next((a for a in archives.current if a.year == number), None)
    if current is None:
        raise ArchiveError(f"{number}年度还没有冻结，不需要更正：直接修改数据后重新生成即可。")
    # A correction corrects the year's data or texts: a new theme or code alone is no reason
    # to republish a frozen year, and identical pages would be no correction at all.
    if current.sources and not archive.changed_sources(root, current):
        raise ArchiveError(
            f"{number}年度的数据和文字自冻结以来没有改动，没有需要更正的内容。请先修改数据或文字，再运行 correct。"
        )
    unchanged = year_files(root, project, archives, number, current.corrections)
    if {n: archive.sha256(b) for n, b in unchanged.items()} == current.files:
        raise ArchiveError(f"{number}年度的数据和文字与存档完全相同，没有需要更正的内容。请先修改数据，再运行 correct。")
    previous = f"{number}-v{current.version}"
    correction = Correction(current.version + 1, day or archive.today(), reason, previous)
    corrections = (*current.corrections, correction)
    files = year_files(root, project, archives, number, corrections)
    sources = archive.source_hashes(root, number)
    archived = _archived_year(project, number, files, current.version + 1, current.frozen, corrections, sources)
    archive.publish_version(root, current, files, archived)  # writes the new version, then moves both
    return archived
