"""Ledger bundles (`ledger export` / `ledger import`): an offline county's imports travel as a checksummed file
and merge into any ledger — SQLite or PostgreSQL — idempotently, keeping history and the supersession order;
a damaged or altered bundle is refused whole."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from qhunion.ledger import LATEST, Ledger, locate

HEADER = ("企业名称,市（州）,县（市、区）,实际拥有车辆数,职工人数,货车司机人数,农民工人数,是否已建工会,工会会员人数,"
          "联系人,联系电话")
MAQIN = ("果洛藏族自治州", "玛沁县")
BANMA = ("果洛藏族自治州", "班玛县")
PERSONAL = ("联系人甲", "13912345678")


def survey(path: Path, *rows: tuple[str, str, str, int, int | None]) -> Path:
    """A CSV survey; each row: name, prefecture, county, employees, members (None: no union)."""
    lines = [HEADER]
    for n, p, c, e, m in rows:
        lines.append(f"{n},{p},{c},3,{e},{e // 2},{e // 3},{'否' if m is None else '是'},{'' if m is None else m},"
                     f"{PERSONAL[0]},{PERSONAL[1]}")
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def sql(db: str, statement: str) -> list[tuple[Any, ...]]:
    engine = create_engine(locate(db))
    try:
        with engine.begin() as conn:
            return [tuple(r) for r in conn.execute(text(statement))]
    finally:
        engine.dispose()


def state(db: str) -> dict[str, Any]:
    """What a ledger holds, independent of its import numbers: the imports in order, every record with its
    round and flag, and the current record of each enterprise."""
    return {
        "imports": sql(db, "SELECT file_name, round_label, record_count, ruleset_digest FROM imports ORDER BY id"),
        "records": sorted(sql(db, 'SELECT "key", round_label, decision, members, county, is_current FROM records'),
                          key=repr),
    }


def classify(cli: Any, db: str, f: Path, round_label: str) -> None:
    status, _, err = cli("classify", f, "--db", db, "--round", round_label, "--no-workbook", "-f", "json",
                         "-o", f.with_suffix(".json"))
    assert status == 0 and "已记入账本" in err, err


@pytest.fixture
def county_ledger(db: str, tmp_path: Path, cli: Any) -> str:
    """玛沁县's own ledger (on either engine): April, August, a late April correction, and one 班玛县 file."""
    classify(cli, db, survey(tmp_path / "玛沁4月.csv", ("甲物流", *MAQIN, 40, None), ("乙运输", *MAQIN, 8, None)),
             "2018-04")
    classify(cli, db, survey(tmp_path / "玛沁8月.csv", ("甲物流", *MAQIN, 40, 30)), "2018-08")
    classify(cli, db, survey(tmp_path / "玛沁4月补报.csv", ("甲物流", *MAQIN, 41, 10), ("乙运输", *MAQIN, 9, None)),
             "2018-04")
    classify(cli, db, survey(tmp_path / "班玛.csv", ("丙物流", *BANMA, 30, None)), "2018-04")
    return db


def test_a_bundle_merges_into_any_ledger_once(county_ledger: str, new_db: Callable[[], str], tmp_path: Path,
                                               cli: Any) -> None:
    bundle = tmp_path / "玛沁县.qhl"
    status, _, err = cli("ledger", "export", "--region", "玛沁", "-o", bundle, "--db", county_ledger)
    assert status == 0 and "玛沁县 的 3 次导入、5 条记录" in err and "--since 3" in err, err
    with zipfile.ZipFile(bundle) as z:
        manifest = json.loads(z.read("manifest.json"))
        raw = z.read("imports.jsonl").decode("utf-8")
    assert (manifest["format"], manifest["region"], manifest["imports"], manifest["records"]) == (
        "qhunion-ledger-bundle", "玛沁县", 3, 5)
    assert manifest["schema_version"] == LATEST and len(manifest["sha256"]) == 64 and manifest["rule_sets"]
    assert "甲物流" in raw and not [p for p in PERSONAL if p in raw]  # no personal data travels
    province = new_db()
    classify(cli, province, survey(tmp_path / "班玛省.csv", ("丙物流", *BANMA, 30, 5)), "2018-08")
    for attempt in range(2):
        status, _, err = cli("ledger", "import", bundle, "--db", province)
        assert status == 0, err
        assert ("新记入 3 次导入（5 条记录）" if attempt == 0 else "3 次导入此前已在账本中") in err, err
        if attempt == 0:
            after_once = state(province)
    assert state(province) == after_once  # twice = once
    # History and order: the late April correction did not displace August; the region's records are the
    # county's own, flag for flag.
    mine = [r for r in state(county_ledger)["records"] if r[4] == "玛沁县"]
    assert [r for r in after_once["records"] if r[4] == "玛沁县"] == mine
    assert [i[:2] for i in after_once["imports"]] == [
        ("班玛省.csv", "2018-08"), ("玛沁4月.csv", "2018-04"), ("玛沁8月.csv", "2018-08"), ("玛沁4月补报.csv", "2018-04")]
    with Ledger(province, create=False) as ledger:
        assert all(c.ok for c in ledger.verify())
        by_county: dict[str | None, int] = {}
        for t in ledger.tally():
            by_county[t.county] = by_county.get(t.county, 0) + t.enterprises
    assert by_county == {"玛沁县": 2, "班玛县": 1}


def test_since_exports_only_later_imports(county_ledger: str, new_db: Callable[[], str], tmp_path: Path,
                                          cli: Any) -> None:
    bundle = tmp_path / "新.qhl"
    status, _, err = cli("ledger", "export", "-r", "玛沁县", "--since", "2", "-o", bundle, "--db", county_ledger)
    assert status == 0 and "1 次导入、2 条记录" in err, err
    target = new_db()
    assert cli("ledger", "import", bundle, "--db", target)[0] == 0
    assert state(target)["imports"][0][:2] == ("玛沁4月补报.csv", "2018-04")
    status, _, err = cli("ledger", "export", "-r", "海东", "-o", tmp_path / "空.qhl", "--db", county_ledger)
    assert status == 0 and "0 次导入" in err


def _rewrite(bundle: Path, target: Path, manifest: Callable[[dict[str, Any]], None] | None = None,
             content: Callable[[bytes], bytes] | None = None) -> Path:
    with zipfile.ZipFile(bundle) as z:
        m, c = json.loads(z.read("manifest.json")), z.read("imports.jsonl")
    if manifest:
        manifest(m)
    with zipfile.ZipFile(target, "w") as z:
        z.writestr("manifest.json", json.dumps(m, ensure_ascii=False))
        z.writestr("imports.jsonl", content(c) if content else c)
    return target


def test_a_damaged_or_altered_bundle_is_refused(county_ledger: str, tmp_path: Path, cli: Any) -> None:
    bundle = tmp_path / "玛沁县.qhl"
    assert cli("ledger", "export", "--region", "玛沁县", "-o", bundle, "--db", county_ledger)[0] == 0
    data = bundle.read_bytes()
    truncated = tmp_path / "截断.qhl"
    truncated.write_bytes(data[: len(data) // 2])
    flipped = tmp_path / "翻转.qhl"
    middle = len(data) // 2
    flipped.write_bytes(data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1:])
    text_file = tmp_path / "文本.qhl"
    text_file.write_text("这不是账本包", "utf-8")
    more_members = _rewrite(bundle, tmp_path / "改人数.qhl", content=lambda c: c.replace(b",30,", b",99,", 1))
    forged = _rewrite(bundle, tmp_path / "改清单.qhl", manifest=lambda m: m.update(sha256="0" * 64))
    newer = _rewrite(bundle, tmp_path / "新版本.qhl", manifest=lambda m: m.update(schema_version=99))
    before = state(county_ledger)
    for bad in (truncated, flipped, more_members, forged):
        status, _, err = cli("ledger", "import", bad, "--db", county_ledger)
        assert status == 3 and "已损坏或被改动" in err and err.count("\n") == 1, (bad.name, err)
    status, _, err = cli("ledger", "import", text_file, "--db", county_ledger)  # not one at all: not “damaged”
    assert status == 3 and "不是 qhunion 账本包" in err and "重新导出" not in err, err
    status, _, err = cli("ledger", "import", newer, "--db", county_ledger)
    assert status == 3 and "请升级 qhunion" in err
    status, _, err = cli("ledger", "import", tmp_path / "没有.qhl", "--db", county_ledger)
    assert status == 3 and "找不到账本包" in err
    assert state(county_ledger) == before


def test_export_goes_through_the_output_guard(county_ledger: str, tmp_path: Path, cli: Any) -> None:
    """`ledger export -o` replaces an earlier bundle, but never someone else's file (without --force) nor the
    ledger itself — the guard every other output passes (issue 13)."""
    bundle = tmp_path / "玛沁县.qhl"
    for _ in range(2):  # the second export replaces the first: it is ours
        status, _, err = cli("ledger", "export", "--region", "玛沁", "-o", bundle, "--db", county_ledger)
        assert status == 0, err
    letter = tmp_path / "给市州的信.qhl"
    letter.write_bytes(b"not a bundle")
    status, _, err = cli("ledger", "export", "--region", "玛沁", "-o", letter, "--db", county_ledger)
    assert status == 4 and "--force" in err and letter.read_bytes() == b"not a bundle", err
    status, _, err = cli("ledger", "export", "--region", "玛沁", "-o", letter, "--db", county_ledger, "--force")
    assert status == 0 and zipfile.is_zipfile(letter), err
    if not county_ledger.startswith("postgresql"):
        ledger_file = Path(county_ledger.removeprefix("sqlite:///"))
        before = ledger_file.read_bytes()
        status, _, err = cli("ledger", "export", "--region", "玛沁", "-o", ledger_file, "--db", county_ledger,
                             "--force")
        assert status == 4 and "账本" in err and ledger_file.read_bytes() == before, err
