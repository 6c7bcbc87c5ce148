"""A county or prefecture named in toneless pinyin in the file name places the file's enterprises
(maqin_2018diaocha.csv, HuangZhong县调查.xlsx); a pinyin word naming two places, or no place, places nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from builders import Grid, write_csv, write_xlsx
from rule_cases.surveys import Cli
from test_county_files import check_json, classify_json

ROWS: list[list[Any]] = [["企业名称", "自有车辆", "职工人数", "是否建会"],
                         ["甲运输有限公司", 23, 4, "否"], ["乙货运有限公司", 3, 3, "否"]]


def survey(folder: Path, name: str) -> Path:
    if name.endswith(".xlsx"):
        return write_xlsx(folder / name, {"Sheet1": Grid(ROWS)})
    return write_csv(folder / name, Grid(ROWS), encoding="utf-8")


def issues(report: dict[str, Any], code: str) -> list[dict[str, Any]]:
    return [i for i in report["issues"] if i["code"] == code]


@pytest.mark.parametrize(("name", "county", "word"), [
    ("maqin_2018diaocha.csv", "玛沁县", "maqin"),
    ("maqinxian.csv", "玛沁县", "maqinxian"),
    ("Maqin-County_survey.csv", "玛沁县", "Maqin"),
    ("huangzhong_2018.xlsx", "湟中区", "huangzhong"),
    ("HuangZhong县调查.xlsx", "湟中区", "HuangZhong"),
    ("GeErMu2018.csv", "格尔木市", "GeErMu"),
    ("CHENDUO_diaocha.csv", "称多县", "CHENDUO"),
    ("haixi_geermu.csv", "格尔木市", "geermu"),
    ("yushu_chenduo.csv", "称多县", "chenduo"),  # 称多县 says which 玉树: the prefecture
    ("yushushi.csv", "玉树市", "yushushi"),  # the suffix says which
    ("Guide-County.csv", "贵德县", "Guide"),
])
def test_a_county_in_pinyin_places_the_files_enterprises(cli: Cli, tmp_path: Path, name: str, county: str,
                                                         word: str) -> None:
    path = survey(tmp_path, name)
    assert [r["county"] for r in classify_json(cli, path)] == [county, county]
    notes = issues(check_json(cli, path), "region-context-sheet")
    assert len(notes) == 1 and notes[0]["value"] == word and "文件名中的“" + word + "”" in notes[0]["message"]


def test_a_prefecture_in_pinyin_places_the_prefecture(cli: Cli, tmp_path: Path) -> None:
    records = classify_json(cli, survey(tmp_path, "guoluo_2018.csv"))
    assert [(r["prefecture"], r["county"]) for r in records] == [("果洛藏族自治州", None)] * 2


def test_characters_win_over_pinyin(cli: Cli, tmp_path: Path) -> None:
    path = survey(tmp_path, "玛沁县_huangzhong.csv")
    assert [r["county"] for r in classify_json(cli, path)] == ["玛沁县", "玛沁县"]
    assert issues(check_json(cli, path), "region-context-sheet")[0]["value"] == "玛沁县"


@pytest.mark.parametrize(("name", "word", "options"), [
    ("yushu_2018.csv", "yushu", "玉树藏族自治州或玉树市"),
    ("henan.csv", "henan", "河南蒙古族自治县或河南省"),
    ("Hainan_diaocha.csv", "Hainan", "海南藏族自治州或海南省"),
])
def test_a_pinyin_word_naming_two_places_places_nothing_and_says_why(cli: Cli, tmp_path: Path, name: str,
                                                                      word: str, options: str) -> None:
    path = survey(tmp_path, name)
    assert [(r["prefecture"], r["county"]) for r in classify_json(cli, path)] == [(None, None)] * 2
    report = check_json(cli, path)
    doubts = issues(report, "region-file-ambiguous")
    assert len(doubts) == 1 and doubts[0]["value"] == word and options in doubts[0]["message"]
    assert report["without_region"] == 2


@pytest.mark.parametrize("name", ["survey_final_v2.csv", "data_export.csv", "user_guide.csv", "gd_2018.csv",
                                  "maqindiaocha.csv", "Xian_export.csv", "qinghai.csv"])
def test_words_that_name_no_place_place_nothing(cli: Cli, tmp_path: Path, name: str) -> None:
    path = survey(tmp_path, name)
    assert [(r["prefecture"], r["county"]) for r in classify_json(cli, path)] == [(None, None)] * 2
    assert not issues(check_json(cli, path), "region-file-ambiguous")


def test_pinyin_is_read_only_from_file_names(cli: Cli, tmp_path: Path) -> None:
    """An address or a sheet name in pinyin says nothing: offices fill their cells in characters."""
    rows: list[list[Any]] = [["企业名称", "地址", "自有车辆", "职工人数"], ["甲运输有限公司", "maqin dawu", 23, 4]]
    path = write_xlsx(tmp_path / "调查.xlsx", {"maqin": Grid(rows)})
    assert [r["county"] for r in classify_json(cli, path)] == [None]


def test_every_division_has_its_pinyin() -> None:
    from qhunion.normalise.regions import gazetteer
    from qhunion.recognise.pinyin import ENGLISH, pinyin_readings

    for d in gazetteer().divisions:
        assert d.pinyin.isascii() and d.pinyin.isalpha() and d.pinyin.islower(), d
        found = pinyin_readings(f"{d.pinyin}{'xian' if d.pinyin in ENGLISH else ''}_2018")
        assert len(found) == 1 and d in found[0].divisions, d
    by_name = {d.short_name: d.pinyin for d in gazetteer().divisions}
    assert (by_name["乐都"], by_name["都兰"], by_name["称多"], by_name["化隆"], by_name["循化"]) == \
        ("ledu", "dulan", "chenduo", "hualong", "xunhua")
