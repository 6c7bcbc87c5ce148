"""Unified Social Credit Codes (统一社会信用代码, GB 32100-2015), validated with python-stdnum.

Digit 2 tells the entity kind when the type column is blank (for authority 9: 1 enterprise, 2 个体工商户,
3 农民专业合作社); digits 3–8 are the registering region, which may differ from the place of business the
survey asks for (青总办〔2018〕19号 三（一）: “实际经营所在地”).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stdnum.cn import uscc

from .text import fold

# Registering authority 9 (market regulation) → entity kind of digit 2.
KIND_BY_DIGIT = {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"}


@dataclass(frozen=True, slots=True)
class Code:
    value: str  # compacted, upper case
    valid: bool
    why: str = ""

    @property
    def kind(self) -> str | None:
        """The entity kind from digit 2, for codes issued by market regulation (digit 1 = 9)."""
        if not self.valid or self.value[0] != "9":
            return None
        return KIND_BY_DIGIT.get(self.value[1])

    @property
    def region_code(self) -> str | None:
        return self.value[2:8] if self.valid else None


# GB 32100: 8 digits (authority, kind, region), then 10 characters of the code alphabet (no I, O, S, V, Z).
_SHAPE = re.compile(r"^[0-9]{8}[0-9A-HJ-NPQRTUWXY]{10}$")
def parse(raw: str) -> Code:
    """Length and alphabet by one regex (so each failure gets its own reason), then python-stdnum's check
    character."""
    value = fold(raw).replace(" ", "").replace("-", "").upper()
    if len(value) != 18:
        return Code(value, False, f"应为 18 位，实为 {len(value)} 位")
    if not _SHAPE.match(value):
        return Code(value, False, "含有不允许的字符")
    if uscc.calc_check_digit(value) != value[-1]:
        return Code(value, False, "校验位不符，可能有字符抄错")
    return Code(value, True)
