"""Score sheets out and back in: the round trip, hand-checked results, every fault at its cell."""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import ProjectDir

from bulletin import workbook

FIXTURES = Path(__file__).parent / "fixtures"
TINY_BOOK = "2014年度评分表-未分组.xlsx"
# The tiny project's sheets: row 6 plan (max 2), row 7 progress (max 4), row 9 reporter (choice),
# row 10 innovation (best-of), rows 11-12 its options; column E the group's mark, F-H experts 1-3,
# I the note, J the item id (hidden).


def run(project: ProjectDir, *args: str):
    result = CliRunner().invoke(project.cli, list(args), env={"BULLETIN_ROOT": str(project.root)})
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def make_sheets(project: ProjectDir, *extra: str) -> Path:
    out = project.root / "out"
    result = run(project, "sheets", "2014", "--out", str(out), *extra)
    assert result.exit_code == 0, result.output
    return out


def edit(
    src: Path, dst: Path, changes: dict[str, object], formats: dict[str, str] | None = None
) -> Path:
    """Fill cells as an expert would (openpyxl keeps the protection and the hidden sheet)."""
    wb = openpyxl.load_workbook(src)
    for ref, value in changes.items():
        sheet, cell = ref.split("!")
        wb[sheet][cell].value = value
        if formats and ref in formats:
            wb[sheet][cell].number_format = formats[ref]
    wb.save(dst)
    return dst


def snapshot(project: ProjectDir, year: int = 2014) -> dict[str, bytes]:
    folder = project.root / "scores" / str(year)
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_sheets_are_protected_with_validation_and_only_inputs_unlocked(tiny: ProjectDir):
    book = make_sheets(tiny) / TINY_BOOK
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames[0] == "填表说明" and wb[workbook.META_SHEET].sheet_state == "hidden"
    ws = wb["甲县"]
    assert ws.protection.sheet
    unlocked = {c.coordinate for row in ws.iter_rows() for c in row if not c.protection.locked}
    # plan and progress: mark, 3 experts, note; reporter: mark, note; innovation: note, 2 ticks.
    expected = {f"{c}{r}" for r in (6, 7) for c in "EFGHI"} | {"E9", "I9", "I10", "E11", "E12"}
    assert unlocked == expected
    rules = {str(ref): dv for dv in ws.data_validations.dataValidation for ref in dv.sqref.ranges}
    assert rules["E6"].type == "custom" and "E6<=2" in rules["E6"].formula1
    assert "ROUND(E6,2)=E6" in rules["E6"].formula1
    assert rules["E9"].type == "list" and rules["E9"].formula1 == '"正职,副职"'
    assert rules["E11"].formula1 == '"√"'
    assert ws["B7"].value == "试点县推进情况" and wb["乙县"]["B7"].value == "其他县推进情况"
    assert ws["E6"].value == 2 and ws["E9"].value == "正职" and ws["E11"].value == "√"
    assert [wb["乙县"][c].value for c in ("F7", "G7", "H7")] == [3, 3.5, 2.5]
    assert int(ws.page_setup.paperSize) == 9 and ws.print_title_rows  # 9: A4
    assert any("专家签名" in str(c.value) for row in ws.iter_rows() for c in row)


def test_round_trip_of_the_sample_changes_nothing(site_project: ProjectDir):
    before = snapshot(site_project, 2015)
    out = site_project.root / "sheets-out"
    assert run(site_project, "sheets", "2015", "--out", str(out)).exit_code == 0
    books = sorted(out.glob("*.xlsx"))
    assert len(books) == 2  # one per expert group
    result = run(site_project, "import", "2015", *map(str, books))
    assert result.exit_code == 0, result.output
    assert "没有改动任何文件" in result.output
    assert snapshot(site_project, 2015) == before


def test_a_filled_sheet_gives_the_hand_checked_result(tiny: ProjectDir, tmp_path: Path):
    book = make_sheets(tiny) / TINY_BOOK
    filled = edit(
        book,
        tmp_path / "filled.xlsx",
        {
            "乙县!F7": 4,
            "乙县!G7": 3,
            "乙县!H7": 2.5,
            "乙县!E9": "正职",
            "乙县!E11": "√",
            "乙县!I7": "推进较快",
        },
    )
    result = run(tiny, "import", "2014", str(filled))
    assert result.exit_code == 0, result.output
    assert (
        "乙县（b）第2项“其他县推进情况”：3位专家 3/3.5/2.5（计3） → 3位专家 4/3/2.5（计3.17）"
        in result.output
    )
    text = tiny.read("scores/2014/b.yaml")
    assert "progress: {experts: [4, 3, 2.5]}" in text and "reporter: 正职" in text
    assert "innovation: [一类]" in text and 'progress: "推进较快"' in text
    b = tiny.results().result("b")
    # plan 1.5 + progress (4 + 3 + 2.5) / 3 = 3.1666… -> 3.17 + reporter 正职 2 + innovation 一类 2
    assert b.total == Decimal("8.67")
    assert tiny.check().exit_code == 0
    assert snapshot(tiny)["a.yaml"] == TINY_A


TINY_A = b"unit: a\nscores:\n  plan: 2\n  progress: 3.5\n  reporter: \xe6\xad\xa3\xe8\x81\x8c\n  innovation: [\xe4\xb8\x80\xe7\xb1\xbb]\n"


FAULTS = [
    ("甲县!E6", 2.5, None, "超过满分 2"),
    ("甲县!E6", "八十五", None, "中文数字"),
    ("甲县!E6", "4.5分", None, "不要写“分”"),
    ("甲县!E6", datetime(2015, 1, 2), None, "日期"),
    ("甲县!E6", 0.85, "0%", "百分比"),
    ("甲县!E6", "=1+1", None, "没有保存公式的计算结果"),
    ("甲县!E6", 1.255, None, "两位小数"),
    ("甲县!E9", "处长", None, "不是可选项"),
    ("甲县!E11", "有", None, "符合该类别请选“√”"),
]


@pytest.mark.parametrize(("ref", "value", "fmt", "needle"), FAULTS)
def test_each_fault_is_reported_at_its_cell_and_nothing_changes(
    tiny: ProjectDir, tmp_path: Path, ref: str, value: object, fmt: str | None, needle: str
):
    book = make_sheets(tiny) / TINY_BOOK
    bad = edit(book, tmp_path / "bad.xlsx", {ref: value}, {ref: fmt} if fmt else None)
    before = snapshot(tiny)
    result = run(tiny, "import", "2014", str(bad))
    assert result.exit_code == 1
    sheet, cell = ref.split("!")
    lines = [line for line in result.output.splitlines() if ": error: " in line]
    assert len(lines) == 1, result.output
    assert lines[0].startswith(f"{bad}:{sheet}!{cell}: error: 单位“甲县”")
    assert needle in lines[0]
    title = {"E6": "方案", "E9": "汇报人级别", "E11": "改革创新"}[cell]
    assert f"“{title}”" in lines[0]
    assert snapshot(tiny) == before


def test_every_problem_in_one_run_all_or_nothing(tiny: ProjectDir, tmp_path: Path):
    book = make_sheets(tiny) / TINY_BOOK
    bad = edit(
        book,
        tmp_path / "bad.xlsx",
        {"甲县!E6": 1, "乙县!F7": 4, "乙县!G7": None, "丙局!E6": "4,5", "丙局!E7": 9},
    )
    before = snapshot(tiny)
    result = run(tiny, "import", "2014", str(bad))
    assert result.exit_code == 1
    cells = re.findall(r"!([A-Z]+[0-9]+): error: ", result.output)
    assert sorted(cells) == ["E6", "E7", "G7"]
    assert "缺少专家2的打分" in result.output and "逗号" in result.output
    assert snapshot(tiny) == before  # the valid change to 甲县 was not written either


def test_both_mark_and_experts_and_missing_mark(tiny: ProjectDir, tmp_path: Path):
    book = make_sheets(tiny) / TINY_BOOK
    bad = edit(book, tmp_path / "bad.xlsx", {"甲县!E7": 3, "甲县!F7": 3, "丙局!E6": None})
    result = run(tiny, "import", "2014", str(bad))
    assert result.exit_code == 1
    assert re.search(r":甲县!E7: error: .*既填了“得分”又填了专家分", result.output)
    assert re.search(r":丙局!E6: error: 单位“丙局”第1项“方案”（plan）还没有打分", result.output)


def test_kept_comments_notes_opinion_evidence(tiny: ProjectDir, tmp_path: Path):
    tiny.write(
        "scores/2014/a.yaml",
        "# 专家组评分\r\nunit: a\r\nscores:\r\n  plan: 2   # 满分\r\n"
        "  progress: 3.5\r\n  reporter: 正职\r\n  innovation: [一类]\r\nnotes:\r\n  plan: 按时出台\r\n"
        "opinion: |\r\n  总体较好。\r\nevidence:\r\n  - title: 自查报告\r\n",
    )
    book = make_sheets(tiny) / TINY_BOOK
    filled = edit(book, tmp_path / "f.xlsx", {"甲县!E6": 1.5})
    assert run(tiny, "import", "2014", str(filled)).exit_code == 0
    raw = tiny.path("scores/2014/a.yaml").read_bytes()
    assert (
        raw
        == (
            "# 专家组评分\r\nunit: a\r\nscores:\r\n  plan: 1.5   # 满分\r\n"
            "  progress: 3.5\r\n  reporter: 正职\r\n  innovation: [一类]\r\nnotes:\r\n  plan: 按时出台\r\n"
            "opinion: |\r\n  总体较好。\r\nevidence:\r\n  - title: 自查报告\r\n"
        ).encode()
    )
    assert tiny.check().exit_code == 0


def test_a_sheet_made_from_an_older_rubric_is_refused(tiny: ProjectDir, tmp_path: Path):
    book = make_sheets(tiny) / TINY_BOOK
    tiny.replace("rubrics/2014/county.yaml", "title: 方案", "title: 行动方案")
    result = run(tiny, "import", "2014", str(book))
    assert result.exit_code == 1
    assert f"{book}:甲县!A2: error: 工作表“甲县”（甲县）是按旧版评分标准生成的" in result.output
    assert (
        f"{book}:乙县!A2: error:" in result.output
        and f"{book}:丙局!A2: error:" not in result.output
    )


def test_a_unit_no_longer_in_the_year(tiny: ProjectDir):
    book = make_sheets(tiny) / TINY_BOOK
    units = tiny.read("content/2014/units.yaml")
    tiny.write("content/2014/units.yaml", units[: units.index("- id: c")])
    tiny.remove("scores/2014/c.yaml")
    result = run(tiny, "import", "2014", str(book))
    assert result.exit_code == 1
    assert f"{book}:丙局!A2: error: 工作表“丙局”的单位“c”不在 2014 年度的单位名单" in result.output


def test_a_duplicate_workbook(tiny: ProjectDir, tmp_path: Path):
    book = make_sheets(tiny) / TINY_BOOK
    copy = shutil.copy(book, tmp_path / "copy.xlsx")
    result = run(tiny, "import", "2014", str(book), str(copy))
    assert result.exit_code == 1
    assert f"{copy}:填表说明!A1: error: 与 {book} 是同一份评分表" in result.output


def test_one_workbook_per_expert(tiny: ProjectDir, tmp_path: Path):
    out = make_sheets(tiny, "--per-expert")
    books = sorted(out.glob("*.xlsx"))
    assert [b.name for b in books] == [f"2014年度评分表-未分组-专家{n}.xlsx" for n in (1, 2, 3)]
    assert openpyxl.load_workbook(books[1])["乙县"]["F4"].value == "专家2"
    before = snapshot(tiny)
    assert run(tiny, "import", "2014", *map(str, books)).exit_code == 0
    assert snapshot(tiny) == before
    second = edit(books[1], tmp_path / "e2.xlsx", {"乙县!F7": 4})
    result = run(tiny, "import", "2014", str(books[0]), str(second), str(books[2]))
    assert result.exit_code == 0, result.output
    assert "progress: {experts: [3, 4, 2.5]}" in tiny.read("scores/2014/b.yaml")
    missing = run(tiny, "import", "2014", str(books[0]), str(books[2]))
    assert missing.exit_code == 1
    assert (
        f"{books[0]}:填表说明!A1: error: 未分组共有 3 位专家，缺少专家2的评分表" in missing.output
    )


def test_untrusted_files_are_refused(
    tiny: ProjectDir, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    book = make_sheets(tiny) / TINY_BOOK
    macro = shutil.copy(book, tmp_path / "book.xlsm")
    assert "启用宏" in run(tiny, "import", "2014", str(macro)).output
    fake = tmp_path / "fake.xlsx"
    fake.write_text("不是表格", encoding="utf-8")
    assert (
        f"{fake}: error: 文件不是有效的 .xlsx 工作簿"
        in run(tiny, "import", "2014", str(fake)).output
    )
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(book) as src, zipfile.ZipFile(bomb, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/workbook.xml":
                body = re.sub(rb"^<\\?xml[^>]*\\?>", b"", data)
                doctype = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
                data = b'<?xml version="1.0" encoding="UTF-8"?>' + doctype + body
            dst.writestr(info, data)
    result = run(tiny, "import", "2014", str(bomb))
    assert result.exit_code == 1 and "XML炸弹" in result.output
    vba = tmp_path / "vba.xlsx"
    shutil.copy(book, vba)
    with zipfile.ZipFile(vba, "a") as archive:
        archive.writestr("xl/vbaProject.bin", b"\0" * 10)
    assert "内含宏" in run(tiny, "import", "2014", str(vba)).output
    monkeypatch.setattr(workbook, "MAX_FILE_BYTES", 1000)
    assert "超过上限" in run(tiny, "import", "2014", str(book)).output


def test_cells_written_the_way_wps_and_libreoffice_write_them(tiny: ProjectDir, tmp_path: Path):
    """Inline strings and numbers stored as text, as WPS/LibreOffice write them, by hand."""
    book = make_sheets(tiny) / TINY_BOOK
    crafted = tmp_path / "wps.xlsx"
    with zipfile.ZipFile(book) as src:
        names = workbook_sheet_files(src)
        with zipfile.ZipFile(crafted, "w") as dst:
            for info in src.infolist():
                data = src.read(info.filename)
                if info.filename == names["甲县"]:
                    text = data.decode("utf-8")
                    text = re.sub(
                        r'<c r="E6"([^>]*?)(?: t="\w+")?>.*?</c>',
                        r'<c r="E6"\1 t="inlineStr"><is><t>1.25</t></is></c>',
                        text,
                    )
                    text = re.sub(
                        r'<c r="E9"([^>]*?) t="\w+">.*?</c>',
                        r'<c r="E9"\1 t="inlineStr"><is><t>副职</t></is></c>',
                        text,
                    )
                    data = text.encode("utf-8")
                dst.writestr(info, data)
    result = run(tiny, "import", "2014", str(crafted))
    assert result.exit_code == 0, result.output
    text = tiny.read("scores/2014/a.yaml")
    assert "plan: 1.25" in text and "reporter: 副职" in text


def workbook_sheet_files(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its XML part, read from workbook.xml and its relationships."""
    wb = archive.read("xl/workbook.xml").decode("utf-8")
    rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8")
    targets = dict(re.findall(r'Id="(\w+)" Target="/?(?:xl/)?([^"]+)"', rels))
    if not targets:
        targets = {i: t for t, i in re.findall(r'Target="/?(?:xl/)?([^"]+)"[^>]*Id="(\w+)"', rels)}
    sheets = re.findall(r'<sheet [^>]*name="([^"]+)"[^>]*r:id="(\w+)"', wb)
    return {name: "xl/" + targets[rid] for name, rid in sheets}


@pytest.mark.parametrize("fixture", ["libreoffice-saved.xlsx", "libreoffice-filled.xlsx"])
def test_workbooks_saved_by_libreoffice(tiny: ProjectDir, fixture: str):
    """Made once with LibreOffice 7.4 (see tests/fixtures/README.md), from the tiny project."""
    path = FIXTURES / fixture
    if not path.exists():
        pytest.skip(f"fixture {fixture} not present")
    before = snapshot(tiny)
    result = run(tiny, "import", "2014", str(path))
    assert result.exit_code == 0, result.output
    if fixture == "libreoffice-saved.xlsx":
        assert snapshot(tiny) == before
    else:
        assert "plan: 1.5" in tiny.read("scores/2014/a.yaml")
        assert "progress: {experts: [4, 3, 2.5]}" in tiny.read("scores/2014/b.yaml")


def test_sheet_ref_quotes_as_excel_does():
    assert workbook.sheet_ref("平定县") == "平定县"
    assert workbook.sheet_ref("县(区)") == "'县(区)'"
    assert workbook.sheet_ref("A1") == "'A1'"
    assert workbook.sheet_ref("it's") == "'it''s'"
    assert workbook.sheet_ref("2015年") == "'2015年'"


def test_sheets_bytes_are_reproducible(tiny: ProjectDir):
    first = (make_sheets(tiny) / TINY_BOOK).read_bytes()
    second = (make_sheets(tiny) / TINY_BOOK).read_bytes()
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert {i.date_time for i in archive.infolist()} == {(2015, 1, 20, 0, 0, 0)}
