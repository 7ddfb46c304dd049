"""A unit across the years: its standing each year and its rank change (进位/退位)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from .model import Year
from .scoring import UnitResult, YearResults


@dataclass(frozen=True, slots=True)
class Standing:
    """A unit's published result in one year, from a year built now or from a frozen archive."""

    year: int
    unit: str
    name: str
    category: str
    category_title: str
    scored: bool
    total: Decimal | None
    maximum: Decimal
    rank: int | None
    tied: bool
    grade: str | None


@dataclass(frozen=True, slots=True)
class RankChange:
    """How a unit's rank moved since the previous year on the site."""

    previous_year: int
    previous_rank: int | None  # None: not assessed, not scored or in another category then
    delta: int | None  # positive: moved up (进位)
    reason: str = ""  # why there is no comparison

    def text(self) -> str:
        if self.delta is None:
            return self.reason
        if self.delta > 0:
            return f"进{self.delta}位"
        if self.delta < 0:
            return f"退{-self.delta}位"
        return "名次不变"


def standings(results: YearResults) -> list[Standing]:
    year = results.year
    titles = {c.id: c.title for c in year.categories}
    return [standing(results.year, titles, r) for r in results.units]


def standing(year: Year, titles: dict[str, str], r: UnitResult) -> Standing:
    """A unit's standing in a year built now; `titles`: the year's category titles by id."""
    return Standing(
        year.number,
        r.unit.id,
        r.unit.name,
        r.unit.category,
        titles.get(r.unit.category, r.unit.category),
        r.scored,
        None if year.grades_only else r.total,
        r.score.rubric.total,
        r.rank,
        r.tied,
        r.grade,
    )


def rank_changes(by_year: dict[int, dict[str, Standing]]) -> dict[tuple[int, str], RankChange]:
    """Each ranked unit's change against the previous year on the site (the nearest earlier one)."""
    changes: dict[tuple[int, str], RankChange] = {}
    years = sorted(by_year)
    for previous, current in zip(years, years[1:], strict=False):
        # 上年 when the years follow each other; when the site skips a year, name the one compared.
        then = "上年" if previous == current - 1 else f"{previous}年"
        for unit, now in by_year[current].items():
            if now.rank is None:
                continue
            before = by_year[previous].get(unit)
            if before is None:
                changes[(current, unit)] = RankChange(previous, None, None, f"{then}未参加考核")
            elif before.rank is None:
                changes[(current, unit)] = RankChange(previous, None, None, f"{then}未评分")
            elif before.category != now.category:
                changes[(current, unit)] = RankChange(
                    previous, before.rank, None, f"{then}属{before.category_title}类"
                )
            else:
                changes[(current, unit)] = RankChange(previous, before.rank, before.rank - now.rank)
    return changes


def histories(
    by_year: dict[int, dict[str, Standing]],
) -> dict[str, list[tuple[int, Standing | None]]]:
    """Every unit ever assessed, with its standing in each year of the site (None: a gap)."""
    years = sorted(by_year)
    units: dict[str, None] = {}
    for year in reversed(years):
        units.update(dict.fromkeys(by_year[year]))
    return {unit: [(year, by_year[year].get(unit)) for year in years] for unit in units}


def index(all_standings: Iterable[Standing]) -> dict[int, dict[str, Standing]]:
    by_year: dict[int, dict[str, Standing]] = {}
    for s in all_standings:
        by_year.setdefault(s.year, {})[s.unit] = s
    return by_year
