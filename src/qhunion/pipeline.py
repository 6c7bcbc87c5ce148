"""Read → decide → plan, as plain functions returning values. The CLI and the renderers sit on top."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

from qhunion.decide.ruleset import RuleSet
from qhunion.fields import BY_ID
from qhunion.findings import Finding
from qhunion.plan import Proposal, formation_plan
from qhunion.recognise.headers import Mapping
from qhunion.recognise.intake import SheetLayout, Survey, read_survey
from qhunion.records import Record
from qhunion.rules import Decision, Members, classify
from qhunion.timing import phase


@dataclass
class Result:
    survey: Survey
    decisions: list[Decision]  # one per survey.records, same order
    plan: list[Proposal]
    ruleset: RuleSet

    @property
    def pairs(self) -> list[tuple[Record, Decision]]:
        return list(zip(self.survey.records, self.decisions, strict=True))

    def pairs_of(self, path: Path) -> list[tuple[Record, Decision]]:
        """The pairs read from one input — by its place in the run, not its name (d1/s.xlsx and d2/s.xlsx):
        one workbook and one ledger import per input."""
        share = self.survey.spans[path].records
        return list(zip(self.survey.records[share], self.decisions[share], strict=True))

    def findings_of(self, path: Path) -> list[Finding]:
        """What was found in one input, placed like `pairs_of`: the file's own findings, then each record's
        and its decision's (`all_findings` of that input alone)."""
        own = self.survey.findings[self.survey.spans[path].findings]
        return [*own, *(f for r, d in self.pairs_of(path) for f in issues(r, d))]

    @cached_property
    def plans(self) -> dict[Path, list[Proposal]]:
        """The plan of each input, for its own workbook: made once here, where the decisions are, so that no
        writer re-runs the planning (issue 12). With one input it is `plan` itself."""
        if len(self.survey.paths) <= 1:
            return {path: self.plan for path in self.survey.paths}
        return {path: formation_plan(self.pairs_of(path)) for path in self.survey.paths}

    def plan_of(self, path: Path | None) -> list[Proposal]:
        """The plan of one input, or of all (``None``)."""
        return self.plan if path is None else self.plans.get(path, [])

    def counts(self) -> Counter[str]:
        return Counter(d.code for d in self.decisions)

    def all_findings(self) -> list[Finding]:
        """What reading found (`Survey.all_findings`) and what the rules noticed (`Decision.findings`)."""
        return [*self.survey.all_findings(), *(f for d in self.decisions for f in d.findings)]


def issues(r: Record, d: Decision) -> list[Finding]:
    """One enterprise's findings: its record's and its decision's."""
    return [*r.issues, *d.findings] if d.findings else r.issues


def _flag_findings(r: Record, d: Decision, layouts: dict[tuple[str, str], SheetLayout]) -> tuple[Finding, ...]:
    """What a rule noticed (registered count used, counts missing), as findings at the record's cells."""
    mapped = layouts[(r.file, r.sheet)].mapped
    found = []
    for flag in d.flags:
        if flag == "registered-only":
            col = mapped.get("vehicles_registered")
            found.append(Finding(flag, r.file, r.sheet, r.row, col.index if col else None,
                                 col.header if col else None, str(r.vehicles_registered)))
        elif flag == "unverified":
            missing = d.missing
            col = mapped.get(missing[0])
            found.append(Finding(flag, r.file, r.sheet, r.row, col.index if col else None,
                                 col.header if col else BY_ID[missing[0]].label, None,
                                 {"missing": "、".join(BY_ID[m].label for m in missing)}))
    return tuple(found)


# What the ledger already holds of the survey's areas (`concentration.known_members`), asked once the records
# are read: the concentration count is the area's, not the batch's (issue 11).
Known = Callable[[list[Record]], Members]


def decide_survey(survey: Survey, rs: RuleSet, known: Known | None = None) -> Result:
    with phase("classify"):
        made = classify(survey.records, rs, known(survey.records) if known else None)
        layouts = {(lay.file, lay.sheet): lay for lay in survey.layouts}
        # A decision leaves here complete, never changed afterwards: the few a rule flagged (registered count
        # only, counts missing) are copied with their findings; the rest are taken as they are.
        decisions = [replace(d, findings=_flag_findings(r, d, layouts)) if d.flags else d
                     for r, d in zip(survey.records, made, strict=True)]
    with phase("plan"):
        plan = formation_plan(zip(survey.records, decisions, strict=True))
    return Result(survey, decisions, plan, rs)


def run(inputs: Iterable[str | Path], rs: RuleSet, encoding: str | None = None, keep_cells: bool = True,
        mapping: Mapping | None = None, known: Known | None = None) -> Result:
    """``keep_cells=False`` when no annotated workbook will be written: the rows as typed are then not kept,
    which is most of a large survey's memory. ``mapping``: the user's --map; ``known``: what the ledger holds
    of the counties concerned (concentration is the county's)."""
    with phase("intake"):  # includes "read", calamine's share
        survey = read_survey(inputs, encoding, keep_cells, mapping)
    return decide_survey(survey, rs, known)
