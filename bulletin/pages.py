"""Which pages the site has, each with its view: the years, every year's pages, unit histories.

`Pages` knows every year, built now or archived, for the links between years and the years
index; `render` draws and fingerprints what it yields.
"""

from __future__ import annotations

import dataclasses
import functools
import operator
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from decimal import Decimal
from typing import TypeVar

from . import history, views
from .history import RankChange, Standing
from .model import FROZEN, ArchivedYear, Category, Correction, Unit, Year
from .render import Page
from .reuse import Parts
from .scoring import CategoryRanking, UnitResult, UnitScore, YearResults

T = TypeVar("T")


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
        # each category's standings by result, by year and category: kept while its ranking is
        self.standing_sets: dict[tuple[int, str], dict[int, Standing]] = {}
        # each year's standings, in the order of its units (the search index lists them so)
        self.live = {y.year.number: self.standings(y) for y in self.years}
        live = [s for y in self.years for s in self.live[y.year.number]]
        self.by_year = history.index([*live, *archived_standings])
        # the archived standings as one kept object while they are the same values, written the
        # same way (archives are read on every build)
        standings = tuple(archived_standings)
        self.archived_standings = self.kept(
            (), ("archived", *map(_written, standings)), lambda: standings
        )
        self.changes = history.rank_changes(self.by_year)
        self.histories = history.histories(self.by_year)
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
        # Where each kind of page is in each year, for the links between years: a year built
        # now has its pages' kinds kept while its units, categories, rubrics and pages are the
        # very same objects.
        self.kinds: dict[int, dict[str, str]] = {}
        for a in self.archived:
            found = self.kinds.setdefault(a.year, {})
            for name in a.files:
                if kind := kind_of(f"{a.folder}/{name}"):
                    found[kind] = f"{a.folder}/{name}"
        for y in self.years:
            own = self.kept(
                (y.year, y.data.units, *y.data.rubrics.values(), *y.data.pages),
                ("kinds",),
                lambda y=y: {kind_of(path): path for path in year_paths(y)},
            )
            number = y.year.number
            self.kinds[number] = {**self.kinds[number], **own} if number in self.kinds else own
        # Which years have a page of each unit, as an object kept while they are the same: the
        # years' own units, and the archived years' files by name
        self.unit_years = self.kept(
            tuple(y.data.units for y in self.years),
            ("unit-years", tuple(self.year_list), *((a.folder, *a.files) for a in self.archived)),
            object,
        )

    def alternates(self, path: str) -> views.Alternates:
        """The same page in every year of the site, where it exists (a unit assessed, a rubric kept)."""
        kind, kinds = kind_of(path), self.kinds
        return tuple((y, kinds[y].get(kind)) for y in self.year_list)

    def change(self, year: int, unit: str) -> RankChange | None:
        return self.changes.get((year, unit))

    def kept(self, owners: tuple, key: tuple, make: Callable[[], T]) -> T:
        """`make()`, or the part made from the very same `owners` and an equal `key` in an
        earlier build (see `reuse.Parts`)."""
        return make() if self.parts is None else self.parts.get(owners, key, make)

    def standings(self, results: YearResults) -> list[Standing]:
        """`history.standings`, each kept while the unit's score and result are the same, so
        that the unit's history page is the same view (and digest) while its years are."""
        year = results.year
        titles = {c.id: c.title for c in year.categories}
        number, hidden = year.number, year.grades_only

        def standing(r: UnitResult) -> Standing:
            key = (number, hidden, titles.get(r.unit.category), r.rank, r.tied, r.grade)
            return self.kept(
                (r.score,), ("standing", *key), lambda: history.standing(year, titles, r)
            )

        by_result: dict[int, Standing] = {}
        for ranking in results.rankings:  # a category's whole while its ranking is the same
            found = self.kept(
                (ranking, year),
                ("standings",),
                lambda k=ranking: {id(r): standing(r) for r in k.results},
            )
            self.standing_sets[number, ranking.category.id] = found
            by_result.update(found)
        return [by_result[id(r)] for r in results.units]

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
            change,
            shown,
        )
        return self.kept(
            (result.score, columns),
            ("row", *key),
            lambda: views.row(result, category, columns, change, shown),
        )

    def __iter__(self) -> Iterator[Page]:
        for group in self.groups():
            yield from group

    def groups(self) -> Iterator[tuple[Page, ...]]:
        """The pages in groups: a category's unit pages, or its units' histories, are one tuple
        that is the very same object while it is kept (see `kept`), so that a preview's save
        can pass over a group it met last time as a whole; any other page is a group alone."""
        for item in self._pages():
            yield item if type(item) is tuple else (item,)

    def _pages(self) -> Iterator[Page | tuple[Page, ...]]:
        yield Page("index.html", "years.html", views.YearsView(self.entries), "years")
        for year in self.years:
            yield from self.year_pages(year)
        yield from self.history_pages()
        yield from self.site_pages()

    def site_pages(self) -> Iterator[Page]:
        """The pages about the whole site: every unit, search, and the page for a wrong address."""
        years = tuple(self.year_list)
        # Each unit's name and category in the years built now come from their units and
        # categories, so the index is kept while those (and the archived years) are the same.
        owners = (self.archived_standings, *(x for y in self.years for x in (y.year, y.data.units)))
        view = self.kept(owners, ("site-units", years), self.site_units)
        yield Page("units/index.html", "site_units.html", view, "site")
        listed = tuple(y.year.number for y in self.years)
        yield Page("search/index.html", "search.html", views.SearchView(years, listed), "site")
        yield Page("404.html", "404.html", views.NotFoundView(listed), "site")

    def site_units(self) -> views.SiteUnitsView:
        """Every unit of the site with its latest name, by category, the newest year's first."""
        units = []
        for unit, rows in self.histories.items():
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
        return views.SiteUnitsView(tuple((c, tuple(us)) for c, us in groups.items()))

    def year_pages(self, results: YearResults) -> Iterator[Page | tuple[Page, ...]]:
        number = results.year.number
        base = str(number)
        data, year = results.data, results.year
        frame = views.frame(results, self.corrections.get(number, ()), self.ahead.get(number))
        frame = self.kept((), ("frame", frame), lambda: frame)  # plain values: compared by value
        shown = not year.grades_only  # scores are published; else no view holds a single one
        tables = []
        for ranking in results.rankings:
            columns = views.columns_of(ranking.results) if shown else ()
            # The same object while its repr is (Decimals: 10 == 10.0), so that rows are kept
            # by it rather than by hashing it again for every row
            columns = self.kept((), ("columns", repr(columns)), lambda c=columns: c)
            changes = tuple(self.change(number, r.unit.id) for r in ranking.results)
            # A category none of whose units changed is the same ranking: its rows are kept
            # whole, and each row apart for when one unit of the category changes.
            rows = self.kept(
                (ranking, columns),
                ("rows", changes, shown),
                lambda k=ranking, c=columns, h=changes: tuple(
                    self.row(r, k.category, c, change, shown)
                    for r, change in zip(k.results, h, strict=True)
                ),
            )
            averages = tuple(ranking.dimension_averages.get(c.id) for c in columns)
            scored = sum(1 for r in rows if r.scored)
            has_changes = any(r.change for r in rows)
            average = ranking.average if shown else None
            values = (columns, average, averages, scored, has_changes, shown)
            # Decimals by repr: equal values written differently are shown differently
            tables.append(
                self.kept(
                    (ranking.category, *rows),
                    ("table", repr(values)),
                    lambda c=ranking.category, r=rows, v=values: views.Table(c, r, *v),
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
            # A category's unit pages are made of its ranking, its table, the year and the
            # links to other years alone: kept whole while those are the same.
            yield self.kept(
                (ranking, table, year, frame, self.unit_years),
                ("unit-pages",),
                lambda k=ranking, t=table: tuple(self.unit_pages(year, frame, k, t)),
            )
        for rubric in data.rubrics.values():
            path = f"{base}/rubrics/{rubric.id}/index.html"
            # the units that use it, kept while the year's units are the very same
            users = self.kept(
                (data.units,),
                ("users", rubric.id),
                lambda r=rubric: tuple(
                    views.Link(f"units/{u.id}/index.html", u.name)
                    for u in data.units
                    if u.rubric == r.id
                ),
            )
            conditions = views.conditions(rubric, year.attribute_labels)
            values = (self.alternates(path), conditions)  # plain values only
            view = self.kept(
                (frame, rubric, users),
                ("rubric", *values),
                lambda r=rubric, u=users, v=values: views.RubricView(frame, v[0], r, u, v[1]),
            )
            yield Page(path, "rubric.html", view, "rubric")
        for page in data.pages:
            path = f"{base}/pages/{page.slug}/index.html"
            yield Page(
                path, "page.html", views.MarkdownView(frame, self.alternates(path), page), "page"
            )

    def unit_pages(
        self,
        year: Year,
        frame: views.YearFrame,
        ranking: CategoryRanking,
        table: views.Table,
    ) -> Iterator[Page]:
        """The pages of a category's units, each view kept while what it is made of is."""
        ordered = ranking.results
        base = year.number
        paths = tuple(f"{base}/units/{r.unit.id}/index.html" for r in ordered)
        alternates = tuple(map(self.alternates, paths))
        # A unit's chart shows the category's averages only as ticks: an average that moves
        # no tick changes no unit page.
        ticks = views.ticks(ordered, ranking.dimension_averages)
        for i, result in enumerate(ordered):
            at = ticks[result.score.rubric.id]
            make = functools.partial(
                self.unit_page_view, year, frame, ranking, table, i, at, alternates[i]
            )
            if self.parts is None:  # a one-off build: made where the page is drawn
                yield Page(paths[i], "unit.html", kind="unit", make=make)
            else:
                yield Page(paths[i], "unit.html", make(), "unit")

    def unit_page_view(
        self,
        year: Year,
        frame: views.YearFrame,
        ranking: CategoryRanking,
        table: views.Table,
        i: int,
        at: tuple,
        alternates: views.Alternates,
    ) -> views.UnitView:
        """The view of the `i`th unit of a category, kept while what it is made of is."""
        result, rows = ranking.results[i], table.rows
        row = rows[i]
        before = rows[i - 1] if i > 0 else None
        after = rows[i + 1] if i + 1 < len(rows) else None
        dimensions = (
            self.kept(
                (result.score,),
                ("dimensions", at),
                lambda: views.unit_dimensions(result, dict(at)),
            )
            if not year.grades_only
            else ()
        )
        # The view is made of its owners and values only, so while they are the same
        # it is the same object, whose digest is kept too.
        owners = (result.score, result.unit, year, frame, table.category, row, dimensions)
        owners += (before, after)
        values = (alternates, table.scored)
        return self.kept(owners, ("unit", *values), lambda o=owners, v=values: unit_view(*o, *v))

    def history_pages(self) -> Iterator[tuple[Page, ...]]:
        """Every unit's history page, the units of each category of the newest year built now
        kept together while that category's standings, the other years' and the links between
        years are the very same: a save draws the history of only the category it changed."""
        newest = self.years[0].year.number if self.years else None
        others = tuple(d for (y, _), d in self.standing_sets.items() if y != newest)
        common = (self.archived_standings, self.unit_years, *others)
        grouped: set[str] = set()
        for (y, category), found in self.standing_sets.items():
            if y == newest:
                units = tuple(s.unit for s in found.values())
                grouped.update(units)
                yield self.kept(
                    (found, *common),
                    ("histories", category),
                    lambda u=units: tuple(self.histories_of(u)),
                )
        # units the newest year does not have, kept together likewise
        yield self.kept(
            common,
            ("histories", None),
            lambda: tuple(self.histories_of(u for u in self.histories if u not in grouped)),
        )

    def histories_of(self, units: Iterable[str]) -> Iterator[Page]:
        for unit in units:
            rows = self.histories[unit]
            kind = f"units:{unit}"
            standings = tuple(standing for _, standing in rows)
            links = tuple(
                (
                    year,
                    self.kinds.get(year, {}).get(kind) if standing else None,
                    self.change(year, unit),
                )
                for year, standing in rows
            )
            # the page itself is kept, as a category's unit pages are: so is its fingerprint
            yield self.kept(
                standings,
                ("history", unit, links),
                lambda s=standings, u=unit, k=links: Page(
                    f"units/{u}/index.html", "history.html", history_view(u, s, k), "history"
                ),
            )


_STANDING = operator.attrgetter(*(f.name for f in dataclasses.fields(Standing)))


def _written(standing: Standing) -> tuple:
    """A standing's values as a key of kept parts: its Decimals as written (85.50 is not 85.5)."""
    return tuple(str(v) if type(v) is Decimal else v for v in _STANDING(standing))


def history_view(
    unit: str,
    standings: tuple[Standing | None, ...],
    links: tuple[tuple[int, str | None, RankChange | None], ...],
) -> views.HistoryView:
    """A unit's history page, from exactly what `Pages` keeps it by."""
    lines = tuple(
        views.HistoryLine(year, standing, href, change)
        for standing, (year, href, change) in zip(standings, links, strict=True)
    )
    return views.HistoryView(unit, lines)


def unit_view(
    score: UnitScore,
    unit: Unit,
    year: Year,
    frame: views.YearFrame,
    category: Category,
    row: views.Row,
    dimensions: tuple[views.DimensionRow, ...],
    before: views.Row | None,
    after: views.Row | None,
    alternates: views.Alternates,
    of: int,
) -> views.UnitView:
    """A unit's page, from exactly what `Pages` keeps it by (it reads nothing else)."""
    sheet, rubric = score.sheet, score.rubric
    return views.UnitView(
        frame,
        alternates,
        unit.id,
        unit.name,
        unit.group,
        unit.tasks,
        category,
        row,
        of,
        views.Link(f"rubrics/{rubric.id}/index.html", rubric.title),
        rubric.total,
        dimensions,
        year.aggregate,
        sheet is not None,
        sheet.opinion if sheet else None,
        sheet.evidence if sheet else (),
        bool(year.grades),
        None if year.grades_only else year.weight,
        before,
        after,
    )
