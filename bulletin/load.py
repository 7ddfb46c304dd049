"""Walk a project's files through the readers and run the checks that span several files.

Every problem is recorded with the file, line and column of the offending value; reading goes on
after a problem so that staff see every mistake in one run.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from . import forking
from .cache import Look, ParseCache
from .inputs import check_inputs
from .model import DRAFT, Project, Rubric, ScoreSheet, SiteConfig, TextPage, Unit, Year, YearData
from .problems import Mark, Report
from .readers.files import Files, report_placeholder
from .readers.pages import read_page
from .readers.rubric import read_rubric
from .readers.scores import read_sheet
from .readers.site import read_site
from .readers.units import read_units
from .readers.year import check_attribute_labels, read_year, stand_in

YEAR_DIR = re.compile(r"[0-9]{4}")
# From this many score files in a year, a one-off build or check reads them in several processes.
PARALLEL_LOAD_MIN = 200
# How much more a score file read in a forked process costs, its result sent back included.
SENDING = 1.2

T = TypeVar("T")
R = TypeVar("R")


def load_project(
    root: Path,
    only_year: int | None = None,
    cache: ParseCache | None = None,
    walk: tuple[Report, dict[str, list[os.DirEntry]]] | None = None,
    workers: int | None = None,
) -> tuple[Project, Report]:
    """Read and validate a whole project (or one year of it).

    `workers`: how many processes may read the score files (default: one per CPU); without a
    cache (a one-off build or check) and with many files, they are read in forked processes.

    `walk`: what `inputs.check_inputs` reported and saw, if it has walked the input folders
    just now (the build does, for its stamp); else they are walked here.
    """
    fs = Files(root, cache=cache)
    if walk is None:
        check_inputs(fs.root, fs.report, fs.seen)
    else:
        fs.report.problems.extend(walk[0].problems)
        fs.seen = walk[1]
    site = read_site(fs)
    content = fs.root / "content"
    year_dirs = sorted(
        (p for p in content.iterdir() if p.is_dir() and YEAR_DIR.fullmatch(p.name))
        if content.is_dir()
        else [],
        reverse=True,
    )
    check_year_folders(fs, {p.name for p in year_dirs})
    years = []
    unread = []
    for folder in year_dirs:
        if only_year is not None and int(folder.name) != only_year:
            continue
        if (data := load_year(fs, folder, workers or os.cpu_count() or 1)) is not None:
            years.append(data)
        else:
            unread.append(int(folder.name))
    return Project(site or SiteConfig("", ""), tuple(years), tuple(unread)), fs.report


def check_year_folders(fs: Files, known: set[str]) -> None:
    """Every year folder of rubrics/ and scores/ needs its year in content/."""
    for top in ("rubrics", "scores"):
        folder = fs.root / top
        for p in sorted(folder.iterdir()) if folder.is_dir() else ():
            if p.is_dir() and p.name not in known:
                fs.report.error(
                    Mark(fs.rel(p)),
                    f"文件夹“{fs.rel(p)}”没有对应的年度设置 content/{p.name}/year.yaml。",
                )


def load_year(fs: Files, folder: Path, workers: int = 1) -> YearData | None:
    number = int(folder.name)
    year_file = folder / "year.yaml"
    year = None
    if not year_file.is_file():
        fs.report.error(
            Mark(fs.rel(year_file)),
            f"{number}年度缺少年度设置文件 year.yaml。{fs.case_hint(year_file)}",
        )
    else:
        year = read_year(fs, year_file, number)
    rubrics = load_rubrics(fs, fs.root / "rubrics" / folder.name)
    units_file = folder / "units.yaml"
    units: tuple[Unit, ...] = ()
    listed: set[str] | None = None
    if not units_file.is_file():
        fs.report.error(
            Mark(fs.rel(units_file)),
            f"{number}年度缺少单位名单 units.yaml。{fs.case_hint(units_file)}",
        )
    else:
        node = fs.yaml(units_file)
        key = (node, year, tuple(rubrics.items()))
        units, listed = fs.derive(
            "units", units_file, key, read_units, node, units_file, year, rubrics, fs.report
        )
    pending: list[tuple[Mark, str]] = []
    bulletin, pages = load_pages(fs, folder, pending)
    for mark, what in pending:
        report_placeholder(fs.report, mark, what, year is None or year.status == DRAFT)
    if year is None:
        # Check the scores anyway, with what can be known of the year: one mistake in year.yaml
        # must not hide the others of the year.
        known = stand_in(fs, year_file, number)
        load_sheets(fs, fs.root / "scores" / folder.name, known, units, listed, rubrics, workers)
        return None
    check_tie_break(year, units, rubrics, fs.report)
    check_attribute_labels(year, units, fs.report)
    check_lists(year, listed, fs.report)
    scores = fs.root / "scores" / folder.name
    sheets = load_sheets(fs, scores, year, units, listed, rubrics, workers)
    return YearData(year, units, rubrics, sheets, bulletin, pages)


def load_rubrics(fs: Files, folder: Path) -> dict[str, Rubric]:
    rubrics: dict[str, Rubric] = {}
    for path in fs.listing(folder, ".yaml"):
        node = fs.yaml(path)
        if node is None:
            continue
        if rubric := fs.derive("rubric", path, (node,), read_rubric, node, path, fs.report):
            rubrics[rubric.id] = rubric
    return rubrics


def load_sheets(
    fs: Files,
    folder: Path,
    year: Year,
    units: tuple[Unit, ...],
    listed: set[str] | None,
    rubrics: dict[str, Rubric],
    workers: int = 1,
) -> dict[str, ScoreSheet]:
    by_id = {u.id: u for u in units}
    paths = fs.listing(folder, ".yaml")
    names = [str(p).rpartition(os.sep)[2] for p in paths]  # Path.name, without its cost

    def read(path: Path) -> ScoreSheet | None:
        return load_sheet(fs, path, year, by_id, listed, rubrics)

    if fs.cache is None and len(paths) >= PARALLEL_LOAD_MIN and forking.can_fork(workers):
        # A one-off build or check: the files are read in several processes at once.
        found = shared_out(fs.report, paths, read, workers)
    else:
        before, now = fs.remembered("sheets", folder, (year, units, listed, *rubrics.values()))
        looks = fs.as_before(paths)
        found = [
            _recalled(fs, p, name, s, before, now, read)
            for p, name, s in zip(paths, names, looks, strict=True)
        ]
    sheets = {sheet.unit: sheet for sheet in found if sheet is not None}
    files = {name[: -len(".yaml")].lower() for name in names}  # the files' stems
    for unit in units:
        if unit.id not in files:
            message = (
                f"单位“{unit.name}”（{unit.id}）还没有评分文件 scores/{year.number}/{unit.id}.yaml"
            )
            if year.status == DRAFT:
                fs.report.warning(unit.mark, message + "，暂按“尚未评分”显示。")
            else:
                fs.report.error(unit.mark, message + "；已发布的年度每个单位都必须评分。")
    return sheets


def _recalled(
    fs: Files,
    path: Path,
    name: str,
    stamp: Look,
    before: dict,
    now: dict,
    read: Callable[[Path], ScoreSheet | None],
) -> ScoreSheet | None:
    """`read(path)`; in the preview, a file (`name`) whose size, times and inode are as they
    were (`stamp`, from `Files.as_before`), read with the same year, units and rubrics, gives the
    same sheet and problems without being looked into."""
    hit = before.get(name)
    if stamp is not None and hit is not None and hit[0] == stamp:
        _, problems, sheet = hit
        fs.report.problems.extend(problems)
    else:
        start = len(fs.report.problems)
        sheet = read(path)
        problems = fs.report.problems[start:]
    if stamp is not None:
        now[name] = (stamp, problems, sheet)
    return sheet


def shared_out(report: Report, items: Sequence[T], read: Callable[[T], R], workers: int) -> list[R]:
    """`read(item)` for every item, the first share in this process and one share in each of
    `workers - 1` forked ones; the problems each reports go into `report` in the items' order.

    This process's share is the larger, by what the others pay to send their results back
    (pickling and unpickling a score sheet costs a fifth of reading it).
    """
    weights = [SENDING, *[1.0] * (workers - 1)]
    bounds = [round(len(items) * sum(weights[:i]) / sum(weights)) for i in range(workers + 1)]
    shares = [items[a:b] for a, b in itertools.pairwise(bounds)]

    def share(index: int) -> tuple[list[R], list]:
        start = len(report.problems)
        return [read(item) for item in shares[index]], report.problems[start:]

    (found, _), *others = forking.here_and_there(share, workers)  # ours are in `report`
    for results, problems in others:
        found += results
        report.problems += problems
    return found


def load_sheet(
    fs: Files,
    path: Path,
    year: Year,
    by_id: dict[str, Unit],
    listed: set[str] | None,
    rubrics: dict[str, Rubric],
) -> ScoreSheet | None:
    stem = path.stem
    if stem != stem.lower() and stem.lower() in by_id:
        fs.report.error(
            Mark(fs.rel(path)),
            f"评分文件名“{path.name}”的大小写不对：单位编号是“{stem.lower()}”，"
            f"请把文件改名为“{stem.lower()}.yaml”（文件名一律用小写字母）。",
        )
        return None
    node = fs.yaml(path)
    if node is None:
        return None
    unit = by_id.get(stem)
    rubric = rubrics.get(unit.rubric) if unit else None
    key = (node, year, unit, rubric, listed is None or stem in listed)
    args = (node, path, year, by_id, listed, rubrics, fs.report)
    return fs.derive("sheet", path, key, read_sheet, *args)


def load_pages(
    fs: Files, folder: Path, pending: list[tuple[Mark, str]] | None = None
) -> tuple[TextPage | None, tuple[TextPage, ...]]:
    bulletin = None
    pages = []
    for path in fs.listing(folder, ".md"):
        page = read_page(fs, path, pending)
        if page is None:
            continue
        if path.stem == "bulletin":
            bulletin = page
        else:
            pages.append(page)
    if not (folder / "bulletin.md").is_file() and not fs.case_hint(folder / "bulletin.md"):
        fs.report.error(Mark(fs.rel(folder / "bulletin.md")), "缺少通报正文 bulletin.md。")
    return bulletin, tuple(pages)


def check_tie_break(
    year: Year, units: tuple[Unit, ...], rubrics: dict[str, Rubric], r: Report
) -> None:
    used = sorted({u.rubric for u in units if u.rubric in rubrics})
    for dim, mark in zip(year.tie_break, year.tie_break_marks, strict=True):
        missing = [rid for rid in used if dim not in {d.id for d in rubrics[rid].dimensions}]
        if missing:
            r.error(
                mark,
                f"tie_break 中的“{dim}”必须是本年度每个评分标准的一级指标，但评分标准 {'、'.join(missing)} 中没有。",
            )


def check_lists(year: Year, listed: set[str] | None, r: Report) -> None:
    if listed is None:
        return
    for entry in (*year.commendation.units, *year.rectification.units):
        if entry.unit not in listed:
            r.error(entry.mark, f"名单中的单位“{entry.unit}”不在本年度的单位名单 units.yaml 中。")
