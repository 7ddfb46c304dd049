"""The freeze and correct commands: render a year once more into the archive, for good."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from . import archive, archiving, atomic, render, signing
from .archive import Archives
from .load import load_project
from .model import FROZEN, PUBLISHED, ArchivedYear, Correction, Project
from .pages import Pages
from .problems import ArchiveError, DataError, Report
from .scoring import assess_year
from .site import data_files, live_years, static_files
from .values import ID


def year_files(
    root: Path,
    project: Project,
    archives: Archives,
    number: int,
    corrections: tuple[Correction, ...] = (),
) -> dict[str, bytes]:
    """Render one year exactly as a build would place it in site/<YEAR>/, marked frozen."""
    target = next(y for y in project.years if y.year.number == number)
    frozen = assess_year(replace(target, year=replace(target.year, status=FROZEN)))
    years = [frozen, *(y for y in live_years(project, drafts=False) if y.year.number != number)]
    # The year is rendered anew here: its archived versions (when correcting) must not count twice.
    others = [a for a in archives.versions if a.year != number]
    standings = [s for s in archives.standings if s.year != number]
    pages = Pages(years, others, standings, {number: corrections})
    env = render.environment(root / "theme")
    prefix = f"{number}/"
    files = {}
    for page in pages:
        if page.path.startswith(prefix):
            files[page.path.removeprefix(prefix)] = render.draw(env, page, project.site).encode(
                "utf-8"
            )
    files.update((name, make()) for name, make in data_files(frozen, project.site).items())
    for name, data in static_files(root / "theme").items():
        files[f"static/{name}"] = data
    return dict(sorted(files.items()))


def _prepare(root: Path, number: int) -> tuple[Project, Archives]:
    project, report = load_project(root)
    archives = archive.check_archives(root, project, report)
    if report.errors:
        raise DataError(report)
    if not any(y.year.number == number for y in project.years):
        raise ArchiveError(f"没有 {number} 年度（content/{number}/year.yaml）。")
    return project, archives


def _archived_year(
    project: Project,
    number: int,
    files: dict[str, bytes],
    version: int,
    frozen: str,
    corrections: tuple[Correction, ...],
    sources: dict[str, str],
) -> ArchivedYear:
    data = next(y for y in project.years if y.year.number == number)
    year = data.year
    day = data.date  # the bulletin's date, else the year's
    return ArchivedYear(
        str(number),
        number,
        version,
        frozen,
        year.title,
        data.title,
        day.isoformat() if day else "",
        {c.id: c.title for c in year.categories},
        {r.id: format(r.total, "f") for r in data.rubrics.values()},
        corrections,
        {name: archive.sha256(blob) for name, blob in files.items()},
        sources,
    )


def freeze_year(
    root: Path, number: int, day: str | None = None, key: Path | None = None
) -> ArchivedYear:
    """Render a published year one last time into archive/<YEAR>/ and mark it frozen."""
    root = root.resolve()
    archiving.recover(root)
    if (unfinished := archive.unfinished_freeze(root, number)) is not None:
        archived, marked = unfinished  # a freeze killed before year.yaml was rewritten: finish it
        atomic.write_bytes(root / "content" / str(number) / "year.yaml", marked)
        return archived
    project, archives = _prepare(root, number)
    status = next(y.year.status for y in project.years if y.year.number == number)
    if status != PUBLISHED:
        raise ArchiveError(f"只能冻结已发布（published）的年度；{number}年度的状态是 {status}。")
    folder = root / "archive" / str(number)
    if folder.exists():
        raise ArchiveError(
            f"archive/{number}/ 已经存在：这一年度已冻结过。"
            f'如需更正，请用 python build.py correct {number} --reason "更正原因"。'
        )
    year_file = root / "content" / str(number) / "year.yaml"
    marked = archive.with_status(year_file, FROZEN)  # fails before anything is written
    files = year_files(root, project, archives, number)
    sources = archive.source_hashes(root, number, {f"content/{number}/year.yaml": marked})
    archived = _archived_year(project, number, files, 1, day or archive.today(), (), sources)
    secret = signing.secret_for(root, key)  # before anything is written
    archiving.write_archive(folder, files, archived, secret)
    atomic.write_bytes(year_file, marked)  # a kill before this is finished by the next freeze
    return archived


def correct_year(
    root: Path, number: int, reason: str, day: str | None = None, key: Path | None = None
) -> ArchivedYear:
    """Publish a corrected version of a frozen year; the version it replaces stays as it was."""
    root = root.resolve()
    reason = reason.strip().rstrip("。")
    if not reason:
        raise ArchiveError("更正必须写明原因（--reason）。")
    # A correction killed between its two renames is finished first, and that was this command.
    for finished in archiving.recover(root):
        if finished.year == number:
            return finished
    project, archives = _prepare(root, number)
    current = next((a for a in archives.current if a.year == number), None)
    if current is None:
        raise ArchiveError(
            f"{number}年度还没有冻结，不需要更正：直接修改数据后用 python build.py build 重新生成即可。"
        )
    # A correction corrects the year's data or texts: a new theme or code alone is no reason
    # to republish a frozen year, and identical pages would be no correction at all.
    if current.sources and not archive.changed_sources(root, current):
        raise ArchiveError(
            f'{number}年度的数据和文字自冻结以来没有改动，没有需要更正的内容。请先修改数据或文字，再运行 python build.py correct {number} --reason "更正原因"。'
        )
    unchanged = year_files(root, project, archives, number, current.corrections)
    if {n: archive.sha256(b) for n, b in unchanged.items()} == current.files:
        raise ArchiveError(
            f'{number}年度的数据和文字与存档完全相同，没有需要更正的内容。请先修改数据，再运行 python build.py correct {number} --reason "更正原因"。'
        )
    previous = f"{number}-v{current.version}"
    correction = Correction(current.version + 1, day or archive.today(), reason, previous)
    corrections = (*current.corrections, correction)
    files = year_files(root, project, archives, number, corrections)
    sources = archive.source_hashes(root, number)
    archived = _archived_year(
        project, number, files, current.version + 1, current.frozen, corrections, sources
    )
    secret = signing.secret_for(root, key)  # before anything is written
    # writes the new version, then moves both
    archiving.publish_version(root, current, files, archived, secret)
    return archived


def sign_archives(root: Path, key: Path | None = None) -> list[str]:
    """Sign every archived version whose manifest has no valid signature; return their folders.

    Only a version whose every file still matches its manifest is signed: a signature vouches
    for the manifest, so it must never be put on one that no longer describes the archive.
    """
    root = root.resolve()
    secret = signing.secret_for(root, key)
    keys = signing.public_keys(root)
    base = root / "archive"
    signed = []
    for folder in sorted(base.iterdir()) if base.is_dir() else []:
        if folder.name.startswith(".") or not folder.is_dir():
            continue
        rel = f"archive/{folder.name}"
        report = Report()
        archived = archive.read_manifest(folder, rel, report)
        if archived is None or not archive.verify(folder, rel, archived, report):
            raise DataError(report)
        if signing.verify_folder(folder, rel, keys, Report()):
            continue
        data = (folder / archive.MANIFEST).read_bytes()
        comment = signing.trusted_comment(archived.year, archived.version, archived.frozen)
        atomic.write_text(folder / signing.SIGNATURE, signing.sign(secret, data, comment))
        signed.append(folder.name)
    return signed


def make_key(root: Path, key: Path, name: str) -> tuple[Path, Path]:
    """Create a key pair: the private key at `key` (never overwritten), the public one here."""
    root = root.resolve()
    if key.resolve().is_relative_to(root):
        raise ArchiveError(
            f"私钥不能放在项目文件夹里（{key}）：它会被提交进版本库。请放在项目之外，例如默认位置。"
        )
    if key.exists():
        raise ArchiveError(
            f"{key} 已经存在，不会覆盖。换密钥时请用 --key 指定一个新文件名（见 docs/signing.md）。"
        )
    if not ID.fullmatch(name):
        raise ArchiveError(f"公钥名称“{name}”不合规范：只能用小写英文字母、数字和连字符。")
    public = root / signing.KEYS / f"{name}.pub"
    if public.exists():
        raise ArchiveError(f"{signing.KEYS}/{name}.pub 已经存在，请换一个名称（--name）。")
    secret = signing.new_key()
    kid = signing.key_id_text(secret.key_id)
    key.parent.mkdir(parents=True, exist_ok=True)
    comment = f"bulletin secret key {kid} - keep it offline, never commit it"
    text = signing.secret_key_text(secret, comment)
    fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # readable by its owner only
    with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    public.parent.mkdir(parents=True, exist_ok=True)
    atomic.write_text(public, signing.public_key_text(secret, f"minisign public key {kid}"))
    return key, public
