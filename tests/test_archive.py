"""Frozen years and corrections: archive/<YEAR>/ is what the site publishes, byte for byte, forever.

`frozen` is the whole sample with 2014 frozen once per module through the real command line;
`frozen_built` adds a built site. Tests that change anything work on their own copy of one of them.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import ProjectDir, build
from sitehtml import files, load, resolve_link
from yearsite import (
    assert_alternates,
    assert_links_resolve,
    flip_byte,
    hashes,
    invoke,
    results,
    run,
    site_years,
    stats,
    year_pages,
)

from bulletin import archive, archiving
from bulletin.freezing import correct_year, freeze_year
from bulletin.render import cn_date
from bulletin.scoring import decimal_text

YEAR_YAML = "content/2014/year.yaml"
FREEZE_DATE = "2015-02-01"
# Comments staff wrote in year.yaml, which freezing must keep.
HEADER = "# 2014年度考核结果（测试：冻结时须保留本注释）\n"
STATUS_COMMENT = "   # draft / published / frozen\n"


def status_mark(root: Path) -> str:
    """`content/2014/year.yaml:L:9`, where the value of `status:` is."""
    lines = (root / YEAR_YAML).read_text(encoding="utf-8").splitlines()
    (line,) = [i for i, text in enumerate(lines, start=1) if text.startswith("status:")]
    return f"{YEAR_YAML}:{line}:9"


def copy(source: Path, dest: Path) -> Path:
    shutil.copytree(source, dest, symlinks=True)
    return dest


def change_score(root: Path, unit: str, item: str, value: str, year: int = 2014) -> None:
    path = root / "scores" / str(year) / f"{unit}.yaml"
    text = path.read_text(encoding="utf-8")
    new, count = re.subn(rf"(?m)^(  {re.escape(item)}: ).*$", rf"\g<1>{value}", text)
    assert count == 1, (path, item)
    path.write_text(new, encoding="utf-8")


def manifest(root: Path, folder: str = "2014") -> dict:
    return json.loads((root / "archive" / folder / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def original_year_yaml(full_sample: Path) -> str:
    text = (full_sample / YEAR_YAML).read_text(encoding="utf-8")
    assert text.count("status: published\n") == 1
    return HEADER + text.replace("status: published\n", "status: published" + STATUS_COMMENT)


@pytest.fixture(scope="module")
def frozen(
    tmp_path_factory: pytest.TempPathFactory, full_sample: Path, original_year_yaml: str
) -> Path:
    """The whole sample with 2014 frozen by `build.py freeze 2014`. Read only."""
    root = copy(full_sample, tmp_path_factory.mktemp("frozen") / "project")
    (root / YEAR_YAML).write_text(original_year_yaml, encoding="utf-8")
    done = run(root, "freeze", "2014", "--date", FREEZE_DATE)
    assert done.code == 0, done.output
    assert "archive/2014/" in done.stdout
    return root


@pytest.fixture(scope="module")
def frozen_built(tmp_path_factory: pytest.TempPathFactory, frozen: Path) -> Path:
    """`frozen`, then `build.py build`: the project with its site/. Read only."""
    root = copy(frozen, tmp_path_factory.mktemp("frozen-built") / "project")
    done = run(root, "build")
    assert done.code == 0, done.output
    assert not done.problems, done.problems
    return root


@pytest.fixture
def frozen_project(tmp_path: Path, frozen: Path) -> Path:
    return copy(frozen, tmp_path / "project")


@pytest.fixture
def built_project(tmp_path: Path, frozen_built: Path) -> Path:
    return copy(frozen_built, tmp_path / "project")


# -- freezing -------------------------------------------------------------------------------------


def test_freeze_writes_every_page_and_a_manifest_of_their_sha256(frozen):
    folder = frozen / "archive" / "2014"
    assert sorted(p.name for p in (frozen / "archive").iterdir()) == ["2014"]
    data = manifest(frozen)
    on_disk = hashes(folder)
    assert on_disk.pop("manifest.json") and on_disk.pop(
        "manifest.json.minisig"
    )  # and its signature
    assert data["files"] == on_disk  # every file listed, every hash right, nothing else there
    assert {k: data[k] for k in ("format", "year", "version", "frozen", "corrections")} == {
        "format": 1,
        "year": 2014,
        "version": 1,
        "frozen": FREEZE_DATE,
        "corrections": [],
    }
    assert data["date"] == "2015-01-20"
    assert data["bulletin_title"] == "关于2014年度转型综改考核结果的通报"
    units = results(frozen / "archive", 2014)
    assert len(units) == 35
    expected = {
        "index.html",
        "results.json",
        "results.csv",
        "results.xlsx",
        "pages/methodology/index.html",
    }
    expected |= {
        f"static/{rel}" for rel in files(frozen / "theme" / "static")
    }  # the theme's, as it was
    assert "static/style.css" in expected
    expected |= {f"units/{u}/index.html" for u in units}
    expected |= {f"rankings/{c}/index.html" for c in ("county", "reform", "matter", "topic")}
    expected |= {"rankings/index.html", "units/index.html"}  # the year's lists of both
    expected |= {f"rubrics/{r}/index.html" for r in ("county", "department")}
    assert set(on_disk) == expected
    published = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    assert published["status"] == "frozen"


def test_freeze_marks_the_year_frozen_keeping_the_rest_of_year_yaml(frozen, original_year_yaml):
    text = (frozen / YEAR_YAML).read_text(encoding="utf-8")
    assert text == original_year_yaml.replace("status: published   #", "status: frozen   #")
    assert text.startswith(HEADER) and STATUS_COMMENT in text


def test_check_passes_after_freezing(frozen):
    done = run(frozen, "check")
    assert done.code == 0, done.output
    assert done.problems == []


def test_build_publishes_the_archive_byte_for_byte(frozen_built):
    site, folder = frozen_built / "site", frozen_built / "archive" / "2014"
    assert hashes(site / "2014") == hashes(folder)  # manifest.json included, for anyone to verify
    assert site_years(site) == ["2015", "2014"]


def test_years_index_lists_live_and_frozen_years(frozen_built):
    site = frozen_built / "site"
    items = load(site, "index.html").find("ul", cls="years").find_all("li")
    assert [
        resolve_link("index.html", li.find("a", cls="year-title").attrs["href"])[0] for li in items
    ] == [
        "2015/index.html",
        "2014/index.html",
    ]
    assert items[0].find("a", cls="year-title").text == "关于2015年度转型综改考核结果的通报"
    assert items[1].find("a", cls="year-title").text == "关于2014年度转型综改考核结果的通报"
    assert "2016年1月22日" in items[0].text and "2015年1月20日" in items[1].text
    assert "已存档" in items[1].text and "已存档" not in items[0].text


def test_links_between_a_live_and_a_frozen_year(frozen_built):
    site = frozen_built / "site"
    for year in ("2015", "2014"):
        for rel in year_pages(site, year):
            assert_alternates(site, rel)
            assert_links_resolve(site, rel)
    for rel in files(site):
        if rel.startswith("units/"):
            assert_links_resolve(site, rel)
    # Rank changes of the live year come from the archived results of the frozen one.
    doc = load(site, "2015/rankings/county/index.html")
    row = [tr for tr in doc.find_all("tr") if "城区" in tr.text][0]
    assert "进1位" in row.find("td", cls="change").text


def test_theme_and_data_changes_leave_the_frozen_year_as_archived(built_project):
    root = built_project
    site, folder = root / "site", root / "archive" / "2014"
    archived = stats(folder)
    old_rank = results(folder.parent, 2014)["fgw"]["rank"]
    # A new look …
    css = root / "theme" / "static" / "style.css"
    css.write_text(
        css.read_text(encoding="utf-8") + "\n.theme-v2 { color: red; }\n", encoding="utf-8"
    )
    base = root / "theme" / "templates" / "base.html"
    text = base.read_text(encoding="utf-8")
    marker = '<meta name="theme-version" content="2">'
    base.write_text(
        text.replace('<meta name="generator" content="bulletin">', marker, 1), encoding="utf-8"
    )
    # … and a 2014 score that would change fgw's rank.
    change_score(root, "fgw", "plan", "2")

    checked = run(root, "check")
    assert checked.code == 0, checked.output
    assert checked.errors == []
    (warning,) = checked.warnings
    assert warning.startswith(f"{status_mark(root)}: warning: ")
    assert "2014" in warning and "存档" in warning and "correct" in warning
    assert "scores/2014/fgw.yaml" in warning  # names what was edited after freezing

    built = run(root, "build")
    assert built.code == 0, built.output
    assert built.warnings == checked.warnings
    assert hashes(site / "2014") == hashes(folder)
    assert stats(folder) == archived  # the build never writes into archive/
    assert marker not in (site / "2014" / "index.html").read_text(encoding="utf-8")
    assert ".theme-v2" not in (site / "2014" / "static" / "style.css").read_text(encoding="utf-8")
    for rel in [*year_pages(site, "2015"), "index.html", "units/fgw/index.html"]:
        assert marker in (site / rel).read_text(encoding="utf-8"), rel
    assert ".theme-v2" in (site / "2015" / "static" / "style.css").read_text(encoding="utf-8")
    assert ".theme-v2" in (site / "static" / "style.css").read_text(encoding="utf-8")
    # Other years still compare with what was published for 2014, not with the changed data.
    assert results(site, 2014)["fgw"]["rank"] == old_rank
    doc = load(site, "2015/units/fgw/index.html")
    assert f"上年第{old_rank}名" in doc.text or "名次不变" in doc.text


def test_build_restores_a_hand_edited_copy_of_a_frozen_page(built_project):
    """site/2014/ is a copy of the archive: an edit there must not survive the next build."""
    site = built_project / "site"
    page = site / "2014" / "units" / "fgw" / "index.html"
    name = results(site, 2014)["fgw"]["name"]
    page.write_bytes(page.read_bytes().replace(name.encode(), "某某单位".encode()))
    (site / "2014" / "results.json").unlink()
    built = run(built_project, "build")
    assert built.code == 0, built.output
    assert hashes(site / "2014") == hashes(built_project / "archive" / "2014")


def test_year_frozen_before_the_next_one_existed(tmp_path, full_sample):
    """The usual order: 2014 is frozen in 2015, then 2015 is added. The frozen pages cannot learn
    of 2015 (they never change), but the years index and each unit's history page, which the
    frozen unit pages link to, lead there."""
    root = copy(full_sample, tmp_path / "project")
    later = tmp_path / "later"
    for folder in ("content", "rubrics", "scores"):
        shutil.move(root / folder / "2015", later / folder / "2015")
    freeze_year(root, 2014, FREEZE_DATE)
    for folder in ("content", "rubrics", "scores"):
        shutil.move(later / folder / "2015", root / folder / "2015")
    site = tmp_path / "site"
    build(root, site)
    assert hashes(site / "2014") == hashes(root / "archive" / "2014")
    assert not load(site, "2014/units/fgw/index.html").find_all("nav", cls="other-years")
    for rel in year_pages(site, "2015"):
        assert_alternates(site, rel)  # the live year links back to the frozen one
    for rel in year_pages(site, "2014"):
        assert_links_resolve(site, rel)
    page = "2014/units/fgw/index.html"
    assert "units/fgw/index.html" in assert_links_resolve(site, page)
    assert "2015/units/fgw/index.html" in assert_links_resolve(site, "units/fgw/index.html")
    assert {"2015/index.html", "2014/index.html"} <= set(assert_links_resolve(site, "index.html"))


# -- tampering ------------------------------------------------------------------------------------


def flip(root: Path) -> list[str]:
    flip_byte(root / "archive/2014/units/fgw/index.html")
    return ["archive/2014/units/fgw/index.html:1:1"]


def add_file(root: Path) -> list[str]:
    (root / "archive/2014/units/fgw/extra.html").write_text("<p>多出来的</p>", encoding="utf-8")
    return ["archive/2014/units/fgw/extra.html:1:1"]


def delete_file(root: Path) -> list[str]:
    (root / "archive/2014/rankings/county/index.html").unlink()
    return ["archive/2014/rankings/county/index.html:1:1"]


def corrupt_manifest(root: Path) -> list[str]:
    path = root / "archive/2014/manifest.json"
    path.write_bytes(path.read_bytes()[:-40])
    return ["archive/2014/manifest.json:1:1"]


def remove_manifest(root: Path) -> list[str]:
    (root / "archive/2014/manifest.json").unlink()
    return ["archive/2014/manifest.json:1:1"]


def edit_manifest_hash(root: Path) -> list[str]:
    data = manifest(root)
    data["files"]["results.csv"] = "0" * 64
    (root / "archive/2014/manifest.json").write_text(json.dumps(data), encoding="utf-8")
    # the file no longer matches, and the edited manifest no longer matches its signature
    return ["archive/2014/manifest.json.minisig:1:1", "archive/2014/results.csv:1:1"]


def stray_folder(root: Path) -> list[str]:
    (root / "archive" / "old").mkdir()
    return ["archive/old:1:1"]


def status_published(root: Path) -> list[str]:
    path = root / YEAR_YAML
    path.write_text(
        path.read_text(encoding="utf-8").replace("status: frozen", "status: published"),
        encoding="utf-8",
    )
    return [status_mark(root)]


@pytest.mark.parametrize(
    "tamper",
    [
        flip,
        add_file,
        delete_file,
        corrupt_manifest,
        remove_manifest,
        edit_manifest_hash,
        stray_folder,
        status_published,
    ],
)
def test_tampering_fails_check_and_build_and_keeps_the_site(built_project, cli, tamper):
    root = built_project
    marks = tamper(root)
    before = stats(root / "site")
    record = (root / ".site.manifest.json").read_bytes()
    checked = invoke(cli, root, "check")
    assert checked.code == 1, checked.output
    assert checked.marks() == marks, checked.errors
    built = invoke(cli, root, "build")
    assert built.code == 1, built.output
    assert built.marks() == marks, built.errors
    assert stats(root / "site") == before
    assert (root / ".site.manifest.json").read_bytes() == record


def test_flipped_byte_through_the_real_command_line(built_project):
    (mark,) = flip(built_project)
    before = stats(built_project / "site")
    for command in ("check", "build"):
        done = run(built_project, command)
        assert done.code == 1, done.output
        (line,) = done.errors
        assert line.startswith(f"{mark}: error: ") and "SHA-256" in line
    assert stats(built_project / "site") == before


def test_status_frozen_without_an_archive_is_an_error(tmp_path, full_sample, cli):
    root = copy(full_sample, tmp_path / "project")
    path = root / YEAR_YAML
    path.write_text(
        path.read_text(encoding="utf-8").replace("status: published", "status: frozen"),
        encoding="utf-8",
    )
    for command in ("check", "build"):
        done = invoke(cli, root, command)
        assert done.code == 1, done.output
        (message,) = [e for e in done.errors if e.startswith(f"{status_mark(root)}: error: ")]
        assert "freeze 2014" in message
    assert not (root / "site").exists()


# -- freezing refuses -----------------------------------------------------------------------------


def test_freeze_refuses_a_draft_year(tmp_path, full_sample, cli):
    root = copy(full_sample, tmp_path / "project")
    path = root / "content/2015/year.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("status: published", "status: draft"),
        encoding="utf-8",
    )
    before = path.read_bytes()
    done = invoke(cli, root, "freeze", "2015")
    assert done.code == 1 and "draft" in done.output, done.output
    assert not (root / "archive").exists() or not any((root / "archive").iterdir())
    assert path.read_bytes() == before


def test_freeze_refuses_a_frozen_year(frozen_project, cli):
    before = stats(frozen_project / "archive")
    year = (frozen_project / YEAR_YAML).read_bytes()
    done = invoke(cli, frozen_project, "freeze", "2014")
    assert done.code == 1 and "frozen" in done.output, done.output
    assert stats(frozen_project / "archive") == before
    assert (frozen_project / YEAR_YAML).read_bytes() == year


def test_freeze_refuses_a_year_that_does_not_exist(tmp_path, full_sample, cli):
    root = copy(full_sample, tmp_path / "project")
    done = invoke(cli, root, "freeze", "2013")
    assert done.code == 1 and "2013" in done.output, done.output
    assert not (root / "archive").exists()


def test_freeze_refuses_a_project_with_errors_and_says_where(tmp_path, full_sample, cli):
    root = copy(full_sample, tmp_path / "project")
    change_score(root, "fgw", "plan", "99", year=2015)  # in another year: still no freezing
    project = ProjectDir(root, cli)
    where = project.locate("scores/2015/fgw.yaml", "plan: 99", "99")
    done = invoke(cli, root, "freeze", "2014")
    assert done.code == 1, done.output
    assert [e.split(": error: ")[0] for e in done.errors] == [where]
    assert not (root / "archive").exists()
    assert "status: published" in (root / YEAR_YAML).read_text(encoding="utf-8")


def test_build_refuses_to_write_into_the_archive(frozen_project, cli):
    before = stats(frozen_project / "archive")
    for out in ("archive", "archive/2014", "archive/site"):
        done = invoke(cli, frozen_project, "build", "--out", str(frozen_project / out))
        assert done.code == 1, done.output
    assert stats(frozen_project / "archive") == before


# -- status: published -> frozen in place --------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("year: 2014\nstatus: published\n", "year: 2014\nstatus: frozen\n"),
        (
            "# 注释\nyear: 2014\nstatus: published  # 状态\ndate: 2015-01-20\n",
            "# 注释\nyear: 2014\nstatus: frozen  # 状态\ndate: 2015-01-20\n",
        ),
        (
            "year: 2014\r\nstatus: published\r\ndate: 2015-01-20\r\n",
            "year: 2014\r\nstatus: frozen\r\ndate: 2015-01-20\r\n",
        ),
        ("\ufeffstatus: published\nyear: 2014\n", "\ufeffstatus: frozen\nyear: 2014\n"),
        ("year: 2014\nstatus: 'published'\n", "year: 2014\nstatus: 'frozen'\n"),
        ('year: 2014\nstatus: "published"\n', 'year: 2014\nstatus: "frozen"\n'),
        (
            "year: 2014\nnote: |\n  status: published\nstatus: published\n",
            "year: 2014\nnote: |\n  status: published\nstatus: frozen\n",
        ),
    ],
)
def test_with_status_changes_only_the_status(tmp_path, before, after):
    path = tmp_path / "year.yaml"
    path.write_bytes(before.encode("utf-8"))
    assert archive.with_status(path, "frozen") == after.encode("utf-8")


def test_with_status_without_a_status_line_is_a_clean_error(tmp_path):
    path = tmp_path / "year.yaml"
    path.write_text("year: 2014\n", encoding="utf-8")
    with pytest.raises(archive.ArchiveError):
        archive.with_status(path, "frozen")
    assert path.read_text(encoding="utf-8") == "year: 2014\n"


# -- corrections ----------------------------------------------------------------------------------


def test_correct_refuses_when_nothing_changed(frozen_project, cli):
    before = stats(frozen_project / "archive")
    done = invoke(cli, frozen_project, "correct", "2014", "--reason", "核对后无变化")
    assert done.code == 1, done.output
    assert "没有需要更正的内容" in done.output
    assert stats(frozen_project / "archive") == before


def test_an_edited_bulletin_text_of_a_frozen_year_is_noticed(frozen_project, cli):
    bulletin = frozen_project / "content" / "2014" / "bulletin.md"
    bulletin.write_text(bulletin.read_text(encoding="utf-8") + "\n补充一句。\n", encoding="utf-8")
    checked = invoke(cli, frozen_project, "check")
    assert checked.code == 0, checked.output
    (warning,) = checked.warnings
    assert "content/2014/bulletin.md" in warning and "不会公开" in warning


def test_a_new_theme_alone_is_no_correction(frozen_project, cli):
    css = frozen_project / "theme" / "static" / "style.css"
    css.write_text(css.read_text(encoding="utf-8") + "\nbody { color: navy; }\n", encoding="utf-8")
    before = stats(frozen_project / "archive")
    done = invoke(cli, frozen_project, "correct", "2014", "--reason", "换了新样式")
    assert done.code == 1, done.output
    assert "没有改动" in done.output
    assert stats(frozen_project / "archive") == before


@pytest.mark.parametrize(
    ("args", "code"),
    [([], 2), (["--reason", ""], 1), (["--reason", "  "], 1), (["--reason", "。"], 1)],
)
def test_correct_refuses_without_a_reason(frozen_project, cli, args, code):
    change_score(frozen_project, "fgw", "plan", "2")
    before = stats(frozen_project / "archive")
    done = invoke(cli, frozen_project, "correct", "2014", *args)
    assert done.code == code, done.output
    assert "reason" in done.output
    assert stats(frozen_project / "archive") == before


@pytest.mark.parametrize(("year", "message"), [("2015", "还没有冻结"), ("2013", "没有 2013 年度")])
def test_correct_refuses_a_year_that_is_not_frozen(frozen_project, cli, year, message):
    before = stats(frozen_project / "archive")
    done = invoke(cli, frozen_project, "correct", year, "--reason", "测试")
    assert done.code == 1, done.output
    assert message in done.output
    assert stats(frozen_project / "archive") == before


@dataclass
class Corrected:
    root: Path
    v1: dict[str, str]  # archive/2014/ before the first correction: path -> SHA-256
    v2: dict[str, str]  # archive/2014/ after it, before the second
    first: Path  # the site built after the first correction
    second: Path  # … and after the second


REASON_1 = "市发展改革委“行动计划编制”一项得分录入有误"
REASON_2 = "城区专家评分汇总有误"


@pytest.fixture(scope="module")
def corrected(tmp_path_factory: pytest.TempPathFactory, frozen: Path) -> Corrected:
    """`frozen`, corrected twice (with a build after each), through the real command line."""
    base = tmp_path_factory.mktemp("corrected")
    root = copy(frozen, base / "project")
    v1 = hashes(root / "archive" / "2014")
    change_score(root, "fgw", "plan", "2")
    done = run(root, "correct", "2014", "--reason", REASON_1, "--date", "2016-03-01")
    assert done.code == 0, done.output
    assert "2014-v1" in done.stdout
    v2 = hashes(root / "archive" / "2014")
    done = run(root, "build", "--out", str(base / "first"))
    assert done.code == 0 and not done.problems, done.output
    change_score(root, "chengqu", "plan", "1")
    done = run(root, "correct", "2014", "--reason", REASON_2, "--date", "2017-05-02")
    assert done.code == 0, done.output
    done = run(root, "build", "--out", str(base / "second"))
    assert done.code == 0 and not done.problems, done.output
    return Corrected(root, v1, v2, base / "first", base / "second")


def test_correction_keeps_the_replaced_version_byte_for_byte(corrected):
    archive_dir = corrected.root / "archive"
    assert sorted(p.name for p in archive_dir.iterdir()) == ["2014", "2014-v1", "2014-v2"]
    assert hashes(archive_dir / "2014-v1") == corrected.v1
    assert hashes(archive_dir / "2014-v2") == corrected.v2
    assert corrected.v1 != corrected.v2


def test_corrected_manifest_records_version_and_corrections(corrected):
    first = {"version": 2, "date": "2016-03-01", "reason": REASON_1, "previous": "2014-v1"}
    second = {"version": 3, "date": "2017-05-02", "reason": REASON_2, "previous": "2014-v2"}
    v1, v2, v3 = (manifest(corrected.root, f) for f in ("2014-v1", "2014-v2", "2014"))
    assert (v1["version"], v1["corrections"]) == (1, [])
    assert (v2["version"], v2["corrections"]) == (2, [first])
    assert (v3["version"], v3["corrections"]) == (3, [first, second])
    assert v1["frozen"] == v2["frozen"] == v3["frozen"] == FREEZE_DATE
    on_disk = hashes(corrected.root / "archive" / "2014")
    on_disk.pop("manifest.json"), on_disk.pop("manifest.json.minisig")
    assert v3["files"] == on_disk
    fgw = [
        results(corrected.root / "archive", f)["fgw"]["items"]["plan"]
        for f in ("2014-v1", "2014-v2", "2014")
    ]
    assert [decimal_text(x) for x in fgw] == ["14.2", "2", "2"]


def test_check_passes_after_a_correction(corrected):
    done = run(corrected.root, "check")
    assert done.code == 0, done.output
    assert done.problems == []  # the data agrees with the corrected archive again: no drift warning


@pytest.mark.parametrize("which", ["first", "second"])
def test_every_version_is_published_as_archived(corrected, which):
    site = getattr(corrected, which)
    expected = {
        "first": {"2014": corrected.v2, "2014-v1": corrected.v1},
        "second": {"2014-v1": corrected.v1, "2014-v2": corrected.v2},
    }[which]
    for folder, archived in expected.items():
        assert hashes(site / folder) == archived, folder
    if which == "second":
        assert hashes(site / "2014") == hashes(corrected.root / "archive" / "2014")


def notices(site: Path, rel: str) -> list[tuple[str, str]]:
    """(text, resolved link) of each 更正 notice on a page."""
    found = []
    for div in load(site, rel).find_all("div", cls="banner-correction"):
        (a,) = div.find_all("a")
        target, _ = resolve_link(rel, a.attrs["href"])
        assert target is not None and (site / target).is_file(), (rel, a.attrs["href"])
        found.append((div.text, target))
    return found


@pytest.mark.parametrize("which", ["first", "second"])
def test_every_corrected_page_shows_the_notice(corrected, which):
    site = getattr(corrected, which)
    expected = [("2016年3月1日", REASON_1, "2014-v1/")]
    if which == "second":
        expected.append(("2017年5月2日", REASON_2, "2014-v2/"))
    pages = year_pages(site, "2014")
    assert len(pages) > 40
    for rel in pages:
        assert_alternates(site, rel)
        found = notices(site, rel)
        assert len(found) == len(expected), rel
        for (text, target), (day, reason, folder) in zip(found, expected, strict=True):
            assert "更正" in text and day in text and reason in text, (rel, text)
            assert target.startswith(folder), (rel, target)
    # An old version shows the corrections made before it, and no others.
    for old in [f for f in ("2014-v1", "2014-v2") if (site / f).is_dir()]:
        for rel in year_pages(site, old):
            assert len(notices(site, rel)) == int(old[-1]) - 1, rel


def test_years_index_mentions_the_corrections(corrected):
    site = corrected.second
    items = load(site, "index.html").find("ul", cls="years").find_all("li")
    assert len(items) == 2  # old versions are not years of their own
    (entry,) = [
        li for li in items if li.find("a", cls="year-title").attrs["href"] == "2014/index.html"
    ]
    for day, reason in (("2016-03-01", REASON_1), ("2017-05-02", REASON_2)):
        assert cn_date(day) in entry.text and reason in entry.text
    targets = {resolve_link("index.html", a.attrs["href"])[0] for a in entry.find_all("a")}
    assert {"2014-v1/index.html", "2014-v2/index.html"} <= targets
    assert all((site / t).is_file() for t in targets)


@pytest.mark.parametrize("old", ["2014-v1", "2014-v2"])
def test_old_versions_link_within_themselves(corrected, old):
    """An old version's pages must show that version: its own rankings, units, data and style."""
    site = corrected.second
    pages = year_pages(site, old)
    assert len(pages) > 40
    for rel in pages:
        targets = assert_links_resolve(site, rel)
        assert not [t for t in targets if t.startswith("2014/")], (
            f"{rel} leads into the corrected version"
        )
    doc = load(site, f"{old}/units/fgw/index.html")
    css = [
        link.attrs["href"] for link in doc.find_all("link") if link.attrs.get("rel") == "stylesheet"
    ]
    assert [resolve_link(f"{old}/units/fgw/index.html", h)[0] for h in css] == [
        f"{old}/static/style.css"
    ]


def test_corrected_year_feeds_the_other_years(corrected):
    """2015 compares with the corrected 2014, and unit histories show the corrected results."""
    site = corrected.second
    r14 = results(site, 2014)
    assert r14 == results(corrected.root / "archive", 2014)
    r15 = results(site, 2015)
    doc = load(site, "2015/units/fgw/index.html")
    delta = int(r14["fgw"]["rank"]) - int(r15["fgw"]["rank"])
    text = f"进{delta}位" if delta > 0 else f"退{-delta}位" if delta < 0 else "名次不变"
    assert text in doc.text
    history = load(site, "units/fgw/index.html").text
    assert decimal_text(r14["fgw"]["total"]) in history


def test_a_lost_old_version_is_an_error(tmp_path, corrected, cli):
    root = copy(corrected.root, tmp_path / "project")
    shutil.rmtree(root / "archive" / "2014-v1")
    done = invoke(cli, root, "check")
    assert done.code == 1, done.output
    assert done.marks() == ["archive/2014/manifest.json:1:1"]
    assert "2014-v1" in done.errors[0]


def test_an_old_version_without_the_current_one_is_an_error(tmp_path, corrected, cli):
    root = copy(corrected.root, tmp_path / "project")
    shutil.rmtree(root / "archive" / "2014")
    done = invoke(cli, root, "check")
    assert done.code == 1, done.output
    marks = done.marks()
    assert "archive/2014-v1:1:1" in marks and "archive/2014-v2:1:1" in marks, marks


def test_tampering_with_an_old_version_is_detected(tmp_path, corrected, cli):
    root = copy(corrected.root, tmp_path / "project")
    flip_byte(root / "archive/2014-v1/index.html")
    done = invoke(cli, root, "check")
    assert done.code == 1, done.output
    assert done.marks() == ["archive/2014-v1/index.html:1:1"]


def test_a_second_correction_with_nothing_changed_is_refused(tmp_path, corrected, cli):
    root = copy(corrected.root, tmp_path / "project")
    before = stats(root / "archive")
    done = invoke(cli, root, "correct", "2014", "--reason", "再次核对")
    assert done.code == 1 and "没有需要更正的内容" in done.output, done.output
    assert stats(root / "archive") == before


def test_an_old_version_no_correction_made_is_an_error(tmp_path, corrected, cli):
    root = copy(corrected.root, tmp_path / "project")
    shutil.copytree(root / "archive" / "2014-v1", root / "archive" / "2014-v5")
    data = manifest(root, "2014-v5")
    data["version"] = 5
    (root / "archive/2014-v5/manifest.json").write_text(json.dumps(data), encoding="utf-8")
    done = invoke(cli, root, "check")
    assert done.code == 1, done.output
    assert done.marks() == ["archive/2014-v5:1:1", "archive/2014-v5/manifest.json.minisig:1:1"]


def test_a_correction_that_fails_midway_leaves_the_archive_as_it_was(frozen_project, monkeypatch):
    change_score(frozen_project, "fgw", "plan", "2")
    before = stats(frozen_project / "archive")

    def broken(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(archiving, "move_version", broken)
    with pytest.raises(OSError):
        correct_year(frozen_project, 2014, "测试")
    assert stats(frozen_project / "archive") == before  # no half-written version, nothing moved
    assert sorted(p.name for p in (frozen_project / "archive").iterdir()) == ["2014"]
