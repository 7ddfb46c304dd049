"""Problems found in the data, and the exceptions that carry them to the command line."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

import click


@dataclass(frozen=True, slots=True, order=True)
class Mark:
    """A position in a project file: path relative to the project root, 1-based line and column."""

    path: str
    line: int = 1
    col: int = 1

    def __str__(self) -> str:
        return f"{one_line(self.path)}:{self.line}:{self.col}"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong (or suspicious) in the data, pointing at the offending value."""

    mark: Mark
    severity: str  # "error" | "warning"
    message: str

    def __str__(self) -> str:
        return f"{self.mark}: {self.severity}: {self.message}"


def one_line(message: str) -> str:
    """Keep a problem on one line even when it quotes a value written over several lines."""
    flat = message.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "↵")
    if flat.isprintable():
        return flat
    # Other line breaks (U+2028, U+0085), control characters and bytes of a file name that were
    # not UTF-8 would split the line or fail to print: show them as escapes.
    return "".join(
        c.encode("unicode_escape").decode("ascii") if unicodedata.category(c) in HIDDEN else c
        for c in flat
    )


HIDDEN = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}  # kept: spaces such as U+3000


@dataclass
class Report:
    """Collects every problem of a run, so that staff see them all at once."""

    problems: list[Problem] = field(default_factory=list)

    def error(self, mark: Mark, message: str) -> None:
        self.problems.append(Problem(mark, "error", one_line(message)))

    def warning(self, mark: Mark, message: str) -> None:
        self.problems.append(Problem(mark, "warning", one_line(message)))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    def sorted(self) -> list[Problem]:
        """Problems in file order, so a staff member can work down the list."""
        return sorted(self.problems, key=lambda p: (p.mark, p.severity, p.message))


PER_FILE = 200  # problems printed per file: past that, one line says how many more there are


def printed(problems: list[Problem], per_file: int = PER_FILE) -> list[str]:
    """The lines to print for problems in file order: at most `per_file` for any one file."""
    lines: list[str] = []
    counts: dict[str, int] = {}
    overflow: dict[str, int] = {}  # file -> index of the line that will say how many more
    for problem in problems:
        n = counts[problem.mark.path] = counts.get(problem.mark.path, 0) + 1
        if n <= per_file:
            lines.append(str(problem))
        elif n == per_file + 1:
            overflow[problem.mark.path] = len(lines)
            lines.append("")
    for path, at in overflow.items():
        rest = counts[path] - per_file
        lines[at] = (
            f"{one_line(path)}：此文件还有 {rest} 个问题没有列出（只列出了前 {per_file} 个），"
            "请先改正上面的问题再检查。"
        )
    return lines


class BulletinError(click.ClickException):
    """Base of the errors a user sees as a clean message and an exit code."""

    exit_code = 1

    def show(self, file=None) -> None:
        click.echo(self.format_message(), err=True, file=file)


class DataError(BulletinError):
    """The data has errors; the problems have already been printed."""

    def __init__(self, report: Report) -> None:
        self.report = report
        super().__init__(f"发现 {len(report.errors)} 个错误，未生成网站，原有网站保持不变。")


class ArchiveError(BulletinError):
    """An archived (frozen) year does not match its manifest, or an archive command failed."""
