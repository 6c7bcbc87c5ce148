"""Headers recognised by meaning (issue 10): scoring by the parts a header is made of, one matching over the
row with confidences, value evidence, suggestions, and the user's --map."""

from __future__ import annotations

import pytest

from qhunion.fields import FIELDS
from qhunion.recognise.headers import (
    MAPPED,
    MapError,
    field_named,
    map_file_text,
    match_header,
    normalise_header,
    parse_map,
    recognise,
    scores,
    specs,
    suggestions,
)


def test_every_field_has_recognition_data() -> None:
    assert set(specs()) == {f.id for f in FIELDS}


@pytest.mark.parametrize(("text", "key"), [
    ("1.企业名称", "企业名称"), ("（三）职工人数（人）", "职工人数"), ("职工人数\n（人）", "职工人数"),
    ("其中：货车司机", "货车司机"), ("Ｆ　车辆数（单位：辆）", "f车辆数"), ("① 经营状况", "经营状况"),
])
def test_normalise(text: str, key: str) -> None:
    assert normalise_header(text) == key


# Wordings that are in no list: each must be read by its parts.
@pytest.mark.parametrize(("header", "field"), [
    ("货运企业全称", "name"), ("经营户字号", "name"), ("市场主体名称", "name"),
    ("工商注册号", "credit_code"), ("组织机构代码证号", "credit_code"),
    ("所在州市", "prefecture"), ("所属县（区、市）", "county"), ("住所所在行政区划", "county"),
    ("企业实际经营场所", "address"), ("企业登记注册类型", "entity_type"), ("存续状态", "status"),
    ("实有营运货车（台）", "vehicles_owned"), ("本单位自有营运车辆", "vehicles_owned"),
    ("车辆总数（含挂靠）", "vehicles_registered"), ("名下登记货车数", "vehicles_registered"),
    ("挂靠营运车辆", "vehicles_attached"), ("实际拥有车辆数（不含挂靠）", "vehicles_owned"),
    ("在册员工总数", "employees"), ("年末用工人数", "employees"), ("雇佣司机数", "drivers"),
    ("进城务工人员数", "migrant_workers"), ("是否组建工会", "has_union"), ("基层工会全称", "union_name"),
    ("现有工会会员", "members"), ("司机入会人数", "driver_members"), ("农民工入会数", "migrant_members"),
    ("入驻物流园区", "anchor"), ("所在货运市场名称", "anchor"), ("对建会入会的态度", "willingness"),
    ("企业诉求", "suggestions"), ("业主姓名", "contact"), ("手机号", "phone"), ("经营者身份证号", "id_number"),
    ("统计人", "reporter"),
])
def test_unseen_wordings_read_by_their_parts(header: str, field: str) -> None:
    assert match_header(header) == field, scores(header)


@pytest.mark.parametrize("header", ["备注", "序号", "邮政编码", "建会日期", "开户银行", "经营范围", "", "ＦＯＯ"])
def test_headers_that_name_no_field(header: str) -> None:
    assert match_header(header) is None


@pytest.mark.parametrize("header", ["车辆（辆）", "车辆数量", "货车数（台）"])
def test_an_unqualified_vehicle_count_is_the_registered_one_and_doubtful(header: str) -> None:
    """Registered can only rule the vehicle test out, never in: the safe reading of an unqualified count —
    and shown to the user with the owned reading as the alternative."""
    found = dict(scores(header))
    assert MAPPED <= found["vehicles_registered"] < 0.8
    assert found["vehicles_owned"] < found["vehicles_registered"]


def test_sentences_are_not_headers() -> None:
    assert match_header("营业执照上的全称；个体户填字号或经营者姓名") is None


def test_the_row_is_one_matching_with_confidences() -> None:
    upper = ["序号", "企业名称", "车辆（辆）", "自有车辆", "职工", "名称"]
    columns = {c.letter: c for c in recognise(upper, None, 0)}
    assert columns["B"].field == "name" and columns["B"].confidence == 1.0
    assert columns["D"].field == "vehicles_owned"
    assert columns["C"].field == "vehicles_registered"  # owned is taken by D: the matching is over the row
    assert columns["E"].field == "employees"
    assert columns["F"].field is None and columns["F"].duplicate is columns["B"]


def test_two_row_headers_read_the_group_with_the_sub_header() -> None:
    upper = ["企业名称", "车辆情况", "", "工会会员情况", ""]
    lower = ["", "自有", "挂靠", "人数", "其中：货车司机"]
    fields = [c.field for c in recognise(upper, lower, 0)]
    assert fields == ["name", "vehicles_owned", "vehicles_attached", "members", "driver_members"]


def test_values_confirm_or_weaken_a_reading() -> None:
    from stdnum.cn.uscc import calc_check_digit

    codes = [f"91630105MA7{n:06d}" for n in range(4)]
    codes = [c + calc_check_digit(c) for c in codes]
    samples = [[f"企业{i}", code, "城北区", "待统计"] for i, code in enumerate(codes)]
    columns = recognise(["企业名称", "代号", "备注", "职工人数"], None, 0, samples)
    by_letter = {c.letter: c for c in columns}
    assert by_letter["B"].field == "credit_code" and by_letter["B"].via == "values"
    assert by_letter["C"].field == "county" and by_letter["C"].via == "values"
    assert by_letter["D"].field == "employees" and by_letter["D"].confidence < 0.8  # words in a count column
    assert {s.column.letter for s in suggestions(columns)} == {"B", "C", "D"}


def test_suggestions_and_their_map_items() -> None:
    columns = recognise(["企业名称", "车辆（辆）", "职工人数", "县"], None, 0)
    (s,) = suggestions(columns)
    assert s.column.letter == "B"
    assert s.map_item == "B=登记车辆数"
    assert s.text.startswith("B 列“车辆（辆）”可能是“登记车辆数”或“实际拥有车辆数”")


def test_the_users_map_wins() -> None:
    mapping = parse_map(["b=实际拥有车辆数", "职工人数=忽略", "D=county"])
    columns = {c.letter: c for c in recognise(["企业名称", "车辆（辆）", "职工人数", "地方"], None, 0,
                                              mapping=mapping)}
    assert columns["B"].field == "vehicles_owned" and columns["B"].via == "map"
    assert columns["C"].field is None and columns["C"].via == "map"
    assert columns["D"].field == "county"
    assert suggestions(columns.values()) == []


@pytest.mark.parametrize(("item", "words"), [
    ("F实际拥有车辆数", "写法不对"), ("F=", "写法不对"), ("F=车牌号", "不是调查表的字段"),
])
def test_bad_map_items_are_one_sentence(item: str, words: str) -> None:
    with pytest.raises(MapError) as err:
        parse_map([item])
    assert words in err.value.reason


def test_fields_named_by_id_label_or_own_name() -> None:
    assert field_named("vehicles_owned") == field_named("实际拥有车辆数") == field_named("自有车辆数") == "vehicles_owned"
    assert field_named("车牌号") is None


def test_map_file_round_trip(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import dataclass

    from qhunion.recognise.headers import read_map_file

    @dataclass
    class Lay:
        columns: list  # type: ignore[type-arg]

    columns = recognise(["企业名称", "车辆（辆）", "\"引号\"表头"], None, 0, mapping=parse_map(['C=忽略']))
    path = tmp_path / "映射.toml"
    path.write_text(map_file_text([Lay(columns)]), "utf-8")
    mapping = read_map_file(str(path))
    assert mapping == {"企业名称": "name", "车辆辆": "vehicles_registered", "C": None} or mapping == {
        normalise_header("企业名称"): "name", normalise_header("车辆（辆）"): "vehicles_registered", normalise_header('"引号"表头'): None}
