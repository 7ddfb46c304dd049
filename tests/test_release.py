"""Release safety: no year goes out before its date, and a year may publish grades only."""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta
from io import BytesIO

import openpyxl
from click.testing import CliRunner
from conftest import REPO

from bulletin.load import load_project
from bulletin.release import ahead

BULLETIN = "content/2014/bulletin.md"
YEAR = "content/2014/year.yaml"


def build(project, out, *args: str):
    shutil.copytree(REPO / "theme", project.root / "theme", dirs_exist_ok=True)
    return CliRunner().invoke(
        project.cli, ["build", "--out", str(out), *args], env={"BULLETIN_ROOT": str(project.root)}
    )


def dated(project, day: date) -> None:
    project.replace(BULLETIN, "date: 2015-01-20\n", f"date: {day.isoformat()}\n")


# -- a year dated after today ------------------------------------------------------------------


def test_build_refuses_a_published_year_dated_after_today(project, tmp_path):
    tomorrow = date.today() + timedelta(days=1)
    dated(project, tomorrow)
    out = tmp_path / "site"
    run = build(project, out)
    assert run.exit_code == 1
    assert (
        f"{BULLETIN}:5:7: error: 2014年度已设为 published，但通报日期 {tomorrow.isoformat()} 还没有到"
        f"（今天是 {date.today().isoformat()}）：为免提前公开，不生成这一年度。到日期后再生成；"
        "如确需提前发布，请用 python build.py build --allow-future。"
    ) in run.output
    assert not out.exists()  # nothing written


def test_allow_future_publishes_it_without_a_banner(project, tmp_path):
    dated(project, date.today() + timedelta(days=30))
    out = tmp_path / "site"
    run = build(project, out, "--allow-future")
    assert run.exit_code == 0, run.output
    assert "未到发布日期" not in (out / "2014/index.html").read_text(encoding="utf-8")


def test_a_preview_shows_it_with_a_banner(project, tmp_path):
    day = date.today() + timedelta(days=30)
    dated(project, day)
    out = tmp_path / "preview"
    run = build(project, out, "--drafts", "--allow-future")
    assert run.exit_code == 0, run.output
    page = (out / "2014/units/pingding/index.html").read_text(encoding="utf-8")
    assert (
        f"<strong>未到发布日期</strong>2014年度通报的日期是{day.year}年{day.month}月{day.day}日"
        in page
    )


def test_today_is_not_ahead(project):
    dated(project, date(2030, 5, 20))
    project_data, _ = load_project(project.root)
    assert ahead(project_data, date(2030, 5, 20)) == {}
    assert ahead(project_data, date(2030, 5, 19)) == {2014: date(2030, 5, 20)}


def test_drafts_are_never_refused_for_their_date(project, tmp_path):
    dated(project, date.today() + timedelta(days=3))
    project.replace(YEAR, "status: published", "status: draft")
    assert build(project, tmp_path / "site").exit_code == 0


# -- grades only -------------------------------------------------------------------------------


def grades_only_site(project, tmp_path):
    project.replace(YEAR, "aggregate: mean\n", "aggregate: mean\npublish: grades\n")
    out = tmp_path / "site"
    run = build(project, out)
    assert run.exit_code == 0, run.output
    return out


def test_grades_only_pages_hold_no_score(project, tmp_path):
    normal = tmp_path / "normal"
    assert build(project, normal).exit_code == 0
    units = json.loads((normal / "2014/results.json").read_text(encoding="utf-8"))["units"]
    pingding = units[0]
    out = grades_only_site(project, tmp_path)
    unit = (out / f"2014/units/{pingding['id']}/index.html").read_text(encoding="utf-8")
    assert pingding["grade"] in unit and f"第{pingding['rank']}名" in unit
    assert '<table class="scores">' not in unit and "<dt>总分</dt>" not in unit
    assert "位专家评分" not in unit
    totals = {str(u["total"]) for u in units if "." in str(u["total"])}
    assert len(totals) > 20
    for page in (out / "2014").rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert 'class="num total"' not in text and "本类平均" not in text, page
        assert "各项得分" not in text and "得分、名次" not in text, page
        assert not [t for t in totals if f">{t}<" in text or f"得分{t}" in text], page
    ranking = (out / "2014/rankings/county/index.html").read_text(encoding="utf-8")
    assert "等次" in ranking and "<svg" not in ranking
    history = (out / f"units/{pingding['id']}/index.html").read_text(encoding="utf-8")
    assert pingding["total"] is not None and str(pingding["total"]) not in history


def test_grades_only_open_data(project, tmp_path):
    out = grades_only_site(project, tmp_path)
    data = json.loads((out / "2014/results.json").read_text(encoding="utf-8"))
    assert data["publish"] == "grades"
    for unit in data["units"]:
        assert unit["total"] is None and unit["weighted"] is None
        assert unit["dimensions"] == {} and unit["items"] == {}
        assert unit["grade"] and unit["rank"]
        for reason in (unit["commendation_reason"], unit["rectification_reason"]):
            assert reason is None or "得分" not in reason
    header = (out / "2014/results.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.split(",") == [
        "id",
        "name",
        "category",
        "rubric",
        "scored",
        "rank",
        "tied",
        "grade",
        "commended",
        "commendation_reason",
        "rectify",
        "rectification_reason",
    ]
    wb = openpyxl.load_workbook(BytesIO((out / "2014/results.xlsx").read_bytes()))
    assert wb.sheetnames == ["说明", "县(区)", "重大改革", "重大事项", "重大课题"]
    heads = [c.value for c in wb["县(区)"][1]]
    assert "得分" not in heads and "等级" in heads


def test_publish_must_be_known_and_needs_grades(project):
    project.replace(YEAR, "aggregate: mean\n", "aggregate: mean\npublish: grade\n")
    run = project.check()
    where = project.locate(YEAR, "publish: grade", "grade")
    assert run.at(where) == [
        "publish 应为 scores（公布得分和等次）或 grades（只公布等次和名次），实际是“grade”。"
    ]
    text = project.read(YEAR).replace("publish: grade\n", "publish: grades\n")
    start, end = text.index("grades:\n"), text.index("aggregate:")
    project.write(YEAR, text[:start] + text[end:])
    run = project.check()
    assert run.at(project.locate(YEAR, "publish: grades", "grades")) == [
        "publish: grades 只公布等次，本年度还必须设置等次 grades。"
    ]
