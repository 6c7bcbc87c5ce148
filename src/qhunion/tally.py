"""The summary's cells (`Tally`) — from the ledger's grouped query, or made here in memory from classified
records with the same rules, so that the annotated workbook's 汇总 and `qhunion summary` are one tally
(issue 12: the workbook counted rows, 156 on examples/survey.xlsx, where the summary counted enterprises, 155).

Light on purpose (no SQLAlchemy): the workbook is written on every classify run.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from operator import attrgetter
from typing import TYPE_CHECKING

from qhunion.fields import TRUCK_DRIVERS
from qhunion.normalise.privacy import mask_optional

if TYPE_CHECKING:
    from qhunion.records import Record
    from qhunion.rules import Decision


@dataclass(frozen=True)
class Tally:
    """One cell of the summary's grouped query: current enterprises of one county, decision, standalone
    requirement (三（二）), group and responsible unions — and anchor when asked — with their counts summed.
    The summary adds these up into its rows."""

    prefecture: str | None
    county: str | None
    decision: str
    meets_standalone: bool
    group_name: str | None
    responsible: str | None
    anchor: str | None
    enterprises: int
    employees: int
    members: int
    drivers: int
    driver_members: int
    migrant_workers: int
    migrant_members: int
    # Issue 11: rates over the enterprises that reported the part (a blank member count is not 0) …
    reported_employees: int = 0
    reported_drivers: int = 0
    reported_migrant_workers: int = 0
    # … and how many in-business enterprises left it blank.
    unreported_members: int = 0
    unreported_driver_members: int = 0
    unreported_migrant_members: int = 0


# prefecture, county, decision, meets_standalone, group, responsible, anchor: a cell's grouping values.
Grouping = tuple[str | None, str | None, str, bool, str, str | None, str | None]

# The counts summed, and (part, whole) whose rate counts only the enterprises that reported the part (issue
# 11). Defined here only: the ledger's schema, its summary index and its grouped query read these too.
COUNTS = ("employees", "members", "drivers", "driver_members", "migrant_workers", "migrant_members")
REPORTED = (("members", "employees"), ("driver_members", "drivers"), ("migrant_members", "migrant_workers"))


def tallies(pairs: Iterable[tuple[Record, Decision]], anchor: bool = False) -> list[Tally]:
    """The cells the ledger's `tally` would return had these pairs been imported in this order: one current
    record per enterprise (the later row wins, as in the ledger), grouped and summed the same way."""
    current: dict[str, tuple[Record, Decision]] = {}
    for r, d in pairs:
        current[r.ledger_key[0]] = (r, d)
    counts, parts, wholes = attrgetter(*COUNTS), attrgetter(*(p for p, _ in REPORTED)), attrgetter(
        *(w for _, w in REPORTED))
    reported_at, blank_at = 1 + len(COUNTS), 1 + len(COUNTS) + len(REPORTED)
    cells: dict[Grouping, list[int]] = {}
    for r, d in current.values():
        group: Grouping = (r.prefecture, r.county, d.code, d.meets_standalone, r.group or TRUCK_DRIVERS,
                       "、".join(d.responsible) or None, mask_optional(d.anchor) if anchor else None)
        sums = cells.get(group)
        if sums is None:
            sums = cells[group] = [0] * (blank_at + len(REPORTED))
        sums[0] += 1
        for i, value in enumerate(counts(r), start=1):
            if value:
                sums[i] += value
        for i, (part, whole) in enumerate(zip(parts(r), wholes(r), strict=True)):
            if part is not None:
                sums[reported_at + i] += whole or 0
            elif whole and whole > 0:
                sums[blank_at + i] += 1  # a workforce reported, its members left blank
    return [Tally(*group, *sums) for group, sums in cells.items()]
