"""Checks on workbooks from strangers, made before calamine parses them (issue 6).

A workbook is a zip of XML (or, for .xls, an OLE container of BIFF records) that anyone can craft. calamine
is fast and safe against entity expansion, but it holds a sheet as a dense grid from its first cell to its
last and aborts the whole process, with no exception to catch, when that grid does not fit in memory; and
damaged .xls structures can make it loop or panic. So this module looks first: sizes and compression
ratios (zip bombs), DTDs (entity bombs, external entities), for .xlsx how far apart the cells lie, for .xls
the container's chains and the sizes its records claim. The same look at .xlsx finds what calamine reads as
blank: error cells (#REF!) and formulas saved without their result. Every refusal is an `UnreadableFile`
with one sentence; nothing here parses XML with a general parser except through defusedxml.
"""

from __future__ import annotations

import codecs
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from typing import Any

from qhunion.readers.sheet import (
    CHUNK,
    EXCEL_COLUMNS,
    EXCEL_ROWS,
    MAX_CELLS,
    Uncached,
    UnreadableFile,
    interrupted,
    shown,
    too_many_cells,
    workbook_reason,
)

# Zip bombs: a legitimate full sheet (1,048,575 × 30) inflates to about 2 GB at ratios near 10; bombs reach
# ratios in the thousands. Refuse before any XML is parsed. (Both zipfile and calamine's zip reader stop at a
# member's declared size, so a member cannot inflate past what is checked here.)
MAX_UNCOMPRESSED = 4 * 1024**3
MAX_RATIO = 200
RATIO_FLOOR = 16 * 1024**2  # small members may compress well for honest reasons
MAX_MEMBERS = 100_000
# A password-protected .xlsx is not a zip but an OLE compound file whose directory holds an
# “EncryptedPackage” stream. Directory entries are 128-byte records at 128-byte-aligned offsets: the name in
# UTF-16LE with its terminator, zero-padded to 64 bytes, then the name's byte length.
_ENCRYPTED_NAME = "EncryptedPackage\0".encode("utf-16-le")
_ENCRYPTED_ENTRY = _ENCRYPTED_NAME.ljust(64, b"\0") + len(_ENCRYPTED_NAME).to_bytes(2, "little")
_ENTRY_SIZE = 128


def is_encrypted_ole(path: Path) -> bool:
    """Whether the OLE file's directory names an EncryptedPackage stream. The whole file is scanned: in a
    large workbook the directory follows the encrypted data, far from the start. (Encrypted .xls files carry
    a FILEPASS record instead, which calamine reports itself.)"""
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):  # CHUNK is a multiple of 128, so entries never straddle chunks
            pos = chunk.find(_ENCRYPTED_ENTRY)
            while pos != -1:
                if pos % _ENTRY_SIZE == 0:
                    return True
                pos = chunk.find(_ENCRYPTED_ENTRY, pos + 1)
    return False


# (0-based row, 0-based column) → what calamine reads as blank there: an error value (“#REF!”) or an Uncached
Marks = dict[tuple[int, int], str]

_CORRUPT_ZIP = "工作簿已损坏或不完整（可能未下载完），请重新获取原文件"
_BOMB = "工作簿内部数据压缩比异常（疑似“压缩炸弹”），为安全起见拒绝读取，请向填报单位核实"
_DTD = "工作簿内部含有 XML 实体声明（DOCTYPE），Excel 不会生成这样的文件；为安全起见拒绝读取，请向填报单位核实"


def check_zip(path: Path) -> dict[str, Marks]:
    """Refuse zip bombs and DTDs before calamine parses anything. For .xlsx also refuse sheets whose cells lie
    too far apart, and return each sheet's error cells and uncached formulas, by sheet name."""
    try:
        with zipfile.ZipFile(path) as zf:
            members = zf.infolist()
            _check_sizes(path, members)
            for info in members:
                if info.filename.lower().endswith((".xml", ".rels")) and _has_dtd(zf, info):
                    raise UnreadableFile(path, _DTD)
            _scan_ods(path, zf)
            _scan_xlsb(path, zf)
            return _scan_ooxml(path, zf)
    except UnreadableFile:
        raise
    except OSError as exc:
        raise UnreadableFile(path, interrupted(exc)) from exc
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, NotImplementedError, RuntimeError) as exc:
        # cut short, a member's CRC wrong, a compression zipfile lacks, or a password on a single member
        raise UnreadableFile(path, _CORRUPT_ZIP) from exc


def _check_sizes(path: Path, members: list[zipfile.ZipInfo]) -> None:
    if len(members) > MAX_MEMBERS:
        raise UnreadableFile(path, f"工作簿内部有 {len(members)} 个部件，结构异常，为安全起见拒绝读取，请向填报单位核实")
    total = packed = 0
    for info in members:
        total += info.file_size
        packed += info.compress_size
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise UnreadableFile(path, _BOMB)
    if total > RATIO_FLOOR and total > MAX_RATIO * max(packed, 1):  # many members, each under the floor
        raise UnreadableFile(path, _BOMB)
    if total > MAX_UNCOMPRESSED:
        raise UnreadableFile(path, "工作簿解压后超过 4 GB，超出一张调查表的合理大小，请拆分后再试")
    # Members sharing compressed bytes (the “overlapping” zip bomb: one small deflate stream counted as many
    # members). An honest member's data ends after its local header, so before the next member begins.
    spans = sorted((info.header_offset, info.header_offset + info.compress_size) for info in members)
    for (_, end), (following, _) in pairwise(spans):
        if end > following:
            raise UnreadableFile(path, _BOMB)


_DOCTYPE = re.compile(rb"<!\s*doctype", re.IGNORECASE)
_FIRST_ELEMENT = re.compile(rb"<[^?!]")
_PROLOG_LIMIT = 1 << 20


def _has_dtd(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """Whether a part declares a DTD before its first element. Excel, WPS and LibreOffice never write one; it
    is how entity bombs (“billion laughs”) and external entities (file:///etc/passwd) get in. (calamine's
    parser expands neither and fails on their use — this says why, and holds if that ever changes.)"""
    with zf.open(info) as fh:
        head = b""
        while len(head) < _PROLOG_LIMIT and (chunk := fh.read(64 * 1024)):
            head += chunk
            if b"\0" in head[:4]:
                continue  # UTF-16: decoded below
            if _FIRST_ELEMENT.search(head):
                break
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\0" in head[:4]:
        head = head.replace(b"\0", b"")
    element = _FIRST_ELEMENT.search(head)
    return _DOCTYPE.search(head, 0, element.start() if element else len(head)) is not None


# ── The cells of an .xlsx sheet, seen before calamine parses it ──────────────────────────────────────────
# Fast path, a few byte-level searches: Excel, WPS, LibreOffice, xlsxwriter and openpyxl write every cell as
# <c r="B7" …> and every row as <row r="7" …>. Any other form — a prefix, no r, r elsewhere or twice in the
# tag, lower case, leading zeros — sends the sheet to a tag-by-tag walk that reads r as laxly as calamine does.
_PREFIX = rb"(?:[A-Za-z_][\w.-]*:)?"
_OTHER_ATTRS = rb'(?=(?: [a-qs-z][\w:.-]*+="[^"]*+")*+/?>)'  # then only attributes not named r, as written
_CELL_TAGS = re.compile(rb'<c(?: r="([A-Z]{1,3})[1-9][0-9]{0,6}"' + _OTHER_ATTRS + rb")?[\s/>]")
_ROW_TAGS = re.compile(rb'<row(?: r="([1-9][0-9]{0,6})"' + _OTHER_ATTRS + rb")?[\s/>]")
_PREFIXED = re.compile(rb":(?:c|row)[\s/>]")
_BIG_ROWS = re.compile(rb'<c r="[A-Z]{1,3}([0-9]{6,7})"')
_FIVE_DIGITS = re.compile(rb'<c r="[A-Z]{1,3}[0-9]{5}"')
_ALL_ROWS = re.compile(rb'<c r="[A-Z]{1,3}([0-9]{1,7})"')
_TAG_START = re.compile(rb"<" + _PREFIX + rb"(?:c|row)[\s/>]")
# The walk
_TAG = re.compile(rb"<" + _PREFIX + rb"(c|row)(?=[\s/>])([^>]*)>")
_R = re.compile(rb"""(?:^|\s)(?:[\w.-]+:)?r\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_REF = re.compile(rb"\s*([A-Za-z]*)0*([0-9]*)\s*")
# Cells calamine reads as blank: an error value (t="e"), or a formula with no <v> (or an empty one).
_MARK_HINT = re.compile(rb"""\st\s*=\s*["']e["']|</""" + _PREFIX + rb"f>\s*</" + _PREFIX + rb"c>|<" + _PREFIX
                        + rb"f\b[^>]*/>\s*</" + _PREFIX + rb"c>|<" + _PREFIX + rb"v\s*/>|<" + _PREFIX + rb"v>\s*</")
_CELL = re.compile(rb"<(?P<p>" + _PREFIX + rb")c\b(?P<a>[^>]*?)(?<!/)>(?P<b>.*?)</(?P=p)c>", re.DOTALL)
_UNPREFIX = re.compile(rb"<(/?)[\w.-]+:")
_NAMESPACED_ATTR = re.compile(rb"""\s(?:xmlns|[\w.-]+:[\w.-]+)(?::[\w.-]+)?\s*=\s*(?:"[^"]*"|'[^']*')""")


# <sst count="…" uniqueCount="…">: calamine reserves room for the count it claims before reading a string, and a
# forged count of billions aborts the process. A survey's distinct strings are far fewer than its cells.
_SST_COUNT = re.compile(rb"""<(?:\w+:)?sst\b[^>]*?\b(?:uniqueCount|count)\s*=\s*["']\s*(\d+)""")


def _check_shared_strings(path: Path, zf: zipfile.ZipFile) -> None:
    info = next((i for i in zf.infolist() if i.filename.casefold() == "xl/sharedstrings.xml"), None)
    if info is None:
        return
    with zf.open(info) as fh:
        head = fh.read(4096)
    for claimed in _SST_COUNT.findall(head):
        if int(claimed) > MAX_CELLS:
            raise UnreadableFile(path, f"工作簿声称有 {int(claimed):,} 个不同的文字，超过一张调查表的合理范围，结构异常，"
                                       "为安全起见拒绝读取；请用 Excel 打开后另存再试")


def _scan_ooxml(path: Path, zf: zipfile.ZipFile) -> dict[str, Marks]:
    _check_shared_strings(path, zf)
    marks: dict[str, Marks] = {}
    for name, info in _sheet_parts(path, zf):
        found = _scan_sheet(path, name, zf, info)
        if found:
            marks[name] = found
    return marks


def _sheet_parts(path: Path, zf: zipfile.ZipFile) -> list[tuple[str, zipfile.ZipInfo]]:
    """(sheet name, its part) as calamine finds them: the workbook's <sheet> elements, their relationship
    ids, and targets taken from xl/ unless absolute — part names matched regardless of case. When the
    workbook part cannot be parsed here (calamine's parser is more lenient than expat), every XML part is
    looked at instead, under its own name."""
    parts = {info.filename.casefold(): info for info in zf.infolist()}
    if "xl/workbook.xml" not in parts:
        return []  # not an .xlsx: an .ods, a .docx, an .xlsb
    book = _small_xml(path, zf, parts["xl/workbook.xml"])
    rels = _small_xml(path, zf, parts.get("xl/_rels/workbook.xml.rels"))
    if book is None or rels is None:
        return [(info.filename, info) for info in zf.infolist() if info.filename.lower().endswith(".xml")]
    targets: dict[str | None, list[str]] = {}
    for rel in rels.iter():
        if _local(rel.tag) == "Relationship" and rel.get("Target"):
            targets.setdefault(rel.get("Id"), []).append(rel.get("Target") or "")
    found: list[tuple[str, zipfile.ZipInfo]] = []
    for sheet in book.iter():
        if _local(sheet.tag) != "sheet":
            continue
        name = sheet.get("name") or ""
        for key, rid in sheet.attrib.items():
            for target in targets.get(rid, []) if _local(key) == "id" else []:
                part = parts.get((target[1:] if target.startswith("/") else "xl/" + target).casefold())
                if part is not None:
                    found.append((name, part))
    return found


def _small_xml(path: Path, zf: zipfile.ZipFile, info: zipfile.ZipInfo | None) -> Any:
    """A part that is small in any honest workbook, parsed with defusedxml (no DTDs, no entities); None
    when absent or malformed."""
    import defusedxml
    import defusedxml.ElementTree as SafeET

    if info is None:
        return None
    if info.file_size > 16 * 1024**2:
        raise UnreadableFile(path, "工作簿内部的目录部件大得异常，为安全起见拒绝读取，请向填报单位核实")
    try:
        return SafeET.fromstring(zf.read(info), forbid_dtd=True)
    except defusedxml.DefusedXmlException as exc:
        raise UnreadableFile(path, _DTD) from exc
    except SafeET.ParseError:
        return None


def _local(tag: str) -> str:
    return tag.rpartition("}")[2].rpartition(":")[2]


def _scan_sheet(path: Path, name: str, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Marks:
    marks: Marks = {}
    irregular = five = False
    columns: set[bytes] = set()
    row_tags = big_rows = 0
    for body in _bodies(zf, info):
        if not irregular:
            found = set(_CELL_TAGS.findall(body))
            rows = _ROW_TAGS.findall(body)
            irregular = b"" in found or b"" in rows or _PREFIXED.search(body) is not None
            columns |= found
            if rows and not irregular:
                row_tags = max(row_tags, *map(int, rows))
            if big := _BIG_ROWS.findall(body):
                big_rows = max(big_rows, *map(int, big))
            five = five or _FIVE_DIGITS.search(body) is not None
        if _might_mark(body):
            _collect_marks(body, marks)
    if irregular:
        last_row, last_column = _walk(zf, info)
    else:
        last_column = max((_column_number(c) for c in columns), default=0)
        last_row = max(row_tags, big_rows or (99_999 if five else 9_999))
        if not big_rows and last_row * last_column > MAX_CELLS:  # the bound above was loose: count exactly
            last_row = max([row_tags] + [int(r) for body in _bodies(zf, info) for r in _ALL_ROWS.findall(body)])
    if last_row > EXCEL_ROWS or last_column > EXCEL_COLUMNS:
        raise UnreadableFile(path, f"工作表“{shown(name)}”中有超出 Excel 行列范围的单元格，文件可能已损坏或由其他程序生成；"
                                   "请用 Excel 打开后另存再试")
    if last_row * last_column > MAX_CELLS:
        raise UnreadableFile(path, f"工作表“{shown(name)}”的数据区域达 {last_row} 行 × {last_column} 列，超出可处理的大小"
                                   "（可能有内容误填在很远的单元格）；请在 Excel 中删除多余的行和列，或把调查表复制到新工作簿后再试")
    return marks


def _might_mark(body: bytes) -> bool:
    """A cheap first look for error cells and uncached formulas, as Excel-compatible writers spell them: most
    sheets have neither. (Missing one only costs a finding; the extent check above does not depend on it.)"""
    return b't="e"' in body or (b"<f" in body and _MARK_HINT.search(body) is not None)


def _bodies(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The part in pieces of a few MB, each cut just before a <c> or <row> tag so that no tag (and, almost
    always, no cell) is split between two pieces."""
    with zf.open(info) as fh:
        tail = b""
        while chunk := fh.read(4 * CHUNK):
            buf = tail + chunk
            cut = _cut(buf)
            yield buf[:cut]
            tail = buf[cut:]
        if tail:
            yield tail


def _cut(buf: bytes) -> int:
    pos = len(buf)
    for _ in range(64):
        pos = buf.rfind(b"<", 0, pos)
        if pos <= 0:
            break
        if _TAG_START.match(buf, pos):
            return pos
    last = buf.rfind(b"<")
    return last if last > 0 else len(buf)


def _column_number(letters: bytes) -> int:
    """b"A" → 1, b"XFD" → 16384."""
    number = 0
    for ch in letters.upper():
        number = number * 26 + ch - 64
    return number


def _walk(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[int, int]:
    """The last row and column holding a cell, tag by tag, reading positions as calamine does: r in any
    case, with leading zeros or spaces, the largest when given twice; a cell without r follows the one
    before it, a row without r the row before it."""
    row = column = last_row = last_column = 0
    for body in _bodies(zf, info):
        for kind, attrs in _TAG.findall(body):
            refs = [_REF.fullmatch(a or b) for a, b in _R.findall(attrs)]
            places = [(m.group(1), m.group(2)) for m in refs if m]
            if kind == b"row":
                numbers = [int(digits) for letters, digits in places if digits and not letters]
                row = max(numbers) if numbers else row + 1
                column = 0
                continue
            if places:
                cell_row = max(int(digits) if digits else row for _, digits in places)
                column = max(_column_number(letters) if letters else column + 1 for letters, _ in places)
            else:
                cell_row, column = row, column + 1
            last_row, last_column = max(last_row, cell_row), max(last_column, column)
    return last_row, last_column


def _collect_marks(body: bytes, marks: Marks) -> None:
    """Error cells and formulas without a cached result in this piece, parsed one cell at a time with
    defusedxml (prefixes and namespaced attributes dropped, which a lone cell cannot declare)."""
    import defusedxml
    import defusedxml.ElementTree as SafeET

    for m in _CELL.finditer(body):
        if not _MARK_HINT.search(b" " + m.group("a") + b">" + m.group("b") + b"</c>"):
            continue
        snippet = _NAMESPACED_ATTR.sub(b"", _UNPREFIX.sub(rb"<\1", m.group(0)))
        try:
            cell = SafeET.fromstring(snippet, forbid_dtd=True)
        except (SafeET.ParseError, defusedxml.DefusedXmlException):
            continue
        ref = _REF.fullmatch((cell.get("r") or "").encode())
        if not ref or not ref.group(1) or not ref.group(2):
            continue  # no place to put it
        place = (int(ref.group(2)) - 1, _column_number(ref.group(1)) - 1)
        value, formula = cell.find("v"), cell.find("f")
        result = (value.text or "").strip() if value is not None else None
        if cell.get("t") == "e" and result:
            marks[place] = result
        elif formula is not None and (result is None or (not result and cell.get("t") not in ("str", "inlineStr"))):
            marks[place] = Uncached("=" + (formula.text or "").strip() if formula.text else "=（共享公式）")


# ── An .ods and an .xlsb, measured before calamine parses them (issue 14, items 10 and 11) ─────────────────
# calamine expands an .ods's repeated rows and cells, and sizes an .xlsb's grid from its cells, before any
# limit of its own applies: one far cell in an 817-byte .ods is a 99-million-cell grid (6 GB). Both are
# measured here without building anything: .ods repeats are counted, not expanded, as content.xml streams by.
_ODS_TAG = re.compile(rb"<(/?)(?:[\w.-]+:)?(table|table-row|table-cell|covered-table-cell)(?=[\s/>])([^>]*?)(/?)>")
_ODS_ROWS = re.compile(rb"""number-rows-repeated\s*=\s*["']\s*(\d+)""")
_ODS_COLUMNS = re.compile(rb"""number-columns-repeated\s*=\s*["']\s*(\d+)""")
_ODS_NAME = re.compile(rb"""(?:^|\s)(?:[\w.-]+:)?name\s*=\s*["']([^"']*)""")
_ODS_VALUE = re.compile(rb"value-type\s*=")


def _scan_ods(path: Path, zf: zipfile.ZipFile) -> None:
    """Refuse an .ods table whose used area — to its last row and column holding a value — is beyond
    MAX_CELLS. Empty repeats (LibreOffice ends every table with a million empty rows) count for nothing."""
    info = next((i for i in zf.infolist() if i.filename == "content.xml"), None)
    if info is None:
        return
    name, depth = "", 0
    row = col = last_row = last_col = row_last = repeat = 0
    for body in _pieces(zf, info):
        for m in _ODS_TAG.finditer(body):
            closing, tag, attrs, empty = m.group(1), m.group(2), m.group(3), m.group(4)
            if tag == b"table":
                if closing:
                    depth -= 1
                    if depth == 0 and last_row * last_col > MAX_CELLS:
                        raise UnreadableFile(path, too_many_cells(last_row * last_col, name))
                elif not empty:
                    depth += 1
                    if depth == 1:
                        found = _ODS_NAME.search(attrs)
                        name = found.group(1).decode("utf-8", "replace") if found else ""
                        row = last_row = last_col = 0
                continue
            if depth != 1:
                continue  # a table inside a cell: calamine does not read it into the grid
            if tag == b"table-row":
                if closing or empty:
                    if not closing:
                        repeat, row_last = _repeats(_ODS_ROWS, attrs), 0
                    if row_last:
                        last_row, last_col = row + repeat, max(last_col, row_last)
                    row += repeat
                else:
                    repeat, col, row_last = _repeats(_ODS_ROWS, attrs), 0, 0
            elif not closing:
                span = _repeats(_ODS_COLUMNS, attrs)
                col += span
                if not empty or _ODS_VALUE.search(attrs):
                    row_last = col


def _repeats(pattern: re.Pattern[bytes], attrs: bytes) -> int:
    found = pattern.search(attrs)
    return max(int(found.group(1)), 1) if found else 1


def _pieces(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """A part in pieces of a few MB, each cut before its last “<”, so that no tag is split."""
    with zf.open(info) as fh:
        tail = b""
        while chunk := fh.read(4 * CHUNK):
            buf = tail + chunk
            cut = buf.rfind(b"<")
            cut = cut if cut > 0 else len(buf)
            yield buf[:cut]
            tail = buf[cut:]
        if tail:
            yield tail


# .xlsb records (MS-XLSB 2.1.4): a type and a size, each a little-endian varint (7 bits a byte).
_XLSB_ROW, _XLSB_DIMENSION = 0x0000, 0x0094
_XLSB_CELLS = frozenset(range(0x01, 0x0C))  # BrtCellBlank … BrtFmlaError: column first, 4 bytes
_XLSB_SHEET = re.compile(r"xl/worksheets/[^/]+\.bin", re.IGNORECASE)


def _scan_xlsb(path: Path, zf: zipfile.ZipFile) -> None:
    """Refuse an .xlsb sheet whose grid — as its dimension record claims, or from A1 to its farthest cell —
    is beyond MAX_CELLS, or which places a cell outside Excel's rows and columns."""
    for info in zf.infolist():
        if not _XLSB_SHEET.fullmatch(info.filename):
            continue
        rows = columns = 0
        row = 0
        for kind, body in _xlsb_records(zf, info):
            if kind == _XLSB_ROW and len(body) >= 4:
                row = struct.unpack_from("<I", body)[0]
                rows = max(rows, row + 1)
            elif kind in _XLSB_CELLS and len(body) >= 4:
                columns = max(columns, struct.unpack_from("<I", body)[0] + 1)
            elif kind == _XLSB_DIMENSION and len(body) >= 16:
                _, last_row, _, last_col = struct.unpack_from("<IIII", body)
                rows = max(rows, last_row + 1)
                columns = max(columns, last_col + 1)
        if rows > EXCEL_ROWS or columns > EXCEL_COLUMNS:
            raise UnreadableFile(path, "工作簿中有超出 Excel 行列范围的单元格，文件可能已损坏或由其他程序生成；请用 Excel 打开后另存再试")
        if rows * columns > MAX_CELLS:
            raise UnreadableFile(path, too_many_cells(rows * columns))


def _xlsb_records(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[tuple[int, bytes]]:
    """(record type, body) of the cell-position records; other bodies are skipped unread."""
    wanted = _XLSB_CELLS | {_XLSB_ROW, _XLSB_DIMENSION}
    with zf.open(info) as fh:
        reader = _Buffered(fh)
        while True:
            kind = reader.varint(2)
            if kind is None:
                return
            size = reader.varint(4)
            if size is None:
                return
            if kind in wanted:
                yield kind, reader.take(min(size, 16))
                reader.skip(size - min(size, 16))
            else:
                reader.skip(size)


class _Buffered:
    """Just enough of a byte reader over a zip member for record headers, in large reads."""

    def __init__(self, fh: Any) -> None:
        self.fh, self.buf, self.pos = fh, b"", 0

    def _fill(self, n: int) -> bool:
        while len(self.buf) - self.pos < n:
            chunk = self.fh.read(4 * CHUNK)
            if not chunk:
                return False
            self.buf = self.buf[self.pos:] + chunk
            self.pos = 0
        return True

    def varint(self, limit: int) -> int | None:
        value = 0
        for i in range(limit):
            if not self._fill(1):
                return None
            byte = self.buf[self.pos]
            self.pos += 1
            value |= (byte & 0x7F) << (7 * i)
            if not byte & 0x80:
                break
        return value

    def take(self, n: int) -> bytes:
        self._fill(n)
        data = self.buf[self.pos:self.pos + n]
        self.pos += len(data)
        return data

    def skip(self, n: int) -> None:
        while n > 0:
            if not self._fill(1):
                return
            step = min(n, len(self.buf) - self.pos)
            self.pos += step
            n -= step


# ── An .xls, seen before calamine parses it ──────────────────────────────────────────────────────────────
# calamine trusts the counts and sizes an .xls declares. In the OLE container (MS-CFB) a damaged file — a bad
# USB stick, a cut download — with a loop in a sector chain makes it append the same sectors for ever, and a
# sector count or stream size of 4 billion makes it reserve that much; in the workbook stream (BIFF8) a string
# table claiming 4 billion strings, or a DIMENSIONS record claiming 4 billion rows, does the same; and one
# cell record at column 65,000 makes the dense grid 125 GB (BIFF8 stores rows and columns in 16 bits; Excel
# 97–2003 stops at 65,536 × 256). Each of these kills or aborts the process. So what calamine will follow is
# followed here first, bounded: the chains, the declared sizes, and the records of each sheet.
_BIFF_EOF, _BIFF_SST, _BIFF_BOUNDSHEET, _BIFF_DIMENSIONS, _BIFF_FORMULA = 0x000A, 0x00FC, 0x0085, 0x0200, 0x0006
# The cell records calamine keeps, with the length it requires of each.
_BIFF_CELLS = {0x0203: 14, 0x0204: 6, 0x0205: 8, 0x027E: 10, 0x00FD: 10, _BIFF_FORMULA: 20}
_BIFF_MULRK = 0x00BD
_END_OF_CHAIN, _FREE = 0xFFFFFFFE, 0xFFFFFFFF


class _BrokenContainer(Exception):
    """An .xls that cannot be valid: a chain that loops or leaves the file, a count or size past its end."""


def check_ole(path: Path) -> None:
    try:
        stream = _ole_stream(path.read_bytes())
        extent = _biff_extent(stream) if stream is not None else None
    except OSError as exc:
        raise UnreadableFile(path, interrupted(exc)) from exc
    except _BrokenContainer as exc:
        raise UnreadableFile(path, workbook_reason("ole")) from exc
    if extent is not None:
        raise UnreadableFile(path, f"工作簿中有工作表的数据区域达 {extent[0]} 行 × {extent[1]} 列，超出旧版 Excel 的范围"
                                   "（文件可能已损坏或由其他程序生成）；请用 Excel 打开后另存为 .xlsx 再试")


def _ole_stream(data: bytes) -> bytes | None:
    """The workbook stream of an .xls as calamine finds it (the first directory entry named “Workbook”,
    else “Book”), or None when there is none. Everything calamine follows on the way — DIFAT, FAT, directory,
    mini FAT, mini stream, the stream itself — is followed first: a loop, a sector outside the file, or a
    count or size larger than the file raises _BrokenContainer."""

    if len(data) < 512:
        raise _BrokenContainer("shorter than its header")
    shift, mini_shift = struct.unpack_from("<HH", data, 30)
    if shift not in (9, 12) or mini_shift != 6:
        return None  # calamine refuses these itself
    size, small = 1 << shift, 1 << mini_shift
    count = -(-(len(data) - size) // size)  # sectors after the header, the last one possibly short
    dir_sectors, fat_sectors_count, first_dir = struct.unpack_from("<III", data, 40)
    first_mini_fat, mini_fat_count, first_difat, difat_count = struct.unpack_from("<IIII", data, 60)
    if max(dir_sectors, fat_sectors_count, mini_fat_count, difat_count) > count:
        raise _BrokenContainer("sector counts")

    def sector(n: int) -> bytes:
        return data[(n + 1) * size:(n + 2) * size]

    def u32s(raw: bytes) -> tuple[int, ...]:
        return struct.unpack(f"<{len(raw) // 4}I", raw[: len(raw) // 4 * 4])

    def chain(start: int, table: tuple[int, ...], limit: int) -> list[int]:
        ids: list[int] = []
        n = start
        while n != _END_OF_CHAIN:
            if n >= len(table) or n >= limit or len(ids) >= limit:
                raise _BrokenContainer("chain")
            ids.append(n)
            n = table[n]
        return ids

    def entry_size(entry: bytes) -> int:
        length = struct.unpack_from("<Q" if size == 4096 else "<I", entry, 120)[0]
        if length > len(data):
            raise _BrokenContainer("stream size")
        return int(length)

    difat = list(u32s(data[76:512]))
    n, seen = first_difat, 0
    while n not in (_END_OF_CHAIN, _FREE):
        if n >= count or seen >= count:
            raise _BrokenContainer("DIFAT")
        more = u32s(sector(n))
        difat += more[:-1]
        n, seen = more[-1], seen + 1
    fat_ids = [n for n in difat if n != _FREE]
    if any(n >= count for n in fat_ids):
        raise _BrokenContainer("FAT")
    fat = u32s(b"".join(sector(n) for n in fat_ids))
    directory = b"".join(sector(n) for n in chain(first_dir, fat, count))
    if not directory or len(directory) % 128:  # cut off inside the directory
        raise _BrokenContainer("directory")
    entries = [directory[i:i + 128] for i in range(0, len(directory), 128)]
    root_start = struct.unpack_from("<I", entries[0], 116)[0]
    root_size = entry_size(entries[0])
    mini = b"".join(sector(n) for n in chain(root_start, fat, count))[:root_size] if root_size else b""
    mini_fat = u32s(b"".join(sector(n) for n in chain(first_mini_fat, fat, count)))
    names = [entry[:64].decode("utf-16-le", "replace").split("\0")[0] for entry in entries]
    for wanted in ("Workbook", "Book"):
        if wanted in names:
            entry = entries[names.index(wanted)]
            start, length = struct.unpack_from("<I", entry, 116)[0], entry_size(entry)
            if length >= 4096:
                body = b"".join(sector(n) for n in chain(start, fat, count))
            else:
                ids = chain(start, mini_fat, len(mini) // small + 1)
                body = b"".join(mini[n * small:(n + 1) * small] for n in ids)
            return body[:length]
    return None


def _biff_extent(stream: bytes) -> tuple[int, int] | None:
    """(rows, columns) of the first sheet whose grid — from A1 to its last cell, or as its DIMENSIONS record
    claims — is larger than MAX_CELLS; None when every sheet fits. Records are read as calamine reads them:
    the globals from the start, each sheet from the offset its BOUNDSHEET record gives, up to an EOF record.
    A string table claiming more strings than the stream could hold raises _BrokenContainer."""

    header = struct.Struct("<HH").unpack_from
    u32 = struct.Struct("<I").unpack_from
    end = len(stream)
    sheets = []
    pos = 0
    while pos + 4 <= end:
        kind, size = header(stream, pos)
        body = pos + 4
        if kind == _BIFF_EOF:
            break
        if kind == _BIFF_SST and size >= 8 and body + 8 <= end:
            if struct.unpack_from("<i", stream, body + 4)[0] > end // 3:  # a string takes three bytes at least
                raise _BrokenContainer("string count")
        elif kind == _BIFF_BOUNDSHEET and size >= 4 and body + 4 <= end:
            sheets.append(u32(stream, body)[0])
        pos = body + size
    cells = _BIFF_CELLS
    for pos in sheets:
        rows = columns = 0
        while pos + 4 <= end:
            kind, size = header(stream, pos)
            body = pos + 4
            if kind == _BIFF_EOF:
                break
            if kind in cells and size >= cells[kind] and body + 4 <= end:
                row, column = header(stream, body)
                rows, columns = max(rows, row + 1), max(columns, column + 1)
            elif kind == _BIFF_MULRK and size >= 6 and body + size <= end:
                row, column = header(stream, body)[0], header(stream, body + size - 2)[0]
                rows, columns = max(rows, row + 1), max(columns, column + 1)
            elif kind == _BIFF_DIMENSIONS and size in (10, 14) and body + size <= end:
                # calamine reserves (last − first + 1) rows × columns, in wrapping 32-bit arithmetic
                first_row, last_row, first_col, last_col = struct.unpack_from(
                    "<HHHH" if size == 10 else "<IIHH", stream, body)
                if last_row >= 1 and last_col >= 1:
                    claimed = ((last_row - first_row) & _FREE, (last_col - first_col) & _FREE)
                    if claimed[0] * claimed[1] > MAX_CELLS:
                        return claimed
            pos = body + size
        if rows * columns > MAX_CELLS:
            return rows, columns
    return None


