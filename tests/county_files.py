"""Survey files drawn the way county offices draw them when nobody sent them our template.

Each builder writes one file into a folder and returns its path. The header words were written from the
real-world sample (`shared/reference/real-headers.md`) and beyond — on purpose not from `data/headers.toml` —
so these files test whether the reader recognises headers by meaning. `EXPECTED` says what a person reading
each file would expect: every enterprise, its county and the decision the rules should reach.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from builders import Formula, Grid, uscc, write_csv, write_ods, write_xls, write_xlsx


@dataclass(frozen=True)
class Expect:
    """One enterprise as a person reads it: name, county (as qhunion names it), decision id."""

    name: str
    county: str
    decision: str


def _pad(row: list[Any], width: int) -> list[Any]:
    return row + [None] * (width - len(row))


# ── 1. Statistical-form style: 甲/乙/1/2/3 numbering row, units in headers, signature line ──────────────

def stat_form(folder: Path) -> Path:
    header = ["序号", "单位详细名称", "社会信用代码", "县（市、区）", "从业人员期末人数（人）", "其中：驾驶员",
              "其中：农民工", "自有营运货车（辆）", "是否建立工会组织", "工会会员人数（人）"]
    width = len(header)
    rows: list[list[Any]] = [
        _pad(["物流货运企业从业人员及工会组织情况统计表"], width),
        _pad(["填报单位（盖章）：格尔木市总工会                    2018年5月"], width),
        header,
        ["甲", "乙", "丙", "丁", 1, 2, 3, 4, 5, 6],
        [1, "格尔木昆仑运输有限公司", uscc("632801", org="MA7G00001"), "格尔木市", 30, 25, 20, 12, "否", 0],
        [2, "格尔木察尔汗物流有限公司", uscc("632801", org="MA7G00002"), "格尔木市", 8, 6, 5, 21, "否", 0],
        [3, "格尔木盐湖货运有限公司", uscc("632801", org="MA7G00003"), "格尔木市", 40, 32, 30, 35, "是", 38],
        [4, "格尔木河西运输有限公司", uscc("632801", org="MA7G00004"), "格尔木市", 6, 5, 4, 4, "否", 0],
        ["合计", None, None, None, Formula("SUM(E5:E8)", 84), Formula("SUM(F5:F8)", 68),
         Formula("SUM(G5:G8)", 59), Formula("SUM(H5:H8)", 72), None, Formula("SUM(J5:J8)", 38)],
        _pad(["单位负责人：王某某      统计负责人：李某某      填表人：赵某某      报出日期：2018年5月10日"], width),
    ]
    grid = Grid(rows, merges=[((0, 0), (0, width - 1)), ((1, 0), (1, width - 1)), ((9, 0), (9, width - 1))])
    return write_xls(folder / "格尔木统计表.xls", {"Sheet1": grid})


STAT_FORM = (Expect("格尔木昆仑运输有限公司", "格尔木市", "standalone"),
             Expect("格尔木察尔汗物流有限公司", "格尔木市", "standalone"),
             Expect("格尔木盐湖货运有限公司", "格尔木市", "established"),
             Expect("格尔木河西运输有限公司", "格尔木市", "joint"))


# ── 2. Market-regulation (市场监管) export: no counts at all, region only in 住所, statuses as registered ──

def market_export(folder: Path) -> Path:
    header = ["序号", "主体名称", "统一社会信用代码", "市场主体类型", "法定代表人（负责人、经营者）", "住所",
              "登记机关", "登记状态", "成立日期", "经营范围"]
    rows: list[list[Any]] = [
        [1, "西宁通达货运有限公司", uscc("630104", org="MA7M00001"), "有限责任公司（自然人投资或控股）", "张某某",
         "青海省西宁市城西区五四大街12号", "西宁市城西区市场监督管理局", "存续（在营、开业、在册）", "2015-03-02",
         "道路普通货物运输"],
        [2, "城西区老马货运部", uscc("630104", kind="2", org="MA7M00002"), "个体工商户", "马某某",
         "青海省西宁市城西区海湖路3号", "西宁市城西区市场监督管理局", "在业", "2016-07-11", "普通货运"],
        [3, "西宁远方物流有限公司", uscc("630104", org="MA7M00003"), "有限责任公司", "李某某",
         "青海省西宁市城西区胜利路8号", "西宁市城西区市场监督管理局", "吊销，未注销", "2012-01-05", "货物运输"],
        [4, "湟中鑫达运输有限公司", uscc("630106", org="MA7M00004"), "其他有限责任公司", "赵某某",
         "青海省西宁市湟中区鲁沙尔镇和平路", "西宁市湟中区市场监督管理局", "存续", "2019-02-20", "普通货运"],
    ]
    return write_csv(folder / "市场主体导出.csv", Grid([header, *rows]), encoding="gbk")


MARKET_EXPORT = (Expect("西宁通达货运有限公司", "城西区", "unverified"),
                 Expect("城西区老马货运部", "城西区", "unverified"),
                 Expect("西宁远方物流有限公司", "城西区", "excluded"),
                 Expect("湟中鑫达运输有限公司", "湟中区", "unverified"))


# ── 3. Union registration form: one enterprise per sheet, a 4-column label/value grid ────────────────

_UNION_FORMS: tuple[dict[str, Any], ...] = (
    {"单位名称": "乐都鑫源货运有限公司", "统一社会信用代码": uscc("630202", org="MA7U00001"),
     "单位地址": "海东市乐都区碾伯镇古城大街", "单位性质": "民营企业", "职工人数": 28, "其中女职工": 3,
     "农民工人数": 20, "货车司机数": 22, "自有车辆（台）": 18, "是否建立工会": "是", "建会时间": "2016年5月",
     "工会名称": "乐都鑫源货运有限公司工会委员会", "会员人数": 26, "工会主席": "王某某", "联系电话": "13897000001"},
    {"单位名称": "乐都瞿昙运输有限公司", "统一社会信用代码": uscc("630202", org="MA7U00002"),
     "单位地址": "海东市乐都区瞿昙镇", "单位性质": "私营", "职工人数": 12, "其中女职工": 1,
     "农民工人数": 9, "货车司机数": 10, "自有车辆（台）": 24, "是否建立工会": "否", "建会时间": "",
     "工会名称": "", "会员人数": 0, "工会主席": "", "联系电话": "13897000002"},
    {"单位名称": "乐都高店货运部", "统一社会信用代码": uscc("630202", kind="2", org="MA7U00003"),
     "单位地址": "海东市乐都区高店镇", "单位性质": "个体户", "职工人数": 3, "其中女职工": 0,
     "农民工人数": 3, "货车司机数": 3, "自有车辆（台）": 2, "是否建立工会": "否", "建会时间": "",
     "工会名称": "", "会员人数": 0, "工会主席": "", "联系电话": "13897000003"},
)


def _form_grid(values: dict[str, Any], title: str, unit: str, columns: int) -> Grid:
    """A label/value form: ``columns`` 2 (label, value) or 4 (label, value, label, value)."""
    width = columns
    rows: list[list[Any]] = [_pad([title], width), _pad([unit], width)]
    items = list(values.items())
    pairs = columns // 2
    for i in range(0, len(items), pairs):
        row: list[Any] = []
        for label, value in items[i:i + pairs]:
            row += [label, value if value != "" else None]
        rows.append(_pad(row, width))
    rows.append(_pad(["填表人：张某某      审核人：      填表日期：2018年5月"], width))
    merges = [((0, 0), (0, width - 1)), ((1, 0), (1, width - 1)), ((len(rows) - 1, 0), (len(rows) - 1, width - 1))]
    return Grid(rows, merges)


def union_forms(folder: Path) -> Path:
    sheets = {str(n): _form_grid(v, "基层工会组织信息登记表", "填报单位：海东市乐都区总工会", 4)
              for n, v in enumerate(_UNION_FORMS, start=1)}
    return write_xlsx(folder / "乐都区工会登记表.xlsx", sheets)


UNION_FORMS = (Expect("乐都鑫源货运有限公司", "乐都区", "established"),
               Expect("乐都瞿昙运输有限公司", "乐都区", "standalone"),
               Expect("乐都高店货运部", "乐都区", "territorial"))


# ── 4. A web system's export: no title, technical columns, 已组建/未组建, 挂靠 beside 自有 ────────────────

def web_export(folder: Path) -> Path:
    header = ["ID", "企业名称", "所属地市", "所属区县", "营运车辆总数", "其中自有车辆", "其中挂靠车辆", "在职员工数",
              "其中司机", "是否组建工会", "入会人数", "数据来源", "填报时间", "操作人"]
    rows: list[list[Any]] = [
        [10001, "德令哈顺风运输有限公司", "海西蒙古族藏族自治州", "德令哈市", 45, 15, 30, 20, 18, "未组建", 0,
         "企业填报", "2018-05-03 10:21:33", "admin01"],
        [10002, "德令哈柴达木物流有限公司", "海西蒙古族藏族自治州", "德令哈市", 25, 22, 3, 30, 25, "已组建", 28,
         "企业填报", "2018-05-03 11:02:10", "admin01"],
        [10003, "都兰香日德运输有限公司", "海西蒙古族藏族自治州", "都兰县", 3, 3, 0, 2, 2, "未组建", 0,
         "县级录入", "2018-05-04 09:15:00", "dl_user"],
    ]
    return write_xlsx(folder / "export_20180505.xlsx", {"数据导出": Grid([header, *rows])})


WEB_EXPORT = (Expect("德令哈顺风运输有限公司", "德令哈市", "joint"),
              Expect("德令哈柴达木物流有限公司", "德令哈市", "established"),
              Expect("都兰香日德运输有限公司", "都兰县", "joint"))


# ── 5. Two-row grouped header whose sub-headers mean nothing alone (合计 / 自有 / 挂靠 under 车辆) ─────────

def grouped_header(folder: Path) -> Path:
    top = ["企业名称", "所在县", "车辆（台）", None, None, "人员（人）", None, None, "工会组建情况", None]
    sub = [None, None, "合计", "自有", "挂靠", "职工", "司机", "农民工", "是否建会", "会员"]
    rows: list[list[Any]] = [
        _pad(["海南州物流货运企业建会入会情况摸底表"], 10), top, sub,
        ["共和恰卜恰运输有限公司", "共和县", 26, 21, 5, 18, 16, 10, "否", 0],
        ["贵德黄河货运有限公司", "贵德县", 10, 4, 6, 26, 20, 15, "否", 0],
        ["同德巴滩运输有限公司", "同德县", 3, 3, 0, 3, 3, 3, "否", 0],
    ]
    merges = [((0, 0), (0, 9)), ((1, 0), (2, 0)), ((1, 1), (2, 1)), ((1, 2), (1, 4)), ((1, 5), (1, 7)),
              ((1, 8), (1, 9))]
    return write_ods(folder / "海南州摸底表.ods", {"摸底表": Grid(rows, merges)})


GROUPED_HEADER = (Expect("共和恰卜恰运输有限公司", "共和县", "standalone"),
                  Expect("贵德黄河货运有限公司", "贵德县", "standalone"),
                  Expect("同德巴滩运输有限公司", "同德县", "joint"))


# ── 6. County (and 市州) merged down their rows ────────────────────────────────────────────────────────

def merged_county(folder: Path) -> Path:
    header = ["市州", "县区", "企业名称", "实有货车（辆）", "职工数", "是否建会"]
    rows: list[list[Any]] = [
        header,
        ["海北州", "门源县", "门源浩门运输有限公司", 20, 10, "否"],
        [None, None, "门源青石嘴货运有限公司", 5, 6, "否"],
        [None, "祁连县", "祁连八宝运输有限公司", 2, 30, "否"],
        [None, None, "祁连峨堡货运有限公司", 6, 4, "是"],
    ]
    merges = [((1, 0), (4, 0)), ((1, 1), (2, 1)), ((3, 1), (4, 1))]
    return write_xlsx(folder / "海北州汇总.xlsx", {"汇总": Grid(rows, merges)})


MERGED_COUNTY = (Expect("门源浩门运输有限公司", "门源回族自治县", "standalone"),
                 Expect("门源青石嘴货运有限公司", "门源回族自治县", "joint"),
                 Expect("祁连八宝运输有限公司", "祁连县", "standalone"),
                 Expect("祁连峨堡货运有限公司", "祁连县", "established"))


# ── 7. County written only on each group's first row (CSV, UTF-8 with BOM) ────────────────────────────

def first_row_county(folder: Path) -> Path:
    header = ["地区", "单位名称", "车辆数（自有）", "员工人数", "已建工会"]
    rows: list[list[Any]] = [
        ["玉树市", "玉树三江源运输有限公司", 22, 10, "否"],
        [None, "玉树结古货运有限公司", 2, 3, "否"],
        ["囊谦县", "囊谦澜沧江运输有限公司", 5, 30, "否"],
        [None, "囊谦香达货运有限公司", 1, 2, "否"],
        [None, "囊谦吉曲运输有限公司", 8, 9, "是"],
    ]
    return write_csv(folder / "玉树州.csv", Grid([header, *rows]), encoding="utf-8-sig")


FIRST_ROW_COUNTY = (Expect("玉树三江源运输有限公司", "玉树市", "standalone"),
                    Expect("玉树结古货运有限公司", "玉树市", "joint"),
                    Expect("囊谦澜沧江运输有限公司", "囊谦县", "standalone"),
                    Expect("囊谦香达货运有限公司", "囊谦县", "joint"),
                    Expect("囊谦吉曲运输有限公司", "囊谦县", "established"))


# ── 8–10. The county only in the sheet name / only in the title / only in the file name ──────────────

_PLAIN_HEADER = ["企业名称", "自有车辆", "职工人数", "是否建立工会"]


def _plain_rows(prefix: str) -> list[list[Any]]:
    return [[f"{prefix}宏达运输有限公司", 25, 12, "否"],
            [f"{prefix}顺通货运有限公司", 4, 5, "否"],
            [f"{prefix}安达物流有限公司", 10, 40, "是"]]


def _plain_expect(prefix: str, county: str) -> tuple[Expect, ...]:
    return (Expect(f"{prefix}宏达运输有限公司", county, "standalone"),
            Expect(f"{prefix}顺通货运有限公司", county, "joint"),
            Expect(f"{prefix}安达物流有限公司", county, "established"))


def county_in_sheet_name(folder: Path) -> Path:
    grid = Grid([_pad(["物流货运企业调查表"], 4), _PLAIN_HEADER, *_plain_rows("桥头")], [((0, 0), (0, 3))])
    return write_xls(folder / "调查表.xls", {"大通县": grid})


def county_in_title(folder: Path) -> Path:
    grid = Grid([_pad(["湟源县物流货运企业及货车司机入会情况调查表"], 4), _PLAIN_HEADER, *_plain_rows("城关")],
                [((0, 0), (0, 3))])
    return write_xlsx(folder / "调查表.xlsx", {"Sheet1": grid})


def county_in_file_name(folder: Path) -> Path:
    return write_csv(folder / "互助县货运企业摸底.csv", Grid([_PLAIN_HEADER, *_plain_rows("威远")]), encoding="gbk")


SHEET_NAME = _plain_expect("桥头", "大通回族土族自治县")
TITLE = _plain_expect("城关", "湟源县")
FILE_NAME = _plain_expect("威远", "互助土族自治县")


# ── 11. The county only in the address, written as people write addresses ────────────────────────────

def county_in_address(folder: Path) -> Path:
    header = ["企业名称", "经营地址", "自有车辆", "职工人数", "是否建立工会"]
    rows: list[list[Any]] = [
        ["巴燕运输有限公司", "青海省海东市化隆县巴燕镇东大街5号", 21, 8, "否"],
        ["花土沟油田运输有限公司", "花土沟镇石油基地南路", 4, 30, "否"],
        ["碾伯货运有限公司", "海东地区乐都县碾伯镇西关街", 3, 4, "否"],
        ["积石运输有限公司", "循化县积石镇", 2, 3, "是"],
    ]
    return write_xlsx(folder / "调查表.xlsx", {"Sheet1": Grid([header, *rows])})


ADDRESS = (Expect("巴燕运输有限公司", "化隆回族自治县", "standalone"),
           Expect("花土沟油田运输有限公司", "茫崖市", "standalone"),
           Expect("碾伯货运有限公司", "乐都区", "joint"),
           Expect("积石运输有限公司", "循化撒拉族自治县", "established"))


# ── 12. 自有 and 挂靠 in separate columns and no total: registered = owned + attached ───────────────────

def owned_and_attached(folder: Path) -> Path:
    header = ["企业名称", "市州", "县（区）", "本企业自有货车（辆）", "挂靠本企业货车（辆）", "用工人数", "工会"]
    rows: list[list[Any]] = [
        ["城东聚源运输有限公司", "西宁市", "城东区", 22, 10, 8, "未建"],
        ["城东八一路货运有限公司", "西宁市", "城东区", 8, 30, 6, "未建"],
        ["城东韵家口物流有限公司", "西宁市", "城东区", 12, 0, 9, "已建"],
    ]
    return write_xlsx(folder / "城东区.xlsx", {"Sheet1": Grid([header, *rows])})


OWNED_AND_ATTACHED = (Expect("城东聚源运输有限公司", "城东区", "standalone"),
                      Expect("城东八一路货运有限公司", "城东区", "joint"),
                      Expect("城东韵家口物流有限公司", "城东区", "established"))


# ── 13. One form per enterprise in a 2-column grid, some lines as “label：value” in one cell ──────────

def two_column_forms(folder: Path) -> Path:
    def form(name: str, code: str, owned: int, staff: int, union: str) -> Grid:
        rows: list[list[Any]] = [
            ["物流货运企业情况登记表", None],
            ["填报单位：民和县总工会    填报时间：2018.5", None],
            ["企业名称", name],
            ["信用代码", code],
            ["企业地址", "民和县川口镇"],
            [f"实际拥有车辆：{owned}台", None],
            ["职工总数（人）", staff],
            [f"是否建立工会：{union}", None],
            ["负责人", "韩某某"],
            ["手机", "13997000001"],
        ]
        return Grid(rows, [((0, 0), (0, 1)), ((1, 0), (1, 1)), ((5, 0), (5, 1)), ((7, 0), (7, 1))])
    sheets = {"川垣": form("民和川垣运输有限公司", uscc("630222", org="MA7F00001"), 30, 10, "否"),
              "官亭": form("民和官亭货运有限公司", uscc("630222", org="MA7F00002"), 3, 5, "否")}
    return write_xls(folder / "民和县登记表.xls", sheets)


TWO_COLUMN_FORMS = (Expect("民和川垣运输有限公司", "民和回族土族自治县", "standalone"),
                    Expect("民和官亭货运有限公司", "民和回族土族自治县", "joint"))


# ── 14. Several 4-column forms stacked on one sheet ───────────────────────────────────────────────────

def stacked_forms(folder: Path) -> Path:
    firms = (("同仁隆务运输有限公司", 26, 20, "否", 0), ("同仁保安货运有限公司", 6, 8, "否", 0),
             ("尖扎坎布拉运输有限公司", 5, 35, "是", 30))
    rows: list[list[Any]] = []
    merges = []
    for n, (name, owned, staff, union, members) in enumerate(firms, start=1):
        merges.append(((len(rows), 0), (len(rows), 3)))
        rows.append([f"企业情况表（{n}）", None, None, None])
        rows.append(["单位名称", name, "所在县", "尖扎县" if name.startswith("尖扎") else "同仁市"])
        rows.append(["自有货车", owned, "从业人员", staff])
        rows.append(["是否建会", union, "会员数", members])
        rows.append([None, None, None, None])
    return write_xlsx(folder / "黄南州.xlsx", {"企业": Grid(rows, merges)})


STACKED_FORMS = (Expect("同仁隆务运输有限公司", "同仁市", "standalone"),
                 Expect("同仁保安货运有限公司", "同仁市", "joint"),
                 Expect("尖扎坎布拉运输有限公司", "尖扎县", "established"))


# ── 15. Personal columns under unusual headers, a contact block under the table ──────────────────────

def personal_columns(folder: Path) -> Path:
    header = ["企业名称", "县区", "车辆（自有）", "职工", "建会情况", "老板姓名", "手机号", "经营者身份证号码",
              "填表人员"]
    rows: list[list[Any]] = [
        header,
        ["城中南川运输有限公司", "城中区", 3, 4, "未建", "周某某", "13709710001", "630103198503031234", "吴某某"],
        ["城中总寨货运有限公司", "城中区", 20, 4, "未建", "郑某某", "13709710002", "63010319870404123X", "吴某某"],
        [None] * 9,
        _pad(["联系人：吴某某    联系电话：0971-8123456    审核：（签字）"], 9),
    ]
    return write_xlsx(folder / "城中区.xlsx", {"Sheet1": Grid(rows, [((4, 0), (4, 8))])})


PERSONAL = (Expect("城中南川运输有限公司", "城中区", "joint"),
            Expect("城中总寨货运有限公司", "城中区", "standalone"))
PERSONAL_VALUES = ("周某某", "13709710001", "630103198503031234", "吴某某", "0971-8123456")


# ── 16. A column no scheme could know: 运力 for owned trucks (the mapping workflow) ──────────────────

def unknown_column(folder: Path) -> Path:
    header = ["企业名称", "县（市、区）", "运力", "职工人数", "是否建立工会"]
    rows: list[list[Any]] = [
        ["平安驿运输有限公司", "平安区", 24, 6, "否"],
        ["平安小峡货运有限公司", "平安区", 3, 4, "否"],
    ]
    return write_xlsx(folder / "平安区.xlsx", {"Sheet1": Grid([header, *rows])})


UNKNOWN_COLUMN = (Expect("平安驿运输有限公司", "平安区", "standalone"),
                  Expect("平安小峡货运有限公司", "平安区", "joint"))
