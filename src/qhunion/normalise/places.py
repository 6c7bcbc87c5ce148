"""Where an enterprise is: the region of a row from its own cells (`resolve_region`), and the place named
inside free text — an address, a sheet name, a title, a 填报单位 row, a file name (`places_in`).

Both lean on the gazetteer (regions.py). Free text is read cautiously: a short name without its suffix is an
ordinary word as often as a place (平安物流, 共和路, 城中村, 大通物流有限公司, 河南省), so such names count only
where they stand alone; and a text that names two places that cannot both hold (two counties of different
prefectures, a county under another prefecture, another province) gives no answer rather than a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from qhunion.normalise.regions import PROVINCE, Division, Match, gazetteer
from qhunion.normalise.text import fold

# ── Region from a row's own cells ──────────────────────────────────────────────────────────────────────

Note = tuple[str, str, dict[str, Any]]  # (finding code, 'prefecture' | 'county' — the column it belongs in, params)

# Bare short names with two readings (shared/reference/SOURCES.md, doubt 4). Written alone in the column named
# here, the first reading is taken and a warning names the other, unless the other column settles it.
AMBIGUOUS: dict[tuple[str, str], tuple[str, str]] = {
    # (column, bare name): (code of the reading taken, the other reading)
    ("prefecture", "玉树"): ("632700", "玉树市"),
    ("county", "玉树"): ("632701", "玉树藏族自治州"),
    ("prefecture", "海南"): ("632500", "海南省"),
    ("prefecture", "河南"): ("632324", "河南省"),
}


def registered_elsewhere(registered: str | None, county_code: str | None) -> str | None:
    """The registering place named by a credit code's digits 3–8, when it is not the declared county. A
    former code of the same county (630122 湟中县 for 湟中区) is the same place, and a prefecture-level
    registration (630100) over one of that prefecture's counties is no news."""
    if not registered or not county_code:
        return None
    place = gazetteer().current(registered)
    if place is None:
        return f"代码 {registered}（青海省外或已撤销）"
    if place.code == county_code or (not place.is_county and place.code[:4] == county_code[:4]):
        return None
    return place.name


@lru_cache(maxsize=8192)
def resolve_region(pref_text: str, county_text: str) -> tuple[
        str | None, str | None, str | None, tuple[Note, ...]]:
    """(prefecture, county, county code, findings as (code, 'prefecture'|'county', params)). Cached: a
    province's survey names its 53 divisions over and over (bounded: a file of junk must not fill memory)."""
    g = gazetteer()
    notes: list[Note] = []
    stated = {"prefecture": pref_text, "county": county_text}
    pref_match = g.prefecture(pref_text) if pref_text else None
    county_match = g.county(county_text) if county_text else None
    # Each match with the column it was read from: findings about it belong in that column.
    pref = (pref_match, "prefecture") if pref_match else None
    county = (county_match, "county") if county_match else None
    if county_text and county_match is None:
        as_pref = g.prefecture(county_text)
        town = g.town(county_text) if as_pref is None else None
        if town is not None:  # 花土沟镇 written for 茫崖市
            county = (Match(town[1], former=False), "county")
            notes.append(("region-town", "county", {"town": town[0], "current": town[1].name}))
        elif as_pref is None:
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
    notes += _ambiguous(pref_text, county_text, c)
    if county is not None and c is not None:
        parent = g.by_code[c.parent_code]
        if pref is not None and p is not None and p.code != parent.code:
            notes.append(("region-mismatch", county[1],
                          {"county": c.name, "actual": parent.name, "stated": stated[pref[1]]}))
        p = parent
    if p is None and c is None and not notes:
        notes.append(("region-missing", "county", {}))
    return (p.name if p else None, c.name if c else None, c.code if c else None, tuple(notes))


def _ambiguous(pref_text: str, county_text: str, county: Division | None) -> list[Note]:
    """A warning for each bare 玉树 / 海南 / 河南 whose reading the other column does not settle. A county in
    the county column settles the prefecture column: it agrees (玉树 + 称多县) or a mismatch says so."""
    notes: list[Note] = []
    g = gazetteer()
    for column, text in (("prefecture", pref_text), ("county", county_text)):
        entry = AMBIGUOUS.get((column, fold(text).replace(" ", "")))
        if entry is None:
            continue
        taken, other = g.by_code[entry[0]], entry[1]
        if column == "prefecture" and county is not None and county_text:
            continue  # a county named in its own column: the prefecture column is read against it
        notes.append(("region-ambiguous", column, {"options": f"{taken.name}或{other}", "chosen": taken.name}))
    return notes


def _nearest_hint(text: str, level: str) -> str:
    names = gazetteer().nearest_names(text, level)
    return f"，是否是：{'、'.join(names)}？" if names else ""


# ── Places named inside free text ──────────────────────────────────────────────────────────────────────

@dataclass(frozen=True, slots=True)
class PlaceHit:
    """The most specific division a text names.

    ``via`` says what in the text gave it: "county" (a county's full, short or former name), "town" (a town or
    street of the county, and no county name), "prefecture" (only a prefecture). ``words`` are the place words
    as they stand in the text, in order. ``former`` is true when one of them is a former name (乐都县). When
    the text names two counties of one prefecture, ``division`` is that prefecture, ``via`` is "county" and
    ``ambiguous`` lists the counties; a bare 玉树 / 河南 / 海南 gives its first reading with the other one in
    ``ambiguous``. Callers warn whenever ``ambiguous`` is not empty.
    """

    division: Division
    via: str
    words: tuple[str, ...]
    former: bool = False
    ambiguous: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Name:
    kind: str  # "county" | "town" | "prefecture" | "qinghai" | "elsewhere"
    division: Division | None
    former: bool = False
    bare: bool = False  # a short name without its suffix: an ordinary word as often as a place
    strict: bool = False  # a bare name that is also a common word or another place's name
    other: str = ""  # the other reading of a bare ambiguous name


# Bare names that are also everyday words or names of places elsewhere (SOURCES.md doubt 4): they count only
# standing alone — at the text's edges, beside punctuation, digits or another place name, or before 市/县/区/州.
STRICT_BARE = frozenset({"平安", "共和", "城中", "城东", "城西", "城北", "大通", "河南", "海南", "互助", "民和", "同德",
                         "兴海", "海晏", "玉树", "乌兰", "都兰", "祁连", "杂多", "同仁", "贵德", "贵南", "门源", "西宁",
                         "海东", "海北", "海西", "黄南", "果洛"})
# Any bare name followed by these is a street, a village or a mountain named after the place (西宁市城西区
# 海晏路, 祁连山), or the province of the same name (河南省, 海南省).
_NOT_AFTER = re.compile(r"[东西南北中]?(?:路|街|大街|大道|巷|道)|村|山|桥|广场|小区|花园|新村|宾馆|酒店|饭店|省")
_SUFFIX_AFTER = re.compile(r"市|县|区|州|地区")
# Other provinces as written with their suffix: a text naming one is not about a place in Qinghai.
OTHER_PROVINCES = (
    "北京市", "天津市", "上海市", "重庆市", "河北省", "山西省", "辽宁省", "吉林省", "黑龙江省", "江苏省", "浙江省",
    "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省", "湖南省", "广东省", "海南省", "四川省", "贵州省",
    "云南省", "陕西省", "甘肃省", "台湾省", "内蒙古自治区", "广西壮族自治区", "西藏自治区", "宁夏回族自治区",
    "新疆维吾尔自治区", "香港特别行政区", "澳门特别行政区")
# Bare readings: the bare name → (code of the reading taken, the other reading).
BARE_READINGS = {"玉树": ("632700", "玉树市"), "海南": ("632500", "海南省"), "河南": ("632324", "河南省")}


def _han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


@cache
def _names() -> dict[str, list[tuple[str, _Name]]]:
    """Every place word, by its first character, longest first (so 海南藏族自治州 wins over 海南)."""
    g = gazetteer()
    table: dict[str, _Name] = {}

    def add(word: str, name: _Name) -> None:
        table.setdefault(word, name)

    for d in g.divisions:
        kind = "county" if d.is_county else "prefecture"
        suffixed = [d.name]
        if d.name.endswith("自治州"):
            suffixed.append(d.short_name + "州")
        elif not d.is_county:
            suffixed.append(d.short_name + "市")
        if d.name.endswith("自治县"):
            suffixed.append(d.short_name + "县")
        if d.name.endswith("行政委员会"):
            suffixed.append(d.name.replace("行政委员会", "行委"))
        for word in suffixed:
            add(word, _Name(kind, d))
        for former in d.former_names:
            add(former, _Name(kind, d, former=True))
            if former.endswith("行政委员会"):  # 冷湖行政委员会, 冷湖行委, 冷湖
                stem = former.removesuffix("行政委员会")
                add(stem + "行委", _Name(kind, d, former=True))
                add(stem, _Name(kind, d, former=True, bare=True))
    for word, (code, other) in BARE_READINGS.items():
        d = g.by_code[code]
        add(word, _Name("county" if d.is_county else "prefecture", d, bare=True, strict=True, other=other))
    for d in g.divisions:
        add(d.short_name, _Name("county" if d.is_county else "prefecture", d, bare=True,
                                strict=d.short_name in STRICT_BARE))
    for town, county in g.town_county.items():
        add(town, _Name("town", county))
    add(PROVINCE, _Name("qinghai", None))
    add("青海", _Name("qinghai", None))
    for province in OTHER_PROVINCES:
        add(province, _Name("elsewhere", None))
    by_first: dict[str, list[tuple[str, _Name]]] = {}
    for word in sorted(table, key=len, reverse=True):
        by_first.setdefault(word[0], []).append((word, table[word]))
    return by_first


def _scan(text: str) -> list[tuple[int, int, str, _Name]]:
    """Leftmost-longest place words, not overlapping: (start, end, word, name)."""
    index = _names()
    found: list[tuple[int, int, str, _Name]] = []
    i = 0
    while i < len(text):
        for word, name in index.get(text[i], ()):
            if text.startswith(word, i):
                found.append((i, i + len(word), word, name))
                i += len(word)
                break
        else:
            i += 1
    return found


def _stands_alone(text: str, start: int, end: int, starts: set[int], ends: set[int]) -> bool:
    before = text[start - 1] if start else ""
    after = text[end:]
    left = not before or not _han(before) or start in ends or before in "省市州区县"
    right = not after or not _han(after[0]) or end in starts or _SUFFIX_AFTER.match(after) is not None
    return left and right


@lru_cache(maxsize=16384)
def places_in(text: str) -> PlaceHit | None:
    """The most specific Qinghai division `text` names, or None when it names none, names another province,
    or names places that cannot both hold. Memoised: called on every row's address."""
    text = fold(text)
    found = _scan(text)
    starts = {s for s, *_ in found}
    ends = {e for _, e, *_ in found}
    used: list[tuple[str, _Name]] = []
    for start, end, word, name in found:
        if name.bare:
            after = text[end:]
            if after.startswith("省"):
                return None  # 河南省, 海南省
            if _NOT_AFTER.match(after) or (name.strict and not _stands_alone(text, start, end, starts, ends)):
                continue
        if name.kind == "elsewhere":
            return None
        if name.kind != "qinghai":
            used.append((word, name))
    return _decide(used)


def _decide(used: list[tuple[str, _Name]]) -> PlaceHit | None:
    if not used:
        return None
    g = gazetteer()
    words = tuple(word for word, _ in used)
    former = any(name.former for _, name in used)
    counties = {name.division.code: name.division for _, name in used
                if name.kind in ("county", "town") and name.division is not None}
    prefectures = {name.division.code for _, name in used if name.kind == "prefecture" and name.division}
    others = tuple(dict.fromkeys(name.other for _, name in used if name.other))
    if counties:
        parents = {c.parent_code for c in counties.values()}
        if len(parents) > 1 or not prefectures <= parents:
            return None  # 乐都区 and 城北区, or 海东市 with 城北区: the text contradicts itself
        if len(counties) > 1:
            names = tuple(c.name for c in counties.values())
            return PlaceHit(g.by_code[parents.pop()], "county", words, former, names)
        county = next(iter(counties.values()))
        via = "county" if any(name.kind == "county" for _, name in used) else "town"
        # A bare 玉树 beside 称多县 is the prefecture of 称多县: no doubt left. A bare 河南 alone stays in doubt.
        in_doubt = any(name.other and name.kind == "county" for _, name in used)
        return PlaceHit(county, via, words, former, others if in_doubt else ())
    if len(prefectures) > 1:
        return None
    return PlaceHit(g.by_code[prefectures.pop()], "prefecture", words, former, others)
