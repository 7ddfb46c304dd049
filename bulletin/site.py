"""The build: load and validate everything, score, render into a staging folder, swap it in."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from . import opendata
from .load import load_project
from .model import DRAFT, Project
from .problems import Mark, Report
from .render import Renderer
from .scoring import YearResults, assess_year


@dataclass
class BuildResult:
    report: Report
    years: list[YearResults] = field(default_factory=list)
    files: int = 0

    def summary(self) -> str:
        units = sum(len(y.units) for y in self.years)
        years = "、".join(str(y.year.year) for y in self.years) or "无"
        return f"已生成网站：{len(self.years)} 个年度（{years}），{units} 个单位，{self.files} 个文件。"


def assess(project: Project, drafts: bool) -> list[YearResults]:
    """Score and rank every year that goes into this build."""
    return [assess_year(y) for y in project.years if drafts or y.year.status != DRAFT]


def write_year_data(results: YearResults, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    json_path, csv_path = folder / "results.json", folder / "results.csv"
    json_path.write_text(opendata.results_json(results), encoding="utf-8", newline="\n")
    csv_path.write_text(opendata.results_csv(results), encoding="utf-8", newline="")
    return [json_path, csv_path]


def swap_in(staging: Path, out: Path) -> None:
    """Replace `out` by `staging` with two renames, so readers never see a half-written site."""
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        os.replace(out, old)
        try:
            os.replace(staging, out)
        except OSError:
            os.replace(old, out)
            raise
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(staging, out)


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


def write_file(folder: Path, rel: str, text: str) -> Path:
    target = folder / rel
    assert target.resolve().is_relative_to(folder.resolve()), rel  # ids are checked; belt and braces
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8", newline="\n")
    return target


def render_site(root: Path, project: Project, years: list[YearResults], staging: Path, report: Report) -> list[Path]:
    """Render every page and copy the theme's static files into `staging`."""
    theme = root / "theme"
    renderer = Renderer(theme, project.site, years)
    written = []
    try:
        for page in renderer.pages():
            written.append(write_file(staging, page.path, renderer.render(page)))
    except jinja2.TemplateError as exc:
        report.error(*template_problem(exc, root))
        return written
    static = theme / "static"
    if static.is_dir():
        for path in sorted(static.rglob("*")):
            if path.is_file():
                target = staging / "static" / path.relative_to(static)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
                written.append(target)
    return written


def build_site(root: Path, out: Path, drafts: bool = False) -> BuildResult:
    """Build the whole site into `out`; on any error leave `out` exactly as it was."""
    project, report = load_project(root)
    result = BuildResult(report)
    if report.errors:
        return result
    result.years = assess(project, drafts)
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    try:
        written = render_site(root, project, result.years, staging, report)
        if report.errors:
            return result
        for year in result.years:
            written += write_year_data(year, staging / str(year.year.year))
        result.files = len(written)
        swap_in(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return result
