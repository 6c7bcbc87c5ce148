"""What to say when a file holds no survey header: the row that came nearest, what was recognised in it, and
the `--map` line that would make it one (the same items `check` offers for a doubtful column).

“没有找到调查表表头” alone left the user guessing, and its advice (“请用 qhunion check 查看”) was given while
running check, which then showed nothing more.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qhunion.fields import BY_ID
from qhunion.normalise.text import cell_text
from qhunion.recognise.headers import Column, Mapping, map_command, recognise

SHOWN = 8  # columns named in the sentence; the rest are counted
WIDEST = 200  # columns looked at: a survey has ~40; a row of 40,000 junk cells must not take seconds


@dataclass(frozen=True, slots=True)
class Nearest:
    """The most header-like row of a sheet that has no header: its 1-based row and its columns."""

    sheet: str
    row: int
    columns: list[Column]

    @property
    def recognised(self) -> list[Column]:
        return [c for c in self.columns if c.field or c.candidates]


def nearest(sheet: str, rows: Sequence[tuple[int, list[Any]]], first_column: int, mapping: Mapping | None,
            is_data: Callable[[Sequence[Any]], bool]) -> Nearest | None:
    """The row whose cells name the most fields (a field or a candidate each), the first of equals; None
    when no row names any. ``is_data``: a row of data, never a header (`intake._looks_like_data`)."""
    best: Nearest | None = None
    for pos, (number, whole) in enumerate(rows):
        cells = whole[:WIDEST]
        texts = [cell_text(c) for c in cells]
        if sum(1 for t in texts if t) < 2 or is_data(cells):
            continue
        samples = [c[:WIDEST] for _, c in rows[pos + 1:pos + 21]]
        found = Nearest(sheet, number, recognise(texts, None, first_column, samples, mapping))
        if found.recognised and (best is None or len(found.recognised) > len(best.recognised)):
            best = found
    return best


def reason(path: Path, found: Sequence[Nearest | None], is_sequence: Callable[[str], bool],
           by_header: bool = False) -> str:
    """The sentence for a file with no survey header, naming the nearest row of its sheets. ``is_sequence``:
    a 序号 header (`intake.is_sequence`), never taken for the enterprise name. ``by_header``: the --map items
    name columns by their header text, not their letter — for one sheet among others that were read, where
    B=企业名称 would also re-map column B of every other sheet."""
    from qhunion.readers.sheet import shown

    head = "没有找到调查表表头（至少需要“企业名称”等三列）"
    rows = [n for n in found if n is not None]
    if not rows:
        return head + "，请用 --map 指定各列是什么字段（如 --map \"B=企业名称\"）"
    near = max(rows, key=lambda n: len(n.recognised))
    cells = []
    for c in [c for c in near.columns if c.header][:SHOWN]:
        read = f"（{BY_ID[c.field].label}）" if c.field else ""
        cells.append(f"{c.letter} 列“{shown(c.header)}”{read}")
    more = f"等 {len(near.columns)} 列" if len(near.columns) > SHOWN else ""
    where = "" if near.sheet == path.stem else f"工作表“{shown(near.sheet)}”"  # a CSV's only sheet: its file
    text = f"{head}；最像表头的是{where}第 {near.row} 行：{'、'.join(cells)}{more}"
    def item(c: Column, fid: str) -> str:
        return f"{c.header if by_header else c.letter}={BY_ID[fid].label}"

    items = [item(c, c.field or c.candidates[0][0]) for c in near.recognised]
    if not any(c.field == "name" for c in near.columns):
        blank = next((c for c in near.columns if c.header and not c.field and not c.candidates
                      and not is_sequence(c.header)), None)
        if blank is not None:  # the first column that names nothing: a guess, said to be one
            items.insert(0, item(blank, "name"))
            text += f"。没有认出企业名称列，下面的命令暂按 {blank.letter} 列填写"
        else:
            text += "。没有认出企业名称列"
    if len(items) < 2:  # a name alone is no survey: say what else it needs, or the same line comes back
        text += "；还需再指定至少一列（如车辆数、职工人数），写法同上"
    command = map_command([str(path)], items)
    return f"{text}；核对后这样重新运行（列或字段不对就改掉；classify 用同样的 --map）：{command}"
