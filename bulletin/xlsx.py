"""A small writer of plain .xlsx workbooks: text and numbers, a few styles, reproducible bytes.

results.xlsx needs no formulas, validation or protection, and is written on every build: this
writes the few SpreadsheetML parts such a workbook has directly, about fifty times faster than
building it cell by cell with openpyxl, and byte-identical for the same content (fixed zip
timestamps and entry order). openpyxl still writes and reads the score sheets (sheets, import).
"""

from __future__ import annotations

import functools
import re
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

# Cell styles (indexes into styles.xml's cellXfs).
PLAIN, HEAD, WRAP, BOLD = 0, 1, 2, 3
ZIP_TIME_FLOOR = (1980, 1, 1, 0, 0, 0)
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\']")
# Characters XML 1.0 cannot hold at all (a spreadsheet would refuse the file).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

Value = str | Decimal | int | None


def escape(text: str, entities: dict[str, str] | None = None) -> str:
    """XML character data (xml.sax.saxutils.escape, without importing urllib with it)."""
    text = text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
    for char, entity in (entities or {}).items():
        text = text.replace(char, entity)
    return text


def neutralised(text: str) -> str:
    """Text that no spreadsheet will run: a leading = + - @ (or tab, CR) gets a quote before it."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def sheet_title(name: str, taken: set[str]) -> str:
    """A valid, unique (case-insensitively, as Excel compares) sheet name made from `name`."""
    base = _BAD_SHEET_CHARS.sub("_", name).strip() or "工作表"
    base = base[:28]
    title, n = base, 2
    while title.lower() in taken:
        title, n = f"{base[:26]}_{n}", n + 1
    taken.add(title.lower())
    return title


def column_letter(index: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass
class Sheet:
    title: str
    # (values, styles), or a row's XML made by `row_xml` for its place
    rows: list[tuple[list[Value], list[int] | int] | str] = field(default_factory=list)
    widths: list[float] = field(default_factory=list)
    heights: dict[int, float] = field(default_factory=dict)  # 1-based row -> points
    frozen_rows: int = 0

    def add(self, values: list[Value], style: list[int] | int = PLAIN) -> None:
        self.rows.append((values, style))

    def add_xml(self, xml: str) -> None:
        """A row made by `row_xml` for the place it takes (row len(rows) + 1)."""
        self.rows.append(xml)


def _text(value: str) -> str:
    return escape(_NOT_XML.sub("", neutralised(value)))


def _sheet_xml(sheet: Sheet) -> list[str]:
    """The sheet's XML, in pieces: its head, then every CHUNK_ROWS rows, then its end."""
    parts = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    ]
    if sheet.frozen_rows:
        n = sheet.frozen_rows
        parts.append(
            '<sheetViews><sheetView workbookViewId="0">'
            f'<pane ySplit="{n}" topLeftCell="A{n + 1}" activePane="bottomLeft" state="frozen"/>'
            "</sheetView></sheetViews>"
        )
    if sheet.widths:
        cols = "".join(
            f'<col min="{i}" max="{i}" width="{w:g}" customWidth="1"/>'
            for i, w in enumerate(sheet.widths, 1)
        )
        parts.append(f"<cols>{cols}</cols>")
    parts.append("<sheetData>")
    rows = [
        row if type(row) is str else row_xml(r, *row, sheet.heights.get(r))
        for r, row in enumerate(sheet.rows, 1)
    ]
    chunks = ["".join(parts)]
    chunks += ("".join(rows[i : i + CHUNK_ROWS]) for i in range(0, len(rows), CHUNK_ROWS))
    chunks.append("</sheetData></worksheet>")
    return chunks


@functools.lru_cache(maxsize=4)
def _letters(width: int) -> tuple[str, ...]:
    return tuple(column_letter(i) for i in range(1, width + 1))


def row_xml(
    r: int, values: list[Value], style: list[int] | int = PLAIN, height: float | None = None
) -> str:
    """Row `r` of a sheet (1-based) as XML."""
    styles = style if isinstance(style, list) else [style] * len(values)
    letters = _letters(len(values))
    cells = [f'<row r="{r}" ht="{height:g}" customHeight="1">' if height else f'<row r="{r}">']
    for letter, value, st in zip(letters, values, styles, strict=False):  # no call per cell
        s = f' s="{st}"' if st else ""
        if value is None:
            if st:
                cells.append(f'<c r="{letter}{r}"{s}/>')
        elif type(value) is str:
            cells.append(
                f'<c r="{letter}{r}"{s} t="inlineStr"><is><t xml:space="preserve">{_text(value)}</t></is></c>'
            )
        elif type(value) is Decimal:
            cells.append(f'<c r="{letter}{r}"{s}><v>{value:f}</v></c>')
        elif type(value) is int:
            cells.append(f'<c r="{letter}{r}"{s}><v>{value}</v></c>')
        else:
            raise TypeError(f"an .xlsx cell holds text or a number, not {type(value).__name__}")
    cells.append("</row>")
    return "".join(cells)


STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\
<fonts count="2"><font><sz val="11"/><name val="等线"/></font><font><b/><sz val="11"/><name val="等线"/></font></fonts>\
<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>\
<fill><patternFill patternType="solid"><fgColor rgb="FFDDE6F0"/><bgColor indexed="64"/></patternFill></fill></fills>\
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1" applyAlignment="1">\
<alignment vertical="center" wrapText="1"/></xf>\
<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1"><alignment vertical="top" wrapText="1"/></xf>\
<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>\
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>"""


def workbook(
    sheets: list[Sheet],
    title: str,
    creator: str,
    day: date | None,
    deflate: Deflate | None = None,
) -> bytes:
    """The workbook's bytes; `day` stamps its properties and zip entries (none: 1980-01-01)."""
    when = (day.year, day.month, day.day, 0, 0, 0) if day else ZIP_TIME_FLOOR
    stamp = f"{when[0]:04d}-{when[1]:02d}-{when[2]:02d}T00:00:00Z"
    n = len(sheets)
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, n + 1)
    )
    head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    parts = {
        "[Content_Types].xml": head
        + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
        '<Override PartName="/docProps/app.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
        f"{overrides}</Types>",
        "_rels/.rels": head + f'<Relationships xmlns="{pkg}">'
        f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
        f'<Relationship Id="rId2" Type="{pkg}/metadata/core-properties" '
        'Target="docProps/core.xml"/>'
        f'<Relationship Id="rId3" Type="{rel}/extended-properties" Target="docProps/app.xml"/>'
        "</Relationships>",
        "docProps/core.xml": head
        + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{escape(title)}</dc:title><dc:creator>{escape(creator)}</dc:creator>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified></cp:coreProperties>',
        "docProps/app.xml": head
        + '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
        "<Application>bulletin</Application></Properties>",
        "xl/workbook.xml": head
        + f'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="{rel}">'
        "<bookViews><workbookView/></bookViews><sheets>"
        + "".join(
            f'<sheet name="{escape(s.title, {chr(34): "&quot;"})}" sheetId="{i}" r:id="rId{i}"/>'
            for i, s in enumerate(sheets, 1)
        )
        + "</sheets></workbook>",
        "xl/_rels/workbook.xml.rels": head
        + f'<Relationships xmlns="{pkg}">'
        + "".join(
            f'<Relationship Id="rId{i}" Type="{rel}/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, n + 1)
        )
        + f'<Relationship Id="rId{n + 1}" Type="{rel}/styles" Target="styles.xml"/></Relationships>',
        "xl/styles.xml": STYLES,
    }
    entries: dict[str, list[str]] = {name: [text] for name, text in parts.items()}
    for i, sheet in enumerate(sheets, 1):
        entries[f"xl/worksheets/sheet{i}.xml"] = _sheet_xml(sheet)
    return _zip(entries, max(when, ZIP_TIME_FLOOR), deflate or deflate_piece)


# A piece of XML as its UTF-8 bytes and those compressed: a run of whole deflate blocks that
# ends on a byte (a sync flush), so that pieces compressed apart join into one stream. The
# preview keeps each piece's (reuse.Parts), and compresses again only the rows that changed.
Deflate = Callable[[str], tuple[bytes, bytes]]
CHUNK_ROWS = 256  # rows compressed together: about 100 kB of XML
_LAST_BLOCK = b"\x03\x00"  # an empty final block (fixed Huffman codes): the stream's end


def deflate_piece(text: str) -> tuple[bytes, bytes]:
    data = text.encode("utf-8")
    packer = zlib.compressobj(1, zlib.DEFLATED, -15)  # fast: the file is made on every build
    return data, packer.compress(data) + packer.flush(zlib.Z_SYNC_FLUSH)


def _zip(entries: dict[str, list[str]], when: tuple[int, ...], deflate: Deflate) -> bytes:
    """A zip archive of these files (each given in pieces), deflated, with fixed times.

    Written here rather than with zipfile, which cannot take data compressed already; the
    layout is zipfile's (no data descriptors, no extra fields, Unix mode 0600 recorded as DOS).
    """
    dos_time = (when[3] << 11) | (when[4] << 5) | (when[5] // 2)
    dos_date = ((when[0] - 1980) << 9) | (when[1] << 5) | when[2]
    out: list[bytes] = []
    directory: list[bytes] = []
    offset = 0
    for name, pieces in entries.items():
        crc, size, packed = 0, 0, []
        for data, piece in map(deflate, pieces):
            crc = zlib.crc32(data, crc)
            size += len(data)
            packed.append(piece)
        packed.append(_LAST_BLOCK)
        body = b"".join(packed)
        raw = name.encode("ascii")
        fields = (20, 0, 8, dos_time, dos_date, crc, len(body), size, len(raw), 0)
        head = struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields)
        out += (head, raw, body)
        central = struct.pack("<IH", 0x02014B50, 20) + head[4:] + b"\0" * 6
        directory.append(central + struct.pack("<II", 0o600 << 16, offset) + raw)
        offset += len(head) + len(raw) + len(body)
    listing = b"".join(directory)
    n = len(directory)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n, n, len(listing), offset, 0)
    return b"".join(out) + listing + end
