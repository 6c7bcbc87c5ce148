"""Bad cells (issue 6): very long strings, control characters, formulas without cached values, error values,
dates where numbers belong, non-finite numbers, a sheet 16,384 columns wide — each a finding at its cell,
never a crash, never a hang.

What calamine returns for these, as found here: an error cell of an .xlsx (t="e", #REF!) and a formula
saved without its <v> both come back as "" — indistinguishable from a blank — so qhunion finds them in the
sheet XML itself and puts them back (see `guard._collect_marks`). An .ods error cell comes back as its text
("#DIV/0!"), as in a CSV. An .xls formula without a cached result, and an .xls error cell, also come back as
"": that one limitation remains (BIFF is not read cell by cell). Dates come back as datetime.date/time/
timedelta, "1e999" in <v> as inf, "NaN" as nan.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

import pytest

from builders import (
    FLAT_HEADER,
    Formula,
    flat_grid,
    flat_rows,
    flat_survey_xml,
    inline,
    number,
    raw_xlsx,
    sheet_xml,
    write_book,
    write_csv,
    write_xlsx,
    xml_row,
)
from qhunion.findings import Finding
from qhunion.recognise.intake import Survey, read_survey
from rule_cases.surveys import run

# 企业名称, 信用代码, 市（州）, 县（市、区）, 实际拥有车辆数 (E), 职工人数 (F), 是否已建工会 (G)
ROW = ["甲公司", None, "西宁市", "城北区", 3, 4, "否"]


def with_cell(column: int, value: Any) -> list[Any]:
    row = list(ROW)
    row[column] = value
    return row


def findings(survey: Survey, code: str) -> list[Finding]:
    return [f for f in survey.all_findings() if f.code == code]


def write_cells(path: Path, rows: list[list[Any]]) -> Path:
    """An .xlsx with typed cells as Excel stores them: dates and times with a date format."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False})
    ws = book.add_worksheet("S")
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    clock = book.add_format({"num_format": "hh:mm"})
    duration = book.add_format({"num_format": "[h]:mm"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, dt.datetime | dt.date):
                ws.write_datetime(r, c, value, date)
            elif isinstance(value, dt.time):
                ws.write_datetime(r, c, value, clock)
            elif isinstance(value, dt.timedelta):
                ws.write_number(r, c, value.total_seconds() / 86400, duration)
            elif isinstance(value, str):
                ws.write_string(r, c, value)
            else:
                ws.write_number(r, c, value)
    book.close()
    return path


# ── Very long strings ────────────────────────────────────────────────────────────────────────────────

def test_a_100000_character_name(tmp_path: Path) -> None:
    """Excel stops at 32,767 characters a cell; the XML does not."""
    cells = inline("A2", "甲" * 100_000) + inline("D2", "城北区") + number("E2", 3) + number("F2", 4)
    path = raw_xlsx(tmp_path / "长.xlsx", {"S": sheet_xml(flat_survey_xml() + xml_row(2, cells))})
    survey = read_survey([path])
    (record,) = survey.records
    assert record.name == "甲" * 500
    (long,) = findings(survey, "text-too-long")
    assert (long.row, long.column_letter, long.text) == (2, "A", "内容有 100000 个字符，已截断为 500 个")


def test_a_100000_character_count_is_quoted_short(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "长.xlsx", {"S": flat_rows(with_cell(4, "9" * 100_000))})
    code, out, _ = run("check", path, "--format", "json")
    assert code == 1
    (issue,) = [i for i in json.loads(out)["issues"] if i["column"] == "E"]
    assert issue["code"] == "count-invalid"
    assert issue["value"] == "9" * 60 + "…"
    assert len(out) < 10_000


def test_a_long_run_of_digits_is_not_infinite(tmp_path: Path) -> None:
    """400 nines read as a float were inf, and int(inf) raised OverflowError."""
    path = write_csv(tmp_path / "九.csv", flat_rows(with_cell(4, "9" * 400), with_cell(4, "9" * 99)), "utf-8")
    survey = read_survey([path])
    assert [(f.code, f.row, f.column_letter) for f in survey.all_findings() if f.column_letter == "E"] == [
        ("count-invalid", 2, "E"), ("count-absurd", 3, "E")]
    assert [r.vehicles_owned for r in survey.records] == [None, None]


@pytest.mark.parametrize("where", ["header", "status", "region", "count", "code"])
def test_pathological_long_cells_take_no_time(tmp_path: Path, where: str) -> None:
    """100,000 “(” made the bracket patterns of header matching quadratic (about a minute per cell)."""
    cell = "(单位" * 33_000
    header = [*FLAT_HEADER, "经营状况"]
    rows = [[*ROW, "正常"]]
    if where == "header":
        header[2] = cell
    else:
        column = {"status": 7, "region": 3, "count": 5, "code": 1}[where]
        rows[0][column] = cell
    path = write_xlsx(tmp_path / "括号.xlsx", {"S": flat_grid(header, rows)})
    start = time.perf_counter()
    survey = read_survey([path])
    assert time.perf_counter() - start < 3
    assert len(survey.records) == 1
    assert all(len(f.message) < 400 for f in survey.all_findings())


# ── Control characters ───────────────────────────────────────────────────────────────────────────────

def test_control_characters_in_a_name(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "控.xlsx", {"S": flat_rows(with_cell(0, "甲\x07公\x1b司\x00"))})
    survey = read_survey([path])
    assert survey.records[0].name == "甲公司"
    (control,) = findings(survey, "text-control")
    assert (control.row, control.column_letter) == (2, "A")


def test_control_characters_never_reach_the_terminal(tmp_path: Path) -> None:
    """An escape sequence in a count cell is quoted by the finding without it (a terminal would obey it)."""
    path = write_xlsx(tmp_path / "控.xlsx", {"S": flat_rows(with_cell(4, "3\x1b[2J\x1b]0;pwned\x07"))})
    for fmt in ("table", "csv", "json"):
        code, out, err = run("check", path, "--format", fmt)
        assert code == 1
        assert "\x1b" not in out + err and "\x07" not in out + err
    survey = read_survey([path])
    (invalid,) = findings(survey, "count-invalid")
    assert invalid.value == "3[2J]0;pwned"


# ── Formulas without cached values, and error values ─────────────────────────────────────────────────

def test_formulas_saved_without_a_result(tmp_path: Path) -> None:
    """Written by a program that never calculated them: calamine reads the cells as blank."""
    cells = (inline("A2", "甲公司") + inline("C2", "西宁市") + inline("D2", "城北区")
             + '<c r="E2"><f>SUM(H2:H9)</f></c>'  # no <v>
             + '<c r="F2"><f t="shared" ref="F2:F3" si="0">H2*2</f><v></v></c>'  # an empty <v>
             + inline("G2", "否"))
    path = raw_xlsx(tmp_path / "公式.xlsx", {"S": sheet_xml(flat_survey_xml() + xml_row(2, cells))})
    survey = read_survey([path])
    (record,) = survey.records
    assert (record.vehicles_owned, record.employees) == (None, None)
    assert [(f.column_letter, f.value, f.severity.value) for f in findings(survey, "formula-uncached")] == [
        ("E", "=SUM(H2:H9)", "error"), ("F", "=H2*2", "error")]
    assert findings(survey, "formula-uncached")[0].text.startswith("单元格是公式“=SUM(H2:H9)”，但文件中没有保存它的计算结果")


def test_a_formula_whose_result_is_empty_text_is_not_uncached(tmp_path: Path) -> None:
    """=IF(…,"",…) cached as an empty string (t="str", <v></v>) is a blank, not a missing result."""
    cells = (inline("A2", "甲公司") + inline("D2", "城北区") + '<c r="E2" t="str"><f>IF(1,"",1)</f><v></v></c>'
             + number("F2", 4))
    path = raw_xlsx(tmp_path / "空串.xlsx", {"S": sheet_xml(flat_survey_xml() + xml_row(2, cells))})
    survey = read_survey([path])
    assert findings(survey, "formula-uncached") == []
    assert survey.records[0].employees == 4


def test_what_calamine_returns_for_error_cells(tmp_path: Path) -> None:
    import python_calamine as pc

    path = write_xlsx(tmp_path / "错.xlsx", {"S": flat_grid(["a", "b"], [[Formula("1/0", "#DIV/0!"), 1]])})
    rows = list(pc.CalamineWorkbook.from_path(str(path)).get_sheet_by_name("S").iter_rows())
    assert rows == [["a", "b"], ["", 1.0]]  # the error is read as blank


@pytest.mark.parametrize("suffix", [".xlsx", ".ods"])
def test_error_cells_in_a_workbook(tmp_path: Path, suffix: str) -> None:
    row = with_cell(4, Formula("1/0", "#DIV/0!"))
    row[5] = Formula("#REF!+1", "#REF!")
    path = write_book(tmp_path / f"错{suffix}", {"S": flat_rows(row)})
    survey = read_survey([path])
    assert [(f.row, f.column_letter, f.value) for f in findings(survey, "cell-error")] == [
        (2, "E", "#DIV/0!"), (2, "F", "#REF!")]
    (record,) = survey.records
    assert (record.vehicles_owned, record.employees) == (None, None)


def test_error_values_in_a_csv_are_text(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "错.csv", flat_rows(with_cell(4, "#REF!"), with_cell(0, "#N/A")), "utf-8")
    survey = read_survey([path])
    assert [(f.row, f.column_letter, f.value) for f in findings(survey, "cell-error")] == [(2, "E", "#REF!")]
    # “#N/A” is not an enterprise name: the row has data but no name
    assert [(f.row, f.column_letter) for f in findings(survey, "name-missing")] == [(3, "A")]
    assert [r.name for r in survey.records] == ["甲公司"]


def test_xls_formulas_without_results_read_as_blank(tmp_path: Path) -> None:
    """The remaining limitation: an .xls formula cell without a cached result is indistinguishable from a
    blank to calamine. It is read as missing — never a crash, never a wrong number."""
    path = write_book(tmp_path / "公式.xls", {"S": flat_rows(with_cell(4, Formula("1/0", 0)))})
    (record,) = read_survey([path]).records
    assert record.vehicles_owned is None


def test_error_in_a_personal_column_is_quoted(tmp_path: Path) -> None:
    """An error value is not personal data: the finding may say what it is."""
    grid = flat_grid([*FLAT_HEADER, "联系电话"], [[*ROW, Formula("VLOOKUP(1,X,2)", "#N/A")]])
    survey = read_survey([write_xlsx(tmp_path / "错.xlsx", {"S": grid})])
    assert [(f.column_letter, f.value) for f in findings(survey, "cell-error")] == [("H", "#N/A")]


def test_a_cell_calamine_cannot_read_makes_the_file_unreadable(tmp_path: Path) -> None:
    """A boolean cell holding 7 is a CalamineError for the whole sheet: one sentence, exit 3."""
    cells = inline("A2", "甲公司") + '<c r="G2" t="b"><v>7</v></c>'
    path = raw_xlsx(tmp_path / "布尔.xlsx", {"S": sheet_xml(flat_survey_xml() + xml_row(2, cells))})
    code, out, err = run("check", path)
    assert code == 3
    assert "无法读取 布尔.xlsx：工作簿已损坏或不完整（可能未下载完），请用 Excel 打开检查，或重新获取原文件" in out
    assert "Traceback" not in out + err


# ── Dates and odd numbers where counts belong ────────────────────────────────────────────────────────

@pytest.mark.parametrize("value", [dt.date(2018, 4, 25), dt.time(12, 30), dt.timedelta(hours=30)],
                         ids=["date", "time", "duration"])
def test_a_date_where_a_number_belongs(tmp_path: Path, value: Any) -> None:
    path = write_cells(tmp_path / "日期.xlsx", [list(FLAT_HEADER), with_cell(5, value)])
    survey = read_survey([path])
    (date,) = findings(survey, "cell-date")
    assert (date.row, date.column_letter, date.severity.value) == (2, "F", "error")
    assert survey.records[0].employees is None


def test_a_date_typed_into_a_csv_count(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "日期.csv", flat_rows(with_cell(5, "2018-04-25")), "utf-8")
    survey = read_survey([path])
    assert [(f.code, f.column_letter) for f in survey.all_findings() if f.row == 2] == [("count-invalid", "F")]


def test_infinite_and_not_a_number_values(tmp_path: Path) -> None:
    """A crafted .xlsx can hold <v>1e999</v> (inf) and <v>NaN</v>: in the header rows they crashed the
    header search (int(inf)), in a count they crashed the parser."""
    rows = (xml_row(1, number("A1", "NaN"), number("B1", "1e999")) + flat_survey_xml().replace('r="1"', 'r="2"')
            .replace("1\"", "2\"")
            + xml_row(3, inline("A3", "甲公司"), inline("D3", "城北区"), number("E3", "1e999"), number("F3", "NaN"),
                      number("H3", "-1e999")))
    path = raw_xlsx(tmp_path / "无穷.xlsx", {"S": sheet_xml(rows)})
    survey = read_survey([path])
    assert survey.unreadable == []
    (record,) = survey.records
    assert (record.vehicles_owned, record.employees) == (None, None)
    assert [f.column_letter for f in findings(survey, "count-absurd")] == ["E"]


# ── 16,384 columns ───────────────────────────────────────────────────────────────────────────────────

def test_a_sheet_16384_columns_wide(tmp_path: Path) -> None:
    """Every column of Excel used: a header row running to XFD, data to XFD. Read, with findings, in
    seconds."""
    import xlsxwriter

    path = tmp_path / "宽.xlsx"
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = book.add_worksheet("S")
    for c in range(16_384):
        ws.write_string(0, c, FLAT_HEADER[c] if c < len(FLAT_HEADER) else f"备用{c}")
    for r in range(1, 4):
        for c in range(16_384):
            value = ROW[c] if c < len(ROW) else c
            if value is not None:
                ws.write(r, c, value)
    book.close()
    start = time.perf_counter()
    survey = read_survey([path])
    assert time.perf_counter() - start < 20
    assert len(survey.records) == 3
    unmapped = findings(survey, "column-unmapped")
    assert len(unmapped) == 16_384 - len(FLAT_HEADER)
    assert unmapped[-1].column_letter == "XFD"
    code, out, _ = run("check", path, "--format", "json")
    assert code == 0
    assert json.loads(out)["records"] == 3


def test_classify_a_sheet_16384_columns_wide(tmp_path: Path) -> None:
    """The annotated copy cannot hold 16,384 columns plus its own: it still gets written, with the user's
    columns as far as Excel allows."""
    import xlsxwriter

    path = tmp_path / "宽.xlsx"
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = book.add_worksheet("S")
    for c, text in enumerate(FLAT_HEADER):
        ws.write_string(0, c, text)
    for c, value in enumerate(ROW):
        if value is not None:
            ws.write(1, c, value)
    ws.write_string(1, 16_383, "XFD 的备注")
    book.close()
    status, _, _ = run("classify", path, "--no-ledger", "-o", tmp_path / "out.xlsx")
    assert status in (0, 1)
    assert (tmp_path / "out.xlsx").exists()
