"""Worksheets whose rows qhunion renders to SpreadsheetML itself: the sheets with a row per enterprise or union.

xlsxwriter spends about 4 µs on each cell in Python, and the annotated sheet of a province's survey has
millions of cells. Here a row becomes one string that goes into the worksheet's constant_memory row file, so
xlsxwriter still assembles everything around the cells: columns, panes, filter, conditional formats, styles,
the shared string table and the zip. Text is written inline, as constant_memory mode writes it, except in
columns declared repeating, whose text goes into the shared string table once.

This leans on xlsxwriter internals (the row file, the dimension check, a format's XF index, the shared string
table), all behind ``StreamedSheet``; tests compare what it writes with what xlsxwriter itself writes.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import re
import shutil
from collections.abc import Iterable, Iterator
from typing import Any

from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

MAX_CELL = 32_767  # Excel's limit on the characters in a cell
_EXACT = 10**15  # integers below this print as %.16G prints them
MAX_SHARED = 100_000  # distinct shared strings per sheet; a column that repeats less is written inline

# Characters that need more than copying: XML's three, control characters (written as _xHHHH_ like Excel
# does) and a literal "_x" that could be read as such an escape.
_SPECIAL = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x")
_ESCAPE_OF_ESCAPE = re.compile(r"(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]")

Cell = tuple[int, Any, int]  # column, value, style (0: none)


def cells(values: Iterable[Any], start: int = 0, style: int = 0) -> Iterator[Cell]:
    """Consecutive cells from column ``start``, all in one style: a header, or a row of plain values."""
    return zip(itertools.count(start), values, itertools.repeat(style))


def taken_as_rich_text(text: str) -> bool:
    """xlsxwriter copies text that starts with <r> and ends with </r> unescaped, as rich-text XML, both inline in
    constant_memory mode and in the shared string table: "<r>&</r>" typed in a cell would break the workbook."""
    return text.startswith("<r>") and text.endswith("</r>")


def style_id(fmt: Format | None) -> int:
    """The XF index a format is written with; asking for it also puts the format into styles.xml."""
    return 0 if fmt is None else int(fmt._get_xf_index())


class _Letters(dict[int, str]):
    def __missing__(self, col: int) -> str:
        self[col] = letters = str(xl_col_to_name(col))
        return letters


class _StyleAttr(dict[int, str]):
    def __missing__(self, style: int) -> str:
        self[style] = attr = f' s="{style}"' if style else ""
        return attr


_LETTERS = _Letters()
_STYLE = _StyleAttr()


def _inline(value: str) -> str:
    """The part of an inline-string cell after its reference and style: type, then the text."""
    if len(value) > MAX_CELL:
        value = value[:MAX_CELL]
    if _SPECIAL.search(value):
        value = _ESCAPE_OF_ESCAPE.sub(r"_x005F\1", value)
        value = _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", value)
        value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if value[0].isspace() or value[-1].isspace():
        return f' t="inlineStr"><is><t xml:space="preserve">{value}</t></is>'
    return f' t="inlineStr"><is><t>{value}</t></is>'


class StreamedSheet(Worksheet):  # type: ignore[misc]  # xlsxwriter is untyped
    """Pass as ``worksheet_class`` to ``Workbook.add_worksheet`` (constant_memory workbooks only), then hand
    every row to ``write_rows`` once; nothing else may write cells into this sheet."""

    date_style = 0  # the style of a date that comes without one: set it from a date format's style_id
    datetime_style = 0  # likewise for a date with a time; 0: the date style

    def __init__(self) -> None:
        super().__init__()
        self._shared_columns: frozenset[int] = frozenset()
        self._shared: dict[str, str] = {}  # text → the cell's tail pointing at its shared string

    def share_strings(self, columns: Iterable[int]) -> None:
        """Text in these columns repeats (regions, yes/no answers, decisions): it is stored once in the shared
        string table and each cell points at it, which makes a province's annotated sheet far smaller."""
        self._shared_columns = frozenset(columns)

    def _share(self, value: str) -> str:
        """The tail of a cell pointing at ``value`` in the shared string table, added there now."""
        if len(self._shared) >= MAX_SHARED or taken_as_rich_text(value):
            return _inline(value)
        index = self.str_table._get_shared_string_index(value[:MAX_CELL])
        self._shared[value] = tail = f' t="s"><v>{index}</v>'
        return tail

    def write_rows(self, rows: Iterable[str], last_row: int, last_col: int) -> None:
        """All the sheet's rows, made by ``row``, in order; ``last_row``/``last_col`` (0-based) bound them."""
        if not self.constant_memory:
            raise ValueError("StreamedSheet needs a constant_memory workbook")
        write, rows = self.row_data_fh.write, iter(rows)
        # Written 500 rows at a time: one write per row costs a quarter more (~0.1 s of 140 MB of rows)
        while batch := list(itertools.islice(rows, 500)):
            write("".join(batch))
        self._check_dimensions(0, 0)
        self._check_dimensions(last_row, last_col)
        self.previous_row = last_row + 1  # xlsxwriter has no row of its own left to flush

    def _write_optimized_sheet_data(self) -> None:
        """xlsxwriter's copy of the row file into the sheet part, as bytes: its own copy decodes and re-encodes
        the whole file (0.4 s for the 120 MB of a 100,000-row survey)."""
        if self.dim_rowmin is None or not hasattr(self.fh, "buffer"):
            super()._write_optimized_sheet_data()  # no rows, or a sheet assembled in memory
            return
        self._xml_start_tag("sheetData")
        self.row_data_fh.close()
        self.fh.flush()  # what xlsxwriter wrote before <sheetData> goes first
        with open(self.row_data_filename, "rb") as rows:
            shutil.copyfileobj(rows, self.fh.buffer, 1 << 20)
        os.unlink(self.row_data_filename)
        self._xml_end_tag("sheetData")

    def row(self, index: int, cells: Iterable[Cell], height: float | None = None) -> str:
        """Row ``index`` (0-based) as XML; empty strings and None are left out unless they carry a style."""
        r = str(index + 1)
        parts = [f'<row r="{r}" ht="{height:g}" customHeight="1">' if height else f'<row r="{r}">']
        append = parts.append
        shared_columns, shared, letters, styles = self._shared_columns, self._shared, _LETTERS, _STYLE
        reused = 0
        for col, value, style in cells:
            kind = type(value)
            if kind is str and value:
                if col in shared_columns:
                    tail = shared.get(value)
                    if tail is None:
                        tail = self._share(value)
                    else:
                        reused += 1
                else:
                    tail = _inline(value)
                append(f'<c r="{letters[col]}{r}"{styles[style]}{tail}</c>')
            elif kind is int and -_EXACT < value < _EXACT:
                append(f'<c r="{letters[col]}{r}"{styles[style]}><v>{value}</v></c>')
            elif (kind is int or kind is float) and value - value == 0:  # finite: NaN and ±inf give NaN
                append(f'<c r="{letters[col]}{r}"{styles[style]}><v>{value:.16G}</v></c>')
            elif value is None or value == "":
                if style:
                    append(f'<c r="{letters[col]}{r}"{styles[style]}/>')
            elif kind is bool:
                append(f'<c r="{letters[col]}{r}"{styles[style]} t="b"><v>{int(value)}</v></c>')
            elif isinstance(value, dt.datetime | dt.date):
                serial = self._convert_date_time(value)
                if not style:
                    style = (self.datetime_style or self.date_style) if kind is dt.datetime else self.date_style
                append(f'<c r="{letters[col]}{r}"{styles[style]}><v>{serial:.16G}</v></c>')
            else:
                append(f'<c r="{letters[col]}{r}"{styles[style]}{_inline(str(value))}</c>')
        append("</row>")
        if reused:
            self.str_table.count += reused  # references, as xlsxwriter counts them
        return "".join(parts)
