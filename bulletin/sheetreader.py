"""Read filled score sheets cell by cell: collect each unit's marks and check every one of them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .model import BEST_OF, CHOICE, Answer, AppliedItem, Unit, YearData
from .scoring import decimal_text
from .sheetcells import CellValue, read_cell
from .sheetlayout import (
    GUIDE_SHEET,
    NOT_TICKED,
    SCORE_COL,
    TICKS,
    Columns,
    ItemRows,
    a1,
    layout,
)
from .workbook import (
    META_SHEET,
    WorkbookMeta,
    WorkbookRefused,
    cell_ref,
    open_untrusted,
    read_meta,
    rubric_digest,
)


@dataclass(frozen=True, slots=True)
class Where:
    file: str
    sheet: str
    cell: str

    def __str__(self) -> str:
        return f"{self.file}:{cell_ref(self.sheet, self.cell)}"


@dataclass
class Marks:
    """What the workbooks say about one item of one unit."""

    rows: ItemRows
    singles: list[tuple[CellValue, Where]] = field(default_factory=list)
    experts: dict[int, tuple[CellValue, Where]] = field(default_factory=dict)
    ticks: list[tuple[tuple[str, ...], Where]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    broken: bool = False  # a cell of it was already reported


@dataclass
class Outcome:
    problems: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    units: int = 0

    @property
    def summary(self) -> str:
        if not self.changed:
            return (
                f"已检查 {self.units} 个单位的评分，与 scores/ 中的现有分数一致，没有改动任何文件。"
            )
        return (
            f"已检查 {self.units} 个单位的评分，更新了 {len(self.changed)} 个评分文件："
            + "、".join(self.changed)
            + "。请运行 python build.py check 确认，再用 python build.py build 生成网站。"
        )


def short(text: str, size: int = 24) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def item_name(unit: Unit, rows: ItemRows) -> str:
    return f"单位“{unit.name}”第{rows.number}项“{short(rows.item.title)}”（{rows.item.id}）"


def expected(item: AppliedItem) -> str:
    if item.type == CHOICE:
        return "应从下拉列表中选一项：" + "、".join(o.label for o in item.options)
    return f"应填 0 到 {decimal_text(item.points)} 之间的数字，最多两位小数"


class Importer:
    """Collects every workbook's cells by unit and item, then checks and merges them."""

    def __init__(self, data: YearData) -> None:
        self.data = data
        self.units = {u.id: u for u in data.units}
        self.outcome = Outcome()
        self.marks: dict[str, dict[str, Marks]] = {}
        self.seen: dict[str, str] = {}  # workbook key -> file
        self.groups: dict[str, tuple[int, set[int], Where]] = {}

    def error(self, where: Where | str, message: str) -> None:
        text = message.replace("\n", "↵")
        self.outcome.problems.append(f"{where}: error: {text}")

    # -- reading -------------------------------------------------------------------------

    def read(self, name: str, path: Path) -> None:
        try:
            values, formulas = open_untrusted(path)
        except WorkbookRefused as exc:
            self.error(name, exc.message)
            return
        first = values.sheetnames[0] if values.sheetnames else GUIDE_SHEET
        meta = read_meta(values)
        if meta is None:
            self.error(
                Where(name, first, "A1"),
                "这不是由 build.py sheets 生成的评分表（没有记录生成信息的隐藏工作表），"
                "无法确定各格对应的单位和评分项；请使用考核办公室下发的评分表填写。",
            )
            return
        year = self.data.year.number
        if meta.year != year:
            self.error(
                Where(name, META_SHEET, "B3"),
                f"这是 {meta.year} 年度的评分表，不能导入 {year} 年度。",
            )
            return
        if meta.key in self.seen:
            self.error(
                Where(name, first, "A1"),
                f"与 {self.seen[meta.key]} 是同一份评分表（{self.describe(meta)}），"
                "重复了；同一份评分表只能导入一次，请去掉其中一个文件。",
            )
            return
        self.seen[meta.key] = name
        self.note_slots(meta, Where(name, first, "A1"))
        for index, entry in enumerate(meta.sheets):
            meta_cell = Where(name, META_SHEET, f"B{9 + index}")
            if entry.title not in values.sheetnames:
                self.error(
                    meta_cell,
                    f"评分表中找不到工作表“{entry.title}”（单位 {entry.unit}），工作表可能被删除或改名。",
                )
                continue
            where = Where(name, entry.title, "A2")
            unit = self.units.get(entry.unit)
            if unit is None:
                self.error(
                    where,
                    f"工作表“{entry.title}”的单位“{entry.unit}”不在 {year} 年度的单位名单"
                    "（content/{year}/units.yaml）中，无法导入；如单位已更名或撤销，请重新生成评分表。".replace(
                        "{year}", str(year)
                    ),
                )
                continue
            rubric = self.data.rubrics[unit.rubric]
            if entry.rubric != rubric.id or entry.digest != rubric_digest(rubric):
                self.error(
                    where,
                    f"工作表“{entry.title}”（{unit.name}）是按旧版评分标准生成的：生成之后，"
                    f"rubrics/{year}/{unit.rubric}.yaml 中的评分项、分值或选项已修改。"
                    f"请用 python build.py sheets {year} 重新生成评分表，按新表填写后再导入。",
                )
                continue
            self.sheet(name, values[entry.title], formulas[entry.title], unit, Columns(meta.slots))

    def describe(self, meta: WorkbookMeta) -> str:
        group = f"第{meta.group}组" if meta.group else "未分组"
        if len(meta.slots) == 1 and meta.experts > 1:
            return f"{meta.year}年度{group}专家{meta.slots[0]}"
        return f"{meta.year}年度{group}"

    def note_slots(self, meta: WorkbookMeta, where: Where) -> None:
        """Remember which expert columns of a group came in, to spot a missing expert's workbook."""
        experts, slots, first = self.groups.get(meta.group, (meta.experts, set(), where))
        self.groups[meta.group] = (max(experts, meta.experts), slots | set(meta.slots), first)

    def sheet(self, name: str, ws, fws, unit: Unit, cols: Columns) -> None:
        rubric = self.data.rubrics[unit.rubric]
        unit_marks = self.marks.setdefault(unit.id, {})
        for rows in layout(rubric, unit).items:
            marks = unit_marks.setdefault(rows.item.id, Marks(rows))
            for row in (rows.row, *rows.option_rows):
                found = ws.cell(row, cols.item_id).value
                if str(found or "") != rows.item.id:
                    self.error(
                        Where(name, ws.title, a1(row, cols.item_id)),
                        f"{item_name(unit, rows)}：工作表的结构被改动过"
                        f"（此行应是评分项 {rows.item.id}），无法确定各格的含义；请使用原样下发的评分表。",
                    )
                    marks.broken = True
                    return

            def cell(row: int, col: int) -> tuple[CellValue, Where]:
                return read_cell(ws.cell(row, col), fws.cell(row, col)), Where(
                    name, ws.title, a1(row, col)
                )

            note, _ = cell(rows.row, cols.note)
            if not note.blank and note.shown and note.shown not in marks.notes:
                marks.notes.append(note.shown)
            if rows.item.type == BEST_OF:
                chosen = []
                for option, row in zip(rows.item.options, rows.option_rows, strict=True):
                    value, where = cell(row, SCORE_COL)
                    if value.blank or value.shown in NOT_TICKED:
                        continue
                    if value.shown in TICKS:
                        chosen.append(option.label)
                        continue
                    marks.broken = True
                    self.error(
                        where,
                        f"{item_name(unit, rows)}的类别“{option.label}”填的是“{value.shown}”；"
                        "符合该类别请选“√”，不符合请留空。",
                    )
                marks.ticks.append((tuple(chosen), Where(name, ws.title, a1(rows.row, SCORE_COL))))
                continue
            marks.singles.append(cell(rows.row, SCORE_COL))
            if rows.multi:
                for slot in cols.slots:
                    marks.experts[slot] = cell(rows.row, cols.expert(slot))

    # -- checking ------------------------------------------------------------------------

    def missing_experts(self) -> None:
        for group, (experts, slots, where) in self.groups.items():
            lacking = [s for s in range(1, experts + 1) if s not in slots]
            if lacking:
                name = f"第{group}组" if group else "未分组"
                who = "、".join(f"专家{s}" for s in lacking)
                self.error(
                    where,
                    f"{name}共有 {experts} 位专家，缺少{who}的评分表；"
                    "每位专家一个工作簿时，请把全组专家的工作簿一起导入。",
                )

    def answer(self, unit: Unit, marks: Marks) -> Answer | None:
        """The answer the workbooks give (None: not scored); report what is wrong with it."""
        rows, item = marks.rows, marks.rows.item
        what = item_name(unit, rows)
        if item.type == BEST_OF:
            picks = {labels for labels, _ in marks.ticks}
            if len(picks) > 1:
                self.error(
                    marks.ticks[-1][1],
                    f"{what}在不同的评分表中勾选的类别不一致："
                    + "；".join("、".join(p) or "（未选）" for p in picks)
                    + "。请统一后再导入。",
                )
                marks.broken = True
                return None
            order = [o.label for o in item.options]
            return Answer(labels=tuple(sorted(next(iter(picks)), key=order.index)))
        singles = [(v, w) for v, w in marks.singles if not v.blank]
        for value, where in singles:
            self.check_value(unit, marks, value, where)
        if item.type == CHOICE:
            labels = {v.shown for v, _ in singles}
            if len(labels) > 1:
                self.error(
                    singles[-1][1],
                    f"{what}在不同的评分表中选的不一致：{'、'.join(sorted(labels))}。请统一后再导入。",
                )
                marks.broken = True
                return None
            return Answer(labels=(labels.pop(),)) if labels and not marks.broken else None
        experts = {s: (v, w) for s, (v, w) in marks.experts.items()}
        filled = {s for s, (v, _) in experts.items() if not v.blank}
        for slot in sorted(filled):
            self.check_value(unit, marks, *experts[slot])
        if singles and filled:
            self.error(
                singles[0][1],
                f"{what}既填了“得分”又填了专家分；全组一个分数时只填“得分”，"
                "各专家分别打分时“得分”留空。",
            )
            return None
        if marks.broken:
            return None
        if filled:
            top = max(filled)
            gaps = [s for s in range(1, top) if s not in filled]
            for slot in gaps:
                if slot not in experts:  # no workbook for this expert: missing_experts says so
                    continue
                self.error(
                    experts[slot][1],
                    f"{what}缺少专家{slot}的打分（专家{top}已打分）；"
                    "各专家的分数请依次填写，不要空栏。",
                )
            if gaps:
                marks.broken = True
                return None
            values = [experts[s][0].number for s in range(1, top + 1)]
            if self.data.year.aggregate == "trimmed-mean" and len(values) < 3:
                self.error(
                    experts[1][1],
                    f"{what}只有 {len(values)} 位专家打分；本年度去掉最高分和最低分后取平均，"
                    "至少需要 3 位专家的分数。",
                )
                marks.broken = True
                return None
            return Answer(experts=tuple(v for v in values if v is not None))
        numbers = {v.number for v, _ in singles}
        if len(numbers) > 1:
            shown = "、".join(decimal_text(n) for n in sorted(numbers))
            self.error(
                singles[-1][1], f"{what}在不同的评分表中得分不一致：{shown}。请统一后再导入。"
            )
            marks.broken = True
            return None
        return Answer(value=numbers.pop()) if numbers else None

    def check_value(self, unit: Unit, marks: Marks, value: CellValue, where: Where) -> None:
        rows = marks.rows
        item, what = rows.item, item_name(unit, rows)
        problem = None
        if item.type == CHOICE:
            if item.option_points(value.shown) is None:
                problem = f"{what}填的是“{value.shown}”，不是可选项；{expected(item)}。"
        elif value.mistake:
            problem = f"{what}填的是“{value.shown}”，{value.mistake}；{expected(item)}。"
        elif value.number is not None and value.number > item.points:
            top = decimal_text(item.points)
            problem = f"{what}填的是 {value.shown}，超过满分 {top}；{expected(item)}。"
        if problem:
            self.error(where, problem)
            marks.broken = True
