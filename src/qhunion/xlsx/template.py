"""The survey template to hand out: the canonical header from `fields.FIELDS`, drop-down lists, number
checks, a 填表说明 sheet that says what every column means, and one example row (skipped when read back).

Codes and phone numbers are text-formatted columns: typed into a General cell, an 18-digit code becomes
1.2E+17 and loses its last digits. The operator's 身份证号 is not asked for (个人信息保护法: collect the
minimum); the reader still knows the column in county forms that have one. The county drop-down offers the
counties of the 市（州） chosen in the same row, through one defined name per prefecture (ASCII names, which
every Excel, WPS and LibreOffice accept) and INDIRECT over a name → prefecture table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qhunion.decide.ruleset import packaged
from qhunion.fields import DOMAINS, ENTITY_TYPES, FIELDS, GROUPS, STATUSES, Field, FieldKind
from qhunion.normalise.regions import gazetteer
from qhunion.outputs import TEMPLATE, atomic_path, closing_zips, set_marker
from qhunion.xlsx.sheetprint import print_setup
from qhunion.xlsx.styles import Styles

SHEET = "调查表"
HELP_SHEET = "填表说明"
EXAMPLE_MARK = "示例"  # first cell of the example row; the reader skips such rows
ROWS = 2000  # rows that get drop-downs and checks
PRINTED_ROWS = 30
NOT_ASKED = frozenset({"id_number"})
TEMPLATE_FIELDS: tuple[Field, ...] = tuple(f for f in FIELDS if f.id not in NOT_ASKED)
TEXT_KINDS = frozenset({FieldKind.CODE})
TEXT_FIELDS = frozenset({"phone"})  # long numbers that are not amounts
PREFECTURE_NAME = "QH_PREF_{}"  # a prefecture's counties; numbered in the gazetteer's order
COUNTIES_NAME = "QH_COUNTIES"  # every county: offered while no 市（州） is chosen
PREFECTURE_MAP = "QH_PREF_MAP"  # prefecture's name → its defined name


def _choices() -> dict[FieldKind, list[str]]:
    g = gazetteer()
    return {
        FieldKind.PREFECTURE: [d.name for d in g.prefectures()],
        FieldKind.COUNTY: [d.name for d in g.counties()],
        FieldKind.ENTITY: list(ENTITY_TYPES),
        FieldKind.STATUS: list(STATUSES),
        FieldKind.BOOL: ["是", "否"],
        FieldKind.DOMAIN: list(DOMAINS),
        FieldKind.GROUP: list(GROUPS),
    }


def write_template(target: Path) -> None:
    import xlsxwriter

    choices = _choices()
    with atomic_path(target) as tmp, closing_zips():
        book = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False})
        # Marked, so that writing it again may replace it while it is blank (`outputs.replaceable`); a filled
        # template keeps the mark and is read as the survey it now is.
        set_marker(book, TEMPLATE)
        st = Styles(book)
        ws = book.add_worksheet(SHEET)
        help_ws = book.add_worksheet(HELP_SHEET)
        lists = _help_sheet(book, help_ws, choices, st)
        columns: list[tuple[str, Field | None]] = [("序号", None), *((f.label, f) for f in TEMPLATE_FIELDS)]
        prefecture_col = next(i for i, (_, f) in enumerate(columns) if f is not None and f.kind is FieldKind.PREFECTURE)
        lists[FieldKind.COUNTY] = _county_source(book, help_ws, prefecture_col)
        for col, (label, spec) in enumerate(columns):
            ws.write_string(0, col, label, st.centred_header)
            is_text = spec is not None and (spec.kind in TEXT_KINDS or spec.id in TEXT_FIELDS)
            ws.set_column(col, col, 22 if is_text else max(8, min(30, len(label) * 2 + 2)), st.text if is_text else None)
            if spec is None:
                ws.write_string(1, col, EXAMPLE_MARK, st.example)
                continue
            _validate(ws, col, spec, lists)
            _example(ws, 1, col, spec, st.example)
        ws.freeze_panes(1, 2)
        ws.set_row(0, 36)
        print_setup(ws, PRINTED_ROWS, len(columns) - 1)  # a blank form to fill by hand, not 2,000 rows
        book.close()


def _help_sheet(book: Any, ws: Any, choices: dict[FieldKind, list[str]], st: Styles) -> dict[FieldKind, str]:
    """What each column means, and the allowed values as ranges the drop-downs point at."""
    ws.write_string(0, 0, "填表说明（依据青总办〔2018〕19号 三（一）调查摸底要求）", st.title)
    for col, h in enumerate(("栏目", "说明", "填写示例")):
        ws.write_string(2, col, h, st.centred_header)
    for n, f in enumerate(TEMPLATE_FIELDS, start=3):
        ws.write_string(n, 0, f.label, st.wrap)
        ws.write_string(n, 1, packaged().filled(f.help), st.wrap)  # no --rules here: the packaged numbers
        ws.write(n, 2, f.example, st.wrap)
    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 70)
    ws.set_column(2, 2, 26)
    lists: dict[FieldKind, str] = {}
    first = 4
    titles = {FieldKind.PREFECTURE: "市（州）", FieldKind.COUNTY: "县（市、区）", FieldKind.ENTITY: "主体类型", FieldKind.STATUS: "经营状况",
              FieldKind.BOOL: "是/否", FieldKind.DOMAIN: "五大领域", FieldKind.GROUP: "八大群体"}
    for i, (kind, values) in enumerate(choices.items()):
        col = first + i
        ws.write_string(2, col, f"可选：{titles[kind]}", st.centred_header)
        for n, v in enumerate(values, start=3):
            ws.write_string(n, col, v)
        ws.set_column(col, col, 16)
        from qhunion.findings import column_letter

        letter = column_letter(col)
        lists[kind] = f"='{HELP_SHEET}'!${letter}$4:${letter}${3 + len(values)}"
        if kind is FieldKind.COUNTY:
            book.define_name(COUNTIES_NAME, lists[kind][1:])
    return lists


def _county_source(book: Any, ws: Any, prefecture_col: int) -> str:
    """Per prefecture, its counties in a column of 填表说明 under a defined name; the names' table; and the
    list formula for the county cell of row 2 (relative, so each row looks at its own 市（州）)."""
    from qhunion.findings import column_letter

    g = gazetteer()
    first = 4 + len(_choices())  # right of the value lists
    # No header over these columns: a header row of 市（州） and counties would read as a survey table.
    for n, pref in enumerate(g.prefectures(), start=1):
        name = PREFECTURE_NAME.format(n)
        ws.write_string(2 + n, first, pref.name)
        ws.write_string(2 + n, first + 1, name)
        col = first + 1 + n
        counties = [c.name for c in g.counties(pref.code)]
        for i, county in enumerate(counties, start=3):
            ws.write_string(i, col, county)
        letter = column_letter(col)
        book.define_name(name, f"='{HELP_SHEET}'!${letter}$4:${letter}${3 + len(counties)}")
    last = 2 + len(g.prefectures())
    a, b = column_letter(first), column_letter(first + 1)
    book.define_name(PREFECTURE_MAP, f"='{HELP_SHEET}'!${a}$4:${b}${last + 1}")
    chosen = f"${column_letter(prefecture_col)}2"
    return f"=IFERROR(INDIRECT(VLOOKUP({chosen},{PREFECTURE_MAP},2,FALSE)),{COUNTIES_NAME})"


def _validate(ws: Any, col: int, spec: Field, lists: dict[FieldKind, str]) -> None:
    if spec.kind in lists:
        ws.data_validation(1, col, ROWS, col, {
            "validate": "list", "source": lists[spec.kind], "error_type": "warning",
            "error_title": spec.label, "error_message": f"请从下拉列表中选择{spec.label}",
        })
    elif spec.kind is FieldKind.COUNT:
        ws.data_validation(1, col, ROWS, col, {
            "validate": "integer", "criteria": "between", "minimum": 0, "maximum": 100000,
            "error_title": spec.label, "error_message": f"{spec.label}请填 0 到 100000 之间的整数",
            "input_title": spec.label, "input_message": packaged().filled(spec.help)[:250],
        })


def _example(ws: Any, row: int, col: int, spec: Field, fmt: Any) -> None:
    value = spec.example
    if spec.id == "credit_code":
        value = "91630105MA7XXXXXXX"
    if isinstance(value, int):
        ws.write_number(row, col, value, fmt)
    elif value:
        ws.write_string(row, col, value, fmt)
