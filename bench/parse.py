"""Compare `source.parse` with its earlier copy (`tests/yaml_reference.py`) on a set's YAML files.

    python bench/parse.py                      # u10k's score files: same results? then timing
    python bench/parse.py --files 'bench/data/u1k/scores/*/*.yaml' --rounds 9

First every file is parsed by both and the results compared (the same nodes and marks, or the
same failure at the same mark with the same message); then both parse all the files, in turns
(old, new, new, old, ...) for --rounds rounds, and the time per file of each is printed: the
minimum and the median over the rounds. Files are read into memory first: only parsing is
timed. The data sets come from `bench/generate.py`.
"""

from __future__ import annotations

import argparse
import gc
import glob
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

import yaml_reference  # noqa: E402

from bulletin import source  # noqa: E402
from bulletin.textfile import ParseFailure  # noqa: E402


def outcome(parse, text: str, rel: str) -> object:
    """The nodes, or the failure as something to compare."""
    try:
        return parse(text, rel)
    except ParseFailure as exc:
        return ("ParseFailure", exc.mark, exc.message, exc.more)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", default="bench/data/u10k/scores/*/*.yaml")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    paths = sorted(glob.glob(str(REPO / args.files), recursive=True))
    if not paths:
        sys.exit(f"no files match {args.files} (bench/generate.py makes the data sets)")
    # named as in the project (`scores/2014/c00001.yaml`): the marks carry the name
    files = [
        ("/".join(Path(p).parts[-3:]), Path(p).read_text(encoding="utf-8").removeprefix("\ufeff"))
        for p in paths
    ]
    failures = 0
    for rel, text in files:
        expected = outcome(yaml_reference.parse, text, rel)
        if outcome(source.parse, text, rel) != expected:
            sys.exit(f"{rel}: parse differs from the reference")
        failures += isinstance(expected, tuple)
    fast = sum(source._plain_document(text, rel, 0) is not None for rel, text in files)
    print(f"{len(files)} files: the same results ({failures} failures); {fast} took the fast path")

    parsers = {"old": yaml_reference.parse, "new": source.parse}
    times: dict[str, list[float]] = {name: [] for name in parsers}
    for number in range(args.rounds):
        for name in ("old", "new") if number % 2 == 0 else ("new", "old"):
            parse = parsers[name]
            gc.collect()
            start = time.perf_counter()
            for rel, text in files:
                try:
                    parse(text, rel)
                except ParseFailure:
                    pass
            times[name].append((time.perf_counter() - start) / len(files) * 1e6)
    for name, values in times.items():
        shown = ", ".join(f"{v:.0f}" for v in values)
        print(
            f"{name}: {min(values):6.1f} µs per file at least, {statistics.median(values):6.1f}"
            f" median ({shown})"
        )
    old, new = times["old"], times["new"]
    print(
        f"old ÷ new: {statistics.median(old) / statistics.median(new):.2f}× (medians), "
        f"{min(old) / min(new):.2f}× (minimums)"
    )


if __name__ == "__main__":
    main()
