"""Survey round labels: one spelling per round, and which round a question about a round means (issue 13).

The ledger orders rounds by their label as text, so “2018-4” would sort after “2018-10” and be a round of its
own beside “2018-04”. Every command that takes ``--round`` or ``--compare`` (classify, summary, report) and
the ledger itself pass the label through `canonical` first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from qhunion.normalise.text import strip_control

# 2018-4, 2018.4, 2018/4, 2018年4月, 2018-4-5, 2018年4月5日 — a year, a month and perhaps a day.
_DATE = re.compile(r"(\d{4})\s*[-./年]\s*(\d{1,2})\s*(?:月)?\s*(?:[-./]?\s*(\d{1,2})\s*日?)?")


def canonical(label: str | None) -> str:
    """“2018-4” → “2018-04”, “2018年4月” → “2018-04”, “2018-4-5” → “2018-04-05”; a label that is not a
    year and month (“第二轮”) is kept as written, without surrounding blanks; None → "" (no round)."""
    text = strip_control(label or "").strip()  # an escape sequence typed or pasted into --round is no label
    m = _DATE.fullmatch(text)
    if m is None or not 1 <= int(m[2]) <= 12 or (m[3] is not None and not 1 <= int(m[3]) <= 31):
        return text
    return f"{m[1]}-{int(m[2]):02d}" + (f"-{int(m[3]):02d}" if m[3] else "")


def latest_up_to(rounds: Iterable[str], label: str) -> str | None:
    """The round the ledger holds that stands for ``label``: itself, else the latest earlier one (the state
    “as of” a round nobody imported is the state at the end of the one before); None when there is none."""
    held = sorted(r for r in rounds if r)
    if label in held:
        return label
    earlier = [r for r in held if r < label]
    return earlier[-1] if earlier else None
