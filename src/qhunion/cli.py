"""The command line: a thin Typer shell over the library. Options are parsed here, work is done by plain
functions elsewhere, and every domain error becomes one Chinese sentence and an exit status:

0 no errors · 1 data errors found (or --strict and 待核实 rows) · 2 bad usage · 3 an input could not be read ·
4 an output could not be written.

Heavy modules (calamine, xlsxwriter, SQLAlchemy, Rich tables) are imported inside the commands so that
`qhunion --help` stays instant in batch loops.
"""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

EXIT_OK, EXIT_ERRORS, EXIT_USAGE, EXIT_UNREADABLE, EXIT_UNWRITABLE = 0, 1, 2, 3, 4

app = typer.Typer(
    name="qhunion",
    help="青海省货车司机等“八大群体”入会调查表工具：读取校验调查表、按青总办〔2018〕19号判定建会方式、汇总进度。",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,  # survey rows hold names and phone numbers
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


Files = Annotated[list[str], typer.Argument(help="调查表文件、通配符或文件夹（.xlsx .xls .xlsm .ods .csv），可多个", show_default=False)]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="输出格式：table 表格 / csv / json")]
EncodingOpt = Annotated[str | None, typer.Option("--encoding", help="CSV 的编码（默认自动识别：BOM → UTF-8 → GB18030）")]
RulesOpt = Annotated[Path | None, typer.Option("--rules", help="使用指定的规则集文件（TOML）代替内置规则", dir_okay=False)]

_state = {"debug": bool(os.environ.get("QHUNION_DEBUG"))}


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="出错时显示完整的技术信息（供开发人员排查）")] = False,
) -> None:
    if debug:
        _state["debug"] = True


def fail(message: str, code: int) -> NoReturn:
    from . import console

    console.err().print(f"[red]错误：[/red]{message}")
    raise typer.Exit(code)


def _ruleset(path: Path | None) -> Any:
    from .ruleset import RuleSetError, load

    try:
        return load(path)
    except RuleSetError as exc:
        fail(exc.reason, EXIT_USAGE)


def _emit(text: str, output: Path | None) -> None:
    """Write CSV/JSON text to a file (atomically; UTF-8 with BOM for CSV so Excel reads Chinese) or stdout."""
    from . import console
    from .outputs import atomic_text

    if output is None:
        console.write(text)
        return
    encoding = "utf-8-sig" if output.suffix.lower() == ".csv" else "utf-8"
    with atomic_text(output, encoding) as fh:
        fh.write(text)


def _exit_status(unreadable: int, errors: int) -> int:
    if unreadable:
        return EXIT_UNREADABLE
    return EXIT_ERRORS if errors else EXIT_OK


@app.command()
def check(
    files: Files,
    fmt: FormatOpt = Format.table,
    encoding: EncodingOpt = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="把 csv/json 结果写入文件")] = None,
) -> None:
    """读取并校验调查表：找到表头、对应字段、列出数据问题（不做判定）。"""
    from . import console, report
    from .intake import errors, read_survey

    survey = read_survey(files, encoding)
    data = report.check_data(survey)
    if fmt is Format.json:
        _emit(report.to_json(data), output)
    elif fmt is Format.csv:
        _emit(report.to_csv(data["issues"], report.ISSUE_COLUMNS), output)
    else:
        report.print_check(survey, console.out())
    for u in survey.unreadable:
        if fmt is not Format.table:
            console.err().print(f"[red]无法读取[/red] {Path(u.path).name}：{u.reason}")
    raise typer.Exit(_exit_status(len(survey.unreadable), errors(survey.all_findings())))


@app.command()
def classify(
    files: Files,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="判定工作簿的路径（默认：输入文件名_建会判定.xlsx，放在输入文件旁）；与 --format csv/json 同用时为结果文件")] = None,
    fmt: FormatOpt = Format.table,
    rules: RulesOpt = None,
    encoding: EncodingOpt = None,
    strict: Annotated[bool, typer.Option("--strict", help="有“待核实”的企业时以状态 1 退出")] = False,
    no_workbook: Annotated[bool, typer.Option("--no-workbook", help="不写判定工作簿")] = False,
) -> None:
    """按青总办〔2018〕19号判定每家企业的建会方式，写出带判定的工作簿。"""
    from . import console, report
    from .intake import errors
    from .pipeline import run

    rs = _ruleset(rules)
    result = run(files, rs, encoding)
    if fmt is Format.table:
        report.print_classify(result, console.out())
    else:
        text = (report.to_json(report.classify_json(result)) if fmt is Format.json
                else report.to_csv(report.classify_rows(result), report.DECISION_COLUMNS))
        _emit(text, output)
    if not no_workbook and (fmt is Format.table or output is None) and result.survey.records:
        _write_workbooks(result, output if fmt is Format.table else None)
    for u in result.survey.unreadable:
        if fmt is not Format.table:
            console.err().print(f"[red]无法读取[/red] {Path(u.path).name}：{u.reason}")
    status = _exit_status(len(result.survey.unreadable), errors(result.survey.all_findings()))
    if status == EXIT_OK and strict and result.counts()["unverified"]:
        status = EXIT_ERRORS
    raise typer.Exit(status)


def _write_workbooks(result: Any, output: Path | None) -> None:
    """One annotated workbook per input beside it, or everything in one workbook at --output."""
    from . import console
    from .outputs import default_workbook_path
    from .workbook import write_workbook

    paths = {p.name: p for p in result.survey.paths}
    if output is not None:
        write_workbook(result, output)
        console.err().print(f"已写出判定工作簿：{output}")
        return
    for name in dict.fromkeys(r.file for r in result.survey.records):
        target = default_workbook_path(paths[name])
        write_workbook(result, target, only_file=name)
        console.err().print(f"已写出判定工作簿：{target}")


@app.command()
def explain(
    file: Annotated[list[str], typer.Argument(help="调查表文件")],
    row: Annotated[int | None, typer.Option("--row", help="Excel 中显示的行号")] = None,
    code: Annotated[str | None, typer.Option("--code", help="统一社会信用代码")] = None,
    sheet: Annotated[str | None, typer.Option("--sheet", help="工作表名称（有多个工作表时）")] = None,
    rules: RulesOpt = None,
    encoding: EncodingOpt = None,
) -> None:
    """显示一家企业的完整判定理由：用到的数字、标准、条款原文、建会方案和下一步。"""
    from . import console, report
    from .pipeline import run

    if (row is None) == (code is None):
        fail("请用 --row 行号 或 --code 信用代码 指定一家企业（二选一）", EXIT_USAGE)
    rs = _ruleset(rules)
    result = run(file, rs, encoding)
    if result.survey.unreadable:
        fail(str(result.survey.unreadable[0]), EXIT_UNREADABLE)
    wanted = (code or "").strip().upper()
    hits = [(r, d) for r, d in result.pairs
            if (row is not None and r.row == row and (sheet is None or r.sheet == sheet))
            or (code is not None and r.credit_code == wanted)]
    if not hits:
        what = f"第 {row} 行" if row is not None else f"信用代码 {code}"
        fail(f"在 {'、'.join(result.survey.files)} 中没有找到{what}的企业记录（表头、合计和说明行不算）", EXIT_USAGE)
    out = console.out()
    for i, (r, d) in enumerate(hits):
        if i:
            out.print()
        for line in report.explain_text(r, d, rs):
            out.print(line, markup=False)


@app.command("rules")
def show_rules(
    rules: RulesOpt = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="输出格式：table / json")] = Format.table,
) -> None:
    """显示判定规则集：条款原文、判定顺序、标准数值、责任分工、试点和时间节点。"""
    from . import console, report
    from .rulesdoc import print_rules, rules_data

    rs = _ruleset(rules)
    if fmt is Format.table:
        print_rules(rs, console.out())
    else:
        console.write(report.to_json(rules_data(rs)))


@app.command()
def template(
    output: Annotated[Path, typer.Option("--output", "-o", help="模板文件路径")] = Path("调查表模板.xlsx"),
) -> None:
    """生成下发给各县（市、区）的标准调查表模板（含填表说明、下拉选项和数字校验）。"""
    from . import console
    from .template import write_template

    write_template(output)
    console.err().print(f"已生成调查表模板：{output}")


def main() -> None:
    """Entry point: runs the app and turns any escaped error into a sentence and an exit status."""
    from .io import UnreadableFile
    from .outputs import OutputError

    try:
        app(standalone_mode=False)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except OutputError as exc:
        _last_words(f"无法写出 {exc.path}：{exc.reason}", EXIT_UNWRITABLE, exc)
    except UnreadableFile as exc:
        _last_words(str(exc), EXIT_UNREADABLE, exc)
    except KeyboardInterrupt:
        _last_words("已中断", 130, None)
    except Exception as exc:
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            sys.exit(EXIT_USAGE)
        if isinstance(exc, click.exceptions.Abort):
            sys.exit(130)
        _last_words("程序内部出错，请加 --debug 重新运行并把输出发给技术人员", 70, exc)


def _last_words(message: str, code: int, exc: BaseException | None) -> NoReturn:
    from . import console

    if _state["debug"] and exc is not None:
        import traceback

        traceback.print_exception(exc)
    console.err().print(f"[red]错误：[/red]{message}", markup=True)
    sys.exit(code)
