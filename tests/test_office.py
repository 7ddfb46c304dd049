"""Any office, any year: no assessment's name in the code, and the commands that start a year."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from conftest import REPO, as_published

CITY_WORDS = ("转型综改", "阳泉")
DATA = ("content", "rubrics", "scores")


def renamed_sample(dest: Path) -> None:
    """The whole sample, its data with every city word replaced.

    archive/ is left out: the frozen 2014 holds those words in its published pages, as it must.
    Its year is set back to published, so that it is rendered from the renamed data instead.
    """
    for top in DATA:
        shutil.copytree(REPO / top, dest / top)
    shutil.copytree(REPO / "theme", dest / "theme")
    as_published(dest)
    for path in (p for top in DATA for p in (dest / top).rglob("*") if p.is_file()):
        text = path.read_text(encoding="utf-8")
        for word, other in zip(CITY_WORDS, ("营商环境", "某"), strict=True):
            text = text.replace(word, other)
        path.write_text(text, encoding="utf-8", newline="")


def test_renamed_sample_shows_no_city_word(tmp_path, cli):
    root = tmp_path / "office"
    renamed_sample(root)
    out = tmp_path / "site"
    run = CliRunner().invoke(cli, ["build", "--out", str(out)], env={"BULLETIN_ROOT": str(root)})
    assert run.exit_code == 0, run.output
    files = [p for p in out.rglob("*") if p.is_file()]
    assert len([p for p in files if p.suffix == ".html"]) > 100
    for path in files:
        if path.suffix in (".html", ".json", ".csv", ".css", ".svg"):
            text = path.read_text(encoding="utf-8")
            for word in CITY_WORDS:
                assert word not in text, f"{word} in {path.relative_to(out)}"
    # the renamed wording is what the pages say instead
    bulletin = (out / "2015" / "index.html").read_text(encoding="utf-8")
    assert "营商环境" in bulletin


def test_no_city_word_in_engine_or_theme():
    for folder in ("bulletin", "theme"):
        for path in (REPO / folder).rglob("*"):
            if path.is_file() and path.suffix in (".py", ".html", ".css", ".svg", ".js"):
                text = path.read_text(encoding="utf-8")
                for word in CITY_WORDS:
                    assert word not in text, f"{word} in {path.relative_to(REPO)}"
    for name in ("build.py", "bootstrap.py"):
        text = (REPO / name).read_text(encoding="utf-8")
        assert not any(word in text for word in CITY_WORDS), name
