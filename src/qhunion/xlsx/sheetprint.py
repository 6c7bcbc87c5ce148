"""How qhunion's workbooks print and how wide their columns are: one page setup for every sheet a person may
print (A4 landscape, one page wide and as many long as needed, the header rows on every page, a print area,
page numbers), and column widths from what the columns hold.

Widths are in Excel's character units; a Chinese character takes two.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from qhunion.textwidth import header_width, text_width

A4 = 9  # xlsxwriter's paper code
FOOTER = "&C第 &P 页，共 &N 页"  # Excel's codes: page number, page count
HEADER = "&L&A&R打印于 &D"  # sheet name on the left, the print date on the right


# Column units across an A4 landscape page at 100 % within our margins, and the smallest scale that still
# reads (an 11-point font printed at 6.6 points).
PAGE_UNITS = 150
MIN_SCALE = 0.6


def pages_wide(widths: Sequence[float], kept: float = 0) -> int:
    """How many pages wide a sheet of these column widths must print to stay readable: 1 unless it is wider
    than a page at MIN_SCALE. ``kept``: the width of the columns repeated on every page."""
    room = PAGE_UNITS / MIN_SCALE
    total = sum(widths)
    if total <= room:
        return 1
    return int(-(-(total - kept) // (room - kept)) if room > 2 * kept else -(-total // room))


def print_setup(ws: Any, last_row: int, last_col: int, title_rows: int = 1, first_row: int = 0,
                wide: int = 1, title_cols: int = 0) -> None:
    """Landscape A4, fit to ``wide`` pages wide (1 for all but the widest sheet) and as many long as needed,
    rows ``first_row`` … ``first_row + title_rows - 1`` repeated on every page (and the first ``title_cols``
    columns on each page across), printed from A1 to (``last_row``, ``last_col``), 0-based."""
    ws.set_landscape()
    ws.set_paper(A4)
    ws.fit_to_pages(wide, 0)  # 0: as many pages high as the rows need
    if wide > 1:
        ws.print_across()  # the pages of a band of rows follow each other
        if title_cols:
            ws.repeat_columns(0, title_cols - 1)
    if title_rows:
        ws.repeat_rows(first_row, first_row + title_rows - 1)
    ws.print_area(0, 0, max(last_row, first_row + title_rows - 1, 0), max(last_col, 0))
    ws.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.6)
    ws.set_header(HEADER)
    ws.set_footer(FOOTER)


def fitted_widths(headers: Sequence[str], rows: Iterable[Sequence[Any]], minimum: float = 5,
                  maximum: float = 40) -> list[float]:
    """Per column, the width that shows its longest value (numbers and dates as they print) and its header on
    at most two lines, within [minimum, maximum]. ``rows`` is a sample: a long survey is judged by its start."""
    widths = [float(header_width(h, 2) + 1) for h in headers]  # + 1: Excel's cell padding
    for row in rows:
        for i, value in enumerate(row[:len(widths)]):
            if value is None or value == "":
                continue
            w = text_width(value) if isinstance(value, str) else 11 if hasattr(value, "year") else len(str(value))
            if w + 1 > widths[i]:
                widths[i] = w + 1.0
    return [min(max(w, minimum), maximum) for w in widths]
