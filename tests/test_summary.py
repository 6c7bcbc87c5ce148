"""`summary` against hand-computed figures for a small multi-county fixture held in a real SQLite ledger.

Round 2018-04 surveys eleven enterprises in five counties of four prefectures; round 2018-08 resurveys two of
them (甲 has formed its union, 壬 too) and adds one (子). Every expected number below was worked out by hand
from the table in `ROUND_1`/`ROUND_2`, not by the code under test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from stdnum.cn.uscc import calc_check_digit

from qhunion.decide.ruleset import packaged
from qhunion.ledger import Ledger, Source
from qhunion.records import Record
from qhunion.rules import classify
from qhunion.summary import UnknownRegion, scope_of, summarize
from rule_cases.surveys import run

RS = packaged()
XN, HD, HB, HX = "西宁市", "海东市", "海北藏族自治州", "海西蒙古族藏族自治州"


def code(n: int) -> str:
    base = f"91630100MA{n:07d}"
    return base + calc_check_digit(base)


def rec(name: str, n: int | None, pref: str, county: str, **kw: Any) -> Record:
    r = Record("fixture.xlsx", "Sheet1", 3, name=name, prefecture=pref, county=county,
               entity_type=kw.pop("entity_type", "企业"), **kw)
    if n is not None:
        r.credit_code, r.credit_valid = code(n), True
    return r


# name, code, prefecture, county, fields                                         → decision (三（二）requires?)
ROUND_1 = [
    rec("甲物流有限公司", 1, XN, "城北区", vehicles_owned=30, employees=40, drivers=30,
        migrant_workers=20, has_union=False),                                           # standalone (yes)
    rec("乙运输有限公司", 2, XN, "城北区", vehicles_owned=25, employees=50, drivers=35, migrant_workers=30,
        has_union=True, members=40, driver_members=30, migrant_members=15),             # established (yes)
    rec("丙货运有限公司", 3, XN, "城北区", vehicles_owned=5, employees=8, drivers=6, migrant_workers=5,
        has_union=False, anchor="[朝阳]物流园"),                                         # joint (no)
    rec("丁个体货运部", None, XN, "湟中区", entity_type="个体货运户", vehicles_owned=2, employees=2,
        drivers=2, migrant_workers=2),                                                  # territorial (no)
    rec("戊物流有限公司", 5, XN, "湟中区", status="注销", vehicles_owned=22, employees=30, drivers=20,
        migrant_workers=10),                                                            # excluded (not counted)
    rec("己运输有限公司", 6, XN, "湟中区", drivers=3, migrant_workers=1),                  # unverified (no)
    rec("庚快递有限公司", 7, HD, "乐都区", group="快递员", employees=30, drivers=0, migrant_workers=10,
        has_union=True, members=20, driver_members=0, migrant_members=6),                # established (yes)
    rec("辛货运有限公司", 8, HB, "祁连县", vehicles_owned=3, employees=5, drivers=4, migrant_workers=4,
        has_union=False),                                                               # joint (no)
    rec("壬物流有限公司", 9, HX, "格尔木市", vehicles_owned=20, employees=10, drivers=10,
        migrant_workers=10, has_union=False),                                           # standalone (yes: 20 辆)
    rec("癸保安服务有限公司", 10, XN, "城北区", group="保安员", employees=12, migrant_workers=0,
        has_union=False),                                                               # joint (no)
    rec("城北家政服务部", 11, XN, "城北区", group="家政服务员", employees=3, migrant_workers=3,
        has_union=False),                                                               # joint (no)
]
EXPECTED_1 = ["standalone", "established", "joint", "territorial", "excluded", "unverified", "established",
              "joint", "standalone", "joint", "joint"]

ROUND_2 = [
    rec("甲物流有限公司", 1, XN, "城北区", vehicles_owned=30, employees=40, drivers=30, migrant_workers=20,
        has_union=True, members=35, driver_members=28, migrant_members=14),             # established (yes)
    rec("子物流有限公司", 12, XN, "城北区", vehicles_owned=21, employees=26, drivers=20, migrant_workers=15,
        has_union=False),                                                               # standalone (yes)
    rec("壬物流有限公司", 9, HX, "格尔木市", vehicles_owned=20, employees=10, drivers=10, migrant_workers=10,
        has_union=True, members=8, driver_members=8, migrant_members=6),                # established (yes)
]
EXPECTED_2 = ["established", "standalone", "established"]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def ledger_path(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The fixture ledger, once in an SQLite file and once in a PostgreSQL database: every test runs on both."""
    if request.param == "sqlite":
        path = str(tmp_path_factory.mktemp("summary") / "ledger.db")
    else:
        path = request.getfixturevalue("pg_cluster").new_database()
    with Ledger(path) as ledger:
        for label, records, expected in (("2018-04", ROUND_1, EXPECTED_1), ("2018-08", ROUND_2, EXPECTED_2)):
            decisions = classify(records, RS)
            assert [d.code for d in decisions] == expected  # the fixture is what the table says
            ledger.add(Source(f"{label}.xlsx", label * 4), list(zip(records, decisions, strict=True)), RS, label)
    return path


@pytest.fixture()
def ledger(ledger_path: str) -> Any:
    with Ledger(ledger_path, create=False) as opened:
        yield opened


def rows_by_label(summary: Any) -> dict[str, dict[str, Any]]:
    return {r["label"]: r for r in summary.as_dict()["rows"]}


def picked(row: dict[str, Any], keys: str) -> dict[str, Any]:
    return {k: row[k] for k in keys.split()}


COUNTS = "enterprises standalone joint industry territorial established excluded unverified"
UNION = "required required_with_union to_form union_rate"
WORK = ("employees members membership_rate drivers driver_members driver_membership_rate migrant_workers "
        "migrant_members migrant_membership_rate migrant_target_gap")


# ── Regions ──────────────────────────────────────────────────────────────────────────────────────────
@pytest.mark.parametrize(("text", "name", "level"), [
    (None, "青海省", "province"), ("西宁", XN, "prefecture"), ("西宁市", XN, "prefecture"),
    ("海西州", HX, "prefecture"), ("格尔木", "格尔木市", "county"), ("湟中县", "湟中区", "county"),
])
def test_region_aliases(text: str | None, name: str, level: str) -> None:
    scope = scope_of(text)
    assert (scope.name, scope.level) == (name, level)
    assert scope.former == (text == "湟中县")


def test_unknown_region_names_the_nearest() -> None:
    with pytest.raises(UnknownRegion, match=r"西凝.*西宁市"):
        scope_of("西凝")


# ── By prefecture (the province), round 2018-04 ──────────────────────────────────────────────────────
def test_province_by_prefecture_first_round(ledger: Ledger) -> None:
    s = summarize(ledger, RS, round_label="2018-04")
    assert s.by == "prefecture"
    rows = rows_by_label(s)
    assert list(rows) == [XN, HD, HB, "黄南藏族自治州", "海南藏族自治州", "果洛藏族自治州", "玉树藏族自治州", HX]
    # 西宁: 甲 乙 丙 丁 戊 己 癸 家政; 戊 is closed, so not required and not in the workforce figures.
    assert picked(rows[XN], COUNTS) == dict(zip(COUNTS.split(), [8, 1, 3, 0, 1, 1, 1, 1], strict=True))
    assert picked(rows[XN], UNION) == {"required": 2, "required_with_union": 1, "to_form": 1, "union_rate": 0.5}
    assert picked(rows[XN], WORK) == {
        # Issue 11: rates over the enterprises that reported members (乙 alone), not blanks as 0.
        "employees": 115, "members": 40, "membership_rate": 0.8,  # 40/50
        "drivers": 76, "driver_members": 30, "driver_membership_rate": 0.8571,  # 30/35
        "migrant_workers": 61, "migrant_members": 15, "migrant_membership_rate": 0.5,  # 15/30
        "migrant_target_gap": 22,  # ⌈0.6 × 61⌉ = 37, less 15
    }
    assert rows[XN]["pilot"] is True
    # 海东: 0.6 × 10 migrant workers is exactly 6 members, which 庚 has: no gap (a float ceiling would say 1).
    assert picked(rows[HD], "enterprises established required union_rate migrant_target_gap") == {
        "enterprises": 1, "established": 1, "required": 1, "union_rate": 1.0, "migrant_target_gap": 0}
    assert rows[HD]["driver_membership_rate"] is None  # no drivers: no rate, not 0 %
    assert picked(rows[HB], "enterprises joint required union_rate migrant_target_gap pilot") == {
        "enterprises": 1, "joint": 1, "required": 0, "union_rate": None, "migrant_target_gap": 3, "pilot": False}
    assert picked(rows[HX], "enterprises standalone required to_form union_rate pilot") == {
        "enterprises": 1, "standalone": 1, "required": 1, "to_form": 1, "union_rate": 0.0, "pilot": True}
    assert rows["玉树藏族自治州"]["enterprises"] == 0  # a prefecture that has not reported shows as 0
    total = s.as_dict()["total"]
    assert picked(total, COUNTS) == dict(zip(COUNTS.split(), [11, 2, 4, 0, 1, 2, 1, 1], strict=True))
    assert picked(total, UNION) == {"required": 4, "required_with_union": 2, "to_form": 2, "union_rate": 0.5}
    assert picked(total, "employees members drivers driver_members migrant_workers migrant_members "
                         "migrant_target_gap") == {
        "employees": 160, "members": 60, "drivers": 90, "driver_members": 30, "migrant_workers": 85,
        "migrant_members": 21, "migrant_target_gap": 30}  # ⌈0.6 × 85⌉ = 51, less 21
    assert (total["label"], total["region"], total["pilot"]) == ("合计", "青海省", False)


def test_current_records_take_the_later_round(ledger: Ledger) -> None:
    s = summarize(ledger, RS)  # current = as of 2018-08: 甲 has a union now, 子 is new, 壬 has a union
    rows = rows_by_label(s)
    assert picked(rows[XN], COUNTS) == dict(zip(COUNTS.split(), [9, 1, 3, 0, 1, 2, 1, 1], strict=True))
    assert picked(rows[XN], UNION) == {"required": 3, "required_with_union": 2, "to_form": 1, "union_rate": 0.6667}
    assert picked(rows[XN], "employees members drivers driver_members migrant_workers migrant_members "
                            "migrant_target_gap") == {
        "employees": 141, "members": 75, "drivers": 96, "driver_members": 58, "migrant_workers": 76,
        "migrant_members": 29, "migrant_target_gap": 17}  # ⌈45.6⌉ = 46, less 29
    assert picked(rows[HX], "established union_rate migrant_target_gap") == {
        "established": 1, "union_rate": 1.0, "migrant_target_gap": 0}
    assert s.as_dict()["total"]["enterprises"] == 12


# ── By county: --region 西宁, 格尔木, 湟中县 ──────────────────────────────────────────────────────────────
def test_prefecture_region_lists_its_counties(ledger: Ledger) -> None:
    s = summarize(ledger, RS, region="西宁", round_label="2018-04")
    assert (s.by, s.scope.name) == ("county", XN)
    rows = rows_by_label(s)
    assert list(rows) == ["城东区", "城中区", "城西区", "城北区", "湟中区", "大通回族土族自治县", "湟源县"]
    assert picked(rows["城北区"], COUNTS + " " + UNION) == {
        "enterprises": 5, "standalone": 1, "joint": 3, "industry": 0, "territorial": 0, "established": 1,
        "excluded": 0, "unverified": 0, "required": 2, "required_with_union": 1, "to_form": 1, "union_rate": 0.5}
    assert picked(rows["城北区"], WORK) == {
        "employees": 113, "members": 40, "membership_rate": 0.8, "drivers": 71, "driver_members": 30,
        "driver_membership_rate": 0.8571, "migrant_workers": 58, "migrant_members": 15,
        "migrant_membership_rate": 0.5, "migrant_target_gap": 20}  # ⌈34.8⌉ = 35, less 15
    # 甲 丙 癸 家政 left the member count blank: counted apart, not as 0 (issue 11).
    assert rows["城北区"]["members_unreported"] == 4
    assert picked(rows["湟中区"], COUNTS + " employees drivers migrant_workers migrant_target_gap") == {
        "enterprises": 3, "standalone": 0, "joint": 0, "industry": 0, "territorial": 1, "established": 0,
        "excluded": 1, "unverified": 1, "employees": 2, "drivers": 5, "migrant_workers": 3,
        "migrant_target_gap": 2}
    assert rows["城北区"]["prefecture"] == XN and rows["城北区"]["region"] == "城北区"
    assert s.as_dict()["total"]["enterprises"] == 8 and s.as_dict()["total"]["region"] == XN


@pytest.mark.parametrize(("region", "county", "enterprises"), [("格尔木", "格尔木市", 1), ("湟中县", "湟中区", 3)])
def test_county_region_is_one_row(ledger: Ledger, region: str, county: str, enterprises: int) -> None:
    for by in (None, "prefecture", "county"):  # a county's figures are never shown as its prefecture's
        s = summarize(ledger, RS, region=region, by=by, round_label="2018-04")
        data = s.as_dict()
        assert [r["label"] for r in data["rows"]] == [county]
        assert data["rows"][0]["enterprises"] == data["total"]["enterprises"] == enterprises


# ── By decision, group, responsible union, anchor ────────────────────────────────────────────────────
def test_by_decision(ledger: Ledger) -> None:
    s = summarize(ledger, RS, by="decision", round_label="2018-04")
    rows = {r["decision"]: r for r in s.as_dict()["rows"]}
    assert list(rows) == ["standalone", "joint", "industry", "territorial", "established", "excluded", "unverified",
                          "deferred"]
    assert rows["standalone"]["label"] == "单独建会"
    assert {k: r["enterprises"] for k, r in rows.items()} == {
        "standalone": 2, "joint": 4, "industry": 0, "territorial": 1, "established": 2, "excluded": 1,
        "unverified": 1, "deferred": 0}
    assert picked(rows["standalone"], "employees drivers migrant_workers to_form") == {  # 甲, 壬
        "employees": 50, "drivers": 40, "migrant_workers": 30, "to_form": 2}
    assert picked(rows["excluded"], "enterprises employees required") == {"enterprises": 1, "employees": 0,
                                                                          "required": 0}
    assert rows["joint"]["region"] == "青海省"


def test_by_group(ledger: Ledger) -> None:
    s = summarize(ledger, RS, by="group", round_label="2018-04")
    rows = rows_by_label(s)
    assert list(rows) == ["货车司机", "快递员", "家政服务员", "保安员"]  # the document's order; blank = 货车司机
    assert [rows[g]["enterprises"] for g in rows] == [8, 1, 1, 1]
    assert picked(rows["货车司机"], "employees members required required_with_union") == {
        "employees": 115, "members": 40, "required": 3, "required_with_union": 1}  # 甲 乙 壬 required


def test_by_responsible_union(ledger: Ledger) -> None:
    s = summarize(ledger, RS, by="responsible", round_label="2018-04")
    data = s.as_dict()
    rows = [(r["responsible"], r["group"], r["enterprises"], r["pilot"]) for r in data["rows"]]
    assert rows == [
        ("西宁市总工会", "货车司机", 6, True),  # 甲 乙 丙 丁 戊 己; prefectures in the gazetteer's order
        ("海北州总工会", "货车司机", 1, False),
        ("海西州总工会", "货车司机", 1, True),
        ("省交通工会", "货车司机", 8, True),  # 五（二）'s pilot units: rows of their own (issue 11)
        ("省经贸工会", "货车司机", 8, True),
        ("省电信工会", "快递员", 1, False),  # 五（三）: 快递员 — 省邮政工会、省电信工会, each with 庚
        ("省邮政工会", "快递员", 1, False),
        ("城北区总工会", "保安员", 1, False),  # 保安员: 所属地工会
        ("（未明确）", "家政服务员", 1, False),  # 五（三） names no union for 家政服务员
    ]
    assert data["total"]["enterprises"] == 11  # 庚 counted once in the total, under two unions in the rows
    assert any("各行相加多于合计" in n for n in data["notes"])


def test_by_anchor(ledger: Ledger) -> None:
    s = summarize(ledger, RS, region="西宁", by="anchor", round_label="2018-04")
    rows = rows_by_label(s)
    assert list(rows) == ["[朝阳]物流园", "（无依托）"]
    assert picked(rows["[朝阳]物流园"], "enterprises joint employees") == {"enterprises": 1, "joint": 1,
                                                                     "employees": 8}
    assert rows["（无依托）"]["enterprises"] == 7 and rows["（无依托）"]["anchor"] is None


# ── Rounds ───────────────────────────────────────────────────────────────────────────────────────────
def test_compare_rounds(ledger: Ledger) -> None:
    s = summarize(ledger, RS, region="西宁", round_label="2018-08", compare="2018-04")
    rows = rows_by_label(s)
    assert picked(rows["城北区"], "new_unions new_members new_driver_members new_migrant_members") == {
        "new_unions": 1, "new_members": 35, "new_driver_members": 28, "new_migrant_members": 14}
    # Over the enterprises that reported members: 75/90 = 0.8333 now, 40/50 = 0.8 then; 建会率 2/3 now, 1/2 then.
    assert rows["城北区"]["membership_rate_change"] == 0.0333
    assert rows["城北区"]["union_rate_change"] == 0.1667
    assert picked(rows["湟中区"], "new_unions new_members membership_rate_change union_rate_change") == {
        "new_unions": 0, "new_members": 0, "membership_rate_change": None, "union_rate_change": None}
    assert s.as_dict()["total"]["new_unions"] == 1


def test_unknown_round_lists_the_known(ledger: Ledger) -> None:
    from qhunion.ledger import UnknownRound

    # Issue 13 changed which rounds are unknown: only one before every import (a later one reads the latest).
    with pytest.raises(UnknownRound, match="2018-04、2018-08"):
        summarize(ledger, RS, round_label="2017-12")


def test_a_round_without_imports_reads_the_latest_earlier_one_and_says_so(ledger: Ledger) -> None:
    """Issue 13: “as of” 2019-01, when nothing was imported then, is the state at the end of 2018-08."""
    s = summarize(ledger, RS, region="西宁", round_label="2019-01")
    assert s.round_label == "2018-08"
    assert (note := s.note("round-nearest")) and "2019-01" in note.text and "2018-08" in note.text
    assert s.as_dict()["total"] == summarize(ledger, RS, region="西宁", round_label="2018-08").as_dict()["total"]
    between = summarize(ledger, RS, region="西宁", round_label="2018-06")
    assert between.round_label == "2018-04" and (n := between.note("round-nearest")) and "2018-06" in n.text


def test_rounds_are_one_spelling_and_compare_comes_first(ledger: Ledger) -> None:
    """Issue 13: --round 2018-8 is 2018-08; --compare later than --round is swapped with a note, so 新建工会
    is never negative."""
    assert summarize(ledger, RS, region="西宁", round_label="2018-8").round_label == "2018-08"
    right = summarize(ledger, RS, region="西宁", round_label="2018-08", compare="2018-04")
    reversed_ = summarize(ledger, RS, region="西宁", round_label="2018.4", compare="2018年8月")
    assert (reversed_.round_label, reversed_.compare) == ("2018-08", "2018-04")
    assert reversed_.note("round-swapped") and "对调" in str(reversed_.as_dict()["notes"])
    assert right.note("round-swapped") is None
    assert reversed_.as_dict()["rows"] == right.as_dict()["rows"]
    assert reversed_.as_dict()["total"]["new_unions"] == 1


# ── The command ──────────────────────────────────────────────────────────────────────────────────────
REQUIRED_KEYS = {"region", "enterprises", "standalone", "joint", "industry", "territorial", "established",
                 "excluded", "unverified", "employees", "members", "membership_rate", "drivers",
                 "driver_members", "migrant_workers", "migrant_members", "migrant_membership_rate",
                 "migrant_target_gap"}


def test_json_output(ledger_path: str) -> None:
    status, out, err = run("summary", "--db", ledger_path, "--region", "西宁", "-f", "json")
    assert status == 0, err
    data = json.loads(out)
    assert {"rows", "total", "rule_set", "generated_at"} <= set(data)
    assert data["rule_set"] == RS.stamp
    for row in [*data["rows"], data["total"]]:
        assert row.keys() >= REQUIRED_KEYS
    assert [r["label"] for r in data["rows"]][3] == "城北区"


def test_anchor_table_shows_brackets_as_written(ledger_path: str) -> None:
    status, out, _ = run("summary", "--db", ledger_path, "-r", "西宁", "-b", "anchor")
    assert status == 0 and "[朝阳]物流园" in out  # survey text is never read as markup


def test_unknown_region_is_usage_error(ledger_path: str) -> None:
    status, out, err = run("summary", "--db", ledger_path, "--region", "西凝")
    assert status == 2
    assert "西宁市" in err and "Traceback" not in out + err


def test_compare_table_and_csv(ledger_path: str, tmp_path: Path) -> None:
    status, text, err = run("summary", "--db", ledger_path, "-r", "西宁", "--compare", "2018-04")
    assert status == 0, err
    assert "与轮次 2018-04 相比" in text and "城北区" in text
    out = tmp_path / "s.csv"
    status, _, err = run("summary", "--db", ledger_path, "-b", "responsible", "-o", out)
    assert status == 0, err
    lines = out.read_text("utf-8-sig").splitlines()
    assert lines[0].startswith("label,region,responsible,group,pilot,enterprises")
    assert lines[-1].startswith("合计,青海省")


def test_xlsx_has_table_and_charts(ledger_path: str, tmp_path: Path) -> None:
    import openpyxl

    out = tmp_path / "汇总.xlsx"
    status, _, err = run("summary", "--db", ledger_path, "-r", "西宁", "-f", "xlsx", "-o", out)
    assert status == 0, err
    with zipfile.ZipFile(out) as z:
        assert {"xl/charts/chart1.xml", "xl/charts/chart2.xml"} <= set(z.namelist())
    ws = openpyxl.load_workbook(out)["汇总"]
    assert ws.cell(1, 7).value == "企业数" and ws.cell(5, 1).value == "城北区" and ws.cell(5, 7).value == 6
    assert ws.cell(9, 1).value == "合计" and ws.cell(9, 7).value == 9
    assert not list(tmp_path.glob(".~*"))  # written atomically: no temporary file left behind


def test_summary_of_files_stores_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    header = "企业名称,统一社会信用代码,市（州）,县（市、区）,实际拥有车辆数,职工人数,农民工人数,是否已建工会,已入会农民工人数\n"
    (tmp_path / "城北.csv").write_text(header + f"甲物流有限公司,{code(1)},西宁市,城北区,30,40,20,否,\n"
                                       + f"乙运输有限公司,{code(2)},西宁市,城北区,25,50,30,是,15\n", "utf-8")
    (tmp_path / "城北（重发）.csv").write_bytes((tmp_path / "城北.csv").read_bytes())  # the same file twice
    (tmp_path / "湟中.csv").write_text(header + f"丙物流有限公司,{code(3)},西宁市,湟中县,5,8,5,否,\n", "utf-8")
    status, out, err = run("summary", "城北.csv", "城北（重发）.csv", "湟中.csv", "-r", "西宁", "-f", "json")
    assert status == 0, err
    data = json.loads(out)
    rows = {r["label"]: r for r in data["rows"]}
    assert picked(rows["城北区"], "enterprises standalone established migrant_workers migrant_members") == {
        "enterprises": 2, "standalone": 1, "established": 1, "migrant_workers": 50, "migrant_members": 15}
    assert rows["湟中区"]["enterprises"] == 1
    assert data["total"]["enterprises"] == 3  # the identical file counted once
    assert not (tmp_path / "qhunion.db").exists()
    assert run("summary", "湟中.csv", "--round", "2018-04")[0] == 2


def test_table_survives_a_gbk_console(ledger_path: str) -> None:
    env = {**os.environ, "PYTHONIOENCODING": "gbk"}
    done = subprocess.run([sys.executable, "-m", "qhunion", "summary", "--db", str(ledger_path), "-r", "西宁",
                           "--compare", "2018-04"], capture_output=True, env=env, timeout=60)
    assert not done.stderr, done.stderr.decode("gbk", "replace")
    text = done.stdout.decode("gbk")
    assert "城北区" in text and "合计" in text
