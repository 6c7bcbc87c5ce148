"""Round labels (issue 13): one spelling per round, whatever way it was typed."""

from __future__ import annotations

import pytest

from qhunion.rounds import canonical, latest_up_to


@pytest.mark.parametrize(("typed", "stored"), [
    ("2018-4", "2018-04"), ("2018-04", "2018-04"), (" 2018.4 ", "2018-04"), ("2018/4", "2018-04"),
    ("2018年4月", "2018-04"), ("2018-4-5", "2018-04-05"), ("2018年4月5日", "2018-04-05"), ("2018-12", "2018-12"),
    ("2018-13", "2018-13"), ("第二轮", "第二轮"), ("", ""), (None, ""),
])
def test_normalise(typed: str | None, stored: str) -> None:
    assert canonical(typed) == stored


def test_latest_up_to() -> None:
    held = ["", "2018-04", "2018-08"]
    assert latest_up_to(held, "2018-08") == "2018-08"
    assert latest_up_to(held, "2018-06") == "2018-04"
    assert latest_up_to(held, "2019-01") == "2018-08"
    assert latest_up_to(held, "2017-12") is None  # nothing earlier: the ledger's own error stands
