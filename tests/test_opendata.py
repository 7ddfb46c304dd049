"""results.json and results.csv (data contract, section 9)."""

from __future__ import annotations

import csv
import io
import json
import re
from decimal import Decimal

import yaml

from bulletin import opendata

UNIT_FIELDS = [
    "id",
    "name",
    "category",
    "rubric",
    "scored",
    "total",
    "rank",
    "tied",
    "grade",
    "weighted",
    "commended",
    "commendation_reason",
    "rectify",
    "rectification_reason",
    "dimensions",
    "items",
]
NUMBER = re.compile(r"(?<=[:\[,] )-?[0-9][0-9.eE+-]*(?=[,}\]])")


def units_yaml_ids(project) -> list[str]:
    """The unit ids of units.yaml in order, read without the code under test."""
    entries = yaml.load(project.read("content/2014/units.yaml"), Loader=yaml.BaseLoader)
    return [entry["id"] for entry in entries]


def parse_json(text: str) -> dict:
    """Parse keeping key order and every number as an exact Decimal (or int)."""
    return json.loads(text, parse_float=Decimal, object_pairs_hook=lambda pairs: dict(pairs))


def unit_json(text: str, unit_id: str) -> str:
    """The JSON text of one unit's record."""
    (line,) = [line for line in text.splitlines() if f'"id": "{unit_id}"' in line]
    return line


def test_results_json_fields_and_order(project):
    text = opendata.results_json(project.results())
    data = parse_json(text)
    assert list(data) == ["year", "title", "status", "units"]
    assert data["year"] == 2014 and data["status"] == "published"
    assert data["title"] == "阳泉市2014年度转型综改考核结果通报"
    assert [u["id"] for u in data["units"]] == units_yaml_ids(project)
    assert len(data["units"]) == 35
    for record in data["units"]:
        assert list(record) == UNIT_FIELDS


def test_results_json_pingding_values(project):
    text = opendata.results_json(project.results())
    record = next(u for u in parse_json(text)["units"] if u["id"] == "pingding")
    assert (
        record["name"] == "平定县"
        and record["category"] == "county"
        and record["rubric"] == "county"
    )
    assert record["scored"] is True and record["tied"] is False and record["rectify"] is False
    assert record["total"] == Decimal("92.35") and record["weighted"] == Decimal("9.24")
    assert record["rank"] == 1 and record["grade"] == "优秀"
    assert record["commended"] is True
    assert record["commendation_reason"] == "位列县(区)类第1名，得分92.35，不低于90分"
    assert record["rectification_reason"] is None
    assert record["dimensions"] == {
        "key-tasks": Decimal("58.85"),
        "daily": Decimal("18.5"),
        "innovation": 15,
    }
    assert list(record["items"]) == [
        "plan",
        "task-plans",
        "progress",
        "county-progress",
        "cooperation",
        "breakdown",
        "information",
        "articles",
        "meetings",
        "summary",
        "reporter",
        "reform-innovation",
    ]
    assert record["items"]["progress"] == Decimal("26.83")
    assert record["items"]["reporter"] == 3  # choice items carry their points
    assert record["items"]["reform-innovation"] == 15  # best-of too

    line = unit_json(text, "pingding")
    for written in (
        '"total": 92.35,',
        '"weighted": 9.24,',
        '"progress": 26.83,',
        '"cooperation": 5,',
    ):
        assert written in line


def test_results_json_numbers_are_exact_decimal_text(project):
    text = opendata.results_json(project.results())
    numbers = NUMBER.findall(text)
    assert len(numbers) > 35 * 15
    for number in numbers:
        # plain decimal, at most two places, no trailing zero: 87.6, never 87.60 or 87.599999
        assert re.fullmatch(r"-?(0|[1-9][0-9]*)(\.[0-9]?[1-9])?", number), number
    assert '"total": 87.6,' in unit_json(text, "chengqu")
    assert '"total": 86.45,' in unit_json(text, "swj") and '"tied": true,' in unit_json(text, "swj")


def test_results_json_nulls(tiny):
    tiny.replace("content/2014/year.yaml", "status: published\n", "status: draft\n")
    tiny.remove("scores/2014/c.yaml")
    data = parse_json(opendata.results_json(tiny.results()))
    a, b, c = data["units"]
    assert data["status"] == "draft"
    # No grades and no weight in this year: null, not missing.
    assert a["grade"] is None and a["weighted"] is None and a["commendation_reason"] is None
    assert a["scored"] is True and a["total"] == Decimal("9.5")  # 2 + 3.5 + 2 + 2
    assert b["total"] == Decimal("5.5")  # 1.5 + (3 + 3.5 + 2.5) / 3 + 1 + 0
    assert c == {
        "id": "c",
        "name": "丙局",
        "category": "reform",
        "rubric": "department",
        "scored": False,
        "total": None,
        "rank": None,
        "tied": False,
        "grade": None,
        "weighted": None,
        "commended": False,
        "commendation_reason": None,
        "rectify": False,
        "rectification_reason": None,
        "dimensions": {},
        "items": {},
    }


def test_results_csv(project):
    results = project.results()
    text = opendata.results_csv(results)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    header, body = rows[0], rows[1:]
    assert header[: len(UNIT_FIELDS) - 2] == UNIT_FIELDS[:-2]
    assert "dimensions.key-tasks" in header and "items.reform-innovation" in header
    assert "items.participation" in header
    assert [row[0] for row in body] == units_yaml_ids(project)
    assert all(len(row) == len(header) for row in body)
    pingding = dict(zip(header, body[0], strict=True))
    assert (
        pingding["id"] == "pingding"
        and pingding["total"] == "92.35"
        and pingding["weighted"] == "9.24"
    )
    assert pingding["scored"] == "true" and pingding["tied"] == "false"
    assert pingding["rectification_reason"] == ""
    assert pingding["items.progress"] == "26.83" and pingding["items.participation"] == ""
    swj = next(dict(zip(header, row, strict=True)) for row in body if row[0] == "swj")
    assert swj["rank"] == "2" and swj["tied"] == "true" and swj["items.participation"] == "5"


def test_results_csv_as_written_is_utf8_with_bom(project, tmp_path):
    path = tmp_path / "results.csv"
    path.write_text(opendata.results_csv(project.results()), encoding="utf-8", newline="")
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    first_row = data.decode("utf-8-sig").splitlines()[1]
    assert first_row.startswith("pingding,平定县,county,county,true,92.35,1,false,")
