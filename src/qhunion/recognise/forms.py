"""Surveys filled as forms: one enterprise per sheet (or per block of a sheet), labels beside their values.

A county office that had no template often draws a 登记表 per enterprise: a title, a 填报单位 row, then a grid
of 2 or 4 columns — 企业名称 | 西宁顺达物流有限公司 | 统一社会信用代码 | 9163… — or “企业名称：西宁顺达物流有限公司” in
one cell. Labels are recognised like headers (`headers.scores`); each label's value is the next filled cell to
its right before the next label column. A field that comes round again starts the next enterprise, so a sheet
holding several forms one under another is read as several records. A table drawn the other way round —
the labels down one column, one enterprise per column to their right (项目 | 企业1 | 企业2) — is read as
one enterprise per value column.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from qhunion.recognise.headers import MAPPED, scores

MAX_LABEL = 24  # a label is short; a longer text is a value or a note
MIN_FIELDS = 3  # as for a table: a name and two more
_INLINE = re.compile(r"^([^:：]{1,24})[:：]\s*(.+)$", re.S)
# Lines about the form, not about the enterprise: they are context (the county of 填报单位), never fields.
_NOT_LABELS = ("填报单位", "填表单位", "报送单位", "填报日期", "填表日期", "制表")


@dataclass(frozen=True, slots=True)
class Entry:
    field: str
    label: str
    value: Any
    row: int  # Excel's 1-based row of the value
    column: int  # 0-based absolute column of the value
    lane: int = 0  # the enterprise's column in a transposed table (labels down the left), else 0


def _label(cell: Any) -> tuple[str, str] | None:
    """(field, label) when the cell is a label on its own (not “label：value”, not “填报单位：…”)."""
    if not isinstance(cell, str):
        return None
    text = cell.strip().rstrip(":：").strip()
    if not text or len(text) > MAX_LABEL or _INLINE.match(text) or text.startswith(_NOT_LABELS) \
            or text.endswith("表"):  # 基层工会组织信息登记表: the form's title, not a label
        return None
    found = scores(text)
    if found and found[0][1] >= MAPPED:
        return found[0][0], text
    return None


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def read_entries(rows: Sequence[tuple[int, list[Any]]], first_column: int) -> list[Entry]:
    """Every label with its value, in reading order."""
    labels: dict[tuple[int, int], tuple[str, str]] = {}
    inline: list[Entry] = []
    for pos, (number, cells) in enumerate(rows):
        for i, cell in enumerate(cells):
            found = _label(cell)
            if found is not None:
                labels[(pos, i)] = found
            elif isinstance(cell, str) and (m := _INLINE.match(cell.strip())):
                head = _label(m.group(1).strip())
                if head is not None:
                    inline.append(Entry(head[0], head[1], m.group(2).strip(), number, first_column + i))
    across = _transposed(rows, labels)
    if across:
        return sorted((Entry(fid, label, cell, rows[pos][0], first_column + j, lane=j)
                       for (pos, i), (fid, label) in across.items()
                       for j, cell in enumerate(rows[pos][1]) if j > i and not _blank(cell)),
                      key=lambda e: (e.lane, e.row))
    # A label's neighbour is its value even when it reads like a label (所属群体 | 货车司机): labels never touch.
    for pos, i in sorted(labels):
        if (pos, i - 1) in labels and (pos, i) in labels:
            del labels[(pos, i)]
    label_columns = sorted({i for _, i in labels})
    entries = list(inline)
    for (pos, i), (fid, label) in labels.items():
        number, cells = rows[pos]
        stop = next((c for c in label_columns if c > i), len(cells))
        value, at = None, i + 1
        for j in range(i + 1, min(stop, len(cells))):
            if not _blank(cells[j]) and (pos, j) not in labels:
                value, at = cells[j], j
                break
        entries.append(Entry(fid, label, value, number, first_column + at))
    return sorted(entries, key=lambda e: (e.row, e.column))


def _transposed(rows: Sequence[tuple[int, list[Any]]], labels: dict[tuple[int, int], tuple[str, str]],
                ) -> dict[tuple[int, int], tuple[str, str]]:
    """The labels of a table drawn with enterprises as columns, or {} for a form: labels down the leftmost
    label column, the name's row and most others holding several values to the right, and nothing to the
    right reading as another field (in a 4-column form, 企业名称 | … | 信用代码 | …)."""
    if not labels:
        return {}
    left = min(i for _, i in labels)
    down = {(pos, i): v for (pos, i), v in labels.items() if i == left}
    if any(i > left and labels.get((pos, left), (fid,))[0] != fid for (pos, i), (fid, _) in labels.items()):
        return {}

    def wide(pos: int) -> bool:
        return sum(1 for cell in rows[pos][1][left + 1:] if not _blank(cell)) >= 2

    names = [pos for (pos, _), (fid, _) in down.items() if fid == "name"]
    if len(names) != 1 or not wide(names[0]) or 2 * sum(wide(pos) for pos, _ in down) < len(down):
        return {}
    return down


def blocks(entries: Sequence[Entry]) -> list[list[Entry]]:
    """Entries split into enterprises: the next 企业名称 starts a new one; another field met twice in one form
    keeps its first value (a sub-item read as the same field). Blocks without a name, or with fewer than
    MIN_FIELDS fields, are not enterprises."""
    out: list[list[Entry]] = []
    current: list[Entry] = []
    seen: set[str] = set()
    lane = entries[0].lane if entries else 0
    for e in entries:
        if (e.field == "name" and "name" in seen) or e.lane != lane:
            lane = e.lane
            out.append(current)
            current, seen = [], set()
        if e.field in seen:
            continue
        current.append(e)
        seen.add(e.field)
    out.append(current)
    return [b for b in out if len({e.field for e in b}) >= MIN_FIELDS and any(_is_name(e) for e in b)]


def _is_name(e: Entry) -> bool:
    """An enterprise's name: not blank, and not a sentence (a 填表说明 sheet pairs each label with its
    explanation, “营业执照上的全称；个体户填字号…”, and is not a form)."""
    text = "" if e.value is None else str(e.value).strip()
    return e.field == "name" and 0 < len(text) <= 60 and not re.search(r"[；;。]", text)
