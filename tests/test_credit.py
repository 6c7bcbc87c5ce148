"""Unified Social Credit Codes (issue 2, item 6): validation with python-stdnum, the entity kind from digit 2,
the registering region from digits 3–8, and the same code twice within a file or across files."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn.uscc import calc_check_digit

from builders import broken_check, flat_grid, uscc, write_csv, write_xlsx
from qhunion.normalise import credit
from qhunion.recognise.intake import read_survey
from rule_cases.surveys import examples

HEADER = ("企业名称", "统一社会信用代码", "市（州）", "县（市、区）", "主体类型")


def test_builder_codes_are_valid() -> None:
    code = uscc("630105", org="MA752XK0A")
    assert code == "91630105MA752XK0A" + calc_check_digit("91630105MA752XK0A")
    assert credit.parse(code) == credit.Code(code, True)


@settings(max_examples=examples(300), deadline=None)
@given(st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=17, max_size=17))
def test_check_character_is_stdnums(body: str) -> None:
    assert credit.check_character(body) == calc_check_digit(body)


def test_valid_code_is_compacted() -> None:
    code = uscc("632801")
    spaced = f" {code[:6]} {code[6:12]}-{code[12:].lower()} "
    parsed = credit.parse(spaced)
    assert (parsed.value, parsed.valid) == (code, True)
    assert parsed.region_code == "632801"
    assert parsed.kind == "企业"


@pytest.mark.parametrize(("raw", "why"), [
    (broken_check(uscc()), "校验位不符，可能有字符抄错"),
    (uscc()[:-1], "应为 18 位，实为 17 位"),
    (uscc() + "1", "应为 18 位，实为 19 位"),
    ("91630105MA752XK0A!", "含有不允许的字符"),
])
def test_invalid_codes_say_why(raw: str, why: str) -> None:
    parsed = credit.parse(raw)
    assert not parsed.valid
    assert parsed.why == why
    assert parsed.kind is None and parsed.region_code is None


@pytest.mark.parametrize(("kind", "expected"), [("1", "企业"), ("2", "个体工商户"), ("3", "农民专业合作社"),
                                                ("9", None)])
def test_kind_from_digit_two(kind: str, expected: str | None) -> None:
    assert credit.parse(uscc(kind=kind)).kind == expected


def test_kind_only_for_market_regulation_codes() -> None:
    base = "51630105MA752XK0A"  # authority 5: civil affairs (a social organisation)
    assert credit.parse(base + calc_check_digit(base)).kind is None


def _read(tmp_path: Path, rows: list[tuple[str, ...]], name: str = "代码.csv") -> list[str]:
    survey = read_survey([write_csv(tmp_path / name, flat_grid(HEADER, rows), "utf-8")])
    return [f.message for f in survey.all_findings() if f.code.startswith("code-")]


def test_invalid_code_in_a_file(tmp_path: Path) -> None:
    bad = broken_check(uscc("630105"))
    assert _read(tmp_path, [("甲公司", bad, "西宁市", "城北区", "企业")]) == [
        f"代码.csv › 代码 › 第 2 行 B 列（统一社会信用代码）：“{bad}”不是有效的统一社会信用代码（校验位不符，可能有字符抄错）"]


def test_code_type_fills_a_blank_type_column(tmp_path: Path) -> None:
    code = uscc("630105", kind="2")
    survey = read_survey([write_csv(tmp_path / "t.csv", flat_grid(HEADER, [
        ("张三货运部", code, "西宁市", "城北区", ""),
        ("李四货运部", uscc("630105", kind="2", org="MA752XK0B"), "西宁市", "城北区", "个体货运户"),
    ]), "utf-8")])
    first, second = survey.records
    assert first.entity_type == "个体工商户"
    assert second.entity_type == "个体货运户"  # a filled type column wins
    assert [f.message for f in first.issues] == [
        "t.csv › t › 第 2 行 B 列（统一社会信用代码）：未填主体类型，按信用代码第 2 位推定为“个体工商户”"]
    assert second.issues == []


def test_registering_region_differing_from_declared_county_is_info(tmp_path: Path) -> None:
    rows = [
        ("甲公司", uscc("630104"), "海西州", "德令哈市", "企业"),  # registered in 城西区, works in 德令哈
        ("乙公司", uscc("630100", org="MA752XK0B"), "西宁市", "城北区", "企业"),  # city-level registration
        ("丙公司", uscc("630122", org="MA752XK0C"), "西宁市", "湟中区", "企业"),  # 湟中县's code, before 2019
        ("丁公司", uscc("110105", org="MA752XK0D"), "西宁市", "城东区", "企业"),  # registered in Beijing
        ("戊公司", uscc("632801", org="MA752XK0E"), "海西州", "格尔木", "企业"),
    ]
    assert _read(tmp_path, rows) == [
        "代码.csv › 代码 › 第 2 行 B 列（统一社会信用代码）：信用代码的登记地为城西区，与所填经营地德令哈市不同",
        "代码.csv › 代码 › 第 5 行 B 列（统一社会信用代码）："
        "信用代码的登记地为代码 110105（青海省外或已撤销），与所填经营地城东区不同",
    ]


def test_same_code_twice_within_a_file(tmp_path: Path) -> None:
    code = uscc("630105")
    survey = read_survey([write_csv(tmp_path / "重复.csv", flat_grid(HEADER, [
        ("西宁顺达物流有限公司", code, "西宁市", "城北区", "企业"),
        ("乙公司", uscc("630105", org="MA752XK0B"), "西宁市", "城北区", "企业"),
        ("西宁顺达物流公司", code.lower(), "西宁市", "城北区", "企业"),
    ]), "utf-8")])
    dups = [f for f in survey.all_findings() if f.code == "code-duplicate"]
    assert len(dups) == 1
    (dup,) = dups
    assert (dup.row, dup.column_letter, dup.header, dup.value) == (4, "B", "统一社会信用代码", code)
    assert dup.message == "重复.csv › 重复 › 第 4 行 B 列（统一社会信用代码）：与 第 2 行 重复，同一企业可能填了两次"


def test_same_code_across_files_and_sheets(tmp_path: Path) -> None:
    code = uscc("630202")
    first = write_csv(tmp_path / "海东.csv", flat_grid(HEADER, [("乐都鑫源货运有限公司", code, "海东市", "乐都区", "企业")]),
                      "utf-8")
    grid = flat_grid(HEADER, [("鑫源货运", code, "海东市", "乐都区", "企业")])
    second = write_xlsx(tmp_path / "汇总.xlsx", {"乐都": grid, "平安": grid})
    survey = read_survey([first, second])
    assert [f.message for f in survey.all_findings() if f.code == "code-duplicate"] == [
        "汇总.xlsx › 乐都 › 第 2 行 B 列（统一社会信用代码）：与 海东.csv › 海东 › 第 2 行 重复，同一企业可能填了两次",
        "汇总.xlsx › 平安 › 第 2 行 B 列（统一社会信用代码）：与 海东.csv › 海东 › 第 2 行 重复，同一企业可能填了两次",
    ]
    survey = read_survey([second])
    assert [f.text for f in survey.all_findings() if f.code == "code-duplicate"] == [
        "与 乐都 › 第 2 行 重复，同一企业可能填了两次"]


def test_invalid_codes_are_not_compared_for_duplicates(tmp_path: Path) -> None:
    bad = broken_check(uscc())
    codes = [f for f in _read(tmp_path, [("甲", bad, "西宁市", "城北区", "企业"), ("乙", bad, "西宁市", "城北区", "企业")])]
    assert len(codes) == 2 and all("不是有效的统一社会信用代码" in m for m in codes)


@pytest.mark.parametrize("cell", ["无", "/", "暂无", "未办理", "—", "  "])
def test_no_code_is_not_an_invalid_code(tmp_path: Path, cell: str) -> None:
    """Individual carriers often have no business licence and write 无 or “/” in the code column."""
    survey = read_survey([write_csv(tmp_path / "c.csv", flat_grid(HEADER, [("张三", cell, "西宁市", "城北区", "个体货运户")]),
                                    "utf-8")])
    (record,) = survey.records
    assert (record.credit_code, record.credit_valid) == (None, False)
    assert [f.code for f in record.issues] == []



# ── Old identifiers (issue 10, item 7): what they are, kept, not called invalid ─────────────────────

def _registration_number(region: str, sequence: str) -> str:
    from stdnum.iso7064 import mod_11_10

    body = region + sequence
    return body + mod_11_10.calc_check_digit(body)


def test_old_registration_number() -> None:
    number = _registration_number("630105", "00001234")
    parsed = credit.parse(number)
    assert (parsed.value, parsed.valid, parsed.old) == (number, False, credit.OLD_REGISTRATION)
    assert parsed.finding == "code-old-format"
    assert parsed.kind is None and parsed.region_code is None  # not a credit code: nothing read from its digits
    assert credit.parse("110108000000016").old == credit.OLD_REGISTRATION  # a published example
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    parsed = credit.parse(wrong)
    assert (parsed.old, parsed.finding, parsed.why) == ("", "code-invalid", "像是 15 位工商注册号，但校验位不符")


def test_old_organisation_code() -> None:
    # 中国石油天然气股份有限公司: credit code 91110000710925462X holds its organisation code 71092546-2.
    assert credit.parse("91110000710925462X").valid
    assert credit.organisation_check("71092546") == "2"
    parsed = credit.parse("71092546-2")
    assert (parsed.value, parsed.old, parsed.finding) == ("710925462", credit.OLD_ORGANISATION, "code-old-format")
    assert credit.parse("710925463").why == "像是 9 位组织机构代码，但校验位不符"
    # the check character's two special values
    assert {credit.organisation_check(b) for b in ("00000001", "0000000A", "12345678", "MA752XK0")} <= set("0123456789X")


def test_organisation_code_inside_every_valid_credit_code() -> None:
    """GB 32100 puts the organisation code, with its GB 11714 check, at characters 9–17."""
    for body in ("71092546", "MA752XK0", "12345678", "0000000Y"):
        org = body + credit.organisation_check(body)
        assert credit.parse(org).old == credit.OLD_ORGANISATION
        assert credit.parse(uscc("630105", org=org)).valid


def test_old_codes_in_a_file(tmp_path: Path) -> None:
    number = _registration_number("632801", "00000077")
    messages = _read(tmp_path, [("甲公司", number, "海西州", "格尔木市", "企业"),
                                ("乙公司", "71092546-2", "海西州", "格尔木市", "企业")])
    assert messages == [
        f"代码.csv › 代码 › 第 2 行 B 列（统一社会信用代码）：“{number}”是15 位工商注册号（统一社会信用代码实施前的编号），"
        "已保留原值；请补填 18 位统一社会信用代码",
        "代码.csv › 代码 › 第 3 行 B 列（统一社会信用代码）：“71092546-2”是9 位组织机构代码（统一社会信用代码实施前的编号），"
        "已保留原值；请补填 18 位统一社会信用代码",
    ]
    survey = read_survey([write_csv(tmp_path / "旧.csv", flat_grid(HEADER, [("甲公司", number, "海西州", "格尔木市", "")]),
                                    "utf-8")])
    (record,) = survey.records
    assert (record.credit_code, record.credit_valid) == (number, False)
    assert {f.code for f in survey.all_findings() if f.code.startswith("code-")} == {"code-old-format"}
