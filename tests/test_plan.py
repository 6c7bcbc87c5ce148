"""The formation plan (issue 3): the concrete unions proposed from the decisions — one joint union per anchor,
one industry union per concentrated county, territorial coverage per county, one union per large enterprise
— with their members, head counts, place and responsible unions.
"""

from __future__ import annotations

from typing import Any

from qhunion.decide.ruleset import packaged
from qhunion.plan import Proposal, formation_plan
from qhunion.records import Record
from qhunion.rules import classify
from rule_cases.cases import record

RS = packaged()


def plan_of(records: list[Record]) -> list[Proposal]:
    return formation_plan(zip(records, classify(records, RS), strict=True))


def named(plan: list[Proposal]) -> dict[str, Proposal]:
    out: dict[str, Proposal] = {}
    for p in plan:
        assert p.name not in out, f"two proposals named {p.name}"
        out[p.name] = p
    return out


def firm(n: int, **values: Any) -> Record:
    return record({"name": f"测试第{n}企业", "vehicles_owned": 2, "employees": 3, "drivers": 2, **values}, row=n)


def test_one_joint_union_per_anchor_with_its_members_and_counts() -> None:
    records = [
        firm(1, anchor="朝阳物流园", employees=8, drivers=5, migrant_workers=4, members=1),
        firm(2, anchor="朝阳物流园", employees=4, drivers=3),
        firm(3, anchor="朝阳物流园", county="城东区"),
        firm(4, anchor="双苏堡物流园区"),
        record({"name": "朝阳物流园", "entity_type": "物流园区", "employees": 6, "vehicles_owned": 0}, row=5),
    ]
    plan = named(plan_of(records))
    chaoyang = plan["朝阳物流园联合工会"]
    assert chaoyang.decision == "joint" and chaoyang.label == "联合建会" and chaoyang.rule == "anchor"
    assert chaoyang.enterprises == ["测试第1企业", "测试第2企业", "测试第3企业", "朝阳物流园"]
    assert (chaoyang.size, chaoyang.employees, chaoyang.drivers, chaoyang.migrant_workers, chaoyang.members) == (
        4, 8 + 4 + 3 + 6, 5 + 3 + 2, 4, 1)
    # Members in two counties: the union sits where most of them are.
    assert (chaoyang.prefecture, chaoyang.county) == ("西宁市", "城东区")
    assert chaoyang.responsible == "西宁市总工会"
    assert chaoyang.citation == "青总办〔2018〕19号 三（二）"
    assert plan["双苏堡物流园区联合工会"].size == 1


def test_an_anchor_across_prefectures_names_every_responsible_federation() -> None:
    records = [
        firm(1, anchor="满帮平台", county="湟中区"),
        firm(2, anchor="满帮平台", prefecture="海西蒙古族藏族自治州", county="格尔木市"),
        firm(3, anchor="满帮平台", prefecture="海西蒙古族藏族自治州", county="格尔木市"),
    ]
    (union,) = plan_of(records)
    assert (union.prefecture, union.county) == ("海西蒙古族藏族自治州", "格尔木市")
    assert union.responsible == "海西州总工会、西宁市总工会"


def test_one_industry_union_per_concentrated_county() -> None:
    records = [firm(i, county="城北区") for i in range(1, 11)]
    records += [firm(i, county="城西区") for i in range(11, 13)]
    plan = named(plan_of(records))
    industry = plan["城北区物流行业工会"]
    assert industry.decision == "industry" and industry.size == 10 and industry.county == "城北区"
    assert plan["城西区小微企业联合工会"].size == 2
    assert [p.decision for p in plan.values()].count("industry") == 1


def test_territorial_coverage_per_county() -> None:
    records = [firm(i, entity_type="个体货运户", county="大通回族土族自治县") for i in (1, 2)]
    records.append(firm(3, entity_type="个体货运户", county="湟源县"))
    plan = named(plan_of(records))
    assert plan["大通县总工会（属地覆盖）"].size == 2
    assert plan["湟源县总工会（属地覆盖）"].size == 1
    assert {p.decision for p in plan.values()} == {"territorial"}


def test_territorial_coverage_without_a_county_stays_in_its_prefecture() -> None:
    records = [firm(1, entity_type="个体货运户", county=""),
               firm(2, entity_type="个体货运户", county="", prefecture="海东市")]
    plan = plan_of(records)
    assert [(p.name, p.prefecture, p.responsible) for p in plan] == [
        ("所属地工会（属地覆盖）", "西宁市", "西宁市总工会"), ("所属地工会（属地覆盖）", "海东市", "海东市总工会")]


def test_one_union_per_large_enterprise_even_with_the_same_name_elsewhere() -> None:
    records = [
        firm(1, name="青海顺达物流有限公司", vehicles_owned=30, county="城北区"),
        firm(2, name="青海顺达物流有限公司", vehicles_owned=30, prefecture="海东市", county="乐都区"),
    ]
    plan = plan_of(records)
    assert [(p.name, p.county, p.responsible) for p in plan] == [
        ("青海顺达物流有限公司工会委员会", "城北区", "西宁市总工会"),
        ("青海顺达物流有限公司工会委员会", "乐都区", "海东市总工会"),
    ]


def test_an_enterprise_listed_twice_is_one_member() -> None:
    code = "91630105MA7B2K3L4B"
    records = [firm(1, anchor="朝阳物流园", credit_code=code, credit_valid=True, employees=8),
               firm(2, anchor="朝阳物流园", credit_code=code, credit_valid=True, employees=8),
               firm(3, anchor="朝阳物流园")]
    (union,) = plan_of(records)
    assert union.size == 2 and union.employees == 8 + 3


def test_a_county_joint_union_of_several_groups_names_their_responsible_units() -> None:
    records = [firm(1), firm(2), record({"name": "商场", "group": "商场信息员", "employees": 5}, row=3),
               record({"name": "家政", "group": "家政服务员", "employees": 5}, row=4)]
    (union,) = plan_of(records)
    assert union.name == "城东区小微企业联合工会" and union.size == 4
    assert union.responsible == "西宁市总工会、省财贸工会"


def test_decisions_that_form_no_union_are_left_out() -> None:
    records = [
        firm(1, status="注销"),
        firm(2, has_union=True),
        firm(3, employees=None),
    ]
    assert [d.code for d in classify(records, RS)] == ["excluded", "established", "unverified"]
    assert plan_of(records) == []


def test_plan_is_ordered_by_division_code_then_kind() -> None:
    """西宁市 (630100) before 海东市 (630200), 城东区 (630102) before 城北区 (630105) — not by code point,
    which would put 海东市 first."""
    records = [firm(1, prefecture="海东市", county="乐都区"), firm(2, county="城北区", vehicles_owned=25),
               firm(3, entity_type="个体货运户"), firm(4, vehicles_owned=25), firm(5, anchor="朝阳物流园"),
               firm(6, prefecture="", county="")]
    plan = plan_of(records)
    assert [(p.county, p.decision) for p in plan] == [
        ("城东区", "standalone"), ("城东区", "joint"), ("城东区", "territorial"), ("城北区", "standalone"),
        ("乐都区", "joint"), ("", "joint")]
