"""Parsing a workbook in a child process, for the formats whose damage `guard` cannot fully bound (issue 14,
item 9): legacy .xls (BIFF inside OLE) and .xlsb. calamine, in Rust, can panic or abort the whole process on
a damaged file — SIGABRT, with no exception to catch — which would end a county's batch at that file. In a
child, an abort, a crash or an allocation beyond the child's memory limit becomes `UnreadableFile` (exit 3)
for that file, and the batch goes on.

The child's descriptor 2 is a temporary file: what Rust prints there (“thread panicked at …”) is shown only
with --debug, and anything else is passed on to the user's stderr, so nothing is lost.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from qhunion.readers.sheet import Sheet, UnreadableFile, workbook_reason

# Beyond this a parse is taken to be stuck (an honest 65,536-row .xls reads in about a second).
TIMEOUT = 120
# The child may grow this much past the parent's size before its allocations fail (and it aborts).
HEADROOM = 2 * 1024**3


def read_isolated(path: Path, kind: str, read: Callable[[Path, str], Iterable[Sheet]]) -> list[Sheet]:
    """Every sheet of the workbook, its rows read in full, parsed by ``read`` (`io.read_workbook`, passed in
    so that this module need not import `io`, which imports it) in a child."""
    import multiprocessing as mp

    method = "fork" if sys.platform == "linux" else "spawn"
    ctx = mp.get_context(method)
    fd, err_path = tempfile.mkstemp(prefix="qhunion-", suffix=".log")
    os.close(fd)
    try:
        receiver, sender = ctx.Pipe(duplex=False)
        child = ctx.Process(target=_child, args=(str(path), kind, read, sender, err_path), daemon=True)  # type: ignore[attr-defined]
        child.start()
        sender.close()  # so that a child dying without a word is an EOF here, not a wait for ever
        message: Any = None
        try:
            if receiver.poll(TIMEOUT):
                message = receiver.recv()
        except (EOFError, OSError):
            message = None
        finally:
            receiver.close()
        if message is None and child.is_alive():
            child.kill()
        child.join(5)
        said = _said(err_path)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(err_path)
    pass_on(said, died=message is None)
    if message is None:
        if child.exitcode is None:
            raise UnreadableFile(path, f"读取超过 {TIMEOUT} 秒仍未完成，文件可能已损坏；请用 Excel 打开后另存为 .xlsx 再试")
        raise UnreadableFile(path, workbook_reason(kind))
    status, payload = message
    if status == "unreadable":
        raise UnreadableFile(path, payload)
    sheets: list[Sheet] = payload
    return sheets


def _child(path: str, kind: str, read: Callable[[Path, str], Iterable[Sheet]], sender: Any, err_path: str) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(err_path, os.O_WRONLY | os.O_APPEND)
        os.dup2(fd, 2)
        os.close(fd)
    _limit_memory()

    try:
        sheets = [Sheet(s.file, s.name, [(n, _trimmed(cells)) for n, cells in s.rows], s.visible, s.first_column,
                        s.merged, s.encoding) for s in read(Path(path), kind)]
        sender.send(("ok", sheets))
    except UnreadableFile as exc:
        sender.send(("unreadable", exc.reason))
    except BaseException:  # MemoryError and the like: the parent says the file is unreadable
        sender.send(("unreadable", workbook_reason(kind)))
    finally:
        sender.close()


def _trimmed(cells: list[Any]) -> list[Any]:
    """A row without its trailing blank cells, which calamine's rectangular grid pads every row with: a stray
    cell at IV65536 would otherwise send 16 million blanks through the pipe. (Rows of different lengths are
    what CSV gives too.)"""
    end = len(cells)
    while end and (cells[end - 1] == "" or cells[end - 1] is None):
        end -= 1
    return cells if end == len(cells) else cells[:end]


def _limit_memory() -> None:
    """Address space capped at the parent's (inherited by fork) plus HEADROOM, so that a grid calamine
    should not build fails in the child instead of swapping the machine."""
    try:
        import resource

        with open("/proc/self/statm") as fh:
            size = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        wanted = size + HEADROOM
        if hard != resource.RLIM_INFINITY:
            wanted = min(wanted, hard)
        if soft == resource.RLIM_INFINITY or wanted < soft:
            resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))
    except (ImportError, OSError, ValueError):
        pass  # not Linux: the child still keeps an abort from ending the batch


def _said(err_path: str) -> str:
    try:
        with open(err_path, "rb") as fh:
            return fh.read(64 * 1024).decode("utf-8", "replace")
    except OSError:
        return ""


def pass_on(text: str, died: bool = False) -> None:
    """What a parser wrote to descriptor 2: a Rust panic's report (from its “panicked at” line on), or all
    a child wrote before it died (“memory allocation of … failed”), only with --debug; anything else always,
    so that no other message is lost."""
    if not text:
        return
    at = 0 if died else text.find("panicked at")
    start = text.rfind("\n", 0, at) + 1 if at != -1 else len(text)
    shown = text if _debugging() else text[:start]
    if shown:
        with contextlib.suppress(OSError, ValueError):
            sys.stderr.write(shown)
            sys.stderr.flush()


def _debugging() -> bool:
    """--debug (or QHUNION_DEBUG), as the command line's frame (`shell._state`) has recorded it; looked up, not
    imported, so that a reader does not pull in the command line."""
    shell = sys.modules.get("qhunion.shell")
    state = getattr(shell, "_state", None)
    return bool(os.environ.get("QHUNION_DEBUG")) or bool(isinstance(state, dict) and state.get("debug"))
