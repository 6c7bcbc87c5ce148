"""The phases of a run, as the core announces them: timed for the benchmark (with QHUNION_TIMINGS=1,
commands print one JSON line on stderr, {"qhunion_timings": {"read": s, "normalise": s, ...}}; off by
default, costing nothing when off) and shown on the progress line through the run's `Tracker`, which the
core ticks without knowing whether anyone is watching (`render.console.run_progress` puts a live one in).
"""

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


# The phases as the progress line names them.
SHOWN = {"intake": "读取", "classify": "判定", "plan": "判定", "write": "写工作簿", "ledger": "记入账本"}
PHASES = ("读取", "判定", "写工作簿", "记入账本")
TICK = 1000  # rows between two ticks: a tick is a few attribute writes, the redraw is Rich's own thread


class Tracker:
    """What a long run reports: the file and sheet at hand, rows read so far, and the phase. The silent one
    (stderr piped, or --quiet) does nothing; callers tick it every TICK rows either way."""

    def file(self, name: str, sheet: str = "") -> None:
        pass

    def phase(self, name: str) -> None:
        pass

    def rows(self, count: int) -> None:
        """``count`` rows read in the current sheet so far (a total, not an increment)."""


_current = Tracker()


def tracker() -> Tracker:
    """The run's progress, for the core to tick without being handed it (silent outside `tracking`)."""
    return _current


@contextlib.contextmanager
def tracking(live: Tracker) -> Iterator[None]:
    """``live`` is the run's tracker while the block lasts."""
    global _current
    _current = live
    try:
        yield
    finally:
        _current = Tracker()


@contextlib.contextmanager
def phase(name: str) -> Iterator[None]:
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
