"""Safe access to a project's files, YAML through the preview's cache, and the field helpers."""

from __future__ import annotations

import difflib
import os
import stat
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import markup, source
from ..cache import RACY_NS, Look, ParseCache, trusted
from ..inputs import bad_name
from ..problems import Mark, Report
from ..source import Mapping, Node, Sequence
from ..values import describe

# What `new-year` and `init` write where staff must still fill something in; `check` warns about
# it in a draft and refuses it in a published year.
PLACEHOLDER = "〔待填〕"


def placeholder(node: Node | None) -> bool:
    """Whether a value is (or holds) the placeholder that `new-year` and `init` write."""
    return isinstance(node, source.Scalar) and PLACEHOLDER in node.text


def report_placeholder(report: Report, mark: Mark, what: str, draft: bool) -> None:
    """A placeholder is a warning in a draft year and an error in a published one."""
    if draft:
        report.warning(mark, f"{what}还是待填写的“{PLACEHOLDER}”，发布前请填写。")
    else:
        report.error(mark, f"{what}还是待填写的“{PLACEHOLDER}”；已发布的年度必须填写。")


def fields(
    node: Node,
    report: Report,
    what: str,
    required: Iterable[str] = (),
    optional: Iterable[str] = (),
) -> dict[str, Node] | None:
    """The entries of a mapping, with unknown and missing fields reported."""
    if not isinstance(node, Mapping):
        report.error(node.mark, f"{what}应为映射（“键: 值”的形式），实际是{describe(node)}。")
        return None
    required = tuple(required)
    known = (*required, *optional)
    found: dict[str, Node] = {}
    for key, value in node.entries:
        if key.text not in known:
            near = difflib.get_close_matches(key.text, known, n=1)
            hint = f"是否想写“{near[0]}”？" if near else f"可用的字段：{'、'.join(known)}。"
            report.error(key.mark, f"{what}中有未知字段“{key.text}”，{hint}")
            continue
        found[key.text] = value
    for name in required:
        if name not in found:
            report.error(node.mark, f"{what}缺少必填字段“{name}”。")
    return found


def sequence(node: Node, report: Report, what: str) -> tuple[Node, ...]:
    if isinstance(node, Sequence):
        return node.items
    report.error(node.mark, f"{what}应为列表（每项以“- ”开头），实际是{describe(node)}。")
    return ()


def check_markdown(text: str | None, mark: Mark, report: Report, what: str) -> str | None:
    """A Markdown text, or None (reported) if it is too long or nested to render safely."""
    if text is None:
        return None
    if (why := markup.problem(text)) is not None:
        report.error(mark, f"{what}：{why}")
        return None
    return text


def key_mark(node: Node, key: str) -> Mark:
    """Where a mapping's key is written, to point at something that is missing under it."""
    k = node.key(key) if isinstance(node, Mapping) else None
    return k.mark if k else node.mark


def _sort_key(entry: os.DirEntry) -> str:
    return entry.name


if os.name == "nt":  # letter case aside, as Paths sort there

    def _sort_key(entry: os.DirEntry) -> str:
        return entry.name.lower()


# A folder entry's lstat, taken when it was walked, is a real lstat on POSIX; on Windows it
# comes from the folder listing with no inode, which `cache.look` compares: lstat there.
CACHED_LSTAT = os.name != "nt"


@dataclass
class Files:
    """One project's files as the readers see them; `report` collects every problem found."""

    root: Path
    report: Report = field(default_factory=Report)
    cache: ParseCache | None = None  # kept by the preview server between rebuilds
    _safe_folders: dict[str, bool] = field(default_factory=dict, init=False, repr=False)
    # The input folders' entries as `inputs.check_inputs` walked them, by folder path; and the
    # entry of each file listed from them, by file path (its lstat taken by that walk).
    seen: dict[str, list[os.DirEntry]] = field(default_factory=dict, init=False, repr=False)
    _entries: dict[str, os.DirEntry] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self.root = self.root.resolve()
        self._prefix = os.path.join(str(self.root), "")  # the root with its separator

    def rel(self, path: Path) -> str:
        """The path inside the project, with "/" (every path read is one of the project's)."""
        text = str(path)
        if not text.startswith(self._prefix):
            return path.relative_to(self.root).as_posix()  # says what is wrong
        return text[len(self._prefix) :].replace(os.sep, "/")

    def safe(self, path: Path) -> os.stat_result | None:
        """The file's stat if it may be read; None (reported) for a link to outside the project.

        A pipe or a device would hang the read: it gives None too, and `inputs` reports it.
        """
        try:
            # Resolve each folder once; a file needs resolving only when it is a link itself.
            text = str(path)
            folder = self._inside(path, text)
            st = self._lstat(path, text)
            link = stat.S_ISLNK(st.st_mode)
            inside = folder and (not link or path.resolve().is_relative_to(self.root))
            if inside and link:
                st = os.stat(path)
        except OSError:
            inside = False
        if not inside:
            self.report.error(
                Mark(self.rel(path)), "这个文件是指向项目之外的链接，出于安全考虑拒绝读取。"
            )
            return None
        return st if stat.S_ISREG(st.st_mode) else None

    def _lstat(self, path: Path, text: str) -> os.stat_result:
        """The file's lstat: the one its listing's walk took, where that is a real lstat."""
        entry = self._entries.get(text) if CACHED_LSTAT else None
        return entry.stat(follow_symlinks=False) if entry is not None else os.lstat(path)

    def _inside(self, path: Path, text: str) -> bool:
        """Whether the file's folder is inside the project: each folder resolved once."""
        parent = text.rpartition(os.sep)[0]  # a key only: the folder's text as Path writes it
        folder = self._safe_folders.get(parent)
        if folder is None:
            folder = self._safe_folders[parent] = path.parent.resolve().is_relative_to(self.root)
        return folder

    def as_before(self, paths: list[Path]) -> list[Look]:
        """In the preview, each listed file's size, times and inode as this build's walk saw
        them, if they can be trusted to show any change (`cache.look`) and `safe` would let it
        be read without a word: not a link, in a folder inside the project. None otherwise, and
        in a one-off build. One loop for a folder's files: 3,000 score files on every save."""
        if self.cache is None:
            return [None] * len(paths)
        before = time.time_ns() - RACY_NS  # taken first: a file written meanwhile is not trusted
        entries = self._entries if CACHED_LSTAT else {}
        looks: list[Look] = []
        for path in paths:
            text = str(path)
            entry = entries.get(text)
            try:
                st = entry.stat(follow_symlinks=False) if entry is not None else os.lstat(path)
                if stat.S_ISLNK(st.st_mode) or not self._inside(path, text):
                    looks.append(None)
                    continue
            except OSError:
                looks.append(None)
                continue
            looks.append(trusted(st, before))
        return looks

    def remembered(self, kind: str, folder: Path, inputs: tuple) -> tuple[dict, dict]:
        """What the preview's last build read from each file of `folder` with the very same
        `inputs` (by identity), and where this build's goes; nothing in a one-off build."""
        if self.cache is None:
            return {}, {}
        where = (kind, self.rel(folder))
        last = self.cache.folders.get(where)
        now: dict = {}
        self.cache.folders[where] = (inputs, now)
        if (
            last is None
            or len(last[0]) != len(inputs)
            or any(a is not b for a, b in zip(last[0], inputs, strict=True))
        ):
            return {}, now
        return last[1], now

    def yaml(self, path: Path) -> Node | None:
        st = self.safe(path)
        if st is None:
            return None
        if self.cache is not None:
            return self.cache.load(path, self.rel(path), self.report, st)
        return source.load(path, self.rel(path), self.report)

    def listing(self, folder: Path, suffix: str) -> list[Path]:
        """The files of a folder with this suffix, sorted; a mistyped `.yml` is reported."""
        walked = self.seen.get(str(folder))
        try:
            # in the order of sorted Paths: on Windows, letter case aside
            entries = sorted(os.scandir(folder) if walked is None else walked, key=_sort_key)
        except (NotADirectoryError, FileNotFoundError):
            return []
        found = []
        # The preview lists the same files on every save: their Paths are made once, since a
        # new Path works its text out again (a 3,000-unit folder: 20 ms a save).
        paths = self.cache.paths if self.cache is not None else {}
        where = str(folder)
        for entry in entries:
            name = entry.name
            if name.startswith(".") or bad_name(name) or entry.is_dir():
                continue  # a name that cannot be shown is reported by `inputs`
            dot = name.rfind(".")
            ext = name[dot:] if 0 < dot < len(name) - 1 else ""  # Path.suffix, as pathlib has it
            if ext == suffix:
                path = paths.get((where, name))
                if path is None:
                    path = paths[where, name] = folder / name
                found.append(path)
                self._entries[str(path)] = entry
            elif suffix == ".yaml" and ext in (".yml", ".YAML", ".Yaml"):
                path = folder / name
                self.report.error(
                    Mark(self.rel(path)), f"文件扩展名应为“.yaml”，请改名为“{path.stem}.yaml”。"
                )
        return found

    def case_hint(self, path: Path) -> str:
        """If the file exists under a name in other letter case, say to rename it ("" if not)."""
        folder = path.parent
        if not folder.is_dir():
            return ""
        for other in sorted(folder.iterdir()):
            if other.name != path.name and other.name.lower() == path.name.lower():
                return (
                    f"文件夹中有“{other.name}”，但文件名的大小写不对：请改名为“{path.name}”"
                    "（文件名一律用小写字母）。"
                )
        return ""

    def derive(
        self, kind: str, path: Path, key: tuple, make: Callable[..., Any], *args: Any
    ) -> Any:
        """`make(*args)`, or what it gave last time for the same inputs `key` (in the preview)."""
        if self.cache is None:
            return make(*args)
        rel = self.rel(path)
        found, value = self.cache.recall(kind, rel, key, self.report)
        if not found:
            start = len(self.report.problems)
            value = make(*args)
            self.cache.remember(kind, rel, key, value, self.report.problems[start:])
        return value
