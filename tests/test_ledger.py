"""The ledger against real SQLite files and a real PostgreSQL server (the `db` fixture runs each test on both):
idempotent imports, supersession and history, migrations, forget, concurrent writers in separate processes,
interrupted imports, and no personal data stored."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from stdnum.cn.uscc import calc_check_digit

from qhunion import ledger as ledger_module
from qhunion.decide.ruleset import packaged
from qhunion.fields import PERSONAL_FIELDS
from qhunion.ledger import (
    LATEST,
    Ledger,
    LedgerError,
    LedgerMissing,
    Migration,
    Source,
    UnknownImport,
    locate,
    records,
)
from qhunion.pipeline import run as run_pipeline
from qhunion.records import Record
from qhunion.rules import classify
from rule_cases.surveys import run

RS = packaged()
HEADER = ["企业名称", "统一社会信用代码", "市（州）", "县（市、区）", "实际拥有车辆数", "职工人数", "货车司机人数",
          "农民工人数", "是否已建工会", "工会会员人数", "已入会农民工人数", "联系人", "联系电话", "身份证号", "填报人"]


def code(n: int) -> str:
    base = f"91630100MA{n:07d}"
    return base + calc_check_digit(base)


def survey(path: Path, *rows: list[Any]) -> Path:
    """A CSV survey; each row: name, code number (None: no code), county, vehicles, employees, union, members."""
    lines = [",".join(HEADER)]
    for i, (name, n, county, vehicles, employees, union, members) in enumerate(rows):
        lines.append(",".join(str(v) for v in (
            name, code(n) if n is not None else "", "西宁市", county, vehicles, employees, employees // 2,
            employees // 3, union, members if members is not None else "", "", f"联系人{i}号",
            f"1391234{i:04d}", f"63010519800101{i:04d}", "填报员甲")))
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def record(ledger: Ledger, *files: Path, round_label: str | None = None) -> list[Any]:
    return ledger.record(run_pipeline(files, RS), round_label)


def sql(db: str | Path, statement: str) -> list[tuple[Any, ...]]:
    """Run one statement on the ledger's database outside qhunion (a plain engine, committed)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(locate(db))
    try:
        with engine.begin() as conn:
            result = conn.execute(text(statement))
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        engine.dispose()


def current(db: str | Path) -> dict[str, tuple[int, str, int | None]]:
    """key → (import id, decision, members) of the current records."""
    rows = sql(db, 'SELECT "key", import_id, decision, members FROM records WHERE is_current')
    return {k: (i, d, m) for k, i, d, m in rows}


def count(db: str | Path, table: str) -> int:
    return int(sql(db, f"SELECT count(*) FROM {table}")[0][0])


def assert_sound(path: str | Path) -> None:
    with Ledger(path, create=False) as ledger:
        failed = [c for c in ledger.verify() if not c.ok]
    assert not failed


# ── Location and schema ──────────────────────────────────────────────────────────────────────────────
def test_location_flag_env_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("QHUNION_DB", raising=False)
    assert locate(None).endswith(str(tmp_path / "qhunion.db"))
    monkeypatch.setenv("QHUNION_DB", str(tmp_path / "env.db"))
    assert locate(None).endswith("env.db")
    assert locate("other.db").endswith(str(tmp_path / "other.db"))
    assert locate("postgresql://u@host/qh") == "postgresql+psycopg://u@host/qh"  # psycopg 3, not psycopg2
    assert locate("postgres://u@host/qh") == "postgresql+psycopg://u@host/qh"
    assert locate("postgresql+psycopg://u@host/qh") == "postgresql+psycopg://u@host/qh"


def test_created_on_first_use_with_wal_and_current_schema(tmp_path: Path) -> None:
    path = tmp_path / "账本 2018.db"  # Chinese and a space in the path
    with Ledger(path) as ledger:
        assert ledger.schema_version() == LATEST
        with ledger.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    with sqlite3.connect(path) as con:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert [v for (v,) in con.execute("SELECT version FROM schema_migrations ORDER BY version")] == [1, 2, 3, 4, 5]
        columns = {row[1] for row in con.execute("PRAGMA table_info(records)")}
        indexes = {row[1] for row in con.execute("PRAGMA index_list(records)")}
    assert columns == set(records.c.keys())  # what the migrations build is what the queries expect
    assert not columns & PERSONAL_FIELDS
    assert {"ix_records_summary", "ix_records_key_current", "ix_records_import_current",
            "ix_records_county_round"} <= indexes


@pytest.mark.parametrize("region", [{}, {"prefecture": "西宁市"}, {"prefecture": "西宁市", "county": "城北区"}])
def test_summary_query_reads_only_its_index(tmp_path: Path, region: dict[str, str]) -> None:
    """The grouped query a 1,000,000-record ledger must answer in under 2 s: a covering index, in order."""
    from sqlalchemy import event

    with Ledger(tmp_path / "l.db") as ledger:
        record(ledger, survey(tmp_path / "a.csv", ["甲物流", 1, "城北区", 30, 40, "否", None]))
        seen: list[tuple[str, Any]] = []
        event.listen(ledger.engine, "before_cursor_execute",
                     lambda conn, cur, sql, params, ctx, many: seen.append((sql, params)))
        ledger.tally(**region)
        sql, params = next((sql, params) for sql, params in seen if "GROUP BY" in sql)
        with ledger.engine.connect() as conn:
            plan = " ".join(str(row[-1]) for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params))
    assert "USING COVERING INDEX ix_records_summary" in plan and "TEMP B-TREE" not in plan, plan


def test_election_reads_only_the_key_index(tmp_path: Path) -> None:
    """Electing an import's records must not visit other records' rows: with `SELECT *` in the EXISTS, SQLite
    read a row per candidate and a 1,000,000-record import took 22 × as long as 100,000."""
    from sqlalchemy import event

    with Ledger(tmp_path / "l.db") as ledger:
        record(ledger, survey(tmp_path / "a.csv", ["甲物流", 1, "城北区", 30, 40, "否", None]), round_label="2018-08")
        seen: list[tuple[str, Any]] = []
        event.listen(ledger.engine, "before_cursor_execute",
                     lambda conn, cur, sql, params, ctx, many: seen.append((sql, params)))
        # A late correction to an earlier round: both elections run (its own records are outranked).
        record(ledger, survey(tmp_path / "b.csv", ["甲物流", 1, "城北区", 30, 40, "是", 20]), round_label="2018-04")
        updates = [(sql, params) for sql, params in seen if sql.startswith("UPDATE records")]
        with ledger.engine.connect() as conn:
            plans = [" ".join(str(row[-1]) for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params))
                     for sql, params in updates]
    assert len(plans) == 2
    for plan in plans:
        assert "SEARCH s USING COVERING INDEX ix_records_key_current" in plan, plan
        assert "SCAN records" not in plan, plan


def test_read_commands_do_not_create_a_ledger(tmp_path: Path) -> None:
    with pytest.raises(LedgerMissing):
        Ledger(tmp_path / "none.db", create=False)
    assert not (tmp_path / "none.db").exists()
    status, _, err = run("ledger", "list", "--db", tmp_path / "none.db")
    assert status == 3 and "找不到账本" in err


def test_not_a_ledger(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as con:
        con.execute("CREATE TABLE customers (id INTEGER)")
    with pytest.raises(LedgerError, match="不是 qhunion 账本"):
        Ledger(other)
    text = tmp_path / "notes.db"
    text.write_text("这不是数据库" * 200, "utf-8")
    with pytest.raises(LedgerError, match="不是完好的 qhunion 账本"):
        Ledger(text)


# ── Migrations ───────────────────────────────────────────────────────────────────────────────────────
V1_SCHEMA = """
CREATE TABLE schema_migrations (version INTEGER NOT NULL PRIMARY KEY, name VARCHAR(200) NOT NULL,
    applied_at DATETIME NOT NULL);
CREATE TABLE imports (id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, file_name VARCHAR(500) NOT NULL,
    sha256 VARCHAR(64) NOT NULL, sheets JSON NOT NULL, record_count INTEGER NOT NULL, imported_at DATETIME NOT NULL,
    ruleset_id VARCHAR(100) NOT NULL, ruleset_version VARCHAR(100) NOT NULL, ruleset_digest VARCHAR(64) NOT NULL,
    round_label VARCHAR(100) DEFAULT '' NOT NULL, unit VARCHAR(500),
    CONSTRAINT uq_imports_content UNIQUE (sha256, ruleset_digest, round_label));
CREATE TABLE records (id INTEGER NOT NULL PRIMARY KEY, import_id INTEGER NOT NULL REFERENCES imports (id),
    round_label VARCHAR(100) NOT NULL, "key" VARCHAR(600) NOT NULL, name VARCHAR(500), credit_code VARCHAR(40),
    prefecture VARCHAR(100), county VARCHAR(100), group_name VARCHAR(40), entity_type VARCHAR(40),
    sheet VARCHAR(200), row_number INTEGER, decision VARCHAR(20) NOT NULL, rule VARCHAR(40) NOT NULL,
    responsible TEXT, anchor TEXT, proposal TEXT, vehicles INTEGER, employees INTEGER, drivers INTEGER,
    migrant_workers INTEGER, members INTEGER, driver_members INTEGER, migrant_members INTEGER, has_union BOOLEAN,
    meets_standalone BOOLEAN NOT NULL);
CREATE INDEX ix_records_import ON records (import_id);
CREATE INDEX ix_records_key_order ON records ("key", round_label, import_id);
INSERT INTO schema_migrations VALUES (1, 'initial: imports and records', '2018-04-20 08:00:00');
INSERT INTO imports VALUES (1, '城北.xlsx', 'aa', '["Sheet1"]', 2, '2018-04-20 08:00:00', 'qinghai-2018-19',
    '2018.04-1', 'd1', '2018-04', NULL);
INSERT INTO imports VALUES (2, '城北8月.xlsx', 'bb', '["Sheet1"]', 1, '2018-08-20 08:00:00', 'qinghai-2018-19',
    '2018.04-1', 'd1', '2018-08', '西宁市总工会');
INSERT INTO imports VALUES (3, '城北补报.xlsx', 'cc', '["Sheet1"]', 1, '2018-08-25 08:00:00', 'qinghai-2018-19',
    '2018.04-1', 'd1', '2018-04', NULL);
INSERT INTO records (import_id, round_label, "key", name, prefecture, county, group_name, decision, rule,
    employees, members, meets_standalone) VALUES
    (1, '2018-04', 'A', '甲', '西宁市', '城北区', '货车司机', 'standalone', 'size', 40, NULL, TRUE),
    (1, '2018-04', 'B', '乙', '西宁市', '城北区', '货车司机', 'joint', 'anchor', 8, NULL, FALSE),
    (2, '2018-08', 'A', '甲', '西宁市', '城北区', '货车司机', 'established', 'has-union', 40, 30, TRUE),
    (3, '2018-04', 'A', '甲', '西宁市', '城北区', '货车司机', 'standalone', 'size', 41, NULL, TRUE);
"""


def v1_ledger(db: str) -> str:
    """A v1 ledger as v1 wrote it: on SQLite the frozen DDL as is; on PostgreSQL the same in its types
    (SERIAL keys, TIMESTAMP), with the key sequence moved past the ids written by hand."""
    if db.startswith("postgresql"):
        ddl = (V1_SCHEMA.replace("INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT", "SERIAL PRIMARY KEY")
               .replace("records (id INTEGER NOT NULL PRIMARY KEY", "records (id SERIAL PRIMARY KEY")
               .replace("DATETIME", "TIMESTAMP WITHOUT TIME ZONE"))
        for statement in [*ddl.split(";"), "SELECT setval('imports_id_seq', 3)"]:
            if statement.strip():
                sql(db, statement)
    else:
        with sqlite3.connect(db) as con:
            con.executescript(V1_SCHEMA)
    return db


def indexes_of(db: str, table: str) -> set[str]:
    from sqlalchemy import create_engine, inspect

    engine = create_engine(locate(db))
    try:
        with engine.connect() as conn:
            return {str(ix["name"]) for ix in inspect(conn).get_indexes(table)}
    finally:
        engine.dispose()


def test_v1_ledger_is_upgraded_when_opened(tmp_path: Path, db: str) -> None:
    path = v1_ledger(db)
    with Ledger(path, create=False) as ledger:
        assert ledger.schema_version() == LATEST
        assert [i.round_label for i in ledger.imports()] == ["2018-04", "2018-08", "2018-04"]
    # A: the August record outranks the later-imported April correction; B has only its April record.
    assert current(path) == {"A": (2, "established", 30), "B": (1, "joint", None)}
    indexes = indexes_of(path, "records")
    assert "ix_records_import" not in indexes and "ix_records_summary" in indexes
    assert "ix_records_key_order" not in indexes and "ix_records_key_current" in indexes
    assert_sound(path)
    with Ledger(path) as ledger:  # and new imports get numbers after the old ones
        (done,) = record(ledger, survey(tmp_path / "a.csv", ["甲物流", 1, "城北区", 30, 40, "否", None]),
                         round_label="2018-08")
    assert done.info.id == 4


def test_failed_upgrade_leaves_the_old_ledger_untouched(monkeypatch: pytest.MonkeyPatch, db: str) -> None:
    path = v1_ledger(db)

    def half_done(conn: Any) -> None:
        ledger_module.MIGRATIONS[1].apply(conn)  # every statement of v2 runs …
        raise RuntimeError("power cut")  # … and then the upgrade is interrupted

    monkeypatch.setattr(ledger_module, "MIGRATIONS", (ledger_module.MIGRATIONS[0], Migration(2, "v2", half_done)))
    with pytest.raises(RuntimeError):
        Ledger(path)
    from sqlalchemy import create_engine, inspect

    assert sql(path, "SELECT version FROM schema_migrations") == [(1,)]
    engine = create_engine(locate(path))
    with engine.connect() as conn:
        assert "is_current" not in {c["name"] for c in inspect(conn).get_columns("records")}
    engine.dispose()
    assert "ix_records_import" in indexes_of(path, "records")


def test_newer_ledger_is_refused(tmp_path: Path, db: str) -> None:
    path = db
    Ledger(path).close()
    sql(path, "INSERT INTO schema_migrations VALUES (99, 'future', '2030-01-01 00:00:00')")
    with pytest.raises(LedgerError, match="请升级 qhunion"):
        Ledger(path)


# ── Imports ──────────────────────────────────────────────────────────────────────────────────────────
def test_reimporting_the_same_file_changes_nothing(tmp_path: Path, db: str) -> None:
    path = db
    f = survey(tmp_path / "城北.csv", ["甲物流", 1, "城北区", 30, 40, "否", None],
               ["乙运输", 2, "城北区", 5, 8, "否", None])
    with Ledger(path) as ledger:
        (first,) = record(ledger, f, round_label="2018-04")
        (again,) = record(ledger, f, round_label="2018-04")
        renamed = f.rename(tmp_path / "城北（副本）.csv")
        (copy,) = record(ledger, renamed, round_label="2018-04")
    assert not first.already and first.info.record_count == 2 and first.info.sheets == ("城北",)
    assert again.already and copy.already and again.info.id == copy.info.id == first.info.id
    assert count(path, "imports") == 1 and count(path, "records") == 2


def test_the_same_file_under_corrected_rules_is_a_new_import(tmp_path: Path, db: str) -> None:
    path = db
    f = survey(tmp_path / "城北.csv", ["乙运输", 2, "城北区", 5, 26, "否", None])
    rules = tmp_path / "rules.toml"
    text = (Path(ledger_module.__file__).parents[1] / "data" / "rules.toml").read_text("utf-8")
    rules.write_text(text.replace('value = 25\nunit = "人"', 'value = 30\nunit = "人"'), "utf-8")
    for extra in ([], ["--rules", str(rules)]):
        status, _, err = run("classify", f, "--db", path, "--no-workbook", "-f", "json", *extra)
        assert status == 0, err
    assert count(path, "imports") == 2
    assert current(path) == {code(2): (2, "joint", None)}  # 26 employees: standalone under 25, not under 30


def test_supersession_by_round_then_import_order_keeps_history(tmp_path: Path, db: str) -> None:
    path = db
    april = survey(tmp_path / "4月.csv", ["甲物流", 1, "城北区", 30, 40, "否", None],
                   ["乙运输", 2, "城北区", 30, 40, "否", None], ["丙货运部", None, "城北区", 2, 2, "否", None])
    august = survey(tmp_path / "8月.csv", ["甲物流", 1, "城北区", 30, 40, "是", 30],
                    ["丁物流", 4, "湟中区", 30, 40, "否", None])
    late = survey(tmp_path / "4月补报.csv", ["甲物流", 1, "城北区", 30, 40, "是", 10],
                  ["乙运输", 2, "城北区", 30, 40, "是", 20])
    with Ledger(path) as ledger:
        (a,) = record(ledger, april, round_label="2018-04")
        (b,) = record(ledger, august, round_label="2018-08")
        (c,) = record(ledger, late, round_label="2018-04")
    assert (b.superseded, b.kept) == (1, 0)  # 甲's April record
    assert (c.superseded, c.kept) == (1, 1)  # 乙 replaced; 甲 already has an August record: kept as history
    assert a.repeated == b.repeated == c.repeated == 0
    assert current(path) == {
        code(1): (b.info.id, "established", 30),
        code(2): (c.info.id, "established", 20),
        "丙货运部|城北区": (a.info.id, "joint", None),  # no credit code: name + county
        code(4): (b.info.id, "standalone", None),
    }
    assert count(path, "records") == 7  # nothing deleted: the history stays
    with Ledger(path, create=False) as ledger:
        april_view = {t.decision: t.enterprises for t in ledger.tally(round_label="2018-04")}
        assert april_view == {"established": 2, "joint": 1}  # as of April: the late file's 甲 and 乙, and 丙
    assert_sound(path)


def test_forget_restores_the_previous_records(tmp_path: Path, db: str) -> None:
    path = db
    april = survey(tmp_path / "4月.csv", ["甲物流", 1, "城北区", 30, 40, "否", None])
    august = survey(tmp_path / "8月.csv", ["甲物流", 1, "城北区", 30, 40, "是", 30],
                    ["丁物流", 4, "湟中区", 30, 40, "否", None])
    late = survey(tmp_path / "4月补报.csv", ["甲物流", 1, "城北区", 30, 40, "是", 10])
    with Ledger(path) as ledger:
        (a,) = record(ledger, april, round_label="2018-04")
        (b,) = record(ledger, august, round_label="2018-08")
        (c,) = record(ledger, late, round_label="2018-04")
        assert ledger.find_import("8月.csv").id == b.info.id
        done = ledger.forget(b.info.id)
        assert done.restored == 1
        assert current(path) == {code(1): (c.info.id, "established", 10)}  # the latest April record
        ledger.forget(c.info.id)
        assert current(path) == {code(1): (a.info.id, "standalone", None)}
        with pytest.raises(UnknownImport):
            ledger.forget(b.info.id)
        (again,) = record(ledger, august, round_label="2018-08")
    assert again.info.id > c.info.id  # a forgotten import's number is not given out again
    assert_sound(path)


def test_ledger_commands(tmp_path: Path, db: str) -> None:
    path = db
    f1 = survey(tmp_path / "城北.csv", ["甲物流", 1, "城北区", 30, 40, "否", None])
    f2 = survey(tmp_path / "湟中.csv", ["丁物流", 4, "湟中区", 30, 40, "否", None])
    status, _, err = run("classify", f1, f2, "--db", path, "--round", "2018-04", "--unit", "西宁市总工会",
                         "--no-workbook", "-f", "json")
    assert status == 0, err
    assert "新导入 2 个文件" in err
    _, _, err = run("classify", f1, "--db", path, "--round", "2018-04", "--no-workbook", "-f", "json")
    assert "未重复记入" in err
    listed = json.loads(run("ledger", "list", "--db", path, "-f", "json")[1])
    assert [(i["id"], i["file"], i["round"], i["unit"], i["records"], i["current"]) for i in listed["imports"]] == [
        (1, "城北.csv", "2018-04", "西宁市总工会", 1, 1), (2, "湟中.csv", "2018-04", "西宁市总工会", 1, 1)]
    table = run("ledger", "list", "--db", path)[1]
    assert "城北.csv" in table and "西宁市总工会" in table
    bracketed = survey(tmp_path / "[bold]城西.csv", ["戊物流", 5, "城西区", 30, 40, "否", None])
    run("classify", bracketed, "--db", path, "--no-workbook", "-f", "json")
    assert "[bold]城西.csv" in run("ledger", "list", "--db", path)[1]  # not markup
    status, out, err = run("ledger", "forget", "1", "--db", path, stdin="n\n")
    assert status == 0 and "已取消" in out + err and count(path, "imports") == 3
    status, out, err = run("ledger", "forget", "1", "--db", path, stdin="")
    assert status == 2 and "--yes" in out + err and count(path, "imports") == 3
    status, out, err = run("ledger", "forget", "城北.csv", "--db", path, "--yes")
    assert status == 0 and "已撤销第 1 次导入" in out + err and count(path, "imports") == 2
    status, out, err = run("ledger", "forget", "1", "--db", path, "--yes")
    assert status == 2 and "没有第 1 次导入" in out + err
    status, out, _ = run("ledger", "verify", "--db", path)
    assert status == 0 and "完好" in out


def test_an_enterprise_listed_twice_in_a_file_counts_once(tmp_path: Path, db: str) -> None:
    path = db
    f = survey(tmp_path / "a.csv", ["甲物流", 1, "城北区", 30, 40, "否", None], ["甲物流", 1, "城北区", 30, 40, "是", 12])
    with Ledger(path) as ledger:
        (done,) = record(ledger, f)
    assert (done.info.record_count, done.info.current, done.repeated) == (2, 1, 1)
    assert current(path) == {code(1): (1, "established", 12)}  # the later row


def test_a_round_label_that_sorts_wrongly_is_written_as_it_sorts(tmp_path: Path, db: str) -> None:
    """Issue 13 changed this: 2018-4 used to be stored as written, with advice; it is now stored as 2018-04."""
    f = survey(tmp_path / "a.csv", ["甲物流", 1, "城北区", 30, 40, "否", None])
    _, _, err = run("classify", f, "--db", db, "--round", "2018-4", "--no-workbook", "-f", "json")
    assert "按 2018-04 记入账本" in err and "已记入账本" in err
    with Ledger(db) as ledger:
        assert ledger.rounds() == ["2018-04"]


def test_two_inputs_of_one_name_are_two_imports(tmp_path: Path, db: str) -> None:
    """Each county's folder holds its 调查表.csv: a prefecture classifies them in one run. They used to be
    refused (exit 6) because records knew their file by name only; they are now told apart by their place in
    the run, each an import of its own records, and `ledger forget 调查表.csv` asks for the number."""
    (tmp_path / "城北").mkdir()
    (tmp_path / "城西").mkdir()
    a = survey(tmp_path / "城北" / "调查表.csv", ["甲物流", 1, "城北区", 30, 40, "否", None])
    b = survey(tmp_path / "城西" / "调查表.csv", ["戊物流", 5, "城西区", 30, 40, "否", None],
               ["己运输", 6, "城西区", 3, 4, "否", None])
    status, _, err = run("classify", a, b, "--db", db, "--no-workbook", "-f", "json")
    assert status == 0, err
    with Ledger(db, create=False) as ledger:
        assert [(i.file_name, i.record_count) for i in ledger.imports()] == [("调查表.csv", 1), ("调查表.csv", 2)]
    assert sql(db, "SELECT county, import_id FROM records ORDER BY id") == [("城北区", 1), ("城西区", 2), ("城西区", 2)]
    status, _, err = run("ledger", "forget", "调查表.csv", "--db", db, "--yes")
    assert status == 2 and "#1、#2" in err, err


def test_no_ledger_flag_and_default_location(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("QHUNION_DB", raising=False)
    f = survey(tmp_path / "城北.csv", ["甲物流", 1, "城北区", 30, 40, "否", None])
    run("classify", f, "--no-ledger", "--no-workbook", "-f", "json")
    assert not (tmp_path / "qhunion.db").exists()
    run("classify", f, "--no-workbook", "-f", "json")
    assert count(tmp_path / "qhunion.db", "records") == 1


def test_verify_finds_a_broken_invariant(tmp_path: Path, db: str) -> None:
    path = db
    with Ledger(path) as ledger:
        record(ledger, survey(tmp_path / "a.csv", ["甲物流", 1, "城北区", 30, 40, "否", None]), round_label="2018-08")
        record(ledger, survey(tmp_path / "b.csv", ["甲物流", 1, "城北区", 30, 40, "是", 9]), round_label="2018-08")
    sql(path, "UPDATE records SET is_current = TRUE")  # both records of 甲 current
    with Ledger(path, create=False) as ledger:
        failed = {c.name for c in ledger.verify() if not c.ok}
    assert failed == {"one_current", "current_is_latest"}
    status, out, _ = run("ledger", "verify", "--db", path, "-f", "json")
    assert status == 1 and json.loads(out)["ok"] is False


# ── Personal data ────────────────────────────────────────────────────────────────────────────────────
def test_no_personal_data_is_stored(tmp_path: Path, db: str) -> None:
    path = db
    f = survey(tmp_path / "城北.csv", ["甲物流", 1, "城北区", 30, 40, "否", None],
               ["丙货运部", None, "城北区", 2, 2, "否", None])
    personal = ["联系人0号", "联系人1号", "13912340000", "13912340001", "630105198001010000", "填报员甲"]
    result = run_pipeline([f], RS)
    typed = {str(c) for r in result.survey.records for c in r.cells}
    assert {"联系人0号", "联系人1号"} <= typed  # they were read …
    with Ledger(path) as ledger:
        ledger.record(result, "2018-04", "西宁市总工会")
    from sqlalchemy import create_engine, inspect

    engine = create_engine(locate(path))
    with engine.connect() as conn:  # … and are nowhere in any table
        tables = inspect(conn).get_table_names()
        assert {"imports", "records"} <= set(tables)
        for table in tables:
            for row in sql(path, f'SELECT * FROM "{table}"'):
                text = " ".join(str(v) for v in row)
                assert not [p for p in personal if p in text], table
            columns = {c["name"] for c in inspect(conn).get_columns(table)}
            assert not columns & PERSONAL_FIELDS
    engine.dispose()
    if not path.startswith("postgresql"):
        raw = b"".join(p.read_bytes() for p in tmp_path.glob(Path(path).name + "*"))  # the file and its WAL
        assert not [p for p in personal if p.encode("utf-8") in raw]
        assert "甲物流".encode() in raw  # (the scan does see the stored text)


# ── Transactions: interrupted imports, concurrent writers ────────────────────────────────────────────
def test_error_inside_an_import_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db: str) -> None:
    path = db
    f = survey(tmp_path / "a.csv", ["甲物流", 1, "城北区", 30, 40, "否", None], ["乙运输", 2, "城北区", 3, 4, "否", None])
    with Ledger(path) as ledger:
        record(ledger, survey(tmp_path / "base.csv", ["丁物流", 4, "湟中区", 30, 40, "否", None]))

        def fail(*args: Any, **kwargs: Any) -> None:
            raise OSError("disk unplugged")  # after the import row and its records were inserted

        monkeypatch.setattr(ledger_module, "_supersede", fail)
        with pytest.raises(OSError):
            record(ledger, f)
        monkeypatch.undo()
        assert count(path, "imports") == 1 and count(path, "records") == 1
        (later,) = record(ledger, f)  # and the same file imports cleanly afterwards
        assert not later.already
    assert_sound(path)


KILLED_CHILD = textwrap.dedent("""
    import sys, time
    import qhunion.ledger as L
    from qhunion.pipeline import run
    from qhunion.decide.ruleset import packaged

    supersede = L._supersede
    def stall(conn, *args, **kwargs):
        supersede(conn, *args, **kwargs)
        print("inside", flush=True)  # the import's rows are written, the transaction is open
        time.sleep(120)
    L._supersede = stall
    with L.Ledger(sys.argv[1]) as ledger:
        ledger.record(run([sys.argv[2]], packaged()), "2018-08")
""")


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX only")
def test_killed_mid_import_leaves_no_partial_import(tmp_path: Path, db: str) -> None:
    path = db
    with Ledger(path) as ledger:
        record(ledger, survey(tmp_path / "base.csv", ["甲物流", 1, "城北区", 30, 40, "否", None]), round_label="2018-04")
    big = survey(tmp_path / "big.csv", *[[f"企业{i}", 100 + i, "城北区", 3, 4, "否", None] for i in range(500)],
                 ["甲物流", 1, "城北区", 30, 40, "是", 30])
    child = subprocess.Popen([sys.executable, "-c", KILLED_CHILD, str(path), str(big)], stdout=subprocess.PIPE)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == b"inside"
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert count(path, "imports") == 1 and count(path, "records") == 1
    assert current(path) == {code(1): (1, "standalone", None)}
    assert_sound(path)
    with Ledger(path) as ledger:  # the ledger takes the interrupted file afterwards
        (done,) = record(ledger, big, round_label="2018-08")
    assert done.info.record_count == 501 and done.superseded == 1


def _writer(path: str, worker: int, imports: int, barrier: Any) -> None:
    """One process: ``imports`` imports of its own files, each holding a shared enterprise and its own ones."""
    shared = Record("x.xlsx", "Sheet1", 3, name="共同物流", credit_code=code(1), credit_valid=True,
                    prefecture="西宁市", county="城北区", vehicles_owned=30, employees=40)
    if barrier is not None:
        barrier.wait()
    with Ledger(path) as ledger:
        for i in range(imports):
            own = [Record("x.xlsx", "Sheet1", 4 + j, name=f"企业{worker}-{i}-{j}", prefecture="西宁市",
                          county=("城北区", "城西区", "湟中区")[j % 3], vehicles_owned=3 + j, employees=4 + j)
                   for j in range(20)]
            rows = [shared, *own]
            pairs = list(zip(rows, classify(rows, RS), strict=True))
            ledger.add(Source(f"w{worker}-{i}.xlsx", f"{worker:032x}{i:032x}"), pairs, RS, "2018-04")


def test_concurrent_writers_lose_nothing(new_db: Any) -> None:
    """8 county processes importing at once: nothing lost, and the same figures as one after another."""
    path, sequential = new_db(), new_db()
    workers, imports = 8, 3
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Manager().Barrier(workers)
    procs = [ctx.Process(target=_writer, args=(path, w, imports, barrier)) for w in range(workers)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    assert [p.exitcode for p in procs] == [0] * workers
    assert count(path, "imports") == workers * imports
    assert count(path, "records") == workers * imports * 21
    now = current(path)
    assert len(now) == 1 + workers * imports * 20  # one current record per enterprise
    assert now[code(1)][0] == workers * imports  # the shared enterprise: the last import's record
    assert_sound(path)
    for w in range(workers):
        _writer(sequential, w, imports, None)
    with Ledger(path, create=False) as at_once, Ledger(sequential, create=False) as in_turn:
        assert sorted(at_once.tally(anchor=True), key=repr) == sorted(in_turn.tally(anchor=True), key=repr)
        assert len(at_once.tally()) > 3


def test_two_classify_processes_at_once(tmp_path: Path, db: str) -> None:
    path = db
    files = [survey(tmp_path / f"{n}.csv", *[[f"{n}企业{i}", None, n, 3, 4, "否", None] for i in range(200)])
             for n in ("城北区", "城西区")]
    procs = [subprocess.Popen([sys.executable, "-m", "qhunion", "classify", str(f), "--db", str(path),
                               "--round", "2018-04", "--no-workbook", "-f", "csv", "-o", str(f.with_suffix(".out"))],
                              stderr=subprocess.PIPE) for f in files]
    errs = [p.communicate(timeout=120)[1].decode() for p in procs]
    assert all("已记入账本" in e for e in errs), errs
    assert count(path, "imports") == 2 and count(path, "records") == 400
    assert_sound(path)


def test_an_unreadable_input_with_a_gbk_name_is_not_imported(tmp_path: Path) -> None:
    """The ledger imports the inputs that were read: an unreadable file whose name is GBK bytes (a Windows zip
    unpacked here) was taken for a readable one, its name compared in two spellings, and imported empty."""
    folder = tmp_path / "surveys"
    folder.mkdir()
    survey(folder / "城北区.csv", ["甲公司", 1, "城北区", 3, 8, "否", None])
    with open(os.fsencode(folder) + b"/" + "城东区.csv".encode("gbk"), "wb") as fh:  # as a Windows zip leaves it
        fh.write("说明\n只有一行字\n".encode("gbk"))
    with Ledger(tmp_path / "l.db") as ledger:
        result = run_pipeline([folder], RS)
        assert len(result.survey.unreadable) == 1 and len(result.survey.readable_paths) == 1
        outcomes = ledger.record(result)
    assert [o.info.file_name for o in outcomes] == ["城北区.csv"]


def test_names_that_differ_only_in_a_phone_number_are_one_enterprise_as_stored(tmp_path: Path, db: str) -> None:
    """The ledger keeps a name with its phone number masked: 甲物流13912345678 and 甲物流13900005678 are both
    “甲物流139****5678” there, so only the later row may be current (the file's own flag was taken by the raw
    name, and both rows were current)."""
    f = survey(tmp_path / "a.csv", ["甲物流13912345678", None, "城北区", 30, 40, "否", None],
               ["甲物流13900005678", None, "城北区", 30, 40, "是", 12])
    with Ledger(db) as ledger:
        (done,) = record(ledger, f)
    assert done.info.current == 1
    assert_sound(db)
