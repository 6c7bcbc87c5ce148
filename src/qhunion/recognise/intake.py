"""Finding the survey inside raw sheets and reading it: a table (a header of one or two rows under titles and
填报单位 lines, recognised by meaning — `headers`) or forms (one enterprise per sheet or block — `forms`); then
the rows (`rowreader`), each record given a region from its own cells or its surroundings (`context`).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, NamedTuple

from qhunion.fields import BY_ID
from qhunion.findings import Finding, Severity
from qhunion.io import expand, read_sheets
from qhunion.normalise.text import cell_text
from qhunion.readers.sheet import Sheet, UnreadableFile, file_label
from qhunion.recognise import forms, noheader, panels
from qhunion.recognise.context import SheetContext, sheet_context
from qhunion.recognise.headers import Column, Mapping, normalise_header, recognise, row_score, suggestions
from qhunion.recognise.rowreader import RECORD_FIELDS, Carry, SheetReader, is_blank, is_numbering_row
from qhunion.recognise.rowreader import quoted as quoted
from qhunion.records import Record
from qhunion.timing import TICK, timed, tracker

__all__ = ["RECORD_FIELDS", "SheetLayout", "Survey", "is_blank", "quoted", "read_survey"]

HEADER_SCAN = 30  # rows searched for the header: titles and 填报单位 lines sit above it
FORM_SCAN = 400  # rows of a sheet read as forms (a workbook of forms has a few dozen rows per sheet)
MIN_FIELDS = 3  # name plus two more: a stray 名称 cell in a note is not a survey header
SEQUENCE_HEADERS = frozenset({"序号", "编号", "no", "序", "行号"})


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
    kind: str = "table"  # "table" | "form"
    nearest: noheader.Nearest | None = None  # no header: the row that came nearest, for the sentence said

    @property
    def mapped(self) -> dict[str, Column]:
        return {c.field: c for c in self.columns if c.field}


class Span(NamedTuple):
    """One input's share of a `Survey`'s lists. Records and layouts name their file by name only, and
    d1/s.xlsx and d2/s.xlsx must each get their own annotated workbook and ledger import."""

    records: slice
    findings: slice
    layouts: slice


@dataclass
class Survey:
    """Everything read from the inputs: records, the layouts found, findings not tied to a record, and the
    files that could not be read at all."""

    records: list[Record] = field(default_factory=list)
    layouts: list[SheetLayout] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    unreadable: list[UnreadableFile] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)
    spans: dict[Path, Span] = field(default_factory=dict)
    skipped: list[Path] = field(default_factory=list)  # qhunion's own outputs among the inputs, not read

    @property
    def files(self) -> list[str]:
        """The inputs' names, as findings show them."""
        return [file_label(p) for p in self.paths]

    @property
    def readable_paths(self) -> list[Path]:
        """The inputs that could be read, in order: one ledger import each."""
        unreadable = {Path(u.path) for u in self.unreadable}
        return [p for p in self.paths if p not in unreadable]

    @property
    def without_region(self) -> int:
        """Records no source placed in a prefecture: counted under 地区不明, and said so."""
        return sum(1 for r in self.records if r.prefecture is None)

    def all_findings(self) -> list[Finding]:
        out = list(self.findings)
        for r in self.records:
            out += r.issues
        return out


def is_sequence(header: str) -> bool:
    """序号 and the like: a running number, expected in every survey and never a finding."""
    return normalise_header(header) in SEQUENCE_HEADERS


@dataclass(frozen=True, slots=True)
class Header:
    position: int  # index of its first row in the scanned rows
    height: int
    columns: list[Column]


def find_header(rows: Sequence[tuple[int, list[Any]]], first_column: int,
                mapping: Mapping | None = None, min_fields: int = MIN_FIELDS) -> Header | None:
    """The header among the scanned rows: the one- or two-row reading that explains most (the confidences of
    the fields it maps, an enterprise name among them), or None."""
    best: tuple[int, float, Header] | None = None
    texts = [[cell_text(c) for c in cells] for _, cells in rows]
    for pos, upper in enumerate(texts):
        if sum(1 for t in upper if t) < 2 or _looks_like_data(rows[pos][1]):
            continue
        options: list[tuple[int, list[str] | None]] = [(1, None)]
        if pos + 1 < len(texts) and not _looks_like_data(rows[pos + 1][1]):
            options.append((2, texts[pos + 1]))
        for height, lower in options:
            samples = [cells for _, cells in rows[pos + height:pos + height + 20]]
            columns = recognise(upper, lower, first_column, samples, mapping)
            mapped = sum(1 for c in columns if c.field)
            score = row_score(columns)
            if mapped < min_fields or score <= 0:
                continue
            # A second header row must name something itself (人数 under 货车司机): otherwise it is data.
            if height == 2 and not any(c.from_lower and c.field for c in columns):
                continue
            # More fields wins; with as many, a clearly better reading (not a header repeated further down,
            # whose sample rows merely fit a little better).
            if best is None or mapped > best[0] or (mapped == best[0] and score > best[1] + 1.0):
                best = (mapped, score, Header(pos, height, columns))
    # Three rows (企业基本情况 / 车辆情况 over 车辆数 over 自有 | 挂靠): the top two read as one group row. Only
    # when that names more than any other reading (or there is none) — a title over a two-row header must not
    # pass for one.
    for pos in range(len(texts) - 2):
        top, middle, lower = texts[pos:pos + 3]
        if sum(1 for t in top if t) < 2 or any(_looks_like_data(rows[p][1]) for p in range(pos, pos + 3)):
            continue
        samples = [cells for _, cells in rows[pos + 3:pos + 23]]
        columns = recognise(_groups(top, middle, lower), lower, first_column, samples, mapping)
        mapped = sum(1 for c in columns if c.field)
        if mapped >= min_fields and (best is None or mapped > best[0]) and row_score(columns) > 0:
            best = (mapped, row_score(columns), Header(pos, 3, columns))
    return best[2] if best else None


def _header_columns(rows: Sequence[tuple[int, list[Any]]], first_column: int,
                    mapping: Mapping | None) -> list[Column] | None:
    header = find_header(rows, first_column, mapping)
    return header.columns if header else None


def _groups(top: list[str], middle: list[str], lower: list[str]) -> list[str]:
    """Each column's top and middle header text, a merged cell's text carried over the columns it spans."""
    out: list[str] = []
    group = part = ""
    for i in range(max(len(top), len(middle), len(lower))):
        t, m, lo = (_at(row, i) or "" for row in (top, middle, lower))
        group = t or (group if m or lo else "")
        part = m or (part if lo and not t else "")
        out.append(f"{group} {part}" if group and part and group != part else group or part)
    return out


def _looks_like_data(cells: Sequence[Any]) -> bool:
    """A row holding numbers (or the 1 2 3 numbering row), or place names and sentences, is data, not the
    second row of a header."""
    from qhunion.normalise.regions import gazetteer

    g = gazetteer()
    wordy = 0
    for c in cells:
        if isinstance(c, int | float) and not isinstance(c, bool):
            return True
        if not isinstance(c, str) or not c.strip():
            continue
        text = c.strip()
        if text.isdigit():
            return True
        if len(text) > 30 or g.county(text) or g.prefecture(text):
            wordy += 1
    return wordy >= 2


def read_sheet(sheet: Sheet, keep_cells: bool = True, mapping: Mapping | None = None,
               min_fields: int = MIN_FIELDS) -> tuple[SheetLayout, Iterator[Record], list[Finding]]:
    """Find the survey in a sheet. Returns its layout, a lazy iterator of its records, and a list that
    collects the findings not tied to a record (filled as the iterator runs)."""
    layout = SheetLayout(sheet.file, sheet.name, encoding=sheet.encoding, first_column=sheet.first_column)
    notes: list[Finding] = []
    rows = iter(timed("read", sheet.rows))  # calamine's own time, apart from ours (QHUNION_TIMINGS)
    head = list(islice(rows, HEADER_SCAN))
    header = find_header(head, sheet.first_column, mapping, min_fields)
    if header is None:
        head += list(islice(rows, FORM_SCAN - len(head)))
        form = _read_forms(sheet, layout, head, notes, keep_cells)
        if form is not None:
            return layout, form, notes
        layout.skipped = "hidden" if not sheet.visible else ("empty" if not head else "no-header")
        if layout.skipped == "no-header":  # a hidden sheet is never offered as the nearest header
            layout.nearest = noheader.nearest(sheet.name, head[:HEADER_SCAN], sheet.first_column, mapping,
                                              _looks_like_data)
        code = "sheet-hidden" if not sheet.visible else "sheet-skipped"
        why = "（工作表为空）" if not head else ""
        notes.append(Finding(code, sheet.file, sheet.name, params={"why": why}))
        return layout, iter(()), notes
    pos, height, columns = header.position, header.height, header.columns
    layout.header_rows = tuple(head[pos + i][0] for i in range(height))
    layout.columns = columns
    if sheet.encoding:
        notes.append(Finding("encoding-used", sheet.file, sheet.name, params={"encoding": sheet.encoding}))
    context = sheet_context(sheet.file, sheet.name, (cells for _, cells in head[:pos]))
    notes += _column_notes(sheet, layout, context)
    below = head[pos + height:]
    if below and is_numbering_row(below[0][1]):
        below = below[1:]
    carry = _carry(sheet, layout, below)
    offset = sheet.first_column
    reader = SheetReader(sheet, [(c.index - offset, c) for c in columns], notes, context, carry, keep_cells)

    def data() -> Iterator[tuple[int, list[Any]]]:
        yield from below
        yield from rows

    progress = tracker()
    progress.file(sheet.file, sheet.name)

    def counted() -> Iterator[Record]:
        for record in reader.records(data()):
            layout.records += 1
            if not layout.records % TICK:
                progress.rows(layout.records)
            yield record

    return layout, counted(), notes


def _carry(sheet: Sheet, layout: SheetLayout, sample: Sequence[tuple[int, list[Any]]]) -> Carry | None:
    """Which region columns carry a value down: cells under a vertical merge, and columns filled only on the
    first row of each group (a CSV export of a merged sheet, or a county written once above its enterprises)."""
    region = [c for c in layout.columns if c.field in ("prefecture", "county")]
    merged: set[tuple[int, int]] = set()
    for (r0, c0), (r1, c1) in sheet.merged:
        for c in region:
            if c0 <= c.index <= c1 and r1 > r0:
                merged.update((r + 1, c.index) for r in range(r0 + 1, r1 + 1))
    grouped: set[int] = set()
    name = layout.mapped.get("name")
    offset = sheet.first_column
    for c in region:
        filled = gaps = 0
        previous = False
        for _, cells in sample:
            has_name = name is not None and not is_blank(_at(cells, name.index - offset))
            if not has_name:
                continue
            here = not is_blank(_at(cells, c.index - offset))
            if here:
                filled += 1
            elif previous or gaps:
                gaps += 1
            previous = here
        if filled and gaps >= 2 and gaps >= filled:  # a flat table with a few blanks is not grouped
            grouped.add(c.index)
    return Carry(merged, grouped, {}) if merged or grouped else None


def _at(cells: Sequence[Any], pos: int) -> Any:
    return cells[pos] if 0 <= pos < len(cells) else None


def _read_forms(sheet: Sheet, layout: SheetLayout, rows: list[tuple[int, list[Any]]], notes: list[Finding],
                keep_cells: bool) -> Iterator[Record] | None:
    """A sheet of label/value forms: each block a record, its fields as the sheet's columns."""
    entries = forms.read_entries(rows, sheet.first_column)
    found = forms.blocks(entries)
    if not found:
        return None
    order: dict[str, Column] = {}
    for block in found:
        for e in block:
            order.setdefault(e.field, Column(len(order), e.label, e.field, confidence=1.0))
    layout.kind = "form"
    layout.first_column = 0
    layout.columns = list(order.values())
    layout.header_rows = (found[0][0].row,)
    first_label_row = min(e.row for e in entries)
    context = sheet_context(sheet.file, sheet.name, (cells for number, cells in rows if number < first_label_row))

    def records() -> Iterator[Record]:
        for block in found:
            placed = {e.field: e for e in block}
            columns = [(c.index, Column(c.index, placed[fid].label if fid in placed else c.header, fid,
                                        cell=(placed[fid].row, placed[fid].column) if fid in placed else None))
                       for fid, c in order.items()]
            cells = [placed[fid].value if fid in placed else None for fid in order]
            reader = SheetReader(sheet, columns, notes, context, None, keep_cells)
            record = reader.read_row(placed["name"].row, cells)
            if record is not None:
                layout.records += 1
                yield record

    return records()


def _column_notes(sheet: Sheet, layout: SheetLayout, context: SheetContext) -> list[Finding]:
    from qhunion.findings import column_letter

    notes: list[Finding] = []
    row = layout.header_rows[-1]
    mapped = layout.mapped
    doubtful = {s.column.index: s for s in suggestions(layout.columns)}
    for c in layout.columns:
        if c.index in doubtful:
            s = doubtful[c.index]
            notes.append(Finding("column-unsure" if c.field else "column-guess", sheet.file, sheet.name, row,
                                 c.index, c.header, params={"text": s.reading, "map": s.correction if c.field else s.map_item}))
        elif c.duplicate is not None and c.duplicate.field is not None:
            notes.append(Finding("column-duplicate", sheet.file, sheet.name, row, c.index, c.header, params={
                "other": column_letter(c.duplicate.index), "label": BY_ID[c.duplicate.field].label}))
        elif c.field is None and not is_sequence(c.header) and c.via != "map":
            notes.append(Finding("column-unmapped", sheet.file, sheet.name, row, c.index, c.header))
    wanted = {
        "vehicles_owned": "，将按登记车辆数判定" if "vehicles_registered" in mapped else "，无法按车辆数判定单独建会",
        "employees": "，无法按职工人数判定单独建会",
        "county": "，将从地址、工作表名、标题或文件名推断县（市、区）" if "prefecture" not in mapped
                  else "，将从地址、工作表名、标题或文件名推断，推断不出时只按市（州）汇总",
    }
    if any(place is not None and place.county is not None for _, place in context.ordered()):
        del wanted["county"]  # the sheet's name, title or file names the county: each row says where it took it
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


def read_survey(inputs: Iterable[str | Path], encoding: str | None = None, keep_cells: bool = True,
                mapping: Mapping | None = None) -> Survey:
    """Read every file, sheet and row. Files that cannot be read are collected, not raised, so one bad
    file does not stop a county batch. ``mapping``: the user's --map corrections, applied to every sheet."""
    survey = Survey()
    for path in expand((str(p) for p in inputs), survey.skipped):
        survey.paths.append(path)
        records, findings, layouts = len(survey.records), len(survey.findings), len(survey.layouts)
        read_file(path, survey, encoding, keep_cells, mapping)
        survey.spans[path] = Span(slice(records, len(survey.records)), slice(findings, len(survey.findings)),
                                  slice(layouts, len(survey.layouts)))
    duplicate_codes(survey.records, survey.layouts)
    return survey


def read_file(path: Path, survey: Survey, encoding: str | None = None, keep_cells: bool = True,
              mapping: Mapping | None = None) -> None:
    start = len(survey.records)
    layouts_before = len(survey.layouts)
    findings_before = len(survey.findings)
    try:
        for whole in read_sheets(path, encoding):
            find = functools.partial(_header_columns, first_column=whole.first_column, mapping=mapping)
            sheets, notes = panels.split(whole, find, HEADER_SCAN)  # tables side by side: each read on its own
            survey.findings.extend(notes)
            # A table split off a wider header row is known to be one, and columns the user named with --map are
            # taken at their word: the name and one more field will do (else the line `check` offers loops).
            named = any(field is not None for field in (mapping or {}).values())
            fewest = MIN_FIELDS if len(sheets) == 1 and not named else 2
            for sheet in sheets:
                layout, records, notes = read_sheet(sheet, keep_cells, mapping, fewest)
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
                  else noheader.reason(path, [lay.nearest for lay in layouts], is_sequence))
        survey.unreadable.append(UnreadableFile(path, reason))
        return
    # A sheet that looks like a survey — enterprises named, and more — but has no header the reader accepts
    # (祁连县 beside 门源县) is a county's records left out: a warning with what was seen and the --map line,
    # not a quiet note. (A 填表说明 sheet names fields, never a column of enterprises.)
    for lay in layouts:
        near = lay.nearest
        if near is not None and len(near.recognised) >= 2 and any(
                c.field == "name" or any(f == "name" for f, _ in c.candidates) for c in near.recognised):
            survey.findings.append(Finding("sheet-unread", lay.file, lay.sheet,
                                           params={"why": noheader.reason(path, [lay.nearest], is_sequence, by_header=True)}))


def error_count(findings: Iterable[Finding]) -> int:
    return sum(1 for f in findings if f.severity is Severity.ERROR)
