"""site/<year>/results.xlsx: every unit, every column as documented, the same bytes every build."""

from __future__ import annotations

import io
import json
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
from conftest import ProjectDir

from bulletin.load import load_project
from bulletin.results_xlsx import CATEGORY_COLUMNS, results_xlsx
from bulletin.scoring import assess_year


def test_results_xlsx_holds_every_unit_as_results_json(built_site: Path):
    data = json.loads((built_site / "2015" / "results.json").read_text(encoding="utf-8"))
    wb = openpyxl.load_workbook(built_site / "2015" / "results.xlsx")
    assert wb.sheetnames == [
        "说明",
        "县(区)",
        "重大改革",
        "重大事项",
        "重大课题",
        "县(区)评分标准",
        "市直部门评分标准",
    ]
    seen = {}
    for title in wb.sheetnames[1:5]:
        rows = list(wb[title].iter_rows(values_only=True))
        head = list(rows[0])
        assert head[:6] == [c for c, _ in CATEGORY_COLUMNS][:6] and head[6] == "折算分（权重0.1）"
        for row in rows[1:]:
            seen[row[3]] = dict(zip(head, row, strict=True))
    units = {u["id"]: u for u in data["units"]}
    assert set(seen) == set(units)
    for uid, unit in units.items():
        row = seen[uid]
        assert Decimal(str(row["得分"])) == Decimal(str(unit["total"]))
        assert row["名次"] == unit["rank"] and row["等级"] == unit["grade"]
        assert Decimal(str(row["折算分（权重0.1）"])) == Decimal(str(unit["weighted"]))
        assert (row["表彰"] == "是") == unit["commended"] and (row["限期整改"] == "是") == unit[
            "rectify"
        ]
        assert row["名次说明"] == ("并列" if unit["tied"] else "") + f"第{unit['rank']}名"
        assert row["单位"] == unit["name"]
    county = list(wb["县(区)评分标准"].iter_rows(values_only=True))
    assert county[0][3] == "1. 重点任务小计（满分65）"
    assert county[0][4] == "县级转型综改《行动计划》按规定时限编制出台情况（满分5）"
    by_id = {row[1]: row for row in county[1:]}
    assert by_id["pingding"][4] == float(units["pingding"]["items"]["plan"])
    guide = {row[0]: row[1] for row in wb["说明"].iter_rows(values_only=True) if row[0]}
    assert guide["发布单位"] == "阳泉市转型综改工作领导组办公室"
    assert guide["通报文号"] == "阳综改组办发〔2016〕1号" and guide["通报日期"] == "2016-01-22"
    assert all(c in guide for c, _ in CATEGORY_COLUMNS)


def test_results_xlsx_is_reproducible_and_dated_by_the_bulletin(project: ProjectDir):
    loaded, report = load_project(project.root, 2014)
    results = assess_year(loaded.years[0])
    first, second = results_xlsx(results, loaded.site), results_xlsx(results, loaded.site)
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert {i.date_time for i in archive.infolist()} == {(2015, 1, 20, 0, 0, 0)}
        core = archive.read("docProps/core.xml").decode("utf-8")
    assert core.count("2015-01-20T00:00:00Z") == 2


def test_formula_like_names_are_neutralised(project: ProjectDir):
    project.replace("content/2014/units.yaml", "name: 平定县", 'name: "=HYPERLINK(\\"x\\")"')
    loaded, report = load_project(project.root, 2014)
    assert not report.errors
    wb = openpyxl.load_workbook(io.BytesIO(results_xlsx(assess_year(loaded.years[0]), loaded.site)))
    names = [row[2] for row in wb["县(区)"].iter_rows(min_row=2, values_only=True)]
    assert '\'=HYPERLINK("x")' in names
    assert all(c.data_type != "f" for ws in wb.worksheets for row in ws.iter_rows() for c in row)
