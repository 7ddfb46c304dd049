"""Write score-sheet workbooks (评分表) for a year: one per expert group, or one per expert."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.workbook.protection import WorkbookProtection

from . import __version__
from .atomic import write_files
from .load import load_project
from .model import Unit, YearData
from .problems import BulletinError, DataError
from .sheetlayout import GUIDE_SHEET
from .sheetwriter import BOX, FONT, HEAD_FILL, WRAP, SheetWriter, WorkbookPlan, set_cell, text_lines
from .workbook import SheetEntry, WorkbookMeta, rubric_digest, workbook_bytes, write_meta
from .xlsx import sheet_title


def experts_in_use(data: YearData, units: tuple[Unit, ...]) -> int:
    """The most expert marks any item of these units has in scores/."""
    counts = [
        len(answer.experts)
        for unit in units
        if (sheet := data.sheets.get(unit.id)) is not None
        for answer in sheet.answers.values()
    ]
    return max(counts, default=0)


def plan_workbooks(
    data: YearData, experts: int | None = None, per_expert: bool = False
) -> list[WorkbookPlan]:
    """Decide the workbooks: one per expert group (or per expert of it), in units.yaml order."""
    groups: dict[str, list[Unit]] = {}
    for unit in data.units:
        groups.setdefault("" if unit.group is None else str(unit.group), []).append(unit)
    plans = []
    for group, members in groups.items():
        count = experts_in_use(data, tuple(members)) if experts is None else experts
        if per_expert and count > 1:
            for slot in range(1, count + 1):
                plans.append(WorkbookPlan(group, tuple(members), count, (slot,)))
        else:
            plans.append(WorkbookPlan(group, tuple(members), count, tuple(range(1, count + 1))))
    return sorted(plans, key=lambda p: (p.group == "", p.group.zfill(4), p.slots))


def guide(wb: Workbook, plan: WorkbookPlan, data: YearData, titles: list[tuple[Unit, str]]) -> None:
    """The first sheet: what the workbook is for, how to fill it in, the units in it."""
    ws = wb.active
    ws.title = GUIDE_SHEET
    ws.column_dimensions["A"].width = 6
    ws.column_dimensions["B"].width = 30
    ws.column_dimensions["C"].width = 50
    year = data.year.number
    who = f"（专家{plan.slots[0]}用）" if len(plan.slots) == 1 and plan.experts > 1 else ""
    lines = [
        (f"{year}年度考核评分表　{plan.group_name}{who}", Font(name=FONT, size=16, bold=True)),
        (
            f"本工作簿由考核办公室用 build.py sheets 根据 {year} 年度的评分标准和单位名单生成，"
            "每个被考核单位一张工作表（见下方列表和底部标签）。",
            None,
        ),
        (
            "填写方法：只能在浅黄色格中填写，其余内容已锁定。计分项填 0 到满分之间的数字，最多两位小数，"
            "不要写“分”字，也不要写中文数字；单选项在下拉列表中选；择优项在符合的类别后选“√”。",
            None,
        ),
        (
            "几位专家分别打分的项目，每位专家填自己的一栏，得分栏留空；全组商定一个分数时只填得分栏。"
            "备注栏可写扣分理由。",
            None,
        ),
        (
            "填好后保存为 .xlsx 格式（不要另存为 .xls 或启用宏的格式），交回考核办公室，"
            "由工作人员用 build.py import 导入。请勿修改工作表名称、增删行列。",
            None,
        ),
    ]
    for text, font in lines:
        ws.append([])
        row = ws.max_row
        set_cell(ws, row, 1, text, alignment=WRAP, font=font or Font(name=FONT, size=11))
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=3)
        ws.row_dimensions[row].height = 30 if font else 15 * text_lines(text, 80)
    ws.append([])
    head = ws.max_row + 1
    for col, text in enumerate(("序号", "工作表（单位）", "评分标准"), 1):
        set_cell(ws, head, col, text, font=Font(name=FONT, bold=True), fill=HEAD_FILL, border=BOX)
    for n, (unit, title) in enumerate(titles, 1):
        set_cell(ws, head + n, 1, n, border=BOX)
        set_cell(ws, head + n, 2, title, border=BOX)
        set_cell(ws, head + n, 3, data.rubrics[unit.rubric].title, border=BOX)
    ws.protection.sheet = True
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def score_sheet_workbook(plan: WorkbookPlan, data: YearData) -> bytes:
    """One workbook of score sheets as reproducible .xlsx bytes."""
    wb = Workbook()
    writer = SheetWriter(wb, plan, data)
    taken = {GUIDE_SHEET.lower(), "_生成信息", "_选项"}
    titles = [(unit, sheet_title(unit.name, taken)) for unit in plan.units]
    guide(wb, plan, data, titles)
    entries = []
    for unit, title in titles:
        rubric = data.rubrics[unit.rubric]
        writer.write(unit, rubric, title)
        entries.append(SheetEntry(title, unit.id, rubric.id, rubric_digest(rubric)))
    meta = WorkbookMeta(
        data.year.number,
        plan.group,
        plan.experts,
        plan.slots,
        f"bulletin {__version__}",
        tuple(entries),
    )
    write_meta(wb, meta)
    wb.security = WorkbookProtection(lockStructure=True)
    wb.properties.creator = "build.py sheets"
    wb.properties.title = f"{data.year.number}年度考核评分表（{plan.group_name}）"
    return workbook_bytes(wb, data.year.date)


def year_data(root: Path, number: int) -> YearData:
    """Load one year and refuse it when its data has errors (they are printed by the caller)."""
    project, report = load_project(root, number)
    if report.errors:
        raise DataError(report)
    found = next((y for y in project.years if y.year.number == number), None)
    if found is None:
        raise BulletinError(f"没有 {number} 年度（缺少 content/{number}/year.yaml）。")
    return found


def make_sheets(
    root: Path, number: int, out: Path, experts: int | None = None, per_expert: bool = False
) -> list[Path]:
    """Write the year's score-sheet workbooks into `out`; return their paths."""
    data = year_data(root, number)
    plans = plan_workbooks(data, experts, per_expert)
    if experts is not None:
        for plan in plans:
            used = experts_in_use(data, plan.units)
            if used > experts:
                raise BulletinError(
                    f"{plan.group_name}已有 {used} 位专家的打分，--experts 不能少于 {used}。"
                )
    files = {out / plan.file_name(number): score_sheet_workbook(plan, data) for plan in plans}
    write_files(files)
    return list(files)
