"""Text normalisation shared by header matching, value parsing and region lookup.

Hand-filled Chinese spreadsheets mix full-width and half-width forms (２０, （辆）, ：), stray spaces and
line breaks inside cells; everything is folded with NFKC first so one comparison serves all of them.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from importlib import resources

_SPACE = re.compile(r"\s+")
# Units written after a header, e.g. 职工人数（人）, 自有货车（辆）: not part of the name.
_UNIT = re.compile(r"\((?:辆|台|人|名|个|户|家|部|单位:?[^)]*)\)")
_PUNCT = re.compile(r"[()\[\]【】〔〕<>《》{}、,，.。;；:：/\\|·・\-—_~'\"“”‘’!?！？*＊#№]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_QIZHONG = re.compile(r"^其中")


def fold(value: str) -> str:
    """NFKC (full width → half width), trimmed, inner whitespace collapsed."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", value)).strip()


@cache
def _traditional() -> dict[int, int]:
    lines = [ln for ln in resources.files("qhunion").joinpath("data/traditional.txt").read_text("utf-8").splitlines()
             if ln and not ln.startswith("#")]
    return str.maketrans(lines[0], lines[1])


def simplified(value: str) -> str:
    """繁體 → 简体 character by character (車輛 → 车辆, 玉樹 → 玉树), for comparing headers and place names:
    an office whose Excel writes traditional characters fills the same survey."""
    return value.translate(_traditional())


def header_key(value: str) -> str:
    """The form in which header spellings are compared: no spaces, units, “其中”, brackets or punctuation."""
    text = _SPACE.sub("", unicodedata.normalize("NFKC", value))
    text = _UNIT.sub("", text)
    text = _PUNCT.sub("", text)
    return _QIZHONG.sub("", text).lower()


def cell_text(cell: object) -> str:
    """A cell as the text a person sees: blank for none, 25 for a float 25.0, no surrounding spaces."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():  # not inf or NaN, which a crafted .xlsx can hold
        return str(int(cell))
    return str(cell).strip()


def strip_control(value: str) -> str:
    return _CONTROL.sub("", value)


def has_control(value: str) -> bool:
    return _CONTROL.search(value) is not None


def nearest(word: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    """The closest known spellings, for “did you mean” hints."""
    return difflib.get_close_matches(word, list(candidates), n=n, cutoff=0.4)


_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
CHINESE_NUMERAL = re.compile(r"^[零〇一二两三四五六七八九十百千万]+$")


def chinese_to_int(text: str) -> int | None:
    """二十五 → 25, 一百零八 → 108, 十二 → 12, 两万 → 20000; None when the text is not a numeral."""
    if not CHINESE_NUMERAL.match(text):
        return None
    total, section, digit = 0, 0, None
    for ch in text:
        if ch in _DIGITS:
            if digit is not None and section == 0 and total == 0 and len(text) > 1 and _DIGITS[ch] != 0:
                # Digit-by-digit forms such as 二五 are not how counts are written: refuse them.
                return None
            digit = _DIGITS[ch]
        elif ch in _UNITS:
            section += (1 if digit is None else digit) * _UNITS[ch]
            digit = None
        else:  # 万
            total += (section + (digit or 0)) * 10000
            section, digit = 0, None
    return total + section + (digit or 0)
