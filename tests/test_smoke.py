"""The CLI starts, and the packaged rule set loads and passes its own consistency checks."""

from qhunion.decide.ruleset import packaged
from rule_cases.surveys import run


def test_help_lists_commands() -> None:
    status, out, _ = run("--help")
    assert status == 0
    for command in ("check", "classify", "explain", "rules", "template"):
        assert command in out


def test_packaged_rules_load() -> None:
    rs = packaged()
    assert rs.param("standalone_vehicles") == 20
    assert rs.param("standalone_employees") == 25
    assert len(rs.digest) == 12
