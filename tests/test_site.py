"""The rendered site: the pages of section 9 and what they show, hostile text, links, rebuilds, failures.

Most tests read one build of the whole sample made once per session (`built_site`); tests that edit
the data build their own copy (`site_project`) into tmp_path.
"""

from __future__ import annotations

import difflib
import json
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
import sitehtml as H
from conftest import ProjectDir, build, run_build

from bulletin import writer
from bulletin.load import load_project
from bulletin.scoring import decimal_text
from bulletin.site import BuildState, manifest_path

SAMPLE_YEARS = (2014, 2015)
ISSUER = "阳泉市转型综改工作领导组办公室"
PILOT_PROGRESS = "省级试点县(区)推进落实市《行动计划》部署的重点任务效果及先进经验推广情况"
OTHER_PROGRESS = "其他县(区)推进落实市《行动计划》部署的重点任务情况及效果"
COUNTERPART = "被考核单位邀请省直对口部门领导参与考核工作"
NO_COUNTERPART = "无省直对口单位的部门,可以聘请相关厅局领导或专家参与考核"


# -- helpers ---------------------------------------------------------------------------------------


def results(out: Path, year: int) -> dict:
    """results.json of a year, numbers kept as the text they were written as."""
    return json.loads(
        (out / str(year) / "results.json").read_text(encoding="utf-8"),
        parse_float=str,
        parse_int=str,
    )


def units_by_id(out: Path, year: int) -> dict[str, dict]:
    return {u["id"]: u for u in results(out, year)["units"]}


def unit_page(out: Path, year: int, unit: str) -> H.Document:
    return H.load(out, f"{year}/units/{unit}/index.html")


def link_target(page: str, a: H.Element) -> str | None:
    return H.resolve_link(page, a.attrs.get("href") or "")[0]


def unit_of_row(page: str, row: H.Element) -> str:
    """The unit id a table row links to (its row header holds the unit's link)."""
    (a,) = row.find("th", scope="row").find_all("a")
    target = link_target(page, a)
    assert target and re.fullmatch(r"\d{4}/units/[a-z0-9-]+/index\.html", target), target
    return target.split("/")[2]


def ranking_rows(page: str, table: H.Element) -> list[tuple[str, str, str]]:
    """(unit id, rank cell text, total cell text) of every body row of a ranking table."""
    rows = []
    for tr in table.find("tbody").find_all("tr"):
        rows.append(
            (unit_of_row(page, tr), tr.find("td", cls="rank").text, tr.find("td", cls="total").text)
        )
    return rows


def expected_ranking(out: Path, year: int, category: str) -> list[tuple[str, str, str]]:
    """Rows of a category as results.json orders them: by rank, ties in units.yaml order."""
    units = [u for u in results(out, year)["units"] if u["category"] == category]
    ordered = sorted(units, key=lambda u: int(u["rank"]))  # stable: keeps units.yaml order
    # Ranks in full ("并列第2名"), totals with two decimals so that the column lines up.
    return [
        (u["id"], f"{'并列' if u['tied'] else ''}第{u['rank']}名", fixed2(u["total"]))
        for u in ordered
    ]


def fixed2(text: str) -> str:
    return format(Decimal(text).quantize(Decimal("0.01")), "f")


def row_by_header(table: H.Element, header: str) -> H.Element:
    (row,) = [
        tr
        for tr in table.find_all("tr")
        if tr.find_all("th", scope="row") and tr.find("th", scope="row").text == header
    ]
    return row


def assert_same_site(actual: Path, expected: Path) -> None:
    """Same file set, same folders and the same bytes in every file; show the first differences."""
    a, b = H.files(actual), H.files(expected)
    assert a == b, (
        f"only in {actual.name}: {sorted(set(a) - set(b))}; only in {expected.name}: {sorted(set(b) - set(a))}"
    )
    assert H.folders(actual) == H.folders(expected), sorted(
        set(H.folders(actual)) ^ set(H.folders(expected))
    )
    differing = [rel for rel in a if (actual / rel).read_bytes() != (expected / rel).read_bytes()]
    if differing:
        rel = differing[0]
        diff = difflib.unified_diff(
            (expected / rel).read_text(encoding="utf-8", errors="replace").splitlines(),
            (actual / rel).read_text(encoding="utf-8", errors="replace").splitlines(),
            "clean/" + rel,
            "incremental/" + rel,
            lineterm="",
            n=1,
        )
        pytest.fail(
            f"{len(differing)} files differ: {differing[:10]}\n" + "\n".join(list(diff)[:40])
        )


# -- every page of section 9 -----------------------------------------------------------------------


@pytest.mark.parametrize("year", SAMPLE_YEARS)
def test_every_contract_page_exists(built_site: Path, full_sample: Path, year: int):
    project, report = load_project(full_sample)
    assert not report.errors
    (data,) = [y for y in project.years if y.year.number == year]
    expected = ["index.html", f"{year}/index.html", f"{year}/results.json", f"{year}/results.csv"]
    expected += [f"{year}/rankings/{c.id}/index.html" for c in data.year.categories]
    expected += [f"{year}/units/{u.id}/index.html" for u in data.units]
    expected += [f"{year}/rubrics/{r}/index.html" for r in data.rubrics]
    expected += [f"{year}/pages/{p.slug}/index.html" for p in data.pages]
    assert len(data.units) == 35 and len(data.year.categories) == 4 and len(data.rubrics) == 2
    missing = [rel for rel in expected if not (built_site / rel).is_file()]
    assert not missing


def test_years_index_lists_years_newest_first(built_site: Path):
    doc = H.load(built_site, "index.html")
    links = [link_target("index.html", a) for a in doc.find("ul", cls="years").find_all("a")]
    years = [int(t.split("/")[0]) for t in links if t and re.fullmatch(r"\d{4}/index\.html", t)]
    assert years[:2] == [2015, 2014] and years == sorted(years, reverse=True)


def test_open_data_files(built_site: Path):
    for year in SAMPLE_YEARS:
        data = results(built_site, year)
        assert data["year"] == str(year) and data["status"] == "published"
        csv = (built_site / str(year) / "results.csv").read_bytes()
        assert csv.startswith(b"\xef\xbb\xbf"), "results.csv must be UTF-8 with a BOM"
        lines = csv.decode("utf-8-sig").splitlines()
        assert len(lines) == 1 + len(data["units"])
        assert [line.split(",", 1)[0] for line in lines[1:]] == [u["id"] for u in data["units"]]


def test_pages_are_well_formed(built_site: Path):
    problems = {}
    for rel in H.html_pages(built_site):
        doc = H.load(built_site, rel)
        found = list(doc.problems)
        if (doc.doctype or "").lower() != "doctype html":
            found.append(f"doctype {doc.doctype!r}")
        html = doc.html
        if html.attrs.get("lang") != "zh-CN":
            found.append(f"lang={html.attrs.get('lang')!r}")
        if not doc.find_all("meta", charset="utf-8"):
            found.append("no <meta charset=utf-8>")
        head = doc.find("head")
        if len(head.find_all("title")) != 1 or not head.find("title").text:
            found.append("no title")
        if len(doc.find_all("h1")) != 1:
            found.append(f"{len(doc.find_all('h1'))} h1 elements")
        ids = [el.attrs["id"] for el in doc.iter() if el.attrs.get("id")]
        if len(ids) != len(set(ids)):
            found.append(f"duplicate ids {sorted({i for i in ids if ids.count(i) > 1})}")
        if found:
            problems[rel] = found
    assert not problems


def test_tables_have_captions_and_header_scopes(built_site: Path):
    problems = []
    for rel in H.html_pages(built_site):
        for table in H.load(built_site, rel).find_all("table"):
            in_prose = any("prose" in a.classes for a in table.ancestors())
            first = next((c for c in table.children if isinstance(c, H.Element)), None)
            # Tables written in Markdown cannot have a caption; every other table must start with one.
            if not in_prose and (first is None or first.tag != "caption" or not first.text):
                problems.append(f"{rel}:{table.line}: table without a caption")
            for th in table.find_all("th"):
                if th.attrs.get("scope") not in ("col", "row", "colgroup", "rowgroup"):
                    problems.append(f"{rel}:{th.line}: <th> {th.text!r} without scope")
            tables_rows = table.find_all("tr")
            if not tables_rows:
                problems.append(f"{rel}:{table.line}: empty table")
    assert not problems


def test_sample_banner_on_every_page(built_site: Path):
    missing = []
    for rel in H.html_pages(built_site):
        doc = H.load(built_site, rel)
        banners = doc.find_all(cls="banner-sample")
        if len(banners) != 1 or "示例数据" not in banners[0].text:
            missing.append(rel)
        if doc.find_all(cls="banner-draft"):
            missing.append(rel + " (draft banner on a published year)")
    assert not missing


def test_every_page_links_the_stylesheet_relatively(built_site: Path):
    for rel in H.html_pages(built_site):
        sheets = [
            el
            for el in H.load(built_site, rel).find_all("link")
            if "stylesheet" in (el.attrs.get("rel") or "").split()
        ]
        assert len(sheets) == 1, rel
        href = sheets[0].attrs["href"] or ""
        assert not H.ABSOLUTE_URL.match(href) and not href.startswith("/"), (rel, href)
        target, _ = H.resolve_link(rel, href)
        assert target and target.endswith(".css") and (built_site / target).is_file(), (rel, href)


# -- the bulletin ----------------------------------------------------------------------------------


def test_bulletin_is_an_official_document(built_site: Path):
    doc = H.load(built_site, "2014/index.html")
    assert doc.html.attrs["lang"] == "zh-CN"
    assert doc.find(cls="doc-issuer").text == ISSUER
    assert doc.find(cls="doc-number").text == "阳综改组办发〔2015〕1号"
    assert doc.find("h1").text == "关于2014年度转型综改考核结果的通报"
    assert (
        doc.find(cls="doc-recipients").text == "各县（区）人民政府，开发区管委会，市直各有关单位："
    )
    sign = doc.find(cls="doc-sign")
    assert ISSUER in sign.text and sign.text.endswith("2015年1月20日")
    assert "为检验全市2014年转型综改《行动计划》的落实成效" in doc.find(cls="doc-body").text
    assert "关于2014年度转型综改考核结果的通报" in doc.find("head").find("title").text


def test_bulletin_2015_uses_its_own_front_matter(built_site: Path):
    doc = H.load(built_site, "2015/index.html")
    assert doc.find(cls="doc-number").text == "阳综改组办发〔2016〕1号"
    assert doc.find(cls="doc-sign").text.endswith("2016年1月22日")


@pytest.mark.parametrize("year", SAMPLE_YEARS)
def test_ranking_order_matches_results_json(built_site: Path, year: int):
    categories = list(dict.fromkeys(u["category"] for u in results(built_site, year)["units"]))
    bulletin = H.load(built_site, f"{year}/index.html")
    tables = bulletin.find("section", id="attachment-1").find_all("table", cls="ranking")
    assert len(tables) == len(categories) == 4
    for category, table in zip(categories, tables, strict=True):
        expected = expected_ranking(built_site, year, category)
        assert ranking_rows(f"{year}/index.html", table) == expected, category
        rel = f"{year}/rankings/{category}/index.html"
        assert (
            ranking_rows(rel, H.load(built_site, rel).find("table", cls="ranking")) == expected
        ), rel


def test_tie_in_2014_matter(built_site: Path):
    rows = ranking_rows(
        "2014/rankings/matter/index.html",
        H.load(built_site, "2014/rankings/matter/index.html").find("table", cls="ranking"),
    )
    assert rows[:4] == [
        ("zjj", "第1名", "91.05"),
        ("swj", "并列第2名", "86.45"),
        ("ghj", "并列第2名", "86.45"),
        ("gaj", "第4名", "84.90"),
    ]
    data = units_by_id(built_site, 2014)
    assert [(data[u]["rank"], data[u]["tied"]) for u in ("swj", "ghj", "gaj")] == [
        ("2", True),
        ("2", True),
        ("4", False),
    ]
    for unit in ("swj", "ghj"):
        assert "并列第2名" in unit_page(built_site, 2014, unit).find("dl", cls="facts").text
    assert "第4名" in unit_page(built_site, 2014, "gaj").find("dl", cls="facts").text
    assert "并列" not in unit_page(built_site, 2014, "gaj").find("dl", cls="facts").text


@pytest.mark.parametrize(
    ("section", "reason_key", "expected"),
    [
        ("attachment-2", "commendation_reason", ["pingding", "fgw", "zjj", "kjj"]),
        ("attachment-3", "rectification_reason", ["kuangqu", "tyj"]),
    ],
)
def test_bulletin_lists_with_reasons(
    built_site: Path, section: str, reason_key: str, expected: list[str]
):
    data = units_by_id(built_site, 2014)
    table = H.load(built_site, "2014/index.html").find("section", id=section).find("table")
    rows = table.find("tbody").find_all("tr")
    assert [unit_of_row("2014/index.html", tr) for tr in rows] == expected
    for tr, unit in zip(rows, expected, strict=True):
        reason = tr.find_all("td")[-1].text
        assert reason == data[unit][reason_key] and reason, unit
        assert data[unit]["total"] in tr.text
    assert str(len(expected)) in table.find("caption").text


def test_commendation_reasons_say_why(built_site: Path):
    data = units_by_id(built_site, 2014)
    assert data["fgw"]["commendation_reason"].startswith("承担的重大改革取得重大突破")
    assert (
        "第1名" in data["pingding"]["commendation_reason"]
        and "92.35" in data["pingding"]["commendation_reason"]
    )
    assert "低于60分" in data["kuangqu"]["rectification_reason"]
    page = unit_page(built_site, 2014, "kuangqu")
    assert "限期整改" in page.find(cls="verdict-rectify").text
    assert "通报表彰" in unit_page(built_site, 2014, "fgw").find(cls="verdict-commended").text
    assert not unit_page(built_site, 2014, "yuxian").find_all(cls="verdict")


# -- unit pages ------------------------------------------------------------------------------------


def item_titles(page: H.Document) -> list[str]:
    return [th.text for th in page.find_all("th", cls="item-title")]


def test_pilot_county_variant_wording(built_site: Path):
    pingding, yuxian = (
        unit_page(built_site, 2014, "pingding"),
        unit_page(built_site, 2014, "yuxian"),
    )
    assert PILOT_PROGRESS in item_titles(pingding) and OTHER_PROGRESS not in item_titles(pingding)
    assert OTHER_PROGRESS in item_titles(yuxian) and PILOT_PROGRESS not in item_titles(yuxian)
    # The scoring table itself shows both variants with the attribute that selects each.
    rubric = H.load(built_site, "2014/rubrics/county/index.html").find("table", cls="rubric").text
    assert (
        PILOT_PROGRESS in rubric
        and OTHER_PROGRESS in rubric
        and "适用于pilot为“是”的单位" in rubric
        and "适用于pilot为“否”的单位" in rubric
    )


def test_attribute_labels_name_variants_in_the_publics_words(built_site: Path):
    """2015's year.yaml names `pilot: true` 省级试点县(区): the rubric page says so, never pilot."""
    rubric = H.load(built_site, "2015/rubrics/county/index.html").find("table", cls="rubric").text
    assert "适用于省级试点县(区)：" in rubric and "适用于其他县(区)：" in rubric
    assert "pilot" not in rubric


def test_counterpart_false_variant(built_site: Path):
    page = unit_page(built_site, 2014, "xxzx")
    titles = item_titles(page)
    assert any(t.startswith(NO_COUNTERPART) for t in titles), titles
    assert not any(COUNTERPART in t for t in titles)
    (row,) = [
        tr
        for tr in page.find_all("tr")
        if tr.find_all("th", cls="item-title")
        and tr.find("th", cls="item-title").text.startswith(NO_COUNTERPART)
    ]
    assert "选项：未参与" in row.text and row.find("td", cls="score").text == "0.00"
    assert "备注：未邀请相关厅局领导或专家参与考核（示例）" in row.text
    fgw = item_titles(unit_page(built_site, 2014, "fgw"))
    assert any(COUNTERPART in t for t in fgw) and not any(t.startswith(NO_COUNTERPART) for t in fgw)


def test_chosen_options_expert_marks_notes_opinion_evidence(built_site: Path):
    page = unit_page(built_site, 2014, "pingding")
    table = page.find("main")
    reporter = row_by_header(table, "按汇报人级别赋分")
    assert "选项：正职" in reporter.text and reporter.find("td", cls="score").text == "3.00"
    innovation = row_by_header(table, "改革创新")
    assert (
        "选项：一类、二类（取最高分，不累计）" in innovation.text
        and innovation.find("td", cls="score").text == "15.00"
    )
    assert "备注：两项创新均经市级以上认定，按规定只计15分（示例）" in innovation.text
    progress = row_by_header(table, PILOT_PROGRESS)
    assert (
        "6位专家评分：26、27.5、27、28、26.5、26" in progress.text and "取平均值" in progress.text
    )
    assert progress.find("td", cls="score").text == "26.83"
    assert "备注：试点经验被省转型综改办转发推广（示例）" in progress.text
    opinion = page.find("section", cls="opinion")
    assert opinion.text.startswith("考核意见 平定县围绕省级试点县综合改革")
    evidence = [li.text for li in page.find("ol", cls="evidence").find_all("li")]
    assert evidence == [
        "平定县2014年度转型综改工作自查报告",
        "县域经济转型升级综合改革试点工作方案",
        "平定县转型综改经验材料汇编",
    ]
    facts = page.find("dl", cls="facts").text
    assert "第1名" in facts and "92.35" in facts and "优秀" in facts and "9.24" in facts
    assert "县域经济转型升级综合改革试点" in page.find(cls="tasks").text


@pytest.mark.parametrize("year", SAMPLE_YEARS)
def test_every_unit_page_shows_every_item_with_its_maximum(
    built_site: Path, full_sample: Path, year: int
):
    project, _ = load_project(full_sample)
    (data,) = [y for y in project.years if y.year.number == year]
    scores = units_by_id(built_site, year)
    for unit in data.units:
        rubric = data.rubrics[unit.rubric]
        page = unit_page(built_site, year, unit.id)
        tables = page.find_all("table", cls="scores")
        assert len(tables) == len(rubric.dimensions), unit.id
        for table, dimension in zip(tables, rubric.dimensions, strict=True):
            caption = table.find("caption").text
            subtotal = scores[unit.id]["dimensions"][dimension.id]
            assert (
                dimension.title in caption
                and f"得分 {fixed2(subtotal)}／{decimal_text(dimension.points)}" in caption
            ), (
                unit.id,
                caption,
            )
            rows = table.find("tbody").find_all("tr")
            shown = [
                (tr.find("th").text, tr.find_all("td")[0].text, tr.find_all("td")[1].text)
                for tr in rows
            ]
            expected = [
                (
                    item.applied(unit.attributes).title,
                    fixed2(scores[unit.id]["items"][item.id]),
                    decimal_text(item.points),
                )
                for item in dimension.items
            ]
            assert shown == expected, unit.id
        total = page.find("dl", cls="facts").text
        assert f"{fixed2(scores[unit.id]['total'])}／{decimal_text(rubric.total)}" in total, unit.id


def test_rubric_page_is_the_scoring_table(built_site: Path, full_sample: Path):
    project, _ = load_project(full_sample)
    (data,) = [y for y in project.years if y.year.number == 2014]
    rubric = data.rubrics["department"]
    doc = H.load(built_site, "2014/rubrics/department/index.html")
    table = doc.find("table", cls="rubric")
    assert doc.find("h1").text == rubric.title
    dims = [th.text for th in table.find_all("th", scope="rowgroup")]
    assert dims == [f"{d.title}（{decimal_text(d.points)}分）" for d in rubric.dimensions]
    points = [tr.find_all("td", cls="num")[0].text for tr in table.find("tbody").find_all("tr")]
    assert points == [decimal_text(i.points) for i in rubric.items()]
    assert "厅局级领导参与 5分" in table.text and "三类 15分" in table.text
    assert [
        cell.text
        for cell in table.find("tfoot").find_all("tr")[0].children
        if isinstance(cell, H.Element)
    ][:2] == ["合计", "100"]


def test_markdown_page(built_site: Path):
    doc = H.load(built_site, "2014/pages/methodology/index.html")
    assert doc.find("h1").text == "考核办法"
    assert [h.text for h in doc.find_all("h2")][:2] == [
        "指导思想",
        "基本原则",
    ]  # `##` under the page's h1
    assert doc.find_all("blockquote") and doc.find_all("ol") and doc.find_all("strong")


def test_markdown_tables_get_header_scopes(site_project: ProjectDir, tmp_path: Path):
    site_project.write(
        "content/2014/table.md", "---\ntitle: 表格\n---\n\n| 单位 | 得分 |\n|---|--:|\n| 甲 | 1 |\n"
    )
    out = tmp_path / "site"
    build(site_project.root, out)
    table = H.load(out, "2014/pages/table/index.html").find("table")
    assert [th.attrs.get("scope") for th in table.find_all("th")] == ["col", "col"]


# -- drafts ----------------------------------------------------------------------------------------


def make_draft_year(project: ProjectDir, missing: str = "pingding") -> None:
    """A 2016 draft year copied from 2015, with one unit's score file missing."""
    root = project.root
    for folder in ("content", "rubrics", "scores"):
        shutil.copytree(root / folder / "2015", root / folder / "2016")
    text = project.read("content/2016/year.yaml")
    text = (
        text.replace("year: 2015", "year: 2016")
        .replace("2015年度", "2016年度")
        .replace("status: published", "status: draft")
    )
    project.write("content/2016/year.yaml", re.sub(r"(?m)^date: .*\n", "", text))
    bulletin = project.read("content/2016/bulletin.md").replace("2015年度", "2016年度")
    project.write("content/2016/bulletin.md", re.sub(r"(?m)^date: .*\n", "", bulletin))
    project.remove(f"scores/2016/{missing}.yaml")


def test_draft_year_only_with_drafts_and_marked_on_every_page(
    site_project: ProjectDir, tmp_path: Path
):
    make_draft_year(site_project)
    plain, drafts = tmp_path / "plain" / "site", tmp_path / "drafts" / "site"
    run = run_build(site_project.root, "--out", str(plain))
    assert run.returncode == 0, run.stderr
    assert not (plain / "2016").exists()
    for rel in H.html_pages(plain):
        doc = H.load(plain, rel)
        assert not [u for _, _, u in H.urls(doc) if "2016" in u], rel
        for nav in doc.find_all("nav", cls="other-years"):
            assert "2016" not in nav.text, rel
    assert "2016年度" not in H.load(plain, "index.html").find("main").text

    run = run_build(site_project.root, "--drafts", "--out", str(drafts))
    assert run.returncode == 0, run.stderr
    assert "warning" in run.stderr and "pingding" in run.stderr
    pages = [rel for rel in H.html_pages(drafts) if rel.startswith("2016/")]
    assert len(pages) > 40
    for rel in H.html_pages(drafts):
        doc = H.load(drafts, rel)
        banners = doc.find_all(cls="banner-draft")
        if rel.startswith("2016/"):
            assert len(banners) == 1 and "草稿" in banners[0].text and "2016" in banners[0].text, (
                rel
            )
        else:
            assert not banners, rel
        assert len(doc.find_all(cls="banner-sample")) == 1, rel
    index = H.load(drafts, "index.html").find("ul", cls="years")
    (entry,) = [
        li
        for li in index.find_all("li")
        if any(link_target("index.html", a) == "2016/index.html" for a in li.find_all("a"))
    ]
    assert "草稿" in entry.text
    page = unit_page(drafts, 2016, "pingding")
    assert "尚未评分" in page.find("dl", cls="facts").text
    data = units_by_id(drafts, 2016)
    assert data["pingding"]["scored"] is False and data["pingding"]["rank"] is None
    bulletin = H.load(drafts, "2016/index.html")
    assert "pingding" not in [
        unit_of_row("2016/index.html", tr)
        for tr in bulletin.find("section", id="attachment-2").find_all("tr")
        if tr.find_all("th", scope="row")
    ]


# -- hostile text ----------------------------------------------------------------------------------

# Plain-text fields get this on one line; it must come out as visible, escaped text.
HOSTILE = (
    "<script>alert(1)</script><img src=x onerror=alert(1)>[x](javascript:alert(1))"
    '<a href="javascript:alert(1)">y</a><iframe src="http://evil.example/"></iframe>'
    '<b onclick="alert(1)">z</b>![p](http://evil.example/x.png)'
)
# Markdown fields get the same and a few variants, one per paragraph.
HOSTILE_MARKDOWN = """\
<script>alert(1)</script>

正文 <img src=x onerror=alert(1)> 与 [x](javascript:alert(1)) 与 <a href="javascript:alert(1)">y</a>。

<iframe src="http://evil.example/"></iframe>

<p onclick="alert(1)">点击</p> <b onclick="alert(1)">z</b>

![p](http://evil.example/x.png) ![q](//evil.example/y.png) <img src="https://evil.example/z.png">

<a href="JaVaScRiPt:alert(1)">a</a> <a href="&#106;avascript:alert(1)">b</a> <a href=" javascript:alert(1)">c</a>

[d](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==) <svg onload=alert(1)></svg> <style>body{}</style>

<object data="http://evil.example/x.swf"></object><embed src="http://evil.example/x.swf"><form action="http://evil.example/"><input></form>

<a href="x" style="background:url(http://evil.example/)">e</a>
"""
LIVE_TAGS = {
    "script",
    "iframe",
    "object",
    "embed",
    "frame",
    "frameset",
    "form",
    "input",
    "style",
    "base",
    "svg",
    "math",
    "link",
}
ALLOWED_SVG = "chart"  # our own inline charts
# The theme's own scripts (large text, print, search) and its search forms; nothing else runs.
OUR_SCRIPTS = ("static/site.js", "static/search.js", "search/index.js")
OUR_INLINE_SCRIPT = (
    'try{if(localStorage.getItem("bulletin-text")==="large")'
    'document.documentElement.className+=" text-large"}catch(e){}'
)


def our_script(el: H.Element) -> bool:
    src = el.attrs.get("src")
    if src is None:
        return el.text == OUR_INLINE_SCRIPT and any(a.tag == "head" for a in el.ancestors())
    return not H.ABSOLUTE_URL.match(src) and not src.startswith("/") and src.endswith(OUR_SCRIPTS)


def our_form(el: H.Element) -> bool:
    action = el.attrs.get("action") or ""
    return (
        el.attrs.get("role") == "search"
        and el.attrs.get("method") == "get"
        and not H.ABSOLUTE_URL.match(action)
        and action.endswith("index.html")
        and all(c.tag in ("label", "input", "button", "div", "p") for c in el.iter() if c is not el)
    )


def yaml_text(text: str) -> str:
    return json.dumps(
        text, ensure_ascii=False
    )  # a JSON string is a valid YAML double-quoted scalar


def indented(text: str, spaces: int) -> str:
    return "".join(" " * spaces + line + "\n" for line in text.splitlines())


def put_hostile_text(p: ProjectDir) -> None:
    """Hostile text in a unit name, an opinion, a note, an evidence title, a category title, pages."""
    p.replace(
        "content/2014/units.yaml",
        "  name: 市信息中心\n",
        f"  name: {yaml_text('市信息中心' + HOSTILE)}\n",
    )
    p.replace(
        "content/2014/year.yaml",
        "{id: topic, title: 重大课题}",
        f"{{id: topic, title: {yaml_text('重大课题' + HOSTILE)}}}",
    )
    p.replace(
        "content/site.yaml",
        "title: 阳泉市转型综改考核结果公示\n",
        f"title: {yaml_text('阳泉市' + HOSTILE)}\n",
    )
    sheet = "scores/2014/pingding.yaml"
    p.replace(
        sheet,
        "  progress: 试点经验被省转型综改办转发推广（示例）\n",
        f"  progress: {yaml_text('备注' + HOSTILE)}\n",
    )
    p.replace(
        sheet,
        "  - title: 平定县转型综改经验材料汇编\n",
        f"  - title: {yaml_text('资料' + HOSTILE)}\n    note: {yaml_text(HOSTILE)}\n",
    )
    text = p.read(sheet)
    start = text.index("opinion: |\n")
    end = text.index("evidence:")
    p.write(sheet, text[:start] + "opinion: |\n" + indented(HOSTILE_MARKDOWN, 2) + text[end:])
    p.write(
        "content/2014/methodology.md",
        p.read("content/2014/methodology.md") + "\n" + HOSTILE_MARKDOWN,
    )
    p.replace(
        "content/2014/bulletin.md",
        "recipients: 各县（区）人民政府，开发区管委会，市直各有关单位\n",
        f"recipients: {yaml_text('各单位' + HOSTILE)}\n",
    )
    p.write(
        "content/2014/bulletin.md", p.read("content/2014/bulletin.md") + "\n" + HOSTILE_MARKDOWN
    )
    p.replace(
        "content/2014/units.yaml",
        "    - 县域经济转型升级综合改革试点\n",
        f"    - {yaml_text('任务' + HOSTILE)}\n",
    )


def inert_problems(doc: H.Document, rel: str) -> list[str]:
    """Everything on a page that would run script, load from another host or follow a script link."""
    found = []
    scripts = [el for el in doc.iter() if el.tag == "script"]
    if doc.source.lower().count("<script") != len([el for el in scripts if our_script(el)]):
        found.append("'<script' in the source")
    for el in doc.iter():
        where = f"{rel}:{el.line} <{el.tag}>"
        ours = (
            (el.tag == "svg" and ALLOWED_SVG in el.classes)
            or (el.tag == "link" and any(a.tag == "head" for a in el.ancestors()))
            or (el.tag == "script" and our_script(el))
            or (el.tag == "form" and our_form(el))
            or (el.tag == "input" and any(a.tag == "form" and our_form(a) for a in el.ancestors()))
        )
        if el.tag in LIVE_TAGS and not ours:
            found.append(f"{where} is live markup")
        if el.tag == "meta" and el.attrs.get("http-equiv"):
            found.append(f"{where} is live markup")
        for name, value in el.attrs.items():
            value = value or ""
            if name.startswith("on"):
                found.append(f"{where} has {name}=")
            if name == "style" and re.search(r"url\s*\(|expression|@import", value, re.I):
                found.append(f"{where} style loads {value!r}")
            if name in H.URL_ATTRIBUTES:
                squeezed = re.sub(r"[\s\x00-\x1f]", "", value).lower()
                if squeezed.startswith(("javascript:", "vbscript:", "data:")):
                    found.append(f"{where} {name}={value!r}")
                if el.tag in (
                    "img",
                    "source",
                    "input",
                    "video",
                    "audio",
                    "track",
                    "link",
                ) and H.ABSOLUTE_URL.match(value):
                    found.append(f"{where} loads {value!r}")
    return found


def test_inert_check_catches_live_markup():
    """The hostile-text test is only as good as this check: it must see each kind of live markup."""
    bad = (
        '<!doctype html><html><head></head><body><script>1</script><img src="http://evil.example/x.png" onerror="f()">'
        '<a href=" JavaScript:alert(1)">a</a><a href="data:text/html,x">d</a><iframe></iframe><svg onload="f()"></svg>'
        '<b style="background:url(http://evil.example/)">b</b><link rel="stylesheet" href="https://evil.example/x.css">'
        '<form action="http://evil.example/"></form></body></html>'
    )
    found = "\n".join(inert_problems(H.parse(bad), "bad.html"))
    for expected in (
        "'<script' in the source",
        "<script> is live",
        "has onerror=",
        "href=' JavaScript:alert(1)'",
        "href='data:",
        "<iframe> is live",
        "<svg> is live",
        "has onload=",
        "style loads",
        "<link> is live",
        "loads 'http://evil.example/x.png'",
        "loads 'https://evil.example/x.css'",
        "<form> is live",
    ):
        assert expected in found, expected
    fine = '<!doctype html><html><head><link rel="stylesheet" href="s.css"></head><body><p>&lt;script&gt;</p></body></html>'
    assert inert_problems(H.parse(fine), "fine.html") == []


def test_hostile_text_never_becomes_live(site_project: ProjectDir, tmp_path: Path):
    put_hostile_text(site_project)
    out = tmp_path / "site"
    build(site_project.root, out)
    problems = []
    for rel in H.html_pages(out):
        problems += inert_problems(H.load(out, rel), rel)
    assert not problems

    # Plain text stays visible as text, exactly as written.
    xxzx = unit_page(out, 2014, "xxzx")
    assert xxzx.find("h1").text.startswith("市信息中心" + HOSTILE)
    assert HOSTILE in xxzx.find("head").find("title").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in xxzx.source
    topic = H.load(out, "2014/rankings/topic/index.html")
    assert ("重大课题" + HOSTILE) in topic.find("h1").text
    pingding = unit_page(out, 2014, "pingding")
    assert ("备注：备注" + HOSTILE) in pingding.find("main").text
    evidence = pingding.find("ol", cls="evidence").find_all("li")[-1]
    assert evidence.text == f"资料{HOSTILE}（{HOSTILE}）"
    assert ("任务" + HOSTILE) in pingding.find(cls="tasks").text
    bulletin = H.load(out, "2014/index.html")
    assert bulletin.find(cls="doc-recipients").text == f"各单位{HOSTILE}："
    assert bulletin.find("a", cls="site-title").text == "阳泉市" + HOSTILE
    # The unit's name in the chart of its category and in the open data.
    chart = topic.find("ul", cls="bars")
    assert any(
        t.text.startswith("市信息中心" + HOSTILE) for t in chart.find_all("span", cls="bar-label")
    )
    assert units_by_id(out, 2014)["xxzx"]["name"] == "市信息中心" + HOSTILE
    # Markdown keeps the words but drops what is dangerous.
    opinion = pingding.find("section", cls="opinion")
    assert "正文" in opinion.text and "点击" in opinion.text
    links = {a.text: a.attrs.get("href") for a in opinion.find_all("a")}
    assert {text: links.get(text, "missing") for text in "xyabcd"} == dict.fromkeys(
        "xyabcd"
    )  # kept, without href


def test_hostile_markdown_on_every_markdown_page(site_project: ProjectDir, tmp_path: Path):
    put_hostile_text(site_project)
    out = tmp_path / "site"
    build(site_project.root, out)
    for rel in (
        "2014/index.html",
        "2014/pages/methodology/index.html",
        "2014/units/pingding/index.html",
    ):
        doc = H.load(out, rel)
        assert not inert_problems(doc, rel)
        assert "正文" in doc.find("main").text, rel
        imgs = [el.attrs.get("src") for el in doc.find("main").find_all("img")]
        assert all(src is None or not H.ABSOLUTE_URL.match(src) for src in imgs), imgs


# -- links -----------------------------------------------------------------------------------------


def link_problems(out: Path) -> list[str]:
    """Every URL in the site that is external, escapes the folder or points at nothing."""
    files = set(H.files(out))
    docs = {rel: H.load(out, rel) for rel in H.html_pages(out)}
    anchors = {
        rel: {el.attrs["id"] for el in d.iter() if el.attrs.get("id")}
        | {el.attrs["name"] for el in d.find_all("a") if el.attrs.get("name")}
        for rel, d in docs.items()
    }
    problems = []
    for rel, doc in docs.items():
        if doc.find_all("base"):
            problems.append(f"{rel}: <base> changes how links resolve")
        for el, name, url in H.urls(doc):
            where = f"{rel}:{el.line} <{el.tag} {name}={url!r}>"
            if H.ABSOLUTE_URL.match(url) or url.startswith("/"):
                problems.append(f"{where}: not a relative link")
                continue
            target, fragment = H.resolve_link(rel, url)
            if target is None:
                problems.append(f"{where}: escapes the output folder")
            elif target not in files:
                problems.append(f"{where}: no such file {target}")
            elif fragment and (target not in anchors or fragment not in anchors[target]):
                problems.append(f"{where}: no element with id {fragment!r} in {target}")
    for rel in (r for r in files if r.endswith(".css")):
        css = (out / rel).read_text(encoding="utf-8")
        if re.search(r"@import", css):
            problems.append(f"{rel}: @import")
        for url in re.findall(r"url\(\s*['\"]?([^'\")]+)", css):
            target, _ = H.resolve_link(rel, url)
            if H.ABSOLUTE_URL.match(url) or target not in files:
                problems.append(f"{rel}: url({url})")
    return problems


def test_link_check_catches_bad_links(tmp_path: Path):
    """The link test is only as good as this check: a small site with one link of each bad kind."""
    site = tmp_path / "site"
    (site / "a").mkdir(parents=True)
    (site / "a" / "index.html").write_text('<p id="here">x</p>', encoding="utf-8")
    (site / "s.css").write_text("body { background: url(missing.png) }", encoding="utf-8")
    links = [
        "a/index.html",
        "a/index.html#here",
        "#top",
        "s.css",
        "missing.html",
        "../outside.html",
        "a/",
        "http://example.com/",
        "//cdn.example/x.js",
        "/a/index.html",
        "a/index.html#nowhere",
        "mailto:x@example.com",
    ]
    body = "".join(f'<a href="{u}">{n}</a>' for n, u in enumerate(links))
    (site / "index.html").write_text(
        f'<html><body id="top">{body}<img src="a/none.png"></body></html>', encoding="utf-8"
    )
    found = link_problems(site)
    bad = [
        "missing.html",
        "../outside.html",
        "a/",
        "http://example.com/",
        "//cdn.example/x.js",
        "/a/index.html",
        "a/index.html#nowhere",
        "mailto:x@example.com",
        "a/none.png",
        "url(missing.png)",
    ]
    for url in bad:
        assert [p for p in found if url in p], url
    assert len(found) == len(bad), found


def test_every_link_resolves_inside_the_site(built_site: Path):
    assert not link_problems(built_site)


def test_no_external_url_anywhere(built_site: Path):
    """Not in a link, not in an attribute, not in the stylesheet: the site makes no request elsewhere."""
    found = []
    for rel in H.files(built_site):
        if not rel.endswith((".html", ".css")):
            continue
        text = (built_site / rel).read_text(encoding="utf-8")
        # The SVG namespace is a name, not a request.
        text = text.replace('xmlns="http://www.w3.org/2000/svg"', "")
        found += [
            f"{rel}: {m.group(0)}"
            for m in re.finditer(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}[^\s\"'<>)]*", text, re.I)
        ]
    assert not found


def test_every_page_is_reachable_from_the_index(built_site: Path):
    pages = set(H.html_pages(built_site))
    seen, todo = {"index.html"}, ["index.html"]
    while todo:
        rel = todo.pop()
        for _, _, url in H.urls(H.load(built_site, rel)):
            target, _ = H.resolve_link(rel, url)
            if target in pages and target not in seen:
                seen.add(target)
                todo.append(target)
    assert pages - seen == {"404.html"}  # a server shows it for an address that does not exist


def test_links_between_years(built_site: Path):
    """A unit assessed in both years links to its page of the other year; one dropped links to none."""
    doc = unit_page(built_site, 2015, "pingding")
    years = {
        a.text: link_target("2015/units/pingding/index.html", a)
        for a in doc.find("nav", cls="other-years").find_all("a")
    }
    assert years.get("2014") == "2014/units/pingding/index.html"
    xxzx = unit_page(built_site, 2014, "xxzx").find("nav", cls="other-years")
    assert "2015" in xxzx.text and not [a for a in xxzx.find_all("a") if a.text == "2015"]


# -- byte-identical builds -------------------------------------------------------------------------


def test_two_clean_builds_are_byte_identical(tmp_path: Path, full_sample: Path, built_site: Path):
    """Other project paths, other output folders, other hash seeds, through the real command line."""
    runs = []
    for name, seed in (("a", "1"), ("somewhere-else-with-a-longer-path", "4242")):
        root = tmp_path / name / "project"
        shutil.copytree(full_sample, root)
        out = tmp_path / name / f"out-{name}"
        run = run_build(root, "--out", str(out), env={"PYTHONHASHSEED": seed})
        assert run.returncode == 0, run.stderr
        runs.append(out)
    assert_same_site(runs[0], runs[1])
    assert_same_site(runs[0], built_site)


def _score(p: ProjectDir) -> None:
    p.replace("scores/2014/pingding.yaml", "  plan: 4.5\n", "  plan: 3.5\n")


def _break_tie(p: ProjectDir) -> None:
    p.replace("scores/2014/swj.yaml", "  cooperation: 4.5\n", "  cooperation: 5\n")


def _experts(p: ProjectDir) -> None:
    p.replace(
        "scores/2014/pingding.yaml", "[26, 27.5, 27, 28, 26.5, 26]", "[26, 27.5, 27, 28, 26.5, 29]"
    )


def _opinion(p: ProjectDir) -> None:
    p.replace("scores/2014/pingding.yaml", "全面完成年度目标。", "全面完成年度目标，成效显著。")


def _rubric_wording(p: ProjectDir) -> None:
    p.replace(
        "rubrics/2014/county.yaml",
        "县级转型综改《行动计划》按规定时限编制出台情况",
        "县级《行动计划》按时编制出台情况",
    )


def _template(p: ProjectDir) -> None:
    p.replace(
        "theme/templates/_macros.html",
        '<th scope="col" class="num">名次</th>',
        '<th scope="col" class="num">排名</th>',
    )


def _base_template(p: ProjectDir) -> None:
    p.replace("theme/templates/base.html", "跳到正文", "跳到正文内容")


def _stylesheet(p: ProjectDir) -> None:
    p.write(
        "theme/static/style.css",
        p.read("theme/static/style.css") + "\n.doc-title { letter-spacing: 0.02em; }\n",
    )


def _rename_unit(p: ProjectDir) -> None:
    p.replace("content/2014/units.yaml", "  name: 市公安局\n", "  name: 市公安局（更名示例）\n")


def _remove_unit(p: ProjectDir) -> None:
    """Drop tjj from 2014 (it stays in 2015, so 2015's pages lose their link to it)."""
    text = p.read("content/2014/units.yaml")
    start = text.index("- id: tjj\n")
    end = text.index("- id: ", start + 1)
    p.write("content/2014/units.yaml", text[:start] + text[end:])
    p.remove("scores/2014/tjj.yaml")


def _add_unit(p: ProjectDir) -> None:
    p.write(
        "content/2014/units.yaml",
        p.read("content/2014/units.yaml")
        + "- id: xinxian\n  name: 新县\n  category: county\n  rubric: county\n  attributes: {pilot: true}\n",
    )
    p.write(
        "scores/2014/xinxian.yaml",
        p.read("scores/2014/pingding.yaml").replace("unit: pingding", "unit: xinxian"),
    )


def _move_category(p: ProjectDir) -> None:
    text = p.read("content/2015/units.yaml")
    start = text.index("- id: kjj\n")
    p.write(
        "content/2015/units.yaml",
        text[:start] + text[start:].replace("category: topic", "category: reform", 1),
    )


def _weight(p: ProjectDir) -> None:
    p.replace("content/2014/year.yaml", "weight: 0.1\n", "weight: 0.2\n")


def _commendation_rule(p: ProjectDir) -> None:
    p.replace("content/2015/year.yaml", "  min_total: 90\n", "  min_total: 80\n")


def _site_title(p: ProjectDir) -> None:
    p.replace(
        "content/site.yaml",
        "title: 阳泉市转型综改考核结果公示\n",
        "title: 阳泉市转型综改考核结果\n",
    )


def _bulletin_text(p: ProjectDir) -> None:
    p.replace(
        "content/2015/bulletin.md",
        "number: 阳综改组办发〔2016〕1号",
        "number: 阳综改组办发〔2016〕2号",
    )


def _add_page(p: ProjectDir) -> None:
    p.write("content/2015/notice.md", "---\ntitle: 公示说明\n---\n\n公示期为七天。\n")


def _remove_page(p: ProjectDir) -> None:
    p.remove("content/2014/methodology.md")


EDITS = {
    "score change": _score,
    "tie broken": _break_tie,
    "expert marks": _experts,
    "opinion": _opinion,
    "rubric wording": _rubric_wording,
    "imported template": _template,
    "base template": _base_template,
    "stylesheet": _stylesheet,
    "unit renamed": _rename_unit,
    "unit removed with its score file": _remove_unit,
    "unit added": _add_unit,
    "unit moved to another category": _move_category,
    "weight": _weight,
    "commendation rule": _commendation_rule,
    "site title": _site_title,
    "bulletin front matter": _bulletin_text,
    "page added": _add_page,
    "page removed": _remove_page,
}


def test_incremental_build_after_each_edit_equals_a_clean_build(
    site_project: ProjectDir, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Edits one after another; after each, an incremental build must give a clean build's bytes.

    Three incremental sites follow the edits: `like-build` starts every build afresh (only the
    manifest remembers); `in-workers` does too, with its pages fingerprinted, kept and drawn
    by two forked workers (where the system forks), as a large site's are; `like-serve` keeps
    one BuildState (the parse cache) as the preview server does. Each is also checked for what
    it reports (pages drawn, files written and removed).
    """
    # "in-workers" forks, whatever the sample's size, for a build after an edit too
    monkeypatch.setattr(writer, "PARALLEL_MIN", 1)
    monkeypatch.setattr(writer, "PARALLEL_MIN_KEEPING", 1)
    sites = {
        "like-build": (tmp_path / "like-build" / "site", None, 1),
        "in-workers": (tmp_path / "in-workers" / "site", None, 2),
        "like-serve": (tmp_path / "like-serve" / "site", BuildState(), 1),
    }
    for out, state, jobs in sites.values():
        build(site_project.root, out, state=state, jobs=jobs)
    failures = []
    for n, (name, edit) in enumerate(EDITS.items()):
        befores = {mode: H.snapshot(out) for mode, (out, _, _) in sites.items()}
        edit(site_project)
        clean = tmp_path / f"clean-{n}" / "site"
        build(site_project.root, clean, jobs=1)
        drawn = {}
        for mode, (out, state, jobs) in sites.items():
            before = befores[mode]
            result = build(site_project.root, out, state=state, jobs=jobs)
            drawn[mode] = result.rendered
            after = H.snapshot(out)
            if after == before:
                failures.append(f"{name} ({mode}): the edit changed nothing in the site")
            try:
                assert_same_site(out, clean)
            except pytest.fail.Exception as exc:
                failures.append(f"{name} ({mode}): {exc}")
                build(site_project.root, out, full=True)  # start the next edit from a correct site
                continue
            changed = sum(1 for rel in after if before.get(rel) != after[rel])
            if result.written != changed:
                failures.append(
                    f"{name} ({mode}): reported {result.written} files written, {changed} changed"
                )
            if result.removed != len(set(before) - set(after)):
                failures.append(
                    f"{name} ({mode}): reported {result.removed} removed, {len(set(before) - set(after))} gone"
                )
        if drawn["in-workers"] != drawn["like-build"]:
            failures.append(
                f"{name}: {drawn['in-workers']} pages drawn in workers, {drawn['like-build']} in one"
            )
        shutil.rmtree(clean.parent)
    assert not failures, "\n\n".join(failures)


def test_preview_keeps_its_record_only_while_the_file_is_the_one_it_wrote(
    site_project: ProjectDir, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The preview takes the last build's record from memory, not from its 1 MB file; once
    anything else has written that file (a build into the same folder), it reads the file."""
    from bulletin import site

    reads = []
    read = site.read_manifest
    monkeypatch.setattr(site, "read_manifest", lambda out: reads.append(out) or read(out))
    out, state = tmp_path / "preview" / "site", BuildState()
    build(site_project.root, out, state=state, drafts=True)
    reads.clear()
    _score(site_project)
    build(site_project.root, out, state=state, drafts=True)
    assert reads == []
    # Another build draws an edit into the folder and records it; the edit is then undone.
    # The kept record still says the pages are as undone: trusting it would leave them edited.
    opinion = ("scores/2014/pingding.yaml", "全面完成年度目标。", "全面完成年度目标，成效显著。")
    site_project.replace(*opinion)
    build(site_project.root, out, drafts=True)
    site_project.replace(opinion[0], opinion[2], opinion[1])
    reads.clear()
    build(site_project.root, out, state=state, drafts=True)
    assert reads == [out.resolve()]
    clean = tmp_path / "clean" / "site"
    build(site_project.root, clean, drafts=True)
    assert_same_site(out, clean)


def test_preview_record_written_from_kept_pieces_reads_back_as_recorded(
    site_project: ProjectDir, tmp_path: Path
):
    """The preview writes the record of the groups of pages it passed over whole from their
    entries as written out last time: read back, it is exactly the record the build made."""
    from bulletin.record import read_manifest

    out, state = tmp_path / "preview" / "site", BuildState()
    build(site_project.root, out, state=state, drafts=True)
    score = "scores/2015/pingding.yaml"  # the newest year's: the other category stays as it was
    for old, new in (("  plan: 4.5\n", "  plan: 4\n"), ("  plan: 4\n", "  plan: 3.5\n")):
        site_project.replace(score, old, new)
        build(site_project.root, out, state=state, drafts=True)
        pieced = [met for met in state.groups.values() if met.record]
        assert pieced, "no group's entries were written out"
        assert read_manifest(out) == state.written[1]
    clean = tmp_path / "clean" / "site"
    build(site_project.root, clean, drafts=True)
    assert_same_site(out, clean)


def test_a_unit_dropped_from_the_oldest_of_three_years_loses_that_link_in_the_newest(
    site_project: ProjectDir, tmp_path: Path
):
    """The newest year's unit pages link the unit's page in every year: dropping the unit from
    the oldest year changes nothing else of the newest (its rank change compares the year
    before), and the preview must still redraw the link it lost."""
    make_draft_year(site_project)
    out, state = tmp_path / "preview" / "site", BuildState()
    build(site_project.root, out, state=state, drafts=True)
    assert "2014/units/tjj/index.html" in (out / "2016/units/tjj/index.html").read_text(
        encoding="utf-8"
    ).replace("../", "")
    _remove_unit(site_project)  # from 2014 only
    build(site_project.root, out, state=state, drafts=True)
    clean = tmp_path / "clean" / "site"
    build(site_project.root, clean, drafts=True)
    assert_same_site(out, clean)


def test_incremental_build_after_all_edits_at_once(site_project: ProjectDir, tmp_path: Path):
    out = tmp_path / "incremental" / "site"
    build(site_project.root, out)
    for edit in EDITS.values():
        edit(site_project)
    build(site_project.root, out)
    clean = tmp_path / "clean" / "site"
    build(site_project.root, clean)
    assert_same_site(out, clean)


def test_drafts_on_and_off_incrementally(site_project: ProjectDir, tmp_path: Path):
    make_draft_year(site_project)
    out = tmp_path / "incremental" / "site"
    for drafts in (True, False, True):
        build(site_project.root, out, drafts=drafts)
        clean = tmp_path / f"clean-{drafts}" / "site"
        build(site_project.root, clean, drafts=drafts)
        assert_same_site(out, clean)
        assert (out / "2016").exists() is drafts


def test_full_rebuild_into_the_same_folder_changes_nothing(
    site_project: ProjectDir, tmp_path: Path
):
    out = tmp_path / "site"
    build(site_project.root, out)
    before = H.stat_snapshot(out)
    result = build(site_project.root, out, full=True)
    assert result.rendered > 0
    assert {rel: h for rel, (h, _) in H.stat_snapshot(out).items()} == {
        rel: h for rel, (h, _) in before.items()
    }


def test_no_op_rebuild_renders_and_writes_nothing(site_project: ProjectDir, tmp_path: Path):
    out = tmp_path / "site"
    first = build(site_project.root, out)
    assert first.rendered > 0 and first.written == first.files
    before, manifest = H.stat_snapshot(out), manifest_path(out).read_bytes()
    for state in (None, BuildState()):
        again = build(site_project.root, out, state=state)
        assert (again.rendered, again.written, again.removed) == (0, 0, 0)
        assert again.files == first.files
    assert H.stat_snapshot(out) == before
    assert manifest_path(out).read_bytes() == manifest
    # and through the command line
    run = run_build(site_project.root, "--out", str(out))
    assert run.returncode == 0, run.stdout + run.stderr
    assert H.stat_snapshot(out) == before


# -- a failed build keeps the old site -------------------------------------------------------------


def folder_state(out: Path) -> tuple[dict[str, tuple[str, int]], list[str], bytes, list[str]]:
    """Everything a failed build must leave alone: files (hash, mtime), folders, manifest, neighbours."""
    return (
        H.stat_snapshot(out),
        H.folders(out),
        manifest_path(out).read_bytes(),
        sorted(p.name for p in out.parent.iterdir()),
    )


def _score_above_maximum(p: ProjectDir) -> str:
    p.replace("scores/2014/pingding.yaml", "  plan: 4.5\n", "  plan: 5.5\n")
    return p.locate("scores/2014/pingding.yaml", "plan: 5.5", "5.5")


def _template_line(p: ProjectDir, rel: str, needle: str) -> str:
    """`rel:line` of a needle in a template (a template error names the line, not the column)."""
    return ":".join(p.locate(rel, needle).split(":")[:2])


def _template_syntax(p: ProjectDir) -> str:
    p.replace("theme/templates/unit.html", "<h2>各项得分</h2>", "<h2>各项得分{% if %}</h2>")
    return _template_line(p, "theme/templates/unit.html", "{% if %}")


def _imported_template_syntax(p: ProjectDir) -> str:
    p.replace(
        "theme/templates/_macros.html",
        '<td class="reason" data-label="理由">{{ r[reason_attr] }}</td>',
        '<td class="reason" data-label="理由">{{ r[reason_attr] }</td>',
    )
    return _template_line(p, "theme/templates/_macros.html", "{{ r[reason_attr] }<")


def _template_runtime(p: ProjectDir) -> str:
    p.replace(
        "theme/templates/ranking.html",
        "点击单位名称可查看每一项得分和考核意见。",
        "{{ no_such_thing.attribute }}",
    )
    return _template_line(p, "theme/templates/ranking.html", "{{ no_such_thing.attribute }}")


def _template_python_error(p: ProjectDir) -> str:
    """An expression that Python itself refuses, not Jinja: named the same way."""
    p.replace(
        "theme/templates/ranking.html", "点击单位名称可查看每一项得分和考核意见。", "{{ 1 // 0 }}"
    )
    return _template_line(p, "theme/templates/ranking.html", "{{ 1 // 0 }}")


@pytest.mark.parametrize(
    "breakage",
    [
        _score_above_maximum,
        _template_syntax,
        _imported_template_syntax,
        _template_runtime,
        _template_python_error,
    ],
    ids=[
        "score-above-maximum",
        "template-syntax",
        "imported-template-syntax",
        "template-undefined",
        "template-python-error",
    ],
)
def test_failed_build_keeps_the_old_site(site_project: ProjectDir, tmp_path: Path, breakage):
    out = tmp_path / "out" / "site"
    run = run_build(site_project.root, "--out", str(out))
    assert run.returncode == 0, run.stderr
    _opinion(site_project)  # a good edit as well, so that the failed build had something to write
    good = tmp_path / "good"
    shutil.copytree(site_project.root, good)
    before = folder_state(out)
    mark = breakage(site_project)
    run = run_build(site_project.root, "--out", str(out))
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Traceback" not in run.stderr
    assert re.search(re.escape(mark) + r"(\D|$)", run.stderr), f"expected {mark} in:\n{run.stderr}"
    assert folder_state(out) == before
    # Once fixed, the build works again and brings the good edit.
    shutil.rmtree(site_project.root)
    shutil.copytree(good, site_project.root)
    run = run_build(site_project.root, "--out", str(out))
    assert run.returncode == 0, run.stderr
    assert "成效显著" in unit_page(out, 2014, "pingding").find("section", cls="opinion").text


def test_out_folder_not_made_by_the_tool_is_refused(site_project: ProjectDir, tmp_path: Path):
    out = tmp_path / "mine"
    (out / "keep").mkdir(parents=True)
    (out / "notes.txt").write_text("别删我", encoding="utf-8")
    (out / "keep" / "photo.png").write_bytes(b"\x89PNG")
    before = H.stat_snapshot(out), H.folders(out), sorted(p.name for p in tmp_path.iterdir())
    run = run_build(site_project.root, "--out", str(out))
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Traceback" not in run.stderr and "已有内容" in run.stderr
    assert (
        H.stat_snapshot(out),
        H.folders(out),
        sorted(p.name for p in tmp_path.iterdir()),
    ) == before
    assert not manifest_path(out).exists()


@pytest.mark.parametrize("target", ["content", "theme", "."])
def test_out_folder_inside_the_inputs_is_refused(site_project: ProjectDir, target: str):
    watched = site_project.root / "theme"
    before = H.stat_snapshot(site_project.root), H.folders(site_project.root)
    run = run_build(site_project.root, "--out", str(site_project.root / target))
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Traceback" not in run.stderr
    assert (H.stat_snapshot(site_project.root), H.folders(site_project.root)) == before
    assert watched.is_dir()


def test_empty_out_folder_is_accepted(site_project: ProjectDir, tmp_path: Path):
    out = tmp_path / "empty"
    out.mkdir()
    run = run_build(site_project.root, "--out", str(out))
    assert run.returncode == 0, run.stderr
    assert (out / "2014" / "index.html").is_file()


def test_default_output_folder_is_site_in_the_project(site_project: ProjectDir):
    run = run_build(site_project.root)
    assert run.returncode == 0, run.stderr
    assert (site_project.root / "site" / "2014" / "index.html").is_file()
    assert Decimal(units_by_id(site_project.root / "site", 2014)["pingding"]["total"]) == Decimal(
        "92.35"
    )
