"""Work shared with forked processes: each inherits what the parent holds, and only its result
travels back, pickled through a pipe. Where the system cannot fork (Windows), callers do the
work in one process instead (`can_fork`).

Plain `os.fork` and a pipe per process: `multiprocessing` would cost a small build more to
import (about 15 ms) than its workers save, and nothing of it is needed here.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import sys
from collections.abc import Callable, Iterable
from typing import BinaryIO, TypeVar

T = TypeVar("T")


def can_fork(workers: int) -> bool:
    return workers > 1 and hasattr(os, "fork")


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            try:
                stream.flush()
            except (OSError, ValueError):
                pass


def _child(work: Callable[[int], T], index: int, send: int) -> None:
    """Run in the forked process: do the work, send the outcome, and leave without running
    the parent's exit handlers or flushing its buffers again."""
    code = 1
    try:
        try:
            outcome: tuple = (True, work(index))
        except BaseException as exc:  # raised again in the parent
            outcome = (False, exc)
        try:
            data = pickle.dumps(outcome, pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # an exception or result that cannot travel: say what it was
            data = pickle.dumps((False, RuntimeError(f"{type(exc).__name__}: {exc}")))
        with open(send, "wb") as pipe:
            pipe.write(data)
        code = 0
    finally:
        _flush()
        os._exit(code)


def _receive(pipe: BinaryIO) -> tuple | None:
    """A process's outcome, unpickled as it is read (a result of 10 MB read whole first would
    leave its buffers to the heap of this process); None if the process sent nothing or only
    part of it."""
    try:
        return pickle.load(pipe)
    except (EOFError, pickle.UnpicklingError):
        return None


def start(work: Callable[[int], T], indexes: Iterable[int]) -> Callable[[], list[T]]:
    """Run `work(index)` in a forked process for each index; return a function that waits for
    their results, in the order of `indexes`. An exception in a process is raised again here."""
    _flush()  # what the parent has buffered is written once, not once more by each process
    children: list[tuple[int, BinaryIO]] = []
    for index in indexes:
        receive, send = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the forked process (coverage does not follow it)
            os.close(receive)
            _child(work, index, send)
        os.close(send)
        children.append((pid, open(receive, "rb")))

    def results() -> list[T]:
        statuses = []
        try:  # a process writing its result waits until it is read: read them in turn
            received = [_receive(pipe) for _, pipe in children]
        finally:  # every process is waited for, even if the reading was interrupted
            for pid, pipe in children:
                pipe.close()
                statuses.append(os.waitpid(pid, 0)[1])
        for outcome, status in zip(received, statuses, strict=True):
            if outcome is None:
                raise RuntimeError(f"工作进程意外退出（状态 {status}）。")
        for done, value in received:  # type: ignore[misc]
            if not done:
                raise value
        return [value for _, value in received]  # type: ignore[misc]

    return results


def here_and_there(work: Callable[[int], T], count: int) -> list[T]:
    """`work(index)` for each index below `count`, in order: 0 in this process while forked
    ones do the others. If this process's share fails, the others are waited for and this
    failure is the one raised."""
    collect = start(work, range(1, count))
    try:
        here = work(0)
    except BaseException:
        with contextlib.suppress(Exception):
            collect()
        raise
    return [here, *collect()]
