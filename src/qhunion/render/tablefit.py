"""Terminal tables that fit the width they are given (80 columns, a pipe's COLUMNS): which columns to keep,
how wide each is, and text wrapped where a reader would break it.

Rich folds Chinese text anywhere: at 80 columns a summary header became a stack of single characters, a rate
broke into “100.0” and “%”, and 青总办〔2018〕19号 split inside its brackets. Here a line breaks only between
tokens (`textwidth.wrap`) and numbers never wrap; columns that cannot fit are dropped, least
important first, and the caller says which.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from qhunion.textwidth import header_width, text_width, wrap

GAP = 2  # Rich's padding between columns in a box-less table (one each side)
HEADER_LINES = 3  # a header may take this many lines at most


@dataclass
class Column:
    header: str
    cells: list[str]
    keep: int = 0  # lower is kept longer; 0: never dropped
    flexible: bool = False  # free text: takes the room left over and wraps (cells are wrapped by fit)
    right: bool = False  # numbers: right-aligned
    styles: list[str] | None = None  # a Rich style per cell
    cap: int | None = None  # free text: never wider than this, however much room is left

    @property
    def natural(self) -> int:
        """Its width with nothing wrapped but the header (free text: up to its cap)."""
        width = max([header_width(self.header, HEADER_LINES), *(text_width(c) for c in self.cells)])
        return min(width, max(self.cap, header_width(self.header, HEADER_LINES))) if self.cap and self.flexible else width


@dataclass
class Fitted:
    columns: list[Column]
    widths: list[int]
    dropped: list[Column]

    def header(self, i: int) -> str:
        return wrap(self.columns[i].header, self.widths[i])

    def rows(self) -> list[list[str]]:
        """The kept columns' cells row by row, free text wrapped to its column."""
        count = max((len(c.cells) for c in self.columns), default=0)
        return [[wrap(c.cells[r], w) if c.flexible else c.cells[r] for c, w in zip(self.columns, self.widths,
                                                                                   strict=True)]
                for r in range(count)]


FLEX_MIN = 16  # a free-text column narrower than this reads as a column of fragments


def fit(columns: Sequence[Column], width: int) -> Fitted:
    """Keep columns, least droppable first, while their natural widths (free text at FLEX_MIN) fit ``width``;
    then free-text columns share what is left."""
    def need(cols: list[Column]) -> int:
        return sum(min(c.natural, FLEX_MIN) if c.flexible else c.natural for c in cols) + GAP * (len(cols) - 1)

    kept = list(columns)
    dropped: list[Column] = []
    while need(kept) > width:
        candidates = [c for c in kept if c.keep]
        if not candidates:
            break
        worst = max(candidates, key=lambda c: (c.keep, kept.index(c)))
        kept.remove(worst)
        dropped.append(worst)
    widths = [min(c.natural, FLEX_MIN) if c.flexible else c.natural for c in kept]
    spare = width - need(kept)
    flexible = sorted((i for i, c in enumerate(kept) if c.flexible), key=lambda i: kept[i].natural)
    for n, i in enumerate(flexible):  # share the spare room, each up to its natural width
        share = spare // (len(flexible) - n)
        grow = max(0, min(share, kept[i].natural - widths[i]))
        widths[i] += grow
        spare -= grow
    return Fitted(kept, widths, [c for c in columns if c in dropped])


def table(fitted: Fitted, title: str | None = None, bold_last: bool = False) -> object:
    """A box-less Rich table of the fitted columns: headers pre-wrapped, nothing folded by Rich itself."""
    from rich.table import Table
    from rich.text import Text

    t = Table(title=title, box=None, pad_edge=False, title_justify="left", show_edge=False)
    for i, c in enumerate(fitted.columns):
        t.add_column(Text(fitted.header(i)), width=fitted.widths[i], no_wrap=not c.flexible,
                     justify="right" if c.right else "left", overflow="fold")
    rows = fitted.rows()
    for r, row in enumerate(rows):
        cells = [Text(v, style=(c.styles[r] if c.styles else "")) for c, v in zip(fitted.columns, row, strict=True)]
        last = bold_last and r == len(rows) - 1
        t.add_row(*cells, end_section=bold_last and r == len(rows) - 2, style="bold" if last else None)
    return t


def dropped_note(fitted: Fitted) -> str | None:
    if not fitted.dropped:
        return None
    names = "、".join(c.header for c in fitted.dropped)
    return f"（终端较窄，未显示：{names}；加宽窗口或用 --format csv 查看全部）"
