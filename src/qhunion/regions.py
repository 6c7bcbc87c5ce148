"""The Qinghai gazetteer: 8 prefectures and 45 county-level units, with short and former names.

Data: `data/qinghai_divisions.csv` (NBS 2023 / MCA 2024, see shared/reference/SOURCES.md). Spreadsheets
write the same place many ways — 西宁 / 西宁市, 海西州, 湟中县 (湟中区 since 2019), 大柴旦行委 (行政委员会),
冷湖 (part of 茫崖市 since 2018) — and all of them must land on one division.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from .text import fold, nearest

PROVINCE = "青海省"

# Codes of abolished or renamed divisions → today's code (shared/reference/SOURCES.md, “Former names”). A
# credit code issued before a change keeps the old digits 3–8; credit codes exist since 2015, so the 2018–2020
# changes matter most, the older ones are listed for completeness.
FORMER_CODES = {
    "632100": "630200",  # 海东地区 → 海东市 (2013)
    "632123": "630202",  # 乐都县 → 乐都区 (2013)
    "632121": "630203",  # 平安县 → 平安区 (2013/2015)
    "630221": "630203",
    "632721": "632701",  # 玉树县 → 玉树市 (2013)
    "632858": "632803",  # 冷湖行委 → 茫崖市 (2018)
    "632859": "632803",  # 茫崖行委 → 茫崖市 (2018)
    "630122": "630106",  # 湟中县 → 湟中区 (2019)
    "632321": "632301",  # 同仁县 → 同仁市 (2020)
}


@dataclass(frozen=True, slots=True)
class Division:
    code: str
    name: str
    level: str  # "prefecture" | "county"
    parent_code: str
    parent_name: str
    short_name: str
    former_names: tuple[str, ...]

    @property
    def is_county(self) -> bool:
        return self.level == "county"


@dataclass(frozen=True, slots=True)
class Match:
    division: Division
    former: bool  # matched a former name (湟中县 → 湟中区): worth telling the user


def _key(text: str) -> str:
    return fold(text).replace(" ", "").replace("行委", "行政委员会")


class Gazetteer:
    def __init__(self, divisions: list[Division]) -> None:
        self.divisions = divisions
        self.by_code = {d.code: d for d in divisions}
        self._index: dict[str, dict[str, Match]] = {"prefecture": {}, "county": {}}
        for d in divisions:
            index = self._index[d.level]
            current = [d.name, d.short_name]
            if d.level == "prefecture" and d.name.endswith("自治州"):
                current.append(d.short_name + "州")  # 海西州, 玉树州
            if d.level == "county" and d.name.endswith("自治县"):
                current.append(d.short_name + "县")  # 大通县, 河南县
            for name in current:
                index.setdefault(_key(name), Match(d, former=False))
            for name in d.former_names:
                index.setdefault(_key(name), Match(d, former=True))
                if name.endswith("行政委员会"):  # 冷湖行政委员会 → 冷湖
                    index.setdefault(_key(name[: -len("行政委员会")]), Match(d, former=True))

    def _find(self, level: str, text: str) -> Match | None:
        key = _key(text)
        index = self._index[level]
        if key in index:
            return index[key]
        # “青海省西宁市城北区”, “西宁市城北区”: drop the province and any prefecture in front.
        for prefix in (PROVINCE, "青海"):
            if key.startswith(prefix) and key[len(prefix):] in index:
                return index[key[len(prefix):]]
        if level == "county":
            for p in self.prefectures():
                for name in (p.name, p.short_name + ("州" if p.name.endswith("自治州") else "市"), p.short_name):
                    k = _key(name)
                    rest = key.removeprefix(PROVINCE)
                    if rest.startswith(k) and rest[len(k):] in index:
                        return index[rest[len(k):]]
        return None

    def current(self, code: str) -> Division | None:
        """The division a code stands for today, former codes included (630122 湟中县 → 湟中区)."""
        return self.by_code.get(code) or self.by_code.get(FORMER_CODES.get(code, ""))

    def prefecture(self, text: str) -> Match | None:
        return self._find("prefecture", text)

    def county(self, text: str) -> Match | None:
        return self._find("county", text)

    def prefectures(self) -> list[Division]:
        return [d for d in self.divisions if d.level == "prefecture"]

    def counties(self, prefecture_code: str | None = None) -> list[Division]:
        return [d for d in self.divisions
                if d.level == "county" and (prefecture_code is None or d.parent_code == prefecture_code)]

    def nearest_names(self, text: str, level: str | None = None) -> list[str]:
        names = [d.name for d in self.divisions if level is None or d.level == level]
        names += [d.short_name for d in self.divisions if level is None or d.level == level]
        found = nearest(fold(text), names)
        # Show full names only, once each.
        full = {d.short_name: d.name for d in self.divisions}
        return list(dict.fromkeys(full.get(n, n) for n in found))

    def any_level(self, text: str) -> Match | None:
        """For --region: a county name wins over a prefecture only when it is not also a prefecture."""
        return self.prefecture(text) or self.county(text)


@cache
def gazetteer() -> Gazetteer:
    raw = resources.files("qhunion").joinpath("data/qinghai_divisions.csv").read_text("utf-8")
    divisions = [
        Division(
            code=row["code"], name=row["name"], level=row["level"], parent_code=row["parent_code"],
            parent_name=row["parent_name"], short_name=row["short_name"],
            former_names=tuple(n for n in row["former_names"].replace("；", ";").split(";") if n),
        )
        for row in csv.DictReader(io.StringIO(raw))
    ]
    return Gazetteer(divisions)


@dataclass(frozen=True, slots=True)
class PlaceHit:
    division: Division
    words: str
    via: str  # "county" | "prefecture"


@cache
def _name_pattern() -> Any:
    """Full names (and former names) of every division, longest first: short names alone are too often
    ordinary words (平安, 共和, 城中) to be looked for inside free text."""
    import re

    g = gazetteer()
    names: dict[str, Division] = {}
    for d in g.divisions:
        for name in (d.name, *d.former_names):
            names.setdefault(name, d)
        if d.level == "prefecture" and d.name.endswith("自治州"):
            names.setdefault(d.short_name + "州", d)
        if d.level == "county" and d.name.endswith("自治县"):
            names.setdefault(d.short_name + "县", d)
        if d.name.endswith("行政委员会"):
            names.setdefault(d.short_name + "行委", d)
    ordered = sorted(names, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, ordered))), names


def places_in(text: str) -> PlaceHit | None:
    """The most specific division a free text names by its full name, or None (none, or counties of two
    prefectures)."""
    pattern, names = _name_pattern()
    found = [names[m.group()] for m in pattern.finditer(fold(text).replace(" ", ""))]
    if not found:
        return None
    counties = {d.code: d for d in found if d.is_county}
    prefectures = {d.code: d for d in found if not d.is_county}
    if len(counties) > 1:
        return None
    if counties:
        (county,) = counties.values()
        if any(p.code != county.parent_code for p in prefectures.values()):
            return None
        return PlaceHit(county, county.name, "county")
    if len(prefectures) == 1:
        (pref,) = prefectures.values()
        return PlaceHit(pref, pref.name, "prefecture")
    return None


@lru_cache(maxsize=8192)
def resolve_region(pref_text: str, county_text: str) -> tuple[
        str | None, str | None, str | None, tuple[tuple[str, str, dict[str, Any]], ...]]:
    """(prefecture, county, county code, findings as (code, 'prefecture'|'county', params)). Cached: a
    province's survey names its 53 divisions over and over (bounded: a file of junk must not fill memory)."""
    g = gazetteer()
    notes: list[tuple[str, str, dict[str, Any]]] = []
    stated = {"prefecture": pref_text, "county": county_text}
    pref_match = g.prefecture(pref_text) if pref_text else None
    county_match = g.county(county_text) if county_text else None
    # Each match with the column it was read from: findings about it belong in that column.
    pref = (pref_match, "prefecture") if pref_match else None
    county = (county_match, "county") if county_match else None
    if county_text and county_match is None:
        as_pref = g.prefecture(county_text)
        if as_pref is None:
            notes.append(("region-unknown", "county", {"nearest": _nearest_hint(county_text, "county")}))
        elif pref is None:
            pref = (as_pref, "county")  # a prefecture written in the county column: keep what it tells
    if pref_text and pref_match is None:
        as_county = g.county(pref_text)
        if as_county is None:
            notes.append(("region-unknown", "prefecture", {"nearest": _nearest_hint(pref_text, "prefecture")}))
        elif county is None:
            county = (as_county, "prefecture")  # 格尔木 written in the prefecture column
    for found in (pref, county):
        if found is not None and found[0].former:
            notes.append(("region-former", found[1], {"current": found[0].division.name}))
    p = pref[0].division if pref else None
    c = county[0].division if county else None
    if county is not None and c is not None:
        parent = g.by_code[c.parent_code]
        if pref is not None and p is not None and p.code != parent.code:
            notes.append(("region-mismatch", county[1],
                          {"county": c.name, "actual": parent.name, "stated": stated[pref[1]]}))
        p = parent
    if p is None and c is None and not notes:
        notes.append(("region-missing", "county", {}))
    return (p.name if p else None, c.name if c else None, c.code if c else None, tuple(notes))


def _nearest_hint(text: str, level: str) -> str:
    names = gazetteer().nearest_names(text, level)
    return f"，是否是：{'、'.join(names)}？" if names else ""
