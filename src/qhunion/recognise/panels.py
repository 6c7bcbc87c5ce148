"""Tables side by side on one sheet: two counties' lists next to each other, an empty column between them.

Read as one table, the right-hand table's columns only repeat fields the left one already has, so its
records were dropped with nothing but “与 A 列同为…” warnings. When the header row holds, after an empty
column, a second run of columns that names the enterprise again, each run is read as a table of its own —
with its own title above it (互助县 over the left, 乐都区 over the right), so each gets its own region.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from itertools import chain, islice
from typing import Any

from qhunion.findings import Finding, column_letter
from qhunion.readers.sheet import Sheet
from qhunion.recognise.headers import Column

Rows = list[tuple[int, list[Any]]]


def split(sheet: Sheet, find: Callable[[Rows], Sequence[Column] | None], scan: int,
          ) -> tuple[list[Sheet], list[Finding]]:
    """The sheet as it is, or each of its side-by-side tables as a sheet of its own (named after the sheet
    and its columns: “Sheet1（E–G 列）”, so that every record and finding says which table it is in).
    ``find``: the header's columns among the first ``scan`` rows (`intake.find_header`), or None."""
    rows = iter(sheet.rows)
    head = list(islice(rows, scan))
    whole = replace(sheet, rows=chain(head, rows))
    if not any(_gapped(cells) for _, cells in head):  # the quick no: no header row with a gap in it
        return [whole], []
    columns = find(head)
    if columns is None:
        return [whole], []
    parts = starts(columns)
    if len(parts) < 2:
        return [whole], []
    everything = [*head, *rows]  # each table reads every row: a hand-made sheet, small
    bounds = [*parts[1:], None]
    sheets = []
    shown = []
    for (start, last), end in zip(parts, bounds, strict=True):
        stop = end[0] if end else None
        a = sheet.first_column if start == parts[0][0] else start
        name = f"{sheet.name}（{column_letter(a)}–{column_letter(last)} 列）"
        shown.append(f"{column_letter(a)}–{column_letter(last)} 列")
        sliced = [(n, _slice(cells, a - sheet.first_column, None if stop is None else stop - sheet.first_column))
                  for n, cells in everything]
        merged = [m for m in sheet.merged if m[1][1] >= a and (stop is None or m[0][1] < stop)]
        sheets.append(replace(sheet, name=name, rows=sliced, first_column=a, merged=merged))
    note = Finding("sheet-side-by-side", sheet.file, sheet.name, params={"count": len(parts), "parts": "、".join(shown)})
    return sheets, [note]


def starts(columns: Sequence[Column]) -> list[tuple[int, int]]:
    """(first column, last header column) of each table in a header row: a new table starts at a run of
    columns (after an empty column) that names the enterprise again, and some other field; a run that does
    not stays with the table before it (a group of columns set apart by a blank one)."""
    runs: list[list[Column]] = []
    for c in sorted(columns, key=lambda c: c.index):
        if runs and c.index == runs[-1][-1].index + 1:
            runs[-1].append(c)
        else:
            runs.append([c])
    tables: list[list[Column]] = []
    for run in runs:
        fields = {_field(c) for c in run} - {None}
        if tables and "name" in fields and len(fields) >= 2 and any(_field(c) == "name" for c in tables[0]):
            tables.append(list(run))
        elif tables:
            tables[-1].extend(run)
        else:
            tables.append(list(run))
    return [(t[0].index, t[-1].index) for t in tables]


def _field(c: Column) -> str | None:
    """The field a column names: its own, or the one an earlier column took (a repeated 企业名称)."""
    return c.field or (c.duplicate.field if c.duplicate is not None else None)


def _gapped(cells: Sequence[Any]) -> bool:
    """A row with an empty cell between two runs of at least two filled ones."""
    filled = [c is not None and not (isinstance(c, str) and not c.strip()) for c in cells]
    runs = []
    count = 0
    for f in [*filled, False]:
        if f:
            count += 1
        elif count:
            runs.append(count)
            count = 0
    return sum(1 for r in runs if r >= 2) >= 2


def _slice(cells: list[Any], start: int, stop: int | None) -> list[Any]:
    return cells[max(start, 0):stop]
