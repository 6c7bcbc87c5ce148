"""The canonical survey fields: English id → Chinese label → kind → what to fill in.

This one table is used by the reader, the template (its header and 填表说明), the messages and the docs. How
county forms label each field — the words their headers are made of — is data beside it, in
`data/headers.toml`, read by `headers`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class FieldKind(StrEnum):
    TEXT = "text"
    COUNT = "count"
    BOOL = "bool"
    STATUS = "status"
    ENTITY = "entity"
    GROUP = "group"
    DOMAIN = "domain"
    PREFECTURE = "prefecture"
    COUNTY = "county"
    CODE = "code"




@dataclass(frozen=True, slots=True)
class Field:
    id: str
    label: str
    kind: FieldKind
    help: str  # thresholds as {parameter.shown}, filled from the rule set where shown (`RuleSet.filled`)
    personal: bool = False
    example: str | int = ""


ENTITY_TYPES = ("企业", "个体工商户", "个体货运户", "物流平台", "物流园区", "货运市场", "行业协会")
INDIVIDUAL_TYPES = frozenset({"个体工商户", "个体货运户"})
ANCHOR_TYPES = frozenset({"物流平台", "物流园区", "货运市场", "行业协会"})
STATUSES = ("正常", "停业", "歇业", "注销", "吊销")
# 青总办〔2018〕19号 一: the “五大领域”.
DOMAINS = ("开发区（工业园区）", "建筑企业", "物流（快递）", "家庭服务业", "农民专业合作社")
# 青总办〔2018〕19号 二: the “八大群体”, in the document's order.
GROUPS = ("货车司机", "快递员", "护理护工员", "家政服务员", "商场信息员", "网络送餐员", "房屋中介员", "保安员")
TRUCK_DRIVERS = "货车司机"

FIELDS: tuple[Field, ...] = (
    Field("name", "企业名称", FieldKind.TEXT,
          "营业执照上的全称；个体户填字号或经营者姓名", example="西宁顺达物流有限公司"),
    Field("credit_code", "统一社会信用代码", FieldKind.CODE,
          "18 位统一社会信用代码", example="91630105MA752XXXXX"),
    Field("prefecture", "市（州）", FieldKind.PREFECTURE,
          "实际经营所在的市（州）", example="西宁市"),
    Field("county", "县（市、区）", FieldKind.COUNTY,
          "实际经营所在的县（市、区、行委）", example="城北区"),
    Field("address", "实际经营地址", FieldKind.TEXT,
          "实际经营场所地址（可与注册地不同）", example="西宁市城北区朝阳东路"),
    Field("entity_type", "主体类型", FieldKind.ENTITY,
          "企业 / 个体工商户 / 个体货运户 / 物流平台 / 物流园区 / 货运市场 / 行业协会", example="企业"),
    Field("status", "经营状况", FieldKind.STATUS,
          "正常 / 停业 / 歇业 / 注销 / 吊销", example="正常"),
    Field("domain", "所属领域（五大领域）", FieldKind.DOMAIN,
          "开发区（工业园区）/ 建筑企业 / 物流（快递）/ 家庭服务业 / 农民专业合作社", example="物流（快递）"),
    Field("group", "所属群体（八大群体）", FieldKind.GROUP,
          "货车司机 / 快递员 / 护理护工员 / 家政服务员 / 商场信息员 / 网络送餐员 / 房屋中介员 / 保安员",
          example="货车司机"),
    Field("vehicles_registered", "登记车辆数", FieldKind.COUNT,
          "在本企业名下登记的车辆总数，含挂靠车辆", example=22),
    Field("vehicles_owned", "实际拥有车辆数", FieldKind.COUNT,
          "企业实际拥有的车辆数，不含挂靠车辆（青总办〔2018〕19号 三（二）：实际拥有车辆 {standalone_vehicles.shown}以上单独建会）",
          example=20),
    Field("vehicles_attached", "挂靠车辆数", FieldKind.COUNT,
          "挂靠在本企业名下、并非企业所有的车辆数（登记车辆数 = 实际拥有 + 挂靠）", example=2),
    Field("employees", "职工人数", FieldKind.COUNT,
          "与企业有劳动关系的职工总数（{standalone_employees.shown}以上单独建会）", example=30),
    Field("drivers", "货车司机人数", FieldKind.COUNT,
          "职工中的货车司机人数", example=24),
    Field("migrant_workers", "农民工人数", FieldKind.COUNT,
          "职工中的农民工人数", example=18),
    # 三（一）“用工形式、劳动关系”: who works for the firm without a labour relation to it (issue 11).
    Field("attached_drivers", "挂靠司机人数", FieldKind.COUNT,
          "车辆挂靠在本企业、与企业没有劳动关系的司机人数", example=0),
    Field("dispatched_workers", "劳务派遣人数", FieldKind.COUNT,
          "由劳务派遣单位派到本企业工作的人数", example=0),
    Field("platform_drivers", "平台派单司机人数", FieldKind.COUNT,
          "通过物流平台接单、与企业没有劳动关系的司机人数", example=0),
    Field("has_union", "是否已建工会", FieldKind.BOOL,
          "是 / 否", example="是"),
    Field("union_name", "工会名称", FieldKind.TEXT,
          "已建工会的全称", example="西宁顺达物流有限公司工会委员会"),
    Field("members", "工会会员人数", FieldKind.COUNT,
          "已加入工会的职工人数", example=20),
    Field("driver_members", "已入会司机人数", FieldKind.COUNT,
          "已加入工会的货车司机人数", example=16),
    Field("migrant_members", "已入会农民工人数", FieldKind.COUNT,
          "已加入工会的农民工人数（目标：{migrant_target.effective.year} 年底入会率 {migrant_target.shown}）", example=12),
    Field("anchor", "依托的平台/园区/市场", FieldKind.TEXT,
          "小、散、弱企业依托的物流平台、物流园区或货运市场名称（没有则空）", example="朝阳物流园"),
    Field("willingness", "建会意愿", FieldKind.TEXT,
          "企业和司机对建会、入会的认识态度", example="愿意"),
    Field("suggestions", "意见建议", FieldKind.TEXT,
          "企业和司机的意见建议", example="希望工会提供法律服务"),
    Field("contact", "联系人", FieldKind.TEXT,
          "企业负责人或联系人姓名（个人信息，仅保留在本表中）", personal=True, example="张某某"),
    Field("phone", "联系电话", FieldKind.TEXT,
          "联系电话（个人信息，仅保留在本表中）", personal=True, example="13800000000"),
    Field("id_number", "身份证号", FieldKind.TEXT,
          "经营者身份证号（个人信息，仅保留在本表中）", personal=True, example=""),
    Field("reporter", "填报人", FieldKind.TEXT,
          "填报人姓名（个人信息，仅保留在本表中）", personal=True, example="李某某"),
)

BY_ID: dict[str, Field] = {f.id: f for f in FIELDS}
COUNT_FIELDS: tuple[str, ...] = tuple(f.id for f in FIELDS if f.kind is FieldKind.COUNT)
PERSONAL_FIELDS: frozenset[str] = frozenset(f.id for f in FIELDS if f.personal)

# (part, whole): a part can never exceed its whole.
COUNT_PARTS: tuple[tuple[str, str], ...] = (
    ("vehicles_owned", "vehicles_registered"),
    ("vehicles_attached", "vehicles_registered"),
    ("drivers", "employees"),
    ("migrant_workers", "employees"),
    ("members", "employees"),
    ("driver_members", "drivers"),
    ("driver_members", "members"),
    ("migrant_members", "migrant_workers"),
    ("migrant_members", "members"),
)


def label(field_id: str) -> str:
    return BY_ID[field_id].label
