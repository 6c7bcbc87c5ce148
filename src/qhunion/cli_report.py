"""`qhunion report`: the progress report (督查通报, 六（三）) or a pilot unit's report (五（二）) as a Word
document, from the ledger through the same fold as `summary` (issue 16). A thin shell: `reportdata` gathers,
`docreport` renders; errors become one Chinese sentence and an exit status.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from .errors import UNWRITABLE, USAGE
from .options import CompareOpt, DbOpt, RegionOpt, RulesOpt, ruleset
from .shell import fail


class Kind(StrEnum):
    progress = "progress"
    pilot = "pilot"


INSTALL_HINT = "生成 Word 报告需要 python-docx 和 matplotlib，请先运行：pip install 'qhunion[report]'"


def report(
    region: RegionOpt = None,
    round_label: Annotated[str | None, typer.Option(
        "--round", metavar="轮次", show_default=False, help="截至该轮次（如 2018-08）的情况；默认为现行记录")] = None,
    compare: CompareOpt = None,
    kind: Annotated[Kind, typer.Option(
        "--kind", "-k", metavar="种类", help="progress 建会入会进度通报 / pilot 试点单位向省总的试点工作报告")] = Kind.progress,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", metavar="输出文件", help="Word 文件（.docx）；默认按地区和轮次命名，如 海西州建会入会进度报告_2018-08.docx",
        dir_okay=False, show_default=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="覆盖已存在的、不是 qhunion 生成的文件")] = False,
    db: DbOpt = None,
    rules: RulesOpt = None,
) -> None:
    """生成报送上级的 Word 报告（GB/T 9704 公文格式）：建会入会进度通报，或试点单位的试点工作报告；数字与 summary 一致。"""
    from . import console
    from .ledger import Ledger

    try:
        import docx  # noqa: F401
        import matplotlib  # noqa: F401
    except ImportError:
        fail(INSTALL_HINT, USAGE)
    from . import docreport, reportdata
    from .outputs import OutputError

    if output is not None and output.suffix.lower() != ".docx":
        fail(f"报告写成 Word 文件，请把输出文件名“{output.name}”改为以 .docx 结尾", USAGE)
    if kind is Kind.pilot and (round_label or compare):
        fail("试点报告列出试点期间的每一轮，不用 --round 或 --compare", USAGE)
    rs = ruleset(rules)
    with Ledger(db, create=False) as ledger:
        if kind is Kind.pilot:
            pilot = reportdata.pilot(ledger, rs, region)
            doc = docreport.pilot_document(pilot, rs)
            default = f"{reportdata.short_name(pilot.scope)}试点工作报告_{pilot.rounds[-1][0]}.docx"
        else:
            data = reportdata.progress(ledger, rs, region, round_label, compare)
            doc = docreport.progress_document(data, rs)
            default = f"{reportdata.short_name(data.scope)}建会入会进度报告_{data.this_round or '现行'}.docx"
    target = output or Path(default)
    if target.exists() and not force and not docreport.is_own(target):
        fail(f"{target} 已存在且不是 qhunion 生成的报告，未覆盖；请换一个文件名，或加 --force 覆盖", USAGE)
    try:
        docreport.save(doc, target)
    except OutputError as exc:
        fail(f"无法写出报告 {exc.path}：{exc.reason}", UNWRITABLE)
    console.err().print(f"已写出报告：{target}", markup=False, highlight=False)
