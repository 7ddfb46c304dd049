"""The benchmark's table of where a cold build's time goes: each step's median as the build
reports it, and the rest of each run's wall time (start-up, imports, the exit) taken per run."""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))

import run  # noqa: E402


def sample(wall: float, line: str) -> run.Sample:
    return run.Sample(wall, None, None, 0, f"已生成网站：……\n{line}\n")


def test_the_rest_is_each_runs_wall_time_less_its_steps():
    # the steps' medians come from different runs and add up to more than the median wall
    # time, which the old way (median wall less the medians' sum) showed as a rest of 0
    series = run.Series(
        [
            sample(10.0, "load 1.00s render 8.50s"),
            sample(10.5, "load 3.00s render 6.50s"),
            sample(20.0, "load 3.50s render 15.50s"),
        ]
    )
    got = run.phases(series)
    assert got == {"load": 3.0, "render": 8.5, "rest": 1.0}
    assert series.median - (got["load"] + got["render"]) < 0


def test_no_timings_line_gives_no_steps():
    assert run.phases(run.Series([run.Sample(1.0, None, None, 0, "已生成网站")])) is None


def test_the_last_timings_line_of_a_run_counts():
    series = run.Series([sample(3.0, "load 0.50s render 1.00s\nload 1.00s render 1.50s")])
    assert run.phases(series) == {"load": 1.0, "render": 1.5, "rest": 0.5}
