"""Issue 3's rule cases: every ``[[case]]`` in this folder's TOML files is one test, named by its sentence."""

from __future__ import annotations

import pytest

from qhunion.decide.precedence import RULE_IDS
from qhunion.decide.ruleset import DECISION_CODES, RuleSet, packaged
from qhunion.fields import GROUPS
from qhunion.rules import Decision, classify
from rule_cases.cases import Case, load_cases

ALL_CASES = load_cases()


@pytest.fixture(scope="module")
def rs() -> RuleSet:
    return packaged()


def decide(case: Case, rs: RuleSet) -> Decision:
    return classify(case.records(), rs)[0]


@pytest.mark.parametrize("case", ALL_CASES)
def test_rule_case(case: Case, rs: RuleSet) -> None:
    d = decide(case, rs)
    e = case.expect
    assert (d.code, d.rule) == (e["decision"], e["rule"]), d.explanation
    assert d.label == rs.label(d.code)
    assert rs.rule(d.rule).decision == d.code
    assert set(e["clauses"]) <= set(d.clauses), d.clauses
    assert d.clauses and all(c in rs.clauses for c in d.clauses)
    for piece in e.get("explanation", []):
        assert piece in d.explanation
    if "explanation_is" in e:
        assert d.explanation == e["explanation_is"]
    if "proposal" in e:
        assert d.proposal_shown == e["proposal"]  # the union's name, and the alternative the text allows
    if "follow_up" in e:
        assert d.follow_up == e["follow_up"]
    if "responsible" in e:
        assert list(d.responsible) == e["responsible"]
    if "responsible_note" in e:
        assert e["responsible_note"] in d.responsible_note
    if "flags" in e:
        assert list(d.flags) == e["flags"]
    for pid, value in e.get("thresholds", {}).items():
        assert d.thresholds.get(pid) == value, d.thresholds
    assert d.ruleset == rs.stamp


def test_case_names_are_unique() -> None:
    names = [c.name for c in ALL_CASES]
    assert len(names) == len(set(names))


def test_cases_cover_the_issue(rs: RuleSet) -> None:
    """The data holds what issue 3 asks for: every precedence step and decision, every group's responsible
    union, both sides of both thresholds, and each closed status."""
    decided = [(c, decide(c, rs)) for c in ALL_CASES]
    assert {d.rule for _, d in decided} == set(RULE_IDS)
    assert {d.code for _, d in decided} == set(DECISION_CODES)
    groups = {c.record.get("group") or "货车司机" for c in ALL_CASES if "responsible" in c.expect}
    assert groups == set(GROUPS)
    vehicles = {c.record.get("vehicles_owned") for c in ALL_CASES}
    employees = {c.record.get("employees") for c in ALL_CASES}
    assert {19, 20, 21} <= vehicles and {24, 25, 26} <= employees
    assert {c.record.get("status") for c, d in decided if d.code == "excluded"} == {"注销", "吊销"}
    assert {c.record.get("status") for c, d in decided if d.code == "deferred"} == {"停业", "歇业"}
