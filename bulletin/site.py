"""The build: load and validate everything, score, render what changed, then publish it.

Nothing is written into the output folder until every input is valid and every page has
rendered: pages go to a staging folder first, and only then move into place (see `writer`).
A page is rendered again only when its fingerprint differs from the one in the last build's
record (see `record`), so an incremental build gives exactly the bytes of a clean one.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from . import archive, opendata, publish, release, render, search, signing, writer
from .archive import Archives
from .cache import file_hash
from .history import Standing
from .inputs import check_inputs
from .load import load_project
from .model import DRAFT, FROZEN, INPUT_FOLDERS, Project, SiteConfig
from .pages import Pages
from .problems import Mark, Report
from .record import (
    Manifest,
    input_stamp,
    manifest_path,
    read_manifest,
    record_look,
    up_to_date,
)
from .results_xlsx import results_xlsx
from .reuse import BuildState, MetGroup, assess
from .scoring import YearResults
from .writer import InPlace, Job, Output, RenderFailure

__all__ = ["BuildResult", "BuildState", "build_site", "manifest_path"]


@dataclass
class BuildResult:
    report: Report
    years: list[YearResults] = field(
        default_factory=list
    )  # the years rendered (empty if up to date)
    built: list[int] = field(default_factory=list)  # years rendered now
    archived: list[int] = field(default_factory=list)  # frozen years copied from the archive
    left_out: list[int] = field(default_factory=list)  # draft years a build without --drafts skips
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
        frozen = (
            f"，已存档年度 {'、'.join(map(str, self.archived))} 按存档原样发布"
            if self.archived
            else ""
        )
        head = f"{len(self.built)} 个年度（{years}），{self.units} 个单位{frozen}，共 {self.files} 个文件"
        if self.up_to_date:
            text = f"网站已是最新：{head}；输入文件自上次生成以来没有变化。"
        else:
            text = f"已生成网站：{head}；本次渲染 {self.rendered} 页，更新 {self.written} 个文件，删除 {self.removed} 个。"
        if self.left_out:
            drafts = "、".join(map(str, self.left_out))
            text += (
                f"\n草稿年度 {drafts} 没有包含在内：要预览草稿，请用 python build.py serve"
                "，或 python build.py build --drafts --out 预览文件夹。"
            )
        return text


def build_site(
    root: Path,
    out: Path,
    drafts: bool = False,
    state: BuildState | None = None,
    full: bool = False,
    jobs: int | None = None,
    allow_future: bool = False,
) -> BuildResult:
    """Build the site into `out`; on any error leave `out` exactly as it was.

    A published year dated after today is refused unless `allow_future`; a build with drafts
    (a preview) that allows it marks its pages with a banner instead.
    """
    root, out = root.resolve(), out.resolve()
    publish.recover(out)  # before any record is read: a killed build's switch is finished first
    # The input folders are walked once: for bad names and files here, for the stamp, and the
    # readers list them from this walk (`Files.seen`).
    walked, seen = Report(), {}
    check_inputs(root, walked, seen)
    stamp = input_stamp(root, drafts, seen)
    if drafts:  # the banner of a year shown before its date goes when the date comes
        stamp += f"|{date.today().isoformat()}|{allow_future}"
    previous = None if full or not out.is_dir() else last_record(out, state)
    if previous is not None and up_to_date(out, previous, stamp):
        report = Report()
        for path, line, col, message in previous.warnings:
            report.warning(Mark(path, line, col), message)
        return BuildResult(report, up_to_date=True, files=len(previous.files), **previous.summary)
    with quiet_collector():
        return _build(
            root,
            out,
            drafts,
            state,
            jobs or os.cpu_count() or 1,
            stamp,
            previous,
            allow_future,
            (walked, seen),
        )


def _build(
    root: Path,
    out: Path,
    drafts: bool,
    state: BuildState | None,
    jobs: int,
    stamp: str,
    previous: Manifest | None,
    allow_future: bool = False,
    walk: tuple[Report, dict[str, list[os.DirEntry]]] | None = None,
) -> BuildResult:
    started = time.perf_counter()
    # A one-off build keeps no parsed files: at 10,000 units they would hold ~150 MB for nothing.
    cache = state.cache if state else None
    project, report = load_project(root, cache=cache, walk=walk, workers=jobs)
    archives = archive.check_archives(root, project, report, hash_file(state))
    if not drafts:
        quiet_drafts(project, report)
    if not allow_future:
        release.refuse_early(root, project, report)
    ours = previous if previous is not None else read_manifest(out)  # a full build reads it here
    check_output_folder(root, out, ours, report)
    result = BuildResult(report)
    started = result.lap("load", started)
    if report.errors:
        return result
    result.years = live_years(project, drafts, state)
    result.built = [y.year.number for y in result.years]
    result.units = sum(len(y.units) for y in result.years)
    result.archived = [a.year for a in archives.current]
    if not drafts:
        result.left_out = [y.year.number for y in project.years if y.year.status == DRAFT]
    started = result.lap("score", started)
    parts = state.parts if state else None
    if parts is not None:
        parts.next_build()
    early = release.ahead(project) if drafts else {}
    site_pages = Pages(result.years, archives.current, archives.standings, parts=parts, ahead=early)
    pages = list(site_pages.groups())
    settle()
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        with publish.locked(out):
            args = (project, archives, pages, site_pages.live, result, stamp, previous, jobs, state)
            return _publish(root, out, *args, started)
    except publish.Busy:
        report.error(
            Mark(out.as_posix()), "另一个生成过程正在写入这个输出文件夹，请等它结束后再运行。"
        )
        return result


def _publish(
    root: Path,
    out: Path,
    project: Project,
    archives: Archives,
    pages: list[tuple[render.Page, ...]],
    live: dict[int, list[Standing]],
    result: BuildResult,
    stamp: str,
    previous: Manifest | None,
    jobs: int,
    state: BuildState | None,
    started: float,
) -> BuildResult:
    """Build the complete new site beside the output folder, then switch it in whole."""
    report = result.report
    for path in publish.leftovers(out):  # ours, and dead: we hold the lock
        publish.remove(path)
    # A preview updates its private folder in place; any other build switches in a new tree.
    if state is not None and state.in_place:
        output: Output = InPlace(out, previous, hash_file(state))
    else:
        spare = None if previous is None else publish.take_spare(out)
        staging, base = spare or (publish.new_staging(out), None)
        output = Output(out, staging, previous, base, hash_file(state))
    try:
        try:
            result.rendered = render_changed(root, project, pages, output, jobs, state)
        except RenderFailure as exc:
            report.error(exc.mark, exc.message)
            return result
        # Drawn: the views only pages held go before the open data is made (at 10,000 units
        # they are tens of MB, and the open data's peak is the build's).
        pages.clear()
        started = result.lap("render", started)
        # The open data and the search index, shared with a forked process in a large one-off
        # build (the preview keeps their parts in this process).
        makers = data_makers(result.years, archives, live, project.site, state)
        writer.make_files(makers, output, 1 if state else jobs, result.units)
        add_static_files(root / "theme", result.years, output)
        add_archived_files(root, archives, output)
        output.manifest.stamp = stamp
        output.manifest.warnings = [
            [p.mark.path, p.mark.line, p.mark.col, p.message] for p in report.warnings
        ]
        output.manifest.summary = {
            "built": result.built,
            "archived": result.archived,
            "left_out": result.left_out,
            "units": result.units,
        }
        started = result.lap("data", started)
        result.removed = output.publish()
        if state is not None:
            state.written = record_look(out), output.manifest
        result.files, result.written = len(output.manifest.files), output.written
        result.lap("publish", started)
    finally:
        output.discard()
    return result


# -- the steps ---------------------------------------------------------------------------------


def hash_file(state: BuildState | None) -> archive.HashFile:
    """How a build hashes archived and published files: the preview remembers them by stat."""
    return state.hashes if state is not None else file_hash


def last_record(out: Path, state: BuildState | None) -> Manifest | None:
    """The last build's record: the one this process wrote, while its file is still that one
    (the preview's saves skip reading 1 MB of JSON at 3,000 units), or else read from its file."""
    if state is not None and state.written is not None:
        look, manifest = state.written
        if look is not None and look == record_look(out):
            return manifest
    return read_manifest(out)


def quiet_drafts(project: Project, report: Report) -> None:
    """Drop the warnings about draft years that this build leaves out (`check` still shows them)."""
    drafts = {str(y.year.number) for y in project.years if y.year.status == DRAFT}
    report.problems = [
        p
        for p in report.problems
        if p.severity == "error" or p.mark.path.split("/")[1:2] not in ([d] for d in drafts)
    ]


def check_output_folder(root: Path, out: Path, previous: Manifest | None, report: Report) -> None:
    """Refuse an output folder whose replacement could destroy files the build did not make."""
    rel = out.as_posix()
    if root.is_relative_to(out) or any(
        out.is_relative_to(root / name) for name in (*INPUT_FOLDERS, "bulletin", "tests")
    ):
        report.error(Mark(rel), f"输出文件夹“{rel}”是项目本身或其输入文件夹，不能作为输出位置。")
    elif previous is None and out.is_dir() and any(out.iterdir()):
        report.error(
            Mark(rel),
            f"输出文件夹“{rel}”已有内容，但不是本工具生成的（旁边没有生成记录 {manifest_path(out).name}）。"
            "为避免误删文件，请先确认并删除该文件夹，或换一个新文件夹：python build.py build --out 新文件夹名。",
        )


def live_years(
    project: Project, drafts: bool, state: BuildState | None = None
) -> list[YearResults]:
    """Score and rank every year rendered in this build (frozen years come from the archive)."""
    return [
        assess(y, state)
        for y in project.years
        if (drafts or y.year.status != DRAFT) and y.year.status != FROZEN
    ]


def render_changed(
    root: Path,
    project: Project,
    groups: list[tuple[render.Page, ...]],
    output: Output,
    jobs: int,
    state: BuildState | None,
) -> int:
    """Render the pages whose fingerprint changed since the last build; return how many."""
    env = render.environment(root / "theme")
    theme = render.theme_digest(root / "theme")
    site = project.site
    digests = render.Digests(state.digests if state else None)
    todo = []
    if state is None:  # a one-off build: each page is fingerprinted where it is drawn
        pages = [page for group in groups for page in group]
        for page in pages:
            fingerprint = functools.partial(render.fingerprint, page, site, theme, digests)
            draw = functools.partial(render.draw, env, page, site)
            todo.append(Job(page.path, fingerprint, draw, page.kind))
        if output.previous:  # after an edit most pages are kept: a job is mostly its fingerprint
            return writer.render(todo, output, root, jobs, least=writer.PARALLEL_MIN_KEEPING)
        # Every page is to be drawn: the templates and Markdown are loaded once, before the
        # workers part, rather than by each of them.
        templates = {page.template for page in pages}
        return writer.render(todo, output, root, jobs, lambda: render.prepare(env, templates))
    # The preview's pages are the same objects while their views are (`Pages.kept`): so is
    # their fingerprint, while the theme and the site's settings are the same. What it keeps
    # is kept in this process, so its pages are fingerprinted here.
    # A group of pages met last time as this very object, every page of which the last build
    # recorded as it is now, is passed over whole: at 3,000 units a save meets 6,000 pages, of
    # which it redraws some 40.
    known, fingerprints = state.fingerprints, {}
    # A group passed over keeps its entries of the record as written out last time: its pages'
    # fingerprints are as recorded, and the same fingerprint draws the same bytes.
    met, groups_now = state.groups, {}
    site_digest = digests.of(site)
    for group in groups:
        last = met.get(id(group))
        if (
            last is not None
            and last.group is group
            and last.theme == theme
            and last.site == site_digest
            and output.unchanged_group(last.pages, last.record)
        ):
            fingerprints.update(last.fingerprints)
            digests.used.update(last.digests)
            for path, _ in last.pages:
                state.parts.keep_drawn(path)
            groups_now[id(group)] = last
            continue
        for page in group:
            hit = known.get(id(page))
            if hit is not None and hit[0] is page and hit[1] == theme and hit[2] == site_digest:
                fingerprint = hit[3]
                digests.keep(page.view)
            else:
                fingerprint = render.fingerprint(page, site, theme, digests)
            fingerprints[id(page)] = (page, theme, site_digest, fingerprint)
            if output.unchanged(page.path, fingerprint):
                state.parts.keep_drawn(page.path)
                continue
            draw = functools.partial(render.draw, env, page, site)
            # what drawing it asks for, kept while it stays
            draw = functools.partial(state.parts.drawing, page.path, draw)
            todo.append(Job(page.path, lambda f=fingerprint: f, draw, page.kind))
        if len(group) > 1:
            groups_now[id(group)] = MetGroup(
                group,
                theme,
                site_digest,
                tuple((page.path, fingerprints[id(page)][3]) for page in group),
                {id(page): fingerprints[id(page)] for page in group},
                {id(v): d for v in (page.view for page in group) if (d := digests.used.get(id(v)))},
                {},
            )
    with render.keeping(env, state.parts):
        drawn = writer.render(todo, output, root, jobs, least=writer.PARALLEL_MIN_KEEPING)
    state.digests = digests.used  # what this build digested: kept while it is reused
    state.fingerprints = fingerprints
    state.groups = groups_now
    return drawn


def data_files(
    year: YearResults, site: SiteConfig, state: BuildState | None = None
) -> dict[str, Callable[[], bytes]]:
    """What makes each file of a year's open data, by file name: as a build publishes it and as
    a freeze archives it. Each file is made when it is asked for, so that only one of them is
    held at a time (at 10,000 units the three held together were 46 MB).

    The preview keeps each unit's JSON text, CSV line and workbook rows while its score and result
    are the same, and a category's whole while its ranking is (`BuildState.by_category`).
    """
    record, line, kept = (
        (
            state.by_category("json", year.rankings, state.record),
            state.by_category("csv", year.rankings, state.line),
            state.parts.get,
        )
        if state
        else (opendata.record_json, None, None)
    )
    return {
        "results.json": lambda: opendata.results_json(year, record).encode("utf-8"),
        "results.csv": lambda: opendata.results_csv(year, line).encode("utf-8"),
        "results.xlsx": lambda: results_xlsx(year, site, kept),
    }


def data_makers(
    years: list[YearResults],
    archives: Archives,
    live: dict[int, list[Standing]],
    site: SiteConfig,
    state: BuildState | None,
) -> list[writer.Maker]:
    """What makes each year's open data and the search index, the largest first, so that
    shared out in turn each process gets about as much to make (at 10,000 units, on a busy
    machine: results.xlsx 0.6-0.9 s, the search index 0.6 s, results.json and results.csv
    0.4-0.6 s each)."""

    def one(rel: str, make: Callable[[], bytes]) -> writer.Maker:
        return lambda: [(rel, make())]

    by_name: dict[str, list[writer.Maker]] = {}
    for y in years:
        for name, make in data_files(y, site, state).items():
            by_name.setdefault(name, []).append(one(f"{y.year.number}/{name}", make))
    return [
        *by_name.get("results.xlsx", []),
        lambda: search_index(years, archives, live, state),
        *by_name.get("results.json", []),
        *by_name.get("results.csv", []),
    ]


def search_index(
    years: list[YearResults],
    archives: Archives,
    live: dict[int, list[Standing]],
    state: BuildState | None,
) -> list[tuple[str, bytes]]:
    """One index of every year at the site's root: never in a year's folder, so never archived."""
    titles = {a.year: a.bulletin_title for a in archives.current}
    kept = (
        state.by_category("search", (k for y in years for k in y.rankings), state.search_text)
        if state
        else None
    )
    files = search.search_files(years, archives.standings, titles, kept, live)
    return [(path, text.encode("utf-8")) for path, text in files.items()]


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
    for prefix in ["", *(f"{y.year.number}/" for y in years)]:
        for name, data in files.items():
            output.add(f"{prefix}static/{name}", data)


def add_archived_files(root: Path, archives: Archives, output: Output) -> None:
    """Each archived version as archived, with its manifest and signature, and the public keys."""
    for rel, data in signing.published_keys(root).items():
        output.add(rel, data)
    for archived in archives.versions:
        folder = root / "archive" / archived.folder
        # the manifest and its signature too, for anyone to verify
        for name, content_hash in archived.files.items():  # checked against them by `archive`
            # a copy of a frozen page edited in the output is put back as archived
            output.add_copy(f"{archived.folder}/{name}", folder / name, content_hash)
        for name in [archive.MANIFEST, signing.SIGNATURE]:
            output.add(f"{archived.folder}/{name}", (folder / name).read_bytes(), verify=True)


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
