"""Pages show exactly what they were fingerprinted on, whatever a template reads (issue 9).

A copy of the theme dumps, on every page, everything its template can reach: each variable of
its context, in full (`repr` reaches every field of every view, every row and every item). If
any of that were not part of the page's fingerprint, some edit below would leave a page stale in
an incremental build, and it would differ from a clean build of the same data.
"""

from __future__ import annotations

import shutil
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
