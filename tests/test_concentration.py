"""Issue 11: “较集中的区域” is a fact about the county — the same decisions and the same summary whether its
files are classified alone, together, or in any order, with earlier decisions re-derived as history."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select

from builders import flat_rows, uscc, write_csv
from qhunion.concentration import NO_LEDGER_NOTE, decision_changes
from rule_cases.surveys import Cli

# Ten small carriers of 湟中区 (the example) and one standalone firm, in three county files; 城北区
# has two small carriers of its own in the last file.
HUANGZHONG = [(f"湟中区第{i}货运有限公司", uscc("630106", org=f"MA752XK{i:02d}"), "西宁市", "湟中区", 3, 5, "否")
              for i in range(1, 11)]
BIG = ("湟中区大型运输有限公司", uscc("630106", org="MA752XL01"), "西宁市", "湟中区", 30, 40, "否")
CHENGBEI = [(f"城北区第{i}货运有限公司", uscc("630105", org=f"MA752XM{i:02d}"), "西宁市", "城北区", 2, 3, "否")
            for i in range(1, 3)]
FILES = {
    "湟中一.csv": [*HUANGZHONG[:6]],
    "湟中二.csv": [*HUANGZHONG[6:9], BIG],
    "湟中三.csv": [HUANGZHONG[9], *CHENGBEI],
}


def _valid_codes() -> None:
    from stdnum.cn import uscc as check

    for rows in FILES.values():
        for row in rows:
            assert check.is_valid(row[1]), row


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    _valid_codes()
    return {name: write_csv(tmp_path / name, flat_rows(*rows)) for name, rows in FILES.items()}


def summary(cli: Cli, db: Path, by: str = "county") -> list[dict[str, Any]]:
    code, out, err = cli("summary", "--db", db, "--region", "西宁", "--by", by, "-f", "json")
    assert code == 0, err
    data = json.loads(out)
    return [*data["rows"], data["total"]]


def decisions(cli: Cli, db: Path, paths: list[Path]) -> dict[str, str]:
    """Each enterprise's decision as a no-ledger classify of all files would not know it: read back from
    the ledger's current records."""
    engine = create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        from qhunion.ledger import CURRENT, records

        return {n: d for n, d in conn.execute(select(records.c.name, records.c.decision).where(CURRENT))}


def test_one_by_one_all_at_once_or_any_order_give_the_same_summary(cli: Cli, files: dict[str, Path],
                                                                    tmp_path: Path) -> None:
    names = list(files)
    runs = [[names]]  # all at once
    runs += [[[n] for n in order] for order in itertools.permutations(names)]  # one by one, every order
    runs += [[[names[0], names[2]], [names[1]]], [[names[1]], [names[2], names[0]]]]  # in batches
    results = []
    for i, batches in enumerate(runs):
        db = tmp_path / f"run{i}.db"
        for batch in batches:
            code, _, err = cli("classify", *(files[n] for n in batch), "--db", db, "--no-workbook",
                               "-f", "json")
            assert code == 0, err
        results.append((summary(cli, db), summary(cli, db, "decision"), decisions(cli, db, list(files.values()))))
    first = results[0]
    for other in results[1:]:
        for a, b in zip(first[:2], other[:2], strict=True):
            assert [dict(r, generated_at=None) for r in a] == [dict(r, generated_at=None) for r in b]
        assert first[2] == other[2]
    # The county's ten small carriers reach the (tool-default) count: all of them go to the industry union,
    # 城北区's two do not.
    assert {n: d for n, d in first[2].items() if n.startswith("湟中区第")} == {
        r[0]: "industry" for r in HUANGZHONG}
    assert {n: d for n, d in first[2].items() if n.startswith("城北区")} == {r[0]: "joint" for r in CHENGBEI}


def test_a_later_import_re_derives_the_earlier_decisions_and_says_so(cli: Cli, files: dict[str, Path],
                                                                   tmp_path: Path) -> None:
    db = tmp_path / "ledger.db"
    code, out, err = cli("classify", files["湟中一.csv"], "--db", db, "--no-workbook", "-f", "json")
    assert code == 0 and {r["decision"] for r in json.loads(out)["records"]} == {"joint"}
    cli("classify", files["湟中二.csv"], "--db", db, "--no-workbook", "-f", "json")
    code, out, err = cli("classify", files["湟中三.csv"], "--db", db, "--no-workbook", "-f", "json")
    # The tenth carrier is decided on the county's count, not on its own file's one.
    by_name = {r["name"]: r for r in json.loads(out)["records"]}
    assert by_name[HUANGZHONG[9][0]]["decision"] == "industry"
    assert "本区域未建会、未依托平台园区市场的小型货运企业 10 家 ≥ 10 家" in by_name[HUANGZHONG[9][0]]["explanation"]
    assert "湟中区新增调查后，9 家由联合建会改为行业工会覆盖" in err
    engine = create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        kept = conn.execute(select(decision_changes.c.area, decision_changes.c.old_decision,
                                   decision_changes.c.new_decision, decision_changes.c.carriers)).all()
    assert sorted(kept) == [("湟中区", "joint", "industry", 10)] * 9


def test_no_ledger_says_its_count_covers_only_the_given_files(cli: Cli, files: dict[str, Path]) -> None:
    code, out, err = cli("classify", files["湟中一.csv"], "--no-ledger", "--no-workbook", "-f", "json")
    assert code == 0 and NO_LEDGER_NOTE in err
    assert {r["decision"] for r in json.loads(out)["records"]} == {"joint"}  # 6 < 10 within the file


def test_a_new_ledger_is_not_created_just_to_read_the_count(cli: Cli, files: dict[str, Path],
                                                            tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    code, _, err = cli("classify", files["湟中一.csv"], "--db", db, "--no-workbook", "-f", "json")
    assert code == 0, err
    assert db.exists()  # made by the import itself, after the count was read from nothing


def test_every_threshold_read_carries_its_clause_or_tool_default(cli: Cli, files: dict[str, Path]) -> None:
    code, out, _ = cli("classify", files["湟中二.csv"], "--no-ledger", "--no-workbook", "-f", "json")
    assert code == 0
    record = next(r for r in json.loads(out)["records"] if r["name"] == HUANGZHONG[6][0])
    params = {p["name"]: p for p in record["params"]}
    # The parameter's own clause, not the decision's (this one is decided under 《工会法》第十一条).
    assert params["standalone_vehicles"] == {"name": "standalone_vehicles", "value": 20, "unit": "辆",
                                             "clause": "青总办〔2018〕19号 三（二）"}
    assert params["industry_concentration"] == {"name": "industry_concentration", "value": 10, "unit": "家",
                                                "tool_default": True}
    assert params["industry_concentration_drivers"]["tool_default"] is True
    assert "（本工具默认值，文件未规定）" in record["explanation"]
    assert "本工具的理解" in record["reading"]


def test_forgetting_an_import_settles_its_county_again(cli: Cli, files: dict[str, Path], tmp_path: Path) -> None:
    """The 10th small carrier made 湟中区 较集中; forgetting the file that brought it undoes that, as if the file
    had never been imported (the same decisions as importing the other two files alone)."""
    db, alone = tmp_path / "l.db", tmp_path / "alone.db"
    for name in files:
        assert cli("classify", files[name], "--db", db, "--no-workbook", "-f", "json")[0] == 0
    assert decisions(cli, db, [])["湟中区第1货运有限公司"] == "industry"
    code, _, err = cli("ledger", "forget", "湟中三.csv", "--db", db, "--yes")
    assert code == 0, err
    assert "湟中区" in err and "行业工会覆盖" in err  # the change line names the county and the old decision
    for name in ("湟中一.csv", "湟中二.csv"):
        assert cli("classify", files[name], "--db", alone, "--no-workbook", "-f", "json")[0] == 0
    assert decisions(cli, db, []) == decisions(cli, alone, [])
