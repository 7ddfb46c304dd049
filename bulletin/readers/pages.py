"""content/<year>/*.md: the bulletin and the other pages of a year, with their front matter."""

from __future__ import annotations

import re
from pathlib import Path

from .. import source
from ..model import Page
from ..problems import Mark
from ..source import Node, as_date, as_text
from .files import Files, check_markdown, fields

FRONT_MATTER = ("title", "number", "recipients", "date")


def read_page(fs: Files, path: Path) -> Page | None:
    if not fs.safe(path):
        return None
    rel = fs.rel(path)
    r = fs.report
    if not source.ID.fullmatch(path.stem):
        r.error(Mark(rel), f"页面文件名“{path.name}”不合规范：只能用小写英文字母、数字和连字符。")
        return None
    try:
        text = source.read_text(path, rel)
    except source.ParseFailure as exc:
        exc.report(r)
        return None
    meta: dict[str, Node] = {}
    body = text
    lines = text.splitlines(keepends=True)
    if lines and lines[0].rstrip() == "---":
        ends = (i for i, line in enumerate(lines[1:], start=1) if line.rstrip() in ("---", "..."))
        end = next(ends, None)
        if end is None:
            r.error(Mark(rel), "页首的“---”没有对应的结束行“---”。")
            return None
        body = "".join(lines[end + 1 :])
        front = "".join(lines[1:end])
        if front.strip():
            try:
                node = source.parse(front, rel, line_offset=1)
            except source.ParseFailure as exc:
                r.error(exc.mark, exc.message)
                return None
            found = fields(node, r, "页首信息", (), FRONT_MATTER)
            if found is None:
                return None
            meta = found
    body_line = text.count("\n", 0, len(text) - len(body)) + 1
    if check_markdown(body, Mark(rel, body_line), r, "正文") is None:
        return None
    title = as_text(meta["title"], r, "标题") if "title" in meta else None
    if title is None:
        heading = re.search(r"^#\s+(.+)$", body, re.MULTILINE)
        title = heading.group(1).strip() if heading else path.stem
    number = as_text(meta["number"], r, "文号") if "number" in meta else None
    recipients = as_text(meta["recipients"], r, "主送单位") if "recipients" in meta else None
    day = as_date(meta["date"], r, "日期") if "date" in meta else None
    return Page(path.stem, title, body, number, recipients, day)
