"""Hostile input: links out of the project, special files, odd names, huge numbers and texts.

Each case runs the real command line in a subprocess: it must end with exit 1 and a clear
message naming the file (never a traceback, never a hang), and nothing from outside the
project may reach the site.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PROBLEM_LINE, REPO, ProjectDir

POSIX = pytest.mark.skipif(os.name == "nt", reason="needs POSIX links, pipes or file names")
SECRET = "root:x:0:0:SECRET-OUTSIDE-THE-PROJECT"


def run(root: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "BULLETIN_ROOT": str(root), "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, str(REPO / "build.py"), *args],
        capture_output=True, text=True, encoding="utf-8", errors="replace", env=environ,
        cwd=root, timeout=timeout,
    )  # fmt: skip


def refused(result: subprocess.CompletedProcess[str], rel: str) -> list[str]:
    """The problem lines naming `rel`; the run must have failed cleanly."""
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Traceback" not in output, output
    for line in output.splitlines():
        if ": error: " in line or ": warning: " in line:
            assert PROBLEM_LINE.match(line), f"a problem split over lines: {line!r}"
    lines = [line for line in output.splitlines() if line.startswith(rel + ":")]
    assert lines, f"no problem names {rel}:\n{output}"
    return lines


@pytest.fixture
def themed(tiny: ProjectDir, tmp_path: Path) -> ProjectDir:
    shutil.copytree(REPO / "theme", tiny.root / "theme")
    (tmp_path / "outside.txt").write_text(SECRET, encoding="utf-8")
    return tiny


def site_text(out: Path) -> str:
    return "".join(p.read_text(encoding="utf-8", errors="replace") for p in out.rglob("*") if p.is_file())


# -- 3. nothing from outside the project is published ----------------------------------------


@POSIX
@pytest.mark.parametrize(
    "rel", ["theme/static/passwd.txt", "theme/templates/extra.html", "theme/static/.hidden"]
)
def test_a_link_in_the_theme_to_outside_is_refused(themed: ProjectDir, tmp_path: Path, rel: str):
    os.symlink(tmp_path / "outside.txt", themed.path(rel))
    out = tmp_path / "site"
    lines = refused(run(themed.root, "build", "--out", str(out)), rel)
    assert "链接" in lines[0]
    assert not out.exists() or SECRET not in site_text(out)
    assert refused(run(themed.root, "check"), rel)


@POSIX
def test_a_linked_folder_in_the_theme_to_outside_is_refused(themed: ProjectDir, tmp_path: Path):
    os.symlink(tmp_path, themed.path("theme/static/more"))
    refused(run(themed.root, "build", "--out", str(tmp_path / "site")), "theme/static/more")


@POSIX
def test_a_link_inside_the_theme_is_fine(themed: ProjectDir, tmp_path: Path):
    os.symlink("style.css", themed.path("theme/static/copy.css"))
    result = run(themed.root, "build", "--out", str(tmp_path / "site"))
    assert result.returncode == 0, result.stdout + result.stderr


@POSIX
def test_a_link_in_an_archive_with_its_hash_updated_is_refused(themed: ProjectDir, tmp_path: Path):
    import hashlib
    import json

    assert run(themed.root, "freeze", "2014", "--date", "2015-02-01").returncode == 0
    archived = themed.path("archive/2014/results.csv")
    archived.unlink()
    os.symlink(tmp_path / "outside.txt", archived)
    manifest = themed.path("archive/2014/manifest.json")
    data = json.loads(manifest.read_text(encoding="utf-8"))
    data["files"]["results.csv"] = hashlib.sha256(SECRET.encode()).hexdigest()
    manifest.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    out = tmp_path / "site"
    refused(run(themed.root, "build", "--out", str(out)), "archive/2014/results.csv")
    assert not out.exists() or SECRET not in site_text(out)


# -- 6. input that hangs or crashes ------------------------------------------------------------


@POSIX
def test_a_named_pipe_as_a_score_file_does_not_hang(themed: ProjectDir):
    themed.remove("scores/2014/b.yaml")
    os.mkfifo(themed.path("scores/2014/b.yaml"))
    lines = refused(run(themed.root, "check", timeout=30), "scores/2014/b.yaml")
    assert "命名管道" in " ".join(lines)


@POSIX
@pytest.mark.parametrize("name", [b"bad\xff.yaml", b"two\nlines.yaml", b"tab\x01.md"])
def test_odd_file_names_give_a_message_not_a_crash(themed: ProjectDir, tmp_path: Path, name: bytes):
    folder = b"scores/2014/" if name.endswith(b".yaml") else b"content/2014/"
    path = os.path.join(os.fsencode(themed.root), folder + name)
    with open(path, "wb") as f:
        f.write(b"unit: a\n")
    for command in (["check"], ["build", "--out", str(tmp_path / "site")]):
        result = run(themed.root, *command)
        output = result.stdout + result.stderr
        assert result.returncode == 1 and "Traceback" not in output, output
        assert "文件名" in output
        for line in output.splitlines():
            if ": error: " in line:
                assert PROBLEM_LINE.match(line), repr(line)
