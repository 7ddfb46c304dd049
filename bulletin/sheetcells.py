"""Read one cell of a filled score sheet: what it holds, or why it is not what was expected."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from openpyxl.cell.cell import Cell

from .scoring import decimal_text

NUMBER = re.compile(r"[0-9]+(\.[0-9]+)?")
FULL_WIDTH = str.maketrans("０１２３４５６７８９．", "0123456789.")
CHINESE_DIGITS = set("零〇一二两三四五六七八九十百点半")


@dataclass(frozen=True, slots=True)
class CellValue:
    """A cell as read: `blank`, or `text` (what to show), with `number` when it is one."""

    blank: bool
    shown: str = ""
    number: Decimal | None = None
    mistake: str | None = None  # why the cell cannot be a score, when it cannot


BLANK = CellValue(True)


def read_cell(value_cell: Cell, formula_cell: Cell) -> CellValue:
    """What a cell holds: its cached value for a formula, its value otherwise."""
    value = value_cell.value
    formula = formula_cell.data_type == "f" or (
        isinstance(formula_cell.value, str) and formula_cell.value.startswith("=")
    )
    if formula and value is None:
        return CellValue(
            False,
            str(formula_cell.value),
            mistake="是公式，但文件中没有保存公式的计算结果（本工具不计算公式）；"
            "请在Excel或WPS中打开后保存一次，或直接填写数字",
        )
    if value is None or (isinstance(value, str) and not value.strip()):
        return BLANK
    if value_cell.data_type == "e":
        return CellValue(False, str(value), mistake=f"是错误值 {value}，请改为数字")
    if isinstance(value, bool):
        return CellValue(
            False, "TRUE" if value else "FALSE", mistake="是逻辑值（TRUE/FALSE），不是分数"
        )
    if isinstance(value, (datetime, date, time, timedelta)):
        shown = value.isoformat() if not isinstance(value, timedelta) else str(value)
        return CellValue(
            False,
            shown,
            mistake="是日期或时间（可能是单元格格式被设成了日期）；请把单元格格式改为“常规”后重新填写数字",
        )
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            return CellValue(False, str(value), mistake="不是有限的数值")
        number = Decimal(value) if isinstance(value, int) else Decimal(repr(value))
        shown = decimal_text(number)
        if "%" in (value_cell.number_format or ""):
            percent = decimal_text(number * 100)
            return CellValue(
                False,
                f"{percent}%",
                mistake=f"是百分比（单元格格式为百分比，实际数值是 {shown}）；请把单元格格式改为“常规”，填写分数本身",
            )
        return _checked(number, shown)
    text = str(value).strip()
    if NUMBER.fullmatch(text):  # a number stored as text, as WPS and pasted cells often have
        return _checked(Decimal(text), text)
    return CellValue(False, text, mistake=_text_mistake(text))


def _checked(number: Decimal, shown: str) -> CellValue:
    try:
        exponent = number.normalize().as_tuple().exponent
    except InvalidOperation:  # pragma: no cover - finite decimals always normalize
        exponent = 0
    if isinstance(exponent, int) and exponent < -2:
        return CellValue(False, shown, number, mistake="小数超过两位，最多允许两位小数")
    return CellValue(False, shown, number)


def _text_mistake(text: str) -> str:
    """Why a piece of text is not a score, with the fix where one can be guessed."""
    if (unit := re.fullmatch(r"([0-9]+(?:\.[0-9]+)?)\s*(分|%|％)", text)) is not None:
        return f"是文字，不是数字：只写数字，不要写“{unit.group(2)}”，例如 {unit.group(1)}"
    if text.translate(FULL_WIDTH) != text and NUMBER.fullmatch(text.translate(FULL_WIDTH)):
        return f"含有全角数字，请改为半角数字 {text.translate(FULL_WIDTH)}"
    if set(text) <= CHINESE_DIGITS | {"分"}:
        return "是中文数字，请改写为阿拉伯数字（例如“八十五”写作 85）"
    if re.fullmatch(r"-[0-9]+(\.[0-9]+)?", text):
        return "是负数"
    if re.fullmatch(r"[0-9]+,[0-9]+", text):
        return "小数点必须写作“.”，不能用逗号"
    return "是文字，不是数字"
