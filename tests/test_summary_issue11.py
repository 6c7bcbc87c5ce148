"""Issue 11's summary figures: rates that say what they count, 待接转会员, 新建工会 as transitions, pilots and
the late flag."""

from __future__ import annotations

from typing import Any

from stdnum.cn.uscc import calc_check_digit

from qhunion.decide.ruleset import packaged
from qhunion.ledger import Ledger, Source
from qhunion.records import Record
from qhunion.rules import classify
from qhunion.summary import round_date, summarize

RS = packaged()
XN = "西宁市"


def code(n: int) -> str:
    base = f"91630100MB{n:07d}"
    return base + calc_check_digit(base)


def rec(n: int, county: str, **kw: Any) -> Record:
    r = Record("f.xlsx", "S", n + 2, name=f"第{n}物流有限公司", prefecture=XN, county=county, entity_type="企业",
               **kw)
    r.credit_code, r.credit_valid = code(n), True
    return r


def load(ledger: Ledger, label: str, records: list[Record]) -> None:
    ledger.add(Source(f"{label}.xlsx", label * 8), list(zip(records, classify(records, RS), strict=True)), RS,
               label)


def rows(ledger: Ledger, **kw: Any) -> dict[str, dict[str, Any]]:
    data = summarize(ledger, RS, **kw).as_dict()
    return {r["label"]: r for r in [*data["rows"], data["total"]]}


def test_closed_members_wait_for_transfer_and_suspended_firms_stay() -> None:
    with Ledger("sqlite://") as ledger:
        load(ledger, "2018-04", [
            rec(1, "城北区", status="注销", has_union=True, members=35, employees=40, vehicles_owned=30),
            rec(2, "城北区", status="停业", has_union=False, employees=30, vehicles_owned=25),
        ])
        row = rows(ledger, region="西宁")["城北区"]
    assert (row["excluded"], row["deferred"]) == (1, 1)
    assert row["members_to_transfer"] == 35  # not dropped: their 会籍 must follow them (三（三）)
    assert row["members"] == 0 and row["employees"] == 30  # the suspended firm is still in the workforce
    assert row["required"] == 1  # and still required to form its union once it resumes


def test_membership_rate_over_the_enterprises_that_reported() -> None:
    with Ledger("sqlite://") as ledger:
        load(ledger, "2018-04", [rec(1, "城北区", employees=40, vehicles_owned=30, has_union=True),
                                 rec(2, "城北区", employees=40, vehicles_owned=30, has_union=True, members=40)])
        row = rows(ledger, region="西宁")["城北区"]
    # The example: 40 staff with members blank + 40/40 used to read 50%.
    assert row["membership_rate"] == 1.0 and row["members_unreported"] == 1


def test_new_unions_are_transitions_not_a_net_difference() -> None:
    with Ledger("sqlite://") as ledger:
        load(ledger, "2018-04", [
            rec(1, "城北区", employees=40, vehicles_owned=30, has_union=False),
            rec(2, "城北区", employees=40, vehicles_owned=30, has_union=True, members=10),
        ])
        load(ledger, "2018-08", [
            rec(1, "城北区", employees=40, vehicles_owned=30, has_union=True, members=20),  # formed its union
            rec(2, "城北区", status="注销", has_union=True, members=10),  # closed: −1 established
            rec(3, "城北区", employees=30, has_union=True, members=5),  # first surveyed, union already there
        ])
        row = rows(ledger, region="西宁", round_label="2018-08", compare="2018-04")["城北区"]
    # Net difference of 已建会 would be 2 − 1 = 1 by luck; the transitions are: 1 formed, the new survey is
    # not “new”, the closure is not a loss of a new union.
    assert row["new_unions"] == 1
    assert row["established"] == 2


def test_a_county_is_not_a_pilot_because_its_prefecture_is_and_late_counties_are_flagged() -> None:
    with Ledger("sqlite://") as ledger:
        load(ledger, "2018-04", [rec(1, "城北区", employees=5, vehicles_owned=2)])
        load(ledger, "2018-06", [rec(2, "湟中区", employees=5, vehicles_owned=2)])
        by_county = rows(ledger, region="西宁")
        county_scope = rows(ledger, region="城北区")
        prefecture = rows(ledger)
    assert by_county["城北区"]["pilot"] is False and by_county["合计"]["pilot"] is True  # 西宁市 is a pilot
    assert county_scope["合计"]["pilot"] is False
    assert prefecture[XN]["pilot"] is True
    assert (by_county["城北区"]["late"], by_county["湟中区"]["late"], by_county["城东区"]["late"]) == (
        False, True, None)


def test_round_dates() -> None:
    assert round_date("2018-04") is not None and round_date("2018-04").isoformat() == "2018-04-01"  # type: ignore[union-attr]
    assert round_date("2018年5月20日").isoformat() == "2018-05-20"  # type: ignore[union-attr]
    assert round_date("第一轮") is None and round_date("2018-13") is None
