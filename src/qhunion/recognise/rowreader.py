"""Turning one sheet's data rows into `Record`s: values parsed, findings placed at their cells, filler rows
skipped, signature rows ending the table, and every record given a region — from its own cells, a merged or
group cell above it, or the sheet's surroundings (`context`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from qhunion.fields import BY_ID, COUNT_PARTS, PERSONAL_FIELDS, FieldKind
from qhunion.findings import Finding
from qhunion.normalise import credit, values
from qhunion.normalise.places import registered_elsewhere, resolve_region
from qhunion.normalise.privacy import mask
from qhunion.normalise.regions import gazetteer
from qhunion.normalise.text import cell_text, fold, has_control, strip_control
from qhunion.readers.sheet import Sheet, Uncached
from qhunion.recognise.context import SOURCE_LABELS, Place, SheetContext, fits, place_in
from qhunion.recognise.headers import Column
from qhunion.records import Record, pack

RECORD_FIELDS = frozenset(Record.__dataclass_fields__)  # the rest is checked, then left in the packed row
MEMO_LIMIT = 100_000  # distinct parsed cells kept per sheet

# Rows that are not enterprises: totals, notes and the template's example row. Matched on the first cells of a
# row (spaces removed). A totals word must stand alone or label a count — “合计”, “合计：”, “合计（12户）”,
# “合计户数” — so that an enterprise named 合计物流有限公司 is still read.
_FILLER = re.compile(r"^(?:(?:示例|合计|小计|总计|共计|累计|总数)(?:$|[^\u4e00-\u9fff]|[\u4e00-\u9fff]{0,3}数)"
                     r"|填表说明|填报说明|说明|备注|注[:：]|注\d)")
# Signature and contact lines under a table end it: what follows them is never an enterprise, and a person's
# name, phone or ID must not become one (issue 14).
_SIGNATURE = re.compile(r"^(?:单位负责人|负责人|主管领导|分管领导|审核人|审核|制表人|制表|填表人|填报人|统计人|统计员|经办人|"
                        r"联系人|联系电话|电话|手机|填报日期|填表日期|报送日期|日期)[:：]?")
_LABELLED = re.compile(r"^[^:：]{1,6}[:：]")
_SIGNATURE_LOOSE = re.compile(r"^(?:单位负责人|审核人|制表人|填表人|填报人|统计人|经办人)")


# A finding quotes at most this much of a cell: a 100,000-character cell must not flood the terminal or JSON.
MAX_QUOTED = 60


def quoted(cell: Any) -> str:
    """A cell's text as a finding quotes it: control characters (a terminal's escape sequences) removed,
    phone and ID numbers typed into the wrong column masked (`privacy.mask`), and cut short."""
    text = cell_text(cell)
    if has_control(text):
        text = strip_control(text)
    text = mask(text)
    return text if len(text) <= MAX_QUOTED else text[:MAX_QUOTED] + "…"


def is_blank(cell: Any) -> bool:
    """Empty, or only spaces: people “clear” cells by typing a space."""
    return cell is None or (isinstance(cell, str) and (not cell or cell.isspace()))


def row_kind(cells: Sequence[Any]) -> str | None:
    """"filler" (totals, notes, the example row), "signature" (ends the table), or None for a data row."""
    seen = 0
    for cell in cells:
        text = cell_text(cell)
        if not text:
            continue
        if text[0] not in _FIRST_CHARS:  # nearly every row: one set lookup, no regex
            seen += 1
            if seen == 3:
                break
            continue
        compact = text.replace(" ", "").replace("\u3000", "")
        if _FILLER.match(compact):
            return "filler"
        # “联系人：张三 联系电话：139…”, “经办人 李四”: an enterprise is never named so
        if _SIGNATURE_LOOSE.match(compact) or (_SIGNATURE.match(compact) and _LABELLED.match(compact)):
            return "signature"
        seen += 1
        if seen == 3:
            break
    return None


_REGION_KINDS = frozenset({FieldKind.PREFECTURE, FieldKind.COUNTY})
# The characters a filler or signature row can start with (spaces before them are already stripped).
_FIRST_CHARS = frozenset("示合小总共累填说备注审制负主分统联电手日经单")


class NotPersonal(str):
    """Text a finding may quote even in a personal column: an Excel error value or a formula, not a person's
    name or number."""


_SEQUENCE_TOKENS = re.compile(r"^(?:\d{1,3}|[甲乙丙丁戊己庚辛]|栏次|[\u2460-\u2473])$")


def is_numbering_row(cells: Sequence[Any]) -> bool:
    """The row of column numbers (甲 乙 1 2 3 …) statistical forms print under their header."""
    texts = [cell_text(c) for c in cells if not is_blank(c)]
    return len(texts) >= 3 and all(_SEQUENCE_TOKENS.match(t) for t in texts)


@dataclass(slots=True)
class Carry:
    """A grouping column (county, 市州) filled only on its group's first row or merged down: carried on."""

    merged: set[tuple[int, int]]  # (1-based row, absolute column) covered by a vertical merge, below its top
    grouped: set[int]  # absolute columns filled only at the start of each group
    last: dict[int, str]  # absolute column → the text last written in it


class SheetReader:
    """Turns one sheet's raw rows into records. Parsing plans are computed once per sheet (per form block)."""

    def __init__(self, sheet: Sheet, columns: Sequence[tuple[int, Column]], notes: list[Finding],
                 context: SheetContext, carry: Carry | None = None, keep_cells: bool = True) -> None:
        self.keep_cells = keep_cells  # the row as typed is only needed for the annotated workbook
        self.sheet = sheet
        self.notes = notes  # findings of rows that yield no record
        self.context = context
        self.carry = carry
        # Per mapped column: position in the row, the column, how to parse it, and the record field it fills.
        self.plan = [(pos, c, BY_ID[c.field].kind, c.field, c.field if c.field in RECORD_FIELDS else None)
                     for pos, c in columns if c.field is not None]
        self.mapped = {c.field: c for _, c in columns if c.field}
        name_header = self.mapped["name"].header
        self.header_names = {name_header, fold(name_header), BY_ID["name"].label}
        # Counts, yes/no answers and categories repeat down a sheet (3, 是, 正常, 个体货运户): each distinct
        # cell is parsed once. Keyed with its type, since 1, 1.0 and True are one dict key but parse apart.
        self.parsed: dict[tuple[FieldKind, type, Any], values.Parsed] = {}
        self.ended = False  # a signature row was met: nothing below is an enterprise
        self.announced: set[str] = set()  # sheet-wide sources of a region already noted

    def finding(self, code: str, row: int, column: Column | None, value: Any = None, **params: Any) -> Finding:
        """A finding at a cell, quoting the cell — except in personal columns (联系人, 电话, 身份证号): their
        content stays in the user's own workbook and never reaches a report, a log or the terminal."""
        if column is not None and column.field in PERSONAL_FIELDS and not isinstance(value, NotPersonal):
            value = None
        index = column.index if column else None
        if column is not None and column.cell is not None:
            row, index = column.cell
        return Finding(code, self.sheet.file, self.sheet.name, row, index, column.header if column else None,
                       None if value is None else quoted(value), params)

    def records(self, rows: Iterable[tuple[int, list[Any]]]) -> Iterator[Record]:
        for number, cells in rows:
            if self.ended:
                return
            record = self.read_row(number, cells)
            if record is not None:
                yield record

    def read_row(self, number: int, cells: list[Any]) -> Record | None:
        if all(is_blank(c) for c in cells):
            return None
        kind = row_kind(cells)
        if kind == "signature":
            self.ended = True
            return None
        if kind == "filler":
            return None
        record = Record(self.sheet.file, self.sheet.name, number, pack(cells) if self.keep_cells else b"",
                        len(cells) if self.keep_cells else 0)
        issues = record.issues
        has_data = False
        region_raw: dict[str, tuple[str, Column]] = {}
        address: str | None = None  # kept out of the record, but it may name the county
        width = len(cells)
        carry = self.carry
        for pos, column, kind_, field_id, attribute in self.plan:
            raw = cells[pos] if pos < width else None
            if raw is None:
                if carry is not None and kind_ in _REGION_KINDS:
                    self._carried(number, column, region_raw, field_id)
                continue
            if isinstance(raw, str):
                if not raw or raw.isspace():  # is_blank, inline: this runs for every cell of a survey
                    if carry is not None and kind_ in _REGION_KINDS:
                        self._carried(number, column, region_raw, field_id)
                    continue
                if type(raw) is Uncached or ("#" in raw and raw.strip() in values.EXCEL_ERRORS):
                    # #REF! and the like, and formulas saved without a result: never a value, in any column
                    has_data = True
                    issues.append(self.finding("formula-uncached" if type(raw) is Uncached else "cell-error",
                                               number, column, NotPersonal(raw.strip())))
                    continue
            has_data = True
            if kind_ in _REGION_KINDS:
                text = raw.strip() if type(raw) is str else cell_text(raw)
                region_raw[field_id] = (text, column)
                if carry is not None:
                    carry.last[column.index] = text
                continue
            if kind_ is FieldKind.TEXT:
                value, code, params = values.parse_text(raw)
                if field_id == "address":
                    address = value
            elif kind_ is FieldKind.CODE:
                self._read_code(record, raw, column)
                continue
            else:
                if column.legend:  # 工会组织（1有 2无）: the answer the code stands for
                    raw = column.legend.get(cell_text(raw), raw)
                key = (kind_, type(raw), raw)
                parsed = self.parsed.get(key)
                if parsed is None:
                    parsed = values.PARSERS[kind_](raw)
                    if len(self.parsed) < MEMO_LIMIT:
                        self.parsed[key] = parsed
                value, code, params = parsed
            if code:
                issues.append(self.finding(code, number, column, raw, **(params or {})))
            if attribute:
                setattr(record, attribute, value)
        if not has_data:
            return None
        if record.name is None:
            issues.append(self.finding("name-missing", number, self.mapped["name"]))
            # Kept out of the records: a row without a name cannot be acted on, but its finding is reported.
            self.notes.append(issues[-1])
            return None
        if record.name in self.header_names:
            return None  # the header repeated (a printout pasted back together)
        self._resolve_region(record, region_raw, address)
        self._cross_checks(record)
        return record

    def _carried(self, number: int, column: Column, region_raw: dict[str, tuple[str, Column]],
                 field_id: str) -> None:
        """A blank region cell under a merged or group cell: the text above it, said to be carried."""
        carry = self.carry
        assert carry is not None  # only called when the sheet has a merged or grouped region column
        above = carry.last.get(column.index)
        if above is not None and ((number, column.index) in carry.merged or column.index in carry.grouped):
            region_raw[field_id] = ("", column)
            region_raw["carried_" + field_id] = (above, column)

    def _read_code(self, record: Record, raw: Any, column: Column) -> None:
        if values.says_none(raw):
            return  # 无 / 暂无 / “/”: individual carriers often have no licence, hence no code
        code = credit.parse(cell_text(raw))
        record.credit_code = code.value
        record.credit_valid = code.valid
        if not code.valid:
            record.issues.append(self.finding(code.finding, record.row, column, raw, why=code.why))

    def _resolve_region(self, record: Record, raw: dict[str, tuple[str, Column]], address: str | None) -> None:
        mapped = self.mapped
        pref_text, pref_col = raw.get("prefecture", ("", mapped.get("prefecture")))
        county_text, county_col = raw.get("county", ("", mapped.get("county")))
        carried = [(which, raw["carried_" + which][0]) for which in ("prefecture", "county")
                   if "carried_" + which in raw]
        for which, text in carried:
            if which == "county":
                county_text = text
            else:
                pref_text = text
            column = county_col if which == "county" else pref_col
            record.issues.append(self.finding("region-context", record.row, column, text,
                                              source=SOURCE_LABELS["carried"], what=BY_ID[which].label))
        outcome = resolve_region(pref_text, county_text) if (pref_text or county_text) else None
        if outcome is not None:
            record.prefecture, record.county, record.county_code = outcome[0], outcome[1], outcome[2]
            for code, which, params in outcome[3]:
                if code == "region-missing":
                    continue
                column = county_col if which == "county" else pref_col
                value = county_text if which == "county" else pref_text
                record.issues.append(self.finding(code, record.row, column, value or None, **params))
        if record.county is None:
            self._from_context(record, county_col or pref_col, address)

    def _from_context(self, record: Record, column: Column | None, address: str | None) -> None:
        """The row names no county: try the address, the sheet's surroundings, the enterprise's own name
        (尖扎县坎布拉货运部 under a title naming only 黄南州), then the credit code. A source naming only a
        prefecture is kept in reserve while a later one may still name the county within it."""
        sources: list[tuple[str, Place | None]] = [("address", place_in(address) if address else None)]
        sources += list(self.context.ordered())
        sources.append(("name", place_in(record.name) if record.name else None))
        reserve: tuple[str, Place] | None = None
        for source, place in sources:
            if place is None or not fits(place, record.prefecture):
                continue
            if place.county is None:
                if record.prefecture is None and reserve is None:
                    reserve = (source, place)
                continue  # names only a prefecture: the row's own, or one a later source may narrow
            if reserve is not None and not fits(place, reserve[1].prefecture.name):
                continue
            self._placed(record, column, source, place)
            return
        if reserve is not None and self._from_code(record, reserve[1].prefecture.name):
            return
        if reserve is not None:
            self._placed(record, column, *reserve)
            return
        doubt = self.context.file_doubt
        if doubt is not None and "file-doubt" not in self.announced:
            self.announced.add("file-doubt")  # once a sheet: yushu_2018.csv names 玉树州 or 玉树市
            record.issues.append(Finding("region-file-ambiguous", self.sheet.file, self.sheet.name, record.row,
                                         value=doubt[0], params={"options": doubt[1]}))
        if self._from_code(record, record.prefecture):
            return
        if record.prefecture is None and column is not None:
            # (a sheet without region columns: one column-missing warning says so, not one per row)
            record.issues.append(self.finding("region-missing", record.row, column))

    def _placed(self, record: Record, column: Column | None, source: str, place: Place) -> None:
        self._place(record, place)
        if source in ("address", "name") or column is not None:
            record.issues.append(self.finding("region-context", record.row, column, place.words,
                                              source=SOURCE_LABELS[source], what=BY_ID["county"].label))
        elif source not in self.announced:
            # A sheet without a county column: one note for the sheet, not one per row.
            self.announced.add(source)
            record.issues.append(Finding("region-context-sheet", self.sheet.file, self.sheet.name, record.row,
                                         value=place.words, params={"source": SOURCE_LABELS[source]}))

    def _from_code(self, record: Record, prefecture: str | None) -> bool:
        """Last: the registering region in a valid credit code, with a warning (三（一） asks where it
        operates, not where it registered)."""
        if not (record.credit_valid and record.credit_code):
            return False
        division = gazetteer().current(record.credit_code[2:8])
        if division is None:
            return False
        place = Place(division, division.name)
        if not fits(place, prefecture) or (place.county is None and prefecture):
            return False
        self._place(record, place)
        record.issues.append(self.finding("region-from-code", record.row, self.mapped.get("credit_code"),
                                          record.credit_code, place=division.name))
        return True

    @staticmethod
    def _place(record: Record, place: Place) -> None:
        record.prefecture = place.prefecture.name
        if place.county is not None:
            record.county, record.county_code = place.county.name, place.county.code

    def _cross_checks(self, record: Record) -> None:
        mapped = self.mapped
        if record.vehicles_registered is None and record.vehicles_owned is not None \
                and record.vehicles_attached is not None:
            # A form that splits 自有 and 挂靠 gives the registered total as their sum (issue 10, item 3).
            record.vehicles_registered = record.vehicles_owned + record.vehicles_attached
        for part, whole in COUNT_PARTS:
            p, w = getattr(record, part), getattr(record, whole)
            if p is not None and w is not None and p > w:
                record.issues.append(self.finding(
                    "count-inconsistent", record.row, mapped.get(part), p,
                    part_label=BY_ID[part].label, part=p, whole_label=BY_ID[whole].label, whole=w))
        if record.credit_valid and record.credit_code:
            code = credit.Code(record.credit_code, True)
            column = mapped.get("credit_code")
            if record.entity_type is None and code.kind in ("企业", "个体工商户"):
                record.entity_type = code.kind
                record.issues.append(self.finding("code-type", record.row, column, record.credit_code, kind=code.kind))
            elsewhere = registered_elsewhere(code.region_code, record.county_code)
            if elsewhere:
                record.issues.append(self.finding("code-region", record.row, column, record.credit_code,
                                                  registered=elsewhere, declared=record.county))
