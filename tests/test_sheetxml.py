"""The rows qhunion renders itself must read back exactly as xlsxwriter's own cells do.

xlsxwriter is the oracle: the same values go through `Worksheet.write_*` on one sheet and through
`StreamedSheet.row` on another, and both sheets are read back with openpyxl (and calamine).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from qhunion.sheetxml import MAX_CELL, StreamedSheet, style_id
from qhunion.workbook import write_value

TRICKY = [
    "普通文字", " 前有空格", "后有空格 ", "\u3000全角空格\u3000", "a & b < c > d", '"引号"', "=SUM(A1:A2)",
    "_x0041_ 像转义", "_x005F_x0041_", "控制\x01字符\x1f", "回车\r换行\n制表\t", "\ufffe\uffff", "🚚 货车",
    "x" * (MAX_CELL + 10), "&amp;", "<t>", "]]>",
]
NUMBERS: list[Any] = [0, 7, -3, 25, 1.5, 0.1, 1e16, 123456789012345678, True, False, float("nan"), float("inf")]
DATES: list[Any] = [dt.date(2018, 4, 20), dt.datetime(2018, 4, 20, 8, 30)]


def _write_both(path: Path, values: list[Any]) -> None:
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                           "strings_to_urls": False, "strings_to_numbers": False})
    date_fmt = book.add_format({"num_format": "yyyy-mm-dd"})
    fill = book.add_format({"bg_color": "#FFC7CE"})
    plain = book.add_worksheet("xlsxwriter")
    for i, v in enumerate(values):
        write_value(plain, i, 0, v, None, date_fmt)
        write_value(plain, i, 1, v, fill, date_fmt)
    streamed = book.add_worksheet("streamed", worksheet_class=StreamedSheet)
    streamed.date_style = style_id(date_fmt)
    rows = [streamed.row(i, [(0, v, 0), (1, v, style_id(fill))]) for i, v in enumerate(values)]
    streamed.write_rows(rows, last_row=max(len(values) - 1, 0), last_col=1)
    book.close()


def _cells(path: Path, sheet: str) -> list[tuple[Any, ...]]:
    ws = openpyxl.load_workbook(path)[sheet]
    return [tuple((c.value, c.fill.fgColor.rgb, c.number_format) for c in row) for row in ws.iter_rows()]


def test_tricky_values_read_back_as_xlsxwriter_writes_them(tmp_path: Path) -> None:
    path = tmp_path / "both.xlsx"
    values = TRICKY + NUMBERS + DATES + [None, ""]
    _write_both(path, values)
    assert _cells(path, "streamed") == _cells(path, "xlsxwriter")
    book = CalamineWorkbook.from_path(str(path))
    assert book.get_sheet_by_name("streamed").to_python() == book.get_sheet_by_name("xlsxwriter").to_python()


def test_dimension_and_text_as_typed(tmp_path: Path) -> None:
    path = tmp_path / "both.xlsx"
    _write_both(path, TRICKY)
    ws = openpyxl.load_workbook(path)["streamed"]
    assert ws.dimensions == f"A1:B{len(TRICKY)}"
    assert ws["A1"].value == "普通文字" and ws["A2"].value == " 前有空格" and ws["A7"].value == "=SUM(A1:A2)"
    assert ws["A7"].data_type == "s"  # text that looks like a formula stays text


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=40), min_size=1, max_size=15))
def test_any_text_reads_back_like_xlsxwriter(tmp_path: Path, texts: list[str]) -> None:
    path = tmp_path / "fuzz.xlsx"
    _write_both(path, texts)
    assert _cells(path, "streamed") == _cells(path, "xlsxwriter")


def test_header_row_height(tmp_path: Path) -> None:
    path = tmp_path / "h.xlsx"
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = book.add_worksheet("s", worksheet_class=StreamedSheet)
    ws.write_rows([ws.row(0, [(0, "表头", 0)], height=30), ws.row(1, [(0, 1, 0)])], last_row=1, last_col=0)
    book.close()
    sheet = openpyxl.load_workbook(path)["s"]
    assert sheet.row_dimensions[1].height == 30 and sheet["A2"].value == 1
