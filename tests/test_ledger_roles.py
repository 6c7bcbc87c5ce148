"""Regional roles on a real PostgreSQL server (`ledger grant`): a county's role reads and writes only its
county's records, by the server's row-level security, and is refused — one sentence, exit 5, nothing
written — when a file holds another county's enterprises. The province's role (the owner) sees all."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from pgcluster import Cluster
from qhunion.ledger import Ledger, locate

HEADER = "企业名称,市（州）,县（市、区）,实际拥有车辆数,职工人数,货车司机人数,农民工人数,是否已建工会,工会会员人数"


def survey(path: Path, *rows: tuple[str, str, str, int]) -> Path:
    """A CSV survey; each row: name, prefecture, county, employees."""
    lines = [HEADER, *(f"{n},{p},{c},3,{e},{e // 2},{e // 3},否," for n, p, c, e in rows)]
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


LEDU = ("海东市", "乐都区")
HUZHU = ("海东市", "互助土族自治县")
CHENGBEI = ("西宁市", "城北区")


def as_role(url: str, role: str) -> str:
    return url.replace("province@", f"{role}@")


def sql(url: str, statement: str) -> list[tuple[Any, ...]]:
    engine = create_engine(locate(url))
    try:
        with engine.begin() as conn:
            result = conn.execute(text(statement))
            return [tuple(r) for r in result] if result.returns_rows else []
    finally:
        engine.dispose()


def counties(url: str) -> dict[str, int]:
    return dict(sql(url, "SELECT county, count(*) FROM records GROUP BY county"))  # type: ignore[arg-type]


@pytest.fixture
def ledger_url(pg_cluster: Cluster, tmp_path: Path, cli: Any) -> str:
    """A ledger holding 乐都区 (2 enterprises), 互助 (1) and 城北区 (1), imported by the province."""
    url = pg_cluster.new_database()
    for name, rows in (("乐都.csv", [("甲物流", *LEDU, 40), ("乙物流", *LEDU, 4)]),
                       ("互助.csv", [("丙物流", *HUZHU, 30)]), ("城北.csv", [("丁物流", *CHENGBEI, 50)])):
        status, _, err = cli("classify", survey(tmp_path / name, *rows), "--db", url, "--round", "2018-04",
                             "--no-workbook", "-f", "json", "-o", tmp_path / "out.json")
        assert status == 0 and "已记入账本" in err, err
    return url


def test_a_county_role_reads_and_writes_only_its_county(ledger_url: str, tmp_path: Path, cli: Any) -> None:
    status, _, err = cli("ledger", "grant", "--county", "乐都", "--role", "ledu", "--db", ledger_url)
    assert status == 0 and "只能导入和查看乐都区的记录" in err, err
    ledu = as_role(ledger_url, "ledu")
    # Reading: its records, and only the imports that carry them.
    assert counties(ledu) == {"乐都区": 2}
    with Ledger(ledu, create=False) as ledger:
        assert [i.file_name for i in ledger.imports()] == ["乐都.csv"]
        assert sum(t.enterprises for t in ledger.tally()) == 2
    status, out, _ = cli("summary", "--db", ledu, "-f", "json")
    assert status == 0 and json.loads(out)["total"]["enterprises"] == 2
    # Writing another county's rows directly: updates touch nothing, inserts are refused by the server.
    assert sql(ledu, "UPDATE records SET members = 99 WHERE county <> '乐都区' RETURNING id") == []
    with pytest.raises(DBAPIError, match="row-level security"):
        sql(ledu, "INSERT INTO records (import_id, round_label, \"key\", county, decision, rule, meets_standalone)"
                  " VALUES (1, '2018-04', 'X', '互助土族自治县', 'joint', 'x', FALSE)")
    # Through qhunion: a file of another county, or a mixed one, is refused whole.
    before = counties(ledger_url)
    for name, rows, label in (("互助8月.csv", [("丙物流", *HUZHU, 31)], "2018-08"),
                              ("混合.csv", [("甲物流", *LEDU, 41), ("丙物流", *HUZHU, 31)], "2018-08"),
                              ("互助.csv", [("丙物流", *HUZHU, 30)], "2018-04")):  # the province has it already
        status, _, err = cli("classify", survey(tmp_path / name, *rows), "--db", ledu, "--round", label,
                             "--no-workbook", "-f", "json", "-o", tmp_path / "out.json")
        assert status == 5 and err.count("\n") == 1 and "无权写入该地区" in err and "未写入任何内容" in err, err
    assert counties(ledger_url) == before
    assert sql(ledger_url, "SELECT count(*) FROM imports") == [(3,)]
    # Its own county's file goes in, and supersedes its own earlier records.
    status, _, err = cli("classify", survey(tmp_path / "乐都8月.csv", ("甲物流", *LEDU, 45)), "--db", ledu,
                         "--round", "2018-08", "--no-workbook", "-f", "json", "-o", tmp_path / "out.json")
    assert status == 0 and "替换了 1 家企业的较早记录" in err, err
    assert counties(ledger_url) == {"乐都区": 3, "互助土族自治县": 1, "城北区": 1}
    with Ledger(ledger_url, create=False) as province:
        assert all(c.ok for c in province.verify())
        assert sum(t.enterprises for t in province.tally()) == 4
    # A bundle of another county is refused the same way; one of its own county merges (nothing new here).
    offline = tmp_path / "互助离线.db"
    assert cli("classify", survey(tmp_path / "互助9月.csv", ("戊物流", *HUZHU, 12)), "--db", offline,
               "--no-workbook", "-f", "json", "-o", tmp_path / "out.json")[0] == 0
    assert cli("ledger", "export", "-r", "互助", "-o", tmp_path / "互助.qhl", "--db", offline)[0] == 0
    status, _, err = cli("ledger", "import", tmp_path / "互助.qhl", "--db", ledu)
    assert status == 5 and "无权写入该地区" in err
    assert cli("ledger", "export", "-r", "乐都", "-o", tmp_path / "乐都.qhl", "--db", ledger_url)[0] == 0
    status, _, err = cli("ledger", "import", tmp_path / "乐都.qhl", "--db", ledu)
    assert status == 0 and "2 次导入此前已在账本中" in err, err
    # Forgetting an import, or granting, is the province's.
    status, _, err = cli("ledger", "forget", "1", "--yes", "--db", ledu)
    assert status == 5 and "无权执行该操作" in err
    status, _, err = cli("ledger", "grant", "--county", "互助", "--role", "huzhu", "--db", ledu)
    assert status == 5


def test_a_prefecture_role_and_a_changed_region(ledger_url: str, cli: Any) -> None:
    assert cli("ledger", "grant", "--prefecture", "海东", "--role", "haidong", "--db", ledger_url)[0] == 0
    haidong = as_role(ledger_url, "haidong")
    assert counties(haidong) == {"乐都区": 2, "互助土族自治县": 1}
    status, out, _ = cli("summary", "--db", haidong, "--region", "海东", "-f", "json")
    assert status == 0 and json.loads(out)["total"]["enterprises"] == 3
    # Granting again moves the role: one region at a time, the old policy replaced.
    status, _, err = cli("ledger", "grant", "--county", "互助", "--role", "haidong", "--db", ledger_url)
    assert status == 0 and "已更新" in err
    assert counties(haidong) == {"互助土族自治县": 1}


def test_grant_refuses_what_it_cannot_do(ledger_url: str, tmp_path: Path, cli: Any) -> None:
    cases = [
        (["--county", "乐都", "--prefecture", "海东", "--role", "x"], "二选一"),
        (["--role", "x"], "二选一"),
        (["--county", "海东", "--role", "x"], "不是县"),
        (["--prefecture", "乐都区", "--role", "x"], "不是市（州）"),
        (["--county", "乐都", "--role", "Ledu-1"], "不可用"),
        (["--county", "乐都", "--role", "province"], "不能限定到一个地区"),
        (["--county", "乐都", "--role", "postgres"], "不能限定到一个地区"),
        (["--county", "乐都县城", "--role", "x"], ""),
    ]
    for args, said in cases:
        status, _, err = cli("ledger", "grant", *args, "--db", ledger_url)
        assert status == 2 and said in err, (args, err)
    Ledger(tmp_path / "l.db").close()
    status, _, err = cli("ledger", "grant", "--county", "乐都", "--role", "ledu", "--db", tmp_path / "l.db")
    assert status == 2 and "SQLite" in err


def test_an_unreachable_server_is_one_sentence(cli: Any) -> None:
    status, _, err = cli("ledger", "list", "--db", "postgresql://nobody@127.0.0.1:1/qhunion")
    assert status == 6 and err.count("\n") == 1 and "无法连接账本数据库" in err, err
