"""Every error a person may see: one Chinese sentence (``reason``) and the exit status it means.

A module raises the subclass that says which kind of problem it met; the command line turns any of them into
the sentence and the status in one place (`shell.QhunionGroup.main`). The statuses and their meanings live
here, in `STATUSES`, and README's table is tested against it. This module imports nothing of qhunion, so any
module can raise these without an import circle.
"""

from __future__ import annotations

from typing import ClassVar

OK, DATA_ERRORS, USAGE, UNREADABLE, UNWRITABLE, FORBIDDEN, LEDGER = 0, 1, 2, 3, 4, 5, 6
INTERNAL, INTERRUPTED = 70, 130

# The exit statuses, as README's table says them (tests/test_house.py compares the two).
STATUSES: dict[int, str] = {
    OK: "完成，没有错误级的数据问题",
    DATA_ERRORS: "完成，但有错误级的数据问题（`classify --strict` 时有“待核实”企业也是 1）",
    USAGE: "用法错误（选项写错、找不到地区名称、规则文件有误）",
    UNREADABLE: "有输入文件读不了（其余文件照常处理），或找不到账本、账本包损坏",
    UNWRITABLE: "输出文件写不了（被 Excel 打开占用、没有写入权限）",
    FORBIDDEN: "无权写入该地区：PostgreSQL 账本上的县（市州）账户要写入其他地区的记录，本次什么也没写入",
    LEDGER: "账本用不了（已损坏、不是 qhunion 账本、版本比本程序新、连不上账本数据库、无法创建或写入），账本不变",
    INTERNAL: "程序内部出错（请加 --debug 重新运行，把输出发给技术人员）",
    INTERRUPTED: "按 Ctrl+C 中断",
}


class QhunionError(Exception):
    """A problem said to the user as one Chinese sentence, ending the command with ``status``."""

    status: ClassVar[int] = INTERNAL

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        if "reason" not in self.__dict__:  # a subclass whose message says more (the file) set it first
            self.reason = reason

    def sentence(self) -> str:
        """What the user reads after “错误：”: the message (for a file, its name and the reason)."""
        return str(self)


class UsageProblem(QhunionError):
    status = USAGE


class InputProblem(QhunionError):
    status = UNREADABLE


class OutputProblem(QhunionError):
    status = UNWRITABLE


class LedgerProblem(QhunionError):
    status = LEDGER

