"""content/<year>/*.md: the bulletin and the other pages of a year, with their front matter."""

from __future__ import annotations

import re
from pathlib import Path

from .. import source, textfile, values
from ..model import TextPage
from ..problems import Mark
from ..source import Node
from ..values import as_date, as_text
from .files import PLACEHOLDER, Files, check_markdown, fields, placeholder

FRONT_MATTER = ("title", "number", "recipients", "date", "cc", "printed_by", "printed_on")
NAMES = {
    "title": "标题（title）",
    "number": "文号（number）",
    "recipients": "主送单位（recipients）",
}
NAMES["date"] = "日期（date）"

Pending = list[tuple[Mark, str]]  # where a placeholder is left, and what it stands for


def read_page(fs: Files, path: Path, pending: Pending | None = None) -> TextPage | None:
    """Read a page; the placeholders left in it go to `pending`, for the year to judge."""
    if fs.safe(path) is None:
        return None
    rel = fs.rel(path)
    r = fs.report
    if not values.ID.fullmatch(path.stem):
        if values.ID.fullmatch(lower := path.stem.lower()):
            r.error(
                Mark(rel),
                f"页面文件名“{path.name}”的大小写不对：请改名为“{lower}{path.suffix.lower()}”"
                "（文件名一律用小写字母）。",
            )
            return None
        r.error(Mark(rel), f"页面文件名“{path.name}”不合规范：只能用小写英文字母、数字和连字符。")
        return None
    try:
        text = textfile.read_text(path, rel)
    except textfile.ParseFailure as exc:
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
            except textfile.ParseFailure as exc:
                r.error(exc.mark, exc.message)
                return None
            found = fields(node, r, "页首信息", (), FRONT_MATTER)
            if found is None:
                return None
            meta = found
    for key, node in list(meta.items()):
        if placeholder(node):
            if pending is not None:
                pending.append((node.mark, f"{path.name} 的{NAMES[key]}"))
            if key == "date":
                del meta[key]
    if (at := text.find(PLACEHOLDER, len(text) - len(body))) >= 0 and pending is not None:
        line = text.count("\n", 0, at) + 1
        col = at - (text.rfind("\n", 0, at) + 1) + 1
        count = body.count(PLACEHOLDER)
        more = f"（共 {count} 处，这是第一处）" if count > 1 else ""
        pending.append((Mark(rel, line, col), f"{path.name} 的正文{more}"))
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
    # 版记 (optional): 抄送, 印发机关, 印发日期
    cc = as_text(meta["cc"], r, "抄送（cc）") if "cc" in meta else None
    printed_by = (
        as_text(meta["printed_by"], r, "印发机关（printed_by）") if "printed_by" in meta else None
    )
    printed_on = (
        as_date(meta["printed_on"], r, "印发日期（printed_on）") if "printed_on" in meta else None
    )
    return TextPage(path.stem, title, body, number, recipients, day, cc, printed_by, printed_on)
