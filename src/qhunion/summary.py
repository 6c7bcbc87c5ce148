"""Progress toward the goals of 青总办〔2018〕19号, by region, decision, group, responsible union or anchor.

Plain functions returning values: `summarize(ledger, rs, …)` over the ledger's current records (or those
current at the end of a survey round, or the change between two rounds), `summarize_files(…)` over files
classified on the spot. Rendering is `render.ledgerviews`' job.

What the figures mean (per row, and for the total):

- ``enterprises`` surveyed and the count per decision (standalone … unverified).
- 建会率 ``union_rate`` = ``required_with_union`` / ``required``: of the enterprises 三（二） requires to form
  their own union (实际拥有车辆 20 台以上或职工 25 人以上, `rules.meets_standalone`), those that have one;
  ``to_form`` is the rest. Closed enterprises (不纳入) are never required.
- Workforce figures (employees, members, drivers, migrant workers …) add up what the survey reported for
  enterprises still in business: a closed enterprise counts in ``enterprises`` and ``excluded`` only.
- 入会率 = members / employees, drivers' and migrant workers' rates likewise (None when nobody is counted).
- ``migrant_target_gap`` = ⌈60 % × migrant workers⌉ − migrant members, at least 0: members still needed for
  the row to reach the target of 二（力争到 2020 年底全省农民工入会率达到 60%）; the percentage is the rule
  set's ``migrant_target``.
- ``pilot``: the row's region (or responsible union) is a pilot of 五（二）; a county is not one because its
  prefecture is.

Issue 11: 入会率 counts only the enterprises that reported the member count (``*_unreported``: how many did
not); closed enterprises' members are ``members_to_transfer`` (待接转会员, 三（三）); 新建工会 with ``--compare``
counts enterprises that went from not established to established; ``late``: a county whose first survey
round is after 三（一）'s 4 月底; the 60% gap of a row counts that row's surveyed enterprises only (the target is
province-wide); under ``--by responsible`` an enterprise counts in each of its units' rows (noted).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields, replace
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from qhunion.decide.ruleset import DECISION_CODES, RuleSet
from qhunion.errors import UsageProblem
from qhunion.fields import GROUPS, label
from qhunion.normalise.privacy import mask_optional
from qhunion.normalise.regions import PROVINCE, gazetteer
from qhunion.rules import prefecture_union
from qhunion.tally import COUNTS

if TYPE_CHECKING:
    from qhunion.ledger import Ledger
    from qhunion.pipeline import Result
    from qhunion.records import Record
    from qhunion.rules import Decision
    from qhunion.tally import Tally

BY_CHOICES = ("prefecture", "county", "decision", "group", "responsible", "anchor")
UNASSIGNED = "（未明确）"  # 家政服务员: 五（三） names no responsible union
NO_ANCHOR = "（无依托）"
NO_REGION = "地区不明"  # issue 10: no record vanishes from the figures
NO_COUNTY = "（县区不明）"


# Columns, in the order every output shows them. JSON uses the ids; tables and the workbook `column_labels`.
KEY_COLUMNS = {
    "prefecture": ("prefecture",), "county": ("prefecture", "county"), "decision": ("decision",),
    "group": ("group",), "responsible": ("responsible", "group"), "anchor": ("anchor",),
}
UNION_COLUMNS = ("enterprises", *DECISION_CODES, "required", "required_with_union", "to_form", "union_rate")
MEMBER_COLUMNS = ("employees", "members", "membership_rate", "members_unreported", "drivers", "driver_members",
                  "driver_membership_rate", "driver_members_unreported", "migrant_workers", "migrant_members",
                  "migrant_membership_rate", "migrant_members_unreported", "migrant_target_gap",
                  "members_to_transfer")
CHANGE_COLUMNS = ("new_unions", "union_rate_change", "new_members", "membership_rate_change",
                  "new_driver_members", "driver_membership_rate_change", "new_migrant_members",
                  "migrant_membership_rate_change")
# The one list of shares (0–1, shown as a percentage; in CHANGE_COLUMNS, a change in percentage points), for
# the terminal table, the workbook and the report alike.
RATE_COLUMNS = frozenset(c for c in (*UNION_COLUMNS, *MEMBER_COLUMNS, *CHANGE_COLUMNS) if "rate" in c)
BY_LABELS = {"prefecture": "市（州）", "county": "县（市、区）", "decision": "判定", "group": "群体",
             "responsible": "责任单位", "anchor": "依托的平台、园区、市场"}


def column_labels(rs: RuleSet) -> dict[str, str]:
    """Column id → Chinese header. Survey counts keep the survey's own names (`fields`), decisions the rule
    set's labels, and the target its value."""
    return {
        "label": "", "region": "地区", "pilot": "试点", **BY_LABELS,
        "enterprises": "企业数", **{code: rs.label(code) for code in DECISION_CODES},
        "required": "应单独建会", "required_with_union": "其中已建会", "to_form": "尚需单独建会", "union_rate": "建会率",
        **{c: label(c) for c in WORKFORCE},
        "membership_rate": "入会率", "driver_membership_rate": "司机入会率", "migrant_membership_rate": "农民工入会率",
        "migrant_target_gap": f"距全省{rs.parameters['migrant_target'].shown}目标尚需入会农民工（按本行调查企业计）",
        "members_unreported": "未填会员人数的企业", "driver_members_unreported": "未填入会司机人数的企业",
        "migrant_members_unreported": "未填入会农民工人数的企业", "members_to_transfer": "待接转会员",
        "late": f"首轮调查晚于 {deadline_shown(rs)}",
        "new_unions": "新建工会", "new_members": "新增会员", "new_driver_members": "新增入会司机",
        "new_migrant_members": "新增入会农民工", "union_rate_change": "建会率变化",
        "membership_rate_change": "入会率变化", "driver_membership_rate_change": "司机入会率变化",
        "migrant_membership_rate_change": "农民工入会率变化",
    }


class SummaryError(UsageProblem):
    """The summary cannot be made as asked. ``reason`` is a Chinese sentence."""


class UnknownRegion(SummaryError):
    """``--region`` named no prefecture or county of Qinghai."""


@dataclass(frozen=True, slots=True)
class Note:
    """A footnote of a summary: ``code`` to ask by (a caller never searches the sentence), ``text`` printed.
    Codes: round-swapped, round-nearest, target-gap, rates-reported, responsible-multi, unplaced."""

    code: str
    text: str


@dataclass(frozen=True)
class Scope:
    """The region a summary covers: the province, a prefecture or a county."""

    name: str
    level: str  # "province" | "prefecture" | "county"
    prefecture: str | None = None
    county: str | None = None
    asked: str | None = None  # as the user wrote it
    former: bool = False  # matched a former name (湟中县 → 湟中区)


def scope_of(text: str | None) -> Scope:
    """西宁 → 西宁市 (with its counties), 格尔木 → 格尔木市, 湟中县 → 湟中区; unknown → UnknownRegion."""
    if text is None or not text.strip() or text.strip() in (PROVINCE, "青海", "全省"):
        return Scope(PROVINCE, "province", asked=text)
    g = gazetteer()
    match = g.any_level(text)
    if match is None:
        near = g.nearest_names(text)
        hint = f"，是否是：{'、'.join(near)}？" if near else "；请写市（州）或县（市、区）的名称，如 西宁、格尔木、湟中区"
        raise UnknownRegion(f"青海省没有名为“{text.strip()}”的市（州）或县（市、区）{hint}")
    d = match.division
    if d.is_county:
        return Scope(d.name, "county", d.parent_name, d.name, text, match.former)
    return Scope(d.name, "prefecture", d.name, None, text, match.former)


WORKFORCE = COUNTS  # the workforce figures are the counts each cell sums


@dataclass
class Figures:
    """Counts that add up: a row is the sum of the ledger cells that fall in it."""

    enterprises: int = 0
    standalone: int = 0
    joint: int = 0
    industry: int = 0
    territorial: int = 0
    established: int = 0
    excluded: int = 0
    unverified: int = 0
    required: int = 0
    required_with_union: int = 0
    employees: int = 0
    members: int = 0
    drivers: int = 0
    driver_members: int = 0
    migrant_workers: int = 0
    migrant_members: int = 0
    deferred: int = 0
    reported_employees: int = 0
    reported_drivers: int = 0
    reported_migrant_workers: int = 0
    members_unreported: int = 0
    driver_members_unreported: int = 0
    migrant_members_unreported: int = 0
    members_to_transfer: int = 0

    def add(self, t: Tally) -> None:
        n = t.enterprises
        self.enterprises += n
        if t.decision in DECISION_CODES:
            setattr(self, t.decision, getattr(self, t.decision) + n)
        if t.decision == "excluded":
            # Closed: neither required to form a union nor counted in the workforce — but its members' 会籍
            # must follow them (三（三）“不缺项不断档”): shown as 待接转会员, not dropped.
            self.members_to_transfer += t.members
            return
        self.reported_employees += t.reported_employees
        self.reported_drivers += t.reported_drivers
        self.reported_migrant_workers += t.reported_migrant_workers
        self.members_unreported += t.unreported_members
        self.driver_members_unreported += t.unreported_driver_members
        self.migrant_members_unreported += t.unreported_migrant_members
        if t.meets_standalone:
            self.required += n
            if t.decision == "established":
                self.required_with_union += n
        for name in WORKFORCE:
            setattr(self, name, getattr(self, name) + getattr(t, name))

    @property
    def to_form(self) -> int:
        return self.required - self.required_with_union

    def rates(self) -> dict[str, float | None]:
        return {
            "union_rate": _rate(self.required_with_union, self.required),
            # Over the enterprises that reported the part: a blank member count is unknown, not 0.
            "membership_rate": _rate(self.members, self.reported_employees),
            "driver_membership_rate": _rate(self.driver_members, self.reported_drivers),
            "migrant_membership_rate": _rate(self.migrant_members, self.reported_migrant_workers),
        }

    def target_gap(self, target: float) -> int:
        # Exact arithmetic: 0.6 × 10 is 6.000000000000001 in floats, whose ceiling would ask for a 7th member.
        # Over all migrant workers surveyed (a blank member count may hide members: an upper bound).
        return max(0, math.ceil(Fraction(str(target)) * self.migrant_workers) - self.migrant_members)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


@dataclass(frozen=True)
class Row:
    label: str  # what the row is, as shown: 西宁市, 城北区, 单独建会, 省邮政工会 · 快递员, 朝阳物流园
    keys: dict[str, str | None]  # the grouping values, by JSON key (prefecture/county, decision, group …)
    region: str | None  # the row's division (by prefecture/county), else the summary's region
    pilot: bool
    figures: Figures = field(default_factory=Figures)
    base: Figures | None = None  # the same row at the compared round
    new_unions: int = 0  # with a base: enterprises that went from not established to established
    late: bool | None = None  # by county: the first survey round came after 三（一）'s 4 月底

    def as_dict(self, target: float) -> dict[str, Any]:
        f = self.figures
        out: dict[str, Any] = {"region": self.region, "label": self.label, **self.keys, "pilot": self.pilot}
        out.update({k.name: getattr(f, k.name) for k in fields(f) if not k.name.startswith("reported_")})
        if "county" in self.keys:
            out["late"] = self.late
        out["to_form"] = f.to_form
        rates = f.rates()
        out.update(rates)
        out["migrant_target_gap"] = f.target_gap(target)
        if self.base is not None:
            b = self.base
            out["new_unions"] = self.new_unions
            out["new_members"] = f.members - b.members
            out["new_driver_members"] = f.driver_members - b.driver_members
            out["new_migrant_members"] = f.migrant_members - b.migrant_members
            for name, before in b.rates().items():
                now = rates[name]
                out[f"{name}_change"] = None if now is None or before is None else round(now - before, 4)
        return out


@dataclass(frozen=True)
class Summary:
    by: str
    scope: Scope
    round_label: str | None
    compare: str | None
    rule_set: str  # the rule set whose target and pilots the figures use
    target: float
    source: str  # the ledger, or the files summarised
    rows: list[Row]
    total: Row
    decision_rule_sets: list[str] = field(default_factory=list)  # those the decisions were made under
    notes: list[Note] = field(default_factory=list)  # footnotes: what a reader must know to add the rows up
    generated_at: dt.datetime = field(default_factory=lambda: dt.datetime.now().astimezone())

    def note(self, code: str) -> Note | None:
        """The footnote of that code, if the summary has one."""
        return next((n for n in self.notes if n.code == code), None)

    def columns(self) -> list[str]:
        """The flat columns of a CSV or workbook row."""
        return ["label", "region", *KEY_COLUMNS[self.by], "pilot", *(("late",) if self.by == "county" else ()),
                *UNION_COLUMNS, *MEMBER_COLUMNS,
                *(CHANGE_COLUMNS if self.compare is not None else ())]

    def as_dict(self) -> dict[str, Any]:
        return {
            "by": self.by,
            "region": self.scope.name,
            "round": self.round_label,
            "compare": self.compare,
            "source": self.source,
            "rule_set": self.rule_set,
            "decision_rule_sets": self.decision_rule_sets,
            "migrant_target": self.target,
            "generated_at": self.generated_at.isoformat(timespec="seconds"),
            "notes": [n.text for n in self.notes],
            "rows": [r.as_dict(self.target) for r in self.rows],
            "total": self.total.as_dict(self.target),
        }


# ── Folding the ledger's cells into rows ─────────────────────────────────────────────────────────────
def default_by(scope: Scope) -> str:
    return "prefecture" if scope.level == "province" else "county"


def _unions(t: Tally) -> list[str]:
    return [u for u in (t.responsible or "").split("、") if u] or [UNASSIGNED]


class _Rows:
    """Rows keyed by their grouping values, created on first use (or in advance, to show zeros)."""

    def __init__(self, by: str, scope: Scope, rs: RuleSet) -> None:
        self.by, self.scope, self.rs = by, scope, rs
        self.rows: dict[tuple[str | None, ...], Row] = {}
        self.scope_pilot = scope_is_pilot(scope, rs)

    def keys_of(self, t: Tally) -> list[tuple[str | None, ...]]:
        by = self.by
        if by == "prefecture":
            return [(t.prefecture,)]
        if by == "county":
            return [(t.prefecture, t.county)]
        if by == "decision":
            return [(t.decision,)]
        if by == "group":
            return [(t.group_name,)]
        if by == "responsible":
            # 五（二）: the pilot units (省交通工会、省经贸工会) have rows of their own for the group they pilot.
            spec = self.rs.responsibility_for(t.group_name)
            pilots = [u for u in spec.pilot_unions if u not in _unions(t)] if spec else []
            return [(u, t.group_name) for u in [*_unions(t), *pilots]]
        return [(mask_optional(t.anchor),)]  # a phone written into an anchor's name (issue 14, item 8)

    def row(self, key: tuple[str | None, ...]) -> Row:
        found = self.rows.get(key)
        if found is None:
            found = self.rows[key] = self._new(key)
        return found

    def _new(self, key: tuple[str | None, ...]) -> Row:
        by, rs, pilots = self.by, self.rs, self.rs.pilots
        if by == "prefecture":
            (pref,) = key
            return Row(pref or NO_REGION, {"prefecture": pref}, pref, pref in pilots.prefectures)
        if by == "county":
            pref, county = key
            shown = county or (f"{pref}{NO_COUNTY}" if pref else NO_REGION)
            # A county is not a pilot area because its prefecture is (五（二） names prefectures' federations).
            return Row(shown, {"prefecture": pref, "county": county}, county, False)
        region = self.scope.name
        if by == "decision":
            (code,) = key
            return Row(rs.decisions.get(code or "", code or ""), {"decision": code}, region, self.scope_pilot)
        if by == "group":
            (group,) = key
            return Row(group or "", {"group": group}, region, self.scope_pilot)
        if by == "responsible":
            union, group = key
            return Row(f"{union} · {group}", {"responsible": union, "group": group}, region,
                       union in pilots.units)
        (anchor,) = key
        return Row(anchor or NO_ANCHOR, {"anchor": anchor}, region, self.scope_pilot)

    def expected(self) -> list[tuple[str | None, ...]]:
        """Rows shown even when empty: every division of the region (a county that has not reported shows
        as 0) and every decision."""
        g = gazetteer()
        scope = self.scope
        if self.by == "prefecture":
            return [(p.name,) for p in g.prefectures() if scope.prefecture in (None, p.name)]
        if self.by == "county":
            if scope.county is not None:
                return [(scope.prefecture, scope.county)]
            return [(c.parent_name, c.name) for c in g.counties()
                    if scope.prefecture in (None, c.parent_name)]
        if self.by == "decision":
            return [(code,) for code in DECISION_CODES]
        return []

    def ordered(self) -> list[Row]:
        if self.by in ("prefecture", "county", "decision"):
            return list(self.rows.values())  # gazetteer / rule-set order, unknown regions last
        if self.by == "group":
            order = {g: i for i, g in enumerate(GROUPS)}
            return sorted(self.rows.values(), key=lambda r: (order.get(r.keys["group"] or "", len(order)),
                                                             r.label))
        if self.by == "responsible":
            # Each union with its groups; unions in the order of the first group they answer for, the
            # prefectures' own federations in gazetteer order.
            order = {g: i for i, g in enumerate(GROUPS)}
            places = {prefecture_union(p.name): i for i, p in enumerate(gazetteer().prefectures())}
            first: dict[str, int] = {}
            for (union, group) in self.rows:
                first[union or ""] = min(first.get(union or "", 99), order.get(group or "", 99))

            def key(r: Row) -> tuple[bool, int, int, str, int]:
                union = r.keys["responsible"] or ""
                return (union == UNASSIGNED, first[union], places.get(union, 99), union,
                        order.get(r.keys["group"] or "", 99))

            return sorted(self.rows.values(), key=key)
        return sorted(self.rows.values(), key=lambda r: (r.keys["anchor"] is None, -r.figures.enterprises,
                                                         r.label))


def fold_tallies(tallies: Iterable[Tally], by: str, scope: Scope, rs: RuleSet) -> tuple[list[Row], Figures]:
    """The ledger's cells → the summary's rows and their total. The cells partition the records, so the
    total is their plain sum even where a record appears in several rows (a group with two unions)."""
    rows = _Rows(by, scope, rs)
    for key in rows.expected():
        rows.row(key)
    total = Figures()
    for t in tallies:
        total.add(t)
        for key in rows.keys_of(t):
            rows.row(key).figures.add(t)
    return rows.ordered(), total


class DecisionCounts(NamedTuple):
    """The annotated workbook's 汇总: decisions per prefecture, per county and in all."""

    by_prefecture: dict[str, Counter[str]]
    by_county: dict[tuple[str, str], Counter[str]]
    total: Counter[str]


def decision_counts(pairs: Iterable[tuple[Record, Decision]], rs: RuleSet) -> DecisionCounts:
    """汇总's figures from the same cells and fold as `qhunion summary` (issue 12: one enterprise listed twice
    counts once, as in the summary), so that the workbook writer only renders them."""
    from qhunion.tally import tallies

    cells = tallies(pairs)
    scope = scope_of(None)

    def counts(figures: Figures) -> Counter[str]:
        return Counter({code: getattr(figures, code) for code in DECISION_CODES})

    rows, total = fold_tallies(cells, "prefecture", scope, rs)
    by_pref = {r.keys["prefecture"] or "（未知）": counts(r.figures) for r in rows if r.figures.enterprises}
    rows, _ = fold_tallies(cells, "county", scope, rs)
    by_county = {(r.keys["prefecture"] or "（未知）", r.keys["county"] or "（未知）"): counts(r.figures)
                 for r in rows if r.figures.enterprises}
    return DecisionCounts(by_pref, by_county, counts(total))


def _check_by(by: str | None, scope: Scope) -> str:
    by = by or default_by(scope)
    if by not in BY_CHOICES:
        raise SummaryError(f"不能按“{by}”汇总；可选：{'、'.join(BY_CHOICES)}")
    if scope.level == "county" and by == "prefecture":
        return "county"  # one county's figures are not its prefecture's
    return by


def scope_is_pilot(scope: Scope, rs: RuleSet) -> bool:
    """A prefecture named by 五（二）; not the province, not one of its counties."""
    return scope.level == "prefecture" and scope.prefecture in rs.pilots.prefectures


def _total_row(scope: Scope, figures: Figures, rs: RuleSet) -> Row:
    return Row("合计", {}, scope.name, scope_is_pilot(scope, rs), figures)


def _late_after(rs: RuleSet) -> dt.date | None:
    """三（一）'s survey deadline (4 月底前)."""
    return next((d.date for d in rs.deadlines if d.section == "三（一）"), None)


def deadline_shown(rs: RuleSet) -> str:
    """三（一）'s survey deadline as the document says it — 4 月底 for a month's last day, else 4 月 20 日 —
    from the rule set, like the lateness it marks."""
    d = _late_after(rs)
    if d is None:
        return "调查摸底期限"
    return f"{d.month} 月底" if (d + dt.timedelta(days=1)).day == 1 else f"{d.month} 月 {d.day} 日"


STANDALONE_SHOWN = "实际拥有车辆 {standalone_vehicles.shown}以上或职工 {standalone_employees.shown}以上"  # 三（二）


def round_date(label: str) -> dt.date | None:
    """2018-05 → 2018-05-01, 2018-05-20 → that day; a label that is not a date → None."""
    import re

    m = re.match(r"^(\d{4})[-./年](\d{1,2})(?:[-./月](\d{1,2}))?", label.strip())
    if not m:
        return None
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3] or 1))
    except ValueError:
        return None


def _notes(by: str, rs: RuleSet) -> list[Note]:
    notes = [Note("target-gap", f"距目标尚需：目标 {rs.parameters['migrant_target'].shown} 是全省的（二），"
                                "各行按本行调查企业计，仅供参考"),
             Note("rates-reported", "入会率只计填报了会员人数的企业；未填的企业另列")]
    if by == "responsible":
        multi = [f"{r.group}：{'、'.join([*r.unions, *r.pilot_unions])}" for r in rs.responsibility
                 if len(r.unions) + len(r.pilot_unions) > 1]
        notes.append(Note("responsible-multi",
                          "同一群体由多个单位负责的，企业计入每个单位的行，各行相加多于合计（" + "；".join(multi) + "）"))
    return notes


def summarize(ledger: Ledger, rs: RuleSet, region: str | None = None, by: str | None = None,
              round_label: str | None = None, compare: str | None = None, *, source: str | None = None) -> Summary:
    """The ledger's current records (``round_label``: as they stood at the end of that round) in a region,
    in rows by ``by``; ``compare``: with each row's change since the end of that round. ``source``: what
    the figures come from, when not the ledger itself (the files of `summarize_files`)."""
    scope = scope_of(region)
    by = _check_by(by, scope)
    round_label, compare, round_notes = _rounds(ledger, round_label, compare)

    def rows_at(at: str | None) -> tuple[list[Row], Figures]:
        cells = ledger.tally(scope.prefecture, scope.county, at, anchor=by == "anchor")
        return fold_tallies(cells, by, scope, rs)

    rows, total = rows_at(round_label)
    total_row = _total_row(scope, total, rs)
    if compare is not None:
        # 新建工会: enterprises not established at the end of ``compare`` and established now (issue 11).
        rows, total_row = _compared(rows, total_row, rows_at(compare), fold_tallies(
            ledger.tally(scope.prefecture, scope.county, round_label, anchor=by == "anchor",
                         established_since=compare), by, scope, rs))
    if by == "county":
        deadline = _late_after(rs)
        first = ledger.first_rounds()
        rows = [replace(r, late=_late(first.get((r.keys["prefecture"], r.keys["county"])), deadline))
                for r in rows]
    notes = [*round_notes, *_notes(by, rs)]
    if scope.level != "province" and (unplaced := ledger.unplaced(round_label)):
        notes.append(Note("unplaced", f"另有 {unplaced} 家企业地区不明，不在{scope.name}的数字中（全省汇总计入"
                                      f"“{NO_REGION}”）；请在调查表中补填县（市、区）后重新 classify"))
    return Summary(by, scope, round_label, compare, rs.stamp, rs.param("migrant_target"),
                   source or f"账本 {ledger.name}", rows, total_row, ledger.rule_sets(), notes=notes)


def _compared(rows: list[Row], total: Row, base: tuple[list[Row], Figures],
              new: tuple[list[Row], Figures]) -> tuple[list[Row], Row]:
    """The rows and total with the figures of the compared round (``base``) and the enterprises newly
    established since (``new``): made whole here, not patched afterwards."""
    base_rows, base_total = base
    before = {_row_key(r): r.figures for r in base_rows}
    now = {_row_key(r) for r in rows}
    unions = {_row_key(r): r.figures.enterprises for r in new[0]}
    compared = [replace(r, base=before.get(_row_key(r), Figures()), new_unions=unions.get(_row_key(r), 0))
                for r in rows]
    # A row only the base has (an anchor whose enterprises all moved on): shown with what it lost.
    compared += [replace(r, figures=Figures(), base=r.figures, new_unions=unions.get(_row_key(r), 0))
                 for r in base_rows if _row_key(r) not in now]
    return compared, replace(total, base=base_total, new_unions=new[1].enterprises)


def _late(first_round: str | None, deadline: dt.date | None) -> bool | None:
    """Whether a county's first survey round came after 三（一）'s deadline; None when either is unknown."""
    when = round_date(first_round) if first_round else None
    return None if when is None or deadline is None else when > deadline


def _rounds(ledger: Ledger, round_label: str | None, compare: str | None) -> tuple[
        str | None, str | None, list[Note]]:
    """``--round`` and ``--compare`` as the ledger holds them (issue 13): one spelling (2018-4 is 2018-04);
    the earlier of the two as the base, with a note when they came the other way round; and a round that no
    import carries read as the latest earlier one, saying so. With no earlier round the ledger's own error
    (`UnknownRound`, naming the rounds it has) stands."""
    from qhunion.rounds import canonical, latest_up_to

    notes: list[Note] = []
    at = canonical(round_label) or None if round_label is not None else None
    base = canonical(compare) or None if compare is not None else None
    if at is not None and base is not None and base > at:
        notes.append(Note("round-swapped",
                          f"--compare 的轮次 {base} 晚于 --round 的 {at}，已对调：显示 {at} 到 {base} 的变化"))
        at, base = base, at
    if at is not None or base is not None:
        held = ledger.rounds()
        resolved = []
        for asked in (at, base):
            used = latest_up_to(held, asked) if asked is not None else None
            if asked is not None and used is not None and used != asked:
                notes.append(Note("round-nearest",
                                  f"账本中没有轮次 {asked} 的导入，按截至该轮次的最近一轮 {used} 汇总"))
                asked = used
            resolved.append(asked)
        at, base = resolved
    return at, base, notes


def _row_key(r: Row) -> tuple[str | None, ...]:
    return tuple(r.keys.values())


def summarize_files(files: Sequence[str | Path], rs: RuleSet, encoding: str | None = None,
                    region: str | None = None, by: str | None = None) -> tuple[Summary, Result]:
    """Classify files and summarise them without storing anything: they go through an in-memory ledger, so
    the figures are made exactly as the ledger's are (an identical file counts once, a later survey of the
    same enterprise replaces an earlier one)."""
    from qhunion.ledger import Ledger
    from qhunion.pipeline import run

    scope_of(region)  # an unknown region is reported before any file is read
    result = run(files, rs, encoding, keep_cells=False)
    with Ledger("sqlite://") as ledger:
        ledger.record(result)
        return summarize(ledger, rs, region, by, source="、".join(result.survey.files)), result
