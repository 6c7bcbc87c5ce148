"""The summary workbook (`qhunion summary -f xlsx`): the progress table, a chart of the membership rates with
the 60 % target drawn across it, a chart of the decisions, and a 说明 sheet; every sheet prints on A4
landscape, one page wide, with its header on every page.

The target line is a line series on the rates' own axis with the target written in every category, in a
visible column: LibreOffice, WPS and Excel all leave data in hidden cells out of a chart, so the hidden
column it used to come from drew nothing in LibreOffice (issue 13).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from qhunion.xlsx.sheetprint import print_setup
from qhunion.xlsx.styles import TARGET_COLOUR, Styles

if TYPE_CHECKING:
    from qhunion.decide.ruleset import RuleSet
    from qhunion.summary import Summary

CHART_ROWS = 60  # more categories than this and a chart is unreadable; the table has them all
RATES_HEIGHT, ROW_PIXELS = 360, 20


def write_summary_book(s: Summary, rs: RuleSet, target: Path) -> None:
    """The summary table and two native charts (rates against the target; decisions), written atomically."""
    import xlsxwriter

    from qhunion.outputs import SUMMARY, atomic_path, closing_zips, set_marker
    from qhunion.summary import BY_LABELS, RATE_COLUMNS, STANDALONE_SHOWN, column_labels
    from qhunion.xlsx.workbook import write_value

    labels = column_labels(rs)
    data = s.as_dict()
    columns = s.columns()
    rows = [*data["rows"], data["total"]]
    with atomic_path(target) as tmp, closing_zips():
        book = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False,
                                              "strings_to_numbers": False})
        set_marker(book, SUMMARY)
        st = Styles(book)
        ws = book.add_worksheet("汇总")
        header = [labels[c] or "名称" for c in columns]
        target_col = len(columns)  # the target in every row: the chart's line, and a column people can read
        ws.write_row(0, 0, [*header, f"农民工入会率目标 {rs.parameters['migrant_target'].shown}"], st.header)
        ws.set_row(0, 45)
        for r, row in enumerate(rows, start=1):
            total = row is data["total"]
            for c, key in enumerate(columns):
                value = row.get(key)
                if key == "pilot":
                    value = "是" if value else ""
                rate = key in RATE_COLUMNS
                write_value(ws, r, c, value, (st.bold_pct if rate else st.bold) if total else (st.pct if rate else None))
            ws.write_number(r, target_col, s.target, st.target)
        ws.freeze_panes(1, 1)
        ws.set_column(0, 0, 22)
        ws.set_column(1, target_col, 10)
        chart_rows = _charts(book, ws, s, columns, len(data["rows"]), target_col)
        print_setup(ws, len(rows) + chart_rows, target_col)
        about = book.add_worksheet("说明")
        for r, (k, v) in enumerate([
            ("地区", s.scope.name), ("分组", BY_LABELS[s.by]), ("轮次", s.round_label or "现行记录"),
            ("比较轮次", s.compare or ""), ("来源", s.source), ("规则集", s.rule_set),
            ("判定所用规则集", "、".join(s.decision_rule_sets)),
            ("生成时间", s.generated_at.replace(tzinfo=None)),  # local time, as the clock on the wall
            ("建会率", rs.filled(f"应单独建会（{STANDALONE_SHOWN}）的企业中已建会的比例")),
            ("距目标尚需", f"⌈{rs.parameters['migrant_target'].shown} × 农民工人数⌉ − 已入会农民工人数，最少为 0"),
        ]):
            about.write_string(r, 0, k, st.bold)
            write_value(about, r, 1, v, st.datetime_left if k == "生成时间" else None)
        about.set_column(0, 0, 16)
        about.set_column(1, 1, 80)
        print_setup(about, 9, 1, title_rows=0)
        book.close()


def _charts(book: Any, ws: Any, s: Summary, columns: list[str], n: int, target_col: int) -> int:
    """Both charts below the table; returns the rows they cover, for the print area."""
    if n == 0:
        return 0
    from qhunion.decide.ruleset import DECISION_CODES

    last = min(n, CHART_ROWS)
    sheet = ws.get_name()
    cats = [sheet, 1, 0, last, 0]
    rates = book.add_chart({"type": "column"})
    for key in ("membership_rate", "driver_membership_rate", "migrant_membership_rate"):
        col = columns.index(key)
        rates.add_series({"name": [sheet, 0, col], "categories": cats, "values": [sheet, 1, col, last, col]})
    line = book.add_chart({"type": "line"})
    line.add_series({"name": [sheet, 0, target_col], "categories": cats,
                     "values": [sheet, 1, target_col, last, target_col],
                     "line": {"color": TARGET_COLOUR, "width": 2.25, "dash_type": "dash"},
                     "marker": {"type": "none"}})
    rates.combine(line)
    rates.set_title({"name": f"{s.scope.name} 入会率与农民工入会率目标"})
    rates.set_y_axis({"num_format": "0%", "min": 0, "max": 1})
    rates.set_legend({"position": "bottom"})
    rates.set_size({"width": 900, "height": RATES_HEIGHT})
    ws.insert_chart(n + 3, 0, rates)
    decisions = book.add_chart({"type": "bar", "subtype": "stacked"})
    for code in DECISION_CODES:
        col = columns.index(code)
        decisions.add_series({"name": [sheet, 0, col], "categories": cats, "values": [sheet, 1, col, last, col]})
    decisions.set_title({"name": f"{s.scope.name} 建会判定"})
    decisions.set_y_axis({"reverse": True})
    height = 320 + 18 * last
    decisions.set_size({"width": 900, "height": height})
    below = 3 + -(-RATES_HEIGHT // ROW_PIXELS) + 2
    ws.insert_chart(n + below, 0, decisions)
    return below + -(-height // ROW_PIXELS) + 1
