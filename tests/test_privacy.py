"""`privacy.mask` and `privacy.looks_personal` (issue 14, items 5, 7, 8): phones and ID numbers found by shape
anywhere in a text, credit codes, counts and dates left alone."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import uscc

from qhunion.normalise.privacy import looks_personal, mask
from rule_cases.surveys import examples

SETTINGS = settings(max_examples=examples(300), deadline=None)
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
WIDE = str.maketrans("0123456789", "０１２３４５６７８９")


def id_number(first17: str) -> str:
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


ID = id_number("63010219800101123")  # 630102198001011230
MOBILE = "13912345678"


@pytest.mark.parametrize(("text", "masked"), [
    # mobiles in every common writing
    ("13912345678", "139****5678"),
    ("+86 13912345678", "+86 139****5678"),
    ("+8613912345678", "+86139****5678"),
    ("8613912345678", "86139****5678"),
    ("008613912345678", "0086139****5678"),
    ("(+86)139-1234-5678", "(+86)139-****-5678"),
    ("013912345678", "0139****5678"),
    ("139-1234-5678", "139-****-5678"),
    ("139 1234 5678", "139 **** 5678"),
    ("139 - 1234 - 5678", "139 - **** - 5678"),
    ("(139)1234 5678", "(139)**** 5678"),
    ("１３９１２３４５６７８", "１３９****５６７８"),
    ("１３９－１２３４－５６７８", "１３９－****－５６７８"),
    ("13912345678a", "139****5678a"),
    ("联系人张三电话13912345678谢谢", "联系人张三电话139****5678谢谢"),
    ("张三13912345678、李四18600001111", "张三139****5678、李四186****1111"),
    # landlines with area codes
    ("0971-8123456", "0971-***3456"),
    ("(0971)8123456", "(0971)***3456"),
    ("（0971）8123456", "（0971）***3456"),
    ("0971 8123456", "0971 ***3456"),
    ("010-81234567", "010-****4567"),
    ("电话：0971-8123456转", "电话：0971-***3456转"),
    # resident ID numbers
    (ID, "630102********1230"),
    ("身份证" + ID + "号", "身份证630102********1230号"),
    ("630102 19800101 1230", "630102 ******** 1230"),
    ("630102 1980 0101 1230", "630102 **** **** 1230"),
    ("6301 0219 8001 0112 30", "6301 02** **** **12 30"),
    (ID.translate(WIDE), "６３０１０２********１２３０"),
    (id_number("63010219800101102"), "630102********102X"), ("63010219800101102x", "630102********102x"),
    ("630102800101123", "630102******123"),  # 15 digits, born 1980-01-01
])
def test_each_shape_is_masked(text: str, masked: str) -> None:
    assert mask(text) == masked


@pytest.mark.parametrize("text", [
    "", "甲运输有限公司", "91630100MA752XKQ1N", "统一社会信用代码：91630100MA752XKQ1N", "职工 30 人，货车 12 辆",
    "2018-04-08", "2018年4月8日", "20180408", "2018.04.08 12:30:45", "共 1234567 人", "1,234,567",
    "注册资本 5000000 元", "12345678901", "630102198001011231",  # an 18-digit number whose check character fails
    "630102199913321234", "16301021980010112",  # no such date; 17 digits
    "第 2018 2019 2020 年",
])
def test_not_personal_is_unchanged(text: str) -> None:
    assert mask(text) is text
    assert not looks_personal(text)


@pytest.mark.parametrize(("text", "personal"), [
    (MOBILE, True), (f" {MOBILE} ", True), ("+86 139-1234-5678", True), (ID, True), (ID.lower(), True),
    ("0971-8123456", True), ("(0971)8123456", True), (ID + "。", True),
    ("91630100MA752XKQ1N", False), ("电话" + MOBILE, False), (MOBILE + "a", False), (f"{MOBILE} {MOBILE}", False),
    ("12", False), ("", False),
])
def test_looks_personal_means_the_whole_value(text: str, personal: bool) -> None:
    assert looks_personal(text) is personal


# ── generated shapes ────────────────────────────────────────────────────────────────────────────────
# Text around a number: Chinese, ASCII letters, punctuation — no digits, which would make a longer number.
AROUND = st.text(st.sampled_from("的企业公司运输有限青海西宁联系电话身份证号码abcXYZ ：:,，。()（）、-+#"), max_size=12)
DIGIT = st.sampled_from("0123456789")


def digits(n: int) -> st.SearchStrategy[str]:
    return st.text(DIGIT, min_size=n, max_size=n)


MOBILES = st.builds(lambda second, rest: "1" + second + rest, st.sampled_from("3456789"), digits(9))
MOBILE_WRITINGS = (
    lambda m: m, lambda m: "+86" + m, lambda m: "+86 " + m, lambda m: "86" + m, lambda m: "0086" + m,
    lambda m: f"{m[:3]}-{m[3:7]}-{m[7:]}", lambda m: f"{m[:3]} {m[3:7]} {m[7:]}", lambda m: f"({m[:3]}){m[3:7]} {m[7:]}",
    lambda m: f"+86-{m[:3]}-{m[3:7]}-{m[7:]}", lambda m: m + "a",
)
REGIONS = st.builds(lambda first, rest: first + rest, st.sampled_from("12345678"), digits(5))
BIRTHS = st.dates(dt.date(1900, 1, 1), dt.date(2099, 12, 31))
IDS = st.builds(lambda region, born, seq: id_number(region + born.strftime("%Y%m%d") + seq), REGIONS, BIRTHS, digits(3))
ID_WRITINGS = (
    lambda i: i, lambda i: f"{i[:6]} {i[6:14]} {i[14:]}", lambda i: f"{i[:6]} {i[6:10]} {i[10:14]} {i[14:]}",
    lambda i: " ".join((i[:4], i[4:8], i[8:12], i[12:16], i[16:])), lambda i: f"{i[:6]}-{i[6:14]}-{i[14:]}",
    lambda i: i.lower(),
)
OLD_IDS = st.builds(lambda region, born, seq: region + born.strftime("%y%m%d") + seq,
                    REGIONS, st.dates(dt.date(1900, 1, 1), dt.date(1999, 12, 31)), digits(3))
AREAS = st.sampled_from(("010", "021", "029", "0971", "0972", "0973", "0979", "0351"))
LOCALS = st.builds(lambda first, rest: first + rest, st.sampled_from("23456789"),
                   st.one_of(digits(6), digits(7)))
LANDLINE_WRITINGS = (lambda a, n: f"{a}-{n}", lambda a, n: f"({a}){n}", lambda a, n: f"{a} {n}",
                     lambda a, n: f"（{a}）{n}", lambda a, n: a + n)


def only_digits(text: str) -> str:
    return re.sub(r"\D", "", text.translate(str.maketrans("０１２３４５６７８９", "0123456789")))


def assert_masked(pre: str, written: str, post: str, number: str, wide: bool) -> None:
    if wide:
        written = written.translate(WIDE)
    text = pre + written + post
    out = mask(text)
    assert len(out) == len(text)  # one character for one: separators and the text around stay in place
    assert out.startswith(pre) and out.endswith(post)
    assert number not in only_digits(out), (text, out)
    assert "*" in out


@SETTINGS
@given(AROUND, MOBILES, st.sampled_from(MOBILE_WRITINGS), AROUND, st.booleans())
def test_generated_mobiles_are_masked(pre: str, number: str, write: object, post: str, wide: bool) -> None:
    assert callable(write)
    assert_masked(pre, write(number), post, number, wide)


@SETTINGS
@given(AROUND, IDS, st.sampled_from(ID_WRITINGS), AROUND, st.booleans())
def test_generated_ids_are_masked(pre: str, number: str, write: object, post: str, wide: bool) -> None:
    assert callable(write)
    assert_masked(pre, write(number), post, number[:17], wide)


@SETTINGS
@given(AROUND, OLD_IDS, AROUND, st.booleans())
def test_generated_old_ids_are_masked(pre: str, number: str, post: str, wide: bool) -> None:
    assert_masked(pre, number, post, number, wide)


@SETTINGS
@given(AROUND, AREAS, LOCALS, st.sampled_from(LANDLINE_WRITINGS), AROUND, st.booleans())
def test_generated_landlines_are_masked(pre: str, area: str, local: str, write: object, post: str,
                                        wide: bool) -> None:
    assert callable(write)
    assert_masked(pre, write(area, local), post, area + local, wide)


@SETTINGS
@given(IDS | MOBILES)
def test_a_bare_number_looks_personal(number: str) -> None:
    assert looks_personal(number)


CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
LETTERS = "ABCDEFGHJKLMNPQRTUWXY"


@st.composite
def credit_codes(draw: st.DrawFn) -> str:
    """A valid 统一社会信用代码 with at least one letter in its organisation code."""
    head = draw(st.sampled_from(("91", "92", "93", "12", "51", "Y1"))) + draw(REGIONS)
    body = list(draw(st.text(st.sampled_from(CODE_ALPHABET), min_size=9, max_size=9)))
    body[draw(st.integers(0, 8))] = draw(st.sampled_from(LETTERS))
    code = head + "".join(body)
    return code + uscc.calc_check_digit(code)


DATES = st.builds(lambda d, f: d.strftime(f), st.dates(dt.date(1900, 1, 1), dt.date(2099, 12, 31)),
                  st.sampled_from(("%Y-%m-%d", "%Y年%m月%d日", "%Y%m%d", "%Y/%m/%d", "%Y.%m.%d %H:%M")))
ORDINARY = st.one_of(credit_codes(), DATES, st.integers(0, 10**9).map(str), st.integers(1900, 2100).map(str),
                     st.integers(0, 10**9).map(lambda n: f"{n:,}"))


@SETTINGS
@given(st.lists(st.tuples(AROUND, ORDINARY), max_size=4), AROUND)
def test_credit_codes_counts_and_dates_are_never_changed(parts: list[tuple[str, str]], tail: str) -> None:
    # Each value stands apart from the next (a word between), as in a sentence of a survey.
    text = "".join(f"{words}“{value}”" for words, value in parts) + tail
    assert mask(text) is text


def test_cells_without_numbers_take_the_fast_path() -> None:
    """Called for every cell of 100,000-row surveys: a cell with no seven digits together costs about a
    regex search."""
    cells = ["青海某某运输有限公司", "西宁市", "城北区", "30", "2018-04-08", "是", "91630100MA752XKQ1N"] * 100_000
    start = time.perf_counter()
    for cell in cells:
        mask(cell)
    assert time.perf_counter() - start < 2.0
