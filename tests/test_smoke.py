"""The CLI starts, and the packaged rule set loads and passes its own consistency checks."""

from typer.testing import CliRunner

from qhunion.cli import app
from qhunion.decide.ruleset import packaged


def test_help_lists_commands() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("check", "classify", "explain", "rules", "template"):
        assert command in result.output


def test_packaged_rules_load() -> None:
    rs = packaged()
    assert rs.param("standalone_vehicles") == 20
    assert rs.param("standalone_employees") == 25
    assert len(rs.digest) == 12
