"""The rule set as people read it: one list of sections (clauses, precedence, parameters, division of labour,
pilots, deadlines) rendered to the terminal, to JSON and to the workbook's 判定依据 sheet."""

from __future__ import annotations

from typing import Any

from qhunion.decide.ruleset import TOOL_DEFAULT, TOOL_READING, RuleSet

Section = tuple[str, tuple[str, ...], list[tuple[Any, ...]]]
CLAUSES = "条款原文"


def rules_rows(rs: RuleSet) -> list[Section]:
    """Every number and reading the document does not fix is marked as the tool's own (issue 11)."""
    clauses = [(cid, c.citation, c.text) for cid, c in rs.clauses.items()]
    precedence = [
        (i, f"{r.id}：{r.title}", f"→ {rs.label(r.decision)}（{r.decision}）", rs.cite(r.clauses),
         f"建立{r.proposal}，或{r.alternative}" if r.alternative else r.proposal, _own(r.reading),
         "；".join(x for x in (rs.cite(r.other_groups_clauses) if r.other_groups_clauses else "",
                              _own(r.other_groups_reading)) if x))
        for i, r in enumerate(rs.rules, start=1)
    ]
    params = [
        (p.label, p.shown, f"{p.note}{TOOL_DEFAULT if p.tool_default else ''}", rs.cite(p.clauses),
         "本工具默认值" if p.tool_default else "文件规定", p.effective.isoformat())
        for p in rs.parameters.values()
    ]
    level = {"county": "县（市、区）", "prefecture": "市（州）"}[rs.concentration.level]
    concentration = [("计数的区域", level, _own(rs.concentration.reading)),
                     ("较集中的含义", "小型货运企业数或其货车司机人数任一达到标准数值",
                      _own("文件写“货运企业和货车司机较集中”，未给数字"))]
    division = [
        (r.group, "、".join(r.unions) or "（文件未明确）",
         "；".join(x for x in (r.note, f"试点产业工会：{'、'.join(r.pilot_unions)}" if r.pilot_unions else "",
                              _own(r.reading)) if x),
         rs.cite(r.clauses))
        for r in rs.responsibility
    ]
    pilots = [(u, rs.cite(rs.pilots.clauses)) for u in rs.pilots.units]
    deadlines = [(d.date.isoformat(), d.task, f"{rs.meta.document} {d.section}") for d in rs.deadlines]
    return [
        ("判定顺序（依次判断，先符合者为准）",
         ("序", "规则", "判定", "依据", "建会方案", "本工具的理解", "八大群体其他群体的依据"), precedence),
        ("标准数值", ("名称", "数值", "说明", "依据", "来源", "生效日期"), params),
        ("较集中区域（三（二））", ("项目", "取值", "说明"), concentration),
        (CLAUSES, ("编号", "出处", "原文"), clauses),
        ("责任分工（八大群体）", ("群体", "责任单位", "说明", "依据"), division),
        ("试点单位", ("单位", "依据"), pilots),
        ("时间节点", ("日期", "任务", "依据"), deadlines),
    ]




def rules_csv_rows(rs: RuleSet) -> list[dict[str, Any]]:
    """The rule set's tables as one long CSV table: each cell with its section, row number and column."""
    return [{"section": title, "row": n, "column": column, "value": value}
            for title, columns, rows in rules_rows(rs)
            for n, row in enumerate(rows, start=1)
            for column, value in zip(columns, row, strict=False)]


def _own(reading: str) -> str:
    """A reading of the text, marked as the tool's own (once)."""
    if not reading:
        return ""
    return reading if TOOL_READING in reading else f"{reading}（{TOOL_READING}）"


def rules_data(rs: RuleSet) -> dict[str, Any]:
    return {
        "rule_set": rs.stamp,
        "meta": rs.meta.model_dump(mode="json"),
        "clauses": {k: v.model_dump() for k, v in rs.clauses.items()},
        "parameters": {k: v.model_dump(mode="json") for k, v in rs.parameters.items()},
        "decisions": rs.decisions,
        "rules": [r.model_dump() for r in rs.rules],
        "responsibility": [r.model_dump() for r in rs.responsibility],
        "pilots": rs.pilots.model_dump(),
        "concentration": rs.concentration.model_dump(),
        "deadlines": [d.model_dump(mode="json") for d in rs.deadlines],
    }


def print_rules(rs: RuleSet, console: Any) -> None:
    """Tables for the short sections; the clauses as paragraphs, each quote on one line, so that what is
    printed is the text verbatim (a table cell would wrap it, and Rich crops unspaced Chinese with “…”)."""
    from rich.markup import escape
    from rich.table import Table

    console.print(f"[bold]{escape(rs.meta.title)}[/bold]（{escape(rs.meta.document)}，{rs.meta.issued.isoformat()}）")
    console.print(f"规则集 {escape(rs.stamp)}，版本 {escape(rs.meta.version)}，文件 {escape(rs.path)}")
    for title, header, rows in rules_rows(rs):
        if title == CLAUSES:
            console.print()
            console.print(f"[bold]{title}[/bold]")
            for cid, citation, text in rows:
                console.print(f"[bold]{escape(cid)}[/bold]　{escape(citation)}")
                console.print(f"  {text}", markup=False, soft_wrap=True)
            console.print()
            continue
        table = Table(*header, title=title, title_justify="left", show_lines=True)
        for column in table.columns:
            column.overflow = "fold"
        for row in rows:
            table.add_row(*(escape(str(v)) for v in row))
        console.print(table)
