"""County files made without our template, read as a county office would run qhunion on them.

Each file comes from `county_files` (headers invented from the real-world sample, not from headers.toml).
For each: `check` reads every record with the right columns, and `classify --no-ledger -f json` gives each
enterprise the county and the decision a person would give it. Bugs these files found were fixed in the
reader; each test guards one.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import county_files as cf
from rule_cases.surveys import Cli

Builder = Callable[[Path], Path]


def check_json(cli: Cli, path: Path, *extra: str) -> dict[str, Any]:
    status, out, err = cli("check", "-f", "json", path, *extra)
    assert status in (0, 1), err
    result: dict[str, Any] = json.loads(out)
    return result


def classify_json(cli: Cli, path: Path | str, *extra: str) -> list[dict[str, Any]]:
    status, out, err = cli("classify", "--no-ledger", "--no-workbook", "-f", "json", path, *extra)
    assert status in (0, 1), err
    records: list[dict[str, Any]] = json.loads(out)["records"]
    return records


def fields_of(report: dict[str, Any]) -> dict[str, str | None]:
    """header → field id, over every sheet of every file."""
    return {c["header"]: c["field"] for f in report["files"] for s in f["sheets"] for c in s["columns"]}


def codes(report: dict[str, Any]) -> set[str]:
    return {i["code"] for i in report["issues"]}


def assert_read_as_expected(cli: Cli, path: Path, expected: tuple[cf.Expect, ...]) -> list[dict[str, Any]]:
    records = classify_json(cli, path)
    got = [(r["name"], r["county"], r["decision"]) for r in records]
    assert got == [(e.name, e.county, e.decision) for e in expected]
    return records


# ── Every file: record count, counties, decisions ────────────────────────────────────────────────────

CASES: dict[str, tuple[Builder, tuple[cf.Expect, ...]]] = {
    "stat-form": (cf.stat_form, cf.STAT_FORM),
    "market-export": (cf.market_export, cf.MARKET_EXPORT),
    "web-export": (cf.web_export, cf.WEB_EXPORT),
    "grouped-header": (cf.grouped_header, cf.GROUPED_HEADER),
    "merged-county": (cf.merged_county, cf.MERGED_COUNTY),
    "first-row-county": (cf.first_row_county, cf.FIRST_ROW_COUNTY),
    "sheet-name": (cf.county_in_sheet_name, cf.SHEET_NAME),
    "title": (cf.county_in_title, cf.TITLE),
    "file-name": (cf.county_in_file_name, cf.FILE_NAME),
    "address": (cf.county_in_address, cf.ADDRESS),
    "owned-and-attached": (cf.owned_and_attached, cf.OWNED_AND_ATTACHED),
    "stacked-forms": (cf.stacked_forms, cf.STACKED_FORMS),
    "personal": (cf.personal_columns, cf.PERSONAL),
    "union-forms": (cf.union_forms, cf.UNION_FORMS),
    "two-column-forms": (cf.two_column_forms, cf.TWO_COLUMN_FORMS),
}
@pytest.mark.parametrize("case", list(CASES))
def test_every_enterprise_gets_its_county_and_decision(cli: Cli, tmp_path: Path, case: str) -> None:
    build, expected = CASES[case]
    path = build(tmp_path)
    report = check_json(cli, path)
    assert report["records"] == len(expected)
    assert report["without_region"] == 0
    assert_read_as_expected(cli, path, expected)


# ── What each layout is about ────────────────────────────────────────────────────────────────────────

def test_statistical_form_skips_the_numbering_row_the_total_and_the_signature_line(cli: Cli, tmp_path: Path) -> None:
    report = check_json(cli, cf.stat_form(tmp_path))
    assert fields_of(report) == {
        "序号": None, "单位详细名称": "name", "社会信用代码": "credit_code", "县（市、区）": "county",
        "从业人员期末人数（人）": "employees", "其中：驾驶员": "drivers", "其中：农民工": "migrant_workers",
        "自有营运货车（辆）": "vehicles_owned", "是否建立工会组织": "has_union", "工会会员人数（人）": "members"}
    assert report["records"] == 4
    assert report["errors"] == 0 and report["warnings"] == 0
    records = classify_json(cli, cf.stat_form(tmp_path))
    assert {r["prefecture"] for r in records} == {"海西蒙古族藏族自治州"}  # from the county alone


def test_market_export_takes_county_from_the_registered_address_and_statuses_as_registered(
        cli: Cli, tmp_path: Path) -> None:
    report = check_json(cli, cf.market_export(tmp_path))
    fields = fields_of(report)
    assert fields["主体名称"] == "name" and fields["住所"] == "address"
    assert fields["登记状态"] == "status" and fields["市场主体类型"] == "entity_type"
    assert fields["法定代表人（负责人、经营者）"] == "contact"
    assert "region-context" in codes(report)
    # no count columns: said once per missing field, not per row
    assert sum(i["code"] == "column-missing" for i in report["issues"]) == 3


def test_market_export_entity_kinds_are_all_known(cli: Cli, tmp_path: Path) -> None:
    report = check_json(cli, cf.market_export(tmp_path))
    assert not [i for i in report["issues"] if i["column"] == "D" and i["severity"] != "info"]


def test_web_export_reads_total_owned_and_attached_and_never_takes_attached_for_owned(
        cli: Cli, tmp_path: Path) -> None:
    path = cf.web_export(tmp_path)
    report = check_json(cli, path)
    fields = fields_of(report)
    assert (fields["营运车辆总数"], fields["其中自有车辆"], fields["其中挂靠车辆"]) == (
        "vehicles_registered", "vehicles_owned", "vehicles_attached")
    assert (fields["在职员工数"], fields["其中司机"], fields["入会人数"]) == ("employees", "drivers", "members")
    assert fields["ID"] is None and fields["数据来源"] is None
    assert report["errors"] == 0
    first = classify_json(cli, path)[0]
    assert "实际拥有车辆 15 辆 < 20 辆" in first["explanation"]  # 45 in total, 30 of them 挂靠


def test_web_export_operator_is_personal(cli: Cli, tmp_path: Path) -> None:
    assert fields_of(check_json(cli, cf.web_export(tmp_path)))["操作人"] == "reporter"


def test_grouped_header_reads_bare_sub_headers_through_their_group(cli: Cli, tmp_path: Path) -> None:
    report = check_json(cli, cf.grouped_header(tmp_path))
    assert report["files"][0]["sheets"][0]["header_rows"] == [2, 3]
    assert fields_of(report) == {
        "企业名称": "name", "所在县": "county", "合计": "vehicles_registered", "自有": "vehicles_owned",
        "挂靠": "vehicles_attached", "职工": "employees", "司机": "drivers", "农民工": "migrant_workers",
        "是否建会": "has_union", "会员": "members"}
    assert report["issues"] == []


def test_merged_county_is_carried_down_and_said_so(cli: Cli, tmp_path: Path) -> None:
    report = check_json(cli, cf.merged_county(tmp_path))
    carried = [i for i in report["issues"] if i["code"] == "region-context"]
    assert {(i["row"], i["column"]) for i in carried} == {(3, "A"), (3, "B"), (4, "A"), (5, "A"), (5, "B")}
    assert all("上方合并或分组的单元格" in i["message"] for i in carried)


def test_carried_prefecture_is_reported_as_a_prefecture(cli: Cli, tmp_path: Path) -> None:
    report = check_json(cli, cf.merged_county(tmp_path))
    carried_a = [i for i in report["issues"] if i["code"] == "region-context" and i["column"] == "A"]
    assert carried_a and not any("县（市、区）" in i["message"] for i in carried_a)


@pytest.mark.parametrize(("build", "source"), [
    (cf.county_in_sheet_name, "工作表名称"),
    (cf.county_in_title, "表格标题或填报单位"),
    (cf.county_in_file_name, "文件名"),
])
def test_county_from_the_sheet_surroundings_names_its_source(cli: Cli, tmp_path: Path, build: Builder,
                                                              source: str) -> None:
    report = check_json(cli, build(tmp_path))
    notes = [i["message"] for i in report["issues"] if i["code"] == "region-context-sheet"]
    assert len(notes) == 1 and source in notes[0]


def test_county_from_addresses_as_people_write_them(cli: Cli, tmp_path: Path) -> None:
    """化隆县 (short), a bare town 花土沟镇, the former 海东地区乐都县, 循化县 (short)."""
    records = assert_read_as_expected(cli, cf.county_in_address(tmp_path), cf.ADDRESS)
    assert [r["prefecture"] for r in records] == ["海东市", "海西蒙古族藏族自治州", "海东市", "海东市"]


def test_owned_and_attached_columns_without_a_total_raise_no_part_whole_error(cli: Cli, tmp_path: Path) -> None:
    report = check_json(cli, cf.owned_and_attached(tmp_path))
    fields = fields_of(report)
    assert fields["本企业自有货车（辆）"] == "vehicles_owned"
    assert fields["挂靠本企业货车（辆）"] == "vehicles_attached"
    assert fields["用工人数"] == "employees" and fields["工会"] == "has_union"
    assert report["errors"] == 0 and report["warnings"] == 0


def test_stacked_forms_on_one_sheet_are_one_enterprise_each(cli: Cli, tmp_path: Path) -> None:
    records = assert_read_as_expected(cli, cf.stacked_forms(tmp_path), cf.STACKED_FORMS)
    assert [r["row"] for r in records] == [2, 7, 12]


def test_union_forms_read_one_enterprise_per_sheet(cli: Cli, tmp_path: Path) -> None:
    report = check_json(cli, cf.union_forms(tmp_path))
    assert [s["records"] for s in report["files"][0]["sheets"]] == [1, 1, 1]
    assert {r["county"] for r in classify_json(cli, cf.union_forms(tmp_path))} == {"乐都区"}


def test_form_unit_line_is_context_not_a_label(cli: Cli, tmp_path: Path) -> None:
    """Smallest reproduction: a 4-column form with one 填报单位 line above it."""
    from builders import Grid, write_xlsx
    rows: list[list[Any]] = [["填报单位：海东市乐都区总工会", None, None, None],
                             ["单位名称", "甲运输有限公司", "职工人数", 12],
                             ["自有车辆（台）", 24, "是否建立工会", "是"]]
    path = write_xlsx(tmp_path / "f.xlsx", {"1": Grid(rows, [((0, 0), (0, 3))])})
    assert classify_json(cli, path)[0]["decision"] == "established"


def test_label_and_value_in_one_cell_of_a_form(cli: Cli, tmp_path: Path) -> None:
    """Smallest reproduction: a 2-column form whose vehicle line is “实际拥有车辆：30台” in one cell."""
    from builders import Grid, write_xlsx
    rows: list[list[Any]] = [["企业名称", "甲运输有限公司"], ["县（市、区）", "民和县"],
                             ["实际拥有车辆：30台", None], ["职工人数", 5]]
    path = write_xlsx(tmp_path / "f.xlsx", {"1": Grid(rows)})
    assert classify_json(cli, path)[0]["decision"] == "standalone"


# ── Personal data under unusual headers ──────────────────────────────────────────────────────────────

def test_personal_columns_under_unusual_headers_are_personal_and_stay_out_of_outputs(
        cli: Cli, tmp_path: Path) -> None:
    path = cf.personal_columns(tmp_path)
    report = check_json(cli, path)
    fields = fields_of(report)
    assert (fields["老板姓名"], fields["手机号"], fields["经营者身份证号码"], fields["填表人员"]) == (
        "contact", "phone", "id_number", "reporter")
    assert report["records"] == 2  # the contact line under the table is no enterprise
    status, out, _ = cli("classify", "--no-ledger", "--no-workbook", "-f", "json", path)
    assert status == 0
    status, table, _ = cli("check", path)
    assert status == 0
    for value in cf.PERSONAL_VALUES:
        assert value not in out and value not in table


# ── The mapping workflow: suggestion, pasted line, saved map ─────────────────────────────────────────

def test_unknown_column_gets_candidates_and_a_map_line_that_reads_clean(cli: Cli, tmp_path: Path) -> None:
    path = cf.unknown_column(tmp_path)
    status, out, _ = cli("check", path)
    assert status == 0
    assert "C 列“运力”可能是" in out and "实际拥有车辆数" in out
    suggested = next(line.split("--map ", 1)[1].strip().strip('"') for line in out.splitlines()
                     if line.strip().startswith("qhunion check") and "--map" in line)
    assert suggested.startswith("C=")
    # pasted back as suggested: the column is no longer doubtful
    again = check_json(cli, path, "--map", suggested)
    assert "column-unsure" not in codes(again)
    # corrected to what 运力 means here: nothing left to warn about, decisions by owned vehicles
    fixed = check_json(cli, path, "--map", "C=实际拥有车辆数")
    assert fixed["warnings"] == 0 and fixed["errors"] == 0
    records = classify_json(cli, path, "--map", "C=实际拥有车辆数")
    assert [(r["name"], r["county"], r["decision"]) for r in records] == [
        (e.name, e.county, e.decision) for e in cf.UNKNOWN_COLUMN]
    assert "实际拥有车辆 24 辆" in records[0]["explanation"]


def test_saved_map_reads_the_next_round_of_the_same_layout(cli: Cli, tmp_path: Path) -> None:
    first = cf.unknown_column(tmp_path)
    status, _, err = cli("check", first, "--map", "运力=实际拥有车辆数", "--write-map", tmp_path / "平安.toml")
    assert status == 0 and (tmp_path / "平安.toml").exists(), err
    later = tmp_path / "later"
    later.mkdir()
    second = cf.unknown_column(later)
    report = check_json(cli, second, "--map-file", tmp_path / "平安.toml")
    assert fields_of(report)["运力"] == "vehicles_owned"
    assert report["warnings"] == 0


# ── summary FILE…: no figure lost ────────────────────────────────────────────────────────────────────

def test_summary_of_several_county_files_loses_no_enterprise_or_figure(cli: Cli, tmp_path: Path) -> None:
    builders = (cf.stat_form, cf.first_row_county, cf.grouped_header, cf.web_export, cf.county_in_address,
                cf.market_export)
    paths = []
    for n, build in enumerate(builders):
        folder = tmp_path / str(n)
        folder.mkdir()
        paths.append(build(folder))
    status, out, err = cli("summary", "-f", "json", *paths)
    assert status == 0, err
    total = json.loads(out)["total"]
    assert total["enterprises"] == 4 + 5 + 3 + 3 + 4 + 4
    assert total["employees"] == 84 + 54 + 47 + 52 + 45
    assert total["members"] == 38 + 28
    assert total["drivers"] == 68 + 39 + 45
    assert total["excluded"] == 1 and total["unverified"] == 3
    rows = {r["region"]: r["enterprises"] for r in json.loads(out)["rows"]}
    assert rows["海西蒙古族藏族自治州"] == 4 + 3 + 1
    assert rows["西宁市"] == 4


# ── Single headers from county forms, one at a time ──────────────────────────────────────────────────

@pytest.mark.parametrize(("header", "field"), [
    ("参加工会人数", "members"),  # was read as 是否已建工会 before headers.toml's members line took 参加工会
    ("自备车（辆）", "vehicles_owned"),  # 自备 = own; added to the ownership words in headers.toml
    ("工会组建情况", "has_union"),
    ("入会职工数", "members"),
    ("纳税人名称", "name"),
    ("经营者姓名", "contact"),
    ("联系方式", "phone"),
    ("依托物流园区", "anchor"),
    ("存在问题及建议", "suggestions"),
    ("劳动合同人数", "employees"),  # 劳动合同 is an employees word now
    ("所属乡镇（街道）", "county"),  # a town column names the county (places.py knows the towns)
])
def test_one_header_from_a_county_form(cli: Cli, tmp_path: Path, header: str, field: str) -> None:
    from builders import Grid, write_xlsx
    value: Any = {"members": 5, "vehicles_owned": 5, "has_union": "否", "name": "甲运输有限公司",
                  "contact": "张某某", "phone": "13900000000", "anchor": "朝阳物流园", "suggestions": "希望提供法律服务",
                  "employees": 8, "county": "鲁沙尔镇"}[field]
    others = {"name": (("县（市、区）", "城北区"), ("职工人数", 3)),
              "county": (("企业名称", "乙货运有限公司"), ("职工人数", 3))}.get(
        field, (("企业名称", "乙货运有限公司"), ("县（市、区）", "城北区")))
    rows = [[h for h, _ in others] + [header]]
    body: list[Any] = [v for _, v in others] + [value]
    path = write_xlsx(tmp_path / "f.xlsx", {"S": Grid([*rows, body, body])})
    assert fields_of(check_json(cli, path))[header] == field


def test_owned_and_attached_as_其中_beside_a_vehicle_total(cli: Cli, tmp_path: Path) -> None:
    from builders import Grid, write_xlsx
    header = ["企业名称", "县（市、区）", "车辆数（台）", "其中：自有", "其中：挂靠", "职工人数"]
    path = write_xlsx(tmp_path / "f.xlsx", {"S": Grid([header, ["甲运输有限公司", "城北区", 30, 22, 8, 5]])})
    fields = fields_of(check_json(cli, path))
    assert (fields["其中：自有"], fields["其中：挂靠"]) == ("vehicles_owned", "vehicles_attached")
