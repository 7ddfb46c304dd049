"""Walk the project's input folders for what must never be read or published.

A link in theme/ or archive/ to a file outside the project (or outside the theme) would put
that file on the public site; a named pipe or a device would hang the build when read; a file
name that is not valid text, or that holds a line break, cannot be named in a message. Each is
reported with its path, and the readers skip it. Links in the data folders are refused where
they are read (`readers.files.Files.safe`).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .model import DATA_FOLDERS, INPUT_FOLDERS
from .problems import Mark, Report


def shown(name: str) -> str:
    """A file name as a message can show it: undecodable bytes and control characters escaped."""
    out = []
    for char in name:
        if char.isprintable() and not 0xD800 <= ord(char) <= 0xDFFF:
            out.append(char)
        elif 0xDC80 <= ord(char) <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
            out.append(f"\\x{ord(char) - 0xDC00:02x}")
        else:
            out.append(f"\\u{ord(char):04x}")
    return "".join(out)


def bad_name(name: str) -> bool:
    """Whether `shown` would change the name: surrogates are not printable either."""
    return not name.isprintable()


KINDS = (
    (stat.S_ISFIFO, "命名管道（FIFO）"),
    (stat.S_ISSOCK, "套接字（socket）"),
    (stat.S_ISCHR, "字符设备"),
    (stat.S_ISBLK, "块设备"),
)


def special(mode: int) -> str | None:
    """What a file that is neither a regular file nor a folder is, in words; None if neither."""
    for test, what in KINDS:
        if test(mode):
            return what
    return None if stat.S_ISREG(mode) or stat.S_ISDIR(mode) else "特殊文件"


def check_inputs(
    root: Path, report: Report, seen: dict[str, list[os.DirEntry]] | None = None
) -> None:
    """Report links leaving the project or theme, special files and unusable file names.

    `seen` gets each folder's entries, by its path: the readers list the folders from it, and
    an entry keeps the lstat this walk took (`readers.files.Files`), so nothing is walked twice.
    """
    root = root.resolve()
    for top in INPUT_FOLDERS:
        base = root / top
        if not base.is_dir() or base.is_symlink():
            continue
        limit = base if top == "theme" else root
        where = "主题文件夹 theme/" if top == "theme" else "项目"
        folders = [(str(base), top)]  # (path, path relative to the root, with "/")
        while folders:
            folder, folder_rel = folders.pop()
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name)
            except OSError:
                continue
            if seen is not None:
                seen[folder] = entries
            for entry in entries:
                if bad_name(entry.name):
                    rel = f"{folder_rel}/{entry.name}"
                    report.error(
                        Mark(shown(rel)),
                        "文件名中有换行符、控制字符或无法识别的字节（不是UTF-8编码的文字），"
                        "无法在提示中准确指出它，也不会读取它。请把这个文件改成普通的名字。",
                    )
                    continue
                try:
                    if entry.is_symlink():
                        rel = f"{folder_rel}/{entry.name}"
                        target = Path(entry.path).resolve(strict=True)
                        outside = not target.is_relative_to(limit)
                        if outside and top not in DATA_FOLDERS:  # data files: see Files.safe
                            report.error(
                                Mark(shown(rel)),
                                f"这是指向{where}之外（{shown(str(target))}）的链接，出于安全考虑拒绝读取和发布。"
                                "请删除这个链接，需要的文件请直接复制进来。",
                            )
                            continue
                        mode = os.stat(target).st_mode if not outside else stat.S_IFREG
                    else:
                        mode = entry.stat(follow_symlinks=False).st_mode
                except (OSError, RuntimeError):
                    continue  # a dangling link: nothing can be read through it
                if stat.S_ISREG(mode):  # most of them: nothing to say
                    continue
                rel = f"{folder_rel}/{entry.name}"
                if stat.S_ISDIR(mode):
                    if not entry.is_symlink():
                        folders.append((entry.path, rel))
                elif (what := special(mode)) is not None:
                    report.error(
                        Mark(shown(rel)),
                        f"这不是普通文件，而是{what}，读取它可能使程序停住，已拒绝读取。请删除它。",
                    )
