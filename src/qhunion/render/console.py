"""Terminal output that survives a Chinese Windows console (GBK / cp936), a pipe and a redirect.

Characters GBK lacks are mapped to close equivalents (› → >) and anything else unencodable is replaced, so
printing never raises. Progress goes to stderr and only when stderr is a terminal, so batch logs stay clean;
`--quiet` (``quiet()``) asks for less still.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from qhunion import timing
from qhunion.timing import PHASES, Tracker

if TYPE_CHECKING:
    from rich.console import Console

# Characters used in messages that GBK cannot encode, and what to print instead.
_GBK_SAFE = str.maketrans({"›": ">", "✓": "√", "✗": "×", "…": "…", "\u2011": "-", "•": "·"})


class SafeStream:
    """A text stream wrapper: translates and replaces what the target encoding lacks."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self.encoding = getattr(stream, "encoding", None) or "utf-8"
        self._utf = self.encoding.lower().replace("-", "").startswith("utf")

    def write(self, text: str) -> int:
        if not self._utf:
            text = text.translate(_GBK_SAFE).encode(self.encoding, "replace").decode(self.encoding)
        try:
            return self._stream.write(text)
        except BrokenPipeError:  # `qhunion ... | head` closes the pipe early: not an error for the user
            return len(text)

    def flush(self) -> None:
        with contextlib.suppress(BrokenPipeError, ValueError):
            self._stream.flush()

    def isatty(self) -> bool:
        return bool(getattr(self._stream, "isatty", lambda: False)())

    def fileno(self) -> int:
        return self._stream.fileno()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _console(stream: IO[str]) -> Console:
    from rich.console import Console

    safe = SafeStream(stream)
    width = None if safe.isatty() else pipe_width()
    # soft_wrap: a sentence (a file that cannot be read, with what to do) stays one line in a log; tables are
    # still laid out to the width.
    return Console(file=safe, width=width, highlight=False, soft_wrap=True)  # type: ignore[arg-type]


PIPE_WIDTH = 140


def pipe_width() -> int:
    """Off a terminal: COLUMNS if set (a script that knows its log's width), else 140 — Rich would wrap at 80,
    and Chinese tables need more to stay readable in a log."""
    import os

    try:
        columns = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        return PIPE_WIDTH
    return columns if 20 <= columns <= 1000 else PIPE_WIDTH


def out() -> Console:
    return _console(sys.stdout)


def err() -> Console:
    return _console(sys.stderr)


def wrote(what: str, path: Path, detail: str = "") -> None:
    """Say on stderr that an output was written, in the one wording every command uses: 已写出{what}：{path}
    and ``detail``; the path as `shown_path` shows it (readable, control characters escaped, numbers masked)."""
    from qhunion.readers.sheet import shown_path

    err().print(f"已写出{what}：{shown_path(path)}{detail}", markup=False, highlight=False)


def write(text: str) -> None:
    """Plain text to stdout (CSV, JSON): no Rich markup processing, same encoding safety."""
    SafeStream(sys.stdout).write(text)


# ── quiet, and progress on long runs (issue 13) ──────────────────────────────────────────────────────
_quiet = False


def set_quiet(quiet: bool) -> None:
    """--quiet: no progress, and the per-file tables cut to one line (the caller asks `is_quiet`)."""
    global _quiet
    _quiet = quiet


def is_quiet() -> bool:
    return _quiet


class _Live(Tracker):
    def __init__(self, bar: Any, task: Any) -> None:
        self._bar, self._task = bar, task
        self._name, self._sheet, self._phase = "", "", PHASES[0]

    def _show(self) -> None:
        where = " › ".join(x for x in (self._name, self._sheet) if x)
        self._bar.update(self._task, description=f"{self._phase} {where}".rstrip())

    def file(self, name: str, sheet: str = "") -> None:
        self._name, self._sheet = name, sheet
        self._bar.update(self._task, completed=0)
        self._show()

    def phase(self, name: str) -> None:
        self._phase = name
        self._show()

    def rows(self, count: int) -> None:
        self._bar.update(self._task, completed=count)


@contextlib.contextmanager
def run_progress(force: bool = False) -> Iterator[Tracker]:
    """A Rich progress line on stderr — phase, file › sheet, rows read, time — while the run lasts, when stderr
    is a terminal and not --quiet (``force``: for tests, a terminal or not); gone when the run ends."""
    if _quiet or not (force or sys.stderr.isatty()):
        yield timing.tracker()
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TextColumn("已读 {task.completed:,.0f} 行"),
                  TimeElapsedColumn(), console=err(), transient=True) as bar:
        live = _Live(bar, bar.add_task(PHASES[0], total=None))
        with timing.tracking(live):
            yield live


def say_skipped(skipped: Sequence[Path]) -> None:
    """A note for each input passed over because qhunion wrote it."""
    from qhunion.readers.sheet import shown_path

    for path in skipped:
        err().print(f"已跳过 {shown_path(path)}：这是 qhunion 写出的结果，不作为调查表读取", markup=False,
                            highlight=False)
