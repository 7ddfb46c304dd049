"""Turn scored years into the pages of the site (data contract, section 9).

Every page is a path, a template and a view (see `views`); a template sees its view's fields,
the site's settings and the page's links to the site root, and nothing else. The fingerprint
of a page is the digest of exactly those, with the theme's and the drawing code's.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import operator
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TypeVar

import jinja2

from . import charts, history, markup, views
from .history import RankChange, Standing
from .model import FROZEN, ArchivedYear, Category, Correction, SiteConfig
from .reuse import Parts
from .scoring import UnitResult, YearResults, decimal_text

T = TypeVar("T")

CODE = Path(__file__).parent


@dataclass(frozen=True)
class Page:
    """One page of the output: where it goes, which template draws it, and its view."""

    path: str  # posix path inside the output folder
    template: str
    view: object
    kind: str = ""  # which pages are alike, to slice them between render workers


def digest(*parts: object) -> str:
    """A short stable digest of objects' reprs (frozen dataclasses, Decimals, text)."""
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        h.update(repr(part).encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()


def num(value: Decimal | int | None) -> str:
    if value is None:
        return "—"
    return decimal_text(Decimal(value))


def fixed(value: Decimal | int | None, places: int = 2) -> str:
    """A score with a fixed number of decimals, so that a table's column lines up: 92.5 -> 92.50."""
    if value is None:
        return "—"
    return format(Decimal(value).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP), "f")


def cn_date(day: date | str | None) -> str:
    if isinstance(day, str):
        day = date.fromisoformat(day)
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


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
    env.filters.update(
        num=num, fixed=fixed, cn_date=cn_date, percent=percent, markdown=markup.to_html
    )
    env.globals.update(bar_chart=charts.bar_chart, line_chart=charts.line_chart, Bar=charts.Bar)
    return env


def theme_digest(theme: Path) -> str:
    """The templates and the code that draws pages decide every page's bytes as much as its view."""
    templates = theme / "templates"
    return digest(
        sorted(
            (p.relative_to(templates).as_posix(), p.read_bytes())
            for p in templates.rglob("*")
            if p.is_file()
        ),
        sorted((p.relative_to(CODE).as_posix(), p.read_bytes()) for p in CODE.rglob("*.py")),
    )


def context(page: Page, site: SiteConfig) -> dict[str, object]:
    """All that the page's template sees: its view's fields, the site's settings, its links."""
    depth = page.path.count("/")
    root = "../" * depth
    frame = getattr(page.view, "frame", None)
    # Links inside a year never name its folder, so that an archived version moved to
    # <YEAR>-v<N>/ by a correction still links to its own pages, data and style.
    yroot = "../" * (depth - 1) if frame is not None else root
    values = {name: getattr(page.view, name) for name in _fields_of(type(page.view)) or ()}
    return {
        **values,
        "site": site,
        "path": page.path,
        "root": root,
        "yroot": yroot,
        "static": yroot + "static/",
    }


SCALARS = frozenset({str, int, float, bool, Decimal, date, type(None)})
SHALLOW = SCALARS | {tuple}


class Digests:
    """Digests of view objects, each made once and kept by identity while the object lives.

    A view's digest covers every field its `repr` shows, recursively (what its template can
    reach), the same as digesting its repr. A part shared by many pages (a year's frame, a
    unit's row in three tables) is digested once; a small part of plain values (an item's row)
    is written out in its parent's digest instead; the preview keeps the digests of the parts it
    reuses from build to build (`reuse.BuildState`).
    """

    def __init__(self, kept: dict[int, tuple[object, bytes]] | None = None) -> None:
        self.kept = kept if kept is not None else {}
        self.used: dict[int, tuple[object, bytes]] = {}

    def of(self, obj: object) -> bytes:
        key = id(obj)
        hit = self.used.get(key) or self.kept.get(key)
        if hit is not None and hit[0] is obj:
            self.used[key] = hit
            return hit[1]
        name, values = _values(obj)
        parts = (name, *map(self._part, values))
        value = hashlib.blake2b(repr(parts).encode("utf-8"), digest_size=16).digest()
        self.used[key] = (obj, value)
        return value

    def _part(self, value: object) -> object:
        if type(value) in SCALARS:
            return value
        name, values = _values(value)
        if _plain(values):
            return (name, values)  # plain values only: as cheap to write out as to digest
        return self.of(value)


def _values(obj: object) -> tuple[str, tuple]:
    """A value's type name and what its repr shows of it, as a tuple of values."""
    cls = type(obj)
    getter = _getter(cls)
    if getter is not None:
        return cls.__name__, getter(obj)
    if cls is tuple or cls is list:
        return cls.__name__, tuple(obj)  # type: ignore[arg-type]
    if cls is dict:
        return "dict", tuple(obj.items())  # type: ignore[union-attr]
    return "repr", (repr(obj),)  # any other value: by its repr


def _plain(values: tuple) -> bool:
    """Whether these are plain values, or tuples of plain values, only."""
    types = set(map(type, values))
    if types <= SCALARS:
        return True
    return types <= SHALLOW and all(
        set(map(type, v)) <= SCALARS for v in values if type(v) is tuple
    )


@functools.cache
def _getter(cls: type) -> Callable[[object], tuple] | None:
    """Reads the fields a dataclass's repr shows, as a tuple; None for any other type."""
    names = _fields_of(cls)
    if names is None:
        return None
    if len(names) == 1:
        one = operator.attrgetter(names[0])
        return lambda obj: (one(obj),)
    return operator.attrgetter(*names) if names else lambda obj: ()


@functools.cache
def _fields_of(cls: type) -> tuple[str, ...] | None:
    """The fields a dataclass's repr shows, or None for any other type."""
    if not dataclasses.is_dataclass(cls):
        return None
    return tuple(f.name for f in dataclasses.fields(cls) if f.repr)


def fingerprint(page: Page, site: SiteConfig, theme: str, digests: Digests) -> str:
    """The digest of everything that decides the page's bytes: one list, the template's context."""
    return digest(theme, page.template, page.path, digests.of(site), digests.of(page.view))


def draw(env: jinja2.Environment, page: Page, site: SiteConfig) -> str:
    return env.get_template(page.template).render(context(page, site))


# -- the pages of the site ---------------------------------------------------------------------


def kind_of(path: str) -> str:
    """What sort of page a path of a year is, to find the same page in other years."""
    parts = path.split("/")[1:]
    if parts == ["index.html"]:
        return "bulletin"
    if len(parts) == 2 and parts[1] == "index.html" and parts[0] in ("rankings", "units"):
        return f"{parts[0]}-index"
    if (
        len(parts) == 3
        and parts[2] == "index.html"
        and parts[0] in ("rankings", "units", "rubrics", "pages")
    ):
        return f"{parts[0]}:{parts[1]}"
    return ""


def year_paths(results: YearResults) -> Iterator[str]:
    """Every page of a year built now, by path."""
    base = str(results.year.number)
    yield f"{base}/index.html"
    yield f"{base}/rankings/index.html"
    yield f"{base}/units/index.html"
    for ranking in results.rankings:
        yield f"{base}/rankings/{ranking.category.id}/index.html"
    for r in results.units:
        yield f"{base}/units/{r.unit.id}/index.html"
    for rubric in results.data.rubrics.values():
        yield f"{base}/rubrics/{rubric.id}/index.html"
    for page in results.data.pages:
        yield f"{base}/pages/{page.slug}/index.html"


class Pages:
    """Knows every year, built now or archived, and yields the pages of the site with their views.

    `years` are rendered now; `archived` are frozen years whose pages are copied from the
    archive, known here for the years index, links between years and unit histories.
    """

    def __init__(
        self,
        years: Sequence[YearResults],
        archived: Sequence[ArchivedYear] = (),
        archived_standings: Sequence[Standing] = (),
        corrections: dict[int, tuple[Correction, ...]] | None = None,
        parts: Parts | None = None,
        ahead: dict[int, date] | None = None,
    ) -> None:
        self.parts = parts
        self.years = sorted(years, key=lambda y: y.year.number, reverse=True)
        self.ahead = ahead or {}  # published years shown before their date, in a preview
        self.archived = [a for a in archived if a.current]
        self.corrections = corrections or {}
        live = [s for y in self.years for s in history.standings(y)]
        self.by_year = history.index([*live, *archived_standings])
        self.changes = history.rank_changes(self.by_year)
        entries = [
            views.YearEntry(
                y.year.number,
                y.data.title,
                y.data.date,
                y.year.status,
                len(y.units),
                self.corrections.get(y.year.number, ()),
            )
            for y in self.years
        ] + [
            views.YearEntry(
                a.year,
                a.bulletin_title,
                a.date,
                FROZEN,
                len(self.by_year.get(a.year, {})),
                a.corrections,
            )
            for a in self.archived
        ]
        self.entries = tuple(sorted(entries, key=lambda e: e.year, reverse=True))
        self.year_list = [e.year for e in self.entries]
        # Where each kind of page is in each year, for the links between years.
        self.by_kind: dict[str, dict[int, str]] = {}
        for a in self.archived:
            for name in a.files:
                if kind := kind_of(f"{a.folder}/{name}"):
                    self.by_kind.setdefault(kind, {})[a.year] = f"{a.folder}/{name}"
        for y in self.years:
            for path in year_paths(y):
                self.by_kind.setdefault(kind_of(path), {})[y.year.number] = path

    def alternates(self, path: str) -> views.Alternates:
        """The same page in every year of the site, where it exists (a unit assessed, a rubric kept)."""
        found = self.by_kind.get(kind_of(path), {})
        return tuple((y, found.get(y)) for y in self.year_list)

    def change(self, year: int, unit: str) -> RankChange | None:
        return self.changes.get((year, unit))

    def kept(self, owner: object, key: tuple, make: Callable[[], T]) -> T:
        """`make()`, or the part made from the same `owner` and `key` in an earlier build."""
        return make() if self.parts is None else self.parts.get(owner, key, make)

    def row(
        self,
        result: UnitResult,
        category: Category,
        columns: tuple[views.Column, ...],
        change: RankChange | None,
        shown: bool,
    ) -> views.Row:
        key = (
            result.rank,
            result.tied,
            result.grade,
            result.weighted,
            result.commendation_reason,
            result.rectification_reason,
            category.title,
            columns,
            change,
            shown,
        )
        return self.kept(
            result.score, ("row", *key), lambda: views.row(result, category, columns, change, shown)
        )

    def __iter__(self) -> Iterator[Page]:
        yield Page("index.html", "years.html", views.YearsView(self.entries), "years")
        for year in self.years:
            yield from self.year_pages(year)
        yield from self.history_pages()
        yield from self.site_pages()

    def site_pages(self) -> Iterator[Page]:
        """The pages about the whole site: every unit, search, and the page for a wrong address."""
        years = tuple(self.year_list)
        units = []
        for unit, rows in history.histories(self.by_year).items():
            assessed = [s for _, s in rows if s is not None]
            latest = assessed[-1]
            units.append(
                views.SiteUnit(
                    unit,
                    latest.name,
                    latest.category_title,
                    tuple(s.year for s in reversed(assessed)),
                )
            )
        order = {}
        for entry in self.entries:  # the categories of the newest year first, as it lists them
            for s in self.by_year.get(entry.year, {}).values():
                order.setdefault(s.category_title, len(order))
        groups: dict[str, list[views.SiteUnit]] = {}
        for u in sorted(units, key=lambda u: order.get(u.category, len(order))):
            groups.setdefault(u.category, []).append(u)
        view = views.SiteUnitsView(tuple((c, tuple(us)) for c, us in groups.items()))
        yield Page("units/index.html", "site_units.html", view, "site")
        listed = tuple(y.year.number for y in self.years)
        yield Page("search/index.html", "search.html", views.SearchView(years, listed), "site")
        yield Page("404.html", "404.html", views.NotFoundView(listed), "site")

    def year_pages(self, results: YearResults) -> Iterator[Page]:
        number = results.year.number
        base = str(number)
        data, year = results.data, results.year
        frame = views.frame(results, self.corrections.get(number, ()), self.ahead.get(number))
        shown = not year.grades_only  # scores are published; else no view holds a single one
        tables = []
        for ranking in results.rankings:
            columns = views.columns_of(ranking.results) if shown else ()
            rows = tuple(
                self.row(r, ranking.category, columns, self.change(number, r.unit.id), shown)
                for r in ranking.results
            )
            averages = tuple(ranking.dimension_averages.get(c.id) for c in columns)
            scored = sum(1 for r in rows if r.scored)
            has_changes = any(r.change for r in rows)
            average = ranking.average if shown else None
            tables.append(
                views.Table(
                    ranking.category, rows, columns, average, averages, scored, has_changes, shown
                )
            )
        by_unit = {r.id: r for t in tables for r in t.rows}
        bulletin = data.bulletin
        path = f"{base}/index.html"
        yield Page(
            path,
            "bulletin.html",
            views.BulletinView(
                frame,
                self.alternates(path),
                data.title,
                bulletin.number if bulletin else None,
                bulletin.recipients if bulletin else None,
                bulletin.body if bulletin else "",
                data.date,
                tuple(tables),
                tuple(by_unit[r.unit.id] for r in results.commended),
                tuple(by_unit[r.unit.id] for r in results.rectify),
                year.grades,
                bulletin.cc if bulletin else None,
                bulletin.printed_by if bulletin else None,
                bulletin.printed_on if bulletin else None,
            ),
            "bulletin",
        )
        path = f"{base}/rankings/index.html"
        view = views.RankingsIndexView(frame, self.alternates(path), tuple(tables))
        yield Page(path, "rankings_index.html", view, "index")
        path = f"{base}/units/index.html"
        view = views.UnitsIndexView(frame, self.alternates(path), tuple(tables), bool(year.grades))
        yield Page(path, "units_index.html", view, "index")
        for table in tables:
            path = f"{base}/rankings/{table.category.id}/index.html"
            weight = year.weight if shown else None
            view = views.RankingView(frame, self.alternates(path), table, bool(year.grades), weight)
            yield Page(path, "ranking.html", view, "ranking")
        for ranking, table in zip(results.rankings, tables, strict=True):
            ordered = ranking.results
            # A unit's chart shows the category's averages only as ticks: an average that moves
            # no tick changes no unit page.
            ticks = views.ticks(ordered, ranking.dimension_averages)
            for i, result in enumerate(ordered):
                unit = result.unit
                path = f"{base}/units/{unit.id}/index.html"
                sheet = result.score.sheet
                rubric = result.score.rubric
                yield Page(
                    path,
                    "unit.html",
                    views.UnitView(
                        frame,
                        self.alternates(path),
                        unit.id,
                        unit.name,
                        unit.group,
                        unit.tasks,
                        ranking.category,
                        table.rows[i],
                        table.scored,
                        views.Link(f"rubrics/{rubric.id}/index.html", rubric.title),
                        rubric.total,
                        self.kept(
                            result.score,
                            ("dimensions", ticks[rubric.id]),
                            lambda r=result, t=ticks[rubric.id]: views.unit_dimensions(r, dict(t)),
                        )
                        if shown
                        else (),
                        year.aggregate,
                        sheet is not None,
                        sheet.opinion if sheet else None,
                        sheet.evidence if sheet else (),
                        bool(year.grades),
                        year.weight if shown else None,
                        table.rows[i - 1] if i > 0 else None,
                        table.rows[i + 1] if i + 1 < len(ordered) else None,
                    ),
                    "unit",
                )
        for rubric in data.rubrics.values():
            path = f"{base}/rubrics/{rubric.id}/index.html"
            users = tuple(
                views.Link(f"units/{r.unit.id}/index.html", r.unit.name)
                for r in results.units
                if r.unit.rubric == rubric.id
            )
            conditions = views.conditions(rubric, year.attribute_labels)
            view = views.RubricView(frame, self.alternates(path), rubric, users, conditions)
            yield Page(path, "rubric.html", view, "rubric")
        for page in data.pages:
            path = f"{base}/pages/{page.slug}/index.html"
            yield Page(
                path, "page.html", views.MarkdownView(frame, self.alternates(path), page), "page"
            )

    def history_pages(self) -> Iterator[Page]:
        for unit, rows in history.histories(self.by_year).items():
            pages = self.by_kind.get(f"units:{unit}", {})
            lines = tuple(
                views.HistoryLine(
                    year, standing, pages.get(year) if standing else None, self.change(year, unit)
                )
                for year, standing in rows
            )
            yield Page(
                f"units/{unit}/index.html",
                "history.html",
                views.HistoryView(unit, lines),
                "history",
            )
