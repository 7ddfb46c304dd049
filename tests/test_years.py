"""Several years on one site: the years index, links between years, unit histories, rank changes.

Most tests read the sample built once (2014 and 2015: wgxj renamed, spj added in 2015, xxzx
dropped). `three_years` adds a published 2016 (a unit moved to another category, a bulletin
dated apart from its year) and a draft 2017, built without and with --drafts.
"""

from __future__ import annotations

import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from conftest import build
from sitehtml import files, load, resolve_link
from yearsite import (
    assert_alternates,
    assert_change_text,
    assert_links_resolve,
    expected_change,
    results,
    site_years,
    year_pages,
)

from bulletin.history import RankChange, Standing, histories, index, rank_changes
from bulletin.render import cn_date


def front_matter(root: Path, year: int) -> dict:
    text = (root / "content" / str(year) / "bulletin.md").read_text(encoding="utf-8")
    return yaml.safe_load(text.split("---")[1])


def index_entries(out: Path) -> list[tuple[str, str, str, str]]:
    """(year folder linked, title, meta text, whole text) of each entry of site/index.html, in order."""
    doc = load(out, "index.html")
    entries = []
    for li in doc.find("ul", cls="years").find_all("li"):
        a = li.find("a", cls="year-title")
        target, _ = resolve_link("index.html", a.attrs["href"])
        assert target is not None and (out / target).is_file(), a.attrs["href"]
        entries.append(
            (target.split("/")[0], a.text, li.find_all("span", cls="year-meta")[0].text, li.text)
        )
    return entries


# -- the years index ------------------------------------------------------------------------------


def test_index_lists_every_year_newest_first_with_bulletin_title_and_date(built_site, full_sample):
    entries = index_entries(built_site)
    assert [e[0] for e in entries] == ["2015", "2014"]
    for folder, title, meta, _ in entries:
        fm = front_matter(full_sample, int(folder))
        assert title == fm["title"]
        assert cn_date(fm["date"]) in meta  # 2016年1月22日, 2015年1月20日
        assert f"{len(results(built_site, folder))}个单位" in meta
    assert site_years(built_site) == ["2015", "2014"]


# -- links to the same page in the other years ----------------------------------------------------


def test_every_year_page_links_to_the_same_page_in_the_other_years(built_site):
    pages = [rel for year in site_years(built_site) for rel in year_pages(built_site, year)]
    assert len(pages) > 80
    for rel in pages:
        assert_alternates(built_site, rel)


@pytest.mark.parametrize(
    ("page", "other", "linked"),
    [
        ("2015/units/fgw/index.html", "2014/units/fgw/index.html", True),
        ("2014/units/fgw/index.html", "2015/units/fgw/index.html", True),
        ("2015/units/wgxj/index.html", "2014/units/wgxj/index.html", True),  # renamed, same id
        ("2015/units/spj/index.html", "2014/units/spj/index.html", False),  # new in 2015
        ("2014/units/xxzx/index.html", "2015/units/xxzx/index.html", False),  # dropped in 2015
        ("2015/rankings/county/index.html", "2014/rankings/county/index.html", True),
        ("2015/index.html", "2014/index.html", True),
        ("2014/pages/methodology/index.html", "2015/pages/methodology/index.html", False),
    ],
)
def test_links_between_years_for_added_dropped_and_renamed_units(built_site, page, other, linked):
    assert (built_site / page).is_file()
    assert (built_site / other).is_file() == linked
    nav = load(built_site, page).find("nav", cls="other-years")
    targets = [resolve_link(page, a.attrs["href"])[0] for a in nav.find_all("a")]
    assert (other in targets) == linked, targets
    assert all(t is not None and (built_site / t).is_file() for t in targets), targets


# -- unit histories -------------------------------------------------------------------------------


def history_rows(out: Path, unit: str) -> dict[str, list]:
    """The rows of a unit's history table by year: the year cell element and the other cells' texts."""
    doc = load(out, f"units/{unit}/index.html")
    rows = {}
    for tr in doc.find("table", cls="history").find("tbody").find_all("tr"):
        th = tr.find("th")
        rows[th.text] = [th, [td.text for td in tr.find_all("td")]]
    return rows


def test_every_unit_has_a_history_page_with_each_years_result(built_site):
    years = site_years(built_site)
    by_year = {y: results(built_site, y) for y in years}
    units = set().union(*(set(r) for r in by_year.values()))
    assert {"spj", "xxzx", "wgxj", "fgw"} <= units
    assert sorted(f"units/{u}/index.html" for u in units) == [
        rel for rel in files(built_site) if rel.startswith("units/") and rel != "units/index.html"
    ]
    for unit in sorted(units):
        rel = f"units/{unit}/index.html"
        doc = load(built_site, rel)
        assert not doc.problems, (rel, doc.problems)
        # No script of its own: only the theme's large-text switch (inline, in <head>) and site.js.
        scripts = [s.attrs.get("src") for s in doc.find_all("script")]
        assert scripts == [None, "../../static/site.js"], (rel, scripts)
        assert doc.find("figure").find_all("svg"), f"{rel}: no inline chart"
        assert_links_resolve(built_site, rel, doc)
        rows = history_rows(built_site, unit)
        assert list(rows) == years, rel  # newest first
        for year in years:
            th, cells = rows[year]
            u = by_year[year].get(unit)
            if u is None:
                assert cells == ["本年度未参加考核"], (rel, year, cells)
                assert not th.find_all("a"), f"{rel}: {year} links to a page that does not exist"
                continue
            name, category, total, rank, _change, grade = cells
            assert name == u["name"]
            assert total == f"{u['total']:.2f}"  # two decimals, so that the column lines up
            assert rank == f"{'并列' if u['tied'] else ''}第{u['rank']}名"
            assert grade == (u["grade"] or "—")
            (a,) = th.find_all("a")
            assert resolve_link(rel, a.attrs["href"])[0] == f"{year}/units/{unit}/index.html"


@pytest.mark.parametrize(("unit", "gap"), [("spj", "2014"), ("xxzx", "2015")])
def test_history_shows_a_gap_for_a_year_not_assessed(built_site, unit, gap):
    rows = history_rows(built_site, unit)
    assert rows[gap][1] == ["本年度未参加考核"]
    (other,) = set(rows) - {gap}
    assert rows[other][1][2] == f"{results(built_site, other)[unit]['total']:.2f}"
    # The chart leaves the year out instead of drawing a zero.
    svg = load(built_site, f"units/{unit}/index.html").find("figure").find("svg")
    assert len(svg.find_all("circle")) == 1


def test_renamed_unit_history_shows_both_names(built_site):
    old = results(built_site, 2014)["wgxj"]["name"]
    new = results(built_site, 2015)["wgxj"]["name"]
    assert (old, new) == ("市文广新局", "市文化广电局")
    doc = load(built_site, "units/wgxj/index.html")
    assert doc.find("h1").text.startswith(new)  # the current name heads the page
    assert old in doc.find("p", cls="lead").text  # 曾用名
    rows = history_rows(built_site, "wgxj")
    assert rows["2015"][1][0] == new and rows["2014"][1][0] == old
    assert len(doc.find("figure").find("svg").find_all("circle")) == 2


# -- rank changes (进位/退位) ----------------------------------------------------------------------


def ranking_changes(out: Path, year: str, category: str) -> dict[str, str]:
    """unit id -> the text of its 较上年 cell in a ranking table."""
    rel = f"{year}/rankings/{category}/index.html"
    doc = load(out, rel)
    cells = {}
    for tr in doc.find("table", cls="ranking").find("tbody").find_all("tr"):
        href = tr.find("th").find("a").attrs["href"]
        unit = resolve_link(rel, href)[0].split("/")[2]
        cells[unit] = tr.find("td", cls="change").text
    return cells


def unit_change(out: Path, year: str, unit: str, previous: str) -> str:
    doc = load(out, f"{year}/units/{unit}/index.html")
    (dd,) = [
        div.find("dd")
        for div in doc.find("dl", cls="facts").find_all("div")
        if div.find("dt").text == f"较{previous}年"
    ]
    return dd.text


def check_rank_changes(out: Path, year: str, previous: str) -> int:
    """Ranking tables, unit pages and histories show what the two years' results.json imply."""
    before, now = results(out, previous), results(out, year)
    checked = 0
    tables = {c: ranking_changes(out, year, c) for c in {u["category"] for u in now.values()}}
    for unit, u in now.items():
        delta, text = expected_change(before, u)
        assert_change_text(tables[u["category"]][unit], delta, text)
        page = unit_change(out, year, unit, previous)
        assert_change_text(page, delta, text)
        if delta is not None:
            assert f"上年第{int(before[unit]['rank'])}名" in page
        assert_change_text(history_rows(out, unit)[year][1][4], delta, text)
        checked += 1
    return checked


def test_rank_changes_follow_the_two_years_results(built_site):
    assert check_rank_changes(built_site, "2015", "2014") == 35


def test_rank_change_examples(built_site):
    r14, r15 = results(built_site, 2014), results(built_site, 2015)
    assert (r14["chengqu"]["rank"], r15["chengqu"]["rank"]) == (2, 1)  # the sample's own example
    assert "进1位" in ranking_changes(built_site, "2015", "county")["chengqu"]
    assert "进1位" in unit_change(built_site, "2015", "chengqu", "2014")
    assert "上年未参加考核" in ranking_changes(built_site, "2015", r15["spj"]["category"])["spj"]
    assert "上年未参加考核" in unit_change(built_site, "2015", "spj", "2014")
    # The first year on the site has nothing to compare with.
    doc = load(built_site, "2014/units/chengqu/index.html")
    assert not [d for d in doc.find("dl", cls="facts").find_all("dt") if d.text.startswith("较")]
    assert not load(built_site, "2014/rankings/county/index.html").find_all("td", cls="change")


def standing(year: int, unit: str, category: str, rank: int | None) -> Standing:
    scored = rank is not None
    return Standing(
        year,
        unit,
        unit,
        category,
        category.upper(),
        scored,
        Decimal(90) if scored else None,
        Decimal(100),
        rank,
        False,
        None,
    )


def test_rank_changes_compare_with_the_nearest_earlier_year_on_the_site():
    by_year = index(
        [
            standing(2013, "a", "x", 3),
            standing(2013, "b", "x", 1),
            standing(2013, "c", "x", None),
            standing(2015, "a", "x", 1),
            standing(2015, "b", "y", 1),
            standing(2015, "c", "x", 2),
            standing(2015, "d", "x", 3),
            standing(2015, "e", "x", None),
            standing(2016, "a", "x", 1),
            standing(2016, "d", "x", 2),
        ]
    )
    changes = rank_changes(by_year)
    assert changes[(2015, "a")] == RankChange(2013, 3, 2)
    assert changes[(2015, "a")].text() == "进2位"
    assert changes[(2015, "b")].delta is None and changes[(2015, "b")].text() == "2013年属X类"
    assert changes[(2015, "c")].delta is None and changes[(2015, "c")].text() == "2013年未评分"
    assert changes[(2015, "d")].text() == "2013年未参加考核"  # no 2014 on the site: not 上年
    assert (2015, "e") not in changes  # not ranked itself
    assert changes[(2016, "a")].text() == "名次不变"
    assert changes[(2016, "d")].text() == "进1位"
    assert (2013, "a") not in changes
    # Histories: every unit, every year, None where it was not assessed, latest years' units first.
    h = histories(by_year)
    assert list(h)[:2] == ["a", "d"]
    assert [y for y, s in h["d"]] == [2013, 2015, 2016]
    assert [s is None for y, s in h["d"]] == [True, False, False]


# -- three years: a draft, a category change, a bulletin dated apart from its year -----------------


def add_year(
    root: Path, source: int, number: int, status: str, date: str | None, bulletin_date: str
) -> None:
    for folder in ("content", "rubrics", "scores"):
        shutil.copytree(root / folder / str(source), root / folder / str(number))
    year = root / "content" / str(number) / "year.yaml"
    text = year.read_text(encoding="utf-8")
    text = text.replace(f"year: {source}", f"year: {number}").replace(
        f"{source}年度", f"{number}年度"
    )
    text = re.sub(r"(?m)^status: \w+", f"status: {status}", text)
    text = re.sub(r"(?m)^date: .*\n", f"date: {date}\n" if date else "", text)
    year.write_text(text, encoding="utf-8")
    bulletin = root / "content" / str(number) / "bulletin.md"
    text = bulletin.read_text(encoding="utf-8").replace(f"{source}年度", f"{number}年度")
    bulletin.write_text(re.sub(r"(?m)^date: .*$", f"date: {bulletin_date}", text), encoding="utf-8")


@pytest.fixture(scope="module")
def three_years(
    tmp_path_factory: pytest.TempPathFactory, full_sample: Path
) -> tuple[Path, Path, Path]:
    """(project, site built without drafts, site built with --drafts)."""
    base = tmp_path_factory.mktemp("three-years")
    root = base / "project"
    shutil.copytree(full_sample, root)
    # 2016, published: fgw moves from 重大改革 to 重大事项; the bulletin is dated after the year's date.
    add_year(root, 2015, 2016, "published", "2017-01-20", "2017-01-25")
    units = root / "content" / "2016" / "units.yaml"
    text = units.read_text(encoding="utf-8")
    assert text.count("- id: fgw\n") == 1
    head, tail = text.split("- id: fgw\n")
    tail = tail.replace("category: reform", "category: matter", 1)
    units.write_text(head + "- id: fgw\n" + tail, encoding="utf-8")
    # 2017, a draft with no date yet.
    add_year(root, 2015, 2017, "draft", None, "2018-01-20")
    plain, drafts = base / "site", base / "site-drafts"
    build(root, plain)
    build(root, drafts, drafts=True)
    return root, plain, drafts


def test_draft_year_appears_only_with_drafts(three_years):
    _root, plain, drafts = three_years
    assert [e[0] for e in index_entries(plain)] == ["2016", "2015", "2014"]
    assert not (plain / "2017").exists()
    assert "2017年度" not in (plain / "index.html").read_text(encoding="utf-8")
    assert (
        "2017" not in load(plain, "2016/units/fgw/index.html").find("nav", cls="other-years").text
    )
    entries = index_entries(drafts)
    assert [e[0] for e in entries] == ["2017", "2016", "2015", "2014"]
    assert "草稿" in entries[0][3] and all("草稿" not in e[3] for e in entries[1:])
    assert (drafts / "2017" / "index.html").is_file()
    for out in (plain, drafts):
        for year in site_years(out):
            for rel in year_pages(out, year):
                assert_alternates(out, rel)


def test_index_shows_the_bulletins_own_date(three_years):
    _root, plain, _ = three_years
    (entry,) = [e for e in index_entries(plain) if e[0] == "2016"]
    assert cn_date("2017-01-25") in entry[2], entry  # the bulletin's date …
    assert cn_date("2017-01-20") not in entry[2], entry  # … not the year's


def test_unit_that_changed_category_shows_no_numeric_change(three_years):
    _root, plain, _ = three_years
    before, now = results(plain, 2015), results(plain, 2016)
    assert (before["fgw"]["category"], now["fgw"]["category"]) == ("reform", "matter")
    cell = ranking_changes(plain, "2016", "matter")["fgw"]
    assert_change_text(cell, None, "上年属重大改革类")
    assert_change_text(unit_change(plain, "2016", "fgw", "2015"), None, "上年属重大改革类")
    assert_change_text(history_rows(plain, "fgw")["2016"][1][4], None, "上年属重大改革类")
    # Everyone else in the three years still gets the change their results imply.
    assert check_rank_changes(plain, "2016", "2015") == 35
    assert check_rank_changes(plain, "2015", "2014") == 35


# -- the sample as shipped --------------------------------------------------------------------------


def test_the_sample_ships_2014_frozen_and_2015_published(tmp_path):
    """The repository's own data: 2014 frozen with its archive, 2015 published, both built."""
    from conftest import REPO, SITE_INPUTS

    root = tmp_path / "project"
    for name in (*SITE_INPUTS, "archive"):
        shutil.copytree(
            REPO / name, root / name, ignore=shutil.ignore_patterns("__pycache__", ".*")
        )
    status = {
        y: yaml.safe_load((root / "content" / str(y) / "year.yaml").read_text(encoding="utf-8"))[
            "status"
        ]
        for y in (2014, 2015)
    }
    assert status == {2014: "frozen", 2015: "published"}
    result = build(root, tmp_path / "site")
    assert result.report.problems == []  # no drift: the 2014 data is what was archived
    assert result.built == [2015] and result.archived == [2014]
    archived = {
        p.relative_to(root / "archive" / "2014"): p.read_bytes()
        for p in (root / "archive" / "2014").rglob("*")
        if p.is_file()
    }
    published = {
        p.relative_to(tmp_path / "site" / "2014"): p.read_bytes()
        for p in (tmp_path / "site" / "2014").rglob("*")
        if p.is_file()
    }
    assert published == archived
    for rel in ("index.html", "2015/index.html", "units/wgxj/index.html", "units/spj/index.html"):
        assert (tmp_path / "site" / rel).is_file(), rel
