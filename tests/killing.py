"""Run a command in a forked process that SIGKILLs itself at its N-th write to the disk.

Every primitive that changes the file system is counted: renames, links, folder creation and
removal, unlinking, and opening a file for writing. At the N-th call the process kills itself
before the call happens, as a power cut or `kill -9` would stop it there. Running N = 1, 2, ...
until the command completes reaches every write point of a run.
"""

from __future__ import annotations

import builtins
import io
import os
import shutil
import signal
import sys
import traceback
from collections.abc import Callable

WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


def _install(limit: int) -> None:
    count = 0

    def point() -> None:
        nonlocal count
        count += 1
        if count >= limit:
            sys.stdout.flush()
            os.kill(os.getpid(), signal.SIGKILL)

    def counted(fn: Callable) -> Callable:
        def wrapper(*args, **kwargs):
            point()
            return fn(*args, **kwargs)

        return wrapper

    for name in ("replace", "rename", "link", "symlink", "mkdir", "unlink", "remove", "rmdir"):
        setattr(os, name, counted(getattr(os, name)))
    shutil.rmtree = counted(shutil.rmtree)
    real_open, real_os_open = io.open, os.open

    def open_(file, mode="r", *args, **kwargs):
        if any(c in mode for c in "wax+"):
            point()
        return real_open(file, mode, *args, **kwargs)

    def os_open(path, flags, *args, **kwargs):
        if flags & WRITE_FLAGS:
            point()
        return real_os_open(path, flags, *args, **kwargs)

    io.open = builtins.open = open_
    os.open = os_open


def run(limit: int | None, command: Callable[[], object]) -> int | None:
    """Run `command` in a child killed at write number `limit`; its exit code, None if killed."""
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 0
        try:
            if limit is not None:
                _install(limit)
            command()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:
            traceback.print_exc()
            code = 70
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        assert os.WTERMSIG(status) == signal.SIGKILL
        return None
    return os.WEXITSTATUS(status)
