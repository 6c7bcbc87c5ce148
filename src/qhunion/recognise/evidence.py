"""What a column holds, as evidence for what it means (Sherlock's idea, kept small and readable).

`fit` weighs a header's reading by how well the sample values suit the field's kind: a “count” column of names
is doubtful. `guess` reads a column with no usable header from its values alone, for the few kinds whose values
cannot be mistaken: credit codes with a valid check character, Qinghai place names, phone and ID numbers (so
that a personal column is treated as personal even under a header nobody wrote down).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from qhunion.fields import BY_ID, FieldKind
from qhunion.normalise.text import cell_text

MIN_SAMPLES = 3  # fewer filled cells than this say nothing
_PHONE = re.compile(r"^(?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}$|^0\d{2,3}-?\d{7,8}$")
_ID = re.compile(r"^\d{17}[\dXx]$|^\d{15}$")
_SENTENCE = re.compile(r"[，。；：！？,;:!?、]")
_ORGANISATION = re.compile(r"(公司|集团|厂|部|队|站|社|中心|店|场|行|所|处|户|物流|运输|货运)[)）]?$")


def _filled(values: Sequence[Any]) -> list[Any]:
    return [v for v in values if v is not None and not (isinstance(v, str) and not v.strip())]


def _share(values: list[Any], test: Any) -> float:
    return sum(1 for v in values if test(v)) / len(values)


def _is_count(value: Any) -> bool:
    from qhunion.normalise.values import parse_count

    parsed, code, _ = parse_count(value)
    return parsed is not None or code in ("count-approx", "count-read-as")


def _is_code(value: Any) -> bool:
    from qhunion.normalise.credit import parse

    return parse(str(value)).valid


def _is_place(value: Any) -> bool:
    from qhunion.normalise.regions import gazetteer

    text = str(value)
    g = gazetteer()
    return g.county(text) is not None or g.prefecture(text) is not None


def _parses(kind: FieldKind) -> Any:
    from qhunion.normalise.values import PARSERS

    parser = PARSERS[kind]

    def parses(value: Any) -> bool:
        parsed, code, _ = parser(value)
        return code is None and parsed is not None

    return parses


def looks_like_names(values: Sequence[Any]) -> bool:
    """Nearly every value its own, and long: the names of enterprises, not a category. A type, status or
    yes/no column repeats a few short words; 湟中鑫源物流有限公司 ends like a type (有限公司) but is a name."""
    texts = [cell_text(v) for v in _filled(values) if not isinstance(v, int | float)]
    if len(texts) < MIN_SAMPLES:
        return False
    # A name is a few words ending in what the body is (公司, 运输队, 货运部, 合作社 …): not a sentence (a 说明 or
    # 备注 column's notes), nor a list of labels (a 填表说明 sheet's 栏目).
    named = [t for t in texts if 6 <= len(t) <= 40 and not _SENTENCE.search(t) and _ORGANISATION.search(t)]
    return len(named) >= 0.8 * len(texts) and len(set(named)) >= 0.8 * len(named)


def fit(fid: str, values: Sequence[Any]) -> float:
    """1.0 when the values suit the field (or there are too few to tell), down to 0.6 when none does."""
    filled = _filled(values)
    if len(filled) < MIN_SAMPLES:
        return 1.0
    kind = BY_ID[fid].kind
    if kind is FieldKind.COUNT:
        share = _share(filled, _is_count)
    elif kind is FieldKind.CODE:
        share = _share(filled, lambda v: len(cell_text(v)) >= 9 and not _PHONE.match(cell_text(v)))
    elif kind in (FieldKind.PREFECTURE, FieldKind.COUNTY):
        share = _share(filled, _is_place)
    elif kind in (FieldKind.BOOL, FieldKind.STATUS, FieldKind.ENTITY, FieldKind.GROUP, FieldKind.DOMAIN):
        share = 0.0 if looks_like_names(filled) else _share(filled, _parses(kind))
    elif fid == "name":
        share = _share(filled, lambda v: not isinstance(v, int | float) and not cell_text(v).isdigit())
    else:
        return 1.0
    return 0.6 + 0.4 * share


GUESSES: tuple[tuple[str, Any], ...] = (
    ("credit_code", _is_code),
    ("county", _is_place),
    ("phone", lambda v: _PHONE.match(cell_text(v).replace(" ", "")) is not None),
    ("id_number", lambda v: _ID.match(cell_text(v)) is not None),
)
GUESS_SHARE = 0.8
GUESS_CONFIDENCE = 0.7  # read, but shown to the user to confirm


def guess(values: Sequence[Any]) -> tuple[str, float] | None:
    """A field read from the values alone, when nearly all of them are unmistakably of one kind."""
    filled = _filled(values)
    if len(filled) < MIN_SAMPLES:
        return None
    for fid, test in GUESSES:
        if _share(filled, test) >= GUESS_SHARE:
            return fid, GUESS_CONFIDENCE
    return None
