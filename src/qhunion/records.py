"""A surveyed enterprise as a clean record, with where it came from and what was noticed about it."""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field
from typing import Any

from qhunion.findings import Finding
from qhunion.normalise.privacy import looks_personal, mask, mask_optional


def pack(cells: list[Any]) -> bytes:
    """A row as read, kept as one bytes object: a Python list of 20-odd cell objects costs about five times
    the memory, and a province's survey keeps every row until the annotated workbook is written."""
    return pickle.dumps(cells, protocol=pickle.HIGHEST_PROTOCOL)


@dataclass(slots=True)
class Record:
    """The fields rules, plans and the ledger use. Free text that nothing decides on (address, attitudes,
    suggestions) and personal data (contact, phone, ID number, reporter) are checked when read but kept only
    in ``packed``, the row as typed, which goes to the user's own annotated workbook and nowhere else."""

    file: str
    sheet: str
    row: int  # as Excel shows it
    packed: bytes = b""  # the row as read, for the annotated copy (see `pack`)
    width: int = 0  # how many cells `packed` holds: the workbook plans a row's columns without unpacking it
    name: str | None = None
    credit_code: str | None = None
    credit_valid: bool = False
    prefecture: str | None = None
    county: str | None = None
    county_code: str | None = None
    entity_type: str | None = None
    status: str | None = None
    domain: str | None = None
    group: str | None = None
    vehicles_registered: int | None = None
    vehicles_owned: int | None = None
    vehicles_attached: int | None = None
    employees: int | None = None
    drivers: int | None = None
    migrant_workers: int | None = None
    has_union: bool | None = None
    union_name: str | None = None
    members: int | None = None
    driver_members: int | None = None
    migrant_members: int | None = None
    anchor: str | None = None
    attached_drivers: int | None = None
    dispatched_workers: int | None = None
    platform_drivers: int | None = None
    issues: list[Finding] = field(default_factory=list)

    @property
    def cells(self) -> list[Any]:
        return pickle.loads(self.packed) if self.packed else []

    @property
    def key(self) -> str:
        """Identity across files and rounds: the credit code, else name + county."""
        if self.credit_code and self.credit_valid:
            return self.credit_code
        return f"{self.name or ''}|{self.county or self.prefecture or ''}"

    @property
    def ledger_key(self) -> tuple[str, str | None]:
        """`key` as the ledger keeps it, and the credit code it keeps: a “credit code” that is really an ID or
        phone number is neither kept nor used as the key (issue 14, items 5, 8), and free text is masked."""
        code = self.credit_code
        if code is not None and self.credit_valid:
            return code, code  # a valid 统一社会信用代码 is no person's number: nothing to mask
        if code is not None and looks_personal(code):
            return mask(f"{self.name or ''}|{self.county or self.prefecture or ''}"), None
        return mask(self.key), mask_optional(code)
