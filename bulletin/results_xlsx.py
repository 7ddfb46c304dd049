"""site/<year>/results.xlsx: a year's results as a workbook, for the public and 市考核办 (pure)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from .model import DRAFT, FROZEN, PUBLISHED, Rubric, SiteConfig, TextPage, Year
from .scoring import CategoryRanking, UnitResult, YearResults, decimal_text, rank_text
from .xlsx import BOLD, HEAD, PLAIN, WRAP, Sheet, deflate_piece, row_xml, sheet_title, workbook

# A unit's row, or the one made from the very same owners and an equal key before (the
# preview's reuse.Parts.get); without one, made afresh.
Kept = Callable[[tuple, tuple, Callable[[], str]], str]


def _fresh(owners: tuple, key: tuple, make: Callable[[], str]) -> str:
    return make()


GUIDE = "说明"

CATEGORY_COLUMNS = (
    ("名次", "在本类别中的名次；得分相同的单位名次相同（并列），其后的名次顺延"),
    ("名次说明", "名次的文字写法，例如“第1名”“并列第2名”；尚未评分的单位为空"),
    ("单位", "被考核单位名称，与 units.yaml 一致"),
    ("单位编号", "单位的编号（id），各年度不变，可用于跨年度比对"),
    ("得分", "总分：各一级指标得分之和，精确计算，不四舍五入"),
    ("等级", "按本年度的等级分档确定；不在任何分档内为空"),
    ("折算分", "按权重折算的分数 = 得分 × 权重，四舍五入保留两位小数；未设权重为空"),
    ("表彰", "“是”表示列入通报表彰名单"),
    ("表彰理由", "列入表彰名单的理由"),
    ("限期整改", "“是”表示须限期整改并报送书面整改报告"),
    ("整改理由", "列入整改名单的理由"),
)


def _header(sheet: Sheet, titles: list[str], widths: list[float]) -> None:
    sheet.add(list(titles), HEAD)
    sheet.widths = widths
    sheet.frozen_rows = 1


SCORE_COLUMNS = (4, 6)  # 得分, 折算分: left out when a year publishes grades only


def category_sheet(sheet: Sheet, ranking: CategoryRanking, year: Year, kept: Kept = _fresh) -> None:
    scores = not year.grades_only
    keep = [i for i in range(len(CATEGORY_COLUMNS)) if scores or i not in SCORE_COLUMNS]
    titles = [title for title, _ in CATEGORY_COLUMNS]
    if year.weight is not None:
        titles[6] = f"折算分（权重{decimal_text(year.weight)}）"
    widths = [6, 12, 26, 12, 8, 8, 12, 6, 40, 8, 40]
    _header(sheet, [titles[i] for i in keep], [widths[i] for i in keep])
    if kept is _fresh:  # values, written out sheet by sheet: a tenth of their XML's memory
        for r in ranking.results:
            sheet.add(_category_values(r, keep))
        return
    first = len(sheet.rows) + 1

    def rows() -> tuple[str, ...]:
        made = []
        for n, r in enumerate(ranking.results, first):
            key = ("xlsx-category", n, r.rank, r.tied, r.grade, r.commended, r.rectify)
            key += (r.commendation_reason, r.rectification_reason)
            made.append(
                kept(
                    (r.score, r.unit, year),
                    key,
                    lambda r=r, n=n: row_xml(n, _category_values(r, keep)),
                )
            )
        return tuple(made)

    # the same ranking (no unit of the category changed): the same rows
    for xml in kept((ranking, year), ("xlsx-category-rows", first), rows):
        sheet.add_xml(xml)


def _category_values(r: UnitResult, keep: list[int]) -> list:
    values = [
        r.rank,
        rank_text(r.rank, r.tied),
        r.unit.name,
        r.unit.id,
        r.total,
        r.grade,
        r.weighted,
        "是" if r.commended else "",
        r.commendation_reason,
        "是" if r.rectify else "",
        r.rectification_reason,
    ]
    return [values[i] for i in keep]


def rubric_sheet(
    sheet: Sheet, rubric: Rubric, results: list[UnitResult], kept: Kept = _fresh
) -> None:
    """Every unit of the rubric, one column per dimension subtotal and per item."""
    columns: list[tuple[str, str]] = []  # (title, dimension or item id)
    for index, d in enumerate(rubric.dimensions, 1):
        columns.append((f"{index}. {d.title}小计（满分{decimal_text(d.points)}）", d.id))
        for item in d.items:
            title = item.title or " / ".join(v.title or "" for v in item.variants if v.title)
            columns.append((f"{title}（满分{decimal_text(item.points)}）", item.id))
    keys = [key for _, key in columns]
    head = [
        "单位",
        "单位编号",
        f"总分（满分{decimal_text(rubric.total)}）",
        *(c[0] for c in columns),
    ]
    _header(sheet, head, [26, 12, 10, *([14] * len(columns))])
    sheet.heights[1] = 90
    if kept is _fresh:  # as in category_sheet
        for r in results:
            sheet.add(_rubric_values(r, keys))
        return
    first = len(sheet.rows) + 1

    def rows() -> tuple[str, ...]:  # its rubric is its score's: the score decides the row
        return tuple(
            kept(
                (r.score, r.unit),
                ("xlsx-rubric", n),
                lambda r=r, n=n: row_xml(n, _rubric_values(r, keys)),
            )
            for n, r in enumerate(results, first)
        )

    owners = (rubric, *(x for r in results for x in (r.score, r.unit)))
    for xml in kept(owners, ("xlsx-rubric-rows", first, tuple(keys)), rows):
        sheet.add_xml(xml)


def _rubric_values(r: UnitResult, keys: list[str]) -> list:
    if not r.scored:
        return [r.unit.name, r.unit.id, "尚未评分", *([None] * len(keys))]
    # Subtotals by dimension id, item scores by item id: ids are distinct within a rubric.
    values = {d.dimension.id: d.subtotal for d in r.score.dimensions}
    values.update((i.item.id, i.score) for d in r.score.dimensions for i in d.items)
    return [r.unit.name, r.unit.id, r.total, *(values.get(key) for key in keys)]


def guide_sheet(
    sheet: Sheet,
    results: YearResults,
    site: SiteConfig,
    bulletin: TextPage | None,
    day: date | None,
    sheets: list[tuple[str, str]],
) -> None:
    year = results.year
    grades_only = year.grades_only
    sheet.widths = [24, 80]
    rows: list[tuple[str, str]] = [
        ("标题", year.title),
        ("发布单位", site.issuer),
        ("年度", str(year.number)),
        ("通报文号", (bulletin.number if bulletin else None) or "（无）"),
        ("通报日期", day.isoformat() if day else "（未定）"),
        (
            "生成日期",
            (day.isoformat() if day else "（未定）") + "（即通报日期，与生成文件的日子无关）",
        ),
        (
            "状态",
            {PUBLISHED: "已发布", FROZEN: "已冻结", DRAFT: "草稿（结果未定）"}.get(
                year.status, year.status
            ),
        ),
        (
            "数据来源",
            f"本表由考核结果通报网站自动生成，与网站上 {year.number} 年度的通报、排名和 results.json、results.csv 同源。",
        ),
        ("", ""),
        ("工作表", "内容"),
        *sheets,
        ("", ""),
        ("各类别工作表的列", "含义"),
        *(c for i, c in enumerate(CATEGORY_COLUMNS) if not grades_only or i not in SCORE_COLUMNS),
        ("", ""),
        (
            "评分标准工作表的列",
            "每个评分项一列，标题为评分项名称和满分；“小计”列为一级指标得分；"
            "几位专家分别打分的项目为按本年度规则合并后的得分；单选、择优项为所得分值。",
        ),
    ]
    if grades_only:  # no rubric sheets: say why instead of explaining them
        rows[-1] = ("得分", "本年度只公布等次和名次，不公布得分。")
    for key, value in rows:
        heading = key in ("工作表", "各类别工作表的列", "标题")
        sheet.add([key or None, value or None], [BOLD, BOLD] if heading else [PLAIN, WRAP])


def results_xlsx(results: YearResults, site: SiteConfig, kept: Kept | None = None) -> bytes:
    """The year's results workbook as reproducible bytes (timestamps = the bulletin's date)."""
    kept = kept or _fresh
    data = results.data
    guide = Sheet(GUIDE)
    sheets = [guide]
    taken = {GUIDE.lower()}
    listed: list[tuple[str, str]] = [(GUIDE, "本说明")]
    scores = not data.year.grades_only
    for ranking in results.rankings:
        sheet = Sheet(sheet_title(ranking.category.title, taken))
        category_sheet(sheet, ranking, data.year, kept)
        sheets.append(sheet)
        what = "得分、等级、折算分" if scores else "等级"
        listed.append((sheet.title, f"{ranking.category.title}类：各单位名次、{what}、表彰和整改"))
    for rubric in data.rubrics.values() if scores else ():
        sheet = Sheet(sheet_title(rubric.short_title or rubric.id, taken))
        members = [r for r in results.units if r.unit.rubric == rubric.id]
        rubric_sheet(sheet, rubric, members, kept)
        sheets.append(sheet)
        listed.append((sheet.title, f"“{rubric.title}”各评分项的得分"))
    guide_sheet(guide, results, site, data.bulletin, data.date, listed)

    def deflate(text: str) -> tuple[bytes, bytes]:  # compressed once while the text is the same
        return kept((), ("deflate", text), lambda: deflate_piece(text))

    pieces = None if kept is _fresh else deflate
    return workbook(sheets, data.year.title, site.issuer, data.date, pieces)
