"""What every reader shares: the limits a sheet is held to, `Sheet` (raw rows with their Excel positions),
`UnreadableFile` and the sentences said about files. The readers (`io`, `guard`, `isolate`, `webtables`,
`spreadsheetml`) import these from here; `io` imports the readers — so no reader imports `io` back.
"""

from __future__ import annotations

import codecs
import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qhunion.errors import InputProblem, UsageProblem
from qhunion.oserrors import os_reason

# calamine keeps a sheet as a dense grid of 32-byte cells from its first cell to its last: A1 and XFD1048576
# alone ask for 550 GB. A full-height sheet of 38 columns (1.3 GB) still reads; a grid beyond that is refused,
# whichever reader would build it.
MAX_CELLS = 40_000_000
EXCEL_ROWS, EXCEL_COLUMNS = 1_048_576, 16_384

PASSWORD = "工作簿设有打开密码，请在 Excel 中取消密码（文件 → 信息 → 保护工作簿）后另存再试"
# CSV is sniffed by decoding the whole file incrementally; this many bytes per step.
CHUNK = 1 << 20


class UnreadableFile(InputProblem):
    """A file that cannot be read at all. ``reason`` is a Chinese sentence about what to do."""

    def __init__(self, path: str | os.PathLike[str], reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{shown(Path(path).name)}：{reason}")


class BadEncoding(UsageProblem):
    """An --encoding that cannot read text. ``reason`` is a Chinese sentence (exit 2)."""


def check_encoding(name: str | None) -> str | None:
    """The user's --encoding, refused at once when Python does not know it or it is not a text codec (rot13,
    hex, base64, zlib, bz2, uu, quopri turn bytes into bytes, or text into text, not bytes into text)."""
    if name is None:
        return None
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError) as exc:
        raise BadEncoding(f"不认识编码“{shown(name)}”，请改用 utf-8、gbk 或 gb18030") from exc
    not_text = f"“{shown(name)}”不是文字编码，不能用来读取表格；请改用 utf-8、gbk 或 gb18030（或不指定，自动识别）"
    if not getattr(info, "_is_text_encoding", True):
        raise BadEncoding(not_text)
    try:  # “undefined” and its like are text codecs that refuse every byte
        codecs.decode(b"a,1\n", info.name)
    except Exception as exc:
        raise BadEncoding(not_text) from exc
    return name


# Shown escaped: C0/C1 controls (an ESC sequence recolours or clears the terminal) and the bidirectional
# overrides and isolates (they reverse the text around them: “exe.xlsx” shown as “xlsx.exe”).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def readable(name: str) -> str:
    """A name as text: the undecodable bytes of a file name (Python keeps them as lone surrogates) read as
    GB18030 — what unzipping a Windows zip on Linux leaves — else shown as U+FFFD."""
    if not any("\udc80" <= ch <= "\udcff" for ch in name):
        return name
    raw = name.encode("utf-8", "surrogateescape") if _only_escapes(name) else name.encode("utf-8", "replace")
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        return raw.decode("utf-8", "replace")


def _only_escapes(name: str) -> bool:
    return all(not (0xD800 <= ord(ch) <= 0xDFFF) or 0xDC80 <= ord(ch) <= 0xDCFF for ch in name)


def shown(name: str) -> str:
    """A file or sheet name as it may go into a sentence for the terminal: readable (see `readable`), with
    control characters written as escapes (\\x1b, \\u202e) and other unprintable ones as U+FFFD."""
    text = _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), readable(name))
    return "".join("\ufffd" if unicodedata.category(ch) == "Cs" else ch for ch in text)


def shown_path(path: Path) -> str:
    """An output's path as a message shows it: readable, control characters escaped, and a phone or ID number
    in the name masked (a county names a file after its contact; the terminal and the logs keep no number)."""
    from qhunion.normalise.privacy import mask

    return mask(shown(readable(str(path))))


def file_label(path: Path) -> str:
    """The name a file's sheets, records and findings carry: its name, readable (see `readable`)."""
    return readable(path.name)


def too_many_cells(cells: int, sheet: str | None = None, limit: int = MAX_CELLS) -> str:
    """The sentence for a file that is intact but larger than a survey can be."""
    where = f"工作表“{shown(sheet)}”的" if sheet else ""
    return (f"{where}数据区域约 {_cells(cells)}，超过上限 {_cells(limit)}（可能有内容误填在很远的单元格）；"
            "请在 Excel 中删除多余的行和列，或把调查表复制到新工作簿后再试")


def _cells(n: int) -> str:
    """17,179,869,184 → “171.8 亿格”; 40,000,000 → “4,000 万格”."""
    if n >= 100_000_000:
        return f"{n / 100_000_000:.1f}".removesuffix(".0") + " 亿格"
    if n >= 10_000:
        return f"{n // 10_000:,} 万格"
    return f"{n:,} 格"


class Uncached(str):
    """A formula cell saved without its result (a program wrote the file and nothing ever calculated it):
    the formula's text, “=SUM(F5:F9)”. calamine reads such a cell as blank; `intake` reports it instead."""


@dataclass
class Sheet:
    """Raw rows of one sheet. ``rows`` yields (1-based row number, cells), cells starting at column
    ``first_column`` (0-based), so a cell's letter is ``first_column + index``."""

    file: str
    name: str
    rows: Iterable[tuple[int, list[Any]]]
    visible: bool = True
    first_column: int = 0
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    encoding: str | None = None



def interrupted(exc: OSError) -> str:
    return f"读取中断（{os_reason(exc)}），请确认文件仍在且未被占用后重试"


def workbook_reason(kind: str) -> str:
    if kind == "ole":
        return "旧版 Excel 文件已损坏或无法识别，请用 Excel 打开后另存为 .xlsx 再试"
    return "工作簿已损坏或不完整（可能未下载完），请用 Excel 打开检查，或重新获取原文件"


