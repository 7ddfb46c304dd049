"""Release safety: a published year does not go out before the date its bulletin bears.

The date compared is the office's local date, that is the machine's (`date.today()`): a
bulletin dated the 20th may be published from the first minute of the 20th, local time.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from .model import PUBLISHED, Project, YearData
from .problems import Mark, Report

DATE_LINE = re.compile(r"^date:", re.MULTILINE)


def ahead(project: Project, today: date | None = None) -> dict[int, date]:
    """The published years whose bulletin date is after today, with that date."""
    today = today or date.today()
    return {
        y.year.number: y.date
        for y in project.years
        if y.year.status == PUBLISHED and y.date is not None and y.date > today
    }


def date_mark(root: Path, data: YearData) -> Mark:
    """Where the year's date is written: the bulletin's front matter, else year.yaml."""
    folder = f"content/{data.year.number}"
    rel = f"{folder}/bulletin.md" if data.bulletin and data.bulletin.date else f"{folder}/year.yaml"
    try:
        text = (root / rel).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return Mark(rel)
    found = DATE_LINE.search(text)
    if found is None:
        return Mark(rel)
    return Mark(rel, text.count("\n", 0, found.start()) + 1, 7)


def refuse_early(root: Path, project: Project, report: Report, today: date | None = None) -> None:
    """An error for each published year whose date is still ahead (`build --allow-future` skips)."""
    today = today or date.today()
    by_number = {y.year.number: y for y in project.years}
    for number, day in sorted(ahead(project, today).items()):
        report.error(
            date_mark(root, by_number[number]),
            f"{number}年度已设为 published，但通报日期 {day.isoformat()} 还没有到（今天是 "
            f"{today.isoformat()}）：为免提前公开，不生成这一年度。到日期后再生成；如确需提前发布，"
            "请用 python build.py build --allow-future。",
        )
