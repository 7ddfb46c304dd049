"""Builds, freezes and corrections killed at every write point leave a state the next run repairs.

Each test runs the real command (build.py's click group) in a forked process that SIGKILLs
itself at its N-th write (see tests/killing.py), for N = 1, 2, ... until the command completes.
After every kill the output folder must be exactly the last good site or exactly the new one,
and the next command must accept what is left and bring the folder to exactly what it builds.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
from pathlib import Path

import pytest

from bulletin.publish import journal_path, lock_path, spare_path, spare_record_path
from bulletin.record import manifest_path, read_manifest, read_record
from bulletin.site import build_site
from tests import killing
from tests.conftest import REPO, TINY

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the kill harness forks")


def tree(folder: Path) -> dict[str, str]:
    """Every file under `folder` by posix path, with the SHA-256 of its bytes."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def make_project(root: Path, score: str) -> Path:
    for rel, text in TINY.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            text.replace("  progress: 3.5\n", f"  progress: {score}\n"), encoding="utf-8"
        )
    shutil.copytree(REPO / "theme", root / "theme")
    return root


@pytest.fixture(scope="module")
def versions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two versions of a tiny project (one score and one page differ) and a build of each."""
    base = tmp_path_factory.mktemp("versions")
    a = make_project(base / "a", "3.5")
    b = make_project(base / "b", "2")
    (b / "content/2014/notes.md").write_text("# 说明\n\n新增页面。\n", encoding="utf-8")
    for name, root in (("a", a), ("b", b)):
        result = build_site(root, base / f"built-{name}" / "site")
        assert not result.report.errors, result.report.sorted()
    # a's site with b's kept beside it as the spare tree the next build starts from
    for root in (b, a):
        result = build_site(root, base / "built-a-spare" / "site")
        assert not result.report.errors, result.report.sorted()
    return {
        "a": a,
        "b": b,
        "built-a": base / "built-a",
        "built-b": base / "built-b",
        "built-a-spare": base / "built-a-spare",
    }


def cli_command(cli, root: Path, *args: str):
    def command() -> None:
        os.environ["BULLETIN_ROOT"] = str(root)
        cli.main(list(args), standalone_mode=True)

    return command


def beside(out: Path) -> set[str]:
    return {p.name for p in out.parent.iterdir()}


def settled(out: Path) -> None:
    """Beside the site only its record, its lock and perhaps the spare tree (a build that found
    nothing to do keeps none), which its own record describes exactly."""
    spare = {spare_path(out).name, spare_record_path(out).name}
    assert beside(out) - spare == {"site", manifest_path(out).name, lock_path(out).name}
    if beside(out) & spare:
        record = read_record(spare_record_path(out))
        assert record is not None and tree(spare_path(out)) == record.files


@pytest.mark.parametrize("start", ["built-a", "built-a-spare"])
def test_a_build_killed_at_every_write_leaves_the_old_or_the_new_site(
    versions, tmp_path, cli, start
):
    old, new = tree(versions["built-a"] / "site"), tree(versions["built-b"] / "site")
    assert old != new
    work = tmp_path / "work"
    out = work / "site"
    limit, kills = 1, 0
    while True:
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(versions[start], work)
        code = killing.run(limit, cli_command(cli, versions["b"], "build", "--out", str(out)))
        if code is not None:
            assert code == 0
            assert tree(out) == new
            break
        kills += 1
        now = tree(out) if out.is_dir() or not journal_path(out).exists() else None
        if now is None:  # between the two renames: the journal names the complete new tree
            assert not out.exists()
        else:
            assert now in (old, new), f"a mix after a kill at write {limit}"
        # The next build (alternately undoing the edit and building it again) repairs everything.
        target, expected = (versions["a"], old) if limit % 2 else (versions["b"], new)
        result = build_site(target, out)
        assert not result.report.errors, result.report.sorted()
        assert tree(out) == expected, f"after a kill at write {limit}"
        settled(out)
        record = read_manifest(out)
        assert record is not None and record.files == expected
        limit += 1
    # every write of a build was reached, not only a few (from a spare, only changed files are)
    assert kills > (20 if start == "built-a" else 10)


def test_a_full_build_killed_between_its_renames_keeps_a_site(versions, tmp_path, cli):
    old, new = tree(versions["built-a"] / "site"), tree(versions["built-b"] / "site")
    work = tmp_path / "work"
    out = work / "site"
    for limit in range(1, 400):
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(versions["built-a"], work)
        code = killing.run(
            limit, cli_command(cli, versions["b"], "build", "--full", "--out", str(out))
        )
        if code is not None:
            break
        if not out.exists():
            # Only between the two renames, and then the journal says how to finish.
            assert journal_path(out).exists()
        else:
            assert tree(out) in (old, new)
        result = build_site(versions["b"], out)
        assert not result.report.errors and tree(out) == new
    else:
        pytest.fail("the build never completed")


def test_the_site_folder_follows_the_umask(versions, tmp_path):
    previous = os.umask(0o022)
    try:
        out = tmp_path / "site"
        build_site(versions["a"], out)
        build_site(versions["b"], out)  # an incremental build switches in a new folder too
    finally:
        os.umask(previous)
    if os.name != "nt":
        assert stat.S_IMODE(out.stat().st_mode) == 0o755
        assert {stat.S_IMODE(p.stat().st_mode) for p in out.rglob("*") if p.is_file()} == {0o644}


def test_leftovers_of_killed_builds_are_removed(versions, tmp_path):
    out = tmp_path / "site"
    build_site(versions["a"], out)
    dead = tmp_path / ".site.new-99999-deadbeef"
    (dead / "2014").mkdir(parents=True)
    (dead / "2014" / "index.html").write_text("half", encoding="utf-8")
    (tmp_path / ".site.old-99999-deadbeef").mkdir()
    (tmp_path / "unrelated.new-1").mkdir()  # not ours: stays
    result = build_site(versions["a"], out)
    assert result.up_to_date
    assert beside(out) == {"site", manifest_path(out).name, lock_path(out).name, "unrelated.new-1"}


# -- freeze and correct ------------------------------------------------------------------------

FREEZE = ("freeze", "2014", "--date", "2015-02-01")
CORRECT = ("correct", "2014", "--reason", "更正一项得分", "--date", "2015-03-01")


def project_tree(root: Path) -> dict[str, str]:
    return {rel: h for rel, h in tree(root).items() if "__pycache__" not in rel}


@pytest.fixture(scope="module")
def archive_states(versions, tmp_path_factory, cli):
    """The tiny project published, frozen, frozen with an edit, and corrected."""
    base = tmp_path_factory.mktemp("archive-states")
    published = base / "published"
    shutil.copytree(versions["a"], published)
    frozen = base / "frozen"
    shutil.copytree(published, frozen)
    assert killing.run(None, cli_command(cli, frozen, *FREEZE)) == 0
    edited = base / "edited"
    shutil.copytree(frozen, edited)
    score = edited / "scores/2014/a.yaml"
    score.write_text(
        score.read_text(encoding="utf-8").replace("progress: 3.5", "progress: 3"), encoding="utf-8"
    )
    corrected = base / "corrected"
    shutil.copytree(edited, corrected)
    assert killing.run(None, cli_command(cli, corrected, *CORRECT)) == 0
    assert (corrected / "archive/2014-v1").is_dir()
    return {"published": published, "frozen": frozen, "edited": edited, "corrected": corrected}


@pytest.mark.parametrize(
    "start, command, done",
    [("published", FREEZE, "frozen"), ("edited", CORRECT, "corrected")],
    ids=["freeze", "correct"],
)
def test_freeze_and_correct_killed_at_every_write_can_be_run_again(
    archive_states,
    tmp_path,
    cli,
    start,
    command,
    done,
):
    expected = project_tree(archive_states[done])
    before = project_tree(archive_states[start])
    work = tmp_path / "project"
    limit = 1
    while True:
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(archive_states[start], work)
        code = killing.run(limit, cli_command(cli, work, *command))
        if code is not None:
            assert code == 0 and project_tree(work) == expected
            break
        visible = {rel: h for rel, h in project_tree(work).items() if "/." not in f"/{rel}"}
        year_file = "content/2014/year.yaml"
        # Never a truncated or half-written file: year.yaml is one version or the other.
        assert visible.get(year_file) in (before[year_file], expected[year_file])
        again = killing.run(None, cli_command(cli, work, *command))
        if again != 0:  # only when the killed run had already completed its work
            assert again == 1 and project_tree(work) == expected, f"kill at write {limit}"
        assert project_tree(work) == expected, f"after a kill at write {limit} and a second run"
        assert killing.run(None, cli_command(cli, work, "check")) == 0
        limit += 1
    assert limit > 10
