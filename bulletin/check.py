"""Validate a project and summarise what was found."""

from __future__ import annotations

from pathlib import Path

from .archive import check_archives
from .load import load_project
from .model import Project
from .problems import Report


def check(root: Path, only_year: int | None = None) -> tuple[Project, Report]:
    """Read and validate everything, archives included; scoring needs this to find no errors."""
    project, report = load_project(root, only_year)
    check_archives(root, project, report)
    return project, report


def summary(project: Project, report: Report) -> str:
    units = sum(len(y.units) for y in project.years)
    years = "、".join(str(y.year.number) for y in project.years) or "无"
    verdict = "通过" if not report.errors else "未通过"
    return (
        f"检查{verdict}：{len(project.years)} 个年度（{years}），{units} 个单位，"
        f"{len(report.errors)} 个错误，{len(report.warnings)} 个警告。"
    )
