"""What a long-running process (the preview, a benchmark) keeps between builds.

The core stays pure: loading and scoring take objects and return objects. This is the one place
that remembers parsed files, validated files and unit scores from one build to the next, and
hands back the very same objects while their inputs are the very same objects.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeVar

from . import opendata, search
from .cache import FileHashes, ParseCache
from .model import Category, Year, YearData
from .record import Manifest
from .scoring import (
    CategoryRanking,
    UnitResult,
    UnitScore,
    YearResults,
    assess_year,
    rank_category_results,
    rank_year,
    score_unit,
)

T = TypeVar("T")


class Parts:
    """Parts of views made from objects (a unit's score, its row), kept while those very
    objects are reused.

    `owners` are compared by identity (an entry holds them, so their ids stay theirs), `key`
    by value: plain values only, no Decimal (4.50 == 4.5, but the two are shown differently).
    A part is the same value for the same owners and key however old it is, so keeping one
    longer is never wrong, only memory: what no build asks for any more is dropped in a sweep
    (`next_build`). A sweep keeps what the last build asked for, and what those parts were made
    of (a category's rows, made of each unit's row), so that when a part has to be made again,
    the parts that did not change are still there; and what the pages left as they were, not
    drawn again, were drawn with (`keep_drawn`).

    The table is swept at the start of every `every`th build only: a save at 3,000 units asks
    for some 3,000 parts and reuses some 35,000 through them, and sweeping on every save (as
    this did until 2026-12-08) walked all of them each time. By builds, not by the size of the
    table: a category's parts made again by a save are few entries but hold a whole category
    (its ranking, its pages), about 1 MB at 3,000 units, so what waits for a sweep is bounded
    by `every` saves.
    """

    def __init__(self, every: int = 8) -> None:
        self.table: dict[tuple, tuple[tuple, Any, tuple]] = {}
        self.asked: list[tuple] = []  # the parts this build asked for, outside any other part
        self.making: list[tuple] | None = None  # the parts asked for by the one being made
        # the parts each page's drawing asked for, by page: this build's, and the last one's
        self.drawn: dict[str, tuple] = {}
        self.drawn_before: dict[str, tuple] = {}
        self.every = every
        self.builds = 0  # builds since the last sweep

    def get(self, owners: tuple, key: tuple, make: Callable[[], Any]) -> Any:
        # The entry holds its owners, so no other living object can have their ids: an entry
        # found by their ids is theirs, with no need to compare them again.
        full = (key, *map(id, owners))
        if self.making is not None:
            self.making.append(full)
        else:
            self.asked.append(full)
        hit = self.table.get(full)
        if hit is not None:
            return hit[1]
        outer, self.making = self.making, []
        try:
            value = make()
        finally:
            inner, self.making = self.making, outer
        self.table[full] = (owners, value, tuple(inner))
        return value

    def drawing(self, page: str, draw: Callable[[], T]) -> T:
        """`draw()`, remembering the parts it asks for as the parts of `page`."""
        outer, self.making = self.making, []
        try:
            return draw()
        finally:
            self.drawn[page], self.making = tuple(self.making), outer

    def keep_drawn(self, page: str) -> None:
        """Keep alive the parts of a page that this build leaves as it was: else a page drawn
        only now and then (a category's ranking, while another category is edited) would be
        drawn afresh, every row of it, when it next changes."""
        parts = self.drawn_before.get(page)
        if parts is not None:
            self.drawn[page] = parts

    def next_build(self) -> None:
        self.drawn_before, self.drawn = self.drawn, {}
        self.builds += 1
        if self.builds >= self.every:
            self.sweep()
        self.asked = []

    def sweep(self) -> None:
        """Drop every part that the last build neither asked for nor reached through the parts
        it asked for or the pages it drew or left as they were."""
        table, live = self.table, {}
        todo = [*self.asked, *(full for parts in self.drawn_before.values() for full in parts)]
        while todo:
            full = todo.pop()
            if full in live:
                continue
            hit = table.get(full)
            if hit is not None:
                live[full] = hit
                todo.extend(hit[2])
        self.table, self.builds = live, 0


class MetGroup(NamedTuple):
    """A group of pages (`Pages.groups`) as a build met it, to pass over it whole next time."""

    group: tuple  # the very tuple of pages
    theme: str  # the theme's digest
    site: bytes  # the site settings' digest
    pages: tuple[tuple[str, str], ...]  # each page's path and fingerprint
    fingerprints: dict[int, tuple]  # its pages' entries of `BuildState.fingerprints`
    digests: dict[int, tuple[object, object]]  # its views' digests (`render.Digests.used`)
    record: dict[str, Any]  # its entries of the record once written out (`record.Written`)


@dataclass
class BuildState:
    """Parsed files, each unit's score with its method, view parts and their digests."""

    cache: ParseCache = field(default_factory=ParseCache)
    scores: dict[tuple[int, str], tuple[str, UnitScore]] = field(default_factory=dict)
    parts: Parts = field(default_factory=Parts)
    digests: dict[int, tuple[object, object]] = field(default_factory=dict)
    # each page's fingerprint, by the page: (page, theme digest, site digest, fingerprint)
    fingerprints: dict[int, tuple[object, str, bytes, str]] = field(default_factory=dict)
    # each group of pages (`Pages.groups`) as the last build met it, by the group
    groups: dict[int, MetGroup] = field(default_factory=dict)
    hashes: FileHashes = field(default_factory=FileHashes)  # archived and published files
    # The record the last build wrote, with its file's look (`record.record_look`): the next
    # build takes it from here, not from the file, while the file is the one written.
    written: tuple[tuple | None, Manifest] | None = None
    # Update the output folder in place rather than switching in a new tree (writer.InPlace):
    # right for the preview's private folder, which nobody else reads.
    in_place: bool = True

    def record(self, result: UnitResult, scores: bool) -> str:
        """`opendata.record_json`, kept while the unit's score and result are the same."""
        key = ("json", *result_key(result), scores)
        return self.parts.get((result.score,), key, lambda: opendata.record_json(result, scores))

    def line(self, result: UnitResult, *columns: object) -> str:
        """A unit's results.csv line, kept likewise for the same columns."""
        key = ("csv", *result_key(result), columns)
        return self.parts.get((result.score,), key, lambda: opendata.line(result, *columns))

    def search_text(self, result: UnitResult) -> str:
        """`search.unit_json`, kept while the unit, its score and its reasons are the same."""
        key = ("search", result.commendation_reason, result.rectification_reason)
        return self.parts.get((result.score, result.unit), key, lambda: search.unit_json(result))

    def by_category(
        self, kind: str, rankings: Iterable[CategoryRanking], one: Callable[..., T]
    ) -> Callable[..., T]:
        """`one(result, *args)` for units of these rankings, kept whole per category: a category
        none of whose units changed is the same ranking, and asks nothing of its units (each
        unit's part stays kept inside it, for when the category changes)."""
        rankings = tuple(rankings)
        tables: dict[tuple, dict[int, T]] = {}
        # The arguments last asked with, and their table: a file asks with the same ones for
        # every unit, and comparing them item by item (the very same objects) is cheaper than
        # hashing them again (the CSV's columns: tuples of every item's id).
        last: list = [None, None]

        def get(result: UnitResult, *args: Any) -> T:
            if args == last[0]:
                return last[1][id(result)]
            table = tables.get(args)
            if table is None:
                table = tables[args] = {}
                for ranking in rankings:  # each holds its results: their ids stay theirs
                    table.update(
                        self.parts.get(
                            (ranking,),
                            (kind, *args),
                            lambda k=ranking: {id(r): one(r, *args) for r in k.results},
                        )
                    )
            last[0], last[1] = args, table
            return table[id(result)]

        return get

    def assess(self, data: YearData) -> YearResults:
        """`assess_year`, scoring again only units whose unit, rubric, sheet or method changed."""
        method = data.year.aggregate
        scores = []
        for unit in data.units:
            rubric, sheet = data.rubrics[unit.rubric], data.sheets.get(unit.id)
            key = (data.year.number, unit.id)
            kept = self.scores.get(key)
            score = kept[1] if kept is not None and kept[0] == method else None
            if (
                score is None
                or score.sheet is not sheet
                or score.rubric is not rubric
                or (score.unit is not unit and score.unit != unit)  # mostly the very same
            ):
                score = score_unit(unit, rubric, sheet, method)
                self.scores[key] = (method, score)
            scores.append(score)
        return rank_year(data, scores, self.ranking)

    def ranking(
        self, category: Category, members: tuple[UnitScore, ...], year: Year
    ) -> CategoryRanking:
        """`scoring.rank_category_results`, the same object while its members' scores and the
        year are: a save ranks again only the category of the unit it changed."""
        return self.parts.get(
            (category, year, *members),
            ("ranking",),
            lambda: rank_category_results(category, members, year),
        )


def result_key(r: UnitResult) -> tuple:
    """What a unit's result holds besides its score."""
    return (
        r.rank,
        r.tied,
        r.grade,
        r.weighted,
        r.commended,
        r.commendation_reason,
        r.rectify,
        r.rectification_reason,
    )


def assess(data: YearData, state: BuildState | None) -> YearResults:
    return state.assess(data) if state is not None else assess_year(data)
