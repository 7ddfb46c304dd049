"""Typing the scalars of parsed YAML against the contract: numbers, text, ids, dates, booleans.

Each accessor takes a node, reports what is wrong with it at its position in Chinese, and
returns the typed value or None.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from .problems import Report
from .source import Node, Scalar, Sequence

YAML11_WORDS = {
    "y",
    "Y",
    "yes",
    "Yes",
    "YES",
    "n",
    "N",
    "no",
    "No",
    "NO",
    "on",
    "On",
    "ON",
    "off",
    "Off",
    "OFF",
    "true",
    "True",
    "TRUE",
    "false",
    "False",
    "FALSE",
    "null",
    "Null",
    "NULL",
    "~",
}
NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.([0-9]+))?")
INTEGER = re.compile(r"-?(0|[1-9][0-9]*)")
DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
ID = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９．－", "0123456789.-")


# Every number of the contract fits in 15 digits before the point: exact in Decimal's 28 digits
# even summed over thousands of items, and far from Python's limit on int() of long digit strings.
MAX_DIGITS = 15


def _cut(text: str) -> str:
    """A long value shortened for a message."""
    return text if len(text) <= 40 else f"{text[:20]}……{text[-10:]}（共{len(text)}个字符）"


def describe(node: Node) -> str:
    """A short human description of a node, for messages."""
    if isinstance(node, Scalar):
        return f"“{node.text}”" if node.text else "空值"
    return "列表" if isinstance(node, Sequence) else "映射（键: 值）"


def _number_mistake(text: str) -> str | None:
    """Explain why a written value is not a plain decimal number, or None if it is one."""
    if NUMBER.fullmatch(text):
        return None
    if text.translate(FULL_WIDTH_DIGITS) != text:
        return f"含有全角字符，请改为半角数字“{text.translate(FULL_WIDTH_DIGITS)}”"
    if "\u3000" in text or "\u00a0" in text:
        return "含有全角空格或不换行空格"
    if (unit := re.fullmatch(r"(-?[0-9]+(?:\.[0-9]+)?)\s*(分|%|％)", text)) is not None:
        return f"只写数字，不要写“{unit.group(2)}”，例如 {unit.group(1)}"
    if "_" in text:
        return "数字中不能有下划线"
    if re.fullmatch(r"-?[0-9]+,[0-9]+", text):
        return "小数点必须写作“.”，不能用逗号"
    if text.lower().lstrip("+-") in (".nan", ".inf", "nan", "inf"):
        return "不是有限的数值"
    if re.fullmatch(r"[+-]?0[0-9]+(\.[0-9]+)?", text):
        return "数字不能以0开头（YAML会把它当作八进制）"
    if re.fullmatch(r"[0-9]+(:[0-5]?[0-9])+(\.[0-9]*)?", text):
        return "带冒号的数字在YAML中会被当作六十进制"
    if re.fullmatch(r"[+-]?([0-9]*\.[0-9]+|[0-9]+\.?[0-9]*)[eE][+-]?[0-9]+", text):
        return "不能用科学计数法"
    if DATE.fullmatch(text):
        return "这是一个日期"
    if re.fullmatch(r"\+[0-9.]+|-?\.[0-9]+|-?[0-9]+\.", text):
        return "请写成普通小数，例如 0.5、5"
    return "不是数字"


def as_decimal(node: Node, report: Report, what: str, places: int = 2) -> Decimal | None:
    """A plain decimal number with at most `places` decimals, exactly as written."""
    if not isinstance(node, Scalar):
        report.error(node.mark, f"{what}应为数字，实际是{describe(node)}。")
        return None
    text = node.text
    if not node.plain:
        how = "不要写成多行文字" if "\n" in text else "不要加引号"
        report.error(node.mark, f"{what}应为数字，{how}：实际是“{node.text}”。")
        return None
    if text in ("", "~", "null", "Null", "NULL"):
        report.error(node.mark, f"{what}缺少数值。")
        return None
    mistake = _number_mistake(text)
    if mistake:
        report.error(node.mark, f"{what}的值“{_cut(text)}”不是有效数字：{mistake}。")
        return None
    match = NUMBER.fullmatch(text)
    assert match
    if len(match.group(1)) > MAX_DIGITS:
        report.error(node.mark, f"{what}的值“{_cut(text)}”位数太多：整数部分最多{MAX_DIGITS}位。")
        return None
    decimals = match.group(3) or ""
    if len(decimals) > places:
        report.error(
            node.mark,
            f"{what}的值“{text}”有{len(decimals)}位小数，最多允许{places}位。"
            if places
            else f"{what}应为整数，实际是“{text}”。",
        )
        return None
    return Decimal(text)


def as_int(node: Node, report: Report, what: str) -> int | None:
    value = as_decimal(node, report, what, places=0)
    return None if value is None else int(value)


def as_text(node: Node, report: Report, what: str, required: bool = True) -> str | None:
    """A piece of text; refuses YAML 1.1's booleans and nulls written without quotes."""
    if not isinstance(node, Scalar):
        report.error(node.mark, f"{what}应为文字，实际是{describe(node)}。")
        return None
    if node.plain and node.text in YAML11_WORDS:
        if node.text in ("~", "null", "Null", "NULL"):
            if required:
                report.error(node.mark, f"{what}缺少内容。")
            return None
        report.error(
            node.mark,
            f'{what}的值“{node.text}”在YAML中会被当作是/否（布尔值）；如果是文字，请加引号写作“"{node.text}"”。',
        )
        return None
    # Only YAML's own white space: a full-width space opening a Chinese paragraph is content.
    text = node.text.strip(" \t\r\n")
    if not text and required:
        report.error(node.mark, f"{what}缺少内容。")
        return None
    return text


def as_bool(node: Node, report: Report, what: str) -> bool | None:
    if isinstance(node, Scalar) and node.plain and node.text in ("true", "false"):
        return node.text == "true"
    hint = ""
    if isinstance(node, Scalar) and not node.plain and node.text in ("true", "false"):
        hint = "，不要加引号"
    elif isinstance(node, Scalar) and node.plain and node.text in YAML11_WORDS:
        hint = "；yes/no/on/off 等写法不被接受"
    report.error(node.mark, f"{what}应为 true 或 false，实际是{describe(node)}{hint}。")
    return None


def as_date(node: Node, report: Report, what: str) -> date | None:
    if isinstance(node, Scalar) and node.plain:
        match = DATE.fullmatch(node.text)
        if match:
            try:
                return date(*(int(g) for g in match.groups()))
            except ValueError:
                pass
    report.error(node.mark, f"{what}应为日期，格式如 2015-01-20，实际是{describe(node)}。")
    return None


def as_id(node: Node, report: Report, what: str) -> str | None:
    text = as_text(node, report, what)
    if text is None:
        return None
    if not ID.fullmatch(text):
        report.error(
            node.mark,
            f"{what}“{text}”不合规范：只能用小写英文字母、数字和连字符“-”，以字母或数字开头，最长63个字符。",
        )
        return None
    return text


def as_scalar_value(node: Node, report: Report, what: str) -> bool | int | str | None:
    """An attribute value: true/false, a whole number, or text (compared as written)."""
    if not isinstance(node, Scalar):
        report.error(
            node.mark, f"{what}应为简单的值（文字、true/false或整数），实际是{describe(node)}。"
        )
        return None
    if node.plain:
        if node.text in ("true", "false"):
            return node.text == "true"
        if INTEGER.fullmatch(node.text):
            if len(node.text.lstrip("-")) > MAX_DIGITS:
                report.error(
                    node.mark, f"{what}“{_cut(node.text)}”位数太多：整数最多{MAX_DIGITS}位。"
                )
                return None
            return int(node.text)
    return as_text(node, report, what)
