"""Loading the rule set (`data/rules.toml`, or the file given with --rules) strictly, with its hash.

Unknown keys, repeated keys, dangling clause references and precedence steps without an implementation are
all errors naming the file and the key: a province editing its copy must hear exactly what is wrong.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import string
import tomllib
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from qhunion.decide import precedence
from qhunion.errors import UsageProblem
from qhunion.fields import GROUPS
from qhunion.oserrors import os_reason

DECISION_CODES = ("standalone", "joint", "industry", "territorial", "established", "excluded", "unverified",
                  "deferred")
TOOL_DEFAULT = "（本工具默认值，文件未规定）"
TOOL_READING = "本工具的理解"


class RuleSetError(UsageProblem):
    """The rule-set file is unusable. ``reason`` is a Chinese sentence naming the file and key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Meta(_Strict):
    id: str
    version: str
    title: str
    document: str
    issued: dt.date


class Clause(_Strict):
    source: str
    section: str
    text: str
    short: str = ""  # how explanations cite it, e.g. 《工会法》第十一条

    @property
    def citation(self) -> str:
        if self.short:
            return self.short
        return f"{self.source} {self.section}" if self.source.startswith("青") else f"{self.source}{self.section}"


class Parameter(_Strict):
    label: str
    # value = "20" is a typing error, not twenty; nan and inf are not numbers a threshold can be (nan passes
    # every comparison's negation, so `value <= 0` would let it through and decisions would silently change).
    value: float = Field(strict=True, allow_inf_nan=False)
    unit: str
    effective: dt.date
    clauses: tuple[str, ...]
    note: str = ""
    tool_default: bool = False

    @property
    def shown(self) -> str:
        if self.unit == "比例":
            return f"{self.value:.0%}"
        return f"{self.value:g} {self.unit}"


class Rule(_Strict):
    id: str
    decision: str
    title: str
    clauses: tuple[str, ...]
    proposal: str
    follow_up: str
    alternative: str = ""  # a second route the text allows (三（二）“可以建立联合工会或行业工会”)
    reading: str = ""  # the tool's own reading where the document is silent, shown with every decision
    # 三（二）'s numbers are for freight enterprises: the other seven groups are decided on these instead.
    other_groups_clauses: tuple[str, ...] = ()
    other_groups_reading: str = ""
    other_groups_proposal: str | None = None

    def proposal_for(self, carrier: bool) -> str:
        return self.proposal if carrier or self.other_groups_proposal is None else self.other_groups_proposal

    def clauses_for(self, carrier: bool) -> tuple[str, ...]:
        return self.clauses if carrier or not self.other_groups_clauses else self.other_groups_clauses

    def reading_for(self, carrier: bool) -> str:
        return self.reading if carrier or not self.other_groups_clauses else self.other_groups_reading


class Responsibility(_Strict):
    group: str
    unions: tuple[str, ...]
    clauses: tuple[str, ...]
    pilot_unions: tuple[str, ...] = ()
    note: str = ""
    reading: str = ""  # where the unit is the tool's reading of the text (货车司机, 保安员)


class Pilots(_Strict):
    units: tuple[str, ...]
    prefectures: tuple[str, ...]
    clauses: tuple[str, ...]


class Concentration(_Strict):
    """三（二）“较集中的区域”: the area counted (a tool reading) and how the reading is worded."""

    level: Literal["county", "prefecture"] = "county"
    reading: str = ""


class Deadline(_Strict):
    date: dt.date
    task: str
    section: str


class RuleSet(_Strict):
    meta: Meta
    clauses: dict[str, Clause]
    parameters: dict[str, Parameter]
    decisions: dict[str, str]
    rules: tuple[Rule, ...]
    responsibility: tuple[Responsibility, ...]
    pilots: Pilots
    concentration: Concentration = Concentration()
    deadlines: tuple[Deadline, ...] = ()
    # Filled by the loader, not the file.
    digest: str = ""
    path: str = ""

    @cached_property
    def param_citations(self) -> dict[str, str]:
        """Each parameter's citation (its first clause), made once: a decision cites every threshold it reads."""
        return {pid: self.cite(p.clauses[:1]) for pid, p in self.parameters.items()}

    @cached_property
    def stamp(self) -> str:
        """What every output carries: rule-set id, version and content hash."""
        return f"{self.meta.id} {self.meta.version} ({self.digest})"

    def param(self, pid: str) -> float:
        return self.parameters[pid].value

    def label(self, decision: str) -> str:
        return self.decisions[decision]

    def filled(self, text: str) -> str:
        """A text that names thresholds as ``{parameter.shown}`` (“实际拥有车辆 {standalone_vehicles.shown}以上”),
        with this rule set's values: a number the rule file sets is never written a second time."""
        return text.format_map(self.parameters) if "{" in text else text

    def rule(self, rid: str) -> Rule:
        for r in self.rules:
            if r.id == rid:
                return r
        raise KeyError(rid)

    def cite(self, clause_ids: tuple[str, ...]) -> str:
        """青总办〔2018〕19号 三（二）；《工会法》第十一条 — one citation per distinct clause source+section."""
        return "；".join(dict.fromkeys(self.clauses[c].citation for c in clause_ids))

    def responsibility_for(self, group: str | None) -> Responsibility | None:
        group = group or "货车司机"
        return next((r for r in self.responsibility if r.group == group), None)


REQUIRED_PARAMETERS = ("standalone_vehicles", "standalone_employees", "industry_concentration",
                       "industry_concentration_drivers", "migrant_target")


def _check(rs: RuleSet, where: str) -> None:
    def bad(key: str, why: str) -> RuleSetError:
        return RuleSetError(f"规则文件 {where} 的“{key}”{why}")

    for pid in REQUIRED_PARAMETERS:
        if pid not in rs.parameters:
            raise bad(f"parameters.{pid}", "缺失")
    for pid, p in rs.parameters.items():
        if not p.value > 0:  # written so that a NaN, had it got this far, fails too
            raise bad(f"parameters.{pid}.value", f"应为正数，实为 {p.value:g}")
        if p.unit == "比例" and p.value > 1:
            raise bad(f"parameters.{pid}.value", f"是比例，应在 0 到 1 之间，实为 {p.value:g}")
        if p.value > MAX_PARAMETER:
            raise bad(f"parameters.{pid}.value", f"为 {p.value:g}，超过 {MAX_PARAMETER:,}，明显有误")
    refs: list[tuple[str, tuple[str, ...]]] = [(f"parameters.{k}", p.clauses) for k, p in rs.parameters.items()]
    refs += [(f"rules.{r.id}", r.clauses) for r in rs.rules]
    refs += [(f"rules.{r.id}.other_groups_clauses", r.other_groups_clauses) for r in rs.rules
             if r.other_groups_clauses]
    refs += [(f"responsibility.{r.group}", r.clauses) for r in rs.responsibility]
    refs.append(("pilots", rs.pilots.clauses))
    for key, clause_ids in refs:
        if not clause_ids:
            raise bad(key, "没有引用任何条款")
        for cid in clause_ids:
            if cid not in rs.clauses:
                raise bad(key, f"引用了不存在的条款“{cid}”")
    ids = [r.id for r in rs.rules]  # exactly the steps rules.py implements (`precedence.RULE_IDS`)
    if sorted(ids) != sorted(precedence.RULE_IDS) or len(set(ids)) != len(ids):
        missing = set(precedence.RULE_IDS) - set(ids)
        extra = set(ids) - set(precedence.RULE_IDS)
        raise bad("rules", f"应恰好包含 {'、'.join(precedence.RULE_IDS)} 各一次"
                           + (f"；缺少 {'、'.join(sorted(missing))}" if missing else "")
                           + (f"；无法执行 {'、'.join(sorted(extra))}" if extra else ""))
    problem = precedence.order_problem(ids)
    if problem is not None:
        step, first, why = problem
        if precedence.SPEC_BY_ID[step].last:
            raise bad(f"rules.{step}", f"必须是最后一步（{why}），却排在“{first}”之前")
        raise bad(f"rules.{step}", f"排在了“{first}”之前，但{why}，须先经“{first}”判定：请把它移到“{first}”之后")
    for r in rs.rules:
        if r.decision not in DECISION_CODES:
            raise bad(f"rules.{r.id}.decision", f"“{r.decision}”不是已知的判定（{'、'.join(DECISION_CODES)}）")
    if set(rs.decisions) != set(DECISION_CODES):
        raise bad("decisions", f"应为 {'、'.join(DECISION_CODES)} 各给出中文名称")
    for r in rs.rules:
        for name, template in (("proposal", r.proposal), ("follow_up", r.follow_up),
                               ("other_groups_proposal", r.other_groups_proposal or ""),
                               ("alternative", r.alternative)):
            _check_template(template, RULE_PLACEHOLDERS, bad(f"rules.{r.id}.{name}", ""))
    for resp in rs.responsibility:
        for union in resp.unions:
            _check_template(union, UNION_PLACEHOLDERS, bad(f"responsibility.{resp.group}.unions", ""))
    groups = [r.group for r in rs.responsibility]
    for g in groups:
        if g not in GROUPS:
            raise bad(f"responsibility.{g}", f"不是“八大群体”之一（{'、'.join(GROUPS)}）")
    if sorted(groups) != sorted(GROUPS):
        raise bad("responsibility", "应为“八大群体”各列一项（没有责任单位的写 unions = []）")


# A threshold of more vehicles, employees or enterprises than Qinghai has is a typing error.
MAX_PARAMETER = 1_000_000

RULE_PLACEHOLDERS = frozenset({"name", "anchor", "county", "prefecture", "county_union", "missing", "area"})
UNION_PLACEHOLDERS = frozenset({"prefecture_union", "county_union"})


def _check_template(template: str, allowed: frozenset[str], error: RuleSetError) -> None:
    """Only {placeholder}, nothing after it: a format spec or conversion ({name:>50000000}, {name!r}) lets a
    rule file pad one proposal to a gigabyte or print a value's repr (issue 14, items 18, 19)."""
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise RuleSetError(f"{error.reason}中的花括号不成对") from exc
    for _, name, spec, conversion in parts:
        if name is not None and (spec or conversion):
            written = "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
            raise RuleSetError(f"{error.reason}中的“{written}”带有格式或转换说明：占位符只能写成 {{名称}}，"
                               f"如 {{{name or 'name'}}}")
    names = {name for _, name, _, _ in parts if name is not None}
    unknown = names - allowed
    if unknown:
        raise RuleSetError(f"{error.reason}用了未知的占位符 {{{'}、{'.join(sorted(unknown))}}}，"
                           f"可用的有 {{{'}、{'.join(sorted(allowed))}}}")


# Bounds checked on the raw text before tomllib, which recurses once per nesting level (a 100,000-deep
# array is a RecursionError, not a TOMLDecodeError). The packaged file is 20 KB and nests 2 deep.
MAX_BYTES = 1024 * 1024
MAX_DEPTH = 16


def parse(data: bytes, where: str) -> RuleSet:
    if len(data) > MAX_BYTES:
        raise RuleSetError(f"规则文件 {where} 有 {len(data):,} 字节，超过 {MAX_BYTES:,} 字节的上限，不像是规则文件")
    try:
        # utf-8-sig: old Notepad saves UTF-8 with a byte-order mark, which TOML itself does not allow.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RuleSetError(f"规则文件 {where} 不是 UTF-8 编码，请用 UTF-8 保存") from exc
    depth = _nesting(text)
    if depth > MAX_DEPTH:
        raise RuleSetError(f"规则文件 {where} 的方括号或花括号嵌套了 {depth} 层，超过 {MAX_DEPTH} 层的上限")
    try:
        raw: dict[str, Any] = tomllib.loads(text)
    except RecursionError as exc:  # what _nesting missed (it reads brackets only): still one sentence
        raise RuleSetError(f"规则文件 {where} 嵌套过深，无法读取") from exc
    except tomllib.TOMLDecodeError as exc:
        # tomllib says “Cannot overwrite a value” without the key, often “at end of document”: find it.
        repeated = _repeated_key(text)
        if repeated is not None:
            key, line = repeated
            raise RuleSetError(f"规则文件 {where} 的“{key}”重复出现（第 {line} 行）：每个键只能写一次") from exc
        place = re.search(r"at line (\d+), column (\d+)", str(exc))  # tomllib's words are English
        at = f"（第 {place[1]} 行第 {place[2]} 列）" if place else ""
        raise RuleSetError(f"规则文件 {where} 不是有效的 TOML{at}：请检查引号、等号和方括号是否成对") from exc
    try:
        rs = RuleSet.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = _key_path(raw, first["loc"])
        why = "不是允许的键" if first["type"] == "extra_forbidden" else (
            "缺失" if first["type"] == "missing" else f"的值有误：{_value_error(first)}")
        raise RuleSetError(f"规则文件 {where} 的“{key}”{why}") from exc
    rs = rs.model_copy(update={"digest": hashlib.sha256(data).hexdigest()[:12], "path": where})
    _check(rs, where)
    return rs


_SPECIAL = re.compile(r"""[\[\]{}#"']""")


def _nesting(text: str) -> int:
    """The deepest nesting of [ and { outside strings and comments. Linear, jumping from one special
    character to the next; exact enough for a limit (a stray bracket in a malformed file only makes
    tomllib's own message come first)."""
    deepest = depth = 0
    i, n = 0, len(text)
    while (m := _SPECIAL.search(text, i)) is not None:
        i = m.start()
        ch = text[i]
        if ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth = max(depth - 1, 0)
        elif ch == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        else:
            quote = ch * 3 if text.startswith(ch * 3, i) else ch
            j = i + len(quote)
            while True:
                k = text.find(quote, j)
                if k < 0:
                    return deepest  # an unterminated string: tomllib will say so
                if ch == '"' and _escaped(text, k):
                    j = k + 1
                    continue
                break
            i = k + len(quote)
            continue
        i += 1
    return deepest


def _escaped(text: str, at: int) -> bool:
    """The quote at ``at`` follows an odd number of backslashes."""
    slashes = 0
    while at - slashes - 1 >= 0 and text[at - slashes - 1] == "\\":
        slashes += 1
    return slashes % 2 == 1


# pydantic's error types → what a province's editor should write instead.
_VALUE_ERRORS = {
    "finite_number": "应为有限的数字（不能是 nan 或 inf）",
    "float_type": "应为数字（不加引号）",
    "float_parsing": "应为数字（不加引号）",
    "string_type": "应为加引号的文字",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "date_type": "应为日期，如 2018-04-08（不加引号）",
    "date_from_datetime_parsing": "应为日期，如 2018-04-08（不加引号）",
    "date_parsing": "应为日期，如 2018-04-08（不加引号）",
    "tuple_type": "应为列表，如 [\"qh-3-2-standalone\"]",
    "list_type": "应为列表，如 [\"qh-3-2-standalone\"]",
    "dict_type": "应为一个表（[名称] 下的若干键）",
    "model_type": "应为一个表（[名称] 下的若干键）",
    "int_type": "应为整数（不加引号）",
    "int_parsing": "应为整数（不加引号）",
    "int_from_float": "应为整数（不加引号）",
    "greater_than": "太小",
    "greater_than_equal": "太小",
    "less_than": "太大",
    "less_than_equal": "太大",
    "too_short": "不能为空",
    "string_too_short": "不能为空",
}


def _value_error(error: Any) -> str:
    """pydantic's reason in Chinese; one it has no words for here is still said in Chinese, never in English."""
    kind = error["type"]
    if kind == "literal_error":
        return f"应为 {error.get('ctx', {}).get('expected', '').replace(' or ', '、')} 之一"
    if kind == "value_error":  # a validator of ours: its message is a Chinese sentence after pydantic's prefix
        text = str(error.get("msg", "")).removeprefix("Value error, ")
        return text if not text.isascii() else "不符合要求"
    return _VALUE_ERRORS.get(kind, "不符合要求")


def _key_path(raw: Any, loc: tuple[int | str, ...]) -> str:
    """("rules", 4, "when") → rules.anchor.when: an array-of-tables entry named by its id (or group)."""
    parts: list[str] = []
    node = raw
    for step in loc:
        if isinstance(step, int) and isinstance(node, list) and step < len(node):
            node = node[step]
            label = node.get("id") or node.get("group") if isinstance(node, dict) else None
            parts.append(str(label) if label else f"[{step + 1}]")
            continue
        parts.append(str(step))
        node = node.get(step) if isinstance(node, dict) else None
    return ".".join(parts)


_TABLE = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=""")


def _dotted(key: str) -> str:
    return ".".join(part.strip().strip("\"'") for part in re.split(r"\.(?=(?:[^\"']|\"[^\"]*\"|'[^']*')*$)", key))


def _repeated_key(text: str) -> tuple[str, int] | None:
    """The first key or table written twice, as a dotted path, and its line — or None. A line scan that
    skips multi-line strings; only used to name what tomllib refused."""
    seen: dict[str, int] = {}
    table = ""
    in_string: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if in_string:
            if line.count(in_string) % 2:
                in_string = None
            continue
        if m := _TABLE.match(line):
            table = _dotted(m.group(2))
            if m.group(1) == "[[":
                # Each [[rules]] entry is a new table: its keys start afresh.
                seen = {k: v for k, v in seen.items() if not k.startswith(table + ".")}
                continue
            if table in seen:
                return table, number
            seen[table] = number
            continue
        if m := _KEY.match(line):
            key = f"{table}.{_dotted(m.group(1))}" if table else _dotted(m.group(1))
            if key in seen:
                return key, number
            seen[key] = number
            rest = line[m.end():]
            for quote in ('"""', "'''"):
                if rest.count(quote) % 2:
                    in_string = quote
    return None


@cache
def packaged() -> RuleSet:
    data = resources.files("qhunion").joinpath("data/rules.toml").read_bytes()
    return parse(data, "qhunion/data/rules.toml")


def load(path: Path | None = None) -> RuleSet:
    if path is None:
        return packaged()
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise RuleSetError(f"无法读取规则文件 {path}（{os_reason(exc)}）") from exc
    return parse(data, str(path))
