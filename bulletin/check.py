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
    numbers = sorted((*(y.year.number for y in project.years), *project.unread), reverse=True)
    years = "、".join(map(str, numbers)) or "无"
    verdict = "通过" if not report.errors else "未通过"
    unread = ""
    if project.unread:
        broken = "、".join(map(str, project.unread))
        unread = f"，其中 {broken} 年度的年度设置 year.yaml 有错误，单位数未计入"
    return (
        f"检查{verdict}：{len(numbers)} 个年度（{years}{unread}），{units} 个单位，"
        f"{len(report.errors)} 个错误，{len(report.warnings)} 个警告。"
    )
