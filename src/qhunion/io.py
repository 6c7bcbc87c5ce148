"""Reading survey files: workbooks (.xlsx .xlsm .xls .ods .xlsb) through python-calamine, CSV and other
delimited text by encoding and delimiter sniffing, and what web systems export in place of a workbook — HTML
tables (`webtables`) and SpreadsheetML 2003 (`spreadsheetml`) — recognised by content, not by name.

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
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from qhunion.oserrors import os_reason
from qhunion.readers.sheet import (
    CHUNK,
    PASSWORD,
    BadEncoding,
    Sheet,
    UnreadableFile,
    check_encoding,
    file_label,
    interrupted,
    readable,
    shown,
    workbook_reason,
)

if TYPE_CHECKING:
    from qhunion.readers.guard import Marks

WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".xlsb"}
CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
WEB_SUFFIXES = {".htm", ".html"}
SUPPORTED = WORKBOOK_SUFFIXES | CSV_SUFFIXES | WEB_SUFFIXES
# Read when named on the command line (a SpreadsheetML export), never picked up from a folder.
EXPLICIT_ONLY = {".xml"}


def expand(inputs: Iterable[str], skipped: list[Path] | None = None) -> list[Path]:
    """Files, globs and folders → the list of files, in a stable order. Folders contribute every supported
    file directly in them, skipping Excel's lock files (~$name.xlsx). qhunion's own outputs — known by their
    content (`outputs.is_own_output`), not their name — are passed over everywhere, named explicitly too,
    and added to ``skipped`` so the caller can say so (a re-run must not import its own results). A folder
    or glob that yields nothing is kept as it is, so that reading it says so instead of silently reading
    nothing (Windows shells pass globs through unexpanded); so is a folder that cannot be listed, which
    reading then reports. Only regular files are taken from folders and globs — never a FIFO (opening one
    waits for a writer for ever) or a device — and a recursive glob never walks a folder twice (a symlink
    back to “.” or “..” would make it endless)."""
    from qhunion.outputs import is_own_output

    found: list[Path] = []
    passed: list[Path] = []
    for item in inputs:
        path = Path(item)
        try:
            if path.is_dir():
                files = sorted(p for p in path.iterdir() if _is_candidate(p))
            elif _is_glob(item) and not path.exists():
                files = sorted(p for p in _glob(item) if _is_candidate(p))
            else:
                files = []
        except OSError:  # a folder without read or search permission
            files = []
        if not files and _is_regular(path) and is_own_output(path):
            passed.append(path)
            continue
        own = [p for p in files if is_own_output(p)]
        passed += own
        found += [p for p in files if p not in own] or ([] if own else [path])
    if skipped is not None:
        skipped += dict.fromkeys(p for p in passed if p not in found)
    return list(dict.fromkeys(found))


def _is_regular(path: Path) -> bool:
    import stat

    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False


def _glob(pattern: str) -> Iterator[Path]:
    """glob.glob, except that “**” walks each real folder once: Python's own follows a symlink to “.” or “..”
    round and round."""
    if "**" not in pattern:
        yield from (Path(p) for p in glob.glob(pattern))
        return
    head, _, tail = pattern.partition("**")
    rest = tail.lstrip("/\\") or "*"
    roots = glob.glob(head) if _is_glob(head) else [head or "."]
    seen: set[tuple[int, int]] = set()
    for root in roots:
        if not _first_visit(root, seen):
            continue
        for folder, dirs, _files in os.walk(root, followlinks=True):
            # hidden folders are skipped, as glob's own “**” skips them
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and _first_visit(os.path.join(folder, d), seen))
            yield from (Path(p) for p in glob.glob(os.path.join(glob.escape(folder), rest)))


def _first_visit(folder: str, seen: set[tuple[int, int]]) -> bool:
    try:
        st = os.stat(folder)
    except OSError:
        return False
    key = (st.st_dev, st.st_ino)
    if key in seen:
        return False
    seen.add(key)
    return True


def _is_glob(text: str) -> bool:
    return any(ch in text for ch in "*?[")


def _is_candidate(path: Path) -> bool:
    """Skipped in folders: Excel's lock files (~$a.xlsx), hidden files — the “._a.xlsx” a Mac leaves on a USB
    stick, and the “.~a.xlsx” temporary file of an output interrupted by a power cut. (Our own outputs are
    passed over by `expand`, which names them.)"""
    import stat

    name = path.name
    if path.suffix.lower() not in SUPPORTED or name.startswith(("~$", ".")):
        return False
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:  # in a folder that can be listed but not searched: reading it will say so
        return True


def read_sheets(path: Path, encoding: str | None = None) -> Iterator[Sheet]:
    """Every sheet of a file, lazily. Raises UnreadableFile for files that cannot be opened at all."""
    import stat

    try:
        mode = path.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        mode = None
    except OSError as exc:
        raise UnreadableFile(path, f"无法打开文件（{os_reason(exc)}），请检查文件和所在文件夹的权限") from exc
    if mode is None:
        if _is_glob(path.name):
            raise UnreadableFile(path, "没有与之匹配的文件，请检查文件夹和文件名")
        raise UnreadableFile(path, "找不到该文件，请检查文件名和路径")
    if stat.S_ISDIR(mode):
        try:
            os.listdir(path)
        except OSError as exc:
            raise UnreadableFile(path, f"无法读取文件夹（{os_reason(exc)}），请检查文件夹的权限") from exc
        raise UnreadableFile(path, "文件夹中没有可读取的表格（.xlsx、.xls、.ods、.csv），请检查文件夹")
    if not stat.S_ISREG(mode):  # opening a FIFO waits for a writer; a device never ends
        raise UnreadableFile(path, "这不是普通文件（是管道或设备），请先把内容保存为文件再读取")
    try:
        with path.open("rb") as fh:
            head = fh.read(_SAMPLE)
    except OSError as exc:
        raise UnreadableFile(path, f"无法打开文件（{os_reason(exc)}），请关闭占用它的程序后重试") from exc
    kind = _sniff(path, head)
    if kind == "csv":
        yield from _read_csv(path, encoding)
    elif kind == "html":
        from qhunion.readers.webtables import read_html

        yield from read_html(path, _read_all(path), check_text_encoding(path, encoding))
    elif kind == "spreadsheetml":
        from qhunion.readers.spreadsheetml import read_spreadsheetml

        yield from read_spreadsheetml(path)
    elif kind == "ole" or (kind == "zip" and _is_xlsb(path)):
        from qhunion.readers.isolate import read_isolated

        yield from read_isolated(path, kind, read_workbook)
    else:
        yield from read_workbook(path, kind)


def _is_xlsb(path: Path) -> bool:
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            return any(name.lower() == "xl/workbook.bin" for name in zf.namelist())
    except Exception:  # a damaged zip: read_workbook says what is wrong with it
        return False


def _read_all(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UnreadableFile(path, interrupted(exc)) from exc


def _sniff(path: Path, head: bytes) -> str:
    suffix = path.suffix.lower()
    if head.startswith(b"%PDF"):
        raise UnreadableFile(path, "这是 PDF 文件，不是表格；请提供 Excel 原表（.xlsx/.xls）或 CSV")
    if suffix not in SUPPORTED | EXPLICIT_ONLY:  # a .docx is a zip too: say what it is not, not that it is broken
        raise UnreadableFile(path, f"不支持“{shown(suffix) or '无扩展名'}”文件，请提供 .xlsx、.xls、.ods 或 .csv 表格")
    # Workbooks are recognised by their bytes, whatever the name says (an .xlsx renamed .csv is read too).
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        from qhunion.readers.guard import is_encrypted_ole

        if is_encrypted_ole(path):
            raise UnreadableFile(path, PASSWORD)
        return "ole"
    if not head:
        raise UnreadableFile(path, "文件是空的（0 字节），请重新导出或向填报单位索取")
    if re.match(rb"\s*MIME-Version:", head, re.IGNORECASE):  # Excel's “单个文件网页” (.mht) renamed .xls
        raise UnreadableFile(path, "这是“单个文件网页”（.mht），不是表格文件；请用 Excel 打开后另存为 .xlsx 再试")
    markup = markup_kind(head)
    if markup is not None:
        return markup
    if suffix in CSV_SUFFIXES:
        return "csv"
    if suffix in WEB_SUFFIXES:
        raise UnreadableFile(path, "文件内容不是网页表格，请在系统中重新导出为 Excel 后再试")
    raise UnreadableFile(path, "文件内容不是 Excel 工作簿（可能已损坏或只是改了扩展名），请用 Excel 打开后另存为 .xlsx 再试")


_PROLOG = re.compile(r"(?:\s+|<\?.*?\?>|<!--.*?-->|<!doctype[^\[>]*(?:\[.*?\])?\s*>)*", re.DOTALL | re.IGNORECASE)
_FIRST_TAG = re.compile(r"<([A-Za-z][\w:.-]*)")
# What a web page (or a fragment of one, as some systems write) begins with.
_HTML_TAGS = {"html", "head", "body", "meta", "title", "table", "style", "script", "link", "div", "base", "p",
              "form", "center", "font", "span", "h1", "h2", "h3"}


def markup_kind(head: bytes) -> str | None:
    """“html” or “spreadsheetml” when the file's first bytes are a web page or a SpreadsheetML 2003 workbook,
    whatever its name; None otherwise. Only the first element counts: a CSV may hold “<” in its cells."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = head[: len(head) // 2 * 2].decode("utf-16", "ignore")
    else:
        text = head.removeprefix(codecs.BOM_UTF8).decode("latin-1")
    prolog = _PROLOG.match(text)
    first = _FIRST_TAG.match(text, prolog.end() if prolog else 0)
    if first is None:
        return None
    name = first.group(1).lower().rpartition(":")[2]
    if name == "workbook":
        return "spreadsheetml"
    return "html" if name in _HTML_TAGS else None


def read_workbook(path: Path, kind: str) -> Iterator[Sheet]:
    """A workbook's sheets through calamine, after `guard` has looked at it; ``kind`` is "zip" or "ole".
    (.xls and .xlsb come here inside a child process, see `isolate`.)"""
    import python_calamine as pc

    from qhunion.readers.guard import check_ole, check_zip

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
            file=file_label(path),
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
    So descriptor 2 points at a temporary file while calamine parses; afterwards the panic's report is shown
    only with --debug, and anything else written there meanwhile is passed on (`isolate.pass_on`)."""
    import tempfile

    from qhunion.readers.isolate import pass_on

    with contextlib.suppress(AttributeError, OSError, ValueError):
        sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no descriptor 2 at all (pythonw): nothing to keep clean
        yield
        return
    with contextlib.ExitStack() as stack:
        capture: IO[bytes] | None
        try:
            capture = stack.enter_context(tempfile.TemporaryFile())
            os.dup2(capture.fileno(), 2)
        except OSError:  # no temporary file: better a panic's lines on the screen than a message lost
            capture = None
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            if capture is not None:
                capture.seek(0)
                pass_on(capture.read(64 * 1024).decode("utf-8", "replace"))


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


def check_text_encoding(path: Path, encoding: str | None) -> str | None:
    """The user's --encoding for this file: a text codec (see `check_encoding`), and UTF-16 or UTF-32 without
    a stated byte order only on a file that starts with its BOM (without one, the bytes would be read in the
    machine's order: a GBK file as nonsense, not as an error)."""
    try:
        check_encoding(encoding)
    except BadEncoding as exc:
        raise UnreadableFile(path, exc.reason) from exc
    if encoding is None or codecs.lookup(encoding).name not in ("utf-16", "utf-32"):
        return encoding
    boms = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) if "16" in codecs.lookup(encoding).name else (
        codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)
    try:
        with path.open("rb") as fh:
            head = fh.read(4)
    except OSError as exc:
        raise UnreadableFile(path, interrupted(exc)) from exc
    if not head.startswith(boms):
        bits = "16" if "16" in codecs.lookup(encoding).name else "32"
        raise UnreadableFile(path, f"文件开头没有字节顺序标记（BOM），不能按 {shown(encoding)} 读取；请改用 --encoding utf-{bits}-le "
                                   f"或 utf-{bits}-be，或不指定编码让程序自动识别")
    return encoding


def _read_csv(path: Path, encoding: str | None) -> Iterator[Sheet]:
    used = check_text_encoding(path, encoding) or sniff_encoding(path)
    # `--encoding utf-8` on a file Excel saved as “CSV UTF-8” must not glue the BOM to the first header.
    decode_as = "utf-8-sig" if codecs.lookup(used).name == "utf-8" else used
    yield Sheet(file=file_label(path), name=readable(path.stem), rows=_csv_rows(path, decode_as, used), encoding=used)


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


def _csv_rows(path: Path, encoding: str, shown_as: str) -> Iterator[tuple[int, list[Any]]]:
    reader = None
    try:
        with path.open(encoding=encoding, errors="strict", newline="") as fh:
            sample = fh.read(_SAMPLE)  # an early undecodable byte is reported before anything else
            fh.seek(0)
            reader = csv.reader(fh, delimiter=sniff_delimiter(sample, complete=len(sample) < _SAMPLE))
            yield from enumerate(reader, start=1)
    except UnicodeDecodeError as exc:
        raise UnreadableFile(
            path, f"按 {shown(shown_as)} 编码无法读取（{_undecodable_at(path, encoding)}），请用 --encoding 指定正确的编码，"
                  "或在 Excel 中另存为 CSV UTF-8") from exc
    except csv.Error as exc:
        line = f"第 {reader.line_num} 行" if reader is not None else "文件中"
        if "field larger than field limit" in str(exc):
            raise UnreadableFile(path, f"{line}有一个字段超过 {csv.field_size_limit():,} 个字符（读取上限），"
                                       "不像调查表的内容；请用 Excel 打开检查该处后另存") from exc
        raise UnreadableFile(path, f"CSV 格式有误（{line}，可能有未闭合的引号），请用 Excel 打开检查后另存") from exc
    except OSError as exc:
        raise UnreadableFile(path, f"读取中断（{os_reason(exc)}），请确认文件仍在且未被占用后重试") from exc


DELIMITERS = ",\t;|"


def sniff_delimiter(sample: str, complete: bool = False) -> str:
    """The delimiter that splits the sample's lines most consistently: the most lines with the same number
    of fields (more than one), ties going to the wider split and then to the order of DELIMITERS. Lines are
    split as csv splits them, strictly, so a delimiter inside quotes does not count and one that cuts through
    quoted fields counts only the lines before it does. Title and note lines above the
    table (one field) weigh for none. A sample cut mid-line loses its last line."""
    import io as _io
    from collections import Counter

    if not complete and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    best: tuple[int, int, int] = (0, 0, 0)
    choice = ","
    for order, delimiter in enumerate(DELIMITERS):
        widths: Counter[int] = Counter()
        try:
            # strict: a wrong delimiter leaves text after a closing quote ("a";"b" split at commas) and stops
            for n, row in enumerate(csv.reader(_io.StringIO(sample), delimiter=delimiter, strict=True)):
                if n >= 200:
                    break
                if len(row) > 1:
                    widths[len(row)] += 1
        except csv.Error:
            pass
        if not widths:
            continue
        width, lines = max(widths.items(), key=lambda item: (item[1], item[0]))
        score = (lines, width, -order)
        if score > best:
            best, choice = score, delimiter
    return choice


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
