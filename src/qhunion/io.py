"""Reading survey files: workbooks (.xlsx .xlsm .xls .ods) through python-calamine, CSV by encoding sniffing.

This layer only turns bytes into sheets of raw cell rows with their Excel positions; recognising the survey
inside them is `intake`'s job. A file that cannot be read raises `UnreadableFile` with one Chinese sentence
naming the file and what to do — never a library's traceback.

Workbooks from strangers are looked at by `guard` before calamine parses them (issue 6).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import glob
import os
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .oserrors import os_reason

if TYPE_CHECKING:
    from .guard import Marks

WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".xlsb"}
CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
SUPPORTED = WORKBOOK_SUFFIXES | CSV_SUFFIXES

PASSWORD = "工作簿设有打开密码，请在 Excel 中取消密码（文件 → 信息 → 保护工作簿）后另存再试"
# CSV is sniffed by decoding the whole file incrementally; this many bytes per step.
CHUNK = 1 << 20


class UnreadableFile(Exception):
    """A file that cannot be read at all. ``reason`` is a Chinese sentence about what to do."""

    def __init__(self, path: str | os.PathLike[str], reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{Path(path).name}：{reason}")


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


def expand(inputs: Iterable[str]) -> list[Path]:
    """Files, globs and folders → the list of files, in a stable order. Folders contribute every supported
    file directly in them, skipping Excel's lock files (~$name.xlsx) and qhunion's own outputs. A folder or
    glob that yields nothing is kept as it is, so that reading it says so instead of silently reading nothing
    (Windows shells pass globs through unexpanded)."""
    found: list[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.is_file() and _is_candidate(p))
        elif _is_glob(item) and not path.exists():
            files = sorted(Path(p) for p in glob.glob(item, recursive=True) if _is_candidate(Path(p)))
        else:
            files = []
        found += files or [path]
    return list(dict.fromkeys(found))


def _is_glob(text: str) -> bool:
    return any(ch in text for ch in "*?[")


def _is_candidate(path: Path) -> bool:
    """Skipped in folders: Excel's lock files (~$a.xlsx), hidden files — the “._a.xlsx” a Mac leaves on a USB
    stick, and the “.~a.xlsx” temporary file of an output interrupted by a power cut — and our own outputs."""
    from .outputs import is_own_output

    name = path.name
    return (path.suffix.lower() in SUPPORTED and not name.startswith(("~$", ".")) and not is_own_output(path))


def read_sheets(path: Path, encoding: str | None = None) -> Iterator[Sheet]:
    """Every sheet of a file, lazily. Raises UnreadableFile for files that cannot be opened at all."""
    try:
        exists, is_dir = path.exists(), path.is_dir()
        if exists and not is_dir:
            with path.open("rb") as fh:
                head = fh.read(8)
    except OSError as exc:
        raise UnreadableFile(path, f"无法打开文件（{os_reason(exc)}），请关闭占用它的程序后重试") from exc
    if not exists:
        if _is_glob(path.name):
            raise UnreadableFile(path, "没有与之匹配的文件，请检查文件夹和文件名")
        raise UnreadableFile(path, "找不到该文件，请检查文件名和路径")
    if is_dir:
        raise UnreadableFile(path, "文件夹中没有可读取的表格（.xlsx、.xls、.ods、.csv），请检查文件夹")
    kind = _sniff(path, head)
    if kind == "csv":
        yield from _read_csv(path, encoding)
    else:
        yield from _read_workbook(path, kind)


def _sniff(path: Path, head: bytes) -> str:
    suffix = path.suffix.lower()
    if head.startswith(b"%PDF"):
        raise UnreadableFile(path, "这是 PDF 文件，不是表格；请提供 Excel 原表（.xlsx/.xls）或 CSV")
    if suffix not in SUPPORTED:  # a .docx is a zip too: say what it is not, not that it is a broken workbook
        raise UnreadableFile(path, f"不支持“{suffix or '无扩展名'}”文件，请提供 .xlsx、.xls、.ods 或 .csv 表格")
    # Workbooks are recognised by their bytes, whatever the name says (an .xlsx renamed .csv is read too).
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        from .guard import is_encrypted_ole

        if is_encrypted_ole(path):
            raise UnreadableFile(path, PASSWORD)
        return "ole"
    if suffix in CSV_SUFFIXES:
        return "csv"
    if not head:
        raise UnreadableFile(path, "文件是空的（0 字节），请重新导出或向填报单位索取")
    raise UnreadableFile(path, "文件内容不是 Excel 工作簿（可能已损坏或只是改了扩展名），请用 Excel 打开后另存为 .xlsx 再试")


def _read_workbook(path: Path, kind: str) -> Iterator[Sheet]:
    import python_calamine as pc

    from .guard import check_ole, check_zip

    marks = check_zip(path) if kind == "zip" else {}
    if kind == "ole":
        check_ole(path)
    with _calamine_errors(path, kind):
        # Opened by content, not by name: an .xls saved as .xlsx (or the reverse) is common, and _sniff has
        # already checked that the bytes are a workbook.
        with path.open("rb") as fh:
            book = pc.CalamineWorkbook.from_filelike(fh)
        metadata = book.sheets_metadata
    if not metadata:
        raise UnreadableFile(path, "工作簿中没有工作表，请检查是否发错了文件")
    for meta in metadata:
        if meta.typ != pc.SheetTypeEnum.WorkSheet:
            continue
        with _calamine_errors(path, kind):
            sheet = book.get_sheet_by_name(meta.name)
            start = sheet.start
            merged = list(sheet.merged_cell_ranges or [])
        yield Sheet(
            file=path.name,
            name=meta.name,
            rows=_calamine_rows(path, kind, sheet, marks.get(meta.name, {})) if start else iter(()),
            visible=meta.visible == pc.SheetVisibleEnum.Visible,
            first_column=start[1] if start else 0,
            merged=merged,
        )


@contextlib.contextmanager
def _calamine_errors(path: Path, kind: str) -> Iterator[None]:
    """Whatever calamine raises becomes one sentence — its Rust panics too (pyo3's PanicException derives
    from BaseException, so `except Exception` lets it through to a traceback)."""
    import python_calamine as pc

    try:
        with _rust_panics_unprinted():
            yield
    except pc.PasswordError as exc:
        raise UnreadableFile(path, PASSWORD) from _quiet(exc)
    except OSError as exc:
        raise UnreadableFile(path, interrupted(exc)) from exc
    except Exception as exc:
        raise UnreadableFile(path, workbook_reason(kind)) from _quiet(exc)
    except BaseException as exc:
        if not _panicked(exc):
            raise
        raise UnreadableFile(path, workbook_reason(kind)) from _quiet(exc)


def _panicked(exc: BaseException) -> bool:
    return type(exc).__name__ == "PanicException"


@contextlib.contextmanager
def _rust_panics_unprinted() -> Iterator[None]:
    """Rust's panic hook writes “thread panicked at …” (and, with RUST_BACKTRACE set, a backtrace) straight
    to file descriptor 2 before the panic reaches Python as an exception, which becomes the file's sentence.
    So descriptor 2 points at /dev/null while calamine parses; nothing else writes there meanwhile."""
    with contextlib.suppress(AttributeError, OSError, ValueError):
        sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no descriptor 2 at all (pythonw): nothing to keep clean
        yield
        return
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _calamine_rows(path: Path, kind: str, sheet: Any, marks: Marks) -> Iterator[tuple[int, list[Any]]]:
    # calamine yields rows from row 0 (absolute) and cells from the sheet's first used column; the cells it
    # read as blank but that hold an error or an uncached formula are put back.
    first = sheet.start[1]
    by_row: dict[int, list[tuple[int, str]]] = {}
    for (r, c), value in marks.items():
        if c >= first:
            by_row.setdefault(r, []).append((c - first, value))
    try:
        for index, cells in enumerate(sheet.iter_rows()):
            for pos, value in by_row.get(index, ()):
                if pos >= len(cells):
                    cells.extend([""] * (pos + 1 - len(cells)))
                if cells[pos] == "" or cells[pos] is None:
                    cells[pos] = value
            yield index + 1, cells
    except OSError as exc:
        raise UnreadableFile(path, interrupted(exc)) from exc
    except Exception as exc:  # calamine raises plain exceptions for broken sheet XML
        raise UnreadableFile(path, workbook_reason(kind)) from _quiet(exc)
    except BaseException as exc:
        if not _panicked(exc):
            raise
        raise UnreadableFile(path, workbook_reason(kind)) from _quiet(exc)


class LibraryError(Exception):
    """What a reading library said, without the cell values its messages may quote (“Unrecognized boolean
    cell value: 13812345678”): `--debug` shows it, and a traceback must not carry survey data."""


def _quiet(exc: BaseException) -> LibraryError:
    text = re.sub(r"[^\x20-\x7e]+", "…", str(exc))  # names and other Chinese text
    text = re.sub(r"\d{5,}", lambda m: "#" * len(m.group()), text)  # phone, ID and account numbers
    return LibraryError(f"{type(exc).__module__}.{type(exc).__qualname__}: {text[:200]}")


def interrupted(exc: OSError) -> str:
    return f"读取中断（{os_reason(exc)}），请确认文件仍在且未被占用后重试"


def workbook_reason(kind: str) -> str:
    if kind == "ole":
        return "旧版 Excel 文件已损坏或无法识别，请用 Excel 打开后另存为 .xlsx 再试"
    return "工作簿已损坏或不完整（可能未下载完），请用 Excel 打开检查，或重新获取原文件"


def _read_csv(path: Path, encoding: str | None) -> Iterator[Sheet]:
    used = encoding or sniff_encoding(path)
    try:
        codec = codecs.lookup(used)
    except LookupError as exc:
        raise UnreadableFile(path, f"不认识编码“{used}”，请改用 utf-8、gbk 或 gb18030") from exc
    # `--encoding utf-8` on a file Excel saved as “CSV UTF-8” must not glue the BOM to the first header.
    decode_as = "utf-8-sig" if codec.name == "utf-8" else used
    yield Sheet(file=path.name, name=path.stem, rows=_csv_rows(path, decode_as, used), encoding=used)


def sniff_encoding(path: Path) -> str:
    """BOM → strict UTF-8 → GB18030. GB18030 is tried last because it accepts UTF-8 bytes and would turn
    them into mojibake; Chinese Excel saves CSV as GBK (a subset of GB18030) without a BOM."""
    try:
        with path.open("rb") as fh:
            head = fh.read(4)
            if head.startswith(codecs.BOM_UTF8):
                return "utf-8-sig"
            if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                return "utf-16"
            fh.seek(0)
            sample = fh.read(_SAMPLE)
            if b"\0" in sample:  # text never holds NUL bytes: UTF-16 without its BOM, or not text at all
                return _utf16_or_binary(path, sample)
            fh.seek(0)
            decoder = codecs.getincrementaldecoder("utf-8")("strict")
            while chunk := fh.read(CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
            return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"
    except OSError as exc:
        raise UnreadableFile(path, f"无法读取文件（{os_reason(exc)}），请关闭占用它的程序后重试") from exc


_SAMPLE = 64 * 1024
# csv.Sniffer's quote guess is quadratic in its sample (64 KB of ‘,"’ takes 18 s); a few KB of lines is
# what it needs to see the delimiter.
_SNIFF_SAMPLE = 4096


def _utf16_or_binary(path: Path, sample: bytes) -> str:
    """UTF-16 without a BOM has NULs in every other byte — the high bytes of ASCII commas, digits and line
    ends (odd positions in little-endian). NULs anywhere else mean the file is not text."""
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    for encoding, nuls, other in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if nuls >= 4 * max(other, 1):
            try:
                codecs.getincrementaldecoder(encoding)("strict").decode(sample)
            except UnicodeDecodeError:
                break
            return encoding
    raise UnreadableFile(path, "文件含有二进制内容，不是文本格式的 CSV；请用 Excel 打开后另存为“CSV UTF-8”再试")


def _csv_rows(path: Path, encoding: str, shown: str) -> Iterator[tuple[int, list[Any]]]:
    try:
        with path.open(encoding=encoding, errors="strict", newline="") as fh:
            sample = fh.read(_SAMPLE)  # an early undecodable byte is reported before anything else
            fh.seek(0)
            dialect: type[csv.Dialect] | csv.Dialect
            try:
                dialect = csv.Sniffer().sniff(sample[:_SNIFF_SAMPLE], delimiters=",\t;|")
            except csv.Error:
                dialect = csv.excel
            yield from enumerate(csv.reader(fh, dialect), start=1)
    except UnicodeDecodeError as exc:
        raise UnreadableFile(
            path, f"按 {shown} 编码无法读取（{_undecodable_at(path, encoding)}），请用 --encoding 指定正确的编码，"
                  "或在 Excel 中另存为 CSV UTF-8") from exc
    except csv.Error as exc:
        raise UnreadableFile(path, "CSV 格式有误（可能有未闭合的引号），请用 Excel 打开检查后另存") from exc
    except OSError as exc:
        raise UnreadableFile(path, f"读取中断（{os_reason(exc)}），请确认文件仍在且未被占用后重试") from exc


def _undecodable_at(path: Path, encoding: str) -> str:
    """Where decoding fails, as a text editor shows it. The error raised while reading carries an offset into
    the text layer's read-ahead buffer, not into the file, so the file is decoded again in one piece."""
    try:
        raw = path.read_bytes()
        raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        return f"第 {line} 行，第 {exc.start + 1} 字节"
    except (OSError, MemoryError):
        pass
    return "文件中途"
