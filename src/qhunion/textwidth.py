"""How wide text is on a screen or in a sheet, and where its lines may break — one definition for the terminal
tables (`render.tablefit`), the help screens (`shell`) and the workbooks' column widths (`xlsx.sheetprint`).

East Asian wide and full-width characters take two columns (Excel counts them as two units too). A line breaks
only between tokens — a Chinese character, a run of Latin letters and digits with its signs (100.0%, 2018-04),
a bracketed number with what follows it (〔2018〕19号), a short [bracketed note] — never inside one; a closing
mark stays with what it closes and an opening mark with what it opens. Standard library only: the help screen
imports it.
"""

from __future__ import annotations

import re
import unicodedata

_OPEN = "（〔「『“《(【["
_CLOSE = "）〕」』”’，。、；：！？》)】]\""
_TOKEN = re.compile(
    rf"[〔（(\[【][0-9A-Za-z]{{1,8}}[〕）)\]】][0-9]*号?[{re.escape(_CLOSE)}]*"
    rf"|\[[^\[\]\s][^\[\]]{{0,18}}\][{re.escape(_CLOSE)}]*"
    rf"|[{re.escape(_OPEN)}]*(?:[0-9A-Za-z_.,:%+\-−‰/]+|\S)[{re.escape(_CLOSE)}]*|\s+")


def text_width(text: str) -> int:
    """Columns the text takes: East Asian wide and full-width characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def wrap(text: str, width: int) -> str:
    """``text`` with line breaks so no line is wider than ``width``, breaking only between tokens (a token
    wider than the line goes on a line of its own)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line, used = "", 0
        for tok in tokens(paragraph):
            w = text_width(tok)
            if used + w > width and line:
                lines.append(line.rstrip())
                line, used = ("", 0) if tok.isspace() else (tok, w)
                continue
            line += tok
            used += w
        lines.append(line.rstrip())
    return "\n".join(lines)


def header_width(header: str, lines: int) -> int:
    """The narrowest width at which ``header`` wraps onto at most ``lines`` lines."""
    longest = max((text_width(t) for t in tokens(header)), default=1)
    # Two Chinese characters a line at least: a one-character stack reads as nothing.
    width = max(longest, min(4, text_width(header)), -(-text_width(header) // lines))
    while wrap(header, width).count("\n") >= lines:
        width += 1
    return width
