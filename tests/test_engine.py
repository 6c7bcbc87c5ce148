"""Issue 12, the engine's part: a typed context for the steps, decisions that carry what later stages need,
and one tally for the workbook's 汇总 and `qhunion summary`."""

from __future__ import annotations

import ast
import dataclasses
import json
from pathlib import Path

import openpyxl
import pytest

from qhunion import ledger as ledger_module
from qhunion.decide.ruleset import packaged
from qhunion.records import Record
from qhunion.rules import Context, anchor_of, classify, meets_standalone, vehicles
from qhunion.tally import tallies
from rule_cases.cases import record
from rule_cases.surveys import Cli

RS = packaged()
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "survey.xlsx"


def test_the_context_is_a_frozen_value() -> None:
    ctx = Context()
    with pytest.raises(dataclasses.FrozenInstanceError):
        ctx.areas = {}  # type: ignore[misc]


@pytest.mark.parametrize(("fields", "required", "anchor", "used"), [
    ({"vehicles_owned": 40, "employees": 50, "has_union": True}, True, None, 40),
    ({"vehicles_owned": 3, "employees": 5, "anchor": "朝阳物流园"}, False, "朝阳物流园", 3),
    ({"vehicles_registered": 30, "employees": 5}, False, None, None),  # registered is never read as owned
    ({"vehicles_owned": 30, "employees": 30, "group": "快递员"}, True, None, 30),  # by its employees
    ({"vehicles_owned": 30, "employees": 5, "group": "快递员"}, False, None, 30),  # vehicles: carriers only
    ({"vehicles_owned": 19, "employees": 24, "entity_type": "物流园区", "name": "南川园区"}, False, "南川园区", 19),
])
def test_a_decision_carries_what_the_ledger_stores(fields: dict[str, object], required: bool, anchor: str | None,
                                                   used: int | None) -> None:
    r: Record = record(fields)
    (d,) = classify([r], RS)
    assert (d.meets_standalone, d.anchor, d.vehicles) == (required, anchor, used)
    assert (d.meets_standalone, d.anchor, d.vehicles) == (meets_standalone(r, RS), anchor_of(r), vehicles(r)[1])


def test_the_ledger_does_not_import_the_rules() -> None:
    """It stores the decision's anchor, vehicles and standalone requirement instead of re-deriving them (the
    type of a decision, imported for the type checker only, is all it takes from `rules`)."""
    tree = ast.parse(Path(ledger_module.__file__).read_text(encoding="utf-8"))
    typing_only = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If)
                   and ast.unparse(block.test) == "TYPE_CHECKING" for n in ast.walk(block)}
    imported = {node.module for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and id(node) not in typing_only}
    assert "qhunion.rules" not in imported and "qhunion.ledger.history" in imported  # the walk does see imports


def test_an_enterprise_listed_twice_is_one_cell_entry() -> None:
    a: Record = record({"name": "甲物流", "vehicles_owned": 3, "employees": 5, "has_union": False})
    b: Record = record({"name": "甲物流", "vehicles_owned": 3, "employees": 5, "has_union": True, "members": 4})
    cells = tallies(zip([a, b], classify([a, b], RS), strict=True))
    assert sum(c.enterprises for c in cells) == 1
    assert [c.decision for c in cells] == ["established"]  # the later row, as in the ledger


def test_workbook_summary_and_summary_command_agree_on_the_example(tmp_path: Path, cli: Cli) -> None:
    """Issue 12: 汇总 said 156 / 20 已建会 (rows) where `summary` said 155 / 19 (enterprises)."""
    out = tmp_path / "判定.xlsx"
    code, _, err = cli("classify", EXAMPLE, "--no-ledger", "-o", out)
    assert code in (0, 1), err
    code, text, err = cli("summary", EXAMPLE, "-f", "json")
    assert code == 0, err
    summary = json.loads(text)
    ws = openpyxl.load_workbook(out, read_only=True)["汇总"]
    rows = list(ws.iter_rows(values_only=True))
    header = rows[0]
    total = dict(zip(header, next(r for r in rows if r[0] == "全部"), strict=False))
    labels = {"standalone": "单独建会", "joint": "联合建会", "industry": "行业工会覆盖", "territorial": "属地覆盖",
              "established": "已建会", "excluded": "不纳入", "unverified": "待核实", "deferred": "暂缓"}
    assert total["企业数"] == summary["total"]["enterprises"] == 155
    assert total["已建会"] == summary["total"]["established"] == 19
    assert {code: total[label] for code, label in labels.items()} == {
        code: summary["total"][code] for code in labels}
    prefectures = {r[0]: r[2] for r in rows[1:] if r[0] and not r[1] and r[0] not in ("全部", "市（州）")}
    assert prefectures == {r["prefecture"]: r["enterprises"] for r in summary["rows"] if r["enterprises"]}
