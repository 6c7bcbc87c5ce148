"""The pieces of the formation rules (issue 3) that the data-driven cases in ``rule_cases/`` lean on: the
concentration count, the names of the responsible unions, the Decision record. The cases themselves run in
``rule_cases/test_cases.py``.
"""

from __future__ import annotations

from typing import Any

import pytest

from qhunion.decide.ruleset import RuleSet, packaged
from qhunion.normalise.regions import gazetteer
from qhunion.records import Record
from qhunion.rules import (
    classify,
    count_small_carriers,
    county_union,
    meets_standalone,
    prefecture_union,
)
from rule_cases.cases import record as _record


@pytest.fixture(scope="module")
def rs() -> RuleSet:
    return packaged()


# ── The concentration count ──────────────────────────────────────────────────────────────────────────

def _carrier(n: int, county: str = "城北区", **values: Any) -> Record:
    return _record({"name": f"城北第{n}货运有限公司", "county": county, "vehicles_owned": 2, "employees": 3,
                    **values}, row=n)


def test_count_small_carriers_counts_only_what_the_rule_is_about(rs: RuleSet) -> None:
    records = [_carrier(i) for i in range(2, 8)]  # 6 small carriers
    records += [
        _carrier(10, entity_type="个体货运户"),  # individuals count
        _carrier(11, anchor="朝阳物流园"),  # on an anchor: no
        _carrier(12, vehicles_owned=20),  # standalone: no
        _carrier(13, has_union=True),  # established: no
        _carrier(14, status="吊销"),  # excluded: no
        _carrier(15, employees=None),  # unverified: no
        _carrier(16, group="保安员"),  # not a carrier: no
        _carrier(17, county=None),  # nowhere to count
        _carrier(18, county="城东区"),  # another county
    ]
    assert count_small_carriers(records, rs) == {"城北区": 7, "城东区": 1}


def test_a_county_reaching_the_threshold_is_covered_by_one_industry_union(rs: RuleSet) -> None:
    records = [_carrier(i) for i in range(2, 12)]  # 10
    decisions = classify(records, rs)
    assert {d.code for d in decisions} == {"industry"}
    assert {d.proposal for d in decisions} == {"城北区物流行业工会"}
    # One fewer, and none of them is.
    decisions = classify(records[:-1], rs)
    assert {d.code for d in decisions} == {"joint"}


def test_a_duplicate_listing_is_counted_once(rs: RuleSet) -> None:
    code = "91630105MA7B2K3L4B"
    records = [_carrier(i) for i in range(2, 11)]  # 9
    records += [_carrier(20, credit_code=code, credit_valid=True), _carrier(21, credit_code=code, credit_valid=True)]
    assert count_small_carriers(records, rs)["城北区"] == 10
    assert {d.code for d in classify(records, rs)} == {"industry"}
    assert {d.code for d in classify(records[:8] + records[9:], rs)} == {"joint"}  # 8 + the pair = 9


def test_the_threshold_is_read_from_the_rule_set(rs: RuleSet) -> None:
    params = dict(rs.parameters)
    params["industry_concentration"] = params["industry_concentration"].model_copy(update={"value": 3})
    province = rs.model_copy(update={"parameters": params})
    records = [_carrier(i) for i in range(2, 5)]
    decisions = classify(records, province)
    assert {d.code for d in decisions} == {"industry"}
    assert "3 家 ≥ 3 家" in decisions[0].explanation


# ── Responsible unions ───────────────────────────────────────────────────────────────────────────────

@pytest.mark.parametrize(("prefecture", "union"), [
    ("西宁市", "西宁市总工会"), ("海东市", "海东市总工会"), ("海北藏族自治州", "海北州总工会"),
    ("黄南藏族自治州", "黄南州总工会"), ("海南藏族自治州", "海南州总工会"), ("果洛藏族自治州", "果洛州总工会"),
    ("玉树藏族自治州", "玉树州总工会"), ("海西蒙古族藏族自治州", "海西州总工会"), (None, "所在市（州）总工会"),
])
def test_prefecture_union_is_named_as_the_document_names_them(prefecture: str | None, union: str) -> None:
    assert prefecture_union(prefecture) == union


def test_every_prefecture_is_covered() -> None:
    assert len(gazetteer().prefectures()) == 8


@pytest.mark.parametrize(("county", "union"), [
    ("城北区", "城北区总工会"), ("格尔木市", "格尔木市总工会"), ("大通回族土族自治县", "大通县总工会"),
    ("河南蒙古族自治县", "河南县总工会"), ("大柴旦行政委员会", "大柴旦行委总工会"), (None, "所属地工会"),
])
def test_county_union(county: str | None, union: str) -> None:
    assert county_union(county) == union


def test_pilot_prefectures_name_the_pilot_unions(rs: RuleSet) -> None:
    """五（二）: the pilot federations are exactly the drivers' responsible unions of the pilot prefectures."""
    pilots = [prefecture_union(p) for p in rs.pilots.prefectures]
    assert pilots == ["西宁市总工会", "海东市总工会", "海西州总工会"]
    assert set(pilots) <= set(rs.pilots.units)
    drivers = rs.responsibility_for("货车司机")
    assert drivers is not None and set(drivers.pilot_unions) == {"省交通工会", "省经贸工会"}


# ── The Decision record ──────────────────────────────────────────────────────────────────────────────

def test_decision_record_carries_inputs_thresholds_and_rule_set(rs: RuleSet) -> None:
    d = classify([_record({"vehicles_owned": 22, "employees": 10}, row=3)], rs)[0]
    data = d.as_dict()
    assert data["decision"] == "standalone" and data["decision_label"] == "单独建会"
    assert data["inputs"] == {"vehicles_owned": 22}
    assert data["thresholds"] == {"standalone_vehicles": 20}
    assert data["rule_set"] == rs.stamp
    assert data["clauses"] == ["qh-3-2-standalone", "tul-11", "civil-1259"]
    assert d.citation == "青总办〔2018〕19号 三（二）"


def test_meets_standalone_ignores_a_union_but_not_the_group(rs: RuleSet) -> None:
    assert meets_standalone(_record({"vehicles_owned": 20, "has_union": True}, row=3), rs)
    assert not meets_standalone(_record({"vehicles_owned": 30, "employees": 10, "group": "快递员"}, row=3), rs)
    assert meets_standalone(_record({"employees": 25, "group": "快递员"}, row=3), rs)
