"""Command line: check the data, build the bulletin site, preview it while editing."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bulletin import check as checking  # noqa: E402
from bulletin import clizh  # noqa: E402
from bulletin.problems import DataError  # noqa: E402

YEAR = click.IntRange(1000, 9999)
# The private key that signs a frozen year's manifest (freeze, correct, sign).
SIGNING_KEY = click.option(
    "--key",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="签名私钥文件（默认取环境变量 BULLETIN_SIGNING_KEY，再默认 ~/.bulletin/signing.key）。",
)
PROG = "python build.py"  # how staff type it, in usage lines and in every hint
# True when build.py runs as a program (not when tests call `cli` in their own process).
AS_PROGRAM = False
clizh.install()  # click's own messages and help in Chinese


def project_root() -> Path:
    """The project to work on: --project, else $BULLETIN_ROOT (tests, other checkouts), else here."""
    ctx = click.get_current_context(silent=True)
    chosen = ctx.find_root().obj if ctx else None
    if chosen is not None:
        root = Path(chosen).resolve()
        if not root.is_dir():
            raise click.UsageError(f"--project 指定的项目文件夹不存在：{root}")
        return root
    root = Path(os.environ.get("BULLETIN_ROOT") or HERE).resolve()
    if not root.is_dir():
        raise click.UsageError(f"环境变量 BULLETIN_ROOT 指向的项目文件夹不存在：{root}")
    return root


def disk_errors(command):
    """Turn a failed write (full disk, no permission) into a message instead of a traceback."""
    import errno
    import functools

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except OSError as exc:
            where = f"“{exc.filename}”" if exc.filename else ""
            why = {
                errno.ENOSPC: "磁盘空间不足",
                errno.EDQUOT: "超出磁盘配额",
                errno.EACCES: "没有写入权限",
                errno.EPERM: "没有写入权限",
                errno.EROFS: "磁盘是只读的",
            }.get(exc.errno, exc.strerror or str(exc))
            raise click.ClickException(
                f"读写文件{where}时出错：{why}。已写入一半的内容都已丢弃，原有的文件保持不变；"
                "请解决这个问题（例如清理磁盘空间）后重新运行。"
            ) from None

    return wrapper


@click.group(name=PROG, cls=clizh.Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--project",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="项目文件夹（用 init 建立的）；默认是本工具所在的文件夹。",
)
@click.pass_context
def cli(ctx: click.Context, project: Path | None) -> None:
    """考核结果通报网站生成工具：检查数据、计算得分和排名、生成通报网站。"""
    ctx.obj = project


def done(code: int = 0) -> None:
    """A finished `build` or `check` run as a program ends its process here, without Python
    taking down its objects one by one: at 10,000 units that was 0.14 s (0.10 s freeing the
    scored model, then every module), at 35 units 30 ms. Its files are closed and in place,
    its lock is released and its worker processes reaped by now, and the operating system
    frees the memory at once; only the messages are still to be flushed."""
    if not AS_PROGRAM:
        if code:
            sys.exit(code)
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # a closed pipe: let Python report it as it would
        sys.exit(code or 1)
    os._exit(code)


def _print_problems(report, err: bool = False) -> None:
    from bulletin.problems import printed

    for line in printed(report.sorted()):
        click.echo(line, err=err)


@cli.command()
@click.option("--year", type=YEAR, help="只检查这一年度。")
def check(year: int | None) -> None:
    """检查全部数据，列出每一个问题（文件:行:列）。"""
    root = project_root()
    if year is not None and not (root / "content" / str(year)).is_dir():
        raise click.BadParameter(
            f"没有 {year} 年度（缺少 content/{year}/ 文件夹）。", param_hint="--year"
        )
    project, report = checking.check(root, year)
    _print_problems(report)
    click.echo(checking.summary(project, report))
    done(1 if report.errors else 0)


@cli.command()
@click.option("--drafts", is_flag=True, help="同时生成草稿（draft）年度。")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    show_default="site",
    help="输出文件夹。",
)
@click.option("--full", is_flag=True, help="忽略上次的生成记录，重新生成每一页。")
@click.option(
    "--allow-future",
    is_flag=True,
    help="允许提前发布：通报日期还没有到的已发布（published）年度也生成。",
)
@disk_errors
def build(drafts: bool, out: Path | None, full: bool, allow_future: bool) -> None:
    """检查数据并生成静态网站；有错误时不改动原有网站。"""
    from bulletin.site import build_site

    root = project_root()
    result = build_site(
        root, out or root / "site", drafts=drafts, full=full, allow_future=allow_future
    )
    _print_problems(result.report, err=True)
    if result.report.errors:
        raise DataError(result.report)
    click.echo(result.summary())
    target = (out or root / "site").resolve()
    click.echo(
        f"网站在 {target} 文件夹中：在本机用浏览器打开其中的 index.html 即可查看；"
        f"对外发布时，把整个 {target.name} 文件夹的内容上传到网站服务器。"
    )
    if os.environ.get("BULLETIN_TIMINGS"):
        click.echo(
            " ".join(f"{step} {seconds:.2f}s" for step, seconds in result.timings.items()), err=True
        )
    done()


@cli.command()
@click.argument("year", type=YEAR)
@click.option("--date", "day", help="冻结日期（默认今天），格式 2015-01-25。")
@SIGNING_KEY
@disk_errors
def freeze(year: int, day: str | None, key: Path | None) -> None:
    """冻结已发布的年度：最后生成一次存入 archive/<YEAR>/，此后原样发布。"""
    from bulletin.freezing import freeze_year

    try:
        archived = freeze_year(project_root(), year, _iso_date(day), key)
    except DataError as exc:  # say what is wrong, not only how many
        _print_problems(exc.report, err=True)
        raise
    click.echo(
        f"已冻结 {year} 年度：{len(archived.files)} 个文件存入 archive/{year}/，清单 archive/{year}/manifest.json 记录了"
        f"每个文件的 SHA-256；content/{year}/year.yaml 的状态已改为 frozen。请把 archive/{year}/ 和 year.yaml 一并提交。"
    )


@cli.command()
@click.argument("year", type=YEAR)
@click.option("--reason", required=True, help="更正原因，会显示在更正后的每一页上。")
@click.option("--date", "day", help="更正日期（默认今天），格式 2016-03-01。")
@SIGNING_KEY
@disk_errors
def correct(year: int, reason: str, day: str | None, key: Path | None) -> None:
    """发布已冻结年度的更正版：原版本原样保留在 archive/<YEAR>-v<N>/。"""
    from bulletin.freezing import correct_year

    try:
        archived = correct_year(project_root(), year, reason, _iso_date(day), key)
    except DataError as exc:  # say what is wrong, not only how many
        _print_problems(exc.report, err=True)
        raise
    previous = archived.corrections[-1].previous
    click.echo(
        f"已发布 {year} 年度第 {archived.version} 版（更正）：原版本移至 archive/{previous}/，网站地址 {previous}/index.html 保持可用。"
        f"请把 archive/ 下的改动一并提交。"
    )


@cli.command()
@click.option(
    "--key",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="私钥保存位置（默认 ~/.bulletin/signing.key，必须在项目文件夹之外）。",
)
@click.option("--name", default=None, help="公钥文件名（默认按年份，如 office-2026）。")
def keygen(key: Path | None, name: str | None) -> None:
    """生成本单位的签名密钥：私钥存在项目之外，公钥放进 content/signing/。"""
    from datetime import date

    from bulletin.freezing import make_key
    from bulletin.signing import default_key_path

    name = name or f"office-{date.today().year}"
    secret, public = make_key(project_root(), key or default_key_path(), name)
    click.echo(
        f"已生成签名密钥。私钥：{secret}（只有本机当前用户可读；切勿提交、切勿外传，请另存一份备份到加密U盘）。"
        f"公钥：{_shown(public, project_root())}（请提交进版本库，它会随网站发布，供任何人核验存档）。详见 docs/signing.md。"
    )


@cli.command()
@SIGNING_KEY
@disk_errors
def sign(key: Path | None) -> None:
    """为还没有有效签名的存档清单签名（例如启用签名之前冻结的年度、换用新密钥之后）。"""
    from bulletin.freezing import sign_archives

    try:
        signed = sign_archives(project_root(), key)
    except DataError as exc:
        _print_problems(exc.report, err=True)
        raise click.ClickException(
            "存档文件与清单不符，不能签名：签名只能证明没有改动过的存档。"
        ) from None
    if signed:
        click.echo(
            f"已为 {len(signed)} 个存档签名：{'、'.join(signed)}。"
            "请把 archive/ 下新增的 manifest.json.minisig 一并提交。"
        )
    else:
        click.echo("每个存档都已有有效的签名，无需签名。")


def _iso_date(day: str | None) -> str | None:
    if day is None:
        return None
    from datetime import date

    try:
        return date.fromisoformat(day).isoformat()
    except ValueError:
        raise click.BadParameter(
            f"日期格式应为 2015-01-25，实际是“{day}”。", param_hint="--date"
        ) from None


@cli.command()
@click.argument("year", type=YEAR)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="输出文件夹（默认 sheets/<YEAR>/）。",
)
@click.option(
    "--experts",
    type=click.IntRange(0, 30),
    default=None,
    help="每组专家人数（默认按已有评分中最多的专家人数）。",
)
@click.option("--per-expert", is_flag=True, help="每位专家一个工作簿（默认每个专家组一个）。")
def sheets(year: int, out: Path | None, experts: int | None, per_expert: bool) -> None:
    """生成发给专家的评分表（Excel工作簿），已填入 scores/ 中现有的分数。"""
    from bulletin.sheets import make_sheets

    root = project_root()
    target = out or root / "sheets" / str(year)
    try:
        paths = make_sheets(root, year, target, experts, per_expert)
    except DataError as exc:
        _print_problems(exc.report, err=True)
        raise click.ClickException(
            f"{year} 年度的数据有 {len(exc.report.errors)} 个错误，请先修正（见上），未生成评分表。"
        ) from None
    for path in paths:
        click.echo(f"已生成 {_shown(path, root)}")
    click.echo(
        f"共 {len(paths)} 个评分表工作簿。发给专家填写后，用 python build.py import {year} 文件名.xlsx 导入。"
    )


@cli.command("import")
@click.argument("year", type=YEAR)
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
def import_(year: int, files: tuple[Path, ...]) -> None:
    """导入专家填好的评分表，逐格检查后写入 scores/<YEAR>/；有任何错误则不改动任何文件。"""
    from bulletin.importing import import_workbooks

    root = project_root()
    outcome = import_workbooks(root, year, [(str(f), f) for f in files])
    for line in outcome.problems:
        click.echo(line)
    for line in outcome.lines:
        click.echo(line)
    if outcome.problems:
        raise click.ClickException(
            f"发现 {len(outcome.problems)} 个错误，scores/ 下的文件都没有改动。请按上面的提示修改评分表后重新导入。"
        )
    click.echo(outcome.summary)


@cli.command("new-year")
@click.argument("year", type=YEAR)
def new_year(year: int) -> None:
    """以上一年度为模板建立新年度（草稿）：单位名单、评分标准、年度设置和通报框架。"""
    from bulletin.scaffold import new_year as make_year

    made = make_year(project_root(), year)
    click.echo(
        f"已以 {made.source} 年度为模板建立 {year} 年度（草稿）：\n"
        f"  content/{year}/year.yaml   年度设置（状态 draft），排名类别、等次和规则沿用 {made.source} 年度\n"
        f"  content/{year}/units.yaml  单位名单（{made.units} 个单位），请按本年度的实际情况增删\n"
        f"  content/{year}/bulletin.md 通报框架：文号、日期和正文标有“〔待填〕”\n"
        f"  rubrics/{year}/            评分标准 {len(made.rubrics)} 个，标题中的年份已改为 {year}\n"
        f"  scores/{year}/             空文件夹，评分文件放在这里\n"
        "下一步：\n"
        f"  1. 核对单位名单和评分标准后，生成专家评分表：python build.py sheets {year}\n"
        f"  2. 专家填好后导入：python build.py import {year} 评分表文件名.xlsx\n"
        f"  3. 填写通报中的“〔待填〕”，检查数据：python build.py check --year {year}\n"
        "  4. 预览（含草稿）：python build.py serve"
    )


@cli.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--sample", is_flag=True, help="复制完整的示例数据，而不是建立一个最小的新项目。")
@click.option("--year", type=YEAR, default=None, help="第一个考核年度（默认今年）。")
def init(folder: Path, sample: bool, year: int | None) -> None:
    """为另一个单位建立新的通报项目：一个类别、一个评分标准、一个单位和通报框架。"""
    from datetime import date

    from bulletin.scaffold import init_project

    number = year or date.today().year
    written = init_project(folder, HERE, number, sample)
    where = folder.resolve()
    click.echo(
        f"已在 {where} 建立新项目（{len(written)} 个文件）。先看其中的 README.md，按顺序修改数据。"
    )
    click.echo(f'检查数据：python build.py --project "{where}" check')
    click.echo(f'生成网站：python build.py --project "{where}" build --drafts')


def _shown(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return str(path)


@cli.command()
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="监听地址；默认只有本机能打开。"
)
@click.option(
    "--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="端口。"
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="预览文件夹（默认在本用户的缓存文件夹里，不在项目中，退出时删除；不能是 site/）。",
)
def serve(host: str, port: int, out: Path | None) -> None:
    """本机预览（含草稿）：保存文件后页面自动刷新，数据有错时页面上列出每个错误。"""
    from bulletin.serve import serve as run_preview

    run_preview(project_root(), host=host, port=port, out=out)


if __name__ == "__main__":
    AS_PROGRAM = True
    cli(prog_name=PROG)
