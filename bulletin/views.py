"""One small frozen view per kind of page: exactly what its template may show.

A template receives its page's view (and the site-wide constants of `render.SiteContext`) and
nothing else, and the page's fingerprint is the digest of that view with the theme's: whatever
a page can show, it was fingerprinted on. Views hold display-ready values (a unit's chart
holds where the category's average is drawn, not the average), so that an edit re-renders
only the pages whose text it changes.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from . import charts
from .history import RankChange, Standing
from .model import DRAFT, Category, Correction, Evidence, GradeBand, Rubric, TextPage
from .scoring import UnitResult, rank_text

Alternates = tuple[tuple[int, str | None], ...]  # the same page in each year: (year, path)


@dataclass(frozen=True, slots=True)
class Link:
    href: str  # inside the year's folder
    title: str


@dataclass(frozen=True, slots=True)
class YearFrame:
    """What every page of a year shows around its content: navigation, banners, footer."""

    number: int
    draft: bool
    nav: tuple[Link, ...]
    corrections: tuple[Correction, ...]
    scores: bool = True  # False: the year publishes grades and ranks only
    ahead: date | None = None  # a published year shown (in a preview) before its date
    published: date | None = None  # the bulletin's date


@dataclass(frozen=True, slots=True)
class Row:
    """A unit as ranking tables and lists show it."""

    id: str
    name: str
    category: str  # the category's title
    scored: bool
    rank: int | None
    tied: bool
    total: Decimal | None
    maximum: Decimal
    grade: str | None
    weighted: Decimal | None
    commended: bool
    commendation_reason: str | None
    rectify: bool
    rectification_reason: str | None
    subtotals: tuple[Decimal | None, ...]  # one per column of the table's dimensions
    change: RankChange | None

    @property
    def rank_text(self) -> str:
        return rank_text(self.rank, self.tied)


@dataclass(frozen=True, slots=True)
class Column:
    id: str
    title: str
    points: Decimal


@dataclass(frozen=True, slots=True)
class Table:
    """A category's ranking: its rows in ranked order, then the units not yet scored."""

    category: Category
    rows: tuple[Row, ...]
    columns: tuple[Column, ...]  # the dimensions of the category's rubrics, in order
    average: Decimal | None
    column_averages: tuple[Decimal | None, ...]
    scored: int
    has_changes: bool
    scores: bool = True  # False: grades and ranks only, no total, subtotal or average

    @property
    def leaders(self) -> tuple[Row, ...]:
        """The units ranked first to third (ties included): the first rows, in ranked order."""
        return tuple(itertools.takewhile(lambda r: r.scored and r.rank <= 3, self.rows))


@dataclass(frozen=True, slots=True)
class YearsView:
    entries: tuple[YearEntry, ...]


@dataclass(frozen=True, slots=True)
class YearEntry:
    """A year as the years index shows it, live or archived."""

    year: int
    title: str
    date: date | str | None
    status: str
    units: int
    corrections: tuple[Correction, ...] = ()


@dataclass(frozen=True, slots=True)
class BulletinView:
    frame: YearFrame
    alternates: Alternates
    title: str
    number: str | None
    recipients: str | None
    body: str
    date: date | None
    tables: tuple[Table, ...]
    commended: tuple[Row, ...]
    rectify: tuple[Row, ...]
    grades: tuple[GradeBand, ...]
    cc: str | None = None  # 版记: 抄送, 印发机关, 印发日期
    printed_by: str | None = None
    printed_on: date | None = None


@dataclass(frozen=True, slots=True)
class RankingView:
    frame: YearFrame
    alternates: Alternates
    table: Table
    grades: bool
    weight: Decimal | None


@dataclass(frozen=True, slots=True)
class ItemRow:
    title: str
    type: str
    points: Decimal
    score: Decimal
    labels: tuple[str, ...]
    experts: tuple[Decimal, ...]
    note: str | None


@dataclass(frozen=True, slots=True)
class DimensionRow:
    title: str
    points: Decimal
    subtotal: Decimal
    average_at: float | None  # where the category's average is drawn on this dimension's bar
    items: tuple[ItemRow, ...]


@dataclass(frozen=True, slots=True)
class UnitView:
    frame: YearFrame
    alternates: Alternates
    id: str
    name: str
    group: int | None
    tasks: tuple[str, ...]
    category: Category
    row: Row
    of: int  # units ranked in the category
    rubric: Link  # href relative to the year
    rubric_total: Decimal
    dimensions: tuple[DimensionRow, ...]
    aggregate: str
    has_sheet: bool
    opinion: str | None
    evidence: tuple[Evidence, ...]
    grades: bool
    weight: Decimal | None
    previous: Row | None
    next: Row | None


@dataclass(frozen=True, slots=True)
class RubricView:
    frame: YearFrame
    alternates: Alternates
    rubric: Rubric
    users: tuple[Link, ...]
    # Each item with variants, by id: what each variant's `when` says, in the public's words.
    conditions: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True, slots=True)
class UnitsIndexView:
    """<year>/units/index.html: every unit of the year, by category, with its total and rank."""

    frame: YearFrame
    alternates: Alternates
    tables: tuple[Table, ...]
    grades: bool


@dataclass(frozen=True, slots=True)
class RankingsIndexView:
    """<year>/rankings/index.html: the year's categories, each with its size, average and leaders."""

    frame: YearFrame
    alternates: Alternates
    tables: tuple[Table, ...]


@dataclass(frozen=True, slots=True)
class SiteUnit:
    """A unit as the site-wide index shows it: its latest name and the years it was assessed."""

    id: str
    name: str
    category: str  # the title of its category in its latest year
    years: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class SiteUnitsView:
    groups: tuple[tuple[str, tuple[SiteUnit, ...]], ...]  # by category, newest year's order first


@dataclass(frozen=True, slots=True)
class SearchView:
    years: tuple[int, ...]  # the years the index covers, newest first
    listed: tuple[int, ...]  # the years with a list of their units (not the archived ones)


@dataclass(frozen=True, slots=True)
class NotFoundView:
    years: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class MarkdownView:
    frame: YearFrame
    alternates: Alternates
    page: TextPage


@dataclass(frozen=True, slots=True)
class HistoryLine:
    year: int
    standing: Standing | None
    href: str | None  # the unit's page that year, from the site's root
    change: RankChange | None


@dataclass(frozen=True, slots=True)
class HistoryView:
    unit: str
    lines: tuple[HistoryLine, ...]


def condition_text(when: tuple[tuple[str, object], ...], labels: dict[tuple, str]) -> str:
    """`pilot: true` as the public reads it: its label (省级试点县(区)), else pilot为“是”的单位."""
    parts = []
    for key, value in when:
        label = labels.get((key, type(value), value))
        if label is None:
            shown = ("是" if value else "否") if isinstance(value, bool) else str(value)
            label = f"{key}为“{shown}”的单位"
        parts.append(label)
    return "、".join(parts)


def conditions(rubric: Rubric, attribute_labels: tuple) -> tuple[tuple[str, tuple[str, ...]], ...]:
    labels = {(k, type(v), v): label for k, v, label in attribute_labels}
    return tuple(
        (item.id, tuple(condition_text(v.when, labels) for v in item.variants))
        for item in rubric.items()
        if item.variants
    )


# -- building views from the scored model -------------------------------------------------------


def frame(
    results_year,
    corrections: tuple[Correction, ...],
    ahead: date | None = None,
) -> YearFrame:
    """The frame of a year's pages, from its YearResults."""
    data = results_year.data
    nav = [Link("index.html", "通报")]
    nav += [
        Link(f"rankings/{r.category.id}/index.html", r.category.title)
        for r in results_year.rankings
    ]
    nav += [
        Link(f"rubrics/{r.id}/index.html", r.short_title or r.title) for r in data.rubrics.values()
    ]
    nav += [Link(f"pages/{p.slug}/index.html", p.title) for p in data.pages]
    nav.append(Link("units/index.html", "全部单位"))
    year = data.year
    return YearFrame(
        year.number,
        year.status == DRAFT,
        tuple(nav),
        corrections,
        not year.grades_only,
        ahead,
        data.date,
    )


def row(
    result: UnitResult,
    category: Category,
    columns: tuple[Column, ...],
    change: RankChange | None,
    scores: bool = True,
) -> Row:
    """A unit's row; without `scores` it holds no total, subtotal or weighted score at all."""
    score = result.score
    subtotals = {d.dimension.id: d.subtotal for d in score.dimensions} if scores else {}
    return Row(
        result.unit.id,
        result.unit.name,
        category.title,
        result.scored,
        result.rank,
        result.tied,
        score.total if scores else None,
        score.rubric.total,
        result.grade,
        result.weighted if scores else None,
        result.commended,
        result.commendation_reason,
        result.rectify,
        result.rectification_reason,
        tuple(subtotals.get(c.id) for c in columns),
        change,
    )


def columns_of(results: tuple[UnitResult, ...]) -> tuple[Column, ...]:
    """The dimensions of the rubrics these units use, each once, in order of first use."""
    seen: dict[str, Column] = {}
    for rubric in {id(r.score.rubric): r.score.rubric for r in results}.values():
        for d in rubric.dimensions:
            seen.setdefault(d.id, Column(d.id, d.title, d.points))
    return tuple(seen.values())


def ticks(results: tuple[UnitResult, ...], averages: dict[str, Decimal]) -> dict[str, tuple]:
    """Per rubric of these units, where each dimension's average is drawn: ((id, x), ...)."""
    found: dict[str, tuple] = {}
    for r in results:
        rubric = r.score.rubric
        if rubric.id not in found:
            found[rubric.id] = tuple(
                (d.id, charts.bar_position(averages[d.id], d.points) if d.id in averages else None)
                for d in rubric.dimensions
            )
    return found


def unit_dimensions(result: UnitResult, ticks: dict[str, float | None]) -> tuple[DimensionRow, ...]:
    rows = []
    for d in result.score.dimensions:
        dim = d.dimension
        at = ticks.get(dim.id)
        items = tuple(
            ItemRow(
                i.item.title,
                i.item.type,
                i.item.points,
                i.score,
                i.answer.labels,
                i.answer.experts,
                i.note,
            )
            for i in d.items
        )
        rows.append(DimensionRow(dim.title, dim.points, d.subtotal, at, items))
    return tuple(rows)
