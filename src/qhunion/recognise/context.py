"""Where an enterprise is, when its row does not say: the places a sheet's surroundings name (issue 10, item 5).

The order is fixed and each use is reported, naming its source: the row's own 市州/县 cells → a value carried
down from a merged or group cell (done while reading rows) → a county or town named in the address → the sheet
name → the title or 填报单位 rows above the header → the file name → last, the registering region in the credit
code, with a warning (registration is not the operating place; 三（一） asks for 实际经营所在地).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from qhunion.normalise.regions import Division, gazetteer


@dataclass(frozen=True, slots=True)
class Place:
    """A division some text names, and the words that named it."""

    division: Division
    words: str

    @property
    def prefecture(self) -> Division:
        d = self.division
        return d if not d.is_county else gazetteer().by_code[d.parent_code]

    @property
    def county(self) -> Division | None:
        return self.division if self.division.is_county else None


def place_in(text: str) -> Place | None:
    """The most specific Qinghai division a free text names (an address, a title, a sheet or file name), or None
    when it names none or names places that disagree. (`places.places_in` remembers its answers.)"""
    from qhunion.normalise.places import places_in

    hit = places_in(text)
    if hit is None or hit.ambiguous:  # 玉树 (州 or 市), 河南 (县 or 省): not a silent choice
        return None
    return Place(hit.division, "".join(hit.words))


# How findings name the sources tried after the row's own cells (`rowreader` says the order).
SOURCE_LABELS = {"carried": "上方合并或分组的单元格", "address": "地址", "sheet": "工作表名称", "title": "表格标题或填报单位",
                 "file": "文件名", "name": "企业名称", "code": "统一社会信用代码的登记地"}


@dataclass(frozen=True, slots=True)
class SheetContext:
    """The places a sheet's surroundings name: its name, the rows above its header, its file's name."""

    sheet: Place | None = None
    title: Place | None = None
    file: Place | None = None
    # A pinyin word of the file name that names two places (yushu: 州 or 市): (the word, "甲或乙"), said, not chosen.
    file_doubt: tuple[str, str] | None = None

    def ordered(self) -> Iterable[tuple[str, Place | None]]:
        return (("sheet", self.sheet), ("title", self.title), ("file", self.file))


def sheet_context(file: str, sheet: str, title_rows: Iterable[Iterable[object]]) -> SheetContext:
    titles = [place_in(str(c)) for cells in title_rows for c in cells if isinstance(c, str) and c.strip()]
    title = _agreeing([t for t in titles if t is not None])
    stem = Path(file).stem
    # A CSV's only sheet is named after its file: the place comes from the file name, and says so.
    file_place, doubt = file_name_place(stem)
    return SheetContext(place_in(sheet) if sheet != stem else None, title, file_place, doubt)


def file_name_place(stem: str) -> tuple[Place | None, tuple[str, str] | None]:
    """The place a file name names — in characters, or else in pinyin (maqin_2018diaocha) — and, when a
    pinyin word could name two places the rest of the name does not tell apart, (that word, its readings)."""
    from qhunion.recognise.pinyin import pinyin_readings

    place = place_in(stem)
    if place is not None:
        return place, None  # characters win: 玛沁县_maqin, 湟中_ledu alike
    readings = pinyin_readings(stem)
    sure = [Place(r.divisions[0], r.word) for r in readings if r.sure]
    for r in readings:
        if r.sure:
            continue
        # yushu_chenduo: only 玉树藏族自治州 agrees with 称多县. yushu alone, or henan (县 or 省): in doubt.
        fitting = [Place(d, r.word) for d in r.divisions if sure and _agreeing([*sure, Place(d, r.word)])]
        if len(fitting) != 1 or r.elsewhere:
            return None, (r.word, "或".join([d.name for d in r.divisions] + ([r.elsewhere] if r.elsewhere else [])))
        sure.append(fitting[0])
    return _agreeing(sure), None


def _agreeing(places: list[Place]) -> Place | None:
    """The most specific of several places that agree with one another; None when they disagree."""
    if not places:
        return None
    best = max(places, key=lambda p: p.division.is_county)
    if all(p.prefecture.code == best.prefecture.code and (p.county is None or best.county is None
                                                           or p.county.code == best.county.code) for p in places):
        return best
    return None


def fits(place: Place, prefecture: str | None) -> bool:
    """A place found in context is used only when it lies in the prefecture the row states (if any)."""
    return prefecture is None or place.prefecture.name == prefecture
