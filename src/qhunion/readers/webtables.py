"""Web pages saved as workbooks: the “.xls” a web system or WPS exports is often an HTML page of tables.

Recognised by content, whatever the suffix (issue 10, item 4). The page is decoded as a browser would —
BOM, then the <meta> charset, then strict UTF-8, then GB18030 — and parsed with the standard library's
html.parser. Every <table> holding data becomes a `Sheet`: colspan/rowspan put a value in its top-left cell,
covered cells are None, and each span is listed in `Sheet.merged` as calamine lists an .xlsx's merges,
((first_row, first_col), (last_row, last_col)), 0-based, inclusive. Values stay text (intake parses them).
A table nested in a cell is a table of its own, not part of that cell's text. A page with no table — a login
or time-out page saved in place of the export — is refused with a sentence saying so.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from qhunion.readers.sheet import MAX_CELLS, Sheet, UnreadableFile, file_label, shown, too_many_cells

# A parsed cell costs about a hundred bytes here (calamine's grid: 32), so a page's tables are held to an
# eighth of MAX_CELLS — still 5 million cells, a 100,000-row export of 50 columns.
MAX_WEB_CELLS = MAX_CELLS // 8
# HTML's own limits on spans (WHATWG: colspan ≤ 1000, rowspan ≤ 65534); larger values are clamped as
# browsers clamp them.
MAX_COLSPAN, MAX_ROWSPAN = 1000, 65534
_META = re.compile(rb"""<meta\b[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_HEAD = 64 * 1024
# Old Chinese pages declare gb2312 and use GBK characters; GB18030 reads all three.
_WIDER = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "euc-cn": "gb18030", "iso-8859-1": "cp1252",
          "ascii": "utf-8", "us-ascii": "utf-8"}
_NOT_EXPORT = "请在系统中重新导出为 Excel 后再试"


def decode_page(raw: bytes, encoding: str | None = None) -> tuple[str, str]:
    """(text, encoding used): the user's encoding, else BOM → <meta> charset → strict UTF-8 → GB18030."""
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if encoding is None and raw.startswith(bom):
            return raw.decode(name, "replace"), name
    tried = [encoding] if encoding else []
    if not encoding and (m := _META.search(raw[:_HEAD])):
        declared = m.group(1).decode("ascii").lower()
        tried.append(_WIDER.get(declared, declared))
    for name in [*tried, "utf-8"]:
        try:
            return raw.decode(name), name
        except (LookupError, UnicodeDecodeError):
            continue
    return raw.decode("gb18030", "replace"), "gb18030"


@dataclass
class _Span:
    first_row: int
    last_row: int
    first_col: int
    last_col: int


@dataclass
class _Table:
    rows: list[dict[int, str | None]] = field(default_factory=list)
    spans: list[_Span] = field(default_factory=list)
    active: list[_Span] = field(default_factory=list)  # rowspans still covering rows to come
    cell: list[str] | None = None
    cell_at: int = 0
    width: int = 0
    cells: int = 0
    seq: int = 0  # the order tables begin in, which is the order they are read in

    def start_row(self) -> None:
        self.end_cell()
        self.rows.append({})
        row = len(self.rows) - 1
        self.active = [s for s in self.active if s.last_row >= row]
        for s in self.active:
            if s.first_row < row:
                self.cells += s.last_col - s.first_col + 1
                if self.cells > MAX_WEB_CELLS:
                    return  # the page's reader refuses it before going on
                for c in range(s.first_col, s.last_col + 1):
                    self.rows[row][c] = None

    def start_cell(self, colspan: int, rowspan: int) -> None:
        self.end_cell()
        if not self.rows:
            self.start_row()
        row = self.rows[-1]
        col = 0
        while col in row:
            col += 1
        span = _Span(len(self.rows) - 1, len(self.rows) - 2 + rowspan, col, col + colspan - 1)
        for c in range(col + 1, col + colspan):
            row[c] = None
        row[col] = ""
        if colspan > 1 or rowspan > 1:
            self.spans.append(span)
            if rowspan > 1:
                self.active.append(span)
        self.cell, self.cell_at = [], col
        self.width = max(self.width, col + colspan)
        self.cells += colspan

    def end_cell(self) -> None:
        if self.cell is not None:
            self.rows[-1][self.cell_at] = _cell_text(self.cell)
            self.cell = None

    def has_data(self) -> bool:
        return any(v for row in self.rows for v in row.values())

    def grid(self) -> tuple[list[tuple[int, list[str | None]]], list[tuple[tuple[int, int], tuple[int, int]]]]:
        last = len(self.rows) - 1  # a rowspan past the table's end stops there, as in a browser
        merged = [((s.first_row, s.first_col), (min(s.last_row, last), s.last_col)) for s in self.spans]
        merged = [m for m in merged if m[0] != m[1]]
        rows = []
        for number, row in enumerate(self.rows, start=1):
            width = max(row, default=-1) + 1
            rows.append((number, [row.get(c, "") for c in range(width)]))
        return rows, merged


def _cell_text(pieces: list[str]) -> str:
    """HTML whitespace collapsed within each line; <br> (a "\n" piece) kept as a line break."""
    lines = "".join(pieces).replace("\xa0", " ").split("\n")
    return "\n".join(" ".join(line.split()) for line in lines).strip("\n")


class _Page(HTMLParser):
    def __init__(self, path: Path) -> None:
        super().__init__(convert_charrefs=True)
        self.path = path
        self.open: list[_Table] = []
        self.done: list[_Table] = []
        self.title: list[str] | None = None
        self.title_text = ""
        self.skip = 0  # inside <script> or <style>
        self.password = False
        self.total = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        table = self.open[-1] if self.open else None
        if tag in ("script", "style"):
            self.skip += 1
        elif tag == "title" and not self.title_text:
            self.title = []
        elif tag == "table":  # nested in a cell: a table of its own; the outer cell goes on after it
            self.open.append(_Table(seq=len(self.open) + len(self.done)))
        elif tag in ("tr", "td", "th") and table is not None:
            before = table.cells
            if tag == "tr":
                table.start_row()
            else:
                a = dict(attrs)
                table.start_cell(_span(a.get("colspan"), MAX_COLSPAN), _span(a.get("rowspan"), MAX_ROWSPAN))
            self.total += table.cells - before
            if self.total > MAX_WEB_CELLS:
                raise UnreadableFile(self.path, too_many_cells(max(self.total, len(table.rows) * table.width),
                                                               limit=MAX_WEB_CELLS))
        elif tag == "br" and table is not None and table.cell is not None:
            table.cell.append("\n")
        elif tag == "input" and (dict(attrs).get("type") or "").lower() == "password":
            self.password = True

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in ("td", "th", "tr", "table", "title", "script", "style"):
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        table = self.open[-1] if self.open else None
        if tag in ("script", "style"):
            self.skip = max(0, self.skip - 1)
        elif tag == "title" and self.title is not None:
            self.title_text = " ".join("".join(self.title).split())
            self.title = None
        elif tag == "table" and table is not None:
            table.end_cell()
            self.done.append(self.open.pop())
        elif tag in ("td", "th") and table is not None:
            table.end_cell()

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.title is not None:
            self.title.append(data)
        elif self.open and self.open[-1].cell is not None:
            self.open[-1].cell.append(data)


def _span(value: str | None, limit: int) -> int:
    m = re.match(r"\s*(\d+)", value or "")
    return min(max(int(m.group(1)), 1), limit) if m else 1


def read_html(path: Path, raw: bytes, encoding: str | None = None) -> Iterator[Sheet]:
    """The tables of a web page that hold data, each a Sheet, in the order they begin."""
    text, used = decode_page(raw, encoding)
    page = _Page(path)
    page.feed(text)
    page.close()
    while page.open:  # tables never closed (a page cut short)
        table = page.open.pop()
        table.end_cell()
        page.done.append(table)
    order = sorted(page.done, key=lambda t: t.seq)
    tables = [t for t in order if t.has_data()]
    if not tables or (page.password and not any(_looks_tabular(t) for t in tables)):
        title = f"（标题：{shown(page.title_text[:40])}）" if page.title_text else ""
        raise UnreadableFile(path, f"这是一个网页{title}，不是导出的表格；{_NOT_EXPORT}")
    for index, table in enumerate(tables, start=1):
        rows, merged = table.grid()
        if page.title_text and len(tables) == 1:
            name = page.title_text
        elif page.title_text:
            name = f"{page.title_text}（表{index}）"
        else:
            name = f"表{index}"
        yield Sheet(file=file_label(path), name=name, rows=rows, merged=merged, encoding=used)


def _looks_tabular(table: _Table) -> bool:
    """At least two rows with two values: what a login form's layout table rarely has beside its fields."""
    return sum(1 for row in table.rows if sum(1 for v in row.values() if v) >= 2) >= 2
