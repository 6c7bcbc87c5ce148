"""The formation plan: the concrete unions to form, proposed from the decisions.

Decisions already name their union (`Decision.proposal`, rendered from the rule set's templates), so the
plan is a grouping of decisions by proposal — one joint union per anchor, one industry union per
concentrated county, territorial coverage per county, one union per standalone enterprise.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

from qhunion.normalise.regions import gazetteer
from qhunion.records import Record
from qhunion.rules import Decision

PLANNED = ("standalone", "joint", "industry", "territorial")


@dataclass
class Proposal:
    name: str
    decision: str
    label: str
    rule: str
    citation: str
    prefecture: str
    county: str
    responsible: str
    enterprises: list[str] = field(default_factory=list)
    employees: int = 0
    drivers: int = 0
    migrant_workers: int = 0
    members: int = 0

    @property
    def size(self) -> int:
        return len(self.enterprises)


def formation_plan(pairs: Iterable[tuple[Record, Decision]]) -> list[Proposal]:
    plan: dict[tuple[str, ...], Proposal] = {}
    places: dict[tuple[str, ...], Counter[tuple[str, str]]] = {}
    unions: dict[tuple[str, ...], Counter[str]] = {}
    members: dict[tuple[str, ...], set[str]] = {}
    for r, d in pairs:
        if d.code not in PLANNED or not d.proposal:
            continue
        key: tuple[str, ...] = (d.code, d.proposal)
        if d.code in ("standalone", "territorial"):
            # Unions of one place: two enterprises of the same name in different places are two unions, and
            # operators whose county is unknown (“所属地工会（属地覆盖）”) are not one province-wide union.
            key += (r.prefecture or "", r.county or "")
        p = plan.get(key)
        if p is None:
            p = plan[key] = Proposal(d.proposal, d.code, d.label, d.rule, d.citation, "", "", "")
            places[key], unions[key], members[key] = Counter(), Counter(), set()
        if r.key in members[key]:
            continue  # the same enterprise listed twice (code-duplicate): one member, counted once
        members[key].add(r.key)
        p.enterprises.append(r.name or "")
        p.employees += r.employees or 0
        p.drivers += r.drivers or 0
        p.migrant_workers += r.migrant_workers or 0
        p.members += r.members or 0
        places[key][(r.prefecture or "", r.county or "")] += 1
        unions[key].update(d.responsible)
    for key, p in plan.items():
        # An anchor's members may come from several counties: the plan sits where most of them are.
        (p.prefecture, p.county), _ = places[key].most_common(1)[0]
        # Members of one union may answer to different units (a platform's carriers in three prefectures; a
        # county joint union of carriers and a 商场): name them all, the most frequent first.
        p.responsible = "、".join(u for u, _ in unions[key].most_common())
    order = {code: i for i, code in enumerate(PLANNED)}
    return sorted(plan.values(),
                  key=lambda p: (*region_order(p.prefecture, p.county), order[p.decision], -p.size, p.name))


@cache
def region_order(prefecture: str | None, county: str | None) -> tuple[str, str]:
    """Sort key for places in the order of the official division codes (西宁市 630100 before 海东市 630200,
    城东区 before 城中区), not of the characters' code points; unknown places last, by name."""
    codes = {d.name: d.code for d in gazetteer().divisions}
    pref = codes.get(prefecture or "", "9" + (prefecture or ""))
    return pref, codes.get(county or "", "9" + (county or ""))
