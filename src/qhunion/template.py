"""The survey template to hand out: the canonical header from `fields.FIELDS`, drop-down lists, number
checks, a 填表说明 sheet that says what every column means, and one example row (skipped when read back)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .fields import DOMAINS, ENTITY_TYPES, FIELDS, GROUPS, STATUSES, Field, Kind
from .outputs import TEMPLATE, atomic_path, closing_zips, set_marker
from .regions import gazetteer

SHEET = "调查表"
HELP_SHEET = "填表说明"
EXAMPLE_MARK = "示例"  # first cell of the example row; the reader skips such rows
ROWS = 2000  # rows that get drop-downs and checks


def _choices() -> dict[Kind, list[str]]:
    g = gazetteer()
    return {
        Kind.PREFECTURE: [d.name for d in g.prefectures()],
        Kind.COUNTY: [d.name for d in g.counties()],
        Kind.ENTITY: list(ENTITY_TYPES),
        Kind.STATUS: list(STATUSES),
        Kind.BOOL: ["是", "否"],
        Kind.DOMAIN: list(DOMAINS),
        Kind.GROUP: list(GROUPS),
    }


def write_template(target: Path) -> None:
    import xlsxwriter

    choices = _choices()
    with atomic_path(target) as tmp, closing_zips():
        book = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False})
        # Marked, so that writing it again may replace it while it is blank (`outputs.replaceable`); a filled
        # template keeps the mark and is read as the survey it now is.
        set_marker(book, TEMPLATE)
        header = book.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True,
                                  "valign": "vcenter", "align": "center"})
        example = book.add_format({"font_color": "#808080", "italic": True})
        ws = book.add_worksheet(SHEET)
        help_ws = book.add_worksheet(HELP_SHEET)
        lists = _help_sheet(book, help_ws, choices, header)
        columns: list[tuple[str, Field | None]] = [("序号", None), *((f.label, f) for f in FIELDS)]
        for col, (label, spec) in enumerate(columns):
            ws.write_string(0, col, label, header)
            ws.set_column(col, col, max(8, min(30, len(label) * 2 + 2)))
            if spec is None:
                ws.write_string(1, col, EXAMPLE_MARK, example)
                continue
            _validate(ws, col, spec, lists)
            _example(ws, 1, col, spec, example)
        ws.freeze_panes(1, 2)
        ws.set_row(0, 36)
        book.close()


def _help_sheet(book: Any, ws: Any, choices: dict[Kind, list[str]], header: Any) -> dict[Kind, str]:
    """What each column means, and the allowed values as ranges the drop-downs point at."""
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    ws.write_string(0, 0, "填表说明（依据青总办〔2018〕19号 三（一）调查摸底要求）", book.add_format({"bold": True, "font_size": 14}))
    for col, h in enumerate(("栏目", "说明", "填写示例")):
        ws.write_string(2, col, h, header)
    for n, f in enumerate(FIELDS, start=3):
        ws.write_string(n, 0, f.label, wrap)
        ws.write_string(n, 1, f.help, wrap)
        ws.write(n, 2, f.example, wrap)
    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 70)
    ws.set_column(2, 2, 26)
    lists: dict[Kind, str] = {}
    first = 4
    titles = {Kind.PREFECTURE: "市（州）", Kind.COUNTY: "县（市、区）", Kind.ENTITY: "主体类型", Kind.STATUS: "经营状况",
              Kind.BOOL: "是/否", Kind.DOMAIN: "五大领域", Kind.GROUP: "八大群体"}
    for i, (kind, values) in enumerate(choices.items()):
        col = first + i
        ws.write_string(2, col, f"可选：{titles[kind]}", header)
        for n, v in enumerate(values, start=3):
            ws.write_string(n, col, v)
        ws.set_column(col, col, 16)
        from .findings import column_letter

        letter = column_letter(col)
        lists[kind] = f"='{HELP_SHEET}'!${letter}$4:${letter}${3 + len(values)}"
    return lists


def _validate(ws: Any, col: int, spec: Field, lists: dict[Kind, str]) -> None:
    if spec.kind in lists:
        ws.data_validation(1, col, ROWS, col, {
            "validate": "list", "source": lists[spec.kind], "error_type": "warning",
            "error_title": spec.label, "error_message": f"请从下拉列表中选择{spec.label}",
        })
    elif spec.kind is Kind.COUNT:
        ws.data_validation(1, col, ROWS, col, {
            "validate": "integer", "criteria": "between", "minimum": 0, "maximum": 100000,
            "error_title": spec.label, "error_message": f"{spec.label}请填 0 到 100000 之间的整数",
            "input_title": spec.label, "input_message": spec.help[:250],
        })


def _example(ws: Any, row: int, col: int, spec: Field, fmt: Any) -> None:
    value = spec.example
    if spec.id == "credit_code":
        value = "91630105MA7XXXXXXX"
    if isinstance(value, int):
        ws.write_number(row, col, value, fmt)
    elif value:
        ws.write_string(row, col, value, fmt)
