"""The site's search index: every year's units, opinions, tasks and rubric items, as scripts.

The index is classic scripts that the search page loads with `<script src>`: that works from
file://, where fetch() of a local file and ES modules do not. `search/index.js` holds what a
result shows (each year's units with category, rank and total, and the titles of its rubrics
and pages), small enough to load at once; `search/text-<YEAR>.js` holds a year's searchable
text, loaded when someone searches. Both are plain text, not a token index: the search page
matches what people type as a substring, which finds any Chinese phrase exactly without a
word segmenter, and plain text is smaller than a bigram index of it. They live at the site's
root, never in a year's folder, so that a frozen year's bytes do not change when another
year does; one year's text file changes only when that year does.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence

from .history import Standing, standings
from .scoring import UnitResult, YearResults, decimal_text

PATH = "search/index.js"
HEAD = "/* 站内搜索索引，由 build.py 生成，请勿手工修改。 */\n"
FORMAT = 1

_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")  # [text](url) -> text
_MARKUP = re.compile(r"[*_`#>|~]+|<[^>]+>")
_SPACE = re.compile(r"\s+")


def plain(markdown: str) -> str:
    """Markdown as the words a reader sees: links' text, no markup, single spaces."""
    return _SPACE.sub(" ", _MARKUP.sub(" ", _LINK.sub(r"\1", markdown))).strip()


def unit_text(result: UnitResult) -> str:
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


def unit_json(result: UnitResult) -> str:
    """`unit_text` as the text file holds it: a JSON string (each is kept so by the preview)."""
    return _script(unit_text(result))


def _unit(s: Standing, categories: dict[str, int], commended: bool, rectify: bool) -> list:
    total = decimal_text(s.total) if s.scored and s.total is not None else None
    flags = ("表彰" if commended else "") + ("整改" if rectify else "")
    category = categories.setdefault(s.category_title, len(categories))
    return [s.unit, s.name, category, s.rank, s.tied, total, s.grade, flags]


def _script(data: object) -> str:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    # "</" would end an inline script; the files are loaded by src, but keep them safe either way.
    return text.replace("</", "<\\/")


def search_files(
    years: Sequence[YearResults],
    archived: Sequence[Standing] = (),
    archived_titles: dict[int, str] | None = None,
    text: Callable[[UnitResult], str] | None = None,
    live: dict[int, list[Standing]] | None = None,
) -> dict[str, str]:
    """The index of the whole site, by path; `archived` are frozen years' published results.

    `text`: `unit_json`, or the preview's copy that keeps each unit's text (reuse.BuildState);
    `live`: each year's `history.standings`, if made already (`pages.Pages` keeps them).
    """
    text = text or unit_json
    entries: dict[int, dict] = {}
    texts: dict[int, str] = {}
    for y in years:
        number, categories = y.year.number, {}
        ranked = live[number] if live is not None else standings(y)
        units = [
            _unit(s, categories, r.commended, r.rectify)
            for s, r in zip(ranked, y.units, strict=True)
        ]
        docs, doc_texts = [], []
        for rubric in y.data.rubrics.values():
            words = [d.title for d in rubric.dimensions]
            for item in rubric.items():
                words.extend(t for t in (item.title, *(v.title for v in item.variants)) if t)
            docs.append([f"rubrics/{rubric.id}/index.html", rubric.title, "评分标准"])
            doc_texts.append(" ".join(words))
        for page in y.data.pages:
            docs.append([f"pages/{page.slug}/index.html", page.title, "说明"])
            doc_texts.append(plain(page.body))
        entries[number] = {
            "title": y.data.title,
            "categories": list(categories),
            "units": units,
            "docs": docs,
            "text": True,
        }
        # _script({"units": [...], "docs": [...]}), from each unit's text as JSON already
        units_json = ",".join(text(r) for r in y.units)
        texts[number] = f'{{"units":[{units_json}],"docs":{_script(doc_texts)}}}'
    for s in archived:  # names, categories and ranks only: that is what an archive keeps
        if s.year not in entries:
            title = (archived_titles or {}).get(s.year, f"{s.year}年度")
            entries[s.year] = {
                "title": title,
                "categories": [],
                "units": [],
                "docs": [],
                "text": False,
            }
        entry = entries[s.year]
        categories = {c: i for i, c in enumerate(entry["categories"])}
        entry["units"].append(_unit(s, categories, False, False))
        entry["categories"] = list(categories)
    index = {
        "format": FORMAT,
        "years": [{"year": n, **entries[n]} for n in sorted(entries, reverse=True)],
    }
    files = {PATH: f"{HEAD}window.BULLETIN_SEARCH={_script(index)};\n"}
    for number, text in texts.items():
        files[f"search/text-{number}.js"] = (
            f"{HEAD}(window.BULLETIN_SEARCH_TEXT=window.BULLETIN_SEARCH_TEXT||{{}})"
            f"[{number}]={text};\n"
        )
    return files
