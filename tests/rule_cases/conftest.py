"""Rule-case tests are named by their Chinese sentence. pytest escapes non-ASCII ids (“\\u5df2…”) unless an id
comes from this hook, so the sentence reads as written in `pytest -v` and in failure reports."""

from __future__ import annotations

from typing import Any

from rule_cases.cases import Case


def pytest_make_parametrize_id(config: Any, val: object, argname: str) -> str | None:
    return val.name if isinstance(val, Case) else None
