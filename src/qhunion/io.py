"""Reading survey files: workbooks (.xlsx .xlsm .xls .ods) through python-calamine, CSV by encoding sniffing.

This layer only turns bytes into sheets of raw cell rows with their Excel positions; recognising the survey
inside them is `intake`'s job. A file that cannot be read raises `UnreadableFile` with one Chinese sentence
naming the file and what to do — never a library's traceback.
"""

from __future__ import annotations

import codecs
import csv
import glob
import os
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".xlsb"}
CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
SUPPORTED = WORKBOOK_SUFFIXES | CSV_SUFFIXES

# Zip bombs: a legitimate full sheet (1,048,575 × 30) inflates to about 2 GB at ratios near 10; bombs reach
# ratios in the thousands. Refuse before any XML is parsed.
MAX_UNCOMPRESSED = 4 * 1024**3
MAX_RATIO = 200
RATIO_FLOOR = 16 * 1024**2  # small members may compress well for honest reasons
# CSV is sniffed by decoding the whole file incrementally; this many bytes per step.
_CHUNK = 1 << 20


class UnreadableFile(Exception):
    """A file that cannot be read at all. ``reason`` is a Chinese sentence about what to do."""

    def __init__(self, path: str | os.PathLike[str], reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{Path(path).name}：{reason}")


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
    from .outputs import is_own_output

    return path.suffix.lower() in SUPPORTED and not path.name.startswith("~$") and not is_own_output(path)


def read_sheets(path: Path, encoding: str | None = None) -> Iterator[Sheet]:
    """Every sheet of a file, lazily. Raises UnreadableFile for files that cannot be opened at all."""
    if not path.exists():
        if _is_glob(path.name):
            raise UnreadableFile(path, "没有与之匹配的文件，请检查文件夹和文件名")
        raise UnreadableFile(path, "找不到该文件，请检查文件名和路径")
    if path.is_dir():
        raise UnreadableFile(path, "文件夹中没有可读取的表格（.xlsx、.xls、.ods、.csv），请检查文件夹")
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise UnreadableFile(path, f"无法打开文件（{_os_reason(exc)}），请关闭占用它的程序后重试") from exc
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
        _check_zip(path)
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        if _is_encrypted_ole(path):
            raise UnreadableFile(path, _PASSWORD)
        return "ole"
    if suffix in CSV_SUFFIXES:
        return "csv"
    if not head:
        raise UnreadableFile(path, "文件是空的（0 字节），请重新导出或向填报单位索取")
    raise UnreadableFile(path, "文件内容不是 Excel 工作簿（可能已损坏或只是改了扩展名），请用 Excel 打开后另存为 .xlsx 再试")


# A password-protected .xlsx is not a zip but an OLE compound file whose directory holds an
# “EncryptedPackage” stream. Directory entries are 128-byte records at 128-byte-aligned offsets: the name in
# UTF-16LE with its terminator, zero-padded to 64 bytes, then the name's byte length.
_ENCRYPTED_NAME = "EncryptedPackage\0".encode("utf-16-le")
_ENCRYPTED_ENTRY = _ENCRYPTED_NAME.ljust(64, b"\0") + len(_ENCRYPTED_NAME).to_bytes(2, "little")
_ENTRY_SIZE = 128
_PASSWORD = "工作簿设有打开密码，请在 Excel 中取消密码（文件 → 信息 → 保护工作簿）后另存再试"


def _is_encrypted_ole(path: Path) -> bool:
    """Whether the OLE file's directory names an EncryptedPackage stream. The whole file is scanned: in a
    large workbook the directory follows the encrypted data, far from the start. (Encrypted .xls files carry
    a FILEPASS record instead, which calamine reports itself.)"""
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):  # _CHUNK is a multiple of 128, so entries never straddle chunks
            pos = chunk.find(_ENCRYPTED_ENTRY)
            while pos != -1:
                if pos % _ENTRY_SIZE == 0:
                    return True
                pos = chunk.find(_ENCRYPTED_ENTRY, pos + 1)
    return False


def _check_zip(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            members = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UnreadableFile(path, "工作簿已损坏或不完整（可能未下载完），请重新获取原文件") from exc
    total = 0
    for info in members:
        total += info.file_size
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise UnreadableFile(path, "工作簿内部数据压缩比异常（疑似“压缩炸弹”），为安全起见拒绝读取，请向填报单位核实")
    if total > MAX_UNCOMPRESSED:
        raise UnreadableFile(path, "工作簿解压后超过 4 GB，超出一张调查表的合理大小，请拆分后再试")


def _read_workbook(path: Path, kind: str) -> Iterator[Sheet]:
    import python_calamine as pc

    try:
        # Opened by content, not by name: an .xls saved as .xlsx (or the reverse) is common, and _sniff has
        # already checked that the bytes are a workbook.
        with path.open("rb") as fh:
            book = pc.CalamineWorkbook.from_filelike(fh)
        metadata = book.sheets_metadata
    except pc.PasswordError as exc:
        raise UnreadableFile(path, _PASSWORD) from exc
    except (pc.CalamineError, OSError, ValueError, RuntimeError) as exc:
        raise UnreadableFile(path, _workbook_reason(kind)) from exc
    if not metadata:
        raise UnreadableFile(path, "工作簿中没有工作表，请检查是否发错了文件")
    for meta in metadata:
        if meta.typ != pc.SheetTypeEnum.WorkSheet:
            continue
        try:
            sheet = book.get_sheet_by_name(meta.name)
        except (pc.CalamineError, OSError, ValueError, RuntimeError) as exc:
            raise UnreadableFile(path, _workbook_reason(kind)) from exc
        start = sheet.start
        yield Sheet(
            file=path.name,
            name=meta.name,
            rows=_calamine_rows(path, kind, sheet) if start else iter(()),
            visible=meta.visible == pc.SheetVisibleEnum.Visible,
            first_column=start[1] if start else 0,
            merged=list(sheet.merged_cell_ranges or []),
        )


def _calamine_rows(path: Path, kind: str, sheet: Any) -> Iterator[tuple[int, list[Any]]]:
    # calamine yields rows from the sheet's first row (absolute) and cells from its first used column.
    try:
        for index, cells in enumerate(sheet.iter_rows()):
            yield index + 1, cells
    except Exception as exc:  # calamine raises plain exceptions for broken sheet XML
        raise UnreadableFile(path, _workbook_reason(kind)) from exc


def _workbook_reason(kind: str) -> str:
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
            decoder = codecs.getincrementaldecoder("utf-8")("strict")
            while chunk := fh.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
            return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"
    except OSError as exc:
        raise UnreadableFile(path, f"无法读取文件（{_os_reason(exc)}），请关闭占用它的程序后重试") from exc


def _csv_rows(path: Path, encoding: str, shown: str) -> Iterator[tuple[int, list[Any]]]:
    try:
        with path.open(encoding=encoding, errors="strict", newline="") as fh:
            sample = fh.read(64 * 1024)
            fh.seek(0)
            dialect: type[csv.Dialect] | csv.Dialect
            try:
                dialect = csv.Sniffer().sniff(sample, delimiters=",\t;|")
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
        raise UnreadableFile(path, f"读取中断（{_os_reason(exc)}），请确认文件仍在且未被占用后重试") from exc


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


def _os_reason(exc: OSError) -> str:
    import errno

    return {
        errno.ENOENT: "文件已不存在",
        errno.EACCES: "没有读取权限",
        errno.EPERM: "没有读取权限",
        errno.EBUSY: "文件被占用",
    }.get(exc.errno or 0, exc.strerror or "系统错误")
