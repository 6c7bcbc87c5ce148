"""Where outputs go and how they are written (issues 6, 13, 14): the one guard every command that writes goes
through.

- qhunion's own outputs are known by their content, not their name: a workbook carries the custom document
  property ``qhunion-output`` (= its kind), a JSON output the top-level key ``qhunion-output``, a Word report
  its category. A CSV cannot hold a marker, so a CSV is ours when its first line is, byte for byte, one of the
  header lines qhunion writes (English column ids after Excel's BOM — no county survey starts that way); no
  sidecar file is needed, and a CSV someone edited in Excel keeps that line, so it stays ours.
- Own outputs are skipped wherever inputs are expanded (`io.expand`), and may be replaced; any other existing
  file is replaced only with ``--force``. An output is never an input of the same run, the ledger, or another
  output of the same run — with or without ``--force``.
- The format follows ``-o``'s extension unless ``-f`` says otherwise; a folder as ``-o`` takes the default
  names (`choose`).
- Writes are atomic (`atomic_path`); a failed workbook's zip is closed in the error path (no ``Exception
  ignored in ZipFile.__del__`` at exit), and SIGTERM/SIGHUP unwind like Ctrl+C so no ``.~*`` file stays.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from qhunion.errors import OutputProblem, UsageProblem
from qhunion.oserrors import os_reason

WORKBOOK_SUFFIX = "_建会判定.xlsx"
MARK = "qhunion-output"  # custom property of our workbooks, top-level key of our JSON
# Kinds of output; a template is handed out and comes back filled, so it is never skipped as an input.
WORKBOOK, SUMMARY, TEMPLATE, REPORT, CSV, JSON = "workbook", "summary", "template", "report", "csv", "json"
MAP = "map"  # check --write-map's file, known by its first line (`headers.map_file_text`)
MAP_HEAD = "# qhunion 表头映射".encode()
BUNDLE = "bundle"  # `ledger export`: a zip whose manifest names this format
BUNDLE_FORMAT = "qhunion-ledger-bundle"
NAME_MAX = 255  # bytes in one file name, on every common file system


class OutputError(OutputProblem):
    """An output could not be written. ``reason`` is a Chinese sentence."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}：{reason}")

    def sentence(self) -> str:
        return f"无法写出 {self.path}：{self.reason}"


class FormatClash(UsageProblem):
    """``-f`` and ``-o`` disagree, or ``-o`` names no format the command writes (exit 2)."""


# ── Knowing our own outputs by content ───────────────────────────────────────────────────────────────
_CUSTOM = re.compile(rf'name="{MARK}"><vt:lpwstr>([a-z]+)</vt:lpwstr>')
# Annotated workbooks written before the marker existed carry only this title.
_LEGACY_TITLE = "<dc:title>建会判定结果</dc:title>"


def output_kind(path: Path) -> str | None:
    """The kind of qhunion output ``path`` holds, or None when it is not one (or cannot be read). Cheap: only
    a zip's property parts, or a text file's first 4 KB, are read."""
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm", ".docx", ".qhl"):
            return _zip_kind(path)
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError:
        return None
    if head.startswith(MAP_HEAD):
        return MAP
    if head.startswith(b"\xef\xbb\xbf"):  # qhunion writes CSV with a BOM, for Excel
        line = head[3:].split(b"\n", 1)[0].rstrip(b"\r").decode("ascii", "replace")
        # A summary's columns depend on --by and --compare; they all start with its two ids.
        if line in csv_headers() or line.startswith("label,region,"):
            return CSV
    if re.match(rf'\{{\s*"{MARK}"\s*:', head[:200].decode("utf-8", "ignore")):
        return JSON
    return None


def _zip_kind(path: Path) -> str | None:
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            if "docProps/custom.xml" in names:
                found = _CUSTOM.search(z.read("docProps/custom.xml")[:65536].decode("utf-8", "replace"))
                if found:
                    return found.group(1)
            if "manifest.json" in names and f'"format": "{BUNDLE_FORMAT}"' in z.read("manifest.json")[:4096].decode(
                    "utf-8", "replace"):
                return BUNDLE
            core = z.read("docProps/core.xml")[:65536].decode("utf-8", "replace") if "docProps/core.xml" in names else ""
    except Exception:  # a damaged zip (zlib.error, BadZipFile …) is no output of ours; reading it says what is wrong
        return None
    if _LEGACY_TITLE in core:
        return WORKBOOK
    if "<cp:category>qhunion</cp:category>" in core:  # report.document.MARK: a Word report
        return REPORT
    return None


def csv_headers() -> set[str]:
    """Every first line qhunion writes in a CSV (without the BOM and line end)."""
    from qhunion.columns import CSV_HEADERS

    return {",".join(c) for c in CSV_HEADERS}


def is_own_output(path: Path) -> bool:
    """Read as a survey? Never one of our outputs (a re-run would import its own results) — except a template."""
    kind = output_kind(path)
    return kind is not None and kind != TEMPLATE


def replaceable(path: Path) -> bool:
    """May ``path`` be replaced without --force: one of our outputs, or a template nobody has filled in."""
    kind = output_kind(path)
    if kind == TEMPLATE:
        return _blank_template(path)
    return kind is not None


def _blank_template(path: Path) -> bool:
    """A template keeps its marker when filled in and saved (Excel, WPS and LibreOffice keep custom
    properties): it may be replaced only while its first sheet holds nothing below the example row."""
    try:
        import python_calamine as pc

        with path.open("rb") as fh:
            book = pc.CalamineWorkbook.from_filelike(fh)
        for i, row in enumerate(book.get_sheet_by_index(0).iter_rows()):
            if i >= 2 and any(str(c).strip() for c in row):
                return False
    except Exception:  # unreadable: not provably blank
        return False
    return True


def set_marker(book: Any, kind: str) -> None:
    """Mark an xlsxwriter workbook as qhunion's output of ``kind``."""
    book.set_custom_property(MARK, kind)


def marked_json(pieces: Iterable[str], kind: str) -> Iterator[str]:
    """A JSON object's text with ``"qhunion-output": kind`` as its first key (every JSON output is an object)."""
    first = True
    for piece in pieces:
        if first and piece.startswith("{"):
            rest = piece[1:]
            piece = f'{{\n  "{MARK}": "{kind}"' + ("," if rest.lstrip()[:1] != "}" else "") + rest
        first = False
        yield piece


# ── Choosing the format and the path ─────────────────────────────────────────────────────────────────
def choose(output: str | None, fmt: str | None, formats: Mapping[str, str], default: str,
           name: Callable[[str], str]) -> tuple[str, Path | None]:
    """The format and the file of one command's output. ``formats``: format → extension of the formats that
    go to a file; ``default``: the format without -f and -o; ``name(format)``: the default file name, used
    when -o is a folder (an existing one, or a path ending in / or \\). None: standard output (no -o, or -o -).
    The format follows -o's extension unless -f says otherwise; -f and an extension of another format
    clash (exit 2)."""
    by_ext = {ext: f for f, ext in formats.items()}
    if output is None or output == "-":
        return fmt or default, None
    if is_folder(output):
        chosen = fmt or (default if default in formats else next(iter(formats)))
        if chosen not in formats:
            raise FormatClash(f"“{_fmt(chosen)}”只显示在屏幕上，不写入文件；写入文件夹请用 --format {'/'.join(formats)}")
        return chosen, Path(output) / name(chosen)
    target = Path(output)
    ext = target.suffix.lower()
    if fmt is None:
        if ext not in by_ext:
            known = "、".join(dict.fromkeys(formats.values()))
            hint = "，或用 --format 指定" if len(formats) > 1 else ""
            raise FormatClash(f"无法从“{target.name}”看出输出格式，请让文件名以 {known} 结尾{hint}")
        return by_ext[ext], target
    if fmt not in formats:
        raise FormatClash(f"“{_fmt(fmt)}”只显示在屏幕上，不写入文件；写入“{target.name}”请用 --format "
                          f"{'/'.join(formats)}，或按扩展名自动选择")
    if ext in by_ext and by_ext[ext] != fmt:
        raise FormatClash(f"--format {fmt} 与输出文件“{target.name}”的扩展名 {ext} 不符，请改用以 {formats[fmt]} "
                          "结尾的文件名，或去掉 --format 按扩展名选择")
    return fmt, target


def is_folder(output: str) -> bool:
    """-o names a folder: an existing one, or a path ending in / or \\ (made when written)."""
    return output.endswith(("/", "\\")) or Path(output).is_dir()


def _fmt(fmt: str) -> str:
    return "table 表格" if fmt == "table" else fmt


# ── Claiming the targets of one run ──────────────────────────────────────────────────────────────────
def ledger_file(db: str | None) -> Path | None:
    """The SQLite file of the ledger a run would use (--db, else $QHUNION_DB, else ./qhunion.db)."""
    from qhunion.ledger import DEFAULT_FILE, ENV

    value = db if db is not None else (os.environ.get(ENV) or DEFAULT_FILE)
    if "://" not in value:
        return Path(value).expanduser()
    if value.startswith("sqlite:///") and len(value) > len("sqlite:///"):
        return Path(value[len("sqlite:///"):].split("?", 1)[0])
    return None


def claim(targets: Sequence[Path], inputs: Iterable[Path] = (), *, ledger: str | bool | None = False,
          force: bool = False) -> None:
    """Check every file a run is about to write, before anything is written: raises OutputError (exit 4)
    for a target that is an input, the ledger (``ledger``: the --db value; False when the command uses
    none), another target, a folder, a device or FIFO, a name too long for the file system, a file under a
    path part that is a file, or an existing file that is not one of our outputs (unless ``force``)."""
    protected = [(p, "这是输入的调查表本身，不能覆盖；请用 -o 指定另一个文件名") for p in inputs]
    if ledger is not False:
        db = ledger_file(ledger if isinstance(ledger, str) else None)
        if db is not None:
            protected.append((db, "这是账本数据库，不能覆盖；请用 -o 指定另一个文件名"))
    seen: list[Path] = []
    for target in targets:
        if len(os.fsencode(target.name)) > NAME_MAX:
            raise OutputError(target, f"文件名过长（超过 {NAME_MAX} 字节），请用 -o 指定一个短一些的文件名")
        for other, why in protected:
            if same_file(other, target):
                raise OutputError(target, why)
        if any(same_file(t, target) for t in seen):
            raise OutputError(target, "本次运行有两个输出都要写到这个文件，请用 -o 分开指定")
        seen.append(target)
        _check_place(target, force)


def _check_place(target: Path, force: bool) -> None:
    for parent in target.parents:
        try:
            if parent.exists() and not parent.is_dir():
                raise OutputError(target, f"路径中的“{parent}”是一个文件而不是文件夹，请换一个输出位置")
        except OSError:
            break
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        return
    except OSError:
        return  # atomic_path says what is wrong when it tries
    if stat.S_ISDIR(mode):
        raise OutputError(target, "这是一个文件夹，不是文件；请在路径后写上文件名（如 结果.xlsx），或以 / 结尾表示写入该文件夹")
    if not stat.S_ISREG(mode):
        raise OutputError(target, "这不是普通文件（是设备或管道），不能写入；要输出到屏幕请不写 -o（或写 -o -）")
    if not force and not replaceable(target):
        raise OutputError(target, "文件已存在，且不是 qhunion 写出的结果（或是已填写的模板），未覆盖；"
                                  "请换一个文件名，或加 --force 覆盖")


def same_file(a: Path, b: Path) -> bool:
    try:
        return Path(a).resolve() == Path(b).resolve() or (Path(a).exists() and Path(b).exists()
                                                          and Path(a).samefile(b))
    except OSError:
        return False


def workbook_targets(paths: Sequence[Path], folder: Path | None = None) -> tuple[dict[Path, Path], list[str]]:
    """Each input's annotated workbook: beside it (or in ``folder``), named after it; when two inputs would
    get the same name (a.csv and a.xlsx, or d1/s.xlsx and d2/s.xlsx into one folder) the later ones carry
    their extension, then a number — and a note says so."""
    out: dict[Path, Path] = {}
    notes: list[str] = []
    taken: list[Path] = []
    # An .xlsx keeps the plain name: it is what the name most likely meant.
    for path in sorted(paths, key=lambda p: p.suffix.lower() != ".xlsx"):
        where = folder if folder is not None else path.parent
        target = where / (path.stem + WORKBOOK_SUFFIX)
        n = 1
        while any(same_file(t, target) for t in taken):
            n += 1
            tag = path.suffix.lstrip(".") + ("" if n == 2 else str(n - 1))
            target = where / f"{path.stem}（{tag}）{WORKBOOK_SUFFIX}"
        if n > 1:
            clash = next(p for p, t in out.items() if same_file(t, where / (path.stem + WORKBOOK_SUFFIX)))
            notes.append(f"{path} 与 {clash} 的判定工作簿同名，{path.name} 的判定工作簿写为 {target.name}")
        taken.append(target)
        out[path] = target
    return {p: out[p] for p in paths}, notes


def say_skipped(skipped: Sequence[Path]) -> None:
    """A note for each input passed over because qhunion wrote it."""
    from qhunion.readers.sheet import shown_path
    from qhunion.render import console

    for path in skipped:
        console.err().print(f"已跳过 {shown_path(path)}：这是 qhunion 写出的结果，不作为调查表读取", markup=False,
                            highlight=False)


# ── Interruptions ────────────────────────────────────────────────────────────────────────────────────
def unwind_on_signals() -> None:
    """SIGTERM (kill, a closing session manager) and SIGHUP (the terminal closed) unwind like Ctrl+C, so
    every `atomic_path` removes its temporary file and the ledger's transaction rolls back."""
    import signal

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    for name in ("SIGTERM", "SIGHUP"):
        sig = getattr(signal, name, None)
        if sig is not None:
            with contextlib.suppress(ValueError, OSError):  # not the main thread
                signal.signal(sig, stop)


@contextlib.contextmanager
def closing_zips() -> Iterator[None]:
    """xlsxwriter leaves its ZipFile open when close() fails (a full disk): at exit ZipFile.__del__ would try
    again and print “Exception ignored … OSError 28”. Every zip it opens meanwhile is closed on failure."""
    import xlsxwriter.workbook

    original = xlsxwriter.workbook.ZipFile
    opened: list[Any] = []

    def tracked(*args: Any, **kwargs: Any) -> Any:
        z = original(*args, **kwargs)
        opened.append(z)
        return z

    xlsxwriter.workbook.ZipFile = tracked
    try:
        yield
    except BaseException:
        for z in opened:
            with contextlib.suppress(Exception):
                z._writing = False
                z.close()
            fp, z.fp = z.fp, None
            if fp is not None:
                with contextlib.suppress(Exception):
                    fp.close()
        raise
    finally:
        xlsxwriter.workbook.ZipFile = original


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; on success it replaces the target in one rename, so a
    reader (or an interrupted run) sees the old file or the new one, never a torn one. Whatever goes wrong —
    an error while writing, Ctrl+C — the temporary file is removed and the old file is left as it was."""
    target = Path(target)
    folder = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise OutputError(target, "这是一个文件夹，不是文件；请在路径后写上文件名（如 结果.xlsx）")
    # Signals wait from before the file exists until the try below that removes it: an interruption in
    # between would leave it behind.
    held = contextlib.ExitStack()
    held.enter_context(_signals_held())
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=".~" + target.stem[:40], suffix=target.suffix, dir=folder)
        os.close(fd)
    except OSError as exc:
        held.close()
        raise OutputError(target, f"无法在“{folder}”中写入文件（{os_reason(exc, writing=True)}），请换一个输出位置") from exc
    tmp = Path(tmp_name)
    try:
        held.close()
        try:
            yield tmp
        except OutputError:
            raise
        except Exception as exc:
            # A full disk or a vanished folder while writing — also when a writer wraps the OSError in its
            # own exception, as xlsxwriter's close() does (FileCreateError).
            cause = exc if isinstance(exc, OSError) else exc.__cause__ or exc.__context__
            if isinstance(cause, OSError):
                raise OutputError(target, f"写入失败（{os_reason(cause, writing=True)}），请检查磁盘空间和写入权限") from exc
            raise
        _keep_mode(tmp, target)
        try:
            os.replace(tmp, target)
        except PermissionError as exc:
            raise OutputError(target, "文件被占用或没有写入权限（是否正在 Excel 中打开？），请关闭后重试") from exc
        except OSError as exc:
            raise OutputError(target, f"无法写入（{os_reason(exc, writing=True)}），请换一个输出位置") from exc
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Ctrl+C, SIGTERM and SIGHUP wait (POSIX) until the block is done, then unwind as usual."""
    import signal

    held = {getattr(signal, n) for n in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, n)}
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _keep_mode(tmp: Path, target: Path) -> None:
    """mkstemp makes the file readable by its owner only; the output gets the permissions the file it
    replaces had, or those any new file gets (the umask), as when Excel saves."""
    try:
        mode = target.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    with contextlib.suppress(OSError):
        os.chmod(tmp, mode)
@contextlib.contextmanager
def atomic_text(target: Path, encoding: str = "utf-8") -> Iterator[IO[str]]:
    with atomic_path(target) as tmp, tmp.open("w", encoding=encoding, newline="") as fh:
        yield fh
