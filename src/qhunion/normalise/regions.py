"""The Qinghai gazetteer: 8 prefectures and 45 county-level units, with short and former names.

Data: `data/qinghai_divisions.csv` (NBS 2023 / MCA 2024) and `data/qinghai_towns.csv` (NBS towns and streets,
see data/SOURCES.md). Spreadsheets
write the same place many ways — 西宁 / 西宁市, 海西州, 湟中县 (湟中区 since 2019), 大柴旦行委 (行政委员会),
冷湖 (part of 茫崖市 since 2018) — and all of them must land on one division.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources

from qhunion.normalise.text import fold, nearest, simplified

PROVINCE = "青海省"

# Codes of abolished or renamed divisions → today's code (shared/reference/SOURCES.md, “Former names”). A
# credit code issued before a change keeps the old digits 3–8; credit codes exist since 2015, so the 2018–2020
# changes matter most, the older ones are listed for completeness.
FORMER_CODES = {
    "632100": "630200",  # 海东地区 → 海东市 (2013)
    "632122": "630222",  # 民和, 互助, 化隆, 循化: renumbered under 海东市 (2013), names unchanged
    "632126": "630223",
    "632127": "630224",
    "632128": "630225",
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
    pinyin: str = ""  # of the short name, toneless, lowercase, no separators (玛沁 → maqin): for file names

    @property
    def is_county(self) -> bool:
        return self.level == "county"


@dataclass(frozen=True, slots=True)
class Match:
    division: Division
    former: bool  # matched a former name (湟中县 → 湟中区): worth telling the user


@dataclass(frozen=True, slots=True)
class Town:
    code: str
    name: str
    county_code: str  # as published in its edition: 632858 for 冷湖镇 in 2017, see FORMER_CODES
    edition: str


def _key(text: str) -> str:
    return simplified(fold(text)).replace(" ", "").replace("行委", "行政委员会")


# Town names people write with or without their suffix in a county cell (花土沟 for 花土沟镇).
TOWN_SUFFIXES = ("镇", "乡", "街道")


class Gazetteer:
    def __init__(self, divisions: list[Division], towns: tuple[Town, ...] = ()) -> None:
        self.divisions = divisions
        self.by_code = {d.code: d for d in divisions}
        self.towns = towns
        self.town_codes = {t.code: t.county_code for t in towns}  # a 9-digit town code → its county's code
        # A town name → its county today. Names found in two counties (城关镇, 火车站街道) say nothing and are
        # left out; units that are not towns (园区, 农场, 监狱) are not written as places and are left out too.
        counties: dict[str, set[str]] = {}
        for t in towns:
            if t.name.endswith(TOWN_SUFFIXES):
                county = self.current(t.county_code)
                counties.setdefault(t.name, set()).add(county.code if county else "")
        self.town_county = {name: self.by_code[next(iter(codes))] for name, codes in counties.items()
                            if len(codes) == 1 and "" not in codes}
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
        if key.isascii() and key.isdigit():
            return self._coded(level, key)
        # “青海省西宁市城北区”, “西宁市城北区”: drop the province and any prefecture in front.
        for prefix in (PROVINCE, "青海"):
            if key.startswith(prefix) and key[len(prefix):] in index:
                return index[key[len(prefix):]]
        if level == "county":
            for p in self.prefectures():
                names = (p.name, p.short_name + ("州" if p.name.endswith("自治州") else "市"), p.short_name,
                         *p.former_names)  # 海东地区乐都县: the 2013 prefecture name in front
                for name in names:
                    k = _key(name)
                    rest = key.removeprefix(PROVINCE)
                    if rest.startswith(k) and rest[len(k):] in index:
                        return index[rest[len(k):]]
        return None

    def _coded(self, level: str, key: str) -> Match | None:
        """A division code as statistics and civil-affairs forms write the place (行政区划代码): 6 digits for a
        prefecture or county (former codes too: 632122 民和 before 2013), 9 or 12 for a town (its county), a
        county's code padded with zeros to 12. Reading a code as its division is no guess: it names one place."""
        if len(key) in (9, 12) and key[:9] in self.town_codes:
            key = self.town_codes[key[:9]]
        elif len(key) == 12 and key.endswith("000000"):
            key = key[:6]
        if len(key) != 6:
            return None
        division = self.current(key)
        if division is None or division.level != level:
            return None
        return Match(division, former=key not in self.by_code)

    def town(self, text: str) -> tuple[str, Division] | None:
        """A cell holding a town's name (花土沟镇, 花土沟, 青海省海西州茫崖市花土沟镇 is not this: a whole
        address is for `places.places_in`) → (the town's full name, its county today)."""
        key = _key(text).removeprefix(PROVINCE)
        for name in (key, *(key + suffix for suffix in TOWN_SUFFIXES)):
            if name in self.town_county:
                return name, self.town_county[name]
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
            pinyin=row.get("pinyin") or "",
        )
        for row in csv.DictReader(io.StringIO(raw))
    ]
    raw = resources.files("qhunion").joinpath("data/qinghai_towns.csv").read_text("utf-8")
    towns = tuple(Town(row["code"], row["name"], row["county_code"], row["edition"])
                  for row in csv.DictReader(io.StringIO(raw)))
    return Gazetteer(divisions, towns)
