"""The one way this project starts a browser: Debian's Chromium, headless, driven by Playwright.

Shared by the browser tests (tests/conftest.py) and tools/screenshots.py, so the pictures we
commit come from the same browser the tests use. Playwright never downloads a browser here.
"""

from __future__ import annotations

import shutil

# No network on our behalf (updates, sync, field trials), no GPU, no first-run UI.
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
MISSING = "Chromium is not installed (no `chromium` on PATH; on Debian: apt-get install chromium)"


def chromium_path() -> str | None:
    """The system Chromium, or None."""
    return shutil.which("chromium")


def launch(playwright, executable: str):
    """Start headless Chromium from `executable` with the project's flags."""
    return playwright.chromium.launch(
        executable_path=executable, args=list(CHROMIUM_ARGS), headless=True
    )
