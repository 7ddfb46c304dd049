"""Score, rank and list the units of a year: objects in, objects out, no files, no printing.

All arithmetic is exact decimal arithmetic (data contract, sections 7 and 8).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .model import (
    BEST_OF,
    CHOICE,
    Answer,
    AppliedItem,
    Category,
    Dimension,
    ListRule,
    Rubric,
    ScoreSheet,
    Unit,
    Year,
    YearData,
)

CENT = Decimal("0.01")


def decimal_text(value: Decimal) -> str:
    """The exact decimal as plain text, without exponent or trailing zeros: 92.50 -> "92.5"."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def round_half_up(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def aggregate_marks(marks: Sequence[Decimal], method: str) -> Decimal:
    """Combine several experts' marks (mean, trimmed-mean or median), rounded half up to 0.01."""
    ordered = sorted(marks)
    if method == "trimmed-mean":
        ordered = ordered[1:-1]
    if method == "median":
        middle = len(ordered) // 2
        value = ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    else:
        value = sum(ordered, Decimal(0)) / len(ordered)
    return round_half_up(value)


def score_answer(item: AppliedItem, answer: Answer, method: str) -> Decimal:
    """The points an answer earns on an item (already validated against it)."""
    if item.type == CHOICE:
        return item.option_points(answer.labels[0]) or Decimal(0)
    if item.type == BEST_OF:
        best = max(
            (item.option_points(label) or Decimal(0) for label in answer.labels), default=Decimal(0)
        )
        return min(best, item.points)
    if answer.experts:
        return aggregate_marks(answer.experts, method)
    assert answer.value is not None
    return answer.value


@dataclass(frozen=True, slots=True)
class ItemScore:
    item: AppliedItem
    answer: Answer
    score: Decimal
    note: str | None


@dataclass(frozen=True, slots=True)
class DimensionScore:
    dimension: Dimension
    subtotal: Decimal
    items: tuple[ItemScore, ...]


@dataclass(frozen=True, slots=True)
class UnitScore:
    """A unit's scores before ranking; `dimensions` is empty when it is not yet scored."""

    unit: Unit
    rubric: Rubric
    sheet: ScoreSheet | None
    dimensions: tuple[DimensionScore, ...]
    total: Decimal | None

    def subtotal(self, dimension_id: str) -> Decimal:
        return next(
            (d.subtotal for d in self.dimensions if d.dimension.id == dimension_id), Decimal(0)
        )


@dataclass(frozen=True, slots=True)
class UnitResult:
    """A unit's full result for the year."""

    score: UnitScore
    rank: int | None = None
    tied: bool = False
    grade: str | None = None
    weighted: Decimal | None = None
    commended: bool = False
    commendation_reason: str | None = None
    rectify: bool = False
    rectification_reason: str | None = None

    @property
    def unit(self) -> Unit:
        return self.score.unit

    @property
    def total(self) -> Decimal | None:
        return self.score.total

    @property
    def scored(self) -> bool:
        return self.score.total is not None


@dataclass(frozen=True, slots=True)
class CategoryRanking:
    category: Category
    results: tuple[UnitResult, ...]  # ranked order, then the units not yet scored
    average: Decimal | None
    dimension_averages: dict[str, Decimal]


@dataclass(frozen=True, slots=True)
class YearResults:
    data: YearData
    units: tuple[UnitResult, ...]  # units.yaml order
    rankings: tuple[CategoryRanking, ...]  # year.yaml category order

    @property
    def year(self) -> Year:
        return self.data.year

    def result(self, unit_id: str) -> UnitResult | None:
        return next((r for r in self.units if r.unit.id == unit_id), None)

    @property
    def commended(self) -> list[UnitResult]:
        return [r for ranking in self.rankings for r in ranking.results if r.commended]

    @property
    def rectify(self) -> list[UnitResult]:
        return [r for ranking in self.rankings for r in ranking.results if r.rectify]


def score_unit(unit: Unit, rubric: Rubric, sheet: ScoreSheet | None, method: str) -> UnitScore:
    """Score one unit against its rubric; a missing or incomplete sheet leaves it unscored."""
    if sheet is None or not sheet.complete:
        return UnitScore(unit, rubric, sheet, (), None)
    dimensions = []
    applied_items = rubric.applied(unit.attributes)
    for dimension in rubric.dimensions:
        items = []
        for item in dimension.items:
            applied = applied_items[item.id]
            answer = sheet.answers[item.id]
            items.append(
                ItemScore(
                    applied, answer, score_answer(applied, answer, method), sheet.notes.get(item.id)
                )
            )
        subtotal = sum((i.score for i in items), Decimal(0))
        dimensions.append(DimensionScore(dimension, subtotal, tuple(items)))
    total = sum((d.subtotal for d in dimensions), Decimal(0))
    return UnitScore(unit, rubric, sheet, tuple(dimensions), total)


def rank_key(score: UnitScore, tie_break: Sequence[str]) -> tuple[Decimal, ...]:
    assert score.total is not None
    return (score.total, *(score.subtotal(d) for d in tie_break))


def rank_category(
    scores: Sequence[UnitScore], tie_break: Sequence[str] = ()
) -> list[tuple[UnitScore, int, bool]]:
    """Competition ranking (1, 2, 2, 4) by total, then tie_break subtotals; ties keep input order."""
    scored = [s for s in scores if s.total is not None]
    keys = {id(s): rank_key(s, tie_break) for s in scored}
    ordered = sorted(scored, key=lambda s: keys[id(s)], reverse=True)  # stable, also reversed
    counts: dict[tuple[Decimal, ...], int] = {}
    for s in ordered:
        counts[keys[id(s)]] = counts.get(keys[id(s)], 0) + 1
    ranked = []
    rank = 0
    previous = None
    for position, s in enumerate(ordered, start=1):
        if keys[id(s)] != previous:
            rank, previous = position, keys[id(s)]
        ranked.append((s, rank, counts[keys[id(s)]] > 1))
    return ranked


def grade_for(total: Decimal, year: Year) -> str | None:
    return next((band.name for band in year.grades if band.min <= total), None)


def rank_text(rank: int | None, tied: bool) -> str:
    """并列第2名, 第3名, or 尚未评分: how every page and table names a rank."""
    if rank is None:
        return "尚未评分"
    return f"{'并列' if tied else ''}第{rank}名"


def rank_phrase(category: Category, rank: int, tied: bool) -> str:
    return f"{'并列' if tied else '位列'}{category.title}类第{rank}名"


def _rule_reasons(
    total: Decimal,
    rank: int,
    tied: bool,
    category: Category,
    year: Year,
    listed_to_rectify: bool = False,
) -> tuple[str | None, str | None]:
    """The generated reasons for commendation and rectification by rule, or None.

    A unit to rectify, by rule or listed by decision, is never commended by rule.
    """
    c, r = year.commendation, year.rectification
    rectify = None
    got = (
        "" if year.grades_only else f"，得分{decimal_text(total)}"
    )  # no score where none is published
    if r.below is not None and total < r.below:
        rectify = f"{rank_phrase(category, rank, tied)}{got}，低于{decimal_text(r.below)}分"
    commend = None
    by_rule = c.top is not None or c.min_total is not None
    if (
        by_rule
        and rectify is None
        and not listed_to_rectify
        and (c.top is None or rank <= c.top)
        and (c.min_total is None or total >= c.min_total)
    ):
        commend = f"{rank_phrase(category, rank, tied)}{got}"
        if c.min_total is not None:
            commend += f"，不低于{decimal_text(c.min_total)}分"
    return commend, rectify


def _combine(listed: str | None, rule: str | None) -> str | None:
    if listed and rule:
        return f"{listed}（{rule}）"
    return listed or rule


def _listed(rule: ListRule) -> dict[str, str]:
    return {entry.unit: entry.reason for entry in rule.units}


def _mean(values: Sequence[Decimal]) -> Decimal | None:
    return round_half_up(sum(values, Decimal(0)) / len(values)) if values else None


def assess_year(data: YearData) -> YearResults:
    """Score every unit of a year, rank each category and draw up both lists."""
    method = data.year.aggregate
    scores = [
        score_unit(u, data.rubrics[u.rubric], data.sheets.get(u.id), method) for u in data.units
    ]
    return rank_year(data, scores)


def unit_result(
    score: UnitScore,
    rank: int,
    tied: bool,
    category: Category,
    year: Year,
    listed_commend: str | None,
    listed_rectify: str | None,
) -> UnitResult:
    """A scored unit's result, from its rank and the reasons the year lists it for, if any."""
    assert score.total is not None
    listed = listed_rectify is not None
    commend, rectify = _rule_reasons(score.total, rank, tied, category, year, listed)
    commend = _combine(listed_commend, commend)
    rectify = _combine(listed_rectify, rectify)
    return UnitResult(
        score,
        rank=rank,
        tied=tied,
        grade=grade_for(score.total, year),
        weighted=None if year.weight is None else round_half_up(score.total * year.weight),
        commended=commend is not None,
        commendation_reason=commend,
        rectify=rectify is not None,
        rectification_reason=rectify,
    )


def rank_category_results(
    category: Category, members: tuple[UnitScore, ...], year: Year
) -> CategoryRanking:
    """Rank one category of a year from its units' scores (units.yaml order).

    Its results depend on nothing else: the category, its members' scores and the year (whose
    lists name the units commended or to rectify by decision).
    """
    listed_commend = _listed(year.commendation)
    listed_rectify = _listed(year.rectification)
    ranked = rank_category(list(members), year.tie_break)
    results = [
        unit_result(
            score,
            rank,
            tied,
            category,
            year,
            listed_commend.get(score.unit.id),
            listed_rectify.get(score.unit.id),
        )
        for score, rank, tied in ranked
    ]
    results += [UnitResult(s) for s in members if s.total is None]
    totals = [s.total for s, _, _ in ranked if s.total is not None]
    dimension_values: dict[str, list[Decimal]] = {}
    for s, _, _ in ranked:
        for d in s.dimensions:
            dimension_values.setdefault(d.dimension.id, []).append(d.subtotal)
    return CategoryRanking(
        category,
        tuple(results),
        _mean(totals),
        {k: v for k, v in ((k, _mean(v)) for k, v in dimension_values.items()) if v is not None},
    )


def rank_year(
    data: YearData,
    scores: Sequence[UnitScore],
    ranking: Callable[..., CategoryRanking] = rank_category_results,
) -> YearResults:
    """Rank each category of a year and draw up both lists, from its units' scores.

    `ranking`: `rank_category_results`, or the preview's copy that keeps each category's
    ranking while its members' scores and the year are the same (reuse.BuildState).
    """
    year = data.year
    members: dict[str, list[UnitScore]] = {c.id: [] for c in year.categories}
    for s in scores:
        members[s.unit.category].append(s)
    rankings = tuple(
        ranking(category, tuple(members[category.id]), year) for category in year.categories
    )
    results = {r.unit.id: r for k in rankings for r in k.results}
    return YearResults(data, tuple(results[u.id] for u in data.units), rankings)
