"""Write one unit's sheet of a score-sheet workbook (cells, styles, validations, print setup),
from the plan of the workbook it belongs to.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from .model import BEST_OF, CHOICE, Answer, Rubric, Unit, YearData
from .scoring import decimal_text
from .sheetlayout import (
    FIRST_BODY_ROW,
    HEADER_ROW,
    HELP_ROW,
    INFO_ROW,
    NUMBER_COL,
    POINTS_COL,
    RULE_COL,
    SCORE_COL,
    TICK,
    TITLE_COL,
    TITLE_ROW,
    Columns,
    ItemRows,
    a1,
    dimension_number,
    layout,
)
from .workbook import set_text

INPUT_FILL = PatternFill("solid", fgColor="FFF7D6")
HEAD_FILL = PatternFill("solid", fgColor="DDE6F0")
DIM_FILL = PatternFill("solid", fgColor="EEF2F6")
OFF_FILL = PatternFill("solid", fgColor="E7E7E7")
THIN = Side(style="thin", color="808080")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="center")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
UNLOCKED = Protection(locked=False)
FONT = "宋体"


@dataclass(frozen=True, slots=True)
class WorkbookPlan:
    """One workbook to write: a group's units, the expert columns it holds, its file name."""

    group: str  # "1", "2" … or "" for units without a group
    units: tuple[Unit, ...]
    experts: int
    slots: tuple[int, ...]

    @property
    def group_name(self) -> str:
        return f"第{self.group}组" if self.group else "未分组"

    def file_name(self, year: int) -> str:
        who = f"-专家{self.slots[0]}" if len(self.slots) == 1 and self.experts > 1 else ""
        return f"{year}年度评分表-{self.group_name}{who}.xlsx"


def set_cell(ws: Worksheet, row: int, col: int, value: object = None, **style: object) -> None:
    """Set a cell's value (text as text, never a formula) and its style attributes."""
    cell = ws.cell(row, col)
    if isinstance(value, str):
        set_text(cell, value)
    elif value is not None:
        cell.value = value
    for name, setting in style.items():
        setattr(cell, name, setting)


def text_lines(text: str, width: float) -> int:
    """Rows of wrapped text a cell needs: a CJK character is about two columns wide."""
    units = sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
    return max(1, -(-units // max(1, int(width * 0.95))))


def _points(value: Decimal) -> int | Decimal:
    return int(value) if value == value.to_integral_value() else Decimal(decimal_text(value))


def _rule(rows: ItemRows) -> str:
    item = rows.item
    if item.type == CHOICE:
        options = "、".join(f"{o.label}{decimal_text(o.points)}分" for o in item.options)
        text = f"单选，在得分格的下拉列表中选一项：{options}"
    elif item.type == BEST_OF:
        text = (
            f"择优计分：在下方符合的类别后选“{TICK}”（可选多项，也可不选）；"
            f"得分取所选类别的最高分，不超过{decimal_text(item.points)}分"
        )
    else:
        text = f"填0到{decimal_text(item.points)}之间的数，最多两位小数"
    return f"{item.description}\n{text}" if item.description else text


def _validation(ws: Worksheet, ref: str, kind: str, **options: object) -> None:
    dv = DataValidation(type=kind, allow_blank=True, showErrorMessage=True, **options)
    dv.add(ref)
    ws.add_data_validation(dv)


def _score_validation(ws: Worksheet, ref: str, points: Decimal, title: str) -> None:
    top = decimal_text(points)
    _validation(
        ws,
        ref,
        "custom",
        formula1=f"AND(ISNUMBER({ref}),{ref}>=0,{ref}<={top},ROUND({ref},2)={ref})",
        errorTitle="分数不正确",
        error=f"“{title[:60]}”应填 0 到 {top} 之间的数字，最多两位小数。",
        promptTitle="满分" + top,
        prompt=f"填 0 到 {top} 之间的数字，最多两位小数。",
    )


def _list_source(labels: list[str]) -> str | None:
    """An inline list for a dropdown, or None when the labels cannot be written inline."""
    if any("," in label or '"' in label for label in labels):
        return None
    text = ",".join(labels)
    return f'"{text}"' if len(text) <= 250 else None


class SheetWriter:
    """Writes one unit's sheet of a workbook."""

    def __init__(self, wb: Workbook, plan: WorkbookPlan, data: YearData) -> None:
        self.wb, self.plan, self.data = wb, plan, data
        self.cols = Columns(plan.slots)
        self.options_sheet: Worksheet | None = None

    def options_ref(self, labels: list[str]) -> str:
        """A range on the hidden options sheet holding these labels (for long or odd labels)."""
        if self.options_sheet is None:
            self.options_sheet = self.wb.create_sheet("_选项")
            self.options_sheet.sheet_state = "hidden"
            self.options_sheet.protection.sheet = True
        ws = self.options_sheet
        col = ws.max_column + (1 if ws.max_row > 1 or ws.cell(1, 1).value is not None else 0)
        for row, label in enumerate(labels, 1):
            set_text(ws.cell(row, col), label)
        return f"'_选项'!${a1(1, col)[:-1]}$1:${a1(1, col)[:-1]}${len(labels)}"

    def write(self, unit: Unit, rubric: Rubric, title: str) -> None:
        ws = self.wb.create_sheet(title)
        cols = self.cols
        sheet = self.data.sheets.get(unit.id)
        plan = layout(rubric, unit)
        category = self.data.year.category(unit.category)
        self.columns(ws)
        year = self.data.year.number
        self.band(
            ws,
            TITLE_ROW,
            f"{unit.name}　{year}年度考核评分表",
            height=30,
            font=Font(name=FONT, size=16, bold=True),
            alignment=CENTER,
        )
        info = (
            f"被考核单位：{unit.name}（{unit.id}）　类别：{category.title if category else unit.category}　"
            f"专家组：{self.plan.group_name}　评分标准：{rubric.title}（满分{decimal_text(rubric.total)}分）"
        )
        self.band(ws, INFO_ROW, info, height=30, alignment=WRAP, font=Font(name=FONT, size=10))
        experts = "、".join(f"专家{s}" for s in self.plan.slots)
        help_text = "只能在浅黄色格中填写。计分项：全组商定一个分数时填“得分”栏；"
        if self.plan.slots:
            help_text += f"各专家分别打分时填{experts}栏（得分栏留空，按年度规则取平均）。"
        help_text += f"单选项在下拉列表中选；择优项在符合的类别后选“{TICK}”。"
        self.band(
            ws,
            HELP_ROW,
            help_text,
            height=40,
            alignment=WRAP,
            font=Font(name=FONT, size=10, color="444444"),
        )
        heads = {
            NUMBER_COL: "序号",
            TITLE_COL: "评分项",
            POINTS_COL: "满分",
            RULE_COL: "评分说明",
            SCORE_COL: "得分",
            cols.note: "备注",
            cols.item_id: "编号",
        }
        heads.update({cols.expert(s): f"专家{s}" for s in self.plan.slots})
        for col, text in heads.items():
            set_cell(
                ws,
                HEADER_ROW,
                col,
                text,
                font=Font(name=FONT, bold=True),
                fill=HEAD_FILL,
                alignment=CENTER,
                border=BOX,
            )
        for index, (dimension, row) in enumerate(plan.dimension_rows):
            text = f"{dimension_number(index)}、{dimension.title}（{decimal_text(dimension.points)}分）"
            self.band(ws, row, text, font=Font(name=FONT, bold=True), fill=DIM_FILL, border=BOX)
        for rows in plan.items:
            answer = sheet.answers.get(rows.item.id) if sheet else None
            note = sheet.notes.get(rows.item.id) if sheet else None
            self.item(ws, unit, rows, answer, note)
        self.signature(ws, plan.signature_row)
        self.print_setup(ws, plan.signature_row)
        ws.protection.sheet = True
        ws.protection.formatColumns = False  # experts may widen a column to read a long title
        ws.protection.formatRows = False
        ws.freeze_panes = a1(FIRST_BODY_ROW, 1)

    def columns(self, ws: Worksheet) -> None:
        widths = {
            NUMBER_COL: 5,
            TITLE_COL: 40,
            POINTS_COL: 6,
            RULE_COL: 30,
            SCORE_COL: 8,
            self.cols.note: 16,
            self.cols.item_id: 12,
        }
        widths.update({self.cols.expert(s): 7 for s in self.plan.slots})
        for col, width in widths.items():
            ws.column_dimensions[a1(1, col)[:-1]].width = width
        ws.column_dimensions[a1(1, self.cols.item_id)[:-1]].hidden = True

    def item(
        self, ws: Worksheet, unit: Unit, rows: ItemRows, answer: Answer | None, note: str | None
    ) -> None:
        item, cols, row = rows.item, self.cols, rows.row
        font = Font(name=FONT, size=10)
        set_cell(ws, row, NUMBER_COL, rows.number, alignment=CENTER, border=BOX, font=font)
        set_cell(ws, row, TITLE_COL, item.title, alignment=WRAP, border=BOX, font=font)
        set_cell(ws, row, POINTS_COL, _points(item.points), alignment=CENTER, border=BOX, font=font)
        rule = _rule(rows)
        set_cell(ws, row, RULE_COL, rule, alignment=WRAP, border=BOX, font=Font(name=FONT, size=9))
        set_cell(ws, row, cols.item_id, item.id)
        lines = max(
            text_lines(item.title, 36), sum(text_lines(p, 30) for p in rule.split("\n")) * 0.85
        )
        ws.row_dimensions[row].height = max(20, 13.5 * lines)
        score = ws.cell(row, SCORE_COL)
        score.border, score.alignment = BOX, CENTER
        for slot in cols.slots:
            ws.cell(row, cols.expert(slot)).border = BOX
        self.input(ws, row, cols.note, note, WRAP)
        if item.type == CHOICE:
            self.input(ws, row, SCORE_COL, answer.labels[0] if answer and answer.labels else None)
            labels = [o.label for o in item.options]
            source = _list_source(labels) or self.options_ref(labels)
            _validation(
                ws,
                a1(row, SCORE_COL),
                "list",
                formula1=source,
                errorTitle="请从列表中选择",
                error="只能选：" + "、".join(labels),
                promptTitle="单选",
                prompt="从下拉列表中选一项。",
            )
            self.off(ws, row, [cols.expert(s) for s in cols.slots])
        elif item.type == BEST_OF:
            set_cell(
                ws,
                row,
                SCORE_COL,
                "选下方类别",
                font=Font(name=FONT, size=9, color="666666"),
                fill=OFF_FILL,
            )
            self.off(ws, row, [cols.expert(s) for s in cols.slots])
            chosen = set(answer.labels) if answer else set()
            for option, orow in zip(item.options, rows.option_rows, strict=True):
                text = f"　择优类别：{option.label}（{decimal_text(option.points)}分）"
                set_cell(ws, orow, TITLE_COL, text, alignment=WRAP, border=BOX, font=font)
                for col in (NUMBER_COL, POINTS_COL, RULE_COL):
                    ws.cell(orow, col).border = BOX
                set_cell(ws, orow, cols.item_id, item.id)
                self.input(ws, orow, SCORE_COL, TICK if option.label in chosen else None)
                _validation(
                    ws,
                    a1(orow, SCORE_COL),
                    "list",
                    formula1=f'"{TICK}"',
                    errorTitle="请从列表中选择",
                    error=f"符合该类别请选“{TICK}”，不符合请留空。",
                    promptTitle="择优类别",
                    prompt=f"符合请选“{TICK}”，不符合留空。",
                )
                self.off(ws, orow, [cols.expert(s) for s in cols.slots] + [cols.note])
        else:
            value = _points(answer.value) if answer and answer.value is not None else None
            self.input(ws, row, SCORE_COL, value)
            _score_validation(ws, a1(row, SCORE_COL), item.points, item.title)
            marks = answer.experts if answer else ()
            for slot in cols.slots:
                mark = _points(marks[slot - 1]) if slot <= len(marks) else None
                self.input(ws, row, cols.expert(slot), mark)
                _score_validation(ws, a1(row, cols.expert(slot)), item.points, item.title)

    def input(
        self, ws: Worksheet, row: int, col: int, value: object, align: Alignment = CENTER
    ) -> None:
        set_cell(
            ws,
            row,
            col,
            value,
            protection=UNLOCKED,
            fill=INPUT_FILL,
            border=BOX,
            alignment=align,
            font=Font(name=FONT, size=10, color="0000A0"),
        )

    def off(self, ws: Worksheet, row: int, cols: list[int]) -> None:
        for col in cols:
            set_cell(ws, row, col, fill=OFF_FILL, border=BOX)

    def signature(self, ws: Worksheet, row: int) -> None:
        if len(self.plan.slots) == 1 and self.plan.experts > 1:
            text = f"专家{self.plan.slots[0]}签名：________________　　日期：______年____月____日"
        else:
            text = "专家签名：" + "　".join(
                "__________" for _ in range(max(1, len(self.plan.slots)))
            )
            text += "　　日期：______年____月____日"
        self.band(
            ws,
            row,
            text,
            height=40,
            font=Font(name=FONT, size=11),
            alignment=Alignment(vertical="bottom"),
        )

    def band(
        self, ws: Worksheet, row: int, text: str, height: int | None = None, **style: object
    ) -> None:
        """A text across the sheet's whole width: its first cell, merged up to the notes column."""
        set_cell(ws, row, NUMBER_COL, text, **style)
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=self.cols.note)
        if height is not None:
            ws.row_dimensions[row].height = height

    def print_setup(self, ws: Worksheet, last_row: int) -> None:
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.orientation = "landscape" if len(self.plan.slots) > 2 else "portrait"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
        ws.print_area = f"A1:{a1(last_row, self.cols.note)}"
        ws.page_margins.left = ws.page_margins.right = 0.5
        ws.page_margins.top = ws.page_margins.bottom = 0.6
        ws.print_options.horizontalCentered = True
        ws.oddFooter.center.text = "第 &P 页，共 &N 页"
        ws.oddHeader.right.text = f"{self.data.year.number}年度考核评分表"
