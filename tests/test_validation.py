"""Validation: every rule of the data contract (sections 3-6), each pointing at the offending value.

Two kinds of fixture: the sample project with exactly one fault put in (positions located in the
edited file), and a tiny hand-written project whose positions are stated as literals.
"""

from __future__ import annotations

import os
import shutil

import pytest
from conftest import CJK

PINGDING = "scores/2014/pingding.yaml"
UNITS = "content/2014/units.yaml"
YEAR = "content/2014/year.yaml"
COUNTY = "rubrics/2014/county.yaml"


def only_error(run, mark: str) -> str:
    """The message of the single error printed, asserting it is at `mark`, in Chinese; exit 1."""
    assert run.exit_code == 1, run.output
    assert len(run.errors) == 1, run.output
    messages = run.at(mark)
    assert messages, f"no error at {mark}:\n{run.output}"
    assert CJK.search(messages[0]), messages[0]
    return messages[0]


# -- the sample with one fault, through the command line --------------------------------------


def test_clean_sample_passes(project):
    run = project.check()
    assert run.exit_code == 0, run.output
    assert run.problems == []
    assert "检查通过" in run.output


def test_score_above_maximum(project):
    project.replace(PINGDING, "  plan: 4.5\n", "  plan: 5.5\n")
    message = only_error(project.check(), project.locate(PINGDING, "plan: 5.5", "5.5"))
    assert "plan" in message and "5.5" in message and "满分 5" in message


def test_negative_score(project):
    project.replace(PINGDING, "  cooperation: 5\n", "  cooperation: -1\n")
    message = only_error(project.check(), project.locate(PINGDING, "cooperation: -1", "-1"))
    assert "cooperation" in message and "-1" in message and "负数" in message


def test_three_decimals(project):
    project.replace(PINGDING, "county-progress: 13.72\n", "county-progress: 13.725\n")
    message = only_error(
        project.check(), project.locate(PINGDING, "county-progress: 13.725", "13.725")
    )
    assert "county-progress" in message and "13.725" in message and "最多允许2位" in message


def test_duplicate_key_points_at_second_occurrence(project):
    first = project.locate(PINGDING, "  plan: 4.5\n", "plan")
    project.replace(PINGDING, "  summary: 2.5\n", "  summary: 2.5\n  plan: 4\n")
    message = only_error(project.check(), project.locate(PINGDING, "  plan: 4\n", "plan"))
    assert "重复的键“plan”" in message
    assert f"第{first.split(':')[1]}行" in message  # names where the first one is


def test_gbk_score_file(project):
    text = project.read(PINGDING)
    project.write_bytes(PINGDING, text.encode("gbk"))
    message = only_error(project.check(), f"{PINGDING}:1:1")
    assert "UTF-8" in message and "GBK" in message


def test_unknown_item_id(project):
    project.replace(PINGDING, "  cooperation: 5\n", "  cooperation: 5\n  bonus: 2\n")
    message = only_error(project.check(), project.locate(PINGDING, "  bonus: 2", "bonus"))
    assert "bonus" in message and "county" in message


def test_missing_item_in_published_year_points_at_scores_key(project):
    project.replace(PINGDING, "  meetings: 3\n", "")
    message = only_error(project.check(), project.locate(PINGDING, "\nscores:\n", "scores"))
    assert "meetings" in message


def test_choice_label_not_an_option(project):
    project.replace(PINGDING, "  reporter: 正职\n", "  reporter: 处长\n")
    message = only_error(project.check(), project.locate(PINGDING, "reporter: 处长", "处长"))
    assert "reporter" in message and "处长" in message and "正职、副职、科级" in message


def test_no_where_a_label_is_expected(project):
    project.replace(PINGDING, "  reporter: 正职\n", "  reporter: no\n")
    message = only_error(project.check(), project.locate(PINGDING, "reporter: no", "no"))
    assert "reporter" in message and "“no”" in message and "引号" in message


def test_dimension_not_adding_up_points_at_its_points(project):
    project.replace(COUNTY, "    points: 65\n", "    points: 66\n")
    message = only_error(project.check(), project.locate(COUNTY, "    points: 66\n", "66"))
    assert "key-tasks" in message and "66" in message and "65" in message


def test_unit_without_score_file_in_published_year(project):
    project.remove("scores/2014/swj.yaml")
    message = only_error(project.check(), project.locate(UNITS, "- id: swj\n", "swj"))
    assert "swj" in message and "scores/2014/swj.yaml" in message


def test_all_problems_in_one_run(project):
    project.replace(PINGDING, "  plan: 4.5\n", "  plan: 5.5\n")
    project.replace("scores/2014/swj.yaml", "  plan: 11.7\n", "  plan: 11.705\n")
    project.remove("scores/2014/kjj.yaml")
    run = project.check()
    assert run.exit_code == 1
    assert len(run.errors) == 3, run.output
    assert "3 个错误" in run.output


# -- year.yaml (section 3) --------------------------------------------------------------------


def test_year_must_equal_folder(tiny):
    tiny.replace(YEAR, "year: 2014", "year: 2015")
    message = only_error(tiny.check(), f"{YEAR}:1:7")
    assert "2014" in message and "2015" in message


def test_status_must_be_known(tiny):
    tiny.replace(YEAR, "status: published", "status: publish")
    message = only_error(tiny.check(), f"{YEAR}:3:9")
    assert "“publish”" in message and "draft" in message


@pytest.mark.parametrize("status", ["published", "frozen"])
def test_date_required_when_published(tiny, status):
    tiny.replace(YEAR, "status: published\ndate: 2015-01-20\n", f"status: {status}\n")
    run = tiny.check()  # a frozen year also lacks its archive here, which is another error
    assert run.exit_code == 1
    assert any("date" in m and status in m for m in run.at(f"{YEAR}:1:1")), run.output


def test_date_not_required_in_draft(tiny):
    tiny.replace(YEAR, "status: published\ndate: 2015-01-20\n", "status: draft\n")
    assert tiny.check().exit_code == 0


def test_date_must_be_a_date(tiny):
    tiny.replace(YEAR, "date: 2015-01-20", "date: 2015-02-30")
    message = only_error(tiny.check(), f"{YEAR}:4:7")
    assert "2015-02-30" in message


def test_category_ids_distinct(tiny):
    tiny.write(YEAR, tiny.read(YEAR) + "  - {id: county, title: 县}\n")
    message = only_error(tiny.check(), f"{YEAR}:8:10")
    assert "“county”重复" in message


def test_grades_strictly_decreasing(tiny):
    tiny.write(
        YEAR, tiny.read(YEAR) + "grades:\n  - {name: 优秀, min: 90}\n  - {name: 良好, min: 90}\n"
    )
    message = only_error(tiny.check(), f"{YEAR}:10:21")
    assert "良好" in message and "优秀" in message and "90" in message


def test_unknown_aggregate(tiny):
    tiny.write(YEAR, tiny.read(YEAR) + "aggregate: average\n")
    message = only_error(tiny.check(), f"{YEAR}:8:12")
    assert "“average”" in message and "trimmed-mean" in message


def test_tie_break_dimension_must_be_in_every_rubric(tiny):
    tiny.write(YEAR, tiny.read(YEAR) + "tie_break: [work, daily]\n")
    message = only_error(tiny.check(), f"{YEAR}:8:19")
    assert "daily" in message and "department" in message


def test_tie_break_dimension_in_every_rubric_is_fine(tiny):
    tiny.write(YEAR, tiny.read(YEAR) + "tie_break: [work]\n")
    assert tiny.check().exit_code == 0


def test_unit_listed_in_both_lists(tiny):
    tiny.write(
        YEAR,
        tiny.read(YEAR)
        + "commendation:\n  units:\n    - {unit: a, reason: 表现突出}\n"
        + "rectification:\n  units:\n    - {unit: a, reason: 整改}\n",
    )
    message = only_error(tiny.check(), f"{YEAR}:13:14")
    assert "“a”" in message and "表彰" in message and "整改" in message


def test_listed_unit_must_exist(tiny):
    tiny.write(
        YEAR, tiny.read(YEAR) + "commendation:\n  units:\n    - {unit: zz, reason: 表现突出}\n"
    )
    message = only_error(tiny.check(), f"{YEAR}:10:14")
    assert "“zz”" in message and "units.yaml" in message


def test_commendation_rule_fields_are_checked(tiny):
    tiny.write(YEAR, tiny.read(YEAR) + "commendation:\n  top: 0\n  min_total: 9O\n")
    run = tiny.check()
    assert run.exit_code == 1
    assert any("top" in m for m in run.at(f"{YEAR}:9:8"))
    assert any("9O" in m for m in run.at(f"{YEAR}:10:14"))


def test_weight_out_of_range(tiny):
    tiny.write(YEAR, tiny.read(YEAR) + "weight: 1.5\n")
    message = only_error(tiny.check(), f"{YEAR}:8:9")
    assert "1.5" in message


# -- units.yaml (section 4) -------------------------------------------------------------------


def test_unit_ids_distinct(tiny):
    tiny.replace(UNITS, "- id: b\n", "- id: a\n")
    run = tiny.check()
    assert run.exit_code == 1
    (message,) = run.at(f"{UNITS}:6:7")
    assert "“a”重复" in message and "第1行" in message
    # b.yaml now belongs to no unit, which is true and said where it is.
    assert run.at("scores/2014/b.yaml:1:7")


def test_unknown_category(tiny):
    tiny.replace(UNITS, "  category: reform\n", "  category: topic\n")
    message = only_error(tiny.check(), f"{UNITS}:13:13")
    assert "“topic”" in message and "county、reform" in message


def test_unknown_rubric(tiny):
    tiny.replace(UNITS, "  rubric: department\n", "  rubric: dept\n")
    message = only_error(tiny.check(), f"{UNITS}:14:11")
    assert "“dept”" in message and "rubrics/2014/dept.yaml" in message


def test_unit_id_must_be_safe(tiny):
    tiny.replace(UNITS, "- id: c\n", "- id: C局\n")
    run = tiny.check()
    assert run.exit_code == 1
    (message,) = run.at(f"{UNITS}:11:7")
    assert "C局" in message


def test_attributes_matching_no_variant(tiny):
    tiny.replace(UNITS, "  attributes: {pilot: false}\n", "")
    message = only_error(tiny.check(), f"{UNITS}:6:7")
    assert "乙县" in message and "progress" in message and "没有任何变体" in message


def test_attribute_compared_as_written(tiny):
    tiny.replace(UNITS, "  attributes: {pilot: false}\n", '  attributes: {pilot: "false"}\n')
    message = only_error(tiny.check(), f"{UNITS}:6:7")
    assert "没有任何变体" in message


def test_attributes_matching_two_variants(tiny):
    tiny.replace(COUNTY, "          - when: {pilot: false}\n", "          - when: {size: big}\n")
    tiny.replace(UNITS, "  attributes: {pilot: true}\n", "  attributes: {pilot: true, size: big}\n")
    tiny.replace(
        UNITS, "  attributes: {pilot: false}\n", "  attributes: {pilot: false, size: big}\n"
    )
    message = only_error(tiny.check(), f"{UNITS}:1:7")
    assert "甲县" in message and "progress" in message and "2个变体" in message


def test_attribute_yes_is_refused_without_follow_up_errors(tiny):
    tiny.replace(UNITS, "  attributes: {pilot: true}\n", "  attributes: {pilot: yes}\n")
    message = only_error(tiny.check(), f"{UNITS}:5:23")
    assert "“yes”" in message


# -- rubrics (section 5) ----------------------------------------------------------------------


def test_rubric_total_must_match(tiny):
    tiny.replace(COUNTY, "total: 10\n", "total: 11\n")
    message = only_error(tiny.check(), f"{COUNTY}:3:8")
    assert "11" in message and "10" in message


def test_dimension_points_must_match(tiny):
    tiny.replace(COUNTY, "    points: 6\n", "    points: 7\n")
    message = only_error(tiny.check(), f"{COUNTY}:7:13")
    assert "work" in message and "2 + 4 = 6" in message


def test_ids_in_rubric_distinct(tiny):
    tiny.replace(COUNTY, "      - id: innovation\n", "      - id: plan\n")
    message = only_error(tiny.check(), f"{COUNTY}:28:13")
    assert "“plan”重复" in message and "第9行" in message


def test_item_id_may_not_repeat_a_dimension_id(tiny):
    tiny.replace(COUNTY, "      - id: innovation\n", "      - id: work\n")
    message = only_error(tiny.check(), f"{COUNTY}:28:13")
    assert "“work”重复" in message and "第5行" in message


def test_option_points_within_item_points(tiny):
    tiny.replace(COUNTY, "options: {正职: 2, 副职: 1}", "options: {正职: 3, 副职: 1}")
    message = only_error(tiny.check(), f"{COUNTY}:27:23")
    assert "正职" in message and "3" in message and "0 到评分项分值 2" in message


def test_negative_option_points(tiny):
    tiny.replace(COUNTY, "options: {正职: 2, 副职: 1}", "options: {正职: 2, 副职: -1}")
    message = only_error(tiny.check(), f"{COUNTY}:27:30")
    assert "副职" in message and "-1" in message


@pytest.mark.parametrize("kind, line", [("choice", 23), ("best-of", 28)])
def test_choice_and_best_of_need_options(tiny, kind, line):
    if kind == "choice":
        tiny.replace(COUNTY, "        options: {正职: 2, 副职: 1}\n", "")
    else:
        tiny.replace(COUNTY, "        options: {一类: 2, 二类: 2}\n", "")
    message = only_error(tiny.check(), f"{COUNTY}:{line}:13")
    assert kind in message and "options" in message


def test_variant_or_item_needs_a_title(tiny):
    tiny.replace(COUNTY, "            title: 其他县推进情况\n", "")
    message = only_error(tiny.check(), f"{COUNTY}:17:13")
    assert "progress" in message and "title" in message


def test_rubric_id_must_equal_file_stem(tiny):
    tiny.replace(COUNTY, "id: county\n", "id: county2\n")
    # One error: units using the rubric are not also told that it does not exist.
    message = only_error(tiny.check(), f"{COUNTY}:1:5")
    assert "county2" in message and "county" in message


def test_unknown_item_type(tiny):
    tiny.replace(COUNTY, "        type: choice\n", "        type: single\n")
    message = only_error(tiny.check(), f"{COUNTY}:26:15")
    assert "“single”" in message


# -- score files (section 6) ------------------------------------------------------------------

A = "scores/2014/a.yaml"


def test_score_file_unit_must_equal_stem(tiny):
    tiny.replace(A, "unit: a\n", "unit: b\n")
    message = only_error(tiny.check(), f"{A}:1:7")
    assert "“a”" in message and "“b”" in message


def test_score_file_for_unknown_unit(tiny):
    tiny.write("scores/2014/d.yaml", "unit: d\nscores:\n  plan: 1\n")
    message = only_error(tiny.check(), "scores/2014/d.yaml:1:7")
    assert "“d”" in message and "units.yaml" in message


def test_best_of_duplicate_labels(tiny):
    tiny.replace(A, "innovation: [一类]", "innovation: [一类, 一类]")
    message = only_error(tiny.check(), f"{A}:6:20")
    assert "innovation" in message and "“一类”重复" in message


def test_best_of_must_be_a_list(tiny):
    tiny.replace(A, "innovation: [一类]", "innovation: 一类")
    message = only_error(tiny.check(), f"{A}:6:15")
    assert "innovation" in message and "[一类]" in message and "“一类”" in message


def test_best_of_unknown_label(tiny):
    tiny.replace(A, "innovation: [一类]", "innovation: [一类, 三类]")
    message = only_error(tiny.check(), f"{A}:6:20")
    assert "“三类”" in message and "一类、二类" in message


def test_experts_must_not_be_empty(tiny):
    tiny.replace(A, "progress: 3.5", "progress: {experts: []}")
    message = only_error(tiny.check(), f"{A}:4:23")
    assert "progress" in message and "experts" in message


def test_expert_mark_out_of_range(tiny):
    tiny.replace(A, "progress: 3.5", "progress: {experts: [3, 4.5]}")
    message = only_error(tiny.check(), f"{A}:4:27")
    assert "progress" in message and "4.5" in message and "满分 4" in message


def test_trimmed_mean_needs_three_experts(tiny):
    tiny.write(YEAR, tiny.read(YEAR) + "aggregate: trimmed-mean\n")
    tiny.replace(A, "progress: 3.5", "progress: {experts: [3, 3.5]}")
    message = only_error(tiny.check(), f"{A}:4:23")
    assert "progress" in message and "2 个" in message and "3" in message


def test_experts_mapping_refuses_other_keys(tiny):
    tiny.replace(A, "progress: 3.5", "progress: {expert: [3]}")
    run = tiny.check()
    assert run.exit_code == 1
    assert any("是否想写“experts”" in m for m in run.at(f"{A}:4:14"))


def test_unknown_field_with_suggestion(tiny):
    tiny.write(A, tiny.read(A) + "note:\n  plan: 方案按时出台\n")
    message = only_error(tiny.check(), f"{A}:7:1")
    assert "“note”" in message and "是否想写“notes”" in message


def test_unknown_field_in_units_with_suggestion(tiny):
    tiny.replace(
        UNITS, "  attributes: {pilot: false}\n", "  attributes: {pilot: false}\n  grop: 1\n"
    )
    message = only_error(tiny.check(), f"{UNITS}:11:3")
    assert "“grop”" in message and "是否想写“group”" in message


def test_misspelt_item_is_suggested_and_reported_missing(tiny):
    tiny.replace(A, "  plan: 2\n", "  pln: 2\n")
    run = tiny.check()
    assert run.exit_code == 1
    (unknown,) = run.at(f"{A}:3:3")
    assert "“pln”" in unknown and "是否想写“plan”" in unknown
    (missing,) = run.at(f"{A}:2:1")
    assert "plan" in missing


def test_notes_must_name_items(tiny):
    tiny.write(A, tiny.read(A) + "notes:\n  pln: 方案按时出台\n")
    message = only_error(tiny.check(), f"{A}:8:3")
    assert "“pln”" in message


# -- draft and published years ----------------------------------------------------------------


def make_gaps(tiny, status: str) -> None:
    tiny.replace(YEAR, "status: published\n", f"status: {status}\n")
    tiny.write(
        YEAR,
        tiny.read(YEAR) + "commendation:\n  top: 1\n  units:\n    - {unit: a, reason: 表现突出}\n",
    )
    tiny.remove("scores/2014/c.yaml")
    tiny.replace(A, "  plan: 2\n", "")


def test_draft_gaps_are_warnings_and_units_unscored(tiny):
    make_gaps(tiny, "draft")
    run = tiny.check()
    assert run.exit_code == 0, run.output
    assert run.errors == []
    assert len(run.warnings) == 2
    (no_file,) = run.at(f"{UNITS}:11:7", "warning")
    assert "丙局" in no_file and "scores/2014/c.yaml" in no_file
    (missing,) = run.at(f"{A}:2:1", "warning")
    assert "plan" in missing

    results = tiny.results()
    a, b, c = (results.result(u) for u in "abc")
    for unscored in (a, c):
        assert not unscored.scored
        assert unscored.total is None and unscored.rank is None and unscored.grade is None
        assert not unscored.tied and not unscored.commended and not unscored.rectify
        assert unscored.commendation_reason is None and unscored.rectification_reason is None
    assert b.scored and b.rank == 1 and b.commended  # the only scored county unit is first
    assert [r.unit.id for r in results.commended] == ["b"]  # a is listed, but not yet scored


def test_published_gaps_are_errors(tiny):
    make_gaps(tiny, "published")
    run = tiny.check()
    assert run.exit_code == 1
    assert run.warnings == []
    assert len(run.errors) == 2
    assert run.at(f"{UNITS}:11:7") and run.at(f"{A}:2:1")


def test_draft_values_present_must_still_be_valid(tiny):
    tiny.replace(YEAR, "status: published\n", "status: draft\n")
    tiny.replace(A, "  plan: 2\n", "  plan: 2.555\n")
    only_error(tiny.check(), f"{A}:3:9")


# -- one fault, one message: no follow-up errors about things that are fine --------------------


def test_unreadable_units_file_is_one_error(project):
    project.write_bytes(UNITS, project.read(UNITS).encode("gbk"))
    message = only_error(project.check(), f"{UNITS}:1:1")
    assert "GBK" in message


def test_units_file_not_a_list_is_one_error(tiny):
    tiny.write(UNITS, "id: a\nname: 甲县\n")
    message = only_error(tiny.check(), f"{UNITS}:1:1")
    assert "列表" in message


def test_broken_rubric_is_reported_once(project):
    project.replace("rubrics/2014/department.yaml", "total: 100\n", "total: 10O\n")
    message = only_error(
        project.check(), project.locate("rubrics/2014/department.yaml", "total: 10O", "10O")
    )
    assert "“10O”" in message


def test_every_problem_is_one_line(tiny):
    tiny.replace(A, "  plan: 2\n", "  plan: |\n    2\n    3\n")
    tiny.replace(A, "  reporter: 正职\n", '  reporter: "正\\n职"\n')
    run = tiny.check()
    assert run.exit_code == 1
    assert len(run.errors) == 2, run.output
    (plan,) = run.at(f"{A}:3:9")
    assert "plan" in plan and "2↵3" in plan and "多行" in plan
    (reporter,) = run.at(f"{A}:7:13")
    assert "正↵职" in reporter


def test_wrong_extension_is_reported_once(tiny):
    tiny.path("scores/2014/c.yaml").rename(tiny.path("scores/2014/c.yml"))
    run = tiny.check()
    assert run.exit_code == 1
    (extension,) = run.at("scores/2014/c.yml:1:1")
    assert "c.yaml" in extension
    (no_file,) = run.at(f"{UNITS}:11:7")
    assert "scores/2014/c.yaml" in no_file
    assert len(run.errors) == 2


# -- links out of the project ------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links on this system")
def test_a_score_file_linking_outside_the_project_is_refused(project, tmp_path):
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text(project.read("scores/2014/pingding.yaml"), encoding="utf-8")
    link = project.path("scores/2014/pingding.yaml")
    link.unlink()
    link.symlink_to(outside)
    run = project.check()
    assert run.exit_code == 1
    assert run.at("scores/2014/pingding.yaml:1:1") == [
        "这个文件是指向项目之外的链接，出于安全考虑拒绝读取。"
    ]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links on this system")
def test_a_folder_linking_outside_the_project_is_refused(project, tmp_path):
    outside = tmp_path / "rubrics-elsewhere"
    shutil.move(str(project.path("rubrics/2014")), outside)
    project.path("rubrics/2014").symlink_to(outside, target_is_directory=True)
    run = project.check()
    assert run.exit_code == 1
    refused = [p for p in run.errors if "指向项目之外的链接" in p]
    assert {p.split(":")[0] for p in refused} == {
        "rubrics/2014/county.yaml",
        "rubrics/2014/department.yaml",
    }


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links on this system")
def test_a_link_inside_the_project_is_read(project):
    original = project.path("scores/2014/pingding.yaml")
    kept = project.path("scores/pingding-original.yaml.txt")
    original.rename(kept)
    original.symlink_to(kept)
    assert project.check().exit_code == 0
