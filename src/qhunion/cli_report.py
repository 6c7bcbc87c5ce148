"""`qhunion report`: the progress report (督查通报, 六（三）) or a pilot unit's report (五（二）) as a Word
document, from the ledger through the same fold as `summary` (issue 16). A thin shell: `report.facts` gathers,
`report.document` renders; a refusal is raised (`shell.fail`), and said with its exit status by `shell`.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from qhunion.options import (
    CompareOpt,
    DbOpt,
    ForceOpt,
    OutputOpt,
    RegionOpt,
    RoundOpt,
    RulesOpt,
    ruleset,
)
from qhunion.shell import fail


class ReportKind(StrEnum):
    progress = "progress"
    pilot = "pilot"


INSTALL_HINT = "生成 Word 报告需要 python-docx 和 matplotlib，请先运行：pip install 'qhunion[report]'"


def report(
    region: RegionOpt = None,
    round_label: RoundOpt = None,
    compare: CompareOpt = None,
    kind: Annotated[ReportKind, typer.Option(
        "--kind", "-k", metavar="种类", help="progress 建会入会进度通报 / pilot 试点单位向省总的试点工作报告")] = ReportKind.progress,
    output: OutputOpt = None,
    force: ForceOpt = False,
    db: DbOpt = None,
    rules: RulesOpt = None,
) -> None:
    """生成报送上级的 Word 报告（GB/T 9704 公文格式）：建会入会进度通报，或试点单位的试点工作报告；数字与 summary 一致。"""
    from qhunion.ledger import Ledger
    from qhunion.render import console

    try:
        import docx  # noqa: F401
        import matplotlib  # noqa: F401
    except ImportError:
        fail(INSTALL_HINT)
    from qhunion.outputs import choose, claim, is_folder
    from qhunion.report import document, facts

    # The default name (region and round) is known once the data is: -o is a .docx, a folder, or nothing.
    _, chosen = choose(output, None, {"docx": ".docx"}, "docx", lambda f: "")
    if kind is ReportKind.pilot and (round_label or compare):
        fail("试点报告列出试点期间的每一轮，不用 --round 或 --compare")
    rs = ruleset(rules)
    with Ledger(db, create=False) as ledger:
        if kind is ReportKind.pilot:
            pilot = facts.pilot(ledger, rs, region)
            doc = document.pilot_document(pilot, rs)
            default = f"{facts.short_name(pilot.scope)}试点工作报告_{pilot.rounds[-1][0]}.docx"
        else:
            data = facts.progress(ledger, rs, region, round_label, compare)
            doc = document.progress_document(data, rs)
            default = f"{facts.short_name(data.scope)}建会入会进度报告_{data.this_round or '现行'}.docx"
    target = chosen / default if chosen is not None and output is not None and is_folder(output) else (
        chosen or Path(default))
    claim([target], [rules] if rules is not None else [], ledger=db, force=force)
    document.save(doc, target)
    console.wrote("报告", target)
