"""Fixtures shared by the CLI tests."""

from __future__ import annotations

import functools
import itertools
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from pgcluster import Cluster, binaries
from rule_cases import surveys
from rule_cases.surveys import Cli, run

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

# CI: the same examples on every run of a commit (a red build is then the code's, not the dice's), and no
# example database to carry between runs. A developer's runs keep exploring.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if IN_CI:
    settings.load_profile("ci")

# `pytest -m "not slow"`: a developer's quick loop (under 40 s). CI runs everything. Slow are the hostile and
# damaged files (each read in a child process with its time and memory measured), the fuzzing, every test's
# PostgreSQL run (a server database per test), and the few tests below that build very large sheets or
# race processes.
SLOW_MODULES = {"test_fuzz.py", "test_hostile_files.py", "test_ledger_roles.py"}
SLOW_TESTS = {
    "test_a_sheet_16384_columns_wide",
    "test_one_by_one_all_at_once_or_any_order_give_the_same_summary",
    "test_xls_at_the_limits_of_excel_97_is_read",
    "test_concurrent_writers_lose_nothing",
    "test_two_classify_processes_at_once",
    "test_killed_mid_import_leaves_no_partial_import",
    "test_the_readme_batch_loop_twice_is_the_same_as_once",  # the README's loop, run for real, twice
    "test_terminated_write_leaves_no_temporary_file",  # a process killed mid-write, per signal
    # Each of these starts Python processes (an installed script, a GBK console, a memory-capped child).
    "test_huge_spans_are_bounded",
    "test_table_survives_a_gbk_console",
    "test_disk_full_while_writing_says_one_sentence",
    "test_a_real_abort_in_calamine_is_exit_3_and_the_batch_goes_on",
    "test_a_missing_ledger_is_said_the_same_by_the_test_runner_and_the_installed_script",
    "test_module_entry_point_prints_one_sentence",
    "test_module_entry_point_bad_usage",
    "test_module_entry_point_exit_status",
    "test_check_on_a_gbk_console",
    "test_json_and_csv_on_a_gbk_console",
    "test_ascii_console_does_not_crash",
}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: a slow test, left out by `pytest -m \"not slow\"` (CI runs it)")
    surveys.QUICK = not IN_CI and "not slow" in (config.option.markexpr or "")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_server = callspec is not None and "postgresql" in callspec.params.values()
        if item.path.name in SLOW_MODULES or getattr(item, "originalname", item.name) in SLOW_TESTS or on_server:
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    """`qhunion ARGS` → (exit status, stdout, stderr), run in the test's folder."""

    return functools.partial(run, folder=tmp_path)


# ── Ledger databases: every ledger and summary test runs on SQLite and on a real PostgreSQL server ────
@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    """One throwaway PostgreSQL cluster for the session. Without the server binaries the PostgreSQL tests
    skip on a developer's machine and fail in CI (CI=true), where `.ci/run` installs them."""
    if binaries() is None:
        message = "PostgreSQL 服务器程序（initdb、pg_ctl）不存在：apt-get install postgresql"
        if IN_CI:
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
