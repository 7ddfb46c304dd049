"""Build the sample site and take the screenshots committed in docs/screenshots/.

    .venv/bin/python tools/screenshots.py             # into docs/screenshots/
    .venv/bin/python tools/screenshots.py --out DIR   # somewhere else

Uses the browser the tests use (tools/browser.py: Debian's Chromium, headless, through
Playwright). Every screenshot is of the full page: one page of each kind (of 2015, the sample's
live year; 2014 is published from its archive as it was) at 360 px and 1280 px, the bulletin
as printed (print media at the width of A4), and each page of the bulletin printed to PDF
(`bulletin-pdf-N.png`, by pdftoppm from poppler-utils, when it is installed).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bulletin.site import build_site  # noqa: E402
from tools.browser import MISSING, chromium_path, launch  # noqa: E402

A4_WIDTH = 794  # CSS px: 210 mm at 96 px per inch
KINDS = [
    # (name, page): one page of each kind
    ("years", "index.html"),
    ("bulletin", "2015/index.html"),
    ("rankings", "2015/rankings/index.html"),
    ("ranking", "2015/rankings/matter/index.html"),
    ("units", "2015/units/index.html"),
    ("unit", "2015/units/pingding/index.html"),
    ("rubric", "2015/rubrics/county/index.html"),
    ("history", "units/pingding/index.html"),
    ("all-units", "units/index.html"),
    ("search", "search/index.html?q=平定"),
    ("not-found", "404.html"),
]
SHOTS = [
    # (file name, page, viewport width, media)
    *(
        (f"{name}-{width}.png", rel, width, "screen")
        for name, rel in KINDS
        for width in (360, 1280)
    ),
    ("bulletin-print.png", "2015/index.html", A4_WIDTH, "print"),
]


def build_sample(work: Path) -> Path:
    """Build the sample (this checkout's content, rubrics, scores and theme) into work/site."""
    project = work / "project"
    for name in ("content", "rubrics", "scores", "theme", "archive"):
        shutil.copytree(REPO / name, project / name)
    out = work / "site"
    result = build_site(project, out)
    if result.report.errors:
        for problem in result.report.sorted():
            print(problem, file=sys.stderr)
        raise SystemExit("the sample does not build; no screenshots taken")
    return out


def take(site: Path, dest: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    if executable is None:
        raise SystemExit(MISSING)
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as playwright:
        browser = launch(playwright, executable)
        try:
            for name, rel, width, media in SHOTS:
                context = browser.new_context(
                    viewport={"width": width, "height": 900}, device_scale_factor=1
                )
                page = context.new_page()
                page.emulate_media(media=media)
                path, _, query = rel.partition("?")
                page.goto(
                    (site / path).as_uri() + (f"?{query}" if query else ""), wait_until="load"
                )
                if query:  # the search page: wait until every year's text has been searched
                    page.wait_for_selector("#search-results[data-done]", state="attached")
                page.screenshot(path=str(dest / name), full_page=True)
                if media == "print":
                    written += pdf_pages(page, dest)
                context.close()
                written.append(dest / name)
        finally:
            browser.close()
    return written


def pdf_pages(page, dest: Path) -> list[Path]:
    """The page printed to PDF as Chromium prints it, each sheet as a PNG (bulletin-pdf-N.png)."""
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        print("pdftoppm (poppler-utils) not found: no pictures of the printed PDF", file=sys.stderr)
        return []
    for old in dest.glob("bulletin-pdf-*.png"):
        old.unlink()
    with tempfile.TemporaryDirectory(prefix="bulletin-pdf-") as work:
        pdf = Path(work) / "bulletin.pdf"
        page.pdf(path=str(pdf), prefer_css_page_size=True)
        subprocess.run(
            [pdftoppm, "-r", "60", "-png", str(pdf), str(dest / "bulletin-pdf")], check=True
        )
    return sorted(dest.glob("bulletin-pdf-*.png"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=REPO / "docs" / "screenshots", help="folder for the PNG files"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bulletin-screenshots-") as work:
        site = build_sample(Path(work))
        for path in take(site, args.out.resolve()):
            print(path.relative_to(REPO) if path.is_relative_to(REPO) else path)


if __name__ == "__main__":
    main()
