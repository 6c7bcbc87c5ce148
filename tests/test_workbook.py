"""The annotated workbook (issue 3): `qhunion classify` on a survey drawn as a county office draws it, then the
output opened with openpyxl — sheets, every original column and value, the added columns, frozen header,
autofilter, conditional formats, links from 数据问题 to the cells, the 汇总 chart and counts, the formation
plan — and the input file byte for byte unchanged.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from qhunion.decide.ruleset import packaged
from qhunion.outputs import OutputError
from qhunion.pipeline import run as run_pipeline
from qhunion.xlsx.workbook import ADDED, write_workbook
from rule_cases.surveys import (
    FIRST_DATA_ROW,
    FORMULA_NAME,
    HEADERS,
    PLUS_PHONE,
    UNHEADED,
    Row,
    enterprise,
    excel_row,
    run,
    standard_rows,
    write_survey,
)

SHEETS = ["判定结果", "建会方案", "汇总", "数据问题", "判定依据"]
LEAD = ["来源文件", "工作表", "原行号"]
LABELS = {"standalone": "单独建会", "joint": "联合建会", "industry": "行业工会覆盖", "territorial": "属地覆盖",
          "established": "已建会", "excluded": "不纳入", "unverified": "待核实", "deferred": "暂缓"}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def classify(folder: Path, *args: str | Path) -> tuple[int, str, str]:
    """`qhunion classify` run in ``folder`` (so nothing it writes lands elsewhere)."""
    return run("classify", *args, folder=folder)


@dataclass
class Annotated:
    source: Path
    before: str
    target: Path
    book: Any
    rows: list[Row]
    exit_code: int

    def sheet(self, name: str) -> Worksheet:
        ws = self.book[name]
        assert isinstance(ws, Worksheet)
        return ws


@pytest.fixture(scope="module")
def annotated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Annotated]:
    folder = tmp_path_factory.mktemp("workbook")
    rows = standard_rows()
    source = write_survey(folder / "城北区调查表.xlsx", rows)
    before = sha256(source)
    code, _, _ = classify(folder, source)
    target = folder / "城北区调查表_建会判定.xlsx"
    book = openpyxl.load_workbook(target)
    yield Annotated(source, before, target, book, rows, code)
    book.close()


def table(ws: Worksheet, header_row: int = 1) -> tuple[list[Any], list[tuple[Any, ...]]]:
    rows = list(ws.iter_rows(min_row=header_row, values_only=True))
    return list(rows[0]), [r for r in rows[1:] if any(v is not None for v in r)]


def by_source_row(ws: Worksheet) -> dict[int, dict[str, Any]]:
    header, rows = table(ws)
    return {r[2]: dict(zip(header, r, strict=True)) for r in rows}


# ── The input ────────────────────────────────────────────────────────────────────────────────────────

def test_input_is_unchanged_and_the_workbook_sits_beside_it(annotated: Annotated) -> None:
    assert annotated.exit_code == 0
    assert sha256(annotated.source) == annotated.before
    assert annotated.target.parent == annotated.source.parent
    assert annotated.book.sheetnames == SHEETS


def test_output_over_the_input_is_refused(tmp_path: Path) -> None:
    source = write_survey(tmp_path / "调查表.xlsx")
    before = sha256(source)
    result = run_pipeline([source], packaged())
    with pytest.raises(OutputError, match="输入的调查表本身"):
        write_workbook(result, source)
    # Through the command line (the test runner goes through the app as the installed script does): one
    # sentence and status 4.
    status, _, err = classify(tmp_path, source, "-o", source)
    assert status == 4 and "输入的调查表本身" in err
    assert sha256(source) == before


def test_each_input_of_one_name_gets_its_own_share_of_the_run(tmp_path: Path) -> None:
    """Issue 12: an input's pairs and findings are taken by its place in the run, never by its name, which
    d1/s.xlsx and d2/s.xlsx share; the workbook of each and its ledger import use these."""
    rows = standard_rows()
    paths = []
    for folder, part in (("d1", rows), ("d2", rows[:2])):
        (tmp_path / folder).mkdir()
        paths.append(write_survey(tmp_path / folder / "s.xlsx", part))
    result = run_pipeline(paths, packaged())
    shares = [result.pairs_of(p) for p in paths]
    assert [len(s) for s in shares] == [len(rows), 2]
    assert [r for share in shares for r, _ in share] == result.survey.records
    found = [result.findings_of(p) for p in paths]
    assert sorted(map(id, found[0] + found[1])) == sorted(map(id, result.all_findings()))
    for share, own in zip(shares, found, strict=True):
        assert [f for r, d in share for f in (*r.issues, *d.findings)] == [
            f for f in own if f not in result.survey.findings]


# ── 判定结果 ─────────────────────────────────────────────────────────────────────────────────────────

def test_every_original_column_then_the_added_ones(annotated: Annotated) -> None:
    header, rows = table(annotated.sheet("判定结果"))
    assert header[:3] == LEAD
    original = header[3:len(header) - len(ADDED)]
    assert original[:len(HEADERS)] == list(HEADERS)
    assert len(original) == len(HEADERS) + 1 and "无表头" in original[-1]  # the column with no header
    assert tuple(header[-len(ADDED):]) == ADDED
    assert list(ADDED) == ["判定", "判定理由", "规则", "依据条款", "建会方案", "责任单位", "下一步", "数据问题"]
    # Enterprises only: not the title, headers, 合计 or 填表说明 rows.
    assert len(rows) == len(annotated.rows)


def test_every_original_value_is_there_as_typed(annotated: Annotated) -> None:
    out = by_source_row(annotated.sheet("判定结果"))
    for n, row in enumerate(annotated.rows):
        got = out[FIRST_DATA_ROW + n]
        assert got["来源文件"] == annotated.source.name and got["工作表"] == "调查表"
        assert got["序号"] == n + 1
        for h in HEADERS[1:]:
            assert got[h] == row.values.get(h), (row.values["企业名称"], h)
    first = out[FIRST_DATA_ROW]
    assert first[next(k for k in first if "无表头" in str(k))] == UNHEADED


def test_formula_looking_text_stays_text(annotated: Annotated) -> None:
    ws = annotated.sheet("判定结果")
    header = [c.value for c in ws[1]]
    line = excel_row(annotated.rows, FORMULA_NAME) - FIRST_DATA_ROW + 2
    for column, expected in (("企业名称", FORMULA_NAME), ("联系电话", PLUS_PHONE), ("备注", "=1+1")):
        cell = ws.cell(line, header.index(column) + 1)
        assert cell.value == expected and cell.data_type == "s"
    plan = annotated.sheet("建会方案")
    members = [c for c in plan["L"] if c.value and FORMULA_NAME in str(c.value)]
    assert members and all(c.data_type == "s" for c in members)


def test_added_columns_say_what_to_do(annotated: Annotated) -> None:
    out = by_source_row(annotated.sheet("判定结果"))
    for n, row in enumerate(annotated.rows):
        got = out[FIRST_DATA_ROW + n]
        assert got["判定"] == LABELS[row.decision], row.values["企业名称"]
        assert f"→ {got['判定']}" in got["判定理由"]
        assert got["规则"] and got["依据条款"]
    rows = annotated.rows

    def at(name: str) -> dict[str, Any]:
        return out[excel_row(rows, name)]

    assert at("西宁顺达物流有限公司")["判定理由"].startswith("实际拥有车辆 22 辆 ≥ 20 辆")
    assert at("西宁顺达物流有限公司")["建会方案"] == "西宁顺达物流有限公司工会委员会"
    assert at("西宁顺达物流有限公司")["责任单位"] == "西宁市总工会（本工具的理解，见判定依据）"
    assert "登记车辆数 22 含挂靠车辆" in at("城北区挂靠运输有限公司")["数据问题"]
    assert at("青海天路汽车运输有限公司")["下一步"] == "推动司机入会：已入会 12/40"
    assert at("西宁朝阳货运有限公司")["建会方案"] == "建立朝阳物流园联合工会，或纳入城北区物流行业工会"
    assert at("大通县韩某某运输部")["建会方案"] == "大通县总工会（属地覆盖）"
    assert "职工人数未填" in at("大通县永顺运输有限公司")["数据问题"]
    assert "未明确家政服务员" in at("西宁金穗家庭服务有限公司")["责任单位"]
    assert at(FORMULA_NAME)["责任单位"] == "省邮政工会、省电信工会"
    # Rule names and clause citations, not their ids (issue 13).
    assert at("城中区第1货运有限公司")["依据条款"] == "青总办〔2018〕19号 三（二）"
    assert at("城中区第1货运有限公司")["规则"] == packaged().rule("concentrated").title


def test_header_frozen_filtered_and_decisions_coloured(annotated: Annotated) -> None:
    ws = annotated.sheet("判定结果")
    header = [c.value for c in ws[1]]
    # The header row, and the columns up to the enterprise name, stay in view.
    name = openpyxl.utils.get_column_letter(header.index("企业名称") + 2)
    assert ws.freeze_panes == f"{name}2"
    last = openpyxl.utils.get_column_letter(len(header))
    assert ws.auto_filter.ref == f"A1:{last}{len(annotated.rows) + 1}"
    decision = openpyxl.utils.get_column_letter(header.index("判定") + 1)
    formats = [(str(cf.sqref), rule) for cf in ws.conditional_formatting for rule in cf.rules]
    assert {sqref for sqref, _ in formats} == {f"{decision}2:{decision}{len(annotated.rows) + 1}"}
    coloured = {rule.formula[0].strip('"') for _, rule in formats}
    assert coloured == set(LABELS.values())
    assert all(rule.dxf is not None and rule.dxf.fill is not None for _, rule in formats)


def test_problem_cells_are_highlighted(annotated: Annotated) -> None:
    ws = annotated.sheet("判定结果")
    header = [c.value for c in ws[1]]
    line = excel_row(annotated.rows, "大通县永顺运输有限公司") - FIRST_DATA_ROW + 2
    cell = ws.cell(line, header.index("职工人数") + 1)
    assert cell.fill.fgColor.rgb.endswith("FFEB9C")  # a warning: 职工人数 blank, could reach 25


# ── 数据问题 ─────────────────────────────────────────────────────────────────────────────────────────

def test_findings_link_to_their_cells(annotated: Annotated) -> None:
    findings = annotated.sheet("数据问题")
    decisions = annotated.sheet("判定结果")
    header = [c.value for c in findings[1]]
    assert header == ["级别", "类别", "文件", "工作表", "行", "列", "表头", "值", "说明", "代码", "转到"]
    linked = 0
    for row in findings.iter_rows(min_row=2):
        values = dict(zip(header, (c.value for c in row), strict=True))
        link = row[-1].hyperlink
        if values["行"] is None or values["代码"] == "column-unmapped":
            continue
        assert link is not None, values
        m = re.fullmatch(r"'判定结果'!([A-Z]+)(\d+)", link.location)
        assert m, link.location
        target_row = int(m.group(2))
        assert decisions.cell(target_row, 3).value == values["行"]  # 原行号
        assert decisions[f"{m.group(1)}1"].value == values["表头"]
        linked += 1
    codes = {c.value for c in findings["J"][1:]}  # the code, for a technician; B is the title people read
    assert {"registered-only", "unverified"} <= codes
    assert {"仅有登记车辆数", "待核实"} <= {c.value for c in findings["B"][1:]}
    assert linked >= 2


# ── 汇总 ─────────────────────────────────────────────────────────────────────────────────────────────

def test_summary_counts_and_chart(annotated: Annotated) -> None:
    ws = annotated.sheet("汇总")
    assert len(ws._charts) == 1
    header = [c.value for c in ws[1]]
    assert header[0] == "市（州）" and not header[1] and header[2] == "企业数"
    assert header[3:] == list(LABELS.values())
    # Prefectures first (and 全部), then a blank row, then prefecture × county.
    rows = {r[0]: dict(zip(header, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)
            if r[0] and not r[1] and r[0] != "市（州）"}
    expected = {label: sum(1 for r in annotated.rows if LABELS[r.decision] == label) for label in LABELS.values()}
    assert expected == {"单独建会": 1, "联合建会": 4, "行业工会覆盖": 10, "属地覆盖": 1, "已建会": 1, "不纳入": 1,
                        "待核实": 2, "暂缓": 0}
    for name in ("西宁市", "全部"):
        assert rows[name]["企业数"] == len(annotated.rows)
        assert {k: rows[name][k] for k in expected} == expected
    counties = {r[1]: r for r in ws.iter_rows(min_row=2, values_only=True) if r[1] and r[0] == "西宁市"}
    assert counties["城中区"][2] == 10 and counties["城中区"][3 + list(LABELS).index("industry")] == 10
    assert counties["大通回族土族自治县"][2] == 2


# ── 建会方案 ─────────────────────────────────────────────────────────────────────────────────────────

def test_plan_has_one_joint_union_per_anchor(annotated: Annotated) -> None:
    header, rows = table(annotated.sheet("建会方案"))
    plan = [dict(zip(header, r, strict=True)) for r in rows]
    by_name: dict[str, list[dict[str, Any]]] = {}
    for p in plan:
        by_name.setdefault(p["拟建工会"], []).append(p)
    assert all(len(v) == 1 for v in by_name.values())
    anchor = by_name["朝阳物流园联合工会"][0]
    assert anchor["方式"] == "联合建会" and anchor["企业数"] == 2
    assert set(anchor["成员企业"].split("、")) == {"西宁朝阳货运有限公司", "城北区朝阳快运部"}
    assert (anchor["职工人数"], anchor["货车司机"]) == (10, 7)
    industry = by_name["城中区物流行业工会"][0]
    assert industry["企业数"] == 10 and industry["县（市、区）"] == "城中区"
    assert by_name["大通县总工会（属地覆盖）"][0]["责任单位"] == "西宁市总工会"
    mixed = by_name["城东区小微企业联合工会"][0]
    assert mixed["企业数"] == 2 and mixed["责任单位"] == "省邮政工会、省电信工会"
    assert {p["方式"] for p in plan} == {"单独建会", "联合建会", "行业工会覆盖", "属地覆盖"}
    # Decisions that form no union are not in the plan.
    members = "、".join(p["成员企业"] for p in plan)
    for name in ("青海天路汽车运输有限公司", "西宁盛世物流有限责任公司", "大通县永顺运输有限公司"):
        assert name not in members


# ── 判定依据 ─────────────────────────────────────────────────────────────────────────────────────────

def test_rules_sheet_quotes_the_rule_set(annotated: Annotated) -> None:
    rs = packaged()
    texts = {c.value for row in annotated.sheet("判定依据").iter_rows() for c in row if c.value is not None}
    assert f"规则集 {rs.stamp}" in texts
    for clause in rs.clauses.values():
        assert clause.text in texts
    assert "20 辆" in texts and "25 人" in texts and "10 家" in texts
    assert rs.stamp in (annotated.book.properties.description or "")


# ── Layouts ──────────────────────────────────────────────────────────────────────────────────────────

def test_a_header_repeated_under_two_groups_keeps_both_columns(tmp_path: Path) -> None:
    """人数 / 已入会 under both 货车司机 and 农民工: two columns each in the output, none overwritten."""
    layout = ((None, "序号"), (None, "企业名称"), (None, "县（市、区）"), ("车辆情况", "登记车辆数"),
              ("车辆情况", "实际拥有车辆数"), (None, "职工人数"), ("货车司机", "人数"), ("货车司机", "已入会"),
              ("农民工", "人数"), ("农民工", "已入会"))
    rows = [enterprise("西宁顺达物流有限公司", "standalone", {
        "登记车辆数": 25, "实际拥有车辆数": 22, "职工人数": 30, ("货车司机", "人数"): 24, ("货车司机", "已入会"): 10,
        ("农民工", "人数"): 18, ("农民工", "已入会"): 7})]
    source = write_survey(tmp_path / "重复表头.xlsx", rows, layout=layout)
    code, _, _ = classify(tmp_path, source)
    assert code == 0
    ws = openpyxl.load_workbook(tmp_path / "重复表头_建会判定.xlsx")["判定结果"]
    header = [c.value for c in ws[1]]
    values = [c.value for c in ws[2]]
    original = header[3:header.index("判定")]
    assert len(original) == len(layout)
    assert sorted(v for h, v in zip(header, values, strict=True) if h in original and isinstance(v, int)) == [
        1, 7, 10, 18, 22, 24, 25, 30]


def test_a_column_typed_twice_keeps_both(tmp_path: Path) -> None:
    layout = ((None, "序号"), (None, "企业名称"), (None, "县（市、区）"), (None, "实际拥有车辆数"), (None, "职工人数"),
              (None, "备注"), (None, "职工人数"))
    row = enterprise("西宁顺达物流有限公司", "joint", {"实际拥有车辆数": 5, "职工人数": 8, "备注": "后一列是上月数"})
    source = write_survey(tmp_path / "两列职工.xlsx", [row], layout=layout)
    classify(tmp_path, source)
    ws = openpyxl.load_workbook(tmp_path / "两列职工_建会判定.xlsx")["判定结果"]
    header = [c.value for c in ws[1]]
    assert "职工人数（E 列）" in header and "职工人数（G 列）" in header
    assert [c.value for c in ws[2]][header.index("职工人数（E 列）")] == 8


def test_counts_from_a_csv_are_numbers_codes_stay_text(tmp_path: Path) -> None:
    source = tmp_path / "县里.csv"
    source.write_text("企业名称,统一社会信用代码,县（市、区）,实际拥有车辆数,职工人数,联系电话\n"
                      "西宁顺达物流有限公司,91630105MA7000001X,城北区,22,30,013912345678\n", encoding="utf-8")
    classify(tmp_path, source)
    ws = openpyxl.load_workbook(tmp_path / "县里_建会判定.xlsx")["判定结果"]
    row = {c.value: v for c, v in zip(ws[1], ws[2], strict=True)}
    assert (row["实际拥有车辆数"].value, row["实际拥有车辆数"].data_type) == (22, "n")
    assert (row["职工人数"].value, row["职工人数"].data_type) == (30, "n")
    assert (row["联系电话"].value, row["联系电话"].data_type) == ("013912345678", "s")
    assert row["统一社会信用代码"].data_type == "s"


def test_text_that_looks_like_rich_text_xml_stays_text(tmp_path: Path) -> None:
    """xlsxwriter copies a string "<r>…</r>" into the sheet unescaped, as rich-text XML: "<r>&</r>" typed in a
    cell would make the workbook one that Excel cannot open. Every sheet must keep it as typed text."""
    source = tmp_path / "县里.csv"
    source.write_text("企业名称,县（市、区）,实际拥有车辆数,职工人数,依托的平台/园区/市场\n"
                      "<r>&</r>,城北区,<r>5</r>,3,<r>平台</r>\n<r>乙</r>,城北区,2,3,<r>平台</r>\n", encoding="utf-8")
    classify(tmp_path, source)
    book = openpyxl.load_workbook(tmp_path / "县里_建会判定.xlsx")
    row = {c.value: v.value for c, v in zip(book["判定结果"][1], book["判定结果"][2], strict=True)}
    assert row["企业名称"] == "<r>&</r>" and row["实际拥有车辆数"] == "<r>5</r>"
    assert row["依托的平台/园区/市场"] == "<r>平台</r>"
    assert "<r>5</r>" in [c.value for c in book["数据问题"]["H"]]  # the finding quotes the cell as typed
    assert "<r>乙</r>" in [c.value for c in book["建会方案"]["L"]]


def test_parts_deflated_and_xlsxwriter_left_as_found(annotated: Annotated) -> None:
    import zipfile

    import xlsxwriter.workbook

    with zipfile.ZipFile(annotated.target) as z:
        assert {i.compress_type for i in z.infolist()} == {zipfile.ZIP_DEFLATED}
        assert z.testzip() is None
    assert xlsxwriter.workbook.ZipFile is zipfile.ZipFile  # the level is set only while the workbook closes


def test_one_workbook_per_input(tmp_path: Path) -> None:
    rows = standard_rows()
    a = write_survey(tmp_path / "甲.xlsx", rows[:4])
    b = write_survey(tmp_path / "乙.xlsx", rows[4:8])
    code, _, _ = classify(tmp_path, a, b)
    assert code == 0
    for path, part in ((tmp_path / "甲_建会判定.xlsx", rows[:4]), (tmp_path / "乙_建会判定.xlsx", rows[4:8])):
        ws = openpyxl.load_workbook(path)["判定结果"]
        names = [r[4] for r in ws.iter_rows(min_row=2, values_only=True)]
        assert names == [r.values["企业名称"] for r in part]


def test_output_option_writes_everything_in_one_workbook(tmp_path: Path) -> None:
    rows = standard_rows()
    a = write_survey(tmp_path / "甲.xlsx", rows[:4])
    b = write_survey(tmp_path / "乙.xlsx", rows[4:8])
    target = tmp_path / "out" / "全部.xlsx"
    code, _, _ = classify(tmp_path, a, b, "-o", target)
    assert code == 0
    ws = openpyxl.load_workbook(target)["判定结果"]
    assert {r[0] for r in ws.iter_rows(min_row=2, values_only=True)} == {"甲.xlsx", "乙.xlsx"}
    assert not (tmp_path / "甲_建会判定.xlsx").exists()
