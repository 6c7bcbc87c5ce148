"""The precedence steps the rule engine implements, and what each one assumes about the steps before it.

This is the one list of known rule ids: `ruleset` checks a rule file against it when the file loads (every
step named once, none ahead of a step it depends on), and `rules` registers one function per entry. A leaf
module, so that both can import it without importing each other.

A step *depends on* another when its terms only hold if that other step did not: `size-unknown` says a blank
count could still reach the threshold, which is only true of a record `size` did not take; `individual-
dispersed` says its area is not 较集中, which only `concentrated` has checked. Moving a step ahead of one it
depends on would give wrong decisions (or, before issue 12, a KeyError at classify time), so the file is
refused instead.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class StepSpec:
    id: str
    after: tuple[str, ...] = ()  # the steps that must come earlier (direct dependencies)
    why: str = ""  # why, as a Chinese phrase: “它的依据是……”
    context: bool = False  # reads the survey-wide `rules.Context` (the areas' counts of small carriers)
    last: bool = False  # holds for every record: a step after it would never run


_SMALL = "它判定的是未达到单独建会标准、也不缺少可能达标的数字的企业"
STEP_SPECS: tuple[StepSpec, ...] = (
    StepSpec("closed"),
    StepSpec("suspended"),
    StepSpec("has-union"),
    StepSpec("size"),
    StepSpec("size-unknown", ("size",), "它判定的是尚未达到单独建会标准、缺少的数字可能达标的企业"),
    StepSpec("association", ("size", "size-unknown"), _SMALL),
    StepSpec("anchor", ("size", "size-unknown", "association"),
             f"{_SMALL}，且依托行业协会（商会）的企业应先按行业工会判定"),
    StepSpec("concentrated", ("has-union", "size", "size-unknown", "association", "anchor"),
             "“较集中”计数的是未建会、未单独建会、未依托平台园区市场的小型货运企业", context=True),
    StepSpec("individual-dispersed", ("concentrated",), "它判定的是不在较集中区域的个体货运户", context=True),
    StepSpec("small-other", (), "它没有条件、对每家企业都成立，必须排在最后", context=True, last=True),
)
SPEC_BY_ID = {s.id: s for s in STEP_SPECS}
RULE_IDS = tuple(SPEC_BY_ID)


def order_problem(ids: list[str]) -> tuple[str, str, str] | None:
    """The first step written ahead of a step it depends on, as (step, the step it needs first, why); or None.
    Dependencies are followed through (`individual-dispersed` needs `anchor` because `concentrated` does)."""
    at = {rid: i for i, rid in enumerate(ids)}
    for i, rid in enumerate(ids):
        spec = SPEC_BY_ID[rid]
        if spec.last and i != len(ids) - 1:
            return rid, ids[-1], spec.why
        for dep, why in _needs(rid):
            if at[dep] > i:
                return rid, dep, why
    return None


def _needs(rid: str) -> list[tuple[str, str]]:
    """Every step ``rid`` depends on, directly or through another, with the reason of the direct one."""
    out: dict[str, str] = {}
    todo = [(dep, SPEC_BY_ID[rid].why) for dep in SPEC_BY_ID[rid].after]
    while todo:
        dep, why = todo.pop(0)
        if dep not in out:
            out[dep] = why
            todo += [(d, why) for d in SPEC_BY_ID[dep].after]
    return list(out.items())
