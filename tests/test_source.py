"""The strict YAML loader: every scalar kept as written with its position, typed by the contract.

Every bad input must give one clear Chinese message at the offending position: never a
traceback, never a silently odd value.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from conftest import CJK

from bulletin import source, values
from bulletin.problems import Mark, Report
from bulletin.source import Mapping, ParseFailure, Scalar, Sequence

A = "scores/2014/a.yaml"


def parse(text: str) -> source.Node:
    return source.parse(text, "x.yaml")


def failure(text: str) -> ParseFailure:
    with pytest.raises(ParseFailure) as caught:
        parse(text)
    assert CJK.search(caught.value.message), caught.value.message
    return caught.value


def value_of(text: str) -> source.Node:
    """The value of the one key of a one-line document."""
    node = parse(text)
    assert isinstance(node, Mapping)
    return node.entries[0][1]


def typed(convert, written: str, what: str = "评分项“plan”"):
    """Type the value written after `a: ` with `convert`; return (value, problem lines)."""
    report = Report()
    value = convert(value_of(f"a: {written}\n"), report, what)
    return value, [str(p) for p in report.problems]


# -- nodes and positions ----------------------------------------------------------------------


def test_scalars_keep_their_text_and_position():
    node = parse("unit: pingding\nscores:\n  plan: 27.50\n  reporter: '正职'\n  list: [a, b]\n")
    assert isinstance(node, Mapping)
    scores = node.get("scores")
    assert isinstance(scores, Mapping)
    plan = scores.get("plan")
    assert plan == Scalar("27.50", True, Mark("x.yaml", 3, 9))
    assert scores.get("reporter") == Scalar("正职", False, Mark("x.yaml", 4, 13))
    listed = scores.get("list")
    assert isinstance(listed, Sequence) and listed.mark == Mark("x.yaml", 5, 9)
    assert [i.mark.col for i in listed.items] == [10, 13]
    assert node.key("scores") == Scalar("scores", True, Mark("x.yaml", 2, 1))


def test_columns_count_characters_not_bytes():
    node = parse("名称: 平定县\n")
    assert isinstance(node, Mapping)
    assert node.entries[0][1].mark == Mark("x.yaml", 1, 5)


def test_decimal_is_exact_as_written():
    value, problems = typed(values.as_decimal, "27.5")
    assert value == Decimal("27.5") and str(value) == "27.5" and problems == []
    value, problems = typed(values.as_decimal, "27.50")
    assert value == Decimal("27.5") and problems == []
    value, problems = typed(values.as_decimal, "0.1")
    assert value == Decimal("0.1") and problems == []


def test_utf8_bom_is_fine(tmp_path: Path):
    path = tmp_path / "a.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + "unit: a\n名称: 甲\n".encode())
    report = Report()
    node = source.load(path, "a.yaml", report)
    assert report.problems == []
    assert isinstance(node, Mapping)
    assert [k.text for k, _ in node.entries] == ["unit", "名称"]
    assert node.entries[0][0].mark == Mark("a.yaml", 1, 1)


def test_chinese_paragraph_indent_inside_block_text_is_fine():
    # Chinese prose starts paragraphs with two full-width spaces; inside `|` that is content.
    node = parse("opinion: |\n  \u3000\u3000第一段。\n  \u3000\u3000第二段。\nplan: 5\n")
    assert isinstance(node, Mapping)
    opinion = node.get("opinion")
    assert isinstance(opinion, Scalar)
    assert opinion.text == "\u3000\u3000第一段。\n\u3000\u3000第二段。\n"


# -- file encodings ---------------------------------------------------------------------------

TEXT = "unit: a\nscores:\n  plan: 2\n  reporter: 正职\n"


@pytest.mark.parametrize(
    "encoding, expected",
    [
        ("gbk", "GBK"),
        ("utf-16", "UTF-16"),  # with BOM, as Windows Notepad writes "Unicode"
        ("utf-16-le", "UTF-16"),  # without BOM
        ("utf-16-be", "UTF-16"),
        ("utf-32", "UTF-32"),
    ],
)
def test_other_encodings_are_refused_at_line_1(tmp_path: Path, encoding: str, expected: str):
    path = tmp_path / "a.yaml"
    path.write_bytes(TEXT.encode(encoding))
    report = Report()
    assert source.load(path, "scores/2014/a.yaml", report) is None
    (problem,) = report.problems
    assert problem.mark == Mark("scores/2014/a.yaml", 1, 1)
    assert expected in problem.message and "UTF-8" in problem.message
    assert CJK.search(problem.message)


def test_undecodable_byte_line_is_named(tmp_path: Path):
    path = tmp_path / "a.yaml"
    path.write_bytes(b"unit: a\nscores:\n  reporter: \xff\xfe\xfd\n")
    report = Report()
    assert source.load(path, "a.yaml", report) is None
    (problem,) = report.problems
    assert problem.mark == Mark("a.yaml", 1, 1) and "第3行" in problem.message


# -- YAML features the contract does not use ---------------------------------------------------


@pytest.mark.parametrize(
    "text, mark, named",
    [
        ("a: &x 5\nb: 6\n", (1, 4), "&x"),
        ("a: 5\nb: *x\n", (2, 4), "*x"),  # an unknown alias is still refused as an alias
        ("base: {p: 1}\nother:\n  <<: {p: 2}\n", (3, 3), "<<"),
        ("a: !!python/object:os.system {}\n", (1, 4), "!!python/object:os.system"),
        ("a: !!python/object/apply:os.system [ls]\n", (1, 4), "!!python/object/apply:os.system"),
        ("a: !!binary aGVsbG8=\n", (1, 4), "!!binary"),
        ("a: !!set {x, y}\n", (1, 4), "!!set"),
        ("a: !!float 5\n", (1, 4), "!!float"),
        ("a: !custom 5\n", (1, 4), "!custom"),
    ],
)
def test_yaml_features_refused(text: str, mark: tuple[int, int], named: str):
    problem = failure(text)
    assert (problem.mark.line, problem.mark.col) == mark
    assert named in problem.message


def test_anchor_and_alias_pair_is_refused_at_the_anchor():
    problem = failure("a: &x 5\nb: *x\n")
    assert problem.mark == Mark("x.yaml", 1, 4) and "锚点" in problem.message


def test_two_documents():
    problem = failure("unit: a\n---\nunit: b\n")
    assert problem.mark == Mark("x.yaml", 2, 1) and "一个YAML文档" in problem.message


def test_one_explicit_document_is_fine():
    assert isinstance(parse("---\nunit: a\n...\n"), Mapping)


@pytest.mark.parametrize("text", ["", "\n\n", "# 只有注释\n# 还是注释\n", "---\n", "~\n"])
def test_empty_or_comments_only_file(text: str):
    problem = failure(text)
    assert problem.mark == Mark("x.yaml", 1, 1) and "文件为空" in problem.message


@pytest.mark.parametrize("depth", [40, 10_000])
def test_deep_nesting(depth: int):
    problem = failure("a: " + "[" * depth + "]" * depth + "\n")
    assert problem.mark.line == 1
    assert "嵌套层数" in problem.message


def test_deep_block_nesting():
    text = "".join("  " * level + f"k{level}:\n" for level in range(40)) + "  " * 40 + "v\n"
    problem = failure(text)
    assert "嵌套层数" in problem.message


def test_duplicate_key_in_nested_mapping():
    problem = failure("scores:\n  plan: 1\n  summary: 2\n  plan: 3\n")
    assert problem.mark == Mark("x.yaml", 4, 3)
    assert "“plan”" in problem.message and "第2行" in problem.message


def test_same_key_in_different_mappings_is_fine():
    assert isinstance(parse("a: {plan: 1}\nb: {plan: 2}\n"), Mapping)


@pytest.mark.parametrize(
    "text, mark, name",
    [
        ("scores:\n\u3000\u3000plan: 5\n", (2, 1), "全角空格"),
        ("scores:\n  \u3000plan: 5\n", (2, 3), "全角空格"),
        ("scores:\n  plan: 5\n\u3000summary: 3\n", (3, 1), "全角空格"),
        ("scores:\n\u00a0\u00a0plan: 5\n", (2, 1), "不换行空格"),
        ("list:\n  - \u3000a: 1\n", (2, 5), "全角空格"),
        ("a:\n  b: 1\n \u3000 c:\n    - 1\n", (3, 2), "全角空格"),
    ],
)
def test_odd_spaces_in_indentation(text: str, mark: tuple[int, int], name: str):
    problem = failure(text)
    assert (problem.mark.line, problem.mark.col) == mark
    assert name in problem.message and "缩进" in problem.message


def test_odd_spaces_after_a_block_text_are_still_found():
    problem = failure("opinion: |\n  \u3000\u3000正文\nscores:\n\u3000plan: 5\n  x: [\n")
    assert problem.mark == Mark("x.yaml", 4, 1) and "全角空格" in problem.message


@pytest.mark.parametrize(
    "text, line", [("scores:\n\tplan: 5\n", 2), ("scores:\n  plan: 5\n\t  summary: 3\n", 3)]
)
def test_tab_indentation(text: str, line: int):
    problem = failure(text)
    assert problem.mark.line == line and "Tab" in problem.message


def test_broken_syntax_gives_a_chinese_hint():
    problem = failure("scores:\n  plan: [1, 2\n")
    assert "YAML格式错误" in problem.message


def test_front_matter_positions_are_offset():
    with pytest.raises(ParseFailure) as caught:
        source.parse("title: a\ntitle: b\n", "content/2014/bulletin.md", line_offset=1)
    assert caught.value.mark == Mark("content/2014/bulletin.md", 3, 1)


# -- typing scalars ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written", ["yes", "no", "on", "off", "Yes", "NO", "y", "True", "1", "'true'"]
)
def test_booleans_only_true_or_false(written: str):
    value, problems = typed(values.as_bool, written, "sample")
    assert value is None
    (problem,) = problems
    assert problem.startswith("x.yaml:1:4: error: sample")
    assert f"“{written.strip(chr(39))}”" in problem and CJK.search(problem)


def test_quoted_true_is_told_not_to_quote():
    _, (problem,) = typed(values.as_bool, "'true'", "sample")
    assert "不要加引号" in problem and "yes/no" not in problem


@pytest.mark.parametrize("written, expected", [("true", True), ("false", False)])
def test_booleans(written: str, expected: bool):
    assert typed(values.as_bool, written, "sample") == (expected, [])


@pytest.mark.parametrize(
    "written, shown, explanation",
    [
        ("1:30", "1:30", "六十进制"),
        ("012", "012", "八进制"),
        ("2015-01-20", "2015-01-20", "日期"),
        (".nan", ".nan", "有限"),
        (".NaN", ".NaN", "有限"),
        (".inf", ".inf", "有限"),
        ("-.inf", "-.inf", "有限"),
        ("８５", "８５", "半角数字“85”"),
        ("８５．５", "８５．５", "半角数字“85.5”"),
        ("85,5", "85,5", "逗号"),
        ("1_000", "1_000", "下划线"),
        ("1e3", "1e3", "科学计数法"),
        ("0x1F", "0x1F", "不是数字"),
        ("+5", "+5", "普通小数"),
        (".5", ".5", "普通小数"),
        ("5.", "5.", "普通小数"),
        ("85\u00a0", "85\u00a0", "不换行空格"),
        ("85分", "85分", "不要写“分”，例如 85"),
        ("4.5 分", "4.5 分", "不要写“分”，例如 4.5"),
        ("90%", "90%", "不要写“%”"),
        ("true", "true", "不是数字"),
        ("no", "no", "不是数字"),
    ],
)
def test_numbers_only_plain_decimals(written: str, shown: str, explanation: str):
    value, problems = typed(values.as_decimal, written)
    assert value is None
    (problem,) = problems
    assert problem.startswith("x.yaml:1:4: error: 评分项“plan”")
    assert f"“{shown}”" in problem and explanation in problem


@pytest.mark.parametrize("written", ['"85"', "'85'", "'2.5'"])
def test_quoted_numbers(written: str):
    value, (problem,) = typed(values.as_decimal, written)
    assert value is None
    assert "不要加引号" in problem and f"“{written[1:-1]}”" in problem


def test_three_decimals():
    value, (problem,) = typed(values.as_decimal, "1.250")
    assert value is None and "“1.250”" in problem and "3位小数" in problem


def test_missing_number():
    value, (problem,) = typed(values.as_decimal, "~")
    assert value is None and "缺少数值" in problem


@pytest.mark.parametrize("written, described", [("[1, 2]", "列表"), ("{a: 1}", "映射")])
def test_collection_where_number_expected(written: str, described: str):
    value, (problem,) = typed(values.as_decimal, written)
    assert value is None and described in problem


def test_whole_number_expected():
    value, (problem,) = typed(values.as_int, "2014.0", "year")
    assert value is None and "整数" in problem and "“2014.0”" in problem


@pytest.mark.parametrize("written", ["no", "yes", "off", "null", "~"])
def test_text_refuses_yaml_words(written: str):
    value, (problem,) = typed(values.as_text, written, "评分项“reporter”的选项")
    assert value is None and CJK.search(problem)
    if written not in ("null", "~"):
        assert f"“{written}”" in problem and "引号" in problem


def test_quoted_yaml_word_is_text():
    assert typed(values.as_text, '"no"', "选项") == ("no", [])


@pytest.mark.parametrize(
    "written", ["2015-1-20", "2015/01/20", "2015-02-30", "'2015-01-20'", "20150120"]
)
def test_dates(written: str):
    value, (problem,) = typed(values.as_date, written, "通报日期（date）")
    assert value is None and "2015-01-20" in problem and "通报日期" in problem


def test_ids():
    assert typed(values.as_id, "key-tasks", "编号") == ("key-tasks", [])
    for bad in ("Key", "-a", "a_b", "平定", "a" * 64):
        value, (problem,) = typed(values.as_id, bad, "编号")
        assert value is None and f"“{bad}”" in problem


def test_attribute_values_compared_as_written():
    report = Report()
    assert values.as_scalar_value(value_of("a: true\n"), report, "属性") is True
    assert values.as_scalar_value(value_of("a: 3\n"), report, "属性") == 3
    assert values.as_scalar_value(value_of("a: '3'\n"), report, "属性") == "3"
    assert values.as_scalar_value(value_of("a: north\n"), report, "属性") == "north"
    assert report.problems == []
    assert values.as_scalar_value(value_of("a: yes\n"), report, "属性“pilot”") is None
    assert len(report.problems) == 1


# -- the same through the loader: one error at the value, never a traceback --------------------


@pytest.mark.parametrize(
    "written",
    [
        "1:30",
        "012",
        "2015-01-20",
        ".nan",
        ".inf",
        "８５",
        "1,5",
        "1_000",
        '"1.5"',
        "1.255",
        "-1",
        "2.5",
        "yes",
    ],
)
def test_bad_scores_are_one_clear_error(tiny, written: str):
    tiny.replace(A, "  plan: 2\n", f"  plan: {written}\n")
    problems = tiny.problems()
    assert len(problems) == 1, problems
    (problem,) = problems
    assert problem.startswith(f"{A}:3:9: error: 评分项“plan”")
    assert written.strip('"') in problem and CJK.search(problem)


@pytest.mark.parametrize(
    "text, mark",
    [
        ("unit: a\nscores: &s\n  plan: 2\n", "2:9"),
        ("unit: a\nscores:\n  plan: !!float 2\n", "3:9"),
        ("unit: a\n---\nunit: a\n", "2:1"),
        ("", "1:1"),
        ("# 还没有打分\n", "1:1"),
        ("unit: a\nscores: " + "[" * 10_000 + "]" * 10_000 + "\n", "2:"),
        ("unit: a\nscores:\n\u3000\u3000plan: 2\n", "3:1"),
        ("unit: a\nscores:\n\tplan: 2\n", "3:1"),
    ],
)
def test_bad_files_are_one_clear_error(tiny, text: str, mark: str):
    tiny.write(A, text)
    problems = tiny.problems()
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{A}:{mark}"), problems
    assert CJK.search(problems[0].split(": error: ")[1])


def test_bom_file_loads_through_check(tiny):
    tiny.write_bytes(A, b"\xef\xbb\xbf" + tiny.read(A).encode())
    assert tiny.check().exit_code == 0


def test_utf16_score_file_through_check(tiny):
    tiny.write_bytes(A, tiny.read(A).encode("utf-16"))
    run = tiny.check()
    assert run.exit_code == 1
    (message,) = run.at(f"{A}:1:1")
    assert "UTF-16" in message


def test_sample_flag_refuses_yes(tiny):
    tiny.write("content/site.yaml", tiny.read("content/site.yaml") + "sample: yes\n")
    run = tiny.check()
    assert run.exit_code == 1
    (message,) = run.at("content/site.yaml:3:9")
    assert "“yes”" in message and "true" in message


def test_windows_line_endings_keep_positions(tiny):
    text = tiny.read(A).replace("  plan: 2\n", "  plan: 2.555\n").replace("\n", "\r\n")
    tiny.write_bytes(A, text.encode())
    assert tiny.problems() == [f"{A}:3:9: error: 评分项“plan”的值“2.555”有3位小数，最多允许2位。"]


def test_text_keeps_full_width_paragraph_indent(tiny):
    tiny.write(A, tiny.read(A) + "opinion: |\n  \u3000\u3000第一段。\n\n  \u3000\u3000第二段。\n")
    sheet = tiny.results().result("a").score.sheet
    assert sheet.opinion == "\u3000\u3000第一段。\n\n\u3000\u3000第二段。"


def test_id_with_trailing_full_width_space_is_refused():
    value, (problem,) = typed(values.as_id, "pingding\u3000", "单位编号")
    assert value is None and "pingding" in problem
