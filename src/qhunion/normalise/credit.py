"""Unified Social Credit Codes (统一社会信用代码, GB 32100-2015), checked as python-stdnum checks them.

Digit 2 tells the entity kind when the type column is blank (for authority 9: 1 enterprise, 2 个体工商户,
3 农民专业合作社); digits 3–8 are the registering region, which may differ from the place of business the
survey asks for (青总办〔2018〕19号 三（一）: “实际经营所在地”).

Before the credit code (2015–2017 for existing firms) an enterprise had a 15-digit 工商注册号 (GS15-2006: six
digits of the registering authority's region, eight of sequence, an ISO 7064 MOD 11,10 check digit) and a
9-character 组织机构代码 (GB 11714-1997: eight digits or capitals and a check character). Old files and old
licences still carry them: such a value is what it is — kept, reported for information, not called invalid.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass

from stdnum.iso7064 import mod_11_10

from qhunion.normalise.text import fold

# Registering authority 9 (market regulation) → entity kind of digit 2.
KIND_BY_DIGIT = {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"}


@dataclass(frozen=True, slots=True)
class Code:
    value: str  # compacted, upper case
    valid: bool  # a valid 统一社会信用代码; an old identifier is not one
    why: str = ""
    old: str = ""  # the old identifier it is, as named to users (OLD_REGISTRATION, OLD_ORGANISATION), or ""

    @property
    def finding(self) -> str:
        """The finding code for a code that is not a valid credit code."""
        return "code-old-format" if self.old else "code-invalid"

    @property
    def kind(self) -> str | None:
        """The entity kind from digit 2, for codes issued by market regulation (digit 1 = 9)."""
        if not self.valid or self.value[0] != "9":
            return None
        return KIND_BY_DIGIT.get(self.value[1])

    @property
    def region_code(self) -> str | None:
        return self.value[2:8] if self.valid else None


OLD_REGISTRATION = "15 位工商注册号"
OLD_ORGANISATION = "9 位组织机构代码"
# GB 11714-1997: weights of the eight body characters; a letter counts as 10 + its place in the alphabet.
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_SHAPE = re.compile(r"^[0-9A-Z]{8}[0-9X]$")


def organisation_check(body: str) -> str:
    """The check character of an 8-character 组织机构代码 body (GB 11714-1997)."""
    total = sum(int(ch, 36) * w for ch, w in zip(body, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def _old(value: str) -> Code | None:
    """An old identifier by its shape; with a wrong check character it is an invalid one, said so."""
    if len(value) == 15 and value.isdigit():
        if mod_11_10.is_valid(value):
            return Code(value, False, OLD_REGISTRATION, old=OLD_REGISTRATION)
        return Code(value, False, f"像是 {OLD_REGISTRATION}，但校验位不符")
    if _ORG_SHAPE.match(value):
        if organisation_check(value[:8]) == value[8]:
            return Code(value, False, OLD_ORGANISATION, old=OLD_ORGANISATION)
        return Code(value, False, f"像是 {OLD_ORGANISATION}，但校验位不符")
    return None


# GB 32100: 8 digits (authority, kind, region), then 10 characters of the code alphabet (no I, O, S, V, Z).
_SHAPE = re.compile(r"^[0-9]{8}[0-9A-HJ-NPQRTUWXY]{10}$")
# GB 32100's alphabet (a character's value is its place) and the weights of the 17 body characters.
_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {ch: i for i, ch in enumerate(_ALPHABET)}
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def check_character(body: str) -> str:
    """The check character of a 17-character body in the alphabet: python-stdnum's `uscc.calc_check_digit`
    (tests compare them), without its re-cleaning of the input, a third of the time of reading a survey."""
    if len(body) != len(_WEIGHTS):
        raise ValueError(f"a credit code's body has {len(_WEIGHTS)} characters, not {len(body)}")
    total = sum(map(operator.mul, map(_VALUE.__getitem__, body), _WEIGHTS))  # a generator took ~0.5 µs more a code
    return _ALPHABET[(31 - total) % 31]


def parse(raw: str) -> Code:
    """Length and alphabet by one regex (so each failure gets its own reason), then python-stdnum's check
    character (`check_character`). A 15-digit 注册号 or a 9-character 组织机构代码 comes back with ``old`` set."""
    value = fold(raw).replace(" ", "").replace("-", "").upper()
    if len(value) != 18:
        old = _old(value)
        if old is not None:
            return old
        return Code(value, False, f"应为 18 位，实为 {len(value)} 位")
    if not _SHAPE.match(value):
        return Code(value, False, "含有不允许的字符")
    if check_character(value[:17]) != value[-1]:
        return Code(value, False, "校验位不符，可能有字符抄错")
    return Code(value, True)
