"""Personal data recognised by its shape, wherever it stands in a text (issue 14, items 5, 7, 8).

The survey's personal columns (联系人, 电话, 身份证号, 填报人) are known by their headers and never leave the
user's annotated copy. But people also type a mobile into the enterprise name, an 个体户's ID number into the
credit-code column, a phone into a file name. `mask` finds those numbers in any text — mobiles in every common
writing, landlines with an area code, resident ID numbers (GB 11643, 18 and 15 digits) — and hides their middle
digits; `looks_personal` says whether a whole value is such a number. Everything that leaves the process (ledger,
terminal, CSV, JSON, summaries) goes through them; only the user's own annotated workbook keeps the cells as typed.

What is never touched: a valid 统一社会信用代码 (GB 32100, checked with python-stdnum) with letters in it, and
the numbers surveys are full of — counts, years, dates, amounts. An all-digit code that is also a valid ID number
(a valid birth date and check character) is masked: when in doubt, the person wins.
"""

from __future__ import annotations

import re

# Width folding that keeps every character in place (one character for one), so that a span found in the
# folded text is the same span in the original: full-width digits, X, space, brackets, plus and dashes.
_FOLD = str.maketrans(
    "０１２３４５６７８９Ｘｘ\u3000\u00a0（）＋－‐‑‒–—―−﹣",
    "0123456789Xx  ()+" + "-" * 9,
)

# Cheap test first: this runs for every cell of 100,000-row surveys. Every shape below has at least ten
# digits (the shortest, a landline 010-2345678); almost no other cell holds ten digits together, even
# allowing the separators that spaced forms (139 1234 5678, 139 - 1234) put between groups. A date has 8.
_CANDIDATE = re.compile(r"[0-9０-９](?:[ \-\u3000－()（）+]{0,3}[0-9０-９]){9}")

_SEP = r"(?:\ ?-\ ?|\ )"  # one separator between digit groups: a space or a dash (spaces around it allowed)
_S = _SEP + "?"
_PREFIX = r"(?:(?:\+\ ?|00)86\ ?-?\ ?|\(\+?86\)\ ?-?\ ?|86[\ -]?)"  # +86, 0086, (+86), 86
_TRUNK = r"(?:0(?=1[3-9]))"  # 013912345678: the long-distance 0 some write before a mobile

# A 统一社会信用代码 standing alone: protected from every pattern below when its check character holds.
_CREDIT = re.compile(r"(?<![0-9A-Za-z])[0-9A-Za-z]{18}(?![0-9A-Za-z])")

# Resident ID numbers: 18 characters (the last may be X) or the old 15 digits, as one run or in the groups
# people space them in. The date and check character are verified after the match.
_ID = re.compile(
    r"(?<!\d)(?P<n>"
    r"\d{17}[\dXx]"
    rf"|\d{{6}}{_SEP}\d{{8}}{_SEP}\d{{3}}[\dXx]"
    rf"|\d{{6}}{_SEP}\d{{4}}{_SEP}\d{{4}}{_SEP}\d{{3}}[\dXx]"
    rf"|\d{{4}}{_SEP}\d{{4}}{_SEP}\d{{4}}{_SEP}\d{{4}}{_SEP}\d[\dXx]"
    rf"|\d{{3}}{_SEP}\d{{3}}{_SEP}\d{{4}}{_SEP}\d{{4}}{_SEP}\d{{3}}[\dXx]"
    r"|\d{15}"
    rf"|\d{{6}}{_SEP}\d{{6}}{_SEP}\d{{3}}"
    r")(?!\d)"
)

# Mobile numbers: 1[3-9] and nine more digits, with an optional country prefix, grouped 3-4-4, 3-8 or 7-4, or
# with the first three in brackets. A letter right after (13912345678a) does not save it; a digit does.
_MOBILE = re.compile(
    rf"(?<!\d)(?:{_PREFIX}|{_TRUNK})?(?P<n>"
    rf"1[3-9]\d{_S}\d{{4}}{_S}\d{{4}}"
    rf"|\(1[3-9]\d\)\ ?\d{{4}}{_S}\d{{4}}"
    r")(?!\d)"
)

# Landlines: an area code (010, 02x, 0xxx; bracketed or not; after +86 the 0 may be dropped), then a local
# number of 7 or 8 digits that does not start with 0 or 1.
_LANDLINE = re.compile(
    rf"(?<!\d)(?:{_PREFIX}\(?0?|\(0|0)(?P<area>10|2\d|[3-9]\d{{2}})\)?\ ?-?\ ?(?P<n>[2-9]\d{{2,3}}{_S}\d{{4}})(?!\d)"
)

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # 29 February: leap years are not worth checking


def _valid_date(year: int, month: int, day: int) -> bool:
    return 1900 <= year <= 2099 and 1 <= month <= 12 and 1 <= day <= _DAYS[month - 1]


def _is_id(digits: str) -> bool:
    """GB 11643: region (not starting 0 or 9), birth date, sequence, and for 18 characters the check
    character."""
    if digits[0] in "09":
        return False
    if len(digits) == 15:
        return digits.isdigit() and _valid_date(1900 + int(digits[6:8]), int(digits[8:10]), int(digits[10:12]))
    if not _valid_date(int(digits[6:10]), int(digits[10:12]), int(digits[12:14])):
        return False
    check = "10X98765432"[sum(int(d) * w for d, w in zip(digits, _ID_WEIGHTS, strict=False)) % 11]
    return digits[17].upper() == check


# GB 32100's shape: registering authority, entity kind, six region digits, ten characters of its alphabet.
_CODE_SHAPE = re.compile(r"^[1-9A-GY][1-9A-Z]\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def _is_credit_code(token: str) -> bool:
    """A 统一社会信用代码: GB 32100's shape and check character (python-stdnum's fuller validation also
    refuses registering-authority and kind combinations that real codes carry, such as Y1). A phone or ID
    number's only letter can be a final X."""
    from stdnum.cn import uscc

    value = token.upper()
    return (not value[:17].isdigit() and _CODE_SHAPE.match(value) is not None
            and uscc.calc_check_digit(value[:17]) == value[17])


def _spans(folded: str) -> list[tuple[int, int, int, int, int, int]]:
    """(start, end, from, to, head, tail) of each personal number in the folded text, in order: the whole
    match (prefix and area code included) from start to end; its digits from ``from`` to ``to`` are masked
    except the first ``head`` and last ``tail``. Matches never overlap; credit codes are never in one."""
    found: list[tuple[int, int, int, int, int, int]] = []
    for m in _ID.finditer(folded):
        digits = re.sub(r"[^0-9Xx]", "", m.group("n"))
        if _is_id(digits):
            found.append((*m.span(), *m.span("n"), 6, 4 if len(digits) == 18 else 3))
    found += [(*m.span(), *m.span("n"), 3, 4) for m in _MOBILE.finditer(folded)]
    found += [(*m.span(), *m.span("n"), 0, 4) for m in _LANDLINE.finditer(folded)]
    if not found:
        return found
    taken = [m.span() for m in _CREDIT.finditer(folded) if _is_credit_code(m.group())]
    spans = []
    for span in found:  # IDs first, then mobiles, then landlines: the first kind to claim digits keeps them
        if all(span[1] <= s or span[0] >= e for s, e in taken):
            taken.append(span[:2])
            spans.append(span)
    return sorted(spans)


def mask(text: str) -> str:
    """``text`` with the middle digits of every phone and ID number in it replaced by ``*``: a mobile keeps its
    first 3 and last 4 digits, an ID number its first 6 and last 4 (15 digits: last 3), a landline its area code
    and last 4. Separators, prefixes and full-width forms are kept as written. Text with no such number is
    returned as it is (the same object)."""
    if len(text) < 7 or _CANDIDATE.search(text) is None:
        return text
    folded = text.translate(_FOLD)
    spans = _spans(folded)
    if not spans:
        return text
    out: list[str] = []
    at = 0
    for _, _, start, end, head, tail in spans:
        out.append(text[at:start])
        positions = [i for i in range(start, end) if folded[i] in "0123456789Xx"]
        hidden = set(positions[head:len(positions) - tail])
        out.append("".join("*" if i in hidden else text[i] for i in range(start, end)))
        at = end
    out.append(text[at:])
    return "".join(out)


_FILLER = re.compile(r"[\s\-()+.,:;：，。；、（）]*")


def looks_personal(text: str) -> bool:
    """The whole value is a phone or ID number (give or take spaces and punctuation around it): what an
    个体户's ID typed into the credit-code column looks like."""
    if len(text) < 7 or _CANDIDATE.search(text) is None:
        return False
    folded = text.translate(_FOLD)
    spans = _spans(folded)
    if len(spans) != 1:
        return False
    start, end, *_ = spans[0]
    return _FILLER.fullmatch(folded[:start]) is not None and _FILLER.fullmatch(folded[end:]) is not None


def mask_optional(text: str | None) -> str | None:
    """`mask` for a value that may be missing."""
    return None if text is None else mask(text)
