"""A damaged ledger (issue 14, items 4, 21, 25): never written to, odd rows shown rather than crashing, and
database errors told in Chinese."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from qhunion.ledger import Ledger, LedgerError
from rule_cases.surveys import run as invoke
from test_ledger import count, record, survey


def big_ledger(tmp_path: Path) -> Path:
    """A ledger of a few hundred KB, checkpointed into its main file (no WAL left to hide the damage)."""
    path = tmp_path / "l.db"
    rows = [[f"第{i}号物流有限公司" + "甲" * 40, i, "城北区", 30, 40, "否", None] for i in range(3000)]
    with Ledger(path) as ledger:
        record(ledger, survey(tmp_path / "城北.csv", *rows))
    with sqlite3.connect(path) as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


def test_a_ledger_with_garbage_in_the_middle_is_never_written_to(tmp_path: Path) -> None:
    path = big_ledger(tmp_path)
    size = path.stat().st_size
    assert size > 256 * 1024
    with path.open("r+b") as fh:  # 64 KB of garbage, page-aligned, in the middle of the file
        fh.seek((size // 2) // 4096 * 4096)
        fh.write(bytes(range(256)) * 256)
    damaged = path.read_bytes()
    second = survey(tmp_path / "城东.csv", ["乙物流", 90001, "城东区", 30, 40, "否", None])
    code, out, err = invoke("classify", second, "--db", path, "--no-workbook", "-f", "json")
    assert code == 6, err  # 账本用不了: not 4 (an output not writable)
    assert "已损坏" in err and "已记入账本" not in err and "Traceback" not in out + err
    assert path.read_bytes() == damaged  # not one byte written
    assert not Path(str(path) + "-wal").exists() or Path(str(path) + "-wal").stat().st_size == 0


def test_an_intact_ledger_is_checked_once_and_written(tmp_path: Path) -> None:
    path = big_ledger(tmp_path)
    with Ledger(path) as ledger:
        assert not ledger._intact
        record(ledger, survey(tmp_path / "城东.csv", ["乙物流", 90001, "城东区", 30, 40, "否", None]))
        assert ledger._intact
    assert count(path, "imports") == 2


def test_an_import_time_that_is_not_a_time_is_shown_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    with Ledger(path) as ledger:
        record(ledger, survey(tmp_path / "城北.csv", ["甲物流", 1, "城北区", 30, 40, "否", None]))
        record(ledger, survey(tmp_path / "城东.csv", ["乙物流", 2, "城东区", 30, 40, "否", None]))
    with sqlite3.connect(path) as con:
        con.execute("UPDATE imports SET imported_at = 'not a date' WHERE id = 1")
    code, out, err = invoke("ledger", "list", "--db", path)
    assert code == 0, err
    assert "时间不明" in out and "城北.csv" in out
    code, out, err = invoke("ledger", "list", "--db", path, "-f", "json")
    assert code == 0 and json.loads(out)["imports"][0]["imported_at"] is None
    code, out, err = invoke("ledger", "list", "--db", path, "-f", "csv")
    assert code == 0 and "城北.csv" in out
    code, out, err = invoke("ledger", "forget", "1", "--db", path, "--yes")
    assert code == 0, err
    assert count(path, "imports") == 1


def test_a_dropped_table_is_a_chinese_sentence(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    with Ledger(path) as ledger:
        record(ledger, survey(tmp_path / "城北.csv", ["甲物流", 1, "城北区", 30, 40, "否", None]))
    with sqlite3.connect(path) as con:
        con.execute("DROP TABLE records")
    for command in (["ledger", "list"], ["summary"], ["ledger", "forget", "1", "--yes"]):
        code, _, err = invoke(*command, "--db", path)
        assert code in (3, 6), (command, err)
        assert "records" in err and "缺少数据表" in err and "no such table" not in err, command
    second = survey(tmp_path / "城东.csv", ["乙物流", 2, "城东区", 30, 40, "否", None])
    code, _, err = invoke("classify", second, "--db", path, "--no-workbook", "-f", "json")
    assert code == 6 and "缺少数据表" in err and "已记入账本" not in err


def test_no_such_table_from_the_driver_is_translated(tmp_path: Path) -> None:
    with Ledger(tmp_path / "l.db") as ledger:
        reason = ledger._reason("no such table: records")
        assert "缺少数据表“records”" in reason and "no such" not in reason
        reason = ledger._reason("no such column: is_current")
        assert "缺少数据列“is_current”" in reason


def test_the_check_refuses_before_the_first_write_of_a_ledger_object(tmp_path: Path) -> None:
    path = big_ledger(tmp_path)
    with Ledger(path) as ledger:  # opened while intact …
        with path.open("r+b") as fh:  # … damaged by someone else before it writes
            fh.seek(path.stat().st_size // 2 // 4096 * 4096)
            fh.write(b"\xff" * 65536)
        with pytest.raises(LedgerError, match="已损坏"):
            record(ledger, survey(tmp_path / "城东.csv", ["乙物流", 90001, "城东区", 30, 40, "否", None]))
