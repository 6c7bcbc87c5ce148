"""Cell values as county offices type them (issue 2, item 4): counts, yes/no, status and the other choices.

Each case is a row of data: the cell as typed, the value read, and the finding code (None when clean).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from builders import flat_grid, write_csv
from qhunion.findings import CATALOGUE, Finding, Severity
from qhunion.normalise import values
from qhunion.normalise.text import chinese_to_int, fold, header_key
from qhunion.recognise.intake import read_survey
from rule_cases.surveys import examples

COUNTS: list[tuple[Any, int | None, str | None]] = [
    # Clean numbers, as Excel stores them
    (25, 25, None),
    (25.0, 25, None),
    ("25", 25, None),
    (0, 0, None),
    # Read, with an info notice so the reading can be checked against the cell
    ("25人", 25, "count-read-as"),
    ("25 人", 25, "count-read-as"),
    ("20台", 20, "count-read-as"),
    ("二十辆", 20, "count-read-as"),
    ("２０", 20, "count-read-as"),  # full-width digits
    ("二十五", 25, "count-read-as"),
    ("十二", 12, "count-read-as"),
    ("一百零八", 108, "count-read-as"),
    ("两百", 200, "count-read-as"),
    ("1,200", 1200, "count-read-as"),
    ("25.0", 25, "count-read-as"),
    # Approximate: read, with a warning
    ("约30", 30, "count-approx"),
    ("约 30 人", 30, "count-approx"),
    ("30余人", 30, "count-approx"),
    ("30人左右", 30, "count-approx"),
    ("三十多", 30, "count-approx"),
    # None at all
    ("无", 0, None),
    ("没有", 0, None),
    ("零", 0, None),
    # Missing: unknown, never 0
    (None, None, None),
    ("", None, None),
    ("  ", None, None),
    ("/", None, None),
    ("-", None, None),
    ("—", None, None),
    ("－", None, None),
    ("不详", None, None),
    # Errors
    (-3, None, "count-negative"),
    ("-3", None, "count-negative"),
    (2.5, None, "count-fraction"),
    ("2.5", None, "count-fraction"),
    (1_000_000, None, "count-absurd"),
    ("1000000", None, "count-absurd"),
    ("二五", None, "count-invalid"),  # digit by digit is not how counts are written
    ("abc", None, "count-invalid"),
    (True, None, "count-invalid"),
    ("#REF!", None, "cell-error"),
    (dt.datetime(2018, 4, 25), None, "cell-date"),
]


@pytest.mark.parametrize(("raw", "value", "code"), COUNTS)
def test_count(raw: Any, value: int | None, code: str | None) -> None:
    got, got_code, _ = values.parse_count(raw)
    assert (got, got_code) == (value, code)


def test_count_severities_follow_issue_item_4() -> None:
    """约30 is a warning; negative, fractional and absurd counts are errors; 25人 is only a notice."""
    assert CATALOGUE["count-approx"].severity is Severity.WARNING
    assert CATALOGUE["count-read-as"].severity is Severity.INFO
    for code in ("count-negative", "count-fraction", "count-absurd", "count-invalid"):
        assert CATALOGUE[code].severity is Severity.ERROR


def test_count_params_fill_the_message() -> None:
    _, code, params = values.parse_count("约30")
    assert code is not None and params is not None
    assert CATALOGUE[code].template.format(value="约30", **params) == "“约30”是约数，已按 30 读取，请核实"
    _, code, params = values.parse_count(values.ABSURD_COUNT + 1)
    assert params == {"limit": values.ABSURD_COUNT}


@settings(max_examples=examples(60), deadline=None)
@given(st.integers(min_value=0, max_value=values.ABSURD_COUNT))
def test_any_plausible_count_reads_back_in_every_form(n: int) -> None:
    assert values.parse_count(n) == (n, None, None)
    assert values.parse_count(float(n)) == (n, None, None)
    assert values.parse_count(str(n)) == (n, None, None)
    assert values.parse_count(f"{n}人")[:2] == (n, "count-read-as")
    full_width = str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert values.parse_count(full_width)[0] == n


@pytest.mark.parametrize(("text", "number"), [
    ("十", 10), ("十五", 15), ("二十", 20), ("二十五", 25), ("一百", 100), ("一百零八", 108), ("三千", 3000),
    ("两万", 20000), ("〇", 0), ("二五", None), ("二十五人", None), ("abc", None),
])
def test_chinese_numerals(text: str, number: int | None) -> None:
    assert chinese_to_int(text) == number


BOOLS: list[tuple[Any, bool | None, str | None]] = [
    ("是", True, None), ("否", False, None),
    ("有", True, None), ("无", False, None),
    ("已建", True, None), ("未建", False, None),
    ("已建会", True, None), ("未建会", False, None),
    ("√", True, None), ("×", False, None),
    ("Y", True, None), ("n", False, None),
    (1, True, None), (0, False, None), (True, True, None),
    (" 否 ", False, None),
    (None, None, None), ("", None, None), ("/", None, None),
    ("不知道呢", None, "bool-invalid"), (2, None, "bool-invalid"),
]


@pytest.mark.parametrize(("raw", "value", "code"), BOOLS)
def test_yes_no(raw: Any, value: bool | None, code: str | None) -> None:
    assert values.parse_bool(raw)[:2] == (value, code)


STATUSES = [
    ("正常", "正常"), ("在业", "正常"), ("存续", "正常"), ("正常营业", "正常"), ("营业中", "正常"),
    ("存续（在营、开业、在册）", "正常"),
    ("停业", "停业"), ("停产", "停业"), ("停业整顿", "停业"),
    ("歇业", "歇业"),
    ("注销", "注销"), ("已注销", "注销"), ("注  销", "注销"),
    ("吊销", "吊销"), ("已吊销", "吊销"), ("吊销，未注销", "吊销"), ("吊销未注销", "吊销"),
    # as registers print them (issue 10, item 7)
    ("在营", "正常"), ("开业", "正常"), ("在册", "正常"), ("迁入", "正常"), ("存续(在营、开业、在册)", "正常"),
    ("停止经营", "停业"), ("已歇业", "歇业"), ("歇业备案", "歇业"),
    ("撤销", "注销"), ("撤销登记", "注销"), ("吊销已注销", "注销"), ("吊销后未注销", "吊销"),
]


@pytest.mark.parametrize(("raw", "status"), STATUSES)
def test_status_normalised(raw: str, status: str) -> None:
    assert values.parse_status(raw) == (status, None, None)


def test_status_unknown_and_missing() -> None:
    assert values.parse_status("关门了")[:2] == (None, "status-invalid")
    assert values.parse_status("/") == values.CLEAN
    assert values.parse_status(None) == values.CLEAN


@pytest.mark.parametrize(("parse", "raw", "canon"), [
    (values.parse_entity, "有限责任公司", "企业"),
    (values.parse_entity, "个体户", "个体工商户"),
    (values.parse_entity, "个体运输户", "个体货运户"),
    (values.parse_entity, "物流园", "物流园区"),
    (values.parse_group, "货运司机", "货车司机"),
    (values.parse_group, "网约送餐员", "网络送餐员"),
    (values.parse_group, "房产中介员", "房屋中介员"),
    (values.parse_domain, "物流(快递)", "物流（快递）"),
    (values.parse_domain, "物流（快递）", "物流（快递）"),
    (values.parse_domain, "工业园区", "开发区（工业园区）"),
])
def test_choices_accept_their_synonyms(parse: Any, raw: str, canon: str) -> None:
    assert parse(raw) == (canon, None, None)


def test_text_cells() -> None:
    assert values.parse_text("  西宁顺达物流有限公司 ") == ("西宁顺达物流有限公司", None, None)
    assert values.parse_text(13800000000.0) == ("13800000000", None, None)  # a phone typed as a number
    assert values.parse_text("甲\x07公司") == ("甲公司", "text-control", None)
    value, code, params = values.parse_text("长" * 600)
    assert (len(value), code, params) == (values.MAX_TEXT, "text-too-long", {"length": 600, "limit": 500})
    assert values.parse_text("   ") == values.CLEAN


def test_fold_and_header_key() -> None:
    assert fold("２０　辆 ") == "20 辆"
    assert header_key("自有货车（辆）") == header_key("自有货车")
    assert header_key("其中：货车司机") == header_key("货车司机")
    assert header_key("单位名称（全称）") == "单位名称全称"
    assert header_key("职工 人数(人)") == "职工人数"


@pytest.mark.parametrize("raw", ["迁出", "已迁出", "迁 出"])
def test_moved_out_is_read_as_normal_with_a_notice(raw: str) -> None:
    assert values.parse_status(raw) == ("正常", "status-moved", {"canon": "正常"})
    assert CATALOGUE["status-moved"].severity == Severity.INFO


@pytest.mark.parametrize(("raw", "canon"), [
    ("个体", "个体工商户"), ("个体户", "个体工商户"), ("有限责任公司", "企业"), ("民营", "企业"), ("私营", "企业"),
    ("国有", "企业"), ("集体", "企业"), ("分公司", "企业"), ("有限责任公司（自然人独资）", "企业"),
    ("个人独资企业", "企业"), ("个体运输", "个体货运户"),
])
def test_entity_kinds_as_written(raw: str, canon: str) -> None:
    assert values.parse_entity(raw) == (canon, None, None)


def test_cooperative_is_judged_as_an_enterprise_with_a_notice() -> None:
    assert values.parse_entity("农民专业合作社") == ("企业", "type-read-as", {"canon": "企业"})
    assert values.parse_entity("合作社") == ("企业", "type-read-as", {"canon": "企业"})
    assert Finding("type-read-as", "f", value="合作社", params={"canon": "企业"}).text == "“合作社”已按“企业”处理"
    assert values.parse_entity("合作") == (None, "type-invalid", None)


@pytest.mark.parametrize(("raw", "value", "code"), [
    ("未建", False, None), ("已建", True, None), ("已建工会", True, None), ("未建立工会", False, None),
    ("无工会", False, None), ("组建中", False, "union-forming"), ("筹建", False, "union-forming"),
    ("筹建中", False, "union-forming"), ("正在组建", False, "union-forming"),
])
def test_union_answers(raw: str, value: bool, code: str | None) -> None:
    assert values.parse_bool(raw) == (value, code, None)


def test_union_being_formed_in_a_file(tmp_path: Path) -> None:
    grid = flat_grid(("企业名称", "市（州）", "县（市、区）", "经营状况", "是否已建工会"),
                     [("甲公司", "西宁市", "城北区", "迁出", "筹建中"), ("乙公司", "西宁市", "城北区", "撤销", "已建")])
    survey = read_survey([write_csv(tmp_path / "值.csv", grid, "utf-8")])
    first, second = survey.records
    assert (first.status, first.has_union, second.status, second.has_union) == ("正常", False, "注销", True)
    assert [(f.code, f.column_letter, f.severity) for f in first.issues] == [
        ("status-moved", "D", Severity.INFO), ("union-forming", "E", Severity.INFO)]
    assert first.issues[1].text == "“筹建中”：工会正在组建、尚未建成，按未建会判定"
    assert second.issues == []
