"""A copy of `bulletin.source.parse` as it was before its fast path, for the equivalence tests.

`tests/test_source_equivalence.py` checks that today's `parse` gives exactly what this gives:
the same nodes with the same marks, or the same failure at the same mark with the same message.
Keep it as it is; if a message of `parse` is changed on purpose, change it here the same way.
"""

from __future__ import annotations

import re

import yaml
from yaml import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)

from bulletin.problems import Mark
from bulletin.source import Mapping, Node, Scalar, Sequence
from bulletin.textfile import ParseFailure

try:
    from yaml import CBaseLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import BaseLoader as _Loader  # type: ignore[assignment]

MAX_DEPTH = 32
ALLOWED_TAGS = {
    None,
    "!",
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}


_YAML_HINTS = (
    ("tab", "不能用Tab键缩进或对齐，请改用半角空格"),
    (
        "mapping values are not allowed",
        "此处不能出现冒号：冒号后要有空格，或者缩进不对，或者文字中的冒号需要加引号",
    ),
    ("could not find expected ':'", "缺少冒号“:”，或者缩进不对"),
    ("did not find expected key", "缩进不对，或者这一行缺少“键: 值”的冒号"),
    ("did not find expected '-' indicator", "列表项的缩进不对"),
    ("found character that cannot start any token", "这里有YAML不允许的字符（例如Tab、`或@开头）"),
    ("found unexpected end of stream", "文件意外结束：引号或括号没有配对"),
    ("found undefined tag handle", "不支持以“!”开头的标签"),
    ("while scanning a quoted scalar", "引号没有配对"),
    ("while parsing a flow", "方括号或花括号没有配对"),
    ("block sequence entries are not allowed", "此处不能开始列表，请检查缩进"),
    ("expected <block end>", "缩进不对"),
    ("exceeded maximum nesting depth", "嵌套层数太多（括号或缩进层层套叠），文件结构不对"),
)
TAB_HINT = "不能用Tab键缩进或对齐，请改用半角空格"
ODD_SPACES = "\u3000\u00a0"


def _explain(exc: yaml.MarkedYAMLError, text: str) -> str:
    # The parser's own English wording is not shown: staff act on the hint and the position.
    raw = " ".join(filter(None, [exc.context, exc.problem])) or str(exc)
    where = exc.problem_mark
    if where is not None and 0 <= where.index < len(text) and text[where.index] == "\t":
        return f"YAML格式错误：{TAB_HINT}。"
    for needle, hint in _YAML_HINTS:
        if needle in raw:
            return f"YAML格式错误：{hint}。"
    return "YAML格式错误：这里的写法不对，请检查这一行和上一行的冒号、引号、括号和缩进。"


# A field name or id followed by a full-width colon: `plan：4.5` is one piece of text to YAML.
FULL_WIDTH_COLON = re.compile(r"([a-z][a-z0-9_-]*)[ \u3000]*：")
FULL_WIDTH_KEY_LINE = re.compile(r"^((?: |- )*)([a-z][a-z0-9_-]*)[ \u3000]*：", re.MULTILINE)


def _full_width_colon(mark: Mark, key: str, rest: str) -> ParseFailure:
    shown = f"{key}: {rest.strip()}" if rest.strip() else f"{key}:"
    return ParseFailure(
        mark,
        f"“{key}”后面是全角冒号“：”，YAML不认：请改为半角冒号“:”，冒号后加一个空格，写成“{shown}”。",
    )


def _last_full_width_key(text: str, upto: int, rel: str, offset: int) -> ParseFailure | None:
    """The last `key：` written at the start of a line up to line `upto` (0-based), if any."""
    found = None
    for match in FULL_WIDTH_KEY_LINE.finditer(text):
        line = text.count("\n", 0, match.start())
        if line > upto:
            break
        found = match, line
    if found is None:
        return None
    match, line = found
    col = match.start(2) - match.start()
    end = text.find("\n", match.end())
    rest = text[match.end() : end if end >= 0 else len(text)].split(" #")[0]
    return _full_width_colon(Mark(rel, line + 1 + offset, col + 1), match.group(2), rest)


def _odd_indent(mark: Mark, char: str) -> ParseFailure:
    name = "全角空格（U+3000）" if char == "\u3000" else "不换行空格（U+00A0）"
    return ParseFailure(mark, f"行首缩进中有{name}，YAML缩进只能用半角空格。")


def _indent_before(text: str, m: yaml.Mark) -> bool:
    """Whether only indentation (spaces, list dashes) precedes this position on its line."""
    start = text.rfind("\n", 0, m.index) + 1
    return re.fullmatch(r"(?: |- )*", text[start : m.index]) is not None


def _scan_layout(text: str, skip: list[tuple[int, int]]) -> tuple[int, int, str] | None:
    """The first full-width or no-break space in a line's indentation, outside block scalars.

    Block scalars (`|`, `>`) are prose: Chinese paragraphs there often start with two U+3000.
    Returns (0-based line, 0-based column, char) or None.
    """
    for number, line in enumerate(text.splitlines()):
        if any(first <= number <= last for first, last in skip):
            continue
        stripped = line.lstrip(" \t" + ODD_SPACES)
        for col, char in enumerate(line[: len(line) - len(stripped)]):
            if char in ODD_SPACES:
                return number, col, char
    return None


def parse(text: str, rel: str, line_offset: int = 0) -> Node:
    """Parse one YAML document into nodes, refusing everything the contract does not use."""

    def mark(m: yaml.Mark) -> Mark:
        return Mark(rel, m.line + 1 + line_offset, m.column + 1)

    # Each open collection: (kind, start mark, children, pending key)
    stack: list[list] = []
    root: Node | None = None
    documents = 0
    seen_keys: list[dict[str, Scalar]] = []
    block_scalars: list[tuple[int, int]] = []  # 0-based first and last line of each `|` / `>`

    def add(node: Node) -> None:
        nonlocal root
        if not stack:
            root = node
            return
        top = stack[-1]
        if top[0] == "seq":
            top[2].append(node)
        elif top[3] is None:
            if not isinstance(node, Scalar):
                raise ParseFailure(node.mark, "键必须是简单文字，不能是列表或映射。")
            if node.plain and node.text == "<<":
                raise ParseFailure(node.mark, "不支持合并键“<<”，请把内容直接写出来。")
            keys = seen_keys[-1]
            if node.text in keys:
                first = keys[node.text]
                raise ParseFailure(
                    node.mark,
                    f"重复的键“{node.text}”（第{first.mark.line}行已经有了）：YAML只会保留后一个，"
                    "前一个值会悄悄丢失。请删除或合并其中一个。",
                )
            keys[node.text] = node
            top[3] = node
        else:
            top[2].append((top[3], node))
            top[3] = None

    def refuse(event: yaml.NodeEvent) -> None:
        """Anchors and tags other than the plain ones are refused, never interpreted."""
        if event.anchor is not None:
            raise ParseFailure(
                mark(event.start_mark), f"不支持锚点“&{event.anchor}”，请把内容直接写出来。"
            )
        tag = getattr(event, "tag", None)
        if tag not in ALLOWED_TAGS:
            shown = tag.replace("tag:yaml.org,2002:", "!!", 1)
            raise ParseFailure(
                mark(event.start_mark), f"不支持标签“{shown}”，请去掉以“!”开头的标签。"
            )

    base = 1 + line_offset
    # Dispatch on the event's exact class: this loop runs for every value of every file.
    try:
        for event in yaml.parse(text, Loader=_Loader):
            cls = type(event)
            if cls is ScalarEvent:
                if event.anchor is not None or event.tag not in ALLOWED_TAGS:
                    refuse(event)
                value, style, start = event.value, event.style, event.start_mark
                # YAML does not count U+3000 / U+00A0 as space, so at the start of a line they
                # silently become part of a key or value instead of indentation.
                if not style and value and value[0] in ODD_SPACES and _indent_before(text, start):
                    raise _odd_indent(mark(start), value[0])
                if style == "|" or style == ">":
                    block_scalars.append((start.line, event.end_mark.line))
                elif not style and "：" in value and (colon := FULL_WIDTH_COLON.match(value)):
                    end = text.find("\n", start.index)
                    first = text[start.index : end if end >= 0 else len(text)]
                    rest = re.split(r"[,}\]]| #", first[len(colon.group(0)) :])[0]
                    raise _full_width_colon(mark(start), colon.group(1), rest)
                add(Scalar(value, not style, Mark(rel, start.line + base, start.column + 1)))
            elif cls is MappingStartEvent or cls is SequenceStartEvent:
                if event.anchor is not None or event.tag not in ALLOWED_TAGS:
                    refuse(event)
                if len(stack) >= MAX_DEPTH:
                    raise ParseFailure(
                        mark(event.start_mark), f"嵌套层数超过{MAX_DEPTH}层，文件结构不对。"
                    )
                stack.append(
                    ["map" if cls is MappingStartEvent else "seq", mark(event.start_mark), [], None]
                )
                seen_keys.append({})
            elif cls is MappingEndEvent or cls is SequenceEndEvent:
                kind, start_mark, children, _ = stack.pop()
                seen_keys.pop()
                add(
                    Mapping(tuple(children), start_mark)
                    if kind == "map"
                    else Sequence(tuple(children), start_mark)
                )
            elif cls is DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise ParseFailure(
                        mark(event.start_mark), "一个文件只能有一个YAML文档（不能有第二个“---”）。"
                    )
            elif cls is AliasEvent:
                raise ParseFailure(
                    mark(event.start_mark), f"不支持别名“*{event.anchor}”，请把内容直接写出来。"
                )
    except yaml.MarkedYAMLError as exc:
        where = exc.problem_mark or exc.context_mark
        # A full-width space in the indentation is the likely cause of whatever broke here.
        upto = text.splitlines()[: where.line + 1] if where else []
        odd = _scan_layout("\n".join(upto), block_scalars)
        if odd is not None:
            line, col, char = odd
            raise _odd_indent(Mark(rel, line + 1 + line_offset, col + 1), char) from None
        colon = _last_full_width_key(text, where.line if where else 0, rel, line_offset)
        if colon is not None:
            raise colon from None
        raise ParseFailure(mark(where) if where else Mark(rel), _explain(exc, text)) from None
    except yaml.YAMLError:  # pragma: no cover - libyaml reports everything as marked
        raise ParseFailure(Mark(rel, 1 + line_offset), "YAML格式错误：文件的写法不对。") from None
    if root is None or (isinstance(root, Scalar) and root.plain and root.text in ("", "~", "null")):
        raise ParseFailure(Mark(rel, 1 + line_offset), "文件为空，没有任何内容。")
    return root
