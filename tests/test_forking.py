"""Pages drawn in forked processes: results come back in order, failures come back as failures,
and no process is left behind (bulletin.forking, writer.render)."""

from __future__ import annotations

import os
import pickle
import re
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

from bulletin import forking, load, writer
from bulletin.model import Answer, Evidence, ScoreSheet
from bulletin.problems import Mark, Report

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="this system cannot fork")
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def forked(monkeypatch) -> list[int]:
    """The processes each test forks, by pid (other tests' servers may be running too)."""
    pids: list[int] = []
    real = os.fork

    def fork() -> int:
        pid = real()
        if pid:
            pids.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", fork)
    return pids


def reaped(pids: list[int]) -> bool:
    """Whether each of these processes has been waited for: none is left behind as a zombie."""
    for pid in pids:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            continue
        return False
    return bool(pids)


def test_results_come_back_in_order_from_other_processes(forked):
    parent = os.getpid()
    got = forking.start(lambda i: (i * i, os.getpid()), [3, 1, 2])()
    assert [square for square, _ in got] == [9, 1, 4]
    assert all(pid != parent for _, pid in got) and len({pid for _, pid in got}) == 3
    assert reaped(forked)


def test_an_exception_in_a_process_is_raised_again_here(forked):
    def work(i: int) -> int:
        if i == 1:
            raise KeyError(f"no such page {i}")
        return i

    with pytest.raises(KeyError, match="no such page 1"):
        forking.start(work, [0, 1, 2])()
    assert reaped(forked)


def test_a_process_that_dies_without_a_result_is_an_error(forked):
    def work(i: int) -> int:
        if i == 1:
            os._exit(3)  # as if killed: no result, no exception
        return i

    with pytest.raises(RuntimeError, match="工作进程意外退出"):
        forking.start(work, [0, 1])()
    assert reaped(forked)


def test_a_result_that_cannot_travel_is_named(forked):
    with pytest.raises(RuntimeError, match="pickle|lambda|local object"):
        forking.start(lambda i: lambda: i, [0])()
    assert reaped(forked)


def test_a_large_result_does_not_block_the_others(forked):
    """Results larger than a pipe holds, read one process after the other."""
    got = forking.start(lambda i: bytes([i]) * 3_000_000, [0, 1, 2])()
    assert [len(r) for r in got] == [3_000_000] * 3 and [r[0] for r in got] == [0, 1, 2]
    assert reaped(forked)


class Interrupted(Exception):
    pass


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="no interval timer here")
def test_waiting_interrupted_leaves_no_process(forked):
    """Ctrl+C while the results are read: the processes are still waited for."""

    def interrupt(signum, frame):
        raise Interrupted

    def slow(i: int) -> int:
        time.sleep(1)
        return i

    results = forking.start(slow, [0, 1])
    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.2)
        with pytest.raises(Interrupted):
            results()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert reaped(forked)


def test_what_the_parent_had_buffered_is_written_once(tmp_path: Path):
    script = (
        "import sys\n"
        f"sys.path.insert(0, {str(REPO)!r})\n"
        "from bulletin import forking\n"
        "sys.stdout.write('before ')\n"
        "forking.start(lambda i: sys.stdout.write(f'child{i} ') and i, [0, 1])()\n"
        "print('after')\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # buffered, as a pipe is
    run = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env=env,
    )
    words = run.stdout.split()
    assert sorted(words) == ["after", "before", "child0", "child1"], run.stdout
    assert words[0] == "before" and words[-1] == "after"


class Failing:
    """Draws every page but one, whose template fails."""

    def __init__(self, bad: str) -> None:
        self.bad = bad

    def __call__(self, path: str) -> str:
        if path == self.bad:
            raise writer.RenderFailure(Mark("theme/templates/unit.html", 7), "模板错误：坏了")
        return f"<p>{path}</p>"


def jobs_for(count: int, draw) -> list[writer.Job]:
    return [
        writer.Job(
            f"p{n}/index.html",
            lambda n=n: f"fp{n}",
            lambda n=n: draw(f"p{n}/index.html"),
            "unit" if n % 3 else "ranking",
        )
        for n in range(count)
    ]


@pytest.mark.parametrize("bad", [None, "p0/index.html", "p49/index.html", "p98/index.html"])
def test_pages_shared_with_a_worker_are_each_drawn_once(tmp_path: Path, bad, forked):
    """Two forked workers draw a share each: every page is in the record and on disk once,
    with what was written before them, and a failing page fails the render in either share."""
    out, staging = tmp_path / "site", tmp_path / "staging"
    staging.mkdir()
    output = writer.Output(out, staging, None)
    output.add("style.css", b"body{}")  # written before the pages: kept through the shares
    prepared = []
    jobs = jobs_for(99, Failing(bad or ""))
    if bad is not None:
        with pytest.raises(writer.RenderFailure, match="坏了"):
            writer.render(jobs, output, tmp_path, 2, lambda: prepared.append(1), least=10)
        assert reaped(forked)
        return
    drawn = writer.render(jobs, output, tmp_path, 2, lambda: prepared.append(1), least=10)
    assert drawn == 99 and prepared == [1] and reaped(forked)
    assert sorted(output.manifest.pages) == sorted(job.path for job in jobs)
    assert set(output.manifest.files) == {"style.css", *(job.path for job in jobs)}
    assert output.written == 100
    for job in jobs:
        assert (staging / job.path).read_text(encoding="utf-8") == f"<p>{job.path}</p>"


def test_below_the_threshold_nothing_is_forked_or_prepared(tmp_path: Path, forked):
    (tmp_path / "staging").mkdir()
    output = writer.Output(tmp_path / "site", tmp_path / "staging", None)
    prepared, parent = [], os.getpid()
    pids = []
    jobs = jobs_for(9, lambda path: pids.append(os.getpid()) or path)
    assert writer.render(jobs, output, tmp_path, 2, lambda: prepared.append(1), least=10) == 9
    assert prepared == [] and set(pids) == {parent} and forked == []


# -- open data made in two processes (writer.make_files) ---------------------------------------


def makers_for(count: int, made: list) -> list[writer.Maker]:
    """Makers of one or two files each, noting which process made them (in this process's list;
    a forked one's notes stay in its own copy, so its files say it)."""

    def maker(n: int) -> writer.Maker:
        def make() -> list[tuple[str, bytes]]:
            made.append(n)
            pid = b"%08d" % os.getpid()  # the same size from any process
            files = [(f"{n}/results.json", b"[%d]" % n + pid)]
            return files + [(f"search/text-{n}.js", pid)] if n % 2 else files

        return make

    return [maker(n) for n in range(count)]


def test_open_data_shared_with_a_process_is_made_once_each(tmp_path: Path, forked):
    """Each maker runs once, this process and a forked one taking them in turn; every file is on
    disk and in the record, with what was written before, as if made in one process."""
    staging, alone = tmp_path / "staging", tmp_path / "alone"
    staging.mkdir()
    alone.mkdir()
    output = writer.Output(tmp_path / "site", staging, None)
    output.add("style.css", b"body{}")
    made: list[int] = []
    writer.make_files(makers_for(7, made), output, 2, writer.PARALLEL_DATA_MIN)
    assert made == [0, 2, 4, 6] and reaped(forked) and len(forked) == 1
    single = writer.Output(tmp_path / "site", alone, None)
    single.add("style.css", b"body{}")
    writer.make_files(makers_for(7, []), single, 1, writer.PARALLEL_DATA_MIN)
    assert set(output.manifest.files) == set(single.manifest.files)
    assert output.manifest.sizes == single.manifest.sizes and output.written == 11
    here, there = f"{os.getpid():08d}", f"{forked[0]:08d}"
    for n in range(7):
        text = (staging / f"{n}/results.json").read_text(encoding="utf-8")
        assert text.startswith(f"[{n}]") and text.endswith(there if n % 2 else here)
    assert (staging / "style.css").read_bytes() == b"body{}"


def test_small_open_data_is_made_here(tmp_path: Path, forked):
    (tmp_path / "staging").mkdir()
    output = writer.Output(tmp_path / "site", tmp_path / "staging", None)
    made: list[int] = []
    writer.make_files(makers_for(4, made), output, 2, writer.PARALLEL_DATA_MIN - 1)
    assert made == [0, 1, 2, 3] and forked == [] and len(output.manifest.files) == 6


@pytest.mark.parametrize("where", [0, 1])
def test_a_failing_maker_fails_the_build_and_leaves_no_process(tmp_path: Path, forked, where):
    (tmp_path / "staging").mkdir()
    output = writer.Output(tmp_path / "site", tmp_path / "staging", None)
    makers = makers_for(4, [])
    makers[where] = lambda: 1 / 0
    with pytest.raises(ZeroDivisionError):
        writer.make_files(makers, output, 2, writer.PARALLEL_DATA_MIN)
    assert reaped(forked)


# -- score files read in several processes (load.shared_out) -----------------------------------


def test_a_shared_out_read_keeps_the_order_of_items_and_problems(forked):
    report = Report()

    def read(i: int) -> tuple[int, int]:
        if i % 7 == 0:
            report.error(Mark(f"scores/{i:03d}.yaml", 1, 1), f"第{i}项有错")
        return i, os.getpid()

    got = load.shared_out(report, list(range(50)), read, 3)
    assert [i for i, _ in got] == list(range(50))
    assert [p.mark.path for p in report.problems] == [
        f"scores/{i:03d}.yaml" for i in range(0, 50, 7)
    ]
    pids = [pid for _, pid in got]
    assert pids[0] == os.getpid() and len(set(pids)) == 3 and reaped(forked)
    # this process reads the largest share: the others pay for sending theirs back
    assert pids.count(os.getpid()) > max(pids.count(p) for p in set(pids) - {os.getpid()})


@pytest.mark.parametrize("where", ["here", "there"])
def test_a_failing_read_fails_the_load_and_leaves_no_process(forked, where):
    def read(i: int) -> int:
        if (i == 1 and where == "here") or (i == 8 and where == "there"):
            raise ValueError(f"读不了 {i}")
        return i

    with pytest.raises(ValueError, match="读不了"):
        load.shared_out(Report(), list(range(10)), read, 2)
    assert reaped(forked)


def test_score_sheets_read_apart_are_those_read_in_turn(project, monkeypatch, forked):
    """The sample read in two processes gives equal sheets and the same problems, in order."""
    scores = project.root / "scores" / "2014"
    files = sorted(scores.glob("*.yaml"))
    for path, line in [(files[2], "plan: 很好"), (files[-3], "plan: [1,")]:
        text = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r"(?m)^  plan: .*$", f"  {line}", text, count=1), encoding="utf-8")
    (scores / "nobody.yaml").write_text("unit: nobody\nscores: {}\n", encoding="utf-8")
    in_turn, said = load.load_project(project.root, workers=1)
    assert forked == []
    monkeypatch.setattr(load, "PARALLEL_LOAD_MIN", 1)
    apart, told = load.load_project(project.root, workers=2)
    assert len(forked) == 1 and reaped(forked)
    assert apart == in_turn
    assert [str(p) for p in told.problems] == [str(p) for p in said.problems]
    assert len(said.errors) >= 3


def test_a_score_sheet_travels_as_itself():
    sheet = ScoreSheet(
        "pingding",
        {
            "plan": Answer(Decimal("4.50")),
            "progress": Answer(experts=(Decimal(16), Decimal("14.5"))),
        },
        True,
        {"plan": "备注"},
        "意见",
        (Evidence("自查报告"), Evidence("材料", "附件")),
    )
    back = pickle.loads(pickle.dumps(sheet, pickle.HIGHEST_PROTOCOL))
    assert back == sheet and repr(back) == repr(sheet)
    assert str(back.answers["plan"].value) == "4.50"  # a Decimal's written places travel too
