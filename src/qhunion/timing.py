"""Phase timings for the benchmark: with QHUNION_TIMINGS=1, commands print one JSON line on stderr,
{"qhunion_timings": {"read": s, "normalise": s, ...}}. Off by default; costs nothing when off."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")
ENABLED = bool(os.environ.get("QHUNION_TIMINGS"))
_totals: dict[str, float] = {}


# The phases as the progress line names them (console.run_progress).
SHOWN = {"intake": "读取", "classify": "判定", "plan": "判定", "write": "写工作簿", "ledger": "记入账本"}


@contextlib.contextmanager
def phase(name: str) -> Iterator[None]:
    from qhunion.render.console import tracker

    tracker().phase(SHOWN.get(name, name))
    if not ENABLED:
        yield
        return
    start = time.perf_counter()
    try:
        yield
    finally:
        _totals[name] = _totals.get(name, 0.0) + time.perf_counter() - start


def timed(name: str, items: Iterable[T]) -> Iterator[T]:
    """Wrap an iterator so the time spent producing its items counts as `name` (e.g. calamine's row
    iteration as "read", apart from the parsing done by the consumer)."""
    if not ENABLED:
        yield from items
        return
    it = iter(items)
    clock = time.perf_counter
    spent = 0.0
    try:
        while True:
            start = clock()
            try:
                item = next(it)
            except StopIteration:
                return
            spent += clock() - start
            yield item
    finally:
        _totals[name] = _totals.get(name, 0.0) + spent


def report() -> None:
    if ENABLED and _totals:
        print(json.dumps({"qhunion_timings": {k: round(v, 3) for k, v in _totals.items()}}), file=sys.stderr)
