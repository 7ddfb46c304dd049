"""Messages a non-programmer can act on: each at its position, in words staff can follow."""

from __future__ import annotations

import re

from conftest import CJK

PINGDING = "scores/2014/pingding.yaml"
YEAR = "content/2014/year.yaml"
KUANGQU = "scores/2014/kuangqu.yaml"


def test_full_width_colon_in_the_middle_of_a_mapping(project):
    project.replace(PINGDING, "  plan: 4.5\n", "  plan：4.5\n")
    run = project.check()
    assert run.exit_code == 1
    assert run.errors == [
        f"{project.locate(PINGDING, 'plan：4.5', 'plan')}: error: “plan”后面是全角冒号“：”，"
        "YAML不认：请改为半角冒号“:”，冒号后加一个空格，写成“plan: 4.5”。"
    ]


def test_full_width_colon_on_the_last_line(project):
    text = project.read(PINGDING)
    project.write(PINGDING, text.rstrip("\n") + "\nopinion：很好\n")
    run = project.check()
    line = len(text.rstrip("\n").splitlines()) + 1
    assert run.errors == [
        f"{PINGDING}:{line}:1: error: “opinion”后面是全角冒号“：”，"
        "YAML不认：请改为半角冒号“:”，冒号后加一个空格，写成“opinion: 很好”。"
    ]


def test_full_width_colon_as_the_only_entry(tiny):
    tiny.write("scores/2014/a.yaml", "unit: a\nscores:\n  plan：2\n")
    (problem,) = [p for p in tiny.problems() if "error" in p]
    assert problem == (
        "scores/2014/a.yaml:3:3: error: “plan”后面是全角冒号“：”，"
        "YAML不认：请改为半角冒号“:”，冒号后加一个空格，写成“plan: 2”。"
    )


def test_chinese_text_with_a_full_width_colon_is_fine(project):
    project.replace(PINGDING, "opinion: |\n", "opinion: |\n  说明：以下为考核意见。\n")
    assert project.check().exit_code == 0


def test_no_english_parser_text_left_in_yaml_errors(project):
    project.replace(PINGDING, "  plan: 4.5\n", "  plan: [4.5\n")
    run = project.check()
    (error,) = run.errors
    assert error.startswith(f"{PINGDING}:")
    message = error.split(": error: ", 1)[1]
    assert message == "YAML格式错误：方括号或花括号没有配对。"
    assert not re.search(r"[A-Za-z]{3,}", message.replace("YAML", ""))


def test_yaml_errors_never_end_in_english(project):
    for bad in ("  plan: 4.5: 3\n", "  plan: 'x\n", '  plan: "x\n', "- plan\n"):
        fresh = project.read(PINGDING)
        project.replace(PINGDING, "  plan: 4.5\n", bad)
        run = project.check()
        assert run.exit_code == 1, bad
        for error in run.errors:
            message = error.split(": error: ", 1)[1]
            assert CJK.search(message) and message.endswith("。"), error
            assert not re.search(r"[A-Za-z]{4,}", message.replace("YAML", "")), error
        project.write(PINGDING, fresh)


def test_score_file_name_in_the_wrong_case(project):
    project.path(KUANGQU).rename(project.path("scores/2014/Kuangqu.yaml"))
    run = project.check()
    assert run.exit_code == 1
    assert run.errors == [
        "scores/2014/Kuangqu.yaml:1:1: error: 评分文件名“Kuangqu.yaml”的大小写不对：单位编号是"
        "“kuangqu”，请把文件改名为“kuangqu.yaml”（文件名一律用小写字母）。"
    ]
    assert not [w for w in run.warnings if "kuangqu" in w]  # not also "has no score file"


def test_bulletin_file_name_in_the_wrong_case(project):
    project.path("content/2014/bulletin.md").rename(project.path("content/2014/Bulletin.md"))
    run = project.check()
    assert run.errors == [
        "content/2014/Bulletin.md:1:1: error: 页面文件名“Bulletin.md”的大小写不对："
        "请改名为“bulletin.md”（文件名一律用小写字母）。"
    ]


def test_year_file_name_in_the_wrong_case(project):
    project.path(YEAR).rename(project.path("content/2014/Year.yaml"))
    run = project.check()
    assert run.errors[0] == (
        "content/2014/year.yaml:1:1: error: 2014年度缺少年度设置文件 year.yaml。文件夹中有“Year.yaml”，"
        "但文件名的大小写不对：请改名为“year.yaml”（文件名一律用小写字母）。"
    )


def test_invalid_year_file_does_not_hide_the_other_errors(project):
    project.replace(YEAR, "status: published", "status: publish")
    project.replace(PINGDING, "  plan: 4.5\n", "  plan: 5.5\n")
    run = project.check()
    assert run.exit_code == 1
    status = project.locate(YEAR, "status: publish", "publish")
    assert run.at(status) == ["status 应为 draft、published 或 frozen 之一，实际是“publish”。"]
    score = project.locate(PINGDING, "plan: 5.5", "5.5")
    (message,) = run.at(score)
    assert "超过满分 5" in message
    # the summary still names the year, and says why its units are not counted
    summary = run.output.splitlines()[-1]
    assert summary == (
        "检查未通过：1 个年度（2014，其中 2014 年度的年度设置 year.yaml 有错误，单位数未计入），"
        "0 个单位，2 个错误，0 个警告。"
    )


def test_unreadable_year_file_still_checks_the_scores(project):
    project.write(YEAR, "year: 2014\ntitle: [\n")
    project.replace(PINGDING, "  plan: 4.5\n", "  plan: 五\n")
    run = project.check()
    assert any(e.startswith(f"{YEAR}:") for e in run.errors)
    assert run.at(project.locate(PINGDING, "plan: 五", "五"))
    assert "（2014，其中 2014 年度" in run.output.splitlines()[-1]


def test_missing_items_are_named_by_whole_words(project):
    for item in ("  plan: 4.5\n", "  cooperation: 5\n"):
        project.replace(PINGDING, item, "")
    project.replace(YEAR, "status: published", "status: draft")
    run = project.check()
    where = project.locate(PINGDING, "scores:", "scores")
    (message,) = run.at(where, "warning")
    assert message == (
        "还缺 2 个评分项：plan（县级转型综改《行动计划》按规定时限编制出台情况）、"
        "cooperation（省、市、县合作情况…）；该单位暂按“尚未评分”显示。"
    )
