"""Survey workbooks for the `classify`, `explain` and workbook tests, drawn the way a county office draws
them: a title row, a 填报单位 row, a two-row header with merged groups (车辆情况 over 登记车辆数 / 实际拥有车辆数),
the enterprises, a 合计 row with formulas and a 填表说明 row.

`standard_rows()` is a small survey in which every decision occurs once or more, with personal columns
filled, a formula-looking name and a phone number starting with “+”.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stdnum.cn.uscc import calc_check_digit

# (group over the header, header); a group of None means the header spans both header rows.
LAYOUT: tuple[tuple[str | None, str], ...] = (
    (None, "序号"), (None, "企业名称"), (None, "统一社会信用代码"), (None, "市（州）"), (None, "县（市、区）"),
    (None, "主体类型"), (None, "经营状况"), (None, "所属群体"), (None, "依托的平台/园区/市场"),
    ("车辆情况", "登记车辆数"), ("车辆情况", "实际拥有车辆数"),
    ("职工情况", "职工人数"), ("职工情况", "其中：货车司机"), ("职工情况", "其中：农民工"),
    ("工会情况", "是否已建工会"), ("工会情况", "工会名称"), ("工会情况", "工会会员人数"), ("工会情况", "已入会司机"),
    (None, "联系人"), (None, "联系电话"), (None, "身份证号"), (None, "备注"),
)
HEADERS = tuple(h for _, h in LAYOUT)
TITLE = "城北区物流货运企业及“八大群体”建会入会情况调查表"
FIRST_DATA_ROW = 5  # Excel row of the first enterprise (title, 填报单位, two header rows above it)

FORMULA_NAME = '=HYPERLINK("http://x","y")'
PLUS_PHONE = "+8613800000000"
UNHEADED = "表外备注"
PERSONAL = ("张某某", "13912345678", "630102198001011234", "李某某", "13800001111")


def uscc(n: int, kind: str = "1", region: str = "630105") -> str:
    """A valid 统一社会信用代码, different for each n."""
    base = f"9{kind}{region}MA7{n:06d}"
    return base + calc_check_digit(base)


@dataclass
class Row:
    """One enterprise: header → value. `decision` is what the rules should make of it (for the tests)."""

    values: dict[Any, Any]  # header, or (group, header)
    decision: str = ""
    extra: dict[int, Any] = field(default_factory=dict)  # cells right of the last header, by 0-based column


def enterprise(name: str, decision: str = "", values: dict[Any, Any] | None = None) -> Row:
    base: dict[Any, Any] = {"企业名称": name, "市（州）": "西宁市", "县（市、区）": "城北区", "主体类型": "企业",
                            "经营状况": "正常", "所属群体": "货车司机"}
    base.update(values or {})
    return Row(base, decision)


ANCHOR = "依托的平台/园区/市场"


def standard_rows() -> list[Row]:
    """Every decision at least once; rows in Excel from FIRST_DATA_ROW in this order."""
    rows = [
        enterprise("西宁顺达物流有限公司", "standalone", {
            "统一社会信用代码": uscc(1), "登记车辆数": 24, "实际拥有车辆数": 22, "职工人数": 30,
            "其中：货车司机": 24, "其中：农民工": 18, "是否已建工会": "否", "联系人": "张某某",
            "联系电话": "13912345678", "身份证号": "630102198001011234"}),
        enterprise("城北区挂靠运输有限公司", "unverified", {  # registered counts include 挂靠 (issue 11)
            "统一社会信用代码": uscc(2), "登记车辆数": 22, "职工人数": 8, "是否已建工会": "否"}),
        enterprise("西宁朝阳货运有限公司", "joint", {
            "统一社会信用代码": uscc(3), ANCHOR: "朝阳物流园", "实际拥有车辆数": 5, "职工人数": 8,
            "其中：货车司机": 5, "是否已建工会": "否"}),
        enterprise("城北区朝阳快运部", "joint", {
            "主体类型": "个体货运户", ANCHOR: "朝阳物流园", "实际拥有车辆数": 2, "职工人数": 2, "其中：货车司机": 2,
            "是否已建工会": "否", "联系人": "李某某", "联系电话": "13800001111"}),
        enterprise("青海天路汽车运输有限公司", "established", {
            "统一社会信用代码": uscc(4), "实际拥有车辆数": 40, "职工人数": 50, "其中：货车司机": 40,
            "是否已建工会": "是", "工会名称": "青海天路汽车运输有限公司工会委员会", "工会会员人数": 30,
            "已入会司机": 12}),
        enterprise("西宁盛世物流有限责任公司", "excluded", {
            "统一社会信用代码": uscc(5), "经营状况": "注销", "实际拥有车辆数": 60, "职工人数": 80}),
        enterprise("大通县永顺运输有限公司", "unverified", {
            "县（市、区）": "大通回族土族自治县", "实际拥有车辆数": 3, "是否已建工会": "否"}),
        enterprise("大通县韩某某运输部", "territorial", {
            "县（市、区）": "大通回族土族自治县", "主体类型": "个体货运户", "实际拥有车辆数": 2, "职工人数": 2,
            "是否已建工会": "否"}),
        enterprise("西宁金穗家庭服务有限公司", "joint", {
            "县（市、区）": "城东区", "所属群体": "家政服务员", "职工人数": 13, "是否已建工会": "否"}),
        enterprise(FORMULA_NAME, "joint", {
            "县（市、区）": "城东区", "所属群体": "快递员", "实际拥有车辆数": 30, "职工人数": 10, "是否已建工会": "否",
            "联系电话": PLUS_PHONE, "备注": "=1+1"}),
    ]
    rows += [
        enterprise(f"城中区第{i}货运有限公司", "industry", {
            "县（市、区）": "城中区", "实际拥有车辆数": 2 + i % 3, "职工人数": 3 + i, "是否已建工会": "否"})
        for i in range(1, 11)
    ]
    rows[0].extra = {len(HEADERS) + 1: UNHEADED}  # a value in a column with no header
    return rows


def excel_row(rows: Sequence[Row], name: str) -> int:
    return FIRST_DATA_ROW + [r.values["企业名称"] for r in rows].index(name)


def write_survey(path: Path, rows: Sequence[Row] | None = None, sheet: str = "调查表",
                 layout: Sequence[tuple[str | None, str]] = LAYOUT) -> Path:
    """Write the survey as .xlsx with xlsxwriter (every text as text, never a formula). Row values are keyed
    by header, or by (group, header) where a header repeats under two groups."""
    import datetime as dt

    import xlsxwriter

    rows = standard_rows() if rows is None else rows
    headers = [h for _, h in layout]
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False,
                                           "strings_to_urls": False})
    book.set_properties({"created": dt.datetime(2018, 4, 25)})
    ws = book.add_worksheet(sheet)
    bold = book.add_format({"bold": True, "align": "center", "valign": "vcenter", "border": 1})
    last = len(layout) - 1
    ws.merge_range(0, 0, 0, last, TITLE, bold)
    ws.merge_range(1, 0, 1, last, "填报单位：城北区总工会    填报日期：2018年4月25日", None)
    col = 0
    while col < len(layout):
        group, header = layout[col]
        if group is None:
            ws.merge_range(2, col, 3, col, header, bold)
            col += 1
            continue
        span = 1
        while col + span < len(layout) and layout[col + span][0] == group:
            span += 1
        ws.merge_range(2, col, 2, col + span - 1, group, bold)
        for i in range(span):
            ws.write_string(3, col + i, layout[col + i][1], bold)
        col += span
    for n, row in enumerate(rows):
        excel = FIRST_DATA_ROW - 1 + n
        ws.write_number(excel, 0, n + 1)
        for c, (group, header) in enumerate(layout[1:], start=1):
            _write(ws, excel, c, row.values.get((group, header), row.values.get(header)))
        for c, value in row.extra.items():
            _write(ws, excel, c, value)
    total = FIRST_DATA_ROW - 1 + len(rows)
    ws.write_string(total, 0, "合计")
    for header in ("实际拥有车辆数", "职工人数"):
        if header not in headers:
            continue
        c = headers.index(header)
        letter = chr(ord("A") + c)
        value = sum(v for r in rows if isinstance(v := r.values.get(header), int | float))
        ws.write_formula(total, c, f"=SUM({letter}{FIRST_DATA_ROW}:{letter}{total})", None, value)
    ws.write_string(total + 1, 0, "填表说明：实际拥有车辆数不含挂靠车辆；未建工会的会员人数填0。")
    book.close()
    return path


def _write(ws: Any, row: int, col: int, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        ws.write_boolean(row, col, value)
    elif isinstance(value, int | float):
        ws.write_number(row, col, value)
    else:
        ws.write_string(row, col, str(value))


# The quick loop (`pytest -m "not slow"` outside CI) runs each property on a quarter of its examples; CI and
# a full run use them all. tests/conftest.py sets QUICK when the run is the quick loop.
QUICK = False


def examples(n: int) -> int:
    """How many hypothesis examples a property runs: ``n``, or a quarter of it in the quick loop."""
    return max(10, n // 4) if QUICK else n


# `qhunion ARGS` → (exit status, stdout, stderr): `run`, and the `cli` fixture in tests/conftest.py.
Cli = Callable[..., tuple[int, str, str]]


def run(*args: str | Path, stdin: str | None = None, folder: Path | None = None) -> tuple[int, str, str]:
    """`qhunion ARGS` through Typer's test runner, which goes through the app's own error handling exactly as
    the installed script does → (exit status, stdout, stderr). Anything but an exit escaping the app (a
    traceback for the user) fails the test. With ``folder``: run there, with the ledger there, so that
    nothing a command writes beside its inputs or in the working directory lands outside the test's folder."""
    import pytest
    from typer.testing import CliRunner

    from qhunion.cli import app

    with pytest.MonkeyPatch.context() as mp:
        if folder is not None:
            mp.chdir(folder)
            mp.setenv("QHUNION_DB", str(Path(folder) / "qhunion-test.db"))
        result = CliRunner().invoke(app, [str(a) for a in args], input=stdin)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result.exit_code, result.stdout, result.stderr
