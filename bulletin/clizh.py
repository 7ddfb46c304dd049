"""Click's own messages and help in Chinese, and a command group that suggests the right command.

Click 8 looks its messages up through `gettext` in each of its modules at the time it shows
them; `install()` puts a Chinese catalogue in their place. Messages not in the catalogue stay as
click wrote them, so a click upgrade can only leave a message untranslated, never break one.
"""

from __future__ import annotations

import difflib
from typing import Any

import click
import click.core
import click.decorators
import click.exceptions
import click.formatting
import click.parser
import click.types

MESSAGES = {
    "Usage:": "用法:",
    "Options": "选项",
    "Commands": "命令",
    "Positional arguments": "参数",
    "Show this message and exit.": "显示本帮助后退出。",
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "查看帮助：{command} {option}",
    "Missing command.": "缺少命令。",
    "Aborted!": "已中止。",
    "No such option {name!r}.": "没有选项“{name}”。",
    "No such command {name!r}.": "没有这个命令“{name}”。",
    "Invalid value: {message}": "取值不对：{message}",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的取值不对：{message}",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Option {name!r} does not take a value.": "选项“{name}”后面不能跟值。",
    "{value!r} is not a valid {number_type}.": "“{value}”不是一个有效的数字。",
    "{value} is not in the range {range}.": "{value} 不在允许的范围 {range} 内。",
    "{name} {filename!r} does not exist.": "{name}“{filename}”不存在。",
    "{name} {filename!r} is a file.": "{name}“{filename}”是一个文件，这里需要文件夹。",
    "{name} {filename!r} is a directory.": "{name}“{filename}”是一个文件夹，这里需要文件。",
    "{name} {filename!r} is not readable.": "{name}“{filename}”无法读取。",
    "{name} {filename!r} is not writable.": "{name}“{filename}”无法写入。",
    "file": "文件",
    "directory": "文件夹",
    "path": "路径",
    "default: {default}": "默认：{default}",
    "required": "必填",
    "Could not open file {filename!r}: {message}": "无法打开文件“{filename}”：{message}",
}
PLURALS = {
    "Got unexpected extra argument ({args})": "多余的参数：{args}",
    "Option {name!r} requires an argument.": "选项“{name}”后面要跟一个值。",
    "Did you mean {possibility}?": "是否想输入 {possibility}？",
    "{value!r} is not {choice}.": "“{value}”不是可选的值 {choice}。",
}
MODULES = (
    click.core,
    click.decorators,
    click.exceptions,
    click.formatting,
    click.parser,
    click.types,
)


def gettext(message: str) -> str:
    return MESSAGES.get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return PLURALS.get(singular, singular if n == 1 else plural)


def install() -> None:
    """Show click's own messages (usage errors, help headings) in Chinese."""
    for module in MODULES:
        if hasattr(module, "_"):
            module._ = gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext  # type: ignore[attr-defined]


# What to write in place of an argument, for the example in a "missing argument" message.
EXAMPLES = {"YEAR": "年份，例如 2016", "FILES...": "评分表文件名.xlsx", "FOLDER": "文件夹名"}


def parse_in_chinese(command: click.Command, ctx: click.Context, args: list[str]) -> list[str]:
    """Parse as click does; say a missing argument and a mistyped option the way staff read."""
    try:
        return super(type(command), command).parse_args(ctx, args)
    except click.NoSuchOption as exc:
        near = f"是否想写 {exc.possibilities[0]}？" if exc.possibilities else ""
        every = "、".join(o for p in command.get_params(ctx) for o in p.opts if o.startswith("--"))
        raise click.UsageError(
            f"没有选项“{exc.option_name}”。{near}可用的选项：{every}。", ctx
        ) from None
    except click.MissingParameter as exc:
        param = exc.param
        if param is None or param.param_type_name != "argument":
            raise
        name = param.human_readable_name
        pieces = [
            p.human_readable_name + ("..." if p.nargs == -1 else "")
            for p in command.get_params(ctx)
            if p.param_type_name == "argument"
        ]
        shown = "、".join(f"{p} 换成{EXAMPLES[p]}" for p in pieces if p in EXAMPLES)
        raise click.UsageError(
            f"缺少参数 {name}。请写成：{ctx.command_path} {' '.join(pieces)}"
            + (f"（{shown}）。" if shown else "。"),
            ctx,
        ) from None


class Command(click.Command):
    """A command whose usage line and usage errors are in Chinese."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", "[选项]")
        super().__init__(*args, **kwargs)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return parse_in_chinese(self, ctx, args)


class Group(click.Group):
    """The command group: a mistyped command gets the whole command it probably meant."""

    command_class = Command

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", "[选项]")
        kwargs.setdefault("subcommand_metavar", "命令 [参数]...")
        super().__init__(*args, **kwargs)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return parse_in_chinese(self, ctx, args)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except click.exceptions.NoSuchCommand as exc:
            name = exc.command_name
            near = difflib.get_close_matches(name, self.list_commands(ctx), n=1, cutoff=0.5)
            hint = f"是否想输入 {ctx.command_path} {near[0]}？" if near else ""
            every = "、".join(self.list_commands(ctx))
            raise click.UsageError(
                f"没有这个命令“{name}”。{hint}可用的命令：{every}。", ctx
            ) from None
