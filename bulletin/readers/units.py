"""content/<year>/units.yaml: the units assessed in a year."""

from __future__ import annotations

from pathlib import Path

from .. import values
from ..model import AttributeValue, Rubric, Unit, Year
from ..problems import Mark, Report
from ..source import Mapping, Node, Sequence
from ..values import as_id, as_int, as_text, describe
from .files import fields, sequence

REQUIRED = ("id", "name", "category", "rubric")


def read_units(
    node: Node | None, path: Path, year: Year | None, rubrics: dict[str, Rubric], r: Report
) -> tuple[tuple[Unit, ...], set[str] | None]:
    """The valid units, and the ids of every entry (valid or not) so as not to report twice.

    The ids are None when the list itself cannot be read: then nothing is known about them.
    """
    if node is None:
        return (), None
    units: list[Unit] = []
    seen: dict[str, Mark] = {}
    entries = sequence(node, r, "单位名单")
    if not isinstance(node, Sequence):
        return (), None
    if not entries:
        r.error(node.mark, "单位名单为空。")
    folder = path.parent.name
    for entry in entries:
        f = fields(entry, r, "单位", REQUIRED, ("attributes", "group", "tasks"))
        if f is None or "id" not in f:
            continue
        uid = as_id(f["id"], r, "单位编号")
        if uid is not None and uid in seen:
            r.error(f["id"].mark, f"单位编号“{uid}”重复（第{seen[uid].line}行已经有了）。")
            continue
        if uid is not None:
            seen[uid] = f["id"].mark
        if len(f.keys() & {"name", "category", "rubric"}) < 3:
            continue
        name = as_text(f["name"], r, "单位名称")
        category = as_id(f["category"], r, "类别编号")
        if category is not None and year is not None and year.category(category) is None:
            r.error(
                f["category"].mark,
                f"类别“{category}”不是本年度的排名类别，可选：{'、'.join(c.id for c in year.categories)}。",
            )
        rubric = _rubric_id(f["rubric"], path, folder, rubrics, r)
        attributes = _attributes(f, r)
        group = as_int(f["group"], r, "专家组（group）") if "group" in f else None
        tasks = tuple(
            t
            for n in (sequence(f["tasks"], r, "tasks") if "tasks" in f else ())
            if (t := as_text(n, r, "任务"))
        )
        # A unit whose attributes could not be read would only draw misleading variant errors.
        if uid and name and category and rubric and attributes is not None:
            unit = Unit(uid, name, category, rubric, attributes, group, tasks, f["id"].mark)
            if rubric in rubrics and check_variants(unit, rubrics[rubric], r):
                units.append(unit)
    return tuple(units), set(seen)


def _rubric_id(
    node: Node, path: Path, year_folder: str, rubrics: dict[str, Rubric], r: Report
) -> str | None:
    rubric = as_id(node, r, "评分标准编号")
    folder = f"rubrics/{year_folder}/"
    # A rubric file that exists but has errors has had them reported already.
    broken = rubric is not None and (path.parents[2] / folder / f"{rubric}.yaml").is_file()
    if rubric is not None and rubric not in rubrics and not broken:
        r.error(
            node.mark,
            f"评分标准“{rubric}”不存在（{folder}{rubric}.yaml），已有："
            f"{'、'.join(sorted(rubrics)) or '无可用的评分标准'}。",
        )
    return rubric


def _attributes(f: dict[str, Node], r: Report) -> dict[str, AttributeValue] | None:
    """A unit's attributes, or None when one of them cannot be read."""
    attributes: dict[str, AttributeValue] = {}
    if "attributes" not in f:
        return attributes
    a = f["attributes"]
    if not isinstance(a, Mapping):
        r.error(a.mark, f"attributes 应为映射，例如 {{pilot: true}}，实际是{describe(a)}。")
        return None
    ok = True
    for key, value in a.entries:
        attr = values.as_scalar_value(value, r, f"属性“{key.text}”")
        if attr is None:
            ok = False
        else:
            attributes[key.text] = attr
    return attributes if ok else None


def _written(value: AttributeValue) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def check_variants(unit: Unit, rubric: Rubric, r: Report) -> bool:
    """Whether exactly one variant of each of the rubric's items applies to the unit."""
    ok = True
    for item in rubric.items():
        if not item.variants:
            continue
        matches = item.matching_variants(unit.attributes)
        if len(matches) == 1:
            continue
        attrs = "，".join(f"{k}: {_written(v)}" for k, v in unit.attributes.items())
        conditions = "；".join(
            "、".join(f"{k}: {_written(v)}" for k, v in variant.when) for variant in item.variants
        )
        problem = "没有任何变体适用" if not matches else f"有{len(matches)}个变体同时适用"
        r.error(
            unit.mark,
            f"单位“{unit.name}”（{unit.id}）在评分项“{item.id}”上{problem}：单位属性为 {{{attrs}}}，"
            f"各变体的条件为 {conditions}。请检查 attributes。",
        )
        ok = False
    return ok
