"""`qhunion report`: the progress report (督查通报, 六（三）) or a pilot unit's report (五（二）) as a Word
document, from the ledger through the same fold as `summary` (issue 16). A thin shell: `reportdata` gathers,
`docreport` renders; errors become one Chinese sentence and an exit status.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from .cli_ledger import DbOpt, ForceOpt


class Kind(StrEnum):
    progress = "progress"
    pilot = "pilot"


INSTALL_HINT = "生成 Word 报告需要 python-docx 和 matplotlib，请先运行：pip install 'qhunion[report]'"


def report(
    region: Annotated[str | None, typer.Option(
        "--region", "-r", help="报告的地区：市（州）或县（市、区），可写简称或旧称（默认全省）")] = None,
    round_label: Annotated[str | None, typer.Option(
        "--round", help="截至该轮次（如 2018-08）的情况；默认为现行记录")] = None,
    compare: Annotated[str | None, typer.Option(
        "--compare", help="与截至该轮次的情况比较（新建工会、新增会员、比率变化）")] = None,
    kind: Annotated[Kind, typer.Option(
        "--kind", "-k", help="progress 建会入会进度通报 / pilot 试点单位向省总的试点工作报告")] = Kind.progress,
    output: Annotated[str | None, typer.Option(
        "--output", "-o", help="Word 文件（.docx），或文件夹（以 / 结尾）；默认按地区和轮次命名，如 海西州建会入会进度报告_2018-08.docx",
        show_default=False)] = None,
    force: ForceOpt = False,
    db: DbOpt = None,
    rules: Annotated[Path | None, typer.Option(
        "--rules", help="使用指定的规则集文件（TOML）：60% 目标、试点地区和期限都从中读取", dir_okay=False)] = None,
) -> None:
    """生成报送上级的 Word 报告（GB/T 9704 公文格式）：建会入会进度通报，或试点单位的试点工作报告；数字与 summary 一致。"""
    from . import console
    from .cli import EXIT_UNWRITABLE, EXIT_USAGE, _choose, _ruleset, fail
    from .cli_ledger import _guard, _open

    try:
        import docx  # noqa: F401
        import matplotlib  # noqa: F401
    except ImportError:
        fail(INSTALL_HINT, EXIT_USAGE)
    from . import docreport, reportdata
    from .outputs import OutputError, claim, is_folder

    if output is not None and not is_folder(output) and Path(output).suffix.lower() != ".docx":
        fail(f"报告写成 Word 文件，请把输出文件名“{Path(output).name}”改为以 .docx 结尾", EXIT_USAGE)
    _, chosen = _choose(output, None, {"docx": ".docx"}, "docx", lambda f: "")
    if kind is Kind.pilot and (round_label or compare):
        fail("试点报告列出试点期间的每一轮，不用 --round 或 --compare", EXIT_USAGE)
    rs = _ruleset(rules)
    with _guard(), _open(db, create=False) as ledger:
        if kind is Kind.pilot:
            pilot = reportdata.pilot(ledger, rs, region)
            doc = docreport.pilot_document(pilot, rs)
            default = f"{reportdata.short_name(pilot.scope)}试点工作报告_{pilot.rounds[-1][0]}.docx"
        else:
            data = reportdata.progress(ledger, rs, region, round_label, compare)
            doc = docreport.progress_document(data, rs)
            default = f"{reportdata.short_name(data.scope)}建会入会进度报告_{data.this_round or '现行'}.docx"
    target = chosen / default if chosen is not None and output is not None and is_folder(output) else (
        chosen or Path(default))
    try:
        claim([target], [rules] if rules is not None else [], ledger=db, force=force)
        docreport.save(doc, target)
    except OutputError as exc:
        fail(f"无法写出报告 {exc.path}：{exc.reason}", EXIT_UNWRITABLE)
    console.err().print(f"已写出报告：{target}", markup=False, highlight=False)
