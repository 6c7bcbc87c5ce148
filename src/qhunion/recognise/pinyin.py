"""Qinghai places written in toneless pinyin in a file name: maqin_2018diaocha.csv, HuangZhong县调查.xlsx,
GeErMu, Maqin-County. Only file names are read this way: an office that names its file in pinyin still fills
its cells in characters.

The pinyin of each division's short name is data (`pinyin` column of data/qinghai_divisions.csv, made once by
tools/divisions_pinyin.py). A word matches whole — letters between non-letters, or a run of capitalised parts
(GeErMu) — never inside a longer word, and never when shorter than 4 letters (gd, xn: abbreviations say too
little). A word shared by two places (yushu: 州 and 市; henan, hainan: also provinces) is returned with all its
readings; the caller decides, and does not choose silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from qhunion.normalise.places import BARE_READINGS
from qhunion.normalise.regions import Division, gazetteer

# Suffixes a pinyin place name may carry, and the Chinese endings of the names each one fits.
SUFFIXES = {"xian": ("县",), "county": ("县",), "qu": ("区",), "district": ("区",), "shi": ("市",), "city": ("市",),
            "zhou": ("州",)}
MIN_LETTERS = 4
# Pinyin that is also an English word (贵德 guide: user_guide.csv): it counts only with a suffix (guidexian,
# Guide-County).
ENGLISH = frozenset({"guide"})


@dataclass(frozen=True, slots=True)
class Reading:
    """A pinyin place word as written in the file name, and the places it can name. ``elsewhere`` is a
    reading outside Qinghai (河南省 for henan), so even one Qinghai division leaves it in doubt."""

    word: str
    divisions: tuple[Division, ...]
    elsewhere: str = ""

    @property
    def sure(self) -> bool:
        return len(self.divisions) == 1 and not self.elsewhere


@cache
def _index() -> dict[str, tuple[tuple[Division, ...], str]]:
    """pinyin → (the divisions it names, a reading outside Qinghai or "")."""
    by_pinyin: dict[str, list[Division]] = {}
    for d in gazetteer().divisions:
        if len(d.pinyin) >= MIN_LETTERS:
            by_pinyin.setdefault(d.pinyin, []).append(d)
    provinces = {short: other for short, (_, other) in BARE_READINGS.items() if other.endswith("省")}
    elsewhere = {d.pinyin: provinces[d.short_name] for d in gazetteer().divisions if d.short_name in provinces}
    return {p: (tuple(ds), elsewhere.get(p, "")) for p, ds in by_pinyin.items()}


def _parts(stem: str) -> list[list[str]]:
    """Runs of letters, each cut at lowercase→uppercase (HuangZhong → Huang, Zhong)."""
    return [re.split(r"(?<=[a-z])(?=[A-Z])", run) for run in re.findall(r"[A-Za-z]+", stem)]


def _match(word: str, suffix_next: bool) -> Reading | None:
    index = _index()
    lower = word.lower()
    for suffix in ("", *SUFFIXES):
        if not lower.endswith(suffix):
            continue
        base = lower[: len(lower) - len(suffix)]
        if base not in index or (base in ENGLISH and not (suffix or suffix_next)):
            continue
        divisions, elsewhere = index[base]
        if suffix and len(divisions) + bool(elsewhere) > 1:
            # yushuzhou, yushushi, henanxian: the suffix settles which of the readings is meant
            fitting = tuple(d for d in divisions if d.name.endswith(SUFFIXES[suffix]))
            if len(fitting) == 1:
                return Reading(word, fitting)
        return Reading(word, divisions, elsewhere)
    return None


def pinyin_readings(stem: str) -> list[Reading]:
    """The pinyin place words of a file name, left to right, longest first."""
    found: list[Reading] = []
    runs = _parts(stem)
    for r, parts in enumerate(runs):
        i = 0
        while i < len(parts):
            for j in range(len(parts), i, -1):
                after = parts[j] if j < len(parts) else (runs[r + 1][0] if r + 1 < len(runs) else "")
                reading = _match("".join(parts[i:j]), after.lower() in SUFFIXES)
                if reading is not None:
                    found.append(reading)
                    i = j
                    break
            else:
                i += 1
    return found
