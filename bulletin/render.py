"""Turn scored years into the pages of the site (data contract, section 9)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

import jinja2

from . import charts, markup
from .model import DRAFT, Rubric, SiteConfig
from .scoring import CategoryRanking, UnitResult, YearResults, decimal_text

CN_DIGITS = "〇一二三四五六七八九"


@dataclass(frozen=True)
class Page:
    """One file of the output: where it goes, which template draws it, with what.

    `inputs` lists everything the page shows, cheaply comparable: the build renders a page
    again only when the digest of its inputs (with the theme's) differs from the last build.
    """

    path: str  # posix path inside the output folder
    template: str
    context: dict = field(hash=False)
    kind: str = ""  # what sort of page, to find the same page in other years
    inputs: tuple = field(default=(), hash=False)


def digest(*parts: object) -> str:
    """A short stable digest of objects' reprs (frozen dataclasses, Decimals, text)."""
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        h.update(repr(part).encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()


def result_digest(r: UnitResult) -> str:
    """Everything a page may show of a unit's result, without repeating its rubric."""
    s = r.score
    return digest(
        r.unit, s.rubric.id, s.sheet, s.total, [(d.dimension.id, d.subtotal) for d in s.dimensions],
        r.rank, r.tied, r.grade, r.weighted, r.commended, r.commendation_reason, r.rectify, r.rectification_reason,
    )  # fmt: skip


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
        self._rubric_digests: dict[int, tuple[Rubric, str]] = {}
        self.theme_digest = digest(
            sorted((p.relative_to(theme).as_posix(), p.read_bytes()) for p in (theme / "templates").rglob("*") if p.is_file())
        )

    def fingerprint(self, page: Page) -> str:
        """The digest of everything that decides the page's bytes."""
        alternates = page.context.get("alternates", [])
        return digest(self.theme_digest, page.path, page.template, page.inputs, alternates)

    # -- the pages --------------------------------------------------------------------------

    def pages(self) -> list[Page]:
        years_inputs = [
            (y.year, y.data.bulletin.title if y.data.bulletin else None, len(y.units)) for y in self.years
        ]
        pages = [Page("index.html", "years.html", {"years": self.years}, "years", (self.site, years_inputs))]
        for year in self.years:
            pages.extend(self.year_pages(year))
        by_kind: dict[str, dict[int, str]] = {}
        for p in pages:
            if "year" in p.context and p.kind:
                by_kind.setdefault(p.kind, {})[p.context["year"].year.year] = p.path
        for p in pages:
            # The same page in the other years, where it exists (a unit assessed, a rubric kept).
            alternates = [(y.year.year, by_kind.get(p.kind, {}).get(y.year.year)) for y in self.years]
            p.context["alternates"] = alternates if "year" in p.context else []
        return pages

    def year_pages(self, year: YearResults) -> Iterator[Page]:
        base = str(year.year.year)
        data = year.data
        # What every page of the year shows in its header and footer.
        nav = digest(
            self.site, year.year, [(r.id, r.title, r.short_title) for r in data.rubrics.values()],
            [(p.slug, p.title) for p in data.pages], [y.year.year for y in self.years],
        )  # fmt: skip
        results = {r.unit.id: result_digest(r) for r in year.units}
        everything = digest(nav, data.bulletin, list(results.values()))
        common = {"year": year}
        yield Page(
            f"{base}/index.html", "bulletin.html", {**common, "page": data.bulletin}, "bulletin", (everything,)
        )
        for ranking in year.rankings:
            yield Page(
                f"{base}/rankings/{ranking.category.id}/index.html",
                "ranking.html",
                {**common, "ranking": ranking},
                f"ranking:{ranking.category.id}",
                (nav, ranking.category, ranking.average, ranking.dimension_averages,
                 [results[r.unit.id] for r in ranking.results], self.rubric_digest(ranking)),
            )  # fmt: skip
        for ranking in year.rankings:
            ordered = list(ranking.results)
            scored = sum(1 for r in ordered if r.scored)
            for i, result in enumerate(ordered):
                previous = ordered[i - 1] if i > 0 else None
                following = ordered[i + 1] if i + 1 < len(ordered) else None
                yield Page(
                    f"{base}/units/{result.unit.id}/index.html",
                    "unit.html",
                    {**common, "result": result, "ranking": ranking, "previous": previous, "next": following},
                    f"unit:{result.unit.id}",
                    (nav, results[result.unit.id], self.rubric_digest_of(result.score.rubric), ranking.category,
                     ranking.dimension_averages, scored,
                     previous and results[previous.unit.id], following and results[following.unit.id]),
                )  # fmt: skip
        for rubric in data.rubrics.values():
            users = [r for r in year.units if r.unit.rubric == rubric.id]
            yield Page(
                f"{base}/rubrics/{rubric.id}/index.html",
                "rubric.html",
                {**common, "rubric": rubric, "users": users},
                f"rubric:{rubric.id}",
                (nav, self.rubric_digest_of(rubric), [(r.unit.id, r.unit.name) for r in users]),
            )
        for page in data.pages:
            yield Page(
                f"{base}/pages/{page.slug}/index.html", "page.html", {**common, "page": page}, f"page:{page.slug}",
                (nav, page),
            )  # fmt: skip

    def rubric_digest_of(self, rubric: Rubric) -> str:
        key = id(rubric)
        if key not in self._rubric_digests:
            self._rubric_digests[key] = (rubric, digest(rubric))
        return self._rubric_digests[key][1]

    def rubric_digest(self, ranking: CategoryRanking) -> list[str]:
        return sorted({self.rubric_digest_of(r.score.rubric) for r in ranking.results})

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
