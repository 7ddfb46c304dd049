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


# -- new-year and init ---------------------------------------------------------------------------


def invoke(cli, root: Path, *args: str):
    return CliRunner().invoke(cli, list(args), env={"BULLETIN_ROOT": str(root)})


def whole_sample(dest: Path) -> Path:
    for top in (*DATA, "theme", "archive"):
        shutil.copytree(REPO / top, dest / top)
    return dest


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_new_year_from_the_newest_year_before_it(tmp_path, cli):
    root = whole_sample(tmp_path / "p")
    run = invoke(cli, root, "new-year", "2016")
    assert run.exit_code == 0, run.output
    assert "以 2015 年度为模板" in run.output
    assert "python build.py sheets 2016" in run.output  # the next step, as a whole command
    year = (root / "content/2016/year.yaml").read_text(encoding="utf-8")
    assert "year: 2016\n" in year and "status: draft" in year and "2016年度" in year
    assert "gzw" not in year  # last year's decisions are not carried over
    assert (root / "content/2016/units.yaml").read_bytes() == (
        root / "content/2015/units.yaml"
    ).read_bytes()
    county = (root / "rubrics/2016/county.yaml").read_text(encoding="utf-8")
    assert county.splitlines()[1].startswith("title: 县(区)转型综改2016年度")
    assert (root / "scores/2016").is_dir() and not any((root / "scores/2016").iterdir())
    bulletin = (root / "content/2016/bulletin.md").read_text(encoding="utf-8")
    assert "title: 关于2016年度转型综改考核结果的通报" in bulletin

    check = invoke(cli, root, "check")
    assert check.exit_code == 0, check.output
    assert (
        "content/2016/bulletin.md:3:9: warning: bulletin.md 的文号（number）还是待填写的“〔待填〕”"
        in (check.output)
    )
    assert (
        "content/2016/year.yaml:4:7: warning: 通报日期（date）还是待填写的“〔待填〕”"
        in check.output
    )
    assert "content/2016/bulletin.md:8:1: warning: bulletin.md 的正文（共 3 处" in check.output
    build = invoke(cli, root, "build", "--drafts", "--out", str(tmp_path / "site"))
    assert build.exit_code == 0, build.output
    assert (tmp_path / "site/2016/index.html").is_file()
    assert "把整个 site 文件夹的内容上传" in build.output

    # published with its placeholders left: every one of them is an error
    year_file = root / "content/2016/year.yaml"
    year_file.write_text(year.replace("status: draft", "status: published"), encoding="utf-8")
    check = invoke(cli, root, "check", "--year", "2016")
    assert check.exit_code == 1
    assert (
        "content/2016/bulletin.md:3:9: error: bulletin.md 的文号（number）还是待填写的“〔待填〕”；已发布的年度必须填写。"
        in (check.output)
    )


def test_new_year_refuses_to_overwrite_and_needs_an_earlier_year(tmp_path, cli):
    root = whole_sample(tmp_path / "p")
    before = snapshot(root)
    run = invoke(cli, root, "new-year", "2015")
    assert run.exit_code == 1
    assert "content/2015/ 已经存在" in run.output and "什么也没有写" in run.output
    run = invoke(cli, root, "new-year", "2013")
    assert run.exit_code == 1
    assert "没有早于 2013 的年度" in run.output and "python build.py init" in run.output
    assert snapshot(root) == before


def test_new_year_leaves_nothing_when_the_template_year_is_broken(tmp_path, cli):
    root = whole_sample(tmp_path / "p")
    year_file = root / "content/2015/year.yaml"
    year_file.write_text(
        year_file.read_text(encoding="utf-8").replace("status: published", "status: done"),
        encoding="utf-8",
    )
    before = snapshot(root)
    run = invoke(cli, root, "new-year", "2016")
    assert run.exit_code == 1
    assert "content/2015/year.yaml:3:9: error: status 应为" in run.output
    assert "不能作为 2016 年度的模板" in run.output
    assert snapshot(root) == before and not (root / "content/2016").exists()


def test_init_makes_a_project_that_builds(tmp_path, cli):
    dest = tmp_path / "office"
    dest.mkdir()  # an empty folder is fine
    run = CliRunner().invoke(cli, ["init", str(dest), "--year", "2020"])
    assert run.exit_code == 0, run.output
    assert "README.md" in run.output and f'--project "{dest.resolve()}" check' in run.output
    readme = (dest / "README.md").read_text(encoding="utf-8")
    assert "content/site.yaml" in readme and "content/2020/units.yaml" in readme
    check = CliRunner().invoke(cli, ["--project", str(dest), "check"])
    assert check.exit_code == 0, check.output
    assert "检查通过：1 个年度（2020），1 个单位，0 个错误" in check.output
    assert "content/site.yaml:1:8: warning: 网站设置的“title”还是待填写的“〔待填〕”" in check.output
    for args in (["build"], ["build", "--drafts"]):
        build = CliRunner().invoke(cli, ["--project", str(dest), *args])
        assert build.exit_code == 0, build.output
    assert (dest / "site/2020/units/example/index.html").is_file()
    before = snapshot(dest)
    again = CliRunner().invoke(cli, ["init", str(dest)])
    assert again.exit_code == 1 and "不是空文件夹" in again.output
    assert snapshot(dest) == before


def test_init_sample_copies_the_sample(tmp_path, cli):
    dest = tmp_path / "trial"
    run = CliRunner().invoke(cli, ["init", str(dest), "--sample"])
    assert run.exit_code == 0, run.output
    for name in (
        "content/2015/year.yaml",
        "scores/2014/pingding.yaml",
        "archive/2014/manifest.json",
    ):
        assert (dest / name).read_bytes() == (REPO / name).read_bytes()
    check = CliRunner().invoke(cli, ["--project", str(dest), "check"])
    assert check.exit_code == 0, check.output


def test_staff_documentation_is_in_chinese_and_linked_first():
    readme = (REPO / "README.md").read_text(encoding="utf-8").splitlines()
    assert readme[2] == "```sh" and readme[3].startswith("python3 bootstrap.py build")
    assert readme[4].startswith("python3 bootstrap.py test")
    first_link = next(line for line in readme if "](" in line)
    assert "(docs/guide.md)" in first_link and "(docs/data-format.md)" in "\n".join(readme[6:10])
    guide = (REPO / "docs/guide.md").read_text(encoding="utf-8")
    for step in ("new-year", "sheets", "serve", "check", "build", "freeze", "correct", "Windows"):
        assert step in guide
    assert "(sheets.md)" in guide and "(preview.md)" in guide
    data = (REPO / "docs/data-format.md").read_text(encoding="utf-8")
    assert "plan：4.5" in data and "plan: 4.5" in data  # the full-width colon pitfall
    # every field every reader accepts is documented
    from bulletin.readers import pages, site, units, year

    named = [*year.REQUIRED, *year.OPTIONAL, *site.WORDING, "sample", *pages.FRONT_MATTER]
    named += [*units.REQUIRED, "attributes", "group", "tasks", "short_title", "description"]
    named += ["variants", "when", "options", "notes", "opinion", "evidence", "experts"]
    for name in named:
        assert f"{name}:" in data, name
