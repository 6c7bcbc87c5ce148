"""Issue 12, one tally: the cells made in memory (`tally.tallies`, the annotated workbook's 汇总) and the
ledger's grouped query (`Ledger.tally`, `qhunion summary`) are two implementations of one definition. Over
generated surveys they must fold into the same figures, so that neither can drift from the other."""

from __future__ import annotations

from dataclasses import asdict

from hypothesis import given, settings
from hypothesis import strategies as st

from qhunion.decide.ruleset import RuleSet, packaged
from qhunion.fields import ENTITY_TYPES, GROUPS, STATUSES
from qhunion.ledger import Ledger, Source
from qhunion.records import Record
from qhunion.rules import classify
from qhunion.summary import BY_CHOICES, fold_tallies, scope_of
from qhunion.tally import Tally, tallies
from rule_cases.surveys import examples

RS: RuleSet = packaged()
PLACES = [("西宁市", "城北区"), ("西宁市", "城中区"), ("海西蒙古族藏族自治州", "格尔木市"), ("海东市", None),
          (None, None)]
# Valid codes (the enterprise's key), an ID number written as a code (neither kept nor the key), a bad code.
CODES = [None, None, "91630105MA7B2K3L4B", "92630105MA7B2K3L48", "630102199003071234", "91630105MA7B2K3L40"]
# Few names, so that one enterprise is listed twice (the later row counts); a phone in a name is masked.
NAMES = ["甲物流", "乙货运", "丙快递", "丁物流 13912345678", "丁物流 13987654321"]
counts = st.one_of(st.none(), st.integers(0, 40))


@st.composite
def rows(draw: st.DrawFn, row: int) -> Record:
    prefecture, county = draw(st.sampled_from(PLACES))
    code = draw(st.sampled_from(CODES))
    return Record(
        file="一致性.xlsx", sheet="调查表", row=row, name=draw(st.sampled_from(NAMES)),
        credit_code=code, credit_valid=code is not None and code.startswith("9") and not code.endswith("0"),
        prefecture=prefecture, county=county,
        entity_type=draw(st.sampled_from([None, *ENTITY_TYPES])),
        status=draw(st.sampled_from([None, "正常", "正常", *STATUSES])),
        group=draw(st.sampled_from([None, None, *GROUPS])),
        vehicles_owned=draw(counts), vehicles_registered=draw(counts), employees=draw(counts),
        drivers=draw(counts), migrant_workers=draw(counts), members=draw(counts),
        driver_members=draw(counts), migrant_members=draw(counts),
        has_union=draw(st.sampled_from([None, False, True])),
        anchor=draw(st.sampled_from([None, None, "朝阳物流园", "南川物流园 13912345678"])),
    )


@st.composite
def surveys(draw: st.DrawFn) -> list[Record]:
    return [draw(rows(row=i + 3)) for i in range(draw(st.integers(1, 12)))]


def folded(cells: list[Tally], by: str) -> tuple[list[tuple[str, dict[str, str | None], dict[str, int]]],
                                                  dict[str, int]]:
    """The rows and total; rows sorted, since the cells' order (first seen, or the query's) only orders the
    rows the gazetteer does not (地区不明)."""
    found, total = fold_tallies(cells, by, scope_of(None), RS)
    return sorted(((r.label, r.keys, asdict(r.figures)) for r in found), key=repr), asdict(total)


@settings(max_examples=examples(30), deadline=None)
@given(surveys())
def test_the_tally_in_memory_is_the_ledgers(records: list[Record]) -> None:
    pairs = list(zip(records, classify(records, RS), strict=True))
    with Ledger("sqlite://") as ledger:
        ledger.add(Source("一致性.xlsx", "0" * 64, ("调查表",)), pairs, RS)
        for by in BY_CHOICES:
            anchor = by == "anchor"
            assert folded(tallies(pairs, anchor=anchor), by) == folded(ledger.tally(anchor=anchor), by), by
