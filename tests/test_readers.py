"""Files as they really arrive (issue 10, item 4) and readers that never crash (issue 14, items 9–16, 20,
22–25): web pages and SpreadsheetML saved as .xls, Excel's “Unicode 文本”, delimited text of any kind,
.xlsb and .ods beyond the cell limit, an abort inside the parser, odd names, odd folders, odd encodings."""

from __future__ import annotations

import errno
import html
import os
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from builders import (
    FLAT_HEADER,
    ODS_CELL,
    ROWS,
    TITLE,
    Formula,
    Grid,
    flat_rows,
    raw_ods,
    survey_grid,
    write_csv,
    write_survey,
    write_xlsx,
)
from qhunion import io as qio
from qhunion.oserrors import os_reason
from qhunion.readers import sheet
from qhunion.recognise.intake import read_survey
from rule_cases.surveys import examples

# ── Builders: the same Grid as a web page, as SpreadsheetML, as .xlsb ──────────────────────────────────


def _text(cell: object) -> str:
    if cell is None:
        return ""
    return str(cell.cached if isinstance(cell, Formula) else cell)


def html_table(grid: Grid) -> str:
    """A grid as a web system writes it: spans for merges, covered cells left out."""
    tops = {first: last for first, last in grid.merges}
    covered = {(r, c) for (r0, c0), (r1, c1) in grid.merges for r in range(r0, r1 + 1)
               for c in range(c0, c1 + 1) if (r, c) != (r0, c0)}
    rows = []
    for r, row in enumerate(grid.rows):
        cells = []
        for c, cell in enumerate(row):
            if (r, c) in covered:
                continue
            span = ""
            if (r, c) in tops:
                last = tops[(r, c)]
                span = f' rowspan="{last[0] - r + 1}" colspan="{last[1] - c + 1}"'
            cells.append(f"<td{span}>{html.escape(_text(cell))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return "<table border=1>\n" + "\n".join(rows) + "\n</table>"


def web_page(body: str, title: str = "货运企业调查表", meta: str = '<meta http-equiv="Content-Type" '
             'content="text/html; charset=gb2312">') -> str:
    return f"<html><head>{meta}<title>{title}</title></head><body>{body}</body></html>"


def spreadsheetml(sheets: dict[str, Grid], hidden: tuple[str, ...] = (), encoding: str = "UTF-8") -> str:
    """SpreadsheetML 2003 as Excel and government systems write it: ss:Index after covered cells."""
    parts = [f'<?xml version="1.0" encoding="{encoding}"?>\n<?mso-application progid="Excel.Sheet"?>\n'
             '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
             'xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:x="urn:schemas-microsoft-com:office:excel" '
             'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">']
    for name, grid in sheets.items():
        tops = {first: last for first, last in grid.merges}
        covered = {(r, c) for (r0, c0), (r1, c1) in grid.merges for r in range(r0, r1 + 1)
                   for c in range(c0, c1 + 1) if (r, c) != (r0, c0)}
        parts.append(f'<Worksheet ss:Name="{html.escape(name)}"><Table>')
        for r, row in enumerate(grid.rows):
            parts.append("<Row>")
            skipped = False
            for c, cell in enumerate(row):
                if (r, c) in covered or cell is None:
                    skipped = True
                    continue
                attrs = f' ss:Index="{c + 1}"' if skipped else ""
                skipped = False
                if (r, c) in tops:
                    (r1, c1) = tops[(r, c)]
                    attrs += (f' ss:MergeAcross="{c1 - c}"' if c1 > c else "") + (
                        f' ss:MergeDown="{r1 - r}"' if r1 > r else "")
                value = cell.cached if isinstance(cell, Formula) else cell
                kind = "Number" if isinstance(value, int | float) else "String"
                parts.append(f'<Cell{attrs}><Data ss:Type="{kind}">{html.escape(str(value))}</Data></Cell>')
            parts.append("</Row>")
        parts.append("</Table>")
        if name in hidden:
            parts.append('<WorksheetOptions xmlns="urn:schemas-microsoft-com:office:excel">'
                         "<Visible>SheetHidden</Visible></WorksheetOptions>")
        parts.append("</Worksheet>")
    parts.append("</Workbook>")
    return "\n".join(parts)


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _record(kind: int, body: bytes = b"") -> bytes:
    return _varint(kind) + _varint(len(body)) + body


def _wide(text: str) -> bytes:
    return struct.pack("<I", len(text)) + text.encode("utf-16-le")


def write_xlsb(path: Path, cells: dict[tuple[int, int], str | float]) -> Path:
    """A minimal .xlsb (MS-XLSB records: BrtBundleSh, BrtWsDim, BrtRowHdr, BrtCellSt, BrtCellReal) that
    calamine reads; cells by 0-based (row, column)."""
    book = (_record(0x83) + _record(0x8F) + _record(0x9C, struct.pack("<II", 0, 1) + _wide("rId1") + _wide("S"))
            + _record(0x90) + _record(0x84))
    last_row, last_col = max(r for r, _ in cells), max(c for _, c in cells)
    sheet = _record(0x81) + _record(0x94, struct.pack("<IIII", 0, last_row, 0, last_col)) + _record(0x91)
    for row in sorted({r for r, _ in cells}):
        sheet += _record(0x00, struct.pack("<IIH", row, 0, 300) + b"\0\0\0" + struct.pack("<I", 0))
        for (r, c), value in sorted(cells.items()):
            if r == row:
                sheet += (_record(0x06, struct.pack("<II", c, 0) + _wide(value)) if isinstance(value, str)
                          else _record(0x05, struct.pack("<IId", c, 0, value)))
    sheet += _record(0x92) + _record(0x82)
    rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/{}" Target="{}"/></Relationships>')
    types = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
             'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
             'relationships+xml"/><Default Extension="bin" ContentType="application/vnd.ms-excel.sheet.binary.'
             'macroEnabled.main"/><Override PartName="/xl/worksheets/sheet1.bin" ContentType="application/vnd.'
             'ms-excel.worksheet"/></Types>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", types)
        zf.writestr("_rels/.rels", rels.format("officeDocument", "xl/workbook.bin"))
        zf.writestr("xl/workbook.bin", book)
        zf.writestr("xl/_rels/workbook.bin.rels", rels.format("worksheet", "worksheets/sheet1.bin"))
        zf.writestr("xl/worksheets/sheet1.bin", sheet)
    return path


def sheets_of(path: Path, encoding: str | None = None) -> list[sheet.Sheet]:
    return [sheet.Sheet(s.file, s.name, list(s.rows), s.visible, s.first_column, s.merged, s.encoding)
            for s in qio.read_sheets(path, encoding)]


def summary(path: Path) -> list[tuple[str | None, str | None, int | None]]:
    survey = read_survey([path])
    assert survey.unreadable == [], [u.reason for u in survey.unreadable]
    return [(r.name, r.county, r.vehicles_owned) for r in survey.records]


EXPECTED = [(row[0], row[3], row[5]) for row in ROWS]
EXPECTED[2] = (ROWS[2][0], "格尔木市", ROWS[2][5])  # the gazetteer's full name


# ── 1. Web pages saved as .xls ─────────────────────────────────────────────────────────────────────────

@pytest.mark.parametrize("suffix", [".xls", ".xlsx", ".htm", ".html", ".txt"])
def test_web_export_in_gbk_is_read_whatever_its_name(tmp_path: Path, suffix: str) -> None:
    grid, _ = survey_grid()
    path = tmp_path / f"网页导出{suffix}"
    path.write_bytes(web_page(html_table(grid)).encode("gbk"))
    assert summary(path) == EXPECTED
    (sheet,) = sheets_of(path)
    assert (sheet.name, sheet.encoding) == ("货运企业调查表", "gb18030")


def test_web_table_spans_match_calamine_on_the_same_xlsx(tmp_path: Path) -> None:
    """Merged ranges in the very shape calamine gives for .xlsx; a value in the top-left cell, the cells a
    span covers None."""
    import python_calamine as pc

    grid, _ = survey_grid()
    write_xlsx(tmp_path / "原.xlsx", {"S": grid})
    expected = pc.CalamineWorkbook.from_path(str(tmp_path / "原.xlsx")).get_sheet_by_name("S").merged_cell_ranges
    (tmp_path / "网页.xls").write_text(web_page(html_table(grid), meta='<meta charset="utf-8">'), encoding="utf-8")
    (sheet,) = sheets_of(tmp_path / "网页.xls")
    assert sorted(sheet.merged) == sorted(expected)
    rows = dict(sheet.rows)
    assert rows[1][0] == TITLE  # in its top-left cell
    assert rows[1][1:] == [None] * (len(grid.rows[0]) - 1)
    assert rows[3][5] == "车辆情况" and rows[3][6] is None and rows[4][0] is None  # colspan, rowspan


def test_spans_overlapping_a_rowspan_and_line_breaks(tmp_path: Path) -> None:
    page = ("<table><tr><td rowspan=2>甲<br>乙</td><td colspan=2>x  &nbsp; y</td></tr>"
            "<tr><td>1</td><td>2</td></tr><tr><td>3<td>4<td>5</table>")  # closing tags omitted, as HTML allows
    (tmp_path / "a.xls").write_text(page, encoding="utf-8")
    (sheet,) = sheets_of(tmp_path / "a.xls")
    assert list(sheet.rows) == [(1, ["甲\n乙", "x y", None]), (2, [None, "1", "2"]), (3, ["3", "4", "5"])]
    assert sheet.merged == [((0, 0), (1, 0)), ((0, 1), (0, 2))]
    assert sheet.name == "表1"


def test_nested_and_several_tables(tmp_path: Path) -> None:
    """A layout table around the data is not a sheet of its own (it holds nothing but the inner table);
    two data tables are two sheets, named after the title."""
    inner = html_table(flat_rows(("甲公司", "", "海东市", "乐都区", 3, 10, "否")))
    page = web_page(f"<table><tr><td>{inner}</td></tr></table><table><tr><td>备注</td><td>无</td></tr></table>",
                    title="导出")
    (tmp_path / "a.xls").write_text(page, encoding="gbk")
    sheets = sheets_of(tmp_path / "a.xls")
    assert [s.name for s in sheets] == ["导出（表1）", "导出（表2）"]
    assert next(iter(sheets[0].rows))[1] == list(FLAT_HEADER)


@pytest.mark.parametrize(("raw", "encoding"), [
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"", "utf-8"),  # no BOM, no meta: strict UTF-8 first
])
def test_web_page_charset_without_a_meta_tag(tmp_path: Path, raw: bytes, encoding: str) -> None:
    page = "<table><tr><td>企业名称</td><td>县</td></tr><tr><td>甲</td><td>乐都区</td></tr></table>"
    (tmp_path / "a.xls").write_bytes(raw + page.encode("utf-8"))
    (sheet,) = sheets_of(tmp_path / "a.xls")
    assert (sheet.encoding, list(sheet.rows)[1][1]) == (encoding, ["甲", "乐都区"])
    (tmp_path / "b.xls").write_bytes(page.encode("gbk"))  # no meta, not UTF-8: GB18030
    assert list(sheets_of(tmp_path / "b.xls")[0].rows)[1][1] == ["甲", "乐都区"]


def test_meta_charset_that_lies_is_not_believed_over_a_failure(tmp_path: Path) -> None:
    page = web_page("<table><tr><td>企业名称</td><td>乐都区</td></tr></table>", meta='<meta charset="utf-8">')
    (tmp_path / "a.xls").write_bytes(page.encode("gbk"))
    assert next(iter(sheets_of(tmp_path / "a.xls")[0].rows))[1] == ["企业名称", "乐都区"]


def test_login_page_saved_as_xls_is_a_sentence_and_exit_3(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    page = web_page('<form><input name="u"><input type="password" name="p"><button>登录</button></form>',
                    title="青海省工会会员实名制系统 - 登录")
    (tmp_path / "导出.xls").write_bytes(page.encode("gbk"))
    write_csv(tmp_path / "好.csv", flat_rows(("甲公司", "", "海东市", "乐都区", 3, 10, "否")))
    code, out, err = cli("check", "导出.xls", "好.csv")
    assert code == 3
    assert ("无法读取 导出.xls：这是一个网页（标题：青海省工会会员实名制系统 - 登录），不是导出的表格；"
            "请在系统中重新导出为 Excel 后再试") in out
    assert "好.csv" in out and "Traceback" not in out + err


def test_login_page_laid_out_in_a_table_is_still_a_web_page(tmp_path: Path) -> None:
    page = web_page('<table><tr><td>用户名</td><td><input name="u"></td></tr><tr><td>密码</td>'
                    '<td><input type="password"></td></tr></table>', title="会话超时")
    (tmp_path / "a.xls").write_text(page, encoding="utf-8")
    (bad,) = read_survey([tmp_path / "a.xls"]).unreadable
    assert bad.reason.startswith("这是一个网页（标题：会话超时）")


def test_huge_spans_are_bounded(tmp_path: Path) -> None:
    path = tmp_path / "a.xls"
    path.write_text("<table>" + "<tr><td colspan=1000 rowspan=65534>x</td></tr>" * 50_000 + "</table>")
    start = time.perf_counter()
    seen = _measured(path)
    assert "超过上限 500 万格" in str(seen["reasons"]) and time.perf_counter() - start < 30
    assert float(seen["rss"]) < 1000  # type: ignore[arg-type]


# ── 2. SpreadsheetML 2003 ──────────────────────────────────────────────────────────────────────────────

def test_spreadsheetml_named_xls_reads_like_the_xlsx(tmp_path: Path) -> None:
    import python_calamine as pc

    grid, _ = survey_grid()
    notes = Grid([["填表说明"], ["1. 不含挂靠车辆"]])
    path = tmp_path / "政务导出.xls"
    path.write_text(spreadsheetml({"说明": notes, "物流企业": grid}, hidden=("说明",)), encoding="utf-8")
    assert summary(path) == EXPECTED
    sheets = sheets_of(path)
    assert [(s.name, s.visible) for s in sheets] == [("说明", False), ("物流企业", True)]
    write_xlsx(tmp_path / "原.xlsx", {"S": grid})
    expected = pc.CalamineWorkbook.from_path(str(tmp_path / "原.xlsx")).get_sheet_by_name("S").merged_cell_ranges
    assert sorted(sheets[1].merged) == sorted(expected)
    rows = dict(sheets[1].rows)
    assert rows[5][5] == 30.0 and isinstance(rows[5][5], float)  # ss:Type="Number"
    assert rows[3][6] is None  # covered by 车辆情况's MergeAcross


def test_spreadsheetml_index_and_gb2312(tmp_path: Path) -> None:
    xml = ('<?xml version="1.0" encoding="gb2312"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"'
           ' xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="海西"><Table>'
           '<Row ss:Index="2"><Cell ss:Index="3"><Data ss:Type="String">格尔木</Data></Cell>'
           '<Cell><Data ss:Type="Boolean">1</Data></Cell></Row></Table></Worksheet></Workbook>')
    (tmp_path / "a.xml").write_bytes(xml.encode("gbk"))
    (sheet,) = sheets_of(tmp_path / "a.xml")
    assert (sheet.name, list(sheet.rows)) == ("海西", [(2, ["", "", "格尔木", True])])


def test_spreadsheetml_with_a_dtd_is_refused(tmp_path: Path) -> None:
    xml = ('<?xml version="1.0"?><!DOCTYPE Workbook [<!ENTITY a "aaaaaaaaaa">]>'
           '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet><Table><Row><Cell>'
           "<Data>&a;</Data></Cell></Row></Table></Worksheet></Workbook>")
    (tmp_path / "a.xls").write_text(xml, encoding="utf-8")
    (bad,) = read_survey([tmp_path / "a.xls"]).unreadable
    assert "DOCTYPE" in bad.reason


def test_spreadsheetml_cut_short(tmp_path: Path) -> None:
    grid, _ = survey_grid()
    text = spreadsheetml({"S": grid})
    (tmp_path / "a.xls").write_text(text[: len(text) // 2], encoding="utf-8")
    (bad,) = read_survey([tmp_path / "a.xls"]).unreadable
    assert bad.reason.startswith("XML 表格已损坏或不完整")


# ── 3. Unicode text and delimited text ─────────────────────────────────────────────────────────────────

def test_excel_unicode_text_is_read(tmp_path: Path) -> None:
    """Excel's “Unicode 文本 (*.txt)”: UTF-16 LE with a BOM, tab-separated, a title line above."""
    grid, _ = survey_grid()
    text = "\r\n".join("\t".join(_text(c) for c in row) for row in grid.rows) + "\r\n"
    (tmp_path / "调查.txt").write_bytes(text.encode("utf-16"))
    assert summary(tmp_path / "调查.txt") == EXPECTED


@pytest.mark.parametrize("delimiter", [";", "\t", "|", ","])
def test_delimiter_is_sniffed_under_a_title_and_with_commas_in_quotes(tmp_path: Path, delimiter: str) -> None:
    grid = flat_rows(("甲公司, 乙分公司", "", "海东市", "乐都区", 3, 10, "否"),
                     ("丙公司", "", "海西州", "格尔木", 8, 9, "否"))
    grid.rows.insert(0, ["海东市货运企业调查表（2018年4月，单位：辆、人）"])
    write_csv(tmp_path / "a.csv", grid, delimiter=delimiter)
    assert [(n, c) for n, c, _ in summary(tmp_path / "a.csv")] == [("甲公司, 乙分公司", "乐都区"), ("丙公司", "格尔木市")]


@pytest.mark.parametrize("delimiter", [";", "\t", ","])
def test_sniff_delimiter_property(delimiter: str) -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    cell = st.text(alphabet="企业名称县区123,;\t| ", max_size=6)

    @settings(max_examples=examples(60), deadline=None)
    @given(st.integers(3, 8).flatmap(lambda w: st.lists(st.lists(cell, min_size=w, max_size=w), min_size=3,
                                                             max_size=10)))
    def check(rows: list[list[str]]) -> None:
        import csv
        import io

        buf = io.StringIO()
        csv.writer(buf, delimiter=delimiter, quoting=csv.QUOTE_ALL).writerows(rows)
        assert qio.sniff_delimiter(buf.getvalue(), complete=True) == delimiter

    check()


def test_csv_that_is_really_a_web_page_goes_to_the_web_reader(tmp_path: Path) -> None:
    grid, _ = survey_grid()
    (tmp_path / "a.csv").write_text(web_page(html_table(grid), meta=""), encoding="utf-8")
    assert summary(tmp_path / "a.csv") == EXPECTED


def test_a_field_beyond_the_csv_limit_is_named(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("企业名称,县\n甲," + "x" * 200_000 + "\n", encoding="utf-8")
    (bad,) = read_survey([tmp_path / "a.csv"]).unreadable
    assert bad.reason == "第 2 行有一个字段超过 131,072 个字符（读取上限），不像调查表的内容；请用 Excel 打开检查该处后另存"
    assert "引号" not in bad.reason


# ── 5. .xlsb and .ods bounded before they are parsed ───────────────────────────────────────────────────

def _measured(path: Path) -> dict[str, object]:
    import json

    # ru_maxrss of the process itself survives exec (it would be pytest's); VmHWM is the new program's own.
    script = ("import json, re, resource, sys\nfrom pathlib import Path\nfrom qhunion.recognise.intake import read_survey\n"
              "s = read_survey([sys.argv[1]])\n"
              "own = int(re.search(r'VmHWM:\\s*(\\d+)', Path('/proc/self/status').read_text()).group(1))\n"
              "print(json.dumps({'reasons': [u.reason for u in s.unreadable],"
              " 'rss': max(own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024}, ensure_ascii=False))\n")
    done = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_xlsb_is_read(tmp_path: Path) -> None:
    cells: dict[tuple[int, int], str | float] = {(0, c): h for c, h in enumerate(FLAT_HEADER)}
    cells.update({(1, 0): "甲公司", (1, 2): "海东市", (1, 3): "乐都区", (1, 4): 3.0, (1, 5): 10.0, (1, 6): "否"})
    assert summary(write_xlsb(tmp_path / "a.xlsb", cells)) == [("甲公司", "乐都区", 3)]


@pytest.mark.parametrize("rows", [40_000, 200_000])
def test_xlsb_with_one_far_cell_is_refused_in_bounded_memory(tmp_path: Path, rows: int) -> None:
    """Issue 14, items 9 and 10: a cell at XFD, far down — SIGABRT at 200,000 rows, 20.5 GB at 40,000."""
    path = write_xlsb(tmp_path / "远.xlsb", {(0, 0): "企业名称", (rows - 1, 16_383): "x"})
    seen = _measured(path)
    assert seen["reasons"] == [sheet.too_many_cells(rows * 16_384)]
    assert str(seen["reasons"][0]).startswith("数据区域约 ")  # type: ignore[index]
    assert float(seen["rss"]) < 300  # type: ignore[arg-type]


def test_ods_with_one_far_cell_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    """Issue 14, item 11: an 817-byte .ods whose one far cell makes a 99-million-cell grid (6.2 GB)."""
    table = ("<table:table-row>" + ODS_CELL.format("企业名称") + "</table:table-row>"
             '<table:table-row table:number-rows-repeated="99999"><table:table-cell/></table:table-row>'
             '<table:table-row><table:table-cell table:number-columns-repeated="999"/>'
             + ODS_CELL.format("x") + "</table:table-row>"
             '<table:table-row table:number-rows-repeated="948575"><table:table-cell '
             'table:number-columns-repeated="1024"/></table:table-row>')
    path = raw_ods(tmp_path / "远.ods", table, name="海西")
    assert path.stat().st_size < 1500
    seen = _measured(path)
    assert seen["reasons"] == ["工作表“海西”的数据区域约 1 亿格，超过上限 4,000 万格（可能有内容误填在很远的单元格）；"
                               "请在 Excel 中删除多余的行和列，或把调查表复制到新工作簿后再试"]
    assert float(seen["rss"]) < 300  # type: ignore[arg-type]


def test_ods_trailing_empty_repeats_count_for_nothing(tmp_path: Path) -> None:
    table = ("<table:table-row>" + "".join(ODS_CELL.format(h) for h in FLAT_HEADER) + "</table:table-row>"
             "<table:table-row>" + "".join(ODS_CELL.format(v) for v in ("甲公司", "", "海东市", "乐都区", "3", "10", "否"))
             + '<table:table-cell table:number-columns-repeated="16377"/></table:table-row>'
             '<table:table-row table:number-rows-repeated="1048574"><table:table-cell '
             'table:number-columns-repeated="16384"/></table:table-row>')
    assert summary(raw_ods(tmp_path / "a.ods", table)) == [("甲公司", "乐都区", 3)]


# ── 6. An abort inside the parser ends only that file ──────────────────────────────────────────────────

def test_a_real_abort_in_calamine_is_exit_3_and_the_batch_goes_on(tmp_path: Path) -> None:
    """With the .xlsb guard switched off, calamine builds the far cell's grid and the process aborts
    (SIGABRT, nothing to catch). The parse runs in a child: the file gets its sentence and exit 3, the next
    file is read, and nothing from Rust reaches the screen."""
    far = write_xlsb(tmp_path / "远.xlsb", {(0, 0): "企业名称", (199_999, 16_383): "x"})
    write_csv(tmp_path / "好.csv", flat_rows(("甲公司", "", "海东市", "乐都区", 3, 10, "否")))
    script = ("import sys\nimport qhunion.readers.guard as g\ng._scan_xlsb = lambda path, zf: None\n"
              "from qhunion.cli import main\nsys.argv = ['qhunion', 'check', *sys.argv[1:]]\nmain()\n")
    done = subprocess.run([sys.executable, "-c", script, str(far), str(tmp_path / "好.csv")], capture_output=True,
                          timeout=120, check=False, env={**os.environ, "RUST_BACKTRACE": "1"})
    out, err = done.stdout.decode(), done.stderr.decode()
    assert done.returncode == 3, err
    assert f"无法读取 远.xlsb：{sheet.workbook_reason('zip')}" in out
    assert "好.csv" in out and "共 1 条记录" in out
    assert "memory allocation" not in err and "panicked" not in err and "Traceback" not in err


def test_an_abort_of_any_kind_in_the_child(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_survey(tmp_path / "崩.xls")
    write_survey(tmp_path / "好.xls")

    real = qio.read_workbook

    def aborts(path: Path, kind: str):  # type: ignore[no-untyped-def]
        if path.name == "崩.xls":
            os.abort()
        return real(path, kind)

    monkeypatch.setattr(qio, "read_workbook", aborts)
    survey = read_survey([tmp_path / "崩.xls", tmp_path / "好.xls"])
    assert [(Path(u.path).name, u.reason) for u in survey.unreadable] == [("崩.xls", sheet.workbook_reason("ole"))]
    assert len(survey.records) == len(ROWS)


def test_what_else_is_written_to_stderr_while_parsing_is_not_lost(capfd: pytest.CaptureFixture[str],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from qhunion import shell
    from qhunion.readers.isolate import pass_on

    monkeypatch.delenv("QHUNION_DEBUG", raising=False)
    monkeypatch.setitem(shell._state, "debug", False)

    pass_on("warning: something\nthread '<unnamed>' panicked at src/x.rs:1:1:\nindex out of bounds\n")
    assert capfd.readouterr().err == "warning: something\n"
    pass_on("memory allocation of 99 bytes failed\n", died=True)
    assert capfd.readouterr().err == ""
    monkeypatch.setitem(shell._state, "debug", True)  # --debug shows everything
    pass_on("memory allocation of 99 bytes failed\n", died=True)
    assert capfd.readouterr().err == "memory allocation of 99 bytes failed\n"


# ── 7. Names and folders ──────────────────────────────────────────────────────────────────────────────

def test_gbk_file_name_in_a_folder_is_read_and_shown_readably(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "解压"
    folder.mkdir()
    raw = os.fsencode(folder) + b"/" + "海西州调查.csv".encode("gbk")
    write_csv(Path(os.fsdecode(raw)), flat_rows(("甲公司", "", "海西州", "格尔木", 8, 9, "否")))
    (tmp_path / "解压" / "坏.xlsx").write_bytes(b"not a workbook")
    survey = read_survey([folder])
    assert [r.file for r in survey.records] == ["海西州调查.csv"]
    code, out, err = cli("check", "解压")
    assert code == 3 and "海西州调查.csv" in out and "Traceback" not in out + err


def test_control_characters_in_names_are_shown_escaped(tmp_path: Path) -> None:
    assert sheet.shown("a\x1b[2Jb\u202ec.xlsx") == "a\\x1b[2Jb\\u202ec.xlsx"
    path = tmp_path / "\x1b[31m红.xlsx"
    path.write_bytes(b"garbage")
    (bad,) = read_survey([path]).unreadable
    assert str(bad).startswith("\\x1b[31m红.xlsx：") and "\x1b" not in str(bad)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads every folder")
def test_unreadable_folder_is_its_own_sentence(tmp_path: Path) -> None:
    locked = tmp_path / "锁"
    locked.mkdir()
    write_csv(tmp_path / "好.csv", flat_rows(("甲公司", "", "海东市", "乐都区", 3, 10, "否")))
    locked.chmod(0)
    try:
        survey = read_survey([locked, tmp_path / "好.csv"])
    finally:
        locked.chmod(0o755)
    assert [u.reason for u in survey.unreadable] == ["无法读取文件夹（没有读取权限），请检查文件夹的权限"]
    assert len(survey.records) == 1


def test_folder_that_cannot_be_listed_as_root_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same path without needing a non-root user: listing the folder fails with EACCES."""
    locked = tmp_path / "锁"
    locked.mkdir()
    real = os.listdir

    def listdir(path: object) -> list[str]:
        if Path(str(path)) == locked:
            raise PermissionError(errno.EACCES, "Permission denied")
        return real(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "listdir", listdir)
    monkeypatch.setattr(Path, "iterdir", lambda self: iter(listdir(self)))
    (bad,) = read_survey([locked]).unreadable
    assert bad.reason == "无法读取文件夹（没有读取权限），请检查文件夹的权限"


def test_recursive_glob_over_symlink_loops_and_a_fifo_ends(tmp_path: Path) -> None:
    d = tmp_path / "d"
    (d / "sub").mkdir(parents=True)
    write_csv(d / "a.csv", flat_rows(("甲公司", "", "海东市", "乐都区", 3, 10, "否")))
    write_csv(d / "sub" / "b.csv", flat_rows(("乙公司", "", "海东市", "乐都区", 3, 10, "否")))
    (d / "self").symlink_to(".")
    (d / "up").symlink_to("..")
    os.mkfifo(d / "pipe.csv")
    start = time.perf_counter()
    files = qio.expand([str(d / "**" / "*.csv")])
    assert time.perf_counter() - start < 5
    assert sorted(p.name for p in files) == ["a.csv", "b.csv"]
    assert [p.name for p in qio.expand([str(d)])] == ["a.csv"]  # a folder: no FIFO either
    (bad,) = read_survey([d / "pipe.csv"]).unreadable  # named explicitly: refused, never opened
    assert bad.reason == "这不是普通文件（是管道或设备），请先把内容保存为文件再读取"


# ── 8. --encoding ─────────────────────────────────────────────────────────────────────────────────────

@pytest.mark.parametrize("codec", ["rot13", "hex", "base64", "zlib", "bz2", "uu", "quopri"])
def test_non_text_codec_is_refused_at_once(tmp_path: Path, cli, codec: str) -> None:  # type: ignore[no-untyped-def]
    write_csv(tmp_path / "a.csv", flat_rows(("甲公司", "", "海东市", "乐都区", 3, 10, "否")))
    with pytest.raises(sheet.BadEncoding):
        sheet.check_encoding(codec)
    for command in (["check"], ["classify", "--no-ledger", "--no-workbook"], ["explain", "--row", "2"], ["summary"]):
        code, out, err = cli(*command, "a.csv", "--encoding", codec)
        assert code == 2, (command, out, err)
        assert f"“{codec}”不是文字编码" in err and "Traceback" not in out + err


def test_check_encoding() -> None:
    assert sheet.check_encoding(None) is None
    assert sheet.check_encoding("GBK") == "GBK"
    with pytest.raises(sheet.BadEncoding, match="不认识编码"):
        sheet.check_encoding("klingon")


def test_utf16_without_a_bom_is_refused_for_that_file(tmp_path: Path) -> None:
    write_csv(tmp_path / "a.csv", flat_rows(("甲公司", "", "海东市", "乐都区", 3, 10, "否")))
    write_csv(tmp_path / "b.csv", flat_rows(("乙公司", "", "海东市", "乐都区", 3, 10, "否")), encoding="utf-16")
    survey = read_survey([tmp_path / "a.csv", tmp_path / "b.csv"], encoding="utf-16")
    assert [u.reason for u in survey.unreadable] == [
        "文件开头没有字节顺序标记（BOM），不能按 utf-16 读取；请改用 --encoding utf-16-le 或 utf-16-be，或不指定编码让程序自动识别"]
    assert [r.name for r in survey.records] == ["乙公司"]


# ── 11. Operating-system errors in Chinese ────────────────────────────────────────────────────────────

@pytest.mark.parametrize("code", [errno.EEXIST, errno.ENOTDIR, errno.ELOOP, errno.ENAMETOOLONG, errno.EIO,
                                  errno.EMFILE, errno.EXDEV, errno.ENOTEMPTY, 9999])
def test_os_errors_never_leak_english(code: int) -> None:
    reason = os_reason(OSError(code, os.strerror(code)))
    assert reason and os.strerror(code) not in reason
    assert not any("a" <= ch.lower() <= "z" for ch in reason.replace("U 盘", "")), reason


def test_unreadable_gbk_and_escape_names_are_printed_readably(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    raw = os.fsencode(tmp_path) + b"/" + "坏表".encode("gbk") + b".xlsx"
    Path(os.fsdecode(raw)).write_bytes(b"garbage")
    (tmp_path / "\x1b[2J清屏.xlsx").write_bytes(b"garbage")
    code, out, err = cli("check", str(tmp_path))
    assert code == 3
    assert "无法读取 坏表.xlsx：" in out and "无法读取 \\x1b[2J清屏.xlsx：" in out and "\x1b[2J" not in out
    assert "Traceback" not in err


def test_single_file_web_page_is_named(tmp_path: Path) -> None:
    (tmp_path / "a.xls").write_text('MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary="x"\r\n')
    (bad,) = read_survey([tmp_path / "a.xls"]).unreadable
    assert bad.reason == "这是“单个文件网页”（.mht），不是表格文件；请用 Excel 打开后另存为 .xlsx 再试"


def test_xml_is_read_when_named_but_not_taken_from_a_folder(tmp_path: Path) -> None:
    grid, _ = survey_grid()
    (tmp_path / "导出.xml").write_text(spreadsheetml({"S": grid}), encoding="utf-8")
    (tmp_path / "其他.xml").write_text("<config/>", encoding="utf-8")
    write_csv(tmp_path / "a.csv", flat_rows(("甲公司", "", "海东市", "乐都区", 3, 10, "否")))
    assert [p.name for p in qio.expand([str(tmp_path)])] == ["a.csv"]
    assert summary(tmp_path / "导出.xml") == EXPECTED
