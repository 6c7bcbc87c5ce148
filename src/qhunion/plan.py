"""The formation plan: the concrete unions to form, proposed from the decisions.

Decisions already name their union (`Decision.proposal`, rendered from the rule set's templates), so the
plan is a grouping of decisions by proposal — one joint union per anchor, one industry union per
concentrated county, territorial coverage per county, one union per standalone enterprise.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from .records import Record
from .rules import Decision

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
    plan: dict[tuple[str, str], Proposal] = {}
    places: dict[tuple[str, str], Counter[tuple[str, str]]] = {}
    for r, d in pairs:
        if d.code not in PLANNED or not d.proposal:
            continue
        key = (d.code, d.proposal)
        p = plan.get(key)
        if p is None:
            p = plan[key] = Proposal(d.proposal, d.code, d.label, d.rule, d.citation, "", "",
                                     "、".join(d.responsible))
            places[key] = Counter()
        p.enterprises.append(r.name or "")
        p.employees += r.employees or 0
        p.drivers += r.drivers or 0
        p.migrant_workers += r.migrant_workers or 0
        p.members += r.members or 0
        places[key][(r.prefecture or "", r.county or "")] += 1
    for key, p in plan.items():
        # An anchor's members may come from several counties: the plan sits where most of them are.
        (p.prefecture, p.county), _ = places[key].most_common(1)[0]
    order = {code: i for i, code in enumerate(PLANNED)}
    return sorted(plan.values(), key=lambda p: (p.prefecture, p.county, order[p.decision], -p.size, p.name))
