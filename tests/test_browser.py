"""The site as a person sees it: headless Chromium opens the built sample from file:// and over HTTP.

Screenshots (360 px, 1280 px, print) and a PDF of the 2014 bulletin go to tests/artifacts/
(git-ignored) for people to look at; docs/screenshots/ holds the committed ones
(tools/screenshots.py).
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
BULLETIN = "2014/index.html"
# Pages of every kind, checked for horizontal overflow on a small phone.
NARROW_PAGES = [
    "index.html",
    "2014/index.html",
    "2015/index.html",
    "2014/rankings/county/index.html",
    "2014/rankings/matter/index.html",
    "2014/units/pingding/index.html",
    "2014/units/xxzx/index.html",
    "2014/rubrics/county/index.html",
    "2014/rubrics/department/index.html",
    "2014/pages/methodology/index.html",
]


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def http_root(built_site: Path) -> Iterator[str]:
    """The built site served over HTTP on 127.0.0.1 (a free port), from a thread."""
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(built_site))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture(params=["file", "http"])
def site_root(request: pytest.FixtureRequest, built_site: Path) -> str:
    """The site's base URL, from the file system and from the local HTTP server."""
    if request.param == "file":
        return built_site.as_uri() + "/"
    return request.getfixturevalue("http_root")


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@dataclass
class Visit:
    """What happened while a page was open: console messages, script errors, requests."""

    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)


@contextmanager
def opened(
    browser, url: str, width: int = 1280, media: str = "screen"
) -> Iterator[tuple[object, Visit]]:
    """Open `url` in a fresh context of `width` px and record what the page does."""
    context = browser.new_context(
        viewport={"width": width, "height": 900}, device_scale_factor=1, locale="zh-CN"
    )
    page = context.new_page()
    visit = Visit()
    page.on("console", lambda m: visit.console.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: visit.errors.append(str(e)))
    page.on("request", lambda r: visit.requests.append(r.url))
    page.on("requestfailed", lambda r: visit.failed.append(f"{r.url}: {r.failure}"))
    page.on("response", lambda r: visit.statuses.__setitem__(r.url, r.status))
    try:
        page.emulate_media(media=media)
        response = page.goto(url, wait_until="load")
        assert response is None or response.ok, f"{url}: {response and response.status}"
        yield page, visit
    finally:
        context.close()


def assert_clean(visit: Visit, root: str) -> None:
    """No console error or warning, no script error, every request answered and none to another host."""
    assert not [m for m in visit.console if m.startswith(("error", "warning"))], visit.console
    assert not visit.errors
    # A request the browser itself abandoned (the favicon, when a click navigates on) is no fault.
    assert not [f for f in visit.failed if not f.endswith("net::ERR_ABORTED")], visit.failed
    assert visit.requests, "no request recorded"
    elsewhere = [u for u in visit.requests if not u.startswith(root)]
    assert not elsewhere, f"requests outside {root}: {elsewhere}"
    assert all(status in (200, 304) for status in visit.statuses.values()) or root.startswith(
        "file:"
    ), visit.statuses


def test_bulletin_opens_cleanly(browser, site_root: str):
    with opened(browser, site_root + BULLETIN) as (page, visit):
        assert page.title().startswith("关于2014年度转型综改考核结果的通报")
        assert page.evaluate("document.documentElement.lang") == "zh-CN"
        # The stylesheet loaded and applies: the issuer is printed in red, centred.
        issuer = page.locator(".doc-issuer")
        assert issuer.evaluate("el => getComputedStyle(el).color") == "rgb(204, 0, 0)"
        assert issuer.evaluate("el => getComputedStyle(el).textAlign") == "center"
        assert page.locator(".banner-sample").is_visible()
        assert page.locator("#attachment-1 table.ranking").count() == 4
        assert page.get_by_text("2015年1月20日").first.is_visible()
        page.wait_for_load_state("networkidle")
    assert_clean(visit, site_root)
    assert any(u.endswith(".css") for u in visit.requests)


def test_links_work_in_the_browser(browser, site_root: str):
    """Follow links the way a reader would: bulletin → ranking → unit → scoring table → years."""
    with opened(browser, site_root + BULLETIN) as (page, visit):
        page.locator("nav.year-nav a", has_text="重大事项").click()
        assert page.url == site_root + "2014/rankings/matter/index.html"
        page.locator("table.ranking tbody a", has_text="市规划局").click()
        assert page.url == site_root + "2014/units/ghj/index.html"
        assert "并列第2名" in page.locator("dl.facts").inner_text()
        page.locator("a[href$='rubrics/department/index.html']").first.click()
        assert page.url == site_root + "2014/rubrics/department/index.html"
        page.locator("footer a", has_text="全部年度").click()
        assert page.url == site_root + "index.html"
        page.locator("ul.years a").first.click()
        assert page.url == site_root + "2015/index.html"
    assert_clean(visit, site_root)


@pytest.mark.parametrize("rel", NARROW_PAGES)
def test_no_horizontal_overflow_at_360_px(browser, built_site: Path, rel: str):
    root = built_site.as_uri() + "/"
    with opened(browser, root + rel, width=360) as (page, visit):
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{rel} is {width} px wide at 360 px"
        # Wide tables scroll inside their own wrapper, which fits the screen.
        wrappers = page.evaluate(
            "[...document.querySelectorAll('table')].map(t => {"
            " const w = t.closest('.table-wrap');"
            " return w ? [w.getBoundingClientRect().right, getComputedStyle(w).overflowX] : [t.getBoundingClientRect().right, 'none']; })"
        )
        for right, overflow in wrappers:
            assert right <= 360.5 and (overflow in ("auto", "scroll") or right <= 360.5)
    assert_clean(visit, root)


@pytest.mark.parametrize(
    "rel",
    [
        "2014/units/xxzx/index.html",
        "2014/rankings/matter/index.html",
        "2015/units/tjj/index.html",
        "units/xxzx/index.html",
        "units/pingding/index.html",
    ],
)
@pytest.mark.parametrize("width", [360, 1280])
def test_chart_labels_are_not_cut_off(browser, built_site: Path, rel: str, width: int):
    """Every label of a chart is shown whole: bars' labels wrap, SVG text lies inside its drawing."""
    with opened(browser, built_site.as_uri() + "/" + rel, width=width) as (page, _):
        outside = page.evaluate(
            "[...document.querySelectorAll('svg.chart')].flatMap(svg => {"
            " const box = svg.viewBox.baseVal;"
            " return [...svg.querySelectorAll('text')].map(t => [t.textContent, t.getBBox()])"
            "  .filter(([_, b]) => b.x < box.x - 0.5 || b.x + b.width > box.x + box.width + 0.5)"
            "  .map(([text, b]) => `${text} x=${b.x} w=${b.width}`); })"
        )
        assert page.locator("svg.chart text, .bars .bar-label").count() > 0
        assert not outside
        clipped = page.evaluate(
            "[...document.querySelectorAll('.bars .bar-label, .bars .bar-value')]"
            ".filter(el => el.scrollWidth > el.clientWidth + 1).map(el => el.textContent)"
        )
        assert not clipped


def test_skip_link_is_the_first_stop_and_shows(browser, built_site: Path):
    with opened(browser, built_site.as_uri() + "/" + BULLETIN) as (page, _):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "[document.activeElement.className, document.activeElement.getAttribute('href')]"
        )
        assert focused == ["skip-link", "#main"]
        box = page.locator(".skip-link").bounding_box()
        assert box and box["x"] >= 0 and box["y"] >= 0


def test_screenshots_and_print(browser, built_site: Path, artifacts: Path):
    """Screenshots at 360 px and 1280 px, the print layout, and a PDF, for people to look at."""
    root = built_site.as_uri() + "/"
    for width in (360, 1280):
        with opened(browser, root + BULLETIN, width=width) as (page, visit):
            page.screenshot(path=str(artifacts / f"bulletin-{width}.png"), full_page=True)
        assert_clean(visit, root)
    for rel, name in (
        ("2014/units/pingding/index.html", "unit"),
        ("2014/rankings/matter/index.html", "ranking"),
    ):
        for width in (360, 1280):
            with opened(browser, root + rel, width=width) as (page, _):
                page.screenshot(path=str(artifacts / f"{name}-{width}.png"), full_page=True)
    # A4 is 794 CSS px wide.
    with opened(browser, root + BULLETIN, width=794, media="print") as (page, visit):
        assert page.evaluate("matchMedia('print').matches")
        hidden = page.evaluate(
            "['.site-header .header-bar', '.site-footer .other-years', '.more', '.tools'].map("
            "s => [...document.querySelectorAll(s)].every(el => !el.checkVisibility()))"
        )
        assert hidden == [True, True, True, True]
        assert page.locator(".banner-sample").is_visible()  # the sample warning is printed too
        page.screenshot(path=str(artifacts / "bulletin-print.png"), full_page=True)
        pdf = page.pdf(
            path=str(artifacts / "bulletin.pdf"),
            format="A4",
            prefer_css_page_size=True,
            print_background=True,
        )
    assert_clean(visit, root)
    assert pdf.startswith(b"%PDF-")
    pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
    assert pages >= 4, f"{pages} PDF pages"  # the letter and one page per attachment at least
    for name in ("bulletin-360", "bulletin-1280", "bulletin-print", "unit-1280", "ranking-1280"):
        data = (artifacts / f"{name}.png").read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 10_000, name


@pytest.mark.parametrize(("ci", "outcome"), [("", "1 skipped"), ("true", "1 error")])
def test_without_chromium_skip_visibly_but_fail_on_ci(tmp_path: Path, ci: str, outcome: str):
    """With no `chromium` on PATH a browser test is skipped with its reason, unless CI=true."""
    env = {**os.environ, "PATH": str(tmp_path), "CI": ci}
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-rs",
            "-p",
            "no:cacheprovider",
            f"{__file__}::test_skip_link_is_the_first_stop_and_shows",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert outcome in run.stdout, run.stdout + run.stderr
    assert "Chromium is not installed" in run.stdout
    if ci:
        assert "CI=true" in run.stdout
