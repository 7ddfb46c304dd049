"""The optional data the public's site shows: attribute labels, footer facts, a bulletin's imprint.

Each is optional (the sample's 2014 has none of them); when written, it is checked like every
other field and shown on the pages.
"""

from __future__ import annotations

from pathlib import Path

import sitehtml as H
from conftest import CJK, build
from test_validation import only_error

YEAR = "content/2014/year.yaml"
SITE = "content/site.yaml"
BULLETIN = "content/2014/bulletin.md"
LABELS = "attributes:\n  pilot: {true: 省级试点县(区), false: 其他县(区)}\n"


def add(project, rel: str, text: str) -> None:
    project.write(rel, project.read(rel) + text)


def test_attribute_labels_are_shown_on_the_rubric_page(site_project, tmp_path: Path):
    add(site_project, YEAR, LABELS)
    assert site_project.check().exit_code == 0
    build(site_project.root, tmp_path / "site")
    rubric = H.load(tmp_path / "site", "2014/rubrics/county/index.html").find("table", cls="rubric")
    assert "适用于省级试点县(区)：" in rubric.text and "适用于其他县(区)：" in rubric.text
    assert "pilot" not in rubric.text


def test_attribute_label_for_an_attribute_no_unit_has_is_a_warning(project):
    add(project, YEAR, "attributes:\n  pilott: {true: 省级试点县(区)}\n")
    run = project.check()
    assert run.exit_code == 0 and not run.errors
    (message,) = run.at(project.locate(YEAR, "pilott: {true", "true"), "warning")
    assert "pilott" in message and CJK.search(message)


def test_attribute_label_for_a_value_no_unit_has_is_a_warning(project):
    add(project, YEAR, "attributes:\n  pilot: {true: 试点, 3: 三类}\n")
    (message,) = project.check().at(project.locate(YEAR, "3: 三类", "3"), "warning")
    assert "pilot" in message and "3" in message


def test_attribute_labels_must_be_a_mapping_of_values(project):
    add(project, YEAR, "attributes:\n  pilot: 省级试点县\n")
    message = only_error(project.check(), project.locate(YEAR, "pilot: 省级试点县", "省级试点县"))
    assert "pilot" in message and "true: 省级试点县(区)" in message


def test_attribute_label_must_be_text(project):
    add(project, YEAR, "attributes:\n  pilot: {true: [a, b]}\n")
    message = only_error(project.check(), project.locate(YEAR, "true: [a, b]", "[a, b]"))
    assert "pilot" in message


def test_footer_shows_the_publishers_facts(site_project, tmp_path: Path):
    add(
        site_project,
        SITE,
        "host: 市人民政府办公室\ncontact: 0353-1234567\nicp: 晋ICP备00000000号\n"
        "police: 晋公网安备 00000000000000号\nurl: https://example.gov.cn/kaohe/\n",
    )
    assert site_project.check().exit_code == 0
    build(site_project.root, tmp_path / "site")
    for rel in ("index.html", "2014/index.html", "search/index.html", "units/index.html"):
        footer = H.load(tmp_path / "site", rel).find("footer").text
        for fact in ("主办单位：市人民政府办公室", "联系方式：0353-1234567", "晋ICP备00000000号"):
            assert fact in footer, (rel, fact)
        assert f"本页地址：https://example.gov.cn/kaohe/{rel}" in footer, rel


def test_site_url_must_be_http(project):
    add(project, SITE, "url: www.example.gov.cn\n")
    message = only_error(project.check(), project.locate(SITE, "url: www.example", "www"))
    assert "http://" in message and "www.example.gov.cn" in message


def test_year_pages_show_their_publication_date(site_project, tmp_path: Path):
    build(site_project.root, tmp_path / "site")
    for rel in ("2014/index.html", "2014/units/pingding/index.html", "2014/units/index.html"):
        published = H.load(tmp_path / "site", rel).find("p", cls="published").text
        assert published == "2014年度结果发布日期：2015年1月20日", rel


def test_bulletin_imprint_from_front_matter(site_project, tmp_path: Path):
    site_project.replace(
        BULLETIN,
        "date: 2015-01-20\n",
        "date: 2015-01-20\ncc: 市委办公厅，市政府办公厅\nprinted_by: 市考核办\nprinted_on: 2015-01-21\n",
    )
    assert site_project.check().exit_code == 0
    build(site_project.root, tmp_path / "site")
    imprint = H.load(tmp_path / "site", "2014/index.html").find("section", cls="imprint")
    assert imprint.text == "抄送：市委办公厅，市政府办公厅。市考核办2015年1月21日印发"


def test_bulletin_without_imprint_has_none(site_project, tmp_path: Path):
    build(site_project.root, tmp_path / "site")
    assert not H.load(tmp_path / "site", "2014/index.html").find_all("section", cls="imprint")


def test_imprint_date_must_be_a_date(project):
    project.replace(BULLETIN, "date: 2015-01-20\n", "date: 2015-01-20\nprinted_on: 2015-13-01\n")
    message = only_error(
        project.check(), project.locate(BULLETIN, "printed_on: 2015-13-01", "2015-13-01")
    )
    assert "印发日期" in message


def test_not_found_page_links_from_the_sites_address(site_project, tmp_path: Path):
    """Shown for a wrong address at any depth, 404.html resolves its links from the site's root."""
    build(site_project.root, tmp_path / "plain")
    assert not H.load(tmp_path / "plain", "404.html").find_all("base")
    add(site_project, SITE, "url: https://example.gov.cn/kaohe\n")
    build(site_project.root, tmp_path / "site")
    doc = H.load(tmp_path / "site", "404.html")
    (base,) = doc.find("head").find_all("base")
    assert base.attrs["href"] == "https://example.gov.cn/kaohe/"
    assert not H.load(tmp_path / "site", "index.html").find_all("base")
