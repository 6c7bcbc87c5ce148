"""Phones and ID numbers typed into kept free text — the enterprise name, the anchor, the file name — or an ID
in the credit-code column (issue 14, items 5, 8) never leave the process unmasked: not into the ledger, the
terminal, CSV, JSON or `summary --by anchor`. The finding on the credit-code cell is unchanged."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from rule_cases.surveys import run as invoke
from test_personal_data import id_number

ID = id_number("63010219800101123")
MOBILE = "13912345678"
OTHER = "18600001111"
SECRETS = (ID, MOBILE, OTHER, "12345678", "00001111", ID[6:14], "139 1234 5678", "186-0000-1111")
HEADER = ["企业名称", "统一社会信用代码", "市（州）", "县（市、区）", "实际拥有车辆数", "职工人数", "货车司机人数",
          "是否已建工会", "依托的平台/园区/市场"]


def write(tmp_path: Path) -> Path:
    rows = [
        [f"张三货运部{MOBILE}", ID, "西宁市", "城北区", 2, 2, 2, "否", "西宁物流园 联系 139 1234 5678"],
        ["李四运输", f"+86 {OTHER}", "西宁市", "城东区", 3, 3, 3, "否", ""],
        ["王五物流 电话186-0000-1111", "", "西宁市", "城西区", 30, 40, 30, "否", ""],
    ]
    path = tmp_path / f"城北调查 联系人{MOBILE}.csv"
    path.write_text("\n".join(",".join(map(str, r)) for r in [HEADER, *rows]) + "\n", "utf-8")
    return path


def leaked(text: str) -> list[str]:
    return [s for s in SECRETS if s in text]


def test_ledger_holds_no_phone_or_id(tmp_path: Path) -> None:
    survey, db = write(tmp_path), tmp_path / "l.db"
    code, _, err = invoke("classify", survey, "--db", db, "--no-workbook", "-f", "json")
    assert code in (0, 1) and "已记入账本" in err
    with sqlite3.connect(db) as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        names = [r[0] for r in con.execute("SELECT name FROM records ORDER BY row_number")]
        codes = [r[0] for r in con.execute("SELECT credit_code FROM records ORDER BY row_number")]
        keys = [r[0] for r in con.execute("SELECT key FROM records ORDER BY row_number")]
        files = [r[0] for r in con.execute("SELECT file_name FROM imports")]
    assert names[0] == "张三货运部139****5678" and codes[:2] == [None, None]
    assert keys[0] == "张三货运部139****5678|城北区"
    assert files == ["城北调查 联系人139****5678.csv"]
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("l.db*"))
    assert not [s for s in SECRETS if s.encode() in raw]
    assert "张三货运部".encode() in raw
    for args in (["ledger", "list"], ["ledger", "list", "-f", "json"], ["summary", "--by", "anchor"],
                 ["summary", "--by", "anchor", "-f", "json"], ["summary", "--by", "anchor", "-f", "csv"]):
        code, out, err = invoke(*args, "--db", db)
        assert code == 0, (args, err)
        assert not leaked(out + err), args
    _, out, _ = invoke("summary", "--by", "anchor", "-f", "json", "--db", db)
    assert "西宁物流园 联系 139 **** 5678" in out


def test_terminal_csv_and_json_hold_no_phone_or_id(tmp_path: Path) -> None:
    survey = write(tmp_path)
    for fmt in ("table", "csv", "json"):
        code, out, err = invoke("classify", survey, "--no-ledger", "--no-workbook", "-f", fmt)
        assert code in (0, 1), err
        assert not leaked(out + err), fmt
    _, out, _ = invoke("classify", survey, "--no-ledger", "--no-workbook", "-f", "json")
    records = json.loads(out)["records"]
    assert [r["credit_code"] for r in records[:2]] == [None, None]  # an ID, a phone: left out
    assert records[0]["name"] == "张三货运部139****5678"
    # The finding on the credit-code cell is still there, saying what is wrong with it.
    assert any("统一社会信用代码" in i or "位" in i for i in records[0]["issues"])
    for fmt in ("table", "json"):
        code, out, err = invoke("check", survey, "-f", fmt)
        assert not leaked(out + err), fmt
    code, out, err = invoke("explain", survey, "--row", "2")
    assert code == 0, err
    assert "张三货运部139****5678" in out and not leaked(out + err)


def test_error_sentences_hold_no_phone_or_id(tmp_path: Path) -> None:
    """Every error is said by one function (`shell.say`), which masks it: a file named after its contact and
    then refused — by explain, ledger import, a missing ledger or map file, an unwritable output — is named
    with the number's middle hidden, as `check` names it."""
    broken = tmp_path / f"张三{MOBILE}.xlsx"
    broken.write_bytes(b"not a workbook")
    bundle = tmp_path / f"李四{OTHER}.qhl"
    bundle.write_bytes(b"not a bundle")
    survey = write(tmp_path)
    cases = {
        "explain": (3, ["explain", broken, "--row", "2"], "张三139****5678.xlsx"),
        "ledger import": (3, ["ledger", "import", bundle, "--db", tmp_path / "l.db"], "李四186****1111.qhl"),
        "missing bundle": (3, ["ledger", "import", tmp_path / f"{ID}.qhl", "--db", tmp_path / "l.db"], ".qhl"),
        "missing ledger": (3, ["summary", "--db", tmp_path / f"账本{MOBILE}.db"], "账本139****5678.db"),
        "missing map file": (2, ["check", survey, "--map-file", tmp_path / f"映射{MOBILE}.txt"], "映射139****5678"),
        "unwritable output": (4, ["classify", survey, "--no-workbook", "-o", tmp_path / survey.name / "x.csv"],
                              "联系人139****5678.csv"),
    }
    for what, (status, args, named) in cases.items():
        code, out, err = invoke(*args)
        assert code == status, (what, err)
        assert "错误：" in err and named in err, (what, err)
        assert not leaked(out + err), (what, err)


def test_notices_naming_files_hold_no_phone_or_id(tmp_path: Path) -> None:
    """The sentences that name a file on success are masked like the errors: a bundle exported and merged, a
    template written, one of our own outputs passed over, each named after a contact."""
    survey, db, other = write(tmp_path), tmp_path / "l.db", tmp_path / "other.db"
    code, _, err = invoke("classify", survey, "--db", db, "--no-workbook", "-f", "json")
    assert code in (0, 1), err
    bundle, book = tmp_path / f"城北区{MOBILE}.qhl", tmp_path / f"模板{OTHER}.xlsx"
    result = tmp_path / f"结果{MOBILE}.xlsx"
    steps = [
        (["ledger", "export", "--region", "城北区", "-o", bundle, "--db", db], "已写出账本包"),
        (["ledger", "import", bundle, "--db", other], "已合并进账本"),
        (["template", "-o", book], "已写出调查表模板"),
        (["classify", survey, "--no-ledger", "-o", result], "已写出判定工作簿"),
        (["check", result], "已跳过"),
    ]
    for args, said in steps:
        code, out, err = invoke(*args)
        assert said in err, (args, err)
        assert not leaked(out + err), (args, err)
