"""Helpers for the tests of years and the archive: open data, links between years, rank changes."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import click
from click.testing import CliRunner
from conftest import REPO, ProblemLines
from sitehtml import Document, files, load, resolve_link, urls

YEAR_FOLDER = re.compile(r"^[0-9]{4}$")


# -- running the command line ---------------------------------------------------------------------


@dataclass
class Run(ProblemLines):
    """What one `build.py` command printed and how it exited."""

    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:  # type: ignore[override]
        return self.stdout + self.stderr

    def marks(self, severity: str = "error") -> list[str]:
        """The `path:line:col` of every problem of this severity, in the order printed."""
        return [p.split(f": {severity}: ")[0] for p in self.problems if f": {severity}: " in p]


def invoke(cli: click.Group, root: Path, *args: str) -> Run:
    """Run a command in this process through click's CliRunner (fast); tracebacks fail the test."""
    result = CliRunner().invoke(cli, list(args), env={"BULLETIN_ROOT": str(root)})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Run(result.exit_code, result.stdout, result.stderr)


def run(root: Path, *args: str) -> Run:
    """Run the real command line, `python build.py ARGS`, as a subprocess on the project at `root`."""
    env = {**os.environ, "BULLETIN_ROOT": str(root), "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run(
        [sys.executable, str(REPO / "build.py"), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=root,
        timeout=300,
    )
    assert "Traceback" not in done.stderr, done.stderr
    return Run(done.returncode, done.stdout, done.stderr)


# -- files ----------------------------------------------------------------------------------------


def hashes(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under a folder, by posix path inside it."""
    return {rel: hashlib.sha256((folder / rel).read_bytes()).hexdigest() for rel in files(folder)}


def stats(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file's SHA-256 and modification time: equal only if nothing was even rewritten."""
    return {rel: (h, (folder / rel).stat().st_mtime_ns) for rel, h in hashes(folder).items()}


def flip_byte(path: Path, offset: int = 100) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


# -- open data ------------------------------------------------------------------------------------


def results(out: Path, year: int | str) -> dict[str, dict]:
    """The units of a published year's results.json by id, numbers as exact Decimals."""
    data = json.loads(
        (out / str(year) / "results.json").read_text(encoding="utf-8"),
        parse_float=Decimal,
        parse_int=Decimal,
    )
    return {u["id"]: u for u in data["units"]}


def site_years(out: Path) -> list[str]:
    """The year folders of a built site (not the old versions 2014-v1 …), newest first."""
    return sorted(
        (p.name for p in out.iterdir() if p.is_dir() and YEAR_FOLDER.match(p.name)), reverse=True
    )


def expected_change(before: dict[str, dict], now: dict) -> tuple[int | None, str]:
    """(delta, text) a ranked unit should show against the previous year's results.json."""
    old = before.get(now["id"])
    if old is None:
        return None, "上年未参加考核"
    if old["rank"] is None:
        return None, "上年未评分"
    if old["category"] != now["category"]:
        return None, "上年属"
    delta = int(old["rank"]) - int(now["rank"])
    return delta, f"进{delta}位" if delta > 0 else f"退{-delta}位" if delta < 0 else "名次不变"


def assert_change_text(text: str, delta: int | None, expected: str) -> None:
    """A cell showing a rank change: the expected text, and no number when there is no comparison."""
    assert expected in text, (text, expected)
    if delta is None:
        assert not re.search(r"[进退][0-9]+位", text), text


# -- links ----------------------------------------------------------------------------------------


def link_targets(out: Path, rel: str, doc: Document | None = None) -> list[tuple[str, str | None]]:
    """(href, the site file it resolves to or None) for every relative URL on a page."""
    doc = doc or load(out, rel)
    found = []
    for _el, _name, value in urls(doc):
        if re.match(r"^[a-z]+:|^//|^#", value):
            continue
        target, _fragment = resolve_link(rel, value)
        if target is not None and (out / target).is_dir():
            target = f"{target}/index.html"
        found.append((value, target))
    return found


def assert_links_resolve(out: Path, rel: str, doc: Document | None = None) -> list[str]:
    """Every relative link on a page points at an existing file of the site; return the targets."""
    targets = []
    for href, target in link_targets(out, rel, doc):
        assert target is not None and (out / target).is_file(), f"{rel}: link {href} leads nowhere"
        targets.append(target)
    return targets


def assert_alternates(out: Path, rel: str) -> None:
    """A year page links to the same page in every other year of the site that has it, and only there."""
    year, rest = rel.split("/", 1)
    years = site_years(out)
    doc = load(out, rel)
    navs = doc.find_all("nav", cls="other-years")
    if len(years) < 2:
        assert not navs, rel
        return
    assert len(navs) == 1, f"{rel}: no links to the other years"
    links = {}
    for a in navs[0].find_all("a"):
        target, _ = resolve_link(rel, a.attrs["href"] or "")
        assert target is not None and (out / target).is_file(), (
            f"{rel}: {a.attrs['href']} leads nowhere"
        )
        links[a.text] = target
    for other in years:
        assert navs[0].text.count(other) == 1, (
            f"{rel}: {other} is not named exactly once: {navs[0].text}"
        )
        if other == year:
            assert other not in links, f"{rel} links to itself"
        elif (out / other / rest).is_file():
            assert links.get(other) == f"{other}/{rest}", (
                f"{rel}: missing or wrong link to {other}/{rest}"
            )
        else:
            assert other not in links, (
                f"{rel} links to {links.get(other)} though {other}/{rest} does not exist"
            )
            assert other in navs[0].text, f"{rel}: {other} should still be named, without a link"


def year_pages(out: Path, year: str) -> list[str]:
    return [rel for rel in files(out) if rel.startswith(f"{year}/") and rel.endswith(".html")]
