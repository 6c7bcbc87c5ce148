"""Fixtures shared by the CLI tests."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pgcluster import Cluster, binaries
from rule_cases.surveys import Cli, run_qhunion


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    """`qhunion ARGS` → (exit status, stdout, stderr), run in the test's folder."""

    def run(*args: str | Path) -> tuple[int, str, str]:
        result = run_qhunion(tmp_path, *args)
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        return result.exit_code, result.stdout, result.stderr

    return run


# ── Ledger databases: every ledger and summary test runs on SQLite and on a real PostgreSQL server ────
@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    """One throwaway PostgreSQL cluster for the session. Without the server binaries the PostgreSQL tests
    skip on a developer's machine and fail in CI (CI=true), where `.ci/run` installs them."""
    if binaries() is None:
        message = "PostgreSQL 服务器程序（initdb、pg_ctl）不存在：apt-get install postgresql"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    cluster = Cluster()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def new_db(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], str]:
    """Makes new, empty ledger locations of one engine: SQLite file paths, or URLs of fresh PostgreSQL
    databases (owned by the province's role) on the session's cluster."""
    names = itertools.count(1)
    if request.param == "sqlite":
        return lambda: str(tmp_path / f"l{next(names)}.db")
    cluster: Cluster = request.getfixturevalue("pg_cluster")
    return cluster.new_database


@pytest.fixture
def db(new_db: Callable[[], str]) -> str:
    """A new, empty ledger location, on SQLite and on PostgreSQL (the test runs twice)."""
    return new_db()
