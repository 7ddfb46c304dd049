"""Markdown converted without the inline patterns a text cannot need gives the bytes the full
set of patterns gives (bulletin.markup.TRIGGERS)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bulletin import markup
from tests.test_site import HOSTILE_MARKDOWN

REPO = Path(__file__).resolve().parent.parent


def full(text: str) -> str:
    """The text as the instance with every inline pattern converts it, sanitised alike."""
    real = markup.needs
    markup.needs = lambda _: markup.ALL
    try:
        return markup.to_html.__wrapped__(text)
    finally:
        markup.needs = real


def sample_texts() -> list[str]:
    """Every Markdown text of the sample: bulletins, pages, opinions and notes."""
    texts = [p.read_text(encoding="utf-8") for p in sorted((REPO / "content").rglob("*.md"))]
    for path in sorted((REPO / "scores").rglob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        texts += [data.get("opinion") or "", *(data.get("notes") or {}).values()]
    return [t for t in texts if t]


WRITTEN = [
    "**《行动计划》**要求各单位，这是**“重点”**任务，_强调_与*斜体*。",
    "见[链接](../x.html)、![图](a.png)、[参考][1]、[简写]。\n\n[1]: ../y.html",
    "`代码` 与 \\*不是强调\\* 与 &amp; &copy; &#169; 与 <sup>1</sup> <http://a.example/> <a@b.cn>",
    "第一行  \n第二行\t\n第三行",
    "| 项目 | 得分 |\n|:---|---:|\n| 甲 | **5** |\n\n1. 一\n2. 二\n\n- 三\n\n> 引用 *文字*",
    "# 标题\n\n## 二级 [链接](x.html)\n\n    code <b>\n\n---\n",
    HOSTILE_MARKDOWN,
]


@pytest.mark.parametrize("text", WRITTEN + sample_texts())
def test_a_text_converts_as_with_every_pattern(text: str):
    assert markup.to_html.__wrapped__(text) == full(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="考核*_`\\[]()!<>&;#:/@.- |\n\t\u3000abc12", max_size=80))
def test_any_text_converts_as_with_every_pattern(text: str):
    assert markup.to_html.__wrapped__(text) == full(text)


def test_a_text_without_markup_characters_needs_no_pattern_of_theirs():
    assert markup.needs("平定县领导重视。\n\n- 建议") == (False,) * len(markup.TRIGGERS)
    assert markup.needs("**加粗**") == (False, False, False, False, False, True)
    assert markup.needs("a_b") == markup.needs("a*b")
