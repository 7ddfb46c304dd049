"""Read a file as text: UTF-8 or a clear word on what it is instead, and no invisible characters.

The failure it raises carries positions, so the YAML reader (`source`) and the Markdown pages
report it the same way as a YAML problem.
"""

from __future__ import annotations

import re
from pathlib import Path

from .problems import Mark, Report


class ParseFailure(Exception):
    """The file cannot be read as one YAML document; carries the position and a message."""

    def __init__(self, mark: Mark, message: str, more: tuple[tuple[Mark, str], ...] = ()) -> None:
        super().__init__(message)
        self.mark = mark
        self.message = message
        self.more = more  # further problems of the same kind, each at its own position

    def report(self, report: Report) -> None:
        """Record this problem and the others it carries."""
        report.error(self.mark, self.message)
        for mark, message in self.more:
            report.error(mark, message)


def read_text(path: Path, rel: str) -> str:
    """Read a file as UTF-8 text (a BOM is fine), or explain what it looks like instead."""
    return decode(path.read_bytes(), rel)


def decode(data: bytes, rel: str) -> str:
    """Decode a file's bytes as UTF-8 (a BOM is fine), or explain what they look like instead."""
    # NUL bytes never occur in UTF-8 text; they are how UTF-16 without a BOM gives itself away.
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        raise ParseFailure(
            Mark(rel),
            "文件是UTF-32编码，请用编辑器以UTF-8编码另存（记事本“另存为”，编码选“UTF-8”）。",
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data:
        raise ParseFailure(
            Mark(rel),
            "文件是UTF-16编码，请用编辑器以UTF-8编码另存（记事本“另存为”，编码选“UTF-8”）。",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        guess = ""
        try:
            data.decode("gb18030")
            guess = "（看起来是GBK/GB2312编码，Windows记事本、WPS或Excel常这样保存）"
        except UnicodeDecodeError:
            pass
        raise ParseFailure(
            Mark(rel),
            f"文件不是UTF-8编码{guess}：第{line}行有无法识别的字节。"
            "请用编辑器以UTF-8编码重新保存（记事本“另存为”时编码选“UTF-8”）；"
            "本工具不会自动转换，以免把文字读错。",
        ) from None
    text = text.removeprefix("\ufeff")
    if HIDDEN.search(text) is not None:
        raise hidden_characters(text, rel)
    return text


# Characters that are invisible or break lines where editors do not: YAML either refuses them
# (reporting them at 1:1, in English) or counts U+0085 / U+2028 / U+2029 as line breaks (so every
# position after them is off); bidirectional controls reverse the text after them on the site.
HIDDEN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029"
    "\u202a-\u202e\u2066-\u2069\ufdd0-\ufdef\ufffe\uffff]"
)
HIDDEN_NAMES = {
    "\x1b": "控制字符 ESC（U+001B）",
    "\x7f": "控制字符 DEL（U+007F）",
    "\x85": "下一行符 NEL（U+0085，常见于从Word或网页复制来的文字）",
    "\u2028": "行分隔符（U+2028，常见于从Word复制来的文字）",
    "\u2029": "段分隔符（U+2029，常见于从Word复制来的文字）",
    "\u061c": "阿拉伯文字母标记（U+061C，一种双向文字控制符）",
    "\u200e": "从左到右标记（U+200E，一种双向文字控制符）",
    "\u200f": "从右到左标记（U+200F，一种双向文字控制符）",
    "\u202a": "从左到右嵌入符（U+202A，一种双向文字控制符）",
    "\u202b": "从右到左嵌入符（U+202B，一种双向文字控制符）",
    "\u202c": "双向格式结束符（U+202C，一种双向文字控制符）",
    "\u202d": "从左到右覆盖符（U+202D，一种双向文字控制符）",
    "\u202e": "从右到左覆盖符（U+202E，一种双向文字控制符，会让其后的文字倒着显示）",
    "\u2066": "从左到右隔离符（U+2066，一种双向文字控制符）",
    "\u2067": "从右到左隔离符（U+2067，一种双向文字控制符）",
    "\u2068": "首强隔离符（U+2068，一种双向文字控制符）",
    "\u2069": "隔离结束符（U+2069，一种双向文字控制符）",
}
MAX_HIDDEN = 20  # reported per file; one line then says how many more there are


def hidden_name(char: str) -> str:
    if char in HIDDEN_NAMES:
        return HIDDEN_NAMES[char]
    if char in "\ufffe\uffff" or "\ufdd0" <= char <= "\ufdef":
        return f"非字符（U+{ord(char):04X}，不应出现在文字中）"
    return f"控制字符（U+{ord(char):04X}）"


def hidden_characters(text: str, rel: str) -> ParseFailure:
    """A failure naming every hidden character of a file at its own line and column."""
    found = []
    for match in HIDDEN.finditer(text):
        if len(found) == MAX_HIDDEN:
            rest = sum(1 for _ in HIDDEN.finditer(text, match.start()))
            found.append((found[-1][0], f"此后还有 {rest} 个这样看不见的字符，请一并删除。"))
            break
        start = match.start()
        line = text.count("\n", 0, start) + 1
        col = start - (text.rfind("\n", 0, start) + 1) + 1
        char = match.group()
        if char in "\x85\u2028\u2029":
            how = "请删除它，需要换行的地方直接按回车键换行"
        else:
            how = (
                "它在编辑器中看不见：请把光标移到这个位置，删除这个字符（或把这几个字重新输入一遍）"
            )
        found.append((Mark(rel, line, col), f"这里有一个看不见的{hidden_name(char)}，{how}。"))
    (mark, message), *more = found
    return ParseFailure(mark, message, tuple(more))
