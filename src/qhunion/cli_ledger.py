"""The ledger's commands — `summary` and `ledger list|forget|verify` — and the hook through which `classify`
records its run. A thin shell like `cli.py`: options are parsed here, the work is done by `ledger` and
`summary`, the output made by `render.ledgerviews` and `emit`; their errors (`errors.QhunionError`) carry their own exit status and are said by the app
(`shell.QhunionGroup.main`). Heavy modules are imported inside the commands.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from qhunion import columns
from qhunion.errors import DATA_ERRORS, OK, UNREADABLE
from qhunion.options import (
    BookFormatOpt,
    CompareOpt,
    DbOpt,
    EncodingOpt,
    ForceOpt,
    FormatOpt,
    OutputOpt,
    RegionOpt,
    RoundOpt,
    RulesOpt,
    View,
    emit,
    encoding,
    ruleset,
)
from qhunion.shell import command_group, fail

if TYPE_CHECKING:
    from qhunion.decide.ruleset import RuleSet
    from qhunion.ledger import Check, Ledger
    from qhunion.pipeline import Result
    from qhunion.records import Record
    from qhunion.rules import Members
    from qhunion.summary import Summary


class By(StrEnum):
    prefecture = "prefecture"
    county = "county"
    decision = "decision"
    group = "group"
    responsible = "responsible"
    anchor = "anchor"


# --by in the words people use, beside the ids scripts use.
BY_WORDS = {"市州": By.prefecture, "市（州）": By.prefecture, "县": By.county, "县区": By.county,
            "县（市、区）": By.county, "判定": By.decision, "群体": By.group, "责任单位": By.responsible,
            "依托": By.anchor, "依托平台": By.anchor}


def _by(value: str | None) -> By | None:
    """--by's value as an id; By is a str, so the command's parameter stays typed as one."""
    if value is None:
        return None
    word = value.strip()
    if word in BY_WORDS:
        return BY_WORDS[word]
    try:
        return By(word.lower())
    except ValueError:
        raise typer.BadParameter(f"“{value}”不是分组方式，可写：市州、县、判定、群体、责任单位、依托"
                                 "（或 prefecture、county、decision、group、responsible、anchor）") from None


ledger_app = command_group("ledger", "管理账本：列出导入、撤销导入、检查账本完整性、按地区授权、导出和合并离线账本包。")


@contextmanager
def open_ledger(db: str | None, create: bool) -> Iterator[Ledger]:
    from qhunion.ledger import Ledger

    with Ledger(db, create=create) as ledger:
        yield ledger


# ── classify's hooks ─────────────────────────────────────────────────────────────────────────────────
def ledger_members(db: str | None, rs: RuleSet) -> Callable[[list[Record]], Members]:
    """What the ledger holds of the areas a classify run touches (issue 11: concentration is the county's).
    A ledger that does not exist yet holds nothing."""
    from qhunion.concentration import known_members
    from qhunion.ledger import Ledger, LedgerMissing

    def known(records: list[Record]) -> Members:
        try:
            ledger = Ledger(db, create=False)
        except LedgerMissing:
            return {}
        with ledger:
            return known_members(ledger, rs, records)

    return known


def settle_concentration(ledger: Ledger, result: Result, imported: Iterable[int] = ()) -> None:
    """After an import: re-decide the areas' earlier records whose count it moved, and say so. ``imported``:
    the imports this run made, whose records were decided on the same counts."""
    from qhunion.concentration import change_lines, settle
    from qhunion.render import console
    from qhunion.rules import area_of

    rs = result.ruleset
    changes = settle(ledger, rs, {a for r in result.survey.records if (a := area_of(r, rs))}, imported)
    for line in change_lines(changes, rs):
        console.err().print(line, markup=False, highlight=False)


def say_batch_only(result: Result) -> None:
    """--no-ledger: where a decision read the concentration count, say it covers only the given files."""
    from qhunion.concentration import NO_LEDGER_NOTE
    from qhunion.render import console

    if any(t.what == "carriers_in_county" for d in result.decisions for t in d.terms):
        console.err().print(NO_LEDGER_NOTE, markup=False, highlight=False)



def record_run(result: Result, db: str | None, round_label: str | None, unit: str | None) -> None:
    """Record a classify run in the ledger (one import per readable file) and say so in one line."""

    from qhunion.render import console, ledgerviews

    if not result.survey.paths or len(result.survey.unreadable) == len(result.survey.paths):
        return
    from qhunion.rounds import canonical

    if round_label and canonical(round_label) != round_label.strip():
        # The ledger stores 2018-4 as 2018-04 (issue 13): say how it was written down.
        from qhunion.readers.sheet import shown

        console.err().print(f"注意：轮次“{shown(round_label)}”按 {canonical(round_label)} 记入账本", markup=False)
    with open_ledger(db, create=True) as ledger:
        outcomes = ledger.record(result, round_label, unit)
        console.err().print(ledgerviews.import_line(ledger.name, outcomes, ledgerviews.recorded_names(result)),
                            markup=False, highlight=False)
        settle_concentration(ledger, result, [o.info.id for o in outcomes if not o.already])


# ── summary ──────────────────────────────────────────────────────────────────────────────────────────
def summary(
    files: Annotated[list[str] | None, typer.Argument(
        metavar="文件", help="直接汇总这些调查表（先判定，不记入账本）；不给文件时汇总账本", show_default=False)] = None,
    region: RegionOpt = None,
    by: Annotated[str | None, typer.Option(
        "--by", "-b", metavar="分组", callback=_by, show_default=False,
        help="分组：市州 / 县 / 判定 / 群体 / 责任单位 / 依托（平台），也可写 prefecture / county / decision / group / "
             "responsible / anchor（默认：全省按市州，市州内按县区）")] = None,
    round_label: RoundOpt = None,
    compare: CompareOpt = None,
    db: DbOpt = None,
    rules: RulesOpt = None,
    encoding_name: EncodingOpt = None,
    fmt: BookFormatOpt = None,
    output: OutputOpt = None,
    force: ForceOpt = False,
) -> None:
    """汇总建会入会进度：按地区、判定、群体、责任单位或依托平台，含建会率、入会率和距农民工入会率目标的差距。"""
    from qhunion.outputs import choose, claim, is_folder
    from qhunion.render import console, ledgerviews, tables
    from qhunion.summary import summarize, summarize_files

    kind, target = choose(output, fmt, {"csv": ".csv", "json": ".json", "xlsx": ".xlsx"}, "table", lambda f: "")
    folder = target if output is not None and is_folder(output) else None
    rs, enc = ruleset(rules), encoding(encoding_name)
    inputs: list[Path] = [rules] if rules is not None else []
    status = OK
    if files:
        if db is not None or round_label is not None or compare is not None:
            fail("直接汇总文件时不读账本，不能同时用 --db、--round 或 --compare")
        with console.run_progress():  # reading and deciding big files takes a while, as in classify
            result_summary, result = summarize_files(files, rs, enc, region, by)
        console.say_skipped(result.survey.skipped)
        inputs += result.survey.paths
        tables.print_unreadable(result.survey, console.err())
        status = UNREADABLE if result.survey.unreadable else OK
    else:
        with open_ledger(db, create=False) as ledger:
            result_summary = summarize(ledger, rs, region, by, round_label, compare)
    if kind == "xlsx" and (target is None or folder is not None):
        target = (folder or Path()) / default_xlsx(result_summary)
    elif folder is not None:
        target = folder / f"进度汇总_{result_summary.scope.name}.{kind}"
    claim([target] if target is not None else [], inputs, ledger=None if files else db, force=force)
    ledgerviews.summary_notes(result_summary, rs, console.err())
    emit(summary_view(result_summary, rs), kind, target)
    raise typer.Exit(status)


def default_xlsx(s: Summary) -> str:
    return f"进度汇总_{s.scope.name}{'_' + s.round_label if s.round_label else ''}.xlsx"


def summary_view(s: Summary, rs: RuleSet) -> View:
    from qhunion.render import ledgerviews, tables
    from qhunion.xlsx import summarybook

    def csv() -> str:
        data = s.as_dict()
        return tables.to_csv([*data["rows"], data["total"]], s.columns())

    return View(table=lambda out: ledgerviews.print_summary(s, rs, out), json=lambda: tables.to_json(s.as_dict()), csv=csv,
                xlsx=lambda target: summarybook.write_summary_book(s, rs, target), kind="summary")


# ── ledger list | forget | verify ────────────────────────────────────────────────────────────────────
@ledger_app.command("list")
def list_imports(
    db: DbOpt = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    force: ForceOpt = False,
) -> None:
    """列出账本中的每次导入：文件、轮次、填报单位、企业数、其中现行的记录数、导入时间和规则集。"""
    from qhunion.outputs import choose, claim
    from qhunion.render import ledgerviews, tables

    kind, target = choose(output, fmt, {"csv": ".csv", "json": ".json"}, "table", lambda f: f"账本导入.{f}")
    claim([target] if target else [], ledger=db, force=force)
    with open_ledger(db, create=False) as ledger:
        found = ledger.imports()
        name = ledger.name
    rows = [i.as_dict() for i in found]
    emit(View(table=lambda out: ledgerviews.print_imports(found, name, out),
              json=lambda: tables.to_json({"ledger": name, "imports": rows}),
              csv=lambda: tables.to_csv(rows, columns.IMPORT_COLUMNS), kind="imports"), kind, target)


@ledger_app.command("forget")
def forget(
    ident: Annotated[str, typer.Argument(metavar="导入编号", help="导入编号（见 qhunion ledger list），或文件名")],
    db: DbOpt = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="不再询问，直接撤销（用于脚本）")] = False,
) -> None:
    """撤销一次导入（如导错了文件）：删除其记录，相关企业此前的记录恢复为现行。"""
    from qhunion.render import console

    with open_ledger(db, create=False) as ledger:
        info = ledger.find_import(ident)
        if not yes:
            question = (f"撤销第 {info.id} 次导入（{info.file_name}，{info.record_count} 家企业，"
                        f"其中 {info.current} 条为现行记录）？相关企业此前的记录将恢复为现行")
            try:
                if not typer.confirm(question):
                    console.err().print("已取消，账本未改动", markup=False)
                    return
            except typer.Abort:
                fail("没有得到确认，账本未改动（在脚本中请加 --yes）")
        from qhunion.concentration import areas_of_import, change_lines, settle
        from qhunion.decide.ruleset import load

        rs = load()
        touched = areas_of_import(ledger, rs, info.id)
        done = ledger.forget(info.id)
        # The forgotten records no longer count towards their areas' concentration (issue 11).
        changes = settle(ledger, rs, touched)
    console.err().print(f"已撤销第 {info.id} 次导入（{info.file_name}）：删除 {info.record_count} 条记录，"
                        f"{done.restored} 家企业此前的记录恢复为现行", markup=False)
    for line in change_lines(changes, rs):
        console.err().print(line, markup=False, highlight=False)


@ledger_app.command("verify")
def verify(
    db: DbOpt = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    force: ForceOpt = False,
) -> None:
    """检查账本：SQLite 完整性检查，以及账本自身的约束（每家企业恰有一条现行记录、没有孤立记录、记录数相符）。"""
    from qhunion.outputs import choose, claim
    from qhunion.render import ledgerviews, tables

    kind, target = choose(output, fmt, {"csv": ".csv", "json": ".json"}, "table", lambda f: f"账本检查.{f}")
    claim([target] if target else [], ledger=db, force=force)
    with open_ledger(db, create=False) as ledger:
        checks: list[Check] = ledger.verify()
        name = ledger.name
    ok = all(c.ok for c in checks)
    rows = ledgerviews.check_rows(checks)
    emit(View(table=lambda out: ledgerviews.print_checks(checks, name, ok, out),
              json=lambda: tables.to_json({"ledger": name, "ok": ok, "checks": rows}),
              csv=lambda: tables.to_csv(rows, columns.VERIFY_COLUMNS), kind="verify"), kind, target)
    raise typer.Exit(OK if ok else DATA_ERRORS)


# ── ledger grant | export | import ───────────────────────────────────────────────────────────────────
@ledger_app.command("grant")
def grant(
    role: Annotated[str, typer.Option("--role", help="数据库用户名（小写字母、数字、下划线，如 ledu）")],
    county: Annotated[str | None, typer.Option("--county", help="只能写入和查看这个县（市、区）的记录，如 乐都区")] = None,
    prefecture: Annotated[str | None, typer.Option(
        "--prefecture", help="只能写入和查看这个市（州）的记录，如 海东")] = None,
    password: Annotated[str | None, typer.Option(
        "--password", help="该用户的登录密码（不给则不改；也可由数据库管理员另行设置）", show_default=False)] = None,
    db: DbOpt = None,
) -> None:
    """在 PostgreSQL 账本上为一个县或市州建立（或更新）登录用户：它只能导入和查看本地区的记录（行级安全策略）。须由省总工会的账户运行。"""
    from qhunion.ledger.pg import grant as grant_role
    from qhunion.render import console
    from qhunion.summary import scope_of

    if (county is None) == (prefecture is None):
        fail("请用 --county 或 --prefecture 指定一个地区（二选一）")
    with open_ledger(db, create=False) as ledger:
        scope = scope_of(county or prefecture)
        if county is not None and scope.level != "county":
            fail(f"“{county}”不是县（市、区）；市（州）请用 --prefecture")
        if prefecture is not None and scope.level != "prefecture":
            fail(f"“{prefecture}”不是市（州）；县（市、区）请用 --county")
        done = grant_role(ledger, scope, role, password)
    what = "已建立" if done.created else "已更新"
    console.err().print(f"{what}账本用户 {done.role}：只能导入和查看{done.region}的记录（账本 {ledger.name}）",
                        markup=False)


@ledger_app.command("export")
def export(
    region: Annotated[str, typer.Option(
        "--region", "-r", metavar="地区", help="导出哪个县（市、区）或市（州）的导入，如 玛沁县")],
    output: Annotated[Path, typer.Option(
        "--output", "-o", metavar="输出文件", help="账本包文件，如 玛沁县.qhl", dir_okay=False)],
    since: Annotated[int | None, typer.Option(
        "--since", help="只导出编号大于 N 的导入（上次导出时报告的最后编号）", min=0, show_default=False)] = None,
    db: DbOpt = None,
    force: ForceOpt = False,
) -> None:
    """把一个地区的导入写成账本包（.qhl，带校验和，不含个人信息），供离线的县寄送给市州或省总工会合并。"""
    from qhunion.ledger.bundle import export_bundle
    from qhunion.outputs import claim
    from qhunion.render import console
    from qhunion.summary import scope_of

    claim([output], ledger=db, force=force)  # never the ledger, nor a file that is not an earlier bundle
    with open_ledger(db, create=False) as ledger:
        made = export_bundle(ledger, scope_of(region), output, since)
    last = f"，最后一次导入编号为 {made.last_import}（下次可用 --since {made.last_import} 只导出新的）" \
        if made.last_import else ""
    console.wrote("账本包", output, f"；{made.region} 的 {made.imports} 次导入、{made.records} 条记录{last}")


@ledger_app.command("import")
def import_bundle(
    bundle: Annotated[Path, typer.Argument(metavar="文件", help="账本包文件（qhunion ledger export 写出的 .qhl）", dir_okay=False)],
    db: DbOpt = None,
) -> None:
    """把离线县寄来的账本包合并进账本：已有的导入不会重复记入（合并两次与一次相同），按轮次和导入先后确定现行记录。"""
    from qhunion.ledger.bundle import merge_bundle, read_bundle
    from qhunion.readers.sheet import shown_path
    from qhunion.render import console

    content = read_bundle(bundle)
    with open_ledger(db, create=True) as ledger:
        merged = merge_bundle(ledger, content)
        name = ledger.name
    parts = [f"新记入 {merged.added} 次导入（{merged.records} 条记录）"]
    if merged.already:
        parts.append(f"{merged.already} 次导入此前已在账本中，未重复记入")
    if merged.superseded:
        parts.append(f"替换了 {merged.superseded} 家企业的较早记录")
    console.err().print(f"账本包 {shown_path(Path(bundle.name))}（{content.region}）已合并进账本 {name}：{'；'.join(parts)}",
                        markup=False)
