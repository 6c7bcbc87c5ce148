"""Reading the spreadsheets county offices really send (issue 2, items 2, 3 and 7): every file kind, the
header under a title and 填报单位 row, two-row merged headers, totals and notes rows, hidden sheets, formula
cells, CSV encodings, header spellings, and findings placed at the cell as Excel shows it."""

from __future__ import annotations

import codecs
import zipfile
from pathlib import Path
from typing import Any

import pytest

from builders import (
    COL,
    INSTRUCTIONS,
    ROWS,
    Cell,
    Formula,
    Grid,
    csv_text,
    flat_grid,
    flat_rows,
    survey_grid,
    truncated_xlsx,
    uscc,
    write_book,
    write_csv,
    write_survey,
    write_xlsx,
)
from qhunion.findings import Finding, column_letter
from qhunion.io import expand, read_sheets, sniff_encoding
from qhunion.readers.sheet import UnreadableFile
from qhunion.recognise.headers import match_header
from qhunion.recognise.intake import Survey, read_survey

EXPECTED = [
    # name, credit code, prefecture, county, registered, owned, employees, drivers, has union, members
    ("西宁顺达物流有限公司", ROWS[0][1], "西宁市", "城北区", 30, 22, 40, 30, True, 35),
    ("乐都鑫源货运有限公司", ROWS[1][1], "海东市", "乐都区", 12, 10, 18, 12, False, 0),
    ("格尔木昆仑货运有限责任公司", ROWS[2][1], "海西蒙古族藏族自治州", "格尔木市", 8, 8, 9, 7, False, 0),
]
FIELDS = ("name", "credit_code", "prefecture", "county", "vehicles_registered", "vehicles_owned", "employees",
          "drivers", "has_union", "members")


def _values(survey: Survey) -> list[tuple[Any, ...]]:
    return [tuple(getattr(r, f) for f in FIELDS) for r in survey.records]


def _problems(survey: Survey) -> list[str]:
    """Findings staff must act on (errors and warnings)."""
    return [f.message for f in survey.all_findings() if f.severity != "info"]


# ── Every file kind, one county office's layout ─────────────────────────────────────────────────────

@pytest.mark.parametrize(("name", "encoding", "reported"), [
    ("调查表.xlsx", None, None),
    ("调查表.xls", None, None),
    ("调查表.ods", None, None),
    ("调查表.csv", "gbk", "gb18030"),  # Chinese Excel's “CSV (逗号分隔)”: GBK, no BOM
    ("调查表.csv", "utf-8-sig", "utf-8-sig"),  # Excel's “CSV UTF-8”
    ("调查表.csv", "utf-8", "utf-8"),
])
def test_each_file_kind_reads_the_same_records(tmp_path: Path, name: str, encoding: str | None,
                                               reported: str | None) -> None:
    layout = write_survey(tmp_path / name, encoding=encoding or "gbk")
    survey = read_survey([tmp_path / name])
    assert survey.unreadable == []
    assert _values(survey) == EXPECTED
    assert [r.row for r in survey.records] == list(range(layout.first_data, layout.last_data + 1))
    (sheet,) = survey.layouts
    assert sheet.header_rows == layout.header_rows == (3, 4)
    assert sheet.records == 3
    assert sheet.encoding == reported
    assert _problems(survey) == []
    encodings = [f.params["encoding"] for f in survey.findings if f.code == "encoding-used"]
    assert encodings == ([reported] if reported else [])


def test_two_row_header_is_joined_into_one_name_per_column(tmp_path: Path) -> None:
    write_survey(tmp_path / "s.xlsx")
    (layout,) = read_survey([tmp_path / "s.xlsx"]).layouts
    shown = {column_letter(c.index): (c.header, c.field) for c in layout.columns}
    assert shown == {
        "A": ("序号", None),
        "B": ("单位名称（全称）", "name"),
        "C": ("统一社会信用代码", "credit_code"),
        "D": ("市（州）", "prefecture"),
        "E": ("县（市、区）", "county"),
        "F": ("登记车辆数", "vehicles_registered"),
        "G": ("自有货车（辆）", "vehicles_owned"),
        "H": ("从业人员数", "employees"),
        "I": ("其中：货车司机", "drivers"),
        "J": ("是否已建工会", "has_union"),
        "K": ("工会会员人数", "members"),
    }
    assert {f: COL[f] for f in FIELDS[:-1]} == {f: column_letter(layout.mapped[f].index) for f in FIELDS[:-1]}


def test_group_header_only_in_its_first_cell_in_csv(tmp_path: Path) -> None:
    """A CSV export keeps the merged group's text in the first cell only; the sub-headers still map."""
    text = csv_text(survey_grid()[0])
    assert "车辆情况,,职工情况," in text
    write_csv(tmp_path / "s.csv", survey_grid()[0], "utf-8")
    assert _values(read_survey([tmp_path / "s.csv"])) == EXPECTED


def test_title_totals_and_notes_rows_are_not_records(tmp_path: Path) -> None:
    layout = write_survey(tmp_path / "s.xlsx")
    survey = read_survey([tmp_path / "s.xlsx"])
    rows = {r.row for r in survey.records}
    assert rows.isdisjoint({1, 2, *layout.header_rows, layout.total_row, layout.notes_row})
    assert survey.all_findings() and all(f.row not in (layout.total_row, layout.notes_row)
                                         for f in survey.all_findings())


@pytest.mark.parametrize("label", ["合计", "合 计", "合计：", "总计", "小计", "合计（3户）", "共计", "合计户数", "合计3家"])
def test_totals_rows_in_their_spellings(tmp_path: Path, label: str) -> None:
    grid = flat_rows(("甲公司", None, "西宁市", "城北区", 5, 8, "否"), (label, None, None, None, 5, 8, None))
    survey = read_survey([write_xlsx(tmp_path / "s.xlsx", {"S": grid})])
    assert [r.name for r in survey.records] == ["甲公司"]
    assert _problems(survey) == []


def test_enterprise_named_like_a_totals_word_is_read(tmp_path: Path) -> None:
    grid = flat_rows(("合计物流有限公司", None, "西宁市", "城北区", 5, 8, "否"),
                     ("总计运输有限公司", None, "西宁市", "城北区", 5, 8, "否"))
    survey = read_survey([write_xlsx(tmp_path / "s.xlsx", {"S": grid})])
    assert [r.name for r in survey.records] == ["合计物流有限公司", "总计运输有限公司"]


@pytest.mark.parametrize("note", ["填表说明：实际拥有车辆数不含挂靠车辆", "备注：无", "注：1. 数字填整数", "说明", "填表人：李某某",
                                  "审核人：王某某", "示例"])
def test_notes_and_signature_rows_are_skipped(tmp_path: Path, note: str) -> None:
    grid = flat_rows(("甲公司", None, "西宁市", "城北区", 5, 8, "否"), (note, None, None, None, None, None, "是"))
    survey = read_survey([write_xlsx(tmp_path / "s.xlsx", {"S": grid})])
    assert [r.name for r in survey.records] == ["甲公司"]
    assert _problems(survey) == []


def test_blank_and_space_only_rows_are_skipped(tmp_path: Path) -> None:
    grid = flat_rows(("甲公司", None, "西宁市", "城北区", 5, 8, "否"),
                     (None, None, None, None, None, None, None),
                     ("  ", " ", None, "\u3000", None, "", " "),
                     ("乙公司", None, "西宁市", "城北区", 3, 4, "否"))
    survey = read_survey([write_xlsx(tmp_path / "s.xlsx", {"S": grid})])
    assert [(r.name, r.row) for r in survey.records] == [("甲公司", 2), ("乙公司", 5)]
    assert _problems(survey) == []


def test_row_with_data_but_no_name(tmp_path: Path) -> None:
    grid = flat_rows(("甲公司", None, "西宁市", "城北区", 5, 8, "否"), (None, None, "西宁市", "城北区", 3, 4, "否"))
    survey = read_survey([write_xlsx(tmp_path / "无名.xlsx", {"S": grid})])
    assert [r.name for r in survey.records] == ["甲公司"]
    assert _problems(survey) == ["无名.xlsx › S › 第 3 行 A 列（企业名称）：该行有数据但没有企业名称，已跳过"]


def test_repeated_header_is_not_a_record(tmp_path: Path) -> None:
    grid = flat_rows(("甲公司", None, "西宁市", "城北区", 5, 8, "否"))
    grid.rows.append(list(grid.rows[0]))
    grid.rows.append(["乙公司", None, "西宁市", "城北区", 3, 4, "否"])
    survey = read_survey([write_xlsx(tmp_path / "s.xlsx", {"S": grid})])
    assert [r.name for r in survey.records] == ["甲公司", "乙公司"]
    assert _problems(survey) == []


# ── Header spellings ─────────────────────────────────────────────────────────────────────────────────

@pytest.mark.parametrize(("header", "field"), [
    ("企业名称", "name"), ("单位名称（全称）", "name"), ("单位名称(全称)", "name"), ("企业（单位）名称", "name"),
    ("职工人数", "employees"), ("从业人员数", "employees"), ("职工总数（人）", "employees"), ("职工人数(人)", "employees"),
    ("实际拥有车辆数", "vehicles_owned"), ("自有货车（辆）", "vehicles_owned"), ("实有货车数", "vehicles_owned"),
    ("实际拥有车辆数（不含挂靠）", "vehicles_owned"), ("实际拥有车辆数（辆）", "vehicles_owned"),
    ("登记车辆数", "vehicles_registered"), ("挂靠车辆数", "vehicles_attached"),
    ("其中：货车司机", "drivers"), ("其中:货车司机", "drivers"), ("货车司机人数", "drivers"),
    ("其中：农民工", "migrant_workers"),
    ("统一社会信用代码", "credit_code"), ("市（州）", "prefecture"), ("市州", "prefecture"),
    ("县（市、区、行委）", "county"), ("县（市、区）", "county"), ("所属县区", "county"),
    ("是否建会", "has_union"), ("是否已建工会", "has_union"), ("工会会员人数", "members"),
    ("经营状况", "status"), ("主体类型", "entity_type"), ("五大领域", "domain"), ("八大群体", "group"),
    ("依托的平台/园区/市场", "anchor"), ("建会意愿", "willingness"), ("意见建议", "suggestions"),
    ("联 系 电 话", "phone"), ("ＦＯＯ", None), ("序号", None), ("", None),
])
def test_header_spellings(header: str, field: str | None) -> None:
    assert match_header(header) == field


def test_sub_headers_under_a_membership_group_count_members(tmp_path: Path) -> None:
    header: tuple[tuple[str, str | None], ...] = (
        ("序号", None), ("企业名称", None), ("县（市、区）", None),
        ("职工情况", "职工人数"), ("职工情况", "其中：货车司机"), ("职工情况", "其中：农民工"),
        ("工会会员情况", "会员人数"), ("工会会员情况", "其中：货车司机"), ("工会会员情况", "其中：农民工"),
    )
    write_survey(tmp_path / "s.xlsx", [("甲公司", "城北区", 40, 30, 20, 25, 18, 12)], header=header)
    survey = read_survey([tmp_path / "s.xlsx"])
    (r,) = survey.records
    assert (r.employees, r.drivers, r.migrant_workers) == (40, 30, 20)
    assert (r.members, r.driver_members, r.migrant_members) == (25, 18, 12)
    assert [c.header for c in survey.layouts[0].columns if c.field == "driver_members"] == ["其中：货车司机"]


def test_sheet_with_another_office_spelling(tmp_path: Path) -> None:
    header = ("序号", "企业名称", "所属县区", "自有货车（辆）", "从业人员数", "其中：货车司机", "有无工会")
    grid = flat_grid(header, [(1, "甲公司", "城北区", "21辆", "30人", 25, "有")])
    survey = read_survey([write_csv(tmp_path / "s.csv", grid, "gbk")])
    (r,) = survey.records
    assert (r.name, r.county, r.vehicles_owned, r.employees, r.drivers, r.has_union) == ("甲公司", "城北区", 21, 30,
                                                                                        25, True)


def test_column_notes(tmp_path: Path) -> None:
    header = ("企业名称", "县（市、区）", "职工人数", "联系电话", "手机", "备用栏")
    grid = flat_grid(header, [("甲公司", "城北区", 30, "0971-1234567", "13800000000", "x")])
    survey = read_survey([write_xlsx(tmp_path / "列.xlsx", {"S": grid})])
    notes = {f.code: f.message for f in survey.findings if f.code.startswith("column")}
    assert notes == {
        "column-duplicate": "列.xlsx › S › 第 1 行 E 列（手机）：与 D 列同为“联系电话”，以 D 列为准",
        "column-unmapped": "列.xlsx › S › 第 1 行 F 列（备用栏）：该列不是调查表字段，已保留原值，不参与判定",
        "column-missing": "列.xlsx › S › 第 1 行：表中没有“实际拥有车辆数”列，无法按车辆数判定单独建会",
    }
    assert "0971-1234567" in survey.records[0].cells  # personal data stays in the row as typed


def test_sheet_without_region_columns_warns_once(tmp_path: Path) -> None:
    grid = flat_grid(("企业名称", "实际拥有车辆数", "职工人数"), [("甲公司", 3, 5), ("乙公司", 4, 6)])
    survey = read_survey([write_xlsx(tmp_path / "s.xlsx", {"S": grid})])
    assert [f.code for f in survey.all_findings() if f.severity != "info"] == ["column-missing"]


# ── Sheets ───────────────────────────────────────────────────────────────────────────────────────────

@pytest.mark.parametrize("suffix", [".xlsx", ".xls", ".ods"])
def test_hidden_instructions_sheet_is_skipped_with_an_info_finding(tmp_path: Path, suffix: str) -> None:
    write_survey(tmp_path / f"s{suffix}", instructions=True)
    survey = read_survey([tmp_path / f"s{suffix}"])
    assert _values(survey) == EXPECTED
    skipped = [f for f in survey.findings if f.code.startswith("sheet")]
    assert [(f.code, f.severity.value, f.sheet) for f in skipped] == [("sheet-hidden", "info", "填表说明")]
    assert skipped[0].message == f"s{suffix} › 填表说明：隐藏的工作表没有调查表表头，已跳过"
    assert [lay.skipped for lay in survey.layouts] == ["hidden", None]


def test_visible_sheet_without_a_header_is_skipped(tmp_path: Path) -> None:
    grid, _ = survey_grid()
    write_xlsx(tmp_path / "s.xlsx", {"说明": INSTRUCTIONS, "空白": Grid([]), "物流企业": grid})
    survey = read_survey([tmp_path / "s.xlsx"])
    assert len(survey.records) == 3
    assert [f.message for f in survey.findings if f.code == "sheet-skipped"] == [
        "s.xlsx › 说明：工作表中没有调查表表头（如“企业名称”），已跳过",
        "s.xlsx › 空白：工作表中没有调查表表头（如“企业名称”），已跳过（工作表为空）",
    ]


def test_one_sheet_per_county(tmp_path: Path) -> None:
    ledu = flat_rows(("乐都甲公司", uscc("630202"), "海东市", "乐都区", 5, 8, "否"))
    ping = flat_rows(("平安乙公司", uscc("630203"), "海东市", "平安区", 5, 8, "否"),
                     ("平安丙公司", uscc("630203", org="MA752XK0B"), "海东市", "平安区", 5, 8, "否"))
    survey = read_survey([write_xlsx(tmp_path / "海东.xlsx", {"乐都区": ledu, "平安区": ping})])
    assert [(r.sheet, r.row, r.name) for r in survey.records] == [
        ("乐都区", 2, "乐都甲公司"), ("平安区", 2, "平安乙公司"), ("平安区", 3, "平安丙公司")]


@pytest.mark.parametrize("suffix", [".xlsx", ".ods"])
def test_formula_cells_use_their_cached_values(tmp_path: Path, suffix: str) -> None:
    rows: list[list[Cell]] = [list(r) for r in ROWS]
    rows[0][5] = Formula("F5-8", 22)  # 实际拥有 = 登记 − 挂靠, as some offices compute it
    rows[1][6] = Formula("SUM(3,15)", 18)
    write_book(tmp_path / f"f{suffix}", {"S": survey_grid(rows)[0]})
    survey = read_survey([tmp_path / f"f{suffix}"])
    assert _values(survey) == EXPECTED
    assert _problems(survey) == []


def test_sheet_not_starting_at_a1_keeps_excel_rows_and_letters(tmp_path: Path) -> None:
    blank: list[Cell] = [None] * 6
    grid = Grid([blank, blank, [None, None, "企业名称", "县（市、区）", "实际拥有车辆数", "职工人数"],
                 [None, None, "甲公司", "城北区", "约30", 40]])
    survey = read_survey([write_xlsx(tmp_path / "偏移.xlsx", {"S": grid})])
    (record,) = survey.records
    assert (record.row, record.vehicles_owned) == (4, 30)
    assert _problems(survey) == ["偏移.xlsx › S › 第 4 行 E 列（实际拥有车辆数）：“约30”是约数，已按 30 读取，请核实"]


# ── Findings placed as Excel shows them ─────────────────────────────────────────────────────────────

HAIDONG_HEADER: tuple[tuple[str, str | None], ...] = (
    ("序号", None), ("企业名称", None), ("统一社会信用代码", None), ("市（州）", None), ("县（市、区）", None),
    ("职工情况", "职工人数"), ("职工情况", "其中：货车司机"), ("车辆情况", "登记车辆数"), ("车辆情况", "实际拥有车辆数"),
    ("是否已建工会", None),
)


def test_the_place_format_of_issue_item_7(tmp_path: Path) -> None:
    rows: list[tuple[Cell, ...]] = [
        (f"乐都第{n}运输有限公司", uscc("630202", org=f"MA7B1QW{n:02d}"), "海东市", "乐都区", 10, 6, 22, 8, "否")
        for n in range(1, 9)
    ]
    rows[7] = (*rows[7][:7], "二十辆", "否")  # Excel row 12, column I
    rows[3] = (*rows[3][:4], "约30", *rows[3][5:])  # Excel row 8, column F
    rows[5] = (*rows[5][:4], -3, 2.5, 1_000_000, *rows[5][7:])
    write_survey(tmp_path / "海东.xlsx", rows, header=HAIDONG_HEADER)
    findings = read_survey([tmp_path / "海东.xlsx"]).all_findings()
    messages = [f.message for f in findings if f.code.startswith("count")]
    assert messages == [
        "海东.xlsx › 物流企业 › 第 8 行 F 列（职工人数）：“约30”是约数，已按 30 读取，请核实",
        "海东.xlsx › 物流企业 › 第 10 行 F 列（职工人数）：“-3”为负数，请更正",
        "海东.xlsx › 物流企业 › 第 10 行 G 列（其中：货车司机）：“2.5”不是整数，请更正",
        "海东.xlsx › 物流企业 › 第 10 行 H 列（登记车辆数）：“1000000”超过 100000，明显有误，请核实",
        "海东.xlsx › 物流企业 › 第 12 行 I 列（实际拥有车辆数）：“二十辆”已按 20 读取",
    ]
    twelve = next(f for f in findings if f.row == 12)
    assert twelve.as_dict() == {
        "code": "count-read-as", "severity": "info", "file": "海东.xlsx", "sheet": "物流企业", "row": 12,
        "column": "I", "header": "实际拥有车辆数", "value": "二十辆",
        "message": "海东.xlsx › 物流企业 › 第 12 行 I 列（实际拥有车辆数）：“二十辆”已按 20 读取",
    }


def test_every_value_form_in_one_sheet(tmp_path: Path) -> None:
    header = ("企业名称", "县（市、区）", "实际拥有车辆数", "职工人数", "是否已建工会", "经营状况")
    grid = flat_grid(header, [
        ("甲", "城北区", "25辆", "２０", "是", "在业"),
        ("乙", "城北区", "约30", "二十五", "否", "停产"),
        ("丙", "城北区", "无", "/", "已建", "已注销"),
        ("丁", "城北区", "-", None, "未建", "吊销"),
        ("戊", "城北区", "", "25人", "√", "歇业"),
        ("己", "城北区", 3, 4, "×", "正常"),
        ("庚", "城北区", "很多", "-1", "也许", "倒闭了"),
    ])
    survey = read_survey([write_xlsx(tmp_path / "v.xlsx", {"S": grid})])
    got = [(r.vehicles_owned, r.employees, r.has_union, r.status) for r in survey.records]
    assert got == [
        (25, 20, True, "正常"),
        (30, 25, False, "停业"),
        (0, None, True, "注销"),
        (None, None, False, "吊销"),
        (None, 25, True, "歇业"),
        (3, 4, False, "正常"),
        (None, None, None, None),
    ]
    codes = [(f.row, f.column_letter, f.code, f.severity.value) for f in survey.all_findings() if f.row]
    assert codes == [
        (2, "C", "count-read-as", "info"), (2, "D", "count-read-as", "info"),
        (3, "C", "count-approx", "warning"), (3, "D", "count-read-as", "info"),
        (6, "D", "count-read-as", "info"),
        (8, "C", "count-invalid", "error"), (8, "D", "count-negative", "error"),
        (8, "E", "bool-invalid", "error"), (8, "F", "status-invalid", "warning"),
    ]


def test_parts_larger_than_their_whole(tmp_path: Path) -> None:
    grid = flat_grid(("企业名称", "县（市、区）", "职工人数", "货车司机人数"), [("甲公司", "城北区", 10, 12)])
    survey = read_survey([write_xlsx(tmp_path / "s.xlsx", {"S": grid})])
    assert [f.message for f in survey.all_findings() if f.code == "count-inconsistent"] == [
        "s.xlsx › S › 第 2 行 D 列（货车司机人数）：货车司机人数 12 大于 职工人数 10，请核实"]


def test_finding_place_without_row_or_column() -> None:
    assert Finding("sheet-hidden", "a.xlsx", "说明").place == "a.xlsx › 说明"
    assert Finding("column-unmapped", "a.xlsx", "S", None, 27, "备用").place == "a.xlsx › S › AB 列（备用）"
    assert [column_letter(i) for i in (0, 25, 26, 701, 702)] == ["A", "Z", "AA", "ZZ", "AAA"]


# ── CSV encodings ────────────────────────────────────────────────────────────────────────────────────

def test_encoding_sniffing_order(tmp_path: Path) -> None:
    text = "企业名称,县区,职工人数\r\n甲公司,城北区,30\r\n"
    cases = {"gbk": "gb18030", "gb18030": "gb18030", "utf-8": "utf-8", "utf-8-sig": "utf-8-sig", "utf-16": "utf-16"}
    for encoding, sniffed in cases.items():
        path = tmp_path / f"{encoding}.csv"
        path.write_bytes(text.encode(encoding))
        assert sniff_encoding(path) == sniffed, encoding
        (record,) = read_survey([path]).records
        assert (record.name, record.county, record.employees) == ("甲公司", "城北区", 30)


def test_utf8_is_tried_before_gb18030(tmp_path: Path) -> None:
    """GB18030 “succeeds” on UTF-8 bytes and yields mojibake, so strict UTF-8 must come first."""
    raw = "企业名称".encode()
    assert raw.decode("gb18030") != "企业名称"
    path = tmp_path / "u.csv"
    path.write_bytes(raw + b",x\r\n")
    assert sniff_encoding(path) == "utf-8"


@pytest.mark.parametrize(("written", "given", "reported"), [
    ("gbk", "gbk", "gbk"),
    ("gbk", "GB18030", "GB18030"),
    ("utf-8-sig", "utf-8", "utf-8"),  # an explicit utf-8 still drops Excel's BOM
    ("utf-8", "utf-8-sig", "utf-8-sig"),
])
def test_encoding_override(tmp_path: Path, written: str, given: str, reported: str) -> None:
    write_survey(tmp_path / "s.csv", encoding=written)
    survey = read_survey([tmp_path / "s.csv"], encoding=given)
    assert _values(survey) == EXPECTED
    assert survey.layouts[0].encoding == reported
    assert survey.layouts[0].columns[0].header == "序号"


def test_bom_never_sticks_to_the_first_header(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(codecs.BOM_UTF8 + "企业名称,县区,职工人数\r\n甲公司,城北区,30\r\n".encode())
    for encoding in (None, "utf-8", "utf8"):
        survey = read_survey([path], encoding=encoding)
        assert [r.name for r in survey.records] == ["甲公司"], encoding


def test_wrong_encoding_override_is_one_sentence(tmp_path: Path) -> None:
    write_survey(tmp_path / "s.csv", encoding="gbk")
    survey = read_survey([tmp_path / "s.csv"], encoding="utf-8")
    (bad,) = survey.unreadable
    # the place is the text line of the first GBK byte: the title, line 1
    assert bad.reason == "按 utf-8 编码无法读取（第 1 行，第 1 字节），请用 --encoding 指定正确的编码，或在 Excel 中另存为 CSV UTF-8"
    assert survey.records == []
    survey = read_survey([tmp_path / "s.csv"], encoding="klingon")
    assert survey.unreadable[0].reason == "不认识编码“klingon”，请改用 utf-8、gbk 或 gb18030"


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_delimiters(tmp_path: Path, delimiter: str) -> None:
    path = tmp_path / "s.csv"
    path.write_bytes(csv_text(survey_grid()[0], delimiter).encode("gbk"))
    assert _values(read_survey([path])) == EXPECTED


def test_utf16_tab_separated_text(tmp_path: Path) -> None:
    """Excel's “Unicode 文本” export: UTF-16 with a BOM, tab-separated, .txt."""
    path = tmp_path / "s.txt"
    path.write_bytes(csv_text(survey_grid()[0], "\t").encode("utf-16"))
    survey = read_survey([path])
    assert _values(survey) == EXPECTED
    assert survey.layouts[0].encoding == "utf-16"


# ── Many files, folders, globs; unreadable ones do not stop the batch ────────────────────────────────

def test_folders_and_globs(tmp_path: Path) -> None:
    write_survey(tmp_path / "a.xlsx")
    write_survey(tmp_path / "b.csv")
    (tmp_path / "~$a.xlsx").write_bytes(b"lock")  # Excel's lock file while a.xlsx is open
    own = tmp_path / "a_建会判定.xlsx"  # qhunion's own output, known by its marker, not its name
    write_survey(own)
    with zipfile.ZipFile(own, "a") as z:
        z.writestr("docProps/custom.xml", '<Properties><property name="qhunion-output"><vt:lpwstr>workbook'
                                          '</vt:lpwstr></property></Properties>')
    (tmp_path / "notes.docx").write_bytes(b"")
    assert [p.name for p in expand([str(tmp_path)])] == ["a.xlsx", "b.csv"]
    assert [p.name for p in expand([str(tmp_path / "*.xlsx")])] == ["a.xlsx"]
    assert [p.name for p in expand([str(tmp_path / "a.xlsx"), str(tmp_path)])] == ["a.xlsx", "b.csv"]


@pytest.mark.parametrize(("written", "named"), [(".xls", ".xlsx"), (".xlsx", ".xls"), (".ods", ".xlsx"),
                                                (".xlsx", ".ods"), (".xls", ".csv"),
                                                (".xlsx", ".csv")])
def test_workbook_with_the_wrong_extension_is_read_by_content(tmp_path: Path, written: str, named: str) -> None:
    """Web systems export .xlsx named .xls, people rename files: the bytes say what the file is."""
    write_survey(tmp_path / f"s{written}")
    (tmp_path / f"s{written}").rename(tmp_path / f"renamed{named}")
    survey = read_survey([tmp_path / f"renamed{named}"])
    assert survey.unreadable == []
    assert _values(survey) == EXPECTED


def test_one_bad_file_does_not_stop_the_others(tmp_path: Path) -> None:
    write_survey(tmp_path / "good.xlsx")
    truncated_xlsx(tmp_path / "broken.xlsx", tmp_path / "good.xlsx")
    write_survey(tmp_path / "good.csv")
    survey = read_survey([tmp_path / "good.xlsx", tmp_path / "broken.xlsx", tmp_path / "missing.xlsx",
                          tmp_path / "good.csv"])
    assert survey.files == ["good.xlsx", "broken.xlsx", "missing.xlsx", "good.csv"]
    assert [Path(u.path).name for u in survey.unreadable] == ["broken.xlsx", "missing.xlsx"]
    assert {r.file for r in survey.records} == {"good.xlsx", "good.csv"}
    assert len(survey.records) == 6


def test_undecodable_byte_is_placed_by_line(tmp_path: Path) -> None:
    """Far past the text layer's read-ahead buffer, the line is still the one a text editor shows."""
    path = tmp_path / "late.csv"
    path.write_bytes(("企业名称,县区\r\n" + "甲公司,城北区\r\n" * 3000).encode() + "乙公司,城东区\r\n".encode("gbk"))
    (bad,) = read_survey([path], encoding="utf-8").unreadable
    assert bad.reason.startswith("按 utf-8 编码无法读取（第 3002 行，")


def test_file_breaking_halfway_contributes_nothing(tmp_path: Path) -> None:
    """The first sheet reads (with findings), the second is corrupt: the file is unreadable as a whole."""
    grid = flat_rows(("甲公司", None, "西宁市", "城北区", "约30", 8, "否"))
    write_xlsx(tmp_path / "two.xlsx", {"A": grid, "B": grid})
    with zipfile.ZipFile(tmp_path / "two.xlsx") as zin, zipfile.ZipFile(tmp_path / "bad.xlsx", "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            zout.writestr(info, data[: len(data) // 2] if info.filename.endswith("sheet2.xml") else data)
    survey = read_survey([tmp_path / "bad.xlsx"])
    assert (survey.records, survey.layouts, survey.findings) == ([], [], [])
    assert [u.reason for u in survey.unreadable] == ["工作簿已损坏或不完整（可能未下载完），请用 Excel 打开检查，或重新获取原文件"]


def test_unreadable_is_raised_lazily_by_read_sheets(tmp_path: Path) -> None:
    sheets = read_sheets(tmp_path / "nope.xlsx")
    with pytest.raises(UnreadableFile) as caught:
        list(sheets)
    assert str(caught.value) == "nope.xlsx：找不到该文件，请检查文件名和路径"


def test_two_row_header_wins_a_tie_when_its_second_row_is_words(tmp_path: Path) -> None:
    """Group names over 人数 / 已入会 map as many fields read as one row as read as two; the second row is
    still a header, not a nameless data row."""
    grid = Grid([
        ["企业名称", "县（市、区）", "职工人数", "货车司机", None, "农民工", None],
        [None, None, None, "人数", "已入会", "人数", "已入会"],
        ["甲物流", "城北区", 30, 20, 5, 10, 2],
    ])
    survey = read_survey([write_xlsx(tmp_path / "并列.xlsx", {"S": grid})])
    assert survey.layouts[0].header_rows == (1, 2)
    [record] = survey.records
    assert (record.drivers, record.driver_members, record.migrant_workers, record.migrant_members) == (20, 5, 10, 2)
    assert not [f for f in survey.all_findings() if f.code == "name-missing"]
