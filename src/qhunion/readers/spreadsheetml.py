"""SpreadsheetML 2003 (“XML 表格”): what many government systems export, often named .xls.

Recognised by content (`io.markup_kind`). Parsed as a stream through defusedxml, refusing any DTD as `guard`
does for workbook parts. Honoured: several Worksheets; `ss:Index` on rows and cells (skipped positions);
`ss:MergeAcross` / `ss:MergeDown`, listed in `Sheet.merged` as calamine lists an .xlsx's merges,
((first_row, first_col), (last_row, last_col)), 0-based, inclusive, with the covered cells None; a sheet
marked hidden in its WorksheetOptions; `ss:Type="Number"` as float, Boolean as bool, DateTime as datetime,
everything else as its text.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any, BinaryIO

from qhunion.readers.sheet import (
    EXCEL_COLUMNS,
    EXCEL_ROWS,
    MAX_CELLS,
    Sheet,
    UnreadableFile,
    file_label,
    interrupted,
    too_many_cells,
)

_BROKEN = "XML 表格已损坏或不完整（可能未下载完），请在系统中重新导出，或用 Excel 打开后另存为 .xlsx 再试"
_DTD = "XML 表格含有实体声明（DOCTYPE），Excel 不会生成这样的文件；为安全起见拒绝读取，请向填报单位核实"
_DECLARED = re.compile(rb"""^(\s*<\?xml[^>]*?encoding\s*=\s*["'])([A-Za-z0-9_.:-]+)(["'])""")
# expat reads these itself; anything else (gb2312, gbk …) is decoded here first.
_EXPAT = {"utf-8", "utf-16", "utf-16-le", "utf-16-be", "latin-1", "iso8859-1", "ascii"}


def read_spreadsheetml(path: Path) -> Iterator[Sheet]:
    sheets = list(_parse(path))
    if not sheets:
        raise UnreadableFile(path, "XML 表格中没有工作表，请检查是否发错了文件")
    yield from sheets


def _source(path: Path) -> BinaryIO:
    """The file, or — when its declaration names an encoding expat lacks (gb2312 from older systems) — its
    text re-encoded as UTF-8 with the declaration changed to match."""
    try:
        with path.open("rb") as fh:
            head = fh.read(200)
            m = _DECLARED.match(head)
            name = m.group(2).decode("ascii") if m else "utf-8"
            try:
                codec = codecs.lookup(name).name
            except LookupError:
                codec = "gb18030"
            if codec in _EXPAT or head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF8)):
                return path.open("rb")
            codec = "gb18030" if codec in ("gb2312", "gbk") else codec
            fh.seek(0)
            text = fh.read().decode(codec, "replace")
    except OSError as exc:
        raise UnreadableFile(path, interrupted(exc)) from exc
    raw = text.encode("utf-8")
    return BytesIO(_DECLARED.sub(rb"\g<1>utf-8\g<3>", raw, count=1))


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _attr(element: Any, name: str) -> str | None:
    for key, value in element.attrib.items():
        if _local(key) == name:
            return str(value)
    return None


def _int(element: Any, name: str, default: int, limit: int) -> int:
    value = _attr(element, name)
    if value is None:
        return default
    try:
        number = int(value.strip())
    except ValueError:
        return default
    return max(0, min(number, limit))


class _Builder:
    def __init__(self, path: Path, name: str) -> None:
        self.path, self.name = path, name
        self.rows: dict[int, dict[int, Any]] = {}
        self.merged: list[tuple[tuple[int, int], tuple[int, int]]] = []
        self.row = -1
        self.col = -1
        self.cells = 0
        self.visible = True

    def start_row(self, element: Any) -> None:
        self.row = _int(element, "Index", self.row + 2, EXCEL_ROWS + 1) - 1
        self.col = -1
        self.rows.setdefault(self.row, {})

    def add_cell(self, element: Any) -> None:
        if self.row < 0:
            self.start_row(element)
        self.col = _int(element, "Index", self.col + 2, EXCEL_COLUMNS + 1) - 1
        across = _int(element, "MergeAcross", 0, EXCEL_COLUMNS)
        down = _int(element, "MergeDown", 0, EXCEL_ROWS)
        if self.row >= EXCEL_ROWS or self.col + across >= EXCEL_COLUMNS or self.row + down >= EXCEL_ROWS:
            raise UnreadableFile(self.path, f"工作表“{self.name}”中有超出 Excel 行列范围的单元格，文件可能已损坏；"
                                            "请在系统中重新导出后再试")
        self.rows[self.row][self.col] = _value(element)
        self.cells += 1
        if across or down:
            self.merged.append(((self.row, self.col), (self.row + down, self.col + across)))
            self.cells += (across + 1) * (down + 1)
        if self.cells > MAX_CELLS:
            raise UnreadableFile(self.path, too_many_cells(self.cells, self.name))
        self.col += across

    def sheet(self) -> Sheet:
        covered = {(r, c) for (r0, c0), (r1, c1) in self.merged
                   for r in range(r0, r1 + 1) if r in self.rows for c in range(c0, c1 + 1) if (r, c) != (r0, c0)}
        rows = []
        for r in sorted(self.rows):
            row = self.rows[r]
            width = max(row, default=-1) + 1
            rows.append((r + 1, [None if (r, c) in covered else row.get(c, "") for c in range(width)]))
        return Sheet(file=file_label(self.path), name=self.name, rows=rows, visible=self.visible,
                     merged=self.merged)


def _value(cell: Any) -> Any:
    data = next((child for child in cell if _local(child.tag) == "Data"), None)
    if data is None:
        return ""
    text = "".join(data.itertext())
    kind = (_attr(data, "Type") or "String").strip()
    if kind == "Number":
        try:
            return float(text)
        except ValueError:
            return text
    if kind == "Boolean":
        return text.strip() in ("1", "true", "TRUE")
    if kind == "DateTime":
        try:
            return dt.datetime.fromisoformat(text.strip())
        except ValueError:
            return text
    return text


def _parse(path: Path) -> Iterator[Sheet]:
    import defusedxml
    import defusedxml.ElementTree as SafeET

    builder: _Builder | None = None
    count = 0
    source = _source(path)
    try:
        with source:
            for event, element in SafeET.iterparse(source, events=("start", "end"), forbid_dtd=True):
                tag = _local(element.tag)
                if event == "start":
                    if tag == "Worksheet":
                        count += 1
                        builder = _Builder(path, _attr(element, "Name") or f"Sheet{count}")
                    elif tag == "Row" and builder is not None:
                        builder.start_row(element)
                    continue
                if builder is None:
                    continue
                if tag == "Cell":
                    builder.add_cell(element)
                    element.clear()
                elif tag == "Row":
                    element.clear()
                elif tag == "Visible" and (element.text or "").strip() in ("SheetHidden", "SheetVeryHidden"):
                    builder.visible = False
                elif tag == "Worksheet":
                    yield builder.sheet()
                    builder = None
                    element.clear()
    except defusedxml.DefusedXmlException as exc:
        raise UnreadableFile(path, _DTD) from exc
    except SafeET.ParseError as exc:
        raise UnreadableFile(path, _BROKEN) from exc
    except OSError as exc:
        raise UnreadableFile(path, interrupted(exc)) from exc
