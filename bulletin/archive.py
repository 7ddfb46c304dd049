"""Frozen years: rendered once into archive/<YEAR>/, checked by SHA-256 on every build.

A frozen year's pages are published exactly as archived, whatever the theme, code or data have
become since. A correction (更正) re-renders the year as a new version with a visible notice;
the version it replaces moves, byte for byte, to archive/<YEAR>-v<N>/ and stays published at
site/<YEAR>-v<N>/, so earlier addresses keep working and auditors can compare versions.

    archive/2014/manifest.json     year, version, corrections, SHA-256 of every other file
    archive/2014/...               the pages of site/2014/ as published
    archive/2014-v1/...            version 1, after a correction replaced it
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from . import signing
from .cache import file_hash
from .history import Standing
from .model import ARCHIVE_FORMAT as FORMAT
from .model import DATA_FOLDERS, FROZEN, ArchivedYear, Correction, Project
from .problems import ArchiveError, Mark, Report

MANIFEST = "manifest.json"
FOLDER = re.compile(r"(?P<year>[0-9]{4})(?:-v(?P<version>[1-9][0-9]*))?")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def files_under(folder: Path) -> dict[str, Path]:
    """Every file under `folder` by posix path inside it, as `sorted(folder.rglob("*"))` lists
    them (a linked folder is not entered), with a scan of each folder instead of a stat per file."""
    found: dict[str, Path] = {}

    def walk(path: str, prefix: str) -> None:
        try:
            entries = list(os.scandir(path))
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            return
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                walk(entry.path, f"{prefix}{entry.name}/")
            elif entry.is_file():
                found[prefix + entry.name] = Path(entry.path)

    walk(str(folder), "")
    order = sorted(found, key=lambda rel: [os.path.normcase(part) for part in rel.split("/")])
    return {rel: found[rel] for rel in order}


def source_files(root: Path, year: int) -> dict[str, Path]:
    """The project files a year's pages are made from: its data, its texts, the site settings."""
    found = {"content/site.yaml": root / "content" / "site.yaml"}
    for top in DATA_FOLDERS:
        for rel, path in files_under(root / top / str(year)).items():
            if not path.name.startswith("."):
                found[f"{top}/{year}/{rel}"] = path
    return found


HashFile = Callable[[Path], str]  # file_hash, or the preview's cache.FileHashes


def source_hashes(
    root: Path,
    year: int,
    overrides: dict[str, bytes] | None = None,
    hash_file: HashFile = file_hash,
) -> dict[str, str]:
    overrides = overrides or {}
    return {
        rel: sha256(overrides[rel]) if rel in overrides else hash_file(path)
        for rel, path in source_files(root, year).items()
    }


SITE_SETTINGS = "content/site.yaml"


def changed_sources(
    root: Path, archived: ArchivedYear, hash_file: HashFile = file_hash
) -> list[str]:
    """The year's own files (data and texts) that differ from when it was archived.

    The site-wide settings are recorded too, but a new site title or wording is no change of a
    frozen year's results, as a new theme is not: it neither warns nor justifies a correction.
    """
    now = source_hashes(root, archived.year, hash_file=hash_file)
    names = (now.keys() | archived.sources.keys()) - {SITE_SETTINGS}
    return sorted(rel for rel in names if now.get(rel) != archived.sources.get(rel))


def manifest_text(archived: ArchivedYear) -> str:
    return json.dumps(archived.manifest(), ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def files_of(folder: Path) -> dict[str, Path]:
    """Every file of an archive folder except its manifest, by posix path inside it."""
    found = files_under(folder)
    found.pop(MANIFEST, None)
    found.pop(signing.SIGNATURE, None)
    return found


def read_manifest(folder: Path, rel: str, report: Report, name: str = "") -> ArchivedYear | None:
    """An archive folder's manifest; `name`: the folder's name once in place (when staged)."""
    name = name or folder.name
    path = folder / MANIFEST
    where = Mark(f"{rel}/{MANIFEST}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        match = FOLDER.fullmatch(name)
        if not match or data["format"] != FORMAT or data["year"] != int(match["year"]):
            raise ValueError(
                "not a manifest of this folder"
            )  # a real check: asserts vanish under -O
        archived = ArchivedYear(
            name,
            int(data["year"]),
            int(data["version"]),
            str(data["frozen"]),
            str(data["title"]),
            str(data["bulletin_title"]),
            str(data["date"]),
            {str(k): str(v) for k, v in data["categories"].items()},
            {str(k): str(v) for k, v in data["rubric_totals"].items()},
            tuple(
                Correction(int(c["version"]), str(c["date"]), str(c["reason"]), str(c["previous"]))
                for c in data["corrections"]
            ),
            {str(k): str(v) for k, v in data["files"].items()},
            {str(k): str(v) for k, v in data.get("sources", {}).items()},
        )
    except FileNotFoundError:
        report.error(where, "存档缺少清单文件 manifest.json，无法证明其内容未被改动。")
        return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        report.error(where, "存档清单 manifest.json 已损坏或格式不对，无法证明存档内容未被改动。")
        return None
    if match["version"] and int(match["version"]) != archived.version:
        report.error(
            where, f"存档文件夹名表示第{match['version']}版，但清单中写的是第{archived.version}版。"
        )
        return None
    return archived


def verify(
    folder: Path, rel: str, archived: ArchivedYear, report: Report, hash_file: HashFile = file_hash
) -> bool:
    """Check every file of an archive against its manifest; name each one that differs."""
    ok = True
    present = files_of(folder)
    advice = (
        "已冻结的年度不能修改；如需更正，请改回存档原样，修改数据后用"
        f' python build.py correct {archived.year} --reason "更正原因" 发布更正版。'
    )
    for name, path in present.items():
        expected = archived.files.get(name)
        if expected is None:
            report.error(Mark(f"{rel}/{name}"), f"存档中多了清单上没有的文件。{advice}")
            ok = False
        elif hash_file(path) != expected:
            report.error(Mark(f"{rel}/{name}"), f"存档文件被改动：SHA-256 与存档清单不符。{advice}")
            ok = False
    for name in sorted(set(archived.files) - set(present)):
        report.error(Mark(f"{rel}/{name}"), f"存档中缺少清单上的文件。{advice}")
        ok = False
    return ok


def read_archives(
    root: Path, report: Report, hash_file: HashFile = file_hash
) -> list[ArchivedYear]:
    """Every archived version under archive/, each verified against its manifest.

    The versions of a year must also be complete: every version a correction replaced is still
    there, and no old version is left without the current one (else a version could be lost
    without anyone noticing, and the notice's link to it would lead nowhere).
    """
    base = root / "archive"
    found = []
    keys = None
    read: list[ArchivedYear] = []
    folders = []
    for folder in sorted(base.iterdir()) if base.is_dir() else []:
        if folder.name.startswith("."):
            continue
        rel = f"archive/{folder.name}"
        if not folder.is_dir() or not FOLDER.fullmatch(folder.name):
            report.error(Mark(rel), "archive/ 中只能有以年份命名的存档文件夹（如 2014、2014-v1）。")
            continue
        folders.append(folder.name)
        archived = read_manifest(folder, rel, report)
        if archived is None:
            continue
        read.append(archived)
        if keys is None:
            keys = signing.public_keys(root, report)
        checked = verify(folder, rel, archived, report, hash_file)
        if checked & signing.verify_folder(folder, rel, keys, report):
            found.append(archived)
    for archived in read:
        if not archived.current:
            continue
        previous = [c.previous for c in archived.corrections]
        for name in previous:
            if name not in folders:
                report.error(
                    Mark(f"archive/{archived.folder}/{MANIFEST}"),
                    f"{archived.year}年度已更正过，但更正前的版本 archive/{name}/ 不见了：更正前的版本必须原样保留。",
                )
        if [c.version for c in archived.corrections] != list(range(2, archived.version + 1)):
            report.error(
                Mark(f"archive/{archived.folder}/{MANIFEST}"),
                f"存档清单写的是第{archived.version}版，但其中的更正记录与版本号对不上。",
            )
    recorded = {a.folder: {c.previous for c in a.corrections} for a in read if a.current}
    for name in folders:
        match = FOLDER.fullmatch(name)
        if not (match and match["version"]):
            continue
        if match["year"] not in folders:
            staged = any(s.name.startswith(f".{match['year']}.new-") for s in interrupted(root))
            hint = (
                f"上次的更正在移动文件夹时被中断：请再运行一次 python build.py correct {match['year']} "
                '--reason "更正原因"，它会先完成那次更正。'
                if staged
                else "存档不完整。"
            )
            report.error(
                Mark(f"archive/{name}"),
                f"这是{match['year']}年度更正前的旧版本，但没有当前版本 archive/{match['year']}/：{hint}",
            )
        elif match["year"] in recorded and name not in recorded[match["year"]]:
            report.error(
                Mark(f"archive/{name}"),
                f"archive/{match['year']}/manifest.json 的更正记录中没有这个旧版本：它不是用 correct 命令产生的。",
            )
    return found


def standings(root: Path, archived: ArchivedYear) -> list[Standing]:
    """The units' published results, read back from the archived results.json."""
    data = json.loads(
        (root / "archive" / archived.folder / "results.json").read_text(encoding="utf-8"),
        parse_float=Decimal,
        parse_int=Decimal,
    )
    return [
        Standing(
            archived.year,
            u["id"],
            u["name"],
            u["category"],
            archived.categories.get(u["category"], u["category"]),
            bool(u["scored"]),
            u["total"],
            Decimal(archived.rubric_totals.get(u["rubric"], "100")),
            None if u["rank"] is None else int(u["rank"]),
            bool(u["tied"]),
            u["grade"],
        )
        for u in data["units"]
    ]


STATUS_LINE = re.compile(
    rb"(?m)^(\xef\xbb\xbf)?(status:[ \t]*)(['\"]?)([A-Za-z]+)\3(?=[ \t]*(?:#|\r?$))"
)


def with_status(year_file: Path, status: str) -> bytes:
    """year.yaml's bytes with `status:` changed, every other byte (comments, BOM, CRLF) kept."""
    data = year_file.read_bytes()
    found = STATUS_LINE.search(data)
    if found is None:
        raise ArchiveError(
            f"{year_file.parent.name}年度的 year.yaml 中找不到顶格书写的“status: 状态”一行，无法改为 {status}。"
        )
    return data[: found.start(4)] + status.encode("ascii") + data[found.end(4) :]


STAGING = re.compile(r"\.(?P<name>[0-9]{4}(?:-v[1-9][0-9]*)?)\.new-[0-9]+")


def interrupted(root: Path) -> dict[Path, str]:
    """Staging folders under archive/ that a killed freeze or correction left behind, each with
    the name of the version it was to become."""
    base = root / "archive"
    found = sorted(base.iterdir()) if base.is_dir() else []
    matches = {p: STAGING.fullmatch(p.name) for p in found if p.is_dir() and not p.is_symlink()}
    return {p: m["name"] for p, m in matches.items() if m}


def unfinished_freeze(root: Path, number: int) -> tuple[ArchivedYear, bytes] | None:
    """The archive a killed freeze left before marking year.yaml frozen, and the marked bytes.

    It is recognised by what the freeze recorded: version 1, every file as in its manifest, and
    the year's sources exactly as now with only `status:` changed to frozen.
    """
    folder = root / "archive" / str(number)
    year_file = root / "content" / str(number) / "year.yaml"
    if not (folder / MANIFEST).is_file() or not year_file.is_file():
        return None
    scratch = Report()
    archived = read_manifest(folder, f"archive/{number}", scratch)
    if archived is None or archived.version != 1 or archived.corrections:
        return None
    try:
        marked = with_status(year_file, FROZEN)
    except (ArchiveError, OSError):
        return None
    if marked == year_file.read_bytes():
        return None  # already frozen: nothing was interrupted
    rel = f"content/{number}/year.yaml"
    if source_hashes(root, number, {rel: marked}) != archived.sources:
        return None
    if not verify(folder, f"archive/{number}", archived, scratch):
        return None
    return archived, marked


def today() -> str:
    return date.today().isoformat()


def status_mark(root: Path, year: int) -> Mark:
    """Where the `status:` of a year is written, for messages about freezing."""
    rel = f"content/{year}/year.yaml"
    lines = (root / rel).read_text(encoding="utf-8-sig").splitlines()
    line = next((i for i, text in enumerate(lines, start=1) if text.startswith("status:")), 1)
    return Mark(rel, line, 9 if line > 1 or lines[0].startswith("status:") else 1)


@dataclass
class Archives:
    """The archived years of a project, verified, with what the rest of the site needs of them."""

    versions: list[ArchivedYear]
    standings: list[Standing]

    @property
    def current(self) -> list[ArchivedYear]:
        return [a for a in self.versions if a.current]


def check_archives(
    root: Path, project: Project, report: Report, hash_file: HashFile = file_hash
) -> Archives:
    """Verify every archive and that it agrees with the years' status; warn if data drifted."""
    versions = read_archives(root, report, hash_file)
    current = {a.year: a for a in versions if a.current}
    for data in project.years:
        year = data.year
        where = status_mark(root, year.number)
        if (
            year.status == FROZEN
            and year.number not in current
            and not (root / "archive" / str(year.number)).exists()
        ):
            report.error(
                where,
                f"{year.number}年度的状态是 frozen，但没有存档 archive/{year.number}/；请用 python build.py freeze {year.number} 冻结。",
            )
        elif year.status != FROZEN and unfinished_freeze(root, year.number) is not None:
            report.error(
                where,
                f"{year.number}年度的冻结没有完成（上次冻结在改写 year.yaml 之前被中断）："
                f"请再运行一次 python build.py freeze {year.number}，它会完成这次冻结。",
            )
        elif year.status != FROZEN and (root / "archive" / str(year.number)).exists():
            report.error(
                where,
                f"{year.number}年度已冻结存档（archive/{year.number}/），状态必须是 frozen，不能改回 {year.status}。",
            )
        elif year.number in current and (
            changed := changed_sources(root, current[year.number], hash_file)
        ):
            shown = "、".join(changed[:5]) + (
                f" 等 {len(changed)} 个文件" if len(changed) > 5 else ""
            )
            report.warning(
                where,
                f"{year.number}年度已冻结，但冻结后改动了 {shown}：网站仍发布存档的版本，这些改动不会公开。"
                f'如确需更正，请用 python build.py correct {year.number} --reason "更正原因"。',
            )
    found = []
    for a in current.values():
        try:
            found.extend(standings(root, a))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            report.error(
                Mark(f"archive/{a.folder}/results.json"),
                "存档的 results.json 无法读取或格式不对，无法取得这一年度公布的结果。"
                "已冻结的存档不能修改：请从版本库中恢复原来的文件。",
            )
    return Archives(versions, found)
