"""One set of cell styles for every workbook qhunion writes (the annotated workbook, the summary workbook, the
template): the same header, the same dates written as a Chinese reader writes them, the same colours for a
decision, so a sheet from one looks like a sheet from another.

`Styles` makes each format the first time a writer asks for it: xlsxwriter keeps every format it is given
in styles.xml, and `sheetxml.style_id` asks for a format's index only when a sheet uses it.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from qhunion.findings import Severity

HEADER = "#D9E1F2"  # the survey's own columns
ADDED_HEADER = "#FCE4D6"  # the columns qhunion adds beside them
# Fill per decision. Warm and bold: the county has to act (单独建会 a union to form, 待核实 facts to fetch);
# green: done (已建会); blues and purples: covered through another union; greys: nothing to do now.
DECISION_COLOURS = {
    "standalone": "#F8CBAD", "joint": "#BDD7EE", "industry": "#D9D2E9", "territorial": "#DDEBF7",
    "established": "#A9D08E", "excluded": "#E7E6E6", "unverified": "#FFE699", "deferred": "#F2F2F2",
}
TO_ACT = frozenset({"standalone", "unverified"})
DONE = frozenset({"established"})
SEVERITY_COLOURS = {Severity.ERROR: "#FFC7CE", Severity.WARNING: "#FFEB9C"}
TARGET_COLOUR = "#C00000"  # the membership target (the rule set's), in a table and across a chart
# Dates as a Chinese reader writes them, not ISO strings (issue 13).
LOCAL_DATE = 'yyyy"年"m"月"d"日"'
LOCAL_DATETIME = 'yyyy"年"m"月"d"日" hh:mm'
_HEAD = {"bold": True, "border": 1, "text_wrap": True, "valign": "vcenter"}
_WRAP = {"text_wrap": True, "valign": "top"}


class Styles:
    """The formats of one workbook, each added to it when first used."""

    def __init__(self, book: Any) -> None:
        self._book = book

    def _add(self, spec: dict[str, Any]) -> Any:
        return self._book.add_format(spec)

    @cached_property
    def header(self) -> Any:
        return self._add({**_HEAD, "bg_color": HEADER})

    @cached_property
    def centred_header(self) -> Any:
        return self._add({**_HEAD, "bg_color": HEADER, "align": "center"})

    @cached_property
    def added_header(self) -> Any:
        return self._add({**_HEAD, "bg_color": ADDED_HEADER})

    @cached_property
    def title(self) -> Any:
        return self._add({"bold": True, "font_size": 14})

    @cached_property
    def bold(self) -> Any:
        return self._add({"bold": True})

    @cached_property
    def wrap(self) -> Any:
        return self._add(_WRAP)

    @cached_property
    def wrap_date(self) -> Any:
        return self._add({**_WRAP, "num_format": LOCAL_DATE, "align": "left"})

    @cached_property
    def date(self) -> Any:
        return self._add({"num_format": LOCAL_DATE})

    @cached_property
    def datetime(self) -> Any:
        return self._add({"num_format": LOCAL_DATETIME})

    @cached_property
    def datetime_left(self) -> Any:
        return self._add({"num_format": LOCAL_DATETIME, "align": "left"})

    @cached_property
    def pct(self) -> Any:
        return self._add({"num_format": "0.0%"})

    @cached_property
    def bold_pct(self) -> Any:
        return self._add({"bold": True, "num_format": "0.0%"})

    @cached_property
    def target(self) -> Any:
        return self._add({"num_format": "0%", "font_color": TARGET_COLOUR})

    @cached_property
    def text(self) -> Any:
        """A column formatted as text, so a code or phone typed into it keeps its digits."""
        return self._add({"num_format": "@"})

    @cached_property
    def example(self) -> Any:
        return self._add({"font_color": "#808080", "italic": True})

    @cached_property
    def link(self) -> Any:
        return self._add({"font_color": "blue", "underline": 1})

    @cached_property
    def severity(self) -> dict[Severity, Any]:
        """A problem cell's fill."""
        return {s: self._add({"bg_color": c}) for s, c in SEVERITY_COLOURS.items()}

    @cached_property
    def decision(self) -> dict[str, Any]:
        return {code: self._add({"bg_color": c, "bold": code in TO_ACT}) for code, c in DECISION_COLOURS.items()}
