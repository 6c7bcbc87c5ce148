"""Loading the rule cases: each ``[[case]]`` of the ``*.toml`` files beside this module (see README.md)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from qhunion.records import Record

HERE = Path(__file__).parent

# Every case starts as a normal freight company in 西宁市城东区.
DEFAULTS: dict[str, Any] = {
    "file": "规则用例.xlsx", "sheet": "调查表", "name": "西宁测试货运有限公司", "prefecture": "西宁市",
    "county": "城东区", "entity_type": "企业", "status": "正常",
}
RECORD_FIELDS = {f.name for f in fields(Record)} - {"cells", "issues"}
EXPECT_KEYS = {"decision", "rule", "clauses", "explanation", "explanation_is", "proposal", "responsible",
               "responsible_note", "follow_up", "flags", "thresholds"}


def record(values: dict[str, Any], row: int = 3) -> Record:
    """A record from the defaults and ``values``; a value of "" (TOML has no null) or None is blank."""
    unknown = set(values) - RECORD_FIELDS
    assert not unknown, f"not a Record field: {sorted(unknown)}"
    merged = {**DEFAULTS, **values}
    return Record(row=row, **{k: (None if v == "" else v) for k, v in merged.items()})


@dataclass
class Case:
    source: str
    name: str
    record: dict[str, Any]
    others: list[dict[str, Any]]
    expect: dict[str, Any] = field(default_factory=dict)

    def records(self) -> list[Record]:
        """The case's enterprise first (row 3), then the rest of its survey, each with its own name."""
        out = [record(self.record, row=3)]
        row = 4
        for spec in self.others:
            spec = dict(spec)
            copies = spec.pop("copies", 1)
            for _ in range(copies):
                out.append(record({"name": f"同县第{row}号货运有限公司", **spec}, row=row))
                row += 1
        return out


def load_cases(folder: Path = HERE) -> list[Case]:
    cases = []
    for path in sorted(folder.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        assert set(data) == {"case"}, f"{path.name}: only [[case]] tables, got {sorted(data)}"
        for raw in data["case"]:
            raw = dict(raw)
            name = raw.pop("name")
            rec = raw.pop("record", {})
            others = raw.pop("others", [])
            unknown = set(raw) - EXPECT_KEYS
            assert not unknown, f"{path.name} › {name}: unknown keys {sorted(unknown)}"
            assert {"decision", "rule", "clauses"} <= set(raw), f"{path.name} › {name}: decision, rule, clauses"
            cases.append(Case(path.name, name, rec, others, raw))
    return cases
