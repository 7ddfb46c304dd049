"""Shared fixtures: a copy of the sample project, a tiny hand-written project, ways to check them."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bulletin.load import load_project  # noqa: E402
from bulletin.problems import Report  # noqa: E402
from bulletin.scoring import YearResults, assess_year  # noqa: E402

# Only this year of the sample is copied: other sample years may appear while people work.
SAMPLE_YEAR = 2014
PROBLEM_LINE = re.compile(
    r"^(?P<mark>[^\s:]+:\d+:\d+): (?P<severity>error|warning): (?P<message>.+)$"
)
CJK = re.compile(r"[\u4e00-\u9fff]")


def load_cli() -> click.Group:
    """build.py's click group, imported from its file as the command line would run it."""
    spec = importlib.util.spec_from_file_location("bulletin_build_script", REPO / "build.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.cli


class ProblemLines:
    """The `path:line:col: severity: message` lines of a command's `output`."""

    output: str

    @property
    def problems(self) -> list[str]:
        return [line for line in self.output.splitlines() if PROBLEM_LINE.match(line)]

    @property
    def errors(self) -> list[str]:
        return [p for p in self.problems if ": error: " in p]

    @property
    def warnings(self) -> list[str]:
        return [p for p in self.problems if ": warning: " in p]


@dataclass
class CheckRun(ProblemLines):
    """What `build.py check` printed and how it exited."""

    exit_code: int
    output: str

    def at(self, mark: str, severity: str = "error") -> list[str]:
        """The messages of the problems printed at exactly this `path:line:col`."""
        prefix = f"{mark}: {severity}: "
        return [p.removeprefix(prefix) for p in self.problems if p.startswith(prefix)]


class ProjectDir:
    """A project folder under tmp_path, with helpers to edit its files and check it."""

    def __init__(self, root: Path, cli: click.Group) -> None:
        self.root = root
        self.cli = cli

    # -- files ------------------------------------------------------------------------------

    def path(self, rel: str) -> Path:
        return self.root / rel

    def read(self, rel: str) -> str:
        return self.path(rel).read_text(encoding="utf-8")

    def write(self, rel: str, text: str) -> Path:
        path = self.path(rel)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        return path

    def write_bytes(self, rel: str, data: bytes) -> Path:
        path = self.path(rel)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path

    def replace(self, rel: str, old: str, new: str) -> None:
        """Replace the one occurrence of `old` in a file (fails if there is not exactly one)."""
        text = self.read(rel)
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {rel}"
        self.write(rel, text.replace(old, new))

    def remove(self, rel: str) -> None:
        self.path(rel).unlink()

    def locate(self, rel: str, needle: str, at: str | None = None) -> str:
        """`rel:line:col` of `at` inside the one occurrence of `needle` in a file (1-based)."""
        text = self.read(rel)
        assert text.count(needle) == 1, f"{needle!r} occurs {text.count(needle)} times in {rel}"
        start = text.index(needle) + needle.index(at if at is not None else needle)
        line = text.count("\n", 0, start) + 1
        col = start - (text.rfind("\n", 0, start) + 1) + 1
        return f"{rel}:{line}:{col}"

    # -- checking ---------------------------------------------------------------------------

    def check(self, *args: str) -> CheckRun:
        """Run `build.py check` on this project through click's CliRunner."""
        result = CliRunner().invoke(
            self.cli, ["check", *args], env={"BULLETIN_ROOT": str(self.root)}
        )
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return CheckRun(result.exit_code, result.output)

    def report(self, year: int | None = None) -> Report:
        return load_project(self.root, year)[1]

    def problems(self, year: int | None = None) -> list[str]:
        """Every problem as the `path:line:col: severity: message` line that check prints."""
        return [str(p) for p in self.report(year).sorted()]

    def results(self, year: int = SAMPLE_YEAR) -> YearResults:
        project, report = load_project(self.root, year)
        assert not report.errors, [str(p) for p in report.errors]
        (data,) = [y for y in project.years if y.year.number == year]
        return assess_year(data)


@pytest.fixture(scope="session")
def cli() -> click.Group:
    return load_cli()


def as_published(dest: Path) -> None:
    """Turn the copy's frozen years back into published ones, as they were before freezing.

    The sample ships 2014 frozen (archive/2014/); tests work on the data as staff edit it, and
    the archive tests freeze it themselves. tests/test_years.py checks the sample as shipped.
    """
    from bulletin.archive import with_status

    for year_file in (dest / "content").glob("*/year.yaml"):
        if "status: frozen" in year_file.read_text(encoding="utf-8"):
            year_file.write_bytes(with_status(year_file, "published"))


def copy_sample(dest: Path) -> None:
    year = str(SAMPLE_YEAR)
    (dest / "content").mkdir(parents=True)
    shutil.copy2(REPO / "content" / "site.yaml", dest / "content" / "site.yaml")
    shutil.copytree(REPO / "content" / "signing", dest / "content" / "signing")
    shutil.copytree(REPO / "content" / year, dest / "content" / year)
    shutil.copytree(REPO / "rubrics" / year, dest / "rubrics" / year)
    shutil.copytree(REPO / "scores" / year, dest / "scores" / year)
    as_published(dest)


@pytest.fixture(scope="session")
def sample_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One pristine copy of the sample per session; `project` copies it again for each test."""
    dest = tmp_path_factory.mktemp("sample") / "project"
    copy_sample(dest)
    return dest


@pytest.fixture
def project(tmp_path: Path, sample_copy: Path, cli: click.Group) -> ProjectDir:
    """A private copy of the sample project (content/, rubrics/, scores/ of 2014)."""
    root = tmp_path / "project"
    shutil.copytree(sample_copy, root)
    return ProjectDir(root, cli)


# A tiny valid project, small enough that tests can state every position by hand.
TINY = {
    "content/site.yaml": """\
title: 测试网站
issuer: 测试办公室
""",
    "content/2014/year.yaml": """\
year: 2014
title: 2014年度测试通报
status: published
date: 2015-01-20
categories:
  - {id: county, title: 县(区)}
  - {id: reform, title: 重大改革}
""",
    "content/2014/units.yaml": """\
- id: a
  name: 甲县
  category: county
  rubric: county
  attributes: {pilot: true}
- id: b
  name: 乙县
  category: county
  rubric: county
  attributes: {pilot: false}
- id: c
  name: 丙局
  category: reform
  rubric: department
""",
    "content/2014/bulletin.md": """\
---
title: 测试通报
---

正文。
""",
    "rubrics/2014/county.yaml": """\
id: county
title: 县(区)评分标准
total: 10
dimensions:
  - id: work
    title: 重点工作
    points: 6
    items:
      - id: plan
        title: 方案
        points: 2
      - id: progress
        points: 4
        variants:
          - when: {pilot: true}
            title: 试点县推进情况
          - when: {pilot: false}
            title: 其他县推进情况
  - id: daily
    title: 日常工作
    points: 4
    items:
      - id: reporter
        title: 汇报人级别
        points: 2
        type: choice
        options: {正职: 2, 副职: 1}
      - id: innovation
        title: 改革创新
        points: 2
        type: best-of
        options: {一类: 2, 二类: 2}
""",
    "rubrics/2014/department.yaml": """\
id: department
title: 部门评分标准
total: 10
dimensions:
  - id: work
    title: 重点工作
    points: 10
    items:
      - id: plan
        title: 方案
        points: 4
      - id: progress
        title: 推进情况
        points: 6
""",
    "scores/2014/a.yaml": """\
unit: a
scores:
  plan: 2
  progress: 3.5
  reporter: 正职
  innovation: [一类]
""",
    "scores/2014/b.yaml": """\
unit: b
scores:
  plan: 1.5
  progress: {experts: [3, 3.5, 2.5]}
  reporter: 副职
  innovation: []
""",
    "scores/2014/c.yaml": """\
unit: c
scores:
  plan: 3
  progress: 5
""",
}


# The sample's public key, so that tests can freeze and correct with its test-only private key.
TINY["content/signing/sample.pub"] = (REPO / "content/signing/sample.pub").read_text(
    encoding="utf-8"
)
SAMPLE_KEY = REPO / "tests" / "fixtures" / "signing" / "sample-test-only.key"


@pytest.fixture(autouse=True, scope="session")
def sample_signing_key() -> None:
    """Freeze and correct sign with the sample's test-only key, never a key of the machine."""
    os.environ["BULLETIN_SIGNING_KEY"] = str(SAMPLE_KEY)


@pytest.fixture
def tiny(tmp_path: Path, cli: click.Group) -> ProjectDir:
    """A tiny valid project: three units, two rubrics, every item type."""
    project = ProjectDir(tmp_path / "tiny", cli)
    for rel, text in TINY.items():
        project.write(rel, text)
    return project


# -- the built site (test_site.py, test_browser.py) -----------------------------------------------

import subprocess  # noqa: E402

from bulletin.site import BuildResult, build_site  # noqa: E402
from tools.browser import MISSING as CHROMIUM_MISSING  # noqa: E402
from tools.browser import chromium_path, launch  # noqa: E402

SITE_INPUTS = ("content", "rubrics", "scores", "theme")


def copy_site_project(dest: Path) -> Path:
    """Copy every year of the sample (content/, rubrics/, scores/) and the theme to `dest`."""
    for name in SITE_INPUTS:
        shutil.copytree(
            REPO / name, dest / name, ignore=shutil.ignore_patterns("__pycache__", ".*")
        )
    as_published(dest)
    return dest


def build(root: Path, out: Path, **options: object) -> BuildResult:
    """Build the project at `root` into `out` with build_site; fail the test on any error."""
    result = build_site(root, out, **options)  # type: ignore[arg-type]
    assert not result.report.errors, "\n".join(str(p) for p in result.report.sorted())
    return result


def run_build(
    root: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real command line, `python build.py build ARGS`, on the project at `root`."""
    environ = {**os.environ, "BULLETIN_ROOT": str(root), "PYTHONIOENCODING": "utf-8", **(env or {})}
    return subprocess.run(
        [sys.executable, str(REPO / "build.py"), "build", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=environ,
        cwd=root,
        timeout=300,
    )


@pytest.fixture(scope="session")
def full_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One pristine copy of the whole sample (every year, with the theme) per session. Read only."""
    return copy_site_project(tmp_path_factory.mktemp("full-sample") / "project")


@pytest.fixture
def site_project(tmp_path: Path, full_sample: Path, cli: click.Group) -> ProjectDir:
    """A private copy of the whole sample (every year, with the theme) to edit and build."""
    root = tmp_path / "project"
    shutil.copytree(full_sample, root)
    return ProjectDir(root, cli)


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory, full_sample: Path) -> Path:
    """The whole sample built once per session: the output folder. Read only."""
    out = tmp_path_factory.mktemp("built") / "site"
    build(full_sample, out)
    return out


# -- a real browser ---------------------------------------------------------------------------------


def _no_browser(reason: str) -> None:
    """Skip with the reason shown; on CI (CI=true) a missing browser is a failure, not a skip."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI=true, so the browser tests may not be skipped", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium() -> str:
    """The path of the system Chromium (never a downloaded one)."""
    path = chromium_path()
    if path is None:
        _no_browser(CHROMIUM_MISSING)
    return path  # type: ignore[return-value]


@pytest.fixture(scope="session")
def browser(chromium: str):
    """Headless Chromium driven by Playwright's sync API, launched as tools/browser.py does."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _no_browser(
            "the Python package playwright is not installed (pip install -r requirements-test.txt)"
        )
    with sync_playwright() as playwright:
        launched = launch(playwright, chromium)
        try:
            yield launched
        finally:
            launched.close()
