"""Files made without the template, read end to end (issue 10): web-system exports (HTML saved as .xls,
SpreadsheetML 2003), Excel's “Unicode 文本”, a web page that is not an export, and the mapping workflow —
`check` on an unknown column prints a `--map` line that, pasted back, makes the file read clean."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from qhunion.recognise.intake import read_survey
from rule_cases.surveys import Cli

HTML = """<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>货运企业导出</title></head><body><table border=1>
<tr><th>序号</th><th>所属区县</th><th>企业名称</th><th>自有车辆</th><th>从业人数</th><th>是否建会</th></tr>
<tr><td>1</td><td rowspan=2>格尔木市</td><td>格尔木昆仑物流有限公司</td><td>25</td><td>30</td><td>否</td></tr>
<tr><td>2</td><td>格尔木察尔汗运输队</td><td>3</td><td>4</td><td>否</td></tr>
<tr><td>3</td><td>德令哈市</td><td>德令哈巴音河货运部</td><td>2</td><td>2</td><td>否</td></tr>
</table></body></html>"""

SPREADSHEETML = """<?xml version="1.0"?>
<?mso-application progid="Excel.Sheet"?>
<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"
 xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">
<Worksheet ss:Name="海东市乐都区"><Table>
<Row><Cell><Data ss:Type="String">单位名称</Data></Cell><Cell><Data ss:Type="String">实有货车</Data></Cell>
<Cell><Data ss:Type="String">在岗职工</Data></Cell><Cell><Data ss:Type="String">入驻园区</Data></Cell></Row>
<Row><Cell><Data ss:Type="String">乐都顺风运输有限公司</Data></Cell><Cell><Data ss:Type="Number">4</Data></Cell>
<Cell><Data ss:Type="Number">6</Data></Cell><Cell><Data ss:Type="String">海东物流园</Data></Cell></Row>
<Row><Cell><Data ss:Type="String">乐都碾伯货运部</Data></Cell><Cell ss:Index="3"><Data ss:Type="Number">2</Data></Cell>
</Row>
</Table></Worksheet></Workbook>"""


def _regions(path: Path) -> list[tuple[str | None, str | None, str | None]]:
    return [(r.name, r.prefecture, r.county) for r in read_survey([path]).records]


def test_a_web_export_with_the_county_spanning_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "export.xls"
    path.write_bytes(HTML.encode("gb18030"))
    survey = read_survey([path])
    assert [(r.name, r.county, r.vehicles_owned, r.employees, r.has_union) for r in survey.records] == [
        ("格尔木昆仑物流有限公司", "格尔木市", 25, 30, False), ("格尔木察尔汗运输队", "格尔木市", 3, 4, False),
        ("德令哈巴音河货运部", "德令哈市", 2, 2, False)]
    carried = [f for f in survey.all_findings() if f.code == "region-context"]
    assert [(f.row, f.column_letter) for f in carried] == [(3, "B")]


def test_spreadsheetml_with_the_county_in_the_sheet_name(tmp_path: Path) -> None:
    path = tmp_path / "system.xls"
    path.write_text(SPREADSHEETML, "utf-8")
    survey = read_survey([path])
    assert _regions(path) == [("乐都顺风运输有限公司", "海东市", "乐都区"), ("乐都碾伯货运部", "海东市", "乐都区")]
    first, second = survey.records
    assert (first.vehicles_owned, first.employees, first.anchor) == (4, 6, "海东物流园")
    assert (second.vehicles_owned, second.employees) == (None, 2)  # ss:Index skipped a cell
    assert any(f.code == "region-context-sheet" and "工作表名称" in f.text for f in survey.all_findings())


def test_excels_unicode_text(tmp_path: Path) -> None:
    path = tmp_path / "玛沁.txt"
    text = "企业名称\t县（市、区）\t职工人数\t实际拥有车辆数\n玛沁雪山物流有限公司\t玛沁县\t26\t3\n"
    path.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    (r,) = read_survey([path]).records
    assert (r.name, r.county, r.employees, r.vehicles_owned) == ("玛沁雪山物流有限公司", "玛沁县", 26, 3)


def test_a_web_page_that_is_not_an_export(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "login.xls"
    path.write_text("<html><head><title>登录超时</title></head><body><form>用户名<input name=u></form></body></html>",
                    "utf-8")
    code, out, err = cli("check", path)
    assert code == 3
    assert "这是一个网页（标题：登录超时），不是导出的表格" in out + err


def test_the_suggested_map_line_pasted_back_reads_clean(cli: Cli, tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "玛沁县"
    ws.append(["单位详细名称", "车辆（辆）", "从业人员期末人数", "驾驶员人数"])
    ws.append(["玛沁顺通运输有限公司", 22, 30, 20])
    ws.append(["玛沁县雪域物流有限公司", 5, 8, 6])
    path = tmp_path / "玛沁县.xlsx"
    book.save(path)
    code, out, _ = cli("check", path)
    assert "B 列“车辆（辆）”可能是“登记车辆数”或“实际拥有车辆数”" in out
    line = next(s.strip() for s in out.splitlines() if s.strip().startswith("qhunion check"))
    assert '--map "B=登记车辆数"' in line
    args = shlex.split(line)[2:]
    # The user corrects the field in the line, as the hint says, and runs it again.
    args = [a.replace("B=登记车辆数", "B=实际拥有车辆数") for a in args]
    code, out, _ = cli("check", *[str(path) if a == path.name else a for a in args], "--format", "json")
    report = json.loads(out)
    assert code == 0 and not [i for i in report["issues"] if i["severity"] != "info"]
    (sheet,) = report["files"][0]["sheets"]
    b = next(c for c in sheet["columns"] if c["column"] == "B")
    assert (b["field"], b["via"], b["doubtful"]) == ("vehicles_owned", "map", False)
    # …and saved once, the layout is reused for the next file of the same shape.
    code, _, err = cli("check", path, "--map", "B=实际拥有车辆数", "--write-map", tmp_path / "映射.toml")
    assert "已写出表头映射" in err
    code, out, _ = cli("classify", path, "--map-file", tmp_path / "映射.toml", "--no-ledger", "-f", "json")
    decisions = {r["name"]: r["decision"] for r in json.loads(out)["records"]}
    assert decisions["玛沁顺通运输有限公司"] == "standalone"


def test_a_forms_problem_cell_is_coloured_in_its_column_of_the_annotated_copy(cli: Cli, tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "城北区"
    for row in (["企业登记表"], ["企业名称", "甲运输有限公司"], ["统一社会信用代码", "无"], ["职工人数", "约30"],
                ["自有车辆（台）", 3]):
        ws.append(row)
    path = tmp_path / "表.xlsx"
    book.save(path)
    code, _, err = cli("classify", path, "--no-ledger")
    assert code == 0, err
    annotated = openpyxl.load_workbook(tmp_path / "表_建会判定.xlsx")["判定结果"]
    header = [c.value for c in annotated[1]]
    employees = header.index("职工人数") + 1
    coloured = {c.column for c in annotated[2] if c.fill is not None and c.fill.fgColor.rgb not in (None, "00000000")
                and c.column <= len(header) - 8}
    assert coloured == {employees}  # 约30: a warning, at the 职工人数 column and nowhere else
