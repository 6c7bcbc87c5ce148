"""Fixtures shared by the CLI tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from rule_cases.surveys import Cli, run_qhunion


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    """`qhunion ARGS` → (exit status, stdout, stderr), run in the test's folder."""

    def run(*args: str | Path) -> tuple[int, str, str]:
        result = run_qhunion(tmp_path, *args)
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        return result.exit_code, result.stdout, result.stderr

    return run
