"""The public's site in a real browser: phones, zoom, search, large text, print, accessibility.

Runs on the sample built once (tests/conftest.py `built_site`), opened from file:// and over
HTTP. axe-core comes from npm (package.json, installed by `python3 bootstrap.py test`); without
it the accessibility tests are skipped with their reason, except under CI=true.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import REPO, _no_browser
from test_browser import artifacts, assert_clean, http_root, opened, site_root  # noqa: F401 - fixtures

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
BULLETIN = "2015/index.html"
# One page of every kind the site has, built now (the sample's 2014 is built live in tests).
PAGE_KINDS = {
    "years": "index.html",
    "bulletin": "2015/index.html",
    "rankings-index": "2015/rankings/index.html",
    "ranking": "2015/rankings/county/index.html",
    "ranking-wide": "2014/rankings/matter/index.html",
    "units-index": "2015/units/index.html",
    "unit": "2015/units/pingding/index.html",
    "unit-department": "2014/units/xxzx/index.html",
    "rubric": "2015/rubrics/county/index.html",
    "rubric-department": "2014/rubrics/department/index.html",
    "page": "2014/pages/methodology/index.html",
    "history": "units/pingding/index.html",
    "site-units": "units/index.html",
    "search": "search/index.html?q=平定",
    "not-found": "404.html",
}
OPINION_PHRASE = "省市县合作机制运转良好"  # from scores/2015/pingding.yaml

# Everything wider than its box: the page itself, any table or chart beyond its container.
OVERFLOW = """() => {
  const out = [];
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth > width) out.push('page ' + document.documentElement.scrollWidth);
  for (const el of document.querySelectorAll('table, .bars, svg.chart, pre, img')) {
    const box = el.getBoundingClientRect();
    const holder = el.closest('.figure-scroll') ? null : el.parentElement.getBoundingClientRect();
    if (box.right > width + 0.5) out.push(el.tagName + '.' + el.className + ' right ' + box.right);
    if (holder && box.width > holder.width + 0.5) out.push(el.tagName + ' wider than its box');
  }
  return out;
}"""
# The smallest rendered text: font size times the SVG's scale for chart text.
SMALLEST_TEXT = """() => {
  let least = 99, where = '';
  for (const el of document.querySelectorAll('main *')) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length) continue;
    let size = parseFloat(getComputedStyle(el).fontSize);
    const svg = el.closest('svg');
    if (svg) size *= svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    if (size < least) { least = size; where = el.tagName + ': ' + el.textContent.slice(0, 20); }
  }
  return [least, where];
}"""


@pytest.fixture(scope="session")
def axe() -> Path:
    if not AXE.is_file():
        _no_browser(
            "axe-core is not installed (run `python3 bootstrap.py test`, which runs npm ci)"
        )
    return AXE


@pytest.mark.parametrize("width", [320, 360, 390, 768, 1280])
@pytest.mark.parametrize("kind", sorted(PAGE_KINDS))
def test_every_page_kind_fits_and_stays_legible(browser, built_site: Path, kind: str, width: int):
    """Nothing wider than the screen or its box, no text under 11 px, at every width."""
    root = built_site.as_uri() + "/"
    with opened(browser, root + PAGE_KINDS[kind], width=width) as (page, visit):
        assert page.evaluate(OVERFLOW) == []
        least, where = page.evaluate(SMALLEST_TEXT)
        assert least >= 11, f"{kind} at {width} px: {least:.1f} px text ({where})"
    assert_clean(visit, root)


@pytest.mark.parametrize("kind", ["bulletin", "ranking", "unit", "history", "search"])
def test_fits_at_200_percent_zoom(browser, built_site: Path, kind: str):
    """200 % zoom of a 1,280 px window is a 640 CSS px viewport at twice the pixel density."""
    context = browser.new_context(viewport={"width": 640, "height": 450}, device_scale_factor=2)
    try:
        page = context.new_page()
        page.goto(built_site.as_uri() + "/" + PAGE_KINDS[kind])
        assert page.evaluate(OVERFLOW) == []
    finally:
        context.close()


def test_tables_show_every_column_on_a_phone(browser, built_site: Path):
    """At 360 px a ranking row is a card: every column is visible and labelled, none hidden."""
    with opened(browser, built_site.as_uri() + "/2015/rankings/county/index.html", width=360) as (
        page,
        _,
    ):
        first = page.locator("table.ranking tbody tr").first
        labels = first.evaluate(
            "tr => [...tr.querySelectorAll('td[data-label]')].filter(td => td.offsetWidth > 0)"
            ".map(td => getComputedStyle(td, '::before').content)"
        )
        for name in ("名次", "总分", "日常工作", "改革创新", "等次", "加权分"):
            assert any(name in label for label in labels), (name, labels)
        assert first.locator("th a").is_visible()


@pytest.mark.parametrize("width", [360, 1280])
@pytest.mark.parametrize("kind", sorted(PAGE_KINDS))
def test_axe_finds_nothing(browser, built_site: Path, axe: Path, kind: str, width: int):
    with opened(browser, built_site.as_uri() + "/" + PAGE_KINDS[kind], width=width) as (page, _):
        page.add_script_tag(path=str(axe))
        violations = page.evaluate(
            "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map("
            "v => `${v.id} (${v.impact}): ${v.nodes.map(n => n.target.join(' ')).join(', ')}`))"
        )
        assert violations == [], f"{kind} at {width} px"


def test_focus_ring_is_visible_at_3_to_1(browser, built_site: Path):
    """The focus outline against the page behind it: WCAG 2.2's 3:1 for non-text contrast."""
    with opened(browser, built_site.as_uri() + "/" + BULLETIN) as (page, _):
        page.keyboard.press("Tab")  # the skip link
        page.keyboard.press("Tab")  # the site title
        style = page.evaluate(
            "(() => { const s = getComputedStyle(document.activeElement);"
            " return [s.outlineStyle, s.outlineWidth, s.outlineColor]; })()"
        )
        assert style[0] == "solid" and float(style[1].removesuffix("px")) >= 2, style
        assert contrast(style[2], "rgb(255, 255, 255)") >= 3, style


def contrast(a: str, b: str) -> float:
    def luminance(css: str) -> float:
        channels = [int(v) / 255 for v in re.findall(r"\d+", css)[:3]]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


# -- search ----------------------------------------------------------------------------------------


def search(page, query: str) -> None:
    page.fill("#q", query)
    page.press("#q", "Enter")
    # Done when every year's text has loaded (search/text-<YEAR>.js, on the first search).
    page.wait_for_selector("#search-results[data-done]", state="attached")


def test_search_finds_a_unit_by_name_and_by_opinion(browser, site_root: str):  # noqa: F811
    with opened(browser, site_root + "search/index.html") as (page, visit):
        search(page, "平定")
        years = page.locator(".search-year h2").all_inner_texts()
        assert years == ["2015年度", "2014年度"]  # every year, newest first
        first = page.locator(".search-year").first.locator("li").first
        assert first.locator("a").inner_text() == "平定县"
        assert "县(区)" in first.inner_text() and re.search(r"第\d+名", first.inner_text())
        search(page, OPINION_PHRASE)
        hits = page.locator(".search-list a").all()
        assert [a.get_attribute("href") for a in hits] == ["../2015/units/pingding/index.html"]
        assert page.locator(".snippet mark").first.inner_text() == OPINION_PHRASE
        search(page, "评分项 不存在的内容xyz")
        assert page.locator("#search-none").is_visible()
        assert "不存在的内容xyz" in page.locator("#search-none").inner_text()
        assert page.locator("#search-none a[href$='units/index.html']").count() >= 2
        assert page.locator(".search-list").count() == 0
    assert_clean(visit, site_root)


def test_search_finds_tasks_items_and_short_names(browser, built_site: Path):
    with opened(browser, built_site.as_uri() + "/search/index.html") as (page, _):
        search(page, "发改委")  # part of 市发改委
        assert "市发改委" in page.locator(".search-list a").all_inner_texts()
        search(page, "农村土地承包经营权确权登记")  # a task of 平定县
        assert "平定县" in page.locator(".search-list a").all_inner_texts()
        search(page, "参加省市转型综改工作会议")  # an item's title: the rubric pages
        titles = page.locator(".search-list a").all_inner_texts()
        assert any("评分标准" in t for t in titles), titles


def test_search_from_the_years_index_by_keyboard_only(browser, site_root: str):  # noqa: F811
    """Tab to the box, type, Enter; Tab to the first result, Enter: the unit's page opens."""
    with opened(browser, site_root + "index.html") as (page, visit):
        for _ in range(10):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.id") == "site-search":
                break
        assert page.evaluate("document.activeElement.id") == "site-search"
        page.keyboard.type("平定县")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"search/index\.html\?q="))
        page.wait_for_selector(".search-list a")
        page.focus("#q")
        for _ in range(6):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.classList.contains('search-title')"):
                break
        assert page.evaluate("document.activeElement.textContent") == "平定县"
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"2015/units/pingding/index\.html$"))
    assert_clean(visit, site_root)


def test_search_without_javascript_says_it_needs_it(browser, built_site: Path):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(built_site.as_uri() + "/search/index.html?q=平定")
        assert "搜索需要浏览器启用 JavaScript" in page.inner_text("main")
        # The rest of the site reads without script; its buttons that need script stay hidden.
        page.goto(built_site.as_uri() + "/" + BULLETIN)
        assert page.locator(".tools [data-action]").evaluate_all("bs => bs.every(b => b.hidden)")
        assert page.locator("table.ranking").count() == 4
    finally:
        context.close()


def test_search_index_is_at_the_root_only(built_site: Path):
    """One small index of every year and a text file per year built now, all under search/."""
    found = sorted(p.name for p in (built_site / "search").iterdir())
    assert found == ["index.html", "index.js", "text-2014.js", "text-2015.js"]
    for name in found[1:]:
        assert (
            (built_site / "search" / name).read_text(encoding="utf-8").startswith("/* 站内搜索索引")
        )
    assert not [p for p in built_site.glob("20*/**/search*") if p.name != "search.js"]


def test_search_works_over_http_with_names_before_texts(browser, http_root: str):  # noqa: F811
    """Over HTTP the year's texts are requested only when someone searches, each once."""
    with opened(browser, http_root + "search/index.html") as (page, visit):
        page.wait_for_load_state("networkidle")
        assert not [u for u in visit.requests if "/search/text-" in u]
        search(page, "平定")
        search(page, OPINION_PHRASE)
        texts = [u for u in visit.requests if "/search/text-" in u]
        assert sorted(texts) == [
            http_root + "search/text-2014.js",
            http_root + "search/text-2015.js",
        ]
    assert_clean(visit, http_root)


# -- large text, print --------------------------------------------------------------------------


def test_large_text_stays_chosen_across_pages_and_fits(browser, built_site: Path):
    root = built_site.as_uri() + "/"
    with opened(browser, root + BULLETIN, width=360) as (page, _):
        base = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
        page.click("[data-action='text-size']")
        assert page.get_attribute("[data-action='text-size']", "aria-pressed") == "true"
        page.goto(root + PAGE_KINDS["ranking"])
        size = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
        assert size >= base * 1.2
        for kind, rel in PAGE_KINDS.items():  # every page kind still fits a phone in large text
            page.goto(root + rel)
            assert page.evaluate("document.documentElement.classList.contains('text-large')")
            assert page.evaluate(OVERFLOW) == [], kind
        page.goto(root + PAGE_KINDS["ranking"])
        page.click("[data-action='text-size']")
        page.goto(root + PAGE_KINDS["unit"])
        assert not page.evaluate("document.documentElement.classList.contains('text-large')")


def pdf_pages(pdf: Path) -> list[str]:
    """The text of each page of a PDF, by pdftotext (poppler-utils)."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True
    ).stdout.decode("utf-8")
    return text.split("\f")[:-1]


def test_printed_bulletin_is_a4_numbered_with_nothing_stranded(
    browser,
    built_site: Path,
    artifacts: Path,  # noqa: F811
):
    root = built_site.as_uri() + "/"
    with opened(browser, root + BULLETIN, width=794, media="print") as (page, _):
        pdf = page.pdf(path=str(artifacts / "bulletin-2015.pdf"), prefer_css_page_size=True)
    sizes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    assert sizes and all(
        abs(float(w) - 595.92) < 1.5 and abs(float(h) - 842.88) < 1.5 for w, h in sizes
    )
    pages = pdf_pages(artifacts / "bulletin-2015.pdf")
    assert len(pages) >= 4
    for number, text in enumerate(pages, start=1):
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        # "— 1 —" (pdftotext may drop the thin spaces around the number)
        assert re.sub(r"\s", "", lines[-1]) == f"—{number}—", (number, lines[-3:])
        # A page holding a lone row, heading or note: fewer than 6 lines besides its number.
        assert len(lines) - 1 >= 6, f"page {number} is nearly empty: {lines}"
    last = pages[-1]
    assert "抄送：" in last and "印发" in last  # the 版记, on the last page


def test_print_button_and_address(browser, http_root: str):  # noqa: F811
    with opened(browser, http_root + BULLETIN, media="print") as (page, _):
        address = page.locator(".print-address")
        assert address.is_visible() and address.inner_text() == f"本页地址：{http_root}{BULLETIN}"
    with opened(browser, http_root + BULLETIN) as (page, _):
        page.evaluate("window.print = () => { window.printed = true; }")
        page.click("[data-action='print']")
        assert page.evaluate("window.printed") is True
        assert not page.locator(".print-address").is_visible()


def test_not_found_page_helps(browser, http_root: str):  # noqa: F811
    with opened(browser, http_root + "404.html") as (page, visit):
        assert page.locator("h1").inner_text() == "找不到这个页面"
        hrefs = page.locator("main a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
        assert "index.html" in hrefs and "search/index.html" in hrefs
    assert_clean(visit, http_root)


def test_years_index_has_its_own_search_box(browser, built_site: Path):
    """Opened from file://, the years index finds a unit by its name and by its opinion."""
    root = built_site.as_uri() + "/"
    for query, unit in (("平定县", "平定县"), (OPINION_PHRASE, "平定县")):
        with opened(browser, root + "index.html", width=360) as (page, visit):
            page.fill("#q-years", query)
            page.press("#q-years", "Enter")
            page.wait_for_selector("#search-results[data-done]", state="attached")
            assert unit in page.locator(".search-list a").all_inner_texts()
        assert_clean(visit, root)
