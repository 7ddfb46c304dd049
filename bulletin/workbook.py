"""Shared by score sheets and results.xlsx: safe opening of untrusted workbooks, cell addresses,
reproducible bytes and the hidden sheet that records what a workbook was made from.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from openpyxl.cell.cell import Cell
from openpyxl.workbook.workbook import Workbook

from .model import Rubric
from .xlsx import ZIP_TIME_FLOOR

META_SHEET = "_生成信息"
META_FORMAT = "bulletin-score-sheets"
META_VERSION = 1
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_ENTRIES = 10_000
MACRO_SUFFIXES = {".xlsm", ".xltm", ".xlam", ".xlsb"}
OTHER_SUFFIXES = {
    ".xls": "Excel 97-2003 工作簿（.xls）",
    ".et": "WPS 表格（.et）",
    ".ods": "ODS 表格（.ods）",
    ".csv": "CSV 文本",
    ".xltx": "Excel 模板（.xltx）",
}


class WorkbookRefused(Exception):
    """The file is not a workbook this tool will read; `message` says why, in Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# -- cell addresses ------------------------------------------------------------------------------

_PLAIN_SHEET = re.compile(r"[^\W\d][\w.]*")
_LOOKS_LIKE_CELL = re.compile(r"(?i)[a-z]{1,3}[0-9]+|r[0-9]*c[0-9]*|r|c")


def sheet_ref(title: str) -> str:
    """The sheet's name as Excel writes it in a reference: quoted when it must be."""
    if _PLAIN_SHEET.fullmatch(title) and not _LOOKS_LIKE_CELL.fullmatch(title):
        return title
    return "'" + title.replace("'", "''") + "'"


def cell_ref(sheet: str, cell: str) -> str:
    """`SHEET!CELL` in A1 notation, SHEET quoted as Excel quotes it."""
    return f"{sheet_ref(sheet)}!{cell}"


def set_text(cell: Cell, text: str) -> None:
    """Write text as text: openpyxl would take a leading "=" for a formula."""
    cell.value = text
    cell.data_type = "s"


# -- what a workbook was made from -------------------------------------------------------------


def rubric_digest(rubric: Rubric) -> str:
    """A digest of what a rubric asks for (ids, titles, points, types, options, variants).

    Comments and layout of the YAML file do not count: only a change an expert would see does.
    """
    content = {
        "id": rubric.id,
        "title": rubric.title,
        "total": str(rubric.total),
        "dimensions": [
            {
                "id": d.id,
                "title": d.title,
                "points": str(d.points),
                "items": [
                    {
                        "id": i.id,
                        "title": i.title,
                        "points": str(i.points),
                        "type": i.type,
                        "options": [(o.label, str(o.points)) for o in i.options],
                        "variants": [
                            {
                                "when": [[k, repr(v)] for k, v in v.when],
                                "title": v.title,
                                "type": v.type,
                                "options": None
                                if v.options is None
                                else [(o.label, str(o.points)) for o in v.options],
                            }
                            for v in i.variants
                        ],
                    }
                    for i in d.items
                ],
            }
            for d in rubric.dimensions
        ],
    }
    text = json.dumps(content, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class SheetEntry:
    """One unit's sheet in a workbook: its name, the unit and the rubric it was made from."""

    title: str
    unit: str
    rubric: str
    digest: str


@dataclass(frozen=True, slots=True)
class WorkbookMeta:
    """What the hidden sheet records: the year, the expert group and slots, every unit's sheet."""

    year: int
    group: str
    experts: int  # expert columns the group has
    slots: tuple[int, ...]  # the expert columns (1-based) this workbook holds
    tool: str
    sheets: tuple[SheetEntry, ...]

    @property
    def key(self) -> str:
        """Which copy this is: two workbooks with the same key are the same score sheet."""
        return f"{self.year}/{self.group}/{','.join(map(str, self.slots))}"


def write_meta(wb: Workbook, meta: WorkbookMeta) -> None:
    """Add the hidden sheet that records what the workbook was made from."""
    ws = wb.create_sheet(META_SHEET)
    rows = [
        ("format", META_FORMAT),
        ("version", str(META_VERSION)),
        ("year", str(meta.year)),
        ("group", meta.group),
        ("experts", str(meta.experts)),
        ("slots", ",".join(map(str, meta.slots))),
        ("tool", meta.tool),
        ("说明", "本工作表由 build.py sheets 生成，记录评分表依据的年度和评分标准，请勿修改。"),
    ]
    for key, value in rows:
        ws.append([None, None])
        set_text(ws.cell(ws.max_row, 1), key)
        set_text(ws.cell(ws.max_row, 2), value)
    for entry in meta.sheets:
        ws.append([None] * 5)
        for col, value in enumerate(
            ("sheet", entry.title, entry.unit, entry.rubric, entry.digest), 1
        ):
            set_text(ws.cell(ws.max_row, col), value)
    ws.sheet_state = "hidden"
    ws.protection.sheet = True


def read_meta(wb: Workbook) -> WorkbookMeta | None:
    """The hidden sheet's record, or None if there is none or it is not ours."""
    if META_SHEET not in wb.sheetnames:
        return None
    ws = wb[META_SHEET]
    fields: dict[str, str] = {}
    sheets: list[SheetEntry] = []
    for row in ws.iter_rows(values_only=True):
        cells = ["" if v is None else str(v) for v in row]
        if not cells or not cells[0]:
            continue
        if cells[0] == "sheet" and len(cells) >= 5:
            sheets.append(SheetEntry(*cells[1:5]))
        elif len(cells) >= 2:
            fields[cells[0]] = cells[1]
    try:
        if fields.get("format") != META_FORMAT or int(fields.get("version", "0")) != META_VERSION:
            return None
        slots = tuple(int(s) for s in fields.get("slots", "").split(",") if s)
        return WorkbookMeta(
            int(fields["year"]),
            fields.get("group", ""),
            int(fields.get("experts", "0")),
            slots,
            fields.get("tool", ""),
            tuple(sheets),
        )
    except (KeyError, ValueError):
        return None


# -- reproducible bytes ------------------------------------------------------------------------

_CORE_TIME = re.compile(r"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def reproducible(data: bytes, day: date | None) -> bytes:
    """The workbook's bytes with fixed timestamps (zip entries and docProps/core.xml)."""
    when = (day.year, day.month, day.day, 0, 0, 0) if day else ZIP_TIME_FLOOR
    stamp = f"{when[0]:04d}-{when[1]:02d}-{when[2]:02d}T00:00:00Z"
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = content.decode("utf-8")
                content = _CORE_TIME.sub(lambda m: m.group(1) + stamp + m.group(3), text).encode()
            fixed = zipfile.ZipInfo(info.filename, date_time=max(when, ZIP_TIME_FLOOR))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            fixed.create_system = 0
            target.writestr(fixed, content, compresslevel=6)
    return out.getvalue()


def workbook_bytes(wb: Workbook, day: date | None) -> bytes:
    """Save a workbook to reproducible bytes."""
    raw = io.BytesIO()
    wb.save(raw)
    return reproducible(raw.getvalue(), day)


# -- opening untrusted workbooks ---------------------------------------------------------------


def _check_container(path: Path) -> None:
    """Refuse anything but a plain .xlsx zip of sane size, before any XML is parsed."""
    suffix = path.suffix.lower()
    if suffix in MACRO_SUFFIXES:
        raise WorkbookRefused(
            f"这是启用宏或二进制格式的工作簿（{suffix}），为安全起见不予读取；"
            "请在Excel或WPS中“另存为”Excel 工作簿（.xlsx）后再导入。"
        )
    if suffix in OTHER_SUFFIXES:
        raise WorkbookRefused(
            f"这是{OTHER_SUFFIXES[suffix]}，不是 .xlsx 工作簿；请“另存为”Excel 工作簿（.xlsx）后再导入。"
        )
    if suffix != ".xlsx":
        raise WorkbookRefused("只能导入 .xlsx 格式的工作簿（文件名应以 .xlsx 结尾）。")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise WorkbookRefused(
            f"文件有 {size / 1048576:.1f} MB，超过上限 {MAX_FILE_BYTES // 1048576} MB；"
            "评分表不会这么大，请确认选对了文件。"
        )
    if not zipfile.is_zipfile(path):
        raise WorkbookRefused("文件不是有效的 .xlsx 工作簿（可能已损坏，或只是改了扩展名）。")
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise WorkbookRefused(f"文件不是有效的 .xlsx 工作簿（{exc}）。") from None
    names = {i.filename.lower() for i in infos}
    if len(infos) > MAX_ENTRIES:
        raise WorkbookRefused(f"工作簿内含 {len(infos)} 个部件，过多，不予读取。")
    unpacked = sum(i.file_size for i in infos)
    if unpacked > MAX_UNPACKED_BYTES:
        raise WorkbookRefused(
            f"工作簿解压后有 {unpacked / 1048576:.0f} MB，超过上限 {MAX_UNPACKED_BYTES // 1048576} MB，"
            "不予读取（可能是恶意构造的文件）。"
        )
    if "[content_types].xml" not in names or "xl/workbook.xml" not in names:
        raise WorkbookRefused("文件不是 .xlsx 工作簿（缺少工作簿的组成部分）。")
    if any(n.endswith("vbaproject.bin") for n in names):
        raise WorkbookRefused(
            "工作簿内含宏（VBA），为安全起见不予读取；请另存为不含宏的 Excel 工作簿（.xlsx）后再导入。"
        )
    with zipfile.ZipFile(path) as archive:
        types = archive.read("[Content_Types].xml")[:200_000].lower()
    if b"macroenabled" in types:
        raise WorkbookRefused(
            "这是启用宏的工作簿，为安全起见不予读取；请另存为 Excel 工作簿（.xlsx）。"
        )


def open_untrusted(path: Path) -> tuple[Workbook, Workbook]:
    """Open a workbook from outside twice: cached values, and formulas (to spot uncached ones).

    Entity expansion is refused by defusedxml, which openpyxl uses when it is installed; no
    external link is kept or followed, no macro is loaded.
    """
    import openpyxl
    from openpyxl import xml as openpyxl_xml

    if not openpyxl_xml.DEFUSEDXML:  # never parse untrusted XML without the guard
        raise WorkbookRefused(
            "缺少安全组件 defusedxml，不能读取外来工作簿；请运行 python3 bootstrap.py build 重新安装。"
        )
    _check_container(path)
    import defusedxml

    try:
        values = openpyxl.load_workbook(path, data_only=True, keep_links=False, keep_vba=False)
        formulas = openpyxl.load_workbook(path, data_only=False, keep_links=False, keep_vba=False)
    except Exception as exc:
        cause: BaseException | None = exc
        while cause is not None:  # openpyxl wraps the parser's error in a ValueError of its own
            if isinstance(cause, defusedxml.DefusedXmlException):
                raise WorkbookRefused(
                    "工作簿的XML中含有实体定义（可能是恶意构造的“XML炸弹”），不予读取。"
                ) from None
            cause = cause.__cause__ or cause.__context__
        raise WorkbookRefused(
            f"无法读取工作簿（文件可能已损坏）：{type(exc).__name__}: {exc}"
        ) from None
    return values, formulas
