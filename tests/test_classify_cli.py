"""`qhunion classify` and `qhunion explain` from the command line (issue 3): the CSV/JSON record for every survey
row, Chinese kept readable, personal columns never printed, the full reasoning for one enterprise, and the
exit status (0 clean · 1 data errors, or --strict with 待核实 rows · 2 usage · 3 unreadable).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from qhunion.columns import DECISION_COLUMNS
from qhunion.decide.ruleset import packaged
from rule_cases.surveys import (
    FIRST_DATA_ROW,
    FORMULA_NAME,
    PERSONAL,
    Cli,
    enterprise,
    excel_row,
    standard_rows,
    uscc,
    write_survey,
)

REQUIRED = ("source", "sheet", "row", "name", "credit_code", "prefecture", "county", "decision", "decision_label",
            "rule", "clauses", "explanation", "proposal", "responsible", "follow_up", "issues")
ROWS = standard_rows()


@pytest.fixture
def survey(tmp_path: Path) -> Path:
    return write_survey(tmp_path / "城北区调查表.xlsx", ROWS)


def row_of(name: str) -> int:
    return excel_row(ROWS, name)


# ── --format csv / json ──────────────────────────────────────────────────────────────────────────────

def test_json_has_one_record_per_row_with_the_keys(cli: Cli, survey: Path) -> None:
    code, out, _ = cli("classify", survey, "--format", "json", "--no-workbook")
    assert code == 1 - 1  # warnings only
    assert "\\u" not in out and "单独建会" in out  # ensure_ascii=False
    data = json.loads(out)
    rs = packaged()
    assert data["rule_set"] == rs.stamp
    records = data["records"]
    assert len(records) == len(ROWS)
    for n, (rec, row) in enumerate(zip(records, ROWS, strict=True)):
        assert set(REQUIRED) <= set(rec)
        assert (rec["source"], rec["sheet"], rec["row"]) == (survey.name, "调查表", FIRST_DATA_ROW + n)
        assert rec["name"] == row.values["企业名称"]
        assert rec["decision"] == row.decision and rec["decision_label"] == rs.label(row.decision)
        assert isinstance(rec["clauses"], list) and set(rec["clauses"]) <= set(rs.clauses)
        assert isinstance(rec["issues"], list)
        assert rec["rule_set"] == rs.stamp
    assert data["counts"] == {"standalone": 1, "joint": 4, "industry": 10, "territorial": 1, "established": 1,
                              "excluded": 1, "unverified": 2}
    first = records[0]
    assert first["credit_code"] == uscc(1) and first["prefecture"] == "西宁市" and first["county"] == "城北区"
    assert first["explanation"] == ("实际拥有车辆 22 辆 ≥ 20 辆，职工 30 人 ≥ 25 人（青总办〔2018〕19号 三（二））"
                                    "→ 单独建会")
    assert first["proposal"] == "西宁顺达物流有限公司工会委员会" and first["responsible"] == "西宁市总工会"
    established = records[row_of("青海天路汽车运输有限公司") - FIRST_DATA_ROW]
    assert established["follow_up"] == "推动司机入会：已入会 12/40"
    registered = records[row_of("城北区挂靠运输有限公司") - FIRST_DATA_ROW]
    assert any("登记车辆数 22 含挂靠车辆" in i for i in registered["issues"])


def test_csv_has_the_same_records(cli: Cli, survey: Path) -> None:
    code, out, _ = cli("classify", survey, "--format", "csv", "--no-workbook")
    assert code == 0
    reader = csv.DictReader(io.StringIO(out))
    assert tuple(reader.fieldnames or ()) == DECISION_COLUMNS
    assert set(REQUIRED) <= set(DECISION_COLUMNS)
    rows = list(reader)
    assert [int(r["row"]) for r in rows] == list(range(FIRST_DATA_ROW, FIRST_DATA_ROW + len(ROWS)))
    assert [r["decision"] for r in rows] == [r.decision for r in ROWS]
    assert rows[0]["clauses"] == "qh-3-2-standalone；tul-11；civil-1259"
    # A name Excel would run as a formula is defused in CSV.
    assert rows[row_of(FORMULA_NAME) - FIRST_DATA_ROW]["name"] == "'" + FORMULA_NAME


def test_json_to_a_file(cli: Cli, survey: Path, tmp_path: Path) -> None:
    target = tmp_path / "结果.json"
    code, out, _ = cli("classify", survey, "--format", "json", "-o", target)
    assert code == 0 and out == ""
    assert len(json.loads(target.read_text(encoding="utf-8"))["records"]) == len(ROWS)


# ── Personal data ────────────────────────────────────────────────────────────────────────────────────

@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_personal_columns_never_appear(cli: Cli, survey: Path, fmt: str) -> None:
    code, out, err = cli("classify", survey, "--format", fmt, "--no-workbook")
    assert code == 0
    for value in PERSONAL:
        assert value not in out + err
    if fmt != "table":
        for header in ("联系人", "联系电话", "身份证号", "contact", "phone", "id_number"):
            assert header not in out


def test_explain_never_shows_personal_columns(cli: Cli, survey: Path) -> None:
    for n in range(len(ROWS)):
        code, out, err = cli("explain", survey, "--row", str(FIRST_DATA_ROW + n))
        assert code == 0
        for value in PERSONAL:
            assert value not in out + err


# ── explain ──────────────────────────────────────────────────────────────────────────────────────────

def test_explain_row_gives_the_full_reasoning(cli: Cli, survey: Path) -> None:
    rs = packaged()
    code, out, _ = cli("explain", survey, "--row", str(FIRST_DATA_ROW))
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == f"西宁顺达物流有限公司（{survey.name} › 调查表 › 第 {FIRST_DATA_ROW} 行）"
    assert "判定：单独建会（实际拥有车辆 20 台以上或职工 25 人以上）" in lines  # the rule's name, not its id
    assert "理由：实际拥有车辆 22 辆 ≥ 20 辆，职工 30 人 ≥ 25 人（青总办〔2018〕19号 三（二））→ 单独建会" in lines
    assert "读取的标准：单独建会车辆数 20 辆；单独建会职工人数 25 人" in lines
    assert "建会方案：西宁顺达物流有限公司工会委员会" in lines
    assert "责任单位：西宁市总工会（文件未指定货车司机入会的责任单位（五（二）的牵头单位为省总基层工作部）：按属地由所在市（州）总工会组织，是本工具的理解）" in lines
    text = "".join(out.split())
    for cid in ("qh-3-2-standalone", "tul-11", "civil-1259"):
        assert "".join(rs.clauses[cid].text.split()) in text
    assert f"规则集：{rs.stamp}" in lines


def test_explain_by_credit_code(cli: Cli, survey: Path) -> None:
    code, out, _ = cli("explain", survey, "--code", uscc(4).lower())
    assert code == 0
    assert out.startswith("青海天路汽车运输有限公司")
    assert "判定：已建会（" in out and "established" not in out and "下一步：推动司机入会：已入会 12/40" in out


def test_explain_an_unverified_row_says_what_to_fill(cli: Cli, survey: Path) -> None:
    code, out, _ = cli("explain", survey, "--row", str(row_of("大通县永顺运输有限公司")))
    assert code == 0
    assert "理由：实际拥有车辆 3 辆 < 20 辆，职工未填，可能 ≥ 25 人（青总办〔2018〕19号 三（二））→ 待核实" in out
    assert "读取的标准：单独建会车辆数 20 辆；单独建会职工人数 25 人" in out
    assert "下一步：补填职工人数后重新判定" in out
    assert "数据问题：" in out and "职工人数未填" in out


def test_explain_names_no_responsible_union_for_housekeeping(cli: Cli, survey: Path) -> None:
    code, out, _ = cli("explain", survey, "--row", str(row_of("西宁金穗家庭服务有限公司")))
    assert code == 0
    assert "责任单位：青总办〔2018〕19号 五（三）未明确家政服务员入会的责任单位" in out


@pytest.mark.parametrize("args", [[], ["--row", "5", "--code", "X"], ["--row", "3"], ["--row", "999"],
                                  ["--code", "91630105MA7000099X"]],
                         ids=["neither", "both", "header row", "past the end", "unknown code"])
def test_explain_usage_errors(cli: Cli, survey: Path, args: list[str]) -> None:
    code, out, err = cli("explain", survey, *args)
    assert code == 2
    assert "错误" in err and "Traceback" not in out + err


# ── Exit status ──────────────────────────────────────────────────────────────────────────────────────

def test_strict_fails_when_a_row_is_unverified(cli: Cli, survey: Path) -> None:
    assert cli("classify", survey, "--no-workbook")[0] == 0
    assert cli("classify", survey, "--no-workbook", "--strict")[0] == 1
    assert cli("classify", survey, "--no-workbook", "--strict", "--format", "json")[0] == 1


def test_strict_passes_without_unverified_rows(cli: Cli, tmp_path: Path) -> None:
    clean = write_survey(tmp_path / "无待核实.xlsx", [r for r in ROWS if r.decision != "unverified"])
    assert cli("classify", clean, "--no-workbook", "--strict")[0] == 0


def test_data_errors_exit_1(cli: Cli, tmp_path: Path) -> None:
    rows = [enterprise("西宁错数货运有限公司", "", {"实际拥有车辆数": "二十几", "职工人数": 8})]
    code, out, _ = cli("classify", write_survey(tmp_path / "有错.xlsx", rows), "--no-workbook", "--format", "json")
    assert code == 1
    assert json.loads(out)["records"][0]["issues"]


def test_unreadable_input_exits_3_and_says_which(cli: Cli, tmp_path: Path) -> None:
    code, _, err = cli("classify", tmp_path / "没有这个文件.xlsx", "--format", "json")
    assert code == 3 and "没有这个文件.xlsx" in err
    code, out, err = cli("classify", tmp_path / "没有这个文件.xlsx")
    assert code == 3 and "无法读取 没有这个文件.xlsx" in out + err


def test_table_summary(cli: Cli, survey: Path) -> None:
    rs = packaged()
    code, out, err = cli("classify", survey)
    assert code == 0
    flat = "".join(out.split())
    assert "".join(f"判定结果（20家；规则集{rs.stamp}）".split()) in flat
    assert "单独建会1，联合建会4，行业工会覆盖10，属地覆盖1，已建会1，不纳入1，待核实2" in flat
    assert "→单独建会" in flat and "…" not in out  # explanations folded, not cropped
    assert "城北区调查表_建会判定.xlsx" in err


@pytest.mark.parametrize(("args", "status"), [
    (["classify", "{survey}", "--no-workbook"], 0),
    (["classify", "{survey}", "--no-workbook", "--strict"], 1),
    (["explain", "{survey}"], 2),
    (["classify", "{folder}/没有这个文件.xlsx"], 3),
    (["classify", "{survey}", "-o", "{survey}"], 4),
], ids=["clean", "strict", "usage", "unreadable", "output over the input"])
def test_the_installed_command_exits_with_the_status(survey: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str], args: list[str],
                                                     status: int) -> None:
    """`qhunion` as installed (`cli.main`), not only the Typer app: the status reaches the shell."""
    from qhunion import cli as cli_module

    before = survey.read_bytes()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("QHUNION_DB", str(tmp_path / "db.sqlite"))
    argv = [a.format(survey=survey, folder=tmp_path) for a in args]
    monkeypatch.setattr("sys.argv", ["qhunion", *argv])
    with pytest.raises(SystemExit) as exit_:
        cli_module.main()
    assert exit_.value.code == status
    assert "Traceback" not in capsys.readouterr().err
    assert survey.read_bytes() == before
