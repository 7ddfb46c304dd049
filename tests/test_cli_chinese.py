"""Click's own usage errors and help, in Chinese, each naming the whole command to type."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner
from conftest import REPO


def run(cli, *args: str):
    return CliRunner().invoke(cli, list(args))


def lines(result) -> list[str]:
    return result.output.splitlines()


def test_mistyped_command_suggests_the_whole_command(cli):
    result = run(cli, "chek")
    assert result.exit_code == 2
    assert lines(result)[0] == "用法: python build.py [选项] 命令 [参数]..."
    assert lines(result)[1] == "查看帮助：python build.py --help"
    assert lines(result)[-1] == (
        "错误：没有这个命令“chek”。是否想输入 python build.py check？可用的命令："
        "build、check、correct、freeze、import、init、keygen、new-year、serve、sheets、sign。"
    )


def test_unknown_command_without_a_near_one(cli):
    result = run(cli, "zzzz")
    assert lines(result)[-1].startswith("错误：没有这个命令“zzzz”。可用的命令：build、")


def test_missing_argument(cli):
    result = run(cli, "freeze")
    assert result.exit_code == 2
    assert lines(result)[0] == "用法: python build.py freeze [选项] YEAR"
    assert lines(result)[-1] == (
        "错误：缺少参数 YEAR。请写成：python build.py freeze YEAR（YEAR 换成年份，例如 2016）。"
    )


def test_missing_argument_of_import_names_both(cli):
    result = run(cli, "import")
    assert lines(result)[-1] == (
        "错误：缺少参数 YEAR。请写成：python build.py import YEAR FILES..."
        "（YEAR 换成年份，例如 2016、FILES... 换成评分表文件名.xlsx）。"
    )


def test_mistyped_option(cli):
    result = run(cli, "check", "--yaer", "2015")
    assert result.exit_code == 2
    assert lines(result)[1] == "查看帮助：python build.py check --help"
    assert (
        lines(result)[-1] == "错误：没有选项“--yaer”。是否想写 --year？可用的选项：--year、--help。"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "--year", "abc"], "错误：'--year' 的取值不对：“abc”不是一个有效的数字。"),
        (
            ["check", "--year", "12"],
            "错误：'--year' 的取值不对：12 不在允许的范围 1000<=x<=9999 内。",
        ),
        (["check", "extra"], "错误：多余的参数：extra"),
        (["check", "--year"], "错误：选项“--year”后面要跟一个值。"),
    ],
)
def test_bad_values(cli, args, message):
    result = run(cli, *args)
    assert result.exit_code == 2
    assert lines(result)[-1] == message


def test_help_headings_in_chinese(cli):
    result = run(cli, "--help")
    assert result.exit_code == 0
    text = result.output
    assert text.startswith("用法: python build.py [选项] 命令 [参数]...\n")
    assert "\n选项:\n" in text and "\n命令:\n" in text
    assert "显示本帮助后退出。" in text
    assert "new-year" in text and "init" in text
    for english in ("Usage", "Options", "Commands", "Show this message"):
        assert english not in text
    build = run(cli, "build", "-h").output
    assert "[默认：(site)]" in build and "Usage" not in build


def test_real_script_says_it_in_chinese():
    """The script itself, as staff run it: the program is named as they type it."""
    result = subprocess.run(
        [sys.executable, str(REPO / "build.py"), "chek"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )
    assert result.returncode == 2
    assert "是否想输入 python build.py check？" in result.stderr
    assert result.stderr.startswith("用法: python build.py [选项] 命令 [参数]...")
