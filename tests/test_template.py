"""`qhunion template` (issue 2, item 10): the workbook staff hand out — canonical header, drop-down lists,
number checks, frozen header, a 填表说明 sheet and one example row — and the round trip: filled with the
drop-down values, it reads back with no error or warning."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from openpyxl.utils import column_index_from_string as column_index

from builders import uscc
from qhunion.decide.ruleset import packaged
from qhunion.fields import FieldKind
from qhunion.recognise.intake import RECORD_FIELDS, read_survey
from qhunion.xlsx.template import EXAMPLE_MARK, HELP_SHEET, SHEET, TEMPLATE_FIELDS
from rule_cases.surveys import run

openpyxl = pytest.importorskip("openpyxl")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "调查表模板.xlsx"
    status, _, err = run("template", "-o", path)
    assert status == 0, err
    assert f"已写出调查表模板：{path}" in err
    return path


def _choices(book: Any) -> dict[str, list[str]]:
    """Column letter → the values its drop-down list offers, read from the ranges the validations name."""
    ws, help_ws = book[SHEET], book[HELP_SHEET]
    lists: dict[str, list[str]] = {}
    for dv in ws.data_validations.dataValidation:
        if dv.type != "list" or dv.formula1.startswith("IFERROR"):  # the county list: see test_county_list…
            continue
        m = re.fullmatch(r"'?(.+?)'?!\$([A-Z]+)\$(\d+):\$([A-Z]+)\$(\d+)", dv.formula1)
        assert m and m.group(1) == HELP_SHEET, dv.formula1
        cells = help_ws[f"{m.group(2)}{m.group(3)}:{m.group(4)}{m.group(5)}"]
        column = re.match(r"[A-Z]+", str(dv.sqref)).group(0)  # type: ignore[union-attr]
        lists[column] = [row[0].value for row in cells]
    return lists


def test_template_layout(template: Path) -> None:
    book = openpyxl.load_workbook(template)
    assert book.sheetnames == [SHEET, HELP_SHEET]
    ws = book[SHEET]
    assert [c.value for c in ws[1]] == ["序号", *(f.label for f in TEMPLATE_FIELDS)]
    assert ws.freeze_panes == "C2"
    assert ws["A2"].value == EXAMPLE_MARK
    help_text = " ".join(str(c.value) for row in book[HELP_SHEET].iter_rows() for c in row if c.value)
    assert "不含挂靠车辆" in help_text  # 实际拥有车辆 excludes 挂靠 vehicles
    assert "实际拥有车辆 20 辆以上单独建会" in help_text and "{" not in help_text  # the rule set's numbers
    for f in TEMPLATE_FIELDS:
        assert f.label in help_text and packaged().filled(f.help) in help_text


def test_template_validations(template: Path) -> None:
    book = openpyxl.load_workbook(template)
    lists = _choices(book)
    letters = {f.id: openpyxl.utils.get_column_letter(i + 2) for i, f in enumerate(TEMPLATE_FIELDS)}
    assert lists[letters["prefecture"]][:2] == ["西宁市", "海东市"] and len(lists[letters["prefecture"]]) == 8
    assert lists[letters["has_union"]] == ["是", "否"]
    assert lists[letters["status"]] == ["正常", "停业", "歇业", "注销", "吊销"]
    assert "个体货运户" in lists[letters["entity_type"]]
    assert "货车司机" in lists[letters["group"]] and "物流（快递）" in lists[letters["domain"]]
    numbers = {str(dv.sqref)[:2].rstrip("0123456789"): (dv.type, dv.formula1, dv.formula2)
               for dv in book[SHEET].data_validations.dataValidation if dv.type != "list"}
    counts = [letters[f.id] for f in TEMPLATE_FIELDS if f.kind is FieldKind.COUNT]
    assert sorted(numbers) == sorted(counts)
    assert set(numbers.values()) == {("whole", "0", "100000")}


def test_empty_template_reads_as_a_survey_without_records(template: Path) -> None:
    survey = read_survey([template])
    (layout, help_layout) = survey.layouts
    assert layout.header_rows == (1,)
    assert {c.field for c in layout.columns} == {None, *(f.id for f in TEMPLATE_FIELDS)}
    assert layout.records == 0  # the example row is not a record
    assert help_layout.skipped == "no-header"
    assert [f.code for f in survey.all_findings()] == ["sheet-skipped"]


def test_round_trip(template: Path, tmp_path: Path) -> None:
    book = openpyxl.load_workbook(template)
    lists = _choices(book)
    ws = book[SHEET]
    letter = {f.id: openpyxl.utils.get_column_letter(i + 2) for i, f in enumerate(TEMPLATE_FIELDS)}
    counties = _county_lists(book)

    def pick(field: str, value: str) -> str:
        if field == "county":
            assert value in counties[filled_prefecture[0]], value
        else:
            assert value in lists[letter[field]], (field, value)
            filled_prefecture[:] = [value] if field == "prefecture" else filled_prefecture
        return value

    filled_prefecture: list[str] = [""]

    places = [("西宁市", "城北区", "630105"), ("海西蒙古族藏族自治州", "格尔木市", "632801"),
              ("海东市", "乐都区", "630202")]
    filled = []
    for n, (pref, county, code) in enumerate(places, start=1):
        row = {
            "name": f"测试第{n}物流有限公司", "credit_code": uscc(code, org=f"MA752XK{n:02d}"),
            "prefecture": pick("prefecture", pref), "county": pick("county", county), "address": f"{county}某路{n}号",
            "entity_type": pick("entity_type", ["企业", "个体工商户", "物流园区"][n - 1]),
            "status": pick("status", "正常"), "domain": pick("domain", "物流（快递）"),
            "group": pick("group", "货车司机"),
            "vehicles_registered": 30 * n, "vehicles_owned": 20 * n, "employees": 25 * n, "drivers": 20 * n,
            "migrant_workers": 10 * n, "has_union": pick("has_union", ["是", "否", "是"][n - 1]),
            "union_name": f"测试第{n}物流有限公司工会委员会", "members": 15 * n, "driver_members": 10 * n,
            "migrant_members": 5 * n, "anchor": "朝阳物流园", "willingness": "愿意", "suggestions": "希望提供法律服务",
            "contact": "王某某", "phone": "13800000000", "reporter": "李某某",
        }
        ws[f"A{n + 2}"] = n
        for fid, value in row.items():
            if value != "":
                ws[f"{letter[fid]}{n + 2}"] = value
        filled.append(row)
    out = tmp_path / "已填.xlsx"
    book.save(out)

    status, text, err = run("check", out, "--format", "json")
    assert status == 0, err
    data = json.loads(text)
    assert data["records"] == 3
    assert [(i["severity"], i["code"]) for i in data["issues"]] == [("info", "sheet-skipped")]

    records = read_survey([out]).records
    assert [r.row for r in records] == [3, 4, 5]
    for record, row in zip(records, filled, strict=True):
        cells = record.cells
        for fid, value in row.items():
            if fid not in RECORD_FIELDS:  # free text and personal data: kept only in the row as typed
                assert cells[column_index(letter[fid]) - 1] == (value if value != "" else ""), fid
                continue
            expected = {"是": True, "否": False}.get(value, value) if fid == "has_union" else value
            assert getattr(record, fid) == (expected if value != "" else None), fid


def _county_lists(book: Any) -> dict[str, list[str]]:
    """Prefecture → the counties its defined name points at, as the county drop-down's INDIRECT finds them."""
    help_ws = book[HELP_SHEET]
    names = {n: dn.attr_text for n, dn in book.defined_names.items()}
    table = names["QH_PREF_MAP"].split("!")[1].replace("$", "")
    lists = {}
    for pref, name in help_ws[table]:
        ref = names[name.value].split("!")[1].replace("$", "")
        lists[pref.value] = [row[0].value for row in help_ws[ref]]
    lists[""] = [row[0].value for row in help_ws[names["QH_COUNTIES"].split("!")[1].replace("$", "")]]
    return lists


def test_county_list_follows_the_prefecture(template: Path) -> None:
    """Issue 13: the county drop-down offers the chosen 市（州）'s counties, by names every spreadsheet accepts."""
    book = openpyxl.load_workbook(template)
    ws = book[SHEET]
    letters = {f.id: openpyxl.utils.get_column_letter(i + 2) for i, f in enumerate(TEMPLATE_FIELDS)}
    (county,) = [dv for dv in ws.data_validations.dataValidation if str(dv.sqref).startswith(letters["county"])]
    assert county.type == "list"
    assert county.formula1 == (f"IFERROR(INDIRECT(VLOOKUP(${letters['prefecture']}2,QH_PREF_MAP,2,FALSE)),"
                               "QH_COUNTIES)")
    assert all(re.fullmatch(r"[A-Z_][A-Z0-9_]*", name) for name in book.defined_names)
    lists = _county_lists(book)
    assert len(lists) == 9 and len(lists[""]) == 45
    assert "城北区" in lists["西宁市"] and "格尔木市" not in lists["西宁市"]
    assert "格尔木市" in lists["海西蒙古族藏族自治州"]
    assert sorted(c for p, cs in lists.items() if p for c in cs) == sorted(lists[""])


def test_codes_and_phones_are_text_and_no_id_number_is_asked(template: Path) -> None:
    """Issue 13: an 18-digit code typed into a General cell becomes 1.2E+17; 个人信息保护法: no 身份证号."""
    book = openpyxl.load_workbook(template)
    ws = book[SHEET]
    header = [c.value for c in ws[1]]
    assert "身份证号" not in header and "身份证号" not in str([c.value for r in book[HELP_SHEET].iter_rows() for c in r])
    for label in ("统一社会信用代码", "联系电话"):
        letter = openpyxl.utils.get_column_letter(header.index(label) + 1)
        assert ws.column_dimensions[letter].number_format == "@", label
    assert ws.column_dimensions["K"].number_format != "@"  # counts stay numbers
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$1:$1"


def test_the_written_path_is_said_masked_and_escaped(cli: Any, tmp_path: Path) -> None:
    """Every “已写出…” line goes through one function: a phone number in the name is masked and a control
    character escaped, as in every other message (cli.py printed this path raw)."""
    status, _, err = cli("template", "-o", tmp_path / "模板13912345678\x1b[2J.xlsx")
    assert status == 0, err
    assert "已写出调查表模板：" in err and "13912345678" not in err and "\x1b" not in err, err
