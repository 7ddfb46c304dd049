"""The `check` command: output format, exit status, the project root, and a real subprocess run."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from click.testing import CliRunner
from conftest import PROBLEM_LINE, REPO

PINGDING = "scores/2014/pingding.yaml"


def run_script(*args: str, root=None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "BULLETIN_ROOT"}
    if root is not None:
        env["BULLETIN_ROOT"] = str(root)
    env["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run(
        [sys.executable, str(REPO / "build.py"), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=REPO,
        timeout=60,
    )


def test_real_check_on_clean_copy(project):
    done = run_script("check", root=project.root)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "检查通过" in done.stdout and "35 个单位" in done.stdout
    assert "Traceback" not in done.stderr


def test_real_check_on_faulty_copy(project):
    project.replace(PINGDING, "  plan: 4.5\n", "  plan: 5.5\n")
    done = run_script("check", root=project.root)
    assert done.returncode == 1
    where = project.locate(PINGDING, "plan: 5.5", "5.5")
    (line,) = [line for line in done.stdout.splitlines() if PROBLEM_LINE.match(line)]
    assert line.startswith(f"{where}: error: 评分项“plan”")
    assert "Traceback" not in done.stderr


def test_real_check_defaults_to_the_script_folder():
    done = run_script("check", "--year", "2014")
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["check", "--year", "abc"],
        ["check", "--year", "2013"],  # no such year folder
        ["check", "--year"],
        ["check", "--bogus"],
        ["chek"],
    ],
)
def test_wrong_usage_exits_2(project, args: list[str]):
    result = CliRunner().invoke(project.cli, args, env={"BULLETIN_ROOT": str(project.root)})
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output


def test_problem_lines_are_relative_and_in_file_order(project):
    project.replace(PINGDING, "  plan: 4.5\n", "  plan: 5.5\n")
    project.replace(PINGDING, "  summary: 2.5\n", "  summary: 2.55.5\n")
    project.remove("scores/2014/swj.yaml")
    run = project.check()
    assert run.exit_code == 1
    assert len(run.errors) == 3
    assert str(project.root) not in run.output
    marks = [PROBLEM_LINE.match(p)["mark"] for p in run.problems]
    keys = [(m.split(":")[0], int(m.split(":")[1]), int(m.split(":")[2])) for m in marks]
    assert keys == sorted(keys)
    assert marks[0].startswith("content/2014/units.yaml:")


def test_warnings_alone_exit_0(tiny):
    tiny.replace("content/2014/year.yaml", "status: published\n", "status: draft\n")
    tiny.remove("scores/2014/c.yaml")
    run = tiny.check()
    assert run.exit_code == 0
    assert len(run.warnings) == 1 and run.errors == []
    assert "1 个警告" in run.output


def test_year_option_checks_only_that_year(tiny):
    tiny.write("content/2015/year.yaml", "year: 2015\n")  # broken: no title, status, categories
    tiny.write("content/2015/bulletin.md", "正文\n")
    assert tiny.check("--year", "2014").exit_code == 0
    run = tiny.check()
    assert run.exit_code == 1
    assert all(p.startswith("content/2015/") for p in run.errors), run.output


def test_missing_project_root_is_wrong_usage(tmp_path, cli):
    result = CliRunner().invoke(cli, ["check"], env={"BULLETIN_ROOT": str(tmp_path / "nowhere")})
    assert result.exit_code == 2
    assert "BULLETIN_ROOT" in result.output


def test_real_build_ends_with_its_messages_and_site_in_place(site_project, tmp_path):
    """A build run as a program ends its process without tearing down its objects
    (build.py's `done`): what it printed to the pipes arrives whole, and its site and record
    are complete, so the next run finds nothing to do."""
    from conftest import run_build

    out = tmp_path / "site"
    first = run_build(site_project.root, "--out", str(out), env={"BULLETIN_TIMINGS": "1"})
    assert first.returncode == 0, first.stderr
    assert "已生成网站" in first.stdout and first.stdout.rstrip().endswith("上传到网站服务器。")
    assert first.stderr.rstrip().splitlines()[-1].startswith("load "), first.stderr
    assert (out / "index.html").is_file()
    again = run_build(site_project.root, "--out", str(out))
    assert again.returncode == 0, again.stderr
    assert "网站已是最新" in again.stdout
