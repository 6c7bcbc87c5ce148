"""三（二）“在货运企业和货车司机较集中的区域” as a fact about the area, not about how files were batched.

An area's count (its small carriers not decided by an earlier step, and their truck drivers) is taken over all
current records of the area in the ledger plus the batch being classified, the batch replacing the ledger's
records of the same enterprise (`known_members` → `rules.classify(known=...)`). When an import moves an area
across a threshold, the earlier current records of that area are re-decided and the change is kept as
history in ``decision_changes`` (`settle`), so the summary is the same whatever the order or batching of the
imports (issue 11).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, insert, select, update

from qhunion.decide.precedence import STEP_SPECS
from qhunion.fields import TRUCK_DRIVERS
from qhunion.ledger.history import decision_changes
from qhunion.records import Record
from qhunion.rules import Context, Members, areas, decide

if TYPE_CHECKING:

    from qhunion.decide.ruleset import RuleSet
    from qhunion.ledger import Ledger

# The steps whose outcome depends on the area's count: the records they decided are the ones counted.
COUNTED_RULES = tuple(s.id for s in STEP_SPECS if s.context)

@dataclass(frozen=True)
class Change:
    """In one area, ``n`` current records went from one decision to another."""

    area: str
    old: str
    new: str
    n: int


def _area_column(rs: RuleSet) -> Any:
    from qhunion.ledger import records

    return records.c.prefecture if rs.concentration.level == "prefecture" else records.c.county


def _counted(rs: RuleSet, names: Iterable[str]) -> Any:
    from qhunion.ledger import CURRENT, records

    return and_(CURRENT, records.c.rule.in_(COUNTED_RULES), records.c.group_name == TRUCK_DRIVERS,
                _area_column(rs).in_(sorted(set(names))))


def known_members(ledger: Ledger, rs: RuleSet, records_: Iterable[Record]) -> Members:
    """The ledger's current small carriers in the areas of ``records_``: area → key → drivers."""
    from qhunion.ledger import records
    from qhunion.rules import area_of

    names = {a for r in records_ if (a := area_of(r, rs))}
    if not names:
        return {}
    area = _area_column(rs)
    out: Members = {}
    with ledger.reading() as conn:
        for where, key, drivers in conn.execute(
                select(area, records.c.key, records.c.drivers).where(_counted(rs, names))):
            out.setdefault(where, {})[key] = drivers or 0
    return out


def _record(row: Any) -> Record:
    code = row.credit_code
    # The ledger keys an enterprise by its credit code only when the code was valid (`Record.ledger_key`).
    return Record(file="", sheet=row.sheet or "", row=row.row_number or 0, name=row.name, credit_code=code,
                  credit_valid=bool(code) and row.key == code, prefecture=row.prefecture,
                  county=row.county, entity_type=row.entity_type, group=row.group_name,
                  vehicles_owned=row.vehicles, employees=row.employees, drivers=row.drivers)


def areas_of_import(ledger: Ledger, rs: RuleSet, import_id: int) -> set[str]:
    """The areas an import has records in: forgetting it changes their counts (`settle` them afterwards)."""
    from qhunion.ledger import records

    area = _area_column(rs)
    with ledger.reading() as conn:
        return {a for (a,) in conn.execute(select(area).where(records.c.import_id == import_id).distinct()) if a}


def settle(ledger: Ledger, rs: RuleSet, names: Iterable[str], decided: Iterable[int] = ()) -> list[Change]:
    """Re-decide the current counted records of the areas ``names`` on the area's count as the ledger now
    holds it; write the changed ones and keep each change in ``decision_changes``."""
    from qhunion.ledger import records

    names = sorted(set(names))
    if not names:
        return []
    area = _area_column(rs)
    steps = [r for r in rs.rules if r.id in COUNTED_RULES]
    changes: Counter[tuple[str, str, str]] = Counter()
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    counted = _counted(rs, names)
    fresh = list(set(decided))  # imports just decided on these very counts (classify's own): nothing to redo
    with ledger.writing() as conn:
        redo = select(records, area.label("area")).where(counted)
        if fresh:
            redo = redo.where(records.c.import_id.not_in(fresh))
        rows = conn.execute(redo).all()
        if not rows:  # all counted records were decided on these counts (a first import): no need to count
            return []
        members: Members = {}
        for where, key, drivers in conn.execute(select(area, records.c.key, records.c.drivers).where(counted)):
            members.setdefault(where, {})[key] = drivers or 0
        counts = areas(members)
        ctx = Context(counts, ledger=True)
        for row in rows:
            d = decide(_record(row), rs, ctx, rules=steps)
            if d.rule == row.rule:
                continue
            conn.execute(update(records).where(records.c.id == row.id).values(
                decision=d.code, rule=d.rule, proposal=d.proposal or None))
            found = counts[row.area]
            conn.execute(insert(decision_changes).values(
                record_id=row.id, key=row.key, area=row.area, carriers=found.carriers, drivers=found.drivers,
                old_decision=row.decision, old_rule=row.rule, new_decision=d.code, new_rule=d.rule,
                changed_at=now))
            changes[(row.area, row.decision, d.code)] += 1
    return [Change(a, old, new, n) for (a, old, new), n in changes.items()]


def change_lines(changes: list[Change], rs: RuleSet) -> list[str]:
    """城北区新增调查后，9 家由联合建会改为行业工会覆盖 — one line per area and change."""
    return [f"{c.area}新增调查后，{c.n} 家由{rs.label(c.old)}改为{rs.label(c.new)}（较集中区域按本区域全部现行记录计数）"
            for c in changes]


NO_LEDGER_NOTE = "未使用账本：“较集中区域”只按本次所给文件中的企业计数，账本中同县已记入的企业未计入"
