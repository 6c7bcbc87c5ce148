"""Recognising the survey inside raw sheets: find the header (one row or a two-row merged header under a
title), map columns to canonical fields, skip filler, totals and notes rows, and turn every data row into a
`Record` with findings placed at their cells.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from itertools import islice
from pathlib import Path
from typing import Any

from . import credit, fields, values
from .fields import BY_ID, COUNT_PARTS, PERSONAL_FIELDS, Kind
from .findings import Finding, Severity, column_letter
from .io import Sheet, Uncached, UnreadableFile, expand, read_sheets
from .places import _registered_elsewhere, resolve_region
from .records import Record, pack
from .text import fold, has_control, header_key, strip_control
from .timing import timed

RECORD_FIELDS = frozenset(Record.__dataclass_fields__)  # the rest is checked, then left in the packed row
HEADER_SCAN = 30  # rows searched for the header: titles and 填报单位 lines sit above it
MIN_FIELDS = 3  # name plus two more: a stray 名称 cell in a note is not a survey header

# Rows that are not enterprises: totals, notes, signatures, and the template's example row. Matched on the
# first cells of a row (spaces removed). A totals word must stand alone or label a count — “合计”, “合计：”,
# “合计（12户）”, “合计户数” — so that an enterprise named 合计物流有限公司 is still read.
_FOOTER = re.compile(r"^(?:(?:示例|合计|小计|总计|共计|累计|总数)(?:$|[^\u4e00-\u9fff]|[\u4e00-\u9fff]{0,3}数)"
                     r"|填表说明|填报说明|说明|备注|注[:：]|注\d|审核人|制表|填表人|填报人|负责人[:：])")
_IGNORED_HEADERS = frozenset({"序号", "编号", "no", "序", "行号"})
_BRACKETED = re.compile(r"[(（\[【〔][^)）\]】〕]*[)）\]】〕]")


@cache
def _spelling_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for f in fields.FIELDS:
        for spelling in (f.label, *f.spellings):
            index.setdefault(header_key(spelling), f.id)
    return index


# No header spelling is near this long; longer cells (notes, a pasted paragraph) are not matched at all, which
# also keeps the bracket patterns below from going quadratic on 100,000 “(”.
MAX_HEADER = 100


def match_header(text: str) -> str | None:
    """A header cell → field id, or None. ``实际拥有车辆数（辆）`` and ``实际拥有车辆数(不含挂靠)`` both match."""
    if len(text) > MAX_HEADER:
        return None
    index = _spelling_index()
    key = header_key(text)
    if key in index:
        return index[key]
    bare = header_key(_BRACKETED.sub("", fold(text)))
    return index.get(bare) if bare else None


@dataclass(slots=True)
class Column:
    index: int  # absolute 0-based column
    header: str  # as shown to users: the lower header cell, or the only one
    field: str | None
    duplicate: Column | None = None  # an earlier column already holding the field this header names
    from_lower: bool = False  # named by the second row of a two-row header (人数 under 货车司机)


@dataclass
class SheetLayout:
    file: str
    sheet: str
    header_rows: tuple[int, ...] = ()
    columns: list[Column] = field(default_factory=list)
    records: int = 0
    skipped: str | None = None  # why the sheet was not read as a survey
    encoding: str | None = None
    first_column: int = 0  # absolute column of each record's cells[0]

    @property
    def mapped(self) -> dict[str, Column]:
        return {c.field: c for c in self.columns if c.field}


@dataclass
class Survey:
    """Everything read from the inputs: records, the layouts found, findings not tied to a record, and the
    files that could not be read at all."""

    records: list[Record] = field(default_factory=list)
    layouts: list[SheetLayout] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    unreadable: list[UnreadableFile] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)

    @property
    def files(self) -> list[str]:
        """The inputs' names, as findings show them."""
        return [p.name for p in self.paths]

    def all_findings(self) -> list[Finding]:
        out = list(self.findings)
        for r in self.records:
            out += r.issues
        return out


def _text(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():  # not inf or NaN, which a crafted .xlsx can hold
        return str(int(cell))
    return str(cell).strip()


# A finding quotes at most this much of a cell: a 100,000-character cell must not flood the terminal or JSON.
MAX_QUOTED = 60


def _quoted(cell: Any) -> str:
    """A cell's text as a finding quotes it: control characters (a terminal's escape sequences) removed,
    ID card and mobile numbers typed into the wrong column masked, and cut short."""
    text = _text(cell)
    if has_control(text):
        text = strip_control(text)
    if len(text) >= 11 and _DIGIT_RUN.search(text):
        text = _ID_OR_MOBILE.sub(_mask, text)
    return text if len(text) <= MAX_QUOTED else text[:MAX_QUOTED] + "…"


# A resident ID number (GB 11643: region, birth date, sequence, check character) or a mobile number, standing
# alone in a cell's text: an 个体户's ID typed into the credit-code column, a phone into a count column.
_DIGIT_RUN = re.compile(r"\d{11}")
_ID_OR_MOBILE = re.compile(r"(?<![0-9A-Za-z])(?:\d{6}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[0-9Xx]"
                           r"|1[3-9]\d{9})(?![0-9A-Za-z])")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _mask(match: re.Match[str]) -> str:
    number = match.group()
    if len(number) == 11:
        return number[:3] + "****" + number[-4:]
    check = "10X98765432"[sum(int(d) * w for d, w in zip(number, _ID_WEIGHTS, strict=False)) % 11]
    if number[-1].upper() != check:
        return number  # an 18-digit credit code, not an ID number
    return number[:6] + "********" + number[-4:]


def is_blank(cell: Any) -> bool:
    """Empty, or only spaces: people “clear” cells by typing a space."""
    return cell is None or (isinstance(cell, str) and (not cell or cell.isspace()))


# Under a union-membership group (工会会员情况 → 会员人数 / 其中：货车司机 / 其中：农民工) a sub-header
# names members of that group, not workers.
_MEMBERSHIP = re.compile(r"会员|入会")
_MEMBER_FIELDS = {"drivers": "driver_members", "migrant_workers": "migrant_members"}


def _map_columns(upper: list[str], lower: list[str] | None, first_column: int) -> list[Column]:
    columns: list[Column] = []
    taken: dict[str, Column] = {}
    group = ""
    width = max(len(upper), len(lower or []))
    for i in range(width):
        u = upper[i] if i < len(upper) else ""
        lo = (lower[i] if i < len(lower) else "") if lower is not None else ""
        if lower is not None:
            # A merged group cell (车辆情况) spans the sub-headers to its right; Excel keeps its text only in
            # the first cell and CSV exports leave the rest blank, so carry it across.
            group = u or (group if lo else "")
            candidates = [group + lo, lo, u] if lo else [u]
        else:
            candidates = [u]
        shown = _quoted(lo or u) if len(lo or u) > MAX_HEADER else lo or u
        found = None
        duplicate = None
        for text in candidates:
            fid = match_header(text) if text else None
            if fid is None:
                continue
            if text == lo and _MEMBERSHIP.search(group):
                fid = _MEMBER_FIELDS.get(fid, fid)
            if fid not in taken:
                found = fid
                break
            duplicate = duplicate or taken[fid]
        if shown or found:
            column = Column(first_column + i, shown, found, None if found else duplicate,
                            from_lower=bool(found and lo and (not u or match_header(u) != found)))
            columns.append(column)
            if found:
                taken[found] = column
    return columns


def _score(columns: list[Column]) -> int:
    mapped = {c.field for c in columns if c.field}
    return len(mapped) if "name" in mapped else 0


def find_header(rows: list[tuple[int, list[Any]]], first_column: int) -> tuple[int, int, list[Column]] | None:
    """(first header row position, number of header rows, columns) in the scanned rows, or None."""
    best: tuple[int, int, int, list[Column]] | None = None
    texts = [[_text(c) for c in cells] for _, cells in rows]
    for pos, upper in enumerate(texts):
        if sum(1 for t in upper if t) < 2:
            continue
        options = [(1, _map_columns(upper, None, first_column))]
        if pos + 1 < len(texts):
            options.append((2, _map_columns(upper, texts[pos + 1], first_column)))
        for height, columns in options:
            score = _score(columns)
            # On a tie the two-row reading wins when its second row names a field itself (人数 under 货车司机):
            # otherwise that row is data below a one-row header.
            tie = (best is not None and score == best[0] and best[1] == pos and height == 2
                   and any(c.from_lower for c in columns))
            if score >= MIN_FIELDS and (best is None or score > best[0] or tie):
                best = (score, pos, height, columns)
    if best is None:
        return None
    return best[1], best[2], best[3]


def _is_footer(cells: list[Any]) -> bool:
    seen = 0
    for cell in cells:
        text = _text(cell)
        if not text:
            continue
        if _FOOTER.match(text.replace(" ", "").replace("\u3000", "")):
            return True
        seen += 1
        if seen == 3:
            break
    return False


class _NotPersonal(str):
    """Text a finding may quote even in a personal column: an Excel error value or a formula, not a person's
    name or number."""


MEMO_LIMIT = 100_000  # distinct parsed cells kept per sheet


class SheetReader:
    """Turns one sheet's raw rows into records. Parsing plans are computed once per sheet."""

    def __init__(self, sheet: Sheet, layout: SheetLayout, data_rows: Iterable[tuple[int, list[Any]]],
                 notes: list[Finding], keep_cells: bool = True) -> None:
        self.keep_cells = keep_cells  # the row as typed is only needed for the annotated workbook
        self.sheet = sheet
        self.notes = notes  # findings of rows that yield no record
        self.layout = layout
        self.data_rows = data_rows
        offset = sheet.first_column
        # Per mapped column: position in the row, the column, how to parse it, and the record field it fills.
        self.plan = [
            (c.index - offset, c, BY_ID[c.field].kind, c.field, c.field if c.field in RECORD_FIELDS else None)
            for c in layout.columns if c.field is not None
        ]
        self.mapped = layout.mapped  # computed once: read_row runs for every row
        name_header = self.mapped["name"].header
        self.header_names = {name_header, fold(name_header), BY_ID["name"].label}
        # Counts, yes/no answers and categories repeat down a sheet (3, 是, 正常, 个体货运户): each distinct
        # cell is parsed once. Keyed with its type, since 1, 1.0 and True are one dict key but parse apart.
        self.parsed: dict[tuple[Kind, type, Any], values.Parsed] = {}

    def finding(self, code: str, row: int, column: Column | None, value: Any = None, **params: Any) -> Finding:
        """A finding at a cell, quoting the cell — except in personal columns (联系人, 电话, 身份证号): their
        content stays in the user's own workbook and never reaches a report, a log or the terminal."""
        if column is not None and column.field in PERSONAL_FIELDS and not isinstance(value, _NotPersonal):
            value = None
        return Finding(
            code, self.sheet.file, self.sheet.name, row,
            column.index if column else None, column.header if column else None,
            None if value is None else _quoted(value), params,
        )

    def __iter__(self) -> Iterator[Record]:
        for number, cells in self.data_rows:
            record = self.read_row(number, cells)
            if record is not None:
                self.layout.records += 1
                yield record

    def read_row(self, number: int, cells: list[Any]) -> Record | None:
        if all(is_blank(c) for c in cells) or _is_footer(cells):
            return None
        record = Record(self.sheet.file, self.sheet.name, number, pack(cells) if self.keep_cells else b"")
        issues = record.issues
        has_data = False
        region_raw: dict[str, tuple[str, Column]] = {}
        width = len(cells)
        for pos, column, kind, field_id, attribute in self.plan:
            raw = cells[pos] if pos < width else None
            if raw is None:
                continue
            if isinstance(raw, str):
                if not raw or raw.isspace():  # is_blank, inline: this runs for every cell of a survey
                    continue
                if type(raw) is Uncached or ("#" in raw and raw.strip() in values.EXCEL_ERRORS):
                    # #REF! and the like, and formulas saved without a result: never a value, in any column
                    has_data = True
                    issues.append(self.finding("formula-uncached" if type(raw) is Uncached else "cell-error",
                                               number, column, _NotPersonal(raw.strip())))
                    continue
            has_data = True
            if kind is Kind.TEXT:
                value, code, params = values.parse_text(raw)
            elif kind is Kind.PREFECTURE or kind is Kind.COUNTY:
                region_raw[field_id] = (_text(raw), column)
                continue
            elif kind is Kind.CODE:
                self._read_code(record, raw, column)
                continue
            else:
                key = (kind, type(raw), raw)
                parsed = self.parsed.get(key)
                if parsed is None:
                    parsed = values.PARSERS[kind](raw)
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
        self._resolve_region(record, region_raw)
        self._cross_checks(record)
        return record

    def _read_code(self, record: Record, raw: Any, column: Column) -> None:
        if values.says_none(raw):
            return  # 无 / 暂无 / “/”: individual carriers often have no licence, hence no code
        code = credit.parse(_text(raw))
        record.credit_code = code.value
        record.credit_valid = code.valid
        if not code.valid:
            record.issues.append(self.finding(code.finding, record.row, column, raw, why=code.why))

    def _resolve_region(self, record: Record, raw: dict[str, tuple[str, Column]]) -> None:
        mapped = self.mapped
        if "prefecture" not in mapped and "county" not in mapped:
            return  # a sheet without region columns: one column-missing warning says so, not one per row
        # A blank cell's findings (region-missing) still belong in its column.
        pref_text, pref_col = raw.get("prefecture", ("", mapped.get("prefecture")))
        county_text, county_col = raw.get("county", ("", mapped.get("county")))
        outcome = resolve_region(pref_text, county_text)
        record.prefecture, record.county, record.county_code = outcome[0], outcome[1], outcome[2]
        for code, which, params in outcome[3]:
            column = county_col if which == "county" else pref_col
            value = county_text if which == "county" else pref_text
            record.issues.append(self.finding(code, record.row, column, value or None, **params))

    def _cross_checks(self, record: Record) -> None:
        mapped = self.mapped
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
            elsewhere = _registered_elsewhere(code.region_code, record.county_code)
            if elsewhere:
                record.issues.append(self.finding("code-region", record.row, column, record.credit_code,
                                                  registered=elsewhere, declared=record.county))


def read_sheet(sheet: Sheet, keep_cells: bool = True) -> tuple[SheetLayout, Iterator[Record], list[Finding]]:
    """Find the survey in a sheet. Returns its layout, a lazy iterator of its records, and a list that
    collects the findings not tied to a record (filled as the iterator runs)."""
    layout = SheetLayout(sheet.file, sheet.name, encoding=sheet.encoding, first_column=sheet.first_column)
    notes: list[Finding] = []
    rows = iter(timed("read", sheet.rows))  # calamine's own time, apart from ours (QHUNION_TIMINGS)
    head = list(islice(rows, HEADER_SCAN))
    found = find_header(head, sheet.first_column)
    if found is None:
        layout.skipped = "hidden" if not sheet.visible else ("empty" if not head else "no-header")
        code = "sheet-hidden" if not sheet.visible else "sheet-skipped"
        why = "（工作表为空）" if not head else ""
        notes.append(Finding(code, sheet.file, sheet.name, params={"why": why}))
        return layout, iter(()), notes
    pos, height, columns = found
    layout.header_rows = tuple(head[pos + i][0] for i in range(height))
    layout.columns = columns
    if sheet.encoding:
        notes.append(Finding("encoding-used", sheet.file, sheet.name, params={"encoding": sheet.encoding}))
    notes += _column_notes(sheet, layout)

    def data() -> Iterator[tuple[int, list[Any]]]:
        yield from head[pos + height:]
        yield from rows

    return layout, iter(SheetReader(sheet, layout, data(), notes, keep_cells)), notes


def is_sequence(header: str) -> bool:
    """序号 and the like: a running number, expected in every survey and never a finding."""
    return header_key(header) in _IGNORED_HEADERS


def _column_notes(sheet: Sheet, layout: SheetLayout) -> list[Finding]:
    notes: list[Finding] = []
    row = layout.header_rows[-1]
    mapped = layout.mapped
    for c in layout.columns:
        if c.duplicate is not None and c.duplicate.field is not None:
            notes.append(Finding("column-duplicate", sheet.file, sheet.name, row, c.index, c.header, params={
                "other": column_letter(c.duplicate.index), "label": BY_ID[c.duplicate.field].label}))
        elif c.field is None and not is_sequence(c.header):
            notes.append(Finding("column-unmapped", sheet.file, sheet.name, row, c.index, c.header))
    wanted = {
        "vehicles_owned": "，将按登记车辆数判定" if "vehicles_registered" in mapped else "，无法按车辆数判定单独建会",
        "employees": "，无法按职工人数判定单独建会",
        "county": "，将只按市（州）汇总" if "prefecture" in mapped else "，无法按地区判定和汇总",
    }
    for fid, why in wanted.items():
        if fid not in mapped:
            notes.append(Finding("column-missing", sheet.file, sheet.name, row,
                                 params={"label": BY_ID[fid].label, "why": why}))
    return notes


def duplicate_codes(records: Iterable[Record], layouts: Iterable[SheetLayout] = ()) -> None:
    """The same valid credit code twice, within or across files: flag every later occurrence, at its
    credit-code cell, naming the first as precisely as needed (row; sheet and row; or file, sheet and row)."""
    columns = {(lay.file, lay.sheet): lay.mapped.get("credit_code") for lay in layouts}
    first: dict[str, Record] = {}
    for r in records:
        if not (r.credit_valid and r.credit_code):
            continue
        seen = first.setdefault(r.credit_code, r)
        if seen is not r:
            if seen.file != r.file:
                other = f"{seen.file} › {seen.sheet} › 第 {seen.row} 行"
            elif seen.sheet != r.sheet:
                other = f"{seen.sheet} › 第 {seen.row} 行"
            else:
                other = f"第 {seen.row} 行"
            column = columns.get((r.file, r.sheet))
            r.issues.append(Finding("code-duplicate", r.file, r.sheet, r.row, column.index if column else None,
                                    column.header if column else BY_ID["credit_code"].label,
                                    r.credit_code, {"other": other}))


def read_survey(inputs: Iterable[str | Path], encoding: str | None = None, keep_cells: bool = True) -> Survey:
    """Read every file, sheet and row. Files that cannot be read are collected, not raised, so one bad
    file does not stop a county batch."""
    survey = Survey()
    for path in expand(str(p) for p in inputs):
        survey.paths.append(path)
        read_file(path, survey, encoding, keep_cells)
    duplicate_codes(survey.records, survey.layouts)
    return survey


def read_file(path: Path, survey: Survey, encoding: str | None = None, keep_cells: bool = True) -> None:
    start = len(survey.records)
    layouts_before = len(survey.layouts)
    findings_before = len(survey.findings)
    try:
        for sheet in read_sheets(path, encoding):
            layout, records, notes = read_sheet(sheet, keep_cells)
            survey.layouts.append(layout)
            survey.records.extend(records)
            survey.findings.extend(notes)
    except UnreadableFile as exc:
        # All or nothing: a file that breaks halfway contributes no records and no findings.
        del survey.records[start:]
        del survey.layouts[layouts_before:]
        del survey.findings[findings_before:]
        survey.unreadable.append(exc)
        return
    layouts = survey.layouts[layouts_before:]
    if not any(lay.skipped is None for lay in layouts):
        reason = ("工作簿中没有任何数据，请检查是否发错了文件" if all(lay.skipped == "empty" for lay in layouts)
                  else "没有找到调查表表头（至少需要“企业名称”等三列），请使用 qhunion template 生成的模板或检查表头")
        survey.unreadable.append(UnreadableFile(path, reason))


def errors(findings: Iterable[Finding]) -> int:
    return sum(1 for f in findings if f.severity is Severity.ERROR)
