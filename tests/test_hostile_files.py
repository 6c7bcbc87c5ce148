"""Hostile and broken input files (issue 6, “Bad files”): each gets one Chinese sentence naming the file and
what to do, exit status 3, no traceback, in bounded time and memory — and the other files of the run are
still read.

A workbook is a zip of XML from strangers. What calamine (python-calamine 0.9, quick-xml underneath) does
with the nastier ones, as these tests found:

- DTD entities — a “billion laughs” bomb or an external entity (file:///etc/passwd) — are never expanded:
  their use is an XmlError (“unrecognized entity”). qhunion refuses any part with a DTD before that.
- Cells far apart (A1 and XFD1048576), a row number past Excel's last row, or a column past XFD in an .xls:
  calamine allocates the dense grid between them and the process *aborts* (“memory allocation of 550 GB
  failed”), with no exception to catch. qhunion measures the grid from the XML first.
- A <dimension> that lies is ignored by calamine either way; an unparsable one is a CalamineError.
- An .ods repeating a cell over a million rows hits calamine's own 100-million-cell limit (CalamineError).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from builders import (
    BILLION_LAUGHS,
    EXTERNAL_ENTITY,
    INSTRUCTIONS,
    ODS_CELL,
    Grid,
    fake_pdf,
    flat_rows,
    flat_survey_xml,
    inline,
    ole_with_stream,
    raw_ods,
    raw_xlsx,
    shared_strings_xml,
    sheet_xml,
    truncated_xlsx,
    write_survey,
    write_xlsx,
    xml_row,
    zip_bomb_xlsx,
)
from qhunion import io as qio
from qhunion.readers import guard
from qhunion.recognise.intake import read_survey
from rule_cases.surveys import run

ONE_ROW = [("甲公司", None, "西宁市", "城北区", 3, 4, "否")]
CORRUPT = "工作簿已损坏或不完整（可能未下载完），请重新获取原文件"
CORRUPT_XML = "工作簿已损坏或不完整（可能未下载完），请用 Excel 打开检查，或重新获取原文件"
BOMB = "工作簿内部数据压缩比异常（疑似“压缩炸弹”），为安全起见拒绝读取，请向填报单位核实"
DTD = "工作簿内部含有 XML 实体声明（DOCTYPE），Excel 不会生成这样的文件；为安全起见拒绝读取，请向填报单位核实"
PASSWORD = "工作簿设有打开密码，请在 Excel 中取消密码（文件 → 信息 → 保护工作簿）后另存再试"
NO_HEADER = "没有找到调查表表头（至少需要“企业名称”等三列），请用 --map 指定各列是什么字段（如 --map \"B=企业名称\"）"
BEYOND_EXCEL = "工作表“S”中有超出 Excel 行列范围的单元格，文件可能已损坏或由其他程序生成；请用 Excel 打开后另存再试"


def assert_refused(tmp_path: Path, hostile: Path, reason: str) -> None:
    """In a run over three files the hostile one in the middle is named in one sentence, exit status 3,
    and the good ones before and after it are read in full."""
    write_survey(tmp_path / "前.xlsx")
    write_survey(tmp_path / "后.csv")
    files = [tmp_path / "前.xlsx", hostile, tmp_path / "后.csv"]
    code, out, err = run("check", *files, "--format", "json")
    assert code == 3
    assert "Traceback" not in out + err
    data = json.loads(out)
    assert data["records"] == 6
    assert [(f["file"], f["unreadable"]) for f in data["files"]] == [
        ("前.xlsx", None), (hostile.name, reason), ("后.csv", None)]
    assert err.strip() == f"无法读取 {hostile.name}：{reason}"  # one sentence, naming the file
    code, out, err = run("check", *files)
    assert code == 3
    assert f"无法读取 {hostile.name}：{reason}" in out
    assert "Traceback" not in out + err


# A refused or bounded file costs the process what its imports and a small sheet cost (about 150 MB with the
# readers, rules and privacy modules of today); a regression that lets calamine reserve the claimed grid
# costs gigabytes (or the 2 GiB cap aborts the child).
RSS_MB = 220


def measured(path: Path, memory_limit: int = 2 * 1024**3) -> dict[str, object]:
    """Read one file in a child process held to ``memory_limit`` of address space: its wall time, peak
    resident memory, and what it said. A regression that lets calamine allocate a huge grid aborts the
    child (and fails the test) instead of swapping the machine to death."""
    script = (
        "import json, resource, sys, time\n"
        "from qhunion.recognise.intake import read_survey\n"
        "start = time.perf_counter()\n"
        "survey = read_survey([sys.argv[1]])\n"
        "print(json.dumps({'seconds': time.perf_counter() - start,\n"
        "                  'rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,\n"
        "                  'unreadable': [u.reason for u in survey.unreadable],\n"
        "                  'records': len(survey.records)}, ensure_ascii=False))\n")

    def limit() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))

    done = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, timeout=120,
                          preexec_fn=limit, check=False)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    result: dict[str, object] = json.loads(done.stdout)
    return result


# ── Broken and mislabelled files ─────────────────────────────────────────────────────────────────────

def test_truncated_zip(tmp_path: Path) -> None:
    good = write_xlsx(tmp_path / "整.xlsx", {"S": flat_rows(*ONE_ROW)})
    assert_refused(tmp_path, truncated_xlsx(tmp_path / "截断.xlsx", good), CORRUPT)


def test_zip_with_a_damaged_member(tmp_path: Path) -> None:
    """The central directory is intact but a sheet's compressed bytes are not: its CRC no longer matches."""
    path = write_xlsx(tmp_path / "坏.xlsx", {"S": flat_rows(*ONE_ROW)})
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    data = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename) + 40
    data[start:start + 16] = bytes(16)
    path.write_bytes(bytes(data))
    assert_refused(tmp_path, path, CORRUPT)


def test_zip_whose_directory_is_garbage(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "坏.xlsx", {"S": flat_rows(*ONE_ROW)})
    data = path.read_bytes()
    path.write_bytes(data[:4] + os.urandom(len(data) - 4))
    assert_refused(tmp_path, path, CORRUPT)


def test_password_protected_workbook(tmp_path: Path) -> None:
    assert_refused(tmp_path, ole_with_stream(tmp_path / "加密.xlsx"), PASSWORD)


def test_pdf_named_xlsx(tmp_path: Path) -> None:
    assert_refused(tmp_path, fake_pdf(tmp_path / "扫描件.xlsx"),
                   "这是 PDF 文件，不是表格；请提供 Excel 原表（.xlsx/.xls）或 CSV")


def test_text_named_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "说明.xlsx"
    path.write_text("企业名称,职工人数\n甲公司,30\n", encoding="utf-8")
    assert_refused(tmp_path, path, "文件内容不是 Excel 工作簿（可能已损坏或只是改了扩展名），请用 Excel 打开后另存为 .xlsx 再试")


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "空.xlsx"
    path.write_bytes(b"")
    assert_refused(tmp_path, path, "文件是空的（0 字节），请重新导出或向填报单位索取")


def test_empty_workbook(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "空表.xlsx", {"Sheet1": Grid([]), "Sheet2": Grid([])})
    assert_refused(tmp_path, path, "工作簿中没有任何数据，请检查是否发错了文件")


def test_workbook_without_a_recognisable_header(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "无表头.xlsx", {"说明": INSTRUCTIONS, "数据": Grid([["甲", "乙", "丙"], [1, 2, 3]])})
    assert_refused(tmp_path, path, NO_HEADER)


# ── Zip bombs: refused by size and ratio before any XML is parsed ───────────────────────────────────

def test_zip_bomb_is_refused_before_parsing_in_bounded_time_and_memory(tmp_path: Path) -> None:
    bomb = zip_bomb_xlsx(tmp_path / "炸弹.xlsx")  # 200 MB of sheet XML in about 200 KB
    assert bomb.stat().st_size < 400_000
    assert_refused(tmp_path, bomb, BOMB)
    seen = measured(bomb)
    assert seen["unreadable"] == [BOMB]
    assert float(seen["seconds"]) < 2  # inflating and parsing 200 MB would take several seconds
    assert float(seen["rss_mb"]) < RSS_MB


def test_calamine_is_never_reached_by_a_zip_bomb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import python_calamine

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("calamine opened a zip bomb")

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_filelike", never)
    survey = read_survey([zip_bomb_xlsx(tmp_path / "炸弹.xlsx", inflated=32 * 1024**2)])
    assert [u.reason for u in survey.unreadable] == [BOMB]


def test_zip_bomb_spread_over_many_members(tmp_path: Path) -> None:
    """Each member under the 16 MB floor of the per-member check; together they inflate 500 to one."""
    path = raw_xlsx(tmp_path / "多.xlsx", {"S": sheet_xml(flat_survey_xml(ONE_ROW))}, compresslevel=9)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for i in range(3):
            zf.writestr(f"xl/media/pad{i}.xml", " " * (8 * 1024**2))
    assert_refused(tmp_path, path, BOMB)


def test_zip_bomb_of_overlapping_members(tmp_path: Path) -> None:
    """Many directory entries pointing into one compressed stream (the “non-recursive” zip bomb): each
    looks honest, together they inflate far beyond the file."""
    path = raw_xlsx(tmp_path / "重叠.xlsx", {"S": sheet_xml(flat_survey_xml(ONE_ROW))})
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
    # Re-point every later directory entry at the first member's local header.
    cd = data.index(b"PK\x01\x02")
    first = infos[0].header_offset
    pos = cd
    for _ in infos[1:]:
        pos = data.index(b"PK\x01\x02", pos + 4)
        data[pos + 42:pos + 46] = first.to_bytes(4, "little")
    path.write_bytes(bytes(data))
    assert_refused(tmp_path, path, BOMB)


def test_zip_with_too_many_members(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(guard, "MAX_MEMBERS", 10)
    path = raw_xlsx(tmp_path / "碎.xlsx", {"S": sheet_xml(flat_survey_xml(ONE_ROW))})
    with zipfile.ZipFile(path, "a") as zf:
        for i in range(10):
            zf.writestr(f"xl/media/{i}.bin", b"x")
    assert_refused(tmp_path, path, "工作簿内部有 16 个部件，结构异常，为安全起见拒绝读取，请向填报单位核实")


def test_workbook_inflating_past_the_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(guard, "MAX_UNCOMPRESSED", 64 * 1024)
    path = raw_xlsx(tmp_path / "大.xlsx", {"S": sheet_xml(flat_survey_xml(ONE_ROW * 2000))})
    assert_refused(tmp_path, path, "工作簿解压后超过 4 GB，超出一张调查表的合理大小，请拆分后再试")


# ── Entity bombs and external entities, in any part ─────────────────────────────────────────────────

def _survey_sheet(extra_cell: str = "", prolog: str = "") -> str:
    return sheet_xml(flat_survey_xml(ONE_ROW) + xml_row(3, extra_cell) if extra_cell else flat_survey_xml(ONE_ROW),
                     prolog=prolog)


ENTITY_CASES: dict[str, Callable[[Path], Path]] = {
    "billion laughs in a sheet": lambda p: raw_xlsx(p, {"S": _survey_sheet(inline("A3", "&lol9;"), BILLION_LAUGHS)}),
    "billion laughs in sharedStrings": lambda p: raw_xlsx(
        p, {"S": _survey_sheet('<c r="A3" t="s"><v>0</v></c>')}, shared_strings_xml(["&lol9;"], BILLION_LAUGHS)),
    "external entity in a sheet": lambda p: raw_xlsx(p, {"S": _survey_sheet(inline("A3", "&xxe;"), EXTERNAL_ENTITY)}),
    "external entity in sharedStrings": lambda p: raw_xlsx(
        p, {"S": _survey_sheet('<c r="A3" t="s"><v>0</v></c>')}, shared_strings_xml(["&xxe;"], EXTERNAL_ENTITY)),
    "external entity in the workbook part": lambda p: raw_xlsx(
        p, {"S": _survey_sheet()}, workbook_prolog=EXTERNAL_ENTITY),
    "DTD declared but not used": lambda p: raw_xlsx(p, {"S": _survey_sheet(prolog=BILLION_LAUGHS)}),
    "DTD in an .ods": lambda p: _ods_with_prolog(p, EXTERNAL_ENTITY),
}


def _ods_with_prolog(path: Path, prolog: str) -> Path:
    raw_ods(path, "<table:table-row>" + ODS_CELL.format("&xxe;") + "</table:table-row>")
    with zipfile.ZipFile(path) as zin:
        parts = {i.filename: zin.read(i) for i in zin.infolist()}
    content = parts["content.xml"].decode()
    head, rest = content.split("?>", 1)
    parts["content.xml"] = (head + "?>" + prolog + rest).encode()
    with zipfile.ZipFile(path, "w") as zout:
        for name, data in parts.items():
            zout.writestr(name, data)
    return path


@pytest.mark.parametrize("case", list(ENTITY_CASES))
def test_entities_are_refused_and_never_expanded(tmp_path: Path, case: str) -> None:
    suffix = ".ods" if "ods" in case else ".xlsx"
    path = ENTITY_CASES[case](tmp_path / f"实体{suffix}")
    assert_refused(tmp_path, path, DTD)
    passwd = Path("/etc/passwd").read_text(errors="replace").splitlines()[0] if Path("/etc/passwd").exists() else "root:x:0:0"
    for fmt in ("table", "json", "csv"):
        code, out, err = run("check", path, "--format", fmt)
        assert code == 3
        assert passwd not in out + err and "root:" not in out + err
        assert "lollollol" not in out + err


@pytest.mark.parametrize("case", [c for c in ENTITY_CASES if c.endswith(("a sheet", "sharedStrings"))])
def test_calamine_itself_never_expands_entities(tmp_path: Path, case: str) -> None:
    """Behind qhunion's refusal, the library on its own: a use of a DTD entity is an XmlError (quick-xml
    knows only the five predefined entities), so nothing is ever expanded or fetched."""
    import python_calamine as pc

    path = ENTITY_CASES[case](tmp_path / "实体.xlsx")
    with pytest.raises(pc.CalamineError) as caught:
        book = pc.CalamineWorkbook.from_path(str(path))
        list(book.get_sheet_by_name("S").iter_rows())
    assert "entity" in str(caught.value)


def test_qhunion_parses_xml_only_through_defusedxml() -> None:
    """Every XML parser qhunion uses itself is defusedxml's; no module imports the standard library's
    parsers (or lxml) directly."""
    source = Path(qio.__file__).parent
    banned = ("xml.etree", "xml.dom", "xml.sax", "xml.parsers", "lxml", "ElementTree")
    for module in source.glob("*.py"):
        for line in module.read_text(encoding="utf-8").splitlines():
            stripped = line.strip()
            if stripped.startswith(("import ", "from ")) and "defusedxml" not in stripped:
                assert not any(b in stripped for b in banned), f"{module.name}: {stripped}"


# ── Sheets whose cells lie far apart, and dimensions that lie ──────────────────────────────────────

def test_dimension_saying_less_than_the_data(tmp_path: Path) -> None:
    rows = [*ONE_ROW, ("乙公司", None, "西宁市", "城东区", 5, 6, "否"), ("丙公司", None, "海东市", "乐都区", 7, 8, "是")]
    path = raw_xlsx(tmp_path / "小.xlsx", {"S": sheet_xml(flat_survey_xml(rows), dimension="A1:A1")})
    survey = read_survey([path])
    assert survey.unreadable == []
    assert [(r.name, r.vehicles_owned) for r in survey.records] == [("甲公司", 3), ("乙公司", 5), ("丙公司", 7)]


def test_dimension_saying_more_than_the_data(tmp_path: Path) -> None:
    path = raw_xlsx(tmp_path / "大.xlsx", {"S": sheet_xml(flat_survey_xml(ONE_ROW), dimension="A1:XFD1048576")})
    seen = measured(path)
    assert seen == {**seen, "unreadable": [], "records": 1}
    assert float(seen["rss_mb"]) < RSS_MB


def test_dimension_that_is_not_a_range(tmp_path: Path) -> None:
    path = raw_xlsx(tmp_path / "乱.xlsx", {"S": sheet_xml(flat_survey_xml(ONE_ROW), dimension="ZZZZZZ99999999999:A")})
    assert_refused(tmp_path, path, CORRUPT_XML)


FAR = "工作表“S”的数据区域达 {rows} 行 × {columns} 列，超出可处理的大小（可能有内容误填在很远的单元格）；请在 Excel 中删除多余的行和列，或把调查表复制到新工作簿后再试"


def test_cells_far_apart_are_refused_before_calamine_allocates_them(tmp_path: Path) -> None:
    """Two cells, A1 and XFD1048576, in a 1 KB file: calamine would ask for a 550 GB grid and abort."""
    path = raw_xlsx(tmp_path / "远.xlsx", {"S": sheet_xml(flat_survey_xml(ONE_ROW) + xml_row(1048576, inline("XFD1048576", "x")))})
    reason = FAR.format(rows=1048576, columns=16384)
    assert_refused(tmp_path, path, reason)
    seen = measured(path)
    assert seen["unreadable"] == [reason]
    assert float(seen["seconds"]) < 2 and float(seen["rss_mb"]) < RSS_MB


def test_a_stray_cell_far_right_of_a_long_survey(tmp_path: Path) -> None:
    """The honest version: 3,000 rows and something typed in XFD1 — 49 million cells. Refused, with the
    size and what to do."""
    rows = ONE_ROW * 3000
    path = raw_xlsx(tmp_path / "长.xlsx", {"S": sheet_xml(flat_survey_xml(rows).replace("</row>", inline("XFD1", "x") + "</row>", 1))})
    assert_refused(tmp_path, path, FAR.format(rows=3001, columns=16384))


@pytest.mark.parametrize(("case", "cell"), [
    ("row number past Excel's last row", inline("A99999999999", "x")),
    ("column past XFD", inline("XFE2", "x")),
    ("eight-digit row", inline("A10000000", "x")),
])
def test_cells_beyond_excel(tmp_path: Path, case: str, cell: str) -> None:
    """calamine reads r="A99999999999" (it wraps) and then yields rows for minutes; XFE is past Excel's
    last column. Neither comes from Excel."""
    path = raw_xlsx(tmp_path / "越界.xlsx", {"S": sheet_xml(flat_survey_xml(ONE_ROW) + xml_row(2, cell))})
    start = time.perf_counter()
    assert_refused(tmp_path, path, BEYOND_EXCEL)
    assert time.perf_counter() - start < 10


# The same bomb written in every way calamine accepts, which the fast byte-level look does not: these take
# the tag-by-tag walk.
IRREGULAR = {
    "namespace prefix": '<x:row xmlns:x="{ns}" r="1048576"><x:c r="XFD1048576"><x:v>1</x:v></x:c></x:row>',
    "other prefix on the cell": '<row r="1048576"><zz:c xmlns:zz="urn:x" r="XFD1048576"><v>1</v></zz:c></row>',
    "lower-case reference": '<row r="1048576"><c r="xfd1048576"><v>1</v></c></row>',
    "r given twice": '<row r="1048576"><c r="A3" r="XFD1048576"><v>1</v></c></row>',
    "r not first": '<row r="1048576"><c t="n" r="XFD1048576"><v>1</v></c></row>',
    "single quotes and spaces": "<row r='1048576'><c  r = 'XFD1048576'><v>1</v></c></row>",
    "leading zeros": '<row r="1048576"><c r="XFD0001048576"><v>1</v></c></row>',
    "row without r, cells without r": '<row r="1048575"/><row>' + "<c><v>1</v></c>" * 600 + "</row>",
}


@pytest.mark.parametrize("case", list(IRREGULAR))
def test_far_cells_written_irregularly(tmp_path: Path, case: str) -> None:
    extra = IRREGULAR[case].format(ns="http://schemas.openxmlformats.org/spreadsheetml/2006/main")
    path = raw_xlsx(tmp_path / "怪.xlsx", {"S": sheet_xml(flat_survey_xml(ONE_ROW) + extra)})
    seen = measured(path)
    assert len(seen["unreadable"]) == 1  # type: ignore[arg-type]
    assert str(seen["unreadable"][0]).startswith("工作表“S”的数据区域达 1048576 行 × ")  # type: ignore[index]
    assert float(seen["rss_mb"]) < RSS_MB


def test_far_cells_behind_a_workbook_part_only_calamine_can_parse(tmp_path: Path) -> None:
    """An unbound prefix is an error to expat but not to calamine's parser: the sheets cannot be found by
    name, so every XML part is measured instead."""
    import python_calamine as pc

    path = raw_xlsx(tmp_path / "怪.xlsx", {"S": sheet_xml(flat_survey_xml(ONE_ROW) + xml_row(1048576, inline("XFD1048576", "x")))})
    data = path.read_bytes()
    with zipfile.ZipFile(path) as zin:
        parts = {i.filename: zin.read(i) for i in zin.infolist()}
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(b'r:id="rId1"', b'r:id="rId1" bogus:x="1"')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, part in parts.items():
            zout.writestr(name, part)
    assert path.read_bytes() != data
    assert pc.CalamineWorkbook.from_path(str(path)).sheet_names == ["S"]  # calamine would go on and abort
    reason = FAR.format(rows=1048576, columns=16384).replace("工作表“S”", "工作表“xl/worksheets/sheet1.xml”")
    assert_refused(tmp_path, path, reason)


def test_regular_survey_written_with_a_prefix_is_read(tmp_path: Path) -> None:
    """Some export tools write <x:c>: the walk reads them, and the survey is read as usual."""
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    body = flat_survey_xml(ONE_ROW).replace("<row", "<x:row").replace("</row>", "</x:row>").replace(
        "<c ", "<x:c ").replace("</c>", "</x:c>").replace("<is>", "<x:is>").replace("</is>", "</x:is>").replace(
        "<t>", "<x:t>").replace("</t>", "</x:t>").replace("<v>", "<x:v>").replace("</v>", "</x:v>")
    xml = f'<?xml version="1.0" encoding="UTF-8"?><x:worksheet xmlns:x="{ns}"><x:sheetData>{body}</x:sheetData></x:worksheet>'
    survey = read_survey([raw_xlsx(tmp_path / "前缀.xlsx", {"S": xml})])
    assert survey.unreadable == []
    assert [(r.name, r.vehicles_owned) for r in survey.records] == [("甲公司", 3)]


def test_ods_repeating_a_cell_over_the_whole_sheet(tmp_path: Path) -> None:
    """ODS compresses repeats into one attribute. calamine refuses more than 100 million cells itself, but
    as “Cannot detect file format” (said as “可能未下载完”); the repeats are counted first, so an intact file
    beyond the limit says so (issue 14, item 24)."""
    bomb = ('<table:table-row table:number-rows-repeated="1048576"><table:table-cell '
            'table:number-columns-repeated="16384" office:value-type="string"><text:p>x</text:p>'
            "</table:table-cell></table:table-row>")
    path = raw_ods(tmp_path / "重复.ods", bomb)
    beyond = ("工作表“S”的数据区域约 171.8 亿格，超过上限 4,000 万格（可能有内容误填在很远的单元格）；"
              "请在 Excel 中删除多余的行和列，或把调查表复制到新工作簿后再试")
    assert_refused(tmp_path, path, beyond)
    seen = measured(path)
    assert seen["unreadable"] == [beyond]
    assert float(seen["rss_mb"]) < RSS_MB


def test_xls_with_a_cell_past_the_last_column(tmp_path: Path) -> None:
    """BIFF8 stores a column in 16 bits although Excel 97 stops at IV (256): a cell record at column 65,000
    would make calamine allocate 125 GB."""
    import xlwt

    book = xlwt.Workbook()
    ws = book.add_sheet("S")
    for c, text in enumerate(("企业名称", "县（市、区）", "职工人数", "实际拥有车辆数")):
        ws.write(0, c, text)
    ws.write(1, 0, "甲公司")
    ws.write(60000, 255, 2.5)
    book.save(str(tmp_path / "远.xls"))
    data = bytearray((tmp_path / "远.xls").read_bytes())
    at = data.index((60000).to_bytes(2, "little") + (255).to_bytes(2, "little"))
    data[at + 2:at + 4] = (65000).to_bytes(2, "little")
    path = tmp_path / "远.xls"
    path.write_bytes(bytes(data))
    reason = ("工作簿中有工作表的数据区域达 60001 行 × 65001 列，超出旧版 Excel 的范围（文件可能已损坏或由其他程序生成）；"
              "请用 Excel 打开后另存为 .xlsx 再试")
    assert_refused(tmp_path, path, reason)
    seen = measured(path)
    assert seen["unreadable"] == [reason]
    assert float(seen["rss_mb"]) < RSS_MB


def test_xls_at_the_limits_of_excel_97_is_read(tmp_path: Path) -> None:
    """65,536 rows × 256 columns is what Excel 97 allows: such a sheet is not refused."""
    import xlwt

    book = xlwt.Workbook()
    ws = book.add_sheet("S")
    for c, text in enumerate(("企业名称", "县（市、区）", "职工人数", "实际拥有车辆数")):
        ws.write(0, c, text)
    ws.write(1, 0, "甲公司")
    ws.write(1, 1, "城北区")
    ws.write(65535, 255, "末")
    book.save(str(tmp_path / "满.xls"))
    survey = read_survey([tmp_path / "满.xls"])
    assert survey.unreadable == []
    assert [r.name for r in survey.records] == ["甲公司"]
    assert [f.code for f in survey.records[0].issues] == []


def _xls_with_stream(tmp_path: Path) -> tuple[bytearray, int, bytes]:
    """A survey .xls, where its workbook stream starts in the file, and the stream (xlwt writes it in one
    run of sectors)."""
    write_survey(tmp_path / "原.xls")
    data = bytearray((tmp_path / "原.xls").read_bytes())
    stream = guard._ole_stream(bytes(data))
    assert stream is not None
    start = data.index(stream[:512])
    assert data[start:start + len(stream)] == stream
    return data, start, stream


def _record(stream: bytes, kind: int, after: int = 0) -> int:
    """Offset in the stream of the first record of ``kind`` at or after ``after``."""
    pos = 0
    while pos + 4 <= len(stream):
        typ, size = int.from_bytes(stream[pos:pos + 2], "little"), int.from_bytes(stream[pos + 2:pos + 4], "little")
        if typ == kind and pos >= after:
            return pos
        pos += 4 + size
    raise AssertionError(f"no record {kind:#06x}")


XLS_DAMAGED = "旧版 Excel 文件已损坏或无法识别，请用 Excel 打开后另存为 .xlsx 再试"


def test_truncated_xls(tmp_path: Path) -> None:
    write_survey(tmp_path / "原.xls")
    data = (tmp_path / "原.xls").read_bytes()
    for cut in (600, len(data) // 2, len(data) - 100):
        path = tmp_path / f"截断{cut}.xls"
        path.write_bytes(data[:cut])
        assert_refused(tmp_path, path, XLS_DAMAGED)


def test_xls_whose_sector_chain_loops(tmp_path: Path) -> None:
    """A damaged FAT sending the directory's chain back to itself: calamine appends the same sector for
    ever until the machine runs out of memory."""
    write_survey(tmp_path / "原.xls")
    data = bytearray((tmp_path / "原.xls").read_bytes())
    first_dir = int.from_bytes(data[48:52], "little")
    fat_sector = int.from_bytes(data[76:80], "little")
    at = (fat_sector + 1) * 512 + 4 * first_dir
    data[at:at + 4] = first_dir.to_bytes(4, "little")
    path = tmp_path / "环.xls"
    path.write_bytes(bytes(data))
    assert_refused(tmp_path, path, XLS_DAMAGED)
    seen = measured(path)
    assert seen["unreadable"] == [XLS_DAMAGED]
    assert float(seen["rss_mb"]) < RSS_MB


def test_xls_string_table_claiming_two_billion_strings(tmp_path: Path) -> None:
    """calamine reserves room for the count the SST record declares: 2³¹ strings are 50 GB."""
    data, start, stream = _xls_with_stream(tmp_path)
    sst = _record(stream, 0x00FC)
    data[start + sst + 8:start + sst + 12] = (2**31 - 1).to_bytes(4, "little")
    path = tmp_path / "串.xls"
    path.write_bytes(bytes(data))
    assert_refused(tmp_path, path, XLS_DAMAGED)
    assert float(measured(path)["rss_mb"]) < RSS_MB


def test_xls_dimension_that_lies(tmp_path: Path) -> None:
    """An .xls DIMENSIONS record is trusted by calamine to reserve the sheet's cells: one claiming four
    billion rows asks for 400 GB. (One claiming less than the data is harmless: the cells are all read.)"""
    data, start, stream = _xls_with_stream(tmp_path)
    sheet = int.from_bytes(stream[_record(stream, 0x0085) + 4:_record(stream, 0x0085) + 8], "little")
    dims = _record(stream, 0x0200, after=sheet)
    body = start + dims + 4
    small = bytearray(data)
    small[body:body + 12] = (0).to_bytes(4, "little") + (1).to_bytes(4, "little") + (0).to_bytes(2, "little") + (1).to_bytes(2, "little")
    (tmp_path / "小.xls").write_bytes(bytes(small))
    assert [r.name for r in read_survey([tmp_path / "小.xls"]).records][:1] == ["西宁顺达物流有限公司"]
    data[body:body + 12] = (0).to_bytes(4, "little") + (0xFFFFFFF0).to_bytes(4, "little") + (0).to_bytes(2, "little") + (11).to_bytes(2, "little")
    path = tmp_path / "大.xls"
    path.write_bytes(bytes(data))
    reason = ("工作簿中有工作表的数据区域达 4294967280 行 × 11 列，超出旧版 Excel 的范围（文件可能已损坏或由其他程序生成）；"
              "请用 Excel 打开后另存为 .xlsx 再试")
    assert_refused(tmp_path, path, reason)
    assert float(measured(path)["rss_mb"]) < RSS_MB


def test_xls_that_makes_calamine_panic(tmp_path: Path) -> None:
    """Some damage makes calamine panic (slicing past a record's end). pyo3 raises PanicException, which
    derives from BaseException: `except Exception` let it through to a traceback, and Rust printed
    “thread panicked at …” on the terminal."""
    import python_calamine as pc

    from builders import mutants

    write_survey(tmp_path / "原.xls", instructions=True)
    path = tmp_path / "坏.xls"
    path.write_bytes(mutants((tmp_path / "原.xls").read_bytes(), 9, seed=2)[8])
    with pytest.raises(BaseException) as caught, path.open("rb") as fh:  # calamine alone
        pc.CalamineWorkbook.from_filelike(fh)
    if type(caught.value).__name__ != "PanicException":
        pytest.skip("this mutant no longer makes calamine panic")
    assert_refused(tmp_path, path, XLS_DAMAGED)
    done = subprocess.run([sys.executable, "-m", "qhunion", "check", str(path)], capture_output=True, timeout=60,
                          env={**os.environ, "RUST_BACKTRACE": "1"}, check=False)
    assert done.returncode == 3
    stderr = done.stderr.decode("utf-8")
    assert "panicked" not in stderr and "Traceback" not in stderr and "stack backtrace" not in stderr
    assert f"无法读取 坏.xls：{XLS_DAMAGED}" in done.stdout.decode("utf-8")


def test_any_panic_is_one_sentence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import python_calamine as pc

    class PanicException(BaseException):  # what pyo3 raises, by name
        pass

    real = pc.CalamineWorkbook.from_filelike

    def panics(fh: object, *args: object) -> object:
        if "慌" in str(getattr(fh, "name", "")):
            raise PanicException("index out of bounds")
        return real(fh)  # type: ignore[arg-type]

    monkeypatch.setattr(pc.CalamineWorkbook, "from_filelike", panics)
    write_survey(tmp_path / "慌.xls")
    assert_refused(tmp_path, tmp_path / "慌.xls", XLS_DAMAGED)


# ── CSV in an encoding nobody can guess ──────────────────────────────────────────────────────────────

CSV_TEXT = "企业名称,县（市、区）,职工人数,实际拥有车辆数\r\n甲公司,城北区,30,20\r\n"


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_csv_in_utf16_without_a_bom_is_read(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "无BOM.csv"
    path.write_bytes(CSV_TEXT.encode(encoding))
    survey = read_survey([path])
    assert [(r.name, r.county, r.employees) for r in survey.records] == [("甲公司", "城北区", 30)]
    assert survey.layouts[0].encoding == encoding


def test_csv_of_random_bytes(tmp_path: Path) -> None:
    path = tmp_path / "乱码.csv"
    path.write_bytes(bytes(range(256)) * 40)
    assert_refused(tmp_path, path, "文件含有二进制内容，不是文本格式的 CSV；请用 Excel 打开后另存为“CSV UTF-8”再试")


def test_csv_in_an_unknown_single_byte_encoding(tmp_path: Path) -> None:
    """Neither UTF-8 nor GB18030: a Big5 file with bytes GB18030 rejects. The sentence says where and what
    to try."""
    path = tmp_path / "繁体.csv"
    path.write_bytes("企業名稱,縣區,職工人數\r\n".encode("big5") + b"\x81\x20\xff\xfe\r\n")
    survey = read_survey([path])
    (bad,) = survey.unreadable
    assert bad.reason.startswith("按 gb18030 编码无法读取（第 2 行，")
    assert bad.reason.endswith("请用 --encoding 指定正确的编码，或在 Excel 中另存为 CSV UTF-8")


def test_csv_sniffer_is_not_quadratic(tmp_path: Path) -> None:
    """csv.Sniffer takes 18 s on 64 KB of ‘,"’; it is given a few KB."""
    path = tmp_path / "引号.csv"
    path.write_bytes((',"' * 40_000).encode())
    start = time.perf_counter()
    survey = read_survey([path])
    assert time.perf_counter() - start < 3
    assert len(survey.unreadable) == 1


# ── A file that disappears or is locked while being read ─────────────────────────────────────────────

def test_csv_that_disappears_while_being_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import csv

    real = csv.reader

    def vanishing(fh: object, *args: object, **kwargs: object) -> object:
        for n, row in enumerate(real(fh, *args, **kwargs)):  # type: ignore[call-overload]
            if n == 5 and "U盘" in str(getattr(fh, "name", "")):
                raise FileNotFoundError(2, "No such file or directory")
            yield row

    monkeypatch.setattr(csv, "reader", vanishing)
    path = tmp_path / "U盘.csv"
    write_survey(path)
    assert_refused(tmp_path, path, "读取中断（文件已不存在），请确认文件仍在且未被占用后重试")


def test_workbook_whose_reading_is_interrupted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import python_calamine as pc

    real = pc.CalamineWorkbook.from_filelike

    class Sheet:
        def __init__(self, sheet: object) -> None:
            self._sheet = sheet

        def __getattr__(self, name: str) -> object:
            return getattr(self._sheet, name)

        def iter_rows(self) -> object:
            for n, row in enumerate(self._sheet.iter_rows()):  # type: ignore[attr-defined]
                if n == 4:
                    raise PermissionError(13, "Permission denied")
                yield row

    class Book:
        def __init__(self, book: object) -> None:
            self._book = book

        def __getattr__(self, name: str) -> object:
            return getattr(self._book, name)

        def get_sheet_by_name(self, name: str) -> Sheet:
            return Sheet(self._book.get_sheet_by_name(name))  # type: ignore[attr-defined]

    def opened(fh: object, *args: object) -> Book:
        book = real(fh) if "U盘" in str(getattr(fh, "name", "")) else None
        return Book(book) if book is not None else real(fh)  # type: ignore[return-value]

    monkeypatch.setattr(pc.CalamineWorkbook, "from_filelike", opened)
    path = tmp_path / "U盘.xlsx"
    write_survey(path)
    assert_refused(tmp_path, path, "读取中断（没有读取权限），请确认文件仍在且未被占用后重试")


def test_file_locked_by_another_program(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On Windows a workbook open in some programs cannot be opened at all: PermissionError at open."""
    path = tmp_path / "占用.xlsx"
    write_survey(path)
    real_open = Path.open

    def locked(self: Path, *args: object, **kwargs: object) -> object:
        if self.name == "占用.xlsx":
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "open", locked)
    assert_refused(tmp_path, path, "无法打开文件（没有读取权限），请关闭占用它的程序后重试")


def test_file_deleted_between_listing_and_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder is listed, then a colleague moves a file away before it is read."""
    from qhunion.recognise import intake

    write_survey(tmp_path / "a.xlsx")
    write_survey(tmp_path / "b.xlsx")
    real = intake.read_file

    def read_file(path: Path, *args: object, **kwargs: object) -> None:
        if path.name == "b.xlsx":
            path.unlink()
        real(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(intake, "read_file", read_file)
    survey = read_survey([tmp_path])
    assert [u.reason for u in survey.unreadable] == ["找不到该文件，请检查文件名和路径"]
    assert len(survey.records) == 3


def test_folders_skip_hidden_and_temporary_files(tmp_path: Path) -> None:
    """A Mac leaves “._a.xlsx” on a USB stick; an output cut off by a power failure leaves “.~a….xlsx”.
    Neither is a survey, and neither may make a county's folder run fail."""
    write_survey(tmp_path / "a.xlsx")
    (tmp_path / "._a.xlsx").write_bytes(b"\x00\x05\x16\x07Mac OS X        ")
    (tmp_path / ".~a_建会判定x1y2.xlsx").write_bytes(b"PK\x03\x04 torn")
    assert [p.name for p in qio.expand([str(tmp_path)])] == ["a.xlsx"]
    code, _, _ = run("check", tmp_path)
    assert code == 0


# ── Through the installed entry point: never a traceback ─────────────────────────────────────────────

def _module(*args: str | Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "qhunion", *map(str, args)], capture_output=True, timeout=120,
                          check=False)


def test_entry_point_gives_sentences_not_tracebacks(tmp_path: Path) -> None:
    write_survey(tmp_path / "好.xlsx")
    hostile = [
        truncated_xlsx(tmp_path / "截断.xlsx", tmp_path / "好.xlsx"),
        zip_bomb_xlsx(tmp_path / "炸弹.xlsx", inflated=32 * 1024**2),
        raw_xlsx(tmp_path / "实体.xlsx", {"S": _survey_sheet(inline("A3", "&xxe;"), EXTERNAL_ENTITY)}),
        raw_xlsx(tmp_path / "远.xlsx", {"S": sheet_xml(flat_survey_xml(ONE_ROW) + xml_row(1048576, inline("XFD1048576", "x")))}),
        ole_with_stream(tmp_path / "加密.xlsx"),
    ]
    for debug in ((), ("--debug",)):
        done = _module(*debug, "check", tmp_path / "好.xlsx", *hostile)
        text = (done.stdout + done.stderr).decode("utf-8")
        assert done.returncode == 3, text
        assert "Traceback" not in text  # files that cannot be read are sentences, even with --debug
        for path in hostile:
            assert f"无法读取 {path.name}：" in text
        assert "共 3 条记录" in text
