"""What the commands share: their option definitions (declared once, with one help text each), the checks
that turn an option into a value (a rule set, an encoding, a column mapping), and `emit`, the one way a
result reaches the screen or a file as a table, CSV, JSON or a workbook.

Light at import (typer and the standard library only): the heavy modules are imported inside the functions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from qhunion.shell import fail


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


class BookFormat(StrEnum):
    """A result that also makes a workbook (summary)."""

    table = "table"
    csv = "csv"
    json = "json"
    xlsx = "xlsx"


Files = Annotated[list[str], typer.Argument(
    metavar="文件", help="调查表文件、通配符或文件夹（.xlsx .xls .xlsm .ods .csv），可多个", show_default=False)]
FormatOpt = Annotated[Format | None, typer.Option(
    "--format", "-f", metavar="格式", show_default=False,
    help="输出格式：table 表格 / csv / json（默认按 -o 的扩展名，不写 -o 时为 table）")]
BookFormatOpt = Annotated[BookFormat | None, typer.Option(
    "--format", "-f", metavar="格式", show_default=False,
    help="输出格式：table 表格 / csv / json / xlsx 工作簿（含图表）（默认按 -o 的扩展名，不写 -o 时为 table）")]
# -o is text, not a Path: a trailing / or \ says “a folder”, which a Path would drop.
OutputOpt = Annotated[str | None, typer.Option(
    "--output", "-o", metavar="输出文件", show_default=False,
    help="把结果写入文件（格式按扩展名），或写入文件夹（已有的文件夹，或以 / 结尾）；不给时打印到屏幕")]
ForceOpt = Annotated[bool, typer.Option(
    "--force", help="允许覆盖已有的、不是 qhunion 写出的文件（输入文件和账本无论如何都不会被覆盖）")]
EncodingOpt = Annotated[str | None, typer.Option(
    "--encoding", metavar="编码", show_default=False, help="CSV 的编码（默认自动识别：BOM → UTF-8 → GB18030）")]
RulesOpt = Annotated[Path | None, typer.Option(
    "--rules", metavar="规则文件", dir_okay=False, show_default=False,
    help="使用指定的规则集文件（TOML）代替内置规则：判定标准、入会率目标和试点地区都从中读取")]
DbOpt = Annotated[str | None, typer.Option(
    "--db", metavar="账本", show_default=False,
    help="账本：文件路径或数据库 URL（默认取环境变量 QHUNION_DB，否则为当前文件夹中的 qhunion.db）")]
MapOpt = Annotated[list[str] | None, typer.Option(
    "--map", metavar="列=字段", show_default=False,
    help="指定某列是什么字段，可多次使用：--map \"F=实际拥有车辆数\"（列字母或表头文字 = 字段名称；写“忽略”则不读该列）")]
MapFileOpt = Annotated[Path | None, typer.Option(
    "--map-file", metavar="映射文件", dir_okay=False, show_default=False,
    help="使用 check --write-map 保存的表头映射（同样格式的调查表按同样方式读取）")]
RegionOpt = Annotated[str | None, typer.Option(
    "--region", "-r", metavar="地区", show_default=False,
    help="只看一个市（州）或县（市、区），可写全称、简称或旧称：西宁、海西州、格尔木、湟中县")]
RoundOpt = Annotated[str | None, typer.Option(
    "--round", metavar="轮次", show_default=False,
    help="截至该轮次（如 2018-04）的情况：每家企业取该轮次及以前最新的记录（默认：现行记录）")]
CompareOpt = Annotated[str | None, typer.Option(
    "--compare", metavar="轮次", show_default=False, help="与截至该轮次的情况比较（新建工会、新增会员、比率变化）")]


def encoding(name: str | None) -> str | None:
    """--encoding, refused at once (exit 2) when it is not a text codec."""
    from qhunion.readers.sheet import check_encoding

    return check_encoding(name)


def ruleset(path: Path | None) -> Any:
    from qhunion.decide.ruleset import load

    return load(path)


def mapping(items: list[str] | None, map_file: Path | None) -> Any:
    """The user's column mapping: the file's entries, then each --map (which wins)."""
    from qhunion.recognise.headers import parse_map, read_map_file

    found = read_map_file(str(map_file)) if map_file is not None else {}
    found.update(parse_map(items or ()))
    return found or None


# ── emit ─────────────────────────────────────────────────────────────────────────────────────────────
Text = str | Iterable[str]


@dataclass(frozen=True)
class View:
    """A result, ready to be shown in each format its command offers. Each form is made only when asked for;
    ``table`` prints to a Rich console, ``xlsx`` writes a workbook, ``csv``/``json`` give text (whole, or
    piece by piece as it is produced)."""

    table: Callable[[Any], None]
    json: Callable[[], Text]
    csv: Callable[[], Text] | None = None
    xlsx: Callable[[Path], None] | None = None
    kind: str | None = None  # JSON carries qhunion's marker of this kind, so a later run may replace the file


def emit(view: View, fmt: str, output: Path | None) -> None:
    """Show ``view`` as ``fmt``: on the screen, or in ``output`` (atomically; CSV as UTF-8 with BOM so that
    Excel reads Chinese). The caller has claimed ``output`` (`outputs.claim`)."""
    from qhunion.render import console

    if fmt == "table":
        view.table(console.out())
    elif fmt == "xlsx" and view.xlsx is not None and output is not None:
        view.xlsx(output)
        console.wrote("工作簿", output)
    elif fmt == "csv" and view.csv is not None:
        write_text(view.csv(), output, "utf-8-sig")
    elif fmt == "json":
        from qhunion.outputs import marked_json

        text = view.json()
        write_text(marked_json([text] if isinstance(text, str) else text, view.kind) if view.kind else text,
                   output, "utf-8")
    else:  # a format no command offers without its renderer
        fail(f"这里不能输出 {fmt} 格式")


def write_text(text: Text, output: Path | None, encoding: str) -> None:
    from qhunion.outputs import atomic_text
    from qhunion.render import console

    pieces = [text] if isinstance(text, str) else text
    if output is None:
        for piece in pieces:
            console.write(piece)
        return
    with atomic_text(output, encoding) as fh:
        for piece in pieces:
            fh.write(piece)
