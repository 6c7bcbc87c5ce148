"""Issue 12 / STYLE: a number the rule set sets is shown from the rule set. With a rule file that moves the
standalone thresholds, the 60% target and 三（一）'s survey deadline, the summary's table, CSV and workbook
say the moved numbers, not the document's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
from stdnum.cn.uscc import calc_check_digit

from qhunion.decide.ruleset import load, packaged
from qhunion.ledger import Ledger, Source
from qhunion.records import Record
from qhunion.rules import classify
from qhunion.summary import deadline_shown
from rule_cases.surveys import Cli

PACKAGED = (Path(__file__).resolve().parents[1] / "src" / "qhunion" / "data" / "rules.toml").read_text(
    encoding="utf-8")
MOVED = [("value = 20\n", "value = 30\n"), ("value = 25\n", "value = 40\n"), ("value = 0.6\n", "value = 0.7\n"),
         ('date = 2018-04-30\ntask = "完成“五大领域”', 'date = 2018-05-15\ntask = "完成“五大领域”')]


def moved_rules(tmp_path: Path) -> Path:
    text = PACKAGED
    for old, new in MOVED:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp_path / "本地规则.toml"
    path.write_text(text, encoding="utf-8")
    return path


def ledger_with_a_late_county(tmp_path: Path) -> Path:
    """城北区 surveyed in 2018-04, 湟中区 first in 2018-06: late under either deadline."""
    db = tmp_path / "账本.db"

    def rec(n: int, county: str) -> Record:
        base = f"91630100MB{n:07d}"
        return Record("f.xlsx", "S", n + 2, name=f"第{n}物流有限公司", prefecture="西宁市", county=county,
                      entity_type="企业", credit_code=base + calc_check_digit(base), credit_valid=True,
                      vehicles_owned=2, employees=5, migrant_workers=10, migrant_members=1)

    with Ledger(db) as ledger:
        for label, records in (("2018-04", [rec(1, "城北区")]), ("2018-06", [rec(2, "湟中区")])):
            ledger.add(Source(f"{label}.xlsx", label * 8), list(zip(records, classify(records, packaged()),
                                                                    strict=True)), packaged(), label)
    return db


def texts(cli: Cli, tmp_path: Path, *rules: Any) -> tuple[str, str]:
    """The summary's table and every text of its workbook, by county within 西宁 (CSV and JSON name their
    columns by id: no label to check there)."""
    db = ledger_with_a_late_county(tmp_path) if not (tmp_path / "账本.db").exists() else tmp_path / "账本.db"
    common = ("summary", "--db", db, "--region", "西宁", *rules)
    book = tmp_path / f"汇总{len(rules)}.xlsx"
    results = [cli(*common), cli(*common, "-o", book)]
    for code, _, err in results:
        assert code == 0, err
    wb = openpyxl.load_workbook(book, read_only=True)
    cells = " ".join(str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v)
    return results[0][1], cells


def test_the_summary_shows_the_rule_sets_numbers(tmp_path: Path, cli: Cli) -> None:
    rules = moved_rules(tmp_path)
    assert deadline_shown(load(rules)) == "5 月 15 日" and deadline_shown(packaged()) == "4 月底"
    table, book = texts(cli, tmp_path, "--rules", rules)
    assert "湟中区（首轮调查晚于 5 月 15 日）" in table and "4 月底" not in table
    assert "距全省70%目标" in book and "60%" not in book
    assert "实际拥有车辆 30 辆以上或职工 40 人以上" in book and "⌈70%" in book
    assert "首轮调查晚于 5 月 15 日" in book and "20 辆" not in book and "4 月底" not in book

    # The packaged rule set, for contrast: the same outputs carry the document's numbers.
    table, book = texts(cli, tmp_path)
    assert "湟中区（首轮调查晚于 4 月底）" in table and "距全省60%目标" in book
    assert "实际拥有车辆 20 辆以上或职工 25 人以上" in book and "首轮调查晚于 4 月底" in book
