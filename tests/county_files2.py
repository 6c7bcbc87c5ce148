"""A second set of county files, drawn as offices outside the union system draw them.

Like `county_files`, but with header vocabularies from other departments' systems (交通运输 licence ledgers,
税务, 统计 forms, an English logistics-platform export), traditional characters, numbered headers, headers
split over three rows, a header repeated on every printed page, a township per sheet, two tables side by side
and numbers written in words. None of the header words were taken from `data/headers.toml`. `EXPECTED`
says what a person reading each file would expect.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from builders import Grid, uscc, write_csv, write_ods, write_xls, write_xlsx
from county_files import Expect


def _pad(row: list[Any], width: int) -> list[Any]:
    return row + [None] * (width - len(row))


def _title(text: str, width: int) -> tuple[list[Any], tuple[tuple[int, int], tuple[int, int]]]:
    return _pad([text], width), ((0, 0), (0, width - 1))


# ── 1. 交通运输部门的道路运输经营许可台账: 业户名称, 车辆总数 / 其中自有车辆, 从业人员数, 有/无 ───────────

def transport_ledger(folder: Path) -> Path:
    header = ["序号", "经营许可证号", "业户名称", "经济类型", "经营范围", "车辆总数", "其中自有车辆", "从业人员数",
              "有无工会组织", "许可证有效期至"]
    title, merge = _title("贵德县道路货物运输经营业户台账", len(header))
    rows: list[list[Any]] = [
        title, header,
        [1, "青交运管许可贵字632523000101号", "贵德河阴运输有限公司", "有限责任公司", "道路普通货物运输", 30, 24,
         12, "无", "2022.12.31"],
        [2, "青交运管许可贵字632523000102号", "贵德拉西瓦货运有限公司", "有限责任公司", "道路普通货物运输", 40, 6,
         9, "无", "2021.6.30"],
        [3, "青交运管许可贵字632523000103号", "贵德尕让物流有限公司", "私营企业", "道路普通货物运输", 8, 8,
         30, "有", "2020.3.1"],
    ]
    return write_xlsx(folder / "运输业户台账.xlsx", {"台账": Grid(rows, [merge])})


TRANSPORT_LEDGER = (Expect("贵德河阴运输有限公司", "贵德县", "standalone"),
                    Expect("贵德拉西瓦货运有限公司", "贵德县", "joint"),
                    Expect("贵德尕让物流有限公司", "贵德县", "established"))


# ── 2. An English-header export from a logistics platform (CSV UTF-8 without BOM) ────────────────────

def platform_export(folder: Path) -> Path:
    header = ["No.", "Company", "USCC", "County", "Vehicles owned", "Staff", "Drivers", "Trade union"]
    rows: list[list[Any]] = [
        [1, "Geermu Kunlun Logistics", uscc("632801", org="MA7E00001"), "格尔木市", 26, 14, 12, "N"],
        [2, "德令哈巴音运输有限公司", uscc("632802", org="MA7E00002"), "德令哈市", 3, 4, 3, "N"],
        [3, "乌兰茶卡货运有限公司", uscc("632821", org="MA7E00003"), "乌兰县", 5, 27, 20, "Y"],
    ]
    return write_csv(folder / "platform_export.csv", Grid([header, *rows]), encoding="utf-8")


PLATFORM_EXPORT = (Expect("Geermu Kunlun Logistics", "格尔木市", "standalone"),
                   Expect("德令哈巴音运输有限公司", "德令哈市", "joint"),
                   Expect("乌兰茶卡货运有限公司", "乌兰县", "established"))


# ── 3. Traditional characters throughout (an office whose Excel was set to 繁體) ─────────────────────

def traditional(folder: Path) -> Path:
    header = ["企業名稱", "縣（市、區）", "自有車輛數（輛）", "職工人數", "其中：貨車司機", "是否建立工會"]
    rows: list[list[Any]] = [
        header,
        ["玉樹通天河運輸有限公司", "玉樹市", 21, 9, 8, "否"],
        ["稱多歇武貨運有限公司", "稱多縣", 2, 26, 20, "否"],
        ["玉樹巴塘物流有限公司", "玉樹市", 4, 5, 4, "否"],
    ]
    return write_xls(folder / "玉樹州調查表.xls", {"工作表1": Grid(rows)})


TRADITIONAL = (Expect("玉樹通天河運輸有限公司", "玉树市", "standalone"),
               Expect("稱多歇武貨運有限公司", "称多县", "standalone"),
               Expect("玉樹巴塘物流有限公司", "玉树市", "joint"))


# ── 4. Numbered headers: 一、 / 1. / ① with notes in brackets (.ods) ─────────────────────────────────

def numbered_headers(folder: Path) -> Path:
    header = ["一、企业名称（全称，与营业执照一致）", "二、所在县（区）", "三、①自有车辆（辆，不含挂靠）",
              "三、②挂靠车辆（辆）", "四、职工人数（人，含司机）", "五、是否建会（是/否）"]
    rows: list[list[Any]] = [
        header,
        ["同仁隆务河运输有限公司", "同仁市", 20, 4, 7, "否"],
        ["泽库和日货运有限公司", "泽库县", 4, 30, 5, "否"],
        ["同仁年都乎物流有限公司", "同仁市", 9, 0, 25, "否"],
    ]
    return write_ods(folder / "黄南州摸底.ods", {"表1": Grid(rows)})


NUMBERED_HEADERS = (Expect("同仁隆务河运输有限公司", "同仁市", "standalone"),
                    Expect("泽库和日货运有限公司", "泽库县", "joint"),
                    Expect("同仁年都乎物流有限公司", "同仁市", "standalone"))


# ── 5. A header split over three rows: 基本情况 / 车辆情况 → 车辆数 → 自有 | 挂靠 ──────────────────────

def three_row_header(folder: Path) -> Path:
    r1 = ["企业基本情况", None, "车辆情况", None, "人员情况", None, "工会情况"]
    r2 = ["企业名称", "县区", "车辆数（辆）", None, "人数（人）", None, "是否建立"]
    r3 = [None, None, "自有", "挂靠", "职工", "其中司机", None]
    rows: list[list[Any]] = [
        r1, r2, r3,
        ["门源浩门物流有限公司", "门源县", 25, 10, 12, 10, "否"],
        ["海晏西海货运有限公司", "海晏县", 6, 2, 40, 30, "否"],
        ["刚察沙柳河运输有限公司", "刚察县", 3, 20, 5, 4, "否"],
    ]
    merges = [((0, 0), (0, 1)), ((0, 2), (0, 3)), ((0, 4), (0, 5)), ((1, 0), (2, 0)), ((1, 1), (2, 1)),
              ((1, 2), (1, 3)), ((1, 4), (1, 5)), ((1, 6), (2, 6))]
    return write_xlsx(folder / "海北州.xlsx", {"Sheet1": Grid(rows, merges)})


THREE_ROW_HEADER = (Expect("门源浩门物流有限公司", "门源回族自治县", "standalone"),
                    Expect("海晏西海货运有限公司", "海晏县", "standalone"),
                    Expect("刚察沙柳河运输有限公司", "刚察县", "joint"))


# ── 6. Printed, then typed back: the header and a page line repeat every few rows (.xls) ──────────────

def repeated_header(folder: Path) -> Path:
    header = ["序号", "单位名称", "所在县", "自有货车", "职工数", "建会否"]
    firms = [("化隆群科运输有限公司", "化隆县", 22, 3, "否"), ("化隆甘都货运有限公司", "化隆县", 2, 3, "否"),
             ("循化街子运输有限公司", "循化县", 3, 28, "否"), ("循化白庄货运有限公司", "循化县", 5, 6, "是")]
    rows: list[list[Any]] = []
    for page in range(2):
        rows.append(_pad([f"第 {page + 1} 页，共 2 页"], 6))
        rows.append(header)
        for n, firm in enumerate(firms[page * 2:page * 2 + 2], start=page * 2 + 1):
            rows.append([n, *firm])
    return write_xls(folder / "海东调查.xls", {"Sheet1": Grid(rows)})


REPEATED_HEADER = (Expect("化隆群科运输有限公司", "化隆回族自治县", "standalone"),
                   Expect("化隆甘都货运有限公司", "化隆回族自治县", "joint"),
                   Expect("循化街子运输有限公司", "循化撒拉族自治县", "standalone"),
                   Expect("循化白庄货运有限公司", "循化撒拉族自治县", "established"))


# ── 7. The totals row on top, right under the header, and a 合计 column at the left ──────────────────

def totals_first(folder: Path) -> Path:
    header = ["合计", "企业名称", "区县", "自有车辆", "挂靠车辆", "员工", "有无工会"]
    rows: list[list[Any]] = [
        header,
        ["合计", "3家", None, 29, 12, 38, None],
        [30, "城北朝阳运输有限公司", "城北区", 20, 10, 6, "无"],
        [12, "城北小桥货运有限公司", "城北区", 5, 2, 7, "无"],
        [29, "城北马坊物流有限公司", "城北区", 4, 0, 25, "无"],
    ]
    return write_xlsx(folder / "城北区.xlsx", {"Sheet1": Grid(rows)})


TOTALS_FIRST = (Expect("城北朝阳运输有限公司", "城北区", "standalone"),
                Expect("城北小桥货运有限公司", "城北区", "joint"),
                Expect("城北马坊物流有限公司", "城北区", "standalone"))


# ── 8. Transposed: items down the left, one enterprise per column ─────────────────────────────────────

def transposed(folder: Path) -> Path:
    rows: list[list[Any]] = [
        ["项目", "企业1", "企业2", "企业3"],
        ["企业名称", "班玛玛可河运输有限公司", "久治智青松多货运有限公司", "班玛赛来塘物流有限公司"],
        ["所在县", "班玛县", "久治县", "班玛县"],
        ["自有车辆", 21, 3, 2],
        ["职工人数", 5, 6, 30],
        ["是否建会", "否", "否", "否"],
    ]
    return write_xlsx(folder / "果洛州.xlsx", {"Sheet1": Grid(rows)})


TRANSPOSED = (Expect("班玛玛可河运输有限公司", "班玛县", "standalone"),
              Expect("久治智青松多货运有限公司", "久治县", "joint"),
              Expect("班玛赛来塘物流有限公司", "班玛县", "standalone"))


# ── 9. Two counties' tables side by side on one sheet, an empty column between ────────────────────────

def side_by_side(folder: Path) -> Path:
    left = ["企业名称", "自有车辆", "职工人数"]
    rows: list[list[Any]] = [
        ["互助县", None, None, None, "乐都区", None, None],
        [*left, None, *left],
        ["互助威远运输有限公司", 22, 5, None, "乐都雨润货运有限公司", 2, 3],
        ["互助丹麻货运有限公司", 1, 2, None, "乐都寿乐运输有限公司", 6, 26],
    ]
    merges = [((0, 0), (0, 2)), ((0, 4), (0, 6))]
    return write_xlsx(folder / "海东市.xlsx", {"Sheet1": Grid(rows, merges)})


SIDE_BY_SIDE = (Expect("互助威远运输有限公司", "互助土族自治县", "standalone"),
                Expect("互助丹麻货运有限公司", "互助土族自治县", "joint"),
                Expect("乐都雨润货运有限公司", "乐都区", "joint"),
                Expect("乐都寿乐运输有限公司", "乐都区", "standalone"))


# ── 10. A sheet per township (乡镇), the township only in the sheet name ──────────────────────────────

def township_sheets(folder: Path) -> Path:
    header = ["企业名称", "自有车辆", "职工人数", "是否建会"]
    sheets = {
        "鲁沙尔镇": Grid([header, ["鲁沙尔金塔运输有限公司", 20, 3, "否"], ["鲁沙尔莲湖货运部", 2, 2, "否"]]),
        "多巴镇": Grid([header, ["多巴新城物流有限公司", 4, 25, "否"]]),
    }
    return write_xlsx(folder / "乡镇汇总.xlsx", sheets)


TOWNSHIP_SHEETS = (Expect("鲁沙尔金塔运输有限公司", "湟中区", "standalone"),
                   Expect("鲁沙尔莲湖货运部", "湟中区", "joint"),
                   Expect("多巴新城物流有限公司", "湟中区", "standalone"))


# ── 11. The county only in the file name, in pinyin ──────────────────────────────────────────────────

def pinyin_file_name(folder: Path) -> Path:
    header = ["企业名称", "自有车辆", "职工人数", "是否建会"]
    rows: list[list[Any]] = [header, ["大武雪山运输有限公司", 23, 4, "否"], ["大武格萨尔货运有限公司", 3, 3, "否"]]
    return write_csv(folder / "maqin_2018diaocha.csv", Grid(rows), encoding="gbk")


PINYIN_FILE_NAME = (Expect("大武雪山运输有限公司", "玛沁县", "standalone"),
                    Expect("大武格萨尔货运有限公司", "玛沁县", "joint"))


# ── 12. Numbers and answers written by hand: 二十三, 23辆, 约30, 30余人, √/×, dates 2018.5.3 (UTF-16) ───

def handwritten_values(folder: Path) -> Path:
    header = ["企业名称", "县（市、区）", "自有车辆", "职工人数", "已建工会", "建会时间"]
    rows: list[list[Any]] = [
        header,
        ["共和倒淌河运输有限公司", "共和县", "二十三", "8人", "×", None],
        ["共和龙羊峡货运有限公司", "共和县", "5辆", "30余人", "×", None],
        ["共和江西沟物流有限公司", "共和县", "约10", "十二", "√", "2018.5.3"],
        ["共和黑马河运输有限公司", "共和县", "3台", "4", "×", None],
    ]
    return write_csv(folder / "共和县.csv", Grid(rows), encoding="utf-16", delimiter="\t")


HANDWRITTEN_VALUES = (Expect("共和倒淌河运输有限公司", "共和县", "standalone"),
                      Expect("共和龙羊峡货运有限公司", "共和县", "standalone"),
                      Expect("共和江西沟物流有限公司", "共和县", "established"),
                      Expect("共和黑马河运输有限公司", "共和县", "joint"))


# ── 13. A tax-bureau (税务) export: 纳税人名称, 纳税人识别号, 主管税务机关 holds the county ──────────────────

def tax_export(folder: Path) -> Path:
    header = ["纳税人识别号", "纳税人名称", "登记注册类型", "主管税务机关", "生产经营地址", "从业人数",
              "纳税人状态"]
    rows: list[list[Any]] = [
        header,
        [uscc("632801", org="MA7T00001"), "格尔木金峰运输有限公司", "其他有限责任公司",
         "国家税务总局格尔木市税务局", "格尔木市昆仑路18号", 40, "正常"],
        [uscc("632801", org="MA7T00002"), "格尔木察汗货运有限公司", "私营有限责任公司",
         "国家税务总局格尔木市税务局", "格尔木市河西街道", 6, "非正常"],
        [uscc("632802", org="MA7T00003"), "德令哈尕海运输有限公司", "私营有限责任公司",
         "国家税务总局德令哈市税务局", "德令哈市长江路", 3, "注销"],
    ]
    return write_csv(folder / "税务登记导出.csv", Grid(rows), encoding="gbk")


TAX_EXPORT = (Expect("格尔木金峰运输有限公司", "格尔木市", "standalone"),
              Expect("格尔木察汗货运有限公司", "格尔木市", "unverified"),
              Expect("德令哈尕海运输有限公司", "德令哈市", "excluded"))


# ── 14. A statistics-bureau (统计局) form: 行政区划代码 for the county, 期末从业人员 ─────────────────────

def stats_bureau(folder: Path) -> Path:
    header = ["单位详细名称", "统一社会信用代码", "行政区划代码", "期末从业人员（人）", "其中：女性",
              "营运货车拥有量（辆）", "工会组织（1有 2无）"]
    rows: list[list[Any]] = [
        header,
        ["甲", "乙", "丙", 1, 2, 3, 4],
        ["城东国际物流有限公司", uscc("630102", org="MA7K00001"), "630102", 60, 10, 35, 2],
        ["大通桥头货运有限公司", uscc("630121", org="MA7K00002"), "630121", 8, 1, 6, 2],
    ]
    return write_xlsx(folder / "四上企业名录.xlsx", {"名录": Grid(rows)})


STATS_BUREAU = (Expect("城东国际物流有限公司", "城东区", "standalone"),
                Expect("大通桥头货运有限公司", "大通回族土族自治县", "joint"))


# ── 9b. Three lists side by side in a CSV, each worded its own way; the third names no county column ─────

def three_side_by_side(folder: Path) -> Path:
    rows: list[list[Any]] = [
        ["海南州", None, None, None, None, "黄南州", None, None, None, "河南县", None],
        ["单位名称", "县区", "实有货车", "员工", None, "企业全称", "所在县", "自有车辆数", None, "用人单位", "职工数"],
        ["共和恰卜恰运输有限公司", "共和县", 21, 4, None, "尖扎坎布拉货运有限公司", "尖扎县", 2, None,
         "河南优干宁物流有限公司", 30],
        ["贵南茫曲货运有限公司", "贵南县", 1, 3, None, None, None, None, None, None, None],
    ]
    return write_csv(folder / "三州汇总.csv", Grid(rows), encoding="utf-8")


THREE_SIDE_BY_SIDE = (Expect("共和恰卜恰运输有限公司", "共和县", "standalone"),
                      Expect("贵南茫曲货运有限公司", "贵南县", "joint"),
                      Expect("尖扎坎布拉货运有限公司", "尖扎县", "unverified"),  # no 职工 column
                      Expect("河南优干宁物流有限公司", "河南蒙古族自治县", "standalone"))


EXPECTED = {
    "transport-ledger": (transport_ledger, TRANSPORT_LEDGER),
    "platform-export": (platform_export, PLATFORM_EXPORT),
    "traditional": (traditional, TRADITIONAL),
    "numbered-headers": (numbered_headers, NUMBERED_HEADERS),
    "three-row-header": (three_row_header, THREE_ROW_HEADER),
    "repeated-header": (repeated_header, REPEATED_HEADER),
    "totals-first": (totals_first, TOTALS_FIRST),
    "transposed": (transposed, TRANSPOSED),
    "side-by-side": (side_by_side, SIDE_BY_SIDE),
    "three-side-by-side": (three_side_by_side, THREE_SIDE_BY_SIDE),
    "township-sheets": (township_sheets, TOWNSHIP_SHEETS),
    "pinyin-file-name": (pinyin_file_name, PINYIN_FILE_NAME),
    "handwritten-values": (handwritten_values, HANDWRITTEN_VALUES),
    "tax-export": (tax_export, TAX_EXPORT),
    "stats-bureau": (stats_bureau, STATS_BUREAU),
}
