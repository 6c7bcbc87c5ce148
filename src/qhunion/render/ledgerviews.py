"""How the ledger's results read on a terminal: the summary's tables and the notes beside them, the list of
imports, the verify checks, and the line classify says after recording a run. Renderers take values and print
them; they decide nothing. Rich is imported inside the functions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qhunion.decide.ruleset import RuleSet
    from qhunion.ledger import Check, ImportInfo, ImportOutcome
    from qhunion.pipeline import Result
    from qhunion.summary import Summary


def import_time(info: ImportInfo) -> str:
    if info.imported_at is None:
        return "时间不明"
    return info.imported_at.astimezone().strftime("%Y-%m-%d %H:%M")


# ── the line classify says after recording ───────────────────────────────────────────────────────────
def recorded_names(result: Result) -> list[str]:
    """The names of the inputs `Ledger.record` imports, in its order: an outcome that was already in the
    ledger carries the name it was first imported under, and an identical file of another name is this one."""
    from qhunion.normalise.privacy import mask
    from qhunion.readers.sheet import file_label

    return [mask(file_label(p)) for p in result.survey.readable_paths]


def import_line(name: str, outcomes: list[ImportOutcome], names: list[str] | None = None) -> str:
    """``names``: the inputs' names, one per outcome (see `recorded_names`)."""
    names = names if names is not None and len(names) == len(outcomes) else [o.info.file_name for o in outcomes]
    new = [o for o in outcomes if not o.already]
    old = [(n, o) for n, o in zip(names, outcomes, strict=True) if o.already]
    if len(outcomes) == 1:
        o = outcomes[0]
        i = o.info
        in_round = f"，轮次 {i.round_label}" if i.round_label else ""
        if o.already and names[0] != i.file_name:
            return (f"{names[0]} 与账本 {name} 中第 {i.id} 次导入的 {i.file_name}（{import_time(i)}{in_round}）内容相同，"
                    "规则集和轮次也相同，未重复记入")
        if o.already:
            return (f"账本 {name} 中已有 {i.file_name}（第 {i.id} 次导入，{import_time(i)}{in_round}），内容、规则集和轮次都相同，"
                    "未重复记入")
        notes = [f"{i.record_count} 家企业{in_round}"]
        if o.superseded:
            notes.append(f"替换了 {o.superseded} 家企业的较早记录")
        if o.kept:
            notes.append(f"{o.kept} 家企业已有更晚轮次的记录，本次记录仅留作历史")
        if o.repeated:
            notes.append(f"{o.repeated} 行是文件中已出现过的企业，按后一行计")
        return f"已记入账本 {name}：{i.file_name} 为第 {i.id} 次导入（{'；'.join(notes)}）"
    parts = []
    if new:
        ids = sorted(o.info.id for o in new)
        span = f"第 {ids[0]} 次" if len(ids) == 1 else f"第 {ids[0]}–{ids[-1]} 次"
        superseded = sum(o.superseded for o in new)
        parts.append(f"新导入 {len(new)} 个文件（{span}，共 {sum(o.info.record_count for o in new)} 家企业"
                     + (f"，替换了 {superseded} 家企业的较早记录" if superseded else "") + "）")
    if old:
        shown = "、".join(n if n == o.info.file_name else f"{n}，与第 {o.info.id} 次导入的 {o.info.file_name} 内容相同"
                         for n, o in old[:3]) + ("等" if len(old) > 3 else "")
        parts.append(f"{len(old)} 个文件此前已导入，未重复记入（{shown}）")
    return f"账本 {name}：{'；'.join(parts)}"


# ── summary ──────────────────────────────────────────────────────────────────────────────────────────
def summary_notes(s: Summary, rs: RuleSet, err: Any) -> None:
    """What a reader must know before the table, on stderr: a former name, an empty or unplaced scope,
    decisions made under another rule set."""
    if s.scope.former:
        err.print(f"“{s.scope.asked}”是旧称，按现名“{s.scope.name}”汇总", markup=False)
    unplaced = s.note("unplaced")
    if s.total.figures.enterprises == 0 and unplaced:  # the records are there, only their county is not
        err.print(f"{s.source} 中没有能归入{s.scope.name}的企业记录：{unplaced.text}", markup=False)
    elif s.total.figures.enterprises == 0:
        err.print(f"{s.source} 中{s.scope.name if s.scope.level != 'province' else ''}还没有企业记录"
                  "（先用 qhunion classify 判定并记入账本）", markup=False)
    others = [stamp for stamp in s.decision_rule_sets if stamp != rs.stamp]
    if others:
        err.print(f"注意：其中的判定按规则集 {'、'.join(others)} 作出，与本次使用的规则集 {rs.stamp} 不同；"
                  "如需统一，请用同一规则集重新 classify", markup=False)


def cell(key: str, value: Any) -> str:
    """A summary figure as the terminal table shows it: 1,234 · 45.5% · +2.5 (percentage points) · +12."""
    from qhunion.summary import CHANGE_COLUMNS, RATE_COLUMNS

    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else ""
    if key in RATE_COLUMNS:
        return f"{value * 100:+.1f}" if key in CHANGE_COLUMNS else f"{value:.1%}"
    if key in CHANGE_COLUMNS and isinstance(value, int):
        return f"{value:+,}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


# Which summary columns stay at a narrow width: 1 first; columns not named here go first.
SUMMARY_KEEP = {
    "enterprises": 1, "standalone": 2, "established": 2, "unverified": 3, "required": 4, "required_with_union": 4,
    "to_form": 2, "union_rate": 1, "joint": 5, "industry": 6, "territorial": 6,
    "members": 2, "membership_rate": 1, "migrant_workers": 3, "migrant_members": 2, "migrant_membership_rate": 1,
    "migrant_target_gap": 2, "employees": 4, "drivers": 5, "driver_members": 5, "driver_membership_rate": 3,
    "new_unions": 1, "union_rate_change": 1, "new_members": 2, "membership_rate_change": 2,
    "new_migrant_members": 3, "migrant_membership_rate_change": 2,
}


def print_summary(s: Summary, rs: RuleSet, out: Any) -> None:
    """Two tables (建会, 入会), a third with the changes when comparing; the total row last."""
    from rich.markup import escape

    from qhunion.render import tablefit
    from qhunion.summary import BY_LABELS, CHANGE_COLUMNS, MEMBER_COLUMNS, UNION_COLUMNS, column_labels

    labels = column_labels(rs)
    data = s.as_dict()
    when = f"截至轮次 {s.round_label}" if s.round_label else "现行记录"
    vs = f"，与轮次 {s.compare} 比较" if s.compare else ""
    pilot = "（试点地区）" if s.total.pilot else ""
    out.print(f"[bold]{s.scope.name}{pilot} 建会入会进度[/bold]（按{BY_LABELS[s.by]}；{when}{escape(vs)}；"
              f"{escape(s.source)}；规则集 {escape(s.rule_set)}）", highlight=False)
    sections = [("建会情况", UNION_COLUMNS), ("入会情况", MEMBER_COLUMNS)]
    if s.compare:
        sections.append((f"与轮次 {s.compare} 相比（比率变化为百分点）", CHANGE_COLUMNS))
    first = "市（州）/ 县（市、区）" if s.by == "county" and s.scope.level == "province" else BY_LABELS[s.by]
    rows = [*data["rows"], data["total"]]
    names = []
    for row in rows:
        name = row["label"]
        if s.by == "county" and s.scope.level == "province" and row is not data["total"] and row["county"]:
            name = f"{row['prefecture']} {name}"
        if row["pilot"] and not s.total.pilot:  # within a pilot region every row is one: said in the title
            name += "（试点）"
        if row.get("late"):
            name += f"（{labels['late']}）"  # the rule set's deadline
        names.append(name)
    for title, keys in sections:
        # At a narrow width the columns people act on stay and the rest are named as left out (issue 13).
        fitted = tablefit.fit([tablefit.Column(first, names), *(
            tablefit.Column(labels[c], [cell(c, row.get(c)) for row in rows], keep=SUMMARY_KEEP.get(c, 9),
                            right=True) for c in keys)], out.width)
        out.print(tablefit.table(fitted, title=title, bold_last=True))
        note = tablefit.dropped_note(fitted)
        if note:
            out.print(note, markup=False, highlight=False)
    out.print(f"建会率 = 应单独建会企业中已建会的比例（青总办〔2018〕19号 三（二））；"
              f"农民工入会率目标 {rs.parameters['migrant_target'].shown}（二）", markup=False)
    for footnote in s.notes:
        out.print(f"注：{footnote.text}", markup=False, highlight=False)


# ── ledger list | verify ─────────────────────────────────────────────────────────────────────────────
IMPORT_LABELS = ("编号", "文件", "轮次", "填报单位", "企业数", "现行记录", "导入时间", "规则集", "文件指纹")


def print_imports(found: list[ImportInfo], name: str, out: Any) -> None:
    from rich.markup import escape
    from rich.table import Table

    from qhunion.readers.sheet import shown

    if not found:
        out.print(f"账本 {name} 中还没有导入", markup=False)
        return
    table = Table(*IMPORT_LABELS, title=f"账本 {escape(name)}", box=None, pad_edge=False, title_justify="left")
    for i in found:
        table.add_row(str(i.id), escape(shown(i.file_name)), escape(shown(i.round_label or "—")),
                      escape(shown(i.unit or "")),
                      f"{i.record_count:,}",
                      f"{i.current:,}", import_time(i), f"{i.ruleset_version} ({i.ruleset_digest})", i.sha256[:12])
    out.print(table)


CHECK_LABELS = {
    "integrity": "SQLite 完整性检查", "foreign_keys": "外键", "schema": "结构版本",
    "orphans": "每条记录都属于一次导入", "one_current": "每家企业恰有一条现行记录",
    "current_is_latest": "现行记录是最新轮次、最后导入的", "import_counts": "各次导入的记录数相符",
}


def check_rows(checks: list[Check]) -> list[dict[str, Any]]:
    """The checks as rows for CSV and JSON, each with its Chinese label."""
    return [{"check": c.name, "label": CHECK_LABELS.get(c.name, c.name), "ok": c.ok, "detail": c.detail}
            for c in checks]


def print_checks(checks: list[Check], name: str, ok: bool, out: Any) -> None:
    for c in checks:
        mark = "[green]通过[/green]" if c.ok else "[red]不通过[/red]"
        out.print(f"{mark}  {CHECK_LABELS.get(c.name, c.name)}：", end="")
        out.print(c.detail, markup=False)
    out.print(f"账本 {name}：" + ("完好" if ok else "发现问题，请把以上输出发给技术人员"), markup=False)
