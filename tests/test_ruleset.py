"""The rule set as data (issue 3): loaded strictly — unknown and repeated keys, dangling clause references and
unknown template placeholders are errors naming the file and the key — hashed, replaceable with
``--rules FILE`` (which changes decisions and the hash every output carries), and printed by `qhunion rules`.
"""

from __future__ import annotations

import hashlib
import json
import re
from importlib import resources
from pathlib import Path

import pytest

from qhunion.decide import precedence
from qhunion.decide.ruleset import (
    DECISION_CODES,
    RuleSet,
    RuleSetError,
    load,
    packaged,
    parse,
)
from qhunion.fields import GROUPS
from qhunion.records import Record
from qhunion.rules import classify
from rule_cases.cases import record
from rule_cases.surveys import Cli, enterprise, excel_row, write_survey

PACKAGED = resources.files("qhunion").joinpath("data/rules.toml").read_text(encoding="utf-8")
SOURCE = Path(__file__).resolve().parents[2] / "shared" / "source" / "qinghai-2018-19.md"


def edited(old: str, new: str, count: int = 1) -> str:
    assert old in PACKAGED, old
    return PACKAGED.replace(old, new, count)


def error_for(text: str, tmp_path: Path, name: str = "本省规则.toml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RuleSetError) as info:
        load(path)
    assert str(path) in info.value.reason  # always names the file
    return info.value.reason




# ── The packaged rule set ────────────────────────────────────────────────────────────────────────────

def test_packaged_rule_set_is_hashed_and_versioned() -> None:
    rs = packaged()
    data = resources.files("qhunion").joinpath("data/rules.toml").read_bytes()
    assert rs.digest == hashlib.sha256(data).hexdigest()[:12]
    assert rs.stamp == f"qinghai-2018-19 {rs.meta.version} ({rs.digest})"
    assert rs.meta.document == "青总办〔2018〕19号" and rs.meta.issued.isoformat() == "2018-04-08"


def test_precedence_is_written_down_in_the_issue_order() -> None:
    rs = packaged()
    assert [(r.id, r.decision) for r in rs.rules] == [
        ("closed", "excluded"), ("suspended", "deferred"), ("has-union", "established"), ("size", "standalone"),
        ("size-unknown", "unverified"), ("association", "industry"), ("anchor", "joint"),
        ("concentrated", "industry"), ("individual-dispersed", "territorial"), ("small-other", "joint")]
    assert set(precedence.RULE_IDS) == {r.id for r in rs.rules}
    assert rs.decisions == {"standalone": "单独建会", "joint": "联合建会", "industry": "行业工会覆盖",
                            "territorial": "属地覆盖", "established": "已建会", "excluded": "不纳入",
                            "unverified": "待核实", "deferred": "暂缓"}


def test_parameters_have_value_unit_date_and_clause() -> None:
    rs = packaged()
    p = rs.parameters
    assert (p["standalone_vehicles"].value, p["standalone_vehicles"].unit) == (20, "辆")
    assert "实际拥有" in p["standalone_vehicles"].note and "挂靠" in p["standalone_vehicles"].note
    assert (p["standalone_employees"].value, p["standalone_employees"].unit) == (25, "人")
    assert "tul-11" in p["standalone_employees"].clauses and "civil-1259" in p["standalone_employees"].clauses
    concentration = p["industry_concentration"]
    assert concentration.value == 10 and concentration.tool_default and "文件未规定" in concentration.note
    for param in p.values():
        assert param.clauses and param.effective


def test_division_of_labour_and_pilots() -> None:
    rs = packaged()
    unions = {r.group: r.unions for r in rs.responsibility}
    assert set(unions) == set(GROUPS)
    assert unions == {
        "货车司机": ("{prefecture_union}",), "护理护工员": ("省教科文卫体工会",), "房屋中介员": ("省建设工会",),
        "快递员": ("省邮政工会", "省电信工会"), "商场信息员": ("省财贸工会",),
        "网络送餐员": ("省邮政工会", "省电信工会", "省财贸工会"), "保安员": ("{county_union}",), "家政服务员": (),
    }
    housekeeping = rs.responsibility_for("家政服务员")
    assert housekeeping is not None and "未明确" in housekeeping.note
    assert rs.pilots.units == ("西宁市总工会", "海东市总工会", "海西州总工会", "省交通工会", "省经贸工会")


def test_law_is_cited_by_its_current_numbering() -> None:
    rs = packaged()
    assert rs.clauses["tul-11"].citation == "《工会法》第十一条"
    assert "2021" in rs.clauses["tul-11"].source
    assert rs.clauses["tul-11"].text.startswith("用人单位有会员二十五人以上的，应当建立基层工会委员会")
    assert "“以上”" in rs.clauses["civil-1259"].text and "包括本数" in rs.clauses["civil-1259"].text


@pytest.mark.skipif(not SOURCE.exists(), reason="the source document lies outside the repository")
def test_clauses_quote_the_document_verbatim() -> None:
    document = re.sub(r"\s+", "", SOURCE.read_text(encoding="utf-8"))
    for cid, clause in packaged().clauses.items():
        if clause.source == "青总办〔2018〕19号":
            assert re.sub(r"\s+", "", clause.text) in document, cid


# ── Strict loading ───────────────────────────────────────────────────────────────────────────────────

def test_unknown_key_names_file_and_key(tmp_path: Path) -> None:
    reason = error_for(edited("[meta]\n", '[meta]\nauthor = "某州"\n'), tmp_path)
    assert "meta.author" in reason and "不是允许的键" in reason


def test_unknown_key_in_a_rule_names_the_rule(tmp_path: Path) -> None:
    reason = error_for(edited('id = "anchor"\n', 'id = "anchor"\nwhen = "依托"\n'), tmp_path)
    assert "rules.anchor.when" in reason


@pytest.mark.parametrize(("old", "new", "key"), [
    ("value = 20\n", "value = 20\nvalue = 15\n", "parameters.standalone_vehicles.value"),
    ('[clauses.tul-11]\n', '[clauses.tul-11]\nsource = "x"\n', "clauses.tul-11.source"),
    ("[pilots]\n", '[clauses.tul-11]\ntext = "x"\n\n[pilots]\n', "clauses.tul-11"),
    ('id = "anchor"\n', 'id = "anchor"\nid = "anchor2"\n', "rules.id"),
], ids=["parameter value", "clause key", "clause table", "rule id"])
def test_repeated_key_names_file_and_key(tmp_path: Path, old: str, new: str, key: str) -> None:
    reason = error_for(edited(old, new), tmp_path)
    assert f"“{key}”重复出现" in reason
    assert re.search(r"第 \d+ 行", reason)


def test_dangling_clause_reference(tmp_path: Path) -> None:
    reason = error_for(edited('clauses = ["qh-3-2-industry"]\n', 'clauses = ["qh-3-2-concentration"]\n'), tmp_path)
    assert "parameters.industry_concentration" in reason and "qh-3-2-concentration" in reason


def test_dangling_clause_reference_in_a_rule(tmp_path: Path) -> None:
    text = PACKAGED.replace('id = "anchor"\ndecision = "joint"\ntitle = "依托物流平台、园区或货运市场的小、散、弱企业"\n'
                            'clauses = ["qh-3-2-joint"]',
                            'id = "anchor"\ndecision = "joint"\ntitle = "依托物流平台、园区或货运市场的小、散、弱企业"\n'
                            'clauses = ["qh-3-2-jiont"]')
    assert text != PACKAGED
    reason = error_for(text, tmp_path)
    assert "rules.anchor" in reason and "qh-3-2-jiont" in reason


def test_unknown_template_placeholder(tmp_path: Path) -> None:
    reason = error_for(edited('proposal = "{anchor}联合工会"', 'proposal = "{platform}联合工会"'), tmp_path)
    assert "rules.anchor.proposal" in reason and "{platform}" in reason and "{anchor}" in reason


def test_unknown_placeholder_in_a_responsible_union(tmp_path: Path) -> None:
    reason = error_for(edited('unions = ["{county_union}"]', 'unions = ["{town_union}"]'), tmp_path)
    assert "responsibility.保安员.unions" in reason and "{town_union}" in reason


def test_unbalanced_braces(tmp_path: Path) -> None:
    reason = error_for(edited('proposal = "{anchor}联合工会"', 'proposal = "{anchor联合工会"'), tmp_path)
    assert "rules.anchor.proposal" in reason and "花括号" in reason


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("value = 20\n", 'value = "20"\n', "parameters.standalone_vehicles.value”的值有误：应为数字"),
    ("value = 10\n", "value = 0\n", "parameters.industry_concentration.value”应为正数"),
    ("issued = 2018-04-08", 'issued = "2018年4月8日"', "meta.issued"),
    ('decision = "industry"', 'decision = "sector"', "rules.association.decision"),
    ('id = "size-unknown"', 'id = "size-guess"', "size-guess"),
    ('group = "保安员"', 'group = "保洁员"', "responsibility.保洁员"),
    ('industry = "行业工会覆盖"\n', "", "decisions"),
    ("[parameters.migrant_target]", "[parameters.migrant_goal]", "parameters.migrant_target"),
], ids=["quoted number", "zero threshold", "date as text", "unknown decision", "unknown step", "not a group",
        "decision without label", "missing parameter"])
def test_other_mistakes_are_named(tmp_path: Path, old: str, new: str, expected: str) -> None:
    assert expected in error_for(edited(old, new), tmp_path)


def test_not_utf8_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "gbk.toml"
    path.write_bytes(PACKAGED.encode("gb18030"))
    with pytest.raises(RuleSetError, match="UTF-8"):
        load(path)
    with pytest.raises(RuleSetError, match="无法读取规则文件"):
        load(tmp_path / "nothere.toml")


def test_a_province_may_reorder_the_precedence() -> None:
    """Precedence is data: moving `size` above `has-union` makes a large unionised enterprise standalone."""
    block = PACKAGED[PACKAGED.index('[[rules]]\nid = "size"\n'):PACKAGED.index('[[rules]]\nid = "size-unknown"')]
    moved = PACKAGED.replace(block, "").replace('[[rules]]\nid = "has-union"', block + '[[rules]]\nid = "has-union"')
    rs = parse(moved.encode(), "reordered.toml")
    large: Record = record({"has_union": True, "vehicles_owned": 40, "employees": 50})
    assert classify([large], packaged())[0].code == "established"
    assert classify([large], rs)[0].code == "standalone"
    assert rs.digest != packaged().digest


def _moved(step: str, before: str) -> str:
    """The packaged rule file with the block of ``step`` moved just ahead of the block of ``before``."""
    start = PACKAGED.index(f'[[rules]]\nid = "{step}"\n')
    end = PACKAGED.find("[[rules]]", start + 1)
    end = end if end > 0 else PACKAGED.index("# ── Division", start)
    block = PACKAGED[start:end]
    rest = PACKAGED.replace(block, "")
    at = rest.index(f'[[rules]]\nid = "{before}"\n')
    return rest[:at] + block + rest[at:]


def test_a_step_moved_ahead_of_one_it_depends_on_is_refused_at_load(tmp_path: Path, cli: Cli) -> None:
    """Issue 12: `individual-dispersed` ahead of `concentrated` passed `rules` and then died in classify with
    KeyError: 'carriers' (exit 70). It is now refused when the file loads, naming the step, exit 2."""
    reason = error_for(_moved("individual-dispersed", "concentrated"), tmp_path)
    assert "rules.individual-dispersed" in reason and "concentrated" in reason
    survey = write_survey(tmp_path / "调查表.xlsx")
    bad = tmp_path / "本省规则.toml"
    for command in (["rules"], ["classify", survey, "--no-workbook"]):
        code, out, err = cli(*command, "--rules", bad)
        assert code == 2, (command, out, err)
        assert "individual-dispersed" in err and "Traceback" not in out + err and "KeyError" not in out + err


@pytest.mark.parametrize(("step", "before", "needed"), [
    ("size-unknown", "size", "size"),
    ("anchor", "association", "association"),
    ("concentrated", "anchor", "anchor"),
    ("individual-dispersed", "anchor", "concentrated"),  # the nearest step it needs is named
    ("small-other", "individual-dispersed", "individual-dispersed"),
])
def test_each_dependency_is_checked(step: str, before: str, needed: str, tmp_path: Path) -> None:
    reason = error_for(_moved(step, before), tmp_path)
    assert f"rules.{step}" in reason and f"“{needed}”" in reason


def test_known_rule_ids_come_from_the_step_registry() -> None:
    from qhunion import rules

    assert set(rules.STEPS) == set(precedence.RULE_IDS)


# ── --rules FILE ─────────────────────────────────────────────────────────────────────────────────────

@pytest.fixture
def fifteen(tmp_path: Path) -> RuleSet:
    path = tmp_path / "十五辆.toml"
    path.write_text(edited("value = 20\n", "value = 15\n"), encoding="utf-8")
    return load(path)


def test_a_modified_threshold_changes_decisions_and_hash(tmp_path: Path, fifteen: RuleSet, cli: Cli) -> None:
    rows = [enterprise("西宁十六辆货运有限公司", "", {"实际拥有车辆数": 16, "职工人数": 10, "是否已建工会": "否"}),
            enterprise("西宁十四辆货运有限公司", "", {"实际拥有车辆数": 14, "职工人数": 10, "是否已建工会": "否"})]
    survey = write_survey(tmp_path / "调查表.xlsx", rows)
    rules = Path(fifteen.path)

    def classify_json(*extra: str | Path) -> dict[str, object]:
        code, out, _ = cli("classify", survey, "--format", "json", "--no-workbook", *extra)
        assert code == 0
        return json.loads(out)

    default = classify_json()
    province = classify_json("--rules", rules)
    assert [r["decision"] for r in default["records"]] == ["joint", "joint"]
    assert [r["decision"] for r in province["records"]] == ["standalone", "joint"]
    assert province["records"][0]["explanation"].startswith("实际拥有车辆 16 辆 ≥ 15 辆")
    assert default["rule_set"] == packaged().stamp
    assert province["rule_set"] == fifteen.stamp != packaged().stamp
    assert {r["rule_set"] for r in province["records"]} == {fifteen.stamp}

    code, out, _ = cli("classify", survey, "--format", "csv", "--no-workbook", "--rules", rules)
    assert code == 0 and fifteen.digest in out and packaged().digest not in out

    code, out, _ = cli("explain", survey, "--row", str(excel_row(rows, "西宁十六辆货运有限公司")), "--rules", rules)
    assert code == 0 and "15 辆" in out and fifteen.stamp in out


def test_a_broken_rules_file_is_a_usage_error(tmp_path: Path, cli: Cli) -> None:
    survey = write_survey(tmp_path / "调查表.xlsx")
    bad = tmp_path / "bad.toml"
    bad.write_text(edited("[meta]\n", "[meta]\nauthor = 1\n"), encoding="utf-8")
    for command in (["classify", survey, "--no-workbook"], ["explain", survey, "--row", "5"],
                    ["rules"]):
        code, out, err = cli(*command, "--rules", bad)
        assert code == 2
        assert "meta.author" in err and "bad.toml" in err and "Traceback" not in out + err


# ── qhunion rules ────────────────────────────────────────────────────────────────────────────────────

def test_rules_prints_clauses_verbatim_parameters_and_version(cli: Cli) -> None:
    rs = packaged()
    code, out, _ = cli("rules")
    assert code == 0
    lines = [line.strip() for line in out.splitlines()]
    for cid, clause in rs.clauses.items():
        assert clause.text in lines, cid  # each quote whole, on a line of its own
        assert cid in out
    assert rs.stamp in out and rs.meta.version in out and rs.meta.document in out
    for label in ("单独建会车辆数", "单独建会职工人数", "较集中区域的小型货运企业数", "较集中区域的货车司机人数"):
        assert label in out
    for shown in ("20 辆", "25 人", "10 家", "60%"):
        assert shown in out
    for group in GROUPS:
        assert group in out
    assert "…" not in out  # nothing cropped


def test_rules_json(cli: Cli) -> None:
    rs = packaged()
    code, out, _ = cli("rules", "--format", "json")
    assert code == 0
    assert "\\u" not in out and "青总办〔2018〕19号" in out  # ensure_ascii=False
    data = json.loads(out)
    assert data["rule_set"] == rs.stamp
    assert data["meta"]["version"] == rs.meta.version
    assert {k: v["text"] for k, v in data["clauses"].items()} == {k: c.text for k, c in rs.clauses.items()}
    assert data["parameters"]["standalone_vehicles"]["value"] == 20
    assert [r["id"] for r in data["rules"]] == [r.id for r in rs.rules]
    assert set(data["decisions"]) == set(DECISION_CODES)
    assert {r["group"] for r in data["responsibility"]} == set(GROUPS)


def test_rules_with_a_province_file(fifteen: RuleSet, cli: Cli) -> None:
    code, out, _ = cli("rules", "--rules", fifteen.path)
    assert code == 0 and "15 辆" in out and fifteen.stamp in out and fifteen.path in out
    code, out, _ = cli("rules", "--rules", fifteen.path, "--format", "json")
    assert json.loads(out)["parameters"]["standalone_vehicles"]["value"] == 15
