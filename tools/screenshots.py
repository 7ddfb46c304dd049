"""Build the sample site and take the screenshots committed in docs/screenshots/.

    .venv/bin/python tools/screenshots.py             # into docs/screenshots/
    .venv/bin/python tools/screenshots.py --out DIR   # somewhere else

Uses the browser the tests use (tools/browser.py: Debian's Chromium, headless, through
Playwright). Every screenshot is of the full page: the 2014 bulletin at 360 px and 1280 px and
as printed (print media at the width of A4), a unit page and a ranking page at 1280 px.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bulletin.site import build_site  # noqa: E402
from tools.browser import MISSING, chromium_path, launch  # noqa: E402

A4_WIDTH = 794  # CSS px: 210 mm at 96 px per inch
SHOTS = [
    # (file name, page, viewport width, media)
    ("bulletin-360.png", "2014/index.html", 360, "screen"),
    ("bulletin-1280.png", "2014/index.html", 1280, "screen"),
    ("bulletin-print.png", "2014/index.html", A4_WIDTH, "print"),
    ("unit-1280.png", "2014/units/pingding/index.html", 1280, "screen"),
    ("ranking-1280.png", "2014/rankings/matter/index.html", 1280, "screen"),
]


def build_sample(work: Path) -> Path:
    """Build the sample (this checkout's content, rubrics, scores and theme) into work/site."""
    project = work / "project"
    for name in ("content", "rubrics", "scores", "theme"):
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
                page.goto((site / rel).as_uri(), wait_until="load")
                page.screenshot(path=str(dest / name), full_page=True)
                context.close()
                written.append(dest / name)
        finally:
            browser.close()
    return written


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
