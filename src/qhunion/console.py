"""Terminal output that survives a Chinese Windows console (GBK / cp936), a pipe and a redirect.

Characters GBK lacks are mapped to close equivalents (› → >) and anything else unencodable is replaced, so
printing never raises. Progress goes to stderr and only when stderr is a terminal, so batch logs stay clean;
`--quiet` (``quiet()``) asks for less still.
"""

from __future__ import annotations

import contextlib
import sys
from typing import IO, TYPE_CHECKING, Any

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
    # Off a terminal Rich would wrap at 80 columns; Chinese tables need more to stay readable in a log.
    width = None if safe.isatty() else 140
    # soft_wrap: a sentence (a file that cannot be read, with what to do) stays one line in a log; tables are
    # still laid out to the width.
    return Console(file=safe, width=width, highlight=False, soft_wrap=True)  # type: ignore[arg-type]


def out() -> Console:
    return _console(sys.stdout)


def err() -> Console:
    return _console(sys.stderr)


def write(text: str) -> None:
    """Plain text to stdout (CSV, JSON): no Rich markup processing, same encoding safety."""
    SafeStream(sys.stdout).write(text)


_quiet = [False]


def set_quiet(on: bool) -> None:
    """`qhunion --quiet`: per-file tables shrink to one line, and progress displays stay hidden."""
    _quiet[0] = on


def quiet() -> bool:
    """Whether the user asked for less (--quiet); a progress display should show nothing then."""
    return _quiet[0]
