"""Rendering results as terminal tables, CSV and JSON. Renderers take values and return or print text;
they decide nothing. Personal columns (联系人, 电话, 身份证号) never appear here."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from rich.markup import escape

from qhunion.decide.ruleset import DECISION_CODES, TOOL_DEFAULT, RuleSet
from qhunion.fields import BY_ID
from qhunion.findings import Finding, Severity, count_by_severity
from qhunion.normalise.privacy import looks_personal, mask, mask_optional
from qhunion.pipeline import Result, issues
from qhunion.readers.sheet import file_label
from qhunion.recognise.intake import Survey, is_sequence
from qhunion.records import Record
from qhunion.rules import Decision

# CSV opened in Excel runs a cell starting with these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def excel_safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def to_csv(rows: Iterable[dict[str, Any]], columns: Sequence[str]) -> str:
    return "".join(csv_lines(rows, columns))


def csv_lines(rows: Iterable[dict[str, Any]], columns: Sequence[str]) -> Iterator[str]:
    """CSV a line at a time, so a national survey's output is written as it is produced, never held whole."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        yield _drain(buf)
        writer.writerow([excel_safe(_flat(row.get(c))) for c in columns])
    yield _drain(buf)


def _drain(buf: io.StringIO) -> str:
    text = buf.getvalue()
    buf.seek(0)
    buf.truncate()
    return text


def _flat(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return "；".join(str(v) for v in value)
    if value is None:
        return ""
    return value


def to_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n"


# ── check ────────────────────────────────────────────────────────────────────────────────────────────


def check_data(survey: Survey) -> dict[str, Any]:
    findings = survey.all_findings()
    counts = count_by_severity(findings)
    files = []
    for name in survey.files:
        sheets = [
            {
                "sheet": mask(lay.sheet),
                "header_rows": list(lay.header_rows),
                "encoding": lay.encoding,
                "records": lay.records,
                "skipped": lay.skipped,
                "columns": [
                    {"column": _letter(c.index), "header": c.header, "field": c.field,
                     "label": BY_ID[c.field].label if c.field else None, "confidence": c.confidence,
                     "via": c.via, "doubtful": c.doubtful,
                     "candidates": [{"field": f, "label": BY_ID[f].label, "score": sc} for f, sc in c.candidates]}
                    for c in lay.columns
                ],
            }
            for lay in survey.layouts if lay.file == name
        ]
        unreadable = next((u.reason for u in survey.unreadable if _name(u.path) == name), None)
        files.append({"file": mask(name), "sheets": sheets, "unreadable": mask_optional(unreadable)})
    return {
        "records": len(survey.records),
        "without_region": survey.without_region,
        "files": files,
        "errors": counts[Severity.ERROR],
        "warnings": counts[Severity.WARNING],
        "infos": counts[Severity.INFO],
        "issues": [{k: mask(v) if isinstance(v, str) else v for k, v in f.as_dict().items()} for f in findings],
    }


def _name(path: str) -> str:
    from pathlib import Path

    return Path(path).name


def _letter(index: int) -> str:
    from qhunion.findings import column_letter

    return column_letter(index)


def print_check(survey: Survey, console: Any, inputs: Sequence[str] = (), quiet: bool = False) -> None:
    """Each sheet's columns, the doubtful ones, the findings and the totals; ``quiet`` (--quiet): only the
    files that could not be read and the totals line."""
    from rich.table import Table

    if quiet:
        print_unreadable(survey, console)
        print_totals(len(survey.records), survey.all_findings(), console, survey.without_region)
        return
    unreadable = {file_label(Path(u.path)) for u in survey.unreadable}
    for lay in survey.layouts:
        title = mask(f"{lay.file} › {lay.sheet}")
        if lay.skipped:
            if lay.file not in unreadable:  # a file none of whose sheets reads is said once, as unreadable
                console.print(f"[dim]{escape(title)}：未识别为调查表，已跳过[/dim]")
            continue
        rows = "、".join(str(r) for r in lay.header_rows)
        enc = f"，编码 {lay.encoding}" if lay.encoding else ""
        console.print(f"[bold]{escape(title)}[/bold]：表头在第 {rows} 行{escape(enc)}，读到 {lay.records} 条记录")
        table = Table("列", "表头", "对应字段", show_edge=False, pad_edge=False, box=None)
        for c in lay.columns:
            label = (BY_ID[c.field].label if c.field else "[dim]（序号，不参与判定）[/dim]" if is_sequence(c.header)
                     else "[yellow]（未识别，保留原值）[/yellow]")
            if c.via == "map":
                label += "[dim]（按 --map）[/dim]"
            elif c.doubtful and c.field:
                label += "[yellow]（待确认）[/yellow]"
            table.add_row(_letter(c.index), escape(c.header), label)
        console.print(table)
    print_suggestions(survey, console, inputs)
    print_findings(survey.all_findings(), console)
    print_unreadable(survey, console)
    print_totals(len(survey.records), survey.all_findings(), console, survey.without_region)


def print_suggestions(survey: Survey, console: Any, inputs: Sequence[str]) -> None:
    """Columns whose reading is not sure, each with its candidates, and the command line that settles them."""
    from qhunion.recognise.headers import map_command, suggestions

    found = [(lay, s) for lay in survey.layouts if lay.skipped is None for s in suggestions(lay.columns)]
    if not found:
        return
    console.print("[bold yellow]拿不准的列[/bold yellow]（请核对；要按别的字段读，把下面命令里的字段名改掉即可）：")
    for lay, s in found:
        console.print(f"  {escape(mask(lay.file))} › {escape(mask(lay.sheet))}：{escape(s.text)}")
    command = map_command(inputs, (s.map_item for _, s in found))
    console.print("确认后这样重新运行（classify 也用同样的 --map；加 --write-map 映射.toml 可保存下来反复使用）：")
    console.print(f"  {escape(command)}", soft_wrap=True)


def print_unreadable(survey: Survey, console: Any) -> None:
    """One sentence per file that could not be read at all: its name and what to do."""
    from qhunion.readers.sheet import shown

    for u in survey.unreadable:  # shown: a name's control characters escaped, GBK bytes read as text
        console.print(f"[red]无法读取[/red] {escape(mask(shown(_name(u.path))))}：{escape(mask(u.reason))}")


def print_findings(findings: list[Finding], console: Any, limit: int = 200) -> None:

    shown = [f for f in findings if f.severity is not Severity.INFO or f.row is not None]
    if not shown:
        return
    from qhunion.render import tablefit

    style = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "dim"}
    order = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
    listed = sorted(shown, key=lambda f: order[f.severity])[:limit]
    fitted = tablefit.fit([
        tablefit.Column("级别", [f.severity.label for f in listed], styles=[style[f.severity] for f in listed]),
        tablefit.Column("位置", [mask(f.place) for f in listed], flexible=True),
        tablefit.Column("说明", [mask(f.text) for f in listed], flexible=True),
    ], console.width)
    console.print(tablefit.table(fitted, title="数据问题"))
    if len(shown) > limit:
        console.print(f"……另有 {len(shown) - limit} 条，完整列表见 --format json 或判定工作簿的“数据问题”表")


def print_totals(records: int, findings: list[Finding], console: Any, without_region: int = 0) -> None:
    counts = count_by_severity(findings)
    unplaced = (f"；其中 {without_region} 家企业地区不明（汇总时计入“地区不明”，请补填县（市、区））"
                if without_region else "")
    console.print(f"共 {records} 条记录；错误 {counts[Severity.ERROR]} 条，警告 {counts[Severity.WARNING]} 条，"
                  f"提示 {counts[Severity.INFO]} 条{unplaced}")


# ── classify ─────────────────────────────────────────────────────────────────────────────────────────


def decision_row(r: Record, d: Decision) -> dict[str, Any]:
    """One enterprise for CSV and JSON. Phones and ID numbers in its free text are masked (`privacy.mask`);
    a credit code that is one is left out (issue 14, items 5, 8)."""
    code = r.credit_code
    return {
        "source": mask(r.file), "sheet": mask(r.sheet), "row": r.row, "name": mask_optional(r.name),
        "credit_code": None if code is None or looks_personal(code) else mask(code),
        "prefecture": r.prefecture, "county": r.county, "decision": d.code, "decision_label": d.label,
        "rule": d.rule, "clauses": list(d.clauses), "explanation": mask(d.explanation),
        "proposal": mask(d.proposal_shown), "responsible": "、".join(d.responsible), "follow_up": mask(d.follow_up),
        "issues": [mask(f.text) for f in issues(r, d) if f.severity is not Severity.INFO],
        # Every threshold read, with its clause or tool_default (issue 11), and the tool's own reading.
        "params": d.params, "reading": d.reading,
        # Every output carries the rule set that decided it: a CSV row read on its own must say so too.
        "rule_set": d.ruleset,
    }


def classify_rows(result: Result) -> Iterator[dict[str, Any]]:
    return (decision_row(r, d) for r, d in zip(result.survey.records, result.decisions, strict=True))


def classify_json_lines(result: Result) -> Iterator[str]:
    """`classify -f json`: the rule set, the counts and every record, written a record at a time."""
    head = {"rule_set": result.ruleset.stamp, "counts": dict(result.counts())}
    yield to_json(head).rstrip().removesuffix("}").rstrip() + ',\n  "records": ['
    for i, row in enumerate(classify_rows(result)):
        yield ("," if i else "") + "\n    " + json.dumps(row, ensure_ascii=False, default=str)
    yield "\n  ]\n}\n"


def print_classify(result: Result, console: Any, limit: int = 60, quiet: bool = False) -> None:
    """The decisions (the first ``limit``), the findings and the totals; ``quiet`` (--quiet): the line of
    counts by decision, the files that could not be read and the totals line."""

    counts = result.counts()
    rs = result.ruleset
    summary = "，".join(f"{rs.label(c)} {counts[c]}" for c in DECISION_CODES if counts[c])
    console.print(f"[bold]判定结果[/bold]（{len(result.decisions)} 家；规则集 {escape(rs.stamp)}）：{summary}")
    if quiet or not result.decisions:  # no empty table above the sentence that says why nothing was read
        print_unreadable(result.survey, console)
        print_totals(len(result.survey.records), result.all_findings(), console, result.survey.without_region)
        return
    from qhunion.render import tablefit

    shown = result.pairs[:limit]
    # At 80 columns 位置 goes first, then the county; the reason wraps between words, never inside 〔2018〕.
    fitted = tablefit.fit([
        tablefit.Column("位置", [mask(f"{r.file} 第{r.row}行") for r, _ in shown], keep=2),
        tablefit.Column("企业名称", [mask(r.name or "") for r, _ in shown], flexible=True, cap=24),
        tablefit.Column("县（市、区）", [r.county or r.prefecture or "" for r, _ in shown], keep=1, flexible=True,
                        cap=10),
        tablefit.Column("判定", [d.label for _, d in shown]),
        tablefit.Column("依据", [mask(d.explanation) for _, d in shown], flexible=True),
    ], console.width)
    console.print(tablefit.table(fitted))
    if len(result.decisions) > limit:
        console.print(f"……共 {len(result.decisions)} 家，只显示前 {limit} 家；全部见判定工作簿或 --format csv/json")
    findings = result.all_findings()
    print_findings(findings, console, limit=30)
    # As `check` does: a file that could not be read is named here, not only in the exit status.
    print_unreadable(result.survey, console)
    print_totals(len(result.survey.records), findings, console, result.survey.without_region)


def explain_text(r: Record, d: Decision, rs: RuleSet) -> list[str]:
    """The full reasoning for one enterprise, as lines (for the terminal: phones and ID numbers masked)."""
    lines = [f"{r.name}（{r.file} › {r.sheet} › 第 {r.row} 行）",
             f"地区：{r.prefecture or '未知'} {r.county or ''}".rstrip(),
             f"判定：{d.label}（{rs.rule(d.rule).title}）",  # ids are for scripts: --format json
             f"理由：{d.explanation}"]
    if d.thresholds:
        lines.append("读取的标准：" + "；".join(
            f"{rs.parameters[p].label} {rs.parameters[p].shown}"
            + (TOOL_DEFAULT if rs.parameters[p].tool_default else "") for p in d.thresholds))
    if d.reading:
        lines.append(f"本工具的理解：{d.reading}")
    if d.proposal:
        lines.append(f"建会方案：{d.proposal_shown}")
    units = "、".join(d.responsible)
    note = f"（{d.responsible_note}）" if units and d.responsible_note else ""
    lines.append(f"责任单位：{units or d.responsible_note or '未明确'}{note}")
    if d.follow_up:
        lines.append(f"下一步：{d.follow_up}")
    lines.append("依据条款：")
    for cid in d.clauses:
        c = rs.clauses[cid]
        lines.append(f"  {c.citation}：{c.text}")
    if found := issues(r, d):
        lines.append("数据问题：")
        lines += [f"  [{f.severity.label}] {f.message}" for f in found]
    lines.append(f"规则集：{rs.stamp}")
    return [mask(line) for line in lines]

