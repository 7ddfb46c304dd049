"""Turn scored years into the pages of the site (data contract, section 9)."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

import jinja2

from . import charts, history, markup
from .archive import ArchivedYear, Correction
from .history import RankChange, Standing
from .model import DRAFT, Rubric, SiteConfig
from .scoring import CategoryRanking, UnitResult, YearResults, decimal_text


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
    scored = s.memo.get("digest")
    if scored is None:  # the costly part, kept with the score (reused by the preview)
        scored = s.memo["digest"] = digest(
            r.unit, s.rubric.id, s.sheet, s.total, [(d.dimension.id, d.subtotal) for d in s.dimensions]
        )
    return digest(
        scored, r.rank, r.tied, r.grade, r.weighted, r.commended, r.commendation_reason, r.rectify,
        r.rectification_reason,
    )  # fmt: skip


def num(value: Decimal | int | None) -> str:
    if value is None:
        return "—"
    return decimal_text(Decimal(value))


def cn_date(day: date | str | None) -> str:
    if isinstance(day, str):
        day = date.fromisoformat(day)
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def kind_of(path: str) -> str:
    """What sort of page a path of a year is, to find the same page in other years."""
    parts = path.split("/")[1:]
    if parts == ["index.html"]:
        return "bulletin"
    if len(parts) == 3 and parts[2] == "index.html" and parts[0] in ("rankings", "units", "rubrics", "pages"):
        return f"{parts[0]}:{parts[1]}"
    return ""


@dataclass(frozen=True, slots=True)
class YearEntry:
    """A year as the years index and the year switcher show it, live or archived."""

    year: int
    title: str
    date: date | str | None
    status: str
    units: int
    corrections: tuple[Correction, ...] = ()


def rank_text(result: UnitResult) -> str:
    if result.rank is None:
        return "尚未评分"
    return f"{'并列' if result.tied else ''}第{result.rank}名"


def percent(value: Decimal | None, maximum: Decimal) -> str:
    if value is None or maximum <= 0:
        return "0"
    return decimal_text(round(value / maximum * 100, 1))


@functools.lru_cache(maxsize=8)
def environment(theme: Path) -> jinja2.Environment:
    """The theme's Jinja environment, kept between builds (it recompiles templates that change)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(theme / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=True,
    )
    env.filters.update(num=num, cn_date=cn_date, rank_text=rank_text, percent=percent, markdown=markup.to_html)
    env.globals.update(bar_chart=charts.bar_chart, line_chart=charts.line_chart, Bar=charts.Bar)
    return env


class Renderer:
    """Knows the theme and every year, and yields the pages of the site.

    `years` are rendered now; `archived` are frozen years whose pages are copied from the
    archive, known here for the years index, links between years and unit histories.
    """

    def __init__(
        self,
        theme: Path,
        site: SiteConfig,
        years: Sequence[YearResults],
        archived: Sequence[ArchivedYear] = (),
        archived_standings: Sequence[Standing] = (),
        corrections: dict[int, tuple[Correction, ...]] | None = None,
    ) -> None:
        self.theme = theme
        self.site = site
        self.years = sorted(years, key=lambda y: y.year.year, reverse=True)
        self.archived = [a for a in archived if a.current]
        self.corrections = corrections or {}
        self.env = environment(theme)
        self._rubric_digests: dict[int, tuple[Rubric, str]] = {}
        # Templates and the code that draws pages decide every page's bytes as much as the data.
        code = Path(__file__).parent
        self.theme_digest = digest(
            sorted((p.relative_to(theme).as_posix(), p.read_bytes()) for p in (theme / "templates").rglob("*") if p.is_file()),
            sorted((p.name, p.read_bytes()) for p in code.glob("*.py")),
        )
        live = [s for y in self.years for s in history.standings(y)]
        self.by_year = history.index([*live, *archived_standings])
        self.changes = history.rank_changes(self.by_year)
        self.entries = sorted(
            [
                *(YearEntry(y.year.year, y.data.bulletin.title if y.data.bulletin else y.year.title,
                            (y.data.bulletin.date if y.data.bulletin else None) or y.year.date,  # as the archive's
                            y.year.status, len(y.units), self.corrections.get(y.year.year, ())) for y in self.years),
                *(YearEntry(a.year, a.bulletin_title, a.date, "frozen", len(self.by_year.get(a.year, {})),
                            a.corrections) for a in self.archived),
            ],  # fmt: skip
            key=lambda e: e.year,
            reverse=True,
        )
        self.year_list = [e.year for e in self.entries]
        # Where each kind of page is in each year, for the links between years.
        self.by_kind: dict[str, dict[int, str]] = {}
        for a in self.archived:
            for name in a.files:
                if kind := kind_of(f"{a.folder}/{name}"):
                    self.by_kind.setdefault(kind, {})[a.year] = f"{a.folder}/{name}"

    def fingerprint(self, page: Page) -> str:
        """The digest of everything that decides the page's bytes."""
        alternates = page.context.get("alternates", [])
        return digest(self.theme_digest, page.path, page.template, page.inputs, alternates)

    def change(self, year: int, unit: str) -> RankChange | None:
        return self.changes.get((year, unit))

    # -- the pages --------------------------------------------------------------------------

    def pages(self) -> list[Page]:
        pages = [Page("index.html", "years.html", {"entries": self.entries}, "years", (self.site, self.entries))]
        for year in self.years:
            pages.extend(self.year_pages(year))
        pages.extend(self.history_pages())
        for p in pages:
            if p.kind and "year" in p.context:
                self.by_kind.setdefault(p.kind, {})[p.context["year"].year.year] = p.path
        for p in pages:
            # The same page in the other years, where it exists (a unit assessed, a rubric kept).
            alternates = [(y, self.by_kind.get(p.kind, {}).get(y)) for y in self.year_list]
            p.context["alternates"] = alternates if "year" in p.context else []
        return pages

    def year_pages(self, year: YearResults) -> Iterator[Page]:
        number = year.year.year
        base = str(number)
        data = year.data
        corrections = self.corrections.get(number, ())
        # What every page of the year shows in its header and footer.
        nav = digest(
            self.site, year.year, [(r.id, r.title, r.short_title) for r in data.rubrics.values()],
            [(p.slug, p.title) for p in data.pages], self.year_list, corrections,
        )  # fmt: skip
        results = {r.unit.id: result_digest(r) for r in year.units}
        changes = {u: self.change(number, u) for u in results}
        # The bulletin shows every unit's result and its rank change since the year before.
        everything = digest(nav, data.bulletin, list(results.values()), list(changes.values()))
        common = {"year": year, "corrections": corrections, "changes": changes}
        yield Page(
            f"{base}/index.html", "bulletin.html", {**common, "page": data.bulletin}, "bulletin", (everything,)
        )
        for ranking in year.rankings:
            yield Page(
                f"{base}/rankings/{ranking.category.id}/index.html",
                "ranking.html",
                {**common, "ranking": ranking},
                f"rankings:{ranking.category.id}",
                (nav, ranking.category, ranking.average, ranking.dimension_averages,
                 [(results[r.unit.id], changes[r.unit.id]) for r in ranking.results], self.rubric_digest(ranking)),
            )  # fmt: skip
        for ranking in year.rankings:
            ordered = list(ranking.results)
            scored = sum(1 for r in ordered if r.scored)
            # A unit page shows the category's averages only as ticks on its chart: a change of
            # the average that moves no tick need not render the whole category again.
            ticks = {
                id(rubric): [(d.id, charts.bar_position(ranking.dimension_averages[d.id], d.points))
                             for d in rubric.dimensions if d.id in ranking.dimension_averages]
                for rubric in {id(r.score.rubric): r.score.rubric for r in ordered}.values()
            }  # fmt: skip
            for i, result in enumerate(ordered):
                previous = ordered[i - 1] if i > 0 else None
                following = ordered[i + 1] if i + 1 < len(ordered) else None
                yield Page(
                    f"{base}/units/{result.unit.id}/index.html",
                    "unit.html",
                    {**common, "result": result, "ranking": ranking, "previous": previous, "next": following,
                     "scored_count": scored},
                    f"units:{result.unit.id}",
                    (nav, results[result.unit.id], changes[result.unit.id],
                     self.rubric_digest_of(result.score.rubric), ranking.category, ticks[id(result.score.rubric)],
                     scored, previous and results[previous.unit.id], following and results[following.unit.id]),
                )  # fmt: skip
        for rubric in data.rubrics.values():
            users = [r for r in year.units if r.unit.rubric == rubric.id]
            yield Page(
                f"{base}/rubrics/{rubric.id}/index.html",
                "rubric.html",
                {**common, "rubric": rubric, "users": users},
                f"rubrics:{rubric.id}",
                (nav, self.rubric_digest_of(rubric), [(r.unit.id, r.unit.name) for r in users]),
            )
        for page in data.pages:
            yield Page(
                f"{base}/pages/{page.slug}/index.html", "page.html", {**common, "page": page}, f"pages:{page.slug}",
                (nav, page),
            )  # fmt: skip

    def history_pages(self) -> Iterator[Page]:
        for unit, rows in history.histories(self.by_year).items():
            lines = [
                (year, standing, self.by_kind.get(f"units:{unit}", {}).get(year), self.change(year, unit))
                for year, standing in rows
            ]
            # by_kind holds archived years so far; live years' unit pages follow a fixed pattern.
            live = {y.year.year for y in self.years}
            lines = [
                (year, s, f"{year}/units/{unit}/index.html" if (s and year in live) else href, change)
                for year, s, href, change in lines
            ]
            yield Page(f"units/{unit}/index.html", "history.html", {"unit": unit, "lines": lines}, "history",
                       (self.site, self.year_list, lines))  # fmt: skip

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
        root = "../" * depth
        in_year = "year" in page.context
        context = {
            "corrections": (),
            **page.context,
            "site": self.site,
            "entries": self.entries,
            "root": root,
            # Links inside a year never name its folder, so that an archived version moved to
            # <YEAR>-v<N>/ by a correction still links to its own pages, data and style.
            "yroot": "../" * (depth - 1) if in_year else root,
            "static": ("../" * (depth - 1) + "static/") if in_year else root + "static/",
            "path": page.path,
            "draft": in_year and page.context["year"].year.status == DRAFT,
        }
        return self.env.get_template(page.template).render(context)
