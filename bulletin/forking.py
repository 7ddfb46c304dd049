"""Work shared with forked processes: each inherits what the parent holds, and only its result
travels back, pickled through a pipe. Where the system cannot fork (Windows), callers do the
work in one process instead (`can_fork`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")


def can_fork(workers: int) -> bool:
    return workers > 1 and hasattr(os, "fork")


def start(work: Callable[[int], T], indexes: Iterable[int]) -> Callable[[], list[T]]:
    """Run `work(index)` in a forked process for each index; return a function that waits for
    their results, in the order of `indexes`. An exception in a process is raised again here."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    pipes, processes = [], []
    for index in indexes:
        receive, send = context.Pipe(duplex=False)

        def run(send=send, index=index) -> None:
            try:
                outcome = (True, work(index))
            except BaseException as exc:  # raised again in the parent
                outcome = (False, exc)
            send.send(outcome)
            send.close()

        process = context.Process(target=run, daemon=True)
        process.start()
        send.close()
        pipes.append(receive)
        processes.append(process)

    def results() -> list[T]:
        try:
            outcomes = [pipe.recv() for pipe in pipes]
        finally:
            for process in processes:
                process.join()
        for done, value in outcomes:
            if not done:
                raise value
        return [value for _, value in outcomes]

    return results
