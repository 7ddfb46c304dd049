"""rubrics/<year>/<rubric>.yaml: a scoring table, its dimensions, items, options and variants."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from .. import values
from ..model import (
    BEST_OF,
    CHOICE,
    ITEM_TYPES,
    SCORE,
    AttributeValue,
    Dimension,
    Item,
    Option,
    Rubric,
    Variant,
)
from ..problems import Mark, Report
from ..source import Mapping, Node, Sequence
from ..values import as_decimal, as_id, as_text, describe
from .files import check_markdown, fields, sequence

TYPE_NAMES = {SCORE: "打分", CHOICE: "单选", BEST_OF: "择优"}
REQUIRED = ("id", "title", "total", "dimensions")


def read_rubric(node: Node, path: Path, r: Report) -> Rubric | None:
    f = fields(node, r, "评分标准", REQUIRED, ("short_title", "description"))
    if f is None or len(f.keys() & set(REQUIRED)) < len(REQUIRED):
        return None
    rid = as_id(f["id"], r, "评分标准编号")
    if rid is not None and rid != path.stem:
        r.error(f["id"].mark, f"评分标准编号“{rid}”应与文件名一致，为“{path.stem}”。")
    title = as_text(f["title"], r, "评分标准标题")
    total = as_decimal(f["total"], r, "总分（total）")
    description = _optional_text(f, "description", r, "说明")
    if description is not None:
        description = check_markdown(description, f["description"].mark, r, "说明（description）")
    short_title = (
        as_text(f["short_title"], r, "简称（short_title）") if "short_title" in f else None
    )
    seen: dict[str, Mark] = {}
    dims = sequence(f["dimensions"], r, "dimensions")
    if isinstance(f["dimensions"], Sequence) and not dims:
        r.error(f["dimensions"].mark, "评分标准至少要有一个一级指标。")
    dimensions = [dim for n in dims if (dim := _dimension(n, seen, r)) is not None]
    ok = rid is not None and rid == path.stem and title is not None and total is not None
    if ok and len(dimensions) == len(dims) and dims:
        points = sum((d.points for d in dimensions), Decimal(0))
        if points != total:
            r.error(
                f["total"].mark,
                f"总分（total）为 {total}，但各一级指标分值之和为 {points}，两者应相等。",
            )
            ok = False
    if not ok or len(dimensions) != len(dims) or rid is None or title is None or total is None:
        return None
    return Rubric(rid, title, total, tuple(dimensions), description, short_title)


def _optional_text(f: dict[str, Node], name: str, r: Report, what: str) -> str | None:
    return as_text(f[name], r, what, required=False) if name in f else None


def _new_id(node: Node, seen: dict[str, Mark], r: Report, what: str) -> str | None:
    ident = as_id(node, r, what)
    if ident is None:
        return None
    if ident in seen:
        r.error(
            node.mark,
            f"编号“{ident}”重复（第{seen[ident].line}行已经用过）：指标和评分项的编号在同一评分标准中必须唯一。",
        )
        return None
    seen[ident] = node.mark
    return ident


def _points(node: Node, r: Report, what: str) -> Decimal | None:
    value = as_decimal(node, r, what)
    if value is not None and value <= 0:
        r.error(node.mark, f"{what}应大于0，实际是 {value}。")
        return None
    return value


def _dimension(node: Node, seen: dict[str, Mark], r: Report) -> Dimension | None:
    f = fields(node, r, "一级指标", ("id", "title", "points", "items"))
    if f is None or len(f) < 4:
        return None
    did = _new_id(f["id"], seen, r, "一级指标编号")
    title = as_text(f["title"], r, "一级指标名称")
    points = _points(f["points"], r, "一级指标分值")
    nodes = sequence(f["items"], r, "items")
    if isinstance(f["items"], Sequence) and not nodes:
        r.error(f["items"].mark, f"一级指标“{did}”至少要有一个评分项。")
    items = [item for n in nodes if (item := _item(n, seen, r)) is not None]
    if did is None or title is None or points is None or len(items) != len(nodes) or not nodes:
        return None
    total = sum((i.points for i in items), Decimal(0))
    if total != points:
        parts = " + ".join(str(i.points) for i in items)
        r.error(
            f["points"].mark,
            f"一级指标“{title}”（{did}）的分值为 {points}，但其评分项分值之和为 {parts} = {total}，两者应相等。",
        )
        return None
    return Dimension(did, title, points, tuple(items))


def _item(node: Node, seen: dict[str, Mark], r: Report) -> Item | None:
    optional = ("title", "type", "options", "variants", "description")
    f = fields(node, r, "评分项", ("id", "points"), optional)
    if f is None or len(f.keys() & {"id", "points"}) < 2:
        return None
    iid = _new_id(f["id"], seen, r, "评分项编号")
    points = _points(f["points"], r, "评分项分值")
    title = as_text(f["title"], r, "评分项名称") if "title" in f else None
    kind = _item_type(f.get("type"), r)
    description = _optional_text(f, "description", r, "说明")
    options = _options(f["options"], points, r) if "options" in f else None
    if iid is None or points is None or kind is None or (options is None and "options" in f):
        return None
    variants: list[Variant] = []
    if "variants" in f:
        vnodes = sequence(f["variants"], r, "variants")
        if isinstance(f["variants"], Sequence) and not vnodes:
            r.error(f["variants"].mark, f"评分项“{iid}”的 variants 不能为空列表。")
        variants = [v for n in vnodes if (v := _variant(n, points, r)) is not None]
        if len(variants) != len(vnodes):
            return None
    ok = True
    for i, v in enumerate(variants or [None]):
        vtitle = (v.title if v else None) or title
        vkind = (v.type if v else None) or kind
        vopts = v.options if v and v.options is not None else options
        where = v.mark if v else f["id"].mark
        label = f"评分项“{iid}”" + (f"的第{i + 1}个变体" if v else "")
        if not vtitle:
            r.error(where, f"{label}缺少名称（title）：评分项或其变体至少要有一个写了名称。")
            ok = False
        if vkind in (CHOICE, BEST_OF) and not vopts:
            r.error(
                where, f"{label}的类型是 {vkind}（{TYPE_NAMES[vkind]}），必须给出选项（options）。"
            )
            ok = False
        if vkind == SCORE and vopts and v and v.options is not None:
            r.error(where, f"{label}的类型是 score（打分），不应有选项（options）。")
            ok = False
    if kind == SCORE and options and not variants:
        r.error(
            f["options"].mark,
            f"评分项“{iid}”的类型是 score（打分），不应有选项（options）；单选请写 type: choice。",
        )
        ok = False
    if not ok:
        return None
    return Item(iid, title, points, kind, options or (), description, tuple(variants), f["id"].mark)


def _item_type(node: Node | None, r: Report) -> str | None:
    if node is None:
        return SCORE
    kind = as_text(node, r, "评分项类型（type）")
    if kind is not None and kind not in ITEM_TYPES:
        r.error(
            node.mark, f"评分项类型（type）应为 score、choice 或 best-of 之一，实际是“{kind}”。"
        )
        return None
    return kind


def _options(node: Node, points: Decimal | None, r: Report) -> tuple[Option, ...] | None:
    if not isinstance(node, Mapping) or not node.entries:
        r.error(
            node.mark,
            f"选项（options）应写成“选项名: 分值”的映射，例如 {{正职: 3, 副职: 2}}，实际是{describe(node)}。",
        )
        return None
    options = []
    for key, value in node.entries:
        label = as_text(key, r, "选项名")
        amount = as_decimal(value, r, f"选项“{key.text}”的分值")
        if label is None or amount is None:
            return None
        if points is not None and not Decimal(0) <= amount <= points:
            r.error(
                value.mark,
                f"选项“{label}”的分值 {amount} 超出范围：应在 0 到评分项分值 {points} 之间。",
            )
            return None
        options.append(Option(label, amount))
    return tuple(options)


def _variant(node: Node, points: Decimal | None, r: Report) -> Variant | None:
    f = fields(node, r, "变体", ("when",), ("title", "type", "options", "description"))
    if f is None or "when" not in f:
        return None
    when: list[tuple[str, AttributeValue]] = []
    wnode = f["when"]
    if not isinstance(wnode, Mapping) or not wnode.entries:
        r.error(
            wnode.mark,
            f"变体的适用条件（when）应为非空映射，例如 {{pilot: true}}，实际是{describe(wnode)}。",
        )
        return None
    for key, value in wnode.entries:
        attr = values.as_scalar_value(value, r, f"条件“{key.text}”的值")
        if attr is None:
            return None
        when.append((key.text, attr))
    title = as_text(f["title"], r, "变体名称") if "title" in f else None
    kind = _item_type(f["type"], r) if "type" in f else None
    options = _options(f["options"], points, r) if "options" in f else None
    description = _optional_text(f, "description", r, "说明")
    broken = ("type" in f and kind is None) or ("options" in f and options is None)
    if broken or ("title" in f and not title):
        return None
    return Variant(tuple(when), title, kind, options, description, node.mark)
