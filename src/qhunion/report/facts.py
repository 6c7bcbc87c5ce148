"""What `qhunion report` says, gathered from the ledger as plain values (issue 16); `report.document` renders them.

Every figure is a `Summary.as_dict()` value — the same fold `summary --format json` prints — so the document an
office sends upward cannot drift from the ledger. This module only picks rows, compares them with each other
and with the rule set's deadlines, and lists the enterprises still to form a union.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qhunion.summary import SummaryError, scope_of, summarize

if TYPE_CHECKING:
    from qhunion.decide.ruleset import RuleSet
    from qhunion.ledger import ImportInfo, Ledger, Pending
    from qhunion.summary import Scope

ANNEX_LIMIT = 300  # a longer list is unreadable in Word; the rest are counted, and named in the workbooks
SURVEY_SECTION = "三（一）"  # 4 月底前 调查摸底
PILOT_SECTION = "五（二）"  # 4 月下旬至 7 月底 试点, 8 月中旬 报告


@dataclass(frozen=True)
class Lag:
    """A county behind the others, and each reason in one Chinese clause."""

    label: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Sources:
    ledger: str
    imports: int
    by_round: tuple[tuple[str, int], ...]  # (round label or "", files)
    rule_set: str
    decision_rule_sets: tuple[str, ...]


@dataclass
class ProgressData:
    """The 督查通报 of 六（三）: a region's progress at a round (or now), county by county."""

    scope: Scope
    round_label: str | None
    compare: str | None
    this_round: str | None  # the round "no survey this round" refers to: --round, else the ledger's latest
    counties: dict[str, Any]  # summary --by county, as_dict()
    prefectures: dict[str, Any] | None  # summary --by prefecture (province reports)
    lagging: list[Lag]
    pending: list[Pending]
    pending_total: int
    sources: Sources
    target_shown: str  # 60%
    unit: str  # the union office the report comes from
    generated: dt.date = field(default_factory=dt.date.today)

    @property
    def surveyed_counties(self) -> int:
        return sum(1 for r in self.counties["rows"] if r["enterprises"] and r.get("county"))


@dataclass
class PilotData:
    """The report each pilot unit owes the provincial federation in 8 月中旬 (五（二））."""

    scope: Scope
    unit: str
    start: dt.date
    end: dt.date
    due: dt.date
    rounds: list[tuple[str, dict[str, Any]]]  # (round, the region's total at its end), oldest first
    left_out: list[str]  # rounds outside the pilot period, or whose label names no month
    change: dict[str, Any] | None  # total at the last round, compared with the first
    latest: dict[str, Any]  # summary --by county at the last round
    pending: list[Pending]
    pending_total: int
    sources: Sources
    target_shown: str
    generated: dt.date = field(default_factory=dt.date.today)


def round_month(label: str) -> dt.date | None:
    """2018-04, 2018.4, 2018年4月 → the first day of that month; other labels name no month."""
    m = re.match(r"\s*(\d{4})\D{0,2}(\d{1,2})(?!\d)", label)
    if not m or not 1 <= int(m[2]) <= 12:
        return None
    return dt.date(int(m[1]), int(m[2]), 1)


def office(scope: Scope) -> str:
    """The union office a region's report comes from: 海西州总工会, 格尔木市总工会, 青海省总工会."""
    from qhunion.rules import prefecture_union

    if scope.level == "province":
        return "青海省总工会"
    if scope.level == "county":
        return f"{scope.county}总工会"
    return prefecture_union(scope.prefecture)


def short_name(scope: Scope) -> str:
    """海西蒙古族藏族自治州 → 海西州 (as file names and titles say it)."""
    if scope.level == "province":
        return "青海省"
    return office(scope).removesuffix("总工会")


def _sources(ledger: Ledger, s: dict[str, Any], imports: list[ImportInfo]) -> Sources:
    counts: dict[str, int] = {}
    for i in imports:
        counts[i.round_label] = counts.get(i.round_label, 0) + 1
    return Sources(ledger.name, len(imports), tuple(sorted(counts.items())), s["rule_set"],
                   tuple(s["decision_rule_sets"]))


def _deadline(rs: RuleSet, section: str) -> list[dt.date]:
    return sorted(d.date for d in rs.deadlines if d.section == section)


def progress(ledger: Ledger, rs: RuleSet, region: str | None, round_label: str | None = None,
             compare: str | None = None) -> ProgressData:
    scope = scope_of(region)
    counties = summarize(ledger, rs, region, "county", round_label, compare).as_dict()
    # The rounds as the summary read them (issue 13: 2018-4 is 2018-04; a round without imports is the latest
    # earlier one; --compare later than --round swapped), for everything below.
    round_label, compare = counties["round"], counties["compare"]
    # Each county is compared with its own prefecture: the province report needs every prefecture's rate.
    pref_summary = (summarize(ledger, rs, scope.prefecture, "prefecture", round_label).as_dict()
                    if scope.level != "prefecture" else {"rows": [{**counties["total"], "prefecture": scope.prefecture}]})
    pref_rate = {r["prefecture"]: r["union_rate"] for r in pref_summary["rows"]}
    labelled = [r for r in ledger.rounds() if r]
    this_round = round_label or (labelled[-1] if labelled else None)
    surveys = ledger.county_rounds(scope.prefecture, scope.county)
    survey_by = _deadline(rs, SURVEY_SECTION)
    lagging = []
    for row in counties["rows"]:
        if not row.get("county"):
            continue
        reasons = []
        rounds = [r for r in surveys.get((row["prefecture"], row["county"]), []) if r]
        if not surveys.get((row["prefecture"], row["county"])):
            reasons.append("尚无调查记录")
        elif this_round is not None and this_round not in rounds:
            reasons.append(f"本轮（{this_round}）没有调查记录")
        rate, theirs = row["union_rate"], pref_rate.get(row["prefecture"])
        if rate is not None and theirs is not None and rate < theirs:
            reasons.append(f"建会率 {rate:.1%}，低于{'全州' if '州' in row['prefecture'] else '全市'}的 {theirs:.1%}")
        first = round_month(rounds[0]) if rounds else None
        if first is not None and survey_by and first > survey_by[0]:
            reasons.append(f"首次调查在 {rounds[0]}，晚于{survey_by[0].month}月底的摸底期限（{SURVEY_SECTION}）")
        if reasons:
            lagging.append(Lag(row["label"], tuple(reasons)))
    pending = ledger.pending(scope.prefecture, scope.county, round_label, ANNEX_LIMIT)
    imports = [i for i in ledger.imports() if round_label is None or i.round_label <= round_label]
    return ProgressData(
        scope, round_label, compare, this_round, counties,
        pref_summary if scope.level == "province" else None, lagging, pending,
        counties["total"]["to_form"], _sources(ledger, counties, imports),
        rs.parameters["migrant_target"].shown, office(scope))


def pilot(ledger: Ledger, rs: RuleSet, region: str | None) -> PilotData:
    """A pilot region's figures at the end of each round from the pilot's start to its report."""
    scope = scope_of(region)
    pilots = rs.pilots.prefectures
    if scope.level != "prefecture" or scope.prefecture not in pilots:
        names = "、".join(office(scope_of(p)).removesuffix("总工会") for p in pilots)
        raise SummaryError(f"试点报告按试点地区编写（{names}，{PILOT_SECTION}），"
                           f"“{scope.asked or scope.name}”不是试点地区；其进度请用 --kind progress")
    dates = _deadline(rs, PILOT_SECTION)
    start, end, due = dates[0], dates[-2] if len(dates) > 2 else dates[-1], dates[-1]
    inside, left_out = [], []
    for label in (r for r in ledger.rounds() if r):
        month = round_month(label)
        if month is not None and start.replace(day=1) <= month <= due:
            inside.append(label)
        else:
            left_out.append(label)
    if not inside:
        raise SummaryError(f"账本 {ledger.name} 中没有 {start.month}月至{due.month}月 的调查轮次（轮次请写成 2018-04 这样），"
                           "无法编写试点报告")
    rounds = [(r, summarize(ledger, rs, region, "county", r).as_dict()["total"]) for r in inside]
    latest_summary = summarize(ledger, rs, region, "county", inside[-1],
                               inside[0] if len(inside) > 1 else None)
    latest = latest_summary.as_dict()
    imports = [i for i in ledger.imports() if i.round_label in inside]
    return PilotData(
        scope, office(scope), start, end, due, rounds, left_out,
        latest["total"] if len(inside) > 1 else None, latest,
        ledger.pending(scope.prefecture, None, inside[-1], ANNEX_LIMIT), latest["total"]["to_form"],
        _sources(ledger, latest, imports), rs.parameters["migrant_target"].shown)
