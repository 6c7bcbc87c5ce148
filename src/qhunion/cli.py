"""The command line: a thin Typer shell over the library. Options are parsed here, work is done by plain
functions elsewhere, and every domain error becomes one Chinese sentence and an exit status:

0 no errors · 1 data errors found (or --strict and 待核实 rows) · 2 bad usage · 3 an input could not be read ·
4 an output could not be written.

Heavy modules (calamine, xlsxwriter, SQLAlchemy, Rich tables) are imported inside the commands so that
`qhunion --help` stays instant in batch loops.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Iterable
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


Files = Annotated[list[str], typer.Argument(metavar="文件", help="调查表文件、通配符或文件夹（.xlsx .xls .xlsm .ods .csv），可多个", show_default=False)]
FormatOpt = Annotated[Format | None, typer.Option(
    "--format", "-f", help="输出格式：table 表格 / csv / json（默认按 -o 的扩展名，不写 -o 时为 table）", show_default=False)]
EncodingOpt = Annotated[str | None, typer.Option("--encoding", help="CSV 的编码（默认自动识别：BOM → UTF-8 → GB18030）")]
MapOpt = Annotated[list[str] | None, typer.Option(
    "--map", metavar="列=字段", show_default=False,
    help="指定某列是什么字段，可多次使用：--map \"F=实际拥有车辆数\"（列字母或表头文字 = 字段名称；写“忽略”则不读该列）")]
MapFileOpt = Annotated[Path | None, typer.Option(
    "--map-file", metavar="映射文件", dir_okay=False, show_default=False,
    help="使用 check --write-map 保存的表头映射（同样格式的调查表按同样方式读取）")]
RulesOpt = Annotated[Path | None, typer.Option("--rules", help="使用指定的规则集文件（TOML）代替内置规则", dir_okay=False)]

_state = {"debug": bool(os.environ.get("QHUNION_DEBUG"))}


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="出错时显示完整的技术信息（供开发人员排查）")] = False,
) -> None:
    if debug:
        _state["debug"] = True


def escape(text: str) -> str:
    """File names and cell values may hold [brackets], which Rich would read as markup."""
    from rich.markup import escape as rich_escape

    return rich_escape(text)


def fail(message: str, code: int) -> NoReturn:
    from . import console

    console.err().print(f"[red]错误：[/red]{escape(message)}")
    raise typer.Exit(code)


def _encoding(name: str | None) -> str | None:
    """--encoding, refused at once (exit 2) when it is not a text codec."""
    from .io import BadEncoding, check_encoding

    try:
        return check_encoding(name)
    except BadEncoding as exc:
        fail(exc.reason, EXIT_USAGE)


def _ruleset(path: Path | None) -> Any:
    from .ruleset import RuleSetError, load

    try:
        return load(path)
    except RuleSetError as exc:
        fail(exc.reason, EXIT_USAGE)


def _mapping(items: list[str] | None, map_file: Path | None) -> Any:
    """The user's column mapping: the file's entries, then each --map (which wins)."""
    from .headers import MapError, parse_map, read_map_file

    try:
        mapping = read_map_file(str(map_file)) if map_file is not None else {}
        mapping.update(parse_map(items or ()))
    except MapError as exc:
        fail(exc.reason, EXIT_USAGE)
    return mapping or None


def _choose(output: str | None, fmt: str | None, formats: dict[str, str], default: str,
            name: Any) -> tuple[str, Path | None]:
    """The format and file of a command's output (`outputs.choose`); a clash is a usage error."""
    from .outputs import FormatClash, choose

    try:
        return choose(output, fmt, formats, default, name)
    except FormatClash as exc:
        fail(exc.reason, EXIT_USAGE)


def _emit(text: str | Iterable[str], output: Path | None, json_kind: str | None = None) -> None:
    """Write CSV/JSON text — whole, or piece by piece as it is produced — to a file (atomically; UTF-8 with
    BOM for CSV so Excel reads Chinese) or to stdout. JSON (``json_kind``) carries qhunion's marker, so a later
    run may replace the file. The caller has claimed ``output`` (`outputs.claim`)."""
    from . import console
    from .outputs import atomic_text, marked_json

    pieces = [text] if isinstance(text, str) else text
    if json_kind is not None:
        pieces = marked_json(pieces, json_kind)
    if output is None:
        for piece in pieces:
            console.write(piece)
        return
    encoding = "utf-8-sig" if output.suffix.lower() == ".csv" else "utf-8"
    with atomic_text(output, encoding) as fh:
        for piece in pieces:
            fh.write(piece)


def _exit_status(unreadable: int, errors: int) -> int:
    if unreadable:
        return EXIT_UNREADABLE
    return EXIT_ERRORS if errors else EXIT_OK


@app.command()
def check(
    files: Files,
    fmt: FormatOpt = None,
    encoding: EncodingOpt = None,
    output: Annotated[str | None, typer.Option(
        "--output", "-o", help="把 csv/json 结果写入文件（按扩展名选择格式），或写入文件夹（以 / 结尾）", show_default=False)] = None,
    map_items: MapOpt = None,
    map_file: MapFileOpt = None,
    write_map: Annotated[Path | None, typer.Option(
        "--write-map", metavar="映射文件", dir_okay=False, show_default=False,
        help="把各列的识别结果（含 --map 的更正）保存为映射文件，以后用 --map-file 重复使用")] = None,
    force: ForceOpt = False,
) -> None:
    """读取并校验调查表：找到表头、识别各列（给出拿不准的列和 --map 写法）、列出数据问题（不做判定）。"""
    from . import console, report
    from .intake import errors, read_survey
    from .outputs import claim, say_skipped

    chosen, target = _choose(output, fmt, {"csv": ".csv", "json": ".json"}, "table", lambda f: f"校验结果.{f}")
    encoding = _encoding(encoding)
    with console.run_progress():
        survey = read_survey(files, encoding, keep_cells=False, mapping=_mapping(map_items, map_file))
    say_skipped(survey.skipped)
    claim([t for t in (target, write_map) if t is not None], [*survey.paths, *([map_file] if map_file else [])],
          force=force)
    if write_map is not None:
        from .headers import map_file_text
        from .outputs import atomic_text

        with atomic_text(write_map, "utf-8") as fh:
            fh.write(map_file_text(lay for lay in survey.layouts if lay.skipped is None))
        console.err().print(f"已保存表头映射：{escape(str(write_map))}（以后用 --map-file {escape(str(write_map))}）")
    data = report.check_data(survey)
    if chosen == "json":
        _emit(report.to_json(data), target, "check")
    elif chosen == "csv":
        _emit(report.to_csv(data["issues"], report.ISSUE_COLUMNS), target)
    else:
        report.print_check(survey, console.out(), files)
    if chosen != "table":  # the table names them itself; stdout carries only the CSV/JSON here
        report.print_unreadable(survey, console.err())
    raise typer.Exit(_exit_status(len(survey.unreadable), errors(survey.all_findings())))


@app.command()
def classify(
    files: Files,
    output: Annotated[str | None, typer.Option("--output", "-o", help="判定工作簿的路径（默认：输入文件名_建会判定.xlsx，放在输入文件旁；以 / 结尾的文件夹：各工作簿写入其中）；以 .csv/.json 结尾时为结果文件", show_default=False)] = None,
    fmt: FormatOpt = None,
    rules: RulesOpt = None,
    encoding: EncodingOpt = None,
    strict: Annotated[bool, typer.Option("--strict", help="有“待核实”的企业时以状态 1 退出")] = False,
    no_workbook: Annotated[bool, typer.Option("--no-workbook", help="不写判定工作簿")] = False,
    db: Annotated[str | None, typer.Option("--db", help="账本：文件路径或数据库 URL（默认取环境变量 QHUNION_DB，否则为当前文件夹中的 qhunion.db）", show_default=False)] = None,
    round_label: Annotated[str | None, typer.Option("--round", help="调查轮次，记入账本（如 2018-04；按文字排序，月份请写两位）")] = None,
    unit: Annotated[str | None, typer.Option("--unit", help="填报单位，记入账本")] = None,
    no_ledger: Annotated[bool, typer.Option("--no-ledger", help="不记入账本")] = False,
    map_items: MapOpt = None,
    map_file: MapFileOpt = None,
    force: ForceOpt = False,
) -> None:
    """按青总办〔2018〕19号判定每家企业的建会方式，写出带判定的工作簿，并记入账本（供 summary 汇总）。"""
    from . import console, report
    from .intake import errors
    from .outputs import claim, is_folder, say_skipped, workbook_targets
    from .pipeline import run

    chosen, target = _choose(output, fmt, {"table": ".xlsx", "csv": ".csv", "json": ".json"}, "table",
                             lambda f: "" if f == "table" else f"建会判定.{f}")
    folder = target if chosen == "table" and output is not None and is_folder(output) else None
    rs, encoding = _ruleset(rules), _encoding(encoding)
    workbook = not no_workbook and (chosen == "table" or target is None)
    known = None
    if not no_ledger:
        from .cli_ledger import ledger_members

        known = ledger_members(db, rs)
    with console.run_progress():  # on stderr while reading and deciding, gone before the tables print
        result = run(files, rs, encoding, keep_cells=workbook, mapping=_mapping(map_items, map_file), known=known)
    say_skipped(result.survey.skipped)
    books: dict[Path, Path] = {}
    if workbook and result.survey.records:
        if chosen == "table" and target is not None and folder is None:
            books = {Path(""): target}  # everything in one workbook
        else:
            spans = result.survey.spans
            books, notes = workbook_targets([p for p in result.survey.paths if spans[p][1] > spans[p][0]], folder)
            for note in notes:
                console.err().print(note, markup=False, highlight=False)
    claim([*books.values(), *([target] if target is not None and chosen != "table" else [])],
          [*result.survey.paths, *(p for p in (rules, map_file) if p is not None)], ledger=db, force=force)
    if chosen == "table":
        report.print_classify(result, console.out())
    else:
        _emit(report.classify_json_lines(result) if chosen == "json"
              else report.csv_lines(report.classify_rows(result), report.DECISION_COLUMNS), target,
              "classify" if chosen == "json" else None)
    from .timing import phase
    from .timing import report as report_timings

    with console.run_progress():
        if books:
            with phase("write"):
                _write_workbooks(result, books)
        if not no_ledger:
            from .cli_ledger import record_run

            with phase("ledger"):
                record_run(result, db, round_label, unit)
    if no_ledger:
        from .cli_ledger import say_batch_only

        say_batch_only(result)
    report_timings()
    if chosen != "table":
        report.print_unreadable(result.survey, console.err())
    status = _exit_status(len(result.survey.unreadable), errors(result.survey.all_findings()))
    if status == EXIT_OK and strict and result.counts()["unverified"]:
        status = EXIT_ERRORS
    raise typer.Exit(status)


def _write_workbooks(result: Any, books: dict[Path, Path]) -> None:
    """One annotated workbook per input (``books``: input → its workbook, claimed), or everything in one
    workbook (the single key ``Path("")``)."""
    from . import console
    from .workbook import write_workbook

    for source, target in books.items():
        write_workbook(result, target, only=None if source == Path("") else source)
        console.err().print(f"已写出判定工作簿：{escape(str(target))}")


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
    rs, encoding = _ruleset(rules), _encoding(encoding)
    result = run(file, rs, encoding, keep_cells=False)
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
    if any(t.what == "carriers_in_county" for _, d in hits for t in d.terms):
        from .concentration import NO_LEDGER_NOTE

        out.print(f"注：{NO_LEDGER_NOTE}", markup=False)  # explain reads no ledger (issue 11)


@app.command("rules")
def show_rules(
    rules: RulesOpt = None,
    fmt: FormatOpt = None,
    output: Annotated[str | None, typer.Option(
        "--output", "-o", help="把 csv/json 结果写入文件（按扩展名选择格式），或写入文件夹（以 / 结尾）", show_default=False)] = None,
    force: ForceOpt = False,
) -> None:
    """显示判定规则集：条款原文、判定顺序、标准数值、责任分工、试点和时间节点。"""
    from . import console, report
    from .outputs import claim
    from .rulesdoc import RULES_COLUMNS, print_rules, rules_csv_rows, rules_data

    chosen, target = _choose(output, fmt, {"csv": ".csv", "json": ".json"}, "table", lambda f: f"判定规则.{f}")
    rs = _ruleset(rules)
    claim([target] if target else [], [rules] if rules else [], force=force)
    if chosen == "table":
        print_rules(rs, console.out())
    elif chosen == "csv":  # one long table: section, row, column, value
        _emit(report.to_csv(rules_csv_rows(rs), RULES_COLUMNS), target)
    else:
        _emit(report.to_json(rules_data(rs)), target, "rules")


@app.command()
def template(
    output: Annotated[str, typer.Option("--output", "-o", help="模板文件路径（.xlsx），或文件夹（以 / 结尾）")] = "调查表模板.xlsx",
    force: ForceOpt = False,
) -> None:
    """生成下发给各县（市、区）的标准调查表模板（含填表说明、下拉选项和数字校验）。"""
    from . import console
    from .outputs import claim
    from .template import write_template

    _, target = _choose(output, None, {"xlsx": ".xlsx"}, "xlsx", lambda f: "调查表模板.xlsx")
    assert target is not None
    claim([target], force=force)  # a filled-in survey of that name is never replaced without --force
    write_template(target)
    console.err().print(f"已生成调查表模板：{escape(str(target))}")


from .cli_ledger import ForceOpt, register  # noqa: E402  (after the shared helpers it imports lazily)

register(app)


def main() -> None:
    """Entry point: runs the app and turns any escaped error into a sentence and an exit status."""
    # Each command builds its records once and drops them at exit, and they hold no reference cycles:
    # CPython's cyclic collector would find nothing, yet it walks every live record again and again as
    # they accumulate (7 % of a 100,000-row classify). Reference counting still frees everything else.
    gc.disable()
    from .outputs import unwind_on_signals

    unwind_on_signals()
    try:
        _main()
    finally:
        gc.enable()  # for a caller that runs main() in its own process (the tests)


def _main() -> None:
    from .io import UnreadableFile
    from .outputs import OutputError

    try:
        status = app(standalone_mode=False)
    except typer.Exit as exc:
        status = exc.exit_code
    except typer.Abort:
        _last_words("已中断", 130, None)
    except OutputError as exc:
        _last_words(f"无法写出 {exc.path}：{exc.reason}", EXIT_UNWRITABLE, exc)
    except UnreadableFile as exc:
        _last_words(str(exc), EXIT_UNREADABLE, exc)
    except KeyboardInterrupt:
        _last_words("已中断", 130, None)
    except typer.TyperException as exc:  # click's usage errors, as vendored by Typer
        _last_words(usage_message(exc), EXIT_USAGE, exc)
    except Exception as exc:  # the last line of defence: never a traceback for users
        _last_words("程序内部出错，请加 --debug 重新运行并把输出发给技术人员", 70, exc)
    except BaseException as exc:  # a Rust panic from calamine is a BaseException; io.py converts its own
        if type(exc).__name__ != "PanicException":
            raise
        _last_words("读取表格的组件出错，请加 --debug 重新运行并把输出发给技术人员", 70, exc)
    if status == 130:  # Typer turns Ctrl+C into Exit(130) before it reaches the handlers above
        _last_words("已中断", 130, None)
    sys.exit(status if isinstance(status, int) else 0)


def usage_message(exc: Exception) -> str:
    """Click's English usage errors, said in Chinese (the detail it gives is kept in brackets)."""
    from typer._click import exceptions as ce

    param = getattr(exc, "param", None)
    hint = getattr(exc, "param_hint", None) or ""
    if not hint and param is not None:
        hint = " / ".join(param.opts) if param.param_type_name == "option" else "要处理的文件"
    if isinstance(hint, list | tuple):
        hint = " / ".join(hint)
    if isinstance(exc, ce.NoSuchOption):
        near = f"，是不是 {' / '.join(exc.possibilities)}？" if exc.possibilities else ""
        return f"没有 {exc.option_name} 这个选项{near}（用 --help 查看可用的选项）"
    if isinstance(exc, ce.MissingParameter):
        return f"缺少参数：{hint or '必需的参数'}（用 --help 查看用法）"
    if isinstance(exc, ce.BadParameter):
        return f"{hint} 的值无效（{exc.message}）"
    message = getattr(exc, "message", str(exc))
    if "No such command" in message:
        return f"没有这个命令：{message.split(chr(39))[1] if chr(39) in message else message}（用 qhunion --help 查看全部命令）"
    return f"用法有误（{message}），用 --help 查看用法"


def _last_words(message: str, code: int, exc: BaseException | None) -> NoReturn:
    from . import console

    if _state["debug"] and exc is not None:
        import traceback

        traceback.print_exception(exc)
    console.err().print(f"[red]错误：[/red]{escape(message)}")
    sys.exit(code)
