"""Command line: check the data, build the bulletin site, preview it while editing."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bulletin import check as checking  # noqa: E402
from bulletin.problems import DataError  # noqa: E402

YEAR = click.IntRange(1000, 9999)


def project_root() -> Path:
    """The project to work on: $BULLETIN_ROOT if set (tests, other checkouts), else this folder."""
    return Path(os.environ.get("BULLETIN_ROOT") or HERE).resolve()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """阳泉市转型综改考核结果通报网站生成工具。"""


def _print_problems(report, err: bool = False) -> None:  # noqa: ANN001
    for problem in report.sorted():
        click.echo(str(problem), err=err)


@cli.command()
@click.option("--year", type=YEAR, help="只检查这一年度。")
def check(year: int | None) -> None:
    """检查全部数据，列出每一个问题（文件:行:列）。"""
    root = project_root()
    if year is not None and not (root / "content" / str(year)).is_dir():
        raise click.BadParameter(f"没有 {year} 年度（缺少 content/{year}/ 文件夹）。", param_hint="--year")
    project, report = checking.check(root, year)
    _print_problems(report)
    click.echo(checking.summary(project, report))
    if report.errors:
        sys.exit(1)


@cli.command()
@click.option("--drafts", is_flag=True, help="同时生成草稿（draft）年度。")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None, show_default="site",
              help="输出文件夹。")
@click.option("--full", is_flag=True, help="忽略上次的生成记录，重新生成每一页。")
def build(drafts: bool, out: Path | None, full: bool) -> None:
    """检查数据并生成静态网站；有错误时不改动原有网站。"""
    from bulletin.site import build_site

    root = project_root()
    result = build_site(root, out or root / "site", drafts=drafts, full=full)
    _print_problems(result.report, err=True)
    if result.report.errors:
        raise DataError(result.report)
    click.echo(result.summary())


if __name__ == "__main__":
    cli()
