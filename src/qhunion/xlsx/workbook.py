"""The annotated workbook staff work from, written with xlsxwriter in constant-memory mode.

Sheets: 判定结果 (the user's rows with the decision beside each, problem cells coloured), 建会方案 (the unions to
form), 汇总 (prefecture/county × decision, with a chart), 数据问题 (every finding, linked to its cell) and 判定依据
(the rule set). Survey text is always written as text: a name like “=HYPERLINK(...)” never becomes a formula.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import itertools
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from qhunion.decide.ruleset import DECISION_CODES, RuleSet
from qhunion.fields import BY_ID, COUNT_FIELDS, FieldKind
from qhunion.findings import Finding, Severity, column_letter
from qhunion.outputs import WORKBOOK, OutputError, atomic_path, closing_zips, same_file, set_marker
from qhunion.pipeline import Result, issues
from qhunion.plan import region_order
from qhunion.recognise.intake import is_blank
from qhunion.records import Record
from qhunion.rules import Decision
from qhunion.xlsx.sheetprint import fitted_widths, pages_wide, print_setup
from qhunion.xlsx.sheetxml import MAX_CELL, Cell, StreamedSheet, cells, style_id, taken_as_rich_text
from qhunion.xlsx.styles import DECISION_COLOURS, SEVERITY_COLOURS, Styles

ADDED = ("判定", "判定理由", "规则", "依据条款", "建会方案", "责任单位", "下一步", "数据问题")
MAX_LINKS = 65_000  # Excel refuses more than 65,530 hyperlinks in one sheet
_PLAIN_INT = re.compile(r"0|[1-9][0-9]{0,14}")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def write_workbook(result: Result, target: Path, only: Path | None = None) -> None:
    """Write the annotated workbook for all records, or for those read from the input ``only``. The caller
    has claimed ``target`` (`outputs.claim`); the input is checked here again, as the last line."""
    import xlsxwriter

    for source in result.survey.paths:
        # `-o survey.xlsx` would replace the survey with its annotated copy: the input is never written.
        if same_file(source, target):
            raise OutputError(target, "这是输入的调查表本身，不能覆盖；请用 -o 指定另一个文件名")
    pairs, findings = (result.pairs, result.all_findings()) if only is None else (
        result.pairs_of(only), result.findings_of(only))
    plan = result.plan_of(only)
    with atomic_path(target) as tmp, closing_zips():
        book = xlsxwriter.Workbook(str(tmp), {
            "constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
            "strings_to_numbers": False, "use_zip64": True,
        })
        book.set_properties({"title": "建会判定结果", "comments": f"规则集 {result.ruleset.stamp}"})
        set_marker(book, WORKBOOK)
        styles = Styles(book)
        located = _decisions_sheet(book, styles, result, pairs)
        _plan_sheet(book, styles, plan)
        _summary_sheet(book, styles, result.ruleset, pairs)
        _findings_sheet(book, styles, findings, located)
        _rules_sheet(book, styles, result.ruleset)
        with _deflate_level(ZIP_LEVEL):
            book.close()


# zlib level for the workbook's parts. xlsxwriter always uses the default, 6, which spent 1.8 s of a 100,000-row
# workbook's 5.8 s compressing 120 MB of sheet XML; level 1 writes it in 4.3 s, and the file is a third larger
# (25 MB instead of 19 MB; level 3: 4.9 s, 22 MB). The annotated workbook is a working copy, made on every run.
ZIP_LEVEL = 1


@contextlib.contextmanager
def _deflate_level(level: int) -> Iterator[None]:
    """xlsxwriter has no option for the level: its ZipFile is given one for the duration of close()."""
    import xlsxwriter.workbook

    original = xlsxwriter.workbook.ZipFile
    xlsxwriter.workbook.ZipFile = functools.partial(original, compresslevel=level)
    try:
        yield
    finally:
        xlsxwriter.workbook.ZipFile = original


def write_value(ws: Any, row: int, col: int, value: Any, fmt: Any = None, date_fmt: Any = None) -> None:
    """One cell, typed: text always as text (never a formula or URL), numbers as numbers."""
    kind = type(value)  # exact types first
    if kind is str and value:
        text = value if len(value) <= MAX_CELL else value[:MAX_CELL]
        if taken_as_rich_text(text):  # as three fragments it is escaped, and reads back as typed
            ws.write_rich_string(row, col, text[:1], text[1:-1], text[-1:], *([fmt] if fmt else []))
        else:
            ws.write_string(row, col, text, fmt)
        return
    if (kind is float or kind is int) and value - value == 0:  # finite: NaN and ±inf give NaN here
        ws.write_number(row, col, value, fmt)
        return
    if value is None or value == "":
        if fmt is not None:
            ws.write_blank(row, col, None, fmt)
        return
    if isinstance(value, bool):
        ws.write_boolean(row, col, value, fmt)
    elif isinstance(value, int | float):
        if value != value or value in (float("inf"), float("-inf")):
            ws.write_string(row, col, str(value), fmt)
        else:
            ws.write_number(row, col, value, fmt)
    elif isinstance(value, dt.datetime | dt.date):
        ws.write_datetime(row, col, value, fmt or date_fmt)
    else:
        ws.write_string(row, col, str(value)[:MAX_CELL], fmt)


def _unheaded(result: Result, pairs: list[tuple[Record, Decision]]) -> dict[tuple[str, str], set[int]]:
    """Per sheet, the absolute columns that hold data but no recognised column (no header, or right of the
    last header): the annotated copy must still carry every value the user typed."""
    known: dict[tuple[str, str], tuple[int, set[int]]] = {
        (lay.file, lay.sheet): (lay.first_column, {c.index for c in lay.columns}) for lay in result.survey.layouts}
    found: dict[tuple[str, str], set[int]] = {}
    spare: dict[tuple[tuple[str, str], int], list[int]] = {}  # (sheet, row width) → positions to look at
    for r, _ in pairs:
        sheet = (r.file, r.sheet)
        offset, columns = known[sheet]
        positions = spare.get((sheet, r.width))
        if positions is None:
            positions = spare[(sheet, r.width)] = [pos for pos in range(r.width) if pos + offset not in columns]
        if not positions:
            continue  # every cell has a header: no need to unpack the row (a quarter of the write phase's unpacking)
        cells = r.cells
        for pos in positions:
            if not is_blank(cells[pos]):
                found.setdefault(sheet, set()).add(pos + offset)
    return found


def _headers(result: Result, pairs: list[tuple[Record, Decision]]) -> tuple[list[str], dict[tuple[str, str], dict[int, int]]]:
    """The union of the sheets' original headers, in order; and per sheet, input column → output column.

    Sheets are aligned by header text. A header that repeats within a sheet (人数 under 货车司机 and again
    under 农民工 in a two-row header) gives one output column per occurrence, named with the field it was
    read as, so no column overwrites another."""
    headers: list[str] = []
    where: dict[tuple[str, int], int] = {}  # (header, occurrence within its sheet) → output column
    maps: dict[tuple[str, str], dict[int, int]] = {}
    wanted = {(r.file, r.sheet) for r, _ in pairs}
    unheaded = _unheaded(result, pairs)
    for lay in result.survey.layouts:
        sheet = (lay.file, lay.sheet)
        if sheet not in wanted:
            continue
        m = maps.setdefault(sheet, {})
        columns = [(c.index, c.header, c.field) for c in lay.columns]
        columns += [(i, "", None) for i in sorted(unheaded.get(sheet, ())) if i not in m]
        columns.sort(key=lambda c: c[0])
        names = [header or f"（{column_letter(index)} 列，无表头）" for index, header, _ in columns]
        repeated = Counter(names)
        seen: Counter[str] = Counter()
        for (index, _, fid), name in zip(columns, names, strict=True):
            seen[name] += 1
            key = (name, seen[name])
            if key not in where:
                where[key] = len(headers)
                shown = name
                if repeated[name] > 1:
                    label = BY_ID[fid].label if fid else name
                    shown = f"{name}（{label if label != name else column_letter(index) + ' 列'}）"
                headers.append(shown)
            m[index] = where[key]
    return headers, maps


Locate = dict[tuple[str, str, int], tuple[int, dict[int, int]]]


def _decisions_sheet(book: Any, st: Styles, result: Result, pairs: list[tuple[Record, Decision]]) -> Locate:
    """Returns where each record landed: (file, sheet, row) → (output row, input column → output column)."""
    ws = book.add_worksheet("判定结果", worksheet_class=StreamedSheet)
    ws.date_style, ws.datetime_style = style_id(st.date), style_id(st.datetime)
    headers, maps = _headers(result, pairs)
    lead = ["来源文件", "工作表", "原行号"]
    first = len(lead)
    added_at = first + len(headers)
    outputs: dict[tuple[str, str], dict[int, int]] = {
        sheet: {i: first + out for i, out in colmap.items()} for sheet, colmap in maps.items()}
    located: Locate = {(r.file, r.sheet, r.row): (n, outputs[(r.file, r.sheet)])
                       for n, (r, _) in enumerate(pairs, start=1)}
    repeating = [first + maps[(lay.file, lay.sheet)][c.index] for lay in result.survey.layouts
                 if (lay.file, lay.sheet) in maps for c in lay.columns if _repeats(c.field)]
    # The file and sheet columns, the typed answers that repeat, the decision columns except 数据问题.
    ws.share_strings([0, 1, *repeating, *range(added_at, added_at + len(ADDED) - 1)])
    titles = [*cells(lead + headers, 0, style_id(st.header)), *cells(ADDED, added_at, style_id(st.added_header))]
    rows = itertools.chain([ws.row(0, titles, height=30)], _decision_rows(ws, st, result, pairs, maps, first, added_at))
    ws.write_rows(rows, last_row=max(len(pairs), 1), last_col=added_at + len(ADDED) - 1)
    last = len(pairs)
    decision_col = added_at
    # Keep the header and everything up to the enterprise name in view while scrolling.
    name_at = min((maps[(lay.file, lay.sheet)][lay.mapped["name"].index] for lay in result.survey.layouts
                   if (lay.file, lay.sheet) in maps and "name" in lay.mapped), default=0)
    ws.freeze_panes(1, first + name_at + 1)
    ws.autofilter(0, 0, max(last, 1), added_at + len(ADDED) - 1)
    for code, fmt in st.decision.items():
        ws.conditional_format(1, decision_col, max(last, 1), decision_col, {
            "type": "cell", "criteria": "==", "value": f'"{result.ruleset.label(code)}"', "format": fmt})
    widths = _typed_widths(result, pairs, maps, lead + headers, first)
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    for offset, width in enumerate(ADDED_WIDTHS):
        ws.set_column(added_at + offset, added_at + offset, width)
    # Thirty-odd columns on one A4 page print at a quarter size: a sheet this wide prints a few pages across
    # instead, each with the enterprise's name (the columns frozen on screen) at its left.
    kept = first + name_at + 1
    wide = pages_wide([*widths, *ADDED_WIDTHS], sum(widths[:kept]))
    print_setup(ws, last, added_at + len(ADDED) - 1, wide=wide, title_cols=kept if wide > 1 else 0)
    return located


# Columns whose answers repeat down a survey; their text goes into the shared string table.
REPEATING_KINDS = frozenset({FieldKind.BOOL, FieldKind.STATUS, FieldKind.ENTITY, FieldKind.GROUP, FieldKind.DOMAIN, FieldKind.PREFECTURE,
                             FieldKind.COUNTY})


def _repeats(field_id: str | None) -> bool:
    return field_id is not None and (BY_ID[field_id].kind in REPEATING_KINDS or field_id == "anchor")


def _decision_rows(ws: StreamedSheet, st: Styles, result: Result, pairs: list[tuple[Record, Decision]],
                   maps: dict[tuple[str, str], dict[int, int]], first: int, added_at: int) -> Iterator[str]:
    """One XML row per record: where it came from, the cells as typed (problem cells coloured), the decision."""
    bad_style = {sev: style_id(fmt) for sev, fmt in st.severity.items()}
    wrap = style_id(st.wrap)
    starts = {(lay.file, lay.sheet): lay.first_column for lay in result.survey.layouts}
    # A form's labels are the columns of its annotated copy (intake.SheetLayout.kind)
    forms = {(lay.file, lay.sheet): {c.header: c.index for c in lay.columns}
             for lay in result.survey.layouts if lay.kind == "form"}
    # Count columns: a plain integer read as text (every CSV cell is text) is written as a number, so that
    # Excel can sum and filter it; codes and phone numbers are not count columns and stay text.
    counts = {(lay.file, lay.sheet): {c.index for c in lay.columns if c.field in COUNT_FIELDS}
              for lay in result.survey.layouts}
    placed: dict[tuple[str, str, int], list[tuple[int, int, int, bool]]] = {}
    # People read the rule's name and the clauses' citations; the ids stay in the CSV/JSON output.
    titles = {rule.id: rule.title for rule in result.ruleset.rules}
    cite = functools.cache(result.ruleset.cite)
    # The added columns' positions and styles, the same on every row: zipped with each row's values.
    added_columns = range(added_at, added_at + len(ADDED))
    added_styles = [wrap if i in WRAPPED_ADDED else 0 for i in range(len(ADDED))]
    for n, (r, d) in enumerate(pairs, start=1):
        row: list[Cell] = [(0, r.file, 0), (1, r.sheet, 0), (2, r.row, 0)]
        form = forms.get((r.file, r.sheet))
        found = issues(r, d)
        bad = _bad_cells(found) if form is None else _bad_form_cells(found, form)
        typed = r.cells
        key = (r.file, r.sheet, len(typed))
        targets = placed.get(key)
        if targets is None:  # where each input position goes, worked out once per sheet and row width
            colmap, offset, count_columns = maps[key[:2]], starts[key[:2]], counts[key[:2]]
            targets = placed[key] = [(pos, pos + offset, first + colmap[pos + offset], pos + offset in count_columns)
                                     for pos in range(len(typed)) if pos + offset in colmap]
        for pos, column, out, is_count in targets:
            value = typed[pos]
            if is_count and type(value) is str and _PLAIN_INT.fullmatch(value):
                value = int(value)
            row.append((out, value, bad_style[bad[column]] if column in bad else 0))
        problems = "；".join(f.text for f in found if f.severity is not Severity.INFO)
        responsible = "、".join(d.responsible) or (f"（{d.responsible_note}）" if d.responsible_note else "")
        if d.responsible and d.responsible_note:
            responsible += "（本工具的理解，见判定依据）"  # the unit is a reading of the text (issue 11)
        values = (d.label, d.explanation, titles.get(d.rule, d.rule), cite(d.clauses), d.proposal_shown, responsible, d.follow_up,
                  problems)
        row.extend(zip(added_columns, values, added_styles, strict=True))
        yield ws.row(n, row)


# Widths of the added columns, ADDED's order; all but 判定 wrap. 判定理由 is the widest: it is read in full.
ADDED_WIDTHS = (10, 48, 16, 22, 26, 18, 26, 30)
WRAPPED_ADDED = frozenset(range(1, len(ADDED)))
WIDTH_SAMPLE = 500  # rows whose values size the columns: the start of a long survey shows its shape
# Free text typed into the survey that is better wrapped onto more lines than printed on one very long one.
WIDEST_TYPED = 30


def _typed_widths(result: Result, pairs: list[tuple[Record, Decision]], maps: dict[tuple[str, str], dict[int, int]],
                  headers: list[str], first: int) -> list[float]:
    """Widths of the source and typed columns from their headers and the first rows: a credit code (18
    characters) shows whole, a 是/否 column stays narrow."""
    starts = {(lay.file, lay.sheet): lay.first_column for lay in result.survey.layouts}
    sample: list[list[Any]] = []
    for r, _ in pairs[:WIDTH_SAMPLE]:
        row: list[Any] = [None] * len(headers)
        row[:first] = [r.file, r.sheet, r.row]
        colmap, offset = maps[(r.file, r.sheet)], starts[(r.file, r.sheet)]
        for pos, value in enumerate(r.cells):
            out = colmap.get(pos + offset)
            if out is not None:
                row[first + out] = value
        sample.append(row)
    return fitted_widths(headers, sample, minimum=5, maximum=WIDEST_TYPED)


def _bad_form_cells(found: list[Finding], columns: dict[str, int]) -> dict[int, Severity]:
    """A form's findings point at the form's own cells; in the annotated copy each label is a column, found by
    the finding's label."""
    bad: dict[int, Severity] = {}
    for f in found:
        at = columns.get(f.header or "")
        if at is not None and f.severity in SEVERITY_COLOURS and bad.get(at) is not Severity.ERROR:
            bad[at] = f.severity
    return bad


def _bad_cells(found: list[Finding]) -> dict[int, Severity]:
    bad: dict[int, Severity] = {}
    for f in found:
        if f.column is not None and f.severity in SEVERITY_COLOURS and bad.get(f.column) is not Severity.ERROR:
            bad[f.column] = f.severity
    return bad


def _plan_sheet(book: Any, st: Styles, plan: list[Any]) -> None:
    ws = book.add_worksheet("建会方案", worksheet_class=StreamedSheet)
    cols = ("拟建工会", "方式", "市（州）", "县（市、区）", "责任单位", "企业数", "职工人数", "货车司机", "农民工",
            "已有会员", "依据", "成员企业")
    wrap = style_id(st.wrap)
    rows = itertools.chain([ws.row(0, cells(cols, 0, style_id(st.header)), height=30)], (
        ws.row(n, [*cells((p.name, p.label, p.prefecture, p.county, p.responsible, p.size, p.employees, p.drivers,
                           p.migrant_workers, p.members), 0, 0),
                   (10, p.citation, wrap), (11, "、".join(p.enterprises), wrap)])
        for n, p in enumerate(plan, start=1)))
    ws.write_rows(rows, last_row=max(len(plan), 1), last_col=len(cols) - 1)
    ws.freeze_panes(1, 1)
    ws.autofilter(0, 0, max(len(plan), 1), len(cols) - 1)
    ws.set_column(0, 0, 32)
    ws.set_column(1, 4, 14)
    ws.set_column(5, 9, 9)
    ws.set_column(10, 10, 24)
    ws.set_column(11, 11, 60)
    print_setup(ws, len(plan), len(cols) - 1)


def _summary_sheet(book: Any, st: Styles, rs: RuleSet, pairs: list[tuple[Record, Decision]]) -> None:
    """Prefectures first (a contiguous block the chart can point at), then every county."""
    ws = book.add_worksheet("汇总")
    labels = [rs.label(c) for c in DECISION_CODES]
    from qhunion.summary import decision_counts

    by_pref, by_county, total = decision_counts(pairs, rs)
    for i, h in enumerate(["市（州）", "", "企业数", *labels]):
        ws.write_string(0, i, h, st.header)
    n = 1
    for pref in sorted(by_pref, key=lambda p: region_order(p, None)):
        _summary_row(ws, n, pref, "", by_pref[pref], None)
        n += 1
    last_pref = n - 1
    _summary_row(ws, n, "全部", "", total, st.header)
    n += 2
    for i, h in enumerate(["市（州）", "县（市、区）", "企业数", *labels]):
        ws.write_string(n, i, h, st.header)
    for (pref, county), counts in sorted(by_county.items(), key=lambda item: region_order(*item[0])):
        n += 1
        _summary_row(ws, n, pref, county, counts, None)
    ws.freeze_panes(1, 0)
    ws.set_column(0, 1, 20)
    ws.set_column(2, len(labels) + 2, 10)
    last_row, last_col = n, len(labels) + 2
    if by_pref:
        chart = book.add_chart({"type": "bar", "subtype": "stacked"})
        for i, label in enumerate(labels):
            chart.add_series({
                "name": label,
                "categories": [ws.name, 1, 0, last_pref, 0],
                "values": [ws.name, 1, 3 + i, last_pref, 3 + i],
                "fill": {"color": DECISION_COLOURS[DECISION_CODES[i]]},
                "border": {"color": "#808080"},
            })
        chart.set_title({"name": "各市（州）建会判定"})
        chart.set_x_axis({"name": "企业数"})
        chart.set_y_axis({"reverse": True})
        height = 320 + 24 * len(by_pref)
        chart.set_size({"width": 760, "height": height})
        # Below the tables, inside the print area: the sheet prints as table then chart, one page wide.
        ws.insert_chart(n + 2, 0, chart)
        last_row = n + 2 + -(-height // 20) + 1  # rows of the default 20 pixels
    print_setup(ws, last_row, last_col)


def _summary_row(ws: Any, n: int, pref: str, county: str, counts: Counter[str], fmt: Any) -> None:
    ws.write_string(n, 0, pref, fmt)
    ws.write_string(n, 1, county, fmt)
    ws.write_number(n, 2, sum(counts.values()), fmt)
    for i, code in enumerate(DECISION_CODES):
        ws.write_number(n, 3 + i, counts[code], fmt)


def _findings_sheet(book: Any, st: Styles, findings: list[Finding], located: Locate) -> None:
    ws = book.add_worksheet("数据问题")
    cols = ("级别", "类别", "文件", "工作表", "行", "列", "表头", "值", "说明", "代码", "转到")  # 类别: the title people read
    for i, h in enumerate(cols):
        ws.write_string(0, i, h, st.header)
    order = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
    links = 0
    for n, f in enumerate(sorted(findings, key=lambda f: order[f.severity]), start=1):
        values = (f.severity.label, f.kind.title, f.file, f.sheet, f.row, f.column_letter, f.header, f.value, f.text,
                  f.code)
        for i, v in enumerate(values):
            write_value(ws, n, i, v, st.wrap if i == len(values) - 1 else None)
        target = located.get((f.file, f.sheet or "", f.row if f.row is not None else -1))
        if target is not None and links < MAX_LINKS:
            # To the cell itself where the finding has a column that was copied; else to the row.
            out_row, columns = target
            out_col = columns.get(f.column, 0) if f.column is not None else 0
            ws.write_url(n, len(values), f"internal:'判定结果'!{column_letter(out_col)}{out_row + 1}", st.link,
                         string="查看该单元格" if out_col else "查看该行")
            links += 1
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(len(findings), 1), len(cols) - 1)
    ws.set_column(0, 1, 14)
    ws.set_column(2, 3, 14)
    ws.set_column(4, 5, 6)
    ws.set_column(6, 7, 16)
    ws.set_column(8, 8, 60)
    ws.set_column(9, 9, 12)
    print_setup(ws, len(findings), len(cols) - 1)


def _rules_sheet(book: Any, st: Styles, rs: RuleSet) -> None:
    from qhunion.decide.rulesdoc import rules_rows

    ws = book.add_worksheet("判定依据")
    ws.write_string(0, 0, f"{rs.meta.title}（{rs.meta.document}）", st.title)
    ws.write_string(1, 0, f"规则集 {rs.stamp}")
    n, widest = 3, 4
    for section, header, rows in rules_rows(rs):
        ws.write_string(n, 0, section, st.title)
        n += 1
        for i, h in enumerate(header):
            ws.write_string(n, i, h, st.header)
        n += 1
        for row in rows:
            for i, v in enumerate(row):
                if isinstance(v, str) and _ISO_DATE.fullmatch(v):  # rules_rows gives dates as ISO text
                    write_value(ws, n, i, dt.date.fromisoformat(v), st.wrap_date)
                else:
                    write_value(ws, n, i, v, st.wrap)
            widest = max(widest, len(row) - 1)
            n += 1
        n += 1
    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 26)
    ws.set_column(2, 2, 80)
    ws.set_column(3, 4, 30)
    ws.set_column(5, widest, 22)
    print_setup(ws, n, widest, title_rows=0)
