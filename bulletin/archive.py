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
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from .history import Standing
from .problems import Mark, Report

FORMAT = 1
MANIFEST = "manifest.json"
FOLDER = re.compile(r"(?P<year>[0-9]{4})(?:-v(?P<version>[1-9][0-9]*))?")


@dataclass(frozen=True, slots=True)
class Correction:
    version: int
    date: str
    reason: str
    previous: str  # the folder of the version it replaced, e.g. "2014-v1"


@dataclass(frozen=True)
class ArchivedYear:
    """One archived version of a year, as its manifest describes it."""

    folder: str  # "2014" (the current version) or "2014-v1"
    year: int
    version: int
    frozen: str
    title: str
    bulletin_title: str
    date: str
    categories: dict[str, str]
    rubric_totals: dict[str, str]
    corrections: tuple[Correction, ...]
    files: dict[str, str] = field(hash=False)  # path inside the folder -> SHA-256

    @property
    def current(self) -> bool:
        return self.folder == str(self.year)

    def manifest(self) -> dict:
        return {
            "format": FORMAT,
            "year": self.year,
            "version": self.version,
            "frozen": self.frozen,
            "title": self.title,
            "bulletin_title": self.bulletin_title,
            "date": self.date,
            "categories": self.categories,
            "rubric_totals": self.rubric_totals,
            "corrections": [
                {"version": c.version, "date": c.date, "reason": c.reason, "previous": c.previous}
                for c in self.corrections
            ],
            "files": self.files,
        }


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest_text(archived: ArchivedYear) -> str:
    return json.dumps(archived.manifest(), ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def files_of(folder: Path) -> dict[str, Path]:
    """Every file of an archive folder except its manifest, by posix path inside it."""
    return {
        p.relative_to(folder).as_posix(): p
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.relative_to(folder).as_posix() != MANIFEST
    }


def read_manifest(folder: Path, rel: str, report: Report) -> ArchivedYear | None:
    path = folder / MANIFEST
    where = Mark(f"{rel}/{MANIFEST}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        match = FOLDER.fullmatch(folder.name)
        assert match and data["format"] == FORMAT and data["year"] == int(match["year"])
        archived = ArchivedYear(
            folder.name,
            int(data["year"]),
            int(data["version"]),
            str(data["frozen"]),
            str(data["title"]),
            str(data["bulletin_title"]),
            str(data["date"]),
            {str(k): str(v) for k, v in data["categories"].items()},
            {str(k): str(v) for k, v in data["rubric_totals"].items()},
            tuple(Correction(int(c["version"]), str(c["date"]), str(c["reason"]), str(c["previous"]))
                  for c in data["corrections"]),  # fmt: skip
            {str(k): str(v) for k, v in data["files"].items()},
        )
    except FileNotFoundError:
        report.error(where, "存档缺少清单文件 manifest.json，无法证明其内容未被改动。")
        return None
    except (OSError, ValueError, KeyError, TypeError, AssertionError, AttributeError):
        report.error(where, "存档清单 manifest.json 已损坏或格式不对，无法证明存档内容未被改动。")
        return None
    if match["version"] and int(match["version"]) != archived.version:
        report.error(where, f"存档文件夹名表示第{match['version']}版，但清单中写的是第{archived.version}版。")
        return None
    return archived


def verify(folder: Path, rel: str, archived: ArchivedYear, report: Report) -> bool:
    """Check every file of an archive against its manifest; name each one that differs."""
    ok = True
    present = files_of(folder)
    advice = "已冻结的年度不能修改；如需更正，请使用 python build.py correct 命令。"
    for name, path in present.items():
        expected = archived.files.get(name)
        if expected is None:
            report.error(Mark(f"{rel}/{name}"), f"存档中多了清单上没有的文件。{advice}")
            ok = False
        elif sha256(path.read_bytes()) != expected:
            report.error(Mark(f"{rel}/{name}"), f"存档文件被改动：SHA-256 与存档清单不符。{advice}")
            ok = False
    for name in sorted(set(archived.files) - set(present)):
        report.error(Mark(f"{rel}/{name}"), f"存档中缺少清单上的文件。{advice}")
        ok = False
    return ok


def read_archives(root: Path, report: Report) -> list[ArchivedYear]:
    """Every archived version under archive/, each verified against its manifest."""
    base = root / "archive"
    found = []
    for folder in sorted(base.iterdir()) if base.is_dir() else []:
        if folder.name.startswith("."):
            continue
        rel = f"archive/{folder.name}"
        if not folder.is_dir() or not FOLDER.fullmatch(folder.name):
            report.error(Mark(rel), "archive/ 中只能有以年份命名的存档文件夹（如 2014、2014-v1）。")
            continue
        archived = read_manifest(folder, rel, report)
        if archived is not None and verify(folder, rel, archived, report):
            found.append(archived)
    return found


def standings(root: Path, archived: ArchivedYear) -> list[Standing]:
    """The units' published results, read back from the archived results.json."""
    data = json.loads((root / "archive" / archived.folder / "results.json").read_text(encoding="utf-8"),
                      parse_float=Decimal, parse_int=Decimal)  # fmt: skip
    return [
        Standing(
            archived.year, u["id"], u["name"], u["category"], archived.categories.get(u["category"], u["category"]),
            bool(u["scored"]), u["total"], Decimal(archived.rubric_totals.get(u["rubric"], "100")),
            None if u["rank"] is None else int(u["rank"]), bool(u["tied"]), u["grade"],
        )  # fmt: skip
        for u in data["units"]
    ]


def write_archive(folder: Path, files: dict[str, bytes], archived: ArchivedYear) -> None:
    """Write a new archive folder (which must not exist yet) and its manifest."""
    folder.mkdir(parents=True)
    for name, data in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    (folder / MANIFEST).write_text(manifest_text(archived), encoding="utf-8", newline="\n")


def set_status(year_file: Path, status: str) -> None:
    """Change `status:` in year.yaml in place, keeping every comment and the rest of the file."""
    text = year_file.read_text(encoding="utf-8-sig")
    new, count = re.subn(r"(?m)^(status:[ \t]*)[A-Za-z]+", rf"\g<1>{status}", text, count=1)
    if count != 1:
        raise ValueError(f"no status line in {year_file}")
    year_file.write_text(new, encoding="utf-8", newline="")


def move_version(root: Path, archived: ArchivedYear) -> str:
    """Move the current version of a year to archive/<YEAR>-v<N>/, unchanged; return its name."""
    name = f"{archived.year}-v{archived.version}"
    os.replace(root / "archive" / archived.folder, root / "archive" / name)
    return name


def today() -> str:
    return date.today().isoformat()
