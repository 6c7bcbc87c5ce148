"""Fixture files built in ``tmp_path``, as county offices really send them.

A sheet is described once as a `Grid` — rows of cells (text, numbers, `Formula` with its cached value,
None for blank) plus merged ranges — and written by any of the writers: .xlsx (xlsxwriter), .xls (xlwt),
.ods (odfpy) or CSV in a chosen encoding. `survey_grid` lays out a survey the way a county office draws it:
a title row, a 填报单位 row, a two-row merged header (车辆情况 over 登记车辆数 / 实际拥有车辆数), the data,
a 合计 row with SUM formulas and a 填表说明 row.

Row numbers in the tests are Excel's (1-based); `SurveyLayout` says where each part of `survey_grid` landed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from stdnum.cn.uscc import calc_check_digit


@dataclass(frozen=True)
class Formula:
    """A formula cell and the value Excel cached for it when the file was saved."""

    text: str  # without the leading “=”
    cached: int | float | str


Cell = str | int | float | Formula | None


@dataclass
class Grid:
    rows: list[list[Cell]]
    # ((first_row, first_col), (last_row, last_col)), 0-based and inclusive, as xlsxwriter counts.
    merges: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)


# ── Credit codes ─────────────────────────────────────────────────────────────────────────────────────

def uscc(region: str = "630105", kind: str = "1", org: str = "MA752XK0A") -> str:
    """A valid 统一社会信用代码: authority 9, entity kind (1 enterprise, 2 个体工商户), region, organisation."""
    base = f"9{kind}{region}{org}"
    assert len(base) == 17
    return base + calc_check_digit(base)


def broken_check(code: str) -> str:
    """The same code with a wrong check character."""
    last = "0" if code[-1] != "0" else "1"
    return code[:-1] + last


# ── The survey layout ────────────────────────────────────────────────────────────────────────────────

TITLE = "青海省物流货运企业及“八大群体”建会入会情况调查表"
REPORTER = "填报单位：海东市总工会（盖章）    填报日期：2018年4月25日"
NOTES = "填表说明：实际拥有车辆数不含挂靠车辆；职工人数含货车司机和农民工；未建工会的会员人数填0。"

# (upper header, lower header): a lone header spans both rows; a group (车辆情况) spans its sub-headers.
TWO_ROW_HEADER: tuple[tuple[str, str | None], ...] = (
    ("序号", None),
    ("单位名称（全称）", None),
    ("统一社会信用代码", None),
    ("市（州）", None),
    ("县（市、区）", None),
    ("车辆情况", "登记车辆数"),
    ("车辆情况", "自有货车（辆）"),
    ("职工情况", "从业人员数"),
    ("职工情况", "其中：货车司机"),
    ("是否已建工会", None),
    ("工会会员人数", None),
)
# Column letters of TWO_ROW_HEADER, for assertions.
COL = {"序号": "A", "name": "B", "credit_code": "C", "prefecture": "D", "county": "E", "vehicles_registered": "F",
       "vehicles_owned": "G", "employees": "H", "drivers": "I", "has_union": "J", "members": "K"}
COUNT_COLUMNS = (5, 6, 7, 8, 10)  # totalled in the 合计 row

ROWS: tuple[tuple[Cell, ...], ...] = (
    # name, code, prefecture, county, registered, owned, employees, drivers, has_union, members
    ("西宁顺达物流有限公司", uscc("630105", org="MA752XK0A"), "西宁市", "城北区", 30, 22, 40, 30, "是", 35),
    ("乐都鑫源货运有限公司", uscc("630202", org="MA7B1QW3X"), "海东市", "乐都区", 12, 10, 18, 12, "否", 0),
    ("格尔木昆仑货运有限责任公司", uscc("632801", org="MA7C9PL2M"), "海西州", "格尔木", 8, 8, 9, 7, "否", 0),
)


@dataclass(frozen=True)
class SurveyLayout:
    """Excel row numbers (1-based) of each part written by `survey_grid`."""

    header_rows: tuple[int, int]
    first_data: int
    last_data: int
    total_row: int
    notes_row: int


def survey_grid(rows: Sequence[Sequence[Cell]] = ROWS,
                header: Sequence[tuple[str, str | None]] = TWO_ROW_HEADER) -> tuple[Grid, SurveyLayout]:
    """Title, 填报单位, two-row merged header, ``rows`` (without 序号: it is added), 合计 with SUM formulas
    whose cached values are the sums, and a 填表说明 row."""
    width = len(header)
    grid = Grid([[TITLE] + [None] * (width - 1), [REPORTER] + [None] * (width - 1)])
    grid.merges += [((0, 0), (0, width - 1)), ((1, 0), (1, width - 1))]
    upper: list[Cell] = []
    lower: list[Cell] = []
    top = len(grid.rows)
    col = 0
    while col < width:
        text, sub = header[col]
        if sub is None:
            upper.append(text)
            lower.append(None)
            grid.merges.append(((top, col), (top + 1, col)))
            col += 1
            continue
        span = 0
        while col + span < width and header[col + span][0] == text and header[col + span][1] is not None:
            upper.append(text if span == 0 else None)
            lower.append(header[col + span][1])
            span += 1
        if span > 1:
            grid.merges.append(((top, col), (top, col + span - 1)))
        col += span
    grid.rows += [upper, lower]
    first = len(grid.rows)
    for n, row in enumerate(rows, start=1):
        grid.rows.append([n, *row])
    last = len(grid.rows) - 1
    total: list[Cell] = ["合计"] + [None] * (width - 1)
    for c in COUNT_COLUMNS:
        if c >= width:
            continue
        cached = sum(r[c] for r in grid.rows[first:last + 1] if isinstance(r[c], int | float))
        letter = chr(ord("A") + c)
        total[c] = Formula(f"SUM({letter}{first + 1}:{letter}{last + 1})", cached)
    grid.rows.append(total)
    grid.rows.append([NOTES] + [None] * (width - 1))
    grid.merges.append(((len(grid.rows) - 1, 0), (len(grid.rows) - 1, width - 1)))
    layout = SurveyLayout((top + 1, top + 2), first + 1, last + 1, last + 2, last + 3)
    return grid, layout


def flat_grid(header: Sequence[str], rows: Sequence[Sequence[Cell]]) -> Grid:
    """A plain one-row header and data, as a CSV export or a neat sheet has it."""
    return Grid([list(header), *[list(r) for r in rows]])


FLAT_HEADER = ("企业名称", "统一社会信用代码", "市（州）", "县（市、区）", "实际拥有车辆数", "职工人数", "是否已建工会")


def flat_rows(*rows: Sequence[Cell]) -> Grid:
    return flat_grid(FLAT_HEADER, rows)


INSTRUCTIONS = Grid([["填表说明"], ["1. 实际拥有车辆数不含挂靠车辆。"], ["2. 职工人数含货车司机和农民工。"]])


# ── Writers ──────────────────────────────────────────────────────────────────────────────────────────

def write_xlsx(path: Path, sheets: dict[str, Grid], hidden: Sequence[str] = ()) -> Path:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False})
    for name, grid in sheets.items():
        ws = book.add_worksheet(name)
        merged_away = _merged_away(grid)
        for (r0, c0), (r1, c1) in grid.merges:
            ws.merge_range(r0, c0, r1, c1, None)
        for r, row in enumerate(grid.rows):
            for c, cell in enumerate(row):
                if cell is None or (r, c) in merged_away:
                    continue
                if isinstance(cell, Formula):
                    ws.write_formula(r, c, "=" + cell.text, None, cell.cached)
                elif isinstance(cell, str):
                    ws.write_string(r, c, cell)
                else:
                    ws.write_number(r, c, cell)
        if name in hidden:
            ws.hide()
        elif not any(w.selected for w in book.worksheets()[:-1] if not w.hidden):
            ws.activate()  # Excel cannot hide the active sheet; xlsxwriter silently ignores hide() on it
    book.close()
    return path


def _merged_away(grid: Grid) -> set[tuple[int, int]]:
    """Cells covered by a merge other than its first: Excel keeps no value there."""
    away = set()
    for (r0, c0), (r1, c1) in grid.merges:
        away |= {(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)} - {(r0, c0)}
    return away


def write_xls(path: Path, sheets: dict[str, Grid], hidden: Sequence[str] = ()) -> Path:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    for name, grid in sheets.items():
        ws = book.add_sheet(name)
        merged_away = _merged_away(grid)
        starts = {(r0, c0): (r1, c1) for (r0, c0), (r1, c1) in grid.merges}
        for r, row in enumerate(grid.rows):
            for c, cell in enumerate(row):
                if (r, c) in merged_away:
                    continue
                value: Any = xlwt.Formula(cell.text) if isinstance(cell, Formula) else cell
                if (r, c) in starts:
                    r1, c1 = starts[(r, c)]
                    ws.write_merge(r, r1, c, c1, "" if value is None else value)
                elif value is not None:
                    ws.write(r, c, value)
        if name in hidden:
            ws.visibility = 1
    book.save(str(path))
    return path


def write_ods(path: Path, sheets: dict[str, Grid], hidden: Sequence[str] = ()) -> Path:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.style import Style, TableProperties
    from odf.table import CoveredTableCell, Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    hidden_style = Style(name="hiddentable", family="table")
    hidden_style.addElement(TableProperties(display=False))
    doc.automaticstyles.addElement(hidden_style)
    for name, grid in sheets.items():
        table = Table(name=name, stylename=hidden_style if name in hidden else None)
        merged_away = _merged_away(grid)
        spans = {(r0, c0): (r1 - r0 + 1, c1 - c0 + 1) for (r0, c0), (r1, c1) in grid.merges}
        for r, row in enumerate(grid.rows):
            tr = TableRow()
            for c, cell in enumerate(row):
                if (r, c) in merged_away:
                    tr.addElement(CoveredTableCell())
                    continue
                attrs: dict[str, Any] = {}
                if (r, c) in spans:
                    attrs["numberrowsspanned"], attrs["numbercolumnsspanned"] = spans[(r, c)]
                shown = cell.cached if isinstance(cell, Formula) else cell
                if isinstance(cell, Formula):
                    attrs["formula"] = "of:=" + cell.text.replace("(", "([.").replace(":", ":.").replace(")", "])")
                if isinstance(shown, int | float):
                    tc = TableCell(valuetype="float", value=shown, **attrs)
                else:
                    tc = TableCell(valuetype="string", **attrs) if shown is not None else TableCell(**attrs)
                if shown is not None:
                    tc.addElement(P(text=str(shown)))
                tr.addElement(tc)
            table.addElement(tr)
        doc.spreadsheet.addElement(table)
    doc.save(str(path))
    return path


def csv_text(grid: Grid, delimiter: str = ",") -> str:
    """The sheet as Excel's “Save as CSV” writes it: cached values for formulas, merged cells blank."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    for row in grid.rows:
        writer.writerow(["" if c is None else c.cached if isinstance(c, Formula) else c for c in row])
    return buf.getvalue()


def write_csv(path: Path, grid: Grid, encoding: str = "gbk", delimiter: str = ",") -> Path:
    """``encoding`` as Python names it: "gbk" (Chinese Excel, no BOM), "utf-8-sig" (CSV UTF-8), "utf-8"."""
    path.write_bytes(csv_text(grid, delimiter).encode(encoding))
    return path


WRITERS = {".xlsx": write_xlsx, ".xls": write_xls, ".ods": write_ods}


def write_book(path: Path, sheets: dict[str, Grid], hidden: Sequence[str] = ()) -> Path:
    """Any workbook kind, by the path's suffix."""
    return WRITERS[path.suffix](path, sheets, hidden)


def write_survey(path: Path, rows: Sequence[Sequence[Cell]] = ROWS, *, sheet: str = "物流企业",
                 header: Sequence[tuple[str, str | None]] = TWO_ROW_HEADER, instructions: bool = False,
                 encoding: str = "gbk") -> SurveyLayout:
    """A county office's survey in any format (by suffix). ``instructions`` adds a hidden 填表说明 sheet
    in front, as many offices' workbooks have."""
    grid, layout = survey_grid(rows, header)
    if path.suffix == ".csv":
        write_csv(path, grid, encoding)
        return layout
    sheets = {"填表说明": INSTRUCTIONS} if instructions else {}
    sheets[sheet] = grid
    write_book(path, sheets, hidden=["填表说明"] if instructions else [])
    return layout


# ── Unreadable files ─────────────────────────────────────────────────────────────────────────────────

def ole_with_stream(path: Path, stream: str = "EncryptedPackage", size: int = 4096) -> Path:
    """A minimal OLE2 compound file whose directory names ``stream`` — what a password-protected .xlsx is
    (an OLE container with EncryptionInfo and EncryptedPackage streams instead of a zip). The directory is
    written after a payload of ``size`` bytes, as in a large encrypted workbook."""
    sector = 512
    per_fat = sector // 4
    payload = max(1, -(-size // sector))
    fats = 1
    while fats * per_fat < fats + payload + 1:
        fats += 1
    assert fats <= 109, "DIFAT sectors not needed for test sizes"
    first_payload, dir_sector = fats, fats + payload
    end, free, fat_mark = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD

    def u32(v: int) -> bytes:
        return v.to_bytes(4, "little")

    header = bytearray(sector)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    header[24:26] = (0x3E).to_bytes(2, "little")  # minor version
    header[26:28] = (3).to_bytes(2, "little")  # major version 3: 512-byte sectors
    header[28:30] = b"\xfe\xff"  # little-endian
    header[30:32] = (9).to_bytes(2, "little")  # sector shift: 2**9 = 512
    header[32:34] = (6).to_bytes(2, "little")  # mini sector shift
    header[44:48] = u32(fats)
    header[48:52] = u32(dir_sector)
    header[56:60] = u32(4096)  # mini stream cutoff
    header[60:64] = u32(end)  # no mini FAT
    header[68:72] = u32(end)  # no DIFAT sectors
    difat = [*range(fats), *[free] * (109 - fats)]
    header[76:sector] = b"".join(u32(v) for v in difat)
    fat = [fat_mark] * fats
    fat += [s + 1 for s in range(first_payload, dir_sector - 1)] + [end]  # the payload's chain
    fat += [end]  # the directory: one sector
    fat += [free] * (fats * per_fat - len(fat))

    def entry(name: str, kind: int, start: int, length: int, child: int = free, right: int = free) -> bytes:
        raw = bytearray(128)
        encoded = (name + "\0").encode("utf-16-le")
        raw[0:len(encoded)] = encoded
        raw[64:66] = len(encoded).to_bytes(2, "little")
        raw[66] = kind  # 5 root, 2 stream
        raw[67] = 1  # black
        raw[68:80] = u32(free) + u32(right) + u32(child)
        raw[116:124] = u32(start) + u32(length)
        return bytes(raw)

    directory = (entry("Root Entry", 5, end, 0, child=1)
                 + entry(stream, 2, first_payload, payload * sector, right=2)
                 + entry("EncryptionInfo", 2, end, 0)
                 + bytes(128))
    body = (bytes(range(256)) * (payload * 2 + 1))[: payload * sector]
    path.write_bytes(bytes(header) + b"".join(u32(v) for v in fat) + body + directory)
    return path


def truncated_xlsx(path: Path, source: Path) -> Path:
    """The first half of a real workbook: a download that stopped."""
    data = source.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def fake_pdf(path: Path) -> Path:
    path.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
    return path


def fake_docx(path: Path) -> Path:
    import zipfile

    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document/>")
    return path


# ── Hand-made workbook parts (issue 6: hostile files) ───────────────────────────────────────────────
# A workbook is a zip of XML: these write the XML itself, for what no honest writer produces — entity
# declarations, cells far apart, a <dimension> that lies, errors and formulas without cached values.

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'


def inline(ref: str, text: str) -> str:
    """One cell holding an inline string (``text`` is inserted as XML, unescaped)."""
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def number(ref: str, value: object) -> str:
    return f'<c r="{ref}"><v>{value}</v></c>'


def xml_row(row: int, *cells: str) -> str:
    return f'<row r="{row}">{"".join(cells)}</row>'


def grid_xml(rows: Sequence[Sequence[Cell]], first_row: int = 1) -> str:
    """Rows of plain cells (text or numbers, None for blank) as <row> elements, from column A."""
    from xml.sax.saxutils import escape

    from qhunion.findings import column_letter

    out = []
    for r, row in enumerate(rows, start=first_row):
        cells = []
        for c, cell in enumerate(row):
            ref = f"{column_letter(c)}{r}"
            if cell is None:
                continue
            if isinstance(cell, int | float):
                cells.append(number(ref, cell))
            else:
                cells.append(inline(ref, escape(str(cell))))
        out.append(xml_row(r, *cells))
    return "".join(out)


def sheet_xml(rows: str, dimension: str | None = None, prolog: str = "") -> str:
    """A worksheet part: ``rows`` is the inside of <sheetData>; ``prolog`` goes before the root element
    (where a DTD would be)."""
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f'{_XML_DECL}{prolog}<worksheet xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">{dim}<sheetData>{rows}</sheetData></worksheet>'


def shared_strings_xml(strings: Sequence[str], prolog: str = "") -> str:
    items = "".join(f"<si><t>{s}</t></si>" for s in strings)
    return f'{_XML_DECL}{prolog}<sst xmlns="{_MAIN_NS}" count="{len(strings)}" uniqueCount="{len(strings)}">{items}</sst>'


def raw_xlsx(path: Path, sheets: dict[str, str | bytes | Callable[[IO[bytes]], None]],
             shared_strings: str | None = None, workbook_prolog: str = "", compresslevel: int | None = None) -> Path:
    """An .xlsx from worksheet XML written by hand, one part per sheet name, with the parts calamine needs.
    A sheet given as a function writes its part itself (for parts too large to hold in memory)."""
    import zipfile

    names = list(sheets)
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
        f'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, len(names) + 1))
    content_types = (
        f'{_XML_DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        f"{overrides}</Types>")
    root_rels = (f'{_XML_DECL}<Relationships xmlns="{_PKG_REL_NS}"><Relationship Id="rId1" '
                 f'Type="{_REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    from xml.sax.saxutils import quoteattr

    sheet_elements = "".join(f'<sheet name={quoteattr(n)} sheetId="{i}" r:id="rId{i}"/>'
                             for i, n in enumerate(names, start=1))
    workbook = (f'{_XML_DECL}{workbook_prolog}<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'
                f"<sheets>{sheet_elements}</sheets></workbook>")
    rels = "".join(f'<Relationship Id="rId{i}" Type="{_REL_NS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                   for i in range(1, len(names) + 1))
    rels += (f'<Relationship Id="rId{len(names) + 1}" Type="{_REL_NS}/sharedStrings" '
             'Target="sharedStrings.xml"/>')
    workbook_rels = f'{_XML_DECL}<Relationships xmlns="{_PKG_REL_NS}">{rels}</Relationships>'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as zf:
        zf.writestr("[Content_Types].xml", content_types)
        zf.writestr("_rels/.rels", root_rels)
        zf.writestr("xl/workbook.xml", workbook)
        zf.writestr("xl/_rels/workbook.xml.rels", workbook_rels)
        for i, name in enumerate(names, start=1):
            part = sheets[name]
            if callable(part):
                with zf.open(f"xl/worksheets/sheet{i}.xml", "w", force_zip64=True) as out:
                    part(out)
            else:
                zf.writestr(f"xl/worksheets/sheet{i}.xml", part)
        zf.writestr("xl/sharedStrings.xml", shared_strings if shared_strings is not None else shared_strings_xml([]))
    return path


def flat_survey_xml(rows: Sequence[Sequence[Cell]] = (), header: Sequence[str] = FLAT_HEADER) -> str:
    """`flat_rows` as sheetData content: the header in row 1, ``rows`` below."""
    return grid_xml([list(header), *[list(r) for r in rows]])


BILLION_LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    + "]>")
EXTERNAL_ENTITY = '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def zip_bomb_xlsx(path: Path, inflated: int = 200 * 1024**2) -> Path:
    """An .xlsx whose one sheet inflates to ``inflated`` bytes of spaces inside its XML (deflate packs that
    about a thousand to one: 200 MB in about 200 KB). Written in pieces, never held in memory whole."""
    head, tail = sheet_xml(flat_survey_xml([("甲公司", None, "西宁市", "城北区", 3, 4, "否")])).encode().split(b"</row>", 1)

    def bomb(out: IO[bytes]) -> None:
        out.write(head + b"</row>")
        block = b" " * (1 << 20)
        for _ in range(inflated // len(block)):
            out.write(block)
        out.write(tail)

    return raw_xlsx(path, {"S": bomb}, compresslevel=9)


ODS_CELL = '<table:table-cell office:value-type="string"><text:p>{}</text:p></table:table-cell>'


def raw_ods(path: Path, table_xml: str, name: str = "S") -> Path:
    """An .ods whose one table's content is ``table_xml`` (rows and cells as written, repeats and all)."""
    import zipfile

    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="{name}">{table_xml}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>")
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>')
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        zf.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return path


def mutants(data: bytes, count: int, seed: int) -> list[bytes]:
    """``count`` damaged copies of a file, reproducibly: a few bytes flipped, a run zeroed, a piece cut
    out or repeated, or the end cut off — what a bad USB stick or an interrupted download does."""
    import random

    rng = random.Random(seed)
    out = []
    for _ in range(count):
        buf = bytearray(data)
        kind = rng.choice(("flip", "flip", "zero", "cut", "dup", "truncate"))
        if kind == "flip":
            for _ in range(rng.randint(1, 8)):
                buf[rng.randrange(len(buf))] ^= 1 << rng.randrange(8)
        elif kind == "zero":
            start, size = rng.randrange(len(buf)), rng.randint(1, 64)
            buf[start:start + size] = bytes(len(buf[start:start + size]))
        elif kind == "cut":
            start = rng.randrange(len(buf))
            del buf[start:start + rng.randint(1, 256)]
        elif kind == "dup":
            start = rng.randrange(len(buf))
            buf[start:start] = buf[start:start + rng.randint(1, 256)]
        else:
            del buf[rng.randrange(1, len(buf)):]
        out.append(bytes(buf))
    return out
