"""The site's search index: every year's units, opinions, tasks and rubric items, as one script.

The index is a classic script (`window.BULLETIN_SEARCH = {...};`) that the search page loads
with `<script src>`: that works from file://, where fetch() of a local file and ES modules do
not. It holds plain text, not a token index: the search page matches what people type as a
substring of that text, which finds any Chinese phrase exactly without a word segmenter, and
plain text is smaller than a bigram index of it. It lives at the site's root (`search/`), never
in a year's folder, so that a frozen year's bytes do not change when another year does.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from .history import Standing, standings
from .scoring import YearResults, decimal_text

PATH = "search/index.js"
FORMAT = 1

_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")  # [text](url) -> text
_MARKUP = re.compile(r"[*_`#>|~]+|<[^>]+>")
_SPACE = re.compile(r"\s+")


def plain(markdown: str) -> str:
    """Markdown as the words a reader sees: links' text, no markup, single spaces."""
    return _SPACE.sub(" ", _MARKUP.sub(" ", _LINK.sub(r"\1", markdown))).strip()


def unit_text(result) -> str:  # noqa: ANN001 - a scoring.UnitResult
    """What a unit's page says that people may search for besides its name."""
    parts = list(result.unit.tasks)
    sheet = result.score.sheet
    if sheet is not None:
        if sheet.opinion:
            parts.append(plain(sheet.opinion))
        parts.extend(e.title for e in sheet.evidence)
    parts.extend(i.note for d in result.score.dimensions for i in d.items if i.note)
    if result.commendation_reason:
        parts.append(result.commendation_reason)
    if result.rectification_reason:
        parts.append(result.rectification_reason)
    return " ".join(parts)


def _unit(year: int, s: Standing, text: str, commended: bool, rectify: bool) -> list:
    total = decimal_text(s.total) if s.scored and s.total is not None else None
    flags = ("表彰" if commended else "") + ("整改" if rectify else "")
    return [year, s.unit, s.name, s.category_title, s.rank, s.tied, total, s.grade, flags, text]


def search_index(
    years: Sequence[YearResults],
    archived: Sequence[Standing] = (),
    archived_titles: dict[int, str] | None = None,
) -> str:
    """The index of the whole site as a script; `archived` are frozen years' published results."""
    titles: dict[int, str] = dict(archived_titles or {})
    units: list[list] = []
    docs: list[list] = []
    for y in sorted(years, key=lambda y: y.year.number, reverse=True):
        number = y.year.number
        titles[number] = y.data.title
        for s, r in zip(standings(y), y.units, strict=True):
            units.append(_unit(number, s, unit_text(r), r.commended, r.rectify))
        for rubric in y.data.rubrics.values():
            words = [d.title for d in rubric.dimensions]
            for item in rubric.items():
                words.extend(t for t in (item.title, *(v.title for v in item.variants)) if t)
            href = f"{number}/rubrics/{rubric.id}/index.html"
            docs.append([number, href, rubric.title, " ".join(words)])
        for page in y.data.pages:
            href = f"{number}/pages/{page.slug}/index.html"
            docs.append([number, href, page.title, plain(page.body)])
    for s in sorted(archived, key=lambda s: -s.year):
        titles.setdefault(s.year, f"{s.year}年度")
        units.append(_unit(s.year, s, "", False, False))
    data = {
        "format": FORMAT,
        "years": [[year, title] for year, title in sorted(titles.items(), reverse=True)],
        "units": units,
        "docs": docs,
    }
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    # "</" would end an inline script; the file is loaded by src, but keep it safe either way.
    text = text.replace("</", "<\\/")
    return f"/* 站内搜索索引，由 build.py 生成，请勿手工修改。 */\nwindow.BULLETIN_SEARCH={text};\n"
