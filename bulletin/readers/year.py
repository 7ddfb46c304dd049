"""content/<year>/year.yaml: status, categories, grades, rules and lists of one year."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from ..model import (
    AGGREGATES,
    DRAFT,
    FROZEN,
    GRADES,
    PUBLISH,
    PUBLISHED,
    SCORES,
    STATUSES,
    AttributeValue,
    Category,
    GradeBand,
    ListedUnit,
    ListRule,
    Year,
)
from ..problems import Mark, Report
from ..source import Mapping, Node, Sequence
from ..values import as_date, as_decimal, as_id, as_int, as_scalar_value, as_text, describe
from .files import Files, fields, placeholder, report_placeholder, sequence

REQUIRED = ("year", "title", "status", "categories")
OPTIONAL = (
    "date",
    "grades",
    "aggregate",
    "tie_break",
    "commendation",
    "rectification",
    "weight",
    "publish",
    "attributes",
)


def read_year(fs: Files, path: Path, number: int) -> Year | None:
    """A year's settings; in the preview, the very same object while year.yaml is unchanged."""
    node = fs.yaml(path)
    if node is None:
        return None
    return fs.derive("year", path, (node, number), _year, fs, node, number)


def _year(fs: Files, node: Node, number: int) -> Year | None:
    r = fs.report
    f = fields(node, r, "年度设置", REQUIRED, OPTIONAL)
    if f is None or not set(REQUIRED) <= f.keys():
        return None
    ok = True
    if (value := as_int(f["year"], r, "year")) is not None and value != number:
        r.error(f["year"].mark, f"year 应与文件夹名一致，为 {number}，实际是 {value}。")
        ok = False
    title = as_text(f["title"], r, "年度标题")
    status = as_text(f["status"], r, "status")
    if status is not None and status not in STATUSES:
        r.error(
            f["status"].mark, f"status 应为 draft、published 或 frozen 之一，实际是“{status}”。"
        )
        status = None
    draft = status not in (PUBLISHED, FROZEN)
    if placeholder(f["title"]):
        report_placeholder(r, f["title"].mark, "年度标题（title）", draft)
    day = None
    if placeholder(f.get("date")):
        report_placeholder(r, f["date"].mark, "通报日期（date）", draft)
    elif "date" in f:
        day = as_date(f["date"], r, "通报日期（date）")
    if not draft and "date" not in f:
        r.error(node.mark, f"状态为 {status} 的年度必须填写通报日期 date。")
    categories = read_categories(f["categories"], r)
    grades = read_grades(f["grades"], r) if "grades" in f else ()
    aggregate = "mean"
    if "aggregate" in f:
        aggregate = as_text(f["aggregate"], r, "aggregate") or "mean"
        if aggregate not in AGGREGATES:
            r.error(
                f["aggregate"].mark,
                f"aggregate 应为 mean、trimmed-mean 或 median 之一，实际是“{aggregate}”。",
            )
    tie_break: dict[str, Mark] = {}
    for n in sequence(f["tie_break"], r, "tie_break") if "tie_break" in f else ():
        if (dim := as_id(n, r, "tie_break 中的指标编号")) is not None:
            tie_break.setdefault(dim, n.mark)
    commendation = read_list_rule(
        f.get("commendation"), r, "表彰规则（commendation）", ("top", "min_total")
    )
    rectification = read_list_rule(
        f.get("rectification"), r, "整改规则（rectification）", ("below",)
    )
    listed_both = {u.unit for u in commendation.units} & {u.unit for u in rectification.units}
    for entry in rectification.units:
        if entry.unit in listed_both:
            r.error(
                entry.mark,
                f"单位“{entry.unit}”同时被明确列入表彰名单和整改名单，只能列入其中一个。",
            )
    weight = None
    if "weight" in f and (weight := as_decimal(f["weight"], r, "权重（weight）")) is not None:
        if not Decimal(0) < weight <= Decimal(1):
            r.error(f["weight"].mark, f"权重（weight）应大于0且不超过1，实际是 {weight}。")
    publish = SCORES
    if "publish" in f and (publish := as_text(f["publish"], r, "publish") or SCORES) not in PUBLISH:
        r.error(
            f["publish"].mark,
            f"publish 应为 scores（公布得分和等次）或 grades（只公布等次和名次），实际是“{publish}”。",
        )
        ok = False
    elif publish == GRADES and not grades:
        r.error(f["publish"].mark, "publish: grades 只公布等次，本年度还必须设置等次 grades。")
        ok = False
    if not (ok and title and status and categories):
        return None
    return Year(
        number,
        title,
        status,
        day,
        categories,
        grades,
        aggregate,
        tuple(tie_break),
        commendation,
        rectification,
        weight,
        tuple(tie_break.values()),
        publish,
        *zip(*labels, strict=True)
        if (labels := read_attribute_labels(f.get("attributes"), r))
        else ((), ()),
    )


def stand_in(fs: Files, path: Path, number: int) -> Year:
    """What can be known of a year whose year.yaml has errors, to check its other files anyway.

    Its status and aggregate are taken when they are valid (a draft otherwise, so that nothing
    is asked of the scores that the year may not ask); their problems are reported already.
    """
    node = fs.yaml(path) if path.is_file() else None
    scratch = Report()
    f = fields(node, scratch, "", (), (*REQUIRED, *OPTIONAL)) if node is not None else None
    status, aggregate = DRAFT, "mean"
    if f and "status" in f and (text := as_text(f["status"], scratch, "")) in STATUSES:
        status = text
    if f and "aggregate" in f and (text := as_text(f["aggregate"], scratch, "")) in AGGREGATES:
        aggregate = text
    categories = read_categories(f["categories"], scratch) if f and "categories" in f else ()
    return Year(number, "", status, None, categories, aggregate=aggregate)


def read_attribute_labels(
    node: Node | None, r: Report
) -> list[tuple[tuple[str, AttributeValue, str], Mark]]:
    """`attributes: {pilot: {true: 省级试点县(区), false: 其他县(区)}}`: words for the public."""
    found: list[tuple[tuple[str, AttributeValue, str], Mark]] = []
    if node is None:
        return found
    if not isinstance(node, Mapping):
        r.error(
            node.mark,
            f"属性名称（attributes）应为映射，如“pilot: {{true: 省级试点县(区)}}”，实际是{describe(node)}。",
        )
        return found
    for key, values in node.entries:
        name = as_id(key, r, "属性名称（attributes）中的属性名")
        if not isinstance(values, Mapping):
            r.error(
                values.mark,
                f"属性“{key.text}”的名称应为“值: 名称”的映射，如“true: 省级试点县(区)”，实际是{describe(values)}。",
            )
            continue
        for value_node, label_node in values.entries:
            value = as_scalar_value(value_node, r, f"属性“{key.text}”的值")
            label = as_text(label_node, r, f"属性“{key.text}”取值“{value_node.text}”的名称")
            if name is not None and value is not None and label:
                found.append(((name, value, label), value_node.mark))
    return found


def read_categories(node: Node, r: Report) -> tuple[Category, ...]:
    result: list[Category] = []
    seen: set[str] = set()
    items = sequence(node, r, "categories")
    if isinstance(node, Sequence) and not items:
        r.error(node.mark, "categories 至少要有一个排名类别。")
    for entry in items:
        f = fields(entry, r, "排名类别", ("id", "title"))
        if f is None or len(f) < 2:
            continue
        cid, title = as_id(f["id"], r, "类别编号"), as_text(f["title"], r, "类别名称")
        if cid in seen:
            r.error(f["id"].mark, f"类别编号“{cid}”重复。")
        elif cid and title:
            seen.add(cid)
            result.append(Category(cid, title))
    return tuple(result)


def read_grades(node: Node, r: Report) -> tuple[GradeBand, ...]:
    bands: list[GradeBand] = []
    for entry in sequence(node, r, "grades"):
        f = fields(entry, r, "等次", ("name", "min"))
        if f is None or len(f) < 2:
            continue
        name, low = as_text(f["name"], r, "等次名称"), as_decimal(f["min"], r, "等次分数线（min）")
        if name is None or low is None:
            continue
        if low < 0:
            r.error(f["min"].mark, f"等次“{name}”的分数线不能为负数，实际是 {low}。")
        if bands and low >= bands[-1].min:
            r.error(
                f["min"].mark,
                f"等次分数线必须从高到低严格递减：“{name}”的 {low} 不低于上一等次"
                f"“{bands[-1].name}”的 {bands[-1].min}。",
            )
            continue
        bands.append(GradeBand(name, low))
    return tuple(bands)


def read_list_rule(
    node: Node | None, r: Report, what: str, conditions: tuple[str, ...]
) -> ListRule:
    if node is None:
        return ListRule()
    f = fields(node, r, what, (), (*conditions, "units"))
    if f is None:
        return ListRule()
    top = None
    if "top" in f and (top := as_int(f["top"], r, "top")) is not None and top < 1:
        r.error(f["top"].mark, f"top 应为正整数（名次），实际是 {top}。")
    min_total = as_decimal(f["min_total"], r, "min_total") if "min_total" in f else None
    below = as_decimal(f["below"], r, "below") if "below" in f else None
    units = []
    seen: set[str] = set()
    for entry in sequence(f["units"], r, f"{what}的 units") if "units" in f else ():
        e = fields(entry, r, "名单中的单位", ("unit", "reason"))
        if e is None or len(e) < 2:
            continue
        uid, reason = as_id(e["unit"], r, "单位编号"), as_text(e["reason"], r, "理由（reason）")
        if uid in seen:
            r.error(e["unit"].mark, f"单位“{uid}”在{what}的名单中重复。")
        elif uid and reason:
            seen.add(uid)
            units.append(ListedUnit(uid, reason, e["unit"].mark))
    return ListRule(top, min_total, below, tuple(units))


def check_attribute_labels(year: Year | None, units: tuple, r: Report) -> None:
    """Warn about a label for an attribute or value that no unit of the year has (a typo)."""
    if year is None:
        return
    seen = {(k, type(v), v) for u in units for k, v in u.attributes.items()}
    names = {k for k, _, _ in seen}
    for (name, value, _), mark in zip(year.attribute_labels, year.attribute_marks, strict=True):
        if name not in names:
            r.warning(mark, f"属性名称（attributes）中的属性“{name}”没有任何单位使用，请检查拼写。")
        elif (name, type(value), value) not in seen:
            shown = str(value).lower() if isinstance(value, bool) else value
            r.warning(mark, f"没有单位的属性“{name}”取值为“{shown}”，这一名称不会用到。")
