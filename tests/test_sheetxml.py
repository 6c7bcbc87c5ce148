"""The rows qhunion renders itself must read back exactly as xlsxwriter's own cells do.

xlsxwriter is the oracle: the same values go through `Worksheet.write_*` on one sheet and through
`StreamedSheet.row` on another, and both sheets are read back with openpyxl (and calamine).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from qhunion.xlsx.sheetxml import MAX_CELL, StreamedSheet, style_id
from qhunion.xlsx.workbook import write_value
from rule_cases.surveys import examples

TRICKY = [
    "<r><t>富文本</t></r>", "普通文字", " 前有空格", "后有空格 ", "\u3000全角空格\u3000", "a & b < c > d", '"引号"', "=SUM(A1:A2)",
    "_x0041_ 像转义", "_x005F_x0041_", "控制\x01字符\x1f", "回车\r换行\n制表\t", "\ufffe\uffff", "🚚 货车",
    "x" * (MAX_CELL + 10), "&amp;", "<t>", "]]>",
]
NUMBERS: list[Any] = [0, 7, -3, 25, 1.5, 0.1, 1e16, 123456789012345678, True, False, float("nan"), float("inf")]
DATES: list[Any] = [dt.date(2018, 4, 20), dt.datetime(2018, 4, 20, 8, 30)]


def _write_both(path: Path, values: list[Any], shared: bool = False) -> Path:
    """The values in columns A (plain) and B (filled) of sheet "streamed" in ``path``, and of sheet "xlsxwriter"
    as xlsxwriter writes them: in the same constant_memory workbook (inline strings), or with ``shared`` in a
    workbook of its own without constant_memory (shared strings), which is returned."""
    options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, **options})
    oracle_path = path.with_name(path.stem + "-oracle.xlsx") if shared else path
    oracle = xlsxwriter.Workbook(str(oracle_path), options) if shared else book
    date_fmt, fill = _formats(oracle)
    plain = oracle.add_worksheet("xlsxwriter")
    for i, v in enumerate(values):
        write_value(plain, i, 0, v, None, date_fmt)
        write_value(plain, i, 1, v, fill, date_fmt)
    if shared:
        date_fmt, fill = _formats(book)
    streamed = book.add_worksheet("streamed", worksheet_class=StreamedSheet)
    streamed.date_style = style_id(date_fmt)
    if shared:
        streamed.share_strings([0, 1])
    rows = [streamed.row(i, [(0, v, 0), (1, v, style_id(fill))]) for i, v in enumerate(values)]
    streamed.write_rows(rows, last_row=max(len(values) - 1, 0), last_col=1)
    book.close()
    if shared:
        oracle.close()
    return oracle_path


def _formats(book: Any) -> tuple[Any, Any]:
    return book.add_format({"num_format": "yyyy-mm-dd"}), book.add_format({"bg_color": "#FFC7CE"})


def _cells(path: Path, sheet: str) -> list[tuple[Any, ...]]:
    ws = openpyxl.load_workbook(path)[sheet]
    return [tuple((c.value, c.fill.fgColor.rgb, c.number_format) for c in row) for row in ws.iter_rows()]


@pytest.mark.parametrize("shared", [False, True])
def test_tricky_values_read_back_as_xlsxwriter_writes_them(tmp_path: Path, shared: bool) -> None:
    path = tmp_path / "both.xlsx"
    values = TRICKY + NUMBERS + DATES + [None, ""] + TRICKY  # each text twice: shared strings are reused
    oracle = _write_both(path, values, shared)
    assert _cells(path, "streamed") == _cells(oracle, "xlsxwriter")
    if not shared:  # calamine reads "_x005F_" escapes differently in inline and shared strings
        book = CalamineWorkbook.from_path(str(path))
        assert book.get_sheet_by_name("streamed").to_python() == book.get_sheet_by_name("xlsxwriter").to_python()


def test_dimension_and_text_as_typed(tmp_path: Path) -> None:
    path = tmp_path / "both.xlsx"
    _write_both(path, TRICKY)
    ws = openpyxl.load_workbook(path)["streamed"]
    assert ws.dimensions == f"A1:B{len(TRICKY)}"
    assert ws["A2"].value == "普通文字" and ws["A3"].value == " 前有空格" and ws["A8"].value == "=SUM(A1:A2)"
    assert ws["A8"].data_type == "s"  # text that looks like a formula stays text


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=40), min_size=1, max_size=15))
def test_any_text_reads_back_like_xlsxwriter(tmp_path: Path, texts: list[str]) -> None:
    path = tmp_path / "fuzz.xlsx"
    oracle = _write_both(path, texts + texts, shared=True)
    assert _cells(path, "streamed") == _cells(oracle, "xlsxwriter")


def test_shared_strings_are_stored_once_and_counted(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "s.xlsx"
    _write_both(path, ["是", "否", "是", "是", "<r>x</r>"], shared=True)
    with zipfile.ZipFile(path) as z:
        sst = z.read("xl/sharedStrings.xml").decode()
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert 'count="8" uniqueCount="2"' in sst and "<r>x</r>" not in sst  # 是 and 否, in columns A and B
    assert sheet.count('t="s"') == 8 and "&lt;r&gt;x&lt;/r&gt;" in sheet


def test_header_row_height(tmp_path: Path) -> None:
    path = tmp_path / "h.xlsx"
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = book.add_worksheet("s", worksheet_class=StreamedSheet)
    ws.write_rows([ws.row(0, [(0, "表头", 0)], height=30), ws.row(1, [(0, 1, 0)])], last_row=1, last_col=0)
    book.close()
    sheet = openpyxl.load_workbook(path)["s"]
    assert sheet.row_dimensions[1].height == 30 and sheet["A2"].value == 1
