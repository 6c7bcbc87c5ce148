"""`qhunion check` (issue 2, items 8 and 9): what it prints, its JSON and CSV, its exit status, and one clear
Chinese sentence — never a traceback — for every kind of input that cannot be read."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from builders import (
    INSTRUCTIONS,
    Grid,
    broken_check,
    fake_docx,
    fake_pdf,
    flat_rows,
    ole_with_stream,
    truncated_xlsx,
    uscc,
    write_survey,
    write_xlsx,
)
from rule_cases.surveys import run

ISSUE_KEYS = {"code", "severity", "file", "sheet", "row", "column", "header", "value", "message"}


def test_check_prints_header_mapping_records_and_findings(tmp_path: Path) -> None:
    write_survey(tmp_path / "海东.xlsx", instructions=True)
    code, out, _ = run("check", tmp_path / "海东.xlsx")
    assert code == 0
    assert "海东.xlsx › 物流企业：表头在第 3、4 行，读到 3 条记录" in out
    assert "G   自有货车（辆）    实际拥有车辆数" in out
    assert "A   序号              （序号，不参与判定）" in out
    assert "海东.xlsx › 填表说明：未识别为调查表，已跳过" in out
    assert "共 3 条记录；错误 0 条，警告 0 条" in out


def test_check_reports_the_csv_encoding(tmp_path: Path) -> None:
    write_survey(tmp_path / "s.csv", encoding="gbk")
    code, out, _ = run("check", tmp_path / "s.csv")
    assert code == 0
    assert "s.csv › s：表头在第 3、4 行，编码 gb18030，读到 3 条记录" in out
    code, out, _ = run("check", tmp_path / "s.csv", "--encoding", "gbk", "--format", "json")
    assert code == 0
    assert json.loads(out)["files"][0]["sheets"][0]["encoding"] == "gbk"


def test_exit_status_1_when_errors(tmp_path: Path) -> None:
    bad = broken_check(uscc())
    write_xlsx(tmp_path / "e.xlsx", {"S": flat_rows(("甲公司", bad, "西宁市", "城北区", -2, 8, "是"))})
    code, out, _ = run("check", tmp_path / "e.xlsx")
    assert code == 1
    assert re.search(r"错误 +e\.xlsx › S › 第 2 行 E 列（实际拥有车辆数） +“-2”为负数，请更正", out)
    assert "共 1 条记录；错误 2 条" in out


def test_warnings_alone_exit_0(tmp_path: Path) -> None:
    write_xlsx(tmp_path / "w.xlsx", {"S": flat_rows(("甲公司", None, "西宁市", "城北区", "约30", 40, "是"))})
    assert run("check", tmp_path / "w.xlsx")[0] == 0


def test_json_output(tmp_path: Path) -> None:
    write_survey(tmp_path / "a.xlsx", instructions=True)
    write_xlsx(tmp_path / "b.xlsx", {"S": flat_rows(("甲公司", None, "海东市", "城北区", "二十辆", 40, "是"))})
    code, out, _ = run("check", tmp_path / "a.xlsx", tmp_path / "b.xlsx", "--format", "json")
    assert code == 1
    assert "城北区属于西宁市" in out  # ensure_ascii=False: Chinese stays readable
    data = json.loads(out)
    assert data["records"] == 4
    assert [f["file"] for f in data["files"]] == ["a.xlsx", "b.xlsx"]
    sheets = data["files"][0]["sheets"]
    assert [(s["sheet"], s["skipped"], s["records"], s["header_rows"]) for s in sheets] == [
        ("填表说明", "hidden", 0, []), ("物流企业", None, 3, [3, 4])]
    g = next(c for c in sheets[1]["columns"] if c["column"] == "G")
    assert {"column": "G", "header": "自有货车（辆）", "field": "vehicles_owned", "label": "实际拥有车辆数"}.items() <= g.items()
    assert all(set(i) == ISSUE_KEYS for i in data["issues"])
    mismatch = next(i for i in data["issues"] if i["code"] == "region-mismatch")
    assert mismatch == {
        "code": "region-mismatch", "severity": "error", "file": "b.xlsx", "sheet": "S", "row": 2, "column": "D",
        "header": "县（市、区）", "value": "城北区",
        "message": "b.xlsx › S › 第 2 行 D 列（县（市、区））：城北区属于西宁市，与所填市（州）“海东市”不符，已按西宁市统计",
    }


def test_csv_output(tmp_path: Path) -> None:
    write_xlsx(tmp_path / "b.xlsx", {"S": flat_rows(("甲公司", None, "西宁市", "城北区", "=1+1", 40, "是"))})
    code, out, _ = run("check", tmp_path / "b.xlsx", "--format", "csv")
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == "code,severity,file,sheet,row,column,header,value,message"
    assert any(line.startswith("count-invalid,error,b.xlsx,S,2,E,实际拥有车辆数,'=1+1,") for line in lines)


# ── Unreadable input: exit 3, one sentence naming the file, no traceback ─────────────────────────────

def _good(tmp_path: Path) -> Path:
    return write_xlsx(tmp_path / "good.xlsx", {"S": flat_rows(("甲公司", None, "西宁市", "城北区", 3, 4, "否"))})


UNREADABLE: dict[str, tuple[Callable[[Path], Path], str]] = {
    "missing": (lambda d: d / "缺失.xlsx", "找不到该文件，请检查文件名和路径"),
    "unsupported": (lambda d: fake_docx(d / "说明.docx"), "不支持“.docx”文件，请提供 .xlsx、.xls、.ods 或 .csv 表格"),
    "truncated": (lambda d: truncated_xlsx(d / "截断.xlsx", _good(d)),
                  "工作簿已损坏或不完整（可能未下载完），请重新获取原文件"),
    "pdf renamed": (lambda d: fake_pdf(d / "扫描件.xlsx"), "这是 PDF 文件，不是表格；请提供 Excel 原表（.xlsx/.xls）或 CSV"),
    "empty file": (lambda d: _empty(d / "空.xlsx"), "文件是空的（0 字节），请重新导出或向填报单位索取"),
    "no header": (lambda d: write_xlsx(d / "无表头.xlsx", {"说明": INSTRUCTIONS}),
                  "没有找到调查表表头（至少需要“企业名称”等三列），请用 --map 指定各列是什么字段（如 --map \"B=企业名称\"）"),
    "no data": (lambda d: write_xlsx(d / "无数据.xlsx", {"Sheet1": Grid([]), "Sheet2": Grid([])}),
                "工作簿中没有任何数据，请检查是否发错了文件"),
    "password": (lambda d: ole_with_stream(d / "加密.xlsx"),
                 "工作簿设有打开密码，请在 Excel 中取消密码（文件 → 信息 → 保护工作簿）后另存再试"),
    # a large encrypted workbook keeps its OLE directory after the data; renamed .xls it is still recognised
    "password, large": (lambda d: ole_with_stream(d / "加密.xls", size=3 << 20),
                        "工作簿设有打开密码，请在 Excel 中取消密码（文件 → 信息 → 保护工作簿）后另存再试"),
    "corrupt xls": (lambda d: ole_with_stream(d / "旧表.xls", stream="Workbook"),
                    "旧版 Excel 文件已损坏或无法识别，请用 Excel 打开后另存为 .xlsx 再试"),
    "csv that is a word document": (lambda d: fake_docx(d / "改名.csv"),
                                    "工作簿已损坏或不完整（可能未下载完），请用 Excel 打开检查，或重新获取原文件"),
    "empty folder": (lambda d: _folder(d / "海东"), "文件夹中没有可读取的表格（.xlsx、.xls、.ods、.csv），请检查文件夹"),
    "glob matching nothing": (lambda d: d / "*.xlsx", "没有与之匹配的文件，请检查文件夹和文件名"),
}


def _empty(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def _folder(path: Path) -> Path:
    path.mkdir()
    return path


@pytest.mark.parametrize("case", list(UNREADABLE))
def test_unreadable_input(tmp_path: Path, case: str) -> None:
    make, reason = UNREADABLE[case]
    path = make(tmp_path)
    for fmt in ("table", "json"):
        code, out, err = run("check", path, "--format", fmt)
        assert code == 3, (case, fmt)
        assert "Traceback" not in out + err
        sentence = f"无法读取 {path.name}：{reason}"
        if fmt == "table":
            assert sentence in out
        else:
            assert err.strip() == sentence
            assert json.loads(out)["files"] == [{"file": path.name, "sheets": json.loads(out)["files"][0]["sheets"],
                                                 "unreadable": reason}]


def test_one_bad_file_does_not_stop_the_batch(tmp_path: Path) -> None:
    write_survey(tmp_path / "a.xlsx")
    fake_pdf(tmp_path / "b.xlsx")
    write_survey(tmp_path / "c.csv")
    code, out, err = run("check", tmp_path, "--format", "json")
    assert code == 3
    data = json.loads(out)
    assert data["records"] == 6
    assert [(f["file"], f["unreadable"] is not None) for f in data["files"]] == [
        ("a.xlsx", False), ("b.xlsx", True), ("c.csv", False)]
    assert "b.xlsx" in err


def test_bad_usage_is_status_2(tmp_path: Path) -> None:
    assert run("check")[0] == 2
    assert run("check", tmp_path, "--format", "xml")[0] == 2


# ── The installed entry point (`python -m qhunion`, the `qhunion` script) ─────────────────────────────

def _module(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "qhunion", *map(str, args)], capture_output=True, timeout=60,
                          env={**os.environ, **(env or {})}, check=False)


def test_module_entry_point_prints_one_sentence(tmp_path: Path) -> None:
    done = _module("check", tmp_path / "缺失.xlsx")
    text = (done.stdout + done.stderr).decode("utf-8")
    assert "无法读取 缺失.xlsx：找不到该文件，请检查文件名和路径" in text
    assert "Traceback" not in text


def test_module_entry_point_exit_status(tmp_path: Path) -> None:
    assert _module("check", tmp_path / "缺失.xlsx").returncode == 3


def test_module_entry_point_bad_usage() -> None:
    done = _module("check", "--no-such-option")
    assert done.returncode == 2
    assert b"Traceback" not in done.stderr


def test_brackets_in_names_and_values_are_printed_as_typed(tmp_path: Path) -> None:
    write_xlsx(tmp_path / "海东[final].xlsx", {"S": flat_rows(("甲公司", None, "西宁市", "[/b]城北区", 3, 4, "否"))})
    code, out, _ = run("check", tmp_path / "海东[final].xlsx")
    assert code == 1
    assert "海东[final].xlsx › S" in out
    assert "“[/b]城北区”不是青海省的市（州）或县（市、区）" in out


def test_a_stray_file_in_a_folder_is_said_once(tmp_path: Path) -> None:
    """Issue 13: a CSV without a survey in a folder was reported as skipped and as unreadable."""
    folder = tmp_path / "surveys"
    folder.mkdir()
    write_survey(folder / "城北区.xlsx")
    (folder / "说明.csv").write_text("a,b\n1,2\n", "utf-8")
    code, out, err = run("check", folder)
    assert code == 3
    assert (out + err).count("说明.csv") == 1


def test_classify_of_a_missing_file_prints_no_empty_table(tmp_path: Path) -> None:
    code, out, err = run("classify", tmp_path / "不存在.xlsx", "--no-ledger")
    assert code == 3 and "找不到该文件" in out + err
    assert "位置" not in out  # no table header above the sentence
