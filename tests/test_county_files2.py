"""The second set of county files (`county_files2`), read as an office outside the union system would run
qhunion on them. Each test guards one bug these files found in the reader."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import county_files2 as cf2
from builders import Grid, uscc, write_csv, write_xls, write_xlsx
from rule_cases.surveys import Cli
from test_county_files import check_json, classify_json, codes, fields_of

READ = ("transport-ledger", "numbered-headers", "repeated-header", "totals-first", "township-sheets",
        "handwritten-values", "tax-export", "transposed",
        "three-row-header", "traditional", "side-by-side", "three-side-by-side",
        "stats-bureau", "platform-export", "pinyin-file-name")


@pytest.mark.parametrize("case", READ)
def test_every_enterprise_gets_its_county_and_decision(cli: Cli, tmp_path: Path, case: str) -> None:
    build, expected = cf2.EXPECTED[case]
    path = build(tmp_path)
    report = check_json(cli, path)
    assert report["records"] == len(expected)
    assert report["without_region"] == 0
    got = [(r["name"], r["county"], r["decision"]) for r in classify_json(cli, path)]
    assert got == [(e.name, e.county, e.decision) for e in expected]


# ── numbered-headers: 一、 … （全称，与营业执照一致） was a sentence; （人，含司机） read as drivers ──────────

def test_notes_in_brackets_and_stacked_numbering(cli: Cli, tmp_path: Path) -> None:
    fields = fields_of(check_json(cli, cf2.numbered_headers(tmp_path)))
    assert fields["一、企业名称（全称，与营业执照一致）"] == "name"
    assert fields["三、①自有车辆（辆，不含挂靠）"] == "vehicles_owned"
    assert fields["四、职工人数（人，含司机）"] == "employees"


def test_not_including_attached_is_owned() -> None:
    from qhunion.recognise.headers import scores

    assert scores("车辆数（不含挂靠）")[0][0] == "vehicles_owned"
    assert scores("职工人数（含司机）")[0][0] == "employees"
    assert scores("车辆数（含挂靠）")[0][0] == "vehicles_registered"


# ── transposed (果洛州.xlsx): enterprises as columns were read as one 2-column form, the others lost ─────

def test_enterprises_as_columns_are_each_read(cli: Cli, tmp_path: Path) -> None:
    records = classify_json(cli, cf2.transposed(tmp_path))
    assert [r["name"] for r in records] == [e.name for e in cf2.TRANSPOSED]


# ── three-row-header (海北州.xlsx): only the lower two rows were read, so 工会情况 / 是否建立 was lost ──────

def test_a_header_over_three_rows(cli: Cli, tmp_path: Path) -> None:
    report = check_json(cli, cf2.three_row_header(tmp_path))
    assert report["files"][0]["sheets"][0]["header_rows"] == [1, 2, 3]
    assert fields_of(report)["工会情况 是否建立"] == "has_union"
    assert fields_of(report)["挂靠"] == "vehicles_attached"


# ── traditional (玉樹州調查表.xls): 繁體 headers and county names were not recognised at all ────────────────

def test_traditional_characters_read_as_simplified() -> None:
    from qhunion.normalise.regions import gazetteer
    from qhunion.normalise.values import parse_bool
    from qhunion.recognise.headers import scores

    assert scores("實際擁有車輛數（輛）")[0][0] == "vehicles_owned"
    assert scores("是否建立工會")[0][0] == "has_union"
    match = gazetteer().county("稱多縣")
    assert match is not None and match.division.name == "称多县"
    assert parse_bool("無")[0] is False and parse_bool("有")[0] is True


# ── pinyin-file-name (maqin_2018diaocha.csv): a prefecture summary said “no records yet, classify first” ──
# (The county in pinyin is read now, tests/test_pinyin_files.py; the same rows under a name that names no place
# are still 地区不明, and the first line must not contradict that.)

def test_summary_of_unplaced_records_says_why_it_reads_zero(cli: Cli, tmp_path: Path) -> None:
    path = cf2.pinyin_file_name(tmp_path).rename(tmp_path / "2018diaocha.csv")
    status, _, err = cli("summary", path, "--region", "果洛")
    assert status == 0
    assert "没有能归入果洛藏族自治州的企业记录" in err and "2 家企业地区不明" in err
    assert "先用 qhunion classify" not in err


# ── side-by-side (海东市.xlsx): the right-hand county's table was dropped, “与 A 列同为…” the only sign ──────

@pytest.mark.parametrize("case", ["side-by-side", "three-side-by-side"])
def test_tables_side_by_side_are_each_read(cli: Cli, tmp_path: Path, case: str) -> None:
    build, expected = cf2.EXPECTED[case]
    report = check_json(cli, build(tmp_path))
    sheets = report["files"][0]["sheets"]
    assert sum(s["records"] for s in sheets) == len(expected) and len(sheets) >= 2
    assert "column-duplicate" not in codes(report)
    assert "sheet-side-by-side" in codes(report)
    # Each table says where it is: records and findings name the columns of their own table.
    assert sheets[1]["sheet"].endswith("（E–G 列）" if case == "side-by-side" else "（F–H 列）")


def test_a_header_with_a_blank_column_is_still_one_table() -> None:
    from qhunion.recognise.headers import recognise
    from qhunion.recognise.panels import starts

    # 企业名称 … a blank column … then more fields, no second name: one table with a gap in it.
    columns = recognise(["企业名称", "县区", "", "自有车辆", "职工人数"], None, 0)
    assert starts(columns) == [(0, 4)]
    columns = recognise(["企业名称", "县区", "", "单位名称", "职工人数"], None, 0)
    assert starts(columns) == [(0, 1), (3, 4)]


# ── stats-bureau (四上企业名录.xlsx): a 行政区划代码 column was not read as the county ─────────────────────────

def test_division_codes_are_places() -> None:
    from qhunion.normalise.regions import gazetteer

    g = gazetteer()
    names = {code: (m.division.name if (m := g.county(code)) else None)
             for code in ("632523", "632122", "630102001000", "630102001", "630102000000", "123456", "630100")}
    assert names == {"632523": "贵德县", "632122": "民和回族土族自治县",  # the code before 2013's renumbering
                     "630102001000": "城东区", "630102001": "城东区",  # a town's code: its county
                     "630102000000": "城东区", "123456": None, "630100": None}
    match = g.prefecture("630100")
    assert match is not None and match.division.name == "西宁市"


@pytest.mark.parametrize("header", ["代号", "", "行政区划代码"])
def test_a_column_of_division_codes_is_the_county(cli: Cli, tmp_path: Path, header: str) -> None:
    """By its values, whatever its header says (or does not): numbers as Excel and .xls keep them."""
    rows: list[list[Any]] = [["企业名称", header, "自有车辆", "职工人数"],
                             ["甲运输有限公司", 632523, 21, 3], ["乙货运有限公司", 632122.0, 2, 3],
                             ["丙物流有限公司", "630102001000", 3, 30], ["丁货运有限公司", "632126", 1, 1]]
    path = write_xls(tmp_path / "名录.xls", {"名录": Grid(rows)})
    report = check_json(cli, path)
    assert report["without_region"] == 0
    got = [(r["name"], r["county"]) for r in classify_json(cli, path)]
    assert got == [("甲运输有限公司", "贵德县"), ("乙货运有限公司", "民和回族土族自治县"),
                   ("丙物流有限公司", "城东区"), ("丁货运有限公司", "互助土族自治县")]


# ── platform-export (platform_export.csv): English headers (Company, Vehicles owned, Staff …) found no header ──

@pytest.mark.parametrize(("header", "field"), [
    ("Self-owned Trucks", "vehicles_owned"), ("Trucks (excl. affiliated)", "vehicles_owned"),
    ("Trucks incl. affiliated", "vehicles_registered"), ("Affiliated lorries", "vehicles_attached"),
    ("Headcount at year end", "employees"), ("Number of truck drivers", "drivers"),
    ("Union established? (Y/N)", "has_union"), ("Drivers who are union members", "driver_members"),
    ("Name of the enterprise", "name"), ("District / County", "county"), ("Contact phone", "phone"),
])
def test_english_headers_by_their_parts(header: str, field: str) -> None:
    """Wordings built from the English parts in headers.toml, none of them listed whole."""
    from qhunion.recognise.headers import scores

    assert scores(header)[0][0] == field


# ── “没有找到调查表表头” said to run check while running check, and did not say what it saw ──────────────────

def test_no_header_names_the_nearest_row_and_gives_a_map_line(cli: Cli, tmp_path: Path) -> None:
    import shlex

    rows: list[list[Any]] = [["序号", "单位", "代码", "地方", "自有车辆", "职工人数"],
                             [1, "湟源丹噶尔运输有限公司", uscc("630123", org="MA7H00001"), "湟源", 21, 4]]
    path = write_csv(tmp_path / "湟源.csv", Grid(rows), encoding="utf-8")
    status, out, _ = cli("check", path)
    assert status == 3
    assert "请用 qhunion check" not in out
    assert "最像表头的是第 1 行" in out and "E 列“自有车辆”（实际拥有车辆数）" in out
    line = out[out.index("qhunion check "):].split("\n")[0]
    args = shlex.split(line)[2:]
    assert args[0] == str(path) and '"B=企业名称"' in line  # 单位: the first column naming nothing
    report = check_json(cli, *args[:1], *args[1:])
    assert report["records"] == 1 and fields_of(report)["单位"] == "name"


# ── stats-bureau: 工会组织（1有 2无） — the answers coded by a legend in the header ─────────────────────────────

@pytest.mark.parametrize("header", ["工会组织（1有 2无）", "是否建会（1=是，2=否）", "建会情况(1.已建 2.未建)"])
def test_answers_coded_by_a_legend_in_the_header(cli: Cli, tmp_path: Path, header: str) -> None:
    rows: list[list[Any]] = [["企业名称", "县区", "自有车辆", "职工人数", header],
                             ["甲运输有限公司", "城东区", 30, 40, 1], ["乙货运有限公司", "城东区", 30, 40, 2],
                             ["丙物流有限公司", "城东区", 30, 40, "2"]]
    path = write_xls(tmp_path / "编码.xls", {"S": Grid(rows)})
    report = check_json(cli, path)
    assert fields_of(report)[header] == "has_union" and "bool-invalid" not in codes(report)
    assert [r["decision"] for r in classify_json(cli, path)] == ["established", "standalone", "standalone"]


def test_the_offered_map_line_reads_the_file_and_does_not_come_back(cli: Cli, tmp_path: Path) -> None:
    """序号,单位,地点,车,人: two columns recognised, one short of a header by itself. The line `check` offers
    names them; run as given, it must read the file, not refuse it again with the same line."""
    import shlex

    rows: list[list[Any]] = [["序号", "单位", "地点", "车", "人"],
                             [1, "湟源丹噶尔运输有限公司", "湟源县", 21, 4], [2, "湟源日月物流有限公司", "湟源县", 3, 30]]
    path = write_csv(tmp_path / "湟源.csv", Grid(rows), encoding="utf-8")
    status, out, _ = cli("check", path)
    assert status == 3
    args = shlex.split(out[out.index("qhunion check "):].split("\n")[0])[2:]
    status, again, _ = cli("check", *args)
    assert status in (0, 1) and "没有找到调查表表头" not in again, again
    report = check_json(cli, *args)
    assert report["records"] == 2 and fields_of(report)["单位"] == "name"


# ── 货运主体: a header that names no field the way the list does, over a column of enterprise names ──────

def test_a_column_of_enterprise_names_is_the_name_when_no_header_says_so(cli: Cli, tmp_path: Path) -> None:
    """货运主体 reads as 主体类型 by its words, and 湟中鑫源物流有限公司 even parses as a type (…有限公司); but a
    type column repeats a few words and this one holds a different name on every row. It is read as the name,
    to be confirmed, instead of the table being refused for having no name column."""
    rows: list[list[Any]] = [["所属乡镇", "货运主体", "车辆保有量(自有)", "在岗职工", "建会情况", "备注"],
                             ["鲁沙尔镇", "湟中鑫源物流有限公司", 30, 26, "未建", ""],
                             ["多巴镇", "湟中多巴运输队", 3, 4, "未建", "个体，无固定场所"],
                             ["拦隆口镇", "湟中拦隆口货运部", 2, 3, "未建", ""],
                             ["上新庄镇", "西宁上新庄运输有限公司", 21, 28, "已建", ""]]
    path = write_csv(tmp_path / "乡镇汇总.csv", Grid(rows), encoding="gbk")
    report = check_json(cli, path)
    assert report["records"] == 4 and fields_of(report)["货运主体"] == "name"
    assert fields_of(report)["备注"] is None  # notes are sentences, not names
    records = classify_json(cli, path)
    assert [(r["name"], r["county"]) for r in records][:2] == [("湟中鑫源物流有限公司", "湟中区"), ("湟中多巴运输队", "湟中区")]


def test_names_are_not_a_category() -> None:
    from qhunion.recognise.evidence import fit, looks_like_names

    names = ["湟中鑫源物流有限公司", "乐都瞿昙运输有限公司", "格尔木昆仑货运部", "大通顺风运输队"]
    types = ["有限责任公司", "个体工商户", "有限责任公司", "个体工商户"]
    labels = ["企业名称", "实际拥有车辆数", "职工人数", "是否已建工会"]
    notes = ["个体，无固定场所", "车辆挂靠在外县，司机流动", "已停业半年，待核实", "新成立，尚未年检"]
    assert looks_like_names(names) and not looks_like_names(types)
    assert not looks_like_names(labels) and not looks_like_names(notes)
    assert fit("entity_type", names) < fit("entity_type", types)


# ── One workbook, a sheet per county, each drawn its own way ─────────────────────────────────────────

MENYUAN: list[list[Any]] = [["序", "单位名称", "运营车辆合计", "其中自有", "从业人数", "是否建会"],
                            [1, "门源浩门运输有限公司", 40, 12, 20, "否"],
                            [2, "门源县鑫达物流有限公司", 26, 26, 12, "否"]]


def test_a_part_of_a_total_is_read_as_the_part(cli: Cli, tmp_path: Path) -> None:
    """其中自有 right of 运营车辆合计: the total's 合计 said nothing about the part, yet ruled out 自有."""
    path = write_xlsx(tmp_path / "门源.xlsx", {"门源县": Grid(MENYUAN)})
    assert fields_of(check_json(cli, path))["其中自有"] == "vehicles_owned"
    assert [r["decision"] for r in classify_json(cli, path)] == ["joint", "standalone"]  # 12 owned, not 40


@pytest.mark.parametrize("header", ["企业（单位）", "业户", "经营户"])
def test_a_bare_enterprise_word_heads_the_name_column(cli: Cli, tmp_path: Path, header: str) -> None:
    rows: list[list[Any]] = [[header, "车辆（辆）", "职工（人）", "工会"], ["祁连八宝运输有限公司", 21, 9, "无"]]
    path = write_xlsx(tmp_path / "祁连.xlsx", {"祁连县": Grid(rows)})
    assert [(r["name"], r["county"]) for r in classify_json(cli, path)] == [("祁连八宝运输有限公司", "祁连县")]


def test_a_sheet_left_unread_beside_read_ones_is_a_warning_with_a_line_that_reads_it(cli: Cli, tmp_path: Path) -> None:
    """祁连县's sheet names two fields only; 门源县's is read. The unread sheet was a quiet note hidden from the
    table; it is a warning, and its --map line names columns by header text (B=… would re-map 门源县's B)."""
    import shlex

    qilian: list[list[Any]] = [["序号", "业户", "地点", "车", "人"], [1, "祁连八宝运输有限公司", "八宝镇", 21, 9]]
    path = write_xlsx(tmp_path / "海北.xlsx", {"门源县": Grid(MENYUAN), "祁连县": Grid(qilian)})
    status, out, _ = cli("check", path)
    assert status in (0, 1) and "本工作表未读取" in out
    report = check_json(cli, path)
    assert report["records"] == 2 and "sheet-unread" in codes(report)
    said = next(i["message"] for i in report["issues"] if i["code"] == "sheet-unread")
    args = shlex.split(said[said.index("qhunion check "):])[2:]
    assert any(a.startswith("业户=") for a in args), args
    report = check_json(cli, *args)
    assert report["records"] == 3 and fields_of(report)["其中自有"] == "vehicles_owned"


# ── A title that names only the prefecture, over enterprises whose names begin with their county ──────

def _form_book(path: Path, title: str, names: list[str], sheet_names: list[str] | None = None) -> Path:
    sheets = {}
    for n, name in enumerate(names):
        sheets[(sheet_names or [str(i + 1) for i in range(len(names))])[n]] = Grid(
            [[title], [f"企业名称：{name}"], ["实有车辆：22辆"], ["职工总数：18人"], ["工会组建：未建"]])
    return write_xlsx(path, sheets)


def test_the_enterprise_name_places_it_within_the_titles_prefecture(cli: Cli, tmp_path: Path) -> None:
    """黄南州…调查表 over 同仁县热贡运输有限公司 and 尖扎县坎布拉货运部: the title stopped the search at the
    prefecture and both came out without a county; the name now narrows it — within that prefecture only."""
    path = _form_book(tmp_path / "表.xlsx", "黄南州货运企业（单位）工会组建情况调查表",
                      ["同仁县热贡运输有限公司", "尖扎县坎布拉货运部", "西宁宏达运输有限公司"])
    got = [(r["name"], r["prefecture"], r["county"]) for r in classify_json(cli, path)]
    assert got == [("同仁县热贡运输有限公司", "黄南藏族自治州", "同仁市"), ("尖扎县坎布拉货运部", "黄南藏族自治州", "尖扎县"),
                   ("西宁宏达运输有限公司", "黄南藏族自治州", None)]  # 西宁 is not in 黄南: the title's prefecture stands


def test_the_sheet_outranks_the_enterprise_name(cli: Cli, tmp_path: Path) -> None:
    """A county office's sheet names where the enterprise operates (三（一）'s 实际经营所在地); a name beginning
    with another county says where it registered."""
    path = _form_book(tmp_path / "表.xlsx", "货运企业调查表", ["西宁宏达运输有限公司"], ["同仁市"])
    assert [r["county"] for r in classify_json(cli, path)] == ["同仁市"]
