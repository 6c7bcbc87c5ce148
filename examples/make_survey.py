"""Write a synthetic, hand-filled-looking survey workbook: ``examples/survey.xlsx``.

The workbook imitates the 2018 survey ordered by 青总办〔2018〕19号 三（一）: one row per freight/logistics
enterprise in Qinghai, in the two-row header layout a county office would draw in Excel. Every enterprise,
name, credit code, contact and phone number is made up (given names are written 某某). Usage::

    python examples/make_survey.py [--seed 2018] [-o examples/survey.xlsx]

The same seed gives byte-identical files. The mix is designed so that every outcome of the rules occurs:
closed (excluded), already unionised (established), large (standalone, incl. exactly 20 vehicles and
exactly 25 employees, and 19 vehicles/24 employees just below), a missing count (unverified), small
carriers on a park/market/platform (joint), 12 clean small non-anchored carriers in 西宁市城北区 (industry),
individual operators spread over remote counties (territorial), other small carriers (joint), and one row
for each of the seven non-driver groups of the 八大群体.

Deliberate problems. The rows that carry them have fixed names, whatever the seed; each row carries one:

=====================================  ==================  ==========================================
企业名称                               column              problem
=====================================  ==================  ==========================================
民和县宏运物流有限公司                 职工人数            "25人" (unit suffix; 25 = the threshold)
德令哈市柴达木运输有限公司             实际拥有车辆数      "２０" (full-width digits; 20 = threshold)
海东市乐都区鑫源货运有限公司           职工人数            "约30" (approximate; 12 vehicles)
青海天路汽车运输有限公司               其中：货车司机      "二十五" (Chinese numeral; 38 employees)
海晏县金银滩货运有限公司               工会会员人数        "无" (no union, means 0)
西宁安达物流有限公司                   已入会司机          "/" (no union, not applicable)
大通县永顺运输有限公司                 职工人数            blank, 7 vehicles (so: unverified)
湟中县恒通货运有限公司                 县（市、区）        "湟中县", former name of 湟中区 (2019)
海西州大柴旦瑞丰物流有限公司           县（市、区）        "大柴旦行委" for 大柴旦行政委员会
格尔木市昆仑货运有限责任公司           县（市、区）        "格尔木", short for 格尔木市
青海聚源物流有限公司                   市（州）            "海东市", but 县 is 城北区 (so are address, code)
互助县福运物流有限公司                 统一社会信用代码    wrong check character
西宁顺达物流有限公司                   统一社会信用代码    the same enterprise listed twice (2 rows)
青海万里物流有限公司                   统一社会信用代码    registered in 城西区 (630104), works in 德令哈市
=====================================  ==================  ==========================================

Other rows are clean: official full names for 市（州） and 县, valid credit codes whose region is the
declared county, members <= employees, drivers and migrant workers <= employees, members of each kind <=
that kind. 是否已建工会 is spelt 是/否 and sometimes 已建/未建/√/× (as people fill it; not errors).

The row generator is reusable: ``benchmarks/generate.py`` streams ``iter_enterprises`` into
``write_xlsx``/``write_csv``. Region codes come from the package's ``qinghai_divisions.csv``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stdnum.cn.uscc import calc_check_digit
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.workbook import Workbook

HERE = Path(__file__).resolve().parent
DIVISIONS_CSV = HERE.parent / "src" / "qhunion" / "data" / "qinghai_divisions.csv"
DEFAULT_SEED = 2018
# Fixed creation time: xlsxwriter otherwise stamps "now" into docProps/core.xml and the bytes change.
CREATED = dt.datetime(2018, 4, 25, 9, 0, 0)

Cell = int | str | None
Row = dict[str, Cell]
Planter = Callable[[Row, random.Random], bool]  # plants one problem in a row; False if it cannot

# --- Layout -------------------------------------------------------------------------------------------

SHEET_NAME = "物流企业调查表"
NOTES_SHEET_NAME = "填表说明"
TITLE = "青海省物流货运企业及“八大群体”建会入会情况调查表"
SUBTITLE = "填报单位：青海省总工会基层工作部    填报日期：2018年4月25日"
FOOTNOTE = (
    "填表说明：实际拥有车辆数不含挂靠车辆；职工人数含货车司机和农民工；未建工会的会员人数填0；"
    "依托物流平台、园区、货运市场经营的填写其名称。"
)
NOTES = (
    "填表说明",
    "一、本表由各县（市、区）总工会组织填写，4月底前报市（州）总工会，汇总后报省总基层工作部。",
    "二、“登记车辆数”指道路运输证登记车辆；“实际拥有车辆数”指企业自有车辆，不含挂靠车辆。",
    "三、实际拥有车辆20台以上或职工25人以上的物流货运企业，应单独建会（青总办〔2018〕19号三（二））。",
    ("四、“所属群体”填写“八大群体”之一：货车司机、快递员、护理护工员、家政服务员、商场信息员、"
     "网络送餐员、房屋中介员、保安员。"),
    "五、依托物流平台、物流园区、货运市场经营的，在“依托的平台/园区/市场”栏填写其名称。",
    "六、“是否已建工会”填“是”或“否”；已建工会的填写会员人数。",
)

# (group header in row 3 or None, header in row 4); a None group means the cell is merged over rows 3-4.
COLUMNS: tuple[tuple[str | None, str], ...] = (
    (None, "序号"),
    (None, "企业名称"),
    (None, "统一社会信用代码"),
    (None, "市（州）"),
    (None, "县（市、区）"),
    (None, "实际经营地址"),
    (None, "主体类型"),
    (None, "经营状况"),
    (None, "所属群体"),
    (None, "依托的平台/园区/市场"),
    ("车辆情况", "登记车辆数"),
    ("车辆情况", "实际拥有车辆数"),
    ("职工情况", "职工人数"),
    ("职工情况", "其中：货车司机"),
    ("职工情况", "其中：农民工"),
    ("工会情况", "是否已建工会"),
    ("工会情况", "工会会员人数"),
    ("工会情况", "已入会司机"),
    ("工会情况", "已入会农民工"),
    (None, "建会意愿"),
    (None, "意见建议"),
    (None, "联系人"),
    (None, "联系电话"),
)
HEADERS = tuple(h for _, h in COLUMNS)
COUNT_COLUMNS = tuple(h for g, h in COLUMNS if g and h != "是否已建工会")  # summed in the 合计 row
WIDTHS = (5, 30, 21, 14, 12, 32, 10, 8, 10, 18, 7, 8, 7, 8, 8, 8, 8, 8, 8, 10, 32, 8, 14)
HEADER_ROWS = 4  # title, subtitle, two header rows
FOOTER_ROWS = 2  # 合计, 填表说明
EXCEL_MAX_ROWS = 1_048_576
SHEET_CAPACITY = EXCEL_MAX_ROWS - HEADER_ROWS - FOOTER_ROWS  # data rows that fit on one sheet

# --- Vocabulary ---------------------------------------------------------------------------------------

CLOSED = ("停业", "歇业", "注销", "吊销")
UNION_YES = ("是", "已建", "√")  # spellings of "yes" in 是否已建工会; 否/未建/× mean no
INDIVIDUAL_TYPES = ("个体工商户", "个体货运户")  # USCC digit 2 = '2'; the rest are enterprises ('1')
PARKS = {  # anchor as written in the survey -> (county, address stem)
    "朝阳物流园": ("城北区", "西宁市城北区朝阳物流园"),
    "西宁市双苏堡物流园区": ("城北区", "西宁市城北区二十里铺镇双苏堡物流园区"),
    "海东市平安物流园": ("平安区", "海东市平安区平安物流园"),
    "格尔木昆仑物流园区": ("格尔木市", "格尔木市昆仑物流园区"),
    "乐都区货运市场": ("乐都区", "海东市乐都区货运市场"),
}
PLATFORM = "满帮平台"
BRANDS = (
    "顺达", "昆仑", "通达", "三江源", "鑫源", "宏运", "畅通", "祥瑞", "金路", "天路",
    "高原", "柴达木", "雪域", "湟水", "安达", "永顺", "恒通", "万里", "瑞丰", "聚源",
    "宏达", "青藏", "神骏", "驰远", "远航", "吉祥", "兴旺", "大美", "隆盛", "福运", "鼎盛",
    "新丝路", "环湖", "江河源", "金昆仑", "德顺", "益民", "鸿福", "泰和", "盛世", "宏图",
    "康达", "利民", "金穗", "汇通", "路路通", "达坂山", "日月山", "格桑", "吉祥草", "长运",
    "捷运", "明远", "旭日", "金马", "骏通", "安顺",
)
CARRIER_KINDS = ("物流", "货运", "运输", "汽车运输", "物流运输", "商贸物流", "货物运输", "供应链管理")
COMPANY_SUFFIXES = ("有限公司", "有限公司", "有限责任公司")
INDIVIDUAL_SUFFIXES = ("货运部", "货运部", "货运信息部", "运输部", "货物运输部", "搬家运输部", "运输队")
SURNAMES = "马马马韩韩张张李李王王赵刘陈杨冶祁鲁朱何胡孙周吴徐才索冯郭谢罗董"
SERVICE_NAMES = {  # group -> business words for the company name
    "快递员": ("快递服务", "速递", "快运"),
    "护理护工员": ("护理服务", "养老护理", "医疗护理服务"),
    "家政服务员": ("家政服务", "家庭服务"),
    "商场信息员": ("百货商场", "商贸"),
    "网络送餐员": ("餐饮配送", "同城配送"),
    "房屋中介员": ("房地产经纪", "房产中介服务"),
    "保安员": ("保安服务",),
}
SERVICE_SIZES = {  # group -> (min, max employees, max owned vehicles)
    "快递员": (10, 40, 10),
    "护理护工员": (8, 30, 1),
    "家政服务员": (5, 20, 1),
    "商场信息员": (5, 20, 2),
    "网络送餐员": (10, 50, 0),
    "房屋中介员": (4, 15, 1),
    "保安员": (25, 80, 3),
}
WILLINGNESS = ("愿意", "愿意", "愿意", "视情况而定", "不愿意", "不了解")
SUGGESTIONS = (
    "希望工会帮助协调解决运价低、回款慢问题",
    "司机常年在外跑车，建议开通网上入会",
    "希望提供法律援助和维权服务",
    "建议在物流园设立司机之家",
    "希望开展驾驶员职业技能培训",
    "希望为司机办理意外伤害保险",
    "高速公路罚款多，希望工会反映",
    "车辆少，建议与其他企业联合建会",
    "入会手续希望简便一些",
    "会费能否减免",
)
MOBILE_PREFIXES = ("138", "139", "136", "135", "150", "151", "152", "158", "159", "180", "181", "186", "187",
                   "188", "130", "131", "133", "153", "177", "189")
AREA_CODES = {  # prefecture -> telephone area code; 格尔木 has its own
    "西宁市": "0971", "海东市": "0972", "海北藏族自治州": "0970", "黄南藏族自治州": "0973",
    "海南藏族自治州": "0974", "果洛藏族自治州": "0975", "玉树藏族自治州": "0976",
    "海西蒙古族藏族自治州": "0977",
}
PREFECTURES_SHORT = {  # how company names write the prefecture
    "西宁市": "西宁", "海东市": "海东市", "海北藏族自治州": "海北州", "黄南藏族自治州": "黄南州",
    "海南藏族自治州": "海南州", "果洛藏族自治州": "果洛州", "玉树藏族自治州": "玉树州",
    "海西蒙古族藏族自治州": "海西州",
}
SEAT_TOWNS = {  # county code -> the town the address names (rural counties only)
    "630106": "鲁沙尔镇", "630121": "桥头镇", "630123": "城关镇", "630202": "碾伯镇",
    "630203": "平安镇", "630222": "川口镇", "630223": "威远镇", "630224": "巴燕镇",
    "630225": "积石镇", "632221": "浩门镇", "632222": "八宝镇", "632223": "三角城镇",
    "632224": "沙柳河镇", "632301": "隆务镇", "632322": "马克唐镇", "632323": "泽曲镇",
    "632324": "优干宁镇", "632521": "恰卜恰镇", "632522": "尕巴松多镇", "632523": "河阴镇",
    "632524": "子科滩镇", "632525": "茫曲镇", "632621": "大武镇", "632622": "赛来塘镇",
    "632623": "柯曲镇", "632624": "吉迈镇", "632625": "智青松多镇", "632626": "玛查理镇",
    "632722": "萨呼腾镇", "632723": "称文镇", "632724": "加吉博洛镇", "632725": "香达镇",
    "632726": "约改镇", "632821": "希里沟镇", "632822": "察汗乌苏镇", "632823": "新源镇",
    "632803": "花土沟镇", "632857": "柴旦镇",
}
STREETS = {
    "城东区": ("八一路", "东关大街", "互助路", "建国路", "德令哈路"),
    "城中区": ("南大街", "长江路", "南川东路", "北大街", "西大街"),
    "城西区": ("五四大街", "西关大街", "胜利路", "海晏路", "冷湖路"),
    "城北区": ("柴达木路", "祁连路", "朝阳西路", "小桥大街", "宁张路"),
    "格尔木市": ("昆仑路", "柴达木路", "黄河路", "江源路", "八一路"),
    "德令哈市": ("柴达木路", "长江路", "祁连路", "昆仑路"),
}
GENERIC_STREETS = ("建设路", "团结路", "解放路", "民主路", "幸福路", "迎宾路", "人民路", "文化路", "滨河路")


# --- Regions ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class County:
    code: str
    name: str
    prefecture: str
    short: str
    former: tuple[str, ...]

    @property
    def label(self) -> str:
        """How a company name or address starts: 西宁市城北区, 格尔木市, 门源县, 海西州大柴旦."""
        if self.name.endswith("区"):
            return self.prefecture + self.name
        if self.name.endswith("自治县"):
            return self.short + "县"
        if self.name.endswith("行政委员会"):  # an agency of 海西州, named after it
            return "海西州" + self.short
        return self.name


def load_counties(path: Path = DIVISIONS_CSV) -> dict[str, County]:
    """County-level units keyed by official name, in the file's (code) order."""
    with path.open(encoding="utf-8", newline="") as f:
        return {
            r["name"]: County(r["code"], r["name"], r["parent_name"], r["short_name"],
                              tuple(n for n in r["former_names"].split(";") if n))
            for r in csv.DictReader(f)
            if r["level"] == "county"
        }


COUNTIES = load_counties()
PREFECTURES = tuple(dict.fromkeys(c.prefecture for c in COUNTIES.values()))
# Rough share of freight operators per county for the random mix: Xining's districts, Haidong and Golmud
# carry most of the traffic; other counties get weight 1.
COUNTY_WEIGHTS = {"城东区": 8, "城中区": 6, "城西区": 6, "城北区": 10, "湟中区": 4, "大通回族土族自治县": 4,
                  "湟源县": 2, "乐都区": 4, "平安区": 4, "民和回族土族自治县": 3, "互助土族自治县": 3,
                  "化隆回族自治县": 2, "循化撒拉族自治县": 2, "共和县": 3, "玉树市": 2, "格尔木市": 8,
                  "德令哈市": 3}


# --- One row ------------------------------------------------------------------------------------------

_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100 excludes I, O, Z, S, V


def uscc(rng: random.Random, region: str, individual: bool) -> str:
    """A valid GB 32100 code: 9 (market regulation), 1/2 (enterprise/individual), region, random, check."""
    # Codes issued since 2015 mostly carry "MA" in the organisation part; older ones embed the former
    # 9-character organisation code (8 digits and a check character).
    if rng.random() < 0.6:
        body = "MA" + "".join(rng.choices(_ALPHABET, k=7))
    else:
        body = f"{rng.randrange(10**8):08d}{rng.choice(_ALPHABET)}"
    number = ("92" if individual else "91") + region + body
    return number + calc_check_digit(number)


def _person(rng: random.Random, surname: str | None = None) -> str:
    return (surname or rng.choice(SURNAMES)) + ("某某" if rng.random() < 0.8 else "某")


def _phone(rng: random.Random, county: County, landline: bool) -> str:
    if landline:
        area = "0979" if county.name == "格尔木市" else AREA_CODES[county.prefecture]
        return f"{area}-{rng.randint(2, 8)}{rng.randrange(10**6):06d}"
    return f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**8):08d}"


def _address(rng: random.Random, county: County, anchor: str) -> str:
    if anchor in PARKS:
        return f"{PARKS[anchor][1]}{rng.choice('ABCDEF')}区{rng.randint(1, 60)}号"
    street = rng.choice(STREETS.get(county.name, GENERIC_STREETS))
    return f"{county.label}{SEAT_TOWNS.get(county.code, '')}{street}{rng.randint(1, 300)}号"


def _company_place(rng: random.Random, county: County) -> str:
    """The place word a company name starts with: the county, its prefecture, or the province."""
    pref = PREFECTURES_SHORT[county.prefecture]
    return rng.choice((county.label, county.label, pref, "青海"))


def _name(rng: random.Random, county: County, entity_type: str, group: str, surname: str) -> str:
    if entity_type in INDIVIDUAL_TYPES:
        place = county.name if county.name.endswith("区") else county.label
        return f"{place}{surname}某某{rng.choice(INDIVIDUAL_SUFFIXES)}"
    place, brand = _company_place(rng, county), rng.choice(BRANDS)
    if entity_type == "物流平台":
        return f"{place}{brand}网络货运平台有限公司"
    if entity_type == "物流园区":
        return f"{place}{brand}物流园区管理有限公司"
    if entity_type == "货运市场":
        return f"{place}{brand}货运市场管理有限公司"
    if group != "货车司机":
        return f"{place}{brand}{rng.choice(SERVICE_NAMES[group])}{rng.choice(COMPANY_SUFFIXES)}"
    return f"{place}{brand}{rng.choice(CARRIER_KINDS)}{rng.choice(COMPANY_SUFFIXES)}"


def _share(rng: random.Random, total: int, low: float, high: float) -> int:
    return min(total, round(total * rng.uniform(low, high)))


def _members(rng: random.Random, total: int, cap: int) -> int:
    """Members among `total` people, at most `cap` (the union's own member count), usually below total."""
    top = min(total, cap)
    return rng.randint(top // 2, top) if top else 0


def make_row(
    rng: random.Random,
    county: County,
    *,
    entity_type: str = "企业",
    group: str = "货车司机",
    status: str = "正常",
    anchor: str = "",
    owned: int,
    employees: int,
    union: str = "否",
    registered: int | None = None,
    drivers: int | None = None,
    name: str | None = None,
) -> Row:
    """One clean survey row. `union` is the text of 是否已建工会 (是/已建/√ mean yes)."""
    individual = entity_type in INDIVIDUAL_TYPES
    surname = rng.choice(SURNAMES)
    if registered is None:  # registered vehicles include affiliated (挂靠) ones, which 实际拥有 excludes
        affiliated = rng.randint(0, owned) if entity_type == "企业" and rng.random() < 0.4 else 0
        registered = owned + affiliated
    if drivers is None:
        if group != "货车司机":
            drivers = rng.randint(0, owned)
        elif individual:
            drivers = employees if employees <= 2 else employees - rng.randint(0, 1)
        else:
            drivers = max(1, _share(rng, employees, 0.6, 0.9))
    migrants = _share(rng, employees, 0.5, 0.8)
    has_union = union in UNION_YES
    if has_union:
        members = rng.randint(max(1, employees // 2), employees - 1) if employees > 1 else employees
        driver_members = _members(rng, drivers, members)
        migrant_members = _members(rng, migrants, members)
        willing = "已建"
    else:
        members = driver_members = migrant_members = 0
        willing = "" if status in CLOSED else rng.choice(WILLINGNESS)
    suggestion = rng.choice(SUGGESTIONS) if rng.random() < 0.45 and status not in CLOSED else ""
    return {
        "序号": None,
        "企业名称": name or _name(rng, county, entity_type, group, surname),
        "统一社会信用代码": uscc(rng, county.code, individual),
        "市（州）": county.prefecture,
        "县（市、区）": county.name,
        "实际经营地址": _address(rng, county, anchor),
        "主体类型": entity_type,
        "经营状况": status,
        "所属群体": group,
        "依托的平台/园区/市场": anchor,
        "登记车辆数": registered,
        "实际拥有车辆数": owned,
        "职工人数": employees,
        "其中：货车司机": drivers,
        "其中：农民工": migrants,
        "是否已建工会": union,
        "工会会员人数": members,
        "已入会司机": driver_members,
        "已入会农民工": migrant_members,
        "建会意愿": willing,
        "意见建议": suggestion,
        # An individual operator names himself as contact; firms give a clerk, often with a landline.
        "联系人": _person(rng, surname if individual else None),
        "联系电话": _phone(rng, county, landline=not individual and rng.random() < 0.3),
    }


def size(rng: random.Random, profile: str, group: str = "货车司机", union: bool = False) -> tuple[int, int]:
    """(actually owned vehicles, employees) for a profile; large = >= 20 vehicles or >= 25 employees.

    A unionised firm gets at least 5 employees: a union of one or two people would look like a typo.
    """
    if profile == "large":
        if rng.random() < 0.7:
            owned = rng.randint(20, 80)
            return owned, rng.randint(owned + 2, owned * 3 // 2 + 5)
        return rng.randint(5, 19), rng.randint(25, 60)
    if profile == "small":
        owned = rng.randint(2, 15)
        employees = rng.randint(owned, min(24, owned * 2))
    elif profile == "individual":
        owned = rng.choice((1, 1, 1, 2, 2, 3))
        employees = owned + rng.randint(0, 1)
    elif profile == "service":
        low, high, cars = SERVICE_SIZES[group]
        owned, employees = rng.randint(0, cars), rng.randint(low, high)
    elif profile == "platform":
        owned, employees = 0, rng.randint(25, 60)
    else:  # park or market body
        owned, employees = rng.randint(0, 3), rng.randint(8, 30)
    return owned, (max(employees, rng.randint(5, 24)) if union else employees)


# --- Deliberate problems ------------------------------------------------------------------------------

_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
_HANZI_DIGITS = "零一二三四五六七八九"


def hanzi(n: int) -> str:
    """Write 0 <= n < 10000 the way people do in a form: 二十五, 十二, 一百零五."""
    if not 0 <= n < 10000:
        return str(n)
    out, gap = "", False
    for unit, word in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // unit % 10
        if digit:
            out += ("零" if gap else "") + _HANZI_DIGITS[digit] + word
            gap = False
        elif out:
            gap = True
    return (out[1:] if out.startswith("一十") else out) or "零"


def _recode(row: Row, region: str | None = None, broken: bool = False) -> None:
    code = str(row["统一社会信用代码"])
    number = code[:2] + (region or code[2:8]) + code[8:17]
    check = calc_check_digit(number)
    if broken:  # any other character of the alphabet
        check = _ALPHABET[(_ALPHABET.index(check) + 7) % len(_ALPHABET)]
    row["统一社会信用代码"] = number + check


def _county_of(row: Row) -> County:
    return COUNTIES[str(row["县（市、区）"])]


def _rewrite(column: str, fmt: Callable[[int], str], need_zero: bool = False) -> Planter:
    """A planter that rewrites an int cell as text, e.g. 25 -> "25人"."""
    def plant(row: Row, rng: random.Random) -> bool:
        value = row[column]
        if not isinstance(value, int) or (need_zero and value != 0):
            return False
        row[column] = fmt(value)
        return True
    return plant


def _blank_employees(row: Row, rng: random.Random) -> bool:
    row["职工人数"] = None
    return True


def _former_name(row: Row, rng: random.Random) -> bool:
    former = _county_of(row).former
    if former:
        row["县（市、区）"] = rng.choice(former)
    return bool(former)


def _xingwei(row: Row, rng: random.Random) -> bool:
    name = str(row["县（市、区）"])
    if not name.endswith("行政委员会"):
        return False
    row["县（市、区）"] = name.removesuffix("行政委员会") + "行委"
    return True


def _short_name(row: Row, rng: random.Random) -> bool:
    row["县（市、区）"] = _county_of(row).short
    return True


def _wrong_prefecture(row: Row, rng: random.Random) -> bool:
    # The next prefecture in code order: 西宁市 -> 海东市, the neighbour people mix up most.
    i = PREFECTURES.index(_county_of(row).prefecture)
    row["市（州）"] = PREFECTURES[(i + 1) % len(PREFECTURES)]
    return True


def _bad_check(row: Row, rng: random.Random) -> bool:
    _recode(row, broken=True)
    return True


def _other_county_code(row: Row, rng: random.Random) -> bool:
    # Registered in Xining (城西区, or 城北区 for firms in 城西区), working elsewhere: common for carriers.
    home = _county_of(row).name
    _recode(row, region=COUNTIES["城北区" if home == "城西区" else "城西区"].code)
    return True


# Each planter changes one cell of a clean row and says whether it applied (e.g. "无" only where 0).
# "duplicate" is not here: it repeats a whole row, so the sequence builders handle it.
PLANTERS: dict[str, Planter] = {
    "unit": _rewrite("职工人数", lambda n: f"{n}人"),
    "fullwidth": _rewrite("实际拥有车辆数", lambda n: str(n).translate(_FULLWIDTH)),
    "approx": _rewrite("职工人数", lambda n: f"约{n}"),
    "hanzi": _rewrite("其中：货车司机", hanzi),
    "none_word": _rewrite("工会会员人数", lambda n: "无", need_zero=True),
    "slash": _rewrite("已入会司机", lambda n: "/", need_zero=True),
    "blank_employees": _blank_employees,
    "former_name": _former_name,
    "xingwei": _xingwei,
    "short_name": _short_name,
    "wrong_prefecture": _wrong_prefecture,
    "bad_check": _bad_check,
    "other_county_code": _other_county_code,
}
PROBLEM_KINDS = (*PLANTERS, "duplicate")


# --- The example: a designed mix ----------------------------------------------------------------------

@dataclass(frozen=True)
class Spec:
    county: str
    profile: str  # large | small | individual | shop | service | park | market | platform
    options: dict[str, Any]


def _plan() -> list[Spec]:
    """The example's enterprises, county by county (see the module docstring for what each shows)."""
    specs: list[Spec] = []

    def add(county: str, profile: str, times: int = 1, **options: Any) -> None:
        specs.extend(Spec(county, profile, options) for _ in range(times))

    # 西宁市
    add("城东区", "large", name="西宁三江源物流有限公司", owned=20, employees=18)
    add("城东区", "large")
    add("城东区", "large", union="是")
    add("城东区", "small", union="未建")
    add("城东区", "small")
    add("城东区", "individual")
    add("城东区", "small", status="停业")
    add("城东区", "service", group="快递员", union="已建")
    add("城东区", "service", group="保安员", employees=42)
    add("城中区", "large")
    add("城中区", "platform")
    add("城中区", "small", union="√")
    add("城中区", "small", name="西宁安达物流有限公司", problem="slash")
    add("城中区", "service", group="商场信息员")
    add("城中区", "service", group="家政服务员")
    add("城中区", "small", status="吊销")
    add("城西区", "large", name="西宁顺达物流有限公司", union="是", problem="duplicate")
    add("城西区", "large")
    add("城西区", "small")
    add("城西区", "individual")
    add("城西区", "service", group="房屋中介员")
    add("城西区", "service", group="网络送餐员")
    add("城西区", "service", group="护理护工员")
    add("城北区", "large")
    add("城北区", "large", union="是")
    add("城北区", "park", name="西宁朝阳物流园区管理有限公司", employees=28)
    add("城北区", "small", 3, anchor="朝阳物流园")
    add("城北区", "small", anchor="朝阳物流园", union="是")
    add("城北区", "individual", 2, anchor="朝阳物流园")
    add("城北区", "small", 2, anchor="西宁市双苏堡物流园区")
    add("城北区", "individual", 2, anchor="西宁市双苏堡物流园区")
    add("城北区", "small", 6)  # with the next two lines: 12 small non-anchored carriers -> industry union
    add("城北区", "individual", 4)
    add("城北区", "shop", 2)
    add("城北区", "small", name="青海聚源物流有限公司", problem="wrong_prefecture")
    add("湟中区", "small", name="湟中县恒通货运有限公司", problem="former_name")
    add("湟中区", "small", anchor=PLATFORM)
    add("湟中区", "individual")
    add("湟中区", "large", union="已建")
    add("大通回族土族自治县", "small", name="大通县永顺运输有限公司", owned=7, employees=12,
        problem="blank_employees")
    add("大通回族土族自治县", "individual")
    add("大通回族土族自治县", "large")
    add("湟源县", "individual", name="湟源县马某某货运部")
    add("湟源县", "individual", status="歇业")
    # 海东市
    add("乐都区", "market", name="海东市乐都区货运市场管理有限公司", union="是", employees=14)
    add("乐都区", "small", 3, anchor="乐都区货运市场")
    add("乐都区", "individual", 2, anchor="乐都区货运市场")
    add("乐都区", "large", name="海东市乐都区鑫源货运有限公司", owned=12, employees=30, problem="approx")
    add("乐都区", "large")
    add("乐都区", "individual")
    add("乐都区", "small", union="已建")
    add("平安区", "large", name="海东市平安区宏达运输有限公司", owned=9, employees=25)
    add("平安区", "small", 3, anchor="海东市平安物流园")
    add("平安区", "individual", 3, anchor="海东市平安物流园")
    add("平安区", "service", group="快递员", name="海东市平安区通达快递服务有限公司", union="是")
    add("平安区", "large", union="是")
    add("平安区", "small")
    add("民和回族土族自治县", "large", name="民和县宏运物流有限公司", owned=9, employees=25, problem="unit")
    add("民和回族土族自治县", "individual")
    add("民和回族土族自治县", "small", status="注销")
    add("互助土族自治县", "small", name="互助县福运物流有限公司", problem="bad_check")
    add("互助土族自治县", "individual")
    add("化隆回族自治县", "individual", 2)
    add("循化撒拉族自治县", "individual")
    add("循化撒拉族自治县", "shop")
    # 海北州
    add("门源回族自治县", "individual")
    add("门源回族自治县", "small", union="未建")
    add("祁连县", "individual")
    add("海晏县", "small", name="海晏县金银滩货运有限公司", problem="none_word")
    add("海晏县", "individual")
    add("刚察县", "individual")
    add("刚察县", "small", status="歇业")
    # 黄南州
    add("同仁市", "individual")
    add("同仁市", "small", union="√")
    add("尖扎县", "individual")
    add("泽库县", "individual")
    add("河南蒙古族自治县", "individual")
    # 海南州
    add("共和县", "large")
    add("共和县", "large", union="是")
    add("共和县", "small", union="未建")
    add("共和县", "small", anchor=PLATFORM)
    add("共和县", "individual")
    add("共和县", "small", status="吊销")
    add("同德县", "individual")
    add("贵德县", "individual")
    add("贵德县", "small", union="×")
    add("兴海县", "individual")
    add("贵南县", "shop")
    # 果洛州
    add("玛沁县", "individual", 2)
    add("玛沁县", "small", union="已建")
    for county in ("班玛县", "甘德县", "达日县", "久治县", "玛多县"):
        add(county, "individual")
    # 玉树州
    add("玉树市", "small")
    add("玉树市", "small", union="是")
    add("玉树市", "individual", union="×")
    add("玉树市", "shop")
    for county in ("杂多县", "称多县", "治多县", "囊谦县", "曲麻莱县"):
        add(county, "individual")
    # 海西州
    add("格尔木市", "park", name="格尔木昆仑物流园区管理有限公司", union="是")
    add("格尔木市", "small", 3, anchor="格尔木昆仑物流园区")
    add("格尔木市", "individual", 2, anchor="格尔木昆仑物流园区")
    add("格尔木市", "large", name="格尔木市昆仑货运有限责任公司", owned=32, employees=45,
        problem="short_name")
    add("格尔木市", "large", name="青海天路汽车运输有限公司", owned=30, employees=38, drivers=25,
        problem="hanzi")
    add("格尔木市", "large", union="是")
    add("格尔木市", "large", union="√")
    add("格尔木市", "small", name="格尔木市金路运输有限公司", owned=19, employees=24)
    add("格尔木市", "small", union="未建")
    add("格尔木市", "individual", 2)
    add("格尔木市", "large", name="格尔木市高原汽车运输有限公司", status="注销", owned=30, employees=41)
    add("德令哈市", "large", name="德令哈市柴达木运输有限公司", owned=20, employees=16, problem="fullwidth")
    add("德令哈市", "small", name="德令哈市祥瑞物流有限公司", owned=14, registered=36, employees=20)
    add("德令哈市", "small", anchor=PLATFORM)
    add("德令哈市", "individual")
    add("德令哈市", "large", union="是")
    add("德令哈市", "small", name="青海万里物流有限公司", problem="other_county_code")
    add("乌兰县", "individual")
    add("都兰县", "individual")
    add("都兰县", "small", name="都兰县吉祥物流有限公司", status="停业", union="是", owned=8, employees=15)
    add("天峻县", "individual")
    add("茫崖市", "small")
    add("茫崖市", "individual")
    add("大柴旦行政委员会", "small", name="海西州大柴旦瑞丰物流有限公司", problem="xingwei")
    return specs


PROFILE_TYPES = {"large": "企业", "small": "企业", "individual": "个体货运户", "shop": "个体工商户",
                 "service": "企业", "park": "物流园区", "market": "货运市场", "platform": "物流平台"}


def _build(rng: random.Random, spec: Spec, used: set[str]) -> Row:
    opts = {k: v for k, v in spec.options.items() if k != "problem"}
    group = opts.setdefault("group", "货车司机")
    profile = "individual" if spec.profile == "shop" else spec.profile
    owned, employees = size(rng, profile, group, union=opts.get("union") in UNION_YES)
    opts.setdefault("owned", owned)
    opts.setdefault("employees", employees)
    while True:  # drawn names must be unique, or the planted duplicate would not be the only one
        row = make_row(rng, COUNTIES[spec.county], entity_type=PROFILE_TYPES[spec.profile], **opts)
        if "name" in opts or row["企业名称"] not in used:
            used.add(str(row["企业名称"]))
            return row


def make_example(seed: int = DEFAULT_SEED) -> list[Row]:
    """The designed 156-row survey with the problems listed in the module docstring.

    Rows come in the order a provincial summary is compiled: by prefecture and county as in the division
    list, shuffled within a county. The copy of 西宁顺达物流有限公司 closes the 西宁市 block, as a late
    resubmission would.
    """
    rng = random.Random(seed)
    specs = _plan()
    used = {str(s.options["name"]) for s in specs if "name" in s.options}
    rows = [_build(rng, spec, used) for spec in specs]
    county_order = {name: i for i, name in enumerate(COUNTIES)}
    keys = [(county_order[spec.county], rng.random()) for spec in specs]
    order = sorted(range(len(specs)), key=keys.__getitem__)
    duplicate: Row | None = None
    for i in order:
        problem = specs[i].options.get("problem")
        if problem == "duplicate":
            duplicate = dict(rows[i])
        elif problem and not PLANTERS[problem](rows[i], rng):
            raise AssertionError(f"{problem} does not apply to {rows[i]['企业名称']}")
    ordered = [rows[i] for i in order]
    if duplicate is not None:
        ordered.insert(sum(COUNTIES[s.county].prefecture == "西宁市" for s in specs), duplicate)
    for number, row in enumerate(ordered, 1):
        row["序号"] = number
    return ordered


# --- A random mix, for benchmarks and property tests --------------------------------------------------

_STATUS = (("正常", 940), ("停业", 20), ("歇业", 15), ("注销", 15), ("吊销", 10))
_GROUP = (("货车司机", 850), ("快递员", 50), ("网络送餐员", 30), ("保安员", 20), ("家政服务员", 15),
          ("护理护工员", 15), ("商场信息员", 10), ("房屋中介员", 10))
# Road freight is ~91.5% individual nationally (see policy-facts.md); a survey of firms sees fewer.
_CARRIER = (("个体货运户", 550), ("个体工商户", 100), ("small", 260), ("large", 70), ("park", 10),
            ("market", 5), ("platform", 5))
_UNION_RATE = {"large": 0.4, "small": 0.12, "individual": 0.01, "service": 0.2, "park": 0.5,
               "market": 0.5, "platform": 0.3}
_COUNTY_LIST = tuple(COUNTIES.values())
_PARKS_BY_COUNTY = {
    county: tuple(park for park, (where, _) in PARKS.items() if where == county) for county, _ in PARKS.values()
}


def _cum(pairs: Iterable[tuple[Any, float]]) -> tuple[tuple[Any, ...], list[float]]:
    values, weights = zip(*pairs, strict=True)
    total, cum = 0.0, []
    for w in weights:
        total += w
        cum.append(total)
    return values, cum


_STATUS_CUM = _cum(_STATUS)
_GROUP_CUM = _cum(_GROUP)
_CARRIER_CUM = _cum(_CARRIER)
_COUNTY_CUM = _cum((c, COUNTY_WEIGHTS.get(c.name, 1)) for c in _COUNTY_LIST)


def _pick(rng: random.Random, table: tuple[tuple[Any, ...], list[float]]) -> Any:
    return rng.choices(table[0], cum_weights=table[1])[0]


def random_row(rng: random.Random) -> Row:
    """One clean row drawn from a realistic mix of regions, entity types, sizes and statuses."""
    county: County = _pick(rng, _COUNTY_CUM)
    group: str = _pick(rng, _GROUP_CUM)
    kind = "service" if group != "货车司机" else _pick(rng, _CARRIER_CUM)
    profile = "individual" if kind in INDIVIDUAL_TYPES else kind
    entity_type = kind if kind in INDIVIDUAL_TYPES else PROFILE_TYPES[kind]
    unionised = rng.random() < _UNION_RATE[profile]
    if unionised:
        union = "是" if rng.random() < 0.9 else rng.choice(("已建", "√"))
    else:
        union = "否" if rng.random() < 0.9 else rng.choice(("未建", "×"))
    owned, employees = size(rng, profile, group, unionised)
    anchor = ""
    if profile in ("small", "individual"):
        parks = _PARKS_BY_COUNTY.get(county.name)
        if parks and rng.random() < 0.35:
            anchor = rng.choice(parks)
        elif rng.random() < 0.08:
            anchor = PLATFORM
    return make_row(rng, county, entity_type=entity_type, group=group, status=_pick(rng, _STATUS_CUM),
                    anchor=anchor, owned=owned, employees=employees, union=union)


def iter_enterprises(n: int, seed: int = DEFAULT_SEED, messy: float = 0.03) -> Iterator[Row]:
    """Yield n numbered rows one by one; a `messy` share carries one problem from PROBLEM_KINDS.

    A generator, so millions of rows never sit in memory. Names may repeat at large n (given names are
    masked as 某某); the credit code is the identity, and it repeats only for planted duplicates.
    """
    rng = random.Random(seed)
    previous: Row | None = None
    kinds = list(PROBLEM_KINDS)
    for number in range(1, n + 1):
        row = random_row(rng)
        if rng.random() < messy:
            for kind in rng.sample(kinds, len(kinds)):  # first kind that applies to this row
                if kind == "duplicate":
                    if previous is not None:
                        row = dict(previous)
                        break
                elif PLANTERS[kind](row, rng):
                    break
        row["序号"] = number
        previous = row
        yield row


def make_enterprises(n: int, seed: int = DEFAULT_SEED, messy: float = 0.03) -> list[Row]:
    """`iter_enterprises` as a list, for tests that want to index rows."""
    return list(iter_enterprises(n, seed, messy))


# --- Writers ------------------------------------------------------------------------------------------

def _header_rows() -> tuple[list[str], list[str]]:
    """Rows 3 and 4 as Excel shows them unmerged: a merged cell's text sits in its top-left cell."""
    top, bottom, previous_group = [], [], None
    for group, header in COLUMNS:
        top.append(header if group is None else (group if group != previous_group else ""))
        bottom.append("" if group is None else header)
        previous_group = group
    return top, bottom


def _header_merges() -> list[tuple[int, int, int, int, str]]:
    """Merges of the two header rows as (first_row, first_col, last_row, last_col, text), 0-based."""
    merges, col = [], 0
    while col < len(COLUMNS):
        group, header = COLUMNS[col]
        if group is None:
            merges.append((2, col, 3, col, header))
            col += 1
            continue
        end = col
        while end + 1 < len(COLUMNS) and COLUMNS[end + 1][0] == group:
            end += 1
        merges.append((2, col, 2, end, group))
        col = end + 1
    return merges


class _Sheet:
    """One survey sheet being written top to bottom (so constant_memory mode works)."""

    def __init__(self, workbook: Workbook, name: str, formats: dict[str, Format | None]) -> None:
        self.ws = workbook.add_worksheet(name)
        self.formats = formats
        self.next_row = HEADER_ROWS
        self.sums = dict.fromkeys(COUNT_COLUMNS, 0)
        ws, f, last = self.ws, formats, len(COLUMNS) - 1
        for col, width in enumerate(WIDTHS):
            ws.set_column(col, col, width)
        ws.set_row(0, 30)
        ws.set_row(2, 22)
        ws.set_row(3, 36)
        ws.freeze_panes(HEADER_ROWS, 2)
        ws.merge_range(0, 0, 0, last, TITLE, f["title"])
        ws.merge_range(1, 0, 1, last, SUBTITLE, f["subtitle"])
        # Register the header merges without a format: merge_range pads its range with *formatted*
        # blanks, and in constant_memory mode a blank in row 4 would flush row 3 before the remaining
        # merges there are registered (they would be dropped silently). Then format cell by cell.
        for first_row, first_col, last_row, last_col, text in _header_merges():
            ws.merge_range(first_row, first_col, last_row, last_col, text)
        for r, texts in enumerate(_header_rows(), 2):
            for col, text in enumerate(texts):
                if text:
                    ws.write_string(r, col, text, f["header"])
                else:
                    ws.write_blank(r, col, None, f["header"])

    def write(self, row: Row) -> None:
        ws, r, fmt = self.ws, self.next_row, self.formats["cell"]
        for col, key in enumerate(HEADERS):
            value = row[key]
            if value is None or value == "":  # a cell nobody typed in; blank even without a format
                ws.write_blank(r, col, None, fmt)
            elif isinstance(value, int):
                ws.write_number(r, col, value, fmt)
                if key in self.sums:
                    self.sums[key] += value  # Excel's SUM skips text such as "25人": so do we
            else:
                ws.write_string(r, col, value, fmt)
        self.next_row += 1

    def finish(self) -> None:
        ws, r, f = self.ws, self.next_row, self.formats
        first, last = HEADER_ROWS + 1, r  # 1-based data rows, for the formula text
        ws.write_string(r, 0, "合计", f["total"])
        for col, key in enumerate(HEADERS[1:], 1):
            if key in self.sums and r > HEADER_ROWS:
                letter = xl_col_to_name(col)
                ws.write_formula(r, col, f"=SUM({letter}{first}:{letter}{last})", f["total"],
                                 value=self.sums[key])
            else:
                ws.write_blank(r, col, None, f["total"])
        ws.merge_range(r + 1, 0, r + 1, len(HEADERS) - 1, FOOTNOTE, f["note"])


def write_xlsx(
    path: str | Path,
    rows: Iterable[Row],
    *,
    constant_memory: bool = False,
    rows_per_sheet: int = SHEET_CAPACITY,
    cell_borders: bool = True,
) -> int:
    """Write the survey workbook; return the number of data rows.

    Rows are consumed once, in order. When they exceed `rows_per_sheet` (by default what fits under
    Excel's 1,048,576-row limit with the 4 header and 2 footer rows), the rest continue on sheets named
    "物流企业调查表(2)", … with the same header and their own 合计 row. The hidden 填表说明 sheet comes last.
    Without `cell_borders` data cells carry no format (and empty ones are not written): about a third
    faster for millions of rows, and no reader looks at borders.
    """
    if not 0 < rows_per_sheet <= SHEET_CAPACITY:
        raise ValueError(f"rows_per_sheet must be between 1 and {SHEET_CAPACITY}")
    workbook = Workbook(str(path), {"constant_memory": constant_memory})
    workbook.set_properties({"title": TITLE, "author": "青海省总工会基层工作部", "created": CREATED})
    base = {"font_name": "宋体", "font_size": 10, "valign": "vcenter"}
    formats: dict[str, Format | None] = {
        "title": workbook.add_format({**base, "bold": True, "font_size": 16, "align": "center"}),
        "subtitle": workbook.add_format({**base, "align": "left"}),
        "header": workbook.add_format({**base, "bold": True, "align": "center", "text_wrap": True,
                                       "border": 1, "bg_color": "#D9D9D9"}),
        "cell": workbook.add_format({**base, "border": 1}) if cell_borders else None,
        "total": workbook.add_format({**base, "bold": True, "border": 1}),
        "note": workbook.add_format({**base, "align": "left", "text_wrap": True}),
    }
    sheet = _Sheet(workbook, SHEET_NAME, formats)
    count = 0
    for row in rows:
        if sheet.next_row - HEADER_ROWS == rows_per_sheet:
            sheet.finish()
            sheet = _Sheet(workbook, f"{SHEET_NAME}({count // rows_per_sheet + 1})", formats)
        sheet.write(row)
        count += 1
    sheet.finish()
    notes = workbook.add_worksheet(NOTES_SHEET_NAME)
    notes.set_column(0, 0, 100)
    for r, line in enumerate(NOTES):
        notes.write_string(r, 0, line)
    notes.hide()
    workbook.close()
    return count


def write_csv(path: str | Path, rows: Iterable[Row], *, encoding: str = "gbk") -> int:
    """Write the survey as Excel's 另存为 CSV would; return the number of data rows.

    That is: the title and 填报单位 lines, the two header rows with each merged cell's text in its top-left
    cell and blanks elsewhere (so group names appear once, over their first sub-column), the data, the
    合计 row with its computed sums, and the footnote; GBK without a BOM, CRLF line ends.
    """
    blank = [""] * (len(HEADERS) - 1)
    sums = dict.fromkeys(COUNT_COLUMNS, 0)
    count = 0
    with open(path, "w", encoding=encoding, newline="") as f:
        out = csv.writer(f, lineterminator="\r\n")
        out.writerow([TITLE, *blank])
        out.writerow([SUBTITLE, *blank])
        out.writerows(_header_rows())
        for row in rows:
            values = [row[key] for key in HEADERS]
            out.writerow(["" if v is None else v for v in values])
            for key in COUNT_COLUMNS:
                value = row[key]
                if isinstance(value, int):
                    sums[key] += value
            count += 1
        out.writerow(["合计", *(sums.get(key, "") for key in HEADERS[1:])])
        out.writerow([FOOTNOTE, *blank])
    return count


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write the synthetic example survey workbook.")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                        help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument("-o", "--output", type=Path, default=HERE / "survey.xlsx", help="workbook to write")
    args = parser.parse_args(argv)
    count = write_xlsx(args.output, make_example(args.seed))
    print(f"{args.output}: {count} rows")


if __name__ == "__main__":
    main()
