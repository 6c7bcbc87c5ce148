"""Recognising what a column means: by the parts its header is made of, confirmed by what the column holds.

County forms label the same field in many ways (自有车辆数量, 车辆（辆）其中自有, 实有货车数 …). Each field is
described in `data/headers.toml` by the words its headers are built from; a header is normalised, scored
against every field, and the columns of a header row are assigned to fields as one matching, each with a
confidence. The values under the header confirm or weaken a reading (a count column of words is doubtful; a
column of valid credit codes is a credit-code column whatever its header says). Low confidence is shown to the
user with a ready `--map` line, and the user's `--map` always wins.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from qhunion.errors import UsageProblem
from qhunion.fields import BY_ID, FIELDS
from qhunion.findings import column_letter
from qhunion.normalise.text import cell_text, simplified

MAPPED = 0.55  # a column is read as its best field from this confidence on
SURE = 0.8  # below this (or close to a rival reading) the reading is shown to the user to confirm
SUGGEST = 0.35  # a field this close is offered as a candidate
RIVAL_MARGIN = 0.12  # a second reading within this of the first makes the column doubtful
MAX_HEADER = 100  # longer cells are notes or pasted paragraphs, never headers
GUESS_COLUMNS = 200  # columns read from their values alone when the header says nothing (a survey has ~40)

_SPACE = re.compile(r"\s+")
# Numbering in front of a header: 1. 1、 (1) （一） 一、 ① 第1项
_NUMBERING = re.compile(r"^(?:\d{1,2}[.、．)]|[(（]\d{1,2}[)）]|[(（][一二三四五六七八九十]{1,3}[)）]|[一二三四五六七八九十]{1,3}、"
                        r"|[\u2460-\u2473]|第\d{1,2}[项栏列])+")  # 三、① — a part of a numbered item
# Units and “单位：人”-style notes in brackets, or after the header.
_UNIT = re.compile(r"[(（\[【](?:单位[:：]?)?(?:辆|台|人|名|个|户|家|部|次|元|万元|%|％|是/否|是或否)[)）\]】]"
                   r"|单位[:：](?:辆|台|人|名|个|户|家)")
_PART = re.compile(r"^\s*其中\s*[:：]?\s*")
_TOTAL = re.compile(r"合计|总计|小计|总数|总|total", re.I)
_SENTENCE = re.compile(r"[，；。;！？]")
# A note in brackets that explains rather than qualifies: a sentence (（全称，与营业执照一致）) or what the count
# takes in (（含司机）（不含挂靠）). The header outside it names the field when it can do so alone.
_NOTE = re.compile(r"[(（][^()（）]*(?:[，,；;。][^()（）]*|(?<=[(（])(?:含|包括|包含|不含|不包括|不计|指|即)[^()（）]*)[)）]")
# A required word right after one of these is ruled out, not found: 不含挂靠 is no 含挂靠.
_NEGATIONS = ("不", "除", "非", "excl", "excluding", "non", "not", "without")
_PUNCT = re.compile(r"[()\[\]【】〔〕<>《》{}、,，.。;；:：/\\|·・\-—_~'\"“”‘’!?！？*＊#№＝=+]")


# A legend of coded answers in brackets: 工会组织（1有 2无）, 是否建会（1=是，2=否）, （1.已建 2.未建）.
_CODED = re.compile(r"(\d{1,2})\s*[=＝:：.．、]?\s*([^\d\s,，;；、/=＝:：.．()（）]{1,6})")
_BRACKETS = re.compile(r"[(（]([^()（）]*)[)）]")


def legend(header: str) -> dict[str, str]:
    """The answers a header says its codes stand for (statistics forms write 1/2 for 有/无), or {}."""
    for m in _BRACKETS.finditer(header):
        pairs = _CODED.findall(m.group(1))
        rest = _CODED.sub("", m.group(1))
        if len(pairs) >= 2 and not re.sub(r"[\s,，;；、/]", "", rest):
            return dict(pairs)
    return {}


def normalise_header(text: str) -> str:
    """The form headers are compared in: full/half width folded, no spaces or line breaks, no numbering, units
    or punctuation, no leading “其中”."""
    value = _NUMBERING.sub("", text.strip())  # before NFKC too: ① would become a bare 1
    value = _SPACE.sub("", simplified(unicodedata.normalize("NFKC", value)))
    value = _NUMBERING.sub("", value)
    value = _UNIT.sub("", value)
    value = _PUNCT.sub("", value).lower()
    return value.removeprefix("其中")


@dataclass(frozen=True, slots=True)
class Spec:
    """How headers of one field are built (see data/headers.toml)."""

    id: str
    names: frozenset[str]
    groups: tuple[tuple[str, ...], ...]
    extra: tuple[str, ...]  # longest first
    banned: tuple[str, ...]
    partial: float


@cache
def specs() -> dict[str, Spec]:
    raw = tomllib.loads(resources.files("qhunion").joinpath("data/headers.toml").read_text("utf-8"))
    common = raw.pop("common")
    out = {}
    for fid, spec in raw.items():
        if fid not in BY_ID:
            raise ValueError(f"data/headers.toml: unknown field {fid}")  # a packaging error, caught by the tests
        names = {normalise_header(n) for n in (*spec["names"], BY_ID[fid].label)}
        out[fid] = Spec(fid, frozenset(names), tuple(tuple(g) for g in spec["all"]),
                        tuple(sorted({*spec.get("any", ()), *common}, key=len, reverse=True)),
                        tuple(spec.get("not", ())), float(spec.get("partial", 0.0)))
    return out


def _covered(text: str, words: Iterable[str]) -> float:
    """The share of the text's characters that are part of one of the words."""
    marks = [False] * len(text)
    for word in sorted(words, key=len, reverse=True):
        start = text.find(word)
        while start != -1:
            for i in range(start, start + len(word)):
                marks[i] = True
            start = text.find(word, start + 1)
    return sum(marks) / len(text) if text else 0.0


def field_score(key: str, spec: Spec) -> float:
    """How well a normalised header reads as the field: 1.0 for one of its own names, 0.7–1.0 when every
    required part is there (more the more of the header is explained), the field's `partial` score when only
    its first part is, a weak candidate score when some part is, else 0."""
    if not key:
        return 0.0
    if key in spec.names:
        return 1.0
    rest = key
    for word in spec.extra:  # 不含挂靠 is not 挂靠; 市场主体 is not a 市场
        if word in rest and any(b in word for b in spec.banned):
            rest = rest.replace(word, "·")
    if any(word in rest for word in spec.banned):
        return 0.0
    found = [[w for w in group if _affirmed(key, w)] for group in spec.groups]
    words = [w for hit in found for w in hit] + [w for w in spec.extra if w in key]
    coverage = _covered(key, words)
    if all(found):
        return round(0.7 + 0.3 * coverage, 3)
    if found[0] and spec.partial:
        return round(spec.partial * (0.8 + 0.2 * coverage), 3)
    if any(found):
        return round(SUGGEST + 0.1 * coverage, 3)
    return 0.0


def _affirmed(key: str, word: str) -> bool:
    start = key.find(word)
    while start != -1:
        if not key[:start].endswith(_NEGATIONS):
            return True
        start = key.find(word, start + 1)
    return False


@cache
def _any_part() -> re.Pattern[str]:
    """Every word some field's header needs: a header holding none of them names no field (a quick no)."""
    words = {w for spec in specs().values() for group in spec.groups for w in group}
    words |= {n for spec in specs().values() for n in spec.names}
    return re.compile("|".join(map(re.escape, sorted(words, key=len, reverse=True))))


@lru_cache(maxsize=65536)
def scores(text: str) -> tuple[tuple[str, float], ...]:
    """Every field the header could be, best first (fields scoring 0 left out)."""
    if len(text) > MAX_HEADER:
        return ()
    if legend(text):  # the legend says how answers are written, not what the column is
        text = _BRACKETS.sub(lambda m: "" if legend(m.group()) else m.group(), text)
    head = _NOTE.sub("", text)
    if head != text and head.strip():
        alone = scores(head)
        if alone and alone[0][1] >= SURE:
            return alone
        text = _NOTE.sub(lambda m: _SENTENCE.sub(" ", m.group()), text)  # the note's commas make no sentence
    key = normalise_header(text)
    if not _any_part().search(key):
        return ()
    # A sentence (a 填表说明 line: “营业执照上的全称；个体户填字号…”) is not a header, whatever words it holds.
    size = _width(key)
    damp = 0.5 if size > 10 and _SENTENCE.search(text) else 0.75 if size > 24 else 1.0
    found = [(fid, round(s * damp, 3)) for fid, spec in specs().items() if (s := field_score(key, spec)) > 0]
    order = {f.id: i for i, f in enumerate(FIELDS)}
    return tuple(sorted(found, key=lambda item: (-item[1], order[item[0]])))


def _width(key: str) -> float:
    """A header's length in Chinese characters: an English word of six letters says about what two do."""
    letters = sum(1 for ch in key if ch.isascii())
    return len(key) - letters + letters / 3


def match_header(text: str) -> str | None:
    """One header on its own → the field it surely names, or None."""
    found = scores(text)
    return found[0][0] if found and found[0][1] >= MAPPED else None


# ── The columns of a header row ──────────────────────────────────────────────────────────────────────
@dataclass(slots=True)
class Column:
    index: int  # absolute 0-based column
    header: str  # as shown to users: the lower header cell, or the only one
    field: str | None
    duplicate: Column | None = None  # an earlier column already holding the field this header names
    from_lower: bool = False  # named by the second row of a two-row header (人数 under 货车司机)
    confidence: float = 0.0
    candidates: tuple[tuple[str, float], ...] = ()  # other readings worth offering, best first
    via: str = "header"  # "header" | "values" (the column's content decided) | "map" (the user said so)
    # Where a form's value sits (row, column), when it is not the record's row and this column.
    cell: tuple[int, int] | None = None
    legend: dict[str, str] = dataclasses.field(default_factory=dict)  # coded answers: 1 → 有 (工会组织（1有 2无）)

    @property
    def letter(self) -> str:
        return column_letter(self.index)

    @property
    def doubtful(self) -> bool:
        """A reading the user should confirm: weak, close to another, or guessed from the values alone."""
        if self.via == "map" or self.duplicate is not None:
            return False
        if self.field is None:
            return bool(self.candidates)
        rival = self.candidates[0][1] if self.candidates else 0.0
        return self.confidence < SURE or self.confidence - rival < RIVAL_MARGIN or self.via == "values"


Mapping = dict[str, str | None]  # column letter or normalised header → field id, or None to leave it out


def _reading(upper: str, lower: str, group: str) -> tuple[tuple[str, float], ...]:
    """A header cell's readings. Under a group (车辆情况 over 自有, 工会会员情况 over 货车司机) the group and the
    sub-header are read together: the group tells what the sub-header counts."""
    if not lower:
        return scores(upper)
    # The group is the whole and the sub-header a part of it (运营车辆合计 → 其中自有): the whole's “total” says
    # nothing about the part, and would rule out 自有 (whose words exclude 合计, 总).
    group = _TOTAL.sub("", group)
    together = scores(group + lower) if group else ()
    if together and together[0][1] >= MAPPED:
        return together
    alone = scores(lower) or scores(upper)
    return tuple((fid, round(s * 0.95, 3)) for fid, s in alone)


def recognise(upper: Sequence[str], lower: Sequence[str] | None, first_column: int,
              samples: Sequence[Sequence[Any]] = (), mapping: Mapping | None = None) -> list[Column]:
    """The columns of a one- or two-row header, each assigned to at most one field and each field to at most
    one column: the user's mapping first, then the readings in order of confidence (one greedy matching over
    the whole row), weighed by what the sample rows hold."""
    from qhunion.recognise.evidence import GUESS_CONFIDENCE, fit, guess, looks_like_names

    width = max(len(upper), len(lower or ()))
    columns: list[Column] = []
    readings: list[tuple[tuple[str, float], ...]] = []
    names_at: int | None = None  # the first column whose values read as enterprise names
    group = ""
    found: tuple[tuple[str, float], ...] = ()
    for i in range(width):
        u = upper[i] if i < len(upper) else ""
        lo = (lower[i] if i < len(lower) else "") if lower is not None else ""
        if lower is not None:
            # A merged group cell (车辆情况) spans the sub-headers to its right; Excel keeps its text only in the
            # first cell and CSV exports leave the rest blank, so carry it across.
            group = u or (group if lo else "")
        elif _PART.match(u):
            # “其中：自有” right of “车辆数（台）” in a one-row header: a part of the column it follows.
            found = _reading(u, _PART.sub("", u), group)
        else:
            group = u
        shown = lo or u
        if len(shown) > MAX_HEADER:
            shown = shown[:MAX_HEADER] + "…"
        column = Column(first_column + i, shown, None, from_lower=bool(lo and u), legend=legend(lo or u))
        if lower is not None or not _PART.match(u):
            found = _reading(u, lo, group) if (u or lo) else ()
        values = [row[i] for row in samples if i < len(row)]
        if column.legend:
            values = [column.legend.get(cell_text(v), v) for v in values]
        weighed = tuple(sorted(((fid, round(s * fit(fid, values), 3)) for fid, s in found),
                               key=lambda item: -item[1]))
        if (not weighed or weighed[0][1] < SUGGEST) and i < GUESS_COLUMNS:
            by_values = guess(values)
            if by_values:
                weighed = (by_values,)
                column.via = "values"
        if names_at is None and looks_like_names(values):
            names_at = i
        readings.append(weighed)
        columns.append(column)
    _assign(columns, readings, mapping or {})
    # No header names the enterprise (货运主体, 经营者): a column nothing else claimed whose values are names is
    # read as it, to be confirmed — without it the whole table is refused.
    if names_at is not None and columns[names_at].field is None and columns[names_at].via != "map" \
            and not any(c.field == "name" for c in columns):
        columns[names_at].field, columns[names_at].confidence = "name", GUESS_CONFIDENCE
        columns[names_at].via = "values"
    return [c for c in columns if c.header or c.field]


def _assign(columns: list[Column], readings: list[tuple[tuple[str, float], ...]], mapping: Mapping) -> None:
    taken: dict[str, Column] = {}
    free = set(range(len(columns)))
    for i, c in enumerate(columns):  # the user's word first
        key = c.letter if c.letter in mapping else normalise_header(c.header) if normalise_header(c.header) in mapping else None
        if key is None:
            continue
        fid = mapping[key]
        free.discard(i)
        c.via = "map"
        if fid is not None:
            c.field, c.confidence = fid, 1.0
            taken[fid] = c
    offers = sorted(((s, -i, fid) for i in free for fid, s in readings[i] if s >= MAPPED), reverse=True)
    for s, neg, fid in offers:
        i = -neg
        if i in free and fid not in taken:
            c = columns[i]
            c.field, c.confidence = fid, s
            taken[fid] = c
            free.discard(i)
    for i, c in enumerate(columns):
        if c.via == "map":
            continue
        c.candidates = tuple((fid, s) for fid, s in readings[i] if fid != c.field and s >= SUGGEST)[:3]
        if c.field is None:
            if c.via == "values" and not c.candidates:
                c.via = "header"
            best = readings[i][0] if readings[i] else None
            if best and best[1] >= MAPPED and best[0] in taken and taken[best[0]] is not c:
                c.duplicate = taken[best[0]]


def row_score(columns: Sequence[Column]) -> float:
    """How much a header reading explains: the confidences of its fields, and 0 without an enterprise name."""
    fields = {c.field: c.confidence for c in columns if c.field}
    return sum(fields.values()) if "name" in fields else 0.0


@dataclass
class Suggestion:
    """A column whose reading the user should confirm, with the `--map` item that would confirm the best one."""

    column: Column
    readings: list[tuple[str, float]] = field(default_factory=list)

    @property
    def map_item(self) -> str:
        """The item that confirms the best reading (pasted back, the column is no longer in doubt)."""
        fid = self.column.field or self.readings[0][0]
        return f"{self.column.letter}={BY_ID[fid].label}"

    @property
    def correction(self) -> str:
        """The item for the reading after the one taken: what to write when the column was read wrong."""
        others = [fid for fid, _ in self.readings if fid != self.column.field]
        return f"{self.column.letter}={BY_ID[others[0]].label}" if others else self.map_item

    @property
    def reading(self) -> str:
        """可能是“登记车辆数”或“实际拥有车辆数”，已按“登记车辆数”读取 — the column not named (a finding places it)."""
        maybe = "或".join(f"“{BY_ID[f].label}”" for f, _ in self.readings)
        if self.column.field is None:
            return f"可能是{maybe}，未参与判定"
        how = "按列中内容" if self.column.via == "values" else ""
        return f"可能是{maybe}，已{how}按“{BY_ID[self.column.field].label}”读取"

    @property
    def text(self) -> str:
        where = f"{self.column.letter} 列“{self.column.header}”" if self.column.header else f"{self.column.letter} 列"
        return where + self.reading


def map_command(files: Iterable[str], items: Iterable[str]) -> str:
    """The command line that confirms the items: `qhunion check 文件 --map "F=实际拥有车辆数" …`."""
    quoted = (f'"{f}"' if any(ch in f for ch in " &()") else f for f in files)
    return " ".join(["qhunion check", *quoted, *(f'--map "{i}"' for i in dict.fromkeys(items))])


def suggestions(columns: Iterable[Column]) -> list[Suggestion]:
    out = []
    for c in columns:
        if not c.doubtful:
            continue
        readings = ([(c.field, c.confidence)] if c.field else []) + list(c.candidates)
        out.append(Suggestion(c, readings[:3]))
    return out


# ── The user's mapping: --map F=实际拥有车辆数, --map-file ───────────────────────────────────────────────
IGNORE_WORDS = frozenset({"忽略", "不用", "无", "-", "ignore", "none"})
_LETTERS = re.compile(r"^[A-Za-z]{1,3}$")


class MapError(UsageProblem, ValueError):
    """A --map item or map file that cannot be used. ``reason`` is a Chinese sentence."""


def field_named(text: str) -> str | None:
    """A field by its id, its Chinese label or one of its own names."""
    key = normalise_header(text)
    for f in FIELDS:
        if text.strip() == f.id or key == normalise_header(f.label):
            return f.id
    for fid, spec in specs().items():
        if key in spec.names:
            return fid
    return None


def parse_map(items: Iterable[str]) -> Mapping:
    """`F=实际拥有车辆数` (a column letter or the header's text on the left; a field's label or id on the right;
    忽略 leaves the column out) → the mapping `recognise` applies."""
    mapping: Mapping = {}
    for item in items:
        left, sep, right = item.partition("=")
        if not sep or not left.strip() or not right.strip():
            raise MapError(f"--map “{item}”的写法不对，应写成 列=字段，如 --map \"F=实际拥有车辆数\"")
        add(mapping, left.strip(), right.strip(), f"--map “{item}”")
    return mapping


def add(mapping: Mapping, column: str, target: str, where: str) -> None:
    key = column.upper() if _LETTERS.match(column) else normalise_header(column)
    if target.lower() in IGNORE_WORDS:
        mapping[key] = None
        return
    fid = field_named(target)
    if fid is None:
        labels = "、".join(f.label for f in FIELDS)
        raise MapError(f"{where}中的“{target}”不是调查表的字段；可用的字段：{labels}（或写“忽略”）")
    mapping[key] = fid


def read_map_file(path: str) -> Mapping:
    """A map file written by `check --write-map` (or by hand): TOML lines “header or letter” = “field”."""
    from pathlib import Path

    from qhunion.oserrors import os_reason

    try:
        raw = tomllib.loads(Path(path).read_text("utf-8-sig"))
    except OSError as exc:
        raise MapError(f"无法读取映射文件 {path}（{os_reason(exc)}）") from exc
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise MapError(f"映射文件 {path} 格式有误（应为 UTF-8 的 TOML，如 \"车辆（辆）\" = \"实际拥有车辆数\"）") from exc
    mapping: Mapping = {}
    for column, target in raw.items():
        if not isinstance(target, str):
            raise MapError(f"映射文件 {path} 中“{column}”的值应为字段名称（加引号的文字）")
        add(mapping, column, target, f"映射文件 {path} ")
    return mapping


def map_file_text(layouts: Iterable[Any]) -> str:
    """A map file pinning the columns as read (the user's corrections included), by header text, or by letter
    where a sheet has no header text or the same header twice."""
    lines = ["# qhunion 表头映射：用 --map-file 指定本文件，可让同样格式的调查表按相同方式读取。",
             "# 左边是表头文字（或列字母），右边是字段名称；写“忽略”则不读该列。"]
    seen: dict[str, str] = {}
    for lay in layouts:
        counts: dict[str, int] = {}
        for c in lay.columns:
            counts[c.header] = counts.get(c.header, 0) + 1
        for c in lay.columns:
            key = c.header if c.header and counts[c.header] == 1 else c.letter
            target = BY_ID[c.field].label if c.field else ("忽略" if c.via == "map" else None)
            if target is None or key in seen:
                continue
            seen[key] = target
            lines.append(f"{_toml_key(key)} = {_toml_key(target)}")
    return "\n".join(lines) + "\n"


def _toml_key(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

