"""The command line: a thin Typer shell over the library. Options are parsed here (their definitions are in
`options`), work is done by plain functions elsewhere, and results reach the screen or a file through
`options.emit`. Errors are raised as `errors.QhunionError`s and said, with their exit status, in one place:
`shell.QhunionGroup.main` (the table of statuses is `errors.STATUSES`).

Heavy modules (calamine, xlsxwriter, SQLAlchemy, Rich tables) are imported inside the commands so that
`qhunion --help` stays instant in batch loops.
"""

from __future__ import annotations

import gc
import os
from pathlib import Path
from typing import Annotated, Any

import typer

from qhunion import columns, options
from qhunion.cli_ledger import ledger_app, summary
from qhunion.cli_report import report
from qhunion.errors import DATA_ERRORS, OK, UNREADABLE
from qhunion.options import (
    DbOpt,
    EncodingOpt,
    Files,
    ForceOpt,
    FormatOpt,
    MapFileOpt,
    MapOpt,
    OutputOpt,
    RulesOpt,
    View,
    emit,
)
from qhunion.render import console as _console
from qhunion.shell import _state, command_group, fail

app = command_group(
    "qhunion", "青海省货车司机等“八大群体”入会调查表工具：读取校验调查表、按青总办〔2018〕19号判定建会方式、汇总进度。")


def _version(value: bool) -> None:
    if value:
        from qhunion import __version__

        _console.write(f"qhunion {__version__}\n")
        raise typer.Exit(OK)


SHELLS = ("bash", "zsh", "fish", "powershell")


def _completion(shell: str | None) -> None:
    if shell is None:
        return
    if shell not in SHELLS:
        fail(f"不支持为“{shell}”生成补全脚本，可选：{' / '.join(SHELLS)}")
    from typer._completion_shared import get_completion_script

    _console.write(get_completion_script(prog_name="qhunion", complete_var="_QHUNION_COMPLETE", shell=shell))
    raise typer.Exit(OK)


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="出错时显示完整的技术信息（供开发人员排查；可写在命令前或后）")] = False,
    quiet: Annotated[bool, typer.Option(
        "--quiet", "-q", help="少说：每个文件的表格只留一行小结，不显示进度（批量处理时用；可写在命令前或后）")] = False,
    version: Annotated[bool, typer.Option(
        "--version", help="显示版本号并退出", callback=_version, is_eager=True)] = False,
    completion: Annotated[str | None, typer.Option(
        "--completion", metavar="外壳", callback=_completion, is_eager=True, show_default=False,
        help="打印命令补全脚本（bash / zsh / fish / powershell）；如 bash 中："
             "qhunion --completion bash >> ~/.bashrc，重开终端后按 Tab 补全命令和选项")] = None,
) -> None:
    _state["debug"] = debug or bool(os.environ.get("QHUNION_DEBUG"))  # per run: the tests run many in one process
    _console.set_quiet(quiet)


def _exit_status(unreadable: int, error_count: int) -> int:
    if unreadable:
        return UNREADABLE
    return DATA_ERRORS if error_count else OK


@app.command()
def check(
    files: Files,
    fmt: FormatOpt = None,
    encoding: EncodingOpt = None,
    output: OutputOpt = None,
    map_items: MapOpt = None,
    map_file: MapFileOpt = None,
    write_map: Annotated[Path | None, typer.Option(
        "--write-map", metavar="映射文件", dir_okay=False, show_default=False,
        help="把各列的识别结果（含 --map 的更正）保存为映射文件，以后用 --map-file 重复使用")] = None,
    force: ForceOpt = False,
) -> None:
    """读取并校验调查表：找到表头、识别各列（给出拿不准的列和 --map 写法）、列出数据问题（不做判定）。"""
    from qhunion.outputs import choose, claim
    from qhunion.recognise.intake import error_count, read_survey
    from qhunion.render import console, tables

    kind, target = choose(output, fmt, {"csv": ".csv", "json": ".json"}, "table", lambda f: f"校验结果.{f}")
    encoding = options.encoding(encoding)
    with console.run_progress():
        survey = read_survey(files, encoding, keep_cells=False, mapping=options.mapping(map_items, map_file))
    console.say_skipped(survey.skipped)
    claim([t for t in (target, write_map) if t is not None], [*survey.paths, *([map_file] if map_file else [])],
          force=force)
    if write_map is not None:
        from qhunion.outputs import atomic_text
        from qhunion.readers.sheet import shown_path
        from qhunion.recognise.headers import map_file_text

        with atomic_text(write_map, "utf-8") as fh:
            fh.write(map_file_text(lay for lay in survey.layouts if lay.skipped is None))
        console.wrote("表头映射", write_map, f"（以后用 --map-file {shown_path(write_map)}）")
    data = tables.check_data(survey)
    emit(View(table=lambda out: tables.print_check(survey, out, files, quiet=console.is_quiet()),
              json=lambda: tables.to_json(data), csv=lambda: tables.to_csv(data["issues"], columns.ISSUE_COLUMNS),
              kind="check"), kind, target)
    if kind != "table":  # the table names them itself; stdout carries only the CSV/JSON here
        tables.print_unreadable(survey, console.err())
    raise typer.Exit(_exit_status(len(survey.unreadable), error_count(survey.all_findings())))


@app.command()
def classify(
    files: Files,
    output: Annotated[str | None, typer.Option(
        "--output", "-o", metavar="输出文件", show_default=False,
        help="判定工作簿的路径（默认：输入文件名_建会判定.xlsx，放在输入文件旁；文件夹（以 / 结尾）：各工作簿写入其中）；"
             "以 .csv/.json 结尾时为结果文件")] = None,
    fmt: FormatOpt = None,
    rules: RulesOpt = None,
    encoding: EncodingOpt = None,
    strict: Annotated[bool, typer.Option("--strict", help="有“待核实”的企业时以状态 1 退出")] = False,
    no_workbook: Annotated[bool, typer.Option("--no-workbook", help="不写判定工作簿")] = False,
    db: DbOpt = None,
    round_label: Annotated[str | None, typer.Option(
        "--round", metavar="轮次", show_default=False, help="调查轮次，记入账本（如 2018-04；2018-4 按 2018-04 记）")] = None,
    unit: Annotated[str | None, typer.Option("--unit", metavar="填报单位", show_default=False, help="填报单位，记入账本")] = None,
    no_ledger: Annotated[bool, typer.Option("--no-ledger", help="不记入账本")] = False,
    map_items: MapOpt = None,
    map_file: MapFileOpt = None,
    force: ForceOpt = False,
) -> None:
    """按青总办〔2018〕19号判定每家企业的建会方式，写出带判定的工作簿，并记入账本（供 summary 汇总）。"""
    from qhunion.outputs import choose, claim, is_folder, workbook_targets
    from qhunion.pipeline import run
    from qhunion.recognise.intake import error_count
    from qhunion.render import console, tables

    kind, target = choose(output, fmt, {"table": ".xlsx", "csv": ".csv", "json": ".json"}, "table",
                          lambda f: "" if f == "table" else f"建会判定.{f}")
    folder = target if kind == "table" and output is not None and is_folder(output) else None
    rs, encoding = options.ruleset(rules), options.encoding(encoding)
    workbook = not no_workbook and (kind == "table" or target is None)
    known = None
    if not no_ledger:
        from qhunion.cli_ledger import ledger_members

        known = ledger_members(db, rs)
    with console.run_progress():  # on stderr while reading and deciding, gone before the tables print
        result = run(files, rs, encoding, keep_cells=workbook, mapping=options.mapping(map_items, map_file),
                     known=known)
    console.say_skipped(result.survey.skipped)
    books: dict[Path, Path] = {}
    if workbook and result.survey.records:
        if kind == "table" and target is not None and folder is None:
            books = {Path(""): target}  # everything in one workbook
        else:
            read = [p for p in result.survey.paths if result.survey.records[result.survey.spans[p].records]]
            books, notes = workbook_targets(read, folder)
            for note in notes:
                console.err().print(note, markup=False, highlight=False)
    claim([*books.values(), *([target] if target is not None and kind != "table" else [])],
          [*result.survey.paths, *(p for p in (rules, map_file) if p is not None)], ledger=db, force=force)
    emit(View(table=lambda out: tables.print_classify(result, out, quiet=console.is_quiet()),
              json=lambda: tables.classify_json_lines(result),
              csv=lambda: tables.csv_lines(tables.classify_rows(result), columns.DECISION_COLUMNS), kind="classify"),
         kind, None if kind == "table" else target)
    from qhunion.timing import phase
    from qhunion.timing import report as report_timings

    with console.run_progress():
        if books:
            with phase("write"):
                _write_workbooks(result, books)
        if not no_ledger:
            from qhunion.cli_ledger import record_run

            with phase("ledger"):
                record_run(result, db, round_label, unit)
    if no_ledger:
        from qhunion.cli_ledger import say_batch_only

        say_batch_only(result)
    report_timings()
    if kind != "table":
        tables.print_unreadable(result.survey, console.err())
    status = _exit_status(len(result.survey.unreadable), error_count(result.all_findings()))
    if status == OK and strict and result.counts()["unverified"]:
        status = DATA_ERRORS
    raise typer.Exit(status)


def _write_workbooks(result: Any, books: dict[Path, Path]) -> None:
    """One annotated workbook per input (``books``: input → its workbook, claimed), or everything in one
    workbook (the single key ``Path("")``)."""
    from qhunion.render import console
    from qhunion.xlsx.workbook import write_workbook

    for source, target in books.items():
        write_workbook(result, target, only=None if source == Path("") else source)
        console.wrote("判定工作簿", target)


@app.command()
def explain(
    file: Files,
    row: Annotated[int | None, typer.Option("--row", metavar="行号", show_default=False, help="Excel 中显示的行号")] = None,
    code: Annotated[str | None, typer.Option("--code", metavar="信用代码", show_default=False, help="统一社会信用代码")] = None,
    sheet: Annotated[str | None, typer.Option(
        "--sheet", metavar="工作表", show_default=False, help="工作表名称（有多个工作表时）")] = None,
    rules: RulesOpt = None,
    encoding: EncodingOpt = None,
) -> None:
    """显示一家企业的完整判定理由：用到的数字、标准、条款原文、建会方案和下一步。"""
    from qhunion.pipeline import run
    from qhunion.render import console, tables

    if (row is None) == (code is None):
        fail("请用 --row 行号 或 --code 信用代码 指定一家企业（二选一）")
    rs, encoding = options.ruleset(rules), options.encoding(encoding)
    result = run(file, rs, encoding, keep_cells=False)
    if result.survey.unreadable:
        raise result.survey.unreadable[0]
    wanted = (code or "").strip().upper()
    hits = [(r, d) for r, d in result.pairs
            if (row is not None and r.row == row and (sheet is None or r.sheet == sheet))
            or (code is not None and r.credit_code == wanted)]
    if not hits:
        what = f"第 {row} 行" if row is not None else f"信用代码 {code}"
        fail(f"在 {'、'.join(result.survey.files)} 中没有找到{what}的企业记录（表头、合计和说明行不算）")
    out = console.out()
    for i, (r, d) in enumerate(hits):
        if i:
            out.print()
        for line in tables.explain_text(r, d, rs):
            out.print(line, markup=False)
    if any(t.what == "carriers_in_county" for _, d in hits for t in d.terms):
        from qhunion.concentration import NO_LEDGER_NOTE

        out.print(f"注：{NO_LEDGER_NOTE}", markup=False)  # explain reads no ledger (issue 11)


@app.command("rules")
def show_rules(
    rules: RulesOpt = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    force: ForceOpt = False,
) -> None:
    """显示判定规则集：条款原文、判定顺序、标准数值、责任分工、试点和时间节点。"""
    from qhunion.decide.rulesdoc import print_rules, rules_csv_rows, rules_data
    from qhunion.outputs import choose, claim
    from qhunion.render import tables

    kind, target = choose(output, fmt, {"csv": ".csv", "json": ".json"}, "table", lambda f: f"判定规则.{f}")
    rs = options.ruleset(rules)
    claim([target] if target else [], [rules] if rules else [], force=force)
    # CSV: one long table of section, row, column, value
    emit(View(table=lambda out: print_rules(rs, out), json=lambda: tables.to_json(rules_data(rs)),
              csv=lambda: tables.to_csv(rules_csv_rows(rs), columns.RULES_COLUMNS), kind="rules"), kind, target)


@app.command()
def template(
    output: Annotated[str, typer.Option(
        "--output", "-o", metavar="输出文件", help="模板文件路径（.xlsx），或文件夹（以 / 结尾）")] = "调查表模板.xlsx",
    force: ForceOpt = False,
) -> None:
    """生成下发给各县（市、区）的标准调查表模板（含填表说明、下拉选项和数字校验）。"""
    from qhunion.outputs import choose, claim
    from qhunion.render import console
    from qhunion.xlsx.template import write_template

    _, target = choose(output, None, {"xlsx": ".xlsx"}, "xlsx", lambda f: "调查表模板.xlsx")
    assert target is not None
    claim([target], force=force)  # a filled-in survey of that name is never replaced without --force
    write_template(target)
    console.wrote("调查表模板", target)


app.command("summary")(summary)
app.command("report")(report)
app.add_typer(ledger_app, name="ledger")


def main() -> None:
    """Entry point (`qhunion`, `python -m qhunion`): the app says its own errors (shell.QhunionGroup.main)."""
    # Each command builds its records once and drops them at exit, and they hold no reference cycles:
    # CPython's cyclic collector would find nothing, yet it walks every live record again and again as
    # they accumulate (7 % of a 100,000-row classify). Reference counting still frees everything else.
    gc.disable()
    from qhunion.outputs import unwind_on_signals

    unwind_on_signals()  # SIGTERM/SIGHUP unwind like Ctrl+C: no half-written temporary file is left behind
    try:
        app()
    finally:
        gc.enable()  # for a caller that runs main() in its own process (the tests)
