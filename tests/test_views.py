"""Pages show exactly what they were fingerprinted on, whatever a template reads (issue 9).

A copy of the theme dumps, on every page, everything its template can reach: each variable of
its context, in full (`repr` reaches every field of every view, every row and every item). If
any of that were not part of the page's fingerprint, some edit below would leave a page stale in
an incremental build, and it would differ from a clean build of the same data.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import jinja2
import pytest
import sitehtml as H
from conftest import ProjectDir, build
from test_site import (
    _bulletin_text,
    _experts,
    _opinion,
    _rename_unit,
    _rubric_wording,
    _score,
    _site_title,
    _weight,
    assert_same_site,
)

from bulletin import render
from bulletin.site import BuildState

REACH = "\n<!-- reach: {{ reach() }} -->\n"


@jinja2.pass_context
def reach(context: jinja2.runtime.Context) -> str:
    """Every variable the template can see, except the environment's own functions, in full."""
    names = sorted(k for k in context.get_all() if k not in context.environment.globals)
    return "; ".join(f"{k}={context.get_all()[k]!r}" for k in names)


@pytest.fixture
def reaching(monkeypatch: pytest.MonkeyPatch, site_project: ProjectDir) -> ProjectDir:
    """The sample with a theme whose every page ends with a dump of all its template can reach."""
    templates = site_project.path("theme/templates")
    for path in templates.glob("*.html"):
        if path.name.startswith("_") or path.name == "base.html":
            continue  # macros are imported, not pages; base.html gets the block below
        text = path.read_text(encoding="utf-8")
        if "{% extends" in text:
            # A child template's text outside its blocks is not rendered: dump inside one.
            text += "{% block reach %}" + REACH + "{% endblock %}"
        else:
            text += REACH
        path.write_text(text, encoding="utf-8")
    base = templates / "base.html"
    text = base.read_text(encoding="utf-8")
    base.write_text(
        text.replace("</body>", "{% block reach %}" + REACH + "{% endblock %}</body>"),
        encoding="utf-8",
    )
    original = render.environment

    def environment(theme: Path) -> jinja2.Environment:
        env = original(theme)
        env.globals["reach"] = reach
        return env

    monkeypatch.setattr(render, "environment", environment)
    return site_project


def _grade_band(p: ProjectDir) -> None:
    p.replace(
        "content/2015/year.yaml", "  - {name: 良好, min: 80}\n", "  - {name: 良好, min: 85}\n"
    )


def _category_title(p: ProjectDir) -> None:
    p.replace(
        "content/2015/year.yaml",
        "{id: reform, title: 重大改革}",
        "{id: reform, title: 重大改革事项}",
    )


def _item_title_2015(p: ProjectDir) -> None:
    text = p.read("rubrics/2015/department.yaml")
    start = text.index("title:", text.index("items:"))
    end = text.index("\n", start)
    p.write("rubrics/2015/department.yaml", text[:start] + "title: 评分项名称已改" + text[end:])


def _assessment_name(p: ProjectDir) -> None:
    p.replace("content/site.yaml", "assessment: 转型综改考核\n", "assessment: 综合改革考核\n")


def _score_2015(p: ProjectDir) -> None:
    text = p.read("scores/2015/pingding.yaml")
    start = text.index("  plan: ")
    end = text.index("\n", start)
    value = text[start + len("  plan: ") : end]
    p.write(
        "scores/2015/pingding.yaml",
        text[:start] + f"  plan: {'3' if value != '3' else '2'}" + text[end:],
    )


EDITS = {
    "a score": _score,
    "a score of the newest year": _score_2015,
    "an expert mark": _experts,
    "a unit's name": _rename_unit,
    "the weight": _weight,
    "a grade band": _grade_band,
    "the bulletin text": _bulletin_text,
    "a category title": _category_title,
    "a rubric item's title": _rubric_wording,
    "a rubric item's title in the newest year": _item_title_2015,
    "an opinion": _opinion,
    "the site title": _site_title,
    "the assessment's name": _assessment_name,
}


def test_every_page_dumps_what_it_can_reach(reaching: ProjectDir, tmp_path: Path):
    out = tmp_path / "site"
    build(reaching.root, out)
    pages = [rel for rel in H.files(out) if rel.endswith(".html")]
    assert pages
    for rel in pages:
        text = (out / rel).read_text(encoding="utf-8")
        assert text.count("<!-- reach: ") == 1, rel
        assert "site=SiteConfig(" in text, rel


@pytest.mark.parametrize("state", [None, "preview"], ids=["like-build", "like-serve"])
def test_incremental_build_equals_clean_build_whatever_the_template_reads(
    reaching: ProjectDir, tmp_path: Path, state: str | None
):
    out = tmp_path / "incremental" / "site"
    keep = BuildState() if state else None
    build(reaching.root, out, state=keep)
    failures = []
    for n, (name, edit) in enumerate(EDITS.items()):
        before = H.snapshot(out)
        edit(reaching)
        clean = tmp_path / f"clean-{n}" / "site"
        build(reaching.root, clean)
        build(reaching.root, out, state=keep)
        if H.snapshot(out) == before:
            failures.append(f"{name}: the edit changed nothing in the site")
        try:
            assert_same_site(out, clean)
        except pytest.fail.Exception as exc:
            failures.append(f"{name}: {exc}")
            build(reaching.root, out, full=True)
        shutil.rmtree(clean.parent)
    assert not failures, "\n\n".join(failures)


@dataclass(frozen=True)
class V:
    """A view of one value, for the tests of `kept`."""

    value: str


def counting_theme(tmp_path: Path, macros: str, page: str) -> jinja2.Environment:
    """A theme of `_m.html` and `page.html` whose `drawn()` counts 1, 2, 3... as it draws."""
    templates = tmp_path / "theme" / "templates"
    templates.mkdir(parents=True)
    (templates / "_m.html").write_text(macros, encoding="utf-8")
    (templates / "page.html").write_text(page, encoding="utf-8")
    env = render.environment(tmp_path / "theme")
    count = iter(range(1, 1000))
    env.globals["drawn"] = lambda: next(count)
    return env


def test_kept_draws_a_macro_again_only_when_what_it_sees_changes(tmp_path: Path):
    """`kept(macro, ...)` is `macro(...)`; while keeping, a context-free macro's text is reused
    for the very same views and equal plain values, and nothing else is ever reused."""
    from decimal import Decimal

    from bulletin.reuse import Parts

    env = counting_theme(
        tmp_path,
        "{% macro row(r, label) %}[{{ drawn() }} {{ label }} {{ r.value }}]{% endmacro %}",
        '{% from "_m.html" import row %}'
        "{% macro own(x) %}<{{ drawn() }} {{ x }} {{ page }}>{% endmacro %}"
        "{{ kept(row, r, label) }}{{ kept(own, label) }}{{ kept(own, label) }}{{ kept(row, r, other) }}",
    )
    templates = tmp_path / "theme" / "templates"

    def draw(**values: object) -> str:
        return env.get_template("page.html").render(values)

    v = V("a")
    assert draw(r=v, label="x", other=1, page="p") == "[1 x a]<2 x p><3 x p>[4 1 a]"  # not keeping
    parts = Parts()
    with render.keeping(env, parts):
        assert draw(r=v, label="x", other=1, page="p") == "[5 x a]<6 x p><7 x p>[8 1 a]"
        # the same view and values: both rows kept; the page's own macro, which sees the page,
        # is drawn each time
        assert draw(r=v, label="x", other=1, page="q") == "[5 x a]<9 x q><10 x q>[8 1 a]"
        # equal plain values of another type or written otherwise are drawn apart
        assert draw(r=v, label="x", other=True, page="q") == "[5 x a]<11 x q><12 x q>[13 True a]"
        got = draw(r=v, label="x", other=Decimal("1.0"), page="q")
        assert got == "[5 x a]<14 x q><15 x q>[16 1.0 a]"
        # an equal view that is another object is drawn again (views are kept by identity)
        assert draw(r=V("a"), label="x", other=1, page="q") == "[17 x a]<18 x q><19 x q>[20 1 a]"
        # a value of any other type is never kept
        listed = "[21 [&#39;x&#39;] a]<22 [&#39;x&#39;] q><23 [&#39;x&#39;] q>[8 1 a]"
        assert draw(r=v, label=["x"], other=1, page="q") == listed
    # not keeping: drawn again
    assert draw(r=v, label="x", other=1, page="q") == "[24 x a]<25 x q><26 x q>[27 1 a]"
    # an edited macro is a new macro, which nothing was kept for
    (templates / "_m.html").write_text(
        "{% macro row(r, label) %}({{ drawn() }} {{ label }} {{ r.value }}){% endmacro %}",
        encoding="utf-8",
    )
    with render.keeping(env, parts):
        assert draw(r=v, label="x", other=1, page="q") == "(28 x a)<29 x q><30 x q>(31 1 a)"


def test_a_kept_part_keeps_alive_the_parts_it_was_made_of():
    """A category's rows kept whole keep each unit's row too: when the category has to be made
    again, the rows that did not change are the same objects (and their drawn text with them)."""
    from bulletin.reuse import Parts

    class Owner:
        pass

    parts, a, b, made = Parts(every=1), Owner(), Owner(), []  # swept at every build

    def row(owner: Owner) -> tuple:
        return parts.get((owner,), ("row",), lambda: made.append(owner) or ("row", owner))

    def rows(key: str) -> tuple:
        return parts.get((a, b), ("rows", key), lambda: (row(a), row(b)))

    first = rows("k")
    assert made == [a, b]
    for _ in range(3):  # the whole is reused; nothing asks for the rows one by one
        parts.next_build()
        assert rows("k") is first
    parts.next_build()
    again = rows("other")  # the whole must be made again: its unchanged rows are still kept
    assert made == [a, b] and again == first and again[0] is first[0]
    parts.next_build()
    parts.next_build()  # asked for by no build: dropped, rows and all
    assert row(a) is not first[0] and made == [a, b, a]


def test_a_page_left_as_it_was_keeps_alive_the_parts_it_was_drawn_with():
    """A category's ranking page, not drawn while other categories are edited, keeps its rows:
    when it changes at last, only its changed rows are drawn again."""
    from bulletin.reuse import Parts

    parts, made = Parts(every=1), []  # swept at every build

    def row(owner: object) -> object:
        return parts.get((owner,), ("row",), lambda: made.append(owner) or owner)

    a = object()
    parts.drawing("ranking.html", lambda: row(a))
    for _ in range(3):  # builds that leave the page as it was
        parts.next_build()
        parts.keep_drawn("ranking.html")
    parts.next_build()
    assert parts.drawing("ranking.html", lambda: row(a)) is a and made == [a]
    parts.next_build()
    parts.next_build()  # neither drawn nor left as it was (the page is gone): dropped
    row(a)
    assert made == [a, a]


def test_parts_are_swept_at_every_nth_build_only():
    """A sweep walks every part still in use, so it comes every few builds; until then an
    old part may be found again, which is right (the same owners and key give the same part),
    and after it only what the last build reached is left."""
    from bulletin.reuse import Parts

    class Owner:
        pass

    parts, made = Parts(every=4), []
    owners = [Owner() for _ in range(6)]

    def row(owner: Owner) -> object:
        return parts.get((owner,), ("row",), lambda: made.append(owner) or ("row", owner))

    def rows(*of: Owner) -> tuple:
        return parts.get(of, ("rows",), lambda: tuple(row(o) for o in of))

    first = rows(*owners[:2])  # 3 parts: the whole and its two rows
    for o in owners[2:5]:  # three builds each leaving a part behind: not swept yet
        parts.next_build()
        row(o)
    assert len(parts.table) == 6  # owners[3]'s row, asked for by no build since, goes next
    assert row(owners[2]) == ("row", owners[2])  # left behind, still found
    assert rows(*owners[:2]) is first  # asked for again: kept, rows and all
    row(owners[5])
    parts.next_build()  # the fourth: swept, keeping what this build (the third) asked for
    kept = {
        (("rows",), *map(id, owners[:2])),
        *((("row",), id(o)) for o in (*owners[:2], *owners[4:], owners[2])),
    }
    assert set(parts.table) == kept
    assert made == owners  # nothing was made twice


def test_runs_of_rows_are_drawn_again_only_where_a_row_changed(tmp_path: Path):
    """`rows | runs(n)` groups rows for `kept`: the same tuple while its rows are the same
    objects, so an edit draws again the run of the row it changed and no other row."""
    from bulletin.reuse import Parts

    env = counting_theme(
        tmp_path,
        "{% macro item(r) %}[{{ drawn() }}{{ r.value }}]{% endmacro %}"
        "{% macro items(rows) %}<{{ drawn() }}{% for r in rows %}{{ kept(item, r) }}{% endfor %}>"
        "{% endmacro %}",
        '{% from "_m.html" import items %}'
        "{% for run in rows | runs(2) %}{{ kept(items, run) }}{% endfor %}",
    )

    def draw(rows: tuple) -> str:
        return env.get_template("page.html").render(rows=rows)

    a, b, c, d, e = map(V, "abcde")
    assert draw((a, b, c, d, e)) == "<1[2a][3b]><4[5c][6d]><7[8e]>"  # not keeping
    parts = Parts()
    with render.keeping(env, parts):
        assert draw((a, b, c, d, e)) == "<9[10a][11b]><12[13c][14d]><15[16e]>"
        assert draw((a, b, V("c"), d, e)) == "<9[10a][11b]><17[18c][14d]><15[16e]>"


def test_a_one_off_build_makes_unit_views_where_they_are_drawn(site_project: ProjectDir):
    """A one-off build's unit pages make their views when first asked (in the render worker that
    draws them), once, and equal to the views the preview makes at once."""
    from bulletin.load import load_project
    from bulletin.pages import Pages
    from bulletin.reuse import Parts, assess

    project, report = load_project(site_project.root)
    assert not report.errors
    years = [assess(y, None) for y in project.years if y.year.status != "frozen"]
    later = [p for p in Pages(years) if p.template == "unit.html"]
    now = [p for p in Pages(years, parts=Parts()) if p.template == "unit.html"]
    assert len(later) == len(now) > 30
    assert all(p._make is not None for p in later) and all(p._make is None for p in now)
    for lazy, eager in zip(later, now, strict=True):
        assert lazy.path == eager.path and lazy.kind == eager.kind == "unit"
        view = lazy.view
        assert view == eager.view and lazy._make is None and lazy.view is view  # made once


def test_an_archived_total_written_otherwise_is_shown_as_written():
    """The archived standings are kept as one object while their values are the same as
    written: 85.50 equals 85.5 as a number, but a history page shows what the archive says."""
    from decimal import Decimal

    from bulletin.history import Standing
    from bulletin.pages import Pages
    from bulletin.reuse import Parts

    parts = Parts()
    for total in ("85.50", "85.5"):
        parts.next_build()
        standing = Standing(
            2014, "u1", "单位", "county", "县区", True, Decimal(total), Decimal(100), 1, False, None
        )
        (history,) = [p for p in Pages((), (), (standing,), parts=parts) if p.kind == "history"]
        assert str(history.view.lines[0].standing.total) == total
