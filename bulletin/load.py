"""Read a project's files into the typed model, checking every rule of the data contract.

Every problem is recorded with the file, line and column of the offending value; reading goes on
after a problem so that staff see every mistake in one run.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from . import source
from .cache import ParseCache
from .model import (
    AGGREGATES,
    BEST_OF,
    CHOICE,
    DRAFT,
    ITEM_TYPES,
    PUBLISHED,
    SCORE,
    STATUSES,
    Answer,
    AttributeValue,
    Category,
    Dimension,
    Evidence,
    GradeBand,
    Item,
    ListedUnit,
    ListRule,
    Option,
    Page,
    Project,
    Rubric,
    ScoreSheet,
    SiteConfig,
    Unit,
    Variant,
    Year,
    YearData,
)
from .problems import Mark, Report
from .source import Mapping, Node, Sequence, as_bool, as_date, as_decimal, as_id, as_int, as_text, describe

YEAR_DIR = re.compile(r"[0-9]{4}")
TYPE_NAMES = {SCORE: "打分", CHOICE: "单选", BEST_OF: "择优"}


def fields(
    node: Node, report: Report, what: str, required: Iterable[str] = (), optional: Iterable[str] = ()
) -> dict[str, Node] | None:
    """The entries of a mapping, with unknown and missing fields reported."""
    if not isinstance(node, Mapping):
        report.error(node.mark, f"{what}应为映射（“键: 值”的形式），实际是{describe(node)}。")
        return None
    required = tuple(required)
    known = (*required, *optional)
    found: dict[str, Node] = {}
    for key, value in node.entries:
        if key.text not in known:
            near = difflib.get_close_matches(key.text, known, n=1)
            hint = f"是否想写“{near[0]}”？" if near else f"可用的字段：{'、'.join(known)}。"
            report.error(key.mark, f"{what}中有未知字段“{key.text}”，{hint}")
            continue
        found[key.text] = value
    for name in required:
        if name not in found:
            report.error(node.mark, f"{what}缺少必填字段“{name}”。")
    return found


def sequence(node: Node, report: Report, what: str) -> tuple[Node, ...]:
    if isinstance(node, Sequence):
        return node.items
    report.error(node.mark, f"{what}应为列表（每项以“- ”开头），实际是{describe(node)}。")
    return ()


def _rel(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


@dataclass
class Loader:
    """Reads one project directory; `report` collects every problem found."""

    root: Path
    report: Report = field(default_factory=Report)
    cache: ParseCache | None = None  # kept by the preview server between rebuilds
    # Where each tie_break entry of the year being read was written, to point problems at it.
    tie_break_marks: dict[str, Mark] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self.root = self.root.resolve()
        self._safe_folders: dict[Path, bool] = {}

    # -- files ------------------------------------------------------------------------------

    def rel(self, path: Path) -> str:
        return _rel(path, self.root)

    def safe(self, path: Path) -> bool:
        """Refuse a file that is (or passes through) a link to somewhere outside the project."""
        try:
            # Resolve each folder once; a file needs resolving only when it is a link itself.
            folder = self._safe_folders.get(path.parent)
            if folder is None:
                folder = self._safe_folders[path.parent] = path.parent.resolve().is_relative_to(self.root)
            inside = folder and (not path.is_symlink() or path.resolve().is_relative_to(self.root))
        except OSError:
            inside = False
        if not inside:
            self.report.error(Mark(self.rel(path)), "这个文件是指向项目之外的链接，出于安全考虑拒绝读取。")
        return inside

    def yaml(self, path: Path) -> Node | None:
        if not self.safe(path):
            return None
        if self.cache is not None:
            return self.cache.load(path, self.rel(path), self.report)
        return source.load(path, self.rel(path), self.report)

    def files(self, folder: Path, suffix: str) -> list[Path]:
        if not folder.is_dir():
            return []
        found = []
        for path in sorted(folder.iterdir()):
            if path.name.startswith(".") or path.is_dir():
                continue
            if path.suffix == suffix:
                found.append(path)
            elif suffix == ".yaml" and path.suffix in (".yml", ".YAML", ".Yaml"):
                self.report.error(Mark(self.rel(path)), f"文件扩展名应为“.yaml”，请改名为“{path.stem}.yaml”。")
        return found

    # -- project ----------------------------------------------------------------------------

    def project(self, only_year: int | None = None) -> Project:
        site = self.site()
        content = self.root / "content"
        year_dirs = sorted(
            (p for p in content.iterdir() if p.is_dir() and YEAR_DIR.fullmatch(p.name)) if content.is_dir() else [],
            reverse=True,
        )
        known = {p.name for p in year_dirs}
        for top in ("rubrics", "scores"):
            folder = self.root / top
            if folder.is_dir():
                for p in sorted(folder.iterdir()):
                    if p.is_dir() and p.name not in known:
                        self.report.error(
                            Mark(self.rel(p)), f"文件夹“{self.rel(p)}”没有对应的年度设置 content/{p.name}/year.yaml。"
                        )
        years = []
        for folder in year_dirs:
            if only_year is not None and int(folder.name) != only_year:
                continue
            data = self.year_data(folder)
            if data is not None:
                years.append(data)
        return Project(site or SiteConfig("", ""), tuple(years))

    def site(self) -> SiteConfig | None:
        path = self.root / "content" / "site.yaml"
        if not path.is_file():
            self.report.error(Mark("content/site.yaml"), "缺少网站设置文件 content/site.yaml。")
            return None
        node = self.yaml(path)
        if node is None:
            return None
        f = fields(node, self.report, "网站设置", ("title", "issuer"), ("sample",))
        if f is None:
            return None
        title = as_text(f["title"], self.report, "网站标题") if "title" in f else None
        issuer = as_text(f["issuer"], self.report, "发布单位（issuer）") if "issuer" in f else None
        sample = as_bool(f["sample"], self.report, "sample") if "sample" in f else False
        return SiteConfig(title or "", issuer or "", bool(sample))

    # -- one year ---------------------------------------------------------------------------

    def year_data(self, folder: Path) -> YearData | None:
        number = int(folder.name)
        year_file = folder / "year.yaml"
        if not year_file.is_file():
            self.report.error(Mark(self.rel(year_file)), f"{number}年度缺少年度设置文件 year.yaml。")
            return None
        year = self.year(year_file, number)
        rubrics = self.rubrics(self.root / "rubrics" / folder.name)
        units_file = folder / "units.yaml"
        if not units_file.is_file():
            self.report.error(Mark(self.rel(units_file)), f"{number}年度缺少单位名单 units.yaml。")
            units: tuple[Unit, ...] = ()
            listed: set[str] | None = None
        else:
            units, listed = self.units(units_file, year, rubrics)
        bulletin, pages = self.pages(folder, year)
        if year is None:
            return None
        self.check_tie_break(year, units, rubrics)
        self.check_lists(year, listed)
        sheets = self.sheets(self.root / "scores" / folder.name, year, units, listed, rubrics)
        return YearData(year, units, rubrics, sheets, bulletin, pages)

    def year(self, path: Path, number: int) -> Year | None:
        node = self.yaml(path)
        if node is None:
            return None
        r = self.report
        f = fields(
            node,
            r,
            "年度设置",
            ("year", "title", "status", "categories"),
            ("date", "grades", "aggregate", "tie_break", "commendation", "rectification", "weight"),
        )
        if f is None or not {"year", "title", "status", "categories"} <= f.keys():
            return None
        ok = True
        if (value := as_int(f["year"], r, "year")) is not None and value != number:
            r.error(f["year"].mark, f"year 应与文件夹名一致，为 {number}，实际是 {value}。")
            ok = False
        title = as_text(f["title"], r, "年度标题")
        status = as_text(f["status"], r, "status")
        if status is not None and status not in STATUSES:
            r.error(f["status"].mark, f"status 应为 draft、published 或 frozen 之一，实际是“{status}”。")
            status = None
        day = as_date(f["date"], r, "通报日期（date）") if "date" in f else None
        if status in (PUBLISHED, "frozen") and "date" not in f:
            r.error(node.mark, f"状态为 {status} 的年度必须填写通报日期 date。")
        categories = self.categories(f["categories"])
        grades = self.grades(f["grades"]) if "grades" in f else ()
        aggregate = "mean"
        if "aggregate" in f:
            aggregate = as_text(f["aggregate"], r, "aggregate") or "mean"
            if aggregate not in AGGREGATES:
                r.error(f["aggregate"].mark, f"aggregate 应为 mean、trimmed-mean 或 median 之一，实际是“{aggregate}”。")
        tie_break: list[str] = []
        self.tie_break_marks = {}
        for n in sequence(f["tie_break"], r, "tie_break") if "tie_break" in f else ():
            if (dim := as_id(n, r, "tie_break 中的指标编号")) is not None:
                tie_break.append(dim)
                self.tie_break_marks.setdefault(dim, n.mark)
        commendation = self.list_rule(f.get("commendation"), "表彰规则（commendation）", ("top", "min_total"))
        rectification = self.list_rule(f.get("rectification"), "整改规则（rectification）", ("below",))
        listed_both = {u.unit for u in commendation.units} & {u.unit for u in rectification.units}
        for entry in rectification.units:
            if entry.unit in listed_both:
                r.error(entry.mark, f"单位“{entry.unit}”同时被明确列入表彰名单和整改名单，只能列入其中一个。")
        weight = None
        if "weight" in f and (weight := as_decimal(f["weight"], r, "权重（weight）")) is not None:
            if not Decimal(0) < weight <= Decimal(1):
                r.error(f["weight"].mark, f"权重（weight）应大于0且不超过1，实际是 {f['weight'].text}。")  # type: ignore[union-attr]
        if not (ok and title and status and categories):
            return None
        return Year(
            number, title, status, day, categories, grades, aggregate, tuple(tie_break), commendation, rectification, weight
        )

    def categories(self, node: Node) -> tuple[Category, ...]:
        r = self.report
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

    def grades(self, node: Node) -> tuple[GradeBand, ...]:
        r = self.report
        bands: list[GradeBand] = []
        for entry in sequence(node, r, "grades"):
            f = fields(entry, r, "等次", ("name", "min"))
            if f is None or len(f) < 2:
                continue
            name, low = as_text(f["name"], r, "等次名称"), as_decimal(f["min"], r, "等次分数线（min）")
            if name is None or low is None:
                continue
            if low < 0:
                r.error(f["min"].mark, f"等次“{name}”的分数线不能为负数，实际是 {f['min'].text}。")  # type: ignore[union-attr]
            if bands and low >= bands[-1].min:
                r.error(
                    f["min"].mark,
                    f"等次分数线必须从高到低严格递减：“{name}”的 {low} 不低于上一等次“{bands[-1].name}”的 {bands[-1].min}。",
                )
                continue
            bands.append(GradeBand(name, low))
        return tuple(bands)

    def list_rule(self, node: Node | None, what: str, conditions: tuple[str, ...]) -> ListRule:
        if node is None:
            return ListRule()
        r = self.report
        f = fields(node, r, what, (), (*conditions, "units"))
        if f is None:
            return ListRule()
        values: dict[str, object] = {}
        if "top" in f and (top := as_int(f["top"], r, "top")) is not None:
            if top < 1:
                r.error(f["top"].mark, f"top 应为正整数（名次），实际是 {top}。")
            values["top"] = top
        for name in ("min_total", "below"):
            if name in f:
                values[name] = as_decimal(f[name], r, name)
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
        return ListRule(units=tuple(units), **values)  # type: ignore[arg-type]

    # -- rubrics ----------------------------------------------------------------------------

    def rubrics(self, folder: Path) -> dict[str, Rubric]:
        rubrics: dict[str, Rubric] = {}
        for path in self.files(folder, ".yaml"):
            node = self.yaml(path)
            if node is not None and (rubric := self.derive("rubric", path, (node,), self.rubric, node, path)):
                rubrics[rubric.id] = rubric
        return rubrics

    def derive(self, kind: str, path: Path, key: tuple, make, *args):  # noqa: ANN001, ANN201
        """`make(*args)`, or what it gave last time for the same inputs `key` (in the preview)."""
        if self.cache is None:
            return make(*args)
        rel = self.rel(path)
        found, value = self.cache.recall(kind, rel, key, self.report)
        if not found:
            start = len(self.report.problems)
            value = make(*args)
            self.cache.remember(kind, rel, key, value, self.report.problems[start:])
        return value

    def rubric(self, node: Node, path: Path) -> Rubric | None:
        r = self.report
        f = fields(node, r, "评分标准", ("id", "title", "total", "dimensions"), ("short_title", "description"))
        if f is None or len(f.keys() & {"id", "title", "total", "dimensions"}) < 4:
            return None
        rid = as_id(f["id"], r, "评分标准编号")
        if rid is not None and rid != path.stem:
            r.error(f["id"].mark, f"评分标准编号“{rid}”应与文件名一致，为“{path.stem}”。")
        title = as_text(f["title"], r, "评分标准标题")
        total = as_decimal(f["total"], r, "总分（total）")
        description = as_text(f["description"], r, "说明", required=False) if "description" in f else None
        short_title = as_text(f["short_title"], r, "简称（short_title）") if "short_title" in f else None
        seen: dict[str, Mark] = {}
        dimensions = []
        dims = sequence(f["dimensions"], r, "dimensions")
        if isinstance(f["dimensions"], Sequence) and not dims:
            r.error(f["dimensions"].mark, "评分标准至少要有一个一级指标。")
        for dnode in dims:
            if (dim := self.dimension(dnode, seen)) is not None:
                dimensions.append(dim)
        ok = rid is not None and rid == path.stem and title is not None and total is not None
        if ok and len(dimensions) == len(dims) and dims:
            points = sum((d.points for d in dimensions), Decimal(0))
            if points != total:
                r.error(
                    f["total"].mark,
                    f"总分（total）为 {f['total'].text}，但各一级指标分值之和为 {points}，两者应相等。",  # type: ignore[union-attr]
                )
                ok = False
        if not ok or len(dimensions) != len(dims):
            return None
        assert rid and title and total is not None
        return Rubric(rid, title, total, tuple(dimensions), description, short_title)

    def check_new_id(self, node: Node, seen: dict[str, Mark], what: str) -> str | None:
        ident = as_id(node, self.report, what)
        if ident is None:
            return None
        if ident in seen:
            self.report.error(
                node.mark, f"编号“{ident}”重复（第{seen[ident].line}行已经用过）：指标和评分项的编号在同一评分标准中必须唯一。"
            )
            return None
        seen[ident] = node.mark
        return ident

    def dimension(self, node: Node, seen: dict[str, Mark]) -> Dimension | None:
        r = self.report
        f = fields(node, r, "一级指标", ("id", "title", "points", "items"))
        if f is None or len(f) < 4:
            return None
        did = self.check_new_id(f["id"], seen, "一级指标编号")
        title = as_text(f["title"], r, "一级指标名称")
        points = self.points(f["points"], "一级指标分值")
        nodes = sequence(f["items"], r, "items")
        if isinstance(f["items"], Sequence) and not nodes:
            r.error(f["items"].mark, f"一级指标“{did}”至少要有一个评分项。")
        items = [item for n in nodes if (item := self.item(n, seen)) is not None]
        if did is None or title is None or points is None or len(items) != len(nodes) or not nodes:
            return None
        total = sum((i.points for i in items), Decimal(0))
        if total != points:
            parts = " + ".join(str(i.points) for i in items)
            r.error(
                f["points"].mark,
                f"一级指标“{title}”（{did}）的分值为 {f['points'].text}，但其评分项分值之和为 {parts} = {total}，两者应相等。",  # type: ignore[union-attr]
            )
            return None
        return Dimension(did, title, points, tuple(items))

    def points(self, node: Node, what: str) -> Decimal | None:
        value = as_decimal(node, self.report, what)
        if value is not None and value <= 0:
            self.report.error(node.mark, f"{what}应大于0，实际是 {node.text}。")  # type: ignore[union-attr]
            return None
        return value

    def item(self, node: Node, seen: dict[str, Mark]) -> Item | None:
        r = self.report
        f = fields(node, r, "评分项", ("id", "points"), ("title", "type", "options", "variants", "description"))
        if f is None or len(f.keys() & {"id", "points"}) < 2:
            return None
        iid = self.check_new_id(f["id"], seen, "评分项编号")
        points = self.points(f["points"], "评分项分值")
        title = as_text(f["title"], r, "评分项名称") if "title" in f else None
        kind = self.item_type(f.get("type"))
        description = as_text(f["description"], r, "说明", required=False) if "description" in f else None
        options = self.options(f["options"], points) if "options" in f else None
        if iid is None or points is None or kind is None or (options is None and "options" in f):
            return None
        variants: list[Variant] = []
        if "variants" in f:
            vnodes = sequence(f["variants"], r, "variants")
            if isinstance(f["variants"], Sequence) and not vnodes:
                r.error(f["variants"].mark, f"评分项“{iid}”的 variants 不能为空列表。")
            variants = [v for n in vnodes if (v := self.variant(n, points)) is not None]
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
                r.error(where, f"{label}的类型是 {vkind}（{TYPE_NAMES[vkind]}），必须给出选项（options）。")
                ok = False
            if vkind == SCORE and vopts and v and v.options is not None:
                r.error(where, f"{label}的类型是 score（打分），不应有选项（options）。")
                ok = False
        if kind == SCORE and options and not variants:
            r.error(f["options"].mark, f"评分项“{iid}”的类型是 score（打分），不应有选项（options）；单选请写 type: choice。")
            ok = False
        if not ok:
            return None
        return Item(iid, title, points, kind, options or (), description, tuple(variants), f["id"].mark)

    def item_type(self, node: Node | None) -> str | None:
        if node is None:
            return SCORE
        kind = as_text(node, self.report, "评分项类型（type）")
        if kind is not None and kind not in ITEM_TYPES:
            self.report.error(node.mark, f"评分项类型（type）应为 score、choice 或 best-of 之一，实际是“{kind}”。")
            return None
        return kind

    def options(self, node: Node, points: Decimal | None) -> tuple[Option, ...] | None:
        r = self.report
        if not isinstance(node, Mapping) or not node.entries:
            r.error(node.mark, f"选项（options）应写成“选项名: 分值”的映射，例如 {{正职: 3, 副职: 2}}，实际是{describe(node)}。")
            return None
        options = []
        for key, value in node.entries:
            label = as_text(key, r, "选项名")
            amount = as_decimal(value, r, f"选项“{key.text}”的分值")
            if label is None or amount is None:
                return None
            if points is not None and not Decimal(0) <= amount <= points:
                r.error(value.mark, f"选项“{label}”的分值 {amount} 超出范围：应在 0 到评分项分值 {points} 之间。")
                return None
            options.append(Option(label, amount))
        return tuple(options)

    def variant(self, node: Node, points: Decimal | None) -> Variant | None:
        r = self.report
        f = fields(node, r, "变体", ("when",), ("title", "type", "options", "description"))
        if f is None or "when" not in f:
            return None
        when: list[tuple[str, AttributeValue]] = []
        wnode = f["when"]
        if not isinstance(wnode, Mapping) or not wnode.entries:
            r.error(wnode.mark, f"变体的适用条件（when）应为非空映射，例如 {{pilot: true}}，实际是{describe(wnode)}。")
            return None
        for key, value in wnode.entries:
            attr = source.as_scalar_value(value, r, f"条件“{key.text}”的值")
            if attr is None:
                return None
            when.append((key.text, attr))
        title = as_text(f["title"], r, "变体名称") if "title" in f else None
        kind = self.item_type(f["type"]) if "type" in f else None
        options = self.options(f["options"], points) if "options" in f else None
        description = as_text(f["description"], r, "说明", required=False) if "description" in f else None
        if ("type" in f and kind is None) or ("options" in f and options is None) or ("title" in f and not title):
            return None
        return Variant(tuple(when), title, kind, options, description, node.mark)

    # -- units ------------------------------------------------------------------------------

    def units(
        self, path: Path, year: Year | None, rubrics: dict[str, Rubric]
    ) -> tuple[tuple[Unit, ...], set[str] | None]:
        """The valid units, and the ids of every entry (valid or not) so as not to report twice.

        The ids are None when the list itself cannot be read: then nothing is known about them.
        """
        node = self.yaml(path)
        key = (node, year, tuple(rubrics.items()))
        return self.derive("units", path, key, self._units, node, path, year, rubrics)

    def _units(
        self, node: Node | None, path: Path, year: Year | None, rubrics: dict[str, Rubric]
    ) -> tuple[tuple[Unit, ...], set[str] | None]:
        if node is None:
            return (), None
        r = self.report
        units: list[Unit] = []
        seen: dict[str, Mark] = {}
        entries = sequence(node, r, "单位名单")
        if not isinstance(node, Sequence):
            return (), None
        if not entries:
            r.error(node.mark, "单位名单为空。")
        for entry in entries:
            f = fields(entry, r, "单位", ("id", "name", "category", "rubric"), ("attributes", "group", "tasks"))
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
            rubric = as_id(f["rubric"], r, "评分标准编号")
            folder = f"rubrics/{path.parent.name}/"
            # A rubric file that exists but has errors has had them reported already.
            broken = rubric is not None and (self.root / folder / f"{rubric}.yaml").is_file()
            if rubric is not None and rubric not in rubrics and not broken:
                r.error(
                    f["rubric"].mark,
                    f"评分标准“{rubric}”不存在（{folder}{rubric}.yaml），已有："
                    f"{'、'.join(sorted(rubrics)) or '无可用的评分标准'}。",
                )
            attributes: dict[str, AttributeValue] = {}
            attributes_ok = True
            if "attributes" in f:
                a = f["attributes"]
                if isinstance(a, Mapping):
                    for key, value in a.entries:
                        attr = source.as_scalar_value(value, r, f"属性“{key.text}”")
                        if attr is not None:
                            attributes[key.text] = attr
                        else:
                            attributes_ok = False
                else:
                    r.error(a.mark, f"attributes 应为映射，例如 {{pilot: true}}，实际是{describe(a)}。")
                    attributes_ok = False
            group = as_int(f["group"], r, "专家组（group）") if "group" in f else None
            tasks = tuple(
                t for n in (sequence(f["tasks"], r, "tasks") if "tasks" in f else ()) if (t := as_text(n, r, "任务"))
            )
            # A unit whose attributes could not be read would only draw misleading variant errors.
            if uid and name and category and rubric and attributes_ok:
                unit = Unit(uid, name, category, rubric, attributes, group, tasks, f["id"].mark)
                if rubric in rubrics and self.check_variants(unit, rubrics[rubric]):
                    units.append(unit)
        return tuple(units), set(seen)

    def check_variants(self, unit: Unit, rubric: Rubric) -> bool:
        ok = True
        for item in rubric.items():
            if not item.variants:
                continue
            matches = item.matching_variants(unit.attributes)
            if len(matches) == 1:
                continue
            attrs = "，".join(f"{k}: {str(v).lower() if isinstance(v, bool) else v}" for k, v in unit.attributes.items())
            conditions = "；".join(
                "、".join(f"{k}: {str(v).lower() if isinstance(v, bool) else v}" for k, v in variant.when)
                for variant in item.variants
            )
            problem = "没有任何变体适用" if not matches else f"有{len(matches)}个变体同时适用"
            self.report.error(
                unit.mark,
                f"单位“{unit.name}”（{unit.id}）在评分项“{item.id}”上{problem}：单位属性为 {{{attrs}}}，"
                f"各变体的条件为 {conditions}。请检查 attributes。",
            )
            ok = False
        return ok

    def check_tie_break(self, year: Year, units: tuple[Unit, ...], rubrics: dict[str, Rubric]) -> None:
        used = {u.rubric for u in units if u.rubric in rubrics}
        for dim in year.tie_break:
            missing = [rid for rid in sorted(used) if dim not in {d.id for d in rubrics[rid].dimensions}]
            if missing:
                self.report.error(
                    self.tie_break_marks[dim],
                    f"tie_break 中的“{dim}”必须是本年度每个评分标准的一级指标，但评分标准 {'、'.join(missing)} 中没有。",
                )

    def check_lists(self, year: Year, listed: set[str] | None) -> None:
        if listed is None:
            return
        for entry in (*year.commendation.units, *year.rectification.units):
            if entry.unit not in listed:
                self.report.error(entry.mark, f"名单中的单位“{entry.unit}”不在本年度的单位名单 units.yaml 中。")

    # -- score sheets -----------------------------------------------------------------------

    def sheets(
        self,
        folder: Path,
        year: Year,
        units: tuple[Unit, ...],
        listed: set[str] | None,
        rubrics: dict[str, Rubric],
    ) -> dict[str, ScoreSheet]:
        by_id = {u.id: u for u in units}
        sheets: dict[str, ScoreSheet] = {}
        paths = self.files(folder, ".yaml")
        for path in paths:
            node = self.yaml(path)
            if node is None:
                continue
            unit = by_id.get(path.stem)
            key = (node, year, unit, rubrics.get(unit.rubric) if unit else None, listed is None or path.stem in listed)
            sheet = self.derive("sheet", path, key, self.sheet, node, path, year, by_id, listed, rubrics)
            if sheet is not None:
                sheets[sheet.unit] = sheet
        files = {p.stem for p in paths}
        for unit in units:
            if unit.id not in files:
                message = f"单位“{unit.name}”（{unit.id}）还没有评分文件 scores/{year.year}/{unit.id}.yaml"
                if year.status == DRAFT:
                    self.report.warning(unit.mark, message + "，暂按“尚未评分”显示。")
                else:
                    self.report.error(unit.mark, message + "；已发布的年度每个单位都必须评分。")
        return sheets

    def sheet(
        self,
        node: Node,
        path: Path,
        year: Year,
        units: dict[str, Unit],
        listed: set[str] | None,
        rubrics: dict[str, Rubric],
    ) -> ScoreSheet | None:
        r = self.report
        f = fields(node, r, "评分文件", ("unit", "scores"), ("notes", "opinion", "evidence"))
        if f is None or "unit" not in f:
            return None
        uid = as_id(f["unit"], r, "单位编号（unit）")
        if uid is None:
            return None
        if uid != path.stem:
            r.error(f["unit"].mark, f"unit 应与文件名一致：文件名是“{path.stem}”，这里写的是“{uid}”。")
            return None
        unit = units.get(uid)
        if unit is None:
            # A listed unit with errors of its own, or an unreadable list, has been reported already.
            if listed is not None and uid not in listed:
                r.error(f["unit"].mark, f"单位“{uid}”不在 {year.year} 年度的单位名单 units.yaml 中。")
            return None
        if "scores" not in f or unit.rubric not in rubrics:
            return None
        rubric = rubrics[unit.rubric]
        items = rubric.applied(unit.attributes)
        answers: dict[str, Answer] = {}
        snode = f["scores"]
        complete = True
        if isinstance(snode, Mapping):
            for key, value in snode.entries:
                item = items.get(key.text)
                if item is None:
                    near = difflib.get_close_matches(key.text, items, n=1)
                    hint = f"是否想写“{near[0]}”？" if near else f"评分项有：{'、'.join(items)}。"
                    r.error(key.mark, f"评分标准“{rubric.id}”中没有评分项“{key.text}”，{hint}")
                    complete = False
                    continue
                answer = self.answer(value, item, year)
                if answer is None:
                    complete = False
                else:
                    answers[key.text] = answer
            missing = [i for i in items if i not in answers and snode.get(i) is None]
            if missing:
                complete = False
                key = self.key_mark(node, "scores")
                names = "、".join(f"{i}（{items[i].title[:20]}）" for i in missing)
                if year.status == DRAFT:
                    r.warning(key, f"还缺 {len(missing)} 个评分项：{names}；该单位暂按“尚未评分”显示。")
                else:
                    r.error(key, f"缺少 {len(missing)} 个评分项：{names}；已发布的年度每个评分项都必须打分。")
        else:
            r.error(snode.mark, f"scores 应为“评分项编号: 分数”的映射，实际是{describe(snode)}。")
            complete = False
        notes: dict[str, str] = {}
        if "notes" in f:
            n = f["notes"]
            if isinstance(n, Mapping):
                for key, value in n.entries:
                    if key.text not in items:
                        r.error(key.mark, f"备注（notes）中的“{key.text}”不是评分标准“{rubric.id}”的评分项。")
                    elif (text := as_text(value, r, f"评分项“{key.text}”的备注")) is not None:
                        notes[key.text] = text
            else:
                r.error(n.mark, f"notes 应为“评分项编号: 备注”的映射，实际是{describe(n)}。")
        opinion = as_text(f["opinion"], r, "考核意见（opinion）", required=False) if "opinion" in f else None
        evidence = []
        for e in sequence(f["evidence"], r, "印证资料（evidence）") if "evidence" in f else ():
            ef = fields(e, r, "印证资料", ("title",), ("note",))
            if ef and "title" in ef and (title := as_text(ef["title"], r, "资料名称")):
                note = as_text(ef["note"], r, "资料说明", required=False) if "note" in ef else None
                evidence.append(Evidence(title, note))
        return ScoreSheet(uid, answers, complete, notes, opinion or None, tuple(evidence))

    def key_mark(self, node: Node, key: str) -> Mark:
        k = node.key(key) if isinstance(node, Mapping) else None
        return k.mark if k else node.mark

    def answer(self, node: Node, item, year: Year) -> Answer | None:  # noqa: ANN001 - AppliedItem
        r = self.report
        what = f"评分项“{item.id}”"
        if item.type == CHOICE:
            label = as_text(node, r, what + "的选项")
            if label is None:
                return None
            if item.option_points(label) is None:
                r.error(node.mark, f"{what}的选项“{label}”不是可选项，可选：{'、'.join(o.label for o in item.options)}。")
                return None
            return Answer(labels=(label,))
        if item.type == BEST_OF:
            if not isinstance(node, Sequence):
                example = f"[{item.options[0].label}]" if item.options else "[]"
                r.error(node.mark, f"{what}是择优项，应写成选项列表，例如 {example}，没有则写 []；实际是{describe(node)}。")
                return None
            labels: list[str] = []
            for n in node.items:
                label = as_text(n, r, what + "的选项")
                if label is None:
                    return None
                if item.option_points(label) is None:
                    r.error(n.mark, f"{what}的选项“{label}”不是可选项，可选：{'、'.join(o.label for o in item.options)}。")
                    return None
                if label in labels:
                    r.error(n.mark, f"{what}的选项“{label}”重复。")
                    return None
                labels.append(label)
            return Answer(labels=tuple(labels))
        if isinstance(node, Mapping):
            f = fields(node, r, what, ("experts",))
            if f is None or "experts" not in f:
                return None
            marks_node = f["experts"]
            marks = []
            for n in sequence(marks_node, r, f"{what}的专家打分（experts）"):
                value = self.score_value(n, item, what + "的专家打分")
                if value is None:
                    return None
                marks.append(value)
            if not isinstance(marks_node, Sequence):
                return None
            if not marks:
                r.error(marks_node.mark, f"{what}的专家打分（experts）至少要有一个分数。")
                return None
            if year.aggregate == "trimmed-mean" and len(marks) < 3:
                r.error(
                    marks_node.mark,
                    f"{what}只有 {len(marks)} 个专家打分；本年度用去掉最高分和最低分取平均（trimmed-mean），至少需要3个。",
                )
                return None
            return Answer(experts=tuple(marks))
        value = self.score_value(node, item, what)
        return None if value is None else Answer(value=value)

    def score_value(self, node: Node, item, what: str) -> Decimal | None:  # noqa: ANN001
        value = as_decimal(node, self.report, what)
        if value is None:
            return None
        if value < 0:
            self.report.error(node.mark, f"{what}的分数 {node.text} 是负数，应在 0 到 {item.points} 之间。")  # type: ignore[union-attr]
            return None
        if value > item.points:
            self.report.error(node.mark, f"{what}的分数 {node.text} 超过满分 {item.points}，应在 0 到 {item.points} 之间。")  # type: ignore[union-attr]
            return None
        return value

    # -- pages ------------------------------------------------------------------------------

    def pages(self, folder: Path, year: Year | None) -> tuple[Page | None, tuple[Page, ...]]:
        bulletin = None
        pages = []
        for path in self.files(folder, ".md"):
            page = self.page(path)
            if page is None:
                continue
            if path.stem == "bulletin":
                bulletin = page
            else:
                pages.append(page)
        if not (folder / "bulletin.md").is_file():
            self.report.error(Mark(self.rel(folder / "bulletin.md")), "缺少通报正文 bulletin.md。")
        return bulletin, tuple(pages)

    def page(self, path: Path) -> Page | None:
        if not self.safe(path):
            return None
        rel = self.rel(path)
        r = self.report
        if not source.ID.fullmatch(path.stem):
            r.error(Mark(rel), f"页面文件名“{path.name}”不合规范：只能用小写英文字母、数字和连字符。")
            return None
        try:
            text = source.read_text(path, rel)
        except source.ParseFailure as exc:
            r.error(exc.mark, exc.message)
            return None
        meta: dict[str, Node] = {}
        body = text
        lines = text.splitlines(keepends=True)
        if lines and lines[0].rstrip() == "---":
            end = next((i for i, line in enumerate(lines[1:], start=1) if line.rstrip() in ("---", "...")), None)
            if end is None:
                r.error(Mark(rel), "页首的“---”没有对应的结束行“---”。")
                return None
            body = "".join(lines[end + 1 :])
            front = "".join(lines[1:end])
            if front.strip():
                try:
                    node = source.parse(front, rel, line_offset=1)
                except source.ParseFailure as exc:
                    r.error(exc.mark, exc.message)
                    return None
                found = fields(node, r, "页首信息", (), ("title", "number", "recipients", "date"))
                if found is None:
                    return None
                meta = found
        title = as_text(meta["title"], r, "标题") if "title" in meta else None
        if title is None:
            heading = re.search(r"^#\s+(.+)$", body, re.MULTILINE)
            title = heading.group(1).strip() if heading else path.stem
        number = as_text(meta["number"], r, "文号") if "number" in meta else None
        recipients = as_text(meta["recipients"], r, "主送单位") if "recipients" in meta else None
        day = as_date(meta["date"], r, "日期") if "date" in meta else None
        return Page(path.stem, title, body, number, recipients, day)


def load_project(root: Path, only_year: int | None = None, cache: ParseCache | None = None) -> tuple[Project, Report]:
    """Read and validate a whole project (or one year of it)."""
    loader = Loader(root, cache=cache)
    project = loader.project(only_year)
    return project, loader.report
