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
from decimal import Decimal
from pathlib import Path

import pytest

from tests.conftest import PROBLEM_LINE, REPO, ProjectDir

POSIX = pytest.mark.skipif(os.name == "nt", reason="needs POSIX links, pipes or file names")
SECRET = "root:x:0:0:SECRET-OUTSIDE-THE-PROJECT"


def run(root: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "BULLETIN_ROOT": str(root), "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, str(REPO / "build.py"), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        env=environ,
        cwd=root,
        timeout=timeout,
    )


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
    return "".join(
        p.read_text(encoding="utf-8", errors="replace") for p in out.rglob("*") if p.is_file()
    )


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


def test_a_broken_results_json_in_an_archive_is_named(themed: ProjectDir):
    import hashlib
    import json

    assert run(themed.root, "freeze", "2014", "--date", "2015-02-01").returncode == 0
    broken = b'{"year": 2014, "units": [\n'
    themed.write_bytes("archive/2014/results.json", broken)
    manifest = themed.path("archive/2014/manifest.json")
    data = json.loads(manifest.read_text(encoding="utf-8"))
    data["files"]["results.json"] = hashlib.sha256(broken).hexdigest()
    manifest.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    # signed again by the office (say, an archive of an older format): only the file is wrong
    assert run(themed.root, "sign").returncode == 0
    refused(run(themed.root, "check"), "archive/2014/results.json")


@pytest.mark.parametrize(
    "rel, old, new",
    [
        ("scores/2014/c.yaml", "plan: 3", "plan: " + "1" * 5000),
        ("scores/2014/c.yaml", "plan: 3", "plan: 1234567890123456.5"),
        ("content/2014/units.yaml", "{pilot: true}", "{pilot: " + "9" * 4400 + "}"),
        ("rubrics/2014/department.yaml", "total: 10", "total: 10000000000000000000000000000001"),
    ],
    ids=["5000-digit-score", "16-digit-score", "4400-digit-attribute", "31-digit-total"],
)
def test_numbers_too_long_are_refused(themed: ProjectDir, rel: str, old: str, new: str):
    themed.replace(rel, old, new)
    lines = refused(run(themed.root, "check"), rel)
    assert any("位数太多" in line for line in lines), lines
    assert all(len(line) < 400 for line in lines)  # the value is shortened in the message


OPINIONS = {
    "list-300-deep": "|\n" + "".join("    " * i + "  - 层\n" for i in range(300)),
    "20000-brackets": '"' + "[" * 20000 + '"',
    "open-tags": '"' + "<a " * 5000 + '"',
}


@pytest.mark.parametrize("opinion", OPINIONS.values(), ids=OPINIONS.keys())
def test_markdown_too_deep_is_refused_quickly(themed: ProjectDir, tmp_path: Path, opinion: str):
    import time

    from bulletin import markup

    themed.write("scores/2014/c.yaml", themed.read("scores/2014/c.yaml") + f"opinion: {opinion}\n")
    started = time.perf_counter()
    lines = refused(run(themed.root, "check", timeout=60), "scores/2014/c.yaml")
    assert time.perf_counter() - started < 20
    assert "考核意见" in lines[0]
    # and the renderer, should such a text ever reach it, shows it as plain text at once
    text = opinion.strip('"|\n')
    started = time.perf_counter()
    assert markup.to_html(text) and time.perf_counter() - started < 10  # a guard against a hang


def test_a_long_name_is_drawn_whole_in_a_chart():
    """Chart labels are HTML text that wraps: a 30,000-character name is neither cut nor measured."""
    from bulletin.charts import Bar, bar_chart

    name = "很长的单位名称" * 5000
    html = str(bar_chart([Bar(name, Decimal(50), Decimal(100))], "图"))
    assert html.count(name) == 1


def test_a_full_disk_gives_a_message_and_keeps_the_site(
    themed: ProjectDir, tmp_path: Path, monkeypatch
):
    import errno
    import pathlib

    from click.testing import CliRunner

    from tests.test_crash_safety import beside, tree

    out = tmp_path / "site"
    env = {"BULLETIN_ROOT": str(themed.root)}
    assert CliRunner().invoke(themed.cli, ["build", "--out", str(out)], env=env).exit_code == 0
    before, neighbours = tree(out), beside(out)
    themed.replace("scores/2014/c.yaml", "plan: 3", "plan: 2")
    written = []

    def full(self, data):
        written.append(self)
        if len(written) > 3:
            raise OSError(errno.ENOSPC, "No space left on device", str(self))
        return real(self, data)

    real = pathlib.Path.write_bytes
    monkeypatch.setattr(pathlib.Path, "write_bytes", full)
    result = CliRunner().invoke(themed.cli, ["build", "--out", str(out)], env=env)
    assert result.exit_code == 1 and not isinstance(result.exception, OSError), result.output
    assert "磁盘空间不足" in result.output and "Traceback" not in result.output
    assert tree(out) == before and beside(out) == neighbours


# -- 5. sanitising, open data, bidirectional text ----------------------------------------------


@pytest.mark.parametrize(
    "html",
    [
        '<img src="/\\evil.example/x.png">',
        '<img src="\\\\evil.example/x.png">',
        '<img src="/&#9;/evil.example/x.png">',
        '<img src=" //evil.example/x.png">',
        '<a href="/\\evil.example/">x</a>',
        '<a href="\\\\evil.example/">x</a>',
        '<a href="/&#10;/evil.example/">x</a>',
        '<a href="java&#9;script:alert(1)">x</a>',
    ],
)
def test_urls_a_browser_reads_as_another_host_are_dropped(html: str):
    from bulletin import markup

    out = str(markup.to_html(html))
    assert "evil.example" not in out.split(">")[0] or ("src=" not in out and "href=" not in out), (
        out
    )
    assert "src=" not in out and "href=" not in out, out


@pytest.mark.parametrize(
    "url", ["/\\host/a", "\\\\host/a", "/\t/host/a", "\n//host", "ja\tva\nscript:x"]
)
def test_the_url_check_reads_urls_as_a_browser_does(url: str):
    from bulletin import markup

    assert not markup.relative(url)


def test_relative_urls_and_real_links_stay():
    from bulletin import markup

    out = str(
        markup.to_html(
            "![图](images/a.png) [链接](../2015/index.html) [外链](https://example.org/)"
        )
    )
    assert 'src="images/a.png"' in out and 'href="../2015/index.html"' in out
    assert 'href="https://example.org/"' in out


def test_formulas_in_names_and_reasons_are_neutralised_in_csv(themed: ProjectDir):
    import csv

    from bulletin import opendata

    themed.replace("content/2014/units.yaml", "name: 甲县", 'name: "=HYPERLINK(\\"http://x\\")"')
    themed.replace("content/2014/units.yaml", "name: 乙县", 'name: "@SUM(1+1)"')
    themed.replace("content/2014/units.yaml", "name: 丙局", 'name: "-2+3"')
    results = themed.results()
    rows = list(csv.DictReader(opendata.results_csv(results).removeprefix("\ufeff").splitlines()))
    assert [r["name"] for r in rows] == ['\'=HYPERLINK("http://x")', "'@SUM(1+1)", "'-2+3"]
    assert all(not r["total"].startswith("'") for r in rows)
    import json

    assert (
        json.loads(opendata.results_json(results))["units"][0]["name"] == '=HYPERLINK("http://x")'
    )


@pytest.mark.parametrize("char", ["\u202e", "\u2066", "\u200f"])
def test_bidirectional_controls_in_names_are_refused(themed: ProjectDir, char: str):
    themed.replace("content/2014/units.yaml", "name: 乙县", f"name: 乙{char}县")
    at = themed.locate("content/2014/units.yaml", f"乙{char}县", char)
    result = run(themed.root, "check")
    lines = refused(result, "content/2014/units.yaml")
    assert any(line.startswith(at + ": error: ") and "双向文字控制符" in line for line in lines), (
        lines
    )


# -- 7. messages with the right position ---------------------------------------------------------

HIDDEN = ["\x01", "\x1b", "\x7f", "\ufffe", "\u2028", "\x85"]


def test_each_hidden_character_is_reported_at_its_own_position(themed: ProjectDir):
    import re

    lines = ["unit: c", "scores:"]
    lines += [f"  plan: 3{HIDDEN[0]}", "  progress: 5"]
    lines += [f"# 说明{c}文字" for c in HIDDEN[1:]]
    themed.write("scores/2014/c.yaml", "\n".join(lines) + "\n")
    result = run(themed.root, "check")
    found = refused(result, "scores/2014/c.yaml")
    expected = ["scores/2014/c.yaml:3:10"] + [f"scores/2014/c.yaml:{n}:5" for n in range(5, 10)]
    assert [line.split(": error: ")[0] for line in found] == expected, found
    for line, char in zip(found, HIDDEN, strict=True):
        message = line.split(": error: ")[1]
        assert f"U+{ord(char):04X}" in message and "删除" in message
        plain = re.sub(r"U\+[0-9A-F]{4}|Word|ESC|DEL|NEL", "", message)
        assert not re.search(r"[A-Za-z]{3,}", plain), message  # Chinese, not the parser's English
    assert "行分隔符" in found[4] and "Word" in found[4]


def test_check_output_is_capped_per_file(themed: ProjectDir):
    extra = "".join(f"x{n}: 1\n" for n in range(1000))
    themed.write("scores/2014/c.yaml", themed.read("scores/2014/c.yaml") + extra)
    result = run(themed.root, "check")
    assert result.returncode == 1
    lines = [line for line in result.stdout.splitlines() if line.startswith("scores/2014/c.yaml")]
    assert len(lines) == 201
    assert "还有 800 个问题没有列出" in lines[-1]
