"""The formation rules of 青总办〔2018〕19号 三（二）, applied to records.

Thresholds, clause quotes, labels and precedence live in the rule set (`ruleset.py`); this module holds only
the conditions, one function per precedence step, keyed by the step's id. Each decision is a record of what
was compared with what — the Chinese explanation is rendered from it, never written by hand.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from qhunion.decide import precedence
from qhunion.decide.ruleset import TOOL_DEFAULT, TOOL_READING, Rule, RuleSet
from qhunion.fields import ANCHOR_TYPES, BY_ID, INDIVIDUAL_TYPES, TRUCK_DRIVERS
from qhunion.findings import Finding
from qhunion.normalise import values
from qhunion.normalise.regions import gazetteer
from qhunion.normalise.text import fold
from qhunion.records import Record

OPS = {">=": "≥", "<": "<", "=": "为", "missing": "未填", "unknown": "不明"}


@dataclass(frozen=True, slots=True)
class Term:
    """One comparison or fact the decision rests on, e.g. vehicles_owned 22 >= 20 (standalone_vehicles)."""

    what: str  # a field id, or a derived quantity (see TERM_LABELS)
    value: Any
    op: str = "="  # see OPS; "missing" is a blank count that could decide, "unknown" a fact that cannot be known
    param: str | None = None
    threshold: float | None = None
    default: bool = False  # the threshold is the tool's default, not the document's (issue 11)
    clause: str = ""  # where the threshold comes from, e.g. 青总办〔2018〕19号 三（二）
    text: str = field(init=False, compare=False, repr=False)  # rendered once: terms are shared across rows

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", render_term(self))


@lru_cache(maxsize=65536, typed=True)
def term(what: str, value: Any, op: str = "=", param: str | None = None, threshold: float | None = None,
         default: bool = False, clause: str = "") -> Term:
    """Terms are immutable and repeat across rows (职工 13 人 < 25 人): one shared object per distinct term
    keeps a national survey's decisions small."""
    return Term(what, value, op, param, threshold, default, clause)


def pterm(rs: RuleSet, what: str, value: Any, op: str, pid: str) -> Term:
    """A term comparing with parameter ``pid``: its value and whether it is the tool's own default."""
    p = rs.parameters[pid]
    return term(what, value, op, pid, p.value, p.tool_default, rs.param_citations[pid])


TERM_LABELS = {
    "vehicles_owned": ("实际拥有车辆", "辆"),
    "vehicles_registered": ("登记车辆（含挂靠）", "辆"),
    "employees": ("职工", "人"),
    "status": ("经营状况", ""),
    "union": ("已建工会", ""),
    "anchor": ("依托", ""),
    "entity_type": ("主体类型", ""),
    "carriers_in_county": ("本区域未建会、未依托平台园区市场的小型货运企业", "家"),
    "drivers_in_area": ("其货车司机", "人"),
    "members_to_transfer": ("待接转会员", "人"),
    "attached_drivers": ("挂靠司机", "人"),
}


@dataclass(slots=True)
class Decision:
    code: str
    label: str
    rule: str
    clauses: tuple[str, ...]
    terms: tuple[Term, ...]
    citation: str
    proposal: str
    follow_up: str
    responsible: tuple[str, ...]
    ruleset: str
    flags: tuple[str, ...] = ()  # finding codes the rule raised (registered-only, unverified)
    reading: str = ""  # the tool's own reading the decision rests on
    alternative: str = ""  # a second route the text allows, e.g. 纳入城北区物流行业工会
    # What later stages need, decided here once (issue 12): the ledger stores these without re-deriving them.
    meets_standalone: bool = False  # 三（二） requires its own union, whether or not it has one
    anchor: str | None = None  # the platform, park, market or association it relies on (`anchor_of`)
    vehicles: int | None = None  # the vehicle count the size test read (`vehicles`)
    # What the rules noticed, as findings at the record's cells (registered count only, counts missing): the
    # record stays as reading left it; a renderer shows ``Record.issues`` and these together.
    findings: tuple[Finding, ...] = ()

    @property
    def proposal_shown(self) -> str:
        """建立朝阳物流园联合工会，或纳入城北区物流行业工会 — `proposal` alone names the union (the plan's key)."""
        return f"建立{self.proposal}，或{self.alternative}" if self.proposal and self.alternative else self.proposal
    # Where `responsible` is empty: why (家政服务员: 五（三） names no union), from the rule set's note; where
    # the unit is the tool's reading of the text (货车司机, 保安员), that reading.
    responsible_note: str = ""

    @property
    def inputs(self) -> dict[str, Any]:
        """The record values this decision used."""
        return {t.what: t.value for t in self.terms}

    @property
    def thresholds(self) -> dict[str, float]:
        """The parameters this decision read, with the values it read."""
        return {t.param: t.threshold for t in self.terms if t.param and t.threshold is not None}

    @property
    def missing(self) -> list[str]:
        """The fields whose blank keeps the decision open (a registered count over the threshold leaves the
        owned count missing)."""
        return missing_fields(self.terms)

    @property
    def params(self) -> list[dict[str, Any]]:
        """Each threshold read, with its clause or ``tool_default: true`` (issue 11)."""
        out: list[dict[str, Any]] = []
        for t in self.terms:
            if t.param and t.threshold is not None and all(p["name"] != t.param for p in out):
                entry: dict[str, Any] = {"name": t.param, "value": t.threshold, "unit": _UNITS.get(t.param, "")}
                if t.default:
                    entry["tool_default"] = True
                else:
                    entry["clause"] = t.clause
                out.append(entry)
        return out

    @property
    def explanation(self) -> str:
        """实际拥有车辆 22 辆 ≥ 20 辆（青总办〔2018〕19号 三（二））→ 单独建会"""
        tail = f"；{self.reading}" if self.reading else ""
        texts = [t.text for t in self.terms]  # a list joins faster than a generator: once per row written
        return f"{'，'.join(texts)}（{self.citation}）→ {self.label}{tail}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "decision": self.code,
            "decision_label": self.label,
            "rule": self.rule,
            "clauses": list(self.clauses),
            "explanation": self.explanation,
            "proposal": self.proposal_shown,
            "responsible": "、".join(self.responsible),
            "follow_up": self.follow_up,
            "thresholds": self.thresholds,
            "params": self.params,
            "reading": self.reading,
            "inputs": self.inputs,
            "rule_set": self.ruleset,
        }


_UNITS = {"standalone_vehicles": "辆", "standalone_employees": "人", "industry_concentration": "家",
          "industry_concentration_drivers": "人"}


def missing_fields(terms: Iterable[Term]) -> list[str]:
    return ["vehicles_owned" if t.op == "registered" else t.what for t in terms if t.op in ("missing", "registered")]


def render_term(t: Term) -> str:
    label, unit = TERM_LABELS.get(t.what, (BY_ID[t.what].label if t.what in BY_ID else t.what, ""))
    thr = "" if t.threshold is None else f"{t.threshold:g}"
    mark = TOOL_DEFAULT if t.default else ""
    if t.op == "missing":
        # The threshold the blank count could still reach is what makes the row 待核实: say it.
        return f"{label}未填，可能 ≥ {thr} {unit}{mark}" if thr else f"{label}未填"
    if t.op == "registered":
        # Registered counts include 挂靠 vehicles: they can rule the vehicle test out, never in.
        return f"登记车辆 {t.value} 辆（含挂靠）≥ {thr} {unit}，实际拥有车辆未填"
    if t.what == "carriers_in_county" and t.op == "unknown":
        return f"所在县（市、区）不明，无法按较集中区域（≥ {thr} {unit}{mark}）判断"
    if t.what == "union":
        return f"已建工会“{t.value}”" if isinstance(t.value, str) else "已建工会"
    if t.what == "anchor":
        return f"依托“{t.value}”"
    if t.what in ("status", "entity_type"):
        return f"{label}为“{t.value}”"
    if t.op == "=":
        return f"{label} {t.value} {unit}".rstrip()
    return f"{label} {t.value} {unit} {OPS[t.op]} {thr} {unit}{mark}".rstrip()


CLOSED = frozenset({"注销", "吊销"})
SUSPENDED = frozenset({"停业", "歇业"})  # temporary: 暂缓 and recheck next round (issue 11)


def is_carrier(r: Record) -> bool:
    """Truck-driver employers: the survey's default group, so a blank group counts as one."""
    return (r.group or TRUCK_DRIVERS) == TRUCK_DRIVERS


def vehicles(r: Record) -> tuple[str, int | None]:
    """Vehicles actually owned (实际拥有, 三（二）). A registered count includes 挂靠 vehicles, so it is never
    read as owned: it only rules the vehicle test out (see `_size_terms`)."""
    return "vehicles_owned", r.vehicles_owned


@lru_cache(maxsize=4096)  # a pure function of the text, asked several times per row of repeating answers
def named(text: str | None) -> str | None:
    """A free-text answer that names something, or None for the ways people write “nothing”: 无, 没有, 否, /
    (a text column keeps them as typed, so 依托 “无” must not become a 无联合工会)."""
    if text is None:
        return None
    folded = fold(text).lower()
    if folded in values.MISSING or folded in values.ZERO or values.parse_bool(text)[0] is False:
        return None
    return text


def is_association(text: str | None) -> bool:
    """行业协会 or 商会: the document ties them to the industry union (三（二）“依托本地物流货运行业协会”)."""
    return bool(text) and ("协会" in (text or "") or "商会" in (text or ""))


def anchor_of(r: Record) -> str | None:
    if named(r.anchor):
        return r.anchor
    if r.entity_type in ANCHOR_TYPES:
        return r.name  # a park, platform or market is the anchor of its own joint union
    return None


def is_individual(r: Record) -> bool:
    return r.entity_type in INDIVIDUAL_TYPES or (
        r.entity_type is None and r.credit_valid and (r.credit_code or "")[:2] == "92")


# ── Precedence steps ─────────────────────────────────────────────────────────────────────────────────
@dataclass(frozen=True, slots=True)
class Area:
    """The small carriers the concentration rule counts in one area, and their truck drivers."""

    carriers: int = 0
    drivers: int = 0

    def concentrated(self, rs: RuleSet) -> bool:
        # “货运企业和货车司机较集中”: either count at its threshold (both thresholds are tool defaults).
        return (self.carriers >= rs.param("industry_concentration")
                or self.drivers >= rs.param("industry_concentration_drivers"))


@dataclass(frozen=True, slots=True)
class Context:
    """What a step may know beyond its own record, computed before the deciding pass (`context`): each area's
    count of small carriers — over this batch and, when ``ledger`` is true, the ledger's current records of
    the same areas. Steps that read it are marked in `precedence.STEP_SPECS`; the rule set is refused at load
    when one of them would run before the count is defined."""

    areas: Mapping[str, Area] = field(default_factory=dict)
    ledger: bool = False  # the ledger's records were counted too (issue 11)
    # Per-place values that repeat across a province's rows, shared instead of copied (see `decide`).
    memo: dict[tuple[Any, ...], Any] = field(default_factory=dict, compare=False, repr=False)


# Each step returns the terms that made it hold, or None.
Step = Callable[[Record, RuleSet, Context], tuple[Term, ...] | None]
STEPS: dict[str, Step] = {}


def step(rid: str) -> Callable[[Step], Step]:
    """Register the function of the precedence step ``rid``, declared in `precedence.STEP_SPECS`."""
    def register(fn: Step) -> Step:
        if rid not in precedence.SPEC_BY_ID:  # pragma: no cover - a programming error, caught by the tests
            raise AssertionError(f"step {rid} is not declared in precedence.STEP_SPECS")
        STEPS[rid] = fn
        return fn
    return register


@step("closed")

def _closed(r: Record, rs: RuleSet, ctx: Context) -> tuple[Term, ...] | None:
    if r.status not in CLOSED:
        return None
    terms = [term("status", r.status)]
    if r.members and (r.has_union or named(r.union_name)):
        terms.append(term("members_to_transfer", r.members))
    return tuple(terms)


@step("suspended")
def _suspended(r: Record, rs: RuleSet, ctx: Context) -> tuple[Term, ...] | None:
    return (term("status", r.status),) if r.status in SUSPENDED else None


@step("has-union")
def _has_union(r: Record, rs: RuleSet, ctx: Context) -> tuple[Term, ...] | None:
    # 是否已建工会 decides; a union's name stands in for it only when that column is blank, and 工会名称
    # “无” or “/” names no union.
    union_name = named(r.union_name)
    if r.has_union or (r.has_union is None and union_name):
        return (term("union", union_name or True),)
    return None


def _size_terms(r: Record, rs: RuleSet) -> tuple[list[Term], list[Term], list[Term]]:
    """(terms at or over a threshold, terms under, counts missing) for the standalone test."""
    over: list[Term] = []
    under: list[Term] = []
    missing: list[Term] = []
    checks = [("standalone_employees", "employees", r.employees)]
    if is_carrier(r):  # 三（二）: the vehicle rule is for freight carriers only
        checks.insert(0, ("standalone_vehicles", "vehicles_owned", r.vehicles_owned))
    for pid, what, value in checks:
        if value is None and what == "vehicles_owned" and r.vehicles_registered is not None:
            # Owned ≤ registered: a registered count under the threshold rules the vehicle test out; one at or
            # over it leaves the owned count unknown (挂靠 vehicles are registered, not owned).
            if r.vehicles_registered < rs.param(pid):
                under.append(pterm(rs, "vehicles_registered", r.vehicles_registered, "<", pid))
            else:
                missing.append(pterm(rs, "vehicles_registered", r.vehicles_registered, "registered", pid))
        elif value is None:
            missing.append(pterm(rs, what, None, "missing", pid))
        elif value >= rs.param(pid):
            over.append(pterm(rs, what, value, ">=", pid))
        else:
            under.append(pterm(rs, what, value, "<", pid))
    return over, under, missing


def meets_standalone(r: Record, rs: RuleSet) -> bool:
    """Large enough that 三（二） requires its own union, whether or not it already has one: what `_size_terms`
    finds at or over a threshold, without building the terms (it runs for every record)."""
    if is_carrier(r) and r.vehicles_owned is not None and r.vehicles_owned >= rs.param("standalone_vehicles"):
        return True
    return r.employees is not None and r.employees >= rs.param("standalone_employees")


@step("size")
def _size(r: Record, rs: RuleSet, ctx: Context) -> tuple[Term, ...] | None:
    if not meets_standalone(r, rs):  # most rows are small: answer without building their terms
        return None
    over, _, _ = _size_terms(r, rs)
    return tuple(over) or None


@step("size-unknown")
def _size_unknown(r: Record, rs: RuleSet, ctx: Context) -> tuple[Term, ...] | None:
    if r.employees is not None and (r.vehicles_owned is not None or not is_carrier(r)):
        return None  # no count the test reads is blank, so none is missing: skip building the terms
    _, under, missing = _size_terms(r, rs)
    if not missing:
        return None
    return (*under, *missing)


def _small(r: Record, rs: RuleSet) -> tuple[Term, ...]:
    return tuple(_size_terms(r, rs)[1])


@step("association")
def _association(r: Record, rs: RuleSet, ctx: Context) -> tuple[Term, ...] | None:
    # A carrier relying on an association (or an association itself) goes the industry-union route.
    anchor = anchor_of(r)
    if not (is_carrier(r) and anchor and (is_association(anchor) or r.entity_type == "行业协会")):
        return None
    if not named(r.anchor):
        return (term("entity_type", r.entity_type), *_small(r, rs))
    return (*_small(r, rs), term("anchor", anchor))


@step("anchor")
def _anchor(r: Record, rs: RuleSet, ctx: Context) -> tuple[Term, ...] | None:
    anchor = anchor_of(r)
    if not anchor:
        return None
    if not named(r.anchor):  # a park, platform or market itself: it does not “rely on” itself
        return (term("entity_type", r.entity_type), *_small(r, rs))
    return (*_small(r, rs), term("anchor", anchor))


def area_of(r: Record, rs: RuleSet) -> str | None:
    """The “区域” of 三（二）'s concentration rule: the county by default, the prefecture at that level."""
    return r.prefecture if rs.concentration.level == "prefecture" else r.county


def _area_terms(area: Area, rs: RuleSet, over: bool) -> tuple[Term, ...]:
    c_op = ">=" if area.carriers >= rs.param("industry_concentration") else "<"
    d_op = ">=" if area.drivers >= rs.param("industry_concentration_drivers") else "<"
    terms = [pterm(rs, "carriers_in_county", area.carriers, c_op, "industry_concentration")]
    if not over or d_op == ">=":
        terms.append(pterm(rs, "drivers_in_area", area.drivers, d_op, "industry_concentration_drivers"))
    if over and c_op == "<":
        terms.pop(0)
    return tuple(terms)


def _area_terms_of(where: str, rs: RuleSet, ctx: Context, over: bool) -> tuple[Term, ...]:
    # Every row of an area compares the same two counts: their terms are made once per area and batch.
    key = ("area-terms", where, over)
    terms = ctx.memo.get(key)
    if terms is None:
        terms = ctx.memo[key] = _area_terms(ctx.areas.get(where, Area()), rs, over)
    return terms


@step("concentrated")
def _concentrated(r: Record, rs: RuleSet, ctx: Context) -> tuple[Term, ...] | None:
    where = area_of(r, rs)
    if not is_carrier(r) or not where:
        return None
    area = ctx.areas.get(where, Area())
    if area.concentrated(rs):
        return (*_small(r, rs), *_area_terms_of(where, rs, ctx, True))
    return None


def _dispersed_terms(r: Record, rs: RuleSet, ctx: Context) -> tuple[Term, ...]:
    where = area_of(r, rs)
    if not where:
        # Without a county there is nothing to count: do not claim “0 家 < 10 家”.
        return (pterm(rs, "carriers_in_county", None, "unknown", "industry_concentration"),)
    return _area_terms_of(where, rs, ctx, False)


@step("individual-dispersed")
def _individual(r: Record, rs: RuleSet, ctx: Context) -> tuple[Term, ...] | None:
    if not (is_carrier(r) and is_individual(r)):
        return None
    kind = r.entity_type or "个体工商户（按信用代码）"
    return (term("entity_type", kind), *_small(r, rs), *_dispersed_terms(r, rs, ctx))


@step("small-other")
def _other(r: Record, rs: RuleSet, ctx: Context) -> tuple[Term, ...]:
    terms = _small(r, rs)
    return (*terms, *_dispersed_terms(r, rs, ctx)) if is_carrier(r) else terms


if set(STEPS) != set(precedence.RULE_IDS):  # pragma: no cover - a programming error, caught at import
    raise AssertionError(f"steps without a function: {set(precedence.RULE_IDS) - set(STEPS)}")


@cache
def prefecture_union(prefecture: str | None) -> str:
    """西宁市 → 西宁市总工会, 海西蒙古族藏族自治州 → 海西州总工会 (as the document names them)."""
    if not prefecture:
        return "所在市（州）总工会"
    for d in gazetteer().prefectures():
        if d.name == prefecture and d.name.endswith("自治州"):
            return f"{d.short_name}州总工会"
    return f"{prefecture}总工会"


@cache
def county_union(county: str | None) -> str:
    if not county:
        return "所属地工会"
    for d in gazetteer().counties():
        if d.name == county and (d.name.endswith("自治县") or d.name.endswith("行政委员会")):
            suffix = "县" if d.name.endswith("自治县") else "行委"
            return f"{d.short_name}{suffix}总工会"
    return f"{county}总工会"


def responsible(r: Record, rs: RuleSet) -> tuple[str, ...]:
    spec = rs.responsibility_for(r.group)
    if spec is None:
        return ()
    fill = {"prefecture_union": prefecture_union(r.prefecture), "county_union": county_union(r.county)}
    return tuple(u.format(**fill) for u in spec.unions)


def responsible_note(r: Record, rs: RuleSet) -> str:
    """Why no union is named (家政服务员: the document names none), or that the named one is a reading."""
    spec = rs.responsibility_for(r.group)
    if spec is None:
        return "规则集未列出该群体的责任单位"
    if spec.unions:
        return spec.reading
    return spec.note or "文件未明确责任单位"


def _fill(template: str, r: Record, anchor: str | None, missing: str, rs: RuleSet) -> str:
    # Only what the template uses goes into the cache key, so “城北区物流行业工会” is one shared string.
    county = r.county or r.prefecture or "本地"
    area = (r.prefecture or "本地") if rs.concentration.level == "prefecture" else county
    return _filled(template, (r.name or "") if "{name}" in template else "", anchor or "",
                   county, r.prefecture or "", county_union(r.county), missing, area)


@lru_cache(maxsize=65536)
def _filled(template: str, name: str, anchor: str, county: str, prefecture: str, union: str, missing: str,
            area: str) -> str:
    return template.format(name=name, anchor=anchor, county=county, prefecture=prefecture, county_union=union,
                           missing=missing, area=area)


def _extra_follow_up(r: Record, rule: Rule) -> str:
    """What 三（一）'s labour relations and 三（三）'s 会籍 add to the rule's own next step."""
    notes = []
    if rule.id == "closed" and r.members and (r.has_union or named(r.union_name)):
        notes.append(f"为 {r.members} 名会员接转会籍（会籍随劳动关系，《工会会员会籍管理办法》第三条、第四条）")
    if rule.decision == "standalone":
        # A standalone union recruits those with a labour relation to the firm; the others need a route.
        route = (f"依托“{anchor_of(r)}”的联合工会" if anchor_of(r) else f"{county_union(r.county)}按属地")
        if r.attached_drivers:
            notes.append(f"挂靠司机 {r.attached_drivers} 人与企业无劳动关系，由{route}吸收入会")
        if r.platform_drivers:
            notes.append(f"平台派单司机 {r.platform_drivers} 人由{route}吸收入会")
        if r.dispatched_workers:
            notes.append(f"劳务派遣 {r.dispatched_workers} 人的会籍随其与派遣单位的劳动关系")
    return "；".join(notes)


def follow_up_established(r: Record, rs: RuleSet) -> str:
    """推动司机入会：已入会 12/40 — what is left to do where a union already exists. A blank member count is
    unknown, not 0: it asks for the number instead of reporting “已入会 0/40”."""
    todo = []
    drivers = _membership("司机", r.drivers, r.driver_members)
    employees = _membership("职工", r.employees, r.members)
    if drivers:
        todo.append(f"推动司机入会：{drivers}")
    elif employees:
        todo.append(f"推动职工入会：{employees}")
    target = rs.param("migrant_target")
    if r.migrant_workers:
        if r.migrant_members is None:
            todo.append(f"农民工 {r.migrant_workers} 人，已入会人数未填（目标 {target:.0%}）")
        elif r.migrant_members < target * r.migrant_workers:
            todo.append(f"农民工入会 {r.migrant_members}/{r.migrant_workers}，未达 {target:.0%}")
    return "；".join(todo) or "巩固会员，做好会籍管理"


def _membership(who: str, total: int | None, members: int | None) -> str:
    """已入会 12/40, or that the member count is blank; "" when all are members (or there are none)."""
    if not total:
        return ""
    if members is None:
        return f"{who} {total} 人，已入会人数未填"
    return f"已入会 {members}/{total}" if members < total else ""


Found = tuple[Rule, tuple[Term, ...]]


def first_step(r: Record, rs: RuleSet, ctx: Context, rules: Sequence[Rule]) -> Found | None:
    """The first of ``rules`` that holds for the record, with the terms that made it hold."""
    for rule in rules:
        terms = STEPS[rule.id](r, rs, ctx)
        if terms is not None:
            return rule, terms
    return None


def decide(r: Record, rs: RuleSet, ctx: Context, found: Found | None = None,
           rules: Sequence[Rule] | None = None) -> Decision:
    """The decision for one record: ``found`` when an earlier pass already found the step that holds,
    else the first of ``rules`` (all of the rule set's steps by default) that holds."""
    found = found or first_step(r, rs, ctx, rs.rules if rules is None else rules)
    if found is None:  # pragma: no cover - the last step has no condition
        raise AssertionError("small-other always holds")
    rule, terms = found
    ops = {t.op for t in terms}  # one pass over the terms rather than a generator per row
    flags = ["registered-only"] if "registered" in ops else []
    missing = missing_fields(terms) if "missing" in ops or "registered" in ops else []
    if missing:
        flags.append("unverified")
    anchor = anchor_of(r)
    missing_text = "、".join(BY_ID[m].label for m in missing)
    follow = (follow_up_established(r, rs) if rule.decision == "established"
              else _fill(rule.follow_up, r, anchor, missing_text, rs))
    extra = _extra_follow_up(r, rule)
    if extra:
        follow = f"{follow}；{extra}" if follow else extra
    carrier = is_carrier(r)
    # Per-place values repeat across a province's rows: share one object instead of a copy per row.
    memo = ctx.memo
    place = (rule.id, r.group, r.prefecture, r.county)
    if place not in memo:
        clauses = rule.clauses_for(carrier)
        reading = rule.reading_for(carrier)
        if reading and TOOL_READING not in reading:
            reading = f"{reading}（{TOOL_READING}）"
        memo[place] = (clauses, rs.cite(clauses[:1]), responsible(r, rs), responsible_note(r, rs), reading)
    clauses, citation, units, note, reading = memo[place]
    return Decision(
        code=rule.decision, label=rs.label(rule.decision), rule=rule.id, clauses=clauses,
        terms=terms, citation=citation, proposal=_fill(rule.proposal_for(carrier), r, anchor, missing_text, rs),
        follow_up=follow, responsible=units, ruleset=rs.stamp, flags=tuple(flags), responsible_note=note,
        reading=reading,
        alternative=_fill(rule.alternative, r, anchor, missing_text, rs) if carrier and rule.alternative else "",
        meets_standalone=meets_standalone(r, rs), anchor=anchor, vehicles=vehicles(r)[1],
    )


def _split(rs: RuleSet) -> tuple[tuple[Rule, ...], tuple[Rule, ...]]:
    """The steps that decide a row on its own, and those from the first that reads the `Context` on (the
    rule set's loader made sure none of those comes before a step it depends on)."""
    at = next(i for i, r in enumerate(rs.rules) if precedence.SPEC_BY_ID[r.id].context)
    return rs.rules[:at], rs.rules[at:]


# What the steps before the first context-reading one are given: they read nothing of it.
_ALONE = Context()

# area → enterprise key → its truck drivers: the small carriers the concentration rule counts.
Members = dict[str, dict[str, int]]


def counted_members(records: Iterable[Record], rs: RuleSet,
                    early: Iterable[Found | None] | None = None) -> Members:
    """Small carriers not on an anchor, per area, with their drivers: the ones the concentration rule is
    about. A record counts when no step before `concentrated` decides it (``early``: what those steps found,
    when already known). Enterprises are counted once (`Record.key`, the later row wins): the same carrier
    listed twice (a code-duplicate finding) must not make its county look “较集中”."""
    rows = list(records)
    if early is None:
        before, _ = _split(rs)
        early = [first_step(r, rs, _ALONE, before) for r in rows]
    seen: Members = {}
    for r, found in zip(rows, early, strict=True):
        where = area_of(r, rs)
        if found is None and where and is_carrier(r):
            seen.setdefault(where, {})[r.key] = r.drivers or 0
    return seen


def areas(members: Members) -> dict[str, Area]:
    return {where: Area(len(keys), sum(keys.values())) for where, keys in members.items()}


def count_small_carriers(records: Iterable[Record], rs: RuleSet,
                         early: Iterable[Found | None] | None = None) -> Counter[str]:
    """How many small carriers each area counts (see `counted_members`)."""
    return Counter({where: len(keys) for where, keys in counted_members(records, rs, early).items()})


def context(records: Sequence[Record], rs: RuleSet, known: Members | None = None,
            early: Sequence[Found | None] | None = None) -> Context:
    """The `Context` of a batch: each area's small carriers, this batch's replacing those of the same key in
    ``known`` (the ledger's current records) — so an area's count, and its decisions, do not depend on how
    its files are batched (issue 11). ``early``: what the steps before the count found, when known."""
    batch = counted_members(records, rs, early)
    if known:
        keys = {r.key for r in records}
        merged: Members = {}
        for where, members in known.items():
            merged[where] = {k: n for k, n in members.items() if k not in keys}
        for where, members in batch.items():
            merged.setdefault(where, {}).update(members)
        batch = merged
    return Context(areas(batch), ledger=known is not None)


def classify(records: list[Record], rs: RuleSet, known: Members | None = None) -> list[Decision]:
    """Two passes: the steps that decide a row alone run once per row; their results both feed the count
    of small carriers (the `Context`) and finish those rows' decisions. ``known``: the small carriers
    already on record for each area (the ledger's current records)."""
    before, after = _split(rs)
    early = [first_step(r, rs, _ALONE, before) for r in records]
    ctx = context(records, rs, known, early)
    return [decide(r, rs, ctx, found, after) for r, found in zip(records, early, strict=True)]
