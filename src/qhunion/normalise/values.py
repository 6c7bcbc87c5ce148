"""Cell values as people really type them → clean values, plus the finding code when something was off.

Each parser returns ``(value, code, params)``: ``code`` is a key of `findings.CATALOGUE` (or None when the
cell was clean) and ``params`` fills that entry's message template. Missing is ``None``, never 0: a blank
headcount is unknown, while “无” really means none.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from qhunion import fields
from qhunion.normalise.text import chinese_to_int, fold, header_key, simplified

Parsed = tuple[Any, str | None, dict[str, Any] | None]
CLEAN: Parsed = (None, None, None)
# Longer than any number, yes/no or category anyone types: not read further (the patterns that read such
# cells need not be tried on 100,000 characters).
MAX_WORD = 100

# One enterprise in Qinghai with more people or vehicles than this is a typing error, not a fact.
ABSURD_COUNT = 100_000

MISSING = frozenset({"", "/", "\\", "-", "--", "—", "——", "－", "不详", "不清楚", "未知", "空", "暂无数据", "n/a", "na",
                     "null", "none", "?", "？"})
ZERO = frozenset({"无", "没有", "零", "〇", "0", "暂无", "无车辆"})
# Said of an identifier (the credit code of an unlicensed individual carrier): there is none.
NONE_WORDS = frozenset({"未办理", "未办", "无执照", "无营业执照", "没办", "暂未办理"})
EXCEL_ERRORS = frozenset({"#REF!", "#DIV/0!", "#N/A", "#VALUE!", "#NAME?", "#NUM!", "#NULL!", "#GETTING_DATA",
                          "#SPILL!", "#CALC!"})
_APPROX = re.compile(r"^(?:约|大约|约计|近|将近|大概|估计)\s*|\s*(?:左右|余|多|以上|上下)$")
_UNIT = re.compile(r"\s*(?:人|辆|台|名|个|户|家|部|位|车)$")
_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")
_THOUSANDS = re.compile(r"^\d{1,3}(?:,\d{3})+$")


def says_none(raw: Any) -> bool:
    """A cell that says there is nothing — blank, “/”, “-”, “无”, “暂无” — for identifiers, where such words
    are not a malformed value."""
    if raw is None:
        return True
    text = fold(str(raw)).lower()
    return text in MISSING or text in ZERO or text in NONE_WORDS


def _count_from_number(number: float, raw: Any) -> Parsed:
    if number < 0:
        return None, "count-negative", None
    if not math.isfinite(number):  # a crafted .xlsx holds inf; a CSV cell of 400 nines reads as inf
        return None, "count-absurd", {"limit": ABSURD_COUNT}
    if number != int(number):
        return None, "count-fraction", None
    if number > ABSURD_COUNT:
        return None, "count-absurd", {"limit": ABSURD_COUNT}
    return int(number), None, None


def parse_count(raw: Any) -> Parsed:
    """A head or vehicle count: 25, 25.0, "25人", "２０", "二十五", "约30", "无" (0), "/" (missing)."""
    if type(raw) is str and len(raw) < 10 and raw.isascii() and raw.isdigit():  # plain "25", as in CSV
        return _count_from_number(int(raw), raw)
    if raw is None:
        return CLEAN
    if isinstance(raw, bool):
        return None, "count-invalid", None
    if isinstance(raw, int | float):
        if raw != raw:  # NaN
            return CLEAN
        return _count_from_number(raw, raw)
    if isinstance(raw, dt.date | dt.time | dt.timedelta):
        return None, "cell-date", None
    text = fold(str(raw))
    if text.lower() in MISSING:
        return CLEAN
    if text in EXCEL_ERRORS:
        return None, "cell-error", None
    if len(text) > MAX_WORD:
        return None, "count-invalid", None
    if text in ZERO:
        return 0, None, None
    core = _UNIT.sub("", text)  # 约30人, 30余人, 30人左右
    approx = _APPROX.search(core) is not None
    core = _UNIT.sub("", _APPROX.sub("", core)).strip()
    if _THOUSANDS.match(core):
        core = core.replace(",", "")
    number: float | None = float(core) if _NUMBER.match(core) else chinese_to_int(core)
    if number is None:
        return None, "count-invalid", None
    value, code, params = _count_from_number(number, raw)
    if code:
        return value, code, params
    if approx:
        return value, "count-approx", {"number": value}
    if core != str(raw).strip() or str(value) != core:
        # Anything but a plain integer as typed (25人, ２０, 二十五, 25.0 typed as text) is read but reported, at
        # info level, so the reading can be checked against the cell.
        return value, "count-read-as", {"number": value}
    return value, None, None


_TRUE = frozenset({"是", "有", "已建", "已建立", "已建会", "已", "√", "✓", "✔", "y", "yes", "true", "1", "对", "已成立",
                   "已建工会", "已建立工会", "已成立工会", "有工会", "建了", "已组建", "已组建工会"})
_FALSE = frozenset({"否", "无", "未建", "未建立", "未建会", "未", "没有", "×", "✗", "✘", "n", "no", "false", "0", "不",
                    "尚未建立", "未成立", "尚未建会", "没建", "未建工会", "未建立工会", "未成立工会", "无工会", "没有工会",
                    "未组建", "尚未组建"})
# A union being formed is not yet a union (it has no 工会委员会 to take members in), so the answer is “no”; the
# finding tells the office the work is under way, so it is not started twice.
_FORMING = frozenset({"组建中", "筹建", "筹建中", "正在组建", "正在筹建", "拟建", "拟组建", "准备组建", "在建", "待建"})


def parse_bool(raw: Any) -> Parsed:
    """是/否/有/无/已建/未建/√/× and the like."""
    if raw is None:
        return CLEAN
    if isinstance(raw, bool):
        return raw, None, None
    if isinstance(raw, int | float) and raw in (0, 1):
        return bool(raw), None, None
    text = simplified(fold(str(raw))).lower()
    if text in MISSING:
        return CLEAN
    if text in _TRUE:
        return True, None, None
    if text in _FALSE:
        return False, None, None
    if text in _FORMING:
        return False, "union-forming", None
    return None, "bool-invalid", None


def _synonyms(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Spellings compared as headers are: width, spaces, brackets and punctuation do not matter
    (注 销, 吊销，未注销, 物流(快递))."""
    return {header_key(spelling): canon for canon, spellings in table.items() for spelling in (canon, *spellings)}


_STATUS = _synonyms({
    "正常": ("在业", "存续", "营业", "开业", "正常经营", "经营", "在营", "运营", "正常营业", "营业中", "经营中",
             "正常运营", "存续（在营、开业、在册）", "在营（开业）", "在册", "迁入", "登记成立", "存续在业", "正常在业"),
    "停业": ("停产", "停业整顿", "暂停营业", "停运", "停业中", "已停业", "停止经营", "暂停经营"),
    "歇业": ("歇业中", "已歇业", "歇业备案"),
    # 撤销 (撤销登记 / 撤销设立登记): the registration is annulled, as if never made — the entity has ceased to
    # exist like a 注销 one, it was not merely punished like a 吊销 one that still has to be wound up.
    "注销": ("已注销", "注销中", "注销登记", "吊销已注销", "吊销后注销", "撤销", "已撤销", "撤销登记", "撤销设立登记"),
    "吊销": ("已吊销", "吊销未注销", "被吊销", "吊销后未注销", "吊销营业执照", "已吊销营业执照"),
})
# Read as a status, with a finding. 迁出: the registration moved to another authority; the enterprise still
# exists and may still operate here (the survey asks where it operates, 三（一）), so it is 正常 — but worth a look.
_STATUS_NOTED = {"迁出": ("正常", "status-moved"), "已迁出": ("正常", "status-moved"),
                 "迁往外地": ("正常", "status-moved"), "迁出登记": ("正常", "status-moved")}
_ENTITY = _synonyms({
    "企业": ("公司", "有限公司", "有限责任公司", "股份有限公司", "企业法人", "国有企业", "民营企业", "私营企业", "分公司",
             "民营", "私营", "国有", "国企", "集体", "集体企业", "国有控股", "国有控股企业", "股份制企业", "股份制",
             "个人独资企业", "独资企业", "合伙企业", "有限合伙企业", "外商投资企业", "中外合资企业",
             "有限责任公司（自然人独资）", "有限责任公司（自然人投资或控股）", "有限责任公司分公司", "分支机构"),
    "个体工商户": ("个体", "个体户", "个体经营户", "个体工商", "个体经营", "个体工商户（个人经营）", "个人经营"),
    "个体货运户": ("个体运输户", "个体货车", "个体司机", "货运个体户", "个体货运", "个体运输"),
    "物流平台": ("平台", "网络货运平台", "货运平台", "物流信息平台", "互联网平台"),
    "物流园区": ("园区", "物流园", "物流中心"),
    "货运市场": ("市场", "货运交易市场", "物流市场", "货运站"),
    "行业协会": ("协会", "物流协会", "商会", "运输协会"),
})
# A cooperative is no enterprise, but the document lists 农民专业合作社 among the 五大领域 that form unions as
# enterprises do, so it is judged as one; the finding keeps the reading visible.
_ENTITY_NOTED = {spelling: ("企业", "type-read-as")
                 for spelling in ("合作社", "农民专业合作社", "专业合作社", "运输合作社", "农牧民专业合作社", "合作联社")}
_GROUP = _synonyms({
    "货车司机": ("货运司机", "司机", "货车驾驶员", "驾驶员", "卡车司机"),
    "快递员": ("快递", "快递小哥", "快递从业人员"),
    "护理护工员": ("护工护理员", "护工", "护理员", "护理人员", "护工员"),
    "家政服务员": ("家政", "家政员", "家政服务人员", "保姆"),
    "商场信息员": ("商场信息员", "信息员"),
    "网络送餐员": ("网约送餐员", "送餐员", "外卖员", "外卖骑手", "骑手", "网络订餐送餐员"),
    "房屋中介员": ("房产中介员", "房产中介", "房屋中介", "中介员"),
    "保安员": ("保安",),
})
_DOMAIN = _synonyms({
    "开发区（工业园区）": ("开发区", "工业园区", "开发区工业园区"),
    "建筑企业": ("建筑", "建筑业"),
    "物流（快递）": ("物流", "快递", "物流快递", "物流(快递)"),
    "家庭服务业": ("家庭服务", "家政服务业"),
    "农民专业合作社": ("合作社", "专业合作社"),
})


def _choice(table: dict[str, str], code: str, noted: dict[str, tuple[str, str]] | None = None,
            endings: tuple[tuple[re.Pattern[str], str], ...] = ()) -> Any:
    """A parser for one choice column. ``noted`` spellings are read too, each with its (info) finding;
    ``endings`` read the longer official wordings by what they end in."""
    notes = {header_key(spelling): found for spelling, found in (noted or {}).items()}

    def parse(raw: Any) -> Parsed:
        if raw is None:
            return CLEAN
        text = simplified(fold(str(raw)))
        if text.lower() in MISSING:
            return CLEAN
        if len(text) > MAX_WORD:
            return None, code, None
        key = header_key(text)
        found = table.get(key)
        if found is None:
            if key in notes:
                canon, note = notes[key]
                return canon, note, {"canon": canon}
            for pattern, canon in endings:  # 其他有限责任公司, 非公司私营企业: read by what they end in
                if pattern.search(key):
                    return canon, None, None
            return None, code, None
        return found, None, None

    return parse


parse_status = _choice(_STATUS, "status-invalid", _STATUS_NOTED)
# 市场主体类型 as registration exports write them (其他有限责任公司, 有限责任公司（自然人独资）, 个体工商户（个人经营）).
_ENTITY_ENDINGS = ((re.compile(r"个体"), "个体工商户"),
                   (re.compile(r"(公司|企业|厂|集团|分支机构|独资|合伙)(自然人.*|法人.*|个人.*)?$"), "企业"))
parse_entity = _choice(_ENTITY, "type-invalid", _ENTITY_NOTED, _ENTITY_ENDINGS)
parse_group = _choice(_GROUP, "group-invalid")
parse_domain = _choice(_DOMAIN, "field-invalid")

# Text cells: Excel holds at most 32,767 characters; nothing in a survey needs a tenth of that.
MAX_TEXT = 500


def parse_text(raw: Any) -> Parsed:
    if type(raw) is str:  # the common case, checked in C: printable, not too long
        text = raw.strip()
        if text.isprintable() and len(text) <= MAX_TEXT:
            return (text or None), None, None
    if raw is None:
        return CLEAN
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)  # a number typed in a text column (a phone, a code) must not grow “.0”
    text = str(raw).strip()
    if not text:
        return CLEAN
    from qhunion.normalise.text import has_control, strip_control

    if has_control(text):
        text = strip_control(text).strip()
        if len(text) > MAX_TEXT:
            return text[:MAX_TEXT], "text-too-long", {"length": len(text), "limit": MAX_TEXT}
        return text or None, "text-control", None
    if len(text) > MAX_TEXT:
        return text[:MAX_TEXT], "text-too-long", {"length": len(text), "limit": MAX_TEXT}
    return text, None, None


PARSERS = {
    fields.FieldKind.COUNT: parse_count,
    fields.FieldKind.BOOL: parse_bool,
    fields.FieldKind.STATUS: parse_status,
    fields.FieldKind.ENTITY: parse_entity,
    fields.FieldKind.GROUP: parse_group,
    fields.FieldKind.DOMAIN: parse_domain,
}
