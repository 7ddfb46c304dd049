"""The typed model of a project's data, as read and validated from its files."""

from __future__ import annotations

import dataclasses
import operator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TypeVar

from .problems import Mark

C = TypeVar("C", bound=type)

SCORE, CHOICE, BEST_OF = "score", "choice", "best-of"
ITEM_TYPES = (SCORE, CHOICE, BEST_OF)
DRAFT, PUBLISHED, FROZEN = "draft", "published", "frozen"
STATUSES = (DRAFT, PUBLISHED, FROZEN)
AGGREGATES = ("mean", "trimmed-mean", "median")
# What a year publishes (year.yaml `publish`): scores and grades, or only grades and ranks.
SCORES, GRADES = "scores", "grades"
PUBLISH = (SCORES, GRADES)
# The folders of a project that a build reads (data contract, section 1).
DATA_FOLDERS = ("content", "rubrics", "scores")
INPUT_FOLDERS = (*DATA_FOLDERS, "theme", "archive")
ARCHIVE_FORMAT = 1  # of archive/<YEAR>/manifest.json

AttributeValue = bool | int | str


def by_fields(cls: C) -> C:
    """Pickle instances as the class called with their fields: for what travels back from the
    load's forked processes, since a slotted frozen dataclass's own way (a state dictionary set
    field by field) takes twice as long both ways: 1.7 s and 1.4 s for 10,000 score sheets."""
    fields = dataclasses.fields(cls)
    assert len(fields) > 1 and all(f.init for f in fields), cls
    get = operator.attrgetter(*(f.name for f in fields))  # several names: a tuple of values

    def __reduce__(self: object) -> tuple:
        return cls, get(self)

    cls.__reduce__ = __reduce__  # type: ignore[method-assign]
    return cls


@dataclass(frozen=True, slots=True)
class SiteConfig:
    """content/site.yaml: who publishes what; every wording an office changes is here."""

    title: str
    issuer: str
    sample: bool = False
    assessment: str = "考核"  # the assessment's name, e.g. 目标责任考核 or 营商环境评价
    leader: str | None = None  # who receives the rectification reports, e.g. 市考核领导组
    rectification_note: str | None = None  # what a unit to rectify must do, said in full
    # A government site's footer (all optional): 主办单位, a contact, registration numbers, and
    # the site's public address, printed on paper instead of dead link text.
    host: str | None = None
    contact: str | None = None
    icp: str | None = None  # ICP备案号
    police: str | None = None  # 公安机关备案号
    url: str | None = None

    @property
    def rectification_text(self) -> str:
        if self.rectification_note:
            return self.rectification_note
        to = f"向{self.leader}" if self.leader else ""
        return f"须{to}报送书面报告，分析原因，提出限期整改意见。"


@dataclass(frozen=True, slots=True)
class Category:
    id: str
    title: str


@dataclass(frozen=True, slots=True)
class GradeBand:
    name: str
    min: Decimal


@dataclass(frozen=True, slots=True)
class ListedUnit:
    """A unit added to the commendation or rectification list by decision, with its reason."""

    unit: str
    reason: str
    mark: Mark


@dataclass(frozen=True, slots=True)
class ListRule:
    """Who is commended (top, min_total) or must rectify (below), plus explicit additions."""

    top: int | None = None
    min_total: Decimal | None = None
    below: Decimal | None = None
    units: tuple[ListedUnit, ...] = ()


@dataclass(frozen=True, slots=True)
class Year:
    number: int
    title: str
    status: str
    date: date | None
    categories: tuple[Category, ...]
    grades: tuple[GradeBand, ...] = ()
    aggregate: str = "mean"
    tie_break: tuple[str, ...] = ()
    commendation: ListRule = ListRule()
    rectification: ListRule = ListRule()
    weight: Decimal | None = None
    # Where each tie_break entry is written, to point a problem with it at its line.
    tie_break_marks: tuple[Mark, ...] = field(default=(), compare=False)
    publish: str = SCORES
    # How the public reads attribute values (year.yaml `attributes`): ((name, value, label), ...)
    attribute_labels: tuple[tuple[str, AttributeValue, str], ...] = ()
    attribute_marks: tuple[Mark, ...] = field(default=(), compare=False)  # one per label

    @property
    def grades_only(self) -> bool:
        """Only grades and ranks are published: no totals, subtotals, item scores or marks."""
        return self.publish == GRADES

    def category(self, category_id: str) -> Category | None:
        return next((c for c in self.categories if c.id == category_id), None)


@dataclass(frozen=True, slots=True)
class Option:
    label: str
    points: Decimal


@dataclass(frozen=True, slots=True)
class Variant:
    when: tuple[tuple[str, AttributeValue], ...]
    title: str | None
    type: str | None
    options: tuple[Option, ...] | None
    description: str | None
    mark: Mark

    def applies(self, attributes: dict[str, AttributeValue]) -> bool:
        # Compare type and value: `pilot: true` never matches `pilot: "true"` or `pilot: 1`.
        return all(
            key in attributes and type(attributes[key]) is type(value) and attributes[key] == value
            for key, value in self.when
        )


@dataclass(frozen=True, slots=True)
class AppliedItem:
    """An item as it applies to one unit: its variant's wording, type and options resolved."""

    id: str
    title: str
    points: Decimal
    type: str
    options: tuple[Option, ...]
    description: str | None
    variant: int | None  # index of the variant that applied, if the item has variants

    def option_points(self, label: str) -> Decimal | None:
        return next((o.points for o in self.options if o.label == label), None)


@dataclass(frozen=True, slots=True)
class Item:
    id: str
    title: str | None
    points: Decimal
    type: str
    options: tuple[Option, ...]
    description: str | None
    variants: tuple[Variant, ...]
    mark: Mark

    def matching_variants(self, attributes: dict[str, AttributeValue]) -> list[int]:
        return [i for i, v in enumerate(self.variants) if v.applies(attributes)]

    def applied(self, attributes: dict[str, AttributeValue]) -> AppliedItem:
        """Resolve the item for a unit; validation guarantees exactly one variant matches."""
        if not self.variants:
            return AppliedItem(
                self.id,
                self.title or "",
                self.points,
                self.type,
                self.options,
                self.description,
                None,
            )
        index = self.matching_variants(attributes)[0]
        v = self.variants[index]
        return AppliedItem(
            self.id,
            v.title or self.title or "",
            self.points,
            v.type or self.type,
            v.options if v.options is not None else self.options,
            v.description if v.description is not None else self.description,
            index,
        )


@dataclass(frozen=True, slots=True)
class Dimension:
    id: str
    title: str
    points: Decimal
    items: tuple[Item, ...]


@dataclass(frozen=True, slots=True)
class Rubric:
    id: str
    title: str
    total: Decimal
    dimensions: tuple[Dimension, ...]
    description: str | None = None
    short_title: str | None = None  # for navigation, e.g. 县(区)评分标准
    _applied: dict = field(default_factory=dict, init=False, repr=False, compare=False, hash=False)

    def items(self) -> list[Item]:
        return [item for d in self.dimensions for item in d.items]

    def applied(self, attributes: dict[str, AttributeValue]) -> dict[str, AppliedItem]:
        """Every item as it applies to units with these attributes (units share a few: cached)."""
        key = tuple((k, type(v).__name__, v) for k, v in sorted(attributes.items()))
        found = self._applied.get(key)
        if found is None:
            found = self._applied[key] = {
                item.id: item.applied(attributes) for item in self.items()
            }
        return found


@dataclass(frozen=True, slots=True)
class Unit:
    id: str
    name: str
    category: str
    rubric: str
    attributes: dict[str, AttributeValue] = field(default_factory=dict, hash=False)
    group: int | None = None
    tasks: tuple[str, ...] = ()
    mark: Mark = Mark("")


@by_fields
@dataclass(frozen=True, slots=True)
class Answer:
    """What a score file says for one item, already checked against the applied item.

    `value` is the number written (score items), `labels` the option(s) chosen (choice, best-of),
    `experts` the individual marks when several experts scored the item.
    """

    value: Decimal | None = None
    labels: tuple[str, ...] = ()
    experts: tuple[Decimal, ...] = ()


@by_fields
@dataclass(frozen=True, slots=True)
class Evidence:
    title: str
    note: str | None = None


@by_fields
@dataclass(frozen=True, slots=True)
class ScoreSheet:
    unit: str
    answers: dict[str, Answer] = field(hash=False)
    complete: bool
    notes: dict[str, str] = field(default_factory=dict, hash=False)
    opinion: str | None = None
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True, slots=True)
class TextPage:
    """A Markdown page of a year: the bulletin or any other page."""

    slug: str
    title: str
    body: str
    number: str | None = None
    recipients: str | None = None
    date: date | None = None
    # 版记 of a bulletin (optional front matter): 抄送, 印发机关, 印发日期
    cc: str | None = None
    printed_by: str | None = None
    printed_on: date | None = None


@dataclass(frozen=True, slots=True)
class YearData:
    """Everything read for one assessment year."""

    year: Year
    units: tuple[Unit, ...]
    rubrics: dict[str, Rubric] = field(hash=False)
    sheets: dict[str, ScoreSheet] = field(hash=False)
    bulletin: TextPage | None
    pages: tuple[TextPage, ...] = ()

    @property
    def title(self) -> str:
        """The bulletin's title, else the year's."""
        return self.bulletin.title if self.bulletin else self.year.title

    @property
    def date(self) -> date | None:
        """The bulletin's date, else the year's."""
        return (self.bulletin.date if self.bulletin else None) or self.year.date


@dataclass(frozen=True, slots=True)
class Project:
    site: SiteConfig
    years: tuple[YearData, ...]  # newest first
    unread: tuple[int, ...] = ()  # years whose year.yaml could not be read (errors reported)


@dataclass(frozen=True, slots=True)
class Correction:
    version: int
    date: str
    reason: str
    previous: str  # the folder of the version it replaced, e.g. "2014-v1"


@dataclass(frozen=True)
class ArchivedYear:
    """One archived version of a year, as its manifest describes it."""

    folder: str  # "2014" (the current version) or "2014-v1"
    year: int
    version: int
    frozen: str
    title: str
    bulletin_title: str
    date: str
    categories: dict[str, str]
    rubric_totals: dict[str, str]
    corrections: tuple[Correction, ...]
    files: dict[str, str] = field(hash=False)  # path inside the folder -> SHA-256
    # The project files the year was rendered from (project path -> SHA-256), so that a later
    # edit of a frozen year's data or text is noticed, and a correction has something to correct.
    sources: dict[str, str] = field(default_factory=dict, hash=False)

    @property
    def current(self) -> bool:
        return self.folder == str(self.year)

    def manifest(self) -> dict:
        return {
            "format": ARCHIVE_FORMAT,
            "year": self.year,
            "version": self.version,
            "frozen": self.frozen,
            "title": self.title,
            "bulletin_title": self.bulletin_title,
            "date": self.date,
            "categories": self.categories,
            "rubric_totals": self.rubric_totals,
            "corrections": [
                {"version": c.version, "date": c.date, "reason": c.reason, "previous": c.previous}
                for c in self.corrections
            ],
            "files": self.files,
            "sources": self.sources,
        }
