"""Region names as spreadsheets write them (issue 2, item 5): short, full, former and 行委 names land on one
division of the packaged gazetteer; a county implies its prefecture; contradictions and unknown names are
findings placed in the column they came from."""

from __future__ import annotations

from pathlib import Path

import pytest

from builders import flat_grid, write_csv
from qhunion.intake import read_survey
from qhunion.regions import FORMER_CODES, gazetteer, resolve_region

XINING, HAIDONG, HAIXI = "西宁市", "海东市", "海西蒙古族藏族自治州"


def test_gazetteer_has_the_eight_prefectures_and_their_counties() -> None:
    g = gazetteer()
    assert len(g.prefectures()) == 8
    assert len(g.counties()) == 45
    assert all(g.by_code[c.parent_code].level == "prefecture" for c in g.counties())


@pytest.mark.parametrize(("prefecture", "county", "expected"), [
    # short, full and 州 forms of prefectures
    ("西宁", "", (XINING, None, None)),
    ("西宁市", "城北区", (XINING, "城北区", "630105")),
    ("海西州", "", (HAIXI, None, None)),
    ("海西", "德令哈市", (HAIXI, "德令哈市", "632802")),
    ("青海省海西州", "格尔木市", (HAIXI, "格尔木市", "632801")),
    # a county implies its prefecture
    ("", "格尔木", (HAIXI, "格尔木市", "632801")),
    ("", "大通县", (XINING, "大通回族土族自治县", "630121")),
    ("", "青海省西宁市城北区", (XINING, "城北区", "630105")),
    # 行委 = 行政委员会
    ("海西州", "大柴旦行委", (HAIXI, "大柴旦行政委员会", "632857")),
    ("海西州", "大柴旦行政委员会", (HAIXI, "大柴旦行政委员会", "632857")),
    # a name in the other level's column keeps what it tells
    ("格尔木", "", (HAIXI, "格尔木市", "632801")),
    ("", "海西州", (HAIXI, None, None)),
    ("格尔木", "海西州", (HAIXI, "格尔木市", "632801")),
])
def test_clean_forms(prefecture: str, county: str, expected: tuple[str | None, ...]) -> None:
    *got, notes = resolve_region(prefecture, county)
    assert tuple(got) == expected
    assert notes == ()


@pytest.mark.parametrize(("prefecture", "county", "current", "where"), [
    ("", "湟中县", "湟中区", "county"),
    ("西宁市", "湟中县", "湟中区", "county"),
    ("", "冷湖", "茫崖市", "county"),
    ("海西", "冷湖行委", "茫崖市", "county"),
    ("", "同仁县", "同仁市", "county"),
    ("海东地区", "", "海东市", "prefecture"),
    ("玉树县", "", "玉树市", "prefecture"),  # a former county name, in the prefecture column
])
def test_former_names_are_read_with_an_info_finding(prefecture: str, county: str, current: str,
                                                    where: str) -> None:
    *_, notes = resolve_region(prefecture, county)
    assert notes == (("region-former", where, {"current": current}),)


def test_county_contradicting_its_prefecture() -> None:
    assert resolve_region("海东市", "城北区") == (XINING, "城北区", "630105", (
        ("region-mismatch", "county", {"county": "城北区", "actual": XINING, "stated": "海东市"}),))
    # 河南县 is in 黄南, not 海南: the names look alike, the prefecture is taken from the county
    pref, county, _, notes = resolve_region("海南", "河南县")
    assert (pref, county) == ("黄南藏族自治州", "河南蒙古族自治县")
    assert [n[0] for n in notes] == ["region-mismatch"]


def test_unknown_names_suggest_the_nearest() -> None:
    _, county, _, notes = resolve_region("西宁市", "城比区")
    assert county is None
    (code, where, params), = notes
    assert (code, where) == ("region-unknown", "county")
    assert "城北区" in params["nearest"] and params["nearest"].startswith("，是否是：")
    *_, notes = resolve_region("北京市", "朝阳区")
    assert {(n[0], n[1]) for n in notes} == {("region-unknown", "county"), ("region-unknown", "prefecture")}


def test_nothing_given() -> None:
    assert resolve_region("", "") == (None, None, None, (("region-missing", "county", {}),))


def test_former_codes_point_at_todays_divisions() -> None:
    g = gazetteer()
    for old, new in FORMER_CODES.items():
        assert old not in g.by_code
        assert g.current(old) == g.by_code[new]
    assert g.current("630122") is not None and g.current("630122").name == "湟中区"  # type: ignore[union-attr]
    assert g.current("110105") is None


# ── As findings in a file: the place, the column the name came from, the exact sentence ──────────────

def _findings(tmp_path: Path, rows: list[tuple[str, str, str]]) -> dict[int, list[str]]:
    grid = flat_grid(("企业名称", "市（州）", "县（市、区）"), rows)
    survey = read_survey([write_csv(tmp_path / "地区.csv", grid, "utf-8")])
    by_row: dict[int, list[str]] = {}
    for f in survey.all_findings():
        if f.code.startswith("region"):
            by_row.setdefault(f.row or 0, []).append(f.message)
    return by_row


def test_region_messages_in_a_file(tmp_path: Path) -> None:
    by_row = _findings(tmp_path, [
        ("甲公司", "西宁", "湟中县"),
        ("乙公司", "海东市", "城北区"),
        ("丙公司", "西宁市", "城比区"),
        ("丁公司", "玉树县", ""),
        ("戊公司", "海西州", "大柴旦行委"),
        ("己公司", "", ""),
    ])
    assert by_row[2] == ["地区.csv › 地区 › 第 2 行 C 列（县（市、区））：“湟中县”现为“湟中区”，已按“湟中区”统计"]
    assert by_row[3] == ["地区.csv › 地区 › 第 3 行 C 列（县（市、区））："
                         "城北区属于西宁市，与所填市（州）“海东市”不符，已按西宁市统计"]
    assert by_row[4] == ["地区.csv › 地区 › 第 4 行 C 列（县（市、区））："
                         "“城比区”不是青海省的市（州）或县（市、区），是否是：城西区、城北区、城中区？"]
    # the former county name was typed in the prefecture column: the finding says so, with its value
    assert by_row[5] == ["地区.csv › 地区 › 第 5 行 B 列（市（州））：“玉树县”现为“玉树市”，已按“玉树市”统计"]
    assert 6 not in by_row
    assert by_row[7] == ["地区.csv › 地区 › 第 7 行 C 列（县（市、区））：未填写县（市、区）或市（州），地址、工作表名、标题和文件名中也没有，无法按地区判定和汇总（汇总时计入“地区不明”）"]


def test_resolved_regions_on_records(tmp_path: Path) -> None:
    grid = flat_grid(("企业名称", "市（州）", "县（市、区）"),
                     [("甲公司", "", "冷湖"), ("乙公司", "海西州", "格尔木"), ("丙公司", "西宁", "")])
    records = read_survey([write_csv(tmp_path / "r.csv", grid, "utf-8")]).records
    assert [(r.prefecture, r.county, r.county_code) for r in records] == [
        (HAIXI, "茫崖市", "632803"), (HAIXI, "格尔木市", "632801"), (XINING, None, None)]
