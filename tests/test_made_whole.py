"""Issue 12: values are made complete, not patched after they are made — a decision with its findings, a
summary row with its base round and lateness, a summary with its source."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

import qhunion
from qhunion.summary import Figures, Row, Summary, scope_of

PACKAGE = Path(qhunion.__file__).parent
# Fields that were once filled in after their value was made (pipeline.decide_survey, summary.summarize).
PATCHED = {"findings", "base", "late", "new_unions", "source"}


def patched_after(tree: ast.AST) -> list[str]:
    """Assignments to one of PATCHED on anything but ``self`` (a constructor's own fields are its making)."""
    found = []
    for node in ast.walk(tree):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            for t in ast.walk(target):
                if (isinstance(t, ast.Attribute) and t.attr in PATCHED
                        and not (isinstance(t.value, ast.Name) and t.value.id == "self")):
                    found.append(f"{ast.unparse(t)} (line {t.lineno})")
    return found


def test_the_walk_sees_a_patch() -> None:
    assert patched_after(ast.parse("d.findings = ()\nself.source = 'x'\nr.base, r.late = a, b")) == [
        "d.findings (line 1)", "r.base (line 3)", "r.late (line 3)"]


def test_no_module_fills_in_a_value_after_making_it() -> None:
    found = {str(p.relative_to(PACKAGE)): hits for p in PACKAGE.rglob("*.py")
             if (hits := patched_after(ast.parse(p.read_text(encoding="utf-8"))))}
    assert found == {}


def test_summary_rows_and_summaries_are_frozen() -> None:
    row = Row("西宁市", {"prefecture": "西宁市"}, "西宁市", True, Figures())
    with pytest.raises(dataclasses.FrozenInstanceError):
        row.late = True  # type: ignore[misc]
    summary = Summary("prefecture", scope_of(None), None, None, "规则集", 0.6, "账本", [row], row)
    with pytest.raises(dataclasses.FrozenInstanceError):
        summary.source = "别处"  # type: ignore[misc]
