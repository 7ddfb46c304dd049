"""Turn scored years into the pages of the site (data contract, section 9)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

import jinja2

from . import charts, markup
from .model import DRAFT, SiteConfig
from .scoring import UnitResult, YearResults, decimal_text

CN_DIGITS = "〇一二三四五六七八九"


@dataclass(frozen=True)
class Page:
    """One file of the output: where it goes, which template draws it, with what."""

    path: str  # posix path inside the output folder
    template: str
    context: dict = field(hash=False)
    kind: str = ""  # what sort of page, to find the same page in other years


def num(value: Decimal | int | None) -> str:
    if value is None:
        return "—"
    return decimal_text(Decimal(value))


def cn_date(day: date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def rank_text(result: UnitResult) -> str:
    if result.rank is None:
        return "尚未评分"
    return f"{'并列' if result.tied else ''}第{result.rank}名"


def percent(value: Decimal | None, maximum: Decimal) -> str:
    if value is None or maximum <= 0:
        return "0"
    return decimal_text(round(value / maximum * 100, 1))


class Renderer:
    """Knows the theme and every year, and yields the pages of the site."""

    def __init__(self, theme: Path, site: SiteConfig, years: Sequence[YearResults]) -> None:
        self.theme = theme
        self.site = site
        self.years = sorted(years, key=lambda y: y.year.year, reverse=True)
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(theme / "templates"),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.env.filters.update(
            num=num, cn_date=cn_date, rank_text=rank_text, percent=percent, markdown=markup.to_html
        )
        self.env.globals.update(bar_chart=charts.bar_chart, line_chart=charts.line_chart, Bar=charts.Bar)

    # -- the pages --------------------------------------------------------------------------

    def pages(self) -> list[Page]:
        pages = [Page("index.html", "years.html", {"years": self.years}, "years")]
        for year in self.years:
            pages.extend(self.year_pages(year))
        known = {p.path for p in pages}
        by_kind: dict[str, dict[int, str]] = {}
        for p in pages:
            if "year" in p.context and p.kind:
                by_kind.setdefault(p.kind, {})[p.context["year"].year.year] = p.path
        for p in pages:
            # The same page in the other years, where it exists (a unit assessed, a rubric kept).
            p.context["alternates"] = [
                (y.year.year, by_kind.get(p.kind, {}).get(y.year.year)) for y in self.years
            ] if p.kind and "year" in p.context else []
            p.context.setdefault("known", known)
        return pages

    def year_pages(self, year: YearResults) -> Iterator[Page]:
        base = str(year.year.year)
        common = {"year": year}
        yield Page(f"{base}/index.html", "bulletin.html", {**common, "page": year.data.bulletin}, "bulletin")
        for ranking in year.rankings:
            yield Page(
                f"{base}/rankings/{ranking.category.id}/index.html",
                "ranking.html",
                {**common, "ranking": ranking},
                f"ranking:{ranking.category.id}",
            )
        for ranking in year.rankings:
            ordered = list(ranking.results)
            for i, result in enumerate(ordered):
                yield Page(
                    f"{base}/units/{result.unit.id}/index.html",
                    "unit.html",
                    {
                        **common,
                        "result": result,
                        "ranking": ranking,
                        "previous": ordered[i - 1] if i > 0 else None,
                        "next": ordered[i + 1] if i + 1 < len(ordered) else None,
                    },
                    f"unit:{result.unit.id}",
                )
        for rubric in year.data.rubrics.values():
            users = [r for r in year.units if r.unit.rubric == rubric.id]
            yield Page(
                f"{base}/rubrics/{rubric.id}/index.html",
                "rubric.html",
                {**common, "rubric": rubric, "users": users},
                f"rubric:{rubric.id}",
            )
        for page in year.data.pages:
            yield Page(f"{base}/pages/{page.slug}/index.html", "page.html", {**common, "page": page}, f"page:{page.slug}")

    # -- drawing ----------------------------------------------------------------------------

    def render(self, page: Page) -> str:
        depth = page.path.count("/")
        context = {
            **page.context,
            "site": self.site,
            "all_years": self.years,
            "root": "../" * depth,
            "path": page.path,
            "draft": "year" in page.context and page.context["year"].year.status == DRAFT,
        }
        return self.env.get_template(page.template).render(context)
