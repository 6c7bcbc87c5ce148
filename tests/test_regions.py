"""Region names as spreadsheets write them (issue 2, item 5): short, full, former and 行委 names land on one
division of the packaged gazetteer; a county implies its prefecture; contradictions and unknown names are
findings placed in the column they came from."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from builders import flat_grid, write_csv
from qhunion.normalise.places import PlaceHit, places_in, resolve_region
from qhunion.normalise.regions import FORMER_CODES, TOWN_SUFFIXES, gazetteer
from qhunion.recognise.intake import read_survey
from rule_cases.surveys import examples

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


# ── Gazetteer gaps (issue 10, item 6) ──────────────────────────────────────────────────────────────────

def test_2013_renumbered_counties_of_haidong() -> None:
    g = gazetteer()
    for old, name in (("632122", "民和"), ("632126", "互助"), ("632127", "化隆"), ("632128", "循化")):
        place = g.current(old)
        assert place is not None and place.short_name == name and place.parent_code == "630200"


@pytest.mark.parametrize(("county", "current"), [
    ("海东地区乐都县", "乐都区"), ("青海省海东地区平安县", "平安区"), ("海东地区互助县", "互助土族自治县"),
])
def test_former_prefecture_name_as_a_prefix(county: str, current: str) -> None:
    _, got, _, notes = resolve_region("", county)
    assert got == current
    assert all(n[0] == "region-former" for n in notes)


@pytest.mark.parametrize(("town", "full", "county"), [
    ("花土沟镇", "花土沟镇", "茫崖市"), ("冷湖镇", "冷湖镇", "茫崖市"), ("茫崖镇", "茫崖镇", "茫崖市"),
    ("柴旦镇", "柴旦镇", "大柴旦行政委员会"), ("锡铁山", "锡铁山镇", "大柴旦行政委员会"),
    ("花土沟", "花土沟镇", "茫崖市"), ("碾伯镇", "碾伯镇", "乐都区"),
])
def test_towns_written_for_their_county(town: str, full: str, county: str) -> None:
    pref, got, _, notes = resolve_region("", town)
    assert (pref, got) == (gazetteer().by_code[gazetteer().county(county).division.parent_code].name,  # type: ignore[union-attr]
                           county)
    assert notes == (("region-town", "county", {"town": full, "current": county}),)


def test_town_data_points_at_todays_counties() -> None:
    g = gazetteer()
    assert len(g.towns) >= 422
    assert all(t.code.startswith(t.county_code) and g.current(t.county_code) is not None for t in g.towns)
    assert {(t.code, t.name, t.county_code) for t in g.towns if t.edition == "2017"} >= {
        ("632858100", "冷湖镇", "632858"), ("632859100", "花土沟镇", "632859"), ("632859101", "茫崖镇", "632859")}
    # names shared by two counties say nothing; units that are not towns are not indexed
    assert "城关镇" not in g.town_county and "火车站街道" not in g.town_county
    assert all(name.endswith(TOWN_SUFFIXES) for name in g.town_county)
    assert g.town("城关镇") is None


@pytest.mark.parametrize(("prefecture", "county", "column", "chosen", "other"), [
    ("玉树", "", "prefecture", "玉树藏族自治州", "玉树市"),
    ("", "玉树", "county", "玉树市", "玉树藏族自治州"),
    ("玉树州", "玉树", "county", "玉树市", "玉树藏族自治州"),
    ("海南", "", "prefecture", "海南藏族自治州", "海南省"),
    ("河南", "", "prefecture", "河南蒙古族自治县", "河南省"),
])
def test_colliding_short_names_warn(prefecture: str, county: str, column: str, chosen: str, other: str) -> None:
    *_, notes = resolve_region(prefecture, county)
    assert ("region-ambiguous", column, {"options": f"{chosen}或{other}", "chosen": chosen}) in notes


@pytest.mark.parametrize(("prefecture", "county"), [
    ("玉树", "称多县"), ("海南", "共和县"), ("河南", "河南县"), ("玉树州", ""), ("海南州", ""), ("", "河南"),
])
def test_short_names_settled_by_context_do_not_warn(prefecture: str, county: str) -> None:
    *_, notes = resolve_region(prefecture, county)
    assert all(n[0] != "region-ambiguous" for n in notes)


def test_ambiguous_message_in_a_file(tmp_path: Path) -> None:
    by_row = _findings(tmp_path, [("甲公司", "海南", ""), ("乙公司", "", "花土沟")])
    assert by_row[2] == ["地区.csv › 地区 › 第 2 行 B 列（市（州））：“海南”可能指海南藏族自治州或海南省，"
                         "已按海南藏族自治州统计，请核实"]
    assert by_row[3] == ["地区.csv › 地区 › 第 3 行 C 列（县（市、区））：花土沟镇属于茫崖市，已按茫崖市统计"]


# ── Places named inside free text (issue 10, item 5) ───────────────────────────────────────────────────

def _hit(text: str) -> tuple[str, str, tuple[str, ...]] | None:
    hit = places_in(text)
    return None if hit is None else (hit.division.name, hit.via, hit.words)


@pytest.mark.parametrize(("text", "expected"), [
    ("青海省海东市乐都区碾伯镇解放路 12 号", ("乐都区", "county", ("海东市", "乐都区", "碾伯镇"))),
    ("乐都区", ("乐都区", "county", ("乐都区",))),
    ("乐都", ("乐都区", "county", ("乐都",))),
    ("海东市乐都区2018年货运企业调查表", ("乐都区", "county", ("海东市", "乐都区"))),
    ("填报单位：格尔木市总工会", ("格尔木市", "county", ("格尔木市",))),
    ("玛沁县物流企业.xlsx", ("玛沁县", "county", ("玛沁县",))),
    ("海西州花土沟镇石油基地", ("茫崖市", "town", ("海西州", "花土沟镇"))),
    ("大柴旦行委柴旦镇", ("大柴旦行政委员会", "county", ("大柴旦行委", "柴旦镇"))),
    ("海东地区乐都县", ("乐都区", "county", ("海东地区", "乐都县"))),
    ("湟中县鲁沙尔镇", ("湟中区", "county", ("湟中县", "鲁沙尔镇"))),
    ("西宁市城西区海晏路 5 号", ("城西区", "county", ("西宁市", "城西区"))),
    ("海西州", ("海西蒙古族藏族自治州", "prefecture", ("海西州",))),
    ("西宁_2018.xlsx", ("西宁市", "prefecture", ("西宁",))),
    ("格尔木昆仑南路", ("格尔木市", "county", ("格尔木",))),
    ("大通县桥头镇", ("大通回族土族自治县", "county", ("大通县", "桥头镇"))),
    ("平安区", ("平安区", "county", ("平安区",))),
    ("共和县恰卜恰镇", ("共和县", "county", ("共和县", "恰卜恰镇"))),
])
def test_places_in_text(text: str, expected: tuple[str, str, tuple[str, ...]]) -> None:
    assert _hit(text) == expected


@pytest.mark.parametrize("text", [
    # ordinary words that are also short names
    "平安物流", "共和路 12 号", "城中村", "大通物流有限公司", "互助合作社", "祁连山", "同德商贸", "乌兰察布市",
    # other provinces
    "河南省郑州市", "海南省海口市", "甘肃省兰州市城关区", "河南省", "广西壮族自治区柳州市城中区",
    # nothing
    "", "物流有限公司", "2018年调查表.xlsx",
])
def test_places_in_does_not_misfire(text: str) -> None:
    assert places_in(text) is None


@pytest.mark.parametrize("text", ["乐都区格尔木市", "海东市城北区", "青海省海西州玛沁县", "碾伯镇花土沟镇"])
def test_places_in_refuses_contradictions(text: str) -> None:
    assert places_in(text) is None


def test_two_counties_of_one_prefecture_give_the_prefecture_in_doubt() -> None:
    hit = places_in("城东区、城北区")
    assert hit is not None
    assert (hit.division.name, hit.via, hit.ambiguous) == ("西宁市", "county", ("城东区", "城北区"))


@pytest.mark.parametrize(("text", "name", "ambiguous"), [
    ("玉树", "玉树藏族自治州", ("玉树市",)), ("河南", "河南蒙古族自治县", ("河南省",)), ("海南", "海南藏族自治州", ("海南省",)),
    ("玉树称多县", "称多县", ()), ("玉树州", "玉树藏族自治州", ()), ("玉树市", "玉树市", ()), ("河南县", "河南蒙古族自治县", ()),
])
def test_places_in_colliding_names(text: str, name: str, ambiguous: tuple[str, ...]) -> None:
    hit = places_in(text)
    assert hit is not None and (hit.division.name, hit.ambiguous) == (name, ambiguous)


def test_places_in_former_names_are_flagged() -> None:
    assert places_in("冷湖") == PlaceHit(gazetteer().by_code["632803"], "county", ("冷湖",), former=True)
    hit = places_in("乐都区")
    assert hit is not None and not hit.former


# Generated addresses: a county written in any of its forms, with or without the province, its prefecture and
# one of its own towns, then a street that may be named after another place (海晏路, 平安巷) and a number.
_G = gazetteer()
_COUNTIES = _G.counties()
_TOWNS: dict[str, list[str]] = {}
for _town, _county in _G.town_county.items():
    _TOWNS.setdefault(_county.code, []).append(_town)
_STREET_NAMES = ["人民", "解放", "昆仑", "海晏", "平安", "共和", "互助", "祁连", "柴达木", "西宁", "五四", "同德"]


def _county_forms(code: str) -> list[str]:
    d = _G.by_code[code]
    forms = [d.name, *d.former_names]
    if d.name.endswith("自治县"):
        forms.append(d.short_name + "县")
    return forms


def _prefecture_forms(code: str) -> list[str]:
    p = _G.by_code[code]
    return ["", p.name, p.short_name + ("州" if p.name.endswith("自治州") else "市"), *p.former_names]


@st.composite
def _address(draw: st.DrawFn) -> tuple[str, str, bool]:
    county = draw(st.sampled_from(_COUNTIES))
    with_county = draw(st.booleans()) or county.code not in _TOWNS
    town = draw(st.sampled_from(["", *_TOWNS.get(county.code, [])])) if with_county else \
        draw(st.sampled_from(_TOWNS[county.code]))
    parts = [draw(st.sampled_from(["", "青海省", "青海"])), draw(st.sampled_from(_prefecture_forms(county.parent_code))),
             draw(st.sampled_from(_county_forms(county.code))) if with_county else "", town,
             draw(st.sampled_from(_STREET_NAMES)) + draw(st.sampled_from(["路", "街", "巷", "东路", "大街"])),
             str(draw(st.integers(1, 999))) + "号", draw(st.sampled_from(["", "物流园", "（平安物流）"]))]
    return "".join(parts), county.code, with_county


@settings(max_examples=examples(400), deadline=None)
@given(_address())
def test_generated_addresses_name_their_county(address: tuple[str, str, bool]) -> None:
    text, code, with_county = address
    hit = places_in(text)
    assert hit is not None, text
    assert hit.division.code == code, text
    assert hit.via == ("county" if with_county else "town"), text
    assert hit.ambiguous == ()


_ORDINARY = ["平安物流", "共和路", "城中村", "大通物流有限公司", "互助合作社", "同德商贸", "兴海宾馆", "海晏路", "祁连山",
             "河南省", "海南省", "玉树路", "西宁路", "乌兰察布", "民和巷", "城东大街", "都兰小区", "贵德广场"]


@settings(max_examples=examples(200), deadline=None)
@given(st.lists(st.sampled_from(_ORDINARY), min_size=1, max_size=4), st.sampled_from(["", "有限公司", "12号", "、"]))
def test_ordinary_words_name_no_place(words: list[str], tail: str) -> None:
    """Company names, streets, mountains and provinces built of place-like words, run together in any order."""
    text = "".join(words) + tail
    assert places_in(text) is None, text
